//! `grassroots bench`: throughput, parallel efficiency and memory of a
//! scenario's run (`docs/performance.md`).
//!
//! The command runs the scenario twice, at 1 worker thread and at all threads
//! (or `--threads N`), each time in a fresh child process (this binary's
//! hidden `bench-measure` subcommand) so that each measurement's peak
//! resident memory is its own. A child builds the villages (set-up), steps
//! every month (simulation), writes the run's result files into a temporary
//! directory that it then removes (output), reads its peak RSS (`VmHWM` in
//! `/proc/self/status`) and prints its figures as `key: value` lines, which
//! the parent reads and turns into a table and the summary key lines.
//!
//! With `--small-runs N` it also measures many small runs, four more
//! children: N runs of the scenario as `grassroots sweep` runs them (the
//! same code: planning, run store, result files and charts, into a
//! temporary directory), and the simulation alone of the same N runs
//! (`study::timing::time_runs`), each at 1 thread and at all threads. The
//! sweep is one point (`world.villages` at the scenario's own value) × N
//! replicates, so its runs are those the timing path simulates: same
//! scenario, same seeds.

use super::{InputError, load, pool, read_text};
use anyhow::{Context, Result, bail};
use clap::Args;
use grassroots::model::{Household, Member};
use grassroots::output::report::count;
use grassroots::output::{self, manifest};
use grassroots::scenario::param::Kind;
use grassroots::study::spec::SweepDesign;
use grassroots::study::{self, timing};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The scenario benchmarked when none is given.
pub const DEFAULT_SCENARIO: &str = "scenarios/province.toml";

/// The hidden subcommand a measurement runs in.
pub const MEASURE_COMMAND: &str = "bench-measure";

/// `grassroots bench` options.
#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Scenario file (TOML) [default: scenarios/province.toml].
    pub file: Option<PathBuf>,
    /// Worker threads of the parallel measurement [default: RAYON_NUM_THREADS
    /// or all cores]; the other measurement always uses 1.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Override `scenario.replicates`.
    #[arg(long)]
    pub replicates: Option<u32>,
    /// Set any parameter: `--set world.villages=1000` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Also measure N runs of the scenario (FILE, needed here, with the
    /// --set values; --replicates applies to the main measurement only; the
    /// file's own [sweep] or [uncertainty] is not used) as
    /// `grassroots sweep` runs them — planning, run store, result files and
    /// charts, into a temporary directory — against simulating the same N
    /// runs alone: the share of time spent simulating and the overhead per
    /// run. E.g. 1000 runs of a 24-village county: `grassroots bench
    /// scenarios/baseline.toml --small-runs 1000 --set world.villages=24`.
    #[arg(long, value_name = "N")]
    pub small_runs: Option<u32>,
    /// Measure the scenario K times at each thread count (alternating, each
    /// in a fresh process) and keep the fastest of each: on a shared
    /// machine, other load only ever slows a measurement down.
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub repeat: u32,
    /// Another grassroots binary, e.g. a build of an earlier commit, measured
    /// alternately with this one (same scenario, options and thread counts,
    /// each measurement a fresh process of its own binary): both are printed
    /// with this build's speed-up. It must have `bench` (checked before
    /// measuring). `--small-runs` measures this build only.
    #[arg(long, value_name = "GRASSROOTS")]
    pub baseline: Option<PathBuf>,
    /// Memory limit in GiB for the check before measuring [default: the
    /// memory available, or the cgroup's limit if lower].
    #[arg(long, value_name = "GIB", value_parser = super::memory::parse_gib)]
    pub max_memory: Option<f64>,
}

/// Options of the hidden `bench-measure` subcommand: one measurement.
#[derive(Args, Debug, Clone)]
pub struct MeasureArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// Worker threads.
    #[arg(long)]
    pub threads: usize,
    /// Override `scenario.replicates`.
    #[arg(long)]
    pub replicates: Option<u32>,
    /// Set any parameter (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Measure N small runs (replicates of the scenario) instead: their
    /// simulation alone, or with --sweep the sweep of them.
    #[arg(long, value_name = "N")]
    pub small_runs: Option<u32>,
    /// With --small-runs: run them as `grassroots sweep` does.
    #[arg(long, requires = "small_runs")]
    pub sweep: bool,
}

/// The most small runs: the most replicates a scenario may have (they are
/// the replicates of one sweep point).
fn most_small_runs() -> u32 {
    match grassroots::scenario::schema::find("scenario.replicates").map(|p| p.kind) {
        Some(Kind::Integer { max, .. }) => u32::try_from(max).unwrap_or(u32::MAX),
        _ => u32::MAX,
    }
}

/// `--set` without `scenario.replicates` (the small runs set their own),
/// as `--set` options.
fn small_run_set(set: &[String]) -> Vec<String> {
    set.iter()
        .filter(|s| s.split_once('=').map(|(k, _)| k.trim()) != Some("scenario.replicates"))
        .cloned()
        .collect()
}

/// The sweep of the small runs of `s`: one point, `world.villages` at the
/// scenario's own value, so the point's scenario is `s` itself.
fn small_run_design(s: &grassroots::scenario::Scenario) -> SweepDesign {
    SweepDesign::Grid(vec![(
        "world.villages".to_string(),
        vec![s.world.villages.to_string()],
    )])
}

/// The most measurements `--repeat` takes at each thread count.
const MAX_REPEAT: u32 = 100;

/// `--set` and `--replicates` as overrides.
fn overrides(set: &[String], replicates: Option<u32>) -> Result<Vec<(String, String)>> {
    let mut out = super::settings(set, "world.villages=1000")?;
    if let Some(r) = replicates {
        if r == 0 {
            return Err(InputError("--replicates must be at least 1".into()).into());
        }
        out.push(("scenario.replicates".into(), r.to_string()));
    }
    super::given_once(&out)?;
    Ok(out)
}

