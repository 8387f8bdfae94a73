//! The result files of a sensitivity analysis (`docs/experiments.md`,
//! "Sensitivity analysis"): `indices.csv`, `design.csv`, one chart per
//! quantity (μ*–σ plot or Sobol bars) and `report.md`.

use super::files::{self, write_atomic};
use super::report::sig4;
use super::{OutputError, chart};
use crate::study::global_sensitivity::{
    FactorIndex, NOISY, SensitivityResults, WITHIN_NOISE, analyse,
};
use crate::study::methods::SensitivityMethod;
use crate::study::plan::Plan;
use crate::study::runner::{Results, Study};
use std::path::Path;

/// Write the files of a sensitivity study from its accumulated results;
/// returns the files written (relative to `dir`).
pub fn write(study: &Study, results: &Results, dir: &Path) -> Result<Vec<String>, OutputError> {
    let plan = &study.plan;
    let analysis = analyse(plan, results).map_err(|why| OutputError::Refused {
        path: dir.join("plan.json"),
        why: format!(
            "{why}; it is left alone — run the study again with --force, or choose another --out"
        ),
    })?;
    let tables = vec![
        files::write_csv(&dir.join("indices.csv"), |w| indices_csv(w, &analysis))?,
        files::write_csv(&dir.join("design.csv"), |w| design_csv(w, plan, &analysis))?,
    ];
    let mut written = files::commit_all(dir, tables)?;
    written.extend(super::plot::commit_study_charts(plan, dir)?);
    let markdown = report(plan, &analysis, &chart::pngs(&written));
    write_atomic(&dir.join("report.md"), markdown.as_bytes())?;
    written.push("report.md".into());
    Ok(written)
}

/// A share of variance in words: "24 %", or "under 1 %" rather than "0 %".
pub fn share_text(share: f64) -> String {
    if share < 0.005 {
        "under 1 %".into()
    } else {
        format!("{:.0} %", 100.0 * share)
    }
}

/// A quantity's replicate noise in words, with a caution above
/// [`NOISY`].
pub fn noise_words(share: f64, replicates: u32) -> String {
    if !share.is_finite() {
        return format!(
            "Replicate noise: not estimated ({}).",
            if replicates < 2 {
                "it needs 2 replicates or more"
            } else {
                "no finite values to estimate it from"
            }
        );
    }
    let percent = match share_text(share) {
        small if share < 0.005 => small,
        p => format!("about {p}"),
    };
    let all = if share >= 1.0 {
        " (as much as the variance itself)"
    } else {
        ""
    };
    if share > NOISY {
        format!(
            "**Replicate noise: {percent} of that variance{all}** — the indices partly rank noise (it raises total indices and lowers first-order ones); more replicates or villages shrink it."
        )
    } else {
        format!("Replicate noise: {percent} of that variance.")
    }
}

fn num(x: f64) -> String {
    if x.is_finite() {
        // No "-0": an index of exactly zero reads as 0.
        format!("{}", if x == 0.0 { 0.0 } else { x })
    } else {
        String::new()
    }
}

fn indices_csv<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    a: &SensitivityResults,
) -> csv::Result<()> {
    let morris = matches!(
        a.indices.first().and_then(|i| i.first()),
        Some(FactorIndex::Morris(_))
    );
    let mut header = vec!["outcome", "policy", "parameter"];
    header.extend(if morris {
        ["mu_star", "mu_star_low", "mu_star_high", "mu", "sigma"].as_slice()
    } else {
        [
            "first_order",
            "first_order_low",
            "first_order_high",
            "total",
            "total_low",
            "total_high",
        ]
        .as_slice()
    });
    header.push(if morris {
        "mu_star_noise"
    } else {
        "total_noise"
    });
    header.push("noise_share");
    w.write_record(&header)?;
    for (i, (q, row)) in a.quantities.iter().zip(&a.indices).enumerate() {
        for (f, (factor, index)) in a.factors.iter().zip(row).enumerate() {
            let mut record = vec![
                q.outcome.clone(),
                q.policy.clone().unwrap_or_default(),
                factor.clone(),
            ];
            match index {
                FactorIndex::Morris(m) => record
                    .extend([m.mu_star, m.mu_star_ci.0, m.mu_star_ci.1, m.mu, m.sigma].map(num)),
                FactorIndex::Sobol(s) => record.extend(
                    [
                        s.first,
                        s.first_ci.0,
                        s.first_ci.1,
                        s.total,
                        s.total_ci.0,
                        s.total_ci.1,
                    ]
                    .map(num),
                ),
            }
            record.push(num(a.noise_floor[i][f]));
            record.push(num(a.noise_share(i)));
            w.write_record(&record)?;
        }
    }
    w.flush()?;
    Ok(())
}

