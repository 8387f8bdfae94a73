//! `manifest.json`: everything needed to trace a result to its inputs, for
//! a `run` ([`of_run`]) and a study ([`of_study`]), written by one writer
//! ([`write()`]).

use super::OutputError;
use crate::scenario::Scenario;
use crate::study::plan::Plan;
use serde_json::{Value, json};
use std::path::Path;

/// The git commit the binary was built from, if known.
pub fn git_commit() -> Option<&'static str> {
    let c = env!("GRASSROOTS_GIT_COMMIT");
    (!c.is_empty()).then_some(c)
}

/// Facts about a run that are not in the scenario.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The scenario file as given.
    pub scenario_file: String,
    /// Worker threads used.
    pub threads: usize,
    /// Wall time of the simulation, seconds.
    pub wall_time_seconds: f64,
    /// Files written, relative to the output directory.
    pub files: Vec<String>,
    /// The command line as typed.
    pub command_line: Vec<String>,
    /// Overrides given on the command line (`--set`, `--seed`, `--replicates`);
    /// the manifest records those that change the question (`--set`,
    /// `--seed`), as a study's does: the number of replicates is its own
    /// field and in the command line.
    pub overrides: Vec<(String, String)>,
}

/// The overrides that change the question (`--set`, `--seed`; not
/// `--replicates`, which only sizes a run or study) as `KEY=VALUE` strings.
/// A study's plan never holds `--replicates` (it may be resumed with more,
/// chosen by `--target-ci` or assembled by `merge`, whose command line has
/// none), so a run's manifest leaves it out too: `overrides` means the same
/// in every manifest.
fn shown(overrides: &[(String, String)]) -> Vec<String> {
    crate::study::runner::question_overrides(overrides)
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
}

/// The fields every manifest has: the tool, its version, commit and model,
/// what kind of output it describes and the command that made it.
fn head(
    kind: Value,
    model: &str,
    command_line: &[String],
    overrides: &[(String, String)],
) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("tool".into(), json!("grassroots"));
    m.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    m.insert("git_commit".into(), json!(git_commit()));
    m.insert("model".into(), json!(model));
    m.insert("kind".into(), kind);
    m.insert("command_line".into(), json!(command_line));
    m.insert("overrides".into(), json!(shown(overrides)));
    m
}

/// The manifest of a `run`: the resolved scenario, seeds, threads and time.
pub fn of_run(s: &Scenario, info: &RunInfo, replicate_seeds: &[u64]) -> Value {
    let mut m = head(
        json!("run"),
        &crate::model_identity(),
        &info.command_line,
        &info.overrides,
    );
    let rest = json!({
        "inputs": super::ownership::inputs_identity(s),
        "scenario_file": info.scenario_file,
        "name": s.scenario.name,
        "seed": s.scenario.seed,
        "replicates": s.scenario.replicates,
        "months": s.scenario.months,
        "window_months": crate::study::analysis::final_window(s),
        "replicate_seeds": replicate_seeds,
        "threads": info.threads,
        "wall_time_seconds": info.wall_time_seconds,
        "files": info.files,
        "scenario": s,
    });
    if let Value::Object(rest) = rest {
        m.extend(rest);
    }
    Value::Object(m)
}

/// The manifest of a study: every variant, environment and run with its
/// parameters and seed, and the resolved scenario of every cell. It holds no
/// timing, so it is identical however the runs were produced.
pub fn of_study(plan: &Plan, files: &[String], command_line: &[String]) -> Value {
    let mut m = head(json!(plan.kind), &plan.model, command_line, &plan.overrides);
    let runs: Vec<Value> = plan
        .runs
        .iter()
        .map(|r| {
            json!({
                "variant": plan.variants[r.variant as usize].name,
                "environment": r.environment,
                "replicate": r.replicate,
                "seed": r.seed,
                "key": r.key,
            })
        })
        .collect();
    let rest = json!({
        "name": plan.name,
        "sources": plan.sources,
        "variants": plan.variants,
        "environments": plan.environments,
        "parameters": plan.parameters,
        "outcomes": plan.outcomes,
        "window_months": plan.window_months,
        "months": plan.months,
        "replicates": plan.replicates,
        "common_random_numbers": plan.common_random_numbers,
        "paired_runs": plan.paired_runs(),
        "meaningful_difference": plan.meaningful_difference,
        "burn_in_policy": plan.burn_in_policy,
        "files": files,
        "runs": runs,
        "scenarios": plan.scenarios,
    });
    if let Value::Object(rest) = rest {
        m.extend(rest);
    }
    if let Some(t) = &plan.target_ci {
        m.insert("target_ci".into(), json!(t));
    }
    Value::Object(m)
}

/// A JSON file's text as grassroots writes it (manifests, `plan.json`):
/// pretty JSON and a final newline.
pub fn to_text(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

/// Write `manifest.json` into `dir`, atomically.
pub fn write(dir: &Path, manifest: &Value) -> Result<(), OutputError> {
    super::files::write_atomic(&dir.join("manifest.json"), to_text(manifest).as_bytes())
}

/// Read `dir/manifest.json`, refusing a directory that is not a finished
/// grassroots output.
pub fn read(dir: &Path) -> Result<Value, OutputError> {
    let path = dir.join("manifest.json");
    let refused = |why: String| OutputError::Refused {
        path: dir.to_path_buf(),
        why,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        refused(format!(
            "is not a finished grassroots output directory (no readable manifest.json: {e}); give the --out directory of a finished run or study"
        ))
    })?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| refused(format!("manifest.json does not parse ({e})")))?;
    if value.get("tool").and_then(Value::as_str) != Some("grassroots") {
        return Err(refused(
            "manifest.json was not written by grassroots; nothing was changed".into(),
        ));
    }
    Ok(value)
}

/// The manifest with `names` added to its list of files (those not yet
/// listed, in order, before `manifest.json` itself).
pub fn with_files(manifest: &Value, names: &[String]) -> Value {
    let mut out = manifest.clone();
    let mut files: Vec<Value> = out
        .get("files")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let at = files
        .iter()
        .position(|f| f.as_str() == Some("manifest.json"))
        .unwrap_or(files.len());
    let new: Vec<Value> = names
        .iter()
        .filter(|n| !files.iter().any(|f| f.as_str() == Some(n.as_str())))
        .map(|n| json!(n))
        .collect();
    files.splice(at..at, new);
    if let Value::Object(m) = &mut out {
        m.insert("files".into(), Value::Array(files));
    }
    out
}
