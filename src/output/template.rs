//! `grassroots new NAME [--from FILE]`: a scenario file with every section
//! and key written out and commented (meaning, range, default, source),
//! generated from the parameter table, so a scenario can be written without
//! the documentation open.

use crate::scenario::Scenario;
use crate::scenario::schema::{PARAMS, SECTIONS, STUDY_SECTIONS};

/// A parameter's value in `scenario` as a TOML literal, if it has one.
fn resolved(scenario: &toml::Table, key: &str) -> Option<String> {
    let (section, name) = key.split_once('.')?;
    let value = scenario.get(section)?.as_table()?.get(name)?;
    Some(literal(value))
}

/// A TOML value as it is written on the right of `key =`.
fn literal(value: &toml::Value) -> String {
    match value {
        toml::Value::Table(t) => {
            let inner: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{k} = {}", literal(v)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
        other => other.to_string(),
    }
}

/// Whether two TOML literals denote the same value (`0.10` and `0.1`).
fn same(a: &str, b: &str) -> bool {
    let parse = |s: &str| toml::from_str::<toml::Table>(&format!("v = {s}")).ok();
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => match (x.get("v"), y.get("v")) {
            (Some(toml::Value::Float(p)), Some(toml::Value::Integer(q)))
            | (Some(toml::Value::Integer(q)), Some(toml::Value::Float(p))) => *p == *q as f64,
            (p, q) => p == q,
        },
        _ => a == b,
    }
}

/// Wrap `text` as `# ` comment lines of at most about 78 characters.
fn comment(text: &str, out: &mut String) {
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() + word.len() + 1 > 78 && line.len() > 1 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    if line.len() > 1 {
        out.push_str(&line);
        out.push('\n');
    }
}

/// The scenario file `grassroots new` writes: `name`, and with `from` (a
/// resolved scenario and the text of its file) every value of that scenario
/// — keys that differ from the default are set, the others left commented —
/// with its `[[changes]]` and study sections.
/// `base_example` is the path, from the new file's folder, that its
/// commented `base` key shows (the shipped baseline); `None` when it was
/// not found, which the comment then says.
pub fn new_scenario(
    name: &str,
    from: Option<(&Scenario, &str, &str)>,
    base_example: Option<&str>,
) -> String {
    let resolved_table: Option<toml::Table> =
        from.and_then(|(s, _, _)| toml::Table::try_from(s).ok());
    let mut out = String::new();
    out.push_str(&format!(
        "# Scenario `{name}`, written by `grassroots new` ({}).\n",
        crate::model_identity()
    ));
    if let Some((_, _, shown)) = from {
        out.push_str(&format!(
            "# Values from {shown}: keys set below differ from the defaults; commented keys keep them.\n"
        ));
    }
    out.push_str(
        "# Every key is optional: a commented key keeps its default. Uncomment and edit a key to\n\
         # change it. Check the file with `grassroots validate FILE`; docs/model.md §8 explains\n\
         # every parameter, docs/sources.md the source keys such as [Dynamics] §5, and\n\
         # docs/studies.md the study sections at the end.\n",
    );
    for (section, title) in SECTIONS {
        out.push_str(&format!("\n# ── {title} ──\n[{section}]\n"));
        for p in PARAMS.iter().filter(|p| p.section() == *section) {
            if p.key == "scenario.base" {
                if from.is_none() {
                    out.push_str(BASE_TEMPLATE);
                    match base_example {
                        Some(path) => out.push_str(&format!("# base = {path:?}\n")),
                        None => out.push_str(
                            "# (The shipped baseline, scenarios/baseline.toml of the grassroots folder, was not\n\
                             # found from here: give its path.)\n\
                             # base = \"scenarios/baseline.toml\"\n",
                        ),
                    }
                }
                continue;
            }
            out.push('\n');
            comment(p.meaning, &mut out);
            comment(
                &format!(
                    "range: {}; default: {}; source: {}",
                    p.kind.range_text(),
                    p.default,
                    p.source
                ),
                &mut out,
            );
            let value = if p.key == "scenario.name" {
                Some(format!("{:?}", name))
            } else if p.key == "scenario.description" {
                // Another file's description would describe that file in
                // this one's reports: say what it was, and leave it out.
                if let Some(d) = resolved_table
                    .as_ref()
                    .and_then(|t| resolved(t, p.key))
                    .filter(|v| !same(v, p.default))
                {
                    comment(
                        &format!(
                            "the description of the file this one started from: {d}; write this scenario's own"
                        ),
                        &mut out,
                    );
                }
                None
            } else {
                resolved_table
                    .as_ref()
                    .and_then(|t| resolved(t, p.key))
                    .filter(|v| !same(v, p.default))
            };
            match value {
                Some(v) => out.push_str(&format!("{} = {v}\n", p.name())),
                None => out.push_str(&format!("# {} = {}\n", p.name(), p.default)),
            }
        }
    }
    if let Some((scenario, text, _)) = from {
        for change in &scenario.changes {
            out.push_str(&format!("\n[[changes]]\nmonth = {}\n", change.month));
            for (k, v) in &change.set {
                out.push_str(&format!("\"{k}\" = {v}\n"));
            }
        }
        // Study sections are copied as the file wrote them.
        if let Ok(table) = toml::from_str::<toml::Table>(text) {
            let mut study = toml::Table::new();
            for section in STUDY_SECTIONS.iter().filter(|s| **s != "changes") {
                if let Some(v) = table.get(*section) {
                    study.insert(section.to_string(), v.clone());
                }
            }
            if !study.is_empty() {
                out.push_str("\n# ── Study sections (copied) ──\n");
                out.push_str(&toml::to_string(&study).unwrap_or_default());
            }
        }
    } else {
        out.push_str(STUDY_TEMPLATE);
    }
    out
}

