//! End-to-end tests of `kyoso sweep` and `kyoso merge`.

use std::fs;
use std::path::Path;
use std::process::Command as StdCommand;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;

fn kyoso() -> Command {
    Command::cargo_bin("kyoso").unwrap()
}

/// A small sweep: 2 x 2 points, 3 reps, 12 ticks each.
const SMALL: [&str; 10] = [
    "sweep",
    "silent-rivalry",
    "--vary",
    "encounters.detect=0.1,0.6",
    "--vary",
    "market.segments=2:4:2",
    "--reps",
    "3",
    "--ticks",
    "12",
];

fn same_files(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        let (x, y) = (fs::read(a.join(f)).unwrap(), fs::read(b.join(f)).unwrap());
        assert!(
            x == y,
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn one_and_two_jobs_give_identical_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    kyoso()
        .args(SMALL)
        .args(["--keep-ticks", "--firm-ticks", "--firm-ticks-every", "4"])
        .args(["--quiet", "--jobs", "1", "--out"])
        .arg(&a)
        .assert()
        .success();
    kyoso()
        .args(SMALL)
        .args(["--keep-ticks", "--firm-ticks", "--firm-ticks-every", "4"])
        .args(["--quiet", "--jobs", "2", "--out"])
        .arg(&b)
        .assert()
        .success();
    same_files(
        &a,
        &b,
        &[
            "runs.parquet",
            "summary.csv",
            "ticks.parquet",
            "firm_ticks.parquet",
            "manifest.json",
        ],
    );
    // Every run's firm-level rows, months 0, 4 and 8, run columns in front.
    let cols = kyoso_io::read::columns(&a.join("firm_ticks.parquet")).unwrap();
    let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(&names[..5], ["run", "point", "rep", "tick", "firm"]);
    let file = fs::File::open(a.join("firm_ticks.parquet")).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let (mut runs, mut ticks) = (
        std::collections::BTreeSet::new(),
        std::collections::BTreeSet::new(),
    );
    for batch in reader {
        let batch = batch.unwrap();
        let col = |n: &str| {
            batch
                .column_by_name(n)
                .unwrap()
                .as_any()
                .downcast_ref::<arrow_array::Int64Array>()
                .unwrap()
                .clone()
        };
        runs.extend(col("run").values().iter().copied());
        ticks.extend(col("tick").values().iter().copied());
    }
    assert_eq!(runs, (0..12).collect());
    assert_eq!(ticks, [0, 4, 8].into_iter().collect());
    let summary = fs::read_to_string(a.join("summary.csv")).unwrap();
    assert!(summary.starts_with(
        "point,encounters.detect,market.segments,metric,n,mean,sd,ci95_low,ci95_high,n_missing\n"
    ));
    assert!(summary.contains("\n3,0.6,4,exits,3,"), "{summary}");
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(a.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["runs_total"], 12);
    assert_eq!(manifest["complete"], true);
    assert_eq!(manifest["completed"], serde_json::json!([[0, 11]]));
}

#[test]
fn any_run_can_be_rerun_alone_from_its_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    kyoso()
        .args(SMALL)
        .args(["--quiet", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let metrics: Vec<String> = serde_json::from_value(manifest["spec"]["metrics"].clone()).unwrap();
    let journal = fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    let record: serde_json::Value = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|r| r["run"] == 10)
        .unwrap();
    // Run 10 = point 3 (detect 0.6, 4 segments), rep 1.
    assert_eq!(record["point"], 3);
    let seed = record["seed"].as_u64().unwrap().to_string();
    let single = tmp.path().join("single");
    kyoso()
        .args([
            "run",
            "--quiet",
            "--ticks",
            "12",
            "--set",
            "encounters.detect=0.6",
            "--set",
            "market.segments=4",
            "--seed",
            &seed,
            "--out",
        ])
        .arg(&single)
        .assert()
        .success();
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(single.join("summary.json")).unwrap()).unwrap();
    for name in [
        "firms_alive",
        "exits",
        "partnerships_formed",
        "expectation_gap_all",
        "capability_mean_final",
    ] {
        let k = metrics.iter().position(|m| m == name).unwrap();
        assert_eq!(
            record["metrics"][k].as_f64().unwrap(),
            summary["headline"][name].as_f64().unwrap(),
            "{name}"
        );
    }
}

