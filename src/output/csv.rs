//! Tidy CSV tables, one serialiser per table: each writes its rows to any
//! `csv::Writer` (a file written aside by `output::files`, or memory, see
//! [`to_string`]) and touches no file itself.
//!
//! A `run` writes `timeseries.csv`, `summary.csv`, `distributions.csv` and
//! `villages.csv`; a comparison `runs.csv`, `comparison.csv`, `summary.csv`,
//! `distributions.csv`, `robustness.csv` and `environments.csv`; a sweep
//! `sweep_runs.csv`, `sweep_summary.csv`, `distributions.csv` and
//! `sensitivity.csv` (`docs/studies.md`).

use crate::metrics::{DISTRIBUTIONS, Distributions, dist_bin_edges};
use crate::study::analysis::{self, Contrast, MEASURES, Unit};
use crate::study::plan::{Plan, Run};
use crate::study::runner::Results;
use crate::study::{MonthSummary, ReplicateRun};
use std::io::Write;

/// A CSV writer of any destination.
pub type Csv<W> = csv::Writer<W>;

/// A table serialised into memory by `serialise` (one of this module's functions).
pub fn to_string(
    serialise: impl FnOnce(&mut Csv<Vec<u8>>) -> csv::Result<()>,
) -> csv::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    serialise(&mut w)?;
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    // Every cell is UTF-8 text.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A number as CSV text: shortest round-trip form, empty when missing.
pub fn number(x: Option<f64>) -> String {
    match x {
        Some(x) if x.is_finite() => format!("{x}"),
        _ => String::new(),
    }
}

/// A replicate seed as CSV text: `0x` and 16 hexadecimal digits
/// (`0x00000000000000ff`), exact in every reader. Seeds go up to 1.8 × 10¹⁹,
/// beyond the 2⁵³ that a floating-point number holds exactly, so a decimal
/// seed would lose digits in readers that parse numbers as floats (R, Excel);
/// no reader parses this text as a number. `u64::from_str_radix(&s[2..], 16)`,
/// Python's `int(s, 16)` and R's `bit64`/`gmp` read it back exactly.
pub fn seed_text(seed: u64) -> String {
    format!("0x{seed:016x}")
}

