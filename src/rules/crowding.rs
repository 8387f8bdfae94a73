//! Motivation crowding (`docs/model.md` §7.13; Frey 1993, Frey & Jegen 2001).
//!
//! Controlling interventions crowd intrinsic motivation out, supportive ones
//! crowd it in. Each event moves θ, not the lasting disposition θ̂, so its
//! effect recovers as θ fades back toward θ̂ at rate δ (§7.12; half-life
//! ln 2 / −ln(1 − δ) months):
//! - an inspection: θ ← (1 − c_I)·θ;
//! - a reward with material share m and recognition share 1 − m of its value:
//!   θ ← θ − c_M·m·θ + c_R·(1 − m)·(1 − θ);
//! - designation as a model (recognition): θ ← θ + c_R·(1 − θ);
//! - passed over at an assessment with an expected chance of reward P:
//!   θ ← (1 − c_P·P)·θ.

use crate::model::Member;
use crate::scenario::Scenario;

fn apply(m: &mut Member, f: impl Fn(f32) -> f32) {
    m.motivation = f(m.motivation).clamp(0.0, 1.0);
}

/// After the member is inspected.
pub fn after_inspection(m: &mut Member, s: &Scenario) {
    let c = &s.crowding;
    if c.enabled && c.inspection > 0.0 {
        let keep = 1.0 - c.inspection as f32;
        apply(m, |x| keep * x);
    }
}

/// After the member is rewarded.
pub fn after_reward(m: &mut Member, s: &Scenario) {
    let c = &s.crowding;
    // Rewards are given only with the incentive system on, where ρ is the
    // reward's whole value.
    if !c.enabled || s.incentive.reward_value() <= 0.0 {
        return;
    }
    let material = s.incentive.material_share() as f32;
    let (out, inn) = (
        c.material as f32 * material,
        c.recognition as f32 * (1.0 - material),
    );
    apply(m, |x| x - out * x + inn * (1.0 - x));
}

/// After an assessment at which the member, who expected a reward with
/// chance `expected`, was not rewarded (`[Implementing]` §2.4: passed over, drive lost).
pub fn after_passed_over(m: &mut Member, s: &Scenario, expected: f32) {
    let c = &s.crowding;
    if c.enabled && c.passed_over > 0.0 {
        let keep = 1.0 - c.passed_over as f32 * expected;
        apply(m, |x| keep * x);
    }
}

