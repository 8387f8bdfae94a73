//! Calibration as a study (`docs/experiments.md`, "Calibration"): approximate
//! Bayesian computation ([`super::abc`]) of the parameters of `[calibration]`
//! against its targets, one generation at a time, each generation a study
//! whose runs go through the run store, so an interrupted calibration resumes
//! where it stopped.
//!
//! A proposal is run under the baseline and under every variant a target
//! names, its arms with common random numbers (the same replicate seeds),
//! each proposal on seeds of its own (generation and index), so that no
//! noise draw is shared by every particle. Its simulated summary of a target is the mean over
//! replicates of the metric's mean over the target's months (for a policy
//! target, the variant's minus the baseline's). Proposals of generation t
//! depend only on the seed and on generation t − 1, so re-running the same
//! file replays the same proposals and finds their runs stored.

use super::abc::{self, AbcSettings, Marginal, Population, Prior};
use super::methods::CalibrationSpec;
use super::plan::{StudyKind, Variant};
use super::runner::{Outline, Progress, RunError, RunStore, Study, StudyError, StudyFile};
use crate::metrics::metric_index;
use crate::random::{self, mix64};

/// A calibration of one scenario file.
#[derive(Debug, Clone)]
pub struct Calibration<'a> {
    file: &'a StudyFile,
    overrides: &'a [(String, String)],
    /// The `[calibration]` section.
    pub spec: &'a CalibrationSpec,
    /// Uniform priors, one per parameter.
    pub priors: Vec<Prior>,
    /// Particles, quantile and seed of the ABC.
    pub settings: AbcSettings,
}

/// One finished generation.
#[derive(Debug, Clone)]
pub struct Generation {
    /// The particles kept, their weights, distances and tolerance.
    pub population: Population,
    /// Proposals simulated.
    pub proposals: usize,
    /// Runs made now (the others were found in the store).
    pub ran: usize,
    /// Runs of the generation.
    pub runs: usize,
    /// The simulated summary of every target at each kept particle, in the
    /// population's order: the simulations the particles were selected on.
    pub summaries: Vec<Vec<f64>>,
    /// The simulated summary of every target at every proposal of the
    /// generation, kept or not, in proposal order. Generation 0's are the
    /// prior predictive: what the model gives over the whole prior box.
    pub proposal_summaries: Vec<Vec<f64>>,
    /// Of the last generation only (empty before): every target's summary at
    /// each kept particle simulated again on fresh seeds, in the population's
    /// order — the posterior predictive, which is not selected to be near
    /// the targets as `summaries` are.
    pub predictive: Vec<Vec<f64>>,
    /// Runs of the posterior predictive check, and how many were made now.
    pub predictive_runs: usize,
    /// See `predictive_runs`.
    pub predictive_ran: usize,
}