fn design_csv<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    plan: &Plan,
    a: &SensitivityResults,
) -> csv::Result<()> {
    let arms = 1 + plan.sensitivity.as_ref().map_or(0, |s| s.policies.len());
    let k = a.factors.len();
    let morris = matches!(
        plan.sensitivity.as_ref().map(|s| &s.method),
        Some(SensitivityMethod::Morris { .. })
    );
    // Where a point sits in its design: Morris trajectory and step (0 the
    // start, j the point after the j-th move); Sobol base row and matrix
    // (A, B, or AB_i: A with factor i's column from B, i counted from 1 in
    // the order of the factor columns).
    let place = |point: usize| -> [String; 2] {
        if morris {
            [(point / (k + 1)).to_string(), (point % (k + 1)).to_string()]
        } else {
            let matrix = match point % (k + 2) {
                0 => "A".to_string(),
                1 => "B".to_string(),
                i => format!("AB_{}", i - 1),
            };
            [(point / (k + 2)).to_string(), matrix]
        }
    };
    let mut header = vec!["point".to_string()];
    header.extend(
        if morris {
            ["trajectory", "step"]
        } else {
            ["base_row", "matrix"]
        }
        .map(String::from),
    );
    header.extend(a.factors.iter().cloned());
    header.extend(a.quantities.iter().map(|q| match &q.policy {
        None => q.outcome.clone(),
        Some(p) => format!("{}:effect_of_{p}", q.outcome),
    }));
    w.write_record(&header)?;
    for point in 0..plan.variants.len() / arms {
        let variant = &plan.variants[point * arms];
        let mut record = vec![point.to_string()];
        record.extend(place(point));
        for f in &a.factors {
            let value = variant
                .overrides
                .iter()
                .find(|(k, _)| k == f)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            record.push(value);
        }
        record.extend(a.values.iter().map(|y| num(y[point])));
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

/// The factors of quantity `q` in decreasing order of importance (μ* or
/// the total index), with the figures shown in reports; a factor whose
/// index replicate noise alone could give (below [`WITHIN_NOISE`] times
/// its noise floor) is marked "within noise".
pub fn ranking(a: &SensitivityResults, q: usize) -> Vec<(String, String)> {
    let row = &a.indices[q];
    let key = |i: &FactorIndex| match i {
        FactorIndex::Morris(m) => m.mu_star,
        FactorIndex::Sobol(s) => s.total,
    };
    let mut order: Vec<usize> = (0..row.len()).collect();
    // Largest first, undefined (NaN) last.
    order.sort_by(|&x, &y| {
        let (x, y) = (key(&row[x]), key(&row[y]));
        x.is_nan().cmp(&y.is_nan()).then(y.total_cmp(&x))
    });
    order
        .into_iter()
        .map(|i| {
            let mut shown = match &row[i] {
                FactorIndex::Morris(m) => format!(
                    "μ* {} [{}, {}], σ {}",
                    sig4(m.mu_star),
                    sig4(m.mu_star_ci.0),
                    sig4(m.mu_star_ci.1),
                    sig4(m.sigma)
                ),
                FactorIndex::Sobol(s) => format!(
                    "S {} [{}, {}], S_T {} [{}, {}]",
                    sig4(s.first),
                    sig4(s.first_ci.0),
                    sig4(s.first_ci.1),
                    sig4(s.total),
                    sig4(s.total_ci.0),
                    sig4(s.total_ci.1)
                ),
            };
            if a.within_noise(q, i) {
                shown.push_str(&format!(
                    " — within noise (noise alone gives {} {})",
                    if matches!(row[i], FactorIndex::Morris(_)) {
                        "μ*"
                    } else {
                        "S_T"
                    },
                    sig4(a.noise_floor[q][i])
                ));
            }
            (a.factors[i].clone(), shown)
        })
        .collect()
}

/// What is clearly off about a quantity's Sobol estimates, in words: a
/// first-order index whose whole interval lies below −[`NEGATIVE_MARGIN`],
/// an index whose interval lies above 1, or a first-order index whose
/// interval lies above its total index's — none possible for the true
/// indices, all signs of sampling error (too few base samples) or
/// replicate noise. A slightly negative S is ordinary sampling error for a
/// factor that does little (its interval excludes 0 now and then by chance
/// alone), and is not named. `None` when nothing is off.
pub fn sobol_caveat(row: &[FactorIndex]) -> Option<String> {
    let sobol: Vec<&crate::study::sensitivity::SobolIndex> = row
        .iter()
        .filter_map(|i| match i {
            FactorIndex::Sobol(s) => Some(s),
            FactorIndex::Morris(_) => None,
        })
        .collect();
    let mut found = Vec::new();
    if sobol.iter().any(|s| s.first_ci.1 < -NEGATIVE_MARGIN) {
        found.push("a first-order index below 0");
    }
    if sobol.iter().any(|s| s.first_ci.0 > s.total_ci.1) {
        found.push("a first-order index above its total index");
    }
    if sobol
        .iter()
        .any(|s| s.first_ci.0 > 1.0 || s.total_ci.0 > 1.0)
    {
        found.push("an index above 1");
    }
    (!found.is_empty()).then(|| {
        format!(
            "{}, beyond its 95 % interval: impossible for the true indices, so these estimates carry sampling error (raise `samples`) or replicate noise (raise replicates); read the intervals, not the points",
            found.join(", ")
        )
    })
}

/// A first-order index is named as below 0 only when its whole interval
/// lies below minus this share of the variance.
pub const NEGATIVE_MARGIN: f64 = 0.05;

fn report(plan: &Plan, a: &SensitivityResults, charts: &[String]) -> String {
    let Some(spec) = &plan.sensitivity else {
        return String::new();
    };
    let (method, design) = match spec.method {
        SensitivityMethod::Morris {
            trajectories,
            levels,
        } => (
            "Morris elementary effects",
            format!("{trajectories} trajectories on a {levels}-level grid"),
        ),
        SensitivityMethod::Sobol { samples } => (
            "Sobol indices (Saltelli design; first order Saltelli et al. 2010, total Jansen 1999)",
            format!("{samples} base samples"),
        ),
    };
    let mut out = format!(
        "# Sensitivity analysis: {}{}\n\n{}{method}, {design}: {} design points × {} × {}, common random numbers; outcomes averaged over the last {} months. 95 % intervals are bootstrap percentiles over the design ({} resamples).\n\n",
        super::report::plan_scenario_name(plan),
        super::report::overrides_note(&plan.overrides),
        super::report::study_provenance(plan),
        plan.variants.len() / (1 + spec.policies.len()),
        super::report::count((1 + spec.policies.len()) as u64, "arm"),
        super::report::count(plan.replicates, "replicate"),
        plan.window_months,
        spec.bootstrap,
    );
    out.push_str("| factor | range |\n|---|---|\n");
    for r in &spec.ranges {
        out.push_str(&format!("| `{}` | {} – {} |\n", r.key, r.low, r.high));
    }
    for (i, (q, row)) in a.quantities.iter().zip(&a.indices).enumerate() {
        out.push_str(&format!(
            "\n## {}\n\nVariance across the design: {}. {}\n\n| factor | indices |\n|---|---|\n",
            q.label(),
            sig4(a.variance[i]),
            noise_words(a.noise_share(i), plan.replicates)
        ));
        for (factor, shown) in ranking(a, i) {
            out.push_str(&format!("| `{factor}` | {shown} |\n"));
        }
        if let Some(caveat) = sobol_caveat(row) {
            out.push_str(&format!("\n**Caution:** {caveat}.\n"));
        }
        let name = super::plot::stem(
            if matches!(row.first(), Some(FactorIndex::Morris(_))) {
                "morris"
            } else {
                "sobol"
            },
            &q.outcome,
            q.policy.as_deref().unwrap_or(""),
        );
        // Chart files are named `SCENARIO_STEM.png`.
        if let Some(c) = charts.iter().find(|c| c.ends_with(&format!("_{name}.png"))) {
            out.push_str(&format!("\n![{}]({c})\n", q.label()));
        }
    }
    out.push_str(&format!("\nReading: μ* ranks factors by their average effect over the whole range (in units of the outcome per full range of the factor); σ above μ* means the effect changes with the other factors or is non-linear — but replicate noise alone also gives σ near or above μ*, so read σ only for factors well above their noise floor. A first-order Sobol index is the share of the variance a factor explains alone; the total index adds its interactions; a total index near 0 means the factor can be fixed anywhere in its range.{}\n",
        if plan.replicates >= 2 {
            format!(" A factor marked \"within noise\" has a μ* or S_T below {WITHIN_NOISE} times what replicate noise alone would give it (`mu_star_noise`, `total_noise` in indices.csv): its rank is not evidence of influence (and with few trajectories, not being marked is weak evidence of it: docs/experiments.md).")
        } else {
            String::new()
        }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::sensitivity::SobolIndex;

    fn sobol(first: (f64, f64, f64), total: (f64, f64, f64)) -> FactorIndex {
        FactorIndex::Sobol(SobolIndex {
            first: first.0,
            first_ci: (first.1, first.2),
            total: total.0,
            total_ci: (total.1, total.2),
        })
    }

    #[test]
    fn impossible_sobol_estimates_are_named_beyond_their_intervals() {
        let ok = sobol((0.5, 0.4, 0.6), (0.6, 0.5, 0.7));
        // A small negative S, even with an interval below 0: ordinary.
        let near = sobol((-0.03, -0.045, -0.01), (0.02, 0.0, 0.05));
        assert_eq!(sobol_caveat(&[ok.clone(), near.clone()]), None);
        let said = |row: &[FactorIndex]| sobol_caveat(row).unwrap();
        let below = sobol((-0.2, -0.3, -0.1), (0.1, 0.0, 0.2));
        assert!(said(&[below, near]).starts_with("a first-order index below 0, beyond"));
        let above_total = sobol((0.5, 0.45, 0.55), (0.3, 0.25, 0.35));
        assert!(said(&[above_total]).starts_with("a first-order index above its total index"));
        let above_one = sobol((0.9, 0.8, 1.0), (1.3, 1.1, 1.5));
        assert!(said(&[ok, above_one]).starts_with("an index above 1"));
    }
}
