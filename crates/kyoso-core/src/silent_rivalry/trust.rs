//! Trust as a Beta reputation (spec section 4, claim C1).
//!
//! Trust of i in j is Beta(a, b) with expected value a/(a+b). A first
//! meeting starts from the prior (m·n0, (1−m)·n0), with m = m_in for the
//! same origin and m_out otherwise. Each observation adds 1 to a (seen
//! sharing) or b (seen withholding). Every tick a and b decay toward the
//! prior by the factor λ; the decay is applied lazily on access, which is
//! exact: after k ticks without news, a = a0 + λ^k (a − a0).
//!
//! Storage: one open-addressing table for the whole market, one 16-byte
//! slot per unordered pair of firms that have met, holding both
//! directions. An encounter therefore touches one slot (one cache miss)
//! instead of two maps. In a large market most pairs meet only once, and
//! their counts are then known from the slot alone: each side's prior plus
//! one observation. Such a slot stores which priors and what was seen; the
//! counts of pairs that met again (or were penalised) are stored as f32 in
//! a dense side table the slot points to. The counts are the same f32
//! values either way (ample for counts of a few hundred); all arithmetic is
//! in f64. Lookups are by key only; [`TrustTable::pairs`] returns pairs
//! sorted by id, so no table order reaches an output.

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

/// A prior as the table names it: looked up once with
/// [`TrustTable::prior_ref`], then passed to [`TrustTable::meet_ref`]
/// without a lookup per meeting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriorRef {
    pub prior: Prior,
    /// The number naming it in a slot, or `UNNAMED` if the table's
    /// `MAX_PRIORS` names were taken.
    id: u32,
}

/// `PriorRef::id` of a prior the table could not name.
const UNNAMED: u32 = u32::MAX;

/// What a truster believes of a trustee, decayed to the current tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Belief {
    pub a: f64,
    pub b: f64,
    /// The trustee's last observed action (true = seemed to share).
    pub last_seen_share: bool,
}

impl Belief {
    /// Expected trust a/(a+b).
    pub fn expected(&self) -> f64 {
        self.a / (self.a + self.b)
    }
}

/// The key of a vacant slot. No pair has key 0: that would be firm 0 with itself.
const EMPTY: u64 = 0;

/// `Slot::info` bits 0–1: lo last saw hi share; hi last saw lo share.
const SEEN: u32 = 0b11;
/// `Slot::info` bit 2: the counts are in the side table, at index `info >> 3`.
const STORED: u32 = 1 << 2;
/// `Slot::info` bit 3, when not `STORED`: the meeting's observations were
/// added (to a for a seen share, to b otherwise, as `SEEN` tells).
const OBSERVED: u32 = 1 << 3;
/// `Slot::info` bits 4–7 and 8–11, when not `STORED`: lo's and hi's prior (interned).
const PRIOR_LO: u32 = 4;
const PRIOR_HI: u32 = 8;
/// How many distinct priors a slot can name (more are stored in full).
const MAX_PRIORS: usize = 16;

/// Both directions of trust between firms `lo < hi`.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
struct Slot {
    /// `lo << 32 | hi`, or `EMPTY` (0).
    key: u64,
    /// Tick at which both directions were last brought up to date.
    tick: u32,
    /// What was seen, and where the counts are (see `SEEN`, `STORED`).
    info: u32,
}

/// A table of `n` vacant slots. Vacant slots are all-zero bytes, so the
/// memory comes zeroed from the allocator (lazily, page by page, from the
/// kernel) instead of being written slot by slot.
fn vacant_slots(n: usize) -> Vec<Slot> {
    crate::prefetch::zeroed_huge_page_vec(n)
}

/// The beliefs held in counts `ab` (a and b of lo in hi, then of hi in lo)
/// with the `SEEN` bits `info`: lo's in hi, then hi's in lo (not decayed).
fn beliefs(ab: [f32; 4], info: u32) -> (Belief, Belief) {
    let belief = |d: usize, bit: u32| Belief {
        a: ab[d] as f64,
        b: ab[d + 1] as f64,
        last_seen_share: info & bit != 0,
    };
    (belief(0, 1), belief(2, 2))
}