#[test]
fn a_killed_sweep_resumes_to_exactly_the_uninterrupted_result() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "sweep",
        "silent-rivalry",
        "--vary",
        "encounters.detect=0.1:0.9:5",
        "--reps",
        "8",
        "--ticks",
        "60",
        "--jobs",
        "2",
        "--quiet",
    ];
    let full = tmp.path().join("full");
    kyoso()
        .args(args)
        .arg("--out")
        .arg(&full)
        .assert()
        .success();

    let cut = tmp.path().join("cut");
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("kyoso"))
        .args(args)
        .arg("--out")
        .arg(&cut)
        .spawn()
        .unwrap();
    let journal = cut.join("journal.jsonl");
    let start = Instant::now();
    loop {
        let lines = fs::read_to_string(&journal)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if lines >= 3 || start.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = fs::read_to_string(&journal).unwrap().lines().count();
    assert!(
        before < 40,
        "the sweep finished before it could be killed ({before} runs)"
    );
    assert!(!cut.join("runs.parquet").exists());
    // Simulate a torn write on top of the kill.
    fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .unwrap()
        .write_all_ext(b"{\"run\": 39, \"po");

    kyoso()
        .args(args)
        .arg("--resume")
        .arg("--out")
        .arg(&cut)
        .assert()
        .success();
    same_files(
        &full,
        &cut,
        &["runs.parquet", "summary.csv", "manifest.json"],
    );
    let lines: Vec<serde_json::Value> = fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut runs: Vec<u64> = lines.iter().map(|r| r["run"].as_u64().unwrap()).collect();
    runs.sort();
    assert_eq!(
        runs,
        (0..40).collect::<Vec<u64>>(),
        "runs lost or duplicated in the journal"
    );
}

trait WriteAllExt {
    fn write_all_ext(&mut self, data: &[u8]);
}

impl WriteAllExt for fs::File {
    fn write_all_ext(&mut self, data: &[u8]) {
        use std::io::Write;
        self.write_all(data).unwrap();
    }
}

