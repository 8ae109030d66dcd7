//! `kyoso sweep` and `kyoso merge`: parameter sweeps with replications,
//! parallel runs, durable progress, resume and sharding. The runner is
//! kyoso-engine's; this file parses the flags and draws the progress bar.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kyoso_engine::sweep::{Monitor, SweepOutcome, SweepRequest};

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

impl From<SweepModel> for kyoso_engine::sweep::SweepModel {
    fn from(m: SweepModel) -> Self {
        use kyoso_engine::sweep::SweepModel as E;
        match m {
            SweepModel::SilentRivalry => E::SilentRivalry,
            SweepModel::SpatialPd => E::SpatialPd,
            SweepModel::Ethnocentrism => E::Ethnocentrism,
            SweepModel::Tournament => E::Tournament,
        }
    }
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
    /// Also keep every run's firm-level rows (firm_ticks.parquet, with run, point and rep columns; silent rivalry only).
    #[arg(long)]
    pub(crate) firm_ticks: bool,
    /// With --firm-ticks, record every K-th month only (months 0, K, 2K, …).
    #[arg(long, value_name = "K", requires = "firm_ticks", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) firm_ticks_every: Option<u32>,
    /// Common random numbers: replication r of every design point runs with the same seed, so points can be compared pair by pair.
    #[arg(long)]
    pub(crate) common_seeds: bool,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// No progress bar; print only the output folder at the end.
    #[arg(long, short)]
    pub(crate) quiet: bool,
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

pub fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let m = kyoso_engine::sweep::merge(&args.inputs, &args.out)?;
    println!(
        "merged {} shards: {} runs of sweep {} into {}",
        args.inputs.len(),
        m.runs_total,
        m.sweep_id,
        args.out.display()
    );
    Ok(())
}

impl SweepArgs {
    /// The engine's request for these flags.
    pub fn request(&self) -> Result<SweepRequest, Failure> {
        Ok(SweepRequest {
            model: self.model.into(),
            inputs: self.scenario.inputs()?,
            vary: self.vary.clone(),
            design: self.design.clone(),
            reps: self.reps,
            jobs: self.jobs.map(|j| j as usize),
            shard: self.shard.clone(),
            resume: self.resume,
            keep_ticks: self.keep_ticks,
            firm_ticks: self.firm_ticks.then(|| self.firm_ticks_every.unwrap_or(1)),
            common_seeds: self.common_seeds,
            out: self.out.clone(),
        })
    }
}

pub fn sweep(args: &SweepArgs) -> Result<(), Failure> {
    let request = args.request()?;
    let outcome = run(&request, args.quiet)?;
    let manifest = &outcome.manifest;
    if args.quiet {
        println!("{}", outcome.out.display());
    } else {
        println!(
            "sweep {}: {} design points x {} reps = {} runs; shard {}: {} runs done",
            manifest.sweep_id,
            outcome.points,
            args.reps,
            manifest.runs_total,
            manifest.shard,
            outcome.completed
        );
        println!(
            "outputs: {} (runs.parquet, summary.csv{}, manifest.json)",
            outcome.out.display(),
            if args.keep_ticks {
                ", ticks.parquet"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// Runs a sweep with a progress bar on a terminal (none when `quiet`);
/// the first SIGINT, SIGTERM or SIGHUP stops it with the runs done kept.
pub fn run(request: &SweepRequest, quiet: bool) -> Result<SweepOutcome, Failure> {
    with_terminal(quiet, |monitor| {
        kyoso_engine::sweep::run_sweep(request, monitor)
    })
}

/// Runs engine work that sweeps with the terminal's progress bar (none
/// when `quiet`) and the process's signals as its stop request.
pub fn with_terminal<T>(
    quiet: bool,
    work: impl FnOnce(&dyn Monitor) -> Result<T, kyoso_engine::EngineError>,
) -> Result<T, Failure> {
    let _polling = crate::interrupt::Polling::start();
    let monitor = Terminal::new(quiet);
    Ok(work(&monitor)?)
}

/// Progress on stderr (validation of many points, then the runs), and
/// the process's signals as the stop request.
struct Terminal {
    shown: bool,
    validation: ProgressBar,
    runs: ProgressBar,
}

impl Terminal {
    fn new(quiet: bool) -> Terminal {
        Terminal {
            shown: !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
            validation: ProgressBar::hidden(),
            runs: ProgressBar::hidden(),
        }
    }

    /// Shows `bar` (created hidden) with `template` and length `len`.
    fn show(bar: &ProgressBar, len: u64, template: &str) {
        bar.set_style(
            ProgressStyle::with_template(template)
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_length(len);
        bar.set_draw_target(ProgressDrawTarget::stderr());
    }
}

impl Monitor for Terminal {
    fn on_validate(&self, done: usize, total: usize) {
        // Only many points take long enough to be worth a bar.
        if !self.shown || total < 10_000 {
            return;
        }
        if self.validation.is_hidden() && done < total {
            Terminal::show(
                &self.validation,
                total as u64,
                "{spinner} validating design points {pos}/{len} [{bar:40}] ETA {eta}",
            );
        }
        self.validation.set_position(done as u64);
        if done >= total {
            self.validation.finish_and_clear();
        }
    }

    fn on_start(&self, total: u64, completed: usize) {
        if !self.shown {
            return;
        }
        Terminal::show(
            &self.runs,
            total,
            "{spinner} runs {pos}/{len} [{bar:40}] {per_sec} ETA {eta}",
        );
        self.runs.set_position(completed as u64);
    }

    fn on_run_done(&self) {
        self.runs.inc(1);
    }

    fn on_end(&self) {
        self.runs.finish_and_clear();
    }

    fn should_stop(&self) -> bool {
        crate::interrupt::requested()
    }
}
