//! The classic cooperation models on the command line: `kyoso strategies`,
//! `match`, `tournament`, `moran`, `spatial-pd` and `ethnocentrism`.
//! Thin glue over kyoso-classic (the models) and kyoso-io (the files).

mod ethno;
mod ipd;
mod spatial;

pub use ethno::{EthnocentrismArgs, ethnocentrism};
pub use ipd::{
    MatchArgs, MoranArgs, StrategiesArgs, TournamentArgs, moran, play_match, strategies, tournament,
};
pub use spatial::{SpatialPdArgs, spatial_pd};
