//! The service team (`docs/model.md` §7.16): party-internal care, mutual
//! help, fixed-point contact assignment, and joint branches across village
//! boundaries (`[VillageLevel]` §4).
//!
//! - **Care**: a member in difficulty recovers with extra probability ρ_C.
//! - **Mutual help**: each active member closes a share τ_M of the skill gap to
//!   the mean skill of the branch's more skilled active members (peer
//!   learning; Mas & Moretti 2009), and every active member spends a share
//!   t_M of the month on it instead of service.
//! - **Contact assignment**: each household without a contact is assigned to
//!   the active member with the fewest households (lowest index on ties), if
//!   that member has fewer than n_max.
//! - **Joint branches** (county phase, monthly): a village with fewer than
//!   m_min active members is joined with the village of its township that has
//!   the most active members; the partner lends a share λ_J of last month's
//!   spare capacity, split among the villages joined to it, which serves the
//!   joined village's uncovered households next month.

use crate::metrics::VillageTally;
use crate::model::{HouseholdType, MemberStatus, NO_CONTACT, PRODUCTION, Village};
use crate::random::bernoulli;
use crate::rules::MonthContext;
use crate::scenario::Scenario;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Party-internal care for members in difficulty.
pub fn care(v: &mut Village, ctx: &MonthContext<'_>, _tally: &mut VillageTally) {
    let s = ctx.policy;
    let rate = s.service_team.care_rate;
    if rate <= 0.0 {
        return;
    }
    for m in &mut v.members {
        if m.status == MemberStatus::Inactive && bernoulli(&mut v.rng, rate) {
            m.status = MemberStatus::Active;
        }
    }
}

/// C_J: needs a month the village committee resolves for households without
/// a contact when the two committees serve jointly (`docs/model.md` §7.16).
pub fn committee_capacity(s: &Scenario) -> f64 {
    let st = &s.service_team;
    if st.joint_committee {
        st.committee_capacity
    } else {
        0.0
    }
}

/// t_M: the share of every active member's month that mutual help takes
/// while it runs (`docs/model.md` §7.16); 0 without mutual help.
pub fn mutual_help_time(s: &Scenario) -> f64 {
    let st = &s.service_team;
    if st.mutual_help_rate > 0.0 {
        st.mutual_help_time
    } else {
        0.0
    }
}

/// Mutual help: each active member learns from the branch's more skilled
/// active members, closing a share τ_M of the gap to their mean skill
/// (skills as they stood before anyone learned this month).
pub fn mutual_help(v: &mut Village, ctx: &MonthContext<'_>, _tally: &mut VillageTally) {
    let s = ctx.policy;
    let rate = s.service_team.mutual_help_rate as f32;
    if rate <= 0.0 {
        return;
    }
    let mut skills: Vec<f32> = v
        .members
        .iter()
        .filter(|m| m.is_active())
        .map(|m| m.skill)
        .collect();
    skills.sort_by(f32::total_cmp);
    // suffix[k]: sum of the skills from rank k up.
    let mut suffix = vec![0.0f32; skills.len() + 1];
    for k in (0..skills.len()).rev() {
        suffix[k] = suffix[k + 1] + skills[k];
    }
    for m in v.members.iter_mut().filter(|m| m.is_active()) {
        let above = skills.partition_point(|&x| x <= m.skill);
        let better = skills.len() - above;
        if better > 0 {
            let target = suffix[above] / better as f32;
            m.skill += rate * (target - m.skill);
        }
    }
}

/// Assign households without a contact to the least-loaded active members.
pub fn assign_contacts(v: &mut Village, ctx: &MonthContext<'_>, _tally: &mut VillageTally) {
    let s = ctx.policy;
    let st = &s.service_team;
    if !st.contact_assignment {
        return;
    }
    let cap = st.max_households_per_member.min(u32::from(u16::MAX)) as u16;
    // The eligible members by (load, index), smallest first: the same choice
    // as scanning every member for each household, in O(log members) each
    // (thousands of households × thousands of members were minutes a month).
    let mut open: BinaryHeap<Reverse<(u16, usize)>> = v
        .members
        .iter()
        .enumerate()
        .filter(|(_, m)| m.is_active() && m.assigned < cap)
        .map(|(i, m)| Reverse((m.assigned, i)))
        .collect();
    for h in 0..v.households.len() {
        if v.households[h].contact != NO_CONTACT {
            continue;
        }
        let Some(Reverse((_, i))) = open.pop() else {
            break;
        };
        v.households[h].contact = i as u16;
        v.members[i].assigned += 1;
        if v.members[i].assigned < cap {
            open.push(Reverse((v.members[i].assigned, i)));
        }
    }
}

