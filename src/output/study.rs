//! Running a study plan against a run store on disk, and assembling its
//! result files (`docs/experiments.md`).
//!
//! Every finished run is written atomically to `runs/<key>.csv` (one row per
//! month, one column per metric). Runs already in the store are skipped, so an
//! interrupted study resumes where it stopped, and shards of a study run on
//! different machines can be merged by copying their stores together. The
//! result files are assembled from the store alone, reading runs in plan
//! order, so they are byte-identical however the runs were produced; memory
//! does not grow with the number of runs.

pub use super::store::Store;
use super::store::{RunState, partial_path};
use super::{OutputError, chart, io_err};
use crate::engine::Simulation;
use crate::experiment::analysis::{self, CompareAccumulator, MEASURES, Welford, welch};
use crate::experiment::plan::{Plan, Run, StudyKind};
use crate::metrics::N_METRICS;
use crate::output::csv::{number, summary_cells};
use rayon::prelude::*;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Write the plan as `plan.json` (shards and merges check they share it).
pub fn write_plan(dir: &Path, plan: &Plan) -> Result<(), OutputError> {
    let path = dir.join("plan.json");
    let text = serde_json::to_string_pretty(plan).unwrap_or_default() + "\n";
    write_atomic(&path, text.as_bytes())
}

/// Read `plan.json` from a study directory.
pub fn read_plan(dir: &Path) -> Result<Plan, OutputError> {
    let path = dir.join("plan.json");
    let text = fs::read_to_string(&path).map_err(io_err(&path))?;
    serde_json::from_str(&text).map_err(|e| OutputError::Csv {
        path,
        message: format!("not a study plan: {e}"),
    })
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let partial = partial_path(path);
    fs::write(&partial, bytes).map_err(io_err(&partial))?;
    fs::rename(&partial, path).map_err(io_err(path))
}

/// Runs of `runs` the store lacks or holds damaged, each key once, in plan
/// order, with the reason a stored file cannot be used (`None` if missing).
pub fn to_run<'a>(plan: &Plan, runs: &[&'a Run], store: &Store) -> Vec<(&'a Run, Option<String>)> {
    let mut seen = std::collections::HashSet::new();
    runs.iter()
        .copied()
        .filter(|r| seen.insert(r.key.as_str()))
        .filter_map(|r| match store.state(&r.key, plan.months) {
            RunState::Valid => None,
            RunState::Missing => Some((r, None)),
            RunState::Damaged(why) => Some((r, Some(why))),
        })
        .collect()
}

/// Run the given runs (see [`to_run`]) in parallel and store them; returns how many ran.
pub fn execute(
    plan: &Plan,
    todo: &[&Run],
    store: &Store,
    on_done: &(dyn Fn() + Sync),
) -> Result<usize, OutputError> {
    // At most one run per worker thread is alive at a time (see
    // `experiment::run_replicates`), so memory follows the estimate.
    for batch in todo.chunks(rayon::current_num_threads().max(1)) {
        let results: Vec<Result<(), OutputError>> = batch
            .par_iter()
            .map(|r| {
                let s = &plan.scenarios[plan.cell(r.arm, r.environment)];
                let months = Simulation::new(s, r.seed).run();
                let result = store.write(&r.key, &months);
                on_done();
                result
            })
            .collect();
        results.into_iter().collect::<Result<Vec<()>, _>>()?;
    }
    Ok(todo.len())
}

/// Refuse to use a directory whose `plan.json` is another study (unless
/// `force`); returns the previous plan's model identity if it was made by
/// another model (its runs are then not reused).
///
/// `force` is `None` where a command has no `--force` (merge).
pub fn check_same_study(
    dir: &Path,
    plan: &Plan,
    force: Option<bool>,
) -> Result<Option<String>, OutputError> {
    if !dir.join("plan.json").is_file() {
        return Ok(None);
    }
    let previous = read_plan(dir).map_err(|e| OutputError::Refused {
        path: dir.to_path_buf(),
        why: format!("{e}; it is left alone — choose another --out"),
    })?;
    if let Some(what) = previous.differs_from(plan) {
        let hint = match force {
            Some(true) => None,
            Some(false) => Some(
                "add --force to replace its result files (its stored runs are kept and reused where their keys match), or choose another --out",
            ),
            None => Some("choose another --out"),
        };
        if let Some(hint) = hint {
            return Err(OutputError::Refused {
                path: dir.to_path_buf(),
                why: format!(
                    "holds another study `{}` ({what}); nothing was changed — {hint}",
                    previous.name
                ),
            });
        }
    }
    Ok((previous.model != plan.model).then_some(previous.model))
}

