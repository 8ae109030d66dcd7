//! "Download run": the current run as `kyoso run` writes it, zipped.
//!
//! The session's run is one scenario from tick 0, so the download re-runs
//! that scenario for the ticks done so far and writes it with the same
//! writer as `kyoso run`; `kyoso run --scenario scenario.toml` in the
//! unzipped folder reproduces every file bit for bit (tested), for every
//! u64 seed: kyoso-core writes a seed above 2^63 - 1 (TOML's largest
//! integer) as a decimal string and reads either form back.

use std::io::Write;

use kyoso_core::silent_rivalry::run_scenario;
use zip::write::SimpleFileOptions;

use crate::setup::{ApiError, Built};

/// How `kyoso run --scenario scenario.toml` names its source in summary.json.
pub const RERUN_SOURCE: &str = "default + file scenario.toml";

/// `params` as TOML, its seed written as kyoso-core writes `run.seed`: an
/// integer up to 2^63 - 1 (TOML's largest), above it a decimal string.
fn params_toml(params: &impl serde::Serialize, seed: u64) -> Result<String, ApiError> {
    let mut table = toml::Table::try_from(params).map_err(internal)?;
    let value = match i64::try_from(seed) {
        Ok(v) => toml::Value::Integer(v),
        Err(_) => toml::Value::String(seed.to_string()),
    };
    table.insert("seed".into(), value);
    toml::to_string_pretty(&table).map_err(internal)
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(500, format!("could not write the download: {e}"))
}

/// A zip of the run of `built` up to `tick`.
pub fn zip_run(built: &Built, tick: u32, command: &str) -> Result<Vec<u8>, ApiError> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    match built {
        Built::Market(s) => {
            let mut scenario = (**s).clone();
            scenario.run.ticks = tick;
            // Changes made at the tick reached apply from the next one:
            // not yet part of what ran.
            scenario.schedule.retain(|e| e.tick < tick);
            let run = run_scenario(&scenario, |_, _| {}, || false)?.expect("never cancelled");
            let dir = tempfile::tempdir().map_err(internal)?;
            kyoso_io::write_run(
                &run,
                dir.path(),
                RERUN_SOURCE,
                kyoso_io::WriteOptions { csv: false },
            )
            .map_err(internal)?;
            for name in kyoso_io::RUN_FILES {
                files.push((
                    name.to_string(),
                    std::fs::read(dir.path().join(name)).map_err(internal)?,
                ));
            }
            files.push((
                "COMMAND.txt".into(),
                format!(
                    "# These files are exactly what this command writes (run it in this folder):\n\
                     kyoso run --scenario scenario.toml --out rerun\n\
                     # The same run from the live view's settings ({tick} ticks):\n\
                     {command} --ticks {tick}\n"
                )
                .into_bytes(),
            ));
        }
        Built::SpatialPd(_) | Built::Ethnocentrism(_) => {
            // Lattice models: their parameters and per-tick series (the
            // command line writes their full outputs).
            let mut live = crate::live::build(built)?;
            while live.tick() < tick {
                live.step();
            }
            let (params, length_key) = match built {
                Built::SpatialPd(p) => {
                    let mut p = p.clone();
                    p.steps = tick as u64;
                    p.seed = 0;
                    (params_toml(&p, built.seed())?, "steps")
                }
                Built::Ethnocentrism(p) => {
                    let mut p = p.clone();
                    p.periods = tick;
                    p.seed = 0;
                    (params_toml(&p, built.seed())?, "periods")
                }
                Built::Market(_) => unreachable!("handled above"),
            };
            files.push(("params.toml".into(), params.into_bytes()));
            let mut csv = csv::Writer::from_writer(Vec::new());
            for r in live.rows() {
                csv.serialize(r).map_err(internal)?;
            }
            files.push(("series.csv".into(), csv.into_inner().map_err(internal)?));
            files.push((
                "COMMAND.txt".into(),
                format!(
                    "# The same run ({tick} {length_key}) from the command line, with its full outputs:\n\
                     {command} --{length_key} {tick}\n"
                )
                .into_bytes(),
            ));
        }
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        let method = if name.ends_with(".parquet") {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        zip.start_file(
            name,
            SimpleFileOptions::default().compression_method(method),
        )
        .map_err(internal)?;
        zip.write_all(&bytes).map_err(internal)?;
    }
    Ok(zip.finish().map_err(internal)?.into_inner())
}
