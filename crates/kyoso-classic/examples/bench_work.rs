//! The work units of `scripts/bench_peers.py`, timed in process so that
//! start-up and output writing are not counted. Prints one JSON object.
//!
//!   bench_work spatial-mesa     Mesa pd_grid rules, 100×100, 50 steps
//!   bench_work axelrod-first    Axelrod's first tournament, 200 turns, 5 repetitions
//!   bench_work spatial-large    Nowak–May rules, 1000×1000, 20 steps
//!
//! Threads: rayon's pool (set RAYON_NUM_THREADS=1 for single-threaded runs).
use std::time::Instant;

use kyoso_classic::ipd::{Match, Strategy, Tournament};
use kyoso_classic::spatial_pd::{SpatialPd, SpatialPdConfig};

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn spatial(config: SpatialPdConfig, steps: u64, repeats: u32) -> (f64, f64) {
    let cells = (config.size * config.size) as f64;
    let mut best = f64::INFINITY;
    let mut fraction = 0.0;
    for _ in 0..repeats {
        let mut g = SpatialPd::new(config).unwrap();
        let start = Instant::now();
        for _ in 0..steps {
            g.step();
        }
        best = best.min(start.elapsed().as_secs_f64());
        fraction = g.cooperator_fraction();
    }
    (cells * steps as f64 / best, fraction)
}

fn main() {
    let work = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "spatial-mesa".into());
    let threads = rayon::current_num_threads();
    match work.as_str() {
        "spatial-mesa" => {
            let (rate, fraction) = spatial(SpatialPdConfig::mesa_pd_grid(100, 1), 50, 20);
            println!(
                r#"{{"work":"{work}","threads":{threads},"agent_steps_per_second":{rate:.0},"cooperator_fraction":{fraction}}}"#
            );
        }
        "spatial-large" => {
            let before = peak_rss_kib().unwrap_or(0);
            let config = SpatialPdConfig {
                size: 1000,
                ..SpatialPdConfig::default()
            };
            let (rate, fraction) = spatial(config, 20, 3);
            let after = peak_rss_kib().unwrap_or(0);
            let g = SpatialPd::new(config).unwrap();
            let bytes_per_cell = g.bytes_per_cell();
            println!(
                r#"{{"work":"{work}","threads":{threads},"agent_steps_per_second":{rate:.0},"cooperator_fraction":{fraction},"model_bytes_per_cell":{bytes_per_cell},"peak_rss_kib":{after},"rss_before_kib":{before}}}"#
            );
        }
        "axelrod-first" => {
            let t = Tournament {
                players: Strategy::AXELROD_FIRST.to_vec(),
                settings: Match {
                    turns: 200,
                    ..Match::default()
                },
                repetitions: 5,
                seed: 1,
            };
            let mut best = f64::INFINITY;
            let mut turns = 0u64;
            for _ in 0..20 {
                let start = Instant::now();
                let r = t.play().unwrap();
                best = best.min(start.elapsed().as_secs_f64());
                turns = r.matches.iter().map(|m| m.turns as u64).sum();
            }
            println!(
                r#"{{"work":"{work}","threads":{threads},"match_turns":{turns},"match_turns_per_second":{:.0}}}"#,
                turns as f64 / best
            );
        }
        other => {
            eprintln!("unknown work unit {other}");
            std::process::exit(2);
        }
    }
}