/// A replicate seed written by [`seed_text`], read back.
pub fn parse_seed(text: &str) -> Option<u64> {
    let digits = text.strip_prefix("0x")?;
    (digits.len() == 16)
        .then(|| u64::from_str_radix(digits, 16).ok())
        .flatten()
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

/// `timeseries.csv`: columns `replicate, seed, month,` then every metric.
pub fn timeseries<W: Write>(w: &mut Csv<W>, runs: &[ReplicateRun]) -> csv::Result<()> {
    let mut header = vec!["replicate", "seed", "month"];
    header.extend(crate::metrics::names());
    w.write_record(&header)?;
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for run in runs {
        for (month, values) in run.months.iter().enumerate() {
            row.clear();
            row.push(run.replicate.to_string());
            row.push(seed_text(run.seed));
            row.push(month.to_string());
            row.extend(values.iter().map(|&x| number(Some(x))));
            w.write_record(&row)?;
        }
    }
    Ok(())
}

/// `villages.csv`: columns `replicate, seed, month, village, township,` then
/// every metric — one row per replicate, month and village.
pub fn villages<W: Write>(
    w: &mut Csv<W>,
    runs: &[ReplicateRun],
    villages_per_township: u32,
) -> csv::Result<()> {
    let mut header = vec!["replicate", "seed", "month", "village", "township"];
    header.extend(crate::metrics::names());
    w.write_record(&header)?;
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for run in runs {
        let per_month = run.villages.len() / run.months.len().max(1);
        for (i, values) in run.villages.iter().enumerate() {
            let (month, village) = (i / per_month.max(1), (i % per_month.max(1)) as u32);
            row.clear();
            row.push(run.replicate.to_string());
            row.push(seed_text(run.seed));
            row.push(month.to_string());
            row.push(village.to_string());
            row.push((village / villages_per_township.max(1)).to_string());
            row.extend(values.iter().map(|&x| number(Some(x))));
            w.write_record(&row)?;
        }
    }
    Ok(())
}

/// A run's `summary.csv`: `month, metric, mean, sd, ci_low, ci_high, n`.
pub fn summary<W: Write>(w: &mut Csv<W>, rows: &[MonthSummary]) -> csv::Result<()> {
    w.write_record(["month", "metric", "mean", "sd", "ci_low", "ci_high", "n"])?;
    for r in rows {
        let head = [r.month.to_string(), r.metric.to_string()];
        let tail = [r.summary.n.to_string()];
        w.write_record(head.iter().chain(&summary_cells(&r.summary)).chain(&tail))?;
    }
    Ok(())
}

/// `distributions.csv`: the final month's distributions of each group,
/// pooled over its runs, in long format — `<group>, level, quantity,
/// bin_low, bin_high, count, share`, one row per group, level, quantity and
/// bin (20 bins of width 0.05 over [0, 1]; `metrics::Distributions`), where
/// `<group>` is `column` (`variant`, or `point` for a sweep), level is
/// `households`, `members` or `villages`, and share is the count over the
/// total of its group, level and quantity (empty if that total is 0).
pub fn distributions<'a, W: Write>(
    w: &mut Csv<W>,
    column: &str,
    groups: impl IntoIterator<Item = (&'a str, &'a Distributions)>,
) -> csv::Result<()> {
    w.write_record([
        column, "level", "quantity", "bin_low", "bin_high", "count", "share",
    ])?;
    for (name, d) in groups {
        for ((level, quantity), counts) in DISTRIBUTIONS.iter().zip(&d.counts) {
            let total: u64 = counts.iter().sum();
            for (k, &count) in counts.iter().enumerate() {
                let (low, high) = dist_bin_edges(k);
                let share = (total > 0).then(|| count as f64 / total as f64);
                w.write_record([
                    name,
                    level.name(),
                    quantity.name(),
                    &number(Some(low)),
                    &number(Some(high)),
                    &count.to_string(),
                    &number(share),
                ])?;
            }
        }
    }
    Ok(())
}

/// A run's `distributions.csv` ([`distributions`]): its replicates pooled,
/// under the scenario's name.
pub fn run_distributions<W: Write>(
    w: &mut Csv<W>,
    scenario: &str,
    runs: &[ReplicateRun],
) -> csv::Result<()> {
    let pooled = crate::study::pool_distributions(runs.iter().map(|r| &r.distributions));
    distributions(w, "variant", [(scenario, &pooled)])
}

/// A study's `distributions.csv` ([`distributions`]): each variant (each
/// point of a sweep) pooled over its replicates and environments.
pub fn study_distributions<W: Write>(
    w: &mut Csv<W>,
    plan: &Plan,
    results: &Results,
) -> csv::Result<()> {
    let column = match plan.kind {
        crate::study::plan::StudyKind::Compare => "variant",
        _ => "point",
    };
    let empty = Distributions::default();
    distributions(
        w,
        column,
        plan.variants
            .iter()
            .enumerate()
            .map(|(a, v)| (v.name.as_str(), results.distributions(a).unwrap_or(&empty))),
    )
}

/// The header of a comparison's `runs.csv`.
pub fn runs_header<W: Write>(w: &mut Csv<W>) -> csv::Result<()> {
    w.write_record([
        "variant",
        "environment",
        "replicate",
        "seed",
        "outcome",
        "measure",
        "value",
    ])
}

/// The rows of one run in a comparison's `runs.csv`: one per outcome and
/// measure (`final`, `window`: [`MEASURES`]), with its value.
pub fn runs_rows<W: Write>(
    w: &mut Csv<W>,
    plan: &Plan,
    run: &Run,
    values: &[[f64; 2]],
) -> csv::Result<()> {
    let variant = &plan.variants[run.variant as usize].name;
    let seed = seed_text(run.seed);
    for (o, v) in values.iter().enumerate() {
        for (measure, x) in MEASURES.iter().zip(v) {
            w.write_record([
                variant.as_str(),
                &run.environment.to_string(),
                &run.replicate.to_string(),
                &seed,
                &plan.outcomes[o],
                measure,
                &number(Some(*x)),
            ])?;
        }
    }
    Ok(())
}