/// A CSV file being written aside, renamed into place by [`Staged::finish`].
struct Staged {
    target: PathBuf,
    partial: PathBuf,
    writer: csv::Writer<BufWriter<fs::File>>,
}

impl Staged {
    fn create(target: PathBuf) -> Result<Staged, OutputError> {
        let partial = partial_path(&target);
        let file = fs::File::create(&partial).map_err(io_err(&partial))?;
        Ok(Staged {
            target,
            partial,
            writer: csv::Writer::from_writer(BufWriter::new(file)),
        })
    }

    fn row<I, T>(&mut self, cells: I) -> Result<(), OutputError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer
            .write_record(cells)
            .map_err(|e| OutputError::Csv {
                path: self.target.clone(),
                message: e.to_string(),
            })
    }

    fn finish(self) -> Result<(PathBuf, PathBuf), OutputError> {
        let mut inner = self.writer.into_inner().map_err(|e| OutputError::Csv {
            path: self.target.clone(),
            message: e.to_string(),
        })?;
        inner.flush().map_err(io_err(&self.partial))?;
        Ok((self.partial, self.target))
    }
}

/// Files written by an assembly, relative to the study directory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assembled {
    /// File names.
    pub files: Vec<String>,
    /// The widest 95 % CI half-width of any reported outcome.
    pub widest_ci: Option<f64>,
    /// The same relative to the outcome's absolute mean.
    pub widest_relative_ci: Option<f64>,
}

/// Where the previous manifest waits while a study's result files are replaced.
const PREVIOUS_MANIFEST: &str = "manifest.json.previous";

/// Assemble the result files of a complete plan from the store into `dir`.
pub fn assemble(
    plan: &Plan,
    store: &Store,
    dir: &Path,
    command_line: &[String],
) -> Result<Assembled, OutputError> {
    // Only presence here: each run is verified when it is read below (the
    // callers have verified the store already; this reads each run once).
    let absent = plan
        .runs
        .iter()
        .filter(|r| !store.path(&r.key).is_file())
        .count();
    if absent > 0 {
        return Err(OutputError::Csv {
            path: dir.join("runs"),
            message: format!(
                "{absent} of {} runs are missing; run the remaining shards (or resume the study), then merge",
                plan.runs.len()
            ),
        });
    }
    // While result files are replaced one by one, the directory has no
    // manifest.json: a reader (or a kill) never sees a manifest beside a
    // mixture of old and new files. The previous manifest is kept aside as
    // `manifest.json.previous` for its list of files until the new one is
    // written.
    let manifest = dir.join("manifest.json");
    if manifest.is_file() {
        let aside = dir.join(PREVIOUS_MANIFEST);
        fs::rename(&manifest, &aside).map_err(io_err(&aside))?;
    }
    match plan.kind {
        StudyKind::Compare => assemble_compare(plan, store, dir, command_line),
        StudyKind::Sweep => assemble_sweep(plan, store, dir, command_line),
    }
}

