//! `kyoso explore`: experimental designs and sensitivity analysis (issue
//! 14). The designs and estimators are kyoso-explore's; this file reads
//! spaces and results, checks them against the model, and writes files.
//!
//! - `kyoso explore design METHOD --space FILE.toml --n N --seed S --out design.csv`
//!   writes the design (a header of keys, one point per row, ready for
//!   `kyoso sweep --design`) and a sidecar `design.csv.json` with the
//!   method, its options, the seed and the space.
//! - `kyoso explore sensitivity METHOD RESULTS --design design.csv --out DIR`
//!   analyses a sweep folder run on that design (the mean over
//!   replications, with the share of variance that is replication noise)
//!   or a CSV table with the design's columns and output columns, and
//!   writes `indices.parquet` and `indices.csv`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use kyoso_explore::design::{Method, UnitDesign, generate};
use kyoso_explore::sensitivity::{self, Bootstrap, Index};
use kyoso_explore::space::{Distribution, Space};
use kyoso_io::table::{Table, Values};
use serde::{Deserialize, Serialize};

use crate::Failure;

#[derive(Debug, Subcommand)]
pub enum ExploreCommand {
    /// Make a design (Latin hypercube, Sobol' sequence, Saltelli, Morris, factorial) as a CSV for `kyoso sweep --design`.
    Design(DesignArgs),
    /// Sensitivity indices of a sweep (or a CSV table) run on a design made by `kyoso explore design`.
    Sensitivity(SensitivityArgs),
    /// Scenario discovery: the boxes of parameter space where a condition on a metric holds (PRIM, a shallow tree).
    Discover(DiscoverArgs),
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// A sweep folder run on the design, or a CSV table with its columns and outputs.
    results: PathBuf,
    /// The design CSV made by `kyoso explore design`.
    #[arg(long, value_name = "FILE.csv")]
    design: PathBuf,
    /// The metric the condition is on (the mean over replications).
    #[arg(long, value_name = "NAME")]
    metric: String,
    /// The condition: an operator (>, >=, <, <=) and a number, e.g. "> 0".
    #[arg(long = "where", value_name = "CONDITION", allow_hyphen_values = true)]
    condition: String,
    /// PRIM: the chosen box is the densest with at least this coverage.
    #[arg(long, default_value_t = 0.5)]
    min_coverage: f64,
    /// Output folder (boxes.parquet, boxes.csv).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace an existing output folder that kyoso wrote.
    #[arg(long)]
    force: bool,
}

/// Design methods, as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DesignMethod {
    /// Latin hypercube (--maximin K: best of K by smallest distance).
    Lhs,
    /// The Sobol' quasi-random sequence (Joe–Kuo direction numbers).
    SobolSequence,
    /// Saltelli's scheme for Sobol' indices (--second-order for S2).
    Saltelli,
    /// Morris elementary-effects trajectories (--levels, --optimised-from).
    Morris,
    /// Full factorial (--levels per parameter).
    Factorial,
}

#[derive(Debug, Args)]
pub struct DesignArgs {
    #[arg(value_enum)]
    method: DesignMethod,
    /// The parameter space: a TOML file of [[parameter]] entries (key, low, high, distribution or choices), or `plausible` (every parameter's plausible range, docs/model.md §8).
    #[arg(long, value_name = "FILE.toml")]
    space: PathBuf,
    /// Points (lhs, sobol-sequence), base points (saltelli) or trajectories (morris).
    #[arg(long, default_value_t = 0)]
    n: usize,
    /// Seed of the design's random draws.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Grid levels (morris: even, default 4; factorial: default 3).
    #[arg(long)]
    levels: Option<usize>,
    /// Morris: choose the n most spread of this many candidate trajectories.
    #[arg(long, value_name = "M")]
    optimised_from: Option<usize>,
    /// Saltelli: also the rows for second-order indices.
    #[arg(long)]
    second_order: bool,
    /// Latin hypercube: the best of K hypercubes by their smallest pairwise distance.
    #[arg(long, value_name = "K", default_value_t = 1)]
    maximin: usize,
    /// The model whose allowed ranges the space must respect; `none` for a
    /// space of another tool's parameters (no check).
    #[arg(long, value_enum, default_value = "silent-rivalry")]
    model: SpaceModel,
    /// The design CSV to write (its sidecar is FILE.json).
    #[arg(long, value_name = "FILE.csv")]
    out: PathBuf,
    /// Replace an existing design file.
    #[arg(long)]
    force: bool,
}

