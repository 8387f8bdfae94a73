//! Hollowing out (`docs/model.md` §7.10).
//!
//! Each month an active working-age member migrates with hazard
//! h = min(1, h₀·exp(ε·(w − 1) − ψ·θ)) — the pay gap pushes, intrinsic
//! motivation holds (Buurman & Dur) — and any active member falls into
//! difficulty with probability d. Migrated members return with probability
//! r, members in difficulty recover with probability ρ_R. A member who leaves
//! service drops their households' contact. The pay gap also erodes the
//! motivation and disposition of active members: θ ← θ·(1 − φ·max(0, w − 1)).
//! An ordinary household becomes left-behind with hazard h_H·exp(ε·(w − 1));
//! a left-behind household's migrants return with probability r_H.

use crate::metrics::VillageTally;
use crate::model::{HouseholdType, MemberStatus, Village};
use crate::random::{Chance, Skips, bernoulli};
use crate::rules::MonthContext;
use crate::scenario::Scenario;

/// Migration hazard of an active working-age member with motivation θ.
pub fn member_hazard(s: &Scenario, motivation: f32) -> f64 {
    let m = &s.migration;
    (m.member_hazard
        * (m.wage_elasticity * (m.wage_ratio - 1.0)
            - m.motivation_retention * f64::from(motivation))
        .exp())
    .min(1.0)
}

