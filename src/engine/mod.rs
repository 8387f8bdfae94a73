//! The engine (`docs/model.md` §3): monthly schedule, random streams,
//! parallel stepping of villages and the sequential county phase.
//!
//! Each month every village runs its rules in a fixed order, in parallel
//! (rayon). The villages' tallies are then merged in village order, and in an
//! assessment month the county phase (scoring, county-wide ranking and
//! rewards, designation of exemplary models) runs sequentially. Results
//! therefore do not depend on the number of threads.

pub mod schedule;
pub mod setup;

pub use schedule::{SCHEDULE, Step, schedule_markdown};
pub use setup::build_village;

use crate::metrics::{County, CountyTally, Distributions, MonthMetrics, Tally};
use crate::model::Village;
use crate::rules::{
    MonthContext, exemplary,
    exemplary::{ModelBoard, TownshipContacts},
    incentive, innovation, leadership, selection, service_team,
};
use crate::scenario::Scenario;
use rayon::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Villages stepped in parallel between two merges of their tallies
/// ([`Simulation::step`]).
const TALLY_BLOCK: usize = 1024;

/// One replicate of a scenario, advanced month by month.
#[derive(Debug)]
pub struct Simulation {
    /// The scenario in force from each recorded month on (`Scenario::phases`).
    phases: Vec<(u32, Scenario)>,
    /// Index of the phase in force.
    phase: usize,
    villages: Vec<Village>,
    board: ModelBoard,
    contacts: TownshipContacts,
    month: u32,
    clock: i64,
    /// Every village's tally of the month last stepped, if kept.
    tallies: Vec<Tally>,
    /// The distributions of the month last stepped, if recorded.
    distributions: Distributions,
    adoption: Vec<f64>,
    assessment_score: f64,
    /// Village-months stepped are added here, if given ([`Simulation::counting`]).
    counter: Option<Arc<AtomicU64>>,
}

/// One village-month: every step of [`SCHEDULE`] in order
/// (`docs/model.md` §3.1, Table 1), filling the village's tally.
pub fn step_village(v: &mut Village, ctx: &MonthContext<'_>) -> Tally {
    let mut tally = Tally::default();
    for step in SCHEDULE {
        (step.rule)(v, ctx, &mut tally);
    }
    tally
}

impl Simulation {
    /// Build the county for the replicate whose seed is `replicate_seed`
    /// (see [`crate::random::replicate_seed`]).
    pub fn new(scenario: &Scenario, replicate_seed: u64) -> Self {
        let villages = (0..scenario.world.villages)
            .into_par_iter()
            .map(|id| build_village(scenario, id, replicate_seed))
            .collect();
        Simulation {
            phases: scenario.phases(),
            phase: 0,
            villages,
            board: ModelBoard::default(),
            contacts: TownshipContacts::default(),
            month: 0,
            clock: -i64::from(scenario.scenario.burn_in_months),
            tallies: Vec::new(),
            distributions: Distributions::default(),
            adoption: Vec::new(),
            assessment_score: 0.0,
            counter: None,
        }
    }

    /// Add to `counter` every village-month this simulation steps, as each
    /// month's villages have stepped (for a progress display: a run of one
    /// replicate advances month by month). It is one relaxed atomic add per
    /// month that nothing in the model reads: results are the same with or
    /// without a counter, at any thread count.
    pub fn counting(mut self, counter: Arc<AtomicU64>) -> Self {
        self.counter = Some(counter);
        self
    }

    /// The village-months a full run of `scenario` steps
    /// ([`Simulation::run_detailed`]): villages × (burn-in + recorded months).
    pub fn village_months(scenario: &Scenario) -> u64 {
        u64::from(scenario.world.villages)
            * (u64::from(scenario.scenario.burn_in_months) + u64::from(scenario.scenario.months))
    }

    /// The villages in their current state.
    pub fn villages(&self) -> &[Village] {
        &self.villages
    }

    /// Months simulated so far (burn-in included).
    pub fn month(&self) -> u32 {
        self.month
    }

    /// The recorded month the next step simulates; negative during burn-in.
    pub fn clock(&self) -> i64 {
        self.clock
    }

    /// Advance one month and return its metrics; the villages' tallies of
    /// the month stay for [`Simulation::distributions`] and
    /// [`Simulation::village_metrics`].
    pub fn step(&mut self) -> MonthMetrics {
        self.step_keeping(true, true)
    }

