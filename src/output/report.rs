//! `report.md`: a Markdown page of the main results with their charts, ready
//! to paste into a research report.

use crate::metrics::{Role, with_role};
use crate::scenario::Scenario;
use crate::stats::Summary;
use crate::study::MonthSummary;
use crate::study::analysis::{CompareAccumulator, Contrast, PointReplicates, Robustness, WINDOW};
use crate::study::plan::Plan;

/// A number with four significant digits (fixed notation).
pub fn sig4(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    if x == 0.0 {
        return "0".into();
    }
    let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 6) as usize;
    format!("{x:.digits$}")
}

/// `n noun` with the noun in the plural unless n is 1: "1 replicate",
/// "2 replicates" (every noun the reports count takes a plain -s).
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Words for command-line overrides in titles: empty without any,
/// otherwise ` (with KEY=VALUE, ...)`.
pub fn overrides_note(overrides: &[(String, String)]) -> String {
    if overrides.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = overrides.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(" (with {})", shown.join(", "))
}

/// The report of `grassroots run`: the main metrics at month 0, at the final
/// month and over the final window (the last assessment period, see
/// [`crate::study::analysis::final_window`]), with 95 % CIs across
/// replicates, and the charts. `overrides` are the command-line overrides,
/// shown in the title; `window` holds each metric's window summary.
pub fn run_report(
    s: &Scenario,
    overrides: &[(String, String)],
    rows: &[MonthSummary],
    window: &[(&str, Summary)],
    charts: &[String],
) -> String {
    let last = s.scenario.months.saturating_sub(1);
    let months = crate::study::analysis::final_window(s);
    let mut md = format!(
        "# {}{}\n\n{}\n\n{} × {} × {}, seed {}. Values: {}. The last column averages each replicate over the last {} ({}: a single month can be an assessment month, with its yearly spikes), then across replicates.\n\n",
        s.scenario.name,
        overrides_note(overrides),
        if s.scenario.description.is_empty() {
            "—"
        } else {
            &s.scenario.description
        },
        count(s.scenario.replicates, "replicate"),
        count(s.scenario.months, "month"),
        count(s.world.villages, "village"),
        s.scenario.seed,
        values_words(s.scenario.replicates),
        count(months, "month"),
        crate::study::analysis::final_window_words(s),
    );
    md.push_str(&format!(
        "| metric | month 0 | final month ({last}) | last {} |\n|---|---|---|---|\n",
        count(months, "month")
    ));
    for metric in with_role(Role::Report) {
        let [first, fin, windowed] = run_readings(metric, rows, window, last);
        md.push_str(&format!("| `{metric}` | {first} | {fin} | {windowed} |\n"));
    }
    md.push('\n');
    for c in charts {
        md.push_str(&format!("![{c}]({c})\n\n"));
    }
    md
}

/// A run's three readings of `metric`, each "mean [low, high]": month 0, the
/// final month `last` and the final window (empty where missing).
pub fn run_readings(
    metric: &str,
    rows: &[MonthSummary],
    window: &[(&str, Summary)],
    last: u32,
) -> [String; 3] {
    let cell = |month: u32| {
        rows.iter()
            .find(|r| r.month == month && r.metric == metric)
            .map(|r| mean_ci(&r.summary))
            .unwrap_or_default()
    };
    let windowed = window
        .iter()
        .find(|(name, _)| *name == metric)
        .map(|(_, s)| mean_ci(s))
        .unwrap_or_default();
    [cell(0), cell(last), windowed]
}

/// "mean [low, high]" with four significant digits (the mean alone without a CI).
pub fn mean_ci(s: &Summary) -> String {
    match (s.ci_low, s.ci_high) {
        (Some(lo), Some(hi)) => format!("{} [{}, {}]", sig4(s.mean), sig4(lo), sig4(hi)),
        _ => sig4(s.mean),
    }
}

/// A p-value for reading: "< 0.0001" below that, else four significant digits.
pub fn p_text(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 1e-4 => "< 0.0001".into(),
        Some(p) => sig4(p),
        None => String::new(),
    }
}

