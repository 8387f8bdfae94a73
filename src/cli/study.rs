//! `grassroots compare`, `sweep` and `merge`: studies of many runs, stored
//! run by run so they resume, shard and merge (`docs/studies.md`). The
//! library plans and runs them (`study::runner`) and writes their files
//! (`output::study`); this module parses, checks memory, shows progress and
//! prints.

use super::{
    Common, Estimate, InputError, Shard, TargetCi, check_memory, command_line, command_text,
    default_out, load_file, overrides, pool, progress,
};
use anyhow::Result;
use grassroots::output::merge::MergeError;
use grassroots::output::report::{self, count, sig4};
use grassroots::output::study::{self, Store};
use grassroots::output::{OutputError, claim_study_dir};
use grassroots::study::analysis::WINDOW;
use grassroots::study::calibration::{Calibration, CalibrationError};
use grassroots::study::plan::{Plan, StudyKind, StudySize, estimate_memory};
use grassroots::study::runner::{
    Outline, Progress, Results, RunError, Study, StudyFile, target_ci,
};
use grassroots::study::spec::SweepDesign;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn load_files(files: &[PathBuf], cli: &[(String, String)]) -> Result<Vec<StudyFile>> {
    files.iter().map(|f| load_file(f, cli)).collect()
}

/// [`load_files`], with a note for each file that loses its base's
/// `[[changes]]` ([`super::uninherited_changes_note`]).
fn load_files_noted(files: &[PathBuf], cli: &[(String, String)]) -> Result<Vec<StudyFile>> {
    files
        .iter()
        .map(|f| super::load_file_noting(f, cli, true))
        .collect()
}

fn invalid(e: grassroots::study::runner::StudyError) -> anyhow::Error {
    InputError(e.to_string()).into()
}

/// `--max-replicates` when not given (raised to the replicates a study
/// starts with, if more).
const DEFAULT_MAX_REPLICATES: u32 = 640;

/// `grassroots compare FILE...`.
pub fn compare(
    files: &[PathBuf],
    common: &Common,
    shard: Option<Shard>,
    target_ci: Option<TargetCi>,
    max_replicates: Option<u32>,
) -> Result<()> {
    if target_ci.is_some() && shard.is_some() {
        return Err(InputError("--target-ci decides the number of replicates as it goes, so it cannot be split with --shard; give --replicates instead".into()).into());
    }
    let cli = overrides(common)?;
    let sources = load_files_noted(files, &cli)?;
    if let [only] = sources.as_slice()
        && only.spec.variants.is_empty()
    {
        return Err(InputError(format!(
                "{}: nothing to compare — the file has no [[variants]]; add [[variants]] (docs/studies.md), or give several scenario files (grassroots compare A.toml B.toml), or use `grassroots run` for one scenario",
                only.shown
            ))
            .into());
    }
    refuse_sets_that_erase_differences(files, &sources, &cli)?;
    note_unused_settings(&sources);
    let outline = Outline::compare(&sources, &cli).map_err(invalid)?;
    let environments = outline.plan.environments.len();
    if target_ci.is_some() && environments > 1 {
        return Err(InputError(format!(
            "--target-ci adds replicates, but this study has {environments} environments ([uncertainty]) and its intervals are across environments: more replicates only make each environment's mean more precise. Raise `[uncertainty] samples` for narrower intervals, or give --replicates (docs/studies.md, \"Reading a comparison\")"
        ))
        .into());
    }
    let start = outline.plan.replicates;
    if let Some(most) = max_replicates.filter(|&m| m < start) {
        return Err(InputError(format!(
            "--max-replicates {most} is below the {start} replicates the study starts with (scenario.replicates or --replicates), so no replicate could be added; give --max-replicates of at least {start}, or start with fewer (--replicates 2)"
        ))
        .into());
    }
    // An absolute half-width holds for every outcome in its own units: 5 is
    // met at once by a share, never by a backlog in the thousands.
    if let Some(TargetCi::Absolute(w)) = target_ci
        && outline.plan.outcomes.len() > 1
        && !common.quiet
    {
        eprintln!(
            "note: --target-ci {w} is a half-width in each outcome's own units ({}), the same number for all; write {}% for a half-width relative to each outcome's mean",
            outline.plan.outcomes.join(", "),
            w
        );
    }
    // --target-ci adds replicates up to --max-replicates, within the cap on runs.
    let target = target_ci.map(|w| {
        (
            w,
            outline.replicate_cap(max_replicates.unwrap_or(DEFAULT_MAX_REPLICATES)),
        )
    });
    let eventual = outline.size_with(target.map_or(outline.plan.replicates, |t| t.1));
    check_plan_memory(&outline, &eventual, common)?;
    let study = outline.resolve(&sources, &cli).map_err(invalid)?;
    run_study(study, common, shard, target, &eventual)
}

