//! The exploration report (report.html): for each metric, the parameters
//! ranked by the lead index with 95 % intervals, Morris's μ*–σ plane, the
//! output against its strongest parameter; for discovery, PRIM's
//! coverage–density trade-off and the chosen box.

use kyoso_explore::sensitivity::Index;
use kyoso_io::figure::{Figure, Mode, Series};
use kyoso_io::report::{Section, escape};

use crate::explore::{Analysis, Design, Discovery, MetricIndices, Outputs};

/// Parameters shown in a ranking figure (all are in the table).
const SHOWN: usize = 15;
/// Scatter plots per metric: against every parameter of a space this
/// small, else against this many of its strongest.
const SCATTER_ALL_UP_TO: usize = 8;
const SCATTER_STRONGEST: usize = 6;
/// At most about this many points in a scatter plot.
const SCATTERED: usize = 2_000;

fn fmt(x: f64) -> String {
    if x == 0.0 || (1e-3..1e5).contains(&x.abs()) {
        format!("{x:.4}")
    } else {
        format!("{x:.3e}")
    }
}

fn interval(i: &Index) -> String {
    i.ci.map(|(l, h)| format!("[{}, {}]", fmt(l), fmt(h)))
        .unwrap_or_else(|| "—".into())
}

/// The index `name` of parameter `p` in `m`, if any.
fn find<'a>(m: &'a MetricIndices, name: &str, p: usize) -> Option<&'a Index> {
    m.indices
        .iter()
        .find(|i| i.index == name && i.parameter == p && i.other.is_none())
}

