//! The Moran process of the axelrod library (`MoranProcess`, birth–death
//! mode on a complete graph).
//!
//! Each step every pair of individuals plays a match (no self-play); an
//! individual's fitness is the sum of its scores per turn. One individual
//! is chosen to reproduce with probability proportional to fitness, one to
//! die uniformly at random (possibly the parent itself), and the offspring
//! replaces the dead. With a mutation rate, the offspring is, with that
//! probability, a uniformly chosen *other* strategy of the initial
//! population. Without mutation the process stops at fixation.

use std::collections::BTreeMap;

use rand::RngExt;
use serde::Serialize;

use super::matches::Match;
use super::strategy::Strategy;
use crate::ClassicError;
use crate::rng;

/// The settings of a Moran process.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moran {
    /// The initial population, one strategy per individual.
    pub population: Vec<Strategy>,
    pub settings: Match,
    pub mutation_rate: f64,
    /// Upper bound on the number of steps (needed when mutating).
    pub max_steps: u64,
    pub seed: u64,
}

/// The course of a Moran process.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MoranResult {
    /// The distinct strategies of the initial population, sorted by name.
    pub strategies: Vec<Strategy>,
    /// `[step][k]`: how many individuals play `strategies[k]`, from the
    /// initial population on.
    pub counts: Vec<Vec<u32>>,
    /// The strategy everyone plays at the end, if the population fixated.
    pub fixated: Option<Strategy>,
}

impl Moran {
    pub fn validate(&self) -> Result<(), ClassicError> {
        self.settings.validate()?;
        if self.population.len() < 2 {
            return Err(ClassicError::range(
                "population",
                self.population.len(),
                "at least 2 individuals",
            ));
        }
        if !(0.0..=1.0).contains(&self.mutation_rate) {
            return Err(ClassicError::range(
                "mutation_rate",
                self.mutation_rate,
                "a probability in [0, 1]",
            ));
        }
        Ok(())
    }

    /// Runs until fixation (without mutation) or `max_steps`.
    pub fn run(&self) -> Result<MoranResult, ClassicError> {
        self.validate()?;
        let mut strategies: Vec<Strategy> = self.population.clone();
        strategies.sort_by_key(|s| s.name());
        strategies.dedup();
        let mut rng = rng::stream(self.seed, 0);
        let mut population = self.population.clone();
        let count = |pop: &[Strategy]| -> Vec<u32> {
            strategies
                .iter()
                .map(|s| pop.iter().filter(|p| *p == s).count() as u32)
                .collect()
        };
        let mut counts = vec![count(&population)];
        // Deterministic matches without noise are played once per pair of strategies.
        let cacheable = self.settings.noise == 0.0 && self.settings.prob_end.is_none();
        let mut cache: BTreeMap<(Strategy, Strategy), (f64, f64)> = BTreeMap::new();
        let n = population.len();
        let fixated = |pop: &[Strategy]| pop.iter().all(|s| *s == pop[0]);
        let mut step: u64 = 0;
        while step < self.max_steps {
            if self.mutation_rate == 0.0 && fixated(&population) {
                break;
            }
            let mut fitness = vec![0.0; n];
            for i in 0..n {
                for j in i + 1..n {
                    let (a, b) = (population[i], population[j]);
                    let deterministic = cacheable && !a.is_stochastic() && !b.is_stochastic();
                    let scores = if deterministic {
                        *cache
                            .entry((a, b))
                            .or_insert_with(|| per_turn(&self.settings, a, b, 0))
                    } else {
                        per_turn(
                            &self.settings,
                            a,
                            b,
                            rng::derive(self.seed, &[step, i as u64, j as u64]),
                        )
                    };
                    fitness[i] += scores.0;
                    fitness[j] += scores.1;
                }
            }
            let total: f64 = fitness.iter().sum();
            let r = rng.random::<f64>() * total;
            let mut cumulative = 0.0;
            let mut parent = n - 1;
            for (k, f) in fitness.iter().enumerate() {
                cumulative += f;
                if cumulative >= r {
                    parent = k;
                    break;
                }
            }
            let dead = rng.random_range(0..n);
            let mut child = population[parent];
            if self.mutation_rate > 0.0 && rng.random::<f64>() < self.mutation_rate {
                let others: Vec<Strategy> =
                    strategies.iter().copied().filter(|s| *s != child).collect();
                if !others.is_empty() {
                    child = others[rng.random_range(0..others.len())];
                }
            }
            population[dead] = child;
            counts.push(count(&population));
            step += 1;
        }
        let fixated = fixated(&population).then_some(population[0]);
        Ok(MoranResult {
            strategies,
            counts,
            fixated,
        })
    }
}

fn per_turn(settings: &Match, a: Strategy, b: Strategy, seed: u64) -> (f64, f64) {
    let r = settings.play(a, b, seed);
    let turns = r.turns().max(1) as f64;
    (r.score_a / turns, r.score_b / turns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moran(population: Vec<Strategy>, mutation_rate: f64, seed: u64) -> Moran {
        Moran {
            population,
            settings: Match {
                turns: 20,
                ..Match::default()
            },
            mutation_rate,
            max_steps: 10_000,
            seed,
        }
    }

    #[test]
    fn defectors_take_over_cooperators() {
        let pop = vec![
            Strategy::Cooperator,
            Strategy::Cooperator,
            Strategy::Defector,
            Strategy::Defector,
        ];
        let r = moran(pop, 0.0, 3).run().unwrap();
        assert_eq!(r.fixated, Some(Strategy::Defector));
        for c in &r.counts {
            assert_eq!(c.iter().sum::<u32>(), 4);
        }
    }

    #[test]
    fn neutral_fixation_probability_is_the_initial_share() {
        // Two identical-payoff strategies (cooperator vs tit-for-tat never
        // differ): fixation of cooperator from 1 of 4 has probability 1/4.
        let runs = 2000;
        let wins = (0..runs)
            .filter(|&seed| {
                let pop = vec![
                    Strategy::Cooperator,
                    Strategy::TitForTat,
                    Strategy::TitForTat,
                    Strategy::TitForTat,
                ];
                moran(pop, 0.0, seed).run().unwrap().fixated == Some(Strategy::Cooperator)
            })
            .count();
        let share = wins as f64 / runs as f64;
        // Standard error sqrt(0.25 * 0.75 / 2000) ≈ 0.0097; allow 4 of them.
        assert!((share - 0.25).abs() < 0.04, "{share}");
    }

    #[test]
    fn mutation_keeps_the_process_going() {
        let pop = vec![Strategy::Cooperator, Strategy::Defector];
        let m = Moran {
            max_steps: 50,
            ..moran(pop, 0.2, 1)
        };
        let r = m.run().unwrap();
        assert_eq!(r.counts.len(), 51);
    }
}
