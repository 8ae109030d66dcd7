//! `kyoso.explore`: experimental designs, sensitivity indices and scenario
//! discovery, as thin calls into kyoso-engine's `explore` (what `kyoso
//! explore design / sensitivity / discover` call).

use std::path::PathBuf;

use kyoso_engine::explore::{self as ex, Analysis, Condition, SpaceModel};
use kyoso_explore::design::Method;
use kyoso_explore::sensitivity::Bootstrap;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::{batch, engine_error, input_error, to_pyarrow};

/// An experimental design over a parameter space: its rows (the CSV `kyoso
/// sweep --design` reads) and its sidecar (method, space, seed), which
/// sensitivity analysis needs to read the results back.
#[pyclass(frozen, skip_from_py_object, module = "kyoso", name = "Design")]
#[derive(Clone)]
pub struct Design {
    pub design: ex::Design,
}

#[pymethods]
impl Design {
    /// A design saved by `kyoso explore design` (the CSV and its `.json` sidecar).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Design> {
        ex::Design::load(&path)
            .map(|design| Design { design })
            .map_err(|e| engine_error(py, e))
    }

    /// The design's CSV (a header of parameter keys, one row per point).
    fn csv<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.design.csv())
    }

    /// The design points as a `pyarrow.Table` (one column per parameter).
    #[getter]
    fn table<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let bytes = PyBytes::new(py, &self.design.csv());
        let reader = py.import("io")?.call_method1("BytesIO", (bytes,))?;
        py.import("pyarrow.csv")?
            .call_method1("read_csv", (reader,))
    }

    /// The sidecar as a dict: method, rows, space, seed.
    #[getter]
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?
            .call_method1("loads", (self.design.sidecar_json(),))
    }

    /// The design's parameter keys, in column order.
    #[getter]
    fn keys(&self) -> Vec<String> {
        self.design
            .info
            .space
            .keys()
            .iter()
            .map(|k| k.to_string())
            .collect()
    }

    /// The number of design points.
    #[getter]
    fn rows(&self) -> usize {
        self.design.info.rows
    }

    /// Writes the CSV to `path` and its sidecar beside it (`path.json`);
    /// an existing file is replaced only with `force`. Returns the sidecar's path.
    #[pyo3(signature = (path, *, force=false))]
    fn write(&self, py: Python<'_>, path: PathBuf, force: bool) -> PyResult<PathBuf> {
        self.design
            .write(&path, force)
            .map_err(|e| engine_error(py, e))
    }

    fn __len__(&self) -> usize {
        self.design.info.rows
    }

    fn __repr__(&self) -> String {
        format!(
            "Design({}, {} rows, {} parameters)",
            self.design.info.method.name(),
            self.design.info.rows,
            self.design.info.space.dims()
        )
    }
}

/// Makes a design (`kyoso explore design`): `method` lhs, sobol-sequence,
/// saltelli, morris or factorial over `space` (a space file, TOML text, or
/// `plausible`: the default scenario's plausible ranges).
#[pyfunction]
#[pyo3(signature = (method, space="plausible", *, n=0, levels=None, optimised_from=None, second_order=false, maximin=1, seed=1, model="silent-rivalry"))]
#[allow(clippy::too_many_arguments)]
pub fn make_design(
    py: Python<'_>,
    method: &str,
    space: &str,
    n: usize,
    levels: Option<usize>,
    optimised_from: Option<usize>,
    second_order: bool,
    maximin: usize,
    seed: u64,
    model: &str,
) -> PyResult<Design> {
    let model = match model {
        "silent-rivalry" => SpaceModel::SilentRivalry,
        "none" => SpaceModel::None,
        other => {
            return Err(input_error(
                py,
                format!("model `{other}`: allowed silent-rivalry, none"),
            ));
        }
    };
    let method = match method {
        "lhs" => Method::LatinHypercube {
            maximin_candidates: maximin.max(1),
        },
        "sobol-sequence" => Method::Sobol,
        "saltelli" => Method::Saltelli { second_order },
        "morris" => Method::Morris {
            levels: levels.unwrap_or(4),
            optimised_from,
        },
        "factorial" => Method::Factorial {
            levels: levels.unwrap_or(3),
        },
        other => {
            return Err(input_error(
                py,
                format!(
                    "design method `{other}`: allowed lhs, sobol-sequence, saltelli, morris, factorial"
                ),
            ));
        }
    };
    // A space file (or `plausible`) is checked against the model as the
    // command line checks it; TOML text the same way.
    let space = if space.contains('\n') || space.contains('[') {
        let space = kyoso_explore::space::Space::from_toml("<text>", space)
            .map_err(|e| input_error(py, e))?;
        if model == SpaceModel::SilentRivalry {
            ex::check_against_model("<text>", &space).map_err(|e| engine_error(py, e))?;
        }
        space
    } else {
        ex::read_space(std::path::Path::new(space), model).map_err(|e| engine_error(py, e))?
    };
    py.detach(|| ex::Design::make(method, space, n, seed))
        .map(|design| Design { design })
        .map_err(|e| engine_error(py, e))
}

