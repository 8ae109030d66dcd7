//! Times one large run: `cargo run --release --example scale -- FIRMS`.
use kyoso_core::silent_rivalry::run_scenario;
use kyoso_core::silent_rivalry_scaled;

fn main() {
    let firms: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let mut s = silent_rivalry_scaled(firms, 120, 1);
    for kv in std::env::args().skip(2) {
        s = kyoso_core::ScenarioBuilder::new()
            .file("scaled", &s.to_toml())
            .unwrap()
            .set(&kv)
            .unwrap()
            .build()
            .unwrap();
    }
    let t = std::time::Instant::now();
    let out = run_scenario(&s, |_, _| {}, || false).unwrap().unwrap();
    let dt = t.elapsed().as_secs_f64();
    let mut sim = kyoso_core::Simulation::new(&s).unwrap();
    if std::env::var("PAIRS").is_ok() {
        sim.run(|_| {});
        eprintln!("trust pairs at the end: {}", sim.trust_pairs().len());
    }
    let firm_ticks: u64 = out
        .observations
        .iter()
        .filter(|o| o.metric == "firms_alive" && o.group_by == "all")
        .map(|o| o.value as u64)
        .sum();
    println!(
        "firms {firms}: {dt:.3}s, {firm_ticks} firm-ticks, {:.2}M firm-ticks/s, alive at end {}",
        firm_ticks as f64 / dt / 1e6,
        out.summary.firms_alive
    );
}
