//! The charts of a `run`: each charted metric over months, and the
//! dashboard.

use super::{
    AnyFigure, NO_INTERVAL, PlotOptions, check_names, markers, overrides_note, read_series, text,
};
use crate::metrics::{Role, with_role};
use crate::output::OutputError;
use crate::output::chart::dashboard::{Dashboard, Panel};
use crate::output::chart::timeseries::{Line, TimeSeries};
use crate::output::chart::{metric_axis, metric_bounds, metric_name, metric_unit};
use crate::output::report::count;
use serde_json::Value;
use std::path::Path;

/// The figures of a run directory, with their file stems.
pub(super) fn figures(
    dir: &Path,
    manifest: &Value,
    options: &PlotOptions,
) -> Result<Vec<(String, AnyFigure)>, OutputError> {
    let series = read_series(dir)?;
    let mut available: Vec<String> = crate::metrics::names()
        .filter(|m| series.contains_key(&(String::new(), m.to_string())))
        .map(String::from)
        .collect();
    available.dedup();
    check_names(dir, "metric", &options.metrics, &available)?;
    if options.variants.is_some() {
        return Err(OutputError::Refused {
            path: dir.to_path_buf(),
            why:
                "holds one run, which has no variants; --variants selects variants of a comparison"
                    .into(),
        });
    }
    let metrics: Vec<String> = match &options.metrics {
        Some(m) => m.clone(),
        None => with_role(Role::Charted)
            .into_iter()
            .map(String::from)
            .filter(|m| available.contains(m))
            .collect(),
    };
    let name = format!("{}{}", text(manifest, "name"), overrides_note(manifest));
    let replicates = manifest
        .get("replicates")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let note = if replicates < 2 {
        format!(
            "line: one replicate's values; no band ({NO_INTERVAL}); months counted from 0 as in the CSV files"
        )
    } else {
        format!(
            "line: mean of {}; band: 95 % CI of the mean across replicates; months counted from 0 as in the CSV files",
            count(replicates, "replicate")
        )
    };
    let marks = markers(manifest.get("scenario"));
    let chart = |metric: &str, title: String| TimeSeries {
        title,
        x_label: "month".into(),
        y_label: metric_axis(metric),
        lines: vec![Line {
            label: name.clone(),
            index: 0,
            points: series[&(String::new(), metric.to_string())].clone(),
        }],
        markers: marks.clone(),
        note: note.clone(),
        bounds: metric_bounds(metric),
    };
    let mut figures: Vec<(String, AnyFigure)> = metrics
        .iter()
        .map(|m| {
            let title = format!("{name} — {}", metric_name(m));
            (m.clone(), AnyFigure::Series(chart(m, title)))
        })
        .collect();
    let panels: Vec<Panel> = metrics
        .iter()
        .take(4)
        .map(|m| {
            let mut panel = chart(m, metric_name(m));
            panel.y_label = metric_unit(m);
            Panel::Series(panel)
        })
        .collect();
    figures.extend(super::distribution_figures(dir, &name, &[], &[], false)?);
    if !panels.is_empty() {
        figures.push((
            "dashboard".into(),
            AnyFigure::Dashboard(Dashboard {
                title: name.clone(),
                panels,
                note,
            }),
        ));
    }
    Ok(figures)
}
