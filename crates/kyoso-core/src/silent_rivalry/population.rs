//! Entry, exit and adaptation (spec section 9, claims C8 and C9).
//!
//! A firm whose cash falls below zero exits. New firms enter as a Poisson
//! stream with the newcomer mix of their origin. Every `adapt_every` ticks
//! each firm, with probability `p_adapt`, compares its profit over the
//! period with a random other firm's and copies that firm's strategy with
//! the Fermi probability 1/(1 + exp(−(π_j − π_i)/K)).

use rand::RngExt;
use rand_distr::{Distribution, Normal, Poisson};

use crate::rng::Rng;
use crate::silent_rivalry::Simulation;
use crate::silent_rivalry::events::EventKind;
use crate::silent_rivalry::firm::{Firm, FirmId, Horizon, Ledger, Strategy};
use crate::silent_rivalry::partnership::Cause;

/// The Fermi imitation probability of copying a firm that earned `other`
/// when one earned `own`, at selection scale `k`.
pub fn copy_probability(own: f64, other: f64, k: f64) -> f64 {
    1.0 / (1.0 + (-(other - own) / k).exp())
}

/// Splits `n` firms among strategies by the largest-remainder rule, so an
/// initial population matches its mix as closely as integers allow.
///
/// The counts always sum to exactly `n`, and a strategy of weight 0 never
/// gets a firm, even when the mix sums to 1 ± 1e-6 (as validation allows)
/// and `n` is in the millions, so that the floors of the quotas p·n fall
/// short of `n` (or exceed it) by more than one firm per strategy: the
/// difference, at most n·1e-6 firms, is then given out (or taken back) one
/// firm at a time among the strategies of positive weight. For a mix that
/// sums to 1 up to rounding this is the textbook rule.
pub fn apportion(n: u32, mix: &[f64; Strategy::COUNT]) -> [u32; Strategy::COUNT] {
    let mut counts = [0u32; Strategy::COUNT];
    let mut remainders = [(0.0f64, 0usize); Strategy::COUNT];
    let mut assigned: u64 = 0;
    for (k, &p) in mix.iter().enumerate() {
        let exact = if p > 0.0 { p * n as f64 } else { 0.0 };
        // `as` saturates; never more than n in any case.
        counts[k] = (exact.floor() as u32).min(n);
        assigned += u64::from(counts[k]);
        remainders[k] = (exact - exact.floor(), k);
    }
    // Largest remainder first; ties by strategy order; strategies of
    // weight 0 last, and never given a firm.
    remainders.sort_by(|a, b| {
        (mix[b.1] > 0.0)
            .cmp(&(mix[a.1] > 0.0))
            .then(b.0.total_cmp(&a.0))
            .then(a.1.cmp(&b.1))
    });
    let with_weight = mix.iter().filter(|&&p| p > 0.0).count();
    if with_weight == 0 {
        return [0; Strategy::COUNT];
    }
    // A mix summing to more than 1: take the excess back from the smallest
    // remainders, round after round.
    while assigned > u64::from(n) {
        for &(_, k) in remainders[..with_weight].iter().rev() {
            if assigned > u64::from(n) && counts[k] > 0 {
                counts[k] -= 1;
                assigned -= 1;
            }
        }
    }
    let mut missing = u64::from(n) - assigned;
    while missing > 0 {
        for &(_, k) in &remainders[..with_weight] {
            if missing > 0 {
                counts[k] += 1;
                missing -= 1;
            }
        }
    }
    counts
}

/// Draws a strategy from a mix.
pub fn draw_strategy(mix: &[f64; Strategy::COUNT], rng: &mut Rng) -> Strategy {
    let total: f64 = mix.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (k, &p) in mix.iter().enumerate() {
        if x < p {
            return Strategy::ALL[k];
        }
        x -= p;
    }
    // Rounding: the last strategy with positive weight.
    Strategy::ALL[mix.iter().rposition(|&p| p > 0.0).unwrap_or(0)]
}

