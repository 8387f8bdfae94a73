//! The recipes of `docs/analysis.md` run, and reproduce the README's table.
//!
//! The test runs the commands of the page's `sh` block in a temporary
//! directory (the studies with fewer replicates and months; the baseline run
//! as shipped, since the README's table is computed from it), then runs every
//! ```` ```python ```` block of the page, in order, as one script, and every
//! ```` ```r ```` block as one R script, and checks that each reproduces the
//! README's row of the baseline and draws its chart. The page itself is what
//! is tested: there is no second copy of the recipes.
//!
//! Python needs pandas and matplotlib, R needs readr, dplyr, tidyr, ggplot2
//! and jsonlite. Without them a language is skipped with the reason printed,
//! unless `GRASSROOTS_REQUIRE_PYTHON=1` or `GRASSROOTS_REQUIRE_R=1` (set by
//! `.ci/run` once it has installed them), which makes skipping a failure.

mod common;

use common::{available, bin, optional, temp};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn analysis_md() -> String {
    std::fs::read_to_string(root().join("docs/analysis.md")).unwrap()
}

/// The fenced code blocks of `doc` in language `lang`, in order.
fn blocks(doc: &str, lang: &str) -> Vec<String> {
    let open = format!("```{lang}");
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        match &mut current {
            None if line.trim_end() == open => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_end() == "```" => out.push(current.take().unwrap()),
            Some(text) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    assert!(current.is_none(), "an unclosed ```{lang} block");
    out
}

/// The commands of the page's `sh` block: the arguments after `grassroots`
/// and the output directory named in the comment.
fn commands(doc: &str) -> Vec<(Vec<String>, String)> {
    let sh = blocks(doc, "sh");
    assert_eq!(sh.len(), 1, "docs/analysis.md has one sh block");
    sh[0]
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (command, comment) = line
                .split_once('#')
                .unwrap_or_else(|| panic!("no `# output/...` comment: {line}"));
            let words: Vec<String> = command.split_whitespace().map(String::from).collect();
            assert_eq!(words[0], "grassroots", "{line}");
            let out = comment.trim().trim_end_matches('/').to_string();
            assert!(out.starts_with("output/"), "{line}");
            (words[1..].to_vec(), out)
        })
        .collect()
}

/// Run the page's commands in `dir`, each into the directory its comment
/// names (which must be the command's default). Studies run with 2
/// replicates (1 across environments) and 36 months to keep this fast.
fn make_outputs(dir: &Path, doc: &str) {
    for (args, out) in commands(doc) {
        let mut full: Vec<String> = args
            .iter()
            .map(|a| {
                if a.starts_with("scenarios/") {
                    root().join(a).display().to_string()
                } else {
                    a.clone()
                }
            })
            .collect();
        let study = args[0] != "run";
        if study {
            let replicates = if args[1].contains("robustness") {
                "1"
            } else {
                "2"
            };
            full.extend(
                ["--replicates", replicates, "--set", "scenario.months=36"].map(String::from),
            );
        }
        full.extend(["-q", "--out", &out].map(String::from));
        let o = bin().args(&full).current_dir(dir).output().unwrap();
        assert!(
            o.status.success(),
            "grassroots {full:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        if !study {
            // The directory in the comment is where the command writes
            // without --out.
            let scenario = Path::new(&args[1]).file_stem().unwrap().to_string_lossy();
            assert_eq!(out, format!("output/{scenario}"));
        }
    }
}

/// The README's table of final-year means: scenario → the six numbers as
/// printed.
fn readme_table() -> Vec<(String, Vec<String>)> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let header = "| scenario | realised service | share met | satisfaction | formalism | coverage | capacity |";
    let start = readme
        .find(header)
        .expect("the README's table of final-year means");
    readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_string())
                .collect();
            (cells[0].clone(), cells[1..].to_vec())
        })
        .collect()
}

