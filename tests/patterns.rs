//! Patterns the model should show without being tuned to them
//! (`docs/model.md` §1), checked on small runs with several replicates.

use grassroots::metrics::metric_index;
use grassroots::scenario::{CountSpec, Scenario};
use grassroots::study::run_replicates;

fn small() -> Scenario {
    let mut s = Scenario::defaults();
    s.world.villages = 8;
    s.world.households_per_village = CountSpec::Fixed(60);
    s.world.members_per_village = CountSpec::Fixed(10);
    s.scenario.months = 36;
    s
}

/// Mean across 4 replicates of a metric, averaged over months `from..to`.
fn mean(s: &Scenario, metric: &str, from: usize, to: usize) -> f64 {
    let k = metric_index(metric).unwrap();
    let runs = run_replicates(s, 0, 4, &|| {});
    let total: f64 = runs
        .iter()
        .map(|r| r.months[from..to].iter().map(|m| m[k]).sum::<f64>())
        .sum();
    total / (runs.len() * (to - from)) as f64
}

#[test]
fn activity_counted_assessment_breeds_formalism_and_lowers_satisfaction() {
    let activity = small();
    let mut mass = small();
    mass.incentive.formal_weight = 0.1;
    mass.incentive.mass_evaluation_weight = 0.6;
    assert!(
        mean(&activity, "formalism_index", 24, 36) > mean(&mass, "formalism_index", 24, 36) + 0.1
    );
    assert!(
        mean(&activity, "satisfaction_mean", 24, 36) < mean(&mass, "satisfaction_mean", 24, 36)
    );
    assert!(mean(&activity, "realised_service", 24, 36) < mean(&mass, "realised_service", 24, 36));
}

#[test]
fn intrinsic_motivation_limits_the_drift_toward_the_measure() {
    let low = small();
    let mut high = small();
    high.world.motivation_mean = 0.9;
    assert!(mean(&high, "formalism_index", 24, 36) < mean(&low, "formalism_index", 24, 36));
}

#[test]
fn a_campaign_raises_real_effort_only_while_it_lasts() {
    // An inspection campaign without activities of its own.
    let mut s = small();
    s.supervision.campaign_inspection_rate = 0.4;
    s.supervision.campaign_start_month = 12;
    s.supervision.campaign_months = 6;
    s.supervision.campaign_activity_time = 0.0;
    let before = mean(&s, "real_effort", 6, 12);
    let during = mean(&s, "real_effort", 15, 18);
    let after = mean(&s, "real_effort", 30, 36);
    println!("inspection campaign: real effort {before} → {during} → {after}");
    assert!(during > before + 0.01, "{before} {during}");
    assert!(after < during - 0.01, "{during} {after}");
    // The same campaign run with meetings, "sports and activities" (000 §5)
    // turns time into formal activity while it lasts.
    s.supervision.campaign_activity_time = 0.1;
    let during = mean(&s, "formalism_index", 15, 18);
    let after = mean(&s, "formalism_index", 30, 36);
    assert!(during > after + 0.02, "{during} {after}");
}

#[test]
fn motivation_gained_from_education_fades_when_education_stops() {
    let mut s = small();
    s.scenario.months = 72;
    s.spiritual.enabled = true;
    s.changes = vec![grassroots::scenario::Change {
        month: 36,
        set: vec![("spiritual.enabled".into(), "false".into())],
    }];
    let start = mean(&s, "motivation_mean", 0, 3);
    let peak = mean(&s, "motivation_mean", 33, 36);
    let later = mean(&s, "motivation_mean", 69, 72);
    assert!(peak > start + 0.03, "{start} {peak}");
    assert!(later < peak - 0.03, "{peak} {later}");
}

#[test]
fn switching_a_mechanism_off_removes_its_traces() {
    let mut s = small();
    s.incentive.enabled = false;
    s.supervision.enabled = false;
    assert_eq!(mean(&s, "rewards", 0, 36), 0.0);
    assert_eq!(mean(&s, "sanctions", 0, 36), 0.0);
    assert_eq!(mean(&s, "models", 0, 36), 0.0);
}

/// A county of two townships running the exemplary programme from month 0:
/// the first models (1 % of members, county-wide) are designated at month 11
/// and their practice spreads through contact only (no publicity).
fn programme(township_contact_rate: f64) -> Scenario {
    let mut s = small();
    s.world.villages = 20;
    s.scenario.months = 60;
    s.exemplary.enabled = true;
    s.exemplary.reach = grassroots::scenario::Reach::County;
    s.exemplary.model_share = 0.01;
    s.exemplary.township_contact_rate = township_contact_rate;
    s.exemplary.imitation_rate = 0.0; // no publicity: contact alone
    s
}

/// Monthly adoption, mean across 4 replicates.
fn adoption_curve(s: &Scenario) -> Vec<f64> {
    let k = metric_index("model_adoption").unwrap();
    let runs = run_replicates(s, 0, 4, &|| {});
    (0..s.scenario.months as usize)
        .map(|t| runs.iter().map(|r| r.months[t][k]).sum::<f64>() / runs.len() as f64)
        .collect()
}

#[test]
fn adoption_of_a_models_practice_follows_an_s_curve() {
    // Pattern 4: slow start, acceleration, saturation, from contact alone.
    let curve = adoption_curve(&programme(0.05));
    let gains: Vec<f64> = (12..60)
        .step_by(6)
        .map(|t| curve[(t + 6).min(59)] - curve[t])
        .collect();
    println!("adoption {curve:.3?}\n6-month gains {gains:.3?}");
    assert_eq!(curve[10], 0.0, "no practice before the first models");
    let peak = gains.iter().cloned().fold(0.0, f64::max);
    assert!(gains[0] < 0.6 * peak, "slow start: {gains:?}");
    assert!(*gains.last().unwrap() < 0.3 * peak, "saturation: {gains:?}");
    assert!(curve[59] > 0.6, "{}", curve[59]);
    // Without any contact (only publicity) the same models spread far less.
    let mut none = programme(0.0);
    none.exemplary.branch_contact_rate = 0.0;
    none.exemplary.mentoring_contact_rate = 0.0;
    let isolated = adoption_curve(&none);
    assert!(
        isolated[35] < 0.5 * curve[35],
        "{} {}",
        isolated[35],
        curve[35]
    );
}

#[test]
fn a_models_practice_spreads_faster_with_township_contacts_than_within_branches() {
    let branch = adoption_curve(&programme(0.0));
    let township = adoption_curve(&programme(0.15));
    let early = |c: &[f64]| c[12..30].iter().sum::<f64>() / 18.0;
    println!(
        "mean adoption months 12–29: branch {} township {}",
        early(&branch),
        early(&township)
    );
    assert!(early(&township) > early(&branch) + 0.05);
}

#[test]
fn switching_the_programme_off_leaves_no_adoption() {
    let mut s = programme(0.05);
    s.exemplary.enabled = false;
    assert!(adoption_curve(&s).iter().all(|&a| a == 0.0));
}
