//! Democratic assessment and selection of secretaries (`docs/model.md` §7.14).
//!
//! **Succession.** Whenever a branch has no active secretary (migration,
//! difficulty, promotion, replacement), a successor is chosen among the
//! active members: by appointment, the highest measured score; by public
//! direct election, the highest vote appraisal ½·S̄_i + ½·√e_R,i — the
//! satisfaction of the candidate's own households and the real service fellow
//! members see. Each appraisal carries noise N(0, σ_v²).
//!
//! **Democratic assessment** (each assessment period, if on): a secretary's
//! evaluation is the village's mean household satisfaction (`mass`) or the
//! branch score (`score`); secretaries below the threshold, or in the bottom
//! share county-wide, are replaced by a successor chosen as above. Only
//! sitting (active) secretaries are assessed: a branch whose secretary is
//! gone — promoted earlier in the same county phase — is skipped (it gets a
//! successor by succession next month), and the bottom share is
//! round(share·N) of the N sitting secretaries.

use crate::metrics::{CountyTally, VillageTally};
use crate::model::Village;
use crate::random::standard_normal;
use crate::rules::MonthContext;
use crate::scenario::{Evaluation, ReplacementRule, Scenario, Successor};

/// Choose a successor among active members other than `exclude`.
pub fn choose_successor(v: &mut Village, s: &Scenario, exclude: Option<usize>) -> Option<u16> {
    let noise = s.selection.vote_noise;
    let mut best: Option<(f64, usize)> = None;
    for i in 0..v.members.len() {
        let m = &v.members[i];
        if !m.is_active() || Some(i) == exclude {
            continue;
        }
        let appraisal = match s.selection.successor {
            Successor::Appointment => f64::from(m.score),
            Successor::Election => {
                0.5 * f64::from(m.contact_satisfaction) + 0.5 * f64::from(m.effort.real_output())
            }
        };
        let appraisal = appraisal + noise * standard_normal(&mut v.rng);
        if best.is_none_or(|(b, _)| appraisal > b) {
            best = Some((appraisal, i));
        }
    }
    best.map(|(_, i)| i as u16)
}

/// If the secretary is gone, choose a successor (monthly).
pub fn ensure_secretary(v: &mut Village, ctx: &MonthContext<'_>, tally: &mut VillageTally) {
    let s = ctx.policy;
    if v.secretary().is_some() {
        return;
    }
    if let Some(new) = choose_successor(v, s, None) {
        v.branch.secretary = new;
        tally.secretary_turnover += 1;
    }
}

/// The evaluation a secretary receives.
pub fn evaluation(v: &Village, s: &Scenario) -> f32 {
    match s.selection.evaluation {
        Evaluation::Mass => v.mean_satisfaction(),
        Evaluation::Score => v.branch.score,
    }
}