    /// Advance one month; keep every village's tally of the month only if
    /// `keep_tallies` (otherwise one block's at a time: a tally is ≈1.5 kB,
    /// a province's worth ≈10 bytes per household), and the month's
    /// distributions only if `distributions`.
    fn step_keeping(&mut self, keep_tallies: bool, distributions: bool) -> MonthMetrics {
        while self
            .phases
            .get(self.phase + 1)
            .is_some_and(|(month, _)| i64::from(*month) <= self.clock)
        {
            self.phase += 1;
        }
        let s = &self.phases[self.phase].1;
        let ctx = MonthContext {
            month: u32::try_from(self.clock).unwrap_or(0),
            inspection: s.supervision.inspection_at_clock(self.clock),
            campaign: s.supervision.in_campaign_at_clock(self.clock),
            burn_in: self.clock < 0,
            policy: s,
            board: &self.board,
            adoption: &self.adoption,
            contacts: &self.contacts,
        };
        // Villages step in parallel, a block at a time; their tallies are
        // merged in village order, so sums do not depend on threads.
        let mut county = CountyTally::default();
        self.tallies.clear();
        let mut block_tallies = Vec::new();
        let mut month_distributions = Distributions::default();
        for block in self.villages.chunks_mut(TALLY_BLOCK) {
            block
                .par_iter_mut()
                .map(|v| step_village(v, &ctx))
                .collect_into_vec(&mut block_tallies);
            for t in &block_tallies {
                county.add(t);
            }
            if distributions {
                month_distributions.add(&Distributions::of_villages(&block_tallies));
            }
            if keep_tallies {
                self.tallies.append(&mut block_tallies);
            }
        }
        if distributions {
            self.distributions = month_distributions;
        }
        // One add per month, after the villages' parallel step: nothing in
        // the loop over villages changes.
        if let Some(c) = &self.counter {
            c.fetch_add(self.villages.len() as u64, Ordering::Relaxed);
        }
        // Monthly county phase: joint branches, industry branches and
        // innovation shares for next month.
        service_team::pair_joint_branches(&mut self.villages, s);
        service_team::industry_branches(&mut self.villages, s);
        if s.innovation.enabled {
            self.adoption = innovation::township_shares(&self.villages, s);
        }
        let period = i64::from(s.incentive.assessment_period_months);
        if (self.clock + 1).rem_euclid(period) == 0 {
            self.assess(&mut county);
        }
        // Last: who holds an exemplary practice, met next month (§7.7).
        let s = &self.phases[self.phase].1;
        self.contacts = exemplary::township_contacts(&self.villages, s);
        self.month += 1;
        self.clock += 1;
        county.metrics(&County {
            assessment_score: self.assessment_score,
        })
    }

    /// The county phase of an assessment month (`docs/model.md` §3.2):
    /// scoring, rewards, promotion tournament, democratic assessment,
    /// designation of models. Successors of promoted or replaced secretaries
    /// take office at the start of next month (`selection::ensure_secretary`)
    /// or at once (replacement).
    fn assess(&mut self, county: &mut CountyTally) {
        let s = &self.phases[self.phase].1;
        self.villages
            .par_iter_mut()
            .for_each(|v| incentive::score_members(v, s));
        incentive::award(&mut self.villages, s, county);
        self.villages
            .par_iter_mut()
            .for_each(|v| incentive::close_period(v, s));
        leadership::promote(&mut self.villages, s, county);
        selection::assess(&mut self.villages, s, county);
        self.board = exemplary::designate(&mut self.villages, s);
        county.models = self.board.len() as u64;
        let n = self.villages.len().max(1) as f64;
        self.assessment_score = self
            .villages
            .iter()
            .map(|v| f64::from(v.branch.score))
            .sum::<f64>()
            / n;
    }

    /// Run the burn-in, then all months, and return one row of metrics per
    /// recorded month.
    pub fn run(self) -> Vec<MonthMetrics> {
        self.run_detailed(false).months
    }

    /// The distributions of satisfaction, trust and motivation in the month
    /// last stepped, over households, active members and villages (from the
    /// villages' tallies of that month).
    pub fn distributions(&self) -> Distributions {
        self.distributions.clone()
    }

    /// Metrics of every village in the month last stepped, in village order.
    /// County-phase counts (rewards, promotions, models, replacements) are
    /// county-level only and not in these rows.
    pub fn village_metrics(&self) -> impl Iterator<Item = MonthMetrics> + '_ {
        self.tallies.iter().zip(&self.villages).map(|(t, v)| {
            t.metrics(&County {
                assessment_score: f64::from(v.branch.score),
            })
        })
    }

    /// Like [`Simulation::run`], also returning the final month's
    /// distributions and, when `per_village`, every village's row of every
    /// recorded month (month-major, village order).
    pub fn run_detailed(mut self, per_village: bool) -> Recorded {
        while self.clock < 0 {
            self.step_keeping(false, false);
        }
        let months = self.phases[0].1.scenario.months as usize;
        let mut county = Vec::with_capacity(months);
        let mut villages = Vec::new();
        for month in 0..months {
            county.push(self.step_keeping(per_village, month + 1 == months));
            if per_village {
                villages.extend(self.village_metrics());
            }
        }
        Recorded {
            months: county,
            villages,
            distributions: self.distributions(),
        }
    }
}

