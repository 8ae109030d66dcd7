//! The HTTP API and the WebSocket stream (PROTOCOL.md).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::Config;
use crate::live::{self, Frame};
use crate::meta::ModelInfo;
use crate::session::{self, Action, Command, State};
use crate::setup::{ApiError, Base, Built, ModelKind, Setup, lookup_json};

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut r = (status, Json(json!({ "error": self }))).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        r
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// A session's settings: what runs now and what the next reset runs.
struct Info {
    setup: Setup,
    built: Built,
    pending: Setup,
    pending_built: Built,
}

/// One browser tab's session.
pub struct Session {
    id: String,
    model: ModelKind,
    info: Mutex<Info>,
    state: Arc<Mutex<State>>,
    commands: std::sync::mpsc::Sender<Command>,
    attached: AtomicBool,
}

/// Shared server state.
#[derive(Clone)]
pub struct App(Arc<Inner>);

struct Inner {
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    max_sessions: usize,
    base: Base,
    attach_timeout: Duration,
    models: Vec<ModelInfo>,
}

const INDEX_HTML: &[u8] = include_bytes!("../assets/index.html");
const APP_JS: &[u8] = include_bytes!("../assets/app.js");
const APP_CSS: &[u8] = include_bytes!("../assets/app.css");

/// The router of the whole server.
pub fn router(config: &Config) -> Router {
    let app = App(Arc::new(Inner {
        sessions: Mutex::new(HashMap::new()),
        max_sessions: config.max_sessions,
        base: config.base.clone(),
        attach_timeout: config.attach_timeout,
        models: crate::meta::models(),
    }));
    Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }),
        )
        .route(
            "/assets/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/assets/app.css",
            get(|| async { asset("text/css; charset=utf-8", APP_CSS) }),
        )
        .route("/api/meta", get(meta))
        .route("/api/sessions", post(create))
        .route("/api/sessions/{id}", get(show).delete(remove))
        .route("/api/sessions/{id}/params", post(params))
        .route("/api/sessions/{id}/control", post(control))
        .route("/api/sessions/{id}/ws", get(stream))
        .route("/api/sessions/{id}/ticks", get(ticks))
        .route("/api/sessions/{id}/download", get(download))
        .fallback(|| async { ApiError::new(404, "no such page or API route") })
        .with_state(app)
}

fn asset(kind: &'static str, body: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

fn body<T>(payload: Result<Json<T>, JsonRejection>) -> ApiResult<T> {
    payload
        .map(|Json(v)| v)
        .map_err(|e| ApiError::input(format!("malformed request: {}", e.body_text())))
}

/// A random, unguessable session id (OS-seeded hasher keys; never used
/// inside a simulation).
fn new_id() -> String {
    let word = || {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0x6b796f736f);
        h.finish()
    };
    format!("{:016x}{:016x}", word(), word())
}

impl App {
    fn get(&self, id: &str) -> ApiResult<Arc<Session>> {
        self.0
            .sessions
            .lock()
            .expect("sessions lock")
            .get(id)
            .cloned()
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    format!("no session `{id}` (it ended when its tab closed; reload the page)"),
                )
            })
    }

    fn remove(&self, id: &str) {
        self.0.sessions.lock().expect("sessions lock").remove(id);
    }

    fn controls(&self, model: ModelKind) -> &[crate::meta::Control] {
        &self
            .0
            .models
            .iter()
            .find(|m| m.id == model.id())
            .expect("every model has meta")
            .controls
    }

    fn values(&self, model: ModelKind, built: &Built) -> Value {
        let table = built.values_table();
        let mut values = serde_json::Map::new();
        for c in self.controls(model) {
            values.insert(c.key.to_string(), lookup_json(&table, c.key));
        }
        Value::Object(values)
    }

    fn describe(&self, s: &Session) -> Value {
        let info = s.info.lock().expect("info lock");
        let state = *s.state.lock().expect("state lock");
        let base = &self.0.base;
        let pending = info.pending != info.setup;
        json!({
            "id": s.id,
            "model": s.model.id(),
            "preset": info.pending.preset,
            "seed": info.pending_built.seed(),
            "values": self.values(s.model, &info.pending_built),
            "set": info.pending.sets,
            "ticks_total": info.pending_built.total(),
            "command": info.pending.command(base, &info.pending_built),
            "run_command": info.setup.command(base, &info.built),
            "pending": pending,
            "tick": state.tick,
            "running": state.running,
            "done": state.done,
            "speed": state.speed,
        })
    }
}

async fn meta(AxState(app): AxState<App>) -> Json<Value> {
    let active = app.0.sessions.lock().expect("sessions lock").len();
    Json(json!({
        "version": kyoso_core::VERSION,
        "max_sessions": app.0.max_sessions,
        "active_sessions": active,
        "models": app.0.models,
    }))
}

