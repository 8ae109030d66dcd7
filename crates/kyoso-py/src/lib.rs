//! The native module of the `kyoso` Python package (`kyoso._kyoso`).
//!
//! A thin adapter: scenarios resolve through kyoso-engine's
//! [`ScenarioInputs`] (the command line's layering and messages), runs and
//! stepping call kyoso-core's [`Simulation`], tables are kyoso-io's (the
//! columns, units and meanings of the files) handed to pyarrow through the
//! Arrow C data interface without a copy, and sweeps are kyoso-engine's
//! runner. Nothing here models anything. Long calls release the GIL and
//! look for Ctrl-C between ticks or runs.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use arrow_array::{Array, RecordBatch};
use arrow_pyarrow::IntoPyArrow;
use kyoso_core::silent_rivalry::{Observation, RunOutput, run_scenario_with};
use kyoso_engine::sweep::{Monitor, SweepModel, SweepRequest, run_sweep};
use kyoso_engine::{EngineError, ResolveError, ScenarioFile, ScenarioInputs};
use kyoso_io::table::Table;
use pyo3::create_exception;
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

mod classic;
mod explore;

create_exception!(
    kyoso,
    ScenarioError,
    PyValueError,
    "A scenario that cannot be built: an unknown key (with the nearest one), a value out of range, a malformed file. `.key`, `.value` and `.allowed` name what to fix (None where the error has no such part), `.violations` lists every out-of-range value as (key, value, allowed), `.suggestion` is the nearest key for an unknown one; the message is the command line's."
);
create_exception!(
    kyoso,
    OutputError,
    PyOSError,
    "An output folder that cannot be written: not empty, not a folder, or a write that failed. Nothing half-written is left behind."
);

/// Raises a core scenario error as `kyoso.ScenarioError` with its parts.
fn scenario_error(py: Python<'_>, e: &kyoso_core::ScenarioError) -> PyErr {
    use kyoso_core::ScenarioError as E;
    let err = ScenarioError::new_err(e.to_string());
    let none = || None::<String>;
    let (key, value, allowed, suggestion) = match e {
        E::Invalid { violations, .. } => {
            let v = violations.first();
            (
                v.map(|v| v.key.clone()),
                v.map(|v| v.value.clone()),
                v.map(|v| v.allowed.clone()),
                none(),
            )
        }
        E::UnknownKey {
            key, suggestion, ..
        } => (
            Some(key.clone()),
            none(),
            Some("a key of the scenario (docs/model.md §8)".to_string()),
            suggestion.clone(),
        ),
        E::BadOverride { assignment, .. } | E::BadSchedule { assignment, .. } => {
            match assignment.split_once('=') {
                Some((k, v)) => (
                    Some(k.trim().to_string()),
                    Some(v.trim().to_string()),
                    none(),
                    none(),
                ),
                None => (Some(assignment.clone()), none(), none(), none()),
            }
        }
        E::UnknownPreset {
            name,
            suggestion,
            available,
        } => (
            Some("preset".to_string()),
            Some(name.clone()),
            Some(available.join(", ")),
            suggestion.clone(),
        ),
        E::Parse { .. } | E::Shape { .. } => (none(), none(), none(), none()),
    };
    let violations: Vec<(String, String, String)> = match e {
        E::Invalid { violations, .. } => violations
            .iter()
            .map(|v| (v.key.clone(), v.value.clone(), v.allowed.clone()))
            .collect(),
        _ => Vec::new(),
    };
    let value_obj = err.value(py);
    let set = |name: &str, v: Option<String>| {
        let _ = value_obj.setattr(name, v);
    };
    set("key", key);
    set("value", value);
    set("allowed", allowed);
    set("suggestion", suggestion);
    let _ = value_obj.setattr("violations", violations);
    err
}

/// A plain `ScenarioError` (no key) for bad input found outside a layer.
fn input_error(py: Python<'_>, message: impl std::fmt::Display) -> PyErr {
    let err = ScenarioError::new_err(message.to_string());
    let v = err.value(py);
    for name in ["key", "value", "allowed", "suggestion"] {
        let _ = v.setattr(name, None::<String>);
    }
    let _ = v.setattr("violations", Vec::<(String, String, String)>::new());
    err
}

