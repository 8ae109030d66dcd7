//! Scenarios: every parameter of the silent-rivalry model, its defaults, the
//! region presets, and validation.
//!
//! Resolution happens in two stages (ripgrep's low/high args): a scenario is
//! first a TOML table, built by layering the embedded default, a preset, a
//! user file and `--set key=value` overrides; only then is it deserialised
//! into [`Scenario`] and checked by [`Scenario::validate`]. Unknown keys are
//! caught at the table stage and answered with the nearest valid key.
//!
//! This module never reads files: callers pass file contents as strings.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{ScenarioError, Violation};
use crate::params;
use crate::schedule::Scheduled;
use crate::silent_rivalry::Strategy;

/// The embedded default scenario (spec section 11).
pub const DEFAULT_TOML: &str = include_str!("../scenarios/default.toml");

/// A named region preset: a partial scenario layered over the default.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub name: &'static str,
    pub summary: &'static str,
    pub toml: &'static str,
}

/// The region presets (spec section 11, claim C10). Illustrative, not calibrated to data.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "china",
        summary: "large, fast-growing market; many firms, strong local rivals, tight expatriate network (high homophily), low detection",
        toml: include_str!("../scenarios/china.toml"),
    },
    Preset {
        name: "southeast-asia",
        summary: "several mid-sized markets; fewer firms, slower local catch-up, very tight expatriate network, moderate detection",
        toml: include_str!("../scenarios/southeast-asia.toml"),
    },
    Preset {
        name: "us-west-coast",
        summary: "mature, technology-driven market; strong local innovators, loose expatriate ties, high detection, fast imitation",
        toml: include_str!("../scenarios/us-west-coast.toml"),
    },
];

/// Finds a preset by name.
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// Run length and seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// Number of ticks (months) to simulate.
    pub ticks: u32,
    /// Base seed of every random stream of the run: any u64, written as a
    /// TOML integer, or as a decimal string above TOML's 2^63 − 1 (both
    /// forms are read back).
    #[serde(with = "seed_text")]
    pub seed: u64,
}

/// A u64 seed in formats whose integers stop below 2^64 (TOML's i64,
/// JSON read by JavaScript): an integer where it fits, else a decimal
/// string; either form is read.
pub mod seed_text {
    use serde::{Deserialize, Deserializer, Serializer, de};

    /// Writes an integer up to `i64::MAX`, else a decimal string.
    pub fn serialize<S: Serializer>(seed: &u64, s: S) -> Result<S::Ok, S::Error> {
        match i64::try_from(*seed) {
            Ok(v) => s.serialize_i64(v),
            Err(_) => s.serialize_str(&seed.to_string()),
        }
    }

    /// Reads a non-negative integer or a decimal string of a u64.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Seed {
            Int(u64),
            Neg(i64),
            Text(String),
        }
        let bad = |what: &str| {
            de::Error::custom(format!(
                "a seed is a whole number from 0 to {}, got {what}",
                u64::MAX
            ))
        };
        match Seed::deserialize(d).map_err(|_| bad("another type"))? {
            Seed::Int(v) => Ok(v),
            Seed::Neg(v) => Err(bad(&v.to_string())),
            Seed::Text(t) => t.trim().parse().map_err(|_| bad(&format!("{t:?}"))),
        }
    }
}

/// The host market (spec sections 2 and 8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketConfig {
    pub segments: u32,
    pub omega_cross: f64,
    pub demand0: f64,
    pub demand_growth: f64,
    pub margin: f64,
    pub fixed_cost: f64,
    pub beta_quality: f64,
    pub gamma_intel: f64,
    pub intel_decay: f64,
    pub outside_option0: f64,
    pub local_growth: f64,
    pub stickiness: f64,
}

/// Initial firm attributes (spec section 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirmsConfig {
    pub initial_cash: f64,
    pub capability_mean: f64,
    pub capability_sd: f64,
    pub culture_sd: f64,
}

/// Discount factor and R&D intensity of each horizon (spec section 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonsConfig {
    pub long_discount: f64,
    pub long_rd_intensity: f64,
    pub short_discount: f64,
    pub short_rd_intensity: f64,
}

/// The Beta prior a strategy holds about a firm met for the first time (spec section 4).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrustPrior {
    /// `m_in`: prior mean trust in a firm of the same origin.
    pub in_group_prior: f64,
    /// `m_out`: prior mean trust in a firm of another origin.
    pub out_group_prior: f64,
    /// `n0`: weight of the prior, in pseudo-observations.
    pub prior_weight: f64,
}

/// Trust dynamics and per-strategy priors (spec section 4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustConfig {
    /// `λ`: per-tick decay of the Beta counts toward the prior.
    pub decay: f64,
    pub naive_ingroup: TrustPrior,
    pub calibrated: TrustPrior,
    pub reciprocal: TrustPrior,
    pub open: TrustPrior,
    pub guarded: TrustPrior,
    pub opportunist: TrustPrior,
}

impl TrustConfig {
    /// The prior of one strategy.
    pub fn prior(&self, strategy: Strategy) -> &TrustPrior {
        match strategy {
            Strategy::NaiveIngroup => &self.naive_ingroup,
            Strategy::Calibrated => &self.calibrated,
            Strategy::Reciprocal => &self.reciprocal,
            Strategy::Open => &self.open,
            Strategy::Guarded => &self.guarded,
            Strategy::Opportunist => &self.opportunist,
        }
    }
}

