//! Democratic assessment and selection of secretaries (`docs/model.md` §7.14).
//!
//! **What selectors observe.** Households observe a member's leadership
//! talent ℓ month by month with noise σ_H; their appraisal averages H months,
//! so it reads A_i = ℓ_i + (σ_H/√H)·z. The appointing body reads the measured
//! score (§7.4, formalism-biased) with noise σ_A: A_i = score_i + σ_A·z.
//!
//! **Succession.** Whenever a branch has no active secretary (migration,
//! difficulty, promotion, replacement), the candidate pool is the active
//! members (less a secretary just assessed out); the highest appraisal wins —
//! the score by appointment, households' appraisal by direct election.
//!
//! **Democratic assessment** (each assessment period, if on): a secretary's
//! evaluation is households' appraisal of the secretary's own talent
//! (`appraisal`), the village's mean household satisfaction (`mass`) or the
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
use crate::scenario::{Evaluation, ReplacementRule, Scenario, Selection, Successor};

/// σ_H/√H: noise of households' appraisal of one member over the horizon.
pub fn appraisal_sd(sel: &Selection) -> f64 {
    sel.appraisal_noise / f64::from(sel.appraisal_horizon.max(1)).sqrt()
}

/// Households' appraisal of a member with leadership talent `talent`:
/// ℓ + (σ_H/√H)·z (one normal draw).
pub fn households_appraisal(
    talent: f32,
    sel: &Selection,
    rng: &mut rand_chacha::ChaCha8Rng,
) -> f64 {
    f64::from(talent) + appraisal_sd(sel) * standard_normal(rng)
}

/// Choose a successor among active members other than `exclude`.
pub fn choose_successor(v: &mut Village, s: &Scenario, exclude: Option<usize>) -> Option<u16> {
    let sel = &s.selection;
    let mut best: Option<(f64, usize)> = None;
    for i in 0..v.members.len() {
        let m = &v.members[i];
        if !m.is_active() || Some(i) == exclude {
            continue;
        }
        let appraisal = match sel.successor {
            Successor::Appointment => {
                f64::from(m.score) + sel.vote_noise * standard_normal(&mut v.rng)
            }
            Successor::Election => households_appraisal(m.leadership, sel, &mut v.rng),
        };
        if best.is_none_or(|(b, _)| appraisal > b) {
            best = Some((appraisal, i));
        }
    }
    best.map(|(_, i)| i as u16)
}

/// Put member `new` in office: a new secretary starts without experience.
fn install(v: &mut Village, new: u16) {
    v.branch.secretary = new;
    v.branch.tenure = 0;
}

/// If the secretary is gone, choose a successor (monthly).
pub fn ensure_secretary(v: &mut Village, ctx: &MonthContext<'_>, tally: &mut VillageTally) {
    let s = ctx.policy;
    if v.secretary().is_some() {
        return;
    }
    if let Some(new) = choose_successor(v, s, None) {
        install(v, new);
        tally.secretary_turnover += 1;
    }
}

