//! Plausible ranges of the silent-rivalry parameters, for global
//! sensitivity analysis (`--space plausible`) and robustness maps.
//!
//! The *allowed* range of a key is what [`Scenario::validate`] accepts; its
//! *plausible* range is the narrower band in which a modeller would believe
//! the model still describes a foreign market of Japanese and other firms,
//! ticking monthly. [`PLAUSIBLE`] holds one range, distribution and reason
//! per explored key; [`NOT_EXPLORED`] names every other key with the reason.
//! docs/model.md §8 shows both tables, and a test keeps them equal.
//!
//! Keys use `*` for one dotted part: an origin name in `origins.*.…`, a
//! strategy name in `trust.*.…`, any switch in `mechanisms.*`. An entry
//! without `*` that a `*` entry also matches (such as
//! `trust.naive_ingroup.in_group_prior`) overrides it for that name.
//! [`plausible_space`] expands the `*` keys for a scenario's origins and
//! strategies.

use crate::scenario::Scenario;
use crate::silent_rivalry::Strategy;
use Dist::{Integer, LogUniform, Uniform};

/// How a design samples a plausible range (the names of kyoso-explore's
/// space files: `uniform`, `log-uniform`, `integer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dist {
    /// Uniform on [low, high].
    Uniform,
    /// Uniform in log on [low, high], 0 < low: scale parameters spanning
    /// about an order of magnitude or more.
    LogUniform,
    /// The whole numbers low..=high: counts.
    Integer,
}

impl Dist {
    /// The name as docs/model.md and kyoso-explore's space files write it.
    pub fn name(self) -> &'static str {
        match self {
            Dist::Uniform => "uniform",
            Dist::LogUniform => "log-uniform",
            Dist::Integer => "integer",
        }
    }
}

/// The plausible range of one key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plausible {
    /// Dotted key, `*` standing for one origin or strategy name.
    pub key: &'static str,
    pub low: f64,
    pub high: f64,
    pub dist: Dist,
    /// Why this range, in one line.
    pub reason: &'static str,
}

const fn p(key: &'static str, low: f64, high: f64, dist: Dist, reason: &'static str) -> Plausible {
    Plausible {
        key,
        low,
        high,
        dist,
        reason,
    }
}

