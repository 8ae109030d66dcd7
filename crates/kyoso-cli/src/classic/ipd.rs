//! `kyoso strategies`, `kyoso match`, `kyoso tournament`, `kyoso moran`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use kyoso_classic::ipd::ecological::ecosystem;
use kyoso_classic::ipd::{Game, Match, Moran, Strategy, Tournament};
use serde::Serialize;

use crate::Failure;
use crate::output::{Output, Provenance};

fn parse_strategy(s: &str) -> Result<Strategy, String> {
    Strategy::from_name(s.trim()).map_err(|e| e.to_string())
}

fn parse_game(s: &str) -> Result<Game, String> {
    let parts: Vec<f64> = s
        .split(',')
        .map(|x| {
            x.trim()
                .parse::<f64>()
                .map_err(|_| format!("`{x}` is not a number; expected R,S,T,P such as 3,0,5,1"))
        })
        .collect::<Result<_, _>>()?;
    let [r, s, t, p] = parts[..] else {
        return Err(format!(
            "expected four payoffs R,S,T,P (such as 3,0,5,1), got {}",
            parts.len()
        ));
    };
    Game::new(r, s, t, p).map_err(|e| e.to_string())
}

fn parse_probability(s: &str) -> Result<f64, String> {
    let p: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("{p} is not a probability in [0, 1]"))
    }
}

fn parse_prob_end(s: &str) -> Result<f64, String> {
    let p = parse_probability(s)?;
    if p > 0.0 {
        Ok(p)
    } else {
        Err("must be above 0 (leave --prob-end out for a fixed length)".into())
    }
}

/// How each match is played; shared by match, tournament and moran.
#[derive(Debug, Clone, Args)]
pub struct MatchSettings {
    /// Turns per match (with --prob-end: the most turns a match can last).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    turns: u32,
    /// Payoffs R,S,T,P with T > R > P > S.
    #[arg(long, value_name = "R,S,T,P", default_value = "3,0,5,1", value_parser = parse_game)]
    game: Game,
    /// Probability that each move is flipped.
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = parse_probability)]
    noise: f64,
    /// Probability that a match ends after each turn (players are then not told the length).
    #[arg(long, value_name = "P", value_parser = parse_prob_end)]
    prob_end: Option<f64>,
}

impl MatchSettings {
    fn settings(&self) -> Match {
        Match {
            game: self.game,
            turns: self.turns,
            noise: self.noise,
            prob_end: self.prob_end,
        }
    }
}

#[derive(Debug, Args)]
pub struct StrategiesArgs {
    /// Print one JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn strategies(args: &StrategiesArgs) -> Result<(), Failure> {
    let infos: Vec<_> = Strategy::ALL.iter().map(|s| s.info()).collect();
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&infos).map_err(Failure::runtime)?
        );
        return Ok(());
    }
    let width = infos.iter().map(|i| i.name.len()).max().unwrap_or(0);
    for i in infos {
        let kind = if i.stochastic {
            "stochastic"
        } else {
            "deterministic"
        };
        println!("{:<width$}  {kind:<13}  {}", i.name, i.rule);
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct MatchArgs {
    /// First player's strategy (see `kyoso strategies`).
    #[arg(value_parser = parse_strategy)]
    a: Strategy,
    /// Second player's strategy.
    #[arg(value_parser = parse_strategy)]
    b: Strategy,
    #[command(flatten)]
    settings: MatchSettings,
    /// Seed of the match's random streams.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print one JSON object: moves_a, moves_b (strings of C and D), score_a, score_b.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct MatchJson<'a> {
    a: &'a str,
    b: &'a str,
    turns: usize,
    moves_a: String,
    moves_b: String,
    score_a: f64,
    score_b: f64,
    seed: u64,
}

pub fn play_match(args: &MatchArgs) -> Result<(), Failure> {
    let m = args.settings.settings();
    m.validate().map_err(Failure::input)?;
    let r = m.play(args.a, args.b, args.seed);
    let out = MatchJson {
        a: args.a.name(),
        b: args.b.name(),
        turns: r.turns(),
        moves_a: r.moves_a_string(),
        moves_b: r.moves_b_string(),
        score_a: r.score_a,
        score_b: r.score_b,
        seed: args.seed,
    };
    if args.json {
        println!("{}", serde_json::to_string(&out).map_err(Failure::runtime)?);
    } else {
        let width = out.a.len().max(out.b.len());
        println!("{:<width$}  {}  score {}", out.a, out.moves_a, out.score_a);
        println!("{:<width$}  {}  score {}", out.b, out.moves_b, out.score_b);
        println!("{} turns", out.turns);
    }
    Ok(())
}

/// Named lists of players.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Preset {
    /// The axelrod library's demo strategies: cooperator, defector, tit-for-tat, grudger, random.
    Classic,
    /// The fifteen entrants of Axelrod's first tournament (1980).
    AxelrodFirst,
}

