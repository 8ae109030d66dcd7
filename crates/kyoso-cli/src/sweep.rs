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
}

impl SweepModel {
    fn name(self) -> &'static str {
        match self {
            SweepModel::SilentRivalry => "silent-rivalry",
        }
    }
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The model to sweep.
    #[arg(value_enum)]
    model: SweepModel,
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Vary a parameter: key=v1,v2,v3 or key=start:stop:count (repeatable; full grid).
    #[arg(long, value_name = "key=values")]
    vary: Vec<String>,
    /// Design points from a CSV file: a header of parameter keys, one point per row.
    #[arg(long, value_name = "FILE.csv")]
    design: Option<PathBuf>,
    /// Replications of every design point.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    reps: u32,
    /// Parallel runs (default: the number of CPUs).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,
    /// Run only shard I of N (1-based), e.g. for a batch-system job array.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Continue an interrupted sweep in --out.
    #[arg(long)]
    resume: bool,
    /// Also keep every run's per-tick metrics (ticks.parquet).
    #[arg(long)]
    keep_ticks: bool,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// No progress bar; print only the output folder at the end.
    #[arg(long, short)]
    quiet: bool,
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
        SweepError::Output(o) => Failure::runtime(o),
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
    let (base, _source) = args.scenario.resolve()?;
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
    let shard = match &args.shard {
        Some(s) => Shard::parse(s).map_err(Failure::input)?,
        None => Shard::ALL,
    };
    let base_toml = base.to_toml();
    let mut scenarios: Vec<Scenario> = Vec::with_capacity(design.points.len());
    for p in 0..design.points.len() {
        let mut b = kyoso_core::ScenarioBuilder::new()
            .file("base scenario", &base_toml)
            .map_err(Failure::input)?;
        let sets = design.assignments(p);
        for s in &sets {
            b = b.set(s).map_err(|e| {
                Failure::input(format!("design point {p} ({}): {e}", sets.join(", ")))
            })?;
        }
        let s = b
            .build()
            .map_err(|e| Failure::input(format!("design point {p} ({}): {e}", sets.join(", "))))?;
        scenarios.push(s);
    }
    let metrics = metric_names(&scenarios[0]);
    let spec = SweepSpec::new(
        args.model.name(),
        base_toml,
        base.run.seed,
        args.reps,
        &design,
        metrics,
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

    let reps = args.reps as u64;
    let base_seed = base.run.seed;
    let keep_ticks = args.keep_ticks;
    let next = AtomicUsize::new(0);
    // Bounded: workers wait for the journal rather than pile up results in memory.
    let (tx, rx) = mpsc::sync_channel::<Result<Done, Failure>>(256);
    let done_before = dir.done().clone();
    let total_runs = spec.total_runs();
    let result = std::thread::scope(|scope| {
        for _ in 0..jobs.min(to_run.max(1)) {
            let tx = tx.clone();
            let (next, done_before, scenarios, dir_path) =
                (&next, &done_before, &scenarios, dir.path().to_path_buf());
            scope.spawn(move || {
                loop {
                    // The k-th run of the shard: runs r with r % N == I - 1.
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
                    let mut s = scenarios[point as usize].clone();
                    s.run.seed = seed;
                    let done = run_one(
                        &s,
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
    let done = dir.completed();
    let out = dir.path().to_path_buf();
    let manifest = dir.finalize().map_err(sweep_failure)?;
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

/// The end-of-run metric names of a scenario (from a one-tick probe run,
/// so the names always match what the runs report).
fn metric_names(s: &Scenario) -> Vec<String> {
    let mut probe = s.clone();
    probe.run.ticks = 1;
    let out = run_scenario(&probe, |_, _| {}, || false)
        .expect("validated")
        .expect("not cancelled");
    out.summary.metrics().into_iter().map(|(k, _)| k).collect()
}

fn run_one(
    s: &Scenario,
    run: u64,
    point: u64,
    rep: u32,
    seed: u64,
    ticks_dir: Option<&PathBuf>,
) -> Result<Done, Failure> {
    let out = run_scenario(s, |_, _| {}, || false)
        .map_err(Failure::input)?
        .expect("never cancelled");
    if let Some(dir) = ticks_dir {
        let table = ticks_with_run(&out, run, point, rep);
        kyoso_io::sweep::write_ticks_part(dir, run, &table).map_err(sweep_failure)?;
    }
    let metrics = out.summary.metrics().into_iter().map(|(_, v)| v).collect();
    Ok(Done {
        record: RunRecord {
            run,
            point,
            rep,
            seed,
            metrics,
        },
    })
}

/// The run's ticks table with run, point and rep columns in front.
fn ticks_with_run(
    out: &kyoso_core::silent_rivalry::RunOutput,
    run: u64,
    point: u64,
    rep: u32,
) -> Table {
    use kyoso_io::table::Values;
    let ticks = kyoso_io::tables::ticks(out);
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
