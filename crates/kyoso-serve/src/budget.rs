//! A session's memory budget: a scenario is estimated before it is built
//! (so a market of ten million firms is a 400, not an aborted server), and
//! a running session is measured as it grows (it stops at its budget with
//! an error frame). What a session keeps of its past is bounded too: see
//! [`History`].
//!
//! The estimate follows what kyoso-core reserves and fills: the firm table
//! (initial firms plus expected entrants), the trust table (one slot per
//! pair that can meet: encounters over the run, at most n(n-1)/2 pairs,
//! with kyoso-core's own capacity rule), events, and the session's retained
//! metric rows; for the lattice models, the cells.
//!
//! The coefficients are calibrated against the peak resident memory of
//! sessions measured in a release build (`examples/session_memory.rs`,
//! table in docs/web.md "Memory"): the estimate is an upper bound, within
//! about 1.5×–3× of the measured peak (small scenarios, where the fixed
//! [`SESSION_BASE`] dominates, are at the top of that range). The test
//! `the_estimate_bounds_the_measured_peaks` pins it.

use kyoso_core::Scenario;
use kyoso_core::silent_rivalry::{Event, Firm, Partnership};

use crate::live::Row;
use crate::setup::{ApiError, Built};

/// Default budget of one session, MiB (`kyoso serve --session-memory-mb`).
pub const DEFAULT_SESSION_MB: u64 = 512;

/// Metric rows a session keeps for a page that connects mid-run and for
/// `/ticks`, and at most in one frame; beyond, ticks are thinned
/// (every 2nd, 4th, ... tick kept).
pub const HISTORY_ROWS: usize = 200_000;

/// Bytes of one row kept (the row and its group name on the heap).
pub const ROW_BYTES: u64 = (std::mem::size_of::<Row>() + 32) as u64;
/// Bytes of a firm beyond its row in the firm table (id lists, the
/// session's last-sent state).
const FIRM_EXTRA: u64 = 64;
/// Bytes of one event (and its detail text).
const EVENT_BYTES: u64 = (std::mem::size_of::<Event>() + 32) as u64;
/// Stored beliefs of a pair that has met (four f32 and a tick).
const PAIR_STORED: u64 = 20;
/// The trust table grows at a load of 0.7.
const LOAD: f64 = 0.7;
/// Firm ids below this fit the trust table's narrow (8-byte) slots.
const NARROW_IDS: f64 = 65_536.0;
/// Pairs kyoso-core reserves room for at most, up front.
const MAX_RESERVED_PAIRS: f64 = 1e8;
/// Firms kyoso-core reserves room for at most, up front.
const MAX_RESERVED_FIRMS: f64 = (1u64 << 20) as f64;
/// Events of a run: one per initial firm (its entry), plus per firm-month
/// (firms alive counted as initial + half the entrants) and per entrant.
/// Counted on the default market's runs (examples/session_memory.rs):
/// 1,044 events in 120 months (0.11 a firm-month of 9,360, most of them
/// from the 36 entrants), 3,267 with 1,000 firms (0.027 of 122,160),
/// 23,959 with 10,000 firms (0.020 of 1,202,160) and 555,304 over 10,000
/// months (0.036 of 15.6 million, 3,000 entrants). These rates bound all
/// four (1.15×–2.2×).
const EVENTS_PER_INITIAL_FIRM: f64 = 1.0;
const EVENTS_PER_FIRM_TICK: f64 = 0.035;
const EVENTS_PER_ENTRANT: f64 = 30.0;
/// Metric rows a market tick adds, fixed part and per origin. Counted:
/// 92.2 rows a tick with the default three origins (93.0 over 10,000
/// months); the split between the parts was not measured, and 50 + 16 a
/// origin gives 98 for three.
const ROWS_FIXED: f64 = 50.0;
const ROWS_PER_ORIGIN: f64 = 16.0;
/// Bytes a lattice cell costs: the model's state, the last frame sent, a
/// scratch copy, a frame being built and the [`crate::session::QUEUE`]
/// frames queued for the socket (one byte a cell each). Measured on
/// 1000×1000 lattices: 9.2 MiB for spatial-pd (9.6 bytes a cell) and
/// 18.5 MiB for ethnocentrism (19.4 bytes a cell), before the queued
/// frames, which the measuring program does not hold.
const SPATIAL_PD_CELL_BYTES: u64 = 20;
const ETHNOCENTRISM_CELL_BYTES: u64 = 32;
/// The session's thread, channels and frames in flight. The measuring
/// program's own share was under 0.5 MiB (the default ethnocentrism
/// session: 1.6 MiB in all, 1.2 MiB of it metric rows); the rest is for
/// what it does not hold: the frames queued for the socket.
pub const SESSION_BASE: u64 = 2 << 20;

