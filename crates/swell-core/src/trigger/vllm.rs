//! swell's `type: vllm` trigger: read a vLLM metric straight from the pods' `/metrics`
//! instead of through Prometheus. This is an extension to KEDA's API (KEDA rejects the type);
//! `docs/triggers/vllm.md` documents it for users.
//!
//! Metadata keys:
//! - `metric` (required): a vLLM metric, with or without the `vllm:` prefix, current or legacy
//!   name (`gpu_cache_usage_perc` reads `kv_cache_usage_perc`). Gauges are read as is,
//!   counters as a per-second rate between two scrapes, histograms as a quantile.
//! - `quantile`: required for histograms, in [0, 1] (e.g. `0.95`).
//! - `aggregation`: `sum` (default), `avg`, `max` or `min` across pods. For histograms `sum`
//!   merges the pods' buckets first (a fleet-wide quantile, like
//!   `histogram_quantile(q, sum by (le) (...))`); the others combine per-pod quantiles.
//! - `endpoints`: comma list of `host:port` (or `http(s)://host:port`) to scrape; or
//!   `podSelector` + `namespace` + `port` for pod discovery (done by the operator).
//! - `path` (default `/metrics`), `modelName` (filters on the `model_name` label),
//!   `threshold` (required), `activationThreshold` (default 0), `timeout` per scrape (default
//!   1000 ms), `requireAllEndpoints` (default false: evaluate over the pods that answered).

use std::time::Duration;

use crate::metadata::{AuthParams, Fields, Lookup, Metadata};
use crate::trigger::TriggerError;

/// Default per-endpoint scrape timeout: vLLM answers `/metrics` in milliseconds, and a hung
/// pod must not hold up the evaluation for KEDA's 3 s.
pub const DEFAULT_SCRAPE_TIMEOUT: Duration = Duration::from_millis(1000);

/// How a metric's samples turn into a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    /// Read the sample.
    Gauge,
    /// Per-second rate of the `_total` counter between two scrapes.
    Counter,
    /// A quantile from the `_bucket` series.
    Histogram,
}

/// A vLLM metric swell knows, by its current name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VllmMetric {
    /// The current name without the `vllm:` prefix (counters without `_total`).
    pub name: &'static str,
    /// How it is read.
    pub kind: MetricKind,
    /// Older names vLLM exposed for the same quantity; scraped when the current one is absent.
    pub legacy_names: &'static [&'static str],
}

impl VllmMetric {
    /// The exposed family name of the current metric, e.g. `vllm:num_requests_running`.
    pub fn family(&self) -> String {
        format!("vllm:{}", self.name)
    }

    /// Exposed family names to look for, current first, then legacy.
    pub fn families(&self) -> Vec<String> {
        std::iter::once(self.name)
            .chain(self.legacy_names.iter().copied())
            .map(|n| format!("vllm:{n}"))
            .collect()
    }
}

const fn metric(
    name: &'static str,
    kind: MetricKind,
    legacy_names: &'static [&'static str],
) -> VllmMetric {
    VllmMetric {
        name,
        kind,
        legacy_names,
    }
}

/// The vLLM metrics the trigger can read (kserve_vllm.md §4.2-4.3).
pub const VLLM_METRICS: &[VllmMetric] = &[
    metric("num_requests_running", MetricKind::Gauge, &[]),
    metric("num_requests_waiting", MetricKind::Gauge, &[]),
    metric(
        "kv_cache_usage_perc",
        MetricKind::Gauge,
        &["gpu_cache_usage_perc"],
    ),
    metric("num_preemptions", MetricKind::Counter, &[]),
    metric("prompt_tokens", MetricKind::Counter, &[]),
    metric("generation_tokens", MetricKind::Counter, &[]),
    metric("request_success", MetricKind::Counter, &[]),
    metric(
        "prefix_cache_queries",
        MetricKind::Counter,
        &["gpu_prefix_cache_queries"],
    ),
    metric(
        "prefix_cache_hits",
        MetricKind::Counter,
        &["gpu_prefix_cache_hits"],
    ),
    metric("time_to_first_token_seconds", MetricKind::Histogram, &[]),
    metric(
        "inter_token_latency_seconds",
        MetricKind::Histogram,
        &["time_per_output_token_seconds"],
    ),
    metric(
        "request_time_per_output_token_seconds",
        MetricKind::Histogram,
        &[],
    ),
    metric("e2e_request_latency_seconds", MetricKind::Histogram, &[]),
    metric("request_queue_time_seconds", MetricKind::Histogram, &[]),
    metric("request_inference_time_seconds", MetricKind::Histogram, &[]),
    metric("request_prefill_time_seconds", MetricKind::Histogram, &[]),
    metric("request_decode_time_seconds", MetricKind::Histogram, &[]),
    metric("request_prompt_tokens", MetricKind::Histogram, &[]),
    metric("request_generation_tokens", MetricKind::Histogram, &[]),
    metric("iteration_tokens_total", MetricKind::Histogram, &[]),
];

