//! Statistics of a study, accumulated run by run so memory does not grow with
//! the number of runs (`docs/studies.md`).
//!
//! Outcomes are measured two ways per run: `final` (the last month) and
//! `window` (the mean over the last `window_months` months). Differences from
//! the baseline use the paired t interval with common random numbers and
//! Welch's otherwise; with several environments (`[uncertainty]`) each
//! environment's mean is one observation ([`CompareAccumulator::unit`]).
//! p-values are Holm-adjusted over a report's family.

use crate::metrics::{MonthMetrics, metric_index};
use crate::stats::{Summary, t_975};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Running mean and variance (Welford).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Welford {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Welford {
    /// Add one observation.
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }
    /// Observations so far.
    pub fn n(&self) -> u64 {
        self.n
    }
    /// Mean (NaN when empty).
    pub fn mean(&self) -> f64 {
        if self.n == 0 { f64::NAN } else { self.mean }
    }
    /// Sample variance (n − 1), `None` below two observations.
    pub fn variance(&self) -> Option<f64> {
        (self.n >= 2).then(|| self.m2 / (self.n - 1) as f64)
    }
    /// Mean, sd and 95 % CI.
    pub fn summary(&self) -> Summary {
        let n = self.n as usize;
        match self.variance() {
            Some(v) => {
                let sd = v.sqrt();
                let half = t_975((n - 1) as f64) * sd / (n as f64).sqrt();
                Summary {
                    n,
                    mean: self.mean,
                    sd: Some(sd),
                    ci_low: Some(self.mean - half),
                    ci_high: Some(self.mean + half),
                }
            }
            None => Summary {
                n,
                mean: self.mean(),
                sd: None,
                ci_low: None,
                ci_high: None,
            },
        }
    }
    /// Half-width of the 95 % CI, `None` below two observations.
    pub fn ci_half_width(&self) -> Option<f64> {
        let s = self.summary();
        Some((s.ci_high? - s.ci_low?) / 2.0)
    }
}

/// Running means and co-moment of pairs (x, y), for the covariance of a
/// paired difference with its baseline.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Comoment {
    n: u64,
    mean_x: f64,
    mean_y: f64,
    c: f64,
}

impl Comoment {
    /// Add one pair.
    pub fn add(&mut self, x: f64, y: f64) {
        self.n += 1;
        let dx = x - self.mean_x;
        self.mean_x += dx / self.n as f64;
        self.mean_y += (y - self.mean_y) / self.n as f64;
        self.c += dx * (y - self.mean_y);
    }
    /// Sample covariance (n − 1), `None` below two pairs.
    pub fn covariance(&self) -> Option<f64> {
        (self.n >= 2).then(|| self.c / (self.n - 1) as f64)
    }
}

/// The two measures of an outcome.
pub const MEASURES: [&str; 2] = ["final", "window"];

/// Index of the `window` measure (the mean over the last `window_months`).
pub const WINDOW: usize = 1;

/// The (final, window) value of every outcome of one run.
pub fn outcome_values(months: &[MonthMetrics], outcomes: &[usize], window: u32) -> Vec<[f64; 2]> {
    let n = months.len();
    let w = (window as usize).clamp(1, n.max(1));
    outcomes
        .iter()
        .map(|&k| {
            let last = months.last().map(|m| m[k]).unwrap_or(f64::NAN);
            // No months (never from a verified run): no values, not a panic.
            let mean = match n {
                0 => f64::NAN,
                _ => months[n - w..].iter().map(|m| m[k]).sum::<f64>() / w as f64,
            };
            [last, mean]
        })
        .collect()
}

/// The final window of a run: its last assessment period
/// (`incentive.assessment_period_months`, 12 by default), or the whole run
/// if shorter. A single final month can be an assessment month, with its
/// yearly spikes (cost, rewards); the window holds exactly one assessment.
pub fn final_window(s: &crate::scenario::Scenario) -> u32 {
    assessment_period(s).clamp(1, s.scenario.months.max(1))
}

/// The assessment period in force at the end of a run (a `[[changes]]` may
/// set it), in months.
pub fn assessment_period(s: &crate::scenario::Scenario) -> u32 {
    s.phases()
        .last()
        .map_or(s.incentive.assessment_period_months, |p| {
            p.1.incentive.assessment_period_months
        })
}

/// Words for what the final window is: "one assessment period", or "the
/// whole run, shorter than one assessment period of 12 months".
pub fn final_window_words(s: &crate::scenario::Scenario) -> String {
    let period = assessment_period(s);
    if final_window(s) < period {
        format!("the whole run, shorter than one assessment period of {period} months")
    } else {
        "one assessment period".into()
    }
}

/// Each metric's mean over the last `window` months of every replicate,
/// summarised across replicates (mean and 95 % CI), in metric order.
pub fn window_summaries(runs: &[super::ReplicateRun], window: u32) -> Vec<(&'static str, Summary)> {
    let all: Vec<usize> = (0..crate::metrics::N_METRICS).collect();
    let per_run: Vec<Vec<[f64; 2]>> = runs
        .iter()
        .map(|r| outcome_values(&r.months, &all, window))
        .collect();
    crate::metrics::names()
        .enumerate()
        .map(|(k, name)| {
            let means: Vec<f64> = per_run.iter().map(|v| v[k][WINDOW]).collect();
            (name, crate::stats::summarize(&means))
        })
        .collect()
}

/// Indices of outcome names (unknown names are skipped).
pub fn outcome_indices(names: &[String]) -> Vec<usize> {
    names.iter().filter_map(|n| metric_index(n)).collect()
}

/// A difference between a variant and the baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    /// Variant mean minus baseline mean.
    pub diff: f64,
    /// Welch 95 % CI of the difference.
    pub ci: Option<(f64, f64)>,
    /// Two-sided Welch p-value.
    pub p_value: Option<f64>,
}

impl Difference {
    /// Whether the 95 % CI lies wholly on one side of 0 (the `*` of reports).
    pub fn excludes_zero(&self) -> bool {
        self.ci.is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0)
    }
}

/// Welch comparison of `a` against baseline `b`.
pub fn welch(a: &Welford, b: &Welford) -> Difference {
    let diff = a.mean() - b.mean();
    let (Some(va), Some(vb)) = (a.variance(), b.variance()) else {
        return Difference {
            diff,
            ci: None,
            p_value: None,
        };
    };
    let (na, nb) = (a.n() as f64, b.n() as f64);
    let se2 = va / na + vb / nb;
    if se2 <= 0.0 {
        return Difference {
            diff,
            ci: Some((diff, diff)),
            p_value: Some(if diff == 0.0 { 1.0 } else { 0.0 }),
        };
    }
    let df = se2 * se2 / ((va / na).powi(2) / (na - 1.0) + (vb / nb).powi(2) / (nb - 1.0));
    let se = se2.sqrt();
    let half = t_975(df) * se;
    // The survival function, not 1 − cdf: tiny p-values keep their digits
    // instead of cancelling to exactly 0.
    let p_value = StudentsT::new(0.0, 1.0, df)
        .ok()
        .map(|t| 2.0 * t.sf((diff / se).abs()))
        .filter(|p| p.is_finite());
    Difference {
        diff,
        ci: Some((diff - half, diff + half)),
        p_value,
    }
}

/// How a difference from the baseline was tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// Paired t on the per-replicate differences (common random numbers).
    Paired,
    /// Welch's unequal-variance t on the two groups of runs.
    Welch,
    /// One-sample t on the per-environment mean differences, with several
    /// environments (`[uncertainty]`): the environment is the unit.
    Environments,
}

/// What a study's statistics count as one observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A replicate run (one environment).
    Replicate,
    /// An environment of `[uncertainty]`, the mean of its replicates.
    Environment,
}

impl Test {
    /// The name written in `comparison.csv` (`paired`, `welch`).
    pub fn name(self) -> &'static str {
        match self {
            Test::Paired => "paired",
            Test::Welch => "welch",
            Test::Environments => "environments",
        }
    }
}

/// A variant's difference from the baseline as reported (`docs/studies.md`,
/// "Reading a comparison"): the interval, p-value and `*` mark all come from
/// one test, paired when the study uses common random numbers and Welch's
/// otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contrast {
    /// Variant mean minus baseline mean.
    pub diff: f64,
    /// `diff` / |baseline mean| (`None` when the baseline mean is 0).
    pub relative: Option<f64>,
    /// 95 % CI of `relative` by the delta method, from the same units as
    /// `test` (with the paired covariance of difference and baseline): it
    /// counts the uncertainty of the baseline's mean too, which the
    /// difference's interval over |baseline mean| would leave out.
    pub relative_ci: Option<(f64, f64)>,
    /// 95 % CI of the difference, from `test`.
    pub ci: Option<(f64, f64)>,
    /// Two-sided p-value of `test` (survival function, so tiny values keep
    /// their digits).
    pub p_value: Option<f64>,
    /// `p_value` adjusted by Holm's step-down method over every variant ×
    /// outcome of the same measure (the family a report shows at once).
    pub p_holm: Option<f64>,
    /// The test behind `ci` and `p_value`.
    pub test: Test,
}

impl Contrast {
    /// Whether the 95 % CI lies wholly on one side of 0 (the `*` of reports).
    pub fn excludes_zero(&self) -> bool {
        self.ci.is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0)
    }

    /// Whether the variant and the baseline are equal in every pair (or
    /// every run): a difference of exactly 0 with an interval of width 0.
    pub fn is_identical(&self) -> bool {
        self.diff == 0.0 && self.ci == Some((0.0, 0.0))
    }
}

