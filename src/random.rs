//! Random streams and the few distributions the rules draw from
//! (`docs/model.md` §3.3).
//!
//! Every draw comes from a ChaCha8 stream derived from (scenario seed,
//! variant, replicate) and a unit: village `v` uses stream `v`, and so do
//! the county phase's draws for village `v` (§3.3). A village's stream is
//! used by one thread at a time, so results never depend on thread
//! scheduling.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, Exp1, Geometric, Poisson, StandardNormal};

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

/// Bernoulli trials taken by skipping: instead of one draw per trial, the
/// number of failures before the next success, Geometric(p) (`rand_distr`'s
/// exact sampler), drawn once per success. The same law as a trial per
/// item with [`Chance`], at a cost that grows with the successes, not the
/// trials (`docs/model.md` §3.3).
#[derive(Debug, Clone, Copy)]
pub enum Skips {
    /// Probability 0 (or NaN): no success ever, no draw.
    Never,
    /// Probability 1: every trial succeeds, no draw.
    Always,
    /// Failures before the next success ~ Geometric(p).
    Law(Geometric),
}

impl Skips {
    /// Trials that succeed with probability `p` (clamped to [0, 1]).
    pub fn new(p: f64) -> Self {
        if p.is_nan() || p <= 0.0 {
            Skips::Never
        } else if p >= 1.0 {
            Skips::Always
        } else {
            match Geometric::new(p) {
                Ok(law) => Skips::Law(law),
                Err(_) => Skips::Never,
            }
        }
    }

    /// The number of failing trials before the next success (`u64::MAX`
    /// for never).
    #[inline]
    pub fn draw(&self, rng: &mut ChaCha8Rng) -> u64 {
        match self {
            Skips::Never => u64::MAX,
            Skips::Always => 0,
            Skips::Law(law) => law.sample(rng),
        }
    }
}

/// The fates of open needs, one uniform draw u on [0, 1) each (53 bits,
/// [`uniform`]): a need is resolved if u < q, given up if not and
/// u < q + (1 − q)·a, and stays open otherwise; so it is resolved with
/// probability q and given up with probability (1 − q)·a, as a Bernoulli(q)
/// trial followed, if it fails, by a Bernoulli(a) trial (`docs/model.md`
/// §7.2). q and a are clamped to [0, 1]; when every need's fate is certain
/// (q = 1; q = 0 and a = 0 or 1) nothing is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fates {
    /// q.
    resolved_below: f64,
    /// q + (1 − q)·a.
    closed_below: f64,
}

impl Fates {
    /// Needs resolved with probability `q`, and those not resolved given up
    /// with probability `a`.
    pub fn new(q: f64, a: f64) -> Self {
        let clamp = |p: f64| if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        let (q, a) = (clamp(q), clamp(a));
        Fates {
            resolved_below: q,
            closed_below: (q + (1.0 - q) * a).clamp(q, 1.0),
        }
    }

    /// The fates of `n` needs: (resolved, given up); the rest stay open.
    #[inline]
    pub fn draw(self, rng: &mut ChaCha8Rng, n: u16) -> (u16, u16) {
        if let Some(outcome) = self.certain(n) {
            return outcome;
        }
        let (mut resolved, mut closed) = (0u16, 0u16);
        for _ in 0..n {
            let u = uniform(rng);
            resolved += u16::from(u < self.resolved_below);
            closed += u16::from(u < self.closed_below);
        }
        (resolved, closed - resolved)
    }

    /// The outcome for `n` needs when every fate is certain (all resolved,
    /// all left open, or all given up), which draws nothing; `None` when
    /// fates must be drawn.
    fn certain(self, n: u16) -> Option<(u16, u16)> {
        if self.resolved_below >= 1.0 {
            Some((n, 0))
        } else if self.closed_below <= 0.0 {
            Some((0, 0))
        } else if self.resolved_below <= 0.0 && self.closed_below >= 1.0 {
            Some((0, n))
        } else {
            None
        }
    }

