//! Exposition parser throughput on a real-sized vLLM page: `cargo bench -p swell-metrics
//! --bench parse` (or `bench/run.sh`).
//!
//! The page is what a `swell emulate` replica serves on `/metrics` after answering a few
//! dozen requests of mixed lengths (every histogram populated, both finish reasons), fetched
//! over HTTP as a scraper would. Criterion prints `thrpt` in bytes per second for three cases
//! measured side by side: splitting the page into lines (the floor any text parser pays),
//! parsing it, and parsing it then reading a histogram quantile the way the `type: vllm`
//! trigger does. The ratio of the first two is the parser's cost over a bare line scan.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use swell_core::trigger::vllm::lookup_metric;
use swell_emulate::{Emulator, EmulatorConfig};
use swell_metrics::exposition;
use swell_metrics::vllm::extract::{SeriesValue, extract};
use tokio_util::sync::CancellationToken;

/// Serves one emulated replica, sends it `requests` completions, returns its `/metrics` page.
async fn loaded_page(requests: u32) -> String {
    let shutdown = CancellationToken::new();
    let emulator = Emulator::bind(EmulatorConfig {
        port: 0,
        time_scale: 200.0,
        ..EmulatorConfig::default()
    })
    .expect("a free loopback port");
    let base = format!("http://{}", emulator.local_addr());
    let server = tokio::spawn(emulator.run(shutdown.clone()));

    let client = reqwest::Client::new();
    let sends = (0..requests).map(|i| {
        let body = serde_json::json!({
            "model": "qwen",
            "prompt": "word ".repeat(20 + 37 * i as usize % 400),
            "max_tokens": 8 + (i * 13) % 120,
        });
        client
            .post(format!("{base}/v1/completions"))
            .json(&body)
            .send()
    });
    for response in futures::future::join_all(sends).await {
        response.expect("the emulator answers");
    }
    let page = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("/metrics answers")
        .text()
        .await
        .expect("a text page");
    shutdown.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    page
}

fn parse(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let page = runtime.block_on(loaded_page(48));
    let ttft = lookup_metric("time_to_first_token_seconds").expect("a known vLLM metric");
    let parsed = exposition::parse(&page).expect("the emulator's page parses");
    let series: BTreeMap<_, _> = extract(&parsed, &ttft, Some("qwen")).expect("TTFT is exposed");
    assert!(
        series
            .values()
            .any(|s| matches!(s, SeriesValue::Histogram(b) if b.observations() >= 48.0)),
        "every request is in the TTFT histogram"
    );
    println!(
        "page: {} bytes, {} lines, {} samples",
        page.len(),
        page.lines().count(),
        parsed.samples().count()
    );

    let mut group = c.benchmark_group("exposition");
    group.throughput(Throughput::Bytes(page.len() as u64));
    group.bench_function("split-lines", |b| {
        b.iter(|| {
            black_box(&page)
                .split('\n')
                .filter(|l| !l.is_empty())
                .count()
        })
    });
    group.bench_function("parse", |b| {
        b.iter(|| exposition::parse(black_box(&page)).map(|p| p.samples().count()))
    });
    group.bench_function("parse+ttft-p95", |b| {
        b.iter(|| {
            let parsed = exposition::parse(black_box(&page)).expect("parses");
            extract(&parsed, &ttft, Some("qwen")).map(|series| {
                series
                    .values()
                    .filter_map(|s| match s {
                        SeriesValue::Histogram(b) => Some(b.quantile(0.95)),
                        _ => None,
                    })
                    .sum::<f64>()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
