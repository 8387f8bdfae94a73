//! Studies as a library: plan a comparison of variants or a parameter sweep,
//! run the runs a store lacks, accumulate the results, and add replicates
//! until a target precision is reached — without the command line, as Mesa's
//! `batch_run` or Agents.jl's `paramscan` (`docs/studies.md`).
//!
//! ```no_run
//! use grassroots::study::runner::{Study, StudyFile};
//! use grassroots::output::{DirLock, store::Store};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let text = std::fs::read_to_string("scenarios/policy_comparison.toml")?;
//! let file = StudyFile::parse(&text, "policy_comparison.toml", &[], None)?;
//! let study = Study::compare(&[file], &[])?;
//! let dir = std::path::Path::new("output/my_study");
//! let lock = DirLock::acquire(dir, "my analysis")?;
//! let store = Store::open(dir, &lock)?;
//! study.run_missing(&store, None, Some(2), &())?;
//! let results = study.results(&store, |_, _| Ok::<_, grassroots::output::OutputError>(()))?;
//! println!("{}", grassroots::output::csv::comparison_table(&study.plan, &results)?);
//! # Ok(()) }
//! ```
//!
//! The run store is an interface ([`RunStore`]): the library decides which
//! runs are missing and what to run; `output::store::Store` keeps them as
//! verified files, one per run.

use super::analysis::{self, CompareAccumulator, Welford};
use super::plan::{
    MAX_RUNS, Plan, Run, Shape, StudyKind, StudySize, Variant, estimate_plan_memory, fill_runs,
    latin_hypercube, study_size, sweep_parameters, sweep_points,
};
use crate::engine::Simulation;
use crate::metrics::{Distributions, N_METRICS};
use crate::scenario::{BaseLoader, Scenario, ScenarioErrors};
use crate::study::StoredRun;
use crate::study::spec::{
    BASELINE, BurnInPolicy, StudySpec, SweepDesign, check_with_scenario, parse_spec,
};
use rayon::prelude::*;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// A study's inputs are invalid: each message says where and what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StudyError {
    /// Problems of a scenario file or its study sections (file, line,
    /// column and key each), or of a variant's or environment's overrides.
    #[error("{0}")]
    Scenario(ScenarioErrors),
    /// Problems of both a scenario file and its study sections.
    #[error("{0}\n{1}")]
    ScenarioAndSections(ScenarioErrors, ScenarioErrors),
    /// The study has more cells or runs than a study may have.
    #[error("{file}: {why}")]
    TooLarge {
        /// The scenario file, as shown.
        file: String,
        /// The figures, the cap and what to do.
        why: String,
    },
    /// Two variants of a comparison have one name.
    #[error("two variants of the comparison are both named `{0}`; rename a scenario or a variant")]
    DuplicateVariant(String),
    /// The scenarios of a study run different numbers of months.
    #[error(
        "all scenarios of a study must run the same months: `{first}` has {first_months} and `{other}` has {other_months}"
    )]
    MonthsDiffer {
        /// The first scenario's name.
        first: String,
        /// Its months.
        first_months: u32,
        /// A scenario with other months.
        other: String,
        /// Its months.
        other_months: u32,
    },
    /// `sweep` of a file without a `[sweep]` section.
    #[error(
        "{0}: no [sweep] section; add for example\n[sweep.grid]\n\"supervision.mass_supervision\" = [0.05, 0.15, 0.3]"
    )]
    NoSweep(String),
    /// `sensitivity` or `calibrate` of a file without the section it needs.
    #[error("{file}: no [{section}] section; add for example\n{example}")]
    NoSection {
        /// The scenario file, as shown.
        file: String,
        /// The section missing.
        section: &'static str,
        /// A minimal example of it.
        example: &'static str,
    },
    /// `compare` without a scenario file (or a variant whose file is not given).
    #[error("a comparison needs a scenario file")]
    NoFile,
    /// A command-line override sets a parameter the study varies.
    #[error(
        "--set {key}=… fixes a parameter that {section} varies, so the study would label its results with values its runs did not use; remove the --set, or remove `{key}` from {section}"
    )]
    OverridesFactor {
        /// The dotted key.
        key: String,
        /// Where it is varied: `[sensitivity]`, `[calibration]`, `[sweep]`,
        /// `[uncertainty]` or a variant of `[[variants]]`.
        section: String,
    },
}

/// Refuse command-line overrides of parameters a study section varies
/// (`section` as shown, e.g. `[sweep]`).
pub(super) fn refuse_overridden_keys<'a>(
    overrides: &[(String, String)],
    varied: impl IntoIterator<Item = &'a str>,
    section: &str,
) -> Result<(), StudyError> {
    let varied: Vec<&str> = varied.into_iter().collect();
    match overrides.iter().find(|(k, _)| varied.contains(&k.as_str())) {
        Some((key, _)) => Err(StudyError::OverridesFactor {
            key: key.clone(),
            section: section.to_string(),
        }),
        None => Ok(()),
    }
}

