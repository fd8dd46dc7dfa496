//! The emulated engine behaves like vLLM under load, in paused tokio time: `max_num_seqs`
//! caps the running batch while the waiting queue grows without bound, time to first token
//! grows with the queue, inter-token latency grows with the batch, KV-cache usage grows with
//! the tokens in flight, and the counters and histograms add up.

use std::sync::Arc;
use std::time::Duration;

use swell_emulate::engine::{Engine, Output, Ticket};
use swell_sim::{LatencyModel, OutputLength, ReplicaConfig, RequestSpec};
use tokio::time::Instant;

/// A small replica with visible per-sequence and per-context costs and no jitter.
fn replica(max_num_seqs: u32) -> ReplicaConfig {
    ReplicaConfig {
        max_num_seqs,
        max_num_batched_tokens: 2048,
        num_gpu_blocks: 1024,
        block_size: 16,
        max_model_len: 4096,
        max_waiting: None,
        max_num_queued_reqs: None,
        latency: LatencyModel {
            frontend_overhead: Duration::from_millis(1),
            step_base: Duration::from_millis(5),
            prefill_per_token: Duration::from_micros(20),
            decode_per_seq: Duration::from_micros(500),
            context_per_token: Duration::from_nanos(200),
            jitter: 0.0,
        },
        startup: Duration::ZERO,
        output_length: OutputLength::UntilMaxTokens,
        record_token_times: false,
    }
}

fn spec(prompt_tokens: u32, max_tokens: u32) -> RequestSpec {
    RequestSpec {
        prompt_tokens,
        max_tokens,
        ignore_eos: true,
        eos_after: None,
    }
}

/// Waits for the first token; returns how long it took from `since`.
async fn first_token(ticket: &mut Ticket, since: Instant) -> Duration {
    match ticket.next().await {
        Some(Output::Token { index: 0, .. }) => since.elapsed(),
        other => panic!("expected the first token, got {other:?}"),
    }
}

