//! Per-tick measurements (spec section 10).
//!
//! Metrics are tidy observations: one row per tick, metric and group, with
//! `group_by` naming the grouping (`all`, `origin`, `strategy`, `origin_strategy`,
//! `scope`, `cause`) and `group` its value. [`METRICS`] documents each one.

use crate::silent_rivalry::Simulation;
use crate::silent_rivalry::firm::Strategy;
use crate::silent_rivalry::partnership::Cause;

/// In-group (same origin) or out-group encounter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    InGroup = 0,
    OutGroup = 1,
}

/// One measurement (a row of ticks.parquet).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Observation {
    pub tick: u32,
    pub metric: &'static str,
    pub group_by: &'static str,
    pub group: String,
    pub value: f64,
}

/// Documentation of one metric.
#[derive(Debug, Clone, Copy)]
pub struct MetricDoc {
    pub name: &'static str,
    pub unit: &'static str,
    pub groups: &'static str,
    pub meaning: &'static str,
}

/// Every metric written to `ticks`, with unit and meaning.
pub const METRICS: &[MetricDoc] = &[
    MetricDoc {
        name: "firms_alive",
        unit: "firms",
        groups: "all, origin, strategy, origin_strategy",
        meaning: "firms in the market at the end of the tick",
    },
    MetricDoc {
        name: "initial_survival",
        unit: "fraction of firms",
        groups: "initial_strategy",
        meaning: "the survival curve of the initial firms (ids below the initial count) by the strategy they started with: the fraction of them still in the market at the end of the tick; no row for a strategy no initial firm started with (claim C9)",
    },
    MetricDoc {
        name: "market_share",
        unit: "fraction of segment demand",
        groups: "origin, outside",
        meaning: "share of total demand won by firms of the origin (outside: the local outside option), averaged over segments",
    },
    MetricDoc {
        name: "hhi",
        unit: "index in [0,1]",
        groups: "all",
        meaning: "Herfindahl–Hirschman index of firms' shares of the inside market, mean over segments",
    },
    MetricDoc {
        name: "capability_mean",
        unit: "utility units",
        groups: "all, origin",
        meaning: "mean capability q of alive firms; null when the group has none",
    },
    MetricDoc {
        name: "capability_max",
        unit: "utility units",
        groups: "all",
        meaning: "best capability q in the market (the frontier)",
    },
    MetricDoc {
        name: "consumer_surplus",
        unit: "utility units x demand",
        groups: "all",
        meaning: "sum over segments of D_s(t) x ln(sum_i exp(beta_q q_i) + exp(u0(t))), the logit inclusive value",
    },
    MetricDoc {
        name: "shares",
        unit: "actions per tick",
        groups: "scope",
        meaning: "SHARE decisions taken in encounters, in-group (same origin) or out-group",
    },
    MetricDoc {
        name: "withholds",
        unit: "actions per tick",
        groups: "scope",
        meaning: "WITHHOLD decisions taken in encounters",
    },
    MetricDoc {
        name: "sharing_rate",
        unit: "fraction",
        groups: "scope",
        meaning: "shares / (shares + withholds); null when there was no encounter",
    },
    MetricDoc {
        name: "expectation_gap",
        unit: "trust minus rate, in [-1,1]",
        groups: "all, strategy",
        meaning: "over in-group encounters: mean expected trust of the truster in the other minus the fraction of those others that truly shared (claim C1); null when there was none",
    },
    MetricDoc {
        name: "trust_calibration_error",
        unit: "Brier score in [0,1]",
        groups: "all, strategy",
        meaning: "mean squared difference between expected trust and the other's true action (1 share, 0 withhold) over all encounters; null when there was none",
    },
    MetricDoc {
        name: "belief_encounters",
        unit: "encounter sides",
        groups: "all, strategy",
        meaning: "encounter sides behind trust_calibration_error (denominator)",
    },
    MetricDoc {
        name: "partnerships_active",
        unit: "partnerships",
        groups: "all",
        meaning: "partnerships active at the end of the tick",
    },
    MetricDoc {
        name: "partnerships_formed",
        unit: "partnerships per tick",
        groups: "all",
        meaning: "partnerships formed during the tick",
    },
    MetricDoc {
        name: "partnerships_dissolved",
        unit: "partnerships per tick",
        groups: "cause",
        meaning: "partnerships ended during the tick, by cause: friction, betrayal, exit",
    },
    MetricDoc {
        name: "leaks",
        unit: "leaks per tick",
        groups: "all",
        meaning: "leaks by opportunist partners, detected or not",
    },
    MetricDoc {
        name: "betrayals_detected",
        unit: "events per tick",
        groups: "all",
        meaning: "leaks that were detected (each ends its partnership)",
    },
    MetricDoc {
        name: "entries",
        unit: "firms per tick",
        groups: "all",
        meaning: "firms that entered during the tick",
    },
    MetricDoc {
        name: "exits",
        unit: "firms per tick",
        groups: "all",
        meaning: "firms that exited during the tick (cash below zero)",
    },
    MetricDoc {
        name: "innovations",
        unit: "events per tick",
        groups: "all",
        meaning: "successful innovations",
    },
    MetricDoc {
        name: "imitation_gain",
        unit: "utility units per tick",
        groups: "all",
        meaning: "capability gained by imitation, summed over firms",
    },
    MetricDoc {
        name: "rd_spend",
        unit: "money per tick",
        groups: "all",
        meaning: "R&D spend summed over firms",
    },
    MetricDoc {
        name: "strategy_switches",
        unit: "firms per tick",
        groups: "all",
        meaning: "firms that adopted another strategy during the tick",
    },
    MetricDoc {
        name: "cash_mean",
        unit: "money",
        groups: "strategy",
        meaning: "mean cash of alive firms; null when the group has none",
    },
    MetricDoc {
        name: "profit_mean",
        unit: "money per tick",
        groups: "strategy",
        meaning: "mean profit of alive firms during the tick; null when the group has none",
    },
    MetricDoc {
        name: "demand",
        unit: "units per segment per tick",
        groups: "all",
        meaning: "segment demand D_s(t)",
    },
    MetricDoc {
        name: "outside_option",
        unit: "utility units",
        groups: "all",
        meaning: "utility u0(t) of the local outside option",
    },
];

