//! Scenario discovery: where in parameter space does a condition hold?
//!
//! - [`prim`]: the Patient Rule Induction Method (Friedman and Fisher
//!   1999) as the EMA workbench uses it for scenario discovery: peel the
//!   box by α of its points at a time, on the side that raises the density
//!   of cases of interest most, down to a minimum mass; every step is a
//!   point of the coverage–density trade-off curve; the chosen box is then
//!   pasted (expanded back) while its density rises.
//! - [`tree`]: a shallow classification tree (CART, Gini), whose leaves
//!   with a majority of cases of interest are boxes too.
//!
//! Coverage: the share of all cases of interest that fall in the box.
//! Density: the share of the cases in the box that are of interest.

use crate::{ExploreError, err};

/// A box: one [low, high] interval per parameter, with its quality.
#[derive(Debug, Clone, PartialEq)]
pub struct Box {
    pub limits: Vec<(f64, f64)>,
    /// Parameters whose interval is narrower than the data's range.
    pub restricted: Vec<usize>,
    pub coverage: f64,
    pub density: f64,
    /// The share of all cases in the box.
    pub mass: f64,
}

/// PRIM's options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrimOptions {
    /// The share of the box's points peeled (or pasted) at a step.
    pub alpha: f64,
    /// Peeling stops when the box would hold less than this share of all cases.
    pub min_mass: f64,
    /// The chosen box is the densest one of the trajectory whose coverage
    /// is at least this.
    pub min_coverage: f64,
}

impl Default for PrimOptions {
    fn default() -> Self {
        PrimOptions {
            alpha: 0.05,
            min_mass: 0.05,
            min_coverage: 0.5,
        }
    }
}

/// PRIM's result: the peeling trajectory and the chosen, pasted box.
#[derive(Debug, Clone, PartialEq)]
pub struct Prim {
    pub trajectory: Vec<Box>,
    /// Index in `trajectory` of the box that was pasted into `chosen`.
    pub chosen_step: usize,
    pub chosen: Box,
}

fn check(rows: &[Vec<f64>], target: &[bool]) -> Result<usize, ExploreError> {
    if rows.len() != target.len() || rows.is_empty() {
        return Err(err(
            "discover",
            format!("{} rows and {} conditions", rows.len(), target.len()),
        ));
    }
    if !target.iter().any(|&t| t) {
        return Err(err(
            "discover",
            "the condition holds in no run: there is nothing to find",
        ));
    }
    let dims = rows[0].len();
    if dims == 0
        || rows
            .iter()
            .any(|r| r.len() != dims || r.iter().any(|x| !x.is_finite()))
    {
        return Err(err(
            "discover",
            "every row needs a finite value of every parameter",
        ));
    }
    Ok(dims)
}

/// Each parameter's [smallest, largest] value in the rows.
fn full_ranges(rows: &[Vec<f64>], dims: usize) -> Vec<(f64, f64)> {
    (0..dims)
        .map(|d| {
            rows.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                    (lo.min(r[d]), hi.max(r[d]))
                })
        })
        .collect()
}

fn inside(row: &[f64], limits: &[(f64, f64)]) -> bool {
    row.iter()
        .zip(limits)
        .all(|(x, (lo, hi))| x >= lo && x <= hi)
}

fn quality(
    rows: &[Vec<f64>],
    target: &[bool],
    limits: Vec<(f64, f64)>,
    full: &[(f64, f64)],
) -> Box {
    let total_interest = target.iter().filter(|&&t| t).count() as f64;
    let (mut n, mut hits) = (0usize, 0usize);
    for (row, &t) in rows.iter().zip(target) {
        if inside(row, &limits) {
            n += 1;
            hits += t as usize;
        }
    }
    let restricted = limits
        .iter()
        .zip(full)
        .enumerate()
        .filter(|(_, (b, f))| b.0 > f.0 || b.1 < f.1)
        .map(|(d, _)| d)
        .collect();
    Box {
        limits,
        restricted,
        coverage: hits as f64 / total_interest,
        density: if n == 0 { 0.0 } else { hits as f64 / n as f64 },
        mass: n as f64 / rows.len() as f64,
    }
}

