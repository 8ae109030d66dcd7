//! Trust as a Beta reputation (spec section 4, claim C1).
//!
//! Trust of i in j is Beta(a, b) with expected value a/(a+b). A first
//! meeting starts from the prior (m·n0, (1−m)·n0), with m = m_in for the
//! same origin and m_out otherwise. Each observation adds 1 to a (seen
//! sharing) or b (seen withholding). Every tick a and b decay toward the
//! prior by the factor λ; the decay is applied lazily on access, which is
//! exact: after k ticks without news, a = a0 + λ^k (a − a0).
//!
//! Storage: one open-addressing table for the whole market, one slot per
//! unordered pair of firms that have met, holding both directions. An
//! encounter therefore touches one slot (one cache miss) instead of two
//! maps. A slot is 8 bytes (the pair as two 16-bit ids and a 32-bit
//! `info`) while every firm id is below 2^16, and 16 bytes (the pair as
//! two 32-bit ids, then `info`) once a firm id is not: the table widens
//! itself then. The table is most of a large run's memory, and memory
//! first touched costs time (the kernel zeroes it), so the narrow slot
//! halves that. In a large market most pairs meet only once, and their
//! counts are then known from the slot alone: each side's prior plus one
//! observation. An encounter reads such a meeting's beliefs from the priors
//! ([`TrustTable::lookup`]) and writes its slot once, when both sides'
//! observations are known ([`TrustTable::record_first`]). Such a slot's
//! `info` holds which priors, what was seen and the tick; the counts and tick of pairs that met again (or were
//! penalised) are stored, as f32 and u32, in a dense side table `info`
//! points to. The counts are the same f32 values either way (ample for
//! counts of a few hundred); all arithmetic is in f64. Lookups are by key only; [`TrustTable::pairs`] returns pairs
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

/// A prior as the table names it: named once with
/// [`TrustTable::prior_ref`], then passed to [`TrustTable::lookup`]
/// without a search of the names per meeting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriorRef {
    pub prior: Prior,
    /// The number naming it in a slot, or `UNNAMED` if the table's
    /// `MAX_PRIORS` names were taken.
    id: u32,
    /// Expected trust at a first meeting, before it ([`PriorRef::first`]).
    first: f64,
    /// Expected trust after a first meeting where the other was seen to
    /// withhold (0) or share (1) ([`PriorRef::after_first`]).
    after_first: [f64; 2],
}

impl PriorRef {
    /// Expected trust before a first meeting: the prior's mean as a slot
    /// holds it (counts in f32), bit for bit what [`Meeting::ij`] gives.
    #[inline]
    pub fn first(&self) -> f64 {
        self.first
    }

    /// Expected trust after a first meeting in which the other was seen
    /// to share (`saw_share`) or not: bit for bit what
    /// [`TrustTable::observe`] gives.
    #[inline]
    pub fn after_first(&self, saw_share: bool) -> f64 {
        self.after_first[saw_share as usize]
    }
}

/// The expected trust of counts (a, b) held as f32, as [`Belief::expected`]
/// computes it.
fn expected_f32(a: f32, b: f32) -> f64 {
    Belief {
        a: a as f64,
        b: b as f64,
        last_seen_share: true,
    }
    .expected()
}

/// A pair meeting for the first time, found vacant by
/// [`TrustTable::lookup`]: its slot is written once, by
/// [`TrustTable::record_first`], when both sides' observations are known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FirstMeeting {
    slot: usize,
    key: u64,
    /// The slot's `info` without the observations.
    info: u32,
    i_is_lo: bool,
}

/// What [`TrustTable::lookup`] found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lookup {
    /// A first meeting whose slot is vacant and whose priors are named:
    /// both beliefs are the priors ([`PriorRef::first`]), both last seen
    /// actions count as shares.
    First(FirstMeeting),
    /// Any other meeting (a first one too, when the table must grow or
    /// widen, or a prior is not named), already brought up to date as
    /// [`TrustTable::meet`] does.
    Met(Meeting),
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