#[derive(Debug, Args)]
pub struct TournamentArgs {
    /// Players, comma-separated strategy names.
    #[arg(long, value_delimiter = ',', value_parser = parse_strategy, conflicts_with = "preset", required_unless_present = "preset")]
    players: Vec<Strategy>,
    /// A named list of players instead of --players.
    #[arg(long, value_enum)]
    preset: Option<Preset>,
    #[command(flatten)]
    settings: MatchSettings,
    /// Times each match is played.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    repetitions: u32,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Also run the ecological variant on the tournament's payoffs.
    #[arg(long)]
    ecological: bool,
    /// Generations of the ecological variant.
    #[arg(long, default_value_t = 1000, requires = "ecological")]
    generations: u32,
    #[command(flatten)]
    output: crate::output::OutputArgs,
}

#[derive(Serialize)]
struct TournamentSettings<'a> {
    players: Vec<&'static str>,
    #[serde(flatten)]
    settings: &'a Match,
    repetitions: u32,
}

#[derive(Serialize)]
struct TournamentHeadline {
    ranking: Vec<&'static str>,
    median_score: Vec<f64>,
}

pub fn tournament(args: &TournamentArgs) -> Result<(), Failure> {
    let players: Vec<Strategy> = match args.preset {
        Some(Preset::Classic) => Strategy::CLASSIC.to_vec(),
        Some(Preset::AxelrodFirst) => Strategy::AXELROD_FIRST.to_vec(),
        None => args.players.clone(),
    };
    let t = Tournament {
        players,
        settings: args.settings.settings(),
        repetitions: args.repetitions,
        seed: args.seed,
    };
    t.validate().map_err(Failure::input)?;
    let label = match args.preset {
        Some(Preset::Classic) => "tournament-classic",
        Some(Preset::AxelrodFirst) => "tournament-axelrod-first",
        None => "tournament",
    };
    let out = Output::start_run(
        args.output.out.as_deref(),
        label,
        args.seed,
        args.output.force,
    )?;
    let r = t.play().map_err(Failure::input)?;

    println!(
        "rank  {:<32} {:>8} {:>8} {:>8} {:>6}",
        "player", "median", "mean", "coop", "wins"
    );
    for (k, &i) in r.ranking.iter().enumerate() {
        println!(
            "{:>4}  {:<32} {:>8.4} {:>8.4} {:>8.3} {:>6}",
            k + 1,
            r.players[i].name(),
            r.median_score(i),
            r.mean_score(i),
            r.cooperation_rate[i],
            r.wins[i]
        );
    }
    out.table(
        &kyoso_engine::classic_tables::matches_table(&r),
        args.output.csv,
    )?;
    let ranking = kyoso_engine::classic_tables::ranking_table(&r);
    out.csv(&ranking)?;
    let payoff = kyoso_engine::classic_tables::payoff_table(&r);
    out.table(&payoff, args.output.csv)?;
    if args.ecological {
        let eco = ecosystem(&r, args.generations, None, args.seed).map_err(Failure::input)?;
        let n = r.players.len();
        let table = kyoso_engine::classic_tables::ecology_table(&r, &eco);
        out.table(&table, args.output.csv)?;
        let last = eco.shares.last().expect("initial shares");
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| last[b].total_cmp(&last[a]));
        println!(
            "\necological variant, {} generations — final shares:",
            args.generations
        );
        for i in order.into_iter().filter(|&i| last[i] >= 0.0005) {
            println!("  {:<32} {:.4}", r.players[i].name(), last[i]);
        }
    }
    let settings = TournamentSettings {
        players: t.players.iter().map(|p| p.name()).collect(),
        settings: &t.settings,
        repetitions: t.repetitions,
    };
    let headline = TournamentHeadline {
        ranking: r.ranking.iter().map(|&i| r.players[i].name()).collect(),
        median_score: r.ranking.iter().map(|&i| r.median_score(i)).collect(),
    };
    out.json(
        "summary.json",
        &Provenance {
            kyoso_version: kyoso_core::VERSION,
            model: "ipd-tournament",
            seed: args.seed,
            settings: &settings,
            headline: &headline,
        },
    )?;
    let dir = out.commit()?;
    println!("\noutputs: {}", dir.display());
    Ok(())
}

