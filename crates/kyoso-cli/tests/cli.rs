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
    // --force never replaces a folder kyoso did not write.
    kyoso()
        .args(["run", "--quiet", "--ticks", "3", "--force", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a folder kyoso wrote"));
    assert_eq!(
        fs::read_to_string(out.join("keep.txt")).unwrap(),
        "precious"
    );
    // It replaces a run folder kyoso wrote, and leaves nothing aside.
    let run = tmp.path().join("run");
    for ticks in ["3", "4"] {
        kyoso()
            .args(["run", "--quiet", "--ticks", ticks, "--force", "--out"])
            .arg(&run)
            .assert()
            .success();
    }
    let summary = fs::read_to_string(run.join("summary.json")).unwrap();
    assert!(summary.contains("\"ticks\": 4"), "{summary}");
    // An existing empty folder is fine without --force.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    kyoso()
        .args(["run", "--quiet", "--ticks", "3", "--out"])
        .arg(&empty)
        .assert()
        .success();
    no_partial_left(tmp.path());
    let names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with(".kyoso")), "{names:?}");
}

/// A folder tree with a file of the user's in every folder.
fn user_tree(root: &Path) -> Vec<std::path::PathBuf> {
    let dirs = [root.join("a"), root.join("a/b"), root.join("a/b/c")];
    let mut files = Vec::new();
    for d in &dirs {
        fs::create_dir_all(d).unwrap();
        let f = d.join("mine.txt");
        fs::write(&f, "mine").unwrap();
        files.push(f);
    }
    files
}

#[test]
fn force_refuses_the_current_folder_its_ancestors_and_upward_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let files = user_tree(tmp.path());
    let cwd = tmp.path().join("a/b/c");
    let abs_a = tmp.path().join("a").to_string_lossy().into_owned();
    let abs_cwd = cwd.to_string_lossy().into_owned();
    for out in [
        ".", "..", "../..", "./", "sub/..", "../b/..", &abs_a, &abs_cwd, "/",
    ] {
        kyoso()
            .args(["run", "--quiet", "--ticks", "2", "--force", "--out", out])
            .current_dir(&cwd)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--force refused"));
        for f in &files {
            assert!(f.is_file(), "--out {out} --force deleted {}", f.display());
        }
    }
    // The current folder is refused even when it looks like a kyoso folder.
    let run = tmp.path().join("run");
    kyoso()
        .args(["run", "--quiet", "--ticks", "2", "--out"])
        .arg(&run)
        .assert()
        .success();
    kyoso()
        .args(["run", "--quiet", "--ticks", "2", "--force", "--out", "."])
        .current_dir(&run)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("current folder"));
    assert!(run.join("summary.json").is_file());
    // The home folder, and a symbolic link to a kyoso folder.
    let home = tmp.path().join("a");
    kyoso()
        .args(["run", "--quiet", "--ticks", "2", "--force", "--out"])
        .arg(&home)
        .env("HOME", &home)
        .current_dir(tmp.path())
        .assert()
        .code(2);
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&run, &link).unwrap();
    kyoso()
        .args(["run", "--quiet", "--ticks", "2", "--force", "--out"])
        .arg(&link)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("symbolic link"));
    assert!(run.join("summary.json").is_file());
    for f in &files {
        assert!(f.is_file());
    }
}

#[test]
fn parallel_runs_with_the_default_name_each_get_their_own_folder() {
    let cwd = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("kyoso");
    let children: Vec<_> = (0..4)
        .map(|_| {
            StdCommand::new(&bin)
                .args(["run", "--quiet", "--ticks", "30"])
                .current_dir(cwd.path())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut printed = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "a parallel run failed");
        printed.push(String::from_utf8(out.stdout).unwrap().trim().to_string());
    }
    printed.sort();
    let expected: Vec<String> = (1..=4)
        .map(|n| format!("runs/default-seed42-{n:03}"))
        .collect();
    assert_eq!(printed, expected);
    let first = fs::read(cwd.path().join("runs/default-seed42-001/ticks.parquet")).unwrap();
    for n in 2..=4 {
        let other = fs::read(
            cwd.path()
                .join(format!("runs/default-seed42-{n:03}/ticks.parquet")),
        )
        .unwrap();
        assert_eq!(first, other, "same scenario and seed, same bytes");
    }
    no_partial_left(&cwd.path().join("runs"));
}

