//! Speed of the silent-rivalry model on one thread.
//!
//! - `default`: one default run (about 60 firms, 120 ticks).
//! - `scaled/N`: the default market scaled to N firms (demand and entry in
//!   proportion), 120 ticks; throughput is reported in firm-ticks (elements).
//!   Compare `scaled/1000` and `scaled/10000` for growth with firm count.
//! - `trust/meetings`: the trust table alone, as a 10,000-firm run uses it:
//!   120 ticks of 34,000 meetings (look up, then record what was seen)
//!   among 11,000 firms, the slot prefetched four meetings ahead;
//!   throughput in meetings.
//! - `machine/random_read/KIB`: not the model but the machine it runs on,
//!   to read the figures above by: one dependent read at a random place
//!   (a pointer chase over cache lines in random cyclic order) in a buffer
//!   of KIB KiB. 256 KiB fits a core's cache; 4 MiB is about a 1,000-firm
//!   trust table; 64 MiB about a 10,000-firm one. Throughput is in reads,
//!   so a read takes 1 / throughput.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kyoso_core::silent_rivalry::Simulation;
use kyoso_core::silent_rivalry::trust::{Lookup, Prior, PriorRef, TrustTable};
use kyoso_core::{Scenario, silent_rivalry_scaled};
use rand::{RngExt, SeedableRng};

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

/// One tick's meetings: (i, j, i's prior, j's prior, i saw a share, j saw one).
type Meetings = Vec<(u32, u32, PriorRef, PriorRef, bool, bool)>;

/// Three priors, named by `table` (a fresh table names them 0, 1, 2).
fn named_priors(table: &mut TrustTable) -> [PriorRef; 3] {
    [(0.5, 2.0), (0.7, 2.0), (0.3, 4.0)].map(|(m, w)| table.prior_ref(Prior::new(m, w)))
}

/// 120 ticks of meetings among 11,000 firms, as in `scaled/10000`.
fn meetings(priors: [PriorRef; 3]) -> Vec<Meetings> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    (0..120)
        .map(|_| {
            (0..34_000)
                .map(|_| {
                    let i = rng.random_range(0..11_000u32);
                    let j = (i + rng.random_range(1..11_000)) % 11_000;
                    let (pi, pj) = (priors[(i % 3) as usize], priors[(j % 3) as usize]);
                    (i, j, pi, pj, rng.random_bool(0.6), rng.random_bool(0.6))
                })
                .collect()
        })
        .collect()
}

fn trust(c: &mut Criterion) {
    let mut group = c.benchmark_group("trust");
    group.sample_size(10);
    let priors = named_priors(&mut TrustTable::default());
    let ticks = meetings(priors);
    group.throughput(Throughput::Elements(
        ticks.iter().map(|t| t.len() as u64).sum(),
    ));
    group.bench_function("meetings", |b| {
        b.iter(|| {
            // The capacity a 10,000-firm run reserves.
            let mut table = TrustTable::with_capacity(4_700_000);
            assert_eq!(named_priors(&mut table), priors);
            let mut sum = 0.0;
            for (now, tick) in ticks.iter().enumerate() {
                for (k, &(i, j, pi, pj, si, sj)) in tick.iter().enumerate() {
                    if let Some(&(a, b, ..)) = tick.get(k + 4) {
                        table.prefetch(a, b);
                    }
                    // As an encounter does: a usual first meeting is written once.
                    sum += match table.lookup(i, j, pi, pj, 0.98, now as u32) {
                        Lookup::First(m) => {
                            table.record_first(m, si, sj);
                            pi.after_first(si)
                        }
                        Lookup::Met(m) => table.observe(&m, si, sj).ij().expected(),
                    };
                }
            }
            black_box(sum)
        })
    });
    group.finish();
}

/// `lines` cache lines (8 words each) whose first words chain every line
/// in one random cycle: following the chain from 0 visits them all.
fn random_cycle(lines: usize) -> Vec<u64> {
    use rand::seq::SliceRandom;
    let mut order: Vec<usize> = (0..lines).collect();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(7));
    let mut words = vec![0u64; lines * 8];
    for (k, &line) in order.iter().enumerate() {
        words[line * 8] = (order[(k + 1) % lines] * 8) as u64;
    }
    words
}

fn machine(c: &mut Criterion) {
    let mut group = c.benchmark_group("machine/random_read");
    group.sample_size(10);
    const READS: u64 = 200_000;
    group.throughput(Throughput::Elements(READS));
    for kib in [256usize, 4 << 10, 64 << 10] {
        let words = random_cycle(kib * 1024 / 64);
        group.bench_with_input(BenchmarkId::from_parameter(kib), &words, |b, words| {
            let mut at = 0u64;
            b.iter(|| {
                for _ in 0..READS {
                    at = words[at as usize];
                }
                black_box(at)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, default_run, scaled, trust, machine);
criterion_main!(benches);
