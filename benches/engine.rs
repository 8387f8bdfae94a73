//! Engine benchmarks: `cargo bench`.
//!
//! Measures a county-year (12 monthly steps, every mechanism on) at two
//! sizes, so throughput in household-months per second can be read off.
//! Memory per household is printed once: the target is ≤ 64 bytes.

use grassroots::engine::Simulation;
use grassroots::model::{Household, Member};
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
