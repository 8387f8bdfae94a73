//! `manifest.json`: everything needed to trace a result to its inputs.

use super::{OutputError, io_err};
use crate::scenario::Scenario;
use serde_json::json;
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
    /// Overrides given on the command line (`--set`, `--seed`, `--replicates`).
    pub overrides: Vec<(String, String)>,
}

/// Write `manifest.json`.
pub fn write(
    path: &Path,
    s: &Scenario,
    info: &RunInfo,
    replicate_seeds: &[u64],
) -> Result<(), OutputError> {
    let manifest = json!({
        "tool": "grassroots",
        "version": env!("CARGO_PKG_VERSION"),
        "git_commit": git_commit(),
        "model": crate::model_identity(),
        "kind": "run",
        "inputs": super::ownership::inputs_identity(s),
        "command_line": info.command_line,
        "overrides": info.overrides.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
        "scenario_file": info.scenario_file,
        "name": s.scenario.name,
        "seed": s.scenario.seed,
        "replicates": s.scenario.replicates,
        "months": s.scenario.months,
        "replicate_seeds": replicate_seeds,
        "threads": info.threads,
        "wall_time_seconds": info.wall_time_seconds,
        "files": info.files,
        "scenario": s,
    });
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    std::fs::write(path, text + "\n").map_err(io_err(path))
}
