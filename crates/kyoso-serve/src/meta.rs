//! What the page may turn: the models, their presets and their controls.
//!
//! Market controls take their range, meaning and claim from the parameter
//! table of docs/model.md (embedded at build time), so the tooltips are the
//! documentation; a test checks every control key is in that table and
//! in the scenario.

use serde::Serialize;

use crate::setup::ModelKind;

/// The parameter table of docs/model.md.
const MODEL_DOC: &str = include_str!("../../../docs/model.md");

/// How a control is edited.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Number,
    Int,
    Bool,
}

/// One control of the page.
#[derive(Debug, Clone, Serialize)]
pub struct Control {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    /// Slider span: the plausible range (docs/model.md §8), widened to hold
    /// the default and every preset's value; the number input accepts the
    /// whole allowed range.
    pub min: f64,
    pub max: f64,
    pub step: f64,
    /// `log` when the slider moves in log steps (a plausible range spanning
    /// an order of magnitude or more), else `linear`.
    pub scale: &'static str,
    /// Value in the model's defaults (no preset).
    pub default: serde_json::Value,
    /// Allowed range as documented.
    pub range: String,
    pub meaning: String,
    pub claim: String,
    /// When a change takes effect: `now` (from the next month of a running
    /// market, by joining its schedule: POST params with `now`), or `reset`
    /// (keys a schedule cannot change, and the classic models). Before the
    /// first month and after the last every change waits for a reset.
    pub applies: &'static str,
}

/// A preset of a model.
#[derive(Debug, Clone, Serialize)]
pub struct PresetInfo {
    pub name: &'static str,
    pub description: &'static str,
}

/// One model the server can run.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    pub id: &'static str,
    pub title: &'static str,
    /// `market` or `lattice`: which view the page shows.
    pub view: &'static str,
    /// What one tick is, for the axes and the counter: month, generation, period.
    pub time_unit: &'static str,
    pub presets: Vec<PresetInfo>,
    pub controls: Vec<Control>,
}

/// One row of the parameter table: (range, meaning, claim).
fn doc_row(key: &str) -> Option<(String, String, String)> {
    // `trust.naive_ingroup.in_group_prior` is documented as `trust.<strategy>.in_group_prior`.
    let generic = match key.split('.').collect::<Vec<_>>()[..] {
        ["trust", _, leaf] => format!("trust.<strategy>.{leaf}"),
        ["origins", _, leaf] => format!("origins.<NAME>.{leaf}"),
        _ => key.to_string(),
    };
    let needle = format!("| `{generic}` |");
    let line = MODEL_DOC.lines().find(|l| l.starts_with(&needle))?;
    let cells: Vec<&str> = line.split('|').map(str::trim).collect();
    // ["", key, default, range, meaning, claim, ""]
    if cells.len() < 7 {
        return None;
    }
    Some((
        cells[3].to_string(),
        cells[4].to_string(),
        cells[5].to_string(),
    ))
}

/// A market control: range, meaning and claim from docs/model.md.
fn documented(
    key: &'static str,
    label: &'static str,
    span: (Kind, f64, f64, f64),
    default: serde_json::Value,
) -> Control {
    let (range, meaning, claim) = doc_row(key).unwrap_or_default();
    let applies = if kyoso_core::schedule::fixed_reason(key).is_none() {
        "now"
    } else {
        "reset"
    };
    Control {
        claim,
        applies,
        ..plain(key, label, span, default, &range, &meaning)
    }
}

/// The plausible range of a key (docs/model.md §8): its own entry, else the
/// `*` entry that matches it.
fn plausible(key: &str) -> Option<&'static kyoso_core::Plausible> {
    let table = kyoso_core::PLAUSIBLE;
    table.iter().find(|p| p.key == key).or_else(|| {
        table
            .iter()
            .find(|p| kyoso_core::plausible::key_matches(p.key, key))
    })
}

