//! The data dictionary: the parameter table and the metric table as CSV or
//! JSON (`grassroots params --format csv|json`, `metrics --format ...`), one
//! exporter per format; the Markdown forms live beside their tables
//! (`scenario::schema::markdown_table`, `metrics::markdown_table`).

use crate::metrics::{METRICS, Role};
use crate::scenario::param::{Kind, Param};
use crate::scenario::schema::{PARAMS, SECTIONS};
use serde_json::{Value, json};

/// A format of the data dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Markdown tables (as in `docs/model.md`).
    Markdown,
    /// One CSV table.
    Csv,
    /// A JSON array of objects.
    Json,
}

impl Format {
    /// The format named `md`, `csv` or `json`.
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "md" | "markdown" => Some(Format::Markdown),
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// A parameter's type word, bounds and choices.
fn kind_fields(kind: &Kind) -> (&'static str, Option<f64>, Option<f64>, Vec<&'static str>) {
    match *kind {
        Kind::Real { min, max } => ("real", Some(min), Some(max), vec![]),
        Kind::Integer { min, max } => ("integer", Some(min as f64), Some(max as f64), vec![]),
        Kind::Count { min, max } => ("count", Some(min as f64), Some(max as f64), vec![]),
        Kind::Switch => ("boolean", None, None, vec![]),
        Kind::Text => ("text", None, None, vec![]),
        Kind::Name => ("name", None, None, vec![]),
        Kind::Choice(options) => ("choice", None, None, options.to_vec()),
    }
}

/// One parameter as a JSON object.
fn param_json(p: &Param) -> Value {
    let (kind, min, max, choices) = kind_fields(&p.kind);
    json!({
        "key": p.key,
        "section": p.section(),
        "name": p.name(),
        "type": kind,
        "default": p.default,
        "min": min,
        "max": max,
        "choices": choices,
        "range": p.kind.range_text(),
        "uncertainty_low": p.assumption_range().map(|r| r.0),
        "uncertainty_high": p.assumption_range().map(|r| r.1),
        "meaning": p.meaning,
        "source": p.source,
    })
}

/// The parameter table in `format`.
pub fn params(format: Format) -> String {
    match format {
        Format::Markdown => crate::scenario::schema::markdown_table(),
        Format::Json => {
            let rows: Vec<Value> = PARAMS.iter().map(param_json).collect();
            super::manifest::to_text(&rows)
        }
        Format::Csv => {
            let header = [
                "key",
                "section",
                "name",
                "type",
                "default",
                "min",
                "max",
                "choices",
                "uncertainty_low",
                "uncertainty_high",
                "meaning",
                "source",
            ];
            let rows = PARAMS.iter().map(|p| {
                let (kind, min, max, choices) = kind_fields(&p.kind);
                let range = p.assumption_range();
                vec![
                    p.key.to_string(),
                    p.section().to_string(),
                    p.name().to_string(),
                    kind.to_string(),
                    p.default.to_string(),
                    super::csv::number(min),
                    super::csv::number(max),
                    choices.join(" "),
                    super::csv::number(range.map(|r| r.0)),
                    super::csv::number(range.map(|r| r.1)),
                    p.meaning.to_string(),
                    p.source.to_string(),
                ]
            });
            to_csv(&header, rows)
        }
    }
}

/// The section titles, for readers of the dictionary.
pub fn section_title(section: &str) -> Option<&'static str> {
    SECTIONS
        .iter()
        .find(|(s, _)| *s == section)
        .map(|(_, t)| *t)
}

/// A metric's roles as words.
fn roles(m: &crate::metrics::Metric) -> Vec<&'static str> {
    [
        (Role::Charted, "charted"),
        (Role::Outcome, "outcome"),
        (Role::Summary, "summary"),
        (Role::Report, "report"),
    ]
    .into_iter()
    .filter(|(r, _)| m.has(*r))
    .map(|(_, w)| w)
    .collect()
}

/// The metric table in `format`.
pub fn metrics(format: Format) -> String {
    match format {
        Format::Markdown => crate::metrics::markdown_table(),
        Format::Json => {
            let rows: Vec<Value> = METRICS
                .iter()
                .map(|m| {
                    json!({
                        "name": m.name,
                        "unit": m.unit,
                        "better": m.better.word(),
                        "roles": roles(m),
                        "meaning": m.meaning,
                    })
                })
                .collect();
            super::manifest::to_text(&rows)
        }
        Format::Csv => to_csv(
            &["name", "unit", "better", "roles", "meaning"],
            METRICS.iter().map(|m| {
                vec![
                    m.name.to_string(),
                    m.unit.to_string(),
                    m.better.word().to_string(),
                    roles(m).join(" "),
                    m.meaning.to_string(),
                ]
            }),
        ),
    }
}

fn to_csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(header);
    for row in rows {
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_and_metric_is_one_row_in_every_format() {
        let csv = params(Format::Csv);
        let mut reader = ::csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(reader.records().count(), PARAMS.len());
        let json: Vec<Value> = serde_json::from_str(&params(Format::Json)).unwrap();
        assert_eq!(json.len(), PARAMS.len());
        let need = json
            .iter()
            .find(|p| p["key"] == "environment.need_rate")
            .unwrap();
        assert_eq!(need["type"], "real");
        assert!(
            need["uncertainty_low"].as_f64().unwrap() < need["uncertainty_high"].as_f64().unwrap()
        );
        let csv = metrics(Format::Csv);
        let mut reader = ::csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(reader.records().count(), METRICS.len());
        let json: Vec<Value> = serde_json::from_str(&metrics(Format::Json)).unwrap();
        assert_eq!(json[1]["name"], "realised_service");
        assert!(
            json[1]["roles"]
                .as_array()
                .unwrap()
                .contains(&json!("charted"))
        );
    }
}
