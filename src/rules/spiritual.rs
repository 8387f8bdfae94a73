//! Spiritual guidance, motivation dynamics and internalisation
//! (`docs/model.md` §7.12).
//!
//! Every month, for each active member,
//! θ ← θ + min(1, γ_G·G_eff)·(1 − θ) − δ·(θ − θ̂),
//! with G_eff = G·(1 + online media) when education is held and 0 otherwise.
//! Education has diminishing returns (the factor 1 − θ); what it adds above
//! the member's lasting disposition θ̂ fades at rate δ unless it is
//! internalised. Internalisation (self-determination theory, Ryan & Deci
//! 2000) then moves the disposition toward the motivation the member now has:
//! θ̂ ← θ̂ + ι·a·max(0, θ − θ̂), with the month's autonomy support
//! a = S/(1 + S)·max(0, 1 − κ_C·C), S = G_eff + [member is a model] the
//! supportive events and C = I(t) + m·P·[incentive on] the controlling
//! context (inspection chance; chance of the contingent reward P times its
//! material share m). Motivation raised in a
//! supportive context is partly absorbed; a controlling context blocks it.
//! Other lasting changes to θ̂ come from imitation (§7.7) and the pay gap
//! (§7.10).

use crate::metrics::VillageTally;
use crate::model::Village;
use crate::rules::MonthContext;
use crate::scenario::Scenario;

/// Sessions per month reaching a member, G_eff.
pub fn education(s: &Scenario) -> f64 {
    let sp = &s.spiritual;
    if sp.enabled {
        sp.education_intensity * (1.0 + sp.online_media)
    } else {
        0.0
    }
}

/// Controlling context of a member's month, C = I(t) + m·P·[incentive on]:
/// the chance of being inspected and the chance `reward_chance` of the
/// contingent reward times its material share (Deci, Koestner & Ryan 1999:
/// tangible contingent rewards are controlling, recognition is not).
pub fn control(ctx: &MonthContext<'_>, reward_chance: f32) -> f64 {
    let s = ctx.policy;
    let reward = if s.incentive.enabled {
        s.incentive.material_share() * f64::from(reward_chance)
    } else {
        0.0
    };
    ctx.inspection + reward
}

/// Autonomy support a ∈ [0, 1] of a member's month: S/(1 + S)·max(0, 1 −
/// κ_C·C) with S = G_eff + [model] and C from [`control`] (`docs/model.md`
/// eq. 7.12.2).
pub fn autonomy_support(g_eff: f64, is_model: bool, control: f64, s: &Scenario) -> f64 {
    let support = g_eff + if is_model { 1.0 } else { 0.0 };
    let open = (1.0 - s.spiritual.control_weight * control).max(0.0);
    support / (1.0 + support) * open
}

