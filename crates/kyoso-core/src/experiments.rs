//! The article's claims as experiments: a catalogue of designs and the
//! rules that turn their data into verdicts. Pure: the command line runs
//! the sweeps and hands the per-run metrics to [`Test::evaluate`].
//!
//! A verdict rule is always the same, stated in every report ([`RULE`]):
//! each test estimates an effect that the claim predicts to be positive,
//! with its 95 % interval (Student's t) and a two-sided p-value; the
//! p-values of an experiment's tests are adjusted together (Holm). Supported
//! when the adjusted p is below 0.05 and the effect positive; not supported
//! when it is below 0.05 and the effect negative; mixed otherwise; no data
//! when a group the test compares has no value (never a 0 in its place).

use crate::inference::{self, Estimate};

/// The family-wise error rate of an experiment's verdicts.
pub const ALPHA: f64 = 0.05;

/// The verdict rule, in words, for every report.
pub const RULE: &str = "Each test estimates an effect that the claim predicts to be positive, with its 95 % confidence interval (Student's t) and a two-sided p-value: paired within runs; paired replication by replication between design points when they share seeds (common random numbers), else Welch. The p-values of the tests run together are adjusted by Holm's method. Supported: adjusted p below 0.05 and the effect positive. Not supported: adjusted p below 0.05 and the effect negative. Mixed: adjusted p of 0.05 or more. No data: a compared group had no value in the runs (fewer than two observations), which is never read as 0. An equivalence test (two one-sided tests, margin stated with the test) is supported when both one-sided adjusted p are below 0.05, not supported when the 90 % interval lies wholly outside the margin.";

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
    /// Schedule entries of the base scenario (`--at`): parameter changes
    /// from a tick on, or waves of entrants (controlled cohorts).
    pub schedule: &'static [&'static str],
    /// The design (`--vary`); empty for replications only.
    pub vary: &'static [&'static str],
    /// Default replications per design point.
    pub reps: u32,
    /// When not empty, the design is these presets side by side (one sweep
    /// each; design point k is preset k).
    pub presets: &'static [&'static str],
    /// When not empty, the design is these points (design point k sets
    /// every assignment of `points[k]`): for keys that must move together,
    /// which a grid (`vary`) cannot do.
    pub points: &'static [&'static [&'static str]],
    /// What the data must show.
    pub tests: &'static [Check],
}

/// A test with what would refute it and its negative control.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub test: Test,
    /// The effect's unit, for reports.
    pub unit: &'static str,
    /// The result that would make the claim fail in the model.
    pub falsifier: &'static str,
    /// The negative control: overrides (`key=value`) that switch the
    /// claimed mechanism off. The experiment runs them too, with the same
    /// seeds; under them the verdict must change, or the test does not
    /// measure what it claims.
    pub control: &'static [&'static str],
    /// What the control switches off, in words.
    pub control_reason: &'static str,
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
    /// Metric at design point `high` minus at design point `low`: paired by
    /// replication under common seeds, Welch otherwise.
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
    /// The metric at design point `point` is positive.
    PositiveAt {
        label: &'static str,
        metric: &'static str,
        point: usize,
    },
    /// Within each run, metrics `a` and `b` agree within `margin` (two
    /// one-sided tests).
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
    /// A compared group had no value: no verdict is made.
    NoData,
}

impl Outcome {
    /// The word used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Supported => "supported",
            Outcome::NotSupported => "not supported",
            Outcome::Mixed => "mixed",
            Outcome::NoData => "no data",
        }
    }
}

/// A computed verdict. Without data every number is `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub label: &'static str,
    /// Estimated effect (predicted positive).
    pub effect: Option<f64>,
    /// The raw 95 % interval.
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Two-sided p-value (for an equivalence test, the larger one-sided p).
    pub p_value: Option<f64>,
    /// The p-value after Holm's adjustment over the tests run together.
    pub p_adjusted: Option<f64>,
    /// Observations behind the estimate (runs, pairs, or the smaller arm).
    pub n: usize,
    /// Whether the estimate pairs observations (within runs or by replication).
    pub paired: bool,
    pub outcome: Outcome,
    /// The estimate itself (standard error, degrees of freedom), for
    /// intervals at other levels, such as a family's adjusted ones.
    pub estimate: Option<Estimate>,
}

impl Verdict {
    /// The two-sided interval adjusted for a family of `m` tests
    /// (Bonferroni: level 1 − 0.05/m, simultaneous and conservative).
    pub fn adjusted_interval(&self, m: usize) -> Option<(f64, f64)> {
        self.estimate
            .map(|e| e.interval(1.0 - ALPHA / m.max(1) as f64))
    }
}

/// One run as the tests see it: (design point, replication, metric values;
/// NaN where a metric has no value).
pub type RunRow = (usize, u32, Vec<f64>);

/// Per-run metrics as handed to the tests.
pub struct Runs<'a> {
    pub metric_names: &'a [String],
    pub runs: &'a [RunRow],
    /// Whether replication r of every design point ran with the same seed.
    pub common_seeds: bool,
}

impl Runs<'_> {
    fn column(&self, metric: &str) -> Result<usize, String> {
        self.metric_names
            .iter()
            .position(|m| m == metric)
            .ok_or_else(|| format!("no metric `{metric}` in the runs"))
    }
}

