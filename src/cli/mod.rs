//! Command-line layer: options as typed, loading files, threads, progress
//! bars and the memory check. Everything here is I/O or presentation; the
//! model and the statistics live in the library.

pub mod bench;
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

/// Options shared by `run` and the studies (`compare`, `sweep`,
/// `sensitivity`, `calibrate`).
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Output directory [default: output/<scenario name> for run, with _compare, _sweep, _sensitivity or _calibration for studies; with --set or --seed a suffix .set-<hash of them> is added].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override `scenario.seed`.
    #[arg(long, allow_negative_numbers = true, value_parser = whole_number::<u64>)]
    pub seed: Option<u64>,
    /// Override `scenario.replicates`.
    #[arg(long, allow_negative_numbers = true, value_parser = whole_number::<u32>)]
    pub replicates: Option<u32>,
    /// Worker threads [default: RAYON_NUM_THREADS or all cores].
    #[arg(long, allow_negative_numbers = true, value_parser = whole_number::<usize>)]
    pub threads: Option<usize>,
    /// Set any parameter: `--set incentive.formal_weight=0.2`,
    /// `--set selection.successor=election` (repeatable).
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

/// For an unknown option that names a scenario parameter (`--villages`,
/// `--need-rate=0.2`, `--world.villages`), how to set it: `--set KEY=VALUE`,
/// with the value given after it on the command line `args`, if any.
pub fn parameter_flag_note(flag: &str, args: &[String]) -> Option<String> {
    // Only where `--set` exists: the commands that run a scenario.
    let with_set = [
        "run",
        "compare",
        "sweep",
        "sensitivity",
        "calibrate",
        "bench",
    ];
    if !args
        .iter()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .is_some_and(|command| with_set.contains(&command.as_str()))
    {
        return None;
    }
    let (name, inline) = match flag.trim_start_matches('-').split_once('=') {
        Some((n, v)) => (n, Some(v.to_string())),
        None => (flag.trim_start_matches('-'), None),
    };
    let name = name.replace('-', "_");
    if name.is_empty() {
        return None;
    }
    let param = grassroots::scenario::schema::PARAMS
        .iter()
        .find(|p| p.key == name)
        .or_else(|| {
            let mut by_name = grassroots::scenario::schema::PARAMS
                .iter()
                .filter(|p| p.name() == name);
            // Only a name that one parameter has: `rate` is in several sections.
            match (by_name.next(), by_name.next()) {
                (Some(p), None) => Some(p),
                _ => None,
            }
        })?;
    let value = inline
        .or_else(|| {
            // clap names `--need-rate=0.2` as `--need-rate`.
            let given = format!("{flag}=");
            args.iter()
                .find_map(|a| a.strip_prefix(&given).map(str::to_string))
        })
        .or_else(|| {
            let at = args.iter().position(|a| a == flag)?;
            args.get(at + 1).filter(|v| !v.starts_with("--")).cloned()
        })
        .unwrap_or_else(|| "VALUE".to_string());
    Some(format!(
        "note: `{}` is a scenario parameter; set it with --set {}={value} (`grassroots params` lists every key)",
        param.name(),
        param.key
    ))
}

/// A count or seed on the command line: a whole number, 0 or more (clap
/// would otherwise read `--replicates -1` as an option `-1` and suggest
/// `-- -1`).
fn whole_number<T: std::str::FromStr>(text: &str) -> std::result::Result<T, String> {
    text.trim().parse::<T>().map_err(|_| {
        let digits = text.trim();
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
            format!("`{text}` is too large a number here")
        } else {
            format!("expected a whole number (0, 1, 2, …), not `{text}`")
        }
    })
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
    let mut out = settings(&common.set, "incentive.formal_weight=0.2")?;
    if let Some(seed) = common.seed {
        out.push(("scenario.seed".into(), seed.to_string()));
    }
    if let Some(r) = common.replicates {
        out.push(("scenario.replicates".into(), r.to_string()));
    }
    given_once(&out)?;
    Ok(out)
}

