//! Validation of scenario text against the schema, with positions.

use super::Scenario;
use super::schema::{self, Kind, PARAMS, Param, SECTIONS, STUDY_SECTIONS};
use std::fmt;
use toml::de::{DeTable, DeValue};
use toml::{Spanned, Table, Value};

/// Where in a file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// File name as given by the user.
    pub file: String,
    /// 1-based line, 0 when the problem has no position (a command-line override).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// One problem in a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    /// Where it is.
    pub location: Location,
    /// The dotted key concerned, if any.
    pub key: Option<String>,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(k) => write!(f, "{}: {}: {}", self.location, k, self.message),
            None => write!(f, "{}: {}", self.location, self.message),
        }
    }
}

/// All problems found in a scenario, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioErrors {}

pub(crate) struct Ctx<'a> {
    pub(crate) text: &'a str,
    pub(crate) file: &'a str,
    pub(crate) errors: Vec<(usize, ScenarioError)>,
}

impl Ctx<'_> {
    fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .map(|l| l.chars().count())
            .unwrap_or(0)
            + 1;
        Location {
            file: self.file.to_string(),
            line,
            column,
        }
    }

    /// Report every key given more than once (e.g. as `"a.b" = …` and as a
    /// dotted `a.b = …`, which TOML keeps apart) in `section`; returns, per
    /// key in order, whether to keep it (its first appearance).
    pub(crate) fn first_of_each<'k>(
        &mut self,
        keys: impl IntoIterator<Item = (&'k str, usize)>,
        section: &str,
    ) -> Vec<bool> {
        let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let mut keep = Vec::new();
        for (key, at) in keys {
            match seen.get(key) {
                Some(&first) => {
                    let line = self.location(first).line;
                    self.error(
                        at,
                        Some(key.to_string()),
                        format!(
                            "`{key}` is given twice in {section} (first on line {line}); give each key once (a quoted \"{key}\" and a dotted {key} are the same key)"
                        ),
                    );
                    keep.push(false);
                }
                None => {
                    seen.insert(key, at);
                    keep.push(true);
                }
            }
        }
        keep
    }

    pub(crate) fn error(&mut self, offset: usize, key: Option<String>, message: String) {
        let location = self.location(offset);
        self.errors.push((
            offset,
            ScenarioError {
                location,
                key,
                message,
            },
        ));
    }
}

/// Whether `s` can name a scenario or a variant: 1–100 ASCII letters,
/// digits, `-` or `_` (it names output directories and files).
pub fn is_valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Reads the scenario a file builds on: given the `base` value and the
/// including file's name, returns the base's display name and text.
pub type BaseLoader<'a> = &'a dyn Fn(&str, &str) -> Result<(String, String), String>;

/// How many `base` files may be chained (a cycle is caught by name first;
/// this catches one whose files are named in different ways).
const MAX_BASE_DEPTH: usize = 32;

/// Parse, validate and resolve scenario text.
pub(crate) fn parse(
    text: &str,
    file: &str,
    overrides: &[(String, String)],
    loader: Option<BaseLoader<'_>>,
) -> Result<Scenario, ScenarioErrors> {
    let mut user = layered(text, file, loader, &mut Vec::new())?;
    let mut ctx = Ctx {
        text,
        file,
        errors: Vec::new(),
    };
    // An error of an override: no line in the file, so it sorts last.
    let override_error = |key: &str, message: String| {
        (
            usize::MAX,
            ScenarioError {
                location: Location {
                    file: format!("{file} (override)"),
                    line: 0,
                    column: 0,
                },
                key: Some(key.to_string()),
                message,
            },
        )
    };
    for (key, literal) in overrides {
        if key == "scenario.base" {
            ctx.errors.push(override_error(key, format!(
                "the file a scenario builds on cannot be set with --set; write `base = {}` under [scenario] in a scenario file (relative to that file)",
                if literal.starts_with('"') { literal.clone() } else { Value::String(literal.clone()).to_string() }
            )));
            continue;
        }
        match override_value(key, literal) {
            Ok(v) => {
                let param = schema::find(key).expect("checked by override_value");
                let section = user
                    .entry(param.section().to_string())
                    .or_insert_with(|| Value::Table(Table::new()));
                if let Value::Table(t) = section {
                    t.insert(param.name().to_string(), v);
                }
            }
            Err(message) => ctx.errors.push(override_error(key, message)),
        }
    }
    if !ctx.errors.is_empty() {
        return Err(finish(ctx));
    }

    let mut root = defaults_table();
    merge(&mut root, user);
    let scenario: Scenario = match Value::Table(root).try_into() {
        Ok(s) => s,
        Err(e) => {
            ctx.error(0, None, format!("internal schema mismatch: {e}"));
            return Err(finish(ctx));
        }
    };
    let mut scenario = scenario;
    match parse_changes(text, file, scenario.scenario.months) {
        Ok(changes) => scenario.changes = changes,
        Err(e) => return Err(e),
    }
    let doc = DeTable::parse(text).ok();
    cross_checks(&scenario, doc.as_ref().map(|d| d.get_ref()), &mut ctx);
    if ctx.errors.is_empty() {
        Ok(scenario)
    } else {
        Err(finish(ctx))
    }
}

/// `base` with `overrides` (dotted key, TOML literal) applied, each validated
/// like a key of a file, and the checks that involve several keys run again.
/// Problems are located at `origin` (no line: the overrides come from
/// elsewhere). Its cost does not depend on the size of any scenario file.
pub(crate) fn apply(
    base: &Scenario,
    overrides: &[(String, String)],
    origin: &str,
) -> Result<Scenario, ScenarioErrors> {
    let mut ctx = Ctx {
        text: "",
        file: origin,
        errors: Vec::new(),
    };
    let unlocated = |key: Option<String>, message: String| {
        (
            usize::MAX,
            ScenarioError {
                location: Location {
                    file: origin.to_string(),
                    line: 0,
                    column: 0,
                },
                key,
                message,
            },
        )
    };
    let mut root = match Value::try_from(base) {
        Ok(Value::Table(t)) => t,
        _ => {
            ctx.errors.push(unlocated(
                None,
                "internal error: the scenario does not serialise".into(),
            ));
            return Err(finish(ctx));
        }
    };
    for (key, literal) in overrides {
        if key == "scenario.base" {
            ctx.errors.push(unlocated(
                Some(key.clone()),
                "the file a scenario builds on cannot be overridden".into(),
            ));
            continue;
        }
        match override_value(key, literal) {
            Ok(v) => {
                let param = schema::find(key).expect("checked by override_value");
                if let Some(Value::Table(t)) = root.get_mut(param.section()) {
                    t.insert(param.name().to_string(), v);
                }
            }
            Err(message) => ctx.errors.push(unlocated(Some(key.clone()), message)),
        }
    }
    if !ctx.errors.is_empty() {
        return Err(finish(ctx));
    }
    let scenario: Scenario = match Value::Table(root).try_into() {
        Ok(s) => s,
        Err(e) => {
            ctx.errors
                .push(unlocated(None, format!("internal schema mismatch: {e}")));
            return Err(finish(ctx));
        }
    };
    let before = ctx.errors.len();
    cross_checks(&scenario, None, &mut ctx);
    for (offset, e) in &mut ctx.errors[before..] {
        *offset = usize::MAX;
        e.location.line = 0;
    }
    if ctx.errors.is_empty() {
        Ok(scenario)
    } else {
        Err(finish(ctx))
    }
}

