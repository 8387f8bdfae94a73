//! Every error message a user can see for the scenario files in
//! `tests/cmd/`, pinned: `grassroots validate tests/cmd/NAME.toml` must exit
//! with code 2 and print exactly `tests/cmd/NAME.stderr`.
//! After an intended change of wording, regenerate the files with
//! `GRASSROOTS_BLESS=1 cargo test --release --test golden`.

use std::path::Path;
use std::process::Command;

#[test]
fn error_messages_match_their_golden_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bless = std::env::var_os("GRASSROOTS_BLESS").is_some();
    let mut cases: Vec<_> = std::fs::read_dir(root.join("tests/cmd"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 8, "golden cases missing");
    let mut failures = Vec::new();
    for case in cases {
        let name = case.file_stem().unwrap().to_string_lossy().into_owned();
        let shown = format!("tests/cmd/{name}.toml");
        let out = Command::new(env!("CARGO_BIN_EXE_grassroots"))
            .args(["validate", &shown])
            .current_dir(root)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let golden = root.join(format!("tests/cmd/{name}.stderr"));
        if bless {
            std::fs::write(&golden, &stderr).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        if out.status.code() != Some(2) || stderr != expected {
            failures.push(format!(
                "{name}: exit {:?}\n--- expected\n{expected}--- got\n{stderr}",
                out.status.code()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
