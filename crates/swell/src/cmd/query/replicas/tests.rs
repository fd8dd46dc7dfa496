//! The replica arithmetic for one set of readings, rule by rule.

use swell_api::{scaled_object, scaled_object_from_str};

use super::*;

/// A ScaledObject with `triggers` (YAML list items) and extra spec lines.
fn spec(extra: &str, triggers: &str) -> ScalingSpec {
    let text = format!(
        "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {{name: qwen}}\nspec:\n  scaleTargetRef: {{name: qwen-predictor}}\n{extra}  triggers:\n{triggers}"
    );
    let so = scaled_object_from_str("so.yaml", &text).unwrap();
    scaled_object(&so).unwrap()
}

fn prometheus(threshold: &str, activation: &str, metric_type: &str) -> String {
    format!(
        "  - type: prometheus\n    metricType: {metric_type}\n    metadata: {{serverAddress: 'http://p:9090', query: up, threshold: '{threshold}', activationThreshold: '{activation}'}}\n"
    )
}

#[test]
fn average_value_divides_the_total_by_the_target() {
    // The seed set-up: threshold 1, 7 requests running, from 1 replica: ceil(7 / 1) = 7.
    let spec = spec(
        "  maxReplicaCount: 10\n",
        &prometheus("1", "0", "AverageValue"),
    );
    let math = compute(&spec, &[Some(7.0)], 1);
    assert_eq!(math.triggers[0].proposal, Some(7));
    assert_eq!(math.desired, 7);
    assert!(math.active);
}

#[test]
fn desired_replicas_are_clamped_to_max() {
    let spec = spec(
        "  maxReplicaCount: 2\n",
        &prometheus("1", "0", "AverageValue"),
    );
    let math = compute(&spec, &[Some(7.0)], 1);
    assert_eq!(
        math.hpa,
        HpaStep::Proposal {
            replicas: 7,
            held_by_pause: false
        }
    );
    assert_eq!(math.desired, 2);
}

#[test]
fn value_targets_multiply_by_the_ready_replicas() {
    // Value 3 against 2 with 4 ready pods: ceil(4 * 1.5) = 6.
    let spec = spec("", &prometheus("2", "0", "Value"));
    assert_eq!(compute(&spec, &[Some(3.0)], 4).desired, 6);
}

#[test]
fn the_largest_proposal_wins() {
    let triggers = prometheus("1", "0", "AverageValue") + &prometheus("10", "0", "AverageValue");
    let spec = spec("", &triggers);
    let math = compute(&spec, &[Some(3.0), Some(55.0)], 1);
    assert_eq!(
        (math.triggers[0].proposal, math.triggers[1].proposal),
        (Some(3), Some(6))
    );
    assert_eq!(math.desired, 6);
}

#[test]
fn activation_is_strictly_above_the_activation_target() {
    let spec = spec("", &prometheus("1", "2", "AverageValue"));
    let math = compute(&spec, &[Some(2.0)], 3);
    assert!(!math.triggers[0].active);
    assert!(!math.active);
    // Inactive with minReplicaCount 0: KEDA scales to zero after the cooldown.
    assert_eq!(math.keda, KedaStep::Deactivated { from: 3, to: 0 });
    assert_eq!(math.desired, 0);
}

#[test]
fn an_active_trigger_at_zero_replicas_activates_then_the_hpa_proposes() {
    let spec = spec("", &prometheus("1", "0", "AverageValue"));
    let math = compute(&spec, &[Some(5.0)], 0);
    assert_eq!(math.keda, KedaStep::Activated { from: 0, to: 1 });
    assert_eq!(math.desired, 5);
}

#[test]
fn inactive_with_a_minimum_stays_at_the_minimum() {
    let spec = spec(
        "  minReplicaCount: 2\n",
        &prometheus("1", "0", "AverageValue"),
    );
    assert_eq!(compute(&spec, &[Some(0.0)], 5).desired, 2);
}

#[test]
fn a_failed_trigger_blocks_scale_down_but_not_scale_up() {
    let triggers = prometheus("1", "0", "AverageValue") + &prometheus("1", "0", "AverageValue");
    let spec = spec("", &triggers);
    let down = compute(&spec, &[None, Some(1.0)], 4);
    assert_eq!((down.hpa, down.desired), (HpaStep::Blocked, 4));
    assert!(down.error);
    let up = compute(&spec, &[None, Some(9.0)], 4);
    assert_eq!(up.desired, 9);
}

#[test]
fn every_trigger_failing_holds_the_current_count() {
    let spec = spec("", &prometheus("1", "0", "AverageValue"));
    let math = compute(&spec, &[None], 3);
    assert_eq!(math.keda, KedaStep::HeldOnError);
    assert_eq!(math.desired, 3);
}

#[test]
fn fallback_with_threshold_zero_applies_on_the_first_failure() {
    let extra = "  fallback: {failureThreshold: 0, replicas: 6}\n";
    let spec = spec(extra, &prometheus("1", "0", "AverageValue"));
    let math = compute(&spec, &[None], 2);
    assert_eq!(math.triggers[0].outcome, Outcome::Substitute);
    assert_eq!(math.desired, 6);
}

#[test]
fn scaling_modifiers_propose_from_the_composite_metric() {
    let extra = "  advanced:\n    scalingModifiers: {formula: 'a + b', target: '2'}\n";
    let triggers = "  - type: prometheus\n    name: a\n    metadata: {serverAddress: 'http://p:9090', query: up, threshold: '1'}\n  - type: prometheus\n    name: b\n    metadata: {serverAddress: 'http://p:9090', query: up, threshold: '1'}\n";
    let spec = spec(extra, triggers);
    let math = compute(&spec, &[Some(3.0), Some(4.5)], 1);
    let composite = math.composite.unwrap();
    assert_eq!(composite.value_milli, Some(7500));
    assert_eq!(composite.proposal, Some(4));
    assert_eq!(math.triggers[0].proposal, None);
    assert_eq!(math.desired, 4);
}

#[test]
fn paused_replicas_win() {
    let extra = "";
    let text_spec = spec(extra, &prometheus("1", "0", "AverageValue"));
    let mut paused = text_spec.clone();
    paused.pause.paused_replicas = Some(3);
    let math = compute(&paused, &[Some(50.0)], 1);
    assert_eq!((math.hpa, math.desired), (HpaStep::Paused, 3));
}

#[test]
fn within_tolerance_the_count_stays() {
    // 10.5 against 1 per replica from 10 replicas: ratio 1.05, inside the 10% band.
    let spec = spec("", &prometheus("1", "0", "AverageValue"));
    assert_eq!(compute(&spec, &[Some(10.5)], 10).desired, 10);
}
