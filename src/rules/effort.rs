//! Effort choice (`docs/model.md` §7.3): a multitask principal–agent choice.
//!
//! A member splits working time into real service e_R, formal activity e_F
//! and private work e_P (e_R + e_F + e_P = 1). Output of each task is the
//! square root of the time given to it. The member's expected utility is
//!
//! U = A_R·√e_R + A_F·√e_F + A_P·√e_P, with
//! A_R = v·θ·Π·s + ρ·(w_O + w_M)·Π·s + f·D_S,
//! A_F = ρ·w_F − f·D_F,
//! A_P = π + ρ·w_E,
//!
//! whose maximum is e_k = A_k² / Σ_j A_j² (negative A_k count as 0).
//! Formalism is not imposed: it appears when w_F is large relative to
//! w_O + w_M and the detection D_F of formalism is weak.

use crate::metrics::VillageTally;
use crate::model::{EffortSplit, Member, Village};
use crate::random::standard_normal;
use crate::scenario::Scenario;

use super::{MonthContext, service};

/// Marginal values (A_R, A_F, A_P) of the three tasks for a member.
pub fn marginal_values(s: &Scenario, m: &Member, inspection: f64, productivity: f64) -> [f64; 3] {
    let rho = s.incentive.reward_value();
    let inc = &s.incentive;
    let sup = &s.supervision;
    let effective_skill = productivity * f64::from(m.skill);
    let (d_shirk, d_formal) = detection(s, m, inspection);
    let a_real = s.effort.intrinsic_value * f64::from(m.motivation) * effective_skill
        + rho * (inc.outcome_weight + inc.mass_evaluation_weight) * effective_skill
        + sup.sanction * d_shirk;
    let a_formal = rho * inc.formal_weight - sup.sanction * d_formal;
    let a_private = s.effort.private_return + rho * inc.economic_weight;
    [a_real, a_formal, a_private]
}

/// Perceived probabilities (D_S, D_F) that shirking and formalism are
/// looked into this month: by inspection (I, and χ·I for formalism) or by a
/// mass-supervision investigation P_M (`docs/model.md` §7.3, eq. 7.3.3).
pub fn detection(s: &Scenario, m: &Member, inspection: f64) -> (f64, f64) {
    let sup = &s.supervision;
    if !sup.enabled {
        return (0.0, 0.0);
    }
    let expected_reports = f64::from(m.assigned)
        * sup.mass_supervision
        * f64::from(m.contact_trust)
        * f64::from(m.unmet_share);
    let p_mass = poisson_tail(expected_reports, sup.report_threshold);
    let d_shirk = 1.0 - (1.0 - inspection) * (1.0 - p_mass);
    let d_formal = 1.0 - (1.0 - sup.inspection_sees_formalism * inspection) * (1.0 - p_mass);
    (d_shirk, d_formal)
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

/// The split that maximises U for given marginal values: e_k ∝ max(A_k, 0)².
pub fn split_for(values: [f64; 3]) -> EffortSplit {
    let sq = values.map(|a| a.max(0.0).powi(2));
    let total: f64 = sq.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return EffortSplit {
            real: 0.0,
            formal: 0.0,
            private: 1.0,
        };
    }
    let real = (sq[0] / total) as f32;
    let formal = (sq[1] / total) as f32;
    EffortSplit {
        real,
        formal,
        private: (1.0 - real - formal).max(0.0),
    }
}

/// The noiseless best split of a member.
pub fn best_split(s: &Scenario, m: &Member, inspection: f64, productivity: f64) -> EffortSplit {
    split_for(marginal_values(s, m, inspection, productivity))
}

/// Every active member moves a share λ of the way toward their (noisy) best split.
pub fn choose(v: &mut Village, ctx: &MonthContext<'_>, _tally: &mut VillageTally) {
    let s = ctx.policy;
    let sigma = s.effort.noise;
    let rate = s.effort.adjustment_rate as f32;
    let productivity = f64::from(service::productivity(v, s));
    for m in v.members.iter_mut().filter(|m| m.is_active()) {
        let mut values = marginal_values(s, m, ctx.inspection, productivity);
        if sigma > 0.0 {
            for a in &mut values {
                *a *= (sigma * standard_normal(&mut v.rng)).exp();
            }
        }
        let target = split_for(values);
        m.effort.move_toward(&target, rate);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;

    fn member() -> Member {
        let s = Scenario::defaults();
        let mut m = build_village(&s, 0, 1).members[0].clone();
        m.skill = 0.5;
        m.motivation = 0.5;
        m.assigned = 6;
        m
    }

    fn formalism(split: EffortSplit) -> f32 {
        split.formal / (split.formal + split.real)
    }

    #[test]
    fn shares_sum_to_one() {
        let e = split_for([0.3, 0.2, 0.8]);
        assert!((e.real + e.formal + e.private - 1.0).abs() < 1e-6);
        assert_eq!(split_for([0.0, -1.0, 0.0]).private, 1.0);
    }

    #[test]
    fn raising_outcome_weight_lowers_the_formal_share() {
        let mut s = Scenario::defaults();
        let m = member();
        let low = best_split(&s, &m, 0.03, 1.0);
        s.incentive.outcome_weight = 0.9;
        let high = best_split(&s, &m, 0.03, 1.0);
        assert!(formalism(high) < formalism(low));
        assert!(high.real > low.real);
    }

    #[test]
    fn counting_formal_activity_raises_the_formal_share() {
        let mut s = Scenario::defaults();
        let m = member();
        s.incentive.formal_weight = 0.1;
        let low = best_split(&s, &m, 0.03, 1.0);
        s.incentive.formal_weight = 0.9;
        let high = best_split(&s, &m, 0.03, 1.0);
        assert!(high.formal > low.formal);
    }

    #[test]
    fn raising_inspection_lowers_shirking() {
        let s = Scenario::defaults();
        let m = member();
        let lax = best_split(&s, &m, 0.0, 1.0);
        let strict = best_split(&s, &m, 0.5, 1.0);
        assert!(strict.real > lax.real);
        assert!(strict.private < lax.private);
    }

    #[test]
    fn an_economic_weight_pulls_effort_from_service_two_skins() {
        let mut s = Scenario::defaults();
        let m = member();
        let before = best_split(&s, &m, 0.03, 1.0);
        s.incentive.economic_weight = 0.6;
        let after = best_split(&s, &m, 0.03, 1.0);
        assert!(after.real < before.real && after.private > before.private);
    }

    #[test]
    fn higher_motivation_means_more_real_service() {
        let s = Scenario::defaults();
        let mut m = member();
        let low = best_split(&s, &m, 0.03, 1.0);
        m.motivation = 0.9;
        let high = best_split(&s, &m, 0.03, 1.0);
        assert!(high.real > low.real);
    }

    #[test]
    fn trusted_households_with_unmet_needs_deter_shirking() {
        let s = Scenario::defaults();
        let mut m = member();
        m.assigned = 20;
        m.unmet_share = 0.8;
        m.contact_trust = 0.1;
        let (d_low, _) = detection(&s, &m, 0.0);
        m.contact_trust = 0.9;
        let (d_high, _) = detection(&s, &m, 0.0);
        assert!(d_high > d_low);
    }

    #[test]
    fn poisson_tail_matches_closed_forms() {
        assert!((poisson_tail(2.0, 1) - (1.0 - (-2.0f64).exp())).abs() < 1e-12);
        assert!((poisson_tail(2.0, 2) - (1.0 - 3.0 * (-2.0f64).exp())).abs() < 1e-12);
        assert_eq!(poisson_tail(0.0, 1), 0.0);
    }
}
