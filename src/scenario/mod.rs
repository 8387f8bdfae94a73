//! Scenario files: parsing, validation against the [`schema`], defaults.
//!
//! A scenario is a TOML file whose sections and keys are listed in
//! [`schema::PARAMS`]. Every key has a default, so a three-line file runs.
//! Parsing never panics: every problem becomes a [`ScenarioError`] that names
//! the file, line, column and key, and says what would be valid.

pub mod schema;
pub mod spec;
mod validate;

use serde::{Deserialize, Serialize};
use std::fmt;

pub use validate::{BaseLoader, Location, ScenarioError, ScenarioErrors};

/// A fully resolved scenario: every parameter has a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Identity, seed and length of the run.
    pub scenario: Meta,
    /// Size and initial state of the county.
    pub world: World,
    /// Need arrival.
    pub environment: Environment,
    /// Service delivery.
    pub service: Service,
    /// Household satisfaction and trust.
    pub households: Households,
    /// Members' effort choice.
    pub effort: Effort,
    /// Assessment and rewards.
    pub incentive: Incentive,
    /// Inspection and mass supervision.
    pub supervision: Supervision,
    /// Exemplary models.
    pub exemplary: Exemplary,
    /// Policy changes during the run, in month order (`docs/model.md` §3.5).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// Hollowing out.
    pub migration: Migration,
    /// The secretary's leadership.
    pub leadership: Leadership,
    /// Spiritual guidance.
    pub spiritual: Spiritual,
    /// Motivation crowding.
    pub crowding: Crowding,
    /// Democratic assessment and selection of secretaries.
    pub selection: Selection,
    /// Training.
    pub training: Training,
    /// The service platform.
    pub technology: Technology,
    /// Service team.
    pub service_team: ServiceTeam,
    /// Service funds.
    pub funds: Funds,
    /// Service innovation.
    pub innovation: Innovation,
}

/// A policy change at a month of the run: from `month` on, these overrides
/// hold (dotted key, TOML literal), on top of earlier changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// First recorded month (from 0) with the change in force.
    pub month: u32,
    /// Overrides, validated.
    pub set: Vec<(String, String)>,
}

/// `[scenario]`: identity, seed and length of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Name of the run; output goes to `output/<name>/`.
    pub name: String,
    /// Scenario file this one builds on (relative to it), or empty.
    pub base: String,
    /// Free description.
    pub description: String,
    /// Master seed.
    pub seed: u64,
    /// Number of monthly steps.
    pub months: u32,
    /// Number of replicates.
    pub replicates: u32,
    /// Months simulated before month 0 and not recorded.
    pub burn_in_months: u32,
}

/// A per-village count: fixed or drawn from a distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CountSpec {
    /// The same number in every village.
    Fixed(u32),
    /// A number drawn per village.
    Drawn(CountDistribution),
}

/// The distribution of a per-village count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum CountDistribution {
    /// Uniform integer in `[a, b]`.
    Uniform([u32; 2]),
    /// Normal with `[mean, sd]`, rounded.
    Normal([f64; 2]),
    /// Poisson with the given mean.
    Poisson(f64),
}

/// `[world]`: size and initial state of the county.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct World {
    pub villages: u32,
    pub villages_per_township: u32,
    pub households_per_village: CountSpec,
    pub members_per_village: CountSpec,
    pub share_left_behind: f64,
    pub share_business: f64,
    pub share_difficulty: f64,
    pub contact_coverage: f64,
    pub motivation_mean: f64,
    pub motivation_sd: f64,
    pub skill_mean: f64,
    pub skill_sd: f64,
    pub initial_satisfaction: f64,
    pub initial_trust: f64,
    pub share_working_age: f64,
}

/// `[environment]`: need arrival.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Environment {
    pub need_rate: f64,
    pub multiplier_left_behind: f64,
    pub multiplier_business: f64,
    pub multiplier_difficulty: f64,
    pub abandon_rate: f64,
    pub market_development: f64,
    pub market_development_sd: f64,
    pub market_growth: f64,
    pub need_growth: f64,
    pub differentiation: f64,
    pub differentiation_growth: f64,
    pub diversity_cost: f64,
    pub expectation_growth: f64,
    pub expectation_max: f64,
}

