//! Errors of scenario resolution. Each one names what a user must fix.

use std::fmt;

/// One out-of-range or inconsistent value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Dotted key, e.g. `encounters.detect`.
    pub key: String,
    /// The offending value as written.
    pub value: String,
    /// The allowed range or rule.
    pub allowed: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}: allowed {}", self.key, self.value, self.allowed)
    }
}

/// Why a scenario could not be built. All variants are the user's input, so
/// a command-line front end exits with status 2.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The TOML itself is malformed; `message` carries line and column.
    #[error("{source_name}: {message}")]
    Parse {
        source_name: String,
        message: String,
    },
    /// A key no parameter has.
    #[error("{sources}: unknown key `{key}`{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    UnknownKey {
        sources: String,
        key: String,
        suggestion: Option<String>,
    },
    /// A value of the wrong type, or a missing key.
    #[error("{sources}: {message}")]
    Shape { sources: String, message: String },
    /// Values out of range; all of them, not just the first. `sources`
    /// names the layers the scenario was built from (files among them).
    #[error("invalid scenario ({sources}):\n{}", violations.iter().map(|v| format!("  - {v}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        sources: String,
        violations: Vec<Violation>,
    },
    /// A `--set` that is not `key=value`.
    #[error("--set {assignment}: {message}")]
    BadOverride { assignment: String, message: String },
    /// A `--at` that is not `TICK:key=value` or `TICK:enter.ORIGIN=N`.
    #[error("--at {assignment}: {message}")]
    BadSchedule { assignment: String, message: String },
    /// A preset name that does not exist.
    #[error("unknown preset `{name}`{}; available: {}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(), available.join(", "))]
    UnknownPreset {
        name: String,
        suggestion: Option<String>,
        available: Vec<String>,
    },
}