/// Bytes for `pairs` pairs in a trust table with `slot` bytes a slot.
fn pair_bytes(pairs: f64, slot: f64) -> f64 {
    pairs / LOAD * slot + pairs * PAIR_STORED as f64
}

/// Bytes of metric history for `ticks` ticks of `per_tick` rows, as kept:
/// the history and a frame's worth not yet streamed, each at most
/// [`HISTORY_ROWS`] rows.
fn history_bytes(per_tick: f64, ticks: f64) -> f64 {
    2.0 * (per_tick * (ticks + 1.0)).min(HISTORY_ROWS as f64) * ROW_BYTES as f64
}

/// An estimate, with its largest parts for the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub bytes: f64,
    pub parts: Vec<(&'static str, f64)>,
}

impl Estimate {
    fn new(parts: Vec<(&'static str, f64)>) -> Estimate {
        let bytes = SESSION_BASE as f64 + parts.iter().map(|p| p.1).sum::<f64>();
        Estimate { bytes, parts }
    }
}

/// Megabytes, for messages.
pub fn mb(bytes: f64) -> String {
    let m = bytes / (1u64 << 20) as f64;
    if m >= 10_000.0 {
        format!("{:.0} GB", m / 1024.0)
    } else if m >= 10.0 {
        format!("{m:.0} MB")
    } else {
        format!("{m:.1} MB")
    }
}

fn market(s: &Scenario) -> Estimate {
    let initial: f64 = s.origins.values().map(|o| o.firms as f64).sum();
    let ticks = s.run.ticks as f64;
    let entrants = s.population.entry_rate * ticks;
    let most = initial + entrants;
    // kyoso-core reserves the firm table up front (bounded), then grows it.
    let reserved = (initial + 1.5 * entrants + 64.0).min(MAX_RESERVED_FIRMS);
    let firms = reserved.max(most) * (std::mem::size_of::<Firm>() as u64 + FIRM_EXTRA) as f64;
    // Pairs that can meet: each firm meets `per_tick` others a tick, and
    // there are only n(n-1)/2 pairs. kyoso-core reserves room for them
    // (bounded); the table doubles when more meet.
    let initial2 = initial.max(2.0);
    let encounters = (initial2 + entrants / 2.0) * s.encounters.per_tick as f64 * ticks;
    let pairs = encounters.min(most * (most - 1.0) / 2.0).max(0.0);
    let slot = if most < NARROW_IDS { 8.0 } else { 16.0 };
    let reserved_pairs = pairs.clamp(512.0, MAX_RESERVED_PAIRS);
    let trust = if pairs > reserved_pairs {
        // Grown: the new table and the old one while it is rebuilt.
        pair_bytes(pairs, slot) * 1.5
    } else {
        pair_bytes(reserved_pairs, slot)
    };
    let alive_ticks = (initial + entrants / 2.0) * ticks;
    let events = (initial * EVENTS_PER_INITIAL_FIRM
        + alive_ticks * EVENTS_PER_FIRM_TICK
        + entrants * EVENTS_PER_ENTRANT)
        * EVENT_BYTES as f64;
    let per_tick = ROWS_FIXED + ROWS_PER_ORIGIN * s.origins.len() as f64;
    Estimate::new(vec![
        ("trust table", trust),
        ("firms", firms),
        ("events", events),
        ("metric history", history_bytes(per_tick, ticks)),
    ])
}

/// Bytes a cell of `model`'s lattice costs (its id: `spatial-pd`,
/// `ethnocentrism`).
pub fn cell_bytes(model: &str) -> u64 {
    match model {
        "spatial-pd" => SPATIAL_PD_CELL_BYTES,
        _ => ETHNOCENTRISM_CELL_BYTES,
    }
}

fn lattice(model: &str, side: usize, ticks: f64, per_tick: f64) -> Estimate {
    let cells = (side * side) as f64;
    Estimate::new(vec![
        ("lattice", cells * cell_bytes(model) as f64),
        ("metric history", history_bytes(per_tick, ticks)),
    ])
}

/// What a running lattice holds now, by the same rules as [`estimate`].
pub fn lattice_now(model: &str, cells: usize, rows: usize) -> f64 {
    SESSION_BASE as f64
        + (cells as u64 * cell_bytes(model)) as f64
        + (rows as u64 * ROW_BYTES) as f64
}

/// What a session running `built` is expected to need at most.
pub fn estimate(built: &Built) -> Estimate {
    match built {
        Built::Market(s) => market(s),
        Built::SpatialPd(p) => lattice("spatial-pd", p.size, built.total() as f64, 1.0),
        Built::Ethnocentrism(p) => lattice("ethnocentrism", p.size, built.total() as f64, 6.0),
    }
}

/// Refuses (400) a setup whose estimate is over `budget` bytes, naming the
/// budget, the estimate and its largest part.
pub fn admit(built: &Built, budget: u64) -> Result<(), ApiError> {
    let e = estimate(built);
    if e.bytes <= budget as f64 {
        return Ok(());
    }
    let (part, bytes) = e
        .parts
        .iter()
        .copied()
        .fold(("session", 0.0), |a, b| if b.1 > a.1 { b } else { a });
    let what = match built {
        Built::Market(_) => {
            "fewer firms (origins.*.firms), a lower population.entry_rate or fewer run.ticks"
        }
        Built::SpatialPd(_) | Built::Ethnocentrism(_) => "a smaller size",
    };
    Err(ApiError {
        key: Some("memory".into()),
        value: Some(mb(e.bytes)),
        range: Some(format!("at most {} per session", mb(budget as f64))),
        ..ApiError::input(format!(
            "this scenario needs about {} (the {part} alone {}), over the session memory budget \
             of {}: choose {what}, run it with `kyoso run`, or restart kyoso serve with a larger \
             --session-memory-mb",
            mb(e.bytes),
            mb(bytes),
            mb(budget as f64),
        ))
    })
}

/// What a running market holds now, by the same rules as [`estimate`]:
/// `encounters` is the number of meetings so far (an upper bound on pairs
/// met), `reserved_pairs` the trust table's room at the start.
pub fn market_now(
    firms: usize,
    encounters: f64,
    reserved_pairs: f64,
    events: usize,
    partnerships: usize,
    rows: usize,
) -> f64 {
    let n = firms as f64;
    let pairs = encounters.min(n * (n - 1.0) / 2.0);
    let slot = if n < NARROW_IDS { 8.0 } else { 16.0 };
    let trust = if pairs > reserved_pairs {
        pair_bytes(pairs, slot) * 1.5
    } else {
        pair_bytes(reserved_pairs, slot)
    };
    SESSION_BASE as f64
        + n.max(1.0) * (std::mem::size_of::<Firm>() as u64 + FIRM_EXTRA) as f64
        + trust
        + (events as u64 * EVENT_BYTES) as f64
        + (partnerships * std::mem::size_of::<Partnership>()) as f64
        + (rows as u64 * ROW_BYTES) as f64
}

/// The trust pairs kyoso-core reserves room for at the start of `s`.
pub fn reserved_pairs(s: &Scenario) -> f64 {
    let initial: f64 = s.origins.values().map(|o| o.firms as f64).sum();
    let ticks = s.run.ticks as f64;
    let entrants = s.population.entry_rate * ticks;
    let most = initial + entrants;
    let encounters = (initial.max(2.0) + entrants / 2.0) * s.encounters.per_tick as f64 * ticks;
    encounters
        .min(most * (most - 1.0) / 2.0)
        .clamp(0.0, MAX_RESERVED_PAIRS)
        .max(512.0)
}

/// Metric rows kept with a bound: every tick until [`HISTORY_ROWS`] rows,
/// then every 2nd tick, then every 4th, ... (ticks that are multiples of
/// the stride), so the whole run stays in view at a coarser grain.
#[derive(Debug, Clone, Default)]
pub struct History {
    rows: Vec<Row>,
    stride: u32,
}

impl History {
    pub fn new() -> History {
        History {
            rows: Vec::new(),
            stride: 1,
        }
    }

