//! Assembling a study's result files from its run store
//! (`docs/studies.md`), and its `plan.json`.
//!
//! The result files are assembled from the store alone, reading runs in plan
//! order, so they are byte-identical however the runs were produced (resumed,
//! sharded and merged); memory does not grow with the number of runs. Each
//! file is written aside and renamed into place (`output::files`).

use super::files::{self, AtomicFile, CsvFile, write_atomic};
pub use super::store::Store;
use super::{OutputError, chart, csv, io_err, manifest, report};
use crate::study::plan::{Plan, StudyKind};
use crate::study::runner::{Results, Study};
use std::fs;
use std::path::Path;

/// Write the plan as `plan.json` (shards and merges check they share it).
pub fn write_plan(dir: &Path, plan: &Plan) -> Result<(), OutputError> {
    write_atomic(&dir.join("plan.json"), manifest::to_text(plan).as_bytes())
}

/// Read `plan.json` from a study directory.
pub fn read_plan(dir: &Path) -> Result<Plan, OutputError> {
    let path = dir.join("plan.json");
    let text = fs::read_to_string(&path).map_err(io_err(&path))?;
    serde_json::from_str(&text).map_err(|source| OutputError::NotAPlan { path, source })
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
    // Worded as what the directory holds: `plan.differs_from(previous)`
    // describes `previous`.
    if let Some(what) = plan.differs_from(&previous) {
        let hint = match force {
            Some(true) => None,
            Some(false) => Some(
                "add --force to replace its result files (its stored runs are kept and reused where their keys match), or choose another --out",
            ),
            None => Some("choose another --out"),
        };
        if let Some(hint) = hint {
            // A calibration is continued with the replicates it began with.
            let continued =
                if plan.kind == StudyKind::Calibration && plan.replicates != previous.replicates {
                    format!(
                        "give --replicates {} to continue it, or ",
                        previous.replicates
                    )
                } else {
                    String::new()
                };
            return Err(OutputError::Refused {
                path: dir.to_path_buf(),
                why: format!(
                    "holds another study `{}` ({what}); nothing was changed — {continued}{hint}",
                    previous.name
                ),
            });
        }
        // --force replaces the study's own result files; the new study may
        // write files of the same names as files the old one did not write.
        let foreign = super::ownership::unlisted_study_files(dir, &chart_prefix(&previous))?;
        if !foreign.is_empty() {
            damaged_manifest_refusal(dir, &foreign)?;
            return Err(OutputError::Refused {
                path: dir.to_path_buf(),
                why: format!(
                    "holds another study `{}` and files it did not write ({}); --force replaces only a study's own files, and nothing was changed — move those files, or choose another --out",
                    previous.name,
                    some_of(&foreign)
                ),
            });
        }
    }
    // The same study: its results may still overwrite files no manifest
    // lists (a shard directory has none yet, and `merge` may write into it).
    let at_risk = super::ownership::overwritable_study_files(dir, &chart_prefix(plan))?;
    if !at_risk.is_empty() {
        damaged_manifest_refusal(dir, &at_risk)?;
        let named = some_of(&at_risk);
        return Err(OutputError::Refused {
            path: dir.to_path_buf(),
            why: format!(
                "holds {named}, which no grassroots manifest lists and which this study's results would overwrite; nothing was changed — move them away (if an interrupted run of an older grassroots wrote them, remove them: they are written again), or choose another --out"
            ),
        });
    }
    Ok((previous.model != plan.model).then_some(previous.model))
}

/// How `plan`'s charts are named, as its manifest names them; from only
/// the fields that name them (a plan's runs may be many).
fn chart_prefix(plan: &Plan) -> String {
    let naming = serde_json::json!({
        "name": plan.name,
        "sources": plan.sources,
        "scenarios": plan.scenarios.first().map(std::slice::from_ref).unwrap_or_default(),
    });
    super::plot::chart_prefix(&naming)
}

/// Refuse, saying so, when `files` seem the user's only because the
/// directory's `manifest.json`, which lists the study's files, is damaged.
fn damaged_manifest_refusal(dir: &Path, files: &[String]) -> Result<(), OutputError> {
    match super::ownership::damaged_manifest(dir) {
        None => Ok(()),
        Some(why) => Err(OutputError::Refused {
            path: dir.to_path_buf(),
            why: format!(
                "its manifest.json is damaged ({why}; cut short by a full disk?), so grassroots cannot tell which of its files it wrote ({}); nothing was changed — if they are this study's results, remove them and manifest.json and run the command again (the stored runs are reused); otherwise move them away, or choose another --out",
                some_of(files)
            ),
        }),
    }
}

