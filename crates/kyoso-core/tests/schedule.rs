//! Scheduled interventions at run time: a change alters the run from its
//! tick on and nothing before it; a wave enters exactly as scheduled.

use kyoso_core::silent_rivalry::{Observation, Simulation, Summary};
use kyoso_core::{Scenario, ScenarioBuilder};

fn build(at: &[&str]) -> Scenario {
    let mut b = ScenarioBuilder::new().set("run.ticks=48").unwrap();
    for a in at {
        b = b.at(a).unwrap();
    }
    b.build().unwrap()
}

/// Every tick's observations, one list per tick.
fn trace(s: &Scenario) -> (Vec<Vec<Observation>>, Simulation) {
    let mut sim = Simulation::new(s).unwrap();
    let mut ticks = Vec::new();
    sim.run(|sim| ticks.push(sim.observations().to_vec()));
    (ticks, sim)
}

#[test]
fn a_change_alters_the_run_from_its_tick_on_and_nothing_before() {
    let (plain, _) = trace(&build(&[]));
    for at in [
        "20:encounters.detect=0.95",
        "20:market.margin=0.3",
        "20:trust.naive_ingroup.in_group_prior=0.1",
        "20:mechanisms.partnerships=false",
    ] {
        let (changed, sim) = trace(&build(&[at]));
        assert_eq!(plain.len(), changed.len());
        for t in 0..20 {
            assert_eq!(
                plain[t], changed[t],
                "{at}: tick {t} changed before the schedule"
            );
        }
        assert!(
            (20..48).any(|t| plain[t] != changed[t]),
            "{at}: nothing changed from tick 20 on"
        );
        // The run reports the scenario as given, and what is in effect now.
        assert_eq!(sim.scenario().schedule.len(), 1);
        assert!(sim.scenario_now().schedule.is_empty());
    }
}

#[test]
fn the_parameters_in_effect_follow_the_schedule() {
    let s = build(&["10:encounters.detect=0.9", "30:encounters.detect=0.1"]);
    let mut sim = Simulation::new(&s).unwrap();
    let mut seen = Vec::new();
    while !sim.is_done() {
        sim.step();
        seen.push(sim.scenario_now().encounters.detect);
    }
    // After tick t's step, the value in effect during tick t.
    assert_eq!(seen[9], s.encounters.detect);
    assert_eq!(seen[10], 0.9);
    assert_eq!(seen[29], 0.9);
    assert_eq!(seen[30], 0.1);
    assert_eq!(seen[47], 0.1);
}

#[test]
fn a_wave_enters_at_its_tick_with_its_firms() {
    let s = ScenarioBuilder::new()
        .set("run.ticks=48")
        .unwrap()
        .set("mechanisms.entry=false")
        .unwrap()
        .at("12:enter.JP=7")
        .unwrap()
        .at("30:enter.JP=3")
        .unwrap()
        .at("30:enter.LOCAL=2")
        .unwrap()
        .build()
        .unwrap();
    let (_, sim) = trace(&s);
    let initial: u32 = s.origins.values().map(|o| o.firms).sum();
    assert_eq!(sim.firms().len() as u32, initial + 12);
    let waves = sim.waves();
    assert_eq!(waves.len(), 2);
    assert_eq!(
        (waves[0].tick, waves[0].first, waves[0].count),
        (12, initial, 7)
    );
    assert_eq!((waves[1].tick, waves[1].count), (30, 5));
    let jp = s.origins.keys().position(|k| k == "JP").unwrap() as u16;
    for f in &sim.firms()[initial as usize..] {
        let wave = if waves[0].contains(f.id) { 0 } else { 1 };
        assert_eq!(f.entry_tick, waves[wave].tick);
        if wave == 0 {
            assert_eq!(f.origin, jp);
        }
    }
    let summary = Summary::new(&sim);
    let metrics: std::collections::BTreeMap<String, f64> = summary.metrics().into_iter().collect();
    assert_eq!(metrics["wave_firms_1"], 7.0);
    assert_eq!(metrics["wave_firms_2"], 5.0);
    let w1 = &summary.waves[0];
    let alive = sim.firms()[initial as usize..(initial + 7) as usize]
        .iter()
        .filter(|f| f.alive())
        .count();
    assert_eq!(w1.survival, alive as f64 / 7.0);
    assert!(metrics.contains_key("wave_share_1") && metrics.contains_key("wave_capability_2"));
    assert_eq!(
        metrics["wave_share_gap"],
        metrics["wave_share_1"] - metrics["wave_share_2"]
    );
    // The names a sweep reads up front are the names a run writes.
    let names: Vec<String> = summary.metrics().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        names[names.len() - 10..].to_vec(),
        Summary::wave_metric_names(s.wave_count())
    );
}

#[test]
fn a_scheduled_run_is_reproducible_from_its_scenario_toml() {
    let s = build(&["20:encounters.detect=0.95", "25:enter.JP=4"]);
    let back = Scenario::from_toml("scenario.toml", &s.to_toml()).unwrap();
    let (a, sa) = trace(&s);
    let (b, sb) = trace(&back);
    assert_eq!(a, b);
    assert_eq!(Summary::new(&sa), Summary::new(&sb));
}

#[test]
fn a_change_made_during_a_run_reproduces_from_the_scenario_it_leaves() {
    let s = build(&[]);
    let mut live = Simulation::new(&s).unwrap();
    let mut seen = Vec::new();
    for t in 0..48 {
        if t == 15 {
            assert_eq!(
                live.schedule_now(&["encounters.detect=0.95".into()])
                    .unwrap(),
                15
            );
        }
        if t == 30 {
            let bad = live
                .schedule_now(&["encounters.detect=7".into()])
                .unwrap_err();
            assert!(bad.to_string().contains("tick 30"), "{bad}");
            live.schedule_now(&["market.margin=0.3".into(), "30:x".into()])
                .unwrap_err();
            live.schedule_now(&["market.margin=0.3".into()]).unwrap();
        }
        live.step();
        seen.push(live.observations().to_vec());
    }
    assert_eq!(
        live.scenario().schedule.len(),
        2,
        "only the accepted changes"
    );
    let (again, _) = trace(live.scenario());
    assert_eq!(seen, again, "the recorded schedule reproduces the live run");
    let (plain, _) = trace(&s);
    assert_eq!(seen[..15], plain[..15]);
    assert_ne!(seen[15..], plain[15..]);
    // Before the first tick there is no schedule to append to; after the last, neither.
    let mut fresh = Simulation::new(&s).unwrap();
    assert!(
        fresh
            .schedule_now(&["encounters.detect=0.9".into()])
            .is_err()
    );
    while !fresh.is_done() {
        fresh.step();
    }
    assert!(
        fresh
            .schedule_now(&["encounters.detect=0.9".into()])
            .is_err()
    );
}
