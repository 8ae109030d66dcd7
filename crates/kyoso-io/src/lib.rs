//! kyoso-io: what kyoso writes to disk.
//!
//! Tables ([`table`]) built from a run ([`tables`]) are written as Parquet
//! and CSV ([`write`]) into a staging folder beside the target
//! ([`Staging`]), which is renamed into place only when complete: a failed
//! or interrupted run leaves no half-written output folder.

pub mod figure;
pub mod folder;
pub mod palette;
pub mod read;
pub mod report;
pub mod sweep;
pub mod table;
pub mod tables;
pub mod write;

use std::path::{Path, PathBuf};

pub use folder::{Staging, check_target};

use kyoso_core::silent_rivalry::{RunOutput, Summary};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Why output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The target folder exists and is not empty (use --force).
    #[error("{0}: output folder exists and is not empty (use --force to replace it)")]
    Exists(PathBuf),
    /// The path cannot be an output folder (e.g. its name is too long).
    #[error("{0}: cannot be an output folder: {1}")]
    Unusable(PathBuf, String),
    /// `--force` was given for a folder it may not replace.
    #[error("{0}: --force refused: {1}; nothing was deleted")]
    NotReplaceable(PathBuf, String),
    /// The target is a file, not a folder.
    #[error("{0}: exists and is not a folder")]
    NotADirectory(PathBuf),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0}: could not encode: {1}")]
    Encode(PathBuf, String),
}

impl OutputError {
    /// Whether the error is the user's (a target that may not be written),
    /// not a failure of the system (exit status 2, not 1).
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            OutputError::Exists(_)
                | OutputError::NotADirectory(_)
                | OutputError::NotReplaceable(..)
                | OutputError::Unusable(..)
        )
    }
}

/// Provenance and headline figures, written as `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary<'a> {
    pub kyoso_version: &'static str,
    pub model: &'static str,
    pub seed: u64,
    pub ticks: u32,
    /// SHA-256 of `scenario.toml`, the resolved scenario that ran.
    pub scenario_sha256: String,
    /// How the scenario was assembled (default, preset, file, overrides).
    pub scenario_source: &'a str,
    pub headline: &'a Summary,
}

/// The files [`write_run`] writes into a run folder (CSV copies aside).
pub const RUN_FILES: [&str; 5] = [
    "scenario.toml",
    "ticks.parquet",
    "firms.parquet",
    "events.parquet",
    "summary.json",
];

/// Which files to write.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// Also write CSV copies of the tables.
    pub csv: bool,
}

/// SHA-256 of a text, as hex.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `firm_ticks.parquet` (and `.csv` with `csv`), written a recorded tick
/// at a time as the run goes, on a thread of its own: the simulation
/// hands each tick's rows over and goes on while they are encoded. At
/// most [`FirmTicksWriter::QUEUE`] ticks wait, so memory stays bounded,
/// and the Parquet file's row groups let readers scan it lazily.
pub struct FirmTicksWriter {
    sender: Option<std::sync::mpsc::SyncSender<kyoso_core::silent_rivalry::FirmTicks>>,
    worker: Option<std::thread::JoinHandle<Result<(), OutputError>>>,
}

impl FirmTicksWriter {
    /// Recorded ticks that may wait to be written.
    pub const QUEUE: usize = 4;

    /// A writer into `dir` (normally a [`Staging`] path); nothing is
    /// created before the first rows.
    pub fn new(dir: &Path, csv: bool) -> FirmTicksWriter {
        let (sender, receiver) =
            std::sync::mpsc::sync_channel::<kyoso_core::silent_rivalry::FirmTicks>(Self::QUEUE);
        let dir = dir.to_path_buf();
        let worker = std::thread::spawn(move || -> Result<(), OutputError> {
            let mut streams: Option<(write::ParquetStream, Option<write::CsvStream>)> = None;
            for rows in receiver {
                let table = tables::firm_ticks(&rows);
                if streams.is_none() {
                    let parquet =
                        write::ParquetStream::create(&dir.join("firm_ticks.parquet"), &table)?;
                    let csv = if csv {
                        Some(write::CsvStream::create(
                            &dir.join("firm_ticks.csv"),
                            &table,
                        )?)
                    } else {
                        None
                    };
                    streams = Some((parquet, csv));
                }
                let (parquet, csv) = streams.as_mut().expect("just created");
                parquet.write(&table)?;
                if let Some(csv) = csv {
                    csv.write(&table)?;
                }
            }
            if let Some((parquet, csv)) = streams {
                parquet.finish()?;
                if let Some(csv) = csv {
                    csv.finish()?;
                }
            }
            Ok(())
        });
        FirmTicksWriter {
            sender: Some(sender),
            worker: Some(worker),
        }
    }

    /// Hands one recorded tick's rows to the writer. An error of an
    /// earlier write is returned here, or by [`FirmTicksWriter::finish`].
    pub fn write(
        &mut self,
        rows: &kyoso_core::silent_rivalry::FirmTicks,
    ) -> Result<(), OutputError> {
        let sent = self
            .sender
            .as_ref()
            .is_some_and(|s| s.send(rows.clone()).is_ok());
        if sent {
            Ok(())
        } else {
            // The worker stopped: it failed; say why.
            self.finish_inner()
        }
    }

    fn finish_inner(&mut self) -> Result<(), OutputError> {
        self.sender = None;
        match self.worker.take() {
            Some(w) => w.join().unwrap_or_else(|_| {
                Err(OutputError::Encode(
                    "firm_ticks.parquet".into(),
                    "the writer thread panicked".into(),
                ))
            }),
            None => Ok(()),
        }
    }

