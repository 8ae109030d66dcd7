//! Experiments: the article's claims as sweeps with verdicts. Each test
//! runs beside its negative control (the claimed mechanism switched off,
//! the same seeds), and the verdicts follow the one rule of
//! [`kyoso_core::experiments`]. Writes `verdicts.json`, `report.md` and
//! `report.html` (with `figures/`) next to the sweeps.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use kyoso_core::experiments::{
    Check, EXPERIMENTS, Experiment, Outcome, RULE, RunRow, Runs, Test, Verdict, experiment,
    rejudge, verdicts,
};
use kyoso_io::figure::{Figure, Series};
use kyoso_io::report::{Section, escape};
use serde::Serialize;

use crate::explore::{Analysis, Condition as Where, Design, Discovery, MetricIndices, Outputs};
use crate::sweep::{Monitor, SweepModel, SweepRequest, run_sweep};
use crate::{EngineError, ScenarioInputs};

/// One experiment as a face asks for it.
#[derive(Debug, Clone)]
pub struct ExperimentRequest {
    pub name: String,
    /// Replications per design point (default: the experiment's).
    pub reps: Option<u32>,
    pub jobs: Option<usize>,
    /// Months per run (default: the scenario's).
    pub ticks: Option<u32>,
    /// Base seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Overrides of the experiment's base scenario.
    pub sets: Vec<String>,
    /// Schedule entries added to the experiment's (`TICK:key=value`).
    pub at: Vec<String>,
    /// The experiment's folder.
    pub out: PathBuf,
    /// Continue an interrupted experiment in `out`.
    pub resume: bool,
    /// Run each test's negative control too (default on).
    pub controls: bool,
    /// Evaluate every test at this many points of a Latin hypercube over
    /// the plausible range of every parameter the experiment does not
    /// manipulate (a robustness map); `None`: not.
    pub robustness: Option<usize>,
    /// Replications at each robustness point (default: the experiment's).
    pub robustness_reps: Option<u32>,
}

impl ExperimentRequest {
    /// A request with the experiment's defaults and its controls.
    pub fn new(name: &str, out: &Path) -> ExperimentRequest {
        ExperimentRequest {
            name: name.to_string(),
            reps: None,
            jobs: None,
            ticks: None,
            seed: None,
            sets: Vec::new(),
            at: Vec::new(),
            out: out.to_path_buf(),
            resume: false,
            controls: true,
            robustness: None,
            robustness_reps: None,
        }
    }
}

/// A test's verdict under its negative control.
#[derive(Debug, Clone)]
pub struct ControlResult {
    /// The control's overrides.
    pub sets: Vec<String>,
    pub verdict: Verdict,
    /// Whether the control's verdict differs from the test's.
    pub changes: bool,
    /// The control's effect over the test's: how much of the effect
    /// remains with the mechanism off (`None` without both effects, or
    /// when the test's verdict is not decisive).
    pub effect_kept: Option<f64>,
}

/// A test, its verdict and its control's.
#[derive(Debug, Clone)]
pub struct TestResult {
    pub check: &'static Check,
    pub verdict: Verdict,
    pub control: Option<ControlResult>,
}

/// Where in the plausible space a test's verdict holds.
#[derive(Debug, Clone)]
pub struct TestRobustness {
    pub label: &'static str,
    /// Points of the map with each outcome: supported, not supported,
    /// mixed, no data.
    pub counts: [usize; 4],
    /// The parameters that move the effect most (PRCC with 95 % bootstrap
    /// intervals); `None` when the effect is missing at some point.
    pub indices: Option<MetricIndices>,
    /// The region where the test is supported (PRIM), when it is
    /// supported at some points and not at others.
    pub discovery: Option<Discovery>,
}

impl TestRobustness {
    /// The share of the map's points with each outcome.
    pub fn shares(&self) -> [f64; 4] {
        let n = self.counts.iter().sum::<usize>().max(1) as f64;
        self.counts.map(|c| c as f64 / n)
    }
}

/// A robustness map: the design over the plausible space and each test's.
#[derive(Debug, Clone)]
pub struct Robustness {
    pub design: Design,
    pub outputs: Outputs,
    pub tests: Vec<TestRobustness>,
    pub reps: u32,
    pub runs: u64,
}

/// A finished experiment.
#[derive(Debug, Clone)]
pub struct ExperimentOutcome {
    pub experiment: &'static Experiment,
    pub results: Vec<TestResult>,
    pub robustness: Option<Robustness>,
    pub reps: u32,
    /// The base overrides: the experiment's, then the request's.
    pub sets: Vec<String>,
    /// The base schedule (`--at` entries): the experiment's, then the request's.
    pub schedule: Vec<String>,
    /// For each Contrast test between presets: what drives the difference.
    pub drivers: Vec<crate::drivers::Drivers>,
    pub sweep_ids: Vec<String>,
    /// report.md's text.
    pub report: String,
    pub out: PathBuf,
}

/// The experiment named `name`, or an input error listing them all.
pub fn find(name: &str) -> Result<&'static Experiment, EngineError> {
    experiment(name).ok_or_else(|| {
        let names: Vec<&str> = EXPERIMENTS.iter().map(|e| e.name).collect();
        EngineError::input(format!(
            "unknown experiment `{name}`; available: {}",
            names.join(", ")
        ))
    })
}

/// An experiment's folder: absent, empty, or (with `resume`) one that
/// holds only what an experiment writes. Nothing is written into a
/// user's folder or another command's output.
pub fn check_out(out: &Path, resume: bool) -> Result<(), EngineError> {
    crate::check_work_folder(out, resume, "an experiment", "an experiment", |n| {
        n == "sweep"
            || n.starts_with("sweep-")
            || n.starts_with("control-")
            || n.starts_with("drivers-")
            || n == "robustness"
            || n == "design.csv"
            || ["verdicts.json", "report.md", "report.html", "figures"].contains(&n)
    })
}

/// The runs of one condition (the base, or a control): one sweep, or
/// one per preset, every one with common seeds.
struct Condition {
    metric_names: Vec<String>,
    runs: Vec<RunRow>,
    /// Each run's design point within its own sweep (with presets, `runs`
    /// holds the preset's index as the point instead).
    sweep_points: Vec<usize>,
    sweep_ids: Vec<String>,
}

impl Condition {
    fn runs(&self) -> Runs<'_> {
        Runs {
            metric_names: &self.metric_names,
            runs: &self.runs,
            // Every design point, and every preset's sweep (same base
            // seed), runs replication r with the same seed.
            common_seeds: true,
        }
    }
}

/// The base scenario's schedule: the experiment's, then the request's.
fn schedule(e: &Experiment, request: &ExperimentRequest) -> Vec<String> {
    e.schedule
        .iter()
        .map(|s| s.to_string())
        .chain(request.at.iter().cloned())
        .collect()
}