    /// Adds one tick's rows (all of the same tick).
    pub fn push(&mut self, rows: &[Row]) {
        let Some(first) = rows.first() else {
            return;
        };
        if !first.tick.is_multiple_of(self.stride.max(1)) {
            return;
        }
        self.rows.extend_from_slice(rows);
        while self.rows.len() > HISTORY_ROWS {
            self.stride = self.stride.max(1).saturating_mul(2);
            let stride = self.stride;
            self.rows.retain(|r| r.tick.is_multiple_of(stride));
        }
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// 1 = every tick kept, k = every k-th tick.
    pub fn stride(&self) -> u32 {
        self.stride.max(1)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Takes every row kept and starts afresh (at every tick).
    pub fn take(&mut self) -> Vec<Row> {
        self.stride = 1;
        std::mem::take(&mut self.rows)
    }

    pub fn clear(&mut self) {
        self.rows.clear();
        self.stride = 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setup::{Base, ModelKind, Setup};

    fn built(model: ModelKind, sets: serde_json::Value) -> Built {
        Setup::new(model, None)
            .with_json_sets(sets.as_object().unwrap())
            .unwrap()
            .build(&Base::default())
            .unwrap()
    }

    const BUDGET: u64 = DEFAULT_SESSION_MB << 20;

    #[test]
    fn ordinary_sessions_fit_and_huge_ones_are_refused_naming_budget_and_estimate() {
        for (model, sets) in [
            (ModelKind::SilentRivalry, serde_json::json!({})),
            (
                ModelKind::SilentRivalry,
                serde_json::json!({"origins.JP.firms": 500, "origins.LOCAL.firms": 333,
                    "origins.OTHER.firms": 167, "population.entry_rate": 5.0, "run.ticks": 120}),
            ),
            (
                ModelKind::SilentRivalry,
                serde_json::json!({"run.ticks": 10000}),
            ),
            (
                ModelKind::SpatialPd,
                serde_json::json!({"size": 1000, "steps": 1000000}),
            ),
            (ModelKind::Ethnocentrism, serde_json::json!({"size": 1000})),
        ] {
            let b = built(model, sets.clone());
            let e = estimate(&b);
            assert!(admit(&b, BUDGET).is_ok(), "{sets}: {}", mb(e.bytes));
        }
        let b = built(
            ModelKind::SilentRivalry,
            serde_json::json!({"origins.JP.firms": 9999970}),
        );
        let e = admit(&b, BUDGET).unwrap_err();
        assert_eq!(e.status, 400);
        assert!(e.message.contains("512 MB"), "{}", e.message);
        assert!(e.message.contains("GB"), "{}", e.message);
        assert!(e.message.contains("--session-memory-mb"), "{}", e.message);
        // A million ticks of the default market meet more pairs than fit.
        let b = built(
            ModelKind::SilentRivalry,
            serde_json::json!({"run.ticks": 1000000, "mechanisms.demand_growth": false}),
        );
        assert!(admit(&b, BUDGET).is_err());
    }

    /// Peak resident memory of one session (VmHWM less the resident
    /// memory before the model was built), MiB, measured in a release build
    /// with `examples/session_memory.rs` (docs/web.md "Memory").
    const MEASURED_MIB: [(ModelKind, &str, f64); 7] = [
        (ModelKind::SilentRivalry, "{}", 2.9),
        (
            ModelKind::SilentRivalry,
            r#"{"origins.JP.firms": 500, "origins.LOCAL.firms": 333, "origins.OTHER.firms": 167}"#,
            8.1,
        ),
        (
            ModelKind::SilentRivalry,
            r#"{"origins.JP.firms": 5000, "origins.LOCAL.firms": 3333, "origins.OTHER.firms": 1667}"#,
            67.7,
        ),
        (ModelKind::SilentRivalry, r#"{"run.ticks": 10000}"#, 110.7),
        (ModelKind::SpatialPd, r#"{"size": 1000}"#, 9.1),
        (ModelKind::Ethnocentrism, "{}", 1.6),
        (
            ModelKind::Ethnocentrism,
            r#"{"size": 1000, "periods": 200}"#,
            18.4,
        ),
    ];

    #[test]
    fn the_estimate_bounds_the_measured_peaks() {
        for (model, sets, measured) in MEASURED_MIB {
            let b = built(model, serde_json::from_str(sets).unwrap());
            let estimate = estimate(&b).bytes / (1u64 << 20) as f64;
            assert!(
                estimate >= measured,
                "{sets}: estimate {estimate:.1} MiB under the measured {measured} MiB"
            );
            // An upper bound, not a wild one (the fixed part dominates the
            // smallest sessions).
            assert!(
                estimate <= 3.0 * measured,
                "{sets}: estimate {estimate:.1} MiB over 3× the measured {measured} MiB"
            );
        }
    }

    #[test]
    fn the_runtime_measure_agrees_with_the_estimate_at_the_start() {
        let b = built(ModelKind::SilentRivalry, serde_json::json!({}));
        let Built::Market(s) = &b else { panic!() };
        let start = market_now(60, 0.0, reserved_pairs(s), 0, 0, 0);
        assert!(start <= estimate(&b).bytes);
    }

    #[test]
    fn history_thins_instead_of_growing() {
        let mut h = History::new();
        let row = |tick| Row {
            tick,
            metric: "m",
            group_by: "all",
            group: "all".into(),
            value: 0.0,
        };
        let per_tick = 150;
        for t in 0..20_000u32 {
            h.push(&vec![row(t); per_tick]);
        }
        assert!(h.len() <= HISTORY_ROWS);
        assert!(h.len() > HISTORY_ROWS / 4);
        let stride = h.stride();
        assert!(stride >= 8, "{stride}");
        assert!(h.rows().iter().all(|r| r.tick % stride == 0));
        // The whole run is still in view.
        assert_eq!(h.rows()[0].tick, 0);
        assert!(h.rows().last().unwrap().tick >= 20_000 - stride);
    }
}
