//! Set-up: building a village (`docs/model.md` §5).
//!
//! The engine builds the county's villages: it draws households and members
//! from the scenario and then runs the rules that give the first month its
//! starting point (leadership, productivity and the members' effort split).
//! It lives in the engine, not the model, because it calls rules.

use crate::metrics::VillageTally;
use crate::model::{
    Branch, EffortSplit, Household, HouseholdType, Member, MemberStatus, NO_CONTACT, PeriodRecord,
    ScoreWeights, Village,
};
use crate::random::{self as rng, bernoulli, poisson, standard_normal, uniform};
use crate::rules::{MonthContext, effort, leadership};
use crate::scenario::{CountDistribution, CountSpec, Scenario};
use rand_chacha::ChaCha8Rng;

/// Draw a per-village count from its specification, clamped to `[min, max]`.
pub fn draw_count(spec: &CountSpec, rng: &mut ChaCha8Rng, min: u32, max: u32) -> u32 {
    let x = match *spec {
        CountSpec::Fixed(n) => n,
        CountSpec::Drawn(CountDistribution::Uniform([a, b])) => {
            a + (uniform(rng) * f64::from(b - a + 1)).floor() as u32
        }
        CountSpec::Drawn(CountDistribution::Normal([mean, sd])) => {
            (mean + sd * standard_normal(rng)).round().max(0.0) as u32
        }
        CountSpec::Drawn(CountDistribution::Poisson(mean)) => poisson(rng, mean),
    };
    x.clamp(min, max)
}

fn clamped_normal(rng: &mut ChaCha8Rng, mean: f64, sd: f64) -> f32 {
    (mean + sd * standard_normal(rng)).clamp(0.0, 1.0) as f32
}