/// Mean gap between output tokens `from` and `to` of a ticket already past its first token.
async fn mean_gap(ticket: &mut Ticket, from: u32, to: u32) -> Duration {
    let mut started = None;
    loop {
        match ticket.next().await {
            Some(Output::Token { index, .. }) if index == from => started = Some(Instant::now()),
            Some(Output::Token { index, .. }) if index == to => {
                return started.expect("saw `from` first").elapsed() / (to - from);
            }
            Some(Output::Token { .. }) => {}
            other => panic!("request ended early: {other:?}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn running_is_capped_at_max_num_seqs_and_the_waiting_queue_is_unbounded() {
    let engine = Engine::start(replica(4), 0, 1.0).unwrap();

    let tickets: Vec<Ticket> = (0..300)
        .map(|_| {
            engine
                .submit(spec(64, 200))
                .expect("vLLM queues, it does not refuse")
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;

    let (gauges, _, _) = engine.snapshot();
    assert_eq!(gauges.running, 4);
    assert_eq!(gauges.waiting, 296);
    assert_eq!(engine.in_flight(), 300);
    drop(tickets);
}

#[tokio::test(start_paused = true)]
async fn time_to_first_token_grows_with_the_queue_ahead() {
    let alone = Engine::start(replica(4), 0, 1.0).unwrap();
    let start = Instant::now();
    let mut ticket = alone.submit(spec(256, 20)).unwrap();
    let ttft_alone = first_token(&mut ticket, start).await;

    // 40 requests ahead, 4 at a time, 20 tokens each: the last waits for ~10 rounds.
    let busy = Engine::start(replica(4), 0, 1.0).unwrap();
    let start = Instant::now();
    let ahead: Vec<Ticket> = (0..40)
        .map(|_| busy.submit(spec(256, 20)).unwrap())
        .collect();
    let mut last = busy.submit(spec(256, 20)).unwrap();
    let ttft_queued = first_token(&mut last, start).await;

    assert!(ttft_alone < Duration::from_millis(50), "{ttft_alone:?}");
    assert!(
        ttft_queued > ttft_alone * 10,
        "alone {ttft_alone:?}, behind 40: {ttft_queued:?}"
    );
    let (_, metrics, _) = busy.snapshot();
    assert!(metrics.request_queue_time.count() >= 40);
    drop(ahead);
}

#[tokio::test(start_paused = true)]
async fn inter_token_latency_grows_with_the_batch() {
    let alone = Engine::start(replica(16), 0, 1.0).unwrap();
    let mut ticket = alone.submit(spec(128, 100)).unwrap();
    let itl_alone = mean_gap(&mut ticket, 10, 60).await;

    let batch = Engine::start(replica(16), 0, 1.0).unwrap();
    let others: Vec<Ticket> = (0..15)
        .map(|_| batch.submit(spec(1024, 100)).unwrap())
        .collect();
    let mut ticket = batch.submit(spec(128, 100)).unwrap();
    let itl_batched = mean_gap(&mut ticket, 10, 60).await;

    // 16 sequences: 15 more × 0.5 ms per sequence plus their context reads.
    assert!(
        itl_batched > itl_alone + Duration::from_millis(7),
        "alone {itl_alone:?}, batch of 16: {itl_batched:?}"
    );
    drop(others);
}

#[tokio::test(start_paused = true)]
async fn kv_cache_usage_grows_with_tokens_in_flight() {
    let engine = Engine::start(replica(8), 0, 1.0).unwrap();
    let usage = || engine.snapshot().0.kv_cache_usage;
    assert_eq!(usage(), 0.0);

    let first = engine.submit(spec(1000, 2000)).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let one_request = usage();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let one_request_later = usage();

    let more: Vec<Ticket> = (0..3)
        .map(|_| engine.submit(spec(1000, 2000)).unwrap())
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let four_requests = usage();

    // 1000 prompt tokens hold 63 of 1024 blocks; decoding adds a block every 16 tokens.
    assert!((0.06..0.08).contains(&one_request), "{one_request}");
    assert!(
        one_request_later > one_request,
        "{one_request} then {one_request_later}"
    );
    assert!(
        four_requests > 3.0 * one_request,
        "{one_request} then {four_requests}"
    );

    drop((first, more));
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(usage(), 0.0, "aborted requests free their blocks");
}

#[tokio::test(start_paused = true)]
async fn counters_and_histograms_add_up_after_requests_finish() {
    let engine = Engine::start(replica(4), 0, 1.0).unwrap();
    let sizes = [
        (100, 10),
        (200, 20),
        (300, 30),
        (400, 40),
        (500, 50),
        (600, 60),
    ];
    let tickets: Vec<Ticket> = sizes
        .iter()
        .map(|&(p, m)| engine.submit(spec(p, m)).unwrap())
        .collect();
    let outputs = futures::future::join_all(tickets.into_iter().map(drain)).await;

    assert_eq!(outputs, sizes.iter().map(|&(_, m)| m).collect::<Vec<u32>>());
    let (gauges, metrics, _) = engine.snapshot();
    assert_eq!((gauges.running, gauges.waiting), (0, 0));
    assert_eq!(metrics.prompt_tokens, 2100);
    assert_eq!(metrics.generation_tokens, 210);
    assert_eq!(metrics.time_to_first_token.count(), 6);
    assert_eq!(metrics.inter_token_latency.count(), 210 - 6);
    assert_eq!(metrics.e2e_request_latency.count(), 6);
    assert_eq!(metrics.request_queue_time.count(), 6);
}

/// Reads a request to its end; returns the output tokens.
async fn drain(mut ticket: Ticket) -> u32 {
    while let Some(output) = ticket.next().await {
        if let Output::Finished { output_tokens, .. } = output {
            return output_tokens;
        }
    }
    panic!("request ended without finishing");
}

#[tokio::test(start_paused = true)]
async fn a_dead_engine_refuses_and_fails_requests_in_flight() {
    let engine: Arc<Engine> = Engine::start(replica(4), 0, 1.0).unwrap();
    let mut ticket = engine.submit(spec(10, 1000)).unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;

    engine.set_dead(true);
    let mut saw_dead = false;
    while let Some(output) = ticket.next().await {
        saw_dead |= output == Output::EngineDead;
    }
    assert!(saw_dead);
    assert!(engine.submit(spec(10, 10)).is_err());
}
