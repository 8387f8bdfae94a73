//! Approximate Bayesian computation (ABC) as an "ask/tell" library: it
//! proposes parameter vectors, is told their distances, and selects. The
//! caller runs the (stochastic, expensive) model; this module never does.
//!
//! The algorithm is adaptive population Monte Carlo ABC with fixed-size
//! batches of `B = ⌈particles / quantile⌉` proposals per generation:
//!
//! * Generation 0 is quantile rejection ABC (Pritchard et al. 1999, *Mol.
//!   Biol. Evol.* 16:1791; Beaumont, Zhang & Balding 2002, *Genetics*
//!   162:2025): `B` draws from the prior (independent uniforms on
//!   `[low, high]`), of which the `particles` closest are kept with equal
//!   weights; ε₀ is the largest kept distance.
//! * Generation t ≥ 1 is ABC-PMC (Toni et al. 2009, *J. R. Soc. Interface*
//!   6:187; Beaumont, Cornuet, Marin & Robert 2009, *Biometrika* 96:983)
//!   with the tolerance set adaptively as a quantile of the batch (Del Moral,
//!   Doucet & Jasra 2012, *Stat. Comput.* 22:1009; Lenormand, Jabot &
//!   Deffuant 2013, *Comput. Stat.* 28:2777). Each proposal samples a
//!   particle θⱼ of generation t−1 with probability wⱼ and perturbs it with
//!   a diagonal Gaussian kernel K of variance 2·Var_w(θ) per parameter
//!   (Beaumont et al. 2009); a proposal outside the prior box is discarded
//!   and the *whole* draw (particle and perturbation) repeated, as in Toni et
//!   al.'s algorithm, so the proposal density is Σⱼ wⱼ K(θ | θⱼ) truncated to
//!   the box times a constant. The `particles` closest proposals are kept
//!   (ε_t = largest kept distance) with weights
//!   wᵢ ∝ π(θᵢ) / Σⱼ wⱼ^{t−1} K(θᵢ | θⱼ), π constant in the box, normalised.
//!
//! The proposals of generation t depend only on (seed, t, population t−1):
//! each generation draws from its own ChaCha8 stream, so resuming a
//! calibration is replaying it, bit for bit.

use crate::random;
use serde::{Deserialize, Serialize};

/// Salt of the ABC random streams (kept apart from the model's seeds).
const ABC_SALT: u64 = 0xABC0_5EED_0000_0001;

/// Uniform prior of one parameter on `[low, high]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prior {
    /// Lower bound.
    pub low: f64,
    /// Upper bound (> `low`).
    pub high: f64,
}

impl Prior {
    /// The uniform prior on `[low, high]`.
    pub const fn new(low: f64, high: f64) -> Self {
        Self { low, high }
    }
    /// Whether `x` lies in `[low, high]`.
    pub fn contains(&self, x: f64) -> bool {
        x >= self.low && x <= self.high
    }
}

/// Settings of an ABC calibration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AbcSettings {
    /// Particles kept per generation.
    pub particles: usize,
    /// Fraction of each batch kept, in (0, 1].
    pub quantile: f64,
    /// Seed of the proposal streams.
    pub seed: u64,
}

impl AbcSettings {
    /// Settings from their three values.
    pub const fn new(particles: usize, quantile: f64, seed: u64) -> Self {
        Self {
            particles,
            quantile,
            seed,
        }
    }
    /// Proposals per generation: ⌈particles / quantile⌉, less 1e-9 before
    /// rounding up so that rounding error cannot make 100 / 0.1 into 1001.
    pub fn batch_size(&self) -> usize {
        (self.particles as f64 / self.quantile - 1e-9).ceil() as usize
    }
}

