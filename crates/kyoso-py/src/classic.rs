//! `kyoso.classic`: the classic cooperation models, each a thin call into
//! kyoso-classic. Their parameters resolve as the sweeps' tables do
//! (kyoso-core's `params::resolve`: unknown keys get the nearest one, every
//! value is range-checked), their tables are kyoso-engine's
//! `classic_tables` (the command line writes the same ones), and every
//! run releases the GIL.

use kyoso_classic::ethnocentrism::{EthnoStrategy, Ethnocentrism};
use kyoso_classic::ipd::ecological::ecosystem;
use kyoso_classic::ipd::{Game, Match, Moran, Strategy};
use kyoso_classic::params::{EthnocentrismParams, SpatialPdParams};
use kyoso_classic::spatial_pd::{SpatialPd, tail_mean};
use kyoso_classic::{ClassicError, ethnocentrism};
use kyoso_engine::classic::{TournamentParams, tournament, tournament_defaults};
use kyoso_engine::classic_tables as tables;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::{batch, engine_error, input_error, literal, scenario_error, to_pyarrow};

/// A model's error as `kyoso.ScenarioError` with `.key`, `.value` and `.allowed` where it names them.
fn classic_error(py: Python<'_>, e: ClassicError) -> PyErr {
    let err = input_error(py, &e);
    if let ClassicError::OutOfRange {
        name,
        value,
        allowed,
    } = &e
    {
        let v = err.value(py);
        let _ = v.setattr("key", *name);
        let _ = v.setattr("value", value.clone());
        let _ = v.setattr("allowed", *allowed);
        let _ = v.setattr("violations", vec![(*name, value.clone(), *allowed)]);
    }
    if let ClassicError::UnknownStrategy { name, suggestion } = &e {
        let v = err.value(py);
        let _ = v.setattr("value", name.clone());
        let _ = v.setattr("suggestion", suggestion.clone());
    }
    err
}

/// Keyword parameters as `key=value` assignments (`--set` texts).
fn assignments(params: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<String>> {
    let mut out = Vec::new();
    if let Some(d) = params {
        for (k, v) in d.iter() {
            let k: String = k.extract()?;
            out.push(format!("{k}={}", literal(&v)?));
        }
    }
    Ok(out)
}

fn resolve<P: serde::Serialize + serde::de::DeserializeOwned>(
    py: Python<'_>,
    defaults: &P,
    params: Option<&Bound<'_, PyDict>>,
) -> PyResult<P> {
    kyoso_core::params::resolve(defaults, None, &assignments(params)?)
        .map_err(|e| scenario_error(py, &e))
}

/// A table (any serialisable struct) as a dict, through JSON.
fn to_dict<'py, T: serde::Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_string(value)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    py.import("json")?.call_method1("loads", (json,))
}

fn strategy(py: Python<'_>, name: &str) -> PyResult<Strategy> {
    Strategy::from_name(name.trim()).map_err(|e| classic_error(py, e))
}

fn game(py: Python<'_>, g: [f64; 4]) -> PyResult<Game> {
    Game::new(g[0], g[1], g[2], g[3]).map_err(|e| classic_error(py, e))
}

/// The strategies `match`, `tournament` and `moran` know: name, rule,
/// whether stochastic, and what they read (as `kyoso strategies --json`).
#[pyfunction]
pub fn strategies(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let infos: Vec<_> = Strategy::ALL.iter().map(|s| s.info()).collect();
    to_dict(py, &infos)
}

/// One iterated prisoner's dilemma match (as `kyoso match A B --json`).
#[pyfunction]
#[pyo3(signature = (a, b, *, turns=200, game=[3.0, 0.0, 5.0, 1.0], noise=0.0, prob_end=None, seed=0))]
#[allow(clippy::too_many_arguments)]
pub fn play_match<'py>(
    py: Python<'py>,
    a: &str,
    b: &str,
    turns: u32,
    game: [f64; 4],
    noise: f64,
    prob_end: Option<f64>,
    seed: u64,
) -> PyResult<Bound<'py, PyAny>> {
    let (sa, sb) = (strategy(py, a)?, strategy(py, b)?);
    let m = Match {
        game: self::game(py, game)?,
        turns,
        noise,
        prob_end,
    };
    m.validate().map_err(|e| classic_error(py, e))?;
    let r = py.detach(|| m.play(sa, sb, seed));
    let d = PyDict::new(py);
    d.set_item("a", sa.name())?;
    d.set_item("b", sb.name())?;
    d.set_item("turns", r.turns())?;
    d.set_item("moves_a", r.moves_a_string())?;
    d.set_item("moves_b", r.moves_b_string())?;
    d.set_item("score_a", r.score_a)?;
    d.set_item("score_b", r.score_b)?;
    d.set_item("seed", seed)?;
    Ok(d.into_any())
}

