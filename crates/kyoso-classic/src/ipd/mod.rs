//! The iterated prisoner's dilemma, as the axelrod Python library defines it.

pub mod game;
pub mod matches;
pub mod player;
pub mod strategy;

pub use game::{Action, Game};
pub use matches::{Match, MatchResult};
pub use player::{History, MatchInfo, Player};
pub use strategy::{Strategy, StrategyInfo};
pub mod tournament;
pub use tournament::{Tournament, TournamentResult};
pub mod ecological;
pub mod moran;
pub use moran::{Moran, MoranResult};
