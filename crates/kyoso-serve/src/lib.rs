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
pub mod budget;
pub mod download;
pub mod guard;
pub mod live;
pub mod meta;
pub mod request;
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
    /// Host names the server answers to besides loopback and the address
    /// it is bound to (`--allow-host`): `name` (any port) or `name:port`.
    pub allow_hosts: Vec<String>,
    /// A request's headers must arrive within this time, counted from the
    /// connection's start or the end of its previous answer (so it is also
    /// how long an idle keep-alive connection stays open).
    pub header_timeout: Duration,
    /// A request body must arrive within this time after its headers.
    pub body_timeout: Duration,
    /// A WebSocket from which nothing (not even the answer to the server's
    /// ping) arrives for this long is closed; pings go every third of it.
    pub idle_timeout: Duration,
    /// Concurrent HTTP connections at most; more are answered 503 and
    /// closed. (WebSockets are bounded by `max_sessions`.)
    pub max_connections: usize,
    /// Memory budget of one session, in bytes (`--session-memory-mb`).
    pub session_memory: u64,
    /// Tests only: every session's model panics when it steps past this
    /// tick (to test that a model failure reaches the page).
    #[doc(hidden)]
    pub fault_at_tick: Option<u32>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_sessions: 8,
            base: Base::default(),
            attach_timeout: Duration::from_secs(30),
            allow_hosts: Vec::new(),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 128,
            session_memory: budget::DEFAULT_SESSION_MB << 20,
            fault_at_tick: None,
        }
    }
}

/// Checks the server's own base scenario (so `kyoso serve --scenario BAD`
/// fails at start, with the command line's error) and the allowed hosts.
pub fn check(config: &Config) -> Result<(), setup::ApiError> {
    guard::Hosts::new(SocketAddr::from(([127, 0, 0, 1], 0)), &config.allow_hosts)
        .map_err(setup::ApiError::input)?;
    let built = setup::Setup::new(setup::ModelKind::SilentRivalry, None).build(&config.base)?;
    budget::admit(&built, config.session_memory)
}

/// Whether an address is reachable only from this machine.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// The answer to a connection over `max_connections`.
fn over_capacity(max: usize) -> Vec<u8> {
    let body = serde_json::json!({"error": {"message": format!(
        "kyoso serve already has its maximum of {max} connections open; try again shortly"
    )}})
    .to_string();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         retry-after: 5\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Serves on `listener` until `shutdown` completes: HTTP/1.1 with a
/// header timeout, at most `max_connections` connections.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tokio::io::AsyncWriteExt;

    let bound = listener.local_addr()?;
    let app = api::router(&config, bound)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.message))?;
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(config.max_connections));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: wait, do not spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            let answer = over_capacity(config.max_connections);
            tokio::spawn(async move {
                let mut stream = stream;
                let _ = tokio::time::timeout(Duration::from_secs(1), async {
                    let _ = stream.write_all(&answer).await;
                    let _ = stream.shutdown().await;
                })
                .await;
            });
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let header_timeout = config.header_timeout;
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .max_buf_size(64 * 1024);
            let conn = builder
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(2), conn).await;
                }
            }
        });
    }
    let _ = stop_tx.send(true);
    Ok(())
}
