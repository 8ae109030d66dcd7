//! Fuzzing the scenario parser: arbitrary bytes, mutated scenario files and
//! arbitrary `--set` assignments must give a scenario or an error, never a
//! panic. The number of cases is proptest's (256 by default); CI runs more
//! with PROPTEST_CASES (see .ci/run).

use kyoso_core::{Scenario, ScenarioBuilder};
use proptest::prelude::*;

/// Values that have broken parsers and validators before.
const NASTY: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "1",
    "-1",
    "1e308",
    "-1e308",
    "1e-320",
    "5e-324",
    "nan",
    "inf",
    "-inf",
    "+inf",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "99999999999999999999999",
    "0.1",
    "1.0000001",
    "true",
    "false",
    "\"\"",
    "\"x\"",
    "\"ＪＰ日本語名称です\"",
    "[]",
    "[1, 2]",
    "{}",
    "{ a = 1 }",
    "1979-05-27",
    "\"\\u0000\"",
    "0x10",
    "1_000",
    "''",
    "[[1]]",
];

fn default_text() -> String {
    ScenarioBuilder::new()
        .build()
        .expect("default builds")
        .to_toml()
}

fn parse(text: &str) {
    // Either outcome is fine; a panic fails the test.
    let _ = Scenario::from_toml("fuzz.toml", text);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        parse(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        parse(&text);
    }

    #[test]
    fn mutated_scenario_files_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..NASTY.len(), any::<bool>()), 1..8)
    ) {
        let text = default_text();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        for (at, value, drop_line) in edits {
            let i = at.index(lines.len());
            if drop_line {
                lines.remove(i);
                if lines.is_empty() { break; }
            } else if let Some((key, _)) = lines[i].split_once(" = ") {
                lines[i] = format!("{key} = {}", NASTY[value]);
            }
        }
        parse(&lines.join("\n"));
    }

    #[test]
    fn arbitrary_assignments_never_panic(
        key_at in any::<prop::sample::Index>(),
        value in 0..NASTY.len(),
        junk in "\\PC{0,40}",
    ) {
        let keys: Vec<String> = default_text()
            .lines()
            .scan(String::new(), |table, line| {
                if let Some(t) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                    *table = t.to_string();
                    return Some(None);
                }
                Some(line.split_once(" = ").map(|(k, _)| {
                    if table.is_empty() { k.to_string() } else { format!("{table}.{k}") }
                }))
            })
            .flatten()
            .collect();
        let key = &keys[key_at.index(keys.len())];
        for assignment in [format!("{key}={}", NASTY[value]), format!("{key}={junk}"), junk.clone()] {
            if let Ok(b) = ScenarioBuilder::new().set(&assignment) {
                let _ = b.build();
            }
        }
    }
}