/// The result of [`TrustTable::meet`]: both beliefs before the encounter
/// (and of [`TrustTable::observe`]: both after it). Kept as the slot's f32
/// counts, from which [`Meeting::ij`] and [`Meeting::ji`] are read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Meeting {
    slot: usize,
    /// a and b of lo in hi, then of hi in lo.
    ab: [f32; 4],
    /// The slot's `SEEN` bits.
    seen: u32,
    /// 0 when i is lo, 2 when i is hi: where i's counts start in `ab`.
    d_i: usize,
    /// True when the two firms had never met.
    pub first: bool,
}

impl Meeting {
    /// The belief whose counts start at `d` in `ab`.
    #[inline]
    fn belief(&self, d: usize) -> Belief {
        Belief {
            a: self.ab[d] as f64,
            b: self.ab[d + 1] as f64,
            last_seen_share: self.seen & (1 << (d / 2)) != 0,
        }
    }

    /// What i believes of j.
    #[inline]
    pub fn ij(&self) -> Belief {
        self.belief(self.d_i)
    }

    /// What j believes of i.
    #[inline]
    pub fn ji(&self) -> Belief {
        self.belief(2 - self.d_i)
    }
}

/// Trust between every pair of firms that have met.
#[derive(Debug, Clone)]
pub struct TrustTable {
    slots: Vec<Slot>,
    pairs: usize,
    /// Counts of the pairs whose slot is `STORED`.
    counts: Vec<[f32; 4]>,
    /// The distinct priors slots name, and a direct-mapped index into them.
    priors: Vec<Prior>,
    prior_index: [u8; MAX_PRIORS],
    /// λ^k for k below its length, for the λ whose bits are `powers_of`.
    powers: Vec<f64>,
    powers_of: u64,
}

impl Default for TrustTable {
    fn default() -> Self {
        TrustTable::with_slots(1024)
    }
}

fn key(x: FirmId, y: FirmId) -> (u64, bool) {
    if x < y {
        (((x as u64) << 32) | y as u64, true)
    } else {
        (((y as u64) << 32) | x as u64, false)
    }
}

/// Brings one direction from `tick` to `now`: each tick, a ← a0 + λ(a − a0).
#[cfg(test)]
fn decay_counts(a: f64, b: f64, prior: Prior, decay: f64, ticks: u32) -> (f64, f64) {
    decay_by(a, b, prior, decay.powi(ticks as i32), ticks)
}

/// [`decay_counts`] given the factor `f` = λ^ticks.
fn decay_by(a: f64, b: f64, prior: Prior, f: f64, ticks: u32) -> (f64, f64) {
    if ticks == 0 {
        return (a, b);
    }
    (prior.a + f * (a - prior.a), prior.b + f * (b - prior.b))
}

/// How many powers of λ the table keeps (longer gaps call `powi`).
const POWERS: usize = 1024;

/// The direct-mapped position of a prior in `TrustTable::prior_index`.
fn prior_hash(p: Prior) -> usize {
    let h = (p.a.to_bits() ^ p.b.to_bits().rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> 60) as usize
}

impl TrustTable {
    /// A table with room for about `pairs` pairs before it must grow
    /// (it grows at a load of 0.7).
    pub fn with_capacity(pairs: usize) -> TrustTable {
        TrustTable::with_slots(pairs.max(512) * 10 / 7 + 1)
    }

    fn with_slots(slots: usize) -> TrustTable {
        TrustTable {
            slots: vacant_slots(slots),
            pairs: 0,
            counts: Vec::new(),
            priors: Vec::new(),
            prior_index: [0; MAX_PRIORS],
            powers: Vec::new(),
            powers_of: 0,
        }
    }

    /// Number of pairs that have met.
    pub fn len(&self) -> usize {
        self.pairs
    }

    /// Whether no pair has met.
    pub fn is_empty(&self) -> bool {
        self.pairs == 0
    }

    /// λ^ticks: from the table when it holds λ's powers, else computed by
    /// the same `powi`, so both give the same bits.
    fn power(&self, decay: f64, ticks: u32) -> f64 {
        if decay.to_bits() == self.powers_of
            && let Some(&f) = self.powers.get(ticks as usize)
        {
            return f;
        }
        decay.powi(ticks as i32)
    }

    /// Fills the table of powers for `decay` (no-op if it holds them).
    fn tabulate(&mut self, decay: f64) {
        if decay.to_bits() == self.powers_of && !self.powers.is_empty() {
            return;
        }
        self.powers.clear();
        // black_box: every power goes through the same `powi` call as
        // `power`'s fallback, never an expansion specialised to a constant.
        self.powers
            .extend((0..POWERS as i32).map(|k| decay.powi(std::hint::black_box(k))));
        self.powers_of = decay.to_bits();
    }

