//! The HTTP API and the WebSocket stream (PROTOCOL.md).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::extract::rejection::JsonRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::Config;
use crate::guard::Hosts;
use crate::live::{self, Frame};
use crate::meta::ModelInfo;
use crate::request::{self, Changes, ControlRequest, CreateRequest, ParamsRequest};
use crate::session::{self, Action, Command, State};
use crate::setup::{ApiError, Base, Built, ModelKind, Setup, lookup_json};

/// The actions of `POST /api/sessions/{id}/control`.
const ACTIONS: [&str; 5] = ["run", "pause", "step", "reset", "speed"];
/// Most ticks one `step` control advances.
pub const MAX_STEPS: u32 = 100_000;
/// Fastest speed, ticks per second.
pub const MAX_SPEED: f64 = 100_000.0;

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
    session_memory: u64,
    idle_timeout: Duration,
    fault_at_tick: Option<u32>,
}

const INDEX_HTML: &[u8] = include_bytes!("../assets/index.html");
const APP_JS: &[u8] = include_bytes!("../assets/app.js");
const APP_CSS: &[u8] = include_bytes!("../assets/app.css");

/// The router of the whole server, answering only requests addressed to
/// `bound` (or `config.allow_hosts`): see [`crate::guard`].
pub fn router(config: &Config, bound: std::net::SocketAddr) -> ApiResult<Router> {
    let hosts = Arc::new(Hosts::new(bound, &config.allow_hosts).map_err(ApiError::input)?);
    let app = App(Arc::new(Inner {
        sessions: Mutex::new(HashMap::new()),
        max_sessions: config.max_sessions,
        base: config.base.clone(),
        attach_timeout: config.attach_timeout,
        models: crate::meta::models(),
        session_memory: config.session_memory,
        idle_timeout: config.idle_timeout,
        fault_at_tick: config.fault_at_tick,
    }));
    let body_timeout = config.body_timeout;
    let router = Router::new()
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
        .layer(middleware::from_fn(move |req, next| {
            read_body(body_timeout, req, next)
        }))
        .layer(middleware::from_fn_with_state(hosts, crate::guard::layer));
    Ok(router)
}

/// Largest request body (the page sends a few hundred bytes).
const MAX_BODY: usize = 256 * 1024;