/// A round-robin tournament with self-play, ranked as the axelrod library
/// does; `preset` is `classic` or `axelrod-first`, `params` the sweep's
/// table keys (players, turns, repetitions, noise, prob_end, game, seed).
/// Returns (tables, summary).
#[pyfunction]
#[pyo3(signature = (preset=None, params=None, ecological=None))]
pub fn tournament_run<'py>(
    py: Python<'py>,
    preset: Option<&str>,
    params: Option<&Bound<'py, PyDict>>,
    ecological: Option<u32>,
) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyAny>)> {
    let defaults = tournament_defaults(preset).map_err(|e| engine_error(py, e))?;
    let p: TournamentParams = resolve(py, &defaults, params)?;
    let t = tournament(&p).map_err(|m| input_error(py, m))?;
    t.validate().map_err(|e| classic_error(py, e))?;
    let (r, eco) = py
        .detach(|| {
            let r = t.play()?;
            let eco = ecological
                .map(|g| ecosystem(&r, g, None, p.seed))
                .transpose()?;
            Ok::<_, ClassicError>((r, eco))
        })
        .map_err(|e| classic_error(py, e))?;
    let out = PyDict::new(py);
    out.set_item(
        "ranking",
        to_pyarrow(py, &batch(tables::ranking_table(&r)))?,
    )?;
    out.set_item(
        "matches",
        to_pyarrow(py, &batch(tables::matches_table(&r)))?,
    )?;
    out.set_item(
        "payoff_matrix",
        to_pyarrow(py, &batch(tables::payoff_table(&r)))?,
    )?;
    if let Some(eco) = &eco {
        out.set_item(
            "ecology",
            to_pyarrow(py, &batch(tables::ecology_table(&r, eco)))?,
        )?;
    }
    let summary = PyDict::new(py);
    let ranking: Vec<&str> = r.ranking.iter().map(|&i| r.players[i].name()).collect();
    let median: Vec<f64> = r.ranking.iter().map(|&i| r.median_score(i)).collect();
    summary.set_item("ranking", ranking)?;
    summary.set_item("median_score", median)?;
    summary.set_item("settings", to_dict(py, &p)?)?;
    Ok((out, summary.into_any()))
}

/// A Moran process of prisoner's dilemma strategies (as `kyoso moran`):
/// `population` lists (strategy, count) pairs. Returns (tables, summary).
#[pyfunction]
#[pyo3(signature = (population, *, turns=200, game=[3.0, 0.0, 5.0, 1.0], noise=0.0, prob_end=None, mutation_rate=0.0, max_steps=10_000, seed=0))]
#[allow(clippy::too_many_arguments)]
pub fn moran<'py>(
    py: Python<'py>,
    population: Vec<(String, u32)>,
    turns: u32,
    game: [f64; 4],
    noise: f64,
    prob_end: Option<f64>,
    mutation_rate: f64,
    max_steps: u64,
    seed: u64,
) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyAny>)> {
    let mut individuals = Vec::new();
    for (name, count) in &population {
        let s = strategy(py, name)?;
        individuals.extend(std::iter::repeat_n(s, *count as usize));
    }
    let m = Moran {
        population: individuals,
        settings: Match {
            game: self::game(py, game)?,
            turns,
            noise,
            prob_end,
        },
        mutation_rate,
        max_steps,
        seed,
    };
    m.validate().map_err(|e| classic_error(py, e))?;
    let r = py.detach(|| m.run()).map_err(|e| classic_error(py, e))?;
    let out = PyDict::new(py);
    out.set_item(
        "populations",
        to_pyarrow(py, &batch(tables::populations_table(&r)))?,
    )?;
    let summary = PyDict::new(py);
    summary.set_item("steps", r.counts.len() - 1)?;
    summary.set_item("fixated", r.fixated.map(|s| s.name()))?;
    let names: Vec<&str> = r.strategies.iter().map(|s| s.name()).collect();
    summary.set_item("strategies", names)?;
    summary.set_item("final_counts", r.counts.last().cloned().unwrap_or_default())?;
    Ok((out, summary.into_any()))
}

