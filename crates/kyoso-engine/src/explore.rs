//! Model exploration as every face uses it: parameter spaces checked
//! against the model, designs with their sidecar, results read back from
//! a sweep folder or any table (CSV, Parquet), sensitivity indices and
//! scenario discovery as tidy tables. The designs and estimators are
//! kyoso-explore's; this module joins them to files and to the model.

use std::path::{Path, PathBuf};

use kyoso_explore::design::{Method, UnitDesign, generate};
use kyoso_explore::discover::{Leaf, Prim, PrimOptions, prim, tree};
use kyoso_explore::sensitivity::{self, Bootstrap, Index};
use kyoso_explore::space::{Distribution, Parameter, Space};
use kyoso_io::table::{Table, Values};
use serde::{Deserialize, Serialize};

use crate::EngineError;

/// Whose parameters a space holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpaceModel {
    /// The silent-rivalry model: every end of every range is validated.
    SilentRivalry,
    /// Another tool's or an analytic function's parameters: not checked.
    None,
}

/// The plausible space of the default scenario (docs/model.md §8).
pub fn plausible() -> Space {
    use kyoso_core::plausible::Dist;
    let scenario = kyoso_core::Scenario::default();
    Space {
        parameters: kyoso_core::plausible::plausible_space(&scenario)
            .into_iter()
            .map(|(key, low, high, dist)| Parameter {
                key,
                distribution: match dist {
                    Dist::Uniform => Distribution::Uniform { low, high },
                    Dist::LogUniform => Distribution::LogUniform { low, high },
                    Dist::Integer => Distribution::Integer {
                        low: low as i64,
                        high: high as i64,
                    },
                },
            })
            .collect(),
    }
}

/// A space file (TOML), or `plausible` when no such file exists.
pub fn read_space(path: &Path, model: SpaceModel) -> Result<Space, EngineError> {
    if path == Path::new("plausible") && !path.exists() {
        let space = plausible();
        check_against_model("plausible", &space)?;
        return Ok(space);
    }
    let name = path.display().to_string();
    let text = crate::ScenarioFile::read(path)?.text;
    let space = Space::from_toml(&name, &text).map_err(EngineError::input)?;
    if model == SpaceModel::SilentRivalry {
        check_against_model(&name, &space)?;
    }
    Ok(space)
}

/// Each parameter's end values (or choices) must be valid scenario values.
pub fn check_against_model(name: &str, space: &Space) -> Result<(), EngineError> {
    for p in &space.parameters {
        let ends: Vec<String> = match &p.distribution {
            Distribution::Choices { values } => values.clone(),
            _ => [p.value(0.0), p.value(1.0)]
                .iter()
                .map(|v| v.text())
                .collect(),
        };
        for v in ends {
            let assignment = format!("{}={v}", p.key);
            let built = kyoso_core::ScenarioBuilder::new()
                .set_as(&assignment, name)
                .and_then(|b| b.build());
            if let Err(e) = built {
                return Err(EngineError::input(format!(
                    "{name}: parameter `{}` = {v} is not a valid value of the model: {e}",
                    p.key
                )));
            }
        }
    }
    Ok(())
}

/// The sidecar of a design CSV: everything needed to make it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignInfo {
    pub kyoso_version: String,
    pub method: Method,
    pub n: usize,
    pub seed: u64,
    pub rows: usize,
    pub space: Space,
}

/// The sidecar's path: `FILE.csv.json` beside `FILE.csv`.
pub fn sidecar(design: &Path) -> PathBuf {
    let mut name = design.as_os_str().to_owned();
    name.push(".json");
    PathBuf::from(name)
}

/// A design: how it was made, its rows in the unit cube, and its cells as
/// the CSV writes them.
#[derive(Debug, Clone)]
pub struct Design {
    pub info: DesignInfo,
    pub unit: UnitDesign,
    /// [row][parameter] the value's text.
    pub cells: Vec<Vec<String>>,
}

impl Design {
    /// Generates the design of `method` over `space`.
    pub fn make(method: Method, space: Space, n: usize, seed: u64) -> Result<Design, EngineError> {
        let unit = generate(&method, space.dims(), n, seed).map_err(EngineError::input)?;
        let cells = unit
            .rows
            .iter()
            .map(|r| space.values(r).iter().map(|v| v.text()).collect())
            .collect();
        Ok(Design {
            info: DesignInfo {
                kyoso_version: kyoso_core::VERSION.to_string(),
                method,
                n,
                seed,
                rows: unit.rows.len(),
                space,
            },
            unit,
            cells,
        })
    }

