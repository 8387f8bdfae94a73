//! Need arrival (`docs/model.md` §7.1): the environmental driving force.
//!
//! Each household receives N ~ Poisson(λ·m_type·(1 + β_M·M)) new needs a
//! month (M the village's market development, §7.9); each need
//! falls in a category drawn from the household type's category mix.

use crate::metrics::VillageTally;
use crate::model::{HouseholdType, Village};
use crate::random::{PoissonLaw, uniform};
use crate::rules::{MonthContext, environment};
use crate::scenario::Scenario;

/// Cumulative category mix (production, livelihood, dispute; policy is the
/// rest) by household type (`docs/model.md` §7.1, table 2).
pub const CATEGORY_MIX: [[f64; 3]; 4] = [
    [0.40, 0.70, 0.85], // ordinary: 0.40 / 0.30 / 0.15 / 0.15
    [0.10, 0.70, 0.80], // left-behind: 0.10 / 0.60 / 0.10 / 0.20
    [0.60, 0.70, 0.80], // business: 0.60 / 0.10 / 0.10 / 0.20
    [0.15, 0.75, 0.85], // difficulty: 0.15 / 0.60 / 0.10 / 0.15
];

/// Monthly need rate of a household type: λ·m_type.
pub fn rate(s: &Scenario, kind: HouseholdType) -> f64 {
    let e = &s.environment;
    e.need_rate
        * match kind {
            HouseholdType::Ordinary => 1.0,
            HouseholdType::LeftBehind => e.multiplier_left_behind,
            HouseholdType::Business => e.multiplier_business,
            HouseholdType::Difficulty => e.multiplier_difficulty,
        }
}

/// Add this month's new needs to every household's open needs.
pub fn arrive(v: &mut Village, ctx: &MonthContext<'_>, tally: &mut VillageTally) {
    let s = ctx.policy;
    let growth = environment::need_multiplier(v, s);
    let laws = [
        HouseholdType::Ordinary,
        HouseholdType::LeftBehind,
        HouseholdType::Business,
        HouseholdType::Difficulty,
    ]
    .map(|kind| PoissonLaw::new(growth * rate(s, kind)));
    let rng = &mut v.rng;
    for h in &mut v.households {
        let k = h.kind as usize;
        let n = laws[k].draw(rng);
        // A household holds at most u16::MAX open needs per category (only
        // reachable at the extremes of the valid ranges); needs beyond that
        // are not recorded, and not counted as arrived, so that the backlog
        // stays last month's plus arrivals minus closures.
        let before = h.open_total();
        for _ in 0..n {
            let u = uniform(rng);
            let mix = &CATEGORY_MIX[k];
            let c = if u < mix[0] {
                0
            } else if u < mix[1] {
                1
            } else if u < mix[2] {
                2
            } else {
                3
            };
            h.open_needs[c] = h.open_needs[c].saturating_add(1);
        }
        tally.needs_arrived += u64::from(h.open_total() - before);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;

    fn arrivals(need_rate: f64) -> u64 {
        let mut s = Scenario::defaults();
        s.environment.need_rate = need_rate;
        let mut v = build_village(&s, 0, 1);
        let mut t = VillageTally::default();
        for _ in 0..12 {
            arrive(&mut v, &MonthContext::at_start(&s), &mut t);
        }
        let open: u64 = v.households.iter().map(|h| u64::from(h.open_total())).sum();
        assert_eq!(open, t.needs_arrived);
        t.needs_arrived
    }

    #[test]
    fn higher_need_rate_brings_more_needs() {
        assert!(arrivals(0.6) > arrivals(0.2));
        assert_eq!(arrivals(0.0), 0);
    }

    /// Found by fuzzing (`tests/fuzz.rs`): needs arriving at a household
    /// whose open needs of a category are at u16::MAX were counted as
    /// arrived but not kept, so the backlog no longer added up.
    #[test]
    fn arrivals_at_a_full_backlog_are_counted_as_kept() {
        let mut s = Scenario::defaults();
        s.environment.need_rate = 20.0;
        let mut v = build_village(&s, 0, 1);
        for h in &mut v.households {
            h.open_needs = [u16::MAX - 3; 4];
        }
        let before: u64 = v.households.iter().map(|h| u64::from(h.open_total())).sum();
        let mut t = VillageTally::default();
        arrive(&mut v, &MonthContext::at_start(&s), &mut t);
        let after: u64 = v.households.iter().map(|h| u64::from(h.open_total())).sum();
        assert!(t.needs_arrived > 0);
        assert_eq!(after - before, t.needs_arrived);
    }

    #[test]
    fn households_in_difficulty_need_more() {
        let s = Scenario::defaults();
        assert!(rate(&s, HouseholdType::Difficulty) > rate(&s, HouseholdType::Ordinary));
    }
}
