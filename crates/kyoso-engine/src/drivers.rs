//! What drives a difference between two presets (claim C10): the low
//! preset is run again with one group of the high preset's values at a
//! time, on the same seeds, and each group's effect on the test's metric
//! is set beside the whole difference.
//!
//! A group is one key the presets set differently (`encounters.detect`),
//! or one attribute of every origin together (`origins.*.firms`: the
//! firm counts). The effects are one at a time, so they need not add up
//! to the whole difference: what they leave is interaction.

use std::collections::BTreeMap;
use std::path::Path;

use kyoso_core::ScenarioBuilder;
use kyoso_core::experiments::{Experiment, RunRow, Test};
use kyoso_core::inference::{self, Estimate};

use crate::sweep::{Monitor, SweepModel, SweepRequest, run_sweep};
use crate::{EngineError, ScenarioInputs};

/// One group of keys switched from the low preset's values to the high one's.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverRow {
    /// The key, or `origins.*.<attribute>` for every origin's.
    pub key: String,
    pub low_value: String,
    pub high_value: String,
    /// The metric with this group switched minus the low preset's, paired
    /// by replication; `None` without data.
    pub effect: Option<Estimate>,
    /// The effect over the whole difference (high minus low).
    pub share: Option<f64>,
}

/// The drivers of one Contrast test between two presets.
#[derive(Debug, Clone, PartialEq)]
pub struct Drivers {
    /// The test's index in its experiment.
    pub test: usize,
    pub label: &'static str,
    pub metric: &'static str,
    pub high: &'static str,
    pub low: &'static str,
    /// High minus low, paired by replication.
    pub total: Option<Estimate>,
    /// Groups by the size of their effect, largest first.
    pub rows: Vec<DriverRow>,
}

/// Every origin attribute that is one group.
const ORIGIN_ATTRIBUTES: &[&str] = &[
    "firms",
    "culture",
    "long_horizon_share",
    "entry_weight",
    "strategy_mix",
    "newcomer_mix",
];

/// A preset's resolved scenario as a table.
fn resolved(preset: &str) -> Result<toml::Table, EngineError> {
    let s = ScenarioBuilder::new()
        .preset(preset)
        .and_then(|b| b.build())
        .map_err(EngineError::input)?;
    Ok(toml::Table::try_from(&s).expect("a scenario serialises to a table"))
}

fn lookup<'a>(t: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    let mut parts = key.split('.');
    let mut v = t.get(parts.next()?)?;
    for p in parts {
        v = v.as_table()?.get(p)?;
    }
    Some(v)
}

/// Leaf keys of a table, a mix (or any table under an origin attribute) as one value.
fn leaves(prefix: &str, t: &toml::Table, out: &mut Vec<String>) {
    for (k, v) in t {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(inner) if k != "origins" => leaves(&key, inner, out),
            toml::Value::Table(_) => {}
            _ => out.push(key),
        }
    }
}

/// A group of keys in which two presets differ.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub key: String,
    pub low_value: String,
    pub high_value: String,
    /// The assignments that give the low preset the high one's values.
    pub sets: Vec<String>,
}

/// The groups of keys in which `high` and `low` differ.
pub fn groups(high: &str, low: &str) -> Result<Vec<Group>, EngineError> {
    let (h, l) = (resolved(high)?, resolved(low)?);
    let mut keys = Vec::new();
    leaves("", &h, &mut keys);
    let mut out = Vec::new();
    for key in keys {
        let (Some(hv), Some(lv)) = (lookup(&h, &key), lookup(&l, &key)) else {
            continue;
        };
        if hv != lv && !key.starts_with("run.") {
            out.push(Group {
                key: key.clone(),
                low_value: lv.to_string(),
                high_value: hv.to_string(),
                sets: vec![format!("{key}={hv}")],
            });
        }
    }
    let origins = |t: &toml::Table| -> Vec<String> {
        t.get("origins")
            .and_then(|o| o.as_table())
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    // Origin attributes are compared only when both presets have the same origins.
    if origins(&h) == origins(&l) {
        for attr in ORIGIN_ATTRIBUTES {
            let mut sets = Vec::new();
            let (mut lows, mut highs) = (Vec::new(), Vec::new());
            let mut differ = false;
            for o in origins(&h) {
                let key = format!("origins.{o}.{attr}");
                let (Some(hv), Some(lv)) = (lookup(&h, &key), lookup(&l, &key)) else {
                    continue;
                };
                differ |= hv != lv;
                sets.push(format!("{key}={hv}"));
                lows.push(format!("{o} {lv}"));
                highs.push(format!("{o} {hv}"));
            }
            if differ {
                out.push(Group {
                    key: format!("origins.*.{attr}"),
                    low_value: lows.join("; "),
                    high_value: highs.join("; "),
                    sets,
                });
            }
        }
    }
    Ok(out)
}

/// The metric by replication at design point `point` of `runs`.
fn by_rep(runs: &[RunRow], point: usize, column: usize) -> BTreeMap<u32, f64> {
    runs.iter()
        .filter(|(p, _, _)| *p == point)
        .map(|(_, r, m)| (*r, m[column]))
        .collect()
}

/// Paired a − b over the replications both have.
fn paired(a: &BTreeMap<u32, f64>, b: &BTreeMap<u32, f64>) -> Option<Estimate> {
    let (x, y): (Vec<f64>, Vec<f64>) = a
        .iter()
        .filter_map(|(r, x)| b.get(r).map(|y| (*x, *y)))
        .unzip();
    inference::paired(&x, &y)
}

/// Whether the 95 % interval of `e` leaves out 0.
fn excludes_zero(e: &Estimate) -> bool {
    let (lo, hi) = e.interval(0.95);
    lo > 0.0 || hi < 0.0
}

/// The inputs of one driver run.
pub struct DriverInputs<'a> {
    pub sets: &'a [String],
    pub at: &'a [String],
    pub seed: Option<u64>,
    pub ticks: Option<u32>,
    pub reps: u32,
    pub jobs: Option<usize>,
    pub resume: bool,
}