/// Refuse a `--set` of a parameter on which files compared side by side
/// differ: it would set them all alike, and the comparison would report
/// differences of 0 under the files' names (the same rule as for a key a
/// variant sets). `[scenario]` keys (`--seed`, replicates) are the study's.
fn refuse_sets_that_erase_differences(
    files: &[PathBuf],
    sources: &[StudyFile],
    cli: &[(String, String)],
) -> Result<()> {
    if sources.len() < 2 || cli.iter().all(|(k, _)| k.starts_with("scenario.")) {
        return Ok(());
    }
    // The files as they read with only the study's own overrides (--seed,
    // --replicates: a file may need them to be valid); if they do not read
    // so, there is nothing to tell apart.
    let study_keys: Vec<(String, String)> = cli
        .iter()
        .filter(|(k, _)| k.starts_with("scenario."))
        .cloned()
        .collect();
    let Ok(plain) = load_files(files, &study_keys) else {
        return Ok(());
    };
    let values: Vec<serde_json::Value> = plain
        .iter()
        .map(|f| serde_json::to_value(&f.base).unwrap_or_default())
        .collect();
    for (key, _) in cli.iter().filter(|(k, _)| !k.starts_with("scenario.")) {
        let Some((section, name)) = key.split_once('.') else {
            continue;
        };
        let at = |v: &serde_json::Value| v.get(section).and_then(|s| s.get(name)).cloned();
        if let Some(i) = (1..values.len()).find(|&i| at(&values[i]) != at(&values[0])) {
            let shown = |v: &serde_json::Value| at(v).map_or("—".to_string(), |x| x.to_string());
            return Err(InputError(format!(
                "--set {key}=… fixes a parameter on which the files compared differ ({} has {}, {} has {}), so the comparison would report no difference under their names; remove the --set, or edit the files",
                plain[0].shown,
                shown(&values[0]),
                plain[i].shown,
                shown(&values[i])
            ))
            .into());
        }
    }
    Ok(())
}

/// Files compared side by side share the first file's study settings:
/// say which of a later file's own are not used, rather than drop them
/// silently.
fn note_unused_settings(sources: &[StudyFile]) {
    let Some((first, rest)) = sources.split_first() else {
        return;
    };
    for src in rest {
        let mut unused = Vec::new();
        if src.base.scenario.replicates != first.base.scenario.replicates {
            unused.push(format!(
                "scenario.replicates = {}",
                src.base.scenario.replicates
            ));
        }
        // A file without `[compare]` has the defaults: nothing of its own
        // goes unused.
        if src.spec.compare != first.spec.compare
            && src.spec.compare != grassroots::study::spec::CompareSpec::default()
        {
            unused.push("[compare]".to_string());
        }
        if src.spec.uncertainty.is_some() && src.spec.uncertainty != first.spec.uncertainty {
            unused.push("[uncertainty]".to_string());
        }
        for section in [
            ("[sweep]", src.spec.sweep.is_some()),
            ("[sensitivity]", src.spec.sensitivity.is_some()),
            ("[calibration]", src.spec.calibration.is_some()),
        ]
        .iter()
        .filter(|(_, given)| *given)
        {
            unused.push(section.0.to_string());
        }
        if !unused.is_empty() {
            eprintln!(
                "note: {}'s {} {} not used: files compared side by side take their study settings from the first file, {} (its base scenario and [[variants]] are compared)",
                src.shown,
                unused.join(", "),
                if unused.len() == 1 { "is" } else { "are" },
                first.shown
            );
        }
    }
}

/// Before the cells are resolved: refuse when the plan alone would not fit.
fn check_plan_memory(outline: &Outline, size: &StudySize, common: &Common) -> Result<()> {
    let limit = match common.max_memory {
        Some(g) => Some((g * 1024.0 * 1024.0 * 1024.0) as u64),
        None => super::memory::memory_limit().map(|l| l.bytes),
    };
    let needed = outline.plan_memory(size);
    match limit {
        // The full check, with the simulations, follows once the cells are
        // resolved; it reports the figures.
        Some(l) if needed > l => check_memory(
            Estimate {
                simulations: 0,
                plan: needed,
                adaptive: None,
                disk: 0,
            },
            size.runs as usize,
            common,
        ),
        _ => Ok(()),
    }
}

/// `grassroots sweep FILE`.
pub fn sweep(file: &Path, common: &Common, shard: Option<Shard>) -> Result<()> {
    one_file_study(file, common, shard, Outline::sweep)
}