    /// The number naming `prior` in a slot, or `None` when
    /// `MAX_PRIORS` others are already named.
    fn intern(&mut self, prior: Prior) -> Option<u32> {
        let same =
            |q: &Prior| q.a.to_bits() == prior.a.to_bits() && q.b.to_bits() == prior.b.to_bits();
        let h = prior_hash(prior);
        let guess = self.prior_index[h] as usize;
        if self.priors.get(guess).is_some_and(same) {
            return Some(guess as u32);
        }
        let id = match self.priors.iter().position(same) {
            Some(id) => id,
            None if self.priors.len() < MAX_PRIORS => {
                self.priors.push(prior);
                self.priors.len() - 1
            }
            None => return None,
        };
        self.prior_index[h] = id as u8;
        Some(id as u32)
    }

    /// The counts of a slot: a and b of lo in hi, then of hi in lo.
    #[inline]
    fn counts(&self, info: u32) -> [f32; 4] {
        if info & STORED != 0 {
            return self.counts[(info >> 3) as usize];
        }
        let lo = self.priors[(info >> PRIOR_LO & 15) as usize];
        let hi = self.priors[(info >> PRIOR_HI & 15) as usize];
        let mut ab = [lo.a as f32, lo.b as f32, hi.a as f32, hi.b as f32];
        if info & OBSERVED != 0 {
            ab[if info & 1 != 0 { 0 } else { 1 }] += 1.0;
            ab[if info & 2 != 0 { 2 } else { 3 }] += 1.0;
        }
        ab
    }

    /// Stores counts `ab` for slot `s`, in the side table.
    #[inline]
    fn store(&mut self, s: usize, ab: [f32; 4]) {
        let info = self.slots[s].info;
        if info & STORED != 0 {
            self.counts[(info >> 3) as usize] = ab;
        } else {
            let index = u32::try_from(self.counts.len())
                .ok()
                .filter(|&k| k < 1 << 29)
                .expect("fewer than 2^29 pairs met twice");
            self.counts.push(ab);
            self.slots[s].info = index << 3 | STORED | info & SEEN;
        }
    }

    /// The home slot of a key: Fibonacci hashing, then Lemire's
    /// multiply-shift onto the table size (any size, not only powers of two).
    fn home(&self, key: u64) -> usize {
        let hash = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((hash as u128 * self.slots.len() as u128) >> 64) as usize
    }

    /// The slot holding `key`, or the empty slot where it would go.
    fn find(&self, key: u64) -> Result<usize, usize> {
        let len = self.slots.len();
        let mut i = self.home(key);
        loop {
            let k = self.slots[i].key;
            if k == key {
                return Ok(i);
            }
            if k == EMPTY {
                return Err(i);
            }
            i += 1;
            if i == len {
                i = 0;
            }
        }
    }

    fn grow(&mut self) {
        let doubled = vacant_slots(self.slots.len() * 2);
        let old = std::mem::replace(&mut self.slots, doubled);
        for slot in old.into_iter().filter(|s| s.key != EMPTY) {
            let i = self.find(slot.key).expect_err("keys are unique");
            self.slots[i] = slot;
        }
    }

    /// Starts loading the home slot of the pair {x, y} into cache.
    pub(crate) fn prefetch(&self, x: FirmId, y: FirmId) {
        crate::prefetch::prefetch(&self.slots[self.home(key(x, y).0)]);
    }

    /// Whether `x` and `y` have met.
    pub fn has_met(&self, x: FirmId, y: FirmId) -> bool {
        self.find(key(x, y).0).is_ok()
    }

    /// What `truster` believes of `trustee` at `now`, or `None` if they never met.
    pub fn belief(
        &self,
        truster: FirmId,
        trustee: FirmId,
        prior: Prior,
        decay: f64,
        now: u32,
    ) -> Option<Belief> {
        let (k, truster_is_lo) = key(truster, trustee);
        let slot = &self.slots[self.find(k).ok()?];
        let ab = self.counts(slot.info);
        let d = if truster_is_lo { 0 } else { 2 };
        let dt = now - slot.tick;
        let (a, b) = decay_by(
            ab[d] as f64,
            ab[d + 1] as f64,
            prior,
            self.power(decay, dt),
            dt,
        );
        let bit = if truster_is_lo { 1 } else { 2 };
        Some(Belief {
            a,
            b,
            last_seen_share: slot.info & bit != 0,
        })
    }

