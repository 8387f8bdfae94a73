//! The study sections of a scenario file: `[[variants]]`, `[compare]`,
//! `[sweep]` and `[uncertainty]` (`docs/studies.md`).
//!
//! Every key they name is a dotted parameter key validated like a key of the
//! file itself, with file, line and column in every message.

pub use super::methods::{
    BASELINE, CalibrationSpec, ParamRange, SensitivityMethod, SensitivitySpec, TargetSpec,
};
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
    /// Smallest difference, relative to the baseline's mean, that counts as
    /// better or worse in `robustness.csv` (it does not remove replicate
    /// noise: see `Robustness::heterogeneity_p`).
    pub meaningful_difference: f64,
    /// Under which policy the county is set up and burnt in.
    pub burn_in_policy: BurnInPolicy,
}

/// Under which policy a study's variants are set up and burnt in
/// (`[compare] burn_in_policy`, `docs/studies.md`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BurnInPolicy {
    /// Each variant from the start: its county is set up and burnt in under
    /// its own policy, so variants already differ at month 0.
    #[default]
    Variant,
    /// Every variant is set up and burnt in under the base scenario of its
    /// file (the status quo); its own overrides take effect at month 0, as a
    /// `[[changes]]` at month 0, so month 0 reads the status quo in every
    /// variant and before/after readings compare like with like.
    Baseline,
}

impl BurnInPolicy {
    /// The name written in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            BurnInPolicy::Variant => "variant",
            BurnInPolicy::Baseline => "baseline",
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
    /// Global sensitivity analysis, if any (`[sensitivity]`).
    pub sensitivity: Option<SensitivitySpec>,
    /// Calibration, if any (`[calibration]`).
    pub calibration: Option<CalibrationSpec>,
}

/// Default `[compare] meaningful_difference`: 1 % of the baseline's mean.
pub const DEFAULT_MEANINGFUL_DIFFERENCE: f64 = 0.01;

impl Default for CompareSpec {
    fn default() -> Self {
        CompareSpec {
            outcomes: crate::metrics::with_role(crate::metrics::Role::Outcome)
                .into_iter()
                .map(String::from)
                .collect(),
            window_months: 12,
            common_random_numbers: true,
            meaningful_difference: DEFAULT_MEANINGFUL_DIFFERENCE,
            burn_in_policy: BurnInPolicy::Variant,
        }
    }
}

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
        sensitivity: None,
        calibration: None,
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
            "sensitivity" => spec.sensitivity = read_sensitivity(&mut ctx, value),
            "calibration" => spec.calibration = read_calibration(&mut ctx, value),
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
    check_variants(&mut ctx, &spec);
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
    if let Some(design) = &spec.sweep
        && let Err(message) = study_size(Shape::Sweep(design), replicates)
    {
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
    check_with_months(&mut ctx, spec, months, replicates);
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
                if !crate::scenario::is_valid_name(n) {
                    ctx.error(
                        at,
                        Some("variants.name".into()),
                        format!("\"{n}\" must be 1–100 ASCII letters, digits, `-` or `_`"),
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
        let overrides = sorted_overrides(ctx, table, &["name", "description"], "a [[variants]]")
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
                        Some(name) if outcomes.iter().any(|x| x == name) => ctx.error(
                            o.span().start,
                            Some("compare.outcomes".into()),
                            format!("`{name}` is listed twice; list each outcome once (a repeat would be reported, and counted in Holm's adjustment, twice)"),
                        ),
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
                if arr.is_empty() {
                    ctx.error(
                        at,
                        Some("compare.outcomes".into()),
                        "name at least one metric".into(),
                    );
                } else if !outcomes.is_empty() {
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
            "meaningful_difference" => match as_number(v.get_ref()) {
                Some(x) if (0.0..=1.0).contains(&x) => out.meaningful_difference = x,
                _ => ctx.error(
                    at,
                    Some("compare.meaningful_difference".into()),
                    "expected a number in 0 – 1 (a share of the baseline's mean, e.g. 0.01 for 1 %)"
                        .into(),
                ),
            },
            "burn_in_policy" => match v.get_ref().as_str() {
                Some("variant") => out.burn_in_policy = BurnInPolicy::Variant,
                Some("baseline") => out.burn_in_policy = BurnInPolicy::Baseline,
                _ => ctx.error(
                    at,
                    Some("compare.burn_in_policy".into()),
                    "expected \"variant\" (set up and burn in each variant under its own policy) or \"baseline\" (under the base scenario; the variant's policy starts at month 0)".into(),
                ),
            },
            other => {
                const KEYS: [&str; 5] = [
                    "outcomes",
                    "window_months",
                    "common_random_numbers",
                    "meaningful_difference",
                    "burn_in_policy",
                ];
                let hint = suggest(other, KEYS.into_iter())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("valid keys are {}", KEYS.join(", ")));
                ctx.error(
                    k.span().start,
                    Some(format!("compare.{other}")),
                    format!("unknown key `{other}` in [compare]; {hint}"),
                );
            }
        }
    }
}

