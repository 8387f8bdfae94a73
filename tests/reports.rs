//! What `report.md` and `report.html` say of a run's or study's provenance,
//! the same in both and for every kind of output.

mod common;

use common::{data, ok, temp};
use std::path::Path;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap()
}

/// `--replicates` sizes a run or study; it is not an override of its
/// question, for any kind: not in the manifest's `overrides`, report.md's
/// title or report.html's overrides, and the replicates are in the size.
#[test]
fn replicates_are_a_size_not_an_override_for_every_kind() {
    let (_t, dir) = temp();
    let cases = [
        ("run", "small.toml"),
        ("compare", "compare_small.toml"),
        ("sweep", "sweep_line_small.toml"),
    ];
    for (command, file) in cases {
        let out = dir.join(command);
        ok(&[
            command,
            &data(file),
            "-q",
            "--set",
            "world.villages=3",
            "--replicates",
            "2",
            "--out",
            out.to_str().unwrap(),
        ]);
        let m = manifest(&out);
        assert_eq!(
            m["overrides"],
            serde_json::json!(["world.villages=3"]),
            "{command}"
        );
        assert_eq!(m["replicates"], 2, "{command}");
        let line = m["command_line"].to_string();
        assert!(line.contains("\"--replicates\",\"2\""), "{command}: {line}");
        let md = read(&out.join("report.md"));
        let title = md.lines().next().unwrap();
        assert!(
            title.ends_with(" (with world.villages=3)"),
            "{command}: {title}"
        );
        assert!(!md.contains("scenario.replicates"), "{command}: {md}");
        let page = read(&out.join("report.html"));
        assert!(
            page.contains("<dt>Command-line overrides</dt><dd><code>world.villages=3</code></dd>"),
            "{command}"
        );
        assert!(!page.contains("scenario.replicates"), "{command}");
        assert!(page.contains("2 replicates"), "{command}");
    }
}

/// The facts of `dir`'s manifest as report.md lists them and report.html's
/// definition list shows them: both, and the same; and the title of both.
fn facts_in_both(dir: &Path, what: &str) -> String {
    let m = manifest(dir);
    let md = read(&dir.join("report.md"));
    let listed = grassroots::output::report::provenance_md(&m);
    assert!(
        md.contains(&listed),
        "{what}: report.md lacks\n{listed}\n{md}"
    );
    let page = read(&dir.join("report.html"));
    // One title: report.md's first line names what report.html's <h1>
    // (and the charts) name, the scenario, not the output directory.
    let h1 = &page[page.find("<h1>").unwrap() + 4..page.find("</h1>").unwrap()];
    let title = md.lines().next().unwrap();
    assert!(
        title.starts_with("# ")
            && title.contains(h1)
            && !title.contains(&format!("{h1}_"))
            && (m["name"] == h1 || !title.contains(m["name"].as_str().unwrap())),
        "{what}: report.md's title {title:?}, report.html's {h1:?}"
    );
    for fact in grassroots::output::report::provenance(&m) {
        let term = format!("<dt>{}</dt><dd>", fact.term);
        assert!(page.contains(&term), "{what}: report.html lacks {term}");
    }
    md
}

