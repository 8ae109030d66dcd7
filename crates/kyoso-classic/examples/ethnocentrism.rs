//! Ethnocentric share and cooperation rate over seeds (for docs/classic-models.md).
//! Run: cargo run --release -p kyoso-classic --example ethnocentrism -- PERIODS SEEDS
use kyoso_classic::ethnocentrism::{Ethnocentrism, EthnocentrismConfig, summary};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let periods: u32 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(2000);
    let seeds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let mut shares = Vec::new();
    for seed in 0..seeds {
        let stats = Ethnocentrism::new(EthnocentrismConfig {
            seed,
            ..EthnocentrismConfig::default()
        })
        .unwrap()
        .run(periods);
        let (share, coop) = summary(&stats);
        let last = stats.last().unwrap();
        println!(
            "seed {seed}: ethnocentric {share:.3} cooperation {coop:.3} agents {} counts {:?}",
            last.agents, last.counts
        );
        shares.push(share);
    }
    let mean = shares.iter().sum::<f64>() / shares.len() as f64;
    let sd = (shares.iter().map(|x| (x - mean).powi(2)).sum::<f64>()
        / (shares.len() - 1).max(1) as f64)
        .sqrt();
    println!("periods {periods}, {seeds} seeds: ethnocentric share mean {mean:.4} sd {sd:.4}");
}