/// Refuse command-line overrides of parameters that the variants named
/// `used` set (`role`: how the section uses them, e.g. "policy of
/// [sensitivity]"): the variant would silently lose its override.
pub(super) fn refuse_overridden_variants(
    overrides: &[(String, String)],
    file: &StudyFile,
    used: &[String],
    role: &str,
) -> Result<(), StudyError> {
    for v in file.spec.variants.iter().filter(|v| used.contains(&v.name)) {
        refuse_overridden_keys(
            overrides,
            v.overrides.iter().map(|(k, _)| k.as_str()),
            &format!("the {role} `{}`", v.name),
        )?;
    }
    Ok(())
}

/// Refuse command-line overrides of parameters a `[section]` varies.
pub(super) fn refuse_overridden_factors(
    overrides: &[(String, String)],
    varied: &[super::methods::ParamRange],
    section: &'static str,
) -> Result<(), StudyError> {
    refuse_overridden_keys(
        overrides,
        varied.iter().map(|r| r.key.as_str()),
        &format!("[{section}]"),
    )
}

/// Running a study failed: the worker threads could not start, or the store
/// failed (its own error, unchanged).
#[derive(Debug, thiserror::Error)]
pub enum RunError<E: std::error::Error + 'static> {
    /// The thread pool asked for could not be started.
    #[error("could not start worker threads: {0}")]
    Threads(#[source] rayon::ThreadPoolBuildError),
    /// The run store failed.
    #[error(transparent)]
    Store(E),
    /// [`target_ci`] on a study with several environments: its intervals
    /// are across environments, which more replicates do not narrow.
    #[error(
        "a target for the confidence intervals cannot be reached by adding replicates when the study has {0} environments ([uncertainty]): its intervals are across environments, and more replicates only make each environment's mean more precise; raise `[uncertainty] samples` instead, or give the replicates"
    )]
    TargetAcrossEnvironments(usize),
}

/// A scenario file of a study: its resolved base scenario and its study
/// sections (variants, `[compare]`, `[sweep]`, `[uncertainty]`).
#[derive(Debug, Clone)]
pub struct StudyFile {
    /// The file's name as shown in messages.
    pub shown: String,
    /// The base scenario, with the command-line overrides applied.
    pub base: Scenario,
    /// The study sections, checked against the base scenario.
    pub spec: StudySpec,
}

impl StudyFile {
    /// Parse scenario text named `shown` with `overrides` (dotted key, TOML
    /// literal); `loader` reads the file named by `scenario.base`. Every
    /// problem of the scenario and of the study sections is reported at once.
    pub fn parse(
        text: &str,
        shown: &str,
        overrides: &[(String, String)],
        loader: Option<BaseLoader<'_>>,
    ) -> Result<StudyFile, StudyError> {
        let scenario = Scenario::from_toml_with(text, shown, overrides, loader);
        let spec = parse_spec(text, shown);
        match (scenario, spec) {
            (Ok(base), Ok(mut spec)) => {
                check_with_scenario(&mut spec, &base, text, shown).map_err(StudyError::Scenario)?;
                Ok(StudyFile {
                    shown: shown.to_string(),
                    base,
                    spec,
                })
            }
            (Err(a), Err(b)) => Err(StudyError::ScenarioAndSections(a, b)),
            (Err(a), _) | (_, Err(a)) => Err(StudyError::Scenario(a)),
        }
    }
}

