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

use super::{InputError, load, pool, read_text};
use anyhow::{Context, Result, bail};
use clap::Args;
use grassroots::model::{Household, Member};
use grassroots::output::{self, manifest};
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
}

/// `--set` and `--replicates` as overrides.
fn overrides(set: &[String], replicates: Option<u32>) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for s in set {
        match s.split_once('=') {
            Some((k, v)) => out.push((k.trim().to_string(), v.trim().to_string())),
            None => {
                return Err(InputError(format!(
                    "--set {s}: expected KEY=VALUE, e.g. --set world.villages=1000"
                ))
                .into());
            }
        }
    }
    if let Some(r) = replicates {
        if r == 0 {
            return Err(InputError("--replicates must be at least 1".into()).into());
        }
        out.push(("scenario.replicates".into(), r.to_string()));
    }
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
        let found: BTreeMap<&str, f64> = text
            .lines()
            .filter_map(|l| l.split_once(": "))
            .filter_map(|(k, v)| v.trim().parse::<f64>().ok().map(|v| (k.trim(), v)))
            .collect();
        let mut m = Measurement::default();
        let get = |key: &str| -> Result<f64> {
            found
                .get(key)
                .copied()
                .with_context(|| format!("the measurement did not report `{key}`"))
        };
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
    if let Some(ns) = schedstat_ns() {
        return Ok(ns as f64 / 1e9);
    }
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
    let tmp = tempfile::Builder::new()
        .prefix("grassroots-bench-")
        .tempdir()
        .context("could not create a temporary directory for the output")?;
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

/// Print to stdout; a reader that closes the pipe early is not an error.
fn print_out(text: &str) -> Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Run one measurement in a child process of this binary.
fn child(file: &Path, threads: usize, args: &BenchArgs) -> Result<Measurement> {
    let exe = std::env::current_exe().context("cannot find the grassroots binary to re-run")?;
    let mut cmd = Command::new(exe);
    cmd.arg(MEASURE_COMMAND)
        .arg(file)
        .arg("--threads")
        .arg(threads.to_string());
    if let Some(r) = args.replicates {
        cmd.arg("--replicates").arg(r.to_string());
    }
    for s in &args.set {
        cmd.arg("--set").arg(s);
    }
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("could not start the measurement process")?;
    if !out.status.success() {
        bail!(
            "the measurement at {threads} thread(s) failed ({})",
            out.status
        );
    }
    Measurement::parse(&String::from_utf8_lossy(&out.stdout))
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

/// `grassroots bench`.
pub fn bench(args: &BenchArgs) -> Result<()> {
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
    let all = pool(args.threads)?.current_num_threads();

    eprintln!("bench: measuring {shown} at 1 thread…");
    let one = child(&file, 1, args)?;
    eprintln!("bench: measuring {shown} at {all} threads…");
    let many = child(&file, all, args)?;

    let efficiency = (one.setup_seconds + one.simulation_seconds)
        / (many.threads * (many.setup_seconds + many.simulation_seconds));
    let bytes_per_household = many.peak_rss_bytes / many.households_alive.max(1.0);
    let bytes_per_member = many.peak_rss_bytes / many.members_alive.max(1.0);

    println!(
        "{} ({shown}): {} replicate(s) × {} months stepped ({} burn-in + {} recorded) × {} villages",
        s.scenario.name,
        many.replicates,
        many.months,
        s.scenario.burn_in_months,
        s.scenario.months,
        grouped(f64::from(s.world.villages)),
    );
    println!(
        "  {} households and {} members over all replicates; household-steps = households × months stepped = {}",
        grouped(many.households),
        grouped(many.members),
        grouped(many.household_steps()),
    );
    println!();
    let head_many = format!("{} threads", many.threads);
    println!("  {:<44} {:>14} {:>14}", "", "1 thread", head_many);
    let row = |label: &str, a: String, b: String| println!("  {label:<44} {a:>14} {b:>14}");
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
    println!();
    println!(
        "  parallel efficiency (set-up + simulation): {efficiency:.3}; state: Household = {} bytes, Member = {} bytes",
        std::mem::size_of::<Household>(),
        std::mem::size_of::<Member>()
    );
    println!(
        "  (each column is a fresh process; output time is not in the rates; see docs/performance.md)"
    );
    println!();
    let keys: [(&str, String); 11] = [
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
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(2971234.0), "2 971 234");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(grouped(1000.0), "1 000");
    }
}
