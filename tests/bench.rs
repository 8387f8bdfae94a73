//! `grassroots bench` on a tiny scenario: every key line is there, its
//! number parses and is positive, the parallel efficiency is plausible, and
//! the benchmark leaves nothing behind, neither in the working directory nor
//! in the temporary directory. No timing is asserted (the machine is shared).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

const TINY: &str = r#"
[scenario]
name = "bench_tiny"
seed = 7
months = 12
replicates = 2

[world]
villages = 40
villages_per_township = 10
households_per_village = { uniform = [100, 200] }
members_per_village = { uniform = [15, 35] }
"#;

const KEYS: &[&str] = &[
    "repeats",
    "household_steps_per_sec_1t",
    "household_steps_per_sec_all",
    "threads",
    "parallel_efficiency",
    "bytes_per_household",
    "bytes_per_member",
    "setup_seconds",
    "output_seconds",
    "household_steps_per_cpu_second_1t",
    "household_struct_bytes",
    "member_struct_bytes",
];

/// The key lines `--small-runs` adds.
const SMALL_RUN_KEYS: &[&str] = &[
    "small_runs",
    "small_runs_seconds_1t",
    "small_runs_simulating_seconds_1t",
    "small_runs_simulating_share_1t",
    "small_runs_overhead_ms_per_run_1t",
    "small_runs_seconds_all",
    "small_runs_simulating_seconds_all",
    "small_runs_simulating_share_all",
    "small_runs_overhead_ms_per_run_all",
];

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `grassroots bench ARGS` run in `cwd` with `TMPDIR=tmp`.
fn bench(cwd: &Path, tmp: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grassroots"))
        .arg("bench")
        .args(args)
        .current_dir(cwd)
        .env("TMPDIR", tmp)
        .env_remove("RAYON_NUM_THREADS")
        .output()
        .expect("binary runs")
}

/// A working directory holding `tiny.toml`, and an empty directory for
/// `TMPDIR`.
fn tiny_dirs() -> (tempfile::TempDir, tempfile::TempDir) {
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("tiny.toml"), TINY).unwrap();
    (cwd, tempfile::tempdir().unwrap())
}

