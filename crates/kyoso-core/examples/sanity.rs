//! Prints the headline figures of the default scenario over 20 seeds.
use kyoso_core::ScenarioBuilder;
use kyoso_core::silent_rivalry::run_scenario;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    for seed in 0..20u64 {
        let mut b = ScenarioBuilder::new().seed(seed);
        for a in &args {
            b = b.set(a).unwrap();
        }
        let s = b.build().unwrap();
        let out = run_scenario(&s, |_, _| {}, || false).unwrap().unwrap();
        let m = &out.summary;
        println!(
            "seed {seed:2} alive {:3} ever {:3} exits {:3} pf {:3} diss {:?} gap {:.3} gapall {:.3} cap {:.2}->{:.2} innov {:4} imit {:.2} betray {} switch {} alive_by {:?} profit {:?}",
            m.firms_alive,
            m.firms_ever,
            m.exits,
            m.partnerships_formed,
            m.partnerships_dissolved_by_cause
                .values()
                .collect::<Vec<_>>(),
            m.expectation_gap_naive_ingroup.unwrap_or(f64::NAN),
            m.expectation_gap_all.unwrap_or(f64::NAN),
            m.capability_mean_initial,
            m.capability_mean_final,
            m.innovations,
            m.imitation_gain,
            m.betrayals_detected,
            m.strategy_switches,
            m.firms_alive_by_strategy.values().collect::<Vec<_>>(),
            m.total_profit_by_initial_strategy
                .iter()
                .map(|(k, v)| format!("{}:{:.0}", &k[..4], v.unwrap_or(f64::NAN)))
                .collect::<Vec<_>>()
        );
    }
}
