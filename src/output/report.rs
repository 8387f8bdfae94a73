//! `report.md`: a Markdown page of the main results with their charts, ready
//! to paste into a research report.

use crate::metrics::{Role, with_role};
use crate::scenario::Scenario;
use crate::stats::Summary;
use crate::study::MonthSummary;
use crate::study::analysis::{CompareAccumulator, Contrast, PointReplicates, Robustness, WINDOW};
use crate::study::plan::Plan;
use serde_json::Value;

/// A number with four significant digits: fixed notation from 0.0001 up
/// (`0.0008646`, `12.35`, `1235`, larger whole numbers in full), scientific
/// below (`5.994e-6`), where fixed notation would need more than seven
/// decimals.
pub fn sig4(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    if x == 0.0 {
        return "0".into();
    }
    if x.abs() < 1e-4 {
        return format!("{x:.3e}");
    }
    let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 7) as usize;
    format!("{x:.digits$}")
}

/// `n noun` with the noun in the plural unless n is 1: "1 replicate",
/// "2 replicates" (every noun the reports count takes a plain -s).
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Words for command-line overrides in titles: empty without any,
/// otherwise ` (with KEY=VALUE, ...)`.
pub fn overrides_note(overrides: &[(String, String)]) -> String {
    if overrides.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = overrides.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(" (with {})", shown.join(", "))
}

/// A piece of a provenance fact's value: words, or code (a name, path, key
/// or value as typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    /// Words.
    Text(String),
    /// A name, path, key or value, shown as code.
    Code(String),
}

/// One fact of where a run's or study's results come from: a term and its
/// value. report.md writes the facts as a list ([`provenance_md`]),
/// report.html as the definition list at its top, so both say the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// What the fact is ("Seed", "Model version").
    pub term: String,
    /// Its value.
    pub value: Vec<Span>,
}

impl Fact {
    fn new(term: &str, value: Vec<Span>) -> Fact {
        Fact {
            term: term.into(),
            value,
        }
    }

    /// The value as Markdown (code spans in backticks).
    pub fn value_md(&self) -> String {
        spans_md(&self.value)
    }
}

/// `text` as a Markdown code span (in double backticks if it holds one).
fn md_code(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

fn words(text: impl Into<String>) -> Span {
    Span::Text(text.into())
}

fn code(text: impl Into<String>) -> Span {
    Span::Code(text.into())
}

/// `items` joined by `sep` (a `Span::Text`).
fn joined(items: Vec<Vec<Span>>, sep: &str) -> Vec<Span> {
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(words(sep));
        }
        out.extend(item);
    }
    out
}

/// A manifest's text field, empty if absent.
pub(crate) fn field<'a>(v: &'a Value, name: &str) -> &'a str {
    v.get(name).and_then(Value::as_str).unwrap_or("")
}

