//! Files written aside and renamed into place, so a result file is either
//! complete or absent (`docs/reliability.md`). Every result file, stored run
//! and chart is written through [`AtomicFile`]; the partial files it names
//! ([`partial_path`]) are the only ones ever removed as leftovers
//! ([`remove_partials`]).

use super::lock::DirLock;
use super::{OutputError, io_err};
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A number unique within this process, for names of partial files.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The name of a file being written aside before it is renamed to `target`:
/// `<target>.grassroots-<pid>-<n>.partial`, or with `keep_extension` (for
/// tools that choose a format by the extension, such as the chart backends)
/// `<stem>.grassroots-<pid>-<n>.partial.<ext>`. Only names of these forms
/// are ever removed as leftovers ([`is_partial_name`]); the word
/// `grassroots` keeps a user's `notes.2024.06.partial` from matching.
pub fn partial_path(target: &Path, keep_extension: bool) -> PathBuf {
    let tag = format!("grassroots-{}-{}.partial", std::process::id(), unique());
    let name = match (keep_extension, target.file_stem(), target.extension()) {
        (true, Some(stem), Some(ext)) => {
            format!("{}.{tag}.{}", stem.to_string_lossy(), ext.to_string_lossy())
        }
        _ => format!(
            "{}.{tag}",
            target.file_name().unwrap_or_default().to_string_lossy()
        ),
    };
    target.with_file_name(name)
}

/// The file a partial file ([`partial_path`]) is written for: `path` itself
/// when it is not one. For messages, which name the file the user will see.
pub fn target_of_partial(path: &Path) -> PathBuf {
    // A `run`'s staging folder `.NAME.partial-PID` stands for NAME.
    let path: PathBuf = path
        .components()
        .map(|c| match staging_target(&c.as_os_str().to_string_lossy()) {
            Some(name) => std::ffi::OsString::from(name),
            None => c.as_os_str().to_os_string(),
        })
        .collect();
    let path = path.as_path();
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return path.to_path_buf();
    };
    if !is_partial_name(&name) {
        return path.to_path_buf();
    }
    let parts: Vec<&str> = name.split('.').collect();
    let Some(p) = parts.iter().rposition(|s| *s == "partial") else {
        return path.to_path_buf();
    };
    // Drop `grassroots-<pid>-<n>` and `partial`, keep what is around them.
    let kept: Vec<&str> = parts[..p - 1]
        .iter()
        .chain(parts[p + 1..].iter())
        .copied()
        .collect();
    path.with_file_name(kept.join("."))
}

/// NAME, if `name` is a `run`'s staging folder `.NAME.partial-PID`.
fn staging_target(name: &str) -> Option<&str> {
    name.strip_prefix('.')
        .and_then(|t| t.rsplit_once(".partial-"))
        .filter(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        .map(|(name, _)| name)
}

/// Whether `name` is a `run`'s staging folder (`.NAME.partial-PID`).
pub fn is_staging_name(name: &str) -> bool {
    staging_target(name).is_some()
}

/// Whether a file name is one [`partial_path`] makes.
pub fn is_partial_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    let Some(p) = parts.iter().rposition(|s| *s == "partial") else {
        return false;
    };
    // `partial` is last, or followed by one extension; preceded by
    // `grassroots-<pid>-<counter>` and a name.
    let tail_ok = p + 1 == parts.len() || p + 2 == parts.len();
    let tag_ok = p >= 2
        && parts[p - 1]
            .strip_prefix("grassroots-")
            .and_then(|t| t.split_once('-'))
            .is_some_and(|(pid, n)| pid.parse::<u32>().is_ok() && n.parse::<u64>().is_ok());
    tail_ok && tag_ok
}

/// Remove the partial files ([`is_partial_name`]) directly inside `dir`.
/// Call only while holding the directory's lock: then no live process owns
/// them. Returns how many were removed.
pub fn remove_partials(dir: &Path, _lock: &DirLock) -> Result<usize, OutputError> {
    let mut removed = 0;
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_err(dir)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io_err(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_partial_name(&name) && entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
            let path = entry.path();
            fs::remove_file(&path).map_err(io_err(&path))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// A file written aside ([`partial_path`]) and renamed to its target by
/// [`AtomicFile::commit`] (`tempfile`'s `persist`); dropped before the
/// commit, the partial file is removed.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    file: tempfile::NamedTempFile,
}

impl AtomicFile {
    /// Start writing `target` (see [`partial_path`] for `keep_extension`).
    pub fn create(target: &Path, keep_extension: bool) -> Result<AtomicFile, OutputError> {
        let partial = partial_path(target, keep_extension);
        let dir = partial.parent().unwrap_or(Path::new("."));
        let name = partial.file_name().unwrap_or_default();
        let mut builder = tempfile::Builder::new();
        builder.prefix(name).suffix("").rand_bytes(0);
        // As `fs::write` would: readable by all, less the umask.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        let file = builder.tempfile_in(dir).map_err(io_err(&partial))?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            file,
        })
    }

    /// Where the file is written until the commit.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Rename the partial file to its target.
    pub fn commit(self) -> Result<PathBuf, OutputError> {
        let AtomicFile { target, file } = self;
        file.persist(&target)
            .map_err(|e| io_err(&target)(e.error))?;
        Ok(target)
    }
}

