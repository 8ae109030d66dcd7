//! End-to-end tests of the `kyoso` binary.

use std::fs;
use std::path::Path;
use std::process::Command as StdCommand;

use assert_cmd::Command;
use predicates::prelude::*;

fn kyoso() -> Command {
    Command::cargo_bin("kyoso").unwrap()
}

const FILES: [&str; 5] = kyoso_io::RUN_FILES;

fn no_partial_left(dir: &Path) {
    for e in fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !name.starts_with(".kyoso-partial"),
            "staging folder {name} left behind"
        );
    }
}

#[test]
fn run_without_arguments_writes_a_new_folder_under_runs() {
    let cwd = tempfile::tempdir().unwrap();
    let out = kyoso()
        .arg("run")
        .current_dir(cwd.path())
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for needle in [
        "firms alive",
        "by origin",
        "by strategy",
        "market share",
        "partnerships",
        "expectation gap",
        "industry capability",
    ] {
        assert!(stdout.contains(needle), "summary lacks {needle}:\n{stdout}");
    }
    let dir = cwd.path().join("runs/default-seed42-001");
    assert!(
        stdout.contains("runs/default-seed42-001"),
        "folder name not printed:\n{stdout}"
    );
    for f in FILES {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["seed"], 42);
    assert_eq!(summary["ticks"], 120);
    assert_eq!(summary["headline"]["ticks"], 120);
    assert_eq!(summary["scenario_sha256"].as_str().unwrap().len(), 64);
    // A second run gets the next free name.
    kyoso()
        .args(["run", "--quiet", "--ticks", "3"])
        .current_dir(cwd.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("runs/default-seed42-002"));
    no_partial_left(&cwd.path().join("runs"));
}

#[test]
fn same_seed_gives_byte_identical_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    for dir in [&a, &b] {
        kyoso()
            .args([
                "run", "--quiet", "--csv", "--ticks", "36", "--seed", "9", "--out",
            ])
            .arg(dir)
            .assert()
            .success();
    }
    for f in FILES
        .iter()
        .chain(&["ticks.csv", "firms.csv", "events.csv"])
    {
        assert_eq!(
            fs::read(a.join(f)).unwrap(),
            fs::read(b.join(f)).unwrap(),
            "{f} differs between identical runs"
        );
    }
    kyoso()
        .args(["run", "--quiet", "--ticks", "36", "--seed", "10", "--out"])
        .arg(&c)
        .assert()
        .success();
    assert_ne!(
        fs::read(a.join("ticks.parquet")).unwrap(),
        fs::read(c.join("ticks.parquet")).unwrap()
    );
}

#[test]
fn resolved_scenario_reruns_bit_for_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first");
    kyoso()
        .args([
            "run",
            "--quiet",
            "--preset",
            "china",
            "--ticks",
            "12",
            "--set",
            "encounters.detect=0.4",
            "--out",
        ])
        .arg(&first)
        .assert()
        .success();
    let again = tmp.path().join("again");
    kyoso()
        .args(["run", "--quiet", "--scenario"])
        .arg(first.join("scenario.toml"))
        .arg("--out")
        .arg(&again)
        .assert()
        .success();
    for f in [
        "scenario.toml",
        "ticks.parquet",
        "firms.parquet",
        "events.parquet",
    ] {
        assert_eq!(
            fs::read(first.join(f)).unwrap(),
            fs::read(again.join(f)).unwrap(),
            "{f} differs on re-run"
        );
    }
    // `scenario show` prints a scenario that resolves to the same thing.
    let shown = kyoso()
        .args([
            "scenario",
            "show",
            "--preset",
            "china",
            "--ticks",
            "12",
            "--set",
            "encounters.detect=0.4",
        ])
        .assert()
        .success();
    let file = tmp.path().join("shown.toml");
    fs::write(&file, &shown.get_output().stdout).unwrap();
    let third = tmp.path().join("third");
    kyoso()
        .args(["run", "--quiet", "--scenario"])
        .arg(&file)
        .arg("--out")
        .arg(&third)
        .assert()
        .success();
    assert_eq!(
        fs::read(first.join("ticks.parquet")).unwrap(),
        fs::read(third.join("ticks.parquet")).unwrap()
    );
}