/// The commented `base` key of a new scenario written from the defaults.
const BASE_TEMPLATE: &str = r#"
# Start from another scenario file, a path relative to this file's folder (below: the shipped
# baseline): its values stand in for the defaults and this file changes only what it sets — the
# best way to write a reform. Without `base` every commented key takes its default: a generic
# county (seed 1, no burn-in, ample funds), not the baseline's status quo, so a reform written
# here and compared with baseline.toml differs from it by more than the reform (README,
# "Writing a scenario").
"#;

/// Commented examples of the study sections, for a new scenario.
const STUDY_TEMPLATE: &str = r#"
# ── Policy changes during the run (docs/model.md §3.5) ──
# From `month` (counted from 0) on, the dotted-key overrides apply.
# [[changes]]
# month = 24
# "incentive.formal_weight" = 0.1
# "incentive.mass_evaluation_weight" = 0.6

# ── Variants for `grassroots compare` (docs/studies.md) ──
# Each variant is the scenario above with its dotted-key overrides.
# [[variants]]
# name = "mass_evaluation"
# "incentive.formal_weight" = 0.1
# "incentive.mass_evaluation_weight" = 0.6
#
# [compare]
# outcomes = ["realised_service", "share_met", "satisfaction_mean", "formalism_index"]
# window_months = 12              # the window measure averages the last 12 months
# common_random_numbers = true    # paired differences
# meaningful_difference = 0.01    # robustness: wins must exceed 1 % of the baseline's mean
# burn_in_policy = "variant"      # or "baseline": burn in under the base scenario, variants start at month 0

# ── A sweep for `grassroots sweep` (docs/studies.md) ──
# [sweep]
# method = "grid"                 # or "lhs" with samples = N and [sweep.ranges]
# [sweep.grid]
# "supervision.mass_supervision" = [0.05, 0.2, 0.4]

# ── Robustness across environments (docs/studies.md) ──
# [uncertainty]
# samples = 8
# [uncertainty.ranges]
# "migration.wage_ratio" = [1.0, 3.0]
# "environment.need_rate" = "assumption"   # the range stated in `grassroots params`

# Sensitivity analysis ([sensitivity]) and calibration ([calibration]):
# docs/experiments.md.
"#;
