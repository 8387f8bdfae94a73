//! Need arrival (`docs/model.md` §7.1): the environmental driving force.
//!
//! Each household receives N ~ Poisson(λ·m_type·(1 + β_M·M)) new needs a
//! month (M the village's market development, §7.9); each need
//! falls in a category drawn from the household type's category mix. The
//! needs are drawn as the points of one Poisson process of rate 1 along the
//! village's households laid end to end, each household an interval as
//! long as its rate and split by its category mix: the same law, with
//! draws for the needs that arrive rather than for every household.

use crate::metrics::VillageTally;
use crate::model::{HouseholdType, Village};
use crate::random::{exponential, interval_of};
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
///
/// Household h is the interval [Λ_h, Λ_h + λ_h) of the village's
/// cumulative rate, split into its categories in the order of
/// [`CATEGORY_MIX`]; arrivals are the points of a Poisson process of rate 1
/// (exponential gaps), so the counts of each household and category are
/// independent Poisson(λ_h·p_c), as `docs/model.md` §7.1 states.
pub fn arrive(v: &mut Village, ctx: &MonthContext<'_>, tally: &mut VillageTally) {
    let s = ctx.policy;
    let growth = environment::need_multiplier(v, s);
    let rates = [
        HouseholdType::Ordinary,
        HouseholdType::LeftBehind,
        HouseholdType::Business,
        HouseholdType::Difficulty,
    ]
    .map(|kind| (growth * rate(s, kind)).max(0.0));
    let rng = &mut v.rng;
    // The next arrival's position along the cumulative rate, measured from
    // the start of the current household's interval (so that positions do
    // not grow with the village).
    let mut next = exponential(rng);
    for h in &mut v.households {
        let k = h.kind as usize;
        let length = rates[k];
        if next < length {
            // A household holds at most u16::MAX open needs per category
            // (only reachable at the extremes of the valid ranges); needs
            // beyond that are not recorded, and not counted as arrived, so
            // that the backlog stays last month's plus arrivals minus
            // closures.
            let before = h.open_total();
            let mix = &CATEGORY_MIX[k];
            while next < length {
                // Where in the household's interval: uniform, given the point falls in it.
                let u = next / length;
                let c = interval_of(u, mix);
                h.open_needs[c] = h.open_needs[c].saturating_add(1);
                next += exponential(rng);
            }
            tally.needs_arrived += u64::from(h.open_total() - before);
        }
        next -= length;
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

    /// The process along the households gives each household a Poisson
    /// count of its own type's rate (mean = variance = rate, P(0) =
    /// e^(−rate)), categories in its type's mix, and neighbours independent
    /// of each other; households of the four types alternate.
    #[test]
    fn arrivals_are_poisson_by_household_with_the_category_mix() {
        let mut s = Scenario::defaults();
        s.environment.need_rate = 0.7;
        s.environment.need_growth = 0.0;
        s.environment.multiplier_left_behind = 2.0;
        s.environment.multiplier_business = 0.5;
        s.environment.multiplier_difficulty = 3.0;
        let kinds = [
            HouseholdType::Ordinary,
            HouseholdType::LeftBehind,
            HouseholdType::Business,
            HouseholdType::Difficulty,
        ];
        let mut v = build_village(&s, 0, 5);
        for (i, h) in v.households.iter_mut().enumerate() {
            h.kind = kinds[i % 4];
        }
        let mut counts: [Vec<f64>; 4] = Default::default();
        let mut by_category = [[0u64; 4]; 4];
        let mut all = Vec::new();
        for _ in 0..800 {
            for h in &mut v.households {
                h.open_needs = [0; 4];
            }
            arrive(
                &mut v,
                &MonthContext::at_start(&s),
                &mut VillageTally::default(),
            );
            for h in &v.households {
                let k = h.kind as usize;
                counts[k].push(f64::from(h.open_total()));
                all.push(f64::from(h.open_total()));
                for (c, &n) in h.open_needs.iter().enumerate() {
                    by_category[k][c] += u64::from(n);
                }
            }
        }
        for k in 0..4 {
            let rate = rate(&s, kinds[k]);
            let xs = &counts[k];
            let n = xs.len() as f64;
            let mean = xs.iter().sum::<f64>() / n;
            let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
            let zero = xs.iter().filter(|&&x| x == 0.0).count() as f64 / n;
            let se = (rate / n).sqrt();
            assert!(
                (mean - rate).abs() < 5.0 * se,
                "type {k}: mean {mean}, rate {rate}"
            );
            assert!(
                (var - rate).abs() < 0.06 * rate + 0.02,
                "type {k}: variance {var}"
            );
            assert!(
                (zero - (-rate).exp()).abs() < 0.015,
                "type {k}: P(0) {zero}"
            );
            let total: u64 = by_category[k].iter().sum();
            let mix = CATEGORY_MIX[k];
            let expected = [mix[0], mix[1] - mix[0], mix[2] - mix[1], 1.0 - mix[2]];
            for c in 0..4 {
                let share = by_category[k][c] as f64 / total as f64;
                assert!(
                    (share - expected[c]).abs() < 0.015,
                    "type {k}, category {c}: {share} (mix {expected:?})"
                );
            }
        }
        // Neighbours: the correlation of adjacent households' counts, each
        // less its type's rate.
        let residuals: Vec<f64> = all
            .iter()
            .enumerate()
            .map(|(i, &x)| x - rate(&s, kinds[i % v.households.len() % 4]))
            .collect();
        let n = residuals.len() as f64;
        let var = residuals.iter().map(|r| r * r).sum::<f64>() / n;
        let pairs = residuals.windows(2).map(|w| w[0] * w[1]).sum::<f64>() / n;
        assert!(
            (pairs / var).abs() < 0.02,
            "neighbours correlated: {}",
            pairs / var
        );
    }
}
