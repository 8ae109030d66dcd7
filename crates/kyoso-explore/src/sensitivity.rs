//! Sensitivity estimators, each checked on analytic functions and against
//! SALib on the same sample (tests/salib.rs and scripts/salib_check.py).
//!
//! - Morris elementary effects: μ, μ*, σ (Morris 1991; Campolongo et al.
//!   2007), μ* with a bootstrap interval.
//! - Sobol' indices from a Saltelli design: S1 by Saltelli et al. (2010),
//!   ST by Jansen (1999), S2 by Saltelli (2002), as SALib computes them
//!   (outputs standardised first), each with a bootstrap interval.
//! - For any design: standardised regression coefficients (SRC) and
//!   partial rank correlation coefficients (PRCC), with bootstrap intervals.

use rand::RngExt;

use crate::design::morris_delta;
use crate::stats::{correlation, least_squares, mean, ranks, var, z};
use crate::{ExploreError, err, rng};

/// One index of one parameter, with its interval (estimate ± z·bootstrap sd).
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// The parameter (its position in the space), or a pair for S2.
    pub parameter: usize,
    pub other: Option<usize>,
    /// `mu`, `mu_star`, `sigma`, `S1`, `ST`, `S2`, `SRC`, `PRCC`.
    pub index: &'static str,
    pub estimate: f64,
    /// `None` where the method gives no interval (μ, σ).
    pub ci: Option<(f64, f64)>,
}

/// How intervals are computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    pub resamples: usize,
    /// e.g. 0.95.
    pub confidence: f64,
    pub seed: u64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap {
            resamples: 1000,
            confidence: 0.95,
            seed: 1,
        }
    }
}

fn check_outputs(y: &[f64], rows: usize) -> Result<(), ExploreError> {
    if y.len() != rows {
        return Err(err(
            "outputs",
            format!("{} outputs for {rows} design rows", y.len()),
        ));
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(err(
            "outputs",
            format!("row {i} has no finite value; every row of the design needs one"),
        ));
    }
    Ok(())
}

fn resample(r: &mut rand_chacha::ChaCha8Rng, n: usize) -> Vec<usize> {
    (0..n).map(|_| r.random_range(0..n)).collect()
}

/// The sample standard deviation; NaN for fewer than two values.
fn sd(values: &[f64]) -> f64 {
    if values.len() < 2 {
        f64::NAN
    } else {
        var(values, 1).sqrt()
    }
}

/// The interval estimate ± half; none without a bootstrap (fewer than
/// two resamples), not a zero-width interval.
fn band(estimate: f64, half: f64) -> Option<(f64, f64)> {
    (!half.is_nan()).then_some((estimate - half, estimate + half))
}

/// Morris indices from trajectories of d + 1 rows (unit coordinates, as
/// [`crate::design::Method::Morris`] makes them). Each elementary effect is
/// (y at the higher value − y at the lower) / Δ, Δ in unit coordinates.
pub fn morris(
    rows: &[Vec<f64>],
    y: &[f64],
    levels: usize,
    boot: Bootstrap,
) -> Result<Vec<Index>, ExploreError> {
    let dims = rows.first().map_or(0, Vec::len);
    check_outputs(y, rows.len())?;
    if dims == 0 || !rows.len().is_multiple_of(dims + 1) {
        return Err(err(
            "morris",
            format!(
                "{} rows are not whole trajectories of {} points",
                rows.len(),
                dims + 1
            ),
        ));
    }
    let delta = morris_delta(levels);
    let trajectories = rows.len() / (dims + 1);
    if trajectories < 2 {
        return Err(err("morris", "at least 2 trajectories are needed"));
    }
    let mut ee = vec![vec![0.0; dims]; trajectories];
    for t in 0..trajectories {
        let base = t * (dims + 1);
        let mut seen = vec![false; dims];
        for k in 0..dims {
            let (a, b) = (&rows[base + k], &rows[base + k + 1]);
            let changed: Vec<usize> = (0..dims).filter(|&i| a[i] != b[i]).collect();
            if changed.len() != 1 || seen[changed[0]] {
                return Err(err(
                    "morris",
                    format!(
                        "rows {} and {} are not one step of a Morris trajectory",
                        base + k,
                        base + k + 1
                    ),
                ));
            }
            let i = changed[0];
            seen[i] = true;
            let (hi, lo) = if b[i] > a[i] {
                (y[base + k + 1], y[base + k])
            } else {
                (y[base + k], y[base + k + 1])
            };
            ee[t][i] = (hi - lo) / delta;
        }
    }
    let zq = z(boot.confidence);
    let mut r = rng(boot.seed, 10);
    let mut out = Vec::new();
    for i in 0..dims {
        let e: Vec<f64> = ee.iter().map(|row| row[i]).collect();
        let abs: Vec<f64> = e.iter().map(|x| x.abs()).collect();
        let mu_star = mean(&abs);
        let boots: Vec<f64> = (0..boot.resamples)
            .map(|_| {
                let s = resample(&mut r, trajectories);
                s.iter().map(|&k| abs[k]).sum::<f64>() / trajectories as f64
            })
            .collect();
        let half = zq * sd(&boots);
        out.push(Index {
            parameter: i,
            other: None,
            index: "mu",
            estimate: mean(&e),
            ci: None,
        });
        out.push(Index {
            parameter: i,
            other: None,
            index: "mu_star",
            estimate: mu_star,
            ci: band(mu_star, half),
        });
        out.push(Index {
            parameter: i,
            other: None,
            index: "sigma",
            estimate: sd(&e),
            ci: None,
        });
    }
    Ok(out)
}