    /// Expected trust of `truster` in `trustee` at `now`; the prior's mean for a stranger.
    pub fn expected(
        &self,
        truster: FirmId,
        trustee: FirmId,
        prior: Prior,
        decay: f64,
        now: u32,
    ) -> f64 {
        self.belief(truster, trustee, prior, decay, now)
            .map_or(prior.mean(), |b| b.expected())
    }

    /// The table's name for `prior` (see [`PriorRef`]).
    pub fn prior_ref(&mut self, prior: Prior) -> PriorRef {
        PriorRef {
            prior,
            id: self.intern(prior).unwrap_or(UNNAMED),
        }
    }

    /// Brings the pair {i, j} to `now` (creating it at the priors on a first
    /// meeting) and returns both beliefs. `prior_ij` is i's prior about j.
    pub fn meet(
        &mut self,
        i: FirmId,
        j: FirmId,
        prior_ij: Prior,
        prior_ji: Prior,
        decay: f64,
        now: u32,
    ) -> Meeting {
        let (ref_ij, ref_ji) = (self.prior_ref(prior_ij), self.prior_ref(prior_ji));
        self.meet_ref(i, j, ref_ij, ref_ji, decay, now)
    }

    /// [`TrustTable::meet`] with the priors named in advance.
    #[inline]
    pub fn meet_ref(
        &mut self,
        i: FirmId,
        j: FirmId,
        prior_ij: PriorRef,
        prior_ji: PriorRef,
        decay: f64,
        now: u32,
    ) -> Meeting {
        let (k, i_is_lo) = key(i, j);
        // Selected by index, not by a branch: which firm is lo is a coin flip.
        let priors = [prior_ij, prior_ji];
        let (prior_lo, prior_hi) = (priors[!i_is_lo as usize], priors[i_is_lo as usize]);
        let d_i = if i_is_lo { 0 } else { 2 };
        match self.find(k) {
            Ok(s) => {
                let Slot { tick, info, .. } = self.slots[s];
                let mut ab = self.counts(info);
                let dt = now - tick;
                if dt != 0 {
                    self.tabulate(decay);
                    let f = self.power(decay, dt);
                    let (a0, b0) = decay_by(ab[0] as f64, ab[1] as f64, prior_lo.prior, f, dt);
                    let (a1, b1) = decay_by(ab[2] as f64, ab[3] as f64, prior_hi.prior, f, dt);
                    ab = [a0 as f32, b0 as f32, a1 as f32, b1 as f32];
                    self.store(s, ab);
                    self.slots[s].tick = now;
                }
                Meeting {
                    slot: s,
                    ab,
                    seen: info & SEEN,
                    d_i,
                    first: false,
                }
            }
            Err(s) => {
                let s = if (self.pairs + 1) * 10 > self.slots.len() * 7 {
                    self.grow();
                    self.find(k).expect_err("new key")
                } else {
                    s
                };
                let (lo, hi) = (prior_lo.prior, prior_hi.prior);
                let ab = [lo.a as f32, lo.b as f32, hi.a as f32, hi.b as f32];
                self.slots[s] = Slot {
                    key: k,
                    tick: now,
                    info: SEEN,
                };
                if prior_lo.id != UNNAMED && prior_hi.id != UNNAMED {
                    self.slots[s].info |= prior_lo.id << PRIOR_LO | prior_hi.id << PRIOR_HI;
                } else {
                    self.store(s, ab);
                }
                self.pairs += 1;
                Meeting {
                    slot: s,
                    ab,
                    seen: SEEN,
                    d_i,
                    first: true,
                }
            }
        }
    }