/// Names in a directory, sorted.
/// The numbers of `out`'s `key: value` lines for `keys`: each key must
/// have a line, and its value must be a finite number.
fn key_numbers<'k>(out: &str, keys: impl IntoIterator<Item = &'k str>) -> BTreeMap<&'k str, f64> {
    let lines: BTreeMap<&str, &str> = out.lines().filter_map(|l| l.split_once(": ")).collect();
    keys.into_iter()
        .map(|key| {
            let value = lines
                .get(key)
                .unwrap_or_else(|| panic!("no `{key}: …` line in\n{out}"));
            let x: f64 = value
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("`{key}: {value}` is not a number"));
            assert!(x.is_finite(), "`{key}: {value}`");
            (key, x)
        })
        .collect()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn bench_prints_every_key_with_a_positive_number_and_leaves_nothing() {
    let (cwd, tmp) = tiny_dirs();
    let o = bench(
        cwd.path(),
        tmp.path(),
        &["tiny.toml", "--threads", "2", "--repeat", "2"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("1 thread") && out.contains("2 threads") && out.contains("the fastest of 2"),
        "{out}"
    );
    // Two measurements at each thread count, alternating.
    let err = text(&o.stderr);
    let measuring: Vec<&str> = err.lines().filter(|l| l.contains("measuring")).collect();
    assert_eq!(measuring.len(), 4, "{err}");
    assert!(
        measuring[0].contains("1 thread (1 of 2)") && measuring[3].contains("2 threads (2 of 2)"),
        "{err}"
    );
    let found = key_numbers(&out, KEYS.iter().copied());
    for (key, x) in &found {
        assert!(*x > 0.0, "`{key}: {x}` is not positive");
    }
    assert_eq!(found["threads"], 2.0);
    assert_eq!(found["repeats"], 2.0);
    // The efficiency is the all-threads rate over threads × the 1-thread
    // rate (the same household-steps): a check of the formula, not of the
    // machine (a tiny scenario on a busy machine may even look superlinear).
    let efficiency = found["parallel_efficiency"];
    let ratio = found["household_steps_per_sec_all"] / (2.0 * found["household_steps_per_sec_1t"]);
    assert!(
        (efficiency / ratio - 1.0).abs() < 0.02,
        "parallel efficiency {efficiency}, rates give {ratio}"
    );
    // Peak RSS is the whole process: far above the household struct.
    let (per_household, size) = (
        found["bytes_per_household"],
        found["household_struct_bytes"],
    );
    assert!(per_household > size, "{per_household} ≤ {size}");
    // Nothing left: the working directory holds only the scenario, and the
    // output written into the temporary directory is gone.
    assert_eq!(names(cwd.path()), vec!["tiny.toml".to_string()]);
    assert_eq!(names(tmp.path()), Vec::<String>::new());
}

#[test]
fn bench_small_runs_prints_every_key_with_a_sane_number_and_leaves_nothing() {
    let (cwd, tmp) = tiny_dirs();
    let o = bench(
        cwd.path(),
        tmp.path(),
        &[
            "tiny.toml",
            "--threads",
            "2",
            "--small-runs",
            "4",
            "--set",
            "world.villages=6",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("many small runs: 4 runs of bench_tiny")
            && out.contains("one point (world.villages = 6) × 4 replicates"),
        "{out}"
    );
    let found = key_numbers(&out, SMALL_RUN_KEYS.iter().copied());
    assert_eq!(found["small_runs"], 4.0);
    for suffix in ["1t", "all"] {
        let get = |what: &str| found[format!("small_runs_{what}_{suffix}").as_str()];
        let (sweep, alone) = (get("seconds"), get("simulating_seconds"));
        assert!(sweep > 0.0 && alone > 0.0, "{suffix}: {sweep} {alone}");
        let share = get("simulating_share");
        assert!(share > 0.0, "share {suffix}: {share}");
        assert!(
            (share - alone / sweep).abs() < 1e-3,
            "{share} ≠ {alone}/{sweep}"
        );
        // The overhead is (sweep − simulation) / runs, in ms: it may be
        // negative on a noisy machine, but it is that difference.
        let overhead = get("overhead_ms_per_run");
        assert!(
            (overhead - (sweep - alone) / 4.0 * 1e3).abs() < 1e-2,
            "overhead {suffix}: {overhead}"
        );
    }
    // The main measurement's keys are still there.
    assert!(out.contains("\nparallel_efficiency: "), "{out}");
    // Nothing left: neither the sweep's directory nor anything else.
    assert_eq!(names(cwd.path()), vec!["tiny.toml".to_string()]);
    assert_eq!(names(tmp.path()), Vec::<String>::new());
}

/// The key lines `--baseline` adds.
const BASELINE_KEYS: &[&str] = &[
    "baseline_household_steps_per_sec_1t",
    "baseline_household_steps_per_sec_all",
    "speedup_1t",
    "speedup_all",
];

#[test]
fn bench_against_a_baseline_alternates_the_builds_and_prints_the_speed_up() {
    let (cwd, tmp) = tiny_dirs();
    // The baseline is this very binary, under a name of its own in the
    // working directory (given bare: a file there, not a command in PATH).
    let copy = cwd.path().join("old-grassroots");
    std::fs::copy(env!("CARGO_BIN_EXE_grassroots"), &copy).unwrap();
    let o = bench(
        cwd.path(),
        tmp.path(),
        &[
            "tiny.toml",
            "--threads",
            "2",
            "--repeat",
            "2",
            "--baseline",
            "old-grassroots",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    let measuring: Vec<&str> = err.lines().filter(|l| l.contains("measuring")).collect();
    // Two rounds of (this, baseline) at 1 thread and at 2; the baseline
    // goes second in the first round and first in the second.
    let baseline_at: Vec<bool> = measuring
        .iter()
        .map(|l| l.contains("with the baseline"))
        .collect();
    assert_eq!(
        baseline_at,
        [false, true, false, true, true, false, true, false],
        "{err}"
    );
    let out = text(&o.stdout);
    assert!(
        out.contains("against the baseline")
            && out.contains("old-grassroots")
            && out.contains("speed-up"),
        "{out}"
    );
    let found = key_numbers(&out, KEYS.iter().chain(BASELINE_KEYS).copied());
    for (key, x) in &found {
        assert!(*x > 0.0, "`{key}: {x}` is not positive");
    }
    // The speed-up is this build's rate over the baseline's.
    for (speedup, this, baseline) in [
        (
            "speedup_1t",
            "household_steps_per_sec_1t",
            "baseline_household_steps_per_sec_1t",
        ),
        (
            "speedup_all",
            "household_steps_per_sec_all",
            "baseline_household_steps_per_sec_all",
        ),
    ] {
        let ratio = found[this] / found[baseline];
        assert!((found[speedup] - ratio).abs() < 1e-3 * ratio, "{out}");
    }
    let mut left = names(cwd.path());
    left.sort();
    assert_eq!(left, ["old-grassroots", "tiny.toml"]);
    assert_eq!(names(tmp.path()), Vec::<String>::new());
}

/// An executable shell script `name` in `dir`.
#[cfg(unix)]
fn script(dir: &Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A fake baseline: says it is grassroots, logs each measurement's
/// arguments to `calls.log` beside it, and reports a measurement of 1 000
/// households × 12 months whose simulation takes 1 + 1/n seconds at its
/// n-th call (so later calls are faster), or fails from call `fail_from` on.
#[cfg(unix)]
fn fake_baseline(dir: &Path, fail_from: u32) {
    script(
        dir,
        "fake-grassroots",
        &format!(
            r#"here=$(dirname "$0")
case "$1" in
--version) echo 'grassroots 0.0.9+model.0'; exit 0 ;;
bench-measure) ;;
*) exit 2 ;;
esac
[ "$2" = --help ] && exit 0
echo "$@" >> "$here/calls.log"
n=$(wc -l < "$here/calls.log")
[ "$n" -ge {fail_from} ] && {{ echo 'simulated failure' >&2; exit 3; }}
threads=$(echo "$@" | sed 's/.*--threads \([0-9]*\).*/\1/')
s=$(awk "BEGIN {{ print 1 + 1 / $n }}")
printf 'threads: %s
replicates: 1
months: 12
households: 1000
members: 100
households_alive: 1000
members_alive: 100
setup_seconds: 0
simulation_seconds: %s
output_seconds: 0.1
output_bytes: 10
peak_rss_bytes: 1000000
cpu_seconds: %s
' "$threads" "$s" "$s"
"#
        ),
    );
}

/// The baseline is really run, with this build's scenario and options, at
/// each thread count in turn, and its fastest measurement is the one
/// reported.
#[cfg(unix)]
#[test]
fn the_baseline_measures_the_same_runs_and_its_fastest_is_kept() {
    let (cwd, tmp) = tiny_dirs();
    fake_baseline(cwd.path(), u32::MAX);
    let o = bench(
        cwd.path(),
        tmp.path(),
        &[
            "tiny.toml",
            "--threads",
            "2",
            "--repeat",
            "2",
            "--replicates",
            "1",
            "--set",
            "world.villages=6",
            "--baseline",
            "fake-grassroots",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let log = std::fs::read_to_string(cwd.path().join("calls.log")).unwrap();
    let calls: Vec<&str> = log.lines().collect();
    assert_eq!(calls.len(), 4, "{log}");
    for (call, threads) in calls.iter().zip([1, 2, 1, 2]) {
        assert!(
            call.starts_with("bench-measure tiny.toml")
                && call.contains(&format!("--threads {threads}"))
                && call.contains("--set world.villages=6")
                && call.contains("--replicates 1"),
            "{log}"
        );
    }
    // Its fastest calls: the third at 1 thread (1 + 1/3 s), the fourth at
    // 2 threads (1.25 s), for 12 000 household-steps.
    let out = text(&o.stdout);
    assert!(
        out.contains("baseline_household_steps_per_sec_1t: 9000\n")
            && out.contains("baseline_household_steps_per_sec_all: 9600\n"),
        "{out}"
    );
    assert!(out.contains("grassroots 0.0.9+model.0"), "{out}");
    assert_eq!(names(tmp.path()), Vec::<String>::new());
}

/// Baselines that are not grassroots builds with `bench` are refused
/// before anything is measured (exit 2), naming the file and saying why;
/// one that fails partway stops the benchmark naming it.
#[cfg(unix)]
#[test]
fn baselines_that_cannot_measure_are_refused_or_named() {
    let (cwd, tmp) = tiny_dirs();
    script(cwd.path(), "other-tool", "echo 'other-tool 1.0'\n");
    script(
        cwd.path(),
        "old-grassroots",
        "[ \"$1\" = --version ] && { echo 'grassroots 0.0.1'; exit 0; }\nexit 2\n",
    );
    std::fs::create_dir(cwd.path().join("old")).unwrap();
    for (baseline, said) in [
        ("tiny.toml", "make it executable"),
        ("other-tool", "not a grassroots binary"),
        ("old-grassroots", "grassroots 0.0.1 has no `bench-measure`"),
        ("old", "is a directory"),
    ] {
        let o = bench(
            cwd.path(),
            tmp.path(),
            &["tiny.toml", "--baseline", baseline],
        );
        assert_eq!(o.status.code(), Some(2), "{baseline}: {}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(
            err.contains(baseline) && err.contains(said),
            "{baseline}: {err}"
        );
        assert!(!err.contains("measuring"), "{baseline} measured: {err}");
    }
    // Measures once, then fails.
    fake_baseline(cwd.path(), 2);
    let o = bench(
        cwd.path(),
        tmp.path(),
        &[
            "tiny.toml",
            "--threads",
            "2",
            "--baseline",
            "fake-grassroots",
        ],
    );
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(
        err.contains("fake-grassroots': its measurement at 2 threads failed"),
        "{err}"
    );
    assert_eq!(names(tmp.path()), Vec::<String>::new());
}

#[test]
fn bench_without_a_scenario_outside_the_repository_says_what_to_give() {
    let cwd = tempfile::tempdir().unwrap();
    let o = bench(cwd.path(), cwd.path(), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("scenarios/province.toml") && err.contains("grassroots bench FILE"),
        "{err}"
    );
    assert!(names(cwd.path()).is_empty());
}

#[test]
fn bench_refuses_bad_options_before_measuring() {
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("tiny.toml"), TINY).unwrap();
    for (args, said) in [
        (&["tiny.toml", "--threads", "0"][..], "--threads"),
        (&["tiny.toml", "--replicates", "0"][..], "--replicates"),
        (&["tiny.toml", "--set", "world.villages"][..], "KEY=VALUE"),
        (&["missing.toml"][..], "missing.toml"),
        (&["tiny.toml", "--small-runs", "0"][..], "--small-runs 0"),
        (
            &["tiny.toml", "--small-runs", "100001"][..],
            "at most 100000",
        ),
        (&["--small-runs", "4"][..], "needs a scenario file"),
        (&["tiny.toml", "--repeat", "0"][..], "--repeat 0"),
        (
            &["tiny.toml", "--baseline", "missing-binary"][..],
            "missing-binary': no such file",
        ),
        (
            &[
                "tiny.toml",
                "--set",
                "world.villages=100000",
                "--max-memory",
                "0.1",
            ][..],
            "but the limit is 102.4 MiB (--max-memory)",
        ),
    ] {
        let o = bench(cwd.path(), cwd.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(err.contains(said), "{args:?}: {err}");
        assert!(!err.contains("measuring"), "{args:?} measured: {err}");
    }
}

/// Process ids of `bench-measure` children whose temporary directory is
/// `tmp` (read from /proc: the environment is private to each process).
#[cfg(target_os = "linux")]
fn measurements_in(tmp: &Path) -> Vec<u32> {
    let wanted = format!("TMPDIR={}", tmp.display());
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        let has = |bytes: &[u8], s: &str| bytes.split(|b| *b == 0).any(|w| w == s.as_bytes());
        if has(&cmdline, "bench-measure") && has(&environ, &wanted) {
            found.push(pid);
        }
    }
    found
}

/// Killing `bench` (Ctrl-C or `kill` reach only it) stops its measurement
/// too, and the measurement removes its temporary directory.
#[cfg(target_os = "linux")]
#[test]
fn a_killed_bench_leaves_no_measurement_running() {
    use std::time::{Duration, Instant};
    let (cwd, tmp) = tiny_dirs();
    let mut bench = Command::new(env!("CARGO_BIN_EXE_grassroots"))
        .args(["bench", "tiny.toml", "--small-runs", "20000"])
        .current_dir(cwd.path())
        .env("TMPDIR", tmp.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while measurements_in(tmp.path()).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no measurement started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    bench.kill().unwrap();
    bench.wait().unwrap();
    let killed = Instant::now();
    while !measurements_in(tmp.path()).is_empty() {
        assert!(
            killed.elapsed() < Duration::from_secs(10),
            "the measurement runs on after its bench was killed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Its temporary directory goes with it.
    let gone = Instant::now();
    while !names(tmp.path()).is_empty() {
        assert!(
            gone.elapsed() < Duration::from_secs(5),
            "left behind: {:?}",
            names(tmp.path())
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