/// The evaluation a secretary receives. With the mechanism on and
/// `evaluation = "appraisal"`, a branch with a sitting secretary takes one
/// normal draw; otherwise none (the noiseless ℓ_sec is recorded when off).
pub fn evaluation(v: &mut Village, s: &Scenario) -> f32 {
    let sel = &s.selection;
    match sel.evaluation {
        Evaluation::Appraisal => {
            let Some(talent) = v.secretary().map(|sec| sec.leadership) else {
                return 0.0;
            };
            if sel.enabled {
                households_appraisal(talent, sel, &mut v.rng) as f32
            } else {
                talent
            }
        }
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
            install(v, new);
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
        s.selection.appraisal_noise = 0.0;
        let mut v = build_village(&s, 0, 1);
        // Member 1: high measured score (formalist), little talent.
        // Member 2: low score, the most talented leader.
        for m in &mut v.members {
            m.score = 0.1;
            m.leadership = 0.3;
        }
        v.members[1].score = 0.9;
        v.members[1].leadership = 0.2;
        v.members[2].leadership = 0.9;
        v.members[2].effort = EffortSplit {
            real: 0.6,
            formal: 0.1,
            private: 0.3,
        };
        (v, s)
    }

    #[test]
    fn election_picks_talent_households_see_and_appointment_picks_the_score() {
        let (mut v, s) = prepared(Successor::Election);
        assert_eq!(choose_successor(&mut v, &s, None), Some(2));
        let (mut v, s) = prepared(Successor::Appointment);
        assert_eq!(choose_successor(&mut v, &s, None), Some(1));
    }

    /// Neither a member out of service nor the excluded one (a secretary
    /// just assessed out) is a candidate, however high their appraisal.
    #[test]
    fn inactive_and_excluded_members_are_not_candidates() {
        for successor in [Successor::Election, Successor::Appointment] {
            let (mut v, s) = prepared(successor);
            // Member 0: out of service with the best score and talent.
            v.members[0].status = crate::model::MemberStatus::Migrated;
            v.members[0].score = 1.0;
            v.members[0].leadership = 1.0;
            let best = choose_successor(&mut v, &s, None).unwrap();
            assert_ne!(best, 0, "{successor:?}");
            let next = choose_successor(&mut v, &s, Some(usize::from(best))).unwrap();
            assert!(next != best && next != 0, "{successor:?}: {next}");
        }
    }

    /// A branch whose secretary is gone installs a successor with tenure 0
    /// and counts the turnover; a branch with a sitting secretary does
    /// neither.
    #[test]
    fn succession_installs_a_new_secretary_and_counts_it() {
        let (mut v, s) = prepared(Successor::Appointment);
        let ctx = MonthContext::at_start(&s);
        let mut t = VillageTally::default();
        v.branch.tenure = 30;
        let sitting = v.branch.secretary;
        ensure_secretary(&mut v, &ctx, &mut t);
        assert_eq!(
            (v.branch.secretary, v.branch.tenure, t.secretary_turnover),
            (sitting, 30, 0)
        );
        v.members[usize::from(sitting)].status = crate::model::MemberStatus::Migrated;
        ensure_secretary(&mut v, &ctx, &mut t);
        assert_ne!(v.branch.secretary, sitting);
        assert!(v.secretary().is_some());
        assert_eq!((v.branch.tenure, t.secretary_turnover), (0, 1));
    }

    /// Ties go to the lower member index (§7.14).
    #[test]
    fn ties_go_to_the_lower_member_index() {
        for successor in [Successor::Election, Successor::Appointment] {
            let (mut v, s) = prepared(successor);
            for m in &mut v.members {
                m.score = 0.5;
                m.leadership = 0.5;
            }
            assert_eq!(choose_successor(&mut v, &s, None), Some(0), "{successor:?}");
        }
    }

    /// The appointing body reads score + σ_A·z, one draw per candidate in
    /// member order, and the highest reading wins (§7.14): the same draws
    /// replayed from a copy of the stream name the same member.
    #[test]
    fn appointment_reads_each_candidates_score_with_one_draw() {
        let (mut v, mut s) = prepared(Successor::Appointment);
        s.selection.vote_noise = 0.4;
        for (i, m) in v.members.iter_mut().enumerate() {
            m.score = 0.1 * (i % 5) as f32;
        }
        for _ in 0..50 {
            let mut replay = v.rng.clone();
            let expected = v
                .members
                .iter()
                .enumerate()
                .map(|(i, m)| (f64::from(m.score) + 0.4 * standard_normal(&mut replay), i))
                .fold((f64::NEG_INFINITY, 0), |b, c| if c.0 > b.0 { c } else { b })
                .1;
            assert_eq!(choose_successor(&mut v, &s, None), Some(expected as u16));
        }
    }

    /// A = ℓ + (σ_H/√H)·z with the next standard normal draw z (§7.14).
    #[test]
    fn households_appraisal_adds_the_scaled_draw_to_talent() {
        use rand::SeedableRng;
        let mut s = Scenario::defaults();
        s.selection.appraisal_noise = 0.6;
        s.selection.appraisal_horizon = 4;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let z = standard_normal(&mut rng.clone());
        let a = households_appraisal(0.4, &s.selection, &mut rng);
        assert!((a - (f64::from(0.4f32) + 0.3 * z)).abs() < 1e-12, "{a} {z}");
    }

    /// Mean talent of the members chosen in `n` elections in village 0.
    fn elected_talent(noise: f64, horizon: u32, n: usize) -> f64 {
        let mut s = Scenario::defaults();
        s.selection.successor = Successor::Election;
        s.selection.appraisal_noise = noise;
        s.selection.appraisal_horizon = horizon;
        let mut v = build_village(&s, 0, 7);
        let total: f64 = (0..n)
            .map(|_| {
                let i = choose_successor(&mut v, &s, None).unwrap() as usize;
                f64::from(v.members[i].leadership)
            })
            .sum();
        total / n as f64
    }

    #[test]
    fn informative_appraisal_elects_more_talented_secretaries() {
        let informative = elected_talent(0.3, 12, 400);
        let uninformative = elected_talent(10.0, 12, 400);
        let one_month = elected_talent(0.3, 1, 400);
        // Pure noise picks a member at random (mean talent ≈ 0.5).
        assert!(
            informative > uninformative + 0.1,
            "{informative} vs {uninformative}"
        );
        assert!(uninformative < 0.6, "{uninformative}");
        // A longer horizon averages the noise away.
        assert!(informative > one_month, "{informative} vs {one_month}");
    }

    /// Mean secretary talent across 40 villages before and after 10 yearly
    /// assessments replacing the bottom share on households' appraisal.
    fn talent_after_assessments(noise: f64) -> (f64, f64) {
        let mut s = Scenario::defaults();
        s.selection.enabled = true;
        s.selection.evaluation = Evaluation::Appraisal;
        s.selection.successor = Successor::Election;
        s.selection.bottom_share = 0.2;
        s.selection.appraisal_noise = noise;
        let mut villages: Vec<_> = (0..40).map(|i| build_village(&s, i, 3)).collect();
        let mean = |vs: &[Village]| {
            vs.iter()
                .map(|v| f64::from(v.secretary().unwrap().leadership))
                .sum::<f64>()
                / vs.len() as f64
        };
        let before = mean(&villages);
        for _ in 0..10 {
            assess(&mut villages, &s, &mut CountyTally::default());
        }
        (before, mean(&villages))
    }

    #[test]
    fn replacement_on_informative_appraisal_raises_talent_and_on_noise_does_not() {
        let (before, after) = talent_after_assessments(0.3);
        assert!(after > before + 0.03, "informative: {before} → {after}");
        let (before, after) = talent_after_assessments(10.0);
        assert!(after < before, "pure noise: {before} → {after}");
    }

    /// `n` villages whose secretaries are assessed on households' mean
    /// satisfaction, the bottom quarter replaced.
    fn mass_assessment(n: u32) -> (Scenario, Vec<Village>) {
        let mut s = Scenario::defaults();
        s.selection.enabled = true;
        s.selection.bottom_share = 0.25;
        s.selection.evaluation = Evaluation::Mass;
        let villages = (0..n).map(|i| build_village(&s, i, 1)).collect();
        (s, villages)
    }

    #[test]
    fn bottom_share_replaces_the_worst_evaluated() {
        let (s, mut villages) = mass_assessment(4);
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

    /// The threshold rule replaces the sitting secretaries evaluated below
    /// the threshold, and only them (one at it stays).
    #[test]
    fn the_threshold_rule_replaces_those_below_it() {
        let (mut s, mut villages) = mass_assessment(3);
        s.selection.evaluation = Evaluation::Score;
        s.selection.rule = ReplacementRule::Threshold;
        s.selection.threshold = 0.5;
        for (v, score) in villages.iter_mut().zip([0.25, 0.5, 0.75]) {
            v.branch.score = score;
        }
        let before: Vec<u16> = villages.iter().map(|v| v.branch.secretary).collect();
        let mut t = CountyTally::default();
        assess(&mut villages, &s, &mut t);
        assert_eq!(t.secretary_turnover, 1);
        assert_ne!(villages[0].branch.secretary, before[0]);
        assert_eq!(villages[1].branch.secretary, before[1], "at the threshold");
        assert_eq!(villages[2].branch.secretary, before[2]);
    }

    #[test]
    fn a_vacant_branch_takes_no_bottom_share_slot() {
        let (mut s, mut villages) = mass_assessment(5);
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
