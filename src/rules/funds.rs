//! Service funds (`docs/model.md` §7.17; 003: "construction funds lack").
//!
//! With funds on, each branch receives the guarantee g_F every month (counted
//! as cost), and each resolved need costs c_F. The month's resolutions are
//! capped at F / c_F (the balance F at the start of service): if the
//! expected number of resolutions exceeds the cap, every resolution
//! probability is scaled down in proportion. Without funds, service is never
//! capped and c_F per resolved need is counted as cost.

use crate::metrics::VillageTally;
use crate::model::Village;
use crate::rules::MonthContext;
use crate::scenario::Scenario;

/// Monthly allocation of the guarantee.
pub fn replenish(v: &mut Village, ctx: &MonthContext<'_>, tally: &mut VillageTally) {
    let s = ctx.policy;
    if s.funds.enabled {
        v.branch.funds += s.funds.monthly_guarantee;
        tally.cost += s.funds.monthly_guarantee;
    }
}

/// How many needs the branch can pay for this month, if funds cap service.
pub fn affordable_needs(v: &Village, s: &Scenario) -> Option<f64> {
    (s.funds.enabled && s.funds.cost_per_need > 0.0).then(|| v.branch.funds / s.funds.cost_per_need)
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
        let s = Scenario::defaults();
        let mut v = build_village(&s, 0, 1);
        let mut t = VillageTally::default();
        let start = v.branch.funds;
        replenish(&mut v, &MonthContext::at_start(&s), &mut t);
        assert_eq!(v.branch.funds, start + s.funds.monthly_guarantee);
        let cap = affordable_needs(&v, &s).unwrap();
        spend(&mut v, &s, 10, &mut t);
        assert!(affordable_needs(&v, &s).unwrap() < cap);
        let mut off = s.clone();
        off.funds.enabled = false;
        assert_eq!(affordable_needs(&v, &off), None);
    }
}
