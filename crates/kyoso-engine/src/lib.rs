//! kyoso's engine: the orchestration every face calls (the command line,
//! the live view, the Python package). It resolves scenario inputs, runs
//! sweeps on worker threads with a durable journal (resume, shards), and
//! knows every model as a sweep target. It prints nothing: progress and
//! interruption pass through a [`sweep::Monitor`] the face supplies.

pub mod classic;
pub mod classic_tables;
pub mod drivers;
pub mod experiment;
pub mod explore;
pub mod explore_report;
mod scenario;
pub mod sweep;

pub use scenario::{ResolveError, SCENARIO_FILE_LIMIT, ScenarioFile, ScenarioInputs};

/// Checks the folder a resumable command works in: absent, empty, or
/// (with `resume`) one that holds only entries `ours` accepts, so nothing
/// is written into a user's folder or another command's output. `kind` is
/// what the folder holds, with its article ("an experiment"), and
/// `writer` the command ("`kyoso explore run`").
pub fn check_work_folder(
    out: &std::path::Path,
    resume: bool,
    kind: &str,
    writer: &str,
    ours: impl Fn(&str) -> bool,
) -> Result<(), EngineError> {
    if kyoso_io::folder::check_folder_can_exist(out).is_err() || (out.exists() && !out.is_dir()) {
        return Err(EngineError::input(format!(
            "{}: exists and is not a folder (or lies under a file)",
            out.display()
        )));
    }
    let Ok(entries) = std::fs::read_dir(out) else {
        return Ok(());
    };
    let names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let noun = kind.split_once(' ').map_or(kind, |(_, n)| n);
    if !resume {
        return Err(EngineError::input(format!(
            "{}: folder exists and is not empty; use --resume to continue that {noun}, or another --out",
            out.display()
        )));
    }
    if let Some(other) = names.iter().find(|n| !ours(n)) {
        return Err(EngineError::input(format!(
            "{}: --resume: `{other}` is not something {writer} writes; this is not {kind} folder",
            out.display()
        )));
    }
    Ok(())
}

/// What went wrong, and so which exit status a command line gives.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Bad input or usage (exit status 2): nothing was run or written.
    #[error("{0}")]
    Input(String),
    /// A failure while running or writing (exit status 1).
    #[error("{0}")]
    Runtime(String),
    /// Stopped on request (exit status 130); what was done is kept.
    #[error("{0}")]
    Interrupted(String),
}

impl EngineError {
    /// Bad input.
    pub fn input(message: impl std::fmt::Display) -> EngineError {
        EngineError::Input(message.to_string())
    }

    /// A runtime failure.
    pub fn runtime(message: impl std::fmt::Display) -> EngineError {
        EngineError::Runtime(message.to_string())
    }

    /// The exit status a command line gives for it: 2, 1 or 130.
    pub fn exit_code(&self) -> u8 {
        match self {
            EngineError::Input(_) => 2,
            EngineError::Runtime(_) => 1,
            EngineError::Interrupted(_) => 130,
        }
    }
}

impl From<kyoso_io::OutputError> for EngineError {
    fn from(e: kyoso_io::OutputError) -> EngineError {
        if e.is_input() {
            EngineError::input(e)
        } else {
            EngineError::runtime(e)
        }
    }
}

impl From<kyoso_io::sweep::SweepError> for EngineError {
    fn from(e: kyoso_io::sweep::SweepError) -> EngineError {
        match e {
            kyoso_io::sweep::SweepError::Input(m) => EngineError::Input(m),
            kyoso_io::sweep::SweepError::Output(o) => o.into(),
        }
    }
}