/// One entry of --population: `name` or `name=count`.
fn parse_population_entry(s: &str) -> Result<(Strategy, u32), String> {
    let (name, count) = match s.split_once('=') {
        Some((n, c)) => (
            n,
            c.trim()
                .parse::<u32>()
                .map_err(|_| format!("`{c}` is not a count"))?,
        ),
        None => (s, 1),
    };
    Ok((parse_strategy(name)?, count))
}

#[derive(Debug, Args)]
pub struct MoranArgs {
    /// Initial population: comma-separated `strategy` or `strategy=count`, e.g. tit-for-tat=5,defector=5.
    #[arg(long, required = true, value_delimiter = ',', value_parser = parse_population_entry)]
    population: Vec<(Strategy, u32)>,
    #[command(flatten)]
    settings: MatchSettings,
    /// Probability that an offspring is another strategy of the initial population.
    #[arg(long, default_value_t = 0.0, value_parser = parse_probability)]
    mutation_rate: f64,
    /// Most steps to run (the only stop when --mutation-rate > 0).
    #[arg(long, default_value_t = 10_000)]
    max_steps: u64,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print one JSON summary object.
    #[arg(long)]
    json: bool,
    /// Also write populations.parquet to this folder.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    #[arg(long)]
    force: bool,
}

#[derive(Serialize)]
struct MoranJson {
    steps: usize,
    fixated: Option<&'static str>,
    strategies: Vec<&'static str>,
    final_counts: Vec<u32>,
}

pub fn moran(args: &MoranArgs) -> Result<(), Failure> {
    let population: Vec<Strategy> = args
        .population
        .iter()
        .flat_map(|&(s, n)| std::iter::repeat_n(s, n as usize))
        .collect();
    let m = Moran {
        population,
        settings: args.settings.settings(),
        mutation_rate: args.mutation_rate,
        max_steps: args.max_steps,
        seed: args.seed,
    };
    m.validate().map_err(Failure::input)?;
    let out = args
        .out
        .as_ref()
        .map(|dir| Output::start(dir, args.force))
        .transpose()?;
    let r = m.run().map_err(Failure::input)?;
    let summary = MoranJson {
        steps: r.counts.len() - 1,
        fixated: r.fixated.map(|s| s.name()),
        strategies: r.strategies.iter().map(|s| s.name()).collect(),
        final_counts: r.counts.last().expect("initial counts").clone(),
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&summary).map_err(Failure::runtime)?
        );
    } else {
        match (summary.fixated, args.mutation_rate > 0.0) {
            (Some(s), false) => println!("fixation of {s} after {} steps", summary.steps),
            (Some(s), true) => println!(
                "after {} steps everyone plays {s} (mutation continues)",
                summary.steps
            ),
            (None, _) => println!("no fixation after {} steps", summary.steps),
        }
        for (s, c) in summary.strategies.iter().zip(&summary.final_counts) {
            println!("  {s:<32} {c}");
        }
    }
    if let Some(out) = out {
        let table = kyoso_engine::classic_tables::populations_table(&r);
        out.table(&table, false)?;
        out.json(
            "summary.json",
            &Provenance {
                kyoso_version: kyoso_core::VERSION,
                model: "ipd-moran",
                seed: args.seed,
                settings: &m,
                headline: &summary,
            },
        )?;
        let dir = out.commit()?;
        if !args.json {
            println!("\noutputs: {}", dir.display());
        }
    }
    Ok(())
}
