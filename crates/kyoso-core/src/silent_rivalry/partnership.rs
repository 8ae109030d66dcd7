//! Partnerships, their friction and their end (spec section 6, claim C6).
//!
//! Two firms that meet may partner when each trusts the other at least τ,
//! their overlap is below `max_overlap` and both have room. Each tick each
//! partner receives V·(1 − κ·d); friction accumulates with cultural
//! distance d and horizon mismatch, and the partnership dissolves with
//! hazard min(1, h0 + h1·F). An opportunist partner leaks; a detected leak
//! ends the partnership as a betrayal and costs it trust.

use rand::RngExt;

use crate::prefetch::{FIRMS_AHEAD, prefetch};
use crate::silent_rivalry::Simulation;
use crate::silent_rivalry::events::EventKind;
use crate::silent_rivalry::firm::{FirmId, Strategy};

/// Why a partnership ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    /// Accumulated friction (the hazard fired).
    Friction,
    /// A detected leak by an opportunist partner.
    Betrayal,
    /// A partner left the market.
    Exit,
}

impl Cause {
    /// Every cause, in output order.
    pub const ALL: [Cause; 3] = [Cause::Friction, Cause::Betrayal, Cause::Exit];

    /// The name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Friction => "friction",
            Cause::Betrayal => "betrayal",
            Cause::Exit => "exit",
        }
    }
}

/// One partnership between firms `a < b`.
#[derive(Debug, Clone, PartialEq)]
pub struct Partnership {
    pub id: u32,
    pub a: FirmId,
    pub b: FirmId,
    pub formed_tick: u32,
    /// Cultural distance d ∈ [0, 1].
    pub distance: f64,
    /// |δ_a − δ_b|.
    pub horizon_gap: f64,
    /// Accumulated friction F.
    pub friction: f64,
    pub ended: Option<(u32, Cause)>,
}

/// Cultural distance: Euclidean distance in \[0,1\]^3 divided by √3.
pub fn cultural_distance(x: &[f64; 3], y: &[f64; 3]) -> f64 {
    let s: f64 = x.iter().zip(y).map(|(p, q)| (p - q) * (p - q)).sum();
    s.sqrt() / 3f64.sqrt()
}

/// Per-tick value of a partnership to each partner: V·(1 − κ·d).
pub fn value(v: f64, kappa: f64, distance: f64) -> f64 {
    v * (1.0 - kappa * distance)
}

/// Friction added per tick: φ_c·d + φ_h·|δ_i − δ_j|/0.08.
pub fn friction_step(phi_culture: f64, distance: f64, phi_horizon: f64, horizon_gap: f64) -> f64 {
    phi_culture * distance + phi_horizon * horizon_gap / 0.08
}

/// Dissolution hazard per tick: min(1, h0 + h1·F).
pub fn hazard(h0: f64, h1: f64, friction: f64) -> f64 {
    (h0 + h1 * friction).min(1.0)
}

