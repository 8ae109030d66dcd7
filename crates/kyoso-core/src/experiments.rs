//! The article's claims as experiments: a catalogue of designs and the
//! rules that turn their data into verdicts. Pure: the command line runs
//! the sweeps and hands the per-run metrics to [`Test::evaluate`].
//!
//! A verdict rule is always the same, stated in every report: the effect
//! (a difference the claim predicts to be positive) is estimated with its
//! 95 % confidence interval (Student's t). *Supported* when the whole
//! interval is above 0; *not supported* when it is entirely below 0;
//! *mixed* when it contains 0.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// One experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    pub name: &'static str,
    /// The claims of the spec it tests, e.g. "C1, C9".
    pub claims: &'static str,
    /// The claim in plain words.
    pub claim: &'static str,
    /// Overrides of the default scenario (`--set`).
    pub sets: &'static [&'static str],
    /// The design (`--vary`); empty for replications only.
    pub vary: &'static [&'static str],
    /// Default replications per design point.
    pub reps: u32,
    /// When not empty, the design is these presets side by side (one sweep
    /// each; design point k is preset k).
    pub presets: &'static [&'static str],
    /// What the data must show.
    pub tests: &'static [Test],
}

/// A prediction that a difference is positive.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Within each run, metric `a` minus metric `b` (paired).
    Paired {
        label: &'static str,
        a: &'static str,
        b: &'static str,
    },
    /// Metric at design point `high` minus at design point `low` (Welch).
    Contrast {
        label: &'static str,
        metric: &'static str,
        high: usize,
        low: usize,
    },
    /// The metric itself (one sample) is positive.
    Positive {
        label: &'static str,
        metric: &'static str,
    },
    /// Within each run, metrics `a` and `b` agree within `margin`: supported
    /// when the whole interval of a − b lies inside (−margin, margin), not
    /// supported when it lies entirely outside, mixed otherwise.
    Equivalent {
        label: &'static str,
        a: &'static str,
        b: &'static str,
        margin: f64,
    },
}

/// The outcome of a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Supported,
    NotSupported,
    Mixed,
}

impl Outcome {
    /// The word used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Supported => "supported",
            Outcome::NotSupported => "not supported",
            Outcome::Mixed => "mixed",
        }
    }
}

/// A computed verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub label: &'static str,
    /// Estimated effect (predicted positive).
    pub effect: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Observations behind the estimate (runs, or runs per arm).
    pub n: usize,
    pub outcome: Outcome,
}

/// Per-run metrics as handed to the tests: (design point, metric values).
pub struct Runs<'a> {
    pub metric_names: &'a [String],
    pub runs: &'a [(usize, Vec<f64>)],
}

impl Runs<'_> {
    fn column(&self, metric: &str) -> Result<usize, String> {
        self.metric_names
            .iter()
            .position(|m| m == metric)
            .ok_or_else(|| format!("no metric `{metric}` in the runs"))
    }
}

/// Mean and half-width of the 95 % t interval of a sample.
fn mean_ci(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (mean, f64::INFINITY);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .expect("n >= 2")
        .inverse_cdf(0.975);
    (mean, t * (var / n).sqrt())
}