/// Democratic assessment at an assessment (county phase).
pub fn assess(villages: &mut [Village], s: &Scenario, tally: &mut CountyTally) {
    for v in villages.iter_mut() {
        v.branch.evaluation = evaluation(v, s);
    }
    let sel = &s.selection;
    if !sel.enabled {
        return;
    }
    // Only sitting secretaries are assessed: a branch whose secretary is gone
    // (promoted earlier in this county phase, or away) gets a successor by
    // succession next month and takes no bottom-share slot.
    let sitting = || villages.iter().filter(|v| v.secretary().is_some());
    let replaced: Vec<u32> = match sel.rule {
        ReplacementRule::Threshold => sitting()
            .filter(|v| f64::from(v.branch.evaluation) < sel.threshold)
            .map(|v| v.id)
            .collect(),
        ReplacementRule::BottomShare => {
            let mut order: Vec<(f32, u32)> =
                sitting().map(|v| (v.branch.evaluation, v.id)).collect();
            order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let n = ((sel.bottom_share * order.len() as f64).round() as usize).min(order.len());
            order[..n].iter().map(|o| o.1).collect()
        }
    };
    for id in replaced {
        let v = &mut villages[id as usize];
        let current = v.branch.secretary as usize;
        if let Some(new) = choose_successor(v, s, Some(current)) {
            v.branch.secretary = new;
            tally.secretary_turnover += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;
    use crate::model::EffortSplit;

    fn prepared(successor: Successor) -> (Village, Scenario) {
        let mut s = Scenario::defaults();
        s.selection.successor = successor;
        s.selection.vote_noise = 0.0;
        let mut v = build_village(&s, 0, 1);
        // Member 1: high measured score (formalist), unhappy households.
        // Member 2: low score, satisfied households, real service.
        for m in &mut v.members {
            m.score = 0.1;
            m.contact_satisfaction = 0.3;
        }
        v.members[1].score = 0.9;
        v.members[2].contact_satisfaction = 0.9;
        v.members[2].effort = EffortSplit {
            real: 0.6,
            formal: 0.1,
            private: 0.3,
        };
        v.members[1].effort = EffortSplit {
            real: 0.05,
            formal: 0.6,
            private: 0.35,
        };
        (v, s)
    }

    #[test]
    fn election_picks_who_households_value_and_appointment_picks_the_score() {
        let (mut v, s) = prepared(Successor::Election);
        assert_eq!(choose_successor(&mut v, &s, None), Some(2));
        let (mut v, s) = prepared(Successor::Appointment);
        assert_eq!(choose_successor(&mut v, &s, None), Some(1));
    }

    #[test]
    fn bottom_share_replaces_the_worst_evaluated() {
        let mut s = Scenario::defaults();
        s.selection.enabled = true;
        s.selection.bottom_share = 0.25;
        let mut villages: Vec<_> = (0..4).map(|i| build_village(&s, i, 1)).collect();
        villages[2]
            .households
            .iter_mut()
            .for_each(|h| h.satisfaction = 0.05);
        let before: Vec<u16> = villages.iter().map(|v| v.branch.secretary).collect();
        let mut t = CountyTally::default();
        assess(&mut villages, &s, &mut t);
        assert_eq!(t.secretary_turnover, 1);
        assert_ne!(villages[2].branch.secretary, before[2]);
        assert_eq!(villages[0].branch.secretary, before[0]);
    }

    #[test]
    fn a_vacant_branch_takes_no_bottom_share_slot() {
        let mut s = Scenario::defaults();
        s.selection.enabled = true;
        s.selection.bottom_share = 0.25;
        let mut villages: Vec<_> = (0..5).map(|i| build_village(&s, i, 1)).collect();
        // Village 0: secretary promoted earlier in this county phase, and the
        // lowest evaluation. Village 3: the worst sitting secretary.
        let gone = villages[0].branch.secretary as usize;
        villages[0].members[gone].status = crate::model::MemberStatus::Promoted;
        villages[0].release_contacts(gone);
        villages[0]
            .households
            .iter_mut()
            .for_each(|h| h.satisfaction = 0.01);
        villages[3]
            .households
            .iter_mut()
            .for_each(|h| h.satisfaction = 0.05);
        let before: Vec<u16> = villages.iter().map(|v| v.branch.secretary).collect();
        let mut t = CountyTally::default();
        assess(&mut villages, &s, &mut t);
        // round(0.25 · 4 sitting) = 1 slot, and it goes to village 3.
        assert_eq!(t.secretary_turnover, 1);
        assert_eq!(
            villages[0].branch.secretary, before[0],
            "vacant: left to succession"
        );
        assert!(villages[0].secretary().is_none());
        assert_ne!(villages[3].branch.secretary, before[3]);
        assert!(villages[3].secretary().is_some());
        // Threshold rule: the vacant branch is not assessed either.
        s.selection.rule = ReplacementRule::Threshold;
        s.selection.threshold = 0.03;
        let mut t = CountyTally::default();
        assess(&mut villages, &s, &mut t);
        assert_eq!(t.secretary_turnover, 0);
        assert!(villages[0].secretary().is_none());
    }
}