/// Move members and households in and out for one month.
pub fn move_people(v: &mut Village, ctx: &MonthContext<'_>, tally: &mut VillageTally) {
    let s = ctx.policy;
    let m = &s.migration;
    if !m.enabled {
        return;
    }
    let erosion = (m.pay_gap_erosion * (m.wage_ratio - 1.0).max(0.0)).min(1.0) as f32;
    // Contacts of the members who leave are released together after the
    // loop (nothing in it reads them): one pass over the households.
    let difficulty = Chance::new(m.difficulty_hazard);
    let (member_return, recovery) = (Chance::new(m.return_rate), Chance::new(m.recovery_rate));
    let mut left = Vec::new();
    for i in 0..v.members.len() {
        let member = &v.members[i];
        let leaves = match member.status {
            MemberStatus::Active => {
                if member.working_age && bernoulli(&mut v.rng, member_hazard(s, member.motivation))
                {
                    tally.migrations += 1;
                    Some(MemberStatus::Migrated)
                } else if difficulty.draw(&mut v.rng) {
                    Some(MemberStatus::Inactive)
                } else {
                    None
                }
            }
            MemberStatus::Migrated => {
                if member_return.draw(&mut v.rng) {
                    v.members[i].status = MemberStatus::Active;
                }
                None
            }
            MemberStatus::Inactive => {
                if recovery.draw(&mut v.rng) {
                    v.members[i].status = MemberStatus::Active;
                }
                None
            }
            MemberStatus::Promoted => None,
        };
        if let Some(status) = leaves {
            v.members[i].status = status;
            left.push(i);
        }
        let member = &mut v.members[i];
        if member.is_active() && erosion > 0.0 {
            member.motivation *= 1.0 - erosion;
            member.disposition *= 1.0 - erosion;
        }
    }
    v.release_contacts_of(&left);
    let leave = (m.household_hazard * (m.wage_elasticity * (m.wage_ratio - 1.0)).exp()).min(1.0);
    // Each ordinary household leaves with chance `leave` and each
    // left-behind one's migrants return with chance r_H, drawn by skipping:
    // the number of households of the kind passed over before the next
    // change (`docs/model.md` §7.10).
    let (leave, back) = (Skips::new(leave), Skips::new(m.household_return_rate));
    let mut until_leave = leave.draw(&mut v.rng);
    let mut until_back = back.draw(&mut v.rng);
    // The counts fall without a branch on the household's type (random
    // data); only a change, which is rare, branches.
    for h in &mut v.households {
        let ordinary = h.kind == HouseholdType::Ordinary;
        let left_behind = h.kind == HouseholdType::LeftBehind;
        if ordinary & (until_leave == 0) {
            h.kind = HouseholdType::LeftBehind;
            until_leave = leave.draw(&mut v.rng);
        } else if left_behind & (until_back == 0) {
            h.kind = HouseholdType::Ordinary;
            until_back = back.draw(&mut v.rng);
        } else {
            until_leave -= u64::from(ordinary);
            until_back -= u64::from(left_behind);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;

    fn after_years(wage_ratio: f64) -> (usize, f32, usize) {
        let mut s = Scenario::defaults();
        s.migration.wage_ratio = wage_ratio;
        s.migration.return_rate = 0.0;
        // Low enough that five years do not empty the village at either ratio.
        s.migration.member_hazard = 0.003;
        let mut v = build_village(&s, 0, 3);
        let mut t = VillageTally::default();
        for _ in 0..60 {
            move_people(&mut v, &MonthContext::at_start(&s), &mut t);
        }
        let active = v.active_members();
        let motivation =
            v.members.iter().map(|m| m.motivation).sum::<f32>() / v.members.len() as f32;
        let left = v
            .households
            .iter()
            .filter(|h| h.kind == HouseholdType::LeftBehind)
            .count();
        (active, motivation, left)
    }

    #[test]
    fn a_higher_migrant_wage_ratio_means_fewer_active_members_and_more_left_behind() {
        let (active_low, motivation_low, left_low) = after_years(1.0);
        let (active_high, motivation_high, left_high) = after_years(4.0);
        assert!(active_high < active_low, "{active_high} {active_low}");
        assert!(motivation_high < motivation_low);
        assert!(left_high > left_low);
    }

    #[test]
    fn motivated_members_are_less_likely_to_leave() {
        let s = Scenario::defaults();
        assert!(member_hazard(&s, 0.9) < member_hazard(&s, 0.1));
    }

    /// h = min(1, h₀·exp(ε·(w − 1) − ψ·θ)) term by term (§7.10).
    #[test]
    fn the_member_hazard_is_the_documented_law() {
        let mut s = Scenario::defaults();
        s.migration.member_hazard = 0.05;
        s.migration.wage_elasticity = 0.8;
        s.migration.wage_ratio = 1.5;
        s.migration.motivation_retention = 2.0;
        let expected = 0.05 * (0.8 * 0.5 - 2.0 * 0.25f64).exp();
        assert!((member_hazard(&s, 0.25) - expected).abs() < 1e-12);
        s.migration.wage_ratio = 3.0;
        assert!((member_hazard(&s, 0.0) - 0.05 * 1.6f64.exp()).abs() < 1e-12);
        s.migration.member_hazard = 0.9;
        assert_eq!(member_hazard(&s, 0.0), 1.0);
    }

    /// The pay gap erodes the motivation and disposition of active members
    /// by the factor 1 − φ·max(0, w − 1), and of nobody else; without a
    /// gap nothing erodes.
    #[test]
    fn the_pay_gap_erodes_active_members_only_by_its_factor() {
        let mut s = Scenario::defaults();
        s.migration.member_hazard = 0.0;
        s.migration.difficulty_hazard = 0.0;
        s.migration.return_rate = 0.0;
        s.migration.recovery_rate = 0.0;
        s.migration.pay_gap_erosion = 0.2;
        for (wage_ratio, factor) in [(1.5, 1.0 - (0.2f64 * 0.5) as f32), (1.0, 1.0), (0.5, 1.0)] {
            s.migration.wage_ratio = wage_ratio;
            let mut v = build_village(&s, 0, 3);
            v.members[0].status = MemberStatus::Migrated;
            v.members[1].status = MemberStatus::Inactive;
            let before: Vec<(MemberStatus, f32, f32)> = v
                .members
                .iter()
                .map(|m| (m.status, m.motivation, m.disposition))
                .collect();
            move_people(
                &mut v,
                &MonthContext::at_start(&s),
                &mut VillageTally::default(),
            );
            for ((status, motivation, disposition), m) in before.iter().zip(&v.members) {
                let f = if *status == MemberStatus::Active {
                    factor
                } else {
                    1.0
                };
                assert_eq!(m.motivation, motivation * f, "w {wage_ratio} {status:?}");
                assert_eq!(m.disposition, disposition * f, "w {wage_ratio} {status:?}");
            }
        }
    }

    #[test]
    fn leaving_members_drop_their_households() {
        let mut s = Scenario::defaults();
        s.migration.member_hazard = 1.0;
        s.migration.wage_ratio = 5.0;
        s.world.share_working_age = 1.0;
        let mut v = build_village(&s, 0, 3);
        let mut t = VillageTally::default();
        let active = v.active_members();
        assert!(active > 0);
        move_people(&mut v, &MonthContext::at_start(&s), &mut t);
        assert_eq!(v.active_members(), 0);
        assert_eq!(t.migrations, active as u64, "every departure counted");
        assert!(v.households.iter().all(|h| !h.is_covered()));
    }

    /// Households leave and return by skipping with the chances of
    /// §7.10: a month's share of ordinary households that become
    /// left-behind is min(1, h_H·exp(ε·(w − 1))), and of left-behind ones that
    /// return r_H.
    #[test]
    fn households_leave_and_return_at_their_chances() {
        let mut s = Scenario::defaults();
        s.migration.wage_ratio = 1.0;
        s.migration.household_hazard = 0.3;
        s.migration.household_return_rate = 0.2;
        let mut v = build_village(&s, 0, 3);
        let (mut left, mut returned, mut ordinary, mut behind) = (0u32, 0u32, 0u32, 0u32);
        for month in 0..2000 {
            for (i, h) in v.households.iter_mut().enumerate() {
                h.kind = if (i + month) % 2 == 0 {
                    HouseholdType::Ordinary
                } else {
                    HouseholdType::LeftBehind
                };
            }
            let kinds: Vec<HouseholdType> = v.households.iter().map(|h| h.kind).collect();
            move_people(
                &mut v,
                &MonthContext::at_start(&s),
                &mut VillageTally::default(),
            );
            for (before, h) in kinds.iter().zip(&v.households) {
                match before {
                    HouseholdType::Ordinary => {
                        ordinary += 1;
                        left += u32::from(h.kind == HouseholdType::LeftBehind);
                    }
                    _ => {
                        behind += 1;
                        returned += u32::from(h.kind == HouseholdType::Ordinary);
                    }
                }
            }
        }
        let leave_share = f64::from(left) / f64::from(ordinary);
        let return_share = f64::from(returned) / f64::from(behind);
        // Tolerances of about four standard errors: a countdown off by one
        // (a chance of 0.3/1.3 or 0.2/1.2) falls far outside.
        assert!((leave_share - 0.3).abs() < 0.005, "{leave_share}");
        assert!((return_share - 0.2).abs() < 0.005, "{return_share}");
    }
}
