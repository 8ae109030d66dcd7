//! kyoso-core: the models of kyoso, as a library.
//!
//! The silent-rivalry market model ([`silent_rivalry`]) turns the claims of
//! the source article into mechanisms; [`scenario`] holds every parameter.
//! The crate never prints, never reads or writes files and never touches the
//! terminal: front ends (the `kyoso` command line, the web view, sweeps,
//! future Python bindings) drive it through [`silent_rivalry::Simulation`].
//!
//! Determinism: every random draw comes from a stream ([`rng::stream`])
//! derived from the scenario seed; nothing iterates a hash map.

pub mod error;
pub mod experiments;
pub mod inference;
pub mod metric_docs;
pub mod params;
pub mod plausible;
mod prefetch;
pub mod rng;
pub mod scenario;
pub mod schedule;
pub mod silent_rivalry;
pub mod sweep;

pub use error::{ScenarioError, Violation};
pub use plausible::{Dist, NOT_EXPLORED, PLAUSIBLE, Plausible, plausible_space};
pub use scenario::{Scenario, ScenarioBuilder};
pub use silent_rivalry::Simulation;

/// The version of kyoso, recorded in every output's provenance.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The default scenario scaled to `firms` initial firms: origin counts,
/// segment demand and the entry rate grow in proportion, so the market per
/// firm stays that of the default. Used by benchmarks and scale tests.
pub fn silent_rivalry_scaled(firms: u32, ticks: u32, seed: u64) -> Scenario {
    let base = Scenario::default();
    let base_firms: u32 = base.origins.values().map(|o| o.firms).sum();
    let factor = firms as f64 / base_firms as f64;
    let mut s = base.clone();
    let mut assigned = 0;
    let n = s.origins.len();
    for (k, o) in s.origins.values_mut().enumerate() {
        o.firms = if k + 1 == n {
            firms - assigned
        } else {
            (o.firms as f64 * factor).round() as u32
        };
        assigned += o.firms;
    }
    s.market.demand0 *= factor;
    s.population.entry_rate *= factor;
    s.run.ticks = ticks;
    s.run.seed = seed;
    s
}
