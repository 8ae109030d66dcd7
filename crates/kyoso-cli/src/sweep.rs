//! `kyoso sweep` and `kyoso merge`: parameter sweeps with replications,
//! parallel runs, durable progress, resume and sharding.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kyoso_core::Scenario;
use kyoso_core::silent_rivalry::run_scenario;
use kyoso_core::sweep::{Design, Shard, parse_vary, run_seed};
use kyoso_io::sweep::{RunRecord, SweepDir, SweepError, SweepSpec, read_design};
use kyoso_io::table::Table;

use crate::{Failure, ScenarioArgs};

/// Models a sweep can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SweepModel {
    /// The silent-rivalry market model.
    SilentRivalry,
    /// The spatial prisoner's dilemma (Nowak and May 1992).
    SpatialPd,
    /// The evolution of ethnocentrism (Hammond and Axelrod 2006).
    Ethnocentrism,
    /// An iterated prisoner's dilemma tournament.
    Tournament,
}

#[derive(Debug, Clone, Args)]
pub struct SweepArgs {
    /// The model to sweep.
    #[arg(value_enum)]
    pub(crate) model: SweepModel,
    #[command(flatten)]
    pub(crate) scenario: ScenarioArgs,
    /// Vary a parameter: key=v1,v2,v3 or key=start:stop:count (repeatable; full grid).
    #[arg(long, value_name = "key=values")]
    pub(crate) vary: Vec<String>,
    /// Design points from a CSV file: a header of parameter keys, one point per row.
    #[arg(long, value_name = "FILE.csv")]
    pub(crate) design: Option<PathBuf>,
    /// Replications of every design point.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) reps: u32,
    /// Parallel runs (default: the number of CPUs).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) jobs: Option<u32>,
    /// Run only shard I of N (1-based), e.g. for a batch-system job array.
    #[arg(long, value_name = "I/N")]
    pub(crate) shard: Option<String>,
    /// Continue an interrupted sweep in --out.
    #[arg(long)]
    pub(crate) resume: bool,
    /// Also keep every run's per-tick metrics (ticks.parquet).
    #[arg(long)]
    pub(crate) keep_ticks: bool,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// No progress bar; print only the output folder at the end.
    #[arg(long, short)]
    pub(crate) quiet: bool,
    /// Print the outcome (off when an experiment runs the sweep).
    #[arg(skip = true)]
    pub(crate) announce: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard folders of one sweep.
    #[arg(required = true, value_name = "DIR")]
    inputs: Vec<PathBuf>,
    /// The merged sweep folder.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

fn sweep_failure(e: SweepError) -> Failure {
    match e {
        SweepError::Input(m) => Failure::input(m),
        SweepError::Output(o) => Failure::output(o),
    }
}

/// What one run produced.
struct Done {
    record: RunRecord,
}

pub fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let m = kyoso_io::sweep::merge(&args.inputs, &args.out).map_err(sweep_failure)?;
    println!(
        "merged {} shards: {} runs of sweep {} into {}",
        args.inputs.len(),
        m.runs_total,
        m.sweep_id,
        args.out.display()
    );
    Ok(())
}

