//! `kyoso`: the command line. Thin glue over kyoso-core (the model) and
//! kyoso-io (the outputs). Exit status: 0 success, 1 runtime failure,
//! 2 bad input or usage, 130 interrupted.

mod classic;
mod experiment;
mod explore;
mod interrupt;
mod output;
mod report;
mod run;
mod serve;
mod sweep;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// kyoso: a fast, reproducible simulator of coopetition (silent rivalry among firms abroad).
#[derive(Debug, Parser)]
#[command(name = "kyoso", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the silent-rivalry market model and write its outputs to a new folder.
    Run(RunArgs),
    /// Work with scenarios.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// List the region presets.
    Presets,
    /// Sweep parameters with replications: runs.parquet, summary.csv (95 % CIs), manifest.json.
    Sweep(sweep::SweepArgs),
    /// Merge the shard folders of one sweep into one sweep folder.
    Merge(sweep::MergeArgs),
    /// Write a self-contained HTML report (report.html, figures/) of a run or sweep folder.
    Report(report::ReportArgs),
    /// The article's claims as experiments with computed verdicts.
    #[command(subcommand)]
    Experiment(experiment::ExperimentCommand),
    /// Explore a model: experimental designs and sensitivity indices.
    #[command(subcommand)]
    Explore(explore::ExploreCommand),
    /// List the iterated prisoner's dilemma strategies.
    Strategies(classic::StrategiesArgs),
    /// Play one iterated prisoner's dilemma match.
    Match(classic::MatchArgs),
    /// Play a round-robin tournament (with self-play) and rank the players as the axelrod library does.
    Tournament(classic::TournamentArgs),
    /// Run a Moran process of prisoner's dilemma strategies.
    Moran(classic::MoranArgs),
    /// Run the spatial prisoner's dilemma of Nowak and May (1992).
    SpatialPd(classic::SpatialPdArgs),
    /// Run the evolution of ethnocentrism of Hammond and Axelrod (2006).
    Ethnocentrism(classic::EthnocentrismArgs),
    /// Watch and steer simulations live in the browser (a local web server).
    Serve(serve::ServeArgs),
}

#[derive(Debug, Subcommand)]
enum ScenarioCommand {
    /// Print the fully resolved scenario as TOML, every parameter with its value.
    Show(ScenarioArgs),
}

/// Where the scenario comes from; layered default → preset → file → --set.
#[derive(Debug, Clone, Args)]
pub struct ScenarioArgs {
    /// Region preset layered over the default (see `kyoso presets`).
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// Scenario file (TOML) layered over the default and the preset.
    #[arg(long, value_name = "FILE.toml")]
    pub scenario: Option<PathBuf>,
    /// Override one parameter, e.g. --set encounters.detect=0.5 (repeatable).
    #[arg(long = "set", value_name = "dotted.key=value")]
    pub set: Vec<String>,
    /// Schedule a change or a wave of entrants (repeatable): --at 60:encounters.detect=0.9
    /// changes a parameter from month 60 on; --at 36:enter.JP=10 brings 10 JP entrants at month 36.
    #[arg(long = "at", value_name = "TICK:key=value")]
    pub at: Vec<String>,
    /// Seed of every random stream (overrides run.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of ticks (months) to simulate (overrides run.ticks).
    #[arg(long)]
    pub ticks: Option<u32>,
}

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    #[command(flatten)]
    output: crate::output::OutputArgs,
    /// Also write firm_ticks.parquet: one row per firm in the market and month
    /// (strategy, share, capability, cash, profit, R&D, partners, trust, intel).
    #[arg(long)]
    firm_ticks: bool,
    /// With --firm-ticks, record every K-th month only (months 0, K, 2K, …).
    #[arg(long, value_name = "K", requires = "firm_ticks", value_parser = clap::value_parser!(u32).range(1..))]
    firm_ticks_every: Option<u32>,
    /// No progress bar and no summary; print only the output folder.
    #[arg(long, short)]
    quiet: bool,
}

/// An error with its exit status.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// Bad input or usage: exit status 2.
    pub fn input(message: impl std::fmt::Display) -> Failure {
        Failure {
            code: 2,
            message: message.to_string(),
        }
    }

    /// An output error: 2 if the target may not be written, else 1.
    pub fn output(e: kyoso_io::OutputError) -> Failure {
        if e.is_input() {
            Failure::input(e)
        } else {
            Failure::runtime(e)
        }
    }

    /// Runtime failure: exit status 1.
    pub fn runtime(message: impl std::fmt::Display) -> Failure {
        Failure {
            code: 1,
            message: message.to_string(),
        }
    }
}

impl From<kyoso_engine::EngineError> for Failure {
    fn from(e: kyoso_engine::EngineError) -> Failure {
        Failure {
            code: e.exit_code(),
            message: e.to_string(),
        }
    }
}

impl ScenarioArgs {
    /// The engine's view of these flags (the scenario file is read here).
    pub fn inputs(&self) -> Result<kyoso_engine::ScenarioInputs, Failure> {
        let file = match &self.scenario {
            Some(path) => Some(kyoso_engine::ScenarioFile::read(path)?),
            None => None,
        };
        Ok(kyoso_engine::ScenarioInputs {
            preset: self.preset.clone(),
            file,
            sets: self.set.clone(),
            at: self.at.clone(),
            seed: self.seed,
            ticks: self.ticks,
        })
    }

    /// Resolves the scenario; also returns a one-line description of its source.
    pub fn resolve(&self) -> Result<(kyoso_core::Scenario, String), Failure> {
        Ok(self.inputs()?.resolve()?)
    }
}

fn presets() {
    for p in kyoso_core::scenario::PRESETS {
        println!("{:<16} {}", p.name, p.summary);
    }
    println!("\nPresets are illustrative, not calibrated to data. Use: kyoso run --preset NAME");
}

fn try_main(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Scenario(ScenarioCommand::Show(args)) => {
            let (scenario, source) = args.resolve()?;
            print!(
                "# kyoso {} — resolved scenario ({source})\n# Edit and pass back with: kyoso run --scenario FILE.toml\n\n{}",
                kyoso_core::VERSION,
                scenario.to_toml()
            );
            Ok(())
        }
        Command::Sweep(args) => sweep::sweep(&args),
        Command::Merge(args) => sweep::merge(&args),
        Command::Experiment(command) => experiment::run(&command),
        Command::Report(args) => report::report(&args),
        Command::Explore(command) => explore::run(&command),
        Command::Presets => {
            presets();
            Ok(())
        }
        Command::Strategies(args) => classic::strategies(&args),
        Command::Match(args) => classic::play_match(&args),
        Command::Tournament(args) => classic::tournament(&args),
        Command::Moran(args) => classic::moran(&args),
        Command::SpatialPd(args) => classic::spatial_pd(&args),
        Command::Ethnocentrism(args) => classic::ethnocentrism(&args),
        Command::Serve(args) => serve::serve(&args),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The live view handles its own signals (tokio).
    if !matches!(cli.command, Command::Serve(_)) {
        interrupt::install();
    }
    match try_main(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        // clap's own checks (unique names, valid defaults) on every subcommand.
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
