//! Which requests the server answers: only those addressed to a name it
//! was started for (the `Host` header), and, for anything that changes
//! state or opens a stream, only from its own page (the `Origin` header).
//!
//! A page on another site can make a browser send requests to
//! 127.0.0.1; and with DNS rebinding (`attacker.example` first resolving
//! to the attacker, then to 127.0.0.1) it can even read the answers, as
//! same-origin. The `Host` check defeats rebinding (the browser sends
//! `Host: attacker.example`); the `Origin` check defeats cross-site
//! requests and WebSockets, which browsers send with the page's origin.
//! Requests without an `Origin` (curl, scripts) are not from a browser
//! page and need only a good `Host`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::setup::ApiError;

/// One allowed host: a lower-case name (IPv6 in brackets) and a port
/// (`None`: any port).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Allowed {
    name: String,
    port: Option<u16>,
}

/// The host names the server answers to.
#[derive(Debug, Clone)]
pub struct Hosts {
    port: u16,
    allowed: Vec<Allowed>,
    /// Bound to every interface (0.0.0.0 or ::): any IP address (with the
    /// bound port) is also one of this machine's; an IP literal cannot be
    /// rebound, so accepting it is safe.
    any_ip: bool,
}

/// Splits `name[:port]` (IPv6 as `[::1]:8765`) into a lower-case name and
/// the port; `None` if it is not a plausible authority.
fn split_authority(authority: &str) -> Option<(String, Option<u16>)> {
    let a = authority.trim().to_ascii_lowercase();
    if a.is_empty() || a.contains(['/', '@', ' ', '\\']) {
        return None;
    }
    let (name, port) = if a.starts_with('[') {
        let end = a.find(']')?;
        let rest = &a[end + 1..];
        let port = match rest.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if rest.is_empty() => None,
            None => return None,
        };
        (a[..=end].to_string(), port)
    } else {
        match a.rsplit_once(':') {
            Some((n, p)) => (n.to_string(), Some(p.parse().ok()?)),
            None => (a.clone(), None),
        }
    };
    if name.is_empty() || name == "[]" {
        return None;
    }
    Some((name, port))
}