fn commit(staged: Vec<(PathBuf, PathBuf)>) -> Result<Vec<String>, OutputError> {
    let mut names = Vec::new();
    for (partial, target) in staged {
        fs::rename(&partial, &target).map_err(io_err(&target))?;
        names.push(
            target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
    }
    Ok(names)
}

/// Move the staged tables and charts into place; their names, charts under `charts/`.
fn commit_all(
    tables: Vec<(PathBuf, PathBuf)>,
    charts: Vec<(PathBuf, PathBuf)>,
) -> Result<Vec<String>, OutputError> {
    let mut files = commit(tables)?;
    files.extend(commit(charts)?.into_iter().map(|f| format!("charts/{f}")));
    Ok(files)
}

fn assemble_compare(
    plan: &Plan,
    store: &Store,
    dir: &Path,
    command_line: &[String],
) -> Result<Assembled, OutputError> {
    let outcomes = analysis::outcome_indices(&plan.outcomes);
    let n_env = plan.environments.len();
    let n_arms = plan.arms.len();
    let mut acc = CompareAccumulator::new(n_arms, n_env, outcomes.len());
    let months = plan.months as usize;
    let mut over_time = vec![Welford::default(); n_arms * months * N_METRICS];

    let mut runs_csv = Staged::create(dir.join("runs.csv"))?;
    runs_csv.row([
        "variant",
        "environment",
        "replicate",
        "seed",
        "outcome",
        "final",
        "window",
    ])?;
    for r in &plan.runs {
        let data = store.read(&r.key, plan.months)?;
        let values = analysis::outcome_values(&data, &outcomes, plan.window_months);
        acc.add_run(r.arm as usize, r.environment as usize, r.replicate, &values);
        for (m, row) in data.iter().enumerate().take(months) {
            for (k, x) in row.iter().enumerate() {
                over_time[(r.arm as usize * months + m) * N_METRICS + k].add(*x);
            }
        }
        let arm = &plan.arms[r.arm as usize].name;
        for (o, v) in values.iter().enumerate() {
            runs_csv.row([
                arm.clone(),
                r.environment.to_string(),
                r.replicate.to_string(),
                r.seed.to_string(),
                plan.outcomes[o].clone(),
                number(Some(v[0])),
                number(Some(v[1])),
            ])?;
        }
    }
    let mut staged = vec![runs_csv.finish()?];

    let mut comparison = Staged::create(dir.join("comparison.csv"))?;
    comparison.row([
        "variant",
        "outcome",
        "measure",
        "n",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
        "diff",
        "diff_ci_low",
        "diff_ci_high",
        "paired_ci_low",
        "paired_ci_high",
        "p_value",
        "effect_size",
        "per_extra_cost",
    ])?;
    let cost = plan.outcomes.iter().position(|o| o == "cost");
    for (a, arm) in plan.arms.iter().enumerate() {
        for (o, outcome) in plan.outcomes.iter().enumerate() {
            for (m, measure) in MEASURES.iter().enumerate() {
                let w = acc.pooled(a, o, m);
                let s = w.summary();
                let d = welch(w, acc.pooled(0, o, m));
                let baseline = a == 0;
                let paired = acc
                    .paired_ci(a, o, m)
                    .filter(|_| !baseline && plan.common_random_numbers);
                let head = [
                    arm.name.clone(),
                    outcome.clone(),
                    measure.to_string(),
                    s.n.to_string(),
                ];
                let tail = [
                    number(Some(d.diff)),
                    number(d.ci.filter(|_| !baseline).map(|c| c.0)),
                    number(d.ci.filter(|_| !baseline).map(|c| c.1)),
                    number(paired.map(|c| c.0)),
                    number(paired.map(|c| c.1)),
                    number(d.p_value.filter(|_| !baseline)),
                    number(d.effect_size.filter(|_| !baseline)),
                    number(cost.filter(|c| !baseline && *c != o).and_then(|c| {
                        // Only where the extra cost is clearly not zero.
                        let extra = welch(acc.pooled(a, c, m), acc.pooled(0, c, m));
                        let (lo, hi) = extra.ci?;
                        (lo > 0.0 || hi < 0.0).then(|| d.diff / extra.diff)
                    })),
                ];
                comparison.row(head.into_iter().chain(summary_cells(&s)).chain(tail))?;
            }
        }
    }
    staged.push(comparison.finish()?);

    let mut summary = Staged::create(dir.join("summary.csv"))?;
    summary.row([
        "variant", "month", "metric", "mean", "sd", "ci_low", "ci_high", "n",
    ])?;
    for (a, arm) in plan.arms.iter().enumerate() {
        for m in 0..months {
            for (k, metric) in crate::metrics::names().enumerate() {
                let s = over_time[(a * months + m) * N_METRICS + k].summary();
                let head = [arm.name.clone(), m.to_string(), metric.to_string()];
                summary.row(
                    head.into_iter()
                        .chain(summary_cells(&s))
                        .chain([s.n.to_string()]),
                )?;
            }
        }
    }
    staged.push(summary.finish()?);

    if n_env > 1 {
        let mut robust = Staged::create(dir.join("robustness.csv"))?;
        robust.row([
            "variant",
            "outcome",
            "measure",
            "environments",
            "share_better",
            "mean_diff",
            "min_diff",
            "max_diff",
        ])?;
        for (a, arm) in plan.arms.iter().enumerate().skip(1) {
            for (o, outcome) in plan.outcomes.iter().enumerate() {
                for (m, measure) in MEASURES.iter().enumerate() {
                    let (n, share, mean, min, max) =
                        acc.robustness(a, o, m, crate::metrics::larger_is_better(outcome));
                    robust.row([
                        arm.name.clone(),
                        outcome.clone(),
                        measure.to_string(),
                        n.to_string(),
                        number(share),
                        number(Some(mean)),
                        number(Some(min)),
                        number(Some(max)),
                    ])?;
                }
            }
        }
        staged.push(robust.finish()?);
        let mut envs = Staged::create(dir.join("environments.csv"))?;
        let keys: Vec<String> = plan.environments[0]
            .iter()
            .map(|(k, _)| k.clone())
            .collect();
        envs.row(std::iter::once("environment".to_string()).chain(keys.iter().cloned()))?;
        for (e, env) in plan.environments.iter().enumerate() {
            envs.row(std::iter::once(e.to_string()).chain(env.iter().map(|(_, v)| v.clone())))?;
        }
        staged.push(envs.finish()?);
    }

    let charts = dir.join("charts");
    fs::create_dir_all(&charts).map_err(io_err(&charts))?;
    let mut chart_files = Vec::new();
    for outcome in &plan.outcomes {
        let Some(k) = crate::metrics::metric_index(outcome) else {
            continue;
        };
        let series: Vec<chart::Series> = plan
            .arms
            .iter()
            .enumerate()
            .map(|(a, arm)| chart::Series {
                label: arm.name.clone(),
                points: (0..months)
                    .map(|m| {
                        let s = over_time[(a * months + m) * N_METRICS + k].summary();
                        (
                            m as f64 + 1.0,
                            s.mean,
                            s.ci_low.unwrap_or(s.mean),
                            s.ci_high.unwrap_or(s.mean),
                        )
                    })
                    .collect(),
            })
            .collect();
        let title = format!(
            "{}{} — {}",
            plan.name,
            super::report::overrides_note(&plan.overrides),
            outcome.replace('_', " ")
        );
        for ext in chart::FORMATS {
            let target = charts.join(format!("{outcome}.{ext}"));
            let partial = charts.join(format!(
                "{outcome}.{}.{}.partial.{ext}",
                std::process::id(),
                super::store::unique()
            ));
            chart::draw_series(&partial, &title, "month", outcome, &series)?;
            chart_files.push((partial, target));
        }
    }
    let mut files = commit_all(staged, chart_files)?;
    let charts: Vec<String> = files
        .iter()
        .filter(|f| f.starts_with("charts/") && f.ends_with(".png"))
        .cloned()
        .collect();
    let report = super::report::compare_report(plan, &acc, &charts);
    write_atomic(&dir.join("report.md"), report.as_bytes())?;
    files.push("report.md".into());
    finish_study(plan, dir, files, &acc, command_line)
}

fn assemble_sweep(
    plan: &Plan,
    store: &Store,
    dir: &Path,
    command_line: &[String],
) -> Result<Assembled, OutputError> {
    let outcomes = analysis::outcome_indices(&plan.outcomes);
    let param_values = |arm: usize| -> Vec<String> {
        plan.parameters
            .iter()
            .map(|k| {
                plan.arms[arm]
                    .overrides
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.trim_matches('"').to_string())
                    .unwrap_or_default()
            })
            .collect()
    };
    let mut acc = CompareAccumulator::new(plan.arms.len(), 1, outcomes.len());
    let mut runs_csv = Staged::create(dir.join("sweep_runs.csv"))?;
    let mut header = vec!["point".to_string()];
    header.extend(plan.parameters.iter().cloned());
    header.extend(["replicate".to_string(), "seed".to_string()]);
    header.extend(plan.outcomes.iter().cloned());
    header.extend(plan.outcomes.iter().map(|o| format!("{o}_window")));
    runs_csv.row(&header)?;
    for r in &plan.runs {
        let data = store.read(&r.key, plan.months)?;
        let values = analysis::outcome_values(&data, &outcomes, plan.window_months);
        acc.add(r.arm as usize, 0, &values);
        let mut row = vec![plan.arms[r.arm as usize].name.clone()];
        row.extend(param_values(r.arm as usize));
        row.extend([r.replicate.to_string(), r.seed.to_string()]);
        row.extend(values.iter().map(|v| number(Some(v[0]))));
        row.extend(values.iter().map(|v| number(Some(v[1]))));
        runs_csv.row(&row)?;
    }
    let mut staged = vec![runs_csv.finish()?];
    let mut summary = Staged::create(dir.join("sweep_summary.csv"))?;
    let mut header = vec!["point".to_string()];
    header.extend(plan.parameters.iter().cloned());
    header.extend(["outcome", "measure", "n", "mean", "sd", "ci_low", "ci_high"].map(String::from));
    summary.row(&header)?;
    for (a, arm) in plan.arms.iter().enumerate() {
        for (o, outcome) in plan.outcomes.iter().enumerate() {
            for (m, measure) in MEASURES.iter().enumerate() {
                let s = acc.pooled(a, o, m).summary();
                let mut row = vec![arm.name.clone()];
                row.extend(param_values(a));
                row.extend([outcome.clone(), measure.to_string(), s.n.to_string()]);
                row.extend(summary_cells(&s));
                summary.row(&row)?;
            }
        }
    }
    staged.push(summary.finish()?);

    // Numeric swept parameters (booleans as 0/1), one column per parameter.
    let columns: Vec<(String, Vec<f64>)> = plan
        .parameters
        .iter()
        .enumerate()
        .filter_map(|(i, key)| {
            let xs: Option<Vec<f64>> = (0..plan.arms.len())
                .map(|a| match param_values(a)[i].as_str() {
                    "true" => Some(1.0),
                    "false" => Some(0.0),
                    v => v.parse().ok(),
                })
                .collect();
            xs.map(|xs| (key.clone(), xs))
        })
        .collect();
    if plan.arms.len() >= 3 && !columns.is_empty() {
        let mut sens = Staged::create(dir.join("sensitivity.csv"))?;
        sens.row([
            "outcome",
            "measure",
            "parameter",
            "spearman_rho",
            "src",
            "r2",
        ])?;
        let x: Vec<Vec<f64>> = columns.iter().map(|(_, xs)| xs.clone()).collect();
        for (o, outcome) in plan.outcomes.iter().enumerate() {
            for (m, measure) in MEASURES.iter().enumerate() {
                let y: Vec<f64> = (0..plan.arms.len())
                    .map(|a| acc.pooled(a, o, m).mean())
                    .collect();
                let result = analysis::sensitivity(&x, &y);
                for (p, (key, _)) in columns.iter().enumerate() {
                    sens.row([
                        outcome.clone(),
                        measure.to_string(),
                        key.clone(),
                        number(result.spearman[p]),
                        number(result.src.as_ref().map(|b| b[p])),
                        number(result.r2),
                    ])?;
                }
            }
        }
        staged.push(sens.finish()?);
    }
    let mut chart_files = Vec::new();
    let charts = dir.join("charts");
    let cells = plan
        .outcomes
        .iter()
        .enumerate()
        .flat_map(|(o, outcome)| chart::FORMATS.map(|ext| (o, outcome, ext)));
    for (o, outcome, ext) in cells {
        let target = charts.join(format!("{outcome}.{ext}"));
        let partial = charts.join(format!(
            "{outcome}.{}.{}.partial.{ext}",
            std::process::id(),
            super::store::unique()
        ));
        let title = format!(
            "{} (mean of the last {} months){}",
            outcome.replace('_', " "),
            plan.window_months,
            super::report::overrides_note(&plan.overrides)
        );
        let window = |a: usize| acc.pooled(a, o, 1).summary();
        let drawn = match columns.as_slice() {
            [(key, xs)] if plan.parameters.len() == 1 => {
                std::fs::create_dir_all(&charts).map_err(io_err(&charts))?;
                let mut points: Vec<(f64, f64, f64, f64)> = (0..plan.arms.len())
                    .map(|a| {
                        let s = window(a);
                        (
                            xs[a],
                            s.mean,
                            s.ci_low.unwrap_or(s.mean),
                            s.ci_high.unwrap_or(s.mean),
                        )
                    })
                    .collect();
                points.sort_by(|p, q| p.0.total_cmp(&q.0));
                let series = [chart::Series {
                    label: "mean".into(),
                    points,
                }];
                chart::draw_series(&partial, &title, key, outcome, &series)?;
                true
            }
            [(ykey, _), (xkey, _)] if plan.parameters.len() == 2 => {
                let ticks = |i: usize| {
                    let mut t: Vec<String> = Vec::new();
                    for a in 0..plan.arms.len() {
                        let v = param_values(a)[i].clone();
                        if !t.contains(&v) {
                            t.push(v);
                        }
                    }
                    t
                };
                let (yt, xt) = (ticks(0), ticks(1));
                let mut grid = vec![vec![f64::NAN; xt.len()]; yt.len()];
                for a in 0..plan.arms.len() {
                    let pv = param_values(a);
                    let r = yt.iter().position(|t| *t == pv[0]).unwrap_or(0);
                    let c = xt.iter().position(|t| *t == pv[1]).unwrap_or(0);
                    grid[r][c] = window(a).mean;
                }
                let complete = yt.len() * xt.len() == plan.arms.len();
                if complete {
                    std::fs::create_dir_all(&charts).map_err(io_err(&charts))?;
                    chart::draw_heatmap(&partial, &title, (xkey, &xt), (ykey, &yt), &grid)?;
                }
                complete
            }
            _ => false,
        };
        if drawn {
            chart_files.push((partial, target));
        }
    }
    let files = commit_all(staged, chart_files)?;
    finish_study(plan, dir, files, &acc, command_line)
}

