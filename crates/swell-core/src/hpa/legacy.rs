//! Normalization when the HPA has no `behavior`: the legacy path.
//!
//! One stabilization window for scale-down (the controller flag, 300 s by default), a
//! scale-up cap of `max(2 × current, 4)` per sync with no memory of earlier syncs, and no
//! scale-down rate limit. A `behavior: {}` does not give the same result at small sizes; see
//! [`crate::behavior`].

use std::time::Duration;

use super::history::{History, Recommendation};
use super::{Limit, Stabilization};
use crate::time::Time;

/// Stabilizes and clamps `desired` the legacy way, recording the raw recommendation.
pub fn normalize(
    history: &mut History,
    window: Duration,
    now: Time,
    current: i32,
    desired: i32,
    min: i32,
    max: i32,
) -> (i32, Stabilization, Limit) {
    let stabilized = stabilize(history, window, now, desired);
    let stabilization = if stabilized != desired {
        Stabilization::ScaleDownStabilized
    } else {
        Stabilization::Ready
    };
    let (replicas, limit) = clamp(current, stabilized, min, max);
    (replicas, stabilization, limit)
}

/// The maximum of `desired` and every recommendation not older than the window.
fn stabilize(history: &mut History, window: Duration, now: Time, desired: i32) -> i32 {
    let cutoff = now - window;
    let mut stabilized = desired;
    let mut old_slot = None;
    for (index, rec) in history.recommendations().iter().enumerate() {
        // Legacy quirk: a sample exactly at the cutoff still counts (the behavior path
        // excludes it).
        if rec.time < cutoff {
            old_slot = Some(index);
        } else if rec.replicas > stabilized {
            stabilized = rec.replicas;
        }
    }
    history.record(
        old_slot,
        Recommendation {
            time: now,
            replicas: desired,
        },
    );
    stabilized
}

/// The legacy min/max clamp with the `max(2 × current, 4)` scale-up cap.
fn clamp(current: i32, desired: i32, min: i32, max: i32) -> (i32, Limit) {
    let cap = (2.0 * f64::from(current)).max(4.0).floor();
    let cap = if cap >= f64::from(i32::MAX) {
        i32::MAX
    } else {
        cap as i32
    };
    let (allowed_max, max_limit) = if max > cap {
        (cap, Limit::ScaleUpLimit)
    } else {
        (max, Limit::TooManyReplicas)
    };

    // The lower bound is checked first and applies in either direction.
    if desired < min {
        (min, Limit::TooFewReplicas)
    } else if desired > allowed_max {
        (allowed_max, max_limit)
    } else {
        (desired, Limit::DesiredWithinRange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(300);

    fn at(secs: i64) -> Time {
        Time::from_millis(secs * 1000)
    }

    #[test]
    fn scale_up_is_capped_at_twice_current_or_four() {
        let cases = [
            (1, 100, 4),
            (2, 100, 4),
            (3, 100, 6),
            (10, 100, 20),
            (10, 15, 15),
        ];
        for (current, desired, expected) in cases {
            let mut history = History::default();
            history.seed(at(0), current);
            let (replicas, _, _) = normalize(&mut history, WINDOW, at(0), current, desired, 1, 50);
            assert_eq!(replicas, expected, "current {current} desired {desired}");
        }
    }

    #[test]
    fn scale_down_waits_for_the_window_including_its_edge() {
        let mut history = History::default();
        history.seed(at(0), 8);
        let (r, s, _) = normalize(&mut history, WINDOW, at(100), 8, 2, 1, 10);
        assert_eq!((r, s), (8, Stabilization::ScaleDownStabilized));
        // Exactly 300 s after the seed, the seed still counts.
        let (r, _, _) = normalize(&mut history, WINDOW, at(300), 8, 2, 1, 10);
        assert_eq!(r, 8);
        // Later, only the t=100 and t=300 recommendations (2) remain.
        let (r, s, _) = normalize(&mut history, WINDOW, at(301), 8, 2, 1, 10);
        assert_eq!((r, s), (2, Stabilization::Ready));
    }

    #[test]
    fn below_min_clamps_to_min_first() {
        let mut history = History::default();
        history.seed(at(0), 1);
        let (r, _, limit) = normalize(&mut history, WINDOW, at(0), 1, 0, 2, 10);
        assert_eq!((r, limit), (2, Limit::TooFewReplicas));
    }

    #[test]
    fn old_recommendations_are_overwritten_in_place() {
        let mut history = History::default();
        history.seed(at(0), 5);
        for t in [400, 800, 1200] {
            normalize(&mut history, WINDOW, at(t), 5, 5, 1, 10);
        }
        assert!(history.recommendations().len() <= 2);
    }
}
