//! Service delivery (`docs/model.md` §7.2).
//!
//! Member i can resolve c_i = κ·Π·s_i·√(e_R,i·(1 − t_i − t_M,i)) needs a
//! month, t_i and t_M,i being the shares of the month spent in training and
//! in mutual help, where the
//! branch productivity Π = L·(1 + π_P)·(1 + π_I) / (1 + δ_D·D·(1 − r_P))
//! combines leadership (§7.11), platform (§7.15), innovation (§7.18) and the
//! diversity of needs (§7.9). Each open need of
//! a household assigned to i is resolved with probability
//! q_i = min(1, c_i / B_i), B_i being the open needs of i's households. Spare
//! capacity u_i = max(0, c_i − B_i) is pooled with the capacity lent to or
//! borrowed from a joint-branch partner and the village committee's cadres
//! (§7.16), discounted by the efficiency η of reaching households without a
//! contact member, and resolves their needs with probability
//! q_0 = min(1, η·(Σu_i − lent + support + C_J) / B_0) (eq. 7.2.3). With funds on (§7.17), every q is scaled by the
//! share φ of expected resolutions the balance pays for (cheapest needs
//! first). With industry branches (§7.16), a business household's
//! production needs that its branch does not resolve get a second chance
//! q_I from the township's industry branch: q_prod = 1 − (1 − q)(1 − q_I).
//! Needs still open are given up with probability a (abandon rate).

use crate::metrics::VillageTally;
use crate::model::{Household, HouseholdType, PRODUCTION, Village};
use crate::random::{Fates, binomial};
use crate::rules::{
    ContactSlots, MonthContext, Picked, environment, funds, innovation, select_f32, select_f64,
    service_team, technology,
};
use crate::scenario::Scenario;

/// Π: the branch's productivity multiplier on members' service.
pub fn productivity(v: &Village, s: &Scenario) -> f32 {
    (f64::from(v.branch.leadership) * technology::productivity(s) * innovation::productivity(v, s)
        / environment::diversity_divisor(v, s)) as f32
}

/// c_i for every member (0 for members who are not active).
pub fn set_capacities(v: &mut Village, s: &Scenario) {
    let kappa = s.service.needs_per_member_month as f32;
    let productivity = productivity(v, s);
    let helping = service_team::mutual_help_time(s) as f32;
    for m in &mut v.members {
        // Computed for every member and kept for the active (a select).
        let serving = (1.0 - m.time_off - helping).max(0.0);
        let capacity = kappa * productivity * m.skill * (m.effort.real * serving).max(0.0).sqrt();
        m.capacity = select_f32(m.is_active(), capacity, 0.0);
    }
}

/// Open needs of one category above which their fates are drawn as counts
/// (binomial, [`binomial`]) instead of need by need. Far above ordinary
/// backlogs, so ordinary runs draw exactly as before, while the extremes of
/// the valid ranges (up to 65535 open needs per category) cost no more per
/// month than ordinary runs (`docs/model.md` §7.2).
pub const COUNTED_ABOVE: u16 = 256;

