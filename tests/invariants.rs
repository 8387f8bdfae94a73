//! Invariants checked on every step of a run, with every mechanism on, for
//! the defaults and for random parameter draws (property tests).

use grassroots::engine::Simulation;
use grassroots::metrics::{METRICS, metric_index};
use grassroots::random as rng;
use grassroots::scenario::{CountSpec, Reach, RewardRule, Scenario, Successor};
use grassroots::study::run_replicates;
use proptest::prelude::*;

fn small(s: Scenario) -> Scenario {
    let mut s = s.with_all_mechanisms();
    s.world.villages = 5;
    s.world.villages_per_township = 2;
    s.world.households_per_village = CountSpec::Fixed(30);
    s.world.members_per_village = CountSpec::Fixed(5);
    s.scenario.months = 30;
    s.supervision.campaign_inspection_rate = 0.3;
    s.supervision.campaign_start_month = 5;
    s.migration.wage_ratio = 3.0;
    s.service_team.joint_branch_min_active = 4;
    // A mid-run policy change switches several mechanisms.
    s.changes = vec![grassroots::scenario::Change {
        month: 15,
        set: vec![
            ("spiritual.enabled".into(), "false".into()),
            ("incentive.reward_rule".into(), "\"threshold\"".into()),
            ("service_team.contact_assignment".into(), "false".into()),
            ("migration.wage_ratio".into(), "1.0".into()),
        ],
    }];
    s
}

fn unit(x: f32) -> bool {
    (0.0..=1.0).contains(&x)
}

