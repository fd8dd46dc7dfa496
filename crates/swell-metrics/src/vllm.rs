//! The `type: vllm` trigger at run time: scrape the pods, read the metric, combine the pods.
//!
//! Gauges are read as they are. Counters become per-second rates between this scrape and the
//! previous one (so the source keeps the previous readings; the first evaluation scrapes twice,
//! [`COUNTER_BOOTSTRAP`] apart). Histograms give a quantile over the bucket increase since the
//! previous scrape (see [`crate::histogram`]); with no observations in that window the value
//! is 0, as KEDA's default `ignoreNullValues` reads Prometheus' NaN.
//!
//! The unit of aggregation is a series (a pod, or one engine of a data-parallel pod): `sum`
//! adds them (histograms: merges their buckets), `avg`/`max`/`min` combine per-series values.
//! Pods that fail to answer are left out unless `requireAllEndpoints` is set; the evaluation
//! fails when no pod answered or no pod has the metric.

pub mod extract;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use swell_core::trigger::vllm::{Aggregation, MetricKind, ScrapeTargets, VllmTrigger};
use thiserror::Error;
use tokio::time::Instant;
use tracing::debug;

use crate::exposition;
use crate::histogram::Buckets;
use crate::scrape::{Page, ScrapeError, Scraper};
use extract::{SeriesValue, extract};

/// The gap between the two scrapes of a counter trigger's first evaluation.
pub const COUNTER_BOOTSTRAP: Duration = Duration::from_secs(1);

/// One evaluation's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct VllmReading {
    /// The combined value.
    pub value: f64,
    /// Endpoints that answered with the metric.
    pub endpoints_ok: usize,
    /// Series that went into the value.
    pub series: usize,
    /// Endpoints left out, and why.
    pub failures: Vec<ScrapeError>,
}

/// Why a vLLM trigger produced no value.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum VllmError {
    /// The trigger selects pods by label, which only the operator can resolve.
    #[error(
        "podSelector `{selector}` needs pod discovery from Kubernetes (the operator); for the CLI list the pods in `endpoints`"
    )]
    NeedsDiscovery {
        /// The selector.
        selector: String,
    },
    /// No endpoint to scrape.
    #[error("no endpoint to scrape")]
    NoEndpoints,
    /// Every endpoint failed.
    #[error("no vLLM endpoint answered: {}", join(.0))]
    AllFailed(Vec<ScrapeError>),
    /// Some endpoint failed and `requireAllEndpoints` is set.
    #[error("requireAllEndpoints is set and {} endpoint(s) failed: {}", .0.len(), join(.0))]
    SomeFailed(Vec<ScrapeError>),
    /// The pods answered but none exposes the metric (for the model).
    #[error("no pod exposes {families}{}; check `metric` and `modelName` against the pods' /metrics", model.as_ref().map(|m| format!(" with model_name=\"{m}\"")).unwrap_or_default())]
    MetricMissing {
        /// The family names looked for.
        families: String,
        /// The model filter.
        model: Option<String>,
    },
}

