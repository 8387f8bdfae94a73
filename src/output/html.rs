//! `report.html`: one self-contained page of a finished run or study (inline
//! CSS and SVG, no scripts, no network, no external fonts), rendered from its
//! manifest and the files the manifest lists alone (`docs/outputs.md`).
//!
//! The page shows where the results come from (scenario, model version,
//! tool version, commit, command line, overrides), a short reading guide,
//! the results table of the kind of output (a run's `summary.csv` and
//! `timeseries.csv`, a comparison's `comparison.csv`, a sweep's
//! `sweep_summary.csv` and `sensitivity.csv`; the `report.md` of a
//! sensitivity analysis or calibration), every chart listed in the manifest
//! (`charts/*.svg`, inlined in manifest order) and the resolved parameters.
//! It holds no date or time of its own, so the same directory always gives
//! the same page.

use super::files::write_atomic;
use super::plot::Table;
use super::report::{count, literal_text, setting_text, sig4, value_pairs as pairs, value_text};
use super::{OutputError, io_err};
use crate::metrics::{self, Role};
use crate::scenario::schema;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

/// The file name of the page inside an output directory.
pub const REPORT_HTML: &str = "report.html";

/// Rows of a table beyond which it is folded into a `<details>` block.
const FOLD_ROWS: usize = 40;

/// The page's style sheet: the browser's own sans-serif font, a readable
/// column, tables that scroll sideways on narrow screens and charts that
/// scale with the page.
const CSS: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
  line-height: 1.45; color: #1b1b1b; background: #fff; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 1.2rem 1.2rem 3rem; }
h1 { font-size: 1.7rem; margin: 0.4rem 0 0.3rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 0.6rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
h3 { font-size: 1.08rem; margin: 1.4rem 0 0.3rem; }
p.lead { color: #444; margin: 0 0 1rem; }
p.command { font-size: 0.9rem; color: #444; overflow-wrap: anywhere; margin: 0 0 1rem; }
p.note, .muted { color: #555; font-size: 0.92rem; }
p.warning { color: #7a2e00; background: #fff4e5; border-left: 3px solid #d55e00; padding: 0.3rem 0.6rem; font-size: 0.92rem; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.9em;
  background: #f3f3f3; padding: 0 0.2em; border-radius: 3px; word-break: break-word; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0.8rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.guide { background: #f6f8fa; border: 1px solid #e1e4e8; border-radius: 6px; padding: 0.6rem 1rem; }
.guide ul { margin: 0.3rem 0; padding-left: 1.2rem; }
.scroll { overflow-x: auto; margin: 0.4rem 0 0.8rem; }
table { border-collapse: collapse; font-size: 0.92rem; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #fafafa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.ci { color: #666; font-size: 0.88em; }
.sig { color: #b35900; font-weight: 700; }
tr.set td { background: #fff8e5; }
table.params tr.section th { background: #eef2f6; padding-top: 0.6rem; }
table.params td:first-child { white-space: nowrap; }
figure { margin: 1.2rem 0 1.8rem; }
figure svg { display: block; width: 100%; max-width: 900px; height: auto; margin: 0 auto; }
figcaption { color: #444; font-size: 0.92rem; margin-top: 0.3rem; text-align: center; }
details { margin: 0.5rem 0; }
summary { cursor: pointer; font-weight: 600; }
footer { margin-top: 2.5rem; color: #666; font-size: 0.85rem; }
"#;

/// Escape text for HTML (content and quoted attribute values).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number for the page: four significant digits ([`sig4`]); very small
/// magnitudes in scientific notation (fixed notation would show zeros);
/// empty when missing.
fn num(x: Option<f64>) -> String {
    x.map(sig4).unwrap_or_default()
}

/// `mean [low, high]` as table-cell HTML; the mean alone without a CI.
fn mean_ci(mean: Option<f64>, low: Option<f64>, high: Option<f64>) -> String {
    match (mean, low, high) {
        (None, ..) => "—".into(),
        (Some(m), Some(lo), Some(hi)) => format!(
            "{} <span class=\"ci\">[{}, {}]</span>",
            escape(&num(Some(m))),
            escape(&num(Some(lo))),
            escape(&num(Some(hi)))
        ),
        (Some(m), ..) => escape(&num(Some(m))),
    }
}

/// A p-value: four significant digits, `< 0.0001` below that.
fn p_value(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 1e-4 => "&lt; 0.0001".into(),
        Some(p) => escape(&sig4(p)),
        None => String::new(),
    }
}

/// The error of a table or chart that is not what grassroots writes.
fn malformed(path: &Path, why: impl Into<String>) -> OutputError {
    OutputError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, why.into()),
    }
}

/// The number in cell `col` of `row`, if it is one (a page shows what it
/// can; the CSV files are the record).
fn number(row: &[String], col: usize) -> Option<f64> {
    row.get(col)
        .and_then(|c| c.trim().parse::<f64>().ok())
        .filter(|x| x.is_finite())
}

/// A manifest's text field, empty if absent.
fn text<'a>(v: &'a Value, field: &str) -> &'a str {
    super::report::field(v, field)
}

/// A manifest's list of strings.
fn strings(v: &Value, field: &str) -> Vec<String> {
    super::report::field_strings(v, field)
}

/// The command line as a shell would take it back (arguments with spaces or
/// shell characters in single quotes).
fn shell_line(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_alphanumeric() || "-_./=:,+@%".contains(c));
            if plain {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the page knows of the output before reading its tables.
struct Context<'a> {
    dir: &'a Path,
    manifest: &'a Value,
    /// `run`, `compare`, `sweep`, `sensitivity`, `calibration`.
    kind: String,
    /// Files listed in the manifest.
    files: Vec<String>,
    /// The resolved scenario shown in the parameter table (a run's, or a
    /// study's first cell).
    scenario: Option<&'a Value>,
    /// Sampled environments of a study (1 without uncertainty).
    environments: usize,
    /// Replicates per run (per variant, point or environment).
    replicates: u64,
}

impl Context<'_> {
    /// Whether the manifest lists `file`.
    fn lists(&self, file: &str) -> bool {
        self.files.iter().any(|f| f == file)
    }

    /// A listed table, read; `None` if the manifest does not list it.
    fn table(&self, name: &str) -> Result<Option<Table>, OutputError> {
        if !self.lists(name) {
            return Ok(None);
        }
        Table::read(&self.dir.join(name)).map(Some)
    }

    /// A field of the scenario's `[scenario]` section.
    fn meta(&self, field: &str) -> Option<&Value> {
        self.scenario?.get("scenario")?.get(field)
    }

    /// Months per run.
    fn months(&self) -> Option<u64> {
        self.manifest.get("months").and_then(Value::as_u64)
    }

    /// Months averaged for a run's last column: the manifest's
    /// `window_months` (the last assessment period,
    /// `study::analysis::final_window`), 12 for a manifest without one.
    fn run_window(&self) -> usize {
        let months = self.months().unwrap_or(12).max(1);
        self.manifest
            .get("window_months")
            .and_then(Value::as_u64)
            .unwrap_or(12)
            .clamp(1, months) as usize
    }

    /// A study's `window_months` (0 for a manifest without one).
    fn window_months(&self) -> u64 {
        self.manifest
            .get("window_months")
            .and_then(Value::as_u64)
            .unwrap_or(0)
    }

    /// Whether the values have no 95 % CI: one replicate (and at most one
    /// environment), as `report.md` says.
    fn no_interval(&self) -> bool {
        self.replicates < 2 && self.environments < 2
    }

    /// The words for what a CI is taken across.
    fn across(&self) -> &'static str {
        if self.environments > 1 {
            "across the sampled environments (each environment's mean of its replicates one observation)"
        } else {
            "across replicates"
        }
    }
}

/// Render the page of the finished output directory `dir` from its manifest
/// (given, since `run` and the studies render the page before they write
/// `manifest.json`) and the files the manifest lists.
pub fn render(dir: &Path, manifest: &Value) -> Result<String, OutputError> {
    let kind = text(manifest, "kind").to_string();
    let scenario = match kind.as_str() {
        "run" => manifest.get("scenario"),
        _ => manifest
            .get("scenarios")
            .and_then(Value::as_array)
            .and_then(|s| s.first()),
    };
    let environments = manifest
        .get("environments")
        .and_then(Value::as_array)
        .map_or(1, |e| e.len().max(1));
    let cx = Context {
        dir,
        manifest,
        kind,
        files: strings(manifest, "files"),
        scenario,
        environments,
        replicates: manifest
            .get("replicates")
            .and_then(Value::as_u64)
            .unwrap_or(2),
    };
    let mut charts = Charts::listed(&cx)?;
    let name = text(manifest, "name");
    let mut body = String::new();
    header(&cx, &mut body);
    guide(&cx, &mut body);
    body.push_str("<h2 id=\"results\">Results</h2>\n");
    match cx.kind.as_str() {
        "run" => run_results(&cx, &mut body)?,
        "compare" => compare_results(&cx, &mut body)?,
        "sweep" => sweep_results(&cx, &mut body)?,
        _ => markdown_results(&cx, &mut charts, &mut body)?,
    }
    charts.section(&mut body);
    parameters(&cx, &mut body);
    footer(&cx, &mut body);
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"grassroots {}\">\n<title>{} — grassroots report</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        escape(text(manifest, "version")),
        escape(name),
    ))
}

/// Render the page ([`render`]) and write it as `dir/report.html`, atomically.
pub fn write(dir: &Path, manifest: &Value) -> Result<(), OutputError> {
    let page = render(dir, manifest)?;
    write_atomic(&dir.join(REPORT_HTML), page.as_bytes())
}

/// The manifest with `report.html` in its list of files (before
/// `manifest.json` when that is listed), or `None` if it is listed already.
pub fn listing_report(manifest: &Value) -> Option<Value> {
    let files = manifest.get("files")?.as_array()?;
    if files.iter().any(|f| f.as_str() == Some(REPORT_HTML)) {
        return None;
    }
    let mut files = files.clone();
    let at = files
        .iter()
        .position(|f| f.as_str() == Some("manifest.json"))
        .unwrap_or(files.len());
    files.insert(at, Value::from(REPORT_HTML));
    let mut out = manifest.clone();
    out["files"] = Value::Array(files);
    Some(out)
}

/// What kind of output, in words.
fn kind_words(kind: &str) -> &'static str {
    match kind {
        "run" => "Run",
        "compare" => "Comparison",
        "sweep" => "Parameter sweep",
        "sensitivity" => "Sensitivity analysis",
        "calibration" => "Calibration",
        _ => "Output",
    }
}

/// Title, description and the facts that trace the results to their inputs.
fn header(cx: &Context<'_>, out: &mut String) {
    let m = cx.manifest;
    // A run by its scenario, a study as report.md and the charts name it.
    let title = if cx.kind == "run" {
        cx.meta("name")
            .and_then(Value::as_str)
            .unwrap_or(text(m, "name"))
            .to_string()
    } else {
        super::plot::scenario_name(m)
    };
    let _ = writeln!(
        out,
        "<p class=\"muted\">grassroots report · {}</p>\n<h1>{}</h1>",
        kind_words(&cx.kind),
        escape(&title)
    );
    let lead = super::report::lead(m);
    if !lead.is_empty() {
        let _ = writeln!(out, "<p class=\"lead\">{}</p>", spans_html(&lead));
    }
    // The same facts as report.md's list.
    out.push_str("<dl class=\"facts\">\n");
    for f in super::report::provenance(m) {
        let _ = writeln!(
            out,
            "<dt>{}</dt><dd>{}</dd>",
            escape(&f.term),
            spans_html(&f.value)
        );
    }
    out.push_str("</dl>\n");
    let command = strings(m, "command_line");
    if !command.is_empty() {
        // One line of its own: the only one that depends on how the output
        // was made (--out, --threads, shards and merge) rather than on what.
        let _ = writeln!(
            out,
            "<p class=\"command\">Command: <code>{}</code></p>",
            escape(&shell_line(&command))
        );
    }
}

/// A provenance fact's value as HTML (code spans in `<code>`).
fn spans_html(spans: &[super::report::Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            super::report::Span::Text(t) => escape(t),
            super::report::Span::Code(c) => format!("<code>{}</code>", escape(c)),
        })
        .collect()
}

