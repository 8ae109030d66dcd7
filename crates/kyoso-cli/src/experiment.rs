//! `kyoso experiment`: the article's claims as experiments. Each runs a
//! sweep with replications and turns its data into verdicts by the rule
//! of [`kyoso_core::experiments`].

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use kyoso_core::experiments::{EXPERIMENTS, RULE, Runs, Test, Verdict, experiment, verdicts};
use kyoso_io::figure::{Figure, Series};
use kyoso_io::report::{Section, escape};
use serde::Serialize;

use crate::sweep::{SweepArgs, SweepModel};
use crate::{Failure, ScenarioArgs};

#[derive(Debug, Subcommand)]
pub enum ExperimentCommand {
    /// List the experiments: name, claims, design.
    List,
    /// Run one experiment: its sweep, then verdicts (verdicts.json, report.md).
    Run(RunExperimentArgs),
}

#[derive(Debug, Args)]
pub struct RunExperimentArgs {
    /// The experiment (see `kyoso experiment list`).
    name: String,
    /// Replications per design point (default: the experiment's).
    #[arg(long, value_parser = clap::value_parser!(u32).range(2..))]
    reps: Option<u32>,
    /// Parallel runs (default: the number of CPUs).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,
    /// Months per run (default: the scenario's 120).
    #[arg(long)]
    ticks: Option<u32>,
    /// Base seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Override a parameter of the experiment's base scenario (repeatable).
    #[arg(long = "set", value_name = "dotted.key=value")]
    set: Vec<String>,
    /// Output folder (default: experiments/NAME).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Continue an interrupted experiment.
    #[arg(long)]
    resume: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(command: &ExperimentCommand) -> Result<(), Failure> {
    match command {
        ExperimentCommand::List => {
            for e in EXPERIMENTS {
                let design = if e.vary.is_empty() {
                    "replications only".to_string()
                } else {
                    e.vary.join(" × ")
                };
                println!("{:<24} {:<8} {} reps; {design}", e.name, e.claims, e.reps);
                println!("{:<24} {}", "", e.claim);
            }
            Ok(())
        }
        ExperimentCommand::Run(args) => run_one(args),
    }
}

#[derive(Serialize)]
struct VerdictOut<'a> {
    test: &'a str,
    /// Null when the test had no data.
    effect: Option<f64>,
    ci95_low: Option<f64>,
    ci95_high: Option<f64>,
    p_value: Option<f64>,
    p_holm: Option<f64>,
    n: usize,
    paired: bool,
    verdict: &'static str,
}

