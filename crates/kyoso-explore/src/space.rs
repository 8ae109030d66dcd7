//! Parameter spaces: the keys to explore, with a range and a distribution
//! each, and the map from a point of the unit cube to parameter values.

use serde::{Deserialize, Serialize};

use crate::{ExploreError, err};

/// How a parameter's unit-cube coordinate maps to its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "kebab-case")]
pub enum Distribution {
    /// Uniform on [low, high].
    Uniform { low: f64, high: f64 },
    /// Uniform in log on [low, high], 0 < low < high.
    LogUniform { low: f64, high: f64 },
    /// The whole numbers low..=high, equally likely.
    Integer { low: i64, high: i64 },
    /// One of a list of values (written as TOML text), equally likely.
    Choices { values: Vec<String> },
}

/// One explored parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    /// Dotted scenario key, e.g. `encounters.detect`.
    pub key: String,
    #[serde(flatten)]
    pub distribution: Distribution,
}

/// A value of a parameter: a number, or the TOML text of a choice.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Float(f64),
    Integer(i64),
    Text(String),
}

impl Value {
    /// The value as TOML text, for `key=value` assignments and CSV cells.
    pub fn text(&self) -> String {
        match self {
            Value::Float(x) => {
                let t = format!("{x}");
                if t.contains(['.', 'e', 'E', 'i', 'N']) {
                    t
                } else {
                    format!("{t}.0")
                }
            }
            Value::Integer(i) => i.to_string(),
            Value::Text(t) => t.clone(),
        }
    }

    /// The value as a number where it is one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Value::Float(x) => Some(*x),
            Value::Integer(i) => Some(*i as f64),
            Value::Text(_) => None,
        }
    }
}

impl Parameter {
    /// Checks the range itself (the caller checks it against the model's
    /// allowed range).
    pub fn check(&self) -> Result<(), ExploreError> {
        let bad = |m: String| Err(err(&self.key, m));
        match &self.distribution {
            Distribution::Uniform { low, high } => {
                if !low.is_finite() || !high.is_finite() || low >= high {
                    return bad(format!(
                        "the range [{low}, {high}] is empty or inverted; give low < high"
                    ));
                }
            }
            Distribution::LogUniform { low, high } => {
                if !(low.is_finite() && high.is_finite() && *low > 0.0 && low < high) {
                    return bad(format!(
                        "a log-uniform range needs 0 < low < high, got [{low}, {high}]"
                    ));
                }
            }
            Distribution::Integer { low, high } => {
                if low >= high {
                    return bad(format!(
                        "the integer range [{low}, {high}] is empty or inverted; give low < high"
                    ));
                }
            }
            Distribution::Choices { values } => {
                if values.len() < 2 {
                    return bad(format!("give at least two choices, got {}", values.len()));
                }
            }
        }
        Ok(())
    }

    /// The value at unit-cube coordinate `u` in [0, 1].
    pub fn value(&self, u: f64) -> Value {
        let u = u.clamp(0.0, 1.0);
        match &self.distribution {
            Distribution::Uniform { low, high } => Value::Float(low + u * (high - low)),
            Distribution::LogUniform { low, high } => Value::Float(
                (low.ln() + u * (high.ln() - low.ln()))
                    .exp()
                    .clamp(*low, *high),
            ),
            Distribution::Integer { low, high } => {
                let span = (high - low + 1) as f64;
                Value::Integer((*low + (u * span).floor() as i64).min(*high))
            }
            Distribution::Choices { values } => {
                let k = ((u * values.len() as f64).floor() as usize).min(values.len() - 1);
                Value::Text(values[k].clone())
            }
        }
    }

    /// The parameter's numeric bounds (choices: their indices).
    pub fn bounds(&self) -> (f64, f64) {
        match &self.distribution {
            Distribution::Uniform { low, high } | Distribution::LogUniform { low, high } => {
                (*low, *high)
            }
            Distribution::Integer { low, high } => (*low as f64, *high as f64),
            Distribution::Choices { values } => (0.0, (values.len() - 1) as f64),
        }
    }
}

/// The parameters to explore, in order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Space {
    pub parameters: Vec<Parameter>,
}