/// The short reading guide.
fn guide(cx: &Context<'_>, out: &mut String) {
    let across = cx.across();
    out.push_str("<section class=\"guide\" id=\"guide\">\n<h2 style=\"margin-top:0.4rem\">How to read this report</h2>\n<ul>\n");
    let mut item = |html: String| {
        let _ = writeln!(out, "<li>{html}</li>");
    };
    match cx.kind.as_str() {
        "run" | "compare" | "sweep" if cx.no_interval() => item(format!(
            "Values are {}; the charts draw no shaded bands or error bars{}.",
            escape(super::report::values_words(1)),
            if cx.kind == "compare" {
                ", and no difference is tested"
            } else {
                ""
            }
        )),
        "run" | "compare" | "sweep" if cx.environments > 1 => item(
            "Values are means over the sampled environments, each environment's mean of its replicates one observation; brackets and shaded bands in the charts are 95 % confidence intervals of the mean (Student t across the environments). They include the spread between environments as well as replicate noise; they do not say how uncertain the real world is beyond the sampled ranges.".into()
        ),
        "run" | "compare" | "sweep" => item(format!(
            "Values are means {across}; brackets and shaded bands in the charts are 95 % confidence intervals of the mean (Student t {across}). They say how precisely the replicates pin the model's mean, not how uncertain the real world is."
        )),
        "sensitivity" => item("Each section says which indices it shows; their brackets are bootstrap percentile intervals over the design, not intervals across replicates.".into()),
        "calibration" => item("Posterior intervals are ABC credible intervals: they reflect the tolerance reached with the particles and generations run, not the targets' sd read as standard errors, and their medians and widths carry the Monte Carlo error shown. The fit of each target gives the posterior predictive and whether the value lies within what the model gives over the priors (the prior-predictive range); the report's warnings say where the results cannot be read as a fit.".into()),
        _ => {}
    }
    if cx.environments > 1 {
        item(format!(
            "The study samples {} environments of the uncertain parameters (<code>environments.csv</code>); the unit of every interval and test is the environment, since the replicates of one environment share its parameters.",
            cx.environments
        ));
    }
    match cx.kind.as_str() {
        "run" => item(format!(
            "Month 0 is the first recorded month, as in the CSVs; the last column averages each replicate over the last {} (the last assessment period, so it holds one assessment month with its yearly spikes; the whole run if that is shorter) before taking the mean.",
            count(cx.run_window() as u64, "month")
        )),
        "compare" if cx.environments > 1 => {
            item("<b>Difference</b>: a variant's mean minus the baseline's. Its interval is the 95 % CI of the mean of the environments' differences (each environment's variant mean against its baseline mean, paired by environment), so it includes how the effect varies between environments.".into());
            item("<b>Relative difference</b>: the difference as a percentage of the baseline's mean, with its 95 % interval (delta method, which also counts the uncertainty of the baseline's mean; <code>diff_percent_low/high</code> in <code>comparison.csv</code>). <b>p</b>: two-sided p-value of the same test as the interval (a t test across environments). <b>p (Holm)</b>: adjusted by Holm's method for every variant × outcome compared at once. <span class=\"sig\">*</span> after a difference marks a 95 % CI that excludes 0 (not Holm's verdict).".into());
        }
        "compare" if cx.no_interval() => {
            item("<b>Difference</b>: a variant's value minus the baseline's. No difference could be tested: an interval and a p-value need at least 2 replicates (with <code>[uncertainty]</code>, 2 environments).".into());
            item("<b>Relative difference</b>: the difference as a percentage of the baseline's value.".into());
        }
        "compare" => {
            item("<b>Difference</b>: a variant's mean minus the baseline's. Its interval is the <b>paired</b> 95 % CI when the variants share random numbers (the mean of per-replicate differences, replicate <i>r</i> of a variant against replicate <i>r</i> of the baseline, which removes the noise they share), otherwise Welch's 95 % CI.".into());
            item("<b>Relative difference</b>: the difference as a percentage of the baseline's mean, with its 95 % interval (delta method, which also counts the uncertainty of the baseline's mean; <code>diff_percent_low/high</code> in <code>comparison.csv</code>). <b>p</b>: two-sided p-value of the same test as the interval (paired or Welch). <b>p (Holm)</b>: adjusted by Holm's method for every variant × outcome compared at once; with many comparisons about one in twenty is marked by chance alone, and Holm's adjustment keeps the chance of any false mark below 5 %. <span class=\"sig\">*</span> after a difference marks a 95 % CI that excludes 0 (not Holm's verdict).".into());
        }
        "sweep" => item("Each point of the sweep is one set of values of the swept keys; <code>sensitivity.csv</code> relates the point means to the keys (Spearman's ρ, standardised regression coefficients and R²).".into()),
        _ => {}
    }
    item(format!(
        "The results are those of model version <code>{}</code>; another model version may give other numbers. Every number here is in the CSV files beside this page, with more digits.",
        escape(text(cx.manifest, "model"))
    ));
    out.push_str("</ul>\n</section>\n");
}

/// A metric's name with its unit and meaning, as a table heading.
fn metric_heading(name: &str) -> String {
    match metrics::metric(name) {
        Some(m) => {
            let better = super::report::better_sentence(m);
            format!(
                "<h3 id=\"m-{}\"><code>{}</code> <span class=\"muted\">({})</span></h3>\n<p class=\"note\">{}.{better}</p>\n",
                escape(name),
                escape(name),
                escape(m.unit),
                escape(m.meaning.trim_end_matches('.'))
            )
        }
        None => format!(
            "<h3 id=\"m-{}\"><code>{}</code></h3>\n",
            escape(name),
            escape(name)
        ),
    }
}

