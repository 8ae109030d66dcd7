//! The silent-rivalry market model (spec `silent-rivalry.md`).
//!
//! Build a [`Simulation`] from a validated [`Scenario`], call
//! [`Simulation::step`] once per tick (or [`Simulation::run`]), and read the
//! state ([`Simulation::firms`]), the tick's observations
//! ([`Simulation::observations`]) and the event log. [`Simulation::step`]
//! is the model's table of contents: it calls the mechanisms in the order of
//! the spec, one file per mechanism.

pub mod events;
pub mod firm;
pub mod innovation;
pub mod market;
pub mod metrics;
pub mod panel;
pub mod partnership;
pub mod population;
pub mod sharing;
pub mod summary;
pub mod trust;

pub use events::{Event, EventKind};
pub use firm::{Firm, FirmId, Horizon, Strategy};
pub use metrics::{METRICS, MetricDoc, Observation, may_be_missing as observation_may_be_missing};
pub use panel::FirmTicks;
pub use partnership::{Cause, Partnership};
pub use summary::{Summary, WaveSummary};

use crate::rng::{Purpose, Rng, stream};
use crate::scenario::{OriginConfig, Scenario};
use metrics::TickCounters;
use sharing::Rule;
use trust::Prior;

/// Parameters derived once from the scenario, with switches applied.
#[derive(Debug, Clone)]
pub(crate) struct Params {
    pub origin_names: Vec<String>,
    pub origin_firms: Vec<u32>,
    pub initial_mix: Vec<[f64; Strategy::COUNT]>,
    pub newcomer_mix: Vec<[f64; Strategy::COUNT]>,
    pub entry_weights: Vec<f64>,
    /// Per strategy: (in-group prior, out-group prior).
    pub priors: [(Prior, Prior); Strategy::COUNT],
    pub trust_decay: f64,
    pub omega_cross: f64,
    pub rule: Rule,
    pub detect: f64,
    pub sharing: bool,
    pub veneer: bool,
    pub partnerships: bool,
    pub innovation: bool,
    pub escape_competition: bool,
    pub imitation: bool,
    pub intel_edge: bool,
    pub inertia: bool,
    pub demand_growth: bool,
    pub local_growth: bool,
    pub entry: bool,
    pub exit: bool,
    pub adaptation: bool,
}

impl Params {
    fn new(s: &Scenario) -> Params {
        let mech = &s.mechanisms;
        let mut priors = [(Prior::new(0.5, 2.0), Prior::new(0.5, 2.0)); Strategy::COUNT];
        for st in Strategy::ALL {
            let p = s.trust.prior(st);
            let out = Prior::new(p.out_group_prior, p.prior_weight);
            let inn = if mech.in_group_prior {
                Prior::new(p.in_group_prior, p.prior_weight)
            } else {
                out
            };
            priors[st as usize] = (inn, out);
        }
        let origins: Vec<(&String, &OriginConfig)> = s.origins.iter().collect();
        Params {
            origin_names: origins.iter().map(|(n, _)| (*n).clone()).collect(),
            origin_firms: origins.iter().map(|(_, o)| o.firms).collect(),
            initial_mix: origins
                .iter()
                .map(|(_, o)| Scenario::mix_vector(&o.strategy_mix))
                .collect(),
            newcomer_mix: origins
                .iter()
                .map(|(_, o)| {
                    Scenario::mix_vector(o.newcomer_mix.as_ref().unwrap_or(&o.strategy_mix))
                })
                .collect(),
            entry_weights: origins.iter().map(|(_, o)| o.entry_weight).collect(),
            priors,
            trust_decay: if mech.trust_decay { s.trust.decay } else { 1.0 },
            omega_cross: s.market.omega_cross,
            rule: Rule {
                benefit: s.encounters.benefit,
                leakage: s.encounters.leakage,
                margin: s.encounters.share_margin,
                explore: if mech.exploration {
                    s.encounters.explore
                } else {
                    0.0
                },
            },
            detect: if mech.veneer {
                s.encounters.detect
            } else {
                1.0
            },
            sharing: mech.sharing,
            veneer: mech.veneer,
            partnerships: mech.partnerships,
            innovation: mech.innovation,
            escape_competition: mech.escape_competition,
            imitation: mech.imitation,
            intel_edge: mech.intel_edge,
            inertia: mech.inertia,
            demand_growth: mech.demand_growth,
            local_growth: mech.local_growth,
            entry: mech.entry,
            exit: mech.exit,
            adaptation: mech.adaptation,
        }
    }

