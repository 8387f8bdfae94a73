//! The result files of a calibration (`docs/experiments.md`, "Calibration"):
//! `posterior.csv`, `posterior_summary.csv`, `generations.csv`,
//! `target_fit.csv`, `calibrated.toml`, the pairwise posterior chart and
//! `report.md`.

use super::OutputError;
use super::files::{self, write_atomic};
use super::report::sig4;
use crate::scenario::Scenario;
use crate::study::abc::{Marginal, effective_sample_size, marginals, weighted_quantile};
use crate::study::calibration::Generation;
use crate::study::methods::CalibrationSpec;
use crate::study::plan::Plan;
use std::path::Path;

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// The base scenario with the posterior medians: what `calibrated.toml` holds.
pub fn calibrated_scenario(
    base: &Scenario,
    spec: &CalibrationSpec,
    medians: &[Marginal],
    origin: &str,
) -> Result<Scenario, OutputError> {
    let overrides: Vec<(String, String)> = spec
        .parameters
        .iter()
        .zip(medians)
        .map(|(r, m)| (r.key.clone(), r.literal_of(m.median)))
        .collect();
    let mut calibrated = base
        .with_checked_overrides(&overrides, origin)
        .map_err(|e| OutputError::Refused {
            path: origin.into(),
            why: e.to_string(),
        })?;
    // Every value is written out resolved: the file stands alone.
    calibrated.scenario.base.clear();
    Ok(calibrated)
}

