//! One browser tab's simulation: a thread that owns the model, takes
//! commands, steps at the chosen speed and streams frames, at most 60 a
//! second; a slow connection slows the run instead of queueing frames.

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
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct State {
    pub tick: u32,
    pub ticks_total: u32,
    pub running: bool,
    pub done: bool,
    /// Ticks per second; 0 = as fast as the connection takes.
    pub speed: f64,
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
    /// Every observation so far.
    Rows(oneshot::Sender<Vec<Row>>),
}

/// Starts the thread of a session; it ends when every sender of
/// `commands` is gone (the session was freed).
pub fn spawn(
    live: Box<dyn Live>,
    speed: f64,
    commands: Receiver<Command>,
    state: Arc<Mutex<State>>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("kyoso-session".into())
        .spawn(move || Runner::new(live, speed, state).run(commands))
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
}

impl Runner {
    fn new(live: Box<dyn Live>, speed: f64, state: Arc<Mutex<State>>) -> Runner {
        let mut r = Runner {
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
        }
    }

    fn publish(&mut self) -> State {
        let s = self.snapshot();
        *self.state.lock().expect("state lock") = s;
        s
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
        let mut msg = serde_json::to_value(s).expect("state serialises");
        msg["type"] = "state".into();
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
                self.send_state();
            }
            Command::Control(action, reply) => {
                match action {
                    Action::Run => {
                        self.running = !self.live.done();
                        self.restart_clock();
                    }
                    Action::Pause => self.running = false,
                    Action::Step(n) => {
                        self.running = false;
                        for _ in 0..n {
                            self.live.step();
                        }
                        self.send_delta();
                    }
                    Action::Speed(s) => {
                        self.speed = s;
                        self.restart_clock();
                    }
                }
                self.send_state();
                let _ = reply.send(self.snapshot());
            }
            Command::Replace(live, reply) => {
                self.live = live;
                self.running = false;
                if self.out.is_some() {
                    let frames = self.live.init();
                    self.send(frames);
                }
                self.send_state();
                let _ = reply.send(self.snapshot());
            }
            Command::Rows(reply) => {
                let _ = reply.send(self.live.rows().to_vec());
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
            while !self.live.done() && (stepped == 0 || start.elapsed() < period.mul_f64(0.8)) {
                self.live.step();
                stepped += 1;
            }
        } else if self.speed <= MAX_FPS {
            self.live.step();
            stepped = 1;
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
            while stepped < owed && !self.live.done() {
                self.live.step();
                stepped += 1;
            }
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
                Ok(command) => self.handle(command),
                Err(RecvTimeoutError::Timeout) => self.frame(),
                Err(RecvTimeoutError::Disconnected) => return,
            }
            if self.running && Instant::now() >= self.next_frame {
                self.frame();
            }
        }
    }
}
