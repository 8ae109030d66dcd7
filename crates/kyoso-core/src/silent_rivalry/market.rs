//! The market: demand, logit shares with inertia, intel edge, profit
//! (spec section 8, claims C4 and C8).
//!
//! Segment demand D_s(t) = D0·(1+g)^t. Firm i's attraction is
//! exp(β_q·q_i + γ·I_i), I_i the intel it holds on same-segment rivals
//! weighted by their shares. The target share is attraction over the
//! segment's total plus the local outside option exp(u0(t)), which rises by
//! `g_local` a month. Actual shares move toward the target with stickiness
//! μ, so early movers keep what they won. The outside option's share moves
//! the same way, and absorbs the share of firms that exit.

use crate::prefetch::FIRMS_AHEAD;
use crate::silent_rivalry::Simulation;

/// A piece of intel below this amount is forgotten (about 44 ticks for one unit at 10 % decay).
const INTEL_FLOOR: f64 = 0.01;

/// Logit target shares of the firms with utilities `v` against an outside
/// option of utility `u0`; returns the outside option's target share.
/// Numerically stable for any finite utilities.
pub fn logit_targets(v: &[f64], u0: f64, out: &mut Vec<f64>) -> f64 {
    let m = v.iter().copied().fold(u0, f64::max);
    out.clear();
    out.extend(v.iter().map(|&x| (x - m).exp()));
    let outside = (u0 - m).exp();
    let total: f64 = out.iter().sum::<f64>() + outside;
    for x in out.iter_mut() {
        *x /= total;
    }
    outside / total
}

/// Share with inertia: s(t) = μ·s(t−1) + (1−μ)·target.
pub fn sticky(previous: f64, target: f64, stickiness: f64) -> f64 {
    stickiness * previous + (1.0 - stickiness) * target
}

/// Logit inclusive value ln(Σ exp(v_i) + exp(u0)), computed stably.
pub fn inclusive_value(v: &[f64], u0: f64) -> f64 {
    let m = v.iter().copied().fold(u0, f64::max);
    let s: f64 = v.iter().map(|&x| (x - m).exp()).sum::<f64>() + (u0 - m).exp();
    m + s.ln()
}

impl Simulation {
    /// Demand of one segment at the current tick.
    pub fn demand(&self) -> f64 {
        let m = &self.current.market;
        if self.params.demand_growth {
            m.demand0 * (1.0 + m.demand_growth).powi(self.tick as i32)
        } else {
            m.demand0
        }
    }

    /// The local outside option's utility at the current tick.
    pub fn outside_option(&self) -> f64 {
        let m = &self.current.market;
        if self.params.local_growth {
            m.outside_option0 + m.local_growth * self.tick as f64
        } else {
            m.outside_option0
        }
    }

    /// Intel edges of one segment: I_i = Σ amount·s_about over the pieces
    /// held by i, with last tick's shares. Decays every piece by
    /// `intel_decay` first and drops pieces that fall below the floor;
    /// pieces on firms that left add nothing. Adds into `edge`, indexed by
    /// firm id.
    fn intel_edges(&mut self, segment: usize, decay: f64, edge: &mut [f64]) {
        self.intel[segment].decay_and_sum(1.0 - decay, INTEL_FLOOR, &self.share_snapshot, edge);
    }

