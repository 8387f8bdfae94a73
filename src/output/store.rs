//! The run store of a study directory: one file per finished run,
//! `DIR/runs/<key>.csv`, verified whenever it is read (`docs/reliability.md`).
//!
//! A stored run starts with one line of provenance, then a CSV table (one row
//! per month, one column per metric):
//!
//! ```text
//! # grassroots run key=<key> model=<identity> months=<n> sha256=<checksum of the rest>
//! service_capacity,share_met,...
//! 812.5,0.61,...
//! ```
//!
//! A run is used only if the line names the key the file is stored under and
//! the key the plan expects, this build's model identity, the number of months
//! the plan expects, and the checksum of the table matches. Anything else is a
//! damaged run: a study runs it again, a merge refuses it.

use super::{OutputError, io_err, lock::DirLock};
use crate::digest::sha256_hex;
use crate::metrics::{MonthMetrics, N_METRICS};
use std::fs;
use std::path::{Path, PathBuf};

/// A number unique within this process, for names of partial files.
pub(crate) fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The name of a file being written aside before it is renamed to `target`:
/// `<target>.<pid>.<n>.partial`. Only names of this form are ever removed as
/// leftovers ([`is_partial_name`]).
pub(crate) fn partial_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.{}.partial", std::process::id(), unique()));
    target.with_file_name(name)
}

/// Whether a file name is one [`partial_path`] makes (or the chart variant
/// `<stem>.<pid>.<n>.partial.<ext>`).
pub(crate) fn is_partial_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    let Some(p) = parts.iter().rposition(|s| *s == "partial") else {
        return false;
    };
    // `partial` is last, or followed by one extension; preceded by pid and counter.
    let tail_ok = p + 1 == parts.len() || p + 2 == parts.len();
    tail_ok && p >= 3 && parts[p - 1].parse::<u64>().is_ok() && parts[p - 2].parse::<u32>().is_ok()
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

/// Why a stored run cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub enum RunState {
    /// No file.
    Missing,
    /// A verified run.
    Valid,
    /// A file that fails verification, and why.
    Damaged(String),
}

/// The run store of a study directory: `DIR/runs/<key>.csv`.
#[derive(Debug, Clone)]
pub struct Store {
    runs: PathBuf,
}

/// The provenance line of a stored run.
fn provenance(key: &str, months: usize, checksum: &str) -> String {
    format!(
        "# grassroots run key={key} model={} months={months} sha256={checksum}",
        crate::model_identity()
    )
}

impl Store {
    /// Open (and create) the store of study directory `dir`, whose lock the
    /// caller holds, removing partial files an interrupted run left behind.
    pub fn open(dir: &Path, lock: &DirLock) -> Result<Store, OutputError> {
        let runs = dir.join("runs");
        fs::create_dir_all(&runs).map_err(io_err(&runs))?;
        remove_partials(&runs, lock)?;
        Ok(Store { runs })
    }

    /// Open the store of a directory only to read it (a shard being merged).
    pub fn open_read(dir: &Path) -> Store {
        Store {
            runs: dir.join("runs"),
        }
    }

    /// Path of a run's file.
    pub fn path(&self, key: &str) -> PathBuf {
        self.runs.join(format!("{key}.csv"))
    }

    /// Store a run atomically (write aside, then rename).
    pub fn write(&self, key: &str, months: &[MonthMetrics]) -> Result<(), OutputError> {
        let path = self.path(key);
        let partial = partial_path(&path);
        let mut table = String::with_capacity((months.len() + 1) * N_METRICS * 12);
        table.push_str(&crate::metrics::names().collect::<Vec<_>>().join(","));
        table.push('\n');
        for row in months {
            let cells: Vec<String> = row.iter().map(|x| format!("{x}")).collect();
            table.push_str(&cells.join(","));
            table.push('\n');
        }
        let text = format!(
            "{}\n{table}",
            provenance(key, months.len(), &sha256_hex(table.as_bytes()))
        );
        if path.is_dir() {
            return Err(OutputError::Refused {
                path,
                why: "is a directory where a stored run belongs; remove it and run again".into(),
            });
        }
        put(&partial, &path, |p| fs::write(p, &text))
    }

    /// Whether run `key` is stored, verified against `months` expected months.
    pub fn state(&self, key: &str, months: u32) -> RunState {
        let path = self.path(key);
        match fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => RunState::Missing,
            Err(e) => RunState::Damaged(format!("cannot be read: {e}")),
            Ok(bytes) => match parse(&bytes, key, months) {
                Ok(_) => RunState::Valid,
                Err(why) => RunState::Damaged(why),
            },
        }
    }

    /// Read and verify run `key`, which must have `months` months.
    pub fn read(&self, key: &str, months: u32) -> Result<Vec<MonthMetrics>, OutputError> {
        let path = self.path(key);
        let bytes = fs::read(&path).map_err(io_err(&path))?;
        parse(&bytes, key, months).map_err(|why| OutputError::Damaged { path, why })
    }

    /// Copy every run of `keys` that this store lacks (or holds damaged) from
    /// `other`, verifying each; a damaged run in `other` is an error naming
    /// its file. Returns how many were copied.
    pub fn absorb<'a>(
        &self,
        other: &Store,
        keys: impl IntoIterator<Item = &'a str>,
        months: u32,
    ) -> Result<usize, OutputError> {
        let mut copied = 0;
        for key in keys {
            match other.state(key, months) {
                RunState::Missing => continue,
                RunState::Damaged(why) => {
                    return Err(OutputError::Damaged {
                        path: other.path(key),
                        why,
                    });
                }
                RunState::Valid => {}
            }
            if self.state(key, months) == RunState::Valid {
                continue;
            }
            let (source, target) = (other.path(key), self.path(key));
            let partial = partial_path(&target);
            put(&partial, &target, |p| fs::copy(&source, p).map(|_| ()))?;
            copied += 1;
        }
        Ok(copied)
    }
}