impl Space {
    /// Checks every parameter and that no key appears twice.
    pub fn check(&self) -> Result<(), ExploreError> {
        if self.parameters.is_empty() {
            return Err(err("space", "no parameters to explore"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for p in &self.parameters {
            if !seen.insert(&p.key) {
                return Err(err(&p.key, "the key appears twice in the space"));
            }
            p.check()?;
        }
        Ok(())
    }

    /// Number of parameters.
    pub fn dims(&self) -> usize {
        self.parameters.len()
    }

    /// The keys, in order.
    pub fn keys(&self) -> Vec<String> {
        self.parameters.iter().map(|p| p.key.clone()).collect()
    }

    /// The parameter values of a unit-cube point.
    pub fn values(&self, unit: &[f64]) -> Vec<Value> {
        self.parameters
            .iter()
            .zip(unit)
            .map(|(p, &u)| p.value(u))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(d: Distribution) -> Parameter {
        Parameter {
            key: "k".into(),
            distribution: d,
        }
    }

    #[test]
    fn values_map_the_unit_interval_onto_the_range() {
        let u = p(Distribution::Uniform {
            low: 2.0,
            high: 4.0,
        });
        assert_eq!(u.value(0.0), Value::Float(2.0));
        assert_eq!(u.value(0.5), Value::Float(3.0));
        assert_eq!(u.value(1.0), Value::Float(4.0));
        let l = p(Distribution::LogUniform {
            low: 1e-3,
            high: 1e1,
        });
        assert!((l.value(0.75).number().unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(l.value(1.0), Value::Float(10.0));
        let i = p(Distribution::Integer { low: 1, high: 3 });
        let got: Vec<Value> = [0.0, 0.33, 0.34, 0.67, 1.0]
            .iter()
            .map(|&u| i.value(u))
            .collect();
        assert_eq!(got, [1, 1, 2, 3, 3].map(Value::Integer).to_vec());
        let c = p(Distribution::Choices {
            values: vec!["\"a\"".into(), "\"b\"".into()],
        });
        assert_eq!(c.value(0.49).text(), "\"a\"");
        assert_eq!(c.value(0.5).text(), "\"b\"");
        assert_eq!(Value::Float(1.0).text(), "1.0");
    }

    #[test]
    fn empty_inverted_and_duplicate_ranges_are_refused() {
        for d in [
            Distribution::Uniform {
                low: 1.0,
                high: 1.0,
            },
            Distribution::Uniform {
                low: 2.0,
                high: 1.0,
            },
            Distribution::Uniform {
                low: f64::NAN,
                high: 1.0,
            },
            Distribution::LogUniform {
                low: 0.0,
                high: 1.0,
            },
            Distribution::Integer { low: 3, high: 3 },
            Distribution::Choices {
                values: vec!["1".into()],
            },
        ] {
            assert!(p(d.clone()).check().is_err(), "{d:?} accepted");
        }
        let s = Space {
            parameters: vec![
                p(Distribution::Uniform {
                    low: 0.0,
                    high: 1.0,
                }),
                p(Distribution::Uniform {
                    low: 0.0,
                    high: 1.0,
                }),
            ],
        };
        assert!(s.check().unwrap_err().to_string().contains("twice"));
        assert!(Space::default().check().is_err());
    }
}

/// One `[[parameter]]` of a space file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParameter {
    key: String,
    #[serde(default)]
    distribution: Option<String>,
    low: Option<toml::Value>,
    high: Option<toml::Value>,
    choices: Option<Vec<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpace {
    parameter: Vec<RawParameter>,
}

fn number(v: &toml::Value) -> Option<f64> {
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
}

impl Space {
    /// Parses a space file:
    ///
    /// ```toml
    /// [[parameter]]
    /// key = "encounters.detect"
    /// low = 0.1
    /// high = 0.9                     # distribution = "uniform" by default
    ///
    /// [[parameter]]
    /// key = "trust.calibrated.prior_weight"
    /// distribution = "log-uniform"
    /// low = 0.5
    /// high = 50
    ///
    /// [[parameter]]
    /// key = "market.segments"
    /// distribution = "integer"
    /// low = 2
    /// high = 8
    ///
    /// [[parameter]]
    /// key = "population.home_origin"
    /// choices = ["JP", "LOCAL"]
    /// ```
    pub fn from_toml(name: &str, text: &str) -> Result<Space, ExploreError> {
        let raw: RawSpace = toml::from_str(text).map_err(|e| err(name, e.to_string()))?;
        let mut parameters = Vec::new();
        for p in raw.parameter {
            let at = |m: String| err(format!("{name}: parameter `{}`", p.key), m);
            let bound = |v: &Option<toml::Value>, which: &str| -> Result<f64, ExploreError> {
                let v = v
                    .as_ref()
                    .ok_or_else(|| at(format!("`{which}` is missing")))?;
                number(v).ok_or_else(|| at(format!("`{which}` = {v} is not a number")))
            };
            let distribution = match (p.distribution.as_deref(), &p.choices) {
                (None | Some("choices"), Some(values)) => {
                    if p.low.is_some() || p.high.is_some() {
                        return Err(at("give either choices or low and high, not both".into()));
                    }
                    Distribution::Choices {
                        values: values.iter().map(|v| v.to_string()).collect(),
                    }
                }
                (None | Some("uniform"), None) => Distribution::Uniform {
                    low: bound(&p.low, "low")?,
                    high: bound(&p.high, "high")?,
                },
                (Some("log-uniform"), None) => Distribution::LogUniform {
                    low: bound(&p.low, "low")?,
                    high: bound(&p.high, "high")?,
                },
                (Some("integer"), None) => {
                    let int = |v: &Option<toml::Value>, which: &str| {
                        v.as_ref()
                            .and_then(toml::Value::as_integer)
                            .ok_or_else(|| at(format!("`{which}` must be a whole number")))
                    };
                    Distribution::Integer {
                        low: int(&p.low, "low")?,
                        high: int(&p.high, "high")?,
                    }
                }
                (Some(other), _) => {
                    return Err(at(format!(
                        "distribution `{other}`: allowed uniform, log-uniform, integer, or a list of choices"
                    )));
                }
            };
            let parameter = Parameter {
                key: p.key.clone(),
                distribution,
            };
            parameter.check().map_err(|e| at(e.message))?;
            parameters.push(parameter);
        }
        let space = Space { parameters };
        space
            .check()
            .map_err(|e| err(format!("{name}: {}", e.context), e.message))?;
        Ok(space)
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;

    #[test]
    fn space_files_parse_and_bad_ones_name_the_parameter() {
        let s = Space::from_toml(
            "s.toml",
            "[[parameter]]\nkey = \"a\"\nlow = 0\nhigh = 1\n[[parameter]]\nkey = \"b\"\ndistribution = \"log-uniform\"\nlow = 0.1\nhigh = 10\n[[parameter]]\nkey = \"c\"\ndistribution = \"integer\"\nlow = 2\nhigh = 8\n[[parameter]]\nkey = \"d\"\nchoices = [\"JP\", \"LOCAL\"]\n",
        )
        .unwrap();
        assert_eq!(s.dims(), 4);
        assert_eq!(s.parameters[3].value(0.9).text(), "\"LOCAL\"");
        for (bad, needle) in [
            (
                "[[parameter]]\nkey = \"a\"\nlow = 1\nhigh = 0\n",
                "inverted",
            ),
            ("[[parameter]]\nkey = \"a\"\nlow = 0\n", "`high` is missing"),
            (
                "[[parameter]]\nkey = \"a\"\nlow = 0\nhigh = 1\nmean = 3\n",
                "unknown field",
            ),
            (
                "[[parameter]]\nkey = \"a\"\ndistribution = \"normal\"\nlow = 0\nhigh = 1\n",
                "distribution `normal`",
            ),
            (
                "[[parameter]]\nkey = \"a\"\nlow = \"x\"\nhigh = 1\n",
                "not a number",
            ),
            (
                "[[parameter]]\nkey = \"a\"\nlow = 0\nhigh = 1\n[[parameter]]\nkey = \"a\"\nlow = 0\nhigh = 1\n",
                "twice",
            ),
            ("parameter = []\n", "no parameters"),
        ] {
            let e = Space::from_toml("s.toml", bad).unwrap_err().to_string();
            assert!(e.contains("s.toml") && e.contains(needle), "{bad}: {e}");
        }
    }
}
