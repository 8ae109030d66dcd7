//! docs/outputs.md documents every column of every Parquet file kyoso
//! writes, and every metric of every sweep, in tables generated from the
//! code's own column metadata (`unit` and `meaning` in each file's schema)
//! and from `kyoso_core::metric_docs`. This test writes each file, renders
//! its table and compares it with the document's generated block, so the
//! two cannot drift. After a deliberate change, rewrite the blocks with
//! `KYOSO_BLESS=1 cargo nextest run -p kyoso-cli --test docs`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn kyoso() -> Command {
    Command::cargo_bin("kyoso").unwrap()
}

fn run(args: &[&str], out: &Path) {
    kyoso().args(args).arg("--out").arg(out).assert().success();
}

/// The Markdown table of a Parquet file's columns.
fn file_table(path: &Path, skip: usize) -> String {
    let cols = kyoso_io::read::columns(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut s = String::from("| column | type | unit | meaning |\n|---|---|---|---|\n");
    for c in cols.iter().skip(skip) {
        let unit = if c.unit.is_empty() { "—" } else { &c.unit };
        s.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            c.name, c.data_type, unit, c.meaning
        ));
    }
    s
}

/// The Markdown table of a model's sweep metrics.
fn metric_table(model: &str) -> String {
    let mut s = String::from("| metric | unit | meaning |\n|---|---|---|\n");
    for p in kyoso_core::metric_docs::patterns(model) {
        s.push_str(&format!(
            "| `{}` | {}{} | {} |\n",
            p.pattern,
            p.unit,
            if p.count { " (a count)" } else { "" },
            p.meaning
        ));
    }
    s
}

/// Every generated block, by name.
fn generated(tmp: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let r = tmp.join("run");
    run(&["run", "--quiet", "--ticks", "3", "--firm-ticks"], &r);
    for f in ["ticks", "firms", "events", "firm_ticks"] {
        out.insert(
            format!("{f}.parquet"),
            file_table(&r.join(format!("{f}.parquet")), 0),
        );
    }
    // The metrics of ticks.parquet: every one written is in the table.
    let metrics = kyoso_core::silent_rivalry::METRICS;
    for row in kyoso_io::read::ticks(&r.join("ticks.parquet")).unwrap() {
        assert!(
            metrics.iter().any(|m| m.name == row.metric),
            "ticks.parquet writes the undocumented metric {}",
            row.metric
        );
    }
    let mut t =
        String::from("| metric | unit | groups (`group_by`) | meaning |\n|---|---|---|---|\n");
    for m in metrics {
        t.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            m.name, m.unit, m.groups, m.meaning
        ));
    }
    out.insert("ticks metrics".into(), t);
    let s = tmp.join("sweep");
    run(
        &[
            "sweep",
            "silent-rivalry",
            "--quiet",
            "--ticks",
            "3",
            "--reps",
            "2",
            "--keep-ticks",
            "--vary",
            "encounters.detect=0.2,0.8",
        ],
        &s,
    );
    // The fixed columns: the varied keys and the metrics follow them.
    let runs = kyoso_io::read::columns(&s.join("runs.parquet")).unwrap();
    assert_eq!(runs[4].name, "encounters.detect");
    let mut fixed = file_table(&s.join("runs.parquet"), 0);
    fixed = fixed.lines().take(2 + 4).collect::<Vec<_>>().join("\n") + "\n";
    fixed.push_str(&format!(
        "| `<key>` | {} | {} | {} |\n",
        runs[4].data_type, runs[4].unit, runs[4].meaning
    ));
    out.insert("sweep runs.parquet".into(), fixed);
    let ticks = kyoso_io::read::columns(&s.join("ticks.parquet")).unwrap();
    let run_columns = ticks.iter().take_while(|c| c.name != "tick").count();
    out.insert(
        "sweep ticks.parquet".into(),
        file_table(&s.join("ticks.parquet"), 0)
            .lines()
            .take(2 + run_columns)
            .collect::<Vec<_>>()
            .join("\n")
            + "\n",
    );
    for model in [
        "silent-rivalry",
        "spatial-pd",
        "ethnocentrism",
        "tournament",
    ] {
        out.insert(format!("metrics {model}"), metric_table(model));
    }
    let spd = tmp.join("spd");
    run(&["spatial-pd", "--size", "10", "--steps", "3"], &spd);
    out.insert(
        "spatial-pd steps.parquet".into(),
        file_table(&spd.join("steps.parquet"), 0),
    );
    let eth = tmp.join("eth");
    run(&["ethnocentrism", "--size", "10", "--periods", "3"], &eth);
    out.insert(
        "ethnocentrism periods.parquet".into(),
        file_table(&eth.join("periods.parquet"), 0),
    );
    let moran = tmp.join("moran");
    run(
        &[
            "moran",
            "--population",
            "tit-for-tat=3,defector=3",
            "--turns",
            "5",
        ],
        &moran,
    );
    out.insert(
        "moran populations.parquet".into(),
        file_table(&moran.join("populations.parquet"), 0),
    );
    let exp = tmp.join("exp");
    run(
        &[
            "experiment",
            "run",
            "veneer",
            "--quiet",
            "--reps",
            "2",
            "--ticks",
            "6",
            "--no-controls",
            "--robustness",
            "2",
            "--robustness-reps",
            "2",
        ],
        &exp,
    );
    out.insert(
        "experiment robustness/effects.parquet".into(),
        file_table(&exp.join("robustness").join("effects.parquet"), 0),
    );
    out
}

fn begin(name: &str) -> String {
    format!("<!-- generated: {name} -->\n")
}

fn end(name: &str) -> String {
    format!("<!-- end generated: {name} -->")
}

#[test]
fn outputs_md_documents_every_column_of_every_file() {
    let tmp = tempfile::tempdir().unwrap();
    let blocks = generated(tmp.path());
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/outputs.md");
    let mut doc = fs::read_to_string(&path).unwrap();
    let bless = std::env::var_os("KYOSO_BLESS").is_some();
    let mut stale = Vec::new();
    for (name, table) in &blocks {
        let (b, e) = (begin(name), end(name));
        let Some(start) = doc.find(&b) else {
            panic!("docs/outputs.md has no block `{}`", b.trim());
        };
        let from = start + b.len();
        let to = from + doc[from..].find(&e).expect("a block ends");
        if doc[from..to] != *table {
            stale.push(name.clone());
            if bless {
                doc.replace_range(from..to, table);
            }
        }
    }
    if bless {
        fs::write(&path, doc).unwrap();
    } else {
        assert!(
            stale.is_empty(),
            "docs/outputs.md is out of date for {stale:?}; rewrite the blocks with \
             KYOSO_BLESS=1 cargo nextest run -p kyoso-cli --test docs"
        );
    }
}
