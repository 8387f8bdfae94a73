//! Service funds (`docs/model.md` §7.17; `[ZTown]`: "construction funds lack";
//! `[Implementing]` §2.2: misuse of resources).
//!
//! With funds on, each branch is allotted the guarantee g_F every month.
//! The county tops the balance F up to at most (K + 1)·g_F, K =
//! `carryover_months` (what a branch may carry over), paying
//! min(g_F, max(0, (K + 1)·g_F − F)); only what it pays is cost. A share
//! d = d₀·(1 − ω_A·A) of the payment is diverted (elite capture), A being
//! the chance that the branch's accounts are looked into within a year
//! (Olken 2007: audits cut missing funds by about a third).
//!
//! Needs differ in what they cost: exponentially, with mean c_F. A branch
//! whose balance cannot pay for every expected resolution X pays for the
//! cheapest first: with y = F/(c_F·X), it spends the whole balance and
//! resolves the share φ = 1 − e^(−u) of them, where u solves
//! 1 − e^(−u)·(1 + u) = y (φ = 1 if y ≥ 1). Money thus has diminishing
//! returns (φ ≈ √(2y) when money is very short, half the money buys about
//! 81 % of the needs) and no kink where it becomes enough. Without funds,
//! service is never limited and c_F per resolved need is counted as cost.

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

/// The month's guarantee: paid up to the carry-over cap, partly diverted.
pub fn replenish(v: &mut Village, ctx: &MonthContext<'_>, tally: &mut VillageTally) {
    let s = ctx.policy;
    let f = &s.funds;
    if !f.enabled {
        return;
    }
    let trust = v.mean_trust();
    let cap = (f.carryover_months + 1.0) * f.monthly_guarantee;
    let paid = f.monthly_guarantee.min((cap - v.branch.funds).max(0.0));
    let diverted = paid * diverted_share(s, audit_chance(s, ctx.inspection, trust));
    tally.cost += paid;
    tally.diverted += diverted;
    v.branch.funds += paid - diverted;
}

