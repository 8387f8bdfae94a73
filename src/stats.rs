//! Summary statistics across replicates: mean, standard deviation and a
//! Student-t 95 % confidence interval of the mean; the studentized range
//! distribution for simultaneous intervals (Tukey HSD).

use std::sync::{Mutex, OnceLock};

use statrs::distribution::{ContinuousCDF, StudentsT};
use statrs::function::{erf::erfc, gamma::ln_gamma};

/// Mean, sd and 95 % CI of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Sample size.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1 denominator); `None` when n < 2.
    pub sd: Option<f64>,
    /// Lower end of the 95 % CI of the mean; `None` when n < 2.
    pub ci_low: Option<f64>,
    /// Upper end of the 95 % CI of the mean; `None` when n < 2.
    pub ci_high: Option<f64>,
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t_975(df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(f64::NAN)
}

/// Gauss–Legendre nodes and weights of order 16 on [−1, 1], by Newton's
/// method on the Legendre polynomial.
fn gauss_legendre() -> &'static [(f64, f64)] {
    static RULE: OnceLock<Vec<(f64, f64)>> = OnceLock::new();
    RULE.get_or_init(|| {
        const N: usize = 16;
        (1..=N)
            .map(|i| {
                let mut x = (std::f64::consts::PI * (i as f64 - 0.25) / (N as f64 + 0.5)).cos();
                let mut derivative = 0.0;
                for _ in 0..100 {
                    // P_N(x) and P_{N−1}(x) by the three-term recurrence.
                    let (mut p0, mut p1) = (1.0, x);
                    for n in 2..=N {
                        let n = n as f64;
                        (p0, p1) = (p1, ((2.0 * n - 1.0) * x * p1 - (n - 1.0) * p0) / n);
                    }
                    derivative = N as f64 * (x * p1 - p0) / (x * x - 1.0);
                    let step = p1 / derivative;
                    x -= step;
                    if step.abs() < 1e-16 {
                        break;
                    }
                }
                (x, 2.0 / ((1.0 - x * x) * derivative * derivative))
            })
            .collect()
    })
}

/// ∫ f over [a, b] in `panels` equal panels of the 16-point Gauss–Legendre
/// rule.
fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64, panels: usize) -> f64 {
    let width = (b - a) / panels as f64;
    let mut sum = 0.0;
    for i in 0..panels {
        let mid = a + (i as f64 + 0.5) * width;
        for &(x, w) in gauss_legendre() {
            sum += w * f(mid + 0.5 * width * x);
        }
    }
    0.5 * width * sum
}

/// Φ(z) − Φ(z − w) for w ≥ 0, from whichever tail keeps its precision.
fn normal_mass(z: f64, w: f64) -> f64 {
    let upper = |x: f64| 0.5 * erfc(x / std::f64::consts::SQRT_2);
    if z - 0.5 * w > 0.0 {
        upper(z - w) - upper(z)
    } else {
        upper(-z) - upper(w - z)
    }
}

/// P(R < w) for the range R of `k` independent standard normals:
/// k ∫ φ(z) [Φ(z) − Φ(z − w)]^(k−1) dz.
fn normal_range_cdf(w: f64, k: usize) -> f64 {
    if w <= 0.0 {
        return 0.0;
    }
    let phi = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let f = |z: f64| phi(z) * normal_mass(z, w).powi(k as i32 - 1);
    // φ(z) is below 1e-15 outside ±8.5, and the bracket at most 1.
    (k as f64 * integrate(f, -8.5, 8.5, 17)).min(1.0)
}

