//! KEDA's own scaling step after each poll: activation from zero or idle, deactivation after
//! the cooldown, and the floor at `minReplicaCount`. Everything between 1 and N is the HPA's.
//!
//! [`request_scale`] is the executor's decision given whether the ScaledObject is active and
//! whether any trigger errored; it returns the replica count KEDA writes to the target, if
//! any, and the Active condition it reports.

use std::fmt;
use std::time::Duration;

use crate::spec::ScalingSpec;
use crate::time::Time;

/// What KEDA remembers between polls (`status.lastActiveTime` and the creation time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KedaState {
    /// `metadata.creationTimestamp` of the ScaledObject.
    pub created: Time,
    /// `status.lastActiveTime`.
    pub last_active: Option<Time>,
}

impl KedaState {
    /// A ScaledObject created at `created`, never active yet.
    pub fn new(created: Time) -> Self {
        KedaState {
            created,
            last_active: None,
        }
    }
}

/// The result of one poll, as the executor sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollResult {
    /// Some trigger (or the composite formula) is active, or activation is forced.
    pub active: bool,
    /// Some trigger failed without a fallback taking its place.
    pub error: bool,
}

/// What KEDA did to the target this poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KedaStep {
    /// Nothing to do: the HPA owns the count.
    Hold,
    /// Scaled from 0 (or from the idle count) to `to` because a trigger became active.
    Activated {
        /// The count before.
        from: i32,
        /// The count written.
        to: i32,
    },
    /// Scale-out from 0/idle was wanted but `paused-scale-out` forbids it.
    ActivationPaused,
    /// Scaled to 0 or the idle count after the cooldown.
    Deactivated {
        /// The count before.
        from: i32,
        /// The count written (0 or `idleReplicaCount`).
        to: i32,
    },
    /// Inactive, but the cooldown has not elapsed yet.
    CoolingDown {
        /// Time left until scale-in is allowed.
        remaining: Duration,
    },
    /// Scale-in to 0/idle was due but `paused-scale-in` forbids it.
    DeactivationPaused,
    /// Inactive and below `minReplicaCount`: raised to it.
    RaisedToMin {
        /// The count before.
        from: i32,
        /// `minReplicaCount`.
        to: i32,
    },
    /// A trigger failed and no fallback covers it: KEDA never scales in on errors.
    HeldOnError,
}

/// The Active condition KEDA reports after the poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    /// `Active=True` (`ScalerActive`).
    Active,
    /// `Active=False` (`ScalerNotActive`).
    NotActive,
    /// `Active=False` (`ScalerCooldown`).
    Cooldown,
}

/// The executor's decision for one poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScaleRequest {
    /// The replica count to write to the target, if KEDA writes one.
    pub set_replicas: Option<i32>,
    /// What happened.
    pub step: KedaStep,
    /// The Active condition.
    pub activity: Activity,
}

/// KEDA's `RequestScale`: decides the 0 ↔ N transitions and updates `last_active`.
pub fn request_scale(
    spec: &ScalingSpec,
    state: &mut KedaState,
    now: Time,
    current: i32,
    poll: PollResult,
) -> ScaleRequest {
    let min = spec.min_replicas;
    let idle = spec.idle_replicas;
    let hold = |step, activity| ScaleRequest {
        set_replicas: None,
        step,
        activity,
    };

    if poll.active {
        let below_active_floor = current == 0 || idle.is_some_and(|_| current < min);
        if below_active_floor {
            if spec.pause.paused_scale_out {
                return hold(KedaStep::ActivationPaused, Activity::Active);
            }
            let to = if min > 0 { min } else { 1 };
            state.last_active = Some(now);
            return ScaleRequest {
                set_replicas: Some(to),
                step: KedaStep::Activated { from: current, to },
                activity: Activity::Active,
            };
        }
        // An active poll with a partial error does not refresh lastActiveTime.
        if !poll.error {
            state.last_active = Some(now);
        }
        return hold(KedaStep::Hold, Activity::Active);
    }

    // Errors never scale in: with a fallback the HPA applies it, without one KEDA waits.
    if poll.error && spec.fallback.is_some_and(|f| f.replicas != 0) {
        return hold(KedaStep::HeldOnError, Activity::NotActive);
    }
    if poll.error && spec.fallback.is_none() {
        return hold(KedaStep::HeldOnError, Activity::NotActive);
    }

    let above_idle = match idle {
        Some(idle) => current > idle,
        None => current > 0 && min == 0,
    };
    if above_idle {
        let cooled_down = match state.last_active {
            // Without any active poll yet, only initialCooldownPeriod counts (cooldownPeriod
            // is not added: KEDA's code differs from its docs here).
            None => state.created + spec.initial_cooldown_period < now,
            Some(last) => last + spec.cooldown_period < now,
        };
        if !cooled_down {
            let until = match state.last_active {
                None => state.created + spec.initial_cooldown_period,
                Some(last) => last + spec.cooldown_period,
            };
            return hold(
                KedaStep::CoolingDown {
                    remaining: until.since(now),
                },
                Activity::Cooldown,
            );
        }
        if spec.pause.paused_scale_in {
            return hold(KedaStep::DeactivationPaused, Activity::NotActive);
        }
        let to = idle.unwrap_or(min);
        return ScaleRequest {
            set_replicas: Some(to),
            step: KedaStep::Deactivated { from: current, to },
            activity: Activity::NotActive,
        };
    }
    if idle.is_none() && current < min {
        return ScaleRequest {
            set_replicas: Some(min),
            step: KedaStep::RaisedToMin {
                from: current,
                to: min,
            },
            activity: Activity::NotActive,
        };
    }
    hold(KedaStep::Hold, Activity::NotActive)
}

impl fmt::Display for KedaStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KedaStep::Hold => Ok(()),
            KedaStep::Activated { from, to } => write!(f, "activated {from}->{to}"),
            KedaStep::ActivationPaused => f.write_str("activation blocked by paused-scale-out"),
            KedaStep::Deactivated { from, to } => {
                write!(f, "deactivated {from}->{to} after cooldown")
            }
            KedaStep::CoolingDown { remaining } => {
                write!(
                    f,
                    "inactive, cooling down ({}s left)",
                    remaining.as_secs_f64()
                )
            }
            KedaStep::DeactivationPaused => {
                f.write_str("scale-in to idle blocked by paused-scale-in")
            }
            KedaStep::RaisedToMin { from, to } => {
                write!(f, "raised {from}->{to} (minReplicaCount)")
            }
            KedaStep::HeldOnError => f.write_str("trigger error: no scale-in"),
        }
    }
}

#[cfg(test)]
mod tests;