/// Write every result file of a finished calibration; returns the files
/// written, relative to `dir`.
pub fn write(
    plan: &Plan,
    base: &Scenario,
    spec: &CalibrationSpec,
    generations: &[Generation],
    dir: &Path,
) -> Result<Vec<String>, OutputError> {
    let Some(last) = generations.last() else {
        return Ok(vec![]);
    };
    let pop = &last.population;
    let summary = marginals(pop);
    let months = plan.months;
    let names: Vec<String> = spec.parameters.iter().map(|r| r.key.clone()).collect();
    let mut tables = Vec::new();
    tables.push(files::write_csv(&dir.join("generations.csv"), |w| {
        w.write_record([
            "generation",
            "proposals",
            "runs",
            "epsilon",
            "effective_sample_size",
        ])?;
        for (g, gen_) in generations.iter().enumerate() {
            w.write_record([
                g.to_string(),
                gen_.proposals.to_string(),
                gen_.runs.to_string(),
                num(gen_.population.epsilon),
                num(effective_sample_size(&gen_.population.weights)),
            ])?;
        }
        w.flush()?;
        Ok(())
    })?);
    tables.push(files::write_csv(&dir.join("posterior.csv"), |w| {
        let mut header = vec!["particle".to_string(), "weight".into(), "distance".into()];
        header.extend(names.iter().cloned());
        // A metric targeted in two windows names its months, so that no two
        // columns share a name.
        header.extend(spec.targets.iter().map(|t| {
            let twice = spec
                .targets
                .iter()
                .filter(|u| u.label() == t.label())
                .count()
                > 1;
            if twice {
                let (first, last) = t.window(months);
                format!("simulated:{} months {first}-{last}", t.label())
            } else {
                format!("simulated:{}", t.label())
            }
        }));
        w.write_record(&header)?;
        for (i, theta) in pop.theta.iter().enumerate() {
            let mut record = vec![i.to_string(), num(pop.weights[i]), num(pop.distances[i])];
            record.extend(theta.iter().map(|x| num(*x)));
            let sims = last.summaries.get(i).cloned().unwrap_or_default();
            record.extend(sims.iter().map(|x| num(*x)));
            w.write_record(&record)?;
        }
        w.flush()?;
        Ok(())
    })?);
    tables.push(files::write_csv(&dir.join("posterior_summary.csv"), |w| {
        w.write_record([
            "parameter",
            "prior_low",
            "prior_high",
            "mean",
            "sd",
            "median",
            "q05",
            "q95",
            "q025",
            "q975",
            "width90_over_prior",
        ])?;
        for (r, m) in spec.parameters.iter().zip(&summary) {
            let prior = 0.9 * (r.high - r.low);
            w.write_record([
                r.key.clone(),
                num(r.low),
                num(r.high),
                num(m.mean),
                num(m.sd),
                num(m.median),
                num(m.q05),
                num(m.q95),
                num(m.q025),
                num(m.q975),
                num(if prior > 0.0 {
                    (m.q95 - m.q05) / prior
                } else {
                    f64::NAN
                }),
            ])?;
        }
        w.flush()?;
        Ok(())
    })?);
    let fit = target_fit(spec, last, months);
    tables.push(files::write_csv(&dir.join("target_fit.csv"), |w| {
        w.write_record([
            "target",
            "metric",
            "variant",
            "first_month",
            "last_month",
            "value",
            "sd",
            "posterior_mean",
            "posterior_q05",
            "posterior_q95",
            "z",
            "source",
        ])?;
        for (t, f) in spec.targets.iter().zip(&fit) {
            let (first, last) = t.window(months);
            w.write_record([
                t.label(),
                t.metric.clone(),
                t.variant.clone().unwrap_or_default(),
                first.to_string(),
                last.to_string(),
                num(t.value),
                num(t.sd),
                num(f.0),
                num(f.1),
                num(f.2),
                num((f.0 - t.value) / t.sd),
                t.source.clone(),
            ])?;
        }
        w.flush()?;
        Ok(())
    })?);
    let origin = format!(
        "{} (posterior medians)",
        plan.sources.first().map_or("", |s| s.as_str())
    );
    let calibrated = calibrated_scenario(base, spec, &summary, &origin)?;
    let mut toml = format!(
        "# Scenario `{}` with the posterior medians of a calibration by grassroots\n# model {}; see posterior_summary.csv for the credible intervals.\n",
        base.scenario.name, plan.model
    );
    for (r, m) in spec.parameters.iter().zip(&summary) {
        toml.push_str(&format!(
            "# {} = {} (90 % credible interval {} – {}, prior {} – {})\n",
            r.key,
            r.literal_of(m.median),
            sig4(m.q05),
            sig4(m.q95),
            sig4(r.low),
            sig4(r.high)
        ));
    }
    toml.push_str(
        "# The medians are taken parameter by parameter: where the posterior ties\n\
         # parameters together (a ridge in the pairs chart), this point can fit the\n\
         # targets less well than the particles do; check it with `grassroots run`.\n",
    );
    toml.push_str(&format!(
        "# replicates = {} is the calibration's own; raise it for a run.\n",
        calibrated.scenario.replicates
    ));
    if !plan.overrides.is_empty() {
        let shown: Vec<String> = plan
            .overrides
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        toml.push_str(&format!(
            "# It includes the calibration's command-line overrides: {}.\n",
            shown.join(", ")
        ));
    }
    toml.push('\n');
    toml.push_str(&calibrated.to_toml());
    let mut written = files::commit_all(dir, tables)?;
    write_atomic(&dir.join("calibrated.toml"), toml.as_bytes())?;
    written.push("calibrated.toml".into());
    let charts = super::plot::commit_study_charts(plan, dir)?;
    let pairs = charts
        .iter()
        .find(|c| c.ends_with("posterior_pairs.png"))
        .cloned();
    written.extend(charts);
    let markdown = report(plan, spec, generations, &summary, &fit, pairs.as_deref());
    write_atomic(&dir.join("report.md"), markdown.as_bytes())?;
    written.push("report.md".into());
    Ok(written)
}