/// Whose parameters a space holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SpaceModel {
    /// The silent-rivalry model: every end of every range is validated.
    SilentRivalry,
    /// Another tool's or an analytic function's parameters: not checked.
    None,
}

/// Analysis methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnalysisMethod {
    /// Morris μ, μ*, σ (needs a morris design).
    Morris,
    /// Sobol' S1, ST (and S2 with a second-order design) (needs a saltelli design).
    Sobol,
    /// Standardised regression and partial rank correlation coefficients (any design).
    Regression,
}

#[derive(Debug, Args)]
pub struct SensitivityArgs {
    #[arg(value_enum)]
    method: AnalysisMethod,
    /// A sweep folder run on the design, or a CSV table with its columns and outputs.
    results: PathBuf,
    /// The design CSV made by `kyoso explore design` (its sidecar FILE.json says how).
    #[arg(long, value_name = "FILE.csv")]
    design: PathBuf,
    /// Outputs to analyse (repeatable; default: every output column).
    #[arg(long = "metric", value_name = "NAME")]
    metrics: Vec<String>,
    /// Bootstrap resamples for the intervals.
    #[arg(long, default_value_t = 1000)]
    resamples: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output folder (indices.parquet, indices.csv).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace an existing output folder that kyoso wrote.
    #[arg(long)]
    force: bool,
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

fn sidecar(design: &Path) -> PathBuf {
    let mut name = design.as_os_str().to_owned();
    name.push(".json");
    PathBuf::from(name)
}

pub fn run(command: &ExploreCommand) -> Result<(), Failure> {
    match command {
        ExploreCommand::Design(a) => design(a),
        ExploreCommand::Sensitivity(a) => analyse(a),
        ExploreCommand::Discover(a) => discover(a),
    }
}

/// The plausible space of the default scenario (docs/model.md §8).
fn plausible() -> Space {
    use kyoso_core::plausible::Dist;
    use kyoso_explore::space::Parameter;
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

fn read_space(path: &Path, model: SpaceModel) -> Result<Space, Failure> {
    if path == Path::new("plausible") && !path.exists() {
        let space = plausible();
        check_against_model("plausible", &space)?;
        return Ok(space);
    }
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Failure::input(format!("{name}: {e}")))?;
    let space = Space::from_toml(&name, &text).map_err(Failure::input)?;
    if model == SpaceModel::SilentRivalry {
        check_against_model(&name, &space)?;
    }
    Ok(space)
}

/// Each parameter's end values (or choices) must be valid scenario values.
fn check_against_model(name: &str, space: &Space) -> Result<(), Failure> {
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
                return Err(Failure::input(format!(
                    "{name}: parameter `{}` = {v} is not a valid value of the model: {e}",
                    p.key
                )));
            }
        }
    }
    Ok(())
}

fn method_of(a: &DesignArgs) -> Method {
    match a.method {
        DesignMethod::Lhs => Method::LatinHypercube {
            maximin_candidates: a.maximin.max(1),
        },
        DesignMethod::SobolSequence => Method::Sobol,
        DesignMethod::Saltelli => Method::Saltelli {
            second_order: a.second_order,
        },
        DesignMethod::Morris => Method::Morris {
            levels: a.levels.unwrap_or(4),
            optimised_from: a.optimised_from,
        },
        DesignMethod::Factorial => Method::Factorial {
            levels: a.levels.unwrap_or(3),
        },
    }
}

