//! The environmental driving force over time (`docs/model.md` §7.9).
//!
//! Market development M and social differentiation D of each village grow
//! every month by a twelfth of their yearly growth (capped at 1). Needs
//! arrive faster as the market develops (rate × (1 + β_M·M), §7.1), more
//! diverse needs take longer to resolve (capacity ÷ (1 + δ_D·D·(1 − r_P)),
//! §7.2), and households expect more: E ← min(E_max, E + g_E·M / 12).

use crate::metrics::VillageTally;
use crate::model::Village;
use crate::rules::MonthContext;
use crate::scenario::Scenario;

/// Advance the village's environment and its households' expectation by
/// one month; nothing moves in a burn-in month (§3.4).
pub fn evolve(v: &mut Village, ctx: &MonthContext<'_>, _tally: &mut VillageTally) {
    if ctx.burn_in {
        // The environment is frozen during burn-in (`docs/model.md` §3.4).
        return;
    }
    let s = ctx.policy;
    let e = &s.environment;
    v.market = (v.market + (e.market_growth / 12.0) as f32).min(1.0);
    v.differentiation = (v.differentiation + (e.differentiation_growth / 12.0) as f32).min(1.0);
    let rise = (e.expectation_growth / 12.0) as f32 * v.market;
    let cap = e.expectation_max as f32;
    if rise > 0.0 {
        v.expectation = (v.expectation + rise).min(cap);
    }
}

/// Multiplier of every need rate: 1 + β_M·M.
pub fn need_multiplier(v: &Village, s: &Scenario) -> f64 {
    1.0 + s.environment.need_growth * f64::from(v.market)
}

/// Divisor of capacity from the diversity of needs: 1 + δ_D·D·(1 − r_P).
pub fn diversity_divisor(v: &Village, s: &Scenario) -> f64 {
    let relief = if s.technology.platform {
        s.technology.platform_reach
    } else {
        0.0
    };
    1.0 + s.environment.diversity_cost * f64::from(v.differentiation) * (1.0 - relief)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;

    #[test]
    fn market_development_raises_needs_and_expectations_over_time() {
        let mut s = Scenario::defaults();
        s.environment.market_growth = 0.1;
        s.environment.expectation_growth = 0.1;
        let mut v = build_village(&s, 0, 1);
        let needs_before = need_multiplier(&v, &s);
        for _ in 0..24 {
            evolve(
                &mut v,
                &MonthContext::at_start(&s),
                &mut VillageTally::default(),
            );
        }
        assert!(need_multiplier(&v, &s) > needs_before);
        assert!(v.expectation > 1.0);
    }

    /// One month of [`evolve`] in `s`, in burn-in or not.
    fn month(v: &mut Village, s: &Scenario, burn_in: bool) {
        let ctx = MonthContext {
            burn_in,
            ..MonthContext::at_start(s)
        };
        evolve(v, &ctx, &mut VillageTally::default());
    }

    /// One month of eq. 7.9.1: M and D grow by a twelfth of their yearly
    /// growth, then E by g_E·M/12 with the updated M; M and D stop at 1.
    #[test]
    fn one_month_moves_market_differentiation_and_expectation_as_documented() {
        let mut s = Scenario::defaults();
        s.environment.market_growth = 0.12;
        s.environment.differentiation_growth = 0.24;
        s.environment.expectation_growth = 0.6;
        s.environment.expectation_max = 2.0;
        let mut v = build_village(&s, 0, 1);
        (v.market, v.differentiation, v.expectation) = (0.2, 0.3, 1.0);
        month(&mut v, &s, false);
        let close = |a: f32, b: f64| (f64::from(a) - b).abs() < 1e-6;
        assert!(close(v.market, 0.21), "{}", v.market);
        assert!(close(v.differentiation, 0.32), "{}", v.differentiation);
        assert!(close(v.expectation, 1.0 + 0.05 * 0.21), "{}", v.expectation);
        (v.market, v.differentiation) = (0.995, 0.995);
        month(&mut v, &s, false);
        assert_eq!((v.market, v.differentiation), (1.0, 1.0));
    }

    #[test]
    fn expectation_rises_to_its_cap_and_not_in_burn_in() {
        let mut s = Scenario::defaults();
        s.environment.market_growth = 1.0;
        s.environment.expectation_growth = 1.0;
        s.environment.expectation_max = 1.05;
        let mut v = build_village(&s, 0, 1);
        v.market = 0.5;
        month(&mut v, &s, true);
        assert_eq!((v.market, v.expectation), (0.5, 1.0), "burn-in");
        for _ in 0..12 {
            month(&mut v, &s, false);
        }
        assert_eq!(v.expectation, 1.05);
        // A lower cap binds in the next month in which E moves (g_E·M > 0),
        // not in a month in which it does not (docs/model.md §7.9).
        s.environment.expectation_max = 1.02;
        s.environment.expectation_growth = 0.0;
        month(&mut v, &s, false);
        assert_eq!(v.expectation, 1.05);
        s.environment.expectation_growth = 1.0;
        month(&mut v, &s, false);
        assert_eq!(v.expectation, 1.02);
    }

    #[test]
    fn diversity_costs_capacity_and_a_platform_relieves_it() {
        let mut s = Scenario::defaults();
        let mut v = build_village(&s, 0, 1);
        v.differentiation = 0.8;
        let without = diversity_divisor(&v, &s);
        assert!(without > 1.0);
        s.technology.platform = true;
        assert!(diversity_divisor(&v, &s) < without);
    }
}