#[test]
fn merged_shards_equal_the_unsharded_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    kyoso()
        .args(SMALL)
        .args(["--keep-ticks", "--firm-ticks", "--quiet", "--out"])
        .arg(&whole)
        .assert()
        .success();
    let mut shards = Vec::new();
    for i in 1..=3 {
        let d = tmp.path().join(format!("shard{i}"));
        kyoso()
            .args(SMALL)
            .args([
                "--keep-ticks",
                "--firm-ticks",
                "--quiet",
                "--shard",
                &format!("{i}/3"),
                "--out",
            ])
            .arg(&d)
            .assert()
            .success();
        shards.push(d);
    }
    let merged = tmp.path().join("merged");
    kyoso()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    same_files(
        &whole,
        &merged,
        &[
            "runs.parquet",
            "summary.csv",
            "ticks.parquet",
            "firm_ticks.parquet",
            "manifest.json",
        ],
    );
    // Each row once: the finished unsharded sweep and the merge keep only
    // the merged files; shards keep their parts for the merge.
    for d in [&whole, &merged] {
        for folder in ["ticks", "firm_ticks"] {
            assert!(!d.join(folder).exists(), "{} keeps {folder}/", d.display());
        }
    }
    for d in &shards {
        assert!(d.join("ticks").is_dir() && d.join("firm_ticks").is_dir());
    }
    // Resuming the finished sweep changes nothing.
    let before = fs::read(whole.join("ticks.parquet")).unwrap();
    kyoso()
        .args(SMALL)
        .args([
            "--keep-ticks",
            "--firm-ticks",
            "--quiet",
            "--resume",
            "--out",
        ])
        .arg(&whole)
        .assert()
        .success();
    assert_eq!(before, fs::read(whole.join("ticks.parquet")).unwrap());
    assert!(!whole.join("ticks").exists());

    // Missing shards, repeated shards and shards of another sweep are refused.
    kyoso()
        .arg("merge")
        .args(&shards[..2])
        .arg("--out")
        .arg(tmp.path().join("m2"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing"));
    kyoso()
        .arg("merge")
        .arg(&shards[0])
        .arg(&shards[0])
        .arg("--out")
        .arg(tmp.path().join("m3"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("given twice"));
    let other = tmp.path().join("other");
    kyoso()
        .args(SMALL)
        .args([
            "--keep-ticks",
            "--quiet",
            "--seed",
            "7",
            "--shard",
            "3/3",
            "--out",
        ])
        .arg(&other)
        .assert()
        .success();
    kyoso()
        .arg("merge")
        .arg(&shards[0])
        .arg(&shards[1])
        .arg(&other)
        .arg("--out")
        .arg(tmp.path().join("m4"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("different sweep").and(predicate::str::contains("seed")));
    assert!(!tmp.path().join("m4").exists());
}

/// Expects exit status 2, every needle on stderr, and no output folder.
fn rejected(extra: &[&str], needles: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let a = kyoso()
        .args(["sweep", "silent-rivalry", "--ticks", "5"])
        .args(extra)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    for n in needles {
        assert!(stderr.contains(n), "stderr lacks {n:?}:\n{stderr}");
    }
    assert!(!out.exists(), "a rejected sweep created its output folder");
}

#[test]
fn bad_sweeps_are_rejected_before_any_run() {
    rejected(
        &["--reps", "2", "--vary", "encounters.detct=0.1,0.2"],
        &["unknown key `encounters.detct`", "encounters.detect"],
    );
    rejected(
        &["--reps", "2", "--vary", "encounters.detect=0.5,1.5"],
        &["design point 1", "encounters.detect = 1.5", "[0, 1]"],
    );
    rejected(
        &["--reps", "2", "--vary", "encounters.detect"],
        &["--vary encounters.detect", "key="],
    );
    rejected(&["--reps", "0"], &["reps"]);
    rejected(
        &["--reps", "2", "--shard", "0/3"],
        &["--shard 0/3", "1 <= I <= N"],
    );
    rejected(&["--reps", "2", "--shard", "4/3"], &["--shard 4/3"]);
    let tmp = tempfile::tempdir().unwrap();
    let design = tmp.path().join("design.csv");
    fs::write(&design, "encounters.detect,market.segments\n0.1,2\n0.2\n").unwrap();
    rejected(
        &["--reps", "2", "--design", design.to_str().unwrap()],
        &["design.csv", "row 3", "1 fields"],
    );
    fs::write(&design, "encounters.detect,market.segments\n0.1,2\n0.2,\n").unwrap();
    rejected(
        &["--reps", "2", "--design", design.to_str().unwrap()],
        &["design.csv", "row 3, column 2", "market.segments"],
    );
    fs::write(&design, "encounters.detect,market.segmentz\n0.1,2\n").unwrap();
    rejected(
        &["--reps", "2", "--design", design.to_str().unwrap()],
        &["unknown key `market.segmentz`"],
    );
}

#[test]
fn design_files_and_folder_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let design = tmp.path().join("lhs.csv");
    fs::write(
        &design,
        "encounters.detect,market.gamma_intel\n0.15,0.5\n0.85,2.0\n0.5,1.0\n",
    )
    .unwrap();
    let out = tmp.path().join("d");
    kyoso()
        .args([
            "sweep",
            "silent-rivalry",
            "--ticks",
            "6",
            "--reps",
            "2",
            "--quiet",
            "--design",
        ])
        .arg(&design)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let summary = fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.contains("\n2,0.5,1.0,firms_alive,2,"), "{summary}");
    // A finished sweep folder is not overwritten; --resume of the same sweep is a no-op; of another one, refused.
    kyoso()
        .args([
            "sweep",
            "silent-rivalry",
            "--ticks",
            "6",
            "--reps",
            "2",
            "--quiet",
            "--design",
        ])
        .arg(&design)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--resume"));
    kyoso()
        .args([
            "sweep",
            "silent-rivalry",
            "--ticks",
            "6",
            "--reps",
            "2",
            "--quiet",
            "--resume",
            "--design",
        ])
        .arg(&design)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    kyoso()
        .args([
            "sweep",
            "silent-rivalry",
            "--ticks",
            "6",
            "--reps",
            "3",
            "--quiet",
            "--resume",
            "--design",
        ])
        .arg(&design)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("different sweep")
                .and(predicate::str::contains("reps 2 vs 3")),
        );
}