fn run_condition(
    e: &Experiment,
    request: &ExperimentRequest,
    sets: &[String],
    reps: u32,
    dir: &Path,
    design: Option<&Path>,
    monitor: &dyn Monitor,
) -> Result<Condition, EngineError> {
    let presets: Vec<Option<&str>> = if e.presets.is_empty() {
        vec![None]
    } else {
        e.presets.iter().map(|p| Some(*p)).collect()
    };
    // Explicit points are a design file of their own.
    let points_file = dir.join("design.csv");
    let design = match design {
        Some(d) => Some(d.to_path_buf()),
        None if !e.points.is_empty() => {
            std::fs::create_dir_all(dir)
                .map_err(|err| EngineError::runtime(format!("{}: {err}", dir.display())))?;
            kyoso_io::write::bytes(&points_file, points_csv(e.points, None, sets).as_bytes())?;
            Some(points_file)
        }
        None => None,
    };
    let mut runs = Vec::new();
    let mut sweep_points = Vec::new();
    let mut metric_names: Option<Vec<String>> = None;
    let mut sweep_ids = Vec::new();
    for (k, preset) in presets.iter().enumerate() {
        let inputs = ScenarioInputs {
            preset: preset.map(str::to_string),
            file: None,
            sets: sets.to_vec(),
            at: schedule(e, request),
            seed: request.seed,
            ticks: request.ticks,
        };
        let out = match preset {
            Some(p) => dir.join(format!("sweep-{p}")),
            None => dir.join("sweep"),
        };
        let mut sweep = SweepRequest::new(SweepModel::SilentRivalry, inputs, reps, &out);
        sweep.vary = e.vary.iter().map(|v| pin_axis(v, sets)).collect();
        sweep.design = design.clone();
        sweep.jobs = request.jobs;
        sweep.resume = request.resume && out.exists();
        sweep.common_seeds = true;
        let done = run_sweep(&sweep, monitor)?;
        let (m, records) = kyoso_io::sweep::read_runs(&done.out)?;
        if metric_names
            .as_ref()
            .is_some_and(|first| *first != m.spec.metrics)
        {
            return Err(EngineError::runtime(
                "the presets report different metrics; they cannot be compared",
            ));
        }
        sweep_ids.push(m.sweep_id.clone());
        sweep_points.extend(records.iter().map(|r| r.point as usize));
        runs.extend(records.into_iter().map(|r| {
            (
                if preset.is_some() {
                    k
                } else {
                    r.point as usize
                },
                r.rep,
                // A missing metric is NaN to the verdict rule: no data, never 0.
                r.metrics
                    .into_iter()
                    .map(|m| m.unwrap_or(f64::NAN))
                    .collect(),
            )
        }));
        metric_names = Some(m.spec.metrics);
    }
    Ok(Condition {
        metric_names: metric_names.expect("at least one sweep"),
        runs,
        sweep_points,
        sweep_ids,
    })
}

/// A grid axis `key=v1,v2,…` with every value replaced by the value an
/// assignment of `sets` gives its key, if any (so a control that switches
/// a varied key off reaches every design point, and the points keep their
/// numbers); else the axis unchanged.
fn pin_axis(axis: &str, sets: &[String]) -> String {
    let key = key_of(axis);
    let Some(value) = sets
        .iter()
        .rev()
        .find(|s| key_of(s) == key)
        .and_then(|s| s.split_once('=').map(|(_, v)| v.trim().to_string()))
    else {
        return axis.to_string();
    };
    let count = kyoso_core::sweep::parse_vary(axis).map_or(1, |a| a.1.len());
    format!("{key}={}", vec![value; count].join(","))
}

/// The CSV of an experiment's explicit points (a header of their keys, a
/// row each), or of `hypercube` rows × those points (row j, point i is
/// design row j·points + i).
///
/// A key that an assignment of `sets` also gives (a control that switches
/// it off, or the user's `--set`) takes that value at every point, as
/// [`pin_axis`] does for a grid, so the points keep their numbers.
fn points_csv(points: &[&[&str]], hypercube: Option<&Design>, sets: &[String]) -> String {
    let split = |kv: &str| {
        let (k, v) = kv.split_once('=').expect("points are key=value");
        let k = k.trim().to_string();
        let pinned = sets
            .iter()
            .rev()
            .find(|s| key_of(s) == k)
            .and_then(|s| s.split_once('=').map(|(_, v)| v.trim().to_string()));
        let v = pinned.unwrap_or_else(|| v.trim().to_string());
        (k, v)
    };
    let mut keys: Vec<String> = hypercube.map(|d| d.info.space.keys()).unwrap_or_default();
    keys.extend(points[0].iter().map(|kv| split(kv).0));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&keys).expect("writes to memory");
    let lhs_rows: Vec<Vec<String>> = match hypercube {
        Some(d) => d.cells.clone(),
        None => vec![Vec::new()],
    };
    for row in &lhs_rows {
        for point in points {
            let mut record = row.clone();
            record.extend(point.iter().map(|kv| split(kv).1));
            w.write_record(&record).expect("writes to memory");
        }
    }
    String::from_utf8(w.into_inner().expect("writes to memory")).expect("UTF-8")
}

/// Runs an experiment and its controls, and writes its verdicts and reports.
pub fn run_experiment(
    request: &ExperimentRequest,
    monitor: &dyn Monitor,
) -> Result<ExperimentOutcome, EngineError> {
    let e = find(&request.name)?;
    check_out(&request.out, request.resume)?;
    let out = &request.out;
    let mut sets: Vec<String> = e.sets.iter().map(|s| s.to_string()).collect();
    sets.extend(request.sets.iter().cloned());
    let reps = request.reps.unwrap_or(e.reps);
    // Every override is checked before any run.
    for s in e
        .tests
        .iter()
        .flat_map(|c| c.control)
        .map(|s| s.to_string())
        .chain(sets.clone())
    {
        kyoso_core::ScenarioBuilder::new()
            .set(&s)
            .map_err(EngineError::input)?;
    }
    for a in schedule(e, request) {
        kyoso_core::schedule::parse_at(&a).map_err(|message| {
            EngineError::input(kyoso_core::ScenarioError::BadSchedule {
                assignment: a.clone(),
                message,
            })
        })?;
    }
    let base = run_condition(e, request, &sets, reps, out, None, monitor)?;
    let tests: Vec<Test> = e.tests.iter().map(|c| c.test.clone()).collect();
    let main = verdicts(&tests, &base.runs()).map_err(EngineError::runtime)?;
    let mut sweep_ids = base.sweep_ids.clone();

    // Tests that share a control share its sweeps and its Holm family.
    let mut controls: Vec<(&'static [&'static str], Vec<usize>)> = Vec::new();
    for (i, c) in e.tests.iter().enumerate() {
        match controls.iter_mut().find(|(s, _)| *s == c.control) {
            Some((_, members)) => members.push(i),
            None => controls.push((c.control, vec![i])),
        }
    }
    let mut under_control: Vec<Option<ControlResult>> = vec![None; e.tests.len()];
    if request.controls {
        for (k, (control, members)) in controls.iter().enumerate() {
            let mut control_sets = sets.clone();
            control_sets.extend(control.iter().map(|s| s.to_string()));
            let dir = out.join(format!("control-{}", k + 1));
            let data = run_condition(e, request, &control_sets, reps, &dir, None, monitor)?;
            let family: Vec<Test> = members.iter().map(|&i| tests[i].clone()).collect();
            let found = verdicts(&family, &data.runs()).map_err(EngineError::runtime)?;
            for (&i, v) in members.iter().zip(found) {
                // Only a decisive effect has a share worth stating.
                let decisive =
                    matches!(main[i].outcome, Outcome::Supported | Outcome::NotSupported);
                let effect_kept = match (v.effect, main[i].effect) {
                    (Some(c), Some(m)) if decisive && m != 0.0 => Some(c / m),
                    _ => None,
                };
                under_control[i] = Some(ControlResult {
                    sets: control.iter().map(|s| s.to_string()).collect(),
                    changes: v.outcome != main[i].outcome,
                    effect_kept,
                    verdict: v,
                });
            }
            sweep_ids.extend(data.sweep_ids);
        }
    }
    let results: Vec<TestResult> = e
        .tests
        .iter()
        .zip(main)
        .zip(under_control)
        .map(|((check, verdict), control)| TestResult {
            check,
            verdict,
            control,
        })
        .collect();
    let at = schedule(e, request);
    let drivers = crate::drivers::drivers(
        e,
        &base.metric_names,
        &base.runs,
        &crate::drivers::DriverInputs {
            sets: &sets,
            at: &at,
            seed: request.seed,
            ticks: request.ticks,
            reps,
            jobs: request.jobs,
            resume: request.resume,
        },
        out,
        monitor,
    )?;
    let robustness = match request.robustness {
        Some(n) => Some(robustness(e, request, &sets, &tests, n, monitor)?),
        None => None,
    };
    let outcome = ExperimentOutcome {
        experiment: e,
        report: markdown(
            e,
            &sets,
            &schedule(e, request),
            reps,
            &results,
            &drivers,
            robustness.as_ref(),
        ),
        drivers,
        schedule: schedule(e, request),
        robustness,
        results,
        reps,
        sets,
        sweep_ids,
        out: out.clone(),
    };
    write_outputs(&outcome, &base)?;
    Ok(outcome)
}