/// A slice `K/N` of a study's runs (for a cluster job array).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shard {
    /// Which slice, from 1.
    pub k: u32,
    /// How many slices.
    pub n: u32,
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}`: expected K/N with 1 ≤ K ≤ N, e.g. 3/10");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

/// A target for the 95 % CI half-width: absolute (`0.01`) or relative to the
/// outcome's mean (`5%`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TargetCi {
    /// Half-width at most this, in the outcome's units.
    Absolute(f64),
    /// Half-width at most this share of |mean|.
    Relative(f64),
}

impl FromStr for TargetCi {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "`{s}`: expected a positive number (absolute half-width) or a percentage such as 5%"
            )
        };
        let t = s.trim();
        let (number, relative) = match t.strip_suffix('%') {
            Some(n) => (n, true),
            None => (t, false),
        };
        let x: f64 = number.trim().parse().map_err(|_| bad())?;
        if !(x > 0.0 && x.is_finite()) {
            return Err(bad());
        }
        Ok(if relative {
            TargetCi::Relative(x / 100.0)
        } else {
            TargetCi::Absolute(x)
        })
    }
}

impl TargetCi {
    /// A half-width in the target's terms: a share of |mean| to four
    /// decimals of a per cent for a relative target (a miss never reads as
    /// the target), four decimals for an absolute one.
    pub fn shown(&self, w: f64) -> String {
        match self {
            TargetCi::Relative(_) => format!("{}% of |mean|", (w * 1e6).round() / 1e4),
            // Four significant digits at least: 0.00014 against 0.0001 never
            // reads as the target.
            TargetCi::Absolute(_) => {
                let digits = if w > 0.0 && w.is_finite() {
                    (3 - w.log10().floor() as i32).max(4) as usize
                } else {
                    4
                };
                format!("{w:.digits$}")
            }
        }
    }
}

impl std::fmt::Display for TargetCi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetCi::Absolute(x) => write!(f, "{x}"),
            // Rounded to a millionth of a per cent: `7%`, not `7.000000000000001%`.
            TargetCi::Relative(x) => write!(f, "{}% of |mean|", (x * 1e8).round() / 1e6),
        }
    }
}

/// Whether a stored run can be used.
#[derive(Debug, Clone, PartialEq)]
pub enum RunState {
    /// Not stored.
    Missing,
    /// Stored and verified.
    Valid,
    /// Stored but failing verification, and why.
    Damaged(String),
}

/// Where a study keeps its finished runs, by key (see [`Run::key`]).
pub trait RunStore: Sync {
    /// The store's error.
    type Error: std::error::Error + Send + Sync + 'static;
    /// Whether run `key` is stored, verified against `months` expected months.
    fn state(&self, key: &str, months: u32) -> RunState;
    /// Read and verify run `key`, which must have `months` months.
    fn read(&self, key: &str, months: u32) -> Result<StoredRun, Self::Error>;
    /// Store run `key`.
    fn write(&self, key: &str, run: &StoredRun) -> Result<(), Self::Error>;
    /// Refuse, before any run starts, a run that could not be stored.
    fn prepare(&self, _key: &str) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// What a study reports while it runs (a progress bar, warnings); `()`
/// reports nothing.
///
/// A study that grows — [`target_ci`] adding replicates, a calibration's
/// generations — announces each further batch with [`Progress::start`] and
/// [`Progress::start_steps`] again: the announcements add up to the work of
/// the study so far.
pub trait Progress: Sync {
    /// A stored run is damaged (`why`) and will be run again.
    fn damaged(&self, _key: &str, _why: &str) {}
    /// `runs` runs are about to run.
    fn start(&self, _runs: usize) {}
    /// The runs just announced by [`Progress::start`] will step
    /// `village_months` village-months in all (see
    /// [`Simulation::village_months`]).
    fn start_steps(&self, _village_months: u64) {}
    /// A counter the engine adds each village-month it steps to
    /// ([`Simulation::counting`]), so that a study of few large runs shows
    /// progress within its runs; `None` (the default): not counted.
    fn steps(&self) -> Option<Arc<AtomicU64>> {
        None
    }
    /// One run finished.
    fn done(&self) {}
}

impl Progress for () {}

/// A study before its cells are resolved: its plan without scenarios and
/// runs, and its size (known to fit the caps). Resolving costs memory in
/// proportion to the cells; check [`Outline::plan_memory`] first.
#[derive(Debug, Clone)]
pub struct Outline {
    /// The plan, without `scenarios` and `runs`.
    pub plan: Plan,
    /// Its size.
    pub size: StudySize,
}

/// Refuse a study beyond the caps on cells and runs, before building it.
fn size(shape: Shape<'_>, replicates: u32, shown: &str) -> Result<StudySize, StudyError> {
    study_size(shape, replicates).map_err(|why| StudyError::TooLarge {
        file: shown.to_string(),
        why,
    })
}

/// The name of a comparison of `files`: the first file's scenario name, and
/// with several files the others' too (`a_vs_b`), so comparisons of the
/// baseline with different reforms get directories of their own; past 80
/// characters, `a_vs_N_others`.
fn compared_name(files: &[StudyFile]) -> String {
    let names: Vec<&str> = files
        .iter()
        .map(|f| f.base.scenario.name.as_str())
        .collect();
    let joined = names.join("_vs_");
    match names.len() {
        0 => String::new(),
        1 => joined,
        _ if joined.len() <= 80 => joined,
        n => format!("{}_vs_{}_others", names[0], n - 1),
    }
}

/// The overrides that change a run's or study's question: `--set` and
/// `--seed`, not `--replicates` (which only changes its precision).
pub fn question_overrides(overrides: &[(String, String)]) -> Vec<(String, String)> {
    overrides
        .iter()
        .filter(|(k, _)| k != "scenario.replicates")
        .cloned()
        .collect()
}

/// A plan's fields common to every kind, from the first scenario file.
pub(super) fn plan_of(
    kind: StudyKind,
    name: String,
    files: &[StudyFile],
    variants: Vec<Variant>,
    environments: Vec<Vec<(String, String)>>,
    parameters: Vec<String>,
    overrides: &[(String, String)],
) -> Plan {
    let first = &files[0];
    Plan {
        target_ci: None,
        kind,
        name,
        sources: files.iter().map(|s| s.shown.clone()).collect(),
        variants,
        environments,
        parameters,
        outcomes: first.spec.compare.outcomes.clone(),
        window_months: first.spec.compare.window_months,
        months: first.base.scenario.months,
        replicates: first.base.scenario.replicates,
        common_random_numbers: first.spec.compare.common_random_numbers,
        meaningful_difference: first.spec.compare.meaningful_difference,
        // Only a comparison has a status quo to burn in under; sweeps,
        // sensitivity designs and calibrations burn in each point as it is.
        burn_in_policy: match kind {
            StudyKind::Compare => first.spec.compare.burn_in_policy,
            _ => BurnInPolicy::Variant,
        },
        scenarios: vec![],
        runs: vec![],
        model: crate::model_identity(),
        overrides: question_overrides(overrides),
        sensitivity: None,
        calibration: None,
    }
}

impl Outline {
    /// A comparison of the first file's base scenario (the baseline) with its
    /// variants and with every further file's base and variants (named
    /// `<scenario name>.<variant>`); with `[uncertainty]`, in each sampled
    /// environment. `overrides` are applied to every cell.
    pub fn compare(
        files: &[StudyFile],
        overrides: &[(String, String)],
    ) -> Result<Outline, StudyError> {
        let first = files.first().ok_or(StudyError::NoFile)?;
        let mut variants = Vec::new();
        for (i, src) in files.iter().enumerate() {
            let prefix = (i > 0).then(|| src.base.scenario.name.clone());
            variants.push(Variant {
                name: prefix.clone().unwrap_or_else(|| BASELINE.to_string()),
                source: i,
                overrides: vec![],
            });
            for v in &src.spec.variants {
                let name = match &prefix {
                    Some(p) => format!("{p}.{}", v.name),
                    None => v.name.clone(),
                };
                variants.push(Variant {
                    name,
                    source: i,
                    overrides: v.overrides.clone(),
                });
            }
        }
        let mut names = std::collections::HashSet::new();
        if let Some(twice) = variants.iter().find(|a| !names.insert(a.name.as_str())) {
            return Err(StudyError::DuplicateVariant(twice.name.clone()));
        }
        for v in &variants {
            refuse_overridden_keys(
                overrides,
                v.overrides.iter().map(|(k, _)| k.as_str()),
                &format!("the variant `{}` of [[variants]]", v.name),
            )?;
        }
        let uncertainty = first.spec.uncertainty.as_ref();
        if let Some(u) = uncertainty {
            refuse_overridden_factors(overrides, &u.ranges, "uncertainty")?;
        }
        let size = size(
            Shape::Compare {
                variants: variants.len() as u64,
                environments: uncertainty.map_or(1, |u| u64::from(u.samples)),
            },
            first.base.scenario.replicates,
            &first.shown,
        )?;
        let environments = match uncertainty {
            Some(u) => latin_hypercube(&u.ranges, u.samples, first.base.scenario.seed, 2),
            None => vec![vec![]],
        };
        let name = format!("{}_compare", compared_name(files));
        let plan = plan_of(
            StudyKind::Compare,
            name,
            files,
            variants,
            environments,
            vec![],
            overrides,
        );
        Ok(Outline { plan, size })
    }

    /// The `[sweep]` of a scenario file: one variant per point of its grid
    /// or Latin hypercube.
    pub fn sweep(file: &StudyFile, overrides: &[(String, String)]) -> Result<Outline, StudyError> {
        let Some(design) = &file.spec.sweep else {
            return Err(StudyError::NoSweep(file.shown.clone()));
        };
        // A key the grid holds at the --set value alone (as `bench
        // --small-runs` builds it) labels its runs rightly.
        let pinned = |key: &str| match design {
            SweepDesign::Grid(axes) => axes.iter().any(|(k, values)| {
                k == key
                    && overrides
                        .iter()
                        .any(|(o, literal)| o == key && values.iter().all(|v| v == literal))
            }),
            SweepDesign::LatinHypercube { .. } => false,
        };
        let swept = sweep_parameters(design);
        refuse_overridden_keys(
            overrides,
            swept.iter().map(String::as_str).filter(|k| !pinned(k)),
            "[sweep]",
        )?;
        let size = size(
            Shape::Sweep(design),
            file.base.scenario.replicates,
            &file.shown,
        )?;
        let points = sweep_points(design, file.base.scenario.seed)
            .into_iter()
            .enumerate()
            .map(|(i, overrides)| Variant {
                name: i.to_string(),
                source: 0,
                overrides,
            })
            .collect();
        let name = format!("{}_sweep", file.base.scenario.name);
        let plan = plan_of(
            StudyKind::Sweep,
            name,
            std::slice::from_ref(file),
            points,
            vec![vec![]],
            sweep_parameters(design),
            overrides,
        );
        Ok(Outline { plan, size })
    }

    /// The most replicates `--target-ci` may reach: `most`, within the cap
    /// on runs, and no fewer than the plan starts with.
    pub fn replicate_cap(&self, most: u32) -> u32 {
        let within = u32::try_from(MAX_RUNS / self.size.cells.max(1)).unwrap_or(u32::MAX);
        most.min(within).max(self.plan.replicates)
    }

    /// The size with `replicates` replicates per cell.
    pub fn size_with(&self, replicates: u32) -> StudySize {
        StudySize {
            runs: self.size.cells * u64::from(replicates),
            ..self.size
        }
    }

    /// Estimated bytes of the resolved plan at `size`.
    pub fn plan_memory(&self, size: &StudySize) -> u64 {
        estimate_plan_memory(size, plan_overrides(&self.plan))
    }

    /// Resolve the scenario of every (variant, environment) cell and list
    /// every run with its seed and key. `files` and `overrides` are those the
    /// outline was made from.
    pub fn resolve(
        self,
        files: &[StudyFile],
        overrides: &[(String, String)],
    ) -> Result<Study, StudyError> {
        let mut plan = self.plan;
        plan.scenarios = resolve_cells(&plan, files, overrides)?;
        fill_runs(&mut plan);
        Ok(Study { plan })
    }
}

