//! One HPA metric's replica proposal, and how several proposals combine.
//!
//! This is the arithmetic of the HPA's replica calculator for the metric kinds swell serves:
//! External metrics with `Value` or `AverageValue` targets (every KEDA trigger but cpu/memory)
//! and a simplified Resource utilization. All inputs are integer milli-units, as the HPA
//! controller sees them (see [`crate::quantity`]).

use crate::spec::MetricType;

/// The tolerance band around a ratio of 1.0 inside which the HPA keeps the current count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// Allowed relative excess before scaling up (`behavior.scaleUp.tolerance` or the flag).
    pub up: f64,
    /// Allowed relative shortfall before scaling down.
    pub down: f64,
}

impl Tolerance {
    /// The same tolerance in both directions.
    pub fn symmetric(tolerance: f64) -> Self {
        Tolerance {
            up: tolerance,
            down: tolerance,
        }
    }

    /// Whether `ratio` is inside the band. Both edges are inclusive (Kubernetes 1.33+ form:
    /// `1 - down <= ratio <= 1 + up`, so a ratio of exactly 1.1 does not scale at 10%).
    pub fn contains(self, ratio: f64) -> bool {
        1.0 - self.down <= ratio && ratio <= 1.0 + self.up
    }
}

/// What the HPA knows about the scale target when it computes proposals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Replicas {
    /// `scale.spec.replicas`: the count the HPA compares against and changes.
    pub current: i32,
    /// `scale.status.replicas`: used by `AverageValue` targets.
    pub status: i32,
    /// Pods Running and Ready behind the target's selector: used by `Value` targets.
    pub ready: i32,
}

/// One metric as served to the HPA: the target and either the observed usage or a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricSample {
    /// How the usage is compared with the target.
    pub metric_type: MetricType,
    /// The target in milli-units.
    pub target_milli: i64,
    /// The usage in milli-units (the sum over all series), or `None` when fetching failed.
    pub usage_milli: Option<i64>,
}

/// Rounds a replica proposal up, clamping it into `[0, i32::MAX]` like the overflow guards of
/// recent HPA releases. NaN (0/0 with a zero target) proposes nothing.
fn ceil_replicas(x: f64) -> i32 {
    if x.is_nan() || x <= 0.0 {
        return 0;
    }
    let up = x.ceil();
    if up >= i32::MAX as f64 {
        i32::MAX
    } else {
        up as i32
    }
}

/// The replica count this one metric asks for, or `None` when the metric is invalid (failed
/// to fetch, or a target the HPA would reject).
pub fn propose(sample: MetricSample, replicas: Replicas, tolerance: Tolerance) -> Option<i32> {
    let usage = sample.usage_milli?;
    if sample.target_milli <= 0 {
        return None;
    }
    let usage = usage as f64;
    let target = sample.target_milli as f64;

    match sample.metric_type {
        MetricType::AverageValue => {
            // AverageValue divides by status replicas and never looks at pods; a ratio inside
            // the band proposes the *status* count (an HPA quirk during surges).
            let ratio = usage / (target * replicas.status as f64);
            if tolerance.contains(ratio) {
                Some(replicas.status)
            } else {
                Some(ceil_replicas(usage / target))
            }
        }
        MetricType::Value | MetricType::Utilization => {
            let ratio = usage / target;
            if replicas.current == 0 {
                // Scale from zero: no tolerance, no pod count.
                return Some(ceil_replicas(ratio));
            }
            if tolerance.contains(ratio) {
                Some(replicas.current)
            } else {
                // Value multiplies by ready pods; with none ready the proposal is 0.
                Some(ceil_replicas(ratio * replicas.ready as f64))
            }
        }
    }
}

/// The combined proposal of several metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Combined {
    /// The largest valid proposal and the index of the metric that made it.
    Proposal {
        /// The proposed replica count.
        replicas: i32,
        /// Index of the metric with the largest proposal.
        metric: usize,
    },
    /// Too many metrics failed: every metric failed, or some failed and the valid ones would
    /// scale down. The HPA changes nothing.
    Blocked {
        /// How many metrics failed.
        invalid: usize,
    },
}

