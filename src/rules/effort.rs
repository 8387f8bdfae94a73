//! Effort choice (`docs/model.md` §7.3): a multitask allocation of time.
//!
//! A member splits working time into real service e_R, formal activity e_F
//! and private work e_P (e_R + e_F + e_P = 1). Mandated meetings and records,
//! education sessions and campaign activities take a share m(t) of the time
//! as formal activity whatever the incentives (eq. 7.3.0). The rest is
//! discretionary and goes to the tasks in proportion to their marginal
//! values raised to the elasticity ε (eq. 7.3.4):
//!
//! A_R = v·θ·s + ρ_i·(w̃_O + w̃_M)·s + f·D_S,
//! A_F = ρ_i·w̃_F − f·D_F + f·R,
//! A_P = π + ρ_i·w̃_E,
//!
//! with ρ_i the expected reward of one more unit of score (a contest,
//! §7.4), w̃ the score weights as members know them (limited attention:
//! they close a share α_A of the gap to the weights in force each month),
//! D_S, D_F the perceived chances that shirking and formalism are looked
//! into, and R the sanctions that visible records avert when inspections
//! check paperwork. Members move a share λ of the way toward the noisy best
//! split each month (habit); a member who has adopted an exemplary practice
//! (§7.7) first moves the best split a share β toward it. Formalism is not imposed beyond the mandated
//! time: it grows when ρ_i·w̃_F is large against the value of real service.

use crate::metrics::VillageTally;
use crate::model::{EffortSplit, Member, ScoreWeights, Village};
use crate::random::standard_normal;
use crate::scenario::Scenario;

use super::MonthContext;

/// m(t): the share of time mandated formal activity takes this month —
/// meetings and records, education sessions held in person, a campaign's
/// activities and joint meetings with the village committee
/// (`docs/model.md` §7.3, eq. 7.3.0).
pub fn mandated_formal(s: &Scenario, campaign: bool) -> f64 {
    let sp = &s.spiritual;
    let education = if sp.enabled {
        sp.education_intensity * sp.session_time
    } else {
        0.0
    };
    let activities = if campaign {
        s.supervision.campaign_activity_time
    } else {
        0.0
    };
    let st = &s.service_team;
    let committee = if st.joint_committee {
        st.committee_meeting_time
    } else {
        0.0
    };
    (s.effort.mandated_formal + education + activities + committee).min(1.0)
}

/// Marginal values (A_R, A_F, A_P) of the three tasks for a member who
/// knows the score weights `weights` (eq. 7.3.2).
pub fn marginal_values(
    s: &Scenario,
    m: &Member,
    inspection: f64,
    weights: &ScoreWeights,
) -> [f64; 3] {
    let rho = s.incentive.marginal_reward(m.reward_chance);
    let sanction = s.supervision.sanction;
    let skill = f64::from(m.skill);
    let d = detection(s, m, inspection);
    let a_real = s.effort.intrinsic_value * f64::from(m.motivation) * skill
        + rho * f64::from(weights.outcome + weights.mass) * skill
        + sanction * d.shirking;
    let a_formal =
        rho * f64::from(weights.formal) - sanction * d.formalism + sanction * d.records_shield;
    let a_private = s.effort.private_return + rho * f64::from(weights.economic);
    [a_real, a_formal, a_private]
}

/// What a member expects supervision to look into this month (eq. 7.3.3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// D_S: chance that shirking is found out, per unit of shirking.
    pub shirking: f64,
    /// D_F: chance that formal activity is seen through, per unit of it.
    pub formalism: f64,
    /// R: sanctions per unit of formal output that records avert at an
    /// inspection that checks paperwork.
    pub records_shield: f64,
}

/// Perceived chances that shirking and formalism are looked into this
/// month: by inspection (I; an inspection finds shirking only where records
/// do not cover it, and sees through formal activity with probability χ)
/// or by a mass-supervision investigation P_M (`docs/model.md` §7.3, eq. 7.3.3).
pub fn detection(s: &Scenario, m: &Member, inspection: f64) -> Detection {
    let sup = &s.supervision;
    if !sup.enabled {
        return Detection {
            shirking: 0.0,
            formalism: 0.0,
            records_shield: 0.0,
        };
    }
    let expected_reports = f64::from(m.assigned)
        * sup.mass_supervision
        * f64::from(m.contact_trust)
        * f64::from(m.unmet_share);
    let p_mass = poisson_tail(expected_reports, sup.report_threshold);
    let covered = sup.records_check * f64::from(m.effort.formal_output());
    let shirk = 1.0 - f64::from(m.effort.real_output());
    Detection {
        shirking: 1.0 - (1.0 - inspection * (1.0 - covered)) * (1.0 - p_mass),
        formalism: 1.0 - (1.0 - sup.inspection_sees_formalism * inspection) * (1.0 - p_mass),
        records_shield: inspection * sup.records_check * shirk * (1.0 - p_mass),
    }
}