/// One-sample t test of mean 0 on per-replicate differences: (95 % CI,
/// two-sided p), `None` below two differences.
fn paired_test(d: &Welford) -> Option<((f64, f64), f64)> {
    let var = d.variance()?;
    let n = d.n() as f64;
    let mean = d.mean();
    let se = (var / n).sqrt();
    if se <= 0.0 {
        return Some(((mean, mean), if mean == 0.0 { 1.0 } else { 0.0 }));
    }
    let half = t_975(n - 1.0) * se;
    let p = StudentsT::new(0.0, 1.0, n - 1.0)
        .ok()
        .map(|t| 2.0 * t.sf((mean / se).abs()))
        .filter(|p| p.is_finite())?;
    Some(((mean - half, mean + half), p))
}

/// Holm's step-down adjustment of a family of p-values (`None`s are left out
/// of the family and stay `None`): the i-th smallest of m becomes
/// max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎).
pub fn holm(p: &[Option<f64>]) -> Vec<Option<f64>> {
    // A p-value that is not a number (from an outcome that is not) is no
    // test: it stays out of the family instead of turning every value to 1.
    let p: Vec<Option<f64>> = p.iter().map(|x| x.filter(|x| x.is_finite())).collect();
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_some()).collect();
    order.sort_by(|&a, &b| p[a].unwrap_or(1.0).total_cmp(&p[b].unwrap_or(1.0)));
    let m = order.len();
    let mut out = vec![None; p.len()];
    let mut running = 0.0f64;
    for (rank, &i) in order.iter().enumerate() {
        let adjusted = ((m - rank) as f64 * p[i].unwrap_or(1.0)).min(1.0);
        running = running.max(adjusted);
        out[i] = Some(running);
    }
    out
}

/// Accumulators of a comparison: per variant, environment, outcome and measure.
#[derive(Debug, Clone)]
pub struct CompareAccumulator {
    variants: usize,
    environments: usize,
    outcomes: usize,
    cells: Vec<Welford>,
    pooled: Vec<Welford>,
    /// Each variant's reference, which its runs are paired with: the
    /// baseline (variant 0) in a comparison; in a sensitivity analysis the
    /// baseline arm of the variant's design point.
    reference: Vec<usize>,
    /// Outcome values of the references' runs by (variant, environment,
    /// replicate), for pairing.
    baseline: std::collections::HashMap<(usize, usize, u32), Vec<[f64; 2]>>,
    /// The reference whose runs `baseline` holds.
    current_reference: Option<usize>,
    /// Per-replicate differences from the reference (paired).
    paired: Vec<Welford>,
    /// The reference's values in those pairs, and their co-moment with the
    /// differences (for the interval of the relative difference).
    paired_base: Vec<Welford>,
    paired_cov: Vec<Comoment>,
    /// The per-replicate differences of each (variant, environment,
    /// outcome, measure), for the replicate noise within an environment.
    paired_cells: Vec<Welford>,
}

impl CompareAccumulator {
    /// Empty accumulators.
    pub fn new(variants: usize, environments: usize, outcomes: usize) -> Self {
        CompareAccumulator {
            variants,
            environments,
            outcomes,
            cells: vec![Welford::default(); variants * environments * outcomes * 2],
            pooled: vec![Welford::default(); variants * outcomes * 2],
            reference: vec![0; variants],
            baseline: std::collections::HashMap::new(),
            current_reference: None,
            paired: vec![Welford::default(); variants * outcomes * 2],
            paired_base: vec![Welford::default(); variants * outcomes * 2],
            paired_cov: vec![Comoment::default(); variants * outcomes * 2],
            paired_cells: vec![Welford::default(); variants * environments * outcomes * 2],
        }
    }

    /// Pair each variant's runs with those of `reference[variant]` (which
    /// must come first, in variant order) instead of the baseline's.
    pub fn with_references(mut self, reference: Vec<usize>) -> Self {
        debug_assert_eq!(reference.len(), self.variants);
        self.reference = reference;
        self
    }

    fn cell(&self, variant: usize, env: usize, outcome: usize, measure: usize) -> usize {
        ((variant * self.environments + env) * self.outcomes + outcome) * 2 + measure
    }

    /// Add one run's outcome values.
    pub fn add(&mut self, variant: usize, env: usize, values: &[[f64; 2]]) {
        for (o, v) in values.iter().enumerate() {
            for (m, x) in v.iter().enumerate() {
                let c = self.cell(variant, env, o, m);
                self.cells[c].add(*x);
                self.pooled[(variant * self.outcomes + o) * 2 + m].add(*x);
            }
        }
    }

    /// Add one run and pair it with its reference's run (the baseline's,
    /// see [`CompareAccumulator::with_references`]) of the same environment
    /// and replicate (the reference's runs must come first).
    pub fn add_run(&mut self, variant: usize, env: usize, replicate: u32, values: &[[f64; 2]]) {
        self.add(variant, env, values);
        let reference = self.reference.get(variant).copied().unwrap_or(0);
        if reference == variant {
            // Runs come in variant order, so a reference's runs are needed
            // only until the next reference starts: keep memory flat in the
            // number of design points (the comparison's one reference, the
            // baseline, is kept throughout).
            if self.current_reference != Some(variant) {
                self.baseline.clear();
                self.current_reference = Some(variant);
            }
            self.baseline
                .insert((variant, env, replicate), values.to_vec());
        } else if let Some(base) = self.baseline.get(&(reference, env, replicate)) {
            for (o, (v, b)) in values.iter().zip(base).enumerate() {
                for m in 0..2 {
                    let i = (variant * self.outcomes + o) * 2 + m;
                    self.paired[i].add(v[m] - b[m]);
                    self.paired_base[i].add(b[m]);
                    self.paired_cov[i].add(v[m] - b[m], b[m]);
                    let c = self.cell(variant, env, o, m);
                    self.paired_cells[c].add(v[m] - b[m]);
                }
            }
        }
    }

    /// What a study's statistics count as one observation: a replicate, or
    /// with several environments (`[uncertainty]`) an environment, whose
    /// value is the mean of its replicates (docs/studies.md, "Reading a
    /// comparison"). Replicates of one environment share its parameters, so
    /// they are not independent draws of the average over environments.
    pub fn unit(&self) -> Unit {
        if self.environments > 1 {
            Unit::Environment
        } else {
            Unit::Replicate
        }
    }

    /// Per-unit differences from the baseline: each replicate's (paired with
    /// the baseline's replicate of the same environment), or with several
    /// environments each environment's mean difference.
    fn paired_units(&self, variant: usize, outcome: usize, measure: usize) -> Welford {
        match self.unit() {
            Unit::Replicate => self.paired[(variant * self.outcomes + outcome) * 2 + measure],
            Unit::Environment => {
                let mut w = Welford::default();
                for (d, _) in self.environment_pairs(variant, outcome, measure) {
                    w.add(d);
                }
                w
            }
        }
    }

