//! Service innovation (`docs/model.md` §7.18; `[LearnServeInnovate]`), a Bass diffusion.
//!
//! A branch that has not adopted a new service mode adopts it in a month with
//! probability 2ℓ_eff·(p + q·F)/12, where p and q are Bass's yearly
//! coefficients, ℓ_eff the secretary's effective leadership (§7.11; the
//! factor 2ℓ_eff is 1 for an average secretary) and F the adopted share of its
//! township last month, in which branches with exemplary models count
//! 1 + w_X times. Adopters' capacity is multiplied by 1 + π_I. When the
//! assessment rewards innovation (w_I > 0), the hazard is multiplied by
//! 1 + w_I·ρ_sec, the secretary's reward for the score it brings.

use crate::metrics::VillageTally;
use crate::model::Village;
use crate::random::bernoulli;
use crate::rules::{MonthContext, leadership};
use crate::scenario::Scenario;

/// Capacity multiplier of the branch's service mode.
pub fn productivity(v: &Village, s: &Scenario) -> f64 {
    if v.branch.innovated {
        1.0 + s.innovation.productivity
    } else {
        1.0
    }
}

/// 1 + w_I·ρ_sec: how much harder the secretary looks for a new service
/// mode when the assessment rewards innovation (`[LearnServeInnovate]`, "three-level joint
/// innovation"): w_I is the score it adds and ρ_sec the secretary's value of
/// one more unit of score in the reward contest (eq. 7.4.4); 1 without an
/// active secretary or with w_I = 0.
pub fn assessed_drive(v: &Village, s: &Scenario) -> f64 {
    match v.secretary() {
        Some(sec) => {
            1.0 + s.incentive.innovation_weight * s.incentive.marginal_reward(sec.reward_chance)
        }
        None => 1.0,
    }
}

/// Possibly adopt this month, given the township's adopted share `f`.
pub fn adopt(v: &mut Village, ctx: &MonthContext<'_>, _tally: &mut VillageTally) {
    let s = ctx.policy;
    let f = ctx.adoption_in(v.township);
    let inn = &s.innovation;
    if !inn.enabled || v.branch.innovated {
        return;
    }
    let drive = 2.0 * leadership::effective(v, s) * assessed_drive(v, s);
    let p = (drive * (inn.external + inn.imitation * f) / 12.0).min(1.0);
    if bernoulli(&mut v.rng, p) {
        v.branch.innovated = true;
    }
}

