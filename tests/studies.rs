//! Integration tests of studies: `compare`, `sweep`, `merge`, resume,
//! shards, determinism, confidence intervals, the memory check.

mod common;
use common::{bin, csv_rows, data, ok, run, temp};

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Every result file of a study directory (not the run store), by relative path.
fn results(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name == "charts" {
                for c in std::fs::read_dir(&path).unwrap() {
                    let c = c.unwrap().path();
                    out.insert(
                        format!("charts/{}", c.file_name().unwrap().to_string_lossy()),
                        std::fs::read(&c).unwrap(),
                    );
                }
            }
        } else if name == "manifest.json" {
            // Identical but for the command line that made it.
            let mut m: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            m.as_object_mut().unwrap().remove("command_line");
            out.insert(name, serde_json::to_vec(&m).unwrap());
        } else if name == "report.html" {
            // Identical but for the line with the command that made it.
            let page = std::fs::read_to_string(&path).unwrap();
            let kept: Vec<&str> = page
                .lines()
                .filter(|l| !l.starts_with("<p class=\"command\">"))
                .collect();
            out.insert(name, kept.join("\n").into_bytes());
        } else if name != ".grassroots.lock" {
            out.insert(name, std::fs::read(&path).unwrap());
        }
    }
    out
}

fn row<'a>(
    rows: &'a [BTreeMap<String, String>],
    variant: &str,
    outcome: &str,
    measure: &str,
) -> &'a BTreeMap<String, String> {
    rows.iter()
        .find(|r| r["variant"] == variant && r["outcome"] == outcome && r["measure"] == measure)
        .unwrap_or_else(|| panic!("no row {variant} {outcome} {measure}"))
}

fn num(r: &BTreeMap<String, String>, k: &str) -> f64 {
    r[k].parse().unwrap_or_else(|_| panic!("{k} = {:?}", r[k]))
}

/// Every CSV table in `dir` encodes the final month and the window mean
/// one way: a `measure` column with the values `final` and `window` (no
/// `final`/`window` columns, no `<outcome>_window` columns); returns the
/// tables with a `measure` column.
fn one_measure_encoding(dir: &Path) -> Vec<String> {
    let mut with_measure = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".csv") {
            continue;
        }
        let header = csv::Reader::from_path(&path)
            .unwrap()
            .headers()
            .unwrap()
            .clone();
        for column in &header {
            assert!(
                column != "final" && column != "window" && !column.ends_with("_window"),
                "{name} has a column `{column}`: measures belong in a `measure` column"
            );
        }
        if header.iter().any(|h| h == "measure") {
            let measures: std::collections::BTreeSet<String> = csv_rows(&path)
                .into_iter()
                .map(|r| r["measure"].clone())
                .collect();
            assert_eq!(
                measures,
                ["final", "window"].map(String::from).into(),
                "{name}"
            );
            with_measure.push(name);
        }
    }
    with_measure.sort();
    with_measure
}

