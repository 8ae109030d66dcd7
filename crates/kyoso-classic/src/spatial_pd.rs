//! The spatial prisoner's dilemma of Nowak and May (1992).
//!
//! An n×n torus of cells, each a cooperator (C) or a defector (D). Each step
//! every cell plays the one-shot game with each cell of its neighbourhood
//! (and itself, with self-interaction); then each cell adopts the strategy
//! of the highest-scoring cell of its neighbourhood, itself included.
//! Payoffs default to Nowak and May's R = 1, T = b, S = P = 0.
//!
//! Layout: strategies are a flat `Vec<u8>` (1 = C, 0 = D) with a second
//! buffer holding the previous step (swapped each step, and used to colour
//! transitions). With round scores a cell's payoff depends only on its own
//! strategy and its number of cooperating neighbours, so it is stored as a
//! `u8` *rank* among those at most 20 possible payoffs (equal payoffs, equal
//! ranks), and imitation compares ranks: 3 bytes per cell. Cumulative (and
//! asynchronous) scores are one `f64` per cell: 10 bytes per cell.
//! Synchronous steps are computed row-parallel with rayon and give the
//! same result for any number of threads.
//!
//! Ties: a cell keeps its own strategy when its score equals the best; among
//! neighbours with equal best scores the first in the order N, S, W, E, NW,
//! NE, SW, SE wins.

use rand::RngExt;
use rayon::prelude::*;
use serde::Serialize;

use crate::ClassicError;
use crate::rng::{self, Rng};

/// Which cells are neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Neighbourhood {
    /// The 8 surrounding cells.
    Moore,
    /// The 4 orthogonal cells.
    VonNeumann,
}

/// How cells update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Update {
    /// All cells at once (Nowak and May).
    Synchronous,
    /// One cell at a time in a fresh random order each step; a cell's
    /// change is seen at once by the cells updated after it.
    Asynchronous,
}

/// Which score cells compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scoring {
    /// The payoff of the current step only (Nowak and May).
    Round,
    /// The payoff summed over all steps so far (Mesa's pd_grid).
    Cumulative,
}

/// Every setting of the spatial game.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SpatialPdConfig {
    /// Side of the square torus.
    pub size: usize,
    /// Payoff to C meeting C.
    pub reward: f64,
    /// Payoff to C meeting D.
    pub sucker: f64,
    /// Payoff to D meeting C (Nowak and May's b).
    pub temptation: f64,
    /// Payoff to D meeting D.
    pub punishment: f64,
    pub neighbourhood: Neighbourhood,
    pub self_interaction: bool,
    pub update: Update,
    pub scoring: Scoring,
    /// Probability that a cell starts as a defector.
    pub defectors: f64,
    pub seed: u64,
}

impl Default for SpatialPdConfig {
    /// Nowak and May (1992): Moore neighbourhood with self-interaction,
    /// synchronous update, round scores, b = 1.85, 10% initial defectors.
    fn default() -> SpatialPdConfig {
        SpatialPdConfig {
            size: 200,
            reward: 1.0,
            sucker: 0.0,
            temptation: 1.85,
            punishment: 0.0,
            neighbourhood: Neighbourhood::Moore,
            self_interaction: true,
            update: Update::Synchronous,
            scoring: Scoring::Round,
            defectors: 0.1,
            seed: 0,
        }
    }
}

impl SpatialPdConfig {
    /// Mesa's `pd_grid` example: Moore neighbours without self-interaction,
    /// cumulative scores, (C,C) = 1, (C,D) = 0, (D,C) = 1.6, (D,D) = 0,
    /// simultaneous update, C or D with equal probability at the start.
    pub fn mesa_pd_grid(size: usize, seed: u64) -> SpatialPdConfig {
        SpatialPdConfig {
            size,
            temptation: 1.6,
            self_interaction: false,
            scoring: Scoring::Cumulative,
            defectors: 0.5,
            seed,
            ..SpatialPdConfig::default()
        }
    }

