//! Experimental designs in the unit cube [0, 1]^d. [`crate::space::Space`]
//! maps each row to parameter values.

use rand::RngExt;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::{ExploreError, err, rng};

/// Most rows a design may have (a sweep takes at most 1,000,000 points).
pub const MAX_ROWS: usize = 1_000_000;

/// A design method and its options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum Method {
    /// Latin hypercube of `n` points: each of the n strata of every
    /// dimension holds one point. With `maximin_candidates` > 1, the best
    /// of that many hypercubes by their smallest pairwise distance.
    LatinHypercube { maximin_candidates: usize },
    /// The first `n` points of the Sobol' sequence (Joe–Kuo direction
    /// numbers, new-joe-kuo-6.21201), after the origin.
    Sobol,
    /// Saltelli's scheme for Sobol' indices on `n` base points:
    /// n·(d + 2) rows, or n·(2d + 2) with second-order indices, in SALib's
    /// order (A, AB_1..AB_d, [BA_1..BA_d], B for each base point).
    Saltelli { second_order: bool },
    /// `n` Morris trajectories of d + 1 points on a grid of `levels`
    /// levels, each moving one factor by Δ = levels / (2 (levels − 1)).
    /// With `optimised_from` > n, the n most spread of that many
    /// candidates (Campolongo et al. 2007; chosen greedily).
    Morris {
        levels: usize,
        optimised_from: Option<usize>,
    },
    /// Every combination of `levels` evenly spaced values per dimension
    /// (`n` is ignored).
    Factorial { levels: usize },
}

impl Method {
    /// The method's name as the command line spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Method::LatinHypercube { .. } => "lhs",
            Method::Sobol => "sobol-sequence",
            Method::Saltelli { .. } => "saltelli",
            Method::Morris { .. } => "morris",
            Method::Factorial { .. } => "factorial",
        }
    }
}

/// A design in the unit cube and how it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitDesign {
    pub method: Method,
    /// The size asked for (points, base points or trajectories).
    pub n: usize,
    pub seed: u64,
    pub dims: usize,
    /// Rows of d coordinates in [0, 1].
    pub rows: Vec<Vec<f64>>,
}

/// Makes a design of `dims` dimensions.
pub fn generate(
    method: &Method,
    dims: usize,
    n: usize,
    seed: u64,
) -> Result<UnitDesign, ExploreError> {
    if dims == 0 {
        return Err(err(method.name(), "the space has no parameters"));
    }
    let rows_needed = match method {
        Method::LatinHypercube { .. } | Method::Sobol => n,
        Method::Saltelli { second_order } => n.saturating_mul(if *second_order {
            2 * dims + 2
        } else {
            dims + 2
        }),
        Method::Morris { .. } => n.saturating_mul(dims + 1),
        Method::Factorial { levels } => levels.checked_pow(dims as u32).unwrap_or(usize::MAX),
    };
    if rows_needed > MAX_ROWS {
        return Err(err(
            method.name(),
            format!("{rows_needed} rows; at most {MAX_ROWS} are allowed (lower --n or the levels)"),
        ));
    }
    let rows = match method {
        Method::LatinHypercube { maximin_candidates } => {
            need(method, n, 2, "points")?;
            latin_hypercube(dims, n, (*maximin_candidates).max(1), seed)
        }
        Method::Sobol => {
            need(method, n, 1, "points")?;
            sobol_points(dims, n)?
        }
        Method::Saltelli { second_order } => {
            need(method, n, 2, "base points")?;
            saltelli(dims, n, *second_order)?
        }
        Method::Morris {
            levels,
            optimised_from,
        } => {
            need(method, n, 2, "trajectories")?;
            if *levels < 2 || levels % 2 != 0 {
                return Err(err(
                    "morris",
                    format!("levels must be an even number >= 2, got {levels}"),
                ));
            }
            let candidates = optimised_from.unwrap_or(n);
            if candidates < n {
                return Err(err(
                    "morris",
                    format!(
                        "--optimised-from {candidates} is below the {n} trajectories asked for"
                    ),
                ));
            }
            morris(dims, n, *levels, candidates, seed)
        }
        Method::Factorial { levels } => {
            if *levels < 2 {
                return Err(err(
                    "factorial",
                    format!("levels must be >= 2, got {levels}"),
                ));
            }
            factorial(dims, *levels)
        }
    };
    Ok(UnitDesign {
        method: method.clone(),
        n,
        seed,
        dims,
        rows,
    })
}