/// One measurement's figures, as the child prints them.
#[derive(Debug, Clone, Default)]
struct Measurement {
    threads: f64,
    replicates: f64,
    months: f64,
    households: f64,
    members: f64,
    households_alive: f64,
    members_alive: f64,
    setup_seconds: f64,
    simulation_seconds: f64,
    output_seconds: f64,
    output_bytes: f64,
    peak_rss_bytes: f64,
    /// CPU time (user + system, all threads) of set-up and simulation.
    cpu_seconds: f64,
}

impl Measurement {
    /// The faster of two measurements (set-up + simulation, wall clock).
    fn faster(self, other: Measurement) -> Measurement {
        if other.setup_seconds + other.simulation_seconds
            < self.setup_seconds + self.simulation_seconds
        {
            other
        } else {
            self
        }
    }

    /// The `key: value` lines of a child, in order.
    fn lines(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("threads", self.threads),
            ("replicates", self.replicates),
            ("months", self.months),
            ("households", self.households),
            ("members", self.members),
            ("households_alive", self.households_alive),
            ("members_alive", self.members_alive),
            ("setup_seconds", self.setup_seconds),
            ("simulation_seconds", self.simulation_seconds),
            ("output_seconds", self.output_seconds),
            ("output_bytes", self.output_bytes),
            ("peak_rss_bytes", self.peak_rss_bytes),
            ("cpu_seconds", self.cpu_seconds),
        ]
    }

    /// Read a child's output back; every key must be there.
    fn parse(text: &str) -> Result<Measurement> {
        let found = key_values(text);
        let mut m = Measurement::default();
        let get = |key: &str| reported(&found, key);
        m.threads = get("threads")?;
        m.replicates = get("replicates")?;
        m.months = get("months")?;
        m.households = get("households")?;
        m.members = get("members")?;
        m.households_alive = get("households_alive")?;
        m.members_alive = get("members_alive")?;
        m.setup_seconds = get("setup_seconds")?;
        m.simulation_seconds = get("simulation_seconds")?;
        m.output_seconds = get("output_seconds")?;
        m.output_bytes = get("output_bytes")?;
        m.peak_rss_bytes = get("peak_rss_bytes")?;
        m.cpu_seconds = get("cpu_seconds")?;
        Ok(m)
    }

    /// Household-steps: households × months stepped (burn-in included),
    /// over all replicates.
    fn household_steps(&self) -> f64 {
        self.households * self.months
    }

    /// Household-steps per second of set-up plus simulation.
    fn rate(&self) -> f64 {
        self.household_steps() / (self.setup_seconds + self.simulation_seconds)
    }

    /// Household-steps per CPU-second (user + system, all threads) of
    /// set-up plus simulation: less sensitive to other load on the machine.
    fn cpu_rate(&self) -> f64 {
        self.household_steps() / self.cpu_seconds
    }

    /// Household-steps per second of simulation alone.
    fn simulation_rate(&self) -> f64 {
        self.household_steps() / self.simulation_seconds
    }
}

/// The `key: value` lines of a child's output whose value is a number.
fn key_values(text: &str) -> BTreeMap<&str, f64> {
    text.lines()
        .filter_map(|l| l.split_once(": "))
        .filter_map(|(k, v)| v.trim().parse::<f64>().ok().map(|v| (k.trim(), v)))
        .collect()
}

/// The value of `key` in a child's output, which must be there.
fn reported(found: &BTreeMap<&str, f64>, key: &str) -> Result<f64> {
    found
        .get(key)
        .copied()
        .with_context(|| format!("the measurement did not report `{key}`"))
}

/// One measurement of small runs, as the child prints it: the sweep of
/// them, or their simulation alone.
#[derive(Debug, Clone, Default, PartialEq)]
struct SmallRuns {
    threads: f64,
    runs: f64,
    /// Wall time: the whole sweep, or set-up plus simulation.
    seconds: f64,
    /// CPU time (all threads) over the same span.
    cpu_seconds: f64,
    /// Bytes the sweep wrote (0 for the simulation alone).
    output_bytes: f64,
    peak_rss_bytes: f64,
    /// Households of all runs together and months each stepped (0 for the
    /// sweep, which does not count them).
    households: f64,
    months: f64,
}

impl SmallRuns {
    /// The `key: value` lines of a child, in order.
    fn lines(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("threads", self.threads),
            ("runs", self.runs),
            ("seconds", self.seconds),
            ("cpu_seconds", self.cpu_seconds),
            ("output_bytes", self.output_bytes),
            ("peak_rss_bytes", self.peak_rss_bytes),
            ("households", self.households),
            ("months", self.months),
        ]
    }

    /// Read a child's output back; every key must be there.
    fn parse(text: &str) -> Result<SmallRuns> {
        let found = key_values(text);
        let get = |key: &str| reported(&found, key);
        Ok(SmallRuns {
            threads: get("threads")?,
            runs: get("runs")?,
            seconds: get("seconds")?,
            cpu_seconds: get("cpu_seconds")?,
            output_bytes: get("output_bytes")?,
            peak_rss_bytes: get("peak_rss_bytes")?,
            households: get("households")?,
            months: get("months")?,
        })
    }
}

/// Peak resident set size of this process in bytes (`VmHWM`, Linux).
fn peak_rss_bytes() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")
        .context("peak memory is read from /proc/self/status, which is Linux only")?;
    parse_vm_hwm(&status).context("/proc/self/status has no VmHWM line")
}