    pub fn validate(&self) -> Result<(), ClassicError> {
        if self.size < 3 {
            return Err(ClassicError::range("size", self.size, "at least 3"));
        }
        if self.size > 65_536 {
            return Err(ClassicError::range("size", self.size, "at most 65536"));
        }
        if !(0.0..=1.0).contains(&self.defectors) {
            return Err(ClassicError::range(
                "defectors",
                self.defectors,
                "a fraction in [0, 1]",
            ));
        }
        for (name, v) in [
            ("reward", self.reward),
            ("sucker", self.sucker),
            ("temptation", self.temptation),
            ("punishment", self.punishment),
        ] {
            if !v.is_finite() {
                return Err(ClassicError::range(name, v, "a finite number"));
            }
        }
        Ok(())
    }
}

/// What happened to a cell in the last step, for the paper's colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Transition {
    /// C → C (blue).
    StayedC,
    /// D → D (red).
    StayedD,
    /// C → D (yellow).
    BecameD,
    /// D → C (green).
    BecameC,
}

impl Transition {
    /// The colour Nowak and May used.
    pub fn rgb(self) -> [u8; 3] {
        match self {
            Transition::StayedC => [0, 0, 255],
            Transition::StayedD => [255, 0, 0],
            Transition::BecameD => [255, 255, 0],
            Transition::BecameC => [0, 160, 0],
        }
    }
}

/// A running spatial game.
#[derive(Debug, Clone)]
pub struct SpatialPd {
    config: SpatialPdConfig,
    /// 1 = C, 0 = D, row-major.
    strategy: Vec<u8>,
    /// The strategies one step earlier.
    previous: Vec<u8>,
    /// Payoffs (cumulative or asynchronous updates only; empty otherwise).
    score: Vec<f64>,
    /// Payoff ranks (synchronous update with round scores only).
    rank: Vec<u8>,
    /// Rank of the payoff of strategy `me` with `c` cooperators in its
    /// neighbourhood, at index `me * 10 + c`.
    rank_table: [u8; 20],
    /// Payoff `[mine][theirs]`, index 1 = C.
    payoff: [[f64; 2]; 2],
    steps: u64,
    rng: Rng,
}

/// Neighbour offsets (dy, dx) in tie-break order.
const MOORE: [(isize, isize); 8] = [
    (-1, 0),
    (1, 0),
    (0, -1),
    (0, 1),
    (-1, -1),
    (-1, 1),
    (1, -1),
    (1, 1),
];

impl SpatialPd {
    /// A random initial lattice.
    pub fn new(config: SpatialPdConfig) -> Result<SpatialPd, ClassicError> {
        config.validate()?;
        let mut init = rng::stream(config.seed, 1);
        let cells = config.size * config.size;
        let strategy: Vec<u8> = (0..cells)
            .map(|_| u8::from(!init.random_bool(config.defectors)))
            .collect();
        let payoff = [
            [config.punishment, config.temptation],
            [config.sucker, config.reward],
        ];
        let ranked = config.update == Update::Synchronous && config.scoring == Scoring::Round;
        Ok(SpatialPd {
            previous: strategy.clone(),
            strategy,
            score: if ranked { Vec::new() } else { vec![0.0; cells] },
            rank: if ranked { vec![0; cells] } else { Vec::new() },
            rank_table: rank_table(&config, &payoff),
            payoff,
            steps: 0,
            rng: rng::stream(config.seed, 2),
            config,
        })
    }

    /// Replaces the lattice (1 = C, 0 = D), e.g. for a symmetric start.
    pub fn set_strategies(&mut self, strategies: &[u8]) -> Result<(), ClassicError> {
        if strategies.len() != self.strategy.len() || strategies.iter().any(|&s| s > 1) {
            return Err(ClassicError::range(
                "lattice",
                strategies.len(),
                "size² cells of 0 (D) or 1 (C)",
            ));
        }
        self.strategy.copy_from_slice(strategies);
        self.previous.copy_from_slice(strategies);
        Ok(())
    }

