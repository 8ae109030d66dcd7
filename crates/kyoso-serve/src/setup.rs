//! What a session runs: a model, a preset, a seed and `key=value` changes,
//! resolved exactly as the command line resolves them (same builder, same
//! errors), and the command line that reproduces it.

use std::collections::BTreeMap;

use kyoso_classic::ClassicError;
use kyoso_classic::params::{EthnocentrismParams, SpatialPdParams};
use kyoso_core::{Scenario, ScenarioBuilder, ScenarioError};
use serde::Serialize;

/// Largest lattice side the live view streams (a frame is side² bytes).
pub const MAX_LIVE_SIDE: usize = 1000;

/// The models a session can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    SilentRivalry,
    SpatialPd,
    Ethnocentrism,
}

impl ModelKind {
    pub const ALL: [ModelKind; 3] = [
        ModelKind::SilentRivalry,
        ModelKind::SpatialPd,
        ModelKind::Ethnocentrism,
    ];

    /// The name in the API and on the command line.
    pub fn id(self) -> &'static str {
        match self {
            ModelKind::SilentRivalry => "silent-rivalry",
            ModelKind::SpatialPd => "spatial-pd",
            ModelKind::Ethnocentrism => "ethnocentrism",
        }
    }

    pub fn parse(id: &str) -> Option<ModelKind> {
        ModelKind::ALL.into_iter().find(|m| m.id() == id)
    }
}

/// An error answered to the browser: HTTP status and a JSON body naming
/// the key, the value and the allowed range when there is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: u16,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            key: None,
            value: None,
            range: None,
        }
    }

    /// Bad input (HTTP 400).
    pub fn input(message: impl Into<String>) -> ApiError {
        ApiError::new(400, message)
    }

    fn with(mut self, key: &str, value: Option<&str>, range: Option<&str>) -> ApiError {
        self.key = Some(key.to_string());
        self.value = value.map(str::to_string);
        self.range = range.map(str::to_string);
        self
    }
}

impl From<ScenarioError> for ApiError {
    fn from(e: ScenarioError) -> ApiError {
        let base = ApiError::input(e.to_string());
        match &e {
            ScenarioError::Invalid { violations: v, .. } if !v.is_empty() => {
                base.with(&v[0].key, Some(&v[0].value), Some(&v[0].allowed))
            }
            ScenarioError::UnknownKey { key, .. } => base.with(key, None, None),
            // "size: invalid type: floating point `2.5`, expected usize"
            ScenarioError::Shape { message, .. } => match message.split_once(": ") {
                Some((key, rest)) if !key.contains(' ') && !key.is_empty() => {
                    let expected = rest.rsplit_once("expected ").map(|(_, e)| e);
                    base.with(key, None, expected)
                }
                _ => base,
            },
            ScenarioError::BadOverride { assignment, .. } => {
                let key = assignment.split('=').next().unwrap_or(assignment).trim();
                base.with(key, None, None)
            }
            _ => base,
        }
    }
}

impl From<ClassicError> for ApiError {
    fn from(e: ClassicError) -> ApiError {
        let base = ApiError::input(e.to_string());
        match &e {
            ClassicError::OutOfRange {
                name,
                value,
                allowed,
            } => base.with(name, Some(value), Some(allowed)),
            _ => base,
        }
    }
}

/// The server's own starting point for market sessions (`kyoso serve
/// --preset/--scenario`).
#[derive(Debug, Clone, Default)]
pub struct Base {
    pub preset: Option<String>,
    /// (file name as given, contents).
    pub file: Option<(String, String)>,
}

/// What a session runs, before it is resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    pub model: ModelKind,
    pub preset: Option<String>,
    pub seed: Option<u64>,
    /// `key` → value as written after `=` on the command line.
    pub sets: BTreeMap<String, String>,
    /// Changes made during the run (`TICK:key=value`, as `--at` takes
    /// them), in the order made: the run's schedule (silent rivalry).
    pub at: Vec<String>,
}

/// A resolved, validated setup.
#[derive(Debug, Clone)]
pub enum Built {
    Market(Box<Scenario>),
    SpatialPd(SpatialPdParams),
    Ethnocentrism(EthnocentrismParams),
}

impl Setup {
    pub fn new(model: ModelKind, preset: Option<String>) -> Setup {
        Setup {
            model,
            preset,
            seed: None,
            sets: BTreeMap::new(),
            at: Vec::new(),
        }
    }