/// The CSV text of a design: a header of keys, one row of values a point.
fn design_csv(space: &Space, unit: &UnitDesign) -> Result<Vec<u8>, Failure> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(space.keys()).map_err(Failure::runtime)?;
    for row in &unit.rows {
        let values: Vec<String> = space.values(row).iter().map(|v| v.text()).collect();
        w.write_record(&values).map_err(Failure::runtime)?;
    }
    w.into_inner().map_err(|e| Failure::runtime(e.to_string()))
}

/// Writes a file through a temporary name, refusing to replace one unless `force`.
fn write_file(path: &Path, bytes: &[u8], force: bool) -> Result<(), Failure> {
    if path.exists() && (!force || !path.is_file()) {
        return Err(Failure::input(format!(
            "{}: exists (use --force to replace a file)",
            path.display()
        )));
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    kyoso_io::write::bytes(&tmp, bytes).map_err(Failure::output)?;
    std::fs::rename(&tmp, path).map_err(|e| Failure::runtime(format!("{}: {e}", path.display())))
}

fn design(a: &DesignArgs) -> Result<(), Failure> {
    let space = read_space(&a.space, a.model)?;
    let method = method_of(a);
    let unit = generate(&method, space.dims(), a.n, a.seed).map_err(Failure::input)?;
    let info = DesignInfo {
        kyoso_version: kyoso_core::VERSION.to_string(),
        method,
        n: a.n,
        seed: a.seed,
        rows: unit.rows.len(),
        space: space.clone(),
    };
    let csv = design_csv(&space, &unit)?;
    let mut json = serde_json::to_string_pretty(&info).map_err(Failure::runtime)?;
    json.push('\n');
    let side = sidecar(&a.out);
    if side.exists() && !a.force {
        return Err(Failure::input(format!(
            "{}: exists (use --force to replace it)",
            side.display()
        )));
    }
    write_file(&a.out, &csv, a.force)?;
    write_file(&side, json.as_bytes(), true)?;
    println!(
        "{} design: {} rows of {} parameters -> {} (and {})",
        info.method.name(),
        info.rows,
        space.dims(),
        a.out.display(),
        side.display()
    );
    Ok(())
}

/// The design again, from its sidecar, checked against the CSV.
fn load_design(path: &Path) -> Result<(DesignInfo, UnitDesign, Vec<Vec<String>>), Failure> {
    let side = sidecar(path);
    let text = std::fs::read_to_string(&side).map_err(|e| {
        Failure::input(format!(
            "{}: {e} (a design made by `kyoso explore design` has this sidecar)",
            side.display()
        ))
    })?;
    let info: DesignInfo = serde_json::from_str(&text)
        .map_err(|e| Failure::input(format!("{}: {e}", side.display())))?;
    let unit =
        generate(&info.method, info.space.dims(), info.n, info.seed).map_err(Failure::input)?;
    let cells: Vec<Vec<String>> = unit
        .rows
        .iter()
        .map(|r| info.space.values(r).iter().map(|v| v.text()).collect())
        .collect();
    let on_disk =
        std::fs::read(path).map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
    if on_disk != design_csv(&info.space, &unit)? {
        return Err(Failure::input(format!(
            "{}: the design file differs from the design its sidecar describes (edited?)",
            path.display()
        )));
    }
    Ok((info, unit, cells))
}

/// Outputs per design row: means over replications, and each point's replications.
struct Outputs {
    names: Vec<String>,
    /// [metric][row] mean.
    means: Vec<Vec<f64>>,
    /// [metric][row] the replications' values (for the noise share).
    reps: Vec<Vec<Vec<f64>>>,
}

fn same_value(a: &str, b: &str) -> bool {
    match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-9 * (1.0 + x.abs().max(y.abs())),
        _ => a.trim().trim_matches('"') == b.trim().trim_matches('"'),
    }
}

