//! Moran processes and the ecological variant agree with the axelrod library.
//! Fixture: `tests/fixtures/evolution.json` (axelrod 4.14).

use kyoso_classic::ipd::ecological::ecosystem;
use kyoso_classic::ipd::{Match, Moran, Strategy, Tournament};
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/evolution.json")).unwrap()
}

fn strategies(v: &Value) -> Vec<Strategy> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| Strategy::from_name(s.as_str().unwrap()).unwrap())
        .collect()
}

/// Fixation frequencies: the library's over 1000 seeds, kyoso's over 2000;
/// two-proportion z statistic below 4.5 for every strategy; mean number of
/// steps within 10%.
#[test]
fn moran_fixation_frequencies_agree_with_axelrod() {
    const RUNS: u64 = 2000;
    for case in fixture()["moran"].as_array().unwrap() {
        let population = strategies(&case["population"]);
        let turns = case["turns"].as_u64().unwrap() as u32;
        let their_runs = case["seeds"].as_f64().unwrap();
        let mut wins = std::collections::BTreeMap::new();
        let mut steps = 0usize;
        for seed in 0..RUNS {
            let m = Moran {
                population: population.clone(),
                settings: Match {
                    turns,
                    ..Match::default()
                },
                mutation_rate: 0.0,
                max_steps: 100_000,
                seed,
            };
            let r = m.run().unwrap();
            *wins
                .entry(r.fixated.expect("fixates without mutation"))
                .or_insert(0u32) += 1;
            steps += r.counts.len() - 1;
        }
        let distinct: std::collections::BTreeSet<Strategy> = population.iter().copied().collect();
        for s in &distinct {
            let ours = *wins.get(s).unwrap_or(&0) as f64 / RUNS as f64;
            let theirs = case["fixations"][s.name()].as_f64().unwrap_or(0.0) / their_runs;
            let pooled = (ours * RUNS as f64 + theirs * their_runs) / (RUNS as f64 + their_runs);
            let se = (pooled * (1.0 - pooled) * (1.0 / RUNS as f64 + 1.0 / their_runs)).sqrt();
            let z = if se > 0.0 {
                (ours - theirs).abs() / se
            } else {
                0.0
            };
            println!("{s:<24} fixation kyoso {ours:.3} axelrod {theirs:.3} (z = {z:.1})");
            assert!(
                z < 4.5,
                "{population:?}: fixation of {s}: kyoso {ours:.3}, axelrod {theirs:.3}, z = {z:.1}"
            );
        }
        let ours = steps as f64 / RUNS as f64;
        let theirs = case["mean_steps"].as_f64().unwrap();
        assert!(
            (ours - theirs).abs() / theirs < 0.1,
            "{population:?}: mean steps kyoso {ours:.2}, axelrod {theirs:.2}"
        );
    }
}

/// Deterministic players: the library's ecosystem is deterministic too
/// (every standard deviation is 0), so shares agree to rounding.
#[test]
fn ecological_shares_equal_axelrods() {
    for case in fixture()["ecological"].as_array().unwrap() {
        let players = strategies(&case["players"]);
        let turns = case["turns"].as_u64().unwrap() as u32;
        let generations = case["generations"].as_u64().unwrap() as u32;
        let t = Tournament {
            players: players.clone(),
            settings: Match {
                turns,
                ..Match::default()
            },
            repetitions: 1,
            seed: 0,
        };
        let eco = ecosystem(&t.play().unwrap(), generations, None, 0).unwrap();
        let ours = eco.shares.last().unwrap();
        for (i, s) in players.iter().enumerate() {
            let theirs = case["shares"][i].as_f64().unwrap();
            let tolerance = 1e-9 * theirs.abs().max(1e-12);
            assert!(
                (ours[i] - theirs).abs() <= tolerance.max(1e-15),
                "{s}: kyoso {}, axelrod {theirs}",
                ours[i]
            );
        }
    }
}
