//! Global sensitivity analysis as a study (`docs/studies.md`, "Sensitivity
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

/// The design of a sensitivity analysis on the unit cube, one row per point.
fn unit_points(spec: &SensitivitySpec, seed: u64) -> Vec<Vec<f64>> {
    let k = spec.ranges.len();
    let seed = mix64(seed ^ 0x5E45_1717);
    match spec.method {
        SensitivityMethod::Morris {
            trajectories,
            levels,
        } => morris_design(k, trajectories, levels, seed).points,
        SensitivityMethod::Sobol { samples } => saltelli_design(k, samples, seed).points,
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
                example: "[sensitivity]\nmethod = \"morris\"\ntrajectories = 10\n[sensitivity.ranges]\n\"needs.need_rate\" = [0.05, 0.2]",
            });
        };
        let points = unit_points(spec, file.base.scenario.seed);
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
}

/// Estimate the indices of a sensitivity plan from its accumulated results.
pub fn analyse(plan: &Plan, results: &Results) -> Option<SensitivityResults> {
    let spec = plan.sensitivity.as_ref()?;
    let arms = 1 + spec.policies.len();
    let points = plan.variants.len() / arms;
    let mean = |point: usize, arm: usize, outcome: usize| {
        let w = results
            .outcomes
            .pooled(variant_index(spec, point, arm), outcome, WINDOW);
        if w.n() == 0 { f64::NAN } else { w.mean() }
    };
    let mut quantities = Vec::new();
    let mut values = Vec::new();
    for (o, outcome) in plan.outcomes.iter().enumerate() {
        quantities.push(Quantity {
            outcome: outcome.clone(),
            policy: None,
        });
        values.push((0..points).map(|i| mean(i, 0, o)).collect::<Vec<f64>>());
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
        }
    }
    let k = spec.ranges.len();
    let seed = mix64(plan.scenarios.first()?.scenario.seed ^ 0xB007_5742);
    let indices = values
        .iter()
        .map(|y| match spec.method {
            SensitivityMethod::Morris {
                trajectories,
                levels,
            } => {
                let design = morris_design(
                    k,
                    trajectories,
                    levels,
                    mix64(plan.scenarios[0].scenario.seed ^ 0x5E45_1717),
                );
                morris_indices(&design, y, spec.bootstrap, seed)
                    .into_iter()
                    .map(FactorIndex::Morris)
                    .collect()
            }
            SensitivityMethod::Sobol { samples } => {
                let design = saltelli_design(
                    k,
                    samples,
                    mix64(plan.scenarios[0].scenario.seed ^ 0x5E45_1717),
                );
                sobol_indices(&design, y, spec.bootstrap, seed)
                    .into_iter()
                    .map(FactorIndex::Sobol)
                    .collect()
            }
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
    Some(SensitivityResults {
        quantities,
        factors: spec.ranges.iter().map(|r| r.key.clone()).collect(),
        indices,
        values,
        variance,
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
