//! Sweep folders: the manifest, the durable journal of completed runs,
//! Parquet parts of per-run ticks, and the final tables.
//!
//! Layout of a sweep folder:
//! - `manifest.json`: kyoso version, the sweep's identity (model, base
//!   scenario, design, replications, base seed, metric names), the shard,
//!   and the completed run ids (as ranges) once finalised.
//! - `journal.jsonl`: one line per completed run, appended and fsynced in
//!   small batches as runs finish. After a crash the journal is the truth:
//!   a torn last line is cut off and `--resume` re-runs whatever is missing.
//! - `ticks/run-NNNNNNNNNN.parquet` (with `--keep-ticks`; `firm_ticks/`
//!   with `--firm-ticks`): each run's rows, written to a temporary name and
//!   renamed when complete, while the sweep runs. When the sweep is done
//!   they are merged into `ticks.parquet` and, unless the folder is one
//!   shard of several (which `kyoso merge` reads), removed: a finished
//!   folder holds each row once.
//! - `runs.parquet`, `summary.csv`, `ticks.parquet`: written when every run
//!   of the shard is done, sorted by run id, so they do not depend on the
//!   thread count, on interruptions or on sharding.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use kyoso_core::sweep::{
    Accumulator, Design, DesignError, Shard, parse_value, run_seed, value_text,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::{Deserialize, Serialize};

use crate::table::{Table, Values};
use crate::write::{self, ParquetStream};
use crate::{OutputError, sha256_hex};

/// Rows per Parquet batch of `runs.parquet` (fixed, so files are byte-identical).
const BATCH: usize = 4096;

/// Why a sweep folder could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// Bad input: exit status 2.
    #[error("{0}")]
    Input(String),
    /// Runtime failure: exit status 1.
    #[error(transparent)]
    Output(#[from] OutputError),
}

impl SweepError {
    fn io(path: &Path, e: std::io::Error) -> SweepError {
        SweepError::Output(OutputError::Io(path.into(), e))
    }
}

/// What makes two sweep folders parts of the same sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepSpec {
    pub model: String,
    /// The resolved base scenario (TOML) that every point is layered on.
    pub base_scenario: String,
    pub base_seed: u64,
    pub reps: u32,
    /// Varied keys and, per point, their values as TOML text.
    pub keys: Vec<String>,
    pub points: Vec<Vec<String>>,
    /// End-of-run metric names, the metric columns of `runs.parquet`.
    pub metrics: Vec<String>,
    pub keep_ticks: bool,
    /// With `--firm-ticks`: every run's firm-level rows every this many
    /// ticks, as `firm_ticks/` parts merged into `firm_ticks.parquet`.
    /// Written only when on, so sweeps without it keep their identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firm_ticks: Option<u32>,
    /// Common random numbers: replication r of every point runs with the
    /// same seed, so compared points differ only in their parameters.
    /// Written only when on, so sweeps without it keep their identity.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub common_seeds: bool,
}

impl SweepSpec {
    /// Builds the spec of a design.
    pub fn new(
        model: &str,
        base_scenario: String,
        base_seed: u64,
        reps: u32,
        design: &Design,
        metrics: Vec<String>,
        keep_ticks: bool,
    ) -> SweepSpec {
        SweepSpec {
            model: model.to_string(),
            base_scenario,
            base_seed,
            reps,
            keys: design.keys.clone(),
            points: design
                .points
                .iter()
                .map(|p| p.iter().map(value_text).collect())
                .collect(),
            metrics,
            keep_ticks,
            firm_ticks: None,
            common_seeds: false,
        }
    }

    /// Also keeps every run's firm-level rows every `every` ticks.
    pub fn with_firm_ticks(mut self, every: Option<u32>) -> SweepSpec {
        self.firm_ticks = every;
        self
    }

    /// The same spec with common random numbers across points.
    pub fn with_common_seeds(mut self, on: bool) -> SweepSpec {
        self.common_seeds = on;
        self
    }

    /// The seed of replication `rep` of point `point`: [`run_seed`] of the
    /// point, or of point 0 for every point with common seeds.
    pub fn seed_of(&self, point: u64, rep: u64) -> u64 {
        run_seed(
            self.base_seed,
            if self.common_seeds { 0 } else { point },
            rep,
        )
    }

    /// How seeds are derived, in words (the manifest's `seed_rule`).
    pub fn seed_rule(&self) -> String {
        if self.common_seeds {
            "kyoso_core::sweep::run_seed(base_seed, 0, rep): ChaCha8 keyed by base_seed, positioned by rep only (common random numbers: replication r of every point has the same seed)".into()
        } else {
            "kyoso_core::sweep::run_seed(base_seed, point, rep): ChaCha8 keyed by base_seed, positioned by (point, rep)".into()
        }
    }

    /// A short hash of the whole spec.
    pub fn id(&self) -> String {
        sha256_hex(&serde_json::to_string(self).expect("a spec serialises"))[..16].to_string()
    }

    /// Runs in the whole sweep.
    pub fn total_runs(&self) -> u64 {
        self.points.len() as u64 * self.reps as u64
    }
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub kyoso_version: String,
    pub sweep_id: String,
    pub spec: SweepSpec,
    /// How each run's seed is derived.
    pub seed_rule: String,
    /// `I/N`.
    pub shard: String,
    pub runs_total: u64,
    pub runs_in_shard: u64,
    /// Completed run ids as inclusive ranges [first, last].
    pub completed: Vec<[u64; 2]>,
    pub complete: bool,
}

impl Manifest {
    fn new(spec: &SweepSpec, shard: Shard) -> Manifest {
        let total = spec.total_runs();
        Manifest {
            kyoso_version: kyoso_core::VERSION.to_string(),
            sweep_id: spec.id(),
            spec: spec.clone(),
            seed_rule: spec.seed_rule(),
            shard: shard.to_string(),
            runs_total: total,
            runs_in_shard: shard.runs_of(total),
            completed: Vec::new(),
            complete: false,
        }
    }

