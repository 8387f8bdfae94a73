//! Global sensitivity analysis on the unit cube: designs and estimators,
//! without running any model (`docs/experiments.md`).
//!
//! The caller maps each design point (values in [0, 1]) to parameter
//! ranges, runs the model there, and hands the outputs back in design
//! order. Two methods:
//!
//! - **Morris elementary effects** (Morris 1991; μ* from Campolongo,
//!   Cariboni & Saltelli 2007): [`morris_design`], [`morris_indices`].
//! - **Sobol indices** from a Saltelli design (Saltelli 2002; Saltelli et
//!   al. 2010): first order by Saltelli et al. (2010) Table 2 (b), total
//!   order by Jansen (1999): [`saltelli_design`], [`sobol_indices`].
//!
//! Designs are functions of their arguments and seed only; confidence
//! intervals are 95 % percentile bootstrap intervals.

use crate::random;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Stream of a design's random draws.
const DESIGN_STREAM: u64 = 0;
/// Stream of the bootstrap resamples.
const BOOTSTRAP_STREAM: u64 = 1;

/// Largest dimension of [`sobol_points`] (2 × 20 factors).
pub const SOBOL_MAX_DIMS: usize = 40;

/// Joe & Kuo (2008) direction numbers (file `new-joe-kuo-6.21201`) for
/// dimensions 2–40: (degree s, polynomial coefficients a, m_1 … m_s).
/// Dimension 1 is the van der Corput sequence (all m = 1).
const JOE_KUO: [(u32, u32, &[u32]); SOBOL_MAX_DIMS - 1] = [
    (1, 0, &[1]),
    (2, 1, &[1, 3]),
    (3, 1, &[1, 3, 1]),
    (3, 2, &[1, 1, 1]),
    (4, 1, &[1, 1, 3, 3]),
    (4, 4, &[1, 3, 5, 13]),
    (5, 2, &[1, 1, 5, 5, 17]),
    (5, 4, &[1, 1, 5, 5, 5]),
    (5, 7, &[1, 1, 7, 11, 19]),
    (5, 11, &[1, 1, 5, 1, 1]),
    (5, 13, &[1, 1, 1, 3, 11]),
    (5, 14, &[1, 3, 5, 5, 31]),
    (6, 1, &[1, 3, 3, 9, 7, 49]),
    (6, 13, &[1, 1, 1, 15, 21, 21]),
    (6, 16, &[1, 3, 1, 13, 27, 49]),
    (6, 19, &[1, 1, 1, 15, 7, 5]),
    (6, 22, &[1, 3, 1, 15, 13, 25]),
    (6, 25, &[1, 1, 5, 5, 19, 61]),
    (7, 1, &[1, 3, 7, 11, 23, 15, 103]),
    (7, 4, &[1, 3, 7, 13, 13, 15, 69]),
    (7, 7, &[1, 1, 3, 13, 7, 35, 63]),
    (7, 8, &[1, 3, 5, 9, 1, 25, 53]),
    (7, 14, &[1, 3, 1, 13, 9, 35, 107]),
    (7, 19, &[1, 3, 1, 5, 27, 61, 31]),
    (7, 21, &[1, 1, 5, 11, 19, 41, 61]),
    (7, 28, &[1, 3, 5, 3, 3, 13, 69]),
    (7, 31, &[1, 1, 7, 13, 1, 19, 1]),
    (7, 32, &[1, 3, 7, 5, 13, 19, 59]),
    (7, 37, &[1, 1, 3, 9, 25, 29, 41]),
    (7, 41, &[1, 3, 5, 13, 23, 1, 55]),
    (7, 42, &[1, 3, 7, 3, 13, 59, 17]),
    (7, 50, &[1, 3, 1, 3, 5, 53, 69]),
    (7, 55, &[1, 1, 5, 5, 23, 33, 13]),
    (7, 56, &[1, 1, 7, 7, 1, 61, 123]),
    (7, 59, &[1, 1, 7, 9, 13, 61, 49]),
    (7, 62, &[1, 3, 3, 5, 3, 55, 33]),
    (8, 14, &[1, 3, 1, 15, 31, 13, 49, 245]),
    (8, 21, &[1, 3, 5, 15, 31, 59, 63, 97]),
    (8, 22, &[1, 3, 1, 11, 11, 11, 77, 249]),
];