    /// The prior a firm of `strategy` holds about a stranger.
    pub fn prior(&self, strategy: Strategy, same_origin: bool) -> Prior {
        let (inn, out) = self.priors[strategy as usize];
        // By index, not by a branch: whether the other is of the same origin is a coin flip.
        [out, inn][same_origin as usize]
    }

    /// Name and configuration of origin `k`.
    pub fn origin<'a>(&self, k: usize, s: &'a Scenario) -> (&'a String, &'a OriginConfig) {
        s.origins.iter().nth(k).expect("origin index in range")
    }
}

/// The scenario's initial firms and expected entrants over the run.
fn firms_and_entrants(s: &Scenario) -> (f64, f64) {
    let initial = s.origins.values().map(|o| o.firms as f64).sum();
    (initial, s.population.entry_rate * s.run.ticks as f64)
}

/// A capacity hint for the trust table: each encounter can meet a new
/// pair (the firm count grows by entry over the run), but there are only
/// n(n−1)/2 pairs among n firms. Measured: 3.9 million pairs for 10,000
/// initial firms over 120 ticks, against an estimate of 4.7 million.
fn expected_pairs(s: &Scenario) -> usize {
    let (initial, entrants) = firms_and_entrants(s);
    let initial = initial.max(2.0);
    let encounters = (initial + entrants / 2.0) * s.encounters.per_tick as f64 * s.run.ticks as f64;
    let most = initial + entrants;
    encounters.min(most * (most - 1.0) / 2.0).clamp(0.0, 1e8) as usize
}

/// A capacity hint for the firm table: the initial firms and the expected
/// entrants, with room to spare (the table still grows if more enter). At
/// most `MAX_RESERVED_FIRMS`: a valid scenario may expect billions of
/// entrants over a million ticks, and reserving room for them all up front
/// would ask for more memory than the machine has.
fn expected_firms(s: &Scenario) -> usize {
    let (initial, entrants) = firms_and_entrants(s);
    (initial + 1.5 * entrants + 64.0).min(MAX_RESERVED_FIRMS as f64) as usize
}

/// The most firms whose room is reserved up front (256 MiB of `Firm`).
const MAX_RESERVED_FIRMS: usize = 1 << 20;

/// One random stream per purpose (see [`crate::rng`]).
#[derive(Debug, Clone)]
pub(crate) struct Streams {
    pub init: Rng,
    pub encounters: Rng,
    pub partnerships: Rng,
    pub innovation: Rng,
    pub entry: Rng,
    pub adaptation: Rng,
    pub matching: Rng,
}

/// The firms of one scheduled wave of entrants: ids `first..first + count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wave {
    pub tick: u32,
    pub first: FirmId,
    pub count: u32,
}

impl Wave {
    /// Whether firm `id` entered with this wave.
    pub fn contains(&self, id: FirmId) -> bool {
        id >= self.first && id - self.first < self.count
    }
}

/// A running silent-rivalry market.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The scenario as given, schedule included (what [`Simulation::scenario`] returns).
    given: Scenario,
    /// The parameters in effect this tick: `given`, or the phase of the
    /// schedule reached last.
    current: Scenario,
    /// The schedule's phases, in tick order, and the next one to apply.
    phases: Vec<crate::schedule::Phase>,
    next_phase: usize,
    /// The wave entering this tick (origin index, firms), if any.
    wave_now: Vec<(usize, u32)>,
    /// Every scheduled wave that has entered, in order.
    waves: Vec<Wave>,
    /// Initial firms by the strategy they started with.
    initial_by_strategy: [u64; Strategy::COUNT],
    /// Firm-level rows, when asked for ([`Simulation::with_firm_ticks`]).
    pub(crate) panel: Option<panel::Panel>,
    pub(crate) params: Params,
    /// The tick being (or last) simulated; `ticks_done` counts completed ones.
    tick: u32,
    ticks_done: u32,
    firms: Vec<Firm>,
    alive: Vec<FirmId>,
    by_origin: Vec<Vec<FirmId>>,
    by_segment: Vec<Vec<FirmId>>,
    partnerships: Vec<Partnership>,
    trust: trust::TrustTable,
    /// The table's names of the priors, by strategy, then same origin.
    prior_refs: [[trust::PriorRef; 2]; Strategy::COUNT],
    active_partnerships: Vec<u32>,
    outside_share: Vec<f64>,
    /// Pieces of intel, per segment (see [`sharing::IntelBook`]).
    intel: Vec<sharing::IntelBook>,
    /// Intel edge per firm id (scratch for the market).
    edge_scratch: Vec<f64>,
    /// The tick's encounter pairings (scratch for phase 5).
    pairings: Vec<(FirmId, FirmId)>,
    /// Shares of every firm at the end of last tick (scratch for the market).
    share_snapshot: Vec<f64>,
    rngs: Streams,
    counters: TickCounters,
    events: Vec<Event>,
    last_observations: Vec<Observation>,
    totals: metrics::Totals,
    /// Whether `step` builds the per-tick observations (the totals are always kept).
    observing: bool,
    /// This tick's seen withholdings (withholder, observer), when observing.
    detections: Vec<(FirmId, FirmId)>,
}

