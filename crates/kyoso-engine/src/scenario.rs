//! Where a scenario comes from: layered default → preset → file → `set`
//! assignments → seed and ticks shorthands. Every face builds a
//! [`ScenarioInputs`] and resolves it here, so they agree on the layering
//! and on the messages.

use std::path::Path;

use kyoso_core::{Scenario, ScenarioBuilder};

use crate::EngineError;

/// The largest scenario file read (a full scenario is a few kB): an
/// endless input such as `/dev/zero` is refused instead of read forever.
pub const SCENARIO_FILE_LIMIT: u64 = 64 << 20;

/// A scenario file's name (as the user gave it, for messages) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioFile {
    pub name: String,
    pub text: String,
}

impl ScenarioFile {
    /// Reads a scenario file: UTF-8, at most [`SCENARIO_FILE_LIMIT`] bytes.
    pub fn read(path: &Path) -> Result<ScenarioFile, EngineError> {
        use std::io::Read;
        let name = path.display().to_string();
        let fail = |e: &dyn std::fmt::Display| EngineError::input(format!("{name}: {e}"));
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(SCENARIO_FILE_LIMIT + 1).read_to_end(&mut bytes))
            .map_err(|e| fail(&e))?;
        if bytes.len() as u64 > SCENARIO_FILE_LIMIT {
            return Err(fail(&format!(
                "larger than {} MiB; not a scenario file",
                SCENARIO_FILE_LIMIT >> 20
            )));
        }
        let text =
            String::from_utf8(bytes).map_err(|_| fail(&"stream did not contain valid UTF-8"))?;
        Ok(ScenarioFile { name, text })
    }
}

/// The user's choices of a scenario, before they are resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScenarioInputs {
    /// A region preset (silent rivalry) or a classic model's preset.
    pub preset: Option<String>,
    /// A scenario file layered over the default and the preset.
    pub file: Option<ScenarioFile>,
    /// `dotted.key=value` assignments, in order.
    pub sets: Vec<String>,
    /// Schedule entries, `TICK:dotted.key=value` or `TICK:enter.ORIGIN=N`,
    /// appended to the scenario's `[[schedule]]` (silent rivalry only).
    pub at: Vec<String>,
    /// The seed of every random stream (overrides `run.seed`).
    pub seed: Option<u64>,
    /// The run length (overrides `run.ticks`, or a classic model's length key).
    pub ticks: Option<u32>,
}

impl ScenarioInputs {
    /// Resolves the silent-rivalry scenario; also returns a one-line
    /// description of its source ("default + preset china + --set …").
    pub fn resolve(&self) -> Result<(Scenario, String), EngineError> {
        self.resolve_typed().map_err(|e| match e {
            ResolveError::Scenario(e) => EngineError::input(e),
            ResolveError::Engine(e) => e,
        })
    }

    /// [`ScenarioInputs::resolve`], keeping a scenario error as it is
    /// (with its key, value and allowed range) for faces that show them
    /// apart, such as the Python package's `ScenarioError`.
    pub fn resolve_typed(&self) -> Result<(Scenario, String), ResolveError> {
        let mut source = vec!["default".to_string()];
        let mut b = ScenarioBuilder::new();
        if let Some(p) = &self.preset {
            b = b.preset(p)?;
            source.push(format!("preset {p}"));
        }
        if let Some(f) = &self.file {
            b = b.file(&f.name, &f.text)?;
            source.push(format!("file {}", f.name));
        }
        for s in &self.sets {
            b = b.set(s)?;
            source.push(format!("--set {s}"));
        }
        for a in &self.at {
            b = b.at(a)?;
            source.push(format!("--at {a}"));
        }
        // Not `ScenarioBuilder::seed`/`ticks`: those panic when a file made
        // `run` a value instead of a table (`run = 5`); this reports it.
        let shorthand =
            |b: ScenarioBuilder, flag: &str, key: &str, value: String, source: &[String]| {
                b.set_as(&format!("{key}={value}"), &format!("{flag} {value}"))
                    .map_err(|e| match e {
                        kyoso_core::ScenarioError::BadOverride { message, .. } => {
                            EngineError::input(format!(
                                "{}: {flag} {value} cannot be applied: {message}",
                                source.join(" + ")
                            ))
                        }
                        other => EngineError::input(other),
                    })
            };
        if let Some(seed) = self.seed {
            b = shorthand(b, "--seed", "run.seed", seed.to_string(), &source)?;
            source.push(format!("--seed {seed}"));
        }
        if let Some(t) = self.ticks {
            b = shorthand(b, "--ticks", "run.ticks", t.to_string(), &source)?;
            source.push(format!("--ticks {t}"));
        }
        let scenario = b.build()?;
        Ok((scenario, source.join(" + ")))
    }
}

/// Why [`ScenarioInputs::resolve_typed`] failed: a scenario error of one
/// layer, or a shorthand (`--seed`, `--ticks`) that cannot be applied.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Scenario(#[from] kyoso_core::ScenarioError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order_and_name_their_source() {
        let inputs = ScenarioInputs {
            preset: Some("china".into()),
            file: Some(ScenarioFile {
                name: "my.toml".into(),
                text: "[encounters]\ndetect = 0.2\n".into(),
            }),
            sets: vec!["encounters.detect=0.7".into()],
            at: vec!["6:encounters.detect=0.9".into()],
            seed: Some(9),
            ticks: Some(12),
        };
        let (s, source) = inputs.resolve().unwrap();
        assert_eq!(s.run.seed, 9);
        assert_eq!(s.run.ticks, 12);
        assert!(s.to_toml().contains("detect = 0.7"), "{}", s.to_toml());
        assert_eq!(s.phases().unwrap()[0].scenario.encounters.detect, 0.9);
        assert_eq!(
            source,
            "default + preset china + file my.toml + --set encounters.detect=0.7 + --at 6:encounters.detect=0.9 + --seed 9 + --ticks 12"
        );
    }

    #[test]
    fn a_file_that_makes_run_a_value_is_an_error_not_a_panic() {
        let inputs = ScenarioInputs {
            file: Some(ScenarioFile {
                name: "bad.toml".into(),
                text: "run = 5\n".into(),
            }),
            seed: Some(1),
            ..ScenarioInputs::default()
        };
        let e = inputs.resolve().unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn an_endless_file_is_refused() {
        let e = ScenarioFile::read(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("larger than 64 MiB"), "{e}");
    }
}