    /// Writes the footer and syncs the files.
    pub fn finish(mut self) -> Result<(), OutputError> {
        self.finish_inner()
    }
}

impl Drop for FirmTicksWriter {
    /// An unfinished writer (an interrupted run) still waits for its
    /// thread, so nothing writes into a staging folder being removed.
    fn drop(&mut self) {
        let _ = self.finish_inner();
    }
}

/// Writes every output of a run into `dir` (normally a [`Staging`] path).
pub fn write_run(
    run: &RunOutput,
    dir: &Path,
    source: &str,
    options: WriteOptions,
) -> Result<(), OutputError> {
    let scenario_toml = run.scenario.to_toml();
    write::bytes(&dir.join("scenario.toml"), scenario_toml.as_bytes())?;
    for table in [tables::ticks(run), tables::firms(run), tables::events(run)] {
        write::parquet(&table, &dir.join(format!("{}.parquet", table.name)))?;
        if options.csv {
            write::csv(&table, &dir.join(format!("{}.csv", table.name)))?;
        }
    }
    let summary = RunSummary {
        kyoso_version: kyoso_core::VERSION,
        model: "silent-rivalry",
        seed: run.scenario.run.seed,
        ticks: run.scenario.run.ticks,
        scenario_sha256: sha256_hex(&scenario_toml),
        scenario_source: source,
        headline: &run.summary,
    };
    let mut json = serde_json::to_string_pretty(&summary)
        .map_err(|e| OutputError::Encode(dir.join("summary.json"), e.to_string()))?;
    json.push('\n');
    write::bytes(&dir.join("summary.json"), json.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kyoso_core::ScenarioBuilder;
    use kyoso_core::silent_rivalry::run_scenario;

    fn small_run() -> RunOutput {
        let s = ScenarioBuilder::new().ticks(6).build().unwrap();
        run_scenario(&s, |_, _| {}, || false).unwrap().unwrap()
    }

    #[test]
    fn staging_commits_atomically_and_cleans_up_on_drop() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        {
            let st = Staging::new(&target, false).unwrap();
            std::fs::write(st.path().join("x"), b"1").unwrap();
            // dropped without commit
        }
        assert!(!target.exists());
        assert_eq!(
            std::fs::read_dir(root.path()).unwrap().count(),
            0,
            "staging folder left behind"
        );
        let st = Staging::new(&target, false).unwrap();
        std::fs::write(st.path().join("x"), b"1").unwrap();
        st.commit().unwrap();
        assert!(target.join("x").exists());
        assert!(matches!(
            Staging::new(&target, false),
            Err(OutputError::Exists(_))
        ));
        assert!(
            matches!(
                Staging::new(&target, true),
                Err(OutputError::NotReplaceable(..))
            ),
            "a folder kyoso did not write is never replaced"
        );
        std::fs::remove_file(target.join("x")).unwrap();
        std::fs::write(target.join("summary.json"), r#"{"kyoso_version":"0"}"#).unwrap();
        let st = Staging::new(&target, true).unwrap();
        std::fs::write(st.path().join("y.csv"), b"2").unwrap();
        st.commit().unwrap();
        assert!(target.join("y.csv").exists() && !target.join("summary.json").exists());
        assert_eq!(
            std::fs::read_dir(root.path()).unwrap().count(),
            1,
            "the replaced folder moved aside is gone"
        );
    }

    #[test]
    fn every_table_has_documented_equal_length_columns() {
        let run = small_run();
        for t in [
            tables::ticks(&run),
            tables::firms(&run),
            tables::events(&run),
        ] {
            assert!(t.rows() > 0, "{} is empty", t.name);
            for c in &t.columns {
                assert!(
                    !c.meaning.is_empty(),
                    "{}.{} has no meaning",
                    t.name,
                    c.name
                );
                assert_eq!(c.values.len(), t.rows());
            }
        }
    }

    #[test]
    fn outputs_are_documented_in_docs_outputs_md() {
        let doc = include_str!("../../../docs/outputs.md");
        let run = small_run();
        for t in [
            tables::ticks(&run),
            tables::firms(&run),
            tables::events(&run),
        ] {
            for c in &t.columns {
                assert!(
                    doc.contains(&format!("`{}`", c.name)),
                    "docs/outputs.md misses column `{}` of {}",
                    c.name,
                    t.name
                );
            }
        }
        for m in kyoso_core::silent_rivalry::METRICS {
            assert!(
                doc.contains(&format!("`{}`", m.name)),
                "docs/outputs.md misses metric `{}`",
                m.name
            );
        }
        let json = serde_json::to_value(&run.summary).unwrap();
        for key in json.as_object().unwrap().keys() {
            assert!(
                doc.contains(&format!("`{key}`")),
                "docs/outputs.md misses summary field `{key}`"
            );
        }
    }

    #[test]
    fn written_files_are_byte_identical_for_the_same_seed() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        write_run(
            &small_run(),
            a.path(),
            "default",
            WriteOptions { csv: true },
        )
        .unwrap();
        write_run(
            &small_run(),
            b.path(),
            "default",
            WriteOptions { csv: true },
        )
        .unwrap();
        for name in RUN_FILES.iter().chain(&["ticks.csv"]) {
            let x = std::fs::read(a.path().join(name)).unwrap();
            let y = std::fs::read(b.path().join(name)).unwrap();
            assert_eq!(x, y, "{name} differs");
        }
    }
}
