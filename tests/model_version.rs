//! The model version moves with the model's results (`docs/reliability.md`).
//!
//! Stored runs are keyed by `grassroots::model_identity()`, so runs of an
//! older model are never reused — but only if `MODEL_VERSION` is bumped
//! whenever results change. This test pins the output of two small runs (the
//! defaults, and every mechanism switched on) to the model version: if the
//! output changes while `MODEL_VERSION` stays the same, it fails.
//!
//! After an intended change of results: bump `MODEL_VERSION` in src/lib.rs,
//! then re-pin with `GRASSROOTS_BLESS=1 cargo test --release --test model_version`.

use grassroots::digest::sha256_hex;
use grassroots::engine::Simulation;
use grassroots::scenario::Scenario;
use std::path::Path;

const PINNED: &str = "tests/data/model_fingerprint.txt";

/// A hash of every metric of every month of two small pinned runs.
fn fingerprint() -> String {
    let mut text = String::new();
    for all in [false, true] {
        let mut s = Scenario::defaults();
        if all {
            s = s.with_all_mechanisms();
        }
        s.world.villages = 6;
        s.world.villages_per_township = 3;
        s.scenario.months = 36;
        for seed in [1u64, 2] {
            for month in Simulation::new(&s, seed).run() {
                let cells: Vec<String> = month.iter().map(|x| format!("{x}")).collect();
                text.push_str(&cells.join(","));
                text.push('\n');
            }
        }
    }
    sha256_hex(text.as_bytes())
}

#[test]
fn results_change_only_with_the_model_version() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(PINNED);
    let now = format!(
        "model_version = {}\nfingerprint = {}\n",
        grassroots::MODEL_VERSION,
        fingerprint()
    );
    if std::env::var_os("GRASSROOTS_BLESS").is_some() {
        std::fs::write(&path, &now).unwrap();
        return;
    }
    let pinned = std::fs::read_to_string(&path).unwrap_or_default();
    let version_of = |t: &str| {
        t.lines()
            .find_map(|l| l.strip_prefix("model_version = "))
            .map(str::to_string)
    };
    if pinned != now {
        if version_of(&pinned) == version_of(&now) {
            panic!(
                "the model's results changed but MODEL_VERSION ({}) did not: bump it in src/lib.rs \
                 (stored runs of the old model must not be reused), then re-pin with \
                 GRASSROOTS_BLESS=1 cargo test --release --test model_version",
                grassroots::MODEL_VERSION
            );
        }
        panic!(
            "MODEL_VERSION is {} but {PINNED} pins another version; re-pin with \
             GRASSROOTS_BLESS=1 cargo test --release --test model_version",
            grassroots::MODEL_VERSION
        );
    }
}