/// `--set KEY=VALUE` settings as (key, TOML literal) pairs; `example` shows
/// the form in the message for one without `=`.
pub fn settings(set: &[String], example: &str) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for s in set {
        match s.split_once('=') {
            Some((k, _)) if k.trim().is_empty() => {
                return Err(InputError(format!(
                    "--set {s}: no key before `=`; expected KEY=VALUE, e.g. --set {example}"
                ))
                .into());
            }
            // A word for a choice is kept as its quoted string, so both
            // spellings make one override (plans, directory names).
            Some((k, v)) => out.push((
                k.trim().to_string(),
                grassroots::scenario::override_literal(k.trim(), v.trim()),
            )),
            None => {
                return Err(InputError(format!(
                    "--set {s}: expected KEY=VALUE, e.g. --set {example}"
                ))
                .into());
            }
        }
    }
    Ok(out)
}

/// Refuse a key given twice: the reader would be left guessing which value won.
pub fn given_once(overrides: &[(String, String)]) -> Result<()> {
    for (i, (k, v)) in overrides.iter().enumerate() {
        if let Some((_, first)) = overrides[..i].iter().find(|(key, _)| key == k) {
            return Err(InputError(format!(
                "{k} is given twice on the command line ({first} and {v}); give it once (--seed sets scenario.seed, --replicates scenario.replicates)"
            ))
            .into());
        }
    }
    Ok(())
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
    load_file_noting(file, overrides, false)
}

/// [`load_file`]; with `note`, also print [`uninherited_changes_note`] of
/// the text read.
pub fn load_file_noting(
    file: &Path,
    overrides: &[(String, String)],
    note: bool,
) -> Result<StudyFile> {
    let (text, shown) = read_text(file)?;
    let parsed = StudyFile::parse(&text, &shown, overrides, Some(&read_base))
        .map_err(|e| InputError(e.to_string()))?;
    if note && let Some(note) = uninherited_changes_note(&text, &shown) {
        eprintln!("{note}");
    }
    Ok(parsed)
}

/// A note when the file builds on a base whose `[[changes]]` are not
/// inherited (the base's description and changes stay with it, README
/// "Writing a scenario") and the file has none of its own: a reform that
/// builds on `reform_after_two_years.toml` would otherwise lose the reform
/// without a word.
pub fn uninherited_changes_note(text: &str, shown: &str) -> Option<String> {
    let table: toml::Table = toml::from_str(text).ok()?;
    if table.get("changes").is_some() {
        return None;
    }
    let base = table.get("scenario")?.get("base")?.as_str()?;
    let (base_shown, base_text) = read_base(base, shown).ok()?;
    let base_table: toml::Table = toml::from_str(&base_text).ok()?;
    let changes = base_table.get("changes")?.as_array()?;
    let mut months: Vec<String> = changes
        .iter()
        .filter_map(|c| c.get("month")?.as_integer().map(|m| m.to_string()))
        .collect();
    months.dedup();
    if months.is_empty() {
        return None;
    }
    let word = if months.len() == 1 { "month" } else { "months" };
    Some(format!(
        "note: {shown} builds on {base_shown}, whose [[changes]] ({word} {}) are not inherited: a base lends its values only, so this scenario has no policy changes; copy the [[changes]] into {shown} to keep them",
        months.join(", ")
    ))
}