    /// Phase 8: shares, revenue and gross margin for every segment.
    pub(super) fn clear_market(&mut self) {
        let m = self.current.market.clone();
        let demand = self.demand();
        let u0 = self.outside_option();
        let stickiness = if self.params.inertia {
            m.stickiness
        } else {
            0.0
        };
        let gamma = if self.params.intel_edge {
            m.gamma_intel
        } else {
            0.0
        };
        let mut utility = Vec::new();
        let mut quality = Vec::new();
        let mut target = Vec::new();
        let mut shares = Vec::new();
        let mut surplus = 0.0;
        let mut hhi = 0.0;
        self.share_snapshot.clear();
        // Exited firms count 0, so that intel about them adds nothing.
        self.share_snapshot.extend(
            self.firms
                .iter()
                .map(|f| if f.alive() { f.share } else { 0.0 }),
        );
        // Padded to a power of two for `IntelBook::decay_and_sum`.
        let padded = self.firms.len().next_power_of_two();
        self.share_snapshot.resize(padded, 0.0);
        let mut edge = std::mem::take(&mut self.edge_scratch);
        edge.clear();
        edge.resize(padded, 0.0);
        for segment in 0..self.by_segment.len() {
            let members = std::mem::take(&mut self.by_segment[segment]);
            utility.clear();
            quality.clear();
            self.intel_edges(segment, m.intel_decay, &mut edge);
            // Intel edges use last tick's shares of everyone: compute all first.
            // Members are spread over the firm table: fetch a few ahead.
            for (k, &id) in members.iter().enumerate() {
                if let Some(&ahead) = members.get(k + FIRMS_AHEAD) {
                    self.firms[ahead as usize].prefetch_phase_line();
                }
                let q = self.firms[id as usize].capability;
                utility.push(m.beta_quality * q + gamma * edge[id as usize]);
                quality.push(m.beta_quality * q);
            }
            let outside_target = logit_targets(&utility, u0, &mut target);
            let mut inside = 0.0;
            shares.clear();
            for (k, &id) in members.iter().enumerate() {
                if let Some(&ahead) = members.get(k + FIRMS_AHEAD) {
                    self.firms[ahead as usize].prefetch_hot_lines();
                }
                let f = &mut self.firms[id as usize];
                f.share = sticky(f.share, target[k], stickiness);
                shares.push(f.share);
                f.peak_share = f.peak_share.max(f.share);
                let revenue = f.share * demand;
                f.last_revenue = revenue;
                f.ledger.sales = m.margin * revenue;
                inside += f.share;
            }
            let out = &mut self.outside_share[segment];
            *out = sticky(*out, outside_target, stickiness);
            surplus += demand * inclusive_value(&quality, u0);
            if inside > 0.0 {
                hhi += shares.iter().map(|&s| (s / inside).powi(2)).sum::<f64>();
            }
            self.by_segment[segment] = members;
        }
        self.edge_scratch = edge;
        self.counters.consumer_surplus = surplus;
        self.counters.hhi = hhi / self.by_segment.len().max(1) as f64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_outside_sum_to_one() {
        let mut t = Vec::new();
        let out = logit_targets(&[1.0, 2.0, 0.5], 1.5, &mut t);
        let s: f64 = t.iter().sum::<f64>() + out;
        assert!((s - 1.0).abs() < 1e-12);
        assert!(t[1] > t[0] && t[0] > t[2]);
    }

    #[test]
    fn targets_are_stable_for_extreme_utilities() {
        let mut t = Vec::new();
        let out = logit_targets(&[800.0, -800.0], 0.0, &mut t);
        assert!(t.iter().all(|x| x.is_finite()) && out.is_finite());
        assert!((t[0] - 1.0).abs() < 1e-12);
        let out = logit_targets(&[], 3.0, &mut t);
        assert_eq!(out, 1.0);
    }

    #[test]
    fn higher_quality_wins_share() {
        let mut t = Vec::new();
        logit_targets(&[1.0, 1.1], 0.0, &mut t);
        assert!(t[1] > t[0]);
        assert!(((t[1] / t[0]) - 0.1f64.exp()).abs() < 1e-12);
    }

    #[test]
    fn inertia_moves_share_part_way() {
        assert!((sticky(0.0, 0.5, 0.8) - 0.1).abs() < 1e-12);
        assert_eq!(sticky(0.3, 0.5, 0.0), 0.5);
        assert_eq!(sticky(0.3, 0.5, 1.0), 0.3);
        // Repeated application converges to the target.
        let mut s = 0.0;
        for _ in 0..200 {
            s = sticky(s, 0.4, 0.8);
        }
        assert!((s - 0.4).abs() < 1e-9);
    }

    #[test]
    fn inclusive_value_matches_direct_formula() {
        let v = [0.2f64, 1.3];
        let direct = (v[0].exp() + v[1].exp() + 1.5f64.exp()).ln();
        assert!((inclusive_value(&v, 1.5) - direct).abs() < 1e-12);
        // More or better products raise the inclusive value.
        assert!(inclusive_value(&[0.2, 1.3, 0.1], 1.5) > inclusive_value(&v, 1.5));
    }
}