    /// Adds `key = value` changes from JSON (numbers, booleans, strings,
    /// arrays); nothing is kept if any of them is malformed.
    pub fn with_json_sets(
        &self,
        sets: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Setup, ApiError> {
        let mut next = self.clone();
        for (key, value) in sets {
            let key = key.trim();
            if key.is_empty() {
                return Err(ApiError::input("empty parameter key"));
            }
            let text = match value {
                serde_json::Value::String(s) => s.trim().to_string(),
                serde_json::Value::Number(_)
                | serde_json::Value::Bool(_)
                | serde_json::Value::Array(_) => value.to_string(),
                _ => {
                    return Err(ApiError::input(format!(
                        "{key}: value {value} must be a number, boolean, string or array"
                    ))
                    .with(key, Some(&value.to_string()), None));
                }
            };
            next.sets.insert(key.to_string(), text);
        }
        Ok(next)
    }

    pub(crate) fn assignments(&self) -> Vec<String> {
        self.sets.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    fn preset_or<'a>(&'a self, base: &'a Base) -> Option<&'a str> {
        self.preset.as_deref().or(base.preset.as_deref())
    }

    /// Resolves and validates, with the command line's own errors.
    pub fn build(&self, base: &Base) -> Result<Built, ApiError> {
        match self.model {
            ModelKind::SilentRivalry => {
                let mut b = ScenarioBuilder::new();
                if let Some(p) = self.preset_or(base) {
                    b = b.preset(p)?;
                }
                if let Some((name, text)) = &base.file {
                    b = b.file(name, text)?;
                }
                for a in self.assignments() {
                    b = b.set_as(&a, "the page's settings")?;
                }
                for a in &self.at {
                    b = b.at(a)?;
                }
                // After the changes, as `kyoso run --seed` does (any u64).
                if let Some(seed) = self.seed {
                    b = b.seed(seed);
                }
                Ok(Built::Market(Box::new(b.build()?)))
            }
            ModelKind::SpatialPd => {
                let defaults = SpatialPdParams::preset(self.preset.as_deref())?;
                let mut p: SpatialPdParams =
                    kyoso_core::params::resolve(&defaults, None, &self.assignments())?;
                if let Some(seed) = self.seed {
                    p.seed = seed;
                }
                p.check()?;
                check_side(p.size, "size")?;
                Ok(Built::SpatialPd(p))
            }
            ModelKind::Ethnocentrism => {
                if let Some(p) = &self.preset {
                    return Err(ApiError::input(format!(
                        "ethnocentrism has no preset `{p}`: its defaults are the paper's"
                    ))
                    .with("preset", Some(p), Some("none")));
                }
                let mut p: EthnocentrismParams = kyoso_core::params::resolve(
                    &EthnocentrismParams::paper(2000),
                    None,
                    &self.assignments(),
                )?;
                if let Some(seed) = self.seed {
                    p.seed = seed;
                }
                p.check()?;
                check_side(p.size, "size")?;
                Ok(Built::Ethnocentrism(p))
            }
        }
    }

    /// The command line that runs the same thing.
    pub fn command(&self, base: &Base, built: &Built) -> String {
        let mut parts: Vec<String> = vec!["kyoso".into()];
        match self.model {
            ModelKind::SilentRivalry => {
                parts.push("run".into());
                if let Some(p) = self.preset_or(base) {
                    parts.push(format!("--preset {p}"));
                }
                if let Some((name, _)) = &base.file {
                    parts.push(format!("--scenario {}", quote(name)));
                }
                parts.push(format!("--seed {}", built.seed()));
                for a in self.assignments() {
                    parts.push(format!("--set {}", quote(&a)));
                }
                for a in &self.at {
                    parts.push(format!("--at {}", quote(a)));
                }
            }
            ModelKind::SpatialPd | ModelKind::Ethnocentrism => {
                parts.push(self.model.id().into());
                if let Some(p) = &self.preset {
                    parts.push(format!("--preset {p}"));
                }
                parts.push(format!("--seed {}", built.seed()));
                for (k, v) in &self.sets {
                    if k != "seed" {
                        parts.push(format!("--{} {}", k.replace('_', "-"), quote(v)));
                    }
                }
            }
        }
        parts.join(" ")
    }
}

/// Quotes a shell word when it needs it.
fn quote(word: &str) -> String {
    if word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-=/:,+".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

fn check_side(size: usize, key: &str) -> Result<(), ApiError> {
    if size > MAX_LIVE_SIDE {
        let range = format!("[3, {MAX_LIVE_SIDE}] in the live view");
        return Err(ApiError::input(format!(
            "{key} = {size} is out of range: {range} (run larger lattices with the command line)"
        ))
        .with(key, Some(&size.to_string()), Some(&range)));
    }
    Ok(())
}

impl Built {
    pub fn seed(&self) -> u64 {
        match self {
            Built::Market(s) => s.run.seed,
            Built::SpatialPd(p) => p.seed,
            Built::Ethnocentrism(p) => p.seed,
        }
    }

    /// Run length in ticks (months, steps or periods).
    pub fn total(&self) -> u32 {
        match self {
            Built::Market(s) => s.run.ticks,
            Built::SpatialPd(p) => p.steps.min(u32::MAX as u64) as u32,
            Built::Ethnocentrism(p) => p.periods,
        }
    }

    /// Every parameter as a TOML table (for control values). The seed is
    /// left out (0): it is no control (the response's `seed` holds it).
    pub fn values_table(&self) -> toml::Table {
        let table = match self {
            Built::Market(s) => {
                let mut s = (**s).clone();
                s.run.seed = 0;
                toml::from_str(&s.to_toml()).map_err(|e| e.to_string())
            }
            Built::SpatialPd(p) => toml::Table::try_from(SpatialPdParams {
                seed: 0,
                ..p.clone()
            })
            .map_err(|e| e.to_string()),
            Built::Ethnocentrism(p) => toml::Table::try_from(EthnocentrismParams {
                seed: 0,
                ..p.clone()
            })
            .map_err(|e| e.to_string()),
        };
        // Every field is a plain number, string or table: this cannot fail.
        table.unwrap_or_default()
    }
}

/// The value at a dotted key, as JSON (null when absent).
pub fn lookup_json(table: &toml::Table, key: &str) -> serde_json::Value {
    let mut parts = key.split('.');
    let Some(first) = parts.next() else {
        return serde_json::Value::Null;
    };
    let mut value = table.get(first);
    for p in parts {
        value = value.and_then(|v| v.as_table()).and_then(|t| t.get(p));
    }
    value.map_or(serde_json::Value::Null, toml_to_json)
}

fn toml_to_json(v: &toml::Value) -> serde_json::Value {
    match v {
        toml::Value::String(s) => serde_json::Value::String(s.clone()),
        toml::Value::Integer(i) => serde_json::json!(i),
        toml::Value::Float(f) => serde_json::json!(f),
        toml::Value::Boolean(b) => serde_json::json!(b),
        toml::Value::Array(a) => serde_json::Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn out_of_range_names_key_value_and_range_like_the_command_line() {
        let s = Setup::new(ModelKind::SilentRivalry, None)
            .with_json_sets(&sets(serde_json::json!({"encounters.detect": 1.5})))
            .unwrap();
        let e = s.build(&Base::default()).unwrap_err();
        assert_eq!(e.status, 400);
        assert_eq!(e.key.as_deref(), Some("encounters.detect"));
        assert_eq!(e.value.as_deref(), Some("1.5"));
        assert_eq!(e.range.as_deref(), Some("[0, 1]"));
        // The message `kyoso run --set encounters.detect=1.5` prints, with
        // the page's settings named as their source instead of --set.
        let cli = ScenarioBuilder::new()
            .set("encounters.detect=1.5")
            .unwrap()
            .build()
            .unwrap_err()
            .to_string();
        assert_eq!(
            e.message,
            cli.replace("--set encounters.detect=1.5", "the page's settings")
        );
    }

    #[test]
    fn unknown_keys_suggest_the_nearest() {
        let s = Setup::new(ModelKind::SilentRivalry, None)
            .with_json_sets(&sets(serde_json::json!({"encounters.detekt": 0.5})))
            .unwrap();
        let e = s.build(&Base::default()).unwrap_err();
        assert!(e.message.contains("encounters.detect"), "{}", e.message);
        let s = Setup::new(ModelKind::SpatialPd, None)
            .with_json_sets(&sets(serde_json::json!({"bb": 1.9})))
            .unwrap();
        let e = s.build(&Base::default()).unwrap_err();
        assert!(e.message.contains("`b`"), "{}", e.message);
    }

    #[test]
    fn wrong_types_name_the_key_and_what_is_expected() {
        let e = Setup::new(ModelKind::SpatialPd, None)
            .with_json_sets(&sets(serde_json::json!({"size": 2.5})))
            .unwrap()
            .build(&Base::default())
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("size"), "{e:?}");
        assert!(e.range.is_some(), "{e:?}");
    }

    #[test]
    fn classic_ranges_are_checked() {
        let e = Setup::new(ModelKind::Ethnocentrism, None)
            .with_json_sets(&sets(serde_json::json!({"death": 2})))
            .unwrap()
            .build(&Base::default())
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("death"));
        assert_eq!(e.range.as_deref(), Some("a probability in [0, 1]"));
        let e = Setup::new(ModelKind::SpatialPd, None)
            .with_json_sets(&sets(serde_json::json!({"size": 5000})))
            .unwrap()
            .build(&Base::default())
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("size"));
    }

    #[test]
    fn command_lines_reproduce_the_setup() {
        let mut s = Setup::new(ModelKind::SilentRivalry, Some("china".into()))
            .with_json_sets(&sets(serde_json::json!({"encounters.detect": 0.5})))
            .unwrap();
        s.seed = Some(7);
        let built = s.build(&Base::default()).unwrap();
        assert_eq!(
            s.command(&Base::default(), &built),
            "kyoso run --preset china --seed 7 --set encounters.detect=0.5"
        );
        let s = Setup::new(ModelKind::SpatialPd, None)
            .with_json_sets(&sets(
                serde_json::json!({"b": 1.9, "self_interaction": false}),
            ))
            .unwrap();
        let built = s.build(&Base::default()).unwrap();
        assert_eq!(
            s.command(&Base::default(), &built),
            "kyoso spatial-pd --seed 0 --b 1.9 --self-interaction false"
        );
    }
}
