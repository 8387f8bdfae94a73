//! A JSON Schema (draft 2020-12) of scenario files, generated from the
//! parameter table and the study sections (`grassroots schema`): editors
//! that read JSON Schema for TOML (Even Better TOML / Taplo in VS Code)
//! complete keys, show each key's meaning, range, default and source, and
//! flag unknown keys and values out of range while the file is written.
//! `grassroots validate` remains the full check (it also checks what a
//! schema cannot say, such as a base file's existence).

use crate::scenario::param::{Kind, Param};
use crate::scenario::schema::{PARAMS, SECTIONS};
use serde_json::{Map, Value, json};

/// The schema of one parameter's value.
fn value_schema(p: &Param) -> Value {
    let mut s = match p.kind {
        Kind::Real { min, max } => json!({"type": "number", "minimum": min, "maximum": max}),
        Kind::Integer { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
        Kind::Count { min, max } => json!({
            "oneOf": [
                {"type": "integer", "minimum": min, "maximum": max},
                {
                    "type": "object",
                    "description": "a count drawn per village",
                    "minProperties": 1,
                    "maxProperties": 1,
                    "additionalProperties": false,
                    "properties": {
                        "uniform": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2, "maxItems": 2, "description": "[a, b]: uniform integer"},
                        "normal": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2, "description": "[mean, sd], rounded"},
                        "poisson": {"type": "number", "minimum": 0, "description": "mean"}
                    }
                }
            ]
        }),
        Kind::Switch => json!({"type": "boolean"}),
        Kind::Text => json!({"type": "string"}),
        Kind::Name => json!({"type": "string", "pattern": "^[A-Za-z0-9_-]+$"}),
        Kind::Choice(options) => json!({"enum": options}),
    };
    if let Value::Object(m) = &mut s {
        m.insert(
            "description".into(),
            json!(format!(
                "{}. Range: {}. Default: {}. Source: {}",
                p.meaning.trim_end_matches('.'),
                p.kind.range_text(),
                p.default,
                p.source
            )),
        );
        if let Some(default) = default_value(p.default) {
            m.insert("default".into(), default);
        }
    }
    s
}

/// A parameter's default (a TOML literal) as JSON.
fn default_value(literal: &str) -> Option<Value> {
    let table: toml::Table = toml::from_str(&format!("v = {literal}")).ok()?;
    serde_json::to_value(table.get("v")?).ok()
}

/// The dotted keys, with their value schemas, of the parameters `keep`
/// accepts: `[[variants]]` take every key but `[scenario]`'s, `[[changes]]`
/// also none that set the county up (as the tool reads them).
fn dotted_keys(keep: impl Fn(&str) -> bool) -> Map<String, Value> {
    PARAMS
        .iter()
        .filter(|p| keep(p.key))
        .map(|p| (p.key.to_string(), reference(p)))
        .collect()
}

/// A reference to a parameter's value schema in `$defs` (each is written
/// once, and used in its section, `[[variants]]` and `[[changes]]`).
fn reference(p: &Param) -> Value {
    json!({"$ref": format!("#/$defs/{}", p.key)})
}

/// Dotted keys of numeric parameters (those a range can vary).
fn numeric_keys() -> Vec<&'static str> {
    // As the tool reads ranges: real and integer parameters, not a count per
    // village (a number or a distribution) nor a `[scenario]` key.
    PARAMS
        .iter()
        .filter(|p| matches!(p.kind, Kind::Real { .. } | Kind::Integer { .. }))
        .filter(|p| !p.key.starts_with("scenario."))
        .map(|p| p.key)
        .collect()
}

/// Keys a study may vary (every parameter but the `[scenario]` keys).
fn varying_keys() -> Vec<&'static str> {
    PARAMS
        .iter()
        .filter(|p| !p.key.starts_with("scenario."))
        .map(|p| p.key)
        .collect()
}

/// A table of ranges: numeric key → `[low, high]` or `"assumption"`.
fn ranges(description: &str) -> Value {
    json!({
        "type": "object",
        "description": description,
        "propertyNames": {"enum": numeric_keys()},
        "additionalProperties": {
            "oneOf": [
                {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
                {"const": "assumption", "description": "the range stated in the parameter's source (grassroots params)"}
            ]
        }
    })
}

/// The names of metrics (outcomes).
fn metric_names() -> Vec<&'static str> {
    crate::metrics::names().collect()
}

