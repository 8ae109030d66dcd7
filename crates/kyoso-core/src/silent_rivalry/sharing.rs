//! Encounters and the information-sharing game (spec section 5, claims C2–C4).
//!
//! Each tick each firm has `E` encounters; with probability `h` (homophily)
//! the other firm is drawn from its own origin. Both sides choose SHARE or
//! WITHHOLD by their strategy. Receiving a share pays `B` and raises
//! imitation; sharing with a rival at overlap ω hands it `ω` of intel on the
//! sharer. The veneer: a receiver sees a withholding for what it is only
//! with probability `p_detect`; an opportunist's withholding always looks
//! like sharing.

use rand::RngExt;
use rand::distr::{Bernoulli, Distribution};

use crate::rng::Rng;
use crate::silent_rivalry::Simulation;
use crate::silent_rivalry::events::{Event, EventKind};
use crate::silent_rivalry::firm::{FirmId, Strategy};
use crate::silent_rivalry::trust::Lookup;

/// What a firm knows when it decides whether to share with another.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Situation {
    /// Rivalry overlap ω with the other firm.
    pub overlap: f64,
    /// Whether the other firm has the same origin.
    pub same_origin: bool,
    /// Whether this is the first meeting.
    pub first_meeting: bool,
    /// Expected trust in the other firm.
    pub trust: f64,
    /// The other's last observed action (true = seemed to share).
    pub last_seen_share: bool,
}

/// The sharing game's payoffs and the calibrated rule's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// `B`: benefit of a received share.
    pub benefit: f64,
    /// `L`: expected leakage cost per unit of overlap.
    pub leakage: f64,
    /// `ε_margin`.
    pub margin: f64,
    /// `ε_explore`: probability of sharing anyway with a firm where ω < 1 (0 if switched off).
    pub explore: f64,
}

/// The calibrated rule: share iff t·B ≥ L·ω + ε_margin; otherwise, with
/// probability ε_explore, share anyway with a firm that is not a direct rival.
pub fn calibrated(situation: &Situation, rule: &Rule, rng: &mut Rng) -> bool {
    if trusting(situation, rule) {
        return true;
    }
    may_explore(situation, rule) && rng.random_bool(rule.explore)
}

/// The calibrated rule's test: t·B ≥ L·ω + ε_margin.
#[inline]
fn trusting(situation: &Situation, rule: &Rule) -> bool {
    situation.trust * rule.benefit >= rule.leakage * situation.overlap + rule.margin
}

/// Whether the calibrated rule may share anyway (with probability
/// ε_explore) when it does not trust: only with a firm that is not a
/// direct rival, and only if exploring is on.
#[inline]
fn may_explore(situation: &Situation, rule: &Rule) -> bool {
    (situation.overlap < 1.0) & (rule.explore > 0.0)
}

/// Whether a firm with `strategy` shares in `situation`.
///
/// Every strategy's answer is worked out and the firm's is picked from a
/// bit mask: strategies are mixed at random, so a jump on the strategy
/// would be mispredicted about once per decision. The random draw of the
/// calibrated rule is made exactly when [`calibrated`] would make it.
#[inline]
pub fn decide(strategy: Strategy, situation: &Situation, rule: &Rule, rng: &mut Rng) -> bool {
    let explore = Bernoulli::new(rule.explore).expect("explore is a probability");
    decide_with(strategy, situation, rule, explore, rng)
}

/// [`decide`] with the draw of probability ε_explore (`rule.explore`) set
/// up in advance: the same draws, without converting the probability at
/// every decision.
#[inline]
fn decide_with(
    strategy: Strategy,
    situation: &Situation,
    rule: &Rule,
    explore: Bernoulli,
    rng: &mut Rng,
) -> bool {
    use Strategy::*;
    let bit = |s: Strategy, on: bool| (on as u32) << s as u32;
    let trusting = trusting(situation, rule);
    // Calibrated firms, and naive ones facing another origin, apply the rule.
    let rule_users = bit(Calibrated, true) | bit(NaiveIngroup, !situation.same_origin);
    let applies_rule = rule_users >> strategy as u32 & 1 != 0;
    let mut calibrated = trusting;
    if applies_rule & !trusting & may_explore(situation, rule) {
        calibrated = explore.sample(rng);
    }
    let answers = bit(Open, true)
        | bit(NaiveIngroup, situation.same_origin | calibrated)
        | bit(Calibrated, calibrated)
        | bit(
            Reciprocal,
            situation.first_meeting | situation.last_seen_share,
        )
        | bit(Opportunist, situation.overlap < 0.5);
    answers >> strategy as u32 & 1 != 0
}