/// Encounters and the information-sharing game (spec section 5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncountersConfig {
    pub per_tick: u32,
    pub homophily: f64,
    pub benefit: f64,
    pub leakage: f64,
    pub share_margin: f64,
    pub explore: f64,
    pub detect: f64,
}

/// Partnerships (spec section 6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnershipsConfig {
    pub trust_threshold: f64,
    pub max_overlap: f64,
    pub max_partners: u32,
    pub form_probability: f64,
    pub value: f64,
    pub culture_penalty: f64,
    pub friction_culture: f64,
    pub friction_horizon: f64,
    pub hazard_base: f64,
    pub hazard_friction: f64,
    pub leak_probability: f64,
    pub leak_intel: f64,
    pub betrayal_penalty: f64,
}

/// R&D, innovation and imitation (spec section 7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InnovationConfig {
    pub escape_pressure: f64,
    pub pressure_band: f64,
    pub success_scale: f64,
    pub step: f64,
    pub step_sd: f64,
    pub imitation: f64,
    pub imitation_info: f64,
    pub absorptive_half: f64,
}

/// Entry, exit and adaptation (spec section 9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationConfig {
    pub home_origin: String,
    pub entry_rate: f64,
    pub adapt_every: u32,
    pub adapt_probability: f64,
    pub selection_scale: f64,
}

/// One switch per mechanism; `false` makes the mechanism neutral.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mechanisms {
    pub in_group_prior: bool,
    pub trust_decay: bool,
    pub sharing: bool,
    pub veneer: bool,
    pub exploration: bool,
    pub partnerships: bool,
    pub innovation: bool,
    pub escape_competition: bool,
    pub imitation: bool,
    pub intel_edge: bool,
    pub inertia: bool,
    pub demand_growth: bool,
    pub local_growth: bool,
    pub entry: bool,
    pub exit: bool,
    pub adaptation: bool,
}

/// A country (or region) of origin of firms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OriginConfig {
    /// Firms of this origin at tick 0.
    pub firms: u32,
    /// Mean corporate culture, a point of \[0,1\]^3.
    pub culture: [f64; 3],
    /// Probability that a firm of this origin has a long horizon.
    pub long_horizon_share: f64,
    /// Relative weight of this origin among entrants.
    pub entry_weight: f64,
    /// Strategy shares of the initial firms; must sum to 1.
    pub strategy_mix: BTreeMap<String, f64>,
    /// Strategy shares of entrants; defaults to `naive_ingroup` for the home
    /// origin and to `strategy_mix` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newcomer_mix: Option<BTreeMap<String, f64>>,
}

/// A complete silent-rivalry scenario: every parameter of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub run: RunConfig,
    pub market: MarketConfig,
    pub firms: FirmsConfig,
    pub horizons: HorizonsConfig,
    pub trust: TrustConfig,
    pub encounters: EncountersConfig,
    pub partnerships: PartnershipsConfig,
    pub innovation: InnovationConfig,
    pub population: PopulationConfig,
    pub mechanisms: Mechanisms,
    pub origins: BTreeMap<String, OriginConfig>,
    /// Scheduled interventions (see [`crate::schedule`]); empty for none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<Scheduled>,
}

/// Where a layer of the scenario came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    Preset(String),
    File(String),
    /// A `--set key=value`.
    Override(String),
    /// A value set by a named layer, e.g. a design point's row.
    Named(String),
    /// A `--at TICK:key=value`.
    At(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => write!(f, "the default scenario"),
            Source::Preset(p) => write!(f, "preset `{p}`"),
            Source::File(p) => write!(f, "{p}"),
            Source::Override(a) => write!(f, "--set {a}"),
            Source::Named(n) => write!(f, "{n}"),
            Source::At(a) => write!(f, "--at {a}"),
        }
    }
}

/// Builds a scenario from layers: default, optional preset, optional file,
/// then `key=value` overrides. Use [`ScenarioBuilder::build`] to validate.
#[derive(Debug, Clone)]
pub struct ScenarioBuilder {
    table: toml::Table,
    /// The layer that last touched each top-level key, to name it in errors.
    origin_of_keys: Vec<Source>,
}

impl Default for ScenarioBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ScenarioBuilder {
    /// Starts from the embedded default scenario.
    pub fn new() -> Self {
        let table: toml::Table =
            toml::from_str(DEFAULT_TOML).expect("the embedded default scenario is valid TOML");
        ScenarioBuilder {
            table,
            origin_of_keys: vec![Source::Default],
        }
    }

    /// Layers a named preset over the scenario.
    pub fn preset(mut self, name: &str) -> Result<Self, ScenarioError> {
        let p = preset(name).ok_or_else(|| ScenarioError::UnknownPreset {
            name: name.to_string(),
            suggestion: nearest(name, PRESETS.iter().map(|p| p.name)),
            available: PRESETS.iter().map(|p| p.name.to_string()).collect(),
        })?;
        let overlay: toml::Table = toml::from_str(p.toml).expect("embedded presets are valid TOML");
        merge(&mut self.table, overlay);
        self.origin_of_keys.push(Source::Preset(name.to_string()));
        Ok(self)
    }

    /// Layers the contents of a scenario file; `name` is used in errors.
    pub fn file(mut self, name: &str, contents: &str) -> Result<Self, ScenarioError> {
        let overlay: toml::Table = toml::from_str(contents).map_err(|e| ScenarioError::Parse {
            source_name: name.to_string(),
            message: e.to_string(),
        })?;
        merge(&mut self.table, overlay);
        self.origin_of_keys.push(Source::File(name.to_string()));
        Ok(self)
    }