impl<'a> Calibration<'a> {
    /// The calibration of `file` (which must have a `[calibration]`), with
    /// command-line `overrides` applied to every run.
    pub fn new(
        file: &'a StudyFile,
        overrides: &'a [(String, String)],
    ) -> Result<Calibration<'a>, StudyError> {
        let Some(spec) = &file.spec.calibration else {
            return Err(StudyError::NoSection {
                file: file.shown.clone(),
                section: "calibration",
                example: "[calibration]\nparticles = 100\n[calibration.parameters]\n\"environment.need_rate\" = [0.05, 0.2]\n[[calibration.targets]]\nmetric = \"share_met\"\nvalue = 0.7\nsd = 0.05",
            });
        };
        super::runner::refuse_overridden_factors(overrides, &spec.parameters, "calibration")?;
        super::runner::refuse_overridden_variants(
            overrides,
            file,
            &spec.arms(),
            "variant of [calibration] targets",
        )?;
        let priors = spec
            .parameters
            .iter()
            .map(|r| Prior {
                low: r.low,
                high: r.high,
            })
            .collect();
        let settings = AbcSettings {
            particles: spec.particles as usize,
            quantile: spec.quantile,
            seed: mix64(file.base.scenario.seed ^ 0xCA11_B8A7),
        };
        Ok(Calibration {
            file,
            overrides,
            spec,
            priors,
            settings,
        })
    }

    /// The proposals of generation `g` (from the prior when `previous` is
    /// `None`).
    pub fn proposals(&self, g: u32, previous: Option<&Population>) -> Vec<Vec<f64>> {
        abc::propose(&self.priors, &self.settings, g, previous)
    }

    /// The study of generation `g`'s proposals: one variant per proposal and
    /// arm (see [`CalibrationSpec::arms`]), common random numbers.
    pub fn generation(&self, g: u32, proposals: &[Vec<f64>]) -> Result<Study, StudyError> {
        let arms = self.spec.arms();
        let mut variants = Vec::with_capacity(proposals.len() * arms.len());
        for (i, theta) in proposals.iter().enumerate() {
            let at: Vec<(String, String)> = self
                .spec
                .parameters
                .iter()
                .zip(theta)
                .map(|(r, &x)| (r.key.clone(), r.literal_of(x)))
                .collect();
            for (a, arm) in arms.iter().enumerate() {
                let mut overrides = at.clone();
                let name = if a == 0 {
                    format!("g{g}.{i}")
                } else {
                    // `arms` names only variants the file has (checked when parsed).
                    if let Some(v) = self.file.spec.variants.iter().find(|v| &v.name == arm) {
                        overrides.extend(v.overrides.iter().cloned());
                    }
                    format!("g{g}.{i}.{arm}")
                };
                variants.push(Variant {
                    name,
                    source: 0,
                    overrides,
                });
            }
        }
        let size = super::plan::study_size(
            super::plan::Shape::Compare {
                variants: variants.len() as u64,
                environments: 1,
            },
            self.file.base.scenario.replicates,
        )
        .map_err(|why| StudyError::TooLarge {
            file: self.file.shown.clone(),
            why,
        })?;
        let mut outcomes: Vec<String> = Vec::new();
        for t in &self.spec.targets {
            if !outcomes.contains(&t.metric) {
                outcomes.push(t.metric.clone());
            }
        }
        let mut plan = super::runner::plan_of(
            StudyKind::Calibration,
            format!("{}_calibration", self.file.base.scenario.name),
            std::slice::from_ref(self.file),
            variants,
            vec![vec![]],
            self.spec.parameters.iter().map(|r| r.key.clone()).collect(),
            self.overrides,
        );
        plan.outcomes = outcomes;
        plan.common_random_numbers = true;
        plan.calibration = Some(self.spec.clone());
        let mut study =
            Outline { plan, size }.resolve(std::slice::from_ref(self.file), self.overrides)?;
        // Each proposal draws its own noise: with the same replicate seeds
        // for every proposal, every particle's summary would carry one
        // shared noise draw, and the posterior would shift to make up for
        // it. Its arms share streams, so a policy target's difference is
        // paired.
        super::plan::seed_by_group(&mut study.plan, arms.len(), |i| {
            mix64((u64::from(g) << 32) ^ i as u64 ^ 0xCA11_5EED_0000_0000)
        });
        Ok(study)
    }

    /// The simulated summary of every target for each proposal of a
    /// generation's study, reading each run once from `store`.
    pub fn summaries<S: RunStore>(
        &self,
        study: &Study,
        store: &S,
    ) -> Result<Vec<Vec<f64>>, S::Error> {
        let plan = &study.plan;
        let arms = self.spec.arms();
        let proposals = plan.variants.len() / arms.len();
        let targets = &self.spec.targets;
        let months = plan.months;
        // Sum over replicates of each target's window mean, per variant.
        let mut sums = vec![0.0; plan.variants.len() * targets.len()];
        let mut counts = vec![0u32; plan.variants.len()];
        for r in &plan.runs {
            let data = store.read(&r.key, months)?.months;
            let v = r.variant as usize;
            counts[v] += 1;
            for (t, target) in targets.iter().enumerate() {
                // Targets name known metrics (checked when parsed).
                let m = metric_index(&target.metric).unwrap_or(0);
                let (first, last) = target.window(months);
                let rows = &data[first as usize..=(last as usize).min(data.len() - 1)];
                let mean = rows.iter().map(|row| row[m]).sum::<f64>() / rows.len() as f64;
                sums[v * targets.len() + t] += mean;
            }
        }
        let mean = |v: usize, t: usize| sums[v * targets.len() + t] / f64::from(counts[v].max(1));
        Ok((0..proposals)
            .map(|i| {
                targets
                    .iter()
                    .enumerate()
                    .map(|(t, target)| {
                        let base = mean(i * arms.len(), t);
                        match &target.variant {
                            None => base,
                            Some(name) => {
                                let a = arms.iter().position(|x| x == name).unwrap_or(0);
                                mean(i * arms.len() + a, t) - base
                            }
                        }
                    })
                    .collect()
            })
            .collect())
    }

    /// Distance of a proposal's summaries from the targets.
    pub fn distance(&self, summary: &[f64]) -> f64 {
        let values: Vec<f64> = self.spec.targets.iter().map(|t| t.value).collect();
        let scales: Vec<f64> = self.spec.targets.iter().map(|t| t.sd).collect();
        abc::distance(summary, &values, &scales)
    }

    /// Run every generation: propose, run the runs `store` lacks, summarise,
    /// select. `on_generation` sees each finished generation (to report or
    /// write it); `progress` sees each generation's runs.
    pub fn run<S: RunStore>(
        &self,
        store: &S,
        progress: &dyn Progress,
        on_generation: &mut dyn FnMut(u32, &Generation),
    ) -> Result<Vec<Generation>, CalibrationError<S::Error>> {
        let mut done: Vec<Generation> = Vec::new();
        for g in 0..self.spec.generations {
            let previous = done.last().map(|d| &d.population);
            let proposals = self.proposals(g, previous);
            let study = self.generation(g, &proposals)?;
            let ran = study
                .run_missing(store, None, None, progress)
                .map_err(CalibrationError::Run)?;
            let summaries = self
                .summaries(&study, store)
                .map_err(|e| CalibrationError::Run(RunError::Store(e)))?;
            let distances: Vec<f64> = summaries.iter().map(|s| self.distance(s)).collect();
            if distances.iter().all(|d| d.is_nan()) {
                return Err(CalibrationError::NoFiniteSummary { generation: g });
            }
            let population = abc::select(
                &self.priors,
                &self.settings,
                g,
                proposals.clone(),
                &distances,
                previous,
            );
            // The kept particles' summaries, found by their parameters.
            let kept = population
                .theta
                .iter()
                .map(|theta| {
                    proposals
                        .iter()
                        .position(|p| p == theta)
                        .map(|i| summaries[i].clone())
                        .unwrap_or_default()
                })
                .collect();
            let mut generation = Generation {
                population,
                proposals: proposals.len(),
                ran,
                runs: study.plan.runs.len(),
                summaries: kept,
                proposal_summaries: summaries,
                predictive: Vec::new(),
                predictive_runs: 0,
                predictive_ran: 0,
            };
            if g + 1 == self.spec.generations {
                // The posterior predictive check: the kept particles again,
                // on seeds no generation used (those of generation G).
                let check = self.generation(g + 1, &generation.population.theta)?;
                generation.predictive_ran = check
                    .run_missing(store, None, None, progress)
                    .map_err(CalibrationError::Run)?;
                generation.predictive_runs = check.plan.runs.len();
                generation.predictive = self
                    .summaries(&check, store)
                    .map_err(|e| CalibrationError::Run(RunError::Store(e)))?;
            }
            on_generation(g, &generation);
            done.push(generation);
        }
        Ok(done)
    }

    /// The study that identifies the calibration (its first generation, which
    /// depends only on the file): written as `plan.json`.
    pub fn identity(&self) -> Result<Study, StudyError> {
        self.generation(0, &self.proposals(0, None))
    }
}

/// Bootstrap resamples of the final particles behind the Monte Carlo
/// standard errors of [`ParameterSummary`].
pub const BOOTSTRAP_RESAMPLES: usize = 1000;
/// A fresh simulation of a model that is right, each target's sd its
/// standard error, has a squared distance D² distributed as χ²ₖ (k targets),
/// which exceeds this quantile with probability 0.3 % per simulation. The
/// fit is poor when the weighted median of the posterior predictive's D² is
/// above it: the typical fresh simulation of the particles lies where such a
/// model would put one simulation in 330.
pub const POOR_FIT_QUANTILE: f64 = 0.997;

/// The `p` quantile of χ² with `k` degrees of freedom (0 < p < 1; 0 at
/// p = 0, NaN otherwise outside), from `statrs`.
pub fn chi_square_quantile(k: usize, p: f64) -> f64 {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    if p == 0.0 {
        return 0.0;
    }
    if k == 0 || !(0.0..1.0).contains(&p) {
        return f64::NAN;
    }
    ChiSquared::new(k as f64).map_or(f64::NAN, |d| d.inverse_cdf(p))
}