/// Every report.md states where its results come from, as report.html
/// does: scenario and file, size, households, seed, window, policy changes,
/// command-line overrides, model version and tool; a run's table gives each
/// metric's unit.
#[test]
fn every_report_md_states_its_provenance_and_report_html_the_same() {
    let (_t, dir) = temp();
    let model = format!("- **Model version:** `{}`", grassroots::model_identity());
    let changes = "- **Policy changes:** from month 12: `incentive.formal_weight = 0.1`, `incentive.mass_evaluation_weight = 0.6`";
    let set = ["--set", "world.villages=3", "--replicates", "2"];

    let run = dir.join("run");
    let reform = data("reform_small.toml");
    let out = run.to_str().unwrap();
    let mut args = vec!["run", &reform, "-q", "--out", out];
    args.extend(set);
    ok(&args);
    let md = facts_in_both(&run, "run");
    for fact in [
        "- **Scenario:** `reform_small`",
        &format!("- **Scenario file:** `{reform}`"),
        "- **Size:** 2 replicates × 24 months × 3 villages",
        "- **Households per village:** 30",
        "- **Seed:** 5",
        "- **Window:** means over the last 12 months (months 12–23)",
        changes,
        "- **Command-line overrides:** `world.villages=3`",
        &model,
        "- **Tool:** grassroots ",
    ] {
        assert!(md.contains(fact), "run: {fact}\n{md}");
    }
    assert!(
        md.contains("| metric | unit | month 0 | final month (23) | last 12 months |"),
        "{md}"
    );
    let unit = grassroots::metrics::metric("cost").unwrap().unit;
    assert!(md.contains(&format!("| `cost` | {unit} | ")), "{md}");

    let compare = dir.join("compare");
    let out = compare.to_str().unwrap();
    let mut args = vec!["compare", &reform, "-q", "--out", out];
    args.extend(set);
    ok(&args);
    let md = facts_in_both(&compare, "compare");
    for fact in [
        "- **Size:** 7 arms (baseline + 6 variants) × 2 replicates each × 24 months × 3 villages",
        "- **Seed:** 5",
        "- **Window:** means over the last 6 months (months 18–23)",
        "- **Common random numbers:** yes",
        &format!("{changes} (in every variant)"),
        &model,
    ] {
        assert!(md.contains(fact), "compare: {fact}\n{md}");
    }

    let sweep = dir.join("sweep");
    let line = data("sweep_line_small.toml");
    let out = sweep.to_str().unwrap();
    let mut args = vec!["sweep", &line, "-q", "--out", out];
    args.extend(set);
    ok(&args);
    let md = facts_in_both(&sweep, "sweep");
    for fact in [
        "- **Size:** 7 points × 2 replicates each × 24 months × 3 villages",
        "- **Households per village:** 40",
        "- **Seed:** 13",
        "- **Swept keys:** `incentive.formal_weight`",
        "- **Policy changes:** none",
        &model,
    ] {
        assert!(md.contains(fact), "sweep: {fact}\n{md}");
    }

    let sensitivity = dir.join("sensitivity");
    let small = data("sensitivity_small.toml");
    let out = sensitivity.to_str().unwrap();
    ok(&[
        "sensitivity",
        &small,
        "-q",
        "--out",
        out,
        "--set",
        "world.villages=3",
    ]);
    let md = facts_in_both(&sensitivity, "sensitivity");
    for fact in ["- **Seed:** 5", &model] {
        assert!(md.contains(fact), "sensitivity: {fact}\n{md}");
    }
}