    /// The fates of the open needs of four categories, `open[c]` needs with
    /// fates `fates[c]`: (resolved, given up) for each. The same draws and
    /// outcomes as [`Fates::draw`] for each category in turn; when no fate
    /// is certain, one loop over all the needs in category order, each
    /// need's category counted rather than branched on (how many needs a
    /// household has of each category is random, and a loop per category
    /// mispredicts its exits; `docs/performance.md`).
    #[inline]
    pub fn draw_each(fates: [Fates; 4], rng: &mut ChaCha8Rng, open: [u16; 4]) -> [(u16, u16); 4] {
        if fates.iter().any(|f| f.certain(0).is_some()) {
            return std::array::from_fn(|c| fates[c].draw(rng, open[c]));
        }
        let [n0, n1, n2, n3] = open.map(u32::from);
        let ends = [n0, n0 + n1, n0 + n1 + n2];
        let (mut resolved, mut closed) = ([0u16; 4], [0u16; 4]);
        for k in 0..n0 + n1 + n2 + n3 {
            let c =
                usize::from(k >= ends[0]) + usize::from(k >= ends[1]) + usize::from(k >= ends[2]);
            let f = fates[c];
            let u = uniform(rng);
            resolved[c] += u16::from(u < f.resolved_below);
            closed[c] += u16::from(u < f.closed_below);
        }
        std::array::from_fn(|c| (resolved[c], closed[c] - resolved[c]))
    }
}

/// How many of the increasing cumulative shares `cumulative` the uniform
/// `u` reaches: the index of the interval it falls in, of
/// `[0, c₀), [c₀, c₁), [c₁, c₂), [c₂, 1)` (counted, not branched on: `u` is
/// random).
#[inline]
pub fn interval_of(u: f64, cumulative: &[f64; 3]) -> usize {
    cumulative.iter().map(|&c| usize::from(u >= c)).sum()
}