fn run_one(args: &RunExperimentArgs) -> Result<(), Failure> {
    let e = experiment(&args.name).ok_or_else(|| {
        let names: Vec<&str> = EXPERIMENTS.iter().map(|e| e.name).collect();
        Failure::input(format!(
            "unknown experiment `{}`; available: {}",
            args.name,
            names.join(", ")
        ))
    })?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("experiments").join(e.name));
    check_out(&out, args.resume)?;
    let mut set: Vec<String> = e.sets.iter().map(|s| s.to_string()).collect();
    set.extend(args.set.iter().cloned());
    let reps = args.reps.unwrap_or(e.reps);
    let sweep = SweepArgs {
        model: SweepModel::SilentRivalry,
        scenario: ScenarioArgs {
            preset: None,
            scenario: None,
            set,
            seed: args.seed,
            ticks: args.ticks,
        },
        vary: e.vary.iter().map(|s| s.to_string()).collect(),
        design: None,
        reps,
        jobs: args.jobs,
        shard: None,
        resume: args.resume,
        keep_ticks: false,
        common_seeds: true,
        out: out.join("sweep"),
        quiet: args.quiet,
    };
    if !args.quiet {
        eprintln!(
            "experiment {}: {} ({} reps per design point)",
            e.name, e.claims, reps
        );
    }
    // One sweep, or one per preset (design point k = preset k).
    let presets: Vec<Option<&str>> = if e.presets.is_empty() {
        vec![None]
    } else {
        e.presets.iter().map(|p| Some(*p)).collect()
    };
    let mut runs: Vec<(usize, u32, Vec<f64>)> = Vec::new();
    let mut manifest = None;
    let mut sweep_ids = Vec::new();
    for (k, preset) in presets.iter().enumerate() {
        let mut one = sweep.clone();
        if let Some(p) = preset {
            one.scenario.preset = Some(p.to_string());
            one.out = out.join(format!("sweep-{p}"));
        }
        crate::sweep::run(&one.request()?, one.quiet)?;
        let (m, records) =
            kyoso_io::sweep::read_runs(&one.out).map_err(|e| Failure::runtime(e.to_string()))?;
        if manifest
            .as_ref()
            .is_some_and(|first: &kyoso_io::sweep::Manifest| first.spec.metrics != m.spec.metrics)
        {
            return Err(Failure::runtime(
                "the presets report different metrics; they cannot be compared",
            ));
        }
        sweep_ids.push(m.sweep_id.clone());
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
        manifest = Some(m);
    }
    let manifest = manifest.expect("at least one sweep");
    // Every design point (and every preset's sweep, which has the same
    // base seed) runs replication r with the same seed.
    let data = Runs {
        metric_names: &manifest.spec.metrics,
        runs: &runs,
        common_seeds: true,
    };
    let verdicts: Vec<Verdict> = verdicts(e.tests, &data).map_err(Failure::runtime)?;

    let json: Vec<VerdictOut> = verdicts
        .iter()
        .map(|v| VerdictOut {
            test: v.label,
            effect: v.effect,
            ci95_low: v.ci_low,
            ci95_high: v.ci_high,
            p_value: v.p_value,
            p_holm: v.p_adjusted,
            n: v.n,
            paired: v.paired,
            verdict: v.outcome.name(),
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({
        "experiment": e.name,
        "claims": e.claims,
        "claim": e.claim,
        "design": { "base_overrides": sweep.scenario.set, "vary": sweep.vary, "reps": reps, "presets": e.presets, "sweep_ids": sweep_ids },
        "rule": RULE,
        "verdicts": json,
    }))
    .expect("serialisable");
    text.push('\n');
    std::fs::write(out.join("verdicts.json"), text)
        .map_err(|err| Failure::runtime(format!("{}: {err}", out.display())))?;
    let report = markdown(e, &sweep, reps, &verdicts);
    html_report(&out, e, &sweep, reps, &verdicts, &data)?;
    std::fs::write(out.join("report.md"), &report)
        .map_err(|err| Failure::runtime(format!("{}: {err}", out.display())))?;
    print!("{report}");
    println!(
        "\noutputs: {} (verdicts.json, report.md, sweep/)",
        out.display()
    );
    Ok(())
}

/// A number of a verdict, or a dash without data.
fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |v| format!("{v:.4}"))
}

/// The raw interval, or a dash without data.
fn interval(v: &Verdict) -> String {
    match (v.ci_low, v.ci_high) {
        (Some(l), Some(h)) => format!("[{l:.4}, {h:.4}]"),
        _ => "—".into(),
    }
}

/// A p-value, small ones in scientific notation.
fn pval(x: Option<f64>) -> String {
    match x {
        Some(p) if p < 1e-4 => format!("{p:.1e}"),
        Some(p) => format!("{p:.4}"),
        None => "—".into(),
    }
}

