//! Patterns the model should show without being tuned to them
//! (`docs/model.md` §1), checked on small runs with several replicates.

use grassroots::metrics::metric_index;
use grassroots::scenario::{CountSpec, Scenario};
use grassroots::study::run_replicates;

/// Replicates behind each [`mean`]: with 4, two comparisons of small
/// effects (education a year later, noisy appraisal) held or failed by the
/// draws of the seed.
const REPS: u32 = 16;
fn small() -> Scenario {
    let mut s = Scenario::defaults();
    s.world.villages = 8;
    s.world.households_per_village = CountSpec::Fixed(60);
    s.world.members_per_village = CountSpec::Fixed(10);
    s.scenario.months = 36;
    s
}

/// Mean across [`REPS`] replicates of a metric, averaged over months `from..to`.
fn mean(s: &Scenario, metric: &str, from: usize, to: usize) -> f64 {
    let k = metric_index(metric).unwrap();
    let runs = run_replicates(s, 0, REPS, &|| {});
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

/// An inspection campaign (rate 0.4, no activities of its own) of
/// `length` months from month 12, in a run of `months` months.
fn inspection_campaign(months: u32, length: u32) -> Scenario {
    let mut s = small();
    s.scenario.months = months;
    s.supervision.campaign_inspection_rate = 0.4;
    s.supervision.campaign_start_month = 12;
    s.supervision.campaign_months = length;
    s.supervision.campaign_activity_time = 0.0;
    s
}

#[test]
fn a_campaign_raises_real_effort_only_while_it_lasts() {
    let mut s = inspection_campaign(36, 6);
    let before = mean(&s, "real_effort", 6, 12);
    let during = mean(&s, "real_effort", 15, 18);
    let after = mean(&s, "real_effort", 30, 36);
    println!("inspection campaign: real effort {before} → {during} → {after}");
    assert!(during > before + 0.01, "{before} {during}");
    assert!(after < during - 0.01, "{during} {after}");
    // The same campaign run with meetings, "sports and activities" ([Dynamics] §5)
    // turns time into formal activity while it lasts.
    s.supervision.campaign_activity_time = 0.1;
    let during = mean(&s, "formalism_index", 15, 18);
    let after = mean(&s, "formalism_index", 30, 36);
    assert!(during > after + 0.02, "{during} {after}");
}

/// A scenario with education held from month `from` until month `to`: an
/// intensive programme (γ_G = 0.01, three times the default) so that the
/// pattern shows within a small run of a few years.
fn educated(from: u32, to: u32, months: u32, iota: f64) -> Scenario {
    let mut s = small();
    s.scenario.months = months;
    s.spiritual.internalisation = iota;
    s.spiritual.education_effect = 0.01;
    let set = |on: &str| vec![("spiritual.enabled".to_string(), on.to_string())];
    s.spiritual.enabled = from == 0;
    if from > 0 {
        s.changes.push(grassroots::scenario::Change {
            month: from,
            set: set("true"),
        });
    }
    s.changes.push(grassroots::scenario::Change {
        month: to,
        set: set("false"),
    });
    s
}

#[test]
fn motivation_gained_from_education_fades_toward_a_raised_disposition() {
    // [Dynamics] §4 and conclusion: education makes service last. What it adds
    // above the lasting disposition θ̂ still fades once it stops, but part of
    // it has been internalised (§7.12), so motivation fades toward a raised
    // disposition, not back to where it was.
    let iota = Scenario::defaults().spiritual.internalisation;
    let s = educated(0, 36, 72, iota);
    let mut never = small();
    never.scenario.months = 72;
    let start = mean(&s, "motivation_mean", 0, 3);
    let peak = mean(&s, "motivation_mean", 33, 36);
    let later = mean(&s, "motivation_mean", 69, 72);
    let baseline = mean(&never, "motivation_mean", 69, 72);
    println!("education 0–36: motivation {start} → {peak} → {later} (never educated {baseline})");
    assert!(peak > start + 0.03, "{start} {peak}");
    assert!(later < peak - 0.01, "it fades: {peak} {later}");
    // … toward a raised disposition: the lasting part is larger than
    // without internalisation, and the disposition itself has risen.
    let lasting = later - baseline;
    let off = educated(0, 36, 72, 0.0);
    let lasting_off = mean(&off, "motivation_mean", 69, 72) - baseline;
    println!("lasting gain {lasting} (without internalisation {lasting_off})");
    assert!(lasting > lasting_off + 0.01, "{lasting} {lasting_off}");
    let disposition = mean(&s, "disposition_mean", 69, 72);
    let disposition_never = mean(&never, "disposition_mean", 69, 72);
    assert!(
        disposition > disposition_never + 0.02,
        "{disposition} {disposition_never}"
    );
}

#[test]
fn pressure_gains_fade_while_internalised_education_lasts() {
    // [Dynamics] conclusion, [VillageLevel] §3: pressure alone gives gains that fade;
    // education makes them last. A 12-month inspection campaign (months
    // 12–23) against 12 months of education (months 12–23), each followed
    // by none, read a year after it ended (months 36–47).
    let campaign = inspection_campaign(48, 12);
    let before = mean(&campaign, "real_effort", 6, 12);
    let during = mean(&campaign, "real_effort", 18, 24);
    let after = mean(&campaign, "real_effort", 36, 48);
    println!("campaign: real effort {before} → {during} → {after}");
    assert!(during > before + 0.01, "{before} {during}");
    assert!(
        after < before + 0.25 * (during - before),
        "{before} {during} {after}"
    );

    let iota = Scenario::defaults().spiritual.internalisation;
    let mut never = small();
    never.scenario.months = 48;
    let educ = educated(12, 24, 48, iota);
    let gap = |s: &Scenario, metric: &str| mean(s, metric, 36, 48) - mean(&never, metric, 36, 48);
    let (motivation, effort, disposition) = (
        gap(&educ, "motivation_mean"),
        gap(&educ, "real_effort"),
        gap(&educ, "disposition_mean"),
    );
    let motivation_off = gap(&educated(12, 24, 48, 0.0), "motivation_mean");
    println!(
        "education, a year after: motivation +{motivation} (+{motivation_off} without \
         internalisation), real effort +{effort}, disposition +{disposition}"
    );
    assert!(motivation > 0.02, "{motivation}");
    assert!(effort > 0.002, "{effort}");
    assert!(disposition > 0.015, "{disposition}");
    assert!(
        motivation > motivation_off + 0.005,
        "{motivation} {motivation_off}"
    );
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

#[test]
fn democratic_assessment_selects_better_secretaries_only_when_households_see_talent() {
    // [VillageLevel] §4 (Pingchuan direct election), [LearnServeInnovate] ("survival of the fittest"):
    // ten years of yearly assessment replacing the bottom fifth by election.
    let ten_years = |appraisal: Option<f64>| {
        let mut s = small();
        s.world.villages = 20;
        s.scenario.months = 120;
        if let Some(noise) = appraisal {
            s.selection.enabled = true;
            s.selection.evaluation = grassroots::scenario::Evaluation::Appraisal;
            s.selection.successor = grassroots::scenario::Successor::Election;
            s.selection.bottom_share = 0.2;
            s.selection.appraisal_noise = noise;
        }
        (
            mean(&s, "secretary_talent", 108, 120),
            mean(&s, "realised_service", 108, 120),
        )
    };
    let (t0, r0) = ten_years(None);
    let (t1, r1) = ten_years(Some(0.3));
    let (t2, r2) = ten_years(Some(10.0));
    println!("talent {t0} | informative {t1} | noise {t2}; service {r0} | {r1} | {r2}");
    assert!(t1 > t0 + 0.02, "informative appraisal: talent {t0} → {t1}");
    assert!(
        r1 > r0,
        "informative appraisal: realised service {r0} → {r1}"
    );
    assert!(t2 < t0, "pure noise: talent {t0} → {t2}");
    assert!(
        r2 < r0 && r2 < r1,
        "pure noise: realised service {r0} → {r2}"
    );
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

/// Monthly adoption, mean across `replicates` replicates.
fn adoption_curve(s: &Scenario, replicates: u32) -> Vec<f64> {
    let k = metric_index("model_adoption").unwrap();
    let runs = run_replicates(s, 0, replicates, &|| {});
    (0..s.scenario.months as usize)
        .map(|t| runs.iter().map(|r| r.months[t][k]).sum::<f64>() / runs.len() as f64)
        .collect()
}

#[test]
fn adoption_of_a_models_practice_follows_an_s_curve() {
    // Pattern 4: slow start, acceleration, saturation, from contact alone.
    // Seven years (85 months: twelve whole six-month windows from month 12
    // to month 84) and 16 replicates: at 60 months adoption is still
    // levelling off (its last six-month gain is a quarter to a half of the
    // peak gain), and with 4 replicates the check of saturation held or
    // failed by the draws of the seed.
    let mut s = programme(0.05);
    s.scenario.months = 85;
    let curve = adoption_curve(&s, REPS);
    let gains: Vec<f64> = (12..curve.len() - 6)
        .step_by(6)
        .map(|t| curve[t + 6] - curve[t])
        .collect();
    println!("adoption {curve:.3?}\n6-month gains {gains:.3?}");
    assert_eq!(curve[10], 0.0, "no practice before the first models");
    let peak = gains.iter().cloned().fold(0.0, f64::max);
    assert!(gains[0] < 0.6 * peak, "slow start: {gains:?}");
    assert!(*gains.last().unwrap() < 0.3 * peak, "saturation: {gains:?}");
    assert!(curve[59] > 0.6, "{}", curve[59]);
    // Without any contact (only publicity) the same models spread far less.
    let mut none = s.clone();
    none.exemplary.township_contact_rate = 0.0;
    none.exemplary.branch_contact_rate = 0.0;
    none.exemplary.mentoring_contact_rate = 0.0;
    let isolated = adoption_curve(&none, REPS);
    assert!(
        isolated[35] < 0.5 * curve[35],
        "{} {}",
        isolated[35],
        curve[35]
    );
}

#[test]
fn a_models_practice_spreads_faster_with_township_contacts_than_within_branches() {
    // 4 replicates: the difference is 0.09–0.21 at eight seeds, against
    // the 0.05 asked for.
    let branch = adoption_curve(&programme(0.0), 4);
    let township = adoption_curve(&programme(0.15), 4);
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
    assert!(adoption_curve(&s, 4).iter().all(|&a| a == 0.0));
}

#[test]
fn industry_branches_put_members_away_to_work_only_where_members_are_away() {
    // [VillageLevel] §4: branches set up along industries and cooperatives include
    // members the village branch has lost. Their gain comes from members
    // away: without migration there is nothing to include.
    let with = |industry: bool, migration: bool| {
        let mut s = small();
        s.scenario.months = 48;
        s.world.share_business = 0.3;
        s.migration.enabled = migration;
        s.service_team.industry_branch = industry;
        mean(&s, "realised_service", 36, 48)
    };
    let (off, on) = (with(false, true), with(true, true));
    assert!(on > off * 1.02, "with members away: {off} → {on}");
    assert_eq!(
        with(false, false),
        with(true, false),
        "nobody away, nothing to include"
    );
}
