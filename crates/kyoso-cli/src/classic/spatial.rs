//! `kyoso spatial-pd`.

use clap::{Args, ValueEnum};
use kyoso_classic::spatial_pd::{
    Neighbourhood, Scoring, SpatialPd, SpatialPdConfig, Update, tail_mean,
};
use serde::Serialize;

use crate::Failure;
use crate::output::{Output, Provenance, upscale};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NeighbourhoodArg {
    Moore,
    VonNeumann,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum UpdateArg {
    Synchronous,
    Asynchronous,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScoreArg {
    Round,
    Cumulative,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SpatialPreset {
    /// Nowak and May (1992): Moore + self-interaction, synchronous, round scores, b = 1.85, 10% defectors (the default).
    NowakMay,
    /// Mesa's pd_grid example: Moore without self-interaction, cumulative scores, b = 1.6, 50% defectors.
    MesaPdGrid,
}

#[derive(Debug, Args)]
pub struct SpatialPdArgs {
    /// Starting point for the settings; explicit flags override it.
    #[arg(long, value_enum, default_value = "nowak-may")]
    preset: SpatialPreset,
    /// Side of the square torus.
    #[arg(long)]
    size: Option<usize>,
    /// Temptation payoff b (D meeting C); R = 1, S = P = 0.
    #[arg(long)]
    b: Option<f64>,
    /// Steps to run.
    #[arg(long, default_value_t = 200)]
    steps: u64,
    /// Initial share of defectors.
    #[arg(long, value_name = "FRACTION")]
    defectors: Option<f64>,
    #[arg(long, value_enum)]
    neighbourhood: Option<NeighbourhoodArg>,
    /// Whether a cell also plays against itself.
    #[arg(long, value_name = "true|false")]
    self_interaction: Option<bool>,
    #[arg(long, value_enum)]
    update: Option<UpdateArg>,
    #[arg(long, value_enum)]
    score: Option<ScoreArg>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    output: crate::output::OutputArgs,
    /// Print a JSON summary (cooperator_fraction: mean over the last quarter of the steps).
    #[arg(long)]
    json: bool,
}

impl SpatialPdArgs {
    fn config(&self) -> SpatialPdConfig {
        let mut c = match self.preset {
            SpatialPreset::NowakMay => SpatialPdConfig::default(),
            SpatialPreset::MesaPdGrid => {
                SpatialPdConfig::mesa_pd_grid(SpatialPdConfig::default().size, 0)
            }
        };
        c.seed = self.seed;
        if let Some(v) = self.size {
            c.size = v;
        }
        if let Some(v) = self.b {
            c.temptation = v;
        }
        if let Some(v) = self.defectors {
            c.defectors = v;
        }
        if let Some(v) = self.neighbourhood {
            c.neighbourhood = match v {
                NeighbourhoodArg::Moore => Neighbourhood::Moore,
                NeighbourhoodArg::VonNeumann => Neighbourhood::VonNeumann,
            };
        }
        if let Some(v) = self.self_interaction {
            c.self_interaction = v;
        }
        if let Some(v) = self.update {
            c.update = match v {
                UpdateArg::Synchronous => Update::Synchronous,
                UpdateArg::Asynchronous => Update::Asynchronous,
            };
        }
        if let Some(v) = self.score {
            c.scoring = match v {
                ScoreArg::Round => Scoring::Round,
                ScoreArg::Cumulative => Scoring::Cumulative,
            };
        }
        c
    }
}

#[derive(Serialize)]
struct SpatialSummary {
    cooperator_fraction: f64,
    cooperator_fraction_final: f64,
    steps: u64,
    size: usize,
    b: f64,
    output: Option<String>,
}

pub fn spatial_pd(args: &SpatialPdArgs) -> Result<(), Failure> {
    let config = args.config();
    if args.steps == 0 {
        return Err(Failure::input("--steps must be at least 1"));
    }
    let mut game = SpatialPd::new(config).map_err(Failure::input)?;
    let out = Output::start_run(
        args.output.out.as_deref(),
        "spatial-pd",
        args.seed,
        args.output.force,
    )?;
    let series = game.run(args.steps);
    let table = kyoso_engine::classic_tables::steps_table(&series);
    out.table(&table, args.output.csv)?;
    let colours: Vec<[u8; 3]> = game.transitions().map(|t| t.rgb()).collect();
    let scale = (512 / config.size).clamp(1, 8);
    let (side, rgb) = upscale(config.size, scale, |i| colours[i]);
    out.png("lattice.png", side, side, &rgb)?;
    let mut summary = SpatialSummary {
        cooperator_fraction: tail_mean(&series),
        cooperator_fraction_final: *series.last().expect("at least one step"),
        steps: args.steps,
        size: config.size,
        b: config.temptation,
        output: None,
    };
    out.json(
        "summary.json",
        &Provenance {
            kyoso_version: kyoso_core::VERSION,
            model: "spatial-pd",
            seed: args.seed,
            settings: &config,
            headline: &summary,
        },
    )?;
    let dir = out.commit()?;
    summary.output = Some(dir.display().to_string());
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&summary).map_err(Failure::runtime)?
        );
    } else {
        println!(
            "spatial prisoner's dilemma {0}×{0}, b = {1}, {2} steps: cooperator fraction {3:.4} (mean over the last quarter), {4:.4} at the end",
            config.size,
            config.temptation,
            args.steps,
            summary.cooperator_fraction,
            summary.cooperator_fraction_final
        );
        println!(
            "lattice.png colours: blue C→C, red D→D, yellow C→D, green D→C\noutputs: {}",
            dir.display()
        );
    }
    Ok(())
}
