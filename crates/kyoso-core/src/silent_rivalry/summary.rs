//! Headline figures of a finished run (written to `summary.json`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::silent_rivalry::Simulation;
use crate::silent_rivalry::firm::Strategy;
use crate::silent_rivalry::partnership::Cause;

/// End-of-run headline figures. Every field is documented in docs/outputs.md.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub ticks: u32,
    pub firms_ever: u64,
    pub firms_alive: u64,
    pub firms_alive_by_origin: BTreeMap<String, u64>,
    pub firms_alive_by_strategy: BTreeMap<String, u64>,
    pub market_share_by_origin: BTreeMap<String, f64>,
    pub outside_share: f64,
    pub entries: u64,
    pub exits: u64,
    pub partnerships_formed: u64,
    pub partnerships_dissolved_by_cause: BTreeMap<String, u64>,
    pub partnerships_active: u64,
    /// Sharing rates of calibrated and naive in-group firms: with direct
    /// rivals (same segment), with other segments, in-group, out-group
    /// (fraction of their encounters in which they shared; `None` without
    /// any such encounter).
    pub sharing_rates: BTreeMap<String, Option<f64>>,
    /// Mean market share at the end of the entrants (not the initial firms)
    /// still in the market, by entry cohort: the first and the last third
    /// of the run (claim C8); `None` for an empty cohort.
    pub entrant_share_by_cohort: BTreeMap<String, Option<f64>>,
    /// Mean duration (months) of the partnerships that ended by friction or
    /// betrayal (not by a partner's exit); `None` when none ended so.
    pub partnership_duration_mean: Option<f64>,
    /// Mean over ticks of the in-group expectation gap of naive in-group
    /// firms (the ticks with any in-group belief of theirs); `None` without any.
    pub expectation_gap_naive_ingroup: Option<f64>,
    /// Mean over ticks of the in-group expectation gap of all firms; `None` without any.
    pub expectation_gap_all: Option<f64>,
    pub capability_mean_initial: f64,
    pub capability_mean_final: f64,
    pub capability_max_final: f64,
    pub consumer_surplus_first: f64,
    pub consumer_surplus_last: f64,
    pub innovations: u64,
    pub imitation_gain: f64,
    pub betrayals_detected: u64,
    pub strategy_switches: u64,
    /// Mean total profit over the run of firms (entrants included) by their
    /// initial strategy; `None` for a strategy no firm started with.
    pub total_profit_by_initial_strategy: BTreeMap<String, Option<f64>>,
    /// Share of the initial firms (ids below the initial count) that
    /// survived to the end, by initial strategy; `None` for a strategy no
    /// initial firm started with.
    pub survival_by_initial_strategy: BTreeMap<String, Option<f64>>,
    /// At the end, mean trust held in alive opportunists, and in the other
    /// alive firms, over every pair that has met (claim C3: how well the
    /// veneer keeps opportunists trusted); `None` without such a pair.
    pub trust_in_opportunists: Option<f64>,
    pub trust_in_others: Option<f64>,
    /// Share of the alive firms holding each strategy at the end minus
    /// the share of the initial firms that started with it: how far a
    /// strategy spread (or shrank) through adaptation, entry and exit.
    pub strategy_share_gain: BTreeMap<String, f64>,
    /// Firm-months by the strategy held in the month (all firms).
    pub firm_months_by_held_strategy: BTreeMap<String, u64>,
    /// Profit per firm-month by the strategy held in the month (all firms;
    /// `None` without any such firm-month): a rate that does not depend on
    /// how long firms live or on who enters.
    pub profit_rate_by_held_strategy: BTreeMap<String, Option<f64>>,
    /// The same among initial firms only (a matched cohort).
    pub profit_rate_initial_by_held_strategy: BTreeMap<String, Option<f64>>,
    /// Exits per firm-month by the strategy held (the monthly hazard of
    /// exit), among initial firms; `None` without a firm-month.
    pub exit_hazard_initial_by_held_strategy: BTreeMap<String, Option<f64>>,
    /// Initial firms' profit per firm-month held calibrated minus held
    /// naive in-group (claim C9 on a matched cohort); `None` if either has
    /// no firm-month.
    pub profit_rate_calibrated_minus_naive_ingroup: Option<f64>,
    /// The scheduled waves of entrants (`enter` in the schedule), in tick
    /// order: controlled cohorts (claim C8). Empty without a wave.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waves: Vec<WaveSummary>,
}

