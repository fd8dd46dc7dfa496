//! Reading one vLLM metric out of one parsed `/metrics` page: the matching series (filtered
//! by `model_name`), each as a gauge value, a counter total or histogram buckets.

use std::collections::BTreeMap;

use swell_core::trigger::vllm::{MetricKind, VllmMetric};

use crate::exposition::{Exposition, Family, Sample};
use crate::histogram::Buckets;

/// One series' reading on one page.
#[derive(Clone, Debug, PartialEq)]
pub enum SeriesValue {
    /// A gauge sample.
    Gauge(f64),
    /// A counter's `_total`.
    Counter(f64),
    /// A histogram's cumulative buckets.
    Histogram(Buckets),
}

/// The series of `metric` on `page`, keyed by their labels (without `le`), written `k="v"`
/// in page order. Looks for the current family name first, then legacy names. `None` when no
/// family of that name is on the page.
pub fn extract(
    page: &Exposition<'_>,
    metric: &VllmMetric,
    model_name: Option<&str>,
) -> Option<BTreeMap<String, SeriesValue>> {
    let family = metric.families().iter().find_map(|name| {
        // Counters are declared as `x` (OpenMetrics) or `x_total` (Python's client).
        let total = format!("{name}_total");
        page.family(name).or_else(|| page.family(&total))
    })?;

    let wanted = |sample: &&Sample<'_>| {
        model_name.is_none_or(|m| sample.labels.get("model_name").is_some_and(|v| v.is(m)))
    };
    let mut series = BTreeMap::new();
    match metric.kind {
        MetricKind::Gauge => {
            for sample in family.samples_with_suffix("").filter(wanted) {
                series.insert(series_key(sample), SeriesValue::Gauge(sample.value));
            }
        }
        MetricKind::Counter => {
            for sample in counter_samples(family).filter(wanted) {
                series.insert(series_key(sample), SeriesValue::Counter(sample.value));
            }
        }
        MetricKind::Histogram => {
            let mut buckets: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
            for sample in family.samples_with_suffix("_bucket").filter(wanted) {
                let Some(bound) = sample.labels.get("le").and_then(|le| parse_bound(le.raw()))
                else {
                    continue;
                };
                buckets
                    .entry(series_key(sample))
                    .or_default()
                    .push((bound, sample.value));
            }
            for (key, bounds) in buckets {
                series.insert(key, SeriesValue::Histogram(Buckets::new(bounds)));
            }
        }
    }
    Some(series)
}

/// A counter family's running totals: `x_total` samples whether the family is `x` or `x_total`.
fn counter_samples<'s, 'a>(family: &'s Family<'a>) -> impl Iterator<Item = &'s Sample<'a>> + 's {
    family.samples.iter().filter(|s| s.name.ends_with("_total"))
}

/// `le` bounds as Prometheus writes them, including `+Inf`.
fn parse_bound(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|b| !b.is_nan())
}

/// The series identity: its labels except `le`.
fn series_key(sample: &Sample<'_>) -> String {
    let mut key = String::new();
    for (name, value) in sample.labels.iter().filter(|(n, _)| *n != "le") {
        if !key.is_empty() {
            key.push(',');
        }
        key.push_str(name);
        key.push_str("=\"");
        key.push_str(value.raw());
        key.push('"');
    }
    key
}

#[cfg(test)]
mod tests {
    use swell_core::trigger::vllm::lookup_metric;

    use super::*;
    use crate::exposition::parse;

    const PAGE: &str = "\
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine=\"0\",model_name=\"qwen\"} 3
vllm:num_requests_waiting{engine=\"1\",model_name=\"qwen\"} 4
vllm:num_requests_waiting{engine=\"0\",model_name=\"llama\"} 9
# TYPE vllm:gpu_cache_usage_perc gauge
vllm:gpu_cache_usage_perc{model_name=\"qwen\"} 0.5
# TYPE vllm:generation_tokens_total counter
vllm:generation_tokens_total{model_name=\"qwen\"} 100
vllm:generation_tokens_created{model_name=\"qwen\"} 1.7e9
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{le=\"0.1\",model_name=\"qwen\"} 5
vllm:time_to_first_token_seconds_bucket{le=\"+Inf\",model_name=\"qwen\"} 8
vllm:time_to_first_token_seconds_count{model_name=\"qwen\"} 8
";

    fn read(metric: &str, model: Option<&str>) -> Option<Vec<SeriesValue>> {
        let page = parse(PAGE).unwrap();
        extract(&page, &lookup_metric(metric).unwrap(), model).map(|m| m.into_values().collect())
    }

    #[test]
    fn gauges_are_filtered_by_model_and_kept_per_engine() {
        assert_eq!(
            read("num_requests_waiting", Some("qwen")),
            Some(vec![SeriesValue::Gauge(3.0), SeriesValue::Gauge(4.0)])
        );
        assert_eq!(read("num_requests_waiting", None).unwrap().len(), 3);
        assert_eq!(read("num_requests_waiting", Some("mistral")), Some(vec![]));
    }

    #[test]
    fn legacy_names_are_read_when_the_current_one_is_absent() {
        assert_eq!(
            read("kv_cache_usage_perc", None),
            Some(vec![SeriesValue::Gauge(0.5)])
        );
    }

    #[test]
    fn counters_read_the_total_and_skip_created() {
        assert_eq!(
            read("generation_tokens", None),
            Some(vec![SeriesValue::Counter(100.0)])
        );
    }

    #[test]
    fn histograms_collect_buckets_per_series() {
        let expected = Buckets::new(vec![(0.1, 5.0), (f64::INFINITY, 8.0)]);
        assert_eq!(
            read("time_to_first_token_seconds", Some("qwen")),
            Some(vec![SeriesValue::Histogram(expected)])
        );
    }

    #[test]
    fn a_missing_family_is_none() {
        assert_eq!(read("num_requests_running", None), None);
    }
}
