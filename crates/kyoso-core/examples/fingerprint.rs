//! Prints a hash of every output (observations, firms, partnerships,
//! events, summary) of a few runs, to check that a change leaves results
//! bit for bit as they were: run it before and after, compare.
//! `cargo run --release -p kyoso-core --example fingerprint [-- big]`
//! (`big` adds a 10,000-firm run). The hashes are only comparable between
//! builds with the same Rust toolchain.
use kyoso_core::silent_rivalry::run_scenario;
use kyoso_core::{Scenario, silent_rivalry_scaled};
use std::hash::{Hash, Hasher};

fn fp(s: &Scenario) -> u64 {
    let out = run_scenario(s, |_, _| {}, || false).unwrap().unwrap();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{:?}", out.observations).hash(&mut h);
    // Field by field, sorted: the hash does not depend on the field order
    // of `Firm` (its memory layout), only on the values.
    for f in &out.firms {
        let mut fields: Vec<String> = format!("{f:#?}").lines().map(str::to_owned).collect();
        fields.sort();
        fields.hash(&mut h);
    }
    format!("{:?}", out.partnerships).hash(&mut h);
    format!("{:?}", out.events).hash(&mut h);
    // As summary.json has it: a field left out when empty (the schedule's
    // waves) leaves the hash of a run without it unchanged.
    serde_json::to_string(&out.summary)
        .expect("a summary serialises")
        .hash(&mut h);
    h.finish()
}

fn main() {
    let mut runs: Vec<(String, Scenario)> = Vec::new();
    for seed in [1u64, 2, 3] {
        let mut s = Scenario::default();
        s.run.seed = seed;
        runs.push((format!("default seed {seed}"), s));
    }
    for p in ["china", "southeast-asia", "us-west-coast"] {
        let s = kyoso_core::ScenarioBuilder::new()
            .preset(p)
            .unwrap()
            .build()
            .unwrap();
        runs.push((p.to_string(), s));
    }
    runs.push(("scaled 1000".into(), silent_rivalry_scaled(1000, 120, 1)));
    runs.push((
        "scaled 1000 s7 240t".into(),
        silent_rivalry_scaled(1000, 240, 7),
    ));
    if std::env::args().any(|a| a == "big") {
        runs.push(("scaled 10000".into(), silent_rivalry_scaled(10000, 120, 1)));
    }
    for (name, s) in runs {
        println!("{name}: {:016x}", fp(&s));
    }
}
