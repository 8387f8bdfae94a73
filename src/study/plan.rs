//! Planning a study (a comparison of variants or a parameter sweep): its variants,
//! sampled environments, and every run with its seed and key
//! (`docs/studies.md`).
//!
//! A plan is pure data. Running it, storing runs and assembling results are
//! done at the edge (`output::study`).

pub use super::spec::{MAX_CELLS, MAX_RUNS, Shape, StudySize, design_points, study_size};
use super::spec::{ParamRange, SweepDesign};
use crate::random::{self as rng, mix64, replicate_seed};
use crate::scenario::Scenario;
use rand::RngExt;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// What kind of study a plan describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StudyKind {
    /// Base scenario(s) and variants compared.
    Compare,
    /// Points of a parameter sweep.
    Sweep,
    /// Points of a global sensitivity design (`[sensitivity]`), each under
    /// the baseline and the analysed policies.
    Sensitivity,
    /// Proposals of a calibration generation (`[calibration]`), each under
    /// the baseline and the variants its targets name.
    Calibration,
}

/// One variant of a study: a policy variant (or a baseline) or a sweep point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// Name (variant name, or `p<index>` for a sweep point).
    pub name: String,
    /// Index of the scenario file it comes from (in `Plan::sources`).
    pub source: usize,
    /// Overrides of the source scenario: (dotted key, TOML literal).
    pub overrides: Vec<(String, String)>,
}

/// One run: a variant in an environment, one replicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Variant index (`arm` in plans written before 0.1.0+model.3).
    #[serde(alias = "arm")]
    pub variant: u32,
    /// Environment index.
    pub environment: u32,
    /// Replicate index.
    pub replicate: u32,
    /// The run's seed.
    pub seed: u64,
    /// Key of its parameters and seed: the run's file is `runs/<key>.csv`.
    pub key: String,
}

fn default_meaningful_difference() -> f64 {
    super::spec::DEFAULT_MEANINGFUL_DIFFERENCE
}

/// A complete study plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Compare or sweep.
    pub kind: StudyKind,
    /// Study name (output directory).
    pub name: String,
    /// Scenario files, as given.
    pub sources: Vec<String>,
    /// Variants; variant 0 is the baseline of a comparison (`arms` in plans
    /// written before 0.1.0+model.3).
    #[serde(alias = "arms")]
    pub variants: Vec<Variant>,
    /// Sampled environments: overrides of the uncertain parameters (one empty
    /// environment when there is no uncertainty).
    pub environments: Vec<Vec<(String, String)>>,
    /// Keys varied by a sweep (columns of the sweep tables).
    pub parameters: Vec<String>,
    /// Outcomes reported.
    pub outcomes: Vec<String>,
    /// Months averaged for the "window" measure.
    pub window_months: u32,
    /// Months per run.
    pub months: u32,
    /// Replicates per variant and environment.
    pub replicates: u32,
    /// Whether variants share random streams.
    pub common_random_numbers: bool,
    /// `[compare] meaningful_difference`: the share of the baseline's mean a
    /// difference must exceed to count in `robustness.csv` (analysis only:
    /// plans differing in it are the same study).
    #[serde(default = "default_meaningful_difference")]
    pub meaningful_difference: f64,
    /// `[compare] burn_in_policy`: under which policy variants are set up
    /// and burnt in (already part of each cell's resolved scenario).
    #[serde(default)]
    pub burn_in_policy: super::spec::BurnInPolicy,
    /// The resolved scenario of every (variant, environment) cell, see [`Plan::cell`].
    pub scenarios: Vec<Scenario>,
    /// Every run, in assembly order (variant, environment, replicate).
    pub runs: Vec<Run>,
    /// The model that planned it ([`crate::model_identity`]); shards of
    /// different builds are never merged.
    #[serde(default)]
    pub model: String,
    /// Overrides given on the command line (`--set`, `--seed`), applied to
    /// every cell; shown in reports and titles.
    #[serde(default)]
    pub overrides: Vec<(String, String)>,
    /// The sensitivity analysis of a [`StudyKind::Sensitivity`] plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<super::methods::SensitivitySpec>,
    /// The calibration of a [`StudyKind::Calibration`] plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<super::methods::CalibrationSpec>,
    /// How `--target-ci` chose the replicates, when it did (a record, not
    /// part of what the study is: [`Plan::differs_from`] ignores it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ci: Option<StoppingRecord>,
}

