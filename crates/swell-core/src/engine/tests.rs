//! Scenario tests of one ScaledObject over time: KEDA and the HPA together.

use std::time::Duration;

use super::*;
use crate::formula::Formula;
use crate::spec::{
    ControllerSettings, Fallback, FallbackBehavior, MetricType, Modifiers, Pause, TriggerSpec,
};

fn at(secs: i64) -> Time {
    Time::from_millis(secs * 1000)
}

fn trigger(index: usize, name: &str, target: f64, activation: f64) -> TriggerSpec {
    TriggerSpec {
        name: Some(name.to_string()),
        trigger_type: "prometheus".to_string(),
        metric_name: format!("s{index}-prometheus"),
        metric_type: MetricType::AverageValue,
        target,
        activation_target: activation,
        use_cached_metrics: false,
        resource: false,
    }
}

fn spec(min: i32, max: i32, triggers: Vec<TriggerSpec>) -> ScalingSpec {
    ScalingSpec {
        min_replicas: min,
        max_replicas: max,
        idle_replicas: None,
        polling_interval: Duration::from_secs(30),
        cooldown_period: Duration::from_secs(300),
        initial_cooldown_period: Duration::ZERO,
        fallback: None,
        behavior: None,
        triggers,
        modifiers: None,
        pause: Pause::default(),
        controller: ControllerSettings::default(),
    }
}

/// Runs `(t, readings)` steps, feeding each decision back as the next current count.
fn replay(spec: ScalingSpec, start: i32, steps: &[(i64, &[Option<f64>])]) -> Vec<Decision> {
    let mut engine = Engine::new(spec, at(steps[0].0));
    let mut replicas = start;
    let mut decisions = Vec::new();
    for (t, readings) in steps {
        let obs = Observation {
            replicas,
            ready_replicas: replicas,
            readings,
        };
        let decision = engine.evaluate(at(*t), &obs).expect("valid observation");
        replicas = decision.desired_replicas;
        decisions.push(decision);
    }
    decisions
}

fn counts(decisions: &[Decision]) -> Vec<i32> {
    decisions.iter().map(|d| d.desired_replicas).collect()
}

#[test]
fn scales_from_zero_and_back_to_zero_after_the_cooldown() {
    let s = spec(0, 10, vec![trigger(0, "queue", 5.0, 0.0)]);
    let decisions = replay(
        s,
        0,
        &[
            (0, &[Some(0.0)]),
            (30, &[Some(12.0)]),
            (60, &[Some(12.0)]),
            (90, &[Some(0.0)]),
            (360, &[Some(0.0)]),
            (361, &[Some(0.0)]),
        ],
    );
    // 0 -> activated to 1 -> HPA: ceil(12/5) = 3 in the same sync (legacy cap 4). Last
    // active at t=60, so scale-in is allowed strictly after t=360.
    assert_eq!(counts(&decisions), vec![0, 3, 3, 3, 3, 0]);
    assert!(decisions[1].active);
    assert!(!decisions[3].active);
    assert!(decisions[5].reason.to_string().contains("deactivated"));
}

#[test]
fn activation_is_strictly_above_the_threshold() {
    let s = spec(0, 10, vec![trigger(0, "queue", 5.0, 2.0)]);
    let decisions = replay(s, 0, &[(0, &[Some(2.0)]), (30, &[Some(2.001)])]);
    assert_eq!(counts(&decisions), vec![0, 1]);
}

#[test]
fn errors_never_scale_to_zero() {
    let s = spec(0, 10, vec![trigger(0, "queue", 5.0, 0.0)]);
    let decisions = replay(s, 2, &[(0, &[None]), (1000, &[None]), (2000, &[None])]);
    assert_eq!(counts(&decisions), vec![2, 2, 2]);
    assert!(decisions.iter().all(|d| !d.fallback));
}

#[test]
fn fallback_takes_over_after_the_threshold_counting_poll_and_hpa_reads() {
    let mut s = spec(1, 10, vec![trigger(0, "queue", 5.0, 0.0)]);
    s.fallback = Some(Fallback {
        failure_threshold: 3,
        replicas: 6,
        behavior: FallbackBehavior::Static,
    });
    let decisions = replay(s, 2, &[(0, &[None]), (30, &[None]), (60, &[None])]);
    // Line 1: poll counts 1, HPA read counts 2 (<= 3: error, HPA holds).
    // Line 2: poll 3 (error), HPA read 4 (> 3): substitute 5 * 6 -> HPA proposes 6, capped
    // at max(2 * 2, 4) = 4 by the legacy scale-up limit; the next sync reaches 6.
    assert_eq!(counts(&decisions), vec![2, 4, 6]);
    assert!(!decisions[0].fallback);
    assert!(decisions[1].fallback);
}

#[test]
fn fallback_brings_a_target_at_zero_back_up() {
    let mut s = spec(0, 10, vec![trigger(0, "queue", 5.0, 0.0)]);
    s.fallback = Some(Fallback {
        failure_threshold: 0,
        replicas: 3,
        behavior: FallbackBehavior::Static,
    });
    let decisions = replay(s, 0, &[(0, &[None])]);
    assert_eq!(counts(&decisions), vec![3]);
    assert!(decisions[0].active);
}

