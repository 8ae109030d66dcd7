//! Trust as a Beta reputation (spec section 4, claim C1).
//!
//! Trust of i in j is Beta(a, b) with expected value a/(a+b). A first
//! meeting starts from the prior (m·n0, (1−m)·n0), with m = m_in for the
//! same origin and m_out otherwise. Each observation adds 1 to a (seen
//! sharing) or b (seen withholding). Every tick a and b decay toward the
//! prior by the factor λ; the decay is applied lazily on access, which is
//! exact: after k ticks without news, a = a0 + λ^k (a − a0).

use rustc_hash::FxHashMap;

use crate::silent_rivalry::firm::FirmId;

/// The Beta prior of one truster towards one trustee.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prior {
    pub a: f64,
    pub b: f64,
}

impl Prior {
    /// The prior with mean `mean` and weight `weight` pseudo-observations.
    pub fn new(mean: f64, weight: f64) -> Prior {
        Prior {
            a: mean * weight,
            b: (1.0 - mean) * weight,
        }
    }

    /// The prior's expected trust.
    pub fn mean(&self) -> f64 {
        self.a / (self.a + self.b)
    }
}

/// What one firm knows of another.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrustEntry {
    pub a: f64,
    pub b: f64,
    /// Tick at which `a` and `b` were last brought up to date.
    pub tick: u32,
    /// The other's last observed action (true = seemed to share).
    pub last_seen_share: bool,
}

impl TrustEntry {
    /// Expected trust a/(a+b).
    pub fn expected(&self) -> f64 {
        self.a / (self.a + self.b)
    }

    /// Records one observation: +1 to a (seen sharing) or to b (seen withholding).
    pub fn observe(&mut self, seen_share: bool) {
        if seen_share {
            self.a += 1.0;
        } else {
            self.b += 1.0;
        }
        self.last_seen_share = seen_share;
    }
}

/// A firm's sparse trust map, keyed by the other firm's id. A hash map with
/// a fixed (unseeded) hasher: lookups only, and [`TrustBook::entries`]
/// returns entries sorted by id, so no hash order ever reaches an output.
#[derive(Debug, Clone, Default)]
pub struct TrustBook {
    entries: FxHashMap<FirmId, TrustEntry>,
}

impl TrustBook {
    /// Number of firms this firm has met.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether this firm has met nobody.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries (not decayed), sorted by the other firm's id.
    pub fn entries(&self) -> Vec<(FirmId, TrustEntry)> {
        let mut v: Vec<(FirmId, TrustEntry)> = self.entries.iter().map(|(&k, &e)| (k, e)).collect();
        v.sort_by_key(|e| e.0);
        v
    }

    /// Whether `other` has been met before.
    pub fn has_met(&self, other: FirmId) -> bool {
        self.entries.contains_key(&other)
    }

    /// The entry for `other` decayed to `now`, or `None` if never met.
    pub fn get(&self, other: FirmId, prior: Prior, decay: f64, now: u32) -> Option<TrustEntry> {
        self.entries
            .get(&other)
            .map(|&e| decayed(e, prior, decay, now))
    }

    /// Expected trust in `other` at `now`: the prior's mean for a stranger.
    pub fn expected(&self, other: FirmId, prior: Prior, decay: f64, now: u32) -> f64 {
        match self.get(other, prior, decay, now) {
            Some(e) => e.expected(),
            None => prior.mean(),
        }
    }

    /// The entry for `other`, decayed to `now`; a stranger gets a new entry
    /// at the prior. The flag is true when the entry is new (first meeting).
    pub fn entry(
        &mut self,
        other: FirmId,
        prior: Prior,
        decay: f64,
        now: u32,
    ) -> (&mut TrustEntry, bool) {
        let mut new = false;
        let e = self.entries.entry(other).or_insert_with(|| {
            new = true;
            TrustEntry {
                a: prior.a,
                b: prior.b,
                tick: now,
                last_seen_share: true,
            }
        });
        *e = decayed(*e, prior, decay, now);
        (e, new)
    }

    /// Records one observation of `other` (seen sharing or withholding).
    pub fn observe(&mut self, other: FirmId, seen_share: bool, prior: Prior, decay: f64, now: u32) {
        self.entry(other, prior, decay, now).0.observe(seen_share);
    }

    /// Adds `amount` to the withholding count of `other` (a detected betrayal).
    pub fn penalise(&mut self, other: FirmId, amount: f64, prior: Prior, decay: f64, now: u32) {
        let (e, _) = self.entry(other, prior, decay, now);
        e.b += amount;
        e.last_seen_share = false;
    }

    /// Drops entries about firms for which `gone` is true (exited firms).
    pub fn forget(&mut self, gone: impl Fn(FirmId) -> bool) {
        self.entries.retain(|&k, _| !gone(k));
    }
}

/// Brings an entry from its tick to `now`: each tick, a ← a0 + λ(a − a0).
fn decayed(mut e: TrustEntry, prior: Prior, decay: f64, now: u32) -> TrustEntry {
    if now > e.tick {
        let f = decay.powi((now - e.tick) as i32);
        e.a = prior.a + f * (e.a - prior.a);
        e.b = prior.b + f * (e.b - prior.b);
        e.tick = now;
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Prior = Prior { a: 1.0, b: 1.0 };

    #[test]
    fn stranger_gets_prior_mean() {
        let book = TrustBook::default();
        assert_eq!(book.expected(3, Prior::new(0.9, 10.0), 0.98, 5), 0.9);
        assert!(!book.has_met(3));
    }

    #[test]
    fn observations_move_trust_in_the_right_direction() {
        let mut book = TrustBook::default();
        book.observe(4, true, P, 0.98, 0);
        let up = book.expected(4, P, 0.98, 0);
        assert!((up - 2.0 / 3.0).abs() < 1e-12);
        book.observe(4, false, P, 0.98, 0);
        book.observe(4, false, P, 0.98, 0);
        let down = book.expected(4, P, 0.98, 0);
        assert!((down - 2.0 / 5.0).abs() < 1e-12);
    }

    #[test]
    fn decay_moves_counts_toward_prior_geometrically() {
        let mut book = TrustBook::default();
        for _ in 0..10 {
            book.observe(1, true, P, 0.9, 0);
        }
        let e0 = book.get(1, P, 0.9, 0).unwrap();
        assert!((e0.a - 11.0).abs() < 1e-12);
        let e5 = book.get(1, P, 0.9, 5).unwrap();
        assert!((e5.a - (1.0 + 0.9f64.powi(5) * 10.0)).abs() < 1e-12);
        // Lazy decay equals step-by-step decay.
        let mut step = e0;
        for t in 1..=5 {
            step = decayed(step, P, 0.9, t);
        }
        assert!((step.a - e5.a).abs() < 1e-12);
        // Far in the future trust returns to the prior mean.
        assert!((book.expected(1, P, 0.9, 10_000) - 0.5).abs() < 1e-9);
    }

    #[test]
    fn no_decay_when_lambda_is_one() {
        let mut book = TrustBook::default();
        book.observe(2, false, P, 1.0, 0);
        assert_eq!(book.get(2, P, 1.0, 100).unwrap().b, 2.0);
    }

    #[test]
    fn penalty_and_forget() {
        let mut book = TrustBook::default();
        book.observe(7, true, P, 1.0, 0);
        book.penalise(7, 5.0, P, 1.0, 0);
        assert!(book.expected(7, P, 1.0, 0) < 0.3);
        book.observe(2, true, P, 1.0, 0);
        book.forget(|id| id == 7);
        assert_eq!(book.len(), 1);
        assert_eq!(book.entries()[0].0, 2);
    }
}