/// How `--target-ci` chose a comparison's replicates (docs/studies.md,
/// "Enough replicates"): kept in `plan.json` and `manifest.json` and said in
/// the reports, so a missed target is not lost once the terminal is closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoppingRecord {
    /// The target as written (`0.01`, `5% of |mean|`).
    pub target: String,
    /// Whether every half-width reached it (otherwise the cap was reached).
    pub reached: bool,
    /// The widest 95 % CI half-width in the target's terms; `None` where an
    /// interval could not be computed.
    pub widest: Option<String>,
    /// Replicates the study stopped at.
    pub replicates: u32,
    /// The cap (`--max-replicates`, within the cap on runs).
    pub max_replicates: u32,
    /// Whether it stopped because an outcome is undefined (NaN) in some run.
    #[serde(default)]
    pub undefined: bool,
}

impl StoppingRecord {
    /// One sentence for a report.
    pub fn sentence(&self) -> String {
        let widest = self.widest.as_deref().unwrap_or("undefined");
        let outcome = if self.undefined {
            format!(
                "NOT reached: stopped at {} replicates because an outcome is undefined (NaN) in some run, and more replicates cannot give it an interval",
                self.replicates
            )
        } else if self.reached {
            format!(
                "reached with {} replicates (widest 95 % CI half-width {widest})",
                self.replicates
            )
        } else {
            format!(
                "NOT reached: the cap of {} replicates was hit with the widest 95 % CI half-width {widest}, so some intervals are wider than asked",
                self.max_replicates
            )
        };
        format!(
            "Replicates chosen by --target-ci (every 95 % CI half-width ≤ {}): {outcome}. A stopping rule that looks at the spread makes intervals cover a little less often than 95 %; for a report, run this many replicates afresh with another --seed (docs/studies.md, \"Enough replicates\").",
            self.target
        )
    }
}

impl Plan {
    /// Whether each variant's replicate r shares its random streams with the
    /// baseline's replicate r of the same environment, so that differences
    /// can be paired by replicate: common random numbers are on and the
    /// seeds agree (files compared side by side share streams only when they
    /// share `scenario.seed`).
    pub fn paired_runs(&self) -> bool {
        if !self.common_random_numbers {
            return false;
        }
        let baseline: std::collections::HashMap<(u32, u32), u64> = self
            .runs
            .iter()
            .filter(|r| r.variant == 0)
            .map(|r| ((r.environment, r.replicate), r.seed))
            .collect();
        self.runs.iter().all(|r| {
            baseline
                .get(&(r.environment, r.replicate))
                .is_none_or(|&seed| seed == r.seed)
        })
    }

    /// Index of the resolved scenario of (variant, environment).
    pub fn cell(&self, variant: u32, environment: u32) -> usize {
        variant as usize * self.environments.len() + environment as usize
    }

