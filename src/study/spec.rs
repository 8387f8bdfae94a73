//! The study sections of a scenario file: `[[variants]]`, `[compare]`,
//! `[sweep]` and `[uncertainty]` (`docs/studies.md`).
//!
//! Every key they name is a dotted parameter key validated like a key of the
//! file itself, with file, line and column in every message.

use crate::metrics::metric_index;
use crate::scenario::schema::{self, Kind};
use crate::scenario::validate::{
    Ctx, ScenarioErrors, as_integer, as_number, finish, override_value, sorted_overrides, suggest,
    table_of,
};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub use crate::scenario::schema::STUDY_SECTIONS;

/// A policy variant: a name and dotted-key overrides of the base scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantSpec {
    /// Name (letters, digits, `-`, `_`).
    pub name: String,
    /// Overrides as (dotted key, TOML literal), validated.
    pub overrides: Vec<(String, String)>,
}

/// How variants are compared.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareSpec {
    /// Metrics compared.
    pub outcomes: Vec<String>,
    /// Months at the end of the run averaged for the "window" measure.
    pub window_months: u32,
    /// Whether all variants use the same random streams per replicate.
    pub common_random_numbers: bool,
}

/// A numeric parameter's sampling range.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamRange {
    /// Dotted key.
    pub key: String,
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Whether the parameter takes integers (samples are rounded).
    pub integer: bool,
}

impl ParamRange {
    /// The TOML literal of the value at quantile `u` in [0, 1].
    pub fn literal_at(&self, u: f64) -> String {
        let x = self.low + u * (self.high - self.low);
        if self.integer {
            format!("{}", x.round() as i64)
        } else {
            format!("{x:?}")
        }
    }
}

/// The design of a parameter sweep.
#[derive(Debug, Clone, PartialEq)]
pub enum SweepDesign {
    /// Every combination of the listed values (keys in file order, last varies fastest).
    Grid(Vec<(String, Vec<String>)>),
    /// A Latin-hypercube sample of `samples` points from the ranges.
    LatinHypercube {
        /// Number of points.
        samples: u32,
        /// Ranges sampled.
        ranges: Vec<ParamRange>,
    },
}

/// Uncertain environment parameters, sampled to test robustness.
#[derive(Debug, Clone, PartialEq)]
pub struct UncertaintySpec {
    /// Number of sampled environments (Latin hypercube).
    pub samples: u32,
    /// Ranges of the uncertain parameters.
    pub ranges: Vec<ParamRange>,
}

/// Everything a scenario file says about studies.
#[derive(Debug, Clone, PartialEq)]
pub struct StudySpec {
    /// Policy variants (the base scenario is the implicit variant `baseline`).
    pub variants: Vec<VariantSpec>,
    /// Comparison settings.
    pub compare: CompareSpec,
    /// Sweep design, if any.
    pub sweep: Option<SweepDesign>,
    /// Uncertain environment, if any.
    pub uncertainty: Option<UncertaintySpec>,
}

impl Default for CompareSpec {
    fn default() -> Self {
        CompareSpec {
            outcomes: crate::metrics::with_role(crate::metrics::Role::Outcome)
                .into_iter()
                .map(String::from)
                .collect(),
            window_months: 12,
            common_random_numbers: true,
        }
    }
}

/// Name of the implicit variant that is the base scenario.
pub const BASELINE: &str = "baseline";