/// Pair weak villages with a partner in their township (county phase).
pub fn pair_joint_branches(villages: &mut [Village], s: &Scenario) {
    for v in villages.iter_mut() {
        v.branch.support_capacity = 0.0;
        v.branch.lent_capacity = 0.0;
        v.branch.joined = false;
    }
    let st = &s.service_team;
    if !st.joint_branch {
        return;
    }
    let per = s.world.villages_per_township as usize;
    let min_active = st.joint_branch_min_active as usize;
    for start in (0..villages.len()).step_by(per.max(1)) {
        let end = (start + per).min(villages.len());
        let active: Vec<usize> = villages[start..end]
            .iter()
            .map(Village::active_members)
            .collect();
        let weak: Vec<usize> = (0..active.len())
            .filter(|&k| active[k] < min_active)
            .collect();
        let partner = (0..active.len())
            .filter(|&k| active[k] >= min_active)
            .max_by_key(|&k| (active[k], std::cmp::Reverse(k)));
        let (Some(p), false) = (partner, weak.is_empty()) else {
            continue;
        };
        let lend = st.joint_branch_share as f32 * villages[start + p].branch.spare_capacity
            / weak.len() as f32;
        for &k in &weak {
            villages[start + k].branch.support_capacity = lend;
            villages[start + k].branch.joined = true;
        }
        villages[start + p].branch.lent_capacity = lend * weak.len() as f32;
    }
}

/// Open production needs of business and cooperative households: what an
/// industry branch serves (`docs/model.md` §7.16).
pub fn industry_backlog(v: &Village) -> f64 {
    v.households
        .iter()
        .filter(|h| h.kind == HouseholdType::Business)
        .map(|h| f64::from(h.open_needs[PRODUCTION]))
        .sum()
}

