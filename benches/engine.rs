//! Engine benchmarks: `cargo bench` (`docs/performance.md`).
//!
//! Measures a county-year (12 monthly steps, every mechanism on) at two
//! sizes, so throughput in household-months per second can be read off;
//! building a county; and each rule of the monthly schedule on its own
//! (`rule`, one month of a warmed-up county). Memory per household is
//! printed once: the target is ≤ 64 bytes.

use grassroots::engine::{SCHEDULE, Simulation};
use grassroots::metrics::VillageTally;
use grassroots::model::{Household, Member, Village};
use grassroots::rules::MonthContext;
use grassroots::scenario::{CountSpec, Scenario};

fn main() {
    println!(
        "state size: Household = {} bytes (target ≤ 64), Member = {} bytes",
        std::mem::size_of::<Household>(),
        std::mem::size_of::<Member>()
    );
    divan::main();
}

fn county(villages: u32) -> Scenario {
    // Every mechanism on, so the figure is the full model's cost.
    let mut s = Scenario::defaults().with_all_mechanisms();
    s.world.villages = villages;
    s.world.households_per_village = CountSpec::Fixed(150);
    s.world.members_per_village = CountSpec::Fixed(25);
    s.scenario.months = 12;
    s
}

/// One replicate, 12 months; throughput counted in household-months.
#[divan::bench(args = [40, 400], sample_count = 10)]
fn county_year(bencher: divan::Bencher, villages: u32) {
    let s = county(villages);
    bencher
        .counter(divan::counter::ItemsCount::new(
            villages as usize * 150 * 12,
        ))
        .bench(|| Simulation::new(&s, 1).run());
}

/// Building the county alone.
#[divan::bench(args = [400], sample_count = 10)]
fn build_county(bencher: divan::Bencher, villages: u32) {
    let s = county(villages);
    bencher.bench(|| Simulation::new(&s, 1));
}

/// Villages of the per-rule benchmark.
const RULE_VILLAGES: u32 = 40;

/// The villages of a county after a year (so needs, contacts and efforts
/// are in their ordinary ranges).
fn warmed_county(s: &Scenario) -> Vec<Village> {
    let mut sim = Simulation::new(s, 1);
    for _ in 0..12 {
        sim.step();
    }
    sim.villages().to_vec()
}

/// One rule of the monthly schedule (`docs/model.md` §3.1) applied once to
/// every village of a warmed-up 40-village county (6 000 households), each
/// sample on a fresh copy of the same state; throughput counted in
/// households. The rules run alone, so a rule whose input the earlier rules
/// of the month would set (e.g. delivery after arrival) sees last month's.
#[divan::bench(args = SCHEDULE.iter().map(|step| step.name), sample_count = 20)]
fn rule(bencher: divan::Bencher, name: &str) {
    let s = county(RULE_VILLAGES);
    let villages = warmed_county(&s);
    let step = SCHEDULE
        .iter()
        .find(|step| step.name == name)
        .expect("a rule of the schedule");
    let ctx = MonthContext::at_start(&s);
    bencher
        .counter(divan::counter::ItemsCount::new(
            RULE_VILLAGES as usize * 150,
        ))
        .with_inputs(|| villages.clone())
        .bench_local_refs(|villages| {
            let mut tally = VillageTally::default();
            for v in villages.iter_mut() {
                (step.rule)(v, &ctx, &mut tally);
            }
            tally
        });
}
