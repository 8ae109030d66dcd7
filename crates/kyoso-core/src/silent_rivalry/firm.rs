//! Firms and their attributes (spec section 3).

/// Dense firm id: the index of the firm in the simulation's firm table.
/// Ids are never reused; a firm that exits keeps its id and its row.
pub type FirmId = u32;

/// How a firm plays the information-sharing game (spec section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Strategy {
    /// Shares with firms of its own origin always; otherwise as `calibrated`.
    NaiveIngroup = 0,
    /// Shares iff expected trust times benefit covers the expected leakage.
    Calibrated = 1,
    /// Shares at first meeting, then repeats the other's last observed action.
    Reciprocal = 2,
    /// Always shares.
    Open = 3,
    /// Never shares.
    Guarded = 4,
    /// Shares only with weak rivals, but always appears to share.
    Opportunist = 5,
}

impl Strategy {
    /// Number of strategies.
    pub const COUNT: usize = 6;
    /// Every strategy, in id order.
    pub const ALL: [Strategy; Strategy::COUNT] = [
        Strategy::NaiveIngroup,
        Strategy::Calibrated,
        Strategy::Reciprocal,
        Strategy::Open,
        Strategy::Guarded,
        Strategy::Opportunist,
    ];

    /// The name used in scenarios and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::NaiveIngroup => "naive_ingroup",
            Strategy::Calibrated => "calibrated",
            Strategy::Reciprocal => "reciprocal",
            Strategy::Open => "open",
            Strategy::Guarded => "guarded",
            Strategy::Opportunist => "opportunist",
        }
    }

    /// The strategy of a name, if any.
    pub fn from_name(name: &str) -> Option<Strategy> {
        Strategy::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A firm's time horizon (spec section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Horizon {
    Long,
    Short,
}

impl Horizon {
    /// The name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Horizon::Long => "long",
            Horizon::Short => "short",
        }
    }
}

/// Income and costs booked during one tick; their sum is the tick's profit.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ledger {
    /// Gross margin on sales: margin × share × demand.
    pub sales: f64,
    /// Benefit of information others shared with this firm (B per share).
    pub sharing: f64,
    /// Partnership value received.
    pub partnership: f64,
    /// R&D spend (a cost).
    pub rd: f64,
    /// Fixed cost.
    pub fixed: f64,
}

impl Ledger {
    /// The tick's profit: income minus costs.
    pub fn profit(&self) -> f64 {
        self.sales + self.sharing + self.partnership - self.rd - self.fixed
    }
}

/// One firm. Plain data; the mechanisms act on it.
///
/// Layout: the fields an encounter touches on the *other* firm (drawn at
/// random, so usually not in cache) come first and fill exactly one 64-byte
/// cache line; the struct is aligned to it. The second line holds what
/// the per-firm phases use (they visit firms in capability or segment
/// order, so each firm is a random access too). `Firm::prefetch_hot_lines`
/// and its two halves fetch them; a test pins the offsets.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub struct Firm {
    // --- first cache line: what an encounter reads and writes ---
    /// Product segment; firms of one segment are direct rivals.
    pub segment: u16,
    /// Index into the scenario's origins (sorted by name).
    pub origin: u16,
    pub strategy: Strategy,
    pub initial_strategy: Strategy,
    pub horizon: Horizon,
    /// Number of active partnerships (the ids are in `partnerships`).
    pub partner_count: u8,
    /// Shares received during this tick (raises imitation, spec section 7).
    pub shares_received: u32,
    pub shares_given: u32,
    pub withholds: u32,
    /// Distinct firms met so far.
    pub firms_met: u32,
    /// This tick's ledger.
    pub ledger: Ledger,
    // --- second cache line: what the per-firm phases (R&D, market,
    // profits) read and write, visited in an order that is not memory order ---
    /// Capability `q ≥ 0`, in utility units.
    pub capability: f64,
    /// Actual market share within the segment, in [0, 1].
    pub share: f64,
    /// Revenue (share × demand) of the last completed tick.
    pub last_revenue: f64,
    /// R&D intensity ρ of the horizon.
    pub rd_intensity: f64,
    pub peak_share: f64,
    pub cash: f64,
    pub total_profit: f64,
    /// Profit since the last adaptation round.
    pub profit_since_adapt: f64,
    // --- the rest ---
    pub id: FirmId,
    pub entry_tick: u32,
    pub exit_tick: Option<u32>,
    /// Discount factor δ of the horizon.
    pub discount: f64,
    pub culture: [f64; 3],
    /// Active partnership ids.
    pub partnerships: Vec<u32>,
    pub initial_capability: f64,
    pub innovations: u32,
    pub partnerships_formed: u32,
    pub strategy_switches: u32,
}

impl Firm {
    /// Whether the firm is still in the market.
    pub fn alive(&self) -> bool {
        self.exit_tick.is_none()
    }

    /// Starts loading the first cache line: what an encounter touches.
    #[inline]
    pub(crate) fn prefetch_encounter_line(&self) {
        crate::prefetch::prefetch(self);
    }

    /// Starts loading the second cache line: what R&D, the market and
    /// profits use.
    #[inline]
    pub(crate) fn prefetch_phase_line(&self) {
        crate::prefetch::prefetch(&self.capability);
    }

    /// Starts loading both hot cache lines.
    #[inline]
    pub(crate) fn prefetch_hot_lines(&self) {
        self.prefetch_encounter_line();
        self.prefetch_phase_line();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_fields_fill_the_first_two_cache_lines() {
        assert_eq!(std::mem::align_of::<Firm>(), 64);
        assert_eq!(
            std::mem::offset_of!(Firm, ledger) + std::mem::size_of::<Ledger>(),
            64
        );
        assert_eq!(std::mem::offset_of!(Firm, capability), 64);
        assert_eq!(
            std::mem::offset_of!(Firm, profit_since_adapt) + std::mem::size_of::<f64>(),
            128
        );
    }
}