/// P(Q < q) for the studentized range Q of `k` means with `df` degrees of
/// freedom (`f64::INFINITY` for a known sd): the range cdf at q·s averaged
/// over s = √(χ²_df / df) (Copenhaver & Holland 1988, as R's `ptukey`);
/// above 10⁷ degrees of freedom, as for infinitely many. NaN for k < 2,
/// df ≤ 0 or NaN, or q NaN.
pub fn studentized_range_cdf(q: f64, k: usize, df: f64) -> f64 {
    if k < 2 || df.is_nan() || df <= 0.0 || q.is_nan() {
        return f64::NAN;
    }
    if q <= 0.0 {
        return 0.0;
    }
    if df > 1e7 || q.is_infinite() {
        return if q.is_infinite() {
            1.0
        } else {
            normal_range_cdf(q, k)
        };
    }
    // Over t = ln s, whose density is 2 df s² · χ²_df(df s²): the range cdf
    // rises over a fixed span of t whatever q. s is below 1 + 9/√df, and
    // above 1 − 9/√df and the ε with P(s < ε) ≈ (df ε²/2)^(df/2) / Γ(df/2 + 1)
    // = 1e-20, but for a chance below 1e-15.
    let log_c = 0.5 * df * (0.5 * df).ln() - ln_gamma(0.5 * df) + std::f64::consts::LN_2;
    let density = |t: f64| {
        let s = t.exp();
        (log_c + df * t - 0.5 * df * s * s).exp() * normal_range_cdf(q * s, k)
    };
    let spread = 9.0 / df.sqrt();
    let tail = 0.5 * ((-46.0 + ln_gamma(0.5 * df + 1.0)) / (0.5 * df) - (0.5 * df).ln());
    let a = if spread < 1.0 {
        (1.0 - spread).ln().max(tail)
    } else {
        tail
    };
    let b = (1.0 + spread).ln();
    let panels = ((2.0 * (b - a)).ceil() as usize).max(24);
    integrate(density, a, b, panels).clamp(0.0, 1.0)
}

/// The `p` quantile of the studentized range of `k` means with `df` degrees
/// of freedom (`f64::INFINITY` for a known sd), by regula falsi (Illinois)
/// on a bracket; NaN outside 0 < p < 1, k ≥ 2, df > 0, and NaN for a
/// quantile beyond 10⁶.
pub fn studentized_range_quantile(p: f64, k: usize, df: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) || k < 2 || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    type Memo = Mutex<Vec<((u64, usize, u64), f64)>>;
    static MEMO: OnceLock<Memo> = OnceLock::new();
    let memo = MEMO.get_or_init(Memo::default);
    let key = (p.to_bits(), k, df.to_bits());
    let known = memo
        .lock()
        .ok()
        .and_then(|m| m.iter().find(|e| e.0 == key).copied());
    if let Some((_, q)) = known {
        return q;
    }
    let f = |q: f64| studentized_range_cdf(q, k, df) - p;
    let (mut lo, mut hi) = (0.0, 4.0);
    let (mut f_lo, mut f_hi) = (-p, f(hi));
    while f_hi < 0.0 {
        (lo, f_lo) = (hi, f_hi);
        hi *= 2.0;
        f_hi = f(hi);
        if hi > 1e6 {
            return f64::NAN;
        }
    }
    // Illinois: halve the weight of an end that stays put twice.
    let mut side = 0;
    let mut q = hi;
    for _ in 0..200 {
        q = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
        if !(q > lo && q < hi) {
            q = 0.5 * (lo + hi);
        }
        let fq = f(q);
        if fq.abs() < 1e-14 || hi - lo < 1e-12 * q {
            break;
        }
        if fq < 0.0 {
            (lo, f_lo) = (q, fq);
            if side == -1 {
                f_hi *= 0.5;
            }
            side = -1;
        } else {
            (hi, f_hi) = (q, fq);
            if side == 1 {
                f_lo *= 0.5;
            }
            side = 1;
        }
    }
    if let Ok(mut m) = memo.lock() {
        m.push((key, q));
    }
    q
}