/// `info` bits 0–1: lo last saw hi share; hi last saw lo share.
const SEEN: u32 = 0b11;
/// `info` bit 2: the counts and tick are in the side table, at index `info >> 3`.
const STORED: u32 = 1 << 2;
/// `info` bit 3, when not `STORED`: the meeting's observations were
/// added (to a for a seen share, to b otherwise, as `SEEN` tells).
const OBSERVED: u32 = 1 << 3;
/// `info` bits 4–7 and 8–11, when not `STORED`: lo's and hi's prior (interned).
const PRIOR_LO: u32 = 4;
const PRIOR_HI: u32 = 8;
/// `info` bits 12–31, when not `STORED`: the tick at which both
/// directions were last brought up to date.
const TICK_SHIFT: u32 = 12;
/// Ticks from this one on do not fit in `info`: pairs met then are `STORED`.
const COMPACT_TICKS: u32 = 1 << (32 - TICK_SHIFT);
/// Narrow slots hold pairs of firm ids below this.
const NARROW_IDS: u64 = 1 << 16;
/// The narrow key no pair has (lo = hi = 2^16 − 1): a pair that does not
/// fit a narrow slot is looked up as this, and never found.
const NO_NARROW_KEY: u32 = u32::MAX;
/// How many distinct priors a slot can name (more are stored in full).
const MAX_PRIORS: usize = 16;

/// The counts and tick of a pair whose slot is `STORED`.
#[derive(Debug, Clone, Copy)]
struct Stored {
    /// a and b of lo in hi, then of hi in lo.
    ab: [f32; 4],
    /// Tick at which both directions were last brought up to date.
    tick: u32,
}

/// `n` words of vacant slots. Vacant slots are all-zero words (key 0), so
/// the memory comes zeroed from the allocator (lazily, page by page, from
/// the kernel) instead of being written slot by slot.
fn vacant_words(n: usize) -> Vec<u64> {
    crate::prefetch::zeroed_huge_page_vec(n)
}

/// The narrow key of the pair `key` (`lo << 32 | hi`): `lo << 16 | hi`,
/// or `NO_NARROW_KEY` when an id does not fit in 16 bits.
#[inline]
fn narrow_key(key: u64) -> u32 {
    let (lo, hi) = (key >> 32, key & 0xFFFF_FFFF);
    if hi < NARROW_IDS {
        (lo << 16 | hi) as u32
    } else {
        NO_NARROW_KEY
    }
}

/// The key and `info` of slot `s` of `words`, in the narrow or wide layout.
#[inline]
fn slot_of(words: &[u64], narrow: bool, s: usize) -> (u64, u32) {
    if narrow {
        let w = words[s];
        let k = w as u32;
        (
            ((k >> 16) as u64) << 32 | (k & 0xFFFF) as u64,
            (w >> 32) as u32,
        )
    } else {
        (words[2 * s], words[2 * s + 1] as u32)
    }
}

/// The belief held in counts `ab` (a and b of lo in hi, then of hi in lo)
/// from position `d` (0: lo's in hi, 2: hi's in lo), with the `SEEN` bits
/// `seen` (not decayed).
#[inline]
fn belief_at(ab: [f32; 4], seen: u32, d: usize) -> Belief {
    Belief {
        a: ab[d] as f64,
        b: ab[d + 1] as f64,
        last_seen_share: seen & (1 << (d / 2)) != 0,
    }
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
    /// What i believes of j.
    #[inline]
    pub fn ij(&self) -> Belief {
        belief_at(self.ab, self.seen, self.d_i)
    }

    /// What j believes of i.
    #[inline]
    pub fn ji(&self) -> Belief {
        belief_at(self.ab, self.seen, 2 - self.d_i)
    }
}