/// CPU time of this process so far, in seconds: the time its live threads
/// have run (`/proc/self/task/*/schedstat`, nanoseconds), or where that is
/// missing, user + system time of all its threads (`/proc/self/stat`, clock
/// ticks of 1/100 s). Linux only. The worker pool's threads stay alive
/// through a measurement, so no thread's time is lost.
fn cpu_seconds() -> Result<f64> {
    match schedstat_ns() {
        Some(ns) => Ok(ns as f64 / 1e9),
        None => process_cpu_seconds(),
    }
}

/// CPU time of this process so far, in seconds, threads that have ended
/// included: user + system time of the whole process (`/proc/self/stat`,
/// clock ticks of 1/100 s). Linux only. For the small runs, whose sweep
/// starts and ends its own worker pool, so that [`cpu_seconds`] (live
/// threads only) would miss its workers' time.
fn process_cpu_seconds() -> Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")
        .context("CPU time is read from /proc/self/stat, which is Linux only")?;
    parse_cpu_ticks(&stat)
        .map(|ticks| ticks as f64 / 100.0)
        .context("/proc/self/stat has no utime and stime")
}

/// Sum of the first field (time on a CPU, ns) of every thread's schedstat.
fn schedstat_ns() -> Option<u64> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let text = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// utime + stime (fields 14 and 15) of a `/proc/PID/stat` line, in ticks.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// The `VmHWM:  123456 kB` line of `/proc/self/status`, in bytes.
fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let mut words = line["VmHWM:".len()..].split_whitespace();
    let n: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") => Some(n * 1024),
        _ => None,
    }
}

/// Total size of the files under `dir`.
fn bytes_under(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => bytes_under(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// The hidden `bench-measure` subcommand: one measurement, printed as
/// `key: value` lines for the parent `bench`.
pub fn measure(args: &MeasureArgs) -> Result<()> {
    stop_when_orphaned();
    if let Some(n) = args.small_runs {
        return measure_small_runs(args, n);
    }
    let (text, shown) = read_text(&args.file)?;
    let given = overrides(&args.set, args.replicates)?;
    let (s, _) = load(&text, &shown, &given)?;
    let pool = pool(Some(args.threads))?;
    let threads = pool.current_num_threads();
    let cpu_before = cpu_seconds()?;
    let (runs, t) = pool.install(|| timing::time_replicates(&s, 0, s.scenario.replicates));
    let cpu = cpu_seconds()? - cpu_before;
    // Output: what `grassroots run` writes (CSVs, charts, manifest), into a
    // fresh temporary directory that is removed afterwards.
    let started = Instant::now();
    let summaries = study::summarize_runs(&runs);
    let tmp = measurement_dir("output")?;
    let info = manifest::RunInfo {
        scenario_file: shown.clone(),
        threads,
        wall_time_seconds: t.total_seconds(),
        files: vec![],
        command_line: super::command_line(),
        overrides: given.clone(),
    };
    let out = output::run::RunOutput {
        scenario: &s,
        runs: &runs,
        summaries: &summaries,
        per_village: false,
        question: &[],
    };
    pool.install(|| output::run::write(tmp.path(), out, info))?;
    let output_seconds = started.elapsed().as_secs_f64();
    let output_bytes = bytes_under(tmp.path());
    tmp.close()
        .context("could not remove the benchmark's temporary directory")?;
    drop(runs);
    let m = Measurement {
        threads: threads as f64,
        replicates: f64::from(t.replicates),
        months: t.months as f64,
        households: t.households as f64,
        members: t.members as f64,
        households_alive: t.households_alive as f64,
        members_alive: t.members_alive as f64,
        setup_seconds: t.setup.as_secs_f64(),
        simulation_seconds: t.simulation.as_secs_f64(),
        output_seconds,
        output_bytes: output_bytes as f64,
        peak_rss_bytes: peak_rss_bytes()? as f64,
        cpu_seconds: cpu,
    };
    let mut lines = String::new();
    for (k, v) in m.lines() {
        lines.push_str(&format!("{k}: {v}\n"));
    }
    print_out(&lines)
}

/// `bench-measure --small-runs N [--sweep]`: N runs of the scenario as a
/// sweep (`grassroots sweep`'s own code, `--quiet`, into a temporary
/// directory that is removed afterwards), or their simulation alone.
/// The temporary directory a measurement writes into, removed by
/// [`stop_when_orphaned`] if the measurement stops early.
static MEASUREMENT_DIR: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

/// A fresh temporary directory for a measurement's files, remembered in
/// [`MEASUREMENT_DIR`].
fn measurement_dir(what: &str) -> Result<tempfile::TempDir> {
    let tmp = tempfile::Builder::new()
        .prefix("grassroots-bench-")
        .tempdir()
        .with_context(|| format!("could not create a temporary directory for the {what}"))?;
    if let Ok(mut dir) = MEASUREMENT_DIR.lock() {
        *dir = Some(tmp.path().to_path_buf());
    }
    Ok(tmp)
}

/// A measurement whose `bench` is gone (killed with Ctrl-C or `kill`, which
/// reach only the `bench` process) stops within a quarter of a second and
/// removes its temporary directory, instead of running on unseen.
fn stop_when_orphaned() {
    #[cfg(unix)]
    {
        let parent = std::os::unix::process::parent_id();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(std::time::Duration::from_millis(250));
                if std::os::unix::process::parent_id() != parent {
                    if let Some(dir) = MEASUREMENT_DIR.lock().ok().and_then(|d| d.clone()) {
                        let _ = std::fs::remove_dir_all(dir);
                    }
                    std::process::exit(130);
                }
            }
        });
    }
}