/// What became of one scheduled wave of entrants by the end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaveSummary {
    /// The tick the wave entered.
    pub tick: u32,
    /// Firms that entered with it.
    pub firms: u64,
    /// Fraction of them in the market at the end.
    pub survival: f64,
    /// Their market share at the end, summed and divided by the firms that
    /// entered (an exited firm holds 0): fraction of a segment's demand.
    pub share: f64,
    /// Mean capability at the end of those still in the market; `None`
    /// when none is.
    pub capability_mean: Option<f64>,
}

/// A rate, or `None` (no data) without any firm-month.
fn rate(sum: f64, months: u64) -> Option<f64> {
    (months > 0).then(|| sum / months as f64)
}

impl Summary {
    /// The end-of-run metrics as flat (name, value) pairs in a fixed order:
    /// scalars first, then per origin, per strategy and per cause. Used as
    /// the columns of a sweep's `runs` table.
    pub fn metrics(&self) -> Vec<(String, f64)> {
        let or_nan = |v: Option<&Option<f64>>| v.copied().flatten().unwrap_or(f64::NAN);
        let mut out: Vec<(String, f64)> = vec![
            ("firms_ever".into(), self.firms_ever as f64),
            ("firms_alive".into(), self.firms_alive as f64),
            ("entries".into(), self.entries as f64),
            ("exits".into(), self.exits as f64),
            ("outside_share".into(), self.outside_share),
            (
                "partnerships_formed".into(),
                self.partnerships_formed as f64,
            ),
            (
                "partnerships_active".into(),
                self.partnerships_active as f64,
            ),
            (
                "partnership_duration_mean".into(),
                self.partnership_duration_mean.unwrap_or(f64::NAN),
            ),
            (
                "expectation_gap_naive_ingroup".into(),
                self.expectation_gap_naive_ingroup.unwrap_or(f64::NAN),
            ),
            (
                "expectation_gap_all".into(),
                self.expectation_gap_all.unwrap_or(f64::NAN),
            ),
            (
                "capability_mean_initial".into(),
                self.capability_mean_initial,
            ),
            ("capability_mean_final".into(), self.capability_mean_final),
            ("capability_max_final".into(), self.capability_max_final),
            ("consumer_surplus_first".into(), self.consumer_surplus_first),
            ("consumer_surplus_last".into(), self.consumer_surplus_last),
            ("innovations".into(), self.innovations as f64),
            ("imitation_gain".into(), self.imitation_gain),
            ("betrayals_detected".into(), self.betrayals_detected as f64),
            ("strategy_switches".into(), self.strategy_switches as f64),
        ];
        for (k, v) in &self.partnerships_dissolved_by_cause {
            out.push((format!("partnerships_dissolved_{k}"), *v as f64));
        }
        // Missing values are NaN here, null in every file.
        for (k, v) in &self.sharing_rates {
            out.push((format!("sharing_rate_{k}"), v.unwrap_or(f64::NAN)));
        }
        for (k, v) in &self.entrant_share_by_cohort {
            out.push((format!("entrant_share_{k}"), v.unwrap_or(f64::NAN)));
        }
        // Calibrated firms' in-group minus out-group sharing rate (claim
        // C2); missing with either.
        let rate = |k: &str| self.sharing_rates.get(k).copied().flatten();
        out.push((
            "sharing_gap_calibrated".into(),
            match (rate("calibrated_in_group"), rate("calibrated_out_group")) {
                (Some(i), Some(o)) => i - o,
                _ => f64::NAN,
            },
        ));
        // Early minus late entrants' share (claim C8); missing with either.
        let cohort = |k: &str| self.entrant_share_by_cohort.get(k).copied().flatten();
        out.push((
            "entrant_share_gap".into(),
            match (cohort("early"), cohort("late")) {
                (Some(e), Some(l)) => e - l,
                _ => f64::NAN,
            },
        ));
        for (k, v) in &self.firms_alive_by_origin {
            out.push((format!("firms_alive_{k}"), *v as f64));
        }
        for (k, v) in &self.market_share_by_origin {
            out.push((format!("market_share_{k}"), *v));
        }
        // An origin's share over its fraction of the alive firms: 1 when
        // its firms hold an average firm's share (claim C10, normalised
        // for firm counts); missing when it has no firm left.
        for (k, v) in &self.market_share_by_origin {
            let firms = self.firms_alive_by_origin.get(k).copied().unwrap_or(0);
            out.push((
                format!("market_share_per_firm_{k}"),
                if firms == 0 {
                    f64::NAN
                } else {
                    v / (firms as f64 / self.firms_alive as f64)
                },
            ));
        }
        for (k, v) in &self.firms_alive_by_strategy {
            out.push((format!("firms_alive_{k}"), *v as f64));
        }
        for s in Strategy::ALL {
            let k = s.name();
            out.push((
                format!("total_profit_{k}"),
                or_nan(self.total_profit_by_initial_strategy.get(k)),
            ));
            out.push((
                format!("survival_{k}"),
                or_nan(self.survival_by_initial_strategy.get(k)),
            ));
        }
        out.push((
            "trust_in_opportunists".into(),
            self.trust_in_opportunists.unwrap_or(f64::NAN),
        ));
        out.push((
            "trust_in_others".into(),
            self.trust_in_others.unwrap_or(f64::NAN),
        ));
        for (k, v) in &self.strategy_share_gain {
            out.push((format!("strategy_share_gain_{k}"), *v));
        }
        for s in Strategy::ALL {
            let k = s.name();
            out.push((
                format!("firm_months_{k}"),
                self.firm_months_by_held_strategy
                    .get(k)
                    .copied()
                    .unwrap_or(0) as f64,
            ));
            out.push((
                format!("profit_rate_{k}"),
                or_nan(self.profit_rate_by_held_strategy.get(k)),
            ));
            out.push((
                format!("profit_rate_initial_{k}"),
                or_nan(self.profit_rate_initial_by_held_strategy.get(k)),
            ));
            out.push((
                format!("exit_hazard_initial_{k}"),
                or_nan(self.exit_hazard_initial_by_held_strategy.get(k)),
            ));
        }
        out.push((
            "profit_rate_calibrated_minus_naive_ingroup".into(),
            self.profit_rate_calibrated_minus_naive_ingroup
                .unwrap_or(f64::NAN),
        ));
        // Waves are numbered from 1 in tick order.
        let mut values = Vec::new();
        for w in &self.waves {
            values.extend([
                w.firms as f64,
                w.survival,
                w.share,
                w.capability_mean.unwrap_or(f64::NAN),
            ]);
        }
        // First wave minus last: what entering early rather than late gives.
        if let (Some(first), Some(last)) = (self.waves.first(), self.waves.last())
            && self.waves.len() >= 2
        {
            values.push(first.share - last.share);
            values.push(match (first.capability_mean, last.capability_mean) {
                (Some(a), Some(b)) => a - b,
                _ => f64::NAN,
            });
        }
        out.extend(
            Summary::wave_metric_names(self.waves.len())
                .into_iter()
                .zip(values),
        );
        out
    }

