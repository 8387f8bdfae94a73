//! The crate's layers (`src/lib.rs`): each layer imports only layers below
//! it, so no arrow points upward. This test reads every file under `src/`,
//! maps it to its layer and fails, naming file:line, when library code
//! imports (`use crate::x`, a `crate::x::…` path, or `grassroots::x` in the
//! binary) a module of a higher layer.
//!
//! From the ground floor up:
//!
//! | rank | layers | why there |
//! |---|---|---|
//! | 0 | `digest`, `stats`, `random` | pure helpers: hashing, statistics, random streams and draws |
//! | 1 | `scenario` | the policy and its parameters; knows nothing of villages |
//! | 2 | `model` | the entities and their state, built from a scenario |
//! | 3 | `metrics` | the tally observes a village (`model`) and is filled by the rules, so it sits between them |
//! | 4 | `rules` | one module per mechanism, acting on a village and filling its tally |
//! | 5 | `engine` | set-up, the monthly schedule and the county phase, which call the rules |
//! | 6 | `study` | replicates, plans, run stores and summaries of engine runs (studies as library calls) |
//! | 7 | `output` | serialising and writing results; never runs a simulation (no `engine`) |
//! | 8 | `cli`, `main` | the command line on top |
//!
//! Beside the ranks, `output` may not import `engine`, and the files of one
//! directory other than its `mod.rs` may not import each other in a cycle
//! (a `mod.rs` re-exporting its children, which use its items, is the usual
//! shape of a Rust module). Paths through `super::super::…` that reach the
//! crate root count like `crate::` paths; aliasing the crate (`use crate as
//! x`) and paths to crate-root items the test does not know (such as an
//! exported macro `crate::name!`) are refused, since they would hide imports.
//!
//! Unit tests (`#[cfg(test)]` items) are not checked: they may build their
//! fixtures with any layer (a rule's tests build villages with the engine's
//! set-up), and they are not part of the library.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Layer rank of a top-level module of the crate; `None` for items of the
/// crate root (`MODEL_VERSION`, `model_identity`), which every layer may use.
fn rank(module: &str) -> Option<u8> {
    Some(match module {
        "digest" | "stats" | "random" => 0,
        "scenario" => 1,
        "model" => 2,
        "metrics" => 3,
        "rules" => 4,
        "engine" => 5,
        "study" => 6,
        "output" => 7,
        "cli" | "main" => 8,
        _ => return None,
    })
}

/// Items of the crate root (`src/lib.rs`) that every layer may use.
const ROOT_ITEMS: &[&str] = &["MODEL_VERSION", "model_identity"];

/// Imports of one layer from another that the ranks allow but the design
/// forbids.
const FORBIDDEN: &[(&str, &str, &str)] = &[(
    "output",
    "engine",
    "output only serialises and writes; running simulations belongs to study",
)];

/// Known violations, tolerated while the work that removes them is under
/// way: (file, imported module or sibling file, reason). None today. The test
/// fails when an entry is no longer needed, so the list only shrinks.
const TOLERATED: &[(&str, &str, &str)] = &[];

/// One import of a crate module found in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Import {
    /// 1-based line of the imported path.
    line: usize,
    /// First segment after `crate::` (or `grassroots::`).
    module: String,
    /// Second segment, if any (a file of a directory module).
    submodule: Option<String>,
}

/// The module a file belongs to: `src/rules/effort.rs` → `rules`,
/// `src/metrics.rs` → `metrics`; `None` for `src/lib.rs`.
fn module_of(path: &str) -> Option<String> {
    let rest = path.strip_prefix("src/")?;
    let first = rest.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib").then(|| name.to_string())
}

