//! The state behind a replica's vLLM metrics: counters and histograms, observed at the moments
//! vLLM V1 observes them, plus the gauges read from the scheduler.
//!
//! When each value moves (and why the counts stay consistent):
//! - at a request's first token: `time_to_first_token` and `prompt_tokens` (the whole prompt);
//! - at every later token: `inter_token_latency` (including the gap across a preemption);
//! - at every token: `generation_tokens`;
//! - at finish (stop, length or abort): `request_success{finished_reason}` and every per-request
//!   histogram (e2e, queue, prefill, decode, inference, time per output token, token counts,
//!   request parameters);
//! - at every step: `iteration_tokens`; at every preemption: `preemptions`;
//! - at every admission from the waiting queue: `prefix_cache_queries` (the tokens looked up;
//!   the model has no prefix cache, so `prefix_cache_hits` stays 0).
//!
//! Hence TTFT count = requests past prefill, ITL count = generation tokens − TTFT count, and every
//! per-request histogram count = Σ `request_success`.

use std::time::Duration;

use crate::histogram::{
    Histogram, ITERATION_TOKENS_BUCKETS, ITL_BUCKETS, PARAMS_N_BUCKETS, REQUEST_LATENCY_BUCKETS,
    TTFT_BUCKETS, one_two_five_buckets,
};
use crate::request::{FinishReason, RequestRecord};

/// Instantaneous scheduler state, as vLLM's gauges show it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gauges {
    /// Requests in the running batch (`vllm:num_requests_running`).
    pub running: u32,
    /// Requests in the waiting queue, including preempted ones (`vllm:num_requests_waiting`).
    pub waiting: u32,
    /// Fraction of KV blocks in use, 0..=1 (`vllm:kv_cache_usage_perc`).
    pub kv_cache_usage: f64,
}

/// Counters and histograms of one engine, named after the vLLM metrics they feed.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineMetrics {
    /// `vllm:num_preemptions`.
    pub preemptions: u64,
    /// `vllm:prompt_tokens`.
    pub prompt_tokens: u64,
    /// `vllm:generation_tokens`.
    pub generation_tokens: u64,
    /// `vllm:prefix_cache_queries`.
    pub prefix_cache_queries: u64,
    /// `vllm:prefix_cache_hits`.
    pub prefix_cache_hits: u64,
    /// `vllm:request_success` per reason, indexed like [`FinishReason::ALL`].
    request_success: [u64; 3],
    /// `vllm:time_to_first_token_seconds`.
    pub time_to_first_token: Histogram,
    /// `vllm:inter_token_latency_seconds` (also the legacy `time_per_output_token_seconds`).
    pub inter_token_latency: Histogram,
    /// `vllm:request_time_per_output_token_seconds`.
    pub request_time_per_output_token: Histogram,
    /// `vllm:e2e_request_latency_seconds`.
    pub e2e_request_latency: Histogram,
    /// `vllm:request_queue_time_seconds`.
    pub request_queue_time: Histogram,
    /// `vllm:request_inference_time_seconds`.
    pub request_inference_time: Histogram,
    /// `vllm:request_prefill_time_seconds`.
    pub request_prefill_time: Histogram,
    /// `vllm:request_decode_time_seconds`.
    pub request_decode_time: Histogram,
    /// `vllm:request_prompt_tokens`.
    pub request_prompt_tokens: Histogram,
    /// `vllm:request_generation_tokens`.
    pub request_generation_tokens: Histogram,
    /// `vllm:request_max_num_generation_tokens`.
    pub request_max_num_generation_tokens: Histogram,
    /// `vllm:request_params_max_tokens`.
    pub request_params_max_tokens: Histogram,
    /// `vllm:request_params_n`.
    pub request_params_n: Histogram,
    /// `vllm:iteration_tokens_total`.
    pub iteration_tokens: Histogram,
}

impl EngineMetrics {
    /// Empty metrics for an engine whose longest sequence is `max_model_len` (it sets the
    /// token-count buckets).
    pub fn new(max_model_len: u32) -> Self {
        let token_buckets: std::sync::Arc<[f64]> = one_two_five_buckets(max_model_len).into();
        let latency = || Histogram::new(REQUEST_LATENCY_BUCKETS);
        let tokens = || Histogram::new(token_buckets.clone());
        EngineMetrics {
            preemptions: 0,
            prompt_tokens: 0,
            generation_tokens: 0,
            prefix_cache_queries: 0,
            prefix_cache_hits: 0,
            request_success: [0; 3],
            time_to_first_token: Histogram::new(TTFT_BUCKETS),
            inter_token_latency: Histogram::new(ITL_BUCKETS),
            request_time_per_output_token: Histogram::new(ITL_BUCKETS),
            e2e_request_latency: latency(),
            request_queue_time: latency(),
            request_inference_time: latency(),
            request_prefill_time: latency(),
            request_decode_time: latency(),
            request_prompt_tokens: tokens(),
            request_generation_tokens: tokens(),
            request_max_num_generation_tokens: tokens(),
            request_params_max_tokens: tokens(),
            request_params_n: Histogram::new(PARAMS_N_BUCKETS),
            iteration_tokens: Histogram::new(ITERATION_TOKENS_BUCKETS),
        }
    }

    /// `vllm:request_success_total{finished_reason}`.
    pub fn request_success(&self, reason: FinishReason) -> u64 {
        self.request_success[reason.index()]
    }

    /// Finished requests of every reason.
    pub fn finished_requests(&self) -> u64 {
        self.request_success.iter().sum()
    }

    pub(crate) fn on_first_token(&mut self, ttft: Duration, prompt_tokens: u32) {
        self.time_to_first_token.observe(ttft.as_secs_f64());
        self.prompt_tokens += u64::from(prompt_tokens);
        self.generation_tokens += 1;
    }

    pub(crate) fn on_next_token(&mut self, gap: Duration) {
        self.inter_token_latency.observe(gap.as_secs_f64());
        self.generation_tokens += 1;
    }

    pub(crate) fn on_finished(&mut self, record: &RequestRecord) {
        self.request_success[record.finish_reason.index()] += 1;

        let scheduled = record.first_scheduled.unwrap_or(record.finished);
        let first = record.first_token.unwrap_or(scheduled.max(record.queued));
        let last = record.last_token.unwrap_or(first);
        let secs = |later: Duration, earlier: Duration| later.saturating_sub(earlier).as_secs_f64();
        let decode = secs(last, first);

        self.e2e_request_latency
            .observe(secs(record.finished, record.arrival));
        self.request_queue_time
            .observe(record.queue_time().as_secs_f64());
        self.request_prefill_time
            .observe(if record.first_scheduled.is_some() {
                secs(first, scheduled)
            } else {
                0.0
            });
        self.request_decode_time.observe(decode);
        self.request_inference_time
            .observe(if record.first_scheduled.is_some() {
                secs(last, scheduled)
            } else {
                0.0
            });
        let per_token = if record.output_tokens > 1 {
            decode / f64::from(record.output_tokens - 1)
        } else {
            0.0
        };
        self.request_time_per_output_token.observe(per_token);
        self.request_prompt_tokens
            .observe(f64::from(record.spec.prompt_tokens));
        self.request_generation_tokens
            .observe(f64::from(record.output_tokens));
        self.request_max_num_generation_tokens
            .observe(f64::from(record.spec.max_tokens));
        self.request_params_max_tokens
            .observe(f64::from(record.spec.max_tokens));
        self.request_params_n.observe(1.0);
    }
}