/// `[service]`: service delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Service {
    pub needs_per_member_month: f64,
    pub uncovered_efficiency: f64,
}

/// `[households]`: satisfaction and trust dynamics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Households {
    pub satisfaction_rate: f64,
    pub trust_rate: f64,
    pub visit_weight: f64,
}

/// `[effort]`: members' effort choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Effort {
    pub intrinsic_value: f64,
    pub private_return: f64,
    pub adjustment_rate: f64,
    pub noise: f64,
}

/// Who is rewarded at an assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RewardRule {
    /// The top `reward_share` of members county-wide.
    Rank,
    /// Every member whose score reaches `reward_threshold`.
    Threshold,
}

/// `[incentive]`: assessment and rewards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Incentive {
    pub enabled: bool,
    pub assessment_period_months: u32,
    pub formal_weight: f64,
    pub outcome_weight: f64,
    pub mass_evaluation_weight: f64,
    pub sanction_points: f64,
    pub reward_rule: RewardRule,
    pub reward_share: f64,
    pub reward_threshold: f64,
    pub material_reward: f64,
    pub political_reward: f64,
    pub spiritual_reward: f64,
    pub material_reward_cost: f64,
    pub economic_weight: f64,
}

impl Incentive {
    /// ρ: value to a member of one unit of assessment score (`docs/model.md` §7.4).
    pub fn reward_value(&self) -> f64 {
        if self.enabled {
            self.material_reward + self.political_reward + self.spiritual_reward
        } else {
            0.0
        }
    }
}

/// `[supervision]`: inspection and mass supervision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Supervision {
    pub enabled: bool,
    pub inspection_rate: f64,
    pub inspection_sees_formalism: f64,
    pub mass_supervision: f64,
    pub report_threshold: u32,
    pub sanction: f64,
    pub trust_gain: f64,
    pub trust_loss: f64,
    pub inspection_cost: f64,
    pub campaign_inspection_rate: f64,
    pub campaign_start_month: u32,
    pub campaign_months: u32,
    pub campaign_every_months: u32,
}

impl Supervision {
    /// I(t) at a clock that is negative during burn-in (no campaigns then).
    pub fn inspection_at_clock(&self, clock: i64) -> f64 {
        match u32::try_from(clock) {
            Ok(month) => self.inspection_at(month),
            Err(_) if self.enabled => self.inspection_rate,
            Err(_) => 0.0,
        }
    }

    /// I(t): inspection probability in month `t` (`docs/model.md` §7.5).
    pub fn inspection_at(&self, month: u32) -> f64 {
        if !self.enabled {
            return 0.0;
        }
        let in_campaign = self.campaign_months > 0
            && month >= self.campaign_start_month
            && if self.campaign_every_months == 0 {
                month < self.campaign_start_month + self.campaign_months
            } else {
                (month - self.campaign_start_month) % self.campaign_every_months
                    < self.campaign_months
            };
        let extra = if in_campaign {
            self.campaign_inspection_rate
        } else {
            0.0
        };
        (self.inspection_rate + extra).min(1.0)
    }
}

/// Within what group exemplary models are designated and imitated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reach {
    /// Own branch only.
    Branch,
    /// All branches of the township.
    Township,
    /// The whole county.
    County,
}

/// `[exemplary]`: exemplary models and mentoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Exemplary {
    pub enabled: bool,
    pub model_share: f64,
    pub reach: Reach,
    pub imitation_rate: f64,
    pub imitation_temperature: f64,
    pub imitation_strength: f64,
    pub mentoring_rate: f64,
}

