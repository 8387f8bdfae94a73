//! Main traction: the secretary's leadership (`docs/model.md` §7.11).
//!
//! The branch's capacity multiplier is L = 1 + α_L·(2ℓ_eff − 1), with
//! ℓ_eff = clamp(ℓ_sec − κ_X·max(0, 1 − τ/T_X) + g_H + β_P·4P(1 − P)·[tournament], 0, 1)
//! (eq. 7.11.1): the secretary's talent less their inexperience in their
//! τ-th month in office, higher-level guidance, and, with the tournament on,
//! its pull, strongest when the promotion chance P is near one half (Lazear
//! & Rosen). A branch
//! without an active secretary has ℓ_eff = 0. At each assessment, with the
//! tournament on, the top share of branches by score see their secretary
//! promoted out of the village; every branch's chance is then
//! P = 1 / (1 + exp(−(score − c)/K_P)), c being the lowest promoted score.
//! A new secretary lacks experience: ℓ_sec is lowered by κ_X·max(0, 1 − τ/T_X)
//! in the τ-th month in office (τ = 0 the month they take office).

use crate::metrics::{CountyTally, VillageTally};
use crate::model::{MemberStatus, Village};
use crate::rules::{MonthContext, crowding};
use crate::scenario::Scenario;

/// ℓ_eff of the branch's secretary.
pub fn effective(v: &Village, s: &Scenario) -> f64 {
    let l = &s.leadership;
    let Some(secretary) = v.secretary() else {
        return 0.0;
    };
    let p = f64::from(v.branch.promotion_chance);
    let pull = if l.tournament {
        l.promotion_response * 4.0 * p * (1.0 - p)
    } else {
        0.0
    };
    (f64::from(secretary.leadership) - inexperience(v.branch.tenure, s) + l.higher_guidance + pull)
        .clamp(0.0, 1.0)
}

/// κ_X·max(0, 1 − τ/T_X): what a secretary in office for τ months lacks.
pub fn inexperience(tenure: u16, s: &Scenario) -> f64 {
    let l = &s.leadership;
    l.experience_loss * (1.0 - f64::from(tenure) / f64::from(l.experience_months)).max(0.0)
}

/// Set the branch's multiplier L from its secretary.
pub fn update(v: &mut Village, ctx: &MonthContext<'_>, _tally: &mut VillageTally) {
    let s = ctx.policy;
    let alpha = s.leadership.strength;
    v.branch.leadership = (1.0 + alpha * (2.0 * effective(v, s) - 1.0)) as f32;
    if v.secretary().is_some() {
        v.branch.tenure = v.branch.tenure.saturating_add(1);
    }
}

