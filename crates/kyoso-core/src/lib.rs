//! kyoso-core: the models of kyoso, as a library.
//!
//! The silent-rivalry market model ([`silent_rivalry`]) turns the claims of
//! the source article into mechanisms; [`scenario`] holds every parameter.
//! The crate never prints, never reads or writes files and never touches the
//! terminal: front ends (the `kyoso` command line, the web view, sweeps,
//! future Python bindings) drive it through [`silent_rivalry::Simulation`].
//!
//! Determinism: every random draw comes from a [`rng::Streams`] stream
//! derived from the scenario seed; nothing iterates a hash map.

pub mod error;
pub mod rng;
pub mod scenario;
pub mod silent_rivalry;

pub use error::{ScenarioError, Violation};
pub use scenario::{Scenario, ScenarioBuilder};
pub use silent_rivalry::Simulation;

/// The version of kyoso, recorded in every output's provenance.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
