//! The Mesa version of the model's core (`benches/mesa/grassroots_subset.py`,
//! the speed comparison of `docs/performance.md`) runs and prints what the
//! page reads from it.
//!
//! It needs the `python3` on the PATH to import Mesa 3.3 (`python3 -m pip
//! install mesa==3.3.1`; the script's README uses a virtual environment,
//! which must then be activated). Without it the test is skipped with the
//! reason printed, unless `GRASSROOTS_REQUIRE_MESA=1` (set by `.ci/run`
//! once it has installed Mesa), which makes skipping a failure.

mod common;

use common::{available, optional};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

/// The script's `key: value` lines.
fn run_subset(villages: u32, months: u32, seed: u32) -> HashMap<String, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/mesa/grassroots_subset.py");
    let o = Command::new("python3")
        .arg(&script)
        .args(["--villages", &villages.to_string()])
        .args(["--months", &months.to_string()])
        .args(["--seed", &seed.to_string()])
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python3 runs");
    assert!(
        o.status.success(),
        "{}: {}",
        script.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn number(lines: &HashMap<String, String>, key: &str) -> f64 {
    lines
        .get(key)
        .unwrap_or_else(|| panic!("no `{key}:` line in {lines:?}"))
        .parse()
        .unwrap_or_else(|e| panic!("{key}: {e}"))
}

/// Whether Python with Mesa 3.3 is here; a failure instead of a skip when
/// `GRASSROOTS_REQUIRE_MESA=1`.
fn mesa_available() -> bool {
    let import = "import mesa, sys
if not mesa.__version__.startswith('3.3'):
    sys.exit(f'Mesa {mesa.__version__} is installed, the script is written for 3.3')";
    optional(
        "Mesa version of the model's core (benches/mesa)",
        "GRASSROOTS_REQUIRE_MESA",
        available("python3", &["-c", import]),
    )
}

#[test]
fn the_mesa_subset_runs_a_small_county_and_reports_its_speed() {
    if !mesa_available() {
        return;
    }
    let lines = run_subset(3, 4, 2);
    assert!(lines["mesa_version"].starts_with("3.3"), "{lines:?}");
    assert_eq!(number(&lines, "villages"), 3.0);
    assert_eq!(number(&lines, "months"), 4.0);
    // Villages of 100–200 households (`scenarios/province.toml`).
    let households = number(&lines, "households");
    assert!((300.0..=600.0).contains(&households), "{households}");
    assert_eq!(number(&lines, "household_steps"), households * 4.0);
    let seconds = number(&lines, "setup_seconds") + number(&lines, "simulation_seconds");
    let rate = number(&lines, "household_steps_per_sec");
    assert!(seconds > 0.0 && rate > 0.0, "{lines:?}");
    // The rate is household-steps ÷ (set-up + simulation), each time
    // printed to the millisecond.
    assert!(
        (rate * seconds - households * 4.0).abs() <= rate * 0.001 + 1.0,
        "{lines:?}"
    );
    let satisfaction = number(&lines, "final_mean_satisfaction");
    assert!(satisfaction > 0.0 && satisfaction < 1.0, "{satisfaction}");
    // Members' real effort settles within a few months at the defaults'
    // level: 0.256 in the engine set to the same subset (benches/mesa/README.md).
    let real_effort = number(&lines, "final_real_effort");
    assert!((0.24..0.27).contains(&real_effort), "{real_effort}");
    assert!(number(&lines, "final_backlog_per_household") >= 0.0);
    // The same seed gives the same county and months; another seed another.
    let state = |l: &HashMap<String, String>| {
        [
            "households",
            "final_mean_satisfaction",
            "final_backlog_per_household",
            "final_real_effort",
        ]
        .map(|k| l[k].clone())
    };
    assert_eq!(state(&lines), state(&run_subset(3, 4, 2)));
    assert_ne!(state(&lines), state(&run_subset(3, 4, 3)));
}
