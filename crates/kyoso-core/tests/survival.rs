//! The survival curve of the initial cohort (`initial_survival` in ticks.parquet).

use kyoso_core::ScenarioBuilder;
use kyoso_core::silent_rivalry::Simulation;

fn build(at: &[&str]) -> kyoso_core::Scenario {
    let mut b = ScenarioBuilder::new().set("run.ticks=48").unwrap();
    for a in at {
        b = b.at(a).unwrap();
    }
    b.build().unwrap()
}

#[test]
fn initial_survival_is_the_survival_curve_of_the_initial_cohort() {
    let s = build(&["30:enter.JP=5"]);
    let mut sim = Simulation::new(&s).unwrap();
    let initial: u32 = s.origins.values().map(|o| o.firms).sum();
    let mut last = std::collections::BTreeMap::new();
    while !sim.is_done() {
        sim.step();
        for o in sim
            .observations()
            .iter()
            .filter(|o| o.metric == "initial_survival")
        {
            let before = last.insert(o.group.clone(), o.value).unwrap_or(1.0);
            assert!(o.value <= before, "a survival curve never rises");
        }
    }
    for (strategy, value) in &last {
        let started = sim.firms()[..initial as usize]
            .iter()
            .filter(|f| f.initial_strategy.name() == strategy)
            .count();
        let alive = sim.firms()[..initial as usize]
            .iter()
            .filter(|f| f.initial_strategy.name() == strategy && f.alive())
            .count();
        assert_eq!(*value, alive as f64 / started as f64, "{strategy}");
    }
    assert!(!last.is_empty());
    // No row for a strategy no initial firm started with.
    let mut b = ScenarioBuilder::new().set("run.ticks=3").unwrap();
    for o in ["JP", "LOCAL", "OTHER"] {
        b = b
            .set(&format!("origins.{o}.strategy_mix={{calibrated=1.0}}"))
            .unwrap();
    }
    let mut sim = Simulation::new(&b.build().unwrap()).unwrap();
    sim.step();
    let groups: Vec<&str> = sim
        .observations()
        .iter()
        .filter(|o| o.metric == "initial_survival")
        .map(|o| o.group.as_str())
        .collect();
    assert_eq!(groups, vec!["calibrated"]);
}
