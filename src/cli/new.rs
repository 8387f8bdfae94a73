//! `grassroots new NAME [--from FILE]`: write a commented scenario file.

use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

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
            "new: `{name}` is not a valid scenario name; use 1–100 letters, digits, - and _ (it names the file and the output directory)"
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
    let text = match &args.from {
        Some(from) => {
            let (text, shown) = super::read_text(from)?;
            let scenario = super::resolve(&text, &shown, &[])?;
            grassroots::output::template::new_scenario(name, Some((&scenario, &text, &shown)))
        }
        None => grassroots::output::template::new_scenario(name, None),
    };
    grassroots::output::files::write_atomic(&path, text.as_bytes())?;
    say!(
        "wrote {}; check it with `grassroots validate {}`",
        path.display(),
        path.display()
    );
    Ok(())
}