/// PRIM over `rows` (parameter values) with `target` (the condition).
pub fn prim(
    rows: &[Vec<f64>],
    target: &[bool],
    options: PrimOptions,
) -> Result<Prim, ExploreError> {
    let dims = check(rows, target)?;
    let full = full_ranges(rows, dims);
    let mut current = quality(rows, target, full.clone(), &full);
    let mut trajectory = vec![current.clone()];
    loop {
        let members: Vec<&Vec<f64>> = rows.iter().filter(|r| inside(r, &current.limits)).collect();
        let mut best: Option<Box> = None;
        for d in 0..dims {
            let mut values: Vec<f64> = members.iter().map(|r| r[d]).collect();
            values.sort_by(f64::total_cmp);
            let mut candidates = Vec::new();
            // Peel about α of the box's points (at least one) from each side.
            let k = ((values.len() as f64 * options.alpha).round() as usize).max(1);
            if let Some(&lo) = values
                .get(k)
                .filter(|&&v| v > values[0])
                .or_else(|| values.iter().find(|&&v| v > values[0]))
            {
                let mut l = current.limits.clone();
                l[d].0 = lo;
                candidates.push(l);
            }
            let top = values[values.len() - 1];
            let from_top = values.len().checked_sub(k + 1).map(|i| values[i]);
            if let Some(hi) = from_top
                .filter(|&v| v < top)
                .or_else(|| values.iter().rev().copied().find(|&v| v < top))
            {
                let mut l = current.limits.clone();
                l[d].1 = hi;
                candidates.push(l);
            }
            for l in candidates {
                let b = quality(rows, target, l, &full);
                if b.mass >= options.min_mass
                    && b.mass < current.mass
                    && best.as_ref().is_none_or(|x| {
                        b.density > x.density || (b.density == x.density && b.mass > x.mass)
                    })
                {
                    best = Some(b);
                }
            }
        }
        match best {
            Some(b) => {
                current = b;
                trajectory.push(current.clone());
            }
            None => break,
        }
    }
    let chosen_step = (0..trajectory.len())
        .filter(|&k| trajectory[k].coverage >= options.min_coverage)
        .max_by(|&a, &b| {
            trajectory[a]
                .density
                .total_cmp(&trajectory[b].density)
                .then(b.cmp(&a))
        })
        .unwrap_or(0);
    let chosen = paste(
        rows,
        target,
        trajectory[chosen_step].clone(),
        &full,
        options,
    );
    Ok(Prim {
        trajectory,
        chosen_step,
        chosen,
    })
}

/// Expands a box side by side while that raises its density.
fn paste(
    rows: &[Vec<f64>],
    target: &[bool],
    mut b: Box,
    full: &[(f64, f64)],
    options: PrimOptions,
) -> Box {
    let step = ((rows.len() as f64 * options.alpha).ceil() as usize).max(1);
    loop {
        let mut best: Option<Box> = None;
        for d in 0..b.limits.len() {
            // The nearest values outside the box along d, within its other limits.
            let mut below: Vec<f64> = Vec::new();
            let mut above: Vec<f64> = Vec::new();
            for r in rows {
                let others_in = r
                    .iter()
                    .zip(&b.limits)
                    .enumerate()
                    .all(|(k, (x, (lo, hi)))| k == d || (x >= lo && x <= hi));
                if others_in {
                    if r[d] < b.limits[d].0 {
                        below.push(r[d]);
                    } else if r[d] > b.limits[d].1 {
                        above.push(r[d]);
                    }
                }
            }
            below.sort_by(|x, y| y.total_cmp(x));
            above.sort_by(f64::total_cmp);
            for (side, values) in [(0, &below), (1, &above)] {
                if values.is_empty() {
                    continue;
                }
                let v = values[(step - 1).min(values.len() - 1)];
                let mut l = b.limits.clone();
                if side == 0 {
                    l[d].0 = v
                } else {
                    l[d].1 = v
                }
                let c = quality(rows, target, l, full);
                if c.density > b.density && best.as_ref().is_none_or(|x| c.density > x.density) {
                    best = Some(c);
                }
            }
        }
        match best {
            Some(c) => b = c,
            None => return b,
        }
    }
}

/// A leaf of the tree: its box (conditions), cases and quality.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    pub boxed: Box,
    /// Cases in the leaf.
    pub cases: usize,
}

/// A classification tree of depth at most `max_depth` (Gini impurity,
/// leaves of at least `min_leaf` cases); returns every leaf, those where
/// the condition holds in most cases first, densest first.
pub fn tree(
    rows: &[Vec<f64>],
    target: &[bool],
    max_depth: usize,
    min_leaf: usize,
) -> Result<Vec<Leaf>, ExploreError> {
    let dims = check(rows, target)?;
    let full = full_ranges(rows, dims);
    let mut leaves = Vec::new();
    let all: Vec<usize> = (0..rows.len()).collect();
    grow(
        rows,
        target,
        &all,
        full.clone(),
        max_depth,
        min_leaf.max(1),
        &full,
        &mut leaves,
    );
    leaves.sort_by(|a: &Leaf, b: &Leaf| {
        (b.boxed.density > 0.5)
            .cmp(&(a.boxed.density > 0.5))
            .then(b.boxed.density.total_cmp(&a.boxed.density))
    });
    Ok(leaves)
}