    /// The CSV text: a header of keys, one row of values a point.
    pub fn csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(self.info.space.keys())
            .expect("writes to memory");
        for row in &self.cells {
            w.write_record(row).expect("writes to memory");
        }
        w.into_inner().expect("writes to memory")
    }

    /// The sidecar's JSON text.
    pub fn sidecar_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(&self.info).expect("serialisable");
        json.push('\n');
        json
    }

    /// Writes the CSV and its sidecar, each through a temporary name;
    /// an existing file is replaced only with `force`.
    pub fn write(&self, path: &Path, force: bool) -> Result<PathBuf, EngineError> {
        let side = sidecar(path);
        for p in [path, side.as_path()] {
            if p.exists() && (!force || !p.is_file()) {
                return Err(EngineError::input(format!(
                    "{}: exists (use --force to replace a file)",
                    p.display()
                )));
            }
        }
        write_file(path, &self.csv())?;
        write_file(&side, self.sidecar_json().as_bytes())?;
        Ok(side)
    }

    /// The design of a CSV made by [`Design::write`], made again from its
    /// sidecar and checked to equal the CSV.
    pub fn load(path: &Path) -> Result<Design, EngineError> {
        let side = sidecar(path);
        let text = std::fs::read_to_string(&side).map_err(|e| {
            EngineError::input(format!(
                "{}: {e} (a design made by `kyoso explore design` has this sidecar)",
                side.display()
            ))
        })?;
        let info: DesignInfo = serde_json::from_str(&text)
            .map_err(|e| EngineError::input(format!("{}: {e}", side.display())))?;
        let design = Design::make(info.method.clone(), info.space.clone(), info.n, info.seed)?;
        let on_disk = std::fs::read(path)
            .map_err(|e| EngineError::input(format!("{}: {e}", path.display())))?;
        if on_disk != design.csv() {
            return Err(EngineError::input(format!(
                "{}: the design file differs from the design its sidecar describes (edited?)",
                path.display()
            )));
        }
        Ok(design)
    }

    /// The rows as parameter values (a choice as its unit coordinate).
    pub fn numeric_rows(&self) -> Vec<Vec<f64>> {
        self.unit
            .rows
            .iter()
            .map(|r| {
                self.info
                    .space
                    .values(r)
                    .iter()
                    .zip(r)
                    .map(|(v, u)| v.number().unwrap_or(*u))
                    .collect()
            })
            .collect()
    }
}

/// Writes a file through a temporary name in the same folder.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), EngineError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    kyoso_io::write::bytes(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
        .map_err(|e| EngineError::runtime(format!("{}: {e}", path.display())))
}

/// Outputs per design row: means over replications, and each point's
/// replications.
#[derive(Debug, Clone)]
pub struct Outputs {
    pub names: Vec<String>,
    /// [metric][row] the mean over replications (NaN: no value).
    pub means: Vec<Vec<f64>>,
    /// [metric][row] the replications' values; empty for a table.
    pub reps: Vec<Vec<Vec<f64>>>,
    /// A table's text columns (a verdict, a category): name and the value
    /// per row (`None`: empty). Scenario discovery can test them.
    pub labels: Vec<(String, Vec<Option<String>>)>,
}

impl Outputs {
    /// The position of output `metric`, or an error suggesting the nearest name.
    pub fn find(&self, metric: &str, results: &Path) -> Result<usize, EngineError> {
        self.names.iter().position(|n| n == metric).ok_or_else(|| {
            let all = self
                .names
                .iter()
                .chain(self.labels.iter().map(|(n, _)| n))
                .map(String::as_str);
            let near = kyoso_core::params::nearest(metric, all);
            EngineError::input(format!(
                "--metric {metric}: no such output in {}{}",
                results.display(),
                near.map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default()
            ))
        })
    }
}

fn same_value(a: &str, b: &str) -> bool {
    match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-9 * (1.0 + x.abs().max(y.abs())),
        _ => a.trim().trim_matches('"') == b.trim().trim_matches('"'),
    }
}

/// One cell of a results table.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Number(f64),
    Text(String),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Number(x) => x.to_string(),
            Cell::Text(t) => t.clone(),
        }
    }
}

/// A results table read whole: its header and rows.
struct RawTable {
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

/// The largest results table read (a table of a million rows and a
/// hundred columns is about 1 GiB of CSV).
const TABLE_LIMIT: u64 = 1 << 30;

fn read_csv_table(path: &Path) -> Result<RawTable, EngineError> {
    let bad = |e: String| EngineError::input(format!("{}: {e}", path.display()));
    let size = std::fs::metadata(path)
        .map_err(|e| bad(e.to_string()))?
        .len();
    if size > TABLE_LIMIT {
        return Err(bad(format!("{size} bytes; at most 1 GiB is read")));
    }
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(e.to_string()))?
        .iter()
        .map(String::from)
        .collect();
    let mut rows = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(format!("row {}: {e}", row + 2)))?;
        rows.push(
            record
                .iter()
                .map(|v| {
                    if v.trim().is_empty() {
                        Cell::Null
                    } else {
                        Cell::Text(v.to_string())
                    }
                })
                .collect(),
        );
    }
    Ok(RawTable { header, rows })
}

