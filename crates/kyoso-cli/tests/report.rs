//! `kyoso report`: HTML reports of run and sweep folders, checked in a real
//! browser when one is available (CI installs Debian's chromium).

use std::fs;
use std::path::Path;
use std::process::Command as StdCommand;

use assert_cmd::Command;
use predicates::prelude::*;

fn kyoso() -> Command {
    Command::cargo_bin("kyoso").unwrap()
}

fn figures_in(html: &str) -> usize {
    html.matches("data-figure=").count()
}

#[test]
fn run_and_sweep_folders_get_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    kyoso()
        .args(["run", "--quiet", "--ticks", "24", "--out"])
        .arg(&run)
        .assert()
        .success();
    kyoso().arg("report").arg(&run).assert().success();
    let html = fs::read_to_string(run.join("report.html")).unwrap();
    assert_eq!(figures_in(&html), 7);
    for name in [
        "market-share",
        "expectation-gap",
        "capability",
        "firms-by-strategy",
        "initial-survival",
        "partnerships",
        "consumer-surplus",
    ] {
        assert!(
            run.join(format!("figures/{name}.svg")).is_file()
                && run.join(format!("figures/{name}.png")).is_file(),
            "{name}"
        );
    }
    let sweep = tmp.path().join("sweep");
    kyoso()
        .args([
            "sweep",
            "silent-rivalry",
            "--vary",
            "encounters.detect=0.1,0.9",
            "--reps",
            "3",
            "--ticks",
            "12",
            "--quiet",
            "--out",
        ])
        .arg(&sweep)
        .assert()
        .success();
    kyoso().arg("report").arg(&sweep).assert().success();
    let html = fs::read_to_string(sweep.join("report.html")).unwrap();
    assert!(figures_in(&html) >= 5 && html.contains("encounters.detect"));
    kyoso()
        .arg("report")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a run folder"));
    if let Some(browser) = browser() {
        check_in_browser(&browser, &run.join("report.html"), 7);
    }
}

/// `--metric` picks what a report draws; a name the folder lacks is an
/// input error (exit 2, nothing written); every axis carries words and a
/// unit, not a raw column name; a design sweep draws each metric against
/// each varied parameter with a smoother.
#[test]
fn reports_draw_the_metrics_asked_for_with_units_and_designs_as_scatters() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    kyoso()
        .args(["run", "--quiet", "--ticks", "12", "--out"])
        .arg(&run)
        .assert()
        .success();
    kyoso()
        .arg("report")
        .arg(&run)
        .args(["--metric", "hhx"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("no metric `hhx`")
                .and(predicate::str::contains("did you mean `hhi`"))
                .and(predicate::str::contains("ticks.parquet")),
        );
    assert!(
        !run.join("report.html").exists(),
        "a refused report wrote a file"
    );
    kyoso()
        .arg("report")
        .arg(&run)
        .args(["--metric", "hhi", "market_share"])
        .assert()
        .success();
    let html = fs::read_to_string(run.join("report.html")).unwrap();
    assert_eq!(figures_in(&html), 2);
    let unit = |m: &str| {
        kyoso_core::silent_rivalry::METRICS
            .iter()
            .find(|d| d.name == m)
            .unwrap()
            .unit
    };
    let share = fs::read_to_string(run.join("figures/metric-2.svg")).unwrap();
    for needle in ["month", unit("market_share"), "market share", "JP", "LOCAL"] {
        assert!(
            share.contains(needle),
            "the market share figure lacks {needle:?}"
        );
    }
    // The default run report: units on every axis too.
    kyoso().arg("report").arg(&run).assert().success();
    for (name, unit) in [
        ("market-share", "share of demand"),
        ("expectation-gap", "trust minus rate"),
        ("capability", "utility units"),
        ("firms-by-strategy", "firms"),
        ("initial-survival", "fraction still in the market"),
        ("partnerships", "partnerships"),
        ("consumer-surplus", "utility units x demand"),
    ] {
        let svg = fs::read_to_string(run.join(format!("figures/{name}.svg"))).unwrap();
        assert!(
            svg.contains("month") && svg.contains(unit),
            "{name} lacks its axes"
        );
    }

    // A Latin-hypercube-like design: 8 points that are no grid.
    let design = tmp.path().join("design.csv");
    let mut csv = String::from("encounters.detect,market.omega_cross\n");
    for i in 0..8 {
        csv.push_str(&format!(
            "{},{}\n",
            0.1 + 0.1 * i as f64,
            0.05 + 0.37 * ((i * 5) % 8) as f64 / 8.0
        ));
    }
    fs::write(&design, csv).unwrap();
    let sweep = tmp.path().join("sweep");
    kyoso()
        .args(["sweep", "silent-rivalry", "--design"])
        .arg(&design)
        .args(["--reps", "2", "--ticks", "12", "--quiet", "--out"])
        .arg(&sweep)
        .assert()
        .success();
    kyoso()
        .arg("report")
        .arg(&sweep)
        .args(["--metric", "exits", "firms_alive"])
        .assert()
        .success();
    let html = fs::read_to_string(sweep.join("report.html")).unwrap();
    assert_eq!(figures_in(&html), 4, "two metrics against two parameters");
    assert!(html.contains("smoother"));
    let svgs: Vec<String> = fs::read_dir(sweep.join("figures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    assert_eq!(svgs.len(), 4);
    for svg in &svgs {
        assert!(svg.contains("firms"), "an axis lacks the unit");
        assert!(svg.contains("smoother"), "no smoother in the legend");
        assert!(svg.contains("8 design points"));
        assert!(svg.contains("encounters.detect") || svg.contains("market.omega_cross"));
    }
    kyoso()
        .arg("report")
        .arg(&sweep)
        .args(["--metric", "nonesuch"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("summary.csv").and(predicate::str::contains("nonesuch")));
}

/// The browser to check reports with: $KYOSO_BROWSER, else chromium on
/// PATH. Under CI a browser is required.
fn browser() -> Option<String> {
    let found = std::env::var("KYOSO_BROWSER").ok().or_else(|| {
        ["chromium", "chromium-browser"].iter().find_map(|b| {
            StdCommand::new("which")
                .arg(b)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        })
    });
    if found.is_none() && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but no chromium to check the HTML report with; .ci/run installs it");
    }
    found
}

/// Renders the report headless: the DOM must hold every figure, and the
/// screenshot must not be blank.
fn check_in_browser(browser: &str, report: &Path, figures: usize) {
    let profile = tempfile::tempdir().unwrap();
    let shot = profile.path().join("shot.png");
    let url = format!("file://{}", report.display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let dom = StdCommand::new(browser)
        .args(common)
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("a").display()
        ))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(figures_in(&dom), figures, "the browser's DOM lacks figures");
    assert!(dom.matches("<svg").count() >= figures);
    let status = StdCommand::new(browser)
        .args(common)
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("b").display()
        ))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1200,2400")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        shot.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = buf
        .chunks(channels)
        .take((info.width * info.height) as usize);
    let non_white = pixels.filter(|p| p[..3].iter().any(|&c| c < 240)).count();
    assert!(
        non_white > 20_000,
        "the rendered report is blank ({non_white} non-white pixels)"
    );
}