/// The drivers of every Contrast test of a presets experiment, from the
/// base condition's runs (`runs`, point k = preset k) and one sweep per
/// group under `dir/drivers-T/G`.
pub fn drivers(
    e: &'static Experiment,
    metric_names: &[String],
    runs: &[RunRow],
    inputs: &DriverInputs<'_>,
    dir: &Path,
    monitor: &dyn Monitor,
) -> Result<Vec<Drivers>, EngineError> {
    let mut out = Vec::new();
    if e.presets.is_empty() {
        return Ok(out);
    }
    for (t, check) in e.tests.iter().enumerate() {
        let Test::Contrast {
            label,
            metric,
            high,
            low,
        } = &check.test
        else {
            continue;
        };
        let column = metric_names
            .iter()
            .position(|m| m == metric)
            .ok_or_else(|| EngineError::runtime(format!("no metric `{metric}` in the runs")))?;
        let (hp, lp) = (e.presets[*high], e.presets[*low]);
        let low_runs = by_rep(runs, *low, column);
        let total = paired(&by_rep(runs, *high, column), &low_runs);
        let mut rows = Vec::new();
        for (g, group) in groups(hp, lp)?.into_iter().enumerate() {
            let mut all_sets = inputs.sets.to_vec();
            all_sets.extend(group.sets);
            let sweep_inputs = ScenarioInputs {
                preset: Some(lp.to_string()),
                file: None,
                sets: all_sets,
                at: inputs.at.to_vec(),
                seed: inputs.seed,
                ticks: inputs.ticks,
            };
            let folder = dir
                .join(format!("drivers-{}", t + 1))
                .join(format!("{}", g + 1));
            let mut sweep = SweepRequest::new(
                SweepModel::SilentRivalry,
                sweep_inputs,
                inputs.reps,
                &folder,
            );
            sweep.jobs = inputs.jobs;
            sweep.resume = inputs.resume && folder.exists();
            sweep.common_seeds = true;
            let done = run_sweep(&sweep, monitor)?;
            let (m, records) = kyoso_io::sweep::read_runs(&done.out)?;
            let c = m
                .spec
                .metrics
                .iter()
                .position(|n| n == metric)
                .ok_or_else(|| EngineError::runtime(format!("no metric `{metric}` in the runs")))?;
            let switched: BTreeMap<u32, f64> = records
                .iter()
                .map(|r| (r.rep, r.metrics[c].unwrap_or(f64::NAN)))
                .collect();
            let effect = paired(&switched, &low_runs);
            // A share of a difference not told apart from 0 means nothing.
            let share = match (effect, total) {
                (Some(e), Some(t)) if excludes_zero(&t) => Some(e.effect / t.effect),
                _ => None,
            };
            rows.push(DriverRow {
                key: group.key,
                low_value: group.low_value,
                high_value: group.high_value,
                effect,
                share,
            });
        }
        rows.sort_by(|a, b| {
            let size = |r: &DriverRow| r.effect.map_or(-1.0, |e| e.effect.abs());
            size(b).total_cmp(&size(a)).then(a.key.cmp(&b.key))
        });
        out.push(Drivers {
            test: t,
            label,
            metric,
            high: hp,
            low: lp,
            total,
            rows,
        });
    }
    Ok(out)
}

