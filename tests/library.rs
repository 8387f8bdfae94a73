//! A study run from the library, without the command line — as Mesa's
//! `batch_run` or Agents.jl's `paramscan` (`docs/studies.md`, "Studies
//! from Rust").

use grassroots::output::csv::comparison_table;
use grassroots::output::store::Store;
use grassroots::output::{DirLock, OutputError};
use grassroots::study::runner::{Progress, RunState, Study, StudyFile, TargetCi, target_ci};
use std::sync::atomic::{AtomicUsize, Ordering};

const SCENARIO: &str = r#"
[scenario]
name = "tiny"
seed = 5
months = 12
replicates = 3

[world]
villages = 2
households_per_village = 30
members_per_village = 6

[compare]
outcomes = ["satisfaction_mean", "service_capacity"]
window_months = 6

[[variants]]
name = "mass_evaluation"
"incentive.formal_weight" = 0.0
"incentive.mass_evaluation_weight" = 0.8

[[variants]]
name = "fund_guarantee"
funds.monthly_guarantee = 5.0
"#;

/// Counts the runs finished.
#[derive(Default)]
struct Count(AtomicUsize);

impl Progress for Count {
    fn done(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn a_comparison_is_planned_run_and_tabulated_without_the_cli() {
    // Plan: the baseline and two variants, 3 replicates each.
    let file = StudyFile::parse(SCENARIO, "tiny.toml", &[], None).unwrap();
    let study = Study::compare(&[file], &[]).unwrap();
    assert_eq!(study.plan.variants.len(), 3);
    assert_eq!(study.plan.runs.len(), 9);

    // Run into a temporary store, on two threads.
    let dir = tempfile::tempdir().unwrap();
    let lock = DirLock::acquire(dir.path(), "tests/library.rs").unwrap();
    let store = Store::open(dir.path(), &lock).unwrap();
    let progress = Count::default();
    let ran = study.run_missing(&store, None, Some(2), &progress).unwrap();
    assert_eq!((ran, progress.0.load(Ordering::Relaxed)), (9, 9));
    assert!(
        study
            .plan
            .runs
            .iter()
            .all(|r| store.state(&r.key, 12) == RunState::Valid)
    );
    // Nothing is missing any more: a second call runs nothing.
    assert_eq!(study.run_missing(&store, None, None, &()).unwrap(), 0);

    // The comparison table, from the stored runs.
    let results = study
        .results(&store, |_, _| Ok::<_, OutputError>(()))
        .unwrap();
    let table = comparison_table(&study.plan, &results).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("variant,outcome,measure,n,mean"));
    // 3 variants × 2 outcomes × 2 measures.
    assert_eq!(lines.len(), 1 + 3 * 2 * 2);
    assert!(lines[1].starts_with("baseline,satisfaction_mean,final,3,"));
    assert!(table.contains("\nmass_evaluation,service_capacity,window,3,"));
}

#[test]
fn the_library_and_the_command_line_give_the_same_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    let out = dir.path().join("cli");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_grassroots"))
        .args(["compare", path.to_str().unwrap(), "--quiet", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let file = StudyFile::parse(SCENARIO, "tiny.toml", &[], None).unwrap();
    let study = Study::compare(&[file], &[]).unwrap();
    let lib = dir.path().join("lib");
    let lock = DirLock::acquire(&lib, "tests/library.rs").unwrap();
    let store = Store::open(&lib, &lock).unwrap();
    study.run_missing(&store, None, Some(1), &()).unwrap();
    let results = study
        .results(&store, |_, _| Ok::<_, OutputError>(()))
        .unwrap();
    assert_eq!(
        comparison_table(&study.plan, &results).unwrap(),
        std::fs::read_to_string(out.join("comparison.csv")).unwrap()
    );
}

#[test]
fn target_ci_adds_replicates_until_the_target_or_the_cap() {
    let file = StudyFile::parse(SCENARIO, "tiny.toml", &[], None).unwrap();
    let mut study = Study::compare(&[file], &[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lock = DirLock::acquire(dir.path(), "tests/library.rs").unwrap();
    let store = Store::open(dir.path(), &lock).unwrap();
    // An unreachable target: doubled from 3 to 6, then capped at 8.
    let mut rounds = Vec::new();
    let outcome = target_ci(
        &mut study,
        &store,
        TargetCi::Absolute(1e-12),
        8,
        Some(2),
        &(),
        &mut |plan| {
            rounds.push(plan.replicates);
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(rounds, [3, 6, 8], "each round is announced with its plan");
    assert!(!outcome.reached);
    assert_eq!(study.plan.replicates, 8);
    assert_eq!(outcome.ran, 3 * 8);
    // A target met at once still grows to the fewest replicates the rule
    // stops at (3, 6, 12: TARGET_CI_MIN_REPLICATES is 10), or to a lower cap.
    for (cap, stops) in [(640, 12), (8, 8)] {
        let file = StudyFile::parse(SCENARIO, "tiny.toml", &[], None).unwrap();
        let mut study = Study::compare(&[file], &[]).unwrap();
        let outcome = target_ci(
            &mut study,
            &store,
            TargetCi::Relative(10.0),
            cap,
            None,
            &(),
            &mut |_| Ok(()),
        )
        .unwrap();
        assert!(outcome.reached && outcome.widest.is_some());
        assert_eq!(study.plan.replicates, stops, "cap {cap}");
    }
}