/// The blocks of a Saltelli design's outputs.
struct Blocks {
    a: Vec<f64>,
    b: Vec<f64>,
    ab: Vec<Vec<f64>>,
    ba: Vec<Vec<f64>>,
}

fn first_order(a: &[f64], ab: &[f64], b: &[f64], v: f64) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    a.iter()
        .zip(ab)
        .zip(b)
        .map(|((a, ab), b)| b * (ab - a))
        .sum::<f64>()
        / a.len() as f64
        / v
}

fn total_order(a: &[f64], ab: &[f64], v: f64) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    0.5 * a
        .iter()
        .zip(ab)
        .map(|(a, ab)| (a - ab) * (a - ab))
        .sum::<f64>()
        / a.len() as f64
        / v
}

fn variance_ab(a: &[f64], b: &[f64]) -> f64 {
    let both: Vec<f64> = a.iter().chain(b).copied().collect();
    var(&both, 0)
}

/// Sobol' indices from the outputs of a Saltelli design of `dims`
/// parameters (rows in [`crate::design::Method::Saltelli`]'s order).
pub fn sobol(
    y: &[f64],
    dims: usize,
    second_order: bool,
    boot: Bootstrap,
) -> Result<Vec<Index>, ExploreError> {
    let step = if second_order { 2 * dims + 2 } else { dims + 2 };
    if dims == 0 || !y.len().is_multiple_of(step) || y.len() / step < 2 {
        return Err(err(
            "sobol",
            format!(
                "{} outputs are not a Saltelli design of {dims} parameters ({step} rows per base point{})",
                y.len(),
                if second_order {
                    ", with second order"
                } else {
                    ""
                }
            ),
        ));
    }
    check_outputs(y, y.len())?;
    // Standardised, as SALib does.
    let (m, s) = (mean(y), var(y, 0).sqrt());
    let y: Vec<f64> = y
        .iter()
        .map(|v| if s > 0.0 { (v - m) / s } else { 0.0 })
        .collect();
    let n = y.len() / step;
    let mut blocks = Blocks {
        a: Vec::with_capacity(n),
        b: Vec::with_capacity(n),
        ab: vec![Vec::with_capacity(n); dims],
        ba: vec![Vec::with_capacity(n); dims],
    };
    for j in 0..n {
        let row = &y[j * step..(j + 1) * step];
        blocks.a.push(row[0]);
        for i in 0..dims {
            blocks.ab[i].push(row[1 + i]);
            if second_order {
                blocks.ba[i].push(row[1 + dims + i]);
            }
        }
        blocks.b.push(row[step - 1]);
    }
    let estimate = |bl: &Blocks, pick: &dyn Fn(&[f64]) -> Vec<f64>| -> Vec<f64> {
        let a = pick(&bl.a);
        let b = pick(&bl.b);
        let v = variance_ab(&a, &b);
        let ab: Vec<Vec<f64>> = bl.ab.iter().map(|c| pick(c)).collect();
        let s1: Vec<f64> = ab.iter().map(|c| first_order(&a, c, &b, v)).collect();
        let mut out: Vec<f64> = s1.clone();
        out.extend(ab.iter().map(|c| total_order(&a, c, v)));
        if second_order {
            let ba: Vec<Vec<f64>> = bl.ba.iter().map(|c| pick(c)).collect();
            for j in 0..dims {
                for k in j + 1..dims {
                    let vjk = if v == 0.0 {
                        0.0
                    } else {
                        (0..a.len())
                            .map(|r| ba[j][r] * ab[k][r] - a[r] * b[r])
                            .sum::<f64>()
                            / a.len() as f64
                            / v
                    };
                    out.push(vjk - s1[j] - s1[k]);
                }
            }
        }
        out
    };
    let point = estimate(&blocks, &|c: &[f64]| c.to_vec());
    let mut r = rng(boot.seed, 11);
    let samples: Vec<Vec<f64>> = (0..boot.resamples)
        .map(|_| {
            let s = resample(&mut r, n);
            estimate(&blocks, &|c: &[f64]| s.iter().map(|&k| c[k]).collect())
        })
        .collect();
    let zq = z(boot.confidence);
    let interval = |k: usize| {
        let vals: Vec<f64> = samples.iter().map(|s| s[k]).collect();
        let half = zq * sd(&vals);
        band(point[k], half)
    };
    let mut out = Vec::new();
    for i in 0..dims {
        out.push(Index {
            parameter: i,
            other: None,
            index: "S1",
            estimate: point[i],
            ci: interval(i),
        });
        out.push(Index {
            parameter: i,
            other: None,
            index: "ST",
            estimate: point[dims + i],
            ci: interval(dims + i),
        });
    }
    if second_order {
        let mut k = 2 * dims;
        for j in 0..dims {
            for l in j + 1..dims {
                out.push(Index {
                    parameter: j,
                    other: Some(l),
                    index: "S2",
                    estimate: point[k],
                    ci: interval(k),
                });
                k += 1;
            }
        }
    }
    Ok(out)
}