/// Apply one month of education, fading and internalisation.
pub fn update_motivation(v: &mut Village, ctx: &MonthContext<'_>, tally: &mut VillageTally) {
    let s = ctx.policy;
    let sp = &s.spiritual;
    let g_eff = education(s);
    let gain = (sp.education_effect * g_eff).min(1.0) as f32;
    let fade = sp.motivation_fade as f32;
    let iota = sp.internalisation;
    for m in v.members.iter_mut().filter(|m| m.is_active()) {
        m.motivation += gain * (1.0 - m.motivation) - fade * (m.motivation - m.disposition);
        m.motivation = m.motivation.clamp(0.0, 1.0);
        if iota > 0.0 {
            let rate = (iota
                * autonomy_support(
                    g_eff,
                    m.is_model && s.exemplary.enabled,
                    control(ctx, m.reward_chance),
                    s,
                )) as f32;
            m.disposition += rate * (m.motivation - m.disposition).max(0.0);
        }
        if sp.enabled {
            tally.cost += sp.education_cost * sp.education_intensity;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;

    fn mean_motivation(enabled: bool, months: usize) -> f32 {
        let mut s = Scenario::defaults();
        s.spiritual.enabled = enabled;
        let mut v = build_village(&s, 0, 1);
        let mut t = VillageTally::default();
        for _ in 0..months {
            update_motivation(&mut v, &MonthContext::at_start(&s), &mut t);
        }
        v.members.iter().map(|m| m.motivation).sum::<f32>() / v.members.len() as f32
    }

    #[test]
    fn education_raises_motivation_and_without_it_nothing_changes() {
        let start = mean_motivation(false, 0);
        assert!((mean_motivation(false, 24) - start).abs() < 1e-6);
        assert!(mean_motivation(true, 24) > start + 0.01);
    }

    #[test]
    fn gains_have_diminishing_returns_and_fade_without_education() {
        let mut s = Scenario::defaults();
        s.spiritual.enabled = true;
        s.spiritual.education_intensity = 5.0;
        let mut v = build_village(&s, 0, 1);
        let mut t = VillageTally::default();
        let mut gains = Vec::new();
        for _ in 0..3 {
            let before = v.members[0].motivation;
            update_motivation(&mut v, &MonthContext::at_start(&s), &mut t);
            gains.push(v.members[0].motivation - before);
        }
        assert!(gains[2] < gains[0]);
        let peak = v.members[0].motivation;
        s.spiritual.enabled = false;
        for _ in 0..60 {
            update_motivation(&mut v, &MonthContext::at_start(&s), &mut t);
        }
        assert!(v.members[0].motivation < peak);
    }

    /// Run `months` of education (on or off) for a village under `s`; return
    /// the mean θ and θ̂ of its members.
    fn run(s: &Scenario, v: &mut Village, months: usize) -> (f32, f32) {
        let mut t = VillageTally::default();
        for _ in 0..months {
            update_motivation(v, &MonthContext::at_start(s), &mut t);
        }
        let n = v.members.len() as f32;
        (
            v.members.iter().map(|m| m.motivation).sum::<f32>() / n,
            v.members.iter().map(|m| m.disposition).sum::<f32>() / n,
        )
    }

    fn educated(iota: f64) -> Scenario {
        let mut s = Scenario::defaults();
        s.spiritual.enabled = true;
        s.spiritual.internalisation = iota;
        s
    }

    #[test]
    fn without_internalisation_the_disposition_never_moves_here() {
        let s = educated(0.0);
        let mut v = build_village(&s, 0, 1);
        let before: Vec<f32> = v.members.iter().map(|m| m.disposition).collect();
        let mut expected: Vec<f32> = v.members.iter().map(|m| m.motivation).collect();
        run(&s, &mut v, 24);
        let after: Vec<f32> = v.members.iter().map(|m| m.disposition).collect();
        assert_eq!(before, after);
        // θ follows eq. 7.12.1 alone, bit for bit.
        let gain = (s.spiritual.education_effect * education(&s)).min(1.0) as f32;
        let fade = s.spiritual.motivation_fade as f32;
        for _ in 0..24 {
            for (x, d) in expected.iter_mut().zip(&before) {
                *x += gain * (1.0 - *x) - fade * (*x - d);
                *x = x.clamp(0.0, 1.0);
            }
        }
        let got: Vec<f32> = v.members.iter().map(|m| m.motivation).collect();
        assert_eq!(expected, got);
    }

    #[test]
    fn education_is_internalised_and_its_gain_lasts() {
        // 24 months of education, then 120 without: with internalisation the
        // disposition rises and motivation stays above its start; without it
        // motivation falls back toward the old disposition.
        let mut lasting = Vec::new();
        for iota in [0.0, 0.3] {
            let mut s = educated(iota);
            let mut v = build_village(&s, 0, 1);
            let (start, d0) = run(&Scenario::defaults(), &mut v, 0);
            let (_, d1) = run(&s, &mut v, 24);
            s.spiritual.enabled = false;
            let (later, d2) = run(&s, &mut v, 120);
            if iota > 0.0 {
                assert!(d1 > d0 + 0.01, "{d0} {d1}");
                assert!(
                    (d2 - d1).abs() < 1e-6,
                    "nothing is internalised without support"
                );
            } else {
                assert_eq!(d0, d2);
            }
            lasting.push(later - start);
        }
        assert!(lasting[0] < 0.01, "{lasting:?}");
        assert!(lasting[1] > lasting[0] + 0.01, "{lasting:?}");
    }

    #[test]
    fn sessions_and_control_follow_their_definitions_by_value() {
        let mut s = Scenario::defaults();
        s.spiritual.enabled = true;
        s.spiritual.education_intensity = 2.0;
        s.spiritual.online_media = 0.5;
        assert_eq!(education(&s), 2.0 * 1.5);
        s.spiritual.enabled = false;
        assert_eq!(education(&s), 0.0);
        // C = I(t) + m·P with the incentive on, I(t) alone with it off.
        s.incentive.enabled = true;
        s.incentive.material_reward = 3.0;
        s.incentive.political_reward = 1.0;
        s.incentive.spiritual_reward = 0.0;
        let mut ctx = MonthContext::at_start(&s);
        ctx.inspection = 0.2;
        let p = 0.4f32;
        assert!((control(&ctx, p) - (0.2 + 0.75 * f64::from(p))).abs() < 1e-12);
        let mut off = s.clone();
        off.incentive.enabled = false;
        let mut ctx = MonthContext::at_start(&off);
        ctx.inspection = 0.2;
        assert_eq!(control(&ctx, p), 0.2);
    }

    #[test]
    fn a_controlling_context_blocks_internalisation() {
        let s = educated(0.3);
        let g = education(&s);
        let free = autonomy_support(g, false, 0.0, &s);
        let campaign = autonomy_support(g, false, 0.5, &s);
        assert!(free > 0.0 && campaign < free);
        assert_eq!(autonomy_support(g, false, 1.0, &s), 0.0);
        assert_eq!(autonomy_support(0.0, false, 0.0, &s), 0.0);
        // Being a model adds support; more sessions add with diminishing returns.
        assert!(autonomy_support(g, true, 0.0, &s) > free);
        let (a1, a2, a3) = (
            autonomy_support(1.0, false, 0.0, &s),
            autonomy_support(2.0, false, 0.0, &s),
            autonomy_support(3.0, false, 0.0, &s),
        );
        assert!(a2 - a1 > a3 - a2 && a3 > a2);
        // In a village: education under heavy inspection is absorbed less.
        let mut watched = s.clone();
        watched.supervision.inspection_rate = 0.6;
        let (mut v1, mut v2) = (build_village(&s, 0, 1), build_village(&watched, 0, 1));
        let (_, d_free) = run(&s, &mut v1, 24);
        let (_, d_watched) = run(&watched, &mut v2, 24);
        assert!(d_free > d_watched + 0.005, "{d_free} {d_watched}");
    }

    #[test]
    fn only_a_model_under_the_exemplary_programme_counts_as_recognised() {
        // No education: the only support is being a model, and only while
        // the programme runs.
        let mut s = Scenario::defaults();
        s.spiritual.enabled = false;
        s.spiritual.internalisation = 0.3;
        let mut v = build_village(&s, 0, 1);
        for m in &mut v.members {
            m.motivation = 0.8;
            m.disposition = 0.4;
            m.is_model = false;
        }
        v.members[0].is_model = true;
        let before: Vec<f32> = v.members.iter().map(|m| m.disposition).collect();
        for enabled in [false, true] {
            s.exemplary.enabled = enabled;
            let mut w = v.clone();
            run(&s, &mut w, 1);
            for (i, (m, d)) in w.members.iter().zip(&before).enumerate() {
                let recognised = enabled && i == 0;
                assert_eq!(
                    m.disposition > *d,
                    recognised,
                    "member {i}, programme {enabled}"
                );
            }
        }
    }

    #[test]
    fn education_costs_its_sessions_for_every_active_member() {
        let mut s = educated(0.3);
        s.spiritual.education_intensity = 2.0;
        s.spiritual.online_media = 1.0;
        s.spiritual.education_cost = 0.25;
        let v = build_village(&s, 0, 1);
        let active = v.members.iter().filter(|m| m.is_active()).count() as f64;
        let mut t = VillageTally::default();
        update_motivation(&mut v.clone(), &MonthContext::at_start(&s), &mut t);
        // Online media reach further at no cost: c_E·G, not c_E·G_eff.
        assert!((t.cost - active * 0.25 * 2.0).abs() < 1e-9, "{}", t.cost);
        s.spiritual.enabled = false;
        let mut t = VillageTally::default();
        update_motivation(&mut v.clone(), &MonthContext::at_start(&s), &mut t);
        assert_eq!(t.cost, 0.0);
    }

    #[test]
    fn motivation_below_the_disposition_is_not_internalised() {
        let s = educated(0.3);
        let mut v = build_village(&s, 0, 1);
        for m in &mut v.members {
            m.disposition = 0.9;
            m.motivation = 0.1;
        }
        let (_, d) = run(&s, &mut v, 1);
        assert!((d - 0.9).abs() < 1e-6);
    }
}
