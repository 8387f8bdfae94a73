//! `grassroots run`: one scenario, its replicates, CSVs, manifest and charts.

use super::{
    Common, Estimate, check_memory, command_line, command_text, default_out, load, overrides, pool,
    progress, read_text, resolve, what_if_out,
};
use anyhow::Result;
use grassroots::metrics::{self, Role};
use grassroots::output::report::{count, run_readings, values_words};
use grassroots::output::{self, StagedDir, manifest};
use grassroots::scenario::Scenario;
use grassroots::study::analysis::{final_window, final_window_words, window_summaries};
use grassroots::study::{self, MonthSummary, ReplicateRun, plan::estimate_run_memory};
use std::path::Path;
use std::time::Instant;

/// Run a scenario file.
pub fn run(file: &Path, common: &Common, per_village: bool) -> Result<()> {
    let (text, shown) = read_text(file)?;
    let given = overrides(common)?;
    let (s, spec) = load(&text, &shown, &given)?;
    if let Some(note) = super::uninherited_changes_note(&text, &shown) {
        eprintln!("{note}");
    }
    let out = match &common.out {
        Some(out) => out.clone(),
        None => {
            // A what-if run gets its own directory, named by what it resolves
            // to: the order and spelling of the overrides do not matter, and
            // overrides that change nothing (the file's own seed) are none.
            let replicates: Vec<(String, String)> = given
                .iter()
                .filter(|(k, _)| k == "scenario.replicates")
                .cloned()
                .collect();
            let plain = resolve(&text, &shown, &replicates)?;
            let identity = output::inputs_identity(&s);
            if identity == output::inputs_identity(&plain) {
                default_out(&s.scenario.name, &[])
            } else {
                what_if_out(&s.scenario.name, &identity)
            }
        }
    };
    let pool = pool(common.threads)?;
    let threads = pool.current_num_threads();
    let concurrent = threads.min(s.scenario.replicates as usize);
    check_memory(
        Estimate {
            simulations: estimate_run_memory(&s, concurrent, per_village),
            plan: 0,
            adaptive: None,
            disk: 0,
        },
        s.scenario.replicates as usize,
        common,
    )?;

    // Claim the output directory first: a refusal comes before the work.
    let staged = StagedDir::new(&out, &s, common.force, &command_text())?;
    // A quick check with fewer replicates would replace a fuller run of the
    // same inputs with less precise results: only when asked.
    if let Some(before) = staged
        .replaces()
        .filter(|&n| n > u64::from(s.scenario.replicates) && !common.force)
    {
        return Err(super::InputError(format!(
            "{}: holds a run of the same inputs with {}; this one has {} and would replace it with less precise results; nothing was changed — give this run its own --out, or add --force to replace it",
            out.display(),
            count(before, "replicate"),
            count(u64::from(s.scenario.replicates), "replicate")
        ))
        .into());
    }
    // Counted in village-months: a run of one replicate advances smoothly.
    let meter = progress("replicates", &s.scenario.name, common.quiet);
    let started = Instant::now();
    let runs = pool.install(|| {
        study::run_replicates_detailed(&s, 0, s.scenario.replicates, per_village, &meter)
    });
    let wall = started.elapsed().as_secs_f64();
    meter.finish();
    let summaries = study::summarize_runs(&runs);
    let question = super::question_overrides(&given);
    let info = manifest::RunInfo {
        scenario_file: shown.clone(),
        threads,
        wall_time_seconds: wall,
        files: vec![],
        command_line: command_line(),
        overrides: given.clone(),
    };
    let out_files = output::run::RunOutput {
        scenario: &s,
        runs: &runs,
        summaries: &summaries,
        per_village,
        question: &question,
    };
    output::run::write(staged.path(), out_files, info)?;
    let replaced = staged.replaces();
    // Said as the user gave it (the directory itself may be behind a link).
    staged.commit()?;
    if !common.quiet {
        let note = output::report::overrides_note(&question);
        report(&s, &note, &summaries, &runs, &out, wall, threads);
        // Another replicate count replaced the previous results (more, or
        // fewer with --force): say so, so that it is not a surprise later.
        if let Some(before) = replaced.filter(|&n| n != u64::from(s.scenario.replicates)) {
            say!(
                "note: this replaced the previous results in {} ({}); give each run its own --out to keep both",
                out.display(),
                count(before, "replicate")
            );
        }
        let mut studies: Vec<String> = Vec::new();
        if !spec.variants.is_empty() {
            studies.push(format!(
                "{} (grassroots compare)",
                count(spec.variants.len() as u64, "variant")
            ));
        }
        for (present, section, command) in [
            (spec.sweep.is_some(), "sweep", "sweep"),
            (spec.sensitivity.is_some(), "sensitivity", "sensitivity"),
            (spec.calibration.is_some(), "calibration", "calibrate"),
        ] {
            if present {
                studies.push(format!("a [{section}] (grassroots {command})"));
            }
        }
        if !studies.is_empty() {
            say!(
                "note: {shown} also defines {}; `run` ran its base scenario only",
                studies.join(", ")
            );
        }
    }
    Ok(())
}

/// A short plain-text report: the main metrics at month 0, at the final
/// month and over the final window (the last assessment period).
fn report(
    s: &Scenario,
    note: &str,
    rows: &[MonthSummary],
    runs: &[ReplicateRun],
    out: &Path,
    wall: f64,
    threads: usize,
) {
    let last = s.scenario.months - 1;
    let months = final_window(s);
    let window = window_summaries(runs, months);
    say!(
        "{}{note}: {} × {} × {} in {:.2} s on {}",
        s.scenario.name,
        count(s.scenario.replicates, "replicate"),
        count(s.scenario.months, "month"),
        count(s.world.villages, "village"),
        wall,
        count(threads as u64, "thread")
    );
    say!(
        "{}; the last column averages each replicate over its last {} ({}):",
        values_words(s.scenario.replicates),
        count(months, "month"),
        final_window_words(s)
    );
    let header = format!("last {}", count(months, "month"));
    say!(
        "  {:<18} {:<22} {:>28} {:>28} {:>28}",
        "metric",
        "unit",
        "month 0",
        format!("final month ({last})"),
        header
    );
    for name in metrics::with_role(Role::Summary) {
        let [first, fin, windowed] = run_readings(name, rows, &window, last);
        let unit = metrics::metric(name).map_or("", |m| m.unit);
        say!("  {name:<18} {unit:<22} {first:>28} {fin:>28} {windowed:>28}");
    }
    say!("wrote {}", out.display());
}