/// The 32 direction numbers V_1 … V_32 of Sobol dimension `dim` (from 0),
/// left-aligned in 32 bits (Joe & Kuo 2008, recurrence of eq. (2)).
fn direction_numbers(dim: usize) -> [u32; 32] {
    let mut v = [0u32; 32];
    if dim == 0 {
        for (j, vj) in v.iter_mut().enumerate() {
            *vj = 1 << (31 - j);
        }
        return v;
    }
    let (s, a, m) = JOE_KUO[dim - 1];
    let s = s as usize;
    for j in 0..32 {
        v[j] = if j < s {
            m[j] << (31 - j)
        } else {
            let mut x = v[j - s] ^ (v[j - s] >> s);
            for k in 1..s {
                if (a >> (s - 1 - k)) & 1 == 1 {
                    x ^= v[j - k];
                }
            }
            x
        };
    }
    v
}

/// The first `n` points of the `dims`-dimensional Sobol sequence with
/// Joe & Kuo (2008) direction numbers, in Gray-code order (Antonov &
/// Saleev 1979), starting at the origin; the same points as
/// `scipy.stats.qmc.Sobol(d, scramble=False)`.
///
/// # Panics
/// When `dims` is 0 or above [`SOBOL_MAX_DIMS`].
pub fn sobol_points(dims: usize, n: u32) -> Vec<Vec<f64>> {
    sobol_integers(dims, n, &vec![0; dims])
}

/// Sobol points as 32-bit integers, each dimension XORed with `shift`
/// (a digital shift), scaled to [0, 1).
fn sobol_integers(dims: usize, n: u32, shift: &[u32]) -> Vec<Vec<f64>> {
    assert!(
        (1..=SOBOL_MAX_DIMS).contains(&dims),
        "Sobol sequence: {dims} dimensions, expected 1 to {SOBOL_MAX_DIMS}"
    );
    let v: Vec<[u32; 32]> = (0..dims).map(direction_numbers).collect();
    let mut x = vec![0u32; dims];
    let scale = 1.0 / 4_294_967_296.0;
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n {
        if i > 0 {
            // Gray code: flip the direction number of the lowest zero bit of i − 1.
            let c = (i - 1).trailing_ones() as usize;
            for (xd, vd) in x.iter_mut().zip(&v) {
                *xd ^= vd[c];
            }
        }
        out.push(
            x.iter()
                .zip(shift)
                .map(|(&xd, &sd)| f64::from(xd ^ sd) * scale)
                .collect(),
        );
    }
    out
}

/// Morris (1991) design: `trajectories` one-at-a-time trajectories on a
/// `levels`-level grid (Campolongo et al. 2007 style, step Δ = levels / (2 (levels − 1))).
///
/// Each trajectory starts from a random grid point, visits the factors in a
/// random order and moves each once by +Δ or −Δ (Morris 1991, matrix B*).
/// Trajectories are drawn independently (not Campolongo's spread-maximising
/// selection).
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisDesign {
    /// Number of factors k.
    pub factors: usize,
    /// Grid levels p (even).
    pub levels: u32,
    /// Number of trajectories r.
    pub trajectories: u32,
    /// trajectories × (factors + 1) points, each `factors` values in [0, 1], trajectory-major.
    pub points: Vec<Vec<f64>>,
    /// For each trajectory t and step j (factors steps): which factor moved and the signed Δ, so EE = (y[t(k+1)+j+1] − y[t(k+1)+j]) / Δ.
    pub steps: Vec<(usize, f64)>,
}

/// Draw a Morris design (see [`MorrisDesign`]); grid values are
/// `level / (levels − 1)` exactly.
///
/// # Panics
/// When `factors` or `trajectories` is 0, or `levels` is not even and ≥ 2
/// (Δ is then not a whole number of grid steps).
pub fn morris_design(factors: usize, trajectories: u32, levels: u32, seed: u64) -> MorrisDesign {
    assert!(
        factors > 0 && trajectories > 0,
        "Morris design: no factors or trajectories"
    );
    assert!(
        levels >= 2 && levels.is_multiple_of(2),
        "Morris design: levels = {levels}, expected an even number ≥ 2"
    );
    let top = f64::from(levels - 1);
    let jump = levels / 2; // Δ in grid steps
    let delta = f64::from(jump) / top;
    let mut rng = random::stream(seed, DESIGN_STREAM);
    let mut points = Vec::with_capacity(trajectories as usize * (factors + 1));
    let mut steps = Vec::with_capacity(trajectories as usize * factors);
    for _ in 0..trajectories {
        let up: Vec<bool> = (0..factors)
            .map(|_| random::bernoulli(&mut rng, 0.5))
            .collect();
        // Start at a base level in the lower half; factors moving down start Δ higher.
        let mut level: Vec<u32> = up
            .iter()
            .map(|&u| random::index(&mut rng, jump as usize) as u32 + if u { 0 } else { jump })
            .collect();
        let mut order: Vec<usize> = (0..factors).collect();
        for i in (1..factors).rev() {
            order.swap(i, random::index(&mut rng, i + 1));
        }
        let to_point = |level: &[u32]| level.iter().map(|&l| f64::from(l) / top).collect();
        points.push(to_point(&level));
        for &i in &order {
            if up[i] {
                level[i] += jump;
            } else {
                level[i] -= jump;
            }
            points.push(to_point(&level));
            steps.push((i, if up[i] { delta } else { -delta }));
        }
    }
    MorrisDesign {
        factors,
        levels,
        trajectories,
        points,
        steps,
    }
}