#[derive(Serialize)]
struct VerdictJson<'a> {
    test: &'a str,
    falsifier: &'a str,
    unit: &'a str,
    /// Null when the test had no data.
    effect: Option<f64>,
    ci95_low: Option<f64>,
    ci95_high: Option<f64>,
    /// Adjusted for the experiment's tests (Bonferroni, level 1 − 0.05/m).
    ci_adjusted_low: Option<f64>,
    ci_adjusted_high: Option<f64>,
    p_value: Option<f64>,
    p_holm: Option<f64>,
    n: usize,
    paired: bool,
    verdict: &'static str,
    control: Option<ControlJson<'a>>,
}

#[derive(Serialize)]
struct ControlJson<'a> {
    sets: &'a [String],
    reason: &'a str,
    effect: Option<f64>,
    ci95_low: Option<f64>,
    ci95_high: Option<f64>,
    p_holm: Option<f64>,
    verdict: &'static str,
    changes_the_verdict: bool,
    /// The control's effect over the test's.
    effect_kept: Option<f64>,
}

fn write_outputs(o: &ExperimentOutcome, base: &Condition) -> Result<(), EngineError> {
    let e = o.experiment;
    let family = family_size(o.results.iter());
    let json: Vec<VerdictJson> = o
        .results
        .iter()
        .map(|r| {
            let v = &r.verdict;
            let adjusted = v.adjusted_interval(family);
            VerdictJson {
                test: v.label,
                falsifier: r.check.falsifier,
                unit: r.check.unit,
                effect: v.effect,
                ci95_low: v.ci_low,
                ci95_high: v.ci_high,
                ci_adjusted_low: adjusted.map(|c| c.0),
                ci_adjusted_high: adjusted.map(|c| c.1),
                p_value: v.p_value,
                p_holm: v.p_adjusted,
                n: v.n,
                paired: v.paired,
                verdict: v.outcome.name(),
                control: r.control.as_ref().map(|c| ControlJson {
                    sets: &c.sets,
                    reason: r.check.control_reason,
                    effect: c.verdict.effect,
                    ci95_low: c.verdict.ci_low,
                    ci95_high: c.verdict.ci_high,
                    p_holm: c.verdict.p_adjusted,
                    verdict: c.verdict.outcome.name(),
                    changes_the_verdict: c.changes,
                    effect_kept: c.effect_kept,
                }),
            }
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({
        "kyoso_version": kyoso_core::VERSION,
        "experiment": e.name,
        "claims": e.claims,
        "claim": e.claim,
        "design": { "base_overrides": o.sets, "schedule": o.schedule, "vary": e.vary, "reps": o.reps, "presets": e.presets, "sweep_ids": o.sweep_ids },
        "rule": RULE,
        "verdicts": json,
        "drivers": o.drivers.iter().map(|d| d.json()).collect::<Vec<_>>(),
        "robustness": o.robustness.as_ref().map(|map| {
            let keys = map.design.info.space.keys();
            serde_json::json!({
                "points": map.design.info.rows,
                "parameters": map.design.info.space.dims(),
                "reps": map.reps,
                "runs": map.runs,
                "design": "robustness/design.csv",
                "effects": "robustness/effects.parquet",
                "tests": map.tests.iter().map(|t| {
                    let [a, b, c, d] = t.shares();
                    serde_json::json!({
                        "test": t.label,
                        "share_supported": a,
                        "share_not_supported": b,
                        "share_mixed": c,
                        "share_no_data": d,
                        "sensitivity_index": robustness_analysis(map.design.info.rows, map.design.info.space.dims()).lead_index(),
                        "sensitivity": t.indices.as_ref().map(|m| m.ranking(robustness_analysis(map.design.info.rows, map.design.info.space.dims())).iter().map(|i| serde_json::json!({
                            "parameter": keys[i.parameter],
                            "estimate": i.estimate,
                            "ci95_low": i.ci.map(|c| c.0),
                            "ci95_high": i.ci.map(|c| c.1),
                        })).collect::<Vec<_>>()),
                        "supported_region": t.discovery.as_ref().map(|d| serde_json::json!({
                            "coverage": d.prim.chosen.coverage,
                            "density": d.prim.chosen.density,
                            "mass": d.prim.chosen.mass,
                            "restricted": d.prim.chosen.restricted.iter().map(|&k| serde_json::json!({
                                "parameter": keys[k],
                                "low": d.prim.chosen.limits[k].0,
                                "high": d.prim.chosen.limits[k].1,
                            })).collect::<Vec<_>>(),
                        })),
                    })
                }).collect::<Vec<_>>(),
            })
        }),
    }))
    .expect("serialisable");
    text.push('\n');
    let write = |name: &str, bytes: &[u8]| {
        kyoso_io::write::bytes(&o.out.join(name), bytes).map_err(EngineError::from)
    };
    write("verdicts.json", text.as_bytes())?;
    html_report(o, &base.runs())?;
    write("report.md", o.report.as_bytes())
}

/// The tests of a family that have data, and so a p-value: the m of
/// Holm's and Bonferroni's adjustments.
fn family_size<'a>(results: impl Iterator<Item = &'a TestResult>) -> usize {
    results.filter(|r| r.verdict.p_value.is_some()).count()
}

/// The decimals a verdict's numbers are printed with (see [`decimals_for`]).
fn verdict_decimals(v: &Verdict) -> usize {
    decimals_for(
        v.effect.unwrap_or(0.0),
        v.ci_low.zip(v.ci_high).map(|(l, h)| (h - l) / 2.0),
    )
}

