//! The server on an ephemeral port, driven as the page drives it: HTTP for
//! control, a WebSocket for the stream.

use std::time::Duration;

use futures_util::StreamExt;
use kyoso_core::ScenarioBuilder;
use kyoso_core::silent_rivalry::run_scenario;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Server {
    base: String,
    http: reqwest::Client,
}

async fn start(max_sessions: usize, attach_timeout: Duration) -> Server {
    start_with(kyoso_serve::Config {
        max_sessions,
        attach_timeout,
        ..kyoso_serve::Config::default()
    })
    .await
}

async fn start_with(config: kyoso_serve::Config) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(kyoso_serve::serve(listener, config, std::future::pending()));
    Server {
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
    }
}

impl Server {
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn create(&self, body: Value) -> String {
        let (status, v) = self.post("/api/sessions", body).await;
        assert_eq!(status, 201, "{v}");
        v["id"].as_str().unwrap().to_string()
    }

    async fn control(&self, id: &str, body: Value) -> Value {
        let (status, v) = self
            .post(&format!("/api/sessions/{id}/control"), body)
            .await;
        assert_eq!(status, 200, "{v}");
        v
    }

    async fn connect(&self, id: &str) -> Ws {
        let url = format!(
            "{}/api/sessions/{id}/ws",
            self.base.replace("http://", "ws://")
        );
        tokio_tungstenite::connect_async(url).await.unwrap().0
    }
}

enum Got {
    Text(Value),
    Binary(Vec<u8>),
}

async fn next(ws: &mut Ws) -> Got {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .expect("a frame within 30 s")
            .expect("stream open")
            .unwrap();
        match msg {
            Message::Text(t) => return Got::Text(serde_json::from_str(&t).unwrap()),
            Message::Binary(b) => return Got::Binary(b.to_vec()),
            _ => {}
        }
    }
}

/// Next text message of a type.
async fn next_of(ws: &mut Ws, kind: &str) -> Value {
    loop {
        if let Got::Text(v) = next(ws).await
            && v["type"] == kind
        {
            return v;
        }
    }
}

/// Reads tick frames until `tick`, returning every streamed TickRow.
async fn rows_until(ws: &mut Ws, tick: u64) -> Vec<Value> {
    let mut rows = Vec::new();
    loop {
        let v = next_of(ws, "tick").await;
        rows.extend(v["rows"].as_array().unwrap().iter().cloned());
        if v["tick"].as_u64().unwrap() >= tick {
            return rows;
        }
    }
}

#[tokio::test]
async fn meta_lists_models_and_documented_controls() {
    let s = start(8, Duration::from_secs(30)).await;
    let (status, meta) = s.get("/api/meta").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = meta["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["silent-rivalry", "spatial-pd", "ethnocentrism"]);
    let keys: Vec<&str> = meta["models"][0]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    for k in [
        "trust.naive_ingroup.in_group_prior",
        "encounters.detect",
        "market.omega_cross",
        "partnerships.friction_culture",
        "horizons.long_rd_intensity",
        "population.entry_rate",
    ] {
        assert!(keys.contains(&k), "{k} missing");
    }
    // The page is served from the binary.
    let page = s.http.get(&s.base).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("/assets/app.js"));
}