/// Parses `{"set": {...}, "seed": n, "preset": "name" | null}` onto a setup.
fn apply_changes(setup: &Setup, v: &Value, allowed: &[&str]) -> ApiResult<Setup> {
    let obj = v
        .as_object()
        .ok_or_else(|| ApiError::input("the request body must be a JSON object"))?;
    if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::input(format!(
            "unknown field `{k}` in the request; allowed: {}",
            allowed.join(", ")
        )));
    }
    let mut next = setup.clone();
    if let Some(p) = obj.get("preset") {
        next.preset = match p {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s.clone()),
            other => return Err(ApiError::input(format!("preset = {other}: must be a name"))),
        };
    }
    if let Some(seed) = obj.get("seed") {
        next.seed = match seed {
            Value::Null => None,
            v => Some(v.as_u64().ok_or_else(|| ApiError {
                key: Some("seed".into()),
                value: Some(v.to_string()),
                range: Some("an integer in [0, 2^64)".into()),
                ..ApiError::input(format!("seed = {v}: allowed an integer in [0, 2^64)"))
            })?),
        };
    }
    if let Some(sets) = obj.get("set") {
        let sets = sets
            .as_object()
            .ok_or_else(|| ApiError::input("`set` must be an object of key: value"))?;
        next = next.with_json_sets(sets)?;
    }
    Ok(next)
}

/// Builds a model off the async threads (a large market takes a while).
async fn build_live(built: &Built) -> ApiResult<Box<dyn live::Live>> {
    let built = built.clone();
    tokio::task::spawn_blocking(move || live::build(&built))
        .await
        .map_err(|e| ApiError::new(500, e.to_string()))?
}

