//! Unit and meaning of every end-of-run metric a sweep writes (a column
//! of `runs.parquet`, a row of `summary.csv`), by model. The patterns are
//! the reference for docs/outputs.md and docs/sweeps.md; a test checks
//! that every metric any model writes matches one.
//!
//! A pattern names its variable parts: `<strategy>` (a silent-rivalry
//! strategy), `<origin>` (an origin of the scenario), `<cause>` (friction,
//! betrayal, exit), `<class>` (same_segment, cross_segment, in_group,
//! out_group), `<cohort>` (early, late), `<k>` (a wave number from 1),
//! `<ethno>` (an ethnocentrism strategy) and `<player>` (a tournament
//! player).

use crate::silent_rivalry::Strategy;

/// One documented metric pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricPattern {
    pub pattern: &'static str,
    /// Integral values (counts) stored as float64 in runs.parquet.
    pub count: bool,
    pub unit: &'static str,
    pub meaning: &'static str,
}

const fn p(pattern: &'static str, unit: &'static str, meaning: &'static str) -> MetricPattern {
    MetricPattern {
        pattern,
        count: false,
        unit,
        meaning,
    }
}

const fn c(pattern: &'static str, unit: &'static str, meaning: &'static str) -> MetricPattern {
    MetricPattern {
        pattern,
        count: true,
        unit,
        meaning,
    }
}