/// A cell set up and burnt in under its file's base scenario (with the
/// environment, the variant's set-up keys — `[world]` and
/// `schema::SET_UP_KEYS` — and the command line), the
/// variant's other overrides taking effect at month 0 as a change before
/// the file's own changes (`BurnInPolicy::Baseline`). A command-line
/// override keeps precedence over the variant's value of the same key.
fn burnt_in_under_base(
    base: &Scenario,
    env: &[(String, String)],
    variant: &[(String, String)],
    cli: &[(String, String)],
    origin: &str,
) -> Result<Scenario, StudyError> {
    let (world, policy): (Vec<_>, Vec<_>) = variant
        .iter()
        .cloned()
        .partition(|(k, _)| crate::scenario::schema::sets_up(k));
    let setup: Vec<(String, String)> = env.iter().chain(&world).chain(cli).cloned().collect();
    let mut cell = base
        .with_checked_overrides(&setup, origin)
        .map_err(StudyError::Scenario)?;
    let set: Vec<(String, String)> = policy
        .into_iter()
        .filter(|(k, _)| !cli.iter().any(|(c, _)| c == k))
        .collect();
    if !set.is_empty() {
        cell.changes
            .insert(0, crate::scenario::Change { month: 0, set });
    }
    Ok(cell)
}

