//! `kyoso report DIR`: a self-contained HTML report of a run folder
//! (time series of the main metrics) or of a sweep folder (each metric
//! against the first varied parameter, with 95 % bands).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use kyoso_io::figure::{Figure, Series};
use kyoso_io::read::{SummaryRow, TickRow};
use kyoso_io::report::{Section, escape};

use crate::Failure;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A folder written by `kyoso run`, `kyoso sweep` or `kyoso merge`.
    dir: PathBuf,
}

pub fn report(args: &ReportArgs) -> Result<(), Failure> {
    let dir = &args.dir;
    let (title, intro, sections) = if dir.join("ticks.parquet").is_file()
        && dir.join("scenario.toml").is_file()
    {
        run_report(dir)?
    } else if dir.join("summary.csv").is_file() && dir.join("manifest.json").is_file() {
        sweep_report(dir)?
    } else {
        return Err(Failure::input(format!(
            "{}: not a run folder (ticks.parquet, scenario.toml) or a finished sweep folder (summary.csv, manifest.json)",
            dir.display()
        )));
    };
    kyoso_io::report::write(dir, &title, &intro, &sections)
        .map_err(|e| Failure::runtime(e.to_string()))?;
    println!("{}", dir.join("report.html").display());
    Ok(())
}

/// The series of one metric per group, over ticks.
fn series(rows: &[TickRow], metric: &str, group_by: &str, groups: Option<&[&str]>) -> Vec<Series> {
    let mut by_group: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for r in rows
        .iter()
        .filter(|r| r.metric == metric && r.group_by == group_by)
    {
        // A tick without data for the metric (null) leaves no point.
        if groups.is_none_or(|g| g.contains(&r.group.as_str())) && r.value.is_finite() {
            by_group
                .entry(r.group.clone())
                .or_default()
                .push((r.tick as f64, r.value));
        }
    }
    by_group
        .into_iter()
        .map(|(label, points)| Series {
            colour: None,
            label,
            points,
            band: None,
        })
        .collect()
}

/// A strategy's name as people write it (`naive_ingroup` → "naive in-group").
fn strategy_label(name: &str) -> String {
    match name {
        "naive_ingroup" => "naive in-group".into(),
        other => other.replace('_', " "),
    }
}

/// Strategy series: their palette colours and readable labels.
fn by_strategy(mut series: Vec<Series>) -> Vec<Series> {
    for s in &mut series {
        s.colour = kyoso_io::palette::strategy(&s.label);
        s.label = strategy_label(&s.label);
    }
    series
}

fn line(title: &str, y_label: &str, series: Vec<Series>) -> Figure {
    Figure {
        title: title.into(),
        x_label: "month".into(),
        y_label: y_label.into(),
        series,
        categories: None,
        mode: kyoso_io::figure::Mode::Auto,
    }
}

