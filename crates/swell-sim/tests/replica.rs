//! Behaviour of the replica model: calibration, continuous batching, KV pressure, aborts,
//! admission limits, metric consistency and determinism.

use std::time::Duration;

use proptest::prelude::*;
use swell_sim::{
    Event, FinishReason, OutputLength, Profile, Replica, ReplicaConfig, RequestRecord, RequestSpec,
    SubmitError,
};

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

fn tiny() -> ReplicaConfig {
    ReplicaConfig {
        record_token_times: true,
        ..Profile::by_name("test-tiny").unwrap().config
    }
}

fn ready(config: ReplicaConfig, seed: u64) -> Replica {
    Replica::new(
        ReplicaConfig {
            startup: Duration::ZERO,
            ..config
        },
        seed,
        Duration::ZERO,
    )
    .unwrap()
}

/// Submits every arrival at its time, runs the replica until idle and returns the finished
/// records in finish order. After every call it checks the invariants that must always hold.
fn run(replica: &mut Replica, arrivals: &[(Duration, RequestSpec)]) -> Vec<RequestRecord> {
    let mut finished = Vec::new();
    let mut checker = Invariants::default();
    let mut sink = |event: Event| {
        if let Event::Finished(record) = event {
            finished.push(*record);
        }
    };
    for &(at, spec) in arrivals {
        while let Some(next) = replica.next_event_at().filter(|&next| next <= at) {
            replica.advance(next, &mut sink);
            checker.check(replica);
        }
        replica.advance(at, &mut sink);
        replica.submit(spec, at).unwrap();
        checker.check(replica);
    }
    while let Some(next) = replica.next_event_at() {
        replica.advance(next, &mut sink);
        checker.check(replica);
    }
    finished
}

#[derive(Default)]
struct Invariants {
    counters: Vec<u64>,
}

impl Invariants {
    fn check(&mut self, replica: &Replica) {
        let gauges = replica.gauges();
        let metrics = replica.metrics();
        assert!(
            gauges.running <= replica.config().max_num_seqs,
            "running {}",
            gauges.running
        );
        assert!(
            (0.0..=1.0).contains(&gauges.kv_cache_usage),
            "kv {}",
            gauges.kv_cache_usage
        );
        assert!(gauges.running + gauges.waiting <= replica.in_flight() as u32);

        let counters = vec![
            metrics.preemptions,
            metrics.prompt_tokens,
            metrics.generation_tokens,
            metrics.finished_requests(),
            metrics.time_to_first_token.count(),
            metrics.inter_token_latency.count(),
        ];
        for (now, before) in counters.iter().zip(&self.counters) {
            assert!(now >= before, "a counter went down: {before} -> {now}");
        }
        self.counters = counters;

        // vLLM's consistency rules.
        let ttft = metrics.time_to_first_token.count();
        assert_eq!(
            metrics.inter_token_latency.count(),
            metrics.generation_tokens - ttft
        );
        for histogram in [
            &metrics.e2e_request_latency,
            &metrics.request_queue_time,
            &metrics.request_prefill_time,
            &metrics.request_decode_time,
            &metrics.request_inference_time,
            &metrics.request_generation_tokens,
        ] {
            assert_eq!(histogram.count(), metrics.finished_requests());
        }
    }
}

fn mean(values: impl Iterator<Item = Duration>) -> Duration {
    let all: Vec<Duration> = values.collect();
    all.iter().sum::<Duration>() / all.len().max(1) as u32
}

#[test]
fn default_profile_matches_reference_latencies_at_light_load() {
    let mut replica = ready(ReplicaConfig::default(), 1);
    let arrivals: Vec<_> = (0..10)
        .map(|i| (ms(i * 2_000), RequestSpec::fixed(256, 64)))
        .collect();
    let records = run(&mut replica, &arrivals);

    let ttft = mean(records.iter().map(|r| r.ttft().unwrap()));
    assert!(ttft >= ms(60) && ttft <= ms(120), "TTFT {ttft:?}");
    let itl = mean(
        records
            .iter()
            .map(|r| (r.last_token.unwrap() - r.first_token.unwrap()) / (r.output_tokens - 1)),
    );
    assert!(itl >= ms(10) && itl <= ms(15), "ITL {itl:?}");
}