/// A relative difference as a signed percentage ("+21.6 %"), "—" without one.
pub fn percent(relative: Option<f64>) -> String {
    match relative {
        Some(0.0) => "0 %".into(),
        Some(r) if r.is_finite() => format!("{} %", signed_percent(100.0 * r, percent_digits(r))),
        _ => "—".into(),
    }
}

/// Decimals of a relative difference in percent: one below 100 % (as it
/// rounds), none from there on.
fn percent_digits(relative: f64) -> usize {
    if (100.0 * relative).abs() >= 99.95 {
        0
    } else {
        1
    }
}

/// `p` with a sign and `digits` decimals; one that rounds to zero has no
/// sign ("0.0", not "-0.0").
fn signed_percent(p: f64, digits: usize) -> String {
    let text = format!("{p:+.digits$}");
    let unsigned = text.trim_start_matches(['+', '-']);
    if unsigned.chars().all(|c| c == '0' || c == '.') {
        unsigned.to_string()
    } else {
        text
    }
}

/// A relative difference with its 95 % interval, in percent:
/// "+21.6 % [+17.2, +25.8]"; without an interval as [`percent`].
pub fn percent_with_ci(relative: Option<f64>, ci: Option<(f64, f64)>) -> String {
    let point = percent(relative);
    match (relative, ci) {
        (Some(r), Some((lo, hi)))
            if r.is_finite() && lo.is_finite() && hi.is_finite() && (lo, hi) != (0.0, 0.0) =>
        {
            let digits = percent_digits(r);
            format!(
                "{point} [{}, {}]",
                signed_percent(100.0 * lo, digits),
                signed_percent(100.0 * hi, digits)
            )
        }
        _ => point,
    }
}

/// What a run's values are: "mean across replicates [95 % CI]", or for a
/// single replicate its values, without an interval.
pub fn values_words(replicates: u32) -> &'static str {
    if replicates < 2 {
        "one replicate's values (no 95 % CI: an interval needs 2 replicates or more)"
    } else {
        "mean across replicates [95 % CI]"
    }
}

/// A difference with its CI and mark, then its relative size with the
/// relative interval: "0.0219 [0.0175, 0.0263] * +21.6 % [+17.2, +25.8]".
pub fn contrast_cell(c: &Contrast) -> String {
    let star = if c.excludes_zero() { " *" } else { "" };
    let ci = match c.ci {
        Some((lo, hi)) => format!(" [{}, {}]", sig4(lo), sig4(hi)),
        None => String::new(),
    };
    format!(
        "{}{ci}{star} {}",
        sig4(c.diff),
        percent_with_ci(c.relative, c.relative_ci)
    )
}

/// What the differences, intervals and marks of a comparison's report are,
/// in one sentence.
pub fn contrast_legend(plan: &Plan) -> String {
    let interval = if plan.environments.len() > 1 {
        format!(
            "95 % CI across the {} environments: t on each environment's mean difference (its replicates averaged)",
            plan.environments.len()
        )
    } else if plan.paired_runs() {
        "paired 95 % CI of the per-replicate differences (common random numbers)".into()
    } else if plan.common_random_numbers {
        "Welch 95 % CI; the files' seeds differ, so their runs are not paired".into()
    } else {
        "Welch 95 % CI".into()
    };
    format!(
        "difference from the baseline [{interval}], * when that CI excludes 0; then in % of the baseline's mean (its absolute value) [95 % interval of the relative difference, delta method]"
    )
}