/// A target beyond every prior-predictive draw by more than this many of its
/// sd is one the model cannot reach with these priors; a smaller gap is
/// within the target's own uncertainty.
pub const UNREACHABLE_SD: f64 = 2.0;
/// An effective sample size below this share of the particles kept leaves
/// the medians and interval ends resting on a few heavy particles.
pub const FEW_PARTICLES: f64 = 0.5;
/// The zone near a prior bound, as a share of the prior's width: a flat
/// posterior puts [`EDGE_SHARE`] of its weight within it.
pub const EDGE_SHARE: f64 = 0.1;
/// More than this weighted share of the posterior within [`EDGE_SHARE`] of
/// the prior's width from a bound (twice a flat posterior's) means the
/// targets push toward that bound: that end of the interval is the prior's.
pub const EDGE_WEIGHT: f64 = 0.2;
/// "1 particle", "n particles".
fn particles(n: usize) -> String {
    if n == 1 {
        "1 particle".into()
    } else {
        format!("{n} particles")
    }
}

/// A number with three significant digits (fixed notation), for warnings.
fn sig3(x: f64) -> String {
    if !x.is_finite() || x == 0.0 {
        return format!("{x}");
    }
    let digits = (2 - x.abs().log10().floor() as i32).clamp(0, 6) as usize;
    format!("{x:.digits$}")
}

/// Salt of the bootstrap stream (apart from the proposals' and the runs').
const BOOTSTRAP_SALT: u64 = 0xB007_5742_CA11_0001;

/// One parameter's posterior summary, with its Monte Carlo error.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterSummary {
    /// Weighted mean, sd and quantiles of the final particles.
    pub marginal: Marginal,
    /// The 90 % credible interval's width over the prior's 90 % width.
    pub width90_over_prior: f64,
    /// Bootstrap standard error of the median: resampling the final
    /// particles (uniformly, with replacement, each keeping its weight). It
    /// ignores the dependence sequential Monte Carlo leaves among particles,
    /// so it is likely an underestimate of the Monte Carlo error: by 30–70 %
    /// for width ratios in a 40-seed check of a small calibration.
    pub median_se: f64,
    /// Bootstrap standard error of `width90_over_prior` (as `median_se`).
    pub width90_over_prior_se: f64,
    /// Which of q025, q05, q95, q975 are clamped to the smallest or largest
    /// particle ([`abc::quantile_is_clamped`]): they say only where the
    /// outermost particle lies.
    pub clamped: Vec<&'static str>,
    /// `Some("lower")` or `Some("upper")` when more than [`EDGE_WEIGHT`] of
    /// the posterior weight lies within [`EDGE_SHARE`] of the prior's width
    /// from that bound (the side with more, if both).
    pub edge: Option<&'static str>,
    /// The weighted share of the posterior within [`EDGE_SHARE`] of the
    /// prior's width from the bound named by `edge`, or from the bound
    /// nearer more of it when `edge` is `None`.
    pub edge_weight: f64,
}

/// One target's fit: the posterior predictive (the final particles simulated
/// again on fresh seeds, weighted) and the prior predictive (every proposal
/// of generation 0).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetFit {
    /// Weighted mean of the posterior predictive summaries.
    pub mean: f64,
    /// Their weighted 5 % quantile.
    pub q05: f64,
    /// Their weighted 95 % quantile.
    pub q95: f64,
    /// Their weighted sd.
    pub sd: f64,
    /// Weighted share of them below the target's value (ties count half).
    pub share_below: f64,
    /// Smallest summary over generation 0's proposals (the prior
    /// predictive), finite ones only.
    pub prior_min: f64,
    /// Largest of them.
    pub prior_max: f64,
    /// Generation 0's proposals with a finite summary.
    pub prior_draws: usize,
    /// The value lies beyond every generation-0 summary.
    pub outside_prior: bool,
    /// (value − the nearest prior-predictive extreme) / the target's sd when
    /// the value lies beyond every generation-0 summary (negative below the
    /// smallest), 0 inside the range: how far beyond in the target's sd.
    /// Beyond [`UNREACHABLE_SD`], the model cannot reach the value with
    /// these priors.
    pub prior_gap_sd: f64,
    /// (mean − value) / sd of the target: the predictive mean's distance in
    /// the target's sd, ignoring the predictive spread.
    pub z: f64,
}

/// How the posterior predictive's squared distances D² compare with χ²ₖ
/// (k targets), the distribution of D² of a model that is right if each sd
/// were its standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FitLevel {
    /// The weighted median of D² is at most χ²ₖ's [`POOR_FIT_QUANTILE`]
    /// quantile (or no fresh simulation has a finite D²).
    Within,
    /// It is above: the particles do not fit the targets.
    Poor,
}

/// Something a reader of a calibration's results must know; the core returns
/// these, the command line prints them and `report.md` lists them.
#[derive(Debug, Clone, PartialEq)]
pub enum CalibrationWarning {
    /// The posterior predictive's median D² is above χ²ₖ's
    /// [`POOR_FIT_QUANTILE`] quantile.
    PoorFit {
        /// Weighted median of the posterior predictive's D².
        median: f64,
        /// χ²ₖ's [`POOR_FIT_QUANTILE`] quantile.
        threshold: f64,
        /// Number of targets.
        targets: usize,
    },
    /// A target's value lies outside the prior-predictive range.
    Unreachable {
        /// The target's label.
        target: String,
        /// Its value.
        value: f64,
        /// The prior-predictive range.
        min: f64,
        /// See `min`.
        max: f64,
        /// Generation-0 proposals with a finite summary.
        draws: usize,
        /// (value − nearest extreme) / sd.
        gap_sd: f64,
    },
    /// More than [`EDGE_WEIGHT`] of a parameter's posterior lies near a
    /// prior bound.
    AtPriorEdge {
        /// Parameter key.
        parameter: String,
        /// "lower" or "upper".
        side: &'static str,
        /// The weighted share within [`EDGE_SHARE`] of the prior's width.
        weight: f64,
        /// The bound.
        bound: f64,
    },
    /// The final effective sample size is below [`FEW_PARTICLES`] of the
    /// particles kept.
    FewParticles {
        /// Effective sample size.
        ess: f64,
        /// Particles kept.
        kept: usize,
    },
    /// Quantiles clamped to the smallest or largest particle.
    Clamped {
        /// Parameter key.
        parameter: String,
        /// Which quantiles.
        quantiles: Vec<&'static str>,
    },
    /// Fewer particles kept than configured (non-finite summaries).
    Dropped {
        /// Particles kept.
        kept: usize,
        /// Particles configured.
        configured: usize,
    },
}