async fn create(
    AxState(app): AxState<App>,
    payload: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Response> {
    let v = body(payload)?;
    let model_name = v
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("silent-rivalry");
    let model = ModelKind::parse(model_name).ok_or_else(|| ApiError {
        key: Some("model".into()),
        value: Some(model_name.into()),
        range: Some("silent-rivalry, spatial-pd, ethnocentrism".into()),
        ..ApiError::input(format!(
            "unknown model `{model_name}`; available: silent-rivalry, spatial-pd, ethnocentrism"
        ))
    })?;
    let setup = apply_changes(
        &Setup::new(model, None),
        &v,
        &["model", "preset", "seed", "set"],
    )?;
    // Validate and build before taking a slot.
    let built = setup.build(&app.0.base)?;
    let live = build_live(&built).await?;
    let speed = match model {
        ModelKind::SilentRivalry => 20.0,
        _ => 30.0,
    };
    let id = new_id();
    let (tx, rx) = std::sync::mpsc::channel();
    let state = Arc::new(Mutex::new(State {
        tick: 0,
        ticks_total: built.total(),
        running: false,
        done: false,
        speed,
    }));
    let session = Arc::new(Session {
        id: id.clone(),
        model,
        info: Mutex::new(Info {
            setup: setup.clone(),
            built: built.clone(),
            pending: setup,
            pending_built: built,
        }),
        state: state.clone(),
        commands: tx,
        attached: AtomicBool::new(false),
    });
    {
        let mut sessions = app.0.sessions.lock().expect("sessions lock");
        if sessions.len() >= app.0.max_sessions {
            return Err(ApiError::new(
                503,
                format!(
                    "kyoso serve is already running its maximum of {} sessions (one per browser tab); close another tab, or restart it with --max-sessions N",
                    app.0.max_sessions
                ),
            ));
        }
        sessions.insert(id.clone(), session.clone());
    }
    session::spawn(live, speed, rx, state).map_err(|e| {
        app.remove(&id);
        ApiError::new(500, format!("could not start the session: {e}"))
    })?;
    // A session nobody connects to is freed.
    let (reaper, timeout, rid) = (app.clone(), app.0.attach_timeout, id.clone());
    tokio::spawn(async move {
        tokio::time::sleep(timeout).await;
        if let Ok(s) = reaper.get(&rid)
            && !s.attached.load(Ordering::SeqCst)
        {
            reaper.remove(&rid);
        }
    });
    Ok((StatusCode::CREATED, Json(app.describe(&session))).into_response())
}

async fn show(AxState(app): AxState<App>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let s = app.get(&id)?;
    Ok(Json(app.describe(&s)))
}

async fn remove(AxState(app): AxState<App>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    app.get(&id)?;
    app.remove(&id);
    Ok(StatusCode::NO_CONTENT)
}

async fn params(
    AxState(app): AxState<App>,
    Path(id): Path<String>,
    payload: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let s = app.get(&id)?;
    let v = body(payload)?;
    let pending = s.info.lock().expect("info lock").pending.clone();
    let next = apply_changes(&pending, &v, &["preset", "seed", "set"])?;
    let built = next.build(&app.0.base)?;
    {
        let mut info = s.info.lock().expect("info lock");
        info.pending = next;
        info.pending_built = built;
    }
    Ok(Json(app.describe(&s)))
}

/// Sends a command and waits for its answer.
async fn ask<T>(s: &Session, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> ApiResult<T> {
    let (tx, rx) = oneshot::channel();
    s.commands
        .send(make(tx))
        .map_err(|_| ApiError::new(410, "the session has ended"))?;
    rx.await
        .map_err(|_| ApiError::new(410, "the session has ended"))
}

async fn control(
    AxState(app): AxState<App>,
    Path(id): Path<String>,
    payload: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let s = app.get(&id)?;
    let v = body(payload)?;
    let action = v.get("action").and_then(Value::as_str).unwrap_or_default();
    let number = |key: &str, default: f64, lo: f64, hi: f64| -> ApiResult<f64> {
        match v.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(x) => x
                .as_f64()
                .filter(|n| (lo..=hi).contains(n))
                .ok_or_else(|| ApiError {
                    key: Some(key.into()),
                    value: Some(x.to_string()),
                    range: Some(format!("[{lo}, {hi}]")),
                    ..ApiError::input(format!("{key} = {x}: allowed [{lo}, {hi}]"))
                }),
        }
    };
    match action {
        "run" => ask(&s, |tx| Command::Control(Action::Run, tx)).await?,
        "pause" => ask(&s, |tx| Command::Control(Action::Pause, tx)).await?,
        "step" => {
            let n = number("steps", 1.0, 1.0, 100_000.0)? as u32;
            ask(&s, |tx| Command::Control(Action::Step(n), tx)).await?
        }
        "speed" => {
            let speed = number("speed", 30.0, 0.0, 100_000.0)?;
            ask(&s, |tx| Command::Control(Action::Speed(speed), tx)).await?
        }
        "reset" => {
            let built = s.info.lock().expect("info lock").pending_built.clone();
            let live = build_live(&built).await?;
            let state = ask(&s, |tx| Command::Replace(live, tx)).await?;
            let mut info = s.info.lock().expect("info lock");
            info.setup = info.pending.clone();
            info.built = built;
            state
        }
        other => {
            return Err(ApiError {
                key: Some("action".into()),
                value: Some(other.into()),
                range: Some("run, pause, step, reset, speed".into()),
                ..ApiError::input(format!(
                    "action = \"{other}\": allowed run, pause, step, reset, speed"
                ))
            });
        }
    };
    Ok(Json(app.describe(&s)))
}

async fn stream(
    AxState(app): AxState<App>,
    Path(id): Path<String>,
    ws: WebSocketUpgrade,
) -> ApiResult<Response> {
    let s = app.get(&id)?;
    if s.attached.swap(true, Ordering::SeqCst) {
        return Err(ApiError::new(
            409,
            "this session already streams to a tab; create a session per tab",
        ));
    }
    Ok(ws.on_upgrade(move |socket| pump(app, s, socket)))
}

/// Forwards frames to the browser until either side goes away, then
/// frees the session.
async fn pump(app: App, s: Arc<Session>, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::channel(session::QUEUE);
    if s.commands.send(Command::Attach(tx)).is_ok() {
        loop {
            tokio::select! {
                frame = rx.recv() => {
                    let msg = match frame {
                        Some(Frame::Text(t)) => Message::Text(t.into()),
                        Some(Frame::Binary(b)) => Message::Binary(b.into()),
                        None => break,
                    };
                    if socket.send(msg).await.is_err() {
                        break;
                    }
                }
                incoming = socket.recv() => match incoming {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                    Some(Ok(_)) => {}
                },
            }
        }
    }
    app.remove(&s.id);
}

async fn ticks(AxState(app): AxState<App>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let s = app.get(&id)?;
    let rows = ask(&s, Command::Rows).await?;
    Ok(Json(json!({ "rows": rows })))
}

async fn download(AxState(app): AxState<App>, Path(id): Path<String>) -> ApiResult<Response> {
    let s = app.get(&id)?;
    let (setup, built) = {
        let info = s.info.lock().expect("info lock");
        (info.setup.clone(), info.built.clone())
    };
    let tick = s.state.lock().expect("state lock").tick;
    if tick == 0 {
        return Err(ApiError::new(
            409,
            "nothing to download yet: run or step at least one tick",
        ));
    }
    let command = setup.command(&app.0.base, &built);
    let name = format!("kyoso-{}-seed{}-tick{tick}.zip", s.model.id(), built.seed());
    let zip = tokio::task::spawn_blocking(move || crate::download::zip_run(&built, tick, &command))
        .await
        .map_err(|e| ApiError::new(500, e.to_string()))??;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        zip,
    )
        .into_response())
}
