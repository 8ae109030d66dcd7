//! Firm-level time series (`firm_ticks.parquet`): one row per firm in
//! the market at the end of a recorded tick, for panel analyses (firm ×
//! month). Opt-in: [`Simulation::with_firm_ticks`] turns it on, every
//! `every` ticks; a caller reads [`Simulation::firm_ticks`] after each
//! step and writes the rows as it goes, so memory stays at one tick's rows.

use crate::silent_rivalry::Simulation;
use crate::silent_rivalry::firm::{FirmId, Strategy};

/// The rows of one recorded tick, column by column, by ascending firm id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FirmTicks {
    pub tick: u32,
    pub firm: Vec<FirmId>,
    /// The strategy the firm held during the month (before the month's
    /// adaptation, which applies from the next month): the strategy its
    /// profit was earned under.
    pub strategy: Vec<Strategy>,
    pub share: Vec<f64>,
    pub capability: Vec<f64>,
    pub cash: Vec<f64>,
    pub profit: Vec<f64>,
    pub rd: Vec<f64>,
    pub partners: Vec<u32>,
    /// Mean trust the firm held, when deciding, in the firms of its own
    /// origin (other origins) it met since the last recorded tick; `None`
    /// when it met none.
    pub trust_in_group: Vec<Option<f64>>,
    pub trust_out_group: Vec<Option<f64>>,
    /// The intel edge I_i in the firm's attraction this month.
    pub intel_edge: Vec<f64>,
}

impl FirmTicks {
    /// Rows of the tick.
    pub fn len(&self) -> usize {
        self.firm.len()
    }

    /// Whether the tick has no row.
    pub fn is_empty(&self) -> bool {
        self.firm.is_empty()
    }
}

/// What the panel keeps between recorded ticks.
#[derive(Debug, Clone, Default)]
pub(crate) struct Panel {
    /// Record ticks 0, every, 2·every, …
    pub every: u32,
    /// Per firm id: Σ trust and count of in-group, then out-group meetings.
    pub trust: Vec<[f64; 4]>,
    /// Per firm id: the strategy held this month, set when profits are booked.
    pub held: Vec<Strategy>,
    /// The rows of the tick just recorded, if it was one.
    pub rows: Option<FirmTicks>,
}

impl Panel {
    /// Whether tick `t` is recorded.
    pub fn due(&self, t: u32) -> bool {
        t.is_multiple_of(self.every)
    }

    /// Counts one belief held at a meeting.
    #[inline]
    pub fn meet(&mut self, truster: FirmId, same_origin: bool, trust: f64) {
        let i = truster as usize;
        if self.trust.len() <= i {
            self.trust.resize(i + 1, [0.0; 4]);
        }
        let k = 2 * usize::from(!same_origin);
        self.trust[i][k] += trust;
        self.trust[i][k + 1] += 1.0;
    }
}

impl Simulation {
    /// Records firm-level rows every `every` ticks (ticks 0, every,
    /// 2·every, …; `every` ≥ 1), read with [`Simulation::firm_ticks`].
    pub fn with_firm_ticks(mut self, every: u32) -> Simulation {
        self.panel = Some(Panel {
            every: every.max(1),
            ..Panel::default()
        });
        self
    }

    /// The firm-level rows of the tick just stepped, when it was recorded.
    pub fn firm_ticks(&self) -> Option<&FirmTicks> {
        self.panel.as_ref().and_then(|p| p.rows.as_ref())
    }

    /// In phase 6 (profits): notes the strategy each firm holds this month.
    pub(super) fn panel_note_held(&mut self) {
        let Some(panel) = self.panel.as_mut() else {
            return;
        };
        if !panel.due(self.tick) {
            return;
        }
        panel.held.resize(self.firms.len(), Strategy::NaiveIngroup);
        for &id in &self.alive {
            panel.held[id as usize] = self.firms[id as usize].strategy;
        }
    }

    /// In phase 10: the rows of the firms in the market at the end of the
    /// tick (this tick's entrants included, with no activity yet).
    pub(super) fn panel_record(&mut self) {
        let Some(mut panel) = self.panel.take() else {
            return;
        };
        panel.rows = None;
        if panel.due(self.tick) {
            let n = self.alive.len();
            let mut rows = FirmTicks {
                tick: self.tick,
                firm: Vec::with_capacity(n),
                strategy: Vec::with_capacity(n),
                share: Vec::with_capacity(n),
                capability: Vec::with_capacity(n),
                cash: Vec::with_capacity(n),
                profit: Vec::with_capacity(n),
                rd: Vec::with_capacity(n),
                partners: Vec::with_capacity(n),
                trust_in_group: Vec::with_capacity(n),
                trust_out_group: Vec::with_capacity(n),
                intel_edge: Vec::with_capacity(n),
            };
            let initial: u32 = self.params.origin_firms.iter().sum();
            for &id in &self.alive {
                let f = &self.firms[id as usize];
                // This tick's entrants arrive at its end and act from the next.
                let acted = id < initial || f.entry_tick < self.tick;
                rows.firm.push(id);
                rows.strategy.push(if acted {
                    panel.held.get(id as usize).copied().unwrap_or(f.strategy)
                } else {
                    f.strategy
                });
                rows.share.push(f.share);
                rows.capability.push(f.capability);
                rows.cash.push(f.cash);
                // An entrant of this tick has not acted: its ledger is empty.
                let ledger = if acted { f.ledger } else { Default::default() };
                rows.profit.push(ledger.profit());
                rows.rd.push(ledger.rd);
                rows.partners.push(u32::from(f.partner_count));
                let t = panel.trust.get(id as usize).copied().unwrap_or_default();
                rows.trust_in_group.push((t[1] > 0.0).then(|| t[0] / t[1]));
                rows.trust_out_group.push((t[3] > 0.0).then(|| t[2] / t[3]));
                rows.intel_edge.push(if acted {
                    self.edge_scratch.get(id as usize).copied().unwrap_or(0.0)
                } else {
                    0.0
                });
            }
            panel.trust.iter_mut().for_each(|t| *t = [0.0; 4]);
            panel.rows = Some(rows);
        }
        self.panel = Some(panel);
    }
}
