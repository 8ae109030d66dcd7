//! `kyoso serve` as a user starts it: the address it prints, its warnings,
//! its refusals, and a downloaded run that `kyoso run` reproduces.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use assert_cmd::cargo::cargo_bin;
use serde_json::{Value, json};

struct Server {
    child: Child,
    url: String,
    /// Kept open: the server may still write to it.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str]) -> (Server, std::process::ChildStderr) {
    let mut child = Command::new(cargo_bin("kyoso"))
        .args(["serve", "--no-open", "--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut line = String::new();
    let mut stdout = BufReader::new(stdout);
    stdout.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("kyoso serve listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim_end_matches('/')
        .to_string();
    (
        Server {
            child,
            url,
            _stdout: stdout,
        },
        stderr,
    )
}

#[test]
fn prints_its_loopback_address_and_serves_the_page() {
    let (server, _stderr) = serve(&[]);
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    let page = reqwest::blocking::get(format!("{}/", server.url)).unwrap();
    assert_eq!(page.status(), 200);
    let js = reqwest::blocking::get(format!("{}/assets/app.js", server.url)).unwrap();
    assert_eq!(js.status(), 200);
    assert!(js.bytes().unwrap().len() > 10_000, "the bundle is embedded");
}

#[test]
fn a_non_loopback_host_is_warned_about() {
    let (_server, stderr) = serve(&["--host", "0.0.0.0"]);
    let mut line = String::new();
    BufReader::new(stderr).read_line(&mut line).unwrap();
    assert!(
        line.contains("not loopback") && line.contains("anyone"),
        "{line}"
    );
}

#[test]
fn a_bad_base_scenario_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "[encounters]\ndetect = 3.0\n").unwrap();
    let out = Command::new(cargo_bin("kyoso"))
        .args(["serve", "--no-open", "--port", "0", "--scenario"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("encounters.detect = 3: allowed [0, 1]"),
        "{err}"
    );
    let out = Command::new(cargo_bin("kyoso"))
        .args(["serve", "--no-open", "--preset", "mars"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Steps a session with `seed` (as sent) 15 ticks, downloads it, and checks
/// that `kyoso run --scenario scenario.toml` in the unzipped folder writes
/// the same files bit for bit, and that the command the page shows (and
/// COMMAND.txt's) gives the same ticks.
fn download_reruns(seed: Value, want: u64) {
    let (server, _stderr) = serve(&["--preset", "china"]);
    let http = reqwest::blocking::Client::new();
    let session: Value = http
        .post(format!("{}/api/sessions", server.url))
        .json(&json!({"model": "silent-rivalry", "seed": seed, "set": {"encounters.detect": 0.6}}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = session["id"].as_str().unwrap();
    assert_eq!(session["seed"].as_u64(), Some(want));
    let command = format!("kyoso run --preset china --seed {want} --set encounters.detect=0.6");
    assert_eq!(session["command"], command.as_str());
    let state: Value = http
        .post(format!("{}/api/sessions/{id}/control", server.url))
        .json(&json!({"action": "step", "steps": 15}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(state["tick"], 15);
    let r = http
        .get(format!("{}/api/sessions/{id}/download", server.url))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "seed {want}");
    let zip = r.bytes().unwrap();
    let dir = tempfile::tempdir().unwrap();
    zip::ZipArchive::new(std::io::Cursor::new(zip.to_vec()))
        .unwrap()
        .extract(dir.path())
        .unwrap();
    let toml_text = std::fs::read_to_string(dir.path().join("scenario.toml")).unwrap();
    let status = Command::new(cargo_bin("kyoso"))
        .args([
            "run",
            "--quiet",
            "--scenario",
            "scenario.toml",
            "--out",
            "rerun",
        ])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(status.success(), "{toml_text}");
    for f in kyoso_io::RUN_FILES {
        assert_eq!(
            std::fs::read(dir.path().join(f)).unwrap(),
            std::fs::read(dir.path().join("rerun").join(f)).unwrap(),
            "{f} differs from kyoso run's"
        );
    }
    let summary: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("rerun/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["seed"].as_u64(), Some(want));
    // The live view's own command line, as shown and as in COMMAND.txt,
    // gives the same ticks.
    let told = std::fs::read_to_string(dir.path().join("COMMAND.txt")).unwrap();
    let shown = format!("{command} --ticks 15");
    assert!(told.lines().any(|l| l == shown), "{told}");
    let status = Command::new(cargo_bin("kyoso"))
        .args(shown.split_whitespace().skip(1))
        .args(["--quiet", "--out", "from-command"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    for f in ["ticks.parquet", "firms.parquet", "events.parquet"] {
        assert_eq!(
            std::fs::read(dir.path().join(f)).unwrap(),
            std::fs::read(dir.path().join("from-command").join(f)).unwrap(),
            "{f} differs from the shown command's"
        );
    }
}

#[test]
fn a_downloaded_run_is_reproduced_by_kyoso_run_bit_for_bit() {
    download_reruns(json!(5), 5);
}

#[test]
fn a_download_with_a_seed_above_2_63_reruns_bit_for_bit() {
    const SEED: u64 = 18116008155350138704;
    download_reruns(json!(SEED), SEED);
    download_reruns(json!(SEED.to_string()), SEED);
    download_reruns(json!(u64::MAX), u64::MAX);
}

#[test]
fn foreign_hosts_are_refused_unless_allowed_and_budgets_are_flags() {
    let (server, _stderr) = serve(&[
        "--allow-host",
        "kyoso.lab.example",
        "--session-memory-mb",
        "64",
    ]);
    let http = reqwest::blocking::Client::new();
    let status = |host: &str| {
        http.get(format!("{}/api/meta", server.url))
            .header("host", host)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(status("attacker.example"), 403);
    assert_eq!(status("kyoso.lab.example"), 200);
    let r = http
        .post(format!("{}/api/sessions", server.url))
        .json(&json!({"model": "silent-rivalry", "set": {"origins.JP.firms": 9999970}}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().unwrap();
    assert!(
        v["error"]["message"].as_str().unwrap().contains("64 MB"),
        "{v}"
    );
    let out = Command::new(cargo_bin("kyoso"))
        .args(["serve", "--no-open", "--port", "0", "--allow-host", "a/b"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-host"));
}
