//! Global sensitivity analysis as a study (`docs/experiments.md`, "Sensitivity
//! analysis"): the design of `[sensitivity]` ([`super::sensitivity`]) mapped
//! onto parameter ranges, each point run under the baseline and every
//! analysed policy with common random numbers, and the indices of each
//! outcome level and each policy effect estimated from the stored runs.
//!
//! Every design point shares the replicate seeds (common random numbers), so
//! the differences between points come from the parameters alone, and a
//! policy's effect at a point is a paired difference.

use super::analysis::WINDOW;
use super::methods::{SensitivityMethod, SensitivitySpec};
use super::plan::{Plan, StudyKind, Variant};
use super::runner::{Outline, Results, Study, StudyError, StudyFile};
use super::sensitivity::{
    MorrisIndex, SobolIndex, morris_design, morris_indices, saltelli_design, sobol_indices,
};
use super::spec::BASELINE;
use crate::random::mix64;

/// The design of a sensitivity analysis, built from the section and the
/// scenario seed alone: planning and analysis both call this, so they use
/// the same points.
enum Design {
    Morris(super::sensitivity::MorrisDesign),
    Sobol(super::sensitivity::SaltelliDesign),
}

impl Design {
    /// The design of `spec` for scenario seed `seed`, or why the section
    /// cannot have one (checked when the file is read; a hand-edited
    /// `plan.json` may still hold such a section).
    fn of(spec: &SensitivitySpec, seed: u64) -> Result<Design, String> {
        let k = spec.ranges.len();
        let seed = mix64(seed ^ 0x5E45_1717);
        match spec.method {
            SensitivityMethod::Morris {
                trajectories,
                levels,
            } => {
                if k == 0 || trajectories < 2 || levels < 2 || levels % 2 == 1 {
                    return Err(format!(
                        "a Morris design needs factors, at least 2 trajectories and an even number of levels (here {k} factors, {trajectories} trajectories, {levels} levels)"
                    ));
                }
                Ok(Design::Morris(morris_design(k, trajectories, levels, seed)))
            }
            SensitivityMethod::Sobol { samples } => {
                let most = super::sensitivity::SOBOL_MAX_DIMS / 2;
                if k == 0 || k > most || samples < 2 {
                    return Err(format!(
                        "a Sobol design needs 1 to {most} factors and at least 2 samples (here {k} factors, {samples} samples)"
                    ));
                }
                Ok(Design::Sobol(saltelli_design(k, samples, seed)))
            }
        }
    }

    fn points(&self) -> &[Vec<f64>] {
        match self {
            Design::Morris(d) => &d.points,
            Design::Sobol(d) => &d.points,
        }
    }
}

/// Index of the variant of design point `point` under arm `arm` (0: the
/// baseline, then the policies in order).
pub fn variant_index(spec: &SensitivitySpec, point: usize, arm: usize) -> usize {
    point * (1 + spec.policies.len()) + arm
}

impl Outline {
    /// The `[sensitivity]` of a scenario file: one variant per design point
    /// and arm (the baseline, then each policy of `policies`), common random
    /// numbers throughout.
    pub fn sensitivity(
        file: &StudyFile,
        overrides: &[(String, String)],
    ) -> Result<Outline, StudyError> {
        let Some(spec) = &file.spec.sensitivity else {
            return Err(StudyError::NoSection {
                file: file.shown.clone(),
                section: "sensitivity",
                example: "[sensitivity]\nmethod = \"morris\"\ntrajectories = 10\n[sensitivity.ranges]\n\"environment.need_rate\" = [0.05, 0.2]",
            });
        };
        super::runner::refuse_overridden_factors(overrides, &spec.ranges, "sensitivity")?;
        super::runner::refuse_overridden_variants(
            overrides,
            file,
            &spec.policies,
            "policy of [sensitivity]",
        )?;
        let design =
            Design::of(spec, file.base.scenario.seed).map_err(|why| StudyError::TooLarge {
                file: file.shown.clone(),
                why,
            })?;
        let points = design.points();
        let policies: Vec<&super::spec::VariantSpec> = spec
            .policies
            .iter()
            .filter_map(|p| file.spec.variants.iter().find(|v| &v.name == p))
            .collect();
        let mut variants = Vec::with_capacity(points.len() * (1 + policies.len()));
        for (i, u) in points.iter().enumerate() {
            let at: Vec<(String, String)> = spec
                .ranges
                .iter()
                .zip(u)
                .map(|(r, &x)| (r.key.clone(), r.literal_at(x)))
                .collect();
            variants.push(Variant {
                name: i.to_string(),
                source: 0,
                overrides: at.clone(),
            });
            for p in &policies {
                let mut o = at.clone();
                o.extend(p.overrides.iter().cloned());
                variants.push(Variant {
                    name: format!("{i}.{}", p.name),
                    source: 0,
                    overrides: o,
                });
            }
        }
        let size = super::plan::study_size(
            super::plan::Shape::Compare {
                variants: variants.len() as u64,
                environments: 1,
            },
            file.base.scenario.replicates,
        )
        .map_err(|why| StudyError::TooLarge {
            file: file.shown.clone(),
            why,
        })?;
        let mut plan = super::runner::plan_of(
            StudyKind::Sensitivity,
            format!("{}_sensitivity", file.base.scenario.name),
            std::slice::from_ref(file),
            variants,
            vec![vec![]],
            spec.ranges.iter().map(|r| r.key.clone()).collect(),
            overrides,
        );
        plan.common_random_numbers = true;
        plan.sensitivity = Some(spec.clone());
        Ok(Outline { plan, size })
    }
}

