//! R&D, innovation, imitation and spillover (spec section 7, claims C5 and C7).
//!
//! R&D spend r = ρ·revenue·(1 + η·pressure), where pressure is the share
//! of same-segment rivals within a band of the firm's own capability (firms
//! neck and neck spend more to escape competition). Innovation succeeds with
//! probability 1 − exp(−χ·r) and adds Δq·(1 + N(0, σ)). Imitation closes a
//! fraction θ_eff·A of the gap to the segment's frontier, with absorptive
//! capacity A = r/(r + r0) and θ_eff = θ + θ_info·(shares received).
//! Revenue is last tick's: firms budget R&D from last month's sales.

use rand::RngExt;
use rand_distr::{Distribution, Normal};

use crate::prefetch::FIRMS_AHEAD;
use crate::silent_rivalry::Simulation;
use crate::silent_rivalry::events::EventKind;
use crate::silent_rivalry::firm::FirmId;

/// Share of the `rivals` (excluding the firm itself) whose capability lies
/// within `band` of `own`, given every capability of the segment sorted
/// ascending (the firm's own included).
pub fn pressure(sorted: &[f64], own: f64, band: f64) -> f64 {
    if sorted.len() < 2 {
        return 0.0;
    }
    let lo = sorted.partition_point(|&q| q < own - band);
    let hi = sorted.partition_point(|&q| q <= own + band);
    let within = (hi - lo).saturating_sub(1); // minus the firm itself
    within as f64 / (sorted.len() - 1) as f64
}

/// [`pressure`] for every firm of a segment at once, given the segment
/// sorted by capability: a sliding window, linear in the segment size.
pub fn pressures_within(sorted: &[(f64, FirmId)], band: f64, out: &mut Vec<f64>) {
    out.clear();
    let n = sorted.len();
    if n < 2 {
        out.resize(n, 0.0);
        return;
    }
    let (mut lo, mut hi) = (0, 0);
    for &(q, _) in sorted {
        while sorted[lo].0 < q - band {
            lo += 1;
        }
        while hi < n && sorted[hi].0 <= q + band {
            hi += 1;
        }
        out.push((hi - lo - 1) as f64 / (n - 1) as f64);
    }
}

/// A key whose integer order is the order of (capability by
/// `f64::total_cmp`, then id): firms are visited in this order, and keys
/// sort much faster than tuples compared field by field. Keys are unique,
/// so an unstable sort gives the one order.
pub fn capability_order_key(q: f64, id: FirmId) -> u128 {
    // total_cmp's order as unsigned integers: flip every bit of negative
    // numbers and the sign bit of the others.
    let bits = q.to_bits();
    let ordered = if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    };
    (ordered as u128) << 32 | id as u128
}

/// The capability and id of a [`capability_order_key`].
pub fn from_capability_order_key(key: u128) -> (f64, FirmId) {
    let ordered = (key >> 32) as u64;
    let bits = if ordered >> 63 == 1 {
        ordered & !(1 << 63)
    } else {
        !ordered
    };
    (f64::from_bits(bits), key as FirmId)
}

/// R&D spend: ρ·revenue·(1 + η·pressure).
pub fn rd_spend(intensity: f64, revenue: f64, escape: f64, pressure: f64) -> f64 {
    intensity * revenue.max(0.0) * (1.0 + escape * pressure)
}

/// Probability that R&D spend `r` yields an innovation: 1 − exp(−χ·r).
pub fn success_probability(chi: f64, r: f64) -> f64 {
    1.0 - (-chi * r).exp()
}

/// Absorptive capacity A = r/(r + r0), in [0, 1).
pub fn absorptive_capacity(r: f64, r0: f64) -> f64 {
    r / (r + r0)
}

/// Capability gained by imitation: min(1, θ_eff·A)·max(0, q_front − q).
/// Never overshoots the frontier.
pub fn imitation_gain(theta_eff: f64, absorptive: f64, front: f64, q: f64) -> f64 {
    (theta_eff * absorptive).clamp(0.0, 1.0) * (front - q).max(0.0)
}