fn read_results(path: &Path, info: &DesignInfo, cells: &[Vec<String>]) -> Result<Outputs, Failure> {
    let keys = info.space.keys();
    let mismatch = |row: usize, key: &str, got: &str, want: &str| {
        Failure::input(format!(
            "{}: row {row} has {key} = {got} but the design's row {row} has {want}; was it run on this design?",
            path.display()
        ))
    };
    if path.is_dir() {
        let (manifest, runs) =
            kyoso_io::sweep::read_runs(path).map_err(|e| Failure::input(e.to_string()))?;
        let spec = &manifest.spec;
        if !manifest.complete {
            return Err(Failure::input(format!(
                "{}: the sweep is not complete; finish it with --resume (or merge its shards) first",
                path.display()
            )));
        }
        let cols: Vec<usize> = keys
            .iter()
            .map(|k| {
                spec.keys.iter().position(|s| s == k).ok_or_else(|| {
                    Failure::input(format!("{}: the sweep does not vary `{k}`", path.display()))
                })
            })
            .collect::<Result<_, _>>()?;
        if spec.points.len() != cells.len() {
            return Err(Failure::input(format!(
                "{}: {} design points, but the design has {} rows",
                path.display(),
                spec.points.len(),
                cells.len()
            )));
        }
        for (p, point) in spec.points.iter().enumerate() {
            for (c, &col) in cols.iter().enumerate() {
                if !same_value(&point[col], &cells[p][c]) {
                    return Err(mismatch(p, &keys[c], &point[col], &cells[p][c]));
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
        return Ok(Outputs {
            names: spec.metrics.clone(),
            means,
            reps,
        });
    }
    let bad = |e: String| Failure::input(format!("{}: {e}", path.display()));
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(e.to_string()))?
        .iter()
        .map(String::from)
        .collect();
    let cols: Vec<usize> = keys
        .iter()
        .map(|k| {
            header
                .iter()
                .position(|h| h == k)
                .ok_or_else(|| bad(format!("no column `{k}` of the design")))
        })
        .collect::<Result<_, _>>()?;
    let outputs: Vec<usize> = (0..header.len()).filter(|c| !cols.contains(c)).collect();
    let mut means = vec![Vec::new(); outputs.len()];
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(format!("row {}: {e}", row + 2)))?;
        if row >= cells.len() {
            return Err(bad(format!("more rows than the design's {}", cells.len())));
        }
        for (c, &col) in cols.iter().enumerate() {
            let got = record.get(col).unwrap_or("");
            if !same_value(got, &cells[row][c]) {
                return Err(mismatch(row, &keys[c], got, &cells[row][c]));
            }
        }
        for (k, &col) in outputs.iter().enumerate() {
            let v = record.get(col).unwrap_or("").trim();
            means[k].push(if v.is_empty() {
                f64::NAN
            } else {
                v.parse::<f64>().map_err(|_| {
                    bad(format!(
                        "row {}, column `{}`: `{v}` is not a number",
                        row + 2,
                        header[col]
                    ))
                })?
            });
        }
    }
    if means.first().is_some_and(|m| m.len() != cells.len()) {
        return Err(bad(format!(
            "{} rows, but the design has {}",
            means[0].len(),
            cells.len()
        )));
    }
    Ok(Outputs {
        names: outputs.iter().map(|&c| header[c].clone()).collect(),
        reps: vec![Vec::new(); means.len()],
        means,
    })
}

/// The design's rows as parameter values (a choice as its unit coordinate).
fn numeric_rows(info: &DesignInfo, unit: &UnitDesign) -> Vec<Vec<f64>> {
    unit.rows
        .iter()
        .map(|r| {
            info.space
                .values(r)
                .iter()
                .zip(r)
                .map(|(v, u)| v.number().unwrap_or(*u))
                .collect()
        })
        .collect()
}