/// P(X ≥ k) for X ~ Poisson(mean).
pub fn poisson_tail(mean: f64, k: u32) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if mean <= 0.0 {
        return 0.0;
    }
    let mut term = (-mean).exp();
    let mut below = term;
    for j in 1..k {
        term *= mean / f64::from(j);
        below += term;
    }
    (1.0 - below).clamp(0.0, 1.0)
}

/// The discretionary split for given marginal values: e_k ∝ max(A_k, 0)^ε
/// (eq. 7.3.4); all private if no task has a positive value.
pub fn split_for(values: [f64; 3], elasticity: f64) -> EffortSplit {
    noisy_split(values, [0.0; 3], elasticity)
}

/// The discretionary split when member noise multiplies each marginal
/// value by exp(n_k): e_k ∝ (max(A_k, 0)·exp(n_k))^ε, each weight computed
/// as exp(ε·(ln A_k + n_k)), or as √A_k·exp(n_k/2) when ε = ½ (the
/// default), eq. 7.3.4.
pub fn noisy_split(values: [f64; 3], log_noise: [f64; 3], elasticity: f64) -> EffortSplit {
    let mut weight = [0.0f64; 3];
    for ((w, &a), &n) in weight.iter_mut().zip(&values).zip(&log_noise) {
        // Computed whatever the sign of A_k and kept only when it is
        // positive (a select, not a branch: the sign of the formal task's
        // value varies from member to member).
        let positive = if elasticity == 0.5 {
            a.sqrt() * (0.5 * n).exp()
        } else {
            (elasticity * (a.ln() + n)).exp()
        };
        *w = std::hint::select_unpredictable(a > 0.0, positive, 0.0);
    }
    let total: f64 = weight.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return EffortSplit {
            real: 0.0,
            formal: 0.0,
            private: 1.0,
        };
    }
    let real = (weight[0] / total) as f32;
    let formal = (weight[1] / total) as f32;
    EffortSplit {
        real,
        formal,
        private: (1.0 - real - formal).max(0.0),
    }
}

/// The whole split when a share `mandated` of time is formal by mandate and
/// the rest is split as `discretionary` (eq. 7.3.5).
pub fn with_mandate(discretionary: EffortSplit, mandated: f64) -> EffortSplit {
    let free = (1.0 - mandated) as f32;
    let real = free * discretionary.real;
    let formal = mandated as f32 + free * discretionary.formal;
    EffortSplit {
        real,
        formal,
        private: (1.0 - real - formal).max(0.0),
    }
}

/// Raise the formal share to at least `mandated`, taking the time from real
/// service and private work in proportion (eq. 7.3.6).
pub fn enforce_mandate(e: &mut EffortSplit, mandated: f64) {
    let floor = mandated as f32;
    if e.formal >= floor {
        return;
    }
    let rest = e.real + e.private;
    let scale = if rest > 0.0 {
        (1.0 - floor) / rest
    } else {
        0.0
    };
    e.real *= scale;
    e.formal = floor;
    e.private = (1.0 - e.real - e.formal).max(0.0);
}

/// The noiseless best split of a member this month.
pub fn best_split(
    s: &Scenario,
    m: &Member,
    inspection: f64,
    weights: &ScoreWeights,
    campaign: bool,
) -> EffortSplit {
    let values = marginal_values(s, m, inspection, weights);
    with_mandate(
        split_for(values, s.effort.elasticity),
        mandated_formal(s, campaign),
    )
}

