//! The Kubernetes HPA controller's decision for one HPA, sync by sync.
//!
//! [`Hpa::sync`] is one reconcile of kube-controller-manager's horizontal pod autoscaler:
//! seed the recommendation history, take the min/max shortcut branches, otherwise compute a
//! proposal per metric ([`proposal`]), combine them, and normalize the result through the
//! legacy path ([`legacy`]) or `behavior` ([`crate::behavior`]). Reasons are kept as enums so
//! a decision costs no allocation; they render to the condition reasons the HPA reports.

pub mod history;
pub mod legacy;
pub mod proposal;

use std::fmt;
use std::time::Duration;

use crate::behavior::{self, Normalization};
use crate::spec::Behavior;
use crate::time::Time;
use history::History;
use proposal::{Combined, MetricSample, Replicas, Tolerance};

/// An HPA's configuration, as KEDA generates it from a ScaledObject.
#[derive(Clone, Debug, PartialEq)]
pub struct HpaConfig {
    /// `minReplicas` (at least 1 for KEDA-made HPAs).
    pub min_replicas: i32,
    /// `maxReplicas`.
    pub max_replicas: i32,
    /// `behavior`, API defaults applied; `None` for the legacy path.
    pub behavior: Option<Behavior>,
    /// The controller's `--horizontal-pod-autoscaler-tolerance`.
    pub default_tolerance: f64,
    /// The controller's `--horizontal-pod-autoscaler-downscale-stabilization`.
    pub downscale_stabilization: Duration,
}

impl HpaConfig {
    /// The tolerance band: per direction from `behavior` where set, else the flag.
    pub fn tolerance(&self) -> Tolerance {
        let rules = self.behavior.as_ref();
        Tolerance {
            up: rules
                .and_then(|b| b.scale_up.tolerance)
                .unwrap_or(self.default_tolerance),
            down: rules
                .and_then(|b| b.scale_down.tolerance)
                .unwrap_or(self.default_tolerance),
        }
    }
}

/// The `AbleToScale` reason left by normalization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stabilization {
    /// Stabilization did not change the recommendation (`ReadyForNewScale`).
    Ready,
    /// An up window held the count back (`ScaleUpStabilized`).
    ScaleUpStabilized,
    /// A down window held the count up (`ScaleDownStabilized`).
    ScaleDownStabilized,
}

/// The `ScalingLimited` reason left by normalization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// No bound applied.
    DesiredWithinRange,
    /// A scale-up policy (or the legacy cap) limited the change.
    ScaleUpLimit,
    /// A scale-down policy limited the change.
    ScaleDownLimit,
    /// `maxReplicas` limited the change.
    TooManyReplicas,
    /// `minReplicas` limited the change.
    TooFewReplicas,
}

impl Limit {
    /// The reason string the HPA puts on its `ScalingLimited` condition.
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::DesiredWithinRange => "DesiredWithinRange",
            Limit::ScaleUpLimit => "ScaleUpLimit",
            Limit::ScaleDownLimit => "ScaleDownLimit",
            Limit::TooManyReplicas => "TooManyReplicas",
            Limit::TooFewReplicas => "TooFewReplicas",
        }
    }
}

/// Why one sync ended where it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HpaReason {
    /// The target is at 0 and `minReplicas` is not: the HPA does nothing (`ScalingDisabled`).
    ScalingDisabled,
    /// The target was above `maxReplicas` and was brought down at once.
    AboveMax,
    /// The target was below `minReplicas` and was brought up at once.
    BelowMin,
    /// Metrics failed so that no change is allowed (`FailedGetExternalMetric`).
    MetricsUnavailable {
        /// How many metrics failed.
        invalid: usize,
    },
    /// The metrics gave a proposal, then normalization shaped it.
    Computed {
        /// The index of the metric with the largest proposal.
        metric: usize,
        /// The raw proposal.
        proposal: i32,
        /// What stabilization did.
        stabilization: Stabilization,
        /// What the limits did.
        limit: Limit,
    },
}

