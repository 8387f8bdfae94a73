//! The memory a study may use: the memory available (`/proc/meminfo`),
//! lowered by a cgroup limit (Slurm `--mem`, containers), or `--max-memory`;
//! and the check that refuses a study whose estimate exceeds it.
//!
//! The parsing is in pure functions of the files' contents, tested on
//! samples; only [`memory_limit`] reads the files.

use super::{Common, InputError, TargetCi};
use anyhow::Result;

/// Where a memory limit comes from, for messages.
#[derive(Debug, Clone, PartialEq)]
pub enum LimitSource {
    /// `--max-memory GIB`.
    Option,
    /// `MemAvailable` in `/proc/meminfo`.
    Available,
    /// A cgroup limit file (its path).
    Cgroup(String),
}

/// A memory limit in bytes and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// Bytes.
    pub bytes: u64,
    /// Where it comes from.
    pub source: LimitSource,
}

/// Cgroup v1 reports "no limit" as a huge number (`PAGE_COUNTER_MAX` pages,
/// 9223372036854771712 on 4 KiB pages); anything from 2^62 on is no limit.
const UNLIMITED_V1: u64 = 1 << 62;

/// `MemAvailable` from the contents of `/proc/meminfo`, in bytes.
pub fn parse_meminfo(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// A cgroup memory hierarchy mounted somewhere.
#[derive(Debug, Clone, PartialEq)]
struct Mount {
    /// Where it is mounted.
    point: String,
    /// Which cgroup of the hierarchy the mount shows at `point`.
    root: String,
    /// Version 2 (unified) or 1 with the memory controller.
    v2: bool,
}

/// The cgroup mounts of `/proc/self/mountinfo` that can hold memory limits.
fn parse_mounts(mountinfo: &str) -> Vec<Mount> {
    let mut out = Vec::new();
    for line in mountinfo.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let fields: Vec<&str> = left.split_whitespace().collect();
        let after: Vec<&str> = right.split_whitespace().collect();
        let (Some(root), Some(point), Some(fstype)) = (fields.get(3), fields.get(4), after.first())
        else {
            continue;
        };
        let unescape = |s: &str| s.replace("\\040", " ");
        let v2 = match *fstype {
            "cgroup2" => true,
            "cgroup"
                if after
                    .get(2)
                    .is_some_and(|o| o.split(',').any(|o| o == "memory")) =>
            {
                false
            }
            _ => continue,
        };
        out.push(Mount {
            point: unescape(point),
            root: unescape(root),
            v2,
        });
    }
    out
}

