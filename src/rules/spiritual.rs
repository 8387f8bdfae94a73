//! Spiritual guidance and motivation dynamics (`docs/model.md` §7.12).
//!
//! Every month, for each active member,
//! θ ← θ + min(1, γ_G·G_eff)·(1 − θ) − δ·(θ − θ̂),
//! with G_eff = G·(1 + online media) when education is held and 0 otherwise.
//! Education has diminishing returns (the factor 1 − θ); what it adds above
//! the member's lasting disposition θ̂ fades at rate δ unless education goes
//! on. Lasting changes to θ̂ come only from imitation (§7.7), crowding (§7.13)
//! and the pay gap (§7.10).

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

/// Apply one month of education and fading.
pub fn update_motivation(v: &mut Village, ctx: &MonthContext<'_>, tally: &mut VillageTally) {
    let s = ctx.policy;
    let sp = &s.spiritual;
    let gain = (sp.education_effect * education(s)).min(1.0) as f32;
    let fade = sp.motivation_fade as f32;
    for m in v.members.iter_mut().filter(|m| m.is_active()) {
        m.motivation += gain * (1.0 - m.motivation) - fade * (m.motivation - m.disposition);
        m.motivation = m.motivation.clamp(0.0, 1.0);
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
}