#[tokio::test]
async fn a_session_steps_runs_resets_and_streams_what_changed() {
    let s = start(8, Duration::from_secs(30)).await;
    let id = s
        .create(json!({"model": "silent-rivalry", "seed": 3}))
        .await;
    let mut ws = s.connect(&id).await;
    let init = next_of(&mut ws, "init").await;
    assert_eq!(init["tick"], 0);
    assert_eq!(init["origins"], json!(["JP", "LOCAL", "OTHER"]));
    let firms0 = init["firms"].as_array().unwrap().len();
    assert_eq!(firms0, 60);

    let v = s.control(&id, json!({"action": "step", "steps": 5})).await;
    assert_eq!(v["tick"], 5);
    let rows = rows_until(&mut ws, 5).await;
    let ticks: Vec<u64> = rows.iter().map(|r| r["tick"].as_u64().unwrap()).collect();
    assert_eq!(
        ticks,
        [0, 1, 2, 3, 4],
        "every tick's metrics once, in order"
    );
    assert!(rows[0]["m"]["expectation_gap|all|all"].is_number());

    // Run to the end at full speed; frames carry the rest of the ticks.
    s.control(&id, json!({"action": "speed", "speed": 0})).await;
    s.control(&id, json!({"action": "run"})).await;
    let rest = rows_until(&mut ws, 120).await;
    assert_eq!(rest.len(), 115);
    let state = next_of(&mut ws, "state").await;
    assert_eq!(state["done"], true);
    assert_eq!(state["running"], false);
    let first_gap: Vec<f64> = rows
        .iter()
        .chain(&rest)
        .map(|r| r["m"]["expectation_gap|all|all"].as_f64().unwrap())
        .collect();

    // A parameter change waits for reset, then the run reacts.
    let (status, v) = s
        .post(
            &format!("/api/sessions/{id}/params"),
            json!({"set": {"encounters.detect": 0.9}}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["pending"], true);
    assert_eq!(v["values"]["encounters.detect"], 0.9);
    assert_eq!(
        v["command"],
        "kyoso run --seed 3 --set encounters.detect=0.9"
    );
    assert_eq!(v["run_command"], "kyoso run --seed 3");
    let v = s.control(&id, json!({"action": "reset"})).await;
    assert_eq!(v["tick"], 0);
    assert_eq!(v["pending"], false);
    let init = next_of(&mut ws, "init").await;
    assert_eq!(init["tick"], 0);
    s.control(&id, json!({"action": "run"})).await;
    let again = rows_until(&mut ws, 120).await;
    let second_gap: Vec<f64> = again
        .iter()
        .map(|r| r["m"]["expectation_gap|all|all"].as_f64().unwrap())
        .collect();
    assert_eq!(second_gap.len(), 120);
    assert_ne!(first_gap, second_gap, "detection changed the run");
    ws.close(None).await.unwrap();
}

#[tokio::test]
async fn page_metrics_equal_kyoso_run_and_the_download_reruns_bit_for_bit() {
    let s = start(8, Duration::from_secs(30)).await;
    let id = s
        .create(json!({"model": "silent-rivalry", "seed": 11, "set": {"market.omega_cross": 0.4}}))
        .await;
    let mut ws = s.connect(&id).await;
    next_of(&mut ws, "init").await;
    s.control(&id, json!({"action": "step", "steps": 30})).await;
    let (_, ticks) = s.get(&format!("/api/sessions/{id}/ticks")).await;
    let rows = ticks["rows"].as_array().unwrap();

    // `kyoso run --seed 11 --set market.omega_cross=0.4` (full length).
    let scenario = ScenarioBuilder::new()
        .set("market.omega_cross=0.4")
        .unwrap()
        .seed(11)
        .build()
        .unwrap();
    let run = run_scenario(&scenario, |_, _| {}, || false)
        .unwrap()
        .unwrap();
    let want: Vec<Value> = run
        .observations
        .iter()
        .filter(|o| o.tick < 30)
        .map(|o| {
            json!({"tick": o.tick, "metric": o.metric, "group_by": o.group_by,
                   "group": o.group, "value": o.value})
        })
        .collect();
    assert_eq!(rows.len(), want.len());
    for (got, want) in rows.iter().zip(&want) {
        assert_eq!(got, want);
    }

    // The download is `kyoso run --scenario scenario.toml` of those 30 ticks.
    let r = s
        .http
        .get(format!("{}/api/sessions/{id}/download", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    zip.extract(dir.path()).unwrap();
    let text = std::fs::read_to_string(dir.path().join("scenario.toml")).unwrap();
    let again = ScenarioBuilder::new()
        .file("scenario.toml", &text)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(again.run.ticks, 30);
    let rerun = run_scenario(&again, |_, _| {}, || false).unwrap().unwrap();
    let out = tempfile::tempdir().unwrap();
    kyoso_io::write_run(
        &rerun,
        out.path(),
        kyoso_serve::download::RERUN_SOURCE,
        kyoso_io::WriteOptions { csv: false },
    )
    .unwrap();
    for f in kyoso_io::RUN_FILES {
        assert_eq!(
            std::fs::read(dir.path().join(f)).unwrap(),
            std::fs::read(out.path().join(f)).unwrap(),
            "{f} differs"
        );
    }
    let parquet_rows = kyoso_io::read::ticks(&dir.path().join("ticks.parquet")).unwrap();
    assert_eq!(parquet_rows.len(), rows.len());
    let command = std::fs::read_to_string(dir.path().join("COMMAND.txt")).unwrap();
    assert!(command.contains("kyoso run --seed 11 --set market.omega_cross=0.4 --ticks 30"));
}

#[tokio::test]
async fn bad_input_is_a_400_naming_key_value_and_range_and_harms_nothing() {
    let s = start(8, Duration::from_secs(30)).await;
    let id = s.create(json!({"model": "silent-rivalry"})).await;
    let other = s
        .create(json!({"model": "spatial-pd", "set": {"size": 30}}))
        .await;
    let mut ws = s.connect(&id).await;
    next_of(&mut ws, "init").await;

    let (status, v) = s
        .post(
            &format!("/api/sessions/{id}/params"),
            json!({"set": {"encounters.detect": 1.5}}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(v["error"]["key"], "encounters.detect");
    assert_eq!(v["error"]["value"], "1.5");
    assert_eq!(v["error"]["range"], "[0, 1]");
    assert_eq!(
        v["error"]["message"],
        "invalid scenario (the default scenario + the page's settings):\n  - encounters.detect = 1.5: allowed [0, 1]"
    );
    let (status, v) = s
        .post(
            &format!("/api/sessions/{id}/params"),
            json!({"set": {"encounters.detekt": 0.5}}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `encounters.detect`")
    );

    // Malformed bodies, unknown fields, actions and sessions.
    let r = s
        .http
        .post(format!("{}/api/sessions/{id}/control", s.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("malformed request")
    );
    let (status, v) = s
        .post(
            &format!("/api/sessions/{id}/control"),
            json!({"action": "fly"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(v["error"]["key"], "action");
    let (status, _) = s
        .post(
            &format!("/api/sessions/{id}/control"),
            json!({"action": "speed", "speed": -1}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = s
        .post(&format!("/api/sessions/{id}/params"), json!({"sett": {}}))
        .await;
    assert_eq!(status, 400);
    let (status, v) = s.get("/api/sessions/nope").await;
    assert_eq!(status, 404);
    assert!(v["error"]["message"].is_string());
    let (status, v) = s
        .post(
            "/api/sessions",
            json!({"model": "spatial-pd", "set": {"defectors": 2}}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(v["error"]["key"], "defectors");
    let (status, _) = s.post("/api/sessions", json!({"model": "go"})).await;
    assert_eq!(status, 400);

    // The session still works, with its old settings; the other is untouched.
    let v = s.control(&id, json!({"action": "step", "steps": 2})).await;
    assert_eq!(v["tick"], 2);
    assert_eq!(v["pending"], false);
    let v = s.control(&other, json!({"action": "step"})).await;
    assert_eq!(v["tick"], 1);
}

#[tokio::test]
async fn sessions_are_capped_and_freed_when_their_tab_goes() {
    let s = start(2, Duration::from_millis(300)).await;
    let a = s.create(json!({"model": "silent-rivalry"})).await;
    let _b = s
        .create(json!({"model": "ethnocentrism", "set": {"size": 20}}))
        .await;
    let (status, v) = s
        .post("/api/sessions", json!({"model": "spatial-pd"}))
        .await;
    assert_eq!(status, 503);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("maximum of 2 sessions"),
        "{v}"
    );
    // A tab that connects and goes away frees its session.
    let mut ws = s.connect(&a).await;
    next_of(&mut ws, "init").await;
    ws.close(None).await.unwrap();
    drop(ws);
    let mut freed = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if s.get(&format!("/api/sessions/{a}")).await.0 == 404 {
            freed = true;
            break;
        }
    }
    assert!(freed, "closing the tab freed the session");
    // The session nobody connected to was freed after the attach timeout.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (_, meta) = s.get("/api/meta").await;
    assert_eq!(meta["active_sessions"], 0);
    let c = s
        .create(json!({"model": "spatial-pd", "set": {"size": 20}}))
        .await;
    let (status, _) = s.get(&format!("/api/sessions/{c}")).await;
    assert_eq!(status, 200);
    // One stream per session.
    let _ws = s.connect(&c).await;
    let url = format!("{}/api/sessions/{c}/ws", s.base.replace("http://", "ws://"));
    assert!(tokio_tungstenite::connect_async(url).await.is_err());
}

#[tokio::test]
async fn lattices_stream_binary_frames() {
    let s = start(8, Duration::from_secs(30)).await;
    let id = s.create(json!({"model": "spatial-pd"})).await;
    let mut ws = s.connect(&id).await;
    let init = next_of(&mut ws, "init").await;
    assert_eq!(init["width"], 200);
    assert_eq!(init["palette"].as_array().unwrap().len(), 4);
    let Got::Binary(full) = next(&mut ws).await else {
        panic!("a full frame follows init")
    };
    assert_eq!(full[0], 1);
    assert_eq!(full.len(), 5 + 200 * 200);
    s.control(&id, json!({"action": "step", "steps": 3})).await;
    let mut binary = None;
    loop {
        match next(&mut ws).await {
            Got::Binary(b) => binary = Some(b),
            Got::Text(v) if v["type"] == "tick" => {
                assert_eq!(v["rows"].as_array().unwrap().len(), 3);
                break;
            }
            Got::Text(_) => {}
        }
    }
    let b = binary.expect("cells before the series");
    assert!(b[0] == 1 || b[0] == 2);
    assert_eq!(u32::from_le_bytes(b[1..5].try_into().unwrap()), 3);
}

#[tokio::test]
async fn a_thousand_firm_update_is_under_50_kb() {
    let s = start(8, Duration::from_secs(30)).await;
    let id = s
        .create(json!({"model": "silent-rivalry", "set": {
            "origins.JP.firms": 500, "origins.LOCAL.firms": 333, "origins.OTHER.firms": 167,
            "market.demand0": 1667, "population.entry_rate": 5.0, "run.ticks": 40}}))
        .await;
    let mut ws = s.connect(&id).await;
    let Got::Text(init) = next(&mut ws).await else {
        panic!()
    };
    assert_eq!(init["firms"].as_array().unwrap().len(), 1000);
    let mut sizes = Vec::new();
    for _ in 0..40 {
        s.control(&id, json!({"action": "step"})).await;
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(30), ws.next())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            if let Message::Text(t) = msg
                && t.contains("\"type\":\"tick\"")
            {
                sizes.push(t.len());
                break;
            }
        }
    }
    let mean = sizes.iter().sum::<usize>() as f64 / sizes.len() as f64;
    assert!(mean < 50_000.0, "mean update {mean} bytes");
    assert!(sizes.iter().all(|&n| n > 1000), "updates carry the firms");
}

// ------------------------------------------------------------- hardening

/// A raw HTTP/1.1 exchange: what the server answers to `request` (until it
/// closes or 5 s pass).
async fn raw(base: &str, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn foreign_hosts_and_origins_are_refused_and_the_page_flow_still_works() {
    let s = start(8, Duration::from_secs(30)).await;
    let addr = s.base.trim_start_matches("http://").to_string();
    // DNS rebinding: the browser names the attacker's host.
    let r = s
        .http
        .post(format!("{}/api/sessions", s.base))
        .header("host", "attacker.example")
        .header("origin", "http://evil.example")
        .json(&json!({"model": "spatial-pd"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("attacker.example") && msg.contains("--allow-host"),
        "{msg}"
    );
    let r = s
        .http
        .get(format!("{}/", s.base))
        .header("host", "attacker.example:80")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        403,
        "even the page is not served to a foreign host"
    );
    // A foreign page posting to the real address.
    let r = s
        .http
        .post(format!("{}/api/sessions", s.base))
        .header("origin", "http://evil.example")
        .json(&json!({"model": "spatial-pd"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (_, meta) = s.get("/api/meta").await;
    assert_eq!(meta["active_sessions"], 0, "no session was created");

    // The page's own flow, with its own Origin (and localhost works too).
    let own = format!("http://{addr}");
    let r = s
        .http
        .post(format!("{}/api/sessions", s.base))
        .header("origin", &own)
        .json(&json!({"model": "spatial-pd", "set": {"size": 20}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let port = addr.rsplit(':').next().unwrap();
    let page = s
        .http
        .get(format!("{}/", s.base))
        .header("host", format!("localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);

    // A WebSocket from a foreign page is refused; from the page, accepted.
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!("ws://{addr}/api/sessions/{id}/ws");
    let mut req = url.as_str().into_client_request().unwrap();
    req.headers_mut()
        .insert("origin", "http://evil.example".parse().unwrap());
    let err = tokio_tungstenite::connect_async(req).await.unwrap_err();
    match err {
        tokio_tungstenite::tungstenite::Error::Http(resp) => assert_eq!(resp.status(), 403),
        other => panic!("expected a 403, got {other}"),
    }
    let mut req = url.as_str().into_client_request().unwrap();
    req.headers_mut().insert("origin", own.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    next_of(&mut ws, "init").await;
    let v = s.control(&id, json!({"action": "step", "steps": 2})).await;
    assert_eq!(v["tick"], 2);
}

#[tokio::test]
async fn a_session_over_its_memory_budget_is_a_400_and_others_go_on() {
    let s = start_with(kyoso_serve::Config {
        session_memory: 64 << 20,
        ..kyoso_serve::Config::default()
    })
    .await;
    let id = s
        .create(json!({"model": "silent-rivalry", "seed": 1}))
        .await;
    let mut ws = s.connect(&id).await;
    next_of(&mut ws, "init").await;
    // Inside the scenario's range, far over any session budget.
    let (status, v) = s
        .post(
            "/api/sessions",
            json!({"model": "silent-rivalry", "set": {"origins.JP.firms": 9999970}}),
        )
        .await;
    assert_eq!(status, 400, "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("64 MB") && msg.contains("GB"), "{msg}");
    assert!(msg.contains("--session-memory-mb"), "{msg}");
    assert_eq!(v["error"]["key"], "memory");
    // A long run is refused the same way, as a pending change too.
    let (status, v) = s
        .post(
            &format!("/api/sessions/{id}/params"),
            json!({"set": {"run.ticks": 1000000, "mechanisms.demand_growth": false}}),
        )
        .await;
    assert_eq!(status, 400, "{v}");
    // A million cells of spatial-pd (about 9 MiB measured, 21 MiB
    // estimated) fit; 10,000 firms (68 MiB measured) do not.
    let (status, v) = s
        .post(
            "/api/sessions",
            json!({"model": "spatial-pd", "set": {"size": 1000}}),
        )
        .await;
    assert_eq!(status, 201, "a million cells fit 64 MB: {v}");
    s.http
        .delete(format!(
            "{}/api/sessions/{}",
            s.base,
            v["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    let (status, v) = s
        .post(
            "/api/sessions",
            json!({"model": "silent-rivalry", "set": {"origins.JP.firms": 5000,
                "origins.LOCAL.firms": 3333, "origins.OTHER.firms": 1667}}),
        )
        .await;
    assert_eq!(status, 400, "10,000 firms do not fit 64 MB: {v}");
    // The first session is untouched.
    let v = s.control(&id, json!({"action": "step", "steps": 3})).await;
    assert_eq!(v["tick"], 3);
    assert_eq!(v["pending"], false);
    rows_until(&mut ws, 3).await;
}

#[tokio::test]
async fn a_stalled_request_is_cut_at_the_header_timeout_and_connections_are_capped() {
    let s = start_with(kyoso_serve::Config {
        header_timeout: Duration::from_millis(300),
        body_timeout: Duration::from_millis(300),
        max_connections: 4,
        ..kyoso_serve::Config::default()
    })
    .await;
    // A partial request line, then silence: closed within the timeout.
    let t = std::time::Instant::now();
    let answer = raw(&s.base, "GET /api/me").await;
    let took = t.elapsed();
    assert!(took < Duration::from_secs(2), "closed after {took:?}");
    assert!(!answer.contains("200 OK"), "{answer}");
    // Headers, then a body that never comes.
    let t = std::time::Instant::now();
    let answer = raw(
        &s.base,
        &format!("POST /api/sessions HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{", s.base.trim_start_matches("http://")),
    )
    .await;
    assert!(t.elapsed() < Duration::from_secs(2));
    assert!(answer.contains("408"), "{answer}");
    // An idle keep-alive connection is closed too.
    let addr = s.base.trim_start_matches("http://");
    let t = std::time::Instant::now();
    let answer = raw(
        &s.base,
        &format!("GET /api/meta HTTP/1.1\r\nhost: {addr}\r\n\r\n"),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(t.elapsed() < Duration::from_secs(2));

    // Four silent connections fill the server; a fifth is told so.
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let answer = raw(
        &s.base,
        &format!("GET /api/meta HTTP/1.1\r\nhost: {addr}\r\n\r\n"),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("maximum of 4 connections"), "{answer}");
    // The silent ones time out and free their places.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (status, _) = s.get("/api/meta").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_model_panic_reaches_the_page_and_harms_no_one_else() {
    let s = start_with(kyoso_serve::Config {
        fault_at_tick: Some(3),
        ..kyoso_serve::Config::default()
    })
    .await;
    let a = s.create(json!({"model": "silent-rivalry"})).await;
    let b = s
        .create(json!({"model": "spatial-pd", "set": {"size": 20}}))
        .await;
    let mut ws = s.connect(&a).await;
    next_of(&mut ws, "init").await;
    let v = s.control(&a, json!({"action": "step", "steps": 2})).await;
    assert_eq!(v["tick"], 2);
    // Stepping past tick 3 panics inside the model.
    let (status, v) = s
        .post(
            &format!("/api/sessions/{a}/control"),
            json!({"action": "step", "steps": 5}),
        )
        .await;
    assert_eq!(status, 500, "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("injected fault at tick 3") && msg.contains("Reset"),
        "{msg}"
    );
    let e = next_of(&mut ws, "error").await;
    assert_eq!(e["kind"], "panic");
    assert_eq!(e["tick"], 3);
    assert!(e["message"].as_str().unwrap().contains("injected fault"));
    let (_, v) = s.get(&format!("/api/sessions/{a}")).await;
    assert!(v["error"].is_string(), "{v}");
    assert_eq!(v["running"], false);
    let (status, _) = s
        .post(
            &format!("/api/sessions/{a}/control"),
            json!({"action": "run"}),
        )
        .await;
    assert_eq!(status, 409, "a stopped session does not run");
    // The other session and the server go on; Reset restarts this one.
    let v = s.control(&b, json!({"action": "step", "steps": 2})).await;
    assert_eq!(v["tick"], 2);
    let v = s.control(&a, json!({"action": "reset"})).await;
    assert_eq!(v["tick"], 0);
    assert!(v["error"].is_null());
    next_of(&mut ws, "init").await;
    // Also a panic while running at speed.
    s.control(&a, json!({"action": "speed", "speed": 0})).await;
    s.control(&a, json!({"action": "run"})).await;
    let e = next_of(&mut ws, "error").await;
    assert_eq!(e["kind"], "panic");
    let state = next_of(&mut ws, "state").await;
    assert_eq!(state["running"], false);
    assert!(state["error"].is_string());
}

#[tokio::test]
async fn requests_and_control_messages_are_strict() {
    let s = start(8, Duration::from_secs(30)).await;
    for (body, key, says) in [
        (json!({"model": 5}), "model", "expected a string"),
        (
            json!({"model": "spatial-pd", "sed": 3}),
            "sed",
            "unknown field `sed`",
        ),
        (json!({"model": "spatial-pd", "seed": 1.5}), "seed", "1.5"),
        (
            json!({"model": "spatial-pd", "seed": -3}),
            "seed",
            "negative",
        ),
        (
            json!({"model": "spatial-pd", "set": "size=3"}),
            "set",
            "expected a map",
        ),
        (
            json!({"model": "spatial-pd", "preset": 7}),
            "preset",
            "expected a string",
        ),
    ] {
        let (status, v) = s.post("/api/sessions", body.clone()).await;
        assert_eq!(status, 400, "{body}: {v}");
        assert_eq!(v["error"]["key"], key, "{body}: {v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(says), "{body}: {msg}");
    }
    let (_, meta) = s.get("/api/meta").await;
    assert_eq!(meta["active_sessions"], 0);

    let id = s
        .create(json!({"model": "spatial-pd", "set": {"size": 20}}))
        .await;
    for (body, key) in [
        (json!({"action": "step", "steps": 1.5}), "steps"),
        (json!({"action": "step", "steps": "2"}), "steps"),
        (json!({"action": "step", "steps": 0}), "steps"),
        (json!({"action": "step", "steps": -1}), "steps"),
        (json!({"action": "run", "steps": 2}), "steps"),
        (json!({"action": "speed", "speed": "fast"}), "speed"),
        (json!({"action": "step", "step": 2}), "step"),
        (json!({"action": 1}), "action"),
        (json!({}), "action"),
    ] {
        let (status, v) = s
            .post(&format!("/api/sessions/{id}/control"), body.clone())
            .await;
        assert_eq!(status, 400, "{body}: {v}");
        assert_eq!(v["error"]["key"], key, "{body}: {v}");
    }
    let (status, v) = s
        .post(
            &format!("/api/sessions/{id}/params"),
            json!({"seed": 1, "model": "x"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(v["error"]["key"], "model", "{v}");
    // Nothing of it changed the session.
    let (_, v) = s.get(&format!("/api/sessions/{id}")).await;
    assert_eq!(v["tick"], 0);
    assert_eq!(v["pending"], false);

    // The stream takes no messages, and says so.
    let mut ws = s.connect(&id).await;
    next_of(&mut ws, "init").await;
    use futures_util::SinkExt;
    ws.send(Message::Text(r#"{"action":"run"}"#.into()))
        .await
        .unwrap();
    let e = next_of(&mut ws, "error").await;
    assert_eq!(e["kind"], "message");
    assert!(e["message"].as_str().unwrap().contains("/control"));
}

#[tokio::test]
async fn seeds_above_2_63_round_trip_as_numbers_and_strings() {
    const SEED: u64 = 18116008155350138704;
    let s = start(8, Duration::from_secs(30)).await;
    for seed in [json!(SEED), json!(SEED.to_string())] {
        let (status, v) = s
            .post(
                "/api/sessions",
                json!({"model": "silent-rivalry", "seed": seed}),
            )
            .await;
        assert_eq!(status, 201, "{v}");
        assert_eq!(v["seed"].as_u64(), Some(SEED), "exactly, not through f64");
        assert!(
            v["command"]
                .as_str()
                .unwrap()
                .contains(&format!("--seed {SEED}"))
        );
        let id = v["id"].as_str().unwrap();
        let mut ws = s.connect(id).await;
        let init = next_of(&mut ws, "init").await;
        assert_eq!(init["seed"].as_u64(), Some(SEED));
        let v = s.control(id, json!({"action": "step", "steps": 3})).await;
        assert_eq!(v["tick"], 3);
        // The download writes it into scenario.toml (a decimal string above
        // 2^63 - 1), and that file re-runs the same run bit for bit.
        let dir = download(&s, id).await;
        let text = std::fs::read_to_string(dir.path().join("scenario.toml")).unwrap();
        assert!(text.contains(&format!("seed = \"{SEED}\"")), "{text}");
        let again = ScenarioBuilder::new()
            .file("scenario.toml", &text)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(again.run.seed, SEED);
        assert_eq!(again.run.ticks, 3);
        let rerun = run_scenario(&again, |_, _| {}, || false).unwrap().unwrap();
        let out = tempfile::tempdir().unwrap();
        kyoso_io::write_run(
            &rerun,
            out.path(),
            kyoso_serve::download::RERUN_SOURCE,
            kyoso_io::WriteOptions { csv: false },
        )
        .unwrap();
        for f in kyoso_io::RUN_FILES {
            assert_eq!(
                std::fs::read(dir.path().join(f)).unwrap(),
                std::fs::read(out.path().join(f)).unwrap(),
                "{f} differs"
            );
        }
        let command = std::fs::read_to_string(dir.path().join("COMMAND.txt")).unwrap();
        assert!(
            command.contains(&format!("kyoso run --seed {SEED} --ticks 3")),
            "{command}"
        );
        s.http
            .delete(format!("{}/api/sessions/{id}", s.base))
            .send()
            .await
            .unwrap();
    }
    // The same run as with the seed set directly on the scenario.
    let id = s
        .create(json!({"model": "silent-rivalry", "seed": "18116008155350138704"}))
        .await;
    s.control(&id, json!({"action": "step", "steps": 5})).await;
    let (_, ticks) = s.get(&format!("/api/sessions/{id}/ticks")).await;
    let mut scenario = ScenarioBuilder::new().build().unwrap();
    scenario.run.seed = SEED;
    scenario.run.ticks = 5;
    let run = run_scenario(&scenario, |_, _| {}, || false)
        .unwrap()
        .unwrap();
    assert_eq!(
        ticks["rows"].as_array().unwrap().len(),
        run.observations.len()
    );
    assert_eq!(ticks["every"], 1);
    // Params take both forms too; classic models as well.
    let (status, v) = s
        .post(
            &format!("/api/sessions/{id}/params"),
            json!({"seed": u64::MAX.to_string()}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["seed"].as_u64(), Some(u64::MAX));
    let (status, v) = s
        .post(
            "/api/sessions",
            json!({"model": "spatial-pd", "seed": SEED, "set": {"size": 20}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["seed"].as_u64(), Some(SEED));
    let id = v["id"].as_str().unwrap();
    s.control(id, json!({"action": "step", "steps": 2})).await;
    let dir = download(&s, id).await;
    let params = std::fs::read_to_string(dir.path().join("params.toml")).unwrap();
    assert!(params.contains(&format!("seed = \"{SEED}\"")), "{params}");
    let command = std::fs::read_to_string(dir.path().join("COMMAND.txt")).unwrap();
    assert!(
        command.contains(&format!(
            "kyoso spatial-pd --seed {SEED} --size 20 --steps 2"
        )),
        "{command}"
    );
}

/// The session's download, unzipped.
async fn download(s: &Server, id: &str) -> tempfile::TempDir {
    let r = s
        .http
        .get(format!("{}/api/sessions/{id}/download", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec()))
        .unwrap()
        .extract(dir.path())
        .unwrap();
    dir
}

#[tokio::test]
async fn a_change_during_a_run_joins_its_schedule_and_the_download_reproduces_it() {
    let s = start(8, Duration::from_secs(30)).await;
    let id = s
        .create(json!({"model": "silent-rivalry", "seed": 11}))
        .await;
    let params = format!("/api/sessions/{id}/params");
    // Before the first month there is nothing to schedule into.
    let (status, v) = s
        .post(
            &params,
            json!({"set": {"encounters.detect": 0.95}, "now": true}),
        )
        .await;
    assert_eq!(status, 409, "{v}");
    s.control(&id, json!({"action": "step", "steps": 20})).await;
    // A bad value changes nothing.
    let (status, v) = s
        .post(
            &params,
            json!({"set": {"encounters.detect": 7}, "now": true}),
        )
        .await;
    assert!(status == 400 || status == 409, "{status} {v}");
    let (status, v) = s
        .post(
            &params,
            json!({"set": {"encounters.detect": 0.95}, "now": true}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["schedule"], json!(["20:encounters.detect=0.95"]));
    assert!(
        v["run_command"]
            .as_str()
            .unwrap()
            .contains("--at 20:encounters.detect=0.95"),
        "{v}"
    );
    s.control(&id, json!({"action": "step", "steps": 20})).await;
    let (_, ticks) = s.get(&format!("/api/sessions/{id}/ticks")).await;
    let rows = ticks["rows"].as_array().unwrap();
    // `kyoso run --seed 11 --at 20:encounters.detect=0.95`, first 40 months.
    let scenario = ScenarioBuilder::new()
        .at("20:encounters.detect=0.95")
        .unwrap()
        .seed(11)
        .build()
        .unwrap();
    let run = run_scenario(&scenario, |_, _| {}, || false)
        .unwrap()
        .unwrap();
    let want: Vec<Value> = run
        .observations
        .iter()
        .filter(|o| o.tick < 40)
        .map(|o| {
            json!({"tick": o.tick, "metric": o.metric, "group_by": o.group_by,
                   "group": o.group, "value": o.value})
        })
        .collect();
    assert_eq!(rows.len(), want.len());
    for (got, want) in rows.iter().zip(&want) {
        assert_eq!(got, want);
    }
    // The download's scenario.toml holds the schedule and reruns the 40 months.
    let r = s
        .http
        .get(format!("{}/api/sessions/{id}/download", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    zip.extract(dir.path()).unwrap();
    let text = std::fs::read_to_string(dir.path().join("scenario.toml")).unwrap();
    assert!(text.contains("[[schedule]]"), "{text}");
    let again = ScenarioBuilder::new()
        .file("scenario.toml", &text)
        .unwrap()
        .build()
        .unwrap();
    let rerun = run_scenario(&again, |_, _| {}, || false).unwrap().unwrap();
    let mut first = scenario.clone();
    first.run.ticks = 40;
    let direct = run_scenario(&first, |_, _| {}, || false).unwrap().unwrap();
    assert_eq!(rerun.observations, direct.observations);
    // A reset starts from the new value at month 0, with no schedule.
    s.control(&id, json!({"action": "reset"})).await;
    let (_, v) = s.get(&format!("/api/sessions/{id}")).await;
    assert_eq!(v["schedule"], json!([]), "{v}");
    assert_eq!(v["set"]["encounters.detect"], "0.95", "{v}");
}
