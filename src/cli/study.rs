//! `grassroots compare`, `sweep` and `merge`: studies of many runs, stored
//! run by run so they resume, shard and merge (`docs/experiments.md`).

use super::{
    Common, Estimate, InputError, Shard, TargetCi, check_memory, command_line, command_text,
    default_out, load, overrides, pool, progress, question_overrides, read_text,
};
use anyhow::Result;
use grassroots::experiment::plan::{
    Arm, MAX_RUNS, Plan, Run, Shape, StudyKind, StudySize, estimate_memory, estimate_plan_memory,
    fill_runs, latin_hypercube, study_size, sweep_parameters, sweep_points,
};
use grassroots::output::report::sig4;
use grassroots::output::store::RunState;
use grassroots::output::study::{self, Store};
use grassroots::output::{DirLock, claim_study_dir};
use grassroots::scenario::Scenario;
use grassroots::scenario::spec::{BASELINE, ExperimentSpec};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A scenario file of a study, read and resolved once.
struct Source {
    shown: String,
    base: Scenario,
    spec: ExperimentSpec,
}

fn load_sources(files: &[PathBuf], cli: &[(String, String)]) -> Result<Vec<Source>> {
    files
        .iter()
        .map(|f| {
            let (text, shown) = read_text(f)?;
            let (base, spec) = load(&text, &shown, cli)?;
            Ok(Source { shown, base, spec })
        })
        .collect()
}

/// Refuse a study beyond the caps on cells and runs, before building it.
fn size(shape: Shape<'_>, replicates: u32, shown: &str) -> Result<StudySize> {
    study_size(shape, replicates).map_err(|m| InputError(format!("{shown}: {m}")).into())
}

/// Resolve the scenario of every (arm, environment) cell: the overrides of
/// the environment, the arm and the command line over the arm's file's
/// scenario, which was resolved once (so the cost is linear in the cells,
/// whatever the size of the file).
fn resolve_cells(
    plan: &Plan,
    sources: &[Source],
    cli: &[(String, String)],
) -> Result<Vec<Scenario>> {
    let mut cells = Vec::with_capacity(plan.arms.len() * plan.environments.len());
    let mut all = Vec::new();
    for arm in &plan.arms {
        let src = &sources[arm.source];
        for (e, env) in plan.environments.iter().enumerate() {
            all.clear();
            all.extend(env.iter().chain(&arm.overrides).chain(cli).cloned());
            let origin = if plan.environments.len() > 1 {
                format!(
                    "{} ({} `{}`, environment {e})",
                    src.shown,
                    plan_arm_word(plan),
                    arm.name
                )
            } else {
                format!("{} ({} `{}`)", src.shown, plan_arm_word(plan), arm.name)
            };
            cells.push(
                src.base
                    .with_checked_overrides(&all, &origin)
                    .map_err(|e| InputError(e.to_string()))?,
            );
        }
    }
    if let Some(bad) = cells
        .iter()
        .find(|c| c.scenario.months != cells[0].scenario.months)
    {
        return Err(InputError(format!(
            "all scenarios of a study must run the same months: `{}` has {} and `{}` has {}",
            cells[0].scenario.name,
            cells[0].scenario.months,
            bad.scenario.name,
            bad.scenario.months
        ))
        .into());
    }
    Ok(cells)
}

/// What an arm of the plan is called in messages.
fn plan_arm_word(plan: &Plan) -> &'static str {
    match plan.kind {
        StudyKind::Compare => "variant",
        StudyKind::Sweep => "sweep point",
    }
}