/// Put every value of `upper` over `lower`, section by section.
fn merge(lower: &mut Table, upper: Table) {
    for (section, values) in upper {
        let target = lower
            .entry(section)
            .or_insert_with(|| Value::Table(Table::new()));
        if let (Value::Table(target), Value::Table(values)) = (target, values) {
            for (k, v) in values {
                target.insert(k, v);
            }
        }
    }
}

/// The validated values of a file, over those of the file it builds on.
fn layered(
    text: &str,
    file: &str,
    loader: Option<BaseLoader<'_>>,
    chain: &mut Vec<String>,
) -> Result<Table, ScenarioErrors> {
    chain.push(file.to_string());
    let (user, base) = overlay(text, file)?;
    let Some((base, offset)) = base.filter(|(b, _)| !b.is_empty()) else {
        return Ok(user);
    };
    let fail = |message: String| {
        let mut ctx = Ctx {
            text,
            file,
            errors: Vec::new(),
        };
        ctx.error(offset, Some("scenario.base".into()), message);
        finish(ctx)
    };
    if chain.len() > MAX_BASE_DEPTH {
        return Err(fail(format!(
            "more than {MAX_BASE_DEPTH} base files chained ({} → …); is there a cycle?",
            chain[..3].join(" → ")
        )));
    }
    let Some(load) = loader else {
        return Err(fail("a base file cannot be read here".into()));
    };
    let (base_name, base_text) = load(&base, file).map_err(fail)?;
    if let Some(first) = chain.iter().position(|f| *f == base_name) {
        return Err(fail(format!(
            "the base files form a cycle: {} → {base_name}; remove one of their `base` lines",
            chain[first..].join(" → ")
        )));
    }
    let mut merged = layered(&base_text, &base_name, loader, chain)?;
    // A description says what its own file is about: not inherited, so a
    // reform built on the baseline is not described as the baseline.
    let described = user
        .get("scenario")
        .and_then(Value::as_table)
        .is_some_and(|t| t.contains_key("description"));
    if !described && let Some(Value::Table(scenario)) = merged.get_mut("scenario") {
        scenario.remove("description");
    }
    merge(&mut merged, user);
    Ok(merged)
}

/// A TOML syntax error in words: a repeated section or key is named, with
/// what to do.
fn syntax_message(text: &str, offset: usize, message: &str) -> String {
    if message.starts_with("duplicate key") {
        let start = text[..offset.min(text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let line = text[start..].lines().next().unwrap_or("").trim();
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.split(']').next())
            && !header.starts_with('[')
        {
            let name = header.trim();
            return format!(
                "TOML syntax error: section [{name}] appears twice; write all its keys under one [{name}] (only [[variants]], [[changes]] and [[calibration.targets]] repeat)"
            );
        }
        let key = line.split('=').next().unwrap_or("").trim();
        if !key.is_empty() {
            return format!("TOML syntax error: `{key}` is set twice in this section; keep one");
        }
    }
    if message.starts_with("string values must be quoted")
        && let Some(advice) = slip_advice(text, offset)
    {
        return format!("TOML syntax error: {advice}");
    }
    format!("TOML syntax error: {message}")
}

/// What to write instead, for the parser's "string values must be quoted"
/// at `offset`, when its line is a plain `key = value`: no value, two
/// values, a number with a unit or a %, a bare word (advised by the key's
/// kind where the key is known). `None` where it cannot tell.
fn slip_advice(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next().unwrap_or("");
    // The `=` nearest before the error, and a plain key before it.
    let eq = line[..(offset - start).min(line.len())].rfind('=')?;
    let key = line[..eq].trim();
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    let quoted = key.len() >= 2
        && key.starts_with('"')
        && key.ends_with('"')
        && !key[1..key.len() - 1].contains('"');
    if !bare && !quoted {
        return None;
    }
    let value = line[eq + 1..].split('#').next().unwrap_or("").trim();
    let number = |v: &str| v.parse::<f64>().ok().filter(|x| x.is_finite());
    let tokens: Vec<&str> = value.split_whitespace().collect();
    if value.is_empty() {
        return Some(format!(
            "`{key}` has no value after `=`; give one (a number, true or false, or a word in quotes)"
        ));
    }
    if let Some(x) = value.strip_suffix('%').and_then(|v| number(v.trim())) {
        let share = format!("{:.10}", x / 100.0);
        let share = share.trim_end_matches('0').trim_end_matches('.');
        return Some(format!(
            "`{key} = {value}`: write a share as a plain number, without %: {key} = {share}"
        ));
    }
    if tokens.len() > 1 && number(tokens[0]).is_some() {
        return Some(if tokens.iter().all(|t| number(t).is_some()) {
            format!(
                "`{key} = {value}` holds more than one value; give one (a list is written [{}])",
                tokens.join(", ")
            )
        } else {
            format!(
                "`{key} = {value}`: a number is written without a unit or spaces: {key} = {}",
                tokens[0]
            )
        });
    }
    if value.starts_with(['"', '\'', '[', '{']) {
        return None;
    }
    // A bare word: quoting helps only a key that takes words.
    let dotted = key.trim_matches('"');
    let section = text[..start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(['[', ']']).trim().to_string());
    let param = schema::find(dotted).or_else(|| {
        section
            .as_deref()
            .and_then(|s| schema::find(&format!("{s}.{dotted}")))
    });
    Some(match param.map(|p| &p.kind) {
        Some(Kind::Real { .. } | Kind::Integer { .. } | Kind::Count { .. }) => format!(
            "`{key}` takes a number ({}), not `{value}`",
            param.map(|p| p.kind.range_text()).unwrap_or_default()
        ),
        Some(Kind::Switch) => format!("`{key}` takes true or false, not `{value}`"),
        _ => format!("string values must be quoted: write {key} = \"{value}\""),
    })
}

/// The validated values written in one file, and its `base` (value, offset).
fn overlay(text: &str, file: &str) -> Result<(Table, Option<(String, usize)>), ScenarioErrors> {
    let mut ctx = Ctx {
        text,
        file,
        errors: Vec::new(),
    };
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            let message = syntax_message(text, offset, e.message().trim());
            ctx.error(offset, None, message);
            return Err(finish(ctx));
        }
    };

    let mut user = Table::new();
    let mut base = None;
    for (section_key, section_value) in doc.get_ref().iter() {
        let section = section_key.get_ref().as_ref();
        if STUDY_SECTIONS.contains(&section) {
            continue; // read by `spec::parse_spec`
        }
        let Some(table) = section_value.get_ref().as_table() else {
            let hint = match PARAMS.iter().find(|p| p.name() == section) {
                Some(p) => format!(
                    "`{section}` must be written inside its section: [{}] {} = ...",
                    p.section(),
                    p.name()
                ),
                None => format!("expected a section such as [scenario]; {}", sections_hint()),
            };
            ctx.error(section_key.span().start, Some(section.to_string()), hint);
            continue;
        };
        if !SECTIONS.iter().any(|(s, _)| *s == section) {
            let known = SECTIONS
                .iter()
                .map(|(s, _)| *s)
                .chain(STUDY_SECTIONS.iter().copied());
            let message = match suggest(section, known) {
                Some(s) => format!("unknown section [{section}]; did you mean [{s}]?"),
                None => format!("unknown section [{section}]; {}", sections_hint()),
            };
            ctx.error(section_key.span().start, Some(section.to_string()), message);
            continue;
        }
        let mut resolved = Table::new();
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            let dotted = format!("{section}.{name}");
            let Some(param) = schema::find(&dotted) else {
                let message = unknown_key_message(section, name);
                ctx.error(key.span().start, Some(dotted), message);
                continue;
            };
            match check_value(param, value) {
                Ok(v) => {
                    if dotted == "scenario.base" {
                        base = v.as_str().map(|b| (b.to_string(), value.span().start));
                    }
                    resolved.insert(name.to_string(), v);
                }
                Err((offset, message)) => ctx.error(offset, Some(dotted), message),
            }
        }
        user.insert(section.to_string(), Value::Table(resolved));
    }
    if ctx.errors.is_empty() {
        Ok((user, base))
    } else {
        Err(finish(ctx))
    }
}