    fn read(dir: &Path) -> Result<Manifest, SweepError> {
        let path = dir.join("manifest.json");
        let text = fs::read_to_string(&path).map_err(|e| {
            SweepError::Input(format!("{}: {e} (not a sweep folder?)", path.display()))
        })?;
        serde_json::from_str(&text)
            .map_err(|e| SweepError::Input(format!("{}: malformed manifest: {e}", path.display())))
    }

    fn write(&self, dir: &Path) -> Result<(), SweepError> {
        let mut json = serde_json::to_string_pretty(self).expect("a manifest serialises");
        json.push('\n');
        atomic_write(&dir.join("manifest.json"), json.as_bytes())
    }
}

/// One completed run: a line of the journal and a row of `runs.parquet`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub run: u64,
    pub point: u64,
    pub rep: u32,
    pub seed: u64,
    /// End-of-run metrics in the manifest's order; `None` (JSON `null`,
    /// Parquet null) where a metric has no value in this run.
    pub metrics: Vec<Option<f64>>,
}

impl RunRecord {
    /// A record of a run's metrics; a NaN or infinite metric is missing.
    pub fn new(run: u64, point: u64, rep: u32, seed: u64, metrics: &[f64]) -> RunRecord {
        RunRecord {
            run,
            point,
            rep,
            seed,
            metrics: metrics
                .iter()
                .map(|&x| x.is_finite().then_some(x))
                .collect(),
        }
    }
}

/// The key of a journal line's checksum field (always last on the line).
const CHECK_KEY: &str = ",\"check\":\"";

/// The checksum of a journal record's text: SHA-256 of the sweep id and
/// the record's JSON, 16 hex digits. It catches edited and corrupted lines.
fn line_check(sweep_id: &str, record_json: &str) -> String {
    sha256_hex(&format!("{sweep_id}\n{record_json}"))[..16].to_string()
}

/// A record as one journal line: its JSON with a checksum field appended.
fn journal_line(sweep_id: &str, record: &RunRecord) -> String {
    let json = serde_json::to_string(record).expect("a record serialises");
    let check = line_check(sweep_id, &json);
    format!("{}{CHECK_KEY}{check}\"}}\n", &json[..json.len() - 1])
}

/// Parses and checks one journal line (`number` is 1-based, for messages)
/// against the manifest: its checksum, its point, replication and seed by
/// the sweep's rule, and its number of metrics.
fn parse_line(
    spec: &SweepSpec,
    sweep_id: &str,
    path: &Path,
    number: usize,
    line: &[u8],
) -> Result<RunRecord, SweepError> {
    let bad = |why: String| {
        SweepError::Input(format!(
            "{} line {number}: {why}; the journal was edited or corrupted (move the folder aside and run the sweep again, or restore the line)",
            path.display()
        ))
    };
    let text = std::str::from_utf8(line).map_err(|_| bad("not UTF-8".into()))?;
    let text = text.trim_end_matches('\n');
    let at = text
        .rfind(CHECK_KEY)
        .ok_or_else(|| bad("no checksum".into()))?;
    let check = text[at + CHECK_KEY.len()..]
        .strip_suffix("\"}")
        .ok_or_else(|| bad("malformed checksum".into()))?;
    let json = format!("{}}}", &text[..at]);
    if line_check(sweep_id, &json) != check {
        return Err(bad("its checksum does not match its content".into()));
    }
    let r: RunRecord = serde_json::from_str(&json).map_err(|e| bad(e.to_string()))?;
    let total = spec.total_runs();
    if r.run >= total {
        return Err(bad(format!(
            "run {} is outside this sweep (0..{total})",
            r.run
        )));
    }
    let reps = spec.reps as u64;
    let (point, rep) = (r.run / reps, r.run % reps);
    if r.point != point || r.rep as u64 != rep {
        return Err(bad(format!(
            "run {} is point {point}, replication {rep}, but the line says point {}, replication {}",
            r.run, r.point, r.rep
        )));
    }
    let seed = spec.seed_of(point, rep);
    if r.seed != seed {
        return Err(bad(format!(
            "run {} has seed {}, but the sweep's rule gives {seed}",
            r.run, r.seed
        )));
    }
    if r.metrics.len() != spec.metrics.len() {
        return Err(bad(format!(
            "run {} has {} metrics, expected {}",
            r.run,
            r.metrics.len(),
            spec.metrics.len()
        )));
    }
    if let Some(x) = r.metrics.iter().flatten().find(|x| !x.is_finite()) {
        return Err(bad(format!("run {} has a non-finite metric {x}", r.run)));
    }
    Ok(r)
}

fn atomic_write(path: &Path, data: &[u8]) -> Result<(), SweepError> {
    let tmp = path.with_extension("tmp");
    write::bytes(&tmp, data)?;
    fs::rename(&tmp, path).map_err(|e| SweepError::io(path, e))
}

/// A set of run ids as a bitset: 100,000 runs take 12.5 KB.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSet {
    bits: Vec<u64>,
    count: usize,
}

impl RunSet {
    /// Adds a run; returns false if it was already there.
    pub fn insert(&mut self, run: u64) -> bool {
        let (word, bit) = ((run / 64) as usize, run % 64);
        if word >= self.bits.len() {
            self.bits.resize(word + 1, 0);
        }
        let fresh = self.bits[word] & (1 << bit) == 0;
        self.bits[word] |= 1 << bit;
        self.count += fresh as usize;
        fresh
    }

    /// Whether a run is in the set.
    pub fn contains(&self, run: u64) -> bool {
        self.bits
            .get((run / 64) as usize)
            .is_some_and(|w| w & (1 << (run % 64)) != 0)
    }