fn effect_text(e: Option<Estimate>) -> (String, String) {
    match e {
        Some(e) => {
            let (lo, hi) = e.interval(0.95);
            (format!("{:.4}", e.effect), format!("[{lo:.4}, {hi:.4}]"))
        }
        None => ("—".into(), "—".into()),
    }
}

fn share_text(s: Option<f64>) -> String {
    s.map_or_else(|| "—".into(), |s| format!("{:.0} %", s * 100.0))
}

impl Drivers {
    /// The table in Markdown, with its heading line.
    pub fn markdown(&self, unit: &str) -> String {
        use std::fmt::Write;
        let (total, total_ci) = effect_text(self.total);
        let mut s = format!(
            "\n**What drives it:** {}. {} minus {} is {total} {unit} {total_ci}. Each row runs {} with one group of {}'s values (same seeds) and gives the change in `{}`, and its share of the whole difference (only when the difference is told apart from 0; one at a time, shares need not add up to 100 %: interactions).\n\n| key | {} | {} | change | 95 % CI | share |\n|---|---|---|---|---|---|\n",
            self.label, self.high, self.low, self.low, self.high, self.metric, self.low, self.high
        );
        for r in &self.rows {
            let (e, ci) = effect_text(r.effect);
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {e} | {ci} | {} |",
                r.key,
                r.low_value,
                r.high_value,
                share_text(r.share)
            );
        }
        if self.rows.iter().any(|r| r.share.is_some()) {
            let sum: f64 = self.rows.iter().filter_map(|r| r.share).sum();
            let _ = writeln!(
                s,
                "\nOne at a time, the groups account for {:.0} % of the difference together.",
                sum * 100.0
            );
        }
        s
    }

    /// The same as JSON for verdicts.json.
    pub fn json(&self) -> serde_json::Value {
        let est = |e: Option<Estimate>| {
            serde_json::json!({
                "effect": e.map(|e| e.effect),
                "ci95_low": e.map(|e| e.interval(0.95).0),
                "ci95_high": e.map(|e| e.interval(0.95).1),
                "n": e.map(|e| e.n),
            })
        };
        serde_json::json!({
            "test": self.label,
            "metric": self.metric,
            "high": self.high,
            "low": self.low,
            "difference": est(self.total),
            "folder": format!("drivers-{}/", self.test + 1),
            "groups": self.rows.iter().map(|r| serde_json::json!({
                "key": r.key,
                "low_value": r.low_value,
                "high_value": r.high_value,
                "change": est(r.effect),
                "share_of_difference": r.share,
            })).collect::<Vec<_>>(),
        })
    }

    /// The same as an HTML table.
    pub fn html(&self) -> String {
        let esc = |t: &str| {
            t.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        };
        let (total, total_ci) = effect_text(self.total);
        let mut s = format!(
            "<p><strong>What drives it.</strong> {high} minus {low}: {total} {total_ci}. Each row: {low} with one group of {high}'s values, same seeds; the change in <code>{metric}</code> and its share of the difference (one at a time: shares need not add up to 100 %).</p><table><tr><th>key</th><th>{low}</th><th>{high}</th><th>change</th><th>95 % CI</th><th>share</th></tr>",
            high = esc(self.high),
            low = esc(self.low),
            metric = esc(self.metric),
        );
        for r in &self.rows {
            let (e, ci) = effect_text(r.effect);
            s.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{e}</td><td>{ci}</td><td>{}</td></tr>",
                esc(&r.key),
                esc(&r.low_value),
                esc(&r.high_value),
                share_text(r.share)
            ));
        }
        s.push_str("</table>");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_the_keys_the_presets_set_differently() {
        let g = groups("china", "us-west-coast").unwrap();
        let keys: Vec<&str> = g.iter().map(|x| x.key.as_str()).collect();
        assert!(keys.contains(&"encounters.detect"), "{keys:?}");
        assert!(keys.contains(&"origins.*.firms"), "{keys:?}");
        assert!(!keys.iter().any(|k| k.starts_with("run.")));
        let detect = g.iter().find(|x| x.key == "encounters.detect").unwrap();
        assert_eq!(
            (detect.low_value.as_str(), detect.high_value.as_str()),
            ("0.5", "0.2")
        );
        assert_eq!(detect.sets, vec!["encounters.detect=0.2".to_string()]);
        // Every assignment is accepted back by the scenario builder.
        let mut b = ScenarioBuilder::new().preset("us-west-coast").unwrap();
        for group in &g {
            for s in &group.sets {
                b = b.set(s).unwrap();
            }
        }
        let switched = b.build().unwrap();
        let china = ScenarioBuilder::new()
            .preset("china")
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(switched, china, "all groups together make the high preset");
        assert!(groups("china", "china").unwrap().is_empty());
    }
}
