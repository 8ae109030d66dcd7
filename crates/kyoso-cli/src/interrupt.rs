//! SIGINT, SIGTERM and SIGHUP, handled alike (ctrlc's `termination`
//! feature). A command that polls for interruption (`kyoso run`, sweeps,
//! experiments) holds a [`Polling`] guard: the first signal asks it to stop
//! at its next check, so it can leave its durable state tidy and exit with
//! status 130. Without a poller, or at a second signal, the handler removes
//! this process's uncommitted staging folders and exits with 130 at once.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::Failure;

static REQUESTED: AtomicBool = AtomicBool::new(false);
static POLLERS: AtomicUsize = AtomicUsize::new(0);

/// Installs the handler (once per process; later calls do nothing).
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        let first = !REQUESTED.swap(true, Ordering::SeqCst);
        if first && POLLERS.load(Ordering::SeqCst) > 0 {
            return;
        }
        kyoso_io::folder::remove_active_staging();
        eprintln!("error: interrupted; no output written");
        std::process::exit(130);
    });
}

/// Whether a signal asked the command to stop.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// `Err` with exit status 130 if a signal asked the command to stop.
pub fn check() -> Result<(), Failure> {
    if requested() {
        Err(Failure {
            code: 130,
            message: "interrupted; no output written".into(),
        })
    } else {
        Ok(())
    }
}

/// While held, the first signal only sets [`requested`].
pub struct Polling(());

impl Polling {
    pub fn start() -> Polling {
        POLLERS.fetch_add(1, Ordering::SeqCst);
        Polling(())
    }
}

impl Drop for Polling {
    fn drop(&mut self) {
        POLLERS.fetch_sub(1, Ordering::SeqCst);
    }
}
