//! Writing command outputs: default output folders, staged folders with
//! tables, JSON and pictures.

use std::path::{Path, PathBuf};

use kyoso_io::Staging;
use kyoso_io::table::Table;
use serde::Serialize;

use crate::Failure;

/// The output flags shared by the commands that write a folder.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Output folder (default: a new folder under runs/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace an existing non-empty output folder.
    #[arg(long)]
    pub force: bool,
    /// Also write CSV copies of the Parquet tables.
    #[arg(long)]
    pub csv: bool,
}

/// The first free `runs/<label>-seed<seed>-<NNN>` folder.
pub fn default_out(label: &str, seed: u64) -> PathBuf {
    let base = Path::new("runs");
    (1..)
        .map(|n| base.join(format!("{label}-seed{seed}-{n:03}")))
        .find(|p| !p.exists())
        .expect("some folder name is free")
}

/// An output folder being filled; moved into place by [`Output::commit`].
pub struct Output {
    staging: Staging,
}

impl Output {
    /// Refuses a non-empty target (unless `force`) before any work is done.
    pub fn start(target: &Path, force: bool) -> Result<Output, Failure> {
        kyoso_io::check_target(target, force).map_err(Failure::input)?;
        Ok(Output {
            staging: Staging::new(target, force).map_err(Failure::runtime)?,
        })
    }

    pub fn table(&self, table: &Table, csv: bool) -> Result<(), Failure> {
        let dir = self.staging.path();
        kyoso_io::write::parquet(table, &dir.join(format!("{}.parquet", table.name)))
            .map_err(Failure::runtime)?;
        if csv {
            kyoso_io::write::csv(table, &dir.join(format!("{}.csv", table.name)))
                .map_err(Failure::runtime)?;
        }
        Ok(())
    }

    pub fn csv(&self, table: &Table) -> Result<(), Failure> {
        kyoso_io::write::csv(
            table,
            &self.staging.path().join(format!("{}.csv", table.name)),
        )
        .map_err(Failure::runtime)
    }

    pub fn json(&self, name: &str, value: &impl Serialize) -> Result<(), Failure> {
        let mut text = serde_json::to_string_pretty(value).map_err(Failure::runtime)?;
        text.push('\n');
        kyoso_io::write::bytes(&self.staging.path().join(name), text.as_bytes())
            .map_err(Failure::runtime)
    }

    /// Writes an RGB picture.
    pub fn png(&self, name: &str, width: u32, height: u32, rgb: &[u8]) -> Result<(), Failure> {
        let path = self.staging.path().join(name);
        kyoso_io::write::png(&path, width, height, rgb).map_err(Failure::runtime)
    }

    pub fn commit(self) -> Result<PathBuf, Failure> {
        self.staging.commit().map_err(Failure::runtime)
    }
}

/// Scales a lattice of `size`×`size` colours up so that each cell is a
/// `scale`×`scale` block.
pub fn upscale(size: usize, scale: usize, colour: impl Fn(usize) -> [u8; 3]) -> (u32, Vec<u8>) {
    let side = size * scale;
    let mut rgb = vec![0u8; side * side * 3];
    for y in 0..side {
        for x in 0..side {
            let c = colour((y / scale) * size + x / scale);
            let i = (y * side + x) * 3;
            rgb[i..i + 3].copy_from_slice(&c);
        }
    }
    (side as u32, rgb)
}

/// Provenance written beside every output as `summary.json`.
#[derive(Serialize)]
pub struct Provenance<'a, S: Serialize, H: Serialize> {
    pub kyoso_version: &'static str,
    pub model: &'static str,
    pub seed: u64,
    pub settings: &'a S,
    pub headline: &'a H,
}