/// The source with comments, string and character literals blanked
/// (newlines kept, so line numbers stay) and `#[cfg(test)]` items removed.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let blank = |c: u8| if c == b'\n' { b'\n' } else { b' ' };
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                out.push(b' ');
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    out.extend([b' ', b' ']);
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    out.extend([b' ', b' ']);
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if c == b'r'
            && (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#'))
            && (i == 0
                || !is_ident(b[i - 1])
                || (b[i - 1] == b'b' && (i == 1 || !is_ident(b[i - 2]))))
        {
            // Raw string r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            out.extend(std::iter::repeat_n(b' ', j + 1 - i));
            i = j + 1;
            while i < b.len() && !b[i..].starts_with(&close) {
                out.push(blank(b[i]));
                i += 1;
            }
            out.extend(std::iter::repeat_n(b' ', close.len().min(b.len() - i)));
            i += close.len();
        } else if c == b'"' {
            out.push(b' ');
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    out.push(b' ');
                    i += 1;
                }
                out.push(blank(b[i]));
                i += 1;
            }
            out.push(b' ');
            i += 1;
        } else if c == b'\''
            && b.get(i + 2) == Some(&b'\'')
            && b.get(i + 1).is_some_and(|&x| x != b'\\')
        {
            out.extend([b' ', b' ', b' ']);
            i += 3;
        } else if c == b'\'' && b.get(i + 1) == Some(&b'\\') {
            // Escaped character literal: '\n', '\'', '\u{…}'.
            let end = b[i + 2..]
                .iter()
                .position(|&x| x == b'\'')
                .map_or(b.len(), |p| i + 3 + p);
            out.extend(std::iter::repeat_n(b' ', end - i));
            i = end;
        } else {
            out.push(c);
            i += 1;
        }
    }
    let text = String::from_utf8_lossy(&out).into_owned();
    drop_test_items(&text)
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Blank every item marked `#[cfg(test)]` (up to its closing brace or
/// semicolon), keeping newlines.
fn drop_test_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        let mut depth = 0usize;
        let mut end = item.len();
        for (k, ch) in item.char_indices().skip("#[cfg(test)]".len()) {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = k + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = k + 1;
                    break;
                }
                _ => {}
            }
        }
        out.extend(
            item[..end]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' }),
        );
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// The module path of a file: `src/rules/effort.rs` → `[rules, effort]`,
/// `src/rules/mod.rs` → `[rules]`, `src/lib.rs` → `[]`.
fn module_path(path: &str) -> Vec<String> {
    let rest = path.strip_prefix("src/").unwrap_or(path);
    let rest = rest.strip_suffix(".rs").unwrap_or(rest);
    let mut parts: Vec<String> = rest.split('/').map(str::to_string).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Every `crate::a::b` (or `grassroots::a::b`) path in `src`, with groups
/// such as `crate::{a::x, b::{c, d}}` expanded; `super::` chains of the file
/// at `path` that climb to the crate root count as `crate::`.
fn imports(path: &str, src: &str) -> Vec<Import> {
    let code = code_only(src);
    let mut found = Vec::new();
    let depth = module_path(path).len();
    let to_root = "super::".repeat(depth);
    let mut roots = vec!["crate::".to_string(), "grassroots::".to_string()];
    if depth > 0 {
        roots.push(to_root);
    }
    for root in &roots {
        for (line, path) in paths_after(&code, root) {
            let mut parts = path.split("::").filter(|s| !s.is_empty());
            let Some(module) = parts.next() else { continue };
            found.push(Import {
                line,
                module: module.to_string(),
                submodule: parts.next().map(str::to_string),
            });
        }
    }
    // `super::super::…` one level short of the root is the file's own top
    // module; a chain that climbs to the root is read above. Paths that start
    // with `super::` preceded by `super::` are skipped by `paths_after`.
    found.sort_by(|a, b| (a.line, &a.module, &a.submodule).cmp(&(b.line, &b.module, &b.submodule)));
    found.dedup();
    found
}

/// The paths that follow each `root` (e.g. `crate::`) in `code`, groups
/// expanded, each with the 1-based line of its last segment's start.
fn paths_after(code: &str, root: &str) -> Vec<(usize, String)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = code[from..].find(root) {
        let at = from + p;
        from = at + root.len();
        if at > 0 && (is_ident(b[at - 1]) || b[at - 1] == b':') {
            continue;
        }
        // `super::` as the root matches only a whole chain, not its tail.
        if root.starts_with("super::") && code[from..].starts_with("super::") {
            continue;
        }
        expand(code, from, String::new(), &mut out);
    }
    out
}