#[test]
fn seventy_b_profile_matches_reference_latencies_at_light_load() {
    let config = Profile::by_name("llama-70b-h100-tp4").unwrap().config;
    let mut replica = ready(config, 1);
    let arrivals: Vec<_> = (0..5)
        .map(|i| (ms(i * 5_000), RequestSpec::fixed(256, 32)))
        .collect();
    let records = run(&mut replica, &arrivals);
    let ttft = mean(records.iter().map(|r| r.ttft().unwrap()));
    assert!(ttft >= ms(250) && ttft <= ms(400), "TTFT {ttft:?}");
}

#[test]
fn ttft_grows_with_load() {
    let mean_ttft = |rate_per_sec: u64| {
        let mut replica = ready(
            ReplicaConfig {
                max_num_seqs: 64,
                ..ReplicaConfig::default()
            },
            7,
        );
        let gap = ms(1_000 / rate_per_sec);
        let arrivals: Vec<_> = (0..200)
            .map(|i| (gap * i as u32, RequestSpec::fixed(512, 128)))
            .collect();
        mean(
            run(&mut replica, &arrivals)
                .iter()
                .map(|r| r.ttft().unwrap()),
        )
    };
    let light = mean_ttft(2);
    let medium = mean_ttft(20);
    let heavy = mean_ttft(100);
    assert!(
        light < medium && medium < heavy,
        "{light:?} {medium:?} {heavy:?}"
    );
}

#[test]
fn requests_beyond_max_num_seqs_wait() {
    let mut replica = ready(tiny(), 1);
    for _ in 0..20 {
        replica
            .submit(RequestSpec::fixed(16, 100), Duration::ZERO)
            .unwrap();
    }
    replica.advance(ms(10), &mut |_| {});
    let gauges = replica.gauges();
    assert_eq!(gauges.running, 8);
    assert_eq!(gauges.waiting, 12);
}

#[test]
fn a_long_prompt_is_prefilled_in_chunks_of_the_step_budget() {
    let config = tiny(); // 512-token budget, 2 ms + 10 µs/token steps
    let mut replica = ready(config, 1);
    let records = run(
        &mut replica,
        &[(Duration::ZERO, RequestSpec::fixed(1500, 2))],
    );
    // Three steps of 512, 512, 476 prompt tokens: ~3 × 2 ms + 15 ms of prefill, plus 1 ms of
    // frontend overhead.
    let ttft = records[0].ttft().unwrap();
    assert!(ttft > ms(21) && ttft < ms(23), "TTFT {ttft:?}");
    assert_eq!(replica.metrics().iteration_tokens.count(), 4);
}

#[test]
fn kv_exhaustion_preempts_the_newest_request_and_it_still_completes() {
    // 16 blocks × 16 tokens = 256 KV tokens; four requests growing to 16 + 100 tokens each.
    let config = ReplicaConfig {
        num_gpu_blocks: 16,
        max_model_len: 256,
        ..tiny()
    };
    let mut replica = ready(config, 1);
    let mut preempted = Vec::new();
    let mut finished = Vec::new();
    for _ in 0..4 {
        replica
            .submit(RequestSpec::fixed(16, 100), Duration::ZERO)
            .unwrap();
    }
    while let Some(next) = replica.next_event_at() {
        replica.advance(next, &mut |event| match event {
            Event::Preempted { id, .. } => preempted.push(id),
            Event::Finished(record) => finished.push(*record),
            Event::Token { .. } => {}
        });
        assert!(replica.gauges().kv_cache_usage <= 1.0);
    }
    assert!(!preempted.is_empty());
    assert_eq!(preempted[0].0, 3, "the newest running request goes first");
    assert_eq!(replica.metrics().preemptions, preempted.len() as u64);
    assert_eq!(finished.len(), 4);
    assert!(finished.iter().all(|r| r.output_tokens == 100));
    assert!(finished.iter().any(|r| r.preemptions > 0));
    assert_eq!(
        replica.gauges().kv_cache_usage,
        0.0,
        "all blocks freed at the end"
    );
}