/// The first six of `names`, and how many more there are.
fn some_of(names: &[String]) -> String {
    let mut named = names.iter().take(6).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 6 {
        named.push_str(&format!(" and {} more", names.len() - 6));
    }
    named
}

/// [`check_same_study`] before `dir`'s lock is taken, so that a refusal
/// leaves the directory as it was, lock file included (`plan.json` is
/// replaced atomically, so it reads whole without the lock). The check under
/// the lock is the one that counts; a directory in use is left to the claim,
/// whose refusal names the holder.
pub fn refuse_another_study_early(
    dir: &Path,
    plan: &Plan,
    force: Option<bool>,
) -> Result<(), OutputError> {
    match check_same_study(dir, plan, force) {
        Err(refusal) if super::DirLock::acquire_shared(dir).is_ok() => Err(refusal),
        _ => Ok(()),
    }
}

/// What an assembly wrote, and the results it wrote them from.
#[derive(Debug, Clone)]
pub struct Assembled {
    /// Files written, relative to the study directory.
    pub files: Vec<String>,
    /// The accumulated results.
    pub results: Results,
}

/// Where the previous manifest waits while a study's result files are replaced.
const PREVIOUS_MANIFEST: &str = "manifest.json.previous";

/// Assemble the result files of a complete study from the store into `dir`.
pub fn assemble(
    study: &Study,
    store: &Store,
    dir: &Path,
    command_line: &[String],
) -> Result<Assembled, OutputError> {
    let plan = &study.plan;
    // Only presence here: each run is verified when it is read (the callers
    // have verified the store already; this reads each run once).
    let missing = plan
        .runs
        .iter()
        .filter(|r| !store.path(&r.key).is_file())
        .count();
    if missing > 0 {
        return Err(OutputError::Incomplete {
            path: dir.join("runs"),
            missing,
            total: plan.runs.len(),
        });
    }
    if plan.kind == StudyKind::Calibration {
        // Before anything is moved: the directory stays as it was.
        return Err(calibration_refusal(dir));
    }
    mark_assembling(dir)?;
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
    let (files, results) = match plan.kind {
        StudyKind::Compare => assemble_compare(study, store, dir)?,
        StudyKind::Sweep => assemble_sweep(study, store, dir)?,
        StudyKind::Sensitivity => {
            let results = study.results(store, |_, _| Ok::<(), OutputError>(()))?;
            (super::sensitivity::write(study, &results, dir)?, results)
        }
        StudyKind::Calibration => return Err(calibration_refusal(dir)),
    };
    let files = finish_study(plan, dir, files, command_line)?;
    Ok(Assembled { files, results })
}

/// Write a study's result files with `write` (which returns their names,
/// relative to `dir`) the way [`assemble`] does: the previous manifest is
/// set aside first, result files of a previous assembly that `write` did not
/// write are removed, and the manifest is written last.
pub fn replace_results(
    plan: &Plan,
    dir: &Path,
    command_line: &[String],
    write: impl FnOnce() -> Result<Vec<String>, OutputError>,
) -> Result<Vec<String>, OutputError> {
    let manifest = dir.join("manifest.json");
    if manifest.is_file() {
        let aside = dir.join(PREVIOUS_MANIFEST);
        fs::rename(&manifest, &aside).map_err(io_err(&aside))?;
    }
    mark_assembling(dir)?;
    let files = write()?;
    finish_study(plan, dir, files, command_line)
}

/// Read every run of the study from the store once, in plan order, writing
/// its rows into the table `path` (`header`, then `row` per run) as it goes.
fn read_runs(
    study: &Study,
    store: &Store,
    path: &Path,
    header: impl FnOnce(&mut csv::Csv<std::io::BufWriter<AtomicFile>>) -> ::csv::Result<()>,
    mut row: impl FnMut(
        &mut csv::Csv<std::io::BufWriter<AtomicFile>>,
        &crate::study::plan::Run,
        &[[f64; 2]],
    ) -> ::csv::Result<()>,
) -> Result<(AtomicFile, Results), OutputError> {
    let mut table = CsvFile::create(path)?;
    header(table.writer()).map_err(files::csv_err(path))?;
    let results = study.results(store, |r, values| {
        row(table.writer(), r, values).map_err(files::csv_err(path))
    })?;
    Ok((table.finish()?, results))
}