/// An HTML table from a header and rows of cell HTML (numeric columns
/// right-aligned); long tables are folded into a `<details>` block.
fn html_table(out: &mut String, header: &[String], numeric: &[bool], rows: &[Vec<String>]) {
    let fold = rows.len() > FOLD_ROWS;
    if fold {
        let _ = writeln!(out, "<details><summary>{} rows</summary>", rows.len());
    }
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{h}</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            if numeric.get(i).copied().unwrap_or(false) {
                let _ = write!(out, "<td class=\"num\">{cell}</td>");
            } else {
                let _ = write!(out, "<td>{cell}</td>");
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
    if fold {
        out.push_str("</details>\n");
    }
}

/// The metrics of a run's table: those of its report, then those charted.
fn run_metrics() -> Vec<&'static str> {
    let mut chosen = metrics::with_role(Role::Report);
    for m in metrics::with_role(Role::Charted) {
        if !chosen.contains(&m) {
            chosen.push(m);
        }
    }
    chosen
}

/// A run's table: each main metric at month 0, at the final month and over
/// the last months (each replicate's mean, then their mean and 95 % CI).
fn run_results(cx: &Context<'_>, out: &mut String) -> Result<(), OutputError> {
    let Some(summary) = cx.table("summary.csv")? else {
        out.push_str("<p>This run's manifest lists no <code>summary.csv</code>.</p>\n");
        return Ok(());
    };
    let (month, metric) = (summary.column("month")?, summary.column("metric")?);
    let (mean, low, high) = (
        summary.column("mean")?,
        summary.column("ci_low")?,
        summary.column("ci_high")?,
    );
    let last = summary
        .rows()
        .iter()
        .filter_map(|r| r.get(month)?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    let cell = |name: &str, at: u64| {
        summary
            .rows()
            .iter()
            .find(|r| {
                r.get(metric).map(String::as_str) == Some(name)
                    && r.get(month).and_then(|m| m.parse::<u64>().ok()) == Some(at)
            })
            .map(|r| mean_ci(number(r, mean), number(r, low), number(r, high)))
            .unwrap_or_else(|| "—".into())
    };
    let window = window_means(cx)?;
    let shown = run_metrics();
    let mut header = vec![
        "metric".to_string(),
        "unit".into(),
        "month 0".into(),
        format!("final month ({last})"),
    ];
    if let Some((months, _)) = &window {
        header.push(format!(
            "mean of the last {}",
            count(*months as u64, "month")
        ));
    }
    let mut rows = Vec::new();
    for name in &shown {
        let m = metrics::metric(name);
        let mut row = vec![
            format!(
                "<code>{}</code><br><span class=\"muted\">{}</span>",
                escape(name),
                escape(m.map_or("", |m| m.meaning))
            ),
            escape(m.map_or("", |m| m.unit)),
            cell(name, 0),
            cell(name, last),
        ];
        if let Some((_, means)) = &window {
            let s = means.get(*name).copied();
            row.push(match s {
                Some(s) => mean_ci(Some(s.mean), s.ci_low, s.ci_high),
                None => "—".into(),
            });
        }
        rows.push(row);
    }
    let values = if cx.no_interval() {
        // As report.md says it.
        let words = super::report::values_words(1);
        let mut first = words.chars();
        first.next().map_or(String::new(), |c| {
            c.to_uppercase().chain(first).collect::<String>()
        })
    } else {
        format!("Mean {} [95 % CI]", cx.across())
    };
    let _ = writeln!(
        out,
        "<p class=\"note\">{}; every metric of every month is in <code>summary.csv</code>, each replicate in <code>timeseries.csv</code>.</p>",
        escape(&values)
    );
    let numeric: Vec<bool> = (0..header.len()).map(|i| i >= 2).collect();
    let header: Vec<String> = header.iter().map(|h| escape(h)).collect();
    html_table(out, &header, &numeric, &rows);
    Ok(())
}

/// The months of a run's window and each metric's summary over them.
type WindowMeans = (
    usize,
    std::collections::HashMap<String, crate::stats::Summary>,
);

/// From a run's `timeseries.csv` (when listed): the number of last months
/// averaged and, per metric, the summary across replicates of each
/// replicate's mean over them.
fn window_means(cx: &Context<'_>) -> Result<Option<WindowMeans>, OutputError> {
    let Some(ts) = cx.table("timeseries.csv")? else {
        return Ok(None);
    };
    let (replicate, month) = (ts.column("replicate")?, ts.column("month")?);
    let last = ts
        .rows()
        .iter()
        .filter_map(|r| r.get(month)?.parse::<usize>().ok())
        .max();
    let Some(last) = last else {
        return Ok(None);
    };
    let months = cx.run_window().min(last + 1);
    let first = last + 1 - months;
    let mut out = std::collections::HashMap::new();
    for name in run_metrics() {
        let Ok(k) = ts.column(name) else { continue };
        // Sum and count per replicate, in order of first appearance.
        let mut per: Vec<(String, f64, usize)> = Vec::new();
        for r in ts.rows() {
            let Some(m) = r.get(month).and_then(|m| m.parse::<usize>().ok()) else {
                continue;
            };
            if m < first {
                continue;
            }
            let Some(x) = number(r, k) else {
                continue;
            };
            let rep = r.get(replicate).cloned().unwrap_or_default();
            match per.iter_mut().find(|p| p.0 == rep) {
                Some(p) => {
                    p.1 += x;
                    p.2 += 1;
                }
                None => per.push((rep, x, 1)),
            }
        }
        let means: Vec<f64> = per
            .iter()
            .filter(|p| p.2 == months)
            .map(|p| p.1 / p.2 as f64)
            .collect();
        if !means.is_empty() {
            out.insert(name.to_string(), crate::stats::summarize(&means));
        }
    }
    Ok(Some((months, out)))
}

/// A comparison's tables: per outcome, each variant's mean and its
/// difference from the baseline over the window (the final month folded
/// below), and the robustness across environments.
fn compare_results(cx: &Context<'_>, out: &mut String) -> Result<(), OutputError> {
    let Some(table) = cx.table("comparison.csv")? else {
        out.push_str("<p>This comparison's manifest lists no <code>comparison.csv</code>.</p>\n");
        return Ok(());
    };
    let window = cx.window_months();
    if cx.no_interval() {
        let _ = writeln!(
            out,
            "<p class=\"note\">Per outcome: each variant's value over the last {} (one replicate: no 95 % CI, since an interval needs 2 replicates or more) and its difference from the baseline (first row). No difference could be tested: an interval and a p-value need at least 2 replicates (with <code>[uncertainty]</code>, 2 environments). All rows and measures are in <code>comparison.csv</code>.</p>",
            count(window, "month")
        );
    } else {
        let _ = writeln!(
            out,
            "<p class=\"note\">Per outcome: each variant's mean {} over the last {} [95 % CI] and its difference from the baseline (first row). The difference, its interval, p and the * mark come from one test: across environments with <code>[uncertainty]</code> (each environment's mean difference is one observation), else paired with common random numbers, Welch's otherwise; p (Holm) is adjusted for every variant × outcome compared at once. All rows, measures and further columns (both intervals, cost-effectiveness) are in <code>comparison.csv</code>.</p>",
            cx.across(),
            count(window, "month")
        );
    }
    let stopping = cx
        .manifest
        .get("target_ci")
        .and_then(|t| serde_json::from_value::<crate::study::plan::StoppingRecord>(t.clone()).ok());
    if let Some(t) = stopping {
        let class = if t.reached { "note" } else { "warning" };
        let _ = writeln!(out, "<p class=\"{class}\">{}</p>", escape(&t.sentence()));
    }
    let outcome = table.column("outcome")?;
    let mut outcomes: Vec<String> = strings(cx.manifest, "outcomes");
    for o in table.rows().iter().filter_map(|r| r.get(outcome)) {
        if !outcomes.contains(o) {
            outcomes.push(o.clone());
        }
    }
    for o in &outcomes {
        out.push_str(&metric_heading(o));
        comparison_table(&table, o, "window", out)?;
        let mut fin = String::new();
        comparison_table(&table, o, "final", &mut fin)?;
        let _ = writeln!(
            out,
            "<details><summary>At the final month</summary>\n{fin}</details>"
        );
    }
    if let Some(rob) = cx.table("robustness.csv")? {
        robustness_table(&rob, out)?;
    }
    Ok(())
}

/// The comparison table of one outcome and measure.
fn comparison_table(
    t: &Table,
    outcome: &str,
    measure: &str,
    out: &mut String,
) -> Result<(), OutputError> {
    let c = |name: &str| t.column(name);
    let (variant, o_col, m_col) = (c("variant")?, c("outcome")?, c("measure")?);
    let (mean, low, high) = (c("mean")?, c("ci_low")?, c("ci_high")?);
    let (diff, d_lo, d_hi, p) = (
        c("diff")?,
        c("diff_ci_low")?,
        c("diff_ci_high")?,
        c("p_value")?,
    );
    let paired = (
        t.column("paired_ci_low").ok(),
        t.column("paired_ci_high").ok(),
    );
    let (percent, holm) = (t.column("diff_percent").ok(), t.column("p_holm").ok());
    let relative_bounds = (
        t.column("diff_percent_low").ok(),
        t.column("diff_percent_high").ok(),
    );
    let test = t.column("test").ok();
    let rows: Vec<&Vec<String>> = t
        .rows()
        .iter()
        .filter(|r| {
            r.get(o_col).map(String::as_str) == Some(outcome)
                && r.get(m_col).map(String::as_str) == Some(measure)
        })
        .collect();
    let Some(base) = rows.first() else {
        out.push_str("<p class=\"note\">No rows in <code>comparison.csv</code>.</p>\n");
        return Ok(());
    };
    let base_mean = number(base, mean);
    let mut body = Vec::new();
    let mut kinds = BTreeSet::new();
    for (i, r) in rows.iter().enumerate() {
        let raw = r.get(variant).map_or("", String::as_str);
        let name = escape(raw);
        let m = mean_ci(number(r, mean), number(r, low), number(r, high));
        if i == 0 {
            let tag = if raw == "baseline" {
                ""
            } else {
                " <span class=\"muted\">(baseline)</span>"
            };
            body.push(vec![
                format!("{name}{tag}"),
                m,
                "—".into(),
                "—".into(),
                String::new(),
                String::new(),
            ]);
            continue;
        }
        let d = number(r, diff);
        let paired_ci = match paired {
            (Some(lo), Some(hi)) => number(r, lo).zip(number(r, hi)),
            _ => None,
        };
        let welch_ci = number(r, d_lo).zip(number(r, d_hi));
        let across = test
            .and_then(|i| r.get(i))
            .is_some_and(|t| t == "environments");
        let (ci, kind) = match (paired_ci, welch_ci) {
            (Some(ci), _) if across => (Some(ci), "environments"),
            (Some(ci), _) => (Some(ci), "paired"),
            (None, Some(ci)) => (Some(ci), "Welch"),
            (None, None) => (None, ""),
        };
        if !kind.is_empty() {
            kinds.insert(kind);
        }
        let mark = match ci {
            Some((lo, hi)) if lo > 0.0 || hi < 0.0 => "<span class=\"sig\">*</span>",
            _ => "",
        };
        let relative_ci = match relative_bounds {
            (Some(lo), Some(hi)) => number(r, lo)
                .zip(number(r, hi))
                .map(|(lo, hi)| (lo / 100.0, hi / 100.0)),
            _ => None,
        };
        let relative = match percent.and_then(|i| number(r, i)) {
            Some(pc) => escape(&super::report::percent_with_ci(
                Some(pc / 100.0),
                relative_ci,
            )),
            None => match (d, base_mean) {
                (Some(d), Some(b)) if b != 0.0 => {
                    escape(&super::report::percent(Some(d / b.abs())))
                }
                _ => "—".into(),
            },
        };
        body.push(vec![
            name,
            m,
            format!("{}{mark}", mean_ci(d, ci.map(|c| c.0), ci.map(|c| c.1))),
            relative,
            p_value(number(r, p)),
            p_value(holm.and_then(|i| number(r, i))),
        ]);
    }
    let ci_words = match kinds.len() {
        0 => "",
        1 if kinds.contains("paired") => " [paired 95 % CI]",
        1 if kinds.contains("environments") => " [95 % CI across environments]",
        1 => " [Welch 95 % CI]",
        _ if kinds.contains("environments") => {
            " [95 % CI across environments, Welch where an outcome has none]"
        }
        _ => " [paired 95 % CI, Welch where no pairs]",
    };
    // Without any interval (one replicate), the headings promise none.
    let any_ci = rows.iter().any(|r| number(r, low).is_some()) || !kinds.is_empty();
    let header = [
        "variant".to_string(),
        if any_ci { "mean [95 % CI]" } else { "mean" }.into(),
        format!("difference{ci_words}"),
        if any_ci {
            "relative difference [95 %]"
        } else {
            "relative difference"
        }
        .into(),
        "p".into(),
        "p (Holm)".into(),
    ];
    let header: Vec<String> = header.iter().map(|h| escape(h)).collect();
    html_table(out, &header, &[false, true, true, true, true, true], &body);
    Ok(())
}

/// Robustness across sampled environments (`robustness.csv`, window measure).
fn robustness_table(t: &Table, out: &mut String) -> Result<(), OutputError> {
    let c = |name: &str| t.column(name);
    let (variant, outcome, measure) = (c("variant")?, c("outcome")?, c("measure")?);
    let (envs, share, mean, min, max) = (
        c("environments")?,
        c("share_better")?,
        c("mean_diff")?,
        c("min_diff")?,
        c("max_diff")?,
    );
    let worse = t.column("share_worse").ok();
    let heterogeneity = t.column("heterogeneity_p").ok();
    let meaningful = t
        .column("meaningful_difference")
        .ok()
        .and_then(|i| t.rows().first().and_then(|r| number(r, i)));
    let counted = match meaningful {
        Some(m) => format!(
            ", counting only differences larger than {} of the baseline's mean in that environment (<code>[compare] meaningful_difference</code>)",
            escape(super::report::percent(Some(m)).trim_start_matches('+'))
        ),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "<h3 id=\"robustness\">Robustness across environments</h3>\n<p class=\"note\">For each variant and outcome (window measure): in how many of the sampled environments it is better, and worse, than the baseline (in the direction the metric counts as better; empty for neutral metrics){counted}; the smallest, mean and largest difference across environments; and whether the differences vary between environments more than replicate noise alone would make them (an F test). Each environment's difference is a mean over its replicates: where it is within replicate noise, the counts and the spread may be noise too (<code>robustness.csv</code>).</p>"
    );
    let rows: Vec<Vec<String>> = t
        .rows()
        .iter()
        .filter(|r| r.get(measure).map(String::as_str) == Some("window"))
        .map(|r| {
            let cell = |i: usize| escape(r.get(i).map_or("", String::as_str));
            let of = |share: Option<f64>| match (share, number(r, envs)) {
                (Some(s), Some(n)) => format!("{} of {}", (s * n).round(), n),
                _ => String::new(),
            };
            vec![
                cell(variant),
                format!("<code>{}</code>", cell(outcome)),
                cell(envs),
                of(number(r, share)),
                of(worse.and_then(|i| number(r, i))),
                escape(&num(number(r, min))),
                escape(&num(number(r, mean))),
                escape(&num(number(r, max))),
                escape(&super::report::heterogeneity_words(
                    heterogeneity.and_then(|i| number(r, i)),
                )),
            ]
        })
        .collect();
    let header: Vec<String> = [
        "variant",
        "outcome",
        "environments",
        "better in",
        "worse in",
        "min difference",
        "mean difference",
        "max difference",
        "spread",
    ]
    .iter()
    .map(|h| escape(h))
    .collect();
    html_table(
        out,
        &header,
        &[false, false, true, true, true, true, true, true, false],
        &rows,
    );
    Ok(())
}

/// A sweep's tables: per outcome, each point's mean at the final month and
/// over the window; then the sensitivity of the point means to the keys.
fn sweep_results(cx: &Context<'_>, out: &mut String) -> Result<(), OutputError> {
    let Some(t) = cx.table("sweep_summary.csv")? else {
        out.push_str("<p>This sweep's manifest lists no <code>sweep_summary.csv</code>.</p>\n");
        return Ok(());
    };
    let c = |name: &str| t.column(name);
    let (point, o_col, m_col) = (c("point")?, c("outcome")?, c("measure")?);
    let (mean, low, high) = (c("mean")?, c("ci_low")?, c("ci_high")?);
    let keys: Vec<usize> = (point + 1..o_col).collect();
    let window = cx.window_months();
    if cx.no_interval() {
        let _ = writeln!(
            out,
            "<p class=\"note\">Per outcome: each point's value at the final month and over the last {}, from its one replicate: no 95 % CI, since an interval needs 2 replicates or more (<code>sweep_summary.csv</code>; each run in <code>sweep_runs.csv</code>).</p>",
            count(window, "month")
        );
    } else {
        let _ = writeln!(
            out,
            "<p class=\"note\">Per outcome: each point's mean {} [95 % CI] at the final month and over the last {} (<code>sweep_summary.csv</code>; each run in <code>sweep_runs.csv</code>).</p>",
            cx.across(),
            count(window, "month")
        );
    }
    let mut outcomes = strings(cx.manifest, "outcomes");
    for o in t.rows().iter().filter_map(|r| r.get(o_col)) {
        if !outcomes.contains(o) {
            outcomes.push(o.clone());
        }
    }
    // Rows by (point, outcome, measure), the first of each, and each
    // outcome's points in the order they first appear: one pass over the
    // table (a search per cell took minutes for 20 000 points).
    let mut by_cell: std::collections::HashMap<(&str, &str, &str), &Vec<String>> =
        std::collections::HashMap::new();
    let mut points_of: std::collections::HashMap<&str, Vec<&str>> =
        std::collections::HashMap::new();
    let mut seen: std::collections::HashSet<(&str, &str)> = std::collections::HashSet::new();
    for r in t.rows() {
        let Some(o) = r.get(o_col).map(String::as_str) else {
            continue;
        };
        let p = r.get(point).map_or("", String::as_str);
        if seen.insert((o, p)) {
            points_of.entry(o).or_default().push(p);
        }
        if let (Some(p), Some(m)) = (r.get(point), r.get(m_col)) {
            by_cell.entry((p.as_str(), o, m.as_str())).or_insert(r);
        }
    }
    for o in &outcomes {
        out.push_str(&metric_heading(o));
        let points: Vec<&str> = points_of.get(o.as_str()).cloned().unwrap_or_default();
        let find = |p: &str, measure: &str| by_cell.get(&(p, o.as_str(), measure)).copied();
        let cell = |r: Option<&Vec<String>>| match r {
            Some(r) => mean_ci(number(r, mean), number(r, low), number(r, high)),
            None => "—".into(),
        };
        let rows: Vec<Vec<String>> = points
            .iter()
            .map(|p| {
                let any = find(p, "window").or_else(|| find(p, "final"));
                let mut row = vec![escape(p)];
                for &k in &keys {
                    row.push(escape(&super::report::shown_value(
                        any.and_then(|r| r.get(k)).map_or("", String::as_str),
                    )));
                }
                row.push(cell(find(p, "final")));
                row.push(cell(find(p, "window")));
                row
            })
            .collect();
        let mut header = vec!["point".to_string()];
        header.extend(
            keys.iter()
                .map(|&k| format!("<code>{}</code>", escape(&t.header()[k]))),
        );
        header.push("final month".into());
        header.push(escape(&format!("last {}", count(window, "month"))));
        let mut numeric = vec![false];
        numeric.extend(keys.iter().map(|_| true));
        numeric.extend([true, true]);
        html_table(out, &header, &numeric, &rows);
    }
    if let Some(d) = cx.table("sweep_differences.csv")? {
        differences_table(&d, out)?;
    }
    if let Some(s) = cx.table("sensitivity.csv")? {
        sensitivity_table(&s, out)?;
    }
    Ok(())
}

/// A sweep's `sweep_differences.csv` (points on shared seeds).
fn differences_table(t: &Table, out: &mut String) -> Result<(), OutputError> {
    let c = |name: &str| t.column(name);
    let (outcome, measure) = (c("outcome")?, c("measure")?);
    let one = c("difference_half_width")?;
    let (best, worst, d) = (c("best_point")?, c("worst_point")?, c("best_minus_worst")?);
    // Directories written before the simultaneous columns: the paired
    // interval of best and worst, and no ± of any pair.
    let any = t.column("simultaneous_half_width").ok();
    let (lo, hi) = match (t.column("simultaneous_low"), t.column("simultaneous_high")) {
        (Ok(lo), Ok(hi)) => (lo, hi),
        _ => (c("ci_low")?, c("ci_high")?),
    };
    out.push_str("<h3 id=\"differences\">Differences between points</h3>\n<p class=\"note\">Every point ran on the same replicate seeds, so a difference between two points is known more precisely than each point's own interval suggests (from the point × replicate residuals). ± of any pair: the half-width of 95 % intervals that hold for every pair of points at once (Tukey HSD), to compare many pairs and for best − worst, a pair picked from the data; ± of one pre-chosen pair: only for a single pair chosen before seeing the results. Both assume the replicate noise is alike at every point. Best and worst are picked by their means, so with points that are much alike their difference is biased away from zero (<code>sweep_differences.csv</code>, which also has the paired interval of best and worst alone).</p>\n");
    let text = |r: &Vec<String>, k: usize| r.get(k).map_or("", String::as_str).to_string();
    let rows: Vec<Vec<String>> = t
        .rows()
        .iter()
        .map(|r| {
            vec![
                format!("<code>{}</code>", escape(&text(r, outcome))),
                escape(&text(r, measure)),
                escape(&text(r, best)),
                escape(&text(r, worst)),
                mean_ci(number(r, d), number(r, lo), number(r, hi)),
                match any.and_then(|i| number(r, i)) {
                    Some(x) => escape(&format!("± {}", num(Some(x)))),
                    None => "—".into(),
                },
                escape(&format!("± {}", num(number(r, one)))),
            ]
        })
        .collect();
    let header: Vec<String> = [
        "outcome",
        "measure",
        "best point",
        "worst point",
        if any.is_some() {
            "best − worst [95 % simultaneous CI]"
        } else {
            "best − worst [95 % CI of that pair alone]"
        },
        "± of any pair",
        "± of one pre-chosen pair",
    ]
    .iter()
    .map(|h| escape(h))
    .collect();
    html_table(
        out,
        &header,
        &[false, false, true, true, true, true, true],
        &rows,
    );
    Ok(())
}

/// A sweep's `sensitivity.csv`.
fn sensitivity_table(t: &Table, out: &mut String) -> Result<(), OutputError> {
    let c = |name: &str| t.column(name);
    let cols = [
        c("outcome")?,
        c("measure")?,
        c("parameter")?,
        c("spearman_rho")?,
        c("src")?,
        c("r2")?,
    ];
    out.push_str("<h3 id=\"sensitivity\">Sensitivity of the point means to the swept keys</h3>\n<p class=\"note\">Spearman's rank correlation ρ, the standardised regression coefficient (SRC) of each key, and the R² of the linear regression on all keys (<code>sensitivity.csv</code>). An R² well below 1 means the response is not linear in the keys, or that replicate noise dominates the point means (compare the points' intervals); read the SRCs with care then.</p>\n");
    let rows: Vec<Vec<String>> = t
        .rows()
        .iter()
        .map(|r| {
            cols.iter()
                .enumerate()
                .map(|(i, &k)| {
                    let raw = r.get(k).map_or("", String::as_str);
                    match i {
                        0 | 2 => format!("<code>{}</code>", escape(raw)),
                        1 => escape(raw),
                        _ => escape(&num(number(r, k))),
                    }
                })
                .collect()
        })
        .collect();
    let header: Vec<String> = ["outcome", "measure", "swept key", "Spearman ρ", "SRC", "R²"]
        .iter()
        .map(|h| escape(h))
        .collect();
    html_table(
        out,
        &header,
        &[false, false, false, true, true, true],
        &rows,
    );
    Ok(())
}

/// A chart inlined into the page.
struct Chart {
    /// Its file, relative to the output directory.
    file: String,
    /// Its title, from the SVG.
    title: String,
    /// The `<svg>` element, ready to inline.
    svg: String,
    /// Whether it was placed in the text already.
    placed: bool,
}

/// Every SVG chart the manifest lists, in manifest order.
struct Charts(Vec<Chart>);

impl Charts {
    /// Read and prepare every `charts/*.svg` the manifest lists.
    fn listed(cx: &Context<'_>) -> Result<Charts, OutputError> {
        let mut charts = Vec::new();
        for (i, file) in cx
            .files
            .iter()
            .filter(|f| f.starts_with("charts/") && f.ends_with(".svg"))
            // Charts of a selection (`plot --metrics`) repeat full ones.
            .filter(|f| !f.ends_with(&format!("{}.svg", super::plot::SELECTED)))
            .enumerate()
        {
            let path = cx.dir.join(file);
            if file.split('/').any(|part| part == ".." || part.is_empty()) {
                return Err(malformed(
                    &cx.dir.join("manifest.json"),
                    format!("lists the chart `{file}`, which is not a file under charts/"),
                ));
            }
            let raw = std::fs::read_to_string(&path).map_err(io_err(&path))?;
            let svg = inline_svg(&raw, &format!("c{i}-")).map_err(|why| malformed(&path, why))?;
            let title = svg_title(&raw).unwrap_or_else(|| {
                file.trim_start_matches("charts/")
                    .trim_end_matches(".svg")
                    .replace('_', " ")
            });
            charts.push(Chart {
                file: file.clone(),
                title,
                svg,
                placed: false,
            });
        }
        Ok(Charts(charts))
    }

    /// The figure of the chart whose file is `charts/<stem>.svg`, once.
    fn place(&mut self, stem_path: &str) -> Option<String> {
        let (i, chart) = self
            .0
            .iter_mut()
            .enumerate()
            .find(|(_, c)| !c.placed && c.file.trim_end_matches(".svg") == stem_path)?;
        chart.placed = true;
        Some(figure(i + 1, chart))
    }

    /// The section of the charts not yet placed.
    fn section(&mut self, out: &mut String) {
        let rest: Vec<usize> = (0..self.0.len()).filter(|&i| !self.0[i].placed).collect();
        if rest.is_empty() {
            return;
        }
        out.push_str("<h2 id=\"charts\">Charts</h2>\n");
        for i in rest {
            self.0[i].placed = true;
            out.push_str(&figure(i + 1, &self.0[i]));
        }
    }
}

/// A chart as a `<figure>` with its number, title and files.
fn figure(n: usize, c: &Chart) -> String {
    let stem = c.file.trim_end_matches(".svg");
    format!(
        "<figure id=\"figure-{n}\" data-chart=\"{}\">\n{}\n<figcaption>Figure {n}. {} <span class=\"muted\">(<a href=\"{}\">SVG</a> · <a href=\"{}.png\">PNG</a>)</span></figcaption>\n</figure>\n",
        escape(&c.file),
        c.svg,
        escape(&c.title),
        escape(&c.file),
        escape(stem),
    )
}

/// Text with XML's predefined entities and numeric references decoded.
fn unescape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let decoded = after.find(';').and_then(|end| {
            let name = &after[..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => name
                    .strip_prefix("#x")
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text inside the first element `<tag …>…</tag>` of `svg`, tags
/// removed, entities decoded and white space collapsed.
fn element_text(svg: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}");
    let mut from = 0;
    let start = loop {
        let at = from + svg[from..].find(&open)?;
        let next = svg[at + open.len()..].chars().next()?;
        if next == '>' || next.is_whitespace() {
            break at;
        }
        from = at + open.len();
    };
    let body_start = start + svg[start..].find('>')? + 1;
    let end = body_start + svg[body_start..].find(&format!("</{tag}>"))?;
    let mut inner = String::new();
    let mut in_tag = false;
    for c in svg[body_start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => inner.push(c),
            _ => {}
        }
    }
    let words: Vec<String> = unescape_xml(&inner)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// A chart's title: its `<title>`, else its first `<text>`.
pub fn svg_title(svg: &str) -> Option<String> {
    element_text(svg, "title").or_else(|| element_text(svg, "text"))
}

/// An attribute's value in a start tag's text, if present.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    loop {
        let at = from + tag[from..].find(name)?;
        let before_ok = tag[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace);
        let rest = tag[at + name.len()..].trim_start();
        if let (true, Some(rest)) = (before_ok, rest.strip_prefix('=')) {
            let rest = rest.trim_start();
            let quote = rest.chars().next()?;
            if quote == '"' || quote == '\'' {
                let end = rest[1..].find(quote)?;
                return Some(&rest[1..1 + end]);
            }
        }
        from = at + name.len();
    }
}

/// A chart file's `<svg>` element prepared for inlining: anything before it
/// (XML prolog, doctype, comments) removed, the namespace declarations
/// dropped (HTML puts `<svg>` in its namespace), a `viewBox` added from its
/// width and height when missing so that it scales, and its ids prefixed
/// with `prefix` so charts on one page never share one. A file that is not
/// an SVG image, or one with scripts or external references, is refused.
pub fn inline_svg(raw: &str, prefix: &str) -> Result<String, String> {
    let start = raw
        .find("<svg")
        .ok_or("not an SVG image (no <svg> element)")?;
    let end = raw
        .rfind("</svg>")
        .ok_or("not a complete SVG image (no </svg>)")?
        + "</svg>".len();
    if end <= start {
        return Err("not a complete SVG image".into());
    }
    let svg = &raw[start..end];
    let lower = svg.to_ascii_lowercase();
    for bad in ["<script", "<foreignobject", "javascript:", "<iframe"] {
        if lower.contains(bad) {
            return Err(format!(
                "holds `{bad}`, which no grassroots chart has; refusing to inline it"
            ));
        }
    }
    for attr in ["href=\"http", "href='http", "url(http", "@import"] {
        if lower.contains(attr) {
            return Err(format!(
                "refers to an external resource (`{attr}`), which no grassroots chart does"
            ));
        }
    }
    let tag_end = svg.find('>').ok_or("not an SVG image")?;
    let mut tag = svg[..tag_end].to_string();
    let rest = &svg[tag_end..];
    for ns in ["xmlns:xlink", "xmlns"] {
        while let Some(value) = attribute(&tag, ns).map(str::to_string) {
            for q in ['"', '\''] {
                let text = format!(" {ns}={q}{value}{q}");
                if let Some(at) = tag.find(&text) {
                    tag.replace_range(at..at + text.len(), "");
                    break;
                }
            }
            if attribute(&tag, ns) == Some(value.as_str()) {
                // Written with spaces around `=`: leave it, it does no harm.
                break;
            }
        }
    }
    if attribute(&tag, "viewBox").is_none() {
        let size = |name: &str| {
            attribute(&tag, name)
                .map(|v| v.trim().trim_end_matches("px"))
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| *v > 0.0)
        };
        if let (Some(w), Some(h)) = (size("width"), size("height")) {
            tag.push_str(&format!(" viewBox=\"0 0 {w} {h}\""));
        }
    }
    tag.push_str(" role=\"img\"");
    if let Some(title) = svg_title(svg) {
        tag.push_str(&format!(" aria-label=\"{}\"", escape(&title)));
    }
    let whole = format!("{tag}{rest}");
    Ok(scope_ids(&whole, prefix))
}