fn read_parquet_table(path: &Path) -> Result<RawTable, EngineError> {
    use arrow_array::{Array, cast::AsArray, types};
    use arrow_schema::DataType;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let bad = |e: String| EngineError::input(format!("{}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| bad(e.to_string()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| bad(format!("not a Parquet file: {e}")))?;
    let header: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let reader = builder.build().map_err(|e| bad(e.to_string()))?;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| bad(e.to_string()))?;
        let start = rows.len();
        rows.resize(start + batch.num_rows(), Vec::new());
        for (c, column) in batch.columns().iter().enumerate() {
            let name = &header[c];
            let cell = |i: usize| -> Result<Cell, EngineError> {
                if column.is_null(i) {
                    return Ok(Cell::Null);
                }
                let number = |x: f64| Ok(Cell::Number(x));
                match column.data_type() {
                    DataType::Float64 => {
                        number(column.as_primitive::<types::Float64Type>().value(i))
                    }
                    DataType::Float32 => {
                        number(column.as_primitive::<types::Float32Type>().value(i) as f64)
                    }
                    DataType::Int64 => {
                        number(column.as_primitive::<types::Int64Type>().value(i) as f64)
                    }
                    DataType::Int32 => {
                        number(column.as_primitive::<types::Int32Type>().value(i) as f64)
                    }
                    DataType::Int16 => {
                        number(column.as_primitive::<types::Int16Type>().value(i) as f64)
                    }
                    DataType::Int8 => {
                        number(column.as_primitive::<types::Int8Type>().value(i) as f64)
                    }
                    DataType::UInt64 => {
                        number(column.as_primitive::<types::UInt64Type>().value(i) as f64)
                    }
                    DataType::UInt32 => {
                        number(column.as_primitive::<types::UInt32Type>().value(i) as f64)
                    }
                    DataType::UInt16 => {
                        number(column.as_primitive::<types::UInt16Type>().value(i) as f64)
                    }
                    DataType::UInt8 => {
                        number(column.as_primitive::<types::UInt8Type>().value(i) as f64)
                    }
                    DataType::Boolean => number(f64::from(u8::from(column.as_boolean().value(i)))),
                    DataType::Utf8 => {
                        Ok(Cell::Text(column.as_string::<i32>().value(i).to_string()))
                    }
                    DataType::LargeUtf8 => {
                        Ok(Cell::Text(column.as_string::<i64>().value(i).to_string()))
                    }
                    DataType::Utf8View => {
                        Ok(Cell::Text(column.as_string_view().value(i).to_string()))
                    }
                    other => Err(bad(format!(
                        "column `{name}` is {other}; a results table holds numbers and strings"
                    ))),
                }
            };
            for i in 0..batch.num_rows() {
                rows[start + i].push(cell(i)?);
            }
        }
    }
    Ok(RawTable { header, rows })
}

/// Reads the results of `design`: a sweep folder run on it (means over
/// replications, and the replications), or a table (CSV, or Parquet by
/// its `.parquet` name) whose rows are the design's rows in order, with
/// the design's columns and any number of output columns.
pub fn read_results(path: &Path, design: &Design) -> Result<Outputs, EngineError> {
    let keys = design.info.space.keys();
    let cells = &design.cells;
    let mismatch = |row: usize, key: &str, got: &str, want: &str| {
        EngineError::input(format!(
            "{}: row {row} has {key} = {got} but the design's row {row} has {want}; was it run on this design?",
            path.display()
        ))
    };
    if path.is_dir() {
        return read_sweep(path, design);
    }
    let bad = |e: String| EngineError::input(format!("{}: {e}", path.display()));
    let is_parquet = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    let table = if is_parquet {
        read_parquet_table(path)?
    } else {
        read_csv_table(path)?
    };
    let header = &table.header;
    let cols: Vec<usize> = keys
        .iter()
        .map(|k| {
            header
                .iter()
                .position(|h| h == k)
                .ok_or_else(|| bad(format!("no column `{k}` of the design")))
        })
        .collect::<Result<_, _>>()?;
    if table.rows.len() != cells.len() {
        return Err(bad(format!(
            "{} rows, but the design has {}",
            table.rows.len(),
            cells.len()
        )));
    }
    // A column whose first value is text (not a number) is a label column.
    let is_text = |col: usize| {
        table
            .rows
            .iter()
            .map(|r| r.get(col).unwrap_or(&Cell::Null))
            .find(|c| **c != Cell::Null)
            .is_some_and(|c| matches!(c, Cell::Text(t) if t.trim().parse::<f64>().is_err()))
    };
    let rest: Vec<usize> = (0..header.len()).filter(|c| !cols.contains(c)).collect();
    let (text, outputs): (Vec<usize>, Vec<usize>) = rest.into_iter().partition(|&c| is_text(c));
    let labels = text
        .iter()
        .map(|&c| {
            let values = table
                .rows
                .iter()
                .map(|r| match r.get(c).unwrap_or(&Cell::Null) {
                    Cell::Null => None,
                    other => Some(other.text()),
                })
                .collect();
            (header[c].clone(), values)
        })
        .collect();
    let mut means = vec![Vec::with_capacity(cells.len()); outputs.len()];
    for (row, record) in table.rows.iter().enumerate() {
        for (c, &col) in cols.iter().enumerate() {
            let got = record.get(col).map(Cell::text).unwrap_or_default();
            if !same_value(&got, &cells[row][c]) {
                return Err(mismatch(row, &keys[c], &got, &cells[row][c]));
            }
        }
        for (k, &col) in outputs.iter().enumerate() {
            let value = match record.get(col).unwrap_or(&Cell::Null) {
                Cell::Null => f64::NAN,
                Cell::Number(x) => *x,
                Cell::Text(v) => v.trim().parse::<f64>().map_err(|_| {
                    bad(format!(
                        "row {}, column `{}`: `{v}` is not a number",
                        row + 2,
                        header[col]
                    ))
                })?,
            };
            means[k].push(value);
        }
    }
    Ok(Outputs {
        names: outputs.iter().map(|&c| header[c].clone()).collect(),
        reps: vec![Vec::new(); means.len()],
        means,
        labels,
    })
}

