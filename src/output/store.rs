//! The run store of a study directory: one file per finished run,
//! `DIR/runs/<key>.csv`, verified whenever it is read (`docs/reliability.md`).
//!
//! A stored run starts with one line of provenance, then a CSV table (one row
//! per month, one column per metric), then the final month's distributions
//! (one line per level and quantity of `metrics::DISTRIBUTIONS`, with its
//! counts in `metrics::DIST_BINS` bins of width 0.05 over [0, 1]):
//!
//! ```text
//! # grassroots run format=2 key=<key> model=<identity> months=<n> sha256=<checksum of the rest>
//! service_capacity,share_met,...
//! 812.5,0.61,...
//! # final-month distributions: level,quantity,counts of 20 bins of width 0.05 over [0, 1]
//! households,satisfaction,0,0,3,...
//! ...
//! villages,motivation,0,1,...
//! ```
//!
//! A run is used only if the line names this store format ([`FORMAT`]), the
//! key the file is stored under and the key the plan expects, this build's
//! model identity and the number of months the plan expects, and the checksum
//! of the rest matches. Anything else is a damaged run: a study runs it
//! again, a merge refuses it. Runs stored by an older grassroots (format 1,
//! without `format=` and without distributions) are damaged in this sense:
//! they are never read as if they had no distributions.

use super::files::{AtomicFile, remove_partials};
use super::{OutputError, io_err, lock::DirLock};
use crate::digest::sha256_hex;
use crate::metrics::{DIST_BINS, DISTRIBUTIONS, Distributions, MonthMetrics, N_METRICS};
use crate::study::StoredRun;
pub use crate::study::runner::RunState;
use crate::study::runner::RunStore;
use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// About how many bytes one stored run of `months` months takes on disk: a
/// row of every metric per month (≈ 13 characters a value as written) and
/// the provenance line, header and distributions (≈ 2 KB). Measured: 76 KB
/// for 120 months, as this gives 78 KB. For the plan line's estimate of
/// `runs/`, not a limit.
pub fn stored_run_bytes(months: u32) -> u64 {
    u64::from(months) * N_METRICS as u64 * 13 + 2048
}

/// The run store of a study directory: `DIR/runs/<key>.csv`.
#[derive(Debug, Clone)]
pub struct Store {
    runs: PathBuf,
}

/// The format of stored runs this build writes and reads: 2 adds the final
/// month's distributions to format 1 (metrics only, no `format=` field).
pub const FORMAT: u32 = 2;

/// The line that starts a stored run's distributions.
const DISTRIBUTIONS_LINE: &str =
    "# final-month distributions: level,quantity,counts of 20 bins of width 0.05 over [0, 1]";
const _: () = assert!(DIST_BINS == 20, "DISTRIBUTIONS_LINE names the bins");