/// Read the study sections of scenario text.
pub fn parse_spec(text: &str, file: &str) -> Result<StudySpec, ScenarioErrors> {
    let mut ctx = Ctx {
        text,
        file,
        errors: Vec::new(),
    };
    let mut spec = StudySpec {
        variants: Vec::new(),
        compare: CompareSpec::default(),
        sweep: None,
        uncertainty: None,
    };
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        // Syntax errors are reported by the parameter parser.
        Err(_) => return Ok(spec),
    };
    for (key, value) in doc.get_ref().iter() {
        match key.get_ref().as_ref() {
            "variants" => read_variants(&mut ctx, value, &mut spec.variants),
            "compare" => read_compare(&mut ctx, value, &mut spec.compare),
            "sweep" => spec.sweep = read_sweep(&mut ctx, value),
            "uncertainty" => spec.uncertainty = read_uncertainty(&mut ctx, value),
            _ => {}
        }
    }
    if let Some(u) = &spec.uncertainty {
        for v in &spec.variants {
            for (k, _) in &v.overrides {
                if u.ranges.iter().any(|r| &r.key == k) {
                    let at = text.find(&format!("\"{k}\"")).unwrap_or(0);
                    ctx.error(
                        at,
                        Some(k.clone()),
                        format!("`{k}` is both a policy lever (set by variant `{}`) and an uncertain parameter; it can be only one", v.name),
                    );
                }
            }
        }
    }
    if ctx.errors.is_empty() {
        Ok(spec)
    } else {
        Err(finish(ctx))
    }
}

/// Most cells (variant × environment) a study may have. Each cell holds a
/// resolved scenario in the plan, in `plan.json` and in the manifest.
pub const MAX_CELLS: u64 = 100_000;

/// Most runs (cells × replicates) a study may have.
pub const MAX_RUNS: u64 = 1_000_000;

/// The number of points of a sweep design, computed without materialising
/// them; `None` when it exceeds `u64::MAX` (a grid multiplies its lists).
pub fn design_points(design: &SweepDesign) -> Option<u64> {
    match design {
        SweepDesign::Grid(axes) => axes
            .iter()
            .try_fold(1u64, |n, (_, values)| n.checked_mul(values.len() as u64)),
        SweepDesign::LatinHypercube { samples, .. } => Some(u64::from(*samples)),
    }
}

/// The shape of a study, known before its plan is built.
#[derive(Debug, Clone, Copy)]
pub enum Shape<'a> {
    /// A sweep: one variant per point of the design.
    Sweep(&'a SweepDesign),
    /// A comparison: variants (the baselines and their variants) × sampled environments.
    Compare {
        /// Variants.
        variants: u64,
        /// Sampled environments (1 without `[uncertainty]`).
        environments: u64,
    },
}

/// The size of a study that fits the caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StudySize {
    /// Variants (policy variants or sweep points).
    pub variants: u64,
    /// Environments.
    pub environments: u64,
    /// Cells: variants × environments, one resolved scenario each.
    pub cells: u64,
    /// Runs: cells × replicates.
    pub runs: u64,
}

/// The size of a study of `shape` with `replicates` replicates, computed
/// without building anything, or why it is refused: more than [`MAX_CELLS`]
/// cells or [`MAX_RUNS`] runs, with the figures and what to do.
pub fn study_size(shape: Shape<'_>, replicates: u32) -> Result<StudySize, String> {
    let replicates = u64::from(replicates);
    let split = "or split the study into several scenario files";
    let (variants, environments) = match shape {
        Shape::Sweep(design) => {
            let advice = match design {
                SweepDesign::Grid(_) => {
                    "use fewer values per key (a grid multiplies them) or a Latin hypercube (method = \"lhs\")"
                }
                SweepDesign::LatinHypercube { .. } => "use fewer samples",
            };
            let points = match design_points(design) {
                Some(n) if n <= MAX_CELLS => n,
                n => {
                    let shown = n
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| format!("more than {}", u64::MAX));
                    let factors = match design {
                        SweepDesign::Grid(axes) => {
                            let mut counts: Vec<String> =
                                axes.iter().map(|(_, v)| v.len().to_string()).collect();
                            if counts.len() > 6 {
                                counts.truncate(4);
                                counts.push("…".into());
                            }
                            format!(" ({} values of {} keys)", counts.join(" × "), axes.len())
                        }
                        SweepDesign::LatinHypercube { .. } => String::new(),
                    };
                    return Err(format!(
                        "the sweep has {shown} points{factors}; a study may have at most {MAX_CELLS} points: {advice}, {split}"
                    ));
                }
            };
            let runs = points * replicates;
            if runs > MAX_RUNS {
                return Err(format!(
                    "the sweep has {runs} runs ({points} points × {replicates} replicates); a study may have at most {MAX_RUNS} runs: use fewer replicates, {advice}, {split}"
                ));
            }
            (points, 1)
        }
        Shape::Compare {
            variants,
            environments,
        } => {
            let cells = variants.saturating_mul(environments);
            if cells > MAX_CELLS {
                return Err(format!(
                    "the comparison has {cells} cells ({variants} variants × {environments} environments), each a resolved scenario; a study may have at most {MAX_CELLS}: use fewer variants or fewer [uncertainty] samples, {split}"
                ));
            }
            let runs = cells * replicates;
            if runs > MAX_RUNS {
                return Err(format!(
                    "the comparison has {runs} runs ({cells} cells × {replicates} replicates); a study may have at most {MAX_RUNS} runs: use fewer replicates, variants or [uncertainty] samples, {split}"
                ));
            }
            (variants, environments)
        }
    };
    let cells = variants * environments;
    Ok(StudySize {
        variants,
        environments,
        cells,
        runs: cells * replicates,
    })
}