/// Read the path (or group) starting at byte `k` under `prefix` into `out`;
/// returns the byte after it.
fn expand(code: &str, k: usize, prefix: String, out: &mut Vec<(usize, String)>) -> usize {
    let b = code.as_bytes();
    let (path, mut e) = path_at(code, k);
    let full = format!("{prefix}{path}");
    if b.get(e) != Some(&b'{') {
        out.push((code[..k].matches('\n').count() + 1, full));
        return e;
    }
    // A group: each comma-separated entry continues `full`.
    e += 1;
    loop {
        while e < b.len() && (b[e].is_ascii_whitespace() || b[e] == b',') {
            e += 1;
        }
        match b.get(e) {
            None => return e,
            Some(b'}') => return e + 1,
            Some(&c) if is_ident(c) || c == b'{' => {
                e = expand(code, e, full.clone(), out);
                // Skip an `as name` or `*`.
                while e < b.len() && !matches!(b[e], b',' | b'}') {
                    e += 1;
                }
            }
            Some(_) => e += 1,
        }
    }
}

/// The `a::b::c` path that starts at byte `k`, and the byte after it.
fn path_at(code: &str, k: usize) -> (String, usize) {
    let b = code.as_bytes();
    let mut e = k;
    while e < b.len() && (is_ident(b[e]) || (b[e] == b':' && b.get(e + 1) == Some(&b':'))) {
        e += if b[e] == b':' { 2 } else { 1 };
    }
    (code[k..e].to_string(), e)
}

/// Upward (or forbidden) imports of the file at `path` (relative to the
/// crate, e.g. `src/rules/effort.rs`) whose text is `src`, as
/// `(file:line, imported module, message)`.
fn violations(path: &str, src: &str) -> Vec<(String, String, String)> {
    let Some(own) = module_of(path) else {
        return Vec::new();
    };
    let Some(own_rank) = rank(&own) else {
        return vec![(
            format!("{path}:1"),
            own.clone(),
            format!("module `{own}` has no layer: add it to tests/layers.rs"),
        )];
    };
    let mut out = Vec::new();
    let code = code_only(src);
    for (line, text) in code.lines().enumerate() {
        let words: Vec<&str> = text.split_whitespace().collect();
        let is_crate = |w: &str| {
            let w = w.trim_start_matches(['{', '(', ',']);
            w == "crate" || w == "grassroots"
        };
        if words.windows(2).any(|w| is_crate(w[0]) && w[1] == "as") {
            out.push((
                format!("{path}:{}", line + 1),
                "crate".to_string(),
                "aliasing the crate (`use crate as …`) hides imports from tests/layers.rs; write `crate::` paths".to_string(),
            ));
        }
    }
    for import in imports(path, src) {
        let at = format!("{path}:{}", import.line);
        let Some(their) = rank(&import.module) else {
            if !ROOT_ITEMS.contains(&import.module.as_str()) {
                out.push((
                    at,
                    import.module.clone(),
                    format!(
                        "`crate::{}` is neither a module with a layer nor a known crate-root item (a macro exported to the crate root hides where it lives: give it a layer in tests/layers.rs or call it by a module path)",
                        import.module
                    ),
                ));
            }
            continue;
        };
        if their > own_rank {
            out.push((
                at,
                import.module.clone(),
                format!(
                    "`{own}` (layer {own_rank}) imports `{}` (layer {their}), a higher layer",
                    import.module
                ),
            ));
        } else if let Some((_, _, why)) = FORBIDDEN
            .iter()
            .find(|(from, to, _)| *from == own && *to == import.module)
        {
            out.push((
                at,
                import.module.clone(),
                format!("`{own}` imports `{}`: {why}", import.module),
            ));
        }
    }
    out.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    out
}