#[test]
fn a_failing_second_trigger_blocks_scale_down_only() {
    let s = spec(
        1,
        10,
        vec![trigger(0, "a", 1.0, 0.0), trigger(1, "b", 1.0, 0.0)],
    );
    let decisions = replay(
        s,
        4,
        &[
            (0, &[Some(8.0), None]),
            (400, &[Some(1.0), None]),
            (430, &[Some(1.0), Some(1.0)]),
        ],
    );
    assert_eq!(counts(&decisions), vec![8, 8, 1]);
}

#[test]
fn paused_replicas_pins_the_count_and_ignores_metrics() {
    let mut s = spec(0, 10, vec![trigger(0, "queue", 1.0, 0.0)]);
    s.pause.paused_replicas = Some(4);
    let decisions = replay(s, 1, &[(0, &[Some(100.0)]), (30, &[None])]);
    assert_eq!(counts(&decisions), vec![4, 4]);
    assert!(decisions.iter().all(|d| d.paused));
}

#[test]
fn paused_holds_the_current_count() {
    let mut s = spec(0, 10, vec![trigger(0, "queue", 1.0, 0.0)]);
    s.pause.paused = true;
    let decisions = replay(s, 3, &[(0, &[Some(100.0)]), (30, &[Some(0.0)])]);
    assert_eq!(counts(&decisions), vec![3, 3]);
}

#[test]
fn paused_scale_in_keeps_the_hpa_from_shrinking() {
    let mut s = spec(0, 10, vec![trigger(0, "queue", 1.0, 0.0)]);
    s.pause.paused_scale_in = true;
    let decisions = replay(
        s,
        2,
        &[(0, &[Some(6.0)]), (400, &[Some(1.0)]), (800, &[Some(0.0)])],
    );
    assert_eq!(counts(&decisions), vec![6, 6, 6]);
    assert!(decisions[0].paused);
}

#[test]
fn idle_replica_count_above_zero_is_undone_by_the_hpa() {
    // KEDA scales to idle (1), then the HPA sees 1 < min (3) and raises it straight back:
    // the known KEDA limitation with idleReplicaCount > 0.
    let mut s = spec(3, 10, vec![trigger(0, "queue", 1.0, 0.0)]);
    s.idle_replicas = Some(1);
    let decisions = replay(s, 3, &[(0, &[Some(0.0)]), (301, &[Some(0.0)])]);
    assert_eq!(counts(&decisions), vec![3, 3]);
    assert!(decisions[1].reason.to_string().contains("deactivated 3->1"));
}

#[test]
fn value_targets_use_ready_pods() {
    let mut t = trigger(0, "queue", 10.0, 0.0);
    t.metric_type = MetricType::Value;
    let mut engine = Engine::new(spec(1, 50, vec![t]), at(0));
    let obs = Observation {
        replicas: 4,
        ready_replicas: 2,
        readings: &[Some(30.0)],
    };
    // ratio 3, two ready pods: ceil(6) = 6.
    assert_eq!(engine.evaluate(at(0), &obs).unwrap().desired_replicas, 6);
}

#[test]
fn wrong_reading_count_is_an_error() {
    let mut engine = Engine::new(spec(1, 5, vec![trigger(0, "q", 1.0, 0.0)]), at(0));
    let obs = Observation {
        replicas: 1,
        ready_replicas: 1,
        readings: &[],
    };
    assert_eq!(
        engine.evaluate(at(0), &obs),
        Err(EngineError::ReadingCount {
            expected: 1,
            actual: 0
        })
    );
}

fn modifiers(source: &str, names: &[&str], target: f64, activation: f64) -> Modifiers {
    Modifiers {
        formula: Formula::compile(source, names).expect("formula compiles"),
        variables: (0..names.len()).collect(),
        target,
        activation_target: activation,
        metric_type: MetricType::AverageValue,
    }
}

#[test]
fn scaling_modifiers_compose_one_metric_and_decide_activity() {
    let mut s = spec(
        0,
        20,
        vec![trigger(0, "queue", 1.0, 0.0), trigger(1, "kv", 1.0, 0.0)],
    );
    s.modifiers = Some(modifiers(
        "max(queue / 4, kv / 0.8)",
        &["queue", "kv"],
        1.0,
        0.5,
    ));
    let decisions = replay(
        s,
        0,
        &[(0, &[Some(1.0), Some(0.2)]), (30, &[Some(12.0), Some(0.4)])],
    );
    // composite 0.25 <= 0.5: inactive; then max(3, 0.5) = 3 -> activated, HPA to 3.
    assert_eq!(counts(&decisions), vec![0, 3]);
    assert!(!decisions[0].active);
    assert!(decisions[1].active);
}

#[test]
fn scaling_modifiers_fallback_routes_around_a_failing_trigger() {
    let mut s = spec(
        1,
        20,
        vec![trigger(0, "a", 1.0, 0.0), trigger(1, "b", 1.0, 0.0)],
    );
    s.modifiers = Some(modifiers("a ?? b", &["a", "b"], 2.0, 0.0));
    s.fallback = Some(Fallback {
        failure_threshold: 0,
        replicas: 7,
        behavior: FallbackBehavior::ScalingModifiers,
    });
    // Start at 3 so the legacy scale-up cap, max(2 x 3, 4) = 6, does not bind.
    let decisions = replay(s, 3, &[(0, &[None, Some(10.0)]), (30, &[None, None])]);
    // a is nil, so b (10) drives: 10 / 2 = 5. Then both nil: fallback.replicas = 7.
    assert_eq!(counts(&decisions), vec![5, 7]);
}
