//! `grassroots sensitivity` and `grassroots calibrate` end to end on small
//! scenarios: the files they write, determinism at any thread count, shards
//! and merge, resuming, and parameter recovery by the calibration.

mod common;

use common::{data, ok, run, temp};
use std::path::Path;

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Rows of a CSV file as maps from column to value.
fn rows(p: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let text = read(p);
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

/// `tests/data/NAME` with `from` replaced by `to` and `extra` appended,
/// written as `dir/file`; its path.
fn variant_of(dir: &Path, name: &str, (from, to): (&str, &str), extra: &str, file: &str) -> String {
    let text = read(Path::new(&data(name)));
    assert!(text.contains(from), "{name} has no `{from}`");
    let path = dir.join(file);
    std::fs::write(&path, text.replace(from, to) + extra).unwrap();
    path.to_str().unwrap().to_string()
}

/// Run `command FILE` whole into `dir/whole` and as shards 1/2 and 2/2 into
/// `dir/a` and `dir/b`; the two shard directories and the whole run's.
fn whole_and_shards(dir: &Path, command: &str, file: &str) -> [std::path::PathBuf; 3] {
    let [whole, a, b] = ["whole", "a", "b"].map(|d| dir.join(d));
    ok(&[command, file, "-q", "--out", whole.to_str().unwrap()]);
    for (k, out) in [("1/2", &a), ("2/2", &b)] {
        ok(&[
            command,
            file,
            "-q",
            "--shard",
            k,
            "--out",
            out.to_str().unwrap(),
        ]);
    }
    [whole, a, b]
}

fn num(row: &std::collections::HashMap<String, String>, col: &str) -> f64 {
    row[col].parse().unwrap_or(f64::NAN)
}

#[test]
fn sensitivity_writes_indices_charts_and_report_identically_at_any_thread_count() {
    let (_t, dir) = temp();
    let file = data("sensitivity_small.toml");
    let one = dir.join("one");
    let two = dir.join("two");
    let out = ok(&[
        "sensitivity",
        &file,
        "--threads",
        "1",
        "--out",
        one.to_str().unwrap(),
    ]);
    assert!(out.contains("most influential factors"), "{out}");
    ok(&[
        "sensitivity",
        &file,
        "--threads",
        "2",
        "-q",
        "--out",
        two.to_str().unwrap(),
    ]);
    for f in ["indices.csv", "design.csv", "report.md"] {
        assert_eq!(
            read(&one.join(f)),
            read(&two.join(f)),
            "{f} differs by threads"
        );
    }
    // The page counts design points, not runs of a point's two arms.
    let points = read(&one.join("design.csv")).lines().count() - 1;
    let page = read(&one.join("report.html"));
    assert!(
        page.contains(&format!("{points} design points × 2 arms")),
        "{points} points"
    );
    for chart in [
        "morris_realised_service",
        "morris_satisfaction_mean_effect_of_mass_evaluation",
    ] {
        for ext in ["png", "svg"] {
            let file = format!("charts/sensitivity_small_{chart}.{ext}");
            assert!(one.join(&file).is_file(), "{file}");
        }
    }
    let indices = rows(&one.join("indices.csv"));
    // 2 outcomes × (level + 1 policy effect) × 3 factors.
    assert_eq!(indices.len(), 12);
    let mu = |outcome: &str, policy: &str, factor: &str| {
        let r = indices
            .iter()
            .find(|r| r["outcome"] == outcome && r["policy"] == policy && r["parameter"] == factor)
            .unwrap_or_else(|| panic!("{outcome} {policy} {factor}"));
        (num(r, "mu_star"), num(r, "mu_star_low"), num(r, "sigma"))
    };
    // Need arrival drives service; attention acts only when score weights
    // change during a run, which they do not here: exactly no effect.
    let need = mu("realised_service", "", "environment.need_rate");
    let attention = mu("realised_service", "", "effort.attention");
    assert!(need.1 > 0.0, "need rate must matter: {need:?}");
    assert_eq!(attention, (0.0, 0.0, 0.0));
    assert!(
        mu(
            "satisfaction_mean",
            "mass_evaluation",
            "environment.need_rate"
        )
        .0 > 0.0
    );
    // 6 trajectories × 4 points, a row each, each with its place.
    let design = rows(&one.join("design.csv"));
    assert_eq!(design.len(), 24);
    for (p, r) in design.iter().enumerate() {
        assert_eq!(
            (r["trajectory"].clone(), r["step"].clone()),
            ((p / 4).to_string(), (p % 4).to_string())
        );
    }
    let report = read(&one.join("report.md"));
    assert!(
        report.contains("## realised_service: effect of mass_evaluation"),
        "{report}"
    );
    // Each quantity's replicate noise, the same on each of its rows, a
    // share of its variance across the design.
    for r in &indices {
        let share = num(r, "noise_share");
        assert!((0.0..=1.0).contains(&share), "{r:?}");
        let same = indices
            .iter()
            .filter(|x| x["outcome"] == r["outcome"] && x["policy"] == r["policy"]);
        assert!(same.clone().all(|x| x["noise_share"] == r["noise_share"]));
    }
    assert!(report.contains("Replicate noise: "), "{report}");
    // Each factor's noise floor: the μ* replicate noise alone would give.
    // A factor without effect moves no run (common random numbers), so its
    // floor is 0; need arrival's effect on satisfaction stands far above
    // its floor (on realised service, in this small county, it does not).
    let floor = |outcome: &str, factor: &str| {
        let r = indices
            .iter()
            .find(|r| r["outcome"] == outcome && r["policy"].is_empty() && r["parameter"] == factor)
            .unwrap();
        num(r, "mu_star_noise")
    };
    assert!(indices.iter().all(|r| num(r, "mu_star_noise") >= 0.0));
    assert_eq!(floor("realised_service", "effort.attention"), 0.0);
    let satisfaction = mu("satisfaction_mean", "", "environment.need_rate").0;
    let need_floor = floor("satisfaction_mean", "environment.need_rate");
    assert!(
        satisfaction > 5.0 * need_floor && need_floor > 0.0,
        "{satisfaction} {need_floor}"
    );
    assert!(report.contains("within noise"), "{report}");
}

#[test]
fn sensitivity_shards_merge_into_the_same_results_and_sobol_runs() {
    let (_t, dir) = temp();
    // A Sobol design of the same factors, small.
    let file = &variant_of(
        &dir,
        "sensitivity_small.toml",
        (
            "method = \"morris\"\ntrajectories = 6\nlevels = 4",
            "method = \"sobol\"\nsamples = 8",
        ),
        "",
        "sobol.toml",
    );
    let [whole, a, b] = whole_and_shards(&dir, "sensitivity", file);
    let merged = dir.join("merged");
    ok(&[
        "merge",
        "-q",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(
        read(&whole.join("indices.csv")),
        read(&merged.join("indices.csv"))
    );
    // Sobol points: base rows of A, B, AB_1 … AB_3.
    let design = rows(&whole.join("design.csv"));
    let matrices: Vec<&str> = design
        .iter()
        .take(5)
        .map(|r| r["matrix"].as_str())
        .collect();
    assert_eq!(matrices, ["A", "B", "AB_1", "AB_2", "AB_3"]);
    assert_eq!(design[5]["base_row"], "1");
    let indices = rows(&whole.join("indices.csv"));
    let attention = indices
        .iter()
        .find(|r| {
            r["outcome"] == "realised_service"
                && r["policy"].is_empty()
                && r["parameter"] == "effort.attention"
        })
        .unwrap();
    assert_eq!(
        num(attention, "total"),
        0.0,
        "a factor without effect has S_T = 0"
    );
    assert!(
        whole
            .join("charts/sensitivity_small_sobol_realised_service.svg")
            .is_file()
    );
}

#[test]
fn merge_refuses_a_sensitivity_plan_whose_design_does_not_match_its_variants() {
    let (_t, dir) = temp();
    let file = data("sensitivity_small.toml");
    let [_, a, b] = whole_and_shards(&dir, "sensitivity", &file);
    for d in [&a, &b] {
        let path = d.join("plan.json");
        let mut plan: serde_json::Value = serde_json::from_str(&read(&path)).unwrap();
        plan["sensitivity"]["method"]["trajectories"] = 5.into();
        std::fs::write(&path, plan.to_string()).unwrap();
    }
    let merged = dir.join("merged");
    let o = run(&[
        "merge",
        "-q",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("plan.json") && err.contains("points × 2 arms"),
        "{err}"
    );
    assert!(!merged.exists(), "nothing written");
}

#[test]
fn a_sobol_design_of_other_than_a_power_of_two_rows_gets_a_note() {
    let (_t, dir) = temp();
    let note = |samples: &str| {
        let file = variant_of(
            &dir,
            "sensitivity_small.toml",
            (
                "method = \"morris\"\ntrajectories = 6\nlevels = 4",
                &format!("method = \"sobol\"\nsamples = {samples}"),
            ),
            "",
            &format!("sobol{samples}.toml"),
        );
        let out = dir.join(format!("out{samples}"));
        let o = run(&[
            "sensitivity",
            &file,
            "--replicates",
            "1",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(out.join("indices.csv").is_file());
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let three = note("3");
    assert!(
        three.contains(
            "[sensitivity] samples = 3 is not a power of two; the Sobol sequence is balanced in blocks of 2^m points, and 2 or 4 would use its balance fully"
        ),
        "{three}"
    );
    assert!(!note("4").contains("power of two"));
}

/// Mean of `metric` over months 24–35 across 10 replicates of the small
/// calibration scenario at seed 1234 with `overrides`.
fn truth(metric: &str, overrides: &[(&str, &str)]) -> f64 {
    let text = read(Path::new(&data("calibration_small.toml")));
    let overrides: Vec<(String, String)> = overrides
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .chain([("scenario.seed".to_string(), "1234".to_string())])
        .collect();
    let s =
        grassroots::scenario::Scenario::from_toml_with(&text, "c.toml", &overrides, None).unwrap();
    let k = grassroots::metrics::metric_index(metric).unwrap();
    let runs = grassroots::study::run_replicates(&s, 0, 10, &|| {});
    let total: f64 = runs
        .iter()
        .map(|r| r.months[24..36].iter().map(|m| m[k]).sum::<f64>() / 12.0)
        .sum();
    total / runs.len() as f64
}

#[test]
fn calibration_recovers_known_parameters_and_resumes() {
    let (_t, dir) = temp();
    let at = [
        ("environment.need_rate", "0.12"),
        ("training.skill_decay", "0.01"),
    ];
    let service = truth("realised_service", &at);
    let skill = truth("skill_mean", &at);
    let mut text = read(Path::new(&data("calibration_small.toml")));
    text.push_str(&format!(
        "\n[[calibration.targets]]\nmetric = \"realised_service\"\nmonths = [24, 35]\nvalue = {service}\nsd = 0.015\nsource = \"the model at need_rate 0.12\"\n\n[[calibration.targets]]\nmetric = \"skill_mean\"\nmonths = [24, 35]\nvalue = {skill}\nsd = 0.01\n"
    ));
    let file = dir.join("recover.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.join("out");
    let printed = ok(&[
        "calibrate",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(printed.contains("generation 4 (5 of 5)"), "{printed}");
    // The fit of the targets is a posterior predictive: the 30 kept
    // particles simulated again (2 replicates each) on fresh seeds, not the
    // simulations they were selected on.
    assert!(
        printed.contains("posterior predictive 60 runs (60 new)"),
        "{printed}"
    );
    let posterior = rows(&out.join("posterior.csv"));
    let selected: f64 = posterior
        .iter()
        .map(|r| num(r, "weight") * num(r, "simulated:realised_service"))
        .sum();
    let fit = rows(&out.join("target_fit.csv"));
    let predictive = num(&fit[0], "posterior_mean");
    assert!(
        (predictive - selected).abs() > 1e-9 && (predictive - service).abs() < 0.05,
        "{predictive} {selected}"
    );
    let summary = rows(&out.join("posterior_summary.csv"));
    for (key, value) in at {
        let row = summary.iter().find(|r| r["parameter"] == key).unwrap();
        let truth: f64 = value.parse().unwrap();
        let (lo, hi) = (num(row, "q05"), num(row, "q95"));
        assert!(
            lo <= truth && truth <= hi,
            "{key}: truth {truth} outside [{lo}, {hi}]"
        );
        assert!(
            num(row, "width90_over_prior") < 0.9,
            "{key}: posterior not narrower than the prior: {row:?}"
        );
    }
    // Tolerances shrink over the generations (each is the quantile of a
    // fresh batch's distances, so one generation may end a little above
    // the one before where simulation noise dominates).
    let eps: Vec<f64> = rows(&out.join("generations.csv"))
        .iter()
        .map(|r| num(r, "epsilon"))
        .collect();
    assert!(eps[eps.len() - 1] < 0.75 * eps[0], "{eps:?}");
    // The calibrated scenario is a valid scenario with the medians.
    let calibrated = out.join("calibrated.toml");
    ok(&["validate", calibrated.to_str().unwrap()]);
    let header = read(&calibrated);
    assert!(
        header.contains("parameter by parameter")
            && header.contains("replicates = 2 is the calibration's own"),
        "{header}"
    );
    for f in [
        "posterior.csv",
        "target_fit.csv",
        "report.md",
        "charts/calibration_small_posterior_pairs.png",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    // Resuming replays the same proposals and finds every run stored; the
    // files are the same however the calibration was produced.
    let posterior = read(&out.join("posterior.csv"));
    let generations = read(&out.join("generations.csv"));
    let report = read(&out.join("report.md"));
    // Titled by the scenario, as report.html and the charts are, not by
    // the output directory (`calibration_small_calibration`).
    assert!(
        report.starts_with("# Calibration: calibration_small\n"),
        "{report}"
    );
    let again = ok(&[
        "calibrate",
        file.to_str().unwrap(),
        "--threads",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(again.contains("(0 new)"), "{again}");
    assert_eq!(posterior, read(&out.join("posterior.csv")));
    assert_eq!(generations, read(&out.join("generations.csv")));
    assert_eq!(report, read(&out.join("report.md")));
    // An interrupted calibration (runs lost) resumes to the same posterior.
    let runs: Vec<_> = std::fs::read_dir(out.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for run in runs.iter().step_by(3) {
        std::fs::remove_file(run).unwrap();
    }
    let resumed = ok(&[
        "calibrate",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!resumed.contains("(0 new)"), "{resumed}");
    assert_eq!(posterior, read(&out.join("posterior.csv")));
    // More generations continue the same calibration without --force.
    let more = read(&file).replace("generations = 5", "generations = 6");
    std::fs::write(&file, more).unwrap();
    let continued = ok(&[
        "calibrate",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(continued.contains("generation 5 (6 of 6)"), "{continued}");
}

/// The small calibration scenario, 10 particles and 2 generations, with
/// `targets` appended, written as `dir/name`.
fn small_calibration(dir: &Path, name: &str, targets: &str) -> String {
    variant_of(
        dir,
        "calibration_small.toml",
        (
            "particles = 30\ngenerations = 5",
            "particles = 10\ngenerations = 2",
        ),
        targets,
        name,
    )
}

#[test]
fn an_unreachable_target_is_warned_of_on_the_terminal_and_in_the_report() {
    let (_t, dir) = temp();
    // The model's realised service is about 0.2: 5.0 is beyond every draw.
    let file = small_calibration(
        &dir,
        "far.toml",
        "\n[[calibration.targets]]\nmetric = \"realised_service\"\nmonths = [24, 35]\nvalue = 5.0\nsd = 0.015\n",
    );
    let out = dir.join("out");
    let o = run(&["calibrate", &file, "--out", out.to_str().unwrap()]);
    assert!(o.status.success());
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    // The fit table on the terminal, with the flag.
    assert!(
        stdout.contains("fit of the targets")
            && stdout.contains("realised_service 24–35")
            && stdout.contains("100 % below")
            && stdout.contains("(outside the prior-predictive range by ")
            && stdout.contains(" sd)"),
        "{stdout}"
    );
    for said in [
        "warning: the posterior predictive's median squared distance D² = ",
        "the particles do not fit the targets",
        "warning: target realised_service = 5.00 is outside the prior-predictive range",
        "none of the 34 parameter sets drawn from the prior reached it",
        "so the model cannot reach it with these priors",
        "warning: environment.need_rate: q025",
    ] {
        assert!(stderr.contains(said), "{said}: {stderr}");
    }
    let report = read(&out.join("report.md"));
    assert!(
        report.contains("## Warnings\n\n- the posterior predictive's median squared distance")
            && report.contains("(**outside it by ")
            && report.contains("the particles do not fit the targets, and the posterior"),
        "{report}"
    );
    assert!(read(&out.join("report.html")).contains("ABC credible intervals"));
    let fit = rows(&out.join("target_fit.csv"));
    assert_eq!(fit[0]["outside_prior_predictive"], "true");
    // (5 − the largest prior draw) / 0.015: hundreds of sd.
    assert!(num(&fit[0], "prior_predictive_gap_sd") > 2.0);
    assert_eq!(num(&fit[0], "posterior_share_below"), 1.0);
    assert!(num(&fit[0], "prior_predictive_max") < 1.0, "{fit:?}");
    let summary = rows(&out.join("posterior_summary.csv"));
    assert!(summary[0]["clamped"].contains("q025"), "{summary:?}");
    assert!(num(&summary[0], "median_se") > 0.0, "{summary:?}");
    // With -q, nothing on the terminal; the report still says it.
    let o = run(&["calibrate", &file, "-q", "--out", out.to_str().unwrap()]);
    assert!(o.status.success() && o.stdout.is_empty(), "{o:?}");
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("warning"),
        "{o:?}"
    );
    // A reachable target: no warning of the fit or the target.
    let near = small_calibration(
        &dir,
        "near.toml",
        "\n[[calibration.targets]]\nmetric = \"realised_service\"\nmonths = [24, 35]\nvalue = 0.17\nsd = 0.015\n",
    );
    let o = run(&[
        "calibrate",
        &near,
        "--out",
        dir.join("near").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success() && !stderr.contains("outside") && !stderr.contains("do not fit"),
        "{stderr}"
    );
}

/// A target's sd only weighs the targets against each other
/// (docs/experiments.md): scaling every sd alike keeps every particle.
#[test]
fn scaling_every_target_sd_alike_changes_no_particle_only_epsilon() {
    let (_t, dir) = temp();
    let targets = |k: f64| {
        format!(
            "\n[[calibration.targets]]\nmetric = \"realised_service\"\nmonths = [24, 35]\nvalue = 0.17\nsd = {}\n\n[[calibration.targets]]\nmetric = \"skill_mean\"\nmonths = [24, 35]\nvalue = 0.5\nsd = {}\n",
            0.015 * k,
            0.01 * k
        )
    };
    let mut posteriors = Vec::new();
    for (k, name) in [(1.0, "one"), (4.0, "four")] {
        let file = small_calibration(&dir, &format!("{name}.toml"), &targets(k));
        let out = dir.join(name);
        ok(&["calibrate", &file, "-q", "--out", out.to_str().unwrap()]);
        posteriors.push((
            rows(&out.join("posterior.csv")),
            rows(&out.join("generations.csv")),
        ));
    }
    let ((a, ga), (b, gb)) = (&posteriors[0], &posteriors[1]);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        for col in ["environment.need_rate", "training.skill_decay", "weight"] {
            assert_eq!(x[col], y[col], "{col}");
        }
        let (d1, d4) = (num(x, "distance"), num(y, "distance"));
        assert!((d1 - 4.0 * d4).abs() < 1e-9 * d1, "{d1} {d4}");
    }
    for (x, y) in ga.iter().zip(gb) {
        assert!((num(x, "epsilon") - 4.0 * num(y, "epsilon")).abs() < 1e-9 * num(x, "epsilon"));
    }
}

#[test]
fn calibration_targets_a_policy_difference() {
    let (_t, dir) = temp();
    let mut text = read(Path::new(&data("calibration_small.toml")));
    text = text.replace(
        "particles = 30\ngenerations = 5",
        "particles = 10\ngenerations = 1",
    );
    text.push_str("\n[[calibration.targets]]\nmetric = \"formalism_index\"\nvariant = \"mass_evaluation\"\nvalue = -0.1\nsd = 0.05\n");
    // The world comes from a base file: calibrated.toml must stand alone.
    let world = "[world]\nvillages = 4\nhouseholds_per_village = 40\nmembers_per_village = 8\n";
    std::fs::create_dir(dir.join("in")).unwrap();
    std::fs::write(dir.join("in/world.toml"), world).unwrap();
    text = text
        .replace(world, "")
        .replace("[scenario]\n", "[scenario]\nbase = \"world.toml\"\n");
    assert!(text.contains("base = \"world.toml\"") && !text.contains("[world]"));
    let file = dir.join("in/policy.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.join("out");
    ok(&[
        "calibrate",
        file.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let calibrated = grassroots::scenario::Scenario::from_toml(
        &read(&out.join("calibrated.toml")),
        "calibrated.toml",
    )
    .unwrap();
    assert_eq!(calibrated.world.villages, 4);
    assert!(calibrated.scenario.base.is_empty());
    let fit = rows(&out.join("target_fit.csv"));
    assert_eq!(fit[0]["variant"], "mass_evaluation");
    // Mass evaluation lowers formalism (docs/model.md §7.3): the simulated
    // difference is negative at every particle.
    let posterior = rows(&out.join("posterior.csv"));
    let col = "simulated:formalism_index (mass_evaluation − baseline)";
    assert!(posterior.iter().all(|r| num(r, col) < 0.0), "{posterior:?}");
    assert_eq!(rows(&out.join("generations.csv")).len(), 1);
}

#[test]
fn sections_are_refused_where_they_are_wrong() {
    let (_t, dir) = temp();
    let file = dir.join("bad.toml");
    std::fs::write(
        &file,
        "[scenario]\nmonths = 24\n[calibration.parameters]\n\"environment.need_rate\" = [0.05, 0.2]\n[[calibration.targets]]\nmetric = \"share_met\"\nmonths = [12, 30]\nvalue = 0.7\nsd = 0\nvariant = \"nope\"\n",
    )
    .unwrap();
    let o = run(&["calibrate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("bad.toml:9:6: calibration.targets.sd: expected a number > 0"),
        "{e}"
    );
    std::fs::write(&file, read(&file).replace("sd = 0\n", "sd = 0.1\n")).unwrap();
    let e =
        String::from_utf8_lossy(&run(&["calibrate", file.to_str().unwrap()]).stderr).into_owned();
    assert!(e.contains("bad.toml:10:11: calibration.targets.variant: no variant named `nope`; the file has no [[variants]]"), "{e}");
    std::fs::write(&file, read(&file).replace("variant = \"nope\"\n", "")).unwrap();
    let e =
        String::from_utf8_lossy(&run(&["calibrate", file.to_str().unwrap()]).stderr).into_owned();
    assert!(e.contains("bad.toml:7:10: calibration.targets.months: target `share_met` ends at month 30, after the run's last month 23"), "{e}");
    let o = run(&["sensitivity", &data("small.toml")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no [sensitivity] section"));
}

/// The commands `calibrate --shard` and `merge` print to continue a sharded
/// calibration carry its overrides and replicates: copied, they find the
/// first generation stored instead of being refused as another study.
#[test]
fn the_printed_next_commands_of_a_sharded_calibration_continue_it() {
    let (_t, dir) = temp();
    let file = &variant_of(
        &dir,
        "calibration_small.toml",
        (
            "particles = 30\ngenerations = 5",
            "particles = 6\ngenerations = 2",
        ),
        "\n[[calibration.targets]]\nmetric = \"realised_service\"\nvalue = 0.2\nsd = 0.02\n",
        "c.toml",
    );
    let [a, b, merged] = ["a", "b", "merged"].map(|d| dir.join(d));
    let given = [
        "--seed",
        "11",
        "--set",
        "funds.monthly_guarantee=2.5",
        "--replicates",
        "1",
    ];
    let mut said = String::new();
    for (k, out) in [("1/2", &a), ("2/2", &b)] {
        let mut args = vec![
            "calibrate",
            file,
            "--shard",
            k,
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(given);
        said = ok(&args);
    }
    let next = said.split("then ").last().unwrap().trim();
    assert_eq!(
        next,
        format!(
            "grassroots calibrate {file} --out MERGED --set funds.monthly_guarantee=2.5 --seed 11 --replicates 1"
        ),
        "{said}"
    );
    let said = ok(&[
        "merge",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    let hint = said.split("finish it with: ").nth(1).expect(&said).trim();
    let words: Vec<&str> = hint.split_whitespace().collect();
    assert_eq!(words[..2], ["grassroots", "calibrate"], "{hint}");
    let finished = ok(&words[1..]);
    assert!(
        finished.contains("generation 0 (1 of 2)") && finished.contains("(0 new)"),
        "{hint}\n{finished}"
    );
    // A calibration writes at its top only names the overwrite guard knows.
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&merged.join("manifest.json"))).unwrap();
    for f in manifest["files"].as_array().unwrap() {
        let f = f.as_str().unwrap();
        assert!(
            f.contains('/')
                || ["manifest.json", "plan.json"].contains(&f)
                || grassroots::output::STUDY_RESULT_FILES.contains(&f),
            "calibrate writes {f}, which STUDY_RESULT_FILES lacks"
        );
    }
    // Without --replicates 1 it would be another calibration: refused, and
    // the finished one is left as it was.
    let posterior = read(&merged.join("posterior.csv"));
    let without: Vec<&str> = words[1..words.len() - 2].to_vec();
    let o = run(&without);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("1 replicate per proposal, not 2); nothing was changed — give --replicates 1 to continue it"),
        "{e}"
    );
    assert_eq!(read(&merged.join("posterior.csv")), posterior);
}

#[test]
fn a_calibrations_rejection_generation_shards_and_merges() {
    let (_t, dir) = temp();
    let file = &variant_of(
        &dir,
        "calibration_small.toml",
        (
            "particles = 30\ngenerations = 5",
            "particles = 8\ngenerations = 2",
        ),
        "\n[[calibration.targets]]\nmetric = \"realised_service\"\nvalue = 0.2\nsd = 0.02\n",
        "c.toml",
    );
    let [whole, a, b] = whole_and_shards(&dir, "calibrate", file);
    let merged = dir.join("merged");
    // A shard says what it did and what comes next (here: all stored).
    let said = ok(&[
        "calibrate",
        file,
        "--shard",
        "1/2",
        "--out",
        a.to_str().unwrap(),
    ]);
    assert!(
        said.contains("shard 1/2 of the first (rejection) generation")
            && said.contains("0 of its")
            && said.contains("then grassroots calibrate"),
        "{said}"
    );
    // One shard alone is not the whole generation.
    let o = run(&[
        "merge",
        a.to_str().unwrap(),
        "--out",
        dir.join("half").to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let said = ok(&[
        "merge",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert!(
        said.contains("finish it with: grassroots calibrate"),
        "{said}"
    );
    let finished = ok(&["calibrate", file, "--out", merged.to_str().unwrap()]);
    assert!(
        finished.contains("generation 0 (1 of 2)") && finished.contains("(0 new)"),
        "{finished}"
    );
    assert_eq!(
        read(&whole.join("posterior.csv")),
        read(&merged.join("posterior.csv"))
    );
}