/// `grassroots compare FILE...`.
pub fn compare(
    files: &[PathBuf],
    common: &Common,
    shard: Option<Shard>,
    target_ci: Option<TargetCi>,
    max_replicates: u32,
) -> Result<()> {
    if target_ci.is_some() && shard.is_some() {
        return Err(InputError("--target-ci decides the number of replicates as it goes, so it cannot be split with --shard; give --replicates instead".into()).into());
    }
    let cli = overrides(common)?;
    let sources = load_sources(files, &cli)?;
    let first = &sources[0];
    let mut arms = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        let prefix = (i > 0).then(|| src.base.scenario.name.clone());
        arms.push(Arm {
            name: prefix.clone().unwrap_or_else(|| BASELINE.to_string()),
            source: i,
            overrides: vec![],
        });
        for v in &src.spec.variants {
            let name = match &prefix {
                Some(p) => format!("{p}.{}", v.name),
                None => v.name.clone(),
            };
            arms.push(Arm {
                name,
                source: i,
                overrides: v.overrides.clone(),
            });
        }
    }
    let mut names = std::collections::HashSet::new();
    for a in &arms {
        if !names.insert(a.name.as_str()) {
            return Err(InputError(format!(
                "two arms of the comparison are both named `{}`; rename a scenario or a variant",
                a.name
            ))
            .into());
        }
    }
    let study = size(
        Shape::Compare {
            arms: arms.len() as u64,
            environments: first
                .spec
                .uncertainty
                .as_ref()
                .map_or(1, |u| u64::from(u.samples)),
        },
        first.base.scenario.replicates,
        &first.shown,
    )?;
    let environments = match &first.spec.uncertainty {
        Some(u) => latin_hypercube(&u.ranges, u.samples, first.base.scenario.seed, 2),
        None => vec![vec![]],
    };
    let mut plan = Plan {
        kind: StudyKind::Compare,
        name: format!("{}_compare", first.base.scenario.name),
        sources: sources.iter().map(|s| s.shown.clone()).collect(),
        arms,
        environments,
        parameters: vec![],
        outcomes: first.spec.compare.outcomes.clone(),
        window_months: first.spec.compare.window_months,
        months: first.base.scenario.months,
        replicates: first.base.scenario.replicates,
        common_random_numbers: first.spec.compare.common_random_numbers,
        scenarios: vec![],
        runs: vec![],
        model: grassroots::model_identity(),
        overrides: question_overrides(&cli),
    };
    // --target-ci adds replicates up to --max-replicates, within the cap on runs.
    let most = u32::try_from(MAX_RUNS / study.cells.max(1)).unwrap_or(u32::MAX);
    let target = target_ci.map(|w| (w, max_replicates.min(most).max(plan.replicates)));
    let eventual = StudySize {
        runs: study.cells * u64::from(target.map_or(plan.replicates, |t| t.1)),
        ..study
    };
    check_plan_memory(&plan, &eventual, common)?;
    plan.scenarios = resolve_cells(&plan, &sources, &cli)?;
    fill_runs(&mut plan);
    run_study(plan, common, shard, target, &eventual)
}

/// The overrides a plan holds in its arms and environments.
fn plan_overrides(plan: &Plan) -> u64 {
    let arms: usize = plan.arms.iter().map(|a| a.overrides.len()).sum();
    let envs: usize = plan.environments.iter().map(|e| e.len()).sum();
    (arms + envs) as u64
}

/// Before the cells are resolved: refuse when the plan alone would not fit.
fn check_plan_memory(plan: &Plan, size: &StudySize, common: &Common) -> Result<()> {
    let limit = match common.max_memory {
        Some(g) => Some((g * 1024.0 * 1024.0 * 1024.0) as u64),
        None => super::memory::memory_limit().map(|l| l.bytes),
    };
    let needed = estimate_plan_memory(size, plan_overrides(plan));
    match limit {
        // The full check, with the simulations, follows once the cells are
        // resolved; it reports the figures.
        Some(l) if needed > l => check_memory(
            Estimate {
                simulations: 0,
                plan: needed,
            },
            size.runs as usize,
            common,
        ),
        _ => Ok(()),
    }
}

