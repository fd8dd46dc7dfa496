//! Metric sources: where trigger values come from.
//!
//! - [`exposition`]: a zero-copy parser for the Prometheus text format (what vLLM serves).
//! - [`histogram`]: Prometheus' `histogram_quantile` over scraped buckets.
//! - [`prometheus`]: the Prometheus HTTP API client behind `type: prometheus`.
//! - [`scrape`]: concurrent `/metrics` fetching with per-pod deadlines.
//! - [`vllm`]: the `type: vllm` trigger (direct pod scraping).
//! - [`source`]: one entry point that evaluates any trigger swell runs.

pub mod exposition;
pub mod histogram;
pub mod prometheus;
pub mod scrape;
pub mod source;
pub mod tls;
pub mod vllm;