impl std::fmt::Display for CalibrationWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let g = sig3;
        match self {
            Self::PoorFit {
                median,
                threshold,
                targets,
            } => write!(
                f,
                "the posterior predictive's median squared distance D² = {} (fresh simulations of the particles, sd units) is above {} = χ²({targets})'s {} % quantile, which a right model with these sd as standard errors exceeds in {:.1} % of simulations: the particles do not fit the targets; the posterior is the parameter values that come least far, not values consistent with them",
                g(*median),
                g(*threshold),
                POOR_FIT_QUANTILE * 100.0,
                (1.0 - POOR_FIT_QUANTILE) * 100.0,
            ),
            Self::Unreachable {
                target,
                value,
                min,
                max,
                draws,
                gap_sd,
            } => write!(
                f,
                "target {target} = {} is outside the prior-predictive range {} – {} (none of the {draws} parameter sets drawn from the prior reached it), {} of its sd {} the nearest: {}",
                g(*value),
                g(*min),
                g(*max),
                sig3(gap_sd.abs()),
                if *gap_sd > 0.0 { "above" } else { "below" },
                if gap_sd.abs() > UNREACHABLE_SD {
                    format!(
                        "more than {UNREACHABLE_SD} sd, so the model cannot reach it with these priors"
                    )
                } else {
                    format!(
                        "beyond every prior draw, but within {UNREACHABLE_SD} sd of the value, so within its stated uncertainty"
                    )
                }
            ),
            Self::AtPriorEdge {
                parameter,
                side,
                weight,
                bound,
            } => write!(
                f,
                "{parameter}: {:.0} % of the posterior weight lies within {} % of the prior's width of its {side} bound {} (a flat posterior puts {} % there; the rule is more than {} %): the targets push toward the bound; this end of the interval is the prior's — widen the prior to see more",
                weight * 100.0,
                EDGE_SHARE * 100.0,
                g(*bound),
                EDGE_SHARE * 100.0,
                EDGE_WEIGHT * 100.0,
            ),
            Self::FewParticles { ess, kept } => write!(
                f,
                "effective sample size {ess:.0} of {} is below half of them (the weights are uneven): the medians and interval ends carry Monte Carlo error (see their bootstrap standard errors); more particles reduce it",
                particles(*kept)
            ),
            Self::Clamped {
                parameter,
                quantiles,
            } => write!(
                f,
                "{parameter}: {} clamped to the outermost particle (too few particles, or too little weight, beyond it): only says where that particle lies",
                if quantiles.len() == 1 {
                    format!("{} is", quantiles[0])
                } else {
                    format!("{} are", quantiles.join(", "))
                }
            ),
            Self::Dropped { kept, configured } => write!(
                f,
                "{} kept of the {configured} configured: the others' proposals gave a non-finite summary of some target",
                particles(*kept)
            ),
        }
    }
}

/// What a finished calibration's results say beyond its particles: each
/// parameter's summary with its Monte Carlo error, each target's fit, the
/// posterior predictive's distances against χ²ₖ, and the warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis {
    /// Per parameter, in the spec's order.
    pub parameters: Vec<ParameterSummary>,
    /// Per target, in the spec's order.
    pub targets: Vec<TargetFit>,
    /// Final tolerance ε (distances in sd units).
    pub epsilon: f64,
    /// The ε a right model would reach if each sd were its standard error:
    /// √ of χ²ₖ's quantile at the share of proposals kept. ε is the
    /// q-quantile of a batch's distances, so even such a model gives about
    /// this, always below √k.
    pub epsilon_ideal: f64,
    /// Share of proposals kept (q).
    pub quantile: f64,
    /// Weighted median of the posterior predictive's squared distances D²
    /// (NaN when none is finite).
    pub predictive_d2_median: f64,
    /// χ²ₖ's median: a right model's median D².
    pub chi2_median: f64,
    /// χ²ₖ's [`POOR_FIT_QUANTILE`] quantile.
    pub chi2_poor: f64,
    /// Weighted share of the posterior predictive's D² above `chi2_poor`.
    pub predictive_share_far: f64,
    /// Fresh simulations with a finite D².
    pub predictive_draws: usize,
    /// The posterior predictive's D² against χ²ₖ.
    pub fit: FitLevel,
    /// Effective sample size of the final particles.
    pub ess: f64,
    /// Particles kept in the last generation.
    pub kept: usize,
    /// Warnings, in the order: fit, targets, parameters, particles.
    pub warnings: Vec<CalibrationWarning>,
}

impl Calibration<'_> {
    /// The diagnosis of finished `generations` (`None` when there are none).
    /// Deterministic: its bootstrap draws from a stream of the scenario's
    /// seed.
    pub fn diagnose(&self, generations: &[Generation]) -> Option<Diagnosis> {
        diagnose(self.spec, generations, self.settings.seed)
    }
}