/// Reads a request's body within `timeout` (a client that sends headers
/// and then stalls does not hold its connection), at most [`MAX_BODY`].
async fn read_body(timeout: Duration, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            return ApiError::new(
                413,
                format!("the request body is too large or broken (at most {MAX_BODY} bytes)"),
            )
            .into_response();
        }
        Err(_) => {
            return ApiError::new(
                408,
                format!(
                    "the request body did not arrive within {} s",
                    timeout.as_secs_f64()
                ),
            )
            .into_response();
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
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
        let state = s.state.lock().expect("state lock").clone();
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
            "schedule": info.setup.at,
            "pending": pending,
            "tick": state.tick,
            "running": state.running,
            "done": state.done,
            "speed": state.speed,
            "error": state.error,
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

/// Applies the changes of a create or params request onto a setup.
fn apply_changes(setup: &Setup, changes: Changes) -> ApiResult<Setup> {
    let mut next = setup.clone();
    if let Some(p) = changes.preset {
        next.preset = p.filter(|s| !s.is_empty());
    }
    if let Some(seed) = changes.seed {
        next.seed = seed.map(|s| s.0);
    }
    if let Some(sets) = changes.set {
        next = next.with_json_sets(&sets)?;
    }
    Ok(next)
}

/// Builds a model off the async threads (a large market takes a while),
/// after checking it fits the session memory budget.
async fn build_live(app: &App, built: &Built) -> ApiResult<Box<dyn live::Live>> {
    crate::budget::admit(built, app.0.session_memory)?;
    let built = built.clone();
    let fault = app.0.fault_at_tick;
    let live = tokio::task::spawn_blocking(move || live::build(&built))
        .await
        .map_err(|e| {
            let why = match e.try_into_panic() {
                Ok(payload) => session::panic_text(payload.as_ref()),
                Err(e) => e.to_string(),
            };
            ApiError::new(
                500,
                format!("building the model failed (a bug in kyoso, please report it): {why}"),
            )
        })??;
    Ok(match fault {
        Some(at) => Box::new(live::Faulty { inner: live, at }),
        None => live,
    })
}

async fn create(
    AxState(app): AxState<App>,
    payload: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Response> {
    let req: CreateRequest = request::parse(body(payload)?)?;
    let model_name = req.model.clone().unwrap_or_else(|| "silent-rivalry".into());
    let model = ModelKind::parse(&model_name).ok_or_else(|| ApiError {
        key: Some("model".into()),
        value: Some(model_name.clone()),
        range: Some("silent-rivalry, spatial-pd, ethnocentrism".into()),
        ..ApiError::input(format!(
            "unknown model `{model_name}`; available: silent-rivalry, spatial-pd, ethnocentrism"
        ))
    })?;
    let setup = apply_changes(&Setup::new(model, None), req.into())?;
    // Validate and build before taking a slot.
    let built = setup.build(&app.0.base)?;
    let live = build_live(&app, &built).await?;
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
        error: None,
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
    session::spawn(live, speed, app.0.session_memory, rx, state).map_err(|e| {
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
    let req: ParamsRequest = request::parse(body(payload)?)?;
    if req.now {
        return params_now(&app, &s, req).await;
    }
    let pending = s.info.lock().expect("info lock").pending.clone();
    let next = apply_changes(&pending, req.into())?;
    let built = next.build(&app.0.base)?;
    crate::budget::admit(&built, app.0.session_memory)?;
    {
        let mut info = s.info.lock().expect("info lock");
        info.pending = next;
        info.pending_built = built;
    }
    Ok(Json(app.describe(&s)))
}

/// `params` with `now`: the changes join the running model's schedule
/// from the next month on (and the settings of the next reset), so the
/// download and the command line reproduce the run as it went.
async fn params_now(app: &App, s: &Session, req: ParamsRequest) -> ApiResult<Json<Value>> {
    if req.preset.is_some() || req.seed.is_some() {
        return Err(ApiError::input(
            "`now` applies `set` only; a preset or a seed needs a reset",
        ));
    }
    let Some(set) = req.set.filter(|m| !m.is_empty()) else {
        return Err(ApiError {
            key: Some("set".into()),
            ..ApiError::input("`now` needs `set` with at least one change")
        });
    };
    let setup = s.info.lock().expect("info lock").setup.clone();
    let assignments = Setup::new(setup.model, None)
        .with_json_sets(&set)?
        .assignments();
    // Checked on a copy first: a bad value changes nothing.
    let tick = ask(s, |tx| Command::Schedule(assignments.clone(), tx))
        .await?
        .map_err(|e| ApiError::new(409, e))?;
    let mut next = setup;
    next.at
        .extend(assignments.iter().map(|a| format!("{tick}:{a}")));
    let built = next.build(&app.0.base)?;
    let pending = {
        let info = s.info.lock().expect("info lock");
        apply_changes(
            &info.pending,
            Changes {
                preset: None,
                seed: None,
                set: Some(set),
            },
        )?
    };
    let pending_built = pending.build(&app.0.base)?;
    {
        let mut info = s.info.lock().expect("info lock");
        info.setup = next;
        info.built = built;
        info.pending = pending;
        info.pending_built = pending_built;
    }
    Ok(Json(app.describe(s)))
}

/// Sends a command and waits for its answer.
async fn ask<T>(s: &Session, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> ApiResult<T> {
    let (tx, rx) = oneshot::channel();
    let ended = || match s.state.lock().ok().and_then(|st| st.error.clone()) {
        // The session's thread caught a failure while answering.
        Some(e) => ApiError::new(500, e),
        None => ApiError::new(410, "the session has ended"),
    };
    s.commands.send(make(tx)).map_err(|_| ended())?;
    rx.await.map_err(|_| ended())
}

async fn control(
    AxState(app): AxState<App>,
    Path(id): Path<String>,
    payload: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let s = app.get(&id)?;
    let req: ControlRequest = request::parse(body(payload)?)?;
    let range_error = |key: &str, value: String, range: &str| ApiError {
        key: Some(key.into()),
        value: Some(value.clone()),
        range: Some(range.into()),
        ..ApiError::input(format!("{key} = {value}: allowed {range}"))
    };
    // A field that belongs to another action is a mistake, not a no-op.
    for (field, given, owner) in [
        ("steps", req.steps.is_some(), "step"),
        ("speed", req.speed.is_some(), "speed"),
    ] {
        if given && req.action != owner && ACTIONS.contains(&req.action.as_str()) {
            return Err(ApiError {
                key: Some(field.into()),
                ..ApiError::input(format!(
                    "`{field}` goes only with action \"{owner}\", not \"{}\"",
                    req.action
                ))
            });
        }
    }
    if matches!(req.action.as_str(), "run" | "step")
        && let Some(e) = s.state.lock().expect("state lock").error.clone()
    {
        return Err(ApiError::new(409, e));
    }
    match req.action.as_str() {
        "run" => ask(&s, |tx| Command::Control(Action::Run, tx)).await?,
        "pause" => ask(&s, |tx| Command::Control(Action::Pause, tx)).await?,
        "step" => {
            let n = req.steps.unwrap_or(1);
            if !(1..=MAX_STEPS).contains(&n) {
                return Err(range_error(
                    "steps",
                    n.to_string(),
                    &format!("an integer in [1, {MAX_STEPS}]"),
                ));
            }
            let state = ask(&s, |tx| Command::Control(Action::Step(n), tx)).await?;
            if let Some(e) = state.error {
                // The model failed (500) or outgrew its budget (409) meanwhile.
                let status = if e.starts_with("the model failed") {
                    500
                } else {
                    409
                };
                return Err(ApiError::new(status, e));
            }
            state
        }
        "speed" => {
            let speed = req.speed.unwrap_or(30.0);
            if !(0.0..=MAX_SPEED).contains(&speed) {
                return Err(range_error(
                    "speed",
                    speed.to_string(),
                    &format!("[0, {MAX_SPEED}]"),
                ));
            }
            ask(&s, |tx| Command::Control(Action::Speed(speed), tx)).await?
        }
        "reset" => {
            let built = s.info.lock().expect("info lock").pending_built.clone();
            let live = build_live(&app, &built).await?;
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
/// frees the session. The server pings every third of the idle timeout; a
/// browser that answers nothing for the idle timeout, or does not take a
/// frame within it, is gone.
async fn pump(app: App, s: Arc<Session>, mut socket: WebSocket) {
    let idle = app.0.idle_timeout;
    let (tx, mut rx) = mpsc::channel(session::QUEUE);
    let mut ping = tokio::time::interval(idle / 3);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    let mut heard = tokio::time::Instant::now();
    if s.commands.send(Command::Attach(tx)).is_ok() {
        loop {
            let out = tokio::select! {
                frame = rx.recv() => match frame {
                    Some(Frame::Text(t)) => Message::Text(t.into()),
                    Some(Frame::Binary(b)) => Message::Binary(b.into()),
                    None => break,
                },
                incoming = socket.recv() => match incoming {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                    Some(Ok(m)) => {
                        heard = tokio::time::Instant::now();
                        if !matches!(m, Message::Text(_) | Message::Binary(_)) {
                            continue;
                        }
                        // The stream is one-way: say so instead of ignoring it.
                        Message::Text(json!({"type": "error", "kind": "message",
                            "message": "the stream takes no messages; control the session with \
                                POST /api/sessions/{id}/control (PROTOCOL.md)"}).to_string().into())
                    }
                },
                _ = ping.tick() => {
                    if heard.elapsed() > idle {
                        break;
                    }
                    Message::Ping(Default::default())
                }
            };
            match tokio::time::timeout(idle, socket.send(out)).await {
                Ok(Ok(())) => {}
                _ => break,
            }
        }
    }
    app.remove(&s.id);
}

async fn ticks(AxState(app): AxState<App>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let s = app.get(&id)?;
    let (rows, every) = ask(&s, Command::Rows).await?;
    Ok(Json(json!({ "rows": rows, "every": every })))
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
