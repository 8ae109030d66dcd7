//! The ecological variant of a tournament (the axelrod library's
//! `Ecosystem`): population shares grow in proportion to their payoff
//! against the current population.
//!
//! Each generation, i's payoff is the sum over j of a draw from
//! Normal(mean_ij, sd_ij) (the mean and standard deviation over
//! repetitions of i's score per turn against j) times j's share; new shares
//! are old shares times payoff, normalised to one.

use rand_distr::{Distribution, Normal};
use serde::Serialize;

use super::tournament::TournamentResult;
use crate::ClassicError;
use crate::rng;

/// Population shares over generations, `[generation][player]`, starting
/// from `initial` (equal shares when `None`).
pub fn ecosystem(
    result: &TournamentResult,
    generations: u32,
    initial: Option<&[f64]>,
    seed: u64,
) -> Result<Ecology, ClassicError> {
    let n = result.players.len();
    let start: Vec<f64> = match initial {
        None => vec![1.0 / n as f64; n],
        Some(p) => {
            if p.len() != n
                || p.iter().any(|x| x.is_nan() || *x < 0.0)
                || p.iter().sum::<f64>() <= 0.0
            {
                return Err(ClassicError::range(
                    "population",
                    format!("{p:?}"),
                    "one non-negative share per player, not all zero",
                ));
            }
            let total: f64 = p.iter().sum();
            p.iter().map(|x| x / total).collect()
        }
    };
    let mut rng = rng::stream(seed, 7);
    let mut shares = vec![start];
    for _ in 0..generations {
        let pops = shares.last().expect("at least the initial shares");
        let mut payoffs = vec![0.0; n];
        for (i, payoff) in payoffs.iter_mut().enumerate() {
            for (j, share) in pops.iter().enumerate() {
                let (mean, sd) = (result.payoff_matrix[i][j], result.payoff_stddevs[i][j]);
                let draw = if sd > 0.0 {
                    Normal::new(mean, sd).expect("finite sd").sample(&mut rng)
                } else {
                    mean
                };
                *payoff += draw * share;
            }
        }
        let next: Vec<f64> = pops.iter().zip(&payoffs).map(|(p, f)| p * f).collect();
        let total: f64 = next.iter().sum();
        shares.push(next.iter().map(|x| x / total).collect());
    }
    Ok(Ecology { shares })
}

/// The course of an ecological tournament.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ecology {
    /// `[generation][player]`, each row summing to one.
    pub shares: Vec<Vec<f64>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipd::{Match, Strategy, Tournament};

    #[test]
    fn exploiters_die_out_with_their_prey() {
        let t = Tournament {
            players: vec![
                Strategy::Cooperator,
                Strategy::Defector,
                Strategy::TitForTat,
            ],
            settings: Match {
                turns: 50,
                ..Match::default()
            },
            repetitions: 1,
            seed: 0,
        };
        let r = t.play().unwrap();
        let e = ecosystem(&r, 300, None, 0).unwrap();
        let last = e.shares.last().unwrap();
        assert!((last.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(last[1] < 0.01, "defector share {last:?}");
        assert!(last[2] > last[1]);
    }
}
