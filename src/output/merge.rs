//! `merge`: the shard directories of one study into complete result files
//! (`docs/studies.md`, "Clusters"). Every shard's plan must be the same study
//! of the same model; every stored run is verified and together they must
//! hold the whole study before anything is written.

use super::study::{self, Assembled, Store};
use super::{DirLock, OutputError, claim_study_dir};
use crate::study::plan::Plan;
use crate::study::runner::{ShardProblem, Study};
use std::path::{Path, PathBuf};

/// What a merge did.
#[derive(Debug)]
pub struct Merged {
    /// Distinct shard directories merged.
    pub shards: usize,
    /// Stored runs copied into the output directory.
    pub copied: usize,
    /// The output directory.
    pub out: PathBuf,
    /// The study's plan.
    pub plan: Plan,
    /// The result files written and the study's results; `None` for a
    /// calibration, whose later generations `grassroots calibrate` runs from
    /// the merged first one.
    pub assembled: Option<Assembled>,
}

/// Why a merge did not happen.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// The directories are not shards of one complete study of this model;
    /// the message says what to do.
    #[error("{0}")]
    Refused(String),
    /// Reading or writing failed, or the output directory refused.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// Merge the shard directories `dirs` into `out` (default: the first shard):
/// check that they are one study of this model, verify every stored run and
/// that together they hold every run, copy the runs into `out`'s store and
/// assemble the result files. `command` names the holder of the lock;
/// `command_line` is recorded in the manifest.
pub fn merge(
    dirs: &[PathBuf],
    out: Option<PathBuf>,
    command: &str,
    command_line: &[String],
) -> Result<Merged, MergeError> {
    let plans = dirs
        .iter()
        .map(|d| {
            let plan = study::read_plan(d).map_err(|e| {
                MergeError::Refused(format!("{}: not a study directory ({e})", d.display()))
            })?;
            // A plan edited by hand is refused here, not found out by a
            // panic or by wrong results. Another model's plan is refused
            // below for what it is, whatever else it holds.
            if plan.model != crate::model_identity() {
                return Ok(plan);
            }
            plan.check()
                .and_then(|()| match plan.kind {
                    crate::study::plan::StudyKind::Sensitivity => {
                        crate::study::global_sensitivity::check_layout(&plan)
                    }
                    _ => Ok(()),
                })
                .map_err(|why| {
                MergeError::Refused(format!(
                    "{}: not a plan grassroots wrote ({why}); merge refused — run that shard again with the same command",
                    d.join("plan.json").display()
                ))
            })?;
            Ok(plan)
        })
        .collect::<Result<Vec<Plan>, MergeError>>()?;
    if let Some((i, p)) = plans
        .iter()
        .enumerate()
        .find(|(_, p)| p.model != plans[0].model)
    {
        return Err(MergeError::Refused(format!(
            "{} and {} were made by different builds (model `{}` and `{}`); merge only shards run by one build",
            dirs[0].display(),
            dirs[i].display(),
            plans[0].model,
            p.model
        )));
    }
    // The same study with the same runs (the scenario files may be spelled
    // differently, e.g. relative in one shard and absolute in another).
    let same = |p: &Plan| {
        p.differs_from(&plans[0]).is_none()
            && p.replicates == plans[0].replicates
            && p.runs == plans[0].runs
    };
    if let Some((i, p)) = plans.iter().enumerate().find(|(_, p)| !same(p)) {
        // How the second differs, in the words of a refused study.
        let how = match (p.differs_from(&plans[0]), plans[0].differs_from(p)) {
            // Both sides: "a holds command-line overrides X; b holds Y",
            // once where the words are the same ("other variants").
            (Some(first), Some(other)) if first == other => format!("they hold {first}"),
            (Some(first), Some(other)) => format!(
                "{} holds {first}; {} holds {other}",
                dirs[0].display(),
                dirs[i].display()
            ),
            (Some(what), None) => format!("{} holds {what}", dirs[0].display()),
            (None, _) if p.replicates != plans[0].replicates => format!(
                "{} replicates against {}: was each shard given the same --replicates?",
                plans[0].replicates, p.replicates
            ),
            (None, _) => "other runs".into(),
        };
        return Err(MergeError::Refused(format!(
            "{} and {} hold different studies ({how}); merge only shards of one study, planned with the same file, --set, --seed and --replicates",
            dirs[0].display(),
            dirs[i].display()
        )));
    }
    let study = Study {
        plan: plans[0].clone(),
    };
    let plan = &study.plan;
    let identity = crate::model_identity();
    if plan.model != identity {
        return Err(MergeError::Refused(format!(
            "{}: the shards were planned by model `{}`, but this grassroots is `{identity}`; merge them with the build that ran them, or run the shards again with this one",
            dirs[0].display(),
            if plan.model.is_empty() {
                "unknown (an older grassroots)"
            } else {
                &plan.model
            },
        )));
    }
    // Each shard once, however it is spelled.
    let mut seen = std::collections::HashSet::new();
    let dirs: Vec<&PathBuf> = dirs
        .iter()
        .filter(|d| seen.insert(d.canonicalize().unwrap_or_else(|_| d.to_path_buf())))
        .collect();
    let out = out.unwrap_or_else(|| dirs[0].clone());
    // Lock the output first, then share every other shard's lock, so no
    // shard is still being written while it is merged.
    let created = !out.exists();
    let created_parents = super::ownership::missing_parents(&out);
    study::refuse_another_study_early(&out, plan, None)?;
    let (lock, out) = claim_study_dir(&out, command)?;
    let same = |d: &Path| d.canonicalize().ok() == out.canonicalize().ok();
    let gathered = (|| -> Result<usize, MergeError> {
        let mut shared: Vec<DirLock> = Vec::new();
        for d in dirs.iter().filter(|d| !same(d)) {
            shared.extend(DirLock::acquire_shared(d)?);
        }
        study::check_same_study(&out, plan, None)?;
        // Verify every shard's runs, and that together they hold the whole
        // study, before anything is written.
        let shards: Vec<Store> = dirs.iter().map(|d| Store::open_read(d)).collect();
        match study.check_shards(&shards) {
            Ok(()) => {}
            Err(ShardProblem::Damaged { shard, key, why }) => {
                return Err(MergeError::Refused(format!(
                    "{}: damaged stored run ({why}); merge refused — run that shard again",
                    shards[shard].path(&key).display()
                )));
            }
            Err(ShardProblem::Missing { missing, total }) => {
                let which = match missing_shards(plan, &shards) {
                    Some(named) => format!(" ({named})"),
                    None => String::new(),
                };
                return Err(MergeError::Refused(format!(
                    "{missing} of {total} runs are missing from these shard directories{which}; run the remaining shards, then merge all of them"
                )));
            }
        }
        let keys = study.keys();
        // The plan first: a directory killed before it is saved holds only
        // grassroots' partial files, not a `runs/` without a plan.
        study::write_plan(&out, plan)?;
        let store = Store::open(&out, &lock)?;
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
                // Only what this merge made and nothing else: stored runs
                // already copied stay (they are verified, and a later merge
                // reuses them).
                super::ownership::remove_created(&out, &created_parents);
            }
            return Err(e);
        }
    };
    let store = Store::open_read(&out);
    let assembled = match plan.kind {
        crate::study::plan::StudyKind::Calibration => None,
        _ => Some(study::assemble(&study, &store, &out, command_line)?),
    };
    Ok(Merged {
        shards: dirs.len(),
        copied,
        out,
        plan: study.plan.clone(),
        assembled,
    })
}

