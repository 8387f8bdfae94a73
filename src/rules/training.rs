//! Knowledge: training and skill (`docs/model.md` §7.15).
//!
//! Skills age as needs change and grow with practice: each month every
//! active member's skill moves by s ← s − d_s·s + ℓ_D·√e_R·(1 − s). With
//! training on, each active member is trained with
//! probability r_T and gains a share λ_T of the gap to 1 (a learning curve
//! with diminishing returns): s ← s + λ_T·(1 − s). Each training costs c_T
//! and takes a share t_T of the member's month away from service.

use crate::metrics::VillageTally;
use crate::model::Village;
use crate::random::bernoulli;
use crate::rules::MonthContext;

/// One month of skill decay and training.
pub fn train(v: &mut Village, ctx: &MonthContext<'_>, tally: &mut VillageTally) {
    let s = ctx.policy;
    let t = &s.training;
    let keep = 1.0 - t.skill_decay as f32;
    let learn = t.learning_rate as f32;
    let practice = t.learning_by_doing as f32;
    for m in v.members.iter_mut().filter(|m| m.is_active()) {
        m.skill = keep * m.skill + practice * m.effort.real_output() * (1.0 - m.skill);
        m.time_off = 0.0;
        if t.enabled && bernoulli(&mut v.rng, t.rate) {
            m.skill = (m.skill + learn * (1.0 - m.skill)).min(1.0);
            m.time_off = t.time as f32;
            tally.trainings += 1;
            tally.cost += t.cost;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;
    use crate::scenario::Scenario;

    fn mean_skill(enabled: bool) -> f32 {
        let mut s = Scenario::defaults();
        s.training.enabled = enabled;
        let mut v = build_village(&s, 0, 1);
        let mut t = VillageTally::default();
        for _ in 0..36 {
            train(&mut v, &MonthContext::at_start(&s), &mut t);
        }
        assert_eq!(t.trainings > 0, enabled);
        v.members.iter().map(|m| m.skill).sum::<f32>() / v.members.len() as f32
    }

    #[test]
    fn training_raises_mean_skill() {
        assert!(mean_skill(true) > mean_skill(false) + 0.02);
    }

    /// One month for a member trained for sure: s ← (1 − d_s)·s + ℓ_D·√e_R·(1
    /// − s), then s ← s + λ_T·(1 − s); each training counted at c_T.
    #[test]
    fn a_trained_members_skill_follows_the_documented_updates() {
        let mut s = Scenario::defaults();
        s.training.enabled = true;
        s.training.rate = 1.0;
        s.training.skill_decay = 0.1;
        s.training.learning_by_doing = 0.2;
        s.training.learning_rate = 0.3;
        s.training.cost = 1.5;
        let mut v = build_village(&s, 0, 1);
        let before: Vec<(bool, f32, f32)> = v
            .members
            .iter()
            .map(|m| (m.is_active(), m.skill, m.effort.real_output()))
            .collect();
        let mut t = VillageTally::default();
        train(&mut v, &MonthContext::at_start(&s), &mut t);
        let mut trained = 0;
        for ((active, skill, real), m) in before.iter().zip(&v.members) {
            if !active {
                assert_eq!(m.skill, *skill);
                continue;
            }
            trained += 1;
            let practised = 0.9 * skill + 0.2 * real * (1.0 - skill);
            let expected = (practised + 0.3 * (1.0 - practised)).min(1.0);
            assert!((m.skill - expected).abs() < 1e-6, "{} {expected}", m.skill);
        }
        assert!(trained > 0);
        assert_eq!(t.trainings, trained);
        assert_eq!(t.cost, 1.5 * trained as f64);
    }

    #[test]
    fn training_takes_time_from_service_in_the_month_trained() {
        use crate::rules::service;
        let mut s = Scenario::defaults();
        s.training.enabled = true;
        s.training.rate = 1.0;
        s.training.learning_rate = 0.0;
        s.training.skill_decay = 0.0;
        s.training.learning_by_doing = 0.0;
        let mut v = build_village(&s, 0, 1);
        service::set_capacities(&mut v, &s);
        let before: f32 = v.members.iter().map(|m| m.capacity).sum();
        train(
            &mut v,
            &MonthContext::at_start(&s),
            &mut VillageTally::default(),
        );
        service::set_capacities(&mut v, &s);
        let after: f32 = v.members.iter().map(|m| m.capacity).sum();
        // Capacity is κ·Π·s·√(e_R·(1 − t_T)): the time off costs √(1 − t_T).
        let ratio = (1.0 - s.training.time).sqrt() as f32;
        assert!((after / before - ratio).abs() < 1e-5, "{before} → {after}");
        assert!(
            v.members
                .iter()
                .all(|m| m.time_off == s.training.time as f32)
        );
    }
}
