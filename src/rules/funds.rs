//! Service funds (`docs/model.md` §7.17; 003: "construction funds lack";
//! 002 §2.2: misuse of resources).
//!
//! With funds on, each branch is allotted the guarantee g_F every month.
//! A share d = d₀·(1 − ω_A·A) of it is diverted (elite
//! capture), A being the chance that the branch's accounts are looked into
//! within a year by inspection or by households' reports (Olken 2007:
//! audits cut missing funds by about a third). The county tops the balance
//! F up to at most `carryover_months` of guarantee: it pays
//! min(g_F, max(0, cap − F)), and only what it pays is cost. Each resolved
//! need costs c_F; with
//! y = (F / c_F) / X the affordable over the expected resolutions X, every
//! resolution probability is scaled by 1 − exp(−y), so money has
//! diminishing returns instead of a kink. Without funds, service is never
//! limited and c_F per resolved need is counted as cost.

use crate::metrics::VillageTally;
use crate::model::Village;
use crate::rules::MonthContext;
use crate::scenario::Scenario;

/// A: the chance that a branch's accounts are looked into within a year at
/// this month's inspection rate `inspection` and households' mean trust
/// `trust` (eq. 7.17.1); 0 with supervision off.
pub fn audit_chance(s: &Scenario, inspection: f64, trust: f64) -> f64 {
    let sup = &s.supervision;
    if !sup.enabled {
        return 0.0;
    }
    let unseen_month = (1.0 - inspection) * (1.0 - sup.mass_supervision * trust);
    1.0 - unseen_month.clamp(0.0, 1.0).powi(12)
}

/// d: the share of the guarantee diverted (eq. 7.17.2).
pub fn diverted_share(s: &Scenario, audit: f64) -> f64 {
    (s.funds.diversion * (1.0 - s.funds.audit_effect * audit)).clamp(0.0, 1.0)
}

/// The month's guarantee: allotted, partly diverted, the balance capped.
pub fn replenish(v: &mut Village, ctx: &MonthContext<'_>, tally: &mut VillageTally) {
    let s = ctx.policy;
    let f = &s.funds;
    if !f.enabled {
        return;
    }
    let trust = if v.households.is_empty() {
        0.0
    } else {
        v.households.iter().map(|h| f64::from(h.trust)).sum::<f64>() / v.households.len() as f64
    };
    let cap = f.carryover_months * f.monthly_guarantee;
    let paid = f.monthly_guarantee.min((cap - v.branch.funds).max(0.0));
    let diverted = paid * diverted_share(s, audit_chance(s, ctx.inspection, trust));
    tally.cost += paid;
    tally.diverted += diverted;
    v.branch.funds += paid - diverted;
}

/// The factor 1 − exp(−y) on every resolution probability, with y the
/// needs the balance pays for over the `expected` resolutions (eq. 7.17.3);
/// 1 when funds do not limit service.
pub fn usable_share(v: &Village, s: &Scenario, expected: f64) -> f64 {
    if !s.funds.enabled || s.funds.cost_per_need <= 0.0 || expected <= 0.0 {
        return 1.0;
    }
    let affordable = v.branch.funds / s.funds.cost_per_need;
    1.0 - (-affordable / expected).exp()
}

/// Pay for `resolved` needs.
pub fn spend(v: &mut Village, s: &Scenario, resolved: u64, tally: &mut VillageTally) {
    let amount = s.funds.cost_per_need * resolved as f64;
    if s.funds.enabled {
        v.branch.funds = (v.branch.funds - amount).max(0.0);
    } else {
        tally.cost += amount;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;

    #[test]
    fn the_guarantee_fills_the_fund_and_service_draws_it_down() {
        let mut s = Scenario::defaults();
        s.funds.diversion = 0.0;
        let mut v = build_village(&s, 0, 1);
        let mut t = VillageTally::default();
        let start = v.branch.funds;
        replenish(&mut v, &MonthContext::at_start(&s), &mut t);
        assert_eq!(v.branch.funds, start + s.funds.monthly_guarantee);
        let share = usable_share(&v, &s, 30.0);
        spend(&mut v, &s, 10, &mut t);
        assert!(usable_share(&v, &s, 30.0) < share);
        let mut off = s.clone();
        off.funds.enabled = false;
        assert_eq!(usable_share(&v, &off, 30.0), 1.0);
    }

    #[test]
    fn money_has_diminishing_returns_without_a_kink() {
        let s = Scenario::defaults();
        let mut v = build_village(&s, 0, 1);
        let expected = 20.0;
        let shares: Vec<f64> = [0.25, 0.5, 1.0, 2.0]
            .iter()
            .map(|&ratio| {
                v.branch.funds = ratio * expected * s.funds.cost_per_need;
                usable_share(&v, &s, expected)
            })
            .collect();
        assert!(shares.windows(2).all(|w| w[1] > w[0]), "{shares:?}");
        let gains: Vec<f64> = shares.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gains[2] < gains[1], "{gains:?}");
        assert!(shares[3] < 1.0);
    }

    #[test]
    fn audits_and_reports_reduce_diversion() {
        let s = Scenario::defaults();
        let none = diverted_share(&s, audit_chance(&s, 0.0, 0.0));
        let inspected = diverted_share(&s, audit_chance(&s, 0.1, 0.0));
        let reported = diverted_share(&s, audit_chance(&s, 0.1, 0.9));
        assert_eq!(none, s.funds.diversion);
        assert!(inspected < none && reported < inspected);
        // A certain audit cuts diversion by ω_A (Olken 2007: about a third).
        let certain = diverted_share(&s, 1.0);
        assert!((certain / none - (1.0 - s.funds.audit_effect)).abs() < 1e-12);
    }

    #[test]
    fn the_balance_is_topped_up_only_to_the_carryover_cap() {
        let mut s = Scenario::defaults();
        s.funds.diversion = 0.0;
        let cap = s.funds.carryover_months * s.funds.monthly_guarantee;
        let mut v = build_village(&s, 0, 1);
        v.branch.funds = cap - 1.0;
        let mut t = VillageTally::default();
        replenish(&mut v, &MonthContext::at_start(&s), &mut t);
        assert_eq!((v.branch.funds, t.cost), (cap, 1.0));
        replenish(&mut v, &MonthContext::at_start(&s), &mut t);
        assert_eq!(
            (v.branch.funds, t.cost),
            (cap, 1.0),
            "nothing paid at the cap"
        );
    }
}
