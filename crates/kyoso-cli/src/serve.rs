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
    let config = kyoso_serve::Config {
        max_sessions: args.max_sessions as usize,
        base: kyoso_serve::Base {
            preset: args.preset.clone(),
            file,
        },
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
