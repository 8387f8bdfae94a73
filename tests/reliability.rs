//! Results are never lost, mixed or silently wrong (`docs/reliability.md`):
//! output ownership, stale and damaged stored runs, leftovers of killed
//! processes, and locks. Each test names the failure mode it pins.

mod common;
use common::{bin, data, ok, run, temp};

use grassroots::digest::sha256_hex;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

/// The exit code 2 and stderr of a refused command.
fn refused(args: &[&str]) -> String {
    let o = run(args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every file under `dir` with the SHA-256 of its bytes (the lock file left out).
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.file_name().unwrap() != ".grassroots.lock" {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, sha256_hex(&fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The result files of a study (top level and charts; not runs/), the
/// manifest without its command line.
fn results(dir: &Path) -> BTreeMap<String, String> {
    tree(dir)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("runs/"))
        .map(|(k, v)| {
            if k == "manifest.json" {
                let mut m = manifest(dir);
                m.as_object_mut().unwrap().remove("command_line");
                (k, sha256_hex(&serde_json::to_vec(&m).unwrap()))
            } else if k == "report.html" {
                // Identical but for the line with the command that made it.
                let page = fs::read_to_string(dir.join(&k)).unwrap();
                let kept: Vec<&str> = page
                    .lines()
                    .filter(|l| !l.starts_with("<p class=\"command\">"))
                    .collect();
                (k, sha256_hex(kept.join("\n").as_bytes()))
            } else {
                (k, v)
            }
        })
        .collect()
}

fn stored_runs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    v.sort();
    v
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

// ---------------------------------------------------------------- ownership

#[test]
fn run_never_replaces_a_study_or_files_it_did_not_write() {
    let (_t, dir) = temp();
    let out = dir.join("study");
    ok(&[
        "sweep",
        &data("sweep_small.toml"),
        "-q",
        "--replicates",
        "1",
        "--out",
        s(&out),
    ]);
    fs::write(out.join("notes.txt"), "my notes").unwrap();
    let before = tree(&out);
    for extra in [&[][..], &["--force"][..]] {
        let small = data_small();
        let mut args = vec!["run", &small, "-q", "--out", s(&out)];
        args.extend_from_slice(extra);
        let err = refused(&args);
        assert!(err.contains("sweep study"), "{err}");
    }
    assert_eq!(
        tree(&out),
        before,
        "nothing of the sweep or the notes changed"
    );

    // A previous run's directory with a file the user added is not replaced either.
    let runs = dir.join("run");
    ok(&["run", &data_small(), "-q", "--out", s(&runs)]);
    fs::write(runs.join("notes.txt"), "mine").unwrap();
    let before = tree(&runs);
    let err = refused(&["run", &data_small(), "-q", "--force", "--out", s(&runs)]);
    assert!(err.contains("did not write (notes.txt)"), "{err}");
    assert_eq!(tree(&runs), before);

    // A directory that is not a grassroots output is not touched.
    let foreign = dir.join("foreign");
    fs::create_dir_all(&foreign).unwrap();
    fs::write(foreign.join("data.csv"), "x").unwrap();
    let err = refused(&["run", &data_small(), "-q", "--out", s(&foreign)]);
    assert!(err.contains("not a grassroots output"), "{err}");
    let err = refused(&[
        "sweep",
        &data("sweep_small.toml"),
        "-q",
        "--out",
        s(&foreign),
    ]);
    assert!(
        err.contains("not a grassroots output") && err.contains("data.csv"),
        "{err}"
    );
    assert_eq!(
        fs::read_dir(&foreign).unwrap().count(),
        1,
        "no lock file left behind"
    );
}

fn data_small() -> String {
    data("small.toml")
}

#[test]
fn a_run_of_other_inputs_needs_force_and_the_same_inputs_replace() {
    let (_t, dir) = temp();
    let out = dir.join("o");
    ok(&["run", &data_small(), "-q", "--out", s(&out)]);
    // Same question again, and with more replicates: replaced without --force.
    ok(&["run", &data_small(), "-q", "--out", s(&out)]);
    let said = ok(&["run", &data_small(), "--replicates", "4", "--out", s(&out)]);
    assert!(
        said.contains("this replaced the previous results in"),
        "a run of another replicate count says what it replaced: {said}"
    );
    assert_eq!(manifest(&out)["replicates"], 4);
    // Fewer replicates would replace a fuller run with less precise results:
    // refused, then replaced with --force.
    let before = tree(&out);
    let err = refused(&[
        "run",
        &data_small(),
        "-q",
        "--replicates",
        "2",
        "--out",
        s(&out),
    ]);
    assert!(
        err.contains("with 4 replicates; this one has 2") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(tree(&out), before);
    ok(&[
        "run",
        &data_small(),
        "-q",
        "--replicates",
        "2",
        "--force",
        "--out",
        s(&out),
    ]);
    assert_eq!(manifest(&out)["replicates"], 2);
    // Other overrides or another seed: refused, then replaced with --force.
    let before = tree(&out);
    let err = refused(&["run", &data_small(), "-q", "--seed", "99", "--out", s(&out)]);
    assert!(
        err.contains("other inputs") && err.contains("--force"),
        "{err}"
    );
    // It says what differs, as resolved: the seed, not the replicates.
    let seed = manifest(&out)["seed"].clone();
    assert!(
        err.contains(&format!("; it differs in scenario.seed: {seed} → 99)")),
        "{err}"
    );
    assert_eq!(tree(&out), before);
    ok(&[
        "run",
        &data_small(),
        "-q",
        "--seed",
        "99",
        "--force",
        "--out",
        s(&out),
    ]);
    assert_eq!(manifest(&out)["seed"], 99);
    let err = refused(&[
        "run",
        &data_small(),
        "-q",
        "--set",
        "supervision.mass_supervision=0.3",
        "--out",
        s(&out),
    ]);
    assert!(
        err.contains("scenario.seed=99"),
        "names the previous overrides: {err}"
    );
}

#[test]
fn a_what_if_run_lands_in_its_own_directory_and_says_its_overrides() {
    let (_t, dir) = temp();
    let scenario = dir.join("baseline.toml");
    fs::copy(data_small(), &scenario).unwrap();
    let go = |extra: &[&str]| {
        let o = bin()
            .current_dir(&dir)
            .args(["run", "baseline.toml", "-q"])
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    go(&[]);
    let plain = dir.join("output/small");
    let before = tree(&plain);
    go(&["--set", "supervision.mass_supervision=0.3"]);
    assert_eq!(tree(&plain), before, "the plain run is untouched");
    let what_if: Vec<PathBuf> = fs::read_dir(dir.join("output"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p != &plain)
        .collect();
    assert_eq!(what_if.len(), 1, "{what_if:?}");
    let name = what_if[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("small.set-"), "{name}");
    let m = manifest(&what_if[0]);
    assert_eq!(m["overrides"][0], "supervision.mass_supervision=0.3");
    let line: Vec<&str> = m["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        &line[1..],
        [
            "run",
            "baseline.toml",
            "-q",
            "--set",
            "supervision.mass_supervision=0.3"
        ]
    );
    let report = fs::read_to_string(what_if[0].join("report.md")).unwrap();
    assert!(
        report
            .lines()
            .next()
            .unwrap()
            .contains("with supervision.mass_supervision=0.3"),
        "{report}"
    );
}

#[test]
fn a_study_refuses_another_study_in_its_directory_without_force() {
    let (_t, dir) = temp();
    let out = dir.join("o");
    let sweep = |extra: &[&str]| {
        let mut a = vec![
            "sweep",
            &*SWEEP,
            "-q",
            "--replicates",
            "1",
            "--out",
            s(&out),
        ];
        a.extend_from_slice(extra);
        a.iter().map(|x| x.to_string()).collect::<Vec<_>>()
    };
    let args = sweep(&[]);
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let before = results(&out);
    let lock_before = std::fs::read(out.join(".grassroots.lock")).unwrap();
    let args = sweep(&["--seed", "5"]);
    let err = refused(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        err.contains("another study") && err.contains("--force"),
        "{err}"
    );
    // The refusal describes the study the directory holds (a sweep without
    // overrides), not the refused command's, and leaves even the lock file.
    let err = refused(&[
        "compare",
        &data("compare_small.toml"),
        "-q",
        "--set",
        "scenario.seed=5",
        "--out",
        s(&out),
    ]);
    assert!(err.contains("a sweep study, not a compare"), "{err}");
    assert_eq!(results(&out), before);
    assert_eq!(
        std::fs::read(out.join(".grassroots.lock")).unwrap(),
        lock_before
    );
    // A word for a choice and its quoted string are one override: the same
    // study, which shares the directory.
    let words = dir.join("w");
    for spelling in [
        "selection.successor=election",
        "selection.successor=\"election\"",
    ] {
        ok(&[
            "compare",
            &data("compare_small.toml"),
            "-q",
            "--set",
            spelling,
            "--out",
            s(&words),
        ]);
    }
    // --force replaces the study's own files only: a file it did not write
    // is reported and left, with everything else.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let args = sweep(&["--seed", "5", "--force"]);
    let err = refused(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        err.contains("files it did not write (notes.txt)") && err.contains("nothing was changed"),
        "{err}"
    );
    std::fs::remove_file(out.join("notes.txt")).unwrap();
    assert_eq!(results(&out), before);
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_ne!(results(&out), before);
    // A comparison never shares a run's directory.
    let runs = dir.join("r");
    ok(&["run", &data_small(), "-q", "--out", s(&runs)]);
    let err = refused(&[
        "compare",
        &data("compare_small.toml"),
        "-q",
        "--out",
        s(&runs),
    ]);
    assert!(err.contains("output of `grassroots run`"), "{err}");
}

static SWEEP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| data("sweep_small.toml"));

// ------------------------------------------------------------ stored runs

/// A small sweep (24 points × 1 replicate, 60 months) into `out`.
fn small_sweep(out: &Path, extra: &[&str]) -> Output {
    let mut a = vec!["sweep", &*SWEEP, "-q", "--replicates", "1", "--out", s(out)];
    a.extend_from_slice(extra);
    run(&a)
}

/// `merge SHARD0 SHARD1 --out OUT -q`, as arguments.
fn merge_two<'a>(shards: &'a [PathBuf], out: &'a Path) -> [&'a str; 6] {
    ["merge", s(&shards[0]), s(&shards[1]), "--out", s(out), "-q"]
}

/// The small sweep as two shards `DIR/s1`, `DIR/s2`.
fn two_shards(dir: &Path) -> Vec<PathBuf> {
    let shards: Vec<PathBuf> = (1..=2).map(|k| dir.join(format!("s{k}"))).collect();
    for (k, d) in shards.iter().enumerate() {
        let o = small_sweep(d, &["--shard", &format!("{}/2", k + 1)]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    shards
}

#[test]
fn damaged_stored_runs_are_run_again_with_a_warning() {
    let (_t, dir) = temp();
    let clean = dir.join("clean");
    assert!(small_sweep(&clean, &[]).status.success());
    let damaged = dir.join("damaged");
    assert!(small_sweep(&damaged, &[]).status.success());
    let runs = stored_runs(&damaged);
    let text = fs::read_to_string(&runs[0]).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // 1. header only (used to panic); 2. cut to 7 of 60 months; 3. extra rows;
    // 4. a file copied under another key; 5. made by another model.
    fs::write(&runs[0], lines[..2].join("\n")).unwrap();
    fs::write(&runs[1], {
        let t = fs::read_to_string(&runs[1]).unwrap();
        t.lines().take(9).collect::<Vec<_>>().join("\n") + "\n"
    })
    .unwrap();
    fs::write(&runs[2], {
        let t = fs::read_to_string(&runs[2]).unwrap();
        let last = t.lines().last().unwrap().to_string();
        format!("{t}{last}\n")
    })
    .unwrap();
    fs::copy(&runs[4], &runs[3]).unwrap();
    fs::write(&runs[5], {
        let t = fs::read_to_string(&runs[5]).unwrap();
        t.replacen(
            &format!("model={}", grassroots::model_identity()),
            "model=0.0.0+model.0",
            1,
        )
    })
    .unwrap();
    let o = small_sweep(&damaged, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert_eq!(
        stderr.matches("damaged stored run").count(),
        6 - 1,
        "{stderr}"
    );
    for path in &runs[..4] {
        assert!(
            stderr.contains(&*path.file_name().unwrap().to_string_lossy()),
            "{stderr}"
        );
    }
    assert!(stderr.contains("claims key"), "{stderr}");
    assert!(
        stderr.contains("was made by model `0.0.0+model.0`"),
        "{stderr}"
    );
    assert_eq!(results(&damaged), results(&clean));
    assert_eq!(tree(&damaged.join("runs")), tree(&clean.join("runs")));
}

#[test]
fn merge_refuses_a_damaged_shard_and_shards_of_another_build() {
    let (_t, dir) = temp();
    let shards = two_shards(&dir);
    let run0 = stored_runs(&shards[1])[0].clone();
    let text = fs::read_to_string(&run0).unwrap();
    fs::write(
        &run0,
        text.lines().take(8).collect::<Vec<_>>().join("\n") + "\n",
    )
    .unwrap();
    let merged = dir.join("merged");
    let err = refused(&merge_two(&shards, &merged));
    assert!(
        err.contains(&*run0.display().to_string()),
        "names the file: {err}"
    );
    assert!(err.contains("damaged stored run"), "{err}");
    assert!(!merged.join("sweep_summary.csv").exists());

    // Shards planned by another build.
    assert!(
        small_sweep(&shards[1], &["--shard", "2/2"])
            .status
            .success()
    );
    let plan = shards[1].join("plan.json");
    let text = fs::read_to_string(&plan).unwrap();
    fs::write(
        &plan,
        text.replace(&grassroots::model_identity(), "0.0.0+model.0"),
    )
    .unwrap();
    let err = refused(&merge_two(&shards, &merged));
    assert!(err.contains("different builds"), "{err}");
    fs::write(&plan, &text).unwrap();
    ok(&merge_two(&shards, &merged));
}

#[test]
fn a_study_of_an_older_model_is_run_again_not_reused() {
    let (_t, dir) = temp();
    let out = dir.join("o");
    assert!(small_sweep(&out, &[]).status.success());
    let before = stored_runs(&out);
    // Pretend the directory was made by an older model: its plan and runs say so.
    let plan = out.join("plan.json");
    let text = fs::read_to_string(&plan).unwrap();
    fs::write(
        &plan,
        text.replace(&grassroots::model_identity(), "0.0.0+model.0"),
    )
    .unwrap();
    for r in &before {
        let t = fs::read_to_string(r).unwrap();
        fs::write(r, t.replace(&grassroots::model_identity(), "0.0.0+model.0")).unwrap();
    }
    let o = small_sweep(&out, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains("was made by model 0.0.0+model.0"),
        "{stderr}"
    );
    let stdout = ok(&["sweep", &SWEEP, "--replicates", "1", "--out", s(&out)]);
    assert!(stdout.contains("0 new, 24 reused"), "{stdout}");
}

/// A run replacing its --out keeps the folder's permissions (a shared
/// group's setgid folder stays shared).
#[cfg(unix)]
#[test]
fn a_replaced_run_folder_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let (_t, dir) = temp();
    let out = dir.join("shared");
    fs::create_dir(&out).unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o2770)).unwrap();
    ok(&["run", &data_small(), "-q", "--out", s(&out)]);
    let mode = fs::metadata(&out).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o2770, "{mode:o}");
    // Set before the files were written: its folders inherit the setgid bit.
    let charts = fs::metadata(out.join("charts"))
        .unwrap()
        .permissions()
        .mode();
    assert_ne!(charts & 0o2000, 0, "{charts:o}");
    // And again, replacing a previous run (more replicates: no --force needed).
    ok(&[
        "run",
        &data_small(),
        "-q",
        "--out",
        s(&out),
        "--replicates",
        "4",
    ]);
    let mode = fs::metadata(&out).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o2770, "{mode:o}");
}

/// Files with a result's name that no manifest lists are the user's: a
/// study into that directory (here a merge into a shard directory, which has
/// no manifest yet) is refused before it overwrites them.
#[test]
fn a_study_never_overwrites_result_named_files_it_did_not_write() {
    let (_t, dir) = temp();
    let shards = two_shards(&dir);
    fs::write(shards[0].join("report.md"), "MY OWN NOTES").unwrap();
    fs::create_dir_all(shards[0].join("charts")).unwrap();
    // Named as the study's charts are (`sweep_small_…`), and not.
    fs::write(shards[0].join("charts/sweep_small_share_met.png"), "mine").unwrap();
    fs::write(shards[0].join("charts/my_figure.png"), "mine").unwrap();
    fs::write(
        shards[0].join("charts/sweep_small_cost.4242.7.partial.png"),
        "old",
    )
    .unwrap();
    let o = run(&["merge", s(&shards[0]), s(&shards[1]), "-q"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "holds charts/sweep_small_share_met.png, report.md, which no grassroots manifest lists"
        ),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(shards[0].join("report.md")).unwrap(),
        "MY OWN NOTES"
    );
    // Moved away, the merge goes ahead; other files of the user's stay.
    fs::remove_file(shards[0].join("charts/sweep_small_share_met.png")).unwrap();
    fs::rename(shards[0].join("report.md"), shards[0].join("notes.md")).unwrap();
    let o = run(&["merge", s(&shards[0]), s(&shards[1]), "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        fs::read_to_string(shards[0].join("notes.md")).unwrap(),
        "MY OWN NOTES"
    );
    assert!(shards[0].join("charts/my_figure.png").exists());
    assert!(!shards[0].join(".grassroots.assembling").exists());
    // An interrupted assembly's own files (its marker still there) are not
    // the user's: the same study resumes over them.
    let whole = dir.join("whole");
    assert!(small_sweep(&whole, &[]).status.success());
    fs::rename(whole.join("manifest.json"), dir.join("aside.json")).unwrap();
    fs::write(whole.join(".grassroots.assembling"), "").unwrap();
    assert!(small_sweep(&whole, &[]).status.success());
    assert!(whole.join("manifest.json").is_file());
    assert!(!whole.join(".grassroots.assembling").exists());
}

/// Every kind of study writes at its top only the names
/// `STUDY_RESULT_FILES` lists (which the guard above relies on).
#[test]
fn studies_write_only_the_result_names_the_guard_knows() {
    let (_t, dir) = temp();
    let known = grassroots::output::STUDY_RESULT_FILES;
    let cases: [(&str, String, &[&str]); 3] = [
        ("compare", data("compare_small.toml"), &[]),
        ("sweep", SWEEP.to_string(), &["--replicates", "2"]),
        ("sensitivity", data("sensitivity_small.toml"), &[]),
    ];
    for (command, file, extra) in cases {
        let out = dir.join(command);
        let mut args = vec![command, file.as_str(), "-q", "--out", s(&out)];
        args.extend_from_slice(extra);
        ok(&args);
        let manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
        for f in manifest["files"].as_array().unwrap() {
            let f = f.as_str().unwrap();
            assert!(
                f.starts_with("charts/")
                    || f.starts_with("runs/")
                    || ["manifest.json", "plan.json"].contains(&f)
                    || known.contains(&f),
                "{command} writes {f}, which STUDY_RESULT_FILES lacks"
            );
        }
    }
}

// -------------------------------------------------------------- leftovers

#[test]
fn leftovers_of_killed_processes_are_removed_on_the_next_start() {
    let (_t, dir) = temp();
    // A study directory with partial files of a dead process.
    let out = dir.join("study");
    assert!(small_sweep(&out, &[]).status.success());
    let leftovers = [
        out.join("sweep_runs.csv.grassroots-4242-0.partial"),
        out.join("runs/0123.csv.grassroots-4242-1.partial"),
        out.join("charts/share_met.grassroots-4242-2.partial.png"),
    ];
    for l in &leftovers {
        fs::write(l, "half").unwrap();
    }
    // The user's files, some named like partial files of other tools.
    let mine = [
        out.join("my.partial.notes"),
        out.join("interviews.2024.06.partial"),
        out.join("draft.1.2.partial.docx"),
        out.join("fig.3.4.partial.png"),
        out.join("charts/fig.3.4.partial.txt"),
    ];
    for m in &mine {
        fs::write(m, "mine").unwrap();
    }
    assert!(small_sweep(&out, &[]).status.success());
    for l in &leftovers {
        assert!(!l.exists(), "{} left", l.display());
    }
    for m in &mine {
        assert!(m.exists(), "only our partials are removed: {}", m.display());
    }

    // Beside a run's output: a staging directory of a killed run, and a
    // previous result moved aside just before the kill.
    let target = dir.join("r");
    ok(&["run", &data_small(), "-q", "--out", s(&target)]);
    let staging = dir.join(".r.partial-4242");
    fs::create_dir_all(&staging).unwrap();
    fs::write(staging.join("timeseries.csv"), "half").unwrap();
    let moved = dir.join(".r.old-4243");
    fs::rename(&target, &moved).unwrap();
    let csvs = |d: &Path| -> BTreeMap<String, String> {
        tree(d)
            .into_iter()
            .filter(|(k, _)| k.ends_with(".csv"))
            .collect()
    };
    let before = csvs(&moved);
    // The killed run's swap left no target: the next run restores, then replaces it.
    ok(&["run", &data_small(), "-q", "--out", s(&target)]);
    assert!(!staging.exists() && !moved.exists());
    assert_eq!(csvs(&target), before, "same inputs, same tables");
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.contains("partial") || n.contains(".old-")),
        "{names:?}"
    );
}

/// Spawn a long `grassroots` command and wait until it holds `out`'s lock.
fn spawn_holding(args: &[&str], out: &Path) -> Child {
    let child = bin()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let pid = format!("process {} ", child.id());
    while !fs::read_to_string(out.join(".grassroots.lock")).is_ok_and(|t| t.contains(&pid)) {
        assert!(started.elapsed() < Duration::from_secs(60), "never locked");
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

#[test]
fn a_killed_run_leaves_nothing_that_survives_the_next_start() {
    let (_t, dir) = temp();
    let target = dir.join("big");
    let mut child = spawn_holding(
        &[
            "run",
            &data_small(),
            "-q",
            "--threads",
            "1",
            "--set",
            "world.villages=3000",
            "--set",
            "scenario.months=240",
            "--out",
            s(&target),
        ],
        &target,
    );
    // Wait for its staging directory, then kill it.
    let staging = dir.join(format!(".big.partial-{}", child.id()));
    let started = Instant::now();
    while !staging.exists() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(staging.exists(), "the kill came while it was staging");
    ok(&["run", &data_small(), "-q", "--out", s(&target), "--force"]);
    assert!(!staging.exists());
    assert!(target.join("manifest.json").is_file());
}

// ---------------------------------------------------------------- locks

#[test]
fn a_second_process_on_the_same_directory_is_refused_naming_the_holder() {
    let (_t, dir) = temp();
    let out = dir.join("o");
    let mut first = spawn_holding(
        &[
            "sweep",
            &SWEEP,
            "-q",
            "--threads",
            "1",
            "--replicates",
            "40",
            "--out",
            s(&out),
        ],
        &out,
    );
    let o = small_sweep(&out, &["--seed", "4"]);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let still_running = first.try_wait().unwrap().is_none();
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(still_running, "the first sweep ended too soon for the test");
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is in use by process"), "{stderr}");
    assert!(stderr.contains(&first.id().to_string()), "{stderr}");
    assert!(
        stderr.contains("sweep"),
        "names the holder's command: {stderr}"
    );
    // After the holder died, the lock is free and its partial files are cleaned.
    let o = small_sweep(&out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let partials = tree(&out)
        .into_keys()
        .filter(|k| k.contains(".partial"))
        .count();
    assert_eq!(partials, 0);
}

// ------------------------------------------ found by fault injection (review)

#[test]
fn a_run_parked_aside_by_an_interrupted_commit_is_never_lost() {
    let (_t, dir) = temp();
    let x = dir.join("x");
    ok(&["run", &data_small(), "-q", "--seed", "99", "--out", s(&x)]);
    let kept = tree(&x);
    // Killed between moving the old result aside and moving the new one in
    // (the fallback commit where directories cannot be exchanged).
    let parked = dir.join(".x.old-4242");
    fs::rename(&x, &parked).unwrap();
    // A study may not take the lost directory's place.
    let err = refused(&["sweep", &SWEEP, "-q", "--replicates", "1", "--out", s(&x)]);
    assert!(
        err.contains("moved aside") && err.contains(".x.old-4242"),
        "{err}"
    );
    assert!(!x.exists() && parked.exists());
    // A run of other inputs restores it, then refuses to replace it.
    let err = refused(&["run", &data_small(), "-q", "--out", s(&x)]);
    assert!(err.contains("other inputs"), "{err}");
    assert_eq!(tree(&x), kept);
    assert!(!parked.exists());

    // The restore itself interrupted: the manifest and part of the files are
    // still parked; the next start finishes the restore.
    fs::rename(&x, &parked).unwrap();
    fs::create_dir_all(&x).unwrap();
    fs::rename(parked.join("timeseries.csv"), x.join("timeseries.csv")).unwrap();
    let err = refused(&[
        "run",
        &data_small(),
        "-q",
        "--set",
        "effort.noise=0.2",
        "--out",
        s(&x),
    ]);
    assert!(err.contains("other inputs"), "{err}");
    assert_eq!(tree(&x), kept, "every file is back");
}

#[test]
fn odd_out_paths_are_resolved_or_refused_before_any_work() {
    let (_t, dir) = temp();
    // A symlink to a previous run's directory: the directory is replaced, the link kept.
    let real = dir.join("real");
    ok(&["run", &data_small(), "-q", "--out", s(&real)]);
    let link = dir.join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    ok(&[
        "run",
        &data_small(),
        "-q",
        "--seed",
        "5",
        "--force",
        "--out",
        s(&link),
    ]);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(manifest(&real)["seed"], 5);
    // Below a file: refused at once, for a run and for a study.
    let file = dir.join("a_file");
    fs::write(&file, "x").unwrap();
    for command in ["run", "sweep"] {
        let input = if command == "run" {
            data_small()
        } else {
            SWEEP.to_string()
        };
        let o = run(&[command, &input, "-q", "--out", s(&file.join("x/y"))]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("a_file is a file, not a folder"), "{err}");
    }
    // A bare relative name, new and then existing, from the working directory.
    for _ in 0..2 {
        let o = bin()
            .current_dir(&dir)
            .args(["run", &data_small(), "-q", "--out", "bare"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(dir.join("bare/manifest.json").is_file());
    let o = bin()
        .current_dir(&dir)
        .args([
            "sweep",
            &SWEEP,
            "-q",
            "--replicates",
            "1",
            "--out",
            "bare_sweep",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // `.` inside a previous run's directory.
    let o = bin()
        .current_dir(&real)
        .args(["run", &data_small(), "-q", "--seed", "5", "--out", "."])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The root of the file system, and a directory with a subdirectory we
    // must not walk: refused at once.
    let err = refused(&["run", &data_small(), "-q", "--out", "/"]);
    assert!(err.contains("root of the file system"), "{err}");
    let err = refused(&["run", &data_small(), "-q", "--out", "/usr"]);
    assert!(err.contains("not a grassroots output"), "{err}");
    // A long directory name.
    let long = dir.join("l".repeat(240));
    ok(&["run", &data_small(), "-q", "--out", s(&long)]);
    ok(&["run", &data_small(), "-q", "--out", s(&long)]);
    // A directory where a stored run belongs.
    let study = dir.join("study");
    assert!(small_sweep(&study, &[]).status.success());
    let run0 = stored_runs(&study)[0].clone();
    fs::remove_file(&run0).unwrap();
    fs::create_dir(&run0).unwrap();
    let err = String::from_utf8_lossy(&small_sweep(&study, &[]).stderr).into_owned();
    assert!(
        err.contains("a directory where a stored run belongs"),
        "{err}"
    );
    // Refused at once, not first reported as damaged and "run again".
    assert!(!err.contains("damaged"), "{err}");
}

#[test]
fn merge_takes_each_shard_once_and_refuses_a_running_shard() {
    let (_t, dir) = temp();
    let shards = two_shards(&dir);
    let spelled = format!("{}/", s(&shards[0]));
    ok(&[
        "merge",
        s(&shards[0]),
        &spelled,
        s(&shards[1]),
        "--out",
        s(&dir.join("m")),
        "-q",
    ]);
    // A shard still being written (its lock held, here by this test) is
    // refused, as input or as output.
    let held =
        grassroots::output::DirLock::acquire(&shards[1], "grassroots sweep (a shard)").unwrap();
    let as_input = run(&merge_two(&shards, &dir.join("m2")));
    let as_output = run(&merge_two(&shards, &shards[1]));
    drop(held);
    for o in [as_input, as_output] {
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("is in use by process"), "{err}");
    }
    assert!(
        !dir.join("m2").exists(),
        "a refused merge leaves no directory"
    );
}

/// Copy the directory `from` to `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn two_parked_runs_are_recovered_in_one_go() {
    let (_t, dir) = temp();
    let finished = dir.join("finished");
    ok(&["run", &data_small(), "-q", "--out", s(&finished)]);
    // Two interruptions, each leaving the run parked beside its place.
    copy_dir(&finished, &dir.join(".px.old-11111"));
    copy_dir(&finished, &dir.join(".px.old-22222"));
    let target = dir.join("px");
    ok(&["run", &data_small(), "-q", "--out", s(&target)]);
    assert_eq!(
        fs::read(target.join("summary.csv")).unwrap(),
        fs::read(finished.join("summary.csv")).unwrap()
    );
    let left: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".px"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn recovering_a_parked_run_never_overwrites_the_users_files() {
    let (_t, dir) = temp();
    let finished = dir.join("finished");
    ok(&["run", &data_small(), "-q", "--out", s(&finished)]);
    // A run parked by a commit killed between its two renames, and a
    // directory of the user's own where the run was.
    let parked = dir.join(".rx.old-99999");
    copy_dir(&finished, &parked);
    let parked_before = tree(&parked);
    let target = dir.join("rx");
    fs::create_dir_all(&target).unwrap();
    fs::write(target.join("summary.csv"), "MY DATA").unwrap();
    fs::write(target.join("notes.txt"), "mine").unwrap();
    let before = tree(&target);
    for extra in [&[][..], &["--force"][..]] {
        let small = data_small();
        let mut args = vec!["run", &small, "-q", "--out", s(&target)];
        args.extend_from_slice(extra);
        let err = refused(&args);
        assert!(
            err.contains(".rx.old-99999") && err.contains("notes.txt"),
            "{err}"
        );
        assert_eq!(tree(&target), before, "the user's files are untouched");
        assert_eq!(tree(&parked), parked_before, "the parked run is left");
        assert!(!target.join(".grassroots.lock").exists(), "no lock file");
    }
    // Only a file the parked run holds too (it would be replaced).
    fs::remove_file(target.join("notes.txt")).unwrap();
    let err = refused(&["run", &data_small(), "-q", "--out", s(&target)]);
    assert!(err.contains("summary.csv"), "{err}");
    assert_eq!(
        fs::read_to_string(target.join("summary.csv")).unwrap(),
        "MY DATA"
    );
    assert_eq!(tree(&parked), parked_before);
    // Once the user's file is moved away, the run is restored.
    fs::remove_file(target.join("summary.csv")).unwrap();
    ok(&["run", &data_small(), "-q", "--out", s(&target)]);
    assert!(!parked.exists());
    let csvs = |d: &Path| -> BTreeMap<String, String> {
        tree(d)
            .into_iter()
            .filter(|(k, _)| k.ends_with(".csv"))
            .collect()
    };
    assert_eq!(csvs(&target), csvs(&finished));
}

#[test]
fn a_study_or_merge_killed_before_its_plan_is_saved_leaves_a_usable_directory() {
    let (_t, dir) = temp();
    let compare = data("compare_small.toml");
    // What a compare or merge killed at its first rename left (the plan
    // being written, an empty run store from builds that made it first).
    let killed = |d: &Path| {
        fs::create_dir_all(d.join("runs")).unwrap();
        fs::write(d.join(".grassroots.lock"), "").unwrap();
        fs::write(d.join("plan.json.grassroots-25019-0.partial"), "{\"ki").unwrap();
    };
    let x = dir.join("x");
    killed(&x);
    ok(&[
        "compare",
        &compare,
        "-q",
        "--replicates",
        "2",
        "--out",
        s(&x),
    ]);
    assert!(x.join("manifest.json").is_file());
    assert!(!x.join("plan.json.grassroots-25019-0.partial").exists());
    // A merge into such a directory.
    let shards = two_shards(&dir);
    let m = dir.join("m");
    killed(&m);
    ok(&["merge", s(&shards[0]), s(&shards[1]), "--out", s(&m), "-q"]);
    assert!(m.join("manifest.json").is_file());
    // A run killed while staging leaves its target holding only the lock
    // (and its staging directory beside it): neither a study nor a run is
    // refused there.
    for (i, command) in ["compare", "run"].iter().enumerate() {
        let r = dir.join(format!("r{i}"));
        fs::create_dir_all(&r).unwrap();
        fs::write(r.join(".grassroots.lock"), "").unwrap();
        let staging = dir.join(format!(".r{i}.partial-4242"));
        fs::create_dir_all(&staging).unwrap();
        fs::write(staging.join("timeseries.csv"), "half").unwrap();
        let input = if *command == "run" {
            data_small()
        } else {
            compare.clone()
        };
        ok(&[command, &input, "-q", "--replicates", "2", "--out", s(&r)]);
        assert!(r.join("manifest.json").is_file());
    }
}

#[test]
fn force_after_a_study_killed_while_it_wrote_its_tables_replaces_it() {
    let (_t, dir) = temp();
    let compare = data("compare_small.toml");
    let f = dir.join("f");
    let study = |extra: &[&str]| {
        let mut args = vec![
            "compare",
            &compare,
            "-q",
            "--replicates",
            "2",
            "--out",
            s(&f),
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    assert!(study(&[]).status.success());
    // The state a re-run killed while writing its tables leaves: the
    // manifest set aside, the marker, a partial table.
    fs::rename(f.join("manifest.json"), f.join("manifest.json.previous")).unwrap();
    fs::write(f.join(".grassroots.assembling"), "").unwrap();
    fs::write(f.join("comparison.csv.grassroots-25237-2.partial"), "half").unwrap();
    let o = study(&["--seed", "5", "--force"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plan: serde_json::Value =
        serde_json::from_slice(&fs::read(f.join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan["scenarios"][0]["scenario"]["seed"], 5);
    assert!(f.join("manifest.json").is_file());
    assert!(!tree(&f).keys().any(|k| k.contains(".partial")));
    // Killed in its first assembly: no manifest at all, only the marker
    // saying the result files and charts are its own.
    fs::remove_file(f.join("manifest.json")).unwrap();
    fs::write(f.join(".grassroots.assembling"), "").unwrap();
    fs::write(f.join("summary.csv.grassroots-25237-3.partial"), "half").unwrap();
    let o = study(&["--force"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!tree(&f).keys().any(|k| k.contains(".partial")));
    // The user's files are still refused, all of them counted.
    for i in 0..8 {
        fs::write(f.join(format!("notes{i}.txt")), "mine").unwrap();
    }
    let mut args = vec!["compare", &compare, "-q", "--replicates", "2"];
    args.extend(["--seed", "6", "--force", "--out", s(&f)]);
    let err = refused(&args);
    assert!(
        err.contains("notes0.txt") && err.contains("and 2 more"),
        "{err}"
    );
}

#[test]
fn merge_refuses_a_hand_edited_plan_naming_the_field() {
    let (_t, dir) = temp();
    let shards = two_shards(&dir);
    let plans: Vec<String> = shards
        .iter()
        .map(|d| fs::read_to_string(d.join("plan.json")).unwrap())
        .collect();
    type Edit = fn(&mut serde_json::Value);
    let edits: [(&str, Edit); 12] = [
        ("kind", |p| p["kind"] = "calibration".into()),
        ("variants[0].source", |p| {
            p["variants"][0]["source"] = 5.into()
        }),
        ("runs[0]", |p| p["runs"][0]["variant"] = 99.into()),
        ("runs[1]", |p| p["runs"][1]["environment"] = 7.into()),
        ("variants", |p| p["variants"] = serde_json::json!([])),
        ("environments", |p| {
            p["environments"] = serde_json::json!([])
        }),
        ("outcomes", |p| {
            p["outcomes"] = serde_json::json!(["no_such_metric"])
        }),
        ("runs", |p| p["runs"] = serde_json::json!([])),
        ("window_months", |p| p["window_months"] = 0.into()),
        ("replicates", |p| p["replicates"] = 0.into()),
        ("scenarios", |p| p["scenarios"] = serde_json::json!([])),
        ("runs[0].key", |p| {
            let other = p["runs"][1]["key"].clone();
            p["runs"][0]["key"] = other;
        }),
    ];
    for (field, edit) in edits {
        for (d, text) in shards.iter().zip(&plans) {
            let mut plan: serde_json::Value = serde_json::from_str(text).unwrap();
            edit(&mut plan);
            fs::write(d.join("plan.json"), plan.to_string()).unwrap();
        }
        let out = dir.join("m");
        let err = refused(&merge_two(&shards, &out));
        assert!(
            err.contains("plan.json") && err.contains(&format!("({field}:")),
            "{field}: {err}"
        );
        assert!(!out.exists(), "nothing written");
    }
    // Put back, the shards merge.
    for (d, text) in shards.iter().zip(&plans) {
        fs::write(d.join("plan.json"), text).unwrap();
    }
    ok(&merge_two(&shards, &dir.join("m")));
}

#[test]
fn a_users_empty_folder_in_a_run_is_refused_like_a_file() {
    let (_t, dir) = temp();
    let r = dir.join("r");
    ok(&["run", &data_small(), "-q", "--out", s(&r)]);
    fs::create_dir_all(r.join("interviews/2024")).unwrap();
    let err = refused(&["run", &data_small(), "-q", "--force", "--out", s(&r)]);
    assert!(err.contains("did not write (interviews/2024/)"), "{err}");
    assert!(r.join("interviews/2024").is_dir());
    fs::remove_dir_all(r.join("interviews")).unwrap();
    ok(&["run", &data_small(), "-q", "--out", s(&r)]);
}

#[test]
fn a_failed_merge_removes_every_folder_it_made_and_names_the_missing_shard() {
    let (_t, dir) = temp();
    let shards = two_shards(&dir);
    let out = dir.join("new1/deep/dir");
    let err = refused(&["merge", s(&shards[0]), "--out", s(&out), "-q"]);
    assert!(err.contains("runs are missing"), "{err}");
    assert!(err.contains("shard 2/2 was not given"), "{err}");
    assert!(!dir.join("new1").exists(), "no folder left behind");
    let err = refused(&["merge", s(&shards[1]), "--out", s(&out), "-q"]);
    assert!(err.contains("shard 1/2 was not given"), "{err}");
    assert!(!dir.join("new1").exists());
}

#[test]
fn a_damaged_manifest_in_a_study_directory_is_named() {
    let (_t, dir) = temp();
    let out = dir.join("study");
    assert!(small_sweep(&out, &[]).status.success());
    let text = fs::read(out.join("manifest.json")).unwrap();
    fs::write(out.join("manifest.json"), &text[..text.len() / 2]).unwrap();
    let o = small_sweep(&out, &[]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("manifest.json is damaged"), "{err}");
    assert!(!err.contains("no grassroots manifest lists"), "{err}");
}

#[test]
fn a_study_replaced_by_one_with_fewer_replicates_says_so() {
    let (_t, dir) = temp();
    let compare = data("compare_small.toml");
    let f = dir.join("f");
    let study = |replicates: &str| {
        let o = run(&[
            "compare",
            &compare,
            "-q",
            "--replicates",
            replicates,
            "--out",
            s(&f),
        ]);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(o.status.success(), "{err}");
        err
    };
    assert_eq!(study("4"), "");
    let stored = stored_runs(&f);
    let err = study("2");
    assert!(
        err.contains("held this study with 4 replicates")
            && err.contains("with 2 replicates")
            && err.contains("no --force is needed"),
        "{err}"
    );
    // More replicates again: no note, and the stored runs are kept.
    assert_eq!(study("4"), "");
    assert_eq!(stored_runs(&f), stored);
}
