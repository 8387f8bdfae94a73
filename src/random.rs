//! Random streams and the few distributions the rules draw from
//! (`docs/model.md` §3.3).
//!
//! Every draw comes from a ChaCha8 stream derived from (scenario seed,
//! variant, replicate) and a unit: village `v` uses stream `v`, the
//! county-level phase uses [`COUNTY_STREAM`]. A village's stream is used by
//! one thread at a time, so results never depend on thread scheduling.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, Poisson, StandardNormal};

/// Stream number of the county-level (cross-village) phase.
pub const COUNTY_STREAM: u64 = 1 << 63;

/// SplitMix64 finaliser: a well-mixed 64-bit hash of `x`.
pub fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Seed of one replicate of one variant: depends only on its own indices,
/// so adding replicates or variants never changes existing ones.
pub fn replicate_seed(scenario_seed: u64, variant: u64, replicate: u64) -> u64 {
    mix64(mix64(mix64(scenario_seed) ^ variant.wrapping_mul(0xD6E8_FEB8_6659_FD93)) ^ replicate)
}

/// The generator of one unit (village or county phase) of one replicate.
pub fn stream(replicate_seed: u64, unit: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(replicate_seed);
    rng.set_stream(unit);
    rng
}

/// A uniform draw in [0, 1).
#[inline]
pub fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    rng.random::<f64>()
}

/// `true` with probability `p` (clamped to [0, 1]): `rand`'s exact
/// Bernoulli (one 64-bit draw).
#[inline]
pub fn bernoulli(rng: &mut ChaCha8Rng, p: f64) -> bool {
    Chance::new(p).draw(rng)
}

/// A Bernoulli chance prepared once and drawn many times: the same draws
/// and outcomes as [`bernoulli`] with the same `p` (no draw when `p` is not
/// in (0, 1); otherwise one 64-bit draw compared with ⌊p·2⁶⁴⌋, as `rand`'s
/// `Bernoulli`), without redoing the set-up for every draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chance {
    /// Probability 0 (or NaN): `false`, no draw.
    Never,
    /// Probability 1: `true`, no draw.
    Always,
    /// `true` when a 64-bit draw is below this threshold.
    Below(u64),
}

impl Chance {
    /// The chance `p`.
    #[inline]
    pub fn new(p: f64) -> Self {
        if p.is_nan() || p <= 0.0 {
            Chance::Never
        } else if p >= 1.0 {
            Chance::Always
        } else {
            // rand's Bernoulli::new: p_int = (p · 2⁶⁴) as u64.
            Chance::Below((p * 2.0 * (1u64 << 63) as f64) as u64)
        }
    }

    /// Draw it.
    #[inline]
    pub fn draw(self, rng: &mut ChaCha8Rng) -> bool {
        match self {
            Chance::Never => false,
            Chance::Always => true,
            Chance::Below(threshold) => rng.random::<u64>() < threshold,
        }
    }
}

/// A Poisson law prepared once and drawn many times: the same draws as
/// [`poisson`] with the same mean. Means below 12 use Knuth's method as
/// `rand_distr` does (multiply uniforms until the product falls to
/// e^(−λ)), written out here so that a draw is a plain loop; larger means
/// use `rand_distr`'s rejection sampler.
#[derive(Debug, Clone, Copy)]
pub enum PoissonLaw {
    /// Mean 0 (or not positive, or NaN): always 0, no draw.
    Zero,
    /// Knuth's method with threshold e^(−λ).
    Knuth(f64),
    /// `rand_distr`'s sampler (means of 12 and more).
    Sampler(Poisson<f64>),
    /// A mean too large for the sampler: `u32::MAX`, no draw.
    TooLarge,
}

impl PoissonLaw {
    /// The Poisson law with mean `lambda`.
    pub fn new(lambda: f64) -> Self {
        if lambda.is_nan() || lambda <= 0.0 {
            PoissonLaw::Zero
        } else if lambda < 12.0 {
            // rand_distr's KnuthMethod::new.
            PoissonLaw::Knuth((-lambda).exp())
        } else {
            match Poisson::new(lambda) {
                Ok(d) => PoissonLaw::Sampler(d),
                Err(_) => PoissonLaw::TooLarge,
            }
        }
    }

    /// Draw a count.
    #[inline]
    pub fn draw(&self, rng: &mut ChaCha8Rng) -> u32 {
        match *self {
            PoissonLaw::Zero => 0,
            PoissonLaw::Knuth(threshold) => {
                let mut count = 0u32;
                let mut p = rng.random::<f64>();
                while p > threshold {
                    p *= rng.random::<f64>();
                    count += 1;
                }
                count
            }
            PoissonLaw::Sampler(d) => {
                let k: f64 = d.sample(rng);
                k.min(f64::from(u32::MAX)) as u32
            }
            PoissonLaw::TooLarge => u32::MAX,
        }
    }
}