/// A manifest's list of strings.
pub(crate) fn field_strings(v: &Value, name: &str) -> Vec<String> {
    v.get(name)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A list of `[key, value]` pairs (overrides of a variant, environment or change).
pub fn value_pairs(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| {
                    let p = p.as_array()?;
                    Some((
                        p.first()?.as_str()?.to_string(),
                        p.get(1)?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The manifest's command-line overrides that change the question (`--set`,
/// `--seed`) as `KEY=VALUE`: a run's manifest written by an older
/// grassroots may also list `scenario.replicates`, which only sizes it.
pub fn manifest_overrides(m: &Value) -> Vec<String> {
    field_strings(m, "overrides")
        .into_iter()
        .filter(|o| !o.starts_with("scenario.replicates="))
        .collect()
}

/// The resolved scenarios a manifest describes: a run's one, or a study's
/// cells (variant-major, then environment).
pub fn manifest_cells(m: &Value) -> Vec<&Value> {
    match m.get("scenario") {
        Some(s) if field(m, "kind") == "run" => vec![s],
        _ => m
            .get("scenarios")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
    }
}

/// Sampled environments of a study's manifest (1 without `[uncertainty]`).
fn manifest_environments(m: &Value) -> usize {
    m.get("environments")
        .and_then(Value::as_array)
        .map_or(1, |e| e.len().max(1))
}

/// Each variant's name and its resolved scenario in the first environment
/// (a run: its name and scenario).
fn variant_cells(m: &Value) -> Vec<(String, &Value)> {
    let cells = manifest_cells(m);
    let Some(variants) = m.get("variants").and_then(Value::as_array) else {
        return cells
            .into_iter()
            .map(|c| (field(c.get("scenario").unwrap_or(c), "name").to_string(), c))
            .collect();
    };
    let envs = manifest_environments(m);
    variants
        .iter()
        .enumerate()
        .filter_map(|(a, v)| Some((field(v, "name").to_string(), *cells.get(a * envs)?)))
        .collect()
}

/// Each scenario file of a study (a run: its one file) with the resolved
/// scenario of its first variant in the first environment.
pub fn source_cells(m: &Value) -> Vec<(String, &Value)> {
    if field(m, "kind") == "run" {
        return m
            .get("scenario")
            .map(|s| vec![(field(m, "scenario_file").to_string(), s)])
            .unwrap_or_default();
    }
    let cells = manifest_cells(m);
    let envs = manifest_environments(m);
    let variants: Vec<&Value> = m
        .get("variants")
        .and_then(Value::as_array)
        .map(|v| v.iter().collect())
        .unwrap_or_default();
    field_strings(m, "sources")
        .into_iter()
        .enumerate()
        .filter_map(|(i, source)| {
            let a = variants
                .iter()
                .position(|v| v.get("source").and_then(Value::as_u64) == Some(i as u64))
                .unwrap_or(0);
            Some((source, *cells.get(a * envs)?))
        })
        .collect()
}

/// A field of a resolved scenario's `[section]`.
fn setting<'a>(cell: &'a Value, section: &str, name: &str) -> Option<&'a Value> {
    cell.get(section)?.get(name)
}

/// A per-village count as resolved (`150`, `{"uniform": [100, 200]}`, ...)
/// in words: "150", "100–200 (uniform)", "normal, mean 150, sd 30",
/// "Poisson, mean 150".
fn count_words(spec: &Value) -> String {
    let pair = |v: &Value| -> Option<(String, String)> {
        let a = v.as_array()?;
        Some((value_text(a.first()?), value_text(a.get(1)?)))
    };
    if let Some(n) = spec.as_u64() {
        return n.to_string();
    }
    if let Some((a, b)) = spec.get("uniform").and_then(pair) {
        return format!("{a}–{b} (uniform)");
    }
    if let Some((mean, sd)) = spec.get("normal").and_then(pair) {
        return format!("normal, mean {mean}, sd {sd}");
    }
    if let Some(mean) = spec.get("poisson") {
        return format!("Poisson, mean {}", value_text(mean));
    }
    value_text(spec)
}

/// A resolved value as text, formatted alike wherever a report shows one:
/// strings bare (the empty string as `""`), integers as they are, other
/// numbers in their shortest form that reads back exactly (`0.1`, `2`, not
/// `0.10` or `2.0`), arrays and tables as TOML writes them inline
/// (`[1, 2]`, `{ uniform = [100, 200] }`, strings quoted inside).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) if s.is_empty() => "\"\"".into(),
        Value::String(s) => s.clone(),
        other => inline_value(other),
    }
}

/// A value as it would be written inline in TOML (strings quoted).
fn inline_value(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(x)) => format!("{x}"),
            _ => n.to_string(),
        },
        Value::String(s) => Value::String(s.clone()).to_string(),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(inline_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(o) if o.is_empty() => "{}".into(),
        Value::Object(o) => format!(
            "{{ {} }}",
            o.iter()
                .map(|(k, v)| format!("{k} = {}", inline_value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A TOML literal (a parameter's default, an override's or a change's
/// value) as [`value_text`] shows the value it stands for; the literal as
/// written when it does not read as one.
pub fn literal_text(literal: &str) -> String {
    literal_value(literal).map_or_else(|| literal.trim().to_string(), |v| value_text(&v))
}

/// The value a TOML literal stands for, if it reads as one.
pub fn literal_value(literal: &str) -> Option<Value> {
    #[derive(serde::Deserialize)]
    struct One {
        v: Value,
    }
    toml::from_str::<One>(&format!("v = {}", literal.trim()))
        .ok()
        .map(|o| o.v)
}

/// `key = value` with the value as [`literal_text`] shows it.
pub fn setting_text(key: &str, literal: &str) -> String {
    format!("{key} = {}", literal_text(literal))
}

/// A resolved scenario's `[[changes]]`: (month, settings) in month order.
fn changes_of(cell: &Value) -> Changes {
    cell.get("changes")
        .and_then(Value::as_array)
        .map(|c| {
            c.iter()
                .map(|c| {
                    (
                        c.get("month").map(value_text).unwrap_or_default(),
                        value_pairs(c.get("set")),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `[[changes]]` in words: "from month 24: `a = 1`, `b = 2`; from month 36: …".
fn changes_words(changes: &Changes) -> Vec<Span> {
    if changes.is_empty() {
        return vec![words("none")];
    }
    joined(
        changes
            .iter()
            .map(|(month, set)| {
                let mut spans = vec![words(format!("from month {month}: "))];
                spans.extend(joined(
                    set.iter()
                        .map(|(k, v)| vec![code(setting_text(k, v))])
                        .collect(),
                    ", ",
                ));
                spans
            })
            .collect(),
        "; ",
    )
}

/// Names in words, the first three and how many more.
fn some_names(names: &[String]) -> Vec<Span> {
    let mut items: Vec<Vec<Span>> = names.iter().take(3).map(|n| vec![code(n)]).collect();
    if names.len() > 3 {
        items.push(vec![words(format!("{} more", names.len() - 3))]);
    }
    joined(items, ", ")
}

/// A resolved scenario's `[[changes]]`: (month, its settings) in order.
pub type Changes = Vec<(String, Vec<(String, String)>)>;

/// The `[[changes]]` of a run, or of each variant of a study (in its first
/// environment), grouped: each distinct list of changes with the names of
/// the variants that have it, in order of first appearance.
pub fn change_groups(m: &Value) -> Vec<(Changes, Vec<String>)> {
    let mut groups: Vec<(Changes, Vec<String>)> = Vec::new();
    for (name, cell) in variant_cells(m) {
        let changes = changes_of(cell);
        match groups.iter_mut().find(|(c, _)| *c == changes) {
            Some((_, names)) => names.push(name),
            None => groups.push((changes, vec![name])),
        }
    }
    groups
}

/// The policy changes during the run (`[[changes]]`): a run's, or a
/// study's — the same in every variant, or per group of variants with the
/// same changes.
fn changes_fact(m: &Value) -> Vec<Span> {
    let groups = change_groups(m);
    match groups.as_slice() {
        [] => vec![words("none")],
        [(changes, names)] => {
            let mut spans = changes_words(changes);
            if !changes.is_empty() && names.len() > 1 {
                spans.push(words(format!(" (in every {})", unit_word(m))));
            }
            spans
        }
        _ if groups.len() > 6 => vec![words(format!(
            "they differ between the {}s; each one's are in manifest.json (`scenarios`)",
            unit_word(m)
        ))],
        _ => joined(
            groups
                .iter()
                .map(|(changes, names)| {
                    let mut spans = some_names(names);
                    spans.push(words(": "));
                    spans.extend(changes_words(changes));
                    spans
                })
                .collect(),
            " — ",
        ),
    }
}

/// What a study's manifest calls one of its variants.
fn unit_word(m: &Value) -> &'static str {
    match field(m, "kind") {
        "compare" => "variant",
        "sweep" => "point",
        "sensitivity" => "design point",
        "calibration" => "proposal",
        _ => "run",
    }
}

/// Where the results of a run or study come from, from its manifest (as
/// [`super::manifest::of_run`] and [`super::manifest::of_study`] make it;
/// the list of files and the command line are not used): the scenario and
/// its file(s), the size (variants or points, environments, replicates,
/// months, villages), households per village, the seed, the window of the
/// outcomes, whether runs share random numbers, the policy changes during
/// the run (`[[changes]]`), the command-line overrides, the model version
/// and the tool. report.md ([`provenance_md`]) and report.html show these
/// same facts.
pub fn provenance(m: &Value) -> Vec<Fact> {
    let kind = field(m, "kind");
    let cells = manifest_cells(m);
    let first = cells.first().copied();
    let meta = |name: &str| first.and_then(|c| setting(c, "scenario", name));
    let mut facts = Vec::new();
    let sources = source_cells(m);
    let scenario_names: Vec<String> = sources
        .iter()
        .map(|(_, c)| field(c.get("scenario").unwrap_or(c), "name").to_string())
        .collect();
    if scenario_names.len() > 1 {
        facts.push(Fact::new(
            "Scenarios",
            joined(scenario_names.iter().map(|n| vec![code(n)]).collect(), ", "),
        ));
    } else {
        let name = meta("name")
            .and_then(Value::as_str)
            .unwrap_or(field(m, "name"));
        facts.push(Fact::new("Scenario", vec![code(name)]));
    }
    let files: Vec<String> = if kind == "run" {
        vec![field(m, "scenario_file").to_string()]
    } else {
        field_strings(m, "sources")
    };
    let files: Vec<String> = files.into_iter().filter(|f| !f.is_empty()).collect();
    if !files.is_empty() {
        facts.push(Fact::new(
            if files.len() == 1 {
                "Scenario file"
            } else {
                "Scenario files"
            },
            joined(files.iter().map(|f| vec![code(f)]).collect(), ", "),
        ));
    }
    let mut size = Vec::new();
    if let Some(v) = m.get("variants").and_then(Value::as_array) {
        match kind {
            // Charts title "3 variants against baseline": the size counts
            // the baseline apart, so the two read alike.
            "compare" if v.len() > 1 => size.push(format!(
                "{} (baseline + {})",
                count(v.len() as u64, "arm"),
                count(v.len() as u64 - 1, "variant")
            )),
            "compare" => size.push(count(v.len() as u64, "variant")),
            "sweep" => size.push(count(v.len() as u64, "point")),
            "calibration" => {}
            _ => {
                // A sensitivity design runs each point alone and with each
                // policy ("7" and "7.reform"): count the points.
                let points: std::collections::BTreeSet<&str> = v
                    .iter()
                    .filter_map(|x| x.get("name")?.as_str())
                    .map(|n| n.split('.').next().unwrap_or(n))
                    .collect();
                size.push(count(points.len() as u64, "design point"));
                let arms = v.len() / points.len().max(1);
                if arms > 1 {
                    size.push(format!(
                        "{} (alone and with each policy)",
                        count(arms as u64, "arm")
                    ));
                }
            }
        }
    }
    let environments = manifest_environments(m);
    if environments > 1 {
        size.push(count(environments as u64, "sampled environment"));
    }
    if let Some(r) = m.get("replicates").and_then(Value::as_u64) {
        // "each" of the variants, points or environments counted before.
        let each = if size.is_empty() { "" } else { " each" };
        size.push(format!("{}{each}", count(r, "replicate")));
    }
    let months = m.get("months").and_then(Value::as_u64);
    if let Some(months) = months {
        size.push(count(months, "month"));
    }
    let villages: Vec<u64> = cells
        .iter()
        .filter_map(|c| setting(c, "world", "villages")?.as_u64())
        .collect();
    match (villages.iter().min(), villages.iter().max()) {
        (Some(lo), Some(hi)) if lo == hi => size.push(count(*lo, "village")),
        (Some(lo), Some(hi)) => size.push(format!("{lo}–{hi} villages")),
        _ => {}
    }
    if !size.is_empty() {
        facts.push(Fact::new("Size", vec![words(size.join(" × "))]));
    }
    let mut households: Vec<String> = Vec::new();
    for c in &cells {
        if let Some(h) = setting(c, "world", "households_per_village") {
            let h = count_words(h);
            if !households.contains(&h) {
                households.push(h);
            }
        }
    }
    match households.as_slice() {
        [] => {}
        [one] => facts.push(Fact::new("Households per village", vec![words(one)])),
        [first, ..] => facts.push(Fact::new(
            "Households per village",
            vec![words(format!(
                "{first} in the first {}; it varies",
                unit_word(m)
            ))],
        )),
    }
    let mut seeds: Vec<(String, String)> = Vec::new();
    if let Some(seed) = m.get("seed") {
        seeds.push((String::new(), value_text(seed)));
    } else {
        for ((_, c), name) in sources.iter().zip(&scenario_names) {
            if let Some(seed) = setting(c, "scenario", "seed") {
                seeds.push((name.clone(), value_text(seed)));
            }
        }
    }
    let all_alike = seeds
        .iter()
        .all(|(_, s)| Some(s) == seeds.first().map(|f| &f.1));
    if all_alike {
        if let Some((_, seed)) = seeds.first() {
            facts.push(Fact::new("Seed", vec![words(seed)]));
        }
    } else {
        facts.push(Fact::new(
            "Seeds",
            joined(
                seeds
                    .iter()
                    .map(|(name, seed)| vec![words(format!("{seed} (")), code(name), words(")")])
                    .collect(),
                ", ",
            ),
        ));
    }
    if let (Some(w), Some(months), true) = (
        m.get("window_months").and_then(Value::as_u64),
        months,
        kind != "calibration",
    ) {
        let w = w.clamp(1, months.max(1));
        let range = if w == 1 {
            format!("month {}", months.saturating_sub(1))
        } else {
            format!("months {}–{}", months - w, months - 1)
        };
        facts.push(Fact::new(
            "Window",
            vec![words(format!(
                "means over the last {} ({range})",
                count(w, "month")
            ))],
        ));
    }
    if let Some(crn) = m.get("common_random_numbers").and_then(Value::as_bool) {
        let paired = m.get("paired_runs").and_then(Value::as_bool);
        facts.push(Fact::new(
            "Common random numbers",
            vec![words(match (crn, paired) {
                (true, _) if kind == "calibration" => {
                    "each proposal on seeds of its own, its baseline and policy arms on the same ones"
                }
                (true, Some(false)) => {
                    "asked for, but the files' seeds differ, so their runs are not paired"
                }
                (true, _) => "yes",
                (false, _) => "no",
            })],
        ));
    }
    if kind == "sweep" {
        let keys = field_strings(m, "parameters");
        if !keys.is_empty() {
            facts.push(Fact::new(
                "Swept keys",
                joined(keys.iter().map(|k| vec![code(k)]).collect(), ", "),
            ));
        }
    }
    facts.push(Fact::new("Policy changes", changes_fact(m)));
    let overrides = manifest_overrides(m);
    facts.push(Fact::new(
        "Command-line overrides",
        if overrides.is_empty() {
            vec![words("none")]
        } else {
            joined(overrides.iter().map(|o| vec![code(o)]).collect(), ", ")
        },
    ));
    facts.push(Fact::new("Model version", vec![code(field(m, "model"))]));
    facts.push(Fact::new(
        "Tool",
        vec![
            words(format!("grassroots {}, commit ", field(m, "version"))),
            code(
                m.get("git_commit")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown"),
            ),
        ],
    ));
    facts
}

/// What a run or study is, under its title: the scenario's description;
/// for a comparison of several scenario files, which scenarios it compares
/// (the first the baseline), each with its description. Empty when there
/// is nothing to say.
pub fn lead(m: &Value) -> Vec<Span> {
    let described = |c: &Value| {
        field(c.get("scenario").unwrap_or(c), "description")
            .trim()
            .to_string()
    };
    let sources = source_cells(m);
    if sources.len() < 2 {
        return sources
            .first()
            .map(|(_, c)| described(c))
            .filter(|d| !d.is_empty())
            .map(|d| vec![words(d)])
            .unwrap_or_default();
    }
    let items: Vec<Vec<Span>> = sources
        .iter()
        .enumerate()
        .map(|(i, (_, c))| {
            let name = field(c.get("scenario").unwrap_or(c), "name");
            let d = described(c);
            let d = d.trim_end_matches('.');
            let note = match (i, d.is_empty()) {
                (0, true) => " (the baseline)".to_string(),
                (0, false) => format!(" (the baseline: {d})"),
                (_, true) => String::new(),
                (_, false) => format!(" ({d})"),
            };
            vec![code(name), words(note)]
        })
        .collect();
    let mut spans = vec![words("Compares ")];
    let (first, rest) = items.split_at(1);
    spans.extend(first[0].clone());
    spans.push(words(" with "));
    let n = rest.len();
    for (i, item) in rest.iter().enumerate() {
        if i > 0 {
            spans.push(words(if i + 1 == n { " and " } else { ", " }));
        }
        spans.extend(item.clone());
    }
    let variants = m
        .get("variants")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if variants > sources.len() {
        spans.push(words(", with their [[variants]]"));
    }
    spans.push(words("."));
    spans
}

/// The markdown of spans (code spans in backticks).
pub fn spans_md(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(t) => t.clone(),
            Span::Code(c) => md_code(c),
        })
        .collect()
}

/// The provenance of a run or study ([`provenance`]) as report.md writes it:
/// a list of facts, then a blank line.
pub fn provenance_md(manifest: &Value) -> String {
    let mut md = String::new();
    for f in provenance(manifest) {
        md.push_str(&format!("- **{}:** {}\n", f.term, f.value_md()));
    }
    md.push('\n');
    md
}

/// [`provenance_md`] of a study, from its plan (its manifest as
/// [`super::manifest::of_study`] makes it; the facts do not depend on the
/// files written or the command line).
pub fn study_provenance(plan: &Plan) -> String {
    provenance_md(&super::manifest::of_study(plan, &[], &[]))
}

/// The report of `grassroots run`: where its results come from
/// ([`provenance_md`] of its manifest), then the main metrics with their
/// units at month 0, at the final month and over the final window (the
/// last assessment period, see [`crate::study::analysis::final_window`]),
/// with 95 % CIs across replicates, and the charts. `manifest` is the run's
/// ([`super::manifest::of_run`]), whose overrides the title names; `window`
/// holds each metric's window summary.
pub fn run_report(
    s: &Scenario,
    manifest: &Value,
    rows: &[MonthSummary],
    window: &[(&str, Summary)],
    charts: &[String],
) -> String {
    let last = s.scenario.months.saturating_sub(1);
    let months = crate::study::analysis::final_window(s);
    let overrides = manifest_overrides(manifest);
    let mut md = format!(
        "# {}{}\n\n{}\n\n{}Values: {}. The last column averages each replicate over the last {} ({}: a single month can be an assessment month, with its yearly spikes), then across replicates.\n\n",
        s.scenario.name,
        if overrides.is_empty() {
            String::new()
        } else {
            format!(" (with {})", overrides.join(", "))
        },
        if s.scenario.description.is_empty() {
            "—"
        } else {
            &s.scenario.description
        },
        provenance_md(manifest),
        values_words(s.scenario.replicates),
        count(months, "month"),
        crate::study::analysis::final_window_words(s),
    );
    md.push_str(&format!(
        "| metric | unit | month 0 | final month ({last}) | last {} |\n|---|---|---|---|---|\n",
        count(months, "month")
    ));
    for metric in with_role(Role::Report) {
        let [first, fin, windowed] = run_readings(metric, rows, window, last);
        let unit = crate::metrics::metric(metric).map_or("", |m| m.unit);
        md.push_str(&format!(
            "| `{metric}` | {unit} | {first} | {fin} | {windowed} |\n"
        ));
    }
    md.push('\n');
    for c in charts {
        md.push_str(&format!("![{c}]({c})\n\n"));
    }
    md
}

/// A run's three readings of `metric`, each "mean [low, high]": month 0, the
/// final month `last` and the final window (empty where missing).
pub fn run_readings(
    metric: &str,
    rows: &[MonthSummary],
    window: &[(&str, Summary)],
    last: u32,
) -> [String; 3] {
    let cell = |month: u32| {
        rows.iter()
            .find(|r| r.month == month && r.metric == metric)
            .map(|r| mean_ci(&r.summary))
            .unwrap_or_default()
    };
    let windowed = window
        .iter()
        .find(|(name, _)| *name == metric)
        .map(|(_, s)| mean_ci(s))
        .unwrap_or_default();
    [cell(0), cell(last), windowed]
}

/// "mean [low, high]" with four significant digits (the mean alone without a CI).
pub fn mean_ci(s: &Summary) -> String {
    match (s.ci_low, s.ci_high) {
        (Some(lo), Some(hi)) => format!("{} [{}, {}]", sig4(s.mean), sig4(lo), sig4(hi)),
        _ => sig4(s.mean),
    }
}

/// A p-value for reading: "< 0.0001" below that, else four significant digits.
pub fn p_text(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 1e-4 => "< 0.0001".into(),
        Some(p) => sig4(p),
        None => String::new(),
    }
}

/// A relative difference as a signed percentage ("+21.6 %"), "—" without one.
pub fn percent(relative: Option<f64>) -> String {
    match relative {
        Some(0.0) => "0 %".into(),
        Some(r) if r.is_finite() => format!("{} %", signed_percent(100.0 * r, percent_digits(r))),
        _ => "—".into(),
    }
}

/// Decimals of a relative difference in percent: one below 100 % (as it
/// rounds), none from there on.
fn percent_digits(relative: f64) -> usize {
    if (100.0 * relative).abs() >= 99.95 {
        0
    } else {
        1
    }
}

/// `p` with a sign and `digits` decimals; one that rounds to zero has no
/// sign ("0.0", not "-0.0").
fn signed_percent(p: f64, digits: usize) -> String {
    let text = format!("{p:+.digits$}");
    let unsigned = text.trim_start_matches(['+', '-']);
    if unsigned.chars().all(|c| c == '0' || c == '.') {
        unsigned.to_string()
    } else {
        text
    }
}

/// A relative difference with its 95 % interval, in percent:
/// "+21.6 % [+17.2, +25.8]"; without an interval as [`percent`].
pub fn percent_with_ci(relative: Option<f64>, ci: Option<(f64, f64)>) -> String {
    let point = percent(relative);
    match (relative, ci) {
        (Some(r), Some((lo, hi)))
            if r.is_finite() && lo.is_finite() && hi.is_finite() && (lo, hi) != (0.0, 0.0) =>
        {
            let digits = percent_digits(r);
            format!(
                "{point} [{}, {}]",
                signed_percent(100.0 * lo, digits),
                signed_percent(100.0 * hi, digits)
            )
        }
        _ => point,
    }
}

/// What a run's values are: "mean across replicates [95 % CI]", or for a
/// single replicate its values, without an interval.
pub fn values_words(replicates: u32) -> &'static str {
    if replicates < 2 {
        "one replicate's values (no 95 % CI: an interval needs 2 replicates or more)"
    } else {
        "mean across replicates [95 % CI]"
    }
}

/// A difference with its CI and mark: "0.0219 [0.0175, 0.0263] *".
pub fn difference_cell(c: &Contrast) -> String {
    let star = if c.excludes_zero() { " *" } else { "" };
    match c.ci {
        Some((lo, hi)) => format!("{} [{}, {}]{star}", sig4(c.diff), sig4(lo), sig4(hi)),
        None => sig4(c.diff),
    }
}

/// The interval of a column of differences, for its heading, by the tests
/// behind them (as report.html says it): " [paired 95 % CI]", " [Welch 95 %
/// CI]", " [95 % CI across environments]", or mixed.
fn interval_words(column: &[Option<&Contrast>]) -> &'static str {
    use crate::study::analysis::Test;
    let tests: std::collections::BTreeSet<&str> = column
        .iter()
        .flatten()
        .filter(|c| c.ci.is_some())
        .map(|c| c.test.name())
        .collect();
    let has = |t: Test| tests.contains(t.name());
    match tests.len() {
        0 => "",
        1 if has(Test::Paired) => " [paired 95 % CI]",
        1 if has(Test::Environments) => " [95 % CI across environments]",
        1 => " [Welch 95 % CI]",
        _ if has(Test::Environments) => {
            " [95 % CI across environments, Welch where an outcome has none]"
        }
        _ => " [paired 95 % CI, Welch where no pairs]",
    }
}

/// Which direction of a metric is better, as a sentence after its meaning
/// (" Higher is better."), empty when neither is.
pub(crate) fn better_sentence(m: &crate::metrics::Metric) -> &'static str {
    match m.better.larger() {
        Some(true) => " Higher is better.",
        Some(false) => " Lower is better.",
        None => "",
    }
}

/// An outcome's heading in a report: its name and unit, then what it means
/// and which direction is better.
fn outcome_heading(outcome: &str) -> String {
    match crate::metrics::metric(outcome) {
        Some(m) => {
            let better = better_sentence(m);
            format!(
                "### `{outcome}` ({})\n\n{}.{better}\n\n",
                m.unit,
                m.meaning.trim_end_matches('.')
            )
        }
        None => format!("### `{outcome}`\n\n"),
    }
}

/// What the differences, intervals and marks of a comparison's report are,
/// in one sentence.
pub fn contrast_legend(plan: &Plan) -> String {
    let interval = if plan.environments.len() > 1 {
        format!(
            "95 % CI across the {} environments: t on each environment's mean difference (its replicates averaged)",
            plan.environments.len()
        )
    } else if plan.paired_runs() {
        "paired 95 % CI of the per-replicate differences (common random numbers)".into()
    } else if plan.common_random_numbers {
        "Welch 95 % CI; the files' seeds differ, so their runs are not paired".into()
    } else {
        "Welch 95 % CI".into()
    };
    format!(
        "difference from the baseline [{interval}], * when that CI excludes 0; then in % of the baseline's mean (its absolute value) [95 % interval of the relative difference, delta method]"
    )
}

/// How many differences are marked, and how many keep p < 0.05 after Holm's
/// adjustment, with what chance alone would mark.
pub fn significance_summary(plan: &Plan, acc: &CompareAccumulator) -> String {
    let n = acc.family_size(WINDOW, plan.paired_runs());
    let contrasts = acc.contrasts(WINDOW, plan.paired_runs());
    if n == 0 {
        let identical = contrasts
            .iter()
            .flatten()
            .flatten()
            .any(Contrast::is_identical);
        return if identical {
            "No difference could be tested: every variant equals the baseline in every pair (its overrides do not touch these outcomes)."
        } else {
            "No difference could be tested: an interval and a p-value need at least 2 replicates (with [uncertainty], 2 environments)."
        }
        .into();
    }
    let all: Vec<&Contrast> = contrasts.iter().flatten().flatten().collect();
    let marked = all.iter().filter(|c| c.excludes_zero()).count();
    let holm = all
        .iter()
        .filter(|c| c.p_holm.is_some_and(|p| p < 0.05))
        .count();
    format!(
        "{marked} of {} have a 95 % CI that excludes 0; {holm} keep p < 0.05 after Holm's adjustment for all {n} at once (`p_holm` in comparison.csv). Without any real effect, about {} in {n} would be marked by chance alone.",
        count(n as u64, "difference"),
        sig4((0.05 * n as f64).max(0.0))
            .trim_end_matches('0')
            .trim_end_matches('.')
    )
}

/// The robustness of every variant and outcome (window measure) across the
/// sampled environments, for outcomes with a direction: (variant, outcome,
/// robustness). Empty without `[uncertainty]`.
pub fn robustness_rows(plan: &Plan, acc: &CompareAccumulator) -> Vec<(String, String, Robustness)> {
    if plan.environments.len() < 2 {
        return vec![];
    }
    let mut rows = vec![];
    for (a, variant) in plan.variants.iter().enumerate().skip(1) {
        for (o, outcome) in plan.outcomes.iter().enumerate() {
            let direction = crate::metrics::larger_is_better(outcome);
            if direction.is_none() {
                continue;
            }
            let r = acc.robustness(a, o, WINDOW, direction, plan.meaningful_difference);
            rows.push((variant.name.clone(), outcome.clone(), r));
        }
    }
    rows
}

/// "better in 7 of 10, worse in 1; varies by environment (p 0.003)" for a
/// robustness row.
pub fn robustness_words(r: &Robustness) -> String {
    let counts = format!(
        "better in {} of {}, worse in {}",
        r.count(r.share_better),
        r.environments,
        r.count(r.share_worse)
    );
    match heterogeneity_words(r.heterogeneity_p) {
        words if words.is_empty() => counts,
        words => format!("{counts}; {words}"),
    }
}

/// Whether the environments' differences spread more than replicate noise:
/// "varies by environment (p 0.003)", "spread within replicate noise (p
/// 0.62)"
/// (at the 5 % level), empty without a test.
pub fn heterogeneity_words(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.05 => format!("varies by environment (p {})", p_text(Some(p))),
        Some(p) => format!("spread within replicate noise (p {})", p_text(Some(p))),
        None => String::new(),
    }
}

/// The robustness section of a comparison's report.md (empty without
/// `[uncertainty]`).
fn robustness_section(plan: &Plan, acc: &CompareAccumulator) -> String {
    let rows = robustness_rows(plan, acc);
    if rows.is_empty() {
        return String::new();
    }
    let mut md = format!(
        "## Robustness across {} sampled environments\n\nIn how many environments each variant is better, and worse, than the baseline over the last {} months, counting only differences larger than {} of the baseline's mean (`[compare] meaningful_difference`); smallest and largest difference across environments; and whether the differences vary between environments more than replicate noise alone would make them (an F test; robustness.csv). Each environment's difference is a mean over its replicates: where it is within replicate noise, the better and worse counts and the spread may be noise too.\n\n| variant | outcome | better | worse | smallest difference | largest difference | spread |\n|---|---|---|---|---|---|---|\n",
        plan.environments.len(),
        plan.window_months,
        percent(Some(plan.meaningful_difference)).trim_start_matches('+')
    );
    for (variant, outcome, r) in rows {
        md.push_str(&format!(
            "| {variant} | `{outcome}` | {} of {} | {} | {} | {} | {} |\n",
            r.count(r.share_better),
            r.environments,
            r.count(r.share_worse),
            sig4(r.min),
            sig4(r.max),
            match heterogeneity_words(r.heterogeneity_p) {
                words if words.is_empty() => "—".to_string(),
                words => words,
            }
        ));
    }
    md.push('\n');
    md
}

/// The name of a study's (first) scenario, `scenario.name`, as its charts
/// and report.html title it; the study's name (its directory) for a plan
/// without scenarios.
pub(super) fn plan_scenario_name(plan: &Plan) -> &str {
    plan.scenarios
        .first()
        .map_or(&plan.name, |s| &s.scenario.name)
}

/// A study report's title (the scenario's name as charts and report.html
/// show it, [`super::plot::scenario_name`], and the overrides) and lead
/// (what it compares or sweeps, [`lead`]), each followed by a blank line.
fn study_heading(plan: &Plan, manifest: &Value) -> String {
    let mut md = format!(
        "# {}{}\n\n",
        super::plot::scenario_name(manifest),
        overrides_note(&plan.overrides)
    );
    let lead = lead(manifest);
    if !lead.is_empty() {
        md.push_str(&format!("{}\n\n", spans_md(&lead)));
    }
    md
}

/// The report of a comparison: where its results come from
/// ([`provenance_md`] of `manifest`, the study's as
/// [`super::manifest::of_study`] makes it), each variant's difference from
/// the baseline over the window (paired CIs with common random numbers,
/// else Welch), with relative differences, a count of marked and
/// Holm-significant differences, robustness across environments (with
/// `[uncertainty]`), and the charts.
pub fn compare_report(
    plan: &Plan,
    manifest: &Value,
    acc: &CompareAccumulator,
    charts: &[String],
) -> String {
    let mut md = study_heading(plan, manifest);
    md.push_str(&provenance_md(manifest));
    if let Some(t) = &plan.target_ci {
        md.push_str(&t.sentence());
        md.push_str("\n\n");
    }
    if plan.burn_in_policy == crate::study::spec::BurnInPolicy::Baseline {
        md.push_str("Every variant was set up and burnt in under its file's base scenario; its own policy takes effect at month 0 (`burn_in_policy = \"baseline\"`).\n\n");
    }
    let untested = plan.environments.len() <= 1 && plan.replicates < 2;
    if untested {
        // No interval and no test: the legend would describe columns left
        // empty.
        md.push_str(&format!(
            "## Differences from the baseline\n\nPer outcome, each variant's mean over the last {} months and its difference from the baseline, from one replicate: no 95 % CI and no p-value. Every value, with more digits and the final month too, is in comparison.csv.\n\n{}\n\n",
            plan.window_months,
            significance_summary(plan, acc)
        ));
    } else {
        md.push_str(&format!(
            "## Differences from the baseline\n\nPer outcome, each variant's mean over the last {} months [95 % CI {}] and its {}. p: the two-sided p-value of the same test; p (Holm): adjusted by Holm's method for every variant × outcome at once. Every value, with more digits and the final month too, is in comparison.csv.\n\n{}\n\n",
            plan.window_months,
            if plan.environments.len() > 1 {
                "across the sampled environments"
            } else {
                "across replicates"
            },
            contrast_legend(plan),
            significance_summary(plan, acc)
        ));
    }
    let contrasts = acc.contrasts(WINDOW, plan.paired_runs());
    for (o, outcome) in plan.outcomes.iter().enumerate() {
        md.push_str(&outcome_heading(outcome));
        let column: Vec<Option<&Contrast>> = contrasts.iter().map(|row| row[o].as_ref()).collect();
        md.push_str(&if untested {
            "| variant | mean | difference | relative difference | p | p (Holm) |\n|---|---|---|---|---|---|\n".to_string()
        } else {
            format!(
                "| variant | mean [95 % CI] | difference{} | relative difference [95 %] | p | p (Holm) |\n|---|---|---|---|---|---|\n",
                interval_words(&column)
            )
        });
        for (a, (variant, contrast)) in plan.variants.iter().zip(&column).enumerate() {
            let mean = mean_ci(&acc.level(a, o, WINDOW).summary());
            let row = match contrast {
                Some(c) => format!(
                    "{mean} | {} | {} | {} | {}",
                    difference_cell(c),
                    percent_with_ci(c.relative, c.relative_ci),
                    p_text(c.p_value),
                    p_text(c.p_holm)
                ),
                None => format!("{mean} | — | — |  | "),
            };
            md.push_str(&format!("| {} | {row} |\n", variant.name));
        }
        md.push('\n');
    }
    md.push_str(&robustness_section(plan, acc));
    for c in charts {
        md.push_str(&format!("![{c}]({c})\n\n"));
    }
    md
}

/// For each outcome of a sweep, the point with the best and the worst mean
/// over the window (by the metric's direction; largest and smallest for a
/// neutral metric): (outcome, best point, worst point).
pub fn sweep_extremes(plan: &Plan, acc: &CompareAccumulator) -> Vec<(String, usize, usize)> {
    crate::study::analysis::sweep_extremes(plan, acc, WINDOW)
}

/// A swept value as shown in a report: a number with more than six
/// significant digits (a Latin hypercube's 0.12490494694804778) to four, as
/// [`sig4`]; anything else as written. The CSV files keep every digit.
pub fn shown_value(v: &str) -> String {
    // Significant digits: leading zeros ("0.000", "007") do not count.
    let digits = v
        .trim_start_matches(['-', '+'])
        .trim_start_matches(['0', '.'])
        .chars()
        .filter(char::is_ascii_digit)
        .count();
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && digits > 6 && !v.contains(['e', 'E']) => sig4(x),
        _ => v.to_string(),
    }
}

/// A sweep point's parameter values as `key=value, ...`.
pub fn point_label(plan: &Plan, point: usize) -> String {
    plan.parameters
        .iter()
        .zip(super::csv::point_values(plan, point))
        .map(|(k, v)| format!("{k}={}", shown_value(&v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The report of `grassroots sweep`: where its results come from
/// ([`provenance_md`] of `manifest`, the study's as
/// [`super::manifest::of_study`] makes it), each point's mean of every
/// outcome over the window with its 95 % CI, the best and worst point per
/// outcome, and the charts.
pub fn sweep_report(
    plan: &Plan,
    manifest: &Value,
    acc: &CompareAccumulator,
    points: Option<&PointReplicates>,
    charts: &[String],
) -> String {
    let mut md = study_heading(plan, manifest);
    md.push_str(&format!(
        "{}Mean over the last {} months {}.\n\n",
        provenance_md(manifest),
        plan.window_months,
        if plan.replicates < 2 {
            "(one replicate: no 95 % CI)"
        } else {
            "[95 % CI across replicates]"
        }
    ));
    // Points sharing seeds: differences paired by replicate (two points and
    // two replicates at least, else there are none).
    let paired = points;
    if paired.is_some() {
        md.push_str(
            "Every point ran on the same replicate seeds, so a difference between two points is known more precisely than each point's own interval suggests (from the point × replicate residuals, `sweep_differences.csv`). *± of any pair* is the half-width of 95 % intervals that hold for every pair of points at once (Tukey HSD): use it to compare many pairs, and for *best − worst*, a pair picked from the data. *± of one pre-chosen pair* holds only for a single pair chosen before seeing the results (the paired interval of best and worst alone is in `sweep_differences.csv`, `ci_low`, `ci_high`). Both assume the replicate noise is alike at every point. Best and worst are picked by their means, so with points that are much alike their difference is biased away from zero.

| outcome | best point | mean | worst point | mean | best − worst [95 % simultaneous CI] | ± of any pair | ± of one pre-chosen pair |
|---|---|---|---|---|---|---|---|
",
        );
    } else {
        md.push_str(
            "| outcome | best point | mean | worst point | mean |
|---|---|---|---|---|
",
        );
    }
    for (outcome, best, worst) in sweep_extremes(plan, acc) {
        let o = plan
            .outcomes
            .iter()
            .position(|x| *x == outcome)
            .unwrap_or(0);
        md.push_str(&format!(
            "| `{outcome}` | {} | {} | {} | {} |",
            point_label(plan, best),
            sig4(acc.level(best, o, WINDOW).mean()),
            point_label(plan, worst),
            sig4(acc.level(worst, o, WINDOW).mean())
        ));
        if let Some(t) = paired {
            let d = t.difference(best, worst, o, WINDOW);
            md.push_str(&match t.noise(o, WINDOW) {
                Some(n) => format!(
                    " {} | ± {} | ± {} |",
                    mean_ci(&n.simultaneous(&d)),
                    sig4(n.simultaneous_half_width),
                    sig4(n.difference_half_width)
                ),
                None => format!(" {} | | |", sig4(d.mean)),
            });
        }
        md.push('\n');
    }
    md.push_str("\n| point |");
    for p in &plan.parameters {
        md.push_str(&format!(" `{p}` |"));
    }
    for o in &plan.outcomes {
        md.push_str(&format!(" `{o}` |"));
    }
    md.push_str("\n|---|");
    md.push_str(&"---|".repeat(plan.parameters.len() + plan.outcomes.len()));
    md.push('\n');
    for a in 0..plan.variants.len() {
        md.push_str(&format!("| {a} |"));
        for v in super::csv::point_values(plan, a) {
            md.push_str(&format!(" {} |", shown_value(&v)));
        }
        for o in 0..plan.outcomes.len() {
            let cell = mean_ci(&acc.level(a, o, WINDOW).summary());
            md.push_str(&format!(" {cell} |"));
        }
        md.push('\n');
    }
    md.push('\n');
    for c in charts {
        md.push_str(&format!("![{c}]({c})\n\n"));
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_differences_carry_their_interval() {
        assert_eq!(
            percent_with_ci(Some(0.216), Some((0.172, 0.258))),
            "+21.6 % [+17.2, +25.8]"
        );
        assert_eq!(
            percent_with_ci(Some(1.87), Some((1.5, 2.2))),
            "+187 % [+150, +220]"
        );
        assert_eq!(percent_with_ci(Some(0.0), Some((0.0, 0.0))), "0 %");
        assert_eq!(
            percent_with_ci(Some(0.049), Some((-0.006, 0.104))),
            "+4.9 % [-0.6, +10.4]"
        );
        assert_eq!(percent_with_ci(Some(0.049), None), "+4.9 %");
        assert_eq!(percent(Some(-0.0002)), "0.0 %");
        assert_eq!(percent(Some(0.99962)), "+100 %");
        assert_eq!(
            percent_with_ci(Some(-0.003), Some((-0.005, -0.0004))),
            "-0.3 % [-0.5, 0.0]"
        );
        assert_eq!(percent_with_ci(None, Some((0.1, 0.2))), "—");
    }

    #[test]
    fn long_swept_values_are_shown_to_four_digits() {
        assert_eq!(shown_value("0.12490494694804778"), "0.1249");
        assert_eq!(shown_value("1234.5678901"), "1235");
        assert_eq!(shown_value("0.2"), "0.2");
        assert_eq!(shown_value("0.0000001234"), "0.0000001234");
        assert_eq!(shown_value("0.00012345678"), "0.0001235");
        assert_eq!(shown_value("12"), "12");
        assert_eq!(shown_value("election"), "election");
    }

    #[test]
    fn values_and_literals_are_shown_alike() {
        use serde_json::json;
        assert_eq!(literal_text("0.10"), "0.1");
        assert_eq!(value_text(&json!(0.1)), "0.1");
        assert_eq!(literal_text("2.00"), "2");
        assert_eq!(value_text(&json!(2.0)), "2");
        assert_eq!(literal_text("100_000"), "100000");
        assert_eq!(literal_text("\"scenario\""), "scenario");
        assert_eq!(value_text(&json!("scenario")), "scenario");
        assert_eq!(literal_text("\"\""), "\"\"");
        assert_eq!(value_text(&json!("")), "\"\"");
        assert_eq!(literal_text("true"), "true");
        assert_eq!(
            value_text(&json!({"uniform": [100, 200]})),
            "{ uniform = [100, 200] }"
        );
        assert_eq!(
            literal_text("{ uniform = [100, 200] }"),
            "{ uniform = [100, 200] }"
        );
        assert_eq!(value_text(&json!(["a", 1.5])), "[\"a\", 1.5]");
        assert_eq!(value_text(&json!(u64::MAX)), u64::MAX.to_string());
        assert_eq!(literal_text(" not toml "), "not toml");
        assert_eq!(setting_text("a.b", "0.30"), "a.b = 0.3");
    }

    #[test]
    fn four_significant_digits() {
        assert_eq!(sig4(1234.567), "1235");
        assert_eq!(sig4(0.012345), "0.01235");
        assert_eq!(sig4(-2.5), "-2.500");
        assert_eq!(sig4(0.0), "0");
        assert_eq!(sig4(f64::NAN), "");
        // Four digits down to 0.0001, then scientific: never "0.000006".
        assert_eq!(sig4(-0.00086462), "-0.0008646");
        assert_eq!(sig4(0.00010004), "0.0001000");
        assert_eq!(sig4(5.9943e-6), "5.994e-6");
        assert_eq!(sig4(-3.1e-5), "-3.100e-5");
    }
}