    /// Per environment where both ran: the variant's mean difference from
    /// the baseline, and the baseline's mean.
    fn environment_pairs(
        &self,
        variant: usize,
        outcome: usize,
        measure: usize,
    ) -> impl Iterator<Item = (f64, f64)> + '_ {
        (0..self.environments).filter_map(move |e| {
            let (v, b) = (
                self.in_environment(variant, e, outcome, measure),
                self.in_environment(0, e, outcome, measure),
            );
            (v.n() > 0 && b.n() > 0).then(|| (v.mean() - b.mean(), b.mean()))
        })
    }

    /// 95 % CI of the mean per-unit difference from the baseline (paired t
    /// interval; meaningful with common random numbers, or across
    /// environments, which every variant shares).
    pub fn paired_ci(&self, variant: usize, outcome: usize, measure: usize) -> Option<(f64, f64)> {
        let s = self.paired_units(variant, outcome, measure).summary();
        Some((s.ci_low?, s.ci_high?))
    }

    /// Welch comparison of a variant's outcome with the baseline's (variant
    /// 0) over the study's units, for one measure.
    pub fn difference(&self, variant: usize, outcome: usize, measure: usize) -> Difference {
        welch(
            &self.level(variant, outcome, measure),
            &self.level(0, outcome, measure),
        )
    }

    /// The reported difference of variant `variant` from the baseline for one
    /// outcome and measure, without the Holm adjustment (`contrasts` adds it):
    /// across environments when there are several, else paired when `paired`
    /// (the runs share common random numbers) and pairs exist, else Welch.
    pub fn contrast(
        &self,
        variant: usize,
        outcome: usize,
        measure: usize,
        paired: bool,
    ) -> Contrast {
        let welch = self.difference(variant, outcome, measure);
        let base = self.level(0, outcome, measure).mean();
        let relative = (base != 0.0 && base.is_finite()).then(|| welch.diff / base.abs());
        let test = match self.unit() {
            Unit::Environment => Test::Environments,
            Unit::Replicate if paired => Test::Paired,
            Unit::Replicate => Test::Welch,
        };
        let pairs = self.paired_units(variant, outcome, measure);
        match (test != Test::Welch).then(|| paired_test(&pairs)).flatten() {
            Some((ci, p)) => Contrast {
                diff: welch.diff,
                relative,
                relative_ci: self.relative_ci(variant, outcome, measure, test),
                ci: Some(ci),
                p_value: Some(p),
                p_holm: None,
                test,
            },
            None => Contrast {
                diff: welch.diff,
                relative,
                relative_ci: self.relative_ci(variant, outcome, measure, Test::Welch),
                ci: welch.ci,
                p_value: welch.p_value,
                p_holm: None,
                test: Test::Welch,
            },
        }
    }

    /// 95 % interval of diff / |baseline mean| by the delta method, over the
    /// units of `test`: with pairs (d, b) of difference and baseline value,
    /// r = d̄ / b̄ has variance (Var d̄ − 2 r Cov(d̄, b̄) + r² Var b̄) / b̄²;
    /// without (Welch), (Var v̄ + (1 + r)² Var b̄) / b̄², v the variant's
    /// values. `None` where the baseline's mean is 0 or an interval needs
    /// more units.
    fn relative_ci(
        &self,
        variant: usize,
        outcome: usize,
        measure: usize,
        test: Test,
    ) -> Option<(f64, f64)> {
        let i = (variant * self.outcomes + outcome) * 2 + measure;
        // (mean difference, baseline mean, variance of r·b̄, degrees of freedom)
        let (d, b, var, df) = match test {
            Test::Paired | Test::Environments => {
                // The pairs (d, b): the replicates' (accumulated as they
                // came) or the environments' means.
                let (dw, bw, cov) = if test == Test::Paired {
                    (self.paired[i], self.paired_base[i], self.paired_cov[i])
                } else {
                    let mut acc = (Welford::default(), Welford::default(), Comoment::default());
                    for (d, b) in self.environment_pairs(variant, outcome, measure) {
                        acc.0.add(d);
                        acc.1.add(b);
                        acc.2.add(d, b);
                    }
                    acc
                };
                let n = dw.n() as f64;
                let (d, b) = (dw.mean(), bw.mean());
                let r = d / b;
                let var =
                    (dw.variance()? - 2.0 * r * cov.covariance()? + r * r * bw.variance()?) / n;
                (d, b, var, n - 1.0)
            }
            Test::Welch => {
                let (vw, bw) = (
                    self.level(variant, outcome, measure),
                    self.level(0, outcome, measure),
                );
                let (b, d) = (bw.mean(), vw.mean() - bw.mean());
                let r = d / b;
                // The two terms, and Welch–Satterthwaite degrees of freedom.
                let ta = vw.variance()? / vw.n() as f64;
                let tb = (1.0 + r) * (1.0 + r) * bw.variance()? / bw.n() as f64;
                let df = (ta + tb).powi(2)
                    / (ta * ta / (vw.n() as f64 - 1.0) + tb * tb / (bw.n() as f64 - 1.0));
                (d, b, ta + tb, df)
            }
        };
        if b == 0.0 || !b.is_finite() || !var.is_finite() {
            return None;
        }
        let r = d / b.abs();
        let se = var.max(0.0).sqrt() / b.abs();
        if se == 0.0 {
            return Some((r, r));
        }
        let half = t_975(df.max(1.0)) * se;
        Some((r - half, r + half))
    }

    /// Every variant's contrast for one measure, `[variant][outcome]`, with
    /// Holm-adjusted p-values over the family of all variants (but the
    /// baseline) × outcomes that are tests. Row 0, the baseline, is all
    /// `None`. A difference that is exactly 0 with an interval of width 0
    /// (the variant does not touch the outcome: every pair is equal) is no
    /// test: it keeps its p of 1 and stays out of the family (`p_holm`
    /// `None`), so it neither makes the others' adjustment stricter nor
    /// counts among the comparisons that could be marked by chance.
    pub fn contrasts(&self, measure: usize, paired: bool) -> Vec<Vec<Option<Contrast>>> {
        let mut rows: Vec<Vec<Option<Contrast>>> = (0..self.variants)
            .map(|a| {
                (0..self.outcomes)
                    .map(|o| (a != 0).then(|| self.contrast(a, o, measure, paired)))
                    .collect()
            })
            .collect();
        let ps: Vec<Option<f64>> = rows
            .iter()
            .flatten()
            .map(|c| c.filter(|c| !c.is_identical()).and_then(|c| c.p_value))
            .collect();
        let adjusted = holm(&ps);
        for (c, p) in rows.iter_mut().flatten().zip(adjusted) {
            if let Some(c) = c {
                c.p_holm = p;
            }
        }
        rows
    }

    /// Number of comparisons in the Holm family of a measure: the variants
    /// (but the baseline) × outcomes that have a p-value (none below two
    /// units) and are not identical by construction.
    pub fn family_size(&self, measure: usize, paired: bool) -> usize {
        self.contrasts(measure, paired)
            .iter()
            .flatten()
            .flatten()
            .filter(|c| c.p_holm.is_some())
            .count()
    }

    /// Statistics of a variant's outcome over the study's units
    /// ([`CompareAccumulator::unit`]): over its replicates, or with several
    /// environments over the environments' means. With equal replicates in
    /// every environment the mean is the mean of all its runs either way;
    /// `n`, the sd and the interval are those of the units.
    pub fn level(&self, variant: usize, outcome: usize, measure: usize) -> Welford {
        match self.unit() {
            Unit::Replicate => self.pooled[(variant * self.outcomes + outcome) * 2 + measure],
            Unit::Environment => {
                let mut w = Welford::default();
                for e in 0..self.environments {
                    let cell = self.in_environment(variant, e, outcome, measure);
                    if cell.n() > 0 {
                        w.add(cell.mean());
                    }
                }
                w
            }
        }
    }

    /// Statistics of a variant's outcome over all its runs, as if they were
    /// independent (the per-replicate spread, also with several
    /// environments).
    pub fn runs(&self, variant: usize, outcome: usize, measure: usize) -> &Welford {
        &self.pooled[(variant * self.outcomes + outcome) * 2 + measure]
    }

    /// Statistics of a variant's per-replicate differences from its
    /// reference's runs (empty for a reference itself).
    pub fn paired_runs(&self, variant: usize, outcome: usize, measure: usize) -> &Welford {
        &self.paired[(variant * self.outcomes + outcome) * 2 + measure]
    }

    /// Statistics of a variant's outcome in one environment.
    pub fn in_environment(
        &self,
        variant: usize,
        env: usize,
        outcome: usize,
        measure: usize,
    ) -> &Welford {
        &self.cells[self.cell(variant, env, outcome, measure)]
    }

    /// Largest 95 % CI half-width over every variant, outcome and measure
    /// (`None` if some CI cannot be computed yet; NaN if some outcome is
    /// undefined in a run, which more replicates cannot mend).
    pub fn widest_ci(&self) -> Option<f64> {
        let mut widest = 0.0f64;
        for a in 0..self.variants {
            for o in 0..self.outcomes {
                for m in 0..2 {
                    // A NaN (an outcome undefined in some run) is never
                    // "narrow enough" and stays NaN: returned as such, where
                    // `max` would skip it.
                    let half = self.level(a, o, m).ci_half_width()?;
                    if half.is_nan() {
                        return Some(f64::NAN);
                    }
                    widest = widest.max(half);
                }
            }
        }
        Some(widest)
    }

    /// Largest 95 % CI half-width relative to the absolute mean, over every
    /// variant, outcome and measure (`None` if some CI cannot be computed yet;
    /// NaN if some outcome is undefined in a run, which more replicates
    /// cannot mend).
    pub fn widest_relative_ci(&self) -> Option<f64> {
        let mut widest = 0.0f64;
        for a in 0..self.variants {
            for o in 0..self.outcomes {
                for m in 0..2 {
                    let w = self.level(a, o, m);
                    let half = w.ci_half_width()?;
                    let relative = if half == 0.0 {
                        0.0
                    } else {
                        half / w.mean().abs()
                    };
                    if relative.is_nan() {
                        return Some(f64::NAN);
                    }
                    widest = widest.max(relative);
                }
            }
        }
        Some(widest)
    }

    /// Robustness of variant `variant` against variant 0 for an outcome and
    /// measure across sampled environments. A difference counts as better
    /// (or worse) when it exceeds `meaningful` × |the baseline's mean in
    /// that environment| in the direction `larger_better`. Each
    /// environment's difference is a mean over its replicates and carries
    /// their noise: `noise_sd` says how much, and `heterogeneity_p` whether
    /// the environments' differences spread more than that noise alone
    /// would make them (docs/studies.md, "Policies versus uncertainties").
    pub fn robustness(
        &self,
        variant: usize,
        outcome: usize,
        measure: usize,
        larger_better: Option<bool>,
        meaningful: f64,
    ) -> Robustness {
        let pairs: Vec<(f64, f64)> = (0..self.environments)
            .map(|e| {
                let base = self.in_environment(0, e, outcome, measure).mean();
                let diff = self.in_environment(variant, e, outcome, measure).mean() - base;
                (diff, base)
            })
            .collect();
        let n = pairs.len();
        let share = |sign: f64| {
            larger_better.map(|up| {
                let dir = if up { sign } else { -sign };
                pairs
                    .iter()
                    .filter(|(d, b)| dir * d > meaningful * b.abs())
                    .count() as f64
                    / n as f64
            })
        };
        let diffs = || pairs.iter().map(|p| p.0);
        let noise = self.environment_noise(variant, outcome, measure);
        let mut spread = Welford::default();
        diffs().for_each(|d| spread.add(d));
        let heterogeneity_p = noise.and_then(|(var, df)| heterogeneity_p(&spread, var, df));
        Robustness {
            environments: n,
            share_better: share(1.0),
            share_worse: share(-1.0),
            mean: diffs().sum::<f64>() / n as f64,
            min: diffs().fold(f64::INFINITY, f64::min),
            max: diffs().fold(f64::NEG_INFINITY, f64::max),
            noise_sd: noise.map(|(var, _)| var.sqrt()),
            heterogeneity_p,
        }
    }

    /// The variance that replicate noise alone gives an environment's mean
    /// difference from the baseline, with its degrees of freedom: from the
    /// per-replicate differences within each environment when the runs are
    /// paired (common random numbers), else from the two arms' spreads
    /// (s²ᵥ/nᵥ + s²_b/n_b). Variances are pooled over the environments;
    /// `None` without two replicates in some environment's arms.
    fn environment_noise(
        &self,
        variant: usize,
        outcome: usize,
        measure: usize,
    ) -> Option<(f64, f64)> {
        // Pooled variance over environments of one kind of cell, and the mean
        // of 1/n: the variance of an environment's mean is their product.
        let pool = |cells: &dyn Fn(usize) -> Welford| -> Option<(f64, f64)> {
            let (mut ss, mut df, mut inverse_n) = (0.0, 0.0, 0.0);
            for e in 0..self.environments {
                let w = cells(e);
                if w.n() < 2 {
                    return None;
                }
                ss += w.variance()? * (w.n() - 1) as f64;
                df += (w.n() - 1) as f64;
                inverse_n += 1.0 / w.n() as f64;
            }
            Some((ss / df * inverse_n / self.environments as f64, df))
        };
        if self.environments < 2 {
            return None;
        }
        let paired = |e| self.paired_cells[self.cell(variant, e, outcome, measure)];
        if (0..self.environments).all(|e| paired(e).n() > 0) {
            return pool(&paired);
        }
        let (v, dv) = pool(&|e| *self.in_environment(variant, e, outcome, measure))?;
        let (b, db) = pool(&|e| *self.in_environment(0, e, outcome, measure))?;
        Some((v + b, dv + db))
    }
}