/// Resolve and abandon needs for this month.
pub fn deliver(v: &mut Village, ctx: &MonthContext<'_>, tally: &mut VillageTally) {
    let s = ctx.policy;
    set_capacities(v, s);
    // B_i of every member (summed in f32, household by household) and B_0
    // (a sum of whole numbers, exact in u64 and in f64).
    let mut uncovered_open = 0u64;
    let mut open_before = 0u64;
    let n = v.members.len();
    let mut backlog = ContactSlots::<f32>::for_members(n);
    // Households with open needs, about a fifth of them in a month; the
    // others resolve and give up nothing, and have nothing to draw or credit.
    let mut with_needs = Picked::with_room(v.households.len());
    let mut picker = with_needs.picker();
    let backlog_of: &mut [f32] = &mut backlog;
    for (i, h) in v.households.iter_mut().enumerate() {
        let open = h.open_total();
        open_before += u64::from(open);
        backlog_of[h.contact_slot(n)] += open as f32;
        uncovered_open += u64::from(open) * u64::from(!h.is_covered());
        h.resolved_this_month = 0;
        h.abandoned_this_month = 0;
        picker.offer(i, open > 0);
    }
    picker.finish();
    for (m, &b) in v.members.iter_mut().zip(backlog.iter()) {
        m.assigned_backlog = b;
    }
    let uncovered_backlog = uncovered_open as f64;
    tally.open_before_service += open_before;

    let mut spare_total = 0.0f64;
    for m in &v.members {
        tally.capacity += f64::from(m.capacity);
        spare_total += f64::from((m.capacity - m.assigned_backlog).max(0.0));
    }
    let lent = f64::from(v.branch.lent_capacity).min(spare_total);
    let pooled = technology::uncovered_efficiency(s)
        * (spare_total - lent
            + f64::from(v.branch.support_capacity)
            + service_team::committee_capacity(s));
    v.branch.spare_capacity = (spare_total - lent) as f32;
    let q_uncovered = if uncovered_backlog > 0.0 {
        (pooled / uncovered_backlog).min(1.0)
    } else {
        0.0
    };
    // The branch's chance for each open need of a household, by its
    // contact slot: the contact's q_i (7.2.2), computed once per member, or
    // q_0 (7.2.3) in the last slot, for households without a contact.
    let mut slot_q = ContactSlots::<f64>::for_members(n);
    for (q, m) in slot_q.iter_mut().zip(&v.members) {
        *q = member_q_of(m);
    }
    slot_q[n] = q_uncovered;
    let slot_q: &[f64] = &slot_q;
    let branch_q = |h: &Household| slot_q[h.contact_slot(n)];
    // Industry branch (§7.16): a second chance for the production needs of
    // business and cooperative households, from the township's members away.
    let industry_backlog = if v.branch.industry_capacity > 0.0 {
        service_team::industry_backlog(v)
    } else {
        0.0 // no pass over the households when no industry branch serves
    };
    let industry_pool = technology::uncovered_efficiency(s) * f64::from(v.branch.industry_capacity);
    let q_industry = if industry_backlog > 0.0 {
        (industry_pool / industry_backlog).min(1.0)
    } else {
        0.0
    };
    // Expected resolutions by the industry branch: the production needs of
    // business households that their branch leaves (§7.16).
    let industry_expected: f64 = if q_industry > 0.0 {
        v.households
            .iter()
            .filter(|h| h.kind == HouseholdType::Business)
            .map(|h| {
                let q = branch_q(h);
                f64::from(h.open_needs[PRODUCTION]) * (1.0 - q) * q_industry
            })
            .sum()
    } else {
        0.0
    };
    // Funds: scale all resolution probabilities by what the balance pays for.
    let expected: f64 = v
        .members
        .iter()
        .map(|m| f64::from(m.capacity.min(m.assigned_backlog)))
        .sum::<f64>()
        + pooled.min(uncovered_backlog)
        + industry_expected;
    let money = funds::affordable(v, s, expected);
    let scale = money.share;

    let rng = &mut v.rng;
    let mut resolved_uncovered_own = 0.0f64;
    // Needs resolved for each member's households, added to the member's
    // period in household order as before; the last slot (no contact) is
    // not read.
    let mut credited = ContactSlots::<f32>::for_members(n);
    for (c, m) in credited.iter_mut().zip(&v.members) {
        *c = m.period.resolved;
    }
    let credited_to: &mut [f32] = &mut credited;
    for i in with_needs.indices() {
        let h = &mut v.households[i];
        let q_branch = branch_q(h);
        let q = q_branch * scale;
        // Production needs of a business household: resolved by its branch
        // or, failing that, by the industry branch (7.16.2).
        let q_production = if q_industry > 0.0 && h.kind == HouseholdType::Business {
            (1.0 - (1.0 - q_branch) * (1.0 - q_industry)) * scale
        } else {
            q
        };
        // Counted in u32: a household may close more than u16::MAX needs a month.
        let mut resolved = 0u32;
        let mut abandoned = 0u32;
        // Expected share of resolved production needs that the industry
        // branch, not this branch, resolved: not credited to the members.
        let industry_part = if q_production > q {
            1.0 - q / q_production
        } else {
            0.0
        };
        let mut by_industry = 0.0f64;
        let fates = [
            Fates::new(q_production, s.environment.abandon_rate),
            Fates::new(q, s.environment.abandon_rate),
        ];
        if h.open_needs.iter().all(|&needs| needs <= COUNTED_ABOVE) {
            // Need by need, all categories in one loop (`Fates::draw_each`).
            let outcomes =
                Fates::draw_each([fates[0], fates[1], fates[1], fates[1]], rng, h.open_needs);
            for (open, (r, a)) in h.open_needs.iter_mut().zip(outcomes) {
                resolved += u32::from(r);
                abandoned += u32::from(a);
                *open -= r + a;
            }
            by_industry = f64::from(outcomes[PRODUCTION].0) * industry_part;
        } else {
            for (category, open) in h.open_needs.iter_mut().enumerate() {
                let needs = *open;
                if needs == 0 {
                    continue;
                }
                let (q, fates) = if category == PRODUCTION {
                    (q_production, fates[0])
                } else {
                    (q, fates[1])
                };
                let before = resolved;
                if needs > COUNTED_ABOVE {
                    let r = binomial(rng, u32::from(needs), q);
                    let a = binomial(rng, u32::from(needs) - r, s.environment.abandon_rate);
                    resolved += r;
                    abandoned += a;
                    *open = needs - (r + a) as u16;
                } else {
                    let (r, a) = fates.draw(rng, needs);
                    resolved += u32::from(r);
                    abandoned += u32::from(a);
                    *open = needs - r - a;
                }
                if category == PRODUCTION {
                    by_industry = f64::from(resolved - before) * industry_part;
                }
            }
        }
        h.resolved_this_month = resolved.min(u32::from(u16::MAX)) as u16;
        h.abandoned_this_month = abandoned.min(u32::from(u16::MAX)) as u16;
        // Credited to the contact (its slot), or to the pool's work for
        // households without a contact (a select, not a branch; adding 0
        // changes no sum).
        let own_work = f64::from(resolved) - by_industry;
        credited_to[h.contact_slot(n)] += own_work as f32;
        resolved_uncovered_own += select_f64(h.is_covered(), 0.0, own_work);
        tally.needs_resolved += u64::from(resolved);
        tally.needs_abandoned += u64::from(abandoned);
    }
    for (m, &c) in v.members.iter_mut().zip(credited.iter()) {
        m.period.resolved = c;
    }
    // Needs resolved from the pool are credited to members by their spare
    // capacity, for the members' own part of the pool only: what a partner
    // branch or the village committee resolved is not the members' work.
    let own = spare_total - lent;
    let pool = own + f64::from(v.branch.support_capacity) + service_team::committee_capacity(s);
    if resolved_uncovered_own > 0.0 && spare_total > 0.0 && own > 0.0 {
        let credited = resolved_uncovered_own * own / pool;
        for m in &mut v.members {
            let spare = f64::from((m.capacity - m.assigned_backlog).max(0.0));
            m.period.resolved += (credited * spare / spare_total) as f32;
        }
    }
    let resolved = tally.needs_resolved;
    funds::spend(v, s, resolved, money.cost_factor, tally);
    technology::charge(s, tally);
}