/// Summarise a sample.
pub fn summarize(xs: &[f64]) -> Summary {
    let n = xs.len();
    if n == 0 {
        return Summary {
            n,
            mean: f64::NAN,
            sd: None,
            ci_low: None,
            ci_high: None,
        };
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Summary {
            n,
            mean,
            sd: None,
            ci_low: None,
            ci_high: None,
        };
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let half = t_975((n - 1) as f64) * sd / (n as f64).sqrt();
    Summary {
        n,
        mean,
        sd: Some(sd),
        ci_low: Some(mean - half),
        ci_high: Some(mean + half),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantile_matches_tables() {
        assert!((t_975(1.0) - 12.706).abs() < 1e-3);
        assert!((t_975(9.0) - 2.262).abs() < 1e-3);
        assert!((t_975(1000.0) - 1.962).abs() < 1e-3);
    }

    /// q₀.₉₅(k, df) from `scipy.stats.studentized_range.ppf(0.95, k, df)`
    /// (scipy 1.x).
    const SCIPY_Q95: [(usize, f64, f64); 79] = [
        (2, 1.0, 17.96928706),
        (2, 2.0, 6.084869845),
        (2, 3.0, 4.500658726),
        (2, 5.0, 3.635351695),
        (2, 10.0, 3.151064183),
        (2, 20.0, 2.949997798),
        (2, 60.0, 2.828848309),
        (2, 120.0, 2.800044431),
        (2, 1000.0, 2.775166542),
        (2, f64::INFINITY, 2.771807649),
        (3, 1.0, 26.97552987),
        (3, 2.0, 8.330782646),
        (3, 3.0, 5.909598453),
        (3, 5.0, 4.601726054),
        (3, 10.0, 3.87677675),
        (3, 20.0, 3.577934725),
        (3, 60.0, 3.398661241),
        (3, 120.0, 3.356138396),
        (3, 1000.0, 3.319444897),
        (3, f64::INFINITY, 3.314493155),
        (4, 1.0, 32.81872573),
        (4, 2.0, 9.798045035),
        (4, 3.0, 6.824526451),
        (4, 5.0, 5.218324875),
        (4, 10.0, 4.326582116),
        (4, 20.0, 3.958293561),
        (4, 60.0, 3.737089226),
        (4, 120.0, 3.684588542),
        (4, 1000.0, 3.639275235),
        (4, f64::INFINITY, 3.633159575),
        (5, 1.0, 37.0815019),
        (5, 2.0, 10.88111354),
        (5, 3.0, 7.50167209),
        (5, 5.0, 5.673124435),
        (5, 10.0, 4.654292998),
        (5, 20.0, 4.231856749),
        (5, 60.0, 3.977418222),
        (5, 120.0, 3.916937691),
        (5, 1000.0, 3.864706933),
        (5, f64::INFINITY, 3.85765551),
        (10, 1.0, 49.07102242),
        (10, 2.0, 13.98849114),
        (10, 3.0, 9.46201035),
        (10, 5.0, 6.994697768),
        (10, 10.0, 5.598386466),
        (10, 20.0, 5.007882668),
        (10, 60.0, 4.646323963),
        (10, 120.0, 4.559537994),
        (10, 1000.0, 4.484302265),
        (10, f64::INFINITY, 4.474124222),
        (16, 1.0, 56.32024301),
        (16, 2.0, 15.9053592),
        (16, 3.0, 10.68559389),
        (16, 5.0, 7.828002043),
        (16, 10.0, 6.194124884),
        (16, 20.0, 5.492259192),
        (16, 60.0, 5.055715705),
        (16, 120.0, 4.949835204),
        (16, 1000.0, 4.857653305),
        (16, f64::INFINITY, 4.845154184),
        (24, 1.0, 62.11586699),
        (24, 2.0, 17.45387733),
        (24, 3.0, 11.68113081),
        (24, 5.0, 8.511531933),
        (24, 10.0, 6.685562001),
        (24, 20.0, 5.890926968),
        (24, 60.0, 5.389170688),
        (24, 120.0, 5.266122441),
        (24, 1000.0, 5.15848376),
        (24, f64::INFINITY, 5.143851577),
        (50, 2.0, 20.04645641),
        (50, 3.0, 13.35932366),
        (50, 5.0, 9.673997537),
        (50, 10.0, 7.528857948),
        (50, 20.0, 6.576219508),
        (50, 60.0, 5.957572449),
        (50, 120.0, 5.802224325),
        (50, 1000.0, 5.664816984),
        (50, f64::INFINITY, 5.646026026),
    ];

    #[test]
    fn studentized_range_quantiles_match_scipy() {
        for (k, df, expected) in SCIPY_Q95 {
            let q = studentized_range_quantile(0.95, k, df);
            let error = (q / expected - 1.0).abs();
            assert!(error < 1e-7, "k {k} df {df}: {q} vs scipy {expected}");
            assert!((studentized_range_cdf(q, k, df) - 0.95).abs() < 1e-9);
        }
    }

    /// (k, df, p, q) with q = `scipy.stats.studentized_range.ppf(p, k, df)`
    /// (scipy 1.17.1): few degrees of freedom, where the integral over s
    /// spans the widest range, and probabilities from the median to 0.999.
    const SCIPY_QUANTILES: [(usize, f64, f64, f64); 128] = [
        (2, 1.0, 0.5, 1.4142135623730947),
        (2, 1.0, 0.9, 8.92899302150712),
        (2, 1.0, 0.99, 90.02422668900542),
        (2, 1.0, 0.999, 900.3155756762038),
        (3, 1.0, 0.5, 2.337541788960735),
        (3, 1.0, 0.9, 13.436699321183141),
        (3, 1.0, 0.99, 135.0406595185336),
        (3, 1.0, 0.999, 1350.4737954615027),
        (10, 1.0, 0.5, 4.4913256482770825),
        (10, 1.0, 0.9, 24.47705884607489),
        (10, 1.0, 0.99, 245.5416426699957),
        (10, 1.0, 0.999, 2455.49331700442),
        (50, 1.0, 0.5, 6.636650895969072),
        (50, 1.0, 0.9, 35.78972538599496),
        (50, 1.0, 0.99, 358.89022363551754),
        (50, 1.0, 0.999, 3589.001249890188),
        (2, 2.0, 0.5, 1.154700538379252),
        (2, 2.0, 0.9, 4.129483209670109),
        (2, 2.0, 0.99, 14.03584785916495),
        (2, 2.0, 0.999, 44.68781154017174),
        (3, 2.0, 0.5, 1.908178518404062),
        (3, 2.0, 0.9, 5.732648952563369),
        (3, 2.0, 0.99, 19.018935987312496),
        (3, 2.0, 0.999, 60.41777661374321),
        (10, 2.0, 0.5, 3.645068075348884),
        (10, 2.0, 0.9, 9.724926335190698),
        (10, 2.0, 0.99, 31.689352369386093),
        (10, 2.0, 0.999, 100.4983506698718),
        (50, 2.0, 0.5, 5.379121521189627),
        (50, 2.0, 0.9, 13.970804379981661),
        (50, 2.0, 0.99, 45.32790778799285),
        (50, 2.0, 0.999, 143.69200144324094),
        (2, 3.0, 0.5, 1.0817211045845596),
        (2, 3.0, 0.9, 3.32815848668967),
        (2, 3.0, 0.99, 8.260293162416069),
        (2, 3.0, 0.999, 18.27726586782159),
        (3, 3.0, 0.5, 1.7909124164188548),
        (3, 3.0, 0.9, 4.467363530649987),
        (3, 3.0, 0.99, 10.61853991287488),
        (3, 3.0, 0.999, 23.31324084742785),
        (10, 3.0, 0.5, 3.417843805870722),
        (10, 3.0, 0.9, 7.286705239111077),
        (10, 3.0, 0.99, 16.690809117589588),
        (10, 3.0, 0.999, 36.39205759301509),
        (50, 3.0, 0.5, 5.042703883819073),
        (50, 3.0, 0.9, 10.340001895924441),
        (50, 3.0, 0.99, 23.44509807359716),
        (50, 3.0, 0.999, 51.01899735455784),
        (2, 5.0, 0.5, 1.027690390100656),
        (2, 5.0, 0.9, 2.8497087384054045),
        (2, 5.0, 0.99, 5.7023112927712685),
        (2, 5.0, 0.999, 9.713987771909649),
        (3, 5.0, 0.5, 1.7049510224674225),
        (3, 5.0, 0.9, 3.717111449623844),
        (3, 5.0, 0.99, 6.975736631249339),
        (3, 5.0, 0.999, 11.671982934044678),
        (10, 5.0, 0.5, 3.2526425735314586),
        (10, 5.0, 0.9, 5.815903080976361),
        (10, 5.0, 0.99, 10.239256028510361),
        (10, 5.0, 0.999, 16.8035044718559),
        (50, 5.0, 0.5, 4.79893448299435),
        (50, 5.0, 0.9, 8.118174065917195),
        (50, 5.0, 0.99, 13.997231445528124),
        (50, 5.0, 0.999, 22.816085922577575),
        (2, 10.0, 0.5, 0.9896837082207425),
        (2, 10.0, 0.9, 2.563207101154224),
        (2, 10.0, 0.99, 4.482028396473151),
        (2, 10.0, 0.999, 6.4868475041413705),
        (3, 10.0, 0.5, 1.6446888587137876),
        (3, 10.0, 0.9, 3.270308407950077),
        (3, 10.0, 0.99, 5.2701615370687165),
        (3, 10.0, 0.999, 7.41058083802341),
        (10, 10.0, 0.5, 3.136809726863247),
        (10, 10.0, 0.9, 4.913210851709467),
        (10, 10.0, 0.99, 7.213349202850773),
        (10, 10.0, 0.999, 9.769132929825464),
        (50, 10.0, 0.5, 4.628237847756283),
        (50, 10.0, 0.9, 6.709357493314635),
        (50, 10.0, 0.99, 9.485314023459827),
        (50, 10.0, 0.999, 12.627264508903007),
        (2, 80.0, 0.5, 0.9582270520130705),
        (2, 80.0, 0.9, 2.3534275485199365),
        (2, 80.0, 0.99, 3.7316720282564395),
        (2, 80.0, 0.999, 4.831430767422616),
        (3, 80.0, 0.5, 1.5947238240196853),
        (3, 80.0, 0.9, 2.944592115290052),
        (3, 80.0, 0.99, 4.240738869725705),
        (3, 80.0, 0.999, 5.286973410262186),
        (10, 80.0, 0.5, 3.0384242182662136),
        (10, 80.0, 0.9, 4.222609386593362),
        (10, 80.0, 0.99, 5.372306595368088),
        (10, 80.0, 0.999, 6.326758164950543),
        (50, 80.0, 0.5, 4.47672683862059),
        (50, 80.0, 0.9, 5.534776017600858),
        (50, 80.0, 0.99, 6.587638734785401),
        (50, 80.0, 0.999, 7.4807467462761545),
        (2, 81.0, 0.5, 0.9581730789551018),
        (2, 81.0, 0.9, 2.3530871958692887),
        (2, 81.0, 0.99, 3.7305498739356455),
        (2, 81.0, 0.999, 4.829160112491852),
        (3, 81.0, 0.5, 1.5946378916667336),
        (3, 81.0, 0.9, 2.944064793557293),
        (3, 81.0, 0.99, 4.239216166923086),
        (3, 81.0, 0.999, 5.284113104332014),
        (10, 81.0, 0.5, 3.0382494541731213),
        (10, 81.0, 0.9, 4.221451357524967),
        (10, 81.0, 0.99, 5.369577850126936),
        (10, 81.0, 0.999, 6.322213562438053),
        (50, 81.0, 0.5, 4.476423136404951),
        (50, 81.0, 0.9, 5.5326134654640775),
        (50, 81.0, 0.99, 6.583121663471501),
        (50, 81.0, 0.999, 7.473792273539758),
        (2, 82.0, 0.5, 0.9581204274598906),
        (2, 82.0, 0.9, 2.3527552390849364),
        (2, 82.0, 0.99, 3.729455692669064),
        (2, 82.0, 0.999, 4.826946668509286),
        (3, 82.0, 0.5, 1.594554062515525),
        (3, 82.0, 0.9, 2.943550483665601),
        (3, 82.0, 0.99, 4.237731481253425),
        (3, 82.0, 0.999, 5.28132505128194),
        (10, 82.0, 0.5, 3.03807893572786),
        (10, 82.0, 0.9, 4.22032173823854),
        (10, 82.0, 0.99, 5.366917266025638),
        (10, 82.0, 0.999, 6.317784244758125),
        (50, 82.0, 0.5, 4.476126469341144),
        (50, 82.0, 0.9, 5.530502881674704),
        (50, 82.0, 0.99, 6.578716649731996),
        (50, 82.0, 0.999, 7.467014215645538),
    ];

    #[test]
    fn studentized_range_cdf_matches_scipy_from_the_median_to_the_far_tail() {
        for (k, df, p, q) in SCIPY_QUANTILES {
            let error = (studentized_range_cdf(q, k, df) - p).abs();
            assert!(error < 1e-9, "k {k} df {df} p {p}: off by {error:e}");
        }
    }

    /// Outside its domain each function is NaN, each condition on its own.
    #[test]
    fn studentized_range_is_nan_outside_its_domain() {
        let (q, k, df) = (3.0, 3, 10.0);
        assert!(studentized_range_cdf(q, k, df) > 0.0);
        for (q, k, df) in [
            (q, 1, df),
            (q, 0, df),
            (q, k, f64::NAN),
            (q, k, 0.0),
            (q, k, -1.0),
            (f64::NAN, k, df),
        ] {
            let c = studentized_range_cdf(q, k, df);
            assert!(c.is_nan(), "cdf({q}, {k}, {df}) = {c}");
        }
        assert_eq!(studentized_range_cdf(-1.0, k, df), 0.0);
        assert_eq!(studentized_range_cdf(f64::INFINITY, k, df), 1.0);

        assert!(studentized_range_quantile(0.95, k, df) > 0.0);
        for (p, k, df) in [
            (0.0, k, df),
            (1.0, k, df),
            (1.0, 2, 1.0),
            (1.0, k, f64::INFINITY),
            (-0.1, k, df),
            (1.5, k, df),
            (f64::NAN, k, df),
            (0.95, 1, df),
            (0.95, 0, df),
            (0.95, k, f64::NAN),
            (0.95, k, 0.0),
            (0.95, k, -1.0),
        ] {
            let x = studentized_range_quantile(p, k, df);
            assert!(x.is_nan(), "quantile({p}, {k}, {df}) = {x}");
        }
        // A quantile beyond 10⁶: for k = 2 and df = 1 it is √2 × t₁ at
        // 1 − 5e-13, about 9e11.
        assert!(studentized_range_quantile(1.0 - 1e-12, 2, 1.0).is_nan());
    }

    /// Above 10⁷ degrees of freedom the cdf is the normal range's, as for
    /// infinitely many; at 10⁷ it still integrates over s.
    #[test]
    fn studentized_range_switches_to_the_normal_range_above_ten_million_df() {
        let (q, k) = (3.3, 3);
        let limit = studentized_range_cdf(q, k, f64::INFINITY);
        assert_eq!(studentized_range_cdf(q, k, 1.000_001e7), limit);
        let at = studentized_range_cdf(q, k, 1e7);
        assert_ne!(at, limit);
        assert!((at - limit).abs() < 1e-6, "{at} {limit}");
    }

    /// Φ(z) − Φ(z − w) far in either tail, where the difference of two
    /// values near 1 would be 0: against scipy's `norm.sf` differences.
    #[test]
    fn normal_mass_keeps_its_precision_in_both_tails() {
        for (z, w, expected) in [
            (9.0, 0.5, 9.366675981607867e-18),
            (9.0, 0.01, 1.0756375712229201e-20),
            (-8.5, 0.5, 9.366675981607867e-18),
            (-8.5, 20.0, 9.47953482220325e-18),
        ] {
            let mass = normal_mass(z, w);
            assert!((mass / expected - 1.0).abs() < 1e-9, "({z}, {w}): {mass:e}");
        }
    }

    #[test]
    fn studentized_range_of_two_means_is_a_scaled_t() {
        // Q of two means is |t| × √2, so q/√2 is t₀.₉₇₅ (and z₀.₉₇₅ for df ∞).
        for df in [1.0, 2.0, 3.0, 7.0, 30.0, 200.0, 5000.0] {
            let q = studentized_range_quantile(0.95, 2, df);
            assert!((q / 2f64.sqrt() / t_975(df) - 1.0).abs() < 1e-8, "{df}");
        }
        let z = studentized_range_quantile(0.95, 2, f64::INFINITY) / 2f64.sqrt();
        assert!((z - 1.959963984540054).abs() < 1e-8, "{z}");
        assert!(studentized_range_quantile(0.95, 1, 10.0).is_nan());
        assert!(studentized_range_quantile(1.0, 3, 10.0).is_nan());
        assert_eq!(studentized_range_cdf(0.0, 3, 10.0), 0.0);
        // Very many degrees of freedom: as for infinitely many.
        let (big, limit) = (
            studentized_range_quantile(0.95, 10, 1e6),
            studentized_range_quantile(0.95, 10, f64::INFINITY),
        );
        assert!(big > limit && big / limit - 1.0 < 1e-5, "{big} {limit}");
    }

    #[test]
    fn summary_of_a_small_sample() {
        let s = summarize(&[1.0, 2.0, 3.0]);
        assert_eq!(s.mean, 2.0);
        assert!((s.sd.unwrap() - 1.0).abs() < 1e-12);
        let half = 4.303 / 3f64.sqrt();
        assert!((s.ci_high.unwrap() - (2.0 + half)).abs() < 1e-3);
        assert_eq!(summarize(&[5.0]).sd, None);
    }

    /// Two values are enough for an sd and an interval (t with 1 df).
    #[test]
    fn summary_of_two_values_has_an_interval() {
        let s = summarize(&[1.0, 3.0]);
        assert_eq!((s.n, s.mean), (2, 2.0));
        assert!((s.sd.unwrap() - 2f64.sqrt()).abs() < 1e-12);
        let half = t_975(1.0); // × sd / √n = √2 / √2
        assert!((s.ci_low.unwrap() - (2.0 - half)).abs() < 1e-12);
        assert!((s.ci_high.unwrap() - (2.0 + half)).abs() < 1e-12);
        let one = summarize(&[5.0]);
        assert_eq!(
            (one.n, one.mean, one.ci_low, one.ci_high),
            (1, 5.0, None, None)
        );
        let none = summarize(&[]);
        assert!(none.n == 0 && none.mean.is_nan() && none.sd.is_none());
    }
}
