//! Outputs of runs and studies: CSV tables, the manifest, charts, reports and
//! the run store. Output only serialises and writes: each table has a
//! serialiser (`csv`), written through one atomic-file helper (`files`); a
//! `run` is assembled into a staged directory (`run`, `ownership`), a study
//! file by file (`study`).
//!
//! Nothing is ever half-written: a run's directory is staged beside its
//! target and swapped into place, a study's files are written aside and
//! renamed.

pub mod calibration;
pub mod chart;
pub mod csv;
pub mod dictionary;
pub mod files;
pub mod html;
pub mod json_schema;
pub mod lock;
pub mod manifest;
pub mod merge;
pub mod ownership;
pub mod plot;
pub mod report;
pub mod run;
pub mod sensitivity;
pub mod store;
pub mod study;
pub mod template;

pub use lock::DirLock;
pub use ownership::{STUDY_RESULT_FILES, StagedDir, claim_study_dir, inputs_identity};

use std::path::{Path, PathBuf};

/// An output error, with the path concerned.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file-system operation failed.
    #[error("{}", io_message(path, source))]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Serialising a CSV table failed.
    #[error("{}", csv_message(path, source))]
    Csv {
        /// The table.
        path: PathBuf,
        /// The underlying error.
        source: ::csv::Error,
    },
    /// A `plan.json` that does not parse as a study plan.
    #[error("{path}: not a study plan: {source}")]
    NotAPlan {
        /// The file.
        path: PathBuf,
        /// Why it does not parse.
        source: serde_json::Error,
    },
    /// Results cannot be assembled: runs of the plan are not in the store.
    #[error(
        "{path}: {missing} of {total} runs are missing; run the remaining shards (or resume the study), then merge"
    )]
    Incomplete {
        /// The run store.
        path: PathBuf,
        /// Runs missing.
        missing: usize,
        /// Runs of the plan.
        total: usize,
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

/// A failed file-system operation in words: the path, the error, and for
/// the two a user can mend (no permission; a broken symbolic link in the
/// way) what to do. Grassroots' own hidden files (a directory being
/// assembled, the lock) are named by the folder they were to be made in.
fn io_message(path: &Path, source: &std::io::Error) -> String {
    let hidden = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'));
    let shown = match (hidden, path.parent()) {
        (true, Some(parent)) if !parent.as_os_str().is_empty() => parent,
        _ => path,
    };
    let in_run_staging = path
        .components()
        .any(|c| files::is_staging_name(&c.as_os_str().to_string_lossy()));
    // A partial file is named by the file it is written for.
    let target = files::target_of_partial(path);
    let path = target.as_path();
    // ENOSPC, EDQUOT: the user can mend these too.
    // By kind as well: an error wrapped with its path (by `tempfile`) keeps
    // the kind but not the OS code.
    if matches!(source.raw_os_error(), Some(28) | Some(122))
        || matches!(
            source.kind(),
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
        )
    {
        // A `run` writes into its staging folder and stores no runs.
        let resumes = if in_run_staging {
            ""
        } else {
            " (a study resumes from the runs it stored)"
        };
        return format!(
            "{}: no space left on the device (or the disk quota is used up) — free some space or choose another --out, then run the same command again{resumes}",
            path.display()
        );
    }
    match source.kind() {
        std::io::ErrorKind::PermissionDenied => format!(
            "{}: permission denied — this user cannot write there; choose another --out, or check the folder's permissions",
            shown.display()
        ),
        std::io::ErrorKind::AlreadyExists
            if path.symlink_metadata().is_ok_and(|m| m.is_symlink()) && !path.exists() =>
        {
            format!(
                "{}: is a symbolic link to something that does not exist; remove the link, or choose another --out",
                path.display()
            )
        }
        _ => format!("{}: {source}", path.display()),
    }
}

/// A failed CSV write in words: an I/O failure as [`io_message`] says it.
fn csv_message(path: &Path, source: &::csv::Error) -> String {
    match source.kind() {
        ::csv::ErrorKind::Io(e) => io_message(path, e),
        _ => format!("{}: {source}", path.display()),
    }
}

/// Helper: attach a path to an I/O error.
pub fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_said_with_what_to_do_and_names_the_target() {
        let full = std::io::Error::from_raw_os_error(28);
        let partial = files::partial_path(Path::new("out/summary.csv"), false);
        let m = io_message(&partial, &full);
        assert!(
            m.starts_with("out/summary.csv: no space left on the device"),
            "{m}"
        );
        assert!(m.contains("free some space or choose another --out"), "{m}");
        let wrapped = std::io::Error::new(std::io::ErrorKind::StorageFull, "at path x");
        assert!(io_message(Path::new("a.csv"), &wrapped).contains("no space left"));
        assert!(m.contains("a study resumes"), "{m}");
        // A run's files, written in its staging folder: no runs are stored.
        let m = io_message(Path::new("out/.r.partial-12/summary.csv"), &full);
        assert!(m.starts_with("out/r/summary.csv: no space left"), "{m}");
        assert!(!m.contains("study"), "{m}");
    }

    #[test]
    fn io_errors_a_user_can_mend_say_what_to_do() {
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        // A hidden file of grassroots' own is named by its folder.
        let m = io_message(Path::new("out/.r.partial-12"), &denied);
        assert!(
            m.starts_with("out: permission denied — this user cannot write there"),
            "{m}"
        );
        let m = io_message(Path::new("out/report.md"), &denied);
        assert!(m.starts_with("out/report.md: permission denied"), "{m}");
        #[cfg(unix)]
        {
            let dir = tempfile::tempdir().unwrap();
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
            let exists = std::io::Error::from(std::io::ErrorKind::AlreadyExists);
            let m = io_message(&link, &exists);
            assert!(
                m.contains("is a symbolic link to something that does not exist"),
                "{m}"
            );
        }
        let other = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(
            io_message(Path::new("a/b.csv"), &other),
            format!("a/b.csv: {other}")
        );
    }
}