/// See [`Calibration::diagnose`]; `seed` seeds the bootstrap.
pub fn diagnose(
    spec: &CalibrationSpec,
    generations: &[Generation],
    seed: u64,
) -> Option<Diagnosis> {
    let last = generations.last()?;
    let first = generations.first()?;
    let pop = &last.population;
    let w = &pop.weights;
    let marginals = abc::marginals(pop);
    let ratio = |r: &super::methods::ParamRange, q05: f64, q95: f64| {
        let prior = 0.9 * (r.high - r.low);
        if prior > 0.0 {
            (q95 - q05) / prior
        } else {
            f64::NAN
        }
    };
    // Bootstrap: resample the particles uniformly, each keeping its weight.
    let n = pop.theta.len();
    let k = spec.parameters.len();
    let mut medians = vec![Vec::with_capacity(BOOTSTRAP_RESAMPLES); k];
    let mut widths = vec![Vec::with_capacity(BOOTSTRAP_RESAMPLES); k];
    if n > 1 {
        let mut rng = random::stream(mix64(seed ^ BOOTSTRAP_SALT), 0);
        let mut xs = vec![0.0; n];
        let mut ws = vec![0.0; n];
        let mut picks = vec![0usize; n];
        for _ in 0..BOOTSTRAP_RESAMPLES {
            for p in picks.iter_mut() {
                *p = random::index(&mut rng, n);
            }
            for (j, r) in spec.parameters.iter().enumerate() {
                for (i, &p) in picks.iter().enumerate() {
                    xs[i] = pop.theta[p][j];
                    ws[i] = w[p];
                }
                medians[j].push(abc::weighted_quantile(&xs, &ws, 0.5));
                widths[j].push(ratio(
                    r,
                    abc::weighted_quantile(&xs, &ws, 0.05),
                    abc::weighted_quantile(&xs, &ws, 0.95),
                ));
            }
        }
    }
    // Resamples with a non-finite summary (a prior of zero width) are dropped.
    let se = |v: &[f64]| {
        let v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
        crate::stats::summarize(&v).sd.unwrap_or(f64::NAN)
    };
    let parameters: Vec<ParameterSummary> = spec
        .parameters
        .iter()
        .zip(&marginals)
        .enumerate()
        .map(|(j, (r, m))| {
            let xs: Vec<f64> = pop.theta.iter().map(|t| t[j]).collect();
            let clamped = [
                ("q025", 0.025),
                ("q05", 0.05),
                ("q95", 0.95),
                ("q975", 0.975),
            ]
            .into_iter()
            .filter(|(_, p)| abc::quantile_is_clamped(&xs, w, *p))
            .map(|(name, _)| name)
            .collect();
            let near = EDGE_SHARE * (r.high - r.low);
            let total: f64 = w.iter().sum();
            let share = |inside: &dyn Fn(f64) -> bool| {
                xs.iter()
                    .zip(w)
                    .filter(|(x, _)| inside(**x))
                    .map(|(_, w)| w)
                    .sum::<f64>()
                    / total
            };
            let lower = share(&|x| x - r.low <= near);
            let upper = share(&|x| r.high - x <= near);
            let (side, edge_weight) = if upper > lower {
                ("upper", upper)
            } else {
                ("lower", lower)
            };
            let edge = (edge_weight > EDGE_WEIGHT).then_some(side);
            ParameterSummary {
                marginal: *m,
                width90_over_prior: ratio(r, m.q05, m.q95),
                median_se: se(&medians[j]),
                width90_over_prior_se: se(&widths[j]),
                clamped,
                edge,
                edge_weight,
            }
        })
        .collect();
    let targets: Vec<TargetFit> = spec
        .targets
        .iter()
        .enumerate()
        .map(|(t, target)| {
            // Fresh runs may leave a summary undefined (a metric without
            // values in its window): the finite ones, weighted.
            let (xs, ws): (Vec<f64>, Vec<f64>) = last
                .predictive
                .iter()
                .zip(w)
                .map(|(s, w)| (s.get(t).copied().unwrap_or(f64::NAN), *w))
                .filter(|(x, _)| x.is_finite())
                .unzip();
            let total: f64 = ws.iter().sum();
            let m = abc::marginal(&xs, &ws);
            let below = xs
                .iter()
                .zip(&ws)
                .map(|(x, w)| {
                    if *x < target.value {
                        *w
                    } else if *x == target.value {
                        w / 2.0
                    } else {
                        0.0
                    }
                })
                .sum::<f64>()
                / total;
            let prior: Vec<f64> = first
                .proposal_summaries
                .iter()
                .filter_map(|s| s.get(t).copied())
                .filter(|x| x.is_finite())
                .collect();
            let prior_min = prior.iter().copied().fold(f64::INFINITY, f64::min);
            let prior_max = prior.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            TargetFit {
                mean: m.mean,
                q05: m.q05,
                q95: m.q95,
                sd: m.sd,
                share_below: below,
                prior_min,
                prior_max,
                prior_draws: prior.len(),
                outside_prior: !prior.is_empty()
                    && (target.value < prior_min || target.value > prior_max),
                prior_gap_sd: if prior.is_empty() {
                    f64::NAN
                } else if target.value > prior_max {
                    (target.value - prior_max) / target.sd
                } else if target.value < prior_min {
                    (target.value - prior_min) / target.sd
                } else {
                    0.0
                },
                z: (m.mean - target.value) / target.sd,
            }
        })
        .collect();
    let epsilon = pop.epsilon;
    let k_targets = spec.targets.len();
    let epsilon_ideal = chi_square_quantile(k_targets, spec.quantile).sqrt();
    let chi2_median = chi_square_quantile(k_targets, 0.5);
    let chi2_poor = chi_square_quantile(k_targets, POOR_FIT_QUANTILE);
    // Squared distances of the fresh simulations, those finite, weighted.
    let (d2s, d2w): (Vec<f64>, Vec<f64>) = last
        .predictive
        .iter()
        .zip(w)
        .filter(|(s, _)| s.len() == k_targets)
        .map(|(s, w)| {
            let d2: f64 = s
                .iter()
                .zip(&spec.targets)
                .map(|(x, t)| ((x - t.value) / t.sd).powi(2))
                .sum();
            (d2, *w)
        })
        .filter(|(d2, _)| d2.is_finite())
        .unzip();
    let d2_total: f64 = d2w.iter().sum();
    let (predictive_d2_median, predictive_share_far) = if d2s.is_empty() || d2_total <= 0.0 {
        (f64::NAN, f64::NAN)
    } else {
        (
            abc::weighted_quantile(&d2s, &d2w, 0.5),
            d2s.iter()
                .zip(&d2w)
                .filter(|(d2, _)| **d2 > chi2_poor)
                .map(|(_, w)| w)
                .sum::<f64>()
                / d2_total
                + 0.0, // an empty sum is −0
        )
    };
    let fit = if predictive_d2_median > chi2_poor {
        FitLevel::Poor
    } else {
        FitLevel::Within
    };
    let ess = abc::effective_sample_size(w);
    let mut warnings = Vec::new();
    if fit == FitLevel::Poor {
        warnings.push(CalibrationWarning::PoorFit {
            median: predictive_d2_median,
            threshold: chi2_poor,
            targets: k_targets,
        });
    }
    for (target, f) in spec.targets.iter().zip(&targets) {
        if f.outside_prior {
            warnings.push(CalibrationWarning::Unreachable {
                target: target.label(),
                value: target.value,
                min: f.prior_min,
                max: f.prior_max,
                draws: f.prior_draws,
                gap_sd: f.prior_gap_sd,
            });
        }
    }
    for (r, p) in spec.parameters.iter().zip(&parameters) {
        if let Some(side) = p.edge {
            warnings.push(CalibrationWarning::AtPriorEdge {
                parameter: r.key.clone(),
                side,
                weight: p.edge_weight,
                bound: if side == "lower" { r.low } else { r.high },
            });
        }
    }
    for (r, p) in spec.parameters.iter().zip(&parameters) {
        if !p.clamped.is_empty() {
            warnings.push(CalibrationWarning::Clamped {
                parameter: r.key.clone(),
                quantiles: p.clamped.clone(),
            });
        }
    }
    if ess < FEW_PARTICLES * n as f64 {
        warnings.push(CalibrationWarning::FewParticles { ess, kept: n });
    }
    if n < spec.particles as usize {
        warnings.push(CalibrationWarning::Dropped {
            kept: n,
            configured: spec.particles as usize,
        });
    }
    Some(Diagnosis {
        parameters,
        targets,
        epsilon,
        epsilon_ideal,
        quantile: spec.quantile,
        predictive_d2_median,
        chi2_median,
        chi2_poor,
        predictive_share_far,
        predictive_draws: d2s.len(),
        fit,
        ess,
        kept: n,
        warnings,
    })
}