/// A verdict's effect at the precision its interval supports, or a dash
/// without data.
fn num_of(v: &Verdict) -> String {
    let d = verdict_decimals(v);
    v.effect.map_or_else(|| "—".into(), |x| format!("{x:.d$}"))
}

/// The raw interval, at the effect's precision, or a dash without data.
fn interval(v: &Verdict) -> String {
    let d = verdict_decimals(v);
    match (v.ci_low, v.ci_high) {
        (Some(l), Some(h)) => format!("[{l:.d$}, {h:.d$}]"),
        _ => "—".into(),
    }
}

/// An interval at the precision of verdict `v`.
fn interval_at(v: &Verdict, (l, h): (f64, f64)) -> String {
    let d = verdict_decimals(v);
    format!("[{l:.d$}, {h:.d$}]")
}

/// A p-value, small ones in scientific notation.
fn pval(x: Option<f64>) -> String {
    match x {
        Some(p) if p < 1e-4 => format!("{p:.1e}"),
        Some(p) => format!("{p:.4}"),
        None => "—".into(),
    }
}

/// What a control's verdict says about its test.
fn control_reading(main: Outcome, c: &ControlResult) -> &'static str {
    match (c.changes, main) {
        (true, _) => "changes the verdict: the test depends on the mechanism",
        (false, Outcome::Supported) => {
            "does not change the verdict: the test does not isolate the mechanism"
        }
        (false, _) => "does not change the verdict",
    }
}

fn design_text(e: &Experiment) -> String {
    if !e.points.is_empty() {
        e.points
            .iter()
            .map(|p| format!("({})", p.join(", ")))
            .collect::<Vec<_>>()
            .join(" vs ")
    } else if !e.presets.is_empty() {
        format!("presets {}", e.presets.join(", "))
    } else if e.vary.is_empty() {
        "the default scenario".to_string()
    } else {
        e.vary.join(" × ")
    }
}