/// Counters accumulated during one tick, reset at its start.
#[derive(Debug, Clone, Default)]
pub struct TickCounters {
    pub actions: [[u64; 2]; 2], // [scope][0 = withhold, 1 = share]
    /// Per strategy of the actor: [same segment, other segment, same origin, other origin][withhold, share].
    pub actions_by_strategy: [[[u64; 2]; 4]; Strategy::COUNT],
    /// Per truster strategy: (Σ expected trust, Σ true share, n) over in-group sides.
    pub gap: [(f64, f64, u64); Strategy::COUNT],
    /// Per truster strategy: (Σ squared error, n) over all sides.
    pub brier: [(f64, u64); Strategy::COUNT],
    /// Actions by actor's strategy, then (same segment, same origin,
    /// shared) as bits 2, 1, 0; folded into
    /// `actions` and `actions_by_strategy` by [`TickCounters::fold_actions`].
    pub action_counts: [[u64; 8]; Strategy::COUNT],
    pub partnerships_formed: u64,
    pub partnerships_dissolved: [u64; 3],
    pub partnership_durations: [f64; 3],
    pub leaks: u64,
    pub betrayals_detected: u64,
    pub entries: u64,
    pub exits: u64,
    pub innovations: u64,
    pub imitation_gain: f64,
    pub rd_spend: f64,
    pub strategy_switches: u64,
    pub consumer_surplus: f64,
    pub hhi: f64,
}

impl TickCounters {
    /// Counts one action of a firm of `strategy` (one increment; the
    /// breakdowns are made once a tick by [`TickCounters::fold_actions`]).
    #[inline]
    pub fn record_action(
        &mut self,
        strategy: Strategy,
        same_segment: bool,
        same_origin: bool,
        shared: bool,
    ) {
        let code = (same_segment as usize) << 2 | (same_origin as usize) << 1 | shared as usize;
        self.action_counts[strategy as usize][code] += 1;
    }