/// A variant's cost-effectiveness: its difference in an outcome divided by
/// its extra cost `extra` (same measure), only where the variant costs more:
/// the extra cost's 95 % CI — of the test its difference is reported with —
/// lies above 0. A cheaper variant has none: a ratio over a saving would
/// give "worse and cheaper" the sign of "better and dearer".
fn per_extra_cost(extra: &Contrast, diff: f64) -> Option<f64> {
    extra
        .ci
        .is_some_and(|(lo, _)| lo > 0.0)
        .then(|| diff / extra.diff)
}

/// `comparison.csv`: one row per variant, outcome and measure, with the
/// difference from the baseline: relative difference (%), Welch and paired
/// CIs, the test the p-value comes from (across environments with several,
/// else paired with common random numbers, else Welch), the p-value and its Holm adjustment over the variants ×
/// outcomes of the measure, and cost-effectiveness; empty differences for the
/// baseline itself.
pub fn comparison<W: Write>(w: &mut Csv<W>, plan: &Plan, results: &Results) -> csv::Result<()> {
    w.write_record([
        "variant",
        "outcome",
        "measure",
        "n",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
        "diff",
        "diff_percent",
        "diff_percent_low",
        "diff_percent_high",
        "diff_ci_low",
        "diff_ci_high",
        "paired_ci_low",
        "paired_ci_high",
        "test",
        "p_value",
        "p_holm",
        "per_extra_cost",
    ])?;
    let acc = &results.outcomes;
    let cost = plan.outcomes.iter().position(|o| o == "cost");
    let paired_runs = plan.paired_runs();
    let contrasts: Vec<_> = (0..MEASURES.len())
        .map(|m| acc.contrasts(m, paired_runs))
        .collect();
    for (a, variant) in plan.variants.iter().enumerate() {
        let versus = |x: Option<f64>| x.filter(|_| a != 0);
        for (o, outcome) in plan.outcomes.iter().enumerate() {
            for (m, measure) in MEASURES.iter().enumerate() {
                let w_am = acc.level(a, o, m);
                let s = w_am.summary();
                let d = acc.difference(a, o, m);
                let c = contrasts[m][a][o];
                let paired = acc
                    .paired_ci(a, o, m)
                    .filter(|_| a != 0 && (paired_runs || acc.unit() == Unit::Environment));
                let head = [
                    variant.name.clone(),
                    outcome.clone(),
                    measure.to_string(),
                    s.n.to_string(),
                ];
                let tail = [
                    number(Some(d.diff)),
                    number(c.and_then(|c| c.relative).map(|r| 100.0 * r)),
                    number(c.and_then(|c| c.relative_ci).map(|r| 100.0 * r.0)),
                    number(c.and_then(|c| c.relative_ci).map(|r| 100.0 * r.1)),
                    number(versus(d.ci.map(|c| c.0))),
                    number(versus(d.ci.map(|c| c.1))),
                    number(paired.map(|c| c.0)),
                    number(paired.map(|c| c.1)),
                    c.filter(|c| c.p_value.is_some())
                        .map(|c| c.test.name().to_string())
                        .unwrap_or_default(),
                    number(c.and_then(|c| c.p_value)),
                    number(c.and_then(|c| c.p_holm)),
                    number(
                        cost.filter(|c| a != 0 && *c != o)
                            .and_then(|c| contrasts[m][a][c].as_ref())
                            .and_then(|extra| per_extra_cost(extra, d.diff)),
                    ),
                ];
                w.write_record(head.into_iter().chain(summary_cells(&s)).chain(tail))?;
            }
        }
    }
    Ok(())
}

