//! The replication details of docs/model.md §10, checked from outside the
//! model: each test re-derives one statement of the document (ids, draws,
//! timing, denominators) and compares it with what the simulation does.

use kyoso_core::rng::{Purpose, stream};
use kyoso_core::silent_rivalry::{EventKind, Horizon, Simulation, Strategy};
use kyoso_core::{Scenario, ScenarioBuilder};
use rand::RngExt;
use rand_distr::{Distribution, Normal};

fn scenario(sets: &[&str]) -> Scenario {
    let mut b = ScenarioBuilder::new();
    for s in sets {
        b = b.set(s).unwrap();
    }
    b.build().unwrap()
}

fn observed(sim: &Simulation, metric: &str, group: &str) -> f64 {
    sim.observations()
        .iter()
        .find(|o| o.metric == metric && o.group == group)
        .unwrap_or_else(|| panic!("{metric}/{group}"))
        .value
}

/// Initial firms: origins in name order, strategies in `Strategy::ALL`
/// order, and each firm's attributes drawn from `init` in the documented
/// order (segment, three culture noises, horizon, capability).
#[test]
fn initial_ids_and_attributes_follow_the_documented_draws() {
    for seed in [1, 42, 2026] {
        let s = scenario(&[&format!("run.seed={seed}")]);
        let sim = Simulation::new(&s).unwrap();
        let firms = sim.firms();
        // Default: JP 30 (9 naive, 6 calibrated, 6 reciprocal, 5 guarded,
        // 4 opportunist), then LOCAL from id 30, then OTHER from id 50.
        let jp: Vec<Strategy> = firms[..30].iter().map(|f| f.strategy).collect();
        let mut expected = Vec::new();
        for (st, n) in [
            (Strategy::NaiveIngroup, 9),
            (Strategy::Calibrated, 6),
            (Strategy::Reciprocal, 6),
            (Strategy::Guarded, 5),
            (Strategy::Opportunist, 4),
        ] {
            expected.extend(std::iter::repeat_n(st, n));
        }
        assert_eq!(jp, expected);
        let origins = sim.origin_names();
        assert_eq!(origins, ["JP", "LOCAL", "OTHER"]);
        assert!(firms[..30].iter().all(|f| f.origin == 0));
        assert!(firms[30..50].iter().all(|f| f.origin == 1));
        assert!(firms[50..60].iter().all(|f| f.origin == 2));
        for w in firms.windows(2) {
            if w[0].origin == w[1].origin {
                assert!(
                    w[0].strategy <= w[1].strategy,
                    "strategy order within an origin"
                );
            }
        }

        // Redraw every initial firm's attributes by hand.
        let mut rng = stream(seed, Purpose::Init);
        let culture_noise = Normal::new(0.0, s.firms.culture_sd).unwrap();
        let capability = Normal::new(s.firms.capability_mean, s.firms.capability_sd).unwrap();
        for f in firms {
            let origin = s.origins.values().nth(f.origin as usize).unwrap();
            let segment = rng.random_range(0..s.market.segments);
            let mut culture = origin.culture;
            for c in &mut culture {
                *c = (*c + culture_noise.sample(&mut rng)).clamp(0.0, 1.0);
            }
            let long = rng.random_bool(origin.long_horizon_share);
            let q = capability.sample(&mut rng).max(0.0);
            assert_eq!(u32::from(f.segment), segment, "firm {}", f.id);
            assert_eq!(f.culture, culture, "firm {}", f.id);
            assert_eq!(f.horizon == Horizon::Long, long, "firm {}", f.id);
            assert_eq!(f.capability, q, "firm {}", f.id);
        }
    }
}

/// Entrants take the next ids in order of arrival.
#[test]
fn entrants_take_the_next_ids_in_order_of_arrival() {
    let s = scenario(&["population.entry_rate=2", "run.ticks=24"]);
    let mut sim = Simulation::new(&s).unwrap();
    sim.run(|_| {});
    let firms = sim.firms();
    assert!(firms.len() > 80, "entrants arrived: {}", firms.len());
    assert!(firms[..60].iter().all(|f| f.entry_tick == 0));
    assert!(firms.windows(2).all(|w| w[0].entry_tick <= w[1].entry_tick));
    assert!(firms.iter().enumerate().all(|(k, f)| f.id as usize == k));
}

/// A partnership formed at tick t pays its value, gains friction and faces
/// the hazard in tick t: with a hazard of 1 every partnership ends in the
/// tick it formed, with duration 0, after paying both partners.
#[test]
fn a_partnership_is_valued_and_exposed_in_its_formation_tick() {
    let s = scenario(&["partnerships.hazard_base=1", "run.ticks=36"]);
    let mut sim = Simulation::new(&s).unwrap();
    let mut formed = 0;
    while !sim.is_done() {
        sim.step();
        let tick = sim.ticks_done() - 1;
        for p in sim.partnerships().iter().filter(|p| p.formed_tick == tick) {
            formed += 1;
            let (end, _) = p.ended.expect("ended in its formation tick");
            assert_eq!(end, tick);
            assert!(p.friction > 0.0 || p.distance == 0.0 && p.horizon_gap == 0.0);
            for id in [p.a, p.b] {
                let f = &sim.firms()[id as usize];
                assert!(
                    f.ledger.partnership > 0.0,
                    "partner {id} paid at tick {tick}"
                );
            }
        }
        assert_eq!(sim.active_partnerships().count(), 0);
    }
    assert!(formed > 10, "partnerships formed: {formed}");
    let durations: Vec<f64> = sim
        .events()
        .iter()
        .filter(|e| e.kind == EventKind::PartnershipDissolved)
        .map(|e| e.value.unwrap())
        .collect();
    assert_eq!(durations.len(), formed);
    assert!(durations.iter().all(|&d| d == 0.0));
}