fn engine_error(py: Python<'_>, e: EngineError) -> PyErr {
    match e {
        EngineError::Input(m) => input_error(py, m),
        EngineError::Runtime(m) => PyRuntimeError::new_err(m),
        EngineError::Interrupted(m) => PyKeyboardInterrupt::new_err(m),
    }
}

fn output_error(py: Python<'_>, e: kyoso_io::OutputError) -> PyErr {
    let _ = py;
    OutputError::new_err(e.to_string())
}

/// A Python value as the text of a `key=value` assignment, as it would be
/// typed after `--set key=` on the command line.
fn literal(value: &Bound<'_, PyAny>) -> PyResult<String> {
    if value.is_instance_of::<PyBool>() {
        return Ok(if value.extract::<bool>()? {
            "true"
        } else {
            "false"
        }
        .to_string());
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(value.str()?.to_string());
    }
    if value.is_instance_of::<PyFloat>() {
        return Ok(value.repr()?.to_string());
    }
    if value.is_instance_of::<PyString>() {
        return value.extract::<String>();
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let items: PyResult<Vec<String>> = value.try_iter()?.map(|x| literal(&x?)).collect();
        return Ok(format!("[{}]", items?.join(", ")));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        let mut parts = Vec::new();
        for (k, v) in d.iter() {
            let k: String = k.extract()?;
            let v = if v.is_instance_of::<PyString>() {
                toml_string(&v.extract::<String>()?)
            } else {
                literal(&v)?
            };
            parts.push(format!("{k} = {v}"));
        }
        return Ok(format!("{{ {} }}", parts.join(", ")));
    }
    // numpy scalars and the like: their `float` or `int`.
    if let Ok(x) = value.extract::<i64>() {
        return Ok(x.to_string());
    }
    if let Ok(x) = value.extract::<f64>() {
        return Ok(PyFloat::new(value.py(), x).repr()?.to_string());
    }
    Err(PyValueError::new_err(format!(
        "{}: not a value a scenario key takes (bool, int, float, str, list or dict)",
        value.repr()?
    )))
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn toml_to_py<'py>(py: Python<'py>, v: &toml::Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        toml::Value::String(s) => PyString::new(py, s).into_any(),
        toml::Value::Integer(i) => i.into_pyobject(py)?.into_any(),
        toml::Value::Float(f) => PyFloat::new(py, *f).into_any(),
        toml::Value::Boolean(b) => PyBool::new(py, *b).to_owned().into_any(),
        toml::Value::Datetime(d) => PyString::new(py, &d.to_string()).into_any(),
        toml::Value::Array(a) => {
            let items: PyResult<Vec<_>> = a.iter().map(|x| toml_to_py(py, x)).collect();
            PyList::new(py, items?)?.into_any()
        }
        toml::Value::Table(t) => {
            let d = PyDict::new(py);
            for (k, x) in t {
                d.set_item(k, toml_to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// A silent-rivalry scenario: the default, a region preset, a TOML file or
/// text, and `key=value` changes on top, resolved and validated exactly as
/// the command line does. Immutable: `set` and `at` return a new scenario.
#[pyclass(frozen, skip_from_py_object, module = "kyoso", name = "Scenario")]
#[derive(Clone)]
struct Scenario {
    inputs: ScenarioInputs,
    resolved: kyoso_core::Scenario,
    source: String,
}

impl Scenario {
    fn build(py: Python<'_>, inputs: ScenarioInputs) -> PyResult<Scenario> {
        let (resolved, source) = resolve(py, &inputs)?;
        Ok(Scenario {
            inputs,
            resolved,
            source,
        })
    }

    fn with_inputs(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut ScenarioInputs),
    ) -> PyResult<Scenario> {
        let mut inputs = self.inputs.clone();
        f(&mut inputs);
        Scenario::build(py, inputs)
    }
}

fn resolve(py: Python<'_>, inputs: &ScenarioInputs) -> PyResult<(kyoso_core::Scenario, String)> {
    inputs.resolve_typed().map_err(|e| match e {
        ResolveError::Scenario(e) => scenario_error(py, &e),
        ResolveError::Engine(e) => engine_error(py, e),
    })
}

#[pymethods]
impl Scenario {
    /// The default scenario (docs/model.md §8), as `kyoso run` uses with no options.
    #[staticmethod]
    fn default(py: Python<'_>) -> PyResult<Scenario> {
        Scenario::build(py, ScenarioInputs::default())
    }

    /// A region preset (`china`, `southeast-asia`, `us-west-coast`) over the default.
    #[staticmethod]
    fn preset(py: Python<'_>, name: &str) -> PyResult<Scenario> {
        Scenario::build(
            py,
            ScenarioInputs {
                preset: Some(name.to_string()),
                ..ScenarioInputs::default()
            },
        )
    }

    /// The names of the region presets.
    #[staticmethod]
    fn presets() -> Vec<&'static str> {
        kyoso_core::scenario::PRESETS
            .iter()
            .map(|p| p.name)
            .collect()
    }

    /// A scenario file layered over the default (and `preset`, if given):
    /// a path (`str` or `os.PathLike`) to a TOML file, or TOML text.
    #[staticmethod]
    #[pyo3(signature = (path_or_text, preset=None))]
    fn from_toml(
        py: Python<'_>,
        path_or_text: &Bound<'_, PyAny>,
        preset: Option<String>,
    ) -> PyResult<Scenario> {
        let os = py.import("os")?;
        let is_path = path_or_text.is_instance(&os.getattr("PathLike")?)?;
        let file = if is_path {
            let p: PathBuf = path_or_text.extract()?;
            ScenarioFile::read(&p).map_err(|e| engine_error(py, e))?
        } else {
            let text: String = path_or_text.extract()?;
            let looks_like_path =
                !text.contains('\n') && !text.contains('=') && !text.contains('[');
            if looks_like_path {
                ScenarioFile::read(std::path::Path::new(&text)).map_err(|e| engine_error(py, e))?
            } else {
                ScenarioFile {
                    name: "<text>".to_string(),
                    text,
                }
            }
        };
        Scenario::build(
            py,
            ScenarioInputs {
                preset,
                file: Some(file),
                ..ScenarioInputs::default()
            },
        )
    }

    /// A new scenario with one dotted key changed, as `--set key=value`.
    fn set(&self, py: Python<'_>, key: &str, value: &Bound<'_, PyAny>) -> PyResult<Scenario> {
        let assignment = format!("{key}={}", literal(value)?);
        self.with_inputs(py, |i| i.sets.push(assignment))
    }

    /// A new scenario with a scheduled change from `tick` on, as
    /// `--at TICK:key=value` (or a wave of entrants: `at(36, "enter.JP", 10)`).
    fn at(
        &self,
        py: Python<'_>,
        tick: u32,
        key: &str,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<Scenario> {
        let assignment = format!("{tick}:{key}={}", literal(value)?);
        self.with_inputs(py, |i| i.at.push(assignment))
    }

    /// A new scenario with another seed (`--seed`).
    fn with_seed(&self, py: Python<'_>, seed: u64) -> PyResult<Scenario> {
        self.with_inputs(py, |i| i.seed = Some(seed))
    }

    /// A new scenario with another run length (`--ticks`).
    fn with_ticks(&self, py: Python<'_>, ticks: u32) -> PyResult<Scenario> {
        self.with_inputs(py, |i| i.ticks = Some(ticks))
    }

    /// The complete scenario as TOML: what `scenario.toml` of a run holds.
    fn to_toml(&self) -> String {
        self.resolved.to_toml()
    }

    /// The complete scenario as nested dicts (the TOML's tables).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value: toml::Table = toml::from_str(&self.resolved.to_toml())
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        toml_to_py(py, &toml::Value::Table(value))
    }

    /// The value of one dotted key, e.g. `get("encounters.detect")`.
    fn get<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        let table: toml::Table = toml::from_str(&self.resolved.to_toml())
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        let mut v = &toml::Value::Table(table);
        for part in key.split('.') {
            v = v.get(part).ok_or_else(|| {
                pyo3::exceptions::PyKeyError::new_err(format!("{key}: no such key in the scenario"))
            })?;
        }
        toml_to_py(py, v)
    }

    /// The seed of every random stream (`run.seed`).
    #[getter]
    fn seed(&self) -> u64 {
        self.resolved.run.seed
    }

    /// The run length in months (`run.ticks`).
    #[getter]
    fn ticks(&self) -> u32 {
        self.resolved.run.ticks
    }

    /// Where the scenario comes from, as `summary.json`'s `scenario_source` says it.
    #[getter]
    fn source(&self) -> String {
        self.source.clone()
    }

    /// The equivalent command line options (after `kyoso run`).
    #[getter]
    fn command_line(&self) -> Vec<String> {
        let i = &self.inputs;
        let mut out = Vec::new();
        if let Some(p) = &i.preset {
            out.extend(["--preset".to_string(), p.clone()]);
        }
        if let Some(f) = &i.file {
            out.extend(["--scenario".to_string(), f.name.clone()]);
        }
        for s in &i.sets {
            out.extend(["--set".to_string(), s.clone()]);
        }
        for a in &i.at {
            out.extend(["--at".to_string(), a.clone()]);
        }
        if let Some(s) = i.seed {
            out.extend(["--seed".to_string(), s.to_string()]);
        }
        if let Some(t) = i.ticks {
            out.extend(["--ticks".to_string(), t.to_string()]);
        }
        out
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Scenario>()
            .is_ok_and(|o| o.get().resolved == self.resolved)
    }

    fn __repr__(&self) -> String {
        format!("Scenario({})", self.source)
    }
}

/// A table as a `pyarrow.Table`, through the C data interface: pyarrow
/// takes the Rust buffers over; nothing is copied.
fn to_pyarrow<'py>(py: Python<'py>, batch: &RecordBatch) -> PyResult<Bound<'py, PyAny>> {
    arrow_pyarrow::Table::try_new(vec![batch.clone()], batch.schema())
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))?
        .into_pyarrow(py)
}

