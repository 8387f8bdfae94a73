//! The incentive system (`docs/model.md` §7.4): assessment scores and rewards.
//!
//! Each month a member's record grows by the formal output √e_F, the needs
//! they resolved, and the realised utility
//! u = v·θ·s·√e_R + π·√e_P − f·(sanctions this month).
//! At the end of every assessment period of P months the county scores every
//! active member:
//!
//! score = w_F·F̄ + w_O·Ō + w_M·M̄ + w_E·Ē − p_S·(sanctions in the period),
//!
//! F̄ the mean monthly formal output, Ē the mean monthly private (economic)
//! output ("two skins", `[Implementing]` §2.3), Ō = min(1, resolved / (κ·months recorded in the period)), M̄ the mean
//! satisfaction of the member's households (the branch's if none). If the
//! incentive system is on, the top share (rank rule) or everyone at or above
//! the threshold (threshold rule) is rewarded. A member's payoff for the
//! period is mean monthly utility plus ρ if rewarded. The reward is a
//! contest (Lazear & Rosen 1981): each member's chance of reward next
//! period is P = 1/(1 + exp(−(score − c)/K_R)) with c the last cut-off, and
//! one more unit of score is worth ρ·P·(1 − P)/K_R in the effort choice.

use crate::metrics::{CountyTally, VillageTally};
use crate::model::Village;
use crate::rules::{MonthContext, crowding};
use crate::scenario::{RewardRule, Scenario};
use rayon::prelude::*;

/// Add this month to every active member's period record.
pub fn record_month(v: &mut Village, ctx: &MonthContext<'_>, _tally: &mut VillageTally) {
    let s = ctx.policy;
    let value = s.effort.intrinsic_value as f32;
    let private = s.effort.private_return as f32;
    let sanction = s.supervision.sanction as f32;
    for m in v.members.iter_mut().filter(|m| m.is_active()) {
        let p = &mut m.period;
        p.months += 1;
        p.formal_output += m.effort.formal_output();
        p.private_output += m.effort.private_output();
        p.utility += value * m.motivation * m.skill * m.effort.real_output()
            + private * m.effort.private_output()
            - sanction * f32::from(m.sanctions_this_month);
    }
}

/// Score every active member of a village and the branch (mean score).
pub fn score_members(v: &mut Village, s: &Scenario) {
    let inc = &s.incentive;
    let innovation = if v.branch.innovated {
        inc.innovation_weight as f32
    } else {
        0.0
    };
    let kappa = s.service.needs_per_member_month as f32;
    let mut sum = 0.0f32;
    let mut n = 0u32;
    for m in &mut v.members {
        if !m.is_active() || m.period.months == 0 {
            m.score = 0.0;
            continue;
        }
        let months = f32::from(m.period.months);
        let formal = m.period.formal_output / months;
        let outcome = if kappa > 0.0 {
            (m.period.resolved / (kappa * months)).min(1.0)
        } else {
            0.0
        };
        m.score = inc.formal_weight as f32 * formal
            + inc.outcome_weight as f32 * outcome
            + inc.mass_evaluation_weight as f32 * m.contact_satisfaction
            + inc.economic_weight as f32 * m.period.private_output / months
            + innovation
            - inc.sanction_points as f32 * f32::from(m.period.sanctions);
        sum += m.score;
        n += 1;
    }
    v.branch.score = if n > 0 { sum / n as f32 } else { 0.0 };
}