/// The sections of a sensitivity report, one group per metric.
pub fn sensitivity_sections(
    analysis: Analysis,
    design: &Design,
    outputs: &Outputs,
    all: &[MetricIndices],
) -> Vec<Section> {
    let keys = design.info.space.keys();
    let values = design.numeric_rows();
    let mut sections = Vec::new();
    for (n, m) in all.iter().enumerate() {
        let ranked = m.ranking(analysis);
        let lead = analysis.lead_index();
        let noise = m
            .noise
            .map(|s| {
                format!(
                    "<p>Replication noise is {:.0} % of this metric's variance over all runs{}.</p>",
                    s * 100.0,
                    if s > 0.5 {
                        ": most of its spread is chance, not the parameters; read small indices with care"
                    } else {
                        ""
                    }
                )
            })
            .unwrap_or_default();
        // The ranking table: every parameter.
        let columns: &[&str] = match analysis {
            Analysis::Morris => &["mu_star", "mu", "sigma"],
            Analysis::Sobol => &["ST", "S1"],
            Analysis::Regression => &["PRCC", "SRC"],
            Analysis::Correlation => &["SRCC"],
        };
        let floor = m.noise_floor;
        let floor_text = floor
            .map(|f| {
                format!(
                    "<p>Replication noise alone would give a parameter without any effect {lead} ≈ {}: a parameter whose interval does not clear it is not told apart from noise (last column).</p>",
                    fmt(f)
                )
            })
            .unwrap_or_default();
        let mut table = String::from("<table><tr><th>rank</th><th>parameter</th>");
        for c in columns {
            table.push_str(&format!("<th>{c}</th><th>95 % interval</th>"));
        }
        if floor.is_some() {
            table.push_str("<th>above noise</th>");
        }
        table.push_str("</tr>");
        for (r, i) in ranked.iter().enumerate() {
            table.push_str(&format!(
                "<tr><td>{}</td><td><code>{}</code></td>",
                r + 1,
                escape(&keys[i.parameter])
            ));
            for c in columns {
                match find(m, c, i.parameter) {
                    Some(x) => table.push_str(&format!(
                        "<td>{}</td><td>{}</td>",
                        fmt(x.estimate),
                        interval(x)
                    )),
                    None => table.push_str("<td>—</td><td>—</td>"),
                }
            }
            if let Some(f) = floor {
                let clear = i.ci.map_or(i.estimate, |c| c.0) > f;
                table.push_str(if clear { "<td>yes</td>" } else { "<td>no</td>" });
            }
            table.push_str("</tr>");
        }
        table.push_str("</table>");
        let top: Vec<&Index> = ranked.iter().take(SHOWN).copied().collect();
        let names: Vec<String> = top.iter().map(|i| keys[i.parameter].clone()).collect();
        let series_of = |name: &str| Series {
            line: false,
            colour: None,
            label: name.to_string(),
            points: top
                .iter()
                .enumerate()
                .map(|(k, i)| {
                    (
                        k as f64,
                        find(m, name, i.parameter).map_or(f64::NAN, |x| x.estimate),
                    )
                })
                .collect(),
            band: Some(
                top.iter()
                    .map(|i| {
                        find(m, name, i.parameter)
                            .and_then(|x| x.ci)
                            .unwrap_or((f64::NAN, f64::NAN))
                    })
                    .collect(),
            ),
        };
        let mut series = match analysis {
            Analysis::Sobol => vec![series_of("ST"), series_of("S1")],
            Analysis::Regression => vec![series_of("PRCC"), series_of("SRC")],
            Analysis::Morris => vec![series_of("mu_star")],
            Analysis::Correlation => vec![series_of("SRCC")],
        };
        if let Some(f) = floor {
            series.push(Series {
                line: false,
                colour: None,
                label: format!("noise alone ({lead})"),
                points: (0..top.len()).map(|k| (k as f64, f)).collect(),
                band: None,
            });
        }
        let ranking = Figure {
            title: format!("{}: parameters by {lead}", m.metric),
            x_label: format!("{lead} (95 % bootstrap interval)"),
            y_label: String::new(),
            series,
            categories: Some(names),
            mode: Mode::Horizontal,
        };
        let html = format!(
            "<p>The {} of {} parameters with the largest {lead}, with 95 % bootstrap intervals; the table ranks them all.</p>{noise}{floor_text}{table}",
            top.len().min(ranked.len()),
            ranked.len()
        );
        sections.push(Section {
            heading: m.metric.clone(),
            html,
            figure: Some((format!("ranking-{}", n + 1), ranking)),
        });
        if analysis == Analysis::Morris {
            let plane = Figure {
                title: format!("{}: Morris μ* against σ", m.metric),
                x_label: "mu_star (mean absolute elementary effect)".into(),
                y_label: "sigma (spread of the effects)".into(),
                series: vec![Series {
                    line: false,
                    colour: None,
                    label: format!("{} parameters", ranked.len()),
                    points: ranked
                        .iter()
                        .map(|i| {
                            (
                                i.estimate,
                                find(m, "sigma", i.parameter).map_or(f64::NAN, |x| x.estimate),
                            )
                        })
                        .collect(),
                    band: None,
                }],
                categories: None,
                mode: Mode::Scatter,
            };
            sections.push(Section {
                heading: format!("{}: linear or interacting?", m.metric),
                html: "<p>Parameters far right matter; those high above the diagonal act through interactions or non-linearly (σ large against μ*), those near the bottom act alone and linearly.</p>".into(),
                figure: Some((format!("mu-sigma-{}", n + 1), plane)),
            });
        }
        let k = outputs
            .names
            .iter()
            .position(|x| *x == m.metric)
            .expect("analysed metrics are outputs");
        // Every SCATTERED-th row, so a figure stays light for any design.
        let every = values.len().div_ceil(SCATTERED).max(1);
        let shown = values.len().div_ceil(every);
        let scatters = if ranked.len() <= SCATTER_ALL_UP_TO {
            ranked.len()
        } else {
            SCATTER_STRONGEST
        };
        for (rank, i) in ranked.iter().take(scatters).enumerate() {
            let p = i.parameter;
            let scatter = Figure {
                title: format!("{} against {}", m.metric, keys[p]),
                x_label: keys[p].clone(),
                y_label: format!("{} (mean over replications)", m.metric),
                series: vec![Series {
                    line: false,
                    colour: None,
                    label: if every > 1 {
                        format!("{shown} of {} design rows", values.len())
                    } else {
                        format!("{} design rows", values.len())
                    },
                    points: values
                        .iter()
                        .zip(&outputs.means[k])
                        .step_by(every)
                        .map(|(row, &y)| (row[p], y))
                        .collect(),
                    band: None,
                }],
                categories: None,
                mode: Mode::Scatter,
            };
            sections.push(Section {
                heading: format!("{} against {} (rank {})", m.metric, keys[p], rank + 1),
                html: if rank == 0 {
                    format!(
                        "<p>The output at design rows against {}, strongest first, all other parameters varying at once: the spread around a trend is what that parameter does not explain.{}</p>",
                        if scatters == ranked.len() {
                            "every parameter".to_string()
                        } else {
                            format!("each of its {scatters} strongest parameters")
                        },
                        if every > 1 {
                            format!(" Every {every}th row is drawn ({shown} of {}); the tables hold them all.", values.len())
                        } else {
                            String::new()
                        }
                    )
                } else {
                    String::new()
                },
                figure: Some((format!("scatter-{}-{}", n + 1, rank + 1), scatter)),
            });
        }
    }
    sections
}