/// Write the manifest last and report what the assembly wrote.
fn finish_study(
    plan: &Plan,
    dir: &Path,
    mut files: Vec<String>,
    acc: &CompareAccumulator,
    command_line: &[String],
) -> Result<Assembled, OutputError> {
    // Result files of a previous assembly that this one does not write (other
    // outcomes, say) would be stale: remove them, and only them.
    let aside = dir.join(PREVIOUS_MANIFEST);
    let previous = fs::read(&aside)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
    if let Some(previous) = previous {
        for old in super::ownership::listed_files(&previous) {
            let stale = !files.contains(&old)
                && old != "manifest.json"
                && !old.contains("..")
                && !old.starts_with('/');
            if stale && dir.join(&old).is_file() {
                fs::remove_file(dir.join(&old)).map_err(io_err(&dir.join(&old)))?;
            }
        }
    }
    write_manifest(plan, dir, &files, command_line)?;
    if aside.exists() {
        fs::remove_file(&aside).map_err(io_err(&aside))?;
    }
    files.push("manifest.json".into());
    Ok(Assembled {
        files,
        widest_ci: acc.widest_ci(),
        widest_relative_ci: acc.widest_relative_ci(),
    })
}

/// `manifest.json` of a study: every arm, environment and run with its
/// parameters and seed, and the resolved scenario of every cell. It holds no
/// timing, so it is identical however the runs were produced.
fn write_manifest(
    plan: &Plan,
    dir: &Path,
    files: &[String],
    command_line: &[String],
) -> Result<(), OutputError> {
    let runs: Vec<serde_json::Value> = plan
        .runs
        .iter()
        .map(|r| {
            serde_json::json!({
                "variant": plan.arms[r.arm as usize].name,
                "environment": r.environment,
                "replicate": r.replicate,
                "seed": r.seed,
                "key": r.key,
            })
        })
        .collect();
    let manifest = serde_json::json!({
        "tool": "grassroots",
        "version": env!("CARGO_PKG_VERSION"),
        "git_commit": super::manifest::git_commit(),
        "model": plan.model,
        "command_line": command_line,
        "overrides": plan.overrides.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
        "kind": plan.kind,
        "name": plan.name,
        "sources": plan.sources,
        "variants": plan.arms,
        "environments": plan.environments,
        "parameters": plan.parameters,
        "outcomes": plan.outcomes,
        "window_months": plan.window_months,
        "months": plan.months,
        "replicates": plan.replicates,
        "common_random_numbers": plan.common_random_numbers,
        "files": files,
        "runs": runs,
        "scenarios": plan.scenarios,
    });
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n";
    write_atomic(&dir.join("manifest.json"), text.as_bytes())
}