/// How many differences are marked, and how many keep p < 0.05 after Holm's
/// adjustment, with what chance alone would mark.
pub fn significance_summary(plan: &Plan, acc: &CompareAccumulator) -> String {
    let n = acc.family_size(WINDOW, plan.paired_runs());
    let contrasts = acc.contrasts(WINDOW, plan.paired_runs());
    if n == 0 {
        let identical = contrasts
            .iter()
            .flatten()
            .flatten()
            .any(Contrast::is_identical);
        return if identical {
            "No difference could be tested: every variant equals the baseline in every pair (its overrides do not touch these outcomes)."
        } else {
            "No difference could be tested: an interval and a p-value need at least 2 replicates (with [uncertainty], 2 environments)."
        }
        .into();
    }
    let all: Vec<&Contrast> = contrasts.iter().flatten().flatten().collect();
    let marked = all.iter().filter(|c| c.excludes_zero()).count();
    let holm = all
        .iter()
        .filter(|c| c.p_holm.is_some_and(|p| p < 0.05))
        .count();
    format!(
        "{marked} of {} have a 95 % CI that excludes 0; {holm} keep p < 0.05 after Holm's adjustment for all {n} at once (`p_holm` in comparison.csv). Without any real effect, about {} in {n} would be marked by chance alone.",
        count(n as u64, "difference"),
        sig4((0.05 * n as f64).max(0.0))
            .trim_end_matches('0')
            .trim_end_matches('.')
    )
}

/// The robustness of every variant and outcome (window measure) across the
/// sampled environments, for outcomes with a direction: (variant, outcome,
/// robustness). Empty without `[uncertainty]`.
pub fn robustness_rows(plan: &Plan, acc: &CompareAccumulator) -> Vec<(String, String, Robustness)> {
    if plan.environments.len() < 2 {
        return vec![];
    }
    let mut rows = vec![];
    for (a, variant) in plan.variants.iter().enumerate().skip(1) {
        for (o, outcome) in plan.outcomes.iter().enumerate() {
            let direction = crate::metrics::larger_is_better(outcome);
            if direction.is_none() {
                continue;
            }
            let r = acc.robustness(a, o, WINDOW, direction, plan.meaningful_difference);
            rows.push((variant.name.clone(), outcome.clone(), r));
        }
    }
    rows
}

/// "better in 7 of 10, worse in 1" for a robustness row.
pub fn robustness_words(r: &Robustness) -> String {
    format!(
        "better in {} of {}, worse in {}",
        r.count(r.share_better),
        r.environments,
        r.count(r.share_worse)
    )
}

/// The robustness section of a comparison's report.md (empty without
/// `[uncertainty]`).
fn robustness_section(plan: &Plan, acc: &CompareAccumulator) -> String {
    let rows = robustness_rows(plan, acc);
    if rows.is_empty() {
        return String::new();
    }
    let mut md = format!(
        "## Robustness across {} sampled environments\n\nIn how many environments each variant is better, and worse, than the baseline over the last {} months, counting only differences larger than {} of the baseline's mean (`[compare] meaningful_difference`); smallest and largest difference across environments (robustness.csv).\n\n| variant | outcome | better | worse | smallest difference | largest difference |\n|---|---|---|---|---|---|\n",
        plan.environments.len(),
        plan.window_months,
        percent(Some(plan.meaningful_difference)).trim_start_matches('+')
    );
    for (variant, outcome, r) in rows {
        md.push_str(&format!(
            "| {variant} | `{outcome}` | {} of {} | {} | {} | {} |\n",
            r.count(r.share_better),
            r.environments,
            r.count(r.share_worse),
            sig4(r.min),
            sig4(r.max)
        ));
    }
    md.push('\n');
    md
}