fn gini(hits: usize, n: usize) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let p = hits as f64 / n as f64;
    2.0 * p * (1.0 - p)
}

#[allow(clippy::too_many_arguments)]
fn grow(
    rows: &[Vec<f64>],
    target: &[bool],
    idx: &[usize],
    limits: Vec<(f64, f64)>,
    depth: usize,
    min_leaf: usize,
    full: &[(f64, f64)],
    leaves: &mut Vec<Leaf>,
) {
    let hits = idx.iter().filter(|&&i| target[i]).count();
    let mut best: Option<(f64, usize, f64)> = None;
    if depth > 0 && hits > 0 && hits < idx.len() {
        let parent = gini(hits, idx.len()) * idx.len() as f64;
        for d in 0..limits.len() {
            let mut order: Vec<usize> = idx.to_vec();
            order.sort_by(|&a, &b| rows[a][d].total_cmp(&rows[b][d]));
            let mut left_hits = 0;
            for k in 0..order.len() - 1 {
                left_hits += target[order[k]] as usize;
                let (nl, nr) = (k + 1, order.len() - k - 1);
                let (a, b) = (rows[order[k]][d], rows[order[k + 1]][d]);
                if a == b || nl < min_leaf || nr < min_leaf {
                    continue;
                }
                let cost = gini(left_hits, nl) * nl as f64 + gini(hits - left_hits, nr) * nr as f64;
                if cost < parent - 1e-12 && best.is_none_or(|(c, _, _)| cost < c) {
                    best = Some((cost, d, (a + b) / 2.0));
                }
            }
        }
    }
    match best {
        Some((_, d, threshold)) => {
            let (left, right): (Vec<usize>, Vec<usize>) =
                idx.iter().partition(|&&i| rows[i][d] <= threshold);
            let mut l = limits.clone();
            l[d].1 = threshold;
            let mut r = limits;
            r[d].0 = threshold;
            grow(rows, target, &left, l, depth - 1, min_leaf, full, leaves);
            grow(rows, target, &right, r, depth - 1, min_leaf, full, leaves);
        }
        None => {
            let total_interest = target.iter().filter(|&&t| t).count() as f64;
            let restricted = limits
                .iter()
                .zip(full)
                .enumerate()
                .filter(|(_, (b, f))| b.0 > f.0 || b.1 < f.1)
                .map(|(d, _)| d)
                .collect();
            leaves.push(Leaf {
                boxed: Box {
                    limits,
                    restricted,
                    coverage: hits as f64 / total_interest,
                    density: hits as f64 / idx.len().max(1) as f64,
                    mass: idx.len() as f64 / rows.len() as f64,
                },
                cases: idx.len(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::{Method, generate};

    /// The condition holds exactly in x0 > 0.6 and x2 < 0.3 (x1 is noise).
    fn planted() -> (Vec<Vec<f64>>, Vec<bool>) {
        let d = generate(
            &Method::LatinHypercube {
                maximin_candidates: 1,
            },
            3,
            2000,
            4,
        )
        .unwrap();
        let target = d.rows.iter().map(|r| r[0] > 0.6 && r[2] < 0.3).collect();
        (d.rows, target)
    }

    #[test]
    fn prim_finds_a_planted_box() {
        let (rows, target) = planted();
        let p = prim(
            &rows,
            &target,
            PrimOptions {
                min_coverage: 0.8,
                ..Default::default()
            },
        )
        .unwrap();
        let b = &p.chosen;
        assert_eq!(b.restricted, vec![0, 2], "{b:?}");
        assert!(b.density > 0.9 && b.coverage >= 0.8, "{b:?}");
        assert!(
            (b.limits[0].0 - 0.6).abs() < 0.05 && (b.limits[2].1 - 0.3).abs() < 0.05,
            "{b:?}"
        );
        // The trade-off curve: mass falls step by step, density rises overall.
        assert!(p.trajectory.windows(2).all(|w| w[1].mass < w[0].mass));
        assert!(p.trajectory.last().unwrap().density > p.trajectory[0].density);
        assert!(prim(&rows, &vec![false; rows.len()], PrimOptions::default()).is_err());
    }

    #[test]
    fn a_shallow_tree_finds_the_same_box() {
        let (rows, target) = planted();
        let leaves = tree(&rows, &target, 3, 20).unwrap();
        let top = &leaves[0];
        assert!(top.boxed.density > 0.95, "{top:?}");
        assert!(top.boxed.restricted.contains(&0) && top.boxed.restricted.contains(&2));
        assert!(!top.boxed.restricted.contains(&1), "{top:?}");
        let cases: usize = leaves.iter().map(|l| l.cases).sum();
        assert_eq!(cases, rows.len());
    }
}
