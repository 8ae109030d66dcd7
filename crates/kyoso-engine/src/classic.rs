//! The classic models in sweeps: spatial prisoner's dilemma,
//! ethnocentrism and IPD tournaments as [`SweepTarget`]s.
//!
//! Each has a flat parameter table (printed in the manifest as the base):
//! the preset, the scenario file (a table of these keys), the `set`
//! assignments and the design act on it, exactly as for the market
//! model; `ticks` sets the run length (steps, periods or turns).

use kyoso_classic::ethnocentrism::{EthnoStrategy, Ethnocentrism};
use kyoso_classic::ipd::game::Game;
use kyoso_classic::ipd::matches::Match;
use kyoso_classic::ipd::strategy::Strategy;
use kyoso_classic::ipd::tournament::Tournament;
use kyoso_classic::params::{EthnocentrismParams, SpatialPdParams};
use kyoso_classic::spatial_pd::{SpatialPd, tail_mean};
use kyoso_core::sweep::Design;
use kyoso_io::table::{Table, Values};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::sweep::{SweepBase, SweepTarget};
use crate::{EngineError, ScenarioInputs};

/// Resolves the base parameters (preset defaults, file, `--set`, `--ticks`)
/// and every design point; all errors are the user's (status 2).
fn resolve_points<P: Serialize + DeserializeOwned + Clone>(
    defaults: P,
    args: &ScenarioInputs,
    length_key: &str,
    design: &Design,
) -> Result<(P, Vec<P>), EngineError> {
    if let Some(a) = args.at.first() {
        return Err(EngineError::input(format!(
            "--at {a}: a schedule applies to the silent-rivalry model only"
        )));
    }
    let mut sets = args.sets.clone();
    if let Some(t) = args.ticks {
        sets.push(format!("{length_key}={t}"));
    }
    if let Some(seed) = args.seed {
        sets.push(format!("seed={seed}"));
    }
    let file = args
        .file
        .as_ref()
        .map(|f| (f.name.as_str(), f.text.as_str()));
    let base: P =
        kyoso_core::params::resolve(&defaults, file, &sets).map_err(EngineError::input)?;
    let mut points = Vec::with_capacity(design.points.len());
    for p in 0..design.points.len() {
        let a = design.assignments(p);
        let point: P = kyoso_core::params::resolve(&base, None, &a).map_err(|e| {
            EngineError::input(format!(
                "design point {p} ({}): {}: {e}",
                design.origin(p),
                a.join(", ")
            ))
        })?;
        points.push(point);
    }
    Ok((base, points))
}

fn toml_text<P: Serialize>(p: &P) -> String {
    toml::to_string_pretty(p).expect("parameters serialise")
}

fn classic_error(point: usize) -> impl Fn(kyoso_classic::ClassicError) -> EngineError {
    move |e| EngineError::input(format!("design point {point}: {e}"))
}

// ---------------------------------------------------------------- spatial PD

/// The spatial prisoner's dilemma in a sweep.
pub struct SpatialPdSweep {
    base: SpatialPdParams,
    points: Vec<SpatialPdParams>,
}

impl SpatialPdSweep {
    /// `--preset nowak-may` (default) or `mesa-pd-grid`.
    pub fn new(args: &ScenarioInputs, design: &Design) -> Result<SpatialPdSweep, EngineError> {
        let defaults =
            SpatialPdParams::preset(args.preset.as_deref()).map_err(EngineError::input)?;
        let (base, points) = resolve_points(defaults, args, "steps", design)?;
        for (k, p) in points.iter().enumerate() {
            p.check().map_err(classic_error(k))?;
        }
        Ok(SpatialPdSweep { base, points })
    }
}

impl SweepTarget for SpatialPdSweep {
    fn base(&self) -> SweepBase {
        SweepBase {
            model: "spatial-pd",
            text: toml_text(&self.base),
            seed: self.base.seed,
        }
    }
    fn metric_names(&self) -> Vec<String> {
        ["cooperator_fraction", "cooperator_fraction_final"]
            .map(String::from)
            .to_vec()
    }
    fn run(
        &self,
        point: usize,
        seed: u64,
        keep_ticks: bool,
    ) -> Result<(Vec<f64>, Option<Table>), EngineError> {
        let p = &self.points[point];
        let config = p.config(seed).map_err(classic_error(point))?;
        let mut model = SpatialPd::new(config).map_err(classic_error(point))?;
        let series = model.run(p.steps);
        let final_fraction = model.cooperator_fraction();
        let ticks = keep_ticks.then(|| {
            Table::new("ticks")
                .column(
                    "step",
                    "step",
                    "step after which the fraction is measured, 1-based",
                    Values::U64((1..=series.len() as u64).collect()),
                )
                .column(
                    "cooperator_fraction",
                    "fraction of cells",
                    "share of cells playing C",
                    Values::F64(series.clone()),
                )
        });
        Ok((vec![tail_mean(&series), final_fraction], ticks))
    }
}