fn run_report(dir: &Path) -> Result<(String, String, Vec<Section>), Failure> {
    let rows = kyoso_io::read::ticks(&dir.join("ticks.parquet"))
        .map_err(|e| Failure::input(e.to_string()))?;
    let summary = std::fs::read_to_string(dir.join("summary.json")).unwrap_or_default();
    let seed = serde_json::from_str::<serde_json::Value>(&summary)
        .ok()
        .and_then(|v| v["seed"].as_u64());
    let intro = format!(
        "<p>Run folder <code>{}</code>{}. Every figure is drawn from <code>ticks.parquet</code>; the scenario is in <code>scenario.toml</code>.</p>",
        escape(&dir.display().to_string()),
        seed.map(|s| format!(", seed {s}")).unwrap_or_default()
    );
    let mut gap = by_strategy(series(
        &rows,
        "expectation_gap",
        "strategy",
        Some(&["naive_ingroup", "calibrated"]),
    ));
    for mut all in series(&rows, "expectation_gap", "all", None) {
        all.label = "all firms".into();
        all.colour = Some(kyoso_io::palette::ALL);
        gap.push(all);
    }
    let mut capability = series(&rows, "capability_mean", "all", None);
    capability[0].label = "mean".into();
    let mut max = series(&rows, "capability_max", "all", None);
    if let Some(m) = max.first_mut() {
        m.label = "frontier".into();
    }
    capability.extend(max);
    // Origins in name order, as the scenario indexes them: the live view's colours.
    let mut shares = series(&rows, "market_share", "origin", None);
    for (k, s) in shares.iter_mut().enumerate() {
        s.colour = Some(kyoso_io::palette::origin(k));
    }
    for mut outside in series(&rows, "market_share", "outside", None) {
        outside.label = "outside option".into();
        outside.colour = Some(kyoso_io::palette::OUTSIDE);
        shares.push(outside);
    }
    let mut partnerships = series(&rows, "partnerships_active", "all", None);
    if let Some(p) = partnerships.first_mut() {
        p.label = "active".into();
        p.colour = Some(kyoso_io::palette::PARTNERSHIPS);
    }
    for cause in series(&rows, "partnerships_dissolved", "cause", None) {
        let mut total = 0.0;
        let points = cause.points.iter().map(|&(t, v)| {
            total += v;
            (t, total)
        });
        partnerships.push(Series {
            label: format!("dissolved by {} (cumulative)", cause.label),
            points: points.collect(),
            band: None,
            colour: kyoso_io::palette::cause(&cause.label),
        });
    }
    let figures = [
        (
            "market-share",
            "Market share by origin",
            line("Market share by origin", "share of demand", shares),
            "Who wins the market; the outside option is local competition (C4, C8).",
        ),
        (
            "expectation-gap",
            "Expectation gap",
            line(
                "Expectation gap: expected in-group trust minus realised in-group sharing",
                "trust minus rate",
                gap,
            ),
            "Positive: firms expect more help from fellow nationals than they get (C1, C3).",
        ),
        (
            "capability",
            "Industry capability",
            line("Industry capability", "utility units", capability),
            "Innovation and imitation lift the industry (C7).",
        ),
        (
            "firms-by-strategy",
            "Firms by strategy",
            line(
                "Firms alive by strategy",
                "firms",
                by_strategy(series(&rows, "firms_alive", "strategy", None)),
            ),
            "Entry, exit and imitation of successful strategies (C9).",
        ),
        (
            "initial-survival",
            "Survival of the initial firms",
            line(
                "Survival of the initial firms by the strategy they started with",
                "fraction still in the market",
                by_strategy(series(&rows, "initial_survival", "initial_strategy", None)),
            ),
            "Survival curves of a matched cohort: the firms present at month 0 (C9).",
        ),
        (
            "partnerships",
            "Partnerships",
            line("Partnerships", "partnerships", partnerships),
            "Partnerships formed and dissolved by cause (C6).",
        ),
        (
            "consumer-surplus",
            "Consumer surplus",
            line(
                "Consumer surplus",
                "utility units x demand",
                series(&rows, "consumer_surplus", "all", None),
            ),
            "Consumers gain as capabilities rise (C7).",
        ),
    ];
    let sections = figures
        .into_iter()
        .map(|(name, heading, figure, text)| Section {
            heading: heading.into(),
            html: format!("<p>{}</p>", escape(text)),
            figure: Some((name.into(), figure)),
        })
        .collect();
    Ok(("kyoso run report".into(), intro, sections))
}

fn sweep_report(dir: &Path) -> Result<(String, String, Vec<Section>), Failure> {
    let (keys, rows) = kyoso_io::read::summary(&dir.join("summary.csv"))
        .map_err(|e| Failure::input(e.to_string()))?;
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("manifest.json"))
            .map_err(|e| Failure::input(e.to_string()))?,
    )
    .map_err(|e| Failure::input(format!("{}: {e}", dir.join("manifest.json").display())))?;
    let model = manifest["spec"]["model"]
        .as_str()
        .unwrap_or("?")
        .to_string();
    let reps = manifest["spec"]["reps"].as_u64().unwrap_or(0);
    let mut metrics: Vec<String> = Vec::new();
    for r in &rows {
        if !metrics.contains(&r.metric) {
            metrics.push(r.metric.clone());
        }
    }
    let preferred = [
        "expectation_gap_naive_ingroup",
        "capability_mean_final",
        "consumer_surplus_last",
        "exits",
        "partnerships_formed",
        "partnership_duration_mean",
        "firms_alive",
    ];
    let shown: Vec<String> = if model == "silent-rivalry" {
        preferred
            .iter()
            .map(|m| m.to_string())
            .filter(|m| metrics.contains(m))
            .collect()
    } else {
        metrics.iter().take(8).cloned().collect()
    };
    let intro = format!(
        "<p>Sweep folder <code>{}</code>: model <code>{}</code>, {} replications per design point, varied: {}. Means with 95 % confidence bands (Student's t) from <code>summary.csv</code>.</p>",
        escape(&dir.display().to_string()),
        escape(&model),
        reps,
        if keys.is_empty() {
            "nothing".into()
        } else {
            escape(&keys.join(", "))
        }
    );
    let sections = shown
        .iter()
        .enumerate()
        .map(|(k, metric)| Section {
            heading: metric.clone(),
            html: String::new(),
            figure: Some((
                format!("metric-{}", k + 1),
                sweep_figure(&keys, &rows, metric),
            )),
        })
        .collect();
    Ok((format!("kyoso sweep report: {model}"), intro, sections))
}