/// The overrides a plan holds in its variants and environments.
pub fn plan_overrides(plan: &Plan) -> u64 {
    let variants: usize = plan.variants.iter().map(|a| a.overrides.len()).sum();
    let envs: usize = plan.environments.iter().map(|e| e.len()).sum();
    (variants + envs) as u64
}

/// Resolve the scenario of every (variant, environment) cell: the overrides
/// of the environment, the variant and the command line over the variant's
/// file's scenario, which was resolved once (so the cost is linear in the
/// cells, whatever the size of the file).
fn resolve_cells(
    plan: &Plan,
    files: &[StudyFile],
    overrides: &[(String, String)],
) -> Result<Vec<Scenario>, StudyError> {
    let word = match plan.kind {
        StudyKind::Compare => "variant",
        StudyKind::Sweep => "sweep point",
        StudyKind::Sensitivity => "design point",
        StudyKind::Calibration => "proposal",
    };
    let mut cells = Vec::with_capacity(plan.variants.len() * plan.environments.len());
    let mut all = Vec::new();
    for variant in &plan.variants {
        // A plan's variants come from its files (`Outline::compare`, `sweep`).
        let Some(src) = files.get(variant.source) else {
            return Err(StudyError::NoFile);
        };
        for (e, env) in plan.environments.iter().enumerate() {
            all.clear();
            all.extend(
                env.iter()
                    .chain(&variant.overrides)
                    .chain(overrides)
                    .cloned(),
            );
            let origin = if plan.environments.len() > 1 {
                format!("{} ({word} `{}`, environment {e})", src.shown, variant.name)
            } else {
                format!("{} ({word} `{}`)", src.shown, variant.name)
            };
            let cell = src
                .base
                .with_checked_overrides(&all, &origin)
                .map_err(StudyError::Scenario)?;
            cells.push(match plan.burn_in_policy {
                BurnInPolicy::Variant => cell,
                BurnInPolicy::Baseline => {
                    burnt_in_under_base(&src.base, env, &variant.overrides, overrides, &origin)?
                }
            });
        }
    }
    if let Some(bad) = cells
        .iter()
        .find(|c| c.scenario.months != cells[0].scenario.months)
    {
        return Err(StudyError::MonthsDiffer {
            first: cells[0].scenario.name.clone(),
            first_months: cells[0].scenario.months,
            other: bad.scenario.name.clone(),
            other_months: bad.scenario.months,
        });
    }
    Ok(cells)
}

/// A planned study: every variant, environment and run (see [`Plan`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    /// The plan (written as `plan.json`).
    pub plan: Plan,
}

/// The accumulated results of a study's runs.
#[derive(Debug, Clone)]
pub struct Results {
    /// Every variant's outcomes, per environment and pooled, and paired
    /// differences from the baseline.
    pub outcomes: CompareAccumulator,
    /// Comparisons: every metric of every variant, month by month.
    over_time: Vec<Welford>,
    months: usize,
    /// Every variant's final-month distributions, pooled over its runs.
    distributions: Vec<Distributions>,
    /// A sweep whose points share seeds, or a sensitivity analysis: every
    /// run's outcome values, for differences between points (design points)
    /// paired by replicate.
    pub points: Option<analysis::PointReplicates>,
}

impl Results {
    /// Results holding only the outcomes' accumulator (for analyses tested
    /// without running a study).
    pub fn from_outcomes(outcomes: CompareAccumulator, months: usize) -> Results {
        Results {
            outcomes,
            over_time: vec![],
            months,
            distributions: vec![],
            points: None,
        }
    }

    /// The final-month distributions of variant `variant`, pooled over its
    /// replicates and environments (`None` where not accumulated: the
    /// target-CI loop's interim results).
    pub fn distributions(&self, variant: usize) -> Option<&Distributions> {
        self.distributions.get(variant)
    }

