//! `kyoso explore`: experimental designs, sensitivity analysis and
//! scenario discovery. The work is kyoso-engine's (`explore`,
//! `explore_report`) on kyoso-explore's estimators; this file parses the
//! flags, prints rankings and writes output folders.
//!
//! - `kyoso explore design METHOD --space FILE.toml --n N --seed S --out design.csv`
//!   writes the design (a header of keys, one point per row, ready for
//!   `kyoso sweep --design`) and a sidecar `design.csv.json` with the
//!   method, its options, the seed and the space.
//! - `kyoso explore sensitivity METHOD RESULTS --design design.csv --out DIR`
//!   analyses a sweep folder run on that design (the mean over
//!   replications, with the share of variance that is replication noise)
//!   or a CSV table with the design's columns and output columns, and
//!   writes `indices.parquet` and `indices.csv`, `summary.json` and
//!   `report.html`.
//! - `kyoso explore run METHOD MODEL --space … --n N --reps R --out DIR`
//!   does all three in one step: DIR/design.csv, DIR/sweep/ (resumable),
//!   DIR/analysis/.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use kyoso_engine::explore::{
    Analysis, Condition, Design, MetricIndices, Outputs, SpaceModel as EngineSpaceModel,
};
use kyoso_explore::design::Method;
use kyoso_explore::sensitivity::Bootstrap;
use kyoso_io::report::escape;

use crate::Failure;