fn markdown(
    e: &kyoso_core::experiments::Experiment,
    sweep: &SweepArgs,
    reps: u32,
    verdicts: &[Verdict],
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Experiment `{}` ({})\n", e.name, e.claims);
    let _ = writeln!(s, "**Claim.** {}\n", e.claim);
    let design = if sweep.vary.is_empty() {
        "the default scenario".to_string()
    } else {
        sweep.vary.join(" × ")
    };
    let overrides = if sweep.scenario.set.is_empty() {
        String::new()
    } else {
        format!(", with {}", sweep.scenario.set.join(", "))
    };
    let _ = writeln!(
        s,
        "**Design.** {design}{overrides}; {reps} replications per design point.\n"
    );
    let _ = writeln!(s, "**Rule.** {RULE}\n");
    let _ = writeln!(
        s,
        "| test | effect | 95 % CI | p | p (Holm) | n | verdict |\n|---|---|---|---|---|---|---|"
    );
    for v in verdicts {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {}{} | **{}** |",
            v.label,
            num(v.effect),
            interval(v),
            pval(v.p_value),
            pval(v.p_adjusted),
            v.n,
            if v.paired { " pairs" } else { "" },
            v.outcome.name()
        );
    }
    s
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
        if m[k].is_finite() {
            acc[*p].push(m[k]);
        }
    }
    acc.iter().map(|a| a.stats()).collect()
}

/// The figure of one test.
fn figure(e: &kyoso_core::experiments::Experiment, test: &Test, data: &Runs<'_>) -> Figure {
    let axes: Vec<(String, Vec<toml::Value>)> = e
        .vary
        .iter()
        .filter_map(|v| kyoso_core::sweep::parse_vary(v).ok())
        .collect();
    let points = if e.presets.is_empty() {
        axes.iter().map(|a| a.1.len()).product::<usize>().max(1)
    } else {
        e.presets.len()
    };
    let category = |metrics: &[&str], y_label: &str| {
        let series = metrics
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let s = per_point(data, m, points)[0];
                Series {
                    label: m.to_string(),
                    points: vec![(i as f64, s.mean)],
                    band: Some(vec![(s.ci_low, s.ci_high)]),
                }
            })
            .collect();
        Figure {
            title: test.label().to_string(),
            x_label: "metric (mean over runs, 95 % CI)".into(),
            y_label: y_label.into(),
            series,
            categories: Some(metrics.iter().map(|m| m.to_string()).collect()),
            mode: kyoso_io::figure::Mode::Auto,
        }
    };
    match test {
        Test::Paired { a, b, .. } | Test::Equivalent { a, b, .. } => {
            category(&[a, b], "value per run")
        }
        Test::Contrast { metric, .. } if !e.presets.is_empty() => {
            let stats = per_point(data, metric, points);
            Figure {
                title: test.label().to_string(),
                x_label: "region preset".into(),
                y_label: format!("{metric} (mean, 95 % CI)"),
                series: vec![Series {
                    label: metric.to_string(),
                    points: stats
                        .iter()
                        .enumerate()
                        .map(|(k, s)| (k as f64, s.mean))
                        .collect(),
                    band: Some(stats.iter().map(|s| (s.ci_low, s.ci_high)).collect()),
                }],
                categories: Some(e.presets.iter().map(|p| p.to_string()).collect()),
                mode: kyoso_io::figure::Mode::Auto,
            }
        }
        Test::Positive { metric, .. } => category(&[metric], "value per run"),
        Test::Contrast { metric, .. } => {
            // x: the first varied key; one line per combination of the others.
            let (key, values) = axes.first().cloned().unwrap_or_default();
            let stats = per_point(data, metric, points);
            let x_of = |v: &toml::Value| {
                v.as_float()
                    .or_else(|| v.as_integer().map(|i| i as f64))
                    .unwrap_or(0.0)
            };
            let inner: usize = axes
                .iter()
                .skip(1)
                .map(|a| a.1.len())
                .product::<usize>()
                .max(1);
            let series = (0..inner)
                .map(|j| {
                    // Point p = i * inner + j for the i-th value of the first key.
                    let mut label = Vec::new();
                    let mut rest = j;
                    for (k, v) in axes.iter().skip(1).rev() {
                        label.push(format!(
                            "{k}={}",
                            kyoso_core::sweep::value_text(&v[rest % v.len()])
                        ));
                        rest /= v.len();
                    }
                    label.reverse();
                    let idx: Vec<usize> = (0..values.len()).map(|i| i * inner + j).collect();
                    Series {
                        label: if label.is_empty() {
                            metric.to_string()
                        } else {
                            label.join(", ")
                        },
                        points: idx
                            .iter()
                            .map(|&p| (x_of(&values[p / inner]), stats[p].mean))
                            .collect(),
                        band: Some(
                            idx.iter()
                                .map(|&p| (stats[p].ci_low, stats[p].ci_high))
                                .collect(),
                        ),
                    }
                })
                .collect();
            Figure {
                title: test.label().to_string(),
                x_label: key,
                y_label: format!("{metric} (mean, 95 % CI)"),
                series,
                categories: None,
                mode: kyoso_io::figure::Mode::Auto,
            }
        }
    }
}

