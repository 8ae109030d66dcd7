//! One browser tab's simulation: a thread that owns the model, takes
//! commands, steps at the chosen speed and streams frames, at most 60 a
//! second; a slow connection slows the run instead of queueing frames.
//!
//! A panic in the model (a bug) or a run outgrowing its memory budget stops
//! this session only: the page gets an `error` frame, the session stays
//! paused (Reset starts afresh), the server and other sessions go on.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use crate::live::{Frame, Live, Row};

/// Frames per second, at most.
pub const MAX_FPS: f64 = 60.0;
/// Frames queued for a connection before the run waits for it.
pub const QUEUE: usize = 2;

/// Where a session is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct State {
    pub tick: u32,
    pub ticks_total: u32,
    pub running: bool,
    pub done: bool,
    /// Ticks per second; 0 = as fast as the connection takes.
    pub speed: f64,
    /// Why the session stopped (a model failure or its memory budget);
    /// it stays paused until Reset.
    pub error: Option<String>,
}

/// What the page asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    Run,
    Pause,
    Step(u32),
    Speed(f64),
}

/// Messages to a session's thread.
pub enum Command {
    /// A connection to stream to (the full state is sent first).
    Attach(mpsc::Sender<Frame>),
    Control(Action, oneshot::Sender<State>),
    /// A new run from tick 0 (reset), paused.
    Replace(Box<dyn Live>, oneshot::Sender<State>),
    /// Every observation kept, and the stride they are kept at.
    Rows(oneshot::Sender<(Vec<Row>, u32)>),
    /// `key=value` changes from the next tick on (the run's schedule):
    /// the tick they apply from, or why not.
    Schedule(Vec<String>, oneshot::Sender<Result<u32, String>>),
}

/// The text of a panic's payload.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Starts the thread of a session; it ends when every sender of
/// `commands` is gone (the session was freed).
pub fn spawn(
    live: Box<dyn Live>,
    speed: f64,
    budget: u64,
    commands: Receiver<Command>,
    state: Arc<Mutex<State>>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("kyoso-session".into())
        .spawn(move || Runner::new(live, speed, budget, state).run(commands))
}

struct Runner {
    live: Box<dyn Live>,
    out: Option<mpsc::Sender<Frame>>,
    running: bool,
    speed: f64,
    /// When the current run-at-speed started and ticks done since.
    clock: (Instant, u64),
    next_frame: Instant,
    state: Arc<Mutex<State>>,
    /// Memory budget, bytes.
    budget: f64,
    /// Why the run stopped, until Reset, and the error frame's kind.
    error: Option<String>,
    error_kind: &'static str,
}

impl Runner {
    fn new(live: Box<dyn Live>, speed: f64, budget: u64, state: Arc<Mutex<State>>) -> Runner {
        let mut r = Runner {
            budget: budget as f64,
            error: None,
            error_kind: "panic",
            live,
            out: None,
            running: false,
            speed,
            clock: (Instant::now(), 0),
            next_frame: Instant::now(),
            state,
        };
        r.publish();
        r
    }

    fn snapshot(&self) -> State {
        State {
            tick: self.live.tick(),
            ticks_total: self.live.total(),
            running: self.running,
            done: self.live.done(),
            speed: self.speed,
            error: self.error.clone(),
        }
    }

    fn publish(&mut self) -> State {
        let s = self.snapshot();
        // A panic elsewhere cannot poison this lock (it is held only here
        // and to copy the state), but do not let one stop the session.
        match self.state.lock() {
            Ok(mut g) => *g = s.clone(),
            Err(p) => *p.into_inner() = s.clone(),
        }
        s
    }

    /// Steps once unless stopped; false when the run must stop (done,
    /// failed, or over its memory budget).
    fn step_once(&mut self) -> bool {
        if self.error.is_some() || self.live.done() {
            return false;
        }
        self.live.step();
        let used = self.live.footprint();
        if used > self.budget {
            self.stop(
                "budget",
                format!(
                    "stopped at tick {}: this run now holds about {}, over its session memory \
                     budget of {} (kyoso serve --session-memory-mb). Reset to start again, or run \
                     it in full with `kyoso run`",
                    self.live.tick(),
                    crate::budget::mb(used),
                    crate::budget::mb(self.budget),
                ),
            );
            return false;
        }
        true
    }

    /// Stops the run for good (until Reset) and tells the page why.
    fn stop(&mut self, kind: &'static str, message: String) {
        self.running = false;
        self.error = Some(message);
        self.error_kind = kind;
        self.send_error();
        self.send_state();
    }

    fn send_error(&mut self) {
        let kind = self.error_kind;
        if let Some(message) = self.error.clone() {
            let tick = catch_unwind(AssertUnwindSafe(|| self.live.tick())).unwrap_or(0);
            let msg = serde_json::json!({
                "type": "error", "kind": kind, "tick": tick, "message": message,
            });
            self.send(vec![Frame::Text(msg.to_string())]);
        }
    }