/// Members learn a share α_A of the change in the score weights, then every
/// active member moves a share λ of the way toward their (noisy) best split
/// and keeps at least the mandated formal time.
pub fn choose(v: &mut Village, ctx: &MonthContext<'_>, _tally: &mut VillageTally) {
    let s = ctx.policy;
    let sigma = s.effort.noise;
    let rate = s.effort.adjustment_rate as f32;
    let weights = &mut v.branch.known_weights;
    weights.move_toward(&ScoreWeights::of(&s.incentive), s.effort.attention as f32);
    let weights = *weights;
    let mandated = mandated_formal(s, ctx.campaign);
    // An adopted exemplary practice is a reference for the split (§7.7).
    let practice_on = s.exemplary.enabled && s.exemplary.practice_weight > 0.0;
    let practice_weight = s.exemplary.practice_weight as f32;
    for m in v.members.iter_mut().filter(|m| m.is_active()) {
        let values = marginal_values(s, m, ctx.inspection, &weights);
        let mut noise = [0.0f64; 3];
        if sigma > 0.0 {
            for n in &mut noise {
                *n = sigma * standard_normal(&mut v.rng);
            }
        }
        let discretionary = noisy_split(values, noise, s.effort.elasticity);
        let mut target = with_mandate(discretionary, mandated);
        if let Some(practice) = m.practice.filter(|_| practice_on) {
            target.move_toward(&practice.split, practice_weight);
        }
        m.effort.move_toward(&target, rate);
        enforce_mandate(&mut m.effort, mandated);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;
    use crate::model::Practice;

    fn member() -> Member {
        let s = Scenario::defaults();
        let mut m = build_village(&s, 0, 1).members[0].clone();
        m.skill = 0.5;
        m.motivation = 0.5;
        m.assigned = 6;
        m
    }

    /// The best split under the weights in force (members fully attentive).
    fn best(s: &Scenario, m: &Member, inspection: f64) -> EffortSplit {
        best_split(s, m, inspection, &ScoreWeights::of(&s.incentive), false)
    }

    fn formalism(split: EffortSplit) -> f32 {
        split.formal / (split.formal + split.real)
    }

    #[test]
    fn shares_sum_to_one() {
        let e = split_for([0.3, 0.2, 0.8], 0.3);
        assert!((e.real + e.formal + e.private - 1.0).abs() < 1e-6);
        assert_eq!(split_for([0.0, -1.0, 0.0], 0.3).private, 1.0);
        let e = with_mandate(e, 0.2);
        assert!((e.real + e.formal + e.private - 1.0).abs() < 1e-6);
        assert!(e.formal >= 0.2);
    }

    #[test]
    fn the_elasticity_bounds_the_response_to_marginal_values() {
        // Doubling A_F multiplies the formal/real ratio by 2^ε, no more.
        for eps in [0.3, 1.0, 2.0] {
            let before = split_for([0.4, 0.4, 0.8], eps);
            let after = split_for([0.4, 0.8, 0.8], eps);
            let ratio = (after.formal / after.real) / (before.formal / before.real);
            assert!(
                (f64::from(ratio) - 2f64.powf(eps)).abs() < 1e-4,
                "{eps}: {ratio}"
            );
        }
    }

    #[test]
    fn raising_outcome_weight_lowers_the_formal_share() {
        let mut s = Scenario::defaults();
        let m = member();
        let low = best(&s, &m, 0.03);
        s.incentive.outcome_weight = 0.9;
        let high = best(&s, &m, 0.03);
        assert!(formalism(high) < formalism(low));
        assert!(high.real > low.real);
    }

    #[test]
    fn counting_formal_activity_raises_the_formal_share() {
        let mut s = Scenario::defaults();
        let m = member();
        s.incentive.formal_weight = 0.1;
        let low = best(&s, &m, 0.03);
        s.incentive.formal_weight = 0.9;
        let high = best(&s, &m, 0.03);
        assert!(high.formal > low.formal);
    }

    #[test]
    fn mandated_meetings_campaigns_and_education_take_formal_time_without_incentives() {
        let mut s = Scenario::defaults();
        s.incentive.enabled = false;
        let m = member();
        let plain = best(&s, &m, 0.03);
        assert!(plain.formal >= s.effort.mandated_formal as f32 - 1e-6);
        assert!(
            formalism(plain) > 0.0,
            "formalism is not 0 without incentives"
        );
        let weights = ScoreWeights::of(&s.incentive);
        let campaign = best_split(&s, &m, 0.03, &weights, true);
        assert!(campaign.formal > plain.formal);
        s.spiritual.enabled = true;
        assert!(best(&s, &m, 0.03).formal > plain.formal);
    }

    #[test]
    fn a_mandate_binds_at_once_whatever_the_habit() {
        let mut e = EffortSplit {
            real: 0.6,
            formal: 0.0,
            private: 0.4,
        };
        enforce_mandate(&mut e, 0.2);
        assert!((e.formal - 0.2).abs() < 1e-6);
        assert!(
            (e.real / e.private - 1.5).abs() < 1e-5,
            "taken in proportion"
        );
    }

    #[test]
    fn nobody_can_be_rewarded_means_no_incentive_to_game() {
        let mut s = Scenario::defaults();
        let mut m = member();
        s.incentive.enabled = false;
        let off = best(&s, &m, 0.03);
        s.incentive.enabled = true;
        m.reward_chance = 0.0; // reward_share = 0: nobody is ever rewarded
        let zero_share = best(&s, &m, 0.03);
        assert_eq!(off, zero_share);
        m.reward_chance = 0.2;
        assert!(best(&s, &m, 0.03).formal > off.formal);
    }

    #[test]
    fn the_contest_is_steepest_for_members_near_the_cut_off() {
        let s = Scenario::defaults();
        let mut m = member();
        let mut formal_at = |chance: f32| {
            m.reward_chance = chance;
            best(&s, &m, 0.03).formal
        };
        let (far_below, near, far_above) = (formal_at(0.02), formal_at(0.5), formal_at(0.98));
        assert!(near > far_below && near > far_above);
    }

    #[test]
    fn members_learn_a_reform_of_the_weights_gradually() {
        use crate::metrics::VillageTally;
        let mut s = Scenario::defaults();
        let mut v = build_village(&s, 0, 1);
        s.incentive.formal_weight = 0.1;
        let ctx = MonthContext::at_start(&s);
        choose(&mut v, &ctx, &mut VillageTally::default());
        let after_one = v.branch.known_weights.formal;
        assert!(after_one < 0.6 && after_one > 0.1, "{after_one}");
        for _ in 0..60 {
            choose(&mut v, &ctx, &mut VillageTally::default());
        }
        assert!((v.branch.known_weights.formal - 0.1).abs() < 0.01);
    }

    #[test]
    fn raising_inspection_lowers_shirking() {
        let s = Scenario::defaults();
        let m = member();
        let lax = best(&s, &m, 0.0);
        let strict = best(&s, &m, 0.5);
        assert!(strict.real > lax.real);
        assert!(strict.private < lax.private);
    }

    #[test]
    fn inspections_that_check_records_reward_paperwork() {
        let mut s = Scenario::defaults();
        s.supervision.inspection_sees_formalism = 0.0;
        let m = member();
        s.supervision.records_check = 0.0;
        let blind = best(&s, &m, 0.5);
        s.supervision.records_check = 0.9;
        let records = best(&s, &m, 0.5);
        assert!(records.formal > blind.formal);
    }

    #[test]
    fn an_economic_weight_pulls_effort_from_service_two_skins() {
        let mut s = Scenario::defaults();
        let m = member();
        let before = best(&s, &m, 0.03);
        s.incentive.economic_weight = 0.6;
        let after = best(&s, &m, 0.03);
        assert!(after.real < before.real && after.private > before.private);
    }

    #[test]
    fn higher_motivation_means_more_real_service() {
        let s = Scenario::defaults();
        let mut m = member();
        let low = best(&s, &m, 0.03);
        m.motivation = 0.9;
        let high = best(&s, &m, 0.03);
        assert!(high.real > low.real);
    }

    #[test]
    fn productivity_does_not_enter_the_effort_choice() {
        // Leadership, platform and innovation act on capacity once (§7.3):
        // two villages alike but for Π choose alike.
        use crate::metrics::VillageTally;
        use crate::rules::service;
        let mut s = Scenario::defaults();
        let mut weak = build_village(&s, 0, 1);
        let mut strong = weak.clone();
        strong.branch.leadership = 1.3;
        strong.branch.innovated = true;
        s.innovation.enabled = true;
        assert!(service::productivity(&strong, &s) > 1.25 * service::productivity(&weak, &s));
        let ctx = MonthContext::at_start(&s);
        choose(&mut weak, &ctx, &mut VillageTally::default());
        choose(&mut strong, &ctx, &mut VillageTally::default());
        let split = |v: &Village| v.members.iter().map(|m| m.effort).collect::<Vec<_>>();
        assert_eq!(split(&weak), split(&strong));
    }

    #[test]
    fn trusted_households_with_unmet_needs_deter_shirking() {
        let s = Scenario::defaults();
        let mut m = member();
        m.assigned = 20;
        m.unmet_share = 0.8;
        m.contact_trust = 0.1;
        let low = detection(&s, &m, 0.0).shirking;
        m.contact_trust = 0.9;
        let high = detection(&s, &m, 0.0).shirking;
        assert!(high > low);
    }

    #[test]
    fn poisson_tail_matches_closed_forms() {
        assert!((poisson_tail(2.0, 1) - (1.0 - (-2.0f64).exp())).abs() < 1e-12);
        assert!((poisson_tail(2.0, 2) - (1.0 - 3.0 * (-2.0f64).exp())).abs() < 1e-12);
        assert_eq!(poisson_tail(0.0, 1), 0.0);
    }

    /// The weights of the noisy split are (A·eⁿ)^ε, computed as exp and ln
    /// or, at ε = ½, as a square root: the split of the noisy values.
    #[test]
    fn the_noisy_split_is_the_split_of_the_noisy_values() {
        let values = [0.3, 0.05, 0.8];
        let noise = [0.4, -1.2, 0.1];
        for eps in [0.3, 0.5, 1.0, 2.0] {
            let noisy = noisy_split(values, noise, eps);
            let mut scaled = values;
            for (a, n) in scaled.iter_mut().zip(noise) {
                *a *= f64::exp(n);
            }
            let weights = scaled.map(|a| a.powf(eps));
            let total: f64 = weights.iter().sum();
            assert!(
                (f64::from(noisy.real) - weights[0] / total).abs() < 1e-6,
                "ε {eps}"
            );
            assert!(
                (f64::from(noisy.formal) - weights[1] / total).abs() < 1e-6,
                "ε {eps}"
            );
        }
        let plain = noisy_split([0.3, 0.0, -0.2], [5.0, 5.0, 5.0], 0.5);
        assert_eq!((plain.real, plain.formal, plain.private), (1.0, 0.0, 0.0));
    }

    /// Eq. 7.3.0 by value: m(t) = min(1, m₀ + G·t_S + t_C + t_J), each term
    /// only when its programme is on (the education term is G times t_S).
    #[test]
    fn mandated_time_is_the_sum_of_its_parts() {
        let mut s = Scenario::defaults();
        s.effort.mandated_formal = 0.1;
        s.spiritual.enabled = true;
        s.spiritual.education_intensity = 2.0;
        s.spiritual.session_time = 0.05;
        s.supervision.campaign_activity_time = 0.07;
        s.service_team.joint_committee = true;
        s.service_team.committee_meeting_time = 0.03;
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(
            mandated_formal(&s, true),
            0.1 + 2.0 * 0.05 + 0.07 + 0.03
        ));
        assert!(close(mandated_formal(&s, false), 0.1 + 2.0 * 0.05 + 0.03));
        s.spiritual.enabled = false;
        s.service_team.joint_committee = false;
        assert!(close(mandated_formal(&s, false), 0.1));
        s.effort.mandated_formal = 0.95;
        assert_eq!(mandated_formal(&s, true), 1.0, "clamped at 1");
    }

    /// Eq. 7.3.2 by value, with every term non-zero and every known weight
    /// different, so each product and sum is seen.
    #[test]
    fn marginal_values_follow_the_equation() {
        let mut s = Scenario::defaults();
        s.effort.intrinsic_value = 1.3;
        s.effort.private_return = 0.7;
        s.supervision.sanction = 0.9;
        let mut m = member();
        m.skill = 0.6;
        m.motivation = 0.4;
        m.reward_chance = 0.3;
        m.assigned = 12;
        m.contact_trust = 0.7;
        m.unmet_share = 0.4;
        let w = ScoreWeights {
            formal: 0.35,
            outcome: 0.25,
            mass: 0.15,
            economic: 0.1,
        };
        let inspection = 0.2;
        let d = detection(&s, &m, inspection);
        assert!(d.shirking > 0.0 && d.formalism > 0.0 && d.records_shield > 0.0);
        let rho = s.incentive.marginal_reward(m.reward_chance);
        assert!(rho > 0.0);
        let (skill, theta) = (f64::from(m.skill), f64::from(m.motivation));
        let expected = [
            1.3 * theta * skill + rho * f64::from(w.outcome + w.mass) * skill + 0.9 * d.shirking,
            rho * f64::from(w.formal) - 0.9 * d.formalism + 0.9 * d.records_shield,
            0.7 + rho * f64::from(w.economic),
        ];
        let got = marginal_values(&s, &m, inspection, &w);
        for (k, (g, e)) in got.iter().zip(expected).enumerate() {
            assert!((g - e).abs() < 1e-12, "A_{k}: {g} vs {e}");
        }
    }

    /// Eq. 7.3.3 by value: P_M = P(X ≥ M), X ~ Poisson(n·μ·T̄·u), and D_S,
    /// D_F and R from I, χ, r_C and the member's √e_F and √e_R.
    #[test]
    fn detection_follows_the_equation() {
        let mut s = Scenario::defaults();
        s.supervision.mass_supervision = 0.3;
        s.supervision.report_threshold = 2;
        s.supervision.inspection_sees_formalism = 0.4;
        s.supervision.records_check = 0.6;
        let mut m = member();
        m.assigned = 10;
        m.contact_trust = 0.5;
        m.unmet_share = 0.6;
        m.effort = EffortSplit {
            real: 0.49,
            formal: 0.16,
            private: 0.35,
        };
        let inspection = 0.25;
        let mean = 10.0 * 0.3 * f64::from(0.5f32) * f64::from(0.6f32);
        let p = 1.0 - (-mean).exp() * (1.0 + mean);
        let (sqrt_real, sqrt_formal) = (f64::from(0.49f32.sqrt()), f64::from(0.16f32.sqrt()));
        let d = detection(&s, &m, inspection);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(
            d.shirking,
            1.0 - (1.0 - 0.25 * (1.0 - 0.6 * sqrt_formal)) * (1.0 - p)
        ));
        assert!(close(d.formalism, 1.0 - (1.0 - 0.4 * 0.25) * (1.0 - p)));
        assert!(close(
            d.records_shield,
            0.25 * 0.6 * (1.0 - sqrt_real) * (1.0 - p)
        ));
        s.supervision.enabled = false;
        let off = detection(&s, &m, inspection);
        assert_eq!(
            (off.shirking, off.formalism, off.records_shield),
            (0.0, 0.0, 0.0)
        );
    }

    #[test]
    fn poisson_tail_sums_the_terms_below_the_threshold() {
        // P(X ≥ 3) = 1 − e^−2·(1 + 2 + 2²/2).
        assert!((poisson_tail(2.0, 3) - (1.0 - 5.0 * (-2.0f64).exp())).abs() < 1e-12);
        // P(X ≥ 4) at mean 3: 1 − e^−3·(1 + 3 + 9/2 + 27/6).
        let below = (-3.0f64).exp() * (1.0 + 3.0 + 4.5 + 4.5);
        assert!((poisson_tail(3.0, 4) - (1.0 - below)).abs() < 1e-12);
        assert_eq!(poisson_tail(5.0, 0), 1.0);
    }

    /// Eq. 7.3.5 by value: e*_R = (1 − m)·d_R, e*_F = m + (1 − m)·d_F.
    #[test]
    fn the_mandate_takes_its_share_before_the_discretionary_split() {
        let d = EffortSplit {
            real: 0.5,
            formal: 0.2,
            private: 0.3,
        };
        let e = with_mandate(d, 0.25);
        assert!((e.real - 0.75 * 0.5).abs() < 1e-6, "{e:?}");
        assert!((e.formal - (0.25 + 0.75 * 0.2)).abs() < 1e-6, "{e:?}");
        assert!((e.private - 0.75 * 0.3).abs() < 1e-6, "{e:?}");
    }

    /// Eq. 7.3.6 by value: e_R and e_P scale by (1 − m)/(e_R + e_P); a
    /// member with no real or private time left takes the rest as private.
    #[test]
    fn a_binding_mandate_scales_real_and_private_time_by_value() {
        // e_R + e_P = 0.9, so the factor is (1 − 0.28)/0.9 = 0.8.
        let mut e = EffortSplit {
            real: 0.54,
            formal: 0.1,
            private: 0.36,
        };
        enforce_mandate(&mut e, 0.28);
        assert!((e.formal - 0.28).abs() < 1e-6, "{e:?}");
        assert!((e.real - 0.432).abs() < 1e-6 && (e.private - 0.288).abs() < 1e-6);
        let mut slack = EffortSplit {
            real: 0.5,
            formal: 0.3,
            private: 0.2,
        };
        let before = slack;
        enforce_mandate(&mut slack, 0.3);
        assert_eq!(
            slack, before,
            "a mandate that does not bind changes nothing"
        );
        let mut none_left = EffortSplit {
            real: 0.0,
            formal: 0.1,
            private: 0.0,
        };
        enforce_mandate(&mut none_left, 0.3);
        assert_eq!(none_left.real, 0.0);
        assert!((none_left.formal - 0.3).abs() < 1e-6);
        assert!((none_left.private - 0.7).abs() < 1e-6);
    }

    /// The monthly choice replayed draw by draw (§7.3): three normals per
    /// active member in the order z_R, z_F, z_P, the noisy split, the
    /// mandate, the lean toward a held practice, the move by λ and the
    /// mandate's floor.
    #[test]
    fn the_choice_replays_draw_by_draw() {
        let mut s = Scenario::defaults();
        s.effort.noise = 0.4;
        s.exemplary.enabled = true;
        s.exemplary.practice_weight = 0.5;
        let mut v = build_village(&s, 0, 1);
        let practice = Practice {
            split: EffortSplit {
                real: 0.8,
                formal: 0.15,
                private: 0.05,
            },
            success: 1.0,
        };
        v.members[0].practice = Some(practice);
        assert!(v.members.iter().filter(|m| m.is_active()).count() >= 2);
        let ctx = MonthContext::at_start(&s);
        let mut replay = v.clone();
        let weights = ScoreWeights::of(&s.incentive);
        replay
            .branch
            .known_weights
            .move_toward(&weights, s.effort.attention as f32);
        let known = replay.branch.known_weights;
        let mandated = mandated_formal(&s, ctx.campaign);
        let mut rng = replay.rng.clone();
        let mut expected = Vec::new();
        for m in &replay.members {
            if !m.is_active() {
                expected.push(m.effort);
                continue;
            }
            let values = marginal_values(&s, m, ctx.inspection, &known);
            let noise = [(); 3].map(|_| 0.4 * standard_normal(&mut rng));
            let mut target = with_mandate(noisy_split(values, noise, 0.5), mandated);
            if let Some(p) = m.practice {
                target.move_toward(&p.split, 0.5);
            }
            let mut e = m.effort;
            e.move_toward(&target, s.effort.adjustment_rate as f32);
            enforce_mandate(&mut e, mandated);
            expected.push(e);
        }
        choose(&mut v, &ctx, &mut VillageTally::default());
        let got: Vec<_> = v.members.iter().map(|m| m.effort).collect();
        assert_eq!(got, expected);
        assert_eq!(v.rng, rng, "exactly three draws per active member");
    }

    /// σ = 0 draws nothing, and a held practice is ignored when the
    /// exemplary programme is off (§7.7).
    #[test]
    fn no_noise_draws_nothing_and_no_programme_means_no_practice() {
        let mut s = Scenario::defaults();
        s.effort.noise = 0.0;
        s.exemplary.enabled = false;
        s.exemplary.practice_weight = 0.5;
        let plain = build_village(&s, 0, 1);
        let mut holder = plain.clone();
        for m in &mut holder.members {
            m.practice = Some(Practice {
                split: EffortSplit {
                    real: 0.9,
                    formal: 0.1,
                    private: 0.0,
                },
                success: 1.0,
            });
        }
        let ctx = MonthContext::at_start(&s);
        let mut plain_after = plain.clone();
        choose(&mut plain_after, &ctx, &mut VillageTally::default());
        choose(&mut holder, &ctx, &mut VillageTally::default());
        assert_eq!(plain_after.rng, plain.rng, "σ = 0 draws nothing");
        let split = |v: &Village| v.members.iter().map(|m| m.effort).collect::<Vec<_>>();
        assert_eq!(split(&holder), split(&plain_after));
        assert_ne!(split(&plain_after), split(&plain), "the members did move");
    }
}