/// The provenance line of a stored run.
fn provenance(key: &str, months: usize, checksum: &str) -> String {
    format!(
        "# grassroots run format={FORMAT} key={key} model={} months={months} sha256={checksum}",
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
    pub fn write(&self, key: &str, run: &StoredRun) -> Result<(), OutputError> {
        let path = self.path(key);
        let months = &run.months;
        // Cells are formatted straight into the table (no string per cell):
        // the same text, written once per run of every study.
        let mut table = String::with_capacity((months.len() + 1) * N_METRICS * 20 + 1024);
        for (i, name) in crate::metrics::names().enumerate() {
            if i > 0 {
                table.push(',');
            }
            table.push_str(name);
        }
        table.push('\n');
        for row in months {
            for (i, x) in row.iter().enumerate() {
                if i > 0 {
                    table.push(',');
                }
                let _ = write!(table, "{x}");
            }
            table.push('\n');
        }
        table.push_str(DISTRIBUTIONS_LINE);
        table.push('\n');
        for ((level, quantity), counts) in DISTRIBUTIONS.iter().zip(&run.distributions.counts) {
            table.push_str(level.name());
            table.push(',');
            table.push_str(quantity.name());
            for c in counts {
                let _ = write!(table, ",{c}");
            }
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
    pub fn read(&self, key: &str, months: u32) -> Result<StoredRun, OutputError> {
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
    fn read(&self, key: &str, months: u32) -> Result<StoredRun, OutputError> {
        Store::read(self, key, months)
    }
    fn write(&self, key: &str, run: &StoredRun) -> Result<(), OutputError> {
        Store::write(self, key, run)
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
fn parse(bytes: &[u8], key: &str, months: u32) -> Result<StoredRun, String> {
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
    if field("format") != FORMAT.to_string() {
        return Err(match field("format") {
            "" => format!(
                "was stored by an older grassroots in store format 1, without the final-month distributions; this build reads only format {FORMAT}"
            ),
            other => format!(
                "was stored in store format `{other}`; this build reads only format {FORMAT}"
            ),
        });
    }
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
    let (table, distributions) = match table.find(&format!("\n{DISTRIBUTIONS_LINE}\n")) {
        Some(at) => (&table[..=at], &table[at + DISTRIBUTIONS_LINE.len() + 2..]),
        None => return Err("has no final-month distributions".into()),
    };
    let months_read = parse_months(table, months)?;
    Ok(StoredRun {
        months: months_read,
        distributions: parse_distributions(distributions)?,
    })
}

/// The table of metrics of a stored run, which must have `months` rows.
fn parse_months(table: &str, months: u32) -> Result<Vec<MonthMetrics>, String> {
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

/// The distributions of a stored run: one line per level and quantity of
/// `DISTRIBUTIONS`, in that order, each with its counts.
fn parse_distributions(text: &str) -> Result<Distributions, String> {
    let mut d = Distributions::default();
    let mut lines = text.lines();
    for ((level, quantity), counts) in DISTRIBUTIONS.iter().zip(d.counts.iter_mut()) {
        let want = format!("{},{}", level.name(), quantity.name());
        let line = lines
            .next()
            .ok_or_else(|| format!("has no distribution of {want}"))?;
        let cells = line
            .strip_prefix(&want)
            .and_then(|rest| rest.strip_prefix(','))
            .ok_or_else(|| format!("has `{line}` where the distribution of {want} belongs"))?;
        let cells: Vec<&str> = cells.split(',').collect();
        if cells.len() != DIST_BINS {
            return Err(format!(
                "distribution of {want} has {} counts, expected {DIST_BINS}",
                cells.len()
            ));
        }
        for (c, cell) in counts.iter_mut().zip(cells) {
            *c = cell
                .parse()
                .map_err(|_| format!("distribution of {want}: bad count `{cell}`"))?;
        }
    }
    if let Some(extra) = lines.next() {
        return Err(format!("has `{extra}` after its distributions"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(months: usize) -> StoredRun {
        let mut distributions = Distributions::default();
        for (i, counts) in distributions.counts.iter_mut().enumerate() {
            counts[i] = 7 + i as u64;
            counts[DIST_BINS - 1] = 1000 * i as u64;
        }
        StoredRun {
            months: (0..months)
                .map(|m| {
                    let mut row = [0.0; N_METRICS];
                    row[0] = m as f64 + 0.5;
                    row
                })
                .collect(),
            distributions,
        }
    }

    /// `text` with its table replaced by `f(table)` and the checksum made
    /// to match, as if written so.
    fn rewritten(text: &str, f: impl Fn(&str) -> String) -> String {
        let (first, table) = text.split_once('\n').unwrap();
        let table = f(table);
        let sum = first.split(' ').next_back().unwrap();
        format!(
            "{}\n{table}",
            first.replace(sum, &format!("sha256={}", sha256_hex(table.as_bytes())))
        )
    }

    #[test]
    fn a_run_of_the_old_format_is_damaged_not_read_without_distributions() {
        let dir = tempfile::tempdir().unwrap();
        let lock = DirLock::acquire(dir.path(), "test").unwrap();
        let store = Store::open(dir.path(), &lock).unwrap();
        store.write("k1", &table(3)).unwrap();
        let text = fs::read_to_string(store.path("k1")).unwrap();
        assert!(
            text.starts_with("# grassroots run format=2 key=k1 "),
            "{text}"
        );
        assert!(
            text.contains("\nvillages,motivation,0,0,0,0,0,12,"),
            "{text}"
        );
        // Format 1, as an older grassroots wrote it: no `format=`, no
        // distributions, a checksum that matches.
        let old = rewritten(&text.replacen("format=2 ", "", 1), |table| {
            table[..table.find("# final-month").unwrap()].to_string()
        });
        fs::write(store.path("k1"), &old).unwrap();
        match store.state("k1", 3) {
            RunState::Damaged(why) => assert!(why.contains("format 1"), "{why}"),
            other => panic!("an old-format run is {other:?}"),
        }
        assert!(store.read("k1", 3).is_err());
        // The distributions present but the marker missing, or a marker of
        // another format: damaged as well.
        fs::write(store.path("k1"), text.replacen("format=2 ", "", 1)).unwrap();
        assert!(matches!(store.state("k1", 3), RunState::Damaged(w) if w.contains("format 1")));
        fs::write(store.path("k1"), text.replacen("format=2 ", "format=3 ", 1)).unwrap();
        assert!(matches!(store.state("k1", 3), RunState::Damaged(w) if w.contains("format `3`")));
        // The new marker on an old table (checksum matching): no distributions.
        fs::write(
            store.path("k1"),
            rewritten(&text, |t| t[..t.find("# final-month").unwrap()].to_string()),
        )
        .unwrap();
        assert!(
            matches!(store.state("k1", 3), RunState::Damaged(w) if w.contains("no final-month distributions"))
        );
        // A missing line, a short line, a bad count, a line too many.
        let damaged = |f: &dyn Fn(&str) -> String| {
            fs::write(store.path("k1"), rewritten(&text, f)).unwrap();
            match store.state("k1", 3) {
                RunState::Damaged(why) => why,
                other => panic!("{other:?}"),
            }
        };
        let drop_last = |t: &str| {
            let mut lines: Vec<&str> = t.lines().collect();
            lines.pop();
            lines.join("\n") + "\n"
        };
        assert!(damaged(&drop_last).contains("no distribution of villages,motivation"));
        assert!(
            damaged(&|t: &str| t.replace(",0,0,0,0,0,12,", ",0,0,0,0,12,")).contains("19 counts")
        );
        assert!(
            damaged(&|t: &str| t.replace(",0,0,0,0,0,12,", ",0,0,0,0,-1,12,"))
                .contains("bad count `-1`")
        );
        assert!(
            damaged(&|t: &str| format!("{t}villages,trust,1\n"))
                .contains("after its distributions")
        );
        // Written again, it verifies.
        store.write("k1", &table(3)).unwrap();
        assert_eq!(store.read("k1", 3).unwrap(), table(3));
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