impl Simulation {
    /// Phase 7: every alive firm spends on R&D, may innovate, and imitates the frontier.
    pub(super) fn innovate_and_imitate(&mut self) {
        let cfg = self.current.innovation.clone();
        let escape = if self.params.escape_competition {
            cfg.escape_pressure
        } else {
            0.0
        };
        let step_noise = Normal::new(0.0, cfg.step_sd).expect("step_sd validated finite and >= 0");
        let mut keys: Vec<u128> = Vec::new();
        let mut sorted: Vec<(f64, FirmId)> = Vec::new();
        let mut pressures: Vec<f64> = Vec::new();
        for segment in 0..self.by_segment.len() {
            keys.clear();
            // A segment's firms are spread over the firm table (a stride of
            // about one firm per segment), which the hardware does not
            // prefetch: fetch a few ahead.
            let members = &self.by_segment[segment];
            keys.extend(members.iter().enumerate().map(|(k, &f)| {
                if let Some(&ahead) = members.get(k + FIRMS_AHEAD) {
                    self.firms[ahead as usize].prefetch_phase_line();
                }
                capability_order_key(self.firms[f as usize].capability, f)
            }));
            keys.sort_unstable();
            sorted.clear();
            sorted.extend(keys.iter().map(|&k| from_capability_order_key(k)));
            let front = sorted.last().map_or(0.0, |x| x.0);
            pressures_within(&sorted, cfg.pressure_band, &mut pressures);
            for (k, &(q, id)) in sorted.iter().enumerate() {
                // Capability order is random in memory: fetch a few firms ahead.
                if let Some(&(_, ahead)) = sorted.get(k + FIRMS_AHEAD) {
                    self.firms[ahead as usize].prefetch_hot_lines();
                }
                let firm = &self.firms[id as usize];
                // Innovation off is neutral: no R&D is spent, so nothing
                // innovates and nothing is absorbed for imitation (A = 0).
                let r = if self.params.innovation {
                    rd_spend(firm.rd_intensity, firm.last_revenue, escape, pressures[k])
                } else {
                    0.0
                };
                let theta_eff = cfg.imitation + cfg.imitation_info * firm.shares_received as f64;
                let mut innovation = 0.0;
                if self.params.innovation && r > 0.0 {
                    let rng = &mut self.rngs.innovation;
                    if rng.random_bool(success_probability(cfg.success_scale, r)) {
                        innovation = cfg.step * (1.0 + step_noise.sample(rng)).max(0.0);
                    }
                }
                let imitation = if self.params.imitation {
                    imitation_gain(
                        theta_eff,
                        absorptive_capacity(r, cfg.absorptive_half),
                        front,
                        q,
                    )
                } else {
                    0.0
                };
                let firm = &mut self.firms[id as usize];
                firm.ledger.rd = r;
                firm.capability = q + innovation + imitation;
                self.counters.rd_spend += r;
                self.counters.imitation_gain += imitation;
                if innovation > 0.0 {
                    firm.innovations += 1;
                    self.counters.innovations += 1;
                    self.event(EventKind::Innovation, id, None, "", Some(innovation));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pressure_counts_neighbours_within_band() {
        let caps = [0.5, 0.95, 1.0, 1.05, 1.5];
        assert!((pressure(&caps, 1.0, 0.1) - 0.5).abs() < 1e-12);
        assert_eq!(pressure(&caps, 0.5, 0.1), 0.0);
        assert_eq!(pressure(&[1.0], 1.0, 0.1), 0.0);
        assert_eq!(pressure(&[1.0, 1.0, 1.0], 1.0, 0.0), 1.0);
    }

    #[test]
    fn sliding_window_matches_the_direct_count() {
        let caps = [0.5, 0.95, 1.0, 1.0, 1.05, 1.2, 1.5];
        let sorted: Vec<(f64, FirmId)> = caps
            .iter()
            .enumerate()
            .map(|(k, &q)| (q, k as FirmId))
            .collect();
        let mut out = Vec::new();
        for band in [0.0, 0.05, 0.1, 0.3, 10.0] {
            pressures_within(&sorted, band, &mut out);
            for (k, &q) in caps.iter().enumerate() {
                assert!(
                    (out[k] - pressure(&caps, q, band)).abs() < 1e-12,
                    "band {band}, firm {k}"
                );
            }
        }
        pressures_within(&[(1.0, 0)], 0.1, &mut out);
        assert_eq!(out, vec![0.0]);
        // Random segments with ties, bit for bit against the direct count.
        use crate::rng::{Purpose, stream};
        use rand::RngExt;
        let mut rng = stream(4, Purpose::Innovation);
        for _ in 0..300 {
            let n = rng.random_range(2..40);
            let mut caps: Vec<f64> = (0..n)
                .map(|_| f64::from(rng.random_range(0..12u8)) * 0.05)
                .collect();
            caps.sort_by(f64::total_cmp);
            let sorted: Vec<(f64, FirmId)> = caps.iter().map(|&q| (q, 0)).collect();
            let band = [0.0, 0.05, 0.07, 0.3][rng.random_range(0..4)];
            pressures_within(&sorted, band, &mut out);
            for (k, &q) in caps.iter().enumerate() {
                assert_eq!(out[k].to_bits(), pressure(&caps, q, band).to_bits());
            }
        }
    }

    #[test]
    fn capability_keys_sort_like_total_cmp_then_id() {
        let qs = [
            1.0,
            -0.0,
            0.0,
            -1.5,
            2.5,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1.0,
            1e300,
            -1e-300,
        ];
        let mut by_tuple: Vec<(f64, FirmId)> = qs
            .iter()
            .enumerate()
            .map(|(k, &q)| (q, (k * 7 % 5) as FirmId))
            .collect();
        let mut keys: Vec<u128> = by_tuple
            .iter()
            .map(|&(q, id)| capability_order_key(q, id))
            .collect();
        by_tuple.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        keys.sort_unstable();
        let by_key: Vec<(f64, FirmId)> =
            keys.iter().map(|&k| from_capability_order_key(k)).collect();
        assert_eq!(by_key.len(), by_tuple.len());
        for (x, y) in by_key.iter().zip(&by_tuple) {
            assert_eq!((x.0.to_bits(), x.1), (y.0.to_bits(), y.1));
        }
    }

    #[test]
    fn escape_competition_raises_rd() {
        assert!((rd_spend(0.08, 10.0, 1.0, 0.0) - 0.8).abs() < 1e-12);
        assert!((rd_spend(0.08, 10.0, 1.0, 0.5) - 1.2).abs() < 1e-12);
        assert_eq!(rd_spend(0.08, -3.0, 1.0, 0.5), 0.0);
    }

    #[test]
    fn success_probability_is_a_probability() {
        assert_eq!(success_probability(0.1, 0.0), 0.0);
        for r in [0.1, 1.0, 10.0, 1e6] {
            let p = success_probability(0.1, r);
            assert!((0.0..=1.0).contains(&p));
        }
        assert!(success_probability(0.1, 2.0) > success_probability(0.1, 1.0));
    }

    #[test]
    fn imitation_is_bounded_by_the_frontier() {
        assert_eq!(imitation_gain(0.02, 0.5, 1.0, 1.2), 0.0);
        assert!((imitation_gain(0.02, 0.5, 2.0, 1.0) - 0.01).abs() < 1e-12);
        // A huge θ_eff never overshoots.
        assert!((imitation_gain(1e9, 0.9, 2.0, 1.0) - 1.0).abs() < 1e-12);
        assert!(absorptive_capacity(0.5, 0.5) == 0.5 && absorptive_capacity(0.0, 0.5) == 0.0);
    }
}