/// `samples` of `[sweep]` or `[uncertainty]`: at least 2, since one sampled
/// point is a single run at a random value, not a sweep or an uncertainty
/// analysis (`one` says what it would be instead).
fn read_samples(ctx: &mut Ctx<'_>, table: &DeTable<'_>, section: &str, one: &str) -> Option<u32> {
    let v = table.get("samples")?;
    if as_integer(v.get_ref()) == Some(1) {
        ctx.error(
            v.span().start,
            Some(format!("{section}.samples")),
            format!("expected an integer in 2 – 1000000: {one}"),
        );
        return None;
    }
    integer_in(ctx, table, section, "samples", (2, 1_000_000), 0)
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
    let flat = flatten_once(ctx, table, &format!("[{section}]"));
    for (key, key_at, v) in flat {
        let at = v.span().start;
        let Some(param) = varying_param(ctx, &key, key_at) else {
            continue;
        };
        let integer = match param.kind {
            Kind::Real { .. } => false,
            Kind::Integer { .. } => true,
            kind => {
                let what = match kind {
                    Kind::Count { .. } => "a count per village (a number or a distribution)",
                    Kind::Switch => "true or false",
                    Kind::Choice(_) => "a choice of words",
                    _ => "text",
                };
                let instead = if section.starts_with("sweep") || section.starts_with("sensitivity")
                {
                    "list its values in a [sweep.grid] instead"
                } else {
                    "set it in the scenario, or compare its values as [[variants]]"
                };
                ctx.error(
                    key_at,
                    Some(key),
                    format!("only real and integer parameters can be sampled from [low, high], and this one is {what}; {instead}"),
                );
                continue;
            }
        };
        if v.get_ref().as_str() == Some("assumption") {
            match param.assumption_range() {
                Some((low, high)) => out.push(ParamRange {
                    key,
                    low,
                    high,
                    integer,
                }),
                None => ctx.error(
                    at,
                    Some(key),
                    "this parameter has no assumption range in `grassroots params` (its source is evidence); give [low, high]".into(),
                ),
            }
            continue;
        }
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
            ctx.error(
                at,
                Some(key),
                "expected [low, high] with low < high, or \"assumption\" for the range in `grassroots params`".into(),
            );
            continue;
        };
        if low == high {
            ctx.error(
                at,
                Some(key),
                format!(
                    "the {}range [{low}, {high}] is empty; give low < high (to fix the parameter, set it in the scenario instead)",
                    if section.starts_with("calibration") { "prior " } else { "" }
                ),
            );
            continue;
        }
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

/// The keys of a table of parameters, flattened in file order, each once
/// (a key given twice is reported and its second value dropped).
fn flatten_once<'a, 'i>(
    ctx: &mut Ctx<'_>,
    table: &'a DeTable<'i>,
    section: &str,
) -> Vec<(String, usize, &'a Spanned<DeValue<'i>>)> {
    let mut flat = Vec::new();
    flatten(table, "", &mut flat);
    let keep = ctx.first_of_each(flat.iter().map(|f| (f.0.as_str(), f.1)), section);
    flat.into_iter()
        .zip(keep)
        .filter_map(|(f, keep)| keep.then_some(f))
        .collect()
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
    unknown_keys(
        ctx,
        table,
        "sweep",
        &["method", "samples", "grid", "ranges"],
    );
    let method = match table.get("method") {
        None if table.contains_key("samples") || table.contains_key("ranges") => {
            let at = table
                .get("ranges")
                .or_else(|| table.get("samples"))
                .map_or(value.span().start, |v| v.span().start);
            ctx.error(
                at,
                Some("sweep.method".into()),
                "`samples` and [sweep.ranges] belong to a Latin-hypercube sweep: add `method = \"lhs\"` to [sweep], or list values in [sweep.grid] for a grid".into(),
            );
            return None;
        }
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
    // A table of the other method would be ignored without a word.
    let foreign: &[&str] = if method == "grid" {
        &["samples", "ranges"]
    } else {
        &["grid"]
    };
    for name in foreign {
        if let Some(v) = table.get(*name) {
            ctx.error(
                v.span().start,
                Some(format!("sweep.{name}")),
                format!("`{name}` is not read by method = \"{method}\"; remove it, or set the method that uses it (grid: [sweep.grid]; lhs: samples and [sweep.ranges])"),
            );
        }
    }
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
        let flat = flatten_once(ctx, grid_table, "[sweep.grid]");
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
            let mut seen: Vec<toml::Value> = Vec::new();
            for x in values.iter() {
                let literal = ctx.text[x.span()].trim().to_string();
                match override_value(&key, &literal) {
                    Ok(v) if seen.contains(&v) => ctx.error(
                        x.span().start,
                        Some(key.clone()),
                        format!("{literal} is listed twice; list each value once (a repeated point would count twice in sensitivity.csv)"),
                    ),
                    Ok(v) => {
                        seen.push(v);
                        literals.push(literal);
                    }
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
        let samples = read_samples(
            ctx,
            table,
            "sweep",
            "one point of a Latin hypercube is a single run at a random value of each key",
        );
        let ranges = required_ranges(
            ctx,
            table,
            value,
            "sweep",
            "a Latin-hypercube sweep",
            "parameter to vary, with [low, high] or \"assumption\"",
        )?;
        let Some(samples) = samples else {
            // A `samples` that is there but wrong has had its own error.
            if !table.contains_key("samples") {
                ctx.error(
                    value.span().start,
                    Some("sweep.samples".into()),
                    "a Latin-hypercube sweep needs `samples = N`".into(),
                );
            }
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
    let samples = read_samples(
        ctx,
        table,
        "uncertainty",
        "one sampled environment runs every variant at a single random draw of the ranges, which propagates no uncertainty",
    )
    .unwrap_or(10);
    let ranges = required_ranges(
        ctx,
        table,
        value,
        "uncertainty",
        "[uncertainty]",
        "uncertain parameter, with [low, high] or \"assumption\"",
    )?;
    (!ranges.is_empty()).then_some(UncertaintySpec { samples, ranges })
}

/// The `[<section>.ranges]` table, which `who` needs, naming at least one
/// `what` (an empty table is reported here; each bad entry has its own error).
fn required_ranges(
    ctx: &mut Ctx<'_>,
    table: &DeTable<'_>,
    value: &Spanned<DeValue<'_>>,
    section: &str,
    who: &str,
    what: &str,
) -> Option<Vec<ParamRange>> {
    let key = format!("{section}.ranges");
    match table.get("ranges") {
        Some(r) => {
            let ranges = read_ranges(ctx, r, &key);
            if ranges.is_empty() {
                none_named(ctx, table, value, section, "ranges", what);
            }
            Some(ranges)
        }
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

// ---- [sensitivity] and [calibration] ----

fn unknown_keys(ctx: &mut Ctx<'_>, table: &DeTable<'_>, section: &str, valid: &[&str]) {
    for (k, _) in table.iter() {
        let name = k.get_ref().as_ref();
        if !valid.contains(&name) {
            let hint = suggest(name, valid.iter().copied())
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| format!("valid keys are {}", valid.join(", ")));
            ctx.error(
                k.span().start,
                Some(format!("{section}.{name}")),
                format!("unknown key `{name}` in [{section}]; {hint}"),
            );
        }
    }
}

/// An integer key in `[low, high]`, or `default` when absent.
fn integer_in(
    ctx: &mut Ctx<'_>,
    table: &DeTable<'_>,
    section: &str,
    key: &str,
    (low, high): (i64, i64),
    default: u32,
) -> Option<u32> {
    let Some(v) = table.get(key) else {
        return Some(default);
    };
    match as_integer(v.get_ref()) {
        Some(n) if (low..=high).contains(&n) => Some(n as u32),
        _ => {
            ctx.error(
                v.span().start,
                Some(format!("{section}.{key}")),
                format!("expected an integer in {low} – {high}"),
            );
            None
        }
    }
}

fn names_list(ctx: &mut Ctx<'_>, v: &Spanned<DeValue<'_>>, key: &str) -> Vec<String> {
    let Some(items) = v.get_ref().as_array() else {
        ctx.error(
            v.span().start,
            Some(key.into()),
            "expected a list of [[variants]] names".into(),
        );
        return vec![];
    };
    let mut out = Vec::new();
    for item in items.iter() {
        match item.get_ref().as_str() {
            Some(name) => out.push(name.to_string()),
            None => ctx.error(
                item.span().start,
                Some(key.into()),
                "expected a variant name in quotes".into(),
            ),
        }
    }
    out
}

/// Read `[sensitivity]`.
fn read_sensitivity(ctx: &mut Ctx<'_>, value: &Spanned<DeValue<'_>>) -> Option<SensitivitySpec> {
    let table = table_of(ctx, value, "sensitivity")?;
    let valid = [
        "method",
        "trajectories",
        "levels",
        "samples",
        "bootstrap",
        "policies",
        "ranges",
    ];
    unknown_keys(ctx, table, "sensitivity", &valid);
    let method = match table.get("method") {
        None => "morris",
        Some(m) => match m.get_ref().as_str() {
            Some("morris") => "morris",
            Some("sobol") => "sobol",
            _ => {
                ctx.error(
                    m.span().start,
                    Some("sensitivity.method".into()),
                    "expected \"morris\" (elementary effects, for screening) or \"sobol\" (variance-based indices)".into(),
                );
                return None;
            }
        },
    };
    // A 95 % percentile interval from fewer resamples is little more than
    // their extremes (and none at all from 0).
    let bootstrap = integer_in(ctx, table, "sensitivity", "bootstrap", (100, 100_000), 200);
    let method = if method == "morris" {
        let trajectories = integer_in(ctx, table, "sensitivity", "trajectories", (2, 100_000), 10);
        let mut levels = integer_in(ctx, table, "sensitivity", "levels", (2, 100), 4);
        if let (Some(p), Some(v)) = (levels, table.get("levels"))
            && p % 2 == 1
        {
            ctx.error(
                    v.span().start,
                    Some("sensitivity.levels".into()),
                    format!("{p} levels: give an even number (the step Δ = p / (2 (p − 1)) must be a whole number of grid steps), e.g. 4"),
                );
            levels = None;
        }
        if let Some(v) = table.get("samples") {
            ctx.error(
                v.span().start,
                Some("sensitivity.samples".into()),
                "`samples` sets a Sobol design; Morris takes `trajectories` and `levels` (or set method = \"sobol\")".into(),
            );
        }
        match (trajectories, levels) {
            (Some(trajectories), Some(levels)) => Some(SensitivityMethod::Morris {
                trajectories,
                levels,
            }),
            _ => None,
        }
    } else {
        for key in ["trajectories", "levels"] {
            if let Some(v) = table.get(key) {
                ctx.error(
                    v.span().start,
                    Some(format!("sensitivity.{key}")),
                    format!("`{key}` sets a Morris design; Sobol takes `samples` (base rows N)"),
                );
            }
        }
        let samples = integer_in(ctx, table, "sensitivity", "samples", (2, 1_000_000), 64);
        samples.map(|samples| SensitivityMethod::Sobol { samples })
    };
    let policies = match table.get("policies") {
        Some(v) => names_list(ctx, v, "sensitivity.policies"),
        None => vec![],
    };
    // Read on after a bad method setting, so every problem is reported at once.
    let ranges = required_ranges(
        ctx,
        table,
        value,
        "sensitivity",
        "[sensitivity]",
        "parameter to vary, with [low, high] or \"assumption\"",
    )?;
    if let Some(p) = policies
        .iter()
        .enumerate()
        .find(|(i, p)| policies[..*i].contains(p))
        .map(|(_, p)| p)
    {
        let at = table
            .get("policies")
            .map_or(value.span().start, |v| v.span().start);
        ctx.error(
            at,
            Some("sensitivity.policies".into()),
            format!("`{p}` is named twice; name each policy once"),
        );
    }
    if ranges.is_empty() {
        return None;
    }
    if matches!(method, Some(SensitivityMethod::Morris { .. })) {
        for r in ranges.iter().filter(|r| r.integer) {
            let at = quoted_key_at(ctx, &r.key, value.span().start);
            ctx.error(
                at,
                Some(r.key.clone()),
                "an integer parameter moves by rounded steps, which Morris's elementary effects do not allow for; use method = \"sobol\" or a [sweep] grid".into(),
            );
        }
    }
    let method = method?;
    if matches!(method, SensitivityMethod::Sobol { .. }) && ranges.len() == 1 {
        let at = quoted_key_at(ctx, &ranges[0].key, value.span().start);
        ctx.error(
            at,
            Some(ranges[0].key.clone()),
            "a Sobol design of one factor says only that it explains all the variance (S = S_T = 1 by definition): name two factors or more, or show how the outcome depends on this one with a [sweep] grid".into(),
        );
        return None;
    }
    let most = super::sensitivity::SOBOL_MAX_DIMS / 2;
    if matches!(method, SensitivityMethod::Sobol { .. }) && ranges.len() > most {
        let at = table
            .get("ranges")
            .map_or(value.span().start, |r| r.span().start);
        ctx.error(
            at,
            Some("sensitivity.ranges".into()),
            format!("a Sobol design takes at most {most} factors, here {}: screen them with method = \"morris\" first and keep the influential ones", ranges.len()),
        );
        return None;
    }
    Some(SensitivitySpec {
        method,
        bootstrap: bootstrap?,
        ranges,
        policies,
    })
}

/// Read `[calibration]`.
fn read_calibration(ctx: &mut Ctx<'_>, value: &Spanned<DeValue<'_>>) -> Option<CalibrationSpec> {
    let table = table_of(ctx, value, "calibration")?;
    let valid = [
        "particles",
        "generations",
        "quantile",
        "parameters",
        "targets",
    ];
    unknown_keys(ctx, table, "calibration", &valid);
    let particles = integer_in(ctx, table, "calibration", "particles", (2, 100_000), 100);
    let generations = integer_in(ctx, table, "calibration", "generations", (1, 100), 4);
    let quantile = match table.get("quantile") {
        None => Some(0.2),
        Some(v) => match as_number(v.get_ref()) {
            Some(q) if q > 0.0 && q <= 1.0 => Some(q),
            _ => {
                ctx.error(
                    v.span().start,
                    Some("calibration.quantile".into()),
                    "expected the share of proposals kept, in (0, 1]".into(),
                );
                None
            }
        },
    };
    let parameters = match table.get("parameters") {
        Some(r) => read_ranges(ctx, r, "calibration.parameters"),
        None => {
            ctx.error(
                value.span().start,
                Some("calibration.parameters".into()),
                "a calibration needs [calibration.parameters] with the prior range [low, high] of each parameter".into(),
            );
            return None;
        }
    };
    if parameters.is_empty() {
        none_named(
            ctx,
            table,
            value,
            "calibration",
            "parameters",
            "parameter to calibrate, with its prior range [low, high]",
        );
    }
    for r in &parameters {
        if r.integer {
            let at = quoted_key_at(ctx, &r.key, value.span().start);
            ctx.error(
                at,
                Some(r.key.clone()),
                "integer parameters cannot be calibrated (a proposal's value would be rounded away); calibrate a real-valued parameter, or compare the integer's values in a [sweep]".into(),
            );
            continue;
        }
        if r.low >= r.high {
            let at = quoted_key_at(ctx, &r.key, value.span().start);
            ctx.error(
                at,
                Some(r.key.clone()),
                format!(
                    "the prior range [{}, {}] is empty; give low < high",
                    r.low, r.high
                ),
            );
        }
    }
    let targets = match table.get("targets") {
        Some(t) => read_targets(ctx, t)?,
        None => {
            ctx.error(
                value.span().start,
                Some("calibration.targets".into()),
                "a calibration needs at least one [[calibration.targets]] with metric, value and sd".into(),
            );
            return None;
        }
    };
    if parameters.is_empty() || targets.is_empty() {
        return None;
    }
    Some(CalibrationSpec {
        parameters,
        targets,
        particles: particles?,
        generations: generations?,
        quantile: quantile?,
    })
}

fn read_targets(ctx: &mut Ctx<'_>, value: &Spanned<DeValue<'_>>) -> Option<Vec<TargetSpec>> {
    let Some(items) = value.get_ref().as_array() else {
        ctx.error(
            value.span().start,
            Some("calibration.targets".into()),
            "write each target as a [[calibration.targets]] table".into(),
        );
        return None;
    };
    if items.is_empty() {
        ctx.error(
            value.span().start,
            Some("calibration.targets".into()),
            "name at least one target: a [[calibration.targets]] with metric, value and sd".into(),
        );
        return None;
    }
    let mut out = Vec::new();
    let valid = ["metric", "months", "value", "sd", "variant", "source"];
    for item in items.iter() {
        let Some(t) = table_of(ctx, item, "calibration.targets") else {
            continue;
        };
        unknown_keys(ctx, t, "calibration.targets", &valid);
        let at = item.span().start;
        let metric = match t.get("metric") {
            Some(m) => match m.get_ref().as_str() {
                Some(name) if metric_index(name).is_some() => Some(name.to_string()),
                Some(name) => {
                    let hint = suggest(name, crate::metrics::names())
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_else(|| "; `grassroots metrics` lists them".into());
                    ctx.error(
                        m.span().start,
                        Some("calibration.targets.metric".into()),
                        format!("unknown metric `{name}`{hint}"),
                    );
                    None
                }
                None => {
                    ctx.error(
                        m.span().start,
                        Some("calibration.targets.metric".into()),
                        "expected a metric name in quotes".into(),
                    );
                    None
                }
            },
            None => {
                ctx.error(
                    at,
                    Some("calibration.targets.metric".into()),
                    "every target needs `metric = \"...\"`".into(),
                );
                None
            }
        };
        let number = |ctx: &mut Ctx<'_>, key: &str, positive: bool| -> Option<f64> {
            match t.get(key) {
                Some(v) => match as_number(v.get_ref()) {
                    Some(x) if x.is_finite() && (!positive || x > 0.0) => Some(x),
                    _ => {
                        let what = if positive {
                            "a number > 0"
                        } else {
                            "a finite number"
                        };
                        ctx.error(
                            v.span().start,
                            Some(format!("calibration.targets.{key}")),
                            format!("expected {what}"),
                        );
                        None
                    }
                },
                None => {
                    ctx.error(
                        at,
                        Some(format!("calibration.targets.{key}")),
                        format!("every target needs `{key} = …`"),
                    );
                    None
                }
            }
        };
        let target_value = number(ctx, "value", false);
        let sd = number(ctx, "sd", true);
        let months = match t.get("months") {
            None => Some(None),
            Some(v) => {
                let pair = v
                    .get_ref()
                    .as_array()
                    .filter(|a| a.len() == 2)
                    .and_then(|a| {
                        Some((
                            as_integer(a.first()?.get_ref())?,
                            as_integer(a.get(1)?.get_ref())?,
                        ))
                    });
                match pair {
                    Some((a, b)) if 0 <= a && a <= b && b < 1200 => {
                        Some(Some((a as u32, b as u32)))
                    }
                    _ => {
                        ctx.error(
                            v.span().start,
                            Some("calibration.targets.months".into()),
                            "expected [first, last] months (from 0, first ≤ last)".into(),
                        );
                        None
                    }
                }
            }
        };
        let text = |ctx: &mut Ctx<'_>, key: &str| -> Option<Option<String>> {
            match t.get(key) {
                None => Some(None),
                Some(v) => match v.get_ref().as_str() {
                    Some(s) => Some(Some(s.to_string())),
                    None => {
                        ctx.error(
                            v.span().start,
                            Some(format!("calibration.targets.{key}")),
                            "expected text in quotes".into(),
                        );
                        None
                    }
                },
            }
        };
        let variant = text(ctx, "variant");
        let source = text(ctx, "source");
        if let (Some(metric), Some(value), Some(sd), Some(months), Some(variant), Some(source)) =
            (metric, target_value, sd, months, variant, source)
        {
            out.push(TargetSpec {
                metric,
                months,
                value,
                sd,
                variant: variant.filter(|v| v != BASELINE),
                source: source.unwrap_or_default(),
            });
        }
    }
    Some(out)
}

/// Checks across sections: the variants that `[sensitivity] policies` and
/// targets name exist, and none of them sets a parameter the analysis varies.
fn check_variants(ctx: &mut Ctx<'_>, spec: &StudySpec) {
    let find = |name: &str| spec.variants.iter().find(|v| v.name == name);
    let check = |ctx: &mut Ctx<'_>, name: &str, key: &str, varied: &[ParamRange]| {
        let at = quoted_key_at(ctx, name, 0);
        match find(name) {
            None => {
                let known: Vec<&str> = spec.variants.iter().map(|v| v.name.as_str()).collect();
                let hint = if known.is_empty() {
                    "the file has no [[variants]]".to_string()
                } else {
                    format!("its [[variants]] are {}", known.join(", "))
                };
                ctx.error(
                    at,
                    Some(key.into()),
                    format!("no variant named `{name}`; {hint}"),
                );
            }
            Some(v) => {
                if let Some((k, _)) = v
                    .overrides
                    .iter()
                    .find(|(k, _)| varied.iter().any(|r| &r.key == k))
                {
                    ctx.error(
                        at,
                        Some(key.into()),
                        format!("variant `{name}` sets `{k}`, which the analysis varies; a parameter can be a policy lever or a factor, not both"),
                    );
                }
            }
        }
    };
    if let Some(s) = &spec.sensitivity {
        for p in &s.policies {
            check(ctx, p, "sensitivity.policies", &s.ranges);
        }
    }
    if let Some(c) = &spec.calibration {
        for t in &c.targets {
            if let Some(v) = &t.variant {
                check(ctx, v, "calibration.targets.variant", &c.parameters);
            }
        }
    }
}

/// Checks against the resolved scenario: target windows fit in the run, and
/// the designs fit the caps on a study's cells and runs.
fn check_with_months(ctx: &mut Ctx<'_>, spec: &StudySpec, months: u32, replicates: u32) {
    let doc = DeTable::parse(ctx.text).ok();
    let at = |path: &[&str]| {
        find(doc.as_ref().map(|d| d.get_ref()), path)
            .map(|f| f.0)
            .unwrap_or(0)
    };
    let cap = |ctx: &mut Ctx<'_>, what: &str, cells: u64, key: &str, at: usize, advice: &str| {
        let runs = cells.saturating_mul(u64::from(replicates));
        if cells > MAX_CELLS || runs > MAX_RUNS {
            ctx.error(
                at,
                Some(key.into()),
                format!(
                    "the {what} has {cells} cells ({runs} runs with {replicates} replicates); a study may have at most {MAX_CELLS} cells and {MAX_RUNS} runs: {advice}"
                ),
            );
        }
    };
    if let Some(s) = &spec.sensitivity {
        let cells = s.points().saturating_mul(1 + s.policies.len() as u64);
        let (key, advice) = match s.method {
            SensitivityMethod::Morris { .. } => (
                "sensitivity.trajectories",
                "use fewer trajectories, factors or policies",
            ),
            SensitivityMethod::Sobol { .. } => (
                "sensitivity.samples",
                "use fewer samples, factors or policies",
            ),
        };
        cap(
            ctx,
            "sensitivity analysis",
            cells,
            key,
            at(&["sensitivity"]),
            advice,
        );
    }
    if let Some(c) = &spec.calibration {
        let cells = c.proposals().saturating_mul(c.arms().len() as u64);
        cap(
            ctx,
            "calibration generation",
            cells,
            "calibration.particles",
            at(&["calibration"]),
            "use fewer particles or a larger quantile",
        );
        // Where each target's `months` value is written.
        let spans: Vec<Option<usize>> = doc
            .as_ref()
            .and_then(|d| d.get_ref().get("calibration"))
            .and_then(|c| c.get_ref().as_table())
            .and_then(|c| c.get("targets"))
            .and_then(|t| t.get_ref().as_array())
            .map(|items| {
                items
                    .iter()
                    .map(|i| {
                        i.get_ref()
                            .as_table()
                            .and_then(|t| t.get("months"))
                            .map(|m| m.span().start)
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (i, t) in c.targets.iter().enumerate() {
            if let Some((_, last)) = t.months
                && last >= months
            {
                let offset = spans.get(i).copied().flatten();
                ctx.error(
                        offset.unwrap_or_else(|| at(&["calibration"])),
                        Some("calibration.targets.months".into()),
                        format!(
                            "target `{}` ends at month {last}, after the run's last month {} (scenario.months = {months}); months count from 0",
                            t.label(),
                            months.saturating_sub(1)
                        ),
                    );
            }
        }
    }
}

/// Where `"key"` is first written in the file (or `fallback`).
fn quoted_key_at(ctx: &Ctx<'_>, key: &str, fallback: usize) -> usize {
    ctx.text.find(&format!("\"{key}\"")).unwrap_or(fallback)
}

/// Report `[section.key]` naming nothing ("name at least one {what}"), at
/// its line (or the section's, if it is missing): unless it has entries,
/// each of which had its own error.
fn none_named(
    ctx: &mut Ctx<'_>,
    table: &DeTable<'_>,
    value: &Spanned<DeValue<'_>>,
    section: &str,
    key: &str,
    what: &str,
) {
    if has_entries(table, key) {
        return;
    }
    let at = table
        .get(key)
        .map_or(value.span().start, |v| v.span().start);
    ctx.error(
        at,
        Some(format!("{section}.{key}")),
        format!("name at least one {what}"),
    );
}

/// Whether `table.key` is a table with at least one entry.
fn has_entries(table: &DeTable<'_>, key: &str) -> bool {
    table
        .get(key)
        .and_then(|v| v.get_ref().as_table())
        .is_some_and(|t| !t.is_empty())
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

    /// What a sweep would otherwise ignore or run twice is refused, at its line.
    #[test]
    fn sweeps_refuse_what_they_would_ignore_or_repeat() {
        let cases = [
            (
                "[sweep]\nmethod = \"lhs\"\nsamples = 5\n[sweep.ranges]\n",
                "e.toml:4:1: sweep.ranges: name at least one parameter to vary",
            ),
            (
                "[sweep]\nmethod = \"lhs\"\nsamples = 5\n[sweep.ranges]\n\"effort.noise\" = [0.1, 0.3]\n[sweep.grid]\n\"effort.noise\" = [0.1]\n",
                "e.toml:6:1: sweep.grid: `grid` is not read by method = \"lhs\"",
            ),
            (
                "[sweep]\nmethod = \"grid\"\nsamples = 3\n[sweep.grid]\n\"effort.noise\" = [0.1, 0.2]\n",
                "e.toml:3:11: sweep.samples: `samples` is not read by method = \"grid\"",
            ),
            (
                "[sweep]\nsamples = 5\n[sweep.ranges]\n\"effort.noise\" = [0.1, 0.3]\n",
                "sweep.method: `samples` and [sweep.ranges] belong to a Latin-hypercube sweep: add `method = \"lhs\"`",
            ),
            (
                "[sweep.grid]\n\"effort.noise\" = [0.1, 0.10, 0.2]\n",
                "e.toml:2:24: effort.noise: 0.10 is listed twice",
            ),
            (
                "[sweep]\nmethod = \"lhs\"\nsamples = 4\n[sweep.ranges]\n\"effort.noise\" = [0.2, 0.2]\n",
                "e.toml:5:18: effort.noise: the range [0.2, 0.2] is empty; give low < high",
            ),
            (
                "[sweep]\nmethod = \"lhs\"\nsamples = 4\n[sweep.ranges]\n\"selection.successor\" = [0, 1]\n",
                "this one is a choice of words; list its values in a [sweep.grid] instead",
            ),
            (
                "[[variants]]\nname = \"x\"\n\"effort.noise\" = 0.2\n[uncertainty]\nsamples = 3\n[uncertainty.ranges]\n",
                "e.toml:6:1: uncertainty.ranges: name at least one uncertain parameter",
            ),
        ];
        for (text, expected) in cases {
            let e = spec(text).unwrap_err();
            assert!(e.contains(expected), "{text}\n{e}");
        }
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
            let values: Vec<String> = (0..10).map(|i| format!("0.0{i}")).collect();
            grid.push_str(&format!("\"{k}\" = [{}]\n", values.join(", ")));
        }
        let e = checked(&grid).unwrap_err();
        assert!(e.starts_with("e.toml:1:8: sweep.grid: the sweep has 1000000 points (10 × 10 × 10 × 10 × 10 × 10 values of 6 keys)"), "{e}");
        // Counted in full, not stopped at u32::MAX.
        let e = checked("[calibration]\nparticles = 100000\nquantile = 0.000001\n[calibration.parameters]\n\"effort.noise\" = [0.0, 0.3]\n[[calibration.targets]]\nmetric = \"share_met\"\nvalue = 0.7\nsd = 0.05\n").unwrap_err();
        assert!(e.contains("has 100000000000 cells"), "{e}");
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
    fn assumption_stands_for_the_parameters_stated_range() {
        let s = spec("[uncertainty]\nsamples = 4\n[uncertainty.ranges]\n\"effort.attention\" = \"assumption\"\n").unwrap();
        let r = &s.uncertainty.unwrap().ranges[0];
        assert_eq!((r.low, r.high), (0.05, 0.5));
        // A value from a cited figure has no assumption range.
        let e = spec("[uncertainty]\nsamples = 4\n[uncertainty.ranges]\n\"funds.audit_effect\" = \"assumption\"\n").unwrap_err();
        assert!(
            e.contains("e.toml:4:24: funds.audit_effect: this parameter has no assumption range"),
            "{e}"
        );
    }

    #[test]
    fn sensitivity_and_calibration_sections_are_read_and_checked() {
        let s = spec("[[variants]]\nname = \"p\"\n\"incentive.formal_weight\" = 0.1\n[sensitivity]\nmethod = \"sobol\"\nsamples = 8\npolicies = [\"p\"]\n[sensitivity.ranges]\n\"effort.noise\" = [0.0, 0.3]\n\"training.skill_decay\" = [0.0, 0.02]\n").unwrap();
        let sens = s.sensitivity.unwrap();
        assert_eq!(sens.method, SensitivityMethod::Sobol { samples: 8 });
        assert_eq!((sens.bootstrap, sens.points()), (200, 32));
        let e = spec(
            "[sensitivity]\nlevels = 5\n[sensitivity.ranges]\n\"effort.noise\" = [0.0, 0.3]\n",
        )
        .unwrap_err();
        assert!(
            e.contains("e.toml:2:10: sensitivity.levels: 5 levels: give an even number"),
            "{e}"
        );
        let e = spec("[[variants]]\nname = \"p\"\n\"effort.noise\" = 0.1\n[sensitivity]\npolicies = [\"p\"]\n[sensitivity.ranges]\n\"effort.noise\" = [0.0, 0.3]\n").unwrap_err();
        assert!(
            e.contains("variant `p` sets `effort.noise`, which the analysis varies"),
            "{e}"
        );
        let c = spec("[calibration]\n[calibration.parameters]\n\"effort.noise\" = [0.0, 0.3]\n[[calibration.targets]]\nmetric = \"share_met\"\nvalue = 0.7\nsd = 0.05\n").unwrap().calibration.unwrap();
        assert_eq!((c.particles, c.generations, c.proposals()), (100, 4, 500));
        assert_eq!(c.targets[0].window(120), (108, 119));
        let e = spec("[calibration]\nquantile = 0\n[calibration.parameters]\n\"effort.noise\" = [0.3, 0.3]\n[[calibration.targets]]\nmetric = \"share_mett\"\nvalue = 0.7\nsd = 0.05\n").unwrap_err();
        assert!(
            e.contains("calibration.quantile: expected the share of proposals kept, in (0, 1]"),
            "{e}"
        );
        assert!(
            e.contains("effort.noise: the prior range [0.3, 0.3] is empty"),
            "{e}"
        );
        assert!(e.contains("did you mean `share_met`?"), "{e}");
    }

    #[test]
    fn a_key_cannot_be_both_lever_and_uncertainty() {
        let e = spec("[[variants]]\nname = \"a\"\n\"migration.wage_ratio\" = 1.0\n[uncertainty.ranges]\n\"migration.wage_ratio\" = [1.0, 3.0]\n").unwrap_err();
        assert!(e.contains("both a policy lever"), "{e}");
        let s = spec("[uncertainty]\nsamples = 4\n[uncertainty.ranges]\n\"migration.wage_ratio\" = [1.0, 3.0]\n").unwrap();
        assert_eq!(s.uncertainty.unwrap().samples, 4);
    }
}