fn markdown(
    e: &Experiment,
    sets: &[String],
    at: &[String],
    reps: u32,
    results: &[TestResult],
    drivers: &[crate::drivers::Drivers],
    robustness: Option<&Robustness>,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Experiment `{}` ({})\n", e.name, e.claims);
    let _ = writeln!(s, "**Claim.** {}\n", e.claim);
    let mut overrides = if sets.is_empty() {
        String::new()
    } else {
        format!(", with {}", sets.join(", "))
    };
    if !at.is_empty() {
        let _ = write!(
            overrides,
            ", scheduled: {}",
            at.iter()
                .map(|a| format!("`--at {a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(
        s,
        "**Design.** {}{overrides}; {reps} replications per design point, common seeds.\n",
        design_text(e)
    );
    let _ = writeln!(s, "**Rule.** {RULE}\n");
    let _ = writeln!(
        s,
        "| test | effect (unit) | 95 % CI | adjusted CI | p | p (Holm) | n | verdict | under its control | effect kept | control changes it |\n|---|---|---|---|---|---|---|---|---|---|---|"
    );
    let family = family_size(results.iter());
    for r in results {
        let v = &r.verdict;
        let (cv, kept, changes) = match &r.control {
            Some(c) => (
                format!("{} ({})", c.verdict.outcome.name(), num_of(&c.verdict)),
                c.effect_kept
                    .map_or_else(|| "—".into(), |k| format!("{:.0} %", k * 100.0)),
                if c.changes { "yes" } else { "**no**" },
            ),
            None => ("not run".into(), "—".into(), "—"),
        };
        let adjusted = v
            .adjusted_interval(family)
            .map_or_else(|| "—".into(), |(l, h)| interval_at(v, (l, h)));
        let _ = writeln!(
            s,
            "| {} | {} {} | {} | {adjusted} | {} | {} | {}{} | **{}** | {cv} | {kept} | {changes} |",
            v.label,
            num_of(v),
            r.check.unit,
            interval(v),
            pval(v.p_value),
            pval(v.p_adjusted),
            v.n,
            if v.paired { " pairs" } else { "" },
            v.outcome.name()
        );
    }
    let _ = writeln!(s, "\n**Falsifiers and controls.**\n");
    for r in results {
        let _ = writeln!(
            s,
            "- {}: refuted by {}. Control: `{}` ({}).",
            r.verdict.label,
            r.check.falsifier,
            r.check.control.join(" "),
            r.check.control_reason
        );
    }
    for d in drivers {
        s.push_str(&d.markdown(results[d.test].check.unit));
    }
    if let Some(map) = robustness {
        let _ = writeln!(
            s,
            "\n**Robustness.** Each test at {} points of a Latin hypercube over the plausible range of the {} parameters the experiment does not manipulate, {} replications each ({} runs; `robustness/`).\n",
            map.design.info.rows,
            map.design.info.space.dims(),
            map.reps,
            map.runs
        );
        let analysis = robustness_analysis(map.design.info.rows, map.design.info.space.dims());
        let _ = writeln!(
            s,
            "| test | supported | not supported | mixed | no data | moves the effect most ({}) |\n|---|---|---|---|---|---|",
            analysis.lead_index()
        );
        let keys = map.design.info.space.keys();
        for t in &map.tests {
            let [a, b, c, d] = t.shares();
            let movers = t
                .indices
                .as_ref()
                .map(|m| {
                    m.ranking(analysis)
                        .iter()
                        .take(3)
                        .map(|i| format!("`{}` {:+.2}", keys[i.parameter], i.estimate))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_else(|| "—".into());
            let _ = writeln!(
                s,
                "| {} | {:.0} % | {:.0} % | {:.0} % | {:.0} % | {movers} |",
                t.label,
                a * 100.0,
                b * 100.0,
                c * 100.0,
                d * 100.0
            );
        }
    }
    s
}

/// Keys a `key=value` assignment sets.
fn key_of(assignment: &str) -> &str {
    assignment.split('=').next().unwrap_or("").trim()
}

/// The dotted keys a preset sets.
fn preset_keys(name: &str) -> Vec<String> {
    fn walk(prefix: &str, t: &toml::Table, out: &mut Vec<String>) {
        for (k, v) in t {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::Table(inner) => walk(&key, inner, out),
                _ => out.push(key),
            }
        }
    }
    let mut out = Vec::new();
    if let Some(p) = kyoso_core::scenario::preset(name) {
        let table: toml::Table = toml::from_str(p.toml).expect("embedded presets are valid TOML");
        walk("", &table, &mut out);
    }
    out
}

/// The robustness map of an experiment's tests.
fn robustness(
    e: &Experiment,
    request: &ExperimentRequest,
    sets: &[String],
    tests: &[Test],
    n: usize,
    monitor: &dyn Monitor,
) -> Result<Robustness, EngineError> {
    use kyoso_explore::design::Method;
    let mut fixed: Vec<String> = e
        .vary
        .iter()
        .chain(e.points.iter().flat_map(|p| p.iter()))
        .map(|v| key_of(v).to_string())
        .chain(sets.iter().map(|s| key_of(s).to_string()))
        .collect();
    for p in e.presets {
        fixed.extend(preset_keys(p));
    }
    // Keys the schedule changes are the schedule's to set; with a
    // schedule, the run length must keep its ticks inside the run.
    let at = schedule(e, request);
    for a in &at {
        if let Ok(entry) = kyoso_core::schedule::parse_at(a) {
            fixed.extend(entry.set.into_keys());
        }
    }
    let mut space = crate::explore::plausible();
    space.parameters.retain(|p| !fixed.contains(&p.key));
    if request.ticks.is_some() || !at.is_empty() {
        space.parameters.retain(|p| p.key != "run.ticks");
    }
    let seed = request.seed.unwrap_or(1);
    let design = Design::make(
        Method::LatinHypercube {
            maximin_candidates: 1,
        },
        space,
        n,
        seed,
    )?;
    let dir = request.out.join("robustness");
    std::fs::create_dir_all(&dir)
        .map_err(|err| EngineError::runtime(format!("{}: {err}", dir.display())))?;
    let path = dir.join("design.csv");
    if path.exists() {
        let before = Design::load(&path)?;
        if before.csv() != design.csv() {
            return Err(EngineError::input(format!(
                "{}: --resume: this folder holds another robustness design; give the flags it was started with",
                dir.display()
            )));
        }
    } else {
        design.write(&path, false)?;
    }
    let reps = request.robustness_reps.unwrap_or(e.reps);
    // Explicit points are crossed with the hypercube in one design file.
    let sweep_design = if e.points.is_empty() {
        path.clone()
    } else {
        let crossed = dir.join("sweep-design.csv");
        kyoso_io::write::bytes(
            &crossed,
            points_csv(e.points, Some(&design), sets).as_bytes(),
        )?;
        crossed
    };
    let data = run_condition(e, request, sets, reps, &dir, Some(&sweep_design), monitor)?;
    // Point p of a sweep is (hypercube row p / grid, grid point p % grid);
    // with presets, each preset's sweep is the grid's one point.
    let grid: usize = if !e.points.is_empty() {
        e.points.len()
    } else if e.presets.is_empty() {
        e.vary
            .iter()
            .map(|v| kyoso_core::sweep::parse_vary(v).map_or(1, |a| a.1.len()))
            .product::<usize>()
            .max(1)
    } else {
        1
    };
    let rows = design.info.rows;
    let mut per_row: Vec<Vec<RunRow>> = vec![Vec::new(); rows];
    for ((point, rep, m), &within) in data.runs.iter().zip(&data.sweep_points) {
        // The test's design point: the grid cell, or the preset's index.
        let cell = if e.presets.is_empty() {
            within % grid
        } else {
            *point
        };
        per_row[within / grid].push((cell, *rep, m.clone()));
    }
    let mut effects = vec![vec![f64::NAN; rows]; tests.len()];
    let mut verdict_words = vec![vec![None; rows]; tests.len()];
    let mut counts = vec![[0usize; 4]; tests.len()];
    for (row, runs) in per_row.iter().enumerate() {
        let at = Runs {
            metric_names: &data.metric_names,
            runs,
            common_seeds: true,
        };
        let found = verdicts(tests, &at).map_err(EngineError::runtime)?;
        for (k, v) in found.iter().enumerate() {
            effects[k][row] = v.effect.unwrap_or(f64::NAN);
            verdict_words[k][row] = Some(v.outcome.name().to_string());
            counts[k][match v.outcome {
                Outcome::Supported => 0,
                Outcome::NotSupported => 1,
                Outcome::Mixed => 2,
                Outcome::NoData => 3,
            }] += 1;
        }
    }
    let outputs = Outputs {
        names: (1..=tests.len()).map(|k| format!("effect_{k}")).collect(),
        means: effects,
        reps: vec![Vec::new(); tests.len()],
        labels: verdict_words
            .into_iter()
            .enumerate()
            .map(|(k, v)| (format!("verdict_{}", k + 1), v))
            .collect(),
    };
    let boot = kyoso_explore::sensitivity::Bootstrap {
        resamples: 500,
        confidence: 0.95,
        seed,
    };
    let mut results = Vec::new();
    for (k, t) in tests.iter().enumerate() {
        // PRCC needs more points than parameters; below that, Spearman's
        // correlation one parameter at a time.
        let analysis = robustness_analysis(rows, design.info.space.dims());
        let indices = crate::explore::analyse(analysis, &design, &outputs, &[k], boot)
            .ok()
            .and_then(|a| a.indices.into_iter().next());
        let supported = counts[k][0];
        let discovery = if supported > 0 && supported < rows {
            crate::explore::discover(
                &design,
                &outputs,
                &format!("verdict_{}", k + 1),
                &dir,
                Where::parse("= supported")?,
                0.5,
            )
            .ok()
            .map(|mut d| {
                d.metric = t.label().to_string();
                d
            })
        } else {
            None
        };
        results.push(TestRobustness {
            label: t.label(),
            counts: counts[k],
            indices,
            discovery,
        });
    }
    write_robustness(&dir, &design, &outputs, tests)?;
    Ok(Robustness {
        design,
        outputs,
        tests: results,
        reps,
        runs: data.runs.len() as u64,
    })
}

/// The sensitivity measure of a robustness map: PRCC where the points
/// allow it, else Spearman's rank correlation.
fn robustness_analysis(points: usize, parameters: usize) -> Analysis {
    if points >= parameters + 3 {
        Analysis::Regression
    } else {
        Analysis::Correlation
    }
}

/// `robustness/effects.csv` and `.parquet`: one row per point of the map
/// and test.
fn write_robustness(
    dir: &Path,
    design: &Design,
    outputs: &Outputs,
    tests: &[Test],
) -> Result<(), EngineError> {
    use kyoso_io::table::{Table, Values};
    let rows = design.info.rows;
    let mut point = Vec::new();
    let mut test = Vec::new();
    let mut label = Vec::new();
    let mut effect = Vec::new();
    let mut verdict = Vec::new();
    for (k, t) in tests.iter().enumerate() {
        for r in 0..rows {
            point.push(r as u32);
            test.push(k as u32 + 1);
            label.push(t.label().to_string());
            let x = outputs.means[k][r];
            effect.push(x.is_finite().then_some(x));
            verdict.push(outputs.labels[k].1[r].clone().unwrap_or_default());
        }
    }
    let table = Table::new("effects")
        .column(
            "point",
            "index",
            "row of robustness/design.csv (0-based): the parameter values",
            Values::U32(point),
        )
        .column(
            "test",
            "index",
            "the test, 1-based, in the order of verdicts.json",
            Values::U32(test),
        )
        .column("label", "", "the test", Values::Str(label))
        .column(
            "effect",
            "the test's unit",
            "the effect at this point (mean over its replications); null without data",
            Values::OptF64(effect),
        )
        .column(
            "verdict",
            "",
            "the verdict at this point (Holm over the experiment's tests there)",
            Values::Str(verdict),
        );
    kyoso_io::write::parquet(&table, &dir.join("effects.parquet"))?;
    kyoso_io::write::csv(&table, &dir.join("effects.csv"))?;
    Ok(())
}

/// Mean and 95 % interval of one metric over the runs of each design point.
fn per_point(data: &Runs<'_>, metric: &str, points: usize) -> Vec<kyoso_core::sweep::Stats> {
    let k = data
        .metric_names
        .iter()
        .position(|m| m == metric)
        .unwrap_or(0);
    let mut acc = vec![kyoso_core::sweep::Accumulator::default(); points];
    for (p, _, m) in data.runs {
        if m[k].is_finite() && *p < points {
            acc[*p].push(m[k]);
        }
    }
    acc.iter().map(|a| a.stats()).collect()
}

/// Mean and 95 % interval of one metric over every run (the sample of a
/// within-run test).
fn pooled(data: &Runs<'_>, metric: &str) -> kyoso_core::sweep::Stats {
    per_point(
        &Runs {
            metric_names: data.metric_names,
            runs: &data
                .runs
                .iter()
                .map(|(_, r, m)| (0, *r, m.clone()))
                .collect::<Vec<_>>(),
            common_seeds: data.common_seeds,
        },
        metric,
        1,
    )[0]
}

/// A metric's name in words (`expectation_gap_naive_ingroup` → "expectation
/// gap naive in-group").
pub fn metric_words(metric: &str) -> String {
    metric
        .replace("naive_ingroup", "naive in-group")
        .replace('_', " ")
}

/// A metric's unit from the documented patterns (docs/outputs.md).
pub fn metric_unit(metric: &str) -> Option<&'static str> {
    kyoso_core::metric_docs::find("silent-rivalry", metric).map(|p| p.unit)
}

/// The number of design points of an experiment.
fn design_points(e: &Experiment) -> usize {
    if !e.points.is_empty() {
        e.points.len()
    } else if !e.presets.is_empty() {
        e.presets.len()
    } else {
        e.vary
            .iter()
            .filter_map(|v| kyoso_core::sweep::parse_vary(v).ok())
            .map(|a| a.1.len())
            .product::<usize>()
            .max(1)
    }
}

/// Design point `p` in words: its preset, its assignments, or its grid
/// values (the last varied key moves fastest).
fn condition(e: &Experiment, p: usize) -> String {
    if !e.points.is_empty() {
        return e.points.get(p).map(|a| a.join(", ")).unwrap_or_default();
    }
    if !e.presets.is_empty() {
        return e
            .presets
            .get(p)
            .map(|s| format!("preset {s}"))
            .unwrap_or_default();
    }
    let axes: Vec<(String, Vec<toml::Value>)> = e
        .vary
        .iter()
        .filter_map(|v| kyoso_core::sweep::parse_vary(v).ok())
        .collect();
    if axes.is_empty() {
        return "the scenario".into();
    }
    let mut rest = p;
    let mut parts = Vec::new();
    for (k, v) in axes.iter().rev() {
        parts.push(format!(
            "{k}={}",
            kyoso_core::sweep::value_text(&v[rest % v.len()])
        ));
        rest /= v.len();
    }
    parts.reverse();
    parts.join(", ")
}

/// The figure of one test: the compared conditions (mean over runs, 95 %
/// interval) and, beside them, the effect the verdict rests on with its
/// raw 95 % interval, in the metric's unit. Each test gets its own.
fn figure(e: &Experiment, check: &Check, verdict: &Verdict, data: &Runs<'_>) -> Figure {
    let points = design_points(e);
    let at = |metric: &str, p: usize| {
        let stats = per_point(data, metric, points);
        stats
            .get(p)
            .copied()
            .unwrap_or_else(|| kyoso_core::sweep::Accumulator::default().stats())
    };
    let (conditions, effect_name, metric): (Vec<(String, kyoso_core::sweep::Stats)>, String, &str) =
        match &check.test {
            Test::Paired { a, b, .. } => (
                vec![
                    (metric_words(a), pooled(data, a)),
                    (metric_words(b), pooled(data, b)),
                ],
                "effect: first − second, within runs".into(),
                a,
            ),
            Test::Equivalent { a, b, margin, .. } => (
                vec![
                    (metric_words(a), pooled(data, a)),
                    (metric_words(b), pooled(data, b)),
                ],
                format!("difference (equivalent within ±{})", fmt_sig(*margin)),
                a,
            ),
            Test::Contrast {
                metric, high, low, ..
            } => (
                vec![
                    (condition(e, *low), at(metric, *low)),
                    (condition(e, *high), at(metric, *high)),
                ],
                "effect: second − first".into(),
                metric,
            ),
            Test::Positive { metric, .. } => (Vec::new(), metric_words(metric), metric),
            Test::PositiveAt { metric, point, .. } => (
                Vec::new(),
                format!("{} at {}", metric_words(metric), condition(e, *point)),
                metric,
            ),
        };
    let unit = metric_unit(metric).unwrap_or(check.unit);
    let mut series = Vec::new();
    let mut names: Vec<String> = conditions.iter().map(|c| c.0.clone()).collect();
    if !conditions.is_empty() {
        series.push(Series {
            line: false,
            label: "compared conditions (mean, 95 % CI)".into(),
            points: conditions
                .iter()
                .enumerate()
                .map(|(k, c)| (k as f64, c.1.mean))
                .collect(),
            band: Some(
                conditions
                    .iter()
                    .map(|c| (c.1.ci_low, c.1.ci_high))
                    .collect(),
            ),
            colour: Some(kyoso_io::palette::PARTNERSHIPS),
        });
    }
    names.push(effect_name);
    if let (Some(effect), Some(lo), Some(hi)) = (verdict.effect, verdict.ci_low, verdict.ci_high) {
        series.push(Series {
            line: false,
            label: format!(
                "effect ({}, 95 % CI): {}",
                check.unit,
                verdict.outcome.name()
            ),
            points: vec![(conditions.len() as f64, effect)],
            band: Some(vec![(lo, hi)]),
            colour: Some(kyoso_io::palette::ALL),
        });
    }
    Figure {
        title: check.test.label().to_string(),
        // Conditions down the side, values along x with the line at 0 the effect is judged against.
        x_label: format!("{unit} (mean and 95 % CI)"),
        y_label: String::new(),
        series,
        categories: Some(names),
        mode: kyoso_io::figure::Mode::Horizontal,
    }
}

/// A number with three significant digits (scientific when tiny or huge).
pub fn fmt_sig(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-4..1e6).contains(&a) {
        return format!("{v:.2e}");
    }
    let decimals = (2 - a.log10().floor() as i32).clamp(0, 6) as usize;
    format!("{v:.decimals$}")
}

/// Decimals for an estimate and its interval: two significant digits of
/// the interval's half-width (at least those of three significant digits
/// of the estimate when there is no interval).
fn decimals_for(effect: f64, half_width: Option<f64>) -> usize {
    let from = |x: f64, sig: i32| {
        if x > 0.0 && x.is_finite() {
            (sig - 1 - x.log10().floor() as i32).clamp(0, 6) as usize
        } else {
            3
        }
    };
    match half_width {
        Some(h) if h > 0.0 => from(h, 2),
        _ => from(effect.abs(), 3),
    }
}

fn html_report(o: &ExperimentOutcome, data: &Runs<'_>) -> Result<(), EngineError> {
    let e = o.experiment;
    let mut overrides = if o.sets.is_empty() {
        String::new()
    } else {
        format!(", with <code>{}</code>", escape(&o.sets.join(", ")))
    };
    if !o.schedule.is_empty() {
        overrides.push_str(&format!(
            ", scheduled <code>{}</code>",
            escape(
                &o.schedule
                    .iter()
                    .map(|a| format!("--at {a}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        ));
    }
    // The summary first, as report.md has it: every test in one table.
    let family = family_size(o.results.iter());
    let mut summary = String::from(
        "<table class=\"summary\"><tr><th>test</th><th>effect (unit)</th><th>95 % CI</th><th>adjusted CI</th><th>p (Holm)</th><th>verdict</th><th>under its control</th></tr>",
    );
    for r in &o.results {
        let v = &r.verdict;
        let adjusted = v
            .adjusted_interval(family)
            .map_or_else(|| "—".to_string(), |(l, h)| interval_at(v, (l, h)));
        let control = match &r.control {
            Some(c) => format!(
                "{}{}",
                c.verdict.outcome.name(),
                if c.changes {
                    ""
                } else {
                    " (verdict unchanged)"
                }
            ),
            None => "not run".into(),
        };
        summary.push_str(&format!(
            "<tr><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td><span class=\"verdict {}\">{}</span></td><td>{}</td></tr>",
            escape(v.label),
            num_of(v),
            escape(r.check.unit),
            interval(v),
            adjusted,
            pval(v.p_adjusted),
            v.outcome.name().replace(' ', "-"),
            v.outcome.name(),
            escape(&control)
        ));
    }
    summary.push_str("</table>");
    let intro = format!(
        "<p><strong>Claim ({}).</strong> {}</p>\n{summary}\n<p><strong>Design.</strong> {}{overrides}; {} replications per design point, common seeds, 120-month runs unless overridden. Data: <code>sweep/runs.parquet</code>; each control's in <code>control-K/</code>.</p>\n<p><strong>Rule.</strong> {}</p>",
        escape(e.claims),
        escape(e.claim),
        escape(&design_text(e)),
        o.reps,
        escape(RULE)
    );
    let mut sections: Vec<Section> = o
        .results
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let v = &r.verdict;
            let class = v.outcome.name().replace(' ', "-");
            let control = match &r.control {
                Some(c) => format!(
                    "<p><strong>Negative control</strong> (<code>{}</code>: {}): effect {}{}, 95 % CI {}, Holm-adjusted p = {}: <span class=\"verdict {}\">{}</span>; the control {}.</p>",
                    escape(&c.sets.join(" ")),
                    escape(r.check.control_reason),
                    num_of(&c.verdict),
                    c.effect_kept
                        .map(|k| format!(" ({:.0} % of the test's)", k * 100.0))
                        .unwrap_or_default(),
                    interval(&c.verdict),
                    pval(c.verdict.p_adjusted),
                    c.verdict.outcome.name().replace(' ', "-"),
                    c.verdict.outcome.name(),
                    control_reading(v.outcome, c)
                ),
                None => "<p>Negative control not run.</p>".into(),
            };
            Section {
                heading: v.label.to_string(),
                html: format!(
                    "<p>Effect {}, 95 % CI {}, p = {} (Holm-adjusted {}), n = {}{}: <span class=\"verdict {class}\">{}</span>.</p><p><strong>Refuted by</strong> {}.</p>{control}{}",
                    num_of(v),
                    interval(v),
                    pval(v.p_value),
                    pval(v.p_adjusted),
                    v.n,
                    if v.paired { " pairs" } else { "" },
                    v.outcome.name(),
                    escape(r.check.falsifier),
                    o.drivers
                        .iter()
                        .find(|d| d.test == k)
                        .map(|d| d.html())
                        .unwrap_or_default(),
                ),
                figure: Some((format!("test-{}", k + 1), figure(e, r.check, v, data))),
            }
        })
        .collect();
    if let Some(map) = &o.robustness {
        sections.extend(robustness_sections(map));
    }
    kyoso_io::report::write(
        &o.out,
        &format!("kyoso experiment: {}", e.name),
        &intro,
        &sections,
    )
    .map_err(EngineError::from)
}

/// One line of a suite's summary: a test, its verdict within its
/// experiment, and again with Holm's adjustment over the whole suite.
#[derive(Debug, Clone, Serialize)]
pub struct SuiteLine {
    pub experiment: &'static str,
    pub claims: &'static str,
    pub test: &'static str,
    pub unit: &'static str,
    pub effect: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    /// The interval adjusted for every test of the suite (Bonferroni,
    /// level 1 − 0.05/m).
    pub ci_suite_low: Option<f64>,
    pub ci_suite_high: Option<f64>,
    pub p_value: Option<f64>,
    /// Holm over the experiment's tests.
    pub p_holm_experiment: Option<f64>,
    /// Holm over every test of the suite.
    pub p_holm_suite: Option<f64>,
    pub verdict_experiment: &'static str,
    pub verdict: &'static str,
    pub control_verdict: Option<&'static str>,
    pub control_changes_the_verdict: Option<bool>,
    /// With `--robustness`: the share of the map's points where the test
    /// is supported.
    pub robustness_share_supported: Option<f64>,
}

/// A finished suite.
#[derive(Debug, Clone)]
pub struct SuiteOutcome {
    pub experiments: Vec<ExperimentOutcome>,
    pub lines: Vec<SuiteLine>,
    pub report: String,
    pub out: PathBuf,
}

/// Runs every experiment (each into `out/NAME`, as `run_experiment`
/// would) and writes the suite's summary: `verdicts.json`, `report.md`
/// and `report.html` with a table of every test, its p-value adjusted by
/// Holm over the whole suite, and its control.
pub fn run_suite(
    request: &ExperimentRequest,
    monitor: &dyn Monitor,
) -> Result<SuiteOutcome, EngineError> {
    let out = &request.out;
    // The suite folder holds the experiments' folders and its summary.
    crate::check_work_folder(out, request.resume, "a suite", "a suite run", |n| {
        EXPERIMENTS.iter().any(|e| e.name == n)
            || ["verdicts.json", "report.md", "report.html"].contains(&n)
    })?;
    for s in &request.sets {
        kyoso_core::ScenarioBuilder::new()
            .set(s)
            .map_err(EngineError::input)?;
    }
    let mut experiments = Vec::new();
    for e in EXPERIMENTS {
        let mut one = request.clone();
        one.name = e.name.to_string();
        one.out = out.join(e.name);
        one.resume = request.resume && one.out.exists();
        experiments.push(run_experiment(&one, monitor)?);
    }
    let all: Vec<(&ExperimentOutcome, usize, &TestResult)> = experiments
        .iter()
        .flat_map(|o| o.results.iter().enumerate().map(move |(k, r)| (o, k, r)))
        .collect();
    let suite_family = family_size(all.iter().map(|(_, _, r)| *r));
    let suite_p = kyoso_core::inference::holm(
        &all.iter()
            .map(|(_, _, r)| r.verdict.p_value)
            .collect::<Vec<_>>(),
    );
    let lines: Vec<SuiteLine> = all
        .iter()
        .zip(suite_p)
        .map(|((o, k, r), p)| {
            let v = &r.verdict;
            let adjusted = v.adjusted_interval(suite_family);
            SuiteLine {
                experiment: o.experiment.name,
                claims: o.experiment.claims,
                test: v.label,
                unit: r.check.unit,
                effect: v.effect,
                ci95_low: v.ci_low,
                ci95_high: v.ci_high,
                ci_suite_low: adjusted.map(|c| c.0),
                ci_suite_high: adjusted.map(|c| c.1),
                p_value: v.p_value,
                p_holm_experiment: v.p_adjusted,
                p_holm_suite: p,
                verdict_experiment: v.outcome.name(),
                verdict: rejudge(&r.check.test, v, p).name(),
                control_verdict: r.control.as_ref().map(|c| c.verdict.outcome.name()),
                control_changes_the_verdict: r.control.as_ref().map(|c| c.changes),
                robustness_share_supported: o
                    .robustness
                    .as_ref()
                    .map(|map| map.tests[*k].shares()[0]),
            }
        })
        .collect();
    let report = suite_markdown(&lines, request.controls);
    let mut json = serde_json::to_string_pretty(&serde_json::json!({
        "kyoso_version": kyoso_core::VERSION,
        "suite": "every experiment",
        "rule": RULE,
        "adjustment": "Holm over every test of the suite (p_holm_suite); each experiment's own report adjusts over its tests (p_holm_experiment)",
        "tests": lines,
    }))
    .expect("serialisable");
    json.push('\n');
    let write = |name: &str, bytes: &[u8]| {
        kyoso_io::write::bytes(&out.join(name), bytes).map_err(EngineError::from)
    };
    write("verdicts.json", json.as_bytes())?;
    write("report.md", report.as_bytes())?;
    write("report.html", suite_html(&lines).as_bytes())?;
    Ok(SuiteOutcome {
        experiments,
        lines,
        report,
        out: out.clone(),
    })
}

fn suite_markdown(lines: &[SuiteLine], controls: bool) -> String {
    let mut s = String::from("# The claims suite\n\n");
    let _ = writeln!(
        s,
        "**Rule.** {RULE} Here the p-values are adjusted over all {} tests of the suite.\n",
        lines.len()
    );
    let robust = lines.iter().any(|l| l.robustness_share_supported.is_some());
    let _ = writeln!(
        s,
        "Effects are given with their unit, their raw 95 % interval and the interval adjusted for all {} tests (Bonferroni, simultaneous).\n",
        lines.len()
    );
    let _ = writeln!(
        s,
        "| experiment | claims | test | effect [95 % CI] [adjusted CI] unit | p (Holm, suite) | verdict | control changes it |{}\n|---|---|---|---|---|---|---|{}",
        if robust {
            " supported across the robustness map |"
        } else {
            ""
        },
        if robust { "---|" } else { "" }
    );
    for l in lines {
        let (effect, ci, adjusted) = suite_numbers(l);
        let control = match (controls, l.control_changes_the_verdict) {
            (false, _) | (_, None) => "not run",
            (true, Some(true)) => "yes",
            (true, Some(false)) => "**no**",
        };
        let map = match (robust, l.robustness_share_supported) {
            (true, Some(share)) => format!(" {:.0} % |", share * 100.0),
            (true, None) => " — |".into(),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {}{ci}{adjusted} {} | {} | **{}** | {control} |{map}",
            l.experiment,
            l.claims,
            l.test,
            effect,
            l.unit,
            pval(l.p_holm_suite),
            l.verdict
        );
    }
    let count = |w: &str| lines.iter().filter(|l| l.verdict == w).count();
    let _ = writeln!(
        s,
        "\n{} supported, {} not supported, {} mixed, {} without data. Each experiment's folder has its report, its sweeps and its controls.",
        count("supported"),
        count("not supported"),
        count("mixed"),
        count("no data")
    );
    s
}

/// A suite line's effect, raw interval and suite-adjusted interval, at the
/// precision its raw interval supports.
fn suite_numbers(l: &SuiteLine) -> (String, String, String) {
    let d = decimals_for(
        l.effect.unwrap_or(0.0),
        l.ci95_low.zip(l.ci95_high).map(|(a, b)| (b - a) / 2.0),
    );
    let pair = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => format!(" [{a:.d$}, {b:.d$}]"),
        _ => String::new(),
    };
    (
        l.effect.map_or_else(|| "—".into(), |x| format!("{x:.d$}")),
        pair(l.ci95_low, l.ci95_high),
        pair(l.ci_suite_low, l.ci_suite_high),
    )
}

fn suite_html(lines: &[SuiteLine]) -> String {
    let mut rows = String::new();
    for l in lines {
        let (effect, ci, adjusted) = suite_numbers(l);
        let control = match l.control_changes_the_verdict {
            None => "not run",
            Some(true) => "yes",
            Some(false) => "no",
        };
        rows.push_str(&format!(
            "<tr><td><a href=\"{0}/report.html\"><code>{0}</code></a></td><td>{1}</td><td>{2}</td><td>{3}{ci}{adjusted} {7}</td><td>{4}</td><td><span class=\"verdict {5}\">{6}</span></td><td>{control}</td></tr>",
            escape(l.experiment),
            escape(l.claims),
            escape(l.test),
            effect,
            pval(l.p_holm_suite),
            l.verdict.replace(' ', "-"),
            l.verdict,
            escape(l.unit)
        ));
    }
    let intro = format!(
        "<p><strong>Rule.</strong> {} Here the p-values are adjusted over all {} tests of the suite.</p><table><tr><th>experiment</th><th>claims</th><th>test</th><th>effect [95 % CI] [adjusted CI] unit</th><th>p (Holm, suite)</th><th>verdict</th><th>control changes it</th></tr>{rows}</table>",
        escape(RULE),
        lines.len()
    );
    kyoso_io::report::html("kyoso: the claims suite", &intro, &[])
}

/// The robustness sections of an experiment's report: per test, the
/// shares of outcomes, the parameters that move the effect (PRCC) and the
/// region where it is supported (PRIM).
fn robustness_sections(map: &Robustness) -> Vec<Section> {
    let mut out = vec![Section {
        heading: "Robustness".into(),
        html: format!(
            "<p>Every test again at {} points of a Latin hypercube over the plausible range (docs/model.md §8) of the {} parameters the experiment does not manipulate, {} replications each ({} runs). Data: <code>robustness/effects.parquet</code> and <code>robustness/design.csv</code>.</p>",
            map.design.info.rows,
            map.design.info.space.dims(),
            map.reps,
            map.runs
        ),
        figure: None,
    }];
    for (k, t) in map.tests.iter().enumerate() {
        let [a, b, c, d] = t.shares();
        out.push(Section {
            heading: format!("Robustness of test {}: {}", k + 1, t.label),
            html: format!(
                "<p>Supported at {:.0} % of the points, not supported at {:.0} %, mixed at {:.0} %, no data at {:.0} %. Its effect is <code>effect_{}</code> below.</p>",
                a * 100.0,
                b * 100.0,
                c * 100.0,
                d * 100.0,
                k + 1
            ),
            figure: None,
        });
        if let Some(m) = &t.indices {
            let mut s = crate::explore_report::sensitivity_sections(
                robustness_analysis(map.design.info.rows, map.design.info.space.dims()),
                &map.design,
                &map.outputs,
                std::slice::from_ref(m),
            );
            // The ranking only, with figure names of its own.
            s.truncate(1);
            for section in &mut s {
                if let Some((name, _)) = &mut section.figure {
                    *name = format!("robustness-{}-{name}", k + 1);
                }
            }
            out.extend(s);
        }
        if let Some(found) = &t.discovery {
            let mut s = crate::explore_report::discovery_sections(&map.design, found);
            for section in &mut s {
                if let Some((name, _)) = &mut section.figure {
                    *name = format!("robustness-{}-{name}", k + 1);
                }
            }
            out.extend(s);
        }
    }
    out
}
