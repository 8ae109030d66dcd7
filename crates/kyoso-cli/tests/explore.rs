//! End-to-end tests of `kyoso explore`: designs feed sweeps, analyses read
//! them back, and bad input is refused with exit status 2, writing nothing.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn kyoso(cwd: &Path) -> Command {
    let mut c = Command::cargo_bin("kyoso").unwrap();
    c.current_dir(cwd);
    c
}

const SPACE: &str = "[[parameter]]\nkey = \"encounters.detect\"\nlow = 0.1\nhigh = 0.9\n\n[[parameter]]\nkey = \"market.omega_cross\"\nlow = 0.0\nhigh = 0.5\n";

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_morris_design_sweeps_and_its_analysis_ranks_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("space.toml"), SPACE).unwrap();
    kyoso(t)
        .args([
            "explore",
            "design",
            "morris",
            "--space",
            "space.toml",
            "--n",
            "4",
            "--seed",
            "5",
            "--out",
            "d.csv",
        ])
        .assert()
        .success();
    let csv = fs::read_to_string(t.join("d.csv")).unwrap();
    assert!(csv.starts_with("encounters.detect,market.omega_cross\n"));
    assert_eq!(csv.lines().count(), 1 + 4 * 3);
    let info: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(t.join("d.csv.json")).unwrap()).unwrap();
    assert_eq!(info["method"]["method"], "morris");
    assert_eq!(info["seed"], 5);
    // The same seed gives the same design.
    kyoso(t)
        .args([
            "explore",
            "design",
            "morris",
            "--space",
            "space.toml",
            "--n",
            "4",
            "--seed",
            "5",
            "--out",
            "again.csv",
        ])
        .assert()
        .success();
    assert_eq!(csv, fs::read_to_string(t.join("again.csv")).unwrap());
    kyoso(t)
        .args([
            "sweep",
            "silent-rivalry",
            "--design",
            "d.csv",
            "--reps",
            "2",
            "--ticks",
            "12",
            "--quiet",
            "--out",
            "sw",
        ])
        .assert()
        .success();
    kyoso(t)
        .args([
            "explore",
            "sensitivity",
            "morris",
            "sw",
            "--design",
            "d.csv",
            "--metric",
            "exits",
            "--resamples",
            "50",
            "--out",
            "sens",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("exits: parameters by mu_star"));
    let indices = fs::read_to_string(t.join("sens/indices.csv")).unwrap();
    assert!(
        indices.starts_with(
            "metric,parameter,parameter_2,index,estimate,ci_low,ci_high,noise_share\n"
        ),
        "{indices}"
    );
    // Three indices per parameter and the metric's noise floor.
    assert_eq!(indices.lines().count(), 1 + 2 * 3 + 1);
    assert!(
        indices.contains("\nexits,,,mu_star_noise_floor,"),
        "{indices}"
    );
    // A wrong analysis for the design, a missing metric: exit 2, nothing written.
    kyoso(t)
        .args([
            "explore",
            "sensitivity",
            "sobol",
            "sw",
            "--design",
            "d.csv",
            "--out",
            "x",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a morris design"));
    kyoso(t)
        .args([
            "explore",
            "sensitivity",
            "morris",
            "sw",
            "--design",
            "d.csv",
            "--metric",
            "exit",
            "--out",
            "x",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `exits`"));
    assert!(!t.join("x").exists());
    // An edited design no longer matches its sidecar.
    fs::write(t.join("d.csv"), csv.replacen("0.", "0.0", 1)).unwrap();
    kyoso(t)
        .args([
            "explore",
            "sensitivity",
            "morris",
            "sw",
            "--design",
            "d.csv",
            "--out",
            "x",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("differs"));
}

#[test]
fn bad_spaces_and_requests_are_refused_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let cases: [(&str, &[&str], &str); 7] = [
        (
            "[[parameter]]\nkey = \"encounters.detect\"\nlow = 0.5\nhigh = 0.2\n",
            &["lhs", "--n", "8"],
            "inverted",
        ),
        (
            "[[parameter]]\nkey = \"encounters.detect\"\nlow = 0.5\nhigh = 1.5\n",
            &["lhs", "--n", "8"],
            "allowed [0, 1]",
        ),
        (
            "[[parameter]]\nkey = \"encounters.detcet\"\nlow = 0.1\nhigh = 0.5\n",
            &["lhs", "--n", "8"],
            "did you mean `encounters.detect`",
        ),
        (
            "[[parameter]]\nkey = \"encounters.detect\"\nlow = 0.1\n",
            &["lhs", "--n", "8"],
            "`high` is missing",
        ),
        (SPACE, &["lhs", "--n", "1"], "too small"),
        (SPACE, &["morris", "--n", "4", "--levels", "3"], "even"),
        (SPACE, &["saltelli", "--n", "1"], "too small"),
    ];
    for (space, args, needle) in cases {
        fs::write(t.join("space.toml"), space).unwrap();
        let before = listing(t);
        kyoso(t)
            .args(["explore", "design"])
            .args(args)
            .args(["--space", "space.toml", "--out", "d.csv"])
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains(needle).and(
                    predicate::str::contains("space.toml")
                        .or(predicate::str::contains("--n"))
                        .or(predicate::str::contains("levels")),
                ),
            );
        assert_eq!(listing(t), before, "{args:?} wrote something");
    }
    // An existing design file is not replaced without --force.
    fs::write(t.join("space.toml"), SPACE).unwrap();
    fs::write(t.join("d.csv"), "mine").unwrap();
    kyoso(t)
        .args([
            "explore",
            "design",
            "lhs",
            "--n",
            "8",
            "--space",
            "space.toml",
            "--out",
            "d.csv",
        ])
        .assert()
        .code(2);
    assert_eq!(fs::read_to_string(t.join("d.csv")).unwrap(), "mine");
}

#[test]
fn discovery_finds_a_planted_region_of_a_table() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let space: String = ["a", "b", "c"]
        .iter()
        .map(|k| format!("[[parameter]]\nkey = \"{k}\"\nlow = 0\nhigh = 1\n\n"))
        .collect();
    fs::write(t.join("space.toml"), space).unwrap();
    kyoso(t)
        .args([
            "explore",
            "design",
            "lhs",
            "--model",
            "none",
            "--space",
            "space.toml",
            "--n",
            "400",
            "--out",
            "d.csv",
        ])
        .assert()
        .success();
    // The outcome is high exactly where a > 0.6 and c < 0.3.
    let design = fs::read_to_string(t.join("d.csv")).unwrap();
    let mut table = String::from("a,b,c,y\n");
    for line in design.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        let y = if v[0] > 0.6 && v[2] < 0.3 { 1.0 } else { 0.0 };
        table.push_str(&format!("{line},{y}\n"));
    }
    fs::write(t.join("results.csv"), table).unwrap();
    kyoso(t)
        .args([
            "explore",
            "discover",
            "results.csv",
            "--design",
            "d.csv",
            "--metric",
            "y",
            "--where",
            "> 0.5",
            "--min-coverage",
            "0.8",
            "--out",
            "found",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("restricted:\n  a ").and(predicate::str::contains("\n  c ")),
        );
    // The same region from a verdict column (text), as a robustness map writes.
    let mut verdicts = String::from("a,b,c,verdict\n");
    for line in design.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        let verdict = if v[0] > 0.6 && v[2] < 0.3 {
            "supported"
        } else {
            "mixed"
        };
        verdicts.push_str(&format!("{line},{verdict}\n"));
    }
    fs::write(t.join("verdicts.csv"), verdicts).unwrap();
    kyoso(t)
        .args([
            "explore",
            "discover",
            "verdicts.csv",
            "--design",
            "d.csv",
            "--metric",
            "verdict",
            "--where",
            "= supported",
            "--min-coverage",
            "0.8",
            "--out",
            "by-verdict",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("restricted:\n  a ").and(predicate::str::contains("\n  c ")),
        );
    assert_eq!(
        fs::read_to_string(t.join("by-verdict/boxes.csv")).unwrap(),
        fs::read_to_string(t.join("found/boxes.csv")).unwrap(),
        "a verdict column and the number it came from give the same boxes"
    );
    kyoso(t)
        .args([
            "explore",
            "discover",
            "verdicts.csv",
            "--design",
            "d.csv",
            "--metric",
            "verdict",
            "--where",
            "> 0",
            "--out",
            "bad-op",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a text column"));
    assert!(!t.join("bad-op").exists());
    let report = fs::read_to_string(t.join("found/report.html")).unwrap();
    assert!(report.contains("data-figure=\"prim-tradeoff\""));
    assert!(report.contains("<code>a</code>") && report.contains("<code>c</code>"));
    let boxes = fs::read_to_string(t.join("found/boxes.csv")).unwrap();
    let chosen: Vec<&str> = boxes.lines().filter(|l| l.starts_with("prim,")).collect();
    assert_eq!(chosen.len(), 3);
    assert!(
        chosen
            .iter()
            .any(|l| l.contains(",b,") && l.ends_with(",false")),
        "b is not restricted: {chosen:?}"
    );
    kyoso(t)
        .args([
            "explore",
            "discover",
            "results.csv",
            "--design",
            "d.csv",
            "--metric",
            "y",
            "--where",
            "> 5",
            "--out",
            "none",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds in no run"));
    assert!(!t.join("none").exists());
}

#[test]
fn the_plausible_space_makes_a_design_of_every_explored_parameter() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    kyoso(t)
        .args([
            "explore",
            "design",
            "morris",
            "--space",
            "plausible",
            "--n",
            "2",
            "--out",
            "d.csv",
        ])
        .assert()
        .success();
    let csv = fs::read_to_string(t.join("d.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert!(
        header.len() > 50 && header.contains(&"encounters.detect"),
        "{header:?}"
    );
    assert_eq!(csv.lines().count(), 1 + 2 * (header.len() + 1));
}

fn run_args(method: &'static str, out: &'static str, extra: &[&'static str]) -> Vec<&'static str> {
    let mut v = vec![
        "explore",
        "run",
        method,
        "silent-rivalry",
        "--space",
        "space.toml",
        "--n",
        "3",
        "--reps",
        "2",
        "--ticks",
        "12",
        "--jobs",
        "2",
        "--resamples",
        "100",
        "--out",
        out,
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn explore_run_designs_sweeps_analyses_and_reports_in_one_step() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("space.toml"), SPACE).unwrap();
    kyoso(t)
        .args(run_args("morris", "ex", &["--metric", "exits"]))
        .assert()
        .success()
        .stdout(predicate::str::contains("exits: parameters by mu_star"));
    assert_eq!(
        listing(&t.join("ex")),
        ["analysis", "design.csv", "design.csv.json", "sweep"]
    );
    // The design is the one `explore design` makes, and the sweep ran on it.
    kyoso(t)
        .args([
            "explore",
            "design",
            "morris",
            "--space",
            "space.toml",
            "--n",
            "3",
            "--out",
            "d.csv",
        ])
        .assert()
        .success();
    assert_eq!(
        fs::read(t.join("d.csv")).unwrap(),
        fs::read(t.join("ex/design.csv")).unwrap()
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(t.join("ex/sweep/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["runs_total"], 9 * 2);
    let indices = fs::read_to_string(t.join("ex/analysis/indices.csv")).unwrap();
    assert_eq!(indices.lines().count(), 1 + 2 * 3 + 1, "{indices}");
    let report = fs::read_to_string(t.join("ex/analysis/report.html")).unwrap();
    for figure in ["ranking-1", "mu-sigma-1", "scatter-1-1", "scatter-1-2"] {
        assert!(
            report.contains(&format!("data-figure=\"{figure}\"")),
            "{figure}"
        );
        assert!(t.join(format!("ex/analysis/figures/{figure}.png")).exists());
    }
    assert!(report.contains("Replication noise is"));
    // The same command in another folder gives the same indices, byte for byte.
    kyoso(t)
        .args(run_args("morris", "again", &["--metric", "exits", "-q"]))
        .assert()
        .success()
        .stdout("again\n");
    assert_eq!(
        indices,
        fs::read_to_string(t.join("again/analysis/indices.csv")).unwrap()
    );
    // `kyoso report` on the design sweep draws each metric against each
    // varied parameter (a scatter with a smoother), not one line per point.
    kyoso(t).args(["report", "again/sweep"]).assert().success();
    let sweep_report = fs::read_to_string(t.join("again/sweep/report.html")).unwrap();
    assert!(
        sweep_report.contains(" against ") && sweep_report.contains("smoother"),
        "design sweeps are drawn as scatters"
    );
    // The analysis by hand on the run's sweep agrees.
    kyoso(t)
        .args([
            "explore",
            "sensitivity",
            "morris",
            "ex/sweep",
            "--design",
            "ex/design.csv",
            "--metric",
            "exits",
            "--resamples",
            "100",
            "--out",
            "by-hand",
        ])
        .assert()
        .success();
    assert_eq!(
        indices,
        fs::read_to_string(t.join("by-hand/indices.csv")).unwrap()
    );
}

#[test]
fn explore_run_resumes_only_its_own_folder_and_design() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(t.join("space.toml"), SPACE).unwrap();
    // Too few rows for the analysis: refused before any run.
    kyoso(t)
        .args(run_args("regression", "ex", &["--metric", "exits", "-q"]))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("at least 5 are needed"));
    assert!(!t.join("ex").exists());
    let n8 = |mut v: Vec<&'static str>| {
        v[7] = "8";
        v
    };
    kyoso(t)
        .args(n8(run_args(
            "regression",
            "ex",
            &["--metric", "exits", "-q"],
        )))
        .assert()
        .success();
    let indices = fs::read(t.join("ex/analysis/indices.csv")).unwrap();
    // Again without --resume: refused; with it, the same result.
    kyoso(t)
        .args(n8(run_args("regression", "ex", &["--metric", "exits"])))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("use --resume"));
    kyoso(t)
        .args(n8(run_args(
            "regression",
            "ex",
            &["--metric", "exits", "--resume", "-q"],
        )))
        .assert()
        .success();
    assert_eq!(
        indices,
        fs::read(t.join("ex/analysis/indices.csv")).unwrap()
    );
    // Another design (other n, other method) is not resumed into it.
    let mut other = run_args("regression", "ex", &["--resume"]);
    other[7] = "9";
    kyoso(t)
        .args(&other)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds another design"));
    kyoso(t)
        .args(run_args("morris", "ex", &["--resume"]))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds another design"));
    // A user's folder is never written into.
    fs::create_dir(t.join("mine")).unwrap();
    fs::write(t.join("mine/notes.txt"), "mine").unwrap();
    kyoso(t)
        .args(run_args("morris", "mine", &["--resume"]))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not an exploration folder"));
    assert_eq!(listing(&t.join("mine")), ["notes.txt"]);
    // Bad spaces and models fail before anything is made.
    kyoso(t)
        .args([
            "explore",
            "run",
            "morris",
            "spatial-pd",
            "--space",
            "plausible",
            "--n",
            "2",
            "--out",
            "pd",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("silent-rivalry only"));
    assert!(!t.join("pd").exists());
}

#[test]
fn explore_run_explores_a_classic_model_and_a_table_from_another_tool() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(
        t.join("pd.toml"),
        "[[parameter]]\nkey = \"b\"\nlow = 1.2\nhigh = 2.2\n\n[[parameter]]\nkey = \"defectors\"\nlow = 0.05\nhigh = 0.5\n",
    )
    .unwrap();
    kyoso(t)
        .args([
            "explore",
            "run",
            "regression",
            "spatial-pd",
            "--space",
            "pd.toml",
            "--n",
            "16",
            "--set",
            "size=20",
            "--ticks",
            "20",
            "--reps",
            "2",
            "--resamples",
            "100",
            "--metric",
            "cooperator_fraction",
            "--out",
            "pd",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "cooperator_fraction: parameters by PRCC",
        ));
    let indices = fs::read_to_string(t.join("pd/analysis/indices.csv")).unwrap();
    assert!(
        indices.contains("cooperator_fraction,b,,PRCC,"),
        "{indices}"
    );
    // A space outside the model's range fails at validation, before any run.
    fs::write(
        t.join("bad.toml"),
        "[[parameter]]\nkey = \"defectors\"\nlow = 0.1\nhigh = 2\n",
    )
    .unwrap();
    kyoso(t)
        .args([
            "explore",
            "run",
            "regression",
            "spatial-pd",
            "--space",
            "bad.toml",
            "--n",
            "4",
            "--out",
            "bad",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("defectors"));
    assert!(!t.join("bad/sweep/journal.jsonl").exists());
}