/// A calibration could not run.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError<E: std::error::Error + 'static> {
    /// A generation's study is invalid (a proposal's overrides, the caps).
    #[error(transparent)]
    Study(#[from] StudyError),
    /// No proposal of a generation gave finite summaries of every target
    /// (a metric undefined in the window, such as a response time without
    /// needs).
    #[error(
        "no proposal of generation {generation} gave a finite value of every target; check the targets' metrics and months"
    )]
    NoFiniteSummary {
        /// The generation (from 0).
        generation: u32,
    },
    /// Running or storing runs failed.
    #[error(transparent)]
    Run(RunError<E>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{MonthMetrics, N_METRICS};
    use crate::study::runner::RunState;
    use std::collections::HashMap;

    /// A store whose runs hold `share_met` = variant + replicate / 10 + month / 100.
    struct Fake(HashMap<String, Vec<MonthMetrics>>);

    impl RunStore for Fake {
        type Error = std::io::Error;
        fn state(&self, key: &str, _: u32) -> RunState {
            if self.0.contains_key(key) {
                RunState::Valid
            } else {
                RunState::Missing
            }
        }
        fn read(&self, key: &str, _: u32) -> Result<crate::study::StoredRun, std::io::Error> {
            Ok(crate::study::StoredRun {
                months: self.0[key].clone(),
                distributions: Default::default(),
            })
        }
        fn write(&self, _: &str, _: &crate::study::StoredRun) -> Result<(), std::io::Error> {
            Ok(())
        }
    }

    #[test]
    fn each_proposal_has_its_own_seeds_and_its_arms_share_them() {
        let text = "[scenario]\nmonths = 6\nreplicates = 2\n[[variants]]\nname = \"p\"\n\"incentive.formal_weight\" = 0.1\n[calibration]\n[calibration.parameters]\n\"effort.noise\" = [0.0, 0.5]\n[[calibration.targets]]\nmetric = \"share_met\"\nvariant = \"p\"\nvalue = 1.0\nsd = 0.1\n";
        let file = StudyFile::parse(text, "c.toml", &[], None).unwrap();
        let cal = Calibration::new(&file, &[]).unwrap();
        let seed = |study: &Study, variant: u32, replicate: u32| {
            study
                .plan
                .runs
                .iter()
                .find(|r| r.variant == variant && r.replicate == replicate)
                .unwrap()
                .seed
        };
        let g0 = cal.generation(0, &[vec![0.1], vec![0.3]]).unwrap();
        let g1 = cal.generation(1, &[vec![0.1], vec![0.3]]).unwrap();
        for r in 0..2 {
            // Proposal 0 is variants 0 (baseline) and 1 (policy arm).
            assert_eq!(seed(&g0, 0, r), seed(&g0, 1, r));
            assert_eq!(seed(&g0, 2, r), seed(&g0, 3, r));
            assert_ne!(seed(&g0, 0, r), seed(&g0, 2, r));
            assert_ne!(seed(&g0, 0, r), seed(&g1, 0, r));
        }
        assert_ne!(seed(&g0, 0, 0), seed(&g0, 0, 1));
        // The same generation and proposals give the same runs (resuming).
        assert_eq!(
            g0.plan.runs,
            cal.generation(0, &[vec![0.1], vec![0.3]])
                .unwrap()
                .plan
                .runs
        );
    }

    #[test]
    fn summaries_average_the_window_and_replicates_and_difference_policies() {
        let text = "[scenario]\nmonths = 6\nreplicates = 2\n[[variants]]\nname = \"p\"\n\"incentive.formal_weight\" = 0.1\n[calibration]\n[calibration.parameters]\n\"effort.noise\" = [0.0, 0.5]\n[[calibration.targets]]\nmetric = \"share_met\"\nmonths = [2, 4]\nvalue = 0.5\nsd = 0.1\n[[calibration.targets]]\nmetric = \"share_met\"\nvariant = \"p\"\nvalue = 1.0\nsd = 0.1\n";
        let file = StudyFile::parse(text, "c.toml", &[], None).unwrap();
        let cal = Calibration::new(&file, &[]).unwrap();
        let study = cal.generation(0, &[vec![0.1], vec![0.3]]).unwrap();
        let k = metric_index("share_met").unwrap();
        let mut runs = HashMap::new();
        for r in &study.plan.runs {
            let months = (0..6)
                .map(|m| {
                    let mut row = [0.0; N_METRICS];
                    row[k] =
                        f64::from(r.variant) + f64::from(r.replicate) / 10.0 + m as f64 / 100.0;
                    row
                })
                .collect();
            runs.insert(r.key.clone(), months);
        }
        let s = cal.summaries(&study, &Fake(runs)).unwrap();
        // Proposal i's baseline is variant 2i, its policy arm 2i + 1.
        // Months 2–4 average 0.03; replicates 0 and 1 average 0.05.
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(s[0][0], 0.08), "{s:?}");
        assert!(close(s[1][0], 2.08), "{s:?}");
        // The policy target: the arm minus the baseline, over the default
        // window (the whole 6-month run), the same for both proposals.
        assert!(close(s[0][1], 1.0) && close(s[1][1], 1.0), "{s:?}");
        // Distances use the targets' sd.
        assert!(close(cal.distance(&[0.6, 1.0]), 1.0));
    }

    /// A finished one-generation calibration of `particles` particles on
    /// [0, 1] against one target `value` ± 0.1, the particles at `theta`
    /// with `weights`, every summary `predictive`, the prior predictive the
    /// proposals' `prior` summaries.
    fn finished(
        particles: u32,
        value: f64,
        theta: &[f64],
        weights: &[f64],
        predictive: &[f64],
        prior: &[f64],
    ) -> (CalibrationSpec, Vec<Generation>) {
        let text = format!(
            "[scenario]\nmonths = 6\n[calibration]\nparticles = {particles}\ngenerations = 1\n[calibration.parameters]\n\"effort.noise\" = [0.0, 1.0]\n[[calibration.targets]]\nmetric = \"share_met\"\nvalue = {value}\nsd = 0.1\n"
        );
        let file = StudyFile::parse(&text, "c.toml", &[], None).unwrap();
        let spec = file.spec.calibration.clone().unwrap();
        let distances: Vec<f64> = predictive.iter().map(|x| (x - value).abs() / 0.1).collect();
        let generation = Generation {
            population: Population {
                theta: theta.iter().map(|t| vec![*t]).collect(),
                weights: weights.to_vec(),
                epsilon: distances.iter().copied().fold(0.0, f64::max),
                distances,
                generation: 0,
            },
            proposals: prior.len(),
            ran: 0,
            runs: 0,
            summaries: predictive.iter().map(|x| vec![*x]).collect(),
            proposal_summaries: prior.iter().map(|x| vec![*x]).collect(),
            predictive: predictive.iter().map(|x| vec![*x]).collect(),
            predictive_runs: 0,
            predictive_ran: 0,
        };
        (spec, vec![generation])
    }

    #[test]
    fn a_target_beyond_every_prior_draw_is_unreachable_and_the_fit_is_poor() {
        let theta: Vec<f64> = (0..40).map(|i| (f64::from(i) + 0.5) / 40.0).collect();
        let w = vec![1.0 / 40.0; 40];
        let pred: Vec<f64> = (0..40).map(|i| 0.2 + f64::from(i) / 400.0).collect();
        let prior: Vec<f64> = (0..100).map(|i| 0.1 + f64::from(i) / 500.0).collect();
        // 5.0 lies above every prior draw (0.1 – 0.298): unreachable, and ε
        // (48 sd) is far above 3 √1.
        let (spec, gens) = finished(40, 5.0, &theta, &w, &pred, &prior);
        let d = diagnose(&spec, &gens, 1).unwrap();
        let f = &d.targets[0];
        assert!(f.outside_prior && f.share_below == 1.0, "{f:?}");
        assert_eq!((f.prior_min, f.prior_draws), (0.1, 100));
        assert!((f.prior_max - 0.298).abs() < 1e-12);
        assert_eq!(d.fit, FitLevel::Poor);
        let text: Vec<String> = d.warnings.iter().map(|w| w.to_string()).collect();
        assert!(
            text[0].contains("the particles do not fit the targets"),
            "{text:?}"
        );
        assert!(
            text[1].contains("outside the prior-predictive range 0.100 – 0.298")
                && text[1].contains("none of the 100 parameter sets")
                && text[1].contains("47.0 of its sd above the nearest")
                && text[1].contains("cannot reach it"),
            "{text:?}"
        );
        assert!((f.prior_gap_sd - 47.02).abs() < 1e-9, "{f:?}");
        // 40 equal weights: ESS 40 is not below half of 40; none is
        // clamped (1/40 < 0.05).
        assert_eq!(d.warnings.len(), 2, "{text:?}");
        // A value inside the prior draws, fitted within its sd: no warning
        // about the fit or the target, and the share below is counted.
        let (spec, gens) = finished(40, 0.25, &theta, &w, &pred, &prior);
        let d = diagnose(&spec, &gens, 1).unwrap();
        assert!(!d.targets[0].outside_prior && d.targets[0].prior_gap_sd == 0.0);
        // 20 below 0.25, one at it (counted half).
        assert!(
            (d.targets[0].share_below - 20.5 / 40.0).abs() < 1e-12,
            "{:?}",
            d.targets
        );
        assert_eq!(d.fit, FitLevel::Within);
        // D² of the 40 fresh simulations (0.2 – 0.2975 against 0.25 ± 0.1):
        // at most 0.25, none far; one target, q = 0.2 (the default).
        assert!(d.predictive_d2_median < 0.1 && d.predictive_share_far == 0.0);
        assert!((d.chi2_poor - 8.807468393511947).abs() < 1e-9, "{d:?}");
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        // One heavy particle of 40: ESS about 1.1, below 20.
        let mut heavy = vec![0.001; 40];
        heavy[0] = 1.0 - 0.039;
        let (spec, gens) = finished(40, 0.25, &theta, &heavy, &pred, &prior);
        let d = diagnose(&spec, &gens, 1).unwrap();
        let text: Vec<String> = d.warnings.iter().map(|w| w.to_string()).collect();
        assert!(
            text.iter()
                .any(|t| t.starts_with("effective sample size 1 of 40 particles is below half")),
            "{text:?}"
        );
    }

    #[test]
    fn a_target_just_beyond_the_prior_draws_is_within_its_sd() {
        // 0.33 lies 0.32 sd above the largest prior draw 0.298 and 0.3 sd
        // below the smallest, 0.1 (negative gap): beyond, but not out of reach.
        let theta: Vec<f64> = (0..40).map(|i| (f64::from(i) + 0.5) / 40.0).collect();
        let w = vec![1.0 / 40.0; 40];
        let prior: Vec<f64> = (0..100).map(|i| 0.1 + f64::from(i) / 500.0).collect();
        for (value, gap, side) in [(0.33, 0.32, "above"), (0.07, -0.3, "below")] {
            let (spec, gens) = finished(40, value, &theta, &w, &[value; 40], &prior);
            let d = diagnose(&spec, &gens, 1).unwrap();
            let f = &d.targets[0];
            assert!(
                f.outside_prior && (f.prior_gap_sd - gap).abs() < 1e-9,
                "{f:?}"
            );
            let text = d.warnings[0].to_string();
            assert!(
                text.contains(&format!("of its sd {side} the nearest"))
                    && text.contains("beyond every prior draw, but within 2 sd")
                    && !text.contains("cannot reach"),
                "{text}"
            );
        }
    }

    #[test]
    fn piled_clamped_and_dropped_particles_are_warned_of() {
        // Ten particles near the lower bound, one of them dropped: all the
        // weight within 10 % of the prior's width of 0, the quantiles clamped.
        let theta: Vec<f64> = (0..9).map(|i| 0.001 + f64::from(i) * 0.002).collect();
        let w = vec![1.0 / 9.0; 9];
        let pred = vec![0.5; 9];
        let (spec, gens) = finished(10, 0.5, &theta, &w, &pred, &[0.4, 0.6]);
        let d = diagnose(&spec, &gens, 1).unwrap();
        let p = &d.parameters[0];
        assert!(
            p.edge == Some("lower") && (p.edge_weight - 1.0).abs() < 1e-12,
            "{p:?}"
        );
        assert_eq!(p.clamped, ["q025", "q05", "q95", "q975"]);
        assert_eq!(d.kept, 9);
        let text: Vec<String> = d.warnings.iter().map(|w| w.to_string()).collect();
        assert!(
            text.iter()
                .any(|t| t.contains("100 % of the posterior weight lies within 10 % of the prior's width of its lower bound 0")
                    && t.contains("the targets push toward the bound; this end of the interval is the prior's")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("q025, q05, q95, q975 are clamped"))
        );
        assert!(
            text.iter()
                .any(|t| t.contains("9 particles kept of the 10 configured"))
        );
        // Spread over the prior, no edge and no clamping at 40 equal weights.
        let theta: Vec<f64> = (0..40).map(|i| (f64::from(i) + 0.5) / 40.0).collect();
        let (spec, gens) = finished(40, 0.5, &theta, &[0.025; 40], &[0.5; 40], &[0.4, 0.6]);
        let d = diagnose(&spec, &gens, 1).unwrap();
        assert_eq!(
            (d.parameters[0].edge, d.parameters[0].clamped.len()),
            (None, 0)
        );
        // 4 of 40 equal particles in each zone: 10 %, as a flat posterior.
        assert!((d.parameters[0].edge_weight - 0.1).abs() < 1e-12);
        // Ten particles, one at the upper bound and the rest in the middle:
        // q95 and q975 are clamped to it, but 10 % of the weight near the
        // bound is not more than 20 %: no edge warning.
        let mut theta = vec![0.5; 9];
        theta.push(0.999);
        let (spec, gens) = finished(10, 0.5, &theta, &[0.1; 10], &[0.5; 10], &[0.4, 0.6]);
        let d = diagnose(&spec, &gens, 1).unwrap();
        let p = &d.parameters[0];
        assert!(p.clamped.contains(&"q975") && p.edge.is_none(), "{p:?}");
        assert!(
            !d.warnings
                .iter()
                .any(|w| matches!(w, CalibrationWarning::AtPriorEdge { .. })),
            "{:?}",
            d.warnings
        );
        // Three of ten at the upper bound: 30 % near it, the upper edge.
        let theta = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.95, 0.97, 0.99];
        let (spec, gens) = finished(10, 0.5, &theta, &[0.1; 10], &[0.5; 10], &[0.4, 0.6]);
        let d = diagnose(&spec, &gens, 1).unwrap();
        assert_eq!(d.parameters[0].edge, Some("upper"));
        assert!((d.parameters[0].edge_weight - 0.3).abs() < 1e-12);
    }

    #[test]
    fn chi_square_quantiles_match_known_values() {
        // scipy.stats.chi2.ppf(p, k).
        for (k, p, x) in [
            (1, 0.2, 0.0641847546673016),
            (1, 0.5, 0.454936423119572),
            (2, 0.5, 1.386294361119891),
            (4, 0.2, 1.648776618065969),
            (4, 0.5, 3.3566939800333224),
            (1, 0.997, 8.807468393511947),
            (4, 0.997, 16.014326314940615),
            (6, 0.2, 3.070088405289287),
            (10, 0.95, 18.307038053275146),
            (3, 0.01, 0.11483180189911707),
        ] {
            let q = chi_square_quantile(k, p);
            assert!(
                (q - x).abs() < 1e-9 * x.max(1.0),
                "χ²({k}) at {p}: {q} ≠ {x}"
            );
        }
        // √ of the 20 % quantile for k = 1 … 6, always below √k.
        let ideal: Vec<f64> = (1..=6)
            .map(|k| (chi_square_quantile(k, 0.2).sqrt() * 100.0).round() / 100.0)
            .collect();
        assert_eq!(ideal, [0.25, 0.67, 1.0, 1.28, 1.53, 1.75]);
    }

    #[test]
    fn the_bootstrap_error_follows_the_weights_of_the_particles_drawn() {
        // Four particles with unequal weights: a bootstrap resample is one
        // of 4⁴ = 256 equally likely sequences of picks, so the bootstrap sd
        // of the median is that over all 256, enumerated here (0.2220; a
        // Python enumeration agrees). A resample that left the weights in
        // place (the i-th pick weighted as the i-th particle) would give
        // 0.2752, also enumerated.
        let theta = [0.1, 0.3, 0.5, 0.9];
        let w = [0.85, 0.05, 0.05, 0.05];
        let sd = |weights_move: bool| {
            let mut medians = Vec::new();
            for code in 0..256usize {
                let picks: Vec<usize> = (0..4).map(|i| (code >> (2 * i)) & 3).collect();
                let xs: Vec<f64> = picks.iter().map(|&p| theta[p]).collect();
                let ws: Vec<f64> = if weights_move {
                    picks.iter().map(|&p| w[p]).collect()
                } else {
                    w.to_vec()
                };
                medians.push(abc::weighted_quantile(&xs, &ws, 0.5));
            }
            let m = medians.iter().sum::<f64>() / 256.0;
            (medians.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 256.0).sqrt()
        };
        let (right, wrong) = (sd(true), sd(false));
        assert!((right - 0.2220435).abs() < 1e-6, "{right}");
        // The two differ by 24 %, three times the tolerance below.
        assert!((right - wrong).abs() > 0.2 * right, "{right} {wrong}");
        let (spec, gens) = finished(4, 0.5, &theta, &w, &[0.5; 4], &[0.4, 0.6]);
        for seed in 1..4 {
            let d = diagnose(&spec, &gens, seed).unwrap();
            let se = d.parameters[0].median_se;
            // 1 000 resamples: the sd's own relative error is about
            // 1/√2000 ≈ 2 %, more for a skewed sample; 8 % leaves room.
            assert!(
                (se - right).abs() < 0.08 * right,
                "seed {seed}: {se} against {right} (fixed weights: {wrong})"
            );
        }
    }

    #[test]
    fn the_bootstrap_error_is_deterministic_and_shrinks_with_particles() {
        let sample = |n: u32| {
            let theta: Vec<f64> = (0..n)
                .map(|i| (f64::from(i) + 0.5) / f64::from(n))
                .collect();
            let w = vec![1.0 / f64::from(n); n as usize];
            let pred = vec![0.5; n as usize];
            finished(n, 0.5, &theta, &w, &pred, &[0.4, 0.6])
        };
        let (spec, gens) = sample(60);
        let a = diagnose(&spec, &gens, 7).unwrap();
        assert_eq!(a, diagnose(&spec, &gens, 7).unwrap());
        assert_ne!(a, diagnose(&spec, &gens, 8).unwrap());
        let p = &a.parameters[0];
        // A uniform sample of 60: the median's SE ≈ √(1/4/60) ≈ 0.065, the
        // width ratio's (0.9 of the prior) a few hundredths.
        assert!((0.04..0.09).contains(&p.median_se), "{p:?}");
        assert!((0.01..0.08).contains(&p.width90_over_prior_se), "{p:?}");
        assert!((p.width90_over_prior - 1.0).abs() < 0.02, "{p:?}");
        let (spec, gens) = sample(600);
        let b = diagnose(&spec, &gens, 7).unwrap();
        assert!(b.parameters[0].median_se < 0.5 * p.median_se, "{b:?}");
    }
}
