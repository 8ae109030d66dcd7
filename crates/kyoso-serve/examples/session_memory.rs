//! Measures what one live-view session holds: builds a model as a session
//! does, sends its first frames, runs it to the end taking a delta frame
//! every few ticks (as a running session does), and prints the peak
//! resident memory (VmHWM from /proc/self/status) beside the budget's
//! estimate and its runtime measure. Linux only.
//!
//! ```text
//! cargo build --release -p kyoso-serve --example session_memory
//! target/release/examples/session_memory silent-rivalry '{"origins.JP.firms": 5000}'
//! ```
//!
//! One scenario a process, so each peak is that scenario's own. The
//! figures in docs/web.md ("Memory") and the constants pinned in
//! `budget.rs`'s tests come from this program.

use kyoso_serve::budget;
use kyoso_serve::live;
use kyoso_serve::setup::{Base, ModelKind, Setup};

/// A field of /proc/self/status, bytes.
fn status_bytes(field: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let model = args.next().unwrap_or_else(|| "silent-rivalry".into());
    let sets = args.next().unwrap_or_else(|| "{}".into());
    // Ticks between delta frames (a running session sends one a frame,
    // covering the ticks done since the last).
    let every: u32 = args
        .next()
        .map_or(10, |s| s.parse().expect("ticks a frame"));
    let model = ModelKind::parse(&model).unwrap_or_else(|| panic!("unknown model {model}"));
    let sets: serde_json::Value = serde_json::from_str(&sets).expect("sets: a JSON object");
    let built = Setup::new(model, None)
        .with_json_sets(sets.as_object().expect("sets: a JSON object"))
        .expect("sets")
        .build(&Base::default())
        .expect("a valid setup");
    let estimate = budget::estimate(&built);
    let counted = built.clone();

    let before = status_bytes("VmRSS");
    let run = std::thread::spawn(move || {
        let mut live = live::build(&built).expect("builds");
        let mut footprint: f64 = live.footprint();
        let mut bytes_out = live.init().iter().map(|f| f.len()).sum::<usize>();
        while !live.done() {
            live.step();
            footprint = footprint.max(live.footprint());
            if live.tick().is_multiple_of(every) || live.done() {
                bytes_out += live.delta(true).iter().map(|f| f.len()).sum::<usize>();
            }
        }
        (live.tick(), footprint, bytes_out)
    });
    let (ticks, footprint, _bytes_out) = run.join().expect("the model ran");
    let peak = status_bytes("VmHWM");
    let mib = |b: f64| b / (1u64 << 20) as f64;
    println!(
        "ticks {ticks}  estimate {:.1} MiB  runtime measure (max) {:.1} MiB  \
         peak RSS {:.1} MiB  RSS before build {:.1} MiB  peak - before {:.1} MiB",
        mib(estimate.bytes),
        mib(footprint),
        mib(peak as f64),
        mib(before as f64),
        mib(peak.saturating_sub(before) as f64),
    );
    for (part, bytes) in &estimate.parts {
        println!("  {part}: {:.1} MiB", mib(*bytes));
    }
    // What the estimate's rates count, after the peak is read: events a
    // firm-month and metric rows a tick of the same run.
    if let kyoso_serve::setup::Built::Market(s) = &counted {
        let run = kyoso_core::silent_rivalry::run_scenario(s, |_, _| {}, || false)
            .expect("runs")
            .expect("never cancelled");
        let initial: f64 = s.origins.values().map(|o| o.firms as f64).sum();
        let ticks = s.run.ticks as f64;
        let entrants = s.population.entry_rate * ticks;
        let firm_months = (initial + entrants / 2.0) * ticks;
        println!(
            "  counted: {} events ({:.4} a firm-month of the estimate's {firm_months:.0}), \
             {:.1} metric rows a tick, {} firms at the end",
            run.events.len(),
            run.events.len() as f64 / firm_months,
            run.observations.len() as f64 / (ticks + 1.0),
            run.firms.len(),
        );
    }
}