    /// The metrics of `waves` scheduled waves, in the order
    /// [`Summary::metrics`] lists them after every other metric: per wave
    /// k (from 1) `wave_firms_k`, `wave_survival_k`, `wave_share_k` and
    /// `wave_capability_k`; with two waves or more, the first minus the
    /// last wave, `wave_share_gap` and `wave_capability_gap`.
    pub fn wave_metric_names(waves: usize) -> Vec<String> {
        let mut names: Vec<String> = (1..=waves)
            .flat_map(|k| {
                ["firms", "survival", "share", "capability"].map(|m| format!("wave_{m}_{k}"))
            })
            .collect();
        if waves >= 2 {
            names.extend(["wave_share_gap".into(), "wave_capability_gap".into()]);
        }
        names
    }

    /// Whether a metric of [`Summary::metrics`] may have no value (NaN):
    /// a figure of a group that is empty in the run (no firm-month, no
    /// firm with that strategy, no encounter of that class, no entrant in
    /// the cohort, no partnership ended).
    pub fn may_be_missing(metric: &str) -> bool {
        [
            "profit_rate_",
            "exit_hazard_",
            "total_profit_",
            "survival_",
            "sharing_rate_",
            "entrant_share_",
            "partnership_duration_mean",
            "expectation_gap_",
            "sharing_gap_",
            "market_share_per_firm_",
            "trust_in_",
            "entrant_share_gap",
            "wave_capability_",
        ]
        .iter()
        .any(|p| metric.starts_with(p))
    }