#[test]
fn the_slurm_example_runs_as_a_job_array_and_merges() {
    let tmp = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/slurm-sweep.sh");
    let bin = assert_cmd::cargo::cargo_bin("kyoso");
    let root = tmp.path().join("array");
    for task in 1..=3 {
        let status = StdCommand::new("bash")
            .arg(&script)
            .env("SLURM_ARRAY_TASK_COUNT", "3")
            .env("SLURM_ARRAY_TASK_ID", task.to_string())
            .env("SLURM_CPUS_PER_TASK", "1")
            .env("KYOSO", &bin)
            .env("REPS", "1")
            .env("EXTRA", "--ticks 3")
            .env("ROOT", &root)
            .status()
            .unwrap();
        assert!(status.success(), "array task {task} failed");
    }
    let shards: Vec<_> = (1..=3)
        .map(|i| root.join(format!("shard-{i:03}")))
        .collect();
    let merged = tmp.path().join("merged");
    kyoso()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    let whole = tmp.path().join("whole");
    kyoso()
        .args([
            "sweep",
            "silent-rivalry",
            "--vary",
            "encounters.detect=0:1:11",
            "--vary",
            "market.omega_cross=0.1,0.2,0.4",
        ])
        .args([
            "--reps", "1", "--seed", "2026", "--ticks", "3", "--quiet", "--out",
        ])
        .arg(&whole)
        .assert()
        .success();
    same_files(
        &whole,
        &merged,
        &["runs.parquet", "summary.csv", "manifest.json"],
    );
}

#[test]
fn the_kubernetes_example_shards_match_its_completions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let job = fs::read_to_string(dir.join("k8s-sweep.yaml")).unwrap();
    assert!(job.contains("completionMode: Indexed") && job.contains("completions: 16"));
    assert!(
        job.contains("SHARD=$((JOB_COMPLETION_INDEX + 1))")
            && job.contains("--shard $SHARD/16")
            && job.contains("--resume")
    );
    let merge = fs::read_to_string(dir.join("k8s-merge.yaml")).unwrap();
    assert!(merge.contains("kyoso merge /data/detect/shard-* --out /data/detect/merged"));
    // The sweep command of the manifest is valid: check it with the real binary on a tiny run.
    let tmp = tempfile::tempdir().unwrap();
    kyoso()
        .args([
            "sweep",
            "silent-rivalry",
            "--vary",
            "encounters.detect=0:1:11",
            "--vary",
            "market.omega_cross=0.1,0.2,0.4",
        ])
        .args([
            "--reps", "1", "--seed", "2026", "--jobs", "4", "--shard", "16/16", "--resume",
            "--quiet", "--ticks", "2", "--out",
        ])
        .arg(tmp.path().join("shard-016"))
        .assert()
        .success();
}

