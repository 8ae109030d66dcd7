//! kyoso-serve: the live web view behind `kyoso serve`.
//!
//! The simulations run here, in Rust, on the same model code as `kyoso
//! run`; the browser only draws. Each tab gets a session (a thread owning
//! its model) that streams what changed over a WebSocket. The page is a
//! bundle built from `web/` and embedded in the binary, so nothing loads
//! from the network. The wire protocol is in PROTOCOL.md.
//!
//! Like the other adapters, this crate never prints: the command line
//! reports the address and warnings.

pub mod api;
pub mod download;
pub mod live;
pub mod meta;
pub mod session;
pub mod setup;

use std::net::SocketAddr;
use std::time::Duration;

pub use setup::Base;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Concurrent sessions (tabs) at most.
    pub max_sessions: usize,
    /// Starting point of market sessions (`--preset`, `--scenario`).
    pub base: Base,
    /// A session no tab connects to within this time is freed.
    pub attach_timeout: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_sessions: 8,
            base: Base::default(),
            attach_timeout: Duration::from_secs(30),
        }
    }
}

/// Checks the server's own base scenario (so `kyoso serve --scenario BAD`
/// fails at start, with the command line's error).
pub fn check(config: &Config) -> Result<(), setup::ApiError> {
    setup::Setup::new(setup::ModelKind::SilentRivalry, None)
        .build(&config.base)
        .map(|_| ())
}

/// Whether an address is reachable only from this machine.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// Serves on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, api::router(&config))
        .with_graceful_shutdown(shutdown)
        .await
}