fn standardise(x: &[f64]) -> Vec<f64> {
    let (m, s) = (mean(x), var(x, 1).sqrt());
    x.iter()
        .map(|v| if s > 0.0 { (v - m) / s } else { 0.0 })
        .collect()
}

/// SRC of every column: the coefficients of the linear regression of the
/// standardised output on the standardised inputs.
fn src(columns: &[Vec<f64>], y: &[f64]) -> Option<Vec<f64>> {
    let xs: Vec<Vec<f64>> = columns.iter().map(|c| standardise(c)).collect();
    let ys = standardise(y);
    let rows: Vec<Vec<f64>> = (0..y.len())
        .map(|r| {
            std::iter::once(1.0)
                .chain(xs.iter().map(|c| c[r]))
                .collect()
        })
        .collect();
    least_squares(&rows, &ys).map(|b| b[1..].to_vec())
}

/// PRCC of every column: the correlation of the ranks of input i and of
/// the output, each after regressing out the ranks of the other inputs.
fn prcc(columns: &[Vec<f64>], y: &[f64]) -> Option<Vec<f64>> {
    let rx: Vec<Vec<f64>> = columns.iter().map(|c| ranks(c)).collect();
    let ry = ranks(y);
    let n = y.len();
    let mut out = Vec::new();
    for i in 0..rx.len() {
        let rows: Vec<Vec<f64>> = (0..n)
            .map(|r| {
                std::iter::once(1.0)
                    .chain(
                        rx.iter()
                            .enumerate()
                            .filter(|(k, _)| *k != i)
                            .map(|(_, c)| c[r]),
                    )
                    .collect()
            })
            .collect();
        let residual = |target: &[f64]| -> Option<Vec<f64>> {
            let b = least_squares(&rows, target)?;
            Some(
                rows.iter()
                    .zip(target)
                    .map(|(row, t)| t - row.iter().zip(&b).map(|(x, c)| x * c).sum::<f64>())
                    .collect(),
            )
        };
        out.push(correlation(&residual(&rx[i])?, &residual(&ry)?));
    }
    Some(out)
}