/// A comparison's tables, charts and report.
fn assemble_compare(
    study: &Study,
    store: &Store,
    dir: &Path,
) -> Result<(Vec<String>, Results), OutputError> {
    let plan = &study.plan;
    let (runs, results) = read_runs(
        study,
        store,
        &dir.join("runs.csv"),
        csv::runs_header,
        |w, r, v| csv::runs_rows(w, plan, r, v),
    )?;
    let mut tables = vec![
        runs,
        files::write_csv(&dir.join("comparison.csv"), |w| {
            csv::comparison(w, plan, &results)
        })?,
        files::write_csv(&dir.join("summary.csv"), |w| {
            csv::summary_over_time(w, plan, &results)
        })?,
        files::write_csv(&dir.join("distributions.csv"), |w| {
            csv::study_distributions(w, plan, &results)
        })?,
    ];
    if plan.environments.len() > 1 {
        tables.push(files::write_csv(&dir.join("robustness.csv"), |w| {
            csv::robustness(w, plan, &results)
        })?);
        tables.push(files::write_csv(&dir.join("environments.csv"), |w| {
            csv::environments(w, plan)
        })?);
    }
    let mut written = files::commit_all(dir, tables)?;
    // Charts are drawn from the files just written, the way `plot` redraws
    // them, so `plot` reproduces them exactly.
    let described = manifest::of_study(plan, &[], &[]);
    for drawn in super::plot::charts(dir, &described, &super::plot::PlotOptions::default())? {
        drawn.file.commit()?;
        written.push(drawn.name);
    }
    let markdown =
        report::compare_report(plan, &described, &results.outcomes, &chart::pngs(&written));
    write_atomic(&dir.join("report.md"), markdown.as_bytes())?;
    written.push("report.md".into());
    Ok((written, results))
}

/// A sweep's tables and charts.
fn assemble_sweep(
    study: &Study,
    store: &Store,
    dir: &Path,
) -> Result<(Vec<String>, Results), OutputError> {
    let plan = &study.plan;
    let (runs, results) = read_runs(
        study,
        store,
        &dir.join("sweep_runs.csv"),
        |w| csv::sweep_runs_header(w, plan),
        |w, r, v| csv::sweep_runs_row(w, plan, r, v),
    )?;
    let mut tables = vec![
        runs,
        files::write_csv(&dir.join("sweep_summary.csv"), |w| {
            csv::sweep_summary(w, plan, &results)
        })?,
        files::write_csv(&dir.join("distributions.csv"), |w| {
            csv::study_distributions(w, plan, &results)
        })?,
    ];
    if results.points.is_some() {
        tables.push(files::write_csv(&dir.join("sweep_differences.csv"), |w| {
            csv::sweep_differences(w, plan, &results)
        })?);
    }
    let columns = csv::numeric_parameters(plan);
    if plan.variants.len() >= 3 && !columns.is_empty() {
        tables.push(files::write_csv(&dir.join("sensitivity.csv"), |w| {
            csv::sensitivity(w, plan, &results, &columns)
        })?);
    }
    let mut written = files::commit_all(dir, tables)?;
    written.extend(super::plot::commit_study_charts(plan, dir)?);
    let markdown = report::sweep_report(
        plan,
        &manifest::of_study(plan, &[], &[]),
        &results.outcomes,
        results.points.as_ref(),
        &chart::pngs(&written),
    );
    write_atomic(&dir.join("report.md"), markdown.as_bytes())?;
    written.push("report.md".into());
    Ok((written, results))
}

/// Why a calibration's directory is not assembled as other studies are.
fn calibration_refusal(dir: &Path) -> OutputError {
    OutputError::Refused {
        path: dir.to_path_buf(),
        why: "holds a calibration, whose generations follow one another: run `grassroots calibrate` on its scenario file with this --out, and the options it was started with, to continue or finish it".into(),
    }
}

/// Mark `dir` as being assembled ([`super::ownership::ASSEMBLING`]) before
/// its first result file is written.
fn mark_assembling(dir: &Path) -> Result<(), OutputError> {
    let marker = dir.join(super::ownership::ASSEMBLING);
    fs::write(&marker, b"").map_err(io_err(&marker))
}

/// Remove the result files of a previous assembly that this one did not
/// write, write the manifest last, and return every file written.
fn finish_study(
    plan: &Plan,
    dir: &Path,
    mut files: Vec<String>,
    command_line: &[String],
) -> Result<Vec<String>, OutputError> {
    // The page of the results, rendered from the manifest below.
    files.push(super::html::REPORT_HTML.into());
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
    let described = manifest::of_study(plan, &files, command_line);
    super::html::write(dir, &described)?;
    manifest::write(dir, &described)?;
    let marker = dir.join(super::ownership::ASSEMBLING);
    if marker.exists() {
        fs::remove_file(&marker).map_err(io_err(&marker))?;
    }
    if aside.exists() {
        fs::remove_file(&aside).map_err(io_err(&aside))?;
    }
    files.push("manifest.json".into());
    Ok(files)
}