/// `grassroots sweep FILE`.
pub fn sweep(file: &Path, common: &Common, shard: Option<Shard>) -> Result<()> {
    let cli = overrides(common)?;
    let sources = load_sources(&[file.to_path_buf()], &cli)?;
    let src = &sources[0];
    let Some(design) = &src.spec.sweep else {
        return Err(InputError(format!(
            "{}: no [sweep] section; add for example\n[sweep.grid]\n\"supervision.mass_supervision\" = [0.05, 0.15, 0.3]",
            src.shown
        ))
        .into());
    };
    let study = size(
        Shape::Sweep(design),
        src.base.scenario.replicates,
        &src.shown,
    )?;
    let points = sweep_points(design, src.base.scenario.seed);
    let arms = points
        .into_iter()
        .enumerate()
        .map(|(i, overrides)| Arm {
            name: i.to_string(),
            source: 0,
            overrides,
        })
        .collect();
    let mut plan = Plan {
        kind: StudyKind::Sweep,
        name: format!("{}_sweep", src.base.scenario.name),
        sources: vec![src.shown.clone()],
        arms,
        environments: vec![vec![]],
        parameters: sweep_parameters(design),
        outcomes: src.spec.compare.outcomes.clone(),
        window_months: src.spec.compare.window_months,
        months: src.base.scenario.months,
        replicates: src.base.scenario.replicates,
        common_random_numbers: src.spec.compare.common_random_numbers,
        scenarios: vec![],
        runs: vec![],
        model: grassroots::model_identity(),
        overrides: question_overrides(&cli),
    };
    check_plan_memory(&plan, &study, common)?;
    plan.scenarios = resolve_cells(&plan, &sources, &cli)?;
    fill_runs(&mut plan);
    run_study(plan, common, shard, None, &study)
}

/// Run a plan (or one shard of it), assemble, and report.
fn run_study(
    mut plan: Plan,
    common: &Common,
    shard: Option<Shard>,
    target: Option<(TargetCi, u32)>,
    size: &StudySize,
) -> Result<()> {
    let out = common
        .out
        .clone()
        .unwrap_or_else(|| default_out(&plan.name, &plan.overrides));
    let pool = pool(common.threads)?;
    let threads = pool.current_num_threads();
    let biggest = plan
        .scenarios
        .iter()
        .map(|s| estimate_memory(s, 1))
        .max()
        .unwrap_or(0);
    let planned = match shard {
        Some(s) => plan.shard(s.k, s.n).count(),
        None => plan.runs.len(),
    };
    check_memory(
        Estimate {
            simulations: biggest.saturating_mul(threads.min(planned.max(1)) as u64),
            plan: estimate_plan_memory(size, plan_overrides(&plan)),
        },
        planned,
        common,
    )?;

    let shown = out.clone();
    let (lock, out) = claim_study_dir(&out, &command_text())?;
    if let Some(previous) = study::check_same_study(&out, &plan, Some(common.force))? {
        eprintln!(
            "note: {} was made by model {previous}; this is {}, so its stored runs are not reused",
            out.display(),
            plan.model
        );
    }
    let store = Store::open(&out, &lock)?;
    let started = Instant::now();
    if let Some(s) = shard {
        study::write_plan(&out, &plan)?;
        let runs: Vec<&Run> = plan.shard(s.k, s.n).collect();
        let ran = execute(&plan, &runs, &store, &pool, common)?;
        if !common.quiet {
            println!(
                "shard {}/{} of {}: {} of its {} runs done now ({} were already stored) in {:.1} s; when all shards are done: grassroots merge DIR...",
                s.k,
                s.n,
                plan.name,
                ran,
                runs.len(),
                runs.len() - ran,
                started.elapsed().as_secs_f64()
            );
        }
        return Ok(());
    }
    let mut ran_total = 0;
    let assembled = loop {
        study::write_plan(&out, &plan)?;
        let runs: Vec<&Run> = plan.runs.iter().collect();
        ran_total += execute(&plan, &runs, &store, &pool, common)?;
        let assembled = study::assemble(&plan, &store, &out, &command_line())?;
        let Some((target, cap)) = target else {
            break assembled;
        };
        let (widest, width) = match target {
            TargetCi::Absolute(w) => (assembled.widest_ci, w),
            TargetCi::Relative(w) => (assembled.widest_relative_ci, w),
        };
        match widest {
            Some(w) if w <= width => {
                if !common.quiet {
                    println!(
                        "target reached: every 95 % CI half-width ≤ {target} with {} replicates (widest {w:.4})",
                        plan.replicates
                    );
                }
                break assembled;
            }
            widest if plan.replicates >= cap => {
                if !common.quiet {
                    let w = widest
                        .map(|w| format!("{w:.4}"))
                        .unwrap_or_else(|| "undefined".into());
                    println!(
                        "replicate cap reached: {} replicates, widest 95 % CI half-width {w} > target {target}",
                        plan.replicates
                    );
                }
                break assembled;
            }
            _ => {
                plan.replicates = (plan.replicates * 2).min(cap);
                fill_runs(&mut plan);
            }
        }
    };
    if !common.quiet {
        println!(
            "{}: {} runs ({} new, {} reused from {}) in {:.1} s on {} threads",
            plan.name,
            plan.runs.len(),
            ran_total,
            plan.runs.len().saturating_sub(ran_total),
            shown.join("runs").display(),
            started.elapsed().as_secs_f64(),
            threads
        );
        report(&plan, &out);
        println!("wrote {}: {}", shown.display(), assembled.files.join(", "));
    }
    Ok(())
}