    pub fn config(&self) -> &SpatialPdConfig {
        &self.config
    }

    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The lattice, 1 = C, 0 = D, row-major.
    pub fn strategies(&self) -> &[u8] {
        &self.strategy
    }

    /// Bytes the model holds per cell (all buffers).
    pub fn bytes_per_cell(&self) -> f64 {
        let bytes = self.strategy.capacity()
            + self.previous.capacity()
            + self.rank.capacity()
            + 8 * self.score.capacity();
        bytes as f64 / self.strategy.len() as f64
    }

    /// Share of cooperators now.
    pub fn cooperator_fraction(&self) -> f64 {
        self.strategy.iter().map(|&s| s as u64).sum::<u64>() as f64 / self.strategy.len() as f64
    }

    /// What each cell did in the last step.
    pub fn transitions(&self) -> impl Iterator<Item = Transition> + '_ {
        self.previous
            .iter()
            .zip(&self.strategy)
            .map(|(&before, &now)| match (before, now) {
                (1, 1) => Transition::StayedC,
                (0, 0) => Transition::StayedD,
                (1, _) => Transition::BecameD,
                _ => Transition::BecameC,
            })
    }

    fn offsets(&self) -> &'static [(isize, isize)] {
        match self.config.neighbourhood {
            Neighbourhood::Moore => &MOORE,
            Neighbourhood::VonNeumann => &MOORE[..4],
        }
    }

    /// Plays the game and imitates the best, once.
    pub fn step(&mut self) {
        match self.config.update {
            Update::Synchronous => self.step_synchronous(),
            Update::Asynchronous => self.step_asynchronous(),
        }
        self.steps += 1;
    }

    /// Runs `steps` steps, returning the cooperator fraction after each.
    pub fn run(&mut self, steps: u64) -> Vec<f64> {
        (0..steps)
            .map(|_| {
                self.step();
                self.cooperator_fraction()
            })
            .collect()
    }

    fn step_synchronous(&mut self) {
        if self.config.scoring == Scoring::Round {
            return self.step_ranked();
        }
        let n = self.config.size;
        let moore = self.config.neighbourhood == Neighbourhood::Moore;
        let cumulative = self.config.scoring == Scoring::Cumulative;
        let linear = self.linear_payoff();
        let strategy = &self.strategy;
        self.score
            .par_chunks_mut(n)
            .enumerate()
            .for_each(|(y, row)| {
                let (up, mid, down) = rows(strategy, n, y);
                score_row(up, mid, down, row, moore, linear, cumulative);
            });
        let score = &self.score;
        self.previous
            .par_chunks_mut(n)
            .enumerate()
            .for_each(|(y, next)| {
                let (s_up, s_mid, s_down) = rows(strategy, n, y);
                let (c_up, c_mid, c_down) = rows(score, n, y);
                imitate_row([s_up, s_mid, s_down], [c_up, c_mid, c_down], next, moore);
            });
        std::mem::swap(&mut self.strategy, &mut self.previous);
    }

    /// Synchronous update with round scores, on payoff ranks.
    fn step_ranked(&mut self) {
        let n = self.config.size;
        let moore = self.config.neighbourhood == Neighbourhood::Moore;
        let self_interaction = self.config.self_interaction;
        let (strategy, table) = (&self.strategy, &self.rank_table);
        self.rank
            .par_chunks_mut(n)
            .enumerate()
            .for_each(|(y, row)| {
                let (up, mid, down) = rows(strategy, n, y);
                rank_row(up, mid, down, row, moore, self_interaction, table);
            });
        let rank = &self.rank;
        self.previous
            .par_chunks_mut(n)
            .enumerate()
            .for_each(|(y, next)| {
                let (s_up, s_mid, s_down) = rows(strategy, n, y);
                let (r_up, r_mid, r_down) = rows(rank, n, y);
                imitate_row([s_up, s_mid, s_down], [r_up, r_mid, r_down], next, moore);
            });
        std::mem::swap(&mut self.strategy, &mut self.previous);
    }

    /// A cell's payoff is `slope[me] * cooperators + intercept[me]`, where
    /// `cooperators` counts the cooperating neighbours (and the cell itself
    /// with self-interaction).
    fn linear_payoff(&self) -> Linear {
        let k = self.offsets().len() as f64
            + if self.config.self_interaction {
                1.0
            } else {
                0.0
            };
        let p = &self.payoff;
        Linear {
            slope: [p[0][1] - p[0][0], p[1][1] - p[1][0]],
            intercept: [k * p[0][0], k * p[1][0]],
            self_interaction: self.config.self_interaction,
        }
    }

    fn step_asynchronous(&mut self) {
        let n = self.config.size;
        let offsets = self.offsets();
        let cells = n * n;
        self.previous.copy_from_slice(&self.strategy);
        let cumulative = self.config.scoring == Scoring::Cumulative;
        if self.steps == 0 || !cumulative {
            // Scores of the current lattice (cumulative scores start from the first round's).
            for i in 0..cells {
                let p = cell_payoff(
                    &self.strategy,
                    n,
                    i / n,
                    i % n,
                    offsets,
                    self.config.self_interaction,
                    &self.payoff,
                );
                self.score[i] = if cumulative { self.score[i] + p } else { p };
            }
        }
        let mut order: Vec<u32> = (0..cells as u32).collect();
        for k in (1..cells).rev() {
            let j = self.rng.random_range(0..=k);
            order.swap(k, j);
        }
        for &i in &order {
            let i = i as usize;
            let (y, x) = (i / n, i % n);
            let best = best_cell(&self.score, n, y, x, offsets);
            let new = self.strategy[best];
            if cumulative {
                self.strategy[i] = new;
                self.score[i] += cell_payoff(
                    &self.strategy,
                    n,
                    y,
                    x,
                    offsets,
                    self.config.self_interaction,
                    &self.payoff,
                );
            } else if new != self.strategy[i] {
                self.strategy[i] = new;
                self.score[i] = cell_payoff(
                    &self.strategy,
                    n,
                    y,
                    x,
                    offsets,
                    self.config.self_interaction,
                    &self.payoff,
                );
                for &(dy, dx) in offsets {
                    let (ny, nx) = (wrap(y, dy, n), wrap(x, dx, n));
                    self.score[ny * n + nx] = cell_payoff(
                        &self.strategy,
                        n,
                        ny,
                        nx,
                        offsets,
                        self.config.self_interaction,
                        &self.payoff,
                    );
                }
            }
        }
    }
}

