//! Bad input and limits: every way of feeding `grassroots` something it
//! cannot use is refused with a clear message (exit code 2), quickly, without
//! output and without panicking (`docs/reliability.md`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
        .display()
        .to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Run the binary with `args`, its address space capped at 8 GiB so that a
/// regression into unbounded allocation fails fast instead of swamping the
/// machine (glibc's per-thread malloc arenas, which reserve address space on
/// many-core machines, are limited so the cap does not bite a healthy run),
/// and killed after `guard` (a hang guard, not a timing check).
fn run_guarded(args: &[&str], env: &[(&str, &str)], guard: Duration) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -v 8388608; exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_grassroots"))
        .args(args)
        .env("MALLOC_ARENA_MAX", "2")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > guard {
            let _ = child.kill();
            let _ = child.wait();
            panic!("grassroots {args:?} still running after {guard:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: std::fs::read(&out).unwrap(),
        stderr: std::fs::read(&err).unwrap(),
    }
}

fn run(args: &[&str]) -> Output {
    run_guarded(args, &[], Duration::from_secs(120))
}

/// Check exit code 2, that stderr holds every `expected` text, and no panic.
fn refused(o: &Output, expected: &[&str]) -> String {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    for e in expected {
        assert!(err.contains(e), "stderr {err:?} lacks {e:?}");
    }
    assert!(!err.contains("panicked"), "{err}");
    err
}

