//! Speed of the classic models. The goals (see docs/benchmarks.md) are
//! checked against the peers by scripts/bench_peers.py; these benches track
//! kyoso's own figures over time.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kyoso_classic::ethnocentrism::{Ethnocentrism, EthnocentrismConfig};
use kyoso_classic::ipd::{Match, Strategy, Tournament};
use kyoso_classic::spatial_pd::{SpatialPd, SpatialPdConfig};

fn ipd(c: &mut Criterion) {
    let mut g = c.benchmark_group("ipd");
    let m = Match::default();
    g.throughput(Throughput::Elements(200));
    g.bench_function("match tit-for-tat vs first-by-graaskamp, 200 turns", |b| {
        b.iter(|| m.play(Strategy::TitForTat, Strategy::FirstByGraaskamp, 1))
    });
    let t = Tournament {
        players: Strategy::AXELROD_FIRST.to_vec(),
        settings: m,
        repetitions: 5,
        seed: 1,
    };
    g.throughput(Throughput::Elements(120 * 5 * 200));
    g.sample_size(20);
    g.bench_function("axelrod-first tournament, 5 repetitions", |b| {
        b.iter(|| t.play().unwrap())
    });
    g.finish();
}

fn spatial(c: &mut Criterion) {
    let mut g = c.benchmark_group("spatial_pd");
    for (name, config) in [
        (
            "nowak-may 1000x1000 step",
            SpatialPdConfig {
                size: 1000,
                ..SpatialPdConfig::default()
            },
        ),
        (
            "mesa-pd-grid 100x100 step",
            SpatialPdConfig::mesa_pd_grid(100, 1),
        ),
    ] {
        let mut game = SpatialPd::new(config).unwrap();
        g.throughput(Throughput::Elements((config.size * config.size) as u64));
        g.bench_function(name, |b| b.iter(|| game.step()));
    }
    g.finish();
}

fn ethnocentrism(c: &mut Criterion) {
    let mut g = c.benchmark_group("ethnocentrism");
    let mut model = Ethnocentrism::new(EthnocentrismConfig::default()).unwrap();
    model.run(500);
    g.bench_function("50x50 period (filled lattice)", |b| {
        b.iter(|| model.period())
    });
    g.finish();
}

criterion_group!(benches, ipd, spatial, ethnocentrism);
criterion_main!(benches);
