//! `kyoso report DIR [--metric NAME ...]`: a self-contained HTML report
//! of a run folder (time series of the main metrics, or of the metrics
//! named) or of a sweep folder (each metric against the varied parameters:
//! lines with 95 % bands over a grid; for a design such as a Latin
//! hypercube, a scatter of the design points against each parameter with
//! a smoother). Every axis says what it shows and in which unit.

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
    /// Metrics to draw (repeatable, or several after one flag): columns of
    /// ticks.parquet for a run, metrics of summary.csv for a sweep.
    /// Default: the headline set.
    #[arg(long = "metric", value_name = "NAME", num_args = 1..)]
    metrics: Vec<String>,
}

pub fn report(args: &ReportArgs) -> Result<(), Failure> {
    let dir = &args.dir;
    let (title, intro, sections) = if dir.join("ticks.parquet").is_file()
        && dir.join("scenario.toml").is_file()
    {
        run_report(dir, &args.metrics)?
    } else if dir.join("summary.csv").is_file() && dir.join("manifest.json").is_file() {
        sweep_report(dir, &args.metrics)?
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
            line: false,
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

/// The metrics a user asked for, checked against those a file holds:
/// an unknown name is an input error naming the file, the name, the
/// nearest one and every one available.
fn chosen(asked: &[String], available: &[String], file: &Path) -> Result<Vec<String>, Failure> {
    for m in asked {
        if !available.contains(m) {
            let near = kyoso_core::params::nearest(m, available.iter().map(String::as_str))
                .map(|n| format!("did you mean `{n}`? "))
                .unwrap_or_default();
            return Err(Failure::input(format!(
                "{}: no metric `{m}` (--metric); {near}available: {}",
                file.display(),
                available.join(", ")
            )));
        }
    }
    let mut out: Vec<String> = Vec::new();
    for m in asked {
        if !out.contains(m) {
            out.push(m.clone());
        }
    }
    Ok(out)
}

/// A metric's name in words, with its unit when documented.
fn described(metric: &str, unit: Option<&str>) -> String {
    let words = kyoso_engine::experiment::metric_words(metric);
    match unit {
        Some(u) if !u.is_empty() && u != "—" => format!("{words} ({u})"),
        _ => words,
    }
}

/// The unit of a ticks.parquet metric (docs/outputs.md).
fn tick_unit(metric: &str) -> Option<&'static str> {
    kyoso_core::silent_rivalry::METRICS
        .iter()
        .find(|m| m.name == metric)
        .map(|m| m.unit)
}

/// The figures of the metrics named with `--metric` in a run folder: each
/// metric's groups (its rows' group_by with the fewest groups, "all" when
/// there) over months.
fn run_metric_figures(rows: &[TickRow], metrics: &[String]) -> Vec<Section> {
    metrics
        .iter()
        .enumerate()
        .map(|(k, metric)| {
            let mut by: Vec<&str> = rows
                .iter()
                .filter(|r| &r.metric == metric)
                .map(|r| r.group_by.as_str())
                .collect();
            by.sort_unstable();
            by.dedup();
            let group_by = if by.contains(&"all") {
                "all"
            } else {
                by.first().copied().unwrap_or("all")
            };
            let mut lines = series(rows, metric, group_by, None);
            if group_by == "strategy" || group_by == "initial_strategy" {
                lines = by_strategy(lines);
            } else if group_by == "origin" {
                for (i, s) in lines.iter_mut().enumerate() {
                    s.colour = Some(kyoso_io::palette::origin(i));
                }
            }
            let label = described(metric, tick_unit(metric));
            Section {
                heading: kyoso_engine::experiment::metric_words(metric),
                html: format!(
                    "<p><code>{}</code> by {}, from <code>ticks.parquet</code>.</p>",
                    escape(metric),
                    escape(group_by)
                ),
                figure: Some((
                    format!("metric-{}", k + 1),
                    line(
                        &kyoso_engine::experiment::metric_words(metric),
                        &label,
                        lines,
                    ),
                )),
            }
        })
        .collect()
}

fn run_report(dir: &Path, asked: &[String]) -> Result<(String, String, Vec<Section>), Failure> {
    let rows = kyoso_io::read::ticks(&dir.join("ticks.parquet"))
        .map_err(|e| Failure::input(e.to_string()))?;
    let chosen_metrics = if asked.is_empty() {
        Vec::new()
    } else {
        let mut available: Vec<String> = Vec::new();
        for r in &rows {
            if !available.contains(&r.metric) {
                available.push(r.metric.clone());
            }
        }
        chosen(asked, &available, &dir.join("ticks.parquet"))?
    };
    let summary = std::fs::read_to_string(dir.join("summary.json")).unwrap_or_default();
    let seed = serde_json::from_str::<serde_json::Value>(&summary)
        .ok()
        .and_then(|v| v["seed"].as_u64());
    let intro = format!(
        "<p>Run folder <code>{}</code>{}. Every figure is drawn from <code>ticks.parquet</code>; the scenario is in <code>scenario.toml</code>.</p>",
        escape(&dir.display().to_string()),
        seed.map(|s| format!(", seed {s}")).unwrap_or_default()
    );
    if !chosen_metrics.is_empty() {
        return Ok((
            "kyoso run report".into(),
            intro,
            run_metric_figures(&rows, &chosen_metrics),
        ));
    }
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
            line: false,
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

fn sweep_report(dir: &Path, asked: &[String]) -> Result<(String, String, Vec<Section>), Failure> {
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
    let shown: Vec<String> = if !asked.is_empty() {
        chosen(asked, &metrics, &dir.join("summary.csv"))?
    } else if model == "silent-rivalry" {
        preferred
            .iter()
            .map(|m| m.to_string())
            .filter(|m| metrics.contains(m))
            .collect()
    } else {
        metrics.iter().take(8).cloned().collect()
    };
    let unit = |metric: &str| kyoso_core::metric_docs::find(&model, metric).map(|p| p.unit);
    let design = is_design(&keys, &rows);
    let intro = format!(
        "<p>Sweep folder <code>{}</code>: model <code>{}</code>, {} replications per design point, varied: {}. {} from <code>summary.csv</code>. Other metrics: <code>kyoso report DIR --metric NAME ...</code>.</p>",
        escape(&dir.display().to_string()),
        escape(&model),
        reps,
        if keys.is_empty() {
            "nothing".into()
        } else {
            escape(&keys.join(", "))
        },
        if design {
            "The design points are not a grid: each metric is drawn against each varied parameter, one dot per design point (mean over its replications, with its 95 % interval), and a smoother (local linear, tricube weights over the nearest 60 % of the points) shows the trend"
        } else {
            "Means with 95 % confidence bands (Student's t)"
        }
    );
    let mut sections = Vec::new();
    for (m, metric) in shown.iter().enumerate() {
        let label = described(metric, unit(metric));
        if design {
            for (k, key) in keys.iter().enumerate() {
                sections.push(Section {
                    heading: format!(
                        "{} against {key}",
                        kyoso_engine::experiment::metric_words(metric)
                    ),
                    html: String::new(),
                    figure: Some((
                        format!("metric-{}-{}", m + 1, k + 1),
                        design_scatter(&rows, k, key, metric, &label),
                    )),
                });
            }
        } else {
            sections.push(Section {
                heading: kyoso_engine::experiment::metric_words(metric),
                html: String::new(),
                figure: Some((
                    format!("metric-{}", m + 1),
                    sweep_figure(&keys, &rows, metric, &label),
                )),
            });
        }
    }
    Ok((format!("kyoso sweep report: {model}"), intro, sections))
}

/// Whether a sweep's points are a design rather than a full grid: numeric
/// parameters whose distinct values do not multiply to the point count
/// (a Latin hypercube, a Morris or Sobol' design).
fn is_design(keys: &[String], rows: &[SummaryRow]) -> bool {
    let Some(first) = rows.first() else {
        return false;
    };
    let mine: Vec<&SummaryRow> = rows.iter().filter(|r| r.metric == first.metric).collect();
    if keys.is_empty()
        || !mine
            .iter()
            .all(|r| r.parameters.iter().all(|v| v.parse::<f64>().is_ok()))
    {
        return false;
    }
    let distinct = |k: usize| {
        let mut v: Vec<&str> = mine.iter().map(|r| r.parameters[k].as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    let grid: f64 = (0..keys.len()).map(|k| distinct(k) as f64).product();
    grid != mine.len() as f64
}

/// A metric against the first varied key, one line per combination of the other keys.
fn sweep_figure(keys: &[String], rows: &[SummaryRow], metric: &str, label: &str) -> Figure {
    let words = kyoso_engine::experiment::metric_words(metric);
    let mine: Vec<&SummaryRow> = rows.iter().filter(|r| r.metric == metric).collect();
    if keys.is_empty() {
        let r = mine[0];
        return Figure {
            title: words,
            x_label: "".into(),
            y_label: label.into(),
            series: vec![Series {
                line: false,
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
    let series = lines
        .into_iter()
        .map(|(label, rs)| Series {
            line: false,
            colour: None,
            label: if label.is_empty() {
                words.clone()
            } else {
                label
            },
            points: rs.iter().map(|r| (x(r), r.mean)).collect(),
            band: Some(rs.iter().map(|r| (r.ci_low, r.ci_high)).collect()),
        })
        .collect();
    Figure {
        title: format!("{words} by {}", keys[0]),
        x_label: keys[0].clone(),
        y_label: label.into(),
        series,
        categories: (!numeric).then_some(firsts),
        mode: kyoso_io::figure::Mode::Auto,
    }
}

/// A design sweep: the metric's mean at every design point (with its 95 %
/// CI) against varied key `k`, and a smoother through them.
fn design_scatter(rows: &[SummaryRow], k: usize, key: &str, metric: &str, label: &str) -> Figure {
    let mine: Vec<&SummaryRow> = rows.iter().filter(|r| r.metric == metric).collect();
    let x = |r: &SummaryRow| r.parameters[k].parse::<f64>().unwrap_or(f64::NAN);
    let dots: Vec<(f64, f64)> = mine.iter().map(|r| (x(r), r.mean)).collect();
    let trend = smooth(&dots, 0.6, 40);
    let mut series = vec![Series {
        line: false,
        colour: Some(kyoso_io::palette::PARTNERSHIPS),
        label: format!("{} design points (mean, 95 % CI)", mine.len()),
        points: dots,
        band: Some(mine.iter().map(|r| (r.ci_low, r.ci_high)).collect()),
    }];
    if trend.len() > 1 {
        series.push(Series {
            line: true,
            colour: Some(kyoso_io::palette::ALL),
            label: "smoother (local linear, span 0.6)".into(),
            points: trend,
            band: None,
        });
    }
    Figure {
        title: format!(
            "{} against {key}",
            kyoso_engine::experiment::metric_words(metric)
        ),
        x_label: key.into(),
        y_label: label.into(),
        series,
        categories: None,
        mode: kyoso_io::figure::Mode::Scatter,
    }
}

/// A LOWESS-style smoother without robustness iterations: at each of `n`
/// evenly spaced x, a weighted least-squares line through the nearest
/// `span` fraction of the points (tricube weights on distance), evaluated
/// there. Points with a missing coordinate are left out; fewer than three
/// points give nothing to draw.
fn smooth(points: &[(f64, f64)], span: f64, n: usize) -> Vec<(f64, f64)> {
    let p: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    if p.len() < 3 {
        return Vec::new();
    }
    let lo = p.iter().map(|q| q.0).fold(f64::INFINITY, f64::min);
    let hi = p.iter().map(|q| q.0).fold(f64::NEG_INFINITY, f64::max);
    if hi <= lo {
        return Vec::new();
    }
    let k = ((span * p.len() as f64).ceil() as usize).clamp(3, p.len());
    (0..n)
        .filter_map(|i| {
            let x0 = lo + (hi - lo) * i as f64 / (n - 1) as f64;
            let mut d: Vec<f64> = p.iter().map(|q| (q.0 - x0).abs()).collect();
            d.sort_by(f64::total_cmp);
            let h = d[k - 1].max(1e-12 * (hi - lo));
            let (mut sw, mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for &(x, y) in &p {
                let u = (x - x0).abs() / h;
                if u >= 1.0 {
                    continue;
                }
                let w = (1.0 - u * u * u).powi(3);
                sw += w;
                sx += w * x;
                sy += w * y;
                sxx += w * x * x;
                sxy += w * x * y;
            }
            if sw <= 0.0 {
                return None;
            }
            let (mx, my) = (sx / sw, sy / sw);
            let var = sxx / sw - mx * mx;
            let y0 = if var > 1e-12 * (hi - lo) * (hi - lo) {
                my + (sxy / sw - mx * my) / var * (x0 - mx)
            } else {
                my
            };
            Some((x0, y0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::smooth;

    #[test]
    fn the_smoother_reproduces_a_line_and_follows_a_curve() {
        let line: Vec<(f64, f64)> = (0..20).map(|i| (i as f64, 2.0 * i as f64 - 3.0)).collect();
        for (x, y) in smooth(&line, 0.6, 15) {
            assert!((y - (2.0 * x - 3.0)).abs() < 1e-9, "{x}: {y}");
        }
        // A parabola: the smoother tracks it within a small error, a straight line would not.
        let curve: Vec<(f64, f64)> = (0..41)
            .map(|i| {
                let x = -1.0 + i as f64 / 20.0;
                (x, x * x)
            })
            .collect();
        let s = smooth(&curve, 0.3, 21);
        assert_eq!(s.len(), 21);
        assert!(s.iter().all(|(x, y)| (y - x * x).abs() < 0.03), "{s:?}");
        assert!(smooth(&[(0.0, 1.0), (1.0, 2.0)], 0.6, 10).is_empty());
        assert!(smooth(&[(1.0, 1.0), (1.0, 2.0), (1.0, 3.0)], 0.6, 10).is_empty());
    }
}