/// Which shards (`--shard K/N`) are missing, when the given directories
/// each hold exactly one shard's runs (every N-th run of the plan from the
/// K-th on): "shard 2/4 was not given" or "shards 2/4, 4/4 were not given".
/// `None` when that cannot be told (a directory holds runs of several
/// shards, or a single run).
fn missing_shards(plan: &Plan, shards: &[Store]) -> Option<String> {
    let total = plan.runs.len();
    let mut n = None;
    let mut present = Vec::new();
    for store in shards {
        let held: Vec<usize> = (0..total)
            .filter(|&i| store.path(&plan.runs[i].key).is_file())
            .collect();
        if held.is_empty() {
            continue;
        }
        let step = *held.get(1)? - held[0];
        let start = held[0];
        let is_shard = start < step
            && held.len() == (start..total).step_by(step).count()
            && held.iter().enumerate().all(|(j, &i)| i == start + j * step);
        if !is_shard || n.is_some_and(|n| n != step) {
            return None;
        }
        n = Some(step);
        present.push(start);
    }
    let n = n?;
    let missing: Vec<String> = (0..n)
        .filter(|r| !present.contains(r))
        .map(|r| format!("{}/{n}", r + 1))
        .collect();
    match missing.len() {
        0 => None,
        1 => Some(format!("shard {} was not given", missing[0])),
        _ => Some(format!("shards {} were not given", missing.join(", "))),
    }
}