    /// Statistics of `metric` (an index of `METRICS`) of variant `variant`
    /// in month `month` across its runs (comparisons only; `None` for sweeps).
    pub fn over_time(&self, variant: usize, month: usize, metric: usize) -> Option<&Welford> {
        self.over_time
            .get((variant * self.months + month) * N_METRICS + metric)
    }

    /// Months per run.
    pub fn months(&self) -> usize {
        self.months
    }
}

impl Study {
    /// Plan a comparison (see [`Outline::compare`]).
    pub fn compare(
        files: &[StudyFile],
        overrides: &[(String, String)],
    ) -> Result<Study, StudyError> {
        Outline::compare(files, overrides)?.resolve(files, overrides)
    }

    /// Plan a sweep (see [`Outline::sweep`]).
    pub fn sweep(file: &StudyFile, overrides: &[(String, String)]) -> Result<Study, StudyError> {
        Outline::sweep(file, overrides)?.resolve(std::slice::from_ref(file), overrides)
    }

    /// The runs of the study (or of one shard) that `store` lacks or holds
    /// damaged, each key once, in plan order, with the reason a stored run
    /// cannot be used (`None` if missing).
    pub fn missing<'a, S: RunStore>(
        &'a self,
        store: &S,
        shard: Option<Shard>,
    ) -> Vec<(&'a Run, Option<String>)> {
        let runs: Box<dyn Iterator<Item = &Run>> = match shard {
            Some(s) => Box::new(self.plan.shard(s.k, s.n)),
            None => Box::new(self.plan.runs.iter()),
        };
        let mut seen = std::collections::HashSet::new();
        runs.filter(|r| seen.insert(r.key.as_str()))
            .filter_map(|r| match store.state(&r.key, self.plan.months) {
                RunState::Valid => None,
                RunState::Missing => Some((r, None)),
                RunState::Damaged(why) => Some((r, Some(why))),
            })
            .collect()
    }

    /// Run the runs of the study (or of one shard) that `store` lacks or
    /// holds damaged, in parallel on `threads` worker threads (`None`: the
    /// current rayon pool), and store them; returns how many ran. Damaged
    /// runs are reported to `progress` before anything runs.
    pub fn run_missing<S: RunStore>(
        &self,
        store: &S,
        shard: Option<Shard>,
        threads: Option<usize>,
        progress: &dyn Progress,
    ) -> Result<usize, RunError<S::Error>> {
        let todo = self.missing(store, shard);
        // A place a run cannot be written to is refused before anything is
        // reported or run.
        for (r, _) in &todo {
            store.prepare(&r.key).map_err(RunError::Store)?;
        }
        for (r, why) in &todo {
            if let Some(why) = why {
                progress.damaged(&r.key, why);
            }
        }
        let todo: Vec<&Run> = todo.into_iter().map(|(r, _)| r).collect();
        progress.start(todo.len());
        progress.start_steps(
            todo.iter()
                .map(|r| {
                    Simulation::village_months(
                        &self.plan.scenarios[self.plan.cell(r.variant, r.environment)],
                    )
                })
                .sum(),
        );
        let run = || self.run(&todo, store, progress);
        match threads {
            None => run(),
            Some(n) => rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(RunError::Threads)?
                .install(run),
        }
        .map_err(RunError::Store)
    }

    /// Run `todo` in parallel on the current pool and store each run.
    fn run<S: RunStore>(
        &self,
        todo: &[&Run],
        store: &S,
        progress: &dyn Progress,
    ) -> Result<usize, S::Error> {
        // At most one run per worker thread is alive at a time (see
        // `study::run_replicates`), so memory follows the estimate.
        let steps = progress.steps();
        for batch in todo.chunks(rayon::current_num_threads().max(1)) {
            let results: Vec<Result<(), S::Error>> = batch
                .par_iter()
                .map(|r| {
                    let s = &self.plan.scenarios[self.plan.cell(r.variant, r.environment)];
                    let mut sim = Simulation::new(s, r.seed);
                    if let Some(c) = &steps {
                        sim = sim.counting(c.clone());
                    }
                    let recorded = sim.run_detailed(false);
                    let result = store.write(
                        &r.key,
                        &StoredRun {
                            months: recorded.months,
                            distributions: recorded.distributions,
                        },
                    );
                    progress.done();
                    result
                })
                .collect();
            results.into_iter().collect::<Result<Vec<()>, _>>()?;
        }
        Ok(todo.len())
    }

    /// Accumulate the results of every run of the plan from `store`, reading
    /// each run once, in plan order (memory does not grow with the runs);
    /// `on_run` sees each run's outcome values (final, window) as it is read.
    pub fn results<S, E>(
        &self,
        store: &S,
        on_run: impl FnMut(&Run, &[[f64; 2]]) -> Result<(), E>,
    ) -> Result<Results, E>
    where
        S: RunStore,
        E: From<S::Error>,
    {
        self.accumulate(store, true, on_run)
    }

    /// [`Study::results`], with every metric over time (comparisons) and
    /// the pooled distributions only if `over_time` (the target-CI loop
    /// needs the outcomes alone).
    fn accumulate<S, E>(
        &self,
        store: &S,
        over_time: bool,
        mut on_run: impl FnMut(&Run, &[[f64; 2]]) -> Result<(), E>,
    ) -> Result<Results, E>
    where
        S: RunStore,
        E: From<S::Error>,
    {
        let plan = &self.plan;
        let outcomes = analysis::outcome_indices(&plan.outcomes);
        let compare = plan.kind == StudyKind::Compare;
        let (n_variants, n_env) = (plan.variants.len(), plan.environments.len());
        let months = plan.months as usize;
        let mut acc = CompareAccumulator::new(n_variants, n_env, outcomes.len());
        // Differences between points need two points and two replicates.
        let paired_sweep = matches!(plan.kind, StudyKind::Sweep | StudyKind::Sensitivity)
            && plan.paired_runs()
            && n_variants >= 2
            && plan.replicates >= 2;
        let mut points = paired_sweep.then(|| {
            analysis::PointReplicates::new(n_variants, plan.replicates as usize, outcomes.len())
        });
        // A sensitivity analysis pairs each policy's runs with the baseline
        // arm of the same design point (its replicate noise, `analyse`).
        let arms = plan.sensitivity.as_ref().map(|s| 1 + s.policies.len());
        if let Some(arms) = arms {
            acc = acc.with_references((0..n_variants).map(|v| v / arms * arms).collect());
        }
        let mut distributions = match over_time {
            true => vec![Distributions::default(); n_variants],
            false => vec![],
        };
        let mut over_time = match compare && over_time {
            true => vec![Welford::default(); n_variants * months * N_METRICS],
            false => vec![],
        };
        // With several environments the unit of `summary.csv` is the
        // environment (as for the outcomes, `CompareAccumulator::unit`): the
        // month's metrics are summed over a cell's replicates and their mean
        // added once the cell's runs are done. A cell's runs are read
        // together: in the plan's order, which `fill_runs` groups by
        // (variant, environment), or grouped so here if a plan is not.
        let by_environment = !over_time.is_empty() && n_env > 1;
        let mut order: Vec<&Run> = plan.runs.iter().collect();
        order.sort_by_key(|r| (r.variant, r.environment));
        let mut cell_sums = vec![
            0.0f64;
            if by_environment {
                months * N_METRICS
            } else {
                0
            }
        ];
        let mut cell: Option<(usize, u32)> = None;
        let flush = |over_time: &mut [Welford], sums: &mut [f64], cell: (usize, u32)| {
            let per_month = over_time.chunks_mut(N_METRICS).skip(cell.0 * months);
            for (row, cells) in sums.chunks_mut(N_METRICS).zip(per_month) {
                for (x, c) in row.iter_mut().zip(cells) {
                    c.add(*x / f64::from(cell.1));
                    *x = 0.0;
                }
            }
        };
        for r in order {
            let stored = store.read(&r.key, plan.months)?;
            let data = &stored.months;
            if let Some(d) = distributions.get_mut(r.variant as usize) {
                d.add(&stored.distributions);
            }
            let values = analysis::outcome_values(data, &outcomes, plan.window_months);
            let (variant, env) = (r.variant as usize, r.environment as usize);
            if compare {
                acc.add_run(variant, env, r.replicate, &values);
                if by_environment {
                    match cell {
                        Some((c, _)) if c == variant * n_env + env => {}
                        Some((c, n)) => {
                            flush(&mut over_time, &mut cell_sums, (c / n_env, n));
                            cell = Some((variant * n_env + env, 0));
                        }
                        None => cell = Some((variant * n_env + env, 0)),
                    }
                    if let Some((_, n)) = cell.as_mut() {
                        *n += 1;
                    }
                    for (row, sums) in data
                        .iter()
                        .take(months)
                        .zip(cell_sums.chunks_mut(N_METRICS))
                    {
                        for (x, sum) in row.iter().zip(sums) {
                            *sum += *x;
                        }
                    }
                } else {
                    // Empty (nothing to add) unless asked for.
                    let per_month = over_time.chunks_mut(N_METRICS).skip(variant * months);
                    for (row, cells) in data.iter().take(months).zip(per_month) {
                        for (x, cell) in row.iter().zip(cells) {
                            cell.add(*x);
                        }
                    }
                }
            } else if arms.is_some() {
                acc.add_run(variant, env, r.replicate, &values);
                if let Some(t) = points.as_mut() {
                    t.add(variant, r.replicate as usize, &values);
                }
            } else {
                acc.add(variant, env, &values);
                if let Some(t) = points.as_mut() {
                    t.add(variant, r.replicate as usize, &values);
                }
            }
            on_run(r, &values)?;
        }
        if let Some((c, n)) = cell {
            flush(&mut over_time, &mut cell_sums, (c / n_env, n));
        }
        Ok(Results {
            outcomes: acc,
            over_time,
            months,
            distributions,
            points,
        })
    }
}

