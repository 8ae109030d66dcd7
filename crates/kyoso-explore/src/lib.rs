//! kyoso-explore: which parameters matter, and where a result holds.
//!
//! The pure part of model exploration, independent of any model:
//! - [`space`]: the parameters to explore, each with a range and a
//!   distribution, and the map from the unit cube to their values;
//! - [`design`]: experimental designs in the unit cube (Latin hypercube
//!   with optional maximin improvement, the Sobol' sequence with Joe–Kuo
//!   direction numbers, Saltelli's scheme for Sobol' indices, Morris
//!   trajectories with optional optimisation, full factorial);
//! - [`sensitivity`]: estimators (Morris μ, μ*, σ; Sobol' S1, ST, S2 with
//!   the estimators SALib uses; standardised regression and partial rank
//!   correlation coefficients), each with bootstrap intervals;
//! - [`discover`]: scenario discovery (PRIM peeling and pasting, a shallow
//!   classification tree).
//!
//! Everything here is deterministic for a seed (ChaCha8 streams), reads no
//! files and prints nothing: the command line and other faces adapt it.

// Index loops read as the formulas they implement (sums over i, j).
#![allow(clippy::needless_range_loop)]

pub mod design;
pub mod discover;
pub mod sensitivity;
pub mod space;
pub mod stats;

/// A bad space, design request or analysis input. Bad input: exit status 2.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{context}: {message}")]
pub struct ExploreError {
    /// What the error is about: a key, a method, a column.
    pub context: String,
    pub message: String,
}

pub(crate) fn err(context: impl Into<String>, message: impl Into<String>) -> ExploreError {
    ExploreError {
        context: context.into(),
        message: message.into(),
    }
}

/// The random stream of an exploration step, keyed by its seed.
pub(crate) fn rng(seed: u64, stream: u64) -> rand_chacha::ChaCha8Rng {
    use rand::SeedableRng;
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}
