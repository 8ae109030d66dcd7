//! Axelrod's first tournament (15 entrants, 200 turns): each player's mean
//! normalised score agrees with the axelrod library's within 1%.
//!
//! Fixture: `tests/fixtures/axelrod_first.json`, 200 repetitions of the
//! library's tournament. kyoso plays 1000 repetitions. The noisiest players
//! (random, first-by-anonymous, first-by-feld, first-by-tullock) have a
//! standard deviation of about 0.07 per repetition, so the standard error
//! of the difference of the two means is about 0.0054, against a 1%
//! tolerance of 0.016 or more: 3 standard errors for the worst case. The
//! seed is fixed, so the outcome is the same on every run.

use kyoso_classic::ipd::{Match, Strategy, Tournament};
use serde_json::Value;

#[test]
fn axelrod_first_mean_scores_within_one_percent_of_the_library() {
    let f: Value = serde_json::from_str(include_str!("fixtures/axelrod_first.json")).unwrap();
    let names: Vec<&str> = f["players"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let players: Vec<Strategy> = names
        .iter()
        .map(|n| Strategy::from_name(n).unwrap())
        .collect();
    assert_eq!(players, Strategy::AXELROD_FIRST.to_vec());
    let t = Tournament {
        players,
        settings: Match {
            turns: 200,
            ..Match::default()
        },
        repetitions: 1000,
        seed: 2024,
    };
    let r = t.play().unwrap();
    let mut report = Vec::new();
    let mut worst: f64 = 0.0;
    for (i, name) in names.iter().enumerate() {
        let theirs = f["mean_normalised_score"][i].as_f64().unwrap();
        let ours = r.mean_score(i);
        let relative = (ours - theirs).abs() / theirs;
        worst = worst.max(relative);
        report.push(format!(
            "{name:<32} kyoso {ours:.4} axelrod {theirs:.4} ({:+.2}%)",
            100.0 * (ours - theirs) / theirs
        ));
    }
    println!("{}", report.join("\n"));
    assert!(
        worst < 0.01,
        "largest relative difference {:.2}%:\n{}",
        worst * 100.0,
        report.join("\n")
    );
}
