//! Drawing every chart of a finished run or study from its CSV files and
//! manifest alone (`grassroots plot DIR`), the same way `run` and `compare`
//! draw them when they finish: a chart re-rendered with the same options is
//! byte-identical to the one the study wrote.

mod compare;
mod methods;
mod run;
mod sweep;
mod table;

use super::OutputError;
use super::chart::{self, ChartOptions};
use super::files::AtomicFile;
use serde_json::Value;
use std::path::Path;

pub use methods::stem;
pub use table::Table;

/// What to draw and how.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlotOptions {
    /// Size, resolution and formats.
    pub chart: ChartOptions,
    /// Only these metrics (default: the charted metrics of a run, the
    /// outcomes of a study).
    pub metrics: Option<Vec<String>>,
    /// Only these variants of a comparison (the baseline is always drawn,
    /// as the reference).
    pub variants: Option<Vec<String>>,
}

/// The end of the file stem of a chart drawn for a selection of metrics or
/// variants (`plot --metrics`, `--variants`): `<scenario>_forest_selected`.
pub const SELECTED: &str = "_selected";

/// Why a chart of a single replicate draws no interval.
pub(super) const NO_INTERVAL: &str = "a 95 % CI needs 2 replicates or more";

/// A chart drawn into a partial file, with its name relative to the output
/// directory (`charts/NAME.EXT`).
pub struct Drawn {
    /// The file, to be committed by the caller.
    pub file: AtomicFile,
    /// Its name relative to the output directory.
    pub name: String,
}

/// Draw every chart of the finished output in `dir`, described by
/// `manifest` (passed in because `run` and studies draw before they write
/// `manifest.json`), into `dir/charts/`.
pub fn charts(
    dir: &Path,
    manifest: &Value,
    options: &PlotOptions,
) -> Result<Vec<Drawn>, OutputError> {
    options.chart.check().map_err(|why| OutputError::Refused {
        path: dir.to_path_buf(),
        why,
    })?;
    let kind = manifest.get("kind").and_then(Value::as_str).unwrap_or("");
    let figures = match kind {
        "run" => run::figures(dir, manifest, options)?,
        "compare" => compare::figures(dir, manifest, options)?,
        "sweep" => sweep::figures(dir, manifest, options)?,
        "sensitivity" => methods::sensitivity(dir, manifest, options)?,
        "calibration" => methods::calibration(dir, manifest, options)?,
        other => {
            return Err(OutputError::Refused {
                path: dir.to_path_buf(),
                why: format!(
                    "`plot` draws the charts of `run`, `compare`, `sweep`, `sensitivity` and `calibrate` directories; this manifest is of kind `{other}`"
                ),
            });
        }
    };
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir).map_err(super::io_err(&charts_dir))?;
    let mut drawn = Vec::new();
    // File names carry the scenario's name, so charts copied out of their
    // folder still say where they come from.
    let prefix = file_safe(&scenario_name(manifest));
    // A selection of metrics or variants is drawn beside the full charts,
    // never over them: the directory's charts and report.html stay whole.
    let suffix = if options.metrics.is_some() || options.variants.is_some() {
        SELECTED
    } else {
        ""
    };
    for (stem, figure) in figures {
        let stem = format!("{prefix}_{stem}{suffix}");
        let files = chart::write(&charts_dir, &stem, &figure, &options.chart)?;
        for (file, format) in files.into_iter().zip(&options.chart.formats) {
            drawn.push(Drawn {
                file,
                name: format!("charts/{stem}.{}", format.extension()),
            });
        }
    }
    Ok(drawn)
}

chart::figure_enum! {
    /// Any of the figures a directory's charts are.
    enum AnyFigure {
        Distribution(chart::distribution::DistributionChart),
        Series(chart::timeseries::TimeSeries),
        Forest(chart::forest::Forest),
        Dashboard(chart::dashboard::Dashboard),
        Sweep(chart::sweep::SweepFigure),
        Methods(chart::methods::MethodFigure),
    }
}

/// The scenario's own name: a run's `name`; for a study the name in its
/// first resolved scenario ("policy_comparison", not the folder's
/// "policy_comparison_compare"); for several files compared, their names
/// joined ("baseline_vs_my_reform").
pub fn scenario_name(manifest: &Value) -> String {
    // Several files compared: the study's name joins theirs (`a_vs_b`).
    let sources = manifest
        .get("sources")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if sources > 1 {
        let name = text(manifest, "name");
        return name.strip_suffix("_compare").unwrap_or(name).to_string();
    }
    manifest
        .get("scenarios")
        .and_then(Value::as_array)
        .and_then(|s| s.first())
        .and_then(|s| s.get("scenario"))
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| text(manifest, "name"))
        .to_string()
}

/// The start of the file names of a study's or run's charts (`<scenario>_`),
/// from its manifest.
pub fn chart_prefix(manifest: &Value) -> String {
    format!("{}_", file_safe(&scenario_name(manifest)))
}

/// `name` with every character that is not a letter, digit, `-`, `_` or `.`
/// replaced by `_`, for file names.
fn file_safe(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() {
        "chart".into()
    } else {
        safe
    }
}

/// A string field of the manifest.
fn text<'a>(manifest: &'a Value, key: &str) -> &'a str {
    manifest.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The overrides of the manifest as a title note: " (with k=v, ...)".
