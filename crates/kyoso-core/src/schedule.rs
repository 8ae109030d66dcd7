//! Scheduled interventions: parameter changes that take effect from a
//! given tick on, and waves of entrants at a given tick.
//!
//! In a scenario file:
//!
//! ```toml
//! [[schedule]]
//! tick = 60
//! set = { "encounters.detect" = 0.9 }
//!
//! [[schedule]]
//! tick = 36
//! enter = { JP = 10 }
//! ```
//!
//! and on the command line `--at 60:encounters.detect=0.9` and
//! `--at 36:enter.JP=10`. A change holds from the start of its tick to the
//! end of the run (or the next change of the same key); entries at one tick
//! apply in the order written. Every phase (the scenario as it stands from
//! a scheduled tick on) is validated like any scenario, before the run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{ScenarioError, Violation};
use crate::params;
use crate::scenario::Scenario;

/// One entry of a scenario's `[[schedule]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scheduled {
    /// The tick (month) from whose start the entry applies: 1 to
    /// `run.ticks − 1` (tick 0 is the scenario itself).
    pub tick: u32,
    /// Dotted keys and their new values, as `--set` takes them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, toml::Value>,
    /// Firms entering at this tick, by origin: a wave of entrants drawn as
    /// Poisson entrants are (the origin's newcomer mix and the firm
    /// attributes), after the tick's Poisson entrants. Scheduled waves
    /// enter whatever `mechanisms.entry` says: that switch is the
    /// Poisson stream.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub enter: BTreeMap<String, u32>,
}

/// The scenario in effect from one scheduled tick on.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub tick: u32,
    /// Every parameter as it stands from `tick` on (without a schedule).
    pub scenario: Scenario,
    /// The wave entering at `tick`: (origin index in name order, firms).
    pub enter: Vec<(usize, u32)>,
}

/// The most firms one scheduled wave may bring per origin.
pub const MAX_WAVE: u32 = 1_000_000;

/// Keys a schedule may not change, and why. `*` stands for an origin.
pub const FIXED: &[(&str, &str)] = &[
    ("run", "the run's length and seed are fixed when it starts"),
    (
        "market.segments",
        "the segments are fixed when the market opens",
    ),
    (
        "population.home_origin",
        "the home origin sets the newcomer mixes when the scenario is built",
    ),
    (
        "trust.decay",
        "trust decays lazily over the months since a pair last met, so one rate holds for the whole run",
    ),
    (
        "mechanisms.trust_decay",
        "trust decays lazily over the months since a pair last met, so one rate holds for the whole run",
    ),
    (
        "origins.*.firms",
        "initial firms are placed at tick 0; schedule a wave with `enter` instead",
    ),
    (
        "origins.*.strategy_mix",
        "the initial mix is used at tick 0 only; entrants follow newcomer_mix",
    ),
];

/// Why `key` may not be scheduled, if it may not.
pub fn fixed_reason(key: &str) -> Option<&'static str> {
    let parts: Vec<&str> = key.split('.').collect();
    let generic = if parts.len() >= 2 && parts[0] == "origins" {
        format!("origins.*{}", &key["origins.".len() + parts[1].len()..])
    } else {
        key.to_string()
    };
    FIXED.iter().find_map(|(fixed, why)| {
        let covers = generic == *fixed
            || generic.starts_with(&format!("{fixed}."))
            || fixed.starts_with(&format!("{generic}."));
        covers.then_some(*why)
    })
}

/// Parses `TICK:key=value` (a change) or `TICK:enter.ORIGIN=N` (a wave),
/// as `--at` takes it, into a schedule entry.
pub fn parse_at(assignment: &str) -> Result<Scheduled, String> {
    let (tick, rest) = assignment
        .split_once(':')
        .ok_or("expected TICK:dotted.key=value or TICK:enter.ORIGIN=N")?;
    let tick: u32 = tick
        .trim()
        .parse()
        .map_err(|_| format!("`{}` is not a tick (a whole number)", tick.trim()))?;
    let (key, raw) = rest
        .split_once('=')
        .ok_or("expected TICK:dotted.key=value or TICK:enter.ORIGIN=N")?;
    let key = key.trim();
    let mut entry = Scheduled {
        tick,
        set: BTreeMap::new(),
        enter: BTreeMap::new(),
    };
    if let Some(origin) = key.strip_prefix("enter.") {
        let n: u32 = raw.trim().parse().map_err(|_| {
            format!(
                "`{}` is not a number of firms (a whole number from 1 to {MAX_WAVE})",
                raw.trim()
            )
        })?;
        entry.enter.insert(origin.to_string(), n);
    } else {
        if key.is_empty() || key.split('.').any(str::is_empty) {
            return Err("the key is empty or has an empty part".to_string());
        }
        entry
            .set
            .insert(key.to_string(), crate::scenario::parse_value(raw));
    }
    Ok(entry)
}