struct Case {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Case {
    fn new() -> Case {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        Case { _dir: dir, root }
    }
    fn file(&self, name: &str, body: &str) -> String {
        let path = self.root.join(name);
        std::fs::write(&path, body).unwrap();
        path.display().to_string()
    }
    fn path(&self, name: &str) -> String {
        self.root.join(name).display().to_string()
    }
    /// Nothing but the files the test wrote itself.
    fn assert_only(&self, names: &[&str]) {
        let mut found: Vec<String> = std::fs::read_dir(&self.root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        found.sort();
        let mut expected: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(found, expected, "output left behind");
    }
}

const TINY: &str = "[scenario]\nname = \"tiny\"\nmonths = 3\nreplicates = 1\n[world]\nvillages = 2\nhouseholds_per_village = 10\nmembers_per_village = 3\n";

#[test]
fn nan_in_a_distribution_is_refused_in_a_file_and_with_set() {
    let c = Case::new();
    let bad = c.file(
        "nan.toml",
        "[world]\nhouseholds_per_village = { normal = [nan, 1] }\n",
    );
    for cmd in ["validate", "run"] {
        let o = run(&[cmd, &bad, "--out", &c.path("o")][..if cmd == "run" { 4 } else { 2 }]);
        refused(
            &o,
            &[
                "nan.toml:2:37: world.households_per_village: normal = [mean, sd] needs finite numbers",
            ],
        );
    }
    let tiny = c.file("tiny.toml", TINY);
    for value in [
        "{ normal = [nan, 1] }",
        "{ normal = [inf, 1] }",
        "{ normal = [20, nan] }",
        "{ poisson = nan }",
        "{ uniform = [nan, 3] }",
    ] {
        let o = run(&[
            "run",
            &tiny,
            "--set",
            &format!("world.members_per_village={value}"),
            "--out",
            &c.path("o"),
        ]);
        refused(&o, &["world.members_per_village"]);
    }
    c.assert_only(&["nan.toml", "tiny.toml"]);
}

#[test]
fn set_with_an_embedded_newline_is_refused() {
    let c = Case::new();
    let tiny = c.file("tiny.toml", TINY);
    for set in [
        "effort.noise=0.1\nincentive.formal_weight=5",
        "effort.noise=0.1\n[incentive]\nformal_weight = 0.2",
    ] {
        let o = run(&["run", &tiny, "--set", set, "-q", "--out", &c.path("o")]);
        refused(&o, &["effort.noise", "one value per --set"]);
    }
    // A comment after the value drops nothing and is accepted.
    let o = run(&[
        "run",
        &tiny,
        "--set",
        "effort.noise=0.1 # a what-if",
        "-q",
        "--out",
        &c.path("o"),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn set_scenario_base_is_refused() {
    let c = Case::new();
    let tiny = c.file("tiny.toml", TINY);
    c.file("other.toml", "[world]\nvillages = 3\n");
    let o = run(&[
        "run",
        &tiny,
        "--set",
        "scenario.base=\"other.toml\"",
        "--out",
        &c.path("o"),
    ]);
    refused(
        &o,
        &["scenario.base", "cannot be set with --set", "base = "],
    );
    c.assert_only(&["tiny.toml", "other.toml"]);
}

#[test]
fn a_base_named_from_elsewhere_suggests_the_path_that_exists() {
    // The tests run in the repository, where `scenarios/baseline.toml` exists;
    // a file in another folder naming `baseline.toml` is pointed to it.
    let c = Case::new();
    let mine = c.file("my_reform.toml", "[scenario]\nbase = \"baseline.toml\"\n");
    let shipped = std::fs::canonicalize(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml"),
    )
    .unwrap();
    let o = run(&["validate", &mine]);
    let err = refused(
        &o,
        &[
            "cannot read base scenario",
            "relative to the folder of the file naming it",
            "did you mean base = \"",
        ],
    );
    // The suggestion names the shipped file from the file's folder (written
    // relative to it, or absolute when the two share only the root).
    let suggested = err
        .split("did you mean base = \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    assert_eq!(
        std::fs::canonicalize(c.root.join(suggested)).unwrap(),
        shipped,
        "{err}"
    );
    c.assert_only(&["my_reform.toml"]);
}

#[test]
fn set_takes_bare_words_and_names_the_section_left_out() {
    let c = Case::new();
    let tiny = c.file("tiny.toml", TINY);
    let out = c.path("o");
    let with = |set: &str| run(&["run", &tiny, "-q", "--set", set, "--out", &out]);
    let o = with("mass_supervision=0.3");
    refused(&o, &["did you mean `supervision.mass_supervision`?"]);
    let o = with("supervision.mass_supervision=high");
    refused(&o, &["expected a number in [0, 1], found `high`"]);
    c.assert_only(&["tiny.toml"]);
    let o = with("selection.successor=election");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let read = || -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(c.root.join("o/manifest.json")).unwrap())
            .unwrap()
    };
    let manifest = read();
    assert_eq!(manifest["scenario"]["selection"]["successor"], "election");
    // The word and the quoted string are one override: the same inputs, so
    // the second run replaces the first without --force.
    assert_eq!(
        manifest["overrides"][0], "selection.successor=\"election\"",
        "{manifest}"
    );
    let o = with("selection.successor=\"election\"");
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(read()["inputs"], manifest["inputs"]);
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_as_scenario_or_base_without_hanging() {
    let c = Case::new();
    let fifo = c.path("pipe.toml");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let uses = c.file("uses.toml", "[scenario]\nbase = \"pipe.toml\"\n");
    let guard = Duration::from_secs(30);
    let o = run_guarded(&["validate", &fifo], &[], guard);
    refused(&o, &["pipe.toml", "not a regular file"]);
    let o = run_guarded(&["validate", &uses], &[], guard);
    refused(
        &o,
        &[
            "uses.toml:2:8: scenario.base",
            "pipe.toml",
            "not a regular file",
        ],
    );
}

#[cfg(target_os = "linux")]
#[test]
fn dev_zero_is_refused_as_scenario_or_base() {
    let c = Case::new();
    let uses = c.file("uses.toml", "[scenario]\nbase = \"/dev/zero\"\n");
    let o = run(&["validate", "/dev/zero"]);
    refused(&o, &["/dev/zero", "not a regular file"]);
    let o = run(&["validate", &uses]);
    refused(
        &o,
        &[
            "uses.toml:2:8: scenario.base",
            "/dev/zero",
            "not a regular file",
        ],
    );
    let o = run(&["validate", "/"]);
    refused(&o, &["not a regular file (a directory)"]);
}

#[test]
fn an_oversized_scenario_file_is_refused_with_the_cap() {
    let c = Case::new();
    let big = c.path("big.toml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(17 << 20)
        .unwrap();
    let uses = c.file("uses.toml", "[scenario]\nbase = \"big.toml\"\n");
    let o = run(&["validate", &big]);
    refused(&o, &["big.toml", "larger than 16 MiB"]);
    let o = run(&["validate", &uses]);
    refused(&o, &["uses.toml:2:8: scenario.base", "larger than 16 MiB"]);
}

#[test]
fn window_longer_than_the_run_is_refused_with_its_position() {
    let c = Case::new();
    let bad = c.file(
        "window.toml",
        "[scenario]\nmonths = 24\n\n[compare]\nwindow_months = 100\n",
    );
    let expected = "window.toml:5:17: compare.window_months: 100 months is longer than the run (scenario.months = 24)";
    let v = run(&["validate", &bad]);
    let message = refused(&v, &[expected]);
    for cmd in ["run", "compare"] {
        let o = run(&[cmd, &bad, "--out", &c.path("o")]);
        assert_eq!(refused(&o, &[expected]), message, "{cmd}");
    }
    // The run can also be shortened from the command line.
    let fits = c.file(
        "fits.toml",
        "[scenario]\nmonths = 24\n\n[compare]\nwindow_months = 12\n",
    );
    let o = run(&[
        "compare",
        &fits,
        "--set",
        "scenario.months=6",
        "--out",
        &c.path("o"),
    ]);
    refused(&o, &["fits.toml:5:17: compare.window_months", "12 months"]);
    c.assert_only(&["window.toml", "fits.toml"]);
}

#[test]
fn a_short_run_without_a_window_averages_the_whole_run() {
    let c = Case::new();
    let file = c.file(
        "short.toml",
        &format!("{TINY}[[variants]]\nname = \"v\"\n\"effort.noise\" = 0.3\n"),
    );
    let out = c.path("o");
    let o = run(&["compare", &file, "--out", &out]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("over the last 3 months"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn io_errors_name_the_os_error_once() {
    let c = Case::new();
    let blocker = c.file("not_a_dir", "");
    let tiny = c.file("tiny.toml", TINY);
    let variant = c.file(
        "variant.toml",
        &format!("{TINY}[[variants]]\nname = \"v\"\n\"effort.noise\" = 0.2\n"),
    );
    for (cmd, file) in [("run", &tiny), ("compare", &variant)] {
        // Below a file: refused before any work, saying why.
        let o = run(&[cmd, file, "-q", "--out", &format!("{blocker}/sub")]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("not_a_dir is a file, not a folder"), "{err}");
        // A folder the system will not create: refused like any other
        // unusable --out (exit 2, with what to do), the OS error named once.
        if cfg!(target_os = "linux") && std::path::Path::new("/proc/self").exists() {
            let o = run(&[cmd, file, "-q", "--out", "/proc/no_such_folder/sub"]);
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{err}");
            assert!(
                err.contains("cannot be made") && err.contains("choose another --out"),
                "{err}"
            );
            assert_eq!(err.matches("(os error").count(), 1, "{cmd}: {err}");
            assert!(err.contains("/proc/no_such_folder"), "{err}");
        }
    }
}

#[test]
fn max_memory_must_be_a_positive_finite_number() {
    let tiny = data("small.toml");
    for value in ["0", "nan", "inf", "-1", "1e400", "lots"] {
        let o = run(&["run", &tiny, &format!("--max-memory={value}")]);
        refused(
            &o,
            &["--max-memory", "a positive number of GiB, such as 8 or 0.5"],
        );
    }
}

#[test]
fn absurd_thread_counts_are_refused_before_threads_start() {
    let tiny = data("small.toml");
    let guard = Duration::from_secs(60);
    let o = run_guarded(&["run", &tiny, "--threads", "100000"], &[], guard);
    refused(&o, &["--threads 100000", "at most"]);
    let o = run_guarded(&["run", &tiny], &[("RAYON_NUM_THREADS", "100000")], guard);
    refused(&o, &["RAYON_NUM_THREADS=100000", "at most"]);
}

/// `n` keys of the schema that take numbers in [0, 1] and may be swept.
fn unit_keys(n: usize) -> Vec<&'static str> {
    use grassroots::scenario::schema::{Kind, PARAMS};
    let keys: Vec<&'static str> = PARAMS
        .iter()
        .filter(|p| matches!(p.kind, Kind::Real { min, max } if min == 0.0 && max == 1.0))
        .filter(|p| !p.key.starts_with("world.") && !p.key.starts_with("scenario."))
        .map(|p| p.key)
        .take(n)
        .collect();
    assert_eq!(keys.len(), n);
    keys
}

#[test]
fn a_grid_too_large_to_plan_is_refused_by_validate_and_sweep() {
    let c = Case::new();
    let mut body = format!("{TINY}\n[sweep.grid]\n");
    for key in unit_keys(20) {
        body.push_str(&format!(
            "\"{key}\" = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]\n"
        ));
    }
    let file = c.file("grid.toml", &body);
    let expected = [
        "grid.toml:10:8: sweep.grid",
        "more than 18446744073709551615 points",
        "at most 100000",
        "fewer values",
    ];
    refused(&run(&["validate", &file]), &expected);
    refused(&run(&["sweep", &file, "--out", &c.path("o")]), &expected);
    c.assert_only(&["grid.toml"]);
}

#[test]
fn a_latin_hypercube_too_large_to_plan_is_refused() {
    let c = Case::new();
    let file = c.file(
        "lhs.toml",
        &format!(
            "{TINY}\n[sweep]\nmethod = \"lhs\"\nsamples = 1000000\n[sweep.ranges]\n\"effort.noise\" = [0.0, 1.0]\n"
        ),
    );
    let expected = [
        "lhs.toml:12:11: sweep.samples: the sweep has 1000000 points",
        "at most 100000",
        "fewer samples",
    ];
    refused(&run(&["validate", &file]), &expected);
    refused(&run(&["sweep", &file, "--out", &c.path("o")]), &expected);
    // Runs are capped too: 20000 points are fine, 20000 × 100 runs are not.
    let file = c.file(
        "runs.toml",
        &format!(
            "{TINY}\n[sweep]\nmethod = \"lhs\"\nsamples = 20000\n[sweep.ranges]\n\"effort.noise\" = [0.0, 1.0]\n"
        ),
    );
    refused(
        &run(&["sweep", &file, "--replicates", "100", "--out", &c.path("o")]),
        &[
            "2000000 runs (20000 points × 100 replicates)",
            "at most 1000000 runs",
        ],
    );
    c.assert_only(&["lhs.toml", "runs.toml"]);
}

#[test]
fn a_comparison_too_large_to_plan_is_refused() {
    let c = Case::new();
    let mut body = format!(
        "{TINY}\n[uncertainty]\nsamples = 1000\n[uncertainty.ranges]\n\"migration.wage_ratio\" = [1.0, 3.0]\n"
    );
    for i in 0..200 {
        body.push_str(&format!(
            "[[variants]]\nname = \"v{i}\"\n\"effort.noise\" = 0.{i}\n"
        ));
    }
    let file = c.file("cmp.toml", &body);
    let expected = [
        "201000 cells (201 variants × 1000 environments)",
        "at most 100000",
    ];
    refused(&run(&["validate", &file]), &expected);
    refused(&run(&["compare", &file, "--out", &c.path("o")]), &expected);
}

#[test]
fn the_plan_itself_counts_in_the_memory_check() {
    let c = Case::new();
    let file = c.file(
        "lhs.toml",
        &format!(
            "{TINY}\n[sweep]\nmethod = \"lhs\"\nsamples = 50000\n[sweep.ranges]\n\"effort.noise\" = [0.0, 1.0]\n"
        ),
    );
    // 50 MiB is plenty for two tiny simulations, not for a plan of 50000 cells.
    let o = run(&[
        "sweep",
        &file,
        "--shard",
        "1/50000",
        "--max-memory",
        "0.05",
        "--out",
        &c.path("o"),
    ]);
    refused(&o, &["of memory but the limit is", "plan of 50000 runs"]);
    c.assert_only(&["lhs.toml"]);
}

/// Planning a comparison is linear in its variants: 3000 variants plan in
/// well under a second (they took about a minute when every cell re-read the
/// whole file). The shard runs one run; the plan holds every variant.
#[test]
fn compare_with_3000_variants_plans_every_variant() {
    let c = Case::new();
    let mut body = String::from(TINY);
    for i in 0..3000 {
        body.push_str(&format!(
            "[[variants]]\nname = \"v{i}\"\n\"effort.noise\" = {}\n",
            0.5 + f64::from(i) / 10_000.0
        ));
    }
    let file = c.file("many.toml", &body);
    let out = c.path("o");
    let o = run(&["compare", &file, "--shard", "1/3001", "-q", "--out", &out]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(&out).join("plan.json")).unwrap())
            .unwrap();
    let variants = plan["variants"].as_array().unwrap();
    let scenarios = plan["scenarios"].as_array().unwrap();
    assert_eq!(variants.len(), 3001);
    assert_eq!(scenarios.len(), 3001);
    assert_eq!(plan["runs"].as_array().unwrap().len(), 3001);
    for i in [0usize, 1, 1234, 3000] {
        let noise = scenarios[i]["effort"]["noise"].as_f64().unwrap();
        let expected = if i == 0 {
            0.1
        } else {
            0.5 + (i - 1) as f64 / 10_000.0
        };
        assert!((noise - expected).abs() < 1e-12, "variant {i}: {noise}");
        assert_eq!(scenarios[i]["world"]["villages"], 2);
    }
}

#[test]
fn compare_of_one_file_without_variants_says_there_is_nothing_to_compare() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("one.toml");
    std::fs::write(&file, "[scenario]\nname = \"one\"\nmonths = 2\n").unwrap();
    let out = dir.path().join("o");
    let o = run(&[
        "compare",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("nothing to compare") && err.contains("[[variants]]"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
}