/// A comparison's `summary.csv`: every metric of every variant over months,
/// `variant, month, metric, mean, sd, ci_low, ci_high, n`.
pub fn summary_over_time<W: Write>(
    w: &mut Csv<W>,
    plan: &Plan,
    results: &Results,
) -> csv::Result<()> {
    w.write_record([
        "variant", "month", "metric", "mean", "sd", "ci_low", "ci_high", "n",
    ])?;
    for (a, variant) in plan.variants.iter().enumerate() {
        for m in 0..results.months() {
            for (k, metric) in crate::metrics::names().enumerate() {
                let s = results
                    .over_time(a, m, k)
                    .copied()
                    .unwrap_or_default()
                    .summary();
                let head = [variant.name.clone(), m.to_string(), metric.to_string()];
                w.write_record(
                    head.into_iter()
                        .chain(summary_cells(&s))
                        .chain([s.n.to_string()]),
                )?;
            }
        }
    }
    Ok(())
}

/// `robustness.csv` (with `[uncertainty]`): per variant, outcome and
/// measure, the share of environments in which the variant is better, and
/// worse, than the baseline by more than `[compare] meaningful_difference`,
/// the spread of the differences, the replicate noise in each and the
/// heterogeneity test's p ([`analysis::Robustness`]).
pub fn robustness<W: Write>(w: &mut Csv<W>, plan: &Plan, results: &Results) -> csv::Result<()> {
    w.write_record([
        "variant",
        "outcome",
        "measure",
        "environments",
        "meaningful_difference",
        "share_better",
        "share_worse",
        "mean_diff",
        "min_diff",
        "max_diff",
        "replicate_noise_sd",
        "heterogeneity_p",
    ])?;
    for (a, variant) in plan.variants.iter().enumerate().skip(1) {
        for (o, outcome) in plan.outcomes.iter().enumerate() {
            for (m, measure) in MEASURES.iter().enumerate() {
                let r = results.outcomes.robustness(
                    a,
                    o,
                    m,
                    crate::metrics::larger_is_better(outcome),
                    plan.meaningful_difference,
                );
                w.write_record([
                    variant.name.clone(),
                    outcome.clone(),
                    measure.to_string(),
                    r.environments.to_string(),
                    number(Some(plan.meaningful_difference)),
                    number(r.share_better),
                    number(r.share_worse),
                    number(Some(r.mean)),
                    number(Some(r.min)),
                    number(Some(r.max)),
                    number(r.noise_sd),
                    number(r.heterogeneity_p),
                ])?;
            }
        }
    }
    Ok(())
}

/// `environments.csv` (with `[uncertainty]`): each sampled environment's
/// value of every uncertain key.
pub fn environments<W: Write>(w: &mut Csv<W>, plan: &Plan) -> csv::Result<()> {
    let keys = plan
        .environments
        .first()
        .map(|e| e.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>())
        .unwrap_or_default();
    w.write_record(std::iter::once("environment".to_string()).chain(keys))?;
    for (e, env) in plan.environments.iter().enumerate() {
        w.write_record(std::iter::once(e.to_string()).chain(env.iter().map(|(_, v)| v.clone())))?;
    }
    Ok(())
}

/// The value of every swept key at sweep point `point` (as in the scenario
/// file, strings unquoted; empty where the point does not set it).
pub fn point_values(plan: &Plan, point: usize) -> Vec<String> {
    plan.parameters
        .iter()
        .map(|k| {
            plan.variants[point]
                .overrides
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.trim_matches('"').to_string())
                .unwrap_or_default()
        })
        .collect()
}

/// The header of `sweep_runs.csv`: `point`, the swept keys, `replicate,
/// seed, outcome, measure, value`.
pub fn sweep_runs_header<W: Write>(w: &mut Csv<W>, plan: &Plan) -> csv::Result<()> {
    let mut header = vec!["point".to_string()];
    header.extend(plan.parameters.iter().cloned());
    header.extend(["replicate", "seed", "outcome", "measure", "value"].map(String::from));
    w.write_record(&header)
}

/// The rows of one run in `sweep_runs.csv`: one per outcome and measure
/// (`final`, `window`: [`MEASURES`]), as in `runs.csv`.
pub fn sweep_runs_row<W: Write>(
    w: &mut Csv<W>,
    plan: &Plan,
    run: &Run,
    values: &[[f64; 2]],
) -> csv::Result<()> {
    let point = run.variant as usize;
    let mut head = vec![plan.variants[point].name.clone()];
    head.extend(point_values(plan, point));
    head.extend([run.replicate.to_string(), seed_text(run.seed)]);
    for (o, v) in values.iter().enumerate() {
        for (measure, x) in MEASURES.iter().zip(v) {
            let tail = [
                plan.outcomes[o].clone(),
                measure.to_string(),
                number(Some(*x)),
            ];
            w.write_record(head.iter().chain(&tail))?;
        }
    }
    Ok(())
}