/// p-value of the F test that environments' mean differences (`spread`, one
/// value per environment) vary more than replicate noise of variance
/// `noise_variance` (with `df` degrees of freedom) alone would make them:
/// F = s²(differences) / noise variance on (environments − 1, df) degrees of
/// freedom. `None` below two environments or when neither varies.
fn heterogeneity_p(spread: &Welford, noise_variance: f64, df: f64) -> Option<f64> {
    use statrs::distribution::FisherSnedecor;
    let between = spread.variance()?;
    if !(between.is_finite() && noise_variance.is_finite()) {
        return None;
    }
    if noise_variance == 0.0 {
        return (between > 0.0).then_some(0.0);
    }
    let f = FisherSnedecor::new((spread.n() - 1) as f64, df).ok()?;
    Some(f.sf(between / noise_variance))
}

/// How a variant fares against the baseline across sampled environments
/// (`robustness.csv`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Robustness {
    /// Sampled environments.
    pub environments: usize,
    /// Share of environments where the variant is better by more than the
    /// meaningful difference (`None` for a neutral metric).
    pub share_better: Option<f64>,
    /// Share where it is worse by more than the meaningful difference.
    pub share_worse: Option<f64>,
    /// Mean difference across environments.
    pub mean: f64,
    /// Smallest difference.
    pub min: f64,
    /// Largest difference.
    pub max: f64,
    /// Standard deviation that replicate noise alone gives one
    /// environment's difference (`None` without two replicates).
    pub noise_sd: Option<f64>,
    /// p-value of the test that the environments' differences vary more
    /// than that noise: small when the effect depends on the environment,
    /// large when the spread (and the better/worse counts) may be noise.
    pub heterogeneity_p: Option<f64>,
}

impl Robustness {
    /// A share as a number of environments (0 for a neutral metric's `None`).
    pub fn count(&self, share: Option<f64>) -> usize {
        (share.unwrap_or(0.0) * self.environments as f64).round() as usize
    }
}

/// For each outcome of a sweep, the point with the best and the worst mean
/// of `measure` (an index of [`MEASURES`]; by the metric's direction,
/// largest and smallest for a neutral metric): (outcome, best point, worst
/// point).
pub fn sweep_extremes(
    plan: &crate::study::plan::Plan,
    acc: &CompareAccumulator,
    measure: usize,
) -> Vec<(String, usize, usize)> {
    plan.outcomes
        .iter()
        .enumerate()
        .filter_map(|(o, outcome)| {
            let means: Vec<(usize, f64)> = (0..plan.variants.len())
                .map(|a| (a, acc.level(a, o, measure).mean()))
                .filter(|(_, m)| m.is_finite())
                .collect();
            let hi = means.iter().max_by(|x, y| x.1.total_cmp(&y.1))?.0;
            let lo = means.iter().min_by(|x, y| x.1.total_cmp(&y.1))?.0;
            let larger = crate::metrics::larger_is_better(outcome).unwrap_or(true);
            Some(if larger {
                (outcome.clone(), hi, lo)
            } else {
                (outcome.clone(), lo, hi)
            })
        })
        .collect()
}

/// Every (point, replicate)'s outcome values of a sweep whose points share
/// their replicates' seeds (common random numbers): differences between
/// points paired by replicate, and the replicate noise left in them
/// (docs/studies.md, "Differences between points").
#[derive(Debug, Clone, PartialEq)]
pub struct PointReplicates {
    points: usize,
    replicates: usize,
    outcomes: usize,
    /// `[final, window]` at `(point × replicates + replicate) × outcomes +
    /// outcome`; NaN where no run was added.
    values: Vec<[f64; 2]>,
}

/// The replicate noise in differences between a sweep's points, from the
/// point × replicate residuals of a two-way layout (the part of a run's
/// value that neither its point's mean nor its replicate's mean explains).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DifferenceNoise {
    /// Replicates present at every point (the others are left out).
    pub replicates: usize,
    /// Residual standard deviation.
    pub residual_sd: f64,
    /// Its degrees of freedom, (points − 1)(replicates − 1).
    pub df: f64,
    /// Half-width of the 95 % CI of the difference between two points'
    /// means chosen beforehand: t × residual sd × √(2 / replicates).
    pub difference_half_width: f64,
    /// Half-width of 95 % intervals that hold for every pair of points at
    /// once (Tukey HSD), so also for pairs chosen from the data such as best
    /// and worst: q₀.₉₅(points, df) × residual sd / √replicates.
    pub simultaneous_half_width: f64,
}

impl DifferenceNoise {
    /// How far one point's mean is typically off relative to the others: the
    /// 95 % half-width t × residual sd / √replicates (a difference's ÷ √2).
    pub fn point_half_width(&self) -> f64 {
        self.difference_half_width / std::f64::consts::SQRT_2
    }

    /// A difference between two points (`PointReplicates::difference`) with
    /// the simultaneous interval: mean ± `simultaneous_half_width`, valid
    /// also for a pair picked from the data (best − worst).
    pub fn simultaneous(&self, difference: &Summary) -> Summary {
        Summary {
            ci_low: Some(difference.mean - self.simultaneous_half_width),
            ci_high: Some(difference.mean + self.simultaneous_half_width),
            ..*difference
        }
    }
}

impl PointReplicates {
    /// Room for `points` × `replicates` runs of `outcomes` outcomes.
    pub fn new(points: usize, replicates: usize, outcomes: usize) -> Self {
        PointReplicates {
            points,
            replicates,
            outcomes,
            values: vec![[f64::NAN; 2]; points * replicates * outcomes],
        }
    }

    /// Add the run of `point` and `replicate` (ignored outside the table).
    pub fn add(&mut self, point: usize, replicate: usize, values: &[[f64; 2]]) {
        if point >= self.points || replicate >= self.replicates {
            return;
        }
        let at = (point * self.replicates + replicate) * self.outcomes;
        for (slot, v) in self.values[at..at + self.outcomes].iter_mut().zip(values) {
            *slot = *v;
        }
    }

    /// Replicates in the table.
    pub fn replicates(&self) -> usize {
        self.replicates
    }

    /// The run of `point` and `replicate`: its value of `outcome` in
    /// `measure` (NaN where no run was added).
    pub fn value(&self, point: usize, replicate: usize, outcome: usize, measure: usize) -> f64 {
        self.values[(point * self.replicates + replicate) * self.outcomes + outcome][measure]
    }

    /// The replicates with a finite value at every point.
    fn complete(&self, outcome: usize, measure: usize) -> Vec<usize> {
        (0..self.replicates)
            .filter(|&r| (0..self.points).all(|p| self.value(p, r, outcome, measure).is_finite()))
            .collect()
    }

    /// Point `a`'s mean minus point `b`'s, with the paired 95 % CI of the
    /// per-replicate differences (replicates where both are finite).
    pub fn difference(&self, a: usize, b: usize, outcome: usize, measure: usize) -> Summary {
        let mut w = Welford::default();
        for r in 0..self.replicates {
            let d = self.value(a, r, outcome, measure) - self.value(b, r, outcome, measure);
            if d.is_finite() {
                w.add(d);
            }
        }
        w.summary()
    }