/// Checks of the study sections against the resolved scenario (with any
/// command-line overrides): an explicit `[compare] window_months` must fit in
/// the run (without one the window is 12 months or the whole run if shorter),
/// and the sweep and comparison must fit the caps on a study's cells and runs
/// ([`study_size`]), counted without building them.
pub fn check_with_scenario(
    spec: &mut StudySpec,
    scenario: &crate::scenario::Scenario,
    text: &str,
    file: &str,
) -> Result<(), ScenarioErrors> {
    let mut ctx = Ctx {
        text,
        file,
        errors: Vec::new(),
    };
    let doc = DeTable::parse(text).ok();
    let doc = doc.as_ref().map(|d| d.get_ref());
    let months = scenario.scenario.months;
    match find(doc, &["compare", "window_months"]) {
        Some((_, at)) if spec.compare.window_months > months => ctx.error(
            at,
            Some("compare.window_months".into()),
            format!(
                "{} months is longer than the run (scenario.months = {months}); give at most {months}",
                spec.compare.window_months
            ),
        ),
        Some(_) => {}
        None => spec.compare.window_months = spec.compare.window_months.min(months),
    }
    let replicates = scenario.scenario.replicates;
    if let Some(design) = &spec.sweep {
        if let Err(message) = study_size(Shape::Sweep(design), replicates) {
            let (key, at) = match design {
                SweepDesign::Grid(_) => ("sweep.grid", find(doc, &["sweep", "grid"]).map(|f| f.0)),
                SweepDesign::LatinHypercube { .. } => (
                    "sweep.samples",
                    find(doc, &["sweep", "samples"]).map(|f| f.1),
                ),
            };
            let at = at.or_else(|| find(doc, &["sweep"]).map(|f| f.0));
            ctx.error(at.unwrap_or(0), Some(key.into()), message);
        }
    }
    if !spec.variants.is_empty() || spec.uncertainty.is_some() {
        let shape = Shape::Compare {
            variants: 1 + spec.variants.len() as u64,
            environments: spec
                .uncertainty
                .as_ref()
                .map_or(1, |u| u64::from(u.samples)),
        };
        if let Err(message) = study_size(shape, replicates) {
            let (key, at) = match find(doc, &["uncertainty", "samples"]) {
                Some((_, at)) if spec.uncertainty.is_some() => ("uncertainty.samples", Some(at)),
                _ => ("variants", find(doc, &["variants"]).map(|f| f.0)),
            };
            ctx.error(at.unwrap_or(0), Some(key.into()), message);
        }
    }
    if ctx.errors.is_empty() {
        Ok(())
    } else {
        Err(finish(ctx))
    }
}

