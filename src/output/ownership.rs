//! Which output directories a command may write into or replace
//! (`docs/reliability.md`).
//!
//! A command never deletes a file it did not write. A directory is
//! grassroots' own when it holds a `plan.json` (a study), a `manifest.json`
//! written by grassroots (`"tool": "grassroots"`), or only a lock file; any
//! other non-empty directory is refused before anything is created in it.

use super::files::{is_partial_name, remove_partials};
use super::lock::{self, DirLock};
use super::{OutputError, io_err};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Most files a previous run's directory may hold before it is refused
/// (the check lists them all).
const MAX_FILES: usize = 100_000;

/// What an output directory holds.
#[derive(Debug)]
enum Holding {
    /// Missing, empty, or only grassroots' leftovers: a lock file, partial
    /// files, an empty `runs/` beside the lock.
    Nothing,
    /// A study (`plan.json`, or a study's manifest), of this kind (empty
    /// when no manifest says).
    Study(String),
    /// A previous `run`, with its manifest.
    Run(serde_json::Value),
    /// Something grassroots did not write: the first few names.
    Foreign(Vec<String>),
}

/// Look at the top level of `dir` only (cheap even for `/`).
fn holding(dir: &Path) -> Result<Holding, OutputError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Holding::Nothing),
        Err(e) => return Err(io_err(dir)(e)),
    };
    let mut names = Vec::new();
    let mut locked = false;
    for entry in entries {
        let entry = entry.map_err(io_err(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // Grassroots' own leftovers of a killed command: the lock, partial
        // files (removed once the lock is held).
        locked |= name == lock::LOCK_FILE;
        let leftover = name == lock::LOCK_FILE || is_partial_name(&name);
        if !leftover {
            names.push(name);
        }
    }
    // An empty run store is a killed study's (made by an older build before
    // its plan) only beside that study's lock; otherwise it may be a user's
    // empty folder, which is never taken for grassroots' own.
    if locked && names.iter().any(|n| n == "runs") && is_empty_dir(&dir.join("runs")) {
        names.retain(|n| n != "runs");
    }
    if names.is_empty() {
        return Ok(Holding::Nothing);
    }
    names.sort();
    let manifest = read_manifest(dir)?.filter(|m| m.get("tool") == Some(&"grassroots".into()));
    if dir.join("plan.json").is_file() {
        let kind = manifest
            .as_ref()
            .and_then(|m| m.get("kind").and_then(|k| k.as_str()))
            .unwrap_or("");
        return Ok(Holding::Study(kind.to_string()));
    }
    match manifest {
        Some(m) => match m.get("kind").and_then(|k| k.as_str()) {
            Some("run") | None => Ok(Holding::Run(m)),
            Some(kind) => Ok(Holding::Study(kind.to_string())),
        },
        None => {
            names.truncate(6);
            Ok(Holding::Foreign(names))
        }
    }
}

/// Whether `dir` is a folder holding nothing at all.
fn is_empty_dir(dir: &Path) -> bool {
    fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir())
        && fs::read_dir(dir).is_ok_and(|mut e| e.next().is_none())
}