fn overrides_note(manifest: &Value) -> String {
    let shown: Vec<&str> = manifest
        .get("overrides")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // The number of replicates sizes the study; it does not change the
    // question, so titles leave it out.
    let shown: Vec<&str> = shown
        .into_iter()
        .filter(|o| !o.starts_with("scenario.replicates="))
        .collect();
    if shown.is_empty() {
        String::new()
    } else {
        format!(" (with {})", shown.join(", "))
    }
}

/// The `[[changes]]` of a resolved scenario as chart markers.
fn markers(scenario: Option<&Value>) -> Vec<chart::timeseries::Marker> {
    let Some(changes) = scenario
        .and_then(|s| s.get("changes"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    let mut months: Vec<u64> = changes
        .iter()
        .filter_map(|c| c.get("month").and_then(Value::as_u64))
        .collect();
    months.sort_unstable();
    months.dedup();
    months
        .into_iter()
        .map(|m| chart::timeseries::Marker {
            x: m as f64,
            label: format!("changes at month {m}"),
        })
        .collect()
}

/// Check that every requested name is among `valid`, naming the valid ones.
fn check_names(
    dir: &Path,
    what: &str,
    requested: &Option<Vec<String>>,
    valid: &[String],
) -> Result<(), OutputError> {
    if let Some(requested) = requested
        && let Some(bad) = requested.iter().find(|r| !valid.contains(r))
    {
        return Err(OutputError::Refused {
            path: dir.to_path_buf(),
            why: match crate::scenario::validate::suggest(bad, valid.iter().map(String::as_str)) {
                Some(near) => format!(
                    "no {what} `{bad}` in these results; did you mean `{near}`? (valid: {})",
                    valid.join(", ")
                ),
                None => format!(
                    "no {what} `{bad}` in these results; valid: {}",
                    valid.join(", ")
                ),
            },
        });
    }
    Ok(())
}

/// The mean and 95 % CI of every (variant, metric) over months, from a
/// `summary.csv` (a run's has no variant column: its variant is "").
fn read_series(
    dir: &Path,
) -> Result<std::collections::HashMap<(String, String), Vec<chart::timeseries::Point>>, OutputError>
{
    let table = Table::read(&dir.join("summary.csv"))?;
    let variant = table.column("variant").ok();
    let (month, metric) = (table.column("month")?, table.column("metric")?);
    let (mean, lo, hi) = (
        table.column("mean")?,
        table.column("ci_low")?,
        table.column("ci_high")?,
    );
    let mut out: std::collections::HashMap<(String, String), Vec<chart::timeseries::Point>> =
        std::collections::HashMap::new();
    for row in table.rows() {
        let Some(m) = table.number(row, mean)? else {
            continue;
        };
        let x = table.number(row, month)?.unwrap_or(0.0);
        let point = chart::timeseries::Point {
            x,
            mean: m,
            lo: table.number(row, lo)?.unwrap_or(m),
            hi: table.number(row, hi)?.unwrap_or(m),
        };
        let v = variant.map(|c| row[c].clone()).unwrap_or_default();
        out.entry((v, row[metric].clone())).or_default().push(point);
    }
    for points in out.values_mut() {
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    Ok(out)
}

/// Redraw the charts of the finished run or study in `dir` from its files
/// (`grassroots plot DIR`), holding the directory's lock; charts not listed
/// in the manifest yet are added to it. Returns the chart files written.
pub fn redraw(
    dir: &Path,
    options: &PlotOptions,
    command: &str,
) -> Result<Vec<String>, OutputError> {
    // Only a finished grassroots directory is locked and written to.
    super::manifest::read(dir)?;
    let _lock = super::DirLock::acquire(dir, command)?;
    let manifest = super::manifest::read(dir)?;
    let mut names = Vec::new();
    for drawn in charts(dir, &manifest, options)? {
        drawn.file.commit()?;
        names.push(drawn.name);
    }
    let updated = super::manifest::with_files(&manifest, &names);
    if updated != manifest {
        super::manifest::write(dir, &updated)?;
    }
    // report.html inlines the charts: draw it again with them.
    let listed = |m: &Value| {
        m.get("files").and_then(Value::as_array).is_some_and(|f| {
            f.iter()
                .any(|f| f.as_str() == Some(super::html::REPORT_HTML))
        })
    };
    if listed(&updated) {
        super::html::write(dir, &updated)?;
    }
    Ok(names)
}

/// The distribution charts of a directory with a `distributions.csv` (none
/// without one: directories written before it existed), for `variants` (all
/// when empty), each coloured by its place in `study` (the study's
/// variants, the baseline first).
fn distribution_figures(
    dir: &Path,
    name: &str,
    variants: &[String],
    study: &[String],
    environments: bool,
) -> Result<Vec<(String, AnyFigure)>, OutputError> {
    let path = dir.join("distributions.csv");
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let distributions = chart::distribution::read(&path)?;
    Ok(
        chart::distribution::figures(name, &distributions, variants, study, environments)
            .into_iter()
            .map(|(stem, f)| (stem, AnyFigure::Distribution(f)))
            .collect(),
    )
}

/// Draw the charts of the study `plan` from the result files just committed
/// in `dir`, the way `plot` redraws them (so it reproduces them exactly),
/// and commit them; returns their names relative to `dir`.
pub fn commit_study_charts(
    plan: &crate::study::plan::Plan,
    dir: &Path,
) -> Result<Vec<String>, OutputError> {
    let described = super::manifest::of_study(plan, &[], &[]);
    let mut written = Vec::new();
    for drawn in charts(dir, &described, &PlotOptions::default())? {
        drawn.file.commit()?;
        written.push(drawn.name);
    }
    Ok(written)
}