fn read_sweep(path: &Path, design: &Design) -> Result<Outputs, EngineError> {
    let keys = design.info.space.keys();
    let cells = &design.cells;
    let (manifest, runs) =
        kyoso_io::sweep::read_runs(path).map_err(|e| EngineError::input(e.to_string()))?;
    let spec = &manifest.spec;
    if !manifest.complete {
        return Err(EngineError::input(format!(
            "{}: the sweep is not complete; finish it with --resume (or merge its shards) first",
            path.display()
        )));
    }
    let cols: Vec<usize> = keys
        .iter()
        .map(|k| {
            spec.keys.iter().position(|s| s == k).ok_or_else(|| {
                EngineError::input(format!("{}: the sweep does not vary `{k}`", path.display()))
            })
        })
        .collect::<Result<_, _>>()?;
    if spec.points.len() != cells.len() {
        return Err(EngineError::input(format!(
            "{}: {} design points, but the design has {} rows",
            path.display(),
            spec.points.len(),
            cells.len()
        )));
    }
    for (p, point) in spec.points.iter().enumerate() {
        for (c, &col) in cols.iter().enumerate() {
            if !same_value(&point[col], &cells[p][c]) {
                return Err(EngineError::input(format!(
                    "{}: row {p} has {} = {} but the design's row {p} has {}; was it run on this design?",
                    path.display(),
                    keys[c],
                    point[col],
                    cells[p][c]
                )));
            }
        }
    }
    let m = spec.metrics.len();
    let mut reps = vec![vec![Vec::new(); cells.len()]; m];
    for r in &runs {
        for (k, v) in r.metrics.iter().enumerate() {
            if let Some(v) = v {
                reps[k][r.point as usize].push(*v);
            }
        }
    }
    let means = reps
        .iter()
        .map(|per| {
            per.iter()
                .map(|v| {
                    if v.is_empty() {
                        f64::NAN
                    } else {
                        v.iter().sum::<f64>() / v.len() as f64
                    }
                })
                .collect()
        })
        .collect();
    Ok(Outputs {
        names: spec.metrics.clone(),
        means,
        reps,
        labels: Vec::new(),
    })
}

/// Analysis methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Analysis {
    /// Morris μ, μ*, σ (needs a morris design).
    Morris,
    /// Sobol' S1, ST (and S2 with a second-order design) (needs a saltelli design).
    Sobol,
    /// Standardised regression and partial rank correlation coefficients (any design).
    Regression,
    /// Spearman rank correlation, one parameter at a time (any design, even
    /// with fewer rows than parameters).
    Correlation,
}

impl Analysis {
    pub fn name(self) -> &'static str {
        match self {
            Analysis::Morris => "morris",
            Analysis::Sobol => "sobol",
            Analysis::Regression => "regression",
            Analysis::Correlation => "correlation",
        }
    }

    /// The index by which this analysis ranks parameters.
    pub fn lead_index(self) -> &'static str {
        match self {
            Analysis::Morris => "mu_star",
            Analysis::Sobol => "ST",
            Analysis::Regression => "PRCC",
            Analysis::Correlation => "SRCC",
        }
    }

    /// The analysis a design is made for (regression suits every design).
    pub fn for_method(method: &Method) -> Analysis {
        match method {
            Method::Morris { .. } => Analysis::Morris,
            Method::Saltelli { .. } => Analysis::Sobol,
            _ => Analysis::Regression,
        }
    }
}

/// The indices of one metric.
#[derive(Debug, Clone)]
pub struct MetricIndices {
    pub metric: String,
    pub indices: Vec<Index>,
    /// Share of the metric's variance that is replication noise.
    pub noise: Option<f64>,
    /// The lead index that replication noise alone gives a parameter
    /// without effect: μ* for Morris ([`sensitivity::morris_noise_floor`]),
    /// ST for Sobol' ([`sensitivity::sobol_noise_floor`]); `None` for a
    /// regression or without replications.
    pub noise_floor: Option<f64>,
}

