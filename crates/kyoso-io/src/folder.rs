//! Output folders that appear whole or not at all, and never at the cost
//! of anything kyoso did not write.
//!
//! - A folder is filled in a hidden staging folder beside it
//!   (`.kyoso-partial-<pid>-<random>`) and renamed into place when complete.
//! - `--force` replaces only a folder that kyoso wrote ([`is_kyoso_output`]),
//!   never the current folder, one of its ancestors, the home folder, the
//!   root, a symbolic link, or a path with a `..` component
//!   ([`check_replaceable`]). The old folder is moved aside first and
//!   removed only once the new one is in place.
//! - A default output name (`runs/default-seed42-NNN`) is claimed at the
//!   moment of the rename, atomically ([`Staging::commit_first_free`]), so
//!   parallel runs never collide.
//! - Staging folders of processes that died (SIGKILL, power loss) are
//!   removed at the next start in the same parent folder
//!   ([`remove_stale_staging`]); those of live processes are left alone.
//!   Staging folders of this process are listed in a registry so that a
//!   signal handler can remove them before exiting ([`remove_active_staging`]).

use std::collections::BTreeSet;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use crate::OutputError;

/// Prefix of a staging folder being filled.
pub const PARTIAL_PREFIX: &str = ".kyoso-partial-";
/// Prefix of a replaced folder moved aside, removed once the new one is in place.
pub const REPLACED_PREFIX: &str = ".kyoso-replaced-";

/// Staging folders of this process that are not committed yet.
static ACTIVE: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// Removes every staging folder this process has not committed yet. For a
/// signal handler that is about to exit: what it leaves (a file being
/// written at that moment) is removed at the next start.
pub fn remove_active_staging() {
    let active = match ACTIVE.lock() {
        Ok(a) => a.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    for path in active {
        let _ = std::fs::remove_dir_all(path);
    }
}

fn register(path: &Path, active: bool) {
    let mut set = match ACTIVE.lock() {
        Ok(a) => a,
        Err(poisoned) => poisoned.into_inner(),
    };
    if active {
        set.insert(path.to_path_buf());
    } else {
        set.remove(path);
    }
}

/// Why `--force` may not replace a folder; `None` if it may.
///
/// A folder may be replaced only if it is a kyoso output folder
/// ([`is_kyoso_output`]) reached without `..`, not a symbolic link, and
/// neither the current folder, an ancestor of it, the home folder nor the
/// root.
pub fn check_replaceable(target: &Path) -> Option<String> {
    if target
        .components()
        .any(|c| matches!(c, Component::ParentDir))
    {
        return Some(
            "the path has a `..` component; --force only replaces a folder named without `..`"
                .into(),
        );
    }
    if target
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
    {
        return Some("it is a symbolic link; --force only replaces a real folder".into());
    }
    let Ok(canonical) = target.canonicalize() else {
        return Some("its full path cannot be resolved".into());
    };
    if canonical.parent().is_none() {
        return Some("it is the root folder".into());
    }
    if let Ok(cwd) = std::env::current_dir().and_then(|d| d.canonicalize())
        && cwd.starts_with(&canonical)
    {
        return Some(if cwd == canonical {
            "it is the current folder".into()
        } else {
            "it contains the current folder".into()
        });
    }
    if let Some(home) = std::env::var_os("HOME")
        .map(PathBuf::from)
        .and_then(|h| h.canonicalize().ok())
        && home.starts_with(&canonical)
    {
        return Some("it is the home folder or contains it".into());
    }
    if !is_kyoso_output(&canonical) {
        return Some("it is not a folder kyoso wrote (no kyoso summary.json or manifest.json, or files kyoso does not write)".into());
    }
    None
}

/// File extensions kyoso writes into an output folder.
const KYOSO_EXTENSIONS: [&str; 9] = [
    "toml", "parquet", "csv", "json", "jsonl", "html", "md", "png", "svg",
];
/// Subfolders kyoso writes into an output folder.
const KYOSO_SUBFOLDERS: [&str; 2] = ["figures", "ticks"];

/// Whether `dir` holds a kyoso output: a `summary.json` or `manifest.json`
/// whose top level names `kyoso_version`, and nothing but the kinds of
/// files and subfolders kyoso writes (so a folder in which a user keeps
/// files of their own is never replaced).
pub fn is_kyoso_output(dir: &Path) -> bool {
    let provenance = ["summary.json", "manifest.json"].iter().any(|name| {
        std::fs::read_to_string(dir.join(name))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|v| v.get("kyoso_version").is_some_and(|x| x.is_string()))
    });
    provenance && only_kyoso_files(dir, 0)
}