pub(crate) fn finish(mut ctx: Ctx<'_>) -> ScenarioErrors {
    ctx.errors.sort_by_key(|(offset, _)| *offset);
    ScenarioErrors(ctx.errors.into_iter().map(|(_, e)| e).collect())
}

fn sections_hint() -> String {
    let names: Vec<String> = SECTIONS
        .iter()
        .map(|(s, _)| format!("[{s}]"))
        .chain(STUDY_SECTIONS.iter().map(|s| format!("[{s}]")))
        .collect();
    format!("valid sections are {}", names.join(", "))
}

fn unknown_key_message(section: &str, name: &str) -> String {
    if let Some(p) = PARAMS
        .iter()
        .find(|p| p.name() == name && p.section() != section)
    {
        return format!(
            "unknown key `{name}` in [{section}]; `{name}` belongs in [{}]",
            p.section()
        );
    }
    let in_section = PARAMS.iter().filter(|p| p.section() == section);
    match suggest(name, in_section.clone().map(|p| p.name())) {
        Some(s) => format!("unknown key `{name}` in [{section}]; did you mean `{s}`?"),
        None => {
            let names: Vec<&str> = in_section.map(|p| p.name()).collect();
            format!(
                "unknown key `{name}` in [{section}]; valid keys are {}",
                names.join(", ")
            )
        }
    }
}

/// The candidate nearest to `word` by Levenshtein distance (on characters),
/// if it is near enough: the first of equally near ones.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = strsim::levenshtein(word, c);
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let (d, c) = best?;
    let limit = (word.chars().count().max(c.chars().count()) / 3).max(2);
    let prefix = c.starts_with(word) || word.starts_with(c);
    (d <= limit || prefix).then_some(c)
}

/// The table of all defaults, section by section.
fn defaults_table() -> Table {
    let mut root = Table::new();
    for (section, _) in SECTIONS {
        root.insert(section.to_string(), Value::Table(Table::new()));
    }
    for p in PARAMS {
        let value = literal_value(p.default).expect("schema default is a TOML literal");
        if let Some(Value::Table(t)) = root.get_mut(p.section()) {
            t.insert(p.name().to_string(), value);
        }
    }
    root
}

fn literal_value(literal: &str) -> Option<Value> {
    let doc: Table = toml::from_str(&format!("v = {literal}")).ok()?;
    doc.get("v").cloned()
}

/// Validate a `key = literal` override given outside the file.
pub(crate) fn override_value(key: &str, literal: &str) -> Result<Value, String> {
    let Some(param) = schema::find(key) else {
        return Err(unknown_override(key));
    };
    let text = format!("v = {literal}");
    let doc = match DeTable::parse(&text) {
        Ok(doc) => doc,
        // A bare word (`--set selection.successor=election`, the shell having
        // eaten any quotes) is read as the string it spells; for a key that
        // takes no string, say what it takes.
        Err(e) => return bare_word(param, literal, e.message().trim()),
    };
    let value = doc
        .get_ref()
        .get("v")
        .ok_or_else(|| format!("`{literal}` is not a TOML value"))?;
    if doc.get_ref().len() > 1 {
        // A line break in a `--set` value starts another key or table that
        // would otherwise be dropped without a word.
        return Err(format!(
            "`{}` holds more than one setting (a line break?); give one value per --set",
            literal.escape_debug()
        ));
    }
    check_value(param, value).map_err(|(_, m)| m)
}

/// Why an override's key is unknown, and the key meant if it can tell:
/// the right name in the wrong (or no, or an unknown) section, or a near
/// spelling.
fn unknown_override(key: &str) -> String {
    // The right name in the wrong (or no) section: name the section.
    let name = key.rsplit('.').next().unwrap_or(key);
    let same_name: Vec<String> = PARAMS
        .iter()
        .filter(|p| p.name() == name)
        .map(|p| format!("`{}`", p.key))
        .collect();
    // `world.enabled`: say that [world] has none before naming others.
    let given = key
        .rsplit_once('.')
        .map(|(section, _)| {
            if SECTIONS.iter().any(|(known, _)| *known == section) {
                format!("[{section}] has no `{name}`; ")
            } else if STUDY_SECTIONS.contains(&section) {
                format!(
                    "[{section}] describes a study, which `--set` cannot change (edit the file); "
                )
            } else {
                format!("there is no section [{section}]; ")
            }
        })
        .unwrap_or_default();
    match same_name.len() {
        0 => {}
        1..=3 => {
            return format!(
                "unknown key; {given}did you mean {}?",
                same_name.join(" or ")
            );
        }
        n => {
            return format!(
                "unknown key; {given}{n} sections have a key `{name}`: give one of them, e.g. {} (`grassroots params` lists them)",
                same_name[0]
            );
        }
    }
    let all = PARAMS.iter().map(|p| p.key);
    if let Some(s) = suggest(key, all) {
        return format!("unknown key; did you mean `{s}`?");
    }
    // A known section: name its keys (`training.frequency`: "[training]
    // has no `frequency`; its keys are enabled, rate, …").
    let section_keys: Vec<&str> = key
        .rsplit_once('.')
        .map(|(section, _)| {
            PARAMS
                .iter()
                .filter_map(|p| p.key.strip_prefix(section)?.strip_prefix('.'))
                .collect()
        })
        .unwrap_or_default();
    if section_keys.is_empty() {
        format!("unknown key; {given}`grassroots params` lists the valid keys")
    } else {
        format!(
            "unknown key; {given}its keys are {}",
            section_keys.join(", ")
        )
    }
}

/// Whether a key of this kind takes a string (free text, a name or a choice).
fn takes_text(kind: &Kind) -> bool {
    matches!(kind, Kind::Text | Kind::Name | Kind::Choice(_))
}

/// Whether an override is a plain word that the shell left unquoted
/// (`election`, `30%`, `my run`): no line break, quote, bracket, brace, `=`
/// or `#`, which would make it TOML gone wrong rather than a word.
fn plain_word(literal: &str) -> bool {
    !literal.is_empty()
        && !literal
            .chars()
            .any(|c| c.is_control() || "\"'[]{}=#".contains(c))
}

/// The TOML literal an override stands for: for a key that takes a string
/// or a choice, a plain word that is not itself a TOML value is the quoted
/// string it spells (`election` → `"election"`), and a TOML string is
/// written one way (`'election'` → `"election"`); anything else as given.
/// Every spelling is then one override, in plans and directory names alike.
pub fn override_literal(key: &str, literal: &str) -> String {
    if !schema::find(key).is_some_and(|p| takes_text(&p.kind)) {
        return literal.to_string();
    }
    match DeTable::parse(&format!("v = {literal}")) {
        // `'election'` and `"election"` alike: one way of writing it.
        Ok(doc) => match doc.get_ref().get("v").map(|v| v.get_ref()) {
            Some(DeValue::String(text)) if doc.get_ref().len() == 1 => {
                Value::String(text.to_string()).to_string()
            }
            _ => literal.to_string(),
        },
        Err(_) if plain_word(literal) => Value::String(literal.to_string()).to_string(),
        Err(_) => literal.to_string(),
    }
}

