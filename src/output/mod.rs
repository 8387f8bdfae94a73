//! Outputs of a run: CSV tables, the manifest and charts.
//!
//! Everything is written into a temporary sibling directory first and moved
//! into place only when all files are complete, so a failed run never leaves
//! half-written output behind.

pub mod chart;
pub mod csv;
pub mod lock;
pub mod manifest;
pub mod ownership;
pub mod report;
pub mod store;
pub mod study;

pub use lock::DirLock;
pub use ownership::{StagedDir, claim_study_dir, inputs_identity};

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
    #[error("{path}: damaged stored run ({why})")]
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
