//! `distributions.csv`: the final month's distributions of satisfaction,
//! trust and motivation written by `run`, `compare` and `sweep`, and the run
//! store's format that carries them (older stored runs are never reused).

mod common;
use common::{data, ok, run, temp};

use grassroots::metrics::{DIST_BINS, DISTRIBUTIONS};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// One row of `distributions.csv`.
#[derive(Debug)]
struct Row {
    group: String,
    level: String,
    quantity: String,
    low: String,
    high: String,
    count: u64,
    share: f64,
}

/// The rows of `dir/distributions.csv`, whose first column is `column`.
fn rows(dir: &Path, column: &str) -> Vec<Row> {
    let mut r = csv::Reader::from_path(dir.join("distributions.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            column, "level", "quantity", "bin_low", "bin_high", "count", "share"
        ]
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            Row {
                group: rec[0].to_string(),
                level: rec[1].to_string(),
                quantity: rec[2].to_string(),
                low: rec[3].to_string(),
                high: rec[4].to_string(),
                count: rec[5].parse().unwrap(),
                share: rec[6].parse().unwrap(),
            }
        })
        .collect()
}

/// Per group, level and quantity: (bins, total count, sum of shares), after
/// checking that each has every bin once, in order, with exact edges and
/// shares that are its counts over their total.
fn groups(rows: &[Row]) -> BTreeMap<(String, String, String), (usize, u64, f64)> {
    let mut out: BTreeMap<(String, String, String), (usize, u64, f64)> = BTreeMap::new();
    for r in rows {
        let g = out
            .entry((r.group.clone(), r.level.clone(), r.quantity.clone()))
            .or_default();
        let k = g.0;
        // 0, 0.05, 0.1, …, 0.95, 1 as written by hand.
        let edge = |k: usize| format!("{}", (5 * k) as f64 / 100.0);
        assert_eq!(
            (r.low.clone(), r.high.clone()),
            (edge(k), edge(k + 1)),
            "{r:?}"
        );
        g.0 += 1;
        g.1 += r.count;
        g.2 += r.share;
    }
    for r in rows {
        let total = out[&(r.group.clone(), r.level.clone(), r.quantity.clone())].1;
        assert!(
            (r.share - r.count as f64 / total as f64).abs() < 1e-15,
            "{r:?}"
        );
    }
    out
}

/// Check the shares of every group sum to 1 over its 20 bins, every level
/// and quantity is there for every one of `names`, and return the totals.
fn totals(rows: &[Row], names: &[&str]) -> BTreeMap<(String, String, String), u64> {
    let g = groups(rows);
    assert_eq!(g.len(), names.len() * DISTRIBUTIONS.len());
    for name in names {
        for (level, quantity) in DISTRIBUTIONS {
            let key = (
                name.to_string(),
                level.name().to_string(),
                quantity.name().to_string(),
            );
            let (bins, _, share) = g.get(&key).unwrap_or_else(|| panic!("no {key:?}"));
            assert_eq!(*bins, DIST_BINS, "{key:?}");
            assert!((share - 1.0).abs() < 1e-9, "{key:?}: shares sum to {share}");
        }
    }
    g.into_iter().map(|(k, (_, total, _))| (k, total)).collect()
}

fn key(group: &str, level: &str, quantity: &str) -> (String, String, String) {
    (group.into(), level.into(), quantity.into())
}