/// The silent-rivalry model's end-of-run metrics (`Summary::metrics`),
/// in the order they are written. See docs/outputs.md, `summary.json`,
/// for the figures they flatten.
pub const SILENT_RIVALRY: &[MetricPattern] = &[
    c(
        "firms_ever",
        "firms",
        "firms that ever existed (initial + entrants)",
    ),
    c("firms_alive", "firms", "firms in the market at the end"),
    c("entries", "firms", "entrants over the run"),
    c("exits", "firms", "exits over the run"),
    p(
        "outside_share",
        "fraction of segment demand",
        "share held by the local outside option at the end, averaged over segments",
    ),
    c(
        "partnerships_formed",
        "partnerships",
        "partnerships formed over the run",
    ),
    c(
        "partnerships_active",
        "partnerships",
        "partnerships active at the end",
    ),
    p(
        "partnership_duration_mean",
        "months",
        "mean duration of the partnerships that ended by friction or betrayal; null when none did (C6)",
    ),
    p(
        "expectation_gap_naive_ingroup",
        "trust minus sharing rate",
        "mean over ticks of naive in-group firms' in-group expectation gap; null without any in-group belief (C1)",
    ),
    p(
        "expectation_gap_all",
        "trust minus sharing rate",
        "the same for all firms; null without any in-group belief",
    ),
    p(
        "capability_mean_initial",
        "utility units",
        "mean capability of the initial firms at entry",
    ),
    p(
        "capability_mean_final",
        "utility units",
        "mean capability of the firms alive at the end (C7)",
    ),
    p(
        "capability_max_final",
        "utility units",
        "frontier capability at the end",
    ),
    p(
        "consumer_surplus_first",
        "utility units × demand",
        "consumer surplus at tick 0",
    ),
    p(
        "consumer_surplus_last",
        "utility units × demand",
        "consumer surplus at the last tick (C7)",
    ),
    c(
        "innovations",
        "events",
        "successful innovations over the run",
    ),
    p(
        "imitation_gain",
        "utility units",
        "capability gained by imitation over the run, summed over firms",
    ),
    c(
        "betrayals_detected",
        "events",
        "detected partnership leaks over the run",
    ),
    c(
        "strategy_switches",
        "firms",
        "strategy adoptions by adaptation over the run",
    ),
    c(
        "partnerships_dissolved_<cause>",
        "partnerships",
        "partnerships ended over the run by the cause",
    ),
    p(
        "sharing_rate_<strategy>_<class>",
        "fraction of encounters",
        "sharing rate of calibrated or naive in-group firms in the class of encounters (with direct rivals, other segments, same origin, other origins); null without such an encounter (C2)",
    ),
    p(
        "entrant_share_<cohort>",
        "fraction of segment demand",
        "mean final share of the Poisson entrants still in the market that entered in the first (early) or last (late) third of the run; null for an empty cohort",
    ),
    p(
        "sharing_gap_calibrated",
        "fraction of encounters",
        "calibrated firms' in-group minus out-group sharing rate; null when either is (C2)",
    ),
    p(
        "entrant_share_gap",
        "fraction of segment demand",
        "entrant_share_early minus entrant_share_late; null when either is",
    ),
    c(
        "firms_alive_<strategy>",
        "firms",
        "firms holding the strategy at the end",
    ),
    c(
        "firms_alive_<origin>",
        "firms",
        "firms of the origin in the market at the end",
    ),
    p(
        "market_share_per_firm_<origin>",
        "ratio",
        "the origin's market share over its fraction of the alive firms: 1 when its firms hold an average firm's share; null when it has no firm left (C10)",
    ),
    p(
        "market_share_<origin>",
        "fraction of demand",
        "share of total demand held by the origin's firms at the end",
    ),
    p(
        "total_profit_<strategy>",
        "money",
        "mean lifetime profit of the firms (entrants included) that entered with the strategy; null for a strategy no firm entered with",
    ),
    p(
        "survival_<strategy>",
        "fraction of firms",
        "share of the initial firms that started with the strategy and are alive at the end; null when none started with it",
    ),
    p(
        "trust_in_opportunists",
        "trust (probability)",
        "mean trust held at the end in alive opportunists, over every pair that has met; null without such a pair (C3)",
    ),
    p(
        "trust_in_others",
        "trust (probability)",
        "the same in the other alive firms",
    ),
    p(
        "strategy_share_gain_<strategy>",
        "fraction of firms",
        "share of the alive firms holding the strategy at the end minus the share of the initial firms that started with it (C9)",
    ),
    c(
        "firm_months_<strategy>",
        "firm-months",
        "months firms spent holding the strategy",
    ),
    p(
        "profit_rate_initial_<strategy>",
        "money per firm-month",
        "the initial firms' profit per firm-month while holding the strategy (a matched cohort); null without such a month (C9)",
    ),
    p(
        "profit_rate_calibrated_minus_naive_ingroup",
        "money per firm-month",
        "profit_rate_initial_calibrated minus profit_rate_initial_naive_ingroup; null if either is (C9)",
    ),
    p(
        "profit_rate_<strategy>",
        "money per firm-month",
        "profit per firm-month of all firms while holding the strategy; null without such a month",
    ),
    p(
        "exit_hazard_initial_<strategy>",
        "exits per firm-month",
        "the initial firms' exits while holding the strategy over their months holding it; null without such a month (C9)",
    ),
    c(
        "wave_firms_<k>",
        "firms",
        "firms that entered with scheduled wave k (docs/model.md §9.1)",
    ),
    p(
        "wave_survival_<k>",
        "fraction of firms",
        "fraction of wave k alive at the end",
    ),
    p(
        "wave_share_<k>",
        "fraction of segment demand per entrant",
        "wave k's end shares summed over the firms that entered with it (an exited firm holds 0)",
    ),
    p(
        "wave_capability_<k>",
        "utility units",
        "mean capability at the end of wave k's firms still in the market; null when none is",
    ),
    p(
        "wave_share_gap",
        "fraction of segment demand per entrant",
        "wave_share of the first wave minus that of the last (C8)",
    ),
    p(
        "wave_capability_gap",
        "utility units",
        "wave_capability of the first wave minus that of the last; null when either is",
    ),
];

/// The classic models' sweep metrics.
pub const SPATIAL_PD: &[MetricPattern] = &[
    p(
        "cooperator_fraction",
        "fraction of cells",
        "cooperators' share of the lattice, mean over the last quarter of the steps",
    ),
    p(
        "cooperator_fraction_final",
        "fraction of cells",
        "cooperators' share of the lattice after the last step",
    ),
];

pub const ETHNOCENTRISM: &[MetricPattern] = &[
    p(
        "<ethno>_share",
        "fraction of agents",
        "agents of the strategy (ethnocentric, altruist, cosmopolitan, egoist), mean over the last half of the periods",
    ),
    p(
        "cooperation_rate",
        "fraction of interactions",
        "interactions in which the donor helped, mean over the last half of the periods",
    ),
    p(
        "in_group_cooperation",
        "fraction of interactions",
        "the same between agents of the same tag",
    ),
    p(
        "out_group_cooperation",
        "fraction of interactions",
        "the same between agents of different tags",
    ),
    p(
        "agents",
        "agents",
        "agents on the lattice, mean over the last half of the periods",
    ),
];