/// SRC and PRCC for any design (rows of parameter values, numeric).
pub fn regression(
    rows: &[Vec<f64>],
    y: &[f64],
    boot: Bootstrap,
) -> Result<Vec<Index>, ExploreError> {
    check_outputs(y, rows.len())?;
    let dims = rows.first().map_or(0, Vec::len);
    if rows.len() < dims + 3 {
        return Err(err(
            "regression",
            format!(
                "{} rows for {dims} parameters; at least {} are needed",
                rows.len(),
                dims + 3
            ),
        ));
    }
    let columns = |idx: &[usize]| -> Vec<Vec<f64>> {
        (0..dims)
            .map(|d| idx.iter().map(|&r| rows[r][d]).collect())
            .collect()
    };
    let all: Vec<usize> = (0..rows.len()).collect();
    let singular = || {
        err(
            "regression",
            "the design's columns are collinear or constant",
        )
    };
    let s = src(&columns(&all), y).ok_or_else(singular)?;
    let p = prcc(&columns(&all), y).ok_or_else(singular)?;
    let mut r = rng(boot.seed, 12);
    let mut boot_s = vec![Vec::new(); dims];
    let mut boot_p = vec![Vec::new(); dims];
    for _ in 0..boot.resamples {
        let idx = resample(&mut r, rows.len());
        let yy: Vec<f64> = idx.iter().map(|&k| y[k]).collect();
        if let (Some(bs), Some(bp)) = (src(&columns(&idx), &yy), prcc(&columns(&idx), &yy)) {
            for d in 0..dims {
                boot_s[d].push(bs[d]);
                boot_p[d].push(bp[d]);
            }
        }
    }
    let zq = z(boot.confidence);
    let mut out = Vec::new();
    for d in 0..dims {
        for (name, est, b) in [("SRC", s[d], &boot_s[d]), ("PRCC", p[d], &boot_p[d])] {
            let half = zq * sd(b);
            out.push(Index {
                parameter: d,
                other: None,
                index: name,
                estimate: est,
                ci: band(est, half),
            });
        }
    }
    Ok(out)
}

/// Spearman's rank correlation (SRCC) of the output with each parameter,
/// one at a time, for any design, even one with fewer rows than
/// parameters (where SRC and PRCC cannot be computed). It measures a
/// monotone association and ignores the other parameters, which a design
/// of independent columns (a Latin hypercube) makes fair.
pub fn rank_correlation(
    rows: &[Vec<f64>],
    y: &[f64],
    boot: Bootstrap,
) -> Result<Vec<Index>, ExploreError> {
    check_outputs(y, rows.len())?;
    let dims = rows.first().map_or(0, Vec::len);
    if rows.len() < 4 {
        return Err(err(
            "correlation",
            format!("{} rows; at least 4 are needed", rows.len()),
        ));
    }
    let srcc = |idx: &[usize], d: usize| {
        let x: Vec<f64> = idx.iter().map(|&r| rows[r][d]).collect();
        let yy: Vec<f64> = idx.iter().map(|&r| y[r]).collect();
        correlation(&ranks(&x), &ranks(&yy))
    };
    let all: Vec<usize> = (0..rows.len()).collect();
    let mut r = rng(boot.seed, 13);
    let samples: Vec<Vec<usize>> = (0..boot.resamples)
        .map(|_| resample(&mut r, rows.len()))
        .collect();
    let zq = z(boot.confidence);
    let mut out = Vec::new();
    for d in 0..dims {
        let est = srcc(&all, d);
        let b: Vec<f64> = samples
            .iter()
            .map(|idx| srcc(idx, d))
            .filter(|v| v.is_finite())
            .collect();
        out.push(Index {
            parameter: d,
            other: None,
            index: "SRCC",
            // A constant column has no rank correlation.
            estimate: if est.is_finite() { est } else { 0.0 },
            ci: band(est, zq * sd(&b)),
        });
    }
    Ok(out)
}

/// How much of an output's variance is replication noise: the mean of the
/// within-point variances over the variance of all runs (a one-way
/// decomposition; 0 for a deterministic model, near 1 when the parameters
/// explain nothing). `groups` holds each point's replications.
pub fn noise_share(groups: &[Vec<f64>]) -> Option<f64> {
    let all: Vec<f64> = groups.iter().flatten().copied().collect();
    if all.len() < 2 || groups.iter().any(|g| g.len() < 2) {
        return None;
    }
    let total = var(&all, 1);
    if total == 0.0 {
        return Some(0.0);
    }
    let within = groups.iter().map(|g| var(g, 1)).sum::<f64>() / groups.len() as f64;
    Some((within / total).min(1.0))
}

