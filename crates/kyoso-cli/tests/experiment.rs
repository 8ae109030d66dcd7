//! `kyoso experiment`: verdicts are computed from the data, not written in.

use std::fs;

use assert_cmd::Command;
use predicates::prelude::*;

fn kyoso() -> Command {
    Command::cargo_bin("kyoso").unwrap()
}

fn verdict(dir: &std::path::Path) -> String {
    let v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("verdicts.json")).unwrap()).unwrap();
    v["verdicts"][0]["verdict"].as_str().unwrap().to_string()
}

#[test]
fn experiments_are_listed() {
    kyoso()
        .args(["experiment", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("illusion")
                .and(predicate::str::contains("veneer"))
                .and(predicate::str::contains("rivalry-lifts-industry"))
                .and(predicate::str::contains("partnerships")),
        );
}

#[test]
fn the_veneer_verdict_follows_the_model() {
    let tmp = tempfile::tempdir().unwrap();
    let on = tmp.path().join("on");
    kyoso()
        .args([
            "experiment",
            "run",
            "veneer",
            "--reps",
            "6",
            "--ticks",
            "60",
            "--quiet",
            "--out",
        ])
        .arg(&on)
        .assert()
        .success();
    assert_eq!(verdict(&on), "supported");
    let report = fs::read_to_string(on.join("report.md")).unwrap();
    assert!(
        report.contains("**Rule.**") && report.contains("**supported**"),
        "{report}"
    );
    assert!(on.join("sweep/runs.parquet").is_file() && on.join("sweep/summary.csv").is_file());
    let html = fs::read_to_string(on.join("report.html")).unwrap();
    assert!(
        html.contains("data-figure=\"test-1\"") && html.contains("class=\"verdict supported\"")
    );
    assert!(on.join("figures/test-1.svg").is_file() && on.join("figures/test-1.png").is_file());
    // Switch the veneer off: detection no longer changes what firms see, the verdict must flip.
    let off = tmp.path().join("off");
    kyoso()
        .args([
            "experiment",
            "run",
            "veneer",
            "--reps",
            "6",
            "--ticks",
            "60",
            "--quiet",
            "--set",
            "mechanisms.veneer=false",
            "--out",
        ])
        .arg(&off)
        .assert()
        .success();
    assert_ne!(verdict(&off), "supported");
    assert!(
        fs::read_to_string(off.join("report.md"))
            .unwrap()
            .contains("mechanisms.veneer=false")
    );
}

#[test]
fn unknown_experiments_and_bad_overrides_are_input_errors() {
    kyoso()
        .args(["experiment", "run", "nonesuch"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("available: illusion"));
    let tmp = tempfile::tempdir().unwrap();
    kyoso()
        .args([
            "experiment",
            "run",
            "veneer",
            "--reps",
            "2",
            "--set",
            "encounters.detct=0.5",
            "--out",
        ])
        .arg(tmp.path().join("x"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("encounters.detect"));
}

#[test]
fn every_experiment_runs_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    for name in [
        "illusion",
        "business-logic",
        "rivalry-lifts-industry",
        "partnerships",
        "waiting-loses",
        "regions",
    ] {
        let out = tmp.path().join(name);
        kyoso()
            .args([
                "experiment",
                "run",
                name,
                "--reps",
                "2",
                "--ticks",
                "12",
                "--quiet",
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        let v: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join("verdicts.json")).unwrap()).unwrap();
        let verdicts = v["verdicts"].as_array().unwrap();
        assert!(!verdicts.is_empty());
        for verdict in verdicts {
            assert!(
                ["supported", "not supported", "mixed"]
                    .contains(&verdict["verdict"].as_str().unwrap())
            );
        }
        let html = fs::read_to_string(out.join("report.html")).unwrap();
        assert_eq!(
            html.matches("data-figure=").count(),
            verdicts.len(),
            "{name}: one figure per test"
        );
    }
    for preset in ["china", "southeast-asia", "us-west-coast"] {
        assert!(
            tmp.path()
                .join(format!("regions/sweep-{preset}/runs.parquet"))
                .is_file()
        );
    }
}