fn measure_small_runs(args: &MeasureArgs, n: u32) -> Result<()> {
    let set = small_run_set(&args.set);
    let m = if args.sweep {
        let (text, shown) = read_text(&args.file)?;
        let (s, _) = load(&text, &shown, &overrides(&set, Some(n))?)?;
        let design = small_run_design(&s);
        let tmp = measurement_dir("sweep")?;
        let common = super::Common {
            out: Some(tmp.path().join("sweep")),
            seed: None,
            replicates: Some(n),
            threads: Some(args.threads),
            set,
            max_memory: None,
            quiet: true,
            force: false,
        };
        let cpu_before = process_cpu_seconds()?;
        let started = Instant::now();
        super::study::sweep_with_design(&args.file, &common, &design)?;
        let seconds = started.elapsed().as_secs_f64();
        let cpu = process_cpu_seconds()? - cpu_before;
        let output_bytes = bytes_under(tmp.path());
        tmp.close()
            .context("could not remove the benchmark's temporary directory")?;
        SmallRuns {
            threads: args.threads as f64,
            runs: f64::from(n),
            seconds,
            cpu_seconds: cpu,
            output_bytes: output_bytes as f64,
            peak_rss_bytes: peak_rss_bytes()? as f64,
            households: 0.0,
            months: 0.0,
        }
    } else {
        let (text, shown) = read_text(&args.file)?;
        let (s, _) = load(&text, &shown, &overrides(&set, Some(n))?)?;
        let pool = pool(Some(args.threads))?;
        let cpu_before = process_cpu_seconds()?;
        let t = pool.install(|| timing::time_runs(&s, 0, n));
        let cpu = process_cpu_seconds()? - cpu_before;
        SmallRuns {
            threads: pool.current_num_threads() as f64,
            runs: f64::from(n),
            seconds: t.total_seconds(),
            cpu_seconds: cpu,
            output_bytes: 0.0,
            peak_rss_bytes: peak_rss_bytes()? as f64,
            households: t.households as f64,
            months: t.months as f64,
        }
    };
    let mut lines = String::new();
    for (k, v) in m.lines() {
        lines.push_str(&format!("{k}: {v}\n"));
    }
    print_out(&lines)
}