    /// Sets one dotted key, as `--set market.segments=6` does. The value is
    /// read as TOML (`6`, `0.3`, `true`, `"JP"`, `[0.1, 0.2, 0.3]`), falling
    /// back to a plain string.
    pub fn set(mut self, assignment: &str) -> Result<Self, ScenarioError> {
        params::set_dotted(&mut self.table, assignment)?;
        self.origin_of_keys
            .push(Source::Override(assignment.trim().to_string()));
        Ok(self)
    }

    /// Sets one dotted key as [`ScenarioBuilder::set`] does, naming the
    /// layer `source` in errors (e.g. `points.csv row 5`).
    pub fn set_as(mut self, assignment: &str, source: &str) -> Result<Self, ScenarioError> {
        params::set_dotted(&mut self.table, assignment)?;
        let named = Source::Named(source.to_string());
        if self.origin_of_keys.last() != Some(&named) {
            self.origin_of_keys.push(named);
        }
        Ok(self)
    }

    /// Appends one entry to the schedule, as `--at 60:encounters.detect=0.9`
    /// (a change from tick 60 on) or `--at 36:enter.JP=10` (a wave of 10
    /// JP entrants at tick 36) do. Checked with the rest at
    /// [`ScenarioBuilder::build`].
    pub fn at(mut self, assignment: &str) -> Result<Self, ScenarioError> {
        let entry = crate::schedule::parse_at(assignment).map_err(|message| {
            ScenarioError::BadSchedule {
                assignment: assignment.to_string(),
                message,
            }
        })?;
        let list = self
            .table
            .entry("schedule".to_string())
            .or_insert_with(|| toml::Value::Array(Vec::new()));
        let toml::Value::Array(list) = list else {
            return Err(ScenarioError::BadSchedule {
                assignment: assignment.to_string(),
                message: "`schedule` is not a list of [[schedule]] tables".to_string(),
            });
        };
        list.push(toml::Value::Table(crate::schedule::to_table(&entry)));
        self.origin_of_keys
            .push(Source::At(assignment.trim().to_string()));
        Ok(self)
    }

    /// Sets the seed (`--seed`).
    pub fn seed(self, seed: u64) -> Self {
        self.set_as(&format!("run.seed={seed}"), &format!("--seed {seed}"))
            .expect("run.seed is a valid key")
    }

    /// Sets the run length (`--ticks`).
    pub fn ticks(self, ticks: u32) -> Self {
        self.set_as(&format!("run.ticks={ticks}"), &format!("--ticks {ticks}"))
            .expect("run.ticks is a valid key")
    }

    /// Deserialises, rejects unknown keys and validates every range.
    pub fn build(self) -> Result<Scenario, ScenarioError> {
        let sources = self
            .origin_of_keys
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(" + ");
        let defaults: toml::Table = toml::from_str(DEFAULT_TOML).expect("valid default");
        sections_are_tables(&defaults, &self.table, "", &sources)?;
        let scenario: Scenario = params::deserialize_checked(self.table, &sources, suggest_key)?;
        let mut scenario = scenario;
        scenario.fill_newcomer_mix();
        scenario.validate().map_err(|e| match e {
            ScenarioError::Invalid { violations, .. } => ScenarioError::Invalid {
                sources: sources.clone(),
                violations,
            },
            other => other,
        })?;
        Ok(scenario)
    }
}

/// A section (or an origin) given as anything but a table is refused:
/// serde would read a struct from an array (`run = [1, 2]` as ticks 1 and
/// seed 2).
fn sections_are_tables(
    defaults: &toml::Table,
    table: &toml::Table,
    prefix: &str,
    sources: &str,
) -> Result<(), ScenarioError> {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        // Every origin is a table; elsewhere, what the default has as one.
        let expected = if prefix == "origins" {
            None
        } else {
            match defaults.get(key) {
                Some(toml::Value::Table(d)) => Some(d),
                _ => continue,
            }
        };
        let toml::Value::Table(inner) = value else {
            return Err(ScenarioError::Shape {
                sources: sources.to_string(),
                message: format!(
                    "`{path}` must be a table ([{path}] with keys), got {}",
                    value.type_str()
                ),
            });
        };
        if let Some(d) = expected {
            sections_are_tables(d, inner, &path, sources)?;
        }
    }
    Ok(())
}

/// Parses a value as TOML (`6`, `0.3`, `true`, `"JP"`, `[0.1, 0.2]`), or
/// keeps it as a plain string. Used by `--set`, `--vary` and design files.
pub fn parse_value(raw: &str) -> toml::Value {
    let raw = raw.trim();
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.to_string())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

/// Tables whose overlay replaces the base instead of merging into it: a
/// file that defines `origins` defines the whole population, and a mix is
/// a distribution that must not be mixed with the base's.
const REPLACED: &[&str] = &["origins", "strategy_mix", "newcomer_mix"];

/// Deep-merges `overlay` into `base`, replacing the tables of [`REPLACED`].
fn merge(base: &mut toml::Table, overlay: toml::Table) {
    params::merge_with(base, overlay, REPLACED);
}