    /// Computes the summary of a simulation from its state and running totals.
    pub fn new(sim: &Simulation) -> Summary {
        let t = sim.totals();
        let names = sim.origin_names();
        let segments = sim.scenario().market.segments as f64;
        let mut by_origin = BTreeMap::new();
        let mut share_by_origin = BTreeMap::new();
        let mut by_strategy: BTreeMap<String, u64> = Strategy::ALL
            .iter()
            .map(|s| (s.name().to_string(), 0))
            .collect();
        for name in names {
            by_origin.insert(name.clone(), 0);
            share_by_origin.insert(name.clone(), 0.0);
        }
        for &id in sim.alive() {
            let f = &sim.firms()[id as usize];
            *by_origin
                .get_mut(&names[f.origin as usize])
                .expect("known origin") += 1;
            *share_by_origin
                .get_mut(&names[f.origin as usize])
                .expect("known origin") += f.share / segments;
            *by_strategy
                .get_mut(f.strategy.name())
                .expect("known strategy") += 1;
        }
        // Every strategy is listed; one no firm started with has no value.
        let mut profit: BTreeMap<String, (f64, u64)> = Strategy::ALL
            .iter()
            .map(|s| (s.name().to_string(), (0.0, 0)))
            .collect();
        let mut survival: BTreeMap<String, (u64, u64)> =
            profit.keys().map(|k| (k.clone(), (0, 0))).collect();
        // Initial firms are exactly those made at setup: ids below their
        // count (an entrant of tick 0 also has entry_tick 0).
        let initial_count: u32 = sim.params.origin_firms.iter().sum();
        for f in sim.firms() {
            let p = profit
                .get_mut(f.initial_strategy.name())
                .expect("every strategy is listed");
            p.0 += f.total_profit;
            p.1 += 1;
            if f.id < initial_count {
                let s = survival
                    .get_mut(f.initial_strategy.name())
                    .expect("every strategy is listed");
                s.0 += f.alive() as u64;
                s.1 += 1;
            }
        }
        let initial: Vec<f64> = sim
            .firms()
            .iter()
            .filter(|f| f.id < initial_count)
            .map(|f| f.initial_capability)
            .collect();
        // Mean trust held in alive opportunists and in other alive firms.
        let trust_in = {
            let (mut opp, mut others) = ((0.0, 0u64), (0.0, 0u64));
            for (lo, hi, _, _) in sim.trust_pairs() {
                for (truster, trustee) in [(lo, hi), (hi, lo)] {
                    let (a, b) = (
                        &sim.firms()[truster as usize],
                        &sim.firms()[trustee as usize],
                    );
                    if !a.alive() || !b.alive() {
                        continue;
                    }
                    let bucket = if b.strategy == Strategy::Opportunist {
                        &mut opp
                    } else {
                        &mut others
                    };
                    bucket.0 += sim.trust(truster, trustee);
                    bucket.1 += 1;
                }
            }
            let mean = |(sum, n): (f64, u64)| (n > 0).then(|| sum / n as f64);
            (mean(opp), mean(others))
        };
        Summary {
            ticks: sim.ticks_done(),
            firms_ever: sim.firms().len() as u64,
            firms_alive: sim.alive().len() as u64,
            firms_alive_by_origin: by_origin,
            firms_alive_by_strategy: by_strategy,
            market_share_by_origin: share_by_origin,
            outside_share: sim.outside_shares().iter().sum::<f64>() / segments,
            entries: t.entries,
            exits: t.exits,
            partnerships_formed: t.partnerships_formed,
            partnerships_dissolved_by_cause: Cause::ALL
                .iter()
                .map(|&c| (c.name().to_string(), t.partnerships_dissolved[c as usize]))
                .collect(),
            sharing_rates: {
                let mut m = BTreeMap::new();
                for s in [Strategy::Calibrated, Strategy::NaiveIngroup] {
                    let a = &t.actions_by_strategy[s as usize];
                    for (k, class) in ["same_segment", "cross_segment", "in_group", "out_group"]
                        .iter()
                        .enumerate()
                    {
                        let n = a[k][0] + a[k][1];
                        let rate = (n > 0).then(|| a[k][1] as f64 / n as f64);
                        m.insert(format!("{}_{class}", s.name()), rate);
                    }
                }
                m
            },
            entrant_share_by_cohort: {
                let initial: u32 = sim.params.origin_firms.iter().sum();
                let third = (sim.ticks_done() / 3).max(1);
                let mut cohorts: BTreeMap<String, (f64, u64)> = BTreeMap::new();
                cohorts.insert("early".into(), (0.0, 0));
                cohorts.insert("late".into(), (0.0, 0));
                for f in sim.firms().iter().filter(|f| f.id >= initial && f.alive()) {
                    let cohort = if f.entry_tick < third {
                        "early"
                    } else if f.entry_tick >= sim.ticks_done().saturating_sub(third) {
                        "late"
                    } else {
                        continue;
                    };
                    let c = cohorts.get_mut(cohort).expect("both cohorts exist");
                    c.0 += f.share;
                    c.1 += 1;
                }
                cohorts
                    .into_iter()
                    .map(|(k, (s, n))| (k, (n > 0).then(|| s / n as f64)))
                    .collect()
            },
            waves: sim
                .waves()
                .iter()
                .map(|w| {
                    let firms = &sim.firms()[w.first as usize..(w.first + w.count) as usize];
                    let alive: Vec<_> = firms.iter().filter(|f| f.alive()).collect();
                    let n = firms.len().max(1) as f64;
                    WaveSummary {
                        tick: w.tick,
                        firms: firms.len() as u64,
                        survival: alive.len() as f64 / n,
                        share: alive.iter().map(|f| f.share).sum::<f64>() / n,
                        capability_mean: (!alive.is_empty()).then(|| {
                            alive.iter().map(|f| f.capability).sum::<f64>() / alive.len() as f64
                        }),
                    }
                })
                .collect(),
            partnership_duration_mean: {
                let n = (t.partnerships_dissolved[0] + t.partnerships_dissolved[1]) as f64;
                let d = t.partnership_durations[0] + t.partnership_durations[1];
                (n > 0.0).then(|| d / n)
            },
            partnerships_active: sim
                .partnerships()
                .iter()
                .filter(|p| p.ended.is_none())
                .count() as u64,
            expectation_gap_naive_ingroup: (t.gap_naive_ticks > 0)
                .then(|| t.gap_naive_sum / t.gap_naive_ticks as f64),
            expectation_gap_all: (t.gap_all_ticks > 0)
                .then(|| t.gap_all_sum / t.gap_all_ticks as f64),
            capability_mean_initial: if initial.is_empty() {
                0.0
            } else {
                initial.iter().sum::<f64>() / initial.len() as f64
            },
            capability_mean_final: t.capability_mean_last,
            capability_max_final: t.capability_max_last,
            consumer_surplus_first: t.consumer_surplus_first,
            consumer_surplus_last: t.consumer_surplus_last,
            innovations: t.innovations,
            imitation_gain: t.imitation_gain,
            betrayals_detected: t.betrayals_detected,
            strategy_switches: t.strategy_switches,
            total_profit_by_initial_strategy: profit
                .into_iter()
                .map(|(k, (s, n))| (k, (n > 0).then(|| s / n as f64)))
                .collect(),
            survival_by_initial_strategy: survival
                .into_iter()
                .map(|(k, (a, n))| (k, (n > 0).then(|| a as f64 / n as f64)))
                .collect(),
            trust_in_opportunists: trust_in.0,
            trust_in_others: trust_in.1,
            strategy_share_gain: {
                let alive = sim.alive().len().max(1) as f64;
                let initial = initial_count.max(1) as f64;
                Strategy::ALL
                    .iter()
                    .map(|&st| {
                        let now = sim
                            .alive()
                            .iter()
                            .filter(|&&id| sim.firms()[id as usize].strategy == st)
                            .count() as f64;
                        let start = sim
                            .firms()
                            .iter()
                            .filter(|f| f.id < initial_count && f.initial_strategy == st)
                            .count() as f64;
                        (st.name().to_string(), now / alive - start / initial)
                    })
                    .collect()
            },
            firm_months_by_held_strategy: Strategy::ALL
                .iter()
                .map(|&s| (s.name().to_string(), t.firm_months[s as usize]))
                .collect(),
            profit_rate_by_held_strategy: Strategy::ALL
                .iter()
                .map(|&s| {
                    let i = s as usize;
                    (
                        s.name().to_string(),
                        rate(t.firm_month_profit[i], t.firm_months[i]),
                    )
                })
                .collect(),
            profit_rate_initial_by_held_strategy: Strategy::ALL
                .iter()
                .map(|&s| {
                    let i = s as usize;
                    (
                        s.name().to_string(),
                        rate(t.initial_firm_month_profit[i], t.initial_firm_months[i]),
                    )
                })
                .collect(),
            exit_hazard_initial_by_held_strategy: Strategy::ALL
                .iter()
                .map(|&s| {
                    let i = s as usize;
                    (
                        s.name().to_string(),
                        rate(
                            t.initial_exits_by_held_strategy[i] as f64,
                            t.initial_firm_months[i],
                        ),
                    )
                })
                .collect(),
            profit_rate_calibrated_minus_naive_ingroup: {
                let r = |s: Strategy| {
                    rate(
                        t.initial_firm_month_profit[s as usize],
                        t.initial_firm_months[s as usize],
                    )
                };
                r(Strategy::Calibrated)
                    .zip(r(Strategy::NaiveIngroup))
                    .map(|(c, n)| c - n)
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Scenario;
    use crate::silent_rivalry::run_summary;

    #[test]
    fn every_scalar_of_the_summary_is_a_sweep_metric() {
        let mut s = Scenario::default();
        s.run.ticks = 3;
        let summary = run_summary(&s).unwrap();
        let names: Vec<String> = summary.metrics().into_iter().map(|(k, _)| k).collect();
        let json = serde_json::to_value(&summary).unwrap();
        for (key, value) in json.as_object().unwrap() {
            if value.is_number() && key != "ticks" {
                assert!(
                    names.contains(key),
                    "summary field `{key}` is not in Summary::metrics()"
                );
            }
        }
    }
}