/// One generation's kept particles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Population {
    /// Parameter vectors, in ascending order of distance.
    pub theta: Vec<Vec<f64>>,
    /// Normalised importance weights (positive, sum 1).
    pub weights: Vec<f64>,
    /// Distance of each particle.
    pub distances: Vec<f64>,
    /// Tolerance: the largest kept distance (NaN when nothing was kept).
    pub epsilon: f64,
    /// Generation index (0 = rejection from the prior).
    pub generation: u32,
}

/// Weighted summary of one parameter's marginal posterior.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Marginal {
    /// Weighted mean.
    pub mean: f64,
    /// Weighted standard deviation √Σ wᵢ (xᵢ − mean)².
    pub sd: f64,
    /// Weighted median.
    pub median: f64,
    /// Weighted 5 % quantile.
    pub q05: f64,
    /// Weighted 95 % quantile.
    pub q95: f64,
    /// Weighted 2.5 % quantile.
    pub q025: f64,
    /// Weighted 97.5 % quantile.
    pub q975: f64,
}

/// Check priors and settings; the integrator calls this before
/// [`propose`], which panics on what it rejects.
pub fn validate(priors: &[Prior], settings: &AbcSettings) -> Result<(), String> {
    if priors.is_empty() {
        return Err("ABC needs at least one parameter".into());
    }
    for (k, p) in priors.iter().enumerate() {
        if !(p.low.is_finite() && p.high.is_finite() && p.low < p.high) {
            return Err(format!(
                "prior {k}: need finite low < high, got [{}, {}]",
                p.low, p.high
            ));
        }
    }
    if settings.particles == 0 {
        return Err("particles must be at least 1".into());
    }
    if !(settings.quantile > 0.0 && settings.quantile <= 1.0) {
        return Err(format!(
            "quantile must be in (0, 1], got {}",
            settings.quantile
        ));
    }
    Ok(())
}

