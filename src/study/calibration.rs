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

use super::abc::{self, AbcSettings, Population, Prior};
use super::methods::CalibrationSpec;
use super::plan::{StudyKind, Variant};
use super::runner::{Outline, Progress, RunError, RunStore, Study, StudyError, StudyFile};
use crate::metrics::metric_index;
use crate::random::mix64;

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
}