/// Prefix every `id` of an SVG, and every reference to one (`url(#id)`,
/// `href="#id"`), with `prefix`.
fn scope_ids(svg: &str, prefix: &str) -> String {
    let mut ids = Vec::new();
    let mut from = 0;
    while let Some(at) = svg[from..].find(" id=\"") {
        let start = from + at + 5;
        let Some(len) = svg[start..].find('"') else {
            break;
        };
        ids.push(svg[start..start + len].to_string());
        from = start + len;
    }
    if ids.is_empty() {
        return svg.to_string();
    }
    let mut out = svg.to_string();
    for id in ids {
        for (old, new) in [
            (format!(" id=\"{id}\""), format!(" id=\"{prefix}{id}\"")),
            (format!("url(#{id})"), format!("url(#{prefix}{id})")),
            (format!("href=\"#{id}\""), format!("href=\"#{prefix}{id}\"")),
        ] {
            out = out.replace(&old, &new);
        }
    }
    out
}

/// The results of a sensitivity analysis or calibration (or any other
/// output): its `report.md`, as HTML, with its charts inlined where the
/// report shows them.
fn markdown_results(
    cx: &Context<'_>,
    charts: &mut Charts,
    out: &mut String,
) -> Result<(), OutputError> {
    if !cx.lists("report.md") {
        out.push_str("<p>The tables are in the CSV files of this directory.</p>\n");
        return Ok(());
    }
    let path = cx.dir.join("report.md");
    let md = std::fs::read_to_string(&path).map_err(io_err(&path))?;
    // Its title says again what the page's title says, and its list of
    // where the results come from what the page's facts say.
    let body = match md.split_once('\n') {
        Some((first, rest)) if first.starts_with("# ") => rest,
        _ => md.as_str(),
    };
    let body = body.replacen(&super::report::provenance_md(cx.manifest), "", 1);
    out.push_str(&markdown(&body, charts));
    Ok(())
}