    /// Adds the actions counted since the last fold to `actions` (by origin
    /// scope) and `actions_by_strategy` (by overlap class and origin scope).
    pub fn fold_actions(&mut self) {
        for (code, &n) in self.action_counts.as_flattened().iter().enumerate() {
            let (strategy, same_segment, same_origin, shared) =
                (code >> 3, code >> 2 & 1, code >> 1 & 1, code & 1);
            let scope = [Scope::OutGroup, Scope::InGroup][same_origin];
            self.actions[scope as usize][shared] += n;
            let a = &mut self.actions_by_strategy[strategy];
            a[1 - same_segment][shared] += n;
            a[3 - same_origin][shared] += n;
        }
        self.action_counts = Default::default();
    }

    /// Records what a truster of `strategy` expected (trust) and what the
    /// other truly did.
    pub fn record_belief(
        &mut self,
        strategy: Strategy,
        same_origin: bool,
        trust: f64,
        other_shared: bool,
    ) {
        let truth = if other_shared { 1.0 } else { 0.0 };
        let b = &mut self.brier[strategy as usize];
        b.0 += (trust - truth) * (trust - truth);
        b.1 += 1;
        // In-group only. Adding +0.0 for the out-group leaves the sums
        // (of non-negative terms) bit for bit as they are, without a branch
        // on a coin flip.
        let g = &mut self.gap[strategy as usize];
        let k = f64::from(u8::from(same_origin));
        g.0 += trust * k;
        g.1 += truth * k;
        g.2 += u64::from(same_origin);
    }
}

/// Running totals over the ticks of a run, for the end-of-run summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub ticks: u32,
    pub entries: u64,
    pub exits: u64,
    pub partnerships_formed: u64,
    pub partnerships_dissolved: [u64; 3],
    /// Actions per strategy and class, summed over ticks (see `TickCounters::actions_by_strategy`).
    pub actions_by_strategy: [[[u64; 2]; 4]; Strategy::COUNT],
    /// Σ of the durations (months) of dissolved partnerships, by cause.
    pub partnership_durations: [f64; 3],
    pub innovations: u64,
    pub imitation_gain: f64,
    pub betrayals_detected: u64,
    pub strategy_switches: u64,
    /// Σ over ticks of the in-group expectation gap: of naive in-group firms, of all firms,
    /// and the ticks that had any such observation (a tick without any adds nothing).
    pub gap_naive_sum: f64,
    pub gap_all_sum: f64,
    pub gap_naive_ticks: u32,
    pub gap_all_ticks: u32,
    pub consumer_surplus_first: f64,
    pub consumer_surplus_last: f64,
    pub capability_mean_last: f64,
    pub capability_max_last: f64,
    /// Firm-months by the strategy held in the month (every firm alive
    /// when profits are booked), and their summed profit.
    pub firm_months: [u64; Strategy::COUNT],
    pub firm_month_profit: [f64; Strategy::COUNT],
    /// The same for initial firms only (ids below the initial count).
    pub initial_firm_months: [u64; Strategy::COUNT],
    pub initial_firm_month_profit: [f64; Strategy::COUNT],
    /// Exits by the strategy held when leaving: all firms, initial firms.
    pub exits_by_held_strategy: [u64; Strategy::COUNT],
    pub initial_exits_by_held_strategy: [u64; Strategy::COUNT],
}