/// Every valid dotted key, with origin names generalised to `*`.
fn valid_keys() -> Vec<String> {
    let table: toml::Table = toml::from_str(DEFAULT_TOML).expect("valid default");
    let out: Vec<String> = params::leaf_keys(&table)
        .into_iter()
        .map(|k| {
            match k
                .find(".strategy_mix.")
                .or_else(|| k.find(".newcomer_mix."))
            {
                // A mix is one value: its strategies are checked by validation.
                Some(at) => k[..at + 1 + k[at + 1..].find('.').unwrap_or(0)].to_string(),
                None => k,
            }
        })
        .collect();
    let mut generalised: Vec<String> = out
        .into_iter()
        .map(|k| {
            let parts: Vec<&str> = k.split('.').collect();
            if parts.len() > 2 && parts[0] == "origins" {
                format!("origins.*.{}", parts[2..].join("."))
            } else {
                k
            }
        })
        .collect();
    generalised.push("origins.*.newcomer_mix".to_string());
    generalised.sort();
    generalised.dedup();
    generalised
}

/// The nearest valid key to an unknown one, if any is close enough.
pub(crate) fn suggest_key(key: &str) -> Option<String> {
    let parts: Vec<&str> = key.split('.').collect();
    let (generic, origin) = if parts.len() > 2 && parts[0] == "origins" {
        (
            format!("origins.*.{}", parts[2..].join(".")),
            Some(parts[1]),
        )
    } else {
        (key.to_string(), None)
    };
    let best = nearest(&generic, valid_keys().iter().map(String::as_str))?;
    Some(match origin {
        Some(o) => best.replacen('*', o, 1),
        None => best,
    })
}

pub(crate) use params::nearest;

impl Default for Scenario {
    /// The embedded default scenario, resolved.
    fn default() -> Self {
        ScenarioBuilder::new()
            .build()
            .expect("the default scenario is valid")
    }
}

