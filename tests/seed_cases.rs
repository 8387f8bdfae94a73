//! The shipped case scenarios reproduce what their source studies report
//! (`docs/sources.md`).
//! `scenarios/z_town.toml` encodes the problems [ZTown] lists for Z town
//! (services that are mere forms, coverage not in place, deficient service
//! capacity of the backbone ranks, weak supervision, an unreasonable
//! evaluation system, unsound selection, lack of funds); run against
//! `scenarios/baseline.toml` (an ordinary county with today's problems) it
//! must come out worse on each (`docs/model.md` §1).

mod common;

use grassroots::scenario::{CountSpec, Scenario};

fn shipped(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut s = Scenario::from_toml(&text, &path).unwrap();
    // Small and short enough for the default suite; the same per-village set-up.
    s.world.villages = 10;
    s.world.villages_per_township = 10;
    s.scenario.months = 48;
    s
}

/// Mean over the last year and 3 replicates.
fn last_year(s: &Scenario, metric: &str) -> f64 {
    common::last_year_mean(s, metric, 3)
}

#[test]
fn z_town_shows_the_problems_seed_003_lists() {
    let z = shipped("z_town");
    let base = shipped("baseline");
    assert!(matches!(
        z.world.households_per_village,
        CountSpec::Drawn(_)
    ));
    let worse = |metric: &str, larger_is_worse: bool| {
        let (zv, bv) = (last_year(&z, metric), last_year(&base, metric));
        let worse = if larger_is_worse { zv > bv } else { zv < bv };
        assert!(worse, "{metric}: z_town {zv} against baseline {bv}");
    };
    worse("formalism_index", true); // "the grass-roots services are mere forms"
    worse("coverage", false); // "coverage ... not in place"
    worse("skill_mean", false); // "service capacity of the backbone ranks is deficient"
    worse("share_met", false); // "the function of service carrier ... not fully played"
    worse("satisfaction_mean", false);
    worse("sanctions", false); // "lack of internal supervision": few misdeeds found
    worse("service_funds_mean", false); // "construction funds lack"
}
