//! The JSON Schema of scenario files (`grassroots schema`): it is a valid
//! draft 2020-12 schema, every shipped scenario satisfies it, scenarios with
//! unknown keys or values out of range do not, and the copy in
//! docs/scenario.schema.json is current.

mod common;

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn as_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    serde_json::to_value(table).unwrap()
}

fn tomls(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(tomls(&path));
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn validator() -> jsonschema::Validator {
    let schema = grassroots::output::json_schema::scenario_schema();
    jsonschema::draft202012::new(&schema).expect("a valid draft 2020-12 schema")
}

#[test]
fn every_shipped_scenario_satisfies_the_schema() {
    let v = validator();
    let mut files = tomls(&root().join("scenarios"));
    files.retain(|f| common::is_shipped(f));
    // calibration_small.toml is completed by its test (targets added), so
    // it is not a whole scenario on its own.
    files.extend(
        tomls(&root().join("tests/data"))
            .into_iter()
            .filter(|f| !f.ends_with("calibration_small.toml")),
    );
    assert!(files.len() > 20, "{files:?}");
    for file in files {
        let errors: Vec<String> = v
            .iter_errors(&as_json(&file))
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", file.display());
    }
}

#[test]
fn unknown_keys_and_values_out_of_range_fail_the_schema() {
    let v = validator();
    for bad in [
        "unknown_key.toml",
        "out_of_range.toml",
        "unknown_section.toml",
        "wrong_section.toml",
    ] {
        let doc = as_json(&root().join("tests/cmd").join(bad));
        assert!(!v.is_valid(&doc), "{bad} passes the schema");
    }
    let doc = serde_json::json!({
        "world": {"villages": 0},
        "variants": [{"name": "x", "incentive.formal_weight": 2.0}]
    });
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    let doc = serde_json::json!({"world": {"households_per_village": {"uniform": [20, 40]}}});
    assert!(v.is_valid(&doc), "a count may be a distribution");
}

#[test]
fn the_documented_copy_is_current() {
    let shipped = std::fs::read_to_string(root().join("docs/scenario.schema.json")).unwrap();
    assert!(
        shipped == grassroots::output::json_schema::scenario_schema_text(),
        "docs/scenario.schema.json is stale: cargo run --release -- schema > docs/scenario.schema.json"
    );
}

/// Keys the tool refuses to vary are not offered by the schema either (an
/// editor would otherwise complete them): `[scenario]` keys in a grid or a
/// variant, a count per village in a range, a set-up key in `[[changes]]`.
#[test]
fn the_schema_offers_no_key_the_tool_refuses_to_vary() {
    let v = validator();
    let dir = tempfile::tempdir().unwrap();
    for (i, text) in [
        "[sweep.grid]\n\"scenario.seed\" = [1, 2]\n",
        "[[variants]]\nname = \"x\"\n\"scenario.months\" = 12\n",
        "[[variants]]\nname = \"x\"\n\"effort.noise\" = 0.1\n[uncertainty]\nsamples = 2\n[uncertainty.ranges]\n\"world.households_per_village\" = [10, 20]\n",
        "[[changes]]\nmonth = 2\n\"world.villages\" = 3\n",
    ]
    .into_iter()
    .enumerate()
    {
        let table: toml::Table = toml::from_str(text).unwrap();
        let doc = serde_json::to_value(table).unwrap();
        assert!(!v.is_valid(&doc), "the schema accepts:\n{text}");
        let file = dir.path().join(format!("{i}.toml"));
        std::fs::write(&file, text).unwrap();
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_grassroots"))
            .args(["validate", file.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "the tool accepts:\n{text}");
    }
}