/// Welch's interval for mean(a) − mean(b).
fn welch(a: &[f64], b: &[f64]) -> (f64, f64) {
    let stats = |x: &[f64]| {
        let n = x.len() as f64;
        let m = x.iter().sum::<f64>() / n;
        let v = if x.len() > 1 {
            x.iter().map(|y| (y - m).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            f64::INFINITY
        };
        (m, v / n, n)
    };
    let (ma, va, na) = stats(a);
    let (mb, vb, nb) = stats(b);
    let se2 = va + vb;
    if !se2.is_finite() || se2 == 0.0 {
        return (ma - mb, if se2 == 0.0 { 0.0 } else { f64::INFINITY });
    }
    let df = se2 * se2 / (va * va / (na - 1.0) + vb * vb / (nb - 1.0));
    let t = StudentsT::new(0.0, 1.0, df.max(1.0))
        .expect("df >= 1")
        .inverse_cdf(0.975);
    (ma - mb, t * se2.sqrt())
}

/// The verdict rule.
pub fn outcome(low: f64, high: f64) -> Outcome {
    if low > 0.0 {
        Outcome::Supported
    } else if high < 0.0 {
        Outcome::NotSupported
    } else {
        Outcome::Mixed
    }
}

impl Test {
    /// The label of the test.
    pub fn label(&self) -> &'static str {
        match self {
            Test::Paired { label, .. }
            | Test::Contrast { label, .. }
            | Test::Positive { label, .. }
            | Test::Equivalent { label, .. } => label,
        }
    }

    /// Computes the verdict from per-run metrics.
    pub fn evaluate(&self, runs: &Runs<'_>) -> Result<Verdict, String> {
        let (effect, half, n) = match self {
            Test::Paired { a, b, .. } | Test::Equivalent { a, b, .. } => {
                let (ia, ib) = (runs.column(a)?, runs.column(b)?);
                let d: Vec<f64> = runs.runs.iter().map(|(_, m)| m[ia] - m[ib]).collect();
                let (m, h) = mean_ci(&d);
                (m, h, d.len())
            }
            Test::Positive { metric, .. } => {
                let i = runs.column(metric)?;
                let x: Vec<f64> = runs.runs.iter().map(|(_, m)| m[i]).collect();
                let (m, h) = mean_ci(&x);
                (m, h, x.len())
            }
            Test::Contrast {
                metric, high, low, ..
            } => {
                let i = runs.column(metric)?;
                let arm = |p: usize| -> Vec<f64> {
                    runs.runs
                        .iter()
                        .filter(|(q, _)| *q == p)
                        .map(|(_, m)| m[i])
                        .collect()
                };
                let (h, l) = (arm(*high), arm(*low));
                if h.is_empty() || l.is_empty() {
                    return Err(format!("design points {high} and {low} need runs"));
                }
                let (d, half) = welch(&h, &l);
                (d, half, h.len().min(l.len()))
            }
        };
        if runs.runs.is_empty() {
            return Err("no runs".into());
        }
        let (low, high) = (effect - half, effect + half);
        let verdict = match self {
            Test::Equivalent { margin, .. } => {
                if low > -margin && high < *margin {
                    Outcome::Supported
                } else if low >= *margin || high <= -margin {
                    Outcome::NotSupported
                } else {
                    Outcome::Mixed
                }
            }
            _ => outcome(low, high),
        };
        Ok(Verdict {
            label: self.label(),
            effect,
            ci_low: low,
            ci_high: high,
            n,
            outcome: verdict,
        })
    }
}