/// Relative paths of every file under `dir` (recursively), `/`-separated,
/// and of every empty folder (`NAME/`), sorted; the lock file is left out.
/// At most [`MAX_FILES`].
fn files_under(dir: &Path) -> Result<Vec<String>, OutputError> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), OutputError> {
        for entry in fs::read_dir(dir).map_err(io_err(dir))? {
            let entry = entry.map_err(io_err(dir))?;
            let path = entry.path();
            if out.len() > MAX_FILES {
                return Err(OutputError::Refused {
                    path: root.to_path_buf(),
                    why: format!(
                        "holds more than {MAX_FILES} files, which no run writes; nothing was changed — choose another --out"
                    ),
                });
            }
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<String>>()
                .join("/");
            if entry.file_type().map_err(io_err(&path))?.is_dir() {
                // An empty folder holds no file a manifest could list: it is
                // recorded itself (`NAME/`), so a user's empty folder is
                // never removed with the run. Only `charts/` is a folder a
                // run makes.
                if is_empty_dir(&path) && rel != "charts" {
                    out.push(format!("{rel}/"));
                }
                walk(root, &path, out)?;
            } else {
                out.push(rel);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.retain(|f| f != lock::LOCK_FILE);
    out.sort();
    Ok(out)
}

/// A previous output's `manifest.json`, if the directory has one that parses.
pub(crate) fn read_manifest(dir: &Path) -> Result<Option<serde_json::Value>, OutputError> {
    let path = dir.join("manifest.json");
    match fs::read(&path) {
        Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                || e.kind() == std::io::ErrorKind::IsADirectory =>
        {
            Ok(None)
        }
        Err(e) => Err(io_err(&path)(e)),
    }
}

/// Why `dir/manifest.json` is damaged, if it is there but does not parse
/// (cut short by a full disk, say): then which files grassroots wrote there
/// cannot be told.
pub(crate) fn damaged_manifest(dir: &Path) -> Option<String> {
    let bytes = fs::read(dir.join("manifest.json")).ok()?;
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .err()
        .map(|e| e.to_string())
}

/// Files at the top of a study directory and in its `charts/` that the
/// study's manifest (`manifest.json`, or the previous one set aside while
/// its results are replaced) does not list: files grassroots did not write
/// there. Its bookkeeping (`plan.json`, the manifests, the run store
/// `runs/`) and hidden files (the lock, files being written) are not
/// counted, nor partial files (removed once the lock is held), nor, while an
/// interrupted assembly's marker ([`ASSEMBLING`]) is there, the result files
/// and charts (`chart_prefix`) it wrote. Sorted, all of them.
pub(crate) fn unlisted_study_files(
    dir: &Path,
    chart_prefix: &str,
) -> Result<Vec<String>, OutputError> {
    let assembling = dir.join(ASSEMBLING).exists();
    Ok(unlisted(dir)?
        .into_iter()
        .filter(|f| !(assembling && is_result_name(f, chart_prefix)))
        .collect())
}

/// Whether `f` (relative to a study directory) is a name the study's results
/// take: one of [`STUDY_RESULT_FILES`], or an image in `charts/` named as
/// its charts are (`chart_prefix`).
fn is_result_name(f: &str, chart_prefix: &str) -> bool {
    let chart = f.strip_prefix("charts/").is_some_and(|name| {
        name.starts_with(chart_prefix) && (name.ends_with(".png") || name.ends_with(".svg"))
    });
    chart || STUDY_RESULT_FILES.contains(&f)
}

/// A hidden marker written before a study's first result file and removed
/// after its manifest: while it is there, result files in the directory are
/// an interrupted assembly's, not the user's.
pub(crate) const ASSEMBLING: &str = ".grassroots.assembling";

/// Every name a study writes at the top of its directory (besides
/// `charts/`, `runs/`, `plan.json` and the manifest); `tests/reliability.rs`
/// checks that each kind of study writes no other.
pub const STUDY_RESULT_FILES: &[&str] = &[
    "calibrated.toml",
    "comparison.csv",
    "design.csv",
    "distributions.csv",
    "environments.csv",
    "generations.csv",
    "indices.csv",
    "posterior.csv",
    "posterior_summary.csv",
    "report.html",
    "report.md",
    "robustness.csv",
    "runs.csv",
    "sensitivity.csv",
    "summary.csv",
    "sweep_differences.csv",
    "sweep_runs.csv",
    "sweep_summary.csv",
    "target_fit.csv",
    "timeseries.csv",
];

/// Files of a study directory that no manifest lists but that the study's
/// results would overwrite: the names it writes at the top, and images in
/// `charts/` named as its charts are (`chart_prefix`, `<scenario>_`); none
/// while an interrupted assembly's marker ([`ASSEMBLING`]) says the files
/// there are its own. Sorted, all of them.
pub(crate) fn overwritable_study_files(
    dir: &Path,
    chart_prefix: &str,
) -> Result<Vec<String>, OutputError> {
    if dir.join(ASSEMBLING).exists() {
        return Ok(vec![]);
    }
    Ok(unlisted(dir)?
        .into_iter()
        // Partial files (of any build) are never a result's name.
        .filter(|f| !f.contains(".partial") && is_result_name(f, chart_prefix))
        .collect())
}

/// [`unlisted_study_files`], all of them.
fn unlisted(dir: &Path) -> Result<Vec<String>, OutputError> {
    let manifest = read_manifest(dir)?.or_else(|| {
        fs::read(dir.join("manifest.json.previous"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
    });
    let listed = manifest.as_ref().map(listed_files).unwrap_or_default();
    let mut out = Vec::new();
    for (sub, prefix) in [(dir.to_path_buf(), ""), (dir.join("charts"), "charts/")] {
        let entries = match fs::read_dir(&sub) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_err(&sub)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(io_err(&sub))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let own = name.starts_with('.')
                || is_partial_name(&name)
                || (prefix.is_empty()
                    && [
                        "plan.json",
                        "manifest.json",
                        "manifest.json.previous",
                        "runs",
                        "charts",
                    ]
                    .contains(&name.as_str()));
            let rel = format!("{prefix}{name}");
            if !own && !listed.contains(&rel) {
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// What a previous output wrote into its directory, from its manifest.
pub(crate) fn listed_files(manifest: &serde_json::Value) -> Vec<String> {
    strings(manifest, "files")
}

/// A manifest's list of strings under `field` (empty if absent).
fn strings(manifest: &serde_json::Value, field: &str) -> Vec<String> {
    manifest
        .get(field)
        .and_then(|f| f.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The words for files grassroots did not write, at most five named.
fn foreign_list(files: &[String]) -> String {
    let mut shown: Vec<&str> = files.iter().take(5).map(String::as_str).collect();
    if files.len() > 5 {
        shown.push("…");
    }
    shown.join(", ")
}

fn refused(path: &Path, why: impl Into<String>) -> OutputError {
    OutputError::Refused {
        path: path.to_path_buf(),
        why: why.into(),
    }
}

/// The directory `--out` names: a symlink is followed to the directory it
/// points to, and `.`/`..` are resolved, so the directory itself (not a link
/// or an alias of the working directory) is what is locked and replaced.
fn resolve_out(target: &Path) -> Result<PathBuf, OutputError> {
    let resolved = if target.exists() {
        fs::canonicalize(target).map_err(io_err(target))?
    } else {
        match (target.parent(), target.file_name()) {
            // `x` alone: in the working directory.
            (Some(p), Some(n)) if p.as_os_str().is_empty() => fs::canonicalize(".")
                .map_err(io_err(Path::new(".")))?
                .join(n),
            (Some(p), Some(n)) if p.exists() => fs::canonicalize(p).map_err(io_err(p))?.join(n),
            _ => target.to_path_buf(),
        }
    };
    if resolved.parent().is_none() || resolved.file_name().is_none() {
        return Err(refused(
            target,
            "is the root of the file system; choose another --out",
        ));
    }
    // A folder cannot be made below a file: say so before any work.
    if let Some(file) = resolved
        .ancestors()
        .skip(1)
        .find(|a| a.exists())
        .filter(|a| !a.is_dir())
    {
        return Err(refused(
            target,
            format!(
                "cannot be made: {} is a file, not a folder; nothing was changed — choose another --out",
                file.display()
            ),
        ));
    }
    Ok(resolved)
}

/// The name of a directory set aside beside `name`: `.NAME.<what>-PID`, with
/// NAME shortened so the whole stays within file-name limits.
fn aside(name: &str, what: &str, pid: u32) -> String {
    let mut short = name;
    if short.len() > 200 {
        let cut = (0..=200)
            .rev()
            .find(|&i| name.is_char_boundary(i))
            .unwrap_or(0);
        short = &name[..cut];
    }
    format!(".{short}.{what}-{pid}")
}

/// Whether `file_name` is `aside(name, what, some pid)`.
fn is_aside(file_name: &str, name: &str, what: &str) -> bool {
    let prefix = aside(name, what, 0);
    let prefix = &prefix[..prefix.len() - 1];
    file_name
        .strip_prefix(prefix)
        .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// A `run`'s output being written: the target directory is locked, the
/// files are written into a staging directory beside it, and
/// [`StagedDir::commit`] swaps it into place. Dropped before the commit, the
/// staging directory is removed and so is a target directory this claim
/// created.
///
/// The rules (`docs/reliability.md`): an existing target is replaced only if
/// it holds a previous `run` whose manifest lists every file in it, and only
/// if that run had the same inputs (`inputs`) or `force` is set. A directory
/// holding a study, files grassroots did not write, or a manifest grassroots
/// did not write is never replaced.
#[derive(Debug)]
pub struct StagedDir {
    staging: PathBuf,
    target: PathBuf,
    replaces: Option<u64>,
    created_target: bool,
    /// Folders above the target this claim created, deepest first.
    created_parents: Vec<PathBuf>,
    committed: bool,
    _target_lock: DirLock,
    _staging_lock: DirLock,
}

impl StagedDir {
    /// Claim `target` for the output of a `run` of `scenario` (its inputs'
    /// identity is [`inputs_identity`]); `command` is recorded in the lock.
    pub fn new(
        target: &Path,
        scenario: &crate::scenario::Scenario,
        force: bool,
        command: &str,
    ) -> Result<Self, OutputError> {
        let target = resolve_out(target)?;
        if target.exists() && !target.is_dir() {
            return Err(refused(
                &target,
                "exists and is not a directory; choose another --out",
            ));
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into());
        let parent = target.parent().unwrap_or(Path::new(".")).to_path_buf();
        // A previous result parked beside the target by an interrupted run
        // (its restore perhaps interrupted too) is recovered below, under the
        // lock; otherwise a directory of files grassroots did not write is
        // refused before anything is created in it.
        let parked = fs::read_dir(&parent).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| is_aside(&e.file_name().to_string_lossy(), &name, "old"))
        });
        match (parked, holding(&target)?) {
            (false, Holding::Foreign(names)) => {
                return Err(refused(
                    &target,
                    format!(
                        "exists and is not a grassroots output directory (it holds {}); nothing was changed — choose another --out",
                        foreign_list(&names)
                    ),
                ));
            }
            // Only what an interrupted restore already moved back may be
            // there: anything else is the user's, and is never replaced.
            (true, Holding::Foreign(_)) => check_restorable(&parent, &name, &target)?,
            _ => {}
        }
        if is_mount_point(&target, &parent) {
            return Err(refused(
                &target,
                format!(
                    "is a mount point (another file system than its folder): a run is written beside its --out and swapped into place, which a mount point cannot be; nothing was changed — give --out a folder inside it, e.g. {}",
                    target.join(&name).display()
                ),
            ));
        }
        let created_target = !target.exists();
        let created_parents = missing_parents(&target);
        let target_lock = DirLock::acquire(&target, command)?;
        let claim = || -> Result<Option<u64>, OutputError> {
            recover_leftovers(&parent, &name, &target)?;
            check_replaceable(&target, scenario, force)
        };
        let replaces = match claim() {
            Ok(replaces) => replaces,
            Err(e) => {
                if created_target {
                    remove_created(&target, &created_parents);
                }
                return Err(e);
            }
        };
        let staging = parent.join(aside(&name, "partial", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
        }
        let staging_lock = DirLock::acquire(&staging, command)?;
        // The new directory takes the old one's group, where allowed, and
        // permissions before anything is written into it, so its files and
        // folders inherit them (a shared group's setgid folder stays shared
        // throughout). The group first: changing it may clear the setgid bit.
        #[cfg(unix)]
        if !created_target {
            use std::os::unix::fs::MetadataExt;
            if let Ok(old) = fs::metadata(&target) {
                let _ = std::os::unix::fs::chown(&staging, None, Some(old.gid()));
                let _ = fs::set_permissions(&staging, old.permissions());
            }
        }
        Ok(StagedDir {
            staging,
            target,
            replaces,
            created_target,
            created_parents,
            committed: false,
            _target_lock: target_lock,
            _staging_lock: staging_lock,
        })
    }

    /// Where files are written until the commit.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The replicate count of the previous run the commit replaces, or
    /// `None` if the target held no run (or its manifest does not say).
    pub fn replaces(&self) -> Option<u64> {
        self.replaces
    }

    /// Replace `target` with the staged directory. On Linux the two
    /// directories are exchanged in one step (`renameat2(RENAME_EXCHANGE)`),
    /// so the target path always names a complete, locked directory; the old
    /// one, now at the staging path, is then removed. Elsewhere (or on a file
    /// system without the exchange) the old directory is moved aside as
    /// `.NAME.old-PID`, the new one renamed into place, the old one removed.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        if exchange(&self.staging, &self.target) {
            self.committed = true;
            fs::remove_dir_all(&self.staging).map_err(io_err(&self.staging))?;
            return Ok(self.target.clone());
        }
        let parent = self
            .staging
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let name = self
            .target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into());
        let old = parent.join(aside(&name, "old", std::process::id()));
        fs::rename(&self.target, &old).map_err(io_err(&self.target))?;
        if let Err(e) = fs::rename(&self.staging, &self.target) {
            let _ = fs::rename(&old, &self.target);
            return Err(io_err(&self.target)(e));
        }
        self.committed = true;
        fs::remove_dir_all(&old).map_err(io_err(&old))?;
        Ok(self.target.clone())
    }
}

/// Whether `dir` exists and is on another file system than `parent` (a
/// mount point, which cannot be renamed).
fn is_mount_point(dir: &Path, parent: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::metadata(dir), fs::metadata(parent)) {
            (Ok(d), Ok(p)) => d.is_dir() && d.dev() != p.dev(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, parent);
        false
    }
}

/// Exchange two directories atomically; false where that is not possible.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).is_ok()
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> bool {
    false
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
            if self.created_target {
                remove_created(&self.target, &self.created_parents);
            }
        }
    }
}

/// The folders above `dir` that do not exist yet, deepest first: creating
/// `dir` creates them too ([`remove_created`] removes them again).
pub(crate) fn missing_parents(dir: &Path) -> Vec<PathBuf> {
    dir.ancestors()
        .skip(1)
        .take_while(|a| !a.as_os_str().is_empty() && a.symlink_metadata().is_err())
        .filter(|a| {
            matches!(
                a.components().next_back(),
                Some(std::path::Component::Normal(_))
            )
        })
        .map(Path::to_path_buf)
        .collect()
}

/// Undo the creation of `dir` and of its `parents` ([`missing_parents`]):
/// `dir` is removed if it holds nothing but grassroots' leftovers, then each
/// parent while it is empty.
pub(crate) fn remove_created(dir: &Path, parents: &[PathBuf]) {
    remove_if_only_lock(dir);
    for p in parents {
        if fs::remove_dir(p).is_err() {
            break;
        }
    }
}

/// Remove `dir` if it holds nothing but its lock file.
pub(crate) fn remove_if_only_lock(dir: &Path) {
    if matches!(holding(dir), Ok(Holding::Nothing)) {
        let _ = fs::remove_file(dir.join(lock::LOCK_FILE));
        let _ = fs::remove_dir(dir);
    }
}

/// Leftovers of a killed `run` of `target`, whose lock the caller holds (so
/// no live process owns them) and which holds nothing or a previous run:
/// staging directories `.NAME.partial-PID` are removed (after an exchange a
/// staging directory holds the result it replaced); a previous result moved
/// aside as `.NAME.old-PID` is moved back if the target lost it (its
/// manifest last, so an interrupted restore continues next time), and
/// removed if the target holds a newer run.
fn recover_leftovers(parent: &Path, name: &str, target: &Path) -> Result<(), OutputError> {
    let mut target_has_run = match holding(target)? {
        // A target without a manifest lost its result (or part of it, to an
        // interrupted restore): what is parked beside it is moved back.
        Holding::Nothing => false,
        Holding::Foreign(_) => {
            check_restorable(parent, name, target)?;
            false
        }
        Holding::Run(_) => true,
        // Never touch what lies beside a study.
        Holding::Study(_) => return Ok(()),
    };
    for entry in fs::read_dir(parent).map_err(io_err(parent))? {
        let entry = entry.map_err(io_err(parent))?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if !entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            continue;
        }
        if is_aside(&file_name, name, "partial") {
            fs::remove_dir_all(&path).map_err(io_err(&path))?;
        } else if is_aside(&file_name, name, "old") {
            if target_has_run {
                fs::remove_dir_all(&path).map_err(io_err(&path))?;
                continue;
            }
            let mut entries: Vec<fs::DirEntry> = fs::read_dir(&path)
                .map_err(io_err(&path))?
                .collect::<Result<_, _>>()
                .map_err(io_err(&path))?;
            entries.sort_by_key(|e| e.file_name() == "manifest.json");
            for f in entries {
                if f.file_name() != lock::LOCK_FILE {
                    let to = target.join(f.file_name());
                    rename_no_replace(&f.path(), &to).map_err(|e| {
                        if e.kind() == std::io::ErrorKind::AlreadyExists {
                            parked_refusal(
                                target,
                                &path,
                                &[f.file_name().to_string_lossy().into_owned()],
                            )
                        } else {
                            io_err(&to)(e)
                        }
                    })?;
                }
            }
            fs::remove_dir_all(&path).map_err(io_err(&path))?;
            // Restored: any other parked run (a second interruption) is
            // an older copy, removed as beside any finished run.
            target_has_run = true;
        }
    }
    Ok(())
}

/// Check that what `target` holds beside a run parked as `.NAME.old-PID` is
/// only what an interrupted restore of that run already moved back: each
/// top-level entry must be absent from the parked directory and named by its
/// manifest (a file it lists, or a folder of such files). Anything else is
/// the user's: refused, naming the parked directory, which is left alone.
fn check_restorable(parent: &Path, name: &str, target: &Path) -> Result<(), OutputError> {
    let mut in_target: Vec<String> = Vec::new();
    for entry in fs::read_dir(target).map_err(io_err(target))? {
        let entry = entry.map_err(io_err(target))?;
        let n = entry.file_name().to_string_lossy().into_owned();
        if n != lock::LOCK_FILE {
            in_target.push(n);
        }
    }
    in_target.sort();
    for entry in fs::read_dir(parent).map_err(io_err(parent))? {
        let entry = entry.map_err(io_err(parent))?;
        if !is_aside(&entry.file_name().to_string_lossy(), name, "old") {
            continue;
        }
        let parked = entry.path();
        let listed = read_manifest(&parked)?
            .filter(|m| m.get("tool") == Some(&"grassroots".into()))
            .map(|m| listed_files(&m))
            .unwrap_or_default();
        let foreign: Vec<String> = in_target
            .iter()
            .filter(|n| {
                let named = listed.iter().any(|f| {
                    f == *n
                        || f.strip_prefix(n.as_str())
                            .is_some_and(|r| r.starts_with('/'))
                });
                !named || parked.join(n).symlink_metadata().is_ok()
            })
            .cloned()
            .collect();
        if !foreign.is_empty() {
            return Err(parked_refusal(target, &parked, &foreign));
        }
    }
    Ok(())
}

/// The refusal of a target holding the user's `files` while a previous run
/// waits in `parked` to be moved back into it.
fn parked_refusal(target: &Path, parked: &Path, files: &[String]) -> OutputError {
    refused(
        target,
        format!(
            "holds files grassroots did not write ({}), while a previous run's output waits beside it in {} (moved aside by an interrupted `grassroots run`); nothing was changed — move your files out of {} and run the command again to restore that output, or remove {} if you no longer need it",
            foreign_list(files),
            parked.display(),
            target.display(),
            parked.display()
        ),
    )
}

/// Rename `from` to `to` unless `to` exists (`AlreadyExists` then): in one
/// step where the file system can (`renameat2(RENAME_NOREPLACE)`), else by
/// looking first (the caller holds the directory's lock).
fn rename_no_replace(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(()),
            Err(rustix::io::Errno::EXIST) => {
                return Err(std::io::ErrorKind::AlreadyExists.into());
            }
            // Not supported here (an older kernel, some network file
            // systems): look first.
            Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if to.symlink_metadata().is_ok() {
        return Err(std::io::ErrorKind::AlreadyExists.into());
    }
    fs::rename(from, to)
}

/// Refuse to replace `target` unless it is empty or holds a previous run of
/// the same inputs (or `force`) and nothing else; the replicate count of the
/// run it holds, if it holds one whose manifest records it.
fn check_replaceable(
    target: &Path,
    scenario: &crate::scenario::Scenario,
    force: bool,
) -> Result<Option<u64>, OutputError> {
    let inputs = inputs_identity(scenario);
    let inputs = inputs.as_str();
    let manifest = match holding(target)? {
        Holding::Nothing => return Ok(None),
        Holding::Foreign(names) => {
            return Err(refused(
                target,
                format!(
                    "exists and is not a grassroots output directory (it holds {}); nothing was changed — choose another --out",
                    foreign_list(&names)
                ),
            ));
        }
        Holding::Study(kind) => {
            let kind = if kind.is_empty() {
                String::new()
            } else {
                format!("{kind} ")
            };
            return Err(refused(
                target,
                format!(
                    "holds a {kind}study (plan.json, runs/); `run` never replaces a study — choose another --out"
                ),
            ));
        }
        Holding::Run(m) => m,
    };
    let listed = listed_files(&manifest);
    let foreign: Vec<String> = files_under(target)?
        .into_iter()
        .filter(|f| !listed.contains(f))
        .collect();
    if !foreign.is_empty() {
        return Err(refused(
            target,
            format!(
                "holds files grassroots did not write ({}); nothing was changed — move them away or choose another --out",
                foreign_list(&foreign)
            ),
        ));
    }
    let previous = manifest
        .get("inputs")
        .and_then(|i| i.as_str())
        .unwrap_or("");
    if previous != inputs && !force {
        let overrides = strings(&manifest, "overrides");
        let file = manifest
            .get("scenario_file")
            .and_then(|f| f.as_str())
            .unwrap_or("?");
        let what = if previous.is_empty() {
            format!("a run of {file} by an older grassroots")
        } else if overrides.is_empty() {
            format!("a run of {file} without overrides")
        } else {
            format!("a run of {file} with {}", overrides.join(" "))
        };
        // Say what differs (a file edited since, another --set or seed).
        let differences = manifest
            .get("scenario")
            .zip(serde_json::to_value(scenario).ok())
            .map(|(before, now)| scenario_differences(before, &now))
            .unwrap_or_default();
        let what = if differences.is_empty() {
            what
        } else {
            format!("{what}; it differs in {}", differences_text(&differences))
        };
        return Err(refused(
            target,
            format!(
                "holds the results of other inputs ({what}); nothing was changed — add --force to replace them, or choose another --out"
            ),
        ));
    }
    Ok(manifest.get("replicates").and_then(|r| r.as_u64()))
}

/// The resolved parameters in which two scenarios (as JSON) differ, as
/// `section.key: before → after` in key order (a long value, such as the
/// list of `[[changes]]`, as "changed"); the replicate count is not an
/// input.
fn scenario_differences(before: &Value, after: &Value) -> Vec<String> {
    // `section.key` → value; a top-level value that is no section by its name.
    fn parameters(v: &Value) -> BTreeMap<String, &Value> {
        let mut out = BTreeMap::new();
        for (section, x) in v.as_object().into_iter().flatten() {
            match x.as_object() {
                Some(keys) => {
                    for (k, y) in keys {
                        out.insert(format!("{section}.{k}"), y);
                    }
                }
                None => {
                    out.insert(section.clone(), x);
                }
            }
        }
        out
    }
    let (a, b) = (parameters(before), parameters(after));
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let shown = |v: Option<&&Value>| match v {
        None => "(none)".to_string(),
        // As JSON (a distribution as `{"uniform":[100,200]}`), a string bare:
        // the report's TOML-like form is a layer above.
        Some(Value::String(text)) => text.clone(),
        Some(v) => v.to_string(),
    };
    keys.into_iter()
        .filter(|k| k.as_str() != "scenario.replicates" && a.get(*k) != b.get(*k))
        .map(|k| {
            let (x, y) = (shown(a.get(k)), shown(b.get(k)));
            if x.len() + y.len() > 80 {
                format!("{k} (changed)")
            } else {
                format!("{k}: {x} → {y}")
            }
        })
        .collect()
}

/// At most five differences, then how many more.
fn differences_text(differences: &[String]) -> String {
    let mut text = differences
        .iter()
        .take(5)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if differences.len() > 5 {
        text.push_str(&format!(" and {} more", differences.len() - 5));
    }
    text
}

/// The identity of a run's inputs: a hash of the resolved scenario (which
/// holds the seed and every override) without its replicate count, so a
/// re-run with more replicates may replace a previous run of the same
/// question, and a run with other parameters may not.
pub fn inputs_identity(s: &crate::scenario::Scenario) -> String {
    let mut normal = s.clone();
    normal.scenario.replicates = 0;
    crate::digest::sha256_hex(normal.to_toml().as_bytes())[..16].to_string()
}

/// Claim a study directory `dir` for `command`: lock it, remove partial
/// files of dead processes, and refuse a directory that holds a `run`'s
/// output, files grassroots did not write, or a run parked beside it by an
/// interrupted `run`. Returns the lock and the resolved directory. Whether
/// its `plan.json` is the same study is the caller's check
/// ([`crate::output::study::check_same_study`]).
pub fn claim_study_dir(dir: &Path, command: &str) -> Result<(DirLock, PathBuf), OutputError> {
    let dir = resolve_out(dir)?;
    if dir.exists() && !dir.is_dir() {
        return Err(refused(
            &dir,
            "exists and is not a directory; choose another --out",
        ));
    }
    let check = |h: Holding| -> Result<(), OutputError> {
        match h {
            Holding::Nothing | Holding::Study(_) => Ok(()),
            Holding::Run(_) => Err(refused(
                &dir,
                "holds the output of `grassroots run`; a study never replaces it — choose another --out",
            )),
            Holding::Foreign(names) => Err(refused(
                &dir,
                format!(
                    "exists and is not a grassroots output directory (it holds {}); nothing was changed — choose another --out",
                    foreign_list(&names)
                ),
            )),
        }
    };
    check(holding(&dir)?)?;
    let created = !dir.exists();
    let created_parents = missing_parents(&dir);
    let lock = DirLock::acquire(&dir, command)?;
    let claimed = || -> Result<(), OutputError> {
        check(holding(&dir)?)?;
        if let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) {
            let name = name.to_string_lossy();
            for entry in fs::read_dir(parent).map_err(io_err(parent))? {
                let entry = entry.map_err(io_err(parent))?;
                if is_aside(&entry.file_name().to_string_lossy(), &name, "old") {
                    return Err(refused(
                        &dir,
                        format!(
                            "a previous run's output was moved aside to {} by an interrupted `grassroots run`; run that `grassroots run … --out {}` again to restore it, or remove it",
                            entry.path().display(),
                            dir.display()
                        ),
                    ));
                }
            }
        }
        remove_partials(&dir, &lock)?;
        remove_partials(&dir.join("charts"), &lock).map(|_| ())
    };
    if let Err(e) = claimed() {
        if created {
            remove_created(&dir, &created_parents);
        }
        return Err(e);
    }
    Ok((lock, dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `StagedDir::new` of a default scenario into `dir`, with --force,
    /// which must be refused: its error.
    fn refused_run(dir: &Path) -> OutputError {
        let scenario = crate::scenario::Scenario::from_toml("", "s.toml").unwrap();
        StagedDir::new(dir, &scenario, true, "test").unwrap_err()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_mount_point_is_told_from_a_folder() {
        if Path::new("/proc/self").exists() {
            assert!(is_mount_point(Path::new("/proc"), Path::new("/")));
        }
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("a")).unwrap();
        assert!(!is_mount_point(&dir.path().join("a"), dir.path()));
        assert!(!is_mount_point(&dir.path().join("missing"), dir.path()));
    }

    #[test]
    fn aside_names_are_recognised_and_stay_short() {
        assert!(is_aside(".r.partial-123", "r", "partial"));
        assert!(!is_aside(".r.partial-", "r", "partial"));
        assert!(!is_aside(".r.partial-12x", "r", "partial"));
        assert!(!is_aside(".rr.partial-1", "r", "partial"));
        let long = "é".repeat(150);
        let name = aside(&long, "partial", 4_000_000);
        assert!(name.len() < 255, "{}", name.len());
        assert!(is_aside(&name, &long, "partial"));
    }

    #[test]
    fn differences_name_each_resolved_parameter_and_leave_out_replicates() {
        let scenario = |text: &str| {
            serde_json::to_value(crate::scenario::Scenario::from_toml(text, "s.toml").unwrap())
                .unwrap()
        };
        let before = scenario(
            "[scenario]\nreplicates = 2\n[world]\nhouseholds_per_village = { uniform = [100, 200] }\n",
        );
        let after = scenario(
            "[scenario]\nreplicates = 9\n[world]\nhouseholds_per_village = 30\n[supervision]\nmass_supervision = 0.4\n",
        );
        let d = scenario_differences(&before, &after);
        assert_eq!(
            d,
            [
                "supervision.mass_supervision: 0.05 → 0.4".to_string(),
                "world.households_per_village: {\"uniform\":[100,200]} → 30".to_string(),
            ],
            "{d:?}"
        );
        assert!(scenario_differences(&before, &before).is_empty());
        let many: Vec<String> = (0..7).map(|i| i.to_string()).collect();
        assert_eq!(differences_text(&many), "0, 1, 2, 3, 4 and 2 more");
    }

    #[test]
    fn a_study_without_a_manifest_is_named_once() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("plan.json"), "{}").unwrap();
        let err = refused_run(dir.path());
        let message = err.to_string();
        assert!(message.contains("holds a study (plan.json"), "{message}");
        assert!(!message.contains("study study"), "{message}");
    }

    #[test]
    fn an_empty_runs_folder_without_a_lock_is_the_users() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("runs")).unwrap();
        assert!(matches!(holding(dir.path()).unwrap(), Holding::Foreign(_)));
        let err = refused_run(dir.path());
        assert!(err.to_string().contains("not a grassroots output"), "{err}");
        assert!(dir.path().join("runs").is_dir());
    }

    #[test]
    fn only_grassroots_leftovers_leave_a_directory_free() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(lock::LOCK_FILE), "").unwrap();
        fs::write(dir.path().join("plan.json.grassroots-25019-0.partial"), "{").unwrap();
        fs::create_dir(dir.path().join("runs")).unwrap();
        assert!(matches!(holding(dir.path()).unwrap(), Holding::Nothing));
        fs::write(dir.path().join("runs/x.csv"), "").unwrap();
        assert!(matches!(holding(dir.path()).unwrap(), Holding::Foreign(_)));
    }

    #[test]
    fn a_manifest_grassroots_did_not_write_makes_a_directory_foreign() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("index.html"), "<html>").unwrap();
        fs::write(
            dir.path().join("manifest.json"),
            r#"{"name":"webapp","files":["index.html","manifest.json"]}"#,
        )
        .unwrap();
        assert!(matches!(holding(dir.path()).unwrap(), Holding::Foreign(_)));
        let err = refused_run(dir.path());
        assert!(err.to_string().contains("not a grassroots output"), "{err}");
        let err = claim_study_dir(dir.path(), "test").unwrap_err();
        assert!(err.to_string().contains("not a grassroots output"), "{err}");
        assert!(
            !dir.path().join(lock::LOCK_FILE).exists(),
            "nothing created"
        );
    }
}