/// Check a table written by a recipe (`scenario` first, then the README's
/// six columns) against the README, to the README's printed precision.
fn check_against_readme(path: &Path, language: &str) {
    let mut reader = csv::Reader::from_path(path)
        .unwrap_or_else(|e| panic!("{language}: the README table recipe wrote no table ({e})"));
    let header = reader.headers().unwrap().clone();
    assert_eq!(
        header.iter().skip(1).collect::<Vec<_>>(),
        [
            "realised service",
            "share met",
            "satisfaction",
            "formalism",
            "coverage",
            "capacity"
        ],
        "{language}"
    );
    let readme = readme_table();
    let mut checked = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let (_, printed) = readme
            .iter()
            .find(|(name, _)| name == &record[0])
            .unwrap_or_else(|| panic!("{language}: {} is not in the README table", &record[0]));
        for (i, shown) in printed.iter().enumerate() {
            let value: f64 = record[i + 1].parse().unwrap();
            let decimals = shown.split_once('.').map_or(0, |(_, d)| d.len());
            let half_unit = 0.5 * 10f64.powi(-(decimals as i32));
            assert!(
                (value - shown.parse::<f64>().unwrap()).abs() <= half_unit + 1e-12,
                "{language}: {} {}: recipe {value}, README {shown}",
                &record[0],
                &header[i + 1]
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 1,
        "{language}: the README table recipe found no run"
    );
}

/// Run `script` (the page's blocks of one language plus `epilogue`) with
/// `program` in `dir`.
fn run_recipes(dir: &Path, program: &str, file: &str, script: String) {
    std::fs::write(dir.join(file), script).unwrap();
    let o = Command::new(program)
        .arg(file)
        .current_dir(dir)
        .env("MPLBACKEND", "Agg")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{program} {file} (the recipes of docs/analysis.md) failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn the_page_has_recipes_in_both_languages_for_every_output_file() {
    let doc = analysis_md();
    let python = blocks(&doc, "python").join("\n");
    let r = blocks(&doc, "r").join("\n");
    for file in [
        "timeseries.csv",
        "summary.csv",
        "distributions.csv",
        "villages.csv",
        "manifest.json",
        "comparison.csv",
        "runs.csv",
        "robustness.csv",
        "environments.csv",
        "sweep_runs.csv",
        "sweep_summary.csv",
        "sweep_differences.csv",
        "sensitivity.csv",
    ] {
        assert!(python.contains(file), "no Python recipe reads {file}");
        assert!(r.contains(file), "no R recipe reads {file}");
    }
    assert_eq!(commands(&doc).len(), 4);
}

#[test]
fn the_recipes_of_docs_analysis_md_run_and_reproduce_the_readme_table() {
    let python = optional(
        "docs/analysis.md Python recipes",
        "GRASSROOTS_REQUIRE_PYTHON",
        available("python3", &["-c", "import pandas, matplotlib"]),
    );
    let r = optional(
        "docs/analysis.md R recipes",
        "GRASSROOTS_REQUIRE_R",
        available(
            "Rscript",
            &[
                "-e",
                "for (p in c('readr', 'dplyr', 'tidyr', 'ggplot2', 'jsonlite')) library(p, character.only = TRUE)",
            ],
        ),
    );
    if !python && !r {
        return;
    }
    let doc = analysis_md();
    let (_t, dir) = temp();
    make_outputs(&dir, &doc);
    if python {
        let script = blocks(&doc, "python").join("\n")
            + "\ntable.to_csv(\"readme_table_python.csv\", index_label=\"scenario\")\n";
        run_recipes(&dir, "python3", "recipes.py", script);
        check_against_readme(&dir.join("readme_table_python.csv"), "Python");
        assert!(
            std::fs::metadata(dir.join("output/share_met.png"))
                .unwrap()
                .len()
                > 10_000
        );
    }
    if r {
        let script = blocks(&doc, "r").join("\n") + "\nwrite_csv(table, \"readme_table_r.csv\")\n";
        run_recipes(&dir, "Rscript", "recipes.R", script);
        check_against_readme(&dir.join("readme_table_r.csv"), "R");
        assert!(
            std::fs::metadata(dir.join("output/share_met_r.png"))
                .unwrap()
                .len()
                > 5_000
        );
    }
}