/// The IP address a host name spells, if it is an IP literal.
fn ip_literal(name: &str) -> Option<IpAddr> {
    name.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

impl Hosts {
    /// Loopback names on the bound port, the bound address itself, and
    /// `extra` entries (`name` for any port, `name:port` for one).
    pub fn new(bound: SocketAddr, extra: &[String]) -> Result<Hosts, String> {
        let port = bound.port();
        let mut allowed: Vec<Allowed> = ["localhost", "127.0.0.1", "[::1]"]
            .iter()
            .map(|n| Allowed {
                name: n.to_string(),
                port: Some(port),
            })
            .collect();
        let ip = bound.ip();
        if !ip.is_unspecified() {
            let name = match ip {
                IpAddr::V4(v4) => v4.to_string(),
                IpAddr::V6(v6) => format!("[{v6}]"),
            };
            allowed.push(Allowed {
                name,
                port: Some(port),
            });
        }
        for e in extra {
            let (name, port) = split_authority(e).ok_or_else(|| {
                format!("--allow-host {e:?}: expected a host name, optionally with :PORT")
            })?;
            allowed.push(Allowed { name, port });
        }
        Ok(Hosts {
            port,
            allowed,
            any_ip: ip.is_unspecified(),
        })
    }

    /// Whether `authority` (`name[:port]`) is one this server answers to;
    /// `default_ports` are what a missing port means (80 for http, 443 for
    /// https).
    fn allows(&self, authority: &str, default_ports: &[u16]) -> bool {
        let Some((name, port)) = split_authority(authority) else {
            return false;
        };
        let port_ok = |want: Option<u16>| match (want, port) {
            (None, _) => true,
            (Some(w), Some(p)) => w == p,
            (Some(w), None) => default_ports.contains(&w),
        };
        if self
            .allowed
            .iter()
            .any(|a| a.name == name && port_ok(a.port))
        {
            return true;
        }
        self.any_ip && ip_literal(&name).is_some() && port_ok(Some(self.port))
    }

    /// The names, for messages.
    fn listing(&self) -> String {
        let mut names: Vec<String> = self
            .allowed
            .iter()
            .map(|a| match a.port {
                Some(p) => format!("{}:{p}", a.name),
                None => a.name.clone(),
            })
            .collect();
        if self.any_ip {
            names.push(format!(
                "any IP address of this machine on port {}",
                self.port
            ));
        }
        names.join(", ")
    }

    /// Checks a request's `Host` and, when it matters, its `Origin`.
    pub fn check(&self, method: &Method, headers: &HeaderMap) -> Result<(), ApiError> {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if !self.allows(host, &[80, 443]) {
            return Err(ApiError::new(
                403,
                format!(
                    "refused: this kyoso server answers only to {}, not to Host {host:?} \
                     (a page on another site may be trying to reach it: DNS rebinding). \
                     If you reach it under that name on purpose, restart it with \
                     --allow-host NAME",
                    self.listing()
                ),
            ));
        }
        let upgrade = headers
            .get(header::UPGRADE)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
        let reads_only = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        if reads_only && !upgrade {
            return Ok(());
        }
        let Some(origin) = headers.get(header::ORIGIN) else {
            return Ok(()); // not sent by a browser page
        };
        let origin = origin.to_str().unwrap_or("");
        let ok = match origin.split_once("://") {
            Some(("http", authority)) => self.allows(authority, &[80]),
            Some(("https", authority)) => self.allows(authority, &[443]),
            _ => false,
        };
        if ok {
            return Ok(());
        }
        let what = if upgrade {
            "a stream".to_string()
        } else {
            format!("a {method} request")
        };
        Err(ApiError::new(
            403,
            format!(
                "refused: {what} from the page at Origin {origin:?}; only this server's own \
                 page ({}) may change its sessions",
                self.listing()
            ),
        ))
    }
}

/// The middleware: refuses before any handler runs.
pub async fn layer(State(hosts): State<Arc<Hosts>>, req: Request, next: Next) -> Response {
    match hosts.check(req.method(), req.headers()) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(host: &str, origin: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        h
    }

    fn loopback() -> Hosts {
        Hosts::new("127.0.0.1:8765".parse().unwrap(), &[]).unwrap()
    }

    #[test]
    fn loopback_names_on_the_bound_port_only() {
        let h = loopback();
        for ok in [
            "127.0.0.1:8765",
            "localhost:8765",
            "LOCALHOST:8765",
            "[::1]:8765",
        ] {
            assert!(h.check(&Method::GET, &headers(ok, None)).is_ok(), "{ok}");
        }
        for bad in [
            "attacker.example",
            "attacker.example:8765",
            "127.0.0.1:9999",
            "localhost",
            "localhost.attacker.example:8765",
            "",
            "127.0.0.1:8765@evil",
        ] {
            let e = h.check(&Method::GET, &headers(bad, None)).unwrap_err();
            assert_eq!(e.status, 403, "{bad}");
            assert!(e.message.contains("--allow-host"), "{}", e.message);
        }
    }

    #[test]
    fn foreign_origins_cannot_change_state_or_stream() {
        let h = loopback();
        let post = |o: &str| h.check(&Method::POST, &headers("127.0.0.1:8765", Some(o)));
        assert!(post("http://127.0.0.1:8765").is_ok());
        assert!(post("http://localhost:8765").is_ok());
        for bad in [
            "http://evil.example",
            "http://127.0.0.1:9999",
            "null",
            "file://",
            "http://127.0.0.1:8765.evil.example",
        ] {
            assert_eq!(post(bad).unwrap_err().status, 403, "{bad}");
        }
        // No Origin: not a browser page (curl); a GET from anywhere is
        // harmless (the browser keeps the answer from the foreign page).
        assert!(
            h.check(&Method::POST, &headers("127.0.0.1:8765", None))
                .is_ok()
        );
        assert!(
            h.check(
                &Method::GET,
                &headers("127.0.0.1:8765", Some("http://evil.example"))
            )
            .is_ok()
        );
        let mut ws = headers("127.0.0.1:8765", Some("http://evil.example"));
        ws.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        let e = h.check(&Method::GET, &ws).unwrap_err();
        assert!(e.message.contains("a stream"), "{}", e.message);
    }

    #[test]
    fn other_bindings_and_allowed_names() {
        let h = Hosts::new(
            "0.0.0.0:9000".parse().unwrap(),
            &["kyoso.lab.example".into(), "tunnel.example:443".into()],
        )
        .unwrap();
        let get = |host: &str| h.check(&Method::GET, &headers(host, None)).is_ok();
        assert!(get("192.168.1.5:9000"));
        assert!(get("[fe80::1]:9000"));
        assert!(!get("192.168.1.5:9001"));
        assert!(get("kyoso.lab.example"));
        assert!(get("kyoso.lab.example:9000"));
        assert!(get("tunnel.example"));
        assert!(!get("tunnel.example:8443"));
        assert!(!get("evil.example:9000"));
        let post = |o: &str| {
            h.check(&Method::POST, &headers("tunnel.example", Some(o)))
                .is_ok()
        };
        assert!(post("https://tunnel.example"));
        assert!(!post("http://tunnel.example"));
        assert!(Hosts::new("127.0.0.1:1".parse().unwrap(), &["a/b".into()]).is_err());
        let h = Hosts::new("192.168.1.5:80".parse().unwrap(), &[]).unwrap();
        assert!(h.check(&Method::GET, &headers("192.168.1.5", None)).is_ok());
    }
}
