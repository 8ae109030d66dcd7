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

/// Where a command's output goes: a folder the user named, or the first
/// free `runs/<label>-seed<seed>-NNN`, claimed when the output is complete.
#[derive(Debug, Clone)]
pub enum Destination {
    Given { dir: PathBuf, force: bool },
    Default { label: String, seed: u64 },
}

/// The folder under which default outputs go.
pub const RUNS: &str = "runs";

impl Destination {
    pub fn new(out: Option<&Path>, label: &str, seed: u64, force: bool) -> Destination {
        match out {
            Some(dir) => Destination::Given {
                dir: dir.to_path_buf(),
                force,
            },
            None => Destination::Default {
                label: label.to_string(),
                seed,
            },
        }
    }

    /// Refuses a non-empty or unreplaceable target before any work is done.
    pub fn check(&self) -> Result<(), Failure> {
        match self {
            Destination::Given { dir, force } => {
                kyoso_io::check_target(dir, *force).map_err(Failure::input)
            }
            Destination::Default { .. } => {
                kyoso_io::folder::check_folder_can_exist(Path::new(RUNS)).map_err(Failure::input)
            }
        }
    }

    /// A staging folder beside the destination.
    pub fn staging(&self) -> Result<Staging, Failure> {
        match self {
            // The place is the user's choice: one that cannot be written is bad input.
            Destination::Given { dir, force } => Staging::new(dir, *force).map_err(|e| {
                Failure::input(format!("{e} (the output folder cannot be created there)"))
            }),
            Destination::Default { .. } => {
                Staging::new_in(Path::new(RUNS)).map_err(Failure::runtime)
            }
        }
    }

    /// Moves a complete staging folder into place.
    pub fn commit(&self, staging: Staging) -> Result<PathBuf, Failure> {
        match self {
            Destination::Given { .. } => staging.commit().map_err(Failure::output),
            Destination::Default { label, seed } => {
                let base = Path::new(RUNS);
                let names =
                    (1..=999_999u32).map(|n| base.join(format!("{label}-seed{seed}-{n:03}")));
                staging.commit_first_free(names).map_err(Failure::runtime)
            }
        }
    }
}

/// An output folder being filled; moved into place by [`Output::commit`].
pub struct Output {
    staging: Staging,
    destination: Destination,
}

impl Output {
    /// Starts the output of a command: `out` if given (refused if it is
    /// not empty, unless `force` and replaceable), else a new folder under
    /// runs/ named after `label` and `seed`.
    pub fn start_run(
        out: Option<&Path>,
        label: &str,
        seed: u64,
        force: bool,
    ) -> Result<Output, Failure> {
        Output::start_at(Destination::new(out, label, seed, force))
    }

    /// Refuses a non-empty target (unless `force`) before any work is done.
    pub fn start(target: &Path, force: bool) -> Result<Output, Failure> {
        Output::start_at(Destination::Given {
            dir: target.to_path_buf(),
            force,
        })
    }

    fn start_at(destination: Destination) -> Result<Output, Failure> {
        destination.check()?;
        Ok(Output {
            staging: destination.staging()?,
            destination,
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

    /// Writes report.html and its figures (figures/*.svg, *.png).
    pub fn report(
        &self,
        title: &str,
        intro: &str,
        sections: &[kyoso_io::report::Section],
    ) -> Result<(), Failure> {
        kyoso_io::report::write(self.staging.path(), title, intro, sections)
            .map_err(Failure::runtime)
    }

    /// Writes an RGB picture.
    pub fn png(&self, name: &str, width: u32, height: u32, rgb: &[u8]) -> Result<(), Failure> {
        let path = self.staging.path().join(name);
        kyoso_io::write::png(&path, width, height, rgb).map_err(Failure::runtime)
    }

    pub fn commit(self) -> Result<PathBuf, Failure> {
        crate::interrupt::check()?;
        self.destination.commit(self.staging)
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