pub fn sweep(args: &SweepArgs) -> Result<(), Failure> {
    // Everything is checked before the first run starts.
    let mut axes = Vec::new();
    for v in &args.vary {
        axes.push(parse_vary(v).map_err(Failure::input)?);
    }
    let grid = Design::grid(axes).map_err(Failure::input)?;
    let design = match &args.design {
        Some(path) => read_design(path)
            .map_err(Failure::input)?
            .cross(grid)
            .map_err(Failure::input)?,
        None => grid,
    };
    kyoso_core::sweep::check_size(design.points.len(), args.reps).map_err(Failure::input)?;
    let shard = match &args.shard {
        Some(s) => Shard::parse(s).map_err(Failure::input)?,
        None => Shard::ALL,
    };
    let target: Box<dyn SweepTarget> = match args.model {
        SweepModel::SilentRivalry => {
            let (base, _source) = args.scenario.resolve()?;
            Box::new(SilentRivalrySweep::new(&base, &design)?)
        }
        SweepModel::SpatialPd => Box::new(crate::sweep_classic::SpatialPdSweep::new(
            &args.scenario,
            &design,
        )?),
        SweepModel::Ethnocentrism => Box::new(crate::sweep_classic::EthnocentrismSweep::new(
            &args.scenario,
            &design,
        )?),
        SweepModel::Tournament => Box::new(crate::sweep_classic::TournamentSweep::new(
            &args.scenario,
            &design,
        )?),
    };
    let base = target.base();
    let spec = SweepSpec::new(
        base.model,
        base.text,
        base.seed,
        args.reps,
        &design,
        target.metric_names(),
        args.keep_ticks,
    );
    let mut dir = SweepDir::open(&args.out, &spec, shard, args.resume).map_err(sweep_failure)?;
    let total_in_shard = dir.shard_runs() as usize;
    let to_run = total_in_shard - dir.completed();
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |j| j as usize,
    );

    let bar = if args.quiet || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(
            Some(total_in_shard as u64),
            ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} runs {pos}/{len} [{bar:40}] {per_sec} ETA {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_position(dir.completed() as u64);
        bar
    };

    let _polling = crate::interrupt::Polling::start();
    let reps = args.reps as u64;
    let base_seed = spec.base_seed;
    let keep_ticks = args.keep_ticks;
    let next = AtomicUsize::new(0);
    // Bounded: workers wait for the journal rather than pile up results in memory.
    let (tx, rx) = mpsc::sync_channel::<Result<Done, Failure>>(256);
    let done_before = dir.done().clone();
    let total_runs = spec.total_runs();
    let result = std::thread::scope(|scope| {
        for _ in 0..jobs.min(to_run.max(1)) {
            let tx = tx.clone();
            let (next, done_before, target, dir_path) =
                (&next, &done_before, &target, dir.path().to_path_buf());
            scope.spawn(move || {
                loop {
                    // The k-th run of the shard: runs r with r % N == I - 1.
                    if crate::interrupt::requested() {
                        break;
                    }
                    let k = next.fetch_add(1, Ordering::Relaxed) as u64;
                    let run = k * shard.count as u64 + (shard.index - 1) as u64;
                    if run >= total_runs {
                        break;
                    }
                    if done_before.contains(run) {
                        continue;
                    }
                    let (point, rep) = (run / reps, run % reps);
                    let seed = run_seed(base_seed, point, rep);
                    let done = run_one(
                        target.as_ref(),
                        run,
                        point,
                        rep as u32,
                        seed,
                        keep_ticks.then_some(&dir_path),
                    );
                    if tx.send(done).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Group commit: completed runs are fsynced in small batches.
        let mut batch: Vec<RunRecord> = Vec::new();
        let mut last_sync = Instant::now();
        for done in rx {
            let done = match done {
                Ok(d) => d,
                Err(f) => {
                    next.store(usize::MAX / 2, Ordering::Relaxed);
                    return Err(f);
                }
            };
            batch.push(done.record);
            bar.inc(1);
            if batch.len() >= 64 || last_sync.elapsed() > Duration::from_millis(200) {
                dir.append(&batch).map_err(sweep_failure)?;
                batch.clear();
                last_sync = Instant::now();
            }
        }
        dir.append(&batch).map_err(sweep_failure)
    });
    result?;
    bar.finish_and_clear();
    if crate::interrupt::requested() {
        return Err(Failure {
            code: 130,
            message: format!(
                "interrupted; {} of {} runs are done and kept in {}: continue with --resume",
                dir.completed(),
                total_in_shard,
                dir.path().display()
            ),
        });
    }
    let done = dir.completed();
    let out = dir.path().to_path_buf();
    let manifest = dir.finalize().map_err(sweep_failure)?;
    if !args.announce {
        return Ok(());
    }
    if args.quiet {
        println!("{}", out.display());
    } else {
        println!(
            "sweep {}: {} design points x {} reps = {} runs; shard {}: {} runs done",
            manifest.sweep_id,
            design.points.len(),
            args.reps,
            manifest.runs_total,
            manifest.shard,
            done
        );
        println!(
            "outputs: {} (runs.parquet, summary.csv{}, manifest.json)",
            out.display(),
            if keep_ticks { ", ticks.parquet" } else { "" }
        );
    }
    Ok(())
}

/// What a sweep records of its model: name, base parameters (TOML) and
/// the base seed from which run seeds derive.
pub struct SweepBase {
    pub model: &'static str,
    pub text: String,
    pub seed: u64,
}

/// A model as a sweep sees it: its validated design points, its
/// end-of-run metrics and one run. Implementations resolve and validate
/// every point up front, so a bad design fails before any run.
pub trait SweepTarget: Sync {
    /// The model, its resolved base parameters and its base seed.
    fn base(&self) -> SweepBase;
    /// Names of the end-of-run metrics, in the order `run` returns them.
    fn metric_names(&self) -> Vec<String>;
    /// Runs design point `point` with `seed`: the metrics, and the per-step
    /// table when `keep_ticks`.
    fn run(
        &self,
        point: usize,
        seed: u64,
        keep_ticks: bool,
    ) -> Result<(Vec<f64>, Option<Table>), Failure>;
}

/// The silent-rivalry model in a sweep. Every point is validated up
/// front, but only the design is kept: a point's scenario is built again
/// when it runs, so memory does not grow with the number of points.
pub struct SilentRivalrySweep {
    base: Scenario,
    builder: kyoso_core::ScenarioBuilder,
    design: Design,
    metrics: Vec<String>,
}

impl SilentRivalrySweep {
    /// Layers every design point on the base scenario and validates it.
    pub fn new(base: &Scenario, design: &Design) -> Result<SilentRivalrySweep, Failure> {
        let builder = kyoso_core::ScenarioBuilder::new()
            .file("base scenario", &base.to_toml())
            .map_err(Failure::input)?;
        let mut sweep = SilentRivalrySweep {
            base: base.clone(),
            builder,
            design: design.clone(),
            metrics: Vec::new(),
        };
        let bar = validation_bar(design.points.len());
        for p in 0..design.points.len() {
            sweep.point(p)?;
            if p % 256 == 0 {
                bar.set_position(p as u64);
            }
        }
        bar.finish_and_clear();
        // Metric names from a one-tick probe, so they always match the runs.
        let mut probe = sweep.point(0)?;
        probe.run.ticks = 1;
        let out = run_scenario(&probe, |_, _| {}, || false)
            .map_err(Failure::input)?
            .expect("not cancelled");
        sweep.metrics = out.summary.metrics().into_iter().map(|(k, _)| k).collect();
        Ok(sweep)
    }

    /// The validated scenario of design point `p`.
    fn point(&self, p: usize) -> Result<Scenario, Failure> {
        let sets = self.design.assignments(p);
        let origin = format!("design point {p} ({})", self.design.origin(p));
        let fail = |e: kyoso_core::ScenarioError| {
            Failure::input(format!("{e}\n  ({origin}: {})", sets.join(", ")))
        };
        let mut b = self.builder.clone();
        for s in &sets {
            b = b.set_as(s, &origin).map_err(fail)?;
        }
        b.build().map_err(fail)
    }
}

/// A progress bar for validating many design points (hidden for few, or
/// when stderr is not a terminal).
pub fn validation_bar(points: usize) -> ProgressBar {
    if points < 10_000 || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(points as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} validating design points {pos}/{len} [{bar:40}] ETA {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar
}

impl SweepTarget for SilentRivalrySweep {
    fn base(&self) -> SweepBase {
        SweepBase {
            model: "silent-rivalry",
            text: self.base.to_toml(),
            seed: self.base.run.seed,
        }
    }

    fn metric_names(&self) -> Vec<String> {
        self.metrics.clone()
    }

    fn run(
        &self,
        point: usize,
        seed: u64,
        keep_ticks: bool,
    ) -> Result<(Vec<f64>, Option<Table>), Failure> {
        let mut s = self.point(point)?;
        s.run.seed = seed;
        let out = run_scenario(&s, |_, _| {}, || false)
            .map_err(Failure::input)?
            .expect("never cancelled");
        let ticks = keep_ticks.then(|| kyoso_io::tables::ticks(&out));
        Ok((
            out.summary.metrics().into_iter().map(|(_, v)| v).collect(),
            ticks,
        ))
    }
}

fn run_one(
    target: &dyn SweepTarget,
    run: u64,
    point: u64,
    rep: u32,
    seed: u64,
    ticks_dir: Option<&PathBuf>,
) -> Result<Done, Failure> {
    let (metrics, ticks) = target.run(point as usize, seed, ticks_dir.is_some())?;
    if let (Some(dir), Some(ticks)) = (ticks_dir, ticks) {
        kyoso_io::sweep::write_ticks_part(dir, run, &with_run_columns(ticks, run, point, rep))
            .map_err(sweep_failure)?;
    }
    Ok(Done {
        record: RunRecord::new(run, point, rep, seed, &metrics),
    })
}

/// A run's per-step table with run, point and rep columns in front.
fn with_run_columns(ticks: Table, run: u64, point: u64, rep: u32) -> Table {
    use kyoso_io::table::Values;
    let n = ticks.rows();
    let mut t = Table::new("ticks")
        .column(
            "run",
            "id",
            "run id (see runs.parquet)",
            Values::U64(vec![run; n]),
        )
        .column("point", "id", "design point", Values::U64(vec![point; n]))
        .column("rep", "index", "replication", Values::U32(vec![rep; n]));
    t.columns.extend(ticks.columns);
    t
}