impl MetricIndices {
    /// The lead index's rows, largest magnitude first.
    pub fn ranking(&self, analysis: Analysis) -> Vec<&Index> {
        let lead = analysis.lead_index();
        let mut ranked: Vec<&Index> = self.indices.iter().filter(|i| i.index == lead).collect();
        ranked.sort_by(|a, b| b.estimate.abs().total_cmp(&a.estimate.abs()));
        ranked
    }
}

/// A metric left out of an analysis, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub metric: String,
    pub reason: String,
}

/// The indices of `analysis` for the chosen metrics (positions in
/// `outputs`). A metric without a value at some design row (a group that
/// was empty in every replication there) cannot be analysed: it is left
/// out and listed in [`Analysed::skipped`], and the others go on.
pub fn analyse(
    analysis: Analysis,
    design: &Design,
    outputs: &Outputs,
    chosen: &[usize],
    boot: Bootstrap,
) -> Result<Analysed, EngineError> {
    let info = &design.info;
    let mut all = Vec::new();
    let mut skipped = Vec::new();
    for &k in chosen {
        let y = &outputs.means[k];
        let name = &outputs.names[k];
        let missing: Vec<usize> = (0..y.len()).filter(|&r| !y[r].is_finite()).collect();
        if let Some(first) = missing.first() {
            skipped.push(Skipped {
                metric: name.clone(),
                reason: format!(
                    "no value at {} of {} design rows (the first: row {first}); the group it measures was empty there",
                    missing.len(),
                    y.len()
                ),
            });
            continue;
        }
        let result = match (analysis, &info.method) {
            (Analysis::Morris, Method::Morris { levels, .. }) => {
                sensitivity::morris(&design.unit.rows, y, *levels, boot)
            }
            (Analysis::Sobol, Method::Saltelli { second_order }) => {
                sensitivity::sobol(y, info.space.dims(), *second_order, boot)
            }
            (Analysis::Regression, _) => sensitivity::regression(&design.numeric_rows(), y, boot),
            (Analysis::Correlation, _) => {
                sensitivity::rank_correlation(&design.numeric_rows(), y, boot)
            }
            (analysis, method) => {
                return Err(EngineError::input(format!(
                    "a {} design; {} analysis needs a {} design",
                    method.name(),
                    analysis.name(),
                    if analysis == Analysis::Morris {
                        "morris"
                    } else {
                        "saltelli"
                    }
                )));
            }
        };
        let indices = result.map_err(|e| EngineError::input(format!("metric `{name}`: {e}")))?;
        let noise_floor = match &info.method {
            Method::Morris { levels, .. } if analysis == Analysis::Morris => {
                sensitivity::morris_noise_floor(&outputs.reps[k], *levels)
            }
            Method::Saltelli { .. } if analysis == Analysis::Sobol => {
                sensitivity::sobol_noise_floor(&outputs.reps[k])
            }
            _ => None,
        };
        all.push(MetricIndices {
            metric: name.clone(),
            indices,
            noise: sensitivity::noise_share(&outputs.reps[k]),
            noise_floor,
        });
    }
    if all.is_empty() && !skipped.is_empty() {
        return Err(EngineError::input(format!(
            "no metric can be analysed: {}",
            skipped
                .iter()
                .map(|s| format!("`{}` has {}", s.metric, s.reason))
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    Ok(Analysed {
        indices: all,
        skipped,
    })
}

/// What an analysis gives: the indices of every metric it could analyse,
/// and the metrics it left out.
#[derive(Debug, Clone)]
pub struct Analysed {
    pub indices: Vec<MetricIndices>,
    pub skipped: Vec<Skipped>,
}

/// Checks, before any run, that `analysis` can be made of `design` (the
/// right kind of design, enough rows), by analysing a stand-in output.
pub fn preflight(analysis: Analysis, design: &Design) -> Result<(), EngineError> {
    let rows = design.unit.rows.len();
    let stand_in = Outputs {
        names: vec!["the output".into()],
        means: vec![(0..rows).map(|i| ((i * 7919) % 104_729) as f64).collect()],
        reps: vec![Vec::new()],
        labels: Vec::new(),
    };
    let boot = Bootstrap {
        resamples: 0,
        confidence: 0.95,
        seed: 0,
    };
    analyse(analysis, design, &stand_in, &[0], boot)
        .map(|_| ())
        .map_err(|e| EngineError::input(e.to_string().replace("metric `the output`: ", "")))
}

/// The tidy table of indices (indices.parquet): one row per metric,
/// parameter (pair) and index.
pub fn indices_table(analysis: Analysis, design: &Design, all: &[MetricIndices]) -> Table {
    let keys = design.info.space.keys();
    let mut metric = Vec::new();
    let mut parameter = Vec::new();
    let mut parameter_2 = Vec::new();
    let mut index = Vec::new();
    let mut estimate = Vec::new();
    let mut ci_low = Vec::new();
    let mut ci_high = Vec::new();
    let mut noise_share = Vec::new();
    for m in all {
        for i in &m.indices {
            metric.push(m.metric.clone());
            parameter.push(Some(keys[i.parameter].clone()));
            parameter_2.push(i.other.map(|o| keys[o].clone()));
            index.push(Some(i.index.to_string()));
            // An index that cannot be estimated (σ of one trajectory) is null.
            estimate.push(i.estimate.is_finite().then_some(i.estimate));
            ci_low.push(i.ci.map(|c| c.0));
            ci_high.push(i.ci.map(|c| c.1));
            noise_share.push(m.noise);
        }
        if let Some(floor) = m.noise_floor {
            metric.push(m.metric.clone());
            parameter.push(None);
            parameter_2.push(None);
            index.push(Some(format!("{}_noise_floor", analysis.lead_index())));
            estimate.push(Some(floor));
            ci_low.push(None);
            ci_high.push(None);
            noise_share.push(m.noise);
        }
    }
    Table::new("indices")
        .column("metric", "", "the output analysed (a sweep metric, see docs/outputs.md, or a table column)", Values::Str(metric))
        .column("parameter", "", "the parameter (scenario key); null for a noise floor, which is the metric's", Values::OptStr(parameter))
        .column("parameter_2", "", "the second parameter of a second-order index (S2); null otherwise", Values::OptStr(parameter_2))
        .column("index", "", "mu, mu_star, sigma (Morris; elementary effects per unit of the parameter's range), S1, ST, S2 (Sobol'), SRC, PRCC (regression), SRCC (correlation); mu_star_noise_floor, ST_noise_floor: the index replication noise alone gives a parameter without any effect", Values::OptStr(index))
        .column("estimate", "index", "the index's estimate", Values::OptF64(estimate))
        .column("ci_low", "index", "lower end of the 95 % bootstrap interval (estimate − 1.96 bootstrap sd); null where the method gives none", Values::OptF64(ci_low))
        .column("ci_high", "index", "upper end of the 95 % bootstrap interval; null where the method gives none", Values::OptF64(ci_high))
        .column("noise_share", "fraction", "share of the metric's variance over all runs that is replication noise (mean within-point variance over total variance); null without replications", Values::OptF64(noise_share))
}

/// A condition on a metric: `> 0`, `<= 1.5`, … or, on a number or a text
/// column (a verdict), `= supported`, `!= mixed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub op: String,
    /// The value compared with, as given.
    pub value: String,
    /// The value as a number, where it is one.
    pub threshold: f64,
}

impl Condition {
    pub fn parse(text: &str) -> Result<Condition, EngineError> {
        let t = text.trim();
        let op = [">=", "<=", "==", "!=", ">", "<", "="]
            .into_iter()
            .find(|op| t.starts_with(op))
            .ok_or_else(|| {
                EngineError::input(format!(
                    "--where {text}: start with >, >=, <, <=, = or !=, e.g. \"> 0\" or \"= supported\""
                ))
            })?;
        let rest = t[op.len()..].trim();
        let op = if op == "==" { "=" } else { op };
        let number = rest.parse::<f64>().ok().filter(|v| v.is_finite());
        if rest.is_empty() || (number.is_none() && !matches!(op, "=" | "!=")) {
            return Err(EngineError::input(format!(
                "--where {text}: `{rest}` is not a number"
            )));
        }
        Ok(Condition {
            op: op.to_string(),
            value: rest.to_string(),
            threshold: number.unwrap_or(f64::NAN),
        })
    }

    /// Whether a number meets the condition.
    pub fn holds(&self, x: f64) -> bool {
        match self.op.as_str() {
            ">" => x > self.threshold,
            ">=" => x >= self.threshold,
            "<" => x < self.threshold,
            "<=" => x <= self.threshold,
            "=" => x == self.threshold,
            _ => x != self.threshold,
        }
    }

    /// Whether a text value (`None`: empty) meets an `=` or `!=` condition.
    pub fn holds_text(&self, x: Option<&str>) -> Option<bool> {
        let equal = x.map(str::trim) == Some(self.value.as_str());
        match self.op.as_str() {
            "=" => Some(equal),
            "!=" => Some(!equal),
            _ => None,
        }
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.op, self.value)
    }
}

/// Where a condition on a metric holds: PRIM's peeling trajectory and
/// chosen box, and a shallow tree's leaves.
#[derive(Debug, Clone)]
pub struct Discovery {
    pub metric: String,
    pub condition: Condition,
    /// Whether the condition holds, per design row.
    pub target: Vec<bool>,
    pub prim: Prim,
    pub leaves: Vec<Leaf>,
}

/// Scenario discovery on output `metric` of `outputs`: a number or a
/// text column (a verdict).
pub fn discover(
    design: &Design,
    outputs: &Outputs,
    metric: &str,
    results: &Path,
    condition: Condition,
    min_coverage: f64,
) -> Result<Discovery, EngineError> {
    if !(0.0..=1.0).contains(&min_coverage) {
        return Err(EngineError::input(format!(
            "--min-coverage {min_coverage}: allowed [0, 1]"
        )));
    }
    let target: Vec<bool> = if let Some((_, values)) =
        outputs.labels.iter().find(|(n, _)| n == metric)
    {
        values
            .iter()
            .map(|v| condition.holds_text(v.as_deref()))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                EngineError::input(format!(
                    "--where {condition}: `{metric}` is a text column; use = or !=, e.g. \"= supported\""
                ))
            })?
    } else {
        let y = &outputs.means[outputs.find(metric, results)?];
        if let Some(row) = y.iter().position(|v| !v.is_finite()) {
            return Err(EngineError::input(format!(
                "metric `{metric}` has no value at design row {row}"
            )));
        }
        y.iter().map(|&v| condition.holds(v)).collect()
    };
    let values = design.numeric_rows();
    let options = PrimOptions {
        min_coverage,
        ..Default::default()
    };
    let p = prim(&values, &target, options)
        .map_err(|e| EngineError::input(format!("{metric}: {e}")))?;
    let leaves =
        tree(&values, &target, 3, (values.len() / 20).max(2)).map_err(EngineError::input)?;
    Ok(Discovery {
        metric: metric.to_string(),
        condition,
        target,
        prim: p,
        leaves,
    })
}