/// A unit-rate exponential draw (`rand_distr`'s ziggurat `Exp1`): the gap
/// between two points of a Poisson process of rate 1.
#[inline]
pub fn exponential(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample(Exp1)
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

    /// Known answers for the streams of `docs/model.md` §3.3, computed
    /// outside this crate: `mix64` against SplitMix64's published first
    /// outputs (seed 0), and the ChaCha8 words by a separate Python
    /// implementation of the block function (8 rounds) keyed by
    /// `rand_core`'s PCG32 expansion of the seed. A dependency upgrade that
    /// changed any stream fails here (and must change `MODEL_VERSION`).
    #[test]
    fn streams_match_their_known_answers() {
        assert_eq!(mix64(0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(mix64(0x9E37_79B9_7F4A_7C15), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(replicate_seed(1, 0, 0), 0xB18A_02F4_6D8D_86C3);
        assert_eq!(replicate_seed(42, 1, 3), 0x4573_9E0E_95F9_38BD);
        let words = |seed: u64, unit: u64, n: usize| -> Vec<u64> {
            let mut rng = stream(seed, unit);
            (0..n).map(|_| rng.random::<u64>()).collect()
        };
        assert_eq!(
            words(0, 0, 3),
            [
                0xB585_F767_A79A_3B6C,
                0x7746_A55F_BAD8_C037,
                0xB2FB_0D32_81E2_A6E6
            ]
        );
        let sigma = replicate_seed(42, 1, 3);
        let village_7 = words(sigma, 7, 33);
        assert_eq!(
            village_7[..3],
            [
                0x86B5_1E4E_847A_2383,
                0x71A6_140F_E100_083B,
                0x9040_BBD7_0A7C_5117
            ]
        );
        // The tenth draw is output words 18 and 19, of block 1; the 33rd
        // is of block 4, past the four blocks `rand_chacha` makes at once.
        assert_eq!(village_7[9], 0x674C_98CD_76F8_2C35);
        assert_eq!(village_7[32], 0x5F06_3CCA_FAF1_6032);
        // A stream number above 2³² fills the stream's high word.
        assert_eq!(
            words(sigma, (1 << 32) + 2, 3),
            [
                0x1E89_DA68_3AA9_4139,
                0x5D07_F850_4CF3_A772,
                0x8F95_E0D3_CF0C_FC76
            ]
        );
        // A uniform is the top 53 bits of the next word, times 2⁻⁵³.
        let u = uniform(&mut stream(sigma, 7));
        assert_eq!(
            u,
            (0x86B5_1E4E_847A_2383u64 >> 11) as f64 / (1u64 << 53) as f64
        );
        assert_eq!(u, 0.526_201_147_240_933_1);
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

    /// The comparisons at their boundaries, as documented and as `rand`
    /// and `rand_distr` make them: a Bernoulli trial succeeds when its
    /// 64-bit word is strictly below ⌊p·2⁶⁴⌋; Knuth's product stops once it
    /// is at or below e^(−λ); a need is resolved when u < q strictly, and
    /// given up when u < q + (1 − q)·a strictly. Each is met by setting the
    /// chance to the very draw that will be compared with it.
    #[test]
    fn draws_equal_to_their_threshold_fail() {
        // A word whose low 11 bits are 0 is p·2⁶⁴ for a p that f64 holds exactly.
        let mut scan = stream(31, 0);
        let (skip, word) = (0..)
            .map(|k| (k, scan.random::<u64>()))
            .find(|(_, w)| w & 0x7FF == 0)
            .unwrap();
        let p = word as f64 / 2f64.powi(64);
        assert_eq!(Chance::new(p), Chance::Below(word));
        let mut rng = stream(31, 0);
        for _ in 0..skip {
            rng.random::<u64>();
        }
        assert!(
            !Chance::new(p).draw(&mut rng),
            "word {word} is not below itself"
        );

        let u = uniform(&mut stream(32, 0));
        assert_eq!(PoissonLaw::Knuth(u).draw(&mut stream(32, 0)), 0);
        let resolved = Fates {
            resolved_below: u,
            closed_below: 1.0,
        };
        assert_eq!(resolved.draw(&mut stream(32, 0), 1), (0, 1));
        let given_up = Fates {
            resolved_below: u / 2.0,
            closed_below: u,
        };
        assert_eq!(given_up.draw(&mut stream(32, 0), 1), (0, 0));
        for (fates, want) in [(resolved, (0, 1)), (given_up, (0, 0))] {
            let each = Fates::draw_each([fates; 4], &mut stream(32, 0), [0, 1, 0, 0]);
            assert_eq!(each, [(0, 0), want, (0, 0), (0, 0)]);
        }
    }

    /// Needs whose fates are certain take no draw (`docs/model.md` §7.2).
    #[test]
    fn certain_fates_draw_nothing() {
        for (q, a, want) in [(1.0, 0.3, (9, 0)), (0.0, 0.0, (0, 0)), (0.0, 1.0, (0, 9))] {
            let mut rng = stream(33, 0);
            assert_eq!(Fates::new(q, a).draw(&mut rng, 9), want);
            assert_eq!(uniform(&mut rng), uniform(&mut stream(33, 0)), "{q} {a}");
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

    /// Skipping gives each trial the chance p, independently: the share
    /// of successes is p, and so is the chance of success right after a
    /// success (no clustering).
    #[test]
    fn skipping_succeeds_as_often_as_trial_by_trial() {
        for p in [0.002, 0.01, 0.3, 0.7] {
            let law = Skips::new(p);
            let mut rng = stream(21, 0);
            let trials = 400_000u64;
            let (mut successes, mut after_success, mut next) = (0u64, 0u64, law.draw(&mut rng));
            let mut previous = false;
            for _ in 0..trials {
                let success = next == 0;
                if success {
                    successes += 1;
                    after_success += u64::from(previous);
                    next = law.draw(&mut rng);
                } else {
                    next -= 1;
                }
                previous = success;
            }
            let share = successes as f64 / trials as f64;
            let sd = (p * (1.0 - p) / trials as f64).sqrt();
            assert!((share - p).abs() < 5.0 * sd, "p = {p}: {share}");
            let again = after_success as f64 / successes as f64;
            assert!(
                (again - p).abs() < 5.0 * (p * (1.0 - p) / successes as f64).sqrt() + 1e-3,
                "p = {p}: {again}"
            );
        }
        let mut rng = stream(21, 1);
        assert_eq!(Skips::new(0.0).draw(&mut rng), u64::MAX);
        assert_eq!(Skips::new(f64::NAN).draw(&mut rng), u64::MAX);
        assert_eq!(Skips::new(1.0).draw(&mut rng), 0);
    }

    #[test]
    fn exponential_has_unit_mean_and_variance() {
        let mut rng = stream(22, 0);
        let xs: Vec<f64> = (0..40_000).map(|_| exponential(&mut rng)).collect();
        assert!(xs.iter().all(|&x| x >= 0.0));
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / xs.len() as f64;
        assert!((m - 1.0).abs() < 0.03 && (v - 1.0).abs() < 0.06, "{m} {v}");
    }

    #[test]
    fn fates_of_several_categories_are_drawn_as_category_by_category() {
        let cases = [
            // Four different uncertain fates: each need must take its own
            // category's.
            [
                Fates::new(0.1, 0.9),
                Fates::new(0.5, 0.1),
                Fates::new(0.8, 0.3),
                Fates::new(0.3, 0.6),
            ],
            [
                Fates::new(0.3, 0.1),
                Fates::new(0.6, 0.2),
                Fates::new(0.6, 0.2),
                Fates::new(0.6, 0.2),
            ],
            [
                Fates::new(0.9, 0.0),
                Fates::new(0.05, 0.5),
                Fates::new(0.05, 0.5),
                Fates::new(0.05, 0.5),
            ],
            // A certain fate in one category: drawn category by category.
            [
                Fates::new(1.0, 0.1),
                Fates::new(0.4, 0.1),
                Fates::new(0.4, 0.1),
                Fates::new(0.4, 0.1),
            ],
            [
                Fates::new(0.4, 0.1),
                Fates::new(0.0, 0.0),
                Fates::new(0.4, 0.1),
                Fates::new(0.0, 1.0),
            ],
        ];
        let opens = [
            [0, 0, 0, 0],
            [1, 0, 0, 0],
            [0, 0, 0, 3],
            [2, 0, 5, 1],
            [7, 3, 1, 2],
            [0, 9, 0, 0],
        ];
        for (i, fates) in cases.into_iter().enumerate() {
            for (j, open) in opens.into_iter().enumerate() {
                let mut a = stream(11 + i as u64, j as u64);
                let mut b = a.clone();
                let each = Fates::draw_each(fates, &mut a, open);
                let one_by_one: [(u16, u16); 4] =
                    std::array::from_fn(|c| fates[c].draw(&mut b, open[c]));
                assert_eq!(each, one_by_one, "{i} {j}");
                assert_eq!(
                    uniform(&mut a).to_bits(),
                    uniform(&mut b).to_bits(),
                    "{i} {j}: draws used"
                );
            }
        }
    }

    #[test]
    fn a_uniform_falls_in_the_interval_of_the_shares_it_reaches() {
        let cum = [0.1, 0.7, 0.8];
        let cases = [
            (0.0, 0),
            (0.0999, 0),
            (0.1, 1),
            (0.69, 1),
            (0.7, 2),
            (0.8, 3),
            (0.99, 3),
        ];
        for (u, want) in cases {
            assert_eq!(interval_of(u, &cum), want, "{u}");
        }
        // Empty intervals are skipped, as the if-chain they replace did.
        assert_eq!(interval_of(0.5, &[0.5, 0.5, 0.9]), 2);
        assert_eq!(interval_of(0.95, &[0.2, 0.9, 0.9]), 3);
    }

    #[test]
    fn fates_resolve_and_give_up_at_their_chances() {
        for (q, a) in [(0.3, 0.15), (0.9, 0.5), (0.0, 0.15), (0.05, 1.0)] {
            let fates = Fates::new(q, a);
            let mut rng = stream(23, 0);
            let (mut resolved, mut given_up) = (0u32, 0u32);
            for _ in 0..2_000 {
                let (r, g) = fates.draw(&mut rng, 100);
                assert!(r + g <= 100);
                resolved += u32::from(r);
                given_up += u32::from(g);
            }
            let n = 200_000.0;
            let (r, g) = (f64::from(resolved) / n, f64::from(given_up) / n);
            assert!((r - q).abs() < 0.004, "q {q}, a {a}: resolved {r}");
            assert!(
                (g - (1.0 - q) * a).abs() < 0.004,
                "q {q}, a {a}: given up {g}"
            );
        }
        let mut rng = stream(23, 1);
        assert_eq!(Fates::new(1.0, 0.3).draw(&mut rng, 50), (50, 0));
        assert_eq!(Fates::new(0.0, 0.0).draw(&mut rng, 50), (0, 0));
        assert_eq!(Fates::new(0.0, 1.0).draw(&mut rng, 50), (0, 50));
        assert_eq!(Fates::new(f64::NAN, 2.0).draw(&mut rng, 50), (0, 50));
    }
}