    /// Records what each side saw in the meeting: +1 to a (seen sharing) or
    /// b (seen withholding). Returns the meeting with the updated beliefs.
    /// Must follow `meet` with no other change to the pair in between.
    #[inline]
    pub fn observe(&mut self, m: &Meeting, i_saw_share: bool, j_saw_share: bool) -> Meeting {
        let saw = [i_saw_share, j_saw_share];
        let i_is_lo = m.d_i == 0;
        let (lo_saw, hi_saw) = (saw[!i_is_lo as usize], saw[i_is_lo as usize]);
        let seen = lo_saw as u32 | (hi_saw as u32) << 1;
        let mut ab = m.ab;
        ab[1 - lo_saw as usize] += 1.0;
        ab[3 - hi_saw as usize] += 1.0;
        let info = self.slots[m.slot].info;
        if info & (STORED | OBSERVED) == 0 {
            // A first meeting's observations: the slot says it all.
            self.slots[m.slot].info = info & !SEEN | OBSERVED | seen;
        } else {
            self.store(m.slot, ab);
            let e = &mut self.slots[m.slot];
            e.info = e.info & !SEEN | seen;
        }
        Meeting { ab, seen, ..*m }
    }

    /// Adds `amount` to the withholding count of `truster` about `trustee`
    /// (a detected betrayal), after bringing the pair to `now`.
    #[allow(clippy::too_many_arguments)]
    pub fn penalise(
        &mut self,
        truster: FirmId,
        trustee: FirmId,
        amount: f64,
        prior: Prior,
        prior_other: Prior,
        decay: f64,
        now: u32,
    ) {
        let m = self.meet(truster, trustee, prior, prior_other, decay, now);
        let mut ab = m.ab;
        let (b, bit) = if m.d_i == 0 { (1, 1) } else { (3, 2) };
        ab[b] += amount as f32;
        self.store(m.slot, ab);
        self.slots[m.slot].info &= !bit;
    }

    /// Pairs whose expected trust (not decayed) is at least `min` in both
    /// directions, as (lo, hi, the smaller of the two), in table order.
    pub fn mutual_at_least(&self, min: f64) -> Vec<(FirmId, FirmId, f64)> {
        self.slots
            .iter()
            .filter(|s| s.key != EMPTY)
            .filter_map(|s| {
                let (lo, hi) = beliefs(self.counts(s.info), s.info);
                let t = lo.expected().min(hi.expected());
                (t >= min).then_some(((s.key >> 32) as FirmId, s.key as FirmId, t))
            })
            .collect()
    }

