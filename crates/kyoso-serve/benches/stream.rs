//! How fast the live view streams: a real server on loopback, a WebSocket
//! client reading as a browser would, for a 1,000-firm market and a
//! 200×200 spatial prisoner's dilemma, at the page's speeds and flat out.
//!
//! `cargo bench -p kyoso-serve --bench stream` prints a table of updates
//! per second, ticks per second and bytes per update (docs/web.md).
//! Set STREAM_SECONDS to change the measuring window (default 5).

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

struct Case {
    name: &'static str,
    body: Value,
    speed: f64,
}

struct Measured {
    updates: f64,
    ticks: f64,
    bytes_per_update: f64,
}

async fn measure(base: &str, http: &reqwest::Client, case: &Case, window: Duration) -> Measured {
    let session: Value = http
        .post(format!("{base}/api/sessions"))
        .json(&case.body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap_or_else(|_| panic!("{}: session refused", case.name));
    let id = session["id"].as_str().expect("session id").to_string();
    let url = format!("{}/api/sessions/{id}/ws", base.replace("http://", "ws://"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    // Skip the initial state.
    loop {
        if let Some(Ok(Message::Text(t))) = ws.next().await
            && t.contains("\"type\":\"state\"")
        {
            break;
        }
    }
    let control = |body: Value| {
        let http = http.clone();
        let url = format!("{base}/api/sessions/{id}/control");
        async move {
            http.post(url).json(&body).send().await.unwrap();
        }
    };
    control(json!({"action": "speed", "speed": case.speed})).await;
    control(json!({"action": "run"})).await;
    let start = Instant::now();
    let (mut updates, mut bytes, mut first_tick, mut last_tick) = (0u64, 0u64, None, 0u64);
    let mut pending_binary = 0u64;
    while start.elapsed() < window {
        let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(5), ws.next()).await
        else {
            break;
        };
        match msg {
            Message::Binary(b) => pending_binary += b.len() as u64,
            Message::Text(t) if t.starts_with("{\"done\"") || t.contains("\"type\":\"tick\"") => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] != "tick" {
                    continue;
                }
                let tick = v["tick"].as_u64().unwrap();
                first_tick
                    .get_or_insert(tick.saturating_sub(v["rows"].as_array().unwrap().len() as u64));
                last_tick = tick;
                updates += 1;
                bytes += t.len() as u64 + pending_binary;
                pending_binary = 0;
                if v["done"] == true {
                    break; // rates over the time it took
                }
            }
            _ => {}
        }
    }
    let secs = start.elapsed().as_secs_f64();
    control(json!({"action": "pause"})).await;
    ws.close(None).await.ok();
    Measured {
        updates: updates as f64 / secs,
        ticks: (last_tick - first_tick.unwrap_or(0)) as f64 / secs,
        bytes_per_update: bytes as f64 / updates.max(1) as f64,
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs us once quickly.
    let quick = std::env::args().all(|a| a != "--bench");
    let window = Duration::from_secs_f64(if quick {
        0.5
    } else {
        std::env::var("STREAM_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(5.0)
    });
    let market = json!({"model": "silent-rivalry", "set": {
        "origins.JP.firms": 500, "origins.LOCAL.firms": 333, "origins.OTHER.firms": 167,
        "market.demand0": 1667, "population.entry_rate": 5.0, "run.ticks": 600}});
    let lattice = json!({"model": "spatial-pd", "set": {"size": 200, "steps": 100000}});
    let cases = [
        Case {
            name: "market, 1,000 firms, page speed 60 ticks/s",
            body: market.clone(),
            speed: 60.0,
        },
        Case {
            name: "market, 1,000 firms, flat out",
            body: market,
            speed: 0.0,
        },
        Case {
            name: "spatial PD 200×200, page speed 30 steps/s",
            body: lattice.clone(),
            speed: 30.0,
        },
        Case {
            name: "spatial PD 200×200, flat out",
            body: lattice,
            speed: 0.0,
        },
    ];
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(kyoso_serve::serve(
            listener,
            kyoso_serve::Config::default(),
            std::future::pending(),
        ));
        let http = reqwest::Client::new();
        println!("| case | updates/s | ticks/s | KB per update |");
        println!("|---|---:|---:|---:|");
        for case in &cases {
            let m = measure(&base, &http, case, window).await;
            println!(
                "| {} | {:.1} | {:.1} | {:.1} |",
                case.name,
                m.updates,
                m.ticks,
                m.bytes_per_update / 1000.0
            );
        }
    });
}