fn only_kyoso_files(dir: &Path, depth: usize) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    for entry in entries {
        let Ok(entry) = entry else { return false };
        let Ok(kind) = entry.file_type() else {
            return false;
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ok = if kind.is_dir() {
            depth == 0
                && KYOSO_SUBFOLDERS.contains(&name.as_ref())
                && only_kyoso_files(&entry.path(), depth + 1)
        } else if kind.is_file() {
            Path::new(name.as_ref())
                .extension()
                .is_some_and(|e| KYOSO_EXTENSIONS.contains(&e.to_string_lossy().as_ref()))
        } else {
            false
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Checks that `target` may be written: absent, an empty folder, or a
/// replaceable kyoso folder with `force`.
pub fn check_target(target: &Path, force: bool) -> Result<(), OutputError> {
    if force
        && target
            .components()
            .any(|c| matches!(c, Component::ParentDir))
    {
        return Err(OutputError::NotReplaceable(
            target.into(),
            "the path has a `..` component; --force only replaces a folder named without `..`"
                .into(),
        ));
    }
    if target
        .file_name()
        .is_some_and(|n| n.as_encoded_bytes().len() > 255)
    {
        return Err(OutputError::Unusable(
            target.into(),
            "its name is longer than 255 bytes, the most a file system allows".into(),
        ));
    }
    if target.symlink_metadata().is_err() {
        return check_folder_can_exist(target);
    }
    if !target.is_dir() {
        return Err(OutputError::NotADirectory(target.into()));
    }
    let empty = std::fs::read_dir(target)
        .map_err(|e| OutputError::Io(target.into(), e))?
        .next()
        .is_none();
    if empty {
        return Ok(());
    }
    if !force {
        return Err(OutputError::Exists(target.into()));
    }
    match check_replaceable(target) {
        None => Ok(()),
        Some(why) => Err(OutputError::NotReplaceable(target.into(), why)),
    }
}

/// Refuses a path that cannot become a folder because its nearest existing
/// ancestor (or the path itself) is a file, so that `--out file.txt/sub`
/// is bad input found before any work, not a failure after it.
pub fn check_folder_can_exist(path: &Path) -> Result<(), OutputError> {
    for p in path.ancestors() {
        if p.as_os_str().is_empty() {
            break;
        }
        if let Ok(meta) = std::fs::metadata(p) {
            return if meta.is_dir() {
                Ok(())
            } else {
                Err(OutputError::NotADirectory(p.into()))
            };
        }
    }
    Ok(())
}

/// Whether a process with this id is alive (or might be: when in doubt, yes).
fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        // SAFETY: kill with signal 0 sends nothing; it only checks the pid.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// The pid in a staging folder's name (`.kyoso-partial-<pid>-<random>`).
fn staging_pid(name: &str) -> Option<u32> {
    let rest = name
        .strip_prefix(PARTIAL_PREFIX)
        .or_else(|| name.strip_prefix(REPLACED_PREFIX))?;
    rest.split_once('-')?.0.parse().ok()
}

/// Removes the staging folders in `parent` whose process has died.
/// Returns how many were removed. Folders of live processes, and hidden
/// folders without a pid in their name, are left alone.
pub fn remove_stale_staging(parent: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = staging_pid(&name.to_string_lossy()) else {
            continue;
        };
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir
            && pid != std::process::id()
            && !process_alive(pid)
            && std::fs::remove_dir_all(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// Renames `from` to `to` unless `to` exists (atomically where the system
/// can: `renameat2(RENAME_NOREPLACE)` on Linux). An existing `to` gives
/// `ErrorKind::AlreadyExists`.
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let cstr = |p: &Path| {
            CString::new(p.as_os_str().as_bytes())
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path has a NUL byte"))
        };
        let (a, b) = (cstr(from)?, cstr(to)?);
        // SAFETY: both are valid NUL-terminated paths for the call's duration.
        let r = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_NOREPLACE,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        // Filesystems without RENAME_NOREPLACE fall through to the check below.
        if !matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) {
            return Err(e);
        }
    }
    if to.symlink_metadata().is_ok() {
        return Err(io::Error::new(io::ErrorKind::AlreadyExists, "exists"));
    }
    std::fs::rename(from, to)
}

/// A hidden staging folder next to the target, removed on drop unless committed.
#[derive(Debug)]
pub struct Staging {
    tmp: Option<tempfile::TempDir>,
    target: PathBuf,
    force: bool,
}

fn parent_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl Staging {
    /// Creates the staging folder (and the target's parent if needed),
    /// after removing stale staging folders of dead processes there.
    pub fn new(target: &Path, force: bool) -> Result<Staging, OutputError> {
        check_target(target, force)?;
        Staging::create(&parent_of(target), target, force)
    }

    /// A staging folder in `parent`, for [`Staging::commit_first_free`]
    /// (the output's name is chosen when it is complete).
    pub fn new_in(parent: &Path) -> Result<Staging, OutputError> {
        Staging::create(parent, parent, false)
    }

    fn create(parent: &Path, target: &Path, force: bool) -> Result<Staging, OutputError> {
        let parent = parent.to_path_buf();
        std::fs::create_dir_all(&parent).map_err(|e| OutputError::Io(parent.clone(), e))?;
        remove_stale_staging(&parent);
        let tmp = tempfile::Builder::new()
            .prefix(&format!("{PARTIAL_PREFIX}{}-", std::process::id()))
            .tempdir_in(&parent)
            .map_err(|e| OutputError::Io(parent.clone(), e))?;
        register(tmp.path(), true);
        Ok(Staging {
            tmp: Some(tmp),
            target: target.to_path_buf(),
            force,
        })
    }

    /// Where to write files now.
    pub fn path(&self) -> &Path {
        self.tmp.as_ref().expect("present until committed").path()
    }

    /// Moves the complete output into place. A replaced folder (with
    /// `force`) is moved aside first and removed only after the new one
    /// is in place; if that fails it is moved back.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        check_target(&self.target, self.force)?;
        let tmp = self.tmp.take().expect("present until committed");
        let target = self.target.clone();
        let io = |e| OutputError::Io(target.clone(), e);
        let nonempty = target.is_dir() && std::fs::read_dir(&target).map_err(io)?.next().is_some();
        let mut aside = None;
        if nonempty {
            let name = format!(
                "{REPLACED_PREFIX}{}-{}",
                std::process::id(),
                tmp.path()
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            );
            let moved = parent_of(&target).join(name);
            std::fs::rename(&target, &moved).map_err(io)?;
            aside = Some(moved);
        }
        // rename(2) replaces an empty folder; a folder filled meanwhile fails.
        if let Err(e) = std::fs::rename(tmp.path(), &target) {
            if let Some(moved) = &aside {
                let _ = std::fs::rename(moved, &target);
            }
            self.tmp = Some(tmp);
            return Err(io(e));
        }
        register(tmp.path(), false);
        let _ = tmp.keep();
        if let Some(moved) = aside {
            std::fs::remove_dir_all(&moved).map_err(|e| OutputError::Io(moved.clone(), e))?;
        }
        Ok(target)
    }

    /// Moves the complete output to the first name of `candidates` that is
    /// free at that moment, atomically: parallel processes never take the
    /// same name, and nothing exists under the name before it is complete.
    pub fn commit_first_free(
        mut self,
        candidates: impl IntoIterator<Item = PathBuf>,
    ) -> Result<PathBuf, OutputError> {
        let tmp = self.tmp.take().expect("present until committed");
        for candidate in candidates {
            match rename_noreplace(tmp.path(), &candidate) {
                Ok(()) => {
                    register(tmp.path(), false);
                    let _ = tmp.keep();
                    return Ok(candidate);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                // Some systems say "not empty" for an existing folder.
                Err(e) if e.raw_os_error() == Some(39) || e.raw_os_error() == Some(66) => continue,
                Err(e) => {
                    self.tmp = Some(tmp);
                    return Err(OutputError::Io(candidate, e));
                }
            }
        }
        self.tmp = Some(tmp);
        Err(OutputError::Io(
            self.target.clone(),
            io::Error::other("no free output name"),
        ))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if let Some(tmp) = &self.tmp {
            register(tmp.path(), false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kyoso_folder(dir: &Path) {
        std::fs::create_dir_all(dir.join("figures")).unwrap();
        std::fs::write(dir.join("summary.json"), r#"{"kyoso_version": "0.1.0"}"#).unwrap();
        std::fs::write(dir.join("ticks.parquet"), b"x").unwrap();
        std::fs::write(dir.join("figures/a.svg"), b"x").unwrap();
    }

    #[test]
    fn only_folders_kyoso_wrote_are_recognised() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("run");
        kyoso_folder(&dir);
        assert!(is_kyoso_output(&dir));
        std::fs::write(dir.join("notes.txt"), b"mine").unwrap();
        assert!(!is_kyoso_output(&dir), "a user's file makes it not ours");
        std::fs::remove_file(dir.join("notes.txt")).unwrap();
        std::fs::create_dir(dir.join("figures/deeper")).unwrap();
        assert!(!is_kyoso_output(&dir), "a nested folder kyoso never writes");
        std::fs::remove_dir(dir.join("figures/deeper")).unwrap();
        std::fs::write(dir.join("summary.json"), r#"{"version": "1"}"#).unwrap();
        assert!(!is_kyoso_output(&dir), "no kyoso provenance");
        std::fs::write(dir.join("summary.json"), b"not json").unwrap();
        assert!(!is_kyoso_output(&dir));
        std::fs::remove_file(dir.join("summary.json")).unwrap();
        std::fs::write(dir.join("manifest.json"), r#"{"kyoso_version": "0.1.0"}"#).unwrap();
        assert!(is_kyoso_output(&dir), "a sweep folder");
    }

    #[test]
    fn the_pid_is_read_from_staging_names() {
        assert_eq!(staging_pid(".kyoso-partial-123-abc"), Some(123));
        assert_eq!(staging_pid(".kyoso-replaced-9-x"), Some(9));
        assert_eq!(staging_pid(".kyoso-partial-abc"), None);
        assert_eq!(staging_pid("kyoso-partial-1-x"), None);
    }

    #[test]
    fn stale_staging_of_dead_processes_is_removed_live_ones_kept() {
        let root = tempfile::tempdir().unwrap();
        // A pid that cannot be alive: above the kernel's pid limit.
        let dead = root.path().join(".kyoso-partial-4194999-xyz");
        let live = root
            .path()
            .join(format!(".kyoso-partial-{}-abc", std::process::id()));
        let other = root.path().join(".kyoso-partial-legacy");
        let mine = root.path().join("mine");
        for d in [&dead, &live, &other, &mine] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join("f"), b"x").unwrap();
        }
        assert_eq!(remove_stale_staging(root.path()), 1);
        assert!(!dead.exists());
        assert!(live.exists() && other.exists() && mine.exists());
    }

    #[test]
    fn first_free_name_is_claimed_atomically() {
        let root = tempfile::tempdir().unwrap();
        let names: Vec<PathBuf> = (1..=5).map(|n| root.path().join(format!("r{n}"))).collect();
        std::fs::create_dir(&names[0]).unwrap();
        let mut got = Vec::new();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let names = names.clone();
                let parent = root.path().to_path_buf();
                std::thread::spawn(move || {
                    let st = Staging::new(&parent.join("r1"), false).unwrap();
                    std::fs::write(st.path().join("f"), b"x").unwrap();
                    st.commit_first_free(names).unwrap()
                })
            })
            .collect();
        for h in handles {
            got.push(h.join().unwrap());
        }
        got.sort();
        assert_eq!(got, names[1..].to_vec(), "each process its own name");
        for n in &names[1..] {
            assert!(n.join("f").exists());
        }
        assert!(
            names[0].read_dir().unwrap().next().is_none(),
            "r1 untouched"
        );
    }
}