/// The study sections (`docs/studies.md`, `docs/experiments.md`).
fn study_sections(props: &mut Map<String, Value>) {
    let mut variant = dotted_keys(|k| !k.starts_with("scenario."));
    variant.insert("name".into(), json!({"type": "string", "pattern": "^[A-Za-z0-9_-]+$", "description": "the variant's name (letters, digits, - and _)"}));
    variant.insert("description".into(), json!({"type": "string"}));
    props.insert(
        "variants".into(),
        json!({
            "type": "array",
            "description": "Policy variants compared with the base scenario: a name and dotted-key overrides (grassroots compare)",
            "items": {"type": "object", "required": ["name"], "additionalProperties": false, "properties": variant}
        }),
    );
    let mut change =
        dotted_keys(|k| !k.starts_with("scenario.") && !crate::scenario::schema::sets_up(k));
    change.insert(
        "month".into(),
        json!({"type": "integer", "minimum": 0, "description": "the month (from 0) from which the overrides apply"}),
    );
    props.insert(
        "changes".into(),
        json!({
            "type": "array",
            "description": "Policy changes during the run: from `month` on, the dotted-key overrides apply (docs/model.md §3.5)",
            "items": {"type": "object", "required": ["month"], "additionalProperties": false, "properties": change}
        }),
    );
    let outcomes = json!({"type": "array", "items": {"enum": metric_names()}, "minItems": 1, "uniqueItems": true});
    props.insert(
        "compare".into(),
        json!({
            "type": "object",
            "description": "Options of grassroots compare",
            "additionalProperties": false,
            "properties": {
                "outcomes": outcomes,
                "window_months": {"type": "integer", "minimum": 1, "description": "the window measure averages the last N months"},
                "common_random_numbers": {"type": "boolean", "description": "every arm uses the same replicate seeds (paired differences)"},
                "meaningful_difference": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.01, "description": "robustness.csv counts an environment as better or worse only when the difference exceeds this share of the baseline's mean"},
                "burn_in_policy": {"enum": ["variant", "baseline"], "default": "variant", "description": "set up and burn in each variant under its own policy (variant) or under the base scenario, the variant's policy starting at month 0 (baseline)"}
            }
        }),
    );
    props.insert(
        "sweep".into(),
        json!({
            "type": "object",
            "description": "A parameter sweep (grassroots sweep): a grid of values, or a Latin hypercube over ranges",
            "additionalProperties": false,
            "properties": {
                "method": {"enum": ["grid", "lhs"], "default": "grid"},
                "samples": {"type": "integer", "minimum": 2, "description": "points of a Latin hypercube"},
                "grid": {
                    "type": "object",
                    "propertyNames": {"enum": varying_keys()},
                    "additionalProperties": {"type": "array", "minItems": 1},
                    "description": "dotted key → list of values; every combination is run"
                },
                "ranges": ranges("dotted key → [low, high] sampled by the Latin hypercube")
            }
        }),
    );
    props.insert(
        "uncertainty".into(),
        json!({
            "type": "object",
            "description": "Sampled environments for robustness (grassroots compare)",
            "additionalProperties": false,
            "required": ["ranges"],
            "properties": {
                "samples": {"type": "integer", "minimum": 2},
                "ranges": ranges("dotted key → [low, high] or \"assumption\"")
            }
        }),
    );
    props.insert(
        "sensitivity".into(),
        json!({
            "type": "object",
            "description": "Global sensitivity analysis (grassroots sensitivity)",
            "additionalProperties": false,
            "required": ["ranges"],
            "properties": {
                "method": {"enum": ["morris", "sobol"]},
                "trajectories": {"type": "integer", "minimum": 2, "description": "Morris: trajectories"},
                "levels": {"type": "integer", "minimum": 2, "description": "Morris: an even number of grid levels"},
                "samples": {"type": "integer", "minimum": 2, "description": "Sobol: base samples N"},
                "bootstrap": {"type": "integer", "minimum": 100, "description": "resamples for the 95 % intervals"},
                "policies": {"type": "array", "items": {"type": "string"}, "description": "variants whose effects are analysed too"},
                "ranges": ranges("dotted key → [low, high] or \"assumption\"")
            }
        }),
    );
    props.insert(
        "calibration".into(),
        json!({
            "type": "object",
            "description": "Calibration by approximate Bayesian computation (grassroots calibrate)",
            "additionalProperties": false,
            "required": ["parameters", "targets"],
            "properties": {
                "particles": {"type": "integer", "minimum": 2, "maximum": 100000},
                "generations": {"type": "integer", "minimum": 1},
                "quantile": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                "parameters": ranges("dotted key → uniform prior [low, high] or \"assumption\""),
                "targets": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["metric", "value", "sd"],
                        "additionalProperties": false,
                        "properties": {
                            "metric": {"enum": metric_names()},
                            "months": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2, "maxItems": 2, "description": "[first, last], from 0"},
                            "value": {"type": "number"},
                            "sd": {"type": "number", "exclusiveMinimum": 0},
                            "variant": {"type": "string", "description": "target the variant's value minus the baseline's"},
                            "source": {"type": "string"}
                        }
                    }
                }
            }
        }),
    );
}

/// The JSON Schema of scenario files.
pub fn scenario_schema() -> Value {
    let mut props = Map::new();
    for (section, title) in SECTIONS {
        let params: Map<String, Value> = PARAMS
            .iter()
            .filter(|p| p.section() == *section)
            .map(|p| (p.name().to_string(), reference(p)))
            .collect();
        props.insert(
            section.to_string(),
            json!({"type": "object", "description": title, "additionalProperties": false, "properties": params}),
        );
    }
    study_sections(&mut props);
    let defs: Map<String, Value> = PARAMS
        .iter()
        .map(|p| (p.key.to_string(), value_schema(p)))
        .collect();
    json!({
        "$defs": defs,
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("urn:grassroots:scenario:{}", crate::model_identity()),
        "title": "grassroots scenario file",
        "description": format!("A scenario of grassroots {} (docs/model.md §8; generated by `grassroots schema`)", crate::model_identity()),
        "type": "object",
        "additionalProperties": false,
        "properties": props
    })
}

/// The schema as the text `grassroots schema` prints.
pub fn scenario_schema_text() -> String {
    super::manifest::to_text(&scenario_schema())
}