#[test]
fn the_classic_models_sweep_too() {
    let tmp = tempfile::tempdir().unwrap();
    let runs: [(&str, Vec<&str>); 3] = [
        (
            "spatial-pd",
            vec![
                "--vary",
                "b=1.6,1.9",
                "--set",
                "size=30",
                "--ticks",
                "20",
                "--keep-ticks",
            ],
        ),
        (
            "ethnocentrism",
            vec![
                "--vary",
                "cost=0.005,0.02",
                "--set",
                "size=16",
                "--ticks",
                "60",
                "--keep-ticks",
            ],
        ),
        (
            "tournament",
            vec![
                "--vary",
                "noise=0,0.05",
                "--set",
                "repetitions=2",
                "--ticks",
                "30",
            ],
        ),
    ];
    for (model, extra) in runs {
        let (a, b) = (
            tmp.path().join(format!("{model}-1")),
            tmp.path().join(format!("{model}-2")),
        );
        for (dir, jobs) in [(&a, "1"), (&b, "2")] {
            kyoso()
                .args(["sweep", model, "--reps", "2", "--quiet", "--jobs", jobs])
                .args(&extra)
                .arg("--out")
                .arg(dir)
                .assert()
                .success();
        }
        let mut files = vec!["runs.parquet", "summary.csv", "manifest.json"];
        if extra.contains(&"--keep-ticks") {
            files.push("ticks.parquet");
        }
        same_files(&a, &b, &files);
        let manifest: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(a.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(manifest["spec"]["model"], model);
        assert_eq!(manifest["runs_total"], 4);
    }
    let summary = fs::read_to_string(tmp.path().join("spatial-pd-1/summary.csv")).unwrap();
    assert!(
        summary.contains("\n1,1.9,cooperator_fraction,2,"),
        "{summary}"
    );
    let summary = fs::read_to_string(tmp.path().join("tournament-1/summary.csv")).unwrap();
    assert!(
        summary.contains(",median_score_tit-for-tat,2,"),
        "{summary}"
    );
}

#[test]
fn classic_sweeps_reject_bad_parameters_before_running() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    kyoso()
        .args([
            "sweep",
            "spatial-pd",
            "--reps",
            "1",
            "--vary",
            "bb=1,2",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown key `bb`").and(predicate::str::contains("`b`")));
    kyoso()
        .args([
            "sweep",
            "spatial-pd",
            "--reps",
            "1",
            "--set",
            "neighbourhood=hex",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("neighbourhood").and(predicate::str::contains("von-neumann")),
        );
    kyoso()
        .args([
            "sweep",
            "ethnocentrism",
            "--reps",
            "1",
            "--vary",
            "death=0.1,1.5",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("design point 1"));
    kyoso()
        .args([
            "sweep",
            "tournament",
            "--reps",
            "1",
            "--set",
            "players=tit-for-tat,nonsense",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nonsense"));
    kyoso()
        .args([
            "sweep",
            "tournament",
            "--reps",
            "1",
            "--preset",
            "nope",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("axelrod-first"));
    assert!(!out.exists());
}

/// A sweep long enough to be caught running: 5 points x 8 reps of 60 ticks.
const LONG: [&str; 11] = [
    "sweep",
    "silent-rivalry",
    "--vary",
    "encounters.detect=0.1:0.9:5",
    "--reps",
    "8",
    "--ticks",
    "60",
    "--jobs",
    "1",
    "--quiet",
];

fn spawn(args: &[&str], out: &Path) -> std::process::Child {
    StdCommand::new(assert_cmd::cargo::cargo_bin("kyoso"))
        .args(args)
        .arg("--out")
        .arg(out)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for_lines(journal: &Path, n: usize) {
    let start = Instant::now();
    while fs::read_to_string(journal).map_or(0, |t| t.lines().count()) < n
        && start.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_second_process_on_a_running_sweep_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    let mut first = spawn(&LONG, &out);
    wait_for_lines(&out.join("journal.jsonl"), 1);
    kyoso()
        .args(LONG)
        .arg("--resume")
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("another kyoso process"));
    kyoso().args(LONG).arg("--out").arg(&out).assert().code(2);
    assert!(
        first.wait().unwrap().success(),
        "the first process finishes"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["complete"], true);
    // Once it is done, the folder can be resumed (nothing to do).
    kyoso()
        .args(LONG)
        .arg("--resume")
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
}

#[test]
fn sigterm_and_sighup_stop_a_sweep_that_then_resumes_to_the_same_result() {
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full");
    kyoso()
        .args(LONG)
        .arg("--out")
        .arg(&full)
        .assert()
        .success();
    for signal in ["-TERM", "-HUP"] {
        let cut = tmp.path().join(format!("cut{signal}"));
        let child = spawn(&LONG, &cut);
        wait_for_lines(&cut.join("journal.jsonl"), 2);
        StdCommand::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(130), "after kill {signal}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--resume"), "{stderr}");
        kyoso()
            .args(LONG)
            .arg("--resume")
            .arg("--out")
            .arg(&cut)
            .assert()
            .success();
        same_files(
            &full,
            &cut,
            &["runs.parquet", "summary.csv", "manifest.json"],
        );
    }
}

#[test]
fn a_sweep_killed_before_its_manifest_restarts_without_help() {
    for resume in [false, true] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("s");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("manifest.tmp"), "{\"kyoso_ver").unwrap();
        let mut cmd = kyoso();
        cmd.args(SMALL).arg("--quiet").arg("--out").arg(&out);
        if resume {
            cmd.arg("--resume");
        }
        cmd.assert().success();
        assert!(out.join("runs.parquet").is_file() && !out.join("manifest.tmp").exists());
    }
    // A folder with anything else in it is still refused.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("manifest.tmp"), "x").unwrap();
    fs::write(out.join("notes.txt"), "mine").unwrap();
    kyoso()
        .args(SMALL)
        .arg("--resume")
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    assert!(out.join("notes.txt").is_file());
}

#[test]
fn tampered_journal_lines_are_refused_with_their_line_number() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good");
    kyoso()
        .args(SMALL)
        .arg("--quiet")
        .arg("--out")
        .arg(&good)
        .assert()
        .success();
    let journal = fs::read_to_string(good.join("journal.jsonl")).unwrap();
    let second = journal.lines().nth(1).unwrap().to_string();
    let line: serde_json::Value = serde_json::from_str(&second).unwrap();
    let seed = line["seed"].as_u64().unwrap();
    let metric = line["metrics"][3].to_string();
    let edits = [
        (format!("\"seed\":{seed}"), format!("\"seed\":{}", seed ^ 1)),
        (
            format!("\"point\":{}", line["point"]),
            "\"point\":3".to_string(),
        ),
        (metric.clone(), "12345.0".to_string()),
    ];
    for (from, to) in edits {
        assert!(second.contains(&from), "{from} not in {second}");
        let cut = tmp.path().join("cut");
        let _ = fs::remove_dir_all(&cut);
        fs::create_dir(&cut).unwrap();
        fs::copy(good.join("manifest.json"), cut.join("manifest.json")).unwrap();
        let edited: Vec<String> = journal
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i == 1 {
                    l.replacen(&from, &to, 1)
                } else {
                    l.to_string()
                }
            })
            .collect();
        fs::write(cut.join("journal.jsonl"), edited.join("\n") + "\n").unwrap();
        kyoso()
            .args(SMALL)
            .args(["--quiet", "--resume", "--out"])
            .arg(&cut)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("journal.jsonl line 2"));
    }
}

