//! Summary statistics across replicates: mean, standard deviation and a
//! Student-t 95 % confidence interval of the mean.

use statrs::distribution::{ContinuousCDF, StudentsT};

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

    #[test]
    fn summary_of_a_small_sample() {
        let s = summarize(&[1.0, 2.0, 3.0]);
        assert_eq!(s.mean, 2.0);
        assert!((s.sd.unwrap() - 1.0).abs() < 1e-12);
        let half = 4.303 / 3f64.sqrt();
        assert!((s.ci_high.unwrap() - (2.0 + half)).abs() < 1e-3);
        assert_eq!(summarize(&[5.0]).sd, None);
    }
}
