//! The scenario schema: every parameter a scenario file may set, with its
//! default, valid range, meaning and the seed passage or literature it rests on.
//!
//! This table is the single source of truth. Validation reads the ranges from
//! it, defaults are filled from it, `grassroots params` prints it, and a test
//! checks that the parameter table in `docs/model.md` is exactly its Markdown
//! rendering.

/// The type and valid range of a parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A real number in `[min, max]`.
    Real {
        /// Smallest valid value.
        min: f64,
        /// Largest valid value.
        max: f64,
    },
    /// An integer in `[min, max]`.
    Integer {
        /// Smallest valid value.
        min: i64,
        /// Largest valid value.
        max: i64,
    },
    /// A count per village: a fixed integer, or a distribution
    /// `{ uniform = [a, b] }`, `{ normal = [mean, sd] }`, `{ poisson = mean }`;
    /// draws are clamped to `[min, max]`.
    Count {
        /// Smallest valid count.
        min: i64,
        /// Largest valid count.
        max: i64,
    },
    /// `true` or `false`.
    Switch,
    /// Free text.
    Text,
    /// A name made of letters, digits, `-` and `_` (used for directory names).
    Name,
    /// One of a fixed list of words.
    Choice(&'static [&'static str]),
}

impl Kind {
    /// The range column of the parameter table.
    pub fn range_text(&self) -> String {
        match self {
            Kind::Real { min, max } => format!("[{}, {}]", fmt_num(*min), fmt_num(*max)),
            Kind::Integer { min, max } => format!("{min} – {max}"),
            Kind::Count { min, max } => format!("{min} – {max}, or a distribution"),
            Kind::Switch => "true / false".to_string(),
            Kind::Text => "text".to_string(),
            Kind::Name => "letters, digits, - and _".to_string(),
            Kind::Choice(options) => options
                .iter()
                .map(|o| format!("\"{o}\""))
                .collect::<Vec<_>>()
                .join(" / "),
        }
    }
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// One parameter of the scenario file.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Dotted key, `section.name`.
    pub key: &'static str,
    /// Type and valid range.
    pub kind: Kind,
    /// Default, written as a TOML literal.
    pub default: &'static str,
    /// What the parameter means, with its unit.
    pub meaning: &'static str,
    /// Seed passage (`000 §5`) or literature the parameter rests on.
    pub source: &'static str,
}

impl Param {
    /// The section part of the key.
    pub fn section(&self) -> &'static str {
        self.key.split_once('.').map(|(s, _)| s).unwrap_or("")
    }
    /// The name part of the key.
    pub fn name(&self) -> &'static str {
        self.key.split_once('.').map(|(_, n)| n).unwrap_or(self.key)
    }
}

const fn real(min: f64, max: f64) -> Kind {
    Kind::Real { min, max }
}
const fn int(min: i64, max: i64) -> Kind {
    Kind::Integer { min, max }
}
const UNIT: Kind = real(0.0, 1.0);

macro_rules! p {
    ($key:literal, $kind:expr, $default:literal, $meaning:literal, $source:literal) => {
        Param {
            key: $key,
            kind: $kind,
            default: $default,
            meaning: $meaning,
            source: $source,
        }
    };
}

/// The sections of a scenario file, in the order they are documented.
pub const SECTIONS: &[(&str, &str)] = &[
    ("scenario", "Identity, seed and length of the run"),
    ("world", "Size and initial state of the county"),
    (
        "environment",
        "Need arrival (the environmental driving force)",
    ),
    ("service", "Service delivery by members"),
    ("households", "Household satisfaction and trust"),
    ("effort", "Members' choice of effort"),
    ("incentive", "Assessment and rewards (the incentive system)"),
    (
        "supervision",
        "Inspection and mass supervision (the binding system)",
    ),
    ("exemplary", "Exemplary models and mentoring"),
    (
        "migration",
        "Hollowing out: migration, difficulty and the pay gap",
    ),
    (
        "leadership",
        "Main traction: the secretary's leadership and the promotion tournament",
    ),
    (
        "spiritual",
        "Spiritual guidance: ideological education and motivation dynamics",
    ),
    ("crowding", "Motivation crowding by control and rewards"),
    (
        "selection",
        "Democratic assessment and selection of secretaries",
    ),
    ("training", "Knowledge: training and skill"),
    ("technology", "Technology: the service platform"),
    (
        "service_team",
        "Service team: care, mutual help, contact assignment, joint branches",
    ),
    ("funds", "Service funds"),
    ("innovation", "Service innovation (Bass diffusion)"),
];