/// Mean of a sum over n, 0 when n is 0 (for the running totals, which
/// count only ticks with data).
fn mean(sum: f64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// Mean of a sum over n, NaN (no data: null in every file) when n is 0.
fn observed_mean(sum: f64, n: u64) -> f64 {
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

/// Whether an observation of `metric` may have no value (NaN, null in
/// files): a mean over no firm, encounter or belief in the tick.
pub fn may_be_missing(metric: &str) -> bool {
    [
        "capability_mean",
        "sharing_rate",
        "expectation_gap",
        "trust_calibration_error",
        "cash_mean",
        "profit_mean",
    ]
    .contains(&metric)
}

impl Simulation {
    /// Phase 10: this tick's observations (unless switched off) and the
    /// running totals of the summary.
    pub(super) fn record(&mut self) {
        let tick = self.tick;
        let observing = self.observing;
        let mut out = Vec::with_capacity(if observing { 128 } else { 0 });
        let mut put = |metric: &'static str, group_by: &'static str, group: &str, value: f64| {
            if !observing {
                return;
            }
            out.push(Observation {
                tick,
                metric,
                group_by,
                group: group.to_string(),
                value,
            });
        };
        let n_origins = self.params.origin_names.len();
        let mut alive_by = vec![[0u64; Strategy::COUNT]; n_origins];
        let mut share_by_origin = vec![0.0; n_origins];
        let mut cap_by_origin = vec![0.0; n_origins];
        let mut cash_by_strategy = [0.0; Strategy::COUNT];
        let mut profit_by_strategy = [0.0; Strategy::COUNT];
        let mut cap_sum = 0.0;
        let mut cap_max = 0.0f64;
        let initial: u32 = self.params.origin_firms.iter().sum();
        let mut initial_alive = [0u64; Strategy::COUNT];
        for &id in &self.alive {
            let f = &self.firms[id as usize];
            let (o, s) = (f.origin as usize, f.strategy as usize);
            if id < initial {
                initial_alive[f.initial_strategy as usize] += 1;
            }
            alive_by[o][s] += 1;
            share_by_origin[o] += f.share;
            cap_by_origin[o] += f.capability;
            cash_by_strategy[s] += f.cash;
            profit_by_strategy[s] += f.ledger.profit();
            cap_sum += f.capability;
            cap_max = cap_max.max(f.capability);
        }
        let segments = self.by_segment.len() as f64;
        let total_alive = self.alive.len() as u64;
        put("firms_alive", "all", "all", total_alive as f64);
        for (o, name) in self.params.origin_names.iter().enumerate() {
            let n: u64 = alive_by[o].iter().sum();
            put("firms_alive", "origin", name, n as f64);
        }
        for s in Strategy::ALL {
            let n: u64 = alive_by.iter().map(|row| row[s as usize]).sum();
            put("firms_alive", "strategy", s.name(), n as f64);
        }
        for (o, name) in self
            .params
            .origin_names
            .iter()
            .enumerate()
            .filter(|_| observing)
        {
            for s in Strategy::ALL {
                put(
                    "firms_alive",
                    "origin_strategy",
                    &format!("{name}/{}", s.name()),
                    alive_by[o][s as usize] as f64,
                );
            }
        }
        for s in Strategy::ALL {
            let started = self.initial_by_strategy[s as usize];
            if started > 0 {
                put(
                    "initial_survival",
                    "initial_strategy",
                    s.name(),
                    initial_alive[s as usize] as f64 / started as f64,
                );
            }
        }
        for (o, name) in self.params.origin_names.iter().enumerate() {
            put(
                "market_share",
                "origin",
                name,
                share_by_origin[o] / segments,
            );
        }
        put(
            "market_share",
            "outside",
            "outside",
            self.outside_share.iter().sum::<f64>() / segments,
        );
        let c = &self.counters;
        put("hhi", "all", "all", c.hhi);
        put(
            "capability_mean",
            "all",
            "all",
            observed_mean(cap_sum, total_alive),
        );
        for (o, name) in self.params.origin_names.iter().enumerate() {
            let n: u64 = alive_by[o].iter().sum();
            put(
                "capability_mean",
                "origin",
                name,
                observed_mean(cap_by_origin[o], n),
            );
        }
        put("capability_max", "all", "all", cap_max);
        put("consumer_surplus", "all", "all", c.consumer_surplus);
        for (scope, name) in [(Scope::InGroup, "in_group"), (Scope::OutGroup, "out_group")] {
            let [w, s] = c.actions[scope as usize];
            put("shares", "scope", name, s as f64);
            put("withholds", "scope", name, w as f64);
            put(
                "sharing_rate",
                "scope",
                name,
                observed_mean(s as f64, s + w),
            );
        }
        let (mut gt, mut gs, mut gn) = (0.0, 0.0, 0);
        let (mut be, mut bn) = (0.0, 0);
        for s in Strategy::ALL {
            let g = c.gap[s as usize];
            gt += g.0;
            gs += g.1;
            gn += g.2;
            let b = c.brier[s as usize];
            be += b.0;
            bn += b.1;
        }
        put(
            "expectation_gap",
            "all",
            "all",
            observed_mean(gt, gn) - observed_mean(gs, gn),
        );
        for s in Strategy::ALL {
            let g = c.gap[s as usize];
            put(
                "expectation_gap",
                "strategy",
                s.name(),
                observed_mean(g.0, g.2) - observed_mean(g.1, g.2),
            );
        }
        put(
            "trust_calibration_error",
            "all",
            "all",
            observed_mean(be, bn),
        );
        put("belief_encounters", "all", "all", bn as f64);
        for s in Strategy::ALL {
            let b = c.brier[s as usize];
            put(
                "trust_calibration_error",
                "strategy",
                s.name(),
                observed_mean(b.0, b.1),
            );
            put("belief_encounters", "strategy", s.name(), b.1 as f64);
        }
        put(
            "partnerships_active",
            "all",
            "all",
            self.active_partnerships.len() as f64,
        );
        put(
            "partnerships_formed",
            "all",
            "all",
            c.partnerships_formed as f64,
        );
        for cause in Cause::ALL {
            put(
                "partnerships_dissolved",
                "cause",
                cause.name(),
                c.partnerships_dissolved[cause as usize] as f64,
            );
        }
        put("leaks", "all", "all", c.leaks as f64);
        put(
            "betrayals_detected",
            "all",
            "all",
            c.betrayals_detected as f64,
        );
        put("entries", "all", "all", c.entries as f64);
        put("exits", "all", "all", c.exits as f64);
        put("innovations", "all", "all", c.innovations as f64);
        put("imitation_gain", "all", "all", c.imitation_gain);
        put("rd_spend", "all", "all", c.rd_spend);
        put(
            "strategy_switches",
            "all",
            "all",
            c.strategy_switches as f64,
        );
        for s in Strategy::ALL {
            let n: u64 = alive_by.iter().map(|row| row[s as usize]).sum();
            put(
                "cash_mean",
                "strategy",
                s.name(),
                observed_mean(cash_by_strategy[s as usize], n),
            );
            put(
                "profit_mean",
                "strategy",
                s.name(),
                observed_mean(profit_by_strategy[s as usize], n),
            );
        }
        put("demand", "all", "all", self.demand());
        put("outside_option", "all", "all", self.outside_option());
        self.last_observations = out;

        let naive = c.gap[Strategy::NaiveIngroup as usize];
        let t = &mut self.totals;
        if t.ticks == 0 {
            t.consumer_surplus_first = c.consumer_surplus;
        }
        t.ticks += 1;
        t.entries += c.entries;
        t.exits += c.exits;
        t.partnerships_formed += c.partnerships_formed;
        for k in 0..3 {
            t.partnerships_dissolved[k] += c.partnerships_dissolved[k];
            t.partnership_durations[k] += c.partnership_durations[k];
        }
        for (total, tick) in t.actions_by_strategy.iter_mut().zip(&c.actions_by_strategy) {
            for (a, b) in total.iter_mut().zip(tick) {
                a[0] += b[0];
                a[1] += b[1];
            }
        }
        t.innovations += c.innovations;
        t.imitation_gain += c.imitation_gain;
        t.betrayals_detected += c.betrayals_detected;
        t.strategy_switches += c.strategy_switches;
        if naive.2 > 0 {
            t.gap_naive_sum += mean(naive.0, naive.2) - mean(naive.1, naive.2);
            t.gap_naive_ticks += 1;
        }
        if gn > 0 {
            t.gap_all_sum += mean(gt, gn) - mean(gs, gn);
            t.gap_all_ticks += 1;
        }
        t.consumer_surplus_last = c.consumer_surplus;
        t.capability_mean_last = mean(cap_sum, total_alive);
        t.capability_max_last = cap_max;
    }
}
