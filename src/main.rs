//! The `grassroots` command line: a thin layer over the library.

/// `println!` for the command's report on stdout, which never panics: a
/// reader that closes the pipe early (`grassroots calibrate FILE | head -1`)
/// or a full disk must not stop a command before its result files are
/// written, so a failed write to stdout is ignored (the result files are
/// what a command is for; they report their own errors).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod cli;

use clap::{Parser, Subcommand};
use cli::{Common, InputError, Shard, TargetCi};
use grassroots::output::dictionary::Format as DictionaryFormat;
use std::path::PathBuf;
use std::process::ExitCode;

/// Print a table or schema; a reader that closes the pipe early
/// (`grassroots params | head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn parse_dictionary_format(text: &str) -> Result<DictionaryFormat, String> {
    DictionaryFormat::parse(text)
        .ok_or_else(|| format!("`{text}` is not a table format; valid: md, csv, json"))
}

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
        #[command(flatten)]
        common: Common,
        /// Also write villages.csv: every village's metrics every month.
        #[arg(long)]
        per_village: bool,
    },
    /// Compare the base scenario and its [[variants]] (or several scenario
    /// files) with confidence intervals; with [uncertainty], across sampled
    /// environments.
    Compare {
        /// Scenario file(s); the first file's base scenario is the baseline.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
        /// Run only slice K of N of the study (for a cluster job array).
        #[arg(long, value_name = "K/N")]
        shard: Option<Shard>,
        /// Add replicates until every outcome's 95 % CI half-width is at most
        /// W (a number in the outcome's units, or a percentage of |mean| such as 5%),
        /// with at least 10 replicates.
        #[arg(long, value_name = "W")]
        target_ci: Option<TargetCi>,
        /// Cap on replicates for --target-ci [default: 640, or the replicates
        /// the study starts with if more]; at least 2 (an interval needs two)
        /// and at least the replicates it starts with.
        #[arg(long, requires = "target_ci", value_parser = clap::value_parser!(u32).range(2..=100_000))]
        max_replicates: Option<u32>,
    },
    /// Run the [sweep] of a scenario file (grid or Latin hypercube).
    Sweep {
        /// Scenario file with a [sweep] section.
        file: PathBuf,
        #[command(flatten)]
        common: Common,
        /// Run only slice K of N of the sweep (for a cluster job array).
        #[arg(long, value_name = "K/N")]
        shard: Option<Shard>,
    },
    /// Global sensitivity analysis of a scenario file's [sensitivity]: Morris
    /// elementary effects or Sobol indices of the outcome levels and of the
    /// effects of the policies it names.
    Sensitivity {
        /// Scenario file with a [sensitivity] section.
        file: PathBuf,
        #[command(flatten)]
        common: Common,
        /// Run only slice K of N of the design (for a cluster job array; then
        /// `grassroots merge`).
        #[arg(long, value_name = "K/N")]
        shard: Option<Shard>,
    },
    /// Calibrate the parameters of a scenario file's [calibration] against its
    /// targets by approximate Bayesian computation (rejection, then
    /// sequential Monte Carlo); resumes from the runs stored in --out.
    Calibrate {
        /// Scenario file with a [calibration] section.
        file: PathBuf,
        #[command(flatten)]
        common: Common,
        /// Run only slice K of N of the first (rejection) generation, for a
        /// cluster job array; then `grassroots merge` the slices and run
        /// `calibrate` on the merged directory to finish.
        #[arg(long, value_name = "K/N")]
        shard: Option<Shard>,
    },
    /// Merge shard directories of one study into complete result files.
    Merge {
        /// Shard output directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Directory for the merged study [default: the first shard directory].
        #[arg(long)]
        out: Option<PathBuf>,
        /// No summary on the terminal.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Redraw the charts of a finished run or study from its CSV files and
    /// manifest (no simulation): another size, resolution, format, or some
    /// metrics and variants only.
    Plot(cli::plot::PlotArgs),
    /// Write a scenario file with every section and key commented (meaning,
    /// range, default, source), optionally starting from another scenario.
    New(cli::new::NewArgs),
    /// Print a JSON Schema of scenario files, for editors that check and
    /// complete TOML keys (Even Better TOML / Taplo); docs/scenario.schema.json
    /// is a copy.
    Schema,
    /// Write DIR/report.html: one self-contained page of a finished run or study.
    Report {
        /// Output directory of a finished run, compare, sweep, sensitivity or calibrate.
        dir: PathBuf,
    },
    /// Check a scenario file (parameters and study sections) without running it.
    Validate {
        /// Scenario file (TOML).
        file: PathBuf,
    },
    /// Measure throughput (household-steps per second), parallel efficiency
    /// and memory per household of a scenario's run, at 1 thread and at all
    /// threads (docs/performance.md).
    Bench(cli::bench::BenchArgs),
    /// One measurement of `bench`, in a fresh process (internal).
    #[command(name = "bench-measure", hide = true)]
    BenchMeasure(cli::bench::MeasureArgs),
    /// Print the parameter table (a data dictionary), as in docs/model.md §8.
    Params {
        /// md (Markdown, as in docs/model.md), csv or json.
        #[arg(long, default_value = "md", value_parser = parse_dictionary_format)]
        format: DictionaryFormat,
    },
    /// Print the table of output metrics (a data dictionary), as in
    /// docs/model.md §7.8.
    Metrics {
        /// md (Markdown, as in docs/model.md), csv or json.
        #[arg(long, default_value = "md", value_parser = parse_dictionary_format)]
        format: DictionaryFormat,
    },
}