impl Study {
    /// Plan the sensitivity analysis of a file (see [`Outline::sensitivity`]).
    pub fn sensitivity(
        file: &StudyFile,
        overrides: &[(String, String)],
    ) -> Result<Study, StudyError> {
        Outline::sensitivity(file, overrides)?.resolve(std::slice::from_ref(file), overrides)
    }
}

/// What an index is about: an outcome's level, or a policy's effect on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// The outcome (metric name), averaged over the plan's window.
    pub outcome: String,
    /// `None`: the outcome's level under the baseline; `Some(p)`: the effect
    /// of policy `p` (its value minus the baseline's at the same point).
    pub policy: Option<String>,
}

impl Quantity {
    /// `outcome` or `outcome: effect of p`.
    pub fn label(&self) -> String {
        match &self.policy {
            None => self.outcome.clone(),
            Some(p) => format!("{}: effect of {p}", self.outcome),
        }
    }
}

/// The indices of one factor for one quantity.
#[derive(Debug, Clone, PartialEq)]
pub enum FactorIndex {
    /// Morris elementary effects.
    Morris(MorrisIndex),
    /// Sobol first-order and total indices.
    Sobol(SobolIndex),
}

/// The results of a sensitivity analysis.
#[derive(Debug, Clone)]
pub struct SensitivityResults {
    /// The quantities analysed: each outcome's level, then each policy's
    /// effect on each outcome.
    pub quantities: Vec<Quantity>,
    /// The factors (dotted parameter keys).
    pub factors: Vec<String>,
    /// Per quantity, one index per factor.
    pub indices: Vec<Vec<FactorIndex>>,
    /// Per quantity, its value at each design point (mean over replicates).
    pub values: Vec<Vec<f64>>,
    /// Per quantity, its variance across design points.
    pub variance: Vec<f64>,
    /// Per quantity, the variance of a point's value that replicate noise
    /// alone gives it: the mean over points of the variance between its
    /// replicates (for an effect, of its per-replicate paired differences)
    /// divided by the replicates (NaN below two replicates).
    pub noise: Vec<f64>,
    /// Per quantity, each factor's noise floor: the μ* (Morris) or total
    /// index S_T (Sobol) that replicate noise alone would give it
    /// ([`super::sensitivity::morris_noise`],
    /// [`super::sensitivity::sobol_noise`]); NaN below two replicates.
    pub noise_floor: Vec<Vec<f64>>,
}

impl SensitivityResults {
    /// Whether factor `f`'s index for quantity `q` (μ* or S_T) is within
    /// [`WITHIN_NOISE`] times its noise floor: replicate noise alone could
    /// give most of it.
    pub fn within_noise(&self, q: usize, f: usize) -> bool {
        let floor = self.noise_floor[q][f];
        let index = match &self.indices[q][f] {
            FactorIndex::Morris(m) => m.mu_star,
            FactorIndex::Sobol(s) => s.total,
        };
        floor.is_finite() && index.is_finite() && index < WITHIN_NOISE * floor
    }