#[derive(Debug, Subcommand)]
pub enum ExploreCommand {
    /// Make a design (Latin hypercube, Sobol' sequence, Saltelli, Morris, factorial) as a CSV for `kyoso sweep --design`.
    Design(DesignArgs),
    /// Sensitivity indices of a sweep (or a CSV table) run on a design made by `kyoso explore design`.
    Sensitivity(SensitivityArgs),
    /// Scenario discovery: the boxes of parameter space where a condition on a metric holds (PRIM, a shallow tree).
    Discover(DiscoverArgs),
    /// Design, sweep, analysis and report in one step (resumable with --resume).
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// A sweep folder run on the design, or a CSV table with its columns and outputs.
    results: PathBuf,
    /// The design CSV made by `kyoso explore design`.
    #[arg(long, value_name = "FILE.csv")]
    design: PathBuf,
    /// The metric the condition is on (the mean over replications), or a table's text column.
    #[arg(long, value_name = "NAME")]
    metric: String,
    /// The condition: an operator (>, >=, <, <=, =, !=) and a number, e.g. "> 0"; on a text column (a verdict) = or != and a word, e.g. "= supported".
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

/// A design's size, seed and method options (shared by `design` and `run`).
#[derive(Debug, Clone, Args)]
pub struct DesignOptions {
    /// Points (lhs, sobol-sequence), base points (saltelli) or trajectories (morris).
    #[arg(long, default_value_t = 0)]
    n: usize,
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
}

#[derive(Debug, Args)]
pub struct DesignArgs {
    #[arg(value_enum)]
    method: DesignMethod,
    /// The parameter space: a TOML file of [[parameter]] entries (key, low, high, distribution or choices), or `plausible` (every parameter's plausible range, docs/model.md §8).
    #[arg(long, value_name = "FILE.toml")]
    space: PathBuf,
    #[command(flatten)]
    options: DesignOptions,
    /// Seed of the design's random draws.
    #[arg(long, default_value_t = 1)]
    seed: u64,
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

/// What `kyoso explore run` does: a design and the analysis made for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunMethod {
    /// Morris trajectories, then μ, μ*, σ (screening many parameters).
    Morris,
    /// Saltelli's scheme, then Sobol' S1, ST (and S2 with --second-order).
    Sobol,
    /// A Latin hypercube, then SRC and PRCC.
    Regression,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[arg(value_enum)]
    method: RunMethod,
    /// The model to explore.
    #[arg(value_enum)]
    model: crate::sweep::SweepModel,
    /// The parameter space (a TOML file of [[parameter]] entries, or `plausible` for silent-rivalry).
    #[arg(long, value_name = "FILE.toml")]
    space: PathBuf,
    #[command(flatten)]
    options: DesignOptions,
    /// Seed of the design's random draws and of the bootstrap (--seed is the runs' base seed).
    #[arg(long, default_value_t = 1)]
    design_seed: u64,
    #[command(flatten)]
    scenario: crate::ScenarioArgs,
    /// Replications of every design point (their mean is analysed; their spread is the noise share).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    reps: u32,
    /// Parallel runs (default: the number of CPUs).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,
    /// Outputs to analyse (repeatable; default: every metric of the model).
    #[arg(long = "metric", value_name = "NAME")]
    metrics: Vec<String>,
    /// Bootstrap resamples for the intervals.
    #[arg(long, default_value_t = 1000)]
    resamples: usize,
    /// Output folder: design.csv, sweep/, analysis/.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Continue an interrupted exploration in --out (same flags).
    #[arg(long)]
    resume: bool,
    /// No progress bar and no ranking; print only the output folder.
    #[arg(long, short)]
    quiet: bool,
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
    /// Spearman rank correlation, one parameter at a time (any design, even with fewer rows than parameters).
    Correlation,
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

pub fn run(command: &ExploreCommand) -> Result<(), Failure> {
    match command {
        ExploreCommand::Design(a) => design(a),
        ExploreCommand::Sensitivity(a) => analyse(a),
        ExploreCommand::Discover(a) => discover(a),
        ExploreCommand::Run(a) => explore_run(a),
    }
}

impl From<SpaceModel> for EngineSpaceModel {
    fn from(m: SpaceModel) -> Self {
        match m {
            SpaceModel::SilentRivalry => EngineSpaceModel::SilentRivalry,
            SpaceModel::None => EngineSpaceModel::None,
        }
    }
}

impl From<AnalysisMethod> for Analysis {
    fn from(m: AnalysisMethod) -> Self {
        match m {
            AnalysisMethod::Morris => Analysis::Morris,
            AnalysisMethod::Sobol => Analysis::Sobol,
            AnalysisMethod::Regression => Analysis::Regression,
            AnalysisMethod::Correlation => Analysis::Correlation,
        }
    }
}

fn method_of(method: DesignMethod, o: &DesignOptions) -> Method {
    match method {
        DesignMethod::Lhs => Method::LatinHypercube {
            maximin_candidates: o.maximin.max(1),
        },
        DesignMethod::SobolSequence => Method::Sobol,
        DesignMethod::Saltelli => Method::Saltelli {
            second_order: o.second_order,
        },
        DesignMethod::Morris => Method::Morris {
            levels: o.levels.unwrap_or(4),
            optimised_from: o.optimised_from,
        },
        DesignMethod::Factorial => Method::Factorial {
            levels: o.levels.unwrap_or(3),
        },
    }
}

fn design(a: &DesignArgs) -> Result<(), Failure> {
    let space = kyoso_engine::explore::read_space(&a.space, a.model.into())?;
    let method = method_of(a.method, &a.options);
    let d = Design::make(method, space, a.options.n, a.seed)?;
    let side = d.write(&a.out, a.force)?;
    println!(
        "{} design: {} rows of {} parameters -> {} (and {})",
        d.info.method.name(),
        d.info.rows,
        d.info.space.dims(),
        a.out.display(),
        side.display()
    );
    Ok(())
}

/// The metrics chosen by name (default: all), as positions in `outputs`.
fn chosen(outputs: &Outputs, names: &[String], results: &Path) -> Result<Vec<usize>, Failure> {
    if names.is_empty() {
        return Ok((0..outputs.names.len()).collect());
    }
    Ok(names
        .iter()
        .map(|m| outputs.find(m, results))
        .collect::<Result<_, _>>()?)
}

/// An analysis done: what to write of it.
struct Written<'a> {
    analysis: Analysis,
    design: &'a Design,
    outputs: &'a Outputs,
    all: &'a [MetricIndices],
    skipped: &'a [kyoso_engine::explore::Skipped],
}

impl Written<'_> {
    /// Writes indices, summary and report into a new folder `out`.
    fn write(
        &self,
        out: &Path,
        force: bool,
        summary: serde_json::Value,
        intro: &str,
    ) -> Result<PathBuf, Failure> {
        let staged = crate::output::Output::start(out, force)?;
        staged.table(
            &kyoso_engine::explore::indices_table(self.analysis, self.design, self.all),
            true,
        )?;
        staged.json("summary.json", &summary)?;
        let mut sections = kyoso_engine::explore_report::sensitivity_sections(
            self.analysis,
            self.design,
            self.outputs,
            self.all,
        );
        if !self.skipped.is_empty() {
            let items: String = self
                .skipped
                .iter()
                .map(|s| {
                    format!(
                        "<li><code>{}</code>: {}</li>",
                        escape(&s.metric),
                        escape(&s.reason)
                    )
                })
                .collect();
            sections.push(kyoso_io::report::Section {
                heading: "Metrics not analysed".into(),
                html: format!("<p>These metrics have no value at some design rows, so their indices cannot be computed:</p><ul>{items}</ul>"),
                figure: None,
            });
        }
        staged.report(
            &format!("kyoso explore: {} sensitivity", self.analysis.name()),
            intro,
            &sections,
        )?;
        staged.commit()
    }
}