/// The tidy table of boxes (boxes.parquet): one row per box and parameter.
pub fn boxes_table(design: &Design, d: &Discovery) -> Table {
    let keys = design.info.space.keys();
    let mut method = Vec::new();
    let mut step = Vec::new();
    let mut chosen = Vec::new();
    let mut coverage = Vec::new();
    let mut density = Vec::new();
    let mut mass = Vec::new();
    let mut parameter = Vec::new();
    let mut low = Vec::new();
    let mut high = Vec::new();
    let mut restricted = Vec::new();
    let mut push = |m: &str, s: u32, is_chosen: bool, b: &kyoso_explore::discover::Box| {
        for (dim, (lo, hi)) in b.limits.iter().enumerate() {
            method.push(m.to_string());
            step.push(s);
            chosen.push(is_chosen);
            coverage.push(b.coverage);
            density.push(b.density);
            mass.push(b.mass);
            parameter.push(keys[dim].clone());
            low.push(*lo);
            high.push(*hi);
            restricted.push(b.restricted.contains(&dim));
        }
    };
    for (s, b) in d.prim.trajectory.iter().enumerate() {
        push("prim-peel", s as u32, false, b);
    }
    push("prim", d.prim.chosen_step as u32, true, &d.prim.chosen);
    for (s, leaf) in d.leaves.iter().enumerate() {
        push("tree-leaf", s as u32, false, &leaf.boxed);
    }
    Table::new("boxes")
        .column("method", "", "prim-peel (a step of the peeling trajectory), prim (the chosen box after pasting), tree-leaf (a leaf of a depth-3 classification tree, densest first)", Values::Str(method))
        .column("step", "index", "peeling step (prim-peel), the trajectory step the chosen box started from (prim), or leaf rank (tree-leaf)", Values::U32(step))
        .column("chosen", "", "whether this is the chosen PRIM box", Values::Bool(chosen))
        .column("coverage", "fraction", "share of all design rows where the condition holds that fall in the box", Values::F64(coverage))
        .column("density", "fraction", "share of the box's rows where the condition holds", Values::F64(density))
        .column("mass", "fraction", "share of all design rows in the box", Values::F64(mass))
        .column("parameter", "", "the parameter (scenario key); one row per parameter of each box", Values::Str(parameter))
        .column("low", "parameter", "the box's lower limit on the parameter", Values::F64(low))
        .column("high", "parameter", "the box's upper limit on the parameter", Values::F64(high))
        .column("restricted", "", "whether the box is narrower than the design's range on this parameter", Values::Bool(restricted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Design {
        let space = Space::from_toml(
            "s.toml",
            "[[parameter]]\nkey = \"a\"\nlow = 0\nhigh = 1\n[[parameter]]\nkey = \"b\"\nlow = 0\nhigh = 1\n",
        )
        .unwrap();
        Design::make(
            Method::LatinHypercube {
                maximin_candidates: 1,
            },
            space,
            40,
            3,
        )
        .unwrap()
    }

    /// y = 3a + 0.1b, as a table of the design's columns.
    fn table(d: &Design) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let rows = d.numeric_rows();
        let a: Vec<f64> = rows.iter().map(|r| r[0]).collect();
        let b: Vec<f64> = rows.iter().map(|r| r[1]).collect();
        let y = a.iter().zip(&b).map(|(a, b)| 3.0 * a + 0.1 * b).collect();
        (a, b, y)
    }

    #[test]
    fn csv_and_parquet_tables_give_the_same_outputs_and_ranking() {
        let tmp = tempfile::tempdir().unwrap();
        let d = small();
        let path = tmp.path().join("d.csv");
        d.write(&path, false).unwrap();
        let d = Design::load(&path).unwrap();
        let (a, b, y) = table(&d);
        // The CSV holds the design's texts; Parquet holds the numbers.
        let mut csv = String::from("a,b,y\n");
        for (r, yv) in d.cells.iter().zip(&y) {
            csv.push_str(&format!("{},{},{yv}\n", r[0], r[1]));
        }
        std::fs::write(tmp.path().join("r.csv"), csv).unwrap();
        let t = Table::new("r")
            .column("a", "", "", Values::F64(a))
            .column("b", "", "", Values::F64(b))
            .column("y", "", "", Values::F64(y));
        kyoso_io::write::parquet(&t, &tmp.path().join("r.parquet")).unwrap();
        let from_csv = read_results(&tmp.path().join("r.csv"), &d).unwrap();
        let from_parquet = read_results(&tmp.path().join("r.parquet"), &d).unwrap();
        assert_eq!(from_csv.names, vec!["y"]);
        assert_eq!(from_parquet.names, vec!["y"]);
        for (x, z) in from_csv.means[0].iter().zip(&from_parquet.means[0]) {
            assert!((x - z).abs() < 1e-12);
        }
        let boot = Bootstrap {
            resamples: 50,
            confidence: 0.95,
            seed: 1,
        };
        let m = analyse(Analysis::Regression, &d, &from_parquet, &[0], boot)
            .unwrap()
            .indices;
        let ranked = m[0].ranking(Analysis::Regression);
        assert_eq!(ranked[0].parameter, 0, "a dominates y = 3a + 0.1b");
    }

    #[test]
    fn a_metric_without_a_value_somewhere_is_left_out_and_the_others_go_on() {
        let d = small();
        let (_, _, y) = table(&d);
        let mut holed = y.clone();
        holed[7] = f64::NAN;
        let outputs = Outputs {
            names: vec!["y".into(), "holed".into()],
            means: vec![y, holed],
            reps: vec![Vec::new(), Vec::new()],
            labels: Vec::new(),
        };
        let boot = Bootstrap {
            resamples: 10,
            confidence: 0.95,
            seed: 1,
        };
        let done = analyse(Analysis::Regression, &d, &outputs, &[0, 1], boot).unwrap();
        assert_eq!(done.indices.len(), 1);
        assert_eq!(done.indices[0].metric, "y");
        assert_eq!(done.skipped.len(), 1);
        assert_eq!(done.skipped[0].metric, "holed");
        assert!(
            done.skipped[0]
                .reason
                .contains("1 of 40 design rows (the first: row 7)")
        );
        let e = analyse(Analysis::Regression, &d, &outputs, &[1], boot).unwrap_err();
        assert!(e.to_string().contains("no metric can be analysed"), "{e}");
    }

    #[test]
    fn a_table_of_another_design_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let d = small();
        let (a, _b, y) = table(&d);
        let t = Table::new("r")
            .column(
                "a",
                "",
                "",
                Values::F64(a.iter().map(|x| x + 0.5).collect()),
            )
            .column("b", "", "", Values::F64(y.clone()))
            .column("y", "", "", Values::F64(y));
        let p = tmp.path().join("r.parquet");
        kyoso_io::write::parquet(&t, &p).unwrap();
        let e = read_results(&p, &d).unwrap_err();
        assert!(e.to_string().contains("was it run on this design?"), "{e}");
        std::fs::write(tmp.path().join("x.parquet"), "not parquet").unwrap();
        let e = read_results(&tmp.path().join("x.parquet"), &d).unwrap_err();
        assert!(e.to_string().contains("not a Parquet file"), "{e}");
    }

    #[test]
    fn conditions_parse_and_hold() {
        let c = Condition::parse(" >= -1.5").unwrap();
        assert!(c.holds(-1.5) && !c.holds(-2.0));
        assert_eq!(c.to_string(), ">= -1.5");
        assert!(Condition::parse("= 1").unwrap().holds(1.0));
        let v = Condition::parse("== supported").unwrap();
        assert_eq!(v.holds_text(Some("supported")), Some(true));
        assert_eq!(v.holds_text(Some("mixed")), Some(false));
        assert_eq!(v.holds_text(None), Some(false));
        assert_eq!(
            Condition::parse("!= mixed").unwrap().holds_text(None),
            Some(true)
        );
        assert_eq!(Condition::parse("> 1").unwrap().holds_text(Some("a")), None);
        assert!(Condition::parse("> supported").is_err());
        assert!(Condition::parse("> inf").is_err());
        assert!(Condition::parse("~ 1").is_err());
        assert!(Condition::parse("=").is_err());
    }
}