fn execute(
    plan: &Plan,
    runs: &[&Run],
    store: &Store,
    pool: &rayon::ThreadPool,
    common: &Common,
) -> Result<usize> {
    let todo = study::to_run(plan, runs, store);
    for (r, why) in &todo {
        if let Some(why) = why {
            eprintln!(
                "warning: {}: damaged stored run ({why}); running it again",
                store.path(&r.key).display()
            );
        }
    }
    if let Some((r, _)) = todo.iter().find(|(r, _)| store.path(&r.key).is_dir()) {
        return Err(InputError(format!(
            "{}: a directory where a stored run belongs; remove it and run again",
            store.path(&r.key).display()
        ))
        .into());
    }
    let todo: Vec<&Run> = todo.into_iter().map(|(r, _)| r).collect();
    let bar = progress(todo.len() as u64, "runs", &plan.name, common.quiet);
    let on_done = || bar.inc(1);
    let ran = pool.install(|| study::execute(plan, &todo, store, &on_done))?;
    bar.finish_and_clear();
    Ok(ran)
}

/// `grassroots merge DIR...`.
pub fn merge(dirs: &[PathBuf], out: Option<PathBuf>, quiet: bool) -> Result<()> {
    let plans = dirs
        .iter()
        .map(|d| {
            study::read_plan(d).map_err(|e| {
                InputError(format!("{}: not a study directory ({e})", d.display())).into()
            })
        })
        .collect::<Result<Vec<Plan>>>()?;
    if let Some((i, p)) = plans
        .iter()
        .enumerate()
        .find(|(_, p)| p.model != plans[0].model)
    {
        return Err(InputError(format!(
            "{} and {} were made by different builds (model `{}` and `{}`); merge only shards run by one build",
            dirs[0].display(),
            dirs[i].display(),
            plans[0].model,
            p.model
        ))
        .into());
    }
    // The same study with the same runs (the scenario files may be spelled
    // differently, e.g. relative in one shard and absolute in another).
    let same = |p: &Plan| {
        p.differs_from(&plans[0]).is_none()
            && p.replicates == plans[0].replicates
            && p.runs == plans[0].runs
    };
    if let Some((i, _)) = plans.iter().enumerate().find(|(_, p)| !same(p)) {
        return Err(InputError(format!(
            "{} and {} hold different studies (their plan.json differ); merge only shards of one study",
            dirs[0].display(),
            dirs[i].display()
        ))
        .into());
    }
    let plan = &plans[0];
    let identity = grassroots::model_identity();
    if plan.model != identity {
        return Err(InputError(format!(
            "{}: the shards were planned by model `{}`, but this grassroots is `{identity}`; merge them with the build that ran them, or run the shards again with this one",
            dirs[0].display(),
            if plan.model.is_empty() {
                "unknown (an older grassroots)"
            } else {
                &plan.model
            },
        ))
        .into());
    }
    // Each shard once, however it is spelled.
    let mut seen = std::collections::HashSet::new();
    let dirs: Vec<&PathBuf> = dirs
        .iter()
        .filter(|d| seen.insert(d.canonicalize().unwrap_or_else(|_| d.to_path_buf())))
        .collect();
    let out = out.unwrap_or_else(|| dirs[0].clone());
    let command = command_text();
    // Lock the output first, then share every other shard's lock, so no
    // shard is still being written while it is merged.
    let created = !out.exists();
    let (lock, out) = claim_study_dir(&out, &command)?;
    let same = |d: &Path| d.canonicalize().ok() == out.canonicalize().ok();
    let gathered = (|| -> Result<usize> {
        let mut shared: Vec<DirLock> = Vec::new();
        for d in dirs.iter().filter(|d| !same(d)) {
            shared.extend(DirLock::acquire_shared(d)?);
        }
        study::check_same_study(&out, plan, None)?;
        let mut keys = std::collections::HashSet::new();
        let keys: Vec<&str> = plan
            .runs
            .iter()
            .map(|r| r.key.as_str())
            .filter(|k| keys.insert(*k))
            .collect();
        // Verify every shard's runs, and that together they hold the whole
        // study, before anything is written.
        let shards: Vec<Store> = dirs.iter().map(|d| Store::open_read(d)).collect();
        let mut absent = 0;
        for key in &keys {
            let mut found = false;
            for shard in &shards {
                match shard.state(key, plan.months) {
                    RunState::Valid => found = true,
                    RunState::Missing => {}
                    RunState::Damaged(why) => {
                        return Err(InputError(format!(
                            "{}: damaged stored run ({why}); merge refused — run that shard again",
                            shard.path(key).display()
                        ))
                        .into());
                    }
                }
            }
            absent += usize::from(!found);
        }
        if absent > 0 {
            return Err(InputError(format!(
                "{absent} of {} runs are missing from these shard directories; run the remaining shards, then merge all of them",
                keys.len()
            ))
            .into());
        }
        let store = Store::open(&out, &lock)?;
        study::write_plan(&out, plan)?;
        let mut copied = 0;
        for d in dirs.iter().filter(|d| !same(d)) {
            copied += store.absorb(&Store::open_read(d), keys.iter().copied(), plan.months)?;
        }
        Ok(copied)
    })();
    let copied = match gathered {
        Ok(c) => c,
        Err(e) => {
            drop(lock);
            if created {
                let _ = std::fs::remove_file(out.join(grassroots::output::lock::LOCK_FILE));
                let _ = std::fs::remove_dir(&out);
            }
            return Err(e);
        }
    };
    let store = Store::open_read(&out);
    let assembled = study::assemble(plan, &store, &out, &command_line())
        .map_err(|e| InputError(e.to_string()))?;
    if !quiet {
        println!(
            "merged {} shard directories ({copied} runs copied) into {}",
            dirs.len(),
            out.display()
        );
        report(plan, &out);
        println!("wrote {}: {}", out.display(), assembled.files.join(", "));
    }
    Ok(())
}

