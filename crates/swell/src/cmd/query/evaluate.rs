//! Evaluating every trigger of a ScaledObject against its live source, all at once.
//!
//! Each trigger is bound to its source (`swell_metrics::source`) and queried concurrently, so
//! the command takes as long as the slowest trigger, not the sum. A trigger that could not be
//! prepared (its credentials did not resolve) is not queried: sending stand-in credentials
//! would only produce a misleading 401.

use std::time::{Duration, Instant};

use futures::future::join_all;
use swell_core::trigger::TriggerConfig;
use swell_metrics::scrape::Scraper;
use swell_metrics::source::TriggerSource;
use tracing::debug;

/// One trigger ready to evaluate, or the reason it cannot be.
#[derive(Debug)]
pub struct Prepared<'a> {
    /// The parsed trigger (with the real credentials), or why it is not usable.
    pub config: Result<&'a TriggerConfig, String>,
    /// The TriggerAuthentication name, for error messages.
    pub auth_ref: Option<String>,
}

/// A trigger's reading.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    /// The value, or a message saying what failed and what to check.
    pub value: Result<f64, String>,
    /// How long the evaluation took.
    pub elapsed: Duration,
}

/// Evaluates every prepared trigger concurrently; readings come back in trigger order.
pub async fn evaluate_all(triggers: &[Prepared<'_>]) -> Vec<Reading> {
    let scraper = Scraper::new();
    let evaluations = triggers
        .iter()
        .enumerate()
        .map(|(index, trigger)| evaluate_one(index, trigger, &scraper));
    join_all(evaluations).await
}

async fn evaluate_one(index: usize, trigger: &Prepared<'_>, scraper: &Scraper) -> Reading {
    let started = Instant::now();
    let value = match &trigger.config {
        Err(message) => Err(message.clone()),
        Ok(config) => match TriggerSource::new(config, trigger.auth_ref.clone(), scraper) {
            Err(err) => Err(err.to_string()),
            Ok(mut source) => source.evaluate().await.map_err(|e| e.to_string()),
        },
    };
    // JSON has no NaN or infinity; no source returns them, but say so rather than print junk.
    let value = value.and_then(|v| {
        if v.is_finite() {
            Ok(v)
        } else {
            Err(format!(
                "the source returned {v}, which is not a usable value"
            ))
        }
    });
    let elapsed = started.elapsed();
    debug!(
        trigger = index,
        ok = value.is_ok(),
        elapsed_ms = elapsed.as_millis() as u64,
        "Evaluated trigger."
    );
    Reading { value, elapsed }
}