// ------------------------------------------------------------- ethnocentrism

/// Ethnocentrism in a sweep.
pub struct EthnocentrismSweep {
    base: EthnocentrismParams,
    points: Vec<EthnocentrismParams>,
}

const ETHNO_STRATEGIES: [EthnoStrategy; 4] = [
    EthnoStrategy::Ethnocentric,
    EthnoStrategy::Altruist,
    EthnoStrategy::Cosmopolitan,
    EthnoStrategy::Egoist,
];

impl EthnocentrismSweep {
    /// The paper's parameters, 2000 periods.
    pub fn new(args: &ScenarioInputs, design: &Design) -> Result<EthnocentrismSweep, EngineError> {
        if let Some(p) = &args.preset {
            return Err(EngineError::input(format!(
                "ethnocentrism has no preset `{p}`: its defaults are the paper's"
            )));
        }
        let defaults = EthnocentrismParams::paper(2000);
        let (base, points) = resolve_points(defaults, args, "periods", design)?;
        for (k, p) in points.iter().enumerate() {
            p.check().map_err(classic_error(k))?;
        }
        Ok(EthnocentrismSweep { base, points })
    }
}

impl SweepTarget for EthnocentrismSweep {
    fn base(&self) -> SweepBase {
        SweepBase {
            model: "ethnocentrism",
            text: toml_text(&self.base),
            seed: self.base.seed,
        }
    }
    fn metric_names(&self) -> Vec<String> {
        let mut m: Vec<String> = ETHNO_STRATEGIES
            .iter()
            .map(|s| format!("{}_share", s.name()))
            .collect();
        m.extend(
            [
                "cooperation_rate",
                "in_group_cooperation",
                "out_group_cooperation",
                "agents",
            ]
            .map(String::from),
        );
        m
    }
    fn run(
        &self,
        point: usize,
        seed: u64,
        keep_ticks: bool,
    ) -> Result<(Vec<f64>, Option<Table>), EngineError> {
        let p = &self.points[point];
        let mut model = Ethnocentrism::new(p.config(seed)).map_err(classic_error(point))?;
        let stats = model.run(p.periods);
        // Averages over the last half of the periods, as the paper reports.
        let tail = &stats[stats.len() / 2..];
        let mean = |f: &dyn Fn(&kyoso_classic::ethnocentrism::PeriodStats) -> f64| {
            tail.iter().map(f).sum::<f64>() / tail.len() as f64
        };
        let mut metrics: Vec<f64> = ETHNO_STRATEGIES
            .iter()
            .map(|&s| mean(&|x| x.share(s)))
            .collect();
        metrics.push(mean(&|x| x.cooperation_rate()));
        metrics.push(mean(&|x| x.in_group_cooperation()));
        metrics.push(mean(&|x| x.out_group_cooperation()));
        metrics.push(mean(&|x| x.agents as f64));
        let ticks = keep_ticks.then(|| {
            let mut t = Table::new("ticks").column(
                "period",
                "period",
                "period, 1-based",
                Values::U32(stats.iter().map(|x| x.period).collect()),
            );
            t = t.column(
                "agents",
                "agents",
                "agents on the lattice",
                Values::U32(stats.iter().map(|x| x.agents).collect()),
            );
            for s in ETHNO_STRATEGIES {
                t = t.column(
                    format!("{}_share", s.name()),
                    "fraction of agents",
                    "share of agents with this strategy",
                    Values::F64(stats.iter().map(|x| x.share(s)).collect()),
                );
            }
            t.column(
                "cooperation_rate",
                "fraction",
                "share of interactions in which help was given",
                Values::F64(stats.iter().map(|x| x.cooperation_rate()).collect()),
            )
        });
        Ok((metrics, ticks))
    }
}

// ---------------------------------------------------------------- tournament

