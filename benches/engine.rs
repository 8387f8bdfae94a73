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
    let mut s = Scenario::defaults();
    s.world.villages = villages;
    s.world.households_per_village = CountSpec::Fixed(150);
    s.world.members_per_village = CountSpec::Fixed(25);
    s.scenario.months = 12;
    // Every mechanism on, so the figure is the full model's cost.
    s.exemplary.enabled = true;
    s.leadership.tournament = true;
    s.spiritual.enabled = true;
    s.selection.enabled = true;
    s.training.enabled = true;
    s.technology.platform = true;
    s.service_team.mutual_help_rate = 0.02;
    s.service_team.care_rate = 0.05;
    s.service_team.contact_assignment = true;
    s.service_team.joint_branch = true;
    s.innovation.enabled = true;
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