#[test]
fn a_run_writes_its_replicates_distributions_pooled() {
    let (_t, dir) = temp();
    let out = dir.join("run");
    ok(&[
        "run",
        &data("small.toml"),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert!(
        manifest["files"]
            .as_array()
            .unwrap()
            .contains(&"distributions.csv".into()),
        "{manifest}"
    );
    let totals = totals(&rows(&out, "variant"), &["small"]);
    // The counts are the library's replicates, pooled.
    let text = fs::read_to_string(data("small.toml")).unwrap();
    let s = grassroots::scenario::Scenario::from_toml(&text, "small.toml").unwrap();
    let runs = grassroots::study::run_replicates(&s, 0, 3, &|| {});
    let pooled = grassroots::study::pool_distributions(runs.iter().map(|r| &r.distributions));
    for ((level, quantity), counts) in DISTRIBUTIONS.iter().zip(&pooled.counts) {
        assert_eq!(
            totals[&key("small", level.name(), quantity.name())],
            counts.iter().sum::<u64>()
        );
    }
    // 6 villages of 20–40 households in each of 3 replicates.
    let households = totals[&key("small", "households", "satisfaction")];
    assert!(
        (3 * 6 * 20..=3 * 6 * 40).contains(&households),
        "{households}"
    );
    assert_eq!(totals[&key("small", "households", "trust")], households);
    assert_eq!(totals[&key("small", "villages", "satisfaction")], 18);
    let members = totals[&key("small", "members", "motivation")];
    assert!((1..=3 * 6 * 6).contains(&members), "{members}");
}

#[test]
fn a_comparison_writes_each_variants_distributions() {
    let (_t, dir) = temp();
    let out = dir.join("compare");
    ok(&[
        "compare",
        &data("compare_small.toml"),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let names = ["baseline", "mass_evaluation", "same"];
    let totals = totals(&rows(&out, "variant"), &names);
    for name in names {
        // 6 villages of 40 households in each of 4 replicates.
        assert_eq!(totals[&key(name, "households", "satisfaction")], 960);
        assert_eq!(totals[&key(name, "households", "trust")], 960);
        assert_eq!(totals[&key(name, "villages", "trust")], 24);
        let members = totals[&key(name, "members", "motivation")];
        assert!((1..=4 * 6 * 8).contains(&members), "{members}");
    }
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"distributions.csv\""), "{manifest}");
    // The policy changes the distribution of satisfaction, not only its mean.
    let shares = |variant: &str| -> Vec<f64> {
        rows(&out, "variant")
            .into_iter()
            .filter(|r| {
                r.group == variant && r.level == "households" && r.quantity == "satisfaction"
            })
            .map(|r| r.share)
            .collect()
    };
    assert_ne!(shares("baseline"), shares("mass_evaluation"));
}

#[test]
fn a_sweep_writes_each_points_distributions() {
    let (_t, dir) = temp();
    let out = dir.join("sweep");
    ok(&[
        "sweep",
        &data("sweep_small.toml"),
        "-q",
        "--replicates",
        "1",
        "--set",
        "scenario.months=6",
        "--out",
        out.to_str().unwrap(),
    ]);
    let points: Vec<String> = (0..24).map(|p| p.to_string()).collect();
    let names: Vec<&str> = points.iter().map(String::as_str).collect();
    let totals = totals(&rows(&out, "point"), &names);
    assert_eq!(totals[&key("23", "households", "satisfaction")], 2000);
    assert_eq!(totals[&key("0", "villages", "satisfaction")], 20);
}

fn stored_runs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    v.sort();
    v
}

/// Rewrite a stored run as grassroots wrote it before the distributions
/// (store format 1): no `format=`, no distributions, a matching checksum.
fn to_old_format(path: &Path) {
    let text = fs::read_to_string(path).unwrap();
    let (first, table) = text.split_once('\n').unwrap();
    assert!(first.contains(" format=2 "), "{first}");
    let table = &table[..table.find("# final-month distributions").unwrap()];
    let (fields, _) = first.rsplit_once(" sha256=").unwrap();
    let first = format!(
        "{} sha256={}",
        fields.replacen(" format=2", "", 1),
        grassroots::digest::sha256_hex(table.as_bytes())
    );
    fs::write(path, format!("{first}\n{table}")).unwrap();
}

/// Every result file of a study directory but the manifest and lock.
fn result_tables(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn stored_runs_of_the_old_format_are_run_again_and_refused_by_merge() {
    let (_t, dir) = temp();
    let study = dir.join("study");
    let args = |out: &Path| {
        [
            "compare".to_string(),
            data("compare_small.toml"),
            "--out".into(),
            out.display().to_string(),
        ]
    };
    let a = args(&study);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    ok(&a);
    let fresh = result_tables(&study);
    let runs = stored_runs(&study);
    // 3 variants × 4 replicates; `same` is the baseline's runs (same key).
    assert_eq!(runs.len(), 8);
    let fresh_runs: Vec<Vec<u8>> = runs.iter().map(|p| fs::read(p).unwrap()).collect();
    for p in &runs {
        to_old_format(p);
    }
    // Resumed: every old run is reported and run again, none is read.
    let o = run(&a);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    // Five are named, the other three counted.
    assert_eq!(
        stderr.matches("damaged stored run (").count(),
        5,
        "{stderr}"
    );
    assert!(stderr.contains("3 more damaged stored runs in"), "{stderr}");
    assert!(
        stderr.contains("was stored by an older grassroots in store format 1, without the final-month distributions"),
        "{stderr}"
    );
    assert_eq!(result_tables(&study), fresh);
    let again: Vec<Vec<u8>> = runs.iter().map(|p| fs::read(p).unwrap()).collect();
    assert_eq!(again, fresh_runs, "stored again in the new format");

    // A shard holding an old-format run: merge refuses it, naming the file.
    let shards: Vec<PathBuf> = (1..=2).map(|k| dir.join(format!("s{k}"))).collect();
    for (k, s) in shards.iter().enumerate() {
        let a = args(s);
        let mut a: Vec<&str> = a.iter().map(String::as_str).collect();
        let shard = format!("{}/2", k + 1);
        a.extend(["--shard", &shard, "-q"]);
        ok(&a);
    }
    let old = stored_runs(&shards[1])[0].clone();
    to_old_format(&old);
    let merged = dir.join("merged");
    let o = run(&[
        "merge",
        shards[0].to_str().unwrap(),
        shards[1].to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
        "-q",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&*old.display().to_string()), "{stderr}");
    assert!(stderr.contains("damaged stored run"), "{stderr}");
    assert!(stderr.contains("format 1"), "{stderr}");
    assert!(stderr.contains("merge refused"), "{stderr}");
    assert!(!merged.join("distributions.csv").exists());
}
