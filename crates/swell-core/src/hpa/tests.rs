//! One HPA sync end to end: branches, multi-metric rules and history seeding (hpa.md §2-§5).

use std::time::Duration;

use super::*;
use crate::spec::MetricType;

fn at(secs: i64) -> Time {
    Time::from_millis(secs * 1000)
}

fn config(min: i32, max: i32, behavior: Option<Behavior>) -> HpaConfig {
    HpaConfig {
        min_replicas: min,
        max_replicas: max,
        behavior,
        default_tolerance: 0.1,
        downscale_stabilization: Duration::from_secs(300),
    }
}

fn avg(target: i64, usage: Option<i64>) -> MetricSample {
    MetricSample {
        metric_type: MetricType::AverageValue,
        target_milli: target,
        usage_milli: usage,
    }
}

fn same(current: i32) -> Replicas {
    Replicas {
        current,
        status: current,
        ready: current,
    }
}

#[test]
fn zero_replicas_with_nonzero_min_disables_the_hpa() {
    let mut hpa = Hpa::new(config(1, 10, None));
    let outcome = hpa.sync(at(0), same(0), &[avg(1000, Some(50_000))]);
    assert_eq!(
        outcome,
        HpaOutcome {
            replicas: 0,
            reason: HpaReason::ScalingDisabled
        }
    );
}

#[test]
fn out_of_range_counts_jump_to_the_bound_without_metrics() {
    let mut hpa = Hpa::new(config(2, 5, None));
    assert_eq!(hpa.sync(at(0), same(9), &[avg(1000, None)]).replicas, 5);
    let mut hpa = Hpa::new(config(2, 5, None));
    assert_eq!(hpa.sync(at(0), same(1), &[avg(1000, None)]).replicas, 2);
}

#[test]
fn a_new_hpa_cannot_scale_down_within_the_window() {
    let mut hpa = Hpa::new(config(1, 10, None));
    let outcome = hpa.sync(at(0), same(6), &[avg(1000, Some(1000))]);
    assert_eq!(outcome.replicas, 6);
    let outcome = hpa.sync(at(301), same(6), &[avg(1000, Some(1000))]);
    assert_eq!(outcome.replicas, 1);
}

#[test]
fn a_failed_metric_blocks_scale_down_but_not_scale_up() {
    let mut hpa = Hpa::new(config(1, 20, None));
    hpa.sync(at(0), same(4), &[avg(1000, Some(4000))]);
    let down = hpa.sync(at(400), same(4), &[avg(1000, Some(1000)), avg(1000, None)]);
    assert_eq!(
        down,
        HpaOutcome {
            replicas: 4,
            reason: HpaReason::MetricsUnavailable { invalid: 1 }
        }
    );
    let up = hpa.sync(at(415), same(4), &[avg(1000, Some(7000)), avg(1000, None)]);
    assert_eq!(up.replicas, 7);
}

#[test]
fn blocked_syncs_store_no_recommendation() {
    let mut hpa = Hpa::new(config(1, 20, None));
    hpa.sync(at(0), same(4), &[avg(1000, None)]);
    hpa.sync(at(15), same(4), &[avg(1000, None)]);
    assert_eq!(hpa.history().recommendations().len(), 1);
}

#[test]
fn scale_events_are_recorded_only_with_behavior() {
    let mut legacy = Hpa::new(config(1, 20, None));
    legacy.sync(at(0), same(1), &[avg(1000, Some(3000))]);
    assert!(legacy.history().scale_up.is_empty());

    let mut with_behavior = Hpa::new(config(1, 20, Some(Behavior::default())));
    let outcome = with_behavior.sync(at(0), same(1), &[avg(1000, Some(3000))]);
    assert_eq!(outcome.replicas, 3);
    assert_eq!(with_behavior.history().scale_up.len(), 1);
    assert_eq!(with_behavior.history().scale_up[0].change, 2);
}

#[test]
fn per_direction_tolerance_from_behavior_applies_to_every_metric() {
    let mut behavior = Behavior::default();
    behavior.scale_up.tolerance = Some(0.5);
    let mut hpa = Hpa::new(config(1, 20, Some(behavior)));
    // 4 replicas, usage 5.6 per replica against 4: ratio 1.4, inside a 50% up tolerance.
    let outcome = hpa.sync(at(0), same(4), &[avg(4000, Some(22_400))]);
    assert_eq!(outcome.replicas, 4);
}

#[test]
fn the_largest_proposal_names_its_metric() {
    let mut hpa = Hpa::new(config(1, 20, Some(Behavior::default())));
    let outcome = hpa.sync(
        at(0),
        same(2),
        &[avg(1000, Some(3000)), avg(1000, Some(5000))],
    );
    assert_eq!(outcome.replicas, 5);
    assert!(matches!(
        outcome.reason,
        HpaReason::Computed {
            metric: 1,
            proposal: 5,
            ..
        }
    ));
}
