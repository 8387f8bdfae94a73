//! The monthly schedule of a village (`docs/model.md` §3.1, Table 1): one
//! table of steps, run in order by [`super::step_village`] and rendered as
//! the documentation's Table 1 by [`schedule_markdown`] (`tests/docs.rs`
//! checks that the two agree).

use crate::metrics::VillageTally;
use crate::model::Village;
use crate::rules::{MonthContext, VillageRule};

/// One step of a village's month.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// The rule, e.g. `environment::evolve`.
    pub name: &'static str,
    /// The function the engine calls.
    pub rule: VillageRule,
    /// The section of `docs/model.md` that gives its equations, e.g. `§7.9`.
    pub docs_ref: &'static str,
    /// What happens in the step.
    pub does: &'static str,
    /// Why the step comes where it does.
    pub why_here: &'static str,
}

/// A step whose name is the rule's own path.
macro_rules! step {
    ($module:ident :: $rule:ident, $docs_ref:literal, $does:literal, $why_here:literal) => {
        Step {
            name: concat!(stringify!($module), "::", stringify!($rule)),
            rule: crate::rules::$module::$rule,
            docs_ref: $docs_ref,
            does: $does,
            why_here: $why_here,
        }
    };
}

/// The end-of-month observation: the village's state enters its tally
/// (`docs/model.md` §7.8).
fn observe(v: &mut Village, _ctx: &MonthContext<'_>, tally: &mut VillageTally) {
    tally.observe(v);
}

/// The monthly schedule of a village, in order (`docs/model.md` §3.1).
/// The order is part of the model: changing it changes results (and
/// `MODEL_VERSION`).
pub const SCHEDULE: &[Step] = &[
    step!(
        environment::evolve,
        "§7.9",
        "market, differentiation and expectations grow",
        "the setting of the month comes first"
    ),
    step!(
        migration::move_people,
        "§7.10",
        "members migrate, fall into difficulty, return; households' migrants leave and return; the pay gap erodes motivation",
        "who is present this month"
    ),
    step!(
        service_team::care,
        "§7.16",
        "party-internal care brings members in difficulty back",
        "before the team is counted"
    ),
    step!(
        selection::ensure_secretary,
        "§7.14",
        "a branch without an active secretary gets a successor",
        "leadership needs a leader"
    ),
    step!(
        leadership::update,
        "§7.11",
        "the secretary's leadership sets L",
        "multiplies everything below"
    ),
    step!(
        service_team::assign_contacts,
        "§7.16",
        "households without a contact are assigned one",
        "after departures, before service"
    ),
    step!(
        funds::replenish,
        "§7.17",
        "the fund guarantee arrives",
        "money for this month's service"
    ),
    step!(
        needs::arrive,
        "§7.1",
        "new needs arrive",
        "the month's demand exists before anyone acts"
    ),
    step!(
        spiritual::update_motivation,
        "§7.12",
        "education raises motivation; gains fade or are internalised",
        "motivation before the effort choice"
    ),
    step!(
        training::train,
        "§7.15",
        "skills decay, grow with practice and training",
        "skill before the effort choice"
    ),
    step!(
        effort::choose,
        "§7.3",
        "members choose their effort split",
        "on what they knew at the end of last month and this month's inspection rate"
    ),
    step!(
        service::deliver,
        "§7.2",
        "members serve; needs are resolved or given up",
        "uses this month's effort, funds, platform, joint-branch support, committee capacity"
    ),
    step!(
        satisfaction::update,
        "§7.6",
        "households update satisfaction and trust",
        "reacts to this month's service"
    ),
    step!(
        supervision::supervise,
        "§7.5",
        "reports, inspections, sanctions; trust reacts to accountability",
        "reports need this month's unmet needs"
    ),
    step!(
        satisfaction::refresh_contact_views,
        "§7.6",
        "members learn their households' views",
        "feeds next month's choice and the mass evaluation"
    ),
    step!(
        incentive::record_month,
        "§7.4",
        "the month enters each member's record",
        "after sanctions, so utility includes them"
    ),
    step!(
        exemplary::imitate_and_mentor,
        "§7.7",
        "models' practice spreads by contact or is abandoned; mentoring",
        "uses the board of the last assessment and last month's township contacts"
    ),
    step!(
        service_team::mutual_help,
        "§7.16",
        "mutual help",
        "skill for next month"
    ),
    step!(
        innovation::adopt,
        "§7.18",
        "innovation adoption",
        "uses last month's township shares"
    ),
    Step {
        name: "Tally::observe",
        rule: observe,
        docs_ref: "§7.8",
        does: "observation",
        why_here: "end-of-month state",
    },
];

/// Table 1 of `docs/model.md` (§3.1), rendered from [`SCHEDULE`]; the docs
/// carry it between `<!-- schedule:begin … -->` and `<!-- schedule:end -->`.
pub fn schedule_markdown() -> String {
    let mut out = String::from("| # | step | rule (module) | why here |\n|---|---|---|---|\n");
    for (i, step) in SCHEDULE.iter().enumerate() {
        out.push_str(&format!(
            "| {} | {} | {} `{}` | {} |\n",
            i + 1,
            step.does,
            step.docs_ref,
            step.name,
            step.why_here
        ));
    }
    out
}
