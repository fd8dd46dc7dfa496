//! The `/metrics` page: the replica model's state in the Prometheus text format, exactly as vLLM
//! (through the Python `prometheus_client`) prints it.
//!
//! Written directly rather than with the `prometheus-client` crate because the output must match
//! vLLM byte for byte where scrapers and tests look: that crate keeps labels in declaration order
//! with `le` last (vLLM sorts them: `engine`, `finished_reason`, `le`, `model_name`), prints
//! integers without `.0`, has no `_created` samples in its classic text encoder, and panics in
//! debug builds on counter names ending in `_total`. The model already holds every value, so a
//! registry would only copy them. HELP texts are vLLM's, as part of the interface being
//! emulated.
//!
//! Counters are exposed as `<name>_total` plus `<name>_created` (the server start time);
//! histograms as `_bucket{le}`, `_count`, `_sum`, `_created`. Every engine series carries
//! `engine="0"` and `model_name`.

use std::fmt::Write;

use swell_sim::{EngineMetrics, FinishReason, Gauges, Histogram, ReplicaConfig};

use crate::pyfloat::go_string;

/// Which generation of vLLM metric names to print.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MetricNames {
    /// Current vLLM: `kv_cache_usage_perc`, `inter_token_latency_seconds`, `prefix_cache_*`.
    #[default]
    Current,
    /// vLLM 0.8-era names: `gpu_cache_usage_perc`, `time_per_output_token_seconds`,
    /// `gpu_prefix_cache_*`, and no per-request time-per-output-token histogram.
    Legacy,
}

/// What the page needs besides the model state.
#[derive(Clone, Debug)]
pub struct ExpositionContext {
    /// The served model name (`model_name` label).
    pub model_name: String,
    /// Unix time the metrics were created, in seconds (`_created` samples).
    pub created_unix: f64,
    /// Name generation.
    pub names: MetricNames,
}

/// Content type of the page, as `prometheus_client` sends it.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Renders the whole page.
pub fn render(
    gauges: &Gauges,
    metrics: &EngineMetrics,
    config: &ReplicaConfig,
    context: &ExpositionContext,
) -> String {
    let legacy = context.names == MetricNames::Legacy;
    let mut page = Page {
        out: String::with_capacity(32 * 1024),
        context,
    };

    page.gauge(
        "num_requests_running",
        "Number of requests in model execution batches.",
        gauges.running.into(),
    );
    page.gauge(
        "num_requests_waiting",
        "Number of requests waiting to be processed.",
        gauges.waiting.into(),
    );
    if legacy {
        page.gauge(
            "gpu_cache_usage_perc",
            "GPU KV-cache usage. 1 means 100 percent usage.",
            gauges.kv_cache_usage,
        );
    } else {
        page.gauge(
            "kv_cache_usage_perc",
            "KV-cache usage. 1 means 100 percent usage.",
            gauges.kv_cache_usage,
        );
    }
    page.cache_config_info(config);

    page.counter(
        "num_preemptions",
        "Cumulative number of preemption from the engine.",
        metrics.preemptions,
    );
    page.counter(
        "prompt_tokens",
        "Number of prefill tokens processed.",
        metrics.prompt_tokens,
    );
    page.counter(
        "generation_tokens",
        "Number of generation tokens processed.",
        metrics.generation_tokens,
    );
    let prefix = if legacy {
        "gpu_prefix_cache"
    } else {
        "prefix_cache"
    };
    let device = if legacy { "GPU prefix" } else { "Prefix" };
    page.counter(
        &format!("{prefix}_queries"),
        &format!("{device} cache queries, in terms of number of queried tokens."),
        metrics.prefix_cache_queries,
    );
    page.counter(
        &format!("{prefix}_hits"),
        &format!("{device} cache hits, in terms of number of cached tokens."),
        metrics.prefix_cache_hits,
    );
    page.request_success(metrics);

    page.histogram(
        "time_to_first_token_seconds",
        "Histogram of time to first token in seconds.",
        &metrics.time_to_first_token,
    );
    if legacy {
        page.histogram(
            "time_per_output_token_seconds",
            "Histogram of time per output token in seconds.",
            &metrics.inter_token_latency,
        );
    } else {
        page.histogram(
            "inter_token_latency_seconds",
            "Histogram of inter-token latency in seconds.",
            &metrics.inter_token_latency,
        );
        page.histogram(
            "request_time_per_output_token_seconds",
            "Histogram of time_per_output_token_seconds per request.",
            &metrics.request_time_per_output_token,
        );
    }
    page.histogram(
        "e2e_request_latency_seconds",
        "Histogram of e2e request latency in seconds.",
        &metrics.e2e_request_latency,
    );
    page.histogram(
        "request_queue_time_seconds",
        "Histogram of time spent in WAITING phase for request.",
        &metrics.request_queue_time,
    );
    page.histogram(
        "request_inference_time_seconds",
        "Histogram of time spent in RUNNING phase for request.",
        &metrics.request_inference_time,
    );
    page.histogram(
        "request_prefill_time_seconds",
        "Histogram of time spent in PREFILL phase for request.",
        &metrics.request_prefill_time,
    );
    page.histogram(
        "request_decode_time_seconds",
        "Histogram of time spent in DECODE phase for request.",
        &metrics.request_decode_time,
    );
    page.histogram(
        "request_prompt_tokens",
        "Number of prefill tokens processed.",
        &metrics.request_prompt_tokens,
    );
    page.histogram(
        "request_generation_tokens",
        "Number of generation tokens processed.",
        &metrics.request_generation_tokens,
    );
    page.histogram(
        "iteration_tokens_total",
        "Histogram of number of tokens per engine_step.",
        &metrics.iteration_tokens,
    );
    page.histogram(
        "request_max_num_generation_tokens",
        "Histogram of maximum number of requested generation tokens.",
        &metrics.request_max_num_generation_tokens,
    );
    page.histogram(
        "request_params_n",
        "Histogram of the n request parameter.",
        &metrics.request_params_n,
    );
    page.histogram(
        "request_params_max_tokens",
        "Histogram of the max_tokens request parameter.",
        &metrics.request_params_max_tokens,
    );
    page.out
}