/// A test's estimate before adjustment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimated {
    pub estimate: Option<Estimate>,
    pub paired: bool,
    /// The p-value the family adjusts (two-sided, or TOST for equivalence).
    pub p_value: Option<f64>,
}

/// The verdict rule on an effect and its adjusted p-value.
pub fn outcome(effect: f64, p_adjusted: f64) -> Outcome {
    if p_adjusted < ALPHA && effect > 0.0 {
        Outcome::Supported
    } else if p_adjusted < ALPHA && effect < 0.0 {
        Outcome::NotSupported
    } else {
        Outcome::Mixed
    }
}

/// The larger one-sided p of two one-sided tests of |effect| < margin.
fn tost_p(e: &Estimate, margin: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    if e.se == 0.0 {
        return if e.effect.abs() < margin { 0.0 } else { 1.0 };
    }
    let t = StudentsT::new(0.0, 1.0, e.df).expect("df > 0");
    let above_lower = 1.0 - t.cdf((e.effect + margin) / e.se);
    let below_upper = t.cdf((e.effect - margin) / e.se);
    above_lower.max(below_upper)
}

impl Test {
    /// The label of the test.
    pub fn label(&self) -> &'static str {
        match self {
            Test::Paired { label, .. }
            | Test::Contrast { label, .. }
            | Test::Positive { label, .. }
            | Test::PositiveAt { label, .. }
            | Test::Equivalent { label, .. } => label,
        }
    }

    /// The effect from per-run metrics (missing values dropped).
    pub fn estimate(&self, runs: &Runs<'_>) -> Result<Estimated, String> {
        if runs.runs.is_empty() {
            return Err("no runs".into());
        }
        let column = |metric: &str| -> Result<Vec<f64>, String> {
            let i = runs.column(metric)?;
            Ok(runs.runs.iter().map(|(_, _, m)| m[i]).collect())
        };
        let (estimate, paired) = match self {
            Test::Paired { a, b, .. } | Test::Equivalent { a, b, .. } => {
                (inference::paired(&column(a)?, &column(b)?), true)
            }
            Test::Positive { metric, .. } => (inference::one_sample(&column(metric)?), false),
            Test::PositiveAt { metric, point, .. } => {
                let i = runs.column(metric)?;
                let x: Vec<f64> = runs
                    .runs
                    .iter()
                    .filter(|(p, _, _)| p == point)
                    .map(|(_, _, m)| m[i])
                    .collect();
                if x.is_empty() {
                    return Err(format!("design point {point} needs runs"));
                }
                (inference::one_sample(&x), false)
            }
            Test::Contrast {
                metric, high, low, ..
            } => {
                let i = runs.column(metric)?;
                let arm = |p: usize| -> Vec<(u32, f64)> {
                    runs.runs
                        .iter()
                        .filter(|(q, _, _)| *q == p)
                        .map(|(_, r, m)| (*r, m[i]))
                        .collect()
                };
                let (mut h, mut l) = (arm(*high), arm(*low));
                if h.is_empty() || l.is_empty() {
                    return Err(format!("design points {high} and {low} need runs"));
                }
                if runs.common_seeds {
                    // Replication r of both points shares its seed: pair them.
                    h.sort_by_key(|x| x.0);
                    l.sort_by_key(|x| x.0);
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    for (r, x) in &h {
                        if let Ok(k) = l.binary_search_by_key(r, |y| y.0) {
                            a.push(*x);
                            b.push(l[k].1);
                        }
                    }
                    (inference::paired(&a, &b), true)
                } else {
                    let values = |v: &[(u32, f64)]| v.iter().map(|x| x.1).collect::<Vec<_>>();
                    (inference::welch(&values(&h), &values(&l)), false)
                }
            }
        };
        let p_value = estimate.map(|e| match self {
            Test::Equivalent { margin, .. } => tost_p(&e, *margin),
            _ => e.p_value(),
        });
        Ok(Estimated {
            estimate,
            paired,
            p_value,
        })
    }
}

/// A verdict again under a p-value adjusted over a larger family (a
/// suite run): the rule applied to the new p. An equivalence test that is
/// not supported stays so (that reads its 90 % interval, not p); no data
/// stays no data.
pub fn rejudge(test: &Test, v: &Verdict, p_adjusted: Option<f64>) -> Outcome {
    let (Some(effect), Some(p)) = (v.effect, p_adjusted) else {
        return Outcome::NoData;
    };
    match test {
        Test::Equivalent { .. } if p < ALPHA => Outcome::Supported,
        Test::Equivalent { .. } if v.outcome == Outcome::NotSupported => Outcome::NotSupported,
        Test::Equivalent { .. } => Outcome::Mixed,
        _ => outcome(effect, p),
    }
}

