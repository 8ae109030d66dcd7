//! Runs the default scenario with `key=value` overrides and reports the
//! first non-finite output (metric, firm field, summary) or a panic.
//! Usage: `cargo run --release -p kyoso-core --example finite -- key=value ...`
use kyoso_core::ScenarioBuilder;
use kyoso_core::silent_rivalry::run_scenario;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut b = ScenarioBuilder::new();
    for a in &args {
        b = match b.set(a) {
            Ok(b) => b,
            Err(e) => {
                println!("rejected: {e}");
                return;
            }
        };
    }
    let s = match b.build() {
        Ok(s) => s,
        Err(e) => {
            println!("rejected: {e}");
            return;
        }
    };
    let out = std::panic::catch_unwind(|| run_scenario(&s, |_, _| {}, || false));
    let out = match out {
        Ok(o) => o.expect("valid").expect("not cancelled"),
        Err(_) => {
            println!("PANIC");
            return;
        }
    };
    let mut bad = 0;
    for o in &out.observations {
        if !o.value.is_finite() {
            if bad < 5 {
                println!(
                    "tick {} metric {} {} = {}",
                    o.tick, o.metric, o.group, o.value
                );
            }
            bad += 1;
        }
    }
    for f in &out.firms {
        for (name, x) in [
            ("capability", f.capability),
            ("cash", f.cash),
            ("share", f.share),
            ("total_profit", f.total_profit),
            ("last_revenue", f.last_revenue),
            ("peak_share", f.peak_share),
            ("profit_since_adapt", f.profit_since_adapt),
        ] {
            if !x.is_finite() {
                if bad < 10 {
                    println!("firm {} {name} = {x}", f.id);
                }
                bad += 1;
            }
        }
    }
    for (k, v) in out.summary.metrics() {
        if !v.is_finite() {
            println!("summary {k} = {v}");
            bad += 1;
        }
    }
    let m = &out.summary;
    println!(
        "{} non-finite; firms ever {} alive {} cap max {:.3e} cs {:.3e} max|cash| {:.3e} max shares_given {} withholds {}",
        bad,
        m.firms_ever,
        m.firms_alive,
        m.capability_max_final,
        m.consumer_surplus_last,
        out.firms.iter().map(|f| f.cash.abs()).fold(0.0, f64::max),
        out.firms.iter().map(|f| f.shares_given).max().unwrap_or(0),
        out.firms.iter().map(|f| f.withholds).max().unwrap_or(0),
    );
}