fn batch(table: Table) -> RecordBatch {
    kyoso_io::write::record_batch(table)
}

/// The address of the first buffer of column `column` of `batch` (its
/// values): what pyarrow's `buffers()[1].address` shows when nothing was copied.
fn values_address(batch: &RecordBatch, column: &str) -> PyResult<usize> {
    let array = batch
        .column_by_name(column)
        .ok_or_else(|| PyValueError::new_err(format!("no column {column}")))?;
    let data = array.to_data();
    let buffer = data
        .buffers()
        .first()
        .ok_or_else(|| PyValueError::new_err(format!("column {column} has no buffer")))?;
    Ok(buffer.as_ptr() as usize)
}

/// A finished run: the tables `kyoso run` writes, as Arrow tables. Each
/// table is built on first use and kept, so `kyoso.run` costs the run
/// alone and a table handed out twice is the same memory.
#[pyclass(frozen, module = "kyoso", name = "Run")]
struct Run {
    output: RunOutput,
    scenario: Scenario,
    ticks: OnceLock<RecordBatch>,
    firms: OnceLock<RecordBatch>,
    events: OnceLock<RecordBatch>,
}

impl Run {
    fn new(output: RunOutput, scenario: Scenario) -> Run {
        Run {
            output,
            scenario,
            ticks: OnceLock::new(),
            firms: OnceLock::new(),
            events: OnceLock::new(),
        }
    }

