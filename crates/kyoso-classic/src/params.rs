//! Flat parameter tables of the lattice models, as users write them in
//! scenario files, `--set key=value`, sweep designs and the live view.

use serde::{Deserialize, Serialize};

use crate::ethnocentrism::EthnocentrismConfig;
use crate::spatial_pd::{Neighbourhood, Scoring, SpatialPdConfig, Update};

/// Parameters of a spatial prisoner's dilemma run: a flat table for scenario files, `--set`, sweeps and the live view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpatialPdParams {
    pub size: usize,
    /// Payoff to D meeting C (Nowak and May's b).
    pub b: f64,
    pub reward: f64,
    pub sucker: f64,
    pub punishment: f64,
    pub steps: u64,
    pub defectors: f64,
    /// `moore` or `von-neumann`.
    pub neighbourhood: String,
    pub self_interaction: bool,
    /// `synchronous` or `asynchronous`.
    pub update: String,
    /// `round` or `cumulative`.
    pub score: String,
    pub seed: u64,
}

impl SpatialPdParams {
    pub fn from_config(c: &SpatialPdConfig, steps: u64) -> SpatialPdParams {
        SpatialPdParams {
            size: c.size,
            b: c.temptation,
            reward: c.reward,
            sucker: c.sucker,
            punishment: c.punishment,
            steps,
            defectors: c.defectors,
            neighbourhood: match c.neighbourhood {
                Neighbourhood::Moore => "moore",
                Neighbourhood::VonNeumann => "von-neumann",
            }
            .into(),
            self_interaction: c.self_interaction,
            update: match c.update {
                Update::Synchronous => "synchronous",
                Update::Asynchronous => "asynchronous",
            }
            .into(),
            score: match c.scoring {
                Scoring::Round => "round",
                Scoring::Cumulative => "cumulative",
            }
            .into(),
            seed: c.seed,
        }
    }

    pub fn config(&self, seed: u64) -> Result<SpatialPdConfig, String> {
        let pick = |key: &str, value: &str, options: &[&str]| -> Result<usize, String> {
            options
                .iter()
                .position(|o| *o == value)
                .ok_or_else(|| format!("{key} = \"{value}\": allowed {}", options.join(", ")))
        };
        Ok(SpatialPdConfig {
            size: self.size,
            reward: self.reward,
            sucker: self.sucker,
            temptation: self.b,
            punishment: self.punishment,
            neighbourhood: [Neighbourhood::Moore, Neighbourhood::VonNeumann][pick(
                "neighbourhood",
                &self.neighbourhood,
                &["moore", "von-neumann"],
            )?],
            self_interaction: self.self_interaction,
            update: [Update::Synchronous, Update::Asynchronous]
                [pick("update", &self.update, &["synchronous", "asynchronous"])?],
            scoring: [Scoring::Round, Scoring::Cumulative]
                [pick("score", &self.score, &["round", "cumulative"])?],
            defectors: self.defectors,
            seed,
        })
    }
}

/// Parameters of an ethnocentrism run: a flat table for scenario files, `--set`, sweeps and the live view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EthnocentrismParams {
    pub size: usize,
    pub periods: u32,
    pub tags: u8,
    pub immigrants: u32,
    pub base_ptr: f64,
    pub cost: f64,
    pub benefit: f64,
    pub mutation: f64,
    pub death: f64,
    pub seed: u64,
}

impl EthnocentrismParams {
    pub fn config(&self, seed: u64) -> EthnocentrismConfig {
        EthnocentrismConfig {
            size: self.size,
            tags: self.tags,
            immigrants: self.immigrants,
            base_ptr: self.base_ptr,
            cost: self.cost,
            benefit: self.benefit,
            mutation: self.mutation,
            death: self.death,
            seed,
        }
    }
}

impl EthnocentrismParams {
    /// The paper's parameters, run for `periods` periods.
    pub fn paper(periods: u32) -> EthnocentrismParams {
        let c = EthnocentrismConfig::default();
        EthnocentrismParams {
            size: c.size,
            periods,
            tags: c.tags,
            immigrants: c.immigrants,
            base_ptr: c.base_ptr,
            cost: c.cost,
            benefit: c.benefit,
            mutation: c.mutation,
            death: c.death,
            seed: c.seed,
        }
    }
}