macro_rules! section {
    ($(#[$doc:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(missing_docs)]
        pub struct $name {
            $(pub $field: $ty),*
        }
    };
}

section!(
    /// `[migration]`: hollowing out (`docs/model.md` §7.10).
    Migration {
        enabled: bool,
        wage_ratio: f64,
        member_hazard: f64,
        wage_elasticity: f64,
        motivation_retention: f64,
        return_rate: f64,
        household_hazard: f64,
        household_return_rate: f64,
        pay_gap_erosion: f64,
        difficulty_hazard: f64,
        recovery_rate: f64,
    }
);

section!(
    /// `[leadership]`: the secretary's leadership (`docs/model.md` §7.11).
    Leadership {
        strength: f64,
        talent_sd: f64,
        higher_guidance: f64,
        tournament: bool,
        promotion_share: f64,
        promotion_response: f64,
        promotion_noise: f64,
    }
);

section!(
    /// `[spiritual]`: ideological education (`docs/model.md` §7.12).
    Spiritual {
        enabled: bool,
        education_intensity: f64,
        education_effect: f64,
        online_media: f64,
        motivation_fade: f64,
        education_cost: f64,
    }
);

section!(
    /// `[crowding]`: motivation crowding (`docs/model.md` §7.13).
    Crowding {
        enabled: bool,
        inspection: f64,
        material: f64,
        recognition: f64,
    }
);

/// What a secretary's democratic assessment reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Evaluation {
    /// Households' mean satisfaction with the branch.
    Mass,
    /// The branch's assessment score.
    Score,
}

/// Which secretaries are replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplacementRule {
    /// Those evaluated below `threshold`.
    Threshold,
    /// The `bottom_share` worst evaluated county-wide.
    BottomShare,
}

/// How a successor is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Successor {
    /// Appointed from above by measured score.
    Appointment,
    /// Public direct election by members and households.
    Election,
}

section!(
    /// `[selection]`: democratic assessment and selection (`docs/model.md` §7.14).
    Selection {
        enabled: bool,
        evaluation: Evaluation,
        rule: ReplacementRule,
        threshold: f64,
        bottom_share: f64,
        successor: Successor,
        vote_noise: f64,
    }
);

section!(
    /// `[training]`: training and skill (`docs/model.md` §7.15).
    Training {
        enabled: bool,
        rate: f64,
        learning_rate: f64,
        cost: f64,
        skill_decay: f64,
        learning_by_doing: f64,
    }
);

section!(
    /// `[technology]`: the service platform (`docs/model.md` §7.15).
    Technology {
        platform: bool,
        platform_productivity: f64,
        platform_reach: f64,
        platform_cost: f64,
    }
);

section!(
    /// `[service_team]`: care, mutual help, contacts, joint branches (`docs/model.md` §7.16).
    ServiceTeam {
        mutual_help_rate: f64,
        care_rate: f64,
        contact_assignment: bool,
        max_households_per_member: u32,
        joint_branch: bool,
        joint_branch_min_active: u32,
        joint_branch_share: f64,
    }
);

section!(
    /// `[funds]`: service funds (`docs/model.md` §7.17).
    Funds {
        enabled: bool,
        monthly_guarantee: f64,
        initial: f64,
        cost_per_need: f64,
    }
);

section!(
    /// `[innovation]`: Bass diffusion of service modes (`docs/model.md` §7.18).
    Innovation {
        enabled: bool,
        external: f64,
        imitation: f64,
        exemplary_weight: f64,
        productivity: f64,
    }
);

impl Scenario {
    /// Parse and validate scenario text. `file` is used in messages only.
    /// A `scenario.base` cannot be followed (use [`Scenario::from_toml_with`]).
    pub fn from_toml(text: &str, file: &str) -> Result<Scenario, ScenarioErrors> {
        validate::parse(text, file, &[], None)
    }

    /// Parse, validate and apply `overrides` (dotted key, TOML literal),
    /// each validated like a key in the file. `loader` reads the file named
    /// by `scenario.base`, whose values then stand in for the defaults.
    pub fn from_toml_with(
        text: &str,
        file: &str,
        overrides: &[(String, String)],
        loader: Option<BaseLoader<'_>>,
    ) -> Result<Scenario, ScenarioErrors> {
        validate::parse(text, file, overrides, loader)
    }

    /// The scenario with every key at its default.
    pub fn defaults() -> Scenario {
        validate::parse("", "<defaults>", &[], None).expect("schema defaults are valid")
    }