/// See [`SpatialPd::linear_payoff`].
#[derive(Debug, Clone, Copy)]
struct Linear {
    slope: [f64; 2],
    intercept: [f64; 2],
    self_interaction: bool,
}

/// Rows y-1, y, y+1 of a lattice (wrapping).
#[inline]
fn rows<T>(cells: &[T], n: usize, y: usize) -> (&[T], &[T], &[T]) {
    let up = if y == 0 { n - 1 } else { y - 1 };
    let down = if y + 1 == n { 0 } else { y + 1 };
    (
        &cells[up * n..up * n + n],
        &cells[y * n..y * n + n],
        &cells[down * n..down * n + n],
    )
}

/// Payoffs of one row of cells.
#[inline]
fn score_row(
    up: &[u8],
    mid: &[u8],
    down: &[u8],
    out: &mut [f64],
    moore: bool,
    linear: Linear,
    cumulative: bool,
) {
    let n = mid.len();
    // Equal lengths let the compiler drop bounds checks in the loop below.
    assert!(up.len() == n && down.len() == n && out.len() == n);
    let cell = |x: usize, left: usize, right: usize| -> f64 {
        let vertical = up[x] + down[x];
        let mut cooperators = vertical + mid[left] + mid[right];
        if moore {
            cooperators += up[left] + up[right] + down[left] + down[right];
        }
        if linear.self_interaction {
            cooperators += mid[x];
        }
        let me = mid[x] as usize;
        linear.slope[me] * cooperators as f64 + linear.intercept[me]
    };
    let mut put = |x: usize, value: f64| {
        out[x] = if cumulative { out[x] + value } else { value };
    };
    put(0, cell(0, n - 1, 1));
    for x in 1..n - 1 {
        put(x, cell(x, x - 1, x + 1));
    }
    put(n - 1, cell(n - 1, n - 2, 0));
}