/// Combines per-metric proposals the way the HPA does: the maximum of the valid ones, and a
/// failed metric blocks everything but a scale-up.
pub fn combine(proposals: impl IntoIterator<Item = Option<i32>>, current: i32) -> Combined {
    let mut best: Option<(i32, usize)> = None;
    let mut invalid = 0;
    let mut count = 0;
    for (index, proposal) in proposals.into_iter().enumerate() {
        count += 1;
        match proposal {
            Some(replicas) if best.is_none_or(|(b, _)| replicas > b) => {
                best = Some((replicas, index));
            }
            Some(_) => {}
            None => invalid += 1,
        }
    }
    match best {
        Some((replicas, metric)) if invalid == 0 || replicas >= current => {
            Combined::Proposal { replicas, metric }
        }
        _ if invalid == 0 && count == 0 => Combined::Blocked { invalid: 0 },
        _ => Combined::Blocked { invalid },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOL: Tolerance = Tolerance { up: 0.1, down: 0.1 };

    fn sample(metric_type: MetricType, target: i64, usage: i64) -> MetricSample {
        MetricSample {
            metric_type,
            target_milli: target,
            usage_milli: Some(usage),
        }
    }

    fn replicas(current: i32, status: i32, ready: i32) -> Replicas {
        Replicas {
            current,
            status,
            ready,
        }
    }

    #[test]
    fn tolerance_band_is_inclusive_on_both_edges() {
        assert!(TOL.contains(1.1));
        assert!(TOL.contains(0.9));
        assert!(!TOL.contains(1.1000001));
        assert!(!TOL.contains(0.8999999));
        assert!(!TOL.contains(f64::NAN));
    }

    #[test]
    fn value_targets_multiply_the_ratio_by_ready_pods() {
        // Sum 95 against a total target of 10 with 4 ready pods: ceil(9.5 * 4) = 38.
        let proposal = propose(
            sample(MetricType::Value, 10_000, 95_000),
            replicas(4, 4, 4),
            TOL,
        );
        assert_eq!(proposal, Some(38));
    }

    #[test]
    fn value_targets_with_no_ready_pods_propose_zero() {
        let proposal = propose(
            sample(MetricType::Value, 1000, 5000),
            replicas(3, 3, 0),
            TOL,
        );
        assert_eq!(proposal, Some(0));
    }

    #[test]
    fn value_targets_scale_from_zero_on_the_ratio_alone() {
        let proposal = propose(
            sample(MetricType::Value, 2000, 5000),
            replicas(0, 0, 0),
            TOL,
        );
        assert_eq!(proposal, Some(3));
    }

    #[test]
    fn average_value_targets_divide_the_total_by_the_target() {
        // Sum 95, 10 per replica, 4 in status: ratio 2.375, proposal ceil(9.5) = 10.
        let s = sample(MetricType::AverageValue, 10_000, 95_000);
        assert_eq!(propose(s, replicas(4, 4, 1), TOL), Some(10));
    }

    #[test]
    fn average_value_inside_tolerance_proposes_the_status_count() {
        // 41 over 4 status replicas at 10 each is within 10%: propose status (4), not spec (5).
        let s = sample(MetricType::AverageValue, 10_000, 41_000);
        assert_eq!(propose(s, replicas(5, 4, 4), TOL), Some(4));
    }

    #[test]
    fn value_inside_tolerance_keeps_the_current_count() {
        let s = sample(MetricType::Value, 10_000, 10_500);
        assert_eq!(propose(s, replicas(3, 3, 3), TOL), Some(3));
    }

    #[test]
    fn float_rounding_of_the_ratio_is_reproduced() {
        // 20000/15000*3 evaluates to exactly 4.0 in float64, so the HPA proposes 4, not 5.
        let s = sample(MetricType::Value, 15_000, 20_000);
        assert_eq!(propose(s, replicas(3, 3, 3), TOL), Some(4));
    }

    #[test]
    fn failed_metrics_and_non_positive_targets_propose_nothing() {
        let failed = MetricSample {
            metric_type: MetricType::Value,
            target_milli: 1000,
            usage_milli: None,
        };
        assert_eq!(propose(failed, replicas(1, 1, 1), TOL), None);
        let zero_target = sample(MetricType::AverageValue, 0, 1000);
        assert_eq!(propose(zero_target, replicas(1, 1, 1), TOL), None);
    }

    #[test]
    fn huge_usage_saturates_at_i32_max() {
        let s = sample(MetricType::AverageValue, 1, i64::MAX);
        assert_eq!(propose(s, replicas(1, 1, 1), TOL), Some(i32::MAX));
    }

    #[test]
    fn combine_takes_the_largest_valid_proposal() {
        let combined = combine([Some(3), Some(7), Some(5)], 4);
        assert_eq!(
            combined,
            Combined::Proposal {
                replicas: 7,
                metric: 1
            }
        );
    }

    #[test]
    fn a_failed_metric_allows_scale_up_and_equality() {
        assert_eq!(
            combine([None, Some(6)], 4),
            Combined::Proposal {
                replicas: 6,
                metric: 1
            }
        );
        assert_eq!(
            combine([None, Some(4)], 4),
            Combined::Proposal {
                replicas: 4,
                metric: 1
            }
        );
    }

    #[test]
    fn a_failed_metric_blocks_scale_down() {
        assert_eq!(
            combine([None, Some(2)], 4),
            Combined::Blocked { invalid: 1 }
        );
    }

    #[test]
    fn all_metrics_failing_blocks_everything() {
        assert_eq!(combine([None, None], 4), Combined::Blocked { invalid: 2 });
    }
}