    /// The share of quantity `q`'s variance across the design that
    /// replicate noise could account for: `noise / variance`, at most 1
    /// (NaN when either is unknown). Replicate noise inflates every total
    /// index and deflates every first-order one (and adds to Morris's
    /// μ* and σ). An estimate: where common random numbers correlate
    /// points' noise positively it partly cancels between them, and
    /// it is capped at 1 (noise as large as the variance or larger).
    pub fn noise_share(&self, q: usize) -> f64 {
        let (noise, variance) = (self.noise[q], self.variance[q]);
        if noise.is_finite() && variance.is_finite() && variance > 0.0 {
            (noise / variance).min(1.0)
        } else if noise == 0.0 {
            0.0
        } else {
            f64::NAN
        }
    }
}

/// A factor whose μ* or S_T is below this multiple of its noise floor is
/// flagged as within noise ([`SensitivityResults::within_noise`]).
pub const WITHIN_NOISE: f64 = 2.0;

/// Above this share of replicate noise ([`SensitivityResults::noise_share`])
/// a quantity's indices are flagged in reports: they may rank noise.
pub const NOISY: f64 = 0.1;

/// A sensitivity plan's section, seed and design, checked against its
/// variants (design points × arms); `Err` says how they disagree (a
/// hand-edited `plan.json`).
fn layout(plan: &Plan) -> Result<(&SensitivitySpec, u64, Design), String> {
    let spec = plan
        .sensitivity
        .as_ref()
        .ok_or("the plan has no [sensitivity] section")?;
    let seed = plan
        .scenarios
        .first()
        .ok_or("the plan has no scenarios")?
        .scenario
        .seed;
    let design = Design::of(spec, seed)?;
    let arms = 1 + spec.policies.len();
    let points = design.points().len();
    if plan.variants.len() != points * arms {
        return Err(format!(
            "the plan has {} variants where its design needs {points} points × {arms} arms",
            plan.variants.len()
        ));
    }
    Ok((spec, seed, design))
}

/// Whether a sensitivity plan's variants are its design's points × arms;
/// `Err` says how they disagree (a hand-edited `plan.json`).
pub fn check_layout(plan: &Plan) -> Result<(), String> {
    layout(plan).map(|_| ())
}

