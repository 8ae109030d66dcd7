//! One match between two strategies.

use rand::RngExt;
use serde::Serialize;

use super::game::{Action, Game, actions_to_string};
use super::player::{History, MatchInfo, Player};
use super::strategy::Strategy;
use crate::ClassicError;
use crate::rng;

/// How a match is played (the axelrod library's `Match` arguments).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Match {
    pub game: Game,
    /// Number of turns; with `prob_end` the upper bound of the random length.
    pub turns: u32,
    /// Probability that each move is flipped after it is chosen.
    pub noise: f64,
    /// Probability that the match ends after each turn. When set, players
    /// are told the length is unknown.
    pub prob_end: Option<f64>,
}

impl Default for Match {
    fn default() -> Match {
        Match {
            game: Game::default(),
            turns: 200,
            noise: 0.0,
            prob_end: None,
        }
    }
}

/// The outcome of a match.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchResult {
    pub moves_a: Vec<Action>,
    pub moves_b: Vec<Action>,
    pub score_a: f64,
    pub score_b: f64,
}

impl MatchResult {
    pub fn turns(&self) -> usize {
        self.moves_a.len()
    }

    pub fn cooperations_a(&self) -> usize {
        self.moves_a.iter().filter(|&&a| a == Action::C).count()
    }

    pub fn cooperations_b(&self) -> usize {
        self.moves_b.iter().filter(|&&a| a == Action::C).count()
    }

    /// Moves of the first player as a string of C and D.
    pub fn moves_a_string(&self) -> String {
        actions_to_string(&self.moves_a)
    }

    pub fn moves_b_string(&self) -> String {
        actions_to_string(&self.moves_b)
    }
}

/// The axelrod library's `sample_length`: the number of turns of a match
/// that ends after each turn with probability `prob_end`, by inverse
/// transform of the geometric distribution from a uniform `r` in [0, 1).
pub fn sample_length(prob_end: f64, r: f64) -> u64 {
    if prob_end <= 0.0 {
        u64::MAX
    } else if prob_end >= 1.0 {
        1
    } else {
        ((1.0 - r).ln() / (1.0 - prob_end).ln()).ceil() as u64
    }
}