/// The entry as a TOML table, as a scenario file writes it.
pub fn to_table(entry: &Scheduled) -> toml::Table {
    toml::Table::try_from(entry).expect("a schedule entry serialises to a table")
}

impl Scenario {
    /// The phases of the schedule, in tick order: the scenario as it
    /// stands from each scheduled tick on, each checked like any scenario.
    /// Empty without a schedule. Errors name the tick and the key.
    pub fn phases(&self) -> Result<Vec<Phase>, ScenarioError> {
        if self.schedule.is_empty() {
            return Ok(Vec::new());
        }
        let mut base = self.clone();
        base.schedule.clear();
        let mut table = toml::Table::try_from(&base).expect("a scenario serialises to a table");
        let mut current = base;
        let origin_index: BTreeMap<&str, usize> = self
            .origins
            .keys()
            .enumerate()
            .map(|(k, name)| (name.as_str(), k))
            .collect();
        let mut order: Vec<&Scheduled> = self.schedule.iter().collect();
        order.sort_by_key(|e| e.tick);
        let mut violations = Vec::new();
        let mut phases = Vec::new();
        let bad = |violations: &mut Vec<Violation>, key: String, value: String, allowed: &str| {
            violations.push(Violation {
                key,
                value,
                allowed: allowed.to_string(),
            })
        };
        for group in order.chunk_by(|a, b| a.tick == b.tick) {
            let tick = group[0].tick;
            let at = format!("schedule at tick {tick}");
            if tick == 0 || tick >= self.run.ticks {
                bad(
                    &mut violations,
                    "schedule.tick".to_string(),
                    tick.to_string(),
                    &format!(
                        "a tick in [1, {}] (run.ticks − 1; tick 0 is the scenario itself, set with --set)",
                        self.run.ticks.saturating_sub(1)
                    ),
                );
                continue;
            }
            let mut changed = false;
            let mut enter: BTreeMap<usize, u32> = BTreeMap::new();
            let before = violations.len();
            for entry in group {
                for (key, value) in &entry.set {
                    let shown = value.to_string();
                    if let Some(why) = fixed_reason(key) {
                        bad(
                            &mut violations,
                            format!("{at}: {key}"),
                            shown,
                            &format!("only in the scenario itself, not in a schedule: {why}"),
                        );
                        continue;
                    }
                    let parts: Vec<&str> = key.split('.').collect();
                    if parts[0] == "origins"
                        && parts.len() > 1
                        && !origin_index.contains_key(parts[1])
                    {
                        bad(
                            &mut violations,
                            format!("{at}: {key}"),
                            shown,
                            &format!(
                                "an origin of the scenario ({}); a schedule cannot add origins",
                                self.origins.keys().cloned().collect::<Vec<_>>().join(", ")
                            ),
                        );
                        continue;
                    }
                    if let Err(message) = params::set_path(&mut table, key, value.clone()) {
                        bad(&mut violations, format!("{at}: {key}"), shown, &message);
                        continue;
                    }
                    changed = true;
                }
                for (origin, &n) in &entry.enter {
                    match origin_index.get(origin.as_str()) {
                        None => bad(
                            &mut violations,
                            format!("{at}: enter.{origin}"),
                            n.to_string(),
                            &format!(
                                "an origin of the scenario ({})",
                                self.origins.keys().cloned().collect::<Vec<_>>().join(", ")
                            ),
                        ),
                        Some(_) if n == 0 || n > MAX_WAVE => bad(
                            &mut violations,
                            format!("{at}: enter.{origin}"),
                            n.to_string(),
                            &format!("a whole number of firms in [1, {MAX_WAVE}]"),
                        ),
                        Some(&k) => *enter.entry(k).or_default() += n,
                    }
                }
            }
            if violations.len() > before {
                continue;
            }
            if changed {
                let scenario: Scenario = params::deserialize_checked(table.clone(), &at, |k| {
                    crate::scenario::suggest_key(k)
                })?;
                if let Err(e) = scenario.validate() {
                    match e {
                        ScenarioError::Invalid { violations: v, .. } => {
                            violations.extend(v.into_iter().map(|mut v| {
                                v.key = format!("{at}: {}", v.key);
                                v
                            }));
                            continue;
                        }
                        other => return Err(other),
                    }
                }
                current = scenario;
            }
            phases.push(Phase {
                tick,
                scenario: current.clone(),
                enter: enter.into_iter().collect(),
            });
        }
        if violations.is_empty() {
            Ok(phases)
        } else {
            Err(ScenarioError::Invalid {
                sources: "the schedule".to_string(),
                violations,
            })
        }
    }

