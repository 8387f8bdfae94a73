//! Statistics of a study, accumulated run by run so memory does not grow with
//! the number of runs (`docs/studies.md`).
//!
//! Outcomes are measured two ways per run: `final` (the last month) and
//! `window` (the mean over the last `window_months` months). Differences from
//! the baseline use Welch's t interval; the effect size is Cohen's d with the
//! average of the two variances.

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
    /// Cohen's d: diff / √((s²_a + s²_b)/2).
    pub effect_size: Option<f64>,
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
            effect_size: None,
        };
    };
    let (na, nb) = (a.n() as f64, b.n() as f64);
    let se2 = va / na + vb / nb;
    let pooled = ((va + vb) / 2.0).sqrt();
    let effect_size = (pooled > 0.0).then(|| diff / pooled);
    if se2 <= 0.0 {
        return Difference {
            diff,
            ci: Some((diff, diff)),
            p_value: Some(if diff == 0.0 { 1.0 } else { 0.0 }),
            effect_size,
        };
    }
    let df = se2 * se2 / ((va / na).powi(2) / (na - 1.0) + (vb / nb).powi(2) / (nb - 1.0));
    let se = se2.sqrt();
    let half = t_975(df) * se;
    // The survival function, not 1 − cdf: tiny p-values keep their digits
    // instead of cancelling to exactly 0.
    let p_value = StudentsT::new(0.0, 1.0, df)
        .ok()
        .map(|t| 2.0 * t.sf((diff / se).abs()));
    Difference {
        diff,
        ci: Some((diff - half, diff + half)),
        p_value,
        effect_size,
    }
}