/// `grassroots sweep FILE` with `design` in place of the file's own
/// `[sweep]` (the file need not have one): the same planning, run store and
/// result files (`grassroots bench --small-runs`).
pub fn sweep_with_design(file: &Path, common: &Common, design: &SweepDesign) -> Result<()> {
    one_file_study(file, common, None, |f, cli| {
        let mut f = f.clone();
        f.spec.sweep = Some(design.clone());
        Outline::sweep(&f, cli)
    })
}

/// `grassroots sensitivity FILE`.
pub fn sensitivity(file: &Path, common: &Common, shard: Option<Shard>) -> Result<()> {
    one_file_study(file, common, shard, |f, cli| {
        let outline = Outline::sensitivity(f, cli)?;
        if let Some(note) = sobol_balance_note(f)
            && !common.quiet
        {
            eprintln!("{note}");
        }
        Ok(outline)
    })
}

/// A Sobol design whose base rows N are not a power of two: the sequence's
/// points are balanced (a (t, m, s)-net) only in blocks of 2^m, so its
/// estimates converge more slowly (SALib warns alike). Not an error: the
/// indices stay valid, only less precise for the runs spent.
fn sobol_balance_note(f: &StudyFile) -> Option<String> {
    use grassroots::study::methods::SensitivityMethod;
    let spec = f.spec.sensitivity.as_ref()?;
    let SensitivityMethod::Sobol { samples } = spec.method else {
        return None;
    };
    if samples.is_power_of_two() {
        return None;
    }
    let below = 1u32 << (31 - samples.leading_zeros());
    let above = below.saturating_mul(2);
    Some(format!(
        "note: {}: [sensitivity] samples = {samples} is not a power of two; the Sobol sequence is balanced in blocks of 2^m points, and {below} or {above} would use its balance fully (the indices stay valid, only less precise for the runs)",
        f.shown
    ))
}

/// A study of one scenario file whose design `outline` reads from it.
fn one_file_study(
    file: &Path,
    common: &Common,
    shard: Option<Shard>,
    outline: impl Fn(
        &StudyFile,
        &[(String, String)],
    ) -> Result<Outline, grassroots::study::runner::StudyError>,
) -> Result<()> {
    let cli = overrides(common)?;
    let sources = load_files_noted(&[file.to_path_buf()], &cli)?;
    let outline = outline(&sources[0], &cli).map_err(invalid)?;
    let size = outline.size;
    check_plan_memory(&outline, &size, common)?;
    let study = outline.resolve(&sources, &cli).map_err(invalid)?;
    run_study(study, common, shard, None, &size)
}