/// What the receiver sees of the sharer's action (the veneer). `detect` is
/// 1 when the veneer is switched off; opportunists keep up appearances only
/// while the veneer is on.
#[inline]
pub fn observe(shared: bool, sharer: Strategy, veneer: bool, detect: f64, rng: &mut Rng) -> bool {
    let detect = Bernoulli::new(detect).expect("detect is a probability");
    observe_with(shared, sharer, veneer, detect, rng)
}

/// [`observe`] with the detection draw set up in advance.
#[inline]
fn observe_with(
    shared: bool,
    sharer: Strategy,
    veneer: bool,
    detect: Bernoulli,
    rng: &mut Rng,
) -> bool {
    let opportunist = sharer == Strategy::Opportunist;
    // Shares are seen as shares; without the veneer withholding is seen as
    // it is; an opportunist's withholding looks like sharing.
    let mut seen = shared | (veneer & opportunist);
    if !shared & veneer & !opportunist {
        seen = !detect.sample(rng);
    }
    seen
}

impl Simulation {
    /// Phase 5: every alive firm, in id order, has its encounters. The
    /// pairings of the tick are drawn first (from their own stream), then
    /// played in order while the memory of encounters a few steps ahead is
    /// prefetched: the other firm and the pair's trust slot are random
    /// accesses into large tables.
    pub(super) fn encounters(&mut self) {
        if !self.params.sharing {
            return;
        }
        let per_tick = self.current.encounters.per_tick;
        let homophily = Bernoulli::new(self.current.encounters.homophily)
            .expect("homophily validated in [0, 1]");
        let draws = Draws {
            explore: Bernoulli::new(self.params.rule.explore).expect("explore validated in [0, 1]"),
            detect: Bernoulli::new(self.params.detect).expect("detect validated in [0, 1]"),
        };
        let mut pairings = std::mem::take(&mut self.pairings);
        pairings.clear();
        for idx in 0..self.alive.len() {
            let i = self.alive[idx];
            for _ in 0..per_tick {
                if let Some(j) = self.draw_partner(i, homophily) {
                    pairings.push((i, j));
                }
            }
        }
        const AHEAD: usize = 4;
        for k in 0..pairings.len() {
            if let Some(&(a, b)) = pairings.get(k + AHEAD) {
                self.trust.prefetch(a, b);
                self.firms[b as usize].prefetch_encounter_line();
            }
            let (i, j) = pairings[k];
            self.encounter(i, j, draws);
        }
        self.counters.fold_actions();
        self.pairings = pairings;
    }

    /// Draws the other side of an encounter: from the own origin with
    /// probability `homophily`, else from every alive firm. `None` if alone.
    fn draw_partner(&mut self, i: FirmId, homophily: Bernoulli) -> Option<FirmId> {
        let rng = &mut self.rngs.matching;
        let origin = self.firms[i as usize].origin as usize;
        let own = &self.by_origin[origin];
        // The same draw as `random_bool(homophily)`, set up once a tick.
        let pool = if own.len() > 1 && homophily.sample(rng) {
            own
        } else {
            &self.alive
        };
        if pool.len() < 2 {
            return None;
        }
        // Rejection: redraw when the draw is the firm itself (at most half
        // the draws, since the pool holds at least two firms).
        loop {
            let k = rng.random_range(0..pool.len());
            if pool[k] != i {
                return Some(pool[k]);
            }
        }
    }

