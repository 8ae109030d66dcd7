//! The classic-model subcommands, driven through the real binary.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn kyoso() -> Command {
    Command::cargo_bin("kyoso").expect("binary built")
}

fn json_stdout(cmd: &mut Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("stdout is one JSON value")
}

#[test]
fn strategies_lists_every_strategy_with_its_kind() {
    kyoso()
        .arg("strategies")
        .assert()
        .success()
        .stdout(predicate::str::contains("first-by-tideman-and-chieruzzi"))
        .stdout(predicate::str::contains("gtft"))
        .stdout(predicate::str::contains("stochastic"));
    let v = json_stdout(kyoso().args(["strategies", "--json"]));
    assert_eq!(v.as_array().unwrap().len(), 33);
}

#[test]
fn match_json_has_moves_and_scores() {
    let v =
        json_stdout(kyoso().args(["match", "tit-for-tat", "defector", "--turns", "5", "--json"]));
    assert_eq!(v["moves_a"], "CDDDD");
    assert_eq!(v["moves_b"], "DDDDD");
    assert_eq!(v["score_a"], 4.0);
    assert_eq!(v["score_b"], 9.0);
}

#[test]
fn match_reads_the_game_and_the_length() {
    // Tideman and Chieruzzi defects in the last two rounds of a known length…
    let v = json_stdout(kyoso().args([
        "match",
        "first-by-tideman-and-chieruzzi",
        "cooperator",
        "--turns",
        "6",
        "--game",
        "4,0,7,2",
        "--json",
    ]));
    assert_eq!(v["moves_a"], "CCCCDD");
    assert_eq!(v["score_a"], 4.0 * 4.0 + 2.0 * 7.0);
    // …but not when the length is unknown (prob_end).
    let v = json_stdout(kyoso().args([
        "match",
        "first-by-tideman-and-chieruzzi",
        "cooperator",
        "--turns",
        "6",
        "--prob-end",
        "0.000001",
        "--json",
    ]));
    assert_eq!(v["moves_a"], "CCCCCC");
}

#[test]
fn stochastic_matches_repeat_with_the_seed_and_vary_without() {
    let run = |seed: &str| {
        json_stdout(kyoso().args([
            "match",
            "random",
            "first-by-joss",
            "--noise",
            "0.1",
            "--seed",
            seed,
            "--json",
        ]))
    };
    assert_eq!(run("3"), run("3"));
    assert_ne!(run("3")["moves_a"], run("4")["moves_a"]);
}

#[test]
fn bad_input_exits_with_status_2_and_says_why() {
    kyoso()
        .args(["match", "tit-for-tatt", "defector"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `tit-for-tat`"));
    kyoso()
        .args(["match", "tit-for-tat", "defector", "--game", "3,0,2,1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("T > R > P > S"));
    kyoso()
        .args(["match", "tit-for-tat", "defector", "--noise", "1.5"])
        .assert()
        .code(2);
    kyoso().args(["tournament"]).assert().code(2);
    kyoso()
        .args(["spatial-pd", "--size", "2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("size"));
    kyoso()
        .args(["ethnocentrism", "--death", "2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("death"));
}

#[test]
fn tournament_writes_matches_and_ranking() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    kyoso()
        .args([
            "tournament",
            "--preset",
            "classic",
            "--turns",
            "20",
            "--repetitions",
            "3",
            "--ecological",
            "--generations",
            "50",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("rank"));
    for f in [
        "matches.parquet",
        "ranking.csv",
        "payoff_matrix.parquet",
        "ecology.parquet",
        "summary.json",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let ranking = std::fs::read_to_string(out.join("ranking.csv")).unwrap();
    let lines: Vec<&str> = ranking.lines().collect();
    assert_eq!(
        lines[0],
        "rank,player,index,median_score,mean_score,cooperation_rate,wins"
    );
    assert_eq!(lines.len(), 6);
    // An existing non-empty folder is refused.
    kyoso()
        .args(["tournament", "--players", "cooperator,defector"])
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
}

#[test]
fn moran_reports_fixation() {
    let v = json_stdout(kyoso().args([
        "moran",
        "--population",
        "defector=3,cooperator=3",
        "--turns",
        "10",
        "--seed",
        "1",
        "--json",
    ]));
    assert_eq!(v["fixated"], "defector");
    assert_eq!(v["final_counts"], serde_json::json!([0, 6]));
}

#[test]
fn spatial_pd_writes_series_picture_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let v = json_stdout(
        kyoso()
            .args(["spatial-pd", "--size", "40", "--steps", "20", "--json"])
            .arg("--out")
            .arg(&out),
    );
    let f = v["cooperator_fraction"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&f));
    for name in ["steps.parquet", "lattice.png", "summary.json"] {
        assert!(out.join(name).exists(), "{name} missing");
    }
    assert_eq!(
        &std::fs::read(out.join("lattice.png")).unwrap()[1..4],
        b"PNG"
    );
    let v = json_stdout(
        kyoso()
            .args([
                "spatial-pd",
                "--preset",
                "mesa-pd-grid",
                "--size",
                "20",
                "--steps",
                "5",
                "--neighbourhood",
                "von-neumann",
                "--json",
            ])
            .arg("--out")
            .arg(dir.path().join("m")),
    );
    assert_eq!(v["b"], 1.6);
}

#[test]
fn ethnocentrism_writes_periods_picture_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("e");
    let v = json_stdout(
        kyoso()
            .args([
                "ethnocentrism",
                "--size",
                "20",
                "--periods",
                "100",
                "--cost",
                "0.02",
                "--json",
            ])
            .arg("--out")
            .arg(&out),
    );
    assert!(v["ethnocentric_share"].as_f64().unwrap() >= 0.0);
    assert!(v["cooperation_rate"].as_f64().unwrap() >= 0.0);
    for name in ["periods.parquet", "lattice.png", "summary.json"] {
        assert!(out.join(name).exists(), "{name} missing");
    }
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["settings"]["cost"], 0.02);
}
