//! One vLLM replica as a deterministic state machine advanced by explicit time.
//!
//! The caller owns the clock. It submits requests at `now`, calls [`Replica::advance`] with a
//! later `now` to run every engine step that ends by then, and asks [`Replica::next_event_at`]
//! when something will next happen (so a discrete-event simulator jumps straight there and a
//! real-time driver sleeps until then). Randomness (step jitter, end-of-sequence) comes from a
//! seeded generator the replica owns, so the same calls give the same results.
//!
//! The engine loop mirrors vLLM V1: a step is scheduled, runs for the modelled step time, and
//! its output tokens appear when it ends; the next step starts at once if there is work, and
//! requests that arrive meanwhile wait for it. Scheduling itself is in [`schedule`](self).

mod schedule;

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Geometric};
use thiserror::Error;

use crate::metrics::{EngineMetrics, Gauges};
use crate::profile::{ConfigError, OutputLength, ReplicaConfig};
use crate::request::{Event, FinishReason, RequestId, RequestRecord, RequestSpec};

/// Why a replica refused a request (vLLM answers the first five with HTTP 400, the sixth
/// depends on the admission-control flag, and a loading replica refuses connections).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SubmitError {
    /// The model is still loading.
    #[error("the model is still loading (ready at {ready_at:?})")]
    NotReady {
        /// When it will be ready.
        ready_at: Duration,
    },
    /// A prompt of zero tokens.
    #[error("the prompt is empty: send at least one token")]
    EmptyPrompt,
    /// `max_tokens` of zero.
    #[error("`max_tokens` must be at least 1, got 0")]
    ZeroMaxTokens,
    /// The prompt alone exceeds the context window.
    #[error(
        "the prompt has {prompt_tokens} tokens but the model's maximum context length is \
         {max_model_len}: shorten the prompt"
    )]
    PromptTooLong {
        /// Prompt tokens.
        prompt_tokens: u32,
        /// The limit.
        max_model_len: u32,
    },
    /// Prompt plus `max_tokens` exceed the context window.
    #[error(
        "the model's maximum context length is {max_model_len} tokens, but {} were requested \
         ({prompt_tokens} in the prompt, {max_tokens} in the completion): lower `max_tokens` \
         or shorten the prompt", u64::from(*prompt_tokens) + u64::from(*max_tokens)
    )]
    ContextTooLong {
        /// Prompt tokens.
        prompt_tokens: u32,
        /// Requested output tokens.
        max_tokens: u32,
        /// The limit.
        max_model_len: u32,
    },
    /// The admission limit (`max_waiting` or `max_num_queued_reqs`) is reached.
    #[error("the server is at capacity ({queued} requests queued, limit {limit}): retry later")]
    QueueFull {
        /// Requests counted against the limit.
        queued: u32,
        /// The limit.
        limit: u32,
    },
}

/// A request the replica is serving.
#[derive(Debug)]
struct Active {
    spec: RequestSpec,
    arrival: Duration,
    queued: Duration,
    /// Output tokens it will produce before finishing.
    target_output: u32,
    /// Reaching `target_output` is an end-of-sequence (`stop`) rather than `length`.
    stops_naturally: bool,
    /// Tokens whose KV is computed.
    computed: u32,
    output: u32,
    blocks: u32,
    first_scheduled: Option<Duration>,
    first_token: Option<Duration>,
    last_token: Option<Duration>,
    preemptions: u32,
    token_times: Vec<Duration>,
}

impl Active {
    /// Prompt plus generated tokens: what the KV cache must eventually hold.
    fn known_tokens(&self) -> u32 {
        self.spec.prompt_tokens + self.output
    }

    fn into_record(self, id: RequestId, finished: Duration, reason: FinishReason) -> RequestRecord {
        RequestRecord {
            id,
            spec: self.spec,
            arrival: self.arrival,
            queued: self.queued,
            first_scheduled: self.first_scheduled,
            first_token: self.first_token,
            last_token: self.last_token,
            finished,
            finish_reason: reason,
            output_tokens: self.output,
            preemptions: self.preemptions,
            token_times: self.token_times,
        }
    }
}

