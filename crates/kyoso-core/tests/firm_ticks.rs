//! Firm-level rows (`firm_ticks`) agree with the tick's aggregate
//! observations, and asking for them changes nothing else.

use std::collections::BTreeMap;

use kyoso_core::ScenarioBuilder;
use kyoso_core::silent_rivalry::{Simulation, Strategy, Summary};

fn scenario(sets: &[&str]) -> kyoso_core::Scenario {
    let mut b = ScenarioBuilder::new().set("run.ticks=60").unwrap();
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

#[test]
fn rows_agree_with_the_ticks_aggregates() {
    let s = scenario(&["population.entry_rate=1.5"]);
    let mut sim = Simulation::new(&s).unwrap().with_firm_ticks(1);
    let every = s.population.adapt_every;
    while !sim.is_done() {
        sim.step();
        let rows = sim.firm_ticks().expect("every tick is recorded").clone();
        let t = rows.tick;
        assert_eq!(t + 1, sim.ticks_done());
        assert_eq!(
            rows.len() as f64,
            observed(&sim, "firms_alive", "all"),
            "tick {t}"
        );
        assert!(rows.firm.windows(2).all(|w| w[0] < w[1]), "by ascending id");
        let n = rows.len() as f64;
        let cap: f64 = rows.capability.iter().sum();
        assert!((cap / n - observed(&sim, "capability_mean", "all")).abs() < 1e-12);
        let max = rows.capability.iter().copied().fold(0.0, f64::max);
        assert_eq!(max, observed(&sim, "capability_max", "all"));
        // Every partnership has two partners.
        let partners: u32 = rows.partners.iter().sum();
        assert_eq!(
            partners as f64,
            2.0 * observed(&sim, "partnerships_active", "all")
        );
        // The strategy held in the month is the end-of-month strategy
        // except in months with adaptation.
        if !(t + 1).is_multiple_of(every) {
            let mut by: BTreeMap<&str, f64> = BTreeMap::new();
            for s in &rows.strategy {
                *by.entry(s.name()).or_default() += 1.0;
            }
            for s in Strategy::ALL {
                let want = observed(&sim, "firms_alive", s.name());
                assert_eq!(
                    by.get(s.name()).copied().unwrap_or(0.0),
                    want,
                    "tick {t} {s:?}"
                );
            }
        }
        // Trust is a probability or missing, and a firm that met nobody has none.
        for (k, v) in rows
            .trust_in_group
            .iter()
            .chain(&rows.trust_out_group)
            .enumerate()
        {
            if let Some(v) = v {
                assert!((0.0..=1.0).contains(v), "row {k}: {v}");
            }
        }
        // Cash went up by the month's profit for the firms that acted.
        for k in 0..rows.len() {
            let f = &sim.firms()[rows.firm[k] as usize];
            assert_eq!(rows.cash[k], f.cash);
            assert_eq!(rows.share[k], f.share);
        }
    }
}

#[test]
fn the_strategy_column_is_the_strategy_held_when_profit_was_earned() {
    let s = scenario(&[
        "population.adapt_probability=1",
        "population.selection_scale=0.01",
    ]);
    let mut sim = Simulation::new(&s).unwrap().with_firm_ticks(1);
    let mut before: BTreeMap<u32, Strategy> = BTreeMap::new();
    let mut switched = 0;
    while !sim.is_done() {
        sim.step();
        let rows = sim.firm_ticks().unwrap();
        for k in 0..rows.len() {
            let id = rows.firm[k];
            if let Some(&held_last) = before.get(&id) {
                // Held this month = what the firm had at the end of last month.
                assert_eq!(rows.strategy[k], held_last, "firm {id} at {}", rows.tick);
            }
            let now = sim.firms()[id as usize].strategy;
            switched += usize::from(now != rows.strategy[k]);
            before.insert(id, now);
        }
    }
    assert!(switched > 0, "the scenario adapts");
}

#[test]
fn every_k_records_ticks_0_k_2k_and_changes_no_result() {
    let s = scenario(&[]);
    let mut plain = Simulation::new(&s).unwrap();
    let mut recorded = Simulation::new(&s).unwrap().with_firm_ticks(7);
    let mut ticks = Vec::new();
    while !plain.is_done() {
        plain.step();
        recorded.step();
        assert_eq!(plain.observations(), recorded.observations());
        if let Some(rows) = recorded.firm_ticks() {
            ticks.push(rows.tick);
        }
    }
    assert_eq!(ticks, (0..60).step_by(7).collect::<Vec<_>>());
    assert_eq!(Summary::new(&plain), Summary::new(&recorded));
    assert_eq!(
        format!("{:?}", plain.firms()),
        format!("{:?}", recorded.firms())
    );
    assert_eq!(plain.events(), recorded.events());
}