    /// One encounter between firms `i` and `j`: decisions, effects,
    /// observations, trust updates and a possible partnership. Outcomes
    /// that are coin flips (who shares, who is of the same origin or
    /// segment) are counted with arithmetic rather than branches where the
    /// result is the same.
    pub(super) fn encounter(&mut self, i: FirmId, j: FirmId, draws: Draws) {
        let now = self.tick;
        let decay = self.params.trust_decay;
        let benefit = self.params.rule.benefit;
        let [fi, fj] = self
            .firms
            .get_disjoint_mut([i as usize, j as usize])
            .expect("an encounter is between two distinct firms");
        let same_segment = fi.segment == fj.segment;
        let overlap = [self.params.omega_cross, 1.0][same_segment as usize];
        let same_origin = fi.origin == fj.origin;
        let (strategy_i, strategy_j) = (fi.strategy, fj.strategy);
        let (prior_ij, prior_ji) = (
            self.prior_refs[strategy_i as usize][same_origin as usize],
            self.prior_refs[strategy_j as usize][same_origin as usize],
        );
        let lookup = self.trust.lookup(i, j, prior_ij, prior_ji, decay, now);
        // (first meeting, i's trust in j, j's in i, i last saw j share, j saw i)
        let (first, trust_ij, trust_ji, last_ij, last_ji) = match &lookup {
            // Most meetings in a large market: beliefs are the priors.
            Lookup::First(_) => (true, prior_ij.first(), prior_ji.first(), true, true),
            Lookup::Met(m) => {
                let (ij, ji) = (m.ij(), m.ji());
                let (e_ij, e_ji) = (ij.expected(), ji.expected());
                (m.first, e_ij, e_ji, ij.last_seen_share, ji.last_seen_share)
            }
        };
        let situation_i = Situation {
            overlap,
            same_origin,
            first_meeting: first,
            trust: trust_ij,
            last_seen_share: last_ij,
        };
        let situation_j = Situation {
            overlap,
            same_origin,
            first_meeting: first,
            trust: trust_ji,
            last_seen_share: last_ji,
        };
        let rng = &mut self.rngs.encounters;
        let rule = &self.params.rule;
        let share_i = decide_with(strategy_i, &situation_i, rule, draws.explore, rng);
        let share_j = decide_with(strategy_j, &situation_j, rule, draws.explore, rng);
        let veneer = self.params.veneer;
        let seen_i = observe_with(share_i, strategy_i, veneer, draws.detect, rng);
        let seen_j = observe_with(share_j, strategy_j, veneer, draws.detect, rng);
        // i saw j's action as `seen_j`, j saw i's as `seen_i`.
        let after = match lookup {
            Lookup::First(m) => {
                self.trust.record_first(m, seen_j, seen_i);
                None
            }
            Lookup::Met(m) => Some(self.trust.observe(&m, seen_j, seen_i)),
        };
        if self.observing {
            // Seen withholdings, for the live view's event log (not an output table).
            for (withholder, observer, shared, seen) in
                [(i, j, share_i, seen_i), (j, i, share_j, seen_j)]
            {
                if !shared && !seen {
                    self.detections.push((withholder, observer));
                    self.events.push(Event {
                        tick: now,
                        kind: EventKind::WithholdingDetected,
                        firm: withholder,
                        other: Some(observer),
                        detail: std::borrow::Cow::Borrowed("seen"),
                        value: None,
                    });
                }
            }
        }

        fi.firms_met += first as u32;
        fj.firms_met += first as u32;
        count_action(fi, share_i);
        count_action(fj, share_j);
        receive(fi, share_j, benefit);
        receive(fj, share_i, benefit);
        // Intel only moves share between direct rivals (spec section 8), so
        // only same-segment intel is kept.
        if self.params.intel_edge & same_segment & (share_i | share_j) {
            let segment_intel = &mut self.intel[fi.segment as usize];
            if share_j {
                segment_intel.add(i, j, overlap);
            }
            if share_i {
                segment_intel.add(j, i, overlap);
            }
        }

        self.counters
            .record_action(strategy_i, same_segment, same_origin, share_i);
        self.counters
            .record_action(strategy_j, same_segment, same_origin, share_j);
        if let Some(panel) = self.panel.as_mut() {
            panel.meet(i, same_origin, trust_ij);
            panel.meet(j, same_origin, trust_ji);
        }
        self.counters
            .record_belief(strategy_i, same_origin, trust_ij, share_j);
        self.counters
            .record_belief(strategy_j, same_origin, trust_ji, share_i);
        if self.params.partnerships && overlap < self.current.partnerships.max_overlap {
            let (t_ij, t_ji) = match after {
                None => (prior_ij.after_first(seen_j), prior_ji.after_first(seen_i)),
                Some(m) => (m.ij().expected(), m.ji().expected()),
            };
            self.maybe_form_partnership(i, j, overlap, t_ij, t_ji);
        }
    }
}

/// The encounter draws whose probabilities are fixed for a run (ε_explore
/// and p_detect), set up once a tick.
#[derive(Debug, Clone, Copy)]
pub(super) struct Draws {
    explore: Bernoulli,
    detect: Bernoulli,
}

