//! The files of a `run`: its tables, charts, report and manifest, written
//! into a directory (the staging directory of `ownership::StagedDir`).

use super::files::{self, AtomicFile, write_atomic};
use super::manifest::{self, RunInfo};
use super::{OutputError, chart, csv, report};
use crate::scenario::Scenario;
use crate::study::{MonthSummary, ReplicateRun};
use std::path::Path;

/// What a run's files are made from.
#[derive(Debug, Clone, Copy)]
pub struct RunOutput<'a> {
    /// The resolved scenario.
    pub scenario: &'a Scenario,
    /// Every replicate, with villages when `villages.csv` is wanted.
    pub runs: &'a [ReplicateRun],
    /// Summaries per month and metric.
    pub summaries: &'a [MonthSummary],
    /// Whether to write `villages.csv`.
    pub per_village: bool,
    /// Command-line overrides that change the question (`--set`, `--seed`),
    /// named in titles.
    pub question: &'a [(String, String)],
}

/// Write a run's files into `dir`: `timeseries.csv`, `summary.csv`,
/// `distributions.csv`, `villages.csv` (per village), the charts,
/// `report.md`, `report.html` and, last,
/// `manifest.json` (`info.files` is filled in). Returns the files written.
pub fn write(
    dir: &Path,
    out: RunOutput<'_>,
    mut info: RunInfo,
) -> Result<Vec<String>, OutputError> {
    let s = out.scenario;
    let mut tables: Vec<AtomicFile> = vec![
        files::write_csv(&dir.join("timeseries.csv"), |w| {
            csv::timeseries(w, out.runs)
        })?,
        files::write_csv(&dir.join("summary.csv"), |w| csv::summary(w, out.summaries))?,
        files::write_csv(&dir.join("distributions.csv"), |w| {
            csv::run_distributions(w, &s.scenario.name, out.runs)
        })?,
    ];
    if out.per_village {
        tables.push(files::write_csv(&dir.join("villages.csv"), |w| {
            csv::villages(w, out.runs, s.world.villages_per_township)
        })?);
    }
    let mut written = files::commit_all(dir, tables)?;
    // Charts are drawn from the files just written, the way `plot` redraws
    // them, so `plot` reproduces them exactly.
    let seeds: Vec<u64> = out.runs.iter().map(|r| r.seed).collect();
    let described = manifest::of_run(s, &info, &seeds);
    for drawn in super::plot::charts(dir, &described, &super::plot::PlotOptions::default())? {
        drawn.file.commit()?;
        written.push(drawn.name);
    }
    let window =
        crate::study::analysis::window_summaries(out.runs, crate::study::analysis::final_window(s));
    // The report's facts and title come from the manifest, as the page's do.
    let markdown = report::run_report(
        s,
        &described,
        out.summaries,
        &window,
        &chart::pngs(&written),
    );
    write_atomic(&dir.join("report.md"), markdown.as_bytes())?;
    written.push("report.md".into());
    written.push(super::html::REPORT_HTML.into());
    written.push("manifest.json".into());
    info.files = written.clone();
    let described = manifest::of_run(s, &info, &seeds);
    super::html::write(dir, &described)?;
    manifest::write(dir, &described)?;
    Ok(written)
}