/// The offsets of the key at `path` in a document and of its value.
fn find(doc: Option<&DeTable<'_>>, path: &[&str]) -> Option<(usize, usize)> {
    let (last, inner) = path.split_last()?;
    let mut table = doc?;
    for name in inner {
        table = table.get(*name)?.get_ref().as_table()?;
    }
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == *last)
        .map(|(k, v)| (k.span().start, v.span().start))
}

fn read_variants(ctx: &mut Ctx<'_>, value: &Spanned<DeValue<'_>>, out: &mut Vec<VariantSpec>) {
    let Some(items) = value.get_ref().as_array() else {
        ctx.error(
            value.span().start,
            Some("variants".into()),
            "write each variant as a [[variants]] table with a `name`".into(),
        );
        return;
    };
    // Names seen so far: a set, so that many variants stay linear.
    let mut names: std::collections::HashSet<String> = out.iter().map(|v| v.name.clone()).collect();
    for item in items.iter() {
        let Some(table) = table_of(ctx, item, "variants") else {
            continue;
        };
        let name = match table
            .get("name")
            .map(|n| (n.get_ref().as_str(), n.span().start))
        {
            Some((Some(n), at)) => {
                let ok = !n.is_empty()
                    && n.len() <= 100
                    && n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if !ok {
                    ctx.error(
                        at,
                        Some("variants.name".into()),
                        format!("\"{n}\" must be 1–100 letters, digits, `-` or `_`"),
                    );
                    continue;
                }
                if n == BASELINE || !names.insert(n.to_string()) {
                    ctx.error(at, Some("variants.name".into()), format!("variant name \"{n}\" is used twice (\"{BASELINE}\" is the base scenario)"));
                    continue;
                }
                n.to_string()
            }
            _ => {
                ctx.error(
                    item.span().start,
                    Some("variants".into()),
                    "every [[variants]] needs a `name = \"...\"`".into(),
                );
                continue;
            }
        };
        let overrides = sorted_overrides(ctx, table, &["name", "description"])
            .into_iter()
            .map(|(_, k, l)| (k, l))
            .collect();
        out.push(VariantSpec { name, overrides });
    }
}

fn read_compare(ctx: &mut Ctx<'_>, value: &Spanned<DeValue<'_>>, out: &mut CompareSpec) {
    let Some(table) = table_of(ctx, value, "compare") else {
        return;
    };
    for (k, v) in table.iter() {
        let at = v.span().start;
        match k.get_ref().as_ref() {
            "outcomes" => {
                let Some(arr) = v.get_ref().as_array() else {
                    ctx.error(
                        at,
                        Some("compare.outcomes".into()),
                        "expected a list of metric names".into(),
                    );
                    continue;
                };
                let mut outcomes = Vec::new();
                for o in arr.iter() {
                    match o.get_ref().as_str() {
                        Some(name) if metric_index(name).is_some() => {
                            outcomes.push(name.to_string())
                        }
                        Some(name) => {
                            let hint = suggest(name, crate::metrics::names())
                                .map(|s| format!("; did you mean `{s}`?"))
                                .unwrap_or_else(|| "; `grassroots metrics` lists them".into());
                            ctx.error(
                                o.span().start,
                                Some("compare.outcomes".into()),
                                format!("unknown metric `{name}`{hint}"),
                            );
                        }
                        None => ctx.error(
                            o.span().start,
                            Some("compare.outcomes".into()),
                            "expected a metric name in quotes".into(),
                        ),
                    }
                }
                if outcomes.is_empty() {
                    ctx.error(
                        at,
                        Some("compare.outcomes".into()),
                        "name at least one metric".into(),
                    );
                } else {
                    out.outcomes = outcomes;
                }
            }
            "window_months" => match as_integer(v.get_ref()) {
                Some(n) if (1..=1200).contains(&n) => out.window_months = n as u32,
                _ => ctx.error(
                    at,
                    Some("compare.window_months".into()),
                    "expected an integer in 1 – 1200".into(),
                ),
            },
            "common_random_numbers" => match v.get_ref().as_bool() {
                Some(b) => out.common_random_numbers = b,
                None => ctx.error(
                    at,
                    Some("compare.common_random_numbers".into()),
                    "expected true or false".into(),
                ),
            },
            other => {
                let hint = suggest(
                    other,
                    ["outcomes", "window_months", "common_random_numbers"].into_iter(),
                )
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| {
                    "valid keys are outcomes, window_months, common_random_numbers".into()
                });
                ctx.error(
                    k.span().start,
                    Some(format!("compare.{other}")),
                    format!("unknown key `{other}` in [compare]; {hint}"),
                );
            }
        }
    }
}

