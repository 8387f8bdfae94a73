//! The scenario schema: every parameter a scenario file may set, with its
//! default, valid range, meaning and the source-study passage (`docs/sources.md`) or literature it
//! rests on.
//!
//! This table is the single source of truth. Each section is declared once
//! with `section!` (`scenario/param.rs`), which yields the section's struct
//! (with its fields' meanings as docs) and its rows, [`Section`]; [`ALL`]
//! lists the sections in documented order. Validation
//! reads the ranges from it, defaults are filled from it, `grassroots params`
//! prints it, and a test checks that the parameter table in `docs/model.md`
//! is exactly its Markdown rendering.
//!
//! A new mechanism's parameters are one `section!` here, one entry in
//! [`ALL`] and one field of [`super::Scenario`].

use super::param::{UNIT, count_params, flatten, int, real, section, titles};
use serde::{Deserialize, Serialize};

pub use super::param::{Kind, Param, Section};

section! {
    /// `[scenario]`: identity, seed and length of the run.
    Meta [scenario] "Identity, seed and length of the run" {
        name: String = "scenario", Kind::Name,
            "Name of the run; output goes to `output/<name>/`",
            "—";
        base: String = "", Kind::Text,
            "Scenario file this one builds on, relative to this file; its values replace the defaults",
            "—";
        description: String = "", Kind::Text,
            "Free description, copied to the manifest",
            "—";
        seed: u64 = 1, int(0, i64::MAX),
            "Master seed of all random streams",
            "—";
        months: u32 = 120, int(1, 1200),
            "Length of a run in monthly steps",
            "design choice (one step is a month)";
        replicates: u32 = 10, int(1, 100_000),
            "Independent replicates (seeded runs)",
            "—";
        burn_in_months: u32 = 0, int(0, 1200),
            "Months simulated before month 0 and not recorded (environment frozen, no campaigns)",
            "—";
    } rows [name, description, seed, months, replicates, burn_in_months, base]
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

section! {
    /// `[world]`: size and initial state of the county.
    World [world] "Size and initial state of the county" {
        villages: u32 = 40, int(1, 1_000_000),
            "Villages (each with one branch) in the county",
            "[VillageLevel] §2 (village branches under a township committee); assumption (20–100: model scale, results are read per village)";
        villages_per_township: u32 = 10, int(1, 1_000_000),
            "Villages per township (reach of township-level rules)",
            "[VillageLevel] §2 (village branches under a township committee); assumption (5–20)";
        households_per_village: CountSpec = 150, Kind::Count { min: 1, max: 60_000 },
            "Households per village",
            "[VillageLevel] §2";
        members_per_village: CountSpec = 25, Kind::Count { min: 1, max: 5_000 },
            "Party members per village branch",
            "[VillageLevel] §2";
        share_left_behind: f64 = 0.25, UNIT,
            "Share of households that are left-behind elderly or children",
            "[Implementing] §2.4; assumption (0.15–0.4)";
        share_business: f64 = 0.10, UNIT,
            "Share of business or cooperative households",
            "[Dynamics] §2; assumption (0.05–0.2)";
        share_difficulty: f64 = 0.10, UNIT,
            "Share of households in difficulty",
            "[VillageLevel] §4; assumption (0.05–0.2)";
        contact_coverage: f64 = 0.60, UNIT,
            "Share of households given a fixed-point contact member at the start",
            "[Dynamics] §5; [ZTown] (coverage gaps); assumption (0.4–0.8: no figure on contact coverage found)";
        motivation_mean: f64 = 0.50, UNIT,
            "Mean intrinsic public-service motivation θ of members",
            "[Dynamics] §4; Buurman & Dur; assumption (0.3–0.7)";
        motivation_sd: f64 = 0.15, real(0.0, 0.5),
            "Spread of θ (normal, clamped to [0, 1])",
            "assumption (0.1–0.25)";
        skill_mean: f64 = 0.50, UNIT,
            "Mean service skill s of members",
            "[Implementing] §2.2; assumption (0.3–0.7)";
        skill_sd: f64 = 0.15, real(0.0, 0.5),
            "Spread of s (normal, clamped to [0, 1])",
            "assumption (0.1–0.25)";
        initial_satisfaction: f64 = 0.50, UNIT,
            "Households' satisfaction with the branch at the start",
            "assumption (0.4–0.65: surveys find about 45 to 70 percent satisfied with township government, 2003–2016)";
        initial_trust: f64 = 0.50, UNIT,
            "Households' trust in the branch at the start",
            "assumption (0.4–0.7)";
        share_working_age: f64 = 0.60, UNIT,
            "Share of members of working age (able to migrate)",
            "[Implementing] §2.4; assumption (0.5–0.75: 28 percent of all Party members are over 60, more in hollowed-out villages)";
    }
}

section! {
    /// `[environment]`: need arrival.
    Environment [environment] "Need arrival (the environmental driving force)" {
        need_rate: f64 = 0.10, real(0.0, 20.0),
            "New needs per ordinary household per month at M = 0 (Poisson mean λ)",
            "[Dynamics] §2; [VillageLevel] §2; calibrated (0.065–0.16: model 5's 90 % credible interval; model 7's re-run pins it only jointly with needs_per_member_month, docs/model.md §9.2)";
        multiplier_left_behind: f64 = 1.50, real(0.0, 20.0),
            "Need-rate multiplier for left-behind households",
            "[Implementing] §2.4; assumption (1.2–2)";
        multiplier_business: f64 = 1.30, real(0.0, 20.0),
            "Need-rate multiplier for business households",
            "[Dynamics] §2; assumption (1.1–1.6)";
        multiplier_difficulty: f64 = 2.00, real(0.0, 20.0),
            "Need-rate multiplier for households in difficulty",
            "[VillageLevel] §4; assumption (1.5–3)";
        abandon_rate: f64 = 0.15, UNIT,
            "Monthly probability that an unresolved need is given up",
            "assumption (0.05–0.3)";
        market_development: f64 = 0.30, UNIT,
            "Initial market development M of a village (mean)",
            "[Dynamics] §2; assumption (0.2–0.5)";
        market_development_sd: f64 = 0.10, real(0.0, 0.5),
            "Spread of initial M and D across villages (normal, clamped)",
            "assumption (0.05–0.2)";
        market_growth: f64 = 0.02, real(0.0, 1.0),
            "Yearly increase of M (and of D by differentiation_growth)",
            "[Dynamics] §2; assumption (0.01–0.04)";
        need_growth: f64 = 1.0, real(0.0, 10.0),
            "β_M: need rate multiplier is 1 + β_M·M",
            "[Dynamics] §2; [VillageLevel] §2; assumption (0.5–2)";
        differentiation: f64 = 0.30, UNIT,
            "Initial social differentiation D (diversity of needs), mean",
            "[Dynamics] §2; assumption (0.2–0.5)";
        differentiation_growth: f64 = 0.02, real(0.0, 1.0),
            "Yearly increase of D",
            "[Dynamics] §2; assumption (0.01–0.04)";
        diversity_cost: f64 = 0.30, real(0.0, 10.0),
            "δ_D: capacity is divided by 1 + δ_D·D·(1 − platform reach)",
            "[VillageLevel] §2; assumption (0.1–0.6)";
        expectation_growth: f64 = 0.03, real(0.0, 1.0),
            "Yearly rise of household expectation E per unit of M",
            "[Dynamics] §2; assumption (0.01–0.06)";
        expectation_max: f64 = 2.0, real(1.0, 10.0),
            "Ceiling of household expectation E",
            "assumption (1.5–3)";
    }
}

section! {
    /// `[service]`: service delivery.
    Service [service] "Service delivery by members" {
        needs_per_member_month: f64 = 8.0, real(0.0, 1000.0),
            "κ: needs a member of skill 1 resolves per month on full-time real service",
            "[VillageLevel] §4; assumption (4–12)";
        uncovered_efficiency: f64 = 0.50, UNIT,
            "Efficiency of spare capacity on households without a contact member",
            "[Dynamics] §5 (fixed-point contact); [ZTown]; assumption (0.3–0.7)";
    }
}

section! {
    /// `[households]`: satisfaction and trust dynamics.
    Households [households] "Household satisfaction and trust" {
        satisfaction_rate: f64 = 0.20, UNIT,
            "α_S: speed at which satisfaction follows the month's experience",
            "[Dynamics] §5 (mass evaluation); assumption (0.1–0.4)";
        trust_rate: f64 = 0.05, UNIT,
            "α_T: speed at which trust follows satisfaction",
            "[Dynamics] §5; assumption (0.02–0.1)";
        visit_weight: f64 = 0.50, real(0.0, 10.0),
            "γ: weight of a contact member's visit, counted like a served need",
            "[Dynamics] §5 (fixed-point contact); assumption (0.2–1)";
    }
}

section! {
    /// `[effort]`: members' effort choice.
    Effort [effort] "Members' choice of effort" {
        intrinsic_value: f64 = 1.0, real(0.0, 10.0),
            "v: value a member of motivation θ = 1 draws from one unit of real service",
            "Buurman & Dur; Braganza 2022 (g); assumption (0.5–2: sets the scale of the other returns)";
        private_return: f64 = 0.80, real(0.0, 10.0),
            "π: return on private work (farm, business, casual labour)",
            "[Implementing] §2.4 (cadre pay); assumption (0.6–1.2: private work pays about as much as cadre work)";
        adjustment_rate: f64 = 0.30, UNIT,
            "λ: share of the gap to the best split closed each month (habit)",
            "assumption (0.1–0.5)";
        noise: f64 = 0.10, real(0.0, 3.0),
            "σ: log-normal noise on each task's marginal value (bounded rationality)",
            "Holmström & Milgrom 1991; assumption (0.05–0.3)";
        elasticity: f64 = 0.50, real(0.05, 5.0),
            "ε: elasticity of a task's share of discretionary time with respect to its marginal value (e_k ∝ A_k^ε; model version 3 had 2)",
            "Baum 1974, 1979 (generalized matching law: sensitivity of time allocation ≤ 1, undermatching common); Duflo, Hanna & Ryan 2012 (effort elasticity to pay ≈ 0.3); assumption (0.3–1)";
        mandated_formal: f64 = 0.10, UNIT,
            "m₀: share of a member's time taken by mandated meetings and records whatever the incentives",
            "[Dynamics] §5; [Implementing] §2.1; [ZTown]; assumption (0.05–0.2)";
        attention: f64 = 0.15, UNIT,
            "α_A: monthly share of the gap closed between the score weights in force and the weights members act on (limited attention to the rules)",
            "assumption (0.05–0.5)";
    }
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

section! {
    /// `[incentive]`: assessment and rewards.
    Incentive [incentive] "Assessment and rewards (the incentive system)" {
        enabled: bool = true, Kind::Switch,
            "Whether the county assesses and rewards members",
            "[Dynamics] §5; [Implementing] §2.4";
        assessment_period_months: u32 = 12, int(1, 120),
            "Months between assessments (honours, models)",
            "[Dynamics] §5 (Yangpu yearly evaluation); assumption (6–24)";
        formal_weight: f64 = 0.60, UNIT,
            "w_F: score weight on formal activity (meetings, records)",
            "[Implementing] §2.1, §2.4; [ZTown]; assumption (0.4–0.8)";
        outcome_weight: f64 = 0.30, UNIT,
            "w_O: score weight on needs resolved",
            "[Dynamics] §5; assumption (0.1–0.5)";
        mass_evaluation_weight: f64 = 0.10, UNIT,
            "w_M: score weight on households' satisfaction",
            "[Dynamics] §5 (\"highlight the weight of mass evaluation\"); assumption (0.05–0.3)";
        sanction_points: f64 = 0.10, UNIT,
            "Score deducted per sanction in the period",
            "[Dynamics] §5; assumption (0.05–0.2)";
        reward_rule: RewardRule = "rank", Kind::Choice(&["rank", "threshold"]),
            "Who is rewarded: the top share county-wide, or all above a threshold",
            "Lazear & Rosen 1981";
        reward_share: f64 = 0.20, UNIT,
            "Share rewarded under the rank rule",
            "assumption (0.1–0.3)";
        reward_threshold: f64 = 0.50, UNIT,
            "Score needed under the threshold rule",
            "assumption (0.3–0.7)";
        material_reward: f64 = 0.30, real(0.0, 10.0),
            "Value to a member of the material part of a reward",
            "[Dynamics] §5 (material incentives); assumption (0.1–0.6)";
        political_reward: f64 = 0.20, real(0.0, 10.0),
            "Value of the political part (promotion prospects)",
            "[Dynamics] §5 (political incentives); Li & Zhou 2005; assumption (0.05–0.4)";
        spiritual_reward: f64 = 0.10, real(0.0, 10.0),
            "Value of the spiritual part (honour, recognition)",
            "[Dynamics] §5 (spiritual incentives); assumption (0.05–0.3)";
        material_reward_cost: f64 = 2.0, real(0.0, 1000.0),
            "Cost in thousand yuan of one material reward",
            "[ZTown] (funds); assumption (1–3: one county pays 1 to 2 thousand yuan per honour)";
        economic_weight: f64 = 0.0, UNIT,
            "w_E: score weight on economic indicators (\"two skins\")",
            "[Implementing] §2.3; assumption (0–0.3)";
        innovation_weight: f64 = 0.0, UNIT,
            "w_I: score added to every member of a branch that has adopted a new service mode (the assessment rewards innovation)",
            "[LearnServeInnovate] (\"three-level joint innovation\"); assumption (0–0.2)";
        contest_noise: f64 = 0.10, real(0.001, 10.0),
            "K_R: how noisy members think the ranking is: P = 1/(1 + exp(−(score − c)/K_R)), c set so that the chances add up to the rewards",
            "Lazear & Rosen 1981; assumption (0.02–0.3)";
    }
}

section! {
    /// `[supervision]`: inspection and mass supervision.
    Supervision [supervision] "Inspection and mass supervision (the binding system)" {
        enabled: bool = true, Kind::Switch,
            "Whether inspection and mass supervision operate",
            "[Dynamics] §5; [ZTown]";
        inspection_rate: f64 = 0.03, UNIT,
            "I: monthly probability that a member is inspected from above",
            "[Dynamics] §5; Olken 2007; assumption (0.01–0.06: Olken's baseline audit chance of 4 percent was per project, not per month)";
        inspection_sees_formalism: f64 = 0.30, UNIT,
            "χ: probability that an inspection sees through formal activity",
            "[ZTown] (poor supervision); assumption (0.1–0.5)";
        mass_supervision: f64 = 0.05, UNIT,
            "μ: monthly probability that a household with unmet needs and full trust reports its contact member",
            "[Dynamics] §5; Hammond 2000; assumption (0.01–0.1)";
        report_threshold: u32 = 2, int(1, 1000),
            "M: reports in a month that trigger an investigation",
            "Hammond 2000; assumption (1–5)";
        sanction: f64 = 0.50, real(0.0, 10.0),
            "f: utility cost of one sanction to a member",
            "Becker 1968; assumption (0.2–1)";
        trust_gain: f64 = 0.05, UNIT,
            "Trust gained by a household that reported when its contact member was sanctioned that month (after its report or any inspection)",
            "Ostrom 1990; assumption (0.02–0.1)";
        trust_loss: f64 = 0.03, UNIT,
            "Trust lost by a household whose report led to nothing",
            "Ostrom 1990; Olken 2007; assumption (0.01–0.06)";
        inspection_cost: f64 = 0.05, real(0.0, 1000.0),
            "Cost in thousand yuan of one inspection",
            "assumption (0.02–0.1)";
        campaign_inspection_rate: f64 = 0.0, UNIT,
            "Extra inspection probability during a campaign",
            "[Dynamics] §5 (campaign-style mode); assumption (0–0.1)";
        campaign_start_month: u32 = 24, int(0, 1200),
            "First month of the first campaign",
            "[Dynamics] §5; assumption (12–48)";
        campaign_months: u32 = 0, int(0, 1200),
            "Length of a campaign in months (0: no campaign)",
            "[Dynamics] §5; assumption (0–12)";
        campaign_every_months: u32 = 0, int(0, 1200),
            "Months between campaign starts (0: one campaign only)",
            "[Dynamics] §5; assumption (0–36)";
        campaign_activity_time: f64 = 0.10, UNIT,
            "Share of members' time taken by a campaign's meetings, \"sports and activities\" while it lasts",
            "[Dynamics] §5; assumption (0.05–0.2)";
        records_check: f64 = 0.50, UNIT,
            "r_C: share of an inspection's finding of shirking that visible records avert (inspections check paperwork)",
            "[ZTown] (poor supervision); assumption (0.2–0.8)";
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

section! {
    /// `[exemplary]`: exemplary models and mentoring.
    Exemplary [exemplary] "Exemplary models and mentoring" {
        enabled: bool = false, Kind::Switch,
            "Whether models are designated, imitated and mentor others",
            "[Dynamics] §4 (Huairen); [VillageLevel] §4; [LearnServeInnovate]";
        model_share: f64 = 0.05, UNIT,
            "Share of members designated models at each assessment, per reach group",
            "[Dynamics] §4; assumption (0.02–0.1)";
        reach: Reach = "township", Kind::Choice(&["branch", "township", "county"]),
            "Within what group models are designated and imitated",
            "[Dynamics] §4";
        imitation_rate: f64 = 0.01, UNIT,
            "r_M: monthly probability that a non-adopter meets a publicised model of their reach group",
            "Mesoudi; [Dynamics] §4 (\"propaganda of advanced models\"); assumption (0–0.2)";
        imitation_temperature: f64 = 0.10, real(0.001, 10.0),
            "K: noise of the Fermi comparison of payoffs",
            "Szabó & Tőke 1998; assumption (0.02–0.5: payoffs here are on another scale than in evolutionary games)";
        imitation_strength: f64 = 0.50, UNIT,
            "η: share of the difference to the source's motivation copied at adoption",
            "assumption (0.2–0.8)";
        mentoring_rate: f64 = 0.01, UNIT,
            "τ: monthly share of the skill gap to the branch's own models closed by mentoring",
            "[Dynamics] §4 (\"helping and exceeding\"); [VillageLevel] §4; assumption (0.005–0.03)";
        branch_contact_rate: f64 = 0.30, UNIT,
            "r_B: monthly probability that a non-adopter talks practice with a random fellow member of their branch",
            "[Dynamics] §4 (\"point-to-point, face-to-face\"); assumption (0–0.5)";
        township_contact_rate: f64 = 0.05, UNIT,
            "r_T: monthly probability that a non-adopter meets a random member of their township (meetings, training)",
            "Granovetter 1973 (weak ties); assumption (0–0.2)";
        mentoring_contact_rate: f64 = 0.05, UNIT,
            "r_H: monthly probability that a mentee meets one of the branch's active models",
            "[Dynamics] §4 (\"helping\"); assumption (0–0.3)";
        abandonment_rate: f64 = 0.02, UNIT,
            "δ: monthly probability that an adopter who is not a model abandons the practice",
            "Rogers 2003 (discontinuance); assumption (0–0.1)";
        practice_weight: f64 = 0.30, UNIT,
            "β: weight of the adopted practice (the model's effort split) in the adopter's target split",
            "Mas & Moretti 2009 (peer elasticity ≈ 0.15–0.17); assumption (0–0.6)";
    }
}

section! {
    /// `[migration]`: hollowing out (`docs/model.md` §7.10).
    Migration [migration] "Hollowing out: migration, difficulty and the pay gap" {
        enabled: bool = true, Kind::Switch,
            "Whether members and households migrate and members fall into difficulty",
            "[Implementing] §2.4";
        wage_ratio: f64 = 1.5, real(0.0, 20.0),
            "w: migrant wage / cadre income",
            "[Implementing] §2.4; assumption (1.2–2: NBS 2023 migrant income over a secretary's pay at twice rural income is about 1.5)";
        member_hazard: f64 = 0.06, UNIT,
            "h₀: monthly migration hazard of a working-age member at w = 1, θ = 0",
            "[Implementing] §2.4; Buurman & Dur; calibrated (0.034–0.078: model 5's 90 % credible interval, docs/model.md §9.2; about a third of village members away)";
        wage_elasticity: f64 = 1.0, real(0.0, 10.0),
            "ε: hazard multiplier exp(ε·(w − 1))",
            "[Implementing] §2.4; assumption (0.5–2)";
        motivation_retention: f64 = 2.0, real(0.0, 20.0),
            "ψ: hazard multiplier exp(−ψ·θ): motivated members stay",
            "Buurman & Dur; assumption (1–3)";
        return_rate: f64 = 0.025, UNIT,
            "Monthly probability that a migrated member returns",
            "[Implementing] §2.4; calibrated (0.0096–0.046: model 5's 90 % credible interval, docs/model.md §9.2; jointly with member_hazard)";
        household_hazard: f64 = 0.002, UNIT,
            "Monthly hazard at w = 1 that an ordinary household's working members leave (it becomes left-behind)",
            "[Implementing] §2.4; assumption (0.001–0.005)";
        household_return_rate: f64 = 0.01, UNIT,
            "Monthly probability that a left-behind household's migrants return",
            "assumption (0.005–0.02)";
        pay_gap_erosion: f64 = 0.001, UNIT,
            "φ: monthly loss of motivation per unit of pay gap (w − 1)",
            "[Implementing] §2.4; assumption (0–0.003)";
        difficulty_hazard: f64 = 0.002, UNIT,
            "Monthly probability that an active member falls into difficulty (illness, age)",
            "[VillageLevel] §4; [Implementing] §2.4; assumption (0.001–0.005)";
        recovery_rate: f64 = 0.01, UNIT,
            "Monthly probability that a member in difficulty becomes active again, without care",
            "[VillageLevel] §4; assumption (0.005–0.03)";
    }
}

section! {
    /// `[leadership]`: the secretary's leadership (`docs/model.md` §7.11).
    Leadership [leadership] "Main traction: the secretary's leadership and the promotion tournament" {
        strength: f64 = 0.30, UNIT,
            "α_L: branch capacity multiplier is L = 1 + α_L·(2ℓ − 1)",
            "[Dynamics] §3; assumption (0.1–0.5)";
        talent_sd: f64 = 0.10, real(0.0, 0.5),
            "Noise of a member's leadership talent ℓ around (s + θ)/2",
            "[Dynamics] §3; assumption (0.05–0.2)";
        higher_guidance: f64 = 0.0, UNIT,
            "g_H: leadership added by higher-level guidance",
            "[Dynamics] §3; assumption (0–0.2)";
        tournament: bool = false, Kind::Switch,
            "Whether secretaries compete county-wide for promotion",
            "[Dynamics] §3; Lazear & Rosen 1981; Li & Zhou 2005";
        promotion_share: f64 = 0.05, UNIT,
            "Share of secretaries promoted at each assessment (they leave the village)",
            "Li & Zhou 2005; assumption (0.02–0.1)";
        promotion_response: f64 = 0.30, real(0.0, 5.0),
            "β_P: leadership added at the steepest point of the promotion chance",
            "Lazear & Rosen 1981; assumption (0.1–0.6)";
        promotion_noise: f64 = 0.05, real(0.001, 10.0),
            "K_P: noise of branch scores in the promotion chance",
            "Lazear & Rosen 1981; assumption (0.02–0.2)";
        experience_loss: f64 = 0.0, UNIT,
            "κ_X: leadership a new secretary lacks in the first month, shrinking linearly to 0 over T_X months (0 = off)",
            "assumption (0–0.15)";
        experience_months: u32 = 24, int(1, 120),
            "T_X: months in office until a new secretary has the experience of an established one",
            "assumption (12–48)";
    }
}

section! {
    /// `[spiritual]`: ideological education (`docs/model.md` §7.12).
    Spiritual [spiritual] "Spiritual guidance: ideological education and motivation dynamics" {
        enabled: bool = false, Kind::Switch,
            "Whether branches hold ideological education",
            "[Dynamics] §4; [VillageLevel] §3";
        education_intensity: f64 = 1.0, real(0.0, 10.0),
            "G: sessions per month (democratic life meetings, \"three sessions and one lesson\")",
            "[VillageLevel] §3–4; assumption (0.5–2)";
        education_effect: f64 = 0.003, UNIT,
            "γ_G: share of the gap to θ = 1 closed per session",
            "[Dynamics] §4; assumption (0.001–0.01): ten years of monthly sessions with online media raise mean θ by about one standard deviation (0.15)";
        online_media: f64 = 0.0, real(0.0, 10.0),
            "Extra reach of education through online media (multiplier 1 + this)",
            "[Dynamics] abstract; [VillageLevel] §3; assumption (0–2)";
        motivation_fade: f64 = 0.02, UNIT,
            "δ: monthly fade of θ toward the member's lasting disposition θ̂ (always on)",
            "[Dynamics] §4 and conclusion; assumption (0.01–0.05)";
        education_cost: f64 = 0.01, real(0.0, 1000.0),
            "Cost in thousand yuan per member and session",
            "assumption (0.005–0.02)";
        session_time: f64 = 0.02, UNIT,
            "Share of a member's monthly time taken by one education session (online media take none)",
            "[VillageLevel] §3; assumption (0.01–0.05)";
        internalisation: f64 = 0.30, UNIT,
            "ι: share of the motivation above θ̂ absorbed into θ̂ in a month of full autonomy support (0 = off)",
            "Ryan & Deci 2000; Deci et al. 1994; assumption (0–0.5)";
        control_weight: f64 = 1.0, real(0.0, 10.0),
            "κ_C: how strongly a controlling context (inspection chance, chance of a material reward) blocks internalisation",
            "Ryan & Deci 2000; Deci, Koestner & Ryan 1999; assumption (0.5–2)";
    }
}

section! {
    /// `[crowding]`: motivation crowding (`docs/model.md` §7.13).
    Crowding [crowding] "Motivation crowding by control and rewards" {
        enabled: bool = true, Kind::Switch,
            "Whether control and rewards change intrinsic motivation",
            "Frey 1993; Frey & Jegen 2001";
        inspection: f64 = 0.02, UNIT,
            "c_I: share of θ lost per inspection (control crowds out)",
            "Frey 1993; assumption (0–0.05)";
        material: f64 = 0.08, UNIT,
            "c_M: share of θ lost per reward, times its material share",
            "Deci, Koestner & Ryan 1999 (d ≈ −0.28)";
        recognition: f64 = 0.10, UNIT,
            "c_R: share of the gap to 1 gained per reward (times its political + spiritual share) or designation",
            "Deci, Koestner & Ryan 1999 (d ≈ +0.33)";
        passed_over: f64 = 0.05, UNIT,
            "c_P: share of θ lost at an assessment by a member not rewarded, times the chance of reward they expected",
            "[Implementing] §2.4; Gill et al. 2019; assumption (0–0.1)";
    }
}

/// What a secretary's democratic assessment reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Evaluation {
    /// Households' appraisal of the secretary's own leadership talent.
    Appraisal,
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

section! {
    /// `[selection]`: democratic assessment and selection (`docs/model.md` §7.14).
    Selection [selection] "Democratic assessment and selection of secretaries" {
        enabled: bool = false, Kind::Switch,
            "Whether secretaries are democratically assessed and replaced",
            "[VillageLevel] §4; [LearnServeInnovate]";
        evaluation: Evaluation = "appraisal", Kind::Choice(&["appraisal", "mass", "score"]),
            "What the assessment of a secretary reads: households' appraisal of the secretary's own talent, the village's mean satisfaction, or the branch score",
            "[Dynamics] §5; [LearnServeInnovate]; Besley 2005";
        rule: ReplacementRule = "bottom_share", Kind::Choice(&["threshold", "bottom_share"]),
            "Replace below a threshold, or the bottom share county-wide",
            "[LearnServeInnovate] (\"survival of the fittest\")";
        threshold: f64 = 0.35, UNIT,
            "Evaluation below which a secretary is replaced (threshold rule)",
            "[LearnServeInnovate]; assumption (0.2–0.5)";
        bottom_share: f64 = 0.10, UNIT,
            "Share of secretaries replaced (bottom_share rule)",
            "[LearnServeInnovate]; assumption (0.05–0.1: counties list 5 to 10 percent of branches as weak each year)";
        successor: Successor = "appointment", Kind::Choice(&["appointment", "election"]),
            "How a new secretary is chosen: appointed by measured score, or elected on households' appraisal",
            "[VillageLevel] §4 (Pingchuan); Martinez-Bravo et al. 2022";
        vote_noise: f64 = 0.05, real(0.0, 5.0),
            "σ_A: noise of the appointing body's reading of each candidate's score (appointment)",
            "assumption (0–0.2)";
        appraisal_noise: f64 = 0.30, real(0.0, 10.0),
            "σ_H: noise of one month of households' observation of a member's leadership talent ℓ",
            "assumption (0.1–1); Besley 2005";
        appraisal_horizon: u32 = 12, int(1, 120),
            "H: months of observation households' appraisal averages (its noise is σ_H/√H)",
            "assumption (6–36); [VillageLevel] §4";
    }
}

section! {
    /// `[training]`: training and skill (`docs/model.md` §7.15).
    Training [training] "Knowledge: training and skill" {
        enabled: bool = false, Kind::Switch,
            "Whether members are trained",
            "[Dynamics] abstract; [VillageLevel] §4";
        rate: f64 = 0.05, UNIT,
            "Monthly probability that an active member is trained",
            "[VillageLevel] §4; assumption (0.02–0.1)";
        learning_rate: f64 = 0.05, UNIT,
            "Share of the gap to s = 1 closed by one training (learning curve)",
            "[VillageLevel] §4; assumption (0.02–0.1)";
        cost: f64 = 0.3, real(0.0, 1000.0),
            "Cost in thousand yuan per training",
            "assumption (0.1–0.6)";
        skill_decay: f64 = 0.01, UNIT,
            "d_s: monthly loss of skill as needs change (always on)",
            "[Dynamics] §2; assumption (0.005–0.02: skills halve in 3–12 years without practice)";
        learning_by_doing: f64 = 0.02, UNIT,
            "ℓ_D: monthly share of the gap to s = 1 closed per unit of real output √e_R (always on)",
            "[VillageLevel] §4 (learning in service); assumption (0.01–0.04), set with d_s so that mean skill stays near its initial 0.5";
        time: f64 = 0.10, UNIT,
            "t_T: share of the month a trained member spends in training instead of service",
            "assumption (0.05–0.2; about three days)";
    }
}

section! {
    /// `[technology]`: the service platform (`docs/model.md` §7.15).
    Technology [technology] "Technology: the service platform" {
        platform: bool = false, Kind::Switch,
            "Whether branches have a service platform",
            "[Dynamics] abstract; [VillageLevel] §3–4";
        platform_productivity: f64 = 0.20, real(0.0, 10.0),
            "Capacity multiplier 1 + this",
            "[VillageLevel] §4; assumption (0.1–0.4)";
        platform_reach: f64 = 0.30, UNIT,
            "Share of the gap to 1 closed in reaching uncovered households, and of the diversity cost removed",
            "[VillageLevel] §4; assumption (0.1–0.5)";
        platform_cost: f64 = 0.5, real(0.0, 1000.0),
            "Cost in thousand yuan per village and month",
            "assumption (0.2–1)";
    }
}

section! {
    /// `[service_team]`: care, mutual help, contacts, joint branches (`docs/model.md` §7.16).
    ServiceTeam [service_team] "Service team: care, mutual help, contact assignment, joint branches" {
        mutual_help_rate: f64 = 0.0, UNIT,
            "τ_M: monthly share of the skill gap to the mean of the branch's more skilled members closed by mutual help",
            "[VillageLevel] §4; Mas & Moretti 2009; assumption (0–0.05)";
        mutual_help_time: f64 = 0.05, UNIT,
            "t_M: share of every active member's month spent on mutual help while it runs",
            "assumption (0.02–0.1)";
        care_rate: f64 = 0.0, UNIT,
            "Extra monthly recovery probability of members in difficulty through party-internal care",
            "[VillageLevel] §4; [Implementing] §2.4; assumption (0–0.05)";
        contact_assignment: bool = false, Kind::Switch,
            "Whether households without an active contact are assigned one each month",
            "[Dynamics] §5; [ZTown]";
        max_households_per_member: u32 = 15, int(1, 60_000),
            "Most households a member is assigned by the monthly contact assignment (§7.16; set-up's round-robin ignores it)",
            "assumption (10–30)";
        joint_branch: bool = false, Kind::Switch,
            "Whether villages with too few active members are joined with a township neighbour",
            "[VillageLevel] §4 (set-up across boundaries)";
        joint_branch_min_active: u32 = 8, int(0, 5_000),
            "Active members below which a village is joined",
            "[VillageLevel] §4; assumption (5–12)";
        joint_branch_share: f64 = 0.50, UNIT,
            "Share of the partner's spare capacity lent to the joined village",
            "assumption (0.3–0.7)";
        joint_committee: bool = false, Kind::Switch,
            "Whether the branch serves jointly with the village committee (\"two committees\")",
            "[VillageLevel] §4";
        committee_capacity: f64 = 4.0, real(0.0, 1000.0),
            "C_J: needs per month the village committee's cadres resolve for households without a contact, in joint service",
            "[VillageLevel] §4; assumption (2–8: half a full-time member of skill 1)";
        committee_meeting_time: f64 = 0.03, UNIT,
            "t_J: share of every active member's time taken by joint meetings with the committee (coordination cost)",
            "[VillageLevel] §4; [Dynamics] §5; assumption (0.01–0.06)";
        industry_branch: bool = false, Kind::Switch,
            "Party branches set up along industries and cooperatives, across village boundaries: they include members away, who serve their home township's business and cooperative households' production needs (county phase)",
            "[VillageLevel] §4";
        local_share: f64 = 0.40, UNIT,
            "ω_L: share of members away whom an industry or cooperative branch reaches",
            "[VillageLevel] §4; assumption (0.2–0.6)";
        industry_time: f64 = 0.20, UNIT,
            "h_I: share of a month a fully motivated member reached gives to the industry branch's service (θ·h_I at motivation θ)",
            "[VillageLevel] §4; assumption (0.1–0.3: a day a week beside work)";
    }
}

section! {
    /// `[funds]`: service funds (`docs/model.md` §7.17).
    Funds [funds] "Service funds" {
        enabled: bool = true, Kind::Switch,
            "Whether resolving needs draws on a branch service fund that can run out",
            "[ZTown] (funds)";
        monthly_guarantee: f64 = 3.0, real(0.0, 10_000.0),
            "Service funds allocated per branch and month, thousand yuan",
            "[ZTown]; assumption (1.5–6)";
        initial: f64 = 5.0, real(0.0, 100_000.0),
            "Fund balance at the start, thousand yuan",
            "assumption (0–10)";
        cost_per_need: f64 = 0.05, real(0.0, 1000.0),
            "c_F: mean cost of a resolved need, thousand yuan (costs vary exponentially; the cheapest are paid for first)",
            "[ZTown]; assumption (0.02–0.1)";
        carryover_months: f64 = 12.0, real(0.0, 1200.0),
            "K: months of guarantee a branch may carry over; the county tops the balance up to (K + 1) months and keeps the rest of its budget",
            "assumption (6–24)";
        diversion: f64 = 0.28, UNIT,
            "d₀: share of each guarantee payment diverted (elite capture) without any audit",
            "[Implementing] §2.2; Olken 2007 (about a quarter of road funds missing where audits were rare); range 0.1–0.3";
        audit_effect: f64 = 0.32, UNIT,
            "ω_A: share of diversion prevented by a certain yearly audit",
            "Olken 2007 (audits from 4 % to 100 % probability cut missing funds by about 8 of about 25 points)";
    }
}

section! {
    /// `[innovation]`: Bass diffusion of service modes (`docs/model.md` §7.18).
    Innovation [innovation] "Service innovation (Bass diffusion)" {
        enabled: bool = false, Kind::Switch,
            "Whether branches adopt new service modes",
            "[LearnServeInnovate]";
        external: f64 = 0.03, UNIT,
            "Bass p: yearly adoption hazard from outside",
            "Bass 1969; assumption (0.01–0.05: mean p of 0.03 over consumer products in Sultan, Farley & Lehmann 1990)";
        imitation: f64 = 0.38, real(0.0, 10.0),
            "Bass q: yearly hazard per adopted share of the township",
            "Bass 1969; [LearnServeInnovate]; assumption (0.2–0.6: mean q of 0.38 over consumer products in Sultan, Farley & Lehmann 1990)";
        exemplary_weight: f64 = 1.0, real(0.0, 10.0),
            "Extra weight of branches with exemplary models among adopters",
            "[LearnServeInnovate]; assumption (0–2)";
        productivity: f64 = 0.20, real(0.0, 10.0),
            "Capacity multiplier 1 + this for adopters",
            "[LearnServeInnovate]; assumption (0.1–0.4)";
    }
}

/// Every section of a scenario file, in the order they are documented
/// (declared with the [`Scenario`](super::Scenario) in `scenario/mod.rs`).
pub use super::ALL;

/// The sections of a scenario file (key, title), in the order they are documented.
pub const SECTIONS: &[(&str, &str)] = &titles::<{ ALL.len() }>(ALL);

/// Every parameter, grouped by section in the order of [`SECTIONS`].
pub const PARAMS: &[Param] = &flatten::<{ count_params(ALL) }>(ALL);

/// Keys outside `[world]` that are read only when the county is set up
/// (`engine::setup`: the initial market development and differentiation of
/// villages, the spread of secretaries' talent, the initial service funds).
/// Like `[world]` keys they cannot change during a run (`[[changes]]`), and
/// a study burnt in under its base scenario keeps them in the set-up.
pub const SET_UP_KEYS: &[&str] = &[
    "environment.market_development",
    "environment.differentiation",
    "environment.market_development_sd",
    "leadership.talent_sd",
    "funds.initial",
];

/// Whether `key` only sets the county up: a `[world]` key or one of
/// [`SET_UP_KEYS`].
pub fn sets_up(key: &str) -> bool {
    key.starts_with("world.") || SET_UP_KEYS.contains(&key)
}

/// Top-level sections that describe studies rather than parameters.
pub const STUDY_SECTIONS: &[&str] = &[
    "variants",
    "compare",
    "sweep",
    "uncertainty",
    "sensitivity",
    "calibration",
    "changes",
];

/// Look a parameter up by its dotted key.
pub fn find(key: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.key == key)
}

/// The parameter table as Markdown, one table per section.
///
/// `docs/model.md` embeds exactly this text between the markers
/// `<!-- params:begin -->` and `<!-- params:end -->`.
pub fn markdown_table() -> String {
    let mut out = String::new();
    for (section, title) in SECTIONS {
        out.push_str(&format!("\n**`[{section}]`** — {title}\n\n"));
        out.push_str("| key | default | range | meaning | source |\n");
        out.push_str("|---|---|---|---|---|\n");
        for p in PARAMS.iter().filter(|p| p.section() == *section) {
            out.push_str(&format!(
                "| `{}` | `{}` | {} | {} | {} |\n",
                p.name(),
                p.default,
                p.kind.range_text(),
                p.meaning.replace('|', "\\|"),
                p.source
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_param_is_in_a_known_section_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for p in PARAMS {
            assert!(
                SECTIONS.iter().any(|(s, _)| *s == p.section()),
                "{} is in no section",
                p.key
            );
            assert!(seen.insert(p.key), "{} listed twice", p.key);
        }
    }

    /// Numeric parameters whose value rests on a figure from the literature
    /// (named with its year in the source) rather than on an assumption.
    const EVIDENCE: &[&str] = &[
        "crowding.material",
        "crowding.recognition",
        "funds.diversion",
        "funds.audit_effect",
    ];

    /// Whether `text` holds a four-digit year 19xx or 20xx.
    fn cites_year(text: &str) -> bool {
        let b = text.as_bytes();
        (0..b.len().saturating_sub(3)).any(|i| {
            b[i..i + 4].iter().all(u8::is_ascii_digit)
                && (b[i..i + 2] == *b"19" || b[i..i + 2] == *b"20")
                && (i == 0 || !b[i - 1].is_ascii_digit())
                && b.get(i + 4).is_none_or(|c| !c.is_ascii_digit())
        })
    }

    #[test]
    fn every_assumed_numeric_param_has_an_assumption_range() {
        for p in PARAMS.iter().filter(|p| p.section() != "scenario") {
            let (min, max, integer) = match p.kind {
                Kind::Real { min, max } => (min, max, false),
                Kind::Integer { min, max } => (min as f64, max as f64, true),
                _ => continue,
            };
            let default: f64 = p.default.replace('_', "").parse().unwrap();
            match p.assumption_range() {
                Some((low, high)) => {
                    assert!(
                        !EVIDENCE.contains(&p.key),
                        "{} is listed as evidence but has an assumption range",
                        p.key
                    );
                    assert!(
                        low <= default && default <= high,
                        "{}: default {default} outside its assumption range {low}–{high}",
                        p.key
                    );
                    assert!(
                        min <= low && high <= max,
                        "{}: assumption range {low}–{high} outside the valid range",
                        p.key
                    );
                    assert!(
                        !integer || (low.fract() == 0.0 && high.fract() == 0.0),
                        "{}: integer parameter with a fractional range",
                        p.key
                    );
                }
                None => {
                    assert!(
                        EVIDENCE.contains(&p.key),
                        "{} needs \"assumption (low–high)\" in its source, or a literature figure and an entry in EVIDENCE",
                        p.key
                    );
                    assert!(cites_year(p.source), "{}: no dated citation", p.key);
                }
            }
        }
    }

    #[test]
    fn assumption_range_parses_the_source() {
        let with = |source: &'static str| Param {
            key: "x.y",
            kind: UNIT,
            default: "0.1",
            meaning: "",
            source,
        };
        let cases: &[(&str, Option<(f64, f64)>)] = &[
            ("assumption (0.05–0.2)", Some((0.05, 0.2))),
            (
                "[Dynamics] §2; assumption (0.005–0.02: skills halve in 3–12 years)",
                Some((0.005, 0.02)),
            ),
            ("assumption (0.05–0.2; about three days)", Some((0.05, 0.2))),
            ("assumption (12–48)", Some((12.0, 48.0))),
            ("assumption (0.001–0.01): ten years", Some((0.001, 0.01))),
            ("Olken 2007; range 0.1–0.3", None),
            ("assumption (0.2-0.5)", None),
            ("assumption (0.5–0.2)", None),
            ("assumption (5 %–10 %)", None),
            (
                "[Implementing] §2.4; calibrated (0.034–0.078: 90 % credible interval)",
                Some((0.034, 0.078)),
            ),
        ];
        for (source, expected) in cases {
            assert_eq!(with(source).assumption_range(), *expected, "{source}");
        }
        assert!(cites_year("Lazear & Rosen 1981"));
        assert!(!cites_year("[Dynamics] §5; [ZTown]"));
        assert!(!cites_year("assumption (12–48)"));
    }

    #[test]
    fn markdown_lists_every_param() {
        let md = markdown_table();
        for p in PARAMS {
            assert!(md.contains(&format!("| `{}` |", p.name())), "{}", p.key);
        }
    }
}