fn analyse(a: &SensitivityArgs) -> Result<(), Failure> {
    let design = Design::load(&a.design)?;
    let outputs = kyoso_engine::explore::read_results(&a.results, &design)?;
    let chosen = chosen(&outputs, &a.metrics, &a.results)?;
    let boot = Bootstrap {
        resamples: a.resamples,
        confidence: 0.95,
        seed: a.seed,
    };
    let analysis: Analysis = a.method.into();
    let done = kyoso_engine::explore::analyse(analysis, &design, &outputs, &chosen, boot)
        .map_err(|e| Failure::input(format!("{}: {e}", a.design.display())))?;
    for m in &done.indices {
        print_ranking(analysis, &design, m);
    }
    warn_skipped(&done.skipped);
    let summary = serde_json::json!({
        "kyoso_version": kyoso_core::VERSION,
        "analysis": analysis.name(),
        "design": design.info,
        "results": a.results.display().to_string(),
        "bootstrap": {"resamples": a.resamples, "seed": a.seed, "confidence": 0.95},
        "skipped": done.skipped,
    });
    let intro = format!(
        "<p>{} analysis of <code>{}</code> on the {} design <code>{}</code> ({} rows, {} parameters); 95 % bootstrap intervals from {} resamples.</p>",
        analysis.name(),
        escape(&a.results.display().to_string()),
        design.info.method.name(),
        escape(&a.design.display().to_string()),
        design.info.rows,
        design.info.space.dims(),
        a.resamples
    );
    let written = Written {
        analysis,
        design: &design,
        outputs: &outputs,
        all: &done.indices,
        skipped: &done.skipped,
    };
    let dir = written.write(&a.out, a.force, summary, &intro)?;
    println!(
        "outputs: {} (indices.parquet, indices.csv, summary.json, report.html)",
        dir.display()
    );
    Ok(())
}

/// Says on stderr which metrics were left out, and why.
fn warn_skipped(skipped: &[kyoso_engine::explore::Skipped]) {
    for s in skipped {
        eprintln!("note: `{}` not analysed: {}", s.metric, s.reason);
    }
}

fn print_ranking(analysis: Analysis, design: &Design, m: &MetricIndices) {
    let keys = design.info.space.keys();
    let ranked = m.ranking(analysis);
    if ranked.is_empty() {
        return;
    }
    println!(
        "\n{}: parameters by {}{}",
        m.metric,
        analysis.lead_index(),
        m.noise
            .map(|n| format!(" (replication noise: {:.0} % of the variance)", n * 100.0))
            .unwrap_or_default()
    );
    if let Some(f) = m.noise_floor {
        println!(
            "  (noise alone would give {} {f:.4})",
            analysis.lead_index()
        );
    }
    for i in ranked {
        let ci =
            i.ci.map(|(l, h)| format!(" [{l:.3}, {h:.3}]"))
                .unwrap_or_default();
        println!("  {:<40} {:>9.4}{ci}", keys[i.parameter], i.estimate);
    }
}