impl Match {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), ClassicError> {
        Game::new(self.game.r, self.game.s, self.game.t, self.game.p)?;
        if !(0.0..=1.0).contains(&self.noise) {
            return Err(ClassicError::range(
                "noise",
                self.noise,
                "a probability in [0, 1]",
            ));
        }
        if let Some(p) = self.prob_end
            && !(p > 0.0 && p <= 1.0)
        {
            return Err(ClassicError::range(
                "prob_end",
                p,
                "a probability in (0, 1]",
            ));
        }
        if self.turns == 0 {
            return Err(ClassicError::range("turns", self.turns, "at least 1"));
        }
        Ok(())
    }

    /// What the players are told.
    pub fn info(&self) -> MatchInfo {
        MatchInfo {
            game: self.game,
            length: if self.prob_end.is_some() {
                None
            } else {
                Some(self.turns)
            },
        }
    }

    /// Plays `a` against `b`. The seed drives three streams: the match's
    /// own (length and noise), and one for each player.
    pub fn play(&self, a: Strategy, b: Strategy, seed: u64) -> MatchResult {
        self.play_with_info(a, b, seed, self.info())
    }

    /// Plays a match telling the players `info` instead of the truth (the
    /// library's `match_attributes` argument), e.g. an unknown length.
    pub fn play_with_info(
        &self,
        a: Strategy,
        b: Strategy,
        seed: u64,
        info: MatchInfo,
    ) -> MatchResult {
        let mut match_rng = rng::stream(seed, 0);
        let mut rng_a = rng::stream(seed, 1);
        let mut rng_b = rng::stream(seed, 2);
        let turns = match self.prob_end {
            Some(p) => sample_length(p, match_rng.random::<f64>()).min(self.turns as u64) as usize,
            None => self.turns as usize,
        };
        let (mut player_a, mut player_b) = (Player::new(a), Player::new(b));
        let (mut history_a, mut history_b) =
            (History::with_capacity(turns), History::with_capacity(turns));
        let (mut score_a, mut score_b) = (0.0, 0.0);
        for _ in 0..turns {
            let mut move_a = player_a.decide(&history_a, &history_b, &info, &mut rng_a);
            let mut move_b = player_b.decide(&history_b, &history_a, &info, &mut rng_b);
            if self.noise > 0.0 {
                if match_rng.random::<f64>() < self.noise {
                    move_a = move_a.flip();
                }
                if match_rng.random::<f64>() < self.noise {
                    move_b = move_b.flip();
                }
            }
            let (pa, pb) = self.game.score(move_a, move_b);
            score_a += pa;
            score_b += pb;
            history_a.push(move_a);
            history_b.push(move_b);
        }
        MatchResult {
            moves_a: history_a.moves,
            moves_b: history_b.moves,
            score_a,
            score_b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tit_for_tat_against_defector() {
        let r = Match {
            turns: 4,
            ..Match::default()
        }
        .play(Strategy::TitForTat, Strategy::Defector, 0);
        assert_eq!(r.moves_a_string(), "CDDD");
        assert_eq!(r.moves_b_string(), "DDDD");
        assert_eq!((r.score_a, r.score_b), (3.0, 8.0));
    }

    #[test]
    fn sample_length_is_geometric() {
        assert_eq!(sample_length(1.0, 0.3), 1);
        assert_eq!(sample_length(0.5, 0.49), 1);
        assert_eq!(sample_length(0.5, 0.51), 2);
        // Mean of the geometric distribution is 1 / p.
        let n = 20_000;
        let mean: f64 = (0..n)
            .map(|i| sample_length(0.1, (i as f64 + 0.5) / n as f64) as f64)
            .sum::<f64>()
            / n as f64;
        assert!((mean - 10.0).abs() < 0.1, "{mean}");
    }

    #[test]
    fn noise_flips_about_the_right_share_of_moves() {
        let m = Match {
            turns: 20_000,
            noise: 0.1,
            ..Match::default()
        };
        let r = m.play(Strategy::Cooperator, Strategy::Defector, 3);
        let flipped = r.moves_a.iter().filter(|&&a| a == Action::D).count() as f64 / 20_000.0;
        assert!((flipped - 0.1).abs() < 0.01, "{flipped}");
    }

    proptest::proptest! {
        /// Scores are the game's payoffs summed over the moves played, and
        /// deterministic strategies without noise ignore the seed.
        #[test]
        fn scores_follow_the_moves(a in 0usize..33, b in 0usize..33, turns in 1u32..120, seed: u64, noise in 0.0f64..0.3) {
            let (a, b) = (Strategy::ALL[a], Strategy::ALL[b]);
            let game = Game::new(4.0, -1.0, 6.0, 0.5).unwrap();
            let m = Match { game, turns, noise, prob_end: None };
            let r = m.play(a, b, seed);
            proptest::prop_assert_eq!(r.turns(), turns as usize);
            let (mut sa, mut sb) = (0.0, 0.0);
            for (x, y) in r.moves_a.iter().zip(&r.moves_b) {
                let (pa, pb) = game.score(*x, *y);
                sa += pa;
                sb += pb;
            }
            proptest::prop_assert!((sa - r.score_a).abs() < 1e-9 && (sb - r.score_b).abs() < 1e-9);
            if !a.is_stochastic() && !b.is_stochastic() {
                let quiet = Match { noise: 0.0, ..m };
                proptest::prop_assert_eq!(quiet.play(a, b, seed), quiet.play(a, b, seed.wrapping_add(1)));
            }
        }
    }

    #[test]
    fn same_seed_same_match() {
        let m = Match {
            noise: 0.05,
            prob_end: Some(0.01),
            ..Match::default()
        };
        assert_eq!(
            m.play(Strategy::Random, Strategy::FirstByJoss, 9),
            m.play(Strategy::Random, Strategy::FirstByJoss, 9)
        );
    }
}