/// County phase: each township's industry branch reaches an expected share
/// ω_L of its members away (no draw), each giving a share θ_i·h_I of a
/// month by their public-service motivation, and shares their capacity
/// κ·s_i·√(θ_i·h_I) among its villages in proportion to the open
/// production needs of their business and cooperative households at the
/// end of the month, for next month (§7.16, 7.16.1).
pub fn industry_branches(villages: &mut [Village], s: &Scenario) {
    for v in villages.iter_mut() {
        v.branch.industry_capacity = 0.0;
    }
    let st = &s.service_team;
    if !st.industry_branch {
        return;
    }
    let per = (s.world.villages_per_township as usize).max(1);
    let each = s.service.needs_per_member_month * st.local_share;
    for township in villages.chunks_mut(per) {
        let capacity: f64 = township
            .iter()
            .flat_map(|v| v.members.iter())
            .filter(|m| m.status == MemberStatus::Migrated)
            .map(|m| {
                each * f64::from(m.skill) * (f64::from(m.motivation) * st.industry_time).sqrt()
            })
            .sum();
        let demand: Vec<f64> = township.iter().map(industry_backlog).collect();
        let total: f64 = demand.iter().sum();
        if capacity <= 0.0 || total <= 0.0 {
            continue;
        }
        for (v, d) in township.iter_mut().zip(&demand) {
            v.branch.industry_capacity = (capacity * d / total) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;

    /// Apply `rule` once to `v` in the first month under `s`.
    fn once(rule: crate::rules::VillageRule, v: &mut Village, s: &Scenario) {
        rule(v, &MonthContext::at_start(s), &mut VillageTally::default());
    }

    #[test]
    fn industry_branches_pool_members_away_toward_production_demand() {
        let mut s = Scenario::defaults();
        s.world.villages_per_township = 2;
        s.service_team.industry_branch = true;
        // Townships {0, 1} and {2}.
        let mut villages: Vec<_> = (0..3).map(|i| build_village(&s, i, 1)).collect();
        for v in &mut villages {
            for h in &mut v.households {
                h.open_needs = [0; 4];
            }
        }
        let demand = |v: &mut Village, n: u16| {
            let b = v
                .households
                .iter()
                .position(|h| h.kind == HouseholdType::Business)
                .unwrap();
            v.households[b].open_needs[PRODUCTION] = n;
        };
        demand(&mut villages[0], 1);
        demand(&mut villages[1], 3);
        // Members away: two of village 1 (township A), three of village 2
        // (township B, which has no demand).
        villages[1]
            .members
            .iter_mut()
            .take(2)
            .for_each(|m| m.status = MemberStatus::Migrated);
        villages[2]
            .members
            .iter_mut()
            .take(3)
            .for_each(|m| m.status = MemberStatus::Migrated);
        industry_branches(&mut villages, &s);
        let st = &s.service_team;
        let capacity: f64 = villages[1]
            .members
            .iter()
            .take(2)
            .map(|m| {
                st.local_share
                    * s.service.needs_per_member_month
                    * f64::from(m.skill)
                    * (f64::from(m.motivation) * st.industry_time).sqrt()
            })
            .sum();
        let got = |k: usize| f64::from(villages[k].branch.industry_capacity);
        assert!(capacity > 0.0);
        assert!(
            (got(0) - capacity / 4.0).abs() < 1e-4,
            "{} {capacity}",
            got(0)
        );
        assert!(
            (got(1) - 3.0 * capacity / 4.0).abs() < 1e-4,
            "{} {capacity}",
            got(1)
        );
        assert_eq!(got(2), 0.0, "township B has members away but no demand");
        // Off: no capacity anywhere.
        s.service_team.industry_branch = false;
        industry_branches(&mut villages, &s);
        assert!(villages.iter().all(|v| v.branch.industry_capacity == 0.0));
    }

    #[test]
    fn mutual_help_learns_from_better_peers_and_costs_time() {
        use crate::rules::service;
        let mut s = Scenario::defaults();
        let mut v = build_village(&s, 0, 1);
        for (i, m) in v.members.iter_mut().enumerate() {
            m.skill = 0.2 + 0.02 * i as f32;
        }
        service::set_capacities(&mut v, &s);
        let alone: f32 = v.members.iter().map(|m| m.capacity).sum();
        s.service_team.mutual_help_rate = 0.1;
        let before: Vec<f32> = v.members.iter().map(|m| m.skill).collect();
        once(mutual_help, &mut v, &s);
        let last = before.len() - 1;
        assert_eq!(
            v.members[last].skill, before[last],
            "the best learns nothing"
        );
        let mean_better = before[1..].iter().sum::<f32>() / last as f32;
        let expected = before[0] + 0.1 * (mean_better - before[0]);
        assert!((v.members[0].skill - expected).abs() < 1e-6);
        assert!(v.members.iter().all(|m| m.skill <= before[last]));
        // Same skills, help running: the hours come out of service.
        for (m, &x) in v.members.iter_mut().zip(&before) {
            m.skill = x;
        }
        service::set_capacities(&mut v, &s);
        let helping: f32 = v.members.iter().map(|m| m.capacity).sum();
        assert!(helping < alone, "{alone} → {helping}");
    }

    #[test]
    fn contact_assignment_closes_coverage_gaps() {
        let mut s = Scenario::defaults();
        s.world.contact_coverage = 0.2;
        s.service_team.contact_assignment = true;
        s.service_team.max_households_per_member = 1000;
        let mut v = build_village(&s, 0, 1);
        once(assign_contacts, &mut v, &s);
        assert!(v.households.iter().all(|h| h.is_covered()));
        let loads: Vec<u16> = v.members.iter().map(|m| m.assigned).collect();
        assert!(
            loads.iter().max().unwrap() - loads.iter().min().unwrap() <= 1,
            "{loads:?}"
        );
    }

    /// The assignment as first written: every member scanned for each
    /// household (the specification the faster version must match).
    fn assign_by_scanning(v: &mut Village, s: &Scenario) {
        let cap = s
            .service_team
            .max_households_per_member
            .min(u32::from(u16::MAX)) as u16;
        for h in 0..v.households.len() {
            if v.households[h].contact != NO_CONTACT {
                continue;
            }
            let least = v
                .members
                .iter()
                .enumerate()
                .filter(|(_, m)| m.is_active() && m.assigned < cap)
                .min_by_key(|(i, m)| (m.assigned, *i))
                .map(|(i, _)| i);
            let Some(i) = least else { break };
            v.households[h].contact = i as u16;
            v.members[i].assigned += 1;
        }
    }

    #[test]
    fn contact_assignment_matches_scanning_every_member() {
        for (seed, coverage, cap) in [(1, 0.0, 3), (2, 0.5, 1000), (3, 0.9, 7), (4, 0.0, 1)] {
            let mut s = Scenario::defaults();
            s.world.contact_coverage = coverage;
            s.service_team.contact_assignment = true;
            s.service_team.max_households_per_member = cap;
            let mut v = build_village(&s, 0, seed);
            for (k, m) in v.members.iter_mut().enumerate() {
                if k % 3 == 1 {
                    m.status = MemberStatus::Migrated;
                }
            }
            let mut w = v.clone();
            once(assign_contacts, &mut v, &s);
            assign_by_scanning(&mut w, &s);
            assert_eq!(v.households, w.households, "seed {seed}");
            assert_eq!(v.members, w.members, "seed {seed}");
        }
    }

    #[test]
    fn the_load_cap_limits_coverage() {
        let mut s = Scenario::defaults();
        s.world.contact_coverage = 0.0;
        s.service_team.contact_assignment = true;
        s.service_team.max_households_per_member = 1;
        let mut v = build_village(&s, 0, 1);
        once(assign_contacts, &mut v, &s);
        let covered = v.households.iter().filter(|h| h.is_covered()).count();
        assert_eq!(covered, v.members.len().min(v.households.len()));
    }

    #[test]
    fn a_member_already_at_the_cap_gets_no_more_households() {
        let mut s = Scenario::defaults();
        s.world.contact_coverage = 0.0;
        s.service_team.contact_assignment = true;
        s.service_team.max_households_per_member = 2;
        let mut v = build_village(&s, 0, 1);
        assert!(v.households.iter().all(|h| !h.is_covered()));
        for m in v.members.iter_mut().step_by(2) {
            m.assigned = 2;
        }
        once(assign_contacts, &mut v, &s);
        for (i, m) in v.members.iter().enumerate() {
            let served = v
                .households
                .iter()
                .filter(|h| h.contact == i as u16)
                .count();
            let want = if i % 2 == 0 { 0 } else { 2 };
            assert_eq!((served, m.assigned), (want, 2), "member {i}");
        }
    }

    #[test]
    fn mutual_help_and_care_strengthen_the_team() {
        let mut s = Scenario::defaults();
        s.service_team.mutual_help_rate = 0.2;
        s.service_team.care_rate = 1.0;
        let mut v = build_village(&s, 0, 1);
        let weakest = v.members.iter().map(|m| m.skill).fold(1.0f32, f32::min);
        once(mutual_help, &mut v, &s);
        assert!(v.members.iter().map(|m| m.skill).fold(1.0f32, f32::min) > weakest);
        v.members[0].status = MemberStatus::Inactive;
        once(care, &mut v, &s);
        assert!(v.members[0].is_active());
    }

    #[test]
    fn care_draws_once_for_each_member_in_difficulty_and_for_no_one_else() {
        let mut s = Scenario::defaults();
        s.service_team.care_rate = 0.5;
        let mut v = build_village(&s, 0, 1);
        let statuses = [
            MemberStatus::Inactive,
            MemberStatus::Migrated,
            MemberStatus::Active,
            MemberStatus::Promoted,
        ];
        for (i, m) in v.members.iter_mut().enumerate() {
            m.status = statuses[i % 4];
        }
        let mut rng = v.rng.clone();
        let want: Vec<MemberStatus> = v
            .members
            .iter()
            .map(|m| match m.status {
                MemberStatus::Inactive if bernoulli(&mut rng, 0.5) => MemberStatus::Active,
                other => other,
            })
            .collect();
        once(care, &mut v, &s);
        let got: Vec<MemberStatus> = v.members.iter().map(|m| m.status).collect();
        assert_eq!(got, want);
        assert_eq!(v.rng, rng);
        // Some of those in difficulty recover this month and some do not.
        let recovered = want
            .iter()
            .step_by(4)
            .filter(|&&x| x == MemberStatus::Active)
            .count();
        assert!(recovered > 0 && recovered < v.members.len().div_ceil(4));
    }

    #[test]
    fn weak_villages_borrow_from_their_strongest_neighbour() {
        let mut s = Scenario::defaults();
        s.service_team.joint_branch = true;
        s.service_team.joint_branch_min_active = 10;
        s.world.villages_per_township = 2;
        let mut villages: Vec<_> = (0..2).map(|i| build_village(&s, i, 1)).collect();
        for m in villages[0].members.iter_mut().skip(3) {
            m.status = MemberStatus::Migrated;
        }
        villages[1].branch.spare_capacity = 10.0;
        pair_joint_branches(&mut villages, &s);
        assert!(villages[0].branch.joined && villages[0].branch.support_capacity > 0.0);
        assert_eq!(
            villages[1].branch.lent_capacity,
            villages[0].branch.support_capacity
        );
    }

    #[test]
    fn joint_branches_follow_their_rule_by_value_in_every_township() {
        let mut s = Scenario::defaults();
        s.service_team.joint_branch = true;
        s.service_team.joint_branch_min_active = 10;
        s.service_team.joint_branch_share = 0.4;
        s.world.villages_per_township = 4;
        // Active members of townships {0..3} and {4..7}; spare capacity.
        let active = [3, 9, 10, 12, 12, 12, 3, 2];
        let spare = [50.0, 50.0, 50.0, 10.0, 6.0, 100.0, 50.0, 50.0];
        let mut villages: Vec<_> = (0..8).map(|i| build_village(&s, i, 1)).collect();
        for (k, v) in villages.iter_mut().enumerate() {
            assert!(v.members.len() >= 12);
            for (i, m) in v.members.iter_mut().enumerate() {
                m.status = if i < active[k] {
                    MemberStatus::Active
                } else {
                    MemberStatus::Migrated
                };
            }
            v.branch.spare_capacity = spare[k];
        }
        pair_joint_branches(&mut villages, &s);
        // Township A: villages 0 and 1 are below 10 (2 is not) and share
        // λ_J of village 3's spare capacity. Township B: villages 4 and 5
        // tie at 12, the lower index lends to 6 and 7.
        let (a, b) = (0.4f32 * 10.0 / 2.0, 0.4f32 * 6.0 / 2.0);
        let support: Vec<f32> = villages.iter().map(|v| v.branch.support_capacity).collect();
        let lent: Vec<f32> = villages.iter().map(|v| v.branch.lent_capacity).collect();
        let joined: Vec<bool> = villages.iter().map(|v| v.branch.joined).collect();
        assert_eq!(support, [a, a, 0.0, 0.0, 0.0, 0.0, b, b]);
        assert_eq!(lent, [0.0, 0.0, 0.0, a * 2.0, b * 2.0, 0.0, 0.0, 0.0]);
        assert_eq!(joined, [true, true, false, false, false, false, true, true]);
        // Off: every pairing of last month is undone.
        s.service_team.joint_branch = false;
        pair_joint_branches(&mut villages, &s);
        assert!(villages.iter().all(|v| !v.branch.joined
            && v.branch.support_capacity == 0.0
            && v.branch.lent_capacity == 0.0));
    }

    #[test]
    fn serving_with_the_village_committee_adds_capacity_and_meetings() {
        use crate::rules::{effort, needs, service};
        let mut s = Scenario::defaults();
        s.world.contact_coverage = 0.3;
        s.environment.need_rate = 1.0;
        s.funds.enabled = false;
        let resolved = |s: &Scenario| {
            let mut v = build_village(s, 0, 4);
            let mut t = VillageTally::default();
            needs::arrive(&mut v, &MonthContext::at_start(s), &mut t);
            service::deliver(&mut v, &MonthContext::at_start(s), &mut t);
            t.needs_resolved
        };
        let alone = resolved(&s);
        let meetings = effort::mandated_formal(&s, false);
        s.service_team.joint_committee = true;
        s.service_team.committee_capacity = 40.0;
        assert!(resolved(&s) > alone, "{alone} → {}", resolved(&s));
        assert!(effort::mandated_formal(&s, false) > meetings);
    }
}
