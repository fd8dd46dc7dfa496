//! The replica model run in real time: a driver task advances the [`Replica`] step by step and
//! hands each request's tokens to the HTTP handler waiting for them, through a channel.
//!
//! Model time is real time since the engine started, multiplied by the time scale (2.0 runs the
//! model twice as fast as a GPU would). Every entry point first advances the model to "now", so
//! the gauges and counters a scrape sees are current to the microsecond.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use swell_sim::{
    EngineMetrics, Event, FinishReason, Gauges, Replica, ReplicaConfig, RequestId, RequestSpec,
    SubmitError,
};
use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;
use tracing::{debug, info};

/// What a request's handler receives, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Output token `index` (0-based); `last` when the request finishes with it.
    Token {
        /// Position among the output tokens.
        index: u32,
        /// A [`Output::Finished`] follows at once.
        last: bool,
    },
    /// The request finished.
    Finished {
        /// Why.
        reason: FinishReason,
        /// Output tokens produced.
        output_tokens: u32,
    },
    /// The engine died while serving the request.
    EngineDead,
}

/// Why the engine did not take a request.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EngineError {
    /// The replica refused it.
    #[error(transparent)]
    Rejected(#[from] SubmitError),
    /// A fault was injected: the engine is dead.
    #[error("the engine is dead (fault injected): restart the server or clear the fault")]
    Dead,
}

/// Maps between the model's clock and tokio's.
#[derive(Clone, Copy, Debug)]
struct ModelClock {
    epoch: Instant,
    scale: f64,
}

impl ModelClock {
    fn now(&self) -> Duration {
        self.epoch.elapsed().mul_f64(self.scale)
    }

    fn instant_at(&self, model_time: Duration) -> Instant {
        self.epoch + model_time.div_f64(self.scale)
    }
}

struct State {
    replica: Replica,
    outputs: HashMap<RequestId, mpsc::UnboundedSender<Output>>,
}

/// The engine shared by the HTTP handlers and the driver task.
pub struct Engine {
    state: Mutex<State>,
    wake: Arc<Notify>,
    clock: ModelClock,
    dead: AtomicBool,
    in_flight: AtomicU64,
}

impl Engine {
    /// Starts the engine (the model is loaded: the replica is ready at once) and its driver task.
    /// `time_scale` > 1 runs the model faster than real time.
    pub fn start(
        config: ReplicaConfig,
        seed: u64,
        time_scale: f64,
    ) -> Result<Arc<Engine>, swell_sim::ConfigError> {
        let config = ReplicaConfig {
            startup: Duration::ZERO,
            ..config
        };
        let replica = Replica::new(config, seed, Duration::ZERO)?;
        let engine = Arc::new(Engine {
            state: Mutex::new(State {
                replica,
                outputs: HashMap::new(),
            }),
            wake: Arc::new(Notify::new()),
            clock: ModelClock {
                epoch: Instant::now(),
                scale: time_scale,
            },
            dead: AtomicBool::new(false),
            in_flight: AtomicU64::new(0),
        });
        tokio::spawn(drive(Arc::downgrade(&engine), engine.wake.clone()));
        Ok(engine)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent-enough state for an emulator.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Locks the state with the model advanced to now.
    fn advanced(&self) -> (MutexGuard<'_, State>, Duration) {
        let mut state = self.lock();
        let now = self.clock.now();
        let State { replica, outputs } = &mut *state;
        replica.advance(now, &mut |event| route(outputs, event));
        (state, now)
    }

    /// Submits a request; its outputs arrive on the returned ticket.
    pub fn submit(self: &Arc<Self>, spec: RequestSpec) -> Result<Ticket, EngineError> {
        if self.is_dead() {
            return Err(EngineError::Dead);
        }
        let (sender, receiver) = mpsc::unbounded_channel();
        let id = {
            let (mut state, now) = self.advanced();
            let id = state.replica.submit(spec, now)?;
            state.outputs.insert(id, sender);
            id
        };
        self.wake.notify_one();
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        Ok(Ticket {
            engine: self.clone(),
            id,
            outputs: receiver,
            done: false,
        })
    }

    fn abort(&self, id: RequestId) {
        let (mut state, now) = self.advanced();
        let State { replica, outputs } = &mut *state;
        if replica.abort(id, now, &mut |event| route(outputs, event)) {
            debug!(request = %id, "Aborted request.");
        }
        outputs.remove(&id);
        drop(state);
        self.wake.notify_one();
    }

    /// Scheduler gauges and a copy of the counters and histograms, current as of now.
    pub fn snapshot(&self) -> (Gauges, EngineMetrics, ReplicaConfig) {
        let (state, _) = self.advanced();
        (
            state.replica.gauges(),
            state.replica.metrics().clone(),
            state.replica.config().clone(),
        )
    }

    /// Requests between arrival and the end of their response.
    pub fn in_flight(&self) -> u64 {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Whether an "engine dead" fault is active.
    pub fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Relaxed)
    }