pub const TOURNAMENT: &[MetricPattern] = &[
    p(
        "median_score_<player>",
        "points per turn",
        "the player's median score per turn over repetitions",
    ),
    p(
        "cooperation_<player>",
        "fraction of moves",
        "the player's share of cooperative moves",
    ),
    p(
        "rank_<player>",
        "rank",
        "the player's rank by median score (1 = best)",
    ),
];

/// The patterns of a model (`silent-rivalry`, `spatial-pd`,
/// `ethnocentrism`, `tournament`).
pub fn patterns(model: &str) -> &'static [MetricPattern] {
    match model {
        "silent-rivalry" => SILENT_RIVALRY,
        "spatial-pd" => SPATIAL_PD,
        "ethnocentrism" => ETHNOCENTRISM,
        "tournament" => TOURNAMENT,
        _ => &[],
    }
}

/// Whether `part` can stand for the placeholder `name`.
fn fills(name: &str, part: &str) -> bool {
    if part.is_empty() {
        return false;
    }
    match name {
        "strategy" => Strategy::from_name(part).is_some(),
        "cause" => ["friction", "betrayal", "exit"].contains(&part),
        "class" => ["same_segment", "cross_segment", "in_group", "out_group"].contains(&part),
        "cohort" => ["early", "late"].contains(&part),
        "k" => part.bytes().all(|b| b.is_ascii_digit()) && !part.starts_with('0'),
        "ethno" => ["ethnocentric", "altruist", "cosmopolitan", "egoist"].contains(&part),
        // Origins and players are free names.
        _ => true,
    }
}

/// Whether `name` matches `pattern` (placeholders in angle brackets).
fn matches(pattern: &str, name: &str) -> bool {
    let Some(open) = pattern.find('<') else {
        return pattern == name;
    };
    let close = pattern[open..].find('>').expect("a closed placeholder") + open;
    let (prefix, placeholder, rest) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    let Some(tail) = name.strip_prefix(prefix) else {
        return false;
    };
    // Try every split of the tail between the placeholder and the rest.
    (1..=tail.len()).any(|cut| {
        tail.is_char_boundary(cut)
            && fills(placeholder, &tail[..cut])
            && matches(rest, &tail[cut..])
    })
}

/// The first pattern of `model` that `name` matches.
pub fn find(model: &str, name: &str) -> Option<&'static MetricPattern> {
    patterns(model).iter().find(|p| matches(p.pattern, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_find_their_pattern() {
        let f = |n: &str| find("silent-rivalry", n).map(|p| p.pattern);
        assert_eq!(f("firms_alive_calibrated"), Some("firms_alive_<strategy>"));
        assert_eq!(f("firms_alive_JP"), Some("firms_alive_<origin>"));
        assert_eq!(
            f("sharing_rate_naive_ingroup_same_segment"),
            Some("sharing_rate_<strategy>_<class>")
        );
        assert_eq!(
            f("market_share_per_firm_JP"),
            Some("market_share_per_firm_<origin>")
        );
        assert_eq!(f("market_share_LOCAL"), Some("market_share_<origin>"));
        assert_eq!(
            f("profit_rate_initial_open"),
            Some("profit_rate_initial_<strategy>")
        );
        assert_eq!(f("profit_rate_open"), Some("profit_rate_<strategy>"));
        assert_eq!(f("wave_share_12"), Some("wave_share_<k>"));
        assert_eq!(f("wave_share_gap"), Some("wave_share_gap"));
        assert_eq!(f("wave_share_0"), None);
        assert_eq!(f("no_such_metric"), None);
        assert_eq!(
            find("tournament", "rank_Tit For Tat").map(|p| p.pattern),
            Some("rank_<player>")
        );
        assert_eq!(
            find("ethnocentrism", "egoist_share").map(|p| p.pattern),
            Some("<ethno>_share")
        );
    }
}