fn count_action(firm: &mut crate::silent_rivalry::firm::Firm, shared: bool) {
    firm.shares_given += shared as u32;
    firm.withholds += !shared as u32;
}

/// The receiver of a share (if `shared`): cash `B` and one more share this
/// tick. Otherwise +0.0 is added (B ≥ 0 times 0), which leaves the
/// non-negative sharing income's bits as they are.
fn receive(receiver: &mut crate::silent_rivalry::firm::Firm, shared: bool, benefit: f64) {
    receiver.ledger.sharing += benefit * f64::from(u8::from(shared));
    receiver.shares_received += shared as u32;
}

/// One piece of intel: `holder` knows `amount` about `about`, a rival in
/// the same segment. Pieces are kept per segment in arrival order, not
/// merged per pair: the intel edge is a sum, so pieces add up exactly, and
/// the market reads a segment's pieces as one contiguous list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntelPiece {
    pub holder: FirmId,
    pub about: FirmId,
    pub amount: f64,
}

/// The pieces of intel of one segment, in arrival order. Every piece
/// decays by the same factor each tick, so pieces that arrived with the
/// same amount in the same tick always hold the same amount: they are
/// stored as runs of (holder, about) pairs sharing one amount, and the
/// market decays one number per run instead of one per piece. A run's
/// amount goes through exactly the multiplications each of its pieces
/// would, so every amount is bit for bit what per-piece storage gives.
#[derive(Debug, Clone, Default)]
pub struct IntelBook {
    /// (holder, about) of every piece, in arrival order, from `head` on;
    /// the pieces before `head` have faded. The oldest pieces fade first
    /// (pieces arrive with equal amounts in practice), so dropping them
    /// only moves `head`; the vector is compacted once half of it is faded.
    pieces: Vec<(FirmId, FirmId)>,
    head: usize,
    /// Consecutive runs of `pieces`: (amount of each, number of pieces).
    runs: Vec<(f64, u32)>,
}

impl IntelBook {
    /// Adds a piece of intel at the end (nothing if `amount` is 0).
    pub(super) fn add(&mut self, holder: FirmId, about: FirmId, amount: f64) {
        if amount <= 0.0 {
            return;
        }
        self.pieces.push((holder, about));
        match self.runs.last_mut() {
            // Equal amounts now stay equal under the same decay.
            Some((a, n)) if a.to_bits() == amount.to_bits() => *n += 1,
            _ => self.runs.push((amount, 1)),
        }
    }

    /// Decays every piece by the factor `keep`, drops pieces at or below
    /// `floor`, and adds each remaining piece's amount times the share of
    /// its subject to `edge[holder]`, in arrival order. `shares` holds a
    /// share per firm id, padded to a power of two; `edge` is at least as
    /// long. `shares` is 0 for firms that left (and the padding): a piece
    /// about one adds +0.0, which leaves every edge (a sum of non-negative
    /// terms) bit for bit as if the piece were gone, and a piece held by
    /// one adds to an edge nobody reads. Such pieces go when their run
    /// falls below the floor.
    pub(super) fn decay_and_sum(
        &mut self,
        keep: f64,
        floor: f64,
        shares: &[f64],
        edge: &mut [f64],
    ) {
        let (mut read, mut write, mut runs_kept) = (self.head, self.head, 0);
        // Firm ids are below both lengths, a power of two: masking an id
        // leaves it as it is, and lets the compiler see that it is in
        // bounds without a check per piece.
        let len = shares.len();
        assert!(len.is_power_of_two() && edge.len() >= len);
        let mask = len - 1;
        let edge = &mut edge[..len];
        for r in 0..self.runs.len() {
            let (amount, n) = self.runs[r];
            let amount = amount * keep;
            let (start, end) = (read, read + n as usize);
            read = end;
            if amount <= floor {
                if runs_kept == 0 {
                    // A faded run before any kept one: skipped, not copied over.
                    write = end;
                }
                continue;
            }
            if runs_kept == 0 {
                self.head = start;
            }
            for &(holder, about) in &self.pieces[start..end] {
                debug_assert!((holder as usize) < len && (about as usize) < len);
                edge[holder as usize & mask] += amount * shares[about as usize & mask];
            }
            if write != start {
                self.pieces.copy_within(start..end, write);
            }
            write += n as usize;
            self.runs[runs_kept] = (amount, n);
            runs_kept += 1;
        }
        self.runs.truncate(runs_kept);
        if runs_kept == 0 {
            self.pieces.clear();
            self.head = 0;
            return;
        }
        self.pieces.truncate(write);
        if self.head * 2 >= self.pieces.len() {
            self.pieces.drain(..self.head);
            self.head = 0;
        }
    }