fn read_samples(ctx: &mut Ctx<'_>, table: &DeTable<'_>, section: &str) -> Option<u32> {
    let v = table.get("samples")?;
    match as_integer(v.get_ref()) {
        Some(n) if (1..=1_000_000).contains(&n) => Some(n as u32),
        _ => {
            ctx.error(
                v.span().start,
                Some(format!("{section}.samples")),
                "expected an integer in 1 – 1000000".into(),
            );
            None
        }
    }
}

/// The parameter of a key a study varies, or an error at the key:
/// it must exist and must not be a `[scenario]` key.
fn varying_param(ctx: &mut Ctx<'_>, key: &str, key_at: usize) -> Option<&'static schema::Param> {
    let Some(param) = schema::find(key) else {
        let hint = suggest(key, schema::PARAMS.iter().map(|p| p.key))
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        ctx.error(
            key_at,
            Some(key.to_string()),
            format!("unknown parameter{hint}"),
        );
        return None;
    };
    if key.starts_with("scenario.") {
        ctx.error(
            key_at,
            Some(key.to_string()),
            "[scenario] keys cannot vary between runs of one study".into(),
        );
        return None;
    }
    Some(param)
}

fn read_ranges(ctx: &mut Ctx<'_>, value: &Spanned<DeValue<'_>>, section: &str) -> Vec<ParamRange> {
    let mut out = Vec::new();
    let Some(table) = table_of(ctx, value, section) else {
        return out;
    };
    let mut flat = Vec::new();
    flatten(table, "", &mut flat);
    for (key, key_at, v) in flat {
        let at = v.span().start;
        let Some(param) = varying_param(ctx, &key, key_at) else {
            continue;
        };
        let integer = match param.kind {
            Kind::Real { .. } => false,
            Kind::Integer { .. } => true,
            _ => {
                ctx.error(
                    key_at,
                    Some(key),
                    "only numeric parameters can be sampled from a range".into(),
                );
                continue;
            }
        };
        let bounds = v
            .get_ref()
            .as_array()
            .filter(|a| a.len() == 2)
            .and_then(|a| {
                Some((
                    as_number(a.first()?.get_ref())?,
                    as_number(a.get(1)?.get_ref())?,
                ))
            });
        let Some((low, high)) = bounds.filter(|(l, h)| l <= h) else {
            ctx.error(at, Some(key), "expected [low, high] with low ≤ high".into());
            continue;
        };
        let range = ParamRange {
            key: key.clone(),
            low,
            high,
            integer,
        };
        let mut ok = true;
        for u in [0.0, 1.0] {
            if let Err(m) = override_value(&key, &range.literal_at(u)) {
                ctx.error(at, Some(key.clone()), m);
                ok = false;
                break;
            }
        }
        if ok {
            out.push(range);
        }
    }
    out
}

fn flatten<'a, 'i>(
    table: &'a DeTable<'i>,
    prefix: &str,
    out: &mut Vec<(String, usize, &'a Spanned<DeValue<'i>>)>,
) {
    for (k, v) in table.iter() {
        let key = if prefix.is_empty() {
            k.get_ref().to_string()
        } else {
            format!("{prefix}.{}", k.get_ref())
        };
        match v.get_ref().as_table() {
            Some(inner) if schema::find(&key).is_none() => flatten(inner, &key, out),
            _ => out.push((key, k.span().start, v)),
        }
    }
    if prefix.is_empty() {
        out.sort_by_key(|f| f.1); // file order
    }
}

fn read_sweep(ctx: &mut Ctx<'_>, value: &Spanned<DeValue<'_>>) -> Option<SweepDesign> {
    let table = table_of(ctx, value, "sweep")?;
    for (k, _) in table.iter() {
        let name = k.get_ref().as_ref();
        if !["method", "samples", "grid", "ranges"].contains(&name) {
            let hint = suggest(name, ["method", "samples", "grid", "ranges"].into_iter())
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| "valid keys are method, samples, grid, ranges".into());
            ctx.error(
                k.span().start,
                Some(format!("sweep.{name}")),
                format!("unknown key `{name}` in [sweep]; {hint}"),
            );
        }
    }
    let method = match table.get("method") {
        None => "grid".to_string(),
        Some(m) => match m.get_ref().as_str() {
            Some(s @ ("grid" | "lhs")) => s.to_string(),
            _ => {
                ctx.error(
                    m.span().start,
                    Some("sweep.method".into()),
                    "expected \"grid\" or \"lhs\" (Latin hypercube)".into(),
                );
                return None;
            }
        },
    };
    if method == "grid" {
        let Some(grid) = table.get("grid") else {
            ctx.error(
                value.span().start,
                Some("sweep.grid".into()),
                "a grid sweep needs [sweep.grid] with a list of values per key".into(),
            );
            return None;
        };
        let grid_table = table_of(ctx, grid, "sweep.grid")?;
        let mut flat = Vec::new();
        flatten(grid_table, "", &mut flat);
        let mut axes = Vec::new();
        for (key, key_at, v) in flat {
            if varying_param(ctx, &key, key_at).is_none() {
                continue;
            }
            let Some(values) = v.get_ref().as_array().filter(|a| !a.is_empty()) else {
                ctx.error(
                    v.span().start,
                    Some(key),
                    "expected a non-empty list of values".into(),
                );
                continue;
            };
            let mut literals = Vec::new();
            for x in values.iter() {
                let literal = ctx.text[x.span()].trim().to_string();
                match override_value(&key, &literal) {
                    Ok(_) => literals.push(literal),
                    Err(m) => ctx.error(x.span().start, Some(key.clone()), m),
                }
            }
            axes.push((key, literals));
        }
        if axes.is_empty() && grid_table.is_empty() {
            ctx.error(
                grid.span().start,
                Some("sweep.grid".into()),
                "name at least one key".into(),
            );
            return None;
        }
        Some(SweepDesign::Grid(axes))
    } else {
        let samples = read_samples(ctx, table, "sweep");
        let ranges = required_ranges(ctx, table, value, "sweep", "a Latin-hypercube sweep")?;
        let Some(samples) = samples else {
            ctx.error(
                value.span().start,
                Some("sweep.samples".into()),
                "a Latin-hypercube sweep needs `samples = N`".into(),
            );
            return None;
        };
        (!ranges.is_empty()).then_some(SweepDesign::LatinHypercube { samples, ranges })
    }
}