impl Scenario {
    /// The scenario as TOML, every parameter with its value.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a scenario always serialises")
    }

    /// Parses a complete scenario TOML (for example a run's `scenario.toml`)
    /// layered over the default, then validates it.
    pub fn from_toml(name: &str, contents: &str) -> Result<Scenario, ScenarioError> {
        ScenarioBuilder::new().file(name, contents)?.build()
    }

    fn fill_newcomer_mix(&mut self) {
        let home = self.population.home_origin.clone();
        for (name, origin) in &mut self.origins {
            if origin.newcomer_mix.is_none() {
                origin.newcomer_mix = Some(if *name == home {
                    BTreeMap::from([(Strategy::NaiveIngroup.name().to_string(), 1.0)])
                } else {
                    origin.strategy_mix.clone()
                });
            }
        }
    }

    /// Checks every range and every cross-reference; reports all violations at once.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let mut v = Checker::default();
        let r = &self.run;
        v.int("run.ticks", r.ticks as f64, 1.0, 1_000_000.0);
        let m = &self.market;
        v.int("market.segments", m.segments as f64, 1.0, 1000.0);
        v.unit("market.omega_cross", m.omega_cross);
        v.range("market.demand0", m.demand0, 0.0, 1e9, "> 0", false);
        v.range(
            "market.demand_growth",
            m.demand_growth,
            -0.5,
            0.5,
            "[-0.5, 0.5]",
            true,
        );
        if self.mechanisms.demand_growth
            && m.demand_growth.is_finite()
            && m.demand0.is_finite()
            && r.ticks >= 1
        {
            let last = last_tick_demand(m.demand0, m.demand_growth, r.ticks);
            if !(last.is_finite() && last <= MAX_DEMAND) {
                v.push_msg(
                    "market.demand_growth, run.ticks",
                    &format!(
                        "{} over {} ticks (market.demand0 = {}: demand {:e} at the last tick)",
                        format_number(m.demand_growth),
                        r.ticks,
                        format_number(m.demand0),
                        last
                    ),
                    "demand0·(1 + demand_growth)^(ticks − 1) at most 1e100 \
                     (lower the growth or the ticks, or set mechanisms.demand_growth = false)",
                );
            }
        }
        v.range("market.margin", m.margin, 0.0, 1e6, ">= 0", true);
        v.range("market.fixed_cost", m.fixed_cost, 0.0, 1e9, ">= 0", true);
        v.range(
            "market.beta_quality",
            m.beta_quality,
            0.0,
            100.0,
            "[0, 100]",
            true,
        );
        v.range(
            "market.gamma_intel",
            m.gamma_intel,
            0.0,
            100.0,
            "[0, 100]",
            true,
        );
        v.unit("market.intel_decay", m.intel_decay);
        v.range(
            "market.outside_option0",
            m.outside_option0,
            -50.0,
            50.0,
            "[-50, 50]",
            true,
        );
        v.range(
            "market.local_growth",
            m.local_growth,
            -1.0,
            1.0,
            "[-1, 1]",
            true,
        );
        v.unit("market.stickiness", m.stickiness);
        if m.stickiness >= 1.0 {
            v.push(
                "market.stickiness",
                m.stickiness,
                "[0, 1) (1 would freeze shares at 0)",
            );
        }
        let f = &self.firms;
        v.range(
            "firms.initial_cash",
            f.initial_cash,
            0.0,
            1e12,
            ">= 0",
            true,
        );
        v.range(
            "firms.capability_mean",
            f.capability_mean,
            0.0,
            100.0,
            "[0, 100]",
            true,
        );
        v.range(
            "firms.capability_sd",
            f.capability_sd,
            0.0,
            100.0,
            "[0, 100]",
            true,
        );
        v.range("firms.culture_sd", f.culture_sd, 0.0, 1.0, "[0, 1]", true);
        let h = &self.horizons;
        v.unit("horizons.long_discount", h.long_discount);
        v.unit("horizons.short_discount", h.short_discount);
        v.unit("horizons.long_rd_intensity", h.long_rd_intensity);
        v.unit("horizons.short_rd_intensity", h.short_rd_intensity);
        let t = &self.trust;
        v.unit("trust.decay", t.decay);
        for s in Strategy::ALL {
            let p = t.prior(s);
            v.unit(
                &format!("trust.{}.in_group_prior", s.name()),
                p.in_group_prior,
            );
            v.unit(
                &format!("trust.{}.out_group_prior", s.name()),
                p.out_group_prior,
            );
            // The counts are kept as 32-bit floats: a smaller weight would
            // round to a zero prior (0/0 trust).
            v.range(
                &format!("trust.{}.prior_weight", s.name()),
                p.prior_weight,
                MIN_PRIOR_WEIGHT,
                1e6,
                "[1e-6, 1e6] (trust counts are 32-bit floats)",
                true,
            );
        }
        let e = &self.encounters;
        v.int("encounters.per_tick", e.per_tick as f64, 0.0, 1000.0);
        v.unit("encounters.homophily", e.homophily);
        v.range("encounters.benefit", e.benefit, 0.0, 1e6, ">= 0", true);
        v.range("encounters.leakage", e.leakage, 0.0, 1e6, ">= 0", true);
        v.range(
            "encounters.share_margin",
            e.share_margin,
            -1e6,
            1e6,
            "finite",
            true,
        );
        v.unit("encounters.explore", e.explore);
        v.unit("encounters.detect", e.detect);
        let p = &self.partnerships;
        v.unit("partnerships.trust_threshold", p.trust_threshold);
        v.unit("partnerships.max_overlap", p.max_overlap);
        // A firm's partner count is kept in one byte.
        v.int(
            "partnerships.max_partners",
            p.max_partners as f64,
            0.0,
            255.0,
        );
        v.unit("partnerships.form_probability", p.form_probability);
        v.range("partnerships.value", p.value, 0.0, 1e6, ">= 0", true);
        v.unit("partnerships.culture_penalty", p.culture_penalty);
        v.range(
            "partnerships.friction_culture",
            p.friction_culture,
            0.0,
            1e3,
            ">= 0",
            true,
        );
        v.range(
            "partnerships.friction_horizon",
            p.friction_horizon,
            0.0,
            1e3,
            ">= 0",
            true,
        );
        v.unit("partnerships.hazard_base", p.hazard_base);
        v.range(
            "partnerships.hazard_friction",
            p.hazard_friction,
            0.0,
            1e3,
            ">= 0",
            true,
        );
        v.unit("partnerships.leak_probability", p.leak_probability);
        v.range(
            "partnerships.leak_intel",
            p.leak_intel,
            0.0,
            1e3,
            ">= 0",
            true,
        );
        v.range(
            "partnerships.betrayal_penalty",
            p.betrayal_penalty,
            0.0,
            1e6,
            ">= 0",
            true,
        );
        let i = &self.innovation;
        v.range(
            "innovation.escape_pressure",
            i.escape_pressure,
            0.0,
            100.0,
            "[0, 100]",
            true,
        );
        v.range(
            "innovation.pressure_band",
            i.pressure_band,
            0.0,
            100.0,
            ">= 0",
            true,
        );
        v.range(
            "innovation.success_scale",
            i.success_scale,
            0.0,
            100.0,
            "[0, 100]",
            true,
        );
        v.range("innovation.step", i.step, 0.0, 100.0, "[0, 100]", true);
        v.range("innovation.step_sd", i.step_sd, 0.0, 10.0, "[0, 10]", true);
        v.unit("innovation.imitation", i.imitation);
        v.unit("innovation.imitation_info", i.imitation_info);
        v.range(
            "innovation.absorptive_half",
            i.absorptive_half,
            0.0,
            1e6,
            "> 0",
            false,
        );
        let pop = &self.population;
        v.range(
            "population.entry_rate",
            pop.entry_rate,
            0.0,
            1e4,
            "[0, 10000]",
            true,
        );
        v.int("population.adapt_every", pop.adapt_every as f64, 1.0, 1e6);
        v.unit("population.adapt_probability", pop.adapt_probability);
        v.range(
            "population.selection_scale",
            pop.selection_scale,
            0.0,
            1e9,
            "> 0",
            false,
        );

        if self.origins.is_empty() {
            v.push_msg("origins", "none", "at least one origin must be defined");
        }
        if !self.origins.contains_key(&pop.home_origin) {
            v.push_msg(
                "population.home_origin",
                &format!("\"{}\"", pop.home_origin),
                &format!(
                    "an origin defined under [origins] ({})",
                    self.origins.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            );
        }
        let total_firms: u64 = self.origins.values().map(|o| o.firms as u64).sum();
        if total_firms > 10_000_000 {
            v.push(
                "origins.*.firms (total)",
                total_firms as f64,
                "at most 10,000,000 firms",
            );
        }
        // Firms are numbered by 32-bit ids and origins by 16-bit indices.
        if self.origins.len() > MAX_ORIGINS {
            v.push(
                "origins (count)",
                self.origins.len() as f64,
                "at most 65,536 origins",
            );
        }
        let expected_entrants = if self.mechanisms.entry {
            pop.entry_rate * r.ticks as f64
        } else {
            0.0
        };
        let expected_entrants = expected_entrants + self.scheduled_entrants() as f64;
        if total_firms as f64 + expected_entrants > MAX_EXPECTED_FIRMS {
            v.push_msg(
                "population.entry_rate, run.ticks",
                &format!(
                    "{} entrants a tick over {} ticks ({} expected firms with the initial ones)",
                    format_number(pop.entry_rate),
                    r.ticks,
                    format_number(total_firms as f64 + expected_entrants)
                ),
                "initial firms + entry_rate·ticks + scheduled entrants at most 2^31 (firm ids are 32-bit)",
            );
        }
        for (name, o) in &self.origins {
            let key = |k: &str| format!("origins.{name}.{k}");
            if name.is_empty() || name.chars().count() > 32 {
                v.push_msg("origins", name, "an origin name of 1 to 32 characters");
            }
            for (d, c) in o.culture.iter().enumerate() {
                v.unit(&format!("origins.{name}.culture[{d}]"), *c);
            }
            v.unit(&key("long_horizon_share"), o.long_horizon_share);
            v.range(&key("entry_weight"), o.entry_weight, 0.0, 1e9, ">= 0", true);
            v.mix(&key("strategy_mix"), &o.strategy_mix);
            if let Some(mix) = &o.newcomer_mix {
                v.mix(&key("newcomer_mix"), mix);
            }
        }
        if pop.entry_rate > 0.0
            && self.mechanisms.entry
            && self.origins.values().all(|o| o.entry_weight <= 0.0)
        {
            v.push_msg(
                "origins.*.entry_weight",
                "0 for every origin",
                "at least one origin with entry_weight > 0 when population.entry_rate > 0",
            );
        }
        v.finish()?;
        // Each phase of the schedule is a scenario of its own.
        self.phases().map(|_| ())
    }

    /// The strategy mix of one origin as probabilities indexed like [`Strategy::ALL`].
    pub(crate) fn mix_vector(mix: &BTreeMap<String, f64>) -> [f64; Strategy::COUNT] {
        let mut out = [0.0; Strategy::COUNT];
        for (name, share) in mix {
            if let Some(s) = Strategy::from_name(name) {
                out[s as usize] += share;
            }
        }
        out
    }
}