/// Morris measures of one factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisIndex {
    /// Mean elementary effect μ (Morris 1991).
    pub mu: f64,
    /// Mean absolute elementary effect μ* (Campolongo et al. 2007).
    pub mu_star: f64,
    /// Standard deviation of the elementary effects σ (n − 1 denominator).
    pub sigma: f64,
    /// 95 % bootstrap CI of μ*
    pub mu_star_ci: (f64, f64),
}

/// Morris measures, one per factor, from the outputs `y` at the design's
/// points (in design order), with a 95 % percentile CI of μ* from
/// `bootstrap` resamples of the trajectories (NaN bounds when 0).
///
/// Non-finite outputs: an elementary effect that is not finite is skipped
/// (for its factor only); a factor with no finite effect gets NaN measures,
/// and σ is NaN below two effects.
///
/// # Panics
/// When `y` does not have one value per design point.
pub fn morris_indices(
    design: &MorrisDesign,
    y: &[f64],
    bootstrap: u32,
    seed: u64,
) -> Vec<MorrisIndex> {
    let k = design.factors;
    let r = design.trajectories as usize;
    assert_eq!(
        y.len(),
        design.points.len(),
        "Morris: one output per design point"
    );
    // effects[i][t]: the elementary effect of factor i in trajectory t.
    let mut effects = vec![vec![f64::NAN; r]; k];
    for (t, steps) in design.steps.chunks(k).enumerate() {
        for (j, &(i, delta)) in steps.iter().enumerate() {
            let at = t * (k + 1) + j;
            effects[i][t] = (y[at + 1] - y[at]) / delta;
        }
    }
    let mut rng = random::stream(seed, BOOTSTRAP_STREAM);
    let mut resampled = vec![Vec::with_capacity(bootstrap as usize); k];
    let mut pick = vec![0; r];
    for _ in 0..bootstrap {
        pick.iter_mut()
            .for_each(|p| *p = random::index(&mut rng, r));
        for (ee, out) in effects.iter().zip(&mut resampled) {
            out.push(mean_abs(pick.iter().map(|&t| ee[t])));
        }
    }
    effects
        .iter()
        .zip(&mut resampled)
        .map(|(ee, boot)| {
            let finite: Vec<f64> = ee.iter().copied().filter(|e| e.is_finite()).collect();
            let n = finite.len() as f64;
            let mu = finite.iter().sum::<f64>() / n;
            let sigma = if finite.len() < 2 {
                f64::NAN
            } else {
                (finite.iter().map(|e| (e - mu).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
            };
            MorrisIndex {
                mu,
                mu_star: mean_abs(finite.iter().copied()),
                sigma,
                mu_star_ci: percentile_ci(boot),
            }
        })
        .collect()
}

/// The variance of the mean of the finite per-replicate differences
/// `a(r) − b(r)` over `replicates` replicates (`s² / n`, unbiased) and
/// their number n, or NaN below two.
fn paired_noise(
    replicates: usize,
    a: impl Fn(usize) -> f64,
    b: impl Fn(usize) -> f64,
) -> (f64, usize) {
    let d: Vec<f64> = (0..replicates)
        .map(|r| a(r) - b(r))
        .filter(|d| d.is_finite())
        .collect();
    if d.len() < 2 {
        return (f64::NAN, d.len());
    }
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let variance = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) / n;
    (variance, d.len())
}

/// c₄(n) = E[s] / σ for a normal sample of n: √(2/(n−1))·Γ(n/2)/Γ((n−1)/2)
/// (0.798 at n = 2, 0.921 at 4, 0.973 at 10), so s / c₄ is unbiased.
fn c4(n: usize) -> f64 {
    use statrs::function::gamma::ln_gamma;
    let n = n as f64;
    (2.0 / (n - 1.0)).sqrt() * (ln_gamma(n / 2.0) - ln_gamma((n - 1.0) / 2.0)).exp()
}

/// Mean of the finite values (NaN when there are none).
fn finite_mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = xs
        .filter(|x| x.is_finite())
        .fold((0.0, 0u32), |(s, n), x| (s + x, n + 1));
    if n == 0 { f64::NAN } else { sum / f64::from(n) }
}