impl Simulation {
    /// Builds the market at tick 0 from a scenario (validated again here, so
    /// a hand-built `Scenario` cannot smuggle in bad values).
    pub fn new(scenario: &Scenario) -> Result<Simulation, crate::ScenarioError> {
        scenario.validate()?;
        let seed = scenario.run.seed;
        let params = Params::new(scenario);
        let segments = scenario.market.segments as usize;
        let mut trust = trust::TrustTable::with_capacity(expected_pairs(scenario));
        // Every prior a firm can hold, named by the table once for the run.
        let prior_refs = Strategy::ALL.map(|s| {
            [false, true].map(|same_origin| trust.prior_ref(params.prior(s, same_origin)))
        });
        let phases = scenario.phases()?;
        let mut sim = Simulation {
            given: scenario.clone(),
            current: scenario.clone(),
            phases,
            next_phase: 0,
            wave_now: Vec::new(),
            waves: Vec::new(),
            initial_by_strategy: [0; Strategy::COUNT],
            panel: None,
            tick: 0,
            ticks_done: 0,
            firms: crate::prefetch::huge_page_vec_with_capacity(expected_firms(scenario)),
            alive: Vec::new(),
            by_origin: vec![Vec::new(); params.origin_names.len()],
            by_segment: vec![Vec::new(); segments],
            partnerships: Vec::new(),
            trust,
            prior_refs,
            active_partnerships: Vec::new(),
            outside_share: vec![1.0; segments],
            share_snapshot: Vec::new(),
            pairings: Vec::new(),
            intel: vec![sharing::IntelBook::default(); segments],
            edge_scratch: Vec::new(),
            rngs: Streams {
                init: stream(seed, Purpose::Init),
                encounters: stream(seed, Purpose::Encounters),
                partnerships: stream(seed, Purpose::Partnerships),
                innovation: stream(seed, Purpose::Innovation),
                entry: stream(seed, Purpose::Entry),
                adaptation: stream(seed, Purpose::Adaptation),
                matching: stream(seed, Purpose::Matching),
            },
            counters: TickCounters::default(),
            events: Vec::new(),
            last_observations: Vec::new(),
            totals: metrics::Totals::default(),
            observing: true,
            detections: Vec::new(),
            params,
        };
        sim.populate();
        sim.settle_initial_shares();
        for id in 0..sim.firms.len() as FirmId {
            sim.event(EventKind::Entry, id, None, "initial", None);
        }
        Ok(sim)
    }

    /// The market opens at equilibrium: initial firms start at their logit
    /// target share and earn the matching revenue as last month's.
    fn settle_initial_shares(&mut self) {
        let m = &self.current.market;
        let demand = self.demand();
        let u0 = self.outside_option();
        let mut target = Vec::new();
        for segment in 0..self.by_segment.len() {
            let v: Vec<f64> = self.by_segment[segment]
                .iter()
                .map(|&id| m.beta_quality * self.firms[id as usize].capability)
                .collect();
            self.outside_share[segment] = market::logit_targets(&v, u0, &mut target);
            for (k, &id) in self.by_segment[segment].iter().enumerate() {
                let f = &mut self.firms[id as usize];
                f.share = target[k];
                f.peak_share = target[k];
                f.last_revenue = target[k] * demand;
            }
        }
    }