/// What a replicate records ([`Simulation::run_detailed`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The county's metrics, one row per recorded month.
    pub months: Vec<MonthMetrics>,
    /// Every village's metrics of every recorded month (month-major, village
    /// order), if asked for; empty otherwise.
    pub villages: Vec<MonthMetrics>,
    /// The distributions of the final recorded month.
    pub distributions: Distributions,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::metric_index;
    use crate::scenario::{CountDistribution, CountSpec};

    fn small() -> Scenario {
        let mut s = Scenario::defaults();
        s.world.villages = 6;
        s.world.households_per_village = CountSpec::Fixed(60);
        s.world.members_per_village = CountSpec::Fixed(10);
        s.scenario.months = 24;
        s
    }

    #[test]
    fn burn_in_months_are_simulated_but_not_recorded() {
        let mut s = small();
        let k = metric_index("satisfaction_mean").unwrap();
        let plain = Simulation::new(&s, 1).run();
        s.scenario.burn_in_months = 36;
        let burnt = Simulation::new(&s, 1).run();
        assert_eq!(plain.len(), 24);
        assert_eq!(burnt.len(), 24);
        // The start-up transient is gone: month 0 is already near the later level.
        let drift = |rows: &[MonthMetrics]| (rows[0][k] - rows[23][k]).abs();
        assert!(
            drift(&burnt) < drift(&plain),
            "{} {}",
            drift(&burnt),
            drift(&plain)
        );
    }

    #[test]
    fn a_change_at_month_0_takes_effect_after_the_burn_in() {
        use crate::scenario::Change;
        let mut s = small();
        s.scenario.burn_in_months = 12;
        let k = metric_index("formalism_index").unwrap();
        let set = vec![
            ("incentive.formal_weight".to_string(), "0.0".to_string()),
            (
                "incentive.mass_evaluation_weight".to_string(),
                "0.8".to_string(),
            ),
        ];
        // The reform from the start (burn-in included) ...
        let always = Simulation::new(&s.with_overrides(&set), 3);
        // ... and the reform as a change at month 0, after the burn-in.
        s.changes = vec![Change { month: 0, set }];
        let mut after = Simulation::new(&s, 3);
        let mut before = Simulation::new(
            &{
                let mut plain = s.clone();
                plain.changes.clear();
                plain
            },
            3,
        );
        let mut always = always;
        let run = |sim: &mut Simulation| (0..24).map(|_| sim.step()[k]).collect::<Vec<f64>>();
        let (always, after, before) = (run(&mut always), run(&mut after), run(&mut before));
        // Burn-in ran under the status quo: month 0 starts from the status
        // quo's state, not from a county already reformed for 12 months ...
        assert!(
            (after[0] - before[0]).abs() < (after[0] - always[0]).abs() / 10.0,
            "formalism at month 0: reformed throughout {}, reformed at month 0 {}, never {}",
            always[0],
            after[0],
            before[0]
        );
        // ... and the reform is in force from month 0 on.
        assert!(
            after[23] < before[23] - 0.1,
            "month 23: {} against {}",
            after[23],
            before[23]
        );
    }

    #[test]
    fn campaigns_and_assessments_keep_to_recorded_months_after_burn_in() {
        let mut s = small();
        s.scenario.burn_in_months = 5;
        s.supervision.campaign_inspection_rate = 1.0;
        s.supervision.campaign_start_month = 3;
        s.supervision.campaign_months = 1;
        let rows = Simulation::new(&s, 2).run();
        let inspections = metric_index("inspections").unwrap();
        let rewards = metric_index("rewards").unwrap();
        assert!(rows[3][inspections] > 5.0 * rows[2][inspections].max(1.0));
        let assessed: Vec<usize> = (0..24).filter(|&m| rows[m][rewards] > 0.0).collect();
        assert_eq!(assessed, vec![11, 23]);
    }

    #[test]
    fn final_distributions_count_every_household_active_member_and_village() {
        use crate::metrics::{DISTRIBUTIONS, Level, Quantity};
        let mut s = small();
        s.world.households_per_village = CountSpec::Drawn(CountDistribution::Uniform([40, 90]));
        s.world.members_per_village = CountSpec::Drawn(CountDistribution::Uniform([1, 5]));
        // Enough members leave for some villages to keep none active.
        s.migration.member_hazard = 0.3;
        let mut sim = Simulation::new(&s, 4);
        let mut last = None;
        for _ in 0..s.scenario.months {
            last = Some(sim.step());
        }
        let d = sim.distributions();
        let households: usize = sim.villages().iter().map(|v| v.households.len()).sum();
        let active = |v: &Village| v.members.iter().filter(|m| m.is_active()).count();
        let members: usize = sim.villages().iter().map(active).sum();
        let served = sim.villages().iter().filter(|v| active(v) > 0).count();
        assert!(
            (1..6).contains(&served),
            "{served} villages with active members"
        );
        let last = last.unwrap();
        let k = crate::metrics::metric_index("active_members").unwrap();
        assert_eq!(last[k] as usize, members);
        assert!(members < sim.villages().iter().map(|v| v.members.len()).sum());
        for ((level, quantity), counts) in DISTRIBUTIONS.iter().zip(&d.counts) {
            let want = match (level, quantity) {
                (Level::Households, _) => households,
                (Level::Members, _) => members,
                (Level::Villages, Quantity::Motivation) => served,
                (Level::Villages, _) => 6,
            };
            let total: u64 = counts.iter().sum();
            assert_eq!(total as usize, want, "{level:?} {quantity:?}");
            // Spread over several bins, not piled into one.
            assert!(counts.iter().filter(|&&c| c > 0).count() > 1, "{counts:?}");
        }
        // The run records the same.
        assert_eq!(Simulation::new(&s, 4).run_detailed(false).distributions, d);
    }

    #[test]
    fn the_village_month_counter_reaches_its_total_and_changes_nothing() {
        let mut s = small();
        s.scenario.burn_in_months = 5;
        let counter = Arc::new(AtomicU64::new(0));
        let counted = Simulation::new(&s, 7)
            .counting(counter.clone())
            .run_detailed(true);
        assert_eq!(Simulation::village_months(&s), 6 * (5 + 24));
        assert_eq!(
            counter.load(Ordering::Relaxed),
            Simulation::village_months(&s)
        );
        assert_eq!(counted, Simulation::new(&s, 7).run_detailed(true));
    }

    #[test]
    fn the_months_count_from_the_start_and_the_clock_from_the_burn_ins_end() {
        let mut s = small();
        s.scenario.burn_in_months = 3;
        let mut sim = Simulation::new(&s, 5);
        assert_eq!((sim.month(), sim.clock()), (0, -3));
        for stepped in 1..=5 {
            sim.step();
            assert_eq!(sim.month(), stepped);
            assert_eq!(sim.clock(), i64::from(stepped) - 3);
        }
        assert_eq!(sim.villages().len(), 6);
    }

    #[test]
    fn village_rows_are_one_per_village_and_add_up_to_the_countys_counts() {
        let s = small();
        let mut sim = Simulation::new(&s, 6);
        // Twelve months: the first assessment closes in the last of them.
        let county = (0..12).map(|_| sim.step()).last().unwrap();
        let rows: Vec<MonthMetrics> = sim.village_metrics().collect();
        assert_eq!(rows.len(), 6);
        for name in ["needs_arrived", "needs_resolved", "active_members"] {
            let k = metric_index(name).unwrap();
            let sum: f64 = rows.iter().map(|r| r[k]).sum();
            assert!(sum > 0.0, "{name}");
            assert_eq!(sum, county[k], "{name}");
        }
        // Each village's own score, not the county's mean.
        let k = metric_index("assessment_score").unwrap();
        for (row, v) in rows.iter().zip(sim.villages()) {
            assert_eq!(row[k], f64::from(v.branch.score));
        }
        assert!(rows.iter().any(|r| r[k] != 0.0), "an assessment closed");
    }

    #[test]
    fn a_change_takes_effect_from_its_month() {
        let k = metric_index("formalism_index").unwrap();
        let mut s = small();
        s.scenario.months = 36;
        let before = Simulation::new(&s, 3).run();
        s.changes = vec![crate::scenario::Change {
            month: 12,
            set: vec![
                ("incentive.formal_weight".into(), "0.0".into()),
                ("incentive.mass_evaluation_weight".into(), "0.8".into()),
            ],
        }];
        let after = Simulation::new(&s, 3).run();
        assert_eq!(before[..12], after[..12], "identical until the change");
        assert!(
            after[30][k] < before[30][k] - 0.1,
            "{} {}",
            after[30][k],
            before[30][k]
        );
    }
}