/// Each target's posterior predictive mean and 90 % interval over the kept
/// particles (weighted), from their simulations on fresh seeds
/// ([`Generation::predictive`]), not the simulations they were selected on.
fn target_fit(spec: &CalibrationSpec, last: &Generation, _months: u32) -> Vec<(f64, f64, f64)> {
    let w = &last.population.weights;
    (0..spec.targets.len())
        .map(|t| {
            let xs: Vec<f64> = last
                .predictive
                .iter()
                .map(|s| s.get(t).copied().unwrap_or(f64::NAN))
                .collect();
            let mean = xs
                .iter()
                .zip(w)
                .filter(|(x, _)| x.is_finite())
                .map(|(x, w)| x * w)
                .sum::<f64>()
                / xs.iter()
                    .zip(w)
                    .filter(|(x, _)| x.is_finite())
                    .map(|(_, w)| w)
                    .sum::<f64>();
            // Fresh runs may leave a summary undefined (a metric without
            // values in its window): quantiles over the finite ones.
            let (fx, fw): (Vec<f64>, Vec<f64>) = xs
                .iter()
                .zip(w)
                .filter(|(x, _)| x.is_finite())
                .map(|(x, w)| (*x, *w))
                .unzip();
            (
                mean,
                weighted_quantile(&fx, &fw, 0.05),
                weighted_quantile(&fx, &fw, 0.95),
            )
        })
        .collect()
}

fn report(
    plan: &Plan,
    spec: &CalibrationSpec,
    generations: &[Generation],
    summary: &[Marginal],
    fit: &[(f64, f64, f64)],
    pairs: Option<&str>,
) -> String {
    let last = generations.last();
    let mut out = format!(
        "# Calibration: {}{}\n\n{}Approximate Bayesian computation (rejection, then sequential Monte Carlo with a tolerance set per generation; Beaumont et al. 2009): {} particles kept of {} proposals per generation, {} generations, {} replicates per proposal, each proposal on seeds of its own (its baseline and policy arms on common random numbers). Uniform priors on the ranges below. Model {}.\n\n## Posterior\n\n| parameter | prior | median | 90 % credible interval | its width / the prior's 90 % width |\n|---|---|---|---|---|\n",
        plan.name,
        super::report::overrides_note(&plan.overrides),
        super::report::study_provenance(plan),
        spec.particles,
        spec.proposals(),
        generations.len(),
        plan.replicates,
        plan.model
    );
    for (r, m) in spec.parameters.iter().zip(summary) {
        let prior = 0.9 * (r.high - r.low);
        out.push_str(&format!(
            "| `{}` | {} – {} | {} | {} – {} | {} |\n",
            r.key,
            sig4(r.low),
            sig4(r.high),
            sig4(m.median),
            sig4(m.q05),
            sig4(m.q95),
            if prior > 0.0 {
                sig4((m.q95 - m.q05) / prior)
            } else {
                String::new()
            }
        ));
    }
    out.push_str("\n## Fit of each target\n\n| target | months | value ± sd | posterior predictive mean [90 %] | z | source |\n|---|---|---|---|---|---|\n");
    for (t, f) in spec.targets.iter().zip(fit) {
        let (a, b) = t.window(plan.months);
        out.push_str(&format!(
            "| {} | {a}–{b} | {} ± {} | {} [{}, {}] | {} | {} |\n",
            t.label(),
            sig4(t.value),
            sig4(t.sd),
            sig4(f.0),
            sig4(f.1),
            sig4(f.2),
            sig4((f.0 - t.value) / t.sd),
            t.source
        ));
    }
    if let Some(l) = last {
        out.push_str(&format!(
            "\nThe posterior predictive simulates each kept particle again on seeds no generation used ({} runs): the simulations the particles were selected on (`simulated:` columns of `posterior.csv`) lie closer to the targets by selection.\n",
            l.predictive_runs
        ));
    }
    out.push_str("\n## Generations\n\n| generation | tolerance ε | effective sample size | runs |\n|---|---|---|---|\n");
    for (g, gen_) in generations.iter().enumerate() {
        out.push_str(&format!(
            "| {g} | {} | {} | {} |\n",
            sig4(gen_.population.epsilon),
            sig4(effective_sample_size(&gen_.population.weights)),
            gen_.runs,
        ));
    }
    if last.is_some() {
        if let Some(chart) = pairs {
            out.push_str(&format!("\n![pairwise posterior]({chart})\n"));
        }
        out.push_str("\n`calibrated.toml` is the scenario with the posterior medians. Reading: a posterior much narrower than its prior means the targets pin the parameter; one nearly as wide means they do not, and its value remains an assumption. A |z| above 2 means the model cannot reach that target with the others.\n");
    }
    out
}
