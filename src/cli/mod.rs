//! Command-line layer: options as typed, loading files, threads, progress
//! bars and the memory check. Everything here is I/O or presentation; the
//! model and the statistics live in the library.

pub mod memory;
pub mod new;
pub mod plot;
pub mod report;
pub mod run;
pub mod study;

pub use memory::{Estimate, check_memory};

use anyhow::{Context, Result};
use clap::Args;
use grassroots::output::report::count;
use grassroots::scenario::Scenario;
use grassroots::study::runner::StudyFile;
pub use grassroots::study::runner::{Shard, TargetCi};
use grassroots::study::spec::StudySpec;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Options shared by `run`, `compare` and `sweep`.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Output directory [default: output/<scenario name>, with _compare or _sweep].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override `scenario.seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override `scenario.replicates`.
    #[arg(long)]
    pub replicates: Option<u32>,
    /// Worker threads [default: RAYON_NUM_THREADS or all cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Set any parameter: `--set incentive.formal_weight=0.2` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Memory limit in GiB for the pre-run check [default: the memory
    /// available, or the cgroup's limit (Slurm --mem, containers) if lower].
    #[arg(long, value_name = "GIB", value_parser = memory::parse_gib)]
    pub max_memory: Option<f64>,
    /// No progress bar and no summary on the terminal.
    #[arg(long, short)]
    pub quiet: bool,
    /// Replace results of other inputs in --out (files grassroots did not
    /// write are still never touched).
    #[arg(long)]
    pub force: bool,
}

/// The command line as typed, for manifests.
pub fn command_line() -> Vec<String> {
    std::env::args().collect()
}

/// The command line as one string, for the lock of an output directory.
pub fn command_text() -> String {
    let mut text = command_line().join(" ");
    if text.len() > 200 {
        let cut = (0..=200)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push('…');
    }
    text.replace('\n', " ")
}

pub use grassroots::study::runner::question_overrides;

/// The default output directory `output/<name>`; with overrides that change
/// the question, `output/<name>.set-<8 hex digits of the overrides>`, so a
/// what-if run never lands on the plain scenario's results.
pub fn default_out(name: &str, overrides: &[(String, String)]) -> PathBuf {
    let mut question = question_overrides(overrides);
    if question.is_empty() {
        return Path::new("output").join(name);
    }
    question.sort();
    let text: Vec<String> = question.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    what_if_out(
        name,
        &grassroots::digest::sha256_hex(text.concat().as_bytes()),
    )
}

/// The default directory of a what-if: `output/<name>.set-<first 8 hex digits of hash>`.
pub fn what_if_out(name: &str, hash: &str) -> PathBuf {
    Path::new("output").join(format!("{name}.set-{}", &hash[..8]))
}

/// A problem with the user's input (exit code 2) rather than a failure.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for InputError {}

/// `KEY=VALUE` settings and the `--seed`/`--replicates` shortcuts as overrides.
pub fn overrides(common: &Common) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for s in &common.set {
        match s.split_once('=') {
            Some((k, v)) => out.push((k.trim().to_string(), v.trim().to_string())),
            None => {
                return Err(InputError(format!(
                    "--set {s}: expected KEY=VALUE, e.g. --set incentive.formal_weight=0.2"
                ))
                .into());
            }
        }
    }
    if let Some(seed) = common.seed {
        out.push(("scenario.seed".into(), seed.to_string()));
    }
    if let Some(r) = common.replicates {
        out.push(("scenario.replicates".into(), r.to_string()));
    }
    Ok(out)
}

/// The largest scenario file read (a base file too): 16 MiB, far more than
/// any scenario needs, so a wrong path (a log, a device) fails at once.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// The text of a scenario file: only a regular file (a FIFO would block, a
/// device such as /dev/zero never ends) of at most [`MAX_SCENARIO_BYTES`].
fn read_scenario_file(path: &Path) -> std::result::Result<String, String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a directory"
        } else {
            "a pipe, socket or device"
        };
        return Err(format!("not a regular file ({what})"));
    }
    let too_big = || {
        format!(
            "larger than {} MiB, the most a scenario file may hold; is it the right file?",
            MAX_SCENARIO_BYTES >> 20
        )
    };
    if meta.len() > MAX_SCENARIO_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SCENARIO_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(too_big());
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// A scenario file's text and display name.
pub fn read_text(file: &Path) -> Result<(String, String)> {
    let shown = file.display().to_string();
    let text = read_scenario_file(file)
        .map_err(|e| InputError(format!("cannot read scenario file {shown}: {e}")))?;
    Ok((text, shown))
}

/// Resolve scenario text with overrides, following `scenario.base`.
pub fn resolve(text: &str, shown: &str, overrides: &[(String, String)]) -> Result<Scenario> {
    Scenario::from_toml_with(text, shown, overrides, Some(&read_base))
        .map_err(|e| InputError(e.to_string()).into())
}

/// A scenario file's resolved scenario (with `overrides`) and study
/// sections, checked against each other; every problem is reported at once.
pub fn load(
    text: &str,
    shown: &str,
    overrides: &[(String, String)],
) -> Result<(Scenario, StudySpec)> {
    let file = StudyFile::parse(text, shown, overrides, Some(&read_base))
        .map_err(|e| InputError(e.to_string()))?;
    Ok((file.base, file.spec))
}

/// A scenario file of a study, read and parsed.
pub fn load_file(file: &Path, overrides: &[(String, String)]) -> Result<StudyFile> {
    let (text, shown) = read_text(file)?;
    StudyFile::parse(&text, &shown, overrides, Some(&read_base))
        .map_err(|e| InputError(e.to_string()).into())
}

/// Read the file a scenario builds on (`scenario.base`), relative to the including file.
fn read_base(base: &str, including: &str) -> std::result::Result<(String, String), String> {
    let dir = Path::new(including).parent().unwrap_or(Path::new(""));
    let path = dir.join(base);
    let shown = path.display().to_string();
    read_scenario_file(&path)
        .map(|text| (shown.clone(), text))
        .map_err(|e| format!("cannot read base scenario {shown}: {e}"))
}

/// `grassroots validate FILE`.
pub fn validate(file: &Path) -> Result<()> {
    let (text, shown) = read_text(file)?;
    let (s, e) = load(&text, &shown, &[])?;
    let mut extra = String::new();
    if !s.changes.is_empty() {
        let months: Vec<String> = s.changes.iter().map(|c| c.month.to_string()).collect();
        let word = if months.len() == 1 { "month" } else { "months" };
        extra.push_str(&format!(", policy changes at {word} {}", months.join(", ")));
    }
    if !e.variants.is_empty() {
        extra.push_str(&format!(", {}", count(e.variants.len() as u64, "variant")));
    }
    if e.sweep.is_some() {
        extra.push_str(", a sweep");
    }
    if let Some(u) = &e.uncertainty {
        extra.push_str(&format!(", {}", count(u.samples, "uncertain environment")));
    }
    if e.sensitivity.is_some() {
        extra.push_str(", a sensitivity analysis");
    }
    if e.calibration.is_some() {
        extra.push_str(", a calibration");
    }
    println!(
        "{shown}: ok — scenario `{}`, {}, {}, {}{extra}",
        s.scenario.name,
        count(s.world.villages, "village"),
        count(s.scenario.months, "month"),
        count(s.scenario.replicates, "replicate")
    );
    Ok(())
}

/// The most worker threads allowed: 4 × the cores available, at most 1024.
/// More only add overhead (runs are CPU-bound), and starting tens of
/// thousands of threads takes long and much memory before anything runs.
pub fn max_threads(cores: usize) -> usize {
    cores.saturating_mul(4).clamp(1, 1024)
}

/// A rayon pool with `threads` workers (default: RAYON_NUM_THREADS or all
/// cores), refused before any thread starts when more than [`max_threads`].
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let most = max_threads(cores);
    let asked = match threads {
        Some(0) => return Err(InputError("--threads must be at least 1".into()).into()),
        Some(n) => Some((n, format!("--threads {n}"))),
        // Rayon reads RAYON_NUM_THREADS itself (0 or garbage: all cores).
        None => std::env::var("RAYON_NUM_THREADS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok().map(|n| (n, v)))
            .map(|(n, v)| (n, format!("RAYON_NUM_THREADS={v}"))),
    };
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some((n, what)) = asked {
        if n > most {
            return Err(InputError(format!(
                "{what}: at most {most} worker threads (4 × the {cores} cores available, at most 1024); more threads than cores only add overhead"
            ))
            .into());
        }
        if threads.is_some() {
            b = b.num_threads(n);
        }
    }
    b.build().context("could not start worker threads")
}

/// A progress bar on stderr when it is a terminal and not `quiet`.
pub fn progress(total: u64, what: &str, message: &str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let template = format!(
        "{{spinner}} {{msg}} [{{bar:30}}] {{pos}}/{{len}} {what}, {{elapsed}} (ETA {{eta}})"
    );
    bar.set_style(
        ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(message.to_string());
    bar
}