/// `grassroots calibrate FILE`.
pub fn calibrate(file: &Path, common: &Common, shard: Option<Shard>) -> Result<()> {
    let cli = overrides(common)?;
    let sources = load_files_noted(&[file.to_path_buf()], &cli)?;
    let source = &sources[0];
    let calibration = Calibration::new(source, &cli).map_err(invalid)?;
    let identity = calibration.identity().map_err(invalid)?;
    let plan = &identity.plan;
    let out = common
        .out
        .clone()
        .unwrap_or_else(|| default_out(&plan.name, &plan.overrides));
    let pool = pool(common.threads)?;
    let threads = pool.current_num_threads();
    let spec = calibration.spec;
    let per_generation = plan.runs.len();
    let size = StudySize {
        variants: plan.variants.len() as u64,
        environments: 1,
        cells: plan.variants.len() as u64,
        runs: per_generation as u64,
    };
    // Every generation's runs are stored (the predictive's few more are
    // left out of the estimate).
    let stored = (per_generation as u64).saturating_mul(u64::from(spec.generations));
    check_study_memory(plan, &size, threads, per_generation, None, stored, common)?;
    let shown = out.clone();
    let (_lock, out, store) = open_study_dir(plan, &out, common)?;
    let started = Instant::now();
    if let Some(s) = shard {
        // The first generation is fixed by the file: it shards like a sweep.
        let what = format!("the first (rejection) generation of {}", plan.name);
        let next = format!(
            ", then {}",
            calibrate_command(
                &file.display().to_string(),
                "MERGED",
                &plan.overrides,
                // Given by --replicates or by --set scenario.replicates=N (which
                // the overrides leave out), or the file's: name it.
                Some(plan.replicates)
            )
        );
        return run_shard(&identity, &store, s, &pool, common, started, &what, &next);
    }
    // The posterior predictive check runs the kept particles once more.
    let predictive =
        u64::from(spec.particles) * spec.arms().len() as u64 * u64::from(plan.replicates);
    if !common.quiet {
        say!(
            "{}: {} × {} × {} × {} = up to {}, and {} for the posterior predictive, on {}",
            plan.name,
            count(spec.generations, "generation"),
            count(spec.proposals(), "proposal"),
            count(spec.arms().len() as u64, "variant"),
            count(plan.replicates, "replicate"),
            count(u64::from(spec.generations) * per_generation as u64, "run"),
            count(predictive, "run"),
            count(threads as u64, "thread")
        );
    }
    let bar = Bar {
        meter: progress("runs", &plan.name, common.quiet),
        store: &store,
        damaged: Default::default(),
    };
    // Generations are run as they come: the total grows by each one's runs.
    bar.meter
        .set_ceiling(u64::from(spec.generations) * per_generation as u64 + predictive);
    let line = &bar.meter;
    let quiet = common.quiet;
    let total = spec.generations;
    let generations = pool
        .install(|| {
            calibration.run(&store, &bar, &mut |g, done| {
                let mut text = format!(
                    // Numbered from 0, as in generations.csv and report.md.
                    "generation {g} ({} of {total}): tolerance ε = {}, effective sample size {:.0}, {} runs ({} new)",
                    g + 1,
                    sig4(done.population.epsilon),
                    grassroots::study::abc::effective_sample_size(&done.population.weights),
                    done.runs,
                    done.ran
                );
                if done.predictive_runs > 0 {
                    text.push_str(&format!(
                        "; posterior predictive {} runs ({} new)",
                        done.predictive_runs, done.predictive_ran
                    ));
                }
                if !quiet {
                    line.suspend(|| say!("{text}"));
                }
            })
        })
        .map_err(|e| match e {
            CalibrationError::Study(e) => invalid(e),
            CalibrationError::Run(e) => run_error(e),
            e @ CalibrationError::NoFiniteSummary { .. } => InputError(e.to_string()).into(),
        })?;
    bar.finish();
    let diagnosis = calibration.diagnose(&generations);
    let files = study::replace_results(plan, &out, &command_line(), || {
        grassroots::output::calibration::write(
            plan,
            &source.base,
            spec,
            &generations,
            diagnosis.as_ref(),
            &out,
        )
    })?;
    if !common.quiet {
        let ran: usize = generations.iter().map(|g| g.ran + g.predictive_ran).sum();
        let runs: usize = generations.iter().map(|g| g.runs + g.predictive_runs).sum();
        say!(
            "{}: {runs} runs ({ran} new) in {:.1} s; posterior medians [90 % credible interval]:",
            plan.name,
            started.elapsed().as_secs_f64()
        );
        if let Some(d) = &diagnosis {
            for (r, p) in spec.parameters.iter().zip(&d.parameters) {
                let m = &p.marginal;
                say!(
                    "  {:<40} {} [{}, {}]  (prior {} – {})",
                    r.key,
                    sig4(m.median),
                    sig4(m.q05),
                    sig4(m.q95),
                    sig4(r.low),
                    sig4(r.high)
                );
            }
            say!(
                "fit of the targets (posterior predictive mean [90 %], its share below the value; prior predictive range):"
            );
            let width = spec
                .targets
                .iter()
                .map(|t| t.label().chars().count())
                .max()
                .unwrap_or(0);
            for (t, f) in spec.targets.iter().zip(&d.targets) {
                let (a, b) = t.window(plan.months);
                let label = format!("{} {a}–{b}", t.label());
                say!(
                    "  {label:<w$} {} ± {}: {} [{}, {}], {} below; prior {} – {}{}",
                    sig4(t.value),
                    sig4(t.sd),
                    sig4(f.mean),
                    sig4(f.q05),
                    sig4(f.q95),
                    if f.share_below.is_finite() {
                        format!("{:.0} %", 100.0 * f.share_below)
                    } else {
                        "—".to_string()
                    },
                    sig4(f.prior_min),
                    sig4(f.prior_max),
                    if f.outside_prior {
                        format!(
                            " (outside the prior-predictive range by {} sd)",
                            sig4(f.prior_gap_sd.abs())
                        )
                    } else {
                        String::new()
                    },
                    w = width + 7
                );
            }
            for w in &d.warnings {
                eprintln!("warning: {w}");
            }
        }
        say!("wrote {}: {}", shown.display(), files.join(", "));
    }
    Ok(())
}

/// The pre-run memory check of a study: the largest cell's simulation on
/// each thread that will be busy with the `planned` runs, and the plan;
/// `adaptive`: the most runs an adaptive study may grow to, and its target.
fn check_study_memory(
    plan: &Plan,
    size: &StudySize,
    threads: usize,
    planned: usize,
    adaptive: Option<(u64, TargetCi)>,
    stored: u64,
    common: &Common,
) -> Result<()> {
    let biggest = plan
        .scenarios
        .iter()
        .map(|s| estimate_memory(s, 1))
        .max()
        .unwrap_or(0);
    check_memory(
        Estimate {
            simulations: biggest.saturating_mul(threads.min(planned.max(1)) as u64),
            plan: grassroots::study::plan::estimate_plan_memory(
                size,
                grassroots::study::runner::plan_overrides(plan),
            ),
            adaptive,
            disk: stored.saturating_mul(grassroots::output::store::stored_run_bytes(plan.months)),
        },
        planned,
        common,
    )
}