fn analysis_of(py: Python<'_>, name: &str) -> PyResult<Analysis> {
    Ok(match name {
        "morris" => Analysis::Morris,
        "sobol" => Analysis::Sobol,
        "regression" => Analysis::Regression,
        "correlation" => Analysis::Correlation,
        other => {
            return Err(input_error(
                py,
                format!("analysis `{other}`: allowed morris, sobol, regression, correlation"),
            ));
        }
    })
}

/// Checks before any run that `method`'s analysis can be made of `design`
/// (the right kind of design, enough rows), as `kyoso explore run` does.
#[pyfunction]
pub fn preflight(py: Python<'_>, method: &str, design: &Design) -> PyResult<()> {
    ex::preflight(analysis_of(py, method)?, &design.design).map_err(|e| engine_error(py, e))
}

/// Sensitivity indices (`kyoso explore sensitivity`) of the results at
/// `results` (a sweep folder run on `design`, or a table whose rows are the
/// design's rows) for `metrics` (default: all). Returns (indices table,
/// skipped metrics as (metric, reason)).
#[pyfunction]
#[pyo3(signature = (method, results, design, *, metrics=Vec::new(), resamples=1000, seed=1))]
#[allow(clippy::type_complexity)]
pub fn sensitivity<'py>(
    py: Python<'py>,
    method: &str,
    results: PathBuf,
    design: &Design,
    metrics: Vec<String>,
    resamples: usize,
    seed: u64,
) -> PyResult<(Bound<'py, PyAny>, Vec<(String, String)>)> {
    let analysis = analysis_of(py, method)?;
    let d = &design.design;
    let outputs = ex::read_results(&results, d).map_err(|e| engine_error(py, e))?;
    let chosen: Vec<usize> = if metrics.is_empty() {
        (0..outputs.names.len()).collect()
    } else {
        metrics
            .iter()
            .map(|m| outputs.find(m, &results))
            .collect::<Result<_, _>>()
            .map_err(|e| engine_error(py, e))?
    };
    let boot = Bootstrap {
        resamples,
        confidence: 0.95,
        seed,
    };
    let done = py
        .detach(|| ex::analyse(analysis, d, &outputs, &chosen, boot))
        .map_err(|e| engine_error(py, e))?;
    let table = to_pyarrow(py, &batch(ex::indices_table(analysis, d, &done.indices)))?;
    let skipped = done
        .skipped
        .into_iter()
        .map(|s| (s.metric, s.reason))
        .collect();
    Ok((table, skipped))
}

/// Scenario discovery (`kyoso explore discover`): where `metric` meets
/// `condition` (e.g. `"> 0.1"`, `"= supported"`) in the results of
/// `design`. Returns (boxes table, summary).
#[pyfunction]
#[pyo3(signature = (results, design, metric, condition, *, min_coverage=0.5))]
pub fn discover<'py>(
    py: Python<'py>,
    results: PathBuf,
    design: &Design,
    metric: &str,
    condition: &str,
    min_coverage: f64,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyDict>)> {
    let condition = Condition::parse(condition).map_err(|e| engine_error(py, e))?;
    let d = &design.design;
    let outputs = ex::read_results(&results, d).map_err(|e| engine_error(py, e))?;
    let found = py
        .detach(|| ex::discover(d, &outputs, metric, &results, condition, min_coverage))
        .map_err(|e| engine_error(py, e))?;
    let table = to_pyarrow(py, &batch(ex::boxes_table(d, &found)))?;
    let summary = PyDict::new(py);
    let keys = d.info.space.keys();
    let b = &found.prim.chosen;
    summary.set_item("metric", metric)?;
    summary.set_item("condition", found.condition.to_string())?;
    summary.set_item("rows", found.target.len())?;
    summary.set_item(
        "rows_where_it_holds",
        found.target.iter().filter(|&&t| t).count(),
    )?;
    summary.set_item("coverage", b.coverage)?;
    summary.set_item("density", b.density)?;
    summary.set_item("mass", b.mass)?;
    let restricted = PyDict::new(py);
    for &dim in &b.restricted {
        restricted.set_item(keys[dim].to_string(), b.limits[dim])?;
    }
    summary.set_item("restricted", restricted)?;
    Ok((table, summary))
}
