//! Helpers shared by the integration tests: the binary, the test data,
//! running a command, a temporary directory, and metrics of library runs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `grassroots` binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_grassroots"))
}

/// Absolute path of a file in `tests/data`.
pub fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
        .display()
        .to_string()
}

/// Run the binary with `args`.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("binary runs")
}

/// Run the binary, which must succeed; its stdout.
pub fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A temporary directory (removed when the guard drops) and its path.
pub fn temp() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().to_path_buf();
    (t, p)
}

/// Mean of `metric` over the last 12 months of `replicates` replicates of `s`.
pub fn last_year_mean(s: &grassroots::scenario::Scenario, metric: &str, replicates: u32) -> f64 {
    let k = grassroots::metrics::metric_index(metric).unwrap();
    let runs = grassroots::study::run_replicates(s, 0, replicates, &|| {});
    let months = s.scenario.months as usize;
    let total: f64 = runs
        .iter()
        .map(|r| r.months[months - 12..].iter().map(|m| m[k]).sum::<f64>())
        .sum();
    total / (runs.len() * 12) as f64
}

/// The rows of a CSV file as column → value maps.
pub fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .zip(rec.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Whether `program args` runs and succeeds; otherwise why not (the last
/// line of its stderr).
pub fn available(program: &str, args: &[&str]) -> Result<(), String> {
    match Command::new(program).args(args).output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(String::from_utf8_lossy(&o.stderr)
            .lines()
            .last()
            .unwrap_or("failed")
            .to_string()),
        Err(e) => Err(format!("{program}: {e}")),
    }
}

/// Whether a test that needs another program (`what`, e.g. "the Mesa
/// version") can run, given `check` ([`available`]): if not, it is
/// skipped with the reason printed, or fails when the environment variable
/// `require` is 1 (set by `.ci/run` once it has installed the program).
pub fn optional(what: &str, require: &str, check: Result<(), String>) -> bool {
    match check {
        Ok(()) => true,
        Err(why) => {
            assert!(
                std::env::var(require).map_or(true, |v| v != "1"),
                "{require}=1 but the {what} cannot run: {why}"
            );
            eprintln!("{what} skipped: {why} (set {require}=1 to make this a failure)");
            false
        }
    }
}

/// Whether `path` (under the project root) ships with the project: tracked
/// by git when the tests run in a git checkout — a researcher's own scenario
/// saved in `scenarios/`, as the README suggests, is theirs and not checked
/// as a shipped one — and every file otherwise (a source archive).
pub fn is_shipped(path: &Path) -> bool {
    use std::collections::HashSet;
    use std::sync::OnceLock;
    static TRACKED: OnceLock<Option<HashSet<PathBuf>>> = OnceLock::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tracked = TRACKED.get_or_init(|| {
        let o = Command::new("git")
            .args(["ls-files", "-z"])
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success() && !o.stdout.is_empty())?;
        Some(
            o.stdout
                .split(|&b| b == 0)
                .filter(|p| !p.is_empty())
                .map(|p| root.join(String::from_utf8_lossy(p).as_ref()))
                .collect(),
        )
    });
    match tracked {
        Some(files) => files.contains(&root.join(path.strip_prefix(root).unwrap_or(path))),
        None => true,
    }
}
