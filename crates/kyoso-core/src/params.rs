//! Parameter tables shared by every model: dotted `key=value` overrides,
//! deserialisation that rejects unknown keys with the nearest valid one,
//! and resolution of any parameter struct from defaults, a file and
//! overrides. [`crate::scenario`] builds the silent-rivalry scenario on
//! these; the classic models resolve their configurations with [`resolve`].

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ScenarioError;
use crate::scenario::parse_value;

/// Sets one dotted key of a table, as `--set market.segments=6` does.
pub fn set_dotted(table: &mut toml::Table, assignment: &str) -> Result<(), ScenarioError> {
    let bad = |message: String| ScenarioError::BadOverride {
        assignment: assignment.to_string(),
        message,
    };
    let (key, raw) = assignment
        .split_once('=')
        .ok_or_else(|| bad("expected dotted.key=value".to_string()))?;
    set_path(table, key, parse_value(raw)).map_err(bad)
}

/// Sets one dotted key of a table to a parsed value; the message says why not.
pub fn set_path(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let key = key.trim();
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err("the key is empty or has an empty part".to_string());
    }
    let parts: Vec<&str> = key.split('.').collect();
    let mut table = table;
    for (depth, part) in parts[..parts.len() - 1].iter().enumerate() {
        let entry = table
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = match entry {
            toml::Value::Table(t) => t,
            _ => {
                return Err(format!(
                    "`{}` is a value, not a table",
                    parts[..=depth].join(".")
                ));
            }
        };
    }
    table.insert(parts[parts.len() - 1].to_string(), value);
    Ok(())
}

/// Every leaf key of a table, dotted, sorted.
pub fn leaf_keys(table: &toml::Table) -> Vec<String> {
    fn walk(prefix: &str, t: &toml::Table, out: &mut Vec<String>) {
        for (k, v) in t {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::Table(inner) => walk(&path, inner, out),
                _ => out.push(path),
            }
        }
    }
    let mut out = Vec::new();
    walk("", table, &mut out);
    out.sort();
    out
}

/// The candidate closest to `word` by Jaro-Winkler similarity, if similar enough.
pub fn nearest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    candidates
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_string())
}

/// Deserialises a table into `T`. A value of the wrong type names its
/// path; an unknown key is named with the nearest valid key (`suggest`).
pub fn deserialize_checked<T: DeserializeOwned>(
    table: toml::Table,
    sources: &str,
    suggest: impl Fn(&str) -> Option<String>,
) -> Result<T, ScenarioError> {
    let mut unknown = Vec::new();
    let mut record = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
    let ignoring = serde_ignored::Deserializer::new(toml::Value::Table(table), &mut record);
    let value: T =
        serde_path_to_error::deserialize(ignoring).map_err(|e| ScenarioError::Shape {
            sources: sources.to_string(),
            message: format!("{}: {}", e.path(), e.inner()),
        })?;
    if let Some(key) = unknown.into_iter().next() {
        let suggestion = suggest(&key);
        return Err(ScenarioError::UnknownKey {
            sources: sources.to_string(),
            key,
            suggestion,
        });
    }
    Ok(value)
}

/// Resolves a parameter struct: `defaults`, then an optional file (name,
/// contents) merged over it, then `key=value` overrides. Unknown keys are
/// refused with the nearest valid key of `defaults`; ranges are the
/// caller's to check.
pub fn resolve<T: Serialize + DeserializeOwned>(
    defaults: &T,
    file: Option<(&str, &str)>,
    sets: &[String],
) -> Result<T, ScenarioError> {
    let mut table =
        toml::Table::try_from(defaults).expect("parameter structs serialise to a table");
    let valid = leaf_keys(&table);
    let mut sources = vec!["defaults".to_string()];
    if let Some((name, contents)) = file {
        let overlay: toml::Table = toml::from_str(contents).map_err(|e| ScenarioError::Parse {
            source_name: name.to_string(),
            message: e.to_string(),
        })?;
        merge(&mut table, overlay);
        sources.push(name.to_string());
    }
    for s in sets {
        set_dotted(&mut table, s)?;
        sources.push(format!("--set {s}"));
    }
    deserialize_checked(table, &sources.join(" + "), |k| {
        nearest(k, valid.iter().map(String::as_str))
    })
}

/// Deep-merges `overlay` into `base`; keys listed in `replaced` replace
/// the base's table instead of merging into it.
pub fn merge_with(base: &mut toml::Table, overlay: toml::Table, replaced: &[&str]) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o))
                if !replaced.contains(&key.as_str()) =>
            {
                merge_with(b, o, replaced)
            }
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

fn merge(base: &mut toml::Table, overlay: toml::Table) {
    merge_with(base, overlay, &[]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Inner {
        rate: f64,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Params {
        size: u32,
        name: String,
        inner: Inner,
    }

    fn defaults() -> Params {
        Params {
            size: 50,
            name: "x".into(),
            inner: Inner { rate: 0.5 },
        }
    }

    #[test]
    fn resolves_file_and_overrides_in_order() {
        let p = resolve(
            &defaults(),
            Some(("f.toml", "size = 10\n[inner]\nrate = 0.1\n")),
            &["inner.rate=0.2".into()],
        )
        .unwrap();
        assert_eq!(
            p,
            Params {
                size: 10,
                name: "x".into(),
                inner: Inner { rate: 0.2 }
            }
        );
    }

    #[test]
    fn unknown_keys_get_the_nearest_valid_key() {
        let e = resolve(&defaults(), None, &["inner.rat=0.2".into()]).unwrap_err();
        assert!(
            e.to_string()
                .contains("unknown key `inner.rat`; did you mean `inner.rate`?"),
            "{e}"
        );
        let e = resolve(&defaults(), None, &["size=-1".into()]).unwrap_err();
        assert!(e.to_string().contains("size"), "{e}");
        let e = resolve(&defaults(), Some(("bad.toml", "size = = 1")), &[]).unwrap_err();
        assert!(
            e.to_string().contains("bad.toml") && e.to_string().contains("line 1"),
            "{e}"
        );
        assert!(set_dotted(&mut toml::Table::new(), "novalue").is_err());
    }
}
