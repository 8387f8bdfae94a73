//! Readings people expect (issue 14, item 5): `run` reports month 0, the
//! final month and the final window (the last assessment period), and
//! `[compare] burn_in_policy = "baseline"` burns every variant in under the
//! status quo so that month 0 reads alike in every variant.

mod common;

use common::{csv_rows, data, ok, run, temp};
use std::collections::BTreeMap;
use std::path::Path;

/// Mean of `metric` at `month` for `variant` in a comparison's summary.csv.
fn at(rows: &[BTreeMap<String, String>], variant: &str, metric: &str, month: u32) -> f64 {
    rows.iter()
        .find(|r| {
            r["variant"] == variant && r["metric"] == metric && r["month"] == month.to_string()
        })
        .map(|r| r["mean"].parse().unwrap())
        .unwrap()
}

#[test]
fn run_reports_the_final_window_beside_month_0_and_the_final_month() {
    let (_t, dir) = temp();
    let out = dir.join("r");
    let stdout = ok(&[
        "run",
        &data("compare_small.toml"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        stdout.contains("month 0") && stdout.contains("final month (23)"),
        "{stdout}"
    );
    assert!(stdout.contains("last 12 months"), "{stdout}");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("| metric | unit | month 0 | final month (23) | last 12 months |"),
        "{report}"
    );
    // The window column is the mean over months 12–23 (each replicate's mean,
    // then their mean = the mean of the monthly means).
    let summary = csv_rows(&out.join("summary.csv"));
    let cost: f64 = (12..24)
        .map(|m| {
            summary
                .iter()
                .find(|r| r["metric"] == "cost" && r["month"] == m.to_string())
                .map(|r| r["mean"].parse::<f64>().unwrap())
                .unwrap()
        })
        .sum::<f64>()
        / 12.0;
    let shown = grassroots::output::report::sig4(cost);
    let line = report
        .lines()
        .find(|l| l.starts_with("| `cost` |"))
        .unwrap();
    assert!(
        line.split('|').nth(5).unwrap().trim().starts_with(&shown),
        "window mean of cost {shown} in {line}"
    );
    // Month 23 is an assessment month: its cost is not the window's.
    let final_cost = line.split('|').nth(4).unwrap().trim();
    assert!(!final_cost.starts_with(&shown), "{line}");
}

fn write_study(dir: &Path, policy: Option<&str>) -> String {
    let base = std::fs::read_to_string(data("compare_small.toml")).unwrap();
    let mut text = base.replace("months = 24\n", "months = 24\nburn_in_months = 12\n");
    if let Some(p) = policy {
        text = text.replace(
            "window_months = 6\n",
            &format!("window_months = 6\nburn_in_policy = \"{p}\"\n"),
        );
    }
    let path = dir.join(format!("study_{}.toml", policy.unwrap_or("default")));
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn a_baseline_burn_in_makes_month_0_read_the_status_quo_in_every_variant() {
    let (_t, dir) = temp();
    let mut gap = BTreeMap::new();
    for policy in [None, Some("variant"), Some("baseline")] {
        let file = write_study(&dir, policy);
        let out = dir.join(format!("out_{}", policy.unwrap_or("default")));
        ok(&["compare", &file, "-q", "--out", out.to_str().unwrap()]);
        let summary = csv_rows(&out.join("summary.csv"));
        let diff = |m| {
            at(&summary, "mass_evaluation", "formalism_index", m)
                - at(&summary, "baseline", "formalism_index", m)
        };
        gap.insert(policy.unwrap_or("default"), (diff(0), diff(23)));
        let plan: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
        assert_eq!(plan["burn_in_policy"], policy.unwrap_or("variant"));
    }
    let (default, variant, baseline) = (gap["default"], gap["variant"], gap["baseline"]);
    assert_eq!(default, variant, "\"variant\" is the default");
    // Burnt in under its own policy, the reform has already cut formalism at
    // month 0; burnt in under the status quo, month 0 reads alike ...
    assert!(variant.0 < -0.1, "{variant:?}");
    assert!(baseline.0.abs() < variant.0.abs() / 10.0, "{baseline:?}");
    // ... and the reform takes effect from month 0 on.
    assert!(baseline.1 < -0.1, "{baseline:?}");
}

#[test]
fn a_baseline_burn_in_keeps_set_up_keys_in_the_set_up() {
    let (_t, dir) = temp();
    let file = write_study(&dir, Some("baseline"));
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("\n[[variants]]\nname = \"richer\"\n\"environment.market_development\" = 0.9\n");
    std::fs::write(&file, text).unwrap();
    let out = dir.join("out");
    ok(&["compare", &file, "-q", "--out", out.to_str().unwrap()]);
    let summary = csv_rows(&out.join("summary.csv"));
    // The initial market development is read only at set-up: as a change at
    // month 0 it would do nothing, so it stays in the set-up and the richer
    // county differs from month 0 on.
    let gap = |m| {
        at(&summary, "richer", "realised_service", m)
            - at(&summary, "baseline", "realised_service", m)
    };
    assert!(
        gap(0).abs() > 1e-6 && gap(23).abs() > 1e-6,
        "{} {}",
        gap(0),
        gap(23)
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["burn_in_policy"], "baseline");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("burn_in_policy = \"baseline\""), "{report}");
}

#[test]
fn a_bad_burn_in_policy_names_the_key_and_the_choices() {
    let (_t, dir) = temp();
    let file = write_study(&dir, Some("status_quo"));
    let o = run(&[
        "compare",
        &file,
        "-q",
        "--out",
        dir.join("x").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("compare.burn_in_policy")
            && err.contains("\"variant\"")
            && err.contains("\"baseline\""),
        "{err}"
    );
    assert!(!dir.join("x").exists(), "nothing written");
}
