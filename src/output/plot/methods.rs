//! The charts of a sensitivity analysis (from `indices.csv`: a μ*–σ plot or
//! Sobol bars per quantity) and of a calibration (from `posterior.csv`,
//! `posterior_summary.csv` and `generations.csv`: the pairwise posterior).

use super::sweep::{no_variants, scenario_title, strings, window};
use super::{AnyFigure, PlotOptions, Table, check_names};
use crate::output::OutputError;
use crate::output::chart::methods::{MethodFigure, Morris, MorrisPoint, Pairs, Sobol, SobolBar};
use crate::output::chart::metric_name;
use crate::output::chart::metric_unit;
use crate::output::chart::sweep::parameter_name;
use crate::output::report::count;
use serde_json::Value;
use std::path::Path;

/// File stem of a quantity's chart: `morris_OUTCOME` or
/// `sobol_OUTCOME_effect_of_POLICY`.
pub fn stem(method: &str, outcome: &str, policy: &str) -> String {
    if policy.is_empty() {
        format!("{method}_{outcome}")
    } else {
        format!("{method}_{outcome}_effect_of_{policy}")
    }
}

/// " (unit)", or nothing for a metric without one.
fn in_unit(outcome: &str) -> String {
    let unit = metric_unit(outcome);
    if unit.is_empty() {
        String::new()
    } else {
        format!(" ({unit})")
    }
}

/// The figures of a sensitivity directory, with their file stems.
pub(super) fn sensitivity(
    dir: &Path,
    manifest: &Value,
    options: &PlotOptions,
) -> Result<Vec<(String, AnyFigure)>, OutputError> {
    no_variants(dir, options, "sensitivity analysis")?;
    check_names(
        dir,
        "outcome",
        &options.metrics,
        &strings(manifest, "outcomes"),
    )?;
    let table = Table::read(&dir.join("indices.csv"))?;
    let c = |name: &str| table.column(name);
    let (outcome, policy, parameter) = (c("outcome")?, c("policy")?, c("parameter")?);
    let morris = table.column("mu_star").is_ok();
    // Quantities (outcome, policy) in file order, each with its rows.
    type Rows<'a> = Vec<&'a Vec<String>>;
    let mut quantities: Vec<((String, String), Rows)> = Vec::new();
    for row in table.rows() {
        let q = (row[outcome].clone(), row[policy].clone());
        match quantities.iter_mut().find(|(k, _)| *k == q) {
            Some((_, rows)) => rows.push(row),
            None => quantities.push((q, vec![row])),
        }
    }
    let title = scenario_title(manifest);
    let period = window(manifest);
    let n = |row: &Vec<String>, col: usize| -> Result<f64, OutputError> {
        Ok(table.number(row, col)?.unwrap_or(f64::NAN))
    };
    let mut figures = Vec::new();
    for ((o, p), rows) in quantities {
        if options.metrics.as_ref().is_some_and(|m| !m.contains(&o)) {
            continue;
        }
        let label = if p.is_empty() {
            metric_name(&o)
        } else {
            format!("{}: effect of {p}", metric_name(&o))
        };
        let quantity = if p.is_empty() {
            metric_name(&o)
        } else {
            format!("the effect of {p} on {}", metric_name(&o))
        };
        let unit = in_unit(&o);
        // The quantity's replicate noise (the same on each of its rows;
        // absent from files of builds before it).
        let noise = match table.column("noise_share") {
            Ok(col) => match rows.first().map(|r| table.number(r, col)).transpose()? {
                Some(Some(share)) => format!(
                    "; replicate noise: {} of the variance across the design{}",
                    match crate::output::sensitivity::share_text(share) {
                        small if share < 0.005 => small,
                        about => format!("about {about}"),
                    },
                    if share > crate::study::global_sensitivity::NOISY {
                        ", so the indices partly rank noise"
                    } else {
                        ""
                    }
                ),
                _ => String::new(),
            },
            Err(_) => String::new(),
        };
        if morris {
            let (mu_star, lo, hi, sigma) = (
                c("mu_star")?,
                c("mu_star_low")?,
                c("mu_star_high")?,
                c("sigma")?,
            );
            // Factors whose μ* replicate noise alone could give (below
            // WITHIN_NOISE times their floor; files of builds before the
            // floor have none).
            let mut within = Vec::new();
            if let Ok(floor) = table.column("mu_star_noise") {
                for r in &rows {
                    let (m, f) = (n(r, mu_star)?, n(r, floor)?);
                    if m.is_finite()
                        && f.is_finite()
                        && m < crate::study::global_sensitivity::WITHIN_NOISE * f
                    {
                        within.push(parameter_name(&r[parameter]));
                    }
                }
            }
            let within = match within.len() {
                0 => String::new(),
                1..=4 => format!(
                    "; within noise (μ* below twice what noise alone gives, mu_star_noise in indices.csv): {}",
                    within.join(", ")
                ),
                k => format!(
                    "; {k} factors within noise (μ* below twice what noise alone gives, mu_star_noise in indices.csv)"
                ),
            };
            let points = rows
                .iter()
                .map(|r| {
                    Ok(MorrisPoint {
                        factor: parameter_name(&r[parameter]),
                        mu_star: n(r, mu_star)?,
                        ci: (n(r, lo)?, n(r, hi)?),
                        sigma: n(r, sigma)?,
                    })
                })
                .collect::<Result<_, OutputError>>()?;
            figures.push((
                stem("morris", &o, &p),
                AnyFigure::Methods(MethodFigure::Morris(Morris {
                    title: format!("{title} — {label}"),
                    x_label: format!("μ*{unit}"),
                    y_label: format!("σ{unit}"),
                    points,
                    note: format!(
                        "points: each factor's μ* (mean absolute elementary effect: the change in {quantity} over {period} when the factor moves across its whole range) and σ (the spread of those effects); bars: 95 % bootstrap CI of μ*; dashed: σ = μ* (above it, the effect is non-linear or depends on the other factors — or, for a factor near its noise floor, is replicate noise){noise}{within}"
                    ),
                })),
            ));
        } else {
            let cols = [
                "first_order",
                "first_order_low",
                "first_order_high",
                "total",
                "total_low",
                "total_high",
            ]
            .map(|name| table.column(name));
            let [f, fl, fh, t, tl, th] = cols;
            let (f, fl, fh, t, tl, th) = (f?, fl?, fh?, t?, tl?, th?);
            let bars = rows
                .iter()
                .map(|r| {
                    Ok(SobolBar {
                        factor: parameter_name(&r[parameter]),
                        first: (n(r, f)?, n(r, fl)?, n(r, fh)?),
                        total: (n(r, t)?, n(r, tl)?, n(r, th)?),
                    })
                })
                .collect::<Result<_, OutputError>>()?;
            figures.push((
                stem("sobol", &o, &p),
                AnyFigure::Methods(MethodFigure::Sobol(
                    Sobol {
                        title: format!("{title} — {label}"),
                        axis: "Sobol index (share of the variance across the design)".into(),
                        bars,
                        note: format!(
                            "bars: share of the variance of {quantity} over {period} explained by each factor alone (first order) and with its interactions (total); lines: 95 % bootstrap CI{noise}"
                        ),
                    }
                    .sorted(),
                )),
            ));
        }
    }
    Ok(figures)
}