/// An override that is not a TOML literal: a plain word is read as the
/// string it spells, valid for a key that takes a string or a choice, and
/// for any other key the message says what it takes; anything else keeps
/// the TOML error.
fn bare_word(param: &Param, literal: &str, parse_error: &str) -> Result<Value, String> {
    let takes_text = takes_text(&param.kind);
    if literal.is_empty() {
        return Err(if takes_text {
            "no value after `=` (an empty string is `\"\"`)".into()
        } else {
            "no value after `=`".into()
        });
    }
    if literal.contains(['\n', '\r']) {
        return Err(format!(
            "`{}` spans more than one line; give one value per --set",
            literal.escape_debug()
        ));
    }
    let not_toml = || {
        let hint = if takes_text {
            format!(
                "; write it as a TOML string, {}={}, and quote the whole --set argument for your shell",
                param.key,
                Value::String(literal.to_string())
            )
        } else {
            String::new()
        };
        format!("`{literal}` is not a TOML value: {parse_error}{hint}")
    };
    if !plain_word(literal) {
        return Err(not_toml());
    }
    let quoted = format!("v = {}", Value::String(literal.to_string()));
    let Ok(doc) = DeTable::parse(&quoted) else {
        return Err(not_toml());
    };
    let Some(value) = doc.get_ref().get("v") else {
        return Err(not_toml());
    };
    let as_string = format!(", found a string {}", display_value(value.get_ref()));
    check_value(param, value).map_err(|(_, m)| match m.strip_suffix(&as_string) {
        Some(expected) => format!("{expected}, found `{literal}`"),
        None => m,
    })
}

pub(crate) fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

pub(crate) fn as_integer(v: &DeValue<'_>) -> Option<i64> {
    let i = v.as_integer()?;
    i64::from_str_radix(i.as_str(), i.radix()).ok()
}

pub(crate) fn as_number(v: &DeValue<'_>) -> Option<f64> {
    match v {
        DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
        DeValue::Integer(_) => as_integer(v).map(|i| i as f64),
        _ => None,
    }
}

type Check = Result<Value, (usize, String)>;

/// Check one value against its parameter's kind and range.
fn check_value(param: &Param, value: &Spanned<DeValue<'_>>) -> Check {
    let at = value.span().start;
    let v = value.get_ref();
    let shown = display_value(v);
    match param.kind {
        Kind::Real { min, max } => {
            let x = as_number(v).ok_or_else(|| {
                (
                    at,
                    format!("expected a number in [{min}, {max}], found {}", found(v)),
                )
            })?;
            if !x.is_finite() || x < min || x > max {
                return Err((at, format!("{shown} must be in [{min}, {max}]")));
            }
            Ok(Value::Float(x))
        }
        Kind::Integer { min, max } => {
            let i = as_integer(v).ok_or_else(|| {
                (
                    at,
                    format!("expected an integer in {min} – {max}, found {}", found(v)),
                )
            })?;
            if i < min || i > max {
                return Err((at, format!("{shown} must be an integer in {min} – {max}")));
            }
            Ok(Value::Integer(i))
        }
        Kind::Count { min, max } => check_count(v, at, min, max),
        Kind::Switch => v
            .as_bool()
            .map(Value::Boolean)
            .ok_or_else(|| (at, format!("expected true or false, found {}", found(v)))),
        Kind::Text => v
            .as_str()
            .map(|s| Value::String(s.to_string()))
            .ok_or_else(|| (at, format!("expected a string, found {}", found(v)))),
        Kind::Name => {
            let s = v
                .as_str()
                .ok_or_else(|| (at, format!("expected a quoted name, found {}", found(v))))?;
            if !is_valid_name(s) {
                return Err((
                    at,
                    format!(
                        "{shown} must be 1–100 ASCII letters, digits, `-` or `_` (it names the output directory)"
                    ),
                ));
            }
            Ok(Value::String(s.to_string()))
        }
        Kind::Choice(options) => {
            let listed = options
                .iter()
                .map(|o| format!("\"{o}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let s = v
                .as_str()
                .ok_or_else(|| (at, format!("expected one of {listed}, found {}", found(v))))?;
            if options.contains(&s) {
                Ok(Value::String(s.to_string()))
            } else {
                let hint = suggest(s, options.iter().copied())
                    .map(|o| format!("; did you mean \"{o}\"?"))
                    .unwrap_or_default();
                Err((at, format!("{shown} is not one of {listed}{hint}")))
            }
        }
    }
}

/// What was found instead of a valid value: its type and, for a single
/// value, the value (`a number 2.5`).
fn found(v: &DeValue<'_>) -> String {
    match v {
        DeValue::Array(_) | DeValue::Table(_) | DeValue::Datetime(_) => type_name(v).to_string(),
        _ => format!("{} {}", type_name(v), display_value(v)),
    }
}

fn display_value(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("\"{s}\""),
        DeValue::Integer(i) => i.to_string(),
        DeValue::Float(f) => f.as_str().to_string(),
        DeValue::Boolean(b) => b.to_string(),
        other => type_name(other).to_string(),
    }
}

fn check_count(v: &DeValue<'_>, at: usize, min: i64, max: i64) -> Check {
    let valid = format!(
        "expected an integer in {min} – {max}, or {{ uniform = [a, b] }}, {{ normal = [mean, sd] }} or {{ poisson = mean }}"
    );
    if let Some(i) = as_integer(v) {
        if i < min || i > max {
            return Err((at, format!("{i} must be an integer in {min} – {max}")));
        }
        return Ok(Value::Integer(i));
    }
    let Some(table) = v.as_table() else {
        return Err((at, format!("{valid}, found {}", found(v))));
    };
    if table.len() != 1 {
        return Err((at, format!("{valid}: give exactly one distribution")));
    }
    let (name, arg) = table.iter().next().expect("one entry");
    let arg_at = arg.span().start;
    let numbers = |n: usize| -> Result<Vec<f64>, (usize, String)> {
        let arr = arg.get_ref().as_array().ok_or_else(|| {
            (
                arg_at,
                format!("`{}` takes an array of {n} numbers", name.get_ref()),
            )
        })?;
        let xs: Option<Vec<f64>> = arr.iter().map(|x| as_number(x.get_ref())).collect();
        match xs {
            Some(xs) if xs.len() == n => Ok(xs),
            _ => Err((
                arg_at,
                format!("`{}` takes an array of {n} numbers", name.get_ref()),
            )),
        }
    };
    let (lo, hi) = (min as f64, max as f64);
    let mut out = Table::new();
    match name.get_ref().as_ref() {
        "uniform" => {
            let xs = numbers(2)?;
            let valid =
                xs.iter().all(|x| x.fract() == 0.0 && (lo..=hi).contains(x)) && xs[0] <= xs[1];
            if !valid {
                return Err((
                    arg_at,
                    format!("uniform = [a, b] needs integers {min} ≤ a ≤ b ≤ {max}"),
                ));
            }
            out.insert(
                "uniform".into(),
                Value::Array(vec![
                    Value::Integer(xs[0] as i64),
                    Value::Integer(xs[1] as i64),
                ]),
            );
        }
        "normal" => {
            let xs = numbers(2)?;
            // NaN fails every comparison, so test for what is valid.
            let valid = (lo..=hi).contains(&xs[0]) && xs[1].is_finite() && xs[1] >= 0.0;
            if !valid {
                return Err((
                    arg_at,
                    format!(
                        "normal = [mean, sd] needs finite numbers with {min} ≤ mean ≤ {max} and sd ≥ 0"
                    ),
                ));
            }
            out.insert(
                "normal".into(),
                Value::Array(vec![Value::Float(xs[0]), Value::Float(xs[1])]),
            );
        }
        "poisson" => {
            let m = as_number(arg.get_ref())
                .filter(|m| *m >= lo && *m <= hi)
                .ok_or_else(|| {
                    (
                        arg_at,
                        format!("poisson = mean needs a number in [{min}, {max}]"),
                    )
                })?;
            out.insert("poisson".into(), Value::Float(m));
        }
        other => {
            let hint = suggest(other, ["uniform", "normal", "poisson"].into_iter())
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            return Err((
                name.span().start,
                format!("unknown distribution `{other}`; {hint}{valid}"),
            ));
        }
    }
    Ok(Value::Table(out))
}

/// Checks that involve more than one key.
fn cross_checks(s: &Scenario, doc: Option<&DeTable<'_>>, ctx: &mut Ctx<'_>) {
    let w = &s.world;
    let shares = w.share_left_behind + w.share_business + w.share_difficulty;
    if shares > 1.0 + 1e-9 {
        let at = key_offset(doc, "world", "share_difficulty")
            .or_else(|| key_offset(doc, "world", "share_business"))
            .or_else(|| key_offset(doc, "world", "share_left_behind"))
            .unwrap_or(0);
        ctx.error(
            at,
            Some("world.share_left_behind + share_business + share_difficulty".into()),
            format!("the household type shares sum to {shares:.3}; they must sum to at most 1 (the rest are ordinary households)"),
        );
    }
}

fn key_offset(doc: Option<&DeTable<'_>>, section: &str, name: &str) -> Option<usize> {
    let table = doc?.get(section)?.get_ref().as_table()?;
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == name)
        .map(|(k, _)| k.span().start)
}