/// Accumulators of a comparison: per variant, environment, outcome and measure.
#[derive(Debug, Clone)]
pub struct CompareAccumulator {
    variants: usize,
    environments: usize,
    outcomes: usize,
    cells: Vec<Welford>,
    pooled: Vec<Welford>,
    /// Baseline outcome values by (environment, replicate), for pairing.
    baseline: std::collections::HashMap<(usize, u32), Vec<[f64; 2]>>,
    /// Per-replicate differences from the baseline (paired).
    paired: Vec<Welford>,
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
            baseline: std::collections::HashMap::new(),
            paired: vec![Welford::default(); variants * outcomes * 2],
        }
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

    /// Add one run and pair it with the baseline run of the same environment
    /// and replicate (baseline runs, variant 0, must come first).
    pub fn add_run(&mut self, variant: usize, env: usize, replicate: u32, values: &[[f64; 2]]) {
        self.add(variant, env, values);
        if variant == 0 {
            self.baseline.insert((env, replicate), values.to_vec());
        } else if let Some(base) = self.baseline.get(&(env, replicate)) {
            for (o, (v, b)) in values.iter().zip(base).enumerate() {
                for m in 0..2 {
                    self.paired[(variant * self.outcomes + o) * 2 + m].add(v[m] - b[m]);
                }
            }
        }
    }

    /// 95 % CI of the mean per-replicate difference from the baseline
    /// (paired t interval; meaningful with common random numbers).
    pub fn paired_ci(&self, variant: usize, outcome: usize, measure: usize) -> Option<(f64, f64)> {
        let s = self.paired[(variant * self.outcomes + outcome) * 2 + measure].summary();
        Some((s.ci_low?, s.ci_high?))
    }

    /// Welch comparison of a variant's pooled outcome with the baseline's
    /// (variant 0), for one measure.
    pub fn difference(&self, variant: usize, outcome: usize, measure: usize) -> Difference {
        welch(
            self.pooled(variant, outcome, measure),
            self.pooled(0, outcome, measure),
        )
    }

    /// Pooled (over environments) statistics of a variant's outcome.
    pub fn pooled(&self, variant: usize, outcome: usize, measure: usize) -> &Welford {
        &self.pooled[(variant * self.outcomes + outcome) * 2 + measure]
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
    /// (`None` if some CI cannot be computed yet).
    pub fn widest_ci(&self) -> Option<f64> {
        let mut widest = 0.0f64;
        for a in 0..self.variants {
            for o in 0..self.outcomes {
                for m in 0..2 {
                    widest = widest.max(self.pooled(a, o, m).ci_half_width()?);
                }
            }
        }
        Some(widest)
    }

    /// Largest 95 % CI half-width relative to the absolute mean, over every
    /// variant, outcome and measure (`None` if some CI cannot be computed yet).
    pub fn widest_relative_ci(&self) -> Option<f64> {
        let mut widest = 0.0f64;
        for a in 0..self.variants {
            for o in 0..self.outcomes {
                for m in 0..2 {
                    let w = self.pooled(a, o, m);
                    let half = w.ci_half_width()?;
                    let relative = if half == 0.0 {
                        0.0
                    } else {
                        half / w.mean().abs()
                    };
                    widest = widest.max(relative);
                }
            }
        }
        Some(widest)
    }

    /// Robustness of variant `variant` against variant 0 for an outcome and measure:
    /// (environments, share in which the variant is better, mean, min and max difference).
    pub fn robustness(
        &self,
        variant: usize,
        outcome: usize,
        measure: usize,
        larger_better: Option<bool>,
    ) -> (usize, Option<f64>, f64, f64, f64) {
        let diffs: Vec<f64> = (0..self.environments)
            .map(|e| {
                self.in_environment(variant, e, outcome, measure).mean()
                    - self.in_environment(0, e, outcome, measure).mean()
            })
            .collect();
        let n = diffs.len();
        let better = larger_better.map(|up| {
            diffs
                .iter()
                .filter(|d| if up { **d > 0.0 } else { **d < 0.0 })
                .count() as f64
                / n as f64
        });
        let mean = diffs.iter().sum::<f64>() / n as f64;
        let min = diffs.iter().copied().fold(f64::INFINITY, f64::min);
        let max = diffs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (n, better, mean, min, max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::summarize;

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
        assert!(lo > 0.0 && hi > lo && d.p_value.unwrap() < 0.001 && d.effect_size.unwrap() > 1.0);
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
        let welch = welch(acc.pooled(1, 0, 0), acc.pooled(0, 0, 0)).ci.unwrap();
        assert!(
            welch.0 < 0.0,
            "the unpaired interval cannot see it: {welch:?}"
        );
        assert!(acc.paired_ci(0, 0, 0).is_none());
    }

    #[test]
    fn robustness_counts_environments_where_the_variant_is_better() {
        let mut acc = CompareAccumulator::new(2, 3, 1);
        for (env, (base, variant)) in [(1.0, 2.0), (1.0, 0.5), (1.0, 3.0)].into_iter().enumerate() {
            acc.add(0, env, &[[base, base]]);
            acc.add(1, env, &[[variant, variant]]);
        }
        let (n, share, mean, min, max) = acc.robustness(1, 0, 0, Some(true));
        assert_eq!(n, 3);
        assert!((share.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!((mean - 2.5 / 3.0).abs() < 1e-12 && min == -0.5 && max == 2.0);
    }
}

/// Global sensitivity of an outcome to swept parameters, from point means.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    /// Spearman rank correlation of each parameter with the outcome.
    pub spearman: Vec<Option<f64>>,
    /// Standardised regression coefficients (linear model on standardised
    /// parameters and outcome), `None` if the design is degenerate.
    pub src: Option<Vec<f64>>,
    /// R² of that linear model.
    pub r2: Option<f64>,
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
    let fit = || -> Option<(Vec<f64>, f64)> {
        let zy = standardise(y)?;
        let zx: Vec<Vec<f64>> = x.iter().map(|c| standardise(c)).collect::<Option<_>>()?;
        let k = zx.len();
        if y.len() <= k {
            return None;
        }
        let xtx: Vec<Vec<f64>> = (0..k)
            .map(|i| {
                (0..k)
                    .map(|j| zx[i].iter().zip(&zx[j]).map(|(a, b)| a * b).sum())
                    .collect()
            })
            .collect();
        let xty: Vec<f64> = (0..k)
            .map(|i| zx[i].iter().zip(&zy).map(|(a, b)| a * b).sum())
            .collect();
        let beta = solve(xtx, xty)?;
        let sse: f64 = (0..y.len())
            .map(|p| (zy[p] - (0..k).map(|i| beta[i] * zx[i][p]).sum::<f64>()).powi(2))
            .sum();
        let sst: f64 = zy.iter().map(|v| v * v).sum();
        Some((beta, 1.0 - sse / sst))
    };
    match fit() {
        Some((src, r2)) => Sensitivity {
            spearman,
            src: Some(src),
            r2: Some(r2),
        },
        None => Sensitivity {
            spearman,
            src: None,
            r2: None,
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
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }
}