fn need(method: &Method, n: usize, at_least: usize, what: &str) -> Result<(), ExploreError> {
    if n < at_least {
        return Err(err(
            method.name(),
            format!("--n {n} is too small: at least {at_least} {what}"),
        ));
    }
    Ok(())
}

fn latin_hypercube(dims: usize, n: usize, candidates: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut r = rng(seed, 1);
    let mut best: Option<(f64, Vec<Vec<f64>>)> = None;
    for _ in 0..candidates {
        let mut rows = vec![vec![0.0; dims]; n];
        for d in 0..dims {
            let mut strata: Vec<usize> = (0..n).collect();
            strata.shuffle(&mut r);
            for (row, s) in rows.iter_mut().zip(strata) {
                row[d] = (s as f64 + r.random::<f64>()) / n as f64;
            }
        }
        if candidates == 1 {
            return rows;
        }
        let score = min_distance(&rows);
        if best.as_ref().is_none_or(|(b, _)| score > *b) {
            best = Some((score, rows));
        }
    }
    best.expect("at least one candidate").1
}

/// The smallest Euclidean distance between two rows.
pub fn min_distance(rows: &[Vec<f64>]) -> f64 {
    let mut best = f64::INFINITY;
    for i in 0..rows.len() {
        for j in i + 1..rows.len() {
            best = best.min(distance(&rows[i], &rows[j]));
        }
    }
    best
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// Points 1..=n of the Sobol' sequence (point 0 is the origin).
pub fn sobol_points(dims: usize, n: usize) -> Result<Vec<Vec<f64>>, ExploreError> {
    if dims > 1000 {
        return Err(err(
            "sobol",
            format!("{dims} dimensions; at most 1000 are supported"),
        ));
    }
    let params = sobol::params::JoeKuoD6::standard();
    Ok(sobol::Sobol::<f64>::new(dims, &params)
        .skip(1)
        .take(n)
        .collect())
}

fn saltelli(dims: usize, n: usize, second_order: bool) -> Result<Vec<Vec<f64>>, ExploreError> {
    let base = sobol_points(2 * dims, n)?;
    let mut rows = Vec::with_capacity(n * (2 * dims + 2));
    for b in &base {
        let (a, bb) = b.split_at(dims);
        rows.push(a.to_vec());
        for i in 0..dims {
            let mut ab = a.to_vec();
            ab[i] = bb[i];
            rows.push(ab);
        }
        if second_order {
            for i in 0..dims {
                let mut ba = bb.to_vec();
                ba[i] = a[i];
                rows.push(ba);
            }
        }
        rows.push(bb.to_vec());
    }
    Ok(rows)
}

/// Δ of a Morris grid of `levels` levels.
pub fn morris_delta(levels: usize) -> f64 {
    levels as f64 / (2.0 * (levels as f64 - 1.0))
}

fn morris_trajectory(dims: usize, levels: usize, r: &mut rand_chacha::ChaCha8Rng) -> Vec<Vec<f64>> {
    let delta = morris_delta(levels);
    let step = 1.0 / (levels as f64 - 1.0);
    // Lower ends: levels with room for +Δ (the first levels/2 levels).
    let lower: Vec<f64> = (0..dims)
        .map(|_| r.random_range(0..levels / 2) as f64 * step)
        .collect();
    let up: Vec<bool> = (0..dims).map(|_| r.random::<bool>()).collect();
    let mut order: Vec<usize> = (0..dims).collect();
    order.shuffle(r);
    let mut x: Vec<f64> = (0..dims)
        .map(|i| if up[i] { lower[i] } else { lower[i] + delta })
        .collect();
    let mut out = vec![x.clone()];
    for &i in &order {
        x[i] = if up[i] { lower[i] + delta } else { lower[i] };
        out.push(x.clone());
    }
    out
}

fn trajectory_distance(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    a.iter()
        .flat_map(|p| b.iter().map(move |q| distance(p, q)))
        .sum()
}

fn morris(dims: usize, n: usize, levels: usize, candidates: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut r = rng(seed, 2);
    let pool: Vec<Vec<Vec<f64>>> = (0..candidates)
        .map(|_| morris_trajectory(dims, levels, &mut r))
        .collect();
    let chosen: Vec<usize> = if candidates == n {
        (0..n).collect()
    } else {
        // Every pair's distance once (in parallel: this is the design's
        // cost, O(candidates² · (dims + 1)² · dims)).
        use rayon::prelude::*;
        let rows: Vec<Vec<f64>> = (0..candidates)
            .into_par_iter()
            .map(|i| {
                (0..candidates)
                    .map(|j| {
                        if j > i {
                            trajectory_distance(&pool[i], &pool[j])
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        let d = |i: usize, j: usize| if i < j { rows[i][j] } else { rows[j][i] };
        // Greedy: the most distant pair, then each time the candidate
        // farthest in total from those chosen.
        let mut best = (0, 1, f64::NEG_INFINITY);
        for i in 0..candidates {
            for j in i + 1..candidates {
                if d(i, j) > best.2 {
                    best = (i, j, d(i, j));
                }
            }
        }
        let mut chosen = vec![best.0, best.1];
        let mut total: Vec<f64> = (0..candidates)
            .map(|k| d(k, best.0) + d(k, best.1))
            .collect();
        while chosen.len() < n {
            let next = (0..candidates)
                .filter(|k| !chosen.contains(k))
                .max_by(|&a, &b| total[a].total_cmp(&total[b]))
                .expect("enough candidates");
            chosen.push(next);
            for (k, t) in total.iter_mut().enumerate() {
                *t += d(k, next);
            }
        }
        chosen.sort_unstable();
        chosen
    };
    chosen.into_iter().flat_map(|k| pool[k].clone()).collect()
}

fn factorial(dims: usize, levels: usize) -> Vec<Vec<f64>> {
    let total = levels.pow(dims as u32);
    (0..total)
        .map(|mut k| {
            let mut row = vec![0.0; dims];
            // The first dimension varies slowest, as `--vary` grids do.
            for d in (0..dims).rev() {
                row[d] = (k % levels) as f64 / (levels - 1) as f64;
                k /= levels;
            }
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_hypercube_hits_every_stratum_once_per_dimension() {
        for candidates in [1, 20] {
            let d = generate(
                &Method::LatinHypercube {
                    maximin_candidates: candidates,
                },
                4,
                25,
                3,
            )
            .unwrap();
            assert_eq!(d.rows.len(), 25);
            for dim in 0..4 {
                let mut strata: Vec<usize> =
                    d.rows.iter().map(|r| (r[dim] * 25.0) as usize).collect();
                strata.sort_unstable();
                assert_eq!(strata, (0..25).collect::<Vec<_>>());
            }
        }
        let plain = generate(
            &Method::LatinHypercube {
                maximin_candidates: 1,
            },
            3,
            20,
            9,
        )
        .unwrap();
        let improved = generate(
            &Method::LatinHypercube {
                maximin_candidates: 50,
            },
            3,
            20,
            9,
        )
        .unwrap();
        assert!(min_distance(&improved.rows) >= min_distance(&plain.rows));
    }

    #[test]
    fn sobol_points_follow_the_joe_kuo_direction_numbers() {
        let p = sobol_points(2, 7).unwrap();
        let d1: Vec<f64> = p.iter().map(|r| r[0]).collect();
        let d2: Vec<f64> = p.iter().map(|r| r[1]).collect();
        // Dimension 1 is van der Corput's sequence in Gray-code order;
        // dimension 2 has Joe–Kuo's primitive polynomial x + 1, m = 1.
        assert_eq!(d1, [0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125]);
        assert_eq!(d2, [0.5, 0.25, 0.75, 0.375, 0.875, 0.125, 0.625]);
        // Balance: every dyadic half of every dimension of the first 2^k points.
        let p = sobol_points(10, 255).unwrap();
        for d in 0..10 {
            let low = p.iter().take(127).filter(|r| r[d] < 0.5).count();
            assert!((63..=64).contains(&low), "dimension {d}: {low}");
        }
    }

    #[test]
    fn saltelli_matrices_have_the_documented_shape() {
        let d = generate(&Method::Saltelli { second_order: true }, 3, 4, 0).unwrap();
        assert_eq!(d.rows.len(), 4 * (2 * 3 + 2));
        let first = generate(
            &Method::Saltelli {
                second_order: false,
            },
            3,
            4,
            0,
        )
        .unwrap();
        assert_eq!(first.rows.len(), 4 * (3 + 2));
        // For one base point: AB_i differs from A in column i only, and takes B's value.
        let block = &first.rows[..5];
        let (a, b) = (&block[0], &block[4]);
        for i in 0..3 {
            for j in 0..3 {
                assert_eq!(block[1 + i][j], if i == j { b[j] } else { a[j] });
            }
        }
    }

    #[test]
    fn morris_trajectories_move_one_factor_by_delta_each_step() {
        for optimised in [None, Some(40)] {
            let d = generate(
                &Method::Morris {
                    levels: 4,
                    optimised_from: optimised,
                },
                5,
                10,
                7,
            )
            .unwrap();
            assert_eq!(d.rows.len(), 10 * 6);
            let delta = morris_delta(4);
            for t in d.rows.chunks(6) {
                let mut moved = Vec::new();
                for w in t.windows(2) {
                    let changed: Vec<usize> = (0..5).filter(|&i| w[0][i] != w[1][i]).collect();
                    assert_eq!(changed.len(), 1);
                    assert!(((w[1][changed[0]] - w[0][changed[0]]).abs() - delta).abs() < 1e-12);
                    moved.push(changed[0]);
                }
                moved.sort_unstable();
                assert_eq!(moved, vec![0, 1, 2, 3, 4], "each factor moves once");
                assert!(t.iter().flatten().all(|&x| (0.0..=1.0).contains(&x)));
            }
        }
        assert!(
            generate(
                &Method::Morris {
                    levels: 3,
                    optimised_from: None
                },
                2,
                4,
                0
            )
            .is_err()
        );
        assert!(
            generate(
                &Method::Morris {
                    levels: 4,
                    optimised_from: Some(3)
                },
                2,
                4,
                0
            )
            .is_err()
        );
    }

    #[test]
    fn factorial_is_every_combination_and_designs_repeat_for_a_seed() {
        let d = generate(&Method::Factorial { levels: 3 }, 2, 0, 0).unwrap();
        assert_eq!(d.rows.len(), 9);
        assert_eq!(d.rows[1], vec![0.0, 0.5]);
        assert_eq!(d.rows[8], vec![1.0, 1.0]);
        for m in [
            Method::LatinHypercube {
                maximin_candidates: 5,
            },
            Method::Morris {
                levels: 4,
                optimised_from: Some(12),
            },
        ] {
            assert_eq!(
                generate(&m, 3, 8, 11).unwrap(),
                generate(&m, 3, 8, 11).unwrap()
            );
            assert_ne!(
                generate(&m, 3, 8, 11).unwrap().rows,
                generate(&m, 3, 8, 12).unwrap().rows
            );
        }
        assert!(
            generate(&Method::Factorial { levels: 10 }, 7, 0, 0).is_err(),
            "over the row limit"
        );
        assert!(
            generate(
                &Method::LatinHypercube {
                    maximin_candidates: 1
                },
                3,
                1,
                0
            )
            .is_err()
        );
        assert!(
            generate(
                &Method::Saltelli {
                    second_order: false
                },
                0,
                8,
                0
            )
            .is_err()
        );
    }
}