/// The position of output `metric`, or an error suggesting the nearest name.
fn find_metric(names: &[String], metric: &str, results: &Path) -> Result<usize, Failure> {
    names.iter().position(|n| n == metric).ok_or_else(|| {
        let near = kyoso_core::params::nearest(metric, names.iter().map(String::as_str));
        Failure::input(format!(
            "--metric {metric}: no such output in {}{}",
            results.display(),
            near.map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default()
        ))
    })
}

fn analyse(a: &SensitivityArgs) -> Result<(), Failure> {
    let (info, unit, cells) = load_design(&a.design)?;
    let outputs = read_results(&a.results, &info, &cells)?;
    let chosen: Vec<usize> = if a.metrics.is_empty() {
        (0..outputs.names.len()).collect()
    } else {
        a.metrics
            .iter()
            .map(|m| find_metric(&outputs.names, m, &a.results))
            .collect::<Result<_, _>>()?
    };
    let boot = Bootstrap {
        resamples: a.resamples,
        confidence: 0.95,
        seed: a.seed,
    };
    let keys = info.space.keys();
    let mut rows: BTreeMap<&str, Vec<Option<String>>> = BTreeMap::new();
    let mut nums: BTreeMap<&str, Vec<Option<f64>>> = BTreeMap::new();
    let mut metric_col = Vec::new();
    for &k in &chosen {
        let y = &outputs.means[k];
        let name = &outputs.names[k];
        let result = match (a.method, &info.method) {
            (AnalysisMethod::Morris, Method::Morris { levels, .. }) => {
                sensitivity::morris(&unit.rows, y, *levels, boot)
            }
            (AnalysisMethod::Sobol, Method::Saltelli { second_order }) => {
                sensitivity::sobol(y, info.space.dims(), *second_order, boot)
            }
            (AnalysisMethod::Regression, _) => {
                sensitivity::regression(&numeric_rows(&info, &unit), y, boot)
            }
            (method, design) => {
                return Err(Failure::input(format!(
                    "{}: a {} design; {method:?} analysis needs a {} design",
                    a.design.display(),
                    design.name(),
                    if method == AnalysisMethod::Morris {
                        "morris"
                    } else {
                        "saltelli"
                    }
                )));
            }
        };
        let indices: Vec<Index> =
            result.map_err(|e| Failure::input(format!("metric `{name}`: {e}")))?;
        let noise = sensitivity::noise_share(&outputs.reps[k]);
        for i in &indices {
            metric_col.push(name.clone());
            rows.entry("parameter")
                .or_default()
                .push(Some(keys[i.parameter].clone()));
            rows.entry("parameter_2")
                .or_default()
                .push(i.other.map(|o| keys[o].clone()));
            rows.entry("index")
                .or_default()
                .push(Some(i.index.to_string()));
            nums.entry("estimate").or_default().push(Some(i.estimate));
            nums.entry("ci_low").or_default().push(i.ci.map(|c| c.0));
            nums.entry("ci_high").or_default().push(i.ci.map(|c| c.1));
            nums.entry("noise_share").or_default().push(noise);
        }
        print_ranking(name, &indices, &keys, noise);
    }
    let take_s = |rows: &mut BTreeMap<&str, Vec<Option<String>>>, k: &str| {
        rows.remove(k).unwrap_or_default()
    };
    let take_n =
        |nums: &mut BTreeMap<&str, Vec<Option<f64>>>, k: &str| nums.remove(k).unwrap_or_default();
    let table = Table::new("indices")
        .column("metric", "", "the output analysed (a sweep metric, see docs/outputs.md, or a table column)", Values::Str(metric_col))
        .column("parameter", "", "the parameter (scenario key)", Values::OptStr(take_s(&mut rows, "parameter")))
        .column("parameter_2", "", "the second parameter of a second-order index (S2); null otherwise", Values::OptStr(take_s(&mut rows, "parameter_2")))
        .column("index", "", "mu, mu_star, sigma (Morris; elementary effects per unit of the parameter's range), S1, ST, S2 (Sobol'), SRC, PRCC (regression)", Values::OptStr(take_s(&mut rows, "index")))
        .column("estimate", "index", "the index's estimate", Values::OptF64(take_n(&mut nums, "estimate")))
        .column("ci_low", "index", "lower end of the 95 % bootstrap interval (estimate − 1.96 bootstrap sd); null where the method gives none", Values::OptF64(take_n(&mut nums, "ci_low")))
        .column("ci_high", "index", "upper end of the 95 % bootstrap interval; null where the method gives none", Values::OptF64(take_n(&mut nums, "ci_high")))
        .column("noise_share", "fraction", "share of the metric's variance over all runs that is replication noise (mean within-point variance over total variance); null without replications", Values::OptF64(take_n(&mut nums, "noise_share")));
    let out = crate::output::Output::start(&a.out, a.force)?;
    out.table(&table, true)?;
    out.json(
        "summary.json",
        &serde_json::json!({
            "kyoso_version": kyoso_core::VERSION,
            "analysis": format!("{:?}", a.method).to_lowercase(),
            "design": info,
            "results": a.results.display().to_string(),
            "bootstrap": {"resamples": a.resamples, "seed": a.seed, "confidence": 0.95},
        }),
    )?;
    let dir = out.commit()?;
    println!(
        "outputs: {} (indices.parquet, indices.csv, summary.json)",
        dir.display()
    );
    Ok(())
}