/// The plausible range of every explored key, in the order of the
/// parameter table of docs/model.md §8.
pub const PLAUSIBLE: &[Plausible] = &[
    p(
        "market.segments",
        2.0,
        8.0,
        Integer,
        "presets span 3–6; 1 segment makes every pair direct rivals (no cross-segment sharing, no partnerships); above 8 the default 60 firms leave fewer than 8 rivals a segment",
    ),
    p(
        "market.omega_cross",
        0.05,
        0.4,
        Uniform,
        "spec 0.2; segments are partial substitutes (0 = unrelated markets); at 0.5 or more opportunists stop sharing across segments and no partnership can form (max_overlap 0.5), so segments would no longer differ",
    ),
    p(
        "market.demand0",
        60.0,
        170.0,
        Uniform,
        "presets span 70–160; at 60 about a quarter of the firms exit, at 170 an eighth (one at a time, 4 seeds)",
    ),
    p(
        "market.demand_growth",
        0.0,
        0.012,
        Uniform,
        "presets span 0.004–0.008 a month (5–10 % a year); 0 is a stagnant market, 0.012 about 15 % a year; no shrinking markets in the article; with demand0 at 170 the demand ceiling holds up to about 18,800 ticks",
    ),
    p(
        "market.margin",
        0.3,
        0.7,
        Uniform,
        "k: gross margins of 30–70 % of revenue; at the ends a third and a tenth of the firms exit (4 seeds)",
    ),
    p(
        "market.fixed_cost",
        3.5,
        6.0,
        Uniform,
        "calibrated (§1): at 2 no firm exits in 20 seeds, at 3 none in 4; from 3.5 to 6, 1–50 % of firms exit (one at a time, 4 seeds)",
    ),
    p(
        "market.beta_quality",
        0.5,
        2.0,
        LogUniform,
        "k: mean capability rises by about 1.5 over a default run; at 0.5 quality moves share half as much (C7 fades), at 2 a lead of 0.5 multiplies attraction by e",
    ),
    p(
        "market.gamma_intel",
        0.25,
        4.0,
        LogUniform,
        "k: weight of the intel edge, a factor 4 either side of 1; the edge is pieces times rivals' shares (about 0.07 each), so it stays a small utility term",
    ),
    p(
        "market.intel_decay",
        0.05,
        0.3,
        Uniform,
        "spec 10 % a month; intel half-lives of 2–14 months: market news goes stale within a year or two",
    ),
    p(
        "market.outside_option0",
        0.5,
        2.5,
        Uniform,
        "k: against firms of q about 1, local alternatives start with about 4–23 % of a segment (10 % at 1.5)",
    ),
    p(
        "market.local_growth",
        0.0,
        0.02,
        Uniform,
        "presets span 0.006–0.015 a month; 0 = local rivals never catch up, 0.02 adds 2.4 utility over 120 months (C8)",
    ),
    p(
        "market.stickiness",
        0.6,
        0.95,
        Uniform,
        "spec 0.8: an entrant reaches half its target share in 3 months; 0.6 gives 1.4 months, 0.95 gives 13.5 months of customer switching",
    ),
    p(
        "firms.initial_cash",
        8.0,
        30.0,
        LogUniform,
        "k: 15 is about 3 months of fixed cost; 2–7 months of runway for a foreign subsidiary",
    ),
    p(
        "firms.capability_mean",
        0.5,
        1.5,
        Uniform,
        "k: only its level against the outside option (1.5) matters; below 0.5 foreign firms start far behind local alternatives",
    ),
    p(
        "firms.capability_sd",
        0.05,
        0.4,
        Uniform,
        "k: initial spread; 0.05 puts everyone neck and neck (pressure band 0.1), 0.4 gives clear leaders to imitate",
    ),
    p(
        "firms.culture_sd",
        0.05,
        0.3,
        Uniform,
        "k: same origin ≠ same culture (spec §3); origin means differ by 0.2–0.4 a coordinate, and above 0.3 the noise swamps them and clipping to [0, 1] bites",
    ),
    p(
        "horizons.long_discount",
        0.96,
        0.995,
        Uniform,
        "spec 0.98; only the gap to short_discount acts (friction per gap of 0.08); kept above short_discount's high so long stays longer",
    ),
    p(
        "horizons.long_rd_intensity",
        0.05,
        0.12,
        Uniform,
        "spec 0.08; R&D of 5–12 % of revenue, as in technology-driven firms; above short_rd_intensity's high",
    ),
    p(
        "horizons.short_discount",
        0.85,
        0.94,
        Uniform,
        "spec 0.90; horizon gaps of 0.02–0.145 around the spec's 0.08 (article: short-term gains vs long-term growth)",
    ),
    p(
        "horizons.short_rd_intensity",
        0.01,
        0.04,
        Uniform,
        "spec 0.03; R&D of 1–4 % of revenue, as in typical industrial firms; below long_rd_intensity's low",
    ),
    p(
        "trust.decay",
        0.9,
        0.995,
        Uniform,
        "spec 0.98: a memory of about 50 months; 0.9 forgets within a year, 0.995 hardly within the run (200 months)",
    ),
    p(
        "trust.*.in_group_prior",
        0.3,
        0.7,
        Uniform,
        "spec 0.5 for every strategy but naive_ingroup: an uninformed prior give or take 0.2",
    ),
    p(
        "trust.naive_ingroup.in_group_prior",
        0.7,
        0.99,
        Uniform,
        "spec 0.9: newcomers expect fellow nationals to help (C1, village culture); at 0.7 the naive expectation gap is about 0, so the range reaches the claim's edge",
    ),
    p(
        "trust.*.out_group_prior",
        0.3,
        0.7,
        Uniform,
        "spec 0.5: uninformed give or take 0.2; spans the calibrated rule's cross-segment threshold (0.44 by default) at first meetings",
    ),
    p(
        "trust.*.prior_weight",
        0.5,
        8.0,
        LogUniform,
        "spec 2 pseudo-observations: a weak prior that a few seen actions overturn; 0.5 is almost none, 8 needs months of evidence",
    ),
    p(
        "trust.naive_ingroup.prior_weight",
        4.0,
        40.0,
        LogUniform,
        "spec 10: naive firms hold their belief firmly (C1), 4–40 pseudo-observations, above the others' 2",
    ),
    p(
        "encounters.per_tick",
        1.0,
        5.0,
        Integer,
        "spec 3, about 6 contacts a firm a month; shares received pay: at 6 no firm exits (4 seeds), at 5 about 1 %, at 1 about half; 0 switches sharing off",
    ),
    p(
        "encounters.homophily",
        0.4,
        0.9,
        Uniform,
        "presets span 0.5–0.85 (tight-knit Japanese networks, article); below 0.4 there is no network, above 0.9 nobody meets outsiders",
    ),
    p(
        "encounters.benefit",
        0.25,
        0.8,
        LogUniform,
        "spec 0.5, the main income besides sales: at 1 no firm exits (4 seeds), at 0.8 about 1 %, at 0.25 half",
    ),
    p(
        "encounters.leakage",
        0.5,
        2.0,
        LogUniform,
        "k: leakage per unit overlap, a factor 2 either side of 1; with B near 0.8 and L near 0.5 calibrated firms share with trusted direct rivals (business logic, C2)",
    ),
    p(
        "encounters.share_margin",
        0.0,
        0.1,
        Uniform,
        "k: a small safety margin; negative values share at an expected loss, above 0.1 it outweighs the leakage across segments",
    ),
    p(
        "encounters.explore",
        0.01,
        0.15,
        Uniform,
        "spec 0.05: take the initiative now and then; up to one in seven declined encounters",
    ),
    p(
        "encounters.detect",
        0.1,
        0.7,
        Uniform,
        "presets span 0.2–0.5 a month; below 0.1 nothing is ever seen, above 0.7 the veneer hides little (C3)",
    ),
    p(
        "partnerships.trust_threshold",
        0.55,
        0.85,
        Uniform,
        "spec 0.7; must exceed the neutral prior 0.5 (or strangers partner at once) yet be reachable by weak priors after a few seen shares",
    ),
    p(
        "partnerships.max_partners",
        1.0,
        4.0,
        Integer,
        "spec 2; 0 switches partnerships off; more than 4 alliances at once is rare for a subsidiary abroad (judgement)",
    ),
    p(
        "partnerships.form_probability",
        0.05,
        0.5,
        LogUniform,
        "spec 0.2 a qualifying encounter: from months to weeks between mutual trust and a deal",
    ),
    p(
        "partnerships.value",
        0.5,
        2.0,
        LogUniform,
        "spec 1 a month, a fifth of the fixed cost; a factor 2 either side keeps partnering worth it but not a firm's living",
    ),
    p(
        "partnerships.culture_penalty",
        0.4,
        1.0,
        Uniform,
        "spec 0.8; with distances of 0.1–0.5 a culture gap costs 4–50 % of the value (C6)",
    ),
    p(
        "partnerships.friction_culture",
        0.01,
        0.2,
        LogUniform,
        "spec 0.05, a factor 5 either side: with the spec's hazards, typical partnerships last about 2 to 7 years (C6)",
    ),
    p(
        "partnerships.friction_horizon",
        0.01,
        0.2,
        LogUniform,
        "spec 0.05, a factor 5 either side, as friction_culture, for the horizon mismatch the article names (C6)",
    ),
    p(
        "partnerships.hazard_base",
        0.001,
        0.02,
        LogUniform,
        "spec 0.005 a month: frictionless partnerships last 4–80 years on average, 17 at the spec",
    ),
    p(
        "partnerships.hazard_friction",
        0.005,
        0.08,
        LogUniform,
        "spec 0.02 a unit of friction: with the spec's frictions, typical partnerships last about 2 to 6 years, ended by friction rather than the base hazard",
    ),
    p(
        "partnerships.leak_probability",
        0.03,
        0.3,
        LogUniform,
        "spec 0.1 a month: an opportunist partner leaks from every 3 years to every 3 months",
    ),
    p(
        "partnerships.leak_intel",
        0.5,
        2.0,
        LogUniform,
        "k: a leak is worth half to twice one shared piece of intel (1)",
    ),
    p(
        "partnerships.betrayal_penalty",
        2.0,
        10.0,
        LogUniform,
        "spec 5: a detected betrayal weighs as 2–10 seen withholdings, up to a naive firm's whole prior weight",
    ),
    p(
        "innovation.escape_pressure",
        0.25,
        2.0,
        LogUniform,
        "spec 1: neck-and-neck rivals raise R&D by 25–200 %; 0 is the escape_competition switch",
    ),
    p(
        "innovation.pressure_band",
        0.05,
        0.3,
        Uniform,
        "spec 0.1 against an initial capability spread of 0.2: from close rivals only to most of the segment",
    ),
    p(
        "innovation.success_scale",
        0.03,
        0.3,
        LogUniform,
        "spec 0.1: with R&D of about 0.5 a month, 1.5–14 % success a month, an innovation every 7 months to 6 years",
    ),
    p(
        "innovation.step",
        0.05,
        0.2,
        Uniform,
        "spec 0.1: half to twice the spec's step, against a pressure band of 0.1 and an initial spread of 0.2",
    ),
    p(
        "innovation.step_sd",
        0.1,
        0.5,
        Uniform,
        "spec 0.2; relative noise of a step, up to half its size",
    ),
    p(
        "innovation.imitation",
        0.01,
        0.05,
        Uniform,
        "presets span 0.02–0.04 a month: a laggard closes 1–5 % of its gap a month at full absorptive capacity",
    ),
    p(
        "innovation.imitation_info",
        0.003,
        0.03,
        LogUniform,
        "spec 0.01 a share received: a few shares a month add a third to a few times the base imitation",
    ),
    p(
        "innovation.absorptive_half",
        0.2,
        1.0,
        LogUniform,
        "spec 0.5 against R&D of about 0.1–1 a month: absorptive capacity A between about 0.1 and 0.8",
    ),
    p(
        "population.entry_rate",
        0.1,
        0.6,
        Uniform,
        "presets span 0.25–0.5 a month: 1–7 entrants a year against 60 firms (waiting means losing, C8)",
    ),
    p(
        "population.adapt_every",
        6.0,
        24.0,
        Integer,
        "spec 12: strategy reviews from half-yearly to every two years",
    ),
    p(
        "population.adapt_probability",
        0.05,
        0.5,
        LogUniform,
        "spec 0.2: from one firm in twenty to one in two reviewing its strategy at each round",
    ),
    p(
        "population.selection_scale",
        0.5,
        8.0,
        LogUniform,
        "k: Fermi noise in units of a round's profit, which differs by a few units between firms (judgement); 0.5 copies the better almost surely, 8 almost at random",
    ),
    p(
        "origins.*.firms",
        8.0,
        45.0,
        Integer,
        "presets span 8–45 an origin; below 8 an origin hardly forms a network, above 45 is beyond the largest preset",
    ),
    p(
        "origins.*.long_horizon_share",
        0.3,
        0.7,
        Uniform,
        "presets span 0.35–0.65: mixed horizons within every origin (article: long-term growth vs short-term gains)",
    ),
    p(
        "origins.*.entry_weight",
        0.1,
        0.6,
        Uniform,
        "presets span 0.15–0.55; only ratios matter, so origins differ up to sixfold in their share of entrants",
    ),
];