#[test]
fn staging_folders_of_dead_processes_are_removed_at_the_next_start() {
    let cwd = tempfile::tempdir().unwrap();
    let runs = cwd.path().join("runs");
    // What a run killed with SIGKILL leaves: its pid cannot be alive (above pid_max).
    let stale = runs.join(".kyoso-partial-4194999-abcdef");
    fs::create_dir_all(&stale).unwrap();
    fs::write(stale.join("ticks.parquet"), "half").unwrap();
    kyoso()
        .args(["run", "--quiet", "--ticks", "2"])
        .current_dir(cwd.path())
        .assert()
        .success();
    assert!(!stale.exists());
    no_partial_left(&runs);
}

#[test]
fn an_interrupted_run_leaves_nothing_behind() {
    // SIGTERM and SIGHUP are handled like SIGINT.
    for signal in ["-INT", "-TERM", "-HUP"] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("never");
        let bin = assert_cmd::cargo::cargo_bin("kyoso");
        let mut child = StdCommand::new(bin)
            .args([
                "run",
                "--quiet",
                "--ticks",
                "1000000",
                "--set",
                "mechanisms.demand_growth=false",
                "--out",
            ])
            .arg(&out)
            .current_dir(tmp.path())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(800));
        let status = StdCommand::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let code = child.wait().unwrap().code();
        assert_eq!(code, Some(130), "after kill {signal}");
        assert!(!out.exists());
        no_partial_left(tmp.path());
    }
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

#[test]
fn an_output_place_that_cannot_be_written_is_refused_before_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "a".repeat(256);
    for out in ["/proc/kyoso-cannot-be-here", long.as_str()] {
        let start = std::time::Instant::now();
        kyoso()
            .args([
                "run",
                "--quiet",
                "--ticks",
                "100000",
                "--set",
                "mechanisms.demand_growth=false",
                "--out",
                out,
            ])
            .current_dir(tmp.path())
            .assert()
            .code(2);
        // Refused before a 100,000-tick run, not after it.
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "{out}"
        );
    }
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn firm_ticks_are_written_on_request_every_k_months_and_reproducibly() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |name: &str, extra: &[&str]| {
        let dir = tmp.path().join(name);
        kyoso()
            .args(["run", "--quiet", "--ticks", "30", "--csv", "--out"])
            .arg(&dir)
            .args(extra)
            .assert()
            .success();
        dir
    };
    let plain = run("plain", &[]);
    assert!(!plain.join("firm_ticks.parquet").exists(), "opt-in only");
    let a = run("a", &["--firm-ticks"]);
    let b = run("b", &["--firm-ticks"]);
    assert_eq!(
        fs::read(a.join("firm_ticks.parquet")).unwrap(),
        fs::read(b.join("firm_ticks.parquet")).unwrap(),
        "same scenario and seed, same bytes"
    );
    // The other outputs are those of a run without it.
    for f in FILES {
        assert_eq!(
            fs::read(a.join(f)).unwrap(),
            fs::read(plain.join(f)).unwrap(),
            "{f}"
        );
    }
    let rows = |dir: &Path| -> Vec<Vec<String>> {
        let mut r = csv::Reader::from_path(dir.join("firm_ticks.csv")).unwrap();
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>(),
            [
                "tick",
                "firm",
                "strategy",
                "share",
                "capability",
                "cash",
                "profit",
                "rd",
                "partners",
                "trust_in_group",
                "trust_out_group",
                "intel_edge"
            ]
        );
        r.records()
            .map(|x| x.unwrap().iter().map(String::from).collect())
            .collect()
    };
    let all = rows(&a);
    // One row per firm alive at the end of each month: the ticks' count.
    let alive: f64 = fs::read_to_string(a.join("ticks.csv"))
        .unwrap()
        .lines()
        .filter(|l| l.contains(",firms_alive,all,all,"))
        .map(|l| l.split(',').nth(4).unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(all.len() as f64, alive);
    let every = run("every", &["--firm-ticks", "--firm-ticks-every", "12"]);
    let ticks: std::collections::BTreeSet<String> =
        rows(&every).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(
        ticks,
        ["0", "12", "24"].map(String::from).into_iter().collect()
    );
    // The recorded months are the same rows as in the full file.
    let full_12: Vec<_> = all
        .iter()
        .filter(|r| r[0] == "12")
        .map(|r| r[..9].to_vec())
        .collect();
    let every_12: Vec<_> = rows(&every)
        .into_iter()
        .filter(|r| r[0] == "12")
        .map(|r| r[..9].to_vec())
        .collect();
    assert_eq!(full_12, every_12);
    kyoso()
        .args(["run", "--firm-ticks-every", "3", "--out"])
        .arg(tmp.path().join("x"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--firm-ticks"));
}