/// Every experiment, in the order of the claims.
pub const EXPERIMENTS: &[Experiment] = &[
    Experiment {
        name: "illusion",
        claims: "C1, C9",
        claim: "Newcomers expect fellow nationals to help, but that expectation is an illusion; calibrated trust (treat others as equals, share carefully) earns more and survives better than naive in-group trust.",
        sets: &[],
        vary: &[],
        reps: 30,
        presets: &[],
        tests: &[
            Test::Positive {
                label: "naive in-group firms overestimate in-group help (expectation gap > 0)",
                metric: "expectation_gap_naive_ingroup",
            },
            Test::Paired {
                label: "calibrated firms earn more than naive in-group firms (lifetime profit, same run)",
                a: "total_profit_calibrated",
                b: "total_profit_naive_ingroup",
            },
            Test::Paired {
                label: "calibrated firms survive more often than naive in-group firms (same run)",
                a: "survival_calibrated",
                b: "survival_naive_ingroup",
            },
        ],
    },
    Experiment {
        name: "veneer",
        claims: "C3",
        claim: "Silent rivalry hides behind a polite surface: when withholding is rarely detected, trust in fellow nationals stays inflated, and those who exploit it are seldom caught.",
        sets: &[],
        vary: &["encounters.detect=0.05,0.25,0.5,0.75,0.95"],
        reps: 20,
        presets: &[],
        tests: &[
            Test::Contrast {
                label: "the expectation gap is larger at detection 0.05 than at 0.95",
                metric: "expectation_gap_naive_ingroup",
                high: 0,
                low: 4,
            },
            Test::Contrast {
                label: "betrayals by opportunist partners are caught less often at detection 0.05 than at 0.95 (fewer detected)",
                metric: "betrayals_detected",
                high: 4,
                low: 0,
            },
            Test::Contrast {
                label: "exploitation pays: opportunists earn more at detection 0.05 than at 0.95",
                metric: "total_profit_opportunist",
                high: 0,
                low: 4,
            },
        ],
    },
    Experiment {
        name: "rivalry-lifts-industry",
        claims: "C7",
        claim: "Rivalry invigorates the industry: firms neck and neck invest to escape competition, capabilities rise and consumers gain.",
        sets: &[],
        vary: &["innovation.escape_pressure=0,1,2,3"],
        reps: 20,
        presets: &[],
        tests: &[
            Test::Contrast {
                label: "mean capability is higher with strong escape-competition pressure (3 vs 0)",
                metric: "capability_mean_final",
                high: 3,
                low: 0,
            },
            Test::Contrast {
                label: "consumer surplus is higher with strong escape-competition pressure (3 vs 0)",
                metric: "consumer_surplus_last",
                high: 3,
                low: 0,
            },
        ],
    },
    Experiment {
        name: "partnerships",
        claims: "C6",
        claim: "Differing corporate cultures and time horizons make partnerships rocky until they collapse: partnerships last less when cultures differ more and when horizons differ more.",
        sets: &[],
        // Short-horizon firms discount at 0.90 (the default gap to long-horizon firms' 0.98) or at 0.98 (no gap).
        vary: &[
            "firms.culture_sd=0.02,0.15,0.35",
            "horizons.short_discount=0.90,0.98",
        ],
        reps: 20,
        presets: &[],
        tests: &[
            Test::Contrast {
                label: "partnerships last longer among similar cultures (culture spread 0.02 vs 0.35, default horizons)",
                metric: "partnership_duration_mean",
                high: 0,
                low: 4,
            },
            Test::Contrast {
                label: "partnerships last longer without a horizon gap (discounts 0.98/0.98 vs 0.98/0.90, culture spread 0.15)",
                metric: "partnership_duration_mean",
                high: 3,
                low: 2,
            },
        ],
    },
    Experiment {
        name: "business-logic",
        claims: "C2",
        claim: "Risky information is not shared; help follows business logic, not nationality: calibrated firms share with firms that are not their direct rivals, and as much with other origins as with their own.",
        sets: &[],
        vary: &[],
        reps: 20,
        presets: &[],
        tests: &[
            Test::Paired {
                label: "calibrated firms share more with other segments than with direct rivals",
                a: "sharing_rate_calibrated_cross_segment",
                b: "sharing_rate_calibrated_same_segment",
            },
            Test::Equivalent {
                label: "calibrated firms share as much with other origins as with their own (within 5 points)",
                a: "sharing_rate_calibrated_in_group",
                b: "sharing_rate_calibrated_out_group",
                margin: 0.05,
            },
            Test::Paired {
                label: "naive in-group firms, by contrast, share more with their own origin",
                a: "sharing_rate_naive_ingroup_in_group",
                b: "sharing_rate_naive_ingroup_out_group",
            },
        ],
    },
    Experiment {
        name: "waiting-loses",
        claims: "C8",
        claim: "In a smaller, fiercer market than at home, waiting means losing: firms that enter early hold more of the market than firms that enter late.",
        sets: &[],
        vary: &[],
        reps: 30,
        presets: &[],
        tests: &[Test::Paired {
            label: "entrants of the first third of the run end with more share than entrants of the last third",
            a: "entrant_share_early",
            b: "entrant_share_late",
        }],
    },
    Experiment {
        name: "regions",
        claims: "C10",
        claim: "Regions differ (China, Southeast Asia, North America's West Coast): where withholding is seldom noticed (China) the illusion of in-group help is stronger than where it is often noticed (US West Coast).",
        sets: &[],
        vary: &[],
        reps: 20,
        presets: &["china", "southeast-asia", "us-west-coast"],
        tests: &[
            Test::Contrast {
                label: "the expectation gap of naive in-group firms is larger in china than in us-west-coast",
                metric: "expectation_gap_naive_ingroup",
                high: 0,
                low: 2,
            },
            Test::Contrast {
                label: "expatriate (JP) firms hold a larger market share in southeast-asia than in us-west-coast",
                metric: "market_share_JP",
                high: 1,
                low: 2,
            },
        ],
    },
];

