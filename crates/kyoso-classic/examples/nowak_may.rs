//! Prints the long-run cooperator fraction of the Nowak–May game for a few
//! values of b, sizes and initial defector shares (used for
//! docs/classic-models.md). Run: cargo run --release -p kyoso-classic --example nowak_may
use kyoso_classic::spatial_pd::{SpatialPd, SpatialPdConfig, tail_mean};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let size: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(200);
    let steps: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(400);
    for defectors in [0.1, 0.3, 0.5] {
        for b in [1.81, 1.85, 1.9, 1.95, 1.99] {
            let fractions: Vec<f64> = (0..3)
                .map(|seed| {
                    let c = SpatialPdConfig {
                        size,
                        temptation: b,
                        defectors,
                        seed,
                        ..SpatialPdConfig::default()
                    };
                    tail_mean(&SpatialPd::new(c).unwrap().run(steps))
                })
                .collect();
            println!("size {size} steps {steps} defectors {defectors} b {b}: {fractions:.4?}");
        }
    }
}