fn main() -> ExitCode {
    // `--version` names the model too (`0.1.0+model.7`), as every manifest does.
    let identity: &'static str = Box::leak(grassroots::model_identity().into_boxed_str());
    let matches = match <Cli as clap::CommandFactory>::command()
        .version(identity)
        .try_get_matches()
    {
        Ok(m) => m,
        Err(e) => {
            // `--villages 10`: clap's tip names the nearest option
            // (`--per-village`); a parameter is set with --set, so say so.
            let note = (e.kind() == clap::error::ErrorKind::UnknownArgument)
                .then(|| e.get(clap::error::ContextKind::InvalidArg))
                .flatten()
                .and_then(|arg| cli::parameter_flag_note(&arg.to_string(), &cli::command_line()));
            let _ = e.print();
            if let Some(note) = note {
                eprintln!("\n{note}");
            }
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Run {
            file,
            common,
            per_village,
        } => cli::run::run(&file, &common, per_village),
        Command::Compare {
            files,
            common,
            shard,
            target_ci,
            max_replicates,
        } => cli::study::compare(&files, &common, shard, target_ci, max_replicates),
        Command::Sweep {
            file,
            common,
            shard,
        } => cli::study::sweep(&file, &common, shard),
        Command::Sensitivity {
            file,
            common,
            shard,
        } => cli::study::sensitivity(&file, &common, shard),
        Command::Calibrate {
            file,
            common,
            shard,
        } => cli::study::calibrate(&file, &common, shard),
        Command::Merge { dirs, out, quiet } => cli::study::merge(&dirs, out, quiet),
        Command::Plot(args) => cli::plot::plot(&args),
        Command::Report { dir } => cli::report::report(&dir),
        Command::Validate { file } => cli::validate(&file),
        Command::New(args) => cli::new::new(&args),
        Command::Bench(args) => cli::bench::bench(&args),
        Command::BenchMeasure(args) => cli::bench::measure(&args),
        Command::Schema => emit(&grassroots::output::json_schema::scenario_schema_text()),
        Command::Params { format } => emit(&grassroots::output::dictionary::params(format)),
        Command::Metrics { format } => emit(&grassroots::output::dictionary::metrics(format)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(input) = e.downcast_ref::<InputError>() {
                eprintln!("error: {input}");
                ExitCode::from(2)
            } else if let Some(output) = e
                .downcast_ref::<grassroots::output::OutputError>()
                .filter(|o| o.is_refusal())
            {
                // A refusal to touch an output directory is the user's to resolve.
                eprintln!("error: {output}");
                ExitCode::from(2)
            } else {
                eprintln!("error: {}", chain(&e));
                ExitCode::from(1)
            }
        }
    }
}

/// An error and its causes, `: `-separated, each said once: a cause whose
/// text its parent already includes (`OutputError::Io` shows its I/O error,
/// which is also its source) is not repeated.
fn chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    let mut parent: Option<&(dyn std::error::Error + 'static)> = None;
    for cause in e.chain() {
        // An output error says its I/O cause in its own words (what to do
        // about a full disk, say): the raw cause would repeat it.
        let said = parent
            .and_then(|p| p.downcast_ref::<grassroots::output::OutputError>())
            .is_some_and(|o| {
                matches!(
                    o,
                    grassroots::output::OutputError::Io { .. }
                        | grassroots::output::OutputError::Csv { .. }
                )
            });
        parent = Some(cause);
        let text = cause.to_string();
        if said || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::chain;

    #[test]
    fn an_error_chain_says_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let e = anyhow::Error::new(grassroots::output::OutputError::Io {
            path: "out/x".into(),
            source: io,
        })
        .context("could not write results");
        assert_eq!(chain(&e), "could not write results: out/x: No such file");
        let e = anyhow::anyhow!("inner").context("outer");
        assert_eq!(chain(&e), "outer: inner");
    }
}