    /// Number of runs in the set.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// An open sweep folder, locked for this process until dropped.
pub struct SweepDir {
    path: PathBuf,
    manifest: Manifest,
    journal: File,
    done: RunSet,
    /// The folder itself, exclusively locked (an OS lock: it dies with the process).
    _lock: File,
}

/// Locks a sweep folder (`exclusive`, or shared for reading), or says who
/// holds it.
fn lock_folder(path: &Path, exclusive: bool) -> Result<File, SweepError> {
    let dir = File::open(path).map_err(|e| SweepError::io(path, e))?;
    let locked = if exclusive {
        dir.try_lock()
    } else {
        dir.try_lock_shared()
    };
    match locked {
        Ok(()) => Ok(dir),
        Err(fs::TryLockError::WouldBlock) => Err(SweepError::Input(format!(
            "{}: another kyoso process is using this sweep folder; wait for it to finish (or stop it) and try again",
            path.display()
        ))),
        Err(fs::TryLockError::Error(e)) => Err(SweepError::io(path, e)),
    }
}

/// What a sweep killed before its manifest was in place can leave.
fn never_started(path: &Path) -> Result<bool, SweepError> {
    if path.join("manifest.json").exists() {
        return Ok(false);
    }
    for entry in fs::read_dir(path).map_err(|e| SweepError::io(path, e))? {
        let entry = entry.map_err(|e| SweepError::io(path, e))?;
        let name = entry.file_name();
        let meta = entry.metadata().map_err(|e| SweepError::io(path, e))?;
        let leftover = match name.to_string_lossy().as_ref() {
            "manifest.tmp" => meta.is_file(),
            "journal.jsonl" => meta.is_file() && meta.len() == 0,
            "ticks" | "firm_ticks" => {
                meta.is_dir()
                    && fs::read_dir(entry.path())
                        .map_err(|e| SweepError::io(path, e))?
                        .next()
                        .is_none()
            }
            _ => false,
        };
        if !leftover {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Removes the temporary files of a locked sweep folder (a run or a
/// finalisation killed mid-write); only files named as kyoso names them.
fn remove_temporaries(path: &Path) -> Result<(), SweepError> {
    for dir in [
        path.to_path_buf(),
        path.join("ticks"),
        path.join("firm_ticks"),
    ] {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let ours = name.ends_with(".tmp")
                && (name.starts_with("run-")
                    || [
                        "runs.parquet.tmp",
                        "ticks.parquet.tmp",
                        "firm_ticks.parquet.tmp",
                        "summary.tmp",
                        "manifest.tmp",
                    ]
                    .contains(&name.as_ref()));
            if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
                fs::remove_file(entry.path()).map_err(|e| SweepError::io(&entry.path(), e))?;
            }
        }
    }
    Ok(())
}

impl SweepDir {
    /// Opens (or, with `resume`, reopens) a sweep folder. A non-empty folder
    /// is refused unless resuming a sweep with exactly this spec and shard.
    pub fn open(
        path: &Path,
        spec: &SweepSpec,
        shard: Shard,
        resume: bool,
    ) -> Result<SweepDir, SweepError> {
        if path.exists() && !path.is_dir() {
            return Err(SweepError::Input(format!(
                "{}: exists and is not a folder",
                path.display()
            )));
        }
        // `--out file.txt/sub`: bad input, not an I/O failure.
        crate::folder::check_folder_can_exist(path)?;
        fs::create_dir_all(path).map_err(|e| SweepError::io(path, e))?;
        // Held until this SweepDir is dropped: a second process on the
        // same folder (a sweep and its --resume) is refused.
        let lock = lock_folder(path, true)?;
        if never_started(path)? {
            // Killed before its manifest was in place: nothing to keep.
            remove_temporaries(path)?;
        }
        let exists_nonempty = fs::read_dir(path)
            .map_err(|e| SweepError::io(path, e))?
            .next()
            .is_some();
        let manifest = if exists_nonempty {
            if !resume {
                return Err(SweepError::Input(format!(
                    "{}: folder exists and is not empty; use --resume to continue that sweep, or another --out",
                    path.display()
                )));
            }
            let m = Manifest::read(path)?;
            if m.spec != *spec {
                return Err(SweepError::Input(format!(
                    "{}: --resume: this folder holds a different sweep (id {}, this one is {}); {}",
                    path.display(),
                    m.sweep_id,
                    spec.id(),
                    spec_difference(&m.spec, spec)
                )));
            }
            if m.shard != shard.to_string() {
                return Err(SweepError::Input(format!(
                    "{}: --resume: folder holds shard {}, not {shard}",
                    path.display(),
                    m.shard
                )));
            }
            remove_temporaries(path)?;
            m
        } else {
            let m = Manifest::new(spec, shard);
            m.write(path)?;
            m
        };
        if spec.keep_ticks {
            fs::create_dir_all(path.join("ticks")).map_err(|e| SweepError::io(path, e))?;
        }
        if spec.firm_ticks.is_some() {
            fs::create_dir_all(path.join("firm_ticks")).map_err(|e| SweepError::io(path, e))?;
        }
        let journal_path = path.join("journal.jsonl");
        let (done, good_len) = scan_journal(&journal_path, &manifest, |_| Ok(()))?;
        let journal = OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .truncate(false)
            .open(&journal_path)
            .map_err(|e| SweepError::io(&journal_path, e))?;
        // Cut a torn last line (a run killed mid-write) so appends start clean.
        journal
            .set_len(good_len)
            .map_err(|e| SweepError::io(&journal_path, e))?;
        let mut journal = journal;
        journal
            .seek(SeekFrom::End(0))
            .map_err(|e| SweepError::io(&journal_path, e))?;
        Ok(SweepDir {
            path: path.to_path_buf(),
            manifest,
            journal,
            done,
            _lock: lock,
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The runs already completed.
    pub fn done(&self) -> &RunSet {
        &self.done
    }

    /// Runs in this shard.
    pub fn shard_runs(&self) -> u64 {
        self.manifest.runs_in_shard
    }

    /// Runs of this shard already completed.
    pub fn completed(&self) -> usize {
        self.done.len()
    }

    /// Appends completed runs to the journal and makes them durable.
    pub fn append(&mut self, records: &[RunRecord]) -> Result<(), SweepError> {
        if records.is_empty() {
            return Ok(());
        }
        let mut buf = String::new();
        for r in records {
            buf.push_str(&journal_line(&self.manifest.sweep_id, r));
        }
        let path = self.path.join("journal.jsonl");
        self.journal
            .write_all(buf.as_bytes())
            .map_err(|e| SweepError::io(&path, e))?;
        self.journal
            .sync_data()
            .map_err(|e| SweepError::io(&path, e))?;
        for r in records {
            self.done.insert(r.run);
        }
        Ok(())
    }

    /// Writes one run's ticks table as a Parquet part (atomically).
    pub fn write_ticks_part(&self, run: u64, table: &Table) -> Result<(), SweepError> {
        write_ticks_part(&self.path, run, table)
    }

    /// Writes the final tables and marks the manifest complete. Call when
    /// [`SweepDir::pending`] is empty.
    pub fn finalize(self) -> Result<Manifest, SweepError> {
        let manifest = finalize(&self.path, self.manifest)?;
        drop(self._lock);
        Ok(manifest)
    }
}

/// Writes one run's ticks table as `ticks/run-NNNNNNNNNN.parquet` (atomically).
pub fn write_ticks_part(dir: &Path, run: u64, table: &Table) -> Result<(), SweepError> {
    write_part(dir, "ticks", run, table)
}

/// Writes one run's firm-level rows as `firm_ticks/run-NNNNNNNNNN.parquet`
/// (atomically).
pub fn write_firm_ticks_part(dir: &Path, run: u64, table: &Table) -> Result<(), SweepError> {
    write_part(dir, "firm_ticks", run, table)
}

/// Writes one run's firm-level rows, recorded tick by recorded tick, as
/// `firm_ticks/run-NNNNNNNNNN.parquet` (atomically; one row group or more
/// per table).
pub fn write_firm_ticks_parts(dir: &Path, run: u64, tables: &[Table]) -> Result<(), SweepError> {
    let Some(first) = tables.first() else {
        return Ok(());
    };
    let path = dir
        .join("firm_ticks")
        .join(format!("run-{run:010}.parquet"));
    let tmp = path.with_extension("tmp");
    let mut stream = ParquetStream::create(&tmp, first)?;
    for t in tables {
        stream.write(t)?;
    }
    stream.finish()?;
    fs::rename(&tmp, &path).map_err(|e| SweepError::io(&path, e))
}

fn write_part(dir: &Path, folder: &str, run: u64, table: &Table) -> Result<(), SweepError> {
    let path = dir.join(folder).join(format!("run-{run:010}.parquet"));
    let tmp = path.with_extension("tmp");
    write::parquet(table, &tmp)?;
    fs::rename(&tmp, &path).map_err(|e| SweepError::io(&path, e))
}

/// A human-readable hint of what differs between two specs.
fn spec_difference(a: &SweepSpec, b: &SweepSpec) -> String {
    let mut d = Vec::new();
    if a.model != b.model {
        d.push(format!("model {} vs {}", a.model, b.model));
    }
    if a.base_scenario != b.base_scenario {
        d.push("base scenario differs".to_string());
    }
    if a.base_seed != b.base_seed {
        d.push(format!("seed {} vs {}", a.base_seed, b.base_seed));
    }
    if a.reps != b.reps {
        d.push(format!("reps {} vs {}", a.reps, b.reps));
    }
    if a.keys != b.keys || a.points != b.points {
        d.push("design differs".to_string());
    }
    if a.keep_ticks != b.keep_ticks {
        d.push("--keep-ticks differs".to_string());
    }
    if a.firm_ticks != b.firm_ticks {
        d.push("--firm-ticks differs".to_string());
    }
    if a.metrics != b.metrics {
        d.push("metrics differ".to_string());
    }
    d.join(", ")
}

/// Scans a journal: the runs it holds and the byte length of its intact
/// prefix. A torn last line (no newline: a process killed mid-write) is
/// excluded; any other line that fails its checks is an error. Each run's
/// first line is passed to `record_fn` with its byte offset; later lines
/// of the same run are checked and ignored.
fn scan_journal(
    path: &Path,
    manifest: &Manifest,
    mut record_fn: impl FnMut(Indexed) -> Result<(), SweepError>,
) -> Result<(RunSet, u64), SweepError> {
    let mut done = RunSet::default();
    let Ok(file) = File::open(path) else {
        return Ok((done, 0));
    };
    let mut reader = BufReader::new(file);
    let mut good = 0u64;
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| SweepError::io(path, e))?;
        if n == 0 || line.last() != Some(&b'\n') {
            break;
        }
        number += 1;
        let r = parse_line(&manifest.spec, &manifest.sweep_id, path, number, &line)?;
        if done.insert(r.run) {
            record_fn(Indexed {
                record: r,
                offset: good,
                line: &line,
            })?;
        }
        good += n as u64;
    }
    Ok((done, good))
}

/// A journal line as [`scan_journal`] hands it over.
struct Indexed<'a> {
    record: RunRecord,
    offset: u64,
    line: &'a [u8],
}

/// Byte offsets of each run's line in a journal, sorted by run id (16 bytes
/// per run: finalising a 100,000-run sweep needs under 2 MB).
fn journal_index(path: &Path, manifest: &Manifest) -> Result<Vec<(u64, u64)>, SweepError> {
    let mut index = Vec::new();
    scan_journal(path, manifest, |x| {
        index.push((x.record.run, x.offset));
        Ok(())
    })?;
    index.sort_unstable();
    Ok(index)
}

/// The column type of a varied key, from all of its design values.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Integer,
    Number,
    Boolean,
    Text,
}

fn kind_of(values: &[&toml::Value]) -> Kind {
    if values.iter().all(|v| v.is_integer()) {
        Kind::Integer
    } else if values.iter().all(|v| v.is_integer() || v.is_float()) {
        Kind::Number
    } else if values.iter().all(|v| v.is_bool()) {
        Kind::Boolean
    } else {
        Kind::Text
    }
}

fn parameter_column(kind: Kind, values: &[toml::Value]) -> Values {
    match kind {
        Kind::Integer => Values::I64(values.iter().map(|v| v.as_integer().unwrap_or(0)).collect()),
        Kind::Number => Values::F64(
            values
                .iter()
                .map(|v| {
                    v.as_float()
                        .unwrap_or_else(|| v.as_integer().unwrap_or(0) as f64)
                })
                .collect(),
        ),
        Kind::Boolean => Values::Bool(
            values
                .iter()
                .map(|v| v.as_bool().unwrap_or(false))
                .collect(),
        ),
        Kind::Text => Values::Str(values.iter().map(value_text).collect()),
    }
}

fn runs_table(spec: &SweepSpec, points: &[Vec<toml::Value>], rows: &[RunRecord]) -> Table {
    let mut t = Table::new("runs")
        .column(
            "run",
            "id",
            "run id: point x reps + rep",
            Values::U64(rows.iter().map(|r| r.run).collect()),
        )
        .column(
            "point",
            "id",
            "design point, 0-based, in design order",
            Values::U64(rows.iter().map(|r| r.point).collect()),
        )
        .column(
            "rep",
            "index",
            "replication, 0-based",
            Values::U32(rows.iter().map(|r| r.rep).collect()),
        )
        .column(
            "seed",
            "",
            "the run's seed, as decimal text so that no reader rounds it (JavaScript and R doubles hold integers only to 2^53): re-run alone with kyoso run --set KEY=VALUE ... --seed SEED",
            Values::Str(rows.iter().map(|r| r.seed.to_string()).collect()),
        );
    for (k, key) in spec.keys.iter().enumerate() {
        let all: Vec<&toml::Value> = points.iter().map(|p| &p[k]).collect();
        let values: Vec<toml::Value> = rows
            .iter()
            .map(|r| points[r.point as usize][k].clone())
            .collect();
        t = t.column(
            key.clone(),
            "parameter",
            "varied scenario parameter (see docs/model.md)",
            parameter_column(kind_of(&all), &values),
        );
    }
    for (m, metric) in spec.metrics.iter().enumerate() {
        let doc = kyoso_core::metric_docs::find(&spec.model, metric);
        let (unit, meaning) = doc.map_or(("", "end-of-run metric"), |d| (d.unit, d.meaning));
        // A count is an integer column; any other metric a float.
        let values = if doc.is_some_and(|d| d.count) {
            Values::OptI64(
                rows.iter()
                    .map(|r| r.metrics[m].map(|x| x.round() as i64))
                    .collect(),
            )
        } else {
            Values::OptF64(rows.iter().map(|r| r.metrics[m]).collect())
        };
        t = t.column(
            metric.clone(),
            unit,
            format!("{meaning} (null where the run has no value)"),
            values,
        );
    }
    t
}

/// Writes `runs.parquet`, `summary.csv` and (with ticks) `ticks.parquet`
/// from the journal, in run-id order, and completes the manifest.
fn finalize(dir: &Path, mut manifest: Manifest) -> Result<Manifest, SweepError> {
    let spec = manifest.spec.clone();
    // Finalised before (a --resume of a finished sweep): its merged files
    // stand, and the parts they were built from may be gone.
    let was_complete = manifest.complete;
    let journal_path = dir.join("journal.jsonl");
    let index = journal_index(&journal_path, &manifest)?;
    let points: Vec<Vec<toml::Value>> = spec
        .points
        .iter()
        .map(|p| p.iter().map(|v| parse_value(v)).collect())
        .collect();
    // summary.csv is streamed beside runs.parquet: runs come in run-id
    // order, so each point's statistics are complete when the next starts
    // (a 200,000-point summary is about 1 GB of text, never held in memory).
    let summary_path = dir.join("summary.csv");
    let summary_tmp = summary_path.with_extension("tmp");
    let file = File::create(&summary_tmp).map_err(|e| SweepError::io(&summary_tmp, e))?;
    let mut summary = SummaryWriter {
        csv: csv::Writer::from_writer(std::io::BufWriter::new(file)),
        path: summary_tmp.clone(),
        acc: vec![Accumulator::default(); spec.metrics.len()],
        missing: vec![0; spec.metrics.len()],
        point: None,
    };
    let mut header = vec!["point".to_string()];
    header.extend(spec.keys.iter().cloned());
    header.extend(
        [
            "metric",
            "n",
            "mean",
            "sd",
            "ci95_low",
            "ci95_high",
            "n_missing",
        ]
        .map(String::from),
    );
    summary.row(&header)?;

    let runs_tmp = dir.join("runs.parquet.tmp");
    let mut journal = File::open(&journal_path).map_err(|e| SweepError::io(&journal_path, e))?;
    let empty = runs_table(&spec, &points, &[]);
    let mut stream = ParquetStream::create(&runs_tmp, &empty)?;
    let mut line = String::new();
    for chunk in index.chunks(BATCH) {
        let mut rows = Vec::with_capacity(chunk.len());
        for &(_, offset) in chunk {
            journal
                .seek(SeekFrom::Start(offset))
                .map_err(|e| SweepError::io(&journal_path, e))?;
            line.clear();
            BufReader::new((&mut journal).take(1 << 24))
                .read_line(&mut line)
                .map_err(|e| SweepError::io(&journal_path, e))?;
            let r = parse_line(&spec, &manifest.sweep_id, &journal_path, 0, line.as_bytes())?;
            summary.add(&spec, &r)?;
            rows.push(r);
        }
        stream.write(&runs_table(&spec, &points, &rows))?;
    }
    stream.finish()?;
    summary.flush_point(&spec)?;
    let file = summary
        .csv
        .into_inner()
        .map_err(|e| SweepError::io(&summary_tmp, e.into_error()))?
        .into_inner()
        .map_err(|e| SweepError::io(&summary_tmp, e.into_error()))?;
    file.sync_all()
        .map_err(|e| SweepError::io(&summary_tmp, e))?;
    fs::rename(&runs_tmp, dir.join("runs.parquet")).map_err(|e| SweepError::io(dir, e))?;
    fs::rename(&summary_tmp, &summary_path).map_err(|e| SweepError::io(&summary_path, e))?;

    let kept = [
        (spec.keep_ticks, "ticks"),
        (spec.firm_ticks.is_some(), "firm_ticks"),
    ];
    for (keep, folder) in kept {
        let merged = dir.join(format!("{folder}.parquet"));
        if keep && !(was_complete && merged.is_file() && !has_every_part(dir, folder, &index)) {
            merge_parts(dir, folder, &index)?;
        }
    }
    manifest.completed = ranges(index.iter().map(|x| x.0));
    manifest.complete = index.len() as u64 == manifest.runs_in_shard;
    manifest.write(dir)?;
    // One copy of the rows: a finished sweep that no merge will read (not
    // a shard of several) keeps the merged file only. Shards keep their
    // parts for `kyoso merge`, which copies them and then drops its own.
    let unsharded = Shard::parse(&manifest.shard).is_ok_and(|s| s.count == 1);
    if manifest.complete && unsharded {
        for (keep, folder) in kept {
            if keep {
                drop_parts(dir, folder)?;
            }
        }
    }
    Ok(manifest)
}

/// Whether every run of `index` has its part under `folder/`.
fn has_every_part(dir: &Path, folder: &str, index: &[(u64, u64)]) -> bool {
    index.iter().all(|&(run, _)| {
        dir.join(folder)
            .join(format!("run-{run:010}.parquet"))
            .is_file()
    })
}

/// Removes the per-run parts under `folder/` (`run-NNNNNNNNNN.parquet`, and
/// their temporaries) and then the folder if nothing else is in it: only
/// files kyoso wrote are deleted.
fn drop_parts(dir: &Path, folder: &str) -> Result<(), SweepError> {
    let parts = dir.join(folder);
    let Ok(entries) = fs::read_dir(&parts) else {
        return Ok(());
    };
    for e in entries {
        let e = e.map_err(|e| SweepError::io(&parts, e))?;
        let name = e.file_name();
        let name = name.to_string_lossy();
        let ours = name.starts_with("run-")
            && (name.ends_with(".parquet") || name.ends_with(".tmp"))
            && name[4..].chars().take(10).all(|c| c.is_ascii_digit());
        if ours && e.file_type().is_ok_and(|t| t.is_file()) {
            fs::remove_file(e.path()).map_err(|err| SweepError::io(&e.path(), err))?;
        }
    }
    // Left in place when it holds anything else.
    let _ = fs::remove_dir(&parts);
    Ok(())
}

/// `summary.csv` written point by point as [`finalize`] reads the runs.
struct SummaryWriter {
    csv: csv::Writer<std::io::BufWriter<File>>,
    path: PathBuf,
    /// Statistics of the current point, per metric.
    acc: Vec<Accumulator>,
    missing: Vec<u64>,
    point: Option<u64>,
}

impl SummaryWriter {
    fn row(&mut self, fields: &[String]) -> Result<(), SweepError> {
        self.csv
            .write_record(fields)
            .map_err(|e| SweepError::Output(OutputError::Encode(self.path.clone(), e.to_string())))
    }

    /// Adds a run (runs come in run-id order, so points in order).
    fn add(&mut self, spec: &SweepSpec, r: &RunRecord) -> Result<(), SweepError> {
        if self.point != Some(r.point) {
            self.flush_point(spec)?;
            self.point = Some(r.point);
        }
        for (m, x) in r.metrics.iter().enumerate() {
            match x {
                Some(x) => self.acc[m].push(*x),
                None => self.missing[m] += 1,
            }
        }
        Ok(())
    }

    /// Writes the rows of the current point and starts afresh.
    fn flush_point(&mut self, spec: &SweepSpec) -> Result<(), SweepError> {
        let Some(p) = self.point.take() else {
            return Ok(());
        };
        for m in 0..spec.metrics.len() {
            let s = self.acc[m].stats();
            let absent = self.missing[m];
            let mut row = vec![p.to_string()];
            row.extend(spec.points[p as usize].iter().cloned());
            row.push(spec.metrics[m].clone());
            row.push(s.n.to_string());
            // No value at all: the statistics are missing (empty), not 0.
            for x in [s.mean, s.sd, s.ci_low, s.ci_high] {
                row.push(if s.n == 0 {
                    String::new()
                } else {
                    x.to_string()
                });
            }
            row.push(absent.to_string());
            self.row(&row)?;
            self.acc[m] = Accumulator::default();
            self.missing[m] = 0;
        }
        Ok(())
    }
}

/// Concatenates the per-run parts of `folder` (`ticks`, `firm_ticks`), in
/// run order, into `folder.parquet`.
fn merge_parts(dir: &Path, folder: &str, index: &[(u64, u64)]) -> Result<(), SweepError> {
    let out_tmp = dir.join(format!("{folder}.parquet.tmp"));
    let mut stream: Option<ParquetStream> = None;
    for &(run, _) in index {
        let part = dir.join(folder).join(format!("run-{run:010}.parquet"));
        let file = File::open(&part).map_err(|e| SweepError::io(&part, e))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .and_then(|b| b.build())
            .map_err(|e| SweepError::Output(OutputError::Encode(part.clone(), e.to_string())))?;
        for batch in reader {
            let batch = batch.map_err(|e| {
                SweepError::Output(OutputError::Encode(part.clone(), e.to_string()))
            })?;
            if stream.is_none() {
                stream = Some(ParquetStream::create_with_schema(&out_tmp, batch.schema())?);
            }
            stream
                .as_mut()
                .expect("created above")
                .write_batch(&batch)?;
        }
    }
    if let Some(s) = stream {
        s.finish()?;
        fs::rename(&out_tmp, dir.join(format!("{folder}.parquet")))
            .map_err(|e| SweepError::io(dir, e))?;
    }
    Ok(())
}

/// Sorted ids as inclusive ranges.
fn ranges(ids: impl Iterator<Item = u64>) -> Vec<[u64; 2]> {
    let mut out: Vec<[u64; 2]> = Vec::new();
    for id in ids {
        match out.last_mut() {
            Some(r) if r[1] + 1 == id => r[1] = id,
            _ => out.push([id, id]),
        }
    }
    out
}

/// Merges complete shard folders of one sweep into `out`.
pub fn merge(inputs: &[PathBuf], out: &Path) -> Result<Manifest, SweepError> {
    if inputs.is_empty() {
        return Err(SweepError::Input("merge: no input folders".into()));
    }
    let manifests: Vec<Manifest> = inputs
        .iter()
        .map(|p| Manifest::read(p))
        .collect::<Result<_, _>>()?;
    let first = &manifests[0];
    let first_shard = Shard::parse(&first.shard)
        .map_err(|e| SweepError::Input(format!("{}: {e}", inputs[0].display())))?;
    let mut shards = BTreeSet::new();
    // Shared locks: no shard may be resumed while it is merged.
    let mut locks = Vec::new();
    for (m, p) in manifests.iter().zip(inputs) {
        locks.push(lock_folder(p, false)?);
        if m.spec != first.spec {
            return Err(SweepError::Input(format!(
                "merge: {} is from a different sweep than {} (id {} vs {}): {}",
                p.display(),
                inputs[0].display(),
                m.sweep_id,
                first.sweep_id,
                spec_difference(&first.spec, &m.spec)
            )));
        }
        let shard = Shard::parse(&m.shard)
            .map_err(|e| SweepError::Input(format!("{}: {e}", p.display())))?;
        if shard.count != first_shard.count {
            return Err(SweepError::Input(format!(
                "merge: {} is shard {} but {} is shard {}: shards of one merge must all split the sweep into the same N parts",
                p.display(),
                m.shard,
                inputs[0].display(),
                first.shard
            )));
        }
        if !m.complete {
            return Err(SweepError::Input(format!(
                "merge: {} (shard {}) is not complete; finish it with --resume first",
                p.display(),
                m.shard
            )));
        }
        if !shards.insert(shard.index) {
            return Err(SweepError::Input(format!(
                "merge: shard {} given twice",
                m.shard
            )));
        }
    }
    let n = first_shard.count;
    let absent: Vec<String> = (1..=n)
        .filter(|i| !shards.contains(i))
        .map(|i| format!("{i}/{n}"))
        .collect();
    if !absent.is_empty() {
        let shown = absent
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        return Err(SweepError::Input(format!(
            "merge: {} of {n} shards missing ({shown}{}); merge every shard 1/{n}..{n}/{n}",
            absent.len(),
            if absent.len() > 10 { ", ..." } else { "" }
        )));
    }
    if out.exists() && !out.is_dir() {
        return Err(SweepError::Input(format!(
            "{}: exists and is not a folder",
            out.display()
        )));
    }
    if out.exists()
        && fs::read_dir(out)
            .map_err(|e| SweepError::io(out, e))?
            .next()
            .is_some()
    {
        return Err(SweepError::Input(format!(
            "{}: output folder exists and is not empty",
            out.display()
        )));
    }
    let staging = crate::Staging::new(out, false)?;
    let dir = staging.path().to_path_buf();
    let total = first.runs_total;
    let mut journal = Vec::new();
    let mut seen = RunSet::default();
    for (p, m) in inputs.iter().zip(&manifests) {
        let shard = Shard::parse(&m.shard).expect("parsed above");
        scan_journal(&p.join("journal.jsonl"), m, |x| {
            let run = x.record.run;
            if !shard.owns(run) {
                return Err(SweepError::Input(format!(
                    "merge: {} holds run {run}, which is not of its shard {}",
                    p.display(),
                    m.shard
                )));
            }
            if seen.insert(run) {
                journal.extend_from_slice(x.line);
                let name = format!("run-{run:010}.parquet");
                for (kept, folder) in [
                    (first.spec.keep_ticks, "ticks"),
                    (first.spec.firm_ticks.is_some(), "firm_ticks"),
                ] {
                    if kept {
                        fs::create_dir_all(dir.join(folder))
                            .map_err(|e| SweepError::io(&dir, e))?;
                        fs::copy(p.join(folder).join(&name), dir.join(folder).join(&name))
                            .map_err(|e| SweepError::io(p, e))?;
                    }
                }
            }
            Ok(())
        })?;
    }
    write::bytes(&dir.join("journal.jsonl"), &journal)?;
    let manifest = Manifest::new(&first.spec, Shard::ALL);
    let manifest = finalize(&dir, manifest)?;
    if !manifest.complete {
        let missing = total - seen.len() as u64;
        return Err(SweepError::Input(format!(
            "merge: {missing} of {total} runs are missing from the shards' journals"
        )));
    }
    staging.commit()?;
    drop(locks);
    Ok(manifest)
}

/// The completed runs of a sweep folder, sorted by run id, with the
/// manifest (whose `spec.metrics` names the metric values).
pub fn read_runs(dir: &Path) -> Result<(Manifest, Vec<RunRecord>), SweepError> {
    let manifest = Manifest::read(dir)?;
    let path = dir.join("journal.jsonl");
    let mut runs = Vec::new();
    scan_journal(&path, &manifest, |x| {
        runs.push(x.record);
        Ok(())
    })?;
    runs.sort_by_key(|r| r.run);
    Ok((manifest, runs))
}

/// Reads a design CSV: a header of parameter keys, one design point per row.
pub fn read_design(path: &Path) -> Result<Design, DesignError> {
    let name = path.display().to_string();
    let derr = |message: String| DesignError {
        context: name.clone(),
        message,
    };
    // A design of a million points is far below the limit; an endless
    // input (a device such as /dev/zero, a pipe) is cut there and refused.
    let regular = fs::metadata(path)
        .map_err(|e| derr(e.to_string()))?
        .is_file();
    let limit: u64 = if regular {
        DESIGN_FILE_LIMIT
    } else {
        DESIGN_FILE_LIMIT >> 4
    };
    let too_large = || {
        derr(format!(
            "larger than {} MiB; not a design file",
            limit >> 20
        ))
    };
    if regular && fs::metadata(path).map_or(0, |m| m.len()) > limit {
        return Err(too_large());
    }
    let file = File::open(path).map_err(|e| derr(e.to_string()))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(file.take(limit + 1));
    let design = read_design_records(&mut reader, &derr);
    if reader.into_inner().limit() == 0 {
        return Err(too_large());
    }
    let (keys, points) = design?;
    Ok(Design {
        keys,
        points,
        file: Some((name, 1)),
    })
}

/// The largest design file read: 1 GiB (a million rows of a hundred
/// columns is about 600 MB); 64 MiB from anything but a regular file.
const DESIGN_FILE_LIMIT: u64 = 1 << 30;

type DesignRecords = (Vec<String>, Vec<kyoso_core::sweep::Point>);

fn read_design_records<R: Read>(
    reader: &mut csv::Reader<R>,
    derr: &dyn Fn(String) -> DesignError,
) -> Result<DesignRecords, DesignError> {
    let keys: Vec<String> = reader
        .headers()
        .map_err(|e| derr(e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    if keys.is_empty() || keys.iter().any(|k| k.is_empty()) {
        return Err(derr(
            "row 1: the header must name a parameter key in every column".into(),
        ));
    }
    let mut unique = BTreeSet::new();
    for k in &keys {
        if !unique.insert(k) {
            return Err(derr(format!("row 1: column `{k}` appears twice")));
        }
    }
    let mut points = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        if points.len() == kyoso_core::sweep::MAX_POINTS {
            return Err(derr(format!(
                "more than {} design points; split the design into several sweeps",
                kyoso_core::sweep::MAX_POINTS
            )));
        }
        let record = record.map_err(|e| derr(format!("row {row}: {e}")))?;
        if record.len() != keys.len() {
            return Err(derr(format!(
                "row {row}: {} fields, but the header has {} columns",
                record.len(),
                keys.len()
            )));
        }
        let mut point = Vec::new();
        for (c, field) in record.iter().enumerate() {
            if field.is_empty() {
                return Err(derr(format!(
                    "row {row}, column {} (`{}`): empty value",
                    c + 1,
                    keys[c]
                )));
            }
            point.push(parse_value(field));
        }
        points.push(point);
    }
    if points.is_empty() {
        return Err(derr("no design points (only a header)".into()));
    }
    Ok((keys, points))
}

#[cfg(test)]
mod tests {
    #[test]
    fn dropping_parts_deletes_only_what_kyoso_wrote() {
        let tmp = tempfile::tempdir().unwrap();
        let parts = tmp.path().join("ticks");
        fs::create_dir_all(&parts).unwrap();
        for name in [
            "run-0000000001.parquet",
            "run-0000000002.tmp",
            "notes.txt",
            "run-x.parquet",
        ] {
            fs::write(parts.join(name), b"x").unwrap();
        }
        super::drop_parts(tmp.path(), "ticks").unwrap();
        let mut left: Vec<String> = fs::read_dir(&parts)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["notes.txt", "run-x.parquet"]);
        fs::remove_file(parts.join("notes.txt")).unwrap();
        fs::remove_file(parts.join("run-x.parquet")).unwrap();
        super::drop_parts(tmp.path(), "ticks").unwrap();
        assert!(!parts.exists(), "an empty parts folder is removed");
        super::drop_parts(tmp.path(), "ticks").unwrap();
    }

    use super::*;
    use arrow_array::Array;

    fn spec(reps: u32) -> SweepSpec {
        let design =
            Design::grid(vec![kyoso_core::sweep::parse_vary("a=0.1,0.2").unwrap()]).unwrap();
        SweepSpec::new(
            "test",
            "x = 1\n".into(),
            7,
            reps,
            &design,
            vec!["m".into(), "gone".into()],
            false,
        )
    }

    fn record(run: u64, reps: u32, metrics: &[f64]) -> RunRecord {
        let (point, rep) = (run / reps as u64, run % reps as u64);
        RunRecord::new(run, point, rep as u32, run_seed(7, point, rep), metrics)
    }

    #[test]
    fn missing_metrics_are_null_end_to_end_and_the_sweep_finishes() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("s");
        let spec = spec(2);
        let mut dir = SweepDir::open(&path, &spec, Shard::ALL, false).unwrap();
        dir.append(&[
            record(0, 2, &[1.0, f64::NAN]),
            record(1, 2, &[3.0, f64::INFINITY]),
        ])
        .unwrap();
        drop(dir);
        let journal = fs::read_to_string(path.join("journal.jsonl")).unwrap();
        assert!(journal.contains("[1.0,null]"), "{journal}");
        // Resuming reads the nulls back; the sweep completes.
        let mut dir = SweepDir::open(&path, &spec, Shard::ALL, true).unwrap();
        assert_eq!(dir.completed(), 2);
        dir.append(&[record(2, 2, &[5.0, f64::NAN]), record(3, 2, &[7.0, 1.5])])
            .unwrap();
        let m = dir.finalize().unwrap();
        assert!(m.complete);
        let summary = fs::read_to_string(path.join("summary.csv")).unwrap();
        assert!(summary.contains("\n0,0.1,m,2,2,"), "{summary}");
        assert!(summary.contains("\n0,0.1,gone,0,,,,,2\n"), "{summary}");
        assert!(
            summary.contains("\n1,0.2,gone,1,1.5,0,1.5,1.5,1\n"),
            "{summary}"
        );
        let file = File::open(path.join("runs.parquet")).unwrap();
        let batch = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        let gone = batch.column_by_name("gone").unwrap();
        assert_eq!(gone.null_count(), 3);
        assert!(gone.is_valid(3));
        assert!(!path.join("runs.parquet.tmp").exists());
        let (_, runs) = read_runs(&path).unwrap();
        assert_eq!(runs[1].metrics, vec![Some(3.0), None]);
    }

    #[test]
    fn a_locked_folder_is_refused_and_free_again_when_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("s");
        let spec = spec(1);
        let first = SweepDir::open(&path, &spec, Shard::ALL, false).unwrap();
        let err = SweepDir::open(&path, &spec, Shard::ALL, true)
            .err()
            .unwrap();
        assert!(err.to_string().contains("another kyoso process"), "{err}");
        drop(first);
        assert!(SweepDir::open(&path, &spec, Shard::ALL, true).is_ok());
    }

    #[test]
    fn journal_lines_carry_a_checksum_that_catches_edits() {
        let spec = spec(2);
        let id = spec.id();
        let line = journal_line(&id, &record(1, 2, &[2.5, f64::NAN]));
        assert!(line.ends_with("\"}\n"));
        let p = Path::new("journal.jsonl");
        assert!(parse_line(&spec, &id, p, 1, line.as_bytes()).is_ok());
        let edited = line.replace("2.5", "2.6");
        assert!(parse_line(&spec, &id, p, 1, edited.as_bytes()).is_err());
        assert!(
            parse_line(&spec, "another-sweep", p, 1, line.as_bytes()).is_err(),
            "a line of another sweep"
        );
        // A valid checksum over a wrong seed (a buggy writer) is still refused.
        let mut bad = record(1, 2, &[2.5, 1.0]);
        bad.seed += 1;
        let e = parse_line(&spec, &id, p, 4, journal_line(&id, &bad).as_bytes())
            .err()
            .unwrap();
        assert!(
            e.to_string().contains("line 4") && e.to_string().contains("seed"),
            "{e}"
        );
    }
}
