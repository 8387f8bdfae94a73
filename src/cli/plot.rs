//! `grassroots plot DIR`: redraw the charts of a finished run or study from
//! its CSV files and manifest, at another size, resolution or format, or for
//! some metrics and variants only.

use anyhow::Result;
use clap::Args;
use grassroots::output::chart::{self, ChartOptions, Format};
use grassroots::output::plot::{PlotOptions, redraw};
use std::path::PathBuf;

/// Options of `plot`.
#[derive(Args, Debug, Clone)]
pub struct PlotArgs {
    /// A finished run or study directory (with manifest.json).
    pub dir: PathBuf,
    /// Chart width in centimetres (height follows from the chart's kind).
    #[arg(long, value_name = "CM", default_value_t = chart::DEFAULT_WIDTH_CM)]
    pub width_cm: f64,
    /// PNG resolution in dots per inch.
    #[arg(long, default_value_t = chart::DEFAULT_DPI)]
    pub dpi: u32,
    /// Formats, comma-separated: png, svg.
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "png,svg", value_parser = parse_format)]
    pub format: Vec<Format>,
    /// Only these metrics (a run) or outcomes (a study), comma-separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub metrics: Option<Vec<String>>,
    /// Only these variants of a comparison, comma-separated (the baseline
    /// is always drawn, as the reference).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub variants: Option<Vec<String>>,
    /// Print nothing.
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_format(text: &str) -> Result<Format, String> {
    Format::parse(text).ok_or_else(|| format!("`{text}` is not a chart format; valid: png, svg"))
}

/// Each name of a comma-separated list without the blanks around it.
fn trimmed(list: &Option<Vec<String>>) -> Option<Vec<String>> {
    list.as_ref()
        .map(|l| l.iter().map(|n| n.trim().to_string()).collect())
}

/// Run `plot`.
pub fn plot(args: &PlotArgs) -> Result<()> {
    // A format or name given twice is drawn once; an empty name (`--metrics
    // ""`, a trailing comma) is refused by name.
    let mut unique = Vec::new();
    for f in args.format.iter().copied() {
        if !unique.contains(&f) {
            unique.push(f);
        }
    }
    for (flag, list) in [("--metrics", &args.metrics), ("--variants", &args.variants)] {
        if list
            .as_ref()
            .is_some_and(|l| l.iter().any(|n| n.trim().is_empty()))
        {
            return Err(super::InputError(format!(
                "plot: {flag} has an empty name (an empty list or a stray comma); give names separated by commas"
            ))
            .into());
        }
    }
    let options = PlotOptions {
        chart: ChartOptions {
            width_cm: args.width_cm,
            dpi: args.dpi,
            formats: unique,
        },
        // "a, b" (a blank after the comma, as in prose) names `b`.
        metrics: trimmed(&args.metrics),
        variants: trimmed(&args.variants),
    };
    if let Err(why) = options.chart.check() {
        return Err(super::InputError(format!("plot: {why}")).into());
    }
    let written = redraw(&args.dir, &options, &super::command_text())?;
    if !args.quiet {
        say!(
            "wrote {} charts in {}",
            written.len(),
            args.dir.join("charts").display()
        );
    }
    Ok(())
}
