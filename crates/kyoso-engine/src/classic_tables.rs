//! The classic models' output tables (kyoso-io [`Table`]s: columns with
//! unit and meaning), shared by the command line, which writes them, and
//! the Python package, which hands them to pyarrow.

use kyoso_classic::ethnocentrism::{EthnoStrategy, PeriodStats};
use kyoso_classic::ipd::ecological::Ecology;
use kyoso_classic::ipd::{MoranResult, TournamentResult};
use kyoso_io::table::{Table, Values};

pub fn matches_table(r: &TournamentResult) -> Table {
    let name = |i: usize| r.players[i].name().to_string();
    let m = &r.matches;
    Table::new("matches")
        .column(
            "repetition",
            "count",
            "repetition of the round robin, from 0",
            Values::U32(m.iter().map(|x| x.repetition).collect()),
        )
        .column(
            "player_a",
            "strategy",
            "first player",
            Values::Str(m.iter().map(|x| name(x.player_a)).collect()),
        )
        .column(
            "player_b",
            "strategy",
            "second player",
            Values::Str(m.iter().map(|x| name(x.player_b)).collect()),
        )
        .column(
            "index_a",
            "index",
            "first player's position in the player list",
            Values::U32(m.iter().map(|x| x.player_a as u32).collect()),
        )
        .column(
            "index_b",
            "index",
            "second player's position in the player list",
            Values::U32(m.iter().map(|x| x.player_b as u32).collect()),
        )
        .column(
            "turns",
            "turns",
            "turns played",
            Values::U32(m.iter().map(|x| x.turns).collect()),
        )
        .column(
            "score_a",
            "payoff",
            "first player's total score",
            Values::F64(m.iter().map(|x| x.score_a).collect()),
        )
        .column(
            "score_b",
            "payoff",
            "second player's total score",
            Values::F64(m.iter().map(|x| x.score_b).collect()),
        )
        .column(
            "cooperations_a",
            "count",
            "first player's cooperations",
            Values::U32(m.iter().map(|x| x.cooperations_a).collect()),
        )
        .column(
            "cooperations_b",
            "count",
            "second player's cooperations",
            Values::U32(m.iter().map(|x| x.cooperations_b).collect()),
        )
}

pub fn ranking_table(r: &TournamentResult) -> Table {
    let order = &r.ranking;
    Table::new("ranking")
        .column(
            "rank",
            "rank",
            "1 = best median normalised score",
            Values::U32((1..=order.len() as u32).collect()),
        )
        .column(
            "player",
            "strategy",
            "strategy name",
            Values::Str(
                order
                    .iter()
                    .map(|&i| r.players[i].name().to_string())
                    .collect(),
            ),
        )
        .column(
            "index",
            "index",
            "position in the player list",
            Values::U32(order.iter().map(|&i| i as u32).collect()),
        )
        .column(
            "median_score",
            "payoff per turn",
            "median over repetitions of the mean score per turn against the other players",
            Values::F64(order.iter().map(|&i| r.median_score(i)).collect()),
        )
        .column(
            "mean_score",
            "payoff per turn",
            "mean over repetitions of the same",
            Values::F64(order.iter().map(|&i| r.mean_score(i)).collect()),
        )
        .column(
            "cooperation_rate",
            "share",
            "cooperations over turns against the other players",
            Values::F64(order.iter().map(|&i| r.cooperation_rate[i]).collect()),
        )
        .column(
            "wins",
            "count",
            "matches won against the other players, all repetitions",
            Values::U32(order.iter().map(|&i| r.wins[i]).collect()),
        )
}

/// tournament's payoff_matrix: each player's mean score per turn against each opponent.
pub fn payoff_table(r: &TournamentResult) -> Table {
    Table::new("payoff_matrix")
        .column(
            "player",
            "strategy",
            "row player",
            Values::Str(
                r.players
                    .iter()
                    .flat_map(|p| r.players.iter().map(move |_| p.name().to_string()))
                    .collect(),
            ),
        )
        .column(
            "opponent",
            "strategy",
            "column player",
            Values::Str(
                r.players
                    .iter()
                    .flat_map(|_| r.players.iter().map(|q| q.name().to_string()))
                    .collect(),
            ),
        )
        .column(
            "mean_score",
            "payoff per turn",
            "mean over repetitions of the player's score per turn",
            Values::F64(r.payoff_matrix.iter().flatten().copied().collect()),
        )
        .column(
            "sd_score",
            "payoff per turn",
            "standard deviation over repetitions",
            Values::F64(r.payoff_stddevs.iter().flatten().copied().collect()),
        )
}