pub(crate) fn table_of<'a, 'i>(
    ctx: &mut Ctx<'_>,
    value: &'a Spanned<DeValue<'i>>,
    what: &str,
) -> Option<&'a DeTable<'i>> {
    let t = value.get_ref().as_table();
    if t.is_none() {
        ctx.error(
            value.span().start,
            Some(what.into()),
            format!("expected a table, found {}", type_name(value.get_ref())),
        );
    }
    t
}

/// The validated overrides of a table (all keys but `skip`), in file order,
/// each with the offset of its key.
pub(crate) fn sorted_overrides(
    ctx: &mut Ctx<'_>,
    table: &DeTable<'_>,
    skip: &[&str],
    section: &str,
) -> Vec<(usize, String, String)> {
    let mut found = Vec::new();
    let scenario_keys = if section.contains("[[changes]]") {
        "[scenario] keys cannot change during a run"
    } else {
        "[scenario] keys cannot vary between runs of one study"
    };
    read_overrides(ctx, table, "", skip, scenario_keys, &mut found);
    found.sort_by_key(|f| f.0);
    let keep = ctx.first_of_each(found.iter().map(|f| (f.1.as_str(), f.0)), section);
    found
        .into_iter()
        .zip(keep)
        .filter_map(|(f, keep)| keep.then_some(f))
        .collect()
}

/// Collect `key = value` settings, flattening dotted keys, as validated overrides.
fn read_overrides(
    ctx: &mut Ctx<'_>,
    table: &DeTable<'_>,
    prefix: &str,
    skip: &[&str],
    scenario_keys: &str,
    out: &mut Vec<(usize, String, String)>,
) {
    for (k, v) in table.iter() {
        let name = k.get_ref().as_ref();
        if prefix.is_empty() && skip.contains(&name) {
            continue;
        }
        let key = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        };
        if schema::find(&key).is_none()
            && let Some(inner) = v.get_ref().as_table()
        {
            read_overrides(ctx, inner, &key, &[], scenario_keys, out);
            continue;
        }
        if key.starts_with("scenario.") {
            ctx.error(k.span().start, Some(key), scenario_keys.into());
            continue;
        }
        let literal = ctx.text[v.span()].trim().to_string();
        match override_value(&key, &literal) {
            Ok(_) => out.push((k.span().start, key, literal)),
            Err(message) => {
                let at = if schema::find(&key).is_some() {
                    v.span().start
                } else {
                    k.span().start
                };
                ctx.error(at, Some(key), message);
            }
        }
    }
}