/// A slider over the plausible range of `key`, widened to hold `values`
/// (the default and the presets' values), in log steps for a log-uniform
/// range; `None` for a key without a plausible range.
fn plausible_span(key: &str, values: &[f64]) -> Option<(f64, f64, f64, &'static str)> {
    let p = plausible(key)?;
    let lo = values.iter().copied().fold(p.low, f64::min);
    let hi = values.iter().copied().fold(p.high, f64::max);
    if p.dist == kyoso_core::Dist::LogUniform && lo > 0.0 {
        // The page maps 1,000 slider steps onto log10 between the ends.
        return Some((lo, hi, 0.0, "log"));
    }
    Some((lo, hi, nice_step((hi - lo) / 100.0), "linear"))
}

/// 1, 2 or 5 times a power of ten, at most `raw`.
fn nice_step(raw: f64) -> f64 {
    let e = raw.log10().floor();
    let base = 10f64.powf(e);
    let m = raw / base;
    let k = if m >= 5.0 {
        5.0
    } else if m >= 2.0 {
        2.0
    } else {
        1.0
    };
    // Round off the binary noise of the power (0.1 * 5 = 0.5 exactly).
    let step = k * base;
    format!("{step:.1e}").parse().unwrap_or(step)
}

/// A control documented here (the classic models).
fn plain(
    key: &'static str,
    label: &'static str,
    (kind, min, max, step): (Kind, f64, f64, f64),
    default: serde_json::Value,
    range: &str,
    meaning: &str,
) -> Control {
    Control {
        key,
        label,
        kind,
        min,
        max,
        step,
        default,
        scale: "linear",
        range: range.to_string(),
        meaning: meaning.to_string(),
        claim: "—".to_string(),
        applies: "reset",
    }
}

/// The market controls: the parameters users most want to turn. Their
/// sliders span the plausible range ([`plausible_span`]); a key without
/// one (the run length) gets [`RUN_TICKS_SPAN`].
const MARKET: &[(&str, &str, Kind)] = &[
    (
        "trust.naive_ingroup.in_group_prior",
        "In-group trust prior (naive firms)",
        Kind::Number,
    ),
    (
        "encounters.detect",
        "Detection of withholding",
        Kind::Number,
    ),
    (
        "market.omega_cross",
        "Rivalry overlap across segments",
        Kind::Number,
    ),
    (
        "encounters.homophily",
        "Homophily (meet own origin)",
        Kind::Number,
    ),
    (
        "partnerships.friction_culture",
        "Cultural distance: friction",
        Kind::Number,
    ),
    (
        "partnerships.culture_penalty",
        "Cultural distance: value lost",
        Kind::Number,
    ),
    (
        "firms.culture_sd",
        "Culture spread within an origin",
        Kind::Number,
    ),
    (
        "horizons.long_rd_intensity",
        "R&D intensity, long horizon",
        Kind::Number,
    ),
    (
        "horizons.short_rd_intensity",
        "R&D intensity, short horizon",
        Kind::Number,
    ),
    (
        "population.entry_rate",
        "Entry rate (firms per month)",
        Kind::Number,
    ),
    (
        "partnerships.trust_threshold",
        "Trust needed to partner",
        Kind::Number,
    ),
    ("run.ticks", "Run length (months)", Kind::Int),
];

/// The run-length slider: 1 to 100 years in whole years.
const RUN_TICKS_SPAN: (f64, f64, f64) = (12.0, 1200.0, 12.0);

