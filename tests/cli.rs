//! Integration tests: the `grassroots` binary on small scenarios.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_grassroots"))
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn version_names_the_model_and_unknown_commands_exit_2() {
    let o = run(&["--version"]);
    assert!(o.status.success());
    assert_eq!(
        text(&o.stdout).trim(),
        format!("grassroots {}", grassroots::model_identity())
    );
    let o = run(&["bogus"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}

#[test]
fn a_key_set_twice_on_the_command_line_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("twice");
    let o = run(&[
        "run",
        data("small.toml").to_str().unwrap(),
        "--set",
        "incentive.formal_weight=0.2",
        "--set",
        "incentive.formal_weight=0.3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("incentive.formal_weight is given twice on the command line (0.2 and 0.3)"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
    let o = run(&[
        "run",
        data("small.toml").to_str().unwrap(),
        "--seed",
        "3",
        "--set",
        "scenario.seed=4",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}

#[test]
fn run_writes_timeseries_summary_manifest_and_charts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("small");
    let o = run(&[
        "run",
        data("small.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("share_met"));

    let ts = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let mut lines = ts.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        &header[..4],
        &["replicate", "seed", "month", "service_capacity"]
    );
    assert_eq!(header.len(), 3 + grassroots::metrics::METRICS.len());
    assert_eq!(lines.count(), 3 * 24);

    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.starts_with("month,metric,mean,sd,ci_low,ci_high,n\n"));
    assert_eq!(
        summary.lines().count(),
        1 + 24 * grassroots::metrics::METRICS.len()
    );
    let row = summary
        .lines()
        .find(|l| l.starts_with("23,satisfaction_mean,"))
        .unwrap();
    let f: Vec<f64> = row.split(',').skip(2).map(|x| x.parse().unwrap()).collect();
    assert!(f[2] <= f[0] && f[0] <= f[3], "mean inside its CI: {row}");
    assert_eq!(f[4], 3.0);

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 7);
    assert_eq!(manifest["scenario"]["world"]["villages"], 6);
    assert_eq!(
        manifest["scenario"]["incentive"]["formal_weight"], 0.6,
        "defaults are resolved"
    );
    assert_eq!(manifest["replicate_seeds"].as_array().unwrap().len(), 3);
    // Seeds are written as exact text (`0x` + 16 hex digits), the same as
    // the manifest's, replicate by replicate.
    for (replicate, seed) in manifest["replicate_seeds"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let seed = seed.as_u64().unwrap();
        let prefix = format!("{replicate},{},", grassroots::output::csv::seed_text(seed));
        assert!(
            ts.lines().filter(|l| l.starts_with(&prefix)).count() == 24,
            "replicate {replicate}'s seed {seed} is not {prefix} in timeseries.csv"
        );
    }
    assert!(manifest["wall_time_seconds"].as_f64().unwrap() >= 0.0);

    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.starts_with("# small\n") && report.contains("| `share_met` |"));
    assert!(
        report.contains("![charts/small_realised_service.png](charts/small_realised_service.png)")
    );
    let png = std::fs::read(out.join("charts/small_realised_service.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 10_000, "chart has content");
    let svg = std::fs::read_to_string(out.join("charts/small_realised_service.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("small — realised service"));
    // Nothing is left in the staging area.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn same_seed_gives_identical_timeseries_on_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("t{threads}"));
        let o = run(&[
            "run",
            data("small.toml").to_str().unwrap(),
            "--threads",
            threads,
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        files.push(std::fs::read(out.join("timeseries.csv")).unwrap());
        files.push(std::fs::read(out.join("summary.csv")).unwrap());
    }
    assert!(
        files[0] == files[2],
        "timeseries.csv differs between 1 and 2 threads"
    );
    assert!(
        files[1] == files[3],
        "summary.csv differs between 1 and 2 threads"
    );
}

#[test]
fn seed_and_replicates_can_be_overridden() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let small = data("small.toml");
    for (out, seed) in [(&a, "7"), (&b, "8")] {
        let o = run(&[
            "run",
            small.to_str().unwrap(),
            "-q",
            "--seed",
            seed,
            "--replicates",
            "2",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let ta = std::fs::read_to_string(a.join("timeseries.csv")).unwrap();
    let tb = std::fs::read_to_string(b.join("timeseries.csv")).unwrap();
    assert_eq!(ta.lines().count(), 1 + 2 * 24);
    assert_ne!(ta, tb);
}

/// Write `body` as a scenario, run it, and check that it fails with exit
/// code 2, a message containing every `expected` text, and no output.
fn rejects(body: &str, expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, body).unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    for e in expected {
        assert!(err.contains(e), "stderr {err:?} lacks {e:?}");
    }
    assert!(!err.contains("panicked"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "output left behind"
    );
    // `validate` gives the same message.
    let v = run(&["validate", file.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(2));
    assert_eq!(text(&v.stderr), err);
}

#[test]
fn syntax_error_names_file_line_and_column() {
    rejects(
        "[scenario]\nname = \"x\"\nmonths = = 3\n",
        &["bad.toml:3:", "TOML syntax error"],
    );
}

#[test]
fn unknown_key_suggests_the_nearest_name() {
    rejects(
        "[scenario]\nmonthz = 3\n",
        &["bad.toml:2:1: scenario.monthz", "did you mean `months`?"],
    );
}

#[test]
fn out_of_range_value_names_key_value_and_range() {
    rejects(
        "[incentive]\noutcome_weight = 1.4\n",
        &["bad.toml:2:18: incentive.outcome_weight: 1.4 must be in [0, 1]"],
    );
}

#[test]
fn bad_override_is_rejected_like_a_file_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "run",
        data("small.toml").to_str().unwrap(),
        "--set",
        "effort.noise=9",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("effort.noise: 9 must be in [0, 3]"),
        "{}",
        text(&o.stderr)
    );
    assert!(!out.exists());
}

#[test]
fn missing_file_is_reported_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run(&["run", "no/such/file.toml", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot read scenario file no/such/file.toml"));
    assert!(!out.exists());
}

#[test]
fn every_shipped_scenario_validates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") && common::is_shipped(&path) {
            let o = run(&["validate", path.to_str().unwrap()]);
            assert!(
                o.status.success(),
                "{}: {}",
                path.display(),
                text(&o.stderr)
            );
            // A study's size, as its command would plan it.
            let said = text(&o.stdout);
            if path.ends_with("policy_comparison.toml") {
                assert!(
                    said.contains("(compare 120 runs at 10 replicates)"),
                    "{said}"
                );
            }
            if path.ends_with("sensitivity_sobol.toml") {
                assert!(
                    said.contains("sensitivity 3584 runs at 2 replicates)"),
                    "{said}"
                );
            }
            if path.ends_with("sweep_supervision_incentive.toml") {
                assert!(said.contains("(sweep 80 runs at 5 replicates)"), "{said}");
            }
            n += 1;
        }
    }
    assert!(n >= 4);
}

#[test]
fn validate_refuses_what_run_could_not_hold_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.toml");
    std::fs::write(
        &file,
        "[world]\nvillages = 1000000\nhouseholds_per_village = 60000\n",
    )
    .unwrap();
    let o = run(&["validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("valid, but `grassroots run` would need about"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn validate_notes_a_file_that_sets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in [
        ("empty.toml", ""),
        ("comments.toml", "# only a comment\n"),
        ("headers.toml", "[world]\n[scenario]\n"),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, content).unwrap();
        let o = run(&["validate", file.to_str().unwrap()]);
        assert!(o.status.success());
        assert!(
            text(&o.stderr).contains("sets no keys"),
            "{}",
            text(&o.stderr)
        );
    }
    let o = run(&["validate", data("small.toml").to_str().unwrap()]);
    assert!(!text(&o.stderr).contains("sets no keys"));
}

#[test]
fn params_prints_the_schema_table() {
    let o = run(&["params"]);
    assert!(o.status.success());
    assert_eq!(
        text(&o.stdout),
        grassroots::scenario::schema::markdown_table()
    );
}

#[test]
fn run_never_replaces_a_directory_that_is_not_its_own_output() {
    let dir = tempfile::tempdir().unwrap();
    let precious = dir.path().join("thesis");
    std::fs::create_dir_all(&precious).unwrap();
    std::fs::write(precious.join("chapter1.tex"), "draft").unwrap();
    let o = run(&[
        "run",
        data("small.toml").to_str().unwrap(),
        "-q",
        "--out",
        precious.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a refusal is the user's to resolve"
    );
    assert!(
        text(&o.stderr).contains("is not a grassroots output directory"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(precious.join("chapter1.tex")).unwrap(),
        "draft"
    );
    // A previous run's directory is replaced.
    let out = dir.path().join("again");
    for _ in 0..2 {
        let o = run(&[
            "run",
            data("small.toml").to_str().unwrap(),
            "-q",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
}

#[test]
fn per_village_rows_add_up_to_the_county() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pv");
    let o = run(&[
        "run",
        data("small.toml").to_str().unwrap(),
        "-q",
        "--per-village",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let read = |name: &str| -> Vec<Vec<String>> {
        std::fs::read_to_string(out.join(name))
            .unwrap()
            .lines()
            .map(|l| l.split(',').map(String::from).collect())
            .collect()
    };
    let villages = read("villages.csv");
    let county = read("timeseries.csv");
    assert_eq!(
        &villages[0][..5],
        &["replicate", "seed", "month", "village", "township"]
    );
    assert_eq!(
        villages.len() - 1,
        3 * 24 * 6,
        "replicates × months × villages"
    );
    let col = |rows: &[Vec<String>], name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let (va, ca) = (
        col(&villages, "needs_arrived"),
        col(&county, "needs_arrived"),
    );
    let (vr, cr) = (
        col(&villages, "needs_resolved"),
        col(&county, "needs_resolved"),
    );
    for month in 0..24 {
        let rows: Vec<&Vec<String>> = villages[1..]
            .iter()
            .filter(|r| r[0] == "0" && r[2] == month.to_string())
            .collect();
        assert_eq!(rows.len(), 6);
        let sum = |k: usize| {
            rows.iter()
                .map(|r| r[k].parse::<f64>().unwrap())
                .sum::<f64>()
        };
        let total = |k: usize| county[1 + month][k].parse::<f64>().unwrap();
        assert_eq!(sum(va), total(ca), "month {month}");
        assert_eq!(sum(vr), total(cr), "month {month}");
    }
}

fn resolve_file(path: &Path) -> grassroots::scenario::Scenario {
    let text = std::fs::read_to_string(path).unwrap();
    let read_base = |base: &str, including: &str| {
        let p = Path::new(including).parent().unwrap().join(base);
        std::fs::read_to_string(&p)
            .map(|t| (p.display().to_string(), t))
            .map_err(|e| e.to_string())
    };
    grassroots::scenario::Scenario::from_toml_with(
        &text,
        &path.display().to_string(),
        &[],
        Some(&read_base),
    )
    .unwrap()
}

#[test]
fn new_writes_a_commented_scenario_that_validates_and_keeps_a_source_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("mine.toml");
    let o = run(&["new", "mine", "--out", plain.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let written = std::fs::read_to_string(&plain).unwrap();
    for p in grassroots::scenario::schema::PARAMS
        .iter()
        .filter(|p| p.key != "scenario.base")
    {
        assert!(
            written.contains(&format!("# {} = {}\n", p.name(), p.default))
                || p.key == "scenario.name",
            "{} missing",
            p.key
        );
    }
    // A file from the defaults points to `base`, and says why.
    assert!(
        written.contains("scenarios/baseline.toml\"\n")
            && written.contains("\n# base = \"")
            && written.contains("not the baseline's status quo"),
        "{written}"
    );
    // Its example path, uncommented, reaches the shipped baseline.
    let based = dir.path().join("based.toml");
    std::fs::write(&based, written.replace("\n# base = \"", "\nbase = \"")).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        resolve_file(&based).world,
        resolve_file(&root.join("scenarios/baseline.toml")).world
    );
    // Written from another folder than the project's, the example still
    // reaches the shipped baseline (through the folder the binary was built
    // from).
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let o = bin()
        .current_dir(&elsewhere)
        .args(["new", "away"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let away = std::fs::read_to_string(elsewhere.join("away.toml")).unwrap();
    std::fs::write(
        elsewhere.join("away.toml"),
        away.replace("\n# base = \"", "\nbase = \""),
    )
    .unwrap();
    assert_eq!(
        resolve_file(&elsewhere.join("away.toml")).world,
        resolve_file(&root.join("scenarios/baseline.toml")).world,
        "{away}"
    );
    let o = run(&["validate", plain.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let s = resolve_file(&plain);
    assert_eq!(s.scenario.name, "mine");
    assert_eq!(s.world.villages, 40, "defaults");

    // From a shipped scenario: the same resolved parameters and changes.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = root.join("scenarios/reform_after_two_years.toml");
    let copy = dir.path().join("copy.toml");
    let o = run(&[
        "new",
        "copy",
        "--from",
        source.to_str().unwrap(),
        "--out",
        copy.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (mut a, b) = (resolve_file(&source), resolve_file(&copy));
    a.scenario.name = "copy".into();
    a.scenario.base = String::new();
    // Its description is the source's, shown in a comment, not copied: it
    // would describe the source in the copy's reports.
    assert!(!a.scenario.description.is_empty());
    assert_eq!(b.scenario.description, "");
    a.scenario.description = String::new();
    let copied = std::fs::read_to_string(&copy).unwrap();
    assert!(copied.contains("the description of the file this one started from"));
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        serde_json::to_value(&b).unwrap()
    );

    // An existing file is never overwritten; a bad name is refused.
    let o = run(&["new", "mine", "--out", plain.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("exists; nothing was written"));
    assert_eq!(std::fs::read_to_string(&plain).unwrap(), written);
    let o = run(&[
        "new",
        "x",
        "--out",
        dir.path().join("no/such.toml").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("does not exist; nothing was written"));
    // The rule `validate` applies: a name of 101 letters is refused here too.
    for name in ["my file", &"a".repeat(101)] {
        let o = run(&["new", name]);
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o.stderr).contains("not a valid scenario name"));
    }
}

#[test]
fn params_and_metrics_print_a_data_dictionary_in_three_formats() {
    for (cmd, rows) in [
        ("params", grassroots::scenario::schema::PARAMS.len()),
        ("metrics", grassroots::metrics::METRICS.len()),
    ] {
        let o = run(&[cmd, "--format", "csv"]);
        assert!(o.status.success());
        let mut reader = csv::Reader::from_reader(&o.stdout[..]);
        assert_eq!(reader.records().count(), rows, "{cmd} csv");
        let o = run(&[cmd, "--format", "json"]);
        let json: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(json.len(), rows, "{cmd} json");
        let o = run(&[cmd]);
        assert!(text(&o.stdout).contains("|---|"), "{cmd} markdown");
    }
    let o = run(&["params", "--format", "xml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("valid: md, csv, json"));
}

/// A command's report on stdout is not what it is for: when stdout cannot
/// be written (closed early by `| head`, or a full disk: `/dev/full`), the
/// command still writes its result files and exits 0, instead of panicking
/// halfway.
#[test]
fn an_unwritable_stdout_does_not_stop_a_command() {
    let Ok(full) = std::fs::File::create("/dev/full") else {
        return; // not Linux: no /dev/full to write to
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    let o = bin()
        .args([
            "compare",
            data("compare_small.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .stdout(full)
        .output()
        .unwrap();
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.join("manifest.json").is_file() && out.join("comparison.csv").is_file());
}

#[test]
fn a_scenario_that_loses_its_bases_changes_gets_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = root.join("scenarios/reform_after_two_years.toml");
    let head = format!(
        "[scenario]\nbase = {:?}\nname = \"mine\"\nmonths = 30\nburn_in_months = 0\nreplicates = 1\n[world]\nvillages = 1\nhouseholds_per_village = 20\nmembers_per_village = 4\n",
        base.to_str().unwrap()
    );
    let plain = dir.path().join("mine.toml");
    std::fs::write(&plain, &head).unwrap();
    let note = "whose [[changes]] (month 24) are not inherited";
    let o = run(&["validate", plain.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains(note), "{}", text(&o.stderr));
    let out = dir.path().join("out");
    let o = run(&[
        "run",
        plain.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains(note), "{}", text(&o.stderr));
    // With changes of its own, the file has said what it wants.
    let own = dir.path().join("own.toml");
    std::fs::write(
        &own,
        format!("{head}[[changes]]\nmonth = 12\n\"supervision.mass_supervision\" = 0.3\n"),
    )
    .unwrap();
    let o = run(&["validate", own.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        !text(&o.stderr).contains("not inherited"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn an_option_that_names_a_parameter_points_to_set_and_counts_are_whole_numbers() {
    let file = format!("{}/scenarios/baseline.toml", env!("CARGO_MANIFEST_DIR"));
    let o = run(&["run", &file, "--villages", "10"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains(
            "note: `villages` is a scenario parameter; set it with --set world.villages=10"
        ),
        "{}",
        text(&o.stderr)
    );
    let o = run(&["compare", &file, "--need-rate=0.2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("--set environment.need_rate=0.2"),
        "{}",
        text(&o.stderr)
    );
    // A command without --set gets no such note.
    let o = run(&["report", "nowhere", "--seed", "3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!text(&o.stderr).contains("note:"), "{}", text(&o.stderr));
    let o = run(&["run", &file, "--replicates", "99999999999"]);
    assert!(
        text(&o.stderr).contains("`99999999999` is too large a number here"),
        "{}",
        text(&o.stderr)
    );
    // An option that is no parameter gets clap's message alone.
    let o = run(&["run", &file, "--no-such-thing"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!text(&o.stderr).contains("note:"), "{}", text(&o.stderr));
    // A negative count is a wrong value, not an option to pass after `--`.
    for (flag, value) in [
        ("--replicates", "-1"),
        ("--seed", "1.5"),
        ("--threads", "-2"),
    ] {
        let o = run(&["run", &file, flag, value]);
        assert_eq!(o.status.code(), Some(2));
        let err = text(&o.stderr);
        assert!(
            err.contains(&format!(
                "expected a whole number (0, 1, 2, …), not `{value}`"
            )) && !err.contains("use '--"),
            "{err}"
        );
    }
}
