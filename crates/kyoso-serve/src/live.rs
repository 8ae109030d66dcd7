//! The models as the live view runs them: step, then say what changed
//! since the last frame (see PROTOCOL.md for every message).
//!
//! This is an adapter over the same model code `kyoso run` uses; it only
//! reads the simulation's state and never changes how it runs, so the
//! per-tick metrics are those of `kyoso run` with the same scenario.

use std::collections::BTreeSet;

use kyoso_classic::ethnocentrism::{EthnoStrategy, Ethnocentrism};
use kyoso_classic::spatial_pd::{SpatialPd, Transition};
use kyoso_core::Simulation;
use kyoso_core::silent_rivalry::{Cause, EventKind, Strategy};
use serde_json::{Map, Value, json};

use crate::budget::{self, History};
use crate::setup::Built;

/// One message to the browser.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Text(String),
    Binary(Vec<u8>),
}

impl Frame {
    pub fn len(&self) -> usize {
        match self {
            Frame::Text(t) => t.len(),
            Frame::Binary(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One tidy observation: the market model's own type, for every model.
pub type Row = kyoso_core::silent_rivalry::Observation;

/// A model running in a session.
pub trait Live: Send {
    /// Ticks done.
    fn tick(&self) -> u32;
    /// Run length.
    fn total(&self) -> u32;
    fn done(&self) -> bool {
        self.tick() >= self.total()
    }
    /// Advances one tick (no-op when done).
    fn step(&mut self);
    /// The whole state, as the first frames after connecting or resetting;
    /// later deltas are relative to it.
    fn init(&mut self) -> Vec<Frame>;
    /// What changed since the last `init` or `delta`.
    fn delta(&mut self, running: bool) -> Vec<Frame>;
    /// The observations kept (every tick, or every `history_stride()`-th
    /// tick of a long run: see [`History`]).
    fn rows(&self) -> &[Row];
    /// 1 when `rows` holds every tick, k when every k-th.
    fn history_stride(&self) -> u32;
    /// Bytes the model and what the session keeps of it hold now, by the
    /// rules of [`crate::budget`].
    fn footprint(&self) -> f64;
    /// Applies `key=value` changes from the next tick on, as part of the
    /// run's schedule; returns that tick.
    fn schedule(&mut self, _assignments: &[String]) -> Result<u32, String> {
        Err("changes during a run apply to the silent-rivalry model only; change the setting and reset".into())
    }
}

/// Builds the live model for a resolved setup.
pub fn build(built: &Built) -> Result<Box<dyn Live>, crate::setup::ApiError> {
    Ok(match built {
        Built::Market(s) => Box::new(Market::new(s)?),
        Built::SpatialPd(p) => Box::new(Lattice::new(
            Grid::SpatialPd(Box::new(SpatialPd::new(p.config(p.seed)?)?)),
            "spatial-pd",
            p.size,
            built.total(),
        )),
        Built::Ethnocentrism(p) => Box::new(Lattice::new(
            Grid::Ethnocentrism(Box::new(Ethnocentrism::new(p.config(p.seed))?)),
            "ethnocentrism",
            p.size,
            built.total(),
        )),
    })
}

/// A model that panics when it steps past a tick (tests of failure
/// handling; `Config::fault_at_tick`).
pub struct Faulty {
    pub inner: Box<dyn Live>,
    pub at: u32,
}

impl Live for Faulty {
    fn tick(&self) -> u32 {
        self.inner.tick()
    }
    fn total(&self) -> u32 {
        self.inner.total()
    }
    fn step(&mut self) {
        if self.inner.tick() >= self.at {
            panic!("injected fault at tick {}", self.at);
        }
        self.inner.step();
    }
    fn init(&mut self) -> Vec<Frame> {
        self.inner.init()
    }
    fn delta(&mut self, running: bool) -> Vec<Frame> {
        self.inner.delta(running)
    }
    fn rows(&self) -> &[Row] {
        self.inner.rows()
    }
    fn history_stride(&self) -> u32 {
        self.inner.history_stride()
    }
    fn footprint(&self) -> f64 {
        self.inner.footprint()
    }
}

fn key(metric: &str, group_by: &str, group: &str) -> String {
    format!("{metric}|{group_by}|{group}")
}

/// Rows of one or more ticks as the stream's `TickRow`s (values as f32:
/// the plots need no more, the `/ticks` endpoint has the exact values).
fn tick_rows(rows: &[Row]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let tick = rows[i].tick;
        let mut m = Map::new();
        while i < rows.len() && rows[i].tick == tick {
            let r = &rows[i];
            m.insert(key(r.metric, r.group_by, &r.group), json!(r.value as f32));
            i += 1;
        }
        out.push(json!({"tick": tick, "m": m}));
    }
    out
}

// ------------------------------------------------------------------ market

/// Both firms' expected trust in each other at least this: a trust tie.
pub const TIE_TRUST: f64 = 0.8;
/// At most this many trust ties are drawn (the strongest).
pub const MAX_TIES: usize = 2000;
/// Trust ties are recomputed at most this often, and at the end of a run
/// (they change slowly, and finding them reads the whole trust table, which
/// at 1,000 firms costs tens of milliseconds); partnerships every frame.
pub const TIES_EVERY: std::time::Duration = std::time::Duration::from_millis(500);
/// Seen withholdings streamed per tick at most (the rest are counted in
/// one summary entry), so a large market does not flood the log.
pub const MAX_DETECTIONS: usize = 5;
/// Events kept for a page that connects mid-run.
const INIT_EVENTS: usize = 500;
/// Seen withholdings held for the next frame at most (only a session
/// stepped with no page attached gets there).
const MAX_PENDING_DETECTIONS: usize = 10_000;

/// Firm as last sent: (strategy, share in 1e-5 units).
type Sent = Option<(u8, i64)>;

struct Market {
    sim: Simulation,
    /// Rows kept, and rows not yet streamed.
    history: History,
    unsent: History,
    /// Meetings so far (a bound on the pairs in the trust table), and the
    /// pairs the trust table had room for at the start.
    encounters: f64,
    reserved_pairs: f64,
    events_sent: usize,
    firms_sent: Vec<Sent>,
    edges_sent: BTreeSet<(u32, u32, u8)>,
    /// Seen withholdings not yet streamed (event JSON).
    detections: Vec<Value>,
    /// Trust ties as last computed, and when.
    ties: Vec<(u32, u32)>,
    ties_at: std::time::Instant,
}

fn share_units(share: f64) -> i64 {
    (share * 1e5).round() as i64
}

fn edge_json(&(a, b, k): &(u32, u32, u8)) -> Value {
    json!([a, b, if k == 0 { "p" } else { "t" }])
}

impl Market {
    fn new(scenario: &kyoso_core::Scenario) -> Result<Market, crate::setup::ApiError> {
        let sim = Simulation::new(scenario)?;
        Ok(Market {
            sim,
            history: History::new(),
            unsent: History::new(),
            encounters: 0.0,
            reserved_pairs: budget::reserved_pairs(scenario),
            events_sent: 0,
            firms_sent: Vec::new(),
            edges_sent: BTreeSet::new(),
            detections: Vec::new(),
            ties: Vec::new(),
            ties_at: std::time::Instant::now(),
        })
    }

    /// Active partnerships (kind 0) and the strongest trust ties (kind 1).
    fn edges(&self) -> BTreeSet<(u32, u32, u8)> {
        let firms = self.sim.firms();
        let alive = |id: u32| firms[id as usize].alive();
        let mut edges: BTreeSet<(u32, u32, u8)> = self
            .sim
            .active_partnerships()
            .filter(|p| alive(p.a) && alive(p.b))
            .map(|p| (p.a.min(p.b), p.a.max(p.b), 0))
            .collect();
        edges.extend(
            self.ties
                .iter()
                .filter(|&&(a, b)| alive(a) && alive(b))
                .map(|&(a, b)| (a, b, 1)),
        );
        edges
    }

    /// Recomputes the trust ties (one pass over the trust table).
    fn refresh_ties(&mut self) {
        let mut ties: Vec<(f64, u32, u32)> = self
            .sim
            .mutual_trust_at_least(TIE_TRUST)
            .into_iter()
            .map(|(a, b, t)| (t, a.min(b), a.max(b)))
            .collect();
        ties.sort_by(|x, y| y.0.total_cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
        ties.truncate(MAX_TIES);
        self.ties = ties.into_iter().map(|(_, a, b)| (a, b)).collect();
        self.ties_at = std::time::Instant::now();
    }

    fn event_json(&self, e: &kyoso_core::silent_rivalry::Event) -> Value {
        json!({
            "tick": e.tick, "kind": e.kind.name(), "firm": e.firm,
            "other": e.other, "detail": e.detail, "value": e.value,
        })
    }

    fn new_events(&mut self, keep_last: Option<usize>) -> Vec<Value> {
        let events = self.sim.events();
        let from = if keep_last.is_some() {
            0
        } else {
            self.events_sent
        };
        let mut out: Vec<Value> = events[from..]
            .iter()
            // Innovations are too many to list; seen withholdings are sent
            // per month, capped, by `step`.
            .filter(|e| {
                !matches!(
                    e.kind,
                    EventKind::Innovation | EventKind::WithholdingDetected
                )
            })
            .map(|e| self.event_json(e))
            .collect();
        if let Some(n) = keep_last {
            let cut = out.len().saturating_sub(n);
            out.drain(..cut);
        }
        self.events_sent = events.len();
        out
    }
}

impl Live for Market {
    fn tick(&self) -> u32 {
        self.sim.ticks_done()
    }

    fn schedule(&mut self, assignments: &[String]) -> Result<u32, String> {
        if self.sim.ticks_done() == 0 {
            return Err(
                "the run has not started: the change applies from month 0 once you reset".into(),
            );
        }
        self.sim
            .schedule_now(assignments)
            .map_err(|e| e.to_string())
    }

    fn total(&self) -> u32 {
        self.sim.scenario().run.ticks
    }

    fn step(&mut self) {
        if self.sim.is_done() {
            return;
        }
        self.encounters +=
            self.sim.alive().len() as f64 * self.sim.scenario_now().encounters.per_tick as f64;
        self.sim.step();
        let tick = self.sim.ticks_done() - 1;
        if self.detections.len() > MAX_PENDING_DETECTIONS {
            self.detections.clear();
        }
        let seen = self.sim.withholdings_detected();
        self.detections
            .extend(seen.iter().take(MAX_DETECTIONS).map(|&(w, o)| {
                json!({"tick": tick, "kind": "withholding_detected", "firm": w, "other": o,
                   "detail": "withheld, and it was seen", "value": null})
            }));
        if seen.len() > MAX_DETECTIONS {
            self.detections
                .push(json!({"tick": tick, "kind": "withholding_detected",
                "firm": null, "other": null, "value": null,
                "count": seen.len() - MAX_DETECTIONS,
                "detail": format!("and {} more seen this month", seen.len() - MAX_DETECTIONS)}));
        }
        self.history.push(self.sim.observations());
        self.unsent.push(self.sim.observations());
    }

    fn init(&mut self) -> Vec<Frame> {
        let firms = self.sim.firms();
        self.firms_sent = vec![None; firms.len()];
        let mut list = Vec::new();
        for &id in self.sim.alive() {
            let f = &firms[id as usize];
            let units = share_units(f.share);
            self.firms_sent[id as usize] = Some((f.strategy as u8, units));
            list.push(json!([
                id,
                f.origin,
                f.strategy as u8,
                f.segment,
                units as f64 / 1e5
            ]));
        }
        self.refresh_ties();
        self.detections.clear();
        self.edges_sent = self.edges();
        self.unsent.clear();
        let events = self.new_events(Some(INIT_EVENTS));
        let msg = json!({
            "type": "init",
            "model": "silent-rivalry",
            "tick": self.tick(),
            "ticks_total": self.total(),
            "seed": self.sim.scenario().run.seed,
            "origins": self.sim.origin_names(),
            "origin_colors": (0..self.sim.origin_names().len()).map(kyoso_io::palette::origin).collect::<Vec<_>>(),
            "strategies": Strategy::ALL.iter().map(|s| s.name()).collect::<Vec<_>>(),
            "strategy_colors": Strategy::ALL.iter().map(|s| kyoso_io::palette::strategy(s.name())).collect::<Vec<_>>(),
            "causes": Cause::ALL.iter().map(|c| c.name()).collect::<Vec<_>>(),
            "cause_colors": Cause::ALL.iter().map(|c| kyoso_io::palette::cause(c.name())).collect::<Vec<_>>(),
            "firms": list,
            "edges": self.edges_sent.iter().map(edge_json).collect::<Vec<_>>(),
            "history": tick_rows(self.history.rows()),
            "events": events,
        });
        vec![Frame::Text(msg.to_string())]
    }

    fn delta(&mut self, running: bool) -> Vec<Frame> {
        let firms = self.sim.firms();
        if self.firms_sent.len() < firms.len() {
            self.firms_sent.resize(firms.len(), None);
        }
        let (mut add, mut upd, mut del) = (Vec::new(), Vec::new(), Vec::new());
        for (id, f) in firms.iter().enumerate() {
            let was = self.firms_sent[id];
            if !f.alive() {
                if was.is_some() {
                    del.push(json!(id));
                    self.firms_sent[id] = None;
                }
                continue;
            }
            let now = (f.strategy as u8, share_units(f.share));
            match was {
                None => add.push(json!([id, f.origin, now.0, f.segment, now.1 as f64 / 1e5])),
                Some(w) if w != now => upd.push(json!([id, now.0, now.1 as f64 / 1e5])),
                Some(_) => {}
            }
            self.firms_sent[id] = Some(now);
        }
        if self.ties_at.elapsed() >= TIES_EVERY || self.done() {
            self.refresh_ties();
        }
        let edges = self.edges();
        let added: Vec<Value> = edges.difference(&self.edges_sent).map(edge_json).collect();
        let removed: Vec<Value> = self.edges_sent.difference(&edges).map(edge_json).collect();
        self.edges_sent = edges;
        let rows = tick_rows(&self.unsent.take());
        let mut events = self.new_events(None);
        events.append(&mut self.detections);
        let msg = json!({
            "type": "tick",
            "tick": self.tick(),
            "running": running && !self.done(),
            "done": self.done(),
            "rows": rows,
            "firms": {"add": add, "del": del, "upd": upd},
            "edges": {"add": added, "del": removed},
            "events": events,
        });
        vec![Frame::Text(msg.to_string())]
    }

    fn rows(&self) -> &[Row] {
        self.history.rows()
    }

    fn history_stride(&self) -> u32 {
        self.history.stride()
    }

    fn footprint(&self) -> f64 {
        budget::market_now(
            self.sim.firms().len(),
            self.encounters,
            self.reserved_pairs,
            self.sim.events().len(),
            self.sim.partnerships().len(),
            self.history.len() + self.unsent.len() + self.detections.len(),
        )
    }
}

// ---------------------------------------------------------------- lattices

enum Grid {
    SpatialPd(Box<SpatialPd>),
    Ethnocentrism(Box<Ethnocentrism>),
}

struct Lattice {
    grid: Grid,
    model: &'static str,
    side: usize,
    tick: u32,
    total: u32,
    /// Rows kept, rows of the tick being recorded, rows not yet streamed.
    history: History,
    current: Vec<Row>,
    unsent: History,
    /// Palette indices as last sent.
    cells_sent: Vec<u8>,
    scratch: Vec<u8>,
}

/// Tag colours for ethnocentrism (tag k uses entry k mod 12).
const TAG_COLORS: [[u8; 3]; 12] = [
    [214, 39, 40],
    [31, 119, 180],
    [44, 160, 44],
    [255, 127, 14],
    [148, 103, 189],
    [23, 190, 207],
    [140, 86, 75],
    [227, 119, 194],
    [188, 189, 34],
    [127, 127, 127],
    [0, 0, 128],
    [128, 0, 0],
];

fn ethno_index(s: EthnoStrategy) -> usize {
    EthnoStrategy::ALL
        .iter()
        .position(|x| *x == s)
        .expect("listed")
}

/// The shade of a tag colour that marks a strategy: ethnocentric full,
/// altruist light, cosmopolitan pale, egoist dark.
fn shade([r, g, b]: [u8; 3], strategy: usize) -> [u8; 3] {
    let mix = |c: u8, t: f64, to: f64| (c as f64 * (1.0 - t) + to * t).round() as u8;
    match strategy {
        0 => [r, g, b],
        1 => [
            mix(r, 0.45, 255.0),
            mix(g, 0.45, 255.0),
            mix(b, 0.45, 255.0),
        ],
        2 => [
            mix(r, 0.75, 255.0),
            mix(g, 0.75, 255.0),
            mix(b, 0.75, 255.0),
        ],
        _ => [mix(r, 0.5, 0.0), mix(g, 0.5, 0.0), mix(b, 0.5, 0.0)],
    }
}

fn transition_index(t: Transition) -> u8 {
    match t {
        Transition::StayedC => 0,
        Transition::StayedD => 1,
        Transition::BecameD => 2,
        Transition::BecameC => 3,
    }
}

impl Lattice {
    /// A lattice at tick 0 with its first observations.
    fn new(grid: Grid, model: &'static str, side: usize, total: u32) -> Lattice {
        let mut l = Lattice {
            grid,
            model,
            side,
            tick: 0,
            total,
            history: History::new(),
            current: Vec::new(),
            unsent: History::new(),
            cells_sent: Vec::new(),
            scratch: Vec::new(),
        };
        l.record();
        l
    }

    fn push(&mut self, metric: &'static str, group_by: &'static str, group: &str, value: f64) {
        self.current.push(Row {
            tick: self.tick,
            metric,
            group_by,
            group: group.into(),
            value,
        });
    }

    /// Observations of the current state (tick 0 included).
    fn record(&mut self) {
        match &self.grid {
            Grid::SpatialPd(g) => {
                let c = g.cooperator_fraction();
                self.push("cooperators", "all", "all", c);
            }
            Grid::Ethnocentrism(m) => {
                let s = m.stats();
                for st in EthnoStrategy::ALL {
                    self.push("share", "strategy", st.name(), s.share(st));
                }
                self.push("cooperation", "all", "all", s.cooperation_rate());
                self.push("agents", "all", "all", s.agents as f64);
            }
        }
        self.history.push(&self.current);
        self.unsent.push(&self.current);
        self.current.clear();
    }

    fn cells(&self, out: &mut Vec<u8>) {
        out.clear();
        match &self.grid {
            Grid::SpatialPd(g) => out.extend(g.transitions().map(transition_index)),
            Grid::Ethnocentrism(m) => out.extend(m.lattice().map(|c| match c {
                None => 0,
                Some((tag, s)) => (1 + tag as usize * 4 + ethno_index(s)) as u8,
            })),
        }
    }

    fn palette(&self) -> (Vec<[u8; 3]>, Vec<String>) {
        match &self.grid {
            Grid::SpatialPd(_) => (
                [
                    Transition::StayedC,
                    Transition::StayedD,
                    Transition::BecameD,
                    Transition::BecameC,
                ]
                .map(Transition::rgb)
                .to_vec(),
                ["C → C", "D → D", "C → D", "D → C"]
                    .map(String::from)
                    .to_vec(),
            ),
            Grid::Ethnocentrism(m) => {
                let mut palette = vec![[255, 255, 255]];
                let mut legend = vec!["empty".to_string()];
                for tag in 0..m.config().tags as usize {
                    for (k, s) in EthnoStrategy::ALL.iter().enumerate() {
                        palette.push(shade(TAG_COLORS[tag % TAG_COLORS.len()], k));
                        legend.push(format!("tag {tag}, {}", s.name()));
                    }
                }
                (palette, legend)
            }
        }
    }

    fn full_frame(&self, cells: &[u8]) -> Frame {
        let mut b = Vec::with_capacity(5 + cells.len());
        b.push(1);
        b.extend_from_slice(&self.tick.to_le_bytes());
        b.extend_from_slice(cells);
        Frame::Binary(b)
    }
}

impl Live for Lattice {
    fn tick(&self) -> u32 {
        self.tick
    }

    fn total(&self) -> u32 {
        self.total
    }

    fn step(&mut self) {
        if self.done() {
            return;
        }
        match &mut self.grid {
            Grid::SpatialPd(g) => g.step(),
            Grid::Ethnocentrism(m) => {
                m.period();
            }
        }
        self.tick += 1;
        self.record();
    }

    fn init(&mut self) -> Vec<Frame> {
        let (palette, legend) = self.palette();
        let series: Vec<String> = match &self.grid {
            Grid::SpatialPd(_) => vec![key("cooperators", "all", "all")],
            Grid::Ethnocentrism(_) => EthnoStrategy::ALL
                .iter()
                .map(|s| key("share", "strategy", s.name()))
                .chain([key("cooperation", "all", "all")])
                .collect(),
        };
        let msg = json!({
            "type": "init", "model": self.model, "tick": self.tick, "ticks_total": self.total,
            "width": self.side, "height": self.side, "palette": palette, "legend": legend,
            "series": series, "history": tick_rows(self.history.rows()),
        });
        self.unsent.clear();
        let mut cells = Vec::new();
        self.cells(&mut cells);
        let frame = self.full_frame(&cells);
        self.cells_sent = cells;
        vec![Frame::Text(msg.to_string()), frame]
    }

    fn delta(&mut self, running: bool) -> Vec<Frame> {
        let mut now = std::mem::take(&mut self.scratch);
        self.cells(&mut now);
        let changed: Vec<u32> = now
            .iter()
            .zip(&self.cells_sent)
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .map(|(i, _)| i as u32)
            .collect();
        let mut frames = Vec::new();
        // A delta costs 5 bytes a changed cell; a full frame 1 byte a cell.
        if changed.len() * 5 + 9 < now.len() + 5 {
            let mut b = Vec::with_capacity(9 + changed.len() * 5);
            b.push(2);
            b.extend_from_slice(&self.tick.to_le_bytes());
            b.extend_from_slice(&(changed.len() as u32).to_le_bytes());
            for &i in &changed {
                b.extend_from_slice(&i.to_le_bytes());
            }
            b.extend(changed.iter().map(|&i| now[i as usize]));
            frames.push(Frame::Binary(b));
        } else {
            frames.push(self.full_frame(&now));
        }
        self.scratch = std::mem::replace(&mut self.cells_sent, now);
        let rows = tick_rows(&self.unsent.take());
        frames.push(Frame::Text(
            json!({"type": "tick", "tick": self.tick, "running": running && !self.done(),
                   "done": self.done(), "rows": rows})
            .to_string(),
        ));
        frames
    }

    fn rows(&self) -> &[Row] {
        self.history.rows()
    }

    fn history_stride(&self) -> u32 {
        self.history.stride()
    }

    fn footprint(&self) -> f64 {
        budget::lattice_now(
            self.model,
            self.side * self.side,
            self.history.len() + self.unsent.len(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setup::{Base, ModelKind, Setup};

    fn live(model: ModelKind, sets: serde_json::Value) -> Box<dyn Live> {
        let s = Setup::new(model, None)
            .with_json_sets(sets.as_object().unwrap())
            .unwrap();
        build(&s.build(&Base::default()).unwrap()).unwrap()
    }

    /// Applies init + deltas like the page does and checks the result
    /// equals a fresh init at the end.
    /// Firms of an init message: id → (strategy, share).
    fn firm_map(firms: &Value) -> std::collections::BTreeMap<u64, (u64, f64)> {
        firms
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f[0].as_u64().unwrap(),
                    (f[2].as_u64().unwrap(), f[4].as_f64().unwrap()),
                )
            })
            .collect()
    }

    fn edge_set(edges: &Value) -> BTreeSet<String> {
        edges
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn market_deltas_rebuild_the_state_a_fresh_init_gives() {
        let mut m = live(ModelKind::SilentRivalry, json!({"run.ticks": 40}));
        let Frame::Text(init) = &m.init()[0] else {
            panic!()
        };
        let init: Value = serde_json::from_str(init).unwrap();
        let mut firms: std::collections::BTreeMap<u64, (u64, f64)> = firm_map(&init["firms"]);
        let mut edges: BTreeSet<String> = edge_set(&init["edges"]);
        let mut ticks_seen = 0;
        let mut seen_withholdings = 0;
        while !m.done() {
            m.step();
            if !m.tick().is_multiple_of(3) && !m.done() {
                continue; // several ticks per frame
            }
            let Frame::Text(d) = &m.delta(true)[0] else {
                panic!()
            };
            let d: Value = serde_json::from_str(d).unwrap();
            ticks_seen += d["rows"].as_array().unwrap().len();
            for e in d["events"].as_array().unwrap() {
                if e["kind"] == "withholding_detected" && e["firm"].is_u64() {
                    assert_ne!(e["firm"], e["other"]);
                    seen_withholdings += 1;
                }
            }
            for f in d["firms"]["add"].as_array().unwrap() {
                firms.insert(
                    f[0].as_u64().unwrap(),
                    (f[2].as_u64().unwrap(), f[4].as_f64().unwrap()),
                );
            }
            for f in d["firms"]["upd"].as_array().unwrap() {
                firms.insert(
                    f[0].as_u64().unwrap(),
                    (f[1].as_u64().unwrap(), f[2].as_f64().unwrap()),
                );
            }
            for f in d["firms"]["del"].as_array().unwrap() {
                assert!(firms.remove(&f.as_u64().unwrap()).is_some());
            }
            for e in d["edges"]["add"].as_array().unwrap() {
                assert!(edges.insert(e.to_string()));
            }
            for e in d["edges"]["del"].as_array().unwrap() {
                assert!(edges.remove(&e.to_string()));
            }
        }
        assert_eq!(ticks_seen, 40, "every tick's metrics are streamed once");
        assert!(seen_withholdings > 0, "seen withholdings reach the log");
        let Frame::Text(fresh) = &m.init()[0] else {
            panic!()
        };
        let fresh: Value = serde_json::from_str(fresh).unwrap();
        let want: std::collections::BTreeMap<u64, (u64, f64)> = firm_map(&fresh["firms"]);
        assert_eq!(firms, want);
        let want_edges: BTreeSet<String> = edge_set(&fresh["edges"]);
        assert_eq!(edges, want_edges);
        assert!(
            edges.iter().any(|e| e.contains("\"p\"")),
            "some partnership drawn"
        );
        assert_eq!(fresh["history"].as_array().unwrap().len(), 40);
    }

    #[test]
    fn lattice_deltas_rebuild_the_grid() {
        for (model, sets) in [
            (
                ModelKind::SpatialPd,
                json!({"size": 40, "steps": 30, "b": 1.2}),
            ),
            (ModelKind::Ethnocentrism, json!({"size": 20, "periods": 60})),
        ] {
            let mut m = live(model, sets);
            let frames = m.init();
            let Frame::Binary(full) = &frames[1] else {
                panic!()
            };
            assert_eq!(full[0], 1);
            let mut grid = full[5..].to_vec();
            let mut kinds = BTreeSet::new();
            while !m.done() {
                m.step();
                let frames = m.delta(true);
                let Frame::Binary(b) = &frames[0] else {
                    panic!()
                };
                kinds.insert(b[0]);
                let tick = u32::from_le_bytes(b[1..5].try_into().unwrap());
                assert_eq!(tick, m.tick());
                if b[0] == 1 {
                    grid = b[5..].to_vec();
                } else {
                    let n = u32::from_le_bytes(b[5..9].try_into().unwrap()) as usize;
                    for k in 0..n {
                        let at = 9 + 4 * k;
                        let i = u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize;
                        grid[i] = b[9 + 4 * n + k];
                    }
                }
            }
            let frames = m.init();
            let Frame::Binary(fresh) = &frames[1] else {
                panic!()
            };
            assert_eq!(grid, fresh[5..].to_vec(), "{model:?}");
            assert!(kinds.contains(&2), "{model:?} sent deltas");
            let Frame::Text(init) = &frames[0] else {
                panic!()
            };
            let init: Value = serde_json::from_str(init).unwrap();
            let palette = init["palette"].as_array().unwrap().len();
            assert!(grid.iter().all(|&c| (c as usize) < palette));
        }
    }
}