/// Draws an index with probability proportional to `weights` (not all zero).
fn draw_weighted(weights: &[f64], rng: &mut Rng) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (k, &w) in weights.iter().enumerate() {
        if x < w {
            return k;
        }
        x -= w;
    }
    weights.iter().rposition(|&w| w > 0.0).unwrap_or(0)
}

impl Simulation {
    /// Creates one firm with fresh attributes and pushes it to the firm table.
    pub(super) fn spawn(
        &mut self,
        origin: usize,
        strategy: Strategy,
        purpose_entry: bool,
    ) -> FirmId {
        let scenario = &self.current;
        let (_, origin_cfg) = self.params.origin(origin, scenario);
        let rng = if purpose_entry {
            &mut self.rngs.entry
        } else {
            &mut self.rngs.init
        };
        let segment = rng.random_range(0..scenario.market.segments) as u16;
        let culture_noise = Normal::new(0.0, scenario.firms.culture_sd).expect("validated");
        let mut culture = origin_cfg.culture;
        for c in &mut culture {
            *c = (*c + culture_noise.sample(rng)).clamp(0.0, 1.0);
        }
        let horizon = if rng.random_bool(origin_cfg.long_horizon_share) {
            Horizon::Long
        } else {
            Horizon::Short
        };
        let capability_noise =
            Normal::new(scenario.firms.capability_mean, scenario.firms.capability_sd)
                .expect("validated");
        let capability = capability_noise.sample(rng).max(0.0);
        let h = &scenario.horizons;
        let (discount, rd_intensity) = match horizon {
            Horizon::Long => (h.long_discount, h.long_rd_intensity),
            Horizon::Short => (h.short_discount, h.short_rd_intensity),
        };
        let id = self.firms.len() as FirmId;
        self.firms.push(Firm {
            id,
            origin: origin as u16,
            segment,
            capability,
            cash: scenario.firms.initial_cash,
            horizon,
            discount,
            rd_intensity,
            culture,
            strategy,
            initial_strategy: strategy,
            share: 0.0,
            entry_tick: self.tick,
            exit_tick: None,
            partner_count: 0,
            firms_met: 0,
            partnerships: Vec::new(),
            last_revenue: 0.0,
            ledger: Ledger::default(),
            profit_since_adapt: 0.0,
            shares_received: 0,
            initial_capability: capability,
            total_profit: 0.0,
            innovations: 0,
            shares_given: 0,
            withholds: 0,
            partnerships_formed: 0,
            strategy_switches: 0,
            peak_share: 0.0,
        });
        id
    }

    /// Tick 0: the initial firms of every origin, strategies apportioned to the mix.
    pub(super) fn populate(&mut self) {
        for origin in 0..self.params.origin_names.len() {
            let n = self.params.origin_firms[origin];
            let counts = apportion(n, &self.params.initial_mix[origin]);
            for (k, &c) in counts.iter().enumerate() {
                self.initial_by_strategy[k] += u64::from(c);
                for _ in 0..c {
                    self.spawn(origin, Strategy::ALL[k], false);
                }
            }
        }
        self.rebuild_indices();
    }

    /// Phase 9a: firms with negative cash leave; their partnerships end and
    /// their share goes to the outside option.
    pub(super) fn exits(&mut self) {
        if !self.params.exit {
            return;
        }
        let now = self.tick;
        let initial_count: u32 = self.params.origin_firms.iter().sum();
        let leaving: Vec<FirmId> = self
            .alive
            .iter()
            .copied()
            .filter(|&id| self.firms[id as usize].cash < 0.0)
            .collect();
        for id in leaving {
            let partnerships = self.firms[id as usize].partnerships.clone();
            for pid in partnerships {
                self.dissolve(pid, Cause::Exit);
            }
            let f = &mut self.firms[id as usize];
            f.exit_tick = Some(now);
            self.outside_share[f.segment as usize] += f.share;
            let cash = f.cash;
            f.share = 0.0;
            let (strategy, initial) = (f.strategy as usize, id < initial_count);
            self.totals.exits_by_held_strategy[strategy] += 1;
            if initial {
                self.totals.initial_exits_by_held_strategy[strategy] += 1;
            }
            self.counters.exits += 1;
            self.event(EventKind::Exit, id, None, "negative_cash", Some(cash));
        }
        self.prune_partnerships();
    }