/// Inline Markdown (code spans, bold) as HTML, everything else escaped.
fn inline_md(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", escape(part));
        } else {
            for (j, piece) in escape(part).split("**").enumerate() {
                if j % 2 == 1 {
                    let _ = write!(out, "<b>{piece}</b>");
                } else {
                    out.push_str(piece);
                }
            }
        }
    }
    out
}

/// The cells of a Markdown table row (`\|` is a literal bar).
fn md_cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                cell.push('|');
            }
            '|' => cells.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    cells.push(cell);
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

/// The Markdown grassroots writes in its reports (headings, paragraphs,
/// lists, pipe tables, images, code spans) as HTML; headings one level down (the
/// page has its own title); an image of a chart becomes the inlined SVG of
/// the same name.
fn markdown(md: &str, charts: &mut Charts) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = md.lines().collect();
    let mut i = 0;
    let mut paragraph: Vec<&str> = Vec::new();
    let flush = |paragraph: &mut Vec<&str>, out: &mut String| {
        if !paragraph.is_empty() {
            let _ = writeln!(out, "<p>{}</p>", inline_md(&paragraph.join(" ")));
            paragraph.clear();
        }
    };
    while i < lines.len() {
        let line = lines[i].trim_end();
        if line.trim().is_empty() {
            flush(&mut paragraph, &mut out);
            i += 1;
            continue;
        }
        if let Some(level) =
            (1..=5).find(|&n| line.starts_with(&"#".repeat(n)) && line[n..].starts_with(' '))
        {
            flush(&mut paragraph, &mut out);
            let h = (level + 1).min(6);
            let _ = writeln!(out, "<h{h}>{}</h{h}>", inline_md(line[level..].trim()));
            i += 1;
            continue;
        }
        let image = line
            .strip_prefix("![")
            .filter(|_| line.ends_with(')'))
            .and_then(|_| line.find("]("));
        if let Some(close) = image {
            flush(&mut paragraph, &mut out);
            let target = &line[close + 2..line.len() - 1];
            let stem = target.rsplit_once('.').map_or(target, |(stem, _)| stem);
            if let Some(fig) = charts.place(stem) {
                out.push_str(&fig);
            }
            i += 1;
            continue;
        }
        if line.starts_with("- ") {
            flush(&mut paragraph, &mut out);
            out.push_str("<ul>\n");
            while i < lines.len() && lines[i].starts_with("- ") {
                let _ = writeln!(out, "<li>{}</li>", inline_md(lines[i][2..].trim()));
                i += 1;
            }
            out.push_str("</ul>\n");
            continue;
        }
        if line.trim_start().starts_with('|') {
            flush(&mut paragraph, &mut out);
            let mut block = Vec::new();
            while i < lines.len() && lines[i].trim_start().starts_with('|') {
                block.push(md_cells(lines[i]));
                i += 1;
            }
            let is_rule = |cells: &Vec<String>| {
                cells
                    .iter()
                    .all(|c| !c.is_empty() && c.chars().all(|ch| "-: ".contains(ch)))
            };
            let (header, body) = match block.get(1) {
                Some(rule) if is_rule(rule) => (block[0].clone(), block[2..].to_vec()),
                _ => (Vec::new(), block),
            };
            let header: Vec<String> = header.iter().map(|h| inline_md(h)).collect();
            let body: Vec<Vec<String>> = body
                .iter()
                .map(|r| r.iter().map(|c| inline_md(c)).collect())
                .collect();
            let numeric: Vec<bool> = (0..header.len().max(1))
                .map(|k| {
                    body.iter().all(|r| {
                        r.get(k).is_some_and(|c| {
                            c.chars()
                                .next()
                                .is_some_and(|ch| ch.is_ascii_digit() || ch == '-')
                        })
                    }) && !body.is_empty()
                })
                .collect();
            html_table(&mut out, &header, &numeric, &body);
            continue;
        }
        paragraph.push(line.trim());
        i += 1;
    }
    flush(&mut paragraph, &mut out);
    out
}