fn discover(a: &DiscoverArgs) -> Result<(), Failure> {
    let condition = Condition::parse(&a.condition)?;
    let design = Design::load(&a.design)?;
    let outputs = kyoso_engine::explore::read_results(&a.results, &design)?;
    let d = kyoso_engine::explore::discover(
        &design,
        &outputs,
        &a.metric,
        &a.results,
        condition,
        a.min_coverage,
    )?;
    let keys = design.info.space.keys();
    let out = crate::output::Output::start(&a.out, a.force)?;
    out.table(&kyoso_engine::explore::boxes_table(&design, &d), true)?;
    let holds = d.target.iter().filter(|&&t| t).count();
    out.json(
        "summary.json",
        &serde_json::json!({
            "kyoso_version": kyoso_core::VERSION,
            "metric": a.metric,
            "condition": d.condition.to_string(),
            "rows": d.target.len(),
            "rows_where_it_holds": holds,
            "design": design.info,
        }),
    )?;
    let intro = format!(
        "<p>Scenario discovery on <code>{}</code> run on the {} design <code>{}</code>.</p>",
        escape(&a.results.display().to_string()),
        design.info.method.name(),
        escape(&a.design.display().to_string())
    );
    out.report(
        "kyoso explore: scenario discovery",
        &intro,
        &kyoso_engine::explore_report::discovery_sections(&design, &d),
    )?;
    let dir = out.commit()?;
    let b = &d.prim.chosen;
    println!(
        "{} {} holds in {holds} of {} design rows",
        a.metric,
        d.condition,
        d.target.len()
    );
    println!(
        "PRIM box: coverage {:.2}, density {:.2}, mass {:.2}; restricted:",
        b.coverage, b.density, b.mass
    );
    for &dim in &b.restricted {
        println!(
            "  {:<40} [{:.4}, {:.4}]",
            keys[dim], b.limits[dim].0, b.limits[dim].1
        );
    }
    if b.restricted.is_empty() {
        println!("  (none: the condition is not confined to a region)");
    }
    println!(
        "outputs: {} (boxes.parquet, boxes.csv, summary.json, report.html)",
        dir.display()
    );
    Ok(())
}

/// What an exploration folder may hold (so --resume never writes into a
/// user's folder or another command's output).
const RUN_ENTRIES: [&str; 4] = ["design.csv", "design.csv.json", "sweep", "analysis"];

fn check_run_folder(out: &Path, resume: bool) -> Result<(), Failure> {
    Ok(kyoso_engine::check_work_folder(
        out,
        resume,
        "an exploration",
        "`kyoso explore run`",
        |n| RUN_ENTRIES.contains(&n),
    )?)
}