fn print_ranking(metric: &str, indices: &[Index], keys: &[String], noise: Option<f64>) {
    let lead = ["mu_star", "ST", "PRCC"];
    let Some(name) = lead.iter().find(|n| indices.iter().any(|i| i.index == **n)) else {
        return;
    };
    let mut ranked: Vec<&Index> = indices.iter().filter(|i| i.index == *name).collect();
    ranked.sort_by(|a, b| b.estimate.abs().total_cmp(&a.estimate.abs()));
    println!(
        "\n{metric}: parameters by {name}{}",
        noise
            .map(|n| format!(" (replication noise: {:.0} % of the variance)", n * 100.0))
            .unwrap_or_default()
    );
    for i in ranked {
        let ci =
            i.ci.map(|(l, h)| format!(" [{l:.3}, {h:.3}]"))
                .unwrap_or_default();
        println!("  {:<40} {:>9.4}{ci}", keys[i.parameter], i.estimate);
    }
}

/// Parses `> 0`, `<= 1.5`, … into a test.
fn condition(text: &str) -> Result<(String, f64), Failure> {
    let t = text.trim();
    let op = [">=", "<=", ">", "<"]
        .into_iter()
        .find(|op| t.starts_with(op))
        .ok_or_else(|| {
            Failure::input(format!(
                "--where {text}: start with >, >=, < or <=, e.g. \"> 0\""
            ))
        })?;
    let v: f64 = t[op.len()..]
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| {
            Failure::input(format!(
                "--where {text}: `{}` is not a number",
                t[op.len()..].trim()
            ))
        })?;
    Ok((op.to_string(), v))
}

fn holds(op: &str, threshold: f64, x: f64) -> bool {
    match op {
        ">" => x > threshold,
        ">=" => x >= threshold,
        "<" => x < threshold,
        _ => x <= threshold,
    }
}

