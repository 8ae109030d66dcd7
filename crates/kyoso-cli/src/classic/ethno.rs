//! `kyoso ethnocentrism`.

use clap::Args;
use kyoso_classic::ethnocentrism::{EthnoStrategy, Ethnocentrism, EthnocentrismConfig, summary};
use serde::Serialize;

use crate::Failure;
use crate::output::{Output, Provenance, upscale};

#[derive(Debug, Args)]
pub struct EthnocentrismArgs {
    /// Side of the square torus.
    #[arg(long, default_value_t = 50)]
    size: usize,
    /// Periods to run.
    #[arg(long, default_value_t = 2000)]
    periods: u32,
    /// Number of colours (tags).
    #[arg(long, default_value_t = 4)]
    tags: u8,
    /// Immigrants per period.
    #[arg(long, default_value_t = 1)]
    immigrants: u32,
    /// Potential to reproduce every agent starts a period with.
    #[arg(long, default_value_t = 0.12)]
    base_ptr: f64,
    /// PTR a helper gives up per act of help.
    #[arg(long, default_value_t = 0.01)]
    cost: f64,
    /// PTR a helped agent gains.
    #[arg(long, default_value_t = 0.03)]
    benefit: f64,
    /// Probability that each trait of an offspring mutates.
    #[arg(long, default_value_t = 0.005)]
    mutation: f64,
    /// Probability that an agent dies each period.
    #[arg(long, default_value_t = 0.10)]
    death: f64,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    output: crate::output::OutputArgs,
    /// Print a JSON summary (ethnocentric_share and cooperation_rate: means over the last half of the periods).
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct EthnoSummary {
    ethnocentric_share: f64,
    cooperation_rate: f64,
    periods: u32,
    final_agents: u32,
    final_shares: [(&'static str, f64); 4],
    output: Option<String>,
}

/// Tag colours of the picture (red, green, blue, yellow, then greys).
fn tag_colour(tag: u8) -> [u8; 3] {
    match tag {
        0 => [220, 40, 40],
        1 => [40, 170, 60],
        2 => [50, 90, 220],
        3 => [230, 200, 30],
        t => [(60 + 30 * t as u32 % 180) as u8; 3],
    }
}

pub fn ethnocentrism(args: &EthnocentrismArgs) -> Result<(), Failure> {
    if args.periods == 0 {
        return Err(Failure::input("--periods must be at least 1"));
    }
    let config = EthnocentrismConfig {
        size: args.size,
        tags: args.tags,
        immigrants: args.immigrants,
        base_ptr: args.base_ptr,
        cost: args.cost,
        benefit: args.benefit,
        mutation: args.mutation,
        death: args.death,
        seed: args.seed,
    };
    let mut model = Ethnocentrism::new(config).map_err(Failure::input)?;
    let out = Output::start_run(
        args.output.out.as_deref(),
        "ethnocentrism",
        args.seed,
        args.output.force,
    )?;
    let stats = model.run(args.periods);
    let table = kyoso_engine::classic_tables::periods_table(&stats);
    out.table(&table, args.output.csv)?;

    // Each cell an 8×8 block in its tag's colour; the strategy is a 4×4
    // centre mark: none = ethnocentric, white = altruist, grey = cosmopolitan, black = egoist.
    let cells: Vec<Option<(u8, EthnoStrategy)>> = model.lattice().collect();
    let scale = 8;
    let side = args.size * scale;
    let (_, mut rgb) = upscale(args.size, scale, |i| {
        cells[i].map_or([255, 255, 255], |(t, _)| tag_colour(t))
    });
    for y in 0..side {
        for x in 0..side {
            let (cy, cx) = (y % scale, x % scale);
            if !(2..6).contains(&cy) || !(2..6).contains(&cx) {
                continue;
            }
            let mark = match cells[(y / scale) * args.size + x / scale] {
                Some((_, EthnoStrategy::Altruist)) => [255, 255, 255],
                Some((_, EthnoStrategy::Cosmopolitan)) => [128, 128, 128],
                Some((_, EthnoStrategy::Egoist)) => [0, 0, 0],
                _ => continue,
            };
            let i = (y * side + x) * 3;
            rgb[i..i + 3].copy_from_slice(&mark);
        }
    }
    out.png("lattice.png", side as u32, side as u32, &rgb)?;

    let (ethnocentric_share, cooperation_rate) = summary(&stats);
    let last = stats.last().expect("at least one period");
    let mut s = EthnoSummary {
        ethnocentric_share,
        cooperation_rate,
        periods: args.periods,
        final_agents: last.agents,
        final_shares: EthnoStrategy::ALL.map(|x| (x.name(), last.share(x))),
        output: None,
    };
    out.json(
        "summary.json",
        &Provenance {
            kyoso_version: kyoso_core::VERSION,
            model: "ethnocentrism",
            seed: args.seed,
            settings: &config,
            headline: &s,
        },
    )?;
    let dir = out.commit()?;
    s.output = Some(dir.display().to_string());
    if args.json {
        println!("{}", serde_json::to_string(&s).map_err(Failure::runtime)?);
    } else {
        println!(
            "ethnocentrism {0}×{0}, {1} periods: ethnocentric share {2:.3}, cooperation rate {3:.3} (means over the last half)",
            args.size, args.periods, s.ethnocentric_share, s.cooperation_rate
        );
        let shares: Vec<String> = s
            .final_shares
            .iter()
            .map(|(n, v)| format!("{n} {v:.3}"))
            .collect();
        println!(
            "final period: {} agents; {}\noutputs: {}",
            s.final_agents,
            shares.join(", "),
            dir.display()
        );
    }
    Ok(())
}