/// Claim a study's output directory (refusing another study in it, noting
/// an older model's runs, which are not reused) and write its `plan.json`:
/// the lock, the resolved directory and its run store.
fn open_study_dir(
    plan: &Plan,
    out: &Path,
    common: &Common,
) -> Result<(grassroots::output::DirLock, PathBuf, Store)> {
    study::refuse_another_study_early(out, plan, Some(common.force))?;
    let (lock, out) = claim_study_dir(out, &command_text())?;
    if let Some(previous) = study::check_same_study(&out, plan, Some(common.force))? {
        eprintln!(
            "note: {} was made by model {previous}; this is {}, so its stored runs are not reused",
            out.display(),
            plan.model
        );
    }
    // The plan first: a directory killed before it is saved holds only
    // grassroots' partial files, not a `runs/` without a plan.
    study::write_plan(&out, plan)?;
    let store = Store::open(&out, &lock)?;
    Ok((lock, out, store))
}

/// Run shard `s` of `study` (`what` names it) and say what to do next
/// (`next` follows the merge).
#[allow(clippy::too_many_arguments)]
fn run_shard(
    study: &Study,
    store: &Store,
    s: Shard,
    pool: &rayon::ThreadPool,
    common: &Common,
    started: Instant,
    what: &str,
    next: &str,
) -> Result<()> {
    let runs = study.plan.shard(s.k, s.n).count();
    let ran = run_missing(study, store, Some(s), pool, common)?;
    if !common.quiet {
        say!(
            "shard {}/{} of {what}: {} of its {} runs done now ({} were already stored) in {:.1} s; when all shards are done: grassroots merge DIR...{next}",
            s.k,
            s.n,
            ran,
            runs,
            runs - ran,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Progress (a bar, or plain lines without a terminal) and warnings on
/// stderr, as the library reports.
struct Bar<'a> {
    meter: super::Meter,
    store: &'a Store,
    /// Damaged stored runs reported so far.
    damaged: std::sync::atomic::AtomicUsize,
}

/// Damaged stored runs named one by one; the rest are counted.
const DAMAGED_NAMED: usize = 5;

impl Progress for Bar<'_> {
    fn damaged(&self, key: &str, why: &str) {
        let seen = self
            .damaged
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if seen < DAMAGED_NAMED {
            self.meter.suspend(|| {
                eprintln!(
                    "warning: {}: damaged stored run ({why}); running it again",
                    self.store.path(key).display()
                )
            });
        }
    }
    fn start(&self, runs: usize) {
        self.meter.start(runs);
    }
    fn start_steps(&self, village_months: u64) {
        self.meter.start_steps(village_months);
    }
    fn steps(&self) -> Option<std::sync::Arc<std::sync::atomic::AtomicU64>> {
        Progress::steps(&self.meter)
    }
    fn done(&self) {
        self.meter.done();
    }
}

impl Bar<'_> {
    /// The work is done: clear the bar or print the final line (the count
    /// of damaged runs beyond those named follows on drop).
    fn finish(&self) {
        self.meter.finish();
    }
}

impl Drop for Bar<'_> {
    fn drop(&mut self) {
        let n = self.damaged.load(std::sync::atomic::Ordering::Relaxed);
        if n > DAMAGED_NAMED {
            eprintln!(
                "warning: {} more damaged stored runs in {} were run again",
                n - DAMAGED_NAMED,
                self.store
                    .path("")
                    .parent()
                    .map_or_else(String::new, |p| p.display().to_string())
            );
        }
    }
}

/// Run the runs of a study (or shard) the store lacks, with a progress bar.
fn run_missing(
    study: &Study,
    store: &Store,
    shard: Option<Shard>,
    pool: &rayon::ThreadPool,
    common: &Common,
) -> Result<usize> {
    let bar = Bar {
        meter: progress("runs", &study.plan.name, common.quiet),
        store,
        damaged: Default::default(),
    };
    let ran = pool.install(|| study.run_missing(store, shard, None, &bar));
    bar.finish();
    ran.map_err(run_error)
}

/// A library run error as the command reports it (a store's refusal keeps
/// its exit code).
fn run_error(e: RunError<OutputError>) -> anyhow::Error {
    match e {
        RunError::Store(e) => e.into(),
        e => e.into(),
    }
}

