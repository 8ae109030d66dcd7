//! Stochastic strategies agree with the axelrod library in distribution.
//!
//! Fixture: `tests/fixtures/stochastic.json` (axelrod 4.14, 200 seeds per
//! matchup, 200 turns, two games): mean and standard deviation over seeds
//! of each side's cooperation rate and score per turn, for every stochastic
//! strategy against a panel of deterministic opponents and every
//! stochastic strategy. kyoso plays 400 seeds of each matchup and compares
//! means with a two-sample z statistic; |z| < 5 for each of ~1200
//! comparisons (a false alarm somewhere has probability below 0.1%, and
//! the seeds are fixed, so the outcome never changes between runs).
//!
//! One known divergence, by design: the library's `GTFT` computes its
//! forgiveness probability from the *default* game when it is constructed
//! and keeps it (axelrod 4.14: `reset()` re-runs `__init__`, which fixes
//! `p` before the match's game is passed in), so it plays p = 1/3 in every
//! game. The spec requires strategies to read the game in use, so kyoso's
//! gtft uses p = min(1 - (T-R)/(R-S), (R-P)/(T-P)) of the actual game
//! (clamped to [0, 1]). GTFT rows in other games are therefore checked
//! against that formula instead (`gtft_reads_the_game_in_use`).

use kyoso_classic::ipd::{Action, Game, Match, Strategy};
use serde_json::Value;

const SEEDS: u64 = 400;

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, v.sqrt())
}

#[test]
fn stochastic_strategies_agree_with_axelrod_in_distribution() {
    let f: Value = serde_json::from_str(include_str!("fixtures/stochastic.json")).unwrap();
    let games: Vec<Game> = f["games"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let g: Vec<f64> = g
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            Game::new(g[0], g[1], g[2], g[3]).unwrap()
        })
        .collect();
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut covered = std::collections::BTreeSet::new();
    for row in f["matches"].as_array().unwrap() {
        let a = Strategy::from_name(row["a"].as_str().unwrap()).unwrap();
        let b = Strategy::from_name(row["b"].as_str().unwrap()).unwrap();
        covered.insert(a);
        let game = games[row["game"].as_u64().unwrap() as usize];
        if (a == Strategy::Gtft || b == Strategy::Gtft) && game != Game::default() {
            continue;
        }
        let turns = row["turns"].as_u64().unwrap() as u32;
        let their_seeds = row["seeds"].as_f64().unwrap();
        let m = Match {
            game,
            turns,
            noise: 0.0,
            prob_end: None,
        };
        let mut samples: [Vec<f64>; 4] = Default::default();
        for seed in 0..SEEDS {
            let r = m.play(a, b, 1_000_003 * seed + 17);
            let t = r.turns() as f64;
            let coop =
                |moves: &[Action]| moves.iter().filter(|&&x| x == Action::C).count() as f64 / t;
            samples[0].push(coop(&r.moves_a));
            samples[1].push(coop(&r.moves_b));
            samples[2].push(r.score_a / t);
            samples[3].push(r.score_b / t);
        }
        for (k, key) in ["coop_a", "coop_b", "score_a", "score_b"]
            .iter()
            .enumerate()
        {
            let (ours, our_sd) = mean_sd(&samples[k]);
            let theirs = row[format!("{key}_mean")].as_f64().unwrap();
            let their_sd = row[format!("{key}_sd")].as_f64().unwrap();
            let se = (our_sd.powi(2) / SEEDS as f64 + their_sd.powi(2) / their_seeds).sqrt();
            let diff = (ours - theirs).abs();
            let ok = if se < 1e-12 {
                diff < 1e-9
            } else {
                diff / se < 5.0
            };
            compared += 1;
            if !ok {
                failures.push(format!(
                    "{a} vs {b} (game {game:?}) {key}: kyoso {ours:.4} ± {our_sd:.4}, axelrod {theirs:.4} ± {their_sd:.4}, z = {:.1}",
                    diff / se
                ));
            }
        }
    }
    println!("{compared} comparisons");
    assert!(compared > 900, "fixture too small: {compared} comparisons");
    assert!(
        failures.is_empty(),
        "{} of {compared} comparisons fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for s in Strategy::ALL.iter().filter(|s| s.is_stochastic()) {
        assert!(covered.contains(s), "{s} is not in the stochastic fixture");
    }
}

#[test]
fn gtft_reads_the_game_in_use() {
    use kyoso_classic::ipd::player::gtft_probability;
    // Against a defector, GTFT cooperates in round 1 and then with probability p.
    for (game, p) in [
        (Game::default(), 1.0 / 3.0),
        (Game::new(2.0, 0.0, 3.0, 1.0).unwrap(), 0.5),
    ] {
        assert!((gtft_probability(&game) - p).abs() < 1e-12);
        let m = Match {
            game,
            turns: 200,
            noise: 0.0,
            prob_end: None,
        };
        let rates: Vec<f64> = (0..SEEDS)
            .map(|seed| {
                m.play(Strategy::Gtft, Strategy::Defector, seed)
                    .cooperations_a() as f64
                    / 200.0
            })
            .collect();
        let (mean, sd) = mean_sd(&rates);
        let expected = (1.0 + 199.0 * p) / 200.0;
        assert!(
            (mean - expected).abs() < 5.0 * sd / (SEEDS as f64).sqrt(),
            "{game:?}: {mean} vs {expected}"
        );
    }
    // A game where the formula is negative: GTFT never forgives.
    let harsh = Game::new(1.5, -1.0, 5.0, 0.0).unwrap();
    assert_eq!(gtft_probability(&harsh), 0.0);
}
