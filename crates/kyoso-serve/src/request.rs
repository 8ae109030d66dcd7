//! The request bodies of the HTTP API, strictly typed: an unknown field,
//! a value of the wrong type (`"model": 5`, `"steps": 1.5`) or out of range
//! is an HTTP 400 naming the field, never a silent default.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::{Map, Value};

use crate::setup::ApiError;

/// A seed: any u64, as a JSON integer (read exactly, never through f64) or
/// as a decimal string (JavaScript numbers lose precision above 2^53).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seed(pub u64);

/// What the seed field accepts, for messages.
pub const SEED_RANGE: &str =
    "an integer in [0, 18446744073709551615], as a JSON number or a decimal string";

impl<'de> Deserialize<'de> for Seed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Seed, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Seed;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(SEED_RANGE)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Seed, E> {
                Ok(Seed(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Seed, E> {
                u64::try_from(v)
                    .map(Seed)
                    .map_err(|_| E::custom(format!("{v} is negative; allowed {SEED_RANGE}")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Seed, E> {
                // Also what serde_json gives for integers above u64::MAX.
                Err(E::custom(format!(
                    "{v} is not an exact integer in range; allowed {SEED_RANGE}"
                )))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Seed, E> {
                let digits = v.trim();
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(E::custom(format!(
                        "\"{v}\" is not a decimal integer; allowed {SEED_RANGE}"
                    )));
                }
                digits.parse::<u64>().map(Seed).map_err(|_| {
                    E::custom(format!("\"{v}\" is above 2^64 - 1; allowed {SEED_RANGE}"))
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// `POST /api/sessions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    /// Absent: silent-rivalry.
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub preset: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub seed: Option<Option<Seed>>,
    #[serde(default)]
    pub set: Option<Map<String, Value>>,
}

/// The settings a session request may change (create and params).
#[derive(Debug, Default)]
pub struct Changes {
    /// Absent: unchanged; `null` or `""`: no preset.
    pub preset: Option<Option<String>>,
    /// Absent: unchanged; `null`: the scenario's own seed.
    pub seed: Option<Option<Seed>>,
    /// `key: value` changes, as `--set key=value`.
    pub set: Option<Map<String, Value>>,
}

impl From<CreateRequest> for Changes {
    fn from(p: CreateRequest) -> Changes {
        Changes {
            preset: p.preset,
            seed: p.seed,
            set: p.set,
        }
    }
}

/// `POST /api/sessions/{id}/params`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamsRequest {
    #[serde(default, deserialize_with = "nullable")]
    pub preset: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub seed: Option<Option<Seed>>,
    #[serde(default)]
    pub set: Option<Map<String, Value>>,
    /// Apply `set` to the running model from the next month on (silent
    /// rivalry), recorded in the run's schedule; else at the next reset.
    #[serde(default)]
    pub now: bool,
}

impl From<ParamsRequest> for Changes {
    fn from(p: ParamsRequest) -> Changes {
        Changes {
            preset: p.preset,
            seed: p.seed,
            set: p.set,
        }
    }
}

/// `POST /api/sessions/{id}/control`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlRequest {
    pub action: String,
    /// Only with `step`.
    #[serde(default)]
    pub steps: Option<u32>,
    /// Only with `speed`.
    #[serde(default)]
    pub speed: Option<f64>,
}

/// The field named by a serde message about the top-level object
/// (`unknown field `x``, `missing field `x``).
fn quoted_field(message: &str) -> Option<String> {
    for marker in ["unknown field `", "missing field `"] {
        if let Some(rest) = message.split(marker).nth(1) {
            return rest.split('`').next().map(str::to_string);
        }
    }
    None
}

/// Reads a request body into `T`, answering a 400 that names the field.
pub fn parse<T: DeserializeOwned>(v: Value) -> Result<T, ApiError> {
    if !v.is_object() {
        return Err(ApiError::input(format!(
            "the request body must be a JSON object, not {}",
            kind(&v)
        )));
    }
    serde_path_to_error::deserialize::<_, T>(v).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let key = if path == "." || path.is_empty() {
            quoted_field(&inner)
        } else {
            Some(path)
        };
        let mut err = match &key {
            Some(k) if !inner.starts_with("unknown field") && !inner.starts_with("missing") => {
                ApiError::input(format!("{k}: {inner}"))
            }
            _ => ApiError::input(inner),
        };
        err.key = key;
        err
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seeds_are_read_exactly_as_numbers_and_strings() {
        let big = 18116008155350138704u64;
        for v in [
            json!({"seed": big}),
            json!({"seed": "18116008155350138704"}),
        ] {
            let p: ParamsRequest = parse(v).unwrap();
            assert_eq!(p.seed, Some(Some(Seed(big))));
        }
        let p: ParamsRequest = parse(json!({"seed": u64::MAX})).unwrap();
        assert_eq!(p.seed, Some(Some(Seed(u64::MAX))));
        let p: ParamsRequest = parse(json!({"seed": null})).unwrap();
        assert_eq!(p.seed, Some(None));
        let p: ParamsRequest = parse(json!({})).unwrap();
        assert_eq!(p.seed, None);
        for bad in [
            json!({"seed": -1}),
            json!({"seed": 1.5}),
            json!({"seed": "18446744073709551616"}),
            json!({"seed": "12a"}),
            json!({"seed": true}),
        ] {
            let e = parse::<ParamsRequest>(bad.clone()).unwrap_err();
            assert_eq!(e.status, 400);
            assert_eq!(e.key.as_deref(), Some("seed"), "{bad} → {e:?}");
        }
        // Above u64::MAX as a number (serde_json reads it as a float).
        let v: Value = serde_json::from_str(r#"{"seed": 18446744073709551616}"#).unwrap();
        let e = parse::<ParamsRequest>(v).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("seed"), "{e:?}");
    }

    #[test]
    fn wrong_types_and_unknown_fields_name_the_field() {
        let e = parse::<CreateRequest>(json!({"model": 5})).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("model"));
        assert!(e.message.contains("expected a string"), "{}", e.message);
        let e = parse::<CreateRequest>(json!({"model": "spatial-pd", "colour": 1})).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("colour"), "{e:?}");
        assert!(
            e.message.contains("unknown field `colour`"),
            "{}",
            e.message
        );
        let e = parse::<ControlRequest>(json!({"action": "step", "steps": 1.5})).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("steps"));
        let e = parse::<ControlRequest>(json!({"action": "run", "fast": true})).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("fast"));
        let e = parse::<ControlRequest>(json!({})).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("action"), "{e:?}");
        let e = parse::<ParamsRequest>(json!({"set": [1]})).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("set"));
        let e = parse::<ParamsRequest>(json!([1])).unwrap_err();
        assert!(e.message.contains("JSON object"), "{}", e.message);
    }
}
