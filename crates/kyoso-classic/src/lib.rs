//! kyoso-classic: the classic cooperation models, validated baselines for
//! kyoso (see `docs/classic-models.md`).
//!
//! - [`ipd`]: the iterated prisoner's dilemma of Axelrod (1980, 1984) as the
//!   axelrod Python library defines it: strategies, matches, round-robin
//!   tournaments, Moran processes and the ecological variant.
//! - [`spatial_pd`]: the spatial prisoner's dilemma of Nowak and May (1992).
//! - [`ethnocentrism`]: the evolution of ethnocentrism of Hammond and
//!   Axelrod (2006).
//!
//! Like kyoso-core, this crate never prints and never touches files; every
//! random draw comes from an explicitly seeded ChaCha8 stream ([`rng`]).

pub mod ethnocentrism;
pub mod ipd;
pub mod params;
pub mod rng;
pub mod spatial_pd;

/// Why a model could not be set up.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClassicError {
    #[error("not a prisoner's dilemma: (R, S, T, P) = ({r}, {s}, {t}, {p}) needs T > R > P > S")]
    Game { r: f64, s: f64, t: f64, p: f64 },
    #[error("unknown strategy `{name}`{}; `kyoso strategies` lists them", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownStrategy {
        name: String,
        suggestion: Option<String>,
    },
    #[error("{name} = {value} is out of range: {allowed}")]
    OutOfRange {
        name: &'static str,
        value: String,
        allowed: &'static str,
    },
}

impl ClassicError {
    /// A parameter outside its allowed range.
    pub fn range(
        name: &'static str,
        value: impl std::fmt::Display,
        allowed: &'static str,
    ) -> ClassicError {
        ClassicError::OutOfRange {
            name,
            value: value.to_string(),
            allowed,
        }
    }
}