/// Read the `[[changes]]` of scenario text: policy changes during a run.
fn parse_changes(
    text: &str,
    file: &str,
    months: u32,
) -> Result<Vec<super::Change>, ScenarioErrors> {
    let mut ctx = Ctx {
        text,
        file,
        errors: Vec::new(),
    };
    let mut out = Vec::new();
    // Where each (month, key) was first set: a second setting would win
    // without a word.
    let mut first: Vec<(u32, String, usize)> = Vec::new();
    let Ok(doc) = DeTable::parse(text) else {
        return Ok(out);
    };
    let Some(value) = doc.get_ref().get("changes") else {
        return Ok(out);
    };
    let Some(items) = value.get_ref().as_array() else {
        ctx.error(
            value.span().start,
            Some("changes".into()),
            "write each change as a [[changes]] table with a `month`".into(),
        );
        return Err(finish(ctx));
    };
    for item in items.iter() {
        let Some(table) = table_of(&mut ctx, item, "changes") else {
            continue;
        };
        let month = match table.get("month") {
            Some(m) => match as_integer(m.get_ref()) {
                Some(n) if n >= 0 && n < i64::from(months) => n as u32,
                _ => {
                    ctx.error(
                        m.span().start,
                        Some("changes.month".into()),
                        format!(
                            "expected a month of the run, an integer in 0 – {}",
                            months.saturating_sub(1)
                        ),
                    );
                    continue;
                }
            },
            None => {
                ctx.error(
                    item.span().start,
                    Some("changes".into()),
                    "every [[changes]] needs a `month = N` (from 0)".into(),
                );
                continue;
            }
        };
        let mut set = Vec::new();
        for (at, key, literal) in sorted_overrides(&mut ctx, table, &["month"], "a [[changes]]") {
            if schema::sets_up(&key) {
                let what = if key.starts_with("world.") {
                    "[world] keys set the county up".to_string()
                } else {
                    format!("`{key}` is read only when the county is set up")
                };
                ctx.error(
                    at,
                    Some(key),
                    format!("{what}; they cannot change during a run"),
                );
            } else if let Some((_, _, line)) =
                first.iter().find(|(m, k, _)| *m == month && *k == key)
            {
                let line = *line;
                ctx.error(
                    at,
                    Some(key),
                    format!("set twice for month {month} (first on line {line}); keep one"),
                );
            } else {
                first.push((month, key.clone(), ctx.location(at).line));
                set.push((key, literal));
            }
        }
        out.push(super::Change { month, set });
    }
    if ctx.errors.is_empty() {
        Ok(out)
    } else {
        Err(finish(ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Scenario::from_toml(text, "s.toml").unwrap_err().to_string()
    }

    #[test]
    fn three_line_file_runs_on_defaults() {
        let s =
            Scenario::from_toml("[scenario]\nname = \"tiny\"\nmonths = 12\n", "s.toml").unwrap();
        assert_eq!(s.scenario.months, 12);
        assert_eq!(s.world.villages, 40);
    }

    #[test]
    fn a_key_changed_twice_in_one_month_is_refused() {
        let text = "[scenario]\nmonths = 12\n[[changes]]\nmonth = 2\n\"incentive.formal_weight\" = 0.1\n[[changes]]\nmonth = 2\n\"incentive.formal_weight\" = 0.3\n[[changes]]\nmonth = 3\n\"incentive.formal_weight\" = 0.3\n";
        let e = parse_changes(text, "s.toml", 12).unwrap_err().to_string();
        assert_eq!(
            e,
            "s.toml:8:1: incentive.formal_weight: set twice for month 2 (first on line 5); keep one"
        );
    }

    #[test]
    fn a_change_falls_in_a_month_of_the_run() {
        let change = |month: &str| {
            let text = format!(
                "[scenario]\nmonths = 12\n[[changes]]\nmonth = {month}\n\"incentive.formal_weight\" = 0.1\n"
            );
            parse_changes(&text, "s.toml", 12).map_err(|e| e.to_string())
        };
        for month in ["0", "11"] {
            assert_eq!(change(month).unwrap().len(), 1, "month {month}");
        }
        for month in ["12", "-1", "2.5"] {
            assert_eq!(
                change(month).unwrap_err(),
                "s.toml:4:9: changes.month: expected a month of the run, an integer in 0 – 11",
                "month {month}"
            );
        }
    }

    #[test]
    fn common_syntax_slips_are_said_in_words() {
        let cases = [
            (
                "[environment]\nneed_rate =\n",
                "`need_rate` has no value after `=`",
            ),
            (
                "[environment]\nneed_rate = 0.1 0.2\n",
                "holds more than one value; give one (a list is written [0.1, 0.2])",
            ),
            (
                "[incentive]\nmass_evaluation_weight = 40%\n",
                "without %: mass_evaluation_weight = 0.4\n",
            ),
            (
                "[incentive]\nmass_evaluation_weight = 1.1 %\n",
                "without %: mass_evaluation_weight = 0.011\n",
            ),
            (
                "[scenario]\nname = baseline\n",
                "string values must be quoted: write name = \"baseline\"",
            ),
            // Words with a space between them are one string to quote.
            (
                "[scenario]\nname = big village\n",
                "string values must be quoted: write name = \"big village\"",
            ),
            // An `=` in a comment after the value is not the key's.
            (
                "[scenario]\nname = baseline # was name=base\n",
                "string values must be quoted: write name = \"baseline\"",
            ),
            (
                "[scenario]\nmonths = 3 months\n",
                "a number is written without a unit or spaces: months = 3",
            ),
            (
                "[scenario]\nmonths = bad\n",
                "`months` takes a number (1 – ",
            ),
            (
                "[training]\nenabled = yes\n",
                "`enabled` takes true or false, not `yes`",
            ),
        ];
        for (text, expected) in cases {
            let e = err(text) + "\n";
            assert!(e.contains(expected), "{text}\n{e}");
            assert!(e.starts_with("s.toml:2:"), "{e}");
        }
        // A quoted key holding `=`: the `=` nearest the value counts.
        let e = err("[scenario]\n\"na=me\" = bar\n");
        assert!(e.contains("write \"na=me\" = \"bar\""), "{e}");
        // Where the line is not a plain `key = value`, the parser's words.
        for text in [
            "changes = [\n  { month = 3, \"supervision.campaign_inspection_rate\" = high },\n]\n",
            "changes = [\n  { month = 3, supervision.campaign_inspection_rate = high },\n]\n",
        ] {
            let e = err(text);
            assert!(e.contains("string values must be quoted"), "{text}\n{e}");
            assert!(!e.contains("write"), "{text}\n{e}");
        }
    }

    #[test]
    fn unknown_key_suggests_nearest() {
        let e = err("[scenario]\nmonthz = 3\n");
        assert_eq!(
            e,
            "s.toml:2:1: scenario.monthz: unknown key `monthz` in [scenario]; did you mean `months`?"
        );
    }

    #[test]
    fn key_in_wrong_section_names_the_right_one() {
        let e = err("[world]\nmonths = 3\n");
        assert!(e.contains("belongs in [scenario]"), "{e}");
    }

    #[test]
    fn unknown_section_suggests_nearest() {
        let e = err("[incentives]\nformal_weight = 0.2\n");
        assert!(e.contains("did you mean [incentive]?"), "{e}");
    }

    #[test]
    fn out_of_range_names_key_value_and_range() {
        let e = err("[incentive]\noutcome_weight = 1.4\n");
        assert_eq!(
            e,
            "s.toml:2:18: incentive.outcome_weight: 1.4 must be in [0, 1]"
        );
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let e = err("[scenario]\nname = \"x\"\nmonths = = 3\n");
        assert!(e.starts_with("s.toml:3:"), "{e}");
        assert!(e.contains("TOML syntax error"), "{e}");
    }

    #[test]
    fn wrong_type_and_bad_choice_are_explained() {
        let e = err("[incentive]\nenabled = 1\n");
        assert!(
            e.contains("expected true or false, found an integer 1"),
            "{e}"
        );
        let e = err("[scenario]\nreplicates = 2.5\n");
        assert!(e.contains("found a number 2.5"), "{e}");
        let e = err("[exemplary]\nreach = \"countyy\"\n");
        assert!(e.contains("did you mean \"county\"?"), "{e}");
    }

    /// Every numeric key's range holds both its ends and nothing beyond
    /// them, in a file and in a `--set` alike.
    #[test]
    fn every_numeric_range_takes_its_ends_and_refuses_beyond_them() {
        let mut checked = 0;
        for p in schema::PARAMS {
            let (ends, beyond) = match p.kind {
                // Beyond i64's own ends there is no integer to write.
                Kind::Integer { min, max } | Kind::Count { min, max } => (
                    vec![min.to_string(), max.to_string()],
                    [min.checked_sub(1), max.checked_add(1)]
                        .into_iter()
                        .flatten()
                        .map(|i| i.to_string())
                        .collect(),
                ),
                Kind::Real { min, max } if min.is_finite() && max.is_finite() => {
                    let step = (max - min) * 1e-6;
                    (
                        vec![format!("{min:?}"), format!("{max:?}")],
                        vec![format!("{:?}", min - step), format!("{:?}", max + step)],
                    )
                }
                _ => continue,
            };
            let (section, name) = p.key.split_once('.').unwrap();
            let own = format!("{}: ", p.key);
            let read = |literal: &str| {
                let file =
                    Scenario::from_toml(&format!("[{section}]\n{name} = {literal}\n"), "s.toml")
                        .err()
                        .map(|e| e.to_string());
                let set = vec![(p.key.to_string(), literal.to_string())];
                let set = Scenario::from_toml_with("", "s.toml", &set, None)
                    .err()
                    .map(|e| e.to_string());
                [file, set]
            };
            // At an end, nothing is said about the key itself (a cross
            // check such as the type shares' sum may still speak).
            for literal in &ends {
                for e in read(literal).into_iter().flatten() {
                    assert!(!e.contains(&own), "{} = {literal}: {e}", p.key);
                }
            }
            for literal in &beyond {
                for e in read(literal) {
                    let e = e.unwrap_or_else(|| panic!("{} = {literal} was accepted", p.key));
                    assert!(
                        e.contains(&own) && e.contains("must be"),
                        "{} = {literal}: {e}",
                        p.key
                    );
                }
            }
            checked += 1;
        }
        assert!(checked > 50, "only {checked} numeric keys");
    }

    #[test]
    fn counts_accept_distributions() {
        let s = Scenario::from_toml(
            "[world]\nhouseholds_per_village = { uniform = [50, 200] }\nmembers_per_village = { poisson = 20 }\n",
            "s.toml",
        )
        .unwrap();
        assert_eq!(
            s.world.households_per_village,
            super::super::CountSpec::Drawn(super::super::CountDistribution::Uniform([50, 200]))
        );
        assert!(
            err("[world]\nhouseholds_per_village = { uniform = [200, 50] }\n").contains("a ≤ b")
        );
        assert!(
            err("[world]\nhouseholds_per_village = { unifrom = [1, 5] }\n")
                .contains("did you mean `uniform`")
        );
        // Each law's own conditions, at households_per_village's 1 – 60 000.
        for (text, expected) in [
            ("{ uniform = [1, 60000] }", None),
            ("{ uniform = [1.5, 3] }", Some("a ≤ b")),
            ("{ uniform = [0, 3] }", Some("a ≤ b")),
            ("{ uniform = [3, 60001] }", Some("a ≤ b")),
            ("{ normal = [100, 20] }", None),
            ("{ normal = [100, 0] }", None),
            ("{ normal = [100, -1] }", Some("sd ≥ 0")),
            ("{ normal = [0, 20] }", Some("sd ≥ 0")),
            ("{ poisson = 60000 }", None),
            (
                "{ poisson = 0.5 }",
                Some("poisson = mean needs a number in [1, 60000]"),
            ),
        ] {
            let text = format!("[world]\nhouseholds_per_village = {text}\n");
            match (Scenario::from_toml(&text, "s.toml"), expected) {
                (read, None) => assert!(read.is_ok(), "{text}: {:?}", read.err()),
                (read, Some(words)) => {
                    let e = read.err().map(|e| e.to_string()).unwrap_or_default();
                    assert!(e.contains(words), "{text}: {e}");
                }
            }
        }
        for text in [
            "{ uniform = [1, 2, 3] }",
            "{ normal = [5] }",
            "{ uniform = 4 }",
        ] {
            let e = err(&format!("[world]\nhouseholds_per_village = {text}\n"));
            assert!(e.contains("takes an array of 2 numbers"), "{text}: {e}");
        }
    }

    #[test]
    fn distribution_parameters_must_be_finite() {
        for (text, column) in [
            ("{ normal = [nan, 1] }", 37),
            ("{ normal = [inf, 1] }", 37),
            ("{ normal = [-inf, 1] }", 37),
            ("{ normal = [100, nan] }", 37),
            ("{ poisson = nan }", 38),
            ("{ uniform = [nan, 3] }", 38),
        ] {
            let e = err(&format!("[world]\nhouseholds_per_village = {text}\n"));
            assert!(
                e.starts_with(&format!(
                    "s.toml:2:{column}: world.households_per_village: "
                )),
                "{text}: {e}"
            );
            let set = vec![("world.members_per_village".to_string(), text.to_string())];
            assert!(
                Scenario::from_toml_with("", "s.toml", &set, None).is_err(),
                "{text} as an override"
            );
        }
    }

    #[test]
    fn an_override_holds_exactly_one_value() {
        for literal in [
            "0.1\nincentive.formal_weight = 5",
            "0.1\n[incentive]\nformal_weight = 0.2",
        ] {
            let e = override_value("effort.noise", literal).unwrap_err();
            assert!(e.contains("one value per --set"), "{e}");
        }
        assert!(override_value("effort.noise", "0.1 # comment").is_ok());
        // A free-text key takes no line break either, bare or quoted.
        for literal in [
            "x\n[incentive]\nenabled = false",
            "\"x\"\n[incentive]\nenabled = false",
        ] {
            let e = override_value("scenario.description", literal).unwrap_err();
            assert!(e.contains("one value per --set"), "{e}");
        }
    }

    #[test]
    fn a_bare_word_override_is_the_string_it_spells() {
        assert_eq!(
            override_value("selection.successor", "election"),
            Ok(Value::String("election".into()))
        );
        assert_eq!(
            override_value("selection.successor", "\"election\""),
            Ok(Value::String("election".into()))
        );
        let e = override_value("selection.successor", "electon").unwrap_err();
        assert!(e.contains("did you mean \"election\""), "{e}");
        let e = override_value("supervision.mass_supervision", "30%").unwrap_err();
        assert_eq!(e, "expected a number in [0, 1], found `30%`");
        let e = override_value("funds.enabled", "yes").unwrap_err();
        assert_eq!(e, "expected true or false, found `yes`");
        // Only a plain word: TOML gone wrong keeps its TOML error.
        let e = override_value("scenario.description", "\"unterminated").unwrap_err();
        assert!(e.contains("is not a TOML value"), "{e}");
        let e = override_value("world.households_per_village", "{poisson=3").unwrap_err();
        assert!(e.contains("is not a TOML value"), "{e}");
        let e = override_value("supervision.mass_supervision", "").unwrap_err();
        assert_eq!(e, "no value after `=`");
    }

    #[test]
    fn a_word_for_a_choice_is_written_as_its_quoted_string() {
        assert_eq!(
            override_literal("selection.successor", "election"),
            "\"election\""
        );
        assert_eq!(
            override_literal("selection.successor", "\"election\""),
            "\"election\""
        );
        assert_eq!(
            override_literal("scenario.description", "my run"),
            "\"my run\""
        );
        // Keys that take no string, and TOML values, are left as given.
        assert_eq!(
            override_literal("supervision.mass_supervision", "high"),
            "high"
        );
        assert_eq!(
            override_literal("supervision.mass_supervision", "0.30"),
            "0.30"
        );
        assert_eq!(override_literal("scenario.description", "x\ny"), "x\ny");
        assert_eq!(override_literal("scenario.description", "true"), "true");
        // A TOML literal string is written the one way too.
        assert_eq!(
            override_literal("selection.successor", "'election'"),
            "\"election\""
        );
    }

    #[test]
    fn free_text_that_is_not_a_word_says_how_to_quote_it() {
        let e = override_value("scenario.description", "Mary's run").unwrap_err();
        assert!(e.contains("scenario.description=\"Mary's run\""), "{e}");
        let e = override_value("scenario.description", "").unwrap_err();
        assert!(e.contains("an empty string is `\"\"`"), "{e}");
        let e = override_value("wrld.villages", "5").unwrap_err();
        assert!(e.contains("there is no section [wrld]"), "{e}");
        assert!(e.contains("`world.villages`"), "{e}");
    }

    #[test]
    fn an_override_without_its_section_names_the_section() {
        let e = override_value("mass_supervision", "0.3").unwrap_err();
        assert!(e.contains("`supervision.mass_supervision`"), "{e}");
        let e = override_value("funds.mass_supervision", "0.3").unwrap_err();
        assert!(e.contains("`supervision.mass_supervision`"), "{e}");
        let e = override_value("enabled", "true").unwrap_err();
        assert!(e.contains("sections have a key `enabled`: give one"), "{e}");
        let e = override_value("world.enabled", "true").unwrap_err();
        assert!(
            e.contains("[world] has no `enabled`; ") && e.contains("sections have a key"),
            "{e}"
        );
        // No near spelling anywhere: the section's own keys.
        let e = override_value("training.frequency", "2").unwrap_err();
        assert!(
            e.contains("[training] has no `frequency`; its keys are enabled, rate,"),
            "{e}"
        );
        // A study's key: `--set` cannot reach it, whatever its name.
        let e = override_value("sensitivity.samples", "16").unwrap_err();
        assert!(
            e.contains("[sensitivity] describes a study, which `--set` cannot change"),
            "{e}"
        );
        let e = override_value("foo.bar", "1").unwrap_err();
        assert!(e.contains("there is no section [foo]"), "{e}");
    }

    #[test]
    fn the_base_file_cannot_be_overridden() {
        let set = vec![("scenario.base".to_string(), "\"other.toml\"".to_string())];
        let e = Scenario::from_toml_with("", "s.toml", &set, Some(&library))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("s.toml (override): scenario.base: "), "{e}");
        assert!(e.contains("cannot be set with --set"), "{e}");
        let e = Scenario::defaults()
            .with_checked_overrides(&set, "x")
            .unwrap_err();
        assert_eq!(e.0[0].key.as_deref(), Some("scenario.base"));
    }

    #[test]
    fn checked_overrides_resolve_like_the_file() {
        // Resolving a cell from the file's resolved scenario gives what
        // re-reading the file with the overrides gave.
        let text = "[scenario]\nmonths = 36\n[world]\nvillages = 7\nshare_difficulty = 0.3\n[[changes]]\nmonth = 12\nspiritual.enabled = true\n";
        let set = vec![
            ("effort.noise".to_string(), "0.4".to_string()),
            (
                "world.households_per_village".to_string(),
                "{ poisson = 30 }".to_string(),
            ),
            ("supervision.report_threshold".to_string(), "4".to_string()),
        ];
        let direct = Scenario::from_toml_with(text, "s.toml", &set, None).unwrap();
        let base = Scenario::from_toml(text, "s.toml").unwrap();
        assert_eq!(base.with_checked_overrides(&set, "s.toml").unwrap(), direct);
        // Values and cross-key checks are validated, with the origin named.
        let bad = vec![("effort.noise".to_string(), "9".to_string())];
        let e = base
            .with_checked_overrides(&bad, "s.toml (variant `v`)")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "s.toml (variant `v`): effort.noise: 9 must be in [0, 3]"
        );
        let shares = vec![("world.share_left_behind".to_string(), "0.9".to_string())];
        let e = base
            .with_checked_overrides(&shares, "s.toml (variant `v`)")
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("s.toml (variant `v`): world.share_left_behind + "),
            "{e}"
        );
    }

    #[test]
    fn all_errors_are_reported_in_file_order() {
        let e = Scenario::from_toml("[world]\nvillages = 0\n[effort]\nnoise = -1\n", "s.toml")
            .unwrap_err();
        assert_eq!(e.0.len(), 2);
        assert_eq!(e.0[0].location.line, 2);
        assert_eq!(e.0[1].location.line, 4);
    }

    #[test]
    fn shares_must_leave_room_for_ordinary_households() {
        let e = err("[world]\nshare_left_behind = 0.6\nshare_difficulty = 0.6\n");
        assert!(e.contains("sum to 1.300"), "{e}");
        // Shares that leave no ordinary households are valid, also where
        // their sum passes 1 by rounding (0.33 + 0.56 + 0.11 > 1 in f64).
        for (l, b, d) in [(0.25, 0.25, 0.5), (0.33, 0.56, 0.11)] {
            let text = format!(
                "[world]\nshare_left_behind = {l}\nshare_business = {b}\nshare_difficulty = {d}\n"
            );
            let read = Scenario::from_toml(&text, "s.toml");
            assert!(read.is_ok(), "{text}: {:?}", read.err());
        }
    }

    #[test]
    fn overrides_are_validated_like_file_keys() {
        let o = vec![("scenario.replicates".to_string(), "3".to_string())];
        let s = Scenario::from_toml_with("", "s.toml", &o, None).unwrap();
        assert_eq!(s.scenario.replicates, 3);
        let bad = vec![("incentive.formal_weigth".to_string(), "0.1".to_string())];
        let e = Scenario::from_toml_with("", "s.toml", &bad, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean `incentive.formal_weight`"), "{e}");
    }

    fn library(name: &str, _from: &str) -> Result<(String, String), String> {
        match name {
            "base.toml" => Ok((
                "dir/base.toml".into(),
                "[scenario]\nname = \"base\"\nmonths = 36\n[world]\nvillages = 7\n".into(),
            )),
            "described.toml" => Ok((
                "dir/described.toml".into(),
                "[scenario]\nname = \"base\"\ndescription = \"The status quo\"\nmonths = 36\n"
                    .into(),
            )),
            "loop.toml" => Ok((
                "dir/loop.toml".into(),
                "[scenario]\nbase = \"loop.toml\"\n".into(),
            )),
            "broken.toml" => Ok(("dir/broken.toml".into(), "[world]\nvillages = -1\n".into())),
            other => Err(format!("cannot read base scenario dir/{other}: not found")),
        }
    }

    fn with_base(text: &str) -> Result<Scenario, String> {
        Scenario::from_toml_with(text, "dir/s.toml", &[], Some(&library)).map_err(|e| e.to_string())
    }

    #[test]
    fn a_base_file_stands_in_for_the_defaults() {
        let s = with_base(
            "[scenario]\nbase = \"base.toml\"\nname = \"reform\"\n[world]\nvillages = 9\n",
        )
        .unwrap();
        assert_eq!(s.scenario.name, "reform");
        assert_eq!(s.scenario.months, 36, "inherited from the base");
        assert_eq!(s.world.villages, 9, "the including file wins");
        assert_eq!(s.world.villages_per_township, 10, "defaults fill the rest");
        // The base's description is its own, not inherited.
        let s = with_base("[scenario]\nbase = \"described.toml\"\nname = \"reform\"\n").unwrap();
        assert_eq!(
            (s.scenario.months, s.scenario.description.as_str()),
            (36, "")
        );
        let s =
            with_base("[scenario]\nbase = \"described.toml\"\ndescription = \"Mine\"\n").unwrap();
        assert_eq!(s.scenario.description, "Mine");
    }

    #[test]
    fn base_problems_name_the_right_file() {
        let e = with_base("[scenario]\nbase = \"missing.toml\"\n").unwrap_err();
        assert!(
            e.starts_with("dir/s.toml:2:8: scenario.base: cannot read base scenario"),
            "{e}"
        );
        let e = with_base("[scenario]\nbase = \"broken.toml\"\n").unwrap_err();
        assert!(e.starts_with("dir/broken.toml:2:12: world.villages"), "{e}");
        let e = with_base("[scenario]\nbase = \"loop.toml\"\n").unwrap_err();
        assert!(
            e.contains("the base files form a cycle: dir/loop.toml → dir/loop.toml"),
            "{e}"
        );
        let e = Scenario::from_toml("[scenario]\nbase = \"base.toml\"\n", "s.toml").unwrap_err();
        assert!(e.to_string().contains("cannot be read here"));
    }

    #[test]
    fn changes_are_read_validated_and_phased() {
        let text = "[scenario]\nmonths = 36\n[[changes]]\nmonth = 24\n\"incentive.formal_weight\" = 0.1\n[[changes]]\nmonth = 12\nspiritual.enabled = true\n";
        let s = Scenario::from_toml(text, "s.toml").unwrap();
        assert_eq!(s.changes.len(), 2);
        let phases = s.phases();
        assert_eq!(
            phases.iter().map(|p| p.0).collect::<Vec<_>>(),
            vec![0, 12, 24]
        );
        assert!(!phases[0].1.spiritual.enabled && phases[1].1.spiritual.enabled);
        assert_eq!(phases[1].1.incentive.formal_weight, 0.6);
        assert_eq!(phases[2].1.incentive.formal_weight, 0.1);
        assert!(phases[2].1.spiritual.enabled, "changes accumulate");
        let e = err(
            "[scenario]\nmonths = 36\n[[changes]]\nmonth = 40\n\"incentive.formal_weight\" = 0.1\n",
        );
        assert!(
            e.contains(
                "s.toml:4:9: changes.month: expected a month of the run, an integer in 0 – 35"
            ),
            "{e}"
        );
        let e = err("[[changes]]\nmonth = 3\n\"world.villages\" = 5\n");
        assert!(e.contains("cannot change during a run"), "{e}");
        for key in schema::SET_UP_KEYS {
            let e = err(&format!("[[changes]]\nmonth = 3\n\"{key}\" = 0.5\n"));
            assert!(
                e.contains(&format!("`{key}` is read only when the county is set up")),
                "{e}"
            );
        }
        let e = err("[[changes]]\nmonth = 3\n\"incentive.formal_weigth\" = 0.2\n");
        assert!(e.contains("did you mean `incentive.formal_weight`"), "{e}");
    }
}