/// Build village `id` of a replicate whose seed is `replicate_seed`.
pub fn build_village(s: &Scenario, id: u32, replicate_seed: u64) -> Village {
    let mut rng = rng::stream(replicate_seed, u64::from(id));
    let w = &s.world;
    let n_households = draw_count(&w.households_per_village, &mut rng, 1, 60_000) as usize;
    let n_members = draw_count(&w.members_per_village, &mut rng, 1, 5_000) as usize;

    let cum = [
        w.share_left_behind,
        w.share_left_behind + w.share_business,
        w.share_left_behind + w.share_business + w.share_difficulty,
    ];
    let mut next_contact = 0usize;
    let households = (0..n_households)
        .map(|_| {
            // The type from one uniform: left-behind, business, difficulty
            // or ordinary as u passes the cumulative shares.
            let kind = [
                HouseholdType::LeftBehind,
                HouseholdType::Business,
                HouseholdType::Difficulty,
                HouseholdType::Ordinary,
            ][rng::interval_of(uniform(&mut rng), &cum)];
            // Covered households take the members in turn (a select).
            let covered = bernoulli(&mut rng, w.contact_coverage);
            let contact = std::hint::select_unpredictable(
                covered,
                (next_contact % n_members) as u16,
                NO_CONTACT,
            );
            next_contact += usize::from(covered);
            Household {
                kind,
                reported: false,
                open_needs: [0; 4],
                resolved_this_month: 0,
                abandoned_this_month: 0,
                contact,
                satisfaction: w.initial_satisfaction as f32,
                trust: w.initial_trust as f32,
            }
        })
        .collect::<Vec<_>>();

    let mut members = (0..n_members)
        .map(|_| {
            let skill = clamped_normal(&mut rng, w.skill_mean, w.skill_sd);
            let motivation = clamped_normal(&mut rng, w.motivation_mean, w.motivation_sd);
            let leadership = clamped_normal(
                &mut rng,
                0.5 * f64::from(skill + motivation),
                s.leadership.talent_sd,
            );
            let working_age = bernoulli(&mut rng, w.share_working_age);
            Member {
                status: MemberStatus::Active,
                skill,
                motivation,
                disposition: motivation,
                leadership,
                working_age,
                effort: EffortSplit {
                    real: 0.0,
                    formal: 0.0,
                    private: 1.0,
                },
                honours: 0,
                sanctions: 0,
                assigned: 0,
                is_model: false,
                practice: None,
                unmet_share: 0.5,
                contact_trust: w.initial_trust as f32,
                contact_satisfaction: w.initial_satisfaction as f32,
                capacity: 0.0,
                assigned_backlog: 0.0,
                reports: 0,
                sanctions_this_month: 0,
                period: PeriodRecord::default(),
                reward_chance: s.incentive.prior_reward_chance(),
                time_off: 0.0,
                score: 0.0,
                payoff: 0.0,
            }
        })
        .collect::<Vec<_>>();
    // Households per contact, counted in a slot per member and one, not
    // read, for households without a contact (no branch).
    let mut assigned = vec![0u16; n_members + 1];
    for h in &households {
        assigned[h.contact_slot(n_members)] += 1;
    }
    for (m, &count) in members.iter_mut().zip(&assigned) {
        m.assigned = count;
    }
    let secretary = members
        .iter()
        .enumerate()
        .max_by(|a, b| {
            let ka = a.1.skill * a.1.motivation;
            let kb = b.1.skill * b.1.motivation;
            ka.total_cmp(&kb).then(b.0.cmp(&a.0))
        })
        .map(|(i, _)| i as u16)
        .unwrap_or(0);
    let e = &s.environment;
    let market = clamped_normal(&mut rng, e.market_development, e.market_development_sd);
    let differentiation = clamped_normal(&mut rng, e.differentiation, e.market_development_sd);
    let mut village = Village {
        id,
        township: id / s.world.villages_per_township,
        households,
        members,
        branch: Branch {
            secretary,
            leadership: 1.0,
            funds: if s.funds.enabled {
                s.funds.initial
            } else {
                0.0
            },
            score: 0.0,
            evaluation: 0.0,
            promotion_chance: 0.0,
            innovated: false,
            support_capacity: 0.0,
            lent_capacity: 0.0,
            spare_capacity: 0.0,
            industry_capacity: 0.0,
            joined: false,
            tenure: u16::MAX,
            known_weights: ScoreWeights::of(&s.incentive),
        },
        market,
        differentiation,
        expectation: 1.0,
        rng,
    };
    let start = MonthContext::at_start(s);
    leadership::update(&mut village, &start, &mut VillageTally::default());
    let weights = village.branch.known_weights;
    for m in &mut village.members {
        m.effort = effort::best_split(s, m, start.inspection, &weights, start.campaign);
    }
    village
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_and_types_follow_the_scenario() {
        let mut s = Scenario::defaults();
        s.world.households_per_village = CountSpec::Fixed(4000);
        s.world.contact_coverage = 0.25;
        let v = build_village(&s, 0, 11);
        let covered = v.households.iter().filter(|h| h.is_covered()).count() as f64 / 4000.0;
        assert!((covered - 0.25).abs() < 0.03, "{covered}");
        let assigned: u32 = v.members.iter().map(|m| u32::from(m.assigned)).sum();
        assert_eq!(
            assigned as usize,
            v.households.iter().filter(|h| h.is_covered()).count()
        );
        let left = v
            .households
            .iter()
            .filter(|h| h.kind == HouseholdType::LeftBehind)
            .count();
        assert!((left as f64 / 4000.0 - 0.25).abs() < 0.03);
    }

    /// `docs/model.md` §5, items 1–4, replayed draw by draw from the
    /// village's stream apart from `build_village`: the counts, each
    /// household's type and contact, each member's s, θ, ℓ and working
    /// age, the secretary, M and D, and no draw more (the village keeps
    /// the stream where set-up left it).
    #[test]
    fn a_village_is_built_draw_by_draw_as_documented() {
        use rand_distr::{Bernoulli, Distribution};
        let mut s = Scenario::defaults();
        s.world.households_per_village = CountSpec::Drawn(CountDistribution::Uniform([40, 60]));
        s.world.members_per_village = CountSpec::Drawn(CountDistribution::Normal([7.0, 2.0]));
        s.world.contact_coverage = 0.6;
        s.world.share_working_age = 0.4;
        s.world.skill_sd = 0.3;
        s.world.motivation_sd = 0.3;
        s.leadership.talent_sd = 0.2;
        s.environment.market_development_sd = 0.3;
        s.world.villages_per_township = 5;
        // Townships of five consecutive villages (§2): 0–4, 5–9, …
        for (id, seed, township) in [(0u32, 5u64, 0u32), (3, 8, 0), (17, 21, 3)] {
            let v = build_village(&s, id, seed);
            assert_eq!(v.township, township);
            let mut r = rng::stream(seed, u64::from(id));
            // A Bernoulli trial for 0 < p < 1 is `rand`'s (§3.3).
            let trial = |r: &mut ChaCha8Rng, p: f64| Bernoulli::new(p).unwrap().sample(r);
            let w = &s.world;
            let n_h = 40 + (uniform(&mut r) * 21.0).floor() as usize;
            let n_m = (7.0 + 2.0 * standard_normal(&mut r))
                .round()
                .clamp(1.0, 5000.0) as usize;
            assert_eq!((v.households.len(), v.members.len()), (n_h, n_m));
            let mut covered = 0usize;
            for h in &v.households {
                let u = uniform(&mut r);
                let kind = if u < w.share_left_behind {
                    HouseholdType::LeftBehind
                } else if u < w.share_left_behind + w.share_business {
                    HouseholdType::Business
                } else if u < w.share_left_behind + w.share_business + w.share_difficulty {
                    HouseholdType::Difficulty
                } else {
                    HouseholdType::Ordinary
                };
                assert_eq!(h.kind, kind);
                if trial(&mut r, w.contact_coverage) {
                    assert_eq!(usize::from(h.contact), covered % n_m);
                    covered += 1;
                } else {
                    assert_eq!(h.contact, NO_CONTACT);
                }
                assert_eq!(h.open_needs, [0; 4]);
                assert_eq!(h.satisfaction, w.initial_satisfaction as f32);
                assert_eq!(h.trust, w.initial_trust as f32);
            }
            let clamp = |x: f64| x.clamp(0.0, 1.0) as f32;
            for (i, m) in v.members.iter().enumerate() {
                let skill = clamp(w.skill_mean + w.skill_sd * standard_normal(&mut r));
                let motivation =
                    clamp(w.motivation_mean + w.motivation_sd * standard_normal(&mut r));
                let talent = clamp(
                    0.5 * f64::from(skill + motivation)
                        + s.leadership.talent_sd * standard_normal(&mut r),
                );
                assert_eq!(
                    (m.skill, m.motivation, m.disposition),
                    (skill, motivation, motivation)
                );
                assert_eq!(m.leadership, talent, "member {i}");
                assert_eq!(m.working_age, trial(&mut r, w.share_working_age));
                let households = v.households.iter().filter(|h| usize::from(h.contact) == i);
                assert_eq!(usize::from(m.assigned), households.count());
                assert_eq!(m.status, MemberStatus::Active);
                assert_eq!(m.unmet_share, 0.5);
            }
            // The highest s·θ, the lowest index on ties.
            let key = |m: &Member| m.skill * m.motivation;
            let best = v.members.iter().map(key).fold(f32::MIN, f32::max);
            let secretary = v.members.iter().position(|m| key(m) == best).unwrap();
            assert_eq!(usize::from(v.branch.secretary), secretary);
            let e = &s.environment;
            let market =
                clamp(e.market_development + e.market_development_sd * standard_normal(&mut r));
            let differentiation =
                clamp(e.differentiation + e.market_development_sd * standard_normal(&mut r));
            assert_eq!((v.market, v.differentiation), (market, differentiation));
            assert_eq!((v.expectation, v.branch.tenure), (1.0, u16::MAX));
            let mut kept = v.rng.clone();
            assert_eq!(uniform(&mut kept).to_bits(), uniform(&mut r).to_bits());
        }
    }

    #[test]
    fn counts_draw_within_bounds() {
        let mut rng = rng::stream(1, 1);
        // Uniform = [a, b] takes every integer from a to b, ends included.
        let spec = CountSpec::Drawn(CountDistribution::Uniform([5, 9]));
        let mut seen = [0u32; 5];
        for _ in 0..200 {
            let n = draw_count(&spec, &mut rng, 1, 100);
            assert!((5..=9).contains(&n));
            seen[(n - 5) as usize] += 1;
        }
        assert!(seen.iter().all(|&k| k > 0), "{seen:?}");
        // A wide normal is clamped to [min, max] at both ends.
        let spec = CountSpec::Drawn(CountDistribution::Normal([3.0, 50.0]));
        let drawn: Vec<u32> = (0..200)
            .map(|_| draw_count(&spec, &mut rng, 1, 10))
            .collect();
        assert!(drawn.iter().all(|n| (1..=10).contains(n)));
        assert!(drawn.contains(&1) && drawn.contains(&10));
    }
}
