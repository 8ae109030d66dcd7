//! Deterministic strategies agree with the axelrod library move by move.
//! Fixtures: `tests/fixtures/deterministic.json`, written by
//! `scripts/axelrod_fixtures.py` (axelrod 4.14 from PyPI).

use kyoso_classic::ipd::{Game, Match, Strategy};
use serde_json::Value;

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/deterministic.json")).expect("valid fixture JSON")
}

fn game(v: &Value) -> Game {
    let g: Vec<f64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    Game::new(g[0], g[1], g[2], g[3]).unwrap()
}

fn check(entries: &[Value], games: &[Game], length_known: bool) -> usize {
    let mut failures = Vec::new();
    for e in entries {
        let a = Strategy::from_name(e["a"].as_str().unwrap()).unwrap();
        let b = Strategy::from_name(e["b"].as_str().unwrap()).unwrap();
        let turns = e["turns"].as_u64().unwrap() as u32;
        let game = games[e["game"].as_u64().unwrap() as usize];
        let m = Match {
            game,
            turns,
            noise: 0.0,
            prob_end: None,
        };
        let mut info = m.info();
        if !length_known {
            info.length = None;
        }
        let r = m.play_with_info(a, b, 0, info);
        let (want_a, want_b) = (
            e["moves_a"].as_str().unwrap(),
            e["moves_b"].as_str().unwrap(),
        );
        if r.moves_a_string() != want_a || r.moves_b_string() != want_b {
            failures.push(format!(
                "{a} vs {b}, game {:?}, {turns} turns:\n  kyoso   {}\n  axelrod {want_a}\n  kyoso   {}\n  axelrod {want_b}",
                game,
                r.moves_a_string(),
                r.moves_b_string()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} matches differ:\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n")
    );
    entries.len()
}

#[test]
fn every_deterministic_pair_matches_axelrod_for_every_turn_count_and_game() {
    let f = fixtures();
    let games: Vec<Game> = f["games"].as_array().unwrap().iter().map(game).collect();
    assert!(games.len() >= 2);
    let n = check(f["matches"].as_array().unwrap(), &games, true);
    assert!(n > 1000, "fixture too small: {n}");
}

#[test]
fn every_deterministic_pair_matches_axelrod_when_the_length_is_unknown() {
    let f = fixtures();
    let games: Vec<Game> = f["games"].as_array().unwrap().iter().map(game).collect();
    check(f["unknown_length"].as_array().unwrap(), &games, false);
}

#[test]
fn every_deterministic_strategy_is_in_the_fixtures() {
    let f = fixtures();
    let listed: Vec<&str> = f["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for s in Strategy::ALL {
        assert_eq!(
            listed.contains(&s.name()),
            !s.is_stochastic(),
            "{s}: classifier differs from axelrod's"
        );
    }
}