/// The verdicts of tests run together: estimates, Holm's adjustment over
/// the tests with data, and the rule.
pub fn verdicts(tests: &[Test], runs: &Runs<'_>) -> Result<Vec<Verdict>, String> {
    let estimated: Vec<Estimated> = tests
        .iter()
        .map(|t| t.estimate(runs))
        .collect::<Result<_, _>>()?;
    let adjusted = inference::holm(&estimated.iter().map(|e| e.p_value).collect::<Vec<_>>());
    Ok(tests
        .iter()
        .zip(&estimated)
        .zip(adjusted)
        .map(|((t, e), p_adjusted)| {
            let Some(est) = e.estimate else {
                return Verdict {
                    label: t.label(),
                    effect: None,
                    ci_low: None,
                    ci_high: None,
                    p_value: None,
                    p_adjusted: None,
                    n: 0,
                    paired: e.paired,
                    outcome: Outcome::NoData,
                    estimate: None,
                };
            };
            let (lo, hi) = est.interval(0.95);
            let p = p_adjusted.expect("a test with an estimate has a p-value");
            let result = match t {
                Test::Equivalent { margin, .. } => {
                    let (lo90, hi90) = est.interval(0.90);
                    if p < ALPHA {
                        Outcome::Supported
                    } else if lo90 >= *margin || hi90 <= -margin {
                        Outcome::NotSupported
                    } else {
                        Outcome::Mixed
                    }
                }
                _ => outcome(est.effect, p),
            };
            Verdict {
                label: t.label(),
                effect: Some(est.effect),
                ci_low: Some(lo),
                ci_high: Some(hi),
                p_value: e.p_value,
                p_adjusted: Some(p),
                n: est.n,
                paired: e.paired,
                outcome: result,
                estimate: Some(est),
            }
        })
        .collect())
}