/// Every parameter, grouped by section in the order of [`SECTIONS`].
pub const PARAMS: &[Param] = &[
    // --- scenario -------------------------------------------------------
    p!(
        "scenario.name",
        Kind::Name,
        "\"scenario\"",
        "Name of the run; output goes to `output/<name>/`",
        "—"
    ),
    p!(
        "scenario.description",
        Kind::Text,
        "\"\"",
        "Free description, copied to the manifest",
        "—"
    ),
    p!(
        "scenario.seed",
        int(0, i64::MAX),
        "1",
        "Master seed of all random streams",
        "—"
    ),
    p!(
        "scenario.months",
        int(1, 1200),
        "120",
        "Length of a run in monthly steps",
        "MODEL_BRIEF: time step one month"
    ),
    p!(
        "scenario.replicates",
        int(1, 100_000),
        "10",
        "Independent replicates (seeded runs)",
        "—"
    ),
    // --- world ----------------------------------------------------------
    p!(
        "world.villages",
        int(1, 1_000_000),
        "40",
        "Villages (each with one branch) in the county",
        "MODEL_BRIEF entities"
    ),
    p!(
        "world.villages_per_township",
        int(1, 1_000_000),
        "10",
        "Villages per township (reach of township-level rules)",
        "MODEL_BRIEF entities"
    ),
    p!(
        "world.households_per_village",
        Kind::Count {
            min: 1,
            max: 60_000
        },
        "150",
        "Households per village",
        "001 §2"
    ),
    p!(
        "world.members_per_village",
        Kind::Count { min: 1, max: 5_000 },
        "25",
        "Party members per village branch",
        "001 §2"
    ),
    p!(
        "world.share_left_behind",
        UNIT,
        "0.25",
        "Share of households that are left-behind elderly or children",
        "002 §2.4"
    ),
    p!(
        "world.share_business",
        UNIT,
        "0.10",
        "Share of business or cooperative households",
        "000 §2"
    ),
    p!(
        "world.share_difficulty",
        UNIT,
        "0.10",
        "Share of households in difficulty",
        "001 §4"
    ),
    p!(
        "world.contact_coverage",
        UNIT,
        "0.60",
        "Share of households given a fixed-point contact member at the start",
        "000 §5; 003 (coverage gaps)"
    ),
    p!(
        "world.motivation_mean",
        UNIT,
        "0.50",
        "Mean intrinsic public-service motivation θ of members",
        "000 §4; Buurman & Dur"
    ),
    p!(
        "world.motivation_sd",
        real(0.0, 0.5),
        "0.15",
        "Spread of θ (normal, clamped to [0, 1])",
        "—"
    ),
    p!(
        "world.skill_mean",
        UNIT,
        "0.50",
        "Mean service skill s of members",
        "002 §2.2"
    ),
    p!(
        "world.skill_sd",
        real(0.0, 0.5),
        "0.15",
        "Spread of s (normal, clamped to [0, 1])",
        "—"
    ),
    p!(
        "world.initial_satisfaction",
        UNIT,
        "0.50",
        "Households' satisfaction with the branch at the start",
        "—"
    ),
    p!(
        "world.initial_trust",
        UNIT,
        "0.50",
        "Households' trust in the branch at the start",
        "—"
    ),
    // --- environment ----------------------------------------------------
    p!(
        "environment.need_rate",
        real(0.0, 20.0),
        "0.20",
        "New needs per ordinary household per month at M = 0 (Poisson mean λ)",
        "000 §2; 001 §2"
    ),
    p!(
        "environment.multiplier_left_behind",
        real(0.0, 20.0),
        "1.50",
        "Need-rate multiplier for left-behind households",
        "002 §2.4"
    ),
    p!(
        "environment.multiplier_business",
        real(0.0, 20.0),
        "1.30",
        "Need-rate multiplier for business households",
        "000 §2"
    ),
    p!(
        "environment.multiplier_difficulty",
        real(0.0, 20.0),
        "2.00",
        "Need-rate multiplier for households in difficulty",
        "001 §4"
    ),
    p!(
        "environment.abandon_rate",
        UNIT,
        "0.15",
        "Monthly probability that an unresolved need is given up",
        "—"
    ),
    // --- service --------------------------------------------------------
    p!(
        "service.needs_per_member_month",
        real(0.0, 1000.0),
        "6.0",
        "κ: needs a member of skill 1 resolves per month on full-time real service",
        "001 §4"
    ),
    p!(
        "service.uncovered_efficiency",
        UNIT,
        "0.50",
        "Efficiency of spare capacity on households without a contact member",
        "000 §5 (fixed-point contact); 003"
    ),
    // --- households -----------------------------------------------------
    p!(
        "households.satisfaction_rate",
        UNIT,
        "0.20",
        "α_S: speed at which satisfaction follows the month's experience",
        "000 §5 (mass evaluation)"
    ),
    p!(
        "households.trust_rate",
        UNIT,
        "0.05",
        "α_T: speed at which trust follows satisfaction",
        "000 §5"
    ),
    p!(
        "households.visit_weight",
        real(0.0, 10.0),
        "0.50",
        "γ: weight of a contact member's visit, counted like a served need",
        "000 §5 (fixed-point contact)"
    ),
    // --- effort ---------------------------------------------------------
    p!(
        "effort.intrinsic_value",
        real(0.0, 10.0),
        "1.0",
        "v: value a member of motivation θ = 1 draws from one unit of real service",
        "Buurman & Dur; Braganza 2022 (g)"
    ),
    p!(
        "effort.private_return",
        real(0.0, 10.0),
        "0.80",
        "π: return on private work (farm, business, casual labour)",
        "002 §2.4 (cadre pay)"
    ),
    p!(
        "effort.adjustment_rate",
        UNIT,
        "0.30",
        "λ: share of the gap to the best split closed each month (habit)",
        "—"
    ),
    p!(
        "effort.noise",
        real(0.0, 3.0),
        "0.10",
        "σ: log-normal noise on each task's marginal value (bounded rationality)",
        "Holmström & Milgrom 1991"
    ),
    // --- incentive ------------------------------------------------------
    p!(
        "incentive.enabled",
        Kind::Switch,
        "true",
        "Whether the county assesses and rewards members",
        "000 §5; 002 §2.4"
    ),
    p!(
        "incentive.assessment_period_months",
        int(1, 120),
        "12",
        "Months between assessments (honours, models)",
        "000 §5 (Yangpu yearly evaluation)"
    ),
    p!(
        "incentive.formal_weight",
        UNIT,
        "0.60",
        "w_F: score weight on formal activity (meetings, records)",
        "002 §2.1, §2.4; 003"
    ),
    p!(
        "incentive.outcome_weight",
        UNIT,
        "0.30",
        "w_O: score weight on needs resolved",
        "000 §5"
    ),
    p!(
        "incentive.mass_evaluation_weight",
        UNIT,
        "0.10",
        "w_M: score weight on households' satisfaction",
        "000 §5 (\"highlight the weight of mass evaluation\")"
    ),
    p!(
        "incentive.sanction_points",
        UNIT,
        "0.10",
        "Score deducted per sanction in the period",
        "000 §5"
    ),
    p!(
        "incentive.reward_rule",
        Kind::Choice(&["rank", "threshold"]),
        "\"rank\"",
        "Who is rewarded: the top share county-wide, or all above a threshold",
        "Lazear & Rosen 1981"
    ),
    p!(
        "incentive.reward_share",
        UNIT,
        "0.20",
        "Share rewarded under the rank rule",
        "—"
    ),
    p!(
        "incentive.reward_threshold",
        UNIT,
        "0.50",
        "Score needed under the threshold rule",
        "—"
    ),
    p!(
        "incentive.material_reward",
        real(0.0, 10.0),
        "0.30",
        "Value to a member of the material part of a reward",
        "000 §5 (material incentives)"
    ),
    p!(
        "incentive.political_reward",
        real(0.0, 10.0),
        "0.20",
        "Value of the political part (promotion prospects)",
        "000 §5 (political incentives); Li & Zhou 2005"
    ),
    p!(
        "incentive.spiritual_reward",
        real(0.0, 10.0),
        "0.10",
        "Value of the spiritual part (honour, recognition)",
        "000 §5 (spiritual incentives)"
    ),
    p!(
        "incentive.material_reward_cost",
        real(0.0, 1000.0),
        "2.0",
        "Cost in thousand yuan of one material reward",
        "003 (funds)"
    ),
    // --- supervision ----------------------------------------------------
    p!(
        "supervision.enabled",
        Kind::Switch,
        "true",
        "Whether inspection and mass supervision operate",
        "000 §5; 003"
    ),
    p!(
        "supervision.inspection_rate",
        UNIT,
        "0.03",
        "I: monthly probability that a member is inspected from above",
        "000 §5; Olken 2007"
    ),
    p!(
        "supervision.inspection_sees_formalism",
        UNIT,
        "0.30",
        "χ: probability that an inspection sees through formal activity",
        "003 (poor supervision)"
    ),
    p!(
        "supervision.mass_supervision",
        UNIT,
        "0.05",
        "μ: monthly probability that a household with unmet needs and full trust reports its contact member",
        "000 §5; Hammond 2000"
    ),
    p!(
        "supervision.report_threshold",
        int(1, 1000),
        "2",
        "M: reports in a month that trigger an investigation",
        "Hammond 2000"
    ),
    p!(
        "supervision.sanction",
        real(0.0, 10.0),
        "0.50",
        "f: utility cost of one sanction to a member",
        "Becker 1968"
    ),
    p!(
        "supervision.trust_gain",
        UNIT,
        "0.05",
        "Trust gained by a household whose report led to a sanction",
        "Ostrom 1990"
    ),
    p!(
        "supervision.trust_loss",
        UNIT,
        "0.03",
        "Trust lost by a household whose report led to nothing",
        "Ostrom 1990; Olken 2007"
    ),
    p!(
        "supervision.inspection_cost",
        real(0.0, 1000.0),
        "0.05",
        "Cost in thousand yuan of one inspection",
        "—"
    ),
    p!(
        "supervision.campaign_inspection_rate",
        UNIT,
        "0.0",
        "Extra inspection probability during a campaign",
        "000 §5 (campaign-style mode)"
    ),
    p!(
        "supervision.campaign_start_month",
        int(0, 1200),
        "24",
        "First month of the first campaign",
        "000 §5"
    ),
    p!(
        "supervision.campaign_months",
        int(0, 1200),
        "6",
        "Length of a campaign in months",
        "000 §5"
    ),
    p!(
        "supervision.campaign_every_months",
        int(0, 1200),
        "0",
        "Months between campaign starts (0: one campaign only)",
        "000 §5"
    ),
    // --- exemplary ------------------------------------------------------
    p!(
        "exemplary.enabled",
        Kind::Switch,
        "false",
        "Whether models are designated, imitated and mentor others",
        "000 §4 (Huairen); 001 §4; 004"
    ),
    p!(
        "exemplary.model_share",
        UNIT,
        "0.05",
        "Share of members designated models at each assessment, per reach group",
        "000 §4"
    ),
    p!(
        "exemplary.reach",
        Kind::Choice(&["branch", "township", "county"]),
        "\"township\"",
        "Within what group models are designated and imitated",
        "000 §4"
    ),
    p!(
        "exemplary.imitation_rate",
        UNIT,
        "0.10",
        "Monthly probability that a member compares themself with a model",
        "Mesoudi; 000 §4 (\"learning, catching up\")"
    ),
    p!(
        "exemplary.imitation_temperature",
        real(0.001, 10.0),
        "0.10",
        "K: noise of the Fermi comparison of payoffs",
        "Szabó & Tőke 1998"
    ),
    p!(
        "exemplary.imitation_strength",
        UNIT,
        "0.50",
        "η: share of the difference to the model copied",
        "—"
    ),
    p!(
        "exemplary.mentoring_rate",
        UNIT,
        "0.01",
        "τ: monthly share of the skill gap to the branch's own models closed by mentoring",
        "000 §4 (\"helping and exceeding\"); 001 §4"
    ),
    p!(
        "scenario.burn_in_months",
        int(0, 1200),
        "0",
        "Months simulated before month 0 and not recorded (environment frozen, no campaigns)",
        "—"
    ),
    p!(
        "scenario.base",
        Kind::Text,
        "\"\"",
        "Scenario file this one builds on, relative to this file; its values replace the defaults",
        "—"
    ),
    // --- additions of the full model (docs/model.md §7.9–7.19) ------------
    p!(
        "world.share_working_age",
        UNIT,
        "0.60",
        "Share of members of working age (able to migrate)",
        "002 §2.4"
    ),
    p!(
        "environment.market_development",
        UNIT,
        "0.30",
        "Initial market development M of a village (mean)",
        "000 §2"
    ),
    p!(
        "environment.market_development_sd",
        real(0.0, 0.5),
        "0.10",
        "Spread of initial M and D across villages (normal, clamped)",
        "—"
    ),
    p!(
        "environment.market_growth",
        real(0.0, 1.0),
        "0.02",
        "Yearly increase of M (and of D by differentiation_growth)",
        "000 §2"
    ),
    p!(
        "environment.need_growth",
        real(0.0, 10.0),
        "1.0",
        "β_M: need rate multiplier is 1 + β_M·M",
        "000 §2; 001 §2"
    ),
    p!(
        "environment.differentiation",
        UNIT,
        "0.30",
        "Initial social differentiation D (diversity of needs), mean",
        "000 §2"
    ),
    p!(
        "environment.differentiation_growth",
        real(0.0, 1.0),
        "0.02",
        "Yearly increase of D",
        "000 §2"
    ),
    p!(
        "environment.diversity_cost",
        real(0.0, 10.0),
        "0.30",
        "δ_D: capacity is divided by 1 + δ_D·D·(1 − platform reach)",
        "001 §2"
    ),
    p!(
        "environment.expectation_growth",
        real(0.0, 1.0),
        "0.03",
        "Yearly rise of household expectation E per unit of M",
        "000 §2"
    ),
    p!(
        "environment.expectation_max",
        real(1.0, 10.0),
        "2.0",
        "Ceiling of household expectation E",
        "—"
    ),
    p!(
        "incentive.economic_weight",
        UNIT,
        "0.0",
        "w_E: score weight on economic indicators (\"two skins\")",
        "002 §2.3"
    ),
    p!(
        "migration.enabled",
        Kind::Switch,
        "true",
        "Whether members and households migrate and members fall into difficulty",
        "002 §2.4"
    ),
    p!(
        "migration.wage_ratio",
        real(0.0, 20.0),
        "1.5",
        "w: migrant wage / cadre income",
        "002 §2.4"
    ),
    p!(
        "migration.member_hazard",
        UNIT,
        "0.003",
        "h₀: monthly migration hazard of a working-age member at w = 1, θ = 0",
        "002 §2.4; Buurman & Dur"
    ),
    p!(
        "migration.wage_elasticity",
        real(0.0, 10.0),
        "1.0",
        "ε: hazard multiplier exp(ε·(w − 1))",
        "002 §2.4"
    ),
    p!(
        "migration.motivation_retention",
        real(0.0, 20.0),
        "2.0",
        "ψ: hazard multiplier exp(−ψ·θ): motivated members stay",
        "Buurman & Dur"
    ),
    p!(
        "migration.return_rate",
        UNIT,
        "0.01",
        "Monthly probability that a migrated member returns",
        "002 §2.4"
    ),
    p!(
        "migration.household_hazard",
        UNIT,
        "0.002",
        "Monthly hazard at w = 1 that an ordinary household's working members leave (it becomes left-behind)",
        "002 §2.4"
    ),
    p!(
        "migration.household_return_rate",
        UNIT,
        "0.01",
        "Monthly probability that a left-behind household's migrants return",
        "—"
    ),
    p!(
        "migration.pay_gap_erosion",
        UNIT,
        "0.001",
        "φ: monthly loss of motivation per unit of pay gap (w − 1)",
        "002 §2.4"
    ),
    p!(
        "migration.difficulty_hazard",
        UNIT,
        "0.002",
        "Monthly probability that an active member falls into difficulty (illness, age)",
        "001 §4; 002 §2.4"
    ),
    p!(
        "migration.recovery_rate",
        UNIT,
        "0.01",
        "Monthly probability that a member in difficulty becomes active again, without care",
        "001 §4"
    ),
    p!(
        "leadership.strength",
        UNIT,
        "0.30",
        "α_L: branch capacity multiplier is L = 1 + α_L·(2ℓ − 1)",
        "000 §3"
    ),
    p!(
        "leadership.talent_sd",
        real(0.0, 0.5),
        "0.10",
        "Noise of a member's leadership talent ℓ around (s + θ)/2",
        "000 §3"
    ),
    p!(
        "leadership.higher_guidance",
        UNIT,
        "0.0",
        "g_H: leadership added by higher-level guidance",
        "000 §3"
    ),
    p!(
        "leadership.tournament",
        Kind::Switch,
        "false",
        "Whether secretaries compete county-wide for promotion",
        "000 §3; Lazear & Rosen 1981; Li & Zhou 2005"
    ),
    p!(
        "leadership.promotion_share",
        UNIT,
        "0.05",
        "Share of secretaries promoted at each assessment (they leave the village)",
        "Li & Zhou 2005"
    ),
    p!(
        "leadership.promotion_response",
        real(0.0, 5.0),
        "0.30",
        "β_P: leadership added at the steepest point of the promotion chance",
        "Lazear & Rosen 1981"
    ),
    p!(
        "leadership.promotion_noise",
        real(0.001, 10.0),
        "0.05",
        "K_P: noise of branch scores in the promotion chance",
        "Lazear & Rosen 1981"
    ),
    p!(
        "spiritual.enabled",
        Kind::Switch,
        "false",
        "Whether branches hold ideological education",
        "000 §4; 001 §3"
    ),
    p!(
        "spiritual.education_intensity",
        real(0.0, 10.0),
        "1.0",
        "G: sessions per month (democratic life meetings, \"three sessions and one lesson\")",
        "001 §3"
    ),
    p!(
        "spiritual.education_effect",
        UNIT,
        "0.01",
        "γ_G: share of the gap to θ = 1 closed per session",
        "000 §4"
    ),
    p!(
        "spiritual.online_media",
        real(0.0, 10.0),
        "0.0",
        "Extra reach of education through online media (multiplier 1 + this)",
        "000 abstract; 001 §3"
    ),
    p!(
        "spiritual.motivation_fade",
        UNIT,
        "0.02",
        "δ: monthly fade of θ toward the member's lasting disposition θ̂ (always on)",
        "000 §4 and conclusion"
    ),
    p!(
        "spiritual.education_cost",
        real(0.0, 1000.0),
        "0.01",
        "Cost in thousand yuan per member and session",
        "—"
    ),
    p!(
        "crowding.enabled",
        Kind::Switch,
        "true",
        "Whether control and rewards change intrinsic motivation",
        "Frey 1993; Frey & Jegen 2001"
    ),
    p!(
        "crowding.inspection",
        UNIT,
        "0.02",
        "c_I: share of θ lost per inspection (control crowds out)",
        "Frey 1993"
    ),
    p!(
        "crowding.material",
        UNIT,
        "0.08",
        "c_M: share of θ lost per reward, times its material share",
        "Deci, Koestner & Ryan 1999 (d ≈ −0.28)"
    ),
    p!(
        "crowding.recognition",
        UNIT,
        "0.10",
        "c_R: share of the gap to 1 gained per reward (times its political + spiritual share) or designation",
        "Deci, Koestner & Ryan 1999 (d ≈ +0.33)"
    ),
    p!(
        "selection.enabled",
        Kind::Switch,
        "false",
        "Whether secretaries are democratically assessed and replaced",
        "001 §4; 004"
    ),
    p!(
        "selection.evaluation",
        Kind::Choice(&["mass", "score"]),
        "\"mass\"",
        "What the assessment of a secretary reads: households' satisfaction or the branch score",
        "000 §5; 004"
    ),
    p!(
        "selection.rule",
        Kind::Choice(&["threshold", "bottom_share"]),
        "\"bottom_share\"",
        "Replace below a threshold, or the bottom share county-wide",
        "004 (\"survival of the fittest\")"
    ),
    p!(
        "selection.threshold",
        UNIT,
        "0.35",
        "Evaluation below which a secretary is replaced (threshold rule)",
        "004"
    ),
    p!(
        "selection.bottom_share",
        UNIT,
        "0.10",
        "Share of secretaries replaced (bottom_share rule)",
        "004"
    ),
    p!(
        "selection.successor",
        Kind::Choice(&["appointment", "election"]),
        "\"appointment\"",
        "How a new secretary is chosen: by measured score, or by public direct election",
        "001 §4 (Pingchuan); Martinez-Bravo et al."
    ),
    p!(
        "selection.vote_noise",
        real(0.0, 5.0),
        "0.05",
        "Noise of each candidate's appraisal",
        "—"
    ),
    p!(
        "training.enabled",
        Kind::Switch,
        "false",
        "Whether members are trained",
        "000 abstract; 001 §4"
    ),
    p!(
        "training.rate",
        UNIT,
        "0.05",
        "Monthly probability that an active member is trained",
        "001 §4"
    ),
    p!(
        "training.learning_rate",
        UNIT,
        "0.10",
        "Share of the gap to s = 1 closed by one training (learning curve)",
        "001 §4"
    ),
    p!(
        "training.cost",
        real(0.0, 1000.0),
        "0.3",
        "Cost in thousand yuan per training",
        "—"
    ),
    p!(
        "training.skill_decay",
        UNIT,
        "0.002",
        "d_s: monthly loss of skill as needs change (always on)",
        "000 §2"
    ),
    p!(
        "training.learning_by_doing",
        UNIT,
        "0.005",
        "ℓ_D: monthly share of the gap to s = 1 closed per unit of real output √e_R (always on)",
        "001 §4 (learning in service)"
    ),
    p!(
        "technology.platform",
        Kind::Switch,
        "false",
        "Whether branches have a service platform",
        "000 abstract; 001 §3–4"
    ),
    p!(
        "technology.platform_productivity",
        real(0.0, 10.0),
        "0.20",
        "Capacity multiplier 1 + this",
        "001 §4"
    ),
    p!(
        "technology.platform_reach",
        UNIT,
        "0.30",
        "Share of the gap to 1 closed in reaching uncovered households, and of the diversity cost removed",
        "001 §4"
    ),
    p!(
        "technology.platform_cost",
        real(0.0, 1000.0),
        "0.5",
        "Cost in thousand yuan per village and month",
        "—"
    ),
    p!(
        "service_team.mutual_help_rate",
        UNIT,
        "0.0",
        "Monthly share of the skill gap to the branch's most skilled member closed by mutual help",
        "001 §4"
    ),
    p!(
        "service_team.care_rate",
        UNIT,
        "0.0",
        "Extra monthly recovery probability of members in difficulty through party-internal care",
        "001 §4; 002 §2.4"
    ),
    p!(
        "service_team.contact_assignment",
        Kind::Switch,
        "false",
        "Whether households without an active contact are assigned one each month",
        "000 §5; 003"
    ),
    p!(
        "service_team.max_households_per_member",
        int(1, 60_000),
        "15",
        "Most households a member is assigned",
        "—"
    ),
    p!(
        "service_team.joint_branch",
        Kind::Switch,
        "false",
        "Whether villages with too few active members are joined with a township neighbour",
        "001 §4 (set-up across boundaries)"
    ),
    p!(
        "service_team.joint_branch_min_active",
        int(0, 5_000),
        "8",
        "Active members below which a village is joined",
        "001 §4"
    ),
    p!(
        "service_team.joint_branch_share",
        UNIT,
        "0.50",
        "Share of the partner's spare capacity lent to the joined village",
        "—"
    ),
    p!(
        "funds.enabled",
        Kind::Switch,
        "true",
        "Whether resolving needs draws on a branch service fund that can run out",
        "003 (funds)"
    ),
    p!(
        "funds.monthly_guarantee",
        real(0.0, 10_000.0),
        "1.0",
        "Service funds allocated per branch and month, thousand yuan",
        "003"
    ),
    p!(
        "funds.initial",
        real(0.0, 100_000.0),
        "5.0",
        "Fund balance at the start, thousand yuan",
        "—"
    ),
    p!(
        "funds.cost_per_need",
        real(0.0, 1000.0),
        "0.05",
        "Thousand yuan spent per resolved need",
        "003"
    ),
    p!(
        "innovation.enabled",
        Kind::Switch,
        "false",
        "Whether branches adopt new service modes",
        "004"
    ),
    p!(
        "innovation.external",
        UNIT,
        "0.03",
        "Bass p: yearly adoption hazard from outside",
        "Bass 1969"
    ),
    p!(
        "innovation.imitation",
        real(0.0, 10.0),
        "0.38",
        "Bass q: yearly hazard per adopted share of the township",
        "Bass 1969; 004"
    ),
    p!(
        "innovation.exemplary_weight",
        real(0.0, 10.0),
        "1.0",
        "Extra weight of branches with exemplary models among adopters",
        "004"
    ),
    p!(
        "innovation.productivity",
        real(0.0, 10.0),
        "0.20",
        "Capacity multiplier 1 + this for adopters",
        "004"
    ),
];

/// Top-level sections that describe experiments rather than parameters.
pub const EXPERIMENT_SECTIONS: &[&str] =
    &["variants", "compare", "sweep", "uncertainty", "changes"];

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

    #[test]
    fn markdown_lists_every_param() {
        let md = markdown_table();
        for p in PARAMS {
            assert!(md.contains(&format!("| `{}` |", p.name())), "{}", p.key);
        }
    }
}
