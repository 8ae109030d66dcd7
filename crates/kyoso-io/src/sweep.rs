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
//! - `ticks/run-NNNNNNNNNN.parquet` (with `--keep-ticks`): each run's ticks,
//!   written to a temporary name and renamed when complete.
//! - `runs.parquet`, `summary.csv`, `ticks.parquet`: written when every run
//!   of the shard is done, sorted by run id, so they do not depend on the
//!   thread count, on interruptions or on sharding.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use kyoso_core::sweep::{Accumulator, Design, DesignError, Shard, parse_value, value_text};
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
            seed_rule: "kyoso_core::sweep::run_seed(base_seed, point, rep): ChaCha8 keyed by base_seed, positioned by (point, rep)".into(),
            shard: shard.to_string(),
            runs_total: total,
            runs_in_shard: (0..total).filter(|&r| shard.owns(r)).count() as u64,
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
    pub metrics: Vec<f64>,
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

/// An open sweep folder.
pub struct SweepDir {
    path: PathBuf,
    manifest: Manifest,
    journal: File,
    done: RunSet,
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
        let exists_nonempty = path.is_dir()
            && fs::read_dir(path)
                .map_err(|e| SweepError::io(path, e))?
                .next()
                .is_some();
        if path.exists() && !path.is_dir() {
            return Err(SweepError::Input(format!(
                "{}: exists and is not a folder",
                path.display()
            )));
        }
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
            m
        } else {
            fs::create_dir_all(path).map_err(|e| SweepError::io(path, e))?;
            let m = Manifest::new(spec, shard);
            m.write(path)?;
            m
        };
        if spec.keep_ticks {
            fs::create_dir_all(path.join("ticks")).map_err(|e| SweepError::io(path, e))?;
        }
        let journal_path = path.join("journal.jsonl");
        let (done, good_len) = scan_journal(&journal_path, spec.total_runs(), |_, _| Ok(()))?;
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
        let mut buf = Vec::new();
        for r in records {
            serde_json::to_writer(&mut buf, r).expect("a record serialises");
            buf.push(b'\n');
        }
        let path = self.path.join("journal.jsonl");
        self.journal
            .write_all(&buf)
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
        finalize(&self.path, self.manifest)
    }
}

/// Writes one run's ticks table as `ticks/run-NNNNNNNNNN.parquet` (atomically).
pub fn write_ticks_part(dir: &Path, run: u64, table: &Table) -> Result<(), SweepError> {
    let path = dir.join("ticks").join(format!("run-{run:010}.parquet"));
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
    if a.metrics != b.metrics {
        d.push("metrics differ".to_string());
    }
    d.join(", ")
}

/// The id of a journal line, without parsing its metrics.
#[derive(Deserialize)]
struct RunOnly {
    run: u64,
}

/// Scans a journal: the runs it holds and the byte length of its intact
/// prefix (a torn or garbled last line is excluded). Each intact line is
/// passed to `line` with whether its run is new (duplicates are ignored).
fn scan_journal(
    path: &Path,
    total: u64,
    mut line_fn: impl FnMut(&[u8], bool) -> Result<(), SweepError>,
) -> Result<(RunSet, u64), SweepError> {
    let mut done = RunSet::default();
    let Ok(file) = File::open(path) else {
        return Ok((done, 0));
    };
    let mut reader = BufReader::new(file);
    let mut good = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| SweepError::io(path, e))?;
        if n == 0 || line.last() != Some(&b'\n') {
            break;
        }
        let Ok(r) = serde_json::from_slice::<RunOnly>(&line) else {
            break;
        };
        if r.run >= total {
            return Err(SweepError::Input(format!(
                "{}: run {} is outside this sweep (0..{total})",
                path.display(),
                r.run
            )));
        }
        good += n as u64;
        let fresh = done.insert(r.run);
        line_fn(&line, fresh)?;
    }
    Ok((done, good))
}