/// tournament --ecological's ecology table: each strategy's population share by generation.
pub fn ecology_table(r: &TournamentResult, eco: &Ecology) -> Table {
    let n = r.players.len();
    Table::new("ecology")
        .column(
            "generation",
            "count",
            "generation, 0 = equal shares",
            Values::U32(
                (0..eco.shares.len() as u32)
                    .flat_map(|g| std::iter::repeat_n(g, n))
                    .collect(),
            ),
        )
        .column(
            "player",
            "strategy",
            "strategy",
            Values::Str(
                eco.shares
                    .iter()
                    .flat_map(|_| r.players.iter().map(|p| p.name().to_string()))
                    .collect(),
            ),
        )
        .column(
            "share",
            "share",
            "share of the population",
            Values::F64(eco.shares.iter().flatten().copied().collect()),
        )
}

/// moran's populations table: each strategy's count by step.
pub fn populations_table(r: &MoranResult) -> Table {
    let k = r.strategies.len();
    Table::new("populations")
        .column(
            "step",
            "count",
            "step of the process, 0 = initial population",
            Values::U32(
                (0..r.counts.len() as u32)
                    .flat_map(|s| std::iter::repeat_n(s, k))
                    .collect(),
            ),
        )
        .column(
            "strategy",
            "strategy",
            "strategy",
            Values::Str(
                r.counts
                    .iter()
                    .flat_map(|_| r.strategies.iter().map(|s| s.name().to_string()))
                    .collect(),
            ),
        )
        .column(
            "count",
            "individuals",
            "individuals playing the strategy",
            Values::U32(r.counts.iter().flatten().copied().collect()),
        )
}

/// spatial-pd's steps table: the cooperator fraction after each step.
pub fn steps_table(series: &[f64]) -> Table {
    let steps = series.len() as u64;
    Table::new("steps")
        .column(
            "step",
            "count",
            "step, from 1",
            Values::U64((1..=steps).collect()),
        )
        .column(
            "cooperator_fraction",
            "share",
            "share of cells playing C after the step",
            Values::F64(series.to_vec()),
        )
}

/// ethnocentrism's periods table: strategy shares and cooperation by period.
pub fn periods_table(stats: &[PeriodStats]) -> Table {
    let share = |s: EthnoStrategy| Values::F64(stats.iter().map(|p| p.share(s)).collect());
    Table::new("periods")
        .column(
            "period",
            "count",
            "period, from 1",
            Values::U32(stats.iter().map(|p| p.period).collect()),
        )
        .column(
            "agents",
            "agents",
            "agents alive after the period",
            Values::U32(stats.iter().map(|p| p.agents).collect()),
        )
        .column(
            "ethnocentric",
            "share",
            "share of agents cooperating with their own colour only",
            share(EthnoStrategy::Ethnocentric),
        )
        .column(
            "altruist",
            "share",
            "share of agents cooperating with everyone",
            share(EthnoStrategy::Altruist),
        )
        .column(
            "cosmopolitan",
            "share",
            "share of agents cooperating with other colours only",
            share(EthnoStrategy::Cosmopolitan),
        )
        .column(
            "egoist",
            "share",
            "share of agents cooperating with nobody",
            share(EthnoStrategy::Egoist),
        )
        .column(
            "cooperation_rate",
            "share",
            "share of all neighbour meetings in which help was given",
            Values::F64(stats.iter().map(|p| p.cooperation_rate()).collect()),
        )
        .column(
            "in_group_cooperation",
            "share",
            "same, between neighbours of the same colour",
            Values::F64(stats.iter().map(|p| p.in_group_cooperation()).collect()),
        )
        .column(
            "out_group_cooperation",
            "share",
            "same, between neighbours of different colours",
            Values::F64(stats.iter().map(|p| p.out_group_cooperation()).collect()),
        )
}