/// The parameters: each variant's overrides, the sampled environments, the
/// policy changes and the full resolved parameter table.
fn parameters(cx: &Context<'_>, out: &mut String) {
    out.push_str("<h2 id=\"parameters\">Parameters</h2>\n");
    let m = cx.manifest;
    let variants: Vec<&Value> = m
        .get("variants")
        .and_then(Value::as_array)
        .map(|v| v.iter().collect())
        .unwrap_or_default();
    let mut varied: BTreeSet<String> = BTreeSet::new();
    for v in &variants {
        varied.extend(pairs(v.get("overrides")).into_iter().map(|(k, _)| k));
    }
    let environments: Vec<Vec<(String, String)>> = m
        .get("environments")
        .and_then(Value::as_array)
        .map(|e| e.iter().map(|e| pairs(Some(e))).collect())
        .unwrap_or_default();
    for e in &environments {
        varied.extend(e.iter().map(|(k, _)| k.clone()));
    }
    if cx.kind == "compare" && !variants.is_empty() {
        let sources = strings(m, "sources");
        out.push_str("<h3 id=\"variants\">Variants</h3>\n<p class=\"note\">Each variant is the scenario with these overrides; the first is the baseline.</p>\n");
        let rows: Vec<Vec<String>> = variants
            .iter()
            .map(|v| {
                let o = pairs(v.get("overrides"));
                let shown = if o.is_empty() {
                    "<span class=\"muted\">none</span>".to_string()
                } else {
                    o.iter()
                        .map(|(k, v)| format!("<code>{}</code>", escape(&setting_text(k, v))))
                        .collect::<Vec<_>>()
                        .join("<br>")
                };
                let mut row = vec![escape(text(v, "name")), shown];
                if sources.len() > 1 {
                    let s = v
                        .get("source")
                        .and_then(Value::as_u64)
                        .and_then(|s| sources.get(s as usize))
                        .map_or(String::new(), |s| format!("<code>{}</code>", escape(s)));
                    row.push(s);
                }
                row
            })
            .collect();
        let mut header = vec!["variant".to_string(), "overrides".into()];
        if sources.len() > 1 {
            header.push("scenario file".into());
        }
        html_table(out, &header, &[], &rows);
    } else if !variants.is_empty() && cx.kind != "calibration" {
        let keys = strings(m, "parameters");
        if !keys.is_empty() {
            let shown: Vec<String> = keys
                .iter()
                .map(|k| format!("<code>{}</code>", escape(k)))
                .collect();
            let _ = writeln!(
                out,
                "<p>Keys varied across the {}: {}; their values at each point are in the tables above and in the CSV files.</p>",
                count(variants.len() as u64, "point"),
                shown.join(", ")
            );
        }
    }
    if environments.len() > 1 {
        environments_table(&environments, out);
    }
    // The changes of the table are the first cell's: said when the
    // variants' differ (the facts at the top list each one's).
    let groups = super::report::change_groups(m);
    if groups.len() > 1 {
        out.push_str("<h3 id=\"changes\">Policy changes during the run</h3>\n<p class=\"note\">They differ between the variants: see <i>Policy changes</i> at the top of the page.</p>\n");
    }
    let changes = cx
        .scenario
        .and_then(|s| s.get("changes"))
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty() && groups.len() < 2);
    if let Some(changes) = changes {
        out.push_str("<h3 id=\"changes\">Policy changes during the run</h3>\n");
        let rows: Vec<Vec<String>> = changes
            .iter()
            .map(|c| {
                let month = c.get("month").map(value_text).unwrap_or_default();
                let set: Vec<String> = pairs(c.get("set"))
                    .iter()
                    .map(|(k, v)| format!("<code>{}</code>", escape(&setting_text(k, v))))
                    .collect();
                vec![escape(&month), set.join("<br>")]
            })
            .collect();
        html_table(
            out,
            &["from month".into(), "overrides".into()],
            &[true, false],
            &rows,
        );
    }
    let overrides = super::report::manifest_overrides(m);
    if !overrides.is_empty() {
        let shown: Vec<String> = overrides
            .iter()
            .map(|o| format!("<code>{}</code>", escape(o)))
            .collect();
        let _ = writeln!(
            out,
            "<p>Command-line overrides, applied to every run: {}.</p>",
            shown.join(", ")
        );
    }
    if let Some(s) = cx.scenario {
        full_parameters(cx, s, &varied, out);
    }
}