/// A metric against the first varied key, one line per combination of the other keys.
fn sweep_figure(keys: &[String], rows: &[SummaryRow], metric: &str) -> Figure {
    let mine: Vec<&SummaryRow> = rows.iter().filter(|r| r.metric == metric).collect();
    if keys.is_empty() {
        let r = mine[0];
        return Figure {
            title: metric.into(),
            x_label: "".into(),
            y_label: format!("{metric} (mean, 95 % CI)"),
            series: vec![Series {
                colour: None,
                label: metric.into(),
                points: vec![(0.0, r.mean)],
                band: Some(vec![(r.ci_low, r.ci_high)]),
            }],
            categories: Some(vec![metric.into()]),
            mode: kyoso_io::figure::Mode::Auto,
        };
    }
    let numeric = mine.iter().all(|r| r.parameters[0].parse::<f64>().is_ok());
    let mut lines: BTreeMap<String, Vec<&SummaryRow>> = BTreeMap::new();
    for r in &mine {
        let rest: Vec<String> = keys[1..]
            .iter()
            .zip(&r.parameters[1..])
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        lines.entry(rest.join(", ")).or_default().push(r);
    }
    let firsts: Vec<String> = {
        let mut v: Vec<String> = Vec::new();
        for r in &mine {
            if !v.contains(&r.parameters[0]) {
                v.push(r.parameters[0].clone());
            }
        }
        v
    };
    let x = |r: &SummaryRow| {
        if numeric {
            r.parameters[0].parse::<f64>().unwrap_or(0.0)
        } else {
            firsts
                .iter()
                .position(|f| *f == r.parameters[0])
                .unwrap_or(0) as f64
        }
    };
    // Points that are not a full grid (a Latin hypercube, a Morris design)
    // have no lines to draw: each point is a dot.
    let distinct = |k: usize| {
        let mut v: Vec<&str> = mine.iter().map(|r| r.parameters[k].as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    let grid: f64 = (0..keys.len()).map(|k| distinct(k) as f64).product();
    if numeric && grid != mine.len() as f64 {
        return design_scatter(keys, &mine, metric);
    }
    let series = lines
        .into_iter()
        .map(|(label, rs)| Series {
            colour: None,
            label: if label.is_empty() {
                metric.into()
            } else {
                label
            },
            points: rs.iter().map(|r| (x(r), r.mean)).collect(),
            band: Some(rs.iter().map(|r| (r.ci_low, r.ci_high)).collect()),
        })
        .collect();
    Figure {
        title: format!("{metric} by {}", keys[0]),
        x_label: keys[0].clone(),
        y_label: format!("{metric} (mean, 95 % CI)"),
        series,
        categories: (!numeric).then_some(firsts),
        mode: kyoso_io::figure::Mode::Auto,
    }
}

/// A design sweep (points that are not a grid: a Latin hypercube, a
/// Morris design, …): the metric's mean at every design point, with its
/// 95 % CI, against the varied key with the strongest rank correlation.
fn design_scatter(keys: &[String], rows: &[&SummaryRow], metric: &str) -> Figure {
    let value = |r: &SummaryRow, k: usize| r.parameters[k].parse::<f64>().ok();
    let y: Vec<f64> = rows.iter().map(|r| r.mean).collect();
    let strength = |k: usize| {
        let x: Vec<f64> = rows
            .iter()
            .map(|r| value(r, k).unwrap_or(f64::NAN))
            .collect();
        let r = kyoso_explore::stats::correlation(
            &kyoso_explore::stats::ranks(&x),
            &kyoso_explore::stats::ranks(&y),
        );
        if r.is_finite() { r.abs() } else { 0.0 }
    };
    let best = (0..keys.len())
        .filter(|&k| rows.iter().all(|r| value(r, k).is_some()))
        .max_by(|&a, &b| strength(a).total_cmp(&strength(b)))
        .unwrap_or(0);
    Figure {
        title: format!("{metric} at each design point, by {}", keys[best]),
        x_label: keys[best].clone(),
        y_label: format!("{metric} (mean, 95 % CI)"),
        series: vec![Series {
            colour: None,
            label: format!("{} design points", rows.len()),
            points: rows
                .iter()
                .map(|r| (value(r, best).unwrap_or(f64::NAN), r.mean))
                .collect(),
            band: Some(rows.iter().map(|r| (r.ci_low, r.ci_high)).collect()),
        }],
        categories: None,
        mode: kyoso_io::figure::Mode::Scatter,
    }
}