/// Every experiment, in the order of the claims.
pub const EXPERIMENTS: &[Experiment] = &[
    Experiment {
        name: "illusion",
        claims: "C1, C9",
        claim: "Newcomers expect fellow nationals to help, but that expectation is an illusion; calibrated trust (treat others as equals, share carefully) earns more and survives better than naive in-group trust.",
        sets: &[],
        schedule: &[],
        vary: &[],
        reps: 30,
        presets: &[],
        points: &[],
        tests: &[
            Check {
                test: Test::Positive {
                    label: "naive in-group firms overestimate in-group help (expectation gap > 0)",
                    metric: "expectation_gap_naive_ingroup",
                },
                unit: "trust minus sharing rate",
                falsifier: "naive firms' in-group trust at or below the in-group sharing they meet (a gap not above 0)",
                control: &["mechanisms.in_group_prior=false"],
                control_reason: "no in-group prior: naive firms start from their out-group prior",
            },
            // Like with like: initial firms only (entrants are all naive in
            // the default), profit per firm-month by the strategy held, so
            // neither lifetime nor who enters decides (issue 15).
            Check {
                test: Test::Positive {
                    label: "calibrated firms earn more per month than naive in-group firms (initial firms, by the strategy held that month)",
                    metric: "profit_rate_calibrated_minus_naive_ingroup",
                },
                unit: "money per firm-month",
                falsifier: "initial firms earning no more per firm-month while calibrated than while naive in-group",
                control: &["mechanisms.sharing=false"],
                control_reason: "no encounters and no sharing: the strategies no longer act differently",
            },
            Check {
                test: Test::Paired {
                    label: "initial firms leave the market less often per month while calibrated than while naive in-group (exit hazard by the strategy held, naive minus calibrated)",
                    a: "exit_hazard_initial_naive_ingroup",
                    b: "exit_hazard_initial_calibrated",
                },
                unit: "exits per firm-month",
                falsifier: "initial firms exiting per firm-month no less often while calibrated than while naive in-group",
                control: &["mechanisms.sharing=false"],
                control_reason: "no encounters and no sharing: the strategies no longer act differently",
            },
        ],
    },
    Experiment {
        name: "veneer",
        claims: "C3",
        claim: "Silent rivalry hides behind a polite surface: when withholding is rarely detected, trust in fellow nationals stays inflated, and those who exploit it are seldom caught.",
        sets: &[],
        schedule: &[],
        vary: &["encounters.detect=0.05,0.25,0.5,0.75,0.95"],
        reps: 20,
        presets: &[],
        points: &[],
        tests: &[
            Check {
                test: Test::Contrast {
                    label: "the expectation gap is larger at detection 0.05 than at 0.95",
                    metric: "expectation_gap_naive_ingroup",
                    high: 0,
                    low: 4,
                },
                unit: "trust minus sharing rate",
                falsifier: "an expectation gap no larger when withholding is rarely detected",
                control: &["mechanisms.veneer=false"],
                control_reason: "no veneer: every withholding and leak is seen whatever the detection parameter",
            },
            // Not "fewer betrayals are detected at low detection": that is
            // the parameter itself. What the firms come to believe is not.
            Check {
                test: Test::Contrast {
                    label: "opportunists stay more trusted at detection 0.05 than at 0.95 (mean trust held in them at the end)",
                    metric: "trust_in_opportunists",
                    high: 0,
                    low: 4,
                },
                unit: "trust (probability)",
                falsifier: "opportunists no more trusted when withholding is rarely detected",
                control: &["mechanisms.veneer=false"],
                control_reason: "no veneer: every withholding and leak is seen whatever the detection parameter",
            },
            Check {
                test: Test::Contrast {
                    label: "exploitation pays: opportunists earn more per month at detection 0.05 than at 0.95 (initial firms, by the strategy held)",
                    metric: "profit_rate_initial_opportunist",
                    high: 0,
                    low: 4,
                },
                unit: "money per firm-month",
                falsifier: "opportunists earning no more when rarely caught",
                control: &["mechanisms.veneer=false"],
                control_reason: "no veneer: every withholding and leak is seen whatever the detection parameter",
            },
        ],
    },
    Experiment {
        name: "rivalry-lifts-industry",
        claims: "C7",
        claim: "Rivalry invigorates the industry: with more rivals in each market, firms invest to escape competition and imitate the leaders, capabilities rise and consumers gain.",
        sets: &[],
        schedule: &[],
        vary: &[],
        reps: 20,
        presets: &[],
        // The same firms and the same total demand (400) in 2, 4 or 8
        // segments: 30, 15 or 7.5 rivals per segment. Only rivalry moves.
        points: &[
            &["market.segments=2", "market.demand0=200"],
            &["market.segments=4", "market.demand0=100"],
            &["market.segments=8", "market.demand0=50"],
        ],
        tests: &[
            Check {
                test: Test::Contrast {
                    label: "mean capability is higher with 30 rivals per segment than with 7.5 (same firms, same total demand)",
                    metric: "capability_mean_final",
                    high: 0,
                    low: 2,
                },
                unit: "utility units",
                falsifier: "mean capability no higher with more rivals per segment",
                control: &["mechanisms.innovation=false"],
                control_reason: "no R&D: nothing innovates and nothing is absorbed for imitation",
            },
            Check {
                test: Test::Contrast {
                    label: "consumer surplus is higher with 30 rivals per segment than with 7.5 (same firms, same total demand)",
                    metric: "consumer_surplus_last",
                    high: 0,
                    low: 2,
                },
                unit: "utility units × demand",
                falsifier: "consumer surplus no higher with more rivals per segment",
                control: &["mechanisms.innovation=false"],
                control_reason: "no R&D: nothing innovates and nothing is absorbed for imitation",
            },
        ],
    },
    Experiment {
        name: "escape-competition",
        claims: "C5, C7",
        claim: "A mechanism test, not a test of rivalry: neck-and-neck rivals raise R&D (the escape-competition multiplier), and so capability and consumer surplus.",
        sets: &[],
        schedule: &[],
        vary: &["innovation.escape_pressure=0,1,2,3"],
        reps: 20,
        presets: &[],
        points: &[],
        tests: &[
            Check {
                test: Test::Contrast {
                    label: "mean capability is higher with strong escape-competition pressure (3 vs 0)",
                    metric: "capability_mean_final",
                    high: 3,
                    low: 0,
                },
                unit: "utility units",
                falsifier: "no higher mean capability with strong escape-competition pressure",
                control: &["mechanisms.escape_competition=false"],
                control_reason: "no escape competition: the pressure parameter does nothing",
            },
            Check {
                test: Test::Contrast {
                    label: "consumer surplus is higher with strong escape-competition pressure (3 vs 0)",
                    metric: "consumer_surplus_last",
                    high: 3,
                    low: 0,
                },
                unit: "utility units × demand",
                falsifier: "no higher consumer surplus with strong escape-competition pressure",
                control: &["mechanisms.escape_competition=false"],
                control_reason: "no escape competition: the pressure parameter does nothing",
            },
        ],
    },
    Experiment {
        name: "head-to-head",
        claims: "C9",
        claim: "Calibrated trust wins: in one market, fellow nationals that differ only in how they trust, calibrated or naive in-group, do not fare alike; the calibrated earn more and survive more often.",
        // A matched cohort: JP's initial firms are half calibrated, half
        // naive, with the same origin, culture and horizon mix, and keep
        // their strategy (no adaptation).
        sets: &[
            "origins.JP.strategy_mix={calibrated=0.5,naive_ingroup=0.5}",
            "mechanisms.adaptation=false",
        ],
        schedule: &[],
        vary: &[],
        reps: 30,
        presets: &[],
        points: &[],
        tests: &[
            Check {
                test: Test::Positive {
                    label: "calibrated JP firms earn more per month than their naive in-group twins (initial firms)",
                    metric: "profit_rate_calibrated_minus_naive_ingroup",
                },
                unit: "money per firm-month",
                falsifier: "calibrated firms earning no more per firm-month than naive in-group firms of the same cohort",
                control: &["mechanisms.sharing=false"],
                control_reason: "no encounters and no sharing: the two strategies no longer act differently",
            },
            Check {
                test: Test::Paired {
                    label: "calibrated JP firms leave the market less often per month than their naive in-group twins (exit hazard, naive minus calibrated)",
                    a: "exit_hazard_initial_naive_ingroup",
                    b: "exit_hazard_initial_calibrated",
                },
                unit: "exits per firm-month",
                falsifier: "calibrated firms exiting per firm-month no less often than naive in-group firms of the same cohort",
                control: &["mechanisms.sharing=false"],
                control_reason: "no encounters and no sharing: the two strategies no longer act differently",
            },
        ],
    },
    Experiment {
        name: "invasion",
        claims: "C9",
        claim: "Calibrated trust spreads: through adaptation (imitating the more successful) a few calibrated firms take over a naive in-group population, and a few naive firms cannot take over a calibrated one.",
        sets: &[],
        schedule: &[],
        vary: &[],
        reps: 30,
        presets: &[],
        // Every origin, at the start and among newcomers: 10 % of one
        // strategy in a population of the other.
        points: &[
            &[
                "origins.JP.strategy_mix={calibrated=0.1,naive_ingroup=0.9}",
                "origins.JP.newcomer_mix={calibrated=0.1,naive_ingroup=0.9}",
                "origins.LOCAL.strategy_mix={calibrated=0.1,naive_ingroup=0.9}",
                "origins.LOCAL.newcomer_mix={calibrated=0.1,naive_ingroup=0.9}",
                "origins.OTHER.strategy_mix={calibrated=0.1,naive_ingroup=0.9}",
                "origins.OTHER.newcomer_mix={calibrated=0.1,naive_ingroup=0.9}",
            ],
            &[
                "origins.JP.strategy_mix={calibrated=0.9,naive_ingroup=0.1}",
                "origins.JP.newcomer_mix={calibrated=0.9,naive_ingroup=0.1}",
                "origins.LOCAL.strategy_mix={calibrated=0.9,naive_ingroup=0.1}",
                "origins.LOCAL.newcomer_mix={calibrated=0.9,naive_ingroup=0.1}",
                "origins.OTHER.strategy_mix={calibrated=0.9,naive_ingroup=0.1}",
                "origins.OTHER.newcomer_mix={calibrated=0.9,naive_ingroup=0.1}",
            ],
        ],
        tests: &[
            Check {
                test: Test::PositiveAt {
                    label: "a few calibrated firms spread in a naive in-group population (their share of firms grows)",
                    metric: "strategy_share_gain_calibrated",
                    point: 0,
                },
                unit: "fraction of firms",
                falsifier: "the calibrated share of firms not growing from 10 %",
                control: &["mechanisms.sharing=false"],
                control_reason: "no sharing: the strategies act alike, so only chance moves their shares",
            },
            Check {
                test: Test::PositiveAt {
                    label: "a few naive in-group firms do not spread in a calibrated population (the calibrated share grows or holds)",
                    metric: "strategy_share_gain_calibrated",
                    point: 1,
                },
                unit: "fraction of firms",
                falsifier: "the calibrated share of firms falling from 90 %",
                control: &["mechanisms.sharing=false"],
                control_reason: "no sharing: the strategies act alike, so only chance moves their shares",
            },
        ],
    },
    Experiment {
        name: "partnerships",
        claims: "C6",
        claim: "Differing corporate cultures and time horizons make partnerships rocky until they collapse: partnerships last less when cultures differ more and when horizons differ more.",
        sets: &[],
        schedule: &[],
        // Short-horizon firms discount at 0.90 (the default gap to long-horizon firms' 0.98) or at 0.98 (no gap).
        vary: &[
            "firms.culture_sd=0.02,0.15,0.35",
            "horizons.short_discount=0.90,0.98",
        ],
        reps: 20,
        presets: &[],
        points: &[],
        tests: &[
            Check {
                test: Test::Contrast {
                    label: "partnerships last longer among similar cultures (culture spread 0.02 vs 0.35, default horizons)",
                    metric: "partnership_duration_mean",
                    high: 0,
                    low: 4,
                },
                unit: "months",
                falsifier: "partnerships among similar cultures lasting no longer",
                control: &["partnerships.friction_culture=0"],
                control_reason: "cultural distance adds no friction",
            },
            Check {
                test: Test::Contrast {
                    label: "partnerships last longer without a horizon gap (discounts 0.98/0.98 vs 0.98/0.90, culture spread 0.15)",
                    metric: "partnership_duration_mean",
                    high: 3,
                    low: 2,
                },
                unit: "months",
                falsifier: "partnerships without a horizon gap lasting no longer",
                control: &["partnerships.friction_horizon=0"],
                control_reason: "a horizon gap adds no friction",
            },
        ],
    },
    Experiment {
        name: "business-logic",
        claims: "C2",
        claim: "Help follows business logic, not nationality: firms that trust by evidence share with those who prove trustworthy, whatever their origin, and stop sharing with those who do not.",
        sets: &[],
        schedule: &[],
        vary: &[],
        reps: 30,
        presets: &[],
        // Point 0: the default market. Point 1: every LOCAL and OTHER firm
        // (and newcomer) is guarded, never sharing; only JP firms can be
        // trusted. What calibrated JP firms do then is learned, not given
        // by a rule: their rule reads trust, and trust follows what they
        // see. (That calibrated firms never share with direct rivals
        // follows from the rule; a unit test checks it, not this suite.)
        points: &[
            &[
                "origins.LOCAL.strategy_mix={calibrated=0.3,guarded=0.2,open=0.1,opportunist=0.1,reciprocal=0.3}",
                "origins.LOCAL.newcomer_mix={calibrated=0.3,guarded=0.2,open=0.1,opportunist=0.1,reciprocal=0.3}",
                "origins.OTHER.strategy_mix={calibrated=0.3,guarded=0.2,opportunist=0.2,reciprocal=0.3}",
                "origins.OTHER.newcomer_mix={calibrated=0.3,guarded=0.2,opportunist=0.2,reciprocal=0.3}",
            ],
            &[
                "origins.LOCAL.strategy_mix={guarded=1.0}",
                "origins.LOCAL.newcomer_mix={guarded=1.0}",
                "origins.OTHER.strategy_mix={guarded=1.0}",
                "origins.OTHER.newcomer_mix={guarded=1.0}",
            ],
        ],
        tests: &[
            Check {
                test: Test::PositiveAt {
                    label: "when only fellow nationals ever share, calibrated JP firms share more with them than with the others (in-group minus out-group sharing rate)",
                    metric: "sharing_gap_calibrated",
                    point: 1,
                },
                unit: "sharing rate",
                falsifier: "calibrated firms sharing no less with origins whose firms never share back",
                control: &["trust.calibrated.prior_weight=1000000"],
                control_reason: "calibrated firms never learn: their trust stays at its prior",
            },
            Check {
                test: Test::Contrast {
                    label: "calibrated firms' in-group preference opens when the other origins stop sharing (guarded others vs the default)",
                    metric: "sharing_gap_calibrated",
                    high: 1,
                    low: 0,
                },
                unit: "sharing rate",
                falsifier: "no larger in-group preference of calibrated firms when the others never share",
                control: &["trust.calibrated.prior_weight=1000000"],
                control_reason: "calibrated firms never learn: their trust stays at its prior",
            },
        ],
    },
    Experiment {
        name: "waiting-loses",
        claims: "C8",
        claim: "In a smaller, fiercer market than at home, waiting means losing: firms that enter early hold more of the market than firms that enter late, because shares are sticky.",
        // Controlled cohorts: no Poisson entrants; two identical waves of
        // 12 JP newcomers (same mix, same attribute distributions, drawn
        // from the same stream) enter at month 12 and at month 72, and the
        // market is read at month 120. Only the entry date differs.
        sets: &["mechanisms.entry=false"],
        schedule: &["12:enter.JP=12", "72:enter.JP=12"],
        // Point 0: inertia and R&D on; 1: inertia on, no R&D; 2: inertia
        // off, R&D on; 3: neither. Without R&D, capability does not
        // accumulate (imitation has nothing to absorb), so what is left of
        // the early wave's lead is stickiness.
        vary: &[
            "mechanisms.inertia=true,false",
            "mechanisms.innovation=true,false",
        ],
        reps: 30,
        presets: &[],
        points: &[],
        tests: &[
            Check {
                test: Test::PositiveAt {
                    label: "identical entrants that enter at month 12 hold more market per firm at month 120 than those that enter at month 72",
                    metric: "wave_share_gap",
                    point: 0,
                },
                unit: "fraction of segment demand per entrant",
                falsifier: "the early wave holding no more share per entrant than the late wave",
                control: &["mechanisms.inertia=false", "mechanisms.innovation=false"],
                control_reason: "no way to gain from entering early: shares jump to their target and capability cannot accumulate",
            },
            Check {
                test: Test::Contrast {
                    label: "share inertia alone gives the early wave a lead (inertia on vs off, no R&D)",
                    metric: "wave_share_gap",
                    high: 1,
                    low: 3,
                },
                unit: "fraction of segment demand per entrant",
                falsifier: "no wider early-wave lead with share inertia than without",
                control: &["mechanisms.inertia=false"],
                control_reason: "no share inertia in either condition",
            },
            Check {
                test: Test::Contrast {
                    label: "accumulated capability gives the early wave a lead (R&D on vs off, inertia on)",
                    metric: "wave_share_gap",
                    high: 0,
                    low: 1,
                },
                unit: "fraction of segment demand per entrant",
                falsifier: "no wider early-wave lead with R&D than without",
                control: &["mechanisms.innovation=false"],
                control_reason: "no R&D in either condition",
            },
        ],
    },
    Experiment {
        name: "regions",
        claims: "C10",
        claim: "Regions differ (China, Southeast Asia, North America's West Coast): where withholding is seldom noticed (China) the illusion of in-group help is stronger than where it is often noticed (US West Coast), and where the expatriate network is tight (Southeast Asia) its firms do better.",
        sets: &[],
        schedule: &[],
        vary: &[],
        reps: 20,
        presets: &["china", "southeast-asia", "us-west-coast"],
        points: &[],
        tests: &[
            Check {
                test: Test::Contrast {
                    label: "the expectation gap of naive in-group firms is larger in china than in us-west-coast",
                    metric: "expectation_gap_naive_ingroup",
                    high: 0,
                    low: 2,
                },
                unit: "trust minus sharing rate",
                falsifier: "an expectation gap in china no larger than in us-west-coast",
                control: &["encounters.detect=0.5"],
                control_reason: "the same detection in every region",
            },
            Check {
                test: Test::Contrast {
                    label: "expatriate (JP) firms hold more market per firm in southeast-asia than in us-west-coast (share over JP's fraction of the firms)",
                    metric: "market_share_per_firm_JP",
                    high: 1,
                    low: 2,
                },
                unit: "ratio",
                falsifier: "JP firms holding no more share per firm in southeast-asia, once the presets' firm counts are divided out",
                control: &["encounters.homophily=0"],
                control_reason: "no expatriate network: encounters are drawn from all firms alike",
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
    fn the_rule_reads_the_adjusted_p_and_the_sign() {
        assert_eq!(outcome(0.3, 0.01), Outcome::Supported);
        assert_eq!(outcome(-0.3, 0.01), Outcome::NotSupported);
        assert_eq!(outcome(0.3, 0.2), Outcome::Mixed);
        assert_eq!(outcome(0.3, 0.05), Outcome::Mixed);
    }

    fn rows(values: &[(usize, u32, f64, f64)]) -> (Vec<String>, Vec<RunRow>) {
        (
            vec!["x".into(), "y".into()],
            values
                .iter()
                .map(|&(p, r, x, y)| (p, r, vec![x, y]))
                .collect(),
        )
    }

    fn one(test: Test, names: &[String], data: &[RunRow], common: bool) -> Verdict {
        let r = Runs {
            metric_names: names,
            runs: data,
            common_seeds: common,
        };
        verdicts(&[test], &r).unwrap().remove(0)
    }

    #[test]
    fn paired_and_positive_tests_follow_the_data() {
        let (names, data) = rows(&[
            (0, 0, 2.0, 1.0),
            (0, 1, 2.1, 1.2),
            (0, 2, 1.9, 0.8),
            (0, 3, 2.2, 1.1),
        ]);
        let t = |a, b| Test::Paired { label: "", a, b };
        let v = one(t("x", "y"), &names, &data, false);
        assert_eq!(v.outcome, Outcome::Supported);
        assert!((v.effect.unwrap() - 1.025).abs() < 1e-12);
        assert_eq!(
            one(t("y", "x"), &names, &data, false).outcome,
            Outcome::NotSupported
        );
        let (names, data) = rows(&[(0, 0, 1.0, 0.0), (0, 1, -1.0, 0.0), (0, 2, 0.5, 0.0)]);
        let pos = |metric| Test::Positive { label: "", metric };
        assert_eq!(one(pos("x"), &names, &data, false).outcome, Outcome::Mixed);
        let r = Runs {
            metric_names: &names,
            runs: &data,
            common_seeds: false,
        };
        assert!(verdicts(&[pos("nope")], &r).is_err());
    }

    #[test]
    fn an_empty_group_is_no_data_never_a_number() {
        // y is missing (NaN) in every run: a group without firms.
        let (names, data) = rows(&[
            (0, 0, 2.0, f64::NAN),
            (0, 1, 2.1, f64::NAN),
            (0, 2, 1.9, f64::NAN),
        ]);
        let v = one(
            Test::Paired {
                label: "",
                a: "x",
                b: "y",
            },
            &names,
            &data,
            false,
        );
        assert_eq!(v.outcome, Outcome::NoData);
        assert_eq!(
            (v.effect, v.ci_low, v.p_adjusted, v.n),
            (None, None, None, 0)
        );
        // Runs with a missing side are dropped; the rest still decide.
        let (names, data) = rows(&[
            (0, 0, 2.0, 1.0),
            (0, 1, 2.1, f64::NAN),
            (0, 2, 1.9, 0.9),
            (0, 3, 2.0, 1.0),
        ]);
        let v = one(
            Test::Paired {
                label: "",
                a: "x",
                b: "y",
            },
            &names,
            &data,
            false,
        );
        assert_eq!(v.n, 3);
        assert_eq!(v.outcome, Outcome::Supported);
    }

    #[test]
    fn holm_adjusts_the_tests_of_an_experiment_together() {
        // Three tests of the same data: x − y has p ≈ 0.03 alone; with two
        // other tests in the family its adjusted p is larger and it is mixed.
        let (names, data) = rows(&[
            (0, 0, 1.3, 0.0),
            (0, 1, 0.2, 0.0),
            (0, 2, 1.1, 0.0),
            (0, 3, 0.1, 0.0),
            (0, 4, 0.9, 0.0),
            (0, 5, 0.4, 0.0),
        ]);
        let r = Runs {
            metric_names: &names,
            runs: &data,
            common_seeds: false,
        };
        let t = Test::Positive {
            label: "",
            metric: "x",
        };
        let alone = verdicts(std::slice::from_ref(&t), &r).unwrap().remove(0);
        let p = alone.p_value.unwrap();
        assert!(p < 0.05 && p > 0.05 / 3.0, "p = {p}");
        assert_eq!(alone.outcome, Outcome::Supported);
        let family = verdicts(&[t.clone(), t.clone(), t], &r).unwrap();
        for v in &family {
            assert!((v.p_adjusted.unwrap() - (3.0 * p).min(1.0)).abs() < 1e-12);
            assert_eq!(v.outcome, Outcome::Mixed);
            assert_eq!(
                v.p_value,
                Some(p),
                "the raw p is kept beside the adjusted one"
            );
        }
    }

    #[test]
    fn adjusted_intervals_are_bonferroni_and_contain_the_raw_one() {
        let (names, data) = rows(&[
            (0, 0, 1.3, 0.0),
            (0, 1, 0.2, 0.0),
            (0, 2, 1.1, 0.0),
            (0, 3, 0.1, 0.0),
            (0, 4, 0.9, 0.0),
        ]);
        let v = one(
            Test::Positive {
                label: "",
                metric: "x",
            },
            &names,
            &data,
            false,
        );
        let (lo, hi) = (v.ci_low.unwrap(), v.ci_high.unwrap());
        assert_eq!(v.adjusted_interval(1), Some((lo, hi)));
        let (alo, ahi) = v.adjusted_interval(10).unwrap();
        assert!(alo < lo && ahi > hi);
        // Level 1 − 0.05/10 = 99.5 %: t(4, 0.9975) = 5.5976.
        let e = v.estimate.unwrap();
        assert!((ahi - e.effect - 5.597568 * e.se).abs() < 1e-4, "{ahi}");
    }

    #[test]
    fn under_common_seeds_contrasts_pair_replications() {
        // Point 0 = point 1 + 1 exactly, replication by replication, but the
        // replications spread widely: paired, the effect is sharp; Welch
        // (independent seeds) cannot see it.
        let mut v = Vec::new();
        for r in 0..6u32 {
            let base = [0.0, 10.0, -7.0, 4.0, 12.0, -3.0][r as usize];
            v.push((0, r, base + 1.0, 0.0));
            v.push((1, r, base, 0.0));
        }
        let (names, data) = rows(&v);
        let c = || Test::Contrast {
            label: "",
            metric: "x",
            high: 0,
            low: 1,
        };
        let paired = one(c(), &names, &data, true);
        assert!(paired.paired);
        assert_eq!(paired.outcome, Outcome::Supported);
        assert!((paired.effect.unwrap() - 1.0).abs() < 1e-12);
        let welch = one(c(), &names, &data, false);
        assert!(!welch.paired);
        assert_eq!(welch.outcome, Outcome::Mixed);
    }

    #[test]
    fn equivalence_is_two_one_sided_tests() {
        let (names, data) = rows(&[
            (0, 0, 0.50, 0.51),
            (0, 1, 0.52, 0.50),
            (0, 2, 0.49, 0.50),
            (0, 3, 0.51, 0.51),
        ]);
        let eq = || Test::Equivalent {
            label: "",
            a: "x",
            b: "y",
            margin: 0.05,
        };
        assert_eq!(one(eq(), &names, &data, false).outcome, Outcome::Supported);
        let (names, data) = rows(&[(0, 0, 0.9, 0.5), (0, 1, 0.92, 0.5), (0, 2, 0.88, 0.5)]);
        assert_eq!(
            one(eq(), &names, &data, false).outcome,
            Outcome::NotSupported
        );
    }

    #[test]
    fn contrasts_compare_design_points() {
        let (names, data) = rows(&[
            (0, 0, 5.0, 0.0),
            (0, 1, 5.2, 0.0),
            (0, 2, 4.9, 0.0),
            (1, 0, 1.0, 0.0),
            (1, 1, 1.3, 0.0),
            (1, 2, 0.8, 0.0),
        ]);
        let v = one(
            Test::Contrast {
                label: "",
                metric: "x",
                high: 0,
                low: 1,
            },
            &names,
            &data,
            false,
        );
        assert_eq!(v.outcome, Outcome::Supported);
        assert!((v.effect.unwrap() - 4.0).abs() < 1e-12);
        let r = Runs {
            metric_names: &names,
            runs: &data,
            common_seeds: false,
        };
        assert!(
            verdicts(
                &[Test::Contrast {
                    label: "",
                    metric: "x",
                    high: 0,
                    low: 7
                }],
                &r
            )
            .is_err()
        );
    }

    #[test]
    fn every_experiment_is_well_formed() {
        for e in EXPERIMENTS {
            for point in e.points {
                let mut b = crate::ScenarioBuilder::new();
                for kv in *point {
                    b = b.set(kv).unwrap();
                }
                b.build()
                    .unwrap_or_else(|err| panic!("{}: point {point:?}: {err}", e.name));
                let keys: Vec<&str> = point
                    .iter()
                    .map(|kv| kv.split('=').next().unwrap())
                    .collect();
                let first: Vec<&str> = e.points[0]
                    .iter()
                    .map(|kv| kv.split('=').next().unwrap())
                    .collect();
                assert_eq!(keys, first, "{}: every point sets the same keys", e.name);
            }
            assert!(e.points.is_empty() || (e.vary.is_empty() && e.presets.is_empty()));
            let points: usize = if !e.points.is_empty() {
                e.points.len()
            } else if e.presets.is_empty() {
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
            for c in e.tests {
                assert!(
                    !c.falsifier.is_empty() && !c.control.is_empty(),
                    "{}",
                    e.name
                );
                for kv in c.control {
                    crate::ScenarioBuilder::new()
                        .set(kv)
                        .and_then(|b| b.build())
                        .unwrap_or_else(|err| panic!("{}: control {kv}: {err}", e.name));
                }
                if let Test::PositiveAt { point, .. } = &c.test {
                    assert!(*point < points, "{}: a point outside the design", e.name);
                }
                if let Test::Contrast { high, low, .. } = &c.test {
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