/// Write `partial` with `write`, then rename it to `target`; on failure the
/// partial file is removed and the error names the path that failed.
fn put(
    partial: &Path,
    target: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<(), OutputError> {
    let result = write(partial)
        .map_err(io_err(partial))
        .and_then(|()| fs::rename(partial, target).map_err(io_err(target)));
    if result.is_err() {
        let _ = fs::remove_file(partial);
    }
    result
}

/// Verify and parse a stored run's bytes.
fn parse(bytes: &[u8], key: &str, months: u32) -> Result<Vec<MonthMetrics>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "is not UTF-8 text".to_string())?;
    let (first, table) = text
        .split_once('\n')
        .ok_or_else(|| "has no provenance line (empty or cut short)".to_string())?;
    let Some(fields) = first.strip_prefix("# grassroots run ") else {
        return Err(
            "has no `# grassroots run` provenance line (written by an older grassroots or not a run)"
                .into(),
        );
    };
    let field = |name: &str| {
        fields
            .split(' ')
            .find_map(|f| f.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
            .unwrap_or("")
    };
    if field("key") != key {
        return Err(format!(
            "claims key `{}` but is stored as `{key}` (copied under another name?)",
            field("key")
        ));
    }
    let identity = crate::model_identity();
    if field("model") != identity {
        return Err(format!(
            "was made by model `{}`, not this build's `{identity}`",
            field("model")
        ));
    }
    if field("months") != months.to_string() {
        return Err(format!(
            "claims {} months where the plan has {months}",
            field("months")
        ));
    }
    if field("sha256") != sha256_hex(table.as_bytes()) {
        return Err("checksum does not match its contents (changed or cut short)".into());
    }
    let mut lines = table.lines();
    let header = lines.next().unwrap_or_default();
    let names: Vec<&str> = crate::metrics::names().collect();
    if header.split(',').ne(names.iter().copied()) {
        return Err("has other metrics than this version writes".into());
    }
    let mut out = Vec::with_capacity(months as usize);
    for (i, line) in lines.enumerate() {
        let mut row = [0.0; N_METRICS];
        let mut n = 0;
        for cell in line.split(',') {
            if n < N_METRICS {
                row[n] = cell
                    .parse()
                    .map_err(|_| format!("row {}: bad number `{cell}`", i + 1))?;
            }
            n += 1;
        }
        if n != N_METRICS {
            return Err(format!("row {} has {n} cells, expected {N_METRICS}", i + 1));
        }
        out.push(row);
    }
    if out.len() != months as usize {
        return Err(format!("has {} monthly rows, expected {months}", out.len()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_names_are_recognised_and_nothing_else() {
        let p = partial_path(Path::new("/x/runs/abc.csv"));
        assert!(is_partial_name(&p.file_name().unwrap().to_string_lossy()));
        assert!(is_partial_name("speed.123.4.partial.png"));
        for name in [
            "notes.txt",
            "partial",
            "a.partial",
            "x.y.partial",
            "summary.csv",
        ] {
            assert!(!is_partial_name(name), "{name}");
        }
    }

    fn table(months: usize) -> Vec<MonthMetrics> {
        (0..months)
            .map(|m| {
                let mut row = [0.0; N_METRICS];
                row[0] = m as f64 + 0.5;
                row
            })
            .collect()
    }

    #[test]
    fn a_written_run_verifies_and_damage_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let lock = DirLock::acquire(dir.path(), "test").unwrap();
        let store = Store::open(dir.path(), &lock).unwrap();
        store.write("k1", &table(3)).unwrap();
        assert_eq!(store.state("k1", 3), RunState::Valid);
        assert_eq!(store.read("k1", 3).unwrap(), table(3));
        assert!(matches!(store.state("k1", 4), RunState::Damaged(w) if w.contains("months")));
        assert_eq!(store.state("k2", 3), RunState::Missing);
        // Copied under another key.
        fs::copy(store.path("k1"), store.path("k2")).unwrap();
        assert!(matches!(store.state("k2", 3), RunState::Damaged(w) if w.contains("claims key")));
        // Cut short.
        let text = fs::read_to_string(store.path("k1")).unwrap();
        fs::write(store.path("k1"), &text[..text.len() - 10]).unwrap();
        assert!(matches!(store.state("k1", 3), RunState::Damaged(w) if w.contains("checksum")));
        // Header only, no provenance.
        fs::write(store.path("k1"), text.lines().nth(1).unwrap()).unwrap();
        assert!(matches!(store.state("k1", 3), RunState::Damaged(_)));
    }
}