/// Files of the same directory module that import each other in a cycle,
/// from `files` (path, text); each cycle once, as (first file, second file).
fn sibling_cycles(files: &[(String, String)]) -> Vec<(String, String)> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let by_name: BTreeSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    for (path, src) in files {
        let Some(dir) = path.rsplit_once('/').map(|(d, _)| d) else {
            continue;
        };
        let Some(module) = module_of(path) else {
            continue;
        };
        if path.ends_with("/mod.rs") || !dir.starts_with("src/") || dir == "src" {
            continue;
        }
        let code = code_only(src);
        let mut targets = BTreeSet::new();
        for import in imports(path, src) {
            if import.module == module
                && let Some(sub) = import.submodule
            {
                targets.insert(format!("{dir}/{sub}.rs"));
            }
        }
        for (_, path) in paths_after(&code, "super::") {
            if let Some(first) = path.split("::").next() {
                targets.insert(format!("{dir}/{first}.rs"));
            }
        }
        targets.retain(|t| t != path && by_name.contains(t.as_str()));
        edges.insert(path.clone(), targets);
    }
    let mut cycles = Vec::new();
    for (a, targets) in &edges {
        for b in targets {
            if a < b && reaches(&edges, b, a) {
                cycles.push((a.clone(), b.clone()));
            }
        }
    }
    cycles
}

/// Whether `to` is reachable from `from` in `edges`.
fn reaches(edges: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(x) = stack.pop() {
        if x == to {
            return true;
        }
        if seen.insert(x.clone()) {
            stack.extend(edges.get(&x).into_iter().flatten().cloned());
        }
    }
    false
}

/// Every `.rs` file under `src/`, as (path relative to the crate, text).
fn source_files() -> Vec<(String, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("src/ is readable")
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(root)
                    .expect("under the crate")
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&path).expect("a source file");
                out.push((rel, text));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    walk(&root.join("src"), root, &mut out);
    out
}

#[test]
fn no_layer_imports_a_higher_one() {
    let files = source_files();
    assert!(files.len() > 40, "only {} files under src/", files.len());
    let mut failures = Vec::new();
    let mut used = BTreeSet::new();
    for (path, src) in &files {
        for (at, module, message) in violations(path, src) {
            match TOLERATED
                .iter()
                .position(|(f, m, _)| *f == path.as_str() && *m == module)
            {
                Some(k) => {
                    used.insert(k);
                }
                None => failures.push(format!("{at}: {message}")),
            }
        }
    }
    for (a, b) in sibling_cycles(&files) {
        let key = format!("cycle:{a}");
        match TOLERATED.iter().position(|(f, m, _)| *f == key && *m == b) {
            Some(k) => {
                used.insert(k);
            }
            None => failures.push(format!("{a} and {b} import each other (a cycle)")),
        }
    }
    for (k, (file, module, why)) in TOLERATED.iter().enumerate() {
        if !used.contains(&k) {
            failures.push(format!(
                "tests/layers.rs tolerates {file} -> {module} ({why}), which is gone: delete the entry"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "layer violations (see tests/layers.rs):\n{}",
        failures.join("\n")
    );
}

#[test]
fn an_upward_import_is_found_with_its_line() {
    let src = "//! A rule.\n\nuse crate::model::Village;\nuse crate::engine::rng::bernoulli;\n";
    let v = violations("src/rules/fake.rs", src);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].0, "src/rules/fake.rs:4");
    assert_eq!(v[0].1, "engine");
    assert!(v[0].2.contains("higher layer"), "{}", v[0].2);
}

#[test]
fn groups_paths_and_the_binary_are_read() {
    let src = "use crate::{\n    scenario::Scenario,\n    rules::{effort, service},\n};\n\
               fn f() { let x = crate::study::run(); }\n";
    let v = violations("src/model/fake.rs", src);
    let found: Vec<(&str, &str)> = v.iter().map(|(a, m, _)| (a.as_str(), m.as_str())).collect();
    assert_eq!(
        found,
        [
            ("src/model/fake.rs:3", "rules"),
            ("src/model/fake.rs:5", "study")
        ]
    );
    let v = violations("src/cli/fake.rs", "use grassroots::output::chart;\n");
    assert!(v.is_empty(), "{v:?}");
    let v = violations("src/scenario/x.rs", "use grassroots::engine::Simulation;\n");
    assert_eq!(v.len(), 1, "{v:?}");
}

#[test]
fn comments_strings_and_unit_tests_are_not_imports() {
    let src = "/// See [`crate::engine::Simulation`].\n\
               fn f() -> &'static str { \"crate::engine\" }\n\
               /* crate::output */\n\
               #[cfg(test)]\nmod tests {\n    use crate::engine::build_village;\n    fn g() { {} }\n}\n\
               use crate::metrics::Tally;\n";
    let v = violations("src/rules/fake.rs", src);
    assert!(v.is_empty(), "{v:?}");
    let v = violations("src/metrics.rs", &format!("{src}use crate::rules::x;\n"));
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].0, "src/metrics.rs:10");
}