/// The promotion tournament at an assessment (county phase).
pub fn promote(villages: &mut [Village], s: &Scenario, tally: &mut CountyTally) {
    let l = &s.leadership;
    if !l.tournament || villages.is_empty() {
        return;
    }
    let mut order: Vec<(f32, u32)> = villages.iter().map(|v| (v.branch.score, v.id)).collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let n = ((l.promotion_share * order.len() as f64).round() as usize).min(order.len());
    let cutoff = if n > 0 {
        order[n - 1].0
    } else {
        order[0].0 + 1.0
    };
    for &(_, id) in &order[..n] {
        let v = &mut villages[id as usize];
        let sec = v.branch.secretary as usize;
        if v.members[sec].is_active() {
            v.members[sec].status = MemberStatus::Promoted;
            v.members[sec].honours = v.members[sec].honours.saturating_add(1);
            v.release_contacts(sec);
            tally.promotions += 1;
        }
    }
    for v in villages.iter_mut() {
        // A sitting secretary who was not promoted is passed over (§7.13).
        let expected = v.branch.promotion_chance;
        if let Some(sec) = v.members.get_mut(v.branch.secretary as usize)
            && sec.is_active()
        {
            crowding::after_passed_over(sec, s, expected);
        }
        let z = f64::from(v.branch.score - cutoff) / l.promotion_noise;
        v.branch.promotion_chance = (1.0 / (1.0 + (-z).exp())) as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;

    #[test]
    fn a_talented_secretary_multiplies_capacity() {
        let s = Scenario::defaults();
        let mut v = build_village(&s, 0, 1);
        let sec = v.branch.secretary as usize;
        v.members[sec].leadership = 0.9;
        update(
            &mut v,
            &MonthContext::at_start(&s),
            &mut VillageTally::default(),
        );
        let strong = v.branch.leadership;
        v.members[sec].leadership = 0.2;
        update(
            &mut v,
            &MonthContext::at_start(&s),
            &mut VillageTally::default(),
        );
        assert!(strong > 1.0 && v.branch.leadership < 1.0);
    }

    #[test]
    fn a_new_secretary_lacks_experience_for_a_while() {
        let mut s = Scenario::defaults();
        s.leadership.experience_loss = 0.1;
        s.leadership.experience_months = 12;
        let mut v = build_village(&s, 0, 1);
        let ctx = MonthContext::at_start(&s);
        update(&mut v, &ctx, &mut VillageTally::default());
        let established = v.branch.leadership;
        v.branch.tenure = 0;
        update(&mut v, &ctx, &mut VillageTally::default());
        let new = v.branch.leadership;
        assert!(new < established - 0.05, "{established} vs {new}");
        for _ in 0..12 {
            update(&mut v, &ctx, &mut VillageTally::default());
        }
        assert_eq!(v.branch.leadership, established);
    }

    #[test]
    fn higher_guidance_raises_leadership() {
        let mut s = Scenario::defaults();
        let mut v = build_village(&s, 0, 1);
        update(
            &mut v,
            &MonthContext::at_start(&s),
            &mut VillageTally::default(),
        );
        let before = v.branch.leadership;
        s.leadership.higher_guidance = 0.2;
        update(
            &mut v,
            &MonthContext::at_start(&s),
            &mut VillageTally::default(),
        );
        assert!(v.branch.leadership > before);
    }

    #[test]
    fn the_tournament_pulls_hardest_on_close_contenders() {
        let mut s = Scenario::defaults();
        s.leadership.tournament = true;
        let mut v = build_village(&s, 0, 1);
        v.branch.promotion_chance = 0.5;
        let close = effective(&v, &s);
        v.branch.promotion_chance = 0.02;
        let far = effective(&v, &s);
        assert!(close > far);
    }

    #[test]
    fn effective_leadership_follows_eq_7_11_1_by_value() {
        let mut s = Scenario::defaults();
        s.leadership.tournament = true;
        s.leadership.promotion_response = 0.2;
        s.leadership.higher_guidance = 0.05;
        s.leadership.experience_loss = 0.1;
        s.leadership.experience_months = 12;
        let mut v = build_village(&s, 0, 1);
        let sec = v.branch.secretary as usize;
        v.members[sec].leadership = 0.3;
        v.branch.promotion_chance = 0.3;
        v.branch.tenure = 3;
        let (l, p) = (f64::from(0.3f32), f64::from(0.3f32));
        // ℓ − κ_X(1 − τ/T_X) + g_H + β_P·4P(1 − P)
        let want = l - 0.1 * (1.0 - 3.0 / 12.0) + 0.05 + 0.2 * 4.0 * p * (1.0 - p);
        assert!(
            (effective(&v, &s) - want).abs() < 1e-12,
            "{}",
            effective(&v, &s)
        );
        s.leadership.tournament = false;
        assert!((effective(&v, &s) - (want - 0.2 * 4.0 * p * (1.0 - p))).abs() < 1e-12);
        // Clamped to [0, 1].
        v.members[sec].leadership = 0.99;
        s.leadership.higher_guidance = 0.5;
        assert_eq!(effective(&v, &s), 1.0);
        v.members[sec].leadership = 0.0;
        s.leadership.higher_guidance = 0.0;
        assert_eq!(effective(&v, &s), 0.0);
    }

    /// Eight villages with a tournament promoting the top quarter, branch
    /// scores rising with the village index.
    fn tournament() -> (Scenario, Vec<Village>) {
        let mut s = Scenario::defaults();
        s.leadership.tournament = true;
        s.leadership.promotion_share = 0.25;
        let mut villages: Vec<_> = (0..8).map(|i| build_village(&s, i, 2)).collect();
        for v in &mut villages {
            v.branch.score = v.id as f32 / 10.0;
        }
        (s, villages)
    }

    #[test]
    fn promotion_takes_the_top_secretaries_away() {
        let (s, mut villages) = tournament();
        let mut t = CountyTally::default();
        promote(&mut villages, &s, &mut t);
        assert_eq!(t.promotions, 2);
        assert!(villages[7].secretary().is_none() && villages[6].secretary().is_none());
        assert!(villages[0].secretary().is_some());
        assert!(villages[5].branch.promotion_chance > villages[0].branch.promotion_chance);
    }

    #[test]
    fn promotion_chances_follow_eq_7_11_2_from_the_lowest_promoted_score() {
        let logistic = |z: f64| (1.0 / (1.0 + (-z).exp())) as f32;
        let chances = |villages: &[Village]| -> Vec<f32> {
            villages.iter().map(|v| v.branch.promotion_chance).collect()
        };
        // Top quarter of eight: villages 7 and 6, so c = 0.6.
        let (mut s, mut villages) = tournament();
        promote(&mut villages, &s, &mut CountyTally::default());
        let k = s.leadership.promotion_noise;
        let want: Vec<f32> = (0..8)
            .map(|i| logistic(f64::from(i as f32 / 10.0 - 6.0f32 / 10.0) / k))
            .collect();
        assert_eq!(chances(&villages), want);
        // Nobody promoted: c is the highest score plus 1.
        s.leadership.promotion_share = 0.01;
        let (_, mut villages) = tournament();
        let mut t = CountyTally::default();
        promote(&mut villages, &s, &mut t);
        assert_eq!(t.promotions, 0);
        let want: Vec<f32> = (0..8)
            .map(|i| logistic(f64::from(i as f32 / 10.0 - (7.0f32 / 10.0 + 1.0)) / k))
            .collect();
        assert_eq!(chances(&villages), want);
        // Without the tournament nothing happens; nor in a county of no villages.
        s.leadership.promotion_share = 0.25;
        s.leadership.tournament = false;
        let (_, mut villages) = tournament();
        promote(&mut villages, &s, &mut t);
        assert_eq!(t.promotions, 0);
        assert!(chances(&villages).iter().all(|&p| p == 0.0));
        assert!(villages.iter().all(|v| v.secretary().is_some()));
        s.leadership.tournament = true;
        promote(&mut [], &s, &mut t);
        assert_eq!(t.promotions, 0);
    }

    #[test]
    fn secretaries_passed_over_lose_drive_by_how_much_they_hoped() {
        let (mut s, mut villages) = tournament();
        for v in &mut villages {
            v.branch.promotion_chance = if v.id == 5 { 0.9 } else { 0.1 };
            let sec = v.branch.secretary as usize;
            v.members[sec].motivation = 0.5;
        }
        promote(&mut villages, &s, &mut CountyTally::default());
        let drive = |v: &Village| v.secretary().unwrap().motivation;
        assert!(
            drive(&villages[5]) < drive(&villages[0]),
            "the hopeful lose more"
        );
        assert!(drive(&villages[0]) < 0.5);
        s.crowding.enabled = false;
        let mut calm: Vec<_> = (0..8).map(|i| build_village(&s, i, 2)).collect();
        let before = drive(&calm[5]);
        promote(&mut calm, &s, &mut CountyTally::default());
        assert_eq!(drive(&calm[5]), before);
    }
}