    /// Advances the market by one tick: the spec's sections in order.
    pub fn step(&mut self) {
        if self.is_done() {
            return;
        }
        self.apply_schedule(); //      scheduled changes from this tick on
        self.begin_tick(); //          reset ledgers and counters
        self.encounters(); //          5  meet, share or withhold, update trust, maybe partner
        self.partnerships_tick(); //   6  partnership value, friction, leaks, dissolution
        self.innovate_and_imitate(); // 7 R&D, innovation, imitation
        self.clear_market(); //        8  logit shares with inertia, revenue
        self.book_profits(); //        8  profit adds to cash
        self.panel_note_held();
        self.exits(); //               9  negative cash leaves
        self.entries(); //             9  Poisson entrants
        self.rebuild_indices();
        self.adapt(); //               9  yearly imitation of successful strategies
        self.record(); //              10 observations of the tick
        self.panel_record(); //        10 firm-level rows, when asked for
        self.ticks_done += 1;
        self.tick += 1;
    }

    /// Runs every remaining tick, calling `on_tick` after each one.
    pub fn run(&mut self, mut on_tick: impl FnMut(&Simulation)) {
        while !self.is_done() {
            self.step();
            on_tick(self);
        }
    }

    /// The schedule's phase starting this tick, if any, replaces the
    /// parameters in effect; its wave (if any) enters in phase 9b.
    /// Pairs that have met keep the prior they met under; strangers meet
    /// under the new priors.
    fn apply_schedule(&mut self) {
        self.wave_now.clear();
        let Some(phase) = self.phases.get(self.next_phase) else {
            return;
        };
        if phase.tick != self.tick {
            return;
        }
        self.current = phase.scenario.clone();
        self.wave_now = phase.enter.clone();
        self.next_phase += 1;
        self.params = Params::new(&self.current);
        let (params, trust) = (&self.params, &mut self.trust);
        self.prior_refs = Strategy::ALL.map(|s| {
            [false, true].map(|same_origin| trust.prior_ref(params.prior(s, same_origin)))
        });
    }

    fn begin_tick(&mut self) {
        self.counters = TickCounters::default();
        self.detections.clear();
        for &id in &self.alive {
            let f = &mut self.firms[id as usize];
            f.ledger = firm::Ledger {
                fixed: self.current.market.fixed_cost,
                ..Default::default()
            };
            f.shares_received = 0;
        }
    }

    fn book_profits(&mut self) {
        // Initial firms have the ids below their count; entrants come later.
        let initial: u32 = self.params.origin_firms.iter().sum();
        let t = &mut self.totals;
        for &id in &self.alive {
            let f = &mut self.firms[id as usize];
            let profit = f.ledger.profit();
            f.cash += profit;
            f.total_profit += profit;
            f.profit_since_adapt += profit;
            // A firm-month under the strategy held this month (adaptation
            // comes later in the tick), exiting firms included.
            let s = f.strategy as usize;
            t.firm_months[s] += 1;
            t.firm_month_profit[s] += profit;
            if id < initial {
                t.initial_firm_months[s] += 1;
                t.initial_firm_month_profit[s] += profit;
            }
        }
    }

    fn event(
        &mut self,
        kind: EventKind,
        firm: FirmId,
        other: Option<FirmId>,
        detail: &'static str,
        value: Option<f64>,
    ) {
        self.push_event(kind, firm, other, std::borrow::Cow::Borrowed(detail), value);
    }

    fn event_owned(
        &mut self,
        kind: EventKind,
        firm: FirmId,
        other: Option<FirmId>,
        detail: String,
        value: Option<f64>,
    ) {
        self.push_event(kind, firm, other, std::borrow::Cow::Owned(detail), value);
    }

    fn push_event(
        &mut self,
        kind: EventKind,
        firm: FirmId,
        other: Option<FirmId>,
        detail: std::borrow::Cow<'static, str>,
        value: Option<f64>,
    ) {
        self.events.push(Event {
            tick: self.tick,
            kind,
            firm,
            other,
            detail,
            value,
        });
    }

    /// Whether every tick of the scenario has run.
    pub fn is_done(&self) -> bool {
        self.ticks_done >= self.current.run.ticks
    }

    /// Completed ticks.
    pub fn ticks_done(&self) -> u32 {
        self.ticks_done
    }

    /// The scenario this simulation runs, as given (schedule included).
    pub fn scenario(&self) -> &Scenario {
        &self.given
    }