    fn batch(&self, table: &str) -> PyResult<&RecordBatch> {
        let o = &self.output;
        Ok(match table {
            "ticks" => self.ticks.get_or_init(|| batch(kyoso_io::tables::ticks(o))),
            "firms" => self.firms.get_or_init(|| batch(kyoso_io::tables::firms(o))),
            "events" => self
                .events
                .get_or_init(|| batch(kyoso_io::tables::events(o))),
            _ => return Err(PyValueError::new_err("ticks, firms or events")),
        })
    }
}

#[pymethods]
impl Run {
    /// ticks.parquet: one row per tick, metric and group (docs/outputs.md).
    #[getter]
    fn ticks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_pyarrow(py, self.batch("ticks")?)
    }

    /// firms.parquet: one row per firm that ever existed.
    #[getter]
    fn firms<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_pyarrow(py, self.batch("firms")?)
    }

    /// events.parquet: one row per event, in order.
    #[getter]
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_pyarrow(py, self.batch("events")?)
    }

    /// summary.json's `headline`: the end-of-run summary, as a dict.
    #[getter]
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let json = serde_json::to_string(&self.output.summary)
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        py.import("json")?.call_method1("loads", (json,))
    }

    /// The scenario the run used (seed and ticks included).
    #[getter]
    fn scenario(&self) -> Scenario {
        self.scenario.clone()
    }

    /// Writes exactly the files `kyoso run` writes for this scenario and
    /// seed (byte for byte) into `dir`, which must not exist or be empty.
    /// The folder appears complete or not at all.
    #[pyo3(signature = (dir, *, csv=false))]
    fn write(&self, py: Python<'_>, dir: PathBuf, csv: bool) -> PyResult<PathBuf> {
        let out = &self.output;
        let source = self.scenario.source.clone();
        py.detach(|| -> Result<PathBuf, kyoso_io::OutputError> {
            kyoso_io::check_target(&dir, false)?;
            let staging = kyoso_io::Staging::new(&dir, false)?;
            kyoso_io::write_run(out, staging.path(), &source, kyoso_io::WriteOptions { csv })?;
            staging.commit()
        })
        .map_err(|e| output_error(py, e))
    }

    /// The address of a column's values in Rust memory (tests of zero copy).
    fn _values_address(&self, table: &str, column: &str) -> PyResult<usize> {
        values_address(self.batch(table)?, column)
    }

    fn __repr__(&self) -> String {
        format!(
            "Run({}, {} ticks, {} firms ever)",
            self.scenario.source,
            self.output.summary.ticks,
            self.output.firms.len()
        )
    }
}