/// Proposals of generation `generation`: from the prior when `previous` is
/// None, else from the kernel around `previous`. Always
/// [`AbcSettings::batch_size`] vectors, each inside the prior box.
///
/// # Panics
/// When [`validate`] fails, or `previous` is empty or has a particle outside
/// the prior box (which could make redrawing endless).
pub fn propose(
    priors: &[Prior],
    settings: &AbcSettings,
    generation: u32,
    previous: Option<&Population>,
) -> Vec<Vec<f64>> {
    if let Err(e) = validate(priors, settings) {
        panic!("invalid ABC set-up: {e}");
    }
    let mut rng = random::stream(
        random::mix64(settings.seed ^ ABC_SALT),
        u64::from(generation),
    );
    let n = settings.batch_size();
    let Some(prev) = previous else {
        return (0..n)
            .map(|_| {
                priors
                    .iter()
                    .map(|p| p.low + (p.high - p.low) * random::uniform(&mut rng))
                    .collect()
            })
            .collect();
    };
    assert!(!prev.theta.is_empty(), "previous ABC population is empty");
    let inside =
        |t: &Vec<f64>| t.len() == priors.len() && t.iter().zip(priors).all(|(&x, p)| p.contains(x));
    assert!(
        prev.theta.iter().all(inside),
        "previous particles must lie in the prior box"
    );
    let sd = kernel_sd(priors, prev);
    let mut total = 0.0;
    let cumulative: Vec<f64> = prev
        .weights
        .iter()
        .map(|w| {
            total += w;
            total
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let u = random::uniform(&mut rng) * total;
        let j = cumulative
            .partition_point(|&c| c <= u)
            .min(cumulative.len() - 1);
        let theta: Vec<f64> = prev.theta[j]
            .iter()
            .zip(&sd)
            .map(|(&x, &s)| x + s * random::standard_normal(&mut rng))
            .collect();
        if inside(&theta) {
            out.push(theta);
        }
    }
    out
}

/// Kernel standard deviations √(2 Var_w θ_k) (Beaumont et al. 2009), floored
/// at 1e-9 of the prior width so a collapsed population still moves.
fn kernel_sd(priors: &[Prior], pop: &Population) -> Vec<f64> {
    let floor = |p: &Prior| 1e-9 * (p.high - p.low);
    (0..priors.len())
        .map(|k| {
            (2.0 * mean_var(&column(pop, k), &pop.weights).1)
                .sqrt()
                .max(floor(&priors[k]))
        })
        .collect()
}

/// Parameter `k` of every particle.
fn column(pop: &Population, k: usize) -> Vec<f64> {
    pop.theta.iter().map(|t| t[k]).collect()
}

/// Weighted mean and variance Σ wᵢ (xᵢ − mean)² / Σ wᵢ.
fn mean_var(xs: &[f64], ws: &[f64]) -> (f64, f64) {
    let total: f64 = ws.iter().sum();
    let mean = xs.iter().zip(ws).map(|(x, w)| w * x).sum::<f64>() / total;
    let var = xs
        .iter()
        .zip(ws)
        .map(|(x, w)| w * (x - mean).powi(2))
        .sum::<f64>()
        / total;
    (mean, var)
}

/// Keep the `settings.particles` closest proposals (ties broken by proposal
/// index, NaN distances never kept; fewer when fewer are not NaN) and weight
/// them: equal weights without `previous`, else the ABC-PMC importance
/// weights of the module doc. Particles are stored in ascending distance.
///
/// # Panics
/// When `proposals` and `distances` differ in length.
pub fn select(
    priors: &[Prior],
    settings: &AbcSettings,
    generation: u32,
    proposals: Vec<Vec<f64>>,
    distances: &[f64],
    previous: Option<&Population>,
) -> Population {
    assert_eq!(
        proposals.len(),
        distances.len(),
        "one distance per proposal"
    );
    let mut order: Vec<usize> = (0..distances.len())
        .filter(|&i| !distances[i].is_nan())
        .collect();
    order.sort_by(|&a, &b| distances[a].total_cmp(&distances[b]).then(a.cmp(&b)));
    order.truncate(settings.particles);
    let theta: Vec<Vec<f64>> = order.iter().map(|&i| proposals[i].clone()).collect();
    let kept: Vec<f64> = order.iter().map(|&i| distances[i]).collect();
    let weights = match previous {
        Some(prev) if !prev.theta.is_empty() => pmc_weights(priors, &theta, prev),
        _ => vec![1.0 / theta.len() as f64; theta.len()],
    };
    Population {
        epsilon: kept.last().copied().unwrap_or(f64::NAN),
        theta,
        weights,
        distances: kept,
        generation,
    }
}

/// wᵢ ∝ 1 / Σⱼ wⱼ K(θᵢ | θⱼ), in logs (log-sum-exp) so tiny kernels never
/// underflow; the Gaussian's normalising constant is common to all i.
fn pmc_weights(priors: &[Prior], theta: &[Vec<f64>], prev: &Population) -> Vec<f64> {
    let sd = kernel_sd(priors, prev);
    let log_w: Vec<f64> = theta
        .iter()
        .map(|t| {
            let terms: Vec<f64> = prev
                .theta
                .iter()
                .zip(&prev.weights)
                .map(|(p, &w)| {
                    let q: f64 = t
                        .iter()
                        .zip(p)
                        .zip(&sd)
                        .map(|((a, b), s)| ((a - b) / s).powi(2))
                        .sum();
                    w.ln() - 0.5 * q
                })
                .collect();
            let m = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            -(m + terms.iter().map(|l| (l - m).exp()).sum::<f64>().ln())
        })
        .collect();
    let top = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let raw: Vec<f64> = log_w.iter().map(|l| (l - top).exp()).collect();
    let sum: f64 = raw.iter().sum();
    raw.into_iter().map(|w| w / sum).collect()
}

/// Distance of simulated summaries from targets:
/// √Σ ((simᵢ − targetᵢ) / scaleᵢ)²; NaN if any simulated value is not finite.
///
/// # Panics
/// When the three slices differ in length.
pub fn distance(simulated: &[f64], targets: &[f64], scales: &[f64]) -> f64 {
    assert!(
        simulated.len() == targets.len() && targets.len() == scales.len(),
        "summary lengths differ"
    );
    if simulated.iter().any(|s| !s.is_finite()) {
        return f64::NAN;
    }
    simulated
        .iter()
        .zip(targets)
        .zip(scales)
        .map(|((s, t), c)| ((s - t) / c).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// Weighted marginal summaries, one per parameter.
pub fn marginals(population: &Population) -> Vec<Marginal> {
    let dims = population.theta.first().map_or(0, Vec::len);
    (0..dims)
        .map(|k| marginal(&column(population, k), &population.weights))
        .collect()
}

/// Weighted summary of one sample (weights need not be normalised).
pub fn marginal(xs: &[f64], weights: &[f64]) -> Marginal {
    let (mean, var) = mean_var(xs, weights);
    let q = |p| weighted_quantile(xs, weights, p);
    Marginal {
        mean,
        sd: var.sqrt(),
        median: q(0.5),
        q05: q(0.05),
        q95: q(0.95),
        q025: q(0.025),
        q975: q(0.975),
    }
}

/// Weighted quantile, Hazen's rule with weights: the sorted values sit at
/// the midpoints of their cumulative weight, (Cᵢ₋₁ + Cᵢ) / 2 of the total,
/// and `p` is interpolated linearly between them (clamped to the extremes).
/// With equal weights this is Hyndman & Fan's (1996) type 5. Zero weights
/// are ignored; NaN when no weight is positive.
pub fn weighted_quantile(xs: &[f64], weights: &[f64], p: f64) -> f64 {
    let mut pts: Vec<(f64, f64)> = xs
        .iter()
        .zip(weights)
        .filter(|(_, w)| **w > 0.0)
        .map(|(&x, &w)| (x, w))
        .collect();
    if pts.is_empty() {
        return f64::NAN;
    }
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pts.iter().map(|(_, w)| w).sum();
    let mut cum = 0.0;
    let mut last = (f64::NEG_INFINITY, pts[0].0);
    for &(x, w) in &pts {
        let pos = (cum + w / 2.0) / total;
        cum += w;
        if p <= pos {
            return if last.0.is_finite() {
                last.1 + (x - last.1) * (p - last.0) / (pos - last.0)
            } else {
                x
            };
        }
        last = (pos, x);
    }
    last.1
}

/// Whether [`weighted_quantile`] at `p` is clamped to the sample's smallest
/// (or largest) value: `p` lies below the midpoint of the smallest value's
/// weight (or above the largest's), so the quantile is that value whatever
/// lies beyond it — with 20 equal weights or fewer, the 2.5 % quantile is the
/// smallest value. False when no weight is positive.
pub fn quantile_is_clamped(xs: &[f64], weights: &[f64], p: f64) -> bool {
    let pts: Vec<(f64, f64)> = xs
        .iter()
        .zip(weights)
        .filter(|(_, w)| **w > 0.0)
        .map(|(&x, &w)| (x, w))
        .collect();
    let total: f64 = pts.iter().map(|(_, w)| w).sum();
    if pts.is_empty() || total <= 0.0 {
        return false;
    }
    let lo = pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let hi = pts.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    // Hazen's midpoints: the smallest value sits at half its (tied) weight.
    let at_lo: f64 = pts.iter().filter(|q| q.0 == lo).map(|q| q.1).sum();
    let at_hi: f64 = pts.iter().filter(|q| q.0 == hi).map(|q| q.1).sum();
    p <= at_lo / 2.0 / total || p >= 1.0 - at_hi / 2.0 / total
}

/// Effective sample size (Σ w)² / Σ w², which is 1 / Σ w² for normalised
/// weights (Kong, Liu & Wong 1994).
pub fn effective_sample_size(weights: &[f64]) -> f64 {
    let s: f64 = weights.iter().sum();
    s * s / weights.iter().map(|w| w * w).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha8Rng;
    use statrs::distribution::{Continuous, ContinuousCDF, Normal};

    /// Run `generations` generations of ABC on `simulate` (summaries of θ).
    fn calibrate(
        priors: &[Prior],
        settings: &AbcSettings,
        generations: u32,
        targets: &[f64],
        mut simulate: impl FnMut(&[f64], &mut ChaCha8Rng) -> Vec<f64>,
    ) -> Vec<Population> {
        let mut rng = random::stream(99, 0);
        let mut pops: Vec<Population> = Vec::new();
        for g in 0..generations {
            let proposals = propose(priors, settings, g, pops.last());
            let scales = vec![1.0; targets.len()];
            let d: Vec<f64> = proposals
                .iter()
                .map(|t| distance(&simulate(t, &mut rng), targets, &scales))
                .collect();
            pops.push(select(priors, settings, g, proposals, &d, pops.last()));
        }
        pops
    }

    /// The mean of `n` draws of N(`mean`, `sd`).
    fn mean_of_normals(mean: f64, sd: f64, n: u32, rng: &mut ChaCha8Rng) -> f64 {
        (0..n)
            .map(|_| mean + sd * random::standard_normal(rng))
            .sum::<f64>()
            / f64::from(n)
    }

    /// y₁ = N(θ₁, 0.1), y₂ = N(θ₁θ₂, 0.1), each averaged over 3 draws.
    fn toy(t: &[f64], rng: &mut ChaCha8Rng) -> Vec<f64> {
        vec![
            mean_of_normals(t[0], 0.1, 3, rng),
            mean_of_normals(t[0] * t[1], 0.1, 3, rng),
        ]
    }

    const TOY_PRIORS: [Prior; 2] = [Prior::new(-5.0, 5.0), Prior::new(-5.0, 5.0)];
    const TOY: AbcSettings = AbcSettings::new(200, 0.1, 11);

    #[test]
    fn recovers_the_truth_of_a_toy_model_and_epsilon_falls() {
        let truth = [1.0, 2.0];
        let pops = calibrate(&TOY_PRIORS, &TOY, 4, &[1.0, 2.0], toy);
        let last = pops.last().unwrap();
        for (k, m) in marginals(last).iter().enumerate() {
            assert!(m.q05 <= truth[k] && truth[k] <= m.q95, "θ{k}: {m:?}");
            // Over 20 seeds the widths were at most 0.08 and 0.2 of the prior's.
            let prior_width = 0.9 * (TOY_PRIORS[k].high - TOY_PRIORS[k].low);
            let limit = [0.12, 0.3][k] * prior_width;
            assert!(m.q95 - m.q05 < limit, "θ{k} too wide: {m:?}");
        }
        for w in pops.windows(2) {
            assert!(
                w[1].epsilon < w[0].epsilon,
                "ε did not fall: {} → {}",
                w[0].epsilon,
                w[1].epsilon
            );
        }
        assert!(pops[3].epsilon < 0.3 * pops[0].epsilon);
    }

    #[test]
    fn approaches_the_conjugate_posterior() {
        // μ ~ U[−1, 1]; n = 10 draws of N(μ, 1); summary = sample mean 0.6.
        // Posterior: N(0.6, 1/10) truncated to [−1, 1].
        let (low, high, xbar, s) = (-1.0, 1.0, 0.6, (0.1f64).sqrt());
        let z = Normal::standard();
        let (a, b) = ((low - xbar) / s, (high - xbar) / s);
        let mass = z.cdf(b) - z.cdf(a);
        let ratio = (z.pdf(a) - z.pdf(b)) / mass;
        let mean = xbar + s * ratio;
        let sd = s * (1.0 + (a * z.pdf(a) - b * z.pdf(b)) / mass - ratio * ratio).sqrt();
        let priors = [Prior { low, high }];
        let settings = AbcSettings::new(1000, 0.25, 3);
        let pops = calibrate(&priors, &settings, 6, &[xbar], |t, rng| {
            vec![mean_of_normals(t[0], 1.0, 10, rng)]
        });
        let m = marginals(pops.last().unwrap())[0];
        // The untruncated posterior mean, 0.6, would fail: truncation matters.
        assert!((m.mean - mean).abs() < 0.03, "mean {} vs {mean}", m.mean);
        assert!((m.sd - sd).abs() < 0.1 * sd, "sd {} vs {sd}", m.sd);
        // Generation 0 (rejection only) is visibly wider than the posterior.
        assert!(marginals(&pops[0])[0].sd > m.sd);
    }

    #[test]
    fn proposals_are_deterministic_and_inside_the_box() {
        let prior_batch = propose(&TOY_PRIORS, &TOY, 0, None);
        assert_eq!(prior_batch, propose(&TOY_PRIORS, &TOY, 0, None));
        assert_eq!(prior_batch.len(), 2000);
        let other_seed = AbcSettings { seed: 12, ..TOY };
        assert_ne!(prior_batch, propose(&TOY_PRIORS, &other_seed, 0, None));
        // A population hugging a corner: many kernel draws fall outside.
        let prev = Population {
            theta: vec![vec![-4.9, 4.99], vec![-3.0, 4.0], vec![-5.0, 5.0]],
            weights: vec![0.5, 0.3, 0.2],
            distances: vec![0.1, 0.2, 0.3],
            epsilon: 0.3,
            generation: 0,
        };
        let next = propose(&TOY_PRIORS, &TOY, 1, Some(&prev));
        assert_eq!(next, propose(&TOY_PRIORS, &TOY, 1, Some(&prev)));
        assert_ne!(next, propose(&TOY_PRIORS, &TOY, 2, Some(&prev)));
        assert_eq!(next.len(), 2000);
        assert!(
            next.iter()
                .all(|t| t.iter().zip(&TOY_PRIORS).all(|(&x, p)| p.contains(x)))
        );
        let d: Vec<f64> = next.iter().map(|t| (t[0] + 4.0).abs()).collect();
        let pop = select(&TOY_PRIORS, &TOY, 1, next, &d, Some(&prev));
        assert_eq!(pop.theta.len(), 200);
        assert!(pop.weights.iter().all(|&w| w > 0.0 && w.is_finite()));
        assert!((pop.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(pop.distances.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(pop.epsilon, pop.distances[199]);
        // Non-uniform weights: particles far from the old ones weigh more.
        assert!(effective_sample_size(&pop.weights) < 200.0);
    }

    #[test]
    fn nan_distances_are_never_kept_and_ties_go_by_index() {
        let settings = AbcSettings::new(3, 0.5, 1);
        let proposals: Vec<Vec<f64>> = (0..6).map(|i| vec![f64::from(i)]).collect();
        let d = [f64::NAN, 0.5, -f64::NAN, 0.2, 0.5, 0.5];
        let pop = select(&TOY_PRIORS[..1], &settings, 0, proposals.clone(), &d, None);
        assert_eq!(pop.theta, vec![vec![3.0], vec![1.0], vec![4.0]]);
        assert_eq!(pop.epsilon, 0.5);
        assert_eq!(pop.weights, vec![1.0 / 3.0; 3]);
        let all_nan = [f64::NAN; 6];
        let empty = select(&TOY_PRIORS[..1], &settings, 0, proposals, &all_nan, None);
        assert!(empty.theta.is_empty() && empty.epsilon.is_nan());
        assert!(distance(&[1.0, f64::INFINITY], &[0.0, 0.0], &[1.0, 1.0]).is_nan());
        assert_eq!(distance(&[3.0, 8.0], &[0.0, 0.0], &[1.0, 2.0]), 5.0);
    }

    #[test]
    fn weighted_quantiles_of_a_hand_example() {
        let xs = [4.0, 1.0, 3.0, 2.0];
        let m = marginal(&xs, &[0.4, 0.1, 0.3, 0.2]);
        // Cumulative midpoints of 1, 2, 3, 4: 0.05, 0.2, 0.45, 0.8.
        assert!(
            (m.mean - 3.0).abs() < 1e-12 && (m.sd - 1.0).abs() < 1e-12,
            "{m:?}"
        );
        assert!((m.median - (3.0 + 0.05 / 0.35)).abs() < 1e-12, "{m:?}");
        assert_eq!((m.q05, m.q025, m.q975), (1.0, 1.0, 4.0));
        assert!((m.q95 - 4.0).abs() < 1e-12);
        assert!((weighted_quantile(&xs, &[0.4, 0.1, 0.3, 0.2], 0.3) - 2.4).abs() < 1e-12);
        assert_eq!(weighted_quantile(&xs, &[1.0; 4], 0.5), 2.5);
        assert!(weighted_quantile(&xs, &[0.0; 4], 0.5).is_nan());
        assert!((effective_sample_size(&[0.25; 4]) - 4.0).abs() < 1e-12);
        assert!((effective_sample_size(&[0.5, 0.5, 0.0]) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn quantiles_are_clamped_where_hazens_rule_stops_interpolating() {
        let equal = |n: usize| ((0..n).map(|i| i as f64).collect::<Vec<_>>(), vec![1.0; n]);
        // n equal weights: the smallest value sits at 1 / (2n).
        let (xs, ws) = equal(20);
        assert!(quantile_is_clamped(&xs, &ws, 0.025));
        assert!(quantile_is_clamped(&xs, &ws, 0.975));
        assert!(!quantile_is_clamped(&xs, &ws, 0.05));
        assert_eq!(weighted_quantile(&xs, &ws, 0.025), 0.0);
        let (xs, ws) = equal(21);
        assert!(!quantile_is_clamped(&xs, &ws, 0.025));
        assert!(weighted_quantile(&xs, &ws, 0.025) > 0.0);
        // A heavy outermost particle clamps however many there are.
        let (xs, mut ws) = equal(100);
        ws[99] = 20.0;
        assert!(quantile_is_clamped(&xs, &ws, 0.95));
        assert!(!quantile_is_clamped(&xs, &ws, 0.05));
        assert!(!quantile_is_clamped(&[], &[], 0.05));
    }

    #[test]
    fn settings_are_checked_and_batches_round_up() {
        assert_eq!(AbcSettings::new(100, 0.1, 0).batch_size(), 1000);
        assert_eq!(AbcSettings::new(10, 0.3, 0).batch_size(), 34);
        assert!(validate(&TOY_PRIORS, &TOY).is_ok());
        assert!(validate(&[Prior::new(1.0, 1.0)], &TOY).is_err());
        assert!(validate(&TOY_PRIORS, &AbcSettings::new(10, 0.0, 0)).is_err());
        assert!(validate(&TOY_PRIORS, &AbcSettings::new(0, 0.5, 0)).is_err());
    }

    /// serde_json parses some floats 1 ulp off unless its `float_roundtrip`
    /// feature is on (Cargo.toml enables it).
    #[test]
    fn a_population_stored_as_json_replays_the_same_proposals() {
        let pops = calibrate(&TOY_PRIORS, &TOY, 2, &[1.0, 2.0], toy);
        let pop = &pops[1];
        let stored: Population =
            serde_json::from_str(&serde_json::to_string(pop).unwrap()).unwrap();
        assert_eq!(&stored, pop);
        assert_eq!(
            propose(&TOY_PRIORS, &TOY, 2, Some(&stored)),
            propose(&TOY_PRIORS, &TOY, 2, Some(pop))
        );
    }
}