/// Byte offsets of each run's line in a journal, sorted by run id (16 bytes
/// per run: finalising a 100,000-run sweep needs under 2 MB).
fn journal_index(path: &Path, total: u64) -> Result<Vec<(u64, u64)>, SweepError> {
    let mut index = Vec::new();
    let mut offset = 0u64;
    scan_journal(path, total, |line, fresh| {
        if fresh {
            let r: RunOnly = serde_json::from_slice(line).expect("scanned lines parse");
            index.push((r.run, offset));
        }
        offset += line.len() as u64;
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
            "the run's seed: re-run alone with kyoso run --set KEY=VALUE ... --seed SEED",
            Values::U64(rows.iter().map(|r| r.seed).collect()),
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
        t = t.column(
            metric.clone(),
            "see docs/outputs.md",
            "end-of-run metric",
            Values::F64(rows.iter().map(|r| r.metrics[m]).collect()),
        );
    }
    t
}

/// Writes `runs.parquet`, `summary.csv` and (with ticks) `ticks.parquet`
/// from the journal, in run-id order, and completes the manifest.
fn finalize(dir: &Path, mut manifest: Manifest) -> Result<Manifest, SweepError> {
    let spec = manifest.spec.clone();
    let journal_path = dir.join("journal.jsonl");
    let index = journal_index(&journal_path, spec.total_runs())?;
    let points: Vec<Vec<toml::Value>> = spec
        .points
        .iter()
        .map(|p| p.iter().map(|v| parse_value(v)).collect())
        .collect();
    let mut acc = vec![vec![Accumulator::default(); spec.metrics.len()]; spec.points.len()];

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
            let r: RunRecord = serde_json::from_str(&line)
                .map_err(|e| SweepError::Input(format!("{}: {e}", journal_path.display())))?;
            if r.metrics.len() != spec.metrics.len() {
                return Err(SweepError::Input(format!(
                    "{}: run {} has {} metrics, expected {}",
                    journal_path.display(),
                    r.run,
                    r.metrics.len(),
                    spec.metrics.len()
                )));
            }
            for (m, x) in r.metrics.iter().enumerate() {
                acc[r.point as usize][m].push(*x);
            }
            rows.push(r);
        }
        stream.write(&runs_table(&spec, &points, &rows))?;
    }
    stream.finish()?;
    fs::rename(&runs_tmp, dir.join("runs.parquet")).map_err(|e| SweepError::io(dir, e))?;

    let mut csv = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["point".to_string()];
    header.extend(spec.keys.iter().cloned());
    header.extend(["metric", "n", "mean", "sd", "ci95_low", "ci95_high"].map(String::from));
    csv.write_record(&header).expect("in-memory csv");
    for (p, per_metric) in acc.iter().enumerate() {
        for (m, a) in per_metric.iter().enumerate() {
            let s = a.stats();
            if s.n == 0 {
                continue;
            }
            let mut row = vec![p.to_string()];
            row.extend(spec.points[p].iter().cloned());
            row.push(spec.metrics[m].clone());
            row.extend([
                s.n.to_string(),
                s.mean.to_string(),
                s.sd.to_string(),
                s.ci_low.to_string(),
                s.ci_high.to_string(),
            ]);
            csv.write_record(&row).expect("in-memory csv");
        }
    }
    atomic_write(
        &dir.join("summary.csv"),
        &csv.into_inner().expect("in-memory csv"),
    )?;

    if spec.keep_ticks {
        merge_ticks(dir, &index)?;
    }
    manifest.completed = ranges(index.iter().map(|x| x.0));
    manifest.complete = index.len() as u64 == manifest.runs_in_shard;
    manifest.write(dir)?;
    Ok(manifest)
}

/// Concatenates the per-run tick parts, in run order, into `ticks.parquet`.
fn merge_ticks(dir: &Path, index: &[(u64, u64)]) -> Result<(), SweepError> {
    let out_tmp = dir.join("ticks.parquet.tmp");
    let mut stream: Option<ParquetStream> = None;
    for &(run, _) in index {
        let part = dir.join("ticks").join(format!("run-{run:010}.parquet"));
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
        fs::rename(&out_tmp, dir.join("ticks.parquet")).map_err(|e| SweepError::io(dir, e))?;
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
    let mut shards = BTreeSet::new();
    for (m, p) in manifests.iter().zip(inputs) {
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
        if !m.complete {
            return Err(SweepError::Input(format!(
                "merge: {} (shard {}) is not complete; finish it with --resume first",
                p.display(),
                m.shard
            )));
        }
        if !shards.insert((shard.count, shard.index)) {
            return Err(SweepError::Input(format!(
                "merge: shard {} given twice",
                m.shard
            )));
        }
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
    for p in inputs {
        let (runs, _) = scan_journal(&p.join("journal.jsonl"), total, |line, _| {
            let r: RunOnly = serde_json::from_slice(line).expect("scanned lines parse");
            if seen.insert(r.run) {
                journal.extend_from_slice(line);
                if first.spec.keep_ticks {
                    let name = format!("run-{:010}.parquet", r.run);
                    fs::create_dir_all(dir.join("ticks")).map_err(|e| SweepError::io(&dir, e))?;
                    fs::copy(p.join("ticks").join(&name), dir.join("ticks").join(&name))
                        .map_err(|e| SweepError::io(p, e))?;
                }
            }
            Ok(())
        })?;
        let _ = runs;
    }
    write::bytes(&dir.join("journal.jsonl"), &journal)?;
    let shard = if seen.len() as u64 == total {
        Shard::ALL
    } else {
        Shard { index: 1, count: 1 }
    };
    let manifest = Manifest::new(&first.spec, shard);
    let manifest = finalize(&dir, manifest)?;
    if !manifest.complete {
        let missing = total - seen.len() as u64;
        return Err(SweepError::Input(format!(
            "merge: {missing} of {total} runs are missing; merge every shard 1/N..N/N"
        )));
    }
    staging.commit()?;
    Ok(manifest)
}

/// The completed runs of a sweep folder, sorted by run id, with the
/// manifest (whose `spec.metrics` names the metric values).
pub fn read_runs(dir: &Path) -> Result<(Manifest, Vec<RunRecord>), SweepError> {
    let manifest = Manifest::read(dir)?;
    let path = dir.join("journal.jsonl");
    let mut runs = Vec::new();
    scan_journal(&path, manifest.runs_total, |line, fresh| {
        if fresh {
            let r: RunRecord = serde_json::from_slice(line)
                .map_err(|e| SweepError::Input(format!("{}: {e}", path.display())))?;
            runs.push(r);
        }
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
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_path(path)
        .map_err(|e| derr(e.to_string()))?;
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
    Ok(Design { keys, points })
}
