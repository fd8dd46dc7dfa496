//! What `swell emulate` is told: where to listen, which model to impersonate, how the replica
//! performs, and which faults to inject.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

pub use axum::http::StatusCode;
use swell_sim::ReplicaConfig;

use crate::exposition::MetricNames;

/// The emulator's configuration.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// Address to listen on (vLLM: `--host`).
    pub host: IpAddr,
    /// Port (vLLM default 8000; 0 picks a free one).
    pub port: u16,
    /// The name clients use in `model` and that labels the metrics (`--served-model-name`).
    pub served_model_name: String,
    /// The model path (`--model`), shown as `root` in `/v1/models`.
    pub model: String,
    /// How the replica performs.
    pub replica: ReplicaConfig,
    /// Seeds step jitter, end-of-sequence sampling and the generated text.
    pub seed: u64,
    /// Model load time: the port refuses connections until it has passed.
    pub startup_delay: Duration,
    /// Model time per real time: 10 runs the engine ten times faster than a GPU would.
    pub time_scale: f64,
    /// Current or legacy vLLM metric names.
    pub metric_names: MetricNames,
    /// Status of requests refused by `max_waiting` / `max_num_queued_reqs` (503 or 429).
    pub reject_status: StatusCode,
    /// Count in-flight requests on `/load` (vLLM's `--enable-server-load-tracking`).
    pub server_load_tracking: bool,
    /// Output length of a chat request that sends no `max_tokens`, when no end-of-sequence
    /// distribution is configured (vLLM would generate up to the context window, a real model
    /// stops much earlier).
    pub default_chat_output_tokens: u32,
    /// Inject an "engine dead" fault this long after the model loaded.
    pub fail_after: Option<Duration>,
    /// How long a graceful shutdown waits for responses in progress.
    pub shutdown_timeout: Duration,
    /// The `/version` answer.
    pub vllm_version: String,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8000,
            served_model_name: "qwen".to_owned(),
            model: "qwen".to_owned(),
            replica: ReplicaConfig::default(),
            seed: 0,
            startup_delay: Duration::ZERO,
            time_scale: 1.0,
            metric_names: MetricNames::Current,
            reject_status: StatusCode::SERVICE_UNAVAILABLE,
            server_load_tracking: false,
            default_chat_output_tokens: 256,
            fail_after: None,
            shutdown_timeout: Duration::from_secs(30),
            vllm_version: "0.11.0".to_owned(),
        }
    }
}