/// The result of one sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HpaOutcome {
    /// `scale.spec.replicas` after the sync (unchanged when the HPA did not rescale).
    pub replicas: i32,
    /// Why.
    pub reason: HpaReason,
}

/// One HPA and the controller's memory of it.
#[derive(Clone, Debug)]
pub struct Hpa {
    config: HpaConfig,
    tolerance: Tolerance,
    history: History,
}

impl Hpa {
    /// A newly created HPA: no history yet.
    pub fn new(config: HpaConfig) -> Self {
        let tolerance = config.tolerance();
        Hpa {
            config,
            tolerance,
            history: History::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &HpaConfig {
        &self.config
    }

    /// The controller's memory of this HPA.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The tolerance band applied to every metric.
    pub fn tolerance(&self) -> Tolerance {
        self.tolerance
    }

    /// One reconcile at `now`. `metrics` holds one sample per HPA metric, in spec order.
    pub fn sync(&mut self, now: Time, replicas: Replicas, metrics: &[MetricSample]) -> HpaOutcome {
        let current = replicas.current;
        let (min, max) = (self.config.min_replicas, self.config.max_replicas);
        self.history.seed(now, current);

        let (desired, reason) = if current == 0 && min != 0 {
            return HpaOutcome {
                replicas: current,
                reason: HpaReason::ScalingDisabled,
            };
        } else if current > max {
            (max, HpaReason::AboveMax)
        } else if current < min {
            (min, HpaReason::BelowMin)
        } else {
            let proposals = metrics
                .iter()
                .map(|m| proposal::propose(*m, replicas, self.tolerance));
            match proposal::combine(proposals, current) {
                Combined::Blocked { invalid } => {
                    return HpaOutcome {
                        replicas: current,
                        reason: HpaReason::MetricsUnavailable { invalid },
                    };
                }
                Combined::Proposal {
                    replicas: proposal,
                    metric,
                } => {
                    let (desired, stabilization, limit) = self.normalize(now, current, proposal);
                    (
                        desired,
                        HpaReason::Computed {
                            metric,
                            proposal,
                            stabilization,
                            limit,
                        },
                    )
                }
            }
        };

        if desired != current
            && let Some(behavior) = &self.config.behavior
        {
            behavior::record_scale(&mut self.history, behavior, now, current, desired);
        }
        HpaOutcome {
            replicas: desired,
            reason,
        }
    }

    fn normalize(&mut self, now: Time, current: i32, desired: i32) -> (i32, Stabilization, Limit) {
        let config = &self.config;
        let desired = desired.max(0);
        match &config.behavior {
            None => legacy::normalize(
                &mut self.history,
                config.downscale_stabilization,
                now,
                current,
                desired,
                config.min_replicas,
                config.max_replicas,
            ),
            Some(behavior) => behavior::normalize(
                &mut self.history,
                Normalization {
                    behavior,
                    default_down_window: config.downscale_stabilization,
                    now,
                    current,
                    desired,
                    min: config.min_replicas,
                    max: config.max_replicas,
                },
            ),
        }
    }
}

impl fmt::Display for HpaReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HpaReason::ScalingDisabled => f.write_str("inactive at 0 replicas (ScalingDisabled)"),
            HpaReason::AboveMax => f.write_str("current replicas above maxReplicas"),
            HpaReason::BelowMin => f.write_str("current replicas below minReplicas"),
            HpaReason::MetricsUnavailable { invalid } => {
                write!(
                    f,
                    "{invalid} metric(s) failed: HPA holds (scale-down blocked)"
                )
            }
            HpaReason::Computed {
                proposal,
                stabilization,
                limit,
                ..
            } => {
                write!(f, "metrics propose {proposal}")?;
                match stabilization {
                    Stabilization::Ready => {}
                    Stabilization::ScaleUpStabilized => f.write_str(", held by scale-up window")?,
                    Stabilization::ScaleDownStabilized => {
                        f.write_str(", held by scale-down window")?
                    }
                }
                if *limit != Limit::DesiredWithinRange {
                    write!(f, ", limited ({})", limit.as_str())?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests;