/// Reward members county-wide by the reward rule, and set every scored
/// member's chance of reward for the next period from the cut-off
/// (`docs/model.md` §7.4, eq. 7.4.4). A member who expected a reward with
/// chance P and was passed over loses drive (§7.13). Chances are set even
/// with the incentive system off (nobody is rewarded then, and ρ = 0).
pub fn award(villages: &mut [Village], s: &Scenario, tally: &mut CountyTally) {
    let inc = &s.incentive;
    let mut ranked: Vec<(f32, u32, u16)> = villages
        .iter()
        .flat_map(|v| {
            v.members
                .iter()
                .enumerate()
                .filter(|(_, m)| m.is_active() && m.period.months > 0)
                .map(move |(i, m)| (m.score, v.id, i as u16))
        })
        .collect();
    // (village, member) is unique, so the order is total and the same
    // however the parallel sort splits the work.
    ranked.par_sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    // The winners are a prefix of the ranking under either rule.
    let (winners, cutoff) = match inc.reward_rule {
        RewardRule::Rank => {
            let n = ((inc.reward_share * ranked.len() as f64).round() as usize).min(ranked.len());
            let scores: Vec<f64> = ranked.iter().map(|r| f64::from(r.0)).collect();
            (n, rank_cutoff(&scores, n, inc.contest_noise))
        }
        RewardRule::Threshold => (
            ranked
                .iter()
                .take_while(|r| f64::from(r.0) >= inc.reward_threshold)
                .count(),
            Some(inc.reward_threshold),
        ),
    };
    for (rank, &(score, village, member)) in ranked.iter().enumerate() {
        let m = &mut villages[village as usize].members[member as usize];
        let expected = m.reward_chance;
        m.reward_chance = reward_chance(f64::from(score), cutoff, inc.contest_noise);
        if !inc.enabled {
            continue;
        }
        if rank < winners {
            m.period.rewarded = true;
            m.honours = m.honours.saturating_add(1);
            crowding::after_reward(m, s);
            tally.rewards += 1;
            if inc.material_reward > 0.0 {
                tally.cost += inc.material_reward_cost;
            }
        } else {
            crowding::after_passed_over(m, s, expected);
        }
    }
}

/// Members ranked in a county above which [`rank_cutoff`] computes its
/// terms in parallel.
const PARALLEL_ABOVE: usize = 16_384;

/// c: the cut-off at which the members' chances of reward (eq. 7.4.4) add
/// up to the `winners` actually rewarded, found by Newton's method kept
/// inside a bisection bracket ([`solve_cutoff`]); none if nobody is
/// rewarded.
pub fn rank_cutoff(scores: &[f64], winners: usize, noise: f64) -> Option<f64> {
    if winners == 0 || scores.is_empty() {
        return None;
    }
    // Σ P and Σ P(1 − P) at cut-off c. In a large county (a province has
    // ~10⁶ members) the terms are computed in parallel and then summed in
    // order, so the sums are the same at any thread count.
    let mut terms = vec![
        (0.0f64, 0.0f64);
        if scores.len() >= PARALLEL_ABOVE {
            scores.len()
        } else {
            0
        }
    ];
    let chance = move |x: f64, c: f64| {
        let p = 1.0 / (1.0 + (-(x - c) / noise).exp());
        (p, p * (1.0 - p))
    };
    let sums = |c: f64| -> (f64, f64) {
        let add = |(a, b): (f64, f64), (p, d): (f64, f64)| (a + p, b + d);
        if terms.is_empty() {
            scores.iter().map(|&x| chance(x, c)).fold((0.0, 0.0), add)
        } else {
            terms
                .par_iter_mut()
                .zip(scores.par_iter())
                .with_min_len(4096)
                .for_each(|(t, &x)| *t = chance(x, c));
            terms.iter().copied().fold((0.0, 0.0), add)
        }
    };
    Some(solve_cutoff(scores, winners, noise, sums))
}

/// The search of [`rank_cutoff`] (`docs/model.md` §7.4): from the midpoint
/// of [min − 40·K_R, max + 40·K_R], Newton steps c ← c + K_R·(Σ P − W)/Σ P(1 − P)
/// on the decreasing Σ P(c), each kept strictly inside the bracket that the
/// signs so far leave (the bracket's midpoint otherwise), until Σ P = W
/// exactly, a step is at most 10⁻⁹·K_R, or 60 evaluations; the bracket's
/// lower end when W ≥ N (no root). `sums(c)` gives (Σ P, Σ P(1 − P)).
fn solve_cutoff(
    scores: &[f64],
    winners: usize,
    noise: f64,
    mut sums: impl FnMut(f64) -> (f64, f64),
) -> f64 {
    let lowest = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let highest = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (mut lo, mut hi) = (lowest - 40.0 * noise, highest + 40.0 * noise);
    if winners >= scores.len() {
        // Everyone is rewarded: Σ P < N at every c, no root; the bracket's
        // lower end, where every chance is 1 − e^(−40) at least.
        return lo;
    }
    let target = winners as f64;
    let mut c = 0.5 * (lo + hi);
    for _ in 0..60 {
        let (sum, slope) = sums(c);
        let excess = sum - target;
        if excess == 0.0 {
            break;
        }
        if excess > 0.0 {
            lo = c;
        } else {
            hi = c;
        }
        let newton = c + noise * excess / slope;
        let next = if slope > 0.0 && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        let step = (next - c).abs();
        c = next;
        if step <= 1e-9 * noise {
            break;
        }
    }
    c
}