#[test]
fn output_may_not_run_simulations() {
    let v = violations("src/output/fake.rs", "use crate::engine::Simulation;\n");
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(
        v[0].2.contains("never") || v[0].2.contains("serialises"),
        "{}",
        v[0].2
    );
    assert!(violations("src/output/fake.rs", "use crate::study::run;\n").is_empty());
}

#[test]
fn a_cycle_between_sibling_files_is_found() {
    let files = vec![
        (
            "src/scenario/a.rs".to_string(),
            "use super::b::X;\n".to_string(),
        ),
        (
            "src/scenario/b.rs".to_string(),
            "use crate::scenario::{a::Y, Scenario};\n".to_string(),
        ),
        (
            "src/scenario/c.rs".to_string(),
            "use super::a::Z;\n".to_string(),
        ),
    ];
    assert_eq!(
        sibling_cycles(&files),
        [(
            "src/scenario/a.rs".to_string(),
            "src/scenario/b.rs".to_string()
        )]
    );
}

#[test]
fn every_module_has_a_layer() {
    for (path, _) in source_files() {
        if let Some(module) = module_of(&path) {
            assert!(rank(&module).is_some(), "{path}: `{module}` has no layer");
        }
    }
}

#[test]
fn ways_around_crate_paths_are_caught() {
    // `super::` chains that climb to the crate root.
    let v = violations("src/output/x.rs", "use super::super::engine::Simulation;\n");
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(
        (v[0].0.as_str(), v[0].1.as_str()),
        ("src/output/x.rs:1", "engine")
    );
    let v = violations("src/rules/mod.rs", "use super::engine::step_village;\n");
    assert_eq!(v.len(), 1, "{v:?}");
    let v = violations("src/metrics.rs", "fn f() { super::study::run(); }\n");
    assert_eq!(v.len(), 1, "{v:?}");
    // One level up from a file of a directory is its own module: allowed.
    let v = violations("src/rules/effort.rs", "use super::MonthContext;\n");
    assert!(v.is_empty(), "{v:?}");
    // Aliasing the crate, and crate-root names the test does not know.
    let v = violations(
        "src/rules/x.rs",
        "use crate as root;\nfn f() { root::engine::g(); }\n",
    );
    assert_eq!(v.len(), 1, "{v:?}");
    let v = violations("src/model/x.rs", "fn f() { crate::simulate!(); }\n");
    assert_eq!(v.len(), 1, "{v:?}");
    let v = violations("src/model/x.rs", "fn f() -> u32 { crate::MODEL_VERSION }\n");
    assert!(v.is_empty(), "{v:?}");
    // A raw byte string ending in a backslash does not swallow what follows.
    let src = "const A: &[u8] = br\"a\\\";\nuse crate::engine::Simulation;\n";
    let v = violations("src/model/x.rs", src);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].0, "src/model/x.rs:2");
}
