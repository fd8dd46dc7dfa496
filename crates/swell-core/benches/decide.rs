//! Decisions per second for one ScaledObject: `cargo bench -p swell-core --bench decide`.
//!
//! Each iteration replays a fixed 1,024-step timeline (a load wave with a failed query now and
//! then) through one engine, so the figure criterion prints as `thrpt` is decisions per second
//! on one core. Three variants run side by side: the HPA's legacy path (no `behavior`), a full
//! `behavior` with stabilization windows and Pods/Percent policies on both directions (the
//! goal: at least 1,000,000 decisions per second), and the same with a `scalingModifiers`
//! formula over two triggers.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use swell_core::Time;
use swell_core::engine::{Engine, Observation};
use swell_core::formula::Formula;
use swell_core::spec::{
    Behavior, ControllerSettings, Fallback, FallbackBehavior, MetricType, Modifiers, Pause,
    PolicyKind, ScalingPolicy, ScalingRules, ScalingSpec, SelectPolicy, TriggerSpec,
};

const STEPS: usize = 1024;

fn trigger(index: usize) -> TriggerSpec {
    TriggerSpec {
        name: Some(format!("t{index}")),
        trigger_type: "prometheus".to_string(),
        metric_name: format!("s{index}-prometheus"),
        metric_type: MetricType::AverageValue,
        target: 10.0,
        activation_target: 0.5,
        use_cached_metrics: false,
        resource: false,
    }
}

fn policy(kind: PolicyKind, value: i32, period: u64) -> ScalingPolicy {
    ScalingPolicy {
        kind,
        value,
        period: Duration::from_secs(period),
    }
}

/// A realistic LLM policy: fast up (4 pods or 100% per 15 s), slow down (1 pod per minute
/// after a 5-minute window).
fn behavior() -> Behavior {
    Behavior {
        scale_up: ScalingRules {
            stabilization_window: Some(Duration::from_secs(30)),
            select_policy: SelectPolicy::Max,
            policies: vec![
                policy(PolicyKind::Pods, 4, 15),
                policy(PolicyKind::Percent, 100, 15),
            ],
            tolerance: Some(0.05),
        },
        scale_down: ScalingRules {
            stabilization_window: Some(Duration::from_secs(300)),
            select_policy: SelectPolicy::Min,
            policies: vec![
                policy(PolicyKind::Pods, 1, 60),
                policy(PolicyKind::Percent, 10, 60),
            ],
            tolerance: None,
        },
    }
}

fn spec(behavior: Option<Behavior>, triggers: usize) -> ScalingSpec {
    ScalingSpec {
        min_replicas: 0,
        max_replicas: 50,
        idle_replicas: None,
        polling_interval: Duration::from_secs(5),
        cooldown_period: Duration::from_secs(300),
        initial_cooldown_period: Duration::ZERO,
        fallback: Some(Fallback {
            failure_threshold: 3,
            replicas: 4,
            behavior: FallbackBehavior::CurrentReplicasIfHigher,
        }),
        behavior,
        triggers: (0..triggers).map(trigger).collect(),
        modifiers: None,
        pause: Pause::default(),
        controller: ControllerSettings::default(),
    }
}

fn with_formula(mut s: ScalingSpec) -> ScalingSpec {
    let formula = Formula::compile("t1 > 0 ? max(t0, t1 * 2) : t0", &["t0", "t1"])
        .expect("the benchmark formula compiles");
    s.modifiers = Some(Modifiers {
        formula,
        variables: vec![0, 1],
        target: 10.0,
        activation_target: 0.5,
        metric_type: MetricType::AverageValue,
    });
    s
}

/// Readings for every step: a slow wave between 0 and 200 with every 97th query failing.
fn timeline(triggers: usize) -> Vec<Vec<Option<f64>>> {
    (0..STEPS)
        .map(|i| {
            let wave = 100.0 * (1.0 - (i as f64 / 40.0).cos());
            (0..triggers)
                .map(|t| (i % 97 != 0).then_some(wave * (1.0 + t as f64 * 0.3)))
                .collect()
        })
        .collect()
}

/// Replays the timeline once on a fresh engine, 5 s apart; returns the last count.
fn replay(spec: &ScalingSpec, readings: &[Vec<Option<f64>>]) -> i32 {
    let mut engine = Engine::new(spec.clone(), Time::ZERO);
    let mut replicas = 1;
    for (i, step) in readings.iter().enumerate() {
        let obs = Observation {
            replicas,
            ready_replicas: replicas,
            readings: step,
        };
        let now = Time::from_millis(i as i64 * 5_000);
        replicas = engine
            .evaluate(now, black_box(&obs))
            .expect("one reading per trigger")
            .desired_replicas;
    }
    replicas
}

fn decisions(c: &mut Criterion) {
    let mut group = c.benchmark_group("decisions");
    group.throughput(Throughput::Elements(STEPS as u64));
    let variants = [
        ("legacy", spec(None, 1), 1),
        ("behavior", spec(Some(behavior()), 1), 1),
        (
            "behavior+formula",
            with_formula(spec(Some(behavior()), 2)),
            2,
        ),
    ];
    for (name, s, triggers) in variants {
        let readings = timeline(triggers);
        assert!(replay(&s, &readings) > 0, "the wave keeps {name} scaled up");
        group.bench_function(name, |b| b.iter(|| replay(black_box(&s), &readings)));
    }
    group.finish();
}

criterion_group!(benches, decisions);
criterion_main!(benches);