/// P = 1/(1 + exp(−(score − c)/K_R)): the chance of reward a member with
/// `score` expects when the last cut-off was `cutoff` (0 if nobody could be
/// rewarded).
pub fn reward_chance(score: f64, cutoff: Option<f64>, noise: f64) -> f32 {
    match cutoff {
        Some(c) => (1.0 / (1.0 + (-(score - c) / noise).exp())) as f32,
        None => 0.0,
    }
}

/// Close the period: set each member's payoff and clear the record.
pub fn close_period(v: &mut Village, s: &Scenario) {
    let rho = s.incentive.reward_value() as f32;
    for m in &mut v.members {
        let p = m.period;
        m.payoff = if p.months > 0 {
            p.utility / f32::from(p.months) + if p.rewarded { rho } else { 0.0 }
        } else {
            0.0
        };
        m.period = Default::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;

    /// The search of eq. 7.4.4 with its sums taken sequentially (the
    /// reference).
    fn sequential_cutoff(scores: &[f64], winners: usize, noise: f64) -> f64 {
        solve_cutoff(scores, winners, noise, |c| {
            scores
                .iter()
                .map(|&x| {
                    let p = 1.0 / (1.0 + (-(x - c) / noise).exp());
                    (p, p * (1.0 - p))
                })
                .fold((0.0, 0.0), |(a, b), (p, d)| (a + p, b + d))
        })
    }

    /// The cut-off makes the chances add up to the winners, for precise
    /// and noisy rankings, few and many winners.
    #[test]
    fn the_cutoff_gives_as_many_expected_winners_as_rewards() {
        let scores: Vec<f64> = (0..2_000u32)
            .map(|i| f64::from((i.wrapping_mul(2_654_435_761) >> 8) % 1000) / 1000.0)
            .collect();
        for noise in [0.001, 0.05, 0.5, 5.0] {
            for winners in [1, 20, 200, 1000, 1999] {
                let c = rank_cutoff(&scores, winners, noise).unwrap();
                let expected: f64 = scores
                    .iter()
                    .map(|&x| 1.0 / (1.0 + (-(x - c) / noise).exp()))
                    .sum();
                assert!(
                    (expected - winners as f64).abs() < 1e-6 * winners as f64,
                    "noise {noise}, winners {winners}: {expected}"
                );
            }
        }
        assert_eq!(rank_cutoff(&scores, 0, 0.05), None);
    }

    /// Hard cases: one member, ties, outliers, and everyone rewarded (no
    /// root: the bracket's lower end, as the bisection gave).
    #[test]
    fn the_cutoff_handles_ties_outliers_and_everyone_rewarded() {
        let expected = |scores: &[f64], c: f64, noise: f64| -> f64 {
            scores
                .iter()
                .map(|&x| 1.0 / (1.0 + (-(x - c) / noise).exp()))
                .sum()
        };
        let tied = vec![0.5; 100];
        let c = rank_cutoff(&tied, 50, 0.05).unwrap();
        assert!((expected(&tied, c, 0.05) - 50.0).abs() < 1e-9, "{c}");
        let mut outliers: Vec<f64> = (0..200).map(|i| f64::from(i) / 200.0).collect();
        outliers.extend([1000.0, -1000.0]);
        for noise in [0.001, 0.05, 10.0] {
            for winners in [1, 2, 101, 201] {
                let c = rank_cutoff(&outliers, winners, noise).unwrap();
                let sum = expected(&outliers, c, noise);
                assert!(
                    (sum - winners as f64).abs() < 1e-8 * winners as f64,
                    "{noise} {winners}: {sum}"
                );
            }
        }
        let one = [0.3];
        let c = rank_cutoff(&one, 1, 0.05).unwrap();
        assert_eq!(c, 0.3 - 40.0 * 0.05);
        assert!(expected(&one, c, 0.05) > 1.0 - 1e-14);
        let c = rank_cutoff(&outliers, outliers.len(), 0.05).unwrap();
        assert_eq!(c, -1000.0 - 40.0 * 0.05);
    }

    #[test]
    fn a_large_county_finds_the_same_cutoff_at_any_thread_count() {
        let scores: Vec<f64> = (0..40_000u32)
            .map(|i| f64::from((i.wrapping_mul(2_654_435_761) >> 8) % 1000) / 1000.0)
            .collect();
        let reference = sequential_cutoff(&scores, 4000, 0.05);
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let c = pool.install(|| rank_cutoff(&scores, 4000, 0.05)).unwrap();
            assert_eq!(c.to_bits(), reference.to_bits(), "{threads} threads");
        }
    }
    use crate::model::EffortSplit;

    fn scored(formal_weight: f64) -> (f32, f32) {
        let mut s = Scenario::defaults();
        s.incentive.formal_weight = formal_weight;
        let mut v = build_village(&s, 0, 3);
        v.members[0].effort = EffortSplit {
            real: 0.1,
            formal: 0.8,
            private: 0.1,
        };
        v.members[1].effort = EffortSplit {
            real: 0.8,
            formal: 0.1,
            private: 0.1,
        };
        for m in &mut v.members[..2] {
            m.skill = 0.5;
            m.contact_satisfaction = 0.5;
        }
        for _ in 0..12 {
            record_month(
                &mut v,
                &MonthContext::at_start(&s),
                &mut VillageTally::default(),
            );
        }
        v.members[1].period.resolved = 12.0 * 3.0;
        v.members[0].period.resolved = 12.0 * 0.5;
        score_members(&mut v, &s);
        (v.members[0].score, v.members[1].score)
    }

    /// Each month adds √e_P to the private output and
    /// u = v·θ·s·√e_R + π·√e_P − f·(sanctions this month) to the utility
    /// (eq. 7.4.1).
    #[test]
    fn each_month_adds_private_output_and_utility_to_the_record() {
        let s = Scenario::defaults();
        let mut v = build_village(&s, 0, 3);
        let m = &mut v.members[0];
        assert!(m.is_active());
        m.effort = EffortSplit {
            real: 0.25,
            formal: 0.25,
            private: 0.5,
        };
        m.motivation = 0.8;
        m.skill = 0.6;
        m.sanctions_this_month = 2;
        for _ in 0..3 {
            record_month(
                &mut v,
                &MonthContext::at_start(&s),
                &mut VillageTally::default(),
            );
        }
        let private = 0.5f64.sqrt();
        let utility = s.effort.intrinsic_value * 0.8 * 0.6 * 0.5
            + s.effort.private_return * private
            - s.supervision.sanction * 2.0;
        let p = v.members[0].period;
        assert_eq!(p.months, 3);
        assert!((f64::from(p.private_output) - 3.0 * private).abs() < 1e-5);
        assert!(
            (f64::from(p.utility) - 3.0 * utility).abs() < 1e-5,
            "{} {}",
            p.utility,
            3.0 * utility
        );
    }

    /// score = w_F·F̄ + w_O·Ō + w_M·M̄ + w_E·Ē − p_S·k (eq. 7.4.2), with F̄
    /// and Ē means over the months recorded and Ō = min(1, resolved / (κ·months)),
    /// 0 if κ = 0.
    #[test]
    fn the_score_weighs_mean_outputs_outcome_satisfaction_and_sanctions() {
        let score = |resolved_share: f32, kappa: f64| {
            let mut s = Scenario::defaults();
            s.incentive.economic_weight = 0.2;
            s.service.needs_per_member_month = kappa;
            let mut v = build_village(&s, 0, 3);
            let m = &mut v.members[0];
            m.period.months = 4;
            m.period.formal_output = 4.0 * 0.5;
            m.period.private_output = 4.0 * 0.3;
            m.period.resolved = resolved_share * 8.0 * 4.0;
            m.period.sanctions = 2;
            m.contact_satisfaction = 0.7;
            score_members(&mut v, &s);
            let i = &s.incentive;
            let without_outcome =
                i.formal_weight * 0.5 + i.mass_evaluation_weight * 0.7 + 0.2 * 0.3
                    - i.sanction_points * 2.0;
            (
                f64::from(v.members[0].score),
                without_outcome,
                i.outcome_weight,
            )
        };
        let (half, rest, w_o) = score(0.5, 8.0);
        assert!((half - (rest + w_o * 0.5)).abs() < 1e-6, "{half}");
        let (more_than_all, rest, w_o) = score(3.0, 8.0);
        assert!(
            (more_than_all - (rest + w_o)).abs() < 1e-6,
            "{more_than_all}"
        );
        let (no_capacity, rest, _) = score(0.5, 0.0);
        assert!((no_capacity - rest).abs() < 1e-6, "{no_capacity}");
    }

    /// The period's payoff is the mean monthly utility plus ρ if rewarded,
    /// 0 without a month recorded, and the record is then cleared (eq. 7.4.3).
    #[test]
    fn the_payoff_is_mean_utility_plus_the_reward_value() {
        let s = Scenario::defaults();
        let rho = s.incentive.reward_value() as f32;
        assert!(rho > 0.0);
        let mut v = build_village(&s, 0, 3);
        for (i, m) in v.members.iter_mut().enumerate() {
            m.payoff = 9.0;
            if i < 2 {
                m.period.months = 4;
                m.period.utility = 2.0;
                m.period.rewarded = i == 1;
            }
        }
        close_period(&mut v, &s);
        let payoffs: Vec<f32> = v.members.iter().map(|m| m.payoff).collect();
        assert!((payoffs[0] - 0.5).abs() < 1e-6, "{payoffs:?}");
        assert!((payoffs[1] - (0.5 + rho)).abs() < 1e-6, "{payoffs:?}");
        assert_eq!(payoffs[2], 0.0);
        assert!(v.members.iter().all(|m| m.period.months == 0));
    }

    /// Each reward costs `material_reward_cost` when it has a material
    /// part, and nothing when it is recognition only (§7.4).
    #[test]
    fn material_rewards_cost_and_recognition_does_not() {
        let award_with = |material: f64| {
            let mut s = Scenario::defaults();
            s.incentive.reward_share = 0.5;
            s.incentive.material_reward = material;
            s.incentive.material_reward_cost = 2.0;
            let mut villages = vec![build_village(&s, 0, 5)];
            for (i, m) in villages[0].members.iter_mut().enumerate() {
                m.period.months = 12;
                m.score = i as f32;
            }
            let mut t = CountyTally::default();
            award(&mut villages, &s, &mut t);
            (t.rewards, t.cost)
        };
        let (rewards, cost) = award_with(0.3);
        assert!(rewards > 0);
        assert_eq!(cost, 2.0 * rewards as f64);
        assert_eq!(award_with(0.0).1, 0.0);
    }

    /// Only members scored at the assessment (active, with a month
    /// recorded) are ranked: the others are not rewarded and keep their
    /// chance of reward (§7.4).
    #[test]
    fn members_not_scored_are_neither_ranked_nor_rewarded() {
        let mut s = Scenario::defaults();
        s.incentive.reward_share = 0.5;
        let mut villages = vec![build_village(&s, 0, 5)];
        let members = &mut villages[0].members;
        let n = members.len();
        assert!(n >= 4);
        for (i, m) in members.iter_mut().enumerate() {
            m.period.months = 12;
            m.score = i as f32;
            m.reward_chance = 0.3;
        }
        members[n - 1].status = crate::model::MemberStatus::Migrated;
        members[n - 2].period.months = 0;
        award(&mut villages, &s, &mut CountyTally::default());
        for m in &villages[0].members[n - 2..] {
            assert!(!m.period.rewarded);
            assert_eq!(m.reward_chance, 0.3);
        }
        assert!(villages[0].members.iter().any(|m| m.period.rewarded));
    }

    /// Members not active at the assessment, or without a month recorded,
    /// are not scored: their score is reset to 0 and the branch score is the
    /// mean of the others' (§7.4).
    #[test]
    fn members_not_active_or_without_months_are_not_scored() {
        let s = Scenario::defaults();
        let mut v = build_village(&s, 0, 3);
        for m in &mut v.members {
            m.period.months = 12;
            m.period.formal_output = 6.0;
            m.score = 1.0;
        }
        v.members[0].status = crate::model::MemberStatus::Migrated;
        v.members[1].period = Default::default();
        assert!(v.members[1].is_active());
        score_members(&mut v, &s);
        assert_eq!((v.members[0].score, v.members[1].score), (0.0, 0.0));
        let scored: Vec<f32> = v.members[2..]
            .iter()
            .filter(|m| m.is_active())
            .map(|m| m.score)
            .collect();
        assert!(!scored.is_empty());
        let mean = scored.iter().sum::<f32>() / scored.len() as f32;
        assert!((v.branch.score - mean).abs() < 1e-6);
        // A branch with nobody scored scores 0.
        for m in &mut v.members {
            m.period = Default::default();
        }
        score_members(&mut v, &s);
        assert_eq!(v.branch.score, 0.0);
    }

    #[test]
    fn counting_activity_favours_formalists_and_counting_outcomes_favours_servers() {
        let (formalist, server) = scored(0.9);
        assert!(formalist > server);
        let (formalist, server) = scored(0.0);
        assert!(server > formalist);
    }

    #[test]
    fn rank_rule_rewards_the_top_share() {
        let mut s = Scenario::defaults();
        s.incentive.reward_share = 0.25;
        let mut villages: Vec<_> = (0..4).map(|i| build_village(&s, i, 5)).collect();
        for v in &mut villages {
            for (i, m) in v.members.iter_mut().enumerate() {
                m.period.months = 12;
                m.score = i as f32;
            }
        }
        let n: usize = villages.iter().map(|v| v.members.len()).sum();
        let mut t = CountyTally::default();
        award(&mut villages, &s, &mut t);
        assert_eq!(t.rewards as usize, (0.25 * n as f64).round() as usize);
        // The rewarded have the highest scores.
        let min_rewarded = villages
            .iter()
            .flat_map(|v| &v.members)
            .filter(|m| m.period.rewarded)
            .map(|m| m.score)
            .fold(f32::MAX, f32::min);
        let max_other = villages
            .iter()
            .flat_map(|v| &v.members)
            .filter(|m| !m.period.rewarded)
            .map(|m| m.score)
            .fold(f32::MIN, f32::max);
        assert!(min_rewarded >= max_other);
    }

    #[test]
    fn threshold_rule_rewards_all_above_it_and_none_when_switched_off() {
        let mut s = Scenario::defaults();
        s.incentive.reward_rule = RewardRule::Threshold;
        s.incentive.reward_threshold = 0.5;
        let mut villages = vec![build_village(&s, 0, 5)];
        for (i, m) in villages[0].members.iter_mut().enumerate() {
            m.period.months = 12;
            m.score = if i % 2 == 0 { 0.7 } else { 0.3 };
        }
        let mut t = CountyTally::default();
        award(&mut villages, &s, &mut t);
        assert_eq!(t.rewards as usize, villages[0].members.len().div_ceil(2));
        s.incentive.enabled = false;
        let mut t = CountyTally::default();
        award(&mut villages, &s, &mut t);
        assert_eq!(t.rewards, 0);
    }

    #[test]
    fn the_cut_off_sets_each_members_chance_of_reward() {
        let mut s = Scenario::defaults();
        s.incentive.reward_share = 0.25;
        let mut villages = vec![build_village(&s, 0, 5)];
        for (i, m) in villages[0].members.iter_mut().enumerate() {
            m.period.months = 12;
            m.score = i as f32 / 40.0;
        }
        award(&mut villages, &s, &mut CountyTally::default());
        let chances: Vec<f32> = villages[0]
            .members
            .iter()
            .map(|m| m.reward_chance)
            .collect();
        assert!(chances.windows(2).all(|w| w[1] > w[0]), "{chances:?}");
        // The chances add up to the number rewarded.
        let total: f32 = chances.iter().sum();
        let rewarded = villages[0]
            .members
            .iter()
            .filter(|m| m.period.rewarded)
            .count();
        assert!((total - rewarded as f32).abs() < 1e-3, "{total} {rewarded}");
        // Nobody can be rewarded: nobody expects a reward.
        s.incentive.reward_share = 0.0;
        award(&mut villages, &s, &mut CountyTally::default());
        assert!(villages[0].members.iter().all(|m| m.reward_chance == 0.0));
    }

    #[test]
    fn members_passed_over_lose_drive_and_the_rewarded_do_not() {
        let mut s = Scenario::defaults();
        s.incentive.reward_share = 0.5;
        s.incentive.material_reward = 0.0; // recognition only: no crowding out
        s.crowding.recognition = 0.0;
        let mut villages = vec![build_village(&s, 0, 5)];
        for (i, m) in villages[0].members.iter_mut().enumerate() {
            m.period.months = 12;
            m.score = i as f32;
            m.motivation = 0.5;
            m.reward_chance = 0.6;
        }
        award(&mut villages, &s, &mut CountyTally::default());
        for m in &villages[0].members {
            if m.period.rewarded {
                assert_eq!(m.motivation, 0.5);
            } else {
                assert!(m.motivation < 0.5);
            }
        }
    }

    #[test]
    fn an_innovation_weight_scores_the_members_of_innovating_branches() {
        let mut s = Scenario::defaults();
        s.incentive.innovation_weight = 0.2;
        let mut v = build_village(&s, 0, 3);
        for m in &mut v.members {
            m.period.months = 12;
        }
        score_members(&mut v, &s);
        let before = v.members[0].score;
        v.branch.innovated = true;
        score_members(&mut v, &s);
        assert!((v.members[0].score - before - 0.2).abs() < 1e-6);
    }
}