/// Parameters of an IPD tournament in a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TournamentParams {
    /// Comma-separated strategy names (see `kyoso strategies`).
    pub players: String,
    pub turns: u32,
    pub repetitions: u32,
    pub noise: f64,
    /// Probability that a match ends after each turn; 0 for fixed-length matches.
    pub prob_end: f64,
    /// The game (R, S, T, P).
    pub game: [f64; 4],
    pub seed: u64,
}

/// An IPD tournament in a sweep.
pub struct TournamentSweep {
    base: TournamentParams,
    points: Vec<Tournament>,
    names: Vec<&'static str>,
}

impl TournamentSweep {
    /// `--preset classic` (default) or `axelrod-first`.
    pub fn new(args: &ScenarioInputs, design: &Design) -> Result<TournamentSweep, EngineError> {
        let defaults = tournament_defaults(args.preset.as_deref())?;
        let (base, params) = resolve_points(defaults, args, "turns", design)?;
        let mut points = Vec::new();
        let mut names: Option<Vec<&'static str>> = None;
        for (k, p) in params.iter().enumerate() {
            let t =
                tournament(p).map_err(|e| EngineError::input(format!("design point {k}: {e}")))?;
            t.validate().map_err(classic_error(k))?;
            let these: Vec<&'static str> = t.players.iter().map(|s| s.name()).collect();
            match &names {
                Some(n) if *n != these => {
                    return Err(EngineError::input(format!(
                        "design point {k}: every point must have the same players (they name the metric columns)"
                    )));
                }
                _ => names = Some(these),
            }
            points.push(t);
        }
        Ok(TournamentSweep {
            base,
            points,
            names: names.unwrap_or_default(),
        })
    }
}

/// The table of a tournament preset: `classic` (the default) or
/// `axelrod-first`, 200 turns, 10 repetitions, no noise, fixed-length
/// matches, the game (3, 0, 5, 1), seed 0 (`kyoso tournament`'s defaults).
pub fn tournament_defaults(preset: Option<&str>) -> Result<TournamentParams, EngineError> {
    let players: &[Strategy] = match preset {
        None | Some("classic") => &Strategy::CLASSIC,
        Some("axelrod-first") => &Strategy::AXELROD_FIRST,
        Some(other) => {
            return Err(EngineError::input(format!(
                "unknown tournament preset `{other}`; available: classic, axelrod-first"
            )));
        }
    };
    Ok(TournamentParams {
        players: players
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(","),
        turns: 200,
        repetitions: 10,
        noise: 0.0,
        prob_end: 0.0,
        game: [3.0, 0.0, 5.0, 1.0],
        seed: 0,
    })
}

/// A tournament from its table; the message names the key at fault.
pub fn tournament(p: &TournamentParams) -> Result<Tournament, String> {
    let players = p
        .players
        .split(',')
        .map(|n| Strategy::from_name(n.trim()).map_err(|e| format!("players: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let [r, s, t, pp] = p.game;
    let game = Game::new(r, s, t, pp).map_err(|e| format!("game: {e}"))?;
    Ok(Tournament {
        players,
        settings: Match {
            game,
            turns: p.turns,
            noise: p.noise,
            prob_end: (p.prob_end > 0.0).then_some(p.prob_end),
        },
        repetitions: p.repetitions,
        seed: p.seed,
    })
}

impl SweepTarget for TournamentSweep {
    fn base(&self) -> SweepBase {
        SweepBase {
            model: "tournament",
            text: toml_text(&self.base),
            seed: self.base.seed,
        }
    }
    fn metric_names(&self) -> Vec<String> {
        let mut m: Vec<String> = self
            .names
            .iter()
            .map(|n| format!("median_score_{n}"))
            .collect();
        m.extend(self.names.iter().map(|n| format!("cooperation_{n}")));
        m.extend(self.names.iter().map(|n| format!("rank_{n}")));
        m
    }
    fn run(
        &self,
        point: usize,
        seed: u64,
        _keep_ticks: bool,
    ) -> Result<(Vec<f64>, Option<Table>), EngineError> {
        let mut t = self.points[point].clone();
        t.seed = seed;
        let r = t.play().map_err(classic_error(point))?;
        let n = r.players.len();
        let mut rank = vec![0.0; n];
        for (place, &player) in r.ranking.iter().enumerate() {
            rank[player] = (place + 1) as f64;
        }
        let mut metrics: Vec<f64> = (0..n).map(|i| r.median_score(i)).collect();
        metrics.extend(r.cooperation_rate.iter().copied());
        metrics.extend(rank);
        Ok((metrics, None))
    }
}