/// The report of a comparison: each variant's difference from the baseline
/// over the window (paired CIs with common random numbers, else Welch), with
/// relative differences, a count of marked and Holm-significant differences,
/// robustness across environments (with `[uncertainty]`), and the charts.
pub fn compare_report(plan: &Plan, acc: &CompareAccumulator, charts: &[String]) -> String {
    let mut md = format!(
        "# {}{}\n\nScenario files: {}. {} besides the baseline, {} per variant{}, common random numbers: {}.\n\n",
        plan.name,
        overrides_note(&plan.overrides),
        plan.sources.join(", "),
        count(plan.variants.len() as u64 - 1, "variant"),
        count(plan.replicates, "replicate"),
        if plan.environments.len() > 1 {
            format!(
                " in each of {} sampled environments",
                plan.environments.len()
            )
        } else {
            String::new()
        },
        if plan.paired_runs() {
            "yes"
        } else if plan.common_random_numbers {
            "no (the files' seeds differ)"
        } else {
            "no"
        }
    );
    if let Some(t) = &plan.target_ci {
        md.push_str(&t.sentence());
        md.push_str("\n\n");
    }
    if plan.burn_in_policy == crate::study::spec::BurnInPolicy::Baseline {
        md.push_str("Every variant was set up and burnt in under its file's base scenario; its own policy takes effect at month 0 (`burn_in_policy = \"baseline\"`).\n\n");
    }
    md.push_str(&format!(
        "Mean over the last {} months. First row: the baseline's mean; other rows: {}.\n\n{}\n\n",
        plan.window_months,
        contrast_legend(plan),
        significance_summary(plan, acc)
    ));
    let contrasts = acc.contrasts(WINDOW, plan.paired_runs());
    md.push_str("| variant |");
    for o in &plan.outcomes {
        md.push_str(&format!(" `{o}` |"));
    }
    md.push_str("\n|---|");
    md.push_str(&"---|".repeat(plan.outcomes.len()));
    md.push('\n');
    for (a, (variant, row)) in plan.variants.iter().zip(&contrasts).enumerate() {
        md.push_str(&format!("| {} |", variant.name));
        for (o, contrast) in row.iter().enumerate() {
            let cell = match contrast {
                Some(c) => contrast_cell(c),
                None => sig4(acc.level(a, o, WINDOW).mean()),
            };
            md.push_str(&format!(" {cell} |"));
        }
        md.push('\n');
    }
    md.push('\n');
    md.push_str(&robustness_section(plan, acc));
    for c in charts {
        md.push_str(&format!("![{c}]({c})\n\n"));
    }
    md
}

/// For each outcome of a sweep, the point with the best and the worst mean
/// over the window (by the metric's direction; largest and smallest for a
/// neutral metric): (outcome, best point, worst point).
pub fn sweep_extremes(plan: &Plan, acc: &CompareAccumulator) -> Vec<(String, usize, usize)> {
    crate::study::analysis::sweep_extremes(plan, acc, WINDOW)
}

/// A swept value as shown in a report: a number with more than six
/// significant digits (a Latin hypercube's 0.12490494694804778) to four, as
/// [`sig4`]; anything else as written. The CSV files keep every digit.
pub fn shown_value(v: &str) -> String {
    // Significant digits: leading zeros ("0.000", "007") do not count.
    let digits = v
        .trim_start_matches(['-', '+'])
        .trim_start_matches(['0', '.'])
        .chars()
        .filter(char::is_ascii_digit)
        .count();
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && digits > 6 && !v.contains(['e', 'E']) => sig4(x),
        _ => v.to_string(),
    }
}