#[test]
fn an_aborted_request_leaves_the_batch_and_frees_its_blocks() {
    let mut replica = ready(tiny(), 1);
    let id = replica
        .submit(RequestSpec::fixed(64, 1000), Duration::ZERO)
        .unwrap();
    replica.advance(ms(50), &mut |_| {});
    assert_eq!(replica.gauges().running, 1);
    assert!(replica.gauges().kv_cache_usage > 0.0);

    let mut aborted = None;
    assert!(replica.abort(id, ms(50), &mut |event| {
        if let Event::Finished(record) = event {
            aborted = Some(record.finish_reason);
        }
    }));
    assert_eq!(aborted, Some(FinishReason::Abort));
    let gauges = replica.gauges();
    assert_eq!(
        (gauges.running, gauges.waiting, gauges.kv_cache_usage),
        (0, 0, 0.0)
    );
    assert_eq!(replica.metrics().request_success(FinishReason::Abort), 1);
    assert_eq!(replica.metrics().e2e_request_latency.count(), 1);
    assert!(
        !replica.abort(id, ms(60), &mut |_| {}),
        "a finished request cannot be aborted"
    );
    // The step that was executing completes without reviving it.
    replica.advance(ms(100), &mut |event| panic!("unexpected {event:?}"));
}

#[test]
fn the_waiting_limit_rejects_new_requests() {
    let mut replica = ready(
        ReplicaConfig {
            max_waiting: Some(2),
            ..tiny()
        },
        1,
    );
    for i in 0..8 {
        replica.advance(ms(i * 5), &mut |_| {});
        replica
            .submit(RequestSpec::fixed(16, 100), ms(i * 5))
            .unwrap();
    }
    replica.advance(ms(50), &mut |_| {});
    assert_eq!(
        replica.gauges().running,
        8,
        "running requests do not count as waiting"
    );
    for _ in 0..2 {
        replica.submit(RequestSpec::fixed(16, 100), ms(50)).unwrap();
    }
    let err = replica
        .submit(RequestSpec::fixed(16, 100), ms(50))
        .unwrap_err();
    assert_eq!(
        err,
        SubmitError::QueueFull {
            queued: 2,
            limit: 2
        }
    );
}

#[test]
fn requests_are_refused_while_the_model_loads() {
    let config = ReplicaConfig {
        startup: ms(30_000),
        ..tiny()
    };
    let mut replica = Replica::new(config, 1, ms(1_000)).unwrap();
    let err = replica
        .submit(RequestSpec::fixed(16, 4), ms(30_000))
        .unwrap_err();
    assert_eq!(
        err,
        SubmitError::NotReady {
            ready_at: ms(31_000)
        }
    );
    assert!(
        replica
            .submit(RequestSpec::fixed(16, 4), ms(31_000))
            .is_ok()
    );
}

#[test]
fn context_limits_are_checked_like_vllm() {
    let mut replica = ready(tiny(), 1); // max_model_len 2048
    let cases = [
        (RequestSpec::fixed(0, 4), SubmitError::EmptyPrompt),
        (RequestSpec::fixed(4, 0), SubmitError::ZeroMaxTokens),
        (
            RequestSpec::fixed(3000, 4),
            SubmitError::PromptTooLong {
                prompt_tokens: 3000,
                max_model_len: 2048,
            },
        ),
        (
            RequestSpec::fixed(2000, 100),
            SubmitError::ContextTooLong {
                prompt_tokens: 2000,
                max_tokens: 100,
                max_model_len: 2048,
            },
        ),
    ];
    for (spec, expected) in cases {
        assert_eq!(replica.submit(spec, Duration::ZERO), Err(expected));
    }
}

