//! Timed replicates for `grassroots bench`: the same runs as
//! [`super::run_replicates`], with the wall time of building the villages
//! (set-up) and of stepping them (simulation) measured apart, and the size of
//! the state that was stepped.
//!
//! Nothing here changes what is simulated: a replicate is built with
//! [`Simulation::new`] and run with [`Simulation::run_detailed`] from the seed
//! `replicate_seed(seed, variant, r)`, exactly as in
//! [`super::run_replicates_detailed`], so the runs returned are identical.

use super::ReplicateRun;
use crate::engine::Simulation;
use crate::random as rng;
use crate::scenario::Scenario;
use rayon::prelude::*;
use std::time::{Duration, Instant};

/// Wall times and sizes of a set of replicates run by [`time_replicates`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timings {
    /// Replicates run.
    pub replicates: u32,
    /// Months each replicate stepped: burn-in plus recorded months.
    pub months: u64,
    /// Households of all replicates together, counted once each after
    /// set-up (the model neither adds nor removes households).
    pub households: u64,
    /// Party members of all replicates together, counted after set-up.
    pub members: u64,
    /// The most households alive at one time: those of the largest batch of
    /// replicates held together (at most one replicate per worker thread).
    pub households_alive: u64,
    /// The most members alive at one time (as `households_alive`).
    pub members_alive: u64,
    /// Wall time spent building villages ([`Simulation::new`]), all batches.
    pub setup: Duration,
    /// Wall time spent stepping months, burn-in included
    /// ([`Simulation::run_detailed`]), all batches.
    pub simulation: Duration,
}

impl Timings {
    /// Household-steps: one household advanced one month (its members' and
    /// branch's work of that month included), burn-in months included:
    /// households × (burn-in + recorded months), summed over replicates.
    pub fn household_steps(&self) -> u64 {
        self.households * self.months
    }

    /// Set-up plus simulation, in seconds.
    pub fn total_seconds(&self) -> f64 {
        (self.setup + self.simulation).as_secs_f64()
    }
}

/// Run replicates `0..n` of variant `variant` of `s` in the current rayon
/// pool, as [`super::run_replicates`] does (batches of at most one replicate
/// per worker thread, villages stepped in parallel within each), timing the
/// set-up of each batch and its simulation apart. The runs are the same as
/// [`super::run_replicates`]'s, in replicate order.
pub fn time_replicates(s: &Scenario, variant: u64, n: u32) -> (Vec<ReplicateRun>, Timings) {
    let mut out = Vec::with_capacity(n as usize);
    let timings = timed(s, variant, n, &mut |batch| out.extend(batch));
    (out, timings)
}

/// [`time_replicates`] without keeping the runs: each batch's runs are
/// dropped once it is done (after its time is taken), as a study drops each
/// run once it is stored, so memory does not grow with `n`. For timing many
/// small runs (`grassroots bench --small-runs`).
pub fn time_runs(s: &Scenario, variant: u64, n: u32) -> Timings {
    timed(s, variant, n, &mut drop)
}

/// The timed runs of [`time_replicates`], each batch handed to `keep` in
/// replicate order.
fn timed(s: &Scenario, variant: u64, n: u32, keep: &mut dyn FnMut(Vec<ReplicateRun>)) -> Timings {
    let mut timings = Timings {
        replicates: n,
        months: u64::from(s.scenario.burn_in_months) + u64::from(s.scenario.months),
        households: 0,
        members: 0,
        households_alive: 0,
        members_alive: 0,
        setup: Duration::ZERO,
        simulation: Duration::ZERO,
    };
    let chunk = rayon::current_num_threads().max(1) as u32;
    for start in (0..n).step_by(chunk as usize) {
        let started = Instant::now();
        let built: Vec<(u32, u64, Simulation)> = (start..(start + chunk).min(n))
            .into_par_iter()
            .map(|replicate| {
                let seed = rng::replicate_seed(s.scenario.seed, variant, u64::from(replicate));
                (replicate, seed, Simulation::new(s, seed))
            })
            .collect();
        timings.setup += started.elapsed();
        let (mut households, mut members) = (0u64, 0u64);
        for (_, _, sim) in &built {
            for v in sim.villages() {
                households += v.households.len() as u64;
                members += v.members.len() as u64;
            }
        }
        timings.households += households;
        timings.members += members;
        timings.households_alive = timings.households_alive.max(households);
        timings.members_alive = timings.members_alive.max(members);
        let started = Instant::now();
        let batch: Vec<ReplicateRun> = built
            .into_par_iter()
            .map(|(replicate, seed, sim)| {
                ReplicateRun::recorded(replicate, seed, sim.run_detailed(false))
            })
            .collect();
        timings.simulation += started.elapsed();
        keep(batch);
    }
    timings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::CountSpec;

    #[test]
    fn timed_runs_are_the_plain_runs_and_count_the_state() {
        let mut s = Scenario::defaults().with_all_mechanisms();
        s.world.villages = 6;
        s.world.households_per_village = CountSpec::Fixed(40);
        s.world.members_per_village = CountSpec::Fixed(9);
        s.scenario.months = 6;
        s.scenario.burn_in_months = 2;
        let plain = super::super::run_replicates(&s, 3, 3, &|| {});
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let (timed, t) = pool.install(|| time_replicates(&s, 3, 3));
        assert_eq!(timed, plain);
        assert_eq!(t.replicates, 3);
        assert_eq!(t.months, 8);
        assert_eq!(t.households, 3 * 6 * 40);
        assert_eq!(t.members, 3 * 6 * 9);
        // Two replicates at a time on two threads.
        assert_eq!(t.households_alive, 2 * 6 * 40);
        assert_eq!(t.members_alive, 2 * 6 * 9);
        assert_eq!(t.household_steps(), 3 * 6 * 40 * 8);
        assert!(t.total_seconds() > 0.0);
        // Without the runs kept: the same counts.
        let kept_none = pool.install(|| time_runs(&s, 3, 3));
        assert_eq!(
            (
                kept_none.households,
                kept_none.members_alive,
                kept_none.months
            ),
            (t.households, t.members_alive, t.months)
        );
    }
}