/// Why shards of a study cannot be merged.
#[derive(Debug, Clone, PartialEq)]
pub enum ShardProblem {
    /// Shard `shard` holds run `key` damaged.
    Damaged {
        /// Index of the shard.
        shard: usize,
        /// The run's key.
        key: String,
        /// What is wrong with it.
        why: String,
    },
    /// Runs of the study that no shard holds.
    Missing {
        /// Runs missing.
        missing: usize,
        /// Distinct runs of the study.
        total: usize,
    },
}

impl Study {
    /// The distinct keys of the study's runs, in plan order.
    pub fn keys(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.plan
            .runs
            .iter()
            .map(|r| r.key.as_str())
            .filter(|k| seen.insert(*k))
            .collect()
    }

    /// Check, before anything is merged, that the shards' stores together
    /// hold every run of the study and that none holds a damaged run.
    pub fn check_shards<S: RunStore>(&self, shards: &[S]) -> Result<(), ShardProblem> {
        let keys = self.keys();
        let mut missing = 0;
        for key in &keys {
            let mut found = false;
            for (i, shard) in shards.iter().enumerate() {
                match shard.state(key, self.plan.months) {
                    RunState::Valid => found = true,
                    RunState::Missing => {}
                    RunState::Damaged(why) => {
                        return Err(ShardProblem::Damaged {
                            shard: i,
                            key: key.to_string(),
                            why,
                        });
                    }
                }
            }
            missing += usize::from(!found);
        }
        match missing {
            0 => Ok(()),
            _ => Err(ShardProblem::Missing {
                missing,
                total: keys.len(),
            }),
        }
    }
}

