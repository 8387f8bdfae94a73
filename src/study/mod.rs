//! Studies: replicates run in parallel, and their summary
//! (`docs/model.md` §3.3); studies of many runs ([`runner`]): planned
//! ([`plan`]), run against a run store and analysed ([`analysis`]) without
//! the command line.
//!
//! Replicate r of variant k uses the seed `replicate_seed(seed, k, r)`, so
//! adding replicates never changes existing ones, and results are identical
//! at any thread count (replicates are collected in index order).

use crate::engine::Simulation;
use crate::metrics::{Distributions, METRICS, MonthMetrics};
use crate::random as rng;
use crate::scenario::Scenario;
use crate::stats::{Summary, summarize};
use rayon::prelude::*;

/// The metrics of one replicate, month by month.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicateRun {
    /// Replicate index.
    pub replicate: u32,
    /// The replicate's seed.
    pub seed: u64,
    /// One row per month.
    pub months: Vec<MonthMetrics>,
    /// With per-village output: one row per month and village (month-major).
    pub villages: Vec<MonthMetrics>,
    /// Distributions of satisfaction, trust and motivation at the final month.
    pub distributions: Distributions,
}

impl ReplicateRun {
    /// The replicate `replicate`, seeded `seed`, from what its simulation
    /// recorded.
    pub fn recorded(replicate: u32, seed: u64, recorded: crate::engine::Recorded) -> Self {
        ReplicateRun {
            replicate,
            seed,
            months: recorded.months,
            villages: recorded.villages,
            distributions: recorded.distributions,
        }
    }
}

/// What a study keeps of a run in its run store
/// ([`runner::RunStore`]): the metrics of every month and the final month's
/// distributions.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRun {
    /// One row per month.
    pub months: Vec<MonthMetrics>,
    /// Distributions of satisfaction, trust and motivation at the final month.
    pub distributions: Distributions,
}

/// Distributions of several runs pooled (their counts summed).
pub fn pool_distributions<'a>(runs: impl IntoIterator<Item = &'a Distributions>) -> Distributions {
    let mut pooled = Distributions::default();
    for d in runs {
        pooled.add(d);
    }
    pooled
}

/// Run replicates `0..n` of variant `variant` of a scenario, in parallel.
/// `on_done` is called as each replicate finishes (for a progress bar).
pub fn run_replicates(
    s: &Scenario,
    variant: u64,
    n: u32,
    on_done: &(dyn Fn() + Sync),
) -> Vec<ReplicateRun> {
    run_replicates_detailed(s, variant, n, false, &OnDone(on_done))
}

/// A closure called as each run finishes, as a [`runner::Progress`].
struct OnDone<'a>(&'a (dyn Fn() + Sync));

impl runner::Progress for OnDone<'_> {
    fn done(&self) {
        (self.0)()
    }
}

/// [`run_replicates`], also keeping every village's rows when `per_village`;
/// `progress` hears of the `n` replicates and their village-months
/// ([`Simulation::village_months`]) before they start, is given each
/// village-month as it is stepped if it asks ([`runner::Progress::steps`]),
/// and hears of each replicate as it finishes. Results do not depend on it.
pub fn run_replicates_detailed(
    s: &Scenario,
    variant: u64,
    n: u32,
    per_village: bool,
    progress: &dyn runner::Progress,
) -> Vec<ReplicateRun> {
    progress.start(n as usize);
    progress.start_steps(u64::from(n) * Simulation::village_months(s));
    let steps = progress.steps();
    let mut out = Vec::with_capacity(n as usize);
    // At most one replicate per worker thread is alive at a time: without the
    // chunks, a thread waiting inside a replicate's parallel village loop
    // could start further replicates and hold their state too.
    let chunk = rayon::current_num_threads().max(1) as u32;
    for start in (0..n).step_by(chunk as usize) {
        let batch: Vec<ReplicateRun> = (start..(start + chunk).min(n))
            .into_par_iter()
            .map(|replicate| {
                let seed = rng::replicate_seed(s.scenario.seed, variant, u64::from(replicate));
                let mut sim = Simulation::new(s, seed);
                if let Some(c) = &steps {
                    sim = sim.counting(c.clone());
                }
                let recorded = sim.run_detailed(per_village);
                progress.done();
                ReplicateRun::recorded(replicate, seed, recorded)
            })
            .collect();
        out.extend(batch);
    }
    out
}

/// Summary of one metric in one month across replicates.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthSummary {
    /// Month index (from 0).
    pub month: u32,
    /// Metric name.
    pub metric: &'static str,
    /// Statistics across replicates.
    pub summary: Summary,
}

/// Summaries per month and metric, in month-then-metric order.
pub fn summarize_runs(runs: &[ReplicateRun]) -> Vec<MonthSummary> {
    let months = runs.first().map(|r| r.months.len()).unwrap_or(0);
    let mut out = Vec::with_capacity(months * METRICS.len());
    let mut xs = Vec::with_capacity(runs.len());
    for month in 0..months {
        for (k, name) in crate::metrics::names().enumerate() {
            xs.clear();
            xs.extend(runs.iter().map(|r| r.months[month][k]));
            out.push(MonthSummary {
                month: month as u32,
                metric: name,
                summary: summarize(&xs),
            });
        }
    }
    out
}

pub mod abc;
pub mod analysis;
pub mod calibration;
pub mod global_sensitivity;
pub mod methods;
pub mod plan;
pub mod runner;
pub mod sensitivity;
pub mod spec;
pub mod timing;

pub use runner::{Study, StudyFile, target_ci};
