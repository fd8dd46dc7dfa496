//! `swell load`: an open-loop load generator for OpenAI-compatible servers.
//!
//! Every arrival is scheduled up front on an absolute timeline and sent at its time with
//! `sleep_until`, in its own task, whether or not earlier requests have answered: no coordinated
//! omission. Requests go round-robin over the target base URLs. Each result is handed to the
//! caller as it completes (for `--out` JSON Lines) and all are summarized at the end.
//!
//! No existing Rust crate does open-loop arrivals with SSE time-to-first-token measurement
//! (oha and goose are closed-loop), hence this module.

pub mod client;
pub mod schedule;
pub mod summary;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;
use thiserror::Error;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::info;

pub use client::{Api, Client, RequestResult, RequestTemplate};
pub use schedule::{Arrival, Pattern, TokenCount, arrivals, parse_steps, parse_trace};
pub use summary::{Percentiles, Summary};

/// Why a load run could not start.
#[derive(Debug, Error)]
pub enum LoadError {
    /// A trace line is invalid.
    #[error("trace line {line}: {message}")]
    Trace {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// No target URL.
    #[error("no target: pass at least one `--url`")]
    NoTarget,
    /// The model could not be discovered.
    #[error("cannot discover the model from {url}/v1/models ({message}): pass `--model`")]
    Discovery {
        /// The target asked.
        url: String,
        /// What went wrong.
        message: String,
    },
}

/// A load run.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    /// Base URLs (e.g. `http://127.0.0.1:8000`), used round-robin.
    pub targets: Vec<String>,
    /// What to send; `model` empty means "ask the first target's /v1/models".
    pub template: RequestTemplate,
    /// Arrival pattern.
    pub pattern: Pattern,
    /// Schedule length.
    pub duration: Duration,
    /// At most this many requests.
    pub max_requests: Option<usize>,
    /// Prompt sizes.
    pub prompt_tokens: TokenCount,
    /// `max_tokens` sizes.
    pub max_tokens: TokenCount,
    /// Seeds arrivals and sizes.
    pub seed: u64,
    /// Refuse to have more than this many requests outstanding (counted as client errors).
    pub max_in_flight: usize,
}

/// Runs the load; `on_result` sees every request as it completes. Returns the summary.
pub async fn run(
    config: LoadConfig,
    mut on_result: impl FnMut(&RequestResult),
) -> Result<Summary, LoadError> {
    if config.targets.is_empty() {
        return Err(LoadError::NoTarget);
    }
    let client = Client::default();
    let mut template = config.template.clone();
    if template.model.is_empty() {
        template.model = discover_model(&client, &config.targets[0]).await?;
    }

    let mut rng = StdRng::seed_from_u64(config.seed);
    let schedule = arrivals(
        &config.pattern,
        config.duration,
        config.max_requests,
        config.prompt_tokens,
        config.max_tokens,
        &mut rng,
    );
    let schedule_seconds = match config.pattern {
        Pattern::Trace(_) => schedule.last().map_or(0.0, |a| a.at.as_secs_f64()),
        _ => config.duration.as_secs_f64(),
    };
    info!(requests = schedule.len(), targets = config.targets.len(), model = %template.model, "Starting load.");

    let start = Instant::now();
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let template = Arc::new(template);
    let dispatcher = {
        let targets = config.targets.clone();
        let in_flight = in_flight.clone();
        tokio::spawn(async move {
            for (index, arrival) in schedule.into_iter().enumerate() {
                let scheduled = start + arrival.at;
                tokio::time::sleep_until(scheduled).await;
                let target = targets[index % targets.len()].clone();
                let sender = sender.clone();
                if in_flight.load(Ordering::Relaxed) >= config.max_in_flight {
                    let _ = sender.send(overloaded(index, &target, &arrival, scheduled, start));
                    continue;
                }
                in_flight.fetch_add(1, Ordering::Relaxed);
                let (client, template, in_flight) =
                    (client.clone(), template.clone(), in_flight.clone());
                tokio::spawn(async move {
                    let mut result = client
                        .send(&target, &template, &arrival, scheduled, start)
                        .await;
                    result.index = index;
                    in_flight.fetch_sub(1, Ordering::Relaxed);
                    let _ = sender.send(result);
                });
            }
        })
    };

    let mut results = Vec::new();
    while let Some(result) = receiver.recv().await {
        on_result(&result);
        results.push(result);
    }
    let _ = dispatcher.await;
    let duration = start.elapsed().as_secs_f64();
    results.sort_by_key(|r| r.index);
    Ok(Summary::of(&results, duration, schedule_seconds))
}

fn overloaded(
    index: usize,
    target: &str,
    arrival: &Arrival,
    scheduled: Instant,
    start: Instant,
) -> RequestResult {
    RequestResult {
        index,
        target: target.to_owned(),
        scheduled: scheduled.duration_since(start).as_secs_f64(),
        error: Some("not sent: too many requests in flight (raise --max-in-flight)".to_owned()),
        prompt_tokens: arrival.prompt_tokens,
        max_tokens: arrival.max_tokens,
        ..RequestResult::default()
    }
}

/// The first model id that `base/v1/models` lists.
pub async fn discover_model(client: &Client, base: &str) -> Result<String, LoadError> {
    let url = format!("{}/v1/models", base.trim_end_matches('/'));
    let discovery = |message: String| LoadError::Discovery {
        url: base.to_owned(),
        message,
    };
    let (status, body) = client.get(&url).await.map_err(discovery)?;
    if status != 200 {
        return Err(discovery(format!("HTTP {status}")));
    }
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|err| discovery(err.to_string()))?;
    value["data"][0]["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| discovery("no model listed".to_owned()))
}