    /// Phase 9b: Poisson(λ_entry) entrants with their origin's newcomer
    /// mix, then this tick's scheduled wave (origin by origin, in name
    /// order), drawn the same way from the same stream.
    pub(super) fn entries(&mut self) {
        self.poisson_entries();
        if self.wave_now.is_empty() {
            return;
        }
        let first = self.firms.len() as FirmId;
        for (origin, n) in std::mem::take(&mut self.wave_now) {
            for _ in 0..n {
                let strategy =
                    draw_strategy(&self.params.newcomer_mix[origin], &mut self.rngs.entry);
                let id = self.spawn(origin, strategy, true);
                self.counters.entries += 1;
                self.event(EventKind::Entry, id, None, strategy.name(), None);
            }
        }
        let count = self.firms.len() as FirmId - first;
        self.waves.push(super::Wave {
            tick: self.tick,
            first,
            count,
        });
    }

    fn poisson_entries(&mut self) {
        if !self.params.entry || self.current.population.entry_rate <= 0.0 {
            return;
        }
        let poisson = Poisson::new(self.current.population.entry_rate).expect("validated > 0");
        let n = poisson.sample(&mut self.rngs.entry) as u64;
        for _ in 0..n {
            let origin = draw_weighted(&self.params.entry_weights, &mut self.rngs.entry);
            let strategy = draw_strategy(&self.params.newcomer_mix[origin], &mut self.rngs.entry);
            let id = self.spawn(origin, strategy, true);
            self.counters.entries += 1;
            self.event(EventKind::Entry, id, None, strategy.name(), None);
        }
    }

    /// Phase 9c: every `adapt_every` ticks, firms may copy a more profitable
    /// firm's strategy. Decisions use a snapshot, so firm order does not matter.
    pub(super) fn adapt(&mut self) {
        let every = self.current.population.adapt_every;
        if !(self.tick + 1).is_multiple_of(every) {
            return;
        }
        if self.params.adaptation && self.alive.len() > 1 {
            let k = self.current.population.selection_scale;
            let p = self.current.population.adapt_probability;
            let snapshot: Vec<(Strategy, f64)> = self
                .alive
                .iter()
                .map(|&id| {
                    (
                        self.firms[id as usize].strategy,
                        self.firms[id as usize].profit_since_adapt,
                    )
                })
                .collect();
            let n = self.alive.len();
            for idx in 0..n {
                let rng = &mut self.rngs.adaptation;
                if !rng.random_bool(p) {
                    continue;
                }
                let mut other = rng.random_range(0..n - 1);
                if other >= idx {
                    other += 1;
                }
                let (own_strategy, own_profit) = snapshot[idx];
                let (their_strategy, their_profit) = snapshot[other];
                let copy = rng.random_bool(copy_probability(own_profit, their_profit, k));
                if copy && their_strategy != own_strategy {
                    let id = self.alive[idx];
                    let f = &mut self.firms[id as usize];
                    f.strategy = their_strategy;
                    f.strategy_switches += 1;
                    self.counters.strategy_switches += 1;
                    let detail = format!("{}->{}", own_strategy.name(), their_strategy.name());
                    self.event_owned(
                        EventKind::StrategySwitch,
                        id,
                        Some(self.alive[other]),
                        detail,
                        Some(their_profit - own_profit),
                    );
                }
            }
        }
        for &id in &self.alive {
            self.firms[id as usize].profit_since_adapt = 0.0;
        }
    }