/// Trust between every pair of firms that have met.
#[derive(Debug, Clone)]
pub struct TrustTable {
    /// The slots: one word each (`info << 32 | lo << 16 | hi`) while
    /// `narrow`, else two (`lo << 32 | hi`, then `info`). Key 0 is vacant.
    words: Vec<u64>,
    /// Number of slots.
    slot_count: usize,
    narrow: bool,
    pairs: usize,
    /// Counts and ticks of the pairs whose slot is `STORED`.
    stored: Vec<Stored>,
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

/// (lo's, hi's) of a pair's two values given as (i's, j's). Selected by
/// index, not by a branch: which firm is lo is a coin flip.
#[inline]
fn lo_hi<T: Copy>(i_is_lo: bool, of_i: T, of_j: T) -> (T, T) {
    let both = [of_i, of_j];
    (both[!i_is_lo as usize], both[i_is_lo as usize])
}

/// The `SEEN` bits of what lo and hi saw.
#[inline]
fn seen_bits(lo_saw: bool, hi_saw: bool) -> u32 {
    lo_saw as u32 | (hi_saw as u32) << 1
}

/// The `info` of a new pair held in its slot alone (both priors named, as
/// `lo_prior` and `hi_prior`, tick small enough), without the
/// observations; `None` if it must be stored.
#[inline]
fn compact_info(lo_prior: u32, hi_prior: u32, now: u32) -> Option<u32> {
    if lo_prior == UNNAMED || hi_prior == UNNAMED || now >= COMPACT_TICKS {
        return None;
    }
    Some(lo_prior << PRIOR_LO | hi_prior << PRIOR_HI | now << TICK_SHIFT)
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
            words: vacant_words(slots),
            slot_count: slots,
            narrow: true,
            pairs: 0,
            stored: Vec::new(),
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
            return self.stored[(info >> 3) as usize].ab;
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

    /// The `info` of slot `s`.
    #[inline]
    fn info(&self, s: usize) -> u32 {
        if self.narrow {
            (self.words[s] >> 32) as u32
        } else {
            self.words[2 * s + 1] as u32
        }
    }

    /// Sets the `info` of slot `s`.
    #[inline]
    fn set_info(&mut self, s: usize, info: u32) {
        if self.narrow {
            let w = &mut self.words[s];
            *w = *w & 0xFFFF_FFFF | (info as u64) << 32;
        } else {
            self.words[2 * s + 1] = info as u64;
        }
    }

    /// Fills vacant slot `s` with the pair `key`. The pair must fit: a
    /// narrow table is widened first.
    #[inline]
    fn set_slot(&mut self, s: usize, key: u64, info: u32) {
        if self.narrow {
            debug_assert_ne!(narrow_key(key), NO_NARROW_KEY);
            self.words[s] = (info as u64) << 32 | narrow_key(key) as u64;
        } else {
            self.words[2 * s] = key;
            self.words[2 * s + 1] = info as u64;
        }
    }

    /// The tick at which a slot with `info` was last brought up to date.
    #[inline]
    fn tick(&self, info: u32) -> u32 {
        if info & STORED != 0 {
            self.stored[(info >> 3) as usize].tick
        } else {
            info >> TICK_SHIFT
        }
    }

    /// Stores counts `ab` and `tick` for slot `s`, in the side table.
    #[inline]
    fn store(&mut self, s: usize, ab: [f32; 4], tick: u32) {
        let info = self.info(s);
        if info & STORED != 0 {
            self.stored[(info >> 3) as usize] = Stored { ab, tick };
        } else {
            let index = u32::try_from(self.stored.len())
                .ok()
                .filter(|&k| k < 1 << 29)
                .expect("fewer than 2^29 pairs met twice");
            self.stored.push(Stored { ab, tick });
            self.set_info(s, index << 3 | STORED | info & SEEN);
        }
    }

    /// The home slot of a key: Fibonacci hashing, then Lemire's
    /// multiply-shift onto the table size (any size, not only powers of two).
    #[inline]
    fn home(&self, key: u64) -> usize {
        let hash = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((hash as u128 * self.slot_count as u128) >> 64) as usize
    }

    /// The slot holding `key`, or the empty slot where it would go.
    #[inline]
    fn find(&self, key: u64) -> Result<usize, usize> {
        let len = self.slot_count;
        let mut i = self.home(key);
        if self.narrow {
            let key = narrow_key(key);
            loop {
                let k = self.words[i] as u32;
                if k == key {
                    return Ok(i);
                }
                if k == 0 {
                    return Err(i);
                }
                i += 1;
                if i == len {
                    i = 0;
                }
            }
        }
        loop {
            let k = self.words[2 * i];
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

    /// Whether one more pair would take the load past 0.7, where the
    /// table grows.
    #[inline]
    fn full(&self) -> bool {
        (self.pairs + 1) * 10 > self.slot_count * 7
    }

    /// Whether the narrow table must widen for the pair `key` (a firm id
    /// of 2^16 or more).
    #[inline]
    fn too_narrow_for(&self, key: u64) -> bool {
        self.narrow & (narrow_key(key) == NO_NARROW_KEY)
    }

    /// Whether a new pair `key` fits the table as it is.
    #[inline]
    fn has_room_for(&self, key: u64) -> bool {
        !(self.full() | self.too_narrow_for(key))
    }

    /// Grows or widens the table as the new pair `key` needs
    /// ([`TrustTable::has_room_for`]).
    fn make_room_for(&mut self, key: u64) {
        let len = self.slot_count * if self.full() { 2 } else { 1 };
        self.rebuild(len, !self.too_narrow_for(key) & self.narrow);
    }

    /// Moves every pair into a vacant table of `len` slots, narrow or wide.
    fn rebuild(&mut self, len: usize, narrow: bool) {
        let words = vacant_words(if narrow { len } else { 2 * len });
        let old = std::mem::replace(&mut self.words, words);
        let (old_len, old_narrow) = (self.slot_count, self.narrow);
        (self.slot_count, self.narrow) = (len, narrow);
        for s in 0..old_len {
            let (key, info) = slot_of(&old, old_narrow, s);
            if key != EMPTY {
                let i = self.find(key).expect_err("keys are unique");
                self.set_slot(i, key, info);
            }
        }
    }

    /// Starts loading the home slot of the pair {x, y} into cache.
    pub fn prefetch(&self, x: FirmId, y: FirmId) {
        let home = self.home(key(x, y).0);
        crate::prefetch::prefetch(&self.words[if self.narrow { home } else { 2 * home }]);
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
        let info = self.info(self.find(k).ok()?);
        let ab = self.counts(info);
        let d = if truster_is_lo { 0 } else { 2 };
        let dt = now - self.tick(info);
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
            last_seen_share: info & bit != 0,
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
        let (a, b) = (prior.a as f32, prior.b as f32);
        PriorRef {
            prior,
            id: self.intern(prior).unwrap_or(UNNAMED),
            first: expected_f32(a, b),
            // As `observe` counts a seen share (a + 1) or withholding (b + 1).
            after_first: [expected_f32(a, b + 1.0), expected_f32(a + 1.0, b)],
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
        let (k, i_is_lo) = key(i, j);
        let found = self.find(k);
        self.meet_found(k, i_is_lo, found, ref_ij, ref_ji, decay, now)
    }

    /// Like [`TrustTable::meet`] with the priors named in advance
    /// ([`TrustTable::prior_ref`]), except that the usual first meeting
    /// (the table has room, the priors are named) is only found, not
    /// written: the caller reads both beliefs from the priors
    /// ([`PriorRef::first`]) and then calls [`TrustTable::record_first`]
    /// with what each side saw, which writes the slot once. The table is
    /// the same as after `meet` and [`TrustTable::observe`]. Nothing
    /// else may change the table in between.
    #[inline]
    pub fn lookup(
        &mut self,
        i: FirmId,
        j: FirmId,
        prior_ij: PriorRef,
        prior_ji: PriorRef,
        decay: f64,
        now: u32,
    ) -> Lookup {
        let (k, i_is_lo) = key(i, j);
        let found = self.find(k);
        if let Err(slot) = found {
            let (lo_prior, hi_prior) = lo_hi(i_is_lo, prior_ij.id, prior_ji.id);
            if self.has_room_for(k)
                && let Some(info) = compact_info(lo_prior, hi_prior, now)
            {
                return Lookup::First(FirstMeeting {
                    slot,
                    key: k,
                    info,
                    i_is_lo,
                });
            }
        }
        Lookup::Met(self.meet_found(k, i_is_lo, found, prior_ij, prior_ji, decay, now))
    }

    /// Writes the slot of a first meeting found by [`TrustTable::lookup`]:
    /// i saw j share (`i_saw_share`) or not, and j saw i.
    #[inline]
    pub fn record_first(&mut self, m: FirstMeeting, i_saw_share: bool, j_saw_share: bool) {
        let (lo_saw, hi_saw) = lo_hi(m.i_is_lo, i_saw_share, j_saw_share);
        self.set_slot(m.slot, m.key, m.info | OBSERVED | seen_bits(lo_saw, hi_saw));
        self.pairs += 1;
    }

    /// [`TrustTable::meet`] for the pair `k`, with its priors named,
    /// where `found` is what `find` gave for it.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn meet_found(
        &mut self,
        k: u64,
        i_is_lo: bool,
        found: Result<usize, usize>,
        prior_ij: PriorRef,
        prior_ji: PriorRef,
        decay: f64,
        now: u32,
    ) -> Meeting {
        let (prior_lo, prior_hi) = lo_hi(i_is_lo, prior_ij, prior_ji);
        let d_i = if i_is_lo { 0 } else { 2 };
        match found {
            Ok(s) => {
                let info = self.info(s);
                let mut ab = self.counts(info);
                let dt = now - self.tick(info);
                if dt != 0 {
                    self.tabulate(decay);
                    let f = self.power(decay, dt);
                    let (a0, b0) = decay_by(ab[0] as f64, ab[1] as f64, prior_lo.prior, f, dt);
                    let (a1, b1) = decay_by(ab[2] as f64, ab[3] as f64, prior_hi.prior, f, dt);
                    ab = [a0 as f32, b0 as f32, a1 as f32, b1 as f32];
                    self.store(s, ab, now);
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
                let s = if self.has_room_for(k) {
                    s
                } else {
                    self.make_room_for(k);
                    self.find(k).expect_err("new key")
                };
                let (lo, hi) = (prior_lo.prior, prior_hi.prior);
                let ab = [lo.a as f32, lo.b as f32, hi.a as f32, hi.b as f32];
                if let Some(info) = compact_info(prior_lo.id, prior_hi.id, now) {
                    self.set_slot(s, k, SEEN | info);
                } else {
                    self.set_slot(s, k, SEEN);
                    self.store(s, ab, now);
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
        let (lo_saw, hi_saw) = lo_hi(m.d_i == 0, i_saw_share, j_saw_share);
        let seen = seen_bits(lo_saw, hi_saw);
        let mut ab = m.ab;
        ab[1 - lo_saw as usize] += 1.0;
        ab[3 - hi_saw as usize] += 1.0;
        let info = self.info(m.slot);
        if info & (STORED | OBSERVED) == 0 {
            // A first meeting's observations: the slot says it all.
            self.set_info(m.slot, info & !SEEN | OBSERVED | seen);
        } else {
            self.store(m.slot, ab, self.tick(info));
            let info = self.info(m.slot);
            self.set_info(m.slot, info & !SEEN | seen);
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
        self.store(m.slot, ab, now);
        let info = self.info(m.slot);
        self.set_info(m.slot, info & !bit);
    }

    /// Every pair as (lo, hi, lo's belief in hi, hi's belief in lo), not
    /// decayed, in table order.
    fn occupied(&self) -> impl Iterator<Item = (FirmId, FirmId, Belief, Belief)> + '_ {
        (0..self.slot_count)
            .map(|s| slot_of(&self.words, self.narrow, s))
            .filter(|&(key, _)| key != EMPTY)
            .map(|(key, info)| {
                let ab = self.counts(info);
                let (lo, hi) = (belief_at(ab, info, 0), belief_at(ab, info, 2));
                ((key >> 32) as FirmId, key as FirmId, lo, hi)
            })
    }

    /// Pairs whose expected trust (not decayed) is at least `min` in both
    /// directions, as (lo, hi, the smaller of the two), in table order.
    pub fn mutual_at_least(&self, min: f64) -> Vec<(FirmId, FirmId, f64)> {
        self.occupied()
            .filter_map(|(lo, hi, in_hi, in_lo)| {
                let t = in_hi.expected().min(in_lo.expected());
                (t >= min).then_some((lo, hi, t))
            })
            .collect()
    }

    /// Every pair as (lo, hi, lo's belief in hi, hi's belief in lo), not
    /// decayed, sorted by (lo, hi).
    pub fn pairs(&self) -> Vec<(FirmId, FirmId, Belief, Belief)> {
        let mut v: Vec<_> = self.occupied().collect();
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
        let v = vacant_words(4);
        assert!(v.iter().all(|&w| w == 0));
        assert!((0..4).all(|s| slot_of(&v, true, s) == (EMPTY, 0)));
        assert!((0..2).all(|s| slot_of(&v, false, s) == (EMPTY, 0)));
        assert_eq!(EMPTY, 0);
        // No pair has the narrow key that stands for "does not fit".
        assert_eq!(
            NO_NARROW_KEY,
            (NARROW_IDS as u32 - 1) << 16 | (NARROW_IDS as u32 - 1)
        );
        assert_eq!(narrow_key(1 << 32 | (NARROW_IDS - 1)), 1 << 16 | 0xFFFF);
        assert_eq!(narrow_key(1 << 32 | NARROW_IDS), NO_NARROW_KEY);
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
        reference_check(1, 0);
    }

    #[test]
    fn wide_ids_and_late_ticks_give_the_reference_bits() {
        // From tick 30 on, firm ids pass 2^16 (the table widens, full of
        // pairs) and ticks pass what a slot's info can hold.
        reference_check(2_000, COMPACT_TICKS - 30);
    }

    /// Meets random pairs among 40 firms with ids `k · id_scale` (only the
    /// first 30 of them before tick 30), from tick `start`, and checks
    /// every belief against the reference maps.
    fn reference_check(id_scale: u32, start: u32) {
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
        let ids: Vec<FirmId> = (0..40).map(|k| k * id_scale).collect();
        let mut first_lookups = 0;
        for tick in 0..60u32 {
            let now = start + tick;
            let n = if tick < 30 { 30 } else { 40 };
            for _ in 0..50 {
                let a = rng.random_range(0..n);
                let (i, j) = (ids[a], ids[(a + rng.random_range(1..n)) % n]);
                let pij = priors[rng.random_range(0..if tick < 30 { 8 } else { 24 })];
                let pji = priors[rng.random_range(0..priors.len())];
                if rng.random_bool(0.05) {
                    t.penalise(i, j, 3.0, pij, pji, decay, now);
                    r.penalise(i, j, 3.0, pij, pji, decay, now);
                    continue;
                }
                let (i_saw, j_saw) = (rng.random_bool(0.5), rng.random_bool(0.5));
                let new_pair = r.belief(i, j, pij, decay, now).is_none();
                r.meet(i, j, pij, pji, decay, now);
                let expected = |b: Option<Belief>| b.map(|b| b.expected());
                if rng.random_bool(0.5) {
                    // As an encounter does: a usual first meeting is only
                    // found, its beliefs read from the priors.
                    let (rij, rji) = (t.prior_ref(pij), t.prior_ref(pji));
                    match t.lookup(i, j, rij, rji, decay, now) {
                        Lookup::First(m) => {
                            assert!(new_pair);
                            assert_eq!(
                                Some(rij.first()),
                                expected(r.belief(i, j, pij, decay, now))
                            );
                            assert_eq!(
                                Some(rji.first()),
                                expected(r.belief(j, i, pji, decay, now))
                            );
                            t.record_first(m, i_saw, j_saw);
                            r.observe(i, j, i_saw, j_saw);
                            assert_eq!(
                                Some(rij.after_first(i_saw)),
                                expected(r.belief(i, j, pij, decay, now))
                            );
                            assert_eq!(
                                Some(rji.after_first(j_saw)),
                                expected(r.belief(j, i, pji, decay, now))
                            );
                            first_lookups += 1;
                            continue;
                        }
                        Lookup::Met(m) => {
                            assert_eq!(m.first, new_pair);
                            assert_eq!(Some(m.ij()), r.belief(i, j, pij, decay, now));
                            t.observe(&m, i_saw, j_saw);
                        }
                    }
                } else {
                    let m = t.meet(i, j, pij, pji, decay, now);
                    assert_eq!(m.first, new_pair);
                    assert_eq!(Some(m.ij()), r.belief(i, j, pij, decay, now));
                    assert_eq!(Some(m.ji()), r.belief(j, i, pji, decay, now));
                    let after = t.observe(&m, i_saw, j_saw);
                    r.observe(i, j, i_saw, j_saw);
                    assert_eq!(Some(after.ij()), r.belief(i, j, pij, decay, now));
                    assert_eq!(Some(after.ji()), r.belief(j, i, pji, decay, now));
                    continue;
                }
                r.observe(i, j, i_saw, j_saw);
                assert_eq!(
                    t.belief(i, j, pij, decay, now),
                    r.belief(i, j, pij, decay, now)
                );
                assert_eq!(
                    t.belief(j, i, pji, decay, now),
                    r.belief(j, i, pji, decay, now)
                );
            }
            // Narrow slots until an id of 2^16 or more has met.
            assert!(tick >= 30 || t.narrow);
            for &i in &ids {
                for &j in ids.iter().filter(|&&j| j != i) {
                    let p = priors[((i + j) % 24) as usize];
                    assert_eq!(
                        t.belief(i, j, p, decay, now + 3),
                        r.belief(i, j, p, decay, now + 3)
                    );
                }
            }
        }
        assert_eq!(t.len(), r.0.len());
        assert!(
            first_lookups > 20,
            "{first_lookups} first meetings only found"
        );
        assert!(!t.stored.is_empty() && t.stored.len() < t.len());
        // Narrow throughout, or widened after tick 30 with pairs in it.
        assert_eq!(t.narrow, ids[39] < NARROW_IDS as FirmId);
        assert!(ids[29] < NARROW_IDS as FirmId);
        let pairs = t.pairs();
        assert_eq!(pairs.len(), r.0.len());
        assert!(pairs.iter().all(|p| r.0.contains_key(&(p.0, p.1))));
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