    /// How `other` differs from this plan as a study (ignoring the replicate
    /// count except for a calibration's, the runs, the model version and how the scenario files' paths
    /// were spelled — their resolved contents are compared), in words that
    /// describe `other`; `None` if it is the same study, which may then share
    /// a directory and a run store.
    pub fn differs_from(&self, other: &Plan) -> Option<String> {
        let normal = |p: &Plan| -> Vec<Scenario> {
            p.scenarios
                .iter()
                .map(|s| {
                    let mut s = s.clone();
                    s.scenario.replicates = 0;
                    s
                })
                .collect()
        };
        let what = if self.kind != other.kind {
            format!("a {:?} study, not a {:?}", other.kind, self.kind).to_lowercase()
        } else if self.sources.len() != other.sources.len() {
            format!("scenario files {}", other.sources.join(", "))
        } else if sorted(&self.overrides) != sorted(&other.overrides) {
            let shown: Vec<String> = other
                .overrides
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            if shown.is_empty() {
                "no command-line overrides".into()
            } else {
                format!("command-line overrides {}", shown.join(" "))
            }
        } else if self.kind == StudyKind::Calibration && self.replicates != other.replicates {
            // A proposal's summary is the mean of its replicates: another
            // count is another calibration, not a more precise one.
            format!(
                "{} per proposal, not {}",
                match other.replicates {
                    1 => "1 replicate".to_string(),
                    n => format!("{n} replicates"),
                },
                self.replicates
            )
        } else if self.variants != other.variants {
            "other variants or sweep points".into()
        } else if self.environments != other.environments {
            "other sampled environments".into()
        } else if (
            &self.parameters,
            &self.outcomes,
            self.window_months,
            self.months,
        ) != (
            &other.parameters,
            &other.outcomes,
            other.window_months,
            other.months,
        ) {
            "other outcomes, window or months".into()
        } else if self.common_random_numbers != other.common_random_numbers {
            "other random-number pairing".into()
        } else if same_runs_sensitivity(&self.sensitivity)
            != same_runs_sensitivity(&other.sensitivity)
        {
            "other sensitivity-analysis settings".into()
        } else if same_runs_calibration(&self.calibration)
            != same_runs_calibration(&other.calibration)
        {
            "other calibration settings or targets".into()
        } else if normal(self) != normal(other) {
            "other parameters or seed".into()
        } else {
            return None;
        };
        Some(what)
    }