    /// The replicate noise in differences between points; `None` below two
    /// points or two complete replicates.
    pub fn noise(&self, outcome: usize, measure: usize) -> Option<DifferenceNoise> {
        let reps = self.complete(outcome, measure);
        let (p, r) = (self.points, reps.len());
        if p < 2 || r < 2 {
            return None;
        }
        let y = |i: usize, j: usize| self.value(i, reps[j], outcome, measure);
        let point_means: Vec<f64> = (0..p)
            .map(|i| (0..r).map(|j| y(i, j)).sum::<f64>() / r as f64)
            .collect();
        let replicate_means: Vec<f64> = (0..r)
            .map(|j| (0..p).map(|i| y(i, j)).sum::<f64>() / p as f64)
            .collect();
        let grand = point_means.iter().sum::<f64>() / p as f64;
        let mut ss = 0.0;
        for (i, pm) in point_means.iter().enumerate() {
            for (j, rm) in replicate_means.iter().enumerate() {
                ss += (y(i, j) - pm - rm + grand).powi(2);
            }
        }
        let df = ((p - 1) * (r - 1)) as f64;
        let residual_sd = (ss / df).sqrt();
        Some(DifferenceNoise {
            replicates: r,
            residual_sd,
            df,
            difference_half_width: t_975(df) * residual_sd * (2.0 / r as f64).sqrt(),
            simultaneous_half_width: crate::stats::studentized_range_quantile(0.95, p, df)
                * residual_sd
                / (r as f64).sqrt(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::summarize;

    /// A running summary of `xs`.
    fn welford(xs: &[f64]) -> Welford {
        let mut w = Welford::default();
        xs.iter().for_each(|x| w.add(*x));
        w
    }

    #[test]
    fn an_undefined_outcome_never_meets_a_target() {
        let mut acc = CompareAccumulator::new(1, 1, 1);
        for x in [1.0, 1.1, 0.9] {
            acc.add(0, 0, &[[x, x]]);
        }
        assert!(acc.widest_ci().unwrap() > 0.0);
        acc.add(0, 0, &[[f64::NAN, 1.0]]);
        assert!(acc.widest_ci().unwrap().is_nan());
        assert!(acc.widest_relative_ci().unwrap().is_nan());
        // Below two replicates there is no interval yet: None.
        let mut one = CompareAccumulator::new(1, 1, 1);
        one.add(0, 0, &[[1.0, 1.0]]);
        assert_eq!(one.widest_ci(), None);
    }

    #[test]
    fn the_simultaneous_interval_widens_with_the_points_compared() {
        // P points × 5 replicates: a replicate shift plus a fixed interaction.
        let wiggle = |p: usize, r: usize| ((p * 7 + r * 3) % 5) as f64 * 0.01 - 0.02;
        let mut last = 0.0;
        for points in [2, 3, 6, 12] {
            let mut t = PointReplicates::new(points, 5, 1);
            for p in 0..points {
                for r in 0..5 {
                    let v = 0.1 * p as f64 + 0.3 * r as f64 + wiggle(p, r);
                    t.add(p, r, &[[v, v]]);
                }
            }
            let n = t.noise(0, WINDOW).unwrap();
            assert_eq!(n.df, ((points - 1) * 4) as f64);
            let q = crate::stats::studentized_range_quantile(0.95, points, n.df);
            let tukey = q * n.residual_sd / 5f64.sqrt();
            assert!((n.simultaneous_half_width - tukey).abs() < 1e-12 * tukey);
            let ratio = n.simultaneous_half_width / n.difference_half_width;
            if points == 2 {
                assert!((ratio - 1.0).abs() < 1e-8, "{ratio}");
            } else {
                assert!(ratio > last && ratio > 1.05, "{points}: {ratio}");
            }
            last = ratio;
        }
    }

    #[test]
    fn shared_replicate_effects_leave_differences_between_points_precise() {
        // Two points 0.1 apart; each replicate shifts both by the same large
        // amount, plus a small interaction: levels are noisy, differences not.
        let shifts = [-0.3, 0.1, 0.25, -0.05];
        let wiggle = [0.004, -0.002, -0.003, 0.001];
        let mut t = PointReplicates::new(2, 4, 1);
        for r in 0..4 {
            t.add(0, r, &[[0.0, 0.5 + shifts[r]]]);
            t.add(1, r, &[[0.0, 0.6 + shifts[r] + wiggle[r]]]);
        }
        let d = t.difference(1, 0, 0, WINDOW);
        assert!((d.mean - 0.1).abs() < 1e-12);
        let half = (d.ci_high.unwrap() - d.ci_low.unwrap()) / 2.0;
        assert!(half < 0.01, "{half}");
        let noise = t.noise(0, WINDOW).unwrap();
        assert_eq!((noise.replicates, noise.df), (4, 3.0));
        // With two points the pooled residual gives the paired interval.
        assert!((noise.difference_half_width - half).abs() < 1e-12);
        assert!((noise.point_half_width() * 2f64.sqrt() - half).abs() < 1e-12);
        // Two points make one pair: the simultaneous interval is the same.
        assert!((noise.simultaneous_half_width / half - 1.0).abs() < 1e-8);
        let mut level = Welford::default();
        for s in shifts {
            level.add(0.5 + s);
        }
        assert!(level.ci_half_width().unwrap() > 30.0 * half);
        // A replicate missing at one point is left out; one replicate is too few.
        let mut gap = PointReplicates::new(2, 3, 1);
        gap.add(0, 0, &[[1.0, 1.0]]);
        gap.add(1, 0, &[[2.0, 2.0]]);
        gap.add(0, 1, &[[1.5, 1.5]]);
        assert_eq!(gap.noise(0, WINDOW), None);
        assert_eq!(gap.difference(1, 0, 0, WINDOW).n, 1);
    }

    #[test]
    fn welford_matches_the_two_pass_summary() {
        let xs = [1.0, 4.0, 2.5, 8.0, 3.0];
        let mut w = Welford::default();
        xs.iter().for_each(|x| w.add(*x));
        let a = w.summary();
        let b = summarize(&xs);
        assert!((a.mean - b.mean).abs() < 1e-12);
        assert!((a.sd.unwrap() - b.sd.unwrap()).abs() < 1e-12);
        assert!((a.ci_low.unwrap() - b.ci_low.unwrap()).abs() < 1e-12);
    }

    #[test]
    fn welch_detects_a_clear_difference_and_not_a_null_one() {
        let mut a = Welford::default();
        let mut b = Welford::default();
        let mut c = Welford::default();
        for i in 0..20 {
            let noise = ((i * 7919) % 13) as f64 / 13.0;
            a.add(10.0 + noise);
            b.add(5.0 + noise);
            c.add(5.0 + ((i * 104_729) % 13) as f64 / 13.0);
        }
        let d = welch(&a, &b);
        let (lo, hi) = d.ci.unwrap();
        assert!(lo > 0.0 && hi > lo && d.p_value.unwrap() < 0.001);
        let d = welch(&c, &b);
        let (lo, hi) = d.ci.unwrap();
        assert!(lo < 0.0 && hi > 0.0, "{lo} {hi}");
    }

    #[test]
    fn tiny_p_values_are_not_rounded_to_zero() {
        let mut a = Welford::default();
        let mut b = Welford::default();
        for i in 0..20 {
            let noise = ((i * 7919) % 13) as f64 / 13.0;
            a.add(100.0 + noise);
            b.add(noise);
        }
        // t ≈ 350 on 38 df: p ≈ 1e-70, which 1 − cdf gave as exactly 0.
        let p = welch(&a, &b).p_value.unwrap();
        assert!(p > 0.0 && p < 1e-40, "{p}");
        // An ordinary p-value is unchanged in meaning.
        let mut c = Welford::default();
        for x in [1.0, 2.0, 3.0, 4.0] {
            c.add(x + 0.5);
        }
        let mut d = Welford::default();
        for x in [1.0, 2.0, 3.0, 4.0] {
            d.add(x);
        }
        let p = welch(&c, &d).p_value.unwrap();
        assert!(p > 0.5 && p < 0.7, "{p}");
    }

    #[test]
    fn outcome_values_take_the_last_month_and_the_window_mean() {
        let mut months = vec![[0.0; crate::metrics::N_METRICS]; 4];
        for (i, m) in months.iter_mut().enumerate() {
            m[0] = i as f64;
        }
        assert_eq!(outcome_values(&months, &[0], 2), vec![[3.0, 2.5]]);
    }

    #[test]
    fn pairing_takes_differences_replicate_by_replicate() {
        let mut acc = CompareAccumulator::new(2, 1, 1);
        for (r, (base, variant)) in [(1.0, 1.5), (3.0, 3.6), (5.0, 5.4)].into_iter().enumerate() {
            acc.add_run(0, 0, r as u32, &[[base, base]]);
            acc.add_run(1, 0, r as u32, &[[variant, variant]]);
        }
        let (lo, hi) = acc.paired_ci(1, 0, 0).unwrap();
        assert!(lo > 0.0 && hi < 1.0, "differences 0.5, 0.6, 0.4: {lo} {hi}");
        let welch = welch(&acc.level(1, 0, 0), &acc.level(0, 0, 0)).ci.unwrap();
        assert!(
            welch.0 < 0.0,
            "the unpaired interval cannot see it: {welch:?}"
        );
        assert!(acc.paired_ci(0, 0, 0).is_none());
    }

    #[test]
    fn the_relative_difference_has_a_delta_method_interval() {
        // Paired: baseline 10, 12, 14, 16; variant 1.1 × baseline + noise.
        let base = [10.0, 12.0, 14.0, 16.0];
        let variant = [11.2, 13.1, 15.5, 17.6];
        let mut acc = CompareAccumulator::new(2, 1, 1);
        for (r, (b, v)) in base.iter().zip(&variant).enumerate() {
            acc.add_run(0, 0, r as u32, &[[*b, *b]]);
            acc.add_run(1, 0, r as u32, &[[*v, *v]]);
        }
        let d: Vec<f64> = variant.iter().zip(&base).map(|(v, b)| v - b).collect();
        let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
        let (md, mb) = (mean(&d), mean(&base));
        let cov = |x: &[f64], y: &[f64]| {
            let (mx, my) = (mean(x), mean(y));
            x.iter()
                .zip(y)
                .map(|(a, b)| (a - mx) * (b - my))
                .sum::<f64>()
                / 3.0
        };
        let r = md / mb;
        let var = (cov(&d, &d) - 2.0 * r * cov(&d, &base) + r * r * cov(&base, &base)) / 4.0;
        let half = t_975(3.0) * var.sqrt() / mb;
        let c = acc.contrast(1, 0, 0, true);
        let (lo, hi) = c.relative_ci.unwrap();
        assert!((lo - (r - half)).abs() < 1e-12 && (hi - (r + half)).abs() < 1e-12);
        assert!(lo > 0.0 && (c.relative.unwrap() - r).abs() < 1e-12);
        // Unpaired (Welch): the baseline's own spread widens the interval
        // beyond the difference's interval over |baseline mean|.
        let w = acc.contrast(1, 0, 0, false);
        assert_eq!(w.test, Test::Welch);
        let (wlo, whi) = w.relative_ci.unwrap();
        let (dlo, dhi) = w.ci.unwrap();
        assert!(
            wlo < dlo / mb && whi > dhi / mb,
            "{wlo} {whi} vs {} {}",
            dlo / mb,
            dhi / mb
        );
        // A zero baseline has no relative difference.
        let mut zero = CompareAccumulator::new(2, 1, 1);
        for r in 0..3 {
            zero.add_run(0, 0, r, &[[0.0, 0.0]]);
            zero.add_run(1, 0, r, &[[f64::from(r), f64::from(r)]]);
        }
        assert_eq!(zero.contrast(1, 0, 0, true).relative_ci, None);
    }

    #[test]
    fn with_several_environments_the_environment_is_the_unit() {
        // Two environments far apart, three replicates each, a variant 1.0
        // better in the first and 0.2 in the second, with little noise
        // within an environment.
        let mut acc = CompareAccumulator::new(2, 2, 1);
        for (env, level, effect) in [(0, 10.0, 1.0), (1, 20.0, 0.2)] {
            for (r, noise) in [0.0, 0.01, -0.01].into_iter().enumerate() {
                let base = level + noise;
                acc.add_run(0, env, r as u32, &[[base, base]]);
                acc.add_run(1, env, r as u32, &[[base + effect, base + effect]]);
            }
        }
        assert_eq!(acc.unit(), Unit::Environment);
        let level = acc.level(0, 0, 0);
        assert_eq!(level.n(), 2, "two environments, not six runs");
        assert!((level.mean() - 15.0).abs() < 1e-12);
        assert_eq!(acc.runs(0, 0, 0).n(), 6);
        // Six runs treated as independent would give 5 degrees of freedom
        // and a narrow interval; the two environments' differences (1.0,
        // 0.2) give 1 degree of freedom and an interval that spans 0.
        let c = acc.contrast(1, 0, 0, true);
        assert_eq!(c.test, Test::Environments);
        assert!((c.diff - 0.6).abs() < 1e-12);
        let (lo, hi) = c.ci.unwrap();
        let half = t_975(1.0) * (0.32f64).sqrt() / 2f64.sqrt();
        assert!((lo - (0.6 - half)).abs() < 1e-9 && (hi - (0.6 + half)).abs() < 1e-9);
        assert!(lo < 0.0, "{lo}");
        assert_eq!(acc.paired_ci(1, 0, 0), Some((lo, hi)));
        // With one environment the replicate stays the unit.
        let mut one = CompareAccumulator::new(2, 1, 1);
        one.add_run(0, 0, 0, &[[1.0, 1.0]]);
        one.add_run(0, 0, 1, &[[2.0, 2.0]]);
        assert_eq!((one.unit(), one.level(0, 0, 0).n()), (Unit::Replicate, 2));
    }

    #[test]
    fn robustness_counts_environments_where_the_variant_is_better() {
        let mut acc = CompareAccumulator::new(2, 3, 1);
        for (env, (base, variant)) in [(1.0, 2.0), (1.0, 0.5), (1.0, 3.0)].into_iter().enumerate() {
            acc.add(0, env, &[[base, base]]);
            acc.add(1, env, &[[variant, variant]]);
        }
        let r = acc.robustness(1, 0, 0, Some(true), 0.0);
        assert_eq!(r.environments, 3);
        assert!((r.share_better.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!((r.share_worse.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert!((r.mean - 2.5 / 3.0).abs() < 1e-12 && r.min == -0.5 && r.max == 2.0);
        // For a metric where smaller is better the shares swap.
        let r = acc.robustness(1, 0, 0, Some(false), 0.0);
        assert!((r.share_better.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(acc.robustness(1, 0, 0, None, 0.0).share_better, None);
    }

    #[test]
    fn noise_level_wins_do_not_count_as_better() {
        let mut acc = CompareAccumulator::new(2, 3, 1);
        // +0.5 % and +0.2 % are noise at a 1 % meaningful difference; +20 % is not.
        for (env, (base, variant)) in [(100.0, 100.5), (100.0, 100.2), (100.0, 120.0)]
            .into_iter()
            .enumerate()
        {
            acc.add(0, env, &[[base, base]]);
            acc.add(1, env, &[[variant, variant]]);
        }
        let all = acc.robustness(1, 0, 0, Some(true), 0.0);
        assert_eq!(all.share_better, Some(1.0));
        let meaningful = acc.robustness(1, 0, 0, Some(true), 0.01);
        assert!((meaningful.share_better.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(meaningful.share_worse, Some(0.0));
    }

    #[test]
    fn heterogeneity_compares_the_environments_spread_with_replicate_noise() {
        // Paired: differences 1, 3 in one environment and 5, 7 in the other.
        // Pooled within-environment variance 2, so an environment's mean
        // difference has noise variance 2 / 2 = 1 on 2 df; the two means 2
        // and 6 have variance 8: F = 8 on (1, 2) df, p = 1 − √8/√10.
        let want = 1.0 - (8.0f64 / 10.0).sqrt();
        let mut paired = CompareAccumulator::new(2, 2, 1);
        for (env, variant) in [[11.0, 23.0], [15.0, 27.0]].into_iter().enumerate() {
            for (r, (b, v)) in [10.0, 20.0].into_iter().zip(variant).enumerate() {
                paired.add_run(0, env, r as u32, &[[b, b]]);
                paired.add_run(1, env, r as u32, &[[v, v]]);
            }
        }
        let r = paired.robustness(1, 0, 0, Some(true), 0.01);
        assert!((r.noise_sd.unwrap() - 1.0).abs() < 1e-12, "{r:?}");
        assert!((r.heterogeneity_p.unwrap() - want).abs() < 1e-9, "{r:?}");
        // Unpaired, the baseline's spread (values 10 and 20) is noise too.
        let mut unpaired = CompareAccumulator::new(2, 2, 1);
        for (env, variant) in [[11.0, 23.0], [15.0, 27.0]].into_iter().enumerate() {
            for (b, v) in [10.0, 20.0].into_iter().zip(variant) {
                unpaired.add(0, env, &[[b, b]]);
                unpaired.add(1, env, &[[v, v]]);
            }
        }
        let u = unpaired.robustness(1, 0, 0, Some(true), 0.01);
        // (s²ᵥ + s²_b) / 2 = (72 + 50) / 2 = 61 (both environments alike).
        assert!((u.noise_sd.unwrap() - 61f64.sqrt()).abs() < 1e-12, "{u:?}");
        assert!(u.heterogeneity_p.unwrap() > r.heterogeneity_p.unwrap());
        // Environments apart by far more than the noise: p is tiny; with
        // one replicate per environment there is no noise estimate.
        let mut apart = CompareAccumulator::new(2, 3, 1);
        for env in 0..3 {
            for (r, wiggle) in [-0.001, 0.001].into_iter().enumerate() {
                apart.add_run(0, env, r as u32, &[[1.0, 1.0]]);
                let v = 1.0 + env as f64 + wiggle;
                apart.add_run(1, env, r as u32, &[[v, v]]);
            }
        }
        assert!(
            apart
                .robustness(1, 0, 0, Some(true), 0.01)
                .heterogeneity_p
                .unwrap()
                < 1e-6
        );
        let mut single = CompareAccumulator::new(2, 3, 1);
        for env in 0..3 {
            single.add_run(0, env, 0, &[[1.0, 1.0]]);
            single.add_run(1, env, 0, &[[2.0 + env as f64, 2.0]]);
        }
        let s = single.robustness(1, 0, 0, Some(true), 0.01);
        assert_eq!((s.noise_sd, s.heterogeneity_p), (None, None));
    }

    #[test]
    fn holm_multiplies_the_smallest_p_by_the_family_size_and_keeps_order() {
        let p = [Some(0.01), Some(0.04), None, Some(0.03), Some(0.5)];
        let h = holm(&p);
        // m = 4: 0.01·4 = 0.04; 0.03·3 = 0.09; 0.04·2 = 0.08 → raised to 0.09; 0.5·1.
        let want = [Some(0.04), Some(0.09), None, Some(0.09), Some(0.5)];
        for (got, want) in h.iter().zip(want) {
            match (got, want) {
                (Some(g), Some(w)) => assert!((g - w).abs() < 1e-12, "{h:?}"),
                (g, w) => assert_eq!(*g, w),
            }
        }
        assert_eq!(holm(&[Some(0.6), Some(0.7)]), vec![Some(1.0), Some(1.0)]);
        // A NaN p is no test: the others are adjusted as a family of two.
        let h = holm(&[Some(0.01), Some(-f64::NAN), Some(0.02)]);
        assert_eq!(h[1], None);
        assert!((h[0].unwrap() - 0.02).abs() < 1e-12 && (h[2].unwrap() - 0.02).abs() < 1e-12);
    }

    #[test]
    fn contrasts_use_the_paired_test_with_common_random_numbers() {
        let mut acc = CompareAccumulator::new(2, 1, 2);
        for (r, (base, variant)) in [(1.0, 1.5), (3.0, 3.6), (5.0, 5.4)].into_iter().enumerate() {
            acc.add_run(0, 0, r as u32, &[[base, base], [base, base]]);
            acc.add_run(1, 0, r as u32, &[[variant, variant], [base, base]]);
        }
        let paired = acc.contrasts(0, true);
        let c = paired[1][0].unwrap();
        assert_eq!(c.test, Test::Paired);
        assert!(c.excludes_zero() && c.p_value.unwrap() < 0.05, "{c:?}");
        assert!((c.relative.unwrap() - 0.5 / 3.0).abs() < 1e-12);
        // The second outcome is the same in every pair: no test, so it stays
        // out of Holm's family and the first's p is not adjusted upwards.
        let same = paired[1][1].unwrap();
        assert_eq!(same.p_value, Some(1.0));
        assert!(same.is_identical() && same.p_holm.is_none());
        assert_eq!(c.p_holm, c.p_value);
        assert_eq!(acc.family_size(0, true), 1);
        assert!(paired[0].iter().all(Option::is_none));
        let welch = acc.contrasts(0, false)[1][0].unwrap();
        assert_eq!(welch.test, Test::Welch);
        assert!(!welch.excludes_zero(), "{welch:?}");
    }

    #[test]
    fn the_half_width_is_t_times_the_standard_error() {
        // Mean 2.75, squared deviations 0.5625, 0.5625, 3.0625, 3.0625:
        // s² = 7.25 / 3 on 3 df, standard error s / √4.
        let w = welford(&[2.0, 3.5, 1.0, 4.5]);
        let half = t_975(3.0) * (7.25f64 / 3.0).sqrt() / 2.0;
        assert!((w.ci_half_width().unwrap() - half).abs() < 1e-12);
        let s = w.summary();
        assert!((s.ci_low.unwrap() - (2.75 - half)).abs() < 1e-12);
        assert!((s.ci_high.unwrap() - (2.75 + half)).abs() < 1e-12);
        // The widest over both measures, and relative to |mean|: the
        // window measure (twice the values, a negative mean) is widest.
        let mut acc = CompareAccumulator::new(1, 1, 1);
        for x in [2.0, 3.5, 1.0, 4.5] {
            acc.add(0, 0, &[[x, -2.0 * x]]);
        }
        assert!((acc.widest_ci().unwrap() - 2.0 * half).abs() < 1e-12);
        assert!((acc.widest_relative_ci().unwrap() - half / 2.75).abs() < 1e-12);
        // Below two observations there is no interval; with none, no mean.
        let mut one = Welford::default();
        assert!(one.mean().is_nan() && one.variance().is_none());
        one.add(1.0);
        assert_eq!((one.ci_half_width(), one.variance()), (None, None));
    }

    #[test]
    fn welch_matches_scipy() {
        // scipy.stats.ttest_ind(a, b, equal_var=False) and its
        // confidence_interval(0.95): df 6.0620, p 0.014872.
        let a = welford(&[3.1, 4.7, 2.2, 5.9, 4.4]);
        let b = welford(&[1.0, 1.8, 2.9, 1.2, 0.4, 2.5, 1.6]);
        let d = welch(&a, &b);
        let (lo, hi) = d.ci.unwrap();
        assert!((lo - 0.668_584_599_700_636_6).abs() < 1e-9, "{lo}");
        assert!((hi - 4.194_272_543_156_507).abs() < 1e-9, "{hi}");
        assert!((d.p_value.unwrap() - 0.014_871_984_034_595_088).abs() < 1e-9);
        assert!((d.diff - (4.06 - 1.628_571_428_571_428_5)).abs() < 1e-12);
        // Without spread in either group: the difference is exact, p is 1
        // when it is 0 and 0 otherwise.
        let constant = |x: f64| welford(&[x; 3]);
        let same = welch(&constant(2.0), &constant(2.0));
        assert_eq!((same.ci, same.p_value), (Some((0.0, 0.0)), Some(1.0)));
        let apart = welch(&constant(3.0), &constant(2.0));
        assert_eq!((apart.ci, apart.p_value), (Some((1.0, 1.0)), Some(0.0)));
    }

    #[test]
    fn the_paired_test_matches_scipy() {
        // Differences 0.5, 0.9, 0.2, 0.7: scipy.stats.ttest_1samp(d, 0) and
        // its confidence_interval(0.95).
        let mut acc = CompareAccumulator::new(2, 1, 1);
        for (r, (b, d)) in [(1.0, 0.5), (4.0, 0.9), (2.0, 0.2), (3.0, 0.7)]
            .into_iter()
            .enumerate()
        {
            acc.add_run(0, 0, r as u32, &[[b, b]]);
            acc.add_run(1, 0, r as u32, &[[b + d, b + d]]);
        }
        let c = acc.contrast(1, 0, 0, true);
        assert_eq!(c.test, Test::Paired);
        let (lo, hi) = c.ci.unwrap();
        assert!((lo - 0.099_848_226_001_353_96).abs() < 1e-9, "{lo}");
        assert!((hi - 1.050_151_773_998_646).abs() < 1e-9, "{hi}");
        assert!((c.p_value.unwrap() - 0.030_915_207_201_607_935).abs() < 1e-9);
    }

    #[test]
    fn the_relative_interval_without_pairs_and_across_environments() {
        // Welch: (Var v̄ + (1 + r)² Var b̄) / b̄² on Welch–Satterthwaite df
        // (5.49 here); values computed apart with scipy's t quantile.
        let close = |got: (f64, f64), want: (f64, f64)| {
            assert!(
                (got.0 - want.0).abs() < 1e-9 && (got.1 - want.1).abs() < 1e-9,
                "{got:?} vs {want:?}"
            );
        };
        let mut acc = CompareAccumulator::new(2, 1, 1);
        for x in [10.0, 12.0, 15.0, 11.0] {
            acc.add(0, 0, &[[x, -x]]);
        }
        for x in [12.0, 13.5, 17.0, 14.0, 13.0] {
            acc.add(1, 0, &[[x, -x]]);
        }
        let want = (-0.156_289_949_394_064_9, 0.472_956_616_060_731_6);
        let c = acc.contrast(1, 0, 0, false);
        assert_eq!(c.test, Test::Welch);
        assert!((c.relative.unwrap() - 0.158_333_333_333_333_35).abs() < 1e-12);
        close(c.relative_ci.unwrap(), want);
        // A negative baseline mean: the same interval, mirrored.
        let w = acc.contrast(1, 0, WINDOW, false);
        close(w.relative_ci.unwrap(), (-want.1, -want.0));
        // Across environments: the pairs are the environments' mean
        // differences and baseline means, on environments − 1 df.
        let mut env = CompareAccumulator::new(2, 3, 1);
        let runs = [
            ([10.0, 11.0], [11.5, 12.1]),
            ([20.0, 22.0], [22.6, 24.0]),
            ([15.0, 14.0], [16.0, 15.9]),
        ];
        for (e, (base, variant)) in runs.into_iter().enumerate() {
            for r in 0..2 {
                env.add_run(0, e, r as u32, &[[base[r], base[r]]]);
                env.add_run(1, e, r as u32, &[[variant[r], variant[r]]]);
            }
        }
        let c = env.contrast(1, 0, 0, true);
        assert_eq!(c.test, Test::Environments);
        assert!((c.relative.unwrap() - 0.109_782_608_695_652_18).abs() < 1e-12);
        close(
            c.relative_ci.unwrap(),
            (0.086_349_335_563_953_98, 0.133_215_881_827_350_4),
        );
    }

    #[test]
    fn heterogeneity_needs_finite_spreads_and_is_certain_without_noise() {
        // F = 8 / 1 on (1, 2) df, as in the test above.
        let p = heterogeneity_p(&welford(&[2.0, 6.0]), 1.0, 2.0).unwrap();
        assert!((p - (1.0 - (8.0f64 / 10.0).sqrt())).abs() < 1e-9, "{p}");
        // An environment's difference that is not a number, or noise that
        // is not, gives no test.
        assert_eq!(heterogeneity_p(&welford(&[2.0, f64::NAN]), 1.0, 2.0), None);
        assert_eq!(
            heterogeneity_p(&welford(&[2.0, 6.0]), f64::INFINITY, 2.0),
            None
        );
        // Without replicate noise any spread is certain (p = 0), and no
        // spread is no test; one environment is none either.
        assert_eq!(heterogeneity_p(&welford(&[2.0, 6.0]), 0.0, 2.0), Some(0.0));
        assert_eq!(heterogeneity_p(&welford(&[2.0, 2.0]), 0.0, 2.0), None);
        assert_eq!(heterogeneity_p(&welford(&[2.0]), 1.0, 2.0), None);
    }

    #[test]
    fn a_share_counts_its_environments() {
        let r = Robustness {
            environments: 3,
            share_better: Some(2.0 / 3.0),
            share_worse: Some(0.0),
            mean: 0.0,
            min: 0.0,
            max: 0.0,
            noise_sd: None,
            heterogeneity_p: None,
        };
        assert_eq!(r.count(r.share_better), 2);
        assert_eq!(r.count(r.share_worse), 0);
        assert_eq!(r.count(Some(1.0)), 3);
        assert_eq!(r.count(None), 0, "a neutral metric");
    }

    #[test]
    fn the_simultaneous_interval_is_the_difference_plus_minus_its_half_width() {
        let noise = DifferenceNoise {
            replicates: 4,
            residual_sd: 0.1,
            df: 3.0,
            difference_half_width: 0.2,
            simultaneous_half_width: 0.3,
        };
        let d = summarize(&[1.0, 1.5, 2.0]);
        let s = noise.simultaneous(&d);
        assert!((s.ci_low.unwrap() - 1.2).abs() < 1e-12, "{s:?}");
        assert!((s.ci_high.unwrap() - 1.8).abs() < 1e-12, "{s:?}");
        assert_eq!((s.n, s.mean, s.sd), (d.n, d.mean, d.sd));
        assert!((noise.point_half_width() - 0.2 / 2f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn each_cell_has_the_relative_interval_of_its_own_pairs() {
        // Three variants, two outcomes, both measures, every cell's pairs
        // different: each cell's interval is the one its pairs give alone.
        let value = |v: usize, o: usize, m: usize, r: usize| {
            let base = 10.0 + 3.0 * o as f64 + 5.0 * m as f64 + 2.0 * r as f64;
            let wiggle = [0.3, -0.2, 0.5, 0.1][(r + v + o + 2 * m) % 4];
            base * (1.0 + 0.1 * v as f64 + 0.05 * o as f64) + v as f64 * wiggle
        };
        let mut all = CompareAccumulator::new(3, 1, 2);
        for v in 0..3 {
            for r in 0..4 {
                let values: Vec<[f64; 2]> = (0..2)
                    .map(|o| [value(v, o, 0, r), value(v, o, 1, r)])
                    .collect();
                all.add_run(v, 0, r as u32, &values);
            }
        }
        for v in 1..3 {
            for o in 0..2 {
                for m in 0..2 {
                    let mut alone = CompareAccumulator::new(2, 1, 1);
                    for r in 0..4 {
                        let (b, x) = (value(0, o, m, r), value(v, o, m, r));
                        alone.add_run(0, 0, r as u32, &[[b, b]]);
                        alone.add_run(1, 0, r as u32, &[[x, x]]);
                    }
                    let want = alone.contrast(1, 0, 0, true).relative_ci.unwrap();
                    let got = all.contrast(v, o, m, true).relative_ci;
                    assert_eq!(got, Some(want), "variant {v}, outcome {o}, measure {m}");
                }
            }
        }
    }

    #[test]
    fn an_interval_excludes_zero_only_wholly_on_one_side() {
        let difference = |ci| Difference {
            diff: 0.5,
            ci,
            p_value: None,
        };
        let contrast = |ci| Contrast {
            diff: 0.5,
            relative: None,
            relative_ci: None,
            ci,
            p_value: None,
            p_holm: None,
            test: Test::Welch,
        };
        for (ci, excludes) in [
            (Some((0.1, 1.0)), true),
            (Some((-1.0, -0.1)), true),
            (Some((0.0, 1.0)), false),
            (Some((-1.0, 0.0)), false),
            (Some((-1.0, 1.0)), false),
            (Some((0.0, 0.0)), false),
            (None, false),
        ] {
            assert_eq!(difference(ci).excludes_zero(), excludes, "{ci:?}");
            assert_eq!(contrast(ci).excludes_zero(), excludes, "{ci:?}");
        }
        // Identical: a difference of exactly 0 and an interval of width 0.
        let zero = |ci| Contrast {
            diff: 0.0,
            ..contrast(ci)
        };
        assert!(zero(Some((0.0, 0.0))).is_identical());
        assert!(!zero(Some((-1.0, 1.0))).is_identical());
        assert!(!zero(None).is_identical());
        assert!(!contrast(Some((0.0, 0.0))).is_identical());
    }
}

/// Global sensitivity of an outcome to swept parameters, from point means.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    /// Spearman rank correlation of each parameter with the outcome.
    pub spearman: Vec<Option<f64>>,
    /// Standardised regression coefficients (linear model on standardised
    /// parameters and outcome; NaN for a parameter constant over the
    /// points, which is left out of the model), `None` if there is no
    /// model: a constant outcome, no varying parameter, or too few points
    /// (at least the varying parameters + 2, so that the model is not
    /// saturated).
    pub src: Option<Vec<f64>>,
    /// R² of that linear model.
    pub r2: Option<f64>,
    /// R² adjusted for the number of parameters in the model:
    /// 1 − (1 − R²)(n − 1)/(n − k − 1).
    pub r2_adjusted: Option<f64>,
}

fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && xs[idx[j + 1]] == xs[idx[i]] {
            j += 1;
        }
        let average = (i + j) as f64 / 2.0 + 1.0;
        for k in &idx[i..=j] {
            r[*k] = average;
        }
        i = j + 1;
    }
    r
}

fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    (va > 0.0 && vb > 0.0).then(|| cov / (va * vb).sqrt())
}

/// Standardise a column (mean 0, sd 1); `None` if it is constant.
fn standardise(xs: &[f64]) -> Option<Vec<f64>> {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let sd = (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n).sqrt();
    (sd > 0.0).then(|| xs.iter().map(|x| (x - m) / sd).collect())
}

/// Solve A x = b by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (upper, lower) = a.split_at_mut(col + 1);
        let pivot_row = &upper[col];
        for (offset, row) in lower.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[col + 1 + offset] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// Sensitivity of outcome `y` (one value per point) to the parameter
/// columns `x` (one column per parameter, one value per point).
pub fn sensitivity(x: &[Vec<f64>], y: &[f64]) -> Sensitivity {
    let ry = ranks(y);
    let spearman = x.iter().map(|col| pearson(&ranks(col), &ry)).collect();
    let fit = || -> Option<(Vec<f64>, f64, f64)> {
        let zy = standardise(y)?;
        // A parameter constant over the points (an integer key whose range
        // rounds to one value) has no coefficient; the others keep theirs.
        let columns: Vec<Option<Vec<f64>>> = x.iter().map(|c| standardise(c)).collect();
        let used: Vec<usize> = (0..columns.len())
            .filter(|&i| columns[i].is_some())
            .collect();
        let zx: Vec<&Vec<f64>> = used.iter().filter_map(|&i| columns[i].as_ref()).collect();
        let (k, n) = (zx.len(), y.len());
        // Standardising spends a degree of freedom on the intercept: with n
        // ≤ k + 1 points the model fits exactly whatever the outcome.
        if k == 0 || n < k + 2 {
            return None;
        }
        let xtx: Vec<Vec<f64>> = (0..k)
            .map(|i| {
                (0..k)
                    .map(|j| zx[i].iter().zip(zx[j]).map(|(a, b)| a * b).sum())
                    .collect()
            })
            .collect();
        let xty: Vec<f64> = (0..k)
            .map(|i| zx[i].iter().zip(&zy).map(|(a, b)| a * b).sum())
            .collect();
        let beta = solve(xtx, xty)?;
        let sse: f64 = (0..n)
            .map(|p| (zy[p] - (0..k).map(|i| beta[i] * zx[i][p]).sum::<f64>()).powi(2))
            .sum();
        let sst: f64 = zy.iter().map(|v| v * v).sum();
        let r2 = 1.0 - sse / sst;
        let adjusted = 1.0 - (1.0 - r2) * (n - 1) as f64 / (n - k - 1) as f64;
        let mut src = vec![f64::NAN; x.len()];
        for (&i, b) in used.iter().zip(beta) {
            src[i] = b;
        }
        Some((src, r2, adjusted))
    };
    match fit() {
        Some((src, r2, adjusted)) => Sensitivity {
            spearman,
            src: Some(src),
            r2: Some(r2),
            r2_adjusted: Some(adjusted),
        },
        None => Sensitivity {
            spearman,
            src: None,
            r2: None,
            r2_adjusted: None,
        },
    }
}

#[cfg(test)]
mod sensitivity_tests {
    use super::*;

    #[test]
    fn a_run_without_months_gives_missing_values_not_a_panic() {
        let v = outcome_values(&[], &[0, 1], 12);
        assert!(v.iter().flatten().all(|x| x.is_nan()));
    }

    #[test]
    fn a_linear_outcome_is_attributed_to_its_parameters() {
        // y = 3a − b on a 5 × 5 grid: a matters three times as much as b, c not at all.
        let mut a = Vec::new();
        let mut b = Vec::new();
        let mut c = Vec::new();
        let mut y = Vec::new();
        for i in 0..5 {
            for j in 0..5 {
                a.push(i as f64);
                b.push(j as f64);
                c.push(((i * 7 + j * 3) % 5) as f64);
                y.push(3.0 * i as f64 - j as f64);
            }
        }
        let s = sensitivity(&[a, b, c], &y);
        let src = s.src.unwrap();
        assert!((src[0] / -src[1] - 3.0).abs() < 1e-9, "{src:?}");
        assert!(src[2].abs() < 0.05, "{src:?}");
        assert!((s.r2.unwrap() - 1.0).abs() < 1e-9);
        assert!(s.spearman[0].unwrap() > 0.9 && s.spearman[1].unwrap() < 0.0);
    }

    #[test]
    fn a_saturated_model_reports_no_fit_and_a_constant_key_is_left_out() {
        // Three points and two keys: a plane fits any three values exactly,
        // so R² = 1 says nothing; no model is reported.
        let (a, b) = (vec![0.0, 1.0, 2.0], vec![1.0, 0.0, 2.0]);
        let s = sensitivity(&[a.clone(), b.clone()], &[0.3, 0.1, 0.7]);
        assert_eq!((s.src, s.r2, s.r2_adjusted), (None, None, None));
        assert!(s.spearman[0].is_some());
        // Four points: one residual degree of freedom, a model.
        let s = sensitivity(
            &[vec![0.0, 1.0, 2.0, 3.0], vec![1.0, 0.0, 2.0, 2.0]],
            &[0.3, 0.1, 0.7, 0.8],
        );
        let (r2, adjusted) = (s.r2.unwrap(), s.r2_adjusted.unwrap());
        assert!(r2 < 1.0 && (adjusted - (1.0 - (1.0 - r2) * 3.0)).abs() < 1e-12);
        // A constant key gets no coefficient; the others keep theirs.
        let y: Vec<f64> = (0..6)
            .map(|i| 2.0 * i as f64 + [0.1, -0.1, 0.0, 0.2, -0.2, 0.0][i])
            .collect();
        let s = sensitivity(&[(0..6).map(f64::from).collect(), vec![3.0; 6]], &y);
        let src = s.src.unwrap();
        assert!(src[0] > 0.99 && src[1].is_nan(), "{src:?}");
        assert!(s.r2.unwrap() > 0.99 && s.spearman[1].is_none());
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }
}