/// The smallest memory limit of the cgroups this process is in, walking each
/// up to the root of its mount: `memory.max` (v2; "max" is no limit) or
/// `memory.limit_in_bytes` (v1). `self_cgroup` and `mountinfo` are the
/// contents of `/proc/self/cgroup` and `/proc/self/mountinfo` (when the
/// latter is empty, the usual mounts under `/sys/fs/cgroup` are assumed);
/// `read` returns a file's contents, `None` if it cannot be read.
pub fn cgroup_limit(
    self_cgroup: &str,
    mountinfo: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> Option<(u64, String)> {
    let mut mounts = parse_mounts(mountinfo);
    if mounts.is_empty() {
        mounts = vec![
            Mount {
                point: "/sys/fs/cgroup".into(),
                root: "/".into(),
                v2: true,
            },
            Mount {
                point: "/sys/fs/cgroup/memory".into(),
                root: "/".into(),
                v2: false,
            },
        ];
    }
    let mut best: Option<(u64, String)> = None;
    for line in self_cgroup.lines() {
        // hierarchy-id:controllers:path (the path may itself hold colons)
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let v2 = id == "0" && controllers.is_empty();
        if !v2 && !controllers.split(',').any(|c| c == "memory") {
            continue;
        }
        let file = if v2 {
            "memory.max"
        } else {
            "memory.limit_in_bytes"
        };
        for mount in mounts.iter().filter(|m| m.v2 == v2) {
            // Inside a container the mount may show a sub-tree: make the
            // path relative to the mount's root.
            let relative = if mount.root != "/" {
                path.strip_prefix(mount.root.as_str()).unwrap_or(path)
            } else {
                path
            };
            let mut dir = format!(
                "{}/{}",
                mount.point.trim_end_matches('/'),
                relative.trim_matches('/')
            );
            loop {
                let candidate = format!("{}/{file}", dir.trim_end_matches('/'));
                if let Some(bytes) = read(&candidate).and_then(|t| parse_limit(&t))
                    && best.as_ref().is_none_or(|(b, _)| bytes < *b)
                {
                    best = Some((bytes, candidate));
                }
                let top = mount.point.trim_end_matches('/');
                let here = dir.trim_end_matches('/');
                if here == top || !here.starts_with(top) {
                    break;
                }
                match here.rfind('/') {
                    Some(cut) if cut >= top.len() => dir = here[..cut].to_string(),
                    _ => break,
                }
            }
        }
    }
    best
}

/// The bytes of a limit file's contents; `None` for no limit.
fn parse_limit(text: &str) -> Option<u64> {
    let t = text.trim();
    if t == "max" {
        return None;
    }
    t.parse::<u64>().ok().filter(|&n| n < UNLIMITED_V1)
}

/// The smaller of the memory available and the cgroup limit, with its source.
pub fn choose_limit(available: Option<u64>, cgroup: Option<(u64, String)>) -> Option<Limit> {
    match (available, cgroup) {
        (Some(a), Some((c, path))) if c < a => Some(Limit {
            bytes: c,
            source: LimitSource::Cgroup(path),
        }),
        (Some(a), _) => Some(Limit {
            bytes: a,
            source: LimitSource::Available,
        }),
        (None, Some((c, path))) => Some(Limit {
            bytes: c,
            source: LimitSource::Cgroup(path),
        }),
        (None, None) => None,
    }
}

/// The memory this process may use (Linux): `MemAvailable`, or its cgroup's
/// limit when that is smaller. `None` where neither can be read.
pub fn memory_limit() -> Option<Limit> {
    let read = |path: &str| read_small(path);
    let available = read("/proc/meminfo").and_then(|t| parse_meminfo(&t));
    let cgroup = read("/proc/self/cgroup").and_then(|c| {
        let mounts = read("/proc/self/mountinfo").unwrap_or_default();
        cgroup_limit(&c, &mounts, &read)
    });
    choose_limit(available, cgroup)
}

/// A small system file's contents (at most 1 MiB is read).
fn read_small(path: &str) -> Option<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(1 << 20)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// Bytes for people: GiB from 1 GiB on, MiB below.
pub fn human(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib >= 1024.0 {
        format!("{:.2} GiB", mib / 1024.0)
    } else if mib >= 0.1 {
        format!("{mib:.1} MiB")
    } else {
        // A shard's few runs: "0.0 MiB" would read as nothing.
        format!("{:.0} KiB", (bytes as f64 / 1024.0).ceil())
    }
}

/// What a study is estimated to need at its peak.
#[derive(Debug, Clone, Copy, Default)]
pub struct Estimate {
    /// Simulations alive at once (and results held by `run`).
    pub simulations: u64,
    /// The study's plan (0 for `run`).
    pub plan: u64,
    /// An adaptive study (`--target-ci`): the most runs it may grow to, and
    /// its target (said on the plan line).
    pub adaptive: Option<(u64, TargetCi)>,
    /// A study's stored runs on disk at most (`runs/`; 0 for `run`, which
    /// stores none), said on the plan line.
    pub disk: u64,
}

/// Refuse to start when the estimate exceeds the limit; say the figures.
pub fn check_memory(estimate: Estimate, runs: usize, common: &Common) -> Result<()> {
    let limit = match common.max_memory {
        Some(g) => Some(Limit {
            bytes: (g * 1024.0 * 1024.0 * 1024.0) as u64,
            source: LimitSource::Option,
        }),
        None => memory_limit(),
    };
    let total = estimate.simulations.saturating_add(estimate.plan);
    let parts = if estimate.plan > 0 {
        format!(
            " (simulations {}, plan of {runs} runs {})",
            human(estimate.simulations),
            human(estimate.plan)
        )
    } else {
        String::new()
    };
    let source = |l: &Limit| match &l.source {
        LimitSource::Option => "--max-memory".to_string(),
        LimitSource::Available => "memory available".to_string(),
        LimitSource::Cgroup(path) => format!("cgroup limit {path}"),
    };
    if !common.quiet {
        let grows = match estimate.adaptive {
            Some((most, target)) if most > runs as u64 => format!(
                " (adaptive: may grow to {} until every 95 % CI half-width ≤ {target})",
                grassroots::output::report::count(most, "run")
            ),
            _ => String::new(),
        };
        let disk = if estimate.disk > 0 {
            format!("; stored runs up to {} on disk", human(estimate.disk))
        } else {
            String::new()
        };
        eprintln!(
            "plan: {}{grows}{disk}; estimated peak memory {}{parts}{}",
            grassroots::output::report::count(runs as u64, "run"),
            human(total),
            limit
                .as_ref()
                .map(|l| format!("; limit {} ({})", human(l.bytes), source(l)))
                .unwrap_or_default()
        );
    }
    if let Some(limit) = limit.filter(|l| total > l.bytes) {
        let advice = if estimate.plan > estimate.simulations {
            "use fewer variants, points, samples or replicates (the plan is most of it)"
        } else {
            "use fewer villages or fewer threads (--threads)"
        };
        return Err(InputError(format!(
            "this would need about {} of memory but the limit is {} ({}){}; {advice}, or raise the limit with --max-memory GIB",
            human(total),
            human(limit.bytes),
            source(&limit),
            parts.replacen(" (", ": ", 1).trim_end_matches(')')
        ))
        .into());
    }
    Ok(())
}

/// `--max-memory`: a positive, finite number of GiB.
pub fn parse_gib(s: &str) -> std::result::Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 && x * 1024.0 * 1024.0 * 1024.0 >= 1.0 => Ok(x),
        _ => Err("expected a positive number of GiB, such as 8 or 0.5".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn sizes_are_said_in_units_that_show_them() {
        assert_eq!(human(3 * 1024 * 1024 * 1024), "3.00 GiB");
        assert_eq!(human(300 * 1024 * 1024), "300.0 MiB");
        assert_eq!(human(120_091), "0.1 MiB");
        assert_eq!(human(60_000), "59 KiB");
        assert_eq!(human(1), "1 KiB");
    }

    fn reader(files: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let files: HashMap<String, String> = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        move |p: &str| files.get(p).cloned()
    }

    const V2_MOUNTS: &str = "25 30 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n30 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n";

    #[test]
    fn slurm_v2_limit_is_the_smallest_up_the_hierarchy() {
        // Slurm's cgroup v2 plugin: the job's limit two levels up; "max" below.
        let job = "/system.slice/slurmstepd.scope/job_42";
        let read = reader(&[
            (&format!("/sys/fs/cgroup{job}/memory.max"), "8589934592\n"),
            (&format!("/sys/fs/cgroup{job}/step_0/memory.max"), "max\n"),
            (
                &format!("/sys/fs/cgroup{job}/step_0/user/task_0/memory.max"),
                "max\n",
            ),
            ("/sys/fs/cgroup/system.slice/memory.max", "max\n"),
        ]);
        let cgroup = format!("0::{job}/step_0/user/task_0\n");
        let (bytes, file) = cgroup_limit(&cgroup, V2_MOUNTS, &read).unwrap();
        assert_eq!(bytes, 8 << 30);
        assert_eq!(file, format!("/sys/fs/cgroup{job}/memory.max"));
    }

    #[test]
    fn v2_max_everywhere_means_no_limit() {
        let read = reader(&[
            ("/sys/fs/cgroup/user.slice/memory.max", "max\n"),
            (
                "/sys/fs/cgroup/user.slice/session-1.scope/memory.max",
                "max",
            ),
        ]);
        assert_eq!(
            cgroup_limit("0::/user.slice/session-1.scope\n", V2_MOUNTS, &read),
            None
        );
    }

    #[test]
    fn container_v2_with_its_own_namespace_reads_the_mount_root() {
        // docker --memory=2g with a cgroup namespace: the path is "/".
        let read = reader(&[("/sys/fs/cgroup/memory.max", "2147483648\n")]);
        assert_eq!(
            cgroup_limit("0::/\n", V2_MOUNTS, &read),
            Some((2 << 30, "/sys/fs/cgroup/memory.max".into()))
        );
    }

    #[test]
    fn v1_memory_controller_in_a_hybrid_hierarchy() {
        // As on the development machine: v1 controllers plus an empty v2 tree.
        let cgroup = "9:name=systemd:/\n4:memory:/process_api/e34a\n1:cpu:/\n0::/\n";
        let mounts = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n\
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n\
            32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n\
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
        let unlimited = "9223372036854771712\n";
        let read = reader(&[
            ("/sys/fs/cgroup/memory/memory.limit_in_bytes", unlimited),
            (
                "/sys/fs/cgroup/memory/process_api/memory.limit_in_bytes",
                "4294967296\n",
            ),
            (
                "/sys/fs/cgroup/memory/process_api/e34a/memory.limit_in_bytes",
                unlimited,
            ),
            (
                "/sys/fs/cgroup/cpu/process_api/e34a/memory.limit_in_bytes",
                "1",
            ),
        ]);
        assert_eq!(
            cgroup_limit(cgroup, mounts, &read),
            Some((
                4 << 30,
                "/sys/fs/cgroup/memory/process_api/memory.limit_in_bytes".into()
            ))
        );
        let read = reader(&[(
            "/sys/fs/cgroup/memory/process_api/e34a/memory.limit_in_bytes",
            unlimited,
        )]);
        assert_eq!(cgroup_limit(cgroup, mounts, &read), None, "v1 no limit");
    }

    #[test]
    fn v1_container_mount_showing_a_subtree() {
        // A v1 container without a cgroup namespace: /proc/self/cgroup shows
        // the host path, the mount shows the container's own cgroup at its point.
        let cgroup = "5:memory:/docker/abc123\n";
        let mounts =
            "40 30 0:40 /docker/abc123 /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n";
        let read = reader(&[("/sys/fs/cgroup/memory/memory.limit_in_bytes", "536870912")]);
        assert_eq!(
            cgroup_limit(cgroup, mounts, &read).map(|l| l.0),
            Some(512 << 20)
        );
    }

    #[test]
    fn without_mountinfo_the_usual_mount_points_are_tried() {
        let read = reader(&[("/sys/fs/cgroup/slurm/uid_1/job_7/memory.max", "1073741824")]);
        assert_eq!(
            cgroup_limit("0::/slurm/uid_1/job_7/step_batch\n", "", &read).map(|l| l.0),
            Some(1 << 30)
        );
        assert_eq!(cgroup_limit("garbage\n\n::\n", "", &read), None);
    }

    #[test]
    fn the_smaller_of_available_memory_and_cgroup_limit_wins() {
        assert_eq!(
            parse_meminfo("MemTotal: 100 kB\nMemAvailable:   2048 kB\n"),
            Some(2 << 20)
        );
        assert_eq!(parse_meminfo("MemTotal: 100 kB\n"), None);
        let cgroup = Some((1 << 20, "/x/memory.max".to_string()));
        assert_eq!(
            choose_limit(Some(2 << 20), cgroup.clone()).unwrap().source,
            LimitSource::Cgroup("/x/memory.max".into())
        );
        assert_eq!(
            choose_limit(Some(1 << 19), cgroup.clone()).unwrap(),
            Limit {
                bytes: 1 << 19,
                source: LimitSource::Available
            }
        );
        assert_eq!(choose_limit(None, cgroup).unwrap().bytes, 1 << 20);
        assert_eq!(choose_limit(None, None), None);
    }

    #[test]
    fn max_memory_is_a_positive_finite_number() {
        assert_eq!(parse_gib("8"), Ok(8.0));
        assert_eq!(parse_gib("0.5"), Ok(0.5));
        for bad in ["0", "-1", "nan", "inf", "1e400", "", "lots", "1e-12"] {
            assert!(parse_gib(bad).is_err(), "{bad}");
        }
    }
}
