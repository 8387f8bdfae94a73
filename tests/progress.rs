//! Progress without a terminal (`docs/studies.md`, "Progress"): with stderr
//! piped — as under Slurm, nohup or CI — `run` and the studies print plain
//! progress lines (`[grassroots] NAME: done/total … elapsed, ETA …`), counted
//! in village-months so a run of one replicate advances; `--quiet` prints
//! none; an adaptive study says how far it may grow. The interval is set
//! to 0 with `GRASSROOTS_PROGRESS_INTERVAL_MS` so the tests are fast.

use grassroots::engine::Simulation;
use grassroots::output::DirLock;
use grassroots::output::store::Store;
use grassroots::study::runner::{Progress, Study, StudyFile};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The binary with stderr piped (not a terminal) and progress lines as
/// often as the work advances.
fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grassroots"))
        .args(args)
        .env("GRASSROOTS_PROGRESS_INTERVAL_MS", "0")
        .output()
        .expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A progress line of `name`: (done, total, percent).
fn parse(line: &str, name: &str) -> Option<(u64, u64, u64)> {
    let rest = line.strip_prefix(&format!("[grassroots] {name}: "))?;
    let (counts, rest) = rest.split_once(' ')?;
    let (done, total) = counts.split_once('/')?;
    let percent = rest.split_once('(')?.1.split_once(" %")?.0;
    Some((
        done.parse().ok()?,
        total.parse().ok()?,
        percent.parse().ok()?,
    ))
}

/// One replicate of 240 villages over 5 years: long enough for lines
/// within the run (a few tenths of a second at least).
const ONE_BIG_REPLICATE: &str = r#"
[scenario]
name = "one_big"
seed = 3
months = 60
replicates = 1
burn_in_months = 12

[world]
villages = 240
households_per_village = 60
members_per_village = 8
"#;

#[test]
fn a_run_of_one_replicate_prints_plain_lines_that_advance_within_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("one_big.toml");
    std::fs::write(&file, ONE_BIG_REPLICATE).unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains('\x1b'), "terminal codes in {err:?}");
    let lines: Vec<(u64, u64, u64)> = err.lines().filter_map(|l| parse(l, "one_big")).collect();
    // The final line, then at least one within the replicate, with an ETA.
    assert_eq!(lines.last(), Some(&(1, 1, 100)), "{err}");
    assert!(
        err.lines()
            .last()
            .is_some_and(|l| l.ends_with("elapsed, done")),
        "{err}"
    );
    assert!(
        lines.iter().any(|&(d, t, p)| d == 0 && t == 1 && p > 0),
        "no line within the run: {err}"
    );
    assert!(
        err.lines()
            .any(|l| l.starts_with("[grassroots] one_big: 0/1 replicates (") && l.contains("ETA ")),
        "{err}"
    );
    // The share done never goes back.
    assert!(lines.windows(2).all(|w| w[0].2 <= w[1].2), "{err}");
    // One replicate has values, not means with intervals.
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("Values: one replicate's values (no 95 % CI")
            && text(&o.stdout).starts_with("one_big")
            && text(&o.stdout).contains("one replicate's values (no 95 % CI"),
        "{report}"
    );
}

#[test]
fn quiet_prints_no_progress() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["run", data("small.toml").to_str().unwrap()],
        vec!["compare", data("compare_small.toml").to_str().unwrap()],
    ] {
        let out = dir.path().join(args[0]);
        let mut args = args.clone();
        args.extend(["--out", out.to_str().unwrap()]);
        let loud = run(&args);
        assert!(loud.status.success(), "{}", text(&loud.stderr));
        assert!(text(&loud.stderr).contains("[grassroots] "), "{args:?}");
        args.extend(["--quiet", "--force"]);
        let o = run(&args);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert_eq!(text(&o.stderr), "", "{args:?}");
    }
}