impl Simulation {
    /// Forms a partnership between `i` and `j` if both trust each other
    /// enough, they are not direct rivals, both have room, and chance agrees.
    pub(super) fn maybe_form_partnership(
        &mut self,
        i: FirmId,
        j: FirmId,
        overlap: f64,
        t_ij: f64,
        t_ji: f64,
    ) {
        let cfg = &self.current.partnerships;
        if overlap >= cfg.max_overlap {
            return;
        }
        if t_ij < cfg.trust_threshold || t_ji < cfg.trust_threshold {
            return;
        }
        let (fi, fj) = (&self.firms[i as usize], &self.firms[j as usize]);
        let max = cfg.max_partners as usize;
        if fi.partner_count as usize >= max || fj.partner_count as usize >= max {
            return;
        }
        // Already partners? Only a firm with partners can be; the shorter
        // list is searched (each entry is a random access).
        let (short, other) = if fi.partner_count <= fj.partner_count {
            (fi, j)
        } else {
            (fj, i)
        };
        debug_assert_eq!(short.partner_count as usize, short.partnerships.len());
        if short.partner_count > 0
            && short.partnerships.iter().any(|&p| {
                let p = &self.partnerships[p as usize];
                p.a == other || p.b == other
            })
        {
            return;
        }
        let now = self.tick;
        if !self.rngs.partnerships.random_bool(cfg.form_probability) {
            return;
        }
        let (a, b) = if i < j { (i, j) } else { (j, i) };
        let id = self.partnerships.len() as u32;
        let (fa, fb) = (&self.firms[a as usize], &self.firms[b as usize]);
        self.partnerships.push(Partnership {
            id,
            a,
            b,
            formed_tick: now,
            distance: cultural_distance(&fa.culture, &fb.culture),
            horizon_gap: (fa.discount - fb.discount).abs(),
            friction: 0.0,
            ended: None,
        });
        self.active_partnerships.push(id);
        for f in [a, b] {
            let firm = &mut self.firms[f as usize];
            firm.partnerships.push(id);
            firm.partner_count = firm.partnerships.len() as u8;
            firm.partnerships_formed += 1;
        }
        self.counters.partnerships_formed += 1;
        self.event(
            EventKind::PartnershipFormed,
            a,
            Some(b),
            "",
            Some(self.partnerships[id as usize].distance),
        );
    }

    /// Phase 6: value, friction, leaks and dissolution of every active partnership.
    pub(super) fn partnerships_tick(&mut self) {
        if !self.params.partnerships {
            return;
        }
        let cfg = self.current.partnerships.clone();
        let now = self.tick;
        let active = std::mem::take(&mut self.active_partnerships);
        for (n, &pid) in active.iter().enumerate() {
            // The partners are random firms: fetch them a few partnerships
            // ahead (and the partnership itself further ahead).
            if let Some(&ahead) = active.get(n + 2 * FIRMS_AHEAD) {
                prefetch(&self.partnerships[ahead as usize]);
            }
            if let Some(&ahead) = active.get(n + FIRMS_AHEAD) {
                let q = &self.partnerships[ahead as usize];
                self.firms[q.a as usize].prefetch_encounter_line();
                self.firms[q.b as usize].prefetch_encounter_line();
            }
            let p = &mut self.partnerships[pid as usize];
            if p.ended.is_some() {
                continue;
            }
            let gain = value(cfg.value, cfg.culture_penalty, p.distance).max(0.0);
            p.friction += friction_step(
                cfg.friction_culture,
                p.distance,
                cfg.friction_horizon,
                p.horizon_gap,
            );
            let (a, b, friction) = (p.a, p.b, p.friction);
            self.firms[a as usize].ledger.partnership += gain;
            self.firms[b as usize].ledger.partnership += gain;

            // Leaks by opportunist partners; a detected one is a betrayal.
            let mut betrayed = None;
            for (leaker, victim) in [(a, b), (b, a)] {
                if self.firms[leaker as usize].strategy != Strategy::Opportunist {
                    continue;
                }
                if !self.rngs.partnerships.random_bool(cfg.leak_probability) {
                    continue;
                }
                if !self.leak(victim, cfg.leak_intel) {
                    continue;
                }
                self.counters.leaks += 1;
                let detected =
                    !self.params.veneer || self.rngs.partnerships.random_bool(self.params.detect);
                if detected && betrayed.is_none() {
                    betrayed = Some((leaker, victim));
                }
            }
            if let Some((leaker, victim)) = betrayed {
                let (fv, fl) = (&self.firms[victim as usize], &self.firms[leaker as usize]);
                let same_origin = fv.origin == fl.origin;
                let prior = self.params.prior(fv.strategy, same_origin);
                let prior_leaker = self.params.prior(fl.strategy, same_origin);
                let decay = self.params.trust_decay;
                self.trust.penalise(
                    victim,
                    leaker,
                    cfg.betrayal_penalty,
                    prior,
                    prior_leaker,
                    decay,
                    now,
                );
                self.counters.betrayals_detected += 1;
                self.event(EventKind::BetrayalDetected, victim, Some(leaker), "", None);
                self.dissolve(pid, Cause::Betrayal);
                continue;
            }
            if self.rngs.partnerships.random_bool(hazard(
                cfg.hazard_base,
                cfg.hazard_friction,
                friction,
            )) {
                self.dissolve(pid, Cause::Friction);
            }
        }
        self.active_partnerships = active;
        self.prune_partnerships();
    }

