//! Outputs of a run: CSV tables, the manifest and charts.
//!
//! Everything is written into a temporary sibling directory first and moved
//! into place only when all files are complete, so a failed run never leaves
//! half-written output behind.

pub mod chart;
pub mod csv;
pub mod lock;
pub mod manifest;
pub mod report;
pub mod store;
pub mod study;

pub use lock::DirLock;

use std::fs;
use std::path::{Path, PathBuf};

/// An output error, with the path concerned.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file-system operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Writing a CSV failed.
    #[error("{path}: {message}")]
    Csv {
        /// The path concerned.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Another process holds the directory's lock.
    #[error("{path} is in use by {holder}; wait until it finishes, or choose another --out")]
    Busy {
        /// The directory.
        path: PathBuf,
        /// Who holds it, as the holder recorded.
        holder: String,
    },
    /// A stored run fails verification.
    #[error("{path}: damaged stored run: it {why}")]
    Damaged {
        /// The run's file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The command would replace or mix results it must not touch.
    #[error("{path}: {why}")]
    Refused {
        /// The directory.
        path: PathBuf,
        /// Why, and what to do instead.
        why: String,
    },
    /// Drawing a chart failed.
    #[error("{path}: could not draw chart: {message}")]
    Chart {
        /// The path concerned.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl OutputError {
    /// Whether the error is the user's to fix (a refusal or a busy
    /// directory) rather than a failure of the tool.
    pub fn is_refusal(&self) -> bool {
        matches!(self, OutputError::Busy { .. } | OutputError::Refused { .. })
    }
}

/// Helper: attach a path to an I/O error.
pub fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Relative paths of every file under `dir` (recursively), `/`-separated,
/// sorted; the lock file is left out.
fn files_under(dir: &Path) -> Result<Vec<String>, OutputError> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), OutputError> {
        for entry in fs::read_dir(dir).map_err(io_err(dir))? {
            let entry = entry.map_err(io_err(dir))?;
            let path = entry.path();
            if entry.file_type().map_err(io_err(&path))?.is_dir() {
                walk(root, &path, out)?;
            } else {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(rel.join("/"));
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

/// A previous output's `manifest.json`, if the directory has one.
fn read_manifest(dir: &Path) -> Result<Option<serde_json::Value>, OutputError> {
    let path = dir.join("manifest.json");
    match fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| OutputError::Refused {
                path: dir.to_path_buf(),
                why: format!(
                    "its manifest.json cannot be read ({e}); it is left alone — choose another --out"
                ),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(&path)(e)),
    }
}

/// The kind of output a manifest describes: `run`, `compare` or `sweep`
/// (manifests of version 0.1 runs had no kind).
fn manifest_kind(dir: &Path, manifest: &serde_json::Value) -> String {
    match manifest.get("kind").and_then(|k| k.as_str()) {
        Some(k) => k.to_string(),
        None if dir.join("plan.json").is_file() => "study".into(),
        None => "run".into(),
    }
}

/// What a previous `run` wrote into its directory, from its manifest.
fn listed_files(manifest: &serde_json::Value) -> Vec<String> {
    manifest
        .get("files")
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

/// A `run`'s output being written: the target directory is locked, the
/// files are written into a staging directory beside it, and
/// [`StagedDir::commit`] swaps it into place. Dropped before the commit, the
/// staging directory is removed and so is a target directory this claim
/// created.
///
/// The rules (`docs/reliability.md`): an existing target is replaced only if
/// it holds a previous `run` whose manifest lists every file in it, and only
/// if that run had the same inputs (`inputs`) or `force` is set. A directory
/// holding a study, files grassroots did not write, or no manifest is never
/// replaced.
#[derive(Debug)]
pub struct StagedDir {
    staging: PathBuf,
    target: PathBuf,
    created_target: bool,
    committed: bool,
    _target_lock: DirLock,
    _staging_lock: Option<DirLock>,
}

impl StagedDir {
    /// Claim `target` for the output of a `run` whose inputs have identity
    /// `inputs` (see [`inputs_identity`]); `command` is recorded in the lock.
    pub fn new(
        target: &Path,
        inputs: &str,
        force: bool,
        command: &str,
    ) -> Result<Self, OutputError> {
        let created_target = !target.exists();
        if target.exists() && !target.is_dir() {
            return Err(OutputError::Refused {
                path: target.to_path_buf(),
                why: "exists and is not a directory; choose another --out".into(),
            });
        }
        refuse_foreign(target)?;
        let target_lock = DirLock::acquire(target, command)?;
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into());
        let claim = || -> Result<PathBuf, OutputError> {
            recover_leftovers(&parent, &name, target)?;
            check_replaceable(target, inputs, force)?;
            Ok(parent.join(format!(".{name}.partial-{}", std::process::id())))
        };
        let staging = match claim() {
            Ok(s) => s,
            Err(e) => {
                if created_target {
                    remove_if_only_lock(target);
                }
                return Err(e);
            }
        };
        let mut staged = StagedDir {
            staging: staging.clone(),
            target: target.to_path_buf(),
            created_target,
            committed: false,
            _target_lock: target_lock,
            _staging_lock: None,
        };
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
        }
        staged._staging_lock = Some(DirLock::acquire(&staging, command)?);
        Ok(staged)
    }

    /// Where files are written until the commit.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Replace `target` with the staged directory: the old directory is
    /// moved aside, the new one renamed into place, the old one removed.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
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
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
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

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
            if self.created_target {
                remove_if_only_lock(&self.target);
            }
        }
    }
}

