//! What a caller submits to a replica, what the replica reports back while it serves it, and the
//! record it hands over when the request is done.

use std::fmt;
use std::time::Duration;

/// Identifies a request inside one [`Replica`](crate::Replica); assigned in submission order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub u64);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A generation request as the engine sees it once the prompt is tokenized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestSpec {
    /// Prompt length in tokens (at least 1).
    pub prompt_tokens: u32,
    /// The most tokens to generate (`max_tokens`); reaching it finishes with `length`.
    pub max_tokens: u32,
    /// Ignore end-of-sequence: always generate `max_tokens`.
    pub ignore_eos: bool,
    /// Where the "model" emits end-of-sequence, overriding the replica's EOS distribution (a
    /// trace that knows the real output length sets it). Ignored with `ignore_eos`.
    pub eos_after: Option<u32>,
}

impl RequestSpec {
    /// A request of `prompt_tokens` that generates exactly `max_tokens` tokens.
    pub fn fixed(prompt_tokens: u32, max_tokens: u32) -> Self {
        RequestSpec {
            prompt_tokens,
            max_tokens,
            ignore_eos: true,
            eos_after: None,
        }
    }
}

/// Why a request finished, with vLLM's label values for `finished_reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FinishReason {
    /// The model emitted end-of-sequence.
    Stop,
    /// `max_tokens` was reached.
    Length,
    /// The client went away (or the caller aborted it).
    Abort,
}

impl FinishReason {
    /// Every reason, in the order vLLM declares them (and prints their counters).
    pub const ALL: [FinishReason; 3] = [
        FinishReason::Stop,
        FinishReason::Length,
        FinishReason::Abort,
    ];

    /// The `finished_reason` label value, also the OpenAI `finish_reason` for stop and length.
    pub fn as_str(self) -> &'static str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::Abort => "abort",
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            FinishReason::Stop => 0,
            FinishReason::Length => 1,
            FinishReason::Abort => 2,
        }
    }
}

impl fmt::Display for FinishReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the replica measured about one finished request. Times are on the caller's clock
/// (the `now` values passed to the replica).
#[derive(Clone, Debug, PartialEq)]
pub struct RequestRecord {
    /// The request.
    pub id: RequestId,
    /// What was submitted.
    pub spec: RequestSpec,
    /// When the request arrived at the server (the `now` of `submit`).
    pub arrival: Duration,
    /// When it entered the engine's waiting queue (after the frontend overhead).
    pub queued: Duration,
    /// When a step first scheduled it.
    pub first_scheduled: Option<Duration>,
    /// When its first output token was produced.
    pub first_token: Option<Duration>,
    /// When its latest output token was produced.
    pub last_token: Option<Duration>,
    /// When it finished (last token, or the abort).
    pub finished: Duration,
    /// Why it finished.
    pub finish_reason: FinishReason,
    /// Output tokens produced.
    pub output_tokens: u32,
    /// How often it was preempted (and its KV cache recomputed).
    pub preemptions: u32,
    /// The time of every output token, when the replica records them
    /// ([`ReplicaConfig::record_token_times`](crate::ReplicaConfig::record_token_times)).
    pub token_times: Vec<Duration>,
}

impl RequestRecord {
    /// Time to first token, from arrival.
    pub fn ttft(&self) -> Option<Duration> {
        self.first_token.map(|t| t.saturating_sub(self.arrival))
    }

    /// Time spent waiting in the engine queue before the first schedule (to the finish when
    /// never scheduled).
    pub fn queue_time(&self) -> Duration {
        self.first_scheduled
            .unwrap_or(self.finished)
            .saturating_sub(self.queued)
    }

    /// Arrival to finish.
    pub fn e2e(&self) -> Duration {
        self.finished.saturating_sub(self.arrival)
    }
}

/// What happened inside the replica, reported by [`Replica::advance`](crate::Replica::advance)
/// and [`Replica::abort`](crate::Replica::abort) in time order.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The request produced output token number `index` (0 = the first token) at `at`.
    Token {
        /// The request.
        id: RequestId,
        /// When the engine step that produced it ended.
        at: Duration,
        /// 0-based position among the request's output tokens.
        index: u32,
        /// The request finishes with this token ([`Event::Finished`] follows).
        last: bool,
    },
    /// The request was preempted: its KV cache was dropped and it went back to waiting.
    Preempted {
        /// The request.
        id: RequestId,
        /// When.
        at: Duration,
    },
    /// The request finished; the replica forgets it.
    Finished(Box<RequestRecord>),
}