    /// The parameters in effect now: the scenario, with the schedule's
    /// changes up to the current tick applied.
    pub fn scenario_now(&self) -> &Scenario {
        &self.current
    }

    /// Appends `key=value` changes to the schedule at the next tick to run
    /// (as a slider moved during a run does), checked like any schedule;
    /// returns that tick. The scenario as given then holds them, so a run
    /// of [`Simulation::scenario`] from tick 0 reproduces this one exactly.
    /// Nothing changes on an error. Before the first tick, change the
    /// scenario itself instead (a schedule starts at tick 1).
    pub fn schedule_now(&mut self, assignments: &[String]) -> Result<u32, crate::ScenarioError> {
        let tick = self.tick;
        let mut given = self.given.clone();
        for a in assignments {
            let at = format!("{tick}:{a}");
            let entry = crate::schedule::parse_at(&at).map_err(|message| {
                crate::ScenarioError::BadSchedule {
                    assignment: at.clone(),
                    message,
                }
            })?;
            given.schedule.push(entry);
        }
        let phases = given.phases()?;
        self.next_phase = phases
            .iter()
            .position(|p| p.tick >= tick)
            .unwrap_or(phases.len());
        self.phases = phases;
        self.given = given;
        Ok(tick)
    }

    /// The scheduled waves of entrants that have entered so far.
    pub fn waves(&self) -> &[Wave] {
        &self.waves
    }

    /// Every firm that ever existed, indexed by id.
    pub fn firms(&self) -> &[Firm] {
        &self.firms
    }

    /// Ids of the firms in the market, ascending.
    pub fn alive(&self) -> &[FirmId] {
        &self.alive
    }

    /// Every partnership ever formed, indexed by id.
    pub fn partnerships(&self) -> &[Partnership] {
        &self.partnerships
    }

    /// The partnerships active now (not ended), without scanning every
    /// partnership ever formed.
    pub fn active_partnerships(&self) -> impl Iterator<Item = &Partnership> + '_ {
        self.active_partnerships
            .iter()
            .map(|&id| &self.partnerships[id as usize])
            .filter(|p| p.ended.is_none())
    }

    /// Expected trust of `truster` in `trustee` now (the prior's mean if they never met).
    pub fn trust(&self, truster: FirmId, trustee: FirmId) -> f64 {
        let (a, b) = (&self.firms[truster as usize], &self.firms[trustee as usize]);
        let prior = self.params.prior(a.strategy, a.origin == b.origin);
        self.trust
            .expected(truster, trustee, prior, self.params.trust_decay, self.tick)
    }

    /// Every pair of firms that has met, with both beliefs (not decayed), sorted.
    pub fn trust_pairs(&self) -> Vec<(FirmId, FirmId, trust::Belief, trust::Belief)> {
        self.trust.pairs()
    }

    /// The withholdings seen in the last tick, as (withholder, observer) in
    /// encounter order: what the veneer failed to hide. Empty when
    /// observations are off ([`Simulation::without_observations`]).
    pub fn withholdings_detected(&self) -> &[(FirmId, FirmId)] {
        &self.detections
    }

    /// Pairs of firms whose expected trust in each other (not decayed) is at
    /// least `min` both ways, as (lo, hi, the smaller trust), unordered.
    /// One pass over the trust table, without sorting it.
    pub fn mutual_trust_at_least(&self, min: f64) -> Vec<(FirmId, FirmId, f64)> {
        self.trust.mutual_at_least(min)
    }

    /// Every piece of intel held by a firm in the market about another,
    /// per segment, in arrival order.
    pub fn intel_pieces(&self) -> Vec<Vec<sharing::IntelPiece>> {
        let alive = |id: FirmId| self.firms[id as usize].alive();
        self.intel
            .iter()
            .map(|book| {
                book.pieces()
                    .into_iter()
                    .filter(|p| alive(p.holder) && alive(p.about))
                    .collect()
            })
            .collect()
    }

    /// The event log so far, in order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Stops building per-tick observations (for runs that only need the
    /// summary, as in sweeps); the model and its totals are unaffected.
    pub fn without_observations(mut self) -> Simulation {
        self.observing = false;
        self
    }

    /// Running totals over the completed ticks.
    pub fn totals(&self) -> &metrics::Totals {
        &self.totals
    }

    /// The end-of-run summary of the ticks completed so far.
    pub fn summary(&self) -> Summary {
        Summary::new(self)
    }

    /// The observations of the last completed tick.
    pub fn observations(&self) -> &[Observation] {
        &self.last_observations
    }

    /// The outside option's share of each segment.
    pub fn outside_shares(&self) -> &[f64] {
        &self.outside_share
    }

    /// Origin names, in the order of `Firm::origin`.
    pub fn origin_names(&self) -> &[String] {
        &self.params.origin_names
    }

    /// The profit booked by a firm during the last completed tick.
    pub fn last_profit(&self, id: FirmId) -> f64 {
        self.firms[id as usize].ledger.profit()
    }
}