/// Refuse, before creating anything in it, a non-empty directory that shows
/// no sign of grassroots (no manifest, plan or lock file).
fn refuse_foreign(dir: &Path) -> Result<(), OutputError> {
    let ours = ["manifest.json", "plan.json", lock::LOCK_FILE];
    if !dir.is_dir() || ours.iter().any(|f| dir.join(f).exists()) {
        return Ok(());
    }
    let present = files_under(dir)?;
    if present.is_empty() {
        return Ok(());
    }
    Err(OutputError::Refused {
        path: dir.to_path_buf(),
        why: format!(
            "exists and is not a grassroots output directory (it holds {} and no manifest.json); nothing was changed — choose another --out",
            foreign_list(&present)
        ),
    })
}

/// Remove `dir` if it holds nothing but its lock file.
fn remove_if_only_lock(dir: &Path) {
    if files_under(dir).map(|f| f.is_empty()).unwrap_or(false) {
        let _ = fs::remove_file(dir.join(lock::LOCK_FILE));
        let _ = fs::remove_dir_all(dir);
    }
}

/// Leftovers of a killed `run` of `target` (whose lock the caller holds, so
/// no live process owns them): staging directories `.NAME.partial-PID` are
/// removed; a previous result moved aside as `.NAME.old-PID` is moved back
/// if the target lost it, and removed otherwise.
fn recover_leftovers(parent: &Path, name: &str, target: &Path) -> Result<(), OutputError> {
    let entries = match fs::read_dir(parent) {
        Ok(e) => e,
        Err(e) => return Err(io_err(parent)(e)),
    };
    let (partial, old) = (format!(".{name}.partial-"), format!(".{name}.old-"));
    let ours = |s: &str, prefix: &str| {
        s.strip_prefix(prefix)
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
    };
    for entry in entries {
        let entry = entry.map_err(io_err(parent))?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        if ours(&file_name, &partial) {
            fs::remove_dir_all(&path).map_err(io_err(&path))?;
        } else if ours(&file_name, &old) {
            if target.join("manifest.json").exists() {
                fs::remove_dir_all(&path).map_err(io_err(&path))?;
            } else {
                for f in fs::read_dir(&path).map_err(io_err(&path))? {
                    let f = f.map_err(io_err(&path))?;
                    if f.file_name() != lock::LOCK_FILE {
                        let to = target.join(f.file_name());
                        fs::rename(f.path(), &to).map_err(io_err(&to))?;
                    }
                }
                fs::remove_dir_all(&path).map_err(io_err(&path))?;
            }
        }
    }
    Ok(())
}

/// Refuse to replace `target` unless it is empty or holds a previous run of
/// the same inputs (or `force`) and nothing else.
fn check_replaceable(target: &Path, inputs: &str, force: bool) -> Result<(), OutputError> {
    let present = files_under(target)?;
    if present.is_empty() {
        return Ok(());
    }
    let refuse = |why: String| OutputError::Refused {
        path: target.to_path_buf(),
        why,
    };
    let Some(manifest) = read_manifest(target)? else {
        return Err(refuse(
            "exists and is not a grassroots output directory (no manifest.json); nothing was changed — choose another --out".into(),
        ));
    };
    let kind = manifest_kind(target, &manifest);
    if kind != "run" {
        return Err(refuse(format!(
            "holds a {kind} study (plan.json, runs/); `run` never replaces a study — choose another --out"
        )));
    }
    let listed = listed_files(&manifest);
    let foreign: Vec<String> = present
        .into_iter()
        .filter(|f| !listed.contains(f))
        .collect();
    if !foreign.is_empty() {
        return Err(refuse(format!(
            "holds files grassroots did not write ({}); nothing was changed — move them away or choose another --out",
            foreign_list(&foreign)
        )));
    }
    let previous = manifest
        .get("inputs")
        .and_then(|i| i.as_str())
        .unwrap_or("");
    if previous != inputs && !force {
        let overrides = manifest
            .get("overrides")
            .and_then(|o| o.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|o| o.as_str().map(str::to_string))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
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
        return Err(refuse(format!(
            "holds the results of other inputs ({what}); nothing was changed — add --force to replace them, or choose another --out"
        )));
    }
    Ok(())
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
/// output or files grassroots did not write. Whether its `plan.json` is the
/// same study is the caller's check ([`crate::output::study::check_same_study`]).
pub fn claim_study_dir(dir: &Path, command: &str) -> Result<DirLock, OutputError> {
    if dir.exists() && !dir.is_dir() {
        return Err(OutputError::Refused {
            path: dir.to_path_buf(),
            why: "exists and is not a directory; choose another --out".into(),
        });
    }
    refuse_foreign(dir)?;
    let lock = DirLock::acquire(dir, command)?;
    store::remove_partials(dir, &lock)?;
    store::remove_partials(&dir.join("charts"), &lock)?;
    let present = files_under(dir)?;
    if present.is_empty() || dir.join("plan.json").is_file() {
        if let Some(m) = read_manifest(dir)? {
            let kind = manifest_kind(dir, &m);
            if kind == "run" {
                return Err(OutputError::Refused {
                    path: dir.to_path_buf(),
                    why: "holds the output of `grassroots run`; a study never replaces it — choose another --out".into(),
                });
            }
        }
        return Ok(lock);
    }
    let why = match read_manifest(dir)? {
        Some(_) => {
            "holds the output of `grassroots run`; a study never replaces it — choose another --out"
                .to_string()
        }
        None => format!(
            "holds files grassroots did not write ({}) and no study; nothing was changed — choose another --out",
            foreign_list(&present)
        ),
    };
    Err(OutputError::Refused {
        path: dir.to_path_buf(),
        why,
    })
}