/// After the member is designated an exemplary model.
pub fn after_designation(m: &mut Member, s: &Scenario) {
    let c = &s.crowding;
    if c.enabled {
        let inn = c.recognition as f32;
        apply(m, |x| x + inn * (1.0 - x));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;

    fn member() -> Member {
        let mut m = build_village(&Scenario::defaults(), 0, 1).members[0].clone();
        m.motivation = 0.5;
        m.disposition = 0.5;
        m
    }

    #[test]
    fn inspection_crowds_out_and_zero_strength_does_nothing() {
        let mut s = Scenario::defaults();
        let mut m = member();
        after_inspection(&mut m, &s);
        assert!(m.motivation < 0.5);
        assert_eq!(
            m.disposition, 0.5,
            "crowding leaves the lasting disposition"
        );
        s.crowding.inspection = 0.0;
        let mut m = member();
        after_inspection(&mut m, &s);
        assert_eq!(m.motivation, 0.5);
    }

    /// With crowding off no event moves motivation, whatever its strength.
    #[test]
    fn with_crowding_off_nothing_moves_motivation() {
        let mut s = Scenario::defaults();
        s.crowding.enabled = false;
        s.crowding.inspection = 0.3;
        s.crowding.material = 0.3;
        s.crowding.recognition = 0.3;
        s.crowding.passed_over = 0.3;
        s.incentive.material_reward = 1.0;
        s.incentive.spiritual_reward = 1.0;
        assert!(s.incentive.reward_value() > 0.0);
        let mut m = member();
        after_inspection(&mut m, &s);
        after_reward(&mut m, &s);
        after_passed_over(&mut m, &s, 0.8);
        after_designation(&mut m, &s);
        assert_eq!(m.motivation, 0.5);
    }

    /// Each event's documented law, by value (§7.13).
    #[test]
    fn each_event_moves_motivation_by_its_documented_law() {
        let mut s = Scenario::defaults();
        s.crowding.enabled = true;
        s.crowding.inspection = 0.1;
        s.crowding.material = 0.2;
        s.crowding.recognition = 0.3;
        s.crowding.passed_over = 0.4;
        s.incentive.material_reward = 1.0;
        s.incentive.spiritual_reward = 1.0;
        let share = s.incentive.material_share();
        assert!(share > 0.0 && share < 1.0, "{share}");
        let close = |a: f32, b: f64| (f64::from(a) - b).abs() < 1e-6;
        // θ = 0.4, so that θ and 1 − θ differ.
        let at = |theta: f32| Member {
            motivation: theta,
            ..member()
        };
        let mut m = at(0.4);
        after_inspection(&mut m, &s);
        assert!(close(m.motivation, 0.9 * 0.4), "{}", m.motivation);
        let mut m = at(0.4);
        after_reward(&mut m, &s);
        let expected = 0.4 - 0.2 * share * 0.4 + 0.3 * (1.0 - share) * 0.6;
        assert!(close(m.motivation, expected), "{} {expected}", m.motivation);
        let mut m = at(0.4);
        after_designation(&mut m, &s);
        assert!(close(m.motivation, 0.4 + 0.3 * 0.6), "{}", m.motivation);
        let mut m = at(0.4);
        after_passed_over(&mut m, &s, 0.5);
        assert!(
            close(m.motivation, (1.0 - 0.4 * 0.5) * 0.4),
            "{}",
            m.motivation
        );
    }

    #[test]
    fn material_rewards_crowd_out_and_recognition_crowds_in() {
        let mut s = Scenario::defaults();
        s.incentive.material_reward = 1.0;
        s.incentive.political_reward = 0.0;
        s.incentive.spiritual_reward = 0.0;
        let mut m = member();
        after_reward(&mut m, &s);
        assert!(m.motivation < 0.5);
        s.incentive.material_reward = 0.0;
        s.incentive.spiritual_reward = 1.0;
        let mut m = member();
        after_reward(&mut m, &s);
        assert!(m.motivation > 0.5);
        let mut m = member();
        after_designation(&mut m, &s);
        assert!(m.motivation > 0.5);
    }

    #[test]
    fn being_passed_over_costs_drive_in_proportion_to_the_expected_chance() {
        let s = Scenario::defaults();
        let mut hopeful = member();
        after_passed_over(&mut hopeful, &s, 0.8);
        let mut resigned = member();
        after_passed_over(&mut resigned, &s, 0.05);
        assert!(hopeful.motivation < resigned.motivation && resigned.motivation < 0.5);
    }

    #[test]
    fn crowding_out_recovers_as_motivation_fades_back_to_the_disposition() {
        use crate::metrics::VillageTally;
        use crate::rules::{MonthContext, spiritual};
        let s = Scenario::defaults();
        let mut v = build_village(&s, 0, 1);
        for m in &mut v.members {
            m.motivation = 0.5;
            m.disposition = 0.5;
            for _ in 0..5 {
                after_inspection(m, &s);
            }
        }
        let dented = v.members[0].motivation;
        assert!(dented < 0.46);
        for _ in 0..36 {
            spiritual::update_motivation(
                &mut v,
                &MonthContext::at_start(&s),
                &mut VillageTally::default(),
            );
        }
        let m = &v.members[0];
        assert!(
            m.motivation > dented + 0.5 * (0.5 - dented),
            "{}",
            m.motivation
        );
    }
}
