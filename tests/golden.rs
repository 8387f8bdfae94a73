//! Every error message a user can see for the scenario files in
//! `tests/cmd/`, pinned with `snapbox`: `grassroots validate tests/cmd/NAME.toml`
//! must exit with code 2 and print exactly `tests/cmd/NAME.stderr` (compared
//! raw: no wildcards, no redactions).
//!
//! A new case is a `tests/cmd/NAME.toml`; after an intended change of wording,
//! or for a new case, write the `.stderr` files with
//! `SNAPSHOTS=overwrite cargo test --release --test golden` and review the diff.

use snapbox::{Assert, Data, assert::DEFAULT_ACTION_ENV};
use std::path::Path;
use std::process::Command;

#[test]
fn error_messages_match_their_golden_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let assert = Assert::new().action_env(DEFAULT_ACTION_ENV);
    let mut cases: Vec<_> = std::fs::read_dir(root.join("tests/cmd"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 8, "golden cases missing");
    let mut failures = Vec::new();
    for case in cases {
        let name = case.file_stem().unwrap().to_string_lossy().into_owned();
        let shown = format!("tests/cmd/{name}.toml");
        let out = Command::new(env!("CARGO_BIN_EXE_grassroots"))
            .args(["validate", &shown])
            .current_dir(root)
            .output()
            .unwrap();
        if out.status.code() != Some(2) {
            failures.push(format!("{name}: exit {:?}, expected 2", out.status.code()));
        }
        let golden = root.join(format!("tests/cmd/{name}.stderr"));
        let expected = Data::read_from(&golden, None).raw();
        let actual = Data::text(String::from_utf8_lossy(&out.stderr).into_owned());
        if let Err(e) = assert.try_eq(Some(&shown), actual, expected) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