/// Finds a metric by any accepted spelling: `vllm:` prefix optional, legacy names, and for
/// counters an optional `_total` suffix.
pub fn lookup_metric(written: &str) -> Option<VllmMetric> {
    let bare = written.strip_prefix("vllm:").unwrap_or(written);
    VLLM_METRICS.iter().copied().find(|m| {
        let matches = |name: &str| {
            bare == name
                || (m.kind == MetricKind::Counter && bare.strip_suffix("_total") == Some(name))
        };
        matches(m.name) || m.legacy_names.iter().any(|legacy| matches(legacy))
    })
}

/// How per-pod values combine into one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Aggregation {
    /// The total over pods (histograms: merged buckets).
    #[default]
    Sum,
    /// The mean over pods.
    Avg,
    /// The largest pod value.
    Max,
    /// The smallest pod value.
    Min,
}

impl Aggregation {
    /// Combines per-pod values; `None` for no values.
    pub fn apply(self, values: &[f64]) -> Option<f64> {
        if values.is_empty() {
            return None;
        }
        Some(match self {
            Aggregation::Sum => values.iter().sum(),
            Aggregation::Avg => values.iter().sum::<f64>() / values.len() as f64,
            Aggregation::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Aggregation::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
        })
    }

    /// The name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregation::Sum => "sum",
            Aggregation::Avg => "avg",
            Aggregation::Max => "max",
            Aggregation::Min => "min",
        }
    }
}

/// Which pods to scrape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScrapeTargets {
    /// Fixed `host:port` endpoints (the CLI and single-machine mode).
    Endpoints(Vec<String>),
    /// Pods found by label selector (resolved by the operator).
    PodSelector {
        /// A Kubernetes label selector, e.g. `app=qwen`.
        selector: String,
        /// The pods' namespace (`None`: the ScaledObject's).
        namespace: Option<String>,
        /// The metrics port.
        port: u16,
    },
}

/// A parsed `vllm` trigger.
#[derive(Clone, Debug, PartialEq)]
pub struct VllmTrigger {
    /// The metric to read.
    pub metric: VllmMetric,
    /// `metric` as written.
    pub metric_written: String,
    /// The quantile for histogram metrics.
    pub quantile: Option<f64>,
    /// How pods combine.
    pub aggregation: Aggregation,
    /// Which pods to scrape.
    pub targets: ScrapeTargets,
    /// The metrics path (default `/metrics`).
    pub path: String,
    /// Only series whose `model_name` label equals this.
    pub model_name: Option<String>,
    /// The HPA target.
    pub threshold: f64,
    /// Active when the value is strictly above this (default 0).
    pub activation_threshold: f64,
    /// Per-scrape timeout; `None` means [`DEFAULT_SCRAPE_TIMEOUT`].
    pub timeout: Option<Duration>,
    /// Fail when any endpoint fails (default: evaluate over the pods that answered).
    pub require_all_endpoints: bool,
}

impl VllmTrigger {
    /// The per-scrape timeout in effect.
    pub fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_SCRAPE_TIMEOUT)
    }
}