/// Every key that no plausible space varies, with the reason. `*` as in
/// [`PLAUSIBLE`]; a key also matches the keys below it
/// (`origins.*.strategy_mix` covers `origins.JP.strategy_mix.calibrated`).
pub const NOT_EXPLORED: &[(&str, &str)] = &[
    (
        "run.ticks",
        "the run length is a design choice of the experiment (the spec's 120 months), not a property of the market",
    ),
    (
        "run.seed",
        "randomness is handled by replications with different seeds, not as a factor",
    ),
    (
        "partnerships.max_overlap",
        "overlaps are only ω_cross or 1, so it acts as a switch (partnerships iff ω_cross < max_overlap); over the plausible ω_cross ≤ 0.4 every value in (0.4, 1] acts alike",
    ),
    ("population.home_origin", "an origin name, not a number"),
    (
        "mechanisms.*",
        "switches: experiments turn them off on purpose; the plausible space has every mechanism on",
    ),
    (
        "origins.*.culture",
        "a point of [0, 1]³ that `--set` can only replace whole; presets span 0.2–0.8 a coordinate, and its effect (cultural distance) is explored through culture_sd, culture_penalty and friction_culture",
    ),
    (
        "origins.*.strategy_mix",
        "a distribution over strategy names, not a number; strategy shares are what experiments compare",
    ),
    (
        "origins.*.newcomer_mix",
        "a distribution over strategy names, not a number; as strategy_mix",
    ),
];