/// Run a study (or one shard of it), assemble, and report.
fn run_study(
    mut study: Study,
    common: &Common,
    shard: Option<Shard>,
    target: Option<(TargetCi, u32)>,
    size: &StudySize,
) -> Result<()> {
    let out = common
        .out
        .clone()
        .unwrap_or_else(|| default_out(&study.plan.name, &study.plan.overrides));
    let pool = pool(common.threads)?;
    let threads = pool.current_num_threads();
    let planned = match shard {
        Some(s) => study.plan.shard(s.k, s.n).count(),
        None => study.plan.runs.len(),
    };
    // An adaptive study says how far it may grow (its memory is estimated
    // at that size).
    let adaptive = target.map(|(t, _)| (size.runs, t));
    // The runs this command may store: an adaptive study's most, a shard's own.
    let stored = adaptive.map_or(planned as u64, |(most, _)| most);
    check_study_memory(
        &study.plan,
        size,
        threads,
        planned,
        adaptive,
        stored,
        common,
    )?;
    let shown = out.clone();
    // The replicates of the same study already there, if more than this
    // one's: its results are replaced by less precise ones (said below).
    let fewer = study::read_plan(&out).ok().filter(|before| {
        target.is_none()
            && shard.is_none()
            && before.replicates > study.plan.replicates
            && study.plan.differs_from(before).is_none()
    });
    let (_lock, out, store) = open_study_dir(&study.plan, &out, common)?;
    if let Some(before) = fewer {
        // Said even with -q, as a run's count is: the results change.
        eprintln!(
            "note: {} held this study with {}; its result files are replaced by this one's with {} (its stored runs are kept: the same command with --replicates {} reuses them, so no --force is needed)",
            out.display(),
            count(u64::from(before.replicates), "replicate"),
            count(u64::from(study.plan.replicates), "replicate"),
            before.replicates
        );
    }
    let started = Instant::now();
    if let Some(s) = shard {
        return run_shard(
            &study,
            &store,
            s,
            &pool,
            common,
            started,
            &study.plan.name,
            "",
        );
    }
    let ran = match target {
        None => run_missing(&study, &store, None, &pool, common)?,
        Some((target, cap)) => {
            let bar = Bar {
                meter: progress("runs", &study.plan.name, common.quiet),
                store: &store,
                damaged: Default::default(),
            };
            // Each round's runs add to the total, up to the cap (in distinct
            // runs: variants identical under common random numbers share theirs).
            let distinct = study.keys().len() as u64;
            let planned = (study.plan.runs.len() as u64).max(1);
            bar.meter
                .set_ceiling(size.runs.saturating_mul(distinct) / planned);
            let outcome = pool
                .install(|| {
                    target_ci(&mut study, &store, target, cap, None, &bar, &mut |plan| {
                        study::write_plan(&out, plan)
                    })
                })
                .map_err(run_error)?;
            bar.finish();
            study::write_plan(&out, &study.plan)?;
            if let Some(record) = &study.plan.target_ci {
                let widest = record.widest.as_deref().unwrap_or("undefined");
                if record.reached && !common.quiet {
                    say!(
                        "target reached: every 95 % CI half-width ≤ {target} with {} replicates (widest {widest})",
                        record.replicates
                    );
                } else if record.undefined {
                    eprintln!(
                        "warning: --target-ci stopped at {} replicates: an outcome is undefined (NaN) in some run, so no interval of it can reach the target (recorded in manifest.json and the reports)",
                        record.replicates
                    );
                } else if !record.reached {
                    // Said even with -q: the result is not what was asked.
                    eprintln!(
                        "warning: replicate cap reached: {} replicates, widest 95 % CI half-width {widest} > target {target} (recorded in manifest.json and the reports)",
                        record.replicates
                    );
                }
            }
            outcome.ran
        }
    };
    let assembled = study::assemble(&study, &store, &out, &command_line())?;
    let plan = &study.plan;
    if !common.quiet {
        // Runs with the same key (identical variants under common random
        // numbers) are one stored run: "shared", not "reused".
        let distinct = plan
            .runs
            .iter()
            .map(|r| r.key.as_str())
            .collect::<std::collections::HashSet<_>>()
            .len();
        let shared = plan.runs.len() - distinct;
        say!(
            "{}: {} ({} new, {} reused from {}{}) in {:.1} s on {}",
            plan.name,
            count(plan.runs.len() as u64, "run"),
            ran,
            distinct.saturating_sub(ran),
            shown.join("runs").display(),
            if shared > 0 {
                format!(
                    ", {shared} the same as another run of the plan (identical variants share their runs)"
                )
            } else {
                String::new()
            },
            started.elapsed().as_secs_f64(),
            count(threads as u64, "thread")
        );
        report(plan, &assembled.results);
        say!("wrote {}: {}", shown.display(), assembled.files.join(", "));
    }
    Ok(())
}