/// Run a scenario step by step and check every invariant after each step.
fn check_invariants(s: &Scenario) -> Result<(), String> {
    let m = |name: &str| metric_index(name).unwrap();
    let mut sim = Simulation::new(s, rng::replicate_seed(s.scenario.seed, 0, 0));
    let mut backlog = 0.0;
    for month in 0..s.scenario.months {
        let row = sim.step();
        for (k, x) in row.iter().enumerate() {
            // Scores may fall below zero through sanction deductions.
            let may_be_negative = METRICS[k].name == "assessment_score";
            if !x.is_finite() || (*x < 0.0 && !may_be_negative) {
                return Err(format!("month {month}: {} = {x}", METRICS[k].name));
            }
        }
        let (arrived, resolved, abandoned) = (
            row[m("needs_arrived")],
            row[m("needs_resolved")],
            row[m("needs_abandoned")],
        );
        if resolved > arrived + backlog {
            return Err(format!(
                "month {month}: resolved {resolved} > arrived {arrived} + backlog {backlog}"
            ));
        }
        let expected = backlog + arrived - resolved - abandoned;
        if (row[m("backlog")] - expected).abs() > 1e-9 {
            return Err(format!(
                "month {month}: backlog {} ≠ {expected}",
                row[m("backlog")]
            ));
        }
        backlog = row[m("backlog")];
        for name in [
            "share_met",
            "satisfaction_mean",
            "trust_mean",
            "coverage",
            "formalism_index",
            "real_effort",
            "private_effort",
            "motivation_mean",
            "skill_mean",
            "left_behind_share",
            "market_development",
            "innovation_adoption",
            "secretary_mass_evaluation",
            "secretary_talent",
        ] {
            if row[m(name)] > 1.0 {
                return Err(format!("month {month}: {name} = {} > 1", row[m(name)]));
            }
        }
        for q in ["satisfaction", "trust"] {
            let (a, b, c) = (
                row[m(&format!("{q}_p25"))],
                row[m(&format!("{q}_median"))],
                row[m(&format!("{q}_p75"))],
            );
            if !(a <= b && b <= c && c <= 1.0) {
                return Err(format!("month {month}: {q} quartiles {a} {b} {c}"));
            }
        }
        for v in sim.villages() {
            for h in &v.households {
                if !unit(h.satisfaction) || !unit(h.trust) {
                    return Err(format!("month {month}: household out of [0,1]: {h:?}"));
                }
            }
            if v.branch.funds < 0.0 || !v.branch.funds.is_finite() {
                return Err(format!("month {month}: negative funds {}", v.branch.funds));
            }
            let assigned: usize = v.members.iter().map(|m| usize::from(m.assigned)).sum();
            let covered = v.households.iter().filter(|h| h.is_covered()).count();
            if assigned != covered {
                return Err(format!(
                    "month {month}: {assigned} assigned ≠ {covered} covered"
                ));
            }
            for h in v.households.iter().filter(|h| h.is_covered()) {
                if !v.members[h.contact as usize].is_active() {
                    return Err(format!("month {month}: household's contact is not active"));
                }
            }
            for mem in &v.members {
                let e = mem.effort;
                let sum = e.real + e.formal + e.private;
                if !unit(mem.skill)
                    || !unit(mem.motivation)
                    || !unit(mem.disposition)
                    || !unit(e.real)
                    || !unit(e.formal)
                    || !unit(e.private)
                    || (sum - 1.0).abs() > 1e-4
                {
                    return Err(format!("month {month}: member state out of range: {mem:?}"));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn invariants_hold_on_every_step_with_everything_on() {
    check_invariants(&small(Scenario::defaults())).unwrap();
}

#[test]
fn invariants_hold_for_the_shipped_baseline() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/baseline.toml"
    ))
    .unwrap();
    let mut s = Scenario::from_toml(&text, "baseline.toml").unwrap();
    s.world.villages = 8;
    s.scenario.months = 36;
    check_invariants(&s).unwrap();
}

#[test]
fn adding_replicates_keeps_the_existing_ones() {
    let s = small(Scenario::defaults());
    let two = run_replicates(&s, 0, 2, &|| {});
    let three = run_replicates(&s, 0, 3, &|| {});
    assert_eq!(two[..], three[..2]);
    assert_ne!(three[1].months, three[2].months);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn invariants_hold_for_random_parameters(
        seed in 0u64..1_000_000,
        need_rate in 0.0f64..3.0,
        abandon in 0.0f64..1.0,
        kappa in 0.0f64..30.0,
        coverage in 0.0f64..1.0,
        w in (0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0),
        inspection in 0.0f64..1.0,
        mass in 0.0f64..1.0,
        threshold in 1u32..5,
        noise in 0.0f64..3.0,
        imitation in 0.0f64..1.0,
        temperature in 0.001f64..5.0,
        threshold_rule in any::<bool>(),
        reach in 0u8..3,
        period in 1u32..13,
        wage_ratio in 0.0f64..6.0,
        guarantee in 0.0f64..5.0,
        min_active in 0u32..8,
        successor_election in any::<bool>(),
    ) {
        let mut s = small(Scenario::defaults());
        s.scenario.seed = seed;
        s.environment.need_rate = need_rate;
        s.environment.abandon_rate = abandon;
        s.service.needs_per_member_month = kappa;
        s.world.contact_coverage = coverage;
        (s.incentive.formal_weight, s.incentive.outcome_weight, s.incentive.mass_evaluation_weight) = w;
        s.incentive.assessment_period_months = period;
        s.incentive.reward_rule = if threshold_rule { RewardRule::Threshold } else { RewardRule::Rank };
        s.supervision.inspection_rate = inspection;
        s.supervision.mass_supervision = mass;
        s.supervision.report_threshold = threshold;
        s.effort.noise = noise;
        s.exemplary.imitation_rate = imitation;
        s.exemplary.imitation_temperature = temperature;
        s.exemplary.reach = [Reach::Branch, Reach::Township, Reach::County][reach as usize];
        s.migration.wage_ratio = wage_ratio;
        s.funds.monthly_guarantee = guarantee;
        s.service_team.joint_branch_min_active = min_active;
        s.selection.successor = if successor_election { Successor::Election } else { Successor::Appointment };
        prop_assert_eq!(check_invariants(&s), Ok(()));
    }
}