/// A success whose step is 0 is not an innovation: with a wide step noise
/// (about half the successes draw noise ≤ −1), every counted innovation
/// adds a positive step and has its event.
#[test]
fn a_zero_step_is_not_counted_as_an_innovation() {
    let s = scenario(&["innovation.step_sd=10", "run.ticks=48"]);
    let mut sim = Simulation::new(&s).unwrap();
    sim.run(|_| {});
    let events: Vec<f64> = sim
        .events()
        .iter()
        .filter(|e| e.kind == EventKind::Innovation)
        .map(|e| e.value.unwrap())
        .collect();
    let counted: u32 = sim.firms().iter().map(|f| f.innovations).sum();
    assert!(counted > 20, "innovations: {counted}");
    assert_eq!(events.len(), counted as usize);
    assert!(events.iter().all(|&step| step > 0.0));
}

/// The sharing benefit is booked once: each firm's cash moves by exactly
/// its tick's profit, whose sharing income is B per share received.
#[test]
fn the_sharing_benefit_is_booked_once() {
    let s = scenario(&["run.ticks=24"]);
    let benefit = s.encounters.benefit;
    let mut sim = Simulation::new(&s).unwrap();
    while !sim.is_done() {
        let before: Vec<f64> = sim.firms().iter().map(|f| f.cash).collect();
        sim.step();
        for f in sim.firms().iter().take(before.len()) {
            if f.exit_tick.is_some_and(|t| t + 1 < sim.ticks_done()) {
                continue;
            }
            assert_eq!(f.ledger.sharing, benefit * f.shares_received as f64);
            assert_eq!(f.cash, before[f.id as usize] + f.ledger.profit());
        }
    }
}

/// `profit_mean` and `cash_mean`: over the firms alive at the end of the
/// tick, by the strategy held after adaptation, this tick's entrants
/// included (profit 0), this tick's exits excluded.
#[test]
fn profit_and_cash_means_are_over_the_firms_alive_at_the_end_of_the_tick() {
    let s = scenario(&["population.entry_rate=1.5", "run.ticks=60"]);
    let mut sim = Simulation::new(&s).unwrap();
    let (mut entrant_ticks, mut exit_ticks) = (0, 0);
    while !sim.is_done() {
        sim.step();
        let tick = sim.ticks_done() - 1;
        let alive = sim.alive();
        let firms = sim.firms();
        if alive
            .iter()
            .any(|&id| firms[id as usize].entry_tick == tick && tick > 0)
        {
            entrant_ticks += 1;
        }
        if firms.iter().any(|f| f.exit_tick == Some(tick)) {
            exit_ticks += 1;
        }
        for st in Strategy::ALL {
            let held: Vec<_> = alive
                .iter()
                .map(|&id| &firms[id as usize])
                .filter(|f| f.strategy == st)
                .collect();
            let (profit, cash) = (
                observed(&sim, "profit_mean", st.name()),
                observed(&sim, "cash_mean", st.name()),
            );
            if held.is_empty() {
                assert!(profit.is_nan() && cash.is_nan());
                continue;
            }
            let n = held.len() as f64;
            let want_profit: f64 = held.iter().map(|f| f.ledger.profit()).sum::<f64>() / n;
            let want_cash: f64 = held.iter().map(|f| f.cash).sum::<f64>() / n;
            assert_eq!(profit, want_profit, "{} at {tick}", st.name());
            assert_eq!(cash, want_cash, "{} at {tick}", st.name());
            for f in held.iter().filter(|f| f.entry_tick == tick && tick > 0) {
                assert_eq!(
                    f.ledger.profit(),
                    0.0,
                    "an entrant books nothing in its month"
                );
                assert_eq!(f.cash, s.firms.initial_cash);
            }
        }
    }
    assert!(
        entrant_ticks > 10 && exit_ticks > 0,
        "{entrant_ticks} {exit_ticks}"
    );
}

/// At an adaptation tick every firm on the alive list, this tick's
/// entrants included, ends with Π = 0; between rounds Π accumulates.
#[test]
fn adaptation_resets_every_alive_firm_and_includes_this_ticks_entrants() {
    let s = scenario(&["population.entry_rate=3", "run.ticks=36"]);
    let every = s.population.adapt_every;
    let mut sim = Simulation::new(&s).unwrap();
    let mut entrants_in_rounds = 0;
    while !sim.is_done() {
        sim.step();
        let tick = sim.ticks_done() - 1;
        let round = (tick + 1).is_multiple_of(every);
        for &id in sim.alive() {
            let f = &sim.firms()[id as usize];
            if round {
                assert_eq!(f.profit_since_adapt, 0.0, "firm {id} at {tick}");
                entrants_in_rounds += usize::from(f.entry_tick == tick);
            } else if f.entry_tick < tick {
                assert_ne!(f.profit_since_adapt, 0.0, "firm {id} at {tick}");
            }
        }
    }
    assert!(entrants_in_rounds > 0);
}