fn discover(a: &DiscoverArgs) -> Result<(), Failure> {
    use kyoso_explore::discover::{PrimOptions, prim, tree};
    let (op, threshold) = condition(&a.condition)?;
    if !(0.0..=1.0).contains(&a.min_coverage) {
        return Err(Failure::input(format!(
            "--min-coverage {}: allowed [0, 1]",
            a.min_coverage
        )));
    }
    let (info, unit, cells) = load_design(&a.design)?;
    let outputs = read_results(&a.results, &info, &cells)?;
    let k = find_metric(&outputs.names, &a.metric, &a.results)?;
    let y = &outputs.means[k];
    if let Some(row) = y.iter().position(|v| !v.is_finite()) {
        return Err(Failure::input(format!(
            "metric `{}` has no value at design row {row}",
            a.metric
        )));
    }
    let target: Vec<bool> = y.iter().map(|&v| holds(&op, threshold, v)).collect();
    let values = numeric_rows(&info, &unit);
    let options = PrimOptions {
        min_coverage: a.min_coverage,
        ..Default::default()
    };
    let p = prim(&values, &target, options)
        .map_err(|e| Failure::input(format!("{}: {e}", a.metric)))?;
    let leaves = tree(&values, &target, 3, (values.len() / 20).max(2)).map_err(Failure::input)?;
    let keys = info.space.keys();
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
        for (d, (lo, hi)) in b.limits.iter().enumerate() {
            method.push(m.to_string());
            step.push(s);
            chosen.push(is_chosen);
            coverage.push(b.coverage);
            density.push(b.density);
            mass.push(b.mass);
            parameter.push(keys[d].clone());
            low.push(*lo);
            high.push(*hi);
            restricted.push(b.restricted.contains(&d));
        }
    };
    for (s, b) in p.trajectory.iter().enumerate() {
        push("prim-peel", s as u32, false, b);
    }
    push("prim", p.chosen_step as u32, true, &p.chosen);
    for (s, leaf) in leaves.iter().enumerate() {
        push("tree-leaf", s as u32, false, &leaf.boxed);
    }
    let table = Table::new("boxes")
        .column("method", "", "prim-peel (a step of the peeling trajectory), prim (the chosen box after pasting), tree-leaf (a leaf of a depth-3 classification tree, densest first)", Values::Str(method))
        .column("step", "index", "peeling step (prim-peel), the trajectory step the chosen box started from (prim), or leaf rank (tree-leaf)", Values::U32(step))
        .column("chosen", "", "whether this is the chosen PRIM box", Values::Bool(chosen))
        .column("coverage", "fraction", "share of all design rows where the condition holds that fall in the box", Values::F64(coverage))
        .column("density", "fraction", "share of the box's rows where the condition holds", Values::F64(density))
        .column("mass", "fraction", "share of all design rows in the box", Values::F64(mass))
        .column("parameter", "", "the parameter (scenario key); one row per parameter of each box", Values::Str(parameter))
        .column("low", "parameter", "the box's lower limit on the parameter", Values::F64(low))
        .column("high", "parameter", "the box's upper limit on the parameter", Values::F64(high))
        .column("restricted", "", "whether the box is narrower than the design's range on this parameter", Values::Bool(restricted));
    let out = crate::output::Output::start(&a.out, a.force)?;
    out.table(&table, true)?;
    out.json(
        "summary.json",
        &serde_json::json!({
            "kyoso_version": kyoso_core::VERSION,
            "metric": a.metric,
            "condition": format!("{op} {threshold}"),
            "rows": values.len(),
            "rows_where_it_holds": target.iter().filter(|&&t| t).count(),
            "design": info,
        }),
    )?;
    let dir = out.commit()?;
    let b = &p.chosen;
    println!(
        "{} {op} {threshold} holds in {} of {} design rows",
        a.metric,
        target.iter().filter(|&&t| t).count(),
        values.len()
    );
    println!(
        "PRIM box: coverage {:.2}, density {:.2}, mass {:.2}; restricted:",
        b.coverage, b.density, b.mass
    );
    for &d in &b.restricted {
        println!(
            "  {:<40} [{:.4}, {:.4}]",
            keys[d], b.limits[d].0, b.limits[d].1
        );
    }
    if b.restricted.is_empty() {
        println!("  (none: the condition is not confined to a region)");
    }
    println!(
        "outputs: {} (boxes.parquet, boxes.csv, summary.json)",
        dir.display()
    );
    Ok(())
}