/// The μ* each factor would get from replicate noise alone (its noise
/// floor, `docs/experiments.md`, "Replicate noise"): an elementary effect
/// whose true value is 0 is a normal variable of standard error
/// SE = √(s²/R) / Δ (s² the variance of the per-replicate differences
/// between the trajectory's two points, R replicates; s divided by c₄(R)
/// to be unbiased), whose absolute value has mean SE·√(2/π); averaged
/// over trajectories. `value(point, r)`
/// is the quantity at a design point in replicate r. NaN below two
/// replicates.
pub fn morris_noise(
    design: &MorrisDesign,
    replicates: usize,
    value: impl Fn(usize, usize) -> f64,
) -> Vec<f64> {
    let k = design.factors;
    let mut floors = vec![Vec::new(); k];
    for (t, steps) in design.steps.chunks(k).enumerate() {
        for (j, &(i, delta)) in steps.iter().enumerate() {
            let at = t * (k + 1) + j;
            let (variance, n) = paired_noise(replicates, |r| value(at + 1, r), |r| value(at, r));
            // SE from s is biased low by c₄ (a fifth at 2 replicates).
            let se = variance.sqrt() / c4(n) / delta.abs();
            floors[i].push(se * std::f64::consts::FRAC_2_PI.sqrt());
        }
    }
    floors
        .into_iter()
        .map(|f| finite_mean(f.into_iter()))
        .collect()
}

/// The total index each factor would get from replicate noise alone (its
/// noise floor): Jansen's S_Ti with every squared difference f(A)_j −
/// f(AB_i)_j replaced by its expectation under noise only, the variance of
/// the mean of the per-replicate differences, over 2V (V as in
/// [`sobol_indices`], from the point means `y`). `value(point, r)` is the
/// quantity at a design point in replicate r. NaN below two replicates.
pub fn sobol_noise(
    design: &SaltelliDesign,
    y: &[f64],
    replicates: usize,
    value: impl Fn(usize, usize) -> f64,
) -> Vec<f64> {
    let k = design.factors;
    let step = k + 2;
    // The base rows the indices use: every output finite.
    let rows: Vec<usize> = (0..y.len() / step)
        .filter(|&j| y[j * step..(j + 1) * step].iter().all(|v| v.is_finite()))
        .collect();
    let n = rows.len() as f64;
    let mean = rows
        .iter()
        .map(|&j| y[j * step] + y[j * step + 1])
        .sum::<f64>()
        / (2.0 * n);
    let variance = rows
        .iter()
        .map(|&j| (y[j * step] - mean).powi(2) + (y[j * step + 1] - mean).powi(2))
        .sum::<f64>()
        / (2.0 * n);
    (0..k)
        .map(|i| {
            let noise = finite_mean(rows.iter().map(|&j| {
                let (a, ab) = (j * step, j * step + 2 + i);
                paired_noise(replicates, |r| value(a, r), |r| value(ab, r)).0
            }));
            if rows.len() < 2 || variance.is_nan() || variance <= 0.0 {
                f64::NAN
            } else {
                noise / (2.0 * variance)
            }
        })
        .collect()
}

/// Mean absolute value of the finite values (NaN when there are none).
fn mean_abs(xs: impl Iterator<Item = f64>) -> f64 {
    finite_mean(xs.map(f64::abs))
}

/// The 2.5 % and 97.5 % quantiles (linear interpolation, Hyndman & Fan
/// type 7) of the finite values; NaN bounds when there are none.
fn percentile_ci(xs: &mut Vec<f64>) -> (f64, f64) {
    xs.retain(|x| x.is_finite());
    if xs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    xs.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        let h = q * (xs.len() - 1) as f64;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(xs.len() - 1);
        xs[lo] + (h - lo as f64) * (xs[hi] - xs[lo])
    };
    (quantile(0.025), quantile(0.975))
}

/// Saltelli (2002/2010) design: matrices A, B and AB_i (A with column i from B), N base rows.
///
/// A and B are the first and last `factors` columns of the first N points
/// of a 2k-dimensional Sobol sequence ([`sobol_points`], Joe & Kuo 2008
/// direction numbers) with a random digital shift (every dimension XORed
/// with a 32-bit number drawn from the seed), which keeps the sequence's
/// net structure; N a power of two balances it best.
#[derive(Debug, Clone, PartialEq)]
pub struct SaltelliDesign {
    /// Number of factors k.
    pub factors: usize,
    /// Number of base rows N.
    pub samples: u32,
    /// samples × (factors + 2) points, sample-major: for base row j: A_j, B_j, AB_j^(1), …, AB_j^(k).
    pub points: Vec<Vec<f64>>,
}

