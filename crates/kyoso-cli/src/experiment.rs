//! `kyoso experiment`: the article's claims as experiments. The runner
//! (sweeps, negative controls, verdicts, reports) is kyoso-engine's; this
//! file parses the flags and prints.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use kyoso_core::experiments::EXPERIMENTS;
use kyoso_engine::experiment::{ExperimentRequest, run_experiment};

use crate::Failure;

#[derive(Debug, Subcommand)]
pub enum ExperimentCommand {
    /// List the experiments: name, claims, design.
    List,
    /// Run one experiment with its negative controls: sweeps, then verdicts (verdicts.json, report.md, report.html).
    Run(RunExperimentArgs),
}

#[derive(Debug, Args)]
pub struct RunExperimentArgs {
    /// The experiment (see `kyoso experiment list`), or `all` for the whole suite.
    name: String,
    /// Replications per design point (default: the experiment's).
    #[arg(long, value_parser = clap::value_parser!(u32).range(2..))]
    reps: Option<u32>,
    /// Parallel runs (default: the number of CPUs).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,
    /// Months per run (default: the scenario's 120).
    #[arg(long)]
    ticks: Option<u32>,
    /// Base seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Override a parameter of the experiment's base scenario (repeatable).
    #[arg(long = "set", value_name = "dotted.key=value")]
    set: Vec<String>,
    /// Schedule a change or a wave of entrants in the base scenario (repeatable),
    /// e.g. --at 60:encounters.detect=0.9 or --at 36:enter.JP=10.
    #[arg(long = "at", value_name = "TICK:key=value")]
    at: Vec<String>,
    /// Output folder (default: experiments/NAME).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Continue an interrupted experiment.
    #[arg(long)]
    resume: bool,
    /// Skip the negative controls (faster; the report says they were not run).
    #[arg(long)]
    no_controls: bool,
    /// Also map each verdict at N points of a Latin hypercube over the plausible range of every parameter the experiment does not manipulate.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=100_000))]
    robustness: Option<u32>,
    /// Replications at each robustness point (default: the experiment's).
    #[arg(long, value_name = "R", value_parser = clap::value_parser!(u32).range(2..))]
    robustness_reps: Option<u32>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(command: &ExperimentCommand) -> Result<(), Failure> {
    match command {
        ExperimentCommand::List => {
            for e in EXPERIMENTS {
                let design = if !e.presets.is_empty() {
                    format!("presets {}", e.presets.join(", "))
                } else if e.vary.is_empty() {
                    "replications only".to_string()
                } else {
                    e.vary.join(" × ")
                };
                println!("{:<24} {:<8} {} reps; {design}", e.name, e.claims, e.reps);
                println!("{:<24} {}", "", e.claim);
            }
            Ok(())
        }
        ExperimentCommand::Run(args) => run_one(args),
    }
}

fn run_one(args: &RunExperimentArgs) -> Result<(), Failure> {
    if args.name == "all" {
        return run_all(args);
    }
    let e = kyoso_engine::experiment::find(&args.name)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("experiments").join(e.name));
    let request = ExperimentRequest {
        name: args.name.clone(),
        reps: args.reps,
        jobs: args.jobs.map(|j| j as usize),
        ticks: args.ticks,
        seed: args.seed,
        sets: args.set.clone(),
        at: args.at.clone(),
        out,
        resume: args.resume,
        controls: !args.no_controls,
        robustness: args.robustness.map(|n| n as usize),
        robustness_reps: args.robustness_reps,
    };
    if !args.quiet {
        eprintln!(
            "experiment {}: {} ({} reps per design point{})",
            e.name,
            e.claims,
            args.reps.unwrap_or(e.reps),
            if request.controls {
                ", with each test's negative control"
            } else {
                ""
            }
        );
    }
    let outcome =
        crate::sweep::with_terminal(args.quiet, |monitor| run_experiment(&request, monitor))?;
    print!("{}", outcome.report);
    println!(
        "\noutputs: {} (verdicts.json, report.md, report.html, sweep/{})",
        outcome.out.display(),
        if request.controls { ", control-*/" } else { "" }
    );
    Ok(())
}

/// `kyoso experiment run all`: every experiment, and the suite's summary.
fn run_all(args: &RunExperimentArgs) -> Result<(), Failure> {
    let request = ExperimentRequest {
        name: "all".into(),
        reps: args.reps,
        jobs: args.jobs.map(|j| j as usize),
        ticks: args.ticks,
        seed: args.seed,
        sets: args.set.clone(),
        at: args.at.clone(),
        out: args
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("experiments")),
        resume: args.resume,
        controls: !args.no_controls,
        robustness: args.robustness.map(|n| n as usize),
        robustness_reps: args.robustness_reps,
    };
    if !args.quiet {
        eprintln!(
            "the claims suite: {} experiments{}",
            EXPERIMENTS.len(),
            if request.controls {
                ", each test with its negative control"
            } else {
                ""
            }
        );
    }
    let outcome = crate::sweep::with_terminal(args.quiet, |monitor| {
        kyoso_engine::experiment::run_suite(&request, monitor)
    })?;
    print!("{}", outcome.report);
    println!(
        "\noutputs: {} (verdicts.json, report.md, report.html; one folder per experiment)",
        outcome.out.display()
    );
    Ok(())
}