    /// Kills or revives the engine. Killing fails every request in flight.
    pub fn set_dead(&self, dead: bool) {
        let was = self.dead.swap(dead, Ordering::Relaxed);
        if dead && !was {
            let (mut state, now) = self.advanced();
            let State { replica, outputs } = &mut *state;
            let ids: Vec<RequestId> = outputs.keys().copied().collect();
            for id in &ids {
                if let Some(sender) = outputs.remove(id) {
                    let _ = sender.send(Output::EngineDead);
                }
                replica.abort(*id, now, &mut |_| {});
            }
            info!(
                failed_requests = ids.len(),
                "Engine fault injected: engine dead."
            );
        } else if !dead && was {
            info!("Engine fault cleared.");
        }
    }
}

/// Sends a model event to the request's handler.
fn route(outputs: &mut HashMap<RequestId, mpsc::UnboundedSender<Output>>, event: Event) {
    match event {
        Event::Token {
            id, index, last, ..
        } => {
            if let Some(sender) = outputs.get(&id) {
                let _ = sender.send(Output::Token { index, last });
            }
        }
        Event::Finished(record) => {
            if let Some(sender) = outputs.remove(&record.id) {
                let reason = record.finish_reason;
                let _ = sender.send(Output::Finished {
                    reason,
                    output_tokens: record.output_tokens,
                });
            }
        }
        Event::Preempted { id, .. } => debug!(request = %id, "Preempted request."),
    }
}

/// Advances the model whenever it has something to do, until the engine is dropped.
async fn drive(engine: std::sync::Weak<Engine>, wake: Arc<Notify>) {
    loop {
        let Some(strong) = engine.upgrade() else {
            return;
        };
        let next = {
            let (state, _) = strong.advanced();
            state
                .replica
                .next_event_at()
                .map(|at| strong.clock.instant_at(at))
        };
        drop(strong);
        let wake = wake.notified();
        match next {
            Some(at) => {
                tokio::select! {
                    _ = tokio::time::sleep_until(at) => {}
                    _ = wake => {}
                }
            }
            // Wake on submit; re-check now and then so a dropped engine ends the task.
            None => {
                let _ = tokio::time::timeout(Duration::from_secs(1), wake).await;
            }
        }
    }
}

/// A submitted request: its output channel, and an abort when dropped before the end (the
/// client disconnected).
pub struct Ticket {
    engine: Arc<Engine>,
    id: RequestId,
    outputs: mpsc::UnboundedReceiver<Output>,
    done: bool,
}

impl Ticket {
    /// The request's id inside the replica.
    pub fn id(&self) -> RequestId {
        self.id
    }

    /// The next output; `None` once the request is over.
    pub async fn next(&mut self) -> Option<Output> {
        if self.done {
            return None;
        }
        let output = self.outputs.recv().await;
        if !matches!(output, Some(Output::Token { .. })) {
            self.done = true;
        }
        output
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.engine.in_flight.fetch_sub(1, Ordering::Relaxed);
        if !self.done {
            self.engine.abort(self.id);
        }
    }
}
