//! Round-robin tournaments, ranked as the axelrod library ranks them.

use serde::Serialize;

use super::matches::Match;
use super::strategy::Strategy;
use crate::ClassicError;
use crate::rng;

/// A round robin: every pair of players (self-play included) meets
/// `repetitions` times.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tournament {
    pub players: Vec<Strategy>,
    pub settings: Match,
    pub repetitions: u32,
    pub seed: u64,
}

/// One match of a tournament.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MatchRecord {
    /// Index of the first player in `players`.
    pub player_a: usize,
    pub player_b: usize,
    pub repetition: u32,
    pub turns: u32,
    pub score_a: f64,
    pub score_b: f64,
    pub cooperations_a: u32,
    pub cooperations_b: u32,
}

/// Everything a tournament produced, with the library's summary measures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TournamentResult {
    pub players: Vec<Strategy>,
    pub repetitions: u32,
    pub matches: Vec<MatchRecord>,
    /// `[player][repetition]`: mean score per turn over the player's
    /// matches against the *other* players (self-play excluded).
    pub normalised_scores: Vec<Vec<f64>>,
    /// Player indices, best first: by median normalised score, ties kept in
    /// player order (the library's stable sort).
    pub ranking: Vec<usize>,
    /// Matches won (strictly higher score), self-play excluded, summed over repetitions.
    pub wins: Vec<u32>,
    /// Cooperations over turns played against the other players.
    pub cooperation_rate: Vec<f64>,
    /// `[i][j]`: mean over repetitions of i's score per turn against j.
    pub payoff_matrix: Vec<Vec<f64>>,
    /// `[i][j]`: population standard deviation of the same.
    pub payoff_stddevs: Vec<Vec<f64>>,
}

/// Median of a non-empty slice (mean of the two middle values when even).
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

impl Tournament {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), ClassicError> {
        self.settings.validate()?;
        if self.players.len() < 2 {
            return Err(ClassicError::range(
                "players",
                self.players.len(),
                "at least 2",
            ));
        }
        if self.repetitions == 0 {
            return Err(ClassicError::range("repetitions", 0, "at least 1"));
        }
        Ok(())
    }

    /// The seed of one match: independent of the order matches are played in.
    pub fn match_seed(&self, a: usize, b: usize, repetition: u32) -> u64 {
        rng::derive(self.seed, &[a as u64, b as u64, repetition as u64])
    }

    /// Plays every match.
    pub fn play(&self) -> Result<TournamentResult, ClassicError> {
        self.validate()?;
        let n = self.players.len();
        let mut matches = Vec::with_capacity(n * (n + 1) / 2 * self.repetitions as usize);
        for repetition in 0..self.repetitions {
            for a in 0..n {
                for b in a..n {
                    let r = self.settings.play(
                        self.players[a],
                        self.players[b],
                        self.match_seed(a, b, repetition),
                    );
                    matches.push(MatchRecord {
                        player_a: a,
                        player_b: b,
                        repetition,
                        turns: r.turns() as u32,
                        score_a: r.score_a,
                        score_b: r.score_b,
                        cooperations_a: r.cooperations_a() as u32,
                        cooperations_b: r.cooperations_b() as u32,
                    });
                }
            }
        }
        Ok(summarise(self.players.clone(), self.repetitions, matches))
    }
}

