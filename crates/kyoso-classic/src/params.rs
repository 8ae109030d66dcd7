//! Flat parameter tables of the lattice models, as users write them in
//! scenario files, `--set key=value`, sweep designs and the live view.

use serde::{Deserialize, Serialize};

use crate::ClassicError;
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

    /// The model's configuration with `seed`; an unknown neighbourhood,
    /// update or score name is refused naming the key and the choices.
    pub fn config(&self, seed: u64) -> Result<SpatialPdConfig, ClassicError> {
        fn pick(
            key: &'static str,
            value: &str,
            options: &[&str],
            allowed: &'static str,
        ) -> Result<usize, ClassicError> {
            options
                .iter()
                .position(|o| *o == value)
                .ok_or_else(|| ClassicError::range(key, format!("\"{value}\""), allowed))
        }
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
                "moore, von-neumann",
            )?],
            self_interaction: self.self_interaction,
            update: [Update::Synchronous, Update::Asynchronous][pick(
                "update",
                &self.update,
                &["synchronous", "asynchronous"],
                "synchronous, asynchronous",
            )?],
            scoring: [Scoring::Round, Scoring::Cumulative][pick(
                "score",
                &self.score,
                &["round", "cumulative"],
                "round, cumulative",
            )?],
            defectors: self.defectors,
            seed,
        })
    }

    /// Checks every value (the model's own ranges, and at least one step)
    /// and returns the configuration with the table's seed.
    pub fn check(&self) -> Result<SpatialPdConfig, ClassicError> {
        let config = self.config(self.seed)?;
        config.validate()?;
        if self.steps == 0 {
            return Err(ClassicError::range("steps", 0, "at least 1"));
        }
        Ok(config)
    }
}

/// The spatial PD presets as (name, one-line description); the first is the default.
pub const SPATIAL_PD_PRESETS: [(&str, &str); 2] = [
    (
        "nowak-may",
        "Moore + self-interaction, synchronous, round scores, b = 1.85, 10% defectors, 200×200, 200 steps",
    ),
    (
        "mesa-pd-grid",
        "Mesa's pd_grid: Moore without self-interaction, cumulative scores, b = 1.6, 50% defectors, 50×50, 50 steps",
    ),
];

impl SpatialPdParams {
    /// A preset's table (`None`: the default, `nowak-may`), or an error
    /// naming the presets there are.
    pub fn preset(name: Option<&str>) -> Result<SpatialPdParams, ClassicError> {
        match name {
            None | Some("nowak-may") => Ok(SpatialPdParams::from_config(
                &SpatialPdConfig::default(),
                200,
            )),
            Some("mesa-pd-grid") => Ok(SpatialPdParams::from_config(
                &SpatialPdConfig::mesa_pd_grid(50, 0),
                50,
            )),
            Some(other) => Err(ClassicError::range(
                "preset",
                format!("`{other}`"),
                "nowak-may, mesa-pd-grid",
            )),
        }
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
    /// Checks every value (the model's own ranges, and at least one
    /// period) and returns the configuration with the table's seed.
    pub fn check(&self) -> Result<EthnocentrismConfig, ClassicError> {
        let config = self.config(self.seed);
        config.validate()?;
        if self.periods == 0 {
            return Err(ClassicError::range("periods", 0, "at least 1"));
        }
        Ok(config)
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn key_of(e: ClassicError) -> &'static str {
        match e {
            ClassicError::OutOfRange { name, .. } => name,
            other => panic!("not a range error: {other}"),
        }
    }

    #[test]
    fn presets_are_named_and_unknown_ones_refused() {
        for (name, _) in SPATIAL_PD_PRESETS {
            assert!(SpatialPdParams::preset(Some(name)).unwrap().check().is_ok());
        }
        assert_eq!(
            SpatialPdParams::preset(None).unwrap(),
            SpatialPdParams::preset(Some("nowak-may")).unwrap()
        );
        let e = SpatialPdParams::preset(Some("hex")).unwrap_err();
        assert_eq!(key_of(e.clone()), "preset");
        assert!(e.to_string().contains("nowak-may, mesa-pd-grid"));
    }

    #[test]
    fn check_names_the_key_that_is_wrong() {
        let ok = SpatialPdParams::from_config(&SpatialPdConfig::default(), 10);
        assert_eq!(ok.check().unwrap(), SpatialPdConfig::default());
        let mut p = ok.clone();
        p.steps = 0;
        assert_eq!(key_of(p.check().unwrap_err()), "steps");
        let mut p = ok.clone();
        p.neighbourhood = "hex".into();
        let e = p.check().unwrap_err();
        assert!(e.to_string().contains("moore, von-neumann"), "{e}");
        assert_eq!(key_of(e), "neighbourhood");
        let mut p = ok;
        p.defectors = 1.5;
        assert_eq!(key_of(p.check().unwrap_err()), "defectors");

        let ok = EthnocentrismParams::paper(10);
        assert!(ok.check().is_ok());
        let mut p = ok.clone();
        p.periods = 0;
        assert_eq!(key_of(p.check().unwrap_err()), "periods");
        let mut p = ok;
        p.death = -0.1;
        assert_eq!(key_of(p.check().unwrap_err()), "death");
    }
}