#[test]
fn scenario_show_lists_every_parameter_and_presets_are_listed() {
    kyoso()
        .args(["scenario", "show"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("[mechanisms]")
                .and(predicate::str::contains("homophily = 0.7"))
                .and(predicate::str::contains("[origins.JP]")),
        );
    kyoso().arg("presets").assert().success().stdout(
        predicate::str::contains("china")
            .and(predicate::str::contains("southeast-asia"))
            .and(predicate::str::contains("us-west-coast")),
    );
}

#[test]
fn csv_flag_writes_csv_beside_parquet() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    kyoso()
        .args(["run", "--quiet", "--csv", "--ticks", "5", "--out"])
        .arg(&out)
        .assert()
        .success();
    let ticks = fs::read_to_string(out.join("ticks.csv")).unwrap();
    assert!(ticks.starts_with("tick,metric,group_by,group,value,unit\n"));
    assert!(out.join("firms.csv").is_file() && out.join("events.csv").is_file());
}

/// Runs `kyoso run` with extra args and expects exit status 2 with every needle on stderr.
fn bad_input(args: &[&str], needles: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let assert = kyoso()
        .arg("run")
        .args(args)
        .arg("--out")
        .arg(&out)
        .current_dir(tmp.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    for n in needles {
        assert!(stderr.contains(n), "stderr lacks {n:?}:\n{stderr}");
    }
    assert!(!out.exists(), "bad input left an output folder");
    no_partial_left(tmp.path());
}

#[test]
fn malformed_scenario_file_names_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("broken.toml");
    fs::write(&file, "[market]\nsegments = 4\nomega_cross = = 0.2\n").unwrap();
    bad_input(
        &["--scenario", file.to_str().unwrap()],
        &["broken.toml", "line 3", "column"],
    );
}

#[test]
fn unknown_keys_are_named_with_the_nearest_valid_key() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("typo.toml");
    fs::write(&file, "[encounters]\nhomophilly = 0.5\n").unwrap();
    bad_input(
        &["--scenario", file.to_str().unwrap()],
        &[
            "typo.toml",
            "unknown key `encounters.homophilly`",
            "did you mean `encounters.homophily`",
        ],
    );
    bad_input(
        &["--set", "market.segmnets=3"],
        &["unknown key `market.segmnets`", "market.segments"],
    );
}

#[test]
fn out_of_range_values_name_key_value_and_range() {
    bad_input(
        &["--set", "encounters.detect=1.5"],
        &["encounters.detect = 1.5", "[0, 1]"],
    );
    bad_input(&["--set", "origins.JP.firms=-3"], &["origins.JP.firms"]);
    bad_input(
        &["--set", "origins.LOCAL.strategy_mix.open=0.5"],
        &["origins.LOCAL.strategy_mix (sum)", "sum to 1"],
    );
    bad_input(
        &["--set", "population.home_origin=\"KR\""],
        &["population.home_origin", "KR", "JP, LOCAL, OTHER"],
    );
    bad_input(
        &["--set", "origins.JP.strategy_mix={calibated=1.0}"],
        &["calibated", "did you mean `calibrated`"],
    );
    bad_input(&["--ticks", "0"], &["run.ticks = 0"]);
    bad_input(
        &["--preset", "chinaa"],
        &["unknown preset `chinaa`", "did you mean `china`"],
    );
    bad_input(&["--set", "nonsense"], &["--set nonsense", "key=value"]);
    bad_input(
        &["--scenario", "does-not-exist.toml"],
        &["does-not-exist.toml"],
    );
}

#[test]
fn an_existing_output_folder_is_refused_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("taken");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("keep.txt"), "precious").unwrap();
    kyoso()
        .args(["run", "--quiet", "--ticks", "3", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not empty").and(predicate::str::contains("--force")));
    assert_eq!(
        fs::read_to_string(out.join("keep.txt")).unwrap(),
        "precious"
    );
    kyoso()
        .args(["run", "--quiet", "--ticks", "3", "--force", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(!out.join("keep.txt").exists() && out.join("summary.json").is_file());
    // An existing empty folder is fine without --force.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    kyoso()
        .args(["run", "--quiet", "--ticks", "3", "--out"])
        .arg(&empty)
        .assert()
        .success();
    no_partial_left(tmp.path());
}

#[test]
fn an_interrupted_run_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("never");
    let bin = assert_cmd::cargo::cargo_bin("kyoso");
    let mut child = StdCommand::new(bin)
        .args(["run", "--quiet", "--ticks", "1000000", "--out"])
        .arg(&out)
        .current_dir(tmp.path())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(800));
    let status = StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = child.wait().unwrap().code();
    assert_eq!(code, Some(130));
    assert!(!out.exists());
    no_partial_left(tmp.path());
}

#[test]
fn usage_errors_exit_with_status_2() {
    kyoso().args(["run", "--no-such-flag"]).assert().code(2);
    kyoso()
        .args(["run", "--seed", "minus-one"])
        .assert()
        .code(2);
    kyoso().assert().code(2);
}