/// Build a Saltelli design (see [`SaltelliDesign`]).
///
/// # Panics
/// When `factors` is 0 or above 20 (the direction-number table has 40
/// dimensions), or `samples` is 0.
pub fn saltelli_design(factors: usize, samples: u32, seed: u64) -> SaltelliDesign {
    assert!(
        (1..=SOBOL_MAX_DIMS / 2).contains(&factors) && samples > 0,
        "Saltelli design: {factors} factors and {samples} samples, expected 1 to 20 factors"
    );
    let mut rng: ChaCha8Rng = random::stream(seed, DESIGN_STREAM);
    let shift: Vec<u32> = (0..2 * factors).map(|_| rng.random::<u32>()).collect();
    let base = sobol_integers(2 * factors, samples, &shift);
    let mut points = Vec::with_capacity(samples as usize * (factors + 2));
    for row in base {
        let (a, b) = row.split_at(factors);
        points.push(a.to_vec());
        points.push(b.to_vec());
        for i in 0..factors {
            let mut ab = a.to_vec();
            ab[i] = b[i];
            points.push(ab);
        }
    }
    SaltelliDesign {
        factors,
        samples,
        points,
    }
}

/// Sobol indices of one factor with 95 % bootstrap CIs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolIndex {
    /// First-order index S_i.
    pub first: f64,
    /// 95 % percentile bootstrap CI of S_i.
    pub first_ci: (f64, f64),
    /// Total-order index S_Ti.
    pub total: f64,
    /// 95 % percentile bootstrap CI of S_Ti.
    pub total_ci: (f64, f64),
}

/// Sobol indices, one per factor, from the outputs `y` at the design's
/// points (in design order):
///
/// - S_i = mean_j f(B)_j (f(AB_i)_j − f(A)_j) / V (Saltelli et al. 2010,
///   Table 2 (b)),
/// - S_Ti = mean_j (f(A)_j − f(AB_i)_j)² / 2 / V (Jansen 1999),
///
/// with V the variance (n denominator) of f over the A and B rows together,
/// and f centred on the mean of those rows first (SALib centres on the mean
/// of every row, AB included; either way the estimand is unchanged and the
/// estimator's noise smaller). CIs: 95 %
/// percentile intervals from `bootstrap` resamples of the base rows (the same
/// resample for all factors); NaN bounds when 0.
///
/// Non-finite outputs: a base row with any non-finite value (A, B or any
/// AB_i) is skipped for all factors; with fewer than two rows left, or no
/// variance, the indices are NaN.
///
/// # Panics
/// When `y` does not have one value per design point.
pub fn sobol_indices(
    design: &SaltelliDesign,
    y: &[f64],
    bootstrap: u32,
    seed: u64,
) -> Vec<SobolIndex> {
    let k = design.factors;
    let step = k + 2;
    assert_eq!(
        y.len(),
        design.points.len(),
        "Sobol: one output per design point"
    );
    let rows: Vec<&[f64]> = y
        .chunks(step)
        .filter(|r| r.iter().all(|v| v.is_finite()))
        .collect();
    let centre = rows.iter().map(|r| r[0] + r[1]).sum::<f64>() / (2 * rows.len()) as f64;
    let rows: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| r.iter().map(|v| v - centre).collect())
        .collect();
    let estimate = sobol_estimates(k, rows.iter());
    let mut rng = random::stream(seed, BOOTSTRAP_STREAM);
    let mut firsts = vec![Vec::with_capacity(bootstrap as usize); k];
    let mut totals = firsts.clone();
    if !rows.is_empty() {
        for _ in 0..bootstrap {
            let picks = (0..rows.len()).map(|_| &rows[random::index(&mut rng, rows.len())]);
            for (i, (s, st)) in sobol_estimates(k, picks).into_iter().enumerate() {
                firsts[i].push(s);
                totals[i].push(st);
            }
        }
    }
    estimate
        .into_iter()
        .zip(firsts.iter_mut().zip(&mut totals))
        .map(|((first, total), (fb, tb))| SobolIndex {
            first,
            first_ci: percentile_ci(fb),
            total,
            total_ci: percentile_ci(tb),
        })
        .collect()
}