    /// The scheduled waves of entrants: ticks with an `enter`.
    pub fn wave_count(&self) -> usize {
        let mut ticks: Vec<u32> = self
            .schedule
            .iter()
            .filter(|e| !e.enter.is_empty())
            .map(|e| e.tick)
            .collect();
        ticks.sort_unstable();
        ticks.dedup();
        ticks.len()
    }

    /// Firms of every scheduled wave together.
    pub fn scheduled_entrants(&self) -> u64 {
        self.schedule
            .iter()
            .flat_map(|e| e.enter.values())
            .map(|&n| n as u64)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScenarioBuilder;

    fn with_at(at: &[&str]) -> Result<Scenario, ScenarioError> {
        let mut b = ScenarioBuilder::new();
        for a in at {
            b = b.at(a)?;
        }
        b.build()
    }

    #[test]
    fn at_parses_changes_and_waves() {
        let e = parse_at("60:encounters.detect=0.9").unwrap();
        assert_eq!(e.tick, 60);
        assert_eq!(e.set["encounters.detect"], toml::Value::Float(0.9));
        let w = parse_at("36:enter.JP=10").unwrap();
        assert_eq!(w.enter["JP"], 10);
        for bad in ["x:a=1", "60", "60:a", "60:enter.JP=-1", "60:a..b=1"] {
            assert!(parse_at(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phases_apply_in_tick_order_and_accumulate() {
        let s = with_at(&[
            "80:encounters.detect=0.1",
            "60:encounters.detect=0.9",
            "60:market.margin=0.4",
            "70:enter.JP=5",
        ])
        .unwrap();
        let p = s.phases().unwrap();
        assert_eq!(
            p.iter().map(|p| p.tick).collect::<Vec<_>>(),
            vec![60, 70, 80]
        );
        assert_eq!(p[0].scenario.encounters.detect, 0.9);
        assert_eq!(p[1].scenario.encounters.detect, 0.9);
        assert_eq!(p[1].scenario.market.margin, 0.4);
        assert_eq!(p[2].scenario.encounters.detect, 0.1);
        assert_eq!(p[2].scenario.market.margin, 0.4);
        let jp = s.origins.keys().position(|k| k == "JP").unwrap();
        assert_eq!(p[1].enter, vec![(jp, 5)]);
        assert!(p[0].enter.is_empty());
    }

    #[test]
    fn bad_entries_name_the_tick_key_value_and_range() {
        let e = with_at(&["60:encounters.detect=1.5"])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("schedule at tick 60: encounters.detect = 1.5: allowed [0, 1]"),
            "{e}"
        );
        let e = with_at(&["0:encounters.detect=0.5"])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("schedule.tick = 0") && e.contains("[1, 119]"),
            "{e}"
        );
        let e = with_at(&["120:encounters.detect=0.5"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("schedule.tick = 120"), "{e}");
        let e = with_at(&["10:run.seed=5"]).unwrap_err().to_string();
        assert!(
            e.contains("run.seed") && e.contains("not in a schedule"),
            "{e}"
        );
        let e = with_at(&["10:origins.JP.firms=5"]).unwrap_err().to_string();
        assert!(e.contains("enter"), "{e}");
        let e = with_at(&["10:trust.decay=0.5"]).unwrap_err().to_string();
        assert!(e.contains("lazily"), "{e}");
        let e = with_at(&["10:origins.KR.entry_weight=1"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot add origins"), "{e}");
        let e = with_at(&["10:enter.KR=3"]).unwrap_err().to_string();
        assert!(e.contains("enter.KR") && e.contains("an origin"), "{e}");
        let e = with_at(&["10:encounters.detekt=0.5"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("encounters.detect"), "{e}");
        // Every bad entry at once.
        let e = with_at(&["10:encounters.detect=2", "20:market.margin=-1"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("tick 10") && e.contains("tick 20"), "{e}");
    }

    #[test]
    fn a_schedule_survives_its_scenario_toml() {
        let s = with_at(&["60:encounters.detect=0.9", "36:enter.JP=10"]).unwrap();
        let text = s.to_toml();
        assert!(text.contains("[[schedule]]"), "{text}");
        let back = Scenario::from_toml("scenario.toml", &text).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.phases().unwrap(), s.phases().unwrap());
    }

    #[test]
    fn fixed_keys_are_found_through_origins_and_prefixes() {
        assert!(fixed_reason("run.ticks").is_some());
        assert!(fixed_reason("run").is_some());
        assert!(fixed_reason("origins.JP.firms").is_some());
        assert!(fixed_reason("origins.JP").is_some());
        assert!(fixed_reason("origins.JP.entry_weight").is_none());
        assert!(fixed_reason("encounters.detect").is_none());
        assert!(fixed_reason("trust.decay").is_some());
        assert!(fixed_reason("trust.calibrated.prior_weight").is_none());
    }
}