/// `grassroots merge DIR...`.
pub fn merge(dirs: &[PathBuf], out: Option<PathBuf>, quiet: bool) -> Result<()> {
    let merged = grassroots::output::merge::merge(dirs, out, &command_text(), &command_line())
        .map_err(|e| match e {
            MergeError::Refused(why) => InputError(why).into(),
            MergeError::Output(e) => anyhow::Error::from(e),
        })?;
    if !quiet {
        say!(
            "merged {} shard directories ({} runs copied) into {}",
            merged.shards,
            merged.copied,
            merged.out.display()
        );
        match &merged.assembled {
            Some(assembled) => {
                report(&merged.plan, &assembled.results);
                say!(
                    "wrote {}: {}",
                    merged.out.display(),
                    assembled.files.join(", ")
                );
            }
            None => say!(
                "the first (rejection) generation of calibration {} is complete; finish it with: {}",
                merged.plan.name,
                calibrate_command(
                    merged.plan.sources.first().map_or("FILE", |s| s.as_str()),
                    &merged.out.display().to_string(),
                    &merged.plan.overrides,
                    // The plan does not record whether the count came from
                    // the file or from --replicates: name it.
                    Some(merged.plan.replicates)
                )
            ),
        }
    }
    Ok(())
}

/// The `grassroots calibrate` command that continues a calibration whose
/// first generation was sharded: the same file, overrides and replicates
/// (without them the plan differs and the stored runs are not reused),
/// each word quoted for a POSIX shell where it needs it.
fn calibrate_command(
    source: &str,
    out: &str,
    overrides: &[(String, String)],
    replicates: Option<u32>,
) -> String {
    let mut words = vec![
        "grassroots".to_string(),
        "calibrate".into(),
        shell_word(source),
        "--out".into(),
        shell_word(out),
    ];
    for (key, value) in overrides {
        if key == "scenario.seed" {
            words.extend(["--seed".into(), shell_word(value)]);
        } else {
            words.extend(["--set".into(), shell_word(&format!("{key}={value}"))]);
        }
    }
    if let Some(r) = replicates {
        words.extend(["--replicates".into(), r.to_string()]);
    }
    words.join(" ")
}