/// Read the file a scenario builds on (`scenario.base`), relative to the including file.
fn read_base(base: &str, including: &str) -> std::result::Result<(String, String), String> {
    let dir = Path::new(including).parent().unwrap_or(Path::new(""));
    let path = dir.join(base);
    let shown = path.display().to_string();
    read_scenario_file(&path)
        .map(|text| (shown.clone(), text))
        .map_err(|e| {
            // A missing file is most often a path written from the wrong folder.
            let missing =
                std::fs::metadata(&path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
            let hint = if !missing {
                String::new()
            } else {
                format!(
                    " (a base is read relative to the folder of the file naming it{})",
                    base_hint(base, dir)
                )
            };
            format!("cannot read base scenario {shown}: {e}{hint}")
        })
}

/// `; did you mean base = "…"?` when the base named exists from the working
/// directory, as given or under `scenarios/` (a shipped scenario named from
/// a file elsewhere), written relative to the including file's folder `dir`.
fn base_hint(base: &str, dir: &Path) -> String {
    let from = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(from) = std::fs::canonicalize(from) else {
        return String::new();
    };
    [
        Path::new(base).to_path_buf(),
        Path::new("scenarios").join(base),
    ]
    .into_iter()
    .filter(|p| p.is_file())
    .find_map(|p| {
        let target = std::fs::canonicalize(&p).ok()?;
        let named = relative_path(&from, &target);
        Some(format!(
            "; did you mean base = {:?}?",
            named.display().to_string()
        ))
    })
    .unwrap_or_default()
}

/// `target` written relative to the directory `from` (both absolute), or
/// `target` itself when the two share nothing below the root.
fn relative_path(from: &Path, target: &Path) -> PathBuf {
    let (from, to): (Vec<_>, Vec<_>) = (from.components().collect(), target.components().collect());
    let shared = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if shared <= 1 {
        return target.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in shared..from.len() {
        out.push("..");
    }
    for c in &to[shared..] {
        out.push(c);
    }
    out
}

/// `grassroots validate FILE`.
pub fn validate(file: &Path) -> Result<()> {
    let (text, shown) = read_text(file)?;
    let source = StudyFile::parse(&text, &shown, &[], Some(&read_base))
        .map_err(|e| InputError(e.to_string()))?;
    let (s, e) = (&source.base, &source.spec);
    if let Some(note) = uninherited_changes_note(&text, &shown) {
        eprintln!("{note}");
    }
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
    // The size of each study the file defines, as its command would plan it
    // (and refuse it, if too large).
    let mut sizes: Vec<String> = Vec::new();
    if !e.variants.is_empty()
        || e.sweep.is_some()
        || e.sensitivity.is_some()
        || e.calibration.is_some()
    {
        use grassroots::study::runner::Outline;
        let invalid = |e: grassroots::study::runner::StudyError| InputError(e.to_string());
        if !e.variants.is_empty() {
            let o = Outline::compare(std::slice::from_ref(&source), &[]).map_err(invalid)?;
            sizes.push(format!("compare {}", count(o.size.runs, "run")));
        }
        if e.sweep.is_some() {
            let o = Outline::sweep(&source, &[]).map_err(invalid)?;
            sizes.push(format!("sweep {}", count(o.size.runs, "run")));
        }
        if e.sensitivity.is_some() {
            let o = Outline::sensitivity(&source, &[]).map_err(invalid)?;
            sizes.push(format!("sensitivity {}", count(o.size.runs, "run")));
        }
        if e.calibration.is_some() {
            use grassroots::study::calibration::Calibration;
            let c = Calibration::new(&source, &[]).map_err(invalid)?;
            let per_generation = c.identity().map_err(invalid)?.plan.runs.len() as u64;
            sizes.push(format!(
                "calibrate {} ({} × {})",
                count(per_generation * u64::from(c.spec.generations), "run"),
                count(c.spec.generations, "generation"),
                per_generation
            ));
        }
    }
    if !sizes.is_empty() {
        extra.push_str(&format!(
            " ({} at {})",
            sizes.join(", "),
            count(s.scenario.replicates, "replicate")
        ));
    }
    // Valid, but too large for `run` on this machine: say so here rather
    // than let `run` refuse it later (at all cores, as `run` uses them).
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let concurrent = threads.min(s.scenario.replicates as usize);
    let need = grassroots::study::plan::estimate_run_memory(s, concurrent, false);
    if let Some(limit) = memory::memory_limit().filter(|l| need > l.bytes) {
        return Err(InputError(format!(
            "{shown}: valid, but `grassroots run` would need about {} of memory ({} replicates at once on {}), more than the {} this machine has free; use fewer villages or households, or run fewer replicates at once (`run --threads N`); `run --max-memory GIB` overrides the limit",
            memory::human(need),
            concurrent,
            count(threads as u64, "thread"),
            memory::human(limit.bytes)
        ))
        .into());
    }
    // An empty file (or only comments) is valid — every key has a default —
    // but more likely the wrong file or a truncated one: say so.
    fn sets_nothing(t: &toml::Table) -> bool {
        t.values().all(|v| v.as_table().is_some_and(sets_nothing))
    }
    if toml::from_str::<toml::Table>(&text).is_ok_and(|t| sets_nothing(&t)) {
        eprintln!(
            "note: {shown} sets no keys, so every parameter takes its default (a generic county, not the baseline); is it the file you meant?"
        );
    }
    say!(
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

/// The environment variable setting the least interval between plain
/// progress lines, in milliseconds ([`DEFAULT_INTERVAL_MS`] if unset).
pub const INTERVAL_VAR: &str = "GRASSROOTS_PROGRESS_INTERVAL_MS";

/// The least interval between plain progress lines: 10 s.
pub const DEFAULT_INTERVAL_MS: u64 = 10_000;

/// How far the work must advance between two plain lines (a long run still
/// prints a line after [`QUIET_INTERVALS`] intervals if it advanced at all).
const LINE_STEP: f64 = 0.10;

/// After this many intervals without a line, a line is printed if the work
/// advanced at all (5 minutes by default).
const QUIET_INTERVALS: u32 = 30;

/// Progress on stderr, as the work advances: a bar on a terminal, plain
/// lines otherwise (a log of Slurm, nohup or CI), nothing with `--quiet`
/// ([`progress`]).
///
/// It counts items (runs, replicates) and, for the share done and the ETA,
/// the village-months the engine steps ([`Meter::steps`]), so that a run of
/// one replicate advances smoothly. Totals add up as work is announced: a
/// study that grows (`--target-ci`, calibration generations) grows its
/// total instead of starting again from zero.
pub struct Meter {
    shared: std::sync::Arc<Shared>,
    /// The display thread, until the meter finishes.
    ticker: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// What the meter's display thread and the workers share.
struct Shared {
    name: String,
    unit: &'static str,
    /// The most items the work may grow to (an adaptive study), shown beside the total.
    ceiling: std::sync::atomic::AtomicU64,
    items: std::sync::atomic::AtomicU64,
    items_total: std::sync::atomic::AtomicU64,
    steps: std::sync::Arc<std::sync::atomic::AtomicU64>,
    steps_total: std::sync::atomic::AtomicU64,
    started: std::time::Instant,
    mode: Mode,
    /// Set when the meter finishes, to stop the display thread at once.
    stop: std::sync::Mutex<bool>,
    wake: std::sync::Condvar,
}

/// How the meter shows progress.
enum Mode {
    Hidden,
    Bar(ProgressBar),
    /// Plain lines at least this far apart.
    Lines(std::time::Duration),
}

/// Progress of the work named `name`, counted in `unit` (`runs`,
/// `replicates`): a bar on stderr when it is a terminal, plain lines (no
/// terminal codes) at intervals when it is not, nothing when `quiet`.
pub fn progress(unit: &'static str, name: &str, quiet: bool) -> Meter {
    let mode = if quiet {
        Mode::Hidden
    } else if std::io::stderr().is_terminal() {
        // Hidden until its first state is set (`display`).
        let bar = ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg} [{bar:30}] {percent:>3} %, {elapsed} (ETA {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Mode::Bar(bar)
    } else {
        Mode::Lines(line_interval())
    };
    Meter::new(unit, name, mode)
}

/// The interval between plain lines: [`INTERVAL_VAR`] or the default.
fn line_interval() -> std::time::Duration {
    let ms = match std::env::var(INTERVAL_VAR) {
        Err(_) => DEFAULT_INTERVAL_MS,
        Ok(v) => v.trim().parse::<u64>().unwrap_or_else(|_| {
            eprintln!(
                "warning: {INTERVAL_VAR}={v} is not a whole number of milliseconds; progress lines every {} s",
                DEFAULT_INTERVAL_MS / 1000
            );
            DEFAULT_INTERVAL_MS
        }),
    };
    std::time::Duration::from_millis(ms)
}

/// A duration as people read it: `12.3 s`, `4 min 05 s`, `2 h 03 min`.
pub fn human_duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "unknown".into();
    }
    if seconds < 60.0 {
        return format!("{seconds:.1} s");
    }
    let whole = seconds.round() as u64;
    if whole < 3600 {
        format!("{} min {:02} s", whole / 60, whole % 60)
    } else {
        format!("{} h {:02} min", whole / 3600, whole % 3600 / 60)
    }
}

impl Shared {
    /// The share of the work done, from village-months where counted.
    fn fraction(&self) -> f64 {
        use std::sync::atomic::Ordering::Relaxed;
        let (done, total) = match self.steps_total.load(Relaxed) {
            0 => (self.items.load(Relaxed), self.items_total.load(Relaxed)),
            t => (self.steps.load(Relaxed), t),
        };
        if total == 0 {
            0.0
        } else {
            (done as f64 / total as f64).min(1.0)
        }
    }

    /// `NAME: 40/120 runs`, then `(33 %)` if `percent` is given, with an
    /// adaptive study's ceiling: `(33 %, may grow to 6400 runs)`.
    fn counts(&self, percent: Option<u64>) -> String {
        use std::sync::atomic::Ordering::Relaxed;
        let total = self.items_total.load(Relaxed);
        let ceiling = self.ceiling.load(Relaxed);
        let mut notes = Vec::new();
        if let Some(p) = percent {
            notes.push(format!("{p} %"));
        }
        if ceiling > total {
            notes.push(format!("may grow to {ceiling} {}", self.unit));
        }
        let notes = match notes.is_empty() {
            true => String::new(),
            false => format!(" ({})", notes.join(", ")),
        };
        format!(
            "{}: {}/{total} {}{notes}",
            self.name,
            self.items.load(Relaxed),
            self.unit
        )
    }

    /// A plain progress line: `[grassroots] NAME: 40/120 runs (33 %), 12.3 s
    /// elapsed, ETA 24 s` (`done` at the end instead of the ETA).
    fn line(&self, finished: bool) -> String {
        let fraction = self.fraction();
        let elapsed = self.started.elapsed().as_secs_f64();
        let eta = if finished {
            "done".to_string()
        } else if fraction > 0.0 {
            format!(
                "ETA {}",
                human_duration(elapsed * (1.0 - fraction) / fraction)
            )
        } else {
            "ETA unknown".to_string()
        };
        format!(
            "[grassroots] {}, {} elapsed, {eta}",
            self.counts(Some((fraction * 100.0).floor() as u64)),
            human_duration(elapsed)
        )
    }

    /// Bring the bar up to date.
    fn draw(&self, bar: &ProgressBar) {
        use std::sync::atomic::Ordering::Relaxed;
        let (done, total) = match self.steps_total.load(Relaxed) {
            0 => (self.items.load(Relaxed), self.items_total.load(Relaxed)),
            t => (self.steps.load(Relaxed).min(t), t),
        };
        bar.set_length(total);
        bar.set_position(done);
        bar.set_message(self.counts(None));
    }

    /// Wait up to `wait`; whether the meter was stopped.
    fn stopped_after(&self, wait: std::time::Duration) -> bool {
        let stop = self.stop.lock().unwrap_or_else(|e| e.into_inner());
        let (stop, _) = self
            .wake
            .wait_timeout_while(stop, wait, |s| !*s)
            .unwrap_or_else(|e| e.into_inner());
        *stop
    }
}

/// Print a progress line on stderr; a closed stderr (`2>&-`, a reader gone)
/// is ignored rather than stopping the work.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// The display thread: redraws the bar, or prints a plain line when the
/// interval has passed and the work advanced by [`LINE_STEP`] (or at all,
/// after [`QUIET_INTERVALS`] intervals).
fn display(shared: &Shared) {
    match &shared.mode {
        Mode::Hidden => {}
        Mode::Bar(bar) => {
            // Drawn once there is work: an empty bar would show 100 %.
            let mut ticking = false;
            while !shared.stopped_after(std::time::Duration::from_millis(100)) {
                if shared
                    .items_total
                    .load(std::sync::atomic::Ordering::Relaxed)
                    == 0
                {
                    continue;
                }
                shared.draw(bar);
                if !ticking {
                    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                    bar.enable_steady_tick(std::time::Duration::from_millis(100));
                    ticking = true;
                }
            }
        }
        Mode::Lines(interval) => {
            let tick = (*interval).clamp(
                std::time::Duration::from_millis(20),
                std::time::Duration::from_millis(200),
            );
            let mut last = (std::time::Instant::now(), 0.0);
            while !shared.stopped_after(tick) {
                let fraction = shared.fraction();
                let since = last.0.elapsed();
                let advanced = fraction - last.1;
                if since >= *interval
                    && (advanced >= LINE_STEP
                        || (advanced > 0.0 && since >= *interval * QUIET_INTERVALS))
                {
                    say(&shared.line(false));
                    last = (std::time::Instant::now(), fraction);
                }
            }
        }
    }
}

impl Meter {
    fn new(unit: &'static str, name: &str, mode: Mode) -> Meter {
        let shared = std::sync::Arc::new(Shared {
            name: name.to_string(),
            unit,
            ceiling: Default::default(),
            items: Default::default(),
            items_total: Default::default(),
            steps: Default::default(),
            steps_total: Default::default(),
            started: std::time::Instant::now(),
            mode,
            stop: std::sync::Mutex::new(false),
            wake: std::sync::Condvar::new(),
        });
        let ticker = match shared.mode {
            Mode::Hidden => None,
            _ => {
                let s = shared.clone();
                std::thread::Builder::new()
                    .name("progress".into())
                    .spawn(move || display(&s))
                    .ok()
            }
        };
        Meter {
            shared,
            ticker: std::sync::Mutex::new(ticker),
        }
    }

    /// `items` more items, stepping `village_months` more village-months, are to run.
    pub fn add_work(&self, items: u64, village_months: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        self.shared.items_total.fetch_add(items, Relaxed);
        self.shared.steps_total.fetch_add(village_months, Relaxed);
    }

    /// `items` more items are to run.
    pub fn add_items(&self, items: u64) {
        self.add_work(items, 0);
    }

    /// `village_months` more village-months are to be stepped.
    pub fn add_steps(&self, village_months: u64) {
        self.add_work(0, village_months);
    }

    /// The work may grow to `items` items in all (an adaptive study).
    pub fn set_ceiling(&self, items: u64) {
        self.shared
            .ceiling
            .store(items, std::sync::atomic::Ordering::Relaxed);
    }

    /// The counter of village-months stepped, for the engine
    /// (`Simulation::counting`).
    pub fn steps(&self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        self.shared.steps.clone()
    }

    /// One item finished.
    pub fn item_done(&self) {
        self.shared
            .items
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Run `f` (which prints) without the bar drawn over its output.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.shared.mode {
            Mode::Bar(bar) => bar.suspend(f),
            _ => f(),
        }
    }

    /// Stop the display thread; whether it was running.
    fn stop(&self) -> bool {
        *self.shared.stop.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.shared.wake.notify_all();
        let ticker = self.ticker.lock().unwrap_or_else(|e| e.into_inner()).take();
        match ticker {
            Some(t) => {
                let _ = t.join();
                true
            }
            None => false,
        }
    }

    /// The work is done: clear the bar, or print the final plain line (if
    /// there was any work). Only the first call does anything.
    pub fn finish(&self) {
        if !self.stop() {
            return;
        }
        match &self.shared.mode {
            Mode::Bar(bar) => bar.finish_and_clear(),
            Mode::Lines(_) => {
                let s = &self.shared;
                let total = s.items_total.load(std::sync::atomic::Ordering::Relaxed);
                if total > 0 {
                    say(&s.line(true));
                }
            }
            Mode::Hidden => {}
        }
    }
}

impl grassroots::study::runner::Progress for Meter {
    fn start(&self, runs: usize) {
        self.add_items(runs as u64);
    }
    fn start_steps(&self, village_months: u64) {
        let grows = self
            .shared
            .steps_total
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0;
        self.add_steps(village_months);
        // An adaptive study's new round says so at once in plain lines
        // (however fast the rounds before it ran).
        if grows && matches!(self.shared.mode, Mode::Lines(_)) {
            say(&self.shared.line(false));
        }
    }
    fn steps(&self) -> Option<std::sync::Arc<std::sync::atomic::AtomicU64>> {
        Some(Meter::steps(self))
    }
    fn done(&self) {
        self.item_done();
    }
}

impl Drop for Meter {
    /// On an error: stop the display and clear the bar, without a final line.
    fn drop(&mut self) {
        self.stop();
        if let Mode::Bar(bar) = &self.shared.mode {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::relative_path;
    use std::path::Path;

    #[test]
    fn a_base_is_suggested_relative_to_the_naming_folder() {
        let rel = |from: &str, to: &str| relative_path(Path::new(from), Path::new(to));
        assert_eq!(
            rel("/work/p", "/work/p/scenarios/b.toml"),
            Path::new("scenarios/b.toml")
        );
        assert_eq!(
            rel("/work/p/mine", "/work/p/scenarios/b.toml"),
            Path::new("../scenarios/b.toml")
        );
        // Sharing only the root: absolute, not a climb to the root.
        assert_eq!(
            rel("/tmp/x", "/work/p/scenarios/b.toml"),
            Path::new("/work/p/scenarios/b.toml")
        );
    }
}