/// Adopted share F of each township, exemplary branches weighted (county phase).
pub fn township_shares(villages: &[Village], s: &Scenario) -> Vec<f64> {
    let n = villages
        .iter()
        .map(|v| v.township as usize + 1)
        .max()
        .unwrap_or(0);
    let mut adopted = vec![0.0; n];
    let mut total = vec![0.0; n];
    for v in villages {
        let has_models = v.members.iter().any(|m| m.is_model);
        let w = 1.0
            + if has_models {
                s.innovation.exemplary_weight
            } else {
                0.0
            };
        total[v.township as usize] += w;
        if v.branch.innovated {
            adopted[v.township as usize] += w;
        }
    }
    adopted
        .iter()
        .zip(&total)
        .map(|(a, t)| if *t > 0.0 { a / t } else { 0.0 })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;

    #[test]
    fn adoption_follows_an_s_curve() {
        let mut s = Scenario::defaults();
        s.innovation.enabled = true;
        s.innovation.external = 0.05;
        s.innovation.imitation = 1.5;
        s.world.villages_per_township = 200;
        let mut villages: Vec<_> = (0..200).map(|i| build_village(&s, i, 1)).collect();
        let mut shares = Vec::new();
        for _ in 0..120 {
            let f = township_shares(&villages, &s)[0];
            shares.push(f);
            for v in &mut villages {
                let ctx = MonthContext {
                    adoption: &[f],
                    ..MonthContext::at_start(&s)
                };
                adopt(v, &ctx, &mut VillageTally::default());
            }
        }
        let gains: Vec<f64> = shares
            .windows(12)
            .step_by(12)
            .map(|w| w[11] - w[0])
            .collect();
        let peak = gains.iter().cloned().fold(0.0, f64::max);
        assert!(
            gains[0] < peak && *gains.last().unwrap() < peak,
            "{gains:?}"
        );
        assert!(*shares.last().unwrap() > 0.8);
    }

    /// A branch adopts with chance min(1, 2ℓ_eff·(1 + w_I·ρ_sec)·(p + q·F)/12),
    /// one uniform draw (§7.18): the same draws replayed from a copy of each
    /// village's stream at that chance give the same adopters.
    #[test]
    fn branches_adopt_at_the_documented_chance() {
        let mut s = Scenario::defaults();
        s.innovation.enabled = true;
        s.innovation.external = 0.9;
        s.innovation.imitation = 2.0;
        s.incentive.innovation_weight = 0.5;
        let f = 0.3;
        let ctx = MonthContext {
            adoption: &[f],
            ..MonthContext::at_start(&s)
        };
        let mut adopters = 0;
        for i in 0..300 {
            let mut v = build_village(&s, i, 1);
            v.township = 0;
            let drive = 2.0 * leadership::effective(&v, &s) * assessed_drive(&v, &s);
            let chance = (drive * (0.9 + 2.0 * f) / 12.0).min(1.0);
            let expected = bernoulli(&mut v.rng.clone(), chance);
            adopt(&mut v, &ctx, &mut VillageTally::default());
            assert_eq!(v.branch.innovated, expected, "village {i}, chance {chance}");
            adopters += usize::from(expected);
        }
        assert!(adopters > 10 && adopters < 290, "{adopters}");
        // A branch that has adopted draws nothing more.
        let mut v = build_village(&s, 0, 1);
        v.township = 0;
        v.branch.innovated = true;
        let stream = v.rng.clone();
        adopt(&mut v, &ctx, &mut VillageTally::default());
        assert!(v.rng == stream && v.branch.innovated);
    }

    /// F: a township's adopted share, a branch with exemplary models
    /// weighing 1 + w_X; each township on its own, 0 for one without
    /// villages.
    #[test]
    fn township_shares_weigh_branches_with_models() {
        let mut s = Scenario::defaults();
        s.innovation.exemplary_weight = 1.0;
        let mut villages: Vec<_> = (0..4).map(|i| build_village(&s, i, 1)).collect();
        for (v, (township, adopted, model)) in villages.iter_mut().zip([
            (0, true, true),
            (0, false, false),
            (0, false, true),
            (2, true, false),
        ]) {
            v.township = township;
            v.branch.innovated = adopted;
            for m in &mut v.members {
                m.is_model = false;
            }
            v.members[0].is_model = model;
        }
        // Township 0: weights 2 (adopted), 1 and 2; township 1 has no
        // village (share 0); township 2: 1 (adopted).
        assert_eq!(township_shares(&villages, &s), vec![0.4, 0.0, 1.0]);
    }

    #[test]
    fn adopters_are_more_productive_and_nothing_happens_when_off() {
        let s = Scenario::defaults();
        let mut v = build_village(&s, 0, 1);
        let ctx = MonthContext {
            adoption: &[1.0],
            ..MonthContext::at_start(&s)
        };
        adopt(&mut v, &ctx, &mut VillageTally::default());
        assert!(!v.branch.innovated);
        v.branch.innovated = true;
        assert!(productivity(&v, &s) > 1.0);
        assert_eq!(productivity(&v, &s), 1.0 + s.innovation.productivity);
    }

    #[test]
    fn an_assessment_that_rewards_innovation_speeds_adoption() {
        let mut s = Scenario::defaults();
        s.innovation.enabled = true;
        let adopted = |s: &Scenario| {
            let mut villages: Vec<_> = (0..100).map(|i| build_village(s, i, 1)).collect();
            for _ in 0..24 {
                for v in &mut villages {
                    let ctx = MonthContext {
                        adoption: &[0.2],
                        ..MonthContext::at_start(s)
                    };
                    adopt(v, &ctx, &mut VillageTally::default());
                }
            }
            villages.iter().filter(|v| v.branch.innovated).count()
        };
        let plain = adopted(&s);
        assert_eq!(assessed_drive(&build_village(&s, 0, 1), &s), 1.0);
        s.incentive.innovation_weight = 0.5;
        assert!(assessed_drive(&build_village(&s, 0, 1), &s) > 1.0);
        assert!(adopted(&s) > plain, "{plain} → {}", adopted(&s));
        // Nobody can be rewarded: counting innovation changes nothing.
        s.incentive.enabled = false;
        assert_eq!(assessed_drive(&build_village(&s, 0, 1), &s), 1.0);
    }
}