/// The μ* that replication noise alone gives a parameter with no effect:
/// the expected |elementary effect| when the two points' means differ only
/// by noise, (2/√π)·σ/(√R·Δ), with σ² the mean within-point variance, R
/// the mean number of replications and Δ the Morris step in unit
/// coordinates. A μ* not clearly above it is not told apart from noise.
/// `None` without at least two replications at every point.
pub fn morris_noise_floor(groups: &[Vec<f64>], levels: usize) -> Option<f64> {
    if groups.is_empty() || groups.iter().any(|g| g.len() < 2) {
        return None;
    }
    let within = groups.iter().map(|g| var(g, 1)).sum::<f64>() / groups.len() as f64;
    let reps = groups.iter().map(Vec::len).sum::<usize>() as f64 / groups.len() as f64;
    let delta = crate::design::morris_delta(levels);
    Some(2.0 / std::f64::consts::PI.sqrt() * within.sqrt() / (reps.sqrt() * delta))
}

/// The total-order index (Jansen's ST) that replication noise alone gives
/// a parameter with no effect, when the means of R replications are
/// analysed: σ²/(R·V), with σ² the mean within-point variance and V the
/// variance of the means (E[(f(A) − f(AB_i))²]/2V for a parameter that
/// changes nothing). S1 is not biased by noise. `None` without at least
/// two replications at every point.
pub fn sobol_noise_floor(groups: &[Vec<f64>]) -> Option<f64> {
    if groups.len() < 2 || groups.iter().any(|g| g.len() < 2) {
        return None;
    }
    let within = groups.iter().map(|g| var(g, 1)).sum::<f64>() / groups.len() as f64;
    let reps = groups.iter().map(Vec::len).sum::<usize>() as f64 / groups.len() as f64;
    let means: Vec<f64> = groups.iter().map(|g| mean(g)).collect();
    let v = var(&means, 1);
    (v > 0.0).then(|| within / (reps * v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::{Method, generate};
    use std::f64::consts::PI;

    #[test]
    fn rank_correlation_works_with_fewer_rows_than_parameters() {
        // 30 rows, 40 parameters: y rises with x0, falls with x1.
        let unit = generate(
            &Method::LatinHypercube {
                maximin_candidates: 1,
            },
            40,
            30,
            2,
        )
        .unwrap();
        let y: Vec<f64> = unit.rows.iter().map(|r| r[0].powi(3) - r[1]).collect();
        let boot = Bootstrap {
            resamples: 200,
            confidence: 0.95,
            seed: 1,
        };
        assert!(regression(&unit.rows, &y, boot).is_err());
        let ix = rank_correlation(&unit.rows, &y, boot).unwrap();
        assert_eq!(ix.len(), 40);
        assert!(get(&ix, "SRCC", 0) > 0.4, "{}", get(&ix, "SRCC", 0));
        assert!(get(&ix, "SRCC", 1) < -0.4);
        let (lo, hi) = ix[5].ci.unwrap();
        assert!(lo < get(&ix, "SRCC", 5) && get(&ix, "SRCC", 5) < hi);
    }

    #[test]
    fn the_noise_floor_is_the_mu_star_of_a_parameter_without_effect() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, Normal};
        // y = 5·x0 + noise (sd 2), 3 parameters, 8 replications per row:
        // x1 and x2 do nothing, so their μ* is noise alone.
        let levels = 4;
        let unit = generate(
            &Method::Morris {
                levels,
                optimised_from: None,
            },
            3,
            400,
            7,
        )
        .unwrap();
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let noise = Normal::new(0.0, 2.0).unwrap();
        let groups: Vec<Vec<f64>> = unit
            .rows
            .iter()
            .map(|row| {
                (0..8)
                    .map(|_| 5.0 * row[0] + noise.sample(&mut r))
                    .collect()
            })
            .collect();
        let means: Vec<f64> = groups.iter().map(|g| mean(g)).collect();
        let boot = Bootstrap {
            resamples: 0,
            confidence: 0.95,
            seed: 1,
        };
        let ix = morris(&unit.rows, &means, levels, boot).unwrap();
        let floor = morris_noise_floor(&groups, levels).unwrap();
        // (2/√π)·2/(√8·(2/3)) = 1.197
        assert!((floor - 1.197).abs() < 0.06, "floor {floor}");
        for p in [1, 2] {
            let m = get(&ix, "mu_star", p);
            assert!(
                (m / floor - 1.0).abs() < 0.12,
                "μ* {m} against floor {floor}"
            );
        }
        assert!(get(&ix, "mu_star", 0) > 4.0 * floor);
        assert!(morris_noise_floor(&[vec![1.0]], levels).is_none());
    }

    #[test]
    fn the_sobol_noise_floor_is_the_st_of_a_parameter_without_effect() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, Normal};
        // y = 4·x0 + noise (sd 1), 4 replications; x1 does nothing.
        let unit = generate(
            &Method::Saltelli {
                second_order: false,
            },
            2,
            4096,
            1,
        )
        .unwrap();
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let noise = Normal::new(0.0, 1.0).unwrap();
        let groups: Vec<Vec<f64>> = unit
            .rows
            .iter()
            .map(|row| {
                (0..4)
                    .map(|_| 4.0 * row[0] + noise.sample(&mut r))
                    .collect()
            })
            .collect();
        let means: Vec<f64> = groups.iter().map(|g| mean(g)).collect();
        let boot = Bootstrap {
            resamples: 0,
            confidence: 0.95,
            seed: 1,
        };
        let ix = sobol(&means, 2, false, boot).unwrap();
        let floor = sobol_noise_floor(&groups).unwrap();
        // V(means) = 16/12 + 1/4; floor = (1/4)/V = 0.158
        assert!((floor - 0.158).abs() < 0.01, "floor {floor}");
        assert!(
            (get(&ix, "ST", 1) - floor).abs() < 0.02,
            "ST of x1 is noise"
        );
        assert!(get(&ix, "S1", 1).abs() < 0.03, "S1 is not biased by noise");
    }

    fn ishigami(u: &[f64]) -> f64 {
        let x: Vec<f64> = u.iter().map(|v| -PI + 2.0 * PI * v).collect();
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    fn get(ix: &[Index], name: &str, p: usize) -> f64 {
        ix.iter()
            .find(|i| i.index == name && i.parameter == p && i.other.is_none())
            .unwrap()
            .estimate
    }

    /// Ishigami (a = 7, b = 0.1): S1 = 0.3139, 0.4424, 0; ST = 0.5576,
    /// 0.4424, 0.2437; S13 = 0.2437. With 4,096 base points the Saltelli
    /// estimators' standard errors are about 0.01–0.02 here, so 0.05 is a
    /// tolerance of more than two standard errors.
    #[test]
    fn sobol_indices_of_the_ishigami_function() {
        let d = generate(&Method::Saltelli { second_order: true }, 3, 4096, 0).unwrap();
        let y: Vec<f64> = d.rows.iter().map(|r| ishigami(r)).collect();
        let ix = sobol(
            &y,
            3,
            true,
            Bootstrap {
                resamples: 100,
                ..Default::default()
            },
        )
        .unwrap();
        for (p, s1, st) in [(0, 0.3139, 0.5576), (1, 0.4424, 0.4424), (2, 0.0, 0.2437)] {
            assert!(
                (get(&ix, "S1", p) - s1).abs() < 0.05,
                "S1[{p}] = {}",
                get(&ix, "S1", p)
            );
            assert!(
                (get(&ix, "ST", p) - st).abs() < 0.05,
                "ST[{p}] = {}",
                get(&ix, "ST", p)
            );
        }
        let s13 = ix
            .iter()
            .find(|i| i.index == "S2" && i.parameter == 0 && i.other == Some(2))
            .unwrap();
        assert!(
            (s13.estimate - 0.2437).abs() < 0.08,
            "S13 = {}",
            s13.estimate
        );
        let s1 = ix
            .iter()
            .find(|i| i.index == "S1" && i.parameter == 0)
            .unwrap();
        let (lo, hi) = s1.ci.unwrap();
        assert!(lo < s1.estimate && s1.estimate < hi && hi - lo < 0.2);
    }

    /// Sobol's G function with a = (0, 1, 4.5, 9, 99, 99, 99, 99): V_i =
    /// 1 / (3 (1 + a_i)^2), S_i = V_i / (Π (1 + V_j) − 1).
    #[test]
    fn sobol_indices_of_the_g_function() {
        let a = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0];
        let g = |u: &[f64]| -> f64 {
            u.iter()
                .zip(a)
                .map(|(x, ai)| ((4.0 * x - 2.0).abs() + ai) / (1.0 + ai))
                .product()
        };
        let v: Vec<f64> = a
            .iter()
            .map(|ai| 1.0 / (3.0 * (1.0 + ai) * (1.0 + ai)))
            .collect();
        let total = v.iter().map(|vi| 1.0 + vi).product::<f64>() - 1.0;
        let d = generate(
            &Method::Saltelli {
                second_order: false,
            },
            8,
            8192,
            0,
        )
        .unwrap();
        let y: Vec<f64> = d.rows.iter().map(|r| g(r)).collect();
        let ix = sobol(
            &y,
            8,
            false,
            Bootstrap {
                resamples: 50,
                ..Default::default()
            },
        )
        .unwrap();
        for p in 0..8 {
            let exact = v[p] / total;
            assert!(
                (get(&ix, "S1", p) - exact).abs() < 0.04,
                "S1[{p}] = {} vs {exact}",
                get(&ix, "S1", p)
            );
        }
        assert!(get(&ix, "ST", 0) > get(&ix, "ST", 1) && get(&ix, "ST", 1) > get(&ix, "ST", 2));
    }

    /// On y = 2 x0 − x1 + 0 x2 (unit coordinates) every elementary effect of
    /// x0 is exactly 2, of x1 exactly −1, of x2 exactly 0.
    #[test]
    fn morris_recovers_known_elementary_effects() {
        let d = generate(
            &Method::Morris {
                levels: 4,
                optimised_from: None,
            },
            3,
            20,
            5,
        )
        .unwrap();
        let y: Vec<f64> = d.rows.iter().map(|r| 2.0 * r[0] - r[1]).collect();
        let ix = morris(&d.rows, &y, 4, Bootstrap::default()).unwrap();
        for (p, mu) in [(0, 2.0), (1, -1.0), (2, 0.0)] {
            assert!((get(&ix, "mu", p) - mu).abs() < 1e-12);
            assert!((get(&ix, "mu_star", p) - f64::abs(mu)).abs() < 1e-12);
            assert!(get(&ix, "sigma", p).abs() < 1e-12);
        }
        // An interaction shows as σ > 0; a non-trajectory design is refused.
        let y: Vec<f64> = d.rows.iter().map(|r| r[0] * r[1]).collect();
        let ix = morris(&d.rows, &y, 4, Bootstrap::default()).unwrap();
        assert!(get(&ix, "sigma", 0) > 0.05 && get(&ix, "mu_star", 2) == 0.0);
        let lhs = generate(
            &Method::LatinHypercube {
                maximin_candidates: 1,
            },
            3,
            8,
            0,
        )
        .unwrap();
        assert!(morris(&lhs.rows, &[0.0; 8], 4, Bootstrap::default()).is_err());
    }

    #[test]
    fn regression_coefficients_rank_linear_and_monotone_effects() {
        let d = generate(
            &Method::LatinHypercube {
                maximin_candidates: 1,
            },
            3,
            400,
            2,
        )
        .unwrap();
        let y: Vec<f64> = d
            .rows
            .iter()
            .map(|r| 3.0 * r[0] + (5.0 * r[1]).exp() * 0.01 - 0.5 * r[2])
            .collect();
        let ix = regression(
            &d.rows,
            &y,
            Bootstrap {
                resamples: 50,
                ..Default::default()
            },
        )
        .unwrap();
        // Linear: SRC² sums to about 1 (R² of a near-linear model).
        let s: Vec<f64> = (0..3).map(|p| get(&ix, "SRC", p)).collect();
        assert!(s[0] > 0.5 && s[2] < 0.0, "{s:?}");
        // PRCC sees the monotone exponential more strongly than the linear SRC.
        assert!(
            get(&ix, "PRCC", 1) > 0.7 && get(&ix, "PRCC", 1) > get(&ix, "SRC", 1),
            "{}",
            get(&ix, "PRCC", 1)
        );
        assert!(regression(&d.rows[..4], &y[..4], Bootstrap::default()).is_err());
    }

    #[test]
    fn replication_noise_share() {
        assert_eq!(noise_share(&[vec![1.0, 1.0], vec![5.0, 5.0]]), Some(0.0));
        let noisy = noise_share(&[vec![0.0, 10.0], vec![1.0, 9.0]]).unwrap();
        assert!(noisy > 0.9);
        assert_eq!(noise_share(&[vec![1.0]]), None);
    }
}