/// Finds an experiment by name.
pub fn experiment(name: &str) -> Option<&'static Experiment> {
    EXPERIMENTS.iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_reads_the_interval() {
        assert_eq!(outcome(0.1, 0.5), Outcome::Supported);
        assert_eq!(outcome(-0.5, -0.1), Outcome::NotSupported);
        assert_eq!(outcome(-0.1, 0.5), Outcome::Mixed);
    }

    fn runs(values: &[(usize, f64, f64)]) -> (Vec<String>, Vec<(usize, Vec<f64>)>) {
        (
            vec!["x".into(), "y".into()],
            values.iter().map(|&(p, x, y)| (p, vec![x, y])).collect(),
        )
    }

    #[test]
    fn paired_and_positive_tests_follow_the_data() {
        let (names, data) = runs(&[(0, 2.0, 1.0), (0, 2.1, 1.2), (0, 1.9, 0.8), (0, 2.2, 1.1)]);
        let r = Runs {
            metric_names: &names,
            runs: &data,
        };
        let v = Test::Paired {
            label: "",
            a: "x",
            b: "y",
        }
        .evaluate(&r)
        .unwrap();
        assert_eq!(v.outcome, Outcome::Supported);
        assert!((v.effect - 1.025).abs() < 1e-12);
        let v = Test::Paired {
            label: "",
            a: "y",
            b: "x",
        }
        .evaluate(&r)
        .unwrap();
        assert_eq!(v.outcome, Outcome::NotSupported);
        let (names, data) = runs(&[(0, 1.0, 0.0), (0, -1.0, 0.0), (0, 0.5, 0.0)]);
        let r = Runs {
            metric_names: &names,
            runs: &data,
        };
        assert_eq!(
            Test::Positive {
                label: "",
                metric: "x"
            }
            .evaluate(&r)
            .unwrap()
            .outcome,
            Outcome::Mixed
        );
        assert!(
            Test::Positive {
                label: "",
                metric: "nope"
            }
            .evaluate(&r)
            .is_err()
        );
    }

    #[test]
    fn equivalence_needs_the_interval_inside_the_margin() {
        let (names, data) = runs(&[
            (0, 0.50, 0.51),
            (0, 0.52, 0.50),
            (0, 0.49, 0.50),
            (0, 0.51, 0.51),
        ]);
        let r = Runs {
            metric_names: &names,
            runs: &data,
        };
        assert_eq!(
            Test::Equivalent {
                label: "",
                a: "x",
                b: "y",
                margin: 0.05
            }
            .evaluate(&r)
            .unwrap()
            .outcome,
            Outcome::Supported
        );
        let (names, data) = runs(&[(0, 0.9, 0.5), (0, 0.92, 0.5), (0, 0.88, 0.5)]);
        let r = Runs {
            metric_names: &names,
            runs: &data,
        };
        assert_eq!(
            Test::Equivalent {
                label: "",
                a: "x",
                b: "y",
                margin: 0.05
            }
            .evaluate(&r)
            .unwrap()
            .outcome,
            Outcome::NotSupported
        );
    }

    #[test]
    fn contrasts_compare_design_points() {
        let (names, data) = runs(&[
            (0, 5.0, 0.0),
            (0, 5.2, 0.0),
            (0, 4.9, 0.0),
            (1, 1.0, 0.0),
            (1, 1.3, 0.0),
            (1, 0.8, 0.0),
        ]);
        let r = Runs {
            metric_names: &names,
            runs: &data,
        };
        let v = Test::Contrast {
            label: "",
            metric: "x",
            high: 0,
            low: 1,
        }
        .evaluate(&r)
        .unwrap();
        assert_eq!(v.outcome, Outcome::Supported);
        assert!((v.effect - 4.0).abs() < 1e-12);
        assert!(
            Test::Contrast {
                label: "",
                metric: "x",
                high: 0,
                low: 7
            }
            .evaluate(&r)
            .is_err()
        );
    }

    #[test]
    fn every_experiment_is_well_formed() {
        for e in EXPERIMENTS {
            let points: usize = if e.presets.is_empty() {
                e.vary
                    .iter()
                    .map(|v| crate::sweep::parse_vary(v).unwrap().1.len())
                    .product()
            } else {
                for p in e.presets {
                    assert!(
                        crate::scenario::preset(p).is_some(),
                        "{}: unknown preset {p}",
                        e.name
                    );
                }
                e.presets.len()
            };
            for t in e.tests {
                if let Test::Contrast { high, low, .. } = t {
                    assert!(
                        *high < points && *low < points,
                        "{}: contrast outside the design",
                        e.name
                    );
                }
            }
            assert!(e.reps >= 2 && !e.tests.is_empty());
        }
    }
}
