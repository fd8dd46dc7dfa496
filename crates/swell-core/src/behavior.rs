//! The HPA's `spec.behavior`: stabilization windows over past recommendations, then rate
//! limits from the scaling policies over past scale events.
//!
//! Order matters and is the controller's: first stabilize (scale up only as far as every
//! recommendation in the up window agrees, scale down only as far as every recommendation in
//! the down window agrees), then limit the change by the policies, then clamp to min/max in
//! the direction of travel only.

use std::time::Duration;

use crate::hpa::history::{History, Recommendation};
use crate::hpa::{Limit, Stabilization};
use crate::spec::{Behavior, PolicyKind, ScalingRules, SelectPolicy};
use crate::time::Time;

/// The arguments of one normalization.
#[derive(Clone, Copy, Debug)]
pub struct Normalization<'a> {
    /// The effective behavior.
    pub behavior: &'a Behavior,
    /// The controller flag that fills a missing scale-down window.
    pub default_down_window: Duration,
    /// The sync time.
    pub now: Time,
    /// `scale.spec.replicas`.
    pub current: i32,
    /// The raw metric proposal.
    pub desired: i32,
    /// HPA `minReplicas`.
    pub min: i32,
    /// HPA `maxReplicas`.
    pub max: i32,
}

/// Stabilizes and rate-limits `args.desired`, recording the raw recommendation.
pub fn normalize(history: &mut History, args: Normalization<'_>) -> (i32, Stabilization, Limit) {
    let stabilized = stabilize(history, &args);
    let stabilization = if stabilized == args.desired {
        Stabilization::Ready
    } else if args.desired >= args.current {
        Stabilization::ScaleUpStabilized
    } else {
        Stabilization::ScaleDownStabilized
    };
    let (replicas, limit) = limit_rate(history, &args, stabilized);
    (replicas, stabilization, limit)
}

fn window(rules: &ScalingRules, default: Duration) -> Duration {
    rules.stabilization_window.unwrap_or(default)
}

/// `min(max(current, min over the up window), max over the down window)`, windows open at
/// their start (a recommendation exactly at the cutoff is outside).
fn stabilize(history: &mut History, args: &Normalization<'_>) -> i32 {
    let up_cutoff = args.now - window(&args.behavior.scale_up, Duration::ZERO);
    let down_cutoff = args.now - window(&args.behavior.scale_down, args.default_down_window);
    let mut up = args.desired;
    let mut down = args.desired;
    let mut old_slot = None;
    for (index, rec) in history.recommendations().iter().enumerate() {
        if rec.time > up_cutoff {
            up = up.min(rec.replicas);
        }
        if rec.time > down_cutoff {
            down = down.max(rec.replicas);
        }
        if rec.time < up_cutoff && rec.time < down_cutoff {
            old_slot = Some(index);
        }
    }
    history.record(
        old_slot,
        Recommendation {
            time: args.now,
            replicas: args.desired,
        },
    );
    args.current.max(up).min(down)
}

/// Applies the policy rate limit and min/max in the direction of travel.
fn limit_rate(history: &History, args: &Normalization<'_>, desired: i32) -> (i32, Limit) {
    if desired > args.current {
        let limit = scale_up_limit(history, args).max(args.current);
        let (allowed, reason) = if args.max > limit {
            (limit, Limit::ScaleUpLimit)
        } else {
            (args.max, Limit::TooManyReplicas)
        };
        if desired > allowed {
            return (allowed, reason);
        }
    } else if desired < args.current {
        let limit = scale_down_limit(history, args).min(args.current);
        let (allowed, reason) = if args.min < limit {
            (limit, Limit::ScaleDownLimit)
        } else {
            (args.min, Limit::TooFewReplicas)
        };
        if desired < allowed {
            return (allowed, reason);
        }
    }
    (desired, Limit::DesiredWithinRange)
}

/// Replicas at the start of a policy's period: current minus what was added plus what was
/// removed inside it (changes in the other direction free budget).
fn period_start(history: &History, now: Time, current: i32, period: Duration) -> i64 {
    let added = History::change_within(&history.scale_up, now, period);
    let removed = History::change_within(&history.scale_down, now, period);
    i64::from(current) - added + removed
}

fn saturate(value: i64) -> i32 {
    value.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

fn scale_up_limit(history: &History, args: &Normalization<'_>) -> i32 {
    let rules = &args.behavior.scale_up;
    let most_change = match rules.select_policy {
        SelectPolicy::Disabled => return args.current,
        SelectPolicy::Max => true,
        SelectPolicy::Min => false,
    };
    let mut limit: Option<i64> = None;
    for policy in &rules.policies {
        let start = period_start(history, args.now, args.current, policy.period);
        let proposed = match policy.kind {
            PolicyKind::Pods => start + i64::from(policy.value),
            // Rounded up, so that a small percentage still allows one more replica.
            PolicyKind::Percent => {
                (start as f64 * (1.0 + f64::from(policy.value) / 100.0)).ceil() as i64
            }
        };
        limit = Some(match limit {
            None => proposed,
            Some(l) if most_change => l.max(proposed),
            Some(l) => l.min(proposed),
        });
    }
    // No policies: the unbounded initial value, later clamped back to current by the caller.
    saturate(limit.unwrap_or(if most_change {
        i64::from(i32::MIN)
    } else {
        i64::from(i32::MAX)
    }))
}

fn scale_down_limit(history: &History, args: &Normalization<'_>) -> i32 {
    let rules = &args.behavior.scale_down;
    let most_change = match rules.select_policy {
        SelectPolicy::Disabled => return args.current,
        SelectPolicy::Max => true,
        SelectPolicy::Min => false,
    };
    let mut limit: Option<i64> = None;
    for policy in &rules.policies {
        let start = period_start(history, args.now, args.current, policy.period);
        let proposed = match policy.kind {
            PolicyKind::Pods => start - i64::from(policy.value),
            // Truncated toward zero; a value above 100% goes negative.
            PolicyKind::Percent => (start as f64 * (1.0 - f64::from(policy.value) / 100.0)) as i64,
        };
        limit = Some(match limit {
            None => proposed,
            Some(l) if most_change => l.min(proposed),
            Some(l) => l.max(proposed),
        });
    }
    saturate(limit.unwrap_or(if most_change {
        i64::from(i32::MAX)
    } else {
        i64::from(i32::MIN)
    }))
}

/// The longest policy period of one direction, which decides when old events may be reused.
pub fn longest_period(rules: &ScalingRules) -> Duration {
    rules
        .policies
        .iter()
        .map(|p| p.period)
        .max()
        .unwrap_or(Duration::ZERO)
}

/// Records a successful rescale in the event history of its direction.
pub fn record_scale(history: &mut History, behavior: &Behavior, now: Time, from: i32, to: i32) {
    let rules = if to > from {
        &behavior.scale_up
    } else {
        &behavior.scale_down
    };
    history.record_scale(now, from, to, longest_period(rules));
}

#[cfg(test)]
mod tests;
