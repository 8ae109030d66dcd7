//! The statistics behind verdicts: effects with Student-t intervals and
//! two-sided p-values (one sample, paired, Welch), missing values dropped
//! and never read as 0, and the Holm–Bonferroni adjustment over a family
//! of tests. Pure functions of their inputs.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// An estimated effect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub effect: f64,
    /// Standard error of the effect.
    pub se: f64,
    /// Degrees of freedom of the t distribution.
    pub df: f64,
    /// Observations behind it (pairs, values, or the smaller arm).
    pub n: usize,
}

impl Estimate {
    /// The two-sided interval at `confidence` (e.g. 0.95).
    pub fn interval(&self, confidence: f64) -> (f64, f64) {
        if self.se == 0.0 {
            return (self.effect, self.effect);
        }
        let t = StudentsT::new(0.0, 1.0, self.df)
            .expect("df > 0")
            .inverse_cdf(0.5 + confidence / 2.0);
        (self.effect - t * self.se, self.effect + t * self.se)
    }

    /// The two-sided p-value of "the effect is 0".
    pub fn p_value(&self) -> f64 {
        if self.se == 0.0 {
            return if self.effect == 0.0 { 1.0 } else { 0.0 };
        }
        let t = StudentsT::new(0.0, 1.0, self.df).expect("df > 0");
        2.0 * t.cdf(-(self.effect / self.se).abs())
    }
}

/// The finite values of a sample (NaN and infinities are missing).
fn present(x: &[f64]) -> Vec<f64> {
    x.iter().copied().filter(|v| v.is_finite()).collect()
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|y| (y - m) * (y - m)).sum::<f64>() / (n - 1.0);
    (m, v)
}

/// The mean of a sample; `None` with fewer than two values.
pub fn one_sample(x: &[f64]) -> Option<Estimate> {
    let x = present(x);
    if x.len() < 2 {
        return None;
    }
    let (m, v) = mean_var(&x);
    Some(Estimate {
        effect: m,
        se: (v / x.len() as f64).sqrt(),
        df: x.len() as f64 - 1.0,
        n: x.len(),
    })
}

/// The mean of a − b over the pairs where both are present.
pub fn paired(a: &[f64], b: &[f64]) -> Option<Estimate> {
    let d: Vec<f64> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| x - y)
        .collect();
    one_sample(&d)
}

/// mean(a) − mean(b) for independent samples (Welch–Satterthwaite).
pub fn welch(a: &[f64], b: &[f64]) -> Option<Estimate> {
    let (a, b) = (present(a), present(b));
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let ((ma, va), (mb, vb)) = (mean_var(&a), mean_var(&b));
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (sa, sb) = (va / na, vb / nb);
    let se2 = sa + sb;
    let df = if se2 == 0.0 {
        na + nb - 2.0
    } else {
        se2 * se2 / (sa * sa / (na - 1.0) + sb * sb / (nb - 1.0))
    };
    Some(Estimate {
        effect: ma - mb,
        se: se2.sqrt(),
        df,
        n: a.len().min(b.len()),
    })
}

/// Holm–Bonferroni adjusted p-values over the tests that have one (a
/// missing p-value, a test without data, is not counted): sort the m
/// p-values, multiply the k-th smallest by m − k + 1, keep the sequence
/// non-decreasing, cap at 1.
pub fn holm(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_some()).collect();
    order.sort_by(|&i, &j| p[i].unwrap().total_cmp(&p[j].unwrap()));
    let m = order.len();
    let mut out = vec![None; p.len()];
    let mut running = 0.0f64;
    for (k, &i) in order.iter().enumerate() {
        let adjusted = (p[i].unwrap() * (m - k) as f64).min(1.0);
        running = running.max(adjusted);
        out[i] = Some(running);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_matches_hand_computed_values() {
        // p = 0.01, 0.04, 0.03, 0.005 → sorted 0.005, 0.01, 0.03, 0.04;
        // ×4, ×3, ×2, ×1 = 0.02, 0.03, 0.06, 0.04 → monotone 0.02, 0.03, 0.06, 0.06.
        let adj = holm(&[Some(0.01), Some(0.04), Some(0.03), Some(0.005)]);
        let want = [0.03, 0.06, 0.06, 0.02];
        for (a, w) in adj.iter().zip(want) {
            assert!((a.unwrap() - w).abs() < 1e-12, "{adj:?}");
        }
        // A test without data is left out of the family and stays without.
        let adj = holm(&[Some(0.02), None, Some(0.5)]);
        assert_eq!(adj[1], None);
        assert!((adj[0].unwrap() - 0.04).abs() < 1e-12);
        assert!((adj[2].unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(holm(&[Some(0.9), Some(0.8)]), vec![Some(1.0), Some(1.0)]);
    }

    #[test]
    fn missing_values_are_dropped_and_too_few_give_none() {
        assert!(one_sample(&[1.0, f64::NAN]).is_none());
        let e = one_sample(&[1.0, 2.0, f64::NAN, 3.0]).unwrap();
        assert_eq!(e.n, 3);
        assert!((e.effect - 2.0).abs() < 1e-12);
        // Pairs with a missing side are dropped, not read as 0.
        let e = paired(&[5.0, 6.0, f64::NAN, 7.0], &[1.0, 2.0, 3.0, f64::NAN]).unwrap();
        assert_eq!(e.n, 2);
        assert!((e.effect - 4.0).abs() < 1e-12);
        assert!(welch(&[1.0], &[1.0, 2.0]).is_none());
    }

    #[test]
    fn intervals_and_p_values_are_students() {
        // x = 1..5: mean 3, sd √2.5, se √0.5; t(4, 0.975) = 2.776445.
        let e = one_sample(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        let (lo, hi) = e.interval(0.95);
        let half = 2.776445105 * 0.5f64.sqrt();
        assert!((lo - (3.0 - half)).abs() < 1e-6 && (hi - (3.0 + half)).abs() < 1e-6);
        // t = 3/√0.5 = 4.2426 on 4 df: two-sided p = 0.01324.
        assert!((e.p_value() - 0.013236).abs() < 1e-5, "{}", e.p_value());
        // Welch on two samples (R: t.test(c(1,2,3,4), c(2,4,6,8,10))):
        // t = -2.2514, df = 5.5208.
        let w = welch(&[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 6.0, 8.0, 10.0]).unwrap();
        assert!((w.effect + 3.5).abs() < 1e-12);
        assert!((w.effect / w.se + 2.251436).abs() < 1e-5);
        assert!((w.df - 5.520788).abs() < 1e-5, "df {}", w.df);
    }
}
