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

/// Names in a directory, sorted.
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
    let cwd = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("tiny.toml"), TINY).unwrap();
    let o = bench(cwd.path(), tmp.path(), &["tiny.toml", "--threads", "2"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("1 thread") && out.contains("2 threads"),
        "{out}"
    );
    let found: BTreeMap<&str, &str> = out
        .lines()
        .filter_map(|l| l.split_once(": "))
        .filter(|(k, _)| KEYS.contains(k))
        .collect();
    for key in KEYS {
        let value = found
            .get(key)
            .unwrap_or_else(|| panic!("no `{key}: …` line in\n{out}"));
        let x: f64 = value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("`{key}: {value}` is not a number"));
        assert!(x.is_finite() && x > 0.0, "`{key}: {value}` is not positive");
    }
    assert_eq!(found["threads"].trim(), "2");
    let efficiency: f64 = found["parallel_efficiency"].trim().parse().unwrap();
    assert!(
        efficiency > 0.0 && efficiency <= 1.5,
        "parallel efficiency {efficiency}"
    );
    // Peak RSS is the whole process: far above the household struct.
    let per_household: f64 = found["bytes_per_household"].trim().parse().unwrap();
    let size: f64 = found["household_struct_bytes"].trim().parse().unwrap();
    assert!(per_household > size, "{per_household} ≤ {size}");
    // Nothing left: the working directory holds only the scenario, and the
    // output written into the temporary directory is gone.
    assert_eq!(names(cwd.path()), vec!["tiny.toml".to_string()]);
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
    ] {
        let o = bench(cwd.path(), cwd.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(err.contains(said), "{args:?}: {err}");
        assert!(!err.contains("measuring"), "{args:?} measured: {err}");
    }
}
