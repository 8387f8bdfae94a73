//! `grassroots new NAME [--from FILE]`: write a commented scenario file.

use anyhow::Result;
use clap::Args;
use std::path::{Path, PathBuf};

/// Options of `new`.
#[derive(Args, Debug, Clone)]
pub struct NewArgs {
    /// The scenario's name (letters, digits, - and _); the file is NAME.toml.
    pub name: String,
    /// Start from this scenario file's values (its base resolved), changes
    /// and study sections.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Where to write [default: NAME.toml in the current directory].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Run `new`.
pub fn new(args: &NewArgs) -> Result<()> {
    let name = &args.name;
    if !grassroots::scenario::is_valid_name(name) {
        return Err(super::InputError(format!(
            "new: `{name}` is not a valid scenario name; use 1–100 ASCII letters, digits, - and _ (it names the file and the output directory)"
        ))
        .into());
    }
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{name}.toml")));
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return Err(super::InputError(format!(
                "new: the folder {} does not exist; nothing was written — create it first or choose another --out",
                parent.display()
            ))
            .into());
    }
    if path.exists() {
        return Err(super::InputError(format!(
            "new: {} exists; nothing was written — choose another name or --out",
            path.display()
        ))
        .into());
    }
    let base = base_example(&path);
    let text = match &args.from {
        Some(from) => {
            let (text, shown) = super::read_text(from)?;
            let scenario = super::resolve(&text, &shown, &[])?;
            grassroots::output::template::new_scenario(
                name,
                Some((&scenario, &text, &shown)),
                base.as_deref(),
            )
        }
        None => grassroots::output::template::new_scenario(name, None, base.as_deref()),
    };
    grassroots::output::files::write_atomic(&path, text.as_bytes())?;
    say!(
        "wrote {}; check it with `grassroots validate {}`",
        path.display(),
        path.display()
    );
    Ok(())
}

/// The shipped baseline as a path from the folder of the file written at
/// `path` (`baseline.toml` for a file in `scenarios/`): the project's
/// `scenarios/baseline.toml` under the working directory, else under the
/// folder this binary was built from. An absolute path when the two folders
/// share nothing but the root; `None` when neither baseline exists.
fn base_example(path: &Path) -> Option<String> {
    let baseline = std::fs::canonicalize("scenarios/baseline.toml")
        .or_else(|_| {
            std::fs::canonicalize(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml"),
            )
        })
        .ok()?;
    let folder = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(p) => std::fs::canonicalize(p),
        None => std::env::current_dir(),
    };
    let Ok(folder) = folder else {
        return Some(baseline.to_string_lossy().replace('\\', "/"));
    };
    let common = folder
        .components()
        .zip(baseline.components())
        .take_while(|(a, b)| a == b)
        .count();
    // Only the root (or a drive) in common: `../../..` would be harder to
    // read than the path itself.
    if common <= 1 {
        return Some(baseline.to_string_lossy().replace('\\', "/"));
    }
    let mut relative = PathBuf::new();
    for _ in folder.components().skip(common) {
        relative.push("..");
    }
    for c in baseline.components().skip(common) {
        relative.push(c);
    }
    Some(relative.to_string_lossy().replace('\\', "/"))
}