/// The rank of every possible round payoff: index `me * 10 + cooperators`.
fn rank_table(config: &SpatialPdConfig, payoff: &[[f64; 2]; 2]) -> [u8; 20] {
    let k = match config.neighbourhood {
        Neighbourhood::Moore => 8,
        Neighbourhood::VonNeumann => 4,
    } + usize::from(config.self_interaction);
    let value = |i: usize| {
        let (me, c) = (i / 10, (i % 10).min(k));
        c as f64 * payoff[me][1] + (k - c) as f64 * payoff[me][0]
    };
    let mut values: Vec<f64> = (0..20).map(value).collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    std::array::from_fn(|i| values.iter().position(|v| *v == value(i)).expect("listed") as u8)
}

/// Payoff ranks of one row of cells.
#[inline]
fn rank_row(
    up: &[u8],
    mid: &[u8],
    down: &[u8],
    out: &mut [u8],
    moore: bool,
    self_interaction: bool,
    table: &[u8; 20],
) {
    let n = mid.len();
    assert!(up.len() == n && down.len() == n && out.len() == n);
    let own = u8::from(self_interaction);
    // Cooperators in the 3×3 block around a cell from the three columns
    // [left, centre, right] of the rows above, at and below it.
    let cell = |u: [u8; 3], m: [u8; 3], d: [u8; 3]| -> u8 {
        let mut cooperators = u[1] + d[1] + m[0] + m[2] + own * m[1];
        if moore {
            cooperators += u[0] + u[2] + d[0] + d[2];
        }
        table[(m[1] * 10 + cooperators) as usize]
    };
    let wrap3 = |row: &[u8], x: usize| [row[(x + n - 1) % n], row[x], row[(x + 1) % n]];
    out[0] = cell(wrap3(up, 0), wrap3(mid, 0), wrap3(down, 0));
    out[n - 1] = cell(wrap3(up, n - 1), wrap3(mid, n - 1), wrap3(down, n - 1));
    let inner = up.windows(3).zip(mid.windows(3)).zip(down.windows(3));
    for (o, ((u, m), d)) in out[1..n - 1].iter_mut().zip(inner) {
        *o = cell([u[0], u[1], u[2]], [m[0], m[1], m[2]], [d[0], d[1], d[2]]);
    }
}

