//! The charts of a `compare`: each outcome over months per variant, the
//! forest plot of differences from the baseline, and the dashboard.

use super::{
    AnyFigure, NO_INTERVAL, PlotOptions, Table, check_names, markers, overrides_note, read_series,
    scenario_name,
};
use crate::output::OutputError;
use crate::output::chart::dashboard::{Dashboard, Panel};
use crate::output::chart::forest::{Estimate, Forest, ForestPanel};
use crate::output::chart::timeseries::{Line, MAX_LINES_IN_ONE_PANEL, TimeSeries};
use crate::output::chart::{metric_axis, metric_bounds, metric_name, metric_unit};
use crate::output::report::count;
use serde_json::Value;
use std::path::Path;

/// The names of a study's variants (the baseline first), or of its outcomes.
fn names(manifest: &Value, key: &str) -> Vec<String> {
    manifest
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.get("name").and_then(Value::as_str).or(v.as_str()))
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// The figures of a comparison directory, with their file stems.
pub(super) fn figures(
    dir: &Path,
    manifest: &Value,
    options: &PlotOptions,
) -> Result<Vec<(String, AnyFigure)>, OutputError> {
    let variants = names(manifest, "variants");
    let outcomes = names(manifest, "outcomes");
    check_names(dir, "outcome", &options.metrics, &outcomes)?;
    check_names(dir, "variant", &options.variants, &variants)?;
    // The baseline is always drawn: a selection must name another variant.
    if let Some(chosen) = &options.variants
        && chosen.iter().all(|v| Some(v) == variants.first())
    {
        return Err(OutputError::Refused {
            path: dir.to_path_buf(),
            why: format!(
                "--variants names only the baseline, which is always drawn; name at least one of {}",
                variants
                    .iter()
                    .skip(1)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    let outcomes = options.metrics.clone().unwrap_or(outcomes);
    let shown: Vec<String> = variants
        .iter()
        .enumerate()
        .filter(|(i, v)| {
            *i == 0
                || options
                    .variants
                    .as_ref()
                    .is_none_or(|chosen| chosen.contains(v))
        })
        .map(|(_, v)| v.clone())
        .collect();
    let series = read_series(dir)?;
    let first = manifest
        .get("scenarios")
        .and_then(Value::as_array)
        .and_then(|s| s.first());
    let name = format!("{}{}", scenario_name(manifest), overrides_note(manifest));
    let replicates = manifest
        .get("replicates")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let environments = manifest
        .get("environments")
        .and_then(Value::as_array)
        .map_or(1, Vec::len);
    let across = if environments > 1 {
        format!("the {environments} sampled environments' means")
    } else {
        "replicates".into()
    };
    let period = super::sweep::window(manifest);
    let marks = markers(first);
    let runs = if environments > 1 {
        format!(
            "{} in each of {environments} environments",
            count(replicates, "replicate")
        )
    } else {
        count(replicates, "replicate")
    };
    // An interval needs two replicates, or with [uncertainty] two
    // environments.
    let sampled = manifest
        .get("environments")
        .and_then(Value::as_array)
        .is_some_and(|e| {
            e.iter()
                .any(|x| x.as_array().is_some_and(|a| !a.is_empty()))
        });
    let no_interval = if sampled {
        "a 95 % CI needs 2 environments or more"
    } else {
        NO_INTERVAL
    };
    let series_marks = if replicates < 2 && environments < 2 {
        format!("lines: one replicate per variant; no bands ({no_interval})")
    } else {
        format!("lines: mean of {runs} per variant; bands: 95 % CI of the mean across {across}")
    };
    let series_note = format!("{series_marks}; months from 0 as in the CSV files");
    // A variant's colour is that of its place in the study, in every chart.
    let index = |v: &str| variants.iter().position(|x| x == v).unwrap_or(0);
    let time_series = |outcome: &str, lines_of: &[String], title: String, y_label: String| {
        let lines = lines_of
            .iter()
            .filter_map(|v| {
                series
                    .get(&(v.clone(), outcome.to_string()))
                    .map(|points| Line {
                        label: v.clone(),
                        index: index(v),
                        points: points.clone(),
                    })
            })
            .collect();
        TimeSeries {
            title,
            x_label: "month".into(),
            y_label,
            lines,
            markers: marks.clone(),
            note: series_note.clone(),
            bounds: metric_bounds(outcome),
        }
    };
    let panels = forest_panels(dir, &outcomes, &shown, &variants)?;
    let mut figures: Vec<(String, AnyFigure)> = outcomes
        .iter()
        .map(|o| {
            let title = format!("{name} — {}", metric_name(o));
            let chart = time_series(o, &shown, title, metric_axis(o));
            (o.clone(), AnyFigure::Series(chart))
        })
        .collect();
    let rows = || panels.iter().flat_map(|p| &p.rows);
    let (tested, untested) = (
        rows().any(|r| r.ci.is_some()),
        rows().any(|r| r.ci.is_none()),
    );
    let baseline = variants.first().map_or("the baseline", String::as_str);
    let forest_note = if tested {
        format!(
            "points: difference from {baseline} in the mean of {period}; bars: {}95 % CI; filled: the CI excludes 0{}; labels: difference relative to the baseline",
            interval_words(&comparison_tests(dir)?).map_or(String::new(), |w| format!("{w} ")),
            if untested {
                "; hollow diamonds: not tested (no CI)"
            } else {
                ""
            }
        )
    } else {
        format!(
            "points (hollow diamonds): difference from {baseline} in the mean of {period}, not tested: no bars ({no_interval}); labels: difference relative to the baseline"
        )
    };
    if panels.iter().any(|p| !p.rows.is_empty()) {
        figures.push((
            "forest".into(),
            AnyFigure::Forest(Forest {
                title: format!("{name} — difference from the baseline, {period}"),
                panels: panels.clone(),
                note: forest_note.clone(),
            }),
        ));
    }
    figures.extend(super::distribution_figures(
        dir,
        &name,
        &shown,
        &variants,
        environments > 1,
    )?);
    // Dashboard: the first outcome over time (the baseline and the variants
    // that differ most), and the forest panels of the first three outcomes.
    if let Some(first_outcome) = outcomes.first() {
        let mut lines_of = shown.clone();
        let mut selection = String::new();
        if lines_of.len() > MAX_LINES_IN_ONE_PANEL {
            let mut ranked: Vec<(f64, String)> = panels
                .first()
                .map(|p| {
                    p.rows
                        .iter()
                        .map(|r| (r.relative.unwrap_or(r.value).abs(), r.label.clone()))
                        .collect()
                })
                .unwrap_or_default();
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
            lines_of = std::iter::once(shown[0].clone())
                .chain(
                    ranked
                        .into_iter()
                        .map(|(_, l)| l)
                        .take(MAX_LINES_IN_ONE_PANEL - 1),
                )
                .collect();
            selection = format!(
                "{} and the {} of {} variants that differ most from it in {} (relative difference over {period}); ",
                shown[0],
                lines_of.len() - 1,
                shown.len() - 1,
                metric_name(first_outcome)
            );
        }
        let mut dash = vec![Panel::Series(time_series(
            first_outcome,
            &lines_of,
            metric_name(first_outcome),
            metric_unit(first_outcome),
        ))];
        dash.extend(
            panels
                .iter()
                .filter(|p| !p.rows.is_empty())
                .take(3)
                .cloned()
                .map(Panel::Forest),
        );
        figures.push((
            "dashboard".into(),
            AnyFigure::Dashboard(Dashboard {
                title: format!(
                    "{name}: {} against {}",
                    count(shown.len().saturating_sub(1) as u64, "variant"),
                    shown[0]
                ),
                panels: dash,
                note: format!("first panel: {selection}{series_marks}; the others: {forest_note}"),
            }),
        ));
    }
    Ok(figures)
}

/// The tests of `comparison.csv`'s differences (its `test` column).
fn comparison_tests(dir: &Path) -> Result<std::collections::BTreeSet<String>, OutputError> {
    let table = Table::read(&dir.join("comparison.csv"))?;
    let Ok(test) = table.column("test") else {
        return Ok(Default::default());
    };
    Ok(table
        .rows()
        .iter()
        .map(|r| r[test].clone())
        .filter(|t| !t.is_empty())
        .collect())
}

/// The intervals of a forest chart in words, from the tests behind them;
/// `None` when `comparison.csv` names none (nothing tested, or a file
/// without a `test` column).
fn interval_words(tests: &std::collections::BTreeSet<String>) -> Option<&'static str> {
    if tests.contains("environments") {
        Some("across environments (paired by environment)")
    } else if tests.contains("paired") {
        Some("paired (common random numbers)")
    } else if tests.is_empty() {
        None
    } else {
        Some("Welch")
    }
}

/// One forest panel per outcome, from `comparison.csv`: each shown variant's
/// difference from the baseline over the final window, with its paired CI
/// where the study used common random numbers, coloured by its place in
/// the study's `variants`.
fn forest_panels(
    dir: &Path,
    outcomes: &[String],
    shown: &[String],
    variants: &[String],
) -> Result<Vec<ForestPanel>, OutputError> {
    let table = Table::read(&dir.join("comparison.csv"))?;
    let c = |name: &str| table.column(name);
    let (variant, outcome, measure, mean) =
        (c("variant")?, c("outcome")?, c("measure")?, c("mean")?);
    let (diff, lo, hi) = (c("diff")?, c("diff_ci_low")?, c("diff_ci_high")?);
    let (plo, phi) = (c("paired_ci_low")?, c("paired_ci_high")?);
    let mut panels = Vec::new();
    for o in outcomes {
        let rows: Vec<&Vec<String>> = table
            .rows()
            .iter()
            .filter(|r| r[outcome] == *o && r[measure] == "window")
            .collect();
        let baseline = rows
            .iter()
            .find(|r| Some(&r[variant]) == shown.first())
            .map(|r| table.number(r, mean))
            .transpose()?
            .flatten();
        let mut estimates = Vec::new();
        for r in rows.iter().filter(|r| Some(&r[variant]) != shown.first()) {
            if !shown.contains(&r[variant]) {
                continue;
            }
            let Some(d) = table.number(r, diff)? else {
                continue;
            };
            let paired = (table.number(r, plo)?, table.number(r, phi)?);
            let welch = (table.number(r, lo)?, table.number(r, hi)?);
            let ci = match (paired, welch) {
                ((Some(l), Some(h)), _) | (_, (Some(l), Some(h))) => Some((l, h)),
                _ => None,
            };
            estimates.push(Estimate {
                label: r[variant].clone(),
                index: variants.iter().position(|v| *v == r[variant]).unwrap_or(0),
                value: d,
                ci,
                relative: baseline.filter(|b| *b != 0.0).map(|b| d / b.abs()),
            });
        }
        let unit = metric_unit(o);
        panels.push(
            ForestPanel {
                title: metric_name(o),
                axis: if unit.is_empty() {
                    "difference".into()
                } else {
                    format!("difference ({unit})")
                },
                rows: estimates,
            }
            .sorted(),
        );
    }
    Ok(panels)
}
