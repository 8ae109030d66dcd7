//! The event log (spec section 10): what happened to whom and why.

use crate::silent_rivalry::firm::FirmId;

/// Kinds of events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventKind {
    Entry,
    Exit,
    PartnershipFormed,
    PartnershipDissolved,
    Innovation,
    BetrayalDetected,
    StrategySwitch,
    /// A firm withheld and the other firm of the encounter saw it (the
    /// veneer failed); recorded only with observations on (`kyoso run`,
    /// the live view), not in sweeps.
    WithholdingDetected,
}

impl EventKind {
    /// The name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Entry => "entry",
            EventKind::Exit => "exit",
            EventKind::PartnershipFormed => "partnership_formed",
            EventKind::PartnershipDissolved => "partnership_dissolved",
            EventKind::Innovation => "innovation",
            EventKind::BetrayalDetected => "betrayal_detected",
            EventKind::StrategySwitch => "strategy_switch",
            EventKind::WithholdingDetected => "withholding_detected",
        }
    }
}

/// One event. `detail` and `value` depend on the kind (see docs/outputs.md).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub tick: u32,
    pub kind: EventKind,
    pub firm: FirmId,
    pub other: Option<FirmId>,
    /// Text that depends on the kind; most are fixed words, kept without
    /// an allocation.
    pub detail: std::borrow::Cow<'static, str>,
    pub value: Option<f64>,
}