/// Checks for Ctrl-C (a pending KeyboardInterrupt) from a thread that
/// released the GIL.
fn interrupted() -> Option<PyErr> {
    Python::attach(|py| py.check_signals().err())
}

fn with_overrides(
    py: Python<'_>,
    scenario: Option<&Scenario>,
    seed: Option<u64>,
    ticks: Option<u32>,
) -> PyResult<Scenario> {
    let base = match scenario {
        Some(s) => s.clone(),
        None => Scenario::default(py)?,
    };
    if seed.is_none() && ticks.is_none() {
        return Ok(base);
    }
    base.with_inputs(py, |i| {
        if seed.is_some() {
            i.seed = seed;
        }
        if ticks.is_some() {
            i.ticks = ticks;
        }
    })
}

/// Runs a scenario to the end (the default if none) and returns its
/// tables; `seed` and `ticks` override the scenario's, as `--seed` and
/// `--ticks` do. The GIL is released while it runs; Ctrl-C stops it.
#[pyfunction]
#[pyo3(signature = (scenario=None, *, seed=None, ticks=None))]
fn run(
    py: Python<'_>,
    scenario: Option<&Scenario>,
    seed: Option<u64>,
    ticks: Option<u32>,
) -> PyResult<Run> {
    let scenario = with_overrides(py, scenario, seed, ticks)?;
    let resolved = scenario.resolved.clone();
    let mut stop = None;
    let output = py.detach(|| {
        run_scenario_with(&resolved, None, |sim| {
            if sim.ticks_done() % 16 == 0
                && let Some(e) = interrupted()
            {
                stop = Some(e);
                return false;
            }
            true
        })
    });
    let output = output.map_err(|e| scenario_error(py, &e))?;
    match output {
        Some(o) => Ok(Run::new(o, scenario)),
        None => Err(stop.unwrap_or_else(|| PyKeyboardInterrupt::new_err("interrupted"))),
    }
}