/// The spatial prisoner's dilemma of Nowak and May (1992), from the
/// sweep's parameter table (`preset` nowak-may or mesa-pd-grid, then
/// `params`). Returns (tables, summary, lattice as rows of 1 = C, 0 = D).
#[pyfunction]
#[pyo3(signature = (preset=None, params=None))]
#[allow(clippy::type_complexity)]
pub fn spatial_pd<'py>(
    py: Python<'py>,
    preset: Option<&str>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyAny>, Bound<'py, PyList>)> {
    let defaults = SpatialPdParams::preset(preset).map_err(|e| classic_error(py, e))?;
    let p: SpatialPdParams = resolve(py, &defaults, params)?;
    let config = p.check().map_err(|e| classic_error(py, e))?;
    let (series, lattice) = py
        .detach(|| {
            let mut game = SpatialPd::new(config)?;
            let series = game.run(p.steps);
            Ok::<_, ClassicError>((series, game.strategies().to_vec()))
        })
        .map_err(|e| classic_error(py, e))?;
    let out = PyDict::new(py);
    out.set_item(
        "steps",
        to_pyarrow(py, &batch(tables::steps_table(&series)))?,
    )?;
    let summary = PyDict::new(py);
    summary.set_item("cooperator_fraction", tail_mean(&series))?;
    summary.set_item("cooperator_fraction_final", series.last().copied())?;
    summary.set_item("settings", to_dict(py, &p)?)?;
    let rows = PyList::empty(py);
    for row in lattice.chunks(config.size) {
        rows.append(row.to_vec())?;
    }
    Ok((out, summary.into_any(), rows))
}

/// The evolution of ethnocentrism of Hammond and Axelrod (2006), from the
/// sweep's parameter table (the paper's values, 2000 periods). Returns
/// (tables, summary, lattice as rows of (tag, strategy) or None).
#[pyfunction]
#[pyo3(signature = (params=None))]
#[allow(clippy::type_complexity)]
pub fn ethnocentrism_run<'py>(
    py: Python<'py>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyAny>, Bound<'py, PyList>)> {
    let p: EthnocentrismParams = resolve(py, &EthnocentrismParams::paper(2000), params)?;
    let config = p.check().map_err(|e| classic_error(py, e))?;
    let (stats, cells) = py
        .detach(|| {
            let mut model = Ethnocentrism::new(config)?;
            let stats = model.run(p.periods);
            let cells: Vec<Option<(u8, EthnoStrategy)>> = model.lattice().collect();
            Ok::<_, ClassicError>((stats, cells))
        })
        .map_err(|e| classic_error(py, e))?;
    let out = PyDict::new(py);
    out.set_item(
        "periods",
        to_pyarrow(py, &batch(tables::periods_table(&stats)))?,
    )?;
    let (ethnocentric_share, cooperation_rate) = ethnocentrism::summary(&stats);
    let summary = PyDict::new(py);
    summary.set_item("ethnocentric_share", ethnocentric_share)?;
    summary.set_item("cooperation_rate", cooperation_rate)?;
    if let Some(last) = stats.last() {
        summary.set_item("final_agents", last.agents)?;
        let shares = PyDict::new(py);
        for s in EthnoStrategy::ALL {
            shares.set_item(s.name(), last.share(s))?;
        }
        summary.set_item("final_shares", shares)?;
    }
    summary.set_item("settings", to_dict(py, &p)?)?;
    let rows = PyList::empty(py);
    for row in cells.chunks(config.size) {
        let r: Vec<Option<(u8, &str)>> =
            row.iter().map(|c| c.map(|(t, s)| (t, s.name()))).collect();
        rows.append(r)?;
    }
    Ok((out, summary.into_any(), rows))
}