/// Parses a `vllm` trigger's metadata.
pub fn parse(metadata: &Metadata, auth: &AuthParams) -> Result<VllmTrigger, TriggerError> {
    let fields = Fields::new(metadata, auth);
    let md = Lookup::Metadata;

    let metric_written = fields.required(
        "metric",
        md,
        "a vLLM metric, e.g. num_requests_waiting or time_to_first_token_seconds",
    )?;
    let metric = lookup_metric(metric_written).ok_or_else(|| {
        let known: Vec<&str> = VLLM_METRICS.iter().map(|m| m.name).collect();
        TriggerError::new(
            "metric",
            format!(
                "`{metric_written}` is not a vLLM metric swell reads; use one of {}",
                known.join(", ")
            ),
        )
    })?;

    let quantile = fields.float("quantile", md)?;
    match (metric.kind, quantile) {
        (MetricKind::Histogram, None) => {
            return Err(TriggerError::new(
                "quantile",
                format!(
                    "is required for the histogram `{}`, e.g. quantile: \"0.95\"",
                    metric.name
                ),
            ));
        }
        (MetricKind::Histogram, Some(q)) if !(0.0..=1.0).contains(&q) => {
            return Err(TriggerError::new(
                "quantile",
                format!("must be between 0 and 1, got {q}"),
            ));
        }
        (MetricKind::Gauge | MetricKind::Counter, Some(_)) => {
            return Err(TriggerError::new(
                "quantile",
                format!("applies only to histograms; `{}` is not one", metric.name),
            ));
        }
        _ => {}
    }

    let aggregation = match fields
        .enum_list("aggregation", md, &["sum", "avg", "max", "min"])?
        .as_slice()
    {
        [] => Aggregation::Sum,
        [one] => match one.as_str() {
            "avg" => Aggregation::Avg,
            "max" => Aggregation::Max,
            "min" => Aggregation::Min,
            _ => Aggregation::Sum,
        },
        _ => {
            return Err(TriggerError::new(
                "aggregation",
                "takes one of sum, avg, max, min, not a list",
            ));
        }
    };

    let threshold = fields.float("threshold", md)?.ok_or_else(|| {
        TriggerError::new(
            "threshold",
            "is required: the per-replica target value, e.g. threshold: \"5\"",
        )
    })?;

    let path = fields.string("path", md).unwrap_or("/metrics").to_string();
    if !path.starts_with('/') {
        return Err(TriggerError::new(
            "path",
            format!("must start with `/`, got `{path}`"),
        ));
    }

    Ok(VllmTrigger {
        metric,
        metric_written: metric_written.to_string(),
        quantile,
        aggregation,
        targets: parse_targets(&fields)?,
        path,
        model_name: fields.string("modelName", md).map(str::to_string),
        threshold,
        activation_threshold: fields.float("activationThreshold", md)?.unwrap_or(0.0),
        timeout: fields.duration("timeout", md)?,
        require_all_endpoints: fields.bool("requireAllEndpoints", md, false)?,
    })
}

fn parse_targets(fields: &Fields<'_>) -> Result<ScrapeTargets, TriggerError> {
    let md = Lookup::Metadata;
    let endpoints = fields.list("endpoints", md);
    let selector = fields.string("podSelector", md);
    match (endpoints.is_empty(), selector) {
        (false, Some(_)) => Err(TriggerError::new(
            "endpoints",
            "and `podSelector` exclude each other; give one",
        )),
        (true, None) => Err(TriggerError::new(
            "endpoints",
            "is required (or podSelector + port): comma-separated host:port of the vLLM pods, e.g. 10.0.0.5:8000,10.0.0.6:8000",
        )),
        (false, None) => {
            for endpoint in &endpoints {
                validate_endpoint(endpoint)?;
            }
            Ok(ScrapeTargets::Endpoints(endpoints))
        }
        (true, Some(selector)) => {
            let port = fields.int("port", md)?.ok_or_else(|| {
                TriggerError::new(
                    "port",
                    "is required with podSelector: the pods' metrics port, e.g. 8080",
                )
            })?;
            let port = u16::try_from(port).ok().filter(|p| *p > 0).ok_or_else(|| {
                TriggerError::new("port", format!("must be between 1 and 65535, got {port}"))
            })?;
            Ok(ScrapeTargets::PodSelector {
                selector: selector.to_string(),
                namespace: fields.string("namespace", md).map(str::to_string),
                port,
            })
        }
    }
}