/// `sweep_summary.csv`: one row per point, outcome and measure.
pub fn sweep_summary<W: Write>(w: &mut Csv<W>, plan: &Plan, results: &Results) -> csv::Result<()> {
    let mut header = vec!["point".to_string()];
    header.extend(plan.parameters.iter().cloned());
    header.extend(["outcome", "measure", "n", "mean", "sd", "ci_low", "ci_high"].map(String::from));
    w.write_record(&header)?;
    for (a, point) in plan.variants.iter().enumerate() {
        let values = point_values(plan, a);
        for (o, outcome) in plan.outcomes.iter().enumerate() {
            for (m, measure) in MEASURES.iter().enumerate() {
                let s = results.outcomes.level(a, o, m).summary();
                let mut row = vec![point.name.clone()];
                row.extend(values.iter().cloned());
                row.extend([outcome.clone(), measure.to_string(), s.n.to_string()]);
                row.extend(summary_cells(&s));
                w.write_record(&row)?;
            }
        }
    }
    Ok(())
}

/// `sweep_differences.csv` of a sweep whose points share seeds (two points
/// and two replicates at least: `Results::points`): per outcome
/// and measure, the replicate noise in a difference between two points (the
/// point × replicate residual: ± for one pair chosen beforehand, and ± for
/// all pairs at once, Tukey HSD) and the best point's difference from the
/// worst, with its paired CI (that pair alone) and its simultaneous one
/// (valid although best and worst were picked from the data; docs/studies.md,
/// "Differences between points").
pub fn sweep_differences<W: Write>(
    w: &mut Csv<W>,
    plan: &Plan,
    results: &Results,
) -> csv::Result<()> {
    w.write_record([
        "outcome",
        "measure",
        "replicates",
        "residual_sd",
        "difference_half_width",
        "best_point",
        "worst_point",
        "best_minus_worst",
        "ci_low",
        "ci_high",
        "simultaneous_half_width",
        "simultaneous_low",
        "simultaneous_high",
    ])?;
    let Some(table) = &results.points else {
        return Ok(());
    };
    for (m, measure) in MEASURES.iter().enumerate() {
        let extremes = analysis::sweep_extremes(plan, &results.outcomes, m);
        for (o, outcome) in plan.outcomes.iter().enumerate() {
            let Some(noise) = table.noise(o, m) else {
                continue;
            };
            let mut row = vec![
                outcome.clone(),
                measure.to_string(),
                noise.replicates.to_string(),
                number(Some(noise.residual_sd)),
                number(Some(noise.difference_half_width)),
            ];
            match extremes.iter().find(|(x, _, _)| x == outcome) {
                Some(&(_, best, worst)) => {
                    let d = table.difference(best, worst, o, m);
                    let all = noise.simultaneous(&d);
                    row.extend([
                        plan.variants[best].name.clone(),
                        plan.variants[worst].name.clone(),
                        number(Some(d.mean)),
                        number(d.ci_low),
                        number(d.ci_high),
                        number(Some(noise.simultaneous_half_width)),
                        number(all.ci_low),
                        number(all.ci_high),
                    ]);
                }
                None => {
                    row.extend(std::iter::repeat_n(String::new(), 5));
                    row.extend([
                        number(Some(noise.simultaneous_half_width)),
                        String::new(),
                        String::new(),
                    ]);
                }
            }
            w.write_record(&row)?;
        }
    }
    Ok(())
}

/// The numeric swept keys (booleans as 0/1), each with its value at every
/// point; keys with a value that is not a number are left out.
pub fn numeric_parameters(plan: &Plan) -> Vec<(String, Vec<f64>)> {
    let values: Vec<Vec<String>> = (0..plan.variants.len())
        .map(|a| point_values(plan, a))
        .collect();
    plan.parameters
        .iter()
        .enumerate()
        .filter_map(|(i, key)| {
            let xs: Option<Vec<f64>> = values
                .iter()
                .map(|v| match v[i].as_str() {
                    "true" => Some(1.0),
                    "false" => Some(0.0),
                    v => v.parse().ok(),
                })
                .collect();
            xs.map(|xs| (key.clone(), xs))
        })
        .collect()
}