/// A market stepped month by month, for notebooks and teaching. Stepped to
/// the end, it gives exactly the tables of `kyoso.run` (`to_run()`).
#[pyclass(module = "kyoso", name = "Simulation")]
struct Simulation {
    sim: kyoso_core::Simulation,
    observations: Vec<Observation>,
    scenario: Scenario,
}

#[pymethods]
impl Simulation {
    #[new]
    #[pyo3(signature = (scenario=None, *, seed=None, ticks=None))]
    fn new(
        py: Python<'_>,
        scenario: Option<&Scenario>,
        seed: Option<u64>,
        ticks: Option<u32>,
    ) -> PyResult<Simulation> {
        let scenario = with_overrides(py, scenario, seed, ticks)?;
        let sim =
            kyoso_core::Simulation::new(&scenario.resolved).map_err(|e| scenario_error(py, &e))?;
        Ok(Simulation {
            sim,
            observations: Vec::new(),
            scenario,
        })
    }

    /// Runs `n` more months (fewer if the run ends first); returns the tick
    /// count reached. Ctrl-C stops between months.
    #[pyo3(signature = (n=1))]
    fn step(&mut self, py: Python<'_>, n: u32) -> PyResult<u32> {
        let (sim, observations) = (&mut self.sim, &mut self.observations);
        let stopped = py.detach(|| {
            for k in 0..n {
                if sim.is_done() {
                    break;
                }
                sim.step();
                observations.extend_from_slice(sim.observations());
                if k % 16 == 15
                    && let Some(e) = interrupted()
                {
                    return Some(e);
                }
            }
            None
        });
        match stopped {
            Some(e) => Err(e),
            None => Ok(self.sim.ticks_done()),
        }
    }

    /// Months completed so far.
    #[getter]
    fn tick(&self) -> u32 {
        self.sim.ticks_done()
    }

    /// Whether every month of the scenario has run.
    #[getter]
    fn done(&self) -> bool {
        self.sim.is_done()
    }

    /// The scenario being run.
    #[getter]
    fn scenario(&self) -> Scenario {
        self.scenario.clone()
    }

    /// Every firm that ever existed, in its current state (firms.parquet's columns).
    fn firms<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let t = kyoso_io::tables::firms_of(self.sim.firms(), self.sim.origin_names());
        to_pyarrow(py, &batch(t))
    }

    /// The last completed month's rows of ticks.parquet.
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_pyarrow(
            py,
            &batch(kyoso_io::tables::ticks_of(self.sim.observations())),
        )
    }

    /// Every partnership formed so far, active and ended.
    fn partnerships<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_pyarrow(
            py,
            &batch(kyoso_io::tables::partnerships(self.sim.partnerships())),
        )
    }

    /// The event log so far (events.parquet's columns).
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_pyarrow(py, &batch(kyoso_io::tables::events_of(self.sim.events())))
    }

    /// Changes parameters from the next month on, as a live slider does:
    /// the change joins the scenario's schedule, so the run stays
    /// reproducible (`scenario` then includes it). Before the first month,
    /// change the scenario instead.
    fn set_now(&mut self, py: Python<'_>, key: &str, value: &Bound<'_, PyAny>) -> PyResult<u32> {
        let assignment = format!("{key}={}", literal(value)?);
        let tick = self
            .sim
            .schedule_now(std::slice::from_ref(&assignment))
            .map_err(|e| scenario_error(py, &e))?;
        self.scenario = self
            .scenario
            .with_inputs(py, |i| i.at.push(format!("{tick}:{assignment}")))?;
        Ok(tick)
    }

    /// The run so far as a `Run` (all of it once `done`): the same tables
    /// `kyoso.run` gives for the scenario.
    fn to_run(&self) -> Run {
        Run::new(
            self.sim.output(self.observations.clone()),
            self.scenario.clone(),
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "Simulation({}, month {} of {})",
            self.scenario.source,
            self.sim.ticks_done(),
            self.scenario.resolved.run.ticks
        )
    }
}