    /// Rebuilds the alive list and the per-origin and per-segment indices (all sorted by id).
    pub(super) fn rebuild_indices(&mut self) {
        self.alive.clear();
        for v in &mut self.by_origin {
            v.clear();
        }
        for v in &mut self.by_segment {
            v.clear();
        }
        for f in &self.firms {
            if f.alive() {
                self.alive.push(f.id);
                self.by_origin[f.origin as usize].push(f.id);
                self.by_segment[f.segment as usize].push(f.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream};

    #[test]
    fn fermi_rule_favours_the_more_profitable() {
        assert!((copy_probability(1.0, 1.0, 2.0) - 0.5).abs() < 1e-12);
        assert!(copy_probability(0.0, 10.0, 2.0) > 0.99);
        assert!(copy_probability(10.0, 0.0, 2.0) < 0.01);
        assert!(copy_probability(0.0, 1.0, 0.5) > copy_probability(0.0, 1.0, 5.0));
    }

    #[test]
    fn apportion_is_exact_and_complete() {
        let mix = [0.3, 0.2, 0.2, 0.0, 0.15, 0.15];
        let c = apportion(30, &mix);
        assert_eq!(c.iter().sum::<u32>(), 30);
        assert_eq!(c, [9, 6, 6, 0, 5, 4]);
        assert_eq!(apportion(0, &mix).iter().sum::<u32>(), 0);
        let c = apportion(7, &[1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0, 0.0, 0.0, 0.0]);
        assert_eq!(c.iter().sum::<u32>(), 7);
    }

    /// The old split handed the missing firms to weight-0 strategies (or
    /// lost them) when a mix summed to 1 ± 1e-6, as validation allows, for
    /// origins of millions of firms.
    #[test]
    fn apportion_of_a_mix_off_by_the_tolerance_is_exact_for_any_size() {
        let base = [0.3, 0.2, 0.2, 0.0, 0.15, 0.15];
        for scale in [1.0 - 1e-6, 1.0 - 3e-7, 1.0, 1.0 + 3e-7, 1.0 + 1e-6] {
            let mix = base.map(|p| p * scale);
            for n in [
                0,
                1,
                7,
                30,
                1_000,
                2_000_001,
                9_999_999,
                10_000_000,
                u32::MAX,
            ] {
                let c = apportion(n, &mix);
                assert_eq!(
                    c.iter().map(|&x| u64::from(x)).sum::<u64>(),
                    u64::from(n),
                    "scale {scale}, n {n}: {c:?}"
                );
                assert_eq!(c[3], 0, "a weight-0 strategy got firms: {c:?}");
                for (k, &p) in base.iter().enumerate() {
                    let quota = p * n as f64;
                    assert!(
                        (c[k] as f64 - quota).abs() <= 1.0 + 1e-6 * n as f64,
                        "scale {scale}, n {n}, strategy {k}: {} for a quota of {quota}",
                        c[k]
                    );
                }
            }
        }
        // A single strategy takes every firm.
        assert_eq!(
            apportion(5, &[0.0, 1.0 + 1e-6, 0.0, 0.0, 0.0, 0.0]),
            [0, 5, 0, 0, 0, 0]
        );
    }

    #[test]
    fn draw_strategy_follows_the_mix() {
        let mut rng = stream(5, Purpose::Entry);
        let mix = [0.5, 0.0, 0.0, 0.0, 0.5, 0.0];
        let mut counts = [0u32; Strategy::COUNT];
        for _ in 0..10_000 {
            counts[draw_strategy(&mix, &mut rng) as usize] += 1;
        }
        assert_eq!(counts[1] + counts[2] + counts[3] + counts[5], 0);
        assert!((counts[0] as f64 / 10_000.0 - 0.5).abs() < 0.02);
    }
}