/// `sensitivity.csv`: Spearman's rho, the standardised regression
/// coefficient and R² of each outcome's point means on each numeric swept
/// key (`columns`, see [`numeric_parameters`]).
pub fn sensitivity<W: Write>(
    w: &mut Csv<W>,
    plan: &Plan,
    results: &Results,
    columns: &[(String, Vec<f64>)],
) -> csv::Result<()> {
    w.write_record([
        "outcome",
        "measure",
        "parameter",
        "spearman_rho",
        "src",
        "r2",
        "r2_adjusted",
    ])?;
    let x: Vec<Vec<f64>> = columns.iter().map(|(_, xs)| xs.clone()).collect();
    for (o, outcome) in plan.outcomes.iter().enumerate() {
        for (m, measure) in MEASURES.iter().enumerate() {
            let y: Vec<f64> = (0..plan.variants.len())
                .map(|a| results.outcomes.level(a, o, m).mean())
                .collect();
            let result = analysis::sensitivity(&x, &y);
            for (p, (key, _)) in columns.iter().enumerate() {
                w.write_record([
                    outcome.clone(),
                    measure.to_string(),
                    key.clone(),
                    number(result.spearman[p]),
                    number(result.src.as_ref().map(|b| b[p])),
                    number(result.r2),
                    number(result.r2_adjusted),
                ])?;
            }
        }
    }
    Ok(())
}

/// The comparison table of a study as CSV text (see [`comparison`]).
pub fn comparison_table(plan: &Plan, results: &Results) -> csv::Result<String> {
    to_string(|w| comparison(w, plan, results))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_effectiveness_only_for_a_variant_that_costs_more() {
        let extra = |diff: f64, ci: (f64, f64)| Contrast {
            diff,
            relative: None,
            relative_ci: None,
            ci: Some(ci),
            p_value: None,
            p_holm: None,
            test: crate::study::analysis::Test::Paired,
        };
        // Dearer: the outcome's difference per unit of extra cost.
        assert_eq!(per_extra_cost(&extra(2.0, (1.0, 3.0)), 0.5), Some(0.25));
        // Cheaper (a worse and cheaper variant would read +): none; nor
        // when the extra cost may be 0.
        assert_eq!(per_extra_cost(&extra(-2.0, (-3.0, -1.0)), -0.5), None);
        assert_eq!(per_extra_cost(&extra(0.5, (-0.5, 1.5)), 0.5), None);
    }

    #[test]
    fn seeds_are_sixteen_hex_digits_that_read_back_exactly() {
        for seed in [0, 1, 255, 1 << 53, (1 << 53) + 1, u64::MAX - 1, u64::MAX] {
            let text = seed_text(seed);
            assert_eq!(text.len(), 18, "{text}");
            assert!(text.starts_with("0x"), "{text}");
            assert!(
                text.parse::<f64>().is_err(),
                "{text} must not read as a number"
            );
            assert_eq!(parse_seed(&text), Some(seed));
        }
        assert_eq!(seed_text(255), "0x00000000000000ff");
        assert_eq!(parse_seed("255"), None);
        assert_eq!(parse_seed("0xff"), None);
        assert_eq!(parse_seed("0x00000000000000fg"), None);
    }

    #[test]
    fn numbers_are_shortest_round_trip_and_empty_when_missing() {
        assert_eq!(number(Some(0.1)), "0.1");
        assert_eq!(number(Some(2.0 / 3.0)), "0.6666666666666666");
        assert_eq!(number(Some(24.0)), "24");
        assert_eq!(number(Some(f64::NAN)), "");
        assert_eq!(number(None), "");
        for x in [0.1 + 0.2, 1e-300, 123456.789, -0.0036] {
            assert_eq!(number(Some(x)).parse::<f64>().unwrap(), x);
        }
    }
}