/// `compare baseline.toml my_reform.toml`: report.html is headed by the
/// comparison (the study's name, `baseline_vs_my_reform`), not by the
/// baseline, and its lead — report.md's too — names both scenarios with
/// their descriptions; the policy changes are said per file.
#[test]
fn a_comparison_of_two_files_is_named_by_both() {
    let (_t, dir) = temp();
    std::fs::write(
        dir.join("baseline.toml"),
        "[scenario]\nname = \"baseline\"\ndescription = \"Status quo.\"\nseed = 3\nmonths = 24\nreplicates = 2\n\n[world]\nvillages = 3\nhouseholds_per_village = 30\nmembers_per_village = 6\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("my_reform.toml"),
        "[scenario]\nbase = \"baseline.toml\"\nname = \"my_reform\"\ndescription = \"Mass evaluation from month 12\"\n\n[[changes]]\nmonth = 12\n\"incentive.formal_weight\" = 0.10\n\"incentive.mass_evaluation_weight\" = 0.6\n",
    )
    .unwrap();
    let out = dir.join("out");
    ok(&[
        "compare",
        dir.join("baseline.toml").to_str().unwrap(),
        dir.join("my_reform.toml").to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(manifest(&out)["name"], "baseline_vs_my_reform_compare");
    let page = read(&out.join("report.html"));
    assert!(page.contains("<h1>baseline_vs_my_reform</h1>"), "{page}");
    let lead = "Compares <code>baseline</code> (the baseline: Status quo) with <code>my_reform</code> (Mass evaluation from month 12).";
    assert!(
        page.contains(&format!("<p class=\"lead\">{lead}</p>")),
        "{page}"
    );
    let md = facts_in_both(&out, "compare of two files");
    assert!(
        md.contains("\n\nCompares `baseline` (the baseline: Status quo) with `my_reform` (Mass evaluation from month 12).\n\n"),
        "{md}"
    );
    assert!(
        md.contains("- **Scenarios:** `baseline`, `my_reform`\n"),
        "{md}"
    );
    assert!(
        md.contains("- **Policy changes:** `baseline`: none — `my_reform`: from month 12: `incentive.formal_weight = 0.1`, `incentive.mass_evaluation_weight = 0.6`\n"),
        "{md}"
    );
    // The parameter table is the baseline's: it says the changes differ.
    assert!(page.contains("They differ between the variants"), "{page}");
}

/// A comparison's report.md has one small table per outcome — variant,
/// mean [95 % CI], difference [CI] with its mark, relative difference, p and
/// p (Holm) — with the values of comparison.csv's `window` rows, the
/// baseline's CI included; no wide table of every outcome side by side.
#[test]
fn a_comparison_report_md_has_one_table_per_outcome_as_comparison_csv() {
    use grassroots::output::report::{p_text, percent_with_ci, sig4};
    let (_t, dir) = temp();
    let out = dir.join("out");
    ok(&[
        "compare",
        &data("compare_small.toml"),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let md = read(&out.join("report.md"));
    let rows = common::csv_rows(&out.join("comparison.csv"));
    let num = |r: &std::collections::BTreeMap<String, String>, k: &str| -> Option<f64> {
        r[k].parse::<f64>().ok()
    };
    let outcomes = ["formalism_index", "satisfaction_mean", "realised_service"];
    for outcome in outcomes {
        let unit = grassroots::metrics::metric(outcome).unwrap().unit;
        let heading = format!("### `{outcome}` ({unit})\n");
        let at = md
            .find(&heading)
            .unwrap_or_else(|| panic!("{heading} in\n{md}"));
        let table: Vec<&str> = md[at..]
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .collect();
        assert_eq!(
            table[0],
            "| variant | mean [95 % CI] | difference [paired 95 % CI] | relative difference [95 %] | p | p (Holm) |"
        );
        let window: Vec<_> = rows
            .iter()
            .filter(|r| r["outcome"] == outcome && r["measure"] == "window")
            .collect();
        assert_eq!(table.len(), 2 + window.len(), "{outcome}: {table:?}");
        for (r, line) in window.iter().zip(&table[2..]) {
            let mean = format!(
                "{} [{}, {}]",
                sig4(num(r, "mean").unwrap()),
                sig4(num(r, "ci_low").unwrap()),
                sig4(num(r, "ci_high").unwrap())
            );
            let expected = if r["variant"] == "baseline" {
                format!("| baseline | {mean} | — | — |  |  |")
            } else {
                assert_eq!(r["test"], "paired", "{r:?}");
                let (lo, hi) = (
                    num(r, "paired_ci_low").unwrap(),
                    num(r, "paired_ci_high").unwrap(),
                );
                let star = if lo > 0.0 || hi < 0.0 { " *" } else { "" };
                let percent = |k: &str| num(r, k).map(|x| x / 100.0);
                format!(
                    "| {} | {mean} | {} [{}, {}]{star} | {} | {} | {} |",
                    r["variant"],
                    sig4(num(r, "diff").unwrap()),
                    sig4(lo),
                    sig4(hi),
                    percent_with_ci(
                        percent("diff_percent"),
                        percent("diff_percent_low").zip(percent("diff_percent_high"))
                    ),
                    p_text(num(r, "p_value")),
                    p_text(num(r, "p_holm"))
                )
            };
            assert_eq!(*line, expected, "{outcome}");
        }
    }
    // The mass-evaluation variant lowers formalism, marked.
    assert!(md.contains("| mass_evaluation | "), "{md}");
    let widest = md
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| l.chars().count())
        .max()
        .unwrap();
    assert!(widest < 160, "a table line of {widest} characters");
}

/// report.html's parameter table shows a value and its default alike
/// (`0.1` beside `0.1`, not `0.10`; `scenario`, not `"scenario"`), so a row
/// is highlighted exactly when the two read differently.
#[test]
fn report_html_shows_values_and_defaults_alike() {
    let (_t, dir) = temp();
    let out = dir.join("out");
    ok(&[
        "run",
        &data("small.toml"),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let page = read(&out.join("report.html"));
    let table = &page[page.find("<table class=\"params\">").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let mut rows = 0;
    for row in table
        .lines()
        .filter(|l| l.starts_with("<tr") && l.contains("<td>"))
    {
        let cells: Vec<&str> = row
            .split("<td>")
            .skip(1)
            .map(|c| c.split("</td>").next().unwrap())
            .collect();
        let (value, default) = (cells[1], cells[2]);
        if default.is_empty() {
            continue;
        }
        rows += 1;
        assert_eq!(
            row.starts_with("<tr class=\"set\">"),
            value != default,
            "highlighted exactly when value and default differ: {row}"
        );
        assert!(
            !default.starts_with("<code>&quot;") || default == "<code>&quot;&quot;</code>",
            "{row}"
        );
        assert!(
            !default.ends_with("0</code>") || !default.contains('.'),
            "no trailing zeros: {row}"
        );
    }
    assert!(rows > 100, "{rows} rows");
    for shown in [
        "<td><code>name</code></td><td><code>small</code></td><td><code>scenario</code></td>",
        "<td><code>share_business</code></td><td><code>0.1</code></td><td><code>0.1</code></td>",
        "<td><code>households_per_village</code></td><td><code>{ uniform = [20, 40] }</code></td><td><code>150</code></td>",
    ] {
        assert!(table.contains(shown), "{shown}");
    }
}