/// Next strategies of one row: each cell copies the best-scoring cell of
/// its neighbourhood, itself first, then N, S, W, E, NW, NE, SW, SE (a later
/// cell wins only with a strictly higher score).
#[inline]
fn imitate_row<T: Copy + PartialOrd>(
    strategy: [&[u8]; 3],
    score: [&[T]; 3],
    next: &mut [u8],
    moore: bool,
) {
    let n = next.len();
    let [s_up, s_mid, s_down] = strategy;
    let [c_up, c_mid, c_down] = score;
    assert!(
        [
            s_up.len(),
            s_mid.len(),
            s_down.len(),
            c_up.len(),
            c_mid.len(),
            c_down.len()
        ]
        .iter()
        .all(|&l| l == n)
    );
    // Each argument holds [left, centre, right] of one row.
    let cell = |su: [u8; 3], sm: [u8; 3], sd: [u8; 3], cu: [T; 3], cm: [T; 3], cd: [T; 3]| -> u8 {
        let mut best = cm[1];
        let mut chosen = sm[1];
        let mut consider = |score: T, strategy: u8| {
            let better = score > best;
            best = if better { score } else { best };
            chosen = if better { strategy } else { chosen };
        };
        consider(cu[1], su[1]);
        consider(cd[1], sd[1]);
        consider(cm[0], sm[0]);
        consider(cm[2], sm[2]);
        if moore {
            consider(cu[0], su[0]);
            consider(cu[2], su[2]);
            consider(cd[0], sd[0]);
            consider(cd[2], sd[2]);
        }
        chosen
    };
    fn wrap3<T: Copy>(row: &[T], x: usize) -> [T; 3] {
        let n = row.len();
        [row[(x + n - 1) % n], row[x], row[(x + 1) % n]]
    }
    for x in [0, n - 1] {
        next[x] = cell(
            wrap3(s_up, x),
            wrap3(s_mid, x),
            wrap3(s_down, x),
            wrap3(c_up, x),
            wrap3(c_mid, x),
            wrap3(c_down, x),
        );
    }
    let three = |w: &[T]| [w[0], w[1], w[2]];
    let strategies = s_up.windows(3).zip(s_mid.windows(3)).zip(s_down.windows(3));
    let scores = c_up.windows(3).zip(c_mid.windows(3)).zip(c_down.windows(3));
    for (out, (((su, sm), sd), ((cu, cm), cd))) in
        next[1..n - 1].iter_mut().zip(strategies.zip(scores))
    {
        *out = cell(
            [su[0], su[1], su[2]],
            [sm[0], sm[1], sm[2]],
            [sd[0], sd[1], sd[2]],
            three(cu),
            three(cm),
            three(cd),
        );
    }
}

#[inline]
fn wrap(i: usize, d: isize, n: usize) -> usize {
    match d {
        -1 if i == 0 => n - 1,
        -1 => i - 1,
        1 if i + 1 == n => 0,
        1 => i + 1,
        _ => i,
    }
}

/// One cell's payoff against its neighbourhood.
#[inline]
fn cell_payoff(
    strategy: &[u8],
    n: usize,
    y: usize,
    x: usize,
    offsets: &[(isize, isize)],
    self_interaction: bool,
    payoff: &[[f64; 2]; 2],
) -> f64 {
    let me = strategy[y * n + x] as usize;
    let mut cooperators = 0u32;
    for &(dy, dx) in offsets {
        cooperators += strategy[wrap(y, dy, n) * n + wrap(x, dx, n)] as u32;
    }
    let mut others = offsets.len() as u32;
    if self_interaction {
        cooperators += me as u32;
        others += 1;
    }
    cooperators as f64 * payoff[me][1] + (others - cooperators) as f64 * payoff[me][0]
}

/// The index of the best-scoring cell of the neighbourhood, self first.
#[inline]
fn best_cell(score: &[f64], n: usize, y: usize, x: usize, offsets: &[(isize, isize)]) -> usize {
    let mut best = y * n + x;
    let mut best_score = score[best];
    for &(dy, dx) in offsets {
        let j = wrap(y, dy, n) * n + wrap(x, dx, n);
        if score[j] > best_score {
            best = j;
            best_score = score[j];
        }
    }
    best
}