/// The engine step currently executing.
#[derive(Debug)]
struct Step {
    ends: Duration,
    /// Requests and the tokens computed for each.
    scheduled: Vec<(RequestId, u32)>,
}

/// A simulated vLLM replica (see the module docs).
#[derive(Debug)]
pub struct Replica {
    config: ReplicaConfig,
    ready_at: Duration,
    rng: StdRng,
    next_id: u64,
    requests: HashMap<RequestId, Active>,
    /// In the frontend (tokenizing), in arrival order.
    pending: VecDeque<RequestId>,
    waiting: VecDeque<RequestId>,
    /// In admission order: the last is preempted first.
    running: Vec<RequestId>,
    free_blocks: u32,
    step: Option<Step>,
    /// Reused allocation for the next step's schedule.
    spare_schedule: Vec<(RequestId, u32)>,
    metrics: EngineMetrics,
}

impl Replica {
    /// A replica created (starting its model load) at `created_at`, with its randomness seeded.
    pub fn new(
        config: ReplicaConfig,
        seed: u64,
        created_at: Duration,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Replica {
            ready_at: created_at + config.startup,
            rng: StdRng::seed_from_u64(seed),
            next_id: 0,
            requests: HashMap::new(),
            pending: VecDeque::new(),
            waiting: VecDeque::new(),
            running: Vec::new(),
            free_blocks: config.num_gpu_blocks,
            step: None,
            spare_schedule: Vec::new(),
            metrics: EngineMetrics::new(config.max_model_len),
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ReplicaConfig {
        &self.config
    }

    /// When the model has loaded and requests are accepted.
    pub fn ready_at(&self) -> Duration {
        self.ready_at
    }

    /// Whether the model has loaded at `now`.
    pub fn is_ready(&self, now: Duration) -> bool {
        now >= self.ready_at
    }

    /// Accepts a request arriving at `now`. Call [`advance`](Replica::advance) up to `now`
    /// first so the queue limits see the current state.
    pub fn submit(&mut self, spec: RequestSpec, now: Duration) -> Result<RequestId, SubmitError> {
        self.check(&spec, now)?;

        let (target_output, stops_naturally) = self.output_length(&spec);
        let id = RequestId(self.next_id);
        self.next_id += 1;
        let request = Active {
            spec,
            arrival: now,
            queued: now + self.config.latency.frontend_overhead,
            target_output,
            stops_naturally,
            computed: 0,
            output: 0,
            blocks: 0,
            first_scheduled: None,
            first_token: None,
            last_token: None,
            preemptions: 0,
            token_times: Vec::new(),
        };
        self.requests.insert(id, request);
        self.pending.push_back(id);
        Ok(id)
    }

    fn check(&self, spec: &RequestSpec, now: Duration) -> Result<(), SubmitError> {
        if !self.is_ready(now) {
            return Err(SubmitError::NotReady {
                ready_at: self.ready_at,
            });
        }
        if spec.prompt_tokens == 0 {
            return Err(SubmitError::EmptyPrompt);
        }
        if spec.max_tokens == 0 {
            return Err(SubmitError::ZeroMaxTokens);
        }
        let max_model_len = self.config.max_model_len;
        if spec.prompt_tokens > max_model_len {
            return Err(SubmitError::PromptTooLong {
                prompt_tokens: spec.prompt_tokens,
                max_model_len,
            });
        }
        if u64::from(spec.prompt_tokens) + u64::from(spec.max_tokens) > u64::from(max_model_len) {
            return Err(SubmitError::ContextTooLong {
                prompt_tokens: spec.prompt_tokens,
                max_tokens: spec.max_tokens,
                max_model_len,
            });
        }

        let waiting = (self.pending.len() + self.waiting.len()) as u32;
        if let Some(limit) = self.config.max_waiting.filter(|&limit| waiting >= limit) {
            return Err(SubmitError::QueueFull {
                queued: waiting,
                limit,
            });
        }
        let queued = self.requests.len() as u32;
        if let Some(limit) = self
            .config
            .max_num_queued_reqs
            .filter(|&limit| queued >= limit)
        {
            return Err(SubmitError::QueueFull { queued, limit });
        }
        Ok(())
    }

    /// How many tokens the request will generate, and whether the last one is end-of-sequence.
    fn output_length(&mut self, spec: &RequestSpec) -> (u32, bool) {
        if spec.ignore_eos {
            return (spec.max_tokens, false);
        }
        let natural = match (spec.eos_after, self.config.output_length) {
            (Some(n), _) => Some(n.max(1)),
            (None, OutputLength::UntilMaxTokens) => None,
            (None, OutputLength::Geometric { mean_tokens }) => {
                let p = (1.0 / mean_tokens.max(1.0)).clamp(f64::MIN_POSITIVE, 1.0);
                let failures = Geometric::new(p)
                    .map(|g| g.sample(&mut self.rng))
                    .unwrap_or(0);
                Some(u32::try_from(failures.saturating_add(1)).unwrap_or(u32::MAX))
            }
        };
        match natural {
            // vLLM checks end-of-sequence before the length limit.
            Some(n) if n <= spec.max_tokens => (n, true),
            _ => (spec.max_tokens, false),
        }
    }

    /// Aborts a request (the client went away) at `now`. It leaves the batch at once, frees its
    /// KV blocks and finishes with `abort`; tokens of a step still executing are discarded.
    /// Returns false when the request is unknown or already finished.
    pub fn abort(&mut self, id: RequestId, now: Duration, sink: &mut impl FnMut(Event)) -> bool {
        let Some(request) = self.requests.remove(&id) else {
            return false;
        };
        self.pending.retain(|&other| other != id);
        self.waiting.retain(|&other| other != id);
        self.running.retain(|&other| other != id);
        self.free_blocks += request.blocks;
        self.finish(id, request, now, FinishReason::Abort, sink);
        true
    }

    /// Runs every engine step that ends at or before `now`, reporting tokens, preemptions and
    /// finished requests to `sink` in time order.
    pub fn advance(&mut self, now: Duration, sink: &mut impl FnMut(Event)) {
        loop {
            match &self.step {
                Some(step) if step.ends <= now => {
                    let ends = step.ends;
                    self.finish_step(sink);
                    self.enqueue_arrivals(ends);
                    self.start_step(ends, sink);
                }
                Some(_) => break,
                None => {
                    let Some(queued) = self.pending.front().map(|id| self.requests[id].queued)
                    else {
                        break;
                    };
                    if queued > now {
                        break;
                    }
                    self.enqueue_arrivals(queued);
                    self.start_step(queued, sink);
                }
            }
        }
        self.enqueue_arrivals(now);
    }

    /// When the replica next changes state on its own: the end of the executing step, or the
    /// next arrival reaching an idle engine. `None` when idle with nothing pending.
    pub fn next_event_at(&self) -> Option<Duration> {
        match &self.step {
            Some(step) => Some(step.ends),
            None => self.pending.front().map(|id| self.requests[id].queued),
        }
    }

    /// Moves requests whose frontend work is done by `now` into the waiting queue.
    fn enqueue_arrivals(&mut self, now: Duration) {
        while let Some(&id) = self.pending.front() {
            if self.requests[&id].queued > now {
                break;
            }
            self.pending.pop_front();
            self.waiting.push_back(id);
        }
    }

    fn finish(
        &mut self,
        id: RequestId,
        request: Active,
        at: Duration,
        reason: FinishReason,
        sink: &mut impl FnMut(Event),
    ) {
        let record = request.into_record(id, at, reason);
        self.metrics.on_finished(&record);
        sink(Event::Finished(Box::new(record)));
    }

    /// The scheduler gauges now.
    pub fn gauges(&self) -> Gauges {
        let total = f64::from(self.config.num_gpu_blocks);
        Gauges {
            running: self.running.len() as u32,
            waiting: self.waiting.len() as u32,
            kv_cache_usage: (total - f64::from(self.free_blocks)) / total,
        }
    }

    /// Counters and histograms.
    pub fn metrics(&self) -> &EngineMetrics {
        &self.metrics
    }

    /// Requests accepted and not yet finished (in the frontend, waiting or running).
    pub fn in_flight(&self) -> usize {
        self.requests.len()
    }

    /// Whether a request is still being served.
    pub fn contains(&self, id: RequestId) -> bool {
        self.requests.contains_key(&id)
    }
}
