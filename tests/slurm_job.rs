//! The Slurm job array of the README (`tests/slurm/array_job.sh`): the docs
//! show the shipped file, and the file, run as Slurm runs each array task,
//! splits a study into shards that merge into the single-machine result.
//! `tests/slurm/run.sh` submits it to a real Slurm cluster.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_docs_show_the_shipped_slurm_job() {
    let script = read("tests/slurm/array_job.sh");
    let block = format!("```sh\n{script}```\n");
    for doc in ["README.md", "docs/studies.md"] {
        assert!(
            read(doc).contains(&block),
            "{doc}'s Slurm job array is not tests/slurm/array_job.sh: make the ```sh block and the file the same"
        );
    }
}

/// Top-level files, charts and stored runs of a study directory, by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for sub in ["", "charts", "runs"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_file() {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let key = if sub.is_empty() {
                    name
                } else {
                    format!("{sub}/{name}")
                };
                out.insert(key, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn runs(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("runs")).map_or(0, |d| d.count())
}

#[cfg(unix)]
#[test]
fn the_slurm_job_runs_one_shard_per_array_task() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_grassroots"));
    let path = std::env::join_paths(std::iter::once(bin.parent().unwrap().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let shards = tmp.path().join("shards");
    // What Slurm sets for task `k` of an array of `count`; `n` is the job's N.
    let task = |k: u32, count: u32, n: Option<u32>| {
        let mut c = Command::new("bash");
        c.arg("tests/slurm/array_job.sh")
            .current_dir(ROOT)
            .env("PATH", &path)
            .env("SCENARIO", "tests/data/sweep_small.toml")
            .env("SHARDS", &shards)
            .env("SLURM_ARRAY_TASK_ID", k.to_string())
            .env("SLURM_ARRAY_TASK_COUNT", count.to_string())
            .env("SLURM_CPUS_PER_TASK", "1")
            .env_remove("N");
        if let Some(n) = n {
            c.env("N", n.to_string());
        }
        let o = c.output().expect("bash runs");
        assert!(
            o.status.success(),
            "task {k}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    for k in 1..=3 {
        task(k, 3, None);
    }
    let single = tmp.path().join("single");
    let o = Command::new(&bin)
        .current_dir(ROOT)
        .args(["sweep", "tests/data/sweep_small.toml", "-q", "--out"])
        .arg(&single)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let total = runs(&single);
    let per_shard: Vec<usize> = (1..=3).map(|k| runs(&shards.join(k.to_string()))).collect();
    assert_eq!(per_shard.iter().sum::<usize>(), total, "{per_shard:?}");
    assert!(per_shard.iter().all(|&r| r < total), "{per_shard:?}");

    // A task resubmitted alone (`N=3 sbatch --array=2`) runs only what its
    // shard lacks.
    let second = shards.join("2");
    std::fs::remove_dir_all(second.join("runs")).unwrap();
    task(2, 1, Some(3));
    assert_eq!(runs(&second), per_shard[1]);

    let merged = tmp.path().join("merged");
    let o = Command::new(&bin)
        .arg("merge")
        .args((1..=3).map(|k| shards.join(k.to_string())))
        .arg("--out")
        .arg(&merged)
        .arg("-q")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (merged, single) = (files(&merged), files(&single));
    let keep = |f: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        f.iter()
            .filter(|(k, _)| k.ends_with(".csv") || k.starts_with("charts/"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    assert!(single.contains_key("sweep_summary.csv"));
    assert!(
        keep(&merged) == keep(&single),
        "merged shards differ from the single-machine run"
    );
}