/// The sections of a discovery report.
pub fn discovery_sections(design: &Design, d: &Discovery) -> Vec<Section> {
    let keys = design.info.space.keys();
    let trade = Figure {
        title: format!("PRIM peeling: where {} {} holds", d.metric, d.condition),
        x_label: "coverage (share of the rows where it holds that the box keeps)".into(),
        y_label: "density (share of the box's rows where it holds)".into(),
        series: vec![
            Series {
                line: false,
                colour: None,
                label: "peeling trajectory".into(),
                points: d
                    .prim
                    .trajectory
                    .iter()
                    .map(|b| (b.coverage, b.density))
                    .collect(),
                band: None,
            },
            Series {
                line: false,
                colour: None,
                label: "chosen box".into(),
                points: vec![(d.prim.chosen.coverage, d.prim.chosen.density)],
                band: None,
            },
        ],
        categories: None,
        mode: Mode::Scatter,
    };
    let b = &d.prim.chosen;
    let mut table = String::from(
        "<table><tr><th>parameter</th><th>low</th><th>high</th><th>design range</th></tr>",
    );
    let ranges: Vec<(f64, f64)> = design
        .info
        .space
        .parameters
        .iter()
        .map(|p| p.bounds())
        .collect();
    for &dim in &b.restricted {
        table.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>[{}, {}]</td></tr>",
            escape(&keys[dim]),
            fmt(b.limits[dim].0),
            fmt(b.limits[dim].1),
            fmt(ranges[dim].0),
            fmt(ranges[dim].1)
        ));
    }
    table.push_str("</table>");
    let holds = d.target.iter().filter(|&&t| t).count();
    let html = format!(
        "<p><code>{} {}</code> holds in {holds} of {} design rows. The chosen box keeps {:.0} % of them (coverage) and {:.0} % of its rows satisfy it (density; {:.0} % over the whole design); it covers {:.0} % of the design (mass). {}</p>{}",
        escape(&d.metric),
        escape(&d.condition.to_string()),
        d.target.len(),
        b.coverage * 100.0,
        b.density * 100.0,
        holds as f64 / d.target.len().max(1) as f64 * 100.0,
        b.mass * 100.0,
        if b.restricted.is_empty() {
            "It restricts no parameter: the condition is not confined to a region of this space."
        } else {
            "It restricts these parameters:"
        },
        if b.restricted.is_empty() {
            String::new()
        } else {
            table
        }
    );
    vec![Section {
        heading: "Scenario discovery (PRIM)".into(),
        html,
        figure: Some(("prim-tradeoff".into(), trade)),
    }]
}
