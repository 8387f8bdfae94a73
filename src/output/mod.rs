//! Outputs of a run: CSV tables, the manifest and charts.
//!
//! Everything is written into a temporary sibling directory first and moved
//! into place only when all files are complete, so a failed run never leaves
//! half-written output behind.

pub mod chart;
pub mod csv;
pub mod manifest;
pub mod report;
pub mod study;

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
    /// Drawing a chart failed.
    #[error("{path}: could not draw chart: {message}")]
    Chart {
        /// The path concerned.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Helper: attach a path to an I/O error.
pub fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether an existing output target may be replaced: an empty directory or
/// one holding a previous run's `manifest.json`.
fn replaceable(target: &Path) -> bool {
    target.is_dir()
        && (target.join("manifest.json").is_file()
            || fs::read_dir(target)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false))
}

/// A directory being written; it becomes `target` on [`StagedDir::commit`]
/// and is removed if dropped before.
#[derive(Debug)]
pub struct StagedDir {
    staging: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl StagedDir {
    /// Start writing the directory `target`.
    ///
    /// An existing `target` is replaced at the commit only if it is empty or
    /// holds a previous run (a `manifest.json`); any other directory is
    /// refused here, before anything is written.
    pub fn new(target: &Path) -> Result<Self, OutputError> {
        if target.exists() && !replaceable(target) {
            return Err(OutputError::Io {
                path: target.to_path_buf(),
                source: std::io::Error::other(
                    "exists and is not a grassroots output directory (no manifest.json); choose another --out",
                ),
            });
        }
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(io_err(parent))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into());
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
        }
        fs::create_dir_all(&staging).map_err(io_err(&staging))?;
        Ok(StagedDir {
            staging,
            target: target.to_path_buf(),
            committed: false,
        })
    }

    /// Where files are written until the commit.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Replace `target` with the staged directory.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        if self.target.exists() {
            fs::remove_dir_all(&self.target).map_err(io_err(&self.target))?;
        }
        fs::rename(&self.staging, &self.target).map_err(io_err(&self.target))?;
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}