/// Estimate the indices of a sensitivity plan from its accumulated results;
/// `Err` says why the plan's design does not match its runs (a hand-edited
/// `plan.json`).
pub fn analyse(plan: &Plan, results: &Results) -> Result<SensitivityResults, String> {
    let (spec, seed, design) = layout(plan)?;
    let points = design.points().len();
    let mean = |point: usize, arm: usize, outcome: usize| {
        let w = results
            .outcomes
            .runs(variant_index(spec, point, arm), outcome, WINDOW);
        if w.n() == 0 { f64::NAN } else { w.mean() }
    };
    // The variance replicate noise gives a point's value: the variance
    // between its replicates over their number, averaged over points.
    let noise = |arm: usize, outcome: usize| {
        let per_point: Vec<f64> = (0..points)
            .filter_map(|i| {
                let v = variant_index(spec, i, arm);
                let w = match arm {
                    0 => results.outcomes.runs(v, outcome, WINDOW),
                    _ => results.outcomes.paired_runs(v, outcome, WINDOW),
                };
                w.variance().map(|var| var / w.n() as f64)
            })
            .filter(|x| x.is_finite())
            .collect();
        match per_point.len() {
            0 => f64::NAN,
            n => per_point.iter().sum::<f64>() / n as f64,
        }
    };
    let mut quantities = Vec::new();
    let mut values = Vec::new();
    let mut noises = Vec::new();
    for (o, outcome) in plan.outcomes.iter().enumerate() {
        quantities.push(Quantity {
            outcome: outcome.clone(),
            policy: None,
        });
        values.push((0..points).map(|i| mean(i, 0, o)).collect::<Vec<f64>>());
        noises.push(noise(0, o));
    }
    for (a, policy) in spec.policies.iter().enumerate() {
        for (o, outcome) in plan.outcomes.iter().enumerate() {
            quantities.push(Quantity {
                outcome: outcome.clone(),
                policy: Some(policy.clone()),
            });
            values.push(
                (0..points)
                    .map(|i| mean(i, a + 1, o) - mean(i, 0, o))
                    .collect(),
            );
            noises.push(noise(a + 1, o));
        }
    }
    let bootstrap_seed = mix64(seed ^ 0xB007_5742);
    let indices = values
        .iter()
        .map(|y| match &design {
            Design::Morris(d) => morris_indices(d, y, spec.bootstrap, bootstrap_seed)
                .into_iter()
                .map(FactorIndex::Morris)
                .collect(),
            Design::Sobol(d) => sobol_indices(d, y, spec.bootstrap, bootstrap_seed)
                .into_iter()
                .map(FactorIndex::Sobol)
                .collect(),
        })
        .collect();
    let variance = values
        .iter()
        .map(|y| {
            let finite: Vec<f64> = y.iter().copied().filter(|x| x.is_finite()).collect();
            crate::stats::summarize(&finite)
                .sd
                .map_or(f64::NAN, |s| s * s)
        })
        .collect();
    // Each quantity's value at a design point in one replicate (a policy's
    // effect paired with the baseline's run of the same replicate).
    let table = results.points.as_ref();
    let replicates = table.map_or(0, |t| t.replicates());
    let n_outcomes = plan.outcomes.len();
    let noise_floor = values
        .iter()
        .enumerate()
        .map(|(q, y)| {
            let (arm, o) = (q / n_outcomes, q % n_outcomes);
            let value = |point: usize, r: usize| match table {
                None => f64::NAN,
                Some(t) => {
                    let at = |arm| t.value(variant_index(spec, point, arm), r, o, WINDOW);
                    if arm == 0 { at(0) } else { at(arm) - at(0) }
                }
            };
            match &design {
                Design::Morris(d) => super::sensitivity::morris_noise(d, replicates, value),
                Design::Sobol(d) => super::sensitivity::sobol_noise(d, y, replicates, value),
            }
        })
        .collect();
    Ok(SensitivityResults {
        quantities,
        factors: spec.ranges.iter().map(|r| r.key.clone()).collect(),
        indices,
        values,
        variance,
        noise: noises,
        noise_floor,
    })
}