/// Every model with its controls; defaults read from `defaults(model)`.
pub fn models() -> Vec<ModelInfo> {
    let market_defaults = crate::setup::Setup::new(ModelKind::SilentRivalry, None)
        .build(&crate::setup::Base::default())
        .expect("the default scenario builds")
        .values_table();
    let preset_tables: Vec<toml::Table> = kyoso_core::scenario::PRESETS
        .iter()
        .map(|p| {
            crate::setup::Setup::new(ModelKind::SilentRivalry, Some(p.name.to_string()))
                .build(&crate::setup::Base::default())
                .expect("every preset builds")
                .values_table()
        })
        .collect();
    let market_controls = MARKET
        .iter()
        .map(|&(key, label, kind)| {
            let default = crate::setup::lookup_json(&market_defaults, key);
            let values: Vec<f64> = std::iter::once(&market_defaults)
                .chain(&preset_tables)
                .filter_map(|t| crate::setup::lookup_json(t, key).as_f64())
                .collect();
            match plausible_span(key, &values) {
                Some((min, max, step, scale)) => Control {
                    scale,
                    ..documented(key, label, (kind, min, max, step), default)
                },
                None => {
                    let (min, max, step) = RUN_TICKS_SPAN;
                    documented(key, label, (kind, min, max, step), default)
                }
            }
        })
        .collect();
    let spd = crate::setup::Setup::new(ModelKind::SpatialPd, None)
        .build(&crate::setup::Base::default())
        .expect("spatial PD defaults build")
        .values_table();
    let eth = crate::setup::Setup::new(ModelKind::Ethnocentrism, None)
        .build(&crate::setup::Base::default())
        .expect("ethnocentrism defaults build")
        .values_table();
    let d = |t: &toml::Table, k: &str| crate::setup::lookup_json(t, k);
    vec![
        ModelInfo {
            id: ModelKind::SilentRivalry.id(),
            title: "Silent rivalry market",
            view: "market",
            time_unit: "month",
            presets: kyoso_core::scenario::PRESETS
                .iter()
                .map(|p| PresetInfo {
                    name: p.name,
                    description: p.summary,
                })
                .collect(),
            controls: market_controls,
        },
        ModelInfo {
            id: ModelKind::SpatialPd.id(),
            title: "Spatial prisoner's dilemma (Nowak & May 1992)",
            view: "lattice",
            time_unit: "generation",
            presets: kyoso_classic::params::SPATIAL_PD_PRESETS
                .iter()
                .map(|&(name, description)| PresetInfo { name, description })
                .collect(),
            controls: vec![
                plain(
                    "b",
                    "Temptation b",
                    (Kind::Number, 1.0, 3.0, 0.01),
                    d(&spd, "b"),
                    "finite; > 1 makes it a dilemma",
                    "payoff to a defector meeting a cooperator; R = 1, S = P = 0",
                ),
                plain(
                    "defectors",
                    "Initial defectors",
                    (Kind::Number, 0.0, 1.0, 0.01),
                    d(&spd, "defectors"),
                    "[0, 1]",
                    "probability that a cell starts as a defector",
                ),
                plain(
                    "size",
                    "Lattice side",
                    (Kind::Int, 10.0, 400.0, 10.0),
                    d(&spd, "size"),
                    "integer [3, 1000] in the live view",
                    "side of the square torus, in cells",
                ),
                plain(
                    "self_interaction",
                    "Self-interaction",
                    (Kind::Bool, 0.0, 1.0, 1.0),
                    d(&spd, "self_interaction"),
                    "bool",
                    "whether a cell also plays against itself",
                ),
                plain(
                    "steps",
                    "Steps",
                    (Kind::Int, 10.0, 5000.0, 10.0),
                    d(&spd, "steps"),
                    "integer ≥ 1",
                    "run length in generations",
                ),
            ],
        },
        ModelInfo {
            id: ModelKind::Ethnocentrism.id(),
            title: "Ethnocentrism (Hammond & Axelrod 2006)",
            view: "lattice",
            time_unit: "period",
            presets: vec![],
            controls: vec![
                plain(
                    "cost",
                    "Cost of help",
                    (Kind::Number, 0.0, 0.05, 0.001),
                    d(&eth, "cost"),
                    "≥ 0",
                    "potential to reproduce a helper gives up per act of help",
                ),
                plain(
                    "benefit",
                    "Benefit of help",
                    (Kind::Number, 0.0, 0.1, 0.001),
                    d(&eth, "benefit"),
                    "≥ 0",
                    "potential to reproduce a helped agent gains",
                ),
                plain(
                    "mutation",
                    "Mutation rate",
                    (Kind::Number, 0.0, 0.05, 0.001),
                    d(&eth, "mutation"),
                    "[0, 1]",
                    "probability that each trait of an offspring mutates",
                ),
                plain(
                    "death",
                    "Death rate",
                    (Kind::Number, 0.0, 0.5, 0.01),
                    d(&eth, "death"),
                    "[0, 1]",
                    "probability that an agent dies each period",
                ),
                plain(
                    "immigrants",
                    "Immigrants per period",
                    (Kind::Int, 0.0, 20.0, 1.0),
                    d(&eth, "immigrants"),
                    "integer ≥ 0",
                    "agents arriving on empty cells each period",
                ),
                plain(
                    "tags",
                    "Colours (tags)",
                    (Kind::Int, 1.0, 12.0, 1.0),
                    d(&eth, "tags"),
                    "integer [1, 63]",
                    "number of visible group tags",
                ),
                plain(
                    "size",
                    "Lattice side",
                    (Kind::Int, 10.0, 200.0, 10.0),
                    d(&eth, "size"),
                    "integer [3, 1000] in the live view",
                    "side of the square torus, in cells",
                ),
                plain(
                    "periods",
                    "Periods",
                    (Kind::Int, 100.0, 10000.0, 100.0),
                    d(&eth, "periods"),
                    "integer ≥ 1",
                    "run length in periods",
                ),
            ],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_market_control_is_documented_and_exists() {
        let models = models();
        let market = &models[0];
        assert_eq!(market.id, "silent-rivalry");
        for c in &market.controls {
            assert!(
                !c.meaning.is_empty(),
                "{} missing from docs/model.md",
                c.key
            );
            assert!(c.range.contains('['), "{}: range {:?}", c.key, c.range);
            assert!(c.claim.starts_with('C') || c.claim == "—", "{}", c.key);
            assert!(!c.default.is_null(), "{} not in the scenario", c.key);
            if let Some(v) = c.default.as_f64() {
                assert!(v >= c.min && v <= c.max, "{} default outside slider", c.key);
            }
        }
        let detect = market
            .controls
            .iter()
            .find(|c| c.key == "encounters.detect")
            .unwrap();
        assert_eq!(detect.range, "[0, 1]");
        assert_eq!(detect.default, serde_json::json!(0.3));
    }

    #[test]
    fn market_sliders_span_the_plausible_range_and_live_keys_apply_now() {
        let models = models();
        let c = |key: &str| models[0].controls.iter().find(|c| c.key == key).unwrap();
        // 0.01–0.2, log-uniform in docs/model.md §8: a log slider there.
        let friction = c("partnerships.friction_culture");
        assert_eq!(friction.scale, "log");
        assert!(friction.min <= 0.01 && friction.max >= 0.2, "{friction:?}");
        assert!(
            friction.max < 1.0,
            "slider wider than plausible: {friction:?}"
        );
        let detect = c("encounters.detect");
        assert_eq!(detect.scale, "linear");
        // Plausible 0.1–0.7, widened by the presets (the `global` preset's 0.8, say).
        assert!(
            detect.min <= 0.1 && detect.max >= 0.7 && detect.max <= 1.0,
            "{detect:?}"
        );
        assert!(detect.step > 0.0 && detect.step <= 0.01, "{detect:?}");
        assert_eq!(detect.applies, "now");
        assert_eq!(c("run.ticks").applies, "reset");
        for m in &models[1..] {
            assert!(m.controls.iter().all(|c| c.applies == "reset"), "{}", m.id);
        }
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(0.006), 0.005);
        assert_eq!(nice_step(0.0123), 0.01);
        assert_eq!(nice_step(0.03), 0.02);
        assert_eq!(nice_step(7.0), 5.0);
    }

    #[test]
    fn classic_controls_have_defaults_inside_their_sliders() {
        for m in &models()[1..] {
            for c in &m.controls {
                assert!(!c.default.is_null(), "{}.{}", m.id, c.key);
                if let Some(v) = c.default.as_f64() {
                    assert!(v >= c.min && v <= c.max, "{}.{} = {v}", m.id, c.key);
                }
            }
        }
    }
}