/// q_i = min(1, c_i / B_i) of a member (0 without a backlog), eq. 7.2.2.
fn member_q_of(m: &crate::model::Member) -> f64 {
    // c/0 is not kept (a select, not a branch).
    let q = f64::from((m.capacity / m.assigned_backlog).min(1.0));
    std::hint::select_unpredictable(m.assigned_backlog > 0.0, q, 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;
    use crate::rules::needs;

    fn resolved_share(edit: impl Fn(&mut Village, &mut Scenario)) -> f64 {
        let mut s = Scenario::defaults();
        s.environment.need_rate = 1.0;
        let mut v = build_village(&s, 0, 4);
        edit(&mut v, &mut s);
        let mut t = VillageTally::default();
        needs::arrive(&mut v, &MonthContext::at_start(&s), &mut t);
        deliver(&mut v, &MonthContext::at_start(&s), &mut t);
        assert!(t.needs_resolved + t.needs_abandoned <= t.open_before_service);
        t.needs_resolved as f64 / t.open_before_service as f64
    }

    #[test]
    fn an_industry_branch_serves_only_business_households_production_needs() {
        use crate::model::HouseholdType;
        // Production needs (category 0) and livelihood needs (1) resolved,
        // for business and other households.
        let served = |industry: f32| {
            let mut s = Scenario::defaults();
            s.environment.need_rate = 1.0;
            s.world.share_business = 0.5;
            let mut out = [[0.0f64; 2]; 2]; // [business?][category]
            let mut open = [[0.0f64; 2]; 2];
            // Forty villages, so that each share counts hundreds of needs.
            for village in 0..40 {
                let mut v = build_village(&s, village, 4);
                v.members.iter_mut().for_each(|m| m.effort.real = 0.05);
                v.branch.industry_capacity = industry;
                let mut t = VillageTally::default();
                needs::arrive(&mut v, &MonthContext::at_start(&s), &mut t);
                let before: Vec<[u16; 4]> = v.households.iter().map(|h| h.open_needs).collect();
                deliver(&mut v, &MonthContext::at_start(&s), &mut t);
                for (h, b) in v.households.iter().zip(&before) {
                    let k = usize::from(h.kind == HouseholdType::Business);
                    for c in 0..2 {
                        open[k][c] += f64::from(b[c]);
                        out[k][c] += f64::from(b[c] - h.open_needs[c]);
                    }
                }
            }
            let share = |k: usize, c: usize| out[k][c] / open[k][c];
            (share(1, 0), share(1, 1), share(0, 0))
        };
        let (off, on) = (served(0.0), served(1000.0));
        assert!(
            on.0 > off.0 + 0.3,
            "business production needs: {off:?} → {on:?}"
        );
        // Other needs keep their q (the draws differ once a business
        // household's production need takes the second chance).
        assert!(
            (on.1 - off.1).abs() < 0.05,
            "business livelihood needs: {off:?} → {on:?}"
        );
        assert!(
            (on.2 - off.2).abs() < 0.05,
            "others' production needs: {off:?} → {on:?}"
        );
    }

    #[test]
    fn needs_the_industry_branch_resolves_are_not_credited_to_members() {
        let mut s = Scenario::defaults();
        s.environment.need_rate = 1.0;
        s.world.share_business = 0.5;
        let mut v = build_village(&s, 0, 4);
        // The branch itself resolves nothing: every resolution is the
        // industry branch's.
        v.members.iter_mut().for_each(|m| m.effort.real = 0.0);
        v.branch.industry_capacity = 1000.0;
        let mut t = VillageTally::default();
        needs::arrive(&mut v, &MonthContext::at_start(&s), &mut t);
        deliver(&mut v, &MonthContext::at_start(&s), &mut t);
        assert!(t.needs_resolved > 0);
        let credited: f32 = v.members.iter().map(|m| m.period.resolved).sum();
        assert_eq!(credited, 0.0);
    }

    #[test]
    fn more_real_effort_resolves_more_needs() {
        let low = resolved_share(|v, _| v.members.iter_mut().for_each(|m| m.effort.real = 0.05));
        let high = resolved_share(|v, _| v.members.iter_mut().for_each(|m| m.effort.real = 0.6));
        assert!(high > low, "{high} {low}");
    }

    #[test]
    fn more_skill_resolves_more_needs() {
        let low = resolved_share(|v, _| v.members.iter_mut().for_each(|m| m.skill = 0.2));
        let high = resolved_share(|v, _| v.members.iter_mut().for_each(|m| m.skill = 0.9));
        assert!(high > low, "{high} {low}");
    }

    /// Found by fuzzing (`tests/fuzz.rs`): at the top of the valid ranges
    /// (need rates of 20 × multipliers of 20, no abandonment) backlogs reach
    /// the 65535 open needs a household holds per category, and drawing each
    /// need's fate one by one took about a millisecond per household and
    /// month, so small valid scenarios ran for minutes. The work of a month
    /// must not grow with the backlog: counted in random words drawn.
    #[test]
    fn a_huge_backlog_costs_no_more_draws_than_a_modest_one() {
        let mut s = Scenario::defaults();
        s.environment.abandon_rate = 0.3;
        let mut v = build_village(&s, 0, 4);
        v.members.iter_mut().for_each(|m| m.effort.real = 0.6);
        let households = v.households.len() as u128;
        for h in &mut v.households {
            h.open_needs = [u16::MAX; 4];
        }
        let mut t = VillageTally::default();
        let before = v.rng.get_word_pos();
        deliver(&mut v, &MonthContext::at_start(&s), &mut t);
        let words = v.rng.get_word_pos() - before;
        assert!(
            words < households * 4 * 64,
            "{words} random words for {households} households"
        );
        // Every need is still accounted for, in proportions near the expected.
        let open: u64 = v.households.iter().map(|h| u64::from(h.open_total())).sum();
        let total = households as u64 * 4 * u64::from(u16::MAX);
        assert!(t.needs_abandoned > 0 && t.needs_resolved > 0);
        assert_eq!(open + t.needs_abandoned + t.needs_resolved, total);
    }

    #[test]
    fn without_real_effort_nothing_is_resolved() {
        let share = resolved_share(|v, _| {
            v.members.iter_mut().for_each(|m| {
                m.effort.real = 0.0;
            })
        });
        assert_eq!(share, 0.0);
    }

    /// Eq. 7.2.0 by value: Π = L·(1 + π_P)·(1 + π_I)/(1 + δ_D·D·(1 − r_P)).
    #[test]
    fn productivity_follows_the_equation() {
        let mut s = Scenario::defaults();
        s.technology.platform = true;
        s.technology.platform_productivity = 0.3;
        s.technology.platform_reach = 0.4;
        s.innovation.productivity = 0.2;
        s.environment.diversity_cost = 0.5;
        let mut v = build_village(&s, 0, 1);
        v.branch.leadership = 1.2;
        v.branch.innovated = true;
        v.differentiation = 0.6;
        let d = f64::from(0.6f32);
        let expected = f64::from(1.2f32) * 1.3 * 1.2 / (1.0 + 0.5 * d * 0.6);
        let got = f64::from(productivity(&v, &s));
        assert!((got - expected).abs() < 1e-6, "{got} vs {expected}");
    }

    /// Eq. 7.2.1 by value: c_i = κ·Π·s_i·√(e_R·max(0, 1 − t_i − t_M)), and
    /// 0 for a member who is not active.
    #[test]
    fn capacity_follows_the_equation() {
        let mut s = Scenario::defaults();
        s.service.needs_per_member_month = 7.0;
        s.service_team.mutual_help_rate = 0.1;
        s.service_team.mutual_help_time = 0.05;
        let mut v = build_village(&s, 0, 1);
        v.branch.leadership = 1.25;
        assert!(v.members.len() >= 2);
        let pi = productivity(&v, &s);
        for m in &mut v.members {
            m.skill = 0.7;
            m.effort.real = 0.49;
            m.time_off = 0.1;
        }
        v.members[1].status = crate::model::MemberStatus::Inactive;
        set_capacities(&mut v, &s);
        let serving = 1.0f32 - 0.1 - 0.05;
        let expected = 7.0 * pi * 0.7 * (0.49 * serving).sqrt();
        assert!((v.members[0].capacity - expected).abs() < 1e-5);
        assert_eq!(v.members[1].capacity, 0.0);
        v.members[0].time_off = 0.99; // no serving time left: no capacity
        set_capacities(&mut v, &s);
        assert_eq!(v.members[0].capacity, 0.0);
    }

    /// A month of service as §7.2 states it, computed apart from `deliver`:
    /// B_i and B_0, q_i (7.2.2), the pool net of lending with support and
    /// the committee's cadres (7.2.3), φ from the expected resolutions X,
    /// the industry branch's second chance for business households'
    /// production needs, each household's fates in order (need by need, or
    /// as two binomial counts in a category of more than 256 open needs),
    /// and the credit to members: their own households' needs, less the
    /// industry branch's part, and the members' own share of the pool by
    /// spare capacity.
    struct Replay {
        /// The village after the month (households and random stream).
        village: Village,
        backlog: Vec<f32>,
        capacity: Vec<f32>,
        credit: Vec<f32>,
        spare_after_lending: f32,
        resolved: u64,
        abandoned: u64,
        /// q_i of each member, then q_0.
        q: Vec<f64>,
        q_industry: f64,
        phi: f64,
        from_pool: f64,
    }

    fn replay(v: &Village, s: &Scenario) -> Replay {
        let mut e = v.clone();
        set_capacities(&mut e, s);
        let n = e.members.len();
        let a = s.environment.abandon_rate;
        let eta = technology::uncovered_efficiency(s);
        let mut backlog = vec![0.0f32; n + 1];
        for h in &e.households {
            backlog[h.contact_slot(n)] += h.open_total() as f32;
        }
        let capacity: Vec<f32> = e.members.iter().map(|m| m.capacity).collect();
        let spare: Vec<f64> = (0..n)
            .map(|i| f64::from((capacity[i] - backlog[i]).max(0.0)))
            .collect();
        let spare_total: f64 = spare.iter().sum();
        let lent = f64::from(e.branch.lent_capacity).min(spare_total);
        let helpers = f64::from(e.branch.support_capacity) + service_team::committee_capacity(s);
        let pool = eta * (spare_total - lent + helpers);
        let b0 = f64::from(backlog[n]);
        let q0 = if b0 > 0.0 { (pool / b0).min(1.0) } else { 0.0 };
        let q: Vec<f64> = (0..n)
            .map(|i| {
                if backlog[i] > 0.0 {
                    f64::from((capacity[i] / backlog[i]).min(1.0))
                } else {
                    0.0
                }
            })
            .chain([q0])
            .collect();
        let business = |h: &Household| h.kind == HouseholdType::Business;
        let industry_backlog: f64 = e
            .households
            .iter()
            .filter(|h| business(h))
            .map(|h| f64::from(h.open_needs[PRODUCTION]))
            .sum();
        let industry_pool = eta * f64::from(e.branch.industry_capacity);
        let q_industry = if industry_backlog > 0.0 {
            (industry_pool / industry_backlog).min(1.0)
        } else {
            0.0
        };
        let industry_expected: f64 = e
            .households
            .iter()
            .filter(|h| business(h))
            .map(|h| {
                let q = q[h.contact_slot(n)];
                f64::from(h.open_needs[PRODUCTION]) * (1.0 - q) * q_industry
            })
            .sum();
        let x = (0..n)
            .map(|i| f64::from(capacity[i].min(backlog[i])))
            .sum::<f64>()
            + pool.min(b0)
            + industry_expected;
        let phi = funds::affordable(&e, s, x).share;
        let mut rng = e.rng.clone();
        let mut credit: Vec<f32> = e.members.iter().map(|m| m.period.resolved).collect();
        credit.push(0.0);
        let (mut resolved_total, mut abandoned_total, mut uncovered_own) = (0u64, 0u64, 0.0f64);
        for h in &mut e.households {
            let q_branch = q[h.contact_slot(n)];
            let q_h = q_branch * phi;
            let q_production = if business(h) && q_industry > 0.0 {
                (1.0 - (1.0 - q_branch) * (1.0 - q_industry)) * phi
            } else {
                q_h
            };
            let industry_part = if q_production > q_h {
                1.0 - q_h / q_production
            } else {
                0.0
            };
            let (mut resolved, mut abandoned, mut by_industry) = (0u32, 0u32, 0.0f64);
            for c in 0..4 {
                let chance = if c == PRODUCTION { q_production } else { q_h };
                let needs = h.open_needs[c];
                let (r, g) = if needs > COUNTED_ABOVE {
                    let r = binomial(&mut rng, u32::from(needs), chance);
                    (r, binomial(&mut rng, u32::from(needs) - r, a))
                } else {
                    let (r, g) = Fates::new(chance, a).draw(&mut rng, needs);
                    (u32::from(r), u32::from(g))
                };
                h.open_needs[c] -= (r + g) as u16;
                resolved += r;
                abandoned += g;
                if c == PRODUCTION {
                    by_industry = f64::from(r) * industry_part;
                }
            }
            h.resolved_this_month = resolved.min(u32::from(u16::MAX)) as u16;
            h.abandoned_this_month = abandoned.min(u32::from(u16::MAX)) as u16;
            resolved_total += u64::from(resolved);
            abandoned_total += u64::from(abandoned);
            let own_work = f64::from(resolved) - by_industry;
            credit[h.contact_slot(n)] += own_work as f32;
            if !h.is_covered() {
                uncovered_own += own_work;
            }
        }
        let own = spare_total - lent;
        let from_pool = if own > 0.0 {
            uncovered_own * own / (own + helpers)
        } else {
            0.0
        };
        credit.truncate(n);
        for (c, spare) in credit.iter_mut().zip(&spare) {
            *c += (from_pool * spare / spare_total) as f32;
        }
        e.rng = rng;
        Replay {
            village: e,
            backlog,
            capacity,
            credit,
            spare_after_lending: own as f32,
            resolved: resolved_total,
            abandoned: abandoned_total,
            q,
            q_industry,
            phi,
            from_pool,
        }
    }

    /// Runs `deliver` on `v` and checks it against [`replay`].
    fn assert_replays(mut v: Village, s: &Scenario) -> Replay {
        let want = replay(&v, s);
        let mut t = VillageTally::default();
        deliver(&mut v, &MonthContext::at_start(s), &mut t);
        assert_eq!(v.rng, want.village.rng, "the same draws");
        for (got, w) in v.households.iter().zip(&want.village.households) {
            assert_eq!(got.open_needs, w.open_needs);
            assert_eq!(got.resolved_this_month, w.resolved_this_month);
            assert_eq!(got.abandoned_this_month, w.abandoned_this_month);
        }
        assert_eq!(
            (t.needs_resolved, t.needs_abandoned),
            (want.resolved, want.abandoned)
        );
        let open: f64 = want.backlog.iter().map(|&b| f64::from(b)).sum();
        assert_eq!(t.open_before_service as f64, open);
        let total_capacity: f64 = want.capacity.iter().map(|&c| f64::from(c)).sum();
        assert!((t.capacity - total_capacity).abs() < 1e-9);
        assert_eq!(v.branch.spare_capacity, want.spare_after_lending);
        for (i, m) in v.members.iter().enumerate() {
            assert_eq!(m.assigned_backlog, want.backlog[i]);
            assert!(
                (m.period.resolved - want.credit[i]).abs() < 1e-4,
                "member {i}: {} vs {}",
                m.period.resolved,
                want.credit[i]
            );
        }
        want
    }

    /// A village whose members differ in real effort, with uncovered
    /// households, business households with a backlog of production needs,
    /// lending, support, the committee's cadres, an industry branch and a
    /// fund that pays for part of the month.
    fn busy_village(s: &mut Scenario) -> Village {
        s.environment.abandon_rate = 0.2;
        s.world.share_business = 0.5;
        s.service_team.joint_committee = true;
        s.service_team.committee_capacity = 1.5;
        s.service.uncovered_efficiency = 0.6;
        s.funds.cost_per_need = 1.0;
        let mut v = build_village(s, 0, 4);
        assert!(v.members.len() >= 3);
        for (i, m) in v.members.iter_mut().enumerate() {
            m.effort.real = 0.2 + 0.15 * i as f32;
            m.skill = 0.5;
            m.period.resolved = 0.25 * i as f32;
        }
        for (i, h) in v.households.iter_mut().enumerate() {
            let production = if h.kind == HouseholdType::Business {
                4
            } else {
                0
            };
            h.open_needs = [
                (production + i % 3) as u16,
                (i % 2) as u16,
                ((i + 1) % 4) as u16,
                0,
            ];
            if i % 5 == 0 {
                h.contact = crate::model::NO_CONTACT;
            }
        }
        v.branch.lent_capacity = 0.8;
        v.branch.support_capacity = 0.7;
        v.branch.industry_capacity = 150.0;
        v.branch.funds = 4.0;
        v
    }

    /// A month of service replayed draw by draw (§7.2), with every part of
    /// the month at work.
    #[test]
    fn a_month_of_service_replays_draw_by_draw() {
        let mut s = Scenario::defaults();
        let v = busy_village(&mut s);
        let r = assert_replays(v, &s);
        assert!(r.q.iter().any(|&q| q < 1.0) && r.q.iter().any(|&q| q > 0.0));
        assert!(r.q[r.q.len() - 1] > 0.0, "q_0 serves the uncovered");
        assert!(r.q_industry > 0.0 && r.q_industry < 1.0, "{}", r.q_industry);
        assert!(
            r.phi > 0.0 && r.phi < 1.0,
            "the fund pays for part: {}",
            r.phi
        );
        assert!(r.from_pool > 0.0);
        assert!(r.spare_after_lending > 0.0);
        assert!(r.resolved > 0 && r.abandoned > 0);
    }

    /// Categories of more than 256 open needs are drawn as two binomial
    /// counts, in the same order, with the industry branch's part of
    /// production needs still not credited (§7.2).
    #[test]
    fn huge_backlogs_are_drawn_as_counts_replayed() {
        let mut s = Scenario::defaults();
        let mut v = busy_village(&mut s);
        let mut huge = 0;
        for (i, h) in v
            .households
            .iter_mut()
            .enumerate()
            .filter(|(i, _)| i % 3 == 0)
        {
            h.open_needs[PRODUCTION] = 300 + i as u16;
            h.open_needs[3] = 1000;
            // Exactly 256 is not more than 256: drawn need by need.
            h.open_needs[1] = COUNTED_ABOVE;
            huge += usize::from(h.kind == HouseholdType::Business && h.is_covered());
        }
        assert!(huge > 0, "a covered business household with a huge backlog");
        let r = assert_replays(v, &s);
        assert!(r.q_industry > 0.0 && r.phi > 0.0 && r.resolved > 0 && r.abandoned > 0);
    }
}