#[test]
fn a_study_counts_runs_and_an_adaptive_one_says_and_shows_its_growth() {
    let dir = tempfile::tempdir().unwrap();
    let file = data("compare_small.toml");
    let out = dir.path().join("adaptive");
    let o = run(&[
        "compare",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--target-ci",
        "0.000001",
        "--max-replicates",
        "16",
    ]);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    // 3 variants × 4 replicates now, × 16 at most.
    assert!(
        err.contains(
            "plan: 12 runs (adaptive: may grow to 48 runs until every 95 % CI half-width ≤ 0.000001)"
        ),
        "{err}"
    );
    let name = "compare_small_compare";
    let lines: Vec<(u64, u64, u64)> = err.lines().filter_map(|l| parse(l, name)).collect();
    // Two of the three variants are distinct runs (`same` equals the
    // baseline under common random numbers): 8, 16, 32 runs, then the cap.
    assert_eq!(lines.last(), Some(&(32, 32, 100)), "{err}");
    assert!(
        lines
            .windows(2)
            .all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1),
        "the counts went back: {err}"
    );
    assert!(
        err.lines()
            .any(|l| l.starts_with(&format!("[grassroots] {name}: "))
                && l.contains("may grow to 32 runs")),
        "{err}"
    );

    // A study of a fixed size: its runs, with the final line.
    let fixed = dir.path().join("fixed");
    let o = run(&[
        "compare",
        file.to_str().unwrap(),
        "--out",
        fixed.to_str().unwrap(),
    ]);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("plan: 12 runs; stored runs up to "), "{err}");
    // The estimate of a stored run's size is near what is stored.
    let files: Vec<u64> = std::fs::read_dir(fixed.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .collect();
    let mean = files.iter().sum::<u64>() as f64 / files.len() as f64;
    let months = 24;
    let estimate = grassroots::output::store::stored_run_bytes(months) as f64;
    assert!(
        (estimate / mean - 1.0).abs() < 0.3,
        "estimate {estimate} against {mean} bytes per stored run"
    );
    assert_eq!(
        err.lines().filter_map(|l| parse(l, name)).next_back(),
        Some((8, 8, 100)),
        "{err}"
    );
}

/// Records what a study announces and counts what the engine steps.
#[derive(Default)]
struct Steps {
    runs: AtomicU64,
    announced: AtomicU64,
    stepped: Arc<AtomicU64>,
    done: AtomicU64,
}

impl Progress for Steps {
    fn start(&self, runs: usize) {
        self.runs.fetch_add(runs as u64, Ordering::Relaxed);
    }
    fn start_steps(&self, village_months: u64) {
        self.announced.fetch_add(village_months, Ordering::Relaxed);
    }
    fn steps(&self) -> Option<Arc<AtomicU64>> {
        Some(self.stepped.clone())
    }
    fn done(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn the_village_month_counter_reaches_the_total_announced() {
    // A study: every distinct run, each villages × (burn-in + months).
    let text = std::fs::read_to_string(data("compare_small.toml")).unwrap();
    let file = StudyFile::parse(&text, "compare_small.toml", &[], None).unwrap();
    let study = Study::compare(&[file], &[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lock = DirLock::acquire(dir.path(), "tests/progress.rs").unwrap();
    let store = Store::open(dir.path(), &lock).unwrap();
    let steps = Steps::default();
    let ran = study.run_missing(&store, None, Some(2), &steps).unwrap();
    let each = Simulation::village_months(&study.plan.scenarios[0]);
    assert_eq!(each, 6 * 24);
    assert_eq!(steps.runs.load(Ordering::Relaxed), ran as u64);
    assert_eq!(steps.done.load(Ordering::Relaxed), ran as u64);
    assert_eq!(steps.announced.load(Ordering::Relaxed), ran as u64 * each);
    assert_eq!(steps.stepped.load(Ordering::Relaxed), ran as u64 * each);

    // Replicates of one scenario (`run`), with a burn-in; results do not
    // depend on the counting.
    let mut s = study.plan.scenarios[0].clone();
    s.scenario.burn_in_months = 6;
    let steps = Steps::default();
    let counted = grassroots::study::run_replicates_detailed(&s, 0, 3, false, &steps);
    assert_eq!(steps.announced.load(Ordering::Relaxed), 3 * 6 * 30);
    assert_eq!(steps.stepped.load(Ordering::Relaxed), 3 * 6 * 30);
    assert_eq!(steps.done.load(Ordering::Relaxed), 3);
    assert_eq!(counted, grassroots::study::run_replicates(&s, 0, 3, &|| {}));
}