#[test]
fn merge_refuses_overlapping_or_inconsistent_shard_sets() {
    let tmp = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    for shard in ["1/3", "2/3", "3/3", "1/2"] {
        let d = tmp.path().join(shard.replace('/', "of"));
        kyoso()
            .args(SMALL)
            .args(["--quiet", "--shard", shard, "--out"])
            .arg(&d)
            .assert()
            .success();
        dirs.push(d);
    }
    let merged = tmp.path().join("merged");
    kyoso()
        .arg("merge")
        .args(&dirs)
        .arg("--out")
        .arg(&merged)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("same N parts"));
    kyoso()
        .arg("merge")
        .args(&dirs[..2])
        .arg("--out")
        .arg(&merged)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("1 of 3 shards missing (3/3)"));
    assert!(!merged.exists());
    // A file as --out is the user's error, as for kyoso run.
    let file = tmp.path().join("file");
    fs::write(&file, "x").unwrap();
    kyoso()
        .arg("merge")
        .args(&dirs[..3])
        .arg("--out")
        .arg(&file)
        .assert()
        .code(2);
    kyoso()
        .arg("merge")
        .args(&dirs[..3])
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
}

#[test]
fn grid_values_are_stored_and_shown_as_the_decimals_typed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    kyoso()
        .args([
            "sweep",
            "silent-rivalry",
            "--vary",
            "encounters.detect=0:1:11",
            "--reps",
            "1",
            "--ticks",
            "2",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let summary = fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(
        summary.contains("\n3,0.3,") && summary.contains("\n6,0.6,"),
        "{summary}"
    );
    // The grid column (the second) holds the decimals as typed; metric
    // values may carry any float digits.
    for line in summary.lines().skip(1) {
        let value = line.split(',').nth(1).unwrap();
        assert!(!value.contains("0000000"), "{line}");
    }
    let file = fs::File::open(out.join("runs.parquet")).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut values = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let col = batch
            .column_by_name("encounters.detect")
            .unwrap()
            .as_any()
            .downcast_ref::<arrow_array::Float64Array>()
            .unwrap()
            .clone();
        values.extend(col.values().iter().copied());
    }
    assert_eq!(values[3], 0.3);
    assert_eq!(values[6], 0.6);
    assert_eq!(values[7], 0.7);
}