/// The sampled environments: each uncertain key's range across them.
fn environments_table(environments: &[Vec<(String, String)>], out: &mut String) {
    let _ = writeln!(
        out,
        "<h3 id=\"environments\">Sampled environments</h3>\n<p class=\"note\">{} of the uncertain parameters; each environment's values are in <code>environments.csv</code>.</p>",
        count(environments.len() as u64, "environment")
    );
    let mut keys: Vec<String> = Vec::new();
    for e in environments {
        for (k, _) in e {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            let xs: Vec<f64> = environments
                .iter()
                .filter_map(|e| e.iter().find(|(key, _)| key == k)?.1.parse().ok())
                .collect();
            let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let range = if xs.is_empty() {
                "—".into()
            } else {
                format!("{} – {}", escape(&num(Some(lo))), escape(&num(Some(hi))))
            };
            vec![format!("<code>{}</code>", escape(k)), range]
        })
        .collect();
    html_table(
        out,
        &["uncertain key".into(), "range sampled".into()],
        &[false, true],
        &rows,
    );
}

/// Whether a resolved value differs from a parameter's default (a TOML
/// literal): compared as values (numbers as numbers, `0.60` is `0.6`, an
/// integer `2` is `2.0`), as the table shows them.
fn differs_from_default(value: &Value, default: &str) -> bool {
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
            }
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, a)| y.get(k).is_some_and(|b| same(a, b)))
            }
            (a, b) => a == b,
        }
    }
    match super::report::literal_value(default) {
        Some(d) => !same(value, &d),
        None => value_text(value) != default.trim(),
    }
}

