//! Speed of the silent-rivalry model on one thread.
//!
//! - `default`: one default run (about 60 firms, 120 ticks).
//! - `scaled/N`: the default market scaled to N firms (demand and entry in
//!   proportion), 120 ticks; throughput is reported in firm-ticks (elements).
//!   Compare `scaled/1000` and `scaled/10000` for growth with firm count.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kyoso_core::silent_rivalry::Simulation;
use kyoso_core::{Scenario, silent_rivalry_scaled};

/// Runs a scenario to the end and returns the firm-ticks simulated.
fn run(s: &Scenario) -> u64 {
    let mut sim = Simulation::new(s).expect("valid scenario");
    let mut firm_ticks = 0;
    while !sim.is_done() {
        firm_ticks += sim.alive().len() as u64;
        sim.step();
    }
    firm_ticks
}

fn default_run(c: &mut Criterion) {
    let s = Scenario::default();
    c.bench_function("default", |b| b.iter(|| run(black_box(&s))));
}

fn scaled(c: &mut Criterion) {
    let mut group = c.benchmark_group("scaled");
    group.sample_size(10);
    for firms in [1_000u32, 10_000] {
        let s = silent_rivalry_scaled(firms, 120, 1);
        let work = run(&s);
        group.throughput(Throughput::Elements(work));
        group.bench_with_input(BenchmarkId::from_parameter(firms), &s, |b, s| {
            b.iter(|| run(black_box(s)))
        });
    }
    group.finish();
}

criterion_group!(benches, default_run, scaled);
criterion_main!(benches);
