//! What the study sections of a scenario file describe beyond variants:
//! sampled parameter ranges, `[sensitivity]` (what a global sensitivity
//! analysis varies and how) and `[calibration]` (what a calibration fits to
//! which targets), `docs/experiments.md`. They are read and checked by
//! [`super::spec`].

use serde::{Deserialize, Serialize};

/// The design and estimators of a global sensitivity analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "name")]
pub enum SensitivityMethod {
    /// Morris elementary effects (screening): `trajectories` one-at-a-time
    /// trajectories on a `levels`-level grid; r (k + 1) points.
    Morris {
        /// Trajectories r.
        trajectories: u32,
        /// Grid levels p.
        levels: u32,
    },
    /// Sobol first-order and total indices from a Saltelli design of
    /// `samples` base rows; N (k + 2) points.
    Sobol {
        /// Base rows N.
        samples: u32,
    },
}

/// `[sensitivity]`: which parameters vary over which ranges, by which method,
/// for the outcome levels and for the effects of which policy variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensitivitySpec {
    /// Design and estimators.
    pub method: SensitivityMethod,
    /// Bootstrap resamples for the confidence intervals of the indices.
    pub bootstrap: u32,
    /// The parameters varied (the factors) and their ranges.
    pub ranges: Vec<ParamRange>,
    /// Names of `[[variants]]` whose effect (variant − baseline, common random
    /// numbers) is analysed as well as the outcome levels.
    pub policies: Vec<String>,
}

impl SensitivitySpec {
    /// Design points (each run under the baseline and every policy).
    pub fn points(&self) -> u64 {
        let k = self.ranges.len() as u64;
        match self.method {
            SensitivityMethod::Morris { trajectories, .. } => u64::from(trajectories) * (k + 1),
            SensitivityMethod::Sobol { samples } => u64::from(samples) * (k + 2),
        }
    }
}

/// One calibration target: a metric's mean over a window of months (across
/// replicates), or a policy's difference from the baseline in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSpec {
    /// Metric name.
    pub metric: String,
    /// First and last month of the window (inclusive, from 0); `None`: the
    /// last 12 months of the run (or the whole of a shorter run).
    pub months: Option<(u32, u32)>,
    /// Target value.
    pub value: f64,
    /// Its scale in the distance (a standard error or tolerance). It only
    /// weighs the targets against each other: the particles kept are those
    /// closest, so multiplying every sd by the same factor changes no
    /// particle, only ε and z. The posterior's width reflects the ABC
    /// tolerance reached for the particles and generations run, not this sd
    /// as a standard error (no likelihood is evaluated).
    pub sd: f64,
    /// A `[[variants]]` name: the target is that variant's value minus the
    /// baseline's, under common random numbers.
    pub variant: Option<String>,
    /// Where the value comes from (free text, shown in reports).
    pub source: String,
}

impl TargetSpec {
    /// The window in a run of `months` months.
    pub fn window(&self, months: u32) -> (u32, u32) {
        self.months
            .unwrap_or((months.saturating_sub(12), months.saturating_sub(1)))
    }

    /// A short label: `metric`, or `metric (variant − baseline)`.
    pub fn label(&self) -> String {
        match &self.variant {
            Some(v) => format!("{} ({v} − {BASELINE})", self.metric),
            None => self.metric.clone(),
        }
    }
}

/// `[calibration]`: approximate Bayesian computation of the listed parameters
/// (uniform priors on their ranges) against the targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationSpec {
    /// Parameters calibrated, with their prior ranges.
    pub parameters: Vec<ParamRange>,
    /// Targets.
    pub targets: Vec<TargetSpec>,
    /// Particles kept per generation.
    pub particles: u32,
    /// Generations: 1 is rejection ABC, more refine by sequential Monte Carlo.
    pub generations: u32,
    /// Share of each generation's proposals kept (proposals = particles / quantile).
    pub quantile: f64,
}

impl CalibrationSpec {
    /// Proposals simulated per generation.
    pub fn proposals(&self) -> u64 {
        // As `abc::AbcSettings::batch_size`.
        (f64::from(self.particles) / self.quantile - 1e-9).ceil() as u64
    }

    /// Variants each proposal runs: the baseline and every variant a target
    /// names, in first-named order.
    pub fn arms(&self) -> Vec<String> {
        let mut arms = vec![BASELINE.to_string()];
        for t in &self.targets {
            if let Some(v) = &t.variant
                && !arms.contains(v)
            {
                arms.push(v.clone());
            }
        }
        arms
    }
}

/// Name of the implicit variant that is the base scenario.
pub const BASELINE: &str = "baseline";

/// A numeric parameter's sampling range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamRange {
    /// Dotted key.
    pub key: String,
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Whether the parameter takes integers (samples are rounded).
    pub integer: bool,
}

impl ParamRange {
    /// The TOML literal of the value at quantile `u` in [0, 1].
    pub fn literal_at(&self, u: f64) -> String {
        self.literal_of(self.low + u * (self.high - self.low))
    }

    /// The TOML literal of the value `x` (rounded for an integer parameter).
    pub fn literal_of(&self, x: f64) -> String {
        if self.integer {
            format!("{}", x.round() as i64)
        } else {
            format!("{x:?}")
        }
    }
}
