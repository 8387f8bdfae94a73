//! Tidy CSV tables: `timeseries.csv` (one row per replicate and month, one
//! column per metric) and `summary.csv` (one row per month and metric).

use super::OutputError;
use crate::experiment::{MonthSummary, ReplicateRun};
use std::path::Path;

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> OutputError + '_ {
    move |e| OutputError::Csv {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// A number as CSV text: shortest round-trip form, empty when missing.
pub fn number(x: Option<f64>) -> String {
    match x {
        Some(x) if x.is_finite() => format!("{x}"),
        _ => String::new(),
    }
}

/// The `mean, sd, ci_low, ci_high` cells of a summary.
pub fn summary_cells(s: &crate::stats::Summary) -> [String; 4] {
    [
        number(Some(s.mean)),
        number(s.sd),
        number(s.ci_low),
        number(s.ci_high),
    ]
}

/// Write `timeseries.csv`: columns `replicate, seed, month,` then every metric.
pub fn write_timeseries(path: &Path, runs: &[ReplicateRun]) -> Result<(), OutputError> {
    let mut w = csv::Writer::from_path(path).map_err(csv_err(path))?;
    let mut header = vec!["replicate", "seed", "month"];
    header.extend(crate::metrics::names());
    w.write_record(&header).map_err(csv_err(path))?;
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for run in runs {
        for (month, values) in run.months.iter().enumerate() {
            row.clear();
            row.push(run.replicate.to_string());
            row.push(run.seed.to_string());
            row.push(month.to_string());
            row.extend(values.iter().map(|&x| number(Some(x))));
            w.write_record(&row).map_err(csv_err(path))?;
        }
    }
    w.flush().map_err(|e| super::io_err(path)(e))
}

/// Write `villages.csv`: columns `replicate, seed, month, village, township,`
/// then every metric — one row per replicate, month and village.
pub fn write_villages(
    path: &Path,
    runs: &[ReplicateRun],
    villages_per_township: u32,
) -> Result<(), OutputError> {
    let mut w = csv::Writer::from_path(path).map_err(csv_err(path))?;
    let mut header = vec!["replicate", "seed", "month", "village", "township"];
    header.extend(crate::metrics::names());
    w.write_record(&header).map_err(csv_err(path))?;
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for run in runs {
        let per_month = run.villages.len() / run.months.len().max(1);
        for (i, values) in run.villages.iter().enumerate() {
            let (month, village) = (i / per_month.max(1), (i % per_month.max(1)) as u32);
            row.clear();
            row.push(run.replicate.to_string());
            row.push(run.seed.to_string());
            row.push(month.to_string());
            row.push(village.to_string());
            row.push((village / villages_per_township.max(1)).to_string());
            row.extend(values.iter().map(|&x| number(Some(x))));
            w.write_record(&row).map_err(csv_err(path))?;
        }
    }
    w.flush().map_err(|e| super::io_err(path)(e))
}

/// Write `summary.csv`: `month, metric, mean, sd, ci_low, ci_high, n`.
pub fn write_summary(path: &Path, rows: &[MonthSummary]) -> Result<(), OutputError> {
    let mut w = csv::Writer::from_path(path).map_err(csv_err(path))?;
    w.write_record(["month", "metric", "mean", "sd", "ci_low", "ci_high", "n"])
        .map_err(csv_err(path))?;
    for r in rows {
        let head = [r.month.to_string(), r.metric.to_string()];
        let tail = [r.summary.n.to_string()];
        w.write_record(head.iter().chain(&summary_cells(&r.summary)).chain(&tail))
            .map_err(csv_err(path))?;
    }
    w.flush().map_err(|e| super::io_err(path)(e))
}