/// The figures of a calibration directory, with their file stems.
pub(super) fn calibration(
    dir: &Path,
    manifest: &Value,
    options: &PlotOptions,
) -> Result<Vec<(String, AnyFigure)>, OutputError> {
    no_variants(dir, options, "calibration")?;
    if options.metrics.is_some() {
        return Err(OutputError::Refused {
            path: dir.to_path_buf(),
            why: "holds a calibration, whose chart shows its parameters, not metrics; draw it without choosing metrics".into(),
        });
    }
    let names = strings(manifest, "parameters");
    let posterior = Table::read(&dir.join("posterior.csv"))?;
    let weight = posterior.column("weight")?;
    let columns: Vec<usize> = names
        .iter()
        .map(|k| posterior.column(k))
        .collect::<Result<_, _>>()?;
    let mut theta = Vec::new();
    let mut weights = Vec::new();
    for row in posterior.rows() {
        let values: Vec<f64> = columns
            .iter()
            .map(|&c| Ok(posterior.number(row, c)?.unwrap_or(f64::NAN)))
            .collect::<Result<_, OutputError>>()?;
        theta.push(values);
        weights.push(posterior.number(row, weight)?.unwrap_or(0.0));
    }
    let summary = Table::read(&dir.join("posterior_summary.csv"))?;
    let (parameter, low, high, median) = (
        summary.column("parameter")?,
        summary.column("prior_low")?,
        summary.column("prior_high")?,
        summary.column("median")?,
    );
    let mut ranges = Vec::new();
    let mut medians = Vec::new();
    for name in &names {
        let row = summary
            .rows()
            .iter()
            .find(|r| r[parameter] == *name)
            .ok_or_else(|| OutputError::Refused {
                path: dir.join("posterior_summary.csv"),
                why: format!("has no row for parameter `{name}`; re-run the calibration"),
            })?;
        let (l, h) = (summary.number(row, low)?, summary.number(row, high)?);
        ranges.push((l.unwrap_or(0.0), h.unwrap_or(1.0)));
        medians.push(summary.number(row, median)?.unwrap_or(f64::NAN));
    }
    let generations = Table::read(&dir.join("generations.csv"))?.rows().len();
    let particles = theta.len();
    Ok(vec![(
        "posterior_pairs".into(),
        AnyFigure::Methods(MethodFigure::Pairs(Pairs {
            title: format!(
                "{} — posterior after {}",
                scenario_title(manifest),
                count(generations as u64, "generation")
            ),
            names: names.iter().map(|k| parameter_name(k)).collect(),
            ranges,
            medians,
            theta,
            weights,
            note: format!(
                "below the diagonal: the {particles} particles of the last generation, area by weight; diagonal: weighted histogram and (dashed) the posterior median; above: weighted correlation r; axes span the prior ranges"
            ),
        })),
    )])
}