fn explore_run(a: &RunArgs) -> Result<(), Failure> {
    use kyoso_engine::sweep::SweepModel as M;
    let model: M = a.model.into();
    let space_model = if model == M::SilentRivalry {
        EngineSpaceModel::SilentRivalry
    } else if a.space == Path::new("plausible") && !a.space.exists() {
        return Err(Failure::input(format!(
            "--space plausible: plausible ranges are given for silent-rivalry only; write a space file for {}",
            model.name()
        )));
    } else {
        // The sweep validates every design point against the model's ranges.
        EngineSpaceModel::None
    };
    let (design_method, analysis) = match a.method {
        RunMethod::Morris => (DesignMethod::Morris, Analysis::Morris),
        RunMethod::Sobol => (DesignMethod::Saltelli, Analysis::Sobol),
        RunMethod::Regression => (DesignMethod::Lhs, Analysis::Regression),
    };
    let started = std::time::Instant::now();
    let space = kyoso_engine::explore::read_space(&a.space, space_model)?;
    let design = Design::make(
        method_of(design_method, &a.options),
        space,
        a.options.n,
        a.design_seed,
    )?;
    kyoso_engine::explore::preflight(analysis, &design)?;
    let design_seconds = started.elapsed().as_secs_f64();
    let inputs = a.scenario.inputs()?;
    check_run_folder(&a.out, a.resume)?;
    let design_path = a.out.join("design.csv");
    if a.resume && design_path.exists() {
        let before = Design::load(&design_path)?;
        if before.csv() != design.csv() || before.info.method != design.info.method {
            return Err(Failure::input(format!(
                "{}: --resume: this folder holds another design ({} of {} rows); give the flags it was started with",
                a.out.display(),
                before.info.method.name(),
                before.info.rows
            )));
        }
    } else {
        std::fs::create_dir_all(&a.out)
            .map_err(|e| Failure::runtime(format!("{}: {e}", a.out.display())))?;
        design.write(&design_path, true)?;
    }
    let sweep_dir = a.out.join("sweep");
    let mut request = kyoso_engine::sweep::SweepRequest::new(model, inputs, a.reps, &sweep_dir);
    request.design = Some(design_path.clone());
    request.jobs = a.jobs.map(|j| j as usize);
    request.resume = a.resume && sweep_dir.exists();
    if !a.quiet {
        eprintln!(
            "explore {}: {} design, {} rows of {} parameters x {} reps = {} runs of {}",
            analysis.name(),
            design.info.method.name(),
            design.info.rows,
            design.info.space.dims(),
            a.reps,
            design.info.rows as u64 * a.reps as u64,
            model.name()
        );
    }
    let started = std::time::Instant::now();
    let outcome = crate::sweep::run(&request, a.quiet)?;
    let sweep_seconds = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let outputs = kyoso_engine::explore::read_results(&outcome.out, &design)?;
    let chosen = chosen(&outputs, &a.metrics, &outcome.out)?;
    let boot = Bootstrap {
        resamples: a.resamples,
        confidence: 0.95,
        seed: a.design_seed,
    };
    let done = kyoso_engine::explore::analyse(analysis, &design, &outputs, &chosen, boot)?;
    let analysis_seconds = started.elapsed().as_secs_f64();
    let command = std::iter::once("kyoso".to_string())
        .chain(std::env::args().skip(1))
        .collect::<Vec<_>>()
        .join(" ");
    let summary = serde_json::json!({
        "kyoso_version": kyoso_core::VERSION,
        "analysis": analysis.name(),
        "model": model.name(),
        "design": design.info,
        "reps": a.reps,
        "runs": outcome.manifest.runs_total,
        "sweep_id": outcome.manifest.sweep_id,
        "results": "../sweep",
        "bootstrap": {"resamples": a.resamples, "seed": a.design_seed, "confidence": 0.95},
        "command": command,
        "seconds": {"design": design_seconds, "sweep": sweep_seconds, "analysis": analysis_seconds},
        "skipped": done.skipped,
    });
    let intro = format!(
        "<p>{} of <code>{}</code>: a {} design of {} rows over {} parameters, {} replications each ({} runs, sweep <code>{}</code>); the mean over replications is analysed, with 95 % bootstrap intervals from {} resamples. Design {:.2} s, sweep {:.1} s, analysis {:.2} s.</p><p>Made by <code>{}</code>.</p>",
        analysis.name(),
        model.name(),
        design.info.method.name(),
        design.info.rows,
        design.info.space.dims(),
        a.reps,
        outcome.manifest.runs_total,
        escape(&outcome.manifest.sweep_id),
        a.resamples,
        design_seconds,
        sweep_seconds,
        analysis_seconds,
        escape(&command)
    );
    let written = Written {
        analysis,
        design: &design,
        outputs: &outputs,
        all: &done.indices,
        skipped: &done.skipped,
    };
    written.write(&a.out.join("analysis"), true, summary, &intro)?;
    warn_skipped(&done.skipped);
    if a.quiet {
        println!("{}", a.out.display());
        return Ok(());
    }
    for m in &done.indices {
        print_ranking(analysis, &design, m);
    }
    println!(
        "\ndesign {:.2} s, sweep {:.1} s, analysis {:.2} s; outputs: {} (design.csv, sweep/, analysis/: indices.parquet, report.html)",
        design_seconds,
        sweep_seconds,
        analysis_seconds,
        a.out.display()
    );
    Ok(())
}