/// Whether `pattern` (dotted, `*` matching one part) matches `key` or a
/// key above it: `origins.*.firms` matches `origins.JP.firms`, and
/// `origins.*.strategy_mix` matches `origins.JP.strategy_mix.open`.
pub fn key_matches(pattern: &str, key: &str) -> bool {
    let pat: Vec<&str> = pattern.split('.').collect();
    let parts: Vec<&str> = key.split('.').collect();
    parts.len() >= pat.len() && pat.iter().zip(&parts).all(|(p, k)| *p == "*" || p == k)
}

/// The strategies that can occur in a scenario: those with a positive share
/// in some origin's strategy or newcomer mix (adaptation only copies
/// strategies that firms hold), in [`Strategy::ALL`] order.
fn strategies_of(scenario: &Scenario) -> Vec<&'static str> {
    Strategy::ALL
        .iter()
        .map(|s| s.name())
        .filter(|name| {
            scenario.origins.values().any(|o| {
                o.strategy_mix
                    .iter()
                    .chain(o.newcomer_mix.iter().flatten())
                    .any(|(n, share)| n == name && *share > 0.0)
            })
        })
        .collect()
}

/// The plausible space of a scenario: one (concrete key, low, high,
/// distribution) per explored parameter, in [`PLAUSIBLE`] order, with
/// `origins.*` expanded over the scenario's origins (name order) and
/// `trust.*` over the strategies that can occur in it ([`Strategy::ALL`]
/// order). An entry that overrides a `*` entry for one name takes that
/// name's place in the `*` entry's expansion, and is left out when the
/// name does not occur.
pub fn plausible_space(scenario: &Scenario) -> Vec<(String, f64, f64, Dist)> {
    let origins: Vec<&str> = scenario.origins.keys().map(String::as_str).collect();
    let strategies = strategies_of(scenario);
    let mut out = Vec::new();
    for entry in PLAUSIBLE {
        if !entry.key.contains('*') {
            let overrides = PLAUSIBLE
                .iter()
                .any(|g| g.key.contains('*') && key_matches(g.key, entry.key));
            if !overrides {
                out.push((entry.key.to_string(), entry.low, entry.high, entry.dist));
            }
            continue;
        }
        let names: &[&str] = if entry.key.starts_with("origins.") {
            &origins
        } else {
            &strategies
        };
        for name in names {
            let key = entry.key.replacen('*', name, 1);
            let chosen = PLAUSIBLE.iter().find(|e| e.key == key).unwrap_or(entry);
            out.push((key, chosen.low, chosen.high, chosen.dist));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScenarioBuilder;
    use crate::scenario::PRESETS;
    use crate::silent_rivalry::run_summary;
    use crate::silent_rivalry::summary::Summary;

    const MODEL_DOC: &str = include_str!("../../../docs/model.md");

    /// A value as `--set` text: integers for counts, floats with a point.
    pub(super) fn value_text(v: f64, dist: Dist) -> String {
        if dist == Dist::Integer {
            format!("{}", v as i64)
        } else {
            let t = format!("{v:?}");
            if t.contains(['.', 'e']) {
                t
            } else {
                format!("{t}.0")
            }
        }
    }

    fn build(settings: &[String]) -> Scenario {
        settings
            .iter()
            .try_fold(ScenarioBuilder::new(), |b, kv| b.set(kv))
            .and_then(|b| b.build())
            .unwrap_or_else(|e| panic!("{settings:?}: {e}"))
    }

    fn corner(high: bool) -> Vec<String> {
        plausible_space(&Scenario::default())
            .iter()
            .map(|(k, lo, hi, d)| format!("{k}={}", value_text(if high { *hi } else { *lo }, *d)))
            .collect()
    }

    /// The value of a concrete key in a scenario, if it is a number.
    fn value_of(s: &Scenario, key: &str) -> Option<f64> {
        let table = toml::Table::try_from(s).unwrap();
        let mut v = &toml::Value::Table(table);
        for part in key.split('.') {
            v = v.as_table()?.get(part)?;
        }
        v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
    }

    #[test]
    fn ranges_are_well_formed() {
        for e in PLAUSIBLE {
            assert!(e.low < e.high, "{}: empty range", e.key);
            assert!(e.low.is_finite() && e.high.is_finite(), "{}", e.key);
            match e.dist {
                Dist::LogUniform => assert!(e.low > 0.0, "{}: log-uniform from 0", e.key),
                Dist::Integer => assert!(
                    e.low.fract() == 0.0 && e.high.fract() == 0.0,
                    "{}: integer range of fractions",
                    e.key
                ),
                Dist::Uniform => {}
            }
            assert!(!e.reason.is_empty() && !e.reason.contains('|'), "{}", e.key);
        }
        let mut keys: Vec<&str> = PLAUSIBLE.iter().map(|e| e.key).collect();
        keys.extend(NOT_EXPLORED.iter().map(|(k, _)| *k));
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), n, "a key is listed twice");
    }

    #[test]
    fn every_low_and_every_high_is_allowed_alone() {
        for (key, lo, hi, dist) in plausible_space(&Scenario::default()) {
            for v in [lo, hi] {
                let s = build(&[format!("{key}={}", value_text(v, dist))]);
                assert_eq!(value_of(&s, &key), Some(v), "{key} was not set");
            }
        }
    }

    #[test]
    fn all_lows_and_all_highs_build_and_run_to_finite_summaries() {
        for high in [false, true] {
            let s = build(&corner(high));
            assert_eq!(s.run.ticks, 120);
            let summary = run_summary(&s).unwrap();
            assert_eq!(summary.ticks, 120);
            for (name, value) in summary.metrics() {
                // A figure of a group that is empty in the run has no value.
                let missing = value.is_nan() && Summary::may_be_missing(&name);
                assert!(
                    value.is_finite() || missing,
                    "high={high}: {name} = {value}"
                );
            }
        }
    }

    #[test]
    fn the_default_and_every_preset_lie_in_the_plausible_space() {
        let mut scenarios = vec![("default".to_string(), Scenario::default())];
        for p in PRESETS {
            let s = ScenarioBuilder::new()
                .preset(p.name)
                .unwrap()
                .build()
                .unwrap();
            scenarios.push((p.name.to_string(), s));
        }
        for (name, s) in scenarios {
            for (key, lo, hi, _) in plausible_space(&s) {
                let v = value_of(&s, &key).unwrap_or_else(|| panic!("{name}: no {key}"));
                assert!(
                    (lo..=hi).contains(&v),
                    "{name}: {key} = {v} not in [{lo}, {hi}]"
                );
            }
        }
    }

    #[test]
    fn the_default_space_expands_origins_and_strategies_in_a_fixed_order() {
        let space = plausible_space(&Scenario::default());
        let keys: Vec<&str> = space.iter().map(|(k, ..)| k.as_str()).collect();
        let at = |k: &str| keys.iter().position(|x| *x == k).unwrap();
        assert!(at("trust.naive_ingroup.in_group_prior") < at("trust.calibrated.in_group_prior"));
        assert!(at("origins.JP.firms") < at("origins.LOCAL.firms"));
        assert!(at("origins.LOCAL.firms") < at("origins.OTHER.firms"));
        let naive = space
            .iter()
            .find(|(k, ..)| k == "trust.naive_ingroup.in_group_prior")
            .unwrap();
        assert_eq!((naive.1, naive.2), (0.7, 0.99));
        assert!(keys.iter().all(|k| !k.contains('*')));
        assert_eq!(keys.len(), {
            let mut d = keys.clone();
            d.sort();
            d.dedup();
            d.len()
        });
        // 6 strategies × 3 trust keys, 3 origins × 3 origin keys.
        assert_eq!(space.len(), PLAUSIBLE.len() - 2 - 3 + 6 * 3 - 3 + 3 * 3);
        // A scenario without naive in-group firms explores no naive priors.
        let s = ScenarioBuilder::new()
            .file(
                "x.toml",
                "[population]\nhome_origin = \"KR\"\n[origins.KR]\nfirms = 5\nculture = [0.1, 0.2, 0.3]\nlong_horizon_share = 0.5\nentry_weight = 1.0\nstrategy_mix = { calibrated = 1.0 }\nnewcomer_mix = { calibrated = 1.0 }\n",
            )
            .unwrap()
            .build()
            .unwrap();
        let keys: Vec<String> = plausible_space(&s).into_iter().map(|(k, ..)| k).collect();
        assert!(keys.contains(&"trust.calibrated.prior_weight".to_string()));
        assert!(keys.contains(&"origins.KR.firms".to_string()));
        assert!(
            !keys
                .iter()
                .any(|k| k.contains("naive_ingroup") || k.contains("JP"))
        );
    }

    #[test]
    fn every_key_of_the_default_scenario_is_explored_or_not_explored() {
        let table = toml::Table::try_from(Scenario::default()).unwrap();
        let space: Vec<String> = plausible_space(&Scenario::default())
            .into_iter()
            .map(|(k, ..)| k)
            .collect();
        for key in crate::params::leaf_keys(&table) {
            let explored = space.contains(&key);
            let skipped = NOT_EXPLORED.iter().any(|(p, _)| key_matches(p, &key));
            assert!(
                explored != skipped,
                "{key}: explored {explored}, not explored {skipped}"
            );
        }
    }

    /// A key as the docs write it: `<strategy>` and `<NAME>` for `*`.
    fn doc_key(key: &str) -> String {
        if let Some(rest) = key.strip_prefix("trust.*.") {
            format!("trust.<strategy>.{rest}")
        } else if let Some(rest) = key.strip_prefix("origins.*.") {
            format!("origins.<NAME>.{rest}")
        } else {
            key.to_string()
        }
    }

    /// The docs' plausible-range table as it must read.
    fn expected_rows() -> Vec<String> {
        let mut rows: Vec<String> = PLAUSIBLE
            .iter()
            .map(|e| {
                format!(
                    "| `{}` | [{}, {}] | {} | {} |",
                    doc_key(e.key),
                    e.low,
                    e.high,
                    e.dist.name(),
                    e.reason
                )
            })
            .collect();
        rows.extend(
            NOT_EXPLORED
                .iter()
                .map(|(k, why)| format!("| `{}` | not explored | — | {why} |", doc_key(k))),
        );
        rows
    }

    /// The rows of the markdown table whose header starts with `header`.
    fn doc_table(header: &str) -> Vec<&'static str> {
        let mut lines = MODEL_DOC.lines().skip_while(|l| !l.starts_with(header));
        assert!(
            lines.next().is_some(),
            "no table `{header}` in docs/model.md"
        );
        lines.skip(1).take_while(|l| l.starts_with('|')).collect()
    }

    #[test]
    fn the_docs_table_equals_the_code_table() {
        let got = doc_table("| key | plausible range |");
        let want = expected_rows();
        assert!(
            got == want,
            "docs/model.md §8 must list, after its header:\n{}",
            want.join("\n")
        );
    }

    #[test]
    fn every_key_of_the_parameter_table_has_a_plausible_row() {
        let rows = doc_table("| key | default | allowed range |");
        assert!(rows.len() > 60);
        let covered: Vec<String> = PLAUSIBLE
            .iter()
            .map(|e| e.key)
            .chain(NOT_EXPLORED.iter().map(|(k, _)| *k))
            .map(|k| k.to_string())
            .collect();
        for row in rows {
            let key = row.split('`').nth(1).unwrap();
            let key = key.replace("<strategy>", "*").replace("<NAME>", "*");
            assert!(
                covered.iter().any(|c| key_matches(c, &key)),
                "{key} has no plausible range in docs/model.md §8"
            );
        }
    }
}