/// Progress and Ctrl-C for a sweep running with the GIL released: the
/// journal thread (the caller's) checks for signals and reports progress
/// at most every 100 ms; workers stop after their run when asked.
struct PyMonitor {
    progress: Option<Py<PyAny>>,
    done: AtomicU64,
    total: AtomicU64,
    stop: AtomicBool,
    error: Mutex<Option<PyErr>>,
    last: Mutex<Instant>,
}

impl PyMonitor {
    fn new(progress: Option<Py<PyAny>>) -> PyMonitor {
        PyMonitor {
            progress,
            done: AtomicU64::new(0),
            total: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            error: Mutex::new(None),
            last: Mutex::new(Instant::now()),
        }
    }

    fn report(&self, force: bool) {
        {
            let mut last = self.last.lock().expect("not poisoned");
            if !force && last.elapsed() < Duration::from_millis(100) {
                return;
            }
            *last = Instant::now();
        }
        Python::attach(|py| {
            let failed = py.check_signals().err().or_else(|| {
                let p = self.progress.as_ref()?;
                let args = (
                    self.done.load(Ordering::Relaxed),
                    self.total.load(Ordering::Relaxed),
                );
                p.call1(py, args).err()
            });
            if let Some(e) = failed {
                self.stop.store(true, Ordering::Relaxed);
                self.error.lock().expect("not poisoned").get_or_insert(e);
            }
        });
    }
}

impl Monitor for PyMonitor {
    fn on_start(&self, total: u64, completed: usize) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(completed as u64, Ordering::Relaxed);
        self.report(true);
    }
    fn on_run_done(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
        self.report(false);
    }
    fn on_end(&self) {
        if !self.stop.load(Ordering::Relaxed) {
            self.report(true);
        }
    }
    fn should_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Runs a sweep into folder `out` (kyoso-engine's runner, as `kyoso sweep`)
/// and returns the manifest as JSON text. The Python wrapper `kyoso.sweep`
/// builds the arguments and reads the tables back.
#[pyfunction]
#[pyo3(signature = (model, out, *, scenario=None, sets=Vec::new(), vary=Vec::new(), design=None, reps=1, seed=None, ticks=None, jobs=None, shard=None, resume=false, common_seeds=false, keep_ticks=false, firm_ticks=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn _sweep(
    py: Python<'_>,
    model: &str,
    out: PathBuf,
    scenario: Option<&Scenario>,
    sets: Vec<String>,
    vary: Vec<String>,
    design: Option<PathBuf>,
    reps: u32,
    seed: Option<u64>,
    ticks: Option<u32>,
    jobs: Option<usize>,
    shard: Option<String>,
    resume: bool,
    common_seeds: bool,
    keep_ticks: bool,
    firm_ticks: Option<u32>,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let model = SweepModel::from_name(model).ok_or_else(|| {
        let names: Vec<&str> = SweepModel::ALL.iter().map(|m| m.name()).collect();
        input_error(
            py,
            format!("unknown model `{model}`; available: {}", names.join(", ")),
        )
    })?;
    let mut inputs = match scenario {
        Some(s) if model != SweepModel::SilentRivalry => {
            let _ = s;
            return Err(input_error(
                py,
                "scenario= is for the silent-rivalry model; give a classic model's parameters with set=",
            ));
        }
        Some(s) => s.inputs.clone(),
        None => ScenarioInputs::default(),
    };
    inputs.sets.extend(sets);
    if seed.is_some() {
        inputs.seed = seed;
    }
    if ticks.is_some() {
        inputs.ticks = ticks;
    }
    let mut request = SweepRequest::new(model, inputs, reps, &out);
    request.vary = vary;
    request.design = design;
    request.jobs = jobs;
    request.shard = shard;
    request.resume = resume;
    request.common_seeds = common_seeds;
    request.keep_ticks = keep_ticks;
    request.firm_ticks = firm_ticks;
    let monitor = PyMonitor::new(progress);
    let result = py.detach(|| run_sweep(&request, &monitor));
    if let Some(e) = monitor.error.lock().expect("not poisoned").take() {
        return Err(e);
    }
    let outcome = result.map_err(|e| engine_error(py, e))?;
    serde_json::to_string(&outcome.manifest).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// Runs one experiment (or `all`, the suite) into folder `out` with its
/// negative controls, as `kyoso experiment run` does (kyoso-engine's
/// runner), and returns the folder's path. The Python wrapper
/// `kyoso.experiment` reads verdicts.json and report.md back.
#[pyfunction]
#[pyo3(signature = (name, out, *, reps=None, jobs=None, ticks=None, seed=None, sets=Vec::new(), at=Vec::new(), resume=false, controls=true, robustness=None, robustness_reps=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn _experiment(
    py: Python<'_>,
    name: &str,
    out: PathBuf,
    reps: Option<u32>,
    jobs: Option<usize>,
    ticks: Option<u32>,
    seed: Option<u64>,
    sets: Vec<String>,
    at: Vec<String>,
    resume: bool,
    controls: bool,
    robustness: Option<usize>,
    robustness_reps: Option<u32>,
    progress: Option<Py<PyAny>>,
) -> PyResult<PathBuf> {
    use kyoso_engine::experiment::{ExperimentRequest, run_experiment, run_suite};
    let mut request = ExperimentRequest::new(name, &out);
    request.reps = reps;
    request.jobs = jobs;
    request.ticks = ticks;
    request.seed = seed;
    request.sets = sets;
    request.at = at;
    request.resume = resume;
    request.controls = controls;
    request.robustness = robustness;
    request.robustness_reps = robustness_reps;
    let monitor = PyMonitor::new(progress);
    let result = py.detach(|| {
        if name == "all" {
            run_suite(&request, &monitor).map(|o| o.out)
        } else {
            run_experiment(&request, &monitor).map(|o| o.out)
        }
    });
    if let Some(e) = monitor.error.lock().expect("not poisoned").take() {
        return Err(e);
    }
    result.map_err(|e| engine_error(py, e))
}