    /// Every pair as (lo, hi, lo's belief in hi, hi's belief in lo), not
    /// decayed, sorted by (lo, hi).
    pub fn pairs(&self) -> Vec<(FirmId, FirmId, Belief, Belief)> {
        let mut v: Vec<_> = self
            .slots
            .iter()
            .filter(|s| s.key != EMPTY)
            .map(|s| {
                let (lo, hi) = beliefs(self.counts(s.info), s.info);
                ((s.key >> 32) as FirmId, s.key as FirmId, lo, hi)
            })
            .collect();
        v.sort_by_key(|p| (p.0, p.1));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Prior = Prior { a: 1.0, b: 1.0 };

    #[test]
    fn vacant_slots_are_all_zero_bytes() {
        // zeroed_huge_page_vec relies on it.
        let v = vacant_slots(4);
        assert!(
            v.iter()
                .all(|s| s.key == EMPTY && s.tick == 0 && s.info == 0)
        );
        assert_eq!(std::mem::size_of::<Slot>(), 16);
        assert_eq!(EMPTY, 0);
    }

    #[test]
    fn stranger_gets_prior_mean() {
        let t = TrustTable::default();
        assert_eq!(t.expected(3, 4, Prior::new(0.9, 10.0), 0.98, 5), 0.9);
        assert!(!t.has_met(3, 4));
    }

    #[test]
    fn first_meeting_starts_at_each_sides_prior() {
        let mut t = TrustTable::default();
        let m = t.meet(9, 2, Prior::new(0.9, 10.0), P, 0.98, 0);
        assert!(m.first);
        assert!((m.ij().expected() - 0.9).abs() < 1e-6);
        assert!((m.ji().expected() - 0.5).abs() < 1e-6);
        assert!(t.has_met(2, 9) && t.has_met(9, 2));
        assert!(!t.meet(2, 9, P, Prior::new(0.9, 10.0), 0.98, 0).first);
    }

    #[test]
    fn observations_move_trust_in_the_right_direction() {
        let mut t = TrustTable::default();
        let m = t.meet(1, 4, P, P, 0.98, 0);
        // 1 saw 4 share; 4 saw 1 withhold.
        let after = t.observe(&m, true, false);
        let (b14, b41) = (after.ij(), after.ji());
        assert!((b14.expected() - 2.0 / 3.0).abs() < 1e-6);
        assert!((b41.expected() - 1.0 / 3.0).abs() < 1e-6);
        assert!(b14.last_seen_share && !b41.last_seen_share);
        let b = t.belief(4, 1, P, 0.98, 0).unwrap();
        assert!(!b.last_seen_share);
        // The same from the other side: directions are not mixed up.
        let m = t.meet(4, 1, P, P, 0.98, 0);
        t.observe(&m, false, false);
        assert!((t.expected(4, 1, P, 0.98, 0) - 0.25).abs() < 1e-6);
        assert!((t.expected(1, 4, P, 0.98, 0) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn decay_moves_counts_toward_prior_geometrically() {
        let mut t = TrustTable::default();
        for _ in 0..10 {
            let m = t.meet(1, 2, P, P, 0.9, 0);
            t.observe(&m, true, true);
        }
        let e0 = t.belief(1, 2, P, 0.9, 0).unwrap();
        assert!((e0.a - 11.0).abs() < 1e-5);
        let e5 = t.belief(1, 2, P, 0.9, 5).unwrap();
        assert!((e5.a - (1.0 + 0.9f64.powi(5) * 10.0)).abs() < 1e-5);
        // Lazy decay equals step-by-step decay.
        let (mut a, mut b) = (e0.a, e0.b);
        for _ in 0..5 {
            (a, b) = decay_counts(a, b, P, 0.9, 1);
        }
        assert!((a - e5.a).abs() < 1e-5 && (b - e5.b).abs() < 1e-5);
        // Far in the future trust returns to the prior mean.
        assert!((t.expected(1, 2, P, 0.9, 10_000) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn tabulated_powers_equal_powi() {
        let mut t = TrustTable::default();
        for decay in [0.98, 0.9, 0.5, 1.0, 0.999_999] {
            t.tabulate(decay);
            for k in (0..3000u32).chain([100_000, 1_000_000]) {
                assert_eq!(
                    t.power(decay, k).to_bits(),
                    decay.powi(k as i32).to_bits(),
                    "λ = {decay}, k = {k}"
                );
            }
            // Another λ than the tabulated one is computed, not looked up.
            assert_eq!(t.power(0.7, 5), 0.7f64.powi(5));
        }
    }

    #[test]
    fn no_decay_when_lambda_is_one() {
        let mut t = TrustTable::default();
        let m = t.meet(2, 3, P, P, 1.0, 0);
        t.observe(&m, false, true);
        assert_eq!(t.belief(2, 3, P, 1.0, 100).unwrap().b, 2.0);
    }

    #[test]
    fn penalty_lowers_one_direction_only() {
        let mut t = TrustTable::default();
        let m = t.meet(7, 8, P, P, 1.0, 0);
        t.observe(&m, true, true);
        t.penalise(7, 8, 5.0, P, P, 1.0, 0);
        assert!(t.expected(7, 8, P, 1.0, 0) < 0.3);
        assert!((t.expected(8, 7, P, 1.0, 0) - 2.0 / 3.0).abs() < 1e-6);
    }

    /// The former storage, 32-byte slots holding f32 counts, as a reference:
    /// (tick, seen bits, counts) per (lo, hi).
    #[derive(Default)]
    struct Reference(std::collections::HashMap<(FirmId, FirmId), (u32, u32, [f32; 4])>);

    impl Reference {
        fn meet(&mut self, i: FirmId, j: FirmId, pij: Prior, pji: Prior, decay: f64, now: u32) {
            let (lo, hi, plo, phi) = if i < j {
                (i, j, pij, pji)
            } else {
                (j, i, pji, pij)
            };
            let e = self.0.entry((lo, hi)).or_insert((
                now,
                3,
                [plo.a as f32, plo.b as f32, phi.a as f32, phi.b as f32],
            ));
            let dt = now - e.0;
            let (a0, b0) = decay_counts(e.2[0] as f64, e.2[1] as f64, plo, decay, dt);
            let (a1, b1) = decay_counts(e.2[2] as f64, e.2[3] as f64, phi, decay, dt);
            e.2 = [a0 as f32, b0 as f32, a1 as f32, b1 as f32];
            e.0 = now;
        }

        fn observe(&mut self, i: FirmId, j: FirmId, i_saw: bool, j_saw: bool) {
            let (lo, hi, lo_saw, hi_saw) = if i < j {
                (i, j, i_saw, j_saw)
            } else {
                (j, i, j_saw, i_saw)
            };
            let e = self.0.get_mut(&(lo, hi)).unwrap();
            e.2[if lo_saw { 0 } else { 1 }] += 1.0;
            e.2[if hi_saw { 2 } else { 3 }] += 1.0;
            e.1 = lo_saw as u32 | (hi_saw as u32) << 1;
        }

        #[allow(clippy::too_many_arguments)]
        fn penalise(
            &mut self,
            i: FirmId,
            j: FirmId,
            amount: f64,
            pij: Prior,
            pji: Prior,
            decay: f64,
            now: u32,
        ) {
            self.meet(i, j, pij, pji, decay, now);
            let e = self.0.get_mut(&(i.min(j), i.max(j))).unwrap();
            let (b, bit) = if i < j { (1, 1) } else { (3, 2) };
            e.2[b] += amount as f32;
            e.1 &= !bit;
        }

        fn belief(
            &self,
            truster: FirmId,
            trustee: FirmId,
            prior: Prior,
            decay: f64,
            now: u32,
        ) -> Option<Belief> {
            let e = self.0.get(&(truster.min(trustee), truster.max(trustee)))?;
            let d = if truster < trustee { 0 } else { 2 };
            let (a, b) = decay_counts(e.2[d] as f64, e.2[d + 1] as f64, prior, decay, now - e.0);
            let bit = if truster < trustee { 1 } else { 2 };
            Some(Belief {
                a,
                b,
                last_seen_share: e.1 & bit != 0,
            })
        }
    }

    #[test]
    fn compact_and_stored_slots_give_the_reference_bits() {
        use crate::rng::{Purpose, stream};
        use rand::RngExt;
        let mut rng = stream(5, Purpose::Encounters);
        // More distinct priors than a slot can name: some pairs are stored in full from the start.
        let priors: Vec<Prior> = (0..24)
            .map(|k| Prior::new(0.05 + 0.9 * (k as f64 / 23.0), 1.0 + k as f64 / 3.0))
            .collect();
        let decay = 0.97;
        let mut t = TrustTable::with_capacity(10);
        let mut r = Reference::default();
        let n = 40;
        for now in 0..60u32 {
            for _ in 0..50 {
                let i = rng.random_range(0..n);
                let j = (i + rng.random_range(1..n)) % n;
                let pij = priors[rng.random_range(0..if now < 30 { 8 } else { 24 })];
                let pji = priors[rng.random_range(0..priors.len())];
                if rng.random_bool(0.05) {
                    t.penalise(i, j, 3.0, pij, pji, decay, now);
                    r.penalise(i, j, 3.0, pij, pji, decay, now);
                    continue;
                }
                let m = t.meet(i, j, pij, pji, decay, now);
                r.meet(i, j, pij, pji, decay, now);
                assert_eq!(Some(m.ij()), r.belief(i, j, pij, decay, now));
                assert_eq!(Some(m.ji()), r.belief(j, i, pji, decay, now));
                let (i_saw, j_saw) = (rng.random_bool(0.5), rng.random_bool(0.5));
                let after = t.observe(&m, i_saw, j_saw);
                r.observe(i, j, i_saw, j_saw);
                assert_eq!(Some(after.ij()), r.belief(i, j, pij, decay, now));
                assert_eq!(Some(after.ji()), r.belief(j, i, pji, decay, now));
            }
            for i in 0..n {
                for j in (0..n).filter(|&j| j != i) {
                    let p = priors[((i + j) % 24) as usize];
                    assert_eq!(
                        t.belief(i, j, p, decay, now + 3),
                        r.belief(i, j, p, decay, now + 3)
                    );
                }
            }
        }
        assert_eq!(t.len(), r.0.len());
        assert!(!t.counts.is_empty() && t.counts.len() < t.len());
    }

    #[test]
    fn table_grows_and_keeps_every_pair() {
        let mut t = TrustTable::default();
        for i in 0..3000u32 {
            let m = t.meet(i, i + 1, P, P, 1.0, 0);
            t.observe(&m, i % 2 == 0, true);
        }
        assert_eq!(t.len(), 3000);
        for i in 0..3000u32 {
            let e = t.belief(i, i + 1, P, 1.0, 0).unwrap();
            assert_eq!(e.last_seen_share, i % 2 == 0);
        }
        let pairs = t.pairs();
        assert_eq!(pairs.len(), 3000);
        assert!(
            pairs
                .windows(2)
                .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1))
        );
    }
}
