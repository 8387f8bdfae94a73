//! Scenario files: parsing, validation against the [`schema`], defaults.
//!
//! A scenario is a TOML file whose sections and keys are listed in
//! [`schema::PARAMS`]. Every key has a default, so a three-line file runs.
//! Parsing never panics: every problem becomes a [`ScenarioError`] that names
//! the file, line, column and key, and says what would be valid.

pub mod param;
pub mod schema;
pub(crate) mod validate;

use serde::{Deserialize, Serialize};
use std::fmt;

pub use schema::{
    CountDistribution, CountSpec, Crowding, Effort, Environment, Evaluation, Exemplary, Funds,
    Households, Incentive, Innovation, Leadership, Meta, Migration, Reach, ReplacementRule,
    RewardRule, Selection, Service, ServiceTeam, Spiritual, Successor, Supervision, Technology,
    Training, World,
};
pub use validate::{
    BaseLoader, Location, ScenarioError, ScenarioErrors, is_valid_name, override_literal,
};

/// Declares the [`Scenario`] and [`schema::ALL`] from one list of its
/// sections (each declared by `section!` in `schema.rs`), so that a new
/// section is one line here. `changes` sits between the two halves, where
/// it always stood: the field order is part of every run key.
macro_rules! scenario {
    (
        $( #[doc = $doc:literal] $field:ident : $ty:ident, )*
        ;
        $( #[doc = $doc2:literal] $field2:ident : $ty2:ident, )*
    ) => {
        /// A fully resolved scenario: every parameter has a value.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Scenario {
            $( #[doc = $doc] pub $field: $ty, )*
            /// Policy changes during the run, in month order (`docs/model.md` §3.5).
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub changes: Vec<Change>,
            $( #[doc = $doc2] pub $field2: $ty2, )*
        }

        /// Every section of a scenario file, in the order they are documented.
        pub const ALL: &[schema::Section] = &[$( $ty::SCHEMA, )* $( $ty2::SCHEMA, )*];
    };
}

scenario! {
    /// Identity, seed and length of the run.
    scenario: Meta,
    /// Size and initial state of the county.
    world: World,
    /// Need arrival.
    environment: Environment,
    /// Service delivery.
    service: Service,
    /// Household satisfaction and trust.
    households: Households,
    /// Members' effort choice.
    effort: Effort,
    /// Assessment and rewards.
    incentive: Incentive,
    /// Inspection and mass supervision.
    supervision: Supervision,
    /// Exemplary models.
    exemplary: Exemplary,
    ;
    /// Hollowing out.
    migration: Migration,
    /// The secretary's leadership.
    leadership: Leadership,
    /// Spiritual guidance.
    spiritual: Spiritual,
    /// Motivation crowding.
    crowding: Crowding,
    /// Democratic assessment and selection of secretaries.
    selection: Selection,
    /// Training.
    training: Training,
    /// The service platform.
    technology: Technology,
    /// Service team.
    service_team: ServiceTeam,
    /// Service funds.
    funds: Funds,
    /// Service innovation.
    innovation: Innovation,
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

impl Incentive {
    /// ρ: value to a member of one reward (`docs/model.md` §7.4); 0 with the
    /// incentive system off.
    pub fn reward_value(&self) -> f64 {
        if self.enabled {
            self.material_reward + self.political_reward + self.spiritual_reward
        } else {
            0.0
        }
    }

    /// m: the material share of a reward's value, material / (material +
    /// political + spiritual); 0 when the reward is worth nothing.
    pub fn material_share(&self) -> f64 {
        let total = self.material_reward + self.political_reward + self.spiritual_reward;
        if total > 0.0 {
            self.material_reward / total
        } else {
            0.0
        }
    }

    /// P₀: the chance of reward a member expects before any assessment has
    /// been seen: the rewarded share (rank rule) or one half (threshold rule).
    pub fn prior_reward_chance(&self) -> f32 {
        match self.reward_rule {
            RewardRule::Rank => self.reward_share as f32,
            RewardRule::Threshold => 0.5,
        }
    }

    /// ρ_i = ρ·P(1 − P)/K_R: the expected reward one more unit of score
    /// brings a member whose chance of reward is P (`docs/model.md` §7.4,
    /// eq. 7.4.4; Lazear & Rosen 1981: prize × density at the cut-off).
    pub fn marginal_reward(&self, chance: f32) -> f64 {
        let p = f64::from(chance);
        self.reward_value() * p * (1.0 - p) / self.contest_noise
    }
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

    /// Whether recorded month `month` falls in a campaign (`docs/model.md` §7.5);
    /// never with supervision off.
    pub fn in_campaign(&self, month: u32) -> bool {
        self.enabled
            && self.campaign_months > 0
            && month >= self.campaign_start_month
            && if self.campaign_every_months == 0 {
                month < self.campaign_start_month + self.campaign_months
            } else {
                (month - self.campaign_start_month) % self.campaign_every_months
                    < self.campaign_months
            }
    }

    /// Whether the month at `clock` (negative during burn-in, when there
    /// are no campaigns) falls in a campaign.
    pub fn in_campaign_at_clock(&self, clock: i64) -> bool {
        u32::try_from(clock).is_ok_and(|month| self.in_campaign(month))
    }

    /// I(t): inspection probability in month `t` (`docs/model.md` §7.5).
    pub fn inspection_at(&self, month: u32) -> f64 {
        if !self.enabled {
            return 0.0;
        }
        let extra = if self.in_campaign(month) {
            self.campaign_inspection_rate
        } else {
            0.0
        };
        (self.inspection_rate + extra).min(1.0)
    }
}

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
                && let Some(toml::Value::Table(t)) = table.get_mut(section)
            {
                t.insert(name.to_string(), v);
            }
        }
        value
            .try_into()
            .expect("validated overrides keep the scenario valid")
    }

    /// The scenario in force from each month on: (first recorded month,
    /// scenario without changes), changes applied cumulatively. The first
    /// phase is the scenario before any change, and burn-in runs under it;
    /// a change at month 0 is a phase of its own that takes effect at recorded
    /// month 0, after the burn-in (`docs/model.md` §3.5).
    pub fn phases(&self) -> Vec<(u32, Scenario)> {
        let mut base = self.clone();
        base.changes.clear();
        let mut phases = vec![(0, base)];
        let mut changes = self.changes.clone();
        changes.sort_by_key(|c| c.month);
        for c in changes {
            let last = phases.last().expect("at least one phase");
            let next = last.1.with_overrides(&c.set);
            // Changes of one month make one phase (never the first one).
            if phases.len() > 1 && last.0 == c.month {
                *phases.last_mut().expect("at least one phase") = (c.month, next);
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