    /// Check a plan read from disk (`plan.json` may be edited by hand, and
    /// `merge` trusts it): every index in range, a resolved scenario per
    /// (variant, environment) cell, known outcomes, a window within the
    /// run, at least one replicate, and every run of every cell and
    /// replicate in order, under the key of its cell and seed
    /// ([`run_key`]; checked only for plans of this model, whose keys this
    /// build computes). The error names the field and what would be valid.
    pub fn check(&self) -> Result<(), String> {
        let (n_var, n_env) = (self.variants.len(), self.environments.len());
        if n_var == 0 {
            return Err("variants: empty; a study has at least one variant".into());
        }
        // The kind and its section go together.
        let kind_needs = |kind: StudyKind, section: &str, given: bool| {
            if (self.kind == kind) != given {
                Err(format!(
                    "kind: {:?} with{} a `{section}` section; a {section} plan has one, and only it",
                    self.kind,
                    if given { "" } else { "out" }
                ))
            } else {
                Ok(())
            }
        };
        kind_needs(
            StudyKind::Sensitivity,
            "sensitivity",
            self.sensitivity.is_some(),
        )?;
        kind_needs(
            StudyKind::Calibration,
            "calibration",
            self.calibration.is_some(),
        )?;
        if let Some((i, v)) = self
            .variants
            .iter()
            .enumerate()
            .find(|(_, v)| v.source >= self.sources.len())
        {
            return Err(format!(
                "variants[{i}].source: {}; the plan has {} scenario files (sources)",
                v.source,
                self.sources.len()
            ));
        }
        if n_env == 0 {
            return Err(
                "environments: empty; a study has at least one environment (`[[]]` without uncertainty)"
                    .into(),
            );
        }
        if self.scenarios.len() as u64 != n_var as u64 * n_env as u64 {
            return Err(format!(
                "scenarios: {} resolved scenarios; a plan of {n_var} variants × {n_env} environments has {}",
                self.scenarios.len(),
                n_var as u64 * n_env as u64
            ));
        }
        if self.outcomes.is_empty() {
            return Err("outcomes: empty; a study reports at least one outcome".into());
        }
        if let Some(o) = self
            .outcomes
            .iter()
            .find(|o| crate::metrics::metric_index(o).is_none())
        {
            return Err(format!(
                "outcomes: `{o}` is not a metric (`grassroots metrics` lists them)"
            ));
        }
        if self.months == 0 {
            return Err("months: 0; a run has at least one month".into());
        }
        if self.window_months == 0 || self.window_months > self.months {
            return Err(format!(
                "window_months: {}; give 1 to {} (months)",
                self.window_months, self.months
            ));
        }
        if let Some((i, s)) = self
            .scenarios
            .iter()
            .enumerate()
            .find(|(_, s)| s.scenario.months != self.months)
        {
            return Err(format!(
                "scenarios[{i}].scenario.months: {}; the plan's runs have {} months",
                s.scenario.months, self.months
            ));
        }
        if self.replicates == 0 {
            return Err("replicates: 0; a study has at least one replicate".into());
        }
        let expected = n_var as u64 * n_env as u64 * u64::from(self.replicates);
        if self.runs.len() as u64 != expected {
            return Err(format!(
                "runs: {} runs; {n_var} variants × {n_env} environments × {} replicates make {expected}",
                self.runs.len(),
                self.replicates
            ));
        }
        let ours = self.model == crate::model_identity();
        let mut runs = self.runs.iter().enumerate();
        for variant in 0..n_var as u32 {
            for environment in 0..n_env as u32 {
                let cell =
                    ours.then(|| cell_text(&self.scenarios[self.cell(variant, environment)]));
                for replicate in 0..self.replicates {
                    let Some((i, r)) = runs.next() else {
                        return Err(format!("runs: fewer than {expected}"));
                    };
                    if (r.variant, r.environment, r.replicate) != (variant, environment, replicate)
                    {
                        return Err(format!(
                            "runs[{i}]: variant {}, environment {}, replicate {}; runs are in order, and this one is variant {variant}, environment {environment}, replicate {replicate}",
                            r.variant, r.environment, r.replicate
                        ));
                    }
                    if let Some(cell) = &cell
                        && key_of(cell, r.seed) != r.key
                    {
                        return Err(format!(
                            "runs[{i}].key: `{}` is not the key of its cell's parameters and seed {} (`{}`)",
                            r.key,
                            r.seed,
                            key_of(cell, r.seed)
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The runs of shard `k` of `n` (1-based `k`): every n-th run.
    pub fn shard(&self, k: u32, n: u32) -> impl Iterator<Item = &Run> {
        self.runs
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i as u64 % u64::from(n) == u64::from(k - 1))
            .map(|(_, r)| r)
    }
}

/// Command-line overrides in key order: each key is given once, so the order
/// they were typed in changes no run.
fn sorted(overrides: &[(String, String)]) -> Vec<&(String, String)> {
    let mut sorted: Vec<_> = overrides.iter().collect();
    sorted.sort();
    sorted
}

/// A sensitivity section without the settings that change no run (the
/// bootstrap resamples): two plans that differ only there are one study.
fn same_runs_sensitivity(
    s: &Option<super::methods::SensitivitySpec>,
) -> Option<super::methods::SensitivitySpec> {
    s.clone().map(|mut s| {
        s.bootstrap = 0;
        s
    })
}

/// A calibration section without what changes no run of the generations
/// both have: the number of generations (a calibration continues with more)
/// and the targets' sources.
fn same_runs_calibration(
    c: &Option<super::methods::CalibrationSpec>,
) -> Option<super::methods::CalibrationSpec> {
    c.clone().map(|mut c| {
        c.generations = 0;
        for t in &mut c.targets {
            t.source.clear();
        }
        c
    })
}

/// Seed of a run. With common random numbers all variants share the streams of
/// environment e and replicate r; otherwise each variant has its own.
pub fn run_seed(
    base_seed: u64,
    variant: u32,
    environment: u32,
    n_environments: u32,
    replicate: u32,
    crn: bool,
) -> u64 {
    let variant = if crn {
        u64::from(environment)
    } else {
        u64::from(variant) * u64::from(n_environments) + u64::from(environment)
    };
    replicate_seed(base_seed, variant, u64::from(replicate))
}

/// Key of a run: a SHA-256 (first 32 hex digits) of the model's identity
/// ([`crate::model_identity`]), the resolved parameters that affect results,
/// and the seed. A run of another model version never has the same key.
pub fn run_key(s: &Scenario, seed: u64) -> String {
    key_of(&cell_text(s), seed)
}

/// The part of a run's key text shared by every run of a cell: the model
/// identity and the resolved parameters that affect results.
fn cell_text(s: &Scenario) -> String {
    let mut normal = s.clone();
    normal.scenario.name.clear();
    normal.scenario.description.clear();
    normal.scenario.base.clear();
    normal.scenario.replicates = 0;
    format!("model={}\n{}", crate::model_identity(), normal.to_toml())
}

/// The key of the run with `seed` of a cell whose [`cell_text`] is `cell`.
fn key_of(cell: &str, seed: u64) -> String {
    let text = format!("{cell}\nseed={seed}\n");
    crate::digest::sha256_hex(text.as_bytes())[..32].to_string()
}

/// Latin-hypercube sample of `n` points over `ranges`: for each range the
/// n strata are permuted and one point drawn in each, from a stream of `seed`.
pub fn latin_hypercube(
    ranges: &[ParamRange],
    n: u32,
    seed: u64,
    stream: u64,
) -> Vec<Vec<(String, String)>> {
    let mut g = rng::stream(mix64(seed ^ 0x5EED_1A71), stream);
    let n = n as usize;
    let mut columns: Vec<Vec<String>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        let mut strata: Vec<usize> = (0..n).collect();
        strata.shuffle(&mut g);
        columns.push(
            strata
                .iter()
                .map(|&k| r.literal_at((k as f64 + g.random::<f64>()) / n as f64))
                .collect(),
        );
    }
    (0..n)
        .map(|i| {
            ranges
                .iter()
                .zip(&columns)
                .map(|(r, c)| (r.key.clone(), c[i].clone()))
                .collect()
        })
        .collect()
}

/// The points of a sweep design, each a list of overrides.
pub fn sweep_points(design: &SweepDesign, seed: u64) -> Vec<Vec<(String, String)>> {
    match design {
        SweepDesign::Grid(axes) => {
            let mut points: Vec<Vec<(String, String)>> = vec![Vec::new()];
            for (key, values) in axes {
                points = points
                    .into_iter()
                    .flat_map(|p| {
                        values.iter().map(move |v| {
                            let mut q = p.clone();
                            q.push((key.clone(), v.clone()));
                            q
                        })
                    })
                    .collect();
            }
            points
        }
        SweepDesign::LatinHypercube { samples, ranges } => {
            latin_hypercube(ranges, *samples, seed, 1)
        }
    }
}

/// A rough upper estimate of the memory, in bytes, of a `run` of `s`:
/// [`estimate_memory`] of its concurrent simulations plus every replicate's
/// results kept for the summaries (and every village's rows with
/// `per_village`).
pub fn estimate_run_memory(s: &Scenario, concurrent: usize, per_village: bool) -> u64 {
    let rows = if per_village {
        1 + u64::from(s.world.villages)
    } else {
        1
    };
    let results = u64::from(s.scenario.replicates)
        * u64::from(s.scenario.months)
        * (crate::metrics::N_METRICS as u64)
        * 16
        * rows;
    estimate_memory(s, concurrent).saturating_add(results)
}

/// A rough upper estimate of the memory, in bytes, of running `concurrent`
/// simulations of `s` at once (state of villages, households and members).
pub fn estimate_memory(s: &Scenario, concurrent: usize) -> u64 {
    use crate::model::{Household, Member, Village};
    use crate::scenario::{CountDistribution, CountSpec};
    // A high estimate of a village's count, never above the parameter's
    // maximum, to which the model clamps every draw.
    let mean = |c: &CountSpec, key: &str| {
        let most = match crate::scenario::schema::find(key).map(|p| p.kind) {
            Some(crate::scenario::schema::Kind::Count { max, .. }) => max as f64,
            _ => f64::MAX,
        };
        let m = match *c {
            CountSpec::Fixed(n) => f64::from(n),
            CountSpec::Drawn(CountDistribution::Uniform([a, b])) => {
                (f64::from(a) + f64::from(b)) / 2.0
            }
            CountSpec::Drawn(CountDistribution::Normal([m, sd])) => m + sd,
            CountSpec::Drawn(CountDistribution::Poisson(m)) => m + m.sqrt(),
        };
        m.min(most)
    };
    let villages = f64::from(s.world.villages);
    let per_village = mean(
        &s.world.households_per_village,
        "world.households_per_village",
    ) * std::mem::size_of::<Household>() as f64
        + mean(&s.world.members_per_village, "world.members_per_village")
            * std::mem::size_of::<Member>() as f64
        + std::mem::size_of::<Village>() as f64
        // A month's tally per village: held only with per-village rows (the
        // engine otherwise holds one block's), counted here as an upper bound.
        + std::mem::size_of::<crate::metrics::Tally>() as f64;
    let results = f64::from(s.scenario.months) * (crate::metrics::N_METRICS * 8) as f64;
    ((villages * per_village + results) * concurrent as f64 * 1.25) as u64
}

/// Bytes a plan takes per cell: the resolved scenario in memory, and as a
/// JSON value and text when `plan.json` and the manifest are written
/// (measured: see `docs/reliability.md`).
pub const PLAN_BYTES_PER_CELL: u64 = 40 * 1024;

/// Bytes a plan takes per run: the run with its key in memory, and as a
/// JSON value and text in `plan.json` and the manifest.
pub const PLAN_BYTES_PER_RUN: u64 = 2560;

/// Bytes a plan takes per override of a variant or environment (dotted key and
/// literal, in memory and in JSON).
pub const PLAN_BYTES_PER_OVERRIDE: u64 = 256;

/// A rough upper estimate of the memory, in bytes, of a plan of `size`
/// whose variants and environments hold `overrides` overrides in all, while the
/// study runs and writes `plan.json` and its manifest.
pub fn estimate_plan_memory(size: &StudySize, overrides: u64) -> u64 {
    size.cells
        .saturating_mul(PLAN_BYTES_PER_CELL)
        .saturating_add(size.runs.saturating_mul(PLAN_BYTES_PER_RUN))
        .saturating_add(overrides.saturating_mul(PLAN_BYTES_PER_OVERRIDE))
}

/// Keys a sweep design varies, in order.
pub fn sweep_parameters(design: &SweepDesign) -> Vec<String> {
    match design {
        SweepDesign::Grid(axes) => axes.iter().map(|(k, _)| k.clone()).collect(),
        SweepDesign::LatinHypercube { ranges, .. } => {
            ranges.iter().map(|r| r.key.clone()).collect()
        }
    }
}

/// Fill `plan.runs` for `plan.replicates` replicates from the resolved
/// scenarios of the cells (`plan.scenarios`).
pub fn fill_runs(plan: &mut Plan) {
    let n_env = plan.environments.len() as u32;
    plan.runs.clear();
    for variant in 0..plan.variants.len() as u32 {
        for environment in 0..n_env {
            let s = &plan.scenarios[plan.cell(variant, environment)];
            let cell = cell_text(s);
            for replicate in 0..plan.replicates {
                let seed = run_seed(
                    s.scenario.seed,
                    variant,
                    environment,
                    n_env,
                    replicate,
                    plan.common_random_numbers,
                );
                let key = key_of(&cell, seed);
                plan.runs.push(Run {
                    variant,
                    environment,
                    replicate,
                    seed,
                    key,
                });
            }
        }
    }
}

/// Give each group of `group` consecutive variants its own random streams:
/// replicate r of every variant of group k runs on the seed of stream
/// `stream_of(k)` (within a group, common random numbers; between groups,
/// independent draws). Calibration uses it so that each proposal's summary
/// has noise of its own, while its arms (baseline and policy variants) share
/// streams for the difference. Keys follow the seeds.
pub fn seed_by_group(plan: &mut Plan, group: usize, stream_of: impl Fn(usize) -> u64) {
    let cells: Vec<String> = plan.scenarios.iter().map(cell_text).collect();
    for i in 0..plan.runs.len() {
        let r = &plan.runs[i];
        let cell = plan.cell(r.variant, r.environment);
        let s = &plan.scenarios[cell];
        let stream = stream_of(r.variant as usize / group.max(1));
        let seed = crate::random::replicate_seed(s.scenario.seed, stream, u64::from(r.replicate));
        let key = key_of(&cells[cell], seed);
        plan.runs[i].seed = seed;
        plan.runs[i].key = key;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_the_full_product_with_the_last_key_fastest() {
        let design = SweepDesign::Grid(vec![
            ("a.x".into(), vec!["1".into(), "2".into()]),
            ("b.y".into(), vec!["3".into(), "4".into(), "5".into()]),
        ]);
        let points = sweep_points(&design, 1);
        assert_eq!(points.len(), 6);
        assert_eq!(
            points[1],
            vec![
                ("a.x".to_string(), "1".to_string()),
                ("b.y".to_string(), "4".to_string())
            ]
        );
    }

    #[test]
    fn study_sizes_are_counted_without_building_and_capped() {
        let axis = |k: &str, n: usize| (k.to_string(), vec!["0".to_string(); n]);
        let grid = SweepDesign::Grid((0..20).map(|i| axis(&format!("k{i}"), 10)).collect());
        assert_eq!(design_points(&grid), None, "10^20 overflows u64");
        let e = study_size(Shape::Sweep(&grid), 1).unwrap_err();
        assert!(e.contains("more than 18446744073709551615 points"), "{e}");
        let grid = SweepDesign::Grid(vec![axis("a", 100), axis("b", 1000)]);
        assert_eq!(design_points(&grid), Some(100_000));
        assert_eq!(
            study_size(Shape::Sweep(&grid), 10).unwrap(),
            StudySize {
                variants: 100_000,
                environments: 1,
                cells: 100_000,
                runs: 1_000_000
            }
        );
        assert!(study_size(Shape::Sweep(&grid), 11).is_err());
        let compare = Shape::Compare {
            variants: u64::MAX,
            environments: 2,
        };
        assert!(study_size(compare, 1).unwrap_err().contains("cells"));
        let compare = Shape::Compare {
            variants: 3001,
            environments: 1,
        };
        assert_eq!(study_size(compare, 1).unwrap().runs, 3001);
        // The plan's memory grows with its cells and runs.
        let size = study_size(compare, 1).unwrap();
        let bigger = StudySize {
            runs: 2 * size.runs,
            ..size
        };
        assert!(estimate_plan_memory(&bigger, 0) > estimate_plan_memory(&size, 0));
        assert!(estimate_plan_memory(&size, 0) >= 3001 * PLAN_BYTES_PER_CELL);
    }

    /// Found by fuzzing: a normal count with a huge sd (valid: draws are
    /// clamped to the maximum) was estimated at thousands of GiB.
    #[test]
    fn memory_estimates_respect_the_clamp_of_counts() {
        use crate::scenario::{CountDistribution, CountSpec};
        let mut wide = Scenario::defaults();
        wide.world.villages = 1;
        wide.world.households_per_village =
            CountSpec::Drawn(CountDistribution::Normal([100.0, 1e12]));
        wide.world.members_per_village = CountSpec::Drawn(CountDistribution::Poisson(1e9));
        let mut most = wide.clone();
        most.world.households_per_village = CountSpec::Fixed(60_000);
        most.world.members_per_village = CountSpec::Fixed(5_000);
        assert_eq!(estimate_memory(&wide, 1), estimate_memory(&most, 1));
        assert!(estimate_memory(&most, 1) < 1 << 30);
    }

    #[test]
    fn latin_hypercube_puts_one_point_in_each_stratum() {
        let ranges = vec![ParamRange {
            key: "k".into(),
            low: 0.0,
            high: 1.0,
            integer: false,
        }];
        let points = latin_hypercube(&ranges, 10, 7, 1);
        let mut strata: Vec<usize> = points
            .iter()
            .map(|p| (p[0].1.parse::<f64>().unwrap() * 10.0) as usize)
            .collect();
        strata.sort();
        assert_eq!(strata, (0..10).collect::<Vec<_>>());
        assert_eq!(points, latin_hypercube(&ranges, 10, 7, 1), "deterministic");
    }

    #[test]
    fn keys_depend_on_parameters_and_seed_but_not_on_names_or_replicate_count() {
        let a = Scenario::defaults();
        let mut b = a.clone();
        b.scenario.name = "other".into();
        b.scenario.replicates = 99;
        assert_eq!(run_key(&a, 1), run_key(&b, 1));
        assert_ne!(run_key(&a, 1), run_key(&a, 2));
        b.incentive.formal_weight = 0.11;
        assert_ne!(run_key(&a, 1), run_key(&b, 1));
    }

    #[test]
    fn common_random_numbers_share_seeds_across_variants_only_when_asked() {
        assert_eq!(run_seed(5, 0, 0, 1, 3, true), run_seed(5, 2, 0, 1, 3, true));
        assert_ne!(
            run_seed(5, 0, 0, 1, 3, false),
            run_seed(5, 2, 0, 1, 3, false)
        );
        assert_eq!(
            run_seed(5, 0, 0, 1, 3, true),
            replicate_seed(5, 0, 3),
            "same streams as `run`"
        );
    }

    #[test]
    fn plans_written_with_the_old_word_arm_still_read() {
        let p = plan(2);
        let text = serde_json::to_string(&p).unwrap();
        assert!(text.contains("\"variants\":") && text.contains("\"variant\":"));
        let old = text
            .replace("\"variants\":", "\"arms\":")
            .replace("\"variant\":", "\"arm\":");
        let read: Plan = serde_json::from_str(&old).unwrap();
        assert_eq!(read, p);
    }

    fn plan(replicates: u32) -> Plan {
        let s = Scenario::defaults();
        let mut p = Plan {
            target_ci: None,
            kind: StudyKind::Compare,
            name: "t".into(),
            sources: vec!["t.toml".into()],
            variants: vec![
                Variant {
                    name: "baseline".into(),
                    source: 0,
                    overrides: vec![],
                },
                Variant {
                    name: "v".into(),
                    source: 0,
                    overrides: vec![("effort.noise".into(), "0.2".into())],
                },
            ],
            environments: vec![vec![]],
            parameters: vec![],
            outcomes: vec!["share_met".into()],
            window_months: 12,
            months: s.scenario.months,
            replicates,
            common_random_numbers: true,
            meaningful_difference: 0.01,
            burn_in_policy: Default::default(),
            model: crate::model_identity(),
            overrides: vec![],
            sensitivity: None,
            calibration: None,
            scenarios: vec![s.clone(), {
                let mut v = s;
                v.effort.noise = 0.2;
                v
            }],
            runs: vec![],
        };
        fill_runs(&mut p);
        p
    }

    #[test]
    fn adding_replicates_keeps_existing_runs_and_shards_partition_the_plan() {
        let (small, big) = (plan(2), plan(3));
        for variant in 0..2u32 {
            let a: Vec<&Run> = small.runs.iter().filter(|r| r.variant == variant).collect();
            let b: Vec<&Run> = big.runs.iter().filter(|r| r.variant == variant).collect();
            assert_eq!(a[..], b[..2]);
        }
        let mut seen: Vec<&Run> = (1..=4).flat_map(|k| big.shard(k, 4)).collect();
        assert_eq!(seen.len(), big.runs.len());
        seen.sort_by_key(|r| (r.variant, r.replicate));
        seen.dedup();
        assert_eq!(seen.len(), big.runs.len());
    }

    #[test]
    fn the_same_study_however_its_file_is_spelled() {
        let a = plan(2);
        let mut b = plan(5);
        b.sources = vec!["/home/me/study/t.toml".into()];
        b.model = "0.0.0+model.0".into();
        assert_eq!(a.differs_from(&b), None, "path spelling, replicates, model");
        let mut c = plan(2);
        c.scenarios[1].scenario.seed += 1;
        assert_eq!(
            a.differs_from(&c).as_deref(),
            Some("other parameters or seed")
        );
        let mut d = plan(2);
        d.overrides = vec![("scenario.seed".into(), "9".into())];
        assert!(a.differs_from(&d).unwrap().contains("scenario.seed=9"));
        let set = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let (mut typed, mut retyped) = (plan(2), plan(2));
        typed.overrides = set(&[("world.villages", "3"), ("scenario.months", "14")]);
        retyped.overrides = set(&[("scenario.months", "14"), ("world.villages", "3")]);
        assert_eq!(typed.differs_from(&retyped), None, "the order typed");
        // A calibration's replicates make its summaries: another count is
        // another study.
        let (mut two, mut one) = (plan(2), plan(1));
        two.kind = StudyKind::Calibration;
        one.kind = StudyKind::Calibration;
        assert_eq!(
            two.differs_from(&one).as_deref(),
            Some("1 replicate per proposal, not 2")
        );
        retyped.overrides = set(&[("scenario.months", "14"), ("world.villages", "4")]);
        assert!(typed.differs_from(&retyped).is_some());
        let mut e = plan(2);
        e.variants.pop();
        assert_eq!(
            a.differs_from(&e).as_deref(),
            Some("other variants or sweep points")
        );
    }
}