/// The smallest prior weight (`trust.<strategy>.prior_weight`): trust counts
/// are kept as 32-bit floats, and a weight below about 1e-38 would round to
/// a zero prior, whose expected trust 0/0 is NaN. 1e-6 keeps both counts of
/// any prior mean well inside the normal f32 range.
pub const MIN_PRIOR_WEIGHT: f64 = 1e-6;

/// The largest segment demand a run may reach (`market.demand0`,
/// `market.demand_growth`, `run.ticks`). Every money figure is demand times
/// factors bounded by the other ranges (margin ≤ 1e6, ticks ≤ 1e6,
/// R&D ≤ 101·revenue, 1,000 segments, 10 million firms, utilities of about
/// 1e12), less than 1e40 together, so 1e100 keeps every output below
/// 1e140, far from f64's limit of 1.8e308.
pub const MAX_DEMAND: f64 = 1e100;

/// The most origins (`Firm::origin` is 16-bit).
pub const MAX_ORIGINS: usize = 1 << 16;

/// The most firms a run may expect, initial plus `entry_rate · ticks`:
/// firm ids are 32-bit, and a Poisson total of mean 2^31 never reaches 2^32.
pub const MAX_EXPECTED_FIRMS: f64 = 2_147_483_648.0;

/// Segment demand at the last tick, D0·(1+g)^(T−1), computed as the model
/// computes demand.
fn last_tick_demand(demand0: f64, growth: f64, ticks: u32) -> f64 {
    let last = ticks.saturating_sub(1).min(i32::MAX as u32) as i32;
    demand0 * (1.0 + growth).powi(last)
}

/// Collects range violations.
#[derive(Default)]
struct Checker {
    violations: Vec<Violation>,
}

impl Checker {
    fn push(&mut self, key: &str, value: f64, allowed: &str) {
        self.push_msg(key, &format_number(value), allowed);
    }

    fn push_msg(&mut self, key: &str, value: &str, allowed: &str) {
        self.violations.push(Violation {
            key: key.to_string(),
            value: value.to_string(),
            allowed: allowed.to_string(),
        });
    }

    fn range(
        &mut self,
        key: &str,
        value: f64,
        lo: f64,
        hi: f64,
        allowed: &str,
        lo_inclusive: bool,
    ) {
        let ok = value.is_finite()
            && (if lo_inclusive {
                value >= lo
            } else {
                value > lo
            })
            && value <= hi;
        if !ok {
            self.push(key, value, allowed);
        }
    }

    fn unit(&mut self, key: &str, value: f64) {
        self.range(key, value, 0.0, 1.0, "[0, 1]", true);
    }

    fn int(&mut self, key: &str, value: f64, lo: f64, hi: f64) {
        if value < lo || value > hi {
            self.push(key, value, &format!("an integer in [{lo}, {hi}]"));
        }
    }