#[test]
fn end_of_sequence_finishes_with_stop_before_max_tokens() {
    let config = ReplicaConfig {
        output_length: OutputLength::Geometric { mean_tokens: 20.0 },
        ..tiny()
    };
    let mut replica = ready(config, 3);
    let spec = RequestSpec {
        prompt_tokens: 16,
        max_tokens: 1000,
        ignore_eos: false,
        eos_after: None,
    };
    let arrivals: Vec<_> = (0..50).map(|i| (ms(i * 10), spec)).collect();
    let records = run(&mut replica, &arrivals);
    assert!(
        records
            .iter()
            .all(|r| r.finish_reason == FinishReason::Stop)
    );
    let mean_len = records
        .iter()
        .map(|r| f64::from(r.output_tokens))
        .sum::<f64>()
        / 50.0;
    assert!(mean_len > 10.0 && mean_len < 35.0, "mean output {mean_len}");

    let exact = RequestSpec {
        eos_after: Some(5),
        ..spec
    };
    let capped = RequestSpec {
        max_tokens: 3,
        eos_after: Some(5),
        ..spec
    };
    let records = run(&mut replica, &[(ms(10_000), exact), (ms(10_000), capped)]);
    let by_len: Vec<_> = records
        .iter()
        .map(|r| (r.output_tokens, r.finish_reason))
        .collect();
    assert!(by_len.contains(&(5, FinishReason::Stop)));
    assert!(by_len.contains(&(3, FinishReason::Length)));
}

#[test]
fn token_times_are_one_per_output_token_and_ordered() {
    let mut replica = ready(tiny(), 1);
    let records = run(
        &mut replica,
        &[(Duration::ZERO, RequestSpec::fixed(32, 10))],
    );
    let times = &records[0].token_times;
    assert_eq!(times.len(), 10);
    assert!(times.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(times.first(), records[0].first_token.as_ref());
}

fn arrivals_strategy() -> impl Strategy<Value = Vec<(Duration, RequestSpec)>> {
    prop::collection::vec((0u64..2_000, 1u32..600, 1u32..200), 1..120).prop_map(|raw| {
        let mut arrivals: Vec<_> = raw
            .into_iter()
            .map(|(at, prompt, max)| (ms(at), RequestSpec::fixed(prompt, max)))
            .collect();
        arrivals.sort_by_key(|&(at, _)| at);
        arrivals
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_request_finishes_with_its_tokens_and_invariants_hold(
        arrivals in arrivals_strategy(),
        blocks in 128u32..400,
    ) {
        let config = ReplicaConfig { num_gpu_blocks: blocks, max_model_len: 2048, ..tiny() };
        let mut replica = ready(config, 11);
        let records = run(&mut replica, &arrivals);

        prop_assert_eq!(records.len(), arrivals.len());
        prop_assert_eq!(replica.in_flight(), 0);
        let generated: u64 = records.iter().map(|r| u64::from(r.output_tokens)).sum();
        prop_assert_eq!(replica.metrics().generation_tokens, generated);
        for record in &records {
            prop_assert_eq!(record.output_tokens, record.spec.max_tokens);
            prop_assert!(record.first_token.unwrap() >= record.first_scheduled.unwrap());
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_run(arrivals in arrivals_strategy(), seed in 0u64..1000) {
        let config = ReplicaConfig { latency: swell_sim::LatencyModel { jitter: 0.1, ..tiny().latency }, ..tiny() };
        let first = run(&mut ready(config.clone(), seed), &arrivals);
        let second = run(&mut ready(config, seed), &arrivals);
        prop_assert_eq!(first, second);
    }
}
