//! The result files of a calibration (`docs/experiments.md`, "Calibration"):
//! `posterior.csv`, `posterior_summary.csv`, `generations.csv`,
//! `target_fit.csv`, `calibrated.toml`, the pairwise posterior chart and
//! `report.md`.

use super::OutputError;
use super::files::{self, write_atomic};
use super::report::sig4;
use crate::scenario::Scenario;
use crate::study::abc::{Marginal, effective_sample_size};
use crate::study::calibration::{
    BOOTSTRAP_RESAMPLES, Diagnosis, EDGE_SHARE, EDGE_WEIGHT, FitLevel, Generation,
    POOR_FIT_QUANTILE, UNREACHABLE_SD,
};
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
    diagnosis: Option<&Diagnosis>,
    dir: &Path,
) -> Result<Vec<String>, OutputError> {
    let (Some(last), Some(diagnosis)) = (generations.last(), diagnosis) else {
        return Ok(vec![]);
    };
    let pop = &last.population;
    let summary: Vec<Marginal> = diagnosis.parameters.iter().map(|p| p.marginal).collect();
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
            "median_se",
            "width90_over_prior_se",
            "clamped",
            "at_prior_edge",
            "prior_edge_weight",
        ])?;
        for (r, p) in spec.parameters.iter().zip(&diagnosis.parameters) {
            let m = &p.marginal;
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
                num(p.width90_over_prior),
                num(p.median_se),
                num(p.width90_over_prior_se),
                p.clamped.join(" "),
                p.edge.unwrap_or_default().to_string(),
                num(p.edge_weight),
            ])?;
        }
        w.flush()?;
        Ok(())
    })?);
    let fit = &diagnosis.targets;
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
            "posterior_sd",
            "posterior_share_below",
            "prior_predictive_min",
            "prior_predictive_max",
            "outside_prior_predictive",
            "prior_predictive_gap_sd",
            "z",
            "source",
        ])?;
        for (t, f) in spec.targets.iter().zip(fit) {
            let (first, last) = t.window(months);
            w.write_record([
                t.label(),
                t.metric.clone(),
                t.variant.clone().unwrap_or_default(),
                first.to_string(),
                last.to_string(),
                num(t.value),
                num(t.sd),
                num(f.mean),
                num(f.q05),
                num(f.q95),
                num(f.sd),
                num(f.share_below),
                num(f.prior_min),
                num(f.prior_max),
                f.outside_prior.to_string(),
                num(f.prior_gap_sd),
                num(f.z),
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
    let markdown = report(plan, spec, generations, diagnosis, pairs.as_deref());
    write_atomic(&dir.join("report.md"), markdown.as_bytes())?;
    written.push("report.md".into());
    Ok(written)
}

/// A share as a whole percentage ("< 1 %" and "> 99 %" short of the ends).
/// `sig4`, or "—" for a number that is not finite (an error with too few
/// particles to resample, a fit without fresh simulations).
fn dash(x: f64) -> String {
    if x.is_finite() { sig4(x) } else { "—".into() }
}

fn percent(x: f64) -> String {
    if !x.is_finite() {
        "—".into()
    } else if x > 0.0 && x < 0.005 {
        "< 1 %".into()
    } else if x < 1.0 && x > 0.995 {
        "> 99 %".into()
    } else {
        format!("{:.0} %", 100.0 * x)
    }
}

fn report(
    plan: &Plan,
    spec: &CalibrationSpec,
    generations: &[Generation],
    diagnosis: &Diagnosis,
    pairs: Option<&str>,
) -> String {
    let last = generations.last();
    let kept = if diagnosis.kept < spec.particles as usize {
        format!(
            "{} kept in the last generation ({} configured: the other proposals gave a non-finite summary) of {} proposals per generation",
            super::report::count(diagnosis.kept as u64, "particle"),
            spec.particles,
            spec.proposals()
        )
    } else {
        format!(
            "{} kept of {} proposals per generation",
            super::report::count(diagnosis.kept as u64, "particle"),
            spec.proposals()
        )
    };
    let mut out = format!(
        "# Calibration: {}{}\n\n{}Approximate Bayesian computation (rejection, then sequential Monte Carlo with a tolerance set per generation; Beaumont et al. 2009): {kept}, {}, {} replicates per proposal, each proposal on seeds of its own (its baseline and policy arms on common random numbers). Uniform priors on the ranges below. Model {}.\n",
        super::report::plan_scenario_name(plan),
        super::report::overrides_note(&plan.overrides),
        super::report::study_provenance(plan),
        super::report::count(generations.len() as u64, "generation"),
        plan.replicates,
        plan.model
    );
    if !diagnosis.warnings.is_empty() {
        out.push_str("\n## Warnings\n\n");
        for w in &diagnosis.warnings {
            out.push_str(&format!("- {w}\n"));
        }
    }
    out.push_str("\n## Posterior\n\n| parameter | prior | median ± MC error | 90 % credible interval | 95 % credible interval | its width / the prior's 90 % width ± MC error |\n|---|---|---|---|---|---|\n");
    // A clamped 2.5 % or 97.5 % quantile is left blank; a clamped 5 % or
    // 95 % one (ten equal particles or fewer) is marked.
    let end = |x: f64, clamped: bool, blank: bool| match (clamped, blank) {
        (false, _) => sig4(x),
        (true, true) => "—".to_string(),
        (true, false) => format!("{}*", sig4(x)),
    };
    for (r, p) in spec.parameters.iter().zip(&diagnosis.parameters) {
        let m = &p.marginal;
        let c = |q: &str| p.clamped.contains(&q);
        out.push_str(&format!(
            "| `{}` | {} – {} | {} ± {} | {} – {} | {} – {} | {} ± {} |\n",
            r.key,
            sig4(r.low),
            sig4(r.high),
            sig4(m.median),
            dash(p.median_se),
            end(m.q05, c("q05"), false),
            end(m.q95, c("q95"), false),
            end(m.q025, c("q025"), true),
            end(m.q975, c("q975"), true),
            sig4(p.width90_over_prior),
            dash(p.width90_over_prior_se),
        ));
    }
    out.push_str(&format!(
        "\n± is the Monte Carlo error: the standard deviation over {BOOTSTRAP_RESAMPLES} bootstrap resamples of the final particles (drawn with replacement, each keeping its weight). It ignores the dependence sequential Monte Carlo leaves among particles, so it is likely an underestimate: by 30–70 % for width ratios in a 40-seed check of a small calibration (the sd across seeds 1.3–1.7 times the mean bootstrap error). For decisions, compare runs with different seeds. A difference in width ratio smaller than about twice this error cannot be told apart from Monte Carlo noise.\n"
    ));
    if diagnosis.parameters.iter().any(|p| !p.clamped.is_empty()) {
        out.push_str("An interval end left blank (—, for 95 %) or marked * (for 90 %) is clamped to the outermost particle: the particles beyond that quantile carry less weight than it needs, so the number only says where that particle lies (`posterior_summary.csv` keeps it and names it in `clamped`).\n");
    }
    out.push_str("\n## Fit of each target\n\n| target | months | value ± sd | posterior predictive mean [90 %] | posterior predictive below the value | prior predictive range | source |\n|---|---|---|---|---|---|---|\n");
    for (t, f) in spec.targets.iter().zip(&diagnosis.targets) {
        let (a, b) = t.window(plan.months);
        out.push_str(&format!(
            "| {} | {a}–{b} | {} ± {} | {} [{}, {}] | {} | {} – {}{} | {} |\n",
            t.label(),
            sig4(t.value),
            sig4(t.sd),
            sig4(f.mean),
            sig4(f.q05),
            sig4(f.q95),
            percent(f.share_below),
            sig4(f.prior_min),
            sig4(f.prior_max),
            if f.outside_prior {
                format!(
                    " (**outside it by {} sd**)",
                    super::report::sig4(f.prior_gap_sd.abs())
                )
            } else {
                String::new()
            },
            t.source
        ));
    }
    if let Some(l) = last {
        let draws = diagnosis
            .targets
            .iter()
            .map(|f| f.prior_draws)
            .max()
            .unwrap_or(0);
        out.push_str(&format!(
            "\nThe posterior predictive simulates each kept particle again on seeds no generation used ({} runs): the simulations the particles were selected on (`simulated:` columns of `posterior.csv`) lie closer to the targets by selection. \"Below the value\" is the weighted share of these simulations below the target's value: near 0 % or 100 %, the particles miss the target on one side. The prior predictive range is the smallest and largest simulated value over the {draws} parameter sets drawn from the prior (generation 0): a value outside it is one no parameter set drawn from the prior reached, and the table gives by how many of the target's sd (`prior_predictive_gap_sd` in `target_fit.csv`): beyond {UNREACHABLE_SD} sd the model cannot reach the value with these priors, whatever the posterior; within {UNREACHABLE_SD} sd the value is beyond every prior draw but within its stated uncertainty. (`target_fit.csv` also gives z = (predictive mean − value) / sd, the distance in the target's sd; it ignores the predictive spread and says nothing on its own about whether the model can reach the value.)\n",
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
        let k = spec.targets.len();
        let d = diagnosis;
        let targets = super::report::count(k as u64, "target");
        let tolerance = format!(
            "The final tolerance ε = {} (distances in sd units) compares with {}, the ε a model that is right would reach if each sd were its standard error: ε is the {} quantile of a generation's distances (the share of proposals kept), and the squared distance of such a model is χ² with k = {k} degrees of freedom, so its ε is √ of χ²'s {} quantile — always below √k = {}, so an ε below √k does not say the particles fit more closely than the targets' sd.",
            sig4(d.epsilon),
            sig4(d.epsilon_ideal),
            d.quantile,
            d.quantile,
            sig4((k as f64).sqrt()),
        );
        let fit = format!(
            "The fit is judged on the posterior predictive (fresh simulations, not selected for closeness): the weighted median of their squared distances D² is {}, against χ²'s median {} for such a model ({}), and {} of the posterior weight lies above χ²'s {} % quantile {}, which such a model exceeds in {:.1} % of simulations. {}",
            dash(d.predictive_d2_median),
            sig4(d.chi2_median),
            targets,
            percent(d.predictive_share_far),
            POOR_FIT_QUANTILE * 100.0,
            sig4(d.chi2_poor),
            (1.0 - POOR_FIT_QUANTILE) * 100.0,
            match d.fit {
                FitLevel::Within =>
                    "The median lies within that quantile: no sign of a poor fit by this rule (the targets' sd are not standard errors, so this is a rule of thumb, not a test).",
                FitLevel::Poor =>
                    "The median lies above that quantile: the particles do not fit the targets, and the posterior is the parameter values that come least far, not values consistent with the targets.",
            }
        );
        out.push_str(&format!(
            "\n## Reading\n\n`calibrated.toml` is the scenario with the posterior medians.\n\nWhat the intervals mean. A target's sd only weighs the targets against each other: the particles kept are those closest to the targets, so multiplying every sd by the same factor changes no particle, only ε and z. The credible intervals are those of the ABC tolerance reached with this many particles and generations — they narrow with more computation, not with better data — and not those of a likelihood that treats each sd as the target's standard error. {tolerance}\n\n{fit}\n\nA posterior much narrower than its prior (width ratio well below 1, by more than its Monte Carlo error) means the targets pin the parameter; one nearly as wide means they do not, and its value remains an assumption. A posterior with much of its weight near a prior bound means the targets push toward it: that end of the interval is the prior's, and a wider prior would show more. A target the particles miss on one side (nearly all of the posterior predictive below or above it), and above all one more than {UNREACHABLE_SD} sd outside the prior predictive range, is one the model does not reach with the others; the posterior then trades it against them.\n\nIts warnings use these rules of thumb: the posterior predictive's median D² above χ²ₖ's {} % quantile; a value outside the prior predictive range (out of reach when more than {UNREACHABLE_SD} of its sd outside); more than {} % of the posterior weight within {} % of the prior's width of a bound; an effective sample size below half the particles kept; a quantile clamped to the outermost particle.\n",
            POOR_FIT_QUANTILE * 100.0,
            EDGE_WEIGHT * 100.0,
            EDGE_SHARE * 100.0
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::abc::Population;
    use crate::study::calibration::{Calibration, diagnose};
    use crate::study::runner::StudyFile;

    #[test]
    fn the_header_counts_the_particles_kept_not_those_configured() {
        let text = "[scenario]\nmonths = 6\n[calibration]\nparticles = 10\ngenerations = 1\n[calibration.parameters]\n\"effort.noise\" = [0.0, 1.0]\n[[calibration.targets]]\nmetric = \"share_met\"\nvalue = 0.5\nsd = 0.1\n";
        let file = StudyFile::parse(text, "c.toml", &[], None).unwrap();
        let cal = Calibration::new(&file, &[]).unwrap();
        let plan = cal.identity().unwrap().plan;
        // Nine particles: one proposal's summary was not finite.
        let generation = |n: usize| Generation {
            population: Population {
                theta: (0..n).map(|i| vec![i as f64 / 10.0]).collect(),
                weights: vec![1.0 / n as f64; n],
                distances: vec![0.5; n],
                epsilon: 0.5,
                generation: 0,
            },
            proposals: 10,
            ran: 0,
            runs: 0,
            summaries: vec![vec![0.55]; n],
            proposal_summaries: vec![vec![0.55]; 10],
            predictive: vec![vec![0.55]; n],
            predictive_runs: 0,
            predictive_ran: 0,
        };
        let gens = [generation(9)];
        let d = diagnose(cal.spec, &gens, 1).unwrap();
        let md = report(&plan, cal.spec, &gens, &d, None);
        assert!(
            md.contains("9 particles kept in the last generation (10 configured: the other proposals gave a non-finite summary) of 50 proposals per generation, 1 generation, "),
            "{md}"
        );
        assert!(
            md.contains("- 9 particles kept of the 10 configured"),
            "{md}"
        );
        // ε = 0.5 against √ of χ²₁'s 20 % quantile, 0.2533; the fresh
        // simulations' D² (0.25) against χ²₁'s median 0.4549.
        assert!(
            md.contains(
                "The final tolerance ε = 0.5000 (distances in sd units) compares with 0.2533,"
            ) && md.contains("always below √k = 1.000, so an ε below √k does not say")
                && md.contains("squared distances D² is 0.2500, against χ²'s median 0.4549")
                && md.contains("no sign of a poor fit"),
            "{md}"
        );
        let gens = [generation(10)];
        let d = diagnose(cal.spec, &gens, 1).unwrap();
        let md = report(&plan, cal.spec, &gens, &d, None);
        assert!(
            md.contains(": 10 particles kept of 50 proposals per generation, 1 generation, "),
            "{md}"
        );
    }
}
