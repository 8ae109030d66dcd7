//! The sweep runner: design points × replications on worker threads, each
//! completed run appended to the sweep folder's durable journal, resumable
//! and shardable. Every face (command line, experiments, exploration,
//! Python) runs sweeps through [`run_sweep`].

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kyoso_core::Scenario;
use kyoso_core::silent_rivalry::run_scenario;
use kyoso_core::sweep::{Design, Shard, parse_vary};
use kyoso_io::sweep::{Manifest, RunRecord, SweepDir, SweepSpec, read_design};
use kyoso_io::table::Table;

use crate::{EngineError, ScenarioInputs};

/// Models a sweep can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepModel {
    /// The silent-rivalry market model.
    SilentRivalry,
    /// The spatial prisoner's dilemma (Nowak and May 1992).
    SpatialPd,
    /// The evolution of ethnocentrism (Hammond and Axelrod 2006).
    Ethnocentrism,
    /// An iterated prisoner's dilemma tournament.
    Tournament,
}

impl SweepModel {
    /// Every model, in the order the command line lists them.
    pub const ALL: [SweepModel; 4] = [
        SweepModel::SilentRivalry,
        SweepModel::SpatialPd,
        SweepModel::Ethnocentrism,
        SweepModel::Tournament,
    ];

    /// The model's name as manifests and the command line spell it.
    pub fn name(self) -> &'static str {
        match self {
            SweepModel::SilentRivalry => "silent-rivalry",
            SweepModel::SpatialPd => "spatial-pd",
            SweepModel::Ethnocentrism => "ethnocentrism",
            SweepModel::Tournament => "tournament",
        }
    }

    /// The model of a name, if any.
    pub fn from_name(name: &str) -> Option<SweepModel> {
        SweepModel::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// What a face reports progress to and asks whether to stop. Called from
/// the journal thread, except [`Monitor::should_stop`], which workers
/// call before each run.
pub trait Monitor: Sync {
    /// `done` of `total` design points validated (called every 256 points).
    fn on_validate(&self, _done: usize, _total: usize) {}
    /// The sweep starts: `total` runs in this shard, `completed` already done.
    fn on_start(&self, _total: u64, _completed: usize) {}
    /// One more run is in the journal.
    fn on_run_done(&self) {}
    /// No more runs will start (finished, failed or stopped).
    fn on_end(&self) {}
    /// Whether to stop after the runs in progress (a signal, a cancel button).
    fn should_stop(&self) -> bool {
        false
    }
}

/// A monitor that shows nothing and never stops.
pub struct Silent;

impl Monitor for Silent {}

/// One sweep as a face asks for it.
#[derive(Debug, Clone)]
pub struct SweepRequest {
    pub model: SweepModel,
    /// The base scenario (or a classic model's base parameters).
    pub inputs: ScenarioInputs,
    /// Grid axes, `key=v1,v2` or `key=start:stop:count` (full grid).
    pub vary: Vec<String>,
    /// A design CSV (crossed with the grid, if any).
    pub design: Option<PathBuf>,
    /// Replications of every design point (at least 1).
    pub reps: u32,
    /// Worker threads (default: the number of CPUs).
    pub jobs: Option<usize>,
    /// `I/N`: run only shard I of N.
    pub shard: Option<String>,
    /// Continue the sweep already in `out`.
    pub resume: bool,
    /// Also keep every run's per-step table (ticks.parquet).
    pub keep_ticks: bool,
    /// Also keep every run's firm-level rows every this many ticks
    /// (firm_ticks.parquet; silent rivalry only).
    pub firm_ticks: Option<u32>,
    /// Common random numbers: replication r of every point has the same seed.
    pub common_seeds: bool,
    /// The sweep folder.
    pub out: PathBuf,
}

impl SweepRequest {
    /// A request with the defaults: no grid, no design, all CPUs, one shard.
    pub fn new(model: SweepModel, inputs: ScenarioInputs, reps: u32, out: &Path) -> SweepRequest {
        SweepRequest {
            model,
            inputs,
            vary: Vec::new(),
            design: None,
            reps,
            jobs: None,
            shard: None,
            resume: false,
            keep_ticks: false,
            firm_ticks: None,
            common_seeds: false,
            out: out.to_path_buf(),
        }
    }
}

/// A finished sweep (or shard).
#[derive(Debug)]
pub struct SweepOutcome {
    pub manifest: Manifest,
    /// The sweep folder.
    pub out: PathBuf,
    /// Design points of the whole sweep.
    pub points: usize,
    /// Runs done in this shard.
    pub completed: usize,
}

/// The design a request names: its grid, crossed with its design file.
pub fn build_design(request: &SweepRequest) -> Result<Design, EngineError> {
    let mut axes = Vec::new();
    for v in &request.vary {
        axes.push(parse_vary(v).map_err(EngineError::input)?);
    }
    let grid = Design::grid(axes).map_err(EngineError::input)?;
    match &request.design {
        Some(path) => read_design(path)
            .map_err(EngineError::input)?
            .cross(grid)
            .map_err(EngineError::input),
        None => Ok(grid),
    }
}

/// The model of `model` with every design point resolved and validated.
pub fn target(
    model: SweepModel,
    inputs: &ScenarioInputs,
    design: &Design,
    monitor: &dyn Monitor,
) -> Result<Box<dyn SweepTarget>, EngineError> {
    Ok(match model {
        SweepModel::SilentRivalry => {
            let (base, _source) = inputs.resolve()?;
            Box::new(SilentRivalrySweep::new(&base, design, monitor)?)
        }
        SweepModel::SpatialPd => Box::new(crate::classic::SpatialPdSweep::new(inputs, design)?),
        SweepModel::Ethnocentrism => {
            Box::new(crate::classic::EthnocentrismSweep::new(inputs, design)?)
        }
        SweepModel::Tournament => Box::new(crate::classic::TournamentSweep::new(inputs, design)?),
    })
}

/// Runs a sweep (or one shard of it) to the end, or until the monitor asks
/// to stop ([`EngineError::Interrupted`]: the runs done are kept and
/// `resume` continues). Everything is checked before the first run.
pub fn run_sweep(
    request: &SweepRequest,
    monitor: &dyn Monitor,
) -> Result<SweepOutcome, EngineError> {
    let design = build_design(request)?;
    kyoso_core::sweep::check_size(design.points.len(), request.reps).map_err(EngineError::input)?;
    let shard = match &request.shard {
        Some(s) => Shard::parse(s).map_err(EngineError::input)?,
        None => Shard::ALL,
    };
    let target = target(request.model, &request.inputs, &design, monitor)?;
    let base = target.base();
    let spec = SweepSpec::new(
        base.model,
        base.text,
        base.seed,
        request.reps,
        &design,
        target.metric_names(),
        request.keep_ticks,
    )
    .with_common_seeds(request.common_seeds)
    .with_firm_ticks(request.firm_ticks);
    if request.firm_ticks.is_some() && request.model != SweepModel::SilentRivalry {
        return Err(EngineError::input(
            "--firm-ticks: firm-level rows exist for the silent-rivalry model only",
        ));
    }
    let mut dir = SweepDir::open(&request.out, &spec, shard, request.resume)?;
    let total_in_shard = dir.shard_runs() as usize;
    let to_run = total_in_shard - dir.completed();
    let jobs = request
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    monitor.on_start(total_in_shard as u64, dir.completed());

    let reps = request.reps as u64;
    let keep_ticks = request.keep_ticks;
    let firm_ticks = request.firm_ticks;
    let next = AtomicUsize::new(0);
    // Bounded: workers wait for the journal rather than pile up results in memory.
    let (tx, rx) = mpsc::sync_channel::<Result<RunRecord, EngineError>>(256);
    let done_before = dir.done().clone();
    let total_runs = spec.total_runs();
    let result = std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, to_run.max(1)) {
            let tx = tx.clone();
            let (next, done_before, target, spec, dir_path) = (
                &next,
                &done_before,
                &target,
                &spec,
                dir.path().to_path_buf(),
            );
            scope.spawn(move || {
                loop {
                    if monitor.should_stop() {
                        break;
                    }
                    // The k-th run of the shard: runs r with r % N == I - 1.
                    let k = next.fetch_add(1, Ordering::Relaxed) as u64;
                    let run = k * shard.count as u64 + (shard.index - 1) as u64;
                    if run >= total_runs {
                        break;
                    }
                    if done_before.contains(run) {
                        continue;
                    }
                    let (point, rep) = (run / reps, run % reps);
                    let seed = spec.seed_of(point, rep);
                    let done = run_one(
                        target.as_ref(),
                        run,
                        point,
                        rep as u32,
                        seed,
                        Keep {
                            dir: dir_path.as_path(),
                            ticks: keep_ticks,
                            firm_ticks,
                        },
                    );
                    if tx.send(done).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Group commit: completed runs are fsynced in small batches.
        let mut batch: Vec<RunRecord> = Vec::new();
        let mut last_sync = Instant::now();
        for done in rx {
            let record = match done {
                Ok(r) => r,
                Err(f) => {
                    next.store(usize::MAX / 2, Ordering::Relaxed);
                    return Err(f);
                }
            };
            batch.push(record);
            monitor.on_run_done();
            if batch.len() >= 64 || last_sync.elapsed() > Duration::from_millis(200) {
                dir.append(&batch)?;
                batch.clear();
                last_sync = Instant::now();
            }
        }
        dir.append(&batch).map_err(EngineError::from)
    });
    monitor.on_end();
    result?;
    if monitor.should_stop() && dir.completed() < total_in_shard {
        return Err(EngineError::Interrupted(format!(
            "interrupted; {} of {} runs are done and kept in {}: continue with --resume",
            dir.completed(),
            total_in_shard,
            dir.path().display()
        )));
    }
    let completed = dir.completed();
    let out = dir.path().to_path_buf();
    let manifest = dir.finalize()?;
    Ok(SweepOutcome {
        manifest,
        out,
        points: design.points.len(),
        completed,
    })
}

/// What a sweep records of its model: name, base parameters (TOML) and
/// the base seed from which run seeds derive.
pub struct SweepBase {
    pub model: &'static str,
    pub text: String,
    pub seed: u64,
}

/// A model as a sweep sees it: its validated design points, its
/// end-of-run metrics and one run. Implementations resolve and validate
/// every point up front, so a bad design fails before any run.
/// A run's metrics, its per-step table (when kept) and its firm-level
/// rows, one table per recorded tick.
pub type WithFirmTicks = (Vec<f64>, Option<Table>, Vec<Table>);

pub trait SweepTarget: Sync {
    /// The model, its resolved base parameters and its base seed.
    fn base(&self) -> SweepBase;
    /// Names of the end-of-run metrics, in the order `run` returns them.
    fn metric_names(&self) -> Vec<String>;
    /// Runs design point `point` with `seed`: the metrics, and the per-step
    /// table when `keep_ticks`.
    fn run(
        &self,
        point: usize,
        seed: u64,
        keep_ticks: bool,
    ) -> Result<(Vec<f64>, Option<Table>), EngineError>;
    /// [`SweepTarget::run`] that also returns the firm-level rows every
    /// `every` ticks, one table per recorded tick (`--firm-ticks`).
    fn run_with_firm_ticks(
        &self,
        _point: usize,
        _seed: u64,
        _keep_ticks: bool,
        _every: u32,
    ) -> Result<WithFirmTicks, EngineError> {
        Err(EngineError::input(
            "--firm-ticks: firm-level rows exist for the silent-rivalry model only",
        ))
    }
}

/// The silent-rivalry model in a sweep. Every point is validated up
/// front, but only the design is kept: a point's scenario is built again
/// when it runs, so memory does not grow with the number of points.
pub struct SilentRivalrySweep {
    base: Scenario,
    builder: kyoso_core::ScenarioBuilder,
    design: Design,
    metrics: Vec<String>,
}

impl SilentRivalrySweep {
    /// Layers every design point on the base scenario and validates it.
    pub fn new(
        base: &Scenario,
        design: &Design,
        monitor: &dyn Monitor,
    ) -> Result<SilentRivalrySweep, EngineError> {
        let builder = kyoso_core::ScenarioBuilder::new()
            .file("base scenario", &base.to_toml())
            .map_err(EngineError::input)?;
        let mut sweep = SilentRivalrySweep {
            base: base.clone(),
            builder,
            design: design.clone(),
            metrics: Vec::new(),
        };
        let total = design.points.len();
        for p in 0..total {
            sweep.point(p)?;
            if p % 256 == 0 {
                monitor.on_validate(p, total);
            }
        }
        monitor.on_validate(total, total);
        // Metric names from a one-tick probe, so they always match the
        // runs; the schedule's waves (the last metrics) are named by count.
        let mut probe = sweep.point(0)?;
        let waves = probe.wave_count();
        probe.run.ticks = 1;
        probe.schedule.clear();
        let out = run_scenario(&probe, |_, _| {}, || false)
            .map_err(EngineError::input)?
            .expect("not cancelled");
        sweep.metrics = out.summary.metrics().into_iter().map(|(k, _)| k).collect();
        sweep
            .metrics
            .extend(kyoso_core::silent_rivalry::Summary::wave_metric_names(
                waves,
            ));
        Ok(sweep)
    }

    /// The validated scenario of design point `p`.
    fn point(&self, p: usize) -> Result<Scenario, EngineError> {
        let sets = self.design.assignments(p);
        let origin = format!("design point {p} ({})", self.design.origin(p));
        let fail = |e: kyoso_core::ScenarioError| {
            EngineError::input(format!("{e}\n  ({origin}: {})", sets.join(", ")))
        };
        let mut b = self.builder.clone();
        for s in &sets {
            b = b.set_as(s, &origin).map_err(fail)?;
        }
        b.build().map_err(fail)
    }
}

impl SweepTarget for SilentRivalrySweep {
    fn base(&self) -> SweepBase {
        SweepBase {
            model: "silent-rivalry",
            text: self.base.to_toml(),
            seed: self.base.run.seed,
        }
    }

    fn metric_names(&self) -> Vec<String> {
        self.metrics.clone()
    }

    fn run(
        &self,
        point: usize,
        seed: u64,
        keep_ticks: bool,
    ) -> Result<(Vec<f64>, Option<Table>), EngineError> {
        let mut s = self.point(point)?;
        s.run.seed = seed;
        let out = run_scenario(&s, |_, _| {}, || false)
            .map_err(EngineError::input)?
            .expect("never cancelled");
        let ticks = keep_ticks.then(|| kyoso_io::tables::ticks(&out));
        Ok((
            out.summary.metrics().into_iter().map(|(_, v)| v).collect(),
            ticks,
        ))
    }

    fn run_with_firm_ticks(
        &self,
        point: usize,
        seed: u64,
        keep_ticks: bool,
        every: u32,
    ) -> Result<WithFirmTicks, EngineError> {
        let mut s = self.point(point)?;
        s.run.seed = seed;
        let mut firm_ticks = Vec::new();
        let out = kyoso_core::silent_rivalry::run_scenario_with(&s, Some(every), |sim| {
            if let Some(rows) = sim.firm_ticks() {
                firm_ticks.push(kyoso_io::tables::firm_ticks(rows));
            }
            true
        })
        .map_err(EngineError::input)?
        .expect("never cancelled");
        let ticks = keep_ticks.then(|| kyoso_io::tables::ticks(&out));
        Ok((
            out.summary.metrics().into_iter().map(|(_, v)| v).collect(),
            ticks,
            firm_ticks,
        ))
    }
}

/// What a sweep keeps of each run besides its metrics.
#[derive(Debug, Clone, Copy)]
struct Keep<'a> {
    /// The sweep folder, when anything is kept.
    dir: &'a Path,
    ticks: bool,
    firm_ticks: Option<u32>,
}

fn run_one(
    target: &dyn SweepTarget,
    run: u64,
    point: u64,
    rep: u32,
    seed: u64,
    keep: Keep<'_>,
) -> Result<RunRecord, EngineError> {
    let (metrics, ticks) = match keep.firm_ticks {
        Some(every) => {
            let (metrics, ticks, firm_ticks) =
                target.run_with_firm_ticks(point as usize, seed, keep.ticks, every)?;
            let parts: Vec<Table> = firm_ticks
                .into_iter()
                .map(|t| with_run_columns("firm_ticks", t, run, point, rep))
                .collect();
            kyoso_io::sweep::write_firm_ticks_parts(keep.dir, run, &parts)?;
            (metrics, ticks)
        }
        None => target.run(point as usize, seed, keep.ticks)?,
    };
    if let Some(ticks) = ticks.filter(|_| keep.ticks) {
        kyoso_io::sweep::write_ticks_part(
            keep.dir,
            run,
            &with_run_columns("ticks", ticks, run, point, rep),
        )?;
    }
    Ok(RunRecord::new(run, point, rep, seed, &metrics))
}

/// A run's table with run, point and rep columns in front.
fn with_run_columns(name: &'static str, ticks: Table, run: u64, point: u64, rep: u32) -> Table {
    use kyoso_io::table::Values;
    let n = ticks.rows();
    let mut t = Table::new(name)
        .column(
            "run",
            "id",
            "run id (see runs.parquet)",
            Values::U64(vec![run; n]),
        )
        .column("point", "id", "design point", Values::U64(vec![point; n]))
        .column("rep", "index", "replication", Values::U32(vec![rep; n]));
    t.columns.extend(ticks.columns);
    t
}

/// Merges the shard folders of one sweep into `out`.
pub fn merge(inputs: &[PathBuf], out: &Path) -> Result<Manifest, EngineError> {
    Ok(kyoso_io::sweep::merge(inputs, out)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    fn request(dir: &Path, reps: u32) -> SweepRequest {
        let inputs = ScenarioInputs {
            ticks: Some(6),
            ..ScenarioInputs::default()
        };
        let mut r = SweepRequest::new(SweepModel::SilentRivalry, inputs, reps, &dir.join("s"));
        r.vary = vec!["encounters.detect=0.2,0.8".into()];
        r.jobs = Some(2);
        r
    }

    #[test]
    fn every_metric_of_every_model_is_documented() {
        let design = kyoso_core::sweep::Design::grid(Vec::new()).unwrap();
        let cases = [
            (SweepModel::SilentRivalry, vec![]),
            // Waves add metrics.
            (
                SweepModel::SilentRivalry,
                vec!["12:enter.JP=3".to_string(), "30:enter.LOCAL=2".to_string()],
            ),
            (SweepModel::SpatialPd, vec![]),
            (SweepModel::Ethnocentrism, vec![]),
            (SweepModel::Tournament, vec![]),
        ];
        for (model, at) in cases {
            let inputs = ScenarioInputs {
                at,
                ..ScenarioInputs::default()
            };
            let t = target(model, &inputs, &design, &Silent).unwrap();
            let base = t.base();
            let names = t.metric_names();
            assert!(!names.is_empty());
            for name in names {
                assert!(
                    kyoso_core::metric_docs::find(base.model, &name).is_some(),
                    "{}: `{name}` is not documented in kyoso_core::metric_docs",
                    base.model
                );
            }
        }
    }

    /// Stops after `after` runs have reached the journal.
    struct StopAfter {
        after: usize,
        done: AtomicUsize,
        started: AtomicBool,
    }

    impl Monitor for StopAfter {
        fn on_start(&self, _total: u64, _completed: usize) {
            self.started.store(true, Ordering::SeqCst);
        }
        fn on_run_done(&self) {
            self.done.fetch_add(1, Ordering::SeqCst);
        }
        fn should_stop(&self) -> bool {
            self.done.load(Ordering::SeqCst) >= self.after
        }
    }

    #[test]
    fn a_stopped_sweep_resumes_to_the_same_journal_as_an_unstopped_one() {
        let tmp = tempfile::tempdir().unwrap();
        let whole = run_sweep(&request(tmp.path(), 4), &Silent).unwrap();
        assert_eq!((whole.points, whole.completed), (2, 8));

        let other = tempfile::tempdir().unwrap();
        let stop = StopAfter {
            after: 3,
            done: AtomicUsize::new(0),
            started: AtomicBool::new(false),
        };
        let e = run_sweep(&request(other.path(), 4), &stop).unwrap_err();
        assert!(stop.started.load(Ordering::SeqCst));
        assert_eq!(e.exit_code(), 130, "{e}");
        let mut again = request(other.path(), 4);
        again.resume = true;
        let resumed = run_sweep(&again, &Silent).unwrap();
        assert_eq!(resumed.completed, 8);
        let read = |d: &Path| std::fs::read(d.join("summary.csv")).unwrap();
        assert_eq!(read(&whole.out), read(&resumed.out));
    }

    #[test]
    fn bad_requests_are_input_errors_before_any_folder_is_made() {
        let tmp = tempfile::tempdir().unwrap();
        let mut r = request(tmp.path(), 0);
        assert_eq!(run_sweep(&r, &Silent).unwrap_err().exit_code(), 2);
        r.reps = 2;
        r.vary = vec!["encounters.detect=2".into()];
        assert_eq!(run_sweep(&r, &Silent).unwrap_err().exit_code(), 2);
        r.vary.clear();
        r.shard = Some("3/2".into());
        assert_eq!(run_sweep(&r, &Silent).unwrap_err().exit_code(), 2);
        assert!(!r.out.exists());
    }

    #[test]
    fn common_seeds_give_every_point_the_same_seed_per_replication() {
        let tmp = tempfile::tempdir().unwrap();
        let mut r = request(tmp.path(), 3);
        r.common_seeds = true;
        let out = run_sweep(&r, &Silent).unwrap();
        let (manifest, runs) = kyoso_io::sweep::read_runs(&out.out).unwrap();
        assert!(manifest.seed_rule.contains("common random numbers"));
        for rep in 0..3 {
            let seeds: Vec<u64> = runs
                .iter()
                .filter(|x| x.rep == rep)
                .map(|x| x.seed)
                .collect();
            assert_eq!(seeds.len(), 2);
            assert_eq!(seeds[0], seeds[1], "rep {rep}");
        }
        // Without: each point its own seeds, and another sweep identity.
        let other = tempfile::tempdir().unwrap();
        let plain = run_sweep(&request(other.path(), 3), &Silent).unwrap();
        let (m2, runs2) = kyoso_io::sweep::read_runs(&plain.out).unwrap();
        assert_ne!(m2.sweep_id, manifest.sweep_id);
        assert_ne!(runs2[0].seed, runs2[3].seed);
        // Resuming with the other seed rule is refused (another sweep).
        let mut mixed = request(tmp.path(), 3);
        mixed.resume = true;
        assert_eq!(run_sweep(&mixed, &Silent).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn model_names_round_trip() {
        for m in SweepModel::ALL {
            assert_eq!(SweepModel::from_name(m.name()), Some(m));
        }
        assert_eq!(SweepModel::from_name("moran"), None);
    }
}
