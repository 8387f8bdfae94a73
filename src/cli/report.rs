//! `grassroots report DIR`: write `DIR/report.html` for a finished run or
//! study, from its manifest and files alone, and list it in the manifest.

use super::{InputError, command_text};
use anyhow::Result;
use grassroots::output::files::write_atomic;
use grassroots::output::html::{self, REPORT_HTML};
use grassroots::output::{DirLock, OutputError, manifest};
use serde_json::Value;
use std::path::Path;

/// What `report` accepts, for error messages.
const VALID: &str = "give the output directory of a finished `grassroots run`, `compare`, `sweep`, `sensitivity` or `calibrate` (the one holding its manifest.json)";

/// The manifest of the finished output directory `dir`.
fn read_manifest(dir: &Path) -> Result<Value> {
    let shown = dir.display();
    if !dir.is_dir() {
        let what = if dir.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        return Err(InputError(format!("{shown} {what}; {VALID}")).into());
    }
    let path = dir.join("manifest.json");
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let why = if dir.join("plan.json").is_file() {
                "holds a study that has not finished (no manifest.json yet): finish it (run the same command again, or merge its shards) first"
            } else {
                "is not a finished grassroots output directory (it has no manifest.json)"
            };
            return Err(InputError(format!("{shown} {why}; {VALID}")).into());
        }
        Err(e) => {
            return Err(InputError(format!("cannot read {}: {e}", path.display())).into());
        }
    };
    let manifest: Value = serde_json::from_slice(&bytes).map_err(|e| {
        InputError(format!(
            "{}: not a grassroots manifest (not valid JSON: {e}); {VALID}",
            path.display()
        ))
    })?;
    if manifest.get("tool").and_then(Value::as_str) != Some("grassroots") {
        return Err(InputError(format!(
            "{}: not a manifest grassroots wrote (no \"tool\": \"grassroots\"); {VALID}",
            path.display()
        ))
        .into());
    }
    if !manifest.get("files").is_some_and(Value::is_array) {
        return Err(InputError(format!(
            "{}: a grassroots manifest without its list of \"files\"; {VALID}",
            path.display()
        ))
        .into());
    }
    Ok(manifest)
}

/// Write `DIR/report.html` and list it in `DIR/manifest.json`.
pub fn report(dir: &Path) -> Result<()> {
    read_manifest(dir)?;
    // Held while the page and the manifest are written: no run or study
    // replaces the directory meanwhile (it is re-read under the lock).
    let _lock = DirLock::acquire(dir, &command_text())?;
    let manifest = read_manifest(dir)?;
    let listed = html::listing_report(&manifest);
    let target = dir.join(REPORT_HTML);
    if listed.is_some() && target.exists() {
        return Err(OutputError::Refused {
            path: target,
            why: "exists but grassroots did not write it (manifest.json does not list it); nothing was changed — move it away, then run `grassroots report` again".into(),
        }
        .into());
    }
    // The page is rendered from the manifest as it will be, listing the
    // page, and written after the manifest: interrupted in between, the
    // manifest lists a page not yet written (harmless), never the reverse
    // (a page grassroots would then refuse to replace).
    let page = html::render(dir, listed.as_ref().unwrap_or(&manifest))?;
    if let Some(listed) = listed {
        manifest::write(dir, &listed)?;
    }
    write_atomic(&target, page.as_bytes())?;
    say!("wrote {}", target.display());
    Ok(())
}
