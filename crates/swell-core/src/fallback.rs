//! KEDA's `fallback`: counting consecutive failures per metric and, past the threshold,
//! replacing the failed value with one that lands the HPA on the fallback replica count.
//!
//! Failures are counted per metric by every reader: the poll loop and each HPA metric request
//! both count, as in KEDA, so one failed poll followed by one HPA sync counts twice.

use crate::quantity;
use crate::spec::{Fallback, FallbackBehavior, MetricType};

/// Consecutive failures per trigger (`status.health`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Health {
    failures: Vec<i32>,
}

/// What a metric read turned into after fallback processing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Outcome {
    /// The source answered.
    Value(f64),
    /// The source failed and the failure is passed on (below the threshold, or no fallback).
    Error,
    /// The source failed past the threshold: the HPA gets a substitute value.
    Substitute,
    /// The source failed past the threshold under `behavior: scalingModifiers`: the formula
    /// sees `nil` for this trigger.
    Nil,
}

impl Health {
    /// Health for `triggers` triggers, all happy.
    pub fn new(triggers: usize) -> Self {
        Health {
            failures: vec![0; triggers],
        }
    }

    /// Records one read of trigger `index` and classifies it. Without a fallback configured
    /// nothing is counted (KEDA only tracks health when a valid fallback exists).
    pub fn observe(
        &mut self,
        fallback: Option<&Fallback>,
        index: usize,
        reading: Option<f64>,
    ) -> Outcome {
        let Some(fallback) = fallback else {
            return reading.map_or(Outcome::Error, Outcome::Value);
        };
        let failures = &mut self.failures[index];
        match reading {
            Some(value) => {
                *failures = 0;
                Outcome::Value(value)
            }
            None => {
                *failures = failures.saturating_add(1);
                // Strictly greater: threshold 0 falls back on the first failure.
                if *failures <= fallback.failure_threshold {
                    Outcome::Error
                } else if fallback.behavior == FallbackBehavior::ScalingModifiers {
                    Outcome::Nil
                } else {
                    Outcome::Substitute
                }
            }
        }
    }

    /// Whether any trigger is past the threshold (the `Fallback` condition).
    pub fn any_falling_back(&self, fallback: Option<&Fallback>) -> bool {
        fallback.is_some_and(|f| self.failures.iter().any(|&n| n > f.failure_threshold))
    }

    /// Consecutive failures of trigger `index`.
    pub fn failures(&self, index: usize) -> i32 {
        self.failures[index]
    }
}

/// The replica count the fallback aims for, given the current count.
pub fn fallback_replicas(fallback: &Fallback, current: i32) -> i32 {
    match fallback.behavior {
        FallbackBehavior::Static | FallbackBehavior::ScalingModifiers => fallback.replicas,
        FallbackBehavior::CurrentReplicas => current,
        FallbackBehavior::CurrentReplicasIfHigher => current.max(fallback.replicas),
        FallbackBehavior::CurrentReplicasIfLower => current.min(fallback.replicas),
    }
}

/// The substitute metric in milli-units: `target × R` for AverageValue, `target × R / ready`
/// for Value, truncated to whole milli-units as KEDA does. `None` when a Value target has no
/// ready pods (KEDA then reports the fallback itself as failed).
pub fn substitute_milli(
    target_milli: i64,
    metric_type: MetricType,
    replicas: i32,
    ready: i32,
) -> Option<i64> {
    let mut replicas = f64::from(replicas);
    if metric_type == MetricType::Value {
        if ready == 0 {
            return None;
        }
        replicas /= f64::from(ready);
    }
    let target = quantity::milli_to_f64(target_milli);
    Some(quantity::truncated_milli(target * replicas))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fallback(threshold: i32, replicas: i32, behavior: FallbackBehavior) -> Fallback {
        Fallback {
            failure_threshold: threshold,
            replicas,
            behavior,
        }
    }

    #[test]
    fn failures_pass_through_until_the_threshold_is_exceeded() {
        let fb = fallback(2, 5, FallbackBehavior::Static);
        let mut health = Health::new(1);
        assert_eq!(health.observe(Some(&fb), 0, None), Outcome::Error);
        assert_eq!(health.observe(Some(&fb), 0, None), Outcome::Error);
        assert_eq!(health.observe(Some(&fb), 0, None), Outcome::Substitute);
        assert!(health.any_falling_back(Some(&fb)));
    }

    #[test]
    fn threshold_zero_falls_back_on_the_first_failure() {
        let fb = fallback(0, 5, FallbackBehavior::Static);
        let mut health = Health::new(1);
        assert_eq!(health.observe(Some(&fb), 0, None), Outcome::Substitute);
    }

    #[test]
    fn a_success_resets_the_count() {
        let fb = fallback(1, 5, FallbackBehavior::Static);
        let mut health = Health::new(1);
        health.observe(Some(&fb), 0, None);
        assert_eq!(health.observe(Some(&fb), 0, Some(3.0)), Outcome::Value(3.0));
        assert_eq!(health.failures(0), 0);
        assert_eq!(health.observe(Some(&fb), 0, None), Outcome::Error);
    }

    #[test]
    fn without_fallback_nothing_is_counted() {
        let mut health = Health::new(1);
        assert_eq!(health.observe(None, 0, None), Outcome::Error);
        assert_eq!(health.failures(0), 0);
        assert!(!health.any_falling_back(None));
    }

    #[test]
    fn scaling_modifiers_behavior_turns_failures_into_nil() {
        let fb = fallback(0, 5, FallbackBehavior::ScalingModifiers);
        let mut health = Health::new(1);
        assert_eq!(health.observe(Some(&fb), 0, None), Outcome::Nil);
    }

    #[test]
    fn fallback_replicas_follow_the_behavior() {
        let cases = [
            (FallbackBehavior::Static, 2, 5),
            (FallbackBehavior::CurrentReplicas, 2, 2),
            (FallbackBehavior::CurrentReplicasIfHigher, 2, 5),
            (FallbackBehavior::CurrentReplicasIfHigher, 8, 8),
            (FallbackBehavior::CurrentReplicasIfLower, 2, 2),
            (FallbackBehavior::CurrentReplicasIfLower, 8, 5),
        ];
        for (behavior, current, expected) in cases {
            assert_eq!(
                fallback_replicas(&fallback(1, 5, behavior), current),
                expected
            );
        }
    }

    #[test]
    fn substitute_lands_the_hpa_on_the_fallback_count() {
        assert_eq!(
            substitute_milli(2500, MetricType::AverageValue, 4, 1),
            Some(10_000)
        );
        assert_eq!(substitute_milli(3000, MetricType::Value, 6, 4), Some(4500));
        assert_eq!(substitute_milli(3000, MetricType::Value, 6, 0), None);
    }
}