/// The library's `ResultSet` measures from the list of matches.
pub fn summarise(
    players: Vec<Strategy>,
    repetitions: u32,
    matches: Vec<MatchRecord>,
) -> TournamentResult {
    let n = players.len();
    let reps = repetitions as usize;
    let mut per_turn_sum = vec![vec![0.0; reps]; n];
    let mut opponents = vec![vec![0u32; reps]; n];
    let mut wins = vec![0u32; n];
    let mut cooperations = vec![0u64; n];
    let mut turns_played = vec![0u64; n];
    let mut payoffs: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); n]; n];
    for m in &matches {
        let turns = m.turns.max(1) as f64;
        let (a, b, rep) = (m.player_a, m.player_b, m.repetition as usize);
        let (pa, pb) = (m.score_a / turns, m.score_b / turns);
        payoffs[a][b].push(pa);
        if a == b {
            payoffs[a][a].push(pb);
            continue;
        }
        payoffs[b][a].push(pb);
        per_turn_sum[a][rep] += pa;
        per_turn_sum[b][rep] += pb;
        opponents[a][rep] += 1;
        opponents[b][rep] += 1;
        if m.score_a > m.score_b {
            wins[a] += 1;
        } else if m.score_b > m.score_a {
            wins[b] += 1;
        }
        cooperations[a] += m.cooperations_a as u64;
        cooperations[b] += m.cooperations_b as u64;
        turns_played[a] += m.turns as u64;
        turns_played[b] += m.turns as u64;
    }
    let normalised_scores: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..reps)
                .map(|r| per_turn_sum[i][r] / opponents[i][r].max(1) as f64)
                .collect()
        })
        .collect();
    let medians: Vec<f64> = normalised_scores.iter().map(|s| median(s)).collect();
    let mut ranking: Vec<usize> = (0..n).collect();
    ranking.sort_by(|&x, &y| medians[y].total_cmp(&medians[x]));
    let cooperation_rate = (0..n)
        .map(|i| cooperations[i] as f64 / turns_played[i].max(1) as f64)
        .collect();
    let payoff_matrix = payoffs
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| if v.is_empty() { 0.0 } else { mean(v) })
                .collect()
        })
        .collect();
    let payoff_stddevs = payoffs
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| {
                    if v.is_empty() {
                        return 0.0;
                    }
                    let m = mean(v);
                    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
                })
                .collect()
        })
        .collect();
    TournamentResult {
        players,
        repetitions,
        matches,
        normalised_scores,
        ranking,
        wins,
        cooperation_rate,
        payoff_matrix,
        payoff_stddevs,
    }
}

impl TournamentResult {
    pub fn median_score(&self, player: usize) -> f64 {
        median(&self.normalised_scores[player])
    }

    pub fn mean_score(&self, player: usize) -> f64 {
        mean(&self.normalised_scores[player])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_five_rank_as_expected() {
        let t = Tournament {
            players: vec![
                Strategy::Cooperator,
                Strategy::Defector,
                Strategy::TitForTat,
                Strategy::Grudger,
            ],
            settings: Match {
                turns: 10,
                ..Match::default()
            },
            repetitions: 2,
            seed: 1,
        };
        let r = t.play().unwrap();
        assert_eq!(r.matches.len(), 10 * 2);
        // Cooperator: 3 vs TFT, 3 vs Grudger, 0 vs Defector → 2 per turn.
        assert_eq!(r.normalised_scores[0], vec![2.0, 2.0]);
        // Defector: 5 vs Cooperator, (5+9)/10 vs TFT and vs Grudger → (5 + 1.4 + 1.4) / 3.
        assert!((r.normalised_scores[1][0] - 7.8 / 3.0).abs() < 1e-12);
        // TFT: 3, 0.9, 3 → 6.9 / 3 = 2.3 (ties with Grudger; stable order keeps TFT first).
        assert_eq!(r.ranking, vec![1, 2, 3, 0]);
        assert_eq!(r.wins[1], 3 * 2);
        assert_eq!(r.payoff_matrix[0][0], 3.0);
    }

    #[test]
    fn a_match_does_not_depend_on_the_other_players() {
        // Each match's seed depends only on (seed, indices, repetition), so
        // adding a player at the end leaves the existing matches unchanged.
        let settings = Match {
            turns: 30,
            noise: 0.05,
            ..Match::default()
        };
        let small = Tournament {
            players: vec![Strategy::Random, Strategy::FirstByJoss],
            settings,
            repetitions: 3,
            seed: 9,
        };
        let big = Tournament {
            players: vec![Strategy::Random, Strategy::FirstByJoss, Strategy::Defector],
            ..small.clone()
        };
        let (s, b) = (small.play().unwrap(), big.play().unwrap());
        for m in &s.matches {
            assert!(b.matches.contains(m), "{m:?}");
        }
        assert_eq!(small.play().unwrap(), s);
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