#[test]
fn compare_detects_a_known_difference_and_writes_tidy_files() {
    let (_t, dir) = temp();
    let out = dir.join("c");
    let stdout = ok(&[
        "compare",
        &data("compare_small.toml"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(stdout.contains("difference from the baseline"), "{stdout}");
    assert!(
        stdout.contains("Holm") && stdout.contains("have a 95 % CI that excludes 0"),
        "{stdout}"
    );
    let rows = csv_rows(&out.join("comparison.csv"));
    assert_eq!(
        rows.len(),
        3 * 3 * 2,
        "3 variants × 3 outcomes × 2 measures"
    );
    let strong = row(&rows, "mass_evaluation", "formalism_index", "window");
    assert!(
        num(strong, "diff_ci_high") < 0.0,
        "formalism falls, CI excludes 0: {strong:?}"
    );
    assert!(num(strong, "p_value") < 0.05);
    assert_eq!(
        strong["test"], "paired",
        "common random numbers: paired test"
    );
    assert!(num(strong, "p_holm") >= num(strong, "p_value") && num(strong, "p_holm") < 0.05);
    let base_formalism = num(row(&rows, "baseline", "formalism_index", "window"), "mean");
    assert!(
        (num(strong, "diff_percent") - 100.0 * num(strong, "diff") / base_formalism.abs()).abs()
            < 1e-9,
        "relative difference in % of the baseline's mean: {strong:?}"
    );
    assert!(
        !rows[0].contains_key("effect_size"),
        "Cohen's d of county means is not reported"
    );
    assert_eq!(
        strong["per_extra_cost"], "",
        "cost is not among this study's outcomes"
    );
    // With common random numbers the A/A variant's runs are the baseline's:
    // the paired interval collapses while Welch's, which ignores the pairing,
    // keeps the spread across replicates.
    let sat = row(&rows, "same", "satisfaction_mean", "window");
    let welch_width = num(sat, "diff_ci_high") - num(sat, "diff_ci_low");
    let paired_width = num(sat, "paired_ci_high") - num(sat, "paired_ci_low");
    assert!(
        paired_width < welch_width,
        "pairing common random numbers narrows the interval: {sat:?}"
    );
    let same = row(&rows, "same", "satisfaction_mean", "final");
    assert_eq!(
        num(same, "diff"),
        0.0,
        "an identical variant with common random numbers gives identical runs"
    );
    let base = row(&rows, "baseline", "formalism_index", "final");
    assert_eq!(
        base["diff_ci_low"], "",
        "no CI of the baseline against itself"
    );
    assert_eq!(num(base, "n"), 4.0);
    let runs = csv_rows(&out.join("runs.csv"));
    assert_eq!(
        runs.len(),
        3 * 4 * 3 * 2,
        "variants × replicates × outcomes × measures"
    );
    // The per-run rows pool to the comparison's means, measure by measure.
    for measure in ["final", "window"] {
        let values: Vec<f64> = runs
            .iter()
            .filter(|r| {
                r["variant"] == "mass_evaluation"
                    && r["outcome"] == "formalism_index"
                    && r["measure"] == measure
            })
            .map(|r| num(r, "value"))
            .collect();
        assert_eq!(values.len(), 4);
        let mean = values.iter().sum::<f64>() / 4.0;
        let pooled = num(
            row(&rows, "mass_evaluation", "formalism_index", measure),
            "mean",
        );
        assert!(
            (mean - pooled).abs() < 1e-12,
            "{measure}: {mean} vs {pooled}"
        );
    }
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.starts_with("variant,month,metric,mean,sd,ci_low,ci_high,n\n"));
    assert!(
        out.join("charts/compare_small_formalism_index.png")
            .is_file()
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("| mass_evaluation |") && report.contains(" *"),
        "{report}"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["runs"].as_array().unwrap().len(), 12);
    assert_eq!(
        manifest["variants"][1]["overrides"][0][0],
        "incentive.formal_weight"
    );
    // Each run's seed in runs.csv is its seed in the manifest and the plan,
    // exactly: hexadecimal text, which no CSV reader turns into a float.
    let plan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    let mut big = false;
    for (i, described) in manifest["runs"].as_array().unwrap().iter().enumerate() {
        let seed = described["seed"].as_u64().unwrap();
        assert_eq!(plan["runs"][i]["seed"].as_u64(), Some(seed));
        big |= seed > 1 << 53;
        let variant = described["variant"].as_str().unwrap();
        let replicate = described["replicate"].as_u64().unwrap().to_string();
        let written: Vec<&String> = runs
            .iter()
            .filter(|r| r["variant"] == variant && r["replicate"] == replicate)
            .map(|r| &r["seed"])
            .collect();
        assert_eq!(written.len(), 3 * 2);
        for text in written {
            assert_eq!(
                grassroots::output::csv::parse_seed(text),
                Some(seed),
                "{text}"
            );
            assert_eq!(*text, format!("0x{seed:016x}"));
        }
    }
    assert!(big, "some seed is beyond 2^53, where floats lose digits");
    assert_eq!(one_measure_encoding(&out), ["comparison.csv", "runs.csv"]);
}

#[test]
fn an_a_a_comparison_gives_intervals_that_cover_zero() {
    let (_t, dir) = temp();
    let out = dir.join("aa");
    ok(&[
        "compare",
        &data("aa.toml"),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let rows = csv_rows(&out.join("comparison.csv"));
    for r in rows.iter().filter(|r| r["variant"] == "placebo") {
        let (lo, hi) = (num(r, "diff_ci_low"), num(r, "diff_ci_high"));
        assert!(lo <= 0.0 && 0.0 <= hi, "{r:?}");
        assert_ne!(num(r, "diff"), 0.0, "independent streams differ");
        assert_eq!(
            r["paired_ci_low"], "",
            "no pairing without common random numbers"
        );
    }
}

#[test]
fn compare_is_identical_on_one_and_two_threads() {
    let (_t, dir) = temp();
    let a = dir.join("t1");
    let b = dir.join("t2");
    ok(&[
        "compare",
        &data("compare_small.toml"),
        "--threads",
        "1",
        "-q",
        "--out",
        a.to_str().unwrap(),
    ]);
    ok(&[
        "compare",
        &data("compare_small.toml"),
        "--threads",
        "2",
        "-q",
        "--out",
        b.to_str().unwrap(),
    ]);
    assert_eq!(results(&a), results(&b));
}

#[test]
fn shards_merged_equal_the_unsharded_study() {
    let (_t, dir) = temp();
    let whole = dir.join("whole");
    ok(&[
        "compare",
        &data("compare_small.toml"),
        "-q",
        "--out",
        whole.to_str().unwrap(),
    ]);
    let mut shards = Vec::new();
    for k in 1..=3 {
        let s = dir.join(format!("shard{k}"));
        let stdout = ok(&[
            "compare",
            &data("compare_small.toml"),
            "--shard",
            &format!("{k}/3"),
            "--out",
            s.to_str().unwrap(),
        ]);
        assert!(stdout.contains(&format!("shard {k}/3")), "{stdout}");
        assert!(
            !s.join("comparison.csv").exists(),
            "a shard writes runs only"
        );
        shards.push(s);
    }
    // Merging two of three shards is refused with a clear message.
    let partial = run(&[
        "merge",
        shards[0].to_str().unwrap(),
        shards[1].to_str().unwrap(),
        "--out",
        dir.join("partial").to_str().unwrap(),
    ]);
    assert_eq!(partial.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&partial.stderr).contains("runs are missing"));
    // A shard of another planning is refused, saying how it differs.
    let other = dir.join("other");
    ok(&[
        "compare",
        &data("compare_small.toml"),
        "--shard",
        "2/3",
        "--replicates",
        "5",
        "-q",
        "--out",
        other.to_str().unwrap(),
    ]);
    let mixed = run(&[
        "merge",
        shards[0].to_str().unwrap(),
        other.to_str().unwrap(),
        shards[2].to_str().unwrap(),
        "--out",
        dir.join("mixed").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&mixed.stderr);
    assert_eq!(mixed.status.code(), Some(2), "{err}");
    assert!(
        err.contains("hold different studies (4 replicates against 5: was each shard given the same --replicates?)"),
        "{err}"
    );
    // Another --seed: both sides named.
    let seeded = dir.join("seeded");
    ok(&[
        "compare",
        &data("compare_small.toml"),
        "--shard",
        "2/3",
        "--seed",
        "7",
        "-q",
        "--out",
        seeded.to_str().unwrap(),
    ]);
    let o = run(&[
        "merge",
        shards[0].to_str().unwrap(),
        seeded.to_str().unwrap(),
        "--out",
        dir.join("mixed2").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("holds no command-line overrides;")
            && err.contains("holds command-line overrides scenario.seed=7"),
        "{err}"
    );
    let merged = dir.join("merged");
    let args: Vec<&str> = ["merge"]
        .into_iter()
        .chain(shards.iter().map(|s| s.to_str().unwrap()))
        .chain(["--out", merged.to_str().unwrap(), "-q"])
        .collect();
    ok(&args);
    assert_eq!(results(&merged), results(&whole));
}

#[test]
fn a_killed_sweep_resumes_to_the_same_files() {
    let (_t, dir) = temp();
    let whole = dir.join("whole");
    ok(&[
        "sweep",
        &data("sweep_small.toml"),
        "-q",
        "--threads",
        "2",
        "--out",
        whole.to_str().unwrap(),
    ]);
    let rows = csv_rows(&whole.join("sweep_runs.csv"));
    assert_eq!(
        rows.len(),
        24 * 2 * 2 * 2,
        "one row per point, replicate, outcome and measure"
    );
    assert_eq!(rows[0]["supervision.mass_supervision"], "0.0");
    let summary = csv_rows(&whole.join("sweep_summary.csv"));
    assert_eq!(summary.len(), 24 * 2 * 2, "points × outcomes × measures");
    assert_eq!(
        one_measure_encoding(&whole),
        [
            "sensitivity.csv",
            "sweep_differences.csv",
            "sweep_runs.csv",
            "sweep_summary.csv"
        ]
    );
    let sens = csv_rows(&whole.join("sensitivity.csv"));
    let formal = sens
        .iter()
        .find(|r| {
            r["outcome"] == "formalism_index"
                && r["measure"] == "window"
                && r["parameter"] == "incentive.formal_weight"
        })
        .unwrap();
    assert!(
        num(formal, "spearman_rho") > 0.5 && num(formal, "src") > 0.5,
        "{formal:?}"
    );
    assert!(
        whole
            .join("charts/sweep_small_formalism_index.png")
            .is_file(),
        "a heatmap per outcome for a two-key grid"
    );

    let killed = dir.join("killed");
    let mut child = bin()
        .args([
            "sweep",
            &data("sweep_small.toml"),
            "-q",
            "--threads",
            "1",
            "--out",
            killed.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let stored = |d: &Path| {
        std::fs::read_dir(d.join("runs"))
            .map(|r| {
                r.filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .path()
                        .extension()
                        .is_some_and(|x| x == "csv")
                })
                .count()
            })
            .unwrap_or(0)
    };
    while stored(&killed) < 3 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done_before = stored(&killed);
    assert!(done_before >= 3);
    assert!(!killed.join("sweep_runs.csv").exists() || done_before == 48);
    let stdout = ok(&[
        "sweep",
        &data("sweep_small.toml"),
        "--threads",
        "2",
        "--out",
        killed.to_str().unwrap(),
    ]);
    assert!(
        stdout.contains(&format!("{} reused", done_before.min(48))),
        "{stdout}"
    );
    assert_eq!(results(&killed), results(&whole));
}

#[test]
fn uncertainty_reports_robustness_across_environments() {
    let (_t, dir) = temp();
    let out = dir.join("r");
    let stdout = ok(&[
        "compare",
        &data("robust_small.toml"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        stdout.contains("across 4 sampled environments")
            && stdout.lines().any(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                words.get(1) == Some(&"formalism_index")
                    && words[2..]
                        .join(" ")
                        .starts_with("better in 4 of 4, worse in 0; ")
            }),
        "{stdout}"
    );
    let envs = csv_rows(&out.join("environments.csv"));
    assert_eq!(envs.len(), 4);
    let rows = csv_rows(&out.join("robustness.csv"));
    let r = rows
        .iter()
        .find(|r| r["outcome"] == "formalism_index" && r["measure"] == "window")
        .unwrap();
    assert_eq!(num(r, "environments"), 4.0);
    assert_eq!(
        num(r, "share_better"),
        1.0,
        "less formalism in every environment: {r:?}"
    );
    assert_eq!(num(r, "share_worse"), 0.0);
    assert_eq!(num(r, "meaningful_difference"), 0.01, "the default");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("## Robustness across 4 sampled environments")
            && report.contains("| 4 of 4 | 0 |"),
        "{report}"
    );
    assert!(num(r, "max_diff") < 0.0);
    // The replicate noise of an environment's difference and the test of
    // the spread against it are there, and consistent with the spread.
    let noise = num(r, "replicate_noise_sd");
    let p = num(r, "heterogeneity_p");
    assert!(noise > 0.0 && (0.0..=1.0).contains(&p), "{r:?}");
    assert!(
        report.contains("varies by environment (p")
            || report.contains("spread within replicate noise (p"),
        "{report}"
    );
    assert_eq!(
        one_measure_encoding(&out),
        ["comparison.csv", "robustness.csv", "runs.csv"]
    );
    environments_are_the_unit(&out);
    // The page and the charts say the environment is the unit.
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        page.contains("t test across environments")
            && page.contains("paired by environment")
            && !page.contains("replicate <i>r</i> of a variant"),
        "the reading guide describes the test used"
    );
    let chart = std::fs::read_dir(out.join("charts"))
        .unwrap()
        .flatten()
        .find(|e| {
            e.file_name()
                .to_string_lossy()
                .ends_with("formalism_index.svg")
        })
        .unwrap();
    let svg = std::fs::read_to_string(chart.path()).unwrap();
    assert!(
        svg.contains("in each of 4 environments per variant")
            && svg.contains("across the 4 sampled"),
        "the series note counts the runs behind a line"
    );
    // --target-ci cannot narrow intervals across environments.
    let refused = run(&[
        "compare",
        &data("robust_small.toml"),
        "--target-ci",
        "5%",
        "--out",
        dir.join("t").to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("4 environments") && err.contains("[uncertainty] samples"),
        "{err}"
    );
    assert!(!dir.join("t").exists());
}

/// With `[uncertainty]` a comparison's statistics are over environments:
/// recomputed from `runs.csv`, each environment's mean over its replicates
/// is one observation of a level, and each environment's mean difference
/// one observation of a difference (t on n − 1 = 3 degrees of freedom).
fn environments_are_the_unit(out: &Path) {
    let runs = csv_rows(&out.join("runs.csv"));
    let env_mean = |variant: &str, env: &str| {
        let xs: Vec<f64> = runs
            .iter()
            .filter(|r| {
                r["variant"] == variant
                    && r["environment"] == env
                    && r["outcome"] == "satisfaction_mean"
                    && r["measure"] == "window"
            })
            .map(|r| num(r, "value"))
            .collect();
        assert_eq!(xs.len(), 2, "two replicates per environment");
        xs.iter().sum::<f64>() / 2.0
    };
    let envs = ["0", "1", "2", "3"];
    let t3 = 3.182_446_305_284_263; // t(0.975, 3)
    let mean_sd = |xs: &[f64]| {
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
        (m, v.sqrt())
    };
    let rows = csv_rows(&out.join("comparison.csv"));
    let base: Vec<f64> = envs.iter().map(|e| env_mean("baseline", e)).collect();
    let (m, sd) = mean_sd(&base);
    let b = row(&rows, "baseline", "satisfaction_mean", "window");
    assert_eq!(num(b, "n"), 4.0, "four environments, not eight runs");
    assert!((num(b, "mean") - m).abs() < 1e-12);
    assert!((num(b, "sd") - sd).abs() < 1e-12, "{b:?} {sd}");
    assert!((num(b, "ci_high") - (m + t3 * sd / 2.0)).abs() < 1e-9);
    let diffs: Vec<f64> = envs
        .iter()
        .zip(&base)
        .map(|(e, b)| env_mean("mass_evaluation", e) - b)
        .collect();
    let (d, sd) = mean_sd(&diffs);
    let v = row(&rows, "mass_evaluation", "satisfaction_mean", "window");
    assert_eq!(v["test"], "environments");
    assert!((num(v, "diff") - d).abs() < 1e-12);
    assert!((num(v, "paired_ci_low") - (d - t3 * sd / 2.0)).abs() < 1e-9);
    assert!((num(v, "paired_ci_high") - (d + t3 * sd / 2.0)).abs() < 1e-9);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("95 % CI across the 4 environments"),
        "{report}"
    );
    // summary.csv: the same unit, month by month.
    let summary = csv_rows(&out.join("summary.csv"));
    let month = summary
        .iter()
        .find(|r| {
            r["variant"] == "baseline" && r["month"] == "23" && r["metric"] == "satisfaction_mean"
        })
        .unwrap();
    assert_eq!(num(month, "n"), 4.0);
    // Its last month is the `final` measure.
    let last = row(&rows, "baseline", "satisfaction_mean", "final");
    for k in ["mean", "sd", "ci_low", "ci_high"] {
        assert!(
            (num(month, k) - num(last, k)).abs() < 1e-12,
            "{k}: {month:?} {last:?}"
        );
    }
}

#[test]
fn only_a_later_files_own_compare_section_is_noted_as_unused() {
    let (_t, dir) = temp();
    let text = "[scenario]\nname = \"a\"\nmonths = 12\nreplicates = 2\n[world]\nvillages = 3\nhouseholds_per_village = 30\nmembers_per_village = 6\n";
    let a = dir.join("a.toml");
    let b = dir.join("b.toml");
    let c = dir.join("c.toml");
    std::fs::write(
        &a,
        format!("{text}[compare]\noutcomes = [\"realised_service\"]\n"),
    )
    .unwrap();
    std::fs::write(&b, text.replace("\"a\"", "\"b\"")).unwrap();
    std::fs::write(
        &c,
        format!(
            "{}[compare]\noutcomes = [\"share_met\"]\n",
            text.replace("\"a\"", "\"c\"")
        ),
    )
    .unwrap();
    let out = dir.join("out");
    let o = run(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        c.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    // b has no [compare] of its own; c's is not used, and that is said.
    assert!(!err.contains("b.toml's [compare]"), "{err}");
    assert!(err.contains("c.toml's [compare] is not used"), "{err}");
}

#[test]
fn files_with_different_seeds_are_compared_unpaired() {
    let (_t, dir) = temp();
    let a = dir.join("a.toml");
    let b = dir.join("b.toml");
    let text = "[scenario]\nname = \"a\"\nseed = 1\nmonths = 12\nreplicates = 3\n[world]\nvillages = 3\nhouseholds_per_village = 30\nmembers_per_village = 6\n";
    std::fs::write(&a, text).unwrap();
    std::fs::write(
        &b,
        text.replace("\"a\"", "\"b\"")
            .replace("seed = 1", "seed = 2")
            .replace("replicates = 3", "replicates = 5"),
    )
    .unwrap();
    let out = dir.join("out");
    let o = run(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    // The second file's replicates are not used, and that is said.
    assert!(
        err.contains("b.toml's scenario.replicates = 5 is not used"),
        "{err}"
    );
    // Neither file has a `[compare]`: no section of b's goes unused.
    assert!(!err.contains("[compare]"), "{err}");
    let rows = csv_rows(&out.join("comparison.csv"));
    let tested: Vec<&str> = rows
        .iter()
        .filter(|r| r["variant"] == "b" && !r["test"].is_empty())
        .map(|r| r["test"].as_str())
        .collect();
    assert!(
        !tested.is_empty() && tested.iter().all(|t| *t == "welch"),
        "{tested:?}"
    );
    assert!(rows.iter().all(|r| r["paired_ci_low"].is_empty()));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["common_random_numbers"], true);
    assert_eq!(manifest["paired_runs"], false);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("- **Common random numbers:** asked for, but the files' seeds differ, so their runs are not paired"),
        "{report}"
    );
}

#[test]
fn target_ci_adds_replicates_until_reached_or_capped() {
    let (_t, dir) = temp();
    let loose = dir.join("loose");
    let o = run(&[
        "compare",
        &data("compare_small.toml"),
        "--target-ci",
        "1000000",
        "--out",
        loose.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let stdout = String::from_utf8_lossy(&o.stdout);
    // Met at once, but the rule never stops below 10 replicates: 4, 8, 16.
    assert!(
        stdout.contains("target reached") && stdout.contains("with 16 replicates"),
        "{stdout}"
    );
    // A number without % is one half-width for outcomes of any scale.
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("note: --target-ci 1000000 is a half-width in each outcome's own units")
            && stderr.contains("write 1000000% for a half-width relative"),
        "{stderr}"
    );
    let relative = dir.join("relative");
    let stdout = ok(&[
        "compare",
        &data("compare_small.toml"),
        "--target-ci",
        "1000%",
        "--out",
        relative.to_str().unwrap(),
    ]);
    assert!(
        stdout.contains("≤ 1000% of |mean| with 16 replicates"),
        "{stdout}"
    );
    let manifest = std::fs::read_to_string(relative.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"reached\": true"), "{manifest}");
    let tight = dir.join("tight");
    // A missed target is said even with -q, and kept in the manifest and
    // the reports.
    let o = run(&[
        "compare",
        &data("compare_small.toml"),
        "-q",
        "--target-ci",
        "0.000001",
        "--max-replicates",
        "8",
        "--out",
        tight.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("warning: replicate cap reached: 8 replicates"),
        "{stderr}"
    );
    let manifest = std::fs::read_to_string(tight.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"reached\": false"), "{manifest}");
    for page in ["report.md", "report.html"] {
        let text = std::fs::read_to_string(tight.join(page)).unwrap();
        assert!(
            text.contains("NOT reached: the cap of 8 replicates was hit"),
            "{page}"
        );
    }
    assert_eq!(csv_rows(&tight.join("runs.csv")).len(), 3 * 8 * 3 * 2);
    // The same as asking for 8 replicates directly.
    let direct = dir.join("direct");
    ok(&[
        "compare",
        &data("compare_small.toml"),
        "--replicates",
        "8",
        "-q",
        "--out",
        direct.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(tight.join("comparison.csv")).unwrap(),
        std::fs::read(direct.join("comparison.csv")).unwrap()
    );
    // A cap below the replicates the study starts with could add none, and
    // one replicate gives no interval: both refused before anything runs.
    for (cap, says) in [
        (
            "2",
            "--max-replicates 2 is below the 4 replicates the study starts with",
        ),
        ("1", "1 is not in 2..=100000"),
    ] {
        let out = dir.join(format!("cap{cap}"));
        let o = run(&[
            "compare",
            &data("compare_small.toml"),
            "--replicates",
            "4",
            "--target-ci",
            "1%",
            "--max-replicates",
            cap,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{err}");
        assert!(!out.exists());
    }
}

#[test]
fn the_memory_check_refuses_with_figures_and_leaves_nothing() {
    let (_t, dir) = temp();
    let out = dir.join("m");
    let o = run(&[
        "compare",
        &data("compare_small.toml"),
        "--max-memory",
        "0.000001",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("of memory but the limit is") && err.contains("--max-memory"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn study_input_errors_are_clear() {
    let (_t, dir) = temp();
    let o = run(&[
        "sweep",
        &data("compare_small.toml"),
        "--out",
        dir.join("x").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no [sweep] section"));
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[[variants]]\nname = \"v\"\n\"incentive.formal_weight\" = 1.5\n",
    )
    .unwrap();
    let o = run(&[
        "compare",
        bad.to_str().unwrap(),
        "--out",
        dir.join("y").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("bad.toml:3:29: incentive.formal_weight: 1.5 must be in [0, 1]")
    );
    assert!(!dir.join("y").exists());
    let o = run(&["compare", &data("compare_small.toml"), "--shard", "4/3"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_sweep_reports_every_point_and_the_best_and_worst_on_the_terminal_and_in_report_md() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_grassroots"))
        .args([
            "sweep",
            &data("sweep_small.toml"),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(" best ") && stdout.contains(" worst "),
        "{stdout}"
    );
    // Which ± is which: best − worst with the simultaneous interval.
    assert!(
        stdout.contains("(95 %, any pair: ± ") && stdout.contains("; one pre-chosen pair: ± "),
        "{stdout}"
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    let rows = csv_rows(&out.join("sweep_summary.csv"));
    let points: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["point"].as_str()).collect();
    for p in &points {
        assert!(
            report.contains(&format!("\n| {p} |")),
            "point {p} in report.md"
        );
    }
    assert!(report.contains("| outcome | best point | mean | worst point | mean |"));
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"report.md\""));
}

/// With shared seeds a sweep writes the noise in differences between points
/// (the point × replicate residual), per pair and for all pairs at once, and
/// best − worst paired by replicate and simultaneous, recomputed here from
/// `sweep_runs.csv`; without shared seeds it does not.
#[test]
fn a_sweep_on_shared_seeds_reports_differences_between_points_paired_by_replicate() {
    let (_t, dir) = temp();
    let out = dir.join("shared");
    ok(&[
        "sweep",
        &data("sweep_small.toml"),
        "-q",
        "--replicates",
        "3",
        "--set",
        "world.villages=4",
        "--out",
        out.to_str().unwrap(),
    ]);
    // value[(point, replicate)] of share_met over the window.
    let mut value: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for r in csv_rows(&out.join("sweep_runs.csv")) {
        if r["outcome"] == "share_met" && r["measure"] == "window" {
            let key = (r["point"].parse().unwrap(), r["replicate"].parse().unwrap());
            value.insert(key, r["value"].parse().unwrap());
        }
    }
    let (p, n) = (24usize, 3usize);
    assert_eq!(value.len(), p * n);
    let y = |i: usize, j: usize| value[&(i, j)];
    let point = |i: usize| (0..n).map(|j| y(i, j)).sum::<f64>() / n as f64;
    let replicate = |j: usize| (0..p).map(|i| y(i, j)).sum::<f64>() / p as f64;
    let grand = (0..p).map(point).sum::<f64>() / p as f64;
    let ss: f64 = (0..p)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .map(|(i, j)| (y(i, j) - point(i) - replicate(j) + grand).powi(2))
        .sum();
    let residual_sd = (ss / ((p - 1) * (n - 1)) as f64).sqrt();
    let rows = csv_rows(&out.join("sweep_differences.csv"));
    let row = rows
        .iter()
        .find(|r| r["outcome"] == "share_met" && r["measure"] == "window")
        .unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-12);
    let got = |k: &str| row[k].parse::<f64>().unwrap();
    assert!(
        close(got("residual_sd"), residual_sd),
        "{row:?} {residual_sd}"
    );
    // t(46 df) = 2.0129 for (24 − 1)(3 − 1) degrees of freedom.
    let half = got("difference_half_width") / (residual_sd * (2.0f64 / 3.0).sqrt());
    assert!((half - 2.0129).abs() < 1e-3, "{half}");
    // Best − worst: share_met is better larger.
    let (best, worst): (usize, usize) = (
        row["best_point"].parse().unwrap(),
        row["worst_point"].parse().unwrap(),
    );
    let maximum = (0..p).map(point).fold(f64::MIN, f64::max);
    let minimum = (0..p).map(point).fold(f64::MAX, f64::min);
    assert!(close(point(best), maximum) && close(point(worst), minimum));
    assert!(close(got("best_minus_worst"), maximum - minimum));
    let d: Vec<f64> = (0..n).map(|j| y(best, j) - y(worst, j)).collect();
    let sd = (d
        .iter()
        .map(|x| (x - (maximum - minimum)).powi(2))
        .sum::<f64>()
        / 2.0)
        .sqrt();
    // t(2 df) = 4.3027.
    let paired = 4.3027 * sd / 3f64.sqrt();
    assert!((got("ci_high") - got("ci_low") - 2.0 * paired).abs() < 1e-3 * paired);
    // Simultaneous (Tukey HSD) over all 24 points: q₀.₉₅(24, 46) = 5.46448
    // (scipy), 1.92 × the per-pair ±; best − worst ± it. New columns last.
    let q = got("simultaneous_half_width") / (residual_sd / 3f64.sqrt());
    assert!((q - 5.46448).abs() < 1e-4, "{q}");
    let tukey = got("simultaneous_half_width");
    assert!(close(
        got("simultaneous_low"),
        got("best_minus_worst") - tukey
    ));
    assert!(close(
        got("simultaneous_high"),
        got("best_minus_worst") + tukey
    ));
    let header = std::fs::read_to_string(out.join("sweep_differences.csv")).unwrap();
    assert!(
        header.starts_with("outcome,measure,replicates,residual_sd,difference_half_width,best_point,worst_point,best_minus_worst,ci_low,ci_high,simultaneous_half_width,simultaneous_low,simultaneous_high\n"),
        "{header}"
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains(
            "| best − worst [95 % simultaneous CI] | ± of any pair | ± of one pre-chosen pair |"
        ),
        "{report}"
    );
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        page.contains("best − worst [95 % simultaneous CI]")
            && page.contains("± of any pair")
            && page.contains("± of one pre-chosen pair"),
        "{page}"
    );
    // A directory written before the simultaneous columns still gets its
    // page, with the paired interval of that pair, named as such.
    let old = std::fs::read_to_string(out.join("sweep_differences.csv")).unwrap();
    let cut: String = old
        .lines()
        .map(|l| l.split(',').take(10).collect::<Vec<_>>().join(",") + "\n")
        .collect();
    std::fs::write(out.join("sweep_differences.csv"), cut).unwrap();
    ok(&["report", out.to_str().unwrap()]);
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        page.contains("best − worst [95 % CI of that pair alone]")
            && !page.contains("best − worst [95 % simultaneous CI]"),
        "{page}"
    );
    // Independent points: each point's own interval is the one to compare.
    let file = dir.join("independent.toml");
    let text = std::fs::read_to_string(data("sweep_small.toml")).unwrap();
    std::fs::write(
        &file,
        text.replace("[compare]\n", "[compare]\ncommon_random_numbers = false\n"),
    )
    .unwrap();
    let out = dir.join("independent");
    ok(&[
        "sweep",
        file.to_str().unwrap(),
        "-q",
        "--set",
        "world.villages=4",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!out.join("sweep_differences.csv").exists());
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(!report.contains("best − worst"), "{report}");
}

#[test]
fn a_set_of_a_key_the_study_varies_is_refused() {
    let (_t, dir) = temp();
    let cases = [
        (
            "sweep",
            "sweep_small.toml",
            "incentive.formal_weight=0.5",
            "[sweep]",
        ),
        (
            "compare",
            "compare_small.toml",
            "incentive.mass_evaluation_weight=0.1",
            "the variant `mass_evaluation` of [[variants]]",
        ),
        (
            "compare",
            "robust_small.toml",
            "migration.wage_ratio=2",
            "[uncertainty]",
        ),
    ];
    for (i, (command, file, set, section)) in cases.into_iter().enumerate() {
        let out = dir.join(i.to_string());
        let o = run(&[
            command,
            &data(file),
            "--set",
            set,
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{command} {file}: {err}");
        let key = set.split('=').next().unwrap();
        assert!(
            err.contains(&format!(
                "--set {key}=… fixes a parameter that {section} varies"
            )),
            "{err}"
        );
        assert!(!out.exists(), "nothing written for {command} {file}");
    }
}

#[test]
fn identical_variants_share_their_runs_and_say_so() {
    let (_t, dir) = temp();
    let file = dir.join("same.toml");
    // The variant sets the default: its runs are the baseline's.
    std::fs::write(
        &file,
        "[scenario]\nname = \"same\"\nmonths = 6\nreplicates = 2\n[world]\nvillages = 2\nhouseholds_per_village = 20\nmembers_per_village = 5\n[[variants]]\nname = \"default\"\n\"incentive.formal_weight\" = 0.6\n",
    )
    .unwrap();
    let stdout = ok(&[
        "compare",
        file.to_str().unwrap(),
        "--out",
        dir.join("o").to_str().unwrap(),
    ]);
    assert!(
        stdout.contains("4 runs (2 new, 0 reused from")
            && stdout.contains("2 the same as another run of the plan"),
        "{stdout}"
    );
}

#[test]
fn cost_effectiveness_across_environments_and_sets_that_erase_a_difference() {
    let (_t, dir) = temp();
    // Across environments, per_extra_cost rests on the reported interval of
    // the extra cost (paired by environment), as without [uncertainty].
    let out = dir.join("robust");
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/policy_robustness.toml");
    ok(&[
        "compare",
        file.to_str().unwrap(),
        "--set",
        "world.villages=4",
        "--replicates",
        "2",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let rows = csv_rows(&out.join("comparison.csv"));
    let cost = row(&rows, "mutual_help", "cost", "window");
    assert_eq!(cost["test"], "environments");
    assert!(num(cost, "paired_ci_low") > 0.0, "{cost:?}");
    let service = row(&rows, "mutual_help", "realised_service", "window");
    let expected = num(service, "diff") / num(cost, "diff");
    assert!(
        (num(service, "per_extra_cost") - expected).abs() < 1e-12,
        "{service:?}"
    );
    // A --set of a key on which files compared side by side differ would
    // make them alike under their names: refused, naming both values.
    let a = dir.join("fa.toml");
    let b = dir.join("fb.toml");
    let text = "[scenario]\nname = \"fa\"\nmonths = 6\nreplicates = 2\n[world]\nvillages = 2\nhouseholds_per_village = 20\nmembers_per_village = 5\n";
    std::fs::write(&a, text).unwrap();
    std::fs::write(
        &b,
        format!(
            "{}[incentive]\nformal_weight = 0.1\n",
            text.replace("fa", "fb")
        ),
    )
    .unwrap();
    let refused = run(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--set",
        "incentive.formal_weight=0.3",
        "--out",
        dir.join("ab").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(
        err.contains("fixes a parameter on which the files compared differ")
            && err.contains("has 0.1"),
        "{err}"
    );
    assert!(!dir.join("ab").exists());
    // A key they share may be set.
    ok(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--set",
        "effort.noise=0.3",
        "-q",
        "--out",
        dir.join("ab").to_str().unwrap(),
    ]);
}