/// How a [`target_ci`] loop ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetOutcome {
    /// Whether every half-width reached the target (otherwise the cap on
    /// replicates was reached).
    pub reached: bool,
    /// The widest 95 % CI half-width (relative for a relative target);
    /// `None` where a CI cannot be computed.
    pub widest: Option<f64>,
    /// Runs run by the loop.
    pub ran: usize,
}

/// The fewest replicates at which [`target_ci`] may stop (unless its cap is
/// lower): below them the sample sd that decides the stop is too unsure, and
/// a stop from a few replicates that happen to agree (one mode of a
/// multimodal outcome) leaves an interval that misses (docs/studies.md,
/// "Enough replicates").
pub const TARGET_CI_MIN_REPLICATES: u32 = 10;

/// Run a comparison, doubling its replicates (0..n, then n..2n, in order)
/// until every outcome's 95 % CI half-width — every variant, outcome and
/// measure — is at most `target` with at least
/// [`TARGET_CI_MIN_REPLICATES`], or the study has `cap` replicates. The
/// study's plan then holds the replicates reached: the result equals asking
/// for that many replicates. Refused for a study with several environments
/// ([`RunError::TargetAcrossEnvironments`]). `on_round` sees the plan before each round's
/// runs (the CLI keeps `plan.json` current with it, so a study killed in
/// the loop says how far it had grown).
pub fn target_ci<S: RunStore>(
    study: &mut Study,
    store: &S,
    target: TargetCi,
    cap: u32,
    threads: Option<usize>,
    progress: &dyn Progress,
    on_round: &mut dyn FnMut(&Plan) -> Result<(), S::Error>,
) -> Result<TargetOutcome, RunError<S::Error>> {
    if study.plan.environments.len() > 1 {
        return Err(RunError::TargetAcrossEnvironments(
            study.plan.environments.len(),
        ));
    }
    let mut ran = 0;
    loop {
        on_round(&study.plan).map_err(RunError::Store)?;
        ran += study.run_missing(store, None, threads, progress)?;
        let results = study
            .accumulate(store, false, |_, _| Ok::<(), S::Error>(()))
            .map_err(RunError::Store)?;
        let (widest, width) = match target {
            TargetCi::Absolute(w) => (results.outcomes.widest_ci(), w),
            TargetCi::Relative(w) => (results.outcomes.widest_relative_ci(), w),
        };
        let reached = widest.is_some_and(|w| w <= width)
            && study.plan.replicates >= TARGET_CI_MIN_REPLICATES.min(cap);
        // An outcome undefined (NaN) in some run: more replicates cannot
        // give it an interval, so stop now rather than at the cap.
        let undefined = widest.is_some_and(f64::is_nan);
        if reached || undefined || study.plan.replicates >= cap {
            study.plan.target_ci = Some(super::plan::StoppingRecord {
                target: target.to_string(),
                reached,
                widest: widest.filter(|w| !w.is_nan()).map(|w| target.shown(w)),
                replicates: study.plan.replicates,
                max_replicates: cap,
                undefined,
            });
            return Ok(TargetOutcome {
                reached,
                widest,
                ran,
            });
        }
        study.plan.replicates = (study.plan.replicates * 2).min(cap);
        fill_runs(&mut study.plan);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_target_reads_as_written() {
        let t: TargetCi = "7%".parse().unwrap();
        assert_eq!(t.to_string(), "7% of |mean|");
        let t: TargetCi = "2.5%".parse().unwrap();
        assert_eq!(t.to_string(), "2.5% of |mean|");
        assert_eq!(TargetCi::Absolute(0.01).to_string(), "0.01");
        let a = TargetCi::Absolute(0.0001);
        assert_eq!(a.shown(0.00014), "0.0001400");
        assert_eq!(a.shown(45.06), "45.0600");
    }
}