    /// Runs `f`; a panic in it (a bug in a model) stops this session only.
    fn guarded(&mut self, f: impl FnOnce(&mut Runner)) {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| f(self))) {
            let tick = catch_unwind(AssertUnwindSafe(|| self.live.tick())).unwrap_or(0);
            self.stop(
                "panic",
                format!(
                    "the model failed at tick {tick} (a bug in kyoso, please report it with the \
                     command line below): {}. This session is stopped; Reset starts it again",
                    panic_text(payload.as_ref())
                ),
            );
        }
    }

    fn send(&mut self, frames: Vec<Frame>) {
        if let Some(tx) = &self.out {
            for f in frames {
                if tx.blocking_send(f).is_err() {
                    // The page went away; the server frees the session.
                    self.out = None;
                    return;
                }
            }
        }
    }

    fn send_state(&mut self) {
        let s = self.publish();
        let mut msg = serde_json::json!({
            "type": "state", "tick": s.tick, "ticks_total": s.ticks_total,
            "running": s.running, "done": s.done, "speed": s.speed,
        });
        if let Some(e) = s.error {
            msg["error"] = e.into();
        }
        self.send(vec![Frame::Text(msg.to_string())]);
    }

    fn send_delta(&mut self) {
        if self.out.is_some() {
            let frames = self.live.delta(self.running);
            self.send(frames);
        }
    }

    fn restart_clock(&mut self) {
        self.clock = (Instant::now(), 0);
        self.next_frame = Instant::now();
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Attach(tx) => {
                self.out = Some(tx);
                let frames = self.live.init();
                self.send(frames);
                self.send_error();
                self.send_state();
            }
            Command::Control(action, reply) => {
                // Guarded here, so the answer carries the failure.
                self.guarded(|r| r.act(action));
                self.send_state();
                let _ = reply.send(self.snapshot());
            }
            Command::Replace(live, reply) => {
                self.live = live;
                self.running = false;
                self.error = None;
                if self.out.is_some() {
                    let frames = self.live.init();
                    self.send(frames);
                }
                self.send_state();
                let _ = reply.send(self.snapshot());
            }
            Command::Rows(reply) => {
                let _ = reply.send((self.live.rows().to_vec(), self.live.history_stride()));
            }
            Command::Schedule(assignments, reply) => {
                let _ = reply.send(self.live.schedule(&assignments));
                self.send_state();
            }
        }
    }

    fn act(&mut self, action: Action) {
        match action {
            Action::Run => {
                self.running = !self.live.done() && self.error.is_none();
                self.restart_clock();
            }
            Action::Pause => self.running = false,
            Action::Step(n) => {
                self.running = false;
                for _ in 0..n {
                    if !self.step_once() {
                        break;
                    }
                }
                self.send_delta();
            }
            Action::Speed(s) => {
                self.speed = s;
                self.restart_clock();
            }
        }
    }

    /// Time between frames: one tick a frame up to `MAX_FPS` ticks a
    /// second, then `MAX_FPS` frames a second carrying several ticks each.
    fn period(&self) -> Duration {
        let fps = if self.speed > 0.0 {
            self.speed.min(MAX_FPS)
        } else {
            MAX_FPS
        };
        Duration::from_secs_f64(1.0 / fps)
    }

    /// One frame's worth of ticks at the current speed.
    fn frame(&mut self) {
        let period = self.period();
        let start = Instant::now();
        let mut stepped = 0u64;
        if self.speed <= 0.0 {
            // As fast as possible: fill most of a frame period with ticks.
            while stepped == 0 || start.elapsed() < period.mul_f64(0.8) {
                if !self.step_once() {
                    break;
                }
                stepped += 1;
            }
        } else if self.speed <= MAX_FPS {
            if self.step_once() {
                stepped = 1;
            }
        } else {
            let due = (self.clock.0.elapsed().as_secs_f64() * self.speed) as u64;
            let mut owed = due.saturating_sub(self.clock.1);
            let cap = ((self.speed / MAX_FPS).ceil() as u64).max(1) * 4;
            if owed > cap {
                // Fell behind (slow connection or model): do not burst.
                owed = cap;
                self.clock = (Instant::now(), 0);
            } else {
                self.clock.1 += owed;
            }
            while stepped < owed && self.step_once() {
                stepped += 1;
            }
        }
        if self.error.is_some() {
            self.running = false;
        }
        if stepped > 0 {
            if self.live.done() {
                self.running = false;
            }
            self.send_delta();
            self.publish();
            if !self.running {
                self.send_state();
            }
        }
        // Keep the cadence through short stalls; after a long one, start afresh.
        let now = Instant::now();
        self.next_frame += period;
        if self.next_frame + Duration::from_millis(500) < now {
            self.next_frame = now;
        }
    }

    fn run(mut self, commands: Receiver<Command>) {
        loop {
            let received = if self.running {
                let wait = self.next_frame.saturating_duration_since(Instant::now());
                commands.recv_timeout(wait)
            } else {
                commands.recv().map_err(|_| RecvTimeoutError::Disconnected)
            };
            match received {
                Ok(command) => self.guarded(|r| r.handle(command)),
                Err(RecvTimeoutError::Timeout) => self.guarded(Runner::frame),
                Err(RecvTimeoutError::Disconnected) => return,
            }
            if self.running && Instant::now() >= self.next_frame {
                self.guarded(Runner::frame);
            }
        }
    }
}