    fn mix(&mut self, key: &str, mix: &BTreeMap<String, f64>) {
        let names: Vec<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
        for (name, share) in mix {
            if Strategy::from_name(name).is_none() {
                let hint = match nearest(name, names.iter().copied()) {
                    Some(s) => format!(
                        "a strategy name (did you mean `{s}`?); one of {}",
                        names.join(", ")
                    ),
                    None => format!("a strategy name: one of {}", names.join(", ")),
                };
                self.push_msg(&format!("{key}.{name}"), name, &hint);
            }
            self.unit(&format!("{key}.{name}"), *share);
        }
        if mix.is_empty() {
            self.push_msg(
                key,
                "{}",
                "at least one strategy, with shares that sum to 1",
            );
            return;
        }
        let sum: f64 = mix.values().sum();
        if (sum - 1.0).abs() > 1e-6 {
            self.push(&format!("{key} (sum)"), sum, "shares that sum to 1");
        }
    }

    fn finish(self) -> Result<(), ScenarioError> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(ScenarioError::Invalid {
                sources: "the scenario".to_string(),
                violations: self.violations,
            })
        }
    }
}

/// A value as a message shows it: integers in full, very small or very
/// large numbers in exponent form (`1e-50`, not fifty zeros).
fn format_number(v: f64) -> String {
    let v = v + 0.0; // -0 reads as 0
    if v.is_finite() && v != 0.0 && (v.abs() < 1e-4 || v.abs() >= 1e15) {
        format!("{v:e}")
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_resolves_and_round_trips() {
        let s = Scenario::default();
        let text = s.to_toml();
        let back = Scenario::from_toml("round-trip", &text).unwrap();
        assert_eq!(s, back);
        assert_eq!(s.run.ticks, 120);
        let firms: u32 = s.origins.values().map(|o| o.firms).sum();
        assert_eq!(firms, 60);
    }

    #[test]
    fn every_preset_resolves_and_differs_from_default() {
        let d = Scenario::default();
        for p in PRESETS {
            let s = ScenarioBuilder::new()
                .preset(p.name)
                .unwrap()
                .build()
                .unwrap();
            assert_ne!(s, d, "preset {} changes nothing", p.name);
        }
    }

    /// The default scenario with `key=value` settings applied, built.
    fn build_with(settings: &[&str]) -> Result<Scenario, ScenarioError> {
        settings
            .iter()
            .try_fold(ScenarioBuilder::new(), |b, kv| b.set(kv))?
            .build()
    }

    #[test]
    fn every_u64_seed_round_trips_through_toml_and_set() {
        for seed in [
            0,
            42,
            i64::MAX as u64,
            i64::MAX as u64 + 1,
            18116008155350138704,
            u64::MAX,
        ] {
            let s = ScenarioBuilder::new().seed(seed).build().unwrap();
            assert_eq!(s.run.seed, seed);
            let again = Scenario::from_toml("scenario.toml", &s.to_toml()).unwrap();
            assert_eq!(again.run.seed, seed, "{}", s.to_toml());
            let set = build_with(&[&format!("run.seed={seed}")]).unwrap();
            assert_eq!(set.run.seed, seed);
            let quoted = build_with(&[&format!("run.seed=\"{seed}\"")]).unwrap();
            assert_eq!(quoted.run.seed, seed);
        }
        assert!(s_text_contains(
            &ScenarioBuilder::new().seed(42).build().unwrap(),
            "seed = 42\n"
        ));
        for bad in [
            "run.seed=-1",
            "run.seed=1.5",
            "run.seed=\"x\"",
            "run.seed=18446744073709551616",
        ] {
            let e = build_with(&[bad]).unwrap_err().to_string();
            assert!(
                e.contains("run.seed") && e.contains("18446744073709551615"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn messages_name_the_file_count_characters_and_print_numbers_readably() {
        // A 17-character origin name of multi-byte characters is valid.
        let name = "日本企業の海外現地法人協会会員企業";
        assert_eq!(name.chars().count(), 17);
        let file = format!(
            "[origins.\"{name}\"]\nfirms = 3\nculture = [0.5, 0.5, 0.5]\nlong_horizon_share = 0.5\nentry_weight = 0.5\nstrategy_mix = {{ calibrated = 1.0 }}\n"
        );
        let b = ScenarioBuilder::new().file("mine.toml", &file).unwrap();
        let b = b
            .set("population.home_origin=\"日本企業の海外現地法人協会会員企業\"")
            .unwrap();
        assert!(b.build().is_ok());
        let long = "あ".repeat(33);
        let e = ScenarioBuilder::new()
            .file("mine.toml", &file.replace(name, &long))
            .unwrap()
            .build()
            .unwrap_err()
            .to_string();
        assert!(e.contains("1 to 32 characters"), "{e}");
        // An invalid scenario names its file and the --set that made it so.
        let e = ScenarioBuilder::new()
            .file("mine.toml", "[encounters]\ndetect = 1.5\n")
            .unwrap()
            .set("market.segments=0")
            .unwrap()
            .build()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("mine.toml") && e.contains("--set market.segments=0"),
            "{e}"
        );
        // 1e308 in exponent form, an empty mix not as "sum = -0".
        let e = build_with(&["market.fixed_cost=1e308"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("1e308") && !e.contains("00000000"), "{e}");
        let e = build_with(&["origins.JP.strategy_mix={}"])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("at least one strategy") && !e.contains("-0"),
            "{e}"
        );
        assert_eq!(format_number(-0.0), "0");
    }

    fn s_text_contains(s: &Scenario, needle: &str) -> bool {
        s.to_toml().contains(needle)
    }

    #[test]
    fn unknown_key_is_named_with_suggestion() {
        let err = build_with(&["market.segmnets=3"]).unwrap_err();
        match err {
            ScenarioError::UnknownKey {
                key, suggestion, ..
            } => {
                assert_eq!(key, "market.segmnets");
                assert_eq!(suggestion.as_deref(), Some("market.segments"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let err = build_with(&["origins.JP.firmz=3"]).unwrap_err();
        assert!(err.to_string().contains("origins.JP.firms"), "{err}");
    }

    #[test]
    fn out_of_range_values_name_key_value_and_range() {
        let err = build_with(&[
            "encounters.detect=1.5",
            "origins.JP.strategy_mix.calibrated=0.9",
        ])
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("encounters.detect = 1.5"), "{text}");
        assert!(text.contains("[0, 1]"), "{text}");
        assert!(text.contains("origins.JP.strategy_mix (sum)"), "{text}");
    }

    #[test]
    fn more_partners_than_a_firm_can_count_are_rejected() {
        let err = build_with(&["partnerships.max_partners=256"]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("partnerships.max_partners = 256"), "{text}");
        assert!(text.contains("255"), "{text}");
        assert!(build_with(&["partnerships.max_partners=255"]).is_ok());
    }

    #[test]
    fn demand_that_would_overflow_is_rejected_naming_growth_and_ticks() {
        for settings in [
            &["market.demand_growth=0.5", "run.ticks=1800"][..],
            &["run.ticks=150000"][..],
            &["market.demand_growth=0.5", "run.ticks=570"][..],
        ] {
            let err = build_with(settings).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains("market.demand_growth, run.ticks") && text.contains("1e100"),
                "{settings:?}: {text}"
            );
        }
        // Demand at the last tick: 100·1.5^557 ≈ 1.4e100 > 1e100 > 100·1.5^556.
        assert!(build_with(&["market.demand_growth=0.5", "run.ticks=557"]).is_ok());
        assert!(build_with(&["market.demand_growth=0.5", "run.ticks=558"]).is_err());
        // The default grows 0.5 % a month: valid up to about 45,000 ticks.
        assert!(build_with(&["run.ticks=45000"]).is_ok());
        assert!(build_with(&["run.ticks=46000"]).is_err());
        // Without growth, or shrinking, any run length is fine.
        assert!(build_with(&["run.ticks=1000000", "mechanisms.demand_growth=false"]).is_ok());
        assert!(build_with(&["run.ticks=1000000", "market.demand_growth=-0.5"]).is_ok());
    }

    #[test]
    fn prior_weights_too_small_for_f32_counts_are_rejected() {
        let err = build_with(&["trust.calibrated.prior_weight=1e-50"]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("trust.calibrated.prior_weight = 1e-50") && text.contains("[1e-6, 1e6]"),
            "{text}"
        );
        assert!(build_with(&["trust.calibrated.prior_weight=1e-7"]).is_err());
        assert!(build_with(&["trust.calibrated.prior_weight=1e-6"]).is_ok());
        assert!(build_with(&["trust.calibrated.prior_weight=0"]).is_err());
        // The bound keeps every prior's counts normal 32-bit floats with a positive sum.
        for mean in [0.0, 1e-300, 0.5, 1.0] {
            let (a, b) = (mean * MIN_PRIOR_WEIGHT, (1.0 - mean) * MIN_PRIOR_WEIGHT);
            let sum = a as f32 + b as f32;
            assert!(sum >= f32::MIN_POSITIVE && (a as f32 / sum).is_finite());
        }
    }

    #[test]
    fn more_firms_than_ids_can_number_are_rejected() {
        let err = build_with(&["population.entry_rate=10000", "run.ticks=1000000"]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("population.entry_rate, run.ticks"), "{text}");
        assert!(text.contains("2^31"), "{text}");
        assert!(
            build_with(&[
                "population.entry_rate=10000",
                "run.ticks=1000000",
                "mechanisms.entry=false",
                "mechanisms.demand_growth=false",
            ])
            .is_ok()
        );
        assert!(
            build_with(&[
                "population.entry_rate=2000",
                "run.ticks=1000000",
                "mechanisms.demand_growth=false"
            ])
            .is_ok()
        );
    }

    #[test]
    fn undefined_home_origin_is_rejected() {
        let err = build_with(&["population.home_origin=\"KR\""]).unwrap_err();
        assert!(err.to_string().contains("population.home_origin"), "{err}");
    }

    #[test]
    fn negative_count_is_rejected() {
        let err = build_with(&["origins.JP.firms=-3"]).unwrap_err();
        assert!(err.to_string().contains("origins"), "{err}");
    }

    #[test]
    fn file_origins_replace_default_origins() {
        let s = ScenarioBuilder::new()
            .file(
                "x.toml",
                "[population]\nhome_origin = \"KR\"\n[origins.KR]\nfirms = 5\nculture = [0.1, 0.2, 0.3]\nlong_horizon_share = 0.5\nentry_weight = 1.0\nstrategy_mix = { calibrated = 1.0 }\n",
            )
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(s.origins.keys().collect::<Vec<_>>(), vec!["KR"]);
        let mix = s.origins["KR"].newcomer_mix.as_ref().unwrap();
        assert_eq!(mix.get("naive_ingroup"), Some(&1.0));
    }

    #[test]
    fn malformed_file_reports_line_and_column() {
        let err = ScenarioBuilder::new()
            .file("bad.toml", "[run]\nticks = \n")
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("bad.toml"), "{text}");
        assert!(text.contains("line 2"), "{text}");
        assert!(text.contains("column"), "{text}");
    }
}
