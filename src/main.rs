//! The `grassroots` command line: a thin layer over the library.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use grassroots::experiment::{self, MonthSummary};
use grassroots::metrics::{METRICS, metric_index};
use grassroots::output::{self, StagedDir, chart, manifest};
use grassroots::scenario::{Scenario, schema};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "grassroots",
    version,
    about = "Agent-based simulation of service-oriented village Party branches"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario's replicates and write CSVs, a manifest and charts.
    Run {
        /// Scenario file (TOML).
        file: PathBuf,
        /// Output directory [default: output/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override `scenario.seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// Override `scenario.replicates`.
        #[arg(long)]
        replicates: Option<u32>,
        /// Worker threads [default: RAYON_NUM_THREADS or all cores].
        #[arg(long)]
        threads: Option<usize>,
        /// Set any parameter: `--set incentive.formal_weight=0.2` (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// No progress bar and no summary on the terminal.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a scenario file without running it.
    Validate {
        /// Scenario file (TOML).
        file: PathBuf,
    },
    /// Print the parameter table (Markdown), as in docs/model.md §8.
    Params,
    /// Print the table of output metrics (Markdown), as in docs/model.md §7.8.
    Metrics,
}

/// A problem with the user's input (exit code 2) rather than a failure.
#[derive(Debug)]
struct InputError(String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for InputError {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(input) = e.downcast_ref::<InputError>() {
                eprintln!("error: {input}");
                ExitCode::from(2)
            } else {
                eprintln!("error: {e:#}");
                ExitCode::from(1)
            }
        }
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run {
            file,
            out,
            seed,
            replicates,
            threads,
            set,
            quiet,
        } => {
            let mut overrides = parse_sets(&set)?;
            if let Some(seed) = seed {
                overrides.push(("scenario.seed".into(), seed.to_string()));
            }
            if let Some(r) = replicates {
                overrides.push(("scenario.replicates".into(), r.to_string()));
            }
            let scenario = load(&file, &overrides)?;
            run(&file, scenario, out, threads, quiet)
        }
        Command::Validate { file } => {
            let s = load(&file, &[])?;
            println!(
                "{}: ok — scenario `{}`, {} villages, {} months, {} replicates",
                file.display(),
                s.scenario.name,
                s.world.villages,
                s.scenario.months,
                s.scenario.replicates
            );
            Ok(())
        }
        Command::Params => {
            print!("{}", schema::markdown_table());
            Ok(())
        }
        Command::Metrics => {
            print!("{}", grassroots::metrics::markdown_table());
            Ok(())
        }
    }
}

fn parse_sets(sets: &[String]) -> Result<Vec<(String, String)>> {
    sets.iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) => Ok((k.trim().to_string(), v.trim().to_string())),
            None => Err(InputError(format!(
                "--set {s}: expected KEY=VALUE, e.g. --set incentive.formal_weight=0.2"
            ))
            .into()),
        })
        .collect()
}

fn load(file: &Path, overrides: &[(String, String)]) -> Result<Scenario> {
    let shown = file.display().to_string();
    let text = std::fs::read_to_string(file)
        .map_err(|e| InputError(format!("cannot read scenario file {shown}: {e}")))?;
    Scenario::from_toml_with(&text, &shown, overrides, Some(&read_base))
        .map_err(|e| InputError(e.to_string()).into())
}

/// Read the file a scenario builds on (`scenario.base`), relative to the
/// including file.
fn read_base(base: &str, including: &str) -> std::result::Result<(String, String), String> {
    let dir = Path::new(including).parent().unwrap_or(Path::new(""));
    let path = dir.join(base);
    let shown = path.display().to_string();
    std::fs::read_to_string(&path)
        .map(|text| (shown.clone(), text))
        .map_err(|e| format!("cannot read base scenario {shown}: {e}"))
}

fn run(
    file: &Path,
    s: Scenario,
    out: Option<PathBuf>,
    threads: Option<usize>,
    quiet: bool,
) -> Result<()> {
    let out = out.unwrap_or_else(|| Path::new("output").join(&s.scenario.name));
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        if n == 0 {
            bail!(InputError("--threads must be at least 1".into()));
        }
        pool = pool.num_threads(n);
    }
    let pool = pool.build().context("could not start worker threads")?;
    let n_threads = pool.current_num_threads();

    let show = !quiet && std::io::stderr().is_terminal();
    let bar = if show {
        let bar = ProgressBar::new(u64::from(s.scenario.replicates));
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg} [{bar:30}] {pos}/{len} replicates, {elapsed} (ETA {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(s.scenario.name.clone());
        bar
    } else {
        ProgressBar::hidden()
    };

    let started = Instant::now();
    let on_done = || bar.inc(1);
    let runs = pool.install(|| experiment::run_replicates(&s, 0, s.scenario.replicates, &on_done));
    let wall = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let summaries = experiment::summarize_runs(&runs);

    let staged = StagedDir::new(&out)?;
    let dir = staged.path().to_path_buf();
    output::csv::write_timeseries(&dir.join("timeseries.csv"), &runs)?;
    output::csv::write_summary(&dir.join("summary.csv"), &summaries)?;
    let charts = dir.join("charts");
    std::fs::create_dir_all(&charts).map_err(output::io_err(&charts))?;
    let mut files = vec!["timeseries.csv".to_string(), "summary.csv".to_string()];
    for metric in chart::CHARTED {
        let name = format!("charts/{metric}.png");
        let title = format!("{} — {}", s.scenario.name, metric.replace('_', " "));
        chart::draw_metric(&dir.join(&name), &title, metric, &summaries)?;
        files.push(name);
    }
    files.push("manifest.json".into());
    let info = manifest::RunInfo {
        scenario_file: file.display().to_string(),
        threads: n_threads,
        wall_time_seconds: wall,
        files,
    };
    let seeds: Vec<u64> = runs.iter().map(|r| r.seed).collect();
    manifest::write(&dir.join("manifest.json"), &s, &info, &seeds)?;
    let out = staged.commit()?;

    if !quiet {
        report(&s, &summaries, &out, wall, n_threads);
    }
    Ok(())
}

/// A short plain-text report of the final month.
fn report(s: &Scenario, rows: &[MonthSummary], out: &Path, wall: f64, threads: usize) {
    let last = s.scenario.months - 1;
    println!(
        "{}: {} replicates × {} months × {} villages in {:.2} s on {} threads",
        s.scenario.name, s.scenario.replicates, s.scenario.months, s.world.villages, wall, threads
    );
    println!("final month (mean, 95 % CI across replicates):");
    for name in [
        "service_capacity",
        "share_met",
        "satisfaction_mean",
        "trust_mean",
        "formalism_index",
        "coverage",
        "assessment_score",
        "cost",
    ] {
        let Some(k) = metric_index(name) else {
            continue;
        };
        let Some(r) = rows
            .iter()
            .find(|r| r.month == last && r.metric == METRICS[k].0)
        else {
            continue;
        };
        let sm = &r.summary;
        match (sm.ci_low, sm.ci_high) {
            (Some(lo), Some(hi)) => println!("  {name:<18} {:>12.4}  [{lo:.4}, {hi:.4}]", sm.mean),
            _ => println!("  {name:<18} {:>12.4}", sm.mean),
        }
    }
    println!("wrote {}", out.display());
}