impl Write for AtomicFile {
    // On the file itself: `NamedTempFile`'s own errors repeat its path, which
    // the caller names already.
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.as_file_mut().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_file_mut().flush()
    }
}

/// Write `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let mut file = AtomicFile::create(path, false)?;
    file.write_all(bytes).map_err(io_err(file.path()))?;
    file.commit().map(|_| ())
}

/// A CSV table being written aside; [`CsvFile::finish`] flushes it, ready
/// to commit.
pub struct CsvFile {
    writer: csv::Writer<BufWriter<AtomicFile>>,
    target: PathBuf,
}

impl CsvFile {
    /// Start writing the table `target`.
    pub fn create(target: &Path) -> Result<CsvFile, OutputError> {
        let file = AtomicFile::create(target, false)?;
        Ok(CsvFile {
            writer: csv::Writer::from_writer(BufWriter::new(file)),
            target: target.to_path_buf(),
        })
    }

    /// The CSV writer, for a serialiser of `output::csv`.
    pub fn writer(&mut self) -> &mut csv::Writer<BufWriter<AtomicFile>> {
        &mut self.writer
    }

    /// Flush the table; the returned file is ready to commit.
    pub fn finish(self) -> Result<AtomicFile, OutputError> {
        let target = self.target;
        let buffered = self.writer.into_inner().map_err(|e| OutputError::Io {
            path: target.clone(),
            source: e.into_error(),
        })?;
        buffered.into_inner().map_err(|e| OutputError::Io {
            path: target,
            source: e.into_error(),
        })
    }
}

/// The error of serialising the CSV table `path`.
pub fn csv_err(path: &Path) -> impl FnOnce(csv::Error) -> OutputError + '_ {
    move |source| OutputError::Csv {
        path: path.to_path_buf(),
        source,
    }
}

/// Write the table `path` with `serialise` (a serialiser of `output::csv`),
/// aside; the returned file is ready to commit.
pub fn write_csv(
    path: &Path,
    serialise: impl FnOnce(&mut csv::Writer<BufWriter<AtomicFile>>) -> csv::Result<()>,
) -> Result<AtomicFile, OutputError> {
    let mut table = CsvFile::create(path)?;
    serialise(table.writer()).map_err(csv_err(path))?;
    table.finish()
}

/// Commit files written aside, in order; their names relative to `dir`
/// (`/`-separated).
pub fn commit_all(dir: &Path, files: Vec<AtomicFile>) -> Result<Vec<String>, OutputError> {
    files
        .into_iter()
        .map(|f| {
            let target = f.commit()?;
            let rel = target.strip_prefix(dir).unwrap_or(&target);
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            Ok(parts.join("/"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_names_are_recognised_and_nothing_else() {
        let p = partial_path(Path::new("/x/runs/abc.csv"), false);
        assert!(is_partial_name(&p.file_name().unwrap().to_string_lossy()));
        let p = partial_path(Path::new("/x/charts/speed.png"), true);
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("speed.grassroots-") && name.ends_with(".partial.png"));
        assert!(is_partial_name(&name));
        assert!(is_partial_name("speed.grassroots-123-4.partial.png"));
        assert!(is_partial_name("summary.csv.grassroots-123-4.partial"));
        // A user's files that merely look like partial files are not.
        for name in [
            "notes.txt",
            "partial",
            "a.partial",
            "x.y.partial",
            "summary.csv",
            "interviews.2024.06.partial",
            "draft.1.2.partial.docx",
            "fig.3.4.partial.png",
            "x.grassroots-1-2.partial.tar.gz",
            "x.grassroots-a-2.partial",
            "grassroots-1-2.partial",
        ] {
            assert!(!is_partial_name(name), "{name}");
        }
    }

    #[test]
    fn a_partial_file_names_its_target() {
        for (target, keep) in [("/x/runs/abc.csv", false), ("/x/charts/speed.png", true)] {
            let p = partial_path(Path::new(target), keep);
            assert_eq!(target_of_partial(&p), Path::new(target));
        }
        assert_eq!(
            target_of_partial(Path::new("/x/a.csv")),
            Path::new("/x/a.csv")
        );
        // In a run's staging folder: named as in its --out.
        assert_eq!(
            target_of_partial(Path::new("/x/.r.partial-123/charts/a.png")),
            Path::new("/x/r/charts/a.png")
        );
        assert_eq!(
            target_of_partial(Path::new("/x/.r.partial-/a.csv")),
            Path::new("/x/.r.partial-/a.csv")
        );
    }

    #[test]
    fn an_atomic_file_appears_complete_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t.csv");
        let mut f = AtomicFile::create(&target, false).unwrap();
        f.write_all(b"a,b\n").unwrap();
        assert!(!target.exists());
        assert!(is_partial_name(
            &f.path().file_name().unwrap().to_string_lossy()
        ));
        f.commit().unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "a,b\n");
        // Dropped before the commit: nothing is left.
        let f = AtomicFile::create(&dir.path().join("u.csv"), false).unwrap();
        drop(f);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