fn join(errors: &[ScrapeError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A vLLM trigger with the state its rates and windowed quantiles need.
#[derive(Debug)]
pub struct VllmSource {
    trigger: VllmTrigger,
    scraper: Scraper,
    /// Last reading per (endpoint, series).
    previous: HashMap<(String, String), (Instant, SeriesValue)>,
}

impl VllmSource {
    /// A source for `trigger`, sharing `scraper`'s connection pool.
    pub fn new(trigger: VllmTrigger, scraper: Scraper) -> Self {
        VllmSource {
            trigger,
            scraper,
            previous: HashMap::new(),
        }
    }

    /// The trigger this source runs.
    pub fn trigger(&self) -> &VllmTrigger {
        &self.trigger
    }

    /// Evaluates against the trigger's `endpoints`.
    pub async fn evaluate(&mut self) -> Result<VllmReading, VllmError> {
        let endpoints = match &self.trigger.targets {
            ScrapeTargets::Endpoints(endpoints) => endpoints.clone(),
            ScrapeTargets::PodSelector { selector, .. } => {
                return Err(VllmError::NeedsDiscovery {
                    selector: selector.clone(),
                });
            }
        };
        self.evaluate_endpoints(&endpoints).await
    }

    /// Evaluates against `endpoints` (the operator passes the pods it discovered).
    pub async fn evaluate_endpoints(
        &mut self,
        endpoints: &[String],
    ) -> Result<VllmReading, VllmError> {
        if endpoints.is_empty() {
            return Err(VllmError::NoEndpoints);
        }
        let needs_previous = self.trigger.metric.kind == MetricKind::Counter;
        if needs_previous
            && !endpoints
                .iter()
                .any(|e| self.previous.keys().any(|(pe, _)| pe == e))
        {
            self.observe(endpoints).await?;
            tokio::time::sleep(COUNTER_BOOTSTRAP).await;
        }
        let current = self.observe(endpoints).await?;
        Ok(self.combine(current))
    }

    /// Scrapes and extracts, failing when too few endpoints answered.
    async fn observe(&mut self, endpoints: &[String]) -> Result<Observation, VllmError> {
        let trigger = &self.trigger;
        let pages = self
            .scraper
            .scrape_all(endpoints, &trigger.path, trigger.timeout())
            .await;

        let mut observation = Observation::default();
        for result in pages {
            match result.and_then(|page| read_page(page, trigger)) {
                Ok(Some((endpoint, at, series))) => {
                    observation.endpoints_ok += 1;
                    let keyed = series
                        .into_iter()
                        .map(|(k, v)| ((endpoint.clone(), k), (at, v)));
                    observation.series.extend(keyed);
                }
                Ok(None) => observation.missing += 1,
                Err(failure) => observation.failures.push(failure),
            }
        }
        debug!(
            ok = observation.endpoints_ok,
            failed = observation.failures.len(),
            missing = observation.missing,
            "Scraped vLLM endpoints."
        );

        if observation.endpoints_ok == 0 && observation.missing == 0 {
            return Err(VllmError::AllFailed(observation.failures));
        }
        if trigger.require_all_endpoints && !observation.failures.is_empty() {
            return Err(VllmError::SomeFailed(observation.failures));
        }
        if observation.series.is_empty() {
            return Err(VllmError::MetricMissing {
                families: trigger.metric.families().join(" or "),
                model: trigger.model_name.clone(),
            });
        }
        Ok(observation)
    }

    /// Turns this observation into one value and remembers it for the next window.
    fn combine(&mut self, current: Observation) -> VllmReading {
        let trigger = &self.trigger;
        let mut per_series = Vec::with_capacity(current.series.len());
        let mut merged = Buckets::default();

        for (key, (at, value)) in &current.series {
            let before = self.previous.get(key);
            match value {
                SeriesValue::Gauge(v) => per_series.push(*v),
                SeriesValue::Counter(total) => {
                    if let Some((then, SeriesValue::Counter(old))) = before {
                        let seconds = at.duration_since(*then).as_secs_f64();
                        // A total that went down is a restarted pod: count from zero.
                        let increase = if total >= old { total - old } else { *total };
                        if seconds > 0.0 {
                            per_series.push(increase / seconds);
                        }
                    }
                }
                SeriesValue::Histogram(buckets) => {
                    let window = match before {
                        Some((_, SeriesValue::Histogram(old))) => buckets.increase_since(old),
                        _ => buckets.clone(),
                    };
                    match trigger.aggregation {
                        Aggregation::Sum => merged.merge(&window),
                        _ => per_series.push(window.quantile(trigger.quantile.unwrap_or(0.5))),
                    }
                }
            }
        }

        let value = match (trigger.metric.kind, trigger.aggregation) {
            (MetricKind::Histogram, Aggregation::Sum) => {
                merged.quantile(trigger.quantile.unwrap_or(0.5))
            }
            (MetricKind::Histogram, aggregation) => {
                let observed: Vec<f64> =
                    per_series.iter().copied().filter(|v| !v.is_nan()).collect();
                aggregation.apply(&observed).unwrap_or(f64::NAN)
            }
            (_, aggregation) => aggregation.apply(&per_series).unwrap_or(0.0),
        };
        // No observations in the window: nothing is slow, read 0 (KEDA's ignoreNullValues).
        let value = if value.is_nan() { 0.0 } else { value };

        let series = current.series.len();
        self.previous
            .retain(|(endpoint, _), _| current.series.keys().any(|(e, _)| e == endpoint));
        self.previous.extend(current.series);
        VllmReading {
            value,
            endpoints_ok: current.endpoints_ok,
            series,
            failures: current.failures,
        }
    }
}

/// What one round of scrapes found.
#[derive(Debug, Default)]
struct Observation {
    series: BTreeMap<(String, String), (Instant, SeriesValue)>,
    endpoints_ok: usize,
    missing: usize,
    failures: Vec<ScrapeError>,
}

/// Parses a page and reads the trigger's metric: `None` when the page lacks the family.
fn read_page(page: Page, trigger: &VllmTrigger) -> Result<Option<PageSeries>, ScrapeError> {
    let parsed = exposition::parse(&page.body).map_err(|e| ScrapeError::Parse {
        endpoint: page.endpoint.clone(),
        detail: e.to_string(),
    })?;
    let series = extract(&parsed, &trigger.metric, trigger.model_name.as_deref());
    Ok(series
        .filter(|s| !s.is_empty())
        .map(|s| (page.endpoint.clone(), page.scraped_at, s)))
}

/// One endpoint's series of the trigger's metric, and when they were scraped.
type PageSeries = (String, Instant, BTreeMap<String, SeriesValue>);