    /// The resolved scenario as TOML text (every key explicit).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// This scenario with every mechanism of the model switched on at
    /// moderate strength (exemplary models, tournament, guidance, education,
    /// democratic selection, training, platform, service team, innovation,
    /// an economic weight). Used by tests and benchmarks of the full model.
    pub fn with_all_mechanisms(mut self) -> Scenario {
        self.migration.enabled = true;
        self.crowding.enabled = true;
        self.funds.enabled = true;
        self.exemplary.enabled = true;
        self.leadership.tournament = true;
        self.leadership.higher_guidance = 0.1;
        self.spiritual.enabled = true;
        self.selection.enabled = true;
        self.training.enabled = true;
        self.technology.platform = true;
        self.service_team.mutual_help_rate = 0.02;
        self.service_team.care_rate = 0.05;
        self.service_team.contact_assignment = true;
        self.service_team.joint_branch = true;
        self.innovation.enabled = true;
        self.incentive.economic_weight = 0.2;
        self
    }

    /// The scenario with `overrides` (dotted key, TOML literal) applied, each
    /// validated like a key of a file, and the checks involving several keys
    /// run again. Problems are reported at `origin` (for example
    /// `study.toml (variant mass)`). This is how the cells of a study are
    /// resolved from their file's scenario, resolved once: its cost does not
    /// grow with the size of the file.
    pub fn with_checked_overrides(
        &self,
        overrides: &[(String, String)],
        origin: &str,
    ) -> Result<Scenario, ScenarioErrors> {
        validate::apply(self, overrides, origin)
    }

    /// The scenario with `set` (dotted key, validated TOML literal) applied.
    pub fn with_overrides(&self, set: &[(String, String)]) -> Scenario {
        let mut value = toml::Value::try_from(self).expect("a scenario serialises");
        for (key, literal) in set {
            let v =
                validate::override_value(key, literal).expect("overrides are validated when read");
            if let (Some((section, name)), Some(table)) =
                (key.split_once('.'), value.as_table_mut())
            {
                if let Some(toml::Value::Table(t)) = table.get_mut(section) {
                    t.insert(name.to_string(), v);
                }
            }
        }
        value
            .try_into()
            .expect("validated overrides keep the scenario valid")
    }

    /// The scenario in force from each month on: (first month, scenario
    /// without changes), starting at month 0, changes applied cumulatively.
    pub fn phases(&self) -> Vec<(u32, Scenario)> {
        let mut base = self.clone();
        base.changes.clear();
        let mut phases = vec![(0, base)];
        let mut changes = self.changes.clone();
        changes.sort_by_key(|c| c.month);
        for c in changes {
            let next = phases
                .last()
                .expect("at least one phase")
                .1
                .with_overrides(&c.set);
            if c.month == 0 {
                phases[0].1 = next;
            } else {
                phases.push((c.month, next));
            }
        }
        phases
    }

    /// Villages per township, never more than the villages there are.
    pub fn townships(&self) -> u32 {
        self.world
            .villages
            .div_ceil(self.world.villages_per_township)
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.scenario.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_resolve_and_round_trip() {
        let s = Scenario::defaults();
        let text = s.to_toml();
        let back = Scenario::from_toml(&text, "roundtrip.toml").unwrap();
        assert_eq!(s, back);
    }

    #[test]
    fn every_schema_key_appears_in_the_resolved_scenario() {
        let value = toml::Value::try_from(Scenario::defaults()).unwrap();
        for p in schema::PARAMS {
            let section = value.get(p.section()).expect(p.key);
            assert!(section.get(p.name()).is_some(), "{} missing", p.key);
        }
        let n: usize = value
            .as_table()
            .unwrap()
            .values()
            .map(|s| s.as_table().unwrap().len())
            .sum();
        assert_eq!(n, schema::PARAMS.len());
    }

    #[test]
    fn campaign_raises_inspection_only_inside_its_window() {
        let mut s = Scenario::defaults().supervision;
        s.inspection_rate = 0.1;
        s.campaign_inspection_rate = 0.3;
        s.campaign_start_month = 12;
        s.campaign_months = 3;
        assert_eq!(s.inspection_at(11), 0.1);
        assert!((s.inspection_at(12) - 0.4).abs() < 1e-12);
        assert!((s.inspection_at(14) - 0.4).abs() < 1e-12);
        assert_eq!(s.inspection_at(15), 0.1);
        s.campaign_every_months = 12;
        assert!((s.inspection_at(25) - 0.4).abs() < 1e-12);
        assert_eq!(s.inspection_at(27), 0.1);
    }
}