/// A uniform index in `0..n` (`n > 0`).
#[inline]
pub fn index(rng: &mut ChaCha8Rng, n: usize) -> usize {
    rng.random_range(0..n)
}

/// A standard normal draw (`rand_distr`'s ziggurat sampler).
#[inline]
pub fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample(StandardNormal)
}

/// A Poisson draw with mean `lambda` (exact at every mean: `rand_distr`'s
/// Poisson, which multiplies uniforms for small means and uses rejection
/// sampling for large ones); 0 when `lambda` is not positive.
#[inline]
pub fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    PoissonLaw::new(lambda).draw(rng)
}

/// A draw from Binomial(n, p) (exact: `rand_distr`'s binomial sampler,
/// inversion for small n·p and BTPE rejection for large, so its cost does
/// not grow with `n`).
#[inline]
pub fn binomial(rng: &mut ChaCha8Rng, n: u32, p: f64) -> u32 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    match Binomial::new(u64::from(n), p) {
        Ok(d) => d.sample(rng).min(u64::from(n)) as u32,
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<f64> = (0..4).map(|_| uniform(&mut stream(7, 0))).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut s0 = stream(7, 0);
        let mut s1 = stream(7, 1);
        assert_ne!(uniform(&mut s0), uniform(&mut s1));
        assert_ne!(replicate_seed(1, 0, 0), replicate_seed(1, 0, 1));
        assert_ne!(replicate_seed(1, 0, 0), replicate_seed(1, 1, 0));
    }

    #[test]
    fn prepared_laws_draw_exactly_as_rand_does() {
        use rand_distr::Bernoulli;
        let ps = [
            -0.5,
            0.0,
            1e-12,
            0.001,
            0.3,
            0.5,
            0.999_999,
            1.0 - f64::EPSILON,
            1.0,
            2.0,
            f64::NAN,
        ];
        for &p in &ps {
            let (mut a, mut b) = (stream(11, 0), stream(11, 0));
            for _ in 0..2000 {
                let expected = if p.is_nan() || p <= 0.0 {
                    false
                } else if p >= 1.0 {
                    true
                } else {
                    Bernoulli::new(p).unwrap().sample(&mut b)
                };
                assert_eq!(Chance::new(p).draw(&mut a), expected, "p = {p}");
            }
            assert_eq!(uniform(&mut a), uniform(&mut b), "p = {p}: streams in step");
        }
        for lambda in [0.0, 0.05, 0.7, 3.0, 11.9, 12.5, 40.0] {
            let (mut a, mut b) = (stream(12, 0), stream(12, 0));
            let law = PoissonLaw::new(lambda);
            for _ in 0..2000 {
                let expected = if lambda > 0.0 {
                    let k: f64 = Poisson::new(lambda).unwrap().sample(&mut b);
                    k as u32
                } else {
                    0
                };
                assert_eq!(law.draw(&mut a), expected, "lambda = {lambda}");
            }
            assert_eq!(uniform(&mut a), uniform(&mut b), "lambda = {lambda}");
        }
    }

    #[test]
    fn poisson_mean_is_close() {
        let mut rng = stream(3, 0);
        let n = 20_000;
        let mean = (0..n)
            .map(|_| f64::from(poisson(&mut rng, 0.7)))
            .sum::<f64>()
            / n as f64;
        assert!((mean - 0.7).abs() < 0.03, "{mean}");
    }

    #[test]
    fn binomial_has_the_right_mean_and_stays_in_range() {
        let mut rng = stream(9, 0);
        for (n, p) in [(1000u32, 0.3), (60_000, 0.001), (300, 0.999), (65_535, 0.5)] {
            let draws: Vec<u32> = (0..4000).map(|_| binomial(&mut rng, n, p)).collect();
            assert!(draws.iter().all(|&k| k <= n));
            let mean = draws.iter().map(|&k| f64::from(k)).sum::<f64>() / 4000.0;
            let sd = (f64::from(n) * p * (1.0 - p)).sqrt();
            assert!(
                (mean - f64::from(n) * p).abs() < 4.0 * sd / 4000f64.sqrt() + 0.05,
                "{n} {p}: {mean}"
            );
        }
        assert_eq!(binomial(&mut rng, 500, 0.0), 0);
        assert_eq!(binomial(&mut rng, 500, 1.0), 500);
        assert_eq!(binomial(&mut rng, 0, 0.5), 0);
    }

    #[test]
    fn normal_has_unit_variance() {
        let mut rng = stream(5, 0);
        let xs: Vec<f64> = (0..20_000).map(|_| standard_normal(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / xs.len() as f64;
        assert!(m.abs() < 0.03 && (v - 1.0).abs() < 0.05, "{m} {v}");
    }
}