    /// A leak: the victim's information reaches one of its direct rivals,
    /// drawn at random, whose intel on the victim grows by `amount`.
    /// Returns false when the victim has no rival to leak to.
    fn leak(&mut self, victim: FirmId, amount: f64) -> bool {
        let rivals = &self.by_segment[self.firms[victim as usize].segment as usize];
        if rivals.len() < 2 {
            return false;
        }
        let pos = rivals.binary_search(&victim).ok();
        let mut k = self.rngs.partnerships.random_range(0..rivals.len() - 1);
        if let Some(p) = pos
            && k >= p
        {
            k += 1;
        }
        let rival = rivals[k];
        let segment = self.firms[victim as usize].segment as usize;
        self.intel[segment].add(rival, victim, amount);
        true
    }

    /// Ends a partnership: unlinks both firms, counts and logs the cause.
    pub(super) fn dissolve(&mut self, pid: u32, cause: Cause) {
        let now = self.tick;
        let p = &mut self.partnerships[pid as usize];
        if p.ended.is_some() {
            return;
        }
        p.ended = Some((now, cause));
        let (a, b, duration) = (p.a, p.b, (now - p.formed_tick) as f64);
        for f in [a, b] {
            let firm = &mut self.firms[f as usize];
            firm.partnerships.retain(|&x| x != pid);
            firm.partner_count = firm.partnerships.len() as u8;
        }
        self.counters.partnerships_dissolved[cause as usize] += 1;
        self.counters.partnership_durations[cause as usize] += duration;
        self.event(
            EventKind::PartnershipDissolved,
            a,
            Some(b),
            cause.name(),
            Some(duration),
        );
    }

    /// Drops ended partnerships from the active list.
    pub(super) fn prune_partnerships(&mut self) {
        let partnerships = &self.partnerships;
        self.active_partnerships
            .retain(|&p| partnerships[p as usize].ended.is_none());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_is_normalised() {
        assert_eq!(cultural_distance(&[0.0; 3], &[0.0; 3]), 0.0);
        assert!((cultural_distance(&[0.0; 3], &[1.0; 3]) - 1.0).abs() < 1e-12);
        let d = cultural_distance(&[0.7, 0.3, 0.6], &[0.3, 0.7, 0.4]);
        assert!(d > 0.0 && d < 1.0);
    }

    #[test]
    fn value_falls_with_distance() {
        assert_eq!(value(1.0, 0.8, 0.0), 1.0);
        assert!((value(1.0, 0.8, 1.0) - 0.2).abs() < 1e-12);
        assert!(value(1.0, 0.8, 0.5) < value(1.0, 0.8, 0.2));
    }

    #[test]
    fn friction_grows_with_distance_and_horizon_gap() {
        let same = friction_step(0.05, 0.0, 0.05, 0.0);
        assert_eq!(same, 0.0);
        let culture = friction_step(0.05, 0.5, 0.05, 0.0);
        let horizon = friction_step(0.05, 0.0, 0.05, 0.08);
        assert!((culture - 0.025).abs() < 1e-12);
        assert!((horizon - 0.05).abs() < 1e-12);
    }

    #[test]
    fn hazard_is_capped_at_one() {
        assert!((hazard(0.005, 0.02, 0.0) - 0.005).abs() < 1e-12);
        assert!((hazard(0.005, 0.02, 1.0) - 0.025).abs() < 1e-12);
        assert_eq!(hazard(0.005, 0.02, 1e6), 1.0);
    }
}