/// The runs behind the numbers quoted in the reasons and in docs/model.md
/// §8: every end of every range alone, then all lows and all highs, each
/// the mean of 4 seeds. `PROBE="key=value key=value"` runs given settings
/// instead. Run with
/// `cargo test -p kyoso-core --lib plausible::probe -- --ignored --nocapture`.
#[cfg(test)]
mod probe {
    use super::*;
    use crate::ScenarioBuilder;
    use crate::silent_rivalry::run_summary;

    /// Exit fraction, partnerships formed, innovations, naive expectation
    /// gap and rise of mean capability, each the mean of 4 seeds.
    fn stats(settings: &[String]) -> String {
        let mut sums = [0.0; 5];
        let seeds = 4;
        for seed in 0..seeds {
            let s = settings
                .iter()
                .try_fold(ScenarioBuilder::new().seed(seed), |b, kv| b.set(kv))
                .and_then(|b| b.build())
                .unwrap();
            let m = run_summary(&s).unwrap();
            let row = [
                m.exits as f64 / m.firms_ever as f64,
                m.partnerships_formed as f64,
                m.innovations as f64,
                m.expectation_gap_naive_ingroup.unwrap_or(f64::NAN),
                m.capability_mean_final - m.capability_mean_initial,
            ];
            for (sum, x) in sums.iter_mut().zip(row) {
                *sum += x / seeds as f64;
            }
        }
        let [exit, formed, innovations, gap, rise] = sums;
        format!(
            "exit {exit:.2} formed {formed:.0} innovations {innovations:.0} gap {gap:.2} capability +{rise:.2}"
        )
    }

    #[test]
    #[ignore = "prints the runs behind the reasons; slow in debug builds"]
    fn print_the_ends_of_every_range() {
        if let Ok(list) = std::env::var("PROBE") {
            for kv in list.split_whitespace() {
                println!("{kv}: {}", stats(&[kv.to_string()]));
            }
            return;
        }
        println!("default: {}", stats(&[]));
        let space = plausible_space(&Scenario::default());
        let set = |k: &str, v: f64, d: Dist| format!("{k}={}", tests::value_text(v, d));
        for (k, lo, hi, d) in &space {
            println!(
                "{k}: low {} | high {}",
                stats(&[set(k, *lo, *d)]),
                stats(&[set(k, *hi, *d)])
            );
        }
        let lows: Vec<String> = space.iter().map(|(k, lo, _, d)| set(k, *lo, *d)).collect();
        let highs: Vec<String> = space.iter().map(|(k, _, hi, d)| set(k, *hi, *d)).collect();
        println!("all lows: {}", stats(&lows));
        println!("all highs: {}", stats(&highs));
    }
}