#[test]
fn every_seed_a_sweep_writes_reruns_and_huge_seeds_are_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    kyoso()
        .args(SMALL)
        .arg("--quiet")
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let journal = fs::read_to_string(out.join("journal.jsonl")).unwrap();
    for line in journal.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        // Exact in JavaScript's numbers and R's doubles.
        assert!(v["seed"].as_u64().unwrap() < 1 << 53, "{line}");
    }
    // A seed of an older sweep (above 2^63) runs, and its scenario re-runs.
    let run = tmp.path().join("r");
    kyoso()
        .args([
            "run",
            "--quiet",
            "--ticks",
            "3",
            "--seed",
            "18116008155350138704",
            "--out",
        ])
        .arg(&run)
        .assert()
        .success();
    let summary = fs::read_to_string(run.join("summary.json")).unwrap();
    assert!(summary.contains("18116008155350138704"), "{summary}");
    let again = tmp.path().join("again");
    kyoso()
        .args(["run", "--quiet", "--scenario"])
        .arg(run.join("scenario.toml"))
        .arg("--out")
        .arg(&again)
        .assert()
        .success();
    assert_eq!(
        fs::read(run.join("ticks.parquet")).unwrap(),
        fs::read(again.join("ticks.parquet")).unwrap()
    );
}

#[test]
fn oversized_sweeps_are_refused_at_once() {
    let start = Instant::now();
    kyoso()
        .args([
            "sweep",
            "silent-rivalry",
            "--reps",
            "4294967295",
            "--out",
            "never",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("allowed: 1 to 1000000"));
    kyoso()
        .args([
            "sweep",
            "silent-rivalry",
            "--reps",
            "1",
            "--shard",
            "1/4294967296",
            "--out",
            "never",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("from 1 to 4294967295"));
    assert!(start.elapsed() < Duration::from_secs(30));
    assert!(!Path::new("never").exists());
}
