//! Metric sources: the Prometheus HTTP API client, the Prometheus text-format parser, the vLLM pod scraper.
