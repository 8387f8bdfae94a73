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

use super::files::{AtomicFile, remove_partials};
use super::{OutputError, io_err, lock::DirLock};
use crate::digest::sha256_hex;
use crate::metrics::{MonthMetrics, N_METRICS};
pub use crate::study::runner::RunState;
use crate::study::runner::RunStore;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

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
        RunStore::prepare(self, key)?;
        let mut file = AtomicFile::create(&path, false)?;
        file.write_all(text.as_bytes())
            .map_err(io_err(file.path()))?;
        file.commit().map(|_| ())
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
            let mut file = AtomicFile::create(&target, false)?;
            let mut from = fs::File::open(&source).map_err(io_err(&source))?;
            std::io::copy(&mut from, &mut file).map_err(io_err(file.path()))?;
            file.commit()?;
            copied += 1;
        }
        Ok(copied)
    }
}

impl RunStore for Store {
    type Error = OutputError;
    fn state(&self, key: &str, months: u32) -> RunState {
        Store::state(self, key, months)
    }
    fn read(&self, key: &str, months: u32) -> Result<Vec<MonthMetrics>, OutputError> {
        Store::read(self, key, months)
    }
    fn write(&self, key: &str, months: &[MonthMetrics]) -> Result<(), OutputError> {
        Store::write(self, key, months)
    }
    fn prepare(&self, key: &str) -> Result<(), OutputError> {
        let path = self.path(key);
        match path.is_dir() {
            true => Err(OutputError::Refused {
                path,
                why: "is a directory where a stored run belongs; remove it and run again".into(),
            }),
            false => Ok(()),
        }
    }
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
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(table.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| format!("has no table of metrics ({e})"))?;
    if header.iter().ne(crate::metrics::names()) {
        return Err("has other metrics than this version writes".into());
    }
    let mut out = Vec::with_capacity(months as usize);
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("row {}: {e}", i + 1))?;
        if record.len() != N_METRICS {
            return Err(format!(
                "row {} has {} cells, expected {N_METRICS}",
                i + 1,
                record.len()
            ));
        }
        let mut row = [0.0; N_METRICS];
        for (x, cell) in row.iter_mut().zip(record.iter()) {
            *x = cell
                .parse()
                .map_err(|_| format!("row {}: bad number `{cell}`", i + 1))?;
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