/// The base name of a policy's variants ([`BASELINE`] for arm 0).
pub fn arm_name(spec: &SensitivitySpec, arm: usize) -> &str {
    if arm == 0 {
        BASELINE
    } else {
        &spec.policies[arm - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::analysis::CompareAccumulator;

    /// A plan whose every point and arm is given the outcome `f(x, arm)` of
    /// its factor values: the analysis must recover f's slopes, so planning
    /// and analysis agree on the design and on the variant layout.
    fn analysed(method: &str, f: impl Fn(&[f64], usize) -> f64) -> SensitivityResults {
        let text = format!(
            "[scenario]\nmonths = 12\nreplicates = 1\n[world]\nvillages = 1\n[[variants]]\nname = \"p\"\n\"incentive.formal_weight\" = 0.1\n[compare]\noutcomes = [\"share_met\"]\n[sensitivity]\n{method}\npolicies = [\"p\"]\nbootstrap = 100\n[sensitivity.ranges]\n\"effort.noise\" = [0.0, 0.5]\n\"training.skill_decay\" = [0.0, 0.02]\n"
        );
        let file = StudyFile::parse(&text, "s.toml", &[], None).unwrap();
        let study = Study::sensitivity(&file, &[]).unwrap();
        let plan = &study.plan;
        let mut acc = CompareAccumulator::new(plan.variants.len(), 1, 1);
        for (v, variant) in plan.variants.iter().enumerate() {
            let x: Vec<f64> = ["effort.noise", "training.skill_decay"]
                .iter()
                .map(|k| {
                    let (_, lit) = variant.overrides.iter().find(|(key, _)| key == k).unwrap();
                    lit.parse().unwrap()
                })
                .collect();
            let y = f(&x, v % 2);
            acc.add(v, 0, &[[y, y]]);
        }
        analyse(plan, &Results::from_outcomes(acc, 12)).unwrap()
    }

    #[test]
    fn morris_recovers_the_slopes_of_levels_and_of_a_policys_effect() {
        // Level 3 x₁ − 50 x₂; the policy adds 0.4 x₁.
        let a = analysed("method = \"morris\"\ntrajectories = 4", |x, arm| {
            3.0 * x[0] - 50.0 * x[1] + if arm == 1 { 0.4 * x[0] } else { 0.0 }
        });
        let mu = |q: usize, f: usize| match &a.indices[q][f] {
            FactorIndex::Morris(m) => (m.mu, m.sigma),
            FactorIndex::Sobol(_) => unreachable!(),
        };
        // Per full range: 3 × 0.5, −50 × 0.02; the effect 0.4 × 0.5 and 0.
        let close = |x: (f64, f64), want: f64| (x.0 - want).abs() < 1e-9 && x.1.abs() < 1e-9;
        assert!(close(mu(0, 0), 1.5), "{:?}", mu(0, 0));
        assert!(close(mu(0, 1), -1.0), "{:?}", mu(0, 1));
        assert_eq!(a.quantities[1].policy.as_deref(), Some("p"));
        assert!(close(mu(1, 0), 0.2), "{:?}", mu(1, 0));
        assert!(close(mu(1, 1), 0.0), "{:?}", mu(1, 1));
    }

    #[test]
    fn every_outcome_and_policy_gets_its_own_quantity() {
        // Two outcomes, two policies: six quantities, each with its own
        // slopes, so a mix-up of outcome, arm or order shows.
        let text = "[scenario]\nmonths = 12\nreplicates = 1\n[world]\nvillages = 1\n[[variants]]\nname = \"p\"\n\"incentive.formal_weight\" = 0.1\n[[variants]]\nname = \"q\"\n\"incentive.formal_weight\" = 0.2\n[compare]\noutcomes = [\"share_met\", \"satisfaction_mean\"]\n[sensitivity]\nmethod = \"morris\"\ntrajectories = 4\npolicies = [\"q\", \"p\"]\nbootstrap = 100\n[sensitivity.ranges]\n\"effort.noise\" = [0.0, 0.5]\n\"training.skill_decay\" = [0.0, 0.02]\n";
        let file = StudyFile::parse(text, "s.toml", &[], None).unwrap();
        let study = Study::sensitivity(&file, &[]).unwrap();
        let plan = &study.plan;
        // Slopes (per unit of x₁, x₂) of each outcome's level and of each
        // policy's effect on it.
        let level = [[3.0, -50.0], [7.0, 20.0]];
        let effect = |policy: &str, o: usize| match (policy, o) {
            ("p", 0) => [0.4, 0.0],
            ("p", _) => [0.0, 10.0],
            ("q", 0) => [-1.0, 5.0],
            _ => [2.0, -30.0],
        };
        let mut acc = CompareAccumulator::new(plan.variants.len(), 1, 2);
        for (v, variant) in plan.variants.iter().enumerate() {
            let value = |k: &str| -> Option<f64> {
                let (_, lit) = variant.overrides.iter().find(|(key, _)| key == k)?;
                Some(lit.parse().unwrap())
            };
            let x = [
                value("effort.noise").unwrap(),
                value("training.skill_decay").unwrap(),
            ];
            let policy = match value("incentive.formal_weight") {
                None => None,
                Some(0.1) => Some("p"),
                Some(_) => Some("q"),
            };
            let y = |o: usize| {
                let mut slopes = level[o];
                if let Some(p) = policy {
                    let e = effect(p, o);
                    slopes = [slopes[0] + e[0], slopes[1] + e[1]];
                }
                slopes[0] * x[0] + slopes[1] * x[1]
            };
            acc.add(v, 0, &[[y(0), y(0)], [y(1), y(1)]]);
        }
        let a = analyse(plan, &Results::from_outcomes(acc, 12)).unwrap();
        let named: Vec<(&str, Option<&str>)> = a
            .quantities
            .iter()
            .map(|q| (q.outcome.as_str(), q.policy.as_deref()))
            .collect();
        assert_eq!(
            named,
            [
                ("share_met", None),
                ("satisfaction_mean", None),
                ("share_met", Some("q")),
                ("satisfaction_mean", Some("q")),
                ("share_met", Some("p")),
                ("satisfaction_mean", Some("p")),
            ]
        );
        for (q, (outcome, policy)) in named.iter().enumerate() {
            let o = usize::from(*outcome == "satisfaction_mean");
            let slopes = policy.map_or(level[o], |p| effect(p, o));
            // Per full range: x₁ spans 0.5, x₂ 0.02.
            for (f, want) in [slopes[0] * 0.5, slopes[1] * 0.02].into_iter().enumerate() {
                let FactorIndex::Morris(m) = &a.indices[q][f] else {
                    unreachable!()
                };
                assert!(
                    (m.mu - want).abs() < 1e-9 && m.sigma.abs() < 1e-9,
                    "{outcome} {policy:?} factor {f}: μ {} σ {}, want {want}",
                    m.mu,
                    m.sigma
                );
            }
        }
    }

    #[test]
    fn sobol_attributes_an_additive_model_to_its_factors() {
        // Only x₁ matters for the level, only x₂ for the effect.
        let a = analysed("method = \"sobol\"\nsamples = 64", |x, arm| {
            2.0 * x[0] + if arm == 1 { 30.0 * x[1] } else { 0.0 }
        });
        let s = |q: usize, f: usize| match &a.indices[q][f] {
            FactorIndex::Sobol(s) => (s.first, s.total),
            FactorIndex::Morris(_) => unreachable!(),
        };
        assert!((s(0, 0).0 - 1.0).abs() < 0.05 && (s(0, 0).1 - 1.0).abs() < 0.05);
        assert!(s(0, 1).1.abs() < 1e-9, "{:?}", s(0, 1));
        assert!(s(1, 0).1.abs() < 1e-9 && (s(1, 1).1 - 1.0).abs() < 0.05);
    }

    #[test]
    fn replicate_noise_is_estimated_per_quantity_and_cancels_in_paired_effects() {
        // Two replicates per point: the level is 3 x₁ ± e (the same ± for
        // both arms, as common random numbers give), the policy adds 0.4 x₁
        // and a noise ± d of its own.
        let (e, d) = (0.05, 0.01);
        let text = "[scenario]\nmonths = 12\nreplicates = 2\n[world]\nvillages = 1\n[[variants]]\nname = \"p\"\n\"incentive.formal_weight\" = 0.1\n[compare]\noutcomes = [\"share_met\"]\n[sensitivity]\nmethod = \"morris\"\ntrajectories = 4\npolicies = [\"p\"]\nbootstrap = 100\n[sensitivity.ranges]\n\"effort.noise\" = [0.0, 0.5]\n";
        let file = StudyFile::parse(text, "s.toml", &[], None).unwrap();
        let plan = Study::sensitivity(&file, &[]).unwrap().plan;
        let mut acc = CompareAccumulator::new(plan.variants.len(), 1, 1)
            .with_references((0..plan.variants.len()).map(|v| v / 2 * 2).collect());
        for (v, variant) in plan.variants.iter().enumerate() {
            let (_, lit) = &variant.overrides[0];
            let x: f64 = lit.parse().unwrap();
            for (r, sign) in [(0u32, 1.0), (1, -1.0)] {
                let y = 3.0 * x + sign * e + if v % 2 == 1 { 0.4 * x + sign * d } else { 0.0 };
                acc.add_run(v, 0, r, &[[y, y]]);
            }
        }
        let a = analyse(&plan, &Results::from_outcomes(acc, 12)).unwrap();
        // Level: the two replicates differ by 2e, variance 2e², over 2: e².
        assert!((a.noise[0] - e * e).abs() < 1e-12, "{:?}", a.noise);
        // Effect: the shared ±e cancels in the pairs; ±d is left.
        assert!((a.noise[1] - d * d).abs() < 1e-12, "{:?}", a.noise);
        assert!((a.noise_share(0) - e * e / a.variance[0]).abs() < 1e-12);
        assert!((a.noise_share(1) - d * d / a.variance[1]).abs() < 1e-12);
        assert!(a.noise_share(1) > 0.0 && a.noise_share(1) < 1.0);
    }

    #[test]
    fn noise_floors_belong_to_their_outcome_and_arm() {
        // Two outcomes, one policy, two replicates. Outcome o's level has
        // noise ±e_o whose sign alternates from point to point, and the
        // policy adds its own ±d_o: each trajectory's two points then differ
        // by a ± 2e_o in the two replicates, s² = 8e_o², s²/2 = 4e_o², and
        // with c₄(2) = √(2/π) the floor is 2e_o/c₄/Δ·√(2/π) = 2e_o/Δ = 3e_o
        // (Δ = 2/3 on 4 levels); for the effect, ±e_o cancels and 3d_o is left.
        let (e, d) = ([0.05, 0.2], [0.01, 0.03]);
        let text = "[scenario]\nmonths = 12\nreplicates = 2\n[world]\nvillages = 1\n[[variants]]\nname = \"p\"\n\"incentive.formal_weight\" = 0.1\n[compare]\noutcomes = [\"share_met\", \"satisfaction_mean\"]\n[sensitivity]\nmethod = \"morris\"\ntrajectories = 4\npolicies = [\"p\"]\nbootstrap = 100\n[sensitivity.ranges]\n\"effort.noise\" = [0.0, 0.5]\n";
        let file = StudyFile::parse(text, "s.toml", &[], None).unwrap();
        let plan = Study::sensitivity(&file, &[]).unwrap().plan;
        let n = plan.variants.len();
        let mut acc =
            CompareAccumulator::new(n, 1, 2).with_references((0..n).map(|v| v / 2 * 2).collect());
        let mut table = crate::study::analysis::PointReplicates::new(n, 2, 2);
        for (v, variant) in plan.variants.iter().enumerate() {
            let (_, lit) = &variant.overrides[0];
            let x: f64 = lit.parse().unwrap();
            let flip = if (v / 2) % 2 == 0 { 1.0 } else { -1.0 };
            for (r, sign) in [(0u32, 1.0), (1, -1.0)] {
                let y = |o: usize| {
                    let level = (o as f64 + 1.0) * x + flip * sign * e[o];
                    let y = level
                        + if v % 2 == 1 {
                            0.4 * x + flip * sign * d[o]
                        } else {
                            0.0
                        };
                    [y, y]
                };
                let values = [y(0), y(1)];
                acc.add_run(v, 0, r, &values);
                table.add(v, r as usize, &values);
            }
        }
        let mut results = Results::from_outcomes(acc, 12);
        results.points = Some(table);
        let a = analyse(&plan, &results).unwrap();
        let labels: Vec<String> = a.quantities.iter().map(Quantity::label).collect();
        assert_eq!(
            labels,
            [
                "share_met",
                "satisfaction_mean",
                "share_met: effect of p",
                "satisfaction_mean: effect of p"
            ]
        );
        let floors: Vec<f64> = a.noise_floor.iter().map(|f| f[0]).collect();
        let want = [3.0 * e[0], 3.0 * e[1], 3.0 * d[0], 3.0 * d[1]];
        for (got, want) in floors.iter().zip(want) {
            assert!((got - want).abs() < 1e-12, "{floors:?} against {want}");
        }
        // Without the per-run table (one replicate, or an older plan): none.
        let bare = analyse(
            &plan,
            &Results::from_outcomes(CompareAccumulator::new(n, 1, 2), 12),
        );
        assert!(
            bare.unwrap()
                .noise_floor
                .iter()
                .flatten()
                .all(|f| f.is_nan())
        );
    }

    #[test]
    fn a_plan_that_does_not_match_its_design_is_refused() {
        let text = "[compare]\noutcomes = [\"share_met\"]\n[sensitivity]\ntrajectories = 2\n[sensitivity.ranges]\n\"effort.noise\" = [0.0, 0.5]\n";
        let file = StudyFile::parse(text, "s.toml", &[], None).unwrap();
        let mut plan = Outline::sensitivity(&file, &[]).unwrap().plan;
        plan.scenarios = vec![file.base.clone()];
        let results =
            Results::from_outcomes(CompareAccumulator::new(plan.variants.len(), 1, 1), 12);
        assert!(analyse(&plan, &results).is_ok());
        if let Some(s) = plan.sensitivity.as_mut() {
            s.method = SensitivityMethod::Morris {
                trajectories: 2,
                levels: 3,
            };
        }
        assert!(
            analyse(&plan, &results)
                .unwrap_err()
                .contains("even number of levels")
        );
        if let Some(s) = plan.sensitivity.as_mut() {
            s.method = SensitivityMethod::Morris {
                trajectories: 5,
                levels: 4,
            };
        }
        assert!(
            analyse(&plan, &results)
                .unwrap_err()
                .contains("variants where its design needs")
        );
    }
}