/// Print to stdout; a reader that closes the pipe early is not an error.
fn print_out(text: &str) -> Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Run one measurement in a child process of `exe` (this binary, or the
/// baseline of `--baseline`).
fn child(exe: &Path, file: &Path, threads: usize, args: &BenchArgs) -> Result<Measurement> {
    let mut extra = Vec::new();
    if let Some(r) = args.replicates {
        extra.extend(["--replicates".to_string(), r.to_string()]);
    }
    Measurement::parse(&run_child(exe, file, threads, &args.set, &extra)?)
}

/// One measurement by the baseline of `--baseline`: an error names it.
fn baseline_child(
    exe: &Path,
    file: &Path,
    threads: usize,
    args: &BenchArgs,
) -> Result<Measurement> {
    child(exe, file, threads, args).with_context(|| {
        format!(
            "--baseline '{}': its measurement at {} failed",
            exe.display(),
            count(threads as u64, "thread")
        )
    })
}

/// This binary, which measurements re-run.
fn this_binary() -> Result<PathBuf> {
    std::env::current_exe().context("cannot find the grassroots binary to re-run")
}

/// Run one measurement of `n` small runs (their sweep if `sweep`, else
/// their simulation alone) in a child process of this binary.
fn small_child(
    file: &Path,
    threads: usize,
    args: &BenchArgs,
    n: u32,
    sweep: bool,
) -> Result<SmallRuns> {
    let mut extra = vec!["--small-runs".to_string(), n.to_string()];
    if sweep {
        extra.push("--sweep".into());
    }
    SmallRuns::parse(&run_child(
        &this_binary()?,
        file,
        threads,
        &args.set,
        &extra,
    )?)
}

/// Run `EXE bench-measure FILE --threads T --set … EXTRA…` and return what
/// it printed.
fn run_child(
    exe: &Path,
    file: &Path,
    threads: usize,
    set: &[String],
    extra: &[String],
) -> Result<String> {
    let mut cmd = Command::new(exe);
    cmd.arg(MEASURE_COMMAND)
        .arg(file)
        .arg("--threads")
        .arg(threads.to_string());
    for s in set {
        cmd.arg("--set").arg(s);
    }
    cmd.args(extra);
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("could not start the measurement process {}", exe.display()))?;
    if !out.status.success() {
        bail!(
            "the measurement at {threads} thread(s) by {} failed ({})",
            exe.display(),
            out.status
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Digits grouped by thousands with spaces: `2 971 234`.
fn grouped(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|g| std::str::from_utf8(g).unwrap_or("?"))
        .collect();
    groups.join(" ")
}

/// The small runs at one thread count: their sweep and their simulation
/// alone.
struct SmallPair {
    sweep: SmallRuns,
    alone: SmallRuns,
}

impl SmallPair {
    /// The share of the sweep's wall time that simulating the runs takes.
    fn share(&self) -> f64 {
        self.alone.seconds / self.sweep.seconds
    }

    /// Wall time of the sweep beyond simulating, per run, in milliseconds.
    fn overhead_ms_per_run(&self) -> f64 {
        (self.sweep.seconds - self.alone.seconds) / self.sweep.runs.max(1.0) * 1e3
    }

    /// [`SmallPair::share`] in CPU time.
    fn cpu_share(&self) -> f64 {
        self.alone.cpu_seconds / self.sweep.cpu_seconds
    }

    /// [`SmallPair::overhead_ms_per_run`] in CPU time.
    fn cpu_overhead_ms_per_run(&self) -> f64 {
        (self.sweep.cpu_seconds - self.alone.cpu_seconds) / self.sweep.runs.max(1.0) * 1e3
    }
}

/// The table of the small runs (`--small-runs`): `pairs` at 1 thread and
/// at all threads.
fn print_small_runs(n: u32, s: &grassroots::scenario::Scenario, shown: &str, pairs: &[SmallPair]) {
    let (Some(one), Some(many)) = (pairs.first(), pairs.last()) else {
        return;
    };
    say!(
        "many small runs: {} runs of {} ({shown}) as a sweep of one point (world.villages = {}) × {} replicates; each run {} villages × {} months stepped ({} burn-in + {} recorded)",
        grouped(f64::from(n)),
        s.scenario.name,
        s.world.villages,
        grouped(f64::from(n)),
        s.world.villages,
        one.alone.months,
        s.scenario.burn_in_months,
        s.scenario.months,
    );
    say!(
        "  {} households over all runs; household-steps = {}",
        grouped(one.alone.households),
        grouped(one.alone.households * one.alone.months),
    );
    say!();
    let head_many = count(many.sweep.threads as u64, "thread");
    say!("  {:<44} {:>14} {:>14}", "", "1 thread", head_many);
    let row = |label: &str, f: &dyn Fn(&SmallPair) -> String| {
        say!("  {label:<44} {:>14} {:>14}", f(one), f(many))
    };
    row("sweep, as grassroots sweep runs it (s)", &|p| {
        format!("{:.3}", p.sweep.seconds)
    });
    row("simulation alone, set-up + stepping (s)", &|p| {
        format!("{:.3}", p.alone.seconds)
    });
    row("share of the sweep spent simulating", &|p| {
        format!("{:.3}", p.share())
    });
    row("overhead per run (ms)", &|p| {
        format!("{:.2}", p.overhead_ms_per_run())
    });
    row("CPU seconds, sweep", &|p| {
        format!("{:.3}", p.sweep.cpu_seconds)
    });
    row("CPU seconds, simulation alone", &|p| {
        format!("{:.3}", p.alone.cpu_seconds)
    });
    row("share of the sweep's CPU time simulating", &|p| {
        format!("{:.3}", p.cpu_share())
    });
    row("overhead per run, CPU time (ms)", &|p| {
        format!("{:.2}", p.cpu_overhead_ms_per_run())
    });
    row("files the sweep wrote (MB)", &|p| {
        format!("{:.2}", p.sweep.output_bytes / 1e6)
    });
    row("peak RSS, sweep process (MB)", &|p| {
        format!("{:.1}", p.sweep.peak_rss_bytes / 1e6)
    });
    say!();
    say!(
        "  (the sweep is `grassroots sweep --quiet` with that one point: planning, run store, result files and charts, in a temporary directory; the simulation alone is the same runs without them; each cell is a fresh process)"
    );
    say!();
}

/// With one thread in all (`--threads 1`, or one core) both columns are
/// the same setting: each shows the fastest of all its measurements.
fn pooled_at_one_thread(all: usize, one: Measurement, many: Measurement) -> [Measurement; 2] {
    if all == 1 {
        let fastest = one.faster(many);
        [fastest.clone(), fastest]
    } else {
        [one, many]
    }
}

/// Keep the faster of a measurement and the best so far.
fn keep_faster(best: &mut Option<Measurement>, new: Measurement) {
    *best = Some(match best.take() {
        None => new,
        Some(old) => old.faster(new),
    });
}

/// How to get a baseline, for the messages that refuse one.
const BASELINE_HOWTO: &str = "give a grassroots binary, e.g. one built from an earlier commit: \
     git worktree add ../old COMMIT && cargo build --release --manifest-path ../old/Cargo.toml, \
     then --baseline ../old/target/release/grassroots";

/// What `BASELINE --version` says (`grassroots 0.1.0+model.7`), after
/// checking, before anything is measured, that the baseline is a grassroots
/// binary that runs and has the measurement subcommand.
fn baseline_identity(path: &Path) -> Result<String> {
    let shown = path.display();
    let refuse = |why: String| -> anyhow::Error {
        InputError(format!("--baseline '{shown}': {why}; {BASELINE_HOWTO}")).into()
    };
    if path.is_dir() {
        let inside = path.join("target/release/grassroots");
        let hint = if inside.is_file() {
            format!(" (did you mean '{}'?)", inside.display())
        } else {
            String::new()
        };
        return Err(refuse(format!("is a directory{hint}")));
    }
    if !path.is_file() {
        return Err(refuse("no such file".into()));
    }
    let run = |args: &[&str]| {
        Command::new(path)
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
    };
    let version = match run(&["--version"]) {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(refuse(format!(
                "cannot run it ({e}); make it executable (chmod +x)"
            )));
        }
        Err(e) => return Err(refuse(format!("cannot run it ({e})"))),
    };
    let said = String::from_utf8_lossy(&version.stdout).trim().to_string();
    if !version.status.success() || !said.starts_with("grassroots ") {
        let printed = said.lines().next().unwrap_or("").chars().take(60);
        return Err(refuse(format!(
            "not a grassroots binary (`--version` printed '{}', not `grassroots …`)",
            printed.collect::<String>()
        )));
    }
    // Builds before `bench` have no measurement subcommand.
    if !run(&[MEASURE_COMMAND, "--help"]).is_ok_and(|o| o.status.success()) {
        return Err(refuse(format!(
            "{said} has no `{MEASURE_COMMAND}` (it is older than `grassroots bench`)"
        )));
    }
    Ok(said)
}

/// The table of this build against the baseline (`--baseline`).
fn print_against(
    path: &Path,
    identity: &str,
    this: [&Measurement; 2],
    baseline: [&Measurement; 2],
) {
    say!(
        "  against the baseline {} ({identity}); rates of set-up + simulation",
        path.display()
    );
    say!(
        "  {:<44} {:>14} {:>14}",
        "",
        "1 thread",
        count(this[1].threads as u64, "thread")
    );
    let row = |label: &str, f: &dyn Fn(usize) -> String| {
        say!("  {label:<44} {:>14} {:>14}", f(0), f(1));
    };
    row("this build: household-steps/s", &|k| {
        grouped(this[k].rate())
    });
    row("baseline: household-steps/s", &|k| {
        grouped(baseline[k].rate())
    });
    row("speed-up (this build ÷ baseline)", &|k| {
        format!("{:.3}", this[k].rate() / baseline[k].rate())
    });
    row("this build: set-up + simulation (s)", &|k| {
        format!("{:.3}", this[k].setup_seconds + this[k].simulation_seconds)
    });
    row("baseline: set-up + simulation (s)", &|k| {
        format!(
            "{:.3}",
            baseline[k].setup_seconds + baseline[k].simulation_seconds
        )
    });
    row("baseline: peak RSS per household (bytes)", &|k| {
        format!(
            "{:.1}",
            baseline[k].peak_rss_bytes / baseline[k].households_alive.max(1.0)
        )
    });
    let same = |k: usize| {
        this[k].households == baseline[k].households && this[k].months == baseline[k].months
    };
    if !(same(0) && same(1)) {
        say!(
            "  (the builds set up different counties: {} against {} households, {} against {} months; rates are per household-step)",
            grouped(this[0].households),
            grouped(baseline[0].households),
            this[0].months,
            baseline[0].months
        );
    }
    say!();
}

/// `grassroots bench`.
pub fn bench(args: &BenchArgs) -> Result<()> {
    if let Some(n) = args.small_runs {
        let most = most_small_runs();
        if n == 0 || n > most {
            return Err(InputError(format!(
                "--small-runs {n}: give between 1 and {most} runs (they are the replicates of one sweep point, and scenario.replicates allows at most {most})"
            ))
            .into());
        }
        if args.file.is_none() {
            return Err(InputError(format!(
                "--small-runs needs a scenario file (its runs are of that scenario, not of {DEFAULT_SCENARIO}); e.g. 1000 runs of a 24-village county: grassroots bench scenarios/baseline.toml --small-runs 1000 --set world.villages=24"
            ))
            .into());
        }
    }
    let file = match &args.file {
        Some(f) => f.clone(),
        None => {
            let f = PathBuf::from(DEFAULT_SCENARIO);
            if !f.is_file() {
                return Err(InputError(format!(
                    "no scenario given and {DEFAULT_SCENARIO} is not in the current directory; \
                     give a scenario file: grassroots bench FILE"
                ))
                .into());
            }
            f
        }
    };
    // Check the scenario and options here, so that a mistake is said once.
    let (text, shown) = read_text(&file)?;
    let given = overrides(&args.set, args.replicates)?;
    let (s, _) = load(&text, &shown, &given)?;
    let small_scenario = match args.small_runs {
        Some(n) => Some((
            n,
            load(
                &text,
                &shown,
                &overrides(&small_run_set(&args.set), Some(n))?,
            )?
            .0,
        )),
        None => None,
    };
    let all = pool(args.threads)?.current_num_threads();
    // The memory check of `run`, before any measurement starts: a scenario
    // too large for this machine is refused with the estimate, not aborted
    // by the allocator in a child process.
    let concurrent = all.min(s.scenario.replicates as usize);
    super::check_memory(
        super::Estimate {
            simulations: grassroots::study::plan::estimate_run_memory(&s, concurrent, false),
            plan: 0,
            adaptive: None,
            disk: 0,
        },
        s.scenario.replicates as usize,
        &super::Common {
            out: None,
            seed: None,
            replicates: None,
            threads: Some(all),
            set: vec![],
            max_memory: args.max_memory,
            quiet: true,
            force: false,
        },
    )?;

    if !(1..=MAX_REPEAT).contains(&args.repeat) {
        return Err(InputError(format!(
            "--repeat {}: give a number of measurements from 1 to {MAX_REPEAT}, e.g. --repeat 5",
            args.repeat
        ))
        .into());
    }
    let exe = this_binary()?;
    let baseline = match &args.baseline {
        Some(path) => {
            // Absolute, so that a bare file name is not looked up in PATH.
            let path = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            let identity = baseline_identity(&path)?;
            Some((path, identity))
        }
        None => None,
    };
    // The fastest measurement of this build and of the baseline at 1 and at
    // all threads.
    let mut best: [Option<Measurement>; 2] = [None, None];
    let mut best_baseline: [Option<Measurement>; 2] = [None, None];
    for round in 1..=args.repeat {
        let of = if args.repeat > 1 {
            format!(" ({round} of {})", args.repeat)
        } else {
            String::new()
        };
        for (k, threads) in [1, all].into_iter().enumerate() {
            let at = count(threads as u64, "thread");
            // With a baseline, the two builds take turns going first, so
            // that neither always runs right after the other's load.
            let turns = if round % 2 == 0 {
                [true, false]
            } else {
                [false, true]
            };
            for is_baseline in turns {
                match (&baseline, is_baseline) {
                    (Some((path, _)), true) => {
                        eprintln!("bench: measuring {shown} with the baseline at {at}{of}…");
                        keep_faster(
                            &mut best_baseline[k],
                            baseline_child(path, &file, threads, args)?,
                        );
                    }
                    (None, true) => {}
                    (_, false) => {
                        eprintln!("bench: measuring {shown} at {at}{of}…");
                        keep_faster(&mut best[k], child(&exe, &file, threads, args)?);
                    }
                }
            }
        }
    }
    let [Some(one), Some(many)] = best else {
        unreachable!("--repeat is at least 1")
    };
    let [one, many] = pooled_at_one_thread(all, one, many);
    let small = match small_scenario {
        None => None,
        Some((n, small)) => {
            let mut pairs = Vec::new();
            for threads in [1, all] {
                let at = count(threads as u64, "thread");
                eprintln!("bench: {n} small runs as a sweep at {at}…");
                let sweep = small_child(&file, threads, args, n, true)?;
                eprintln!("bench: {n} small runs, simulation alone, at {at}…");
                let alone = small_child(&file, threads, args, n, false)?;
                pairs.push(SmallPair { sweep, alone });
            }
            Some((n, small, pairs))
        }
    };

    let efficiency = (one.setup_seconds + one.simulation_seconds)
        / (many.threads * (many.setup_seconds + many.simulation_seconds));
    let bytes_per_household = many.peak_rss_bytes / many.households_alive.max(1.0);
    let bytes_per_member = many.peak_rss_bytes / many.members_alive.max(1.0);

    say!(
        "{} ({shown}): {} replicate(s) × {} months stepped ({} burn-in + {} recorded) × {} villages",
        s.scenario.name,
        many.replicates,
        many.months,
        s.scenario.burn_in_months,
        s.scenario.months,
        grouped(f64::from(s.world.villages)),
    );
    say!(
        "  {} households and {} members over all replicates; household-steps = households × months stepped = {}",
        grouped(many.households),
        grouped(many.members),
        grouped(many.household_steps()),
    );
    say!();
    let head_many = count(many.threads as u64, "thread");
    say!("  {:<44} {:>14} {:>14}", "", "1 thread", head_many);
    let row = |label: &str, a: String, b: String| say!("  {label:<44} {a:>14} {b:>14}");
    row(
        "set-up, building villages (s)",
        format!("{:.3}", one.setup_seconds),
        format!("{:.3}", many.setup_seconds),
    );
    row(
        "simulation, all months stepped (s)",
        format!("{:.3}", one.simulation_seconds),
        format!("{:.3}", many.simulation_seconds),
    );
    row(
        "output, writing the run's files (s)",
        format!("{:.3}", one.output_seconds),
        format!("{:.3}", many.output_seconds),
    );
    row(
        "household-steps/s, set-up + simulation",
        grouped(one.rate()),
        grouped(many.rate()),
    );
    row(
        "household-steps/s, simulation only",
        grouped(one.simulation_rate()),
        grouped(many.simulation_rate()),
    );
    row(
        "household-steps/s per thread, set-up + sim.",
        grouped(one.rate() / one.threads),
        grouped(many.rate() / many.threads),
    );
    row(
        "CPU busy during set-up + simulation (cores)",
        format!(
            "{:.2}",
            one.cpu_seconds / (one.setup_seconds + one.simulation_seconds)
        ),
        format!(
            "{:.2}",
            many.cpu_seconds / (many.setup_seconds + many.simulation_seconds)
        ),
    );
    row(
        "household-steps per CPU-second",
        grouped(one.cpu_rate()),
        grouped(many.cpu_rate()),
    );
    row(
        "peak RSS, whole process (MB)",
        format!("{:.1}", one.peak_rss_bytes / 1e6),
        format!("{:.1}", many.peak_rss_bytes / 1e6),
    );
    row(
        "peak RSS per household alive (bytes)",
        format!("{:.1}", one.peak_rss_bytes / one.households_alive.max(1.0)),
        format!("{:.1}", bytes_per_household),
    );
    row(
        "output written (kB)",
        format!("{:.1}", one.output_bytes / 1e3),
        format!("{:.1}", many.output_bytes / 1e3),
    );
    say!();
    say!(
        "  parallel efficiency (set-up + simulation): {efficiency:.3}; state: Household = {} bytes, Member = {} bytes",
        std::mem::size_of::<Household>(),
        std::mem::size_of::<Member>()
    );
    say!(
        "  (each column is a fresh process{}; output time is not in the rates; see docs/performance.md)",
        if args.repeat > 1 {
            format!(", the fastest of {}", args.repeat)
        } else {
            String::new()
        }
    );
    say!();
    let against = match (&baseline, best_baseline) {
        (Some((path, identity)), [Some(base_one), Some(base_many)]) => {
            let [base_one, base_many] = pooled_at_one_thread(all, base_one, base_many);
            print_against(path, identity, [&one, &many], [&base_one, &base_many]);
            Some([base_one, base_many])
        }
        _ => None,
    };
    if let Some((n, small, pairs)) = &small {
        print_small_runs(*n, small, &shown, pairs);
    }
    let keys: [(&str, String); 12] = [
        ("repeats", format!("{}", args.repeat)),
        ("household_steps_per_sec_1t", format!("{:.0}", one.rate())),
        ("household_steps_per_sec_all", format!("{:.0}", many.rate())),
        ("threads", format!("{}", many.threads)),
        ("parallel_efficiency", format!("{efficiency:.4}")),
        ("bytes_per_household", format!("{bytes_per_household:.1}")),
        ("bytes_per_member", format!("{bytes_per_member:.1}")),
        ("setup_seconds", format!("{:.6}", many.setup_seconds)),
        ("output_seconds", format!("{:.6}", many.output_seconds)),
        (
            "household_steps_per_cpu_second_1t",
            format!("{:.0}", one.cpu_rate()),
        ),
        (
            "household_struct_bytes",
            format!("{}", std::mem::size_of::<Household>()),
        ),
        (
            "member_struct_bytes",
            format!("{}", std::mem::size_of::<Member>()),
        ),
    ];
    let mut text = String::new();
    for (k, v) in keys {
        text.push_str(&format!("{k}: {v}\n"));
    }
    if let Some([base_one, base_many]) = &against {
        for (what, value) in [
            ("baseline_household_steps_per_sec_1t", base_one.rate()),
            ("baseline_household_steps_per_sec_all", base_many.rate()),
        ] {
            text.push_str(&format!("{what}: {value:.0}\n"));
        }
        for (what, value) in [
            ("speedup_1t", one.rate() / base_one.rate()),
            ("speedup_all", many.rate() / base_many.rate()),
        ] {
            text.push_str(&format!("{what}: {value:.4}\n"));
        }
    }
    if let Some((n, _, pairs)) = &small {
        text.push_str(&format!("small_runs: {n}\n"));
        for (pair, suffix) in pairs.iter().zip(["1t", "all"]) {
            for (what, value) in [
                ("seconds", format!("{:.6}", pair.sweep.seconds)),
                ("simulating_seconds", format!("{:.6}", pair.alone.seconds)),
                ("simulating_share", format!("{:.4}", pair.share())),
                (
                    "overhead_ms_per_run",
                    format!("{:.3}", pair.overhead_ms_per_run()),
                ),
            ] {
                text.push_str(&format!("small_runs_{what}_{suffix}: {value}\n"));
            }
        }
    }
    print_out(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_hwm_is_read_in_bytes() {
        let status =
            "Name:\tgrassroots\nVmPeak:\t  200 kB\nVmHWM:\t  172032 kB\nVmRSS:\t 1000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(172032 * 1024));
        assert_eq!(parse_vm_hwm("VmRSS: 5 kB\n"), None);
        assert_eq!(parse_vm_hwm("VmHWM: 5 MB\n"), None);
    }

    #[test]
    fn cpu_ticks_are_utime_plus_stime() {
        let stat = "4242 (grass roots) R 1 2 3 4 5 6 7 8 9 10 250 30 0 0 20 0 3 0";
        assert_eq!(parse_cpu_ticks(stat), Some(280));
        assert_eq!(parse_cpu_ticks("4242 (x) R 1"), None);
    }

    #[test]
    fn a_measurement_reads_back_what_it_printed() {
        let m = Measurement {
            threads: 2.0,
            replicates: 1.0,
            months: 24.0,
            households: 3000.0,
            members: 500.0,
            households_alive: 3000.0,
            members_alive: 500.0,
            setup_seconds: 0.5,
            simulation_seconds: 1.5,
            output_seconds: 0.25,
            output_bytes: 1e4,
            peak_rss_bytes: 1e6,
            cpu_seconds: 3.5,
        };
        let text: String = m
            .lines()
            .iter()
            .map(|(k, v)| format!("{k}: {v}\n"))
            .collect();
        let back = Measurement::parse(&text).unwrap();
        assert_eq!(back.lines(), m.lines());
        assert_eq!(back.rate(), 3000.0 * 24.0 / 2.0);
        assert!(Measurement::parse("threads: 2\n").is_err());
    }

    #[test]
    fn small_runs_read_back_what_they_printed() {
        let m = SmallRuns {
            threads: 2.0,
            runs: 4.0,
            seconds: 1.25,
            cpu_seconds: 2.0,
            output_bytes: 1e5,
            peak_rss_bytes: 3e7,
            households: 600.0,
            months: 36.0,
        };
        let text: String = m
            .lines()
            .iter()
            .map(|(k, v)| format!("{k}: {v}\n"))
            .collect();
        assert_eq!(SmallRuns::parse(&text).unwrap(), m);
        assert!(SmallRuns::parse("runs: 4\n").is_err());
        let alone = SmallRuns {
            seconds: 1.0,
            cpu_seconds: 1.5,
            ..m.clone()
        };
        let pair = SmallPair { sweep: m, alone };
        assert_eq!(pair.share(), 0.8);
        assert_eq!(pair.overhead_ms_per_run(), 62.5);
        assert_eq!(pair.cpu_share(), 0.75);
        assert_eq!(pair.cpu_overhead_ms_per_run(), 125.0);
    }

    #[test]
    fn the_small_runs_sweep_runs_the_scenario_with_the_timing_seeds() {
        // One point at the scenario's own village count: its scenario is
        // the scenario, and replicate r has the seed the timing path gives
        // replicate r of variant 0.
        use grassroots::study::runner::{Outline, StudyFile};
        let text = "[scenario]\nname = \"t\"\nseed = 11\nmonths = 6\nreplicates = 2\n[world]\nvillages = 3\n";
        let cli = vec![
            ("world.villages".to_string(), "2".to_string()),
            ("scenario.replicates".to_string(), "5".to_string()),
        ];
        let mut file = StudyFile::parse(text, "t.toml", &cli, None).unwrap();
        file.spec.sweep = Some(small_run_design(&file.base));
        let study = Outline::sweep(&file, &cli)
            .unwrap()
            .resolve(std::slice::from_ref(&file), &cli)
            .unwrap();
        assert_eq!(study.plan.scenarios, vec![file.base.clone()]);
        let seeds: Vec<u64> = study.plan.runs.iter().map(|r| r.seed).collect();
        let timing: Vec<u64> = (0..5)
            .map(|r| grassroots::random::replicate_seed(11, 0, r))
            .collect();
        assert_eq!(seeds, timing);
        assert_eq!(
            small_run_set(&["a.b=1".into(), " scenario.replicates = 3".into()]),
            vec!["a.b=1".to_string()]
        );
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(2971234.0), "2 971 234");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(grouped(1000.0), "1 000");
    }
}