/// Everything a finished run produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub scenario: Scenario,
    pub observations: Vec<Observation>,
    pub firms: Vec<Firm>,
    pub partnerships: Vec<Partnership>,
    pub events: Vec<Event>,
    pub origin_names: Vec<String>,
    pub summary: Summary,
}

/// Runs a scenario to the end and returns only its summary: no
/// observations, firms or events are kept (what a sweep needs).
pub fn run_summary(scenario: &Scenario) -> Result<Summary, crate::ScenarioError> {
    let mut sim = Simulation::new(scenario)?.without_observations();
    sim.run(|_| {});
    Ok(sim.summary())
}

/// Runs a scenario to the end, calling `on_tick(ticks_done, total)` after
/// each tick (for progress bars) and returning every output. `cancel` is
/// polled between ticks; when it returns true the run stops with `None`.
pub fn run_scenario(
    scenario: &Scenario,
    mut on_tick: impl FnMut(u32, u32),
    cancel: impl Fn() -> bool,
) -> Result<Option<RunOutput>, crate::ScenarioError> {
    let total = scenario.run.ticks;
    run_scenario_with(scenario, None, |sim| {
        on_tick(sim.ticks_done(), total);
        !cancel()
    })
}

/// [`run_scenario`] with firm-level rows every `firm_ticks_every` ticks
/// (read them in `on_tick` with [`Simulation::firm_ticks`]); `on_tick`
/// runs after every tick, and returning false stops the run (`None`).
pub fn run_scenario_with(
    scenario: &Scenario,
    firm_ticks_every: Option<u32>,
    mut on_tick: impl FnMut(&Simulation) -> bool,
) -> Result<Option<RunOutput>, crate::ScenarioError> {
    let mut sim = Simulation::new(scenario)?;
    if let Some(every) = firm_ticks_every {
        sim = sim.with_firm_ticks(every);
    }
    let mut observations = Vec::new();
    while !sim.is_done() {
        sim.step();
        observations.extend_from_slice(sim.observations());
        if !on_tick(&sim) {
            return Ok(None);
        }
    }
    Ok(Some(sim.into_output(observations)))
}

impl Simulation {
    /// Everything this simulation has produced so far, with the
    /// observations of every completed tick (collected by the caller from
    /// [`Simulation::observations`] after each step): for a finished run,
    /// exactly what [`run_scenario`] returns.
    pub fn into_output(self, observations: Vec<Observation>) -> RunOutput {
        let summary = Summary::new(&self);
        RunOutput {
            scenario: self.given,
            origin_names: self.params.origin_names,
            observations,
            summary,
            firms: self.firms,
            partnerships: self.partnerships,
            events: self.events,
        }
    }

    /// [`Simulation::into_output`] without giving up the simulation (the
    /// state so far is copied), for faces that keep stepping.
    pub fn output(&self, observations: Vec<Observation>) -> RunOutput {
        self.clone().into_output(observations)
    }
}

#[cfg(test)]
mod capacity_tests {
    use super::*;

    #[test]
    fn reservations_are_bounded_for_extreme_valid_scenarios() {
        // The most entrants validation allows (2^31 expected firms), over
        // the longest run (without demand growth, which would overflow).
        let s = crate::ScenarioBuilder::new()
            .set("population.entry_rate=2000")
            .unwrap()
            .set("run.ticks=1000000")
            .unwrap()
            .set("mechanisms.demand_growth=false")
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(expected_firms(&s), MAX_RESERVED_FIRMS);
        assert!(expected_pairs(&s) <= 100_000_000);
        // The default reserves room for its firms and entrants.
        let d = Scenario::default();
        let initial: u32 = d.origins.values().map(|o| o.firms).sum();
        assert!(expected_firms(&d) > initial as usize);
    }
}