struct Page<'a> {
    out: String,
    context: &'a ExpositionContext,
}

impl Page<'_> {
    fn header(&mut self, name: &str, help: &str, kind: &str) {
        let _ = writeln!(self.out, "# HELP vllm:{name} {help}");
        let _ = writeln!(self.out, "# TYPE vllm:{name} {kind}");
    }

    /// One sample line; `extra` labels are merged with `engine` and `model_name` and sorted.
    fn sample(&mut self, name: &str, extra: &[(&str, &str)], value: f64) {
        let mut labels: Vec<(&str, &str)> =
            vec![("engine", "0"), ("model_name", &self.context.model_name)];
        labels.extend_from_slice(extra);
        write_sample(&mut self.out, name, &mut labels, value);
    }

    fn gauge(&mut self, name: &str, help: &str, value: f64) {
        self.header(name, help, "gauge");
        self.sample(name, &[], value);
    }

    fn counter(&mut self, name: &str, help: &str, value: u64) {
        self.header(&format!("{name}_total"), help, "counter");
        self.sample(&format!("{name}_total"), &[], value as f64);
        self.sample(&format!("{name}_created"), &[], self.context.created_unix);
    }

    fn request_success(&mut self, metrics: &EngineMetrics) {
        let name = "request_success";
        self.header(
            &format!("{name}_total"),
            "Count of successfully processed requests.",
            "counter",
        );
        for reason in FinishReason::ALL {
            let labels = [("finished_reason", reason.as_str())];
            self.sample(
                &format!("{name}_total"),
                &labels,
                metrics.request_success(reason) as f64,
            );
        }
        for reason in FinishReason::ALL {
            let labels = [("finished_reason", reason.as_str())];
            self.sample(
                &format!("{name}_created"),
                &labels,
                self.context.created_unix,
            );
        }
    }

    fn histogram(&mut self, name: &str, help: &str, histogram: &Histogram) {
        self.header(name, help, "histogram");
        let bucket = format!("{name}_bucket");
        let bounds = histogram
            .bounds()
            .iter()
            .map(|&b| go_string(b))
            .chain(["+Inf".to_owned()]);
        for (le, cumulative) in bounds.zip(histogram.cumulative()) {
            self.sample(&bucket, &[("le", &le)], cumulative as f64);
        }
        self.sample(&format!("{name}_count"), &[], histogram.count() as f64);
        self.sample(&format!("{name}_sum"), &[], histogram.sum());
        self.sample(&format!("{name}_created"), &[], self.context.created_unix);
    }

    /// `vllm:cache_config_info`: the cache configuration as labels, value 1, no `model_name`.
    fn cache_config_info(&mut self, config: &ReplicaConfig) {
        self.header(
            "cache_config_info",
            "Information of the LLMEngine CacheConfig",
            "gauge",
        );
        let block_size = config.block_size.to_string();
        let num_gpu_blocks = config.num_gpu_blocks.to_string();
        let mut labels = vec![
            ("block_size", block_size.as_str()),
            ("cache_dtype", "auto"),
            ("enable_prefix_caching", "True"),
            ("engine", "0"),
            ("gpu_memory_utilization", "0.9"),
            ("num_gpu_blocks", num_gpu_blocks.as_str()),
        ];
        write_sample(&mut self.out, "cache_config_info", &mut labels, 1.0);
    }
}