/// A number from a CSV cell with four significant digits.
fn short(cell: &str) -> String {
    cell.parse::<f64>()
        .map(sig4)
        .unwrap_or_else(|_| cell.to_string())
}

/// A short report: for comparisons, each variant's difference from the
/// baseline over the window; for sweeps, the number of points.
fn report(plan: &Plan, out: &Path) {
    if plan.kind == StudyKind::Sweep {
        println!(
            "{} points × {} replicates; per-point summary in sweep_summary.csv",
            plan.arms.len(),
            plan.replicates
        );
        return;
    }
    let Ok(mut reader) = csv::Reader::from_path(out.join("comparison.csv")) else {
        return;
    };
    println!(
        "difference from {} over the last {} months (95 % Welch CI; * excludes 0):",
        BASELINE, plan.window_months
    );
    for row in reader.records().flatten() {
        if &row[0] == BASELINE || &row[2] != "window" {
            continue;
        }
        let (lo, hi) = (row[9].parse::<f64>().ok(), row[10].parse::<f64>().ok());
        let star = match (lo, hi) {
            (Some(l), Some(h)) if l > 0.0 || h < 0.0 => "*",
            _ => " ",
        };
        println!(
            "  {:<24} {:<26} {:>11} [{}, {}] {star}",
            &row[0],
            &row[1],
            short(&row[8]),
            short(&row[9]),
            short(&row[10])
        );
    }
}
