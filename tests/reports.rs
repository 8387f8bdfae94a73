//! What `report.md` and `report.html` say of a run's or study's provenance,
//! the same in both and for every kind of output.

mod common;

use common::{data, ok, temp};
use std::path::Path;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap()
}

/// `--replicates` sizes a run or study; it is not an override of its
/// question, for any kind: not in the manifest's `overrides`, report.md's
/// title or report.html's overrides, and the replicates are in the size.
#[test]
fn replicates_are_a_size_not_an_override_for_every_kind() {
    let (_t, dir) = temp();
    let cases = [
        ("run", "small.toml"),
        ("compare", "compare_small.toml"),
        ("sweep", "sweep_line_small.toml"),
    ];
    for (command, file) in cases {
        let out = dir.join(command);
        ok(&[
            command,
            &data(file),
            "-q",
            "--set",
            "world.villages=3",
            "--replicates",
            "2",
            "--out",
            out.to_str().unwrap(),
        ]);
        let m = manifest(&out);
        assert_eq!(
            m["overrides"],
            serde_json::json!(["world.villages=3"]),
            "{command}"
        );
        assert_eq!(m["replicates"], 2, "{command}");
        let line = m["command_line"].to_string();
        assert!(line.contains("\"--replicates\",\"2\""), "{command}: {line}");
        let md = read(&out.join("report.md"));
        let title = md.lines().next().unwrap();
        assert!(
            title.ends_with(" (with world.villages=3)"),
            "{command}: {title}"
        );
        assert!(!md.contains("scenario.replicates"), "{command}: {md}");
        let page = read(&out.join("report.html"));
        assert!(
            page.contains("<dt>Command-line overrides</dt><dd><code>world.villages=3</code></dd>"),
            "{command}"
        );
        assert!(!page.contains("scenario.replicates"), "{command}");
        assert!(page.contains("2 replicates"), "{command}");
    }
}