/// u(y): the cost cut-off, in units of c_F, below which a branch can pay
/// for every need when its balance covers a share `y` of what all expected
/// resolutions would cost: 1 − e^(−u)·(1 + u) = y, by bisection (eq. 7.17.3);
/// infinite for y ≥ 1.
fn cost_cutoff(y: f64) -> f64 {
    if y >= 1.0 {
        return f64::INFINITY;
    }
    if y <= 0.0 {
        return 0.0;
    }
    let spent = |u: f64| 1.0 - (-u).exp() * (1.0 + u);
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while spent(hi) < y {
        hi *= 2.0;
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if spent(mid) < y {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// How funds limit this month's service: the factor φ on every resolution
/// probability and the mean cost of a resolved need in units of c_F
/// (eq. 7.17.3); (1, 1) when funds do not limit service.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affordable {
    /// φ: the share of expected resolutions the balance pays for.
    pub share: f64,
    /// The mean cost of a need resolved, relative to c_F (below 1 when only
    /// the cheaper needs are paid for).
    pub cost_factor: f64,
}

/// φ and the cost factor for a branch expecting `expected` resolutions X.
pub fn affordable(v: &Village, s: &Scenario, expected: f64) -> Affordable {
    let all = Affordable {
        share: 1.0,
        cost_factor: 1.0,
    };
    if !s.funds.enabled || s.funds.cost_per_need <= 0.0 || expected <= 0.0 {
        return all;
    }
    let y = v.branch.funds / (s.funds.cost_per_need * expected);
    let u = cost_cutoff(y);
    if !u.is_finite() {
        return all;
    }
    if u <= 0.0 {
        return Affordable {
            share: 0.0,
            cost_factor: 0.0,
        };
    }
    let share = 1.0 - (-u).exp();
    Affordable {
        share,
        cost_factor: y / share,
    }
}

/// Pay for `resolved` needs at `cost_factor`·c_F each.
pub fn spend(
    v: &mut Village,
    s: &Scenario,
    resolved: u64,
    cost_factor: f64,
    tally: &mut VillageTally,
) {
    let amount = s.funds.cost_per_need * cost_factor * resolved as f64;
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
        v.branch.funds = 0.0;
        let mut t = VillageTally::default();
        replenish(&mut v, &MonthContext::at_start(&s), &mut t);
        assert_eq!(v.branch.funds, s.funds.monthly_guarantee);
        let expected = 2.0 * v.branch.funds / s.funds.cost_per_need;
        let before = affordable(&v, &s, expected).share;
        spend(&mut v, &s, 10, 1.0, &mut t);
        assert!(affordable(&v, &s, expected).share < before);
        let mut off = s.clone();
        off.funds.enabled = false;
        assert_eq!(affordable(&v, &off, expected).share, 1.0);
    }

    #[test]
    fn money_has_diminishing_returns_without_a_kink() {
        let s = Scenario::defaults();
        let mut v = build_village(&s, 0, 1);
        let expected = 20.0;
        let at = |v: &mut Village, y: f64| {
            v.branch.funds = y * expected * s.funds.cost_per_need;
            affordable(v, &s, expected)
        };
        let ys = [0.1, 0.2, 0.4, 0.6, 0.8, 0.95, 1.0, 2.0];
        let shares: Vec<f64> = ys.iter().map(|&y| at(&mut v, y).share).collect();
        assert!(shares.windows(2).all(|w| w[1] >= w[0]), "{shares:?}");
        let slopes: Vec<f64> = (1..ys.len() - 1)
            .map(|k| (shares[k] - shares[k - 1]) / (ys[k] - ys[k - 1]))
            .collect();
        assert!(
            slopes.windows(2).all(|w| w[1] < w[0]),
            "concave: {slopes:?}"
        );
        // Half the money buys about 81 % of the needs; enough money buys all,
        // approached with a vanishing slope (no kink).
        assert!((at(&mut v, 0.5).share - 0.81).abs() < 0.01);
        assert_eq!(at(&mut v, 1.0).share, 1.0);
        assert!(1.0 - at(&mut v, 0.99).share < 0.002);
        // What is paid for is the whole balance, at below the mean cost.
        let a = at(&mut v, 0.5);
        assert!((a.share * a.cost_factor - 0.5).abs() < 1e-9 && a.cost_factor < 1.0);
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

    /// The county pays the guarantee in full (all of it cost); the share d
    /// diverted is counted and never reaches the balance (eq. 7.17.2).
    #[test]
    fn the_diverted_share_is_counted_and_never_reaches_the_balance() {
        let mut s = Scenario::defaults();
        s.supervision.enabled = false; // A = 0, so d = d₀
        s.funds.diversion = 0.25;
        s.funds.carryover_months = 3.0; // the second month is paid in full
        let g = s.funds.monthly_guarantee;
        let mut v = build_village(&s, 0, 1);
        v.branch.funds = 0.0;
        let mut t = VillageTally::default();
        replenish(&mut v, &MonthContext::at_start(&s), &mut t);
        assert_eq!((t.cost, t.diverted), (g, 0.25 * g));
        assert_eq!(v.branch.funds, g - 0.25 * g);
        replenish(&mut v, &MonthContext::at_start(&s), &mut t);
        assert_eq!((t.cost, t.diverted), (2.0 * g, 0.5 * g));
    }

    /// A resolved need costs cost_factor·c_F: from the balance with funds
    /// on (never below 0), as cost without them.
    #[test]
    fn spending_pays_each_resolved_need_at_its_cost_factor() {
        let mut s = Scenario::defaults();
        s.funds.cost_per_need = 2.0;
        let mut v = build_village(&s, 0, 1);
        v.branch.funds = 50.0;
        let mut t = VillageTally::default();
        spend(&mut v, &s, 10, 0.5, &mut t);
        assert_eq!((v.branch.funds, t.cost), (40.0, 0.0));
        spend(&mut v, &s, 100, 0.5, &mut t);
        assert_eq!(v.branch.funds, 0.0);
        s.funds.enabled = false;
        spend(&mut v, &s, 10, 0.5, &mut t);
        assert_eq!((v.branch.funds, t.cost), (0.0, 10.0));
    }

    /// Without expected resolutions, or when needs cost nothing, funds do
    /// not limit service, even from an empty balance.
    #[test]
    fn nothing_to_pay_for_is_never_limited() {
        let mut s = Scenario::defaults();
        let mut v = build_village(&s, 0, 1);
        v.branch.funds = 0.0;
        let all = Affordable {
            share: 1.0,
            cost_factor: 1.0,
        };
        assert_eq!(affordable(&v, &s, 0.0), all);
        s.funds.cost_per_need = 0.0;
        assert_eq!(affordable(&v, &s, 5.0), all);
        assert_eq!(affordable(&v, &s, 0.0), all);
    }

    #[test]
    fn a_branch_carries_over_at_most_its_cap() {
        let mut s = Scenario::defaults();
        s.funds.diversion = 0.0;
        let g = s.funds.monthly_guarantee;
        let cap = (s.funds.carryover_months + 1.0) * g;
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
        // Nothing carried over: each month's guarantee is still paid in full.
        s.funds.carryover_months = 0.0;
        v.branch.funds = 0.0;
        replenish(&mut v, &MonthContext::at_start(&s), &mut t);
        assert_eq!(v.branch.funds, g);
    }
}
