//! The stage game: actions and payoffs.

use serde::{Deserialize, Serialize};

use crate::ClassicError;

/// One move of the prisoner's dilemma.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Action {
    /// Cooperate.
    C,
    /// Defect.
    D,
}

impl Action {
    /// The other action.
    pub fn flip(self) -> Action {
        match self {
            Action::C => Action::D,
            Action::D => Action::C,
        }
    }

    /// `'C'` or `'D'`.
    pub fn as_char(self) -> char {
        match self {
            Action::C => 'C',
            Action::D => 'D',
        }
    }

    /// Parses `'C'` or `'D'`.
    pub fn from_char(c: char) -> Option<Action> {
        match c {
            'C' => Some(Action::C),
            'D' => Some(Action::D),
            _ => None,
        }
    }
}

/// Writes a sequence of actions as a string of `C` and `D`.
pub fn actions_to_string(actions: &[Action]) -> String {
    actions.iter().map(|a| a.as_char()).collect()
}

/// The payoffs of a symmetric prisoner's dilemma: reward R for mutual
/// cooperation, sucker's payoff S, temptation T and punishment P for mutual
/// defection (the axelrod library's `Game(r, s, t, p)`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Game {
    pub r: f64,
    pub s: f64,
    pub t: f64,
    pub p: f64,
}

impl Default for Game {
    /// Axelrod's tournament game (R, S, T, P) = (3, 0, 5, 1).
    fn default() -> Game {
        Game {
            r: 3.0,
            s: 0.0,
            t: 5.0,
            p: 1.0,
        }
    }
}

impl Game {
    /// A prisoner's dilemma: requires T > R > P > S (2R > T + S is not required).
    pub fn new(r: f64, s: f64, t: f64, p: f64) -> Result<Game, ClassicError> {
        let all_finite = [r, s, t, p].iter().all(|x| x.is_finite());
        if !(all_finite && t > r && r > p && p > s) {
            return Err(ClassicError::Game { r, s, t, p });
        }
        Ok(Game { r, s, t, p })
    }

    /// The payoffs (to the first player, to the second) of one round.
    pub fn score(&self, a: Action, b: Action) -> (f64, f64) {
        match (a, b) {
            (Action::C, Action::C) => (self.r, self.r),
            (Action::C, Action::D) => (self.s, self.t),
            (Action::D, Action::C) => (self.t, self.s),
            (Action::D, Action::D) => (self.p, self.p),
        }
    }

    /// The payoff to a player choosing `mine` against `theirs`.
    pub fn payoff(&self, mine: Action, theirs: Action) -> f64 {
        self.score(mine, theirs).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_the_dilemma_order() {
        assert!(Game::new(3.0, 0.0, 5.0, 1.0).is_ok());
        assert!(Game::new(4.0, 0.0, 5.0, 1.0).is_ok());
        // 2R < T + S is allowed.
        assert!(Game::new(2.0, 0.0, 5.0, 1.0).is_ok());
        assert!(Game::new(3.0, 1.0, 5.0, 1.0).is_err());
        assert!(Game::new(5.0, 0.0, 5.0, 1.0).is_err());
        assert!(Game::new(3.0, 0.0, 5.0, f64::NAN).is_err());
    }

    #[test]
    fn payoffs_are_symmetric() {
        let g = Game::default();
        assert_eq!(g.score(Action::C, Action::D), (0.0, 5.0));
        assert_eq!(g.score(Action::D, Action::C), (5.0, 0.0));
        assert_eq!(g.score(Action::D, Action::D), (1.0, 1.0));
    }
}