/// A sweep point's parameter values as `key=value, ...`.
pub fn point_label(plan: &Plan, point: usize) -> String {
    plan.parameters
        .iter()
        .zip(super::csv::point_values(plan, point))
        .map(|(k, v)| format!("{k}={}", shown_value(&v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The report of `grassroots sweep`: each point's mean of every outcome over
/// the window with its 95 % CI, the best and worst point per outcome, and
/// the charts.
pub fn sweep_report(
    plan: &Plan,
    acc: &CompareAccumulator,
    points: Option<&PointReplicates>,
    charts: &[String],
) -> String {
    let mut md = format!(
        "# {}{}

Scenario file: {}. {} × {}, swept: {}.

",
        plan.name,
        overrides_note(&plan.overrides),
        plan.sources.join(", "),
        count(plan.variants.len() as u64, "point"),
        count(plan.replicates, "replicate"),
        plan.parameters
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    md.push_str(&format!(
        "Mean over the last {} months [95 % CI across replicates].

",
        plan.window_months
    ));
    // Points sharing seeds: differences paired by replicate (two points and
    // two replicates at least, else there are none).
    let paired = points;
    if paired.is_some() {
        md.push_str(
            "Every point ran on the same replicate seeds, so a difference between two points is known more precisely than each point's own interval suggests: *best − worst* is paired by replicate, and *± of a difference* is the half-width of the 95 % CI of any two points' difference, from the point × replicate residuals (`sweep_differences.csv`). Best and worst are picked by their means, so with points that are much alike their difference is biased away from zero.

| outcome | best point | mean | worst point | mean | best − worst [95 % CI] | ± of a difference |
|---|---|---|---|---|---|---|
",
        );
    } else {
        md.push_str(
            "| outcome | best point | mean | worst point | mean |
|---|---|---|---|---|
",
        );
    }
    for (outcome, best, worst) in sweep_extremes(plan, acc) {
        let o = plan
            .outcomes
            .iter()
            .position(|x| *x == outcome)
            .unwrap_or(0);
        md.push_str(&format!(
            "| `{outcome}` | {} | {} | {} | {} |",
            point_label(plan, best),
            sig4(acc.level(best, o, WINDOW).mean()),
            point_label(plan, worst),
            sig4(acc.level(worst, o, WINDOW).mean())
        ));
        if let Some(t) = paired {
            let noise = t.noise(o, WINDOW).map_or_else(String::new, |n| {
                format!("± {}", sig4(n.difference_half_width))
            });
            md.push_str(&format!(
                " {} | {noise} |",
                mean_ci(&t.difference(best, worst, o, WINDOW))
            ));
        }
        md.push('\n');
    }
    md.push_str("\n| point |");
    for p in &plan.parameters {
        md.push_str(&format!(" `{p}` |"));
    }
    for o in &plan.outcomes {
        md.push_str(&format!(" `{o}` |"));
    }
    md.push_str("\n|---|");
    md.push_str(&"---|".repeat(plan.parameters.len() + plan.outcomes.len()));
    md.push('\n');
    for a in 0..plan.variants.len() {
        md.push_str(&format!("| {a} |"));
        for v in super::csv::point_values(plan, a) {
            md.push_str(&format!(" {} |", shown_value(&v)));
        }
        for o in 0..plan.outcomes.len() {
            let cell = mean_ci(&acc.level(a, o, WINDOW).summary());
            md.push_str(&format!(" {cell} |"));
        }
        md.push('\n');
    }
    md.push('\n');
    for c in charts {
        md.push_str(&format!("![{c}]({c})\n\n"));
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_differences_carry_their_interval() {
        assert_eq!(
            percent_with_ci(Some(0.216), Some((0.172, 0.258))),
            "+21.6 % [+17.2, +25.8]"
        );
        assert_eq!(
            percent_with_ci(Some(1.87), Some((1.5, 2.2))),
            "+187 % [+150, +220]"
        );
        assert_eq!(percent_with_ci(Some(0.0), Some((0.0, 0.0))), "0 %");
        assert_eq!(
            percent_with_ci(Some(0.049), Some((-0.006, 0.104))),
            "+4.9 % [-0.6, +10.4]"
        );
        assert_eq!(percent_with_ci(Some(0.049), None), "+4.9 %");
        assert_eq!(percent(Some(-0.0002)), "0.0 %");
        assert_eq!(percent(Some(0.99962)), "+100 %");
        assert_eq!(
            percent_with_ci(Some(-0.003), Some((-0.005, -0.0004))),
            "-0.3 % [-0.5, 0.0]"
        );
        assert_eq!(percent_with_ci(None, Some((0.1, 0.2))), "—");
    }

    #[test]
    fn long_swept_values_are_shown_to_four_digits() {
        assert_eq!(shown_value("0.12490494694804778"), "0.1249");
        assert_eq!(shown_value("1234.5678901"), "1235");
        assert_eq!(shown_value("0.2"), "0.2");
        assert_eq!(shown_value("0.0000001234"), "0.0000001234");
        assert_eq!(shown_value("0.00012345678"), "0.000123");
        assert_eq!(shown_value("12"), "12");
        assert_eq!(shown_value("election"), "election");
    }

    #[test]
    fn four_significant_digits() {
        assert_eq!(sig4(1234.567), "1235");
        assert_eq!(sig4(0.012345), "0.01235");
        assert_eq!(sig4(-2.5), "-2.500");
        assert_eq!(sig4(0.0), "0");
        assert_eq!(sig4(f64::NAN), "");
    }
}
