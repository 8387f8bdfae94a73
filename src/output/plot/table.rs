//! Reading the CSV tables grassroots wrote, by column name.

use crate::output::OutputError;
use std::path::{Path, PathBuf};

/// A CSV table read whole: its header and rows of text cells.
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Read `path` (a table grassroots wrote).
    pub fn read(path: &Path) -> Result<Table, OutputError> {
        let bad = |why: String| OutputError::Refused {
            path: path.to_path_buf(),
            why,
        };
        let mut reader = ::csv::Reader::from_path(path).map_err(|e| {
            bad(format!(
                "cannot read this table ({e}); re-run the study that wrote it"
            ))
        })?;
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| bad(format!("no header row ({e})")))?
            .iter()
            .map(String::from)
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| bad(format!("damaged row ({e})")))?;
            rows.push(record.iter().map(String::from).collect());
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    /// The index of column `name`, or an error naming the table.
    pub fn column(&self, name: &str) -> Result<usize, OutputError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| OutputError::Refused {
                path: self.path.clone(),
                why: format!(
                    "has no column `{name}`; was it written by another version of grassroots?"
                ),
            })
    }

    /// The column names.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The rows.
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    /// Cell `c` of `row` as a number (`None` when empty).
    pub fn number(&self, row: &[String], c: usize) -> Result<Option<f64>, OutputError> {
        let cell = row.get(c).map(String::as_str).unwrap_or("");
        if cell.is_empty() {
            return Ok(None);
        }
        cell.parse().map(Some).map_err(|_| OutputError::Refused {
            path: self.path.clone(),
            why: format!("`{cell}` in column `{}` is not a number", self.header[c]),
        })
    }
}