/// (S_i, S_Ti) of every factor from base rows of outputs (A, B, AB_1 … AB_k).
fn sobol_estimates<'a>(k: usize, rows: impl Iterator<Item = &'a Vec<f64>>) -> Vec<(f64, f64)> {
    let (mut n, mut sum, mut sum_sq) = (0usize, 0.0, 0.0);
    let mut first = vec![0.0; k];
    let mut total = vec![0.0; k];
    for r in rows {
        let (a, b) = (r[0], r[1]);
        n += 1;
        sum += a + b;
        sum_sq += a * a + b * b;
        for (i, ab) in r[2..].iter().enumerate() {
            first[i] += b * (ab - a);
            total[i] += (a - ab).powi(2);
        }
    }
    let mean = sum / (2 * n) as f64;
    let variance = sum_sq / (2 * n) as f64 - mean * mean;
    if n < 2 || variance.is_nan() || variance <= 0.0 {
        return vec![(f64::NAN, f64::NAN); k];
    }
    let scale = n as f64 * variance;
    first
        .iter()
        .zip(&total)
        .map(|(s, st)| (s / scale, st / 2.0 / scale))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// Per-replicate outputs of a design: `f(point)` plus independent
    /// standard normal noise of sd `noise` in each of `replicates`
    /// replicates; returns them and their means over replicates.
    fn noisy_outputs(
        points: &[Vec<f64>],
        f: impl Fn(&[f64]) -> f64,
        noise: f64,
        replicates: usize,
    ) -> (Vec<Vec<f64>>, Vec<f64>) {
        let mut rng = random::stream(7, 3);
        let runs: Vec<Vec<f64>> = points
            .iter()
            .map(|x| {
                (0..replicates)
                    .map(|_| f(x) + noise * random::standard_normal(&mut rng))
                    .collect()
            })
            .collect();
        let means = runs
            .iter()
            .map(|r| r.iter().sum::<f64>() / replicates as f64)
            .collect();
        (runs, means)
    }

    #[test]
    fn the_morris_noise_floor_is_the_mu_star_of_noise_alone() {
        let d = morris_design(3, 200, 4, 11);
        // Pure noise: every μ* is about its floor.
        let (runs, y) = noisy_outputs(&d.points, |_| 0.0, 0.5, 4);
        let floor = morris_noise(&d, 4, |p, r| runs[p][r]);
        for (m, f) in morris_indices(&d, &y, 0, 1).iter().zip(&floor) {
            assert!(
                (m.mu_star / f - 1.0).abs() < 0.15,
                "μ* {} floor {f}",
                m.mu_star
            );
        }
        // A factor with a real slope stands far above its floor; the
        // floor does not depend on the slope.
        let (runs, y) = noisy_outputs(&d.points, |x| 5.0 * x[0], 0.5, 4);
        let with_slope = morris_noise(&d, 4, |p, r| runs[p][r]);
        let m = morris_indices(&d, &y, 0, 1);
        assert!(m[0].mu_star > 5.0 * with_slope[0], "{m:?} {with_slope:?}");
        assert!((with_slope[0] / floor[0] - 1.0).abs() < 0.2);
        // One replicate: no floor.
        assert!(morris_noise(&d, 1, |p, _| y[p]).iter().all(|f| f.is_nan()));
    }

    #[test]
    fn the_sobol_noise_floor_is_the_total_index_of_a_noise_factor() {
        let d = saltelli_design(3, 512, 5);
        // Factor 0 matters, 1 and 2 do not: their S_T is noise alone.
        let (runs, y) = noisy_outputs(&d.points, |x| 3.0 * x[0], 0.4, 3);
        let floor = sobol_noise(&d, &y, 3, |p, r| runs[p][r]);
        let s = sobol_indices(&d, &y, 0, 1);
        for i in [1, 2] {
            assert!(
                (s[i].total / floor[i] - 1.0).abs() < 0.25,
                "S_T {} floor {}",
                s[i].total,
                floor[i]
            );
        }
        assert!(s[0].total > 5.0 * floor[0], "{s:?} {floor:?}");
    }

    /// Ishigami & Homma (1990) function with a = 7, b = 0.1 on [−π, π]³.
    fn ishigami(x: &[f64]) -> f64 {
        let [x1, x2, x3] = [0, 1, 2].map(|i| -PI + 2.0 * PI * x[i]);
        x1.sin() + 7.0 * x2.sin().powi(2) + 0.1 * x3.powi(4) * x1.sin()
    }

    /// Sobol' G function with coefficients `a`.
    fn g_function(a: &[f64], x: &[f64]) -> f64 {
        a.iter()
            .zip(x)
            .map(|(a, x)| ((4.0 * x - 2.0).abs() + a) / (1.0 + a))
            .product()
    }

    const G_A: [f64; 8] = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0];

    fn contains((lo, hi): (f64, f64), x: f64) -> bool {
        lo <= x && x <= hi
    }

    fn near(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() < tolerance
    }

    #[test]
    fn sobol_sequence_matches_joe_kuo_points() {
        // scipy.stats.qmc.Sobol(d=40, scramble=False), which uses Joe & Kuo's
        // new-joe-kuo-6.21201 table: the first 8 points in 3 dimensions
        // (times 8, dimension by dimension) …
        let first = [
            [0, 4, 6, 2, 3, 7, 5, 1],
            [0, 4, 2, 6, 3, 7, 1, 5],
            [0, 4, 2, 6, 5, 1, 7, 3],
        ];
        let ours = sobol_points(3, 8);
        let got: Vec<Vec<u32>> = (0..3)
            .map(|d| ours.iter().map(|p| (p[d] * 8.0) as u32).collect())
            .collect();
        assert_eq!(got, first);
        // … and points 1000 and 1023 in all 40 dimensions, times 1024.
        let p1000 = [
            225, 99, 531, 693, 287, 929, 47, 921, 513, 71, 87, 261, 165, 393, 147, 379, 737, 353,
            1015, 743, 535, 563, 973, 553, 597, 929, 41, 1003, 61, 349, 151, 149, 303, 607, 821,
            789, 869, 851, 315, 491,
        ];
        let p1023 = [
            1, 771, 627, 149, 191, 449, 143, 633, 353, 871, 695, 37, 133, 681, 371, 475, 321, 897,
            599, 327, 887, 19, 813, 201, 245, 385, 521, 779, 861, 445, 951, 629, 463, 895, 341,
            885, 965, 1011, 923, 715,
        ];
        let ours = sobol_points(40, 1024);
        for (index, expected) in [(1000, p1000), (1023, p1023)] {
            let got: Vec<f64> = ours[index].iter().map(|x| x * 1024.0).collect();
            assert_eq!(got, expected.map(f64::from), "point {index}");
        }
    }

    #[test]
    fn saltelli_design_has_the_a_b_ab_layout() {
        let d = saltelli_design(3, 16, 5);
        assert_eq!(d.points.len(), 16 * 5);
        for row in d.points.chunks(5) {
            for (i, ab) in row[2..].iter().enumerate() {
                let source = |j: usize| if j == i { row[1][j] } else { row[0][j] };
                assert!((0..3).all(|j| ab[j] == source(j)));
            }
        }
        assert!(d.points.iter().flatten().all(|x| (0.0..1.0).contains(x)));
    }

    #[test]
    fn designs_depend_on_the_seed_only() {
        let (s1, s2) = (saltelli_design(4, 64, 1), saltelli_design(4, 64, 2));
        assert!(s1 == saltelli_design(4, 64, 1) && s1.points != s2.points);
        let (m1, m2) = (morris_design(4, 10, 4, 1), morris_design(4, 10, 4, 2));
        assert!(m1 == morris_design(4, 10, 4, 1) && m1.points != m2.points);
    }

    #[test]
    fn sobol_indices_of_ishigami_match_the_analytic_values() {
        let d = saltelli_design(3, 4096, 11);
        let y: Vec<f64> = d.points.iter().map(|x| ishigami(x)).collect();
        let s = sobol_indices(&d, &y, 200, 3);
        let first = [0.3139, 0.4424, 0.0];
        let total = [0.5576, 0.4424, 0.2437];
        for i in 0..3 {
            let (si, f, t) = (s[i], first[i], total[i]);
            assert!(
                near(si.first, f, 0.03) && near(si.total, t, 0.03),
                "{i}: {si:?}"
            );
            assert!(
                contains(si.first_ci, f) && contains(si.total_ci, t),
                "{i}: {si:?}"
            );
            assert!(si.first_ci.1 - si.first_ci.0 < 0.2, "{i}: {si:?}");
        }
    }

    #[test]
    fn sobol_indices_of_the_g_function_match_the_analytic_values() {
        let partial: Vec<f64> = G_A
            .iter()
            .map(|a| 1.0 / (3.0 * (1.0 + a).powi(2)))
            .collect();
        let product: f64 = partial.iter().map(|v| 1.0 + v).product();
        let d = saltelli_design(8, 4096, 12);
        let y: Vec<f64> = d.points.iter().map(|x| g_function(&G_A, x)).collect();
        let s = sobol_indices(&d, &y, 100, 4);
        for (si, v) in s.iter().zip(&partial) {
            let first = v / (product - 1.0);
            let total = v * product / (1.0 + v) / (product - 1.0);
            assert!(near(si.first, first, 0.03), "{first}: {si:?}");
            assert!(near(si.total, total, 0.03), "{total}: {si:?}");
        }
    }

    #[test]
    fn sobol_indices_skip_non_finite_rows() {
        let d = saltelli_design(3, 512, 1);
        let mut y: Vec<f64> = d.points.iter().map(|x| ishigami(x)).collect();
        let clean = sobol_indices(&d, &y, 0, 1);
        y[7] = f64::NAN;
        y[20] = f64::INFINITY;
        let s = sobol_indices(&d, &y, 50, 1);
        for (a, b) in s.iter().zip(&clean) {
            assert!(
                near(a.first, b.first, 0.05) && a.first_ci.0.is_finite(),
                "{a:?}"
            );
            assert!(b.first_ci.0.is_nan()); // no bootstrap, no CI
        }
        let s = sobol_indices(&d, &vec![f64::NAN; y.len()], 10, 1);
        assert!(s.iter().all(|s| s.first.is_nan() && s.total_ci.1.is_nan()));
        let s = sobol_indices(&d, &vec![2.0; y.len()], 10, 1);
        assert!(s.iter().all(|s| s.first.is_nan() && s.total.is_nan()));
    }

    #[test]
    fn morris_trajectories_move_each_factor_once_on_the_grid() {
        let (k, r) = (5, 20);
        let d = morris_design(k, r, 6, 9);
        assert_eq!(d.points.len(), r as usize * (k + 1));
        for (t, steps) in d.steps.chunks(k).enumerate() {
            let mut moved: Vec<usize> = steps.iter().map(|s| s.0).collect();
            moved.sort_unstable();
            assert_eq!(moved, (0..k).collect::<Vec<_>>());
            for (j, &(i, step)) in steps.iter().enumerate() {
                let (x0, x1) = (&d.points[t * (k + 1) + j], &d.points[t * (k + 1) + j + 1]);
                assert!(near(x1[i] - x0[i], step, 1e-12) && near(step.abs(), 0.6, 1e-12));
                assert!((0..k).all(|m| m == i || x0[m] == x1[m]));
            }
        }
        let on_grid = |x: &f64| (0.0..=1.0).contains(x) && near(x * 5.0, (x * 5.0).round(), 1e-12);
        assert!(d.points.iter().flatten().all(on_grid));
    }

    #[test]
    fn morris_on_a_linear_function_recovers_the_slopes() {
        let c = [1.0, -2.0, 0.5, 0.0, 3.0];
        let d = morris_design(5, 12, 4, 2);
        let linear = |x: &Vec<f64>| x.iter().zip(&c).map(|(x, c)| x * c).sum();
        let y: Vec<f64> = d.points.iter().map(linear).collect();
        for (m, c) in morris_indices(&d, &y, 100, 1).iter().zip(c) {
            assert!(
                near(m.mu, c, 1e-9) && near(m.mu_star, c.abs(), 1e-9),
                "{m:?}"
            );
            assert!(m.sigma < 1e-9, "{m:?}");
            let (lo, hi) = m.mu_star_ci;
            assert!(near(lo, c.abs(), 1e-9) && near(hi, c.abs(), 1e-9), "{m:?}");
        }
    }

    #[test]
    fn morris_ranks_the_g_function_factors_by_a() {
        let d = morris_design(8, 50, 4, 3);
        let y: Vec<f64> = d.points.iter().map(|x| g_function(&G_A, x)).collect();
        let m = morris_indices(&d, &y, 100, 1);
        for i in 0..4 {
            assert!(m[i].mu_star > m[i + 1].mu_star, "{i}: {m:?}");
            assert!(contains(m[i].mu_star_ci, m[i].mu_star), "{:?}", m[i]);
        }
        let top = 0.2 * m[3].mu_star;
        assert!(m[4..].iter().all(|x| x.mu_star < top), "{m:?}");
    }

    #[test]
    fn morris_skips_non_finite_effects() {
        let d = morris_design(3, 10, 4, 1);
        let mut y: Vec<f64> = d.points.iter().map(|x| x[0] + 2.0 * x[1]).collect();
        y[0] = f64::NAN;
        let m = morris_indices(&d, &y, 20, 1);
        assert!(
            m.iter()
                .all(|m| m.mu_star.is_finite() && m.mu_star_ci.1.is_finite())
        );
        assert!(near(m[1].mu_star, 2.0, 1e-9));
        let m = morris_indices(&d, &vec![f64::NAN; y.len()], 20, 1);
        assert!(m.iter().all(|m| m.mu.is_nan() && m.mu_star_ci.0.is_nan()));
    }
}