fn write_sample(out: &mut String, name: &str, labels: &mut [(&str, &str)], value: f64) {
    labels.sort_by(|a, b| a.0.cmp(b.0));
    let _ = write!(out, "vllm:{name}{{");
    for (index, (key, value)) in labels.iter().enumerate() {
        let separator = if index == 0 { "" } else { "," };
        let _ = write!(out, "{separator}{key}=\"{}\"", escape_label(value));
    }
    let _ = writeln!(out, "}} {}", go_string(value));
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', r"\\")
        .replace('\n', r"\n")
        .replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use swell_sim::ReplicaConfig;

    fn page(names: MetricNames) -> String {
        let config = ReplicaConfig::default();
        let mut metrics = EngineMetrics::new(config.max_model_len);
        metrics.preemptions = 2;
        metrics.time_to_first_token.observe(0.05);
        let gauges = Gauges {
            running: 12,
            waiting: 3,
            kv_cache_usage: 0.4187,
        };
        let context = ExpositionContext {
            model_name: "qwen".to_owned(),
            created_unix: 1756105200.0,
            names,
        };
        render(&gauges, &metrics, &config, &context)
    }

    #[test]
    fn samples_look_like_vllm_prints_them() {
        let page = page(MetricNames::Current);
        for line in [
            "# HELP vllm:num_requests_running Number of requests in model execution batches.",
            "# TYPE vllm:num_requests_running gauge",
            "vllm:num_requests_running{engine=\"0\",model_name=\"qwen\"} 12.0",
            "vllm:kv_cache_usage_perc{engine=\"0\",model_name=\"qwen\"} 0.4187",
            "# TYPE vllm:num_preemptions_total counter",
            "vllm:num_preemptions_total{engine=\"0\",model_name=\"qwen\"} 2.0",
            "vllm:num_preemptions_created{engine=\"0\",model_name=\"qwen\"} 1.7561052e+09",
            "vllm:request_success_total{engine=\"0\",finished_reason=\"abort\",model_name=\"qwen\"} 0.0",
            "vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"0.04\",model_name=\"qwen\"} 0.0",
            "vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"0.06\",model_name=\"qwen\"} 1.0",
            "vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"+Inf\",model_name=\"qwen\"} 1.0",
            "vllm:time_to_first_token_seconds_count{engine=\"0\",model_name=\"qwen\"} 1.0",
            "vllm:time_to_first_token_seconds_sum{engine=\"0\",model_name=\"qwen\"} 0.05",
            "vllm:cache_config_info{block_size=\"16\",cache_dtype=\"auto\",enable_prefix_caching=\"True\",engine=\"0\",gpu_memory_utilization=\"0.9\",num_gpu_blocks=\"27910\"} 1.0",
            "vllm:request_prompt_tokens_bucket{engine=\"0\",le=\"20000.0\",model_name=\"qwen\"} 0.0",
        ] {
            assert!(page.lines().any(|l| l == line), "missing line: {line}");
        }
        assert!(!page.contains("gpu_cache_usage_perc"));
    }

    #[test]
    fn legacy_names_replace_the_current_ones() {
        let page = page(MetricNames::Legacy);
        assert!(page.contains("vllm:gpu_cache_usage_perc{"));
        assert!(page.contains("vllm:time_per_output_token_seconds_bucket{"));
        assert!(page.contains("vllm:gpu_prefix_cache_queries_total{"));
        assert!(!page.contains("kv_cache_usage_perc"));
        assert!(!page.contains("inter_token_latency_seconds"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