    /// Every piece, in arrival order (pieces on or held by firms that
    /// left included, until they fade).
    pub fn pieces(&self) -> Vec<IntelPiece> {
        let mut amounts = self
            .runs
            .iter()
            .flat_map(|&(amount, n)| std::iter::repeat_n(amount, n as usize));
        self.pieces[self.head..]
            .iter()
            .map(|&(holder, about)| IntelPiece {
                holder,
                about,
                amount: amounts.next().expect("runs cover every piece"),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream};

    fn rule() -> Rule {
        Rule {
            benefit: 0.5,
            leakage: 1.0,
            margin: 0.02,
            explore: 0.0,
        }
    }

    fn situation(overlap: f64, same_origin: bool, trust: f64) -> Situation {
        Situation {
            overlap,
            same_origin,
            first_meeting: false,
            trust,
            last_seen_share: false,
        }
    }

    /// The calibrated rule derived from the spec (section 5) and
    /// docs/model.md §7.2, without any production helper: the expected
    /// benefit of sharing, t·B, against the expected leakage plus the
    /// margin, L·ω + ε_margin; a firm that does not trust "takes the
    /// initiative" with probability ε_explore, but only with a firm that
    /// is not a direct rival (ω < 1). The one implementation choice kept
    /// (so that the streams stay in step): the coin is tossed only when
    /// the initiative is possible and ε_explore > 0, as a toss at 0 always
    /// says no.
    fn calibrated_by_the_book(s: &Situation, rule: &Rule, rng: &mut Rng) -> bool {
        let expected_benefit = s.trust * rule.benefit;
        let expected_leakage = rule.leakage * s.overlap + rule.margin;
        if expected_benefit >= expected_leakage {
            return true;
        }
        let direct_rival = s.overlap >= 1.0;
        if direct_rival || rule.explore == 0.0 {
            return false;
        }
        rng.random_bool(rule.explore)
    }

    /// The rules as the spec states them, one strategy at a time.
    fn decide_by_the_book(strategy: Strategy, s: &Situation, rule: &Rule, rng: &mut Rng) -> bool {
        match strategy {
            Strategy::Open => true,
            Strategy::Guarded => false,
            Strategy::NaiveIngroup => s.same_origin || calibrated_by_the_book(s, rule, rng),
            Strategy::Calibrated => calibrated_by_the_book(s, rule, rng),
            Strategy::Reciprocal => s.first_meeting || s.last_seen_share,
            Strategy::Opportunist => s.overlap < 0.5,
        }
    }

    fn observe_by_the_book(
        shared: bool,
        sharer: Strategy,
        veneer: bool,
        p: f64,
        rng: &mut Rng,
    ) -> bool {
        if shared || !veneer {
            shared
        } else if sharer == Strategy::Opportunist {
            true
        } else {
            !rng.random_bool(p)
        }
    }

    #[test]
    fn branch_free_decisions_match_the_book_draw_for_draw() {
        let mut pick = stream(11, Purpose::Init);
        let (mut a, mut b) = (
            stream(12, Purpose::Encounters),
            stream(12, Purpose::Encounters),
        );
        for _ in 0..20_000 {
            let strategy = Strategy::ALL[pick.random_range(0..Strategy::COUNT)];
            // Dyadic payoffs too, so that t·B = L·ω + ε_margin holds exactly
            // at the threshold trust (the rule shares there: ≥, not >).
            let r = Rule {
                benefit: [0.5, 1.0, 0.0][pick.random_range(0..3)],
                leakage: [1.0, 0.25][pick.random_range(0..2)],
                margin: [0.02, 0.125, -0.5][pick.random_range(0..3)],
                explore: [0.0, 0.05, 0.5, 1.0][pick.random_range(0..4)],
            };
            let overlap = [0.2, 0.4, 0.5, 1.0][pick.random_range(0..4)];
            let threshold = if r.benefit > 0.0 {
                (r.leakage * overlap + r.margin) / r.benefit
            } else {
                0.5
            };
            let s = Situation {
                overlap,
                same_origin: pick.random_bool(0.5),
                first_meeting: pick.random_bool(0.3),
                trust: [pick.random::<f64>(), 0.0, 1.0, threshold.clamp(0.0, 1.0)]
                    [pick.random_range(0..4)],
                last_seen_share: pick.random_bool(0.5),
            };
            assert_eq!(
                decide(strategy, &s, &r, &mut a),
                decide_by_the_book(strategy, &s, &r, &mut b),
                "{strategy:?} {s:?} {r:?}"
            );
            let (shared, veneer) = (pick.random_bool(0.5), pick.random_bool(0.7));
            assert_eq!(
                observe(shared, strategy, veneer, 0.3, &mut a),
                observe_by_the_book(shared, strategy, veneer, 0.3, &mut b)
            );
            // Same draws: the streams stay in step.
            assert_eq!(a.random::<u64>(), b.random::<u64>());
        }
    }

    #[test]
    fn open_and_guarded_are_unconditional() {
        let mut rng = stream(1, Purpose::Encounters);
        for overlap in [0.2, 1.0] {
            let s = situation(overlap, true, 1.0);
            assert!(decide(Strategy::Open, &s, &rule(), &mut rng));
            assert!(!decide(Strategy::Guarded, &s, &rule(), &mut rng));
        }
    }

    #[test]
    fn calibrated_shares_by_business_logic_not_origin() {
        let mut rng = stream(1, Purpose::Encounters);
        // t·B = 0.4 ≥ L·ω + ε = 0.22 across segments: share.
        assert!(decide(
            Strategy::Calibrated,
            &situation(0.2, false, 0.8),
            &rule(),
            &mut rng
        ));
        assert!(decide(
            Strategy::Calibrated,
            &situation(0.2, true, 0.8),
            &rule(),
            &mut rng
        ));
        // Direct rival: 0.4 < 1.02, withhold, whatever the origin.
        assert!(!decide(
            Strategy::Calibrated,
            &situation(1.0, true, 0.8),
            &rule(),
            &mut rng
        ));
        // Low trust across segments: 0.5·0.3 = 0.15 < 0.22.
        assert!(!decide(
            Strategy::Calibrated,
            &situation(0.2, true, 0.3),
            &rule(),
            &mut rng
        ));
        // The threshold itself shares (≥).
        let t = 0.22 / 0.5;
        assert!(decide(
            Strategy::Calibrated,
            &situation(0.2, false, t + 1e-12),
            &rule(),
            &mut rng
        ));
    }

    #[test]
    fn calibrated_explores_only_with_non_rivals() {
        let mut rng = stream(2, Purpose::Encounters);
        let r = Rule {
            explore: 0.3,
            ..rule()
        };
        let n = 20_000;
        let cross = (0..n)
            .filter(|_| {
                decide(
                    Strategy::Calibrated,
                    &situation(0.2, false, 0.0),
                    &r,
                    &mut rng,
                )
            })
            .count();
        let rate = cross as f64 / n as f64;
        assert!((rate - 0.3).abs() < 0.02, "exploration rate {rate}");
        let direct = (0..n)
            .filter(|_| {
                decide(
                    Strategy::Calibrated,
                    &situation(1.0, false, 0.0),
                    &r,
                    &mut rng,
                )
            })
            .count();
        assert_eq!(direct, 0);
    }

    #[test]
    fn naive_ingroup_always_shares_with_own_origin() {
        let mut rng = stream(1, Purpose::Encounters);
        assert!(decide(
            Strategy::NaiveIngroup,
            &situation(1.0, true, 0.0),
            &rule(),
            &mut rng
        ));
        assert!(!decide(
            Strategy::NaiveIngroup,
            &situation(1.0, false, 0.9),
            &rule(),
            &mut rng
        ));
        assert!(decide(
            Strategy::NaiveIngroup,
            &situation(0.2, false, 0.9),
            &rule(),
            &mut rng
        ));
    }

    #[test]
    fn reciprocal_opens_then_mirrors() {
        let mut rng = stream(1, Purpose::Encounters);
        let mut s = situation(1.0, false, 0.0);
        s.first_meeting = true;
        assert!(decide(Strategy::Reciprocal, &s, &rule(), &mut rng));
        s.first_meeting = false;
        s.last_seen_share = false;
        assert!(!decide(Strategy::Reciprocal, &s, &rule(), &mut rng));
        s.last_seen_share = true;
        assert!(decide(Strategy::Reciprocal, &s, &rule(), &mut rng));
    }

    #[test]
    fn opportunist_shares_only_with_weak_rivals() {
        let mut rng = stream(1, Purpose::Encounters);
        assert!(decide(
            Strategy::Opportunist,
            &situation(0.2, false, 0.0),
            &rule(),
            &mut rng
        ));
        assert!(!decide(
            Strategy::Opportunist,
            &situation(1.0, true, 1.0),
            &rule(),
            &mut rng
        ));
    }

    #[test]
    fn veneer_hides_most_withholding() {
        let mut rng = stream(3, Purpose::Encounters);
        let n = 20_000;
        let detected = (0..n)
            .filter(|_| !observe(false, Strategy::Guarded, true, 0.3, &mut rng))
            .count();
        let rate = detected as f64 / n as f64;
        assert!((rate - 0.3).abs() < 0.02, "detection rate {rate}");
        // Shares are always seen as shares.
        assert!((0..100).all(|_| observe(true, Strategy::Guarded, true, 0.3, &mut rng)));
        // Opportunists always appear to share while the veneer is on.
        assert!((0..100).all(|_| observe(false, Strategy::Opportunist, true, 0.3, &mut rng)));
        // Without the veneer everything is seen as it is.
        assert!((0..100).all(|_| !observe(false, Strategy::Opportunist, false, 1.0, &mut rng)));
    }

    #[test]
    fn intel_book_keeps_pieces_in_order() {
        let mut v = IntelBook::default();
        v.add(1, 5, 1.0);
        v.add(1, 2, 0.2);
        v.add(3, 5, 0.0);
        v.add(1, 5, 0.5);
        v.add(4, 5, 0.5);
        let about: Vec<(FirmId, FirmId, f64)> = v
            .pieces()
            .iter()
            .map(|p| (p.holder, p.about, p.amount))
            .collect();
        assert_eq!(
            about,
            vec![(1, 5, 1.0), (1, 2, 0.2), (1, 5, 0.5), (4, 5, 0.5)]
        );
        assert_eq!(v.runs.len(), 3);
    }

    #[test]
    fn intel_book_equals_piece_by_piece_decay() {
        // Mixed amounts (runs fade out of order), then equal amounts (the
        // oldest fade first, which moves the head and compacts).
        for amounts in [[1.0, 0.5, 0.1, 0.9], [1.0; 4]] {
            book_matches_pieces(amounts);
        }
    }

    fn book_matches_pieces(amounts: [f64; 4]) {
        // The reference: one amount per piece, decayed and summed in order,
        // dropping pieces on or held by firms that left (share −1 there).
        let shares: [f64; 6] = [0.3, 0.25, -1.0, 0.1, 0.0, 0.2];
        let alive = |f: FirmId| shares[f as usize] >= 0.0;
        // Padded to a power of two, as the market pads them.
        let mut book_shares: Vec<f64> = shares.iter().map(|&s| s.max(0.0)).collect();
        book_shares.resize(8, 0.0);
        let keep = 1.0 - 0.1;
        let mut book = IntelBook::default();
        let mut flat: Vec<IntelPiece> = Vec::new();
        let mut rng = stream(9, Purpose::Encounters);
        for tick in 0..80 {
            for _ in 0..rng.random_range(0..6) {
                let holder = rng.random_range(0..6);
                let about = (holder + rng.random_range(1..6)) % 6;
                let amount = amounts[rng.random_range(0..4)];
                book.add(holder, about, amount);
                flat.push(IntelPiece {
                    holder,
                    about,
                    amount,
                });
            }
            let (mut e1, mut e2) = (vec![0.0; 8], vec![0.0; 6]);
            book.decay_and_sum(keep, 0.01, &book_shares, &mut e1);
            flat.retain_mut(|p| {
                p.amount *= keep;
                let (a, h) = (shares[p.about as usize], shares[p.holder as usize]);
                if p.amount <= 0.01 || a < 0.0 || h < 0.0 {
                    return false;
                }
                e2[p.holder as usize] += p.amount * a;
                true
            });
            for f in (0..6).filter(|&f| alive(f)) {
                assert_eq!(
                    e1[f as usize].to_bits(),
                    e2[f as usize].to_bits(),
                    "tick {tick}, firm {f}"
                );
            }
            let live: Vec<IntelPiece> = book
                .pieces()
                .into_iter()
                .filter(|p| alive(p.holder) && alive(p.about))
                .collect();
            assert_eq!(live, flat, "tick {tick}");
        }
    }
}