fn html_report(
    out: &std::path::Path,
    e: &kyoso_core::experiments::Experiment,
    sweep: &SweepArgs,
    reps: u32,
    verdicts: &[Verdict],
    data: &Runs<'_>,
) -> Result<(), Failure> {
    let design = if sweep.vary.is_empty() {
        "the default scenario".to_string()
    } else {
        sweep.vary.join(" × ")
    };
    let overrides = if sweep.scenario.set.is_empty() {
        String::new()
    } else {
        format!(
            ", with <code>{}</code>",
            escape(&sweep.scenario.set.join(", "))
        )
    };
    let intro = format!(
        "<p><strong>Claim ({}).</strong> {}</p>\n<p><strong>Design.</strong> {}{overrides}; {reps} replications per design point, 120-month runs unless overridden. Data: <code>sweep/runs.parquet</code>, <code>sweep/summary.csv</code>.</p>\n<p><strong>Rule.</strong> {}</p>",
        escape(e.claims),
        escape(e.claim),
        escape(&design),
        escape(RULE)
    );
    let sections: Vec<Section> = e
        .tests
        .iter()
        .zip(verdicts)
        .enumerate()
        .map(|(k, (t, v))| {
            let class = v.outcome.name().replace(' ', "-");
            Section {
                heading: v.label.to_string(),
                html: format!(
                    "<p>Effect {}, 95 % CI {}, p = {} (Holm-adjusted {}), n = {}{}: <span class=\"verdict {class}\">{}</span>.</p>",
                    num(v.effect),
                    interval(v),
                    pval(v.p_value),
                    pval(v.p_adjusted),
                    v.n,
                    if v.paired { " pairs" } else { "" },
                    v.outcome.name()
                ),
                figure: Some((format!("test-{}", k + 1), figure(e, t, data))),
            }
        })
        .collect();
    kyoso_io::report::write(
        out,
        &format!("kyoso experiment: {}", e.name),
        &intro,
        &sections,
    )
    .map_err(|err| Failure::runtime(err.to_string()))
}

/// An experiment's folder: absent, empty, or (with --resume) one that
/// holds only what an experiment writes. Nothing is written into a
/// user's folder or another command's output.
fn check_out(out: &std::path::Path, resume: bool) -> Result<(), Failure> {
    if kyoso_io::folder::check_folder_can_exist(out).is_err() || (out.exists() && !out.is_dir()) {
        return Err(Failure::input(format!(
            "{}: exists and is not a folder (or lies under a file)",
            out.display()
        )));
    }
    let Ok(entries) = std::fs::read_dir(out) else {
        return Ok(());
    };
    let names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    if !resume {
        return Err(Failure::input(format!(
            "{}: folder exists and is not empty; use --resume to continue that experiment, or another --out",
            out.display()
        )));
    }
    let ours = |n: &str| {
        n == "sweep"
            || n.starts_with("sweep-")
            || ["verdicts.json", "report.md", "report.html", "figures"].contains(&n)
    };
    if let Some(other) = names.iter().find(|n| !ours(n)) {
        return Err(Failure::input(format!(
            "{}: --resume: `{other}` is not something an experiment writes; this is not an experiment folder",
            out.display()
        )));
    }
    Ok(())
}