/// Mean of the last quarter of a series (at least one value).
pub fn tail_mean(series: &[f64]) -> f64 {
    let k = (series.len() / 4).max(1).min(series.len());
    let tail = &series[series.len() - k..];
    tail.iter().sum::<f64>() / tail.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_defector_among_cooperators_spreads_as_in_the_paper() {
        // Nowak and May, Fig. 1: with 1.8 < b < 2 a single D grows into a 3×3 block.
        let config = SpatialPdConfig {
            size: 11,
            defectors: 0.0,
            ..SpatialPdConfig::default()
        };
        let mut g = SpatialPd::new(config).unwrap();
        let mut lattice = vec![1u8; 121];
        lattice[5 * 11 + 5] = 0;
        g.set_strategies(&lattice).unwrap();
        g.step();
        let defectors: usize = g.strategies().iter().filter(|&&s| s == 0).count();
        assert_eq!(defectors, 9);
        assert_eq!(
            g.transitions()
                .filter(|t| *t == Transition::BecameD)
                .count(),
            8
        );
    }

    #[test]
    fn all_cooperators_stay_cooperators() {
        let mut g = SpatialPd::new(SpatialPdConfig {
            size: 8,
            defectors: 0.0,
            ..SpatialPdConfig::default()
        })
        .unwrap();
        assert_eq!(g.run(3), vec![1.0, 1.0, 1.0]);
    }

    #[test]
    fn same_seed_same_lattice_in_every_mode() {
        for update in [Update::Synchronous, Update::Asynchronous] {
            for scoring in [Scoring::Round, Scoring::Cumulative] {
                let c = SpatialPdConfig {
                    size: 20,
                    update,
                    scoring,
                    seed: 4,
                    defectors: 0.3,
                    ..SpatialPdConfig::default()
                };
                let (mut a, mut b) = (SpatialPd::new(c).unwrap(), SpatialPd::new(c).unwrap());
                assert_eq!(a.run(10), b.run(10));
                assert_eq!(a.strategies(), b.strategies());
            }
        }
    }

    /// The straightforward rule, cell by cell, for comparison with the
    /// optimised row kernels.
    fn reference_step(
        strategy: &[u8],
        cumulative: Option<&mut Vec<f64>>,
        c: &SpatialPdConfig,
    ) -> Vec<u8> {
        let n = c.size;
        let offsets: &[(isize, isize)] = if c.neighbourhood == Neighbourhood::Moore {
            &MOORE
        } else {
            &MOORE[..4]
        };
        let payoff = [[c.punishment, c.temptation], [c.sucker, c.reward]];
        let round: Vec<f64> = (0..n * n)
            .map(|i| {
                cell_payoff(
                    strategy,
                    n,
                    i / n,
                    i % n,
                    offsets,
                    c.self_interaction,
                    &payoff,
                )
            })
            .collect();
        let score = match cumulative {
            Some(total) => {
                total.iter_mut().zip(&round).for_each(|(t, r)| *t += r);
                total.clone()
            }
            None => round,
        };
        (0..n * n)
            .map(|i| strategy[best_cell(&score, n, i / n, i % n, offsets)])
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn optimised_steps_equal_the_cell_by_cell_rule(
            size in 3usize..12,
            temptation in proptest::sample::select(vec![1.0, 1.5, 1.6, 1.85, 2.0, 2.5, 3.0]),
            moore: bool,
            self_interaction: bool,
            cumulative: bool,
            seed in 0u64..1000,
        ) {
            let c = SpatialPdConfig {
                size,
                temptation,
                neighbourhood: if moore { Neighbourhood::Moore } else { Neighbourhood::VonNeumann },
                self_interaction,
                scoring: if cumulative { Scoring::Cumulative } else { Scoring::Round },
                defectors: 0.4,
                seed,
                ..SpatialPdConfig::default()
            };
            let mut g = SpatialPd::new(c).unwrap();
            let mut lattice = g.strategies().to_vec();
            let mut totals = vec![0.0; size * size];
            for _ in 0..6 {
                lattice = reference_step(&lattice, cumulative.then_some(&mut totals), &c);
                g.step();
                proptest::prop_assert_eq!(g.strategies(), &lattice[..]);
            }
        }
    }

    #[test]
    fn wrap_is_a_torus() {
        assert_eq!(wrap(0, -1, 5), 4);
        assert_eq!(wrap(4, 1, 5), 0);
        assert_eq!(wrap(2, 0, 5), 2);
    }
}