/// The full resolved parameter table, section by section, in a `<details>` block.
fn full_parameters(cx: &Context<'_>, s: &Value, varied: &BTreeSet<String>, out: &mut String) {
    let whose = match cx.kind.as_str() {
        "run" => "this run".to_string(),
        _ => {
            let first = cx
                .manifest
                .get("variants")
                .and_then(Value::as_array)
                .and_then(|v| v.first())
                .map(|v| text(v, "name").to_string())
                .unwrap_or_default();
            let env = if cx.environments > 1 {
                " in the first sampled environment"
            } else {
                ""
            };
            format!(
                "the first cell of the study (variant <code>{}</code>{env}); the others differ only by the keys marked “varies”",
                escape(&first)
            )
        }
    };
    let _ = writeln!(
        out,
        "<details id=\"all-parameters\"><summary>All resolved parameters</summary>\n<p class=\"note\">Every parameter of {whose}. Highlighted rows differ from the default. Meanings and sources: <code>grassroots params</code>, <code>docs/model.md</code> §8.</p>"
    );
    let Some(sections) = s.as_object() else {
        out.push_str("</details>\n");
        return;
    };
    let mut shown: BTreeSet<&str> = BTreeSet::new();
    out.push_str("<div class=\"scroll\"><table class=\"params\">\n<thead><tr><th>key</th><th>value</th><th>default</th><th>meaning</th></tr></thead>\n<tbody>\n");
    for (section, title) in schema::SECTIONS {
        let Some(values) = sections.get(*section).and_then(Value::as_object) else {
            continue;
        };
        shown.insert(section);
        let _ = writeln!(
            out,
            "<tr class=\"section\"><th colspan=\"4\"><code>[{}]</code> {}</th></tr>",
            escape(section),
            escape(title)
        );
        let mut rows = Vec::new();
        let mut row_set = Vec::new();
        let mut listed: BTreeSet<&str> = BTreeSet::new();
        for p in schema::PARAMS.iter().filter(|p| p.section() == *section) {
            let Some(v) = values.get(p.name()) else {
                continue;
            };
            listed.insert(p.name());
            let changed = differs_from_default(v, p.default);
            let mut key = format!("<code>{}</code>", escape(p.name()));
            if varied.contains(p.key) {
                key.push_str(" <span class=\"sig\">varies</span>");
            }
            rows.push(vec![
                key,
                format!("<code>{}</code>", escape(&value_text(v))),
                format!("<code>{}</code>", escape(&literal_text(p.default))),
                escape(p.meaning),
            ]);
            row_set.push(changed);
        }
        for (k, v) in values {
            if !listed.contains(k.as_str()) {
                rows.push(vec![
                    format!("<code>{}</code>", escape(k)),
                    format!("<code>{}</code>", escape(&value_text(v))),
                    String::new(),
                    String::new(),
                ]);
                row_set.push(false);
            }
        }
        for (row, changed) in rows.iter().zip(&row_set) {
            out.push_str(if *changed {
                "<tr class=\"set\">"
            } else {
                "<tr>"
            });
            for cell in row {
                let _ = write!(out, "<td>{cell}</td>");
            }
            out.push_str("</tr>\n");
        }
    }
    out.push_str("</tbody>\n</table></div>\n");
    for (k, v) in sections {
        if !shown.contains(k.as_str()) && k != "changes" {
            let _ = writeln!(
                out,
                "<p><code>{}</code>: <code>{}</code></p>",
                escape(k),
                escape(&v.to_string())
            );
        }
    }
    out.push_str("</details>\n");
}

/// The files of the directory and the model version, once more at the end.
fn footer(cx: &Context<'_>, out: &mut String) {
    let files: Vec<String> = cx
        .files
        .iter()
        .filter(|f| !f.starts_with("charts/"))
        .map(|f| format!("<code>{}</code>", escape(f)))
        .collect();
    let charts = cx.files.iter().filter(|f| f.starts_with("charts/")).count();
    let _ = writeln!(
        out,
        "<footer>Files of this directory: {}{}. Results of model version <code>{}</code>, written by grassroots {}. This page is self-contained: it loads nothing from the network.</footer>",
        files.join(", "),
        if charts > 0 {
            format!(
                " and {} under <code>charts/</code>",
                count(charts as u64, "chart file")
            )
        } else {
            String::new()
        },
        escape(text(cx.manifest, "model")),
        escape(text(cx.manifest, "version")),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(num(Some(1234.567)), "1235");
        assert_eq!(num(Some(0.012345)), "0.01235");
        assert_eq!(num(Some(0.0)), "0");
        assert_eq!(num(Some(1.5e-7)), "1.500e-7");
        assert_eq!(num(None), "");
        assert_eq!(p_value(Some(1e-9)), "&lt; 0.0001");
        assert_eq!(p_value(Some(0.04321)), "0.04321");
    }

    #[test]
    fn an_svg_is_prepared_for_inlining() {
        let raw = "<?xml version=\"1.0\"?>\n<!-- c -->\n<svg width=\"960\" height=\"540\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n<defs><clipPath id=\"a\"><rect/></clipPath></defs><text x=\"1\">A &amp; B</text><g clip-path=\"url(#a)\"/><use href=\"#a\"/></svg>\n";
        let svg = inline_svg(raw, "c0-").unwrap();
        assert!(
            svg.starts_with("<svg width=\"960\" height=\"540\" viewBox=\"0 0 960 540\""),
            "{svg}"
        );
        assert!(!svg.contains("http://"), "{svg}");
        assert!(
            svg.contains(" id=\"c0-a\"")
                && svg.contains("url(#c0-a)")
                && svg.contains("href=\"#c0-a\"")
        );
        assert!(svg.contains("aria-label=\"A &amp; B\""), "{svg}");
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg_title(raw).as_deref(), Some("A & B"));
        // A viewBox already there is kept as it is.
        let kept = inline_svg("<svg viewBox=\"0 0 10 5\" width=\"20\"></svg>", "p").unwrap();
        assert_eq!(kept.matches("viewBox").count(), 1);
        for bad in [
            "<svg><script>alert(1)</script></svg>",
            "<svg><image href=\"https://example.org/x.png\"/></svg>",
            "<html></html>",
        ] {
            assert!(inline_svg(bad, "p").is_err(), "{bad}");
        }
    }

    #[test]
    fn the_markdown_of_reports_becomes_html() {
        let md = "# Title\n\nSome `code` and **bold** <b>.\n\n| a | b \\| c |\n|---|---|\n| `x` | 1.5 |\n\n![chart](charts/x.png)\n";
        let mut charts = Charts(vec![Chart {
            file: "charts/x.svg".into(),
            title: "X".into(),
            svg: "<svg></svg>".into(),
            placed: false,
        }]);
        let html = markdown(md, &mut charts);
        assert!(html.contains("<h2>Title</h2>"), "{html}");
        assert!(
            html.contains("<p>Some <code>code</code> and <b>bold</b> &lt;b&gt;.</p>"),
            "{html}"
        );
        assert!(html.contains("<th>b | c</th>"), "{html}");
        assert!(
            html.contains("<td><code>x</code></td><td class=\"num\">1.5</td>"),
            "{html}"
        );
        assert!(
            html.contains("<figure id=\"figure-1\" data-chart=\"charts/x.svg\">"),
            "{html}"
        );
        assert!(charts.0[0].placed);
    }

    #[test]
    fn report_html_is_listed_once_before_the_manifest() {
        let m = serde_json::json!({"files": ["a.csv", "manifest.json"], "x": 1});
        let listed = listing_report(&m).unwrap();
        assert_eq!(
            listed["files"],
            serde_json::json!(["a.csv", "report.html", "manifest.json"])
        );
        assert_eq!(listed["x"], 1);
        assert!(listing_report(&listed).is_none());
        let study = serde_json::json!({"files": ["a.csv"]});
        assert_eq!(
            listing_report(&study).unwrap()["files"],
            serde_json::json!(["a.csv", "report.html"])
        );
    }

    #[test]
    fn defaults_are_compared_as_values() {
        assert!(!differs_from_default(&serde_json::json!(0.6), "0.60"));
        assert!(differs_from_default(&serde_json::json!(0.5), "0.60"));
        assert!(!differs_from_default(
            &serde_json::json!("rank"),
            "\"rank\""
        ));
        assert!(!differs_from_default(&serde_json::json!(false), "false"));
        assert!(!differs_from_default(&serde_json::json!(150), "150"));
        assert!(!differs_from_default(&serde_json::json!(100000), "100_000"));
        assert!(!differs_from_default(&serde_json::json!(2.0), "2"));
        assert!(!differs_from_default(&serde_json::json!(""), "\"\""));
        assert!(differs_from_default(&serde_json::json!("x"), "\"\""));
        let drawn = serde_json::json!({"uniform": [100, 200]});
        assert!(differs_from_default(&drawn, "150"));
        assert!(!differs_from_default(&drawn, "{ uniform = [100, 200.0] }"));
    }
}