/// The experiments: name, claims, the claim in words, default replications.
#[pyfunction]
fn experiments<'py>(py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
    kyoso_core::experiments::EXPERIMENTS
        .iter()
        .map(|e| {
            let d = PyDict::new(py);
            d.set_item("name", e.name)?;
            d.set_item("claims", e.claims)?;
            d.set_item("claim", e.claim)?;
            d.set_item("reps", e.reps)?;
            d.set_item("vary", e.vary.to_vec())?;
            d.set_item("presets", e.presets.to_vec())?;
            Ok(d)
        })
        .collect()
}

/// The names of the models `sweep` knows.
#[pyfunction]
fn sweep_models() -> Vec<&'static str> {
    SweepModel::ALL.iter().map(|m| m.name()).collect()
}

/// The kyoso version (the same as the command line's).
#[pyfunction]
fn version() -> &'static str {
    kyoso_core::VERSION
}

#[pymodule]
fn _kyoso(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Scenario>()?;
    m.add_class::<Run>()?;
    m.add_class::<Simulation>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(_sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sweep_models, m)?)?;
    m.add_function(wrap_pyfunction!(_experiment, m)?)?;
    m.add_function(wrap_pyfunction!(experiments, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(classic::strategies, m)?)?;
    m.add_function(wrap_pyfunction!(classic::play_match, m)?)?;
    m.add_function(wrap_pyfunction!(classic::tournament_run, m)?)?;
    m.add_function(wrap_pyfunction!(classic::moran, m)?)?;
    m.add_function(wrap_pyfunction!(classic::spatial_pd, m)?)?;
    m.add_function(wrap_pyfunction!(classic::ethnocentrism_run, m)?)?;
    m.add_class::<explore::Design>()?;
    m.add_function(wrap_pyfunction!(explore::make_design, m)?)?;
    m.add_function(wrap_pyfunction!(explore::sensitivity, m)?)?;
    m.add_function(wrap_pyfunction!(explore::discover, m)?)?;
    m.add_function(wrap_pyfunction!(explore::preflight, m)?)?;
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add("OutputError", m.py().get_type::<OutputError>())?;
    Ok(())
}
