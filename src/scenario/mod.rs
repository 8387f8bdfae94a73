//! Scenario files: parsing, validation against the [`schema`], defaults.
//!
//! A scenario is a TOML file whose sections and keys are listed in
//! [`schema::PARAMS`]. Every key has a default, so a three-line file runs.
//! Parsing never panics: every problem becomes a [`ScenarioError`] that names
//! the file, line, column and key, and says what would be valid.

pub mod schema;
mod validate;

use serde::{Deserialize, Serialize};
use std::fmt;

pub use validate::{Location, ScenarioError, ScenarioErrors};

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
}

/// `[scenario]`: identity, seed and length of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Name of the run; output goes to `output/<name>/`.
    pub name: String,
    /// Free description.
    pub description: String,
    /// Master seed.
    pub seed: u64,
    /// Number of monthly steps.
    pub months: u32,
    /// Number of replicates.
    pub replicates: u32,
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
}

/// `[service]`: service delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Service {
    pub needs_per_member_month: f64,
    pub uncovered_efficiency: f64,
    pub fund_per_need: f64,
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

impl Scenario {
    /// Parse and validate scenario text. `file` is used in messages only.
    pub fn from_toml(text: &str, file: &str) -> Result<Scenario, ScenarioErrors> {
        validate::parse(text, file, &[])
    }

    /// Parse, validate and apply `overrides` (dotted key, TOML literal),
    /// each validated like a key in the file.
    pub fn from_toml_with(
        text: &str,
        file: &str,
        overrides: &[(String, String)],
    ) -> Result<Scenario, ScenarioErrors> {
        validate::parse(text, file, overrides)
    }

    /// The scenario with every key at its default.
    pub fn defaults() -> Scenario {
        validate::parse("", "<defaults>", &[]).expect("schema defaults are valid")
    }

    /// The resolved scenario as TOML text (every key explicit).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
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
