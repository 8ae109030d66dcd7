//! `kyoso serve`: the live web view (crate kyoso-serve) on a local port.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::Args;

use crate::Failure;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8765)]
    port: u16,
    /// Address to bind. The default is reachable only from this machine; to
    /// reach a server on another machine, use an SSH tunnel (docs/web.md).
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Region preset that market sessions start from (see `kyoso presets`).
    #[arg(long, value_name = "NAME")]
    preset: Option<String>,
    /// Scenario file (TOML) that market sessions start from.
    #[arg(long, value_name = "FILE.toml")]
    scenario: Option<PathBuf>,
    /// Do not open a browser.
    #[arg(long)]
    no_open: bool,
    /// Most concurrent sessions (one per browser tab); more get a clear refusal.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=1024))]
    max_sessions: u16,
    /// Also answer to this host name (`name` for any port, `name:port`);
    /// repeatable. By default the server answers only to localhost,
    /// 127.0.0.1 and [::1] on its port (and the --host address), which
    /// keeps other web sites from reaching it (DNS rebinding).
    #[arg(long, value_name = "NAME[:PORT]")]
    allow_host: Vec<String>,
    /// Memory budget of one session, MiB: a scenario estimated to need more
    /// is refused, and a run that grows past it stops with a message.
    #[arg(long, value_name = "MB", default_value_t = kyoso_serve::budget::DEFAULT_SESSION_MB,
          value_parser = clap::value_parser!(u64).range(16..=1_048_576))]
    session_memory_mb: u64,
    /// Seconds a client has to send a request's headers (and its body); also
    /// how long an idle HTTP connection stays open.
    #[arg(long, value_name = "SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout_secs: u64,
    /// Seconds after which a WebSocket that answers nothing (not even pings) is closed.
    #[arg(long, value_name = "SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(3..=86400))]
    idle_timeout_secs: u64,
    /// Most concurrent HTTP connections; more are answered 503.
    #[arg(long, value_name = "N", default_value_t = 128,
          value_parser = clap::value_parser!(u32).range(4..=65536))]
    max_connections: u32,
}

/// Whether a browser can be shown here.
fn has_display() -> bool {
    if cfg!(target_os = "linux") {
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
    } else {
        true
    }
}

pub fn serve(args: &ServeArgs) -> Result<(), Failure> {
    let file = match &args.scenario {
        Some(path) => {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::input(format!("{name}: {e}")))?;
            Some((name, text))
        }
        None => None,
    };
    let header_timeout = std::time::Duration::from_secs(args.header_timeout_secs);
    let config = kyoso_serve::Config {
        max_sessions: args.max_sessions as usize,
        base: kyoso_serve::Base {
            preset: args.preset.clone(),
            file,
        },
        allow_hosts: args.allow_host.clone(),
        session_memory: args.session_memory_mb << 20,
        header_timeout,
        body_timeout: header_timeout,
        idle_timeout: std::time::Duration::from_secs(args.idle_timeout_secs),
        max_connections: args.max_connections as usize,
        ..kyoso_serve::Config::default()
    };
    kyoso_serve::check(&config).map_err(|e| Failure::input(e.message))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Failure::runtime)?;
    runtime.block_on(async {
        let wanted = SocketAddr::new(args.host, args.port);
        let listener = tokio::net::TcpListener::bind(wanted)
            .await
            .map_err(|e| Failure::runtime(format!("cannot listen on {wanted}: {e}")))?;
        let addr = listener.local_addr().map_err(Failure::runtime)?;
        let url = format!("http://{addr}/");
        if !kyoso_serve::is_loopback(&addr) {
            eprintln!(
                "warning: listening on {addr}, which is not loopback: anyone who can reach this \
                 address on your network can drive this server and its simulations. Prefer the \
                 default 127.0.0.1 and an SSH tunnel (docs/web.md)."
            );
        }
        // A closed stdout (a parent that read the address and left) must
        // not stop the server, so write errors are ignored here.
        let mut out = std::io::stdout();
        let _ = writeln!(out, "kyoso serve listening on {url}");
        let _ = writeln!(out, "(Ctrl-C stops it)");
        let _ = out.flush();
        if !args.no_open && has_display() && webbrowser::open(&url).is_err() {
            eprintln!("could not open a browser; open {url} yourself");
        }
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        kyoso_serve::serve(listener, config.clone(), shutdown)
            .await
            .map_err(Failure::runtime)
    })
}