fn validate_endpoint(endpoint: &str) -> Result<(), TriggerError> {
    let authority = endpoint
        .strip_prefix("http://")
        .or_else(|| endpoint.strip_prefix("https://"))
        .unwrap_or(endpoint);
    let port_ok = authority
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0));
    if authority.is_empty() || authority.contains('/') || !port_ok {
        return Err(TriggerError::new(
            "endpoints",
            format!("`{endpoint}` is not host:port (e.g. 127.0.0.1:8000)"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_pairs(pairs: &[(&str, &str)]) -> Result<VllmTrigger, TriggerError> {
        let metadata = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse(&metadata, &AuthParams::new())
    }

    #[test]
    fn metric_names_accept_prefix_legacy_and_total_spellings() {
        for (written, canonical) in [
            ("num_requests_waiting", "num_requests_waiting"),
            ("vllm:num_requests_running", "num_requests_running"),
            ("gpu_cache_usage_perc", "kv_cache_usage_perc"),
            ("vllm:gpu_cache_usage_perc", "kv_cache_usage_perc"),
            ("generation_tokens_total", "generation_tokens"),
            (
                "time_per_output_token_seconds",
                "inter_token_latency_seconds",
            ),
            ("iteration_tokens_total", "iteration_tokens_total"),
        ] {
            assert_eq!(
                lookup_metric(written).map(|m| m.name),
                Some(canonical),
                "written {written}"
            );
        }
        assert_eq!(
            lookup_metric("num_requests_waiting_total"),
            None,
            "gauges have no _total"
        );
        assert_eq!(lookup_metric("cpu_cache_usage_perc"), None);
    }

    #[test]
    fn invalid_metadata_names_the_key() {
        let ep = ("endpoints", "127.0.0.1:8000");
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[ep, ("threshold", "1")], "metric"),
            (&[ep, ("metric", "bogus"), ("threshold", "1")], "metric"),
            (&[ep, ("metric", "num_requests_waiting")], "threshold"),
            (
                &[
                    ep,
                    ("metric", "time_to_first_token_seconds"),
                    ("threshold", "1"),
                ],
                "quantile",
            ),
            (
                &[
                    ep,
                    ("metric", "time_to_first_token_seconds"),
                    ("quantile", "95"),
                    ("threshold", "1"),
                ],
                "quantile",
            ),
            (
                &[
                    ep,
                    ("metric", "num_requests_waiting"),
                    ("quantile", "0.5"),
                    ("threshold", "1"),
                ],
                "quantile",
            ),
            (
                &[
                    ep,
                    ("metric", "num_requests_waiting"),
                    ("aggregation", "median"),
                    ("threshold", "1"),
                ],
                "aggregation",
            ),
            (
                &[("metric", "num_requests_waiting"), ("threshold", "1")],
                "endpoints",
            ),
            (
                &[
                    ("endpoints", "pod-a"),
                    ("metric", "num_requests_waiting"),
                    ("threshold", "1"),
                ],
                "endpoints",
            ),
            (
                &[
                    ("endpoints", "a:1,b:0"),
                    ("metric", "num_requests_waiting"),
                    ("threshold", "1"),
                ],
                "endpoints",
            ),
            (
                &[
                    ("podSelector", "app=q"),
                    ("metric", "num_requests_waiting"),
                    ("threshold", "1"),
                ],
                "port",
            ),
            (
                &[
                    ("podSelector", "app=q"),
                    ("port", "70000"),
                    ("metric", "num_requests_waiting"),
                    ("threshold", "1"),
                ],
                "port",
            ),
            (
                &[
                    ep,
                    ("podSelector", "app=q"),
                    ("metric", "num_requests_waiting"),
                    ("threshold", "1"),
                ],
                "endpoints",
            ),
            (
                &[
                    ep,
                    ("metric", "num_requests_waiting"),
                    ("threshold", "1"),
                    ("path", "metrics"),
                ],
                "path",
            ),
            (
                &[
                    ep,
                    ("metric", "num_requests_waiting"),
                    ("threshold", "1"),
                    ("timeout", "-2s"),
                ],
                "timeout",
            ),
        ];
        for (pairs, key) in cases {
            let err = parse_pairs(pairs).unwrap_err();
            assert_eq!(&err.key, key, "metadata {pairs:?}: {err}");
        }
    }

    #[test]
    fn a_full_trigger_parses() {
        let trigger = parse_pairs(&[
            ("metric", "vllm:time_to_first_token_seconds"),
            ("quantile", "0.95"),
            ("aggregation", "max"),
            ("endpoints", "127.0.0.1:8000, http://10.0.0.2:8080"),
            ("modelName", "qwen"),
            ("threshold", "0.5"),
            ("activationThreshold", "0.1"),
            ("timeout", "250ms"),
        ])
        .unwrap();
        assert_eq!(trigger.metric.kind, MetricKind::Histogram);
        assert_eq!(trigger.quantile, Some(0.95));
        assert_eq!(trigger.aggregation, Aggregation::Max);
        assert_eq!(
            trigger.targets,
            ScrapeTargets::Endpoints(vec!["127.0.0.1:8000".into(), "http://10.0.0.2:8080".into()])
        );
        assert_eq!(trigger.path, "/metrics");
        assert_eq!(trigger.timeout(), Duration::from_millis(250));
        assert!(!trigger.require_all_endpoints);
    }

    #[test]
    fn aggregations_combine_pod_values() {
        let values = [1.0, 4.0, 1.0];
        for (aggregation, expected) in [
            (Aggregation::Sum, 6.0),
            (Aggregation::Avg, 2.0),
            (Aggregation::Max, 4.0),
            (Aggregation::Min, 1.0),
        ] {
            assert_eq!(
                aggregation.apply(&values),
                Some(expected),
                "{aggregation:?}"
            );
        }
        assert_eq!(Aggregation::Sum.apply(&[]), None);
    }
}