fn read_uncertainty(ctx: &mut Ctx<'_>, value: &Spanned<DeValue<'_>>) -> Option<UncertaintySpec> {
    let table = table_of(ctx, value, "uncertainty")?;
    for (k, _) in table.iter() {
        let name = k.get_ref().as_ref();
        if !["samples", "ranges"].contains(&name) {
            ctx.error(
                k.span().start,
                Some(format!("uncertainty.{name}")),
                format!("unknown key `{name}` in [uncertainty]; valid keys are samples, ranges"),
            );
        }
    }
    let samples = read_samples(ctx, table, "uncertainty").unwrap_or(10);
    let ranges = required_ranges(ctx, table, value, "uncertainty", "[uncertainty]")?;
    (!ranges.is_empty()).then_some(UncertaintySpec { samples, ranges })
}

/// The `[<section>.ranges]` table, which `who` needs.
fn required_ranges(
    ctx: &mut Ctx<'_>,
    table: &DeTable<'_>,
    value: &Spanned<DeValue<'_>>,
    section: &str,
    who: &str,
) -> Option<Vec<ParamRange>> {
    let key = format!("{section}.ranges");
    match table.get("ranges") {
        Some(r) => Some(read_ranges(ctx, r, &key)),
        None => {
            ctx.error(
                value.span().start,
                Some(key.clone()),
                format!("{who} needs [{key}] with [low, high] per key"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Result<StudySpec, String> {
        parse_spec(text, "e.toml").map_err(|e| e.to_string())
    }

    #[test]
    fn variants_accept_quoted_and_dotted_keys() {
        let s = spec(
            "[[variants]]\nname = \"mass\"\n\"incentive.mass_evaluation_weight\" = 0.6\nincentive.formal_weight = 0.1\n",
        )
        .unwrap();
        assert_eq!(s.variants.len(), 1);
        assert_eq!(
            s.variants[0].overrides,
            vec![
                (
                    "incentive.mass_evaluation_weight".to_string(),
                    "0.6".to_string()
                ),
                ("incentive.formal_weight".to_string(), "0.1".to_string())
            ]
        );
        assert_eq!(s.compare, CompareSpec::default());
    }

    #[test]
    fn variant_values_are_validated_with_positions() {
        let e = spec("[[variants]]\nname = \"x\"\n\"incentive.formal_weight\" = 2\n").unwrap_err();
        assert_eq!(
            e,
            "e.toml:3:29: incentive.formal_weight: 2 must be in [0, 1]"
        );
        let e =
            spec("[[variants]]\nname = \"x\"\n\"incentive.formal_weigth\" = 0.2\n").unwrap_err();
        assert!(e.contains("did you mean `incentive.formal_weight`"), "{e}");
        let e = spec("[[variants]]\n\"incentive.formal_weight\" = 0.2\n").unwrap_err();
        assert!(e.contains("needs a `name"), "{e}");
        let e = spec("[[variants]]\nname = \"baseline\"\n").unwrap_err();
        assert!(e.contains("used twice"), "{e}");
    }

    #[test]
    fn sweeps_read_grids_and_hypercubes() {
        let s = spec("[sweep.grid]\n\"supervision.mass_supervision\" = [0.05, 0.3]\n\"incentive.reward_rule\" = [\"rank\", \"threshold\"]\n").unwrap();
        let Some(SweepDesign::Grid(axes)) = s.sweep else {
            panic!()
        };
        assert_eq!(axes[1].1, vec!["\"rank\"", "\"threshold\""]);
        let s = spec(
            "[sweep]\nmethod = \"lhs\"\nsamples = 5\n[sweep.ranges]\n\"world.villages\" = [2, 9]\n",
        )
        .unwrap();
        let Some(SweepDesign::LatinHypercube { samples, ranges }) = s.sweep else {
            panic!()
        };
        assert_eq!(samples, 5);
        assert!(ranges[0].integer);
        let e = spec("[sweep]\nmethod = \"lhs\"\nsamples = 5\n[sweep.ranges]\n\"incentive.formal_weight\" = [0.5, 1.5]\n").unwrap_err();
        assert!(e.contains("must be in [0, 1]"), "{e}");
    }

    #[test]
    fn compare_settings_are_checked() {
        let s = spec("[compare]\noutcomes = [\"share_met\"]\nwindow_months = 6\ncommon_random_numbers = false\n").unwrap();
        assert_eq!(s.compare.outcomes, vec!["share_met"]);
        assert!(!s.compare.common_random_numbers);
        let e = spec("[compare]\noutcomes = [\"share_mett\"]\n").unwrap_err();
        assert!(e.contains("did you mean `share_met`"), "{e}");
    }

    fn checked(text: &str) -> Result<StudySpec, String> {
        let scenario = crate::scenario::Scenario::from_toml(text, "e.toml").unwrap();
        let mut s = spec(text)?;
        check_with_scenario(&mut s, &scenario, text, "e.toml").map_err(|e| e.to_string())?;
        Ok(s)
    }

    #[test]
    fn the_window_must_fit_in_the_run() {
        let e = checked("[scenario]\nmonths = 24\n[compare]\nwindow_months = 100\n").unwrap_err();
        assert_eq!(
            e,
            "e.toml:4:17: compare.window_months: 100 months is longer than the run (scenario.months = 24); give at most 24"
        );
        let s = checked("[scenario]\nmonths = 24\n[compare]\nwindow_months = 24\n").unwrap();
        assert_eq!(s.compare.window_months, 24);
        // Without one, the window is 12 months or the whole of a shorter run.
        assert_eq!(
            checked("[scenario]\nmonths = 5\n")
                .unwrap()
                .compare
                .window_months,
            5
        );
        assert_eq!(
            checked("[scenario]\nmonths = 50\n")
                .unwrap()
                .compare
                .window_months,
            12
        );
    }

    #[test]
    fn studies_beyond_the_caps_are_refused_where_they_are_written() {
        let keys = [
            "incentive.formal_weight",
            "incentive.outcome_weight",
            "effort.noise",
            "supervision.mass_supervision",
            "training.rate",
            "crowding.material",
        ];
        let mut grid = String::from("[sweep.grid]\n");
        for k in keys {
            grid.push_str(&format!("\"{k}\" = [{}]\n", ["0.5"; 10].join(", ")));
        }
        let e = checked(&grid).unwrap_err();
        assert!(e.starts_with("e.toml:1:8: sweep.grid: the sweep has 1000000 points (10 × 10 × 10 × 10 × 10 × 10 values of 6 keys)"), "{e}");
        let e = checked("[scenario]\nreplicates = 2\n[sweep]\nmethod = \"lhs\"\nsamples = 600000\n[sweep.ranges]\n\"effort.noise\" = [0, 1]\n").unwrap_err();
        assert!(
            e.starts_with("e.toml:5:11: sweep.samples: the sweep has 600000 points"),
            "{e}"
        );
        let e = checked("[scenario]\nreplicates = 20\n[sweep]\nmethod = \"lhs\"\nsamples = 60000\n[sweep.ranges]\n\"effort.noise\" = [0, 1]\n").unwrap_err();
        assert!(
            e.contains("1200000 runs (60000 points × 20 replicates)"),
            "{e}"
        );
        let e = checked("[uncertainty]\nsamples = 60000\n[uncertainty.ranges]\n\"effort.noise\" = [0, 1]\n[[variants]]\nname = \"a\"\nincentive.formal_weight = 0.1\n").unwrap_err();
        assert!(e.starts_with("e.toml:2:11: uncertainty.samples: the comparison has 120000 cells (2 variants × 60000 environments)"), "{e}");
        assert!(checked("[sweep]\nmethod = \"lhs\"\nsamples = 1000\n[sweep.ranges]\n\"effort.noise\" = [0, 1]\n").is_ok());
    }

    #[test]
    fn a_key_cannot_be_both_lever_and_uncertainty() {
        let e = spec("[[variants]]\nname = \"a\"\n\"migration.wage_ratio\" = 1.0\n[uncertainty.ranges]\n\"migration.wage_ratio\" = [1.0, 3.0]\n").unwrap_err();
        assert!(e.contains("both a policy lever"), "{e}");
        let s = spec("[uncertainty]\nsamples = 4\n[uncertainty.ranges]\n\"migration.wage_ratio\" = [1.0, 3.0]\n").unwrap();
        assert_eq!(s.uncertainty.unwrap().samples, 4);
    }
}
