//! The charts of a `sweep`, from `sweep_summary.csv`, `sensitivity.csv` and
//! the manifest: a heatmap per outcome over a complete grid of two keys, a
//! line per outcome over one key, and for any other design scatter plots of
//! each outcome against each key and a tornado chart of the sensitivity
//! coefficients.

use super::{
    AnyFigure, NO_INTERVAL, PlotOptions, Table, check_names, overrides_note, scenario_name,
};
use crate::output::OutputError;
use crate::output::chart::sweep::{
    Bar, Cell, Heatmap, LinePoint, Scatter, ScatterPanel, SweepFigure, SweepLine, Tornado,
    TornadoPanel, decimals_of, parameter_name,
};
use crate::output::chart::{metric_axis, metric_name, tick_label};
use crate::output::report::count;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// A string list of the manifest.
pub(super) fn strings(manifest: &Value, key: &str) -> Vec<String> {
    manifest
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// The name of the study's scenario (not the folder's `X_sweep`), with the
/// command-line overrides.
pub(super) fn scenario_title(manifest: &Value) -> String {
    format!("{}{}", scenario_name(manifest), overrides_note(manifest))
}

/// "months 48–59": the window the study's outcomes are averaged over
/// ("month 0" when it is one month).
pub(super) fn window(manifest: &Value) -> String {
    let months = manifest.get("months").and_then(Value::as_u64).unwrap_or(0);
    let window = manifest
        .get("window_months")
        .and_then(Value::as_u64)
        .unwrap_or(1)
        .clamp(1, months.max(1));
    let (first, last) = (months.saturating_sub(window), months.saturating_sub(1));
    if first == last {
        format!("month {first}")
    } else {
        format!("months {first}–{last}")
    }
}

/// Refuse `--variants`, which only a comparison has.
pub(super) fn no_variants(
    dir: &Path,
    options: &PlotOptions,
    kind: &str,
) -> Result<(), OutputError> {
    if options.variants.is_some() {
        return Err(OutputError::Refused {
            path: dir.to_path_buf(),
            why: format!(
                "holds a {kind}, which has no variants to choose; variants are chosen in comparisons"
            ),
        });
    }
    Ok(())
}

/// A point's window mean of an outcome and its 95 % CI.
#[derive(Debug, Clone, Copy)]
struct Mean {
    mean: f64,
    lo: f64,
    hi: f64,
    defined_ci: bool,
}

/// `sweep_summary.csv`: the points (their key values, in file order) and
/// the window mean of each (point, outcome).
struct Summary {
    points: Vec<Vec<String>>,
    means: HashMap<(usize, String), Mean>,
}

fn read_summary(dir: &Path, keys: &[String]) -> Result<Summary, OutputError> {
    let table = Table::read(&dir.join("sweep_summary.csv"))?;
    let point = table.column("point")?;
    let key_cols: Vec<usize> = keys
        .iter()
        .map(|k| table.column(k))
        .collect::<Result<_, _>>()?;
    let (outcome, measure) = (table.column("outcome")?, table.column("measure")?);
    let (mean, lo, hi) = (
        table.column("mean")?,
        table.column("ci_low")?,
        table.column("ci_high")?,
    );
    let mut names: Vec<String> = Vec::new();
    let mut points: Vec<Vec<String>> = Vec::new();
    let mut means = HashMap::new();
    for row in table.rows() {
        let p = match names.iter().position(|n| *n == row[point]) {
            Some(p) => p,
            None => {
                names.push(row[point].clone());
                points.push(key_cols.iter().map(|&c| row[c].clone()).collect());
                names.len() - 1
            }
        };
        if row[measure] != "window" {
            continue;
        }
        let Some(m) = table.number(row, mean)? else {
            continue;
        };
        let (l, h) = (table.number(row, lo)?, table.number(row, hi)?);
        means.insert(
            (p, row[outcome].clone()),
            Mean {
                mean: m,
                lo: l.unwrap_or(m),
                hi: h.unwrap_or(m),
                defined_ci: l.is_some() && h.is_some(),
            },
        );
    }
    Ok(Summary { points, means })
}

/// A swept value as a number, the way `sensitivity.csv` reads it (booleans
/// as 0 and 1).
/// A heatmap's colours span its cell means: where a cell is typically off by
/// more than half that span, say that much of the pattern is noise. How far
/// a cell is off relative to the others is its own ± when points ran on
/// seeds of their own; when they shared seeds it is the point × replicate
/// noise (`difference`: the ± of a difference between any two cells, all
/// pairs at once, from `sweep_differences.csv`, ÷ √2), usually much less,
/// and the note says so.
fn noise_caution(cells: &[Vec<Option<Cell>>], difference: Option<f64>) -> String {
    let means: Vec<f64> = cells.iter().flatten().flatten().map(|c| c.mean).collect();
    let mut widths: Vec<f64> = cells
        .iter()
        .flatten()
        .flatten()
        .filter_map(|c| c.half_width)
        .filter(|w| w.is_finite())
        .collect();
    widths.sort_by(f64::total_cmp);
    let span = means.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        - means.iter().copied().fold(f64::INFINITY, f64::min);
    let sig4 = crate::output::report::sig4;
    if let Some(d) = difference.filter(|d| d.is_finite()) {
        let off = d / std::f64::consts::SQRT_2;
        let shared = format!(
            "; all cells ran on the same seeds, so any two cells' difference is known to ± {} (95 %, all pairs at once)",
            sig4(d)
        );
        return if span.is_finite() && off > span / 2.0 {
            format!(
                "{shared}, while the colours span {}: much of the pattern is replicate noise",
                sig4(span)
            )
        } else {
            shared
        };
    }
    match widths.get(widths.len() / 2) {
        Some(&typical) if span.is_finite() && typical > span / 2.0 => format!(
            "; the colours span {} while a cell's ± is typically {}: much of the pattern is replicate noise",
            sig4(span),
            sig4(typical)
        ),
        _ => String::new(),
    }
}

/// `sweep_differences.csv`'s ± of a difference between any two points over
/// the window (all pairs at once), by outcome: only for a sweep whose points
/// shared seeds (an older study's directory may not have the file or the
/// column; then nothing).
fn read_differences(dir: &Path, manifest: &Value) -> Result<HashMap<String, f64>, OutputError> {
    let path = dir.join("sweep_differences.csv");
    let shared = manifest.get("paired_runs").and_then(Value::as_bool) == Some(true);
    if !shared || !path.is_file() {
        return Ok(HashMap::new());
    }
    let table = Table::read(&path)?;
    let Ok(half) = table.column("simultaneous_half_width") else {
        return Ok(HashMap::new());
    };
    let (outcome, measure) = (table.column("outcome")?, table.column("measure")?);
    let mut out = HashMap::new();
    for row in table.rows().iter().filter(|r| r[measure] == "window") {
        if let Some(h) = table.number(row, half)? {
            out.insert(row[outcome].clone(), h);
        }
    }
    Ok(out)
}

fn numeric(v: &str) -> Option<f64> {
    match v {
        "true" => Some(1.0),
        "false" => Some(0.0),
        v => v.parse().ok(),
    }
}

/// The distinct values of key `i` over the points: sorted when they are
/// numbers (with their labels written alike), else in order of appearance.
fn axis_values(points: &[Vec<String>], i: usize) -> (Vec<String>, Vec<String>) {
    let mut values: Vec<String> = Vec::new();
    for p in points {
        if !values.contains(&p[i]) {
            values.push(p[i].clone());
        }
    }
    let numbers: Option<Vec<f64>> = values.iter().map(|v| v.parse::<f64>().ok()).collect();
    match numbers {
        Some(xs) => {
            let mut order: Vec<usize> = (0..values.len()).collect();
            order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
            let d = decimals_of(&xs);
            (
                order.iter().map(|&k| values[k].clone()).collect(),
                order.iter().map(|&k| tick_label(xs[k], d)).collect(),
            )
        }
        None => (values.clone(), values),
    }
}

/// The figures of a sweep directory, with their file stems.
pub(super) fn figures(
    dir: &Path,
    manifest: &Value,
    options: &PlotOptions,
) -> Result<Vec<(String, AnyFigure)>, OutputError> {
    no_variants(dir, options, "sweep")?;
    let keys = strings(manifest, "parameters");
    let all_outcomes = strings(manifest, "outcomes");
    check_names(dir, "outcome", &options.metrics, &all_outcomes)?;
    let outcomes = options.metrics.clone().unwrap_or(all_outcomes);
    let summary = read_summary(dir, &keys)?;
    let title = scenario_title(manifest);
    let period = window(manifest);
    let replicates = manifest
        .get("replicates")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    // "across 2 replicates", but "from 1 replicate".
    let across = if replicates == 1 {
        "from 1 replicate".to_string()
    } else {
        format!("across {}", count(replicates, "replicate"))
    };
    let n = summary.points.len();
    let figure = |f: SweepFigure| AnyFigure::Sweep(f);
    let mut figures = Vec::new();
    if keys.len() == 1 {
        let differences = read_differences(dir, manifest)?;
        let (values, labels) = axis_values(&summary.points, 0);
        let xs: Option<Vec<f64>> = values.iter().map(|v| v.parse::<f64>().ok()).collect();
        for o in &outcomes {
            let points: Vec<LinePoint> = values
                .iter()
                .enumerate()
                .filter_map(|(k, v)| {
                    let p = summary.points.iter().position(|p| p[0] == *v)?;
                    let m = summary.means.get(&(p, o.clone()))?;
                    Some(LinePoint {
                        x: xs.as_ref().map_or(k as f64, |xs| xs[k]),
                        label: labels[k].clone(),
                        mean: m.mean,
                        lo: m.lo,
                        hi: m.hi,
                    })
                })
                .collect();
            if points.is_empty() {
                continue;
            }
            let shape = if xs.is_some() { "band" } else { "bars" };
            let interval = if points.iter().all(|p| p.lo == p.hi) && replicates < 2 {
                format!("no {shape} ({NO_INTERVAL})")
            } else {
                format!("{shape}: 95 % CI of the mean")
            };
            figures.push((
                o.clone(),
                figure(SweepFigure::Line(SweepLine {
                    title: format!("{title} — {}", metric_name(o)),
                    x_label: parameter_name(&keys[0]),
                    y_label: metric_axis(o),
                    points,
                    categorical: xs.is_none(),
                    note: format!(
                        "markers: mean of {period} at each sweep point {across}; {interval}{}",
                        differences.get(o).map_or_else(String::new, |d| format!(
                            "; all points ran on the same seeds, so any two points' difference is known to ± {} (95 %, all pairs at once)",
                            crate::output::report::sig4(*d)
                        ))
                    ),
                })),
            ));
        }
        return Ok(figures);
    }
    if keys.len() == 2 {
        let (rows, row_labels) = axis_values(&summary.points, 0);
        let (columns, column_labels) = axis_values(&summary.points, 1);
        let complete = rows.len() * columns.len() == n
            && rows.iter().all(|r| {
                columns
                    .iter()
                    .all(|c| summary.points.iter().any(|p| p[0] == *r && p[1] == *c))
            });
        if complete {
            let differences = read_differences(dir, manifest)?;
            for o in &outcomes {
                let cells: Vec<Vec<Option<Cell>>> = rows
                    .iter()
                    .map(|r| {
                        columns
                            .iter()
                            .map(|c| {
                                let p = summary
                                    .points
                                    .iter()
                                    .position(|p| p[0] == *r && p[1] == *c)?;
                                let m = summary.means.get(&(p, o.clone()))?;
                                Some(Cell {
                                    mean: m.mean,
                                    half_width: m.defined_ci.then(|| (m.hi - m.lo) / 2.0),
                                })
                            })
                            .collect()
                    })
                    .collect();
                let caution = noise_caution(&cells, differences.get(o).copied());
                let interval = if cells
                    .iter()
                    .flatten()
                    .flatten()
                    .any(|c| c.half_width.is_some())
                {
                    "below it (±): half-width of its 95 % CI".to_string()
                } else {
                    format!("no ± below it ({NO_INTERVAL})")
                };
                figures.push((
                    o.clone(),
                    figure(SweepFigure::Heatmap(Heatmap {
                        title: format!("{title} — {}", metric_name(o)),
                        x_label: parameter_name(&keys[1]),
                        y_label: parameter_name(&keys[0]),
                        columns: column_labels.clone(),
                        rows: row_labels.clone(),
                        cells,
                        value_label: metric_axis(o),
                        note: format!(
                            "cells: mean of {period} at each grid point {across}; {interval}{caution}"
                        ),
                    })),
                ));
            }
            return Ok(figures);
        }
    }
    // Any other design: each outcome against each numeric key, and the
    // sensitivity coefficients (written for three points or more).
    let numeric_keys: Vec<(usize, Vec<f64>)> = (0..keys.len())
        .filter_map(|i| {
            let xs: Option<Vec<f64>> = summary.points.iter().map(|p| numeric(&p[i])).collect();
            xs.map(|xs| (i, xs))
        })
        .collect();
    if numeric_keys.is_empty() {
        return Ok(figures);
    }
    let coefficients = if n >= 3 {
        read_sensitivity(dir)?
    } else {
        HashMap::new()
    };
    for o in &outcomes {
        let panels: Vec<ScatterPanel> = numeric_keys
            .iter()
            .map(|(i, xs)| ScatterPanel {
                x_label: parameter_name(&keys[*i]),
                statistic: coefficients
                    .get(&(o.clone(), keys[*i].clone()))
                    .and_then(|c| c.rho)
                    .map(|r| format!("ρ = {}", tick_label(r, 2)))
                    .unwrap_or_default(),
                points: xs
                    .iter()
                    .enumerate()
                    .filter_map(|(p, x)| Some((*x, summary.means.get(&(p, o.clone()))?.mean)))
                    .collect(),
            })
            .collect();
        if panels.iter().all(|p| p.points.is_empty()) {
            continue;
        }
        let rho = if coefficients.is_empty() {
            String::new()
        } else {
            "; ρ: Spearman rank correlation of the point means with the key".into()
        };
        figures.push((
            o.clone(),
            figure(SweepFigure::Scatter(Scatter {
                title: format!("{title} — {}", metric_name(o)),
                y_label: metric_axis(o),
                panels,
                note: format!(
                    "points: mean of {period} at each of the {n} sweep points {across}{rho}"
                ),
            })),
        ));
    }
    if !coefficients.is_empty() {
        figures.push((
            "tornado".into(),
            figure(SweepFigure::Tornado(tornado(
                &title,
                &period,
                &outcomes,
                &keys,
                &numeric_keys,
                &coefficients,
            ))),
        ));
    }
    Ok(figures)
}

/// The coefficients of one (outcome, key) in `sensitivity.csv`.
#[derive(Debug, Clone, Copy)]
struct Coefficients {
    rho: Option<f64>,
    src: Option<f64>,
    r2: Option<f64>,
}

/// The window rows of `sensitivity.csv`, by (outcome, key).
fn read_sensitivity(dir: &Path) -> Result<HashMap<(String, String), Coefficients>, OutputError> {
    let table = Table::read(&dir.join("sensitivity.csv"))?;
    let c = |name: &str| table.column(name);
    let (outcome, measure, parameter) = (c("outcome")?, c("measure")?, c("parameter")?);
    let (rho, src, r2) = (c("spearman_rho")?, c("src")?, c("r2")?);
    let mut out = HashMap::new();
    for row in table.rows().iter().filter(|r| r[measure] == "window") {
        out.insert(
            (row[outcome].clone(), row[parameter].clone()),
            Coefficients {
                rho: table.number(row, rho)?,
                src: table.number(row, src)?,
                r2: table.number(row, r2)?,
            },
        );
    }
    Ok(out)
}

/// The tornado chart: per outcome, each key's standardised regression
/// coefficient (or, where the linear model could not be fitted, its
/// Spearman correlation), sorted by magnitude.
fn tornado(
    title: &str,
    period: &str,
    outcomes: &[String],
    keys: &[String],
    numeric_keys: &[(usize, Vec<f64>)],
    coefficients: &HashMap<(String, String), Coefficients>,
) -> Tornado {
    let get = |o: &String, i: usize| coefficients.get(&(o.clone(), keys[i].clone())).copied();
    // A linear model for every outcome (a key constant over the points has
    // no coefficient in it, and no bar).
    let fitted = outcomes.iter().all(|o| {
        numeric_keys
            .iter()
            .any(|(i, _)| get(o, *i).is_some_and(|c| c.r2.is_some()))
    });
    let panels = outcomes
        .iter()
        .map(|o| {
            let r2 = numeric_keys
                .iter()
                .find_map(|(i, _)| get(o, *i).and_then(|c| c.r2));
            let bars = numeric_keys
                .iter()
                .map(|(i, _)| {
                    let c = get(o, *i);
                    let rho = c.and_then(|c| c.rho);
                    Bar {
                        label: parameter_name(&keys[*i]),
                        value: if fitted {
                            c.and_then(|c| c.src).unwrap_or(f64::NAN)
                        } else {
                            rho.unwrap_or(f64::NAN)
                        },
                        marker: if fitted { rho } else { None },
                    }
                })
                .collect();
            TornadoPanel {
                title: match r2.filter(|_| fitted) {
                    Some(r2) => format!("{} (R² = {})", metric_name(o), tick_label(r2, 2)),
                    None => metric_name(o),
                },
                bars,
            }
            .sorted()
        })
        .collect();
    if fitted {
        // Keys without a coefficient: constant over the points.
        let constant: Vec<String> = numeric_keys
            .iter()
            .filter(|(i, _)| {
                outcomes
                    .iter()
                    .all(|o| get(o, *i).is_none_or(|c| c.src.is_none()))
            })
            .map(|(i, _)| parameter_name(&keys[*i]))
            .collect();
        let constant = if constant.is_empty() {
            String::new()
        } else {
            format!(
                "; no bar: {} (the same at every point, so left out of the model)",
                constant.join(", ")
            )
        };
        Tornado {
            title: format!("{title} — sensitivity to the swept keys"),
            axis: "standardised regression coefficient".into(),
            marker_label: "Spearman's rank correlation ρ".into(),
            panels,
            note: format!(
                "bars: coefficients of a linear model of the point means of {period} on all swept keys, each variable in units of its standard deviation (the change in the outcome, in SDs, per SD of the key); R²: the variance the model explains (low: non-linear effects or interactions, see the scatter plots){constant}; from sensitivity.csv"
            ),
        }
    } else {
        Tornado {
            title: format!("{title} — sensitivity to the swept keys"),
            axis: "Spearman's rank correlation ρ with the key".into(),
            marker_label: String::new(),
            panels,
            note: format!(
                "bars: Spearman rank correlation of the point means of {period} with each swept key (too few points for a linear model on all keys); from sensitivity.csv"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(mean: f64, half_width: f64) -> Option<Cell> {
        Some(Cell {
            mean,
            half_width: Some(half_width),
        })
    }

    #[test]
    fn a_heatmap_of_noise_says_so() {
        // Means 0.10–0.11, intervals ±0.01: the pattern is noise.
        let noisy = vec![
            vec![cell(0.10, 0.01), cell(0.11, 0.012)],
            vec![cell(0.105, 0.01), None],
        ];
        assert!(noise_caution(&noisy, None).contains("much of the pattern is replicate noise"));
        // The same cells on shared seeds: differences known to ± 0.002.
        let paired = noise_caution(&noisy, Some(0.002));
        assert!(
            paired.contains("known to ± 0.002") && !paired.contains("noise"),
            "{paired}"
        );
        // ... or to ± 0.02: the pattern is noise after all.
        assert!(
            noise_caution(&noisy, Some(0.02)).contains("much of the pattern is replicate noise")
        );
        // Means 0.2–0.6, intervals ±0.01: the pattern is real.
        let clear = vec![vec![cell(0.2, 0.01), cell(0.6, 0.01)]];
        assert_eq!(noise_caution(&clear, None), "");
        // Without intervals (one replicate) nothing is said.
        let bare = vec![vec![Some(Cell {
            mean: 0.1,
            half_width: None,
        })]];
        assert_eq!(noise_caution(&bare, None), "");
    }
}
