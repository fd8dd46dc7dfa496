//! The direct `type: vllm` trigger against the same signal through Prometheus, side by side in
//! one run: `cargo bench -p swell-metrics --bench sources` (or `bench/run.sh`).
//!
//! 100 `swell emulate` replicas run in this process on loopback ports, pod `i` running `i % 3`
//! requests (the model runs a hundred times slower than real time, so the load holds still).
//! A real Prometheus (Debian's `prometheus`) scrapes all of them every second. Once both
//! sources agree on `sum(vllm:num_requests_running)`, the two are evaluated alternately and the
//! latency of each evaluation is recorded: the direct trigger scrapes and parses 100 pages
//! concurrently, the Prometheus trigger sends one instant query. The output is p50/p99 of both
//! and their ratio; then one more request per pod, and how much later than the direct trigger
//! Prometheus reports the new sum (its next scrape, at most one scrape interval).
//!
//! Settings: `SWELL_BENCH_PODS` (default 100), `SWELL_BENCH_ROUNDS` (default 300).

#[path = "../tests/support/prometheus_server.rs"]
mod prometheus_server;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use prometheus_server::{PrometheusServer, WebConfig};
use swell_core::trigger::{prometheus, vllm};
use swell_emulate::{Emulator, EmulatorConfig};
use swell_metrics::prometheus::PrometheusSource;
use swell_metrics::scrape::Scraper;
use swell_metrics::vllm::VllmSource;
use tokio_util::sync::CancellationToken;

const QUERY: &str = r#"sum(vllm:num_requests_running{model_name="qwen"})"#;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn metadata(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Starts `n` emulators; returns their `host:port`.
async fn start_pods(n: usize, shutdown: &CancellationToken) -> Vec<String> {
    let mut endpoints = Vec::with_capacity(n);
    for seed in 0..n {
        let config = EmulatorConfig {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            seed: seed as u64,
            time_scale: 0.01,
            ..EmulatorConfig::default()
        };
        let emulator = Emulator::bind(config).expect("a free loopback port");
        endpoints.push(emulator.local_addr().to_string());
        tokio::spawn(emulator.run(shutdown.clone()));
    }
    endpoints
}

/// Gives pod `i` `per_pod(i)` requests that outlast the benchmark; returns how many in all.
fn add_load(endpoints: &[String], per_pod: impl Fn(usize) -> usize) -> f64 {
    let client = reqwest::Client::new();
    let mut added = 0;
    for (i, endpoint) in endpoints.iter().enumerate() {
        for _ in 0..per_pod(i) {
            tokio::spawn(hold(&client, endpoint));
            added += 1;
        }
    }
    f64::from(added)
}

/// A completion that outlasts the benchmark (the model runs a hundred times slower).
fn hold(
    client: &reqwest::Client,
    endpoint: &str,
) -> impl Future<Output = reqwest::Result<reqwest::Response>> + use<> {
    client
        .post(format!("http://{endpoint}/v1/completions"))
        .json(&serde_json::json!({
            "model": "qwen", "prompt": "hold", "max_tokens": 1024, "ignore_eos": true
        }))
        .send()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    swell_metrics::tls::install_crypto_provider();
    let pods = setting("SWELL_BENCH_PODS", 100);
    let rounds = setting("SWELL_BENCH_ROUNDS", 300);
    let shutdown = CancellationToken::new();

    // 1. The fleet and the load.
    let endpoints = start_pods(pods, &shutdown).await;
    let expected = add_load(&endpoints, |i| i % 3);

    // 2. Both triggers, built from metadata as a ScaledObject would give it.
    let prom = PrometheusServer::start(&endpoints, WebConfig::default());
    let prom_trigger = prometheus::parse(
        &metadata(&[
            ("serverAddress", &prom.url),
            ("query", QUERY),
            ("threshold", "1"),
        ]),
        &BTreeMap::new(),
    )
    .expect("valid prometheus metadata");
    let prom_source = PrometheusSource::new(prom_trigger, None).expect("a client");
    let list = endpoints.join(",");
    let vllm_trigger = vllm::parse(
        &metadata(&[
            ("metric", "num_requests_running"),
            ("modelName", "qwen"),
            ("endpoints", &list),
            ("threshold", "1"),
        ]),
        &BTreeMap::new(),
    )
    .expect("valid vllm metadata");
    let mut vllm_source = VllmSource::new(vllm_trigger, Scraper::new());

    // 3. Wait until both see the whole load (Prometheus needs a scrape of every pod).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let direct = vllm_source.evaluate().await.map(|r| r.value);
        let through_prometheus = prom_source.query().await;
        if direct == Ok(expected) && through_prometheus.as_ref().ok() == Some(&expected) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "sources never agreed on {expected}: direct {direct:?}, prometheus {through_prometheus:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // 4. Alternate the two, timing each evaluation.
    let mut direct = Vec::with_capacity(rounds);
    let mut through_prometheus = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        let reading = vllm_source.evaluate().await.expect("every pod answers");
        direct.push(started.elapsed());
        assert_eq!(reading.endpoints_ok, pods);

        let started = Instant::now();
        prom_source.query().await.expect("Prometheus answers");
        through_prometheus.push(started.elapsed());
    }
    direct.sort();
    through_prometheus.sort();

    // 5. Freshness: add one request per pod and time how long each source takes to see it.
    let changed = expected + add_load(&endpoints, |_| 1);
    let started = Instant::now();
    let (mut direct_saw, mut prometheus_saw) = (None, None);
    while direct_saw.is_none() || prometheus_saw.is_none() {
        if direct_saw.is_none() && vllm_source.evaluate().await.map(|r| r.value) == Ok(changed) {
            direct_saw = Some(started.elapsed());
        }
        if prometheus_saw.is_none() && prom_source.query().await.ok() == Some(changed) {
            prometheus_saw = Some(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(30) {
            let direct = vllm_source.evaluate().await.map(|r| r.value);
            let through_prometheus = prom_source.query().await;
            panic!(
                "the change to {changed} was not seen within 30 s: direct {direct:?}, prometheus {through_prometheus:?}"
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (direct_saw, prometheus_saw) = (direct_saw.unwrap(), prometheus_saw.unwrap());

    // 6. Report.
    let (d50, d99) = (percentile(&direct, 0.5), percentile(&direct, 0.99));
    let (p50, p99) = (
        percentile(&through_prometheus, 0.5),
        percentile(&through_prometheus, 0.99),
    );
    println!("sources: {pods} emulated vLLM pods, {rounds} evaluations each, value {expected}");
    println!(
        "  direct vllm trigger  p50 {:7.2} ms  p99 {:7.2} ms",
        millis(d50),
        millis(d99)
    );
    println!(
        "  prometheus trigger   p50 {:7.2} ms  p99 {:7.2} ms",
        millis(p50),
        millis(p99)
    );
    println!(
        "  ratio direct/prometheus: p50 {:.2}x  p99 {:.2}x",
        d50.as_secs_f64() / p50.as_secs_f64(),
        d99.as_secs_f64() / p99.as_secs_f64()
    );
    // The pods show new requests as running at their next engine step; the direct trigger
    // reads them then, Prometheus only after its next scrape (here every second).
    println!(
        "  +{pods} requests: pods showed them after {:.0} ms (direct trigger), prometheus {:.0} ms later",
        millis(direct_saw),
        millis(prometheus_saw.saturating_sub(direct_saw)),
    );
    shutdown.cancel();
}
