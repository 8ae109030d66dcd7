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
//! transitions); scores are one `f64` per cell. That is 10 bytes per cell.
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
    score: Vec<f64>,
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
        Ok(SpatialPd {
            previous: strategy.clone(),
            strategy,
            score: vec![0.0; cells],
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

    pub fn scores(&self) -> &[f64] {
        &self.score
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
        let n = self.config.size;
        let offsets = self.offsets();
        let (payoff, self_interaction, cumulative) = (
            self.payoff,
            self.config.self_interaction,
            self.config.scoring == Scoring::Cumulative,
        );
        let strategy = &self.strategy;
        self.score
            .par_chunks_mut(n)
            .enumerate()
            .for_each(|(y, row)| {
                for (x, score) in row.iter_mut().enumerate() {
                    let payoff_now =
                        cell_payoff(strategy, n, y, x, offsets, self_interaction, &payoff);
                    *score = if cumulative {
                        *score + payoff_now
                    } else {
                        payoff_now
                    };
                }
            });
        let score = &self.score;
        self.previous
            .par_chunks_mut(n)
            .enumerate()
            .for_each(|(y, row)| {
                for (x, next) in row.iter_mut().enumerate() {
                    *next = strategy[best_cell(score, n, y, x, offsets)];
                }
            });
        std::mem::swap(&mut self.strategy, &mut self.previous);
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

    #[test]
    fn wrap_is_a_torus() {
        assert_eq!(wrap(0, -1, 5), 4);
        assert_eq!(wrap(4, 1, 5), 0);
        assert_eq!(wrap(2, 0, 5), 2);
    }
}
