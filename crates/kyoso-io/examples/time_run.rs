//! Times one silent-rivalry run in process, as a Rust user of the library
//! would make it: the run alone (kyoso-core) and the run with its three
//! tables built as Arrow record batches (kyoso-io), which is what
//! `kyoso.run` returns to Python. scripts/bench_python.py compares these
//! with the Python package's time for the same run.
//!
//! Usage: cargo run --release -p kyoso-io --example time_run -- [REPEATS] [TICKS]
//! Prints one JSON object: the seconds of every repeat of each.

use std::time::Instant;

use kyoso_core::Scenario;
use kyoso_core::silent_rivalry::run_scenario_with;

fn main() {
    let mut args = std::env::args().skip(1);
    let repeats: usize = args.next().map_or(20, |a| a.parse().expect("REPEATS"));
    let ticks: Option<u32> = args.next().map(|a| a.parse().expect("TICKS"));
    let mut scenario = Scenario::default();
    if let Some(t) = ticks {
        scenario.run.ticks = t;
    }
    let mut run_only = Vec::new();
    let mut with_tables = Vec::new();
    let mut rows = 0;
    for _ in 0..repeats {
        let t = Instant::now();
        let out = run_scenario_with(&scenario, None, |_| true)
            .expect("valid")
            .expect("not cancelled");
        run_only.push(t.elapsed().as_secs_f64());
        std::hint::black_box(&out);
        let t = Instant::now();
        let out = run_scenario_with(&scenario, None, |_| true)
            .expect("valid")
            .expect("not cancelled");
        let batches = [
            kyoso_io::write::record_batch(kyoso_io::tables::ticks(&out)),
            kyoso_io::write::record_batch(kyoso_io::tables::firms(&out)),
            kyoso_io::write::record_batch(kyoso_io::tables::events(&out)),
        ];
        with_tables.push(t.elapsed().as_secs_f64());
        rows = batches[0].num_rows();
        std::hint::black_box((&out, &batches));
    }
    println!(
        "{{\"ticks\": {}, \"tick_rows\": {rows}, \"run_only\": {run_only:?}, \"run_and_tables\": {with_tables:?}}}",
        scenario.run.ticks
    );
}