/// `word` as one word of a POSIX shell command: as it is when it holds only
/// characters no shell treats specially, otherwise in single quotes.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// A short report: for comparisons, each variant's difference from the
/// baseline over the window (as in `comparison.csv`); for sweeps, the number
/// of points.
fn report(plan: &Plan, results: &Results) {
    if plan.kind == StudyKind::Sensitivity {
        if let Ok(a) = grassroots::study::global_sensitivity::analyse(plan, results) {
            say!("most influential factors (indices.csv has all):");
            let (mut noisy, mut rows, mut caveats) = (Vec::new(), Vec::new(), Vec::new());
            for (i, (q, row)) in a.quantities.iter().zip(&a.indices).enumerate() {
                let ranked = grassroots::output::sensitivity::ranking(&a, i);
                for (factor, shown) in ranked.into_iter().take(3) {
                    rows.push([q.label(), factor.to_string(), shown]);
                }
                if grassroots::output::sensitivity::sobol_caveat(row).is_some() {
                    caveats.push(q.label());
                }
                let share = a.noise_share(i);
                if share > grassroots::study::global_sensitivity::NOISY {
                    noisy.push(format!("{} ({:.0} %)", q.label(), 100.0 * share));
                }
            }
            for line in aligned_rows(&rows, &[false; 3]) {
                say!("  {line}");
            }
            if plan.replicates < 2 {
                say!(
                    "caution: with 1 replicate, replicate noise is not estimated, and the indices may rank noise (above all a policy's effects): give --replicates 2 or more"
                );
            } else if !noisy.is_empty() {
                say!(
                    "caution: replicate noise is about this share of the variance across the design, so these indices partly rank noise (more replicates or villages shrink it; noise_share in indices.csv): {}",
                    noisy.join(", ")
                );
            }
            if !caveats.is_empty() {
                say!(
                    "caution: Sobol estimates outside what true indices can be, beyond their 95 % intervals (clearly below 0, S above S_T, or above 1; report.md says which), so they carry sampling error or noise (raise samples or replicates): {}",
                    caveats.join(", ")
                );
            }
        }
        return;
    }
    if plan.kind == StudyKind::Sweep {
        say!(
            "{} × {}; mean over the last {} months, best and worst point (every point: report.md, sweep_summary.csv):",
            count(plan.variants.len() as u64, "point"),
            count(plan.replicates, "replicate"),
            plan.window_months
        );
        let acc = &results.outcomes;
        for (outcome, best, worst) in grassroots::output::report::sweep_extremes(plan, acc) {
            let o = plan
                .outcomes
                .iter()
                .position(|x| *x == outcome)
                .unwrap_or(0);
            for (word, point) in [("best", best), ("worst", worst)] {
                say!(
                    "  {:<24} {word:<5} {:>11}  {}",
                    outcome,
                    sig4(acc.level(point, o, WINDOW).mean()),
                    grassroots::output::report::point_label(plan, point)
                );
            }
            if let Some(t) = &results.points
                && let Some(n) = t.noise(o, WINDOW)
            {
                let d = n.simultaneous(&t.difference(best, worst, o, WINDOW));
                say!(
                    "  {:<24} best − worst {} (95 %, any pair: ± {}; one pre-chosen pair: ± {})",
                    "",
                    report::mean_ci(&d),
                    sig4(n.simultaneous_half_width),
                    sig4(n.difference_half_width)
                );
            }
        }
        return;
    }
    let acc = &results.outcomes;
    say!(
        "over the last {}: {}; p_holm: p adjusted by Holm's method over {}",
        count(plan.window_months, "month"),
        report::contrast_legend(plan),
        count(
            acc.family_size(WINDOW, plan.paired_runs()) as u64,
            "comparison"
        )
    );
    let contrasts = acc.contrasts(WINDOW, plan.paired_runs());
    let mut rows = Vec::new();
    for (a, variant) in plan.variants.iter().enumerate().skip(1) {
        for (o, outcome) in plan.outcomes.iter().enumerate() {
            let Some(c) = contrasts[a][o] else { continue };
            let ci = match c.ci {
                Some((lo, hi)) => format!("[{}, {}]", sig4(lo), sig4(hi)),
                None => "(no CI)".into(),
            };
            rows.push([
                variant.name.clone(),
                outcome.clone(),
                sig4(c.diff),
                ci,
                if c.excludes_zero() { "*" } else { "" }.into(),
                report::percent_with_ci(c.relative, c.relative_ci),
                match c.p_holm {
                    Some(_) => format!("p_holm {}", report::p_text(c.p_holm)),
                    None => "p_holm —".into(),
                },
            ]);
        }
    }
    for line in aligned_rows(&rows, &[false, false, true, false, false, true, false]) {
        say!("  {line}");
    }
    say!("{}", report::significance_summary(plan, acc));
    let robust = report::robustness_rows(plan, acc);
    if !robust.is_empty() {
        say!(
            "across {} sampled environments (differences above {} of the baseline count; robustness.csv):",
            plan.environments.len(),
            report::percent(Some(plan.meaningful_difference)).trim_start_matches('+')
        );
        let rows: Vec<[String; 3]> = robust
            .into_iter()
            .map(|(variant, outcome, r)| [variant, outcome, report::robustness_words(&r)])
            .collect();
        for line in aligned_rows(&rows, &[false; 3]) {
            say!("  {line}");
        }
    }
}

/// Rows of cells as lines with every column as wide as its widest cell
/// (counted in characters), two blanks apart, right-aligned where `right`
/// says so; trailing blanks trimmed.
fn aligned_rows<const N: usize>(rows: &[[String; N]], right: &[bool; N]) -> Vec<String> {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .zip(widths.iter().zip(right))
                .map(|(cell, (&w, &r))| {
                    if r {
                        format!("{cell:>w$}")
                    } else {
                        format!("{cell:<w$}")
                    }
                })
                .collect();
            cells.join("  ").trim_end().to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_rows_line_up_columns_of_any_width() {
        let rows = [
            ["mass_evaluation".to_string(), "0.5".into(), "*".into()],
            ["a".to_string(), "-12.25".into(), "".into()],
        ];
        let lines = aligned_rows(&rows, &[false, true, false]);
        assert_eq!(
            lines,
            ["mass_evaluation     0.5  *", "a                -12.25"]
        );
        // Characters, not bytes: a cell with "−" or "—" lines up too.
        let dash = [
            ["—".to_string(), "x".into()],
            ["ab".to_string(), "y".into()],
        ];
        assert_eq!(aligned_rows(&dash, &[false; 2]), ["—   x", "ab  y"]);
    }

    #[test]
    fn shell_words_are_quoted_only_where_a_shell_would_split_or_expand_them() {
        assert_eq!(shell_word("out/c_calibration"), "out/c_calibration");
        assert_eq!(shell_word("my runs"), "'my runs'");
        assert_eq!(
            shell_word("selection.rule=\"election\""),
            "'selection.rule=\"election\"'"
        );
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
        let overrides = [
            ("scenario.seed".to_string(), "3".to_string()),
            ("world.villages".to_string(), "6".to_string()),
        ];
        assert_eq!(
            calibrate_command("c.toml", "my dir", &overrides, None),
            "grassroots calibrate c.toml --out 'my dir' --seed 3 --set world.villages=6"
        );
    }
}
