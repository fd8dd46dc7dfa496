//! What KEDA and the HPA make of one set of trigger readings, from N current replicas: each
//! trigger's activity and proposal, the composite metric of `scalingModifiers`, KEDA's
//! activation step and the HPA's clamp.
//!
//! The answer is the count the HPA settles on while the readings hold, so two things are
//! assumed on purpose: the ScaledObject has been inactive longer than its cooldown (KEDA may
//! scale to zero or idle now), and the HPA's rate limits and stabilization windows have run
//! their course (they change how fast the count moves, not where it goes). The arithmetic is
//! swell-core's: fallback health, KEDA's `request_scale`, the HPA's `propose` and `combine`.

use std::time::Duration;

use swell_core::Time;
use swell_core::engine::Engine;
use swell_core::fallback::{self, Health, Outcome};
use swell_core::hpa::proposal::{self, Combined, MetricSample, Replicas, Tolerance};
use swell_core::keda::{self, KedaState, KedaStep, PollResult};
use swell_core::quantity;
use swell_core::spec::{FallbackBehavior, MetricType, ScalingSpec};

/// One trigger's part in the decision.
#[derive(Clone, Debug, PartialEq)]
pub struct TriggerMath {
    /// The value read, `None` when the source failed.
    pub value: Option<f64>,
    /// `value > activationTarget` (strictly); false for a failed read.
    pub active: bool,
    /// What fallback made of the read (a substitute past `failureThreshold`).
    pub outcome: Outcome,
    /// The value as the HPA sees it, in milli-units (clamped at 0), or the fallback
    /// substitute; `None` when the HPA gets an error.
    pub usage_milli: Option<i64>,
    /// The HPA's proposal for this metric alone (`None`: no proposal, or part of a formula).
    pub proposal: Option<i32>,
}

/// `scalingModifiers`: the formula's value and what it proposes.
#[derive(Clone, Debug, PartialEq)]
pub struct CompositeMath {
    /// The composite metric in milli-units, `None` when it cannot be computed.
    pub value_milli: Option<i64>,
    /// Composite above `activationTarget`, and no trigger error.
    pub active: bool,
    /// The HPA's proposal for `composite-metric`.
    pub proposal: Option<i32>,
}

/// How the HPA ended up where it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HpaStep {
    /// A pause annotation froze the count; the HPA is deleted.
    Paused,
    /// The target is at 0 replicas: the HPA is disabled (`ScalingDisabled`).
    Disabled,
    /// Above `maxReplicas`: brought down to it.
    AboveMax,
    /// Below the HPA's `minReplicas` (at least 1): brought up to it.
    BelowMin,
    /// A metric failed and the others would scale down: the HPA holds.
    Blocked,
    /// The largest proposal, before the clamp to `[minReplicas, maxReplicas]`.
    Proposal {
        /// The proposal.
        replicas: i32,
        /// Whether a `paused-scale-in`/`-out` annotation kept the count instead.
        held_by_pause: bool,
    },
}

/// The whole decision.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaMath {
    /// The current replicas given (`--replicas`).
    pub current: i32,
    /// Per trigger, in `spec.triggers` order.
    pub triggers: Vec<TriggerMath>,
    /// Present with `scalingModifiers`.
    pub composite: Option<CompositeMath>,
    /// The ScaledObject is active.
    pub active: bool,
    /// Some trigger failed with no fallback in its place.
    pub error: bool,
    /// KEDA's step (activation from zero, scale to zero or idle, floor).
    pub keda: KedaStep,
    /// The count after KEDA's step, which the HPA starts from.
    pub after_keda: i32,
    /// The HPA's step.
    pub hpa: HpaStep,
    /// The HPA's `minReplicas` (`minReplicaCount`, at least 1).
    pub hpa_min: i32,
    /// The tolerance band the HPA applied.
    pub tolerance: Tolerance,
    /// The desired replica count.
    pub desired: i32,
}

/// Computes the decision for `readings` (one per trigger, `None` for a failure) from
/// `current` replicas, all of them ready.
pub fn compute(spec: &ScalingSpec, readings: &[Option<f64>], current: i32) -> ReplicaMath {
    assert_eq!(
        readings.len(),
        spec.triggers.len(),
        "one reading per trigger"
    );
    let tolerance = Engine::new(spec.clone(), Time::ZERO)
        .hpa_config()
        .tolerance();
    let hpa_min = spec.hpa_min_replicas();

    // The poll: each read counts once for fallback health, as in KEDA's poll loop.
    let mut health = Health::new(spec.triggers.len());
    let fallback_spec = spec.fallback.as_ref();
    let mut triggers = Vec::with_capacity(readings.len());
    let (mut active, mut error, mut external) = (false, false, 0);
    for (trigger, &reading) in spec.triggers.iter().zip(readings) {
        let index = triggers.len();
        let outcome = if trigger.resource {
            reading.map_or(Outcome::Error, Outcome::Value)
        } else {
            external += 1;
            health.observe(fallback_spec, index, reading)
        };
        let trigger_active = reading.is_some_and(|v| v > trigger.activation_target);
        if !trigger.resource {
            match outcome {
                Outcome::Value(_) => active |= trigger_active,
                Outcome::Error => error = true,
                Outcome::Substitute => active = true,
                Outcome::Nil => {}
            }
        }
        triggers.push(TriggerMath {
            value: reading,
            active: trigger_active,
            outcome,
            usage_milli: None,
            proposal: None,
        });
    }

    // With a formula, activity is the composite against activationTarget, and any error
    // makes the object inactive.
    let outcomes: Vec<Outcome> = triggers.iter().map(|t| t.outcome).collect();
    let mut composite = spec.modifiers.as_ref().map(|modifiers| {
        let value_milli = composite_milli(spec, &outcomes, current, current);
        let composite_active = !error
            && (outcomes.contains(&Outcome::Substitute)
                || value_milli
                    .is_some_and(|m| quantity::milli_to_f64(m) > modifiers.activation_target));
        CompositeMath {
            value_milli,
            active: composite_active,
            proposal: None,
        }
    });
    if let Some(composite) = &composite {
        active = composite.active;
    }
    if external == 0 && !error {
        active = true;
    }
    active |= spec.pause.force_activation;

    let pause = spec.pause;
    if pause.paused || pause.paused_replicas.is_some() {
        let desired = pause.paused_replicas.unwrap_or(current);
        return ReplicaMath {
            current,
            triggers,
            composite,
            active: false,
            error,
            keda: KedaStep::Hold,
            after_keda: current,
            hpa: HpaStep::Paused,
            hpa_min,
            tolerance,
            desired,
        };
    }

    // KEDA's step, with the cooldown already elapsed (never active, created long enough ago).
    let now = Time::ZERO + spec.initial_cooldown_period + Duration::from_millis(1);
    let mut state = KedaState::new(Time::ZERO);
    let request = keda::request_scale(spec, &mut state, now, current, PollResult { active, error });
    let after_keda = request.set_replicas.unwrap_or(current);

    // The HPA's sync: its metric reads count once more for fallback, as KEDA's metrics server
    // does for each HPA request.
    let replicas = Replicas {
        current: after_keda,
        status: after_keda,
        ready: after_keda,
    };
    let (hpa, desired) = if after_keda == 0 && hpa_min != 0 {
        (HpaStep::Disabled, 0)
    } else if after_keda > spec.max_replicas {
        (HpaStep::AboveMax, spec.max_replicas)
    } else if after_keda < hpa_min {
        (HpaStep::BelowMin, hpa_min)
    } else {
        let samples = hpa_samples(spec, &mut health, &mut triggers, after_keda);
        let proposals: Vec<Option<i32>> = samples
            .iter()
            .map(|s| proposal::propose(*s, replicas, tolerance))
            .collect();
        assign_proposals(spec, &mut triggers, composite.as_mut(), &proposals);
        match proposal::combine(proposals, after_keda) {
            Combined::Blocked { .. } => (HpaStep::Blocked, after_keda),
            Combined::Proposal { replicas, .. } => {
                let held_by_pause = (pause.paused_scale_out && replicas > after_keda)
                    || (pause.paused_scale_in && replicas < after_keda);
                let desired = if held_by_pause {
                    after_keda
                } else {
                    replicas.clamp(hpa_min, spec.max_replicas)
                };
                (
                    HpaStep::Proposal {
                        replicas,
                        held_by_pause,
                    },
                    desired,
                )
            }
        }
    };

    ReplicaMath {
        current,
        triggers,
        composite,
        active,
        error,
        keda: request.step,
        after_keda,
        hpa,
        hpa_min,
        tolerance,
        desired,
    }
}

/// The samples the HPA receives: the composite metric first (with a formula), then each
/// resource trigger, then each external trigger without a formula, as KEDA serves them.
fn hpa_samples(
    spec: &ScalingSpec,
    health: &mut Health,
    triggers: &mut [TriggerMath],
    current: i32,
) -> Vec<MetricSample> {
    let fallback_spec = spec.fallback.as_ref();
    for (index, trigger) in spec.triggers.iter().enumerate() {
        if !trigger.resource {
            triggers[index].outcome = health.observe(fallback_spec, index, triggers[index].value);
        }
    }

    let mut samples = Vec::with_capacity(spec.triggers.len() + 1);
    if let Some(modifiers) = &spec.modifiers {
        let outcomes: Vec<Outcome> = triggers.iter().map(|t| t.outcome).collect();
        samples.push(MetricSample {
            metric_type: modifiers.metric_type,
            target_milli: quantity::value_to_milli(modifiers.target),
            usage_milli: composite_milli(spec, &outcomes, current, current),
        });
    }
    for (index, trigger) in spec.triggers.iter().enumerate() {
        let target_milli = quantity::value_to_milli(trigger.target);
        let math = &mut triggers[index];
        if trigger.resource {
            math.usage_milli = math.value.map(quantity::value_to_milli);
            samples.push(MetricSample {
                metric_type: MetricType::Utilization,
                target_milli,
                usage_milli: math.usage_milli,
            });
            continue;
        }
        math.usage_milli = match math.outcome {
            Outcome::Value(value) => Some(quantity::value_to_milli(value)),
            Outcome::Substitute => fallback_spec.and_then(|fb| {
                let replicas = fallback::fallback_replicas(fb, current);
                fallback::substitute_milli(target_milli, trigger.metric_type, replicas, current)
            }),
            Outcome::Error | Outcome::Nil => None,
        };
        if spec.modifiers.is_some() {
            continue;
        }
        samples.push(MetricSample {
            metric_type: trigger.metric_type,
            target_milli,
            usage_milli: math.usage_milli,
        });
    }
    samples
}

/// Hands each sample's proposal back to the trigger (or composite) it came from, in the
/// order [`hpa_samples`] built them.
fn assign_proposals(
    spec: &ScalingSpec,
    triggers: &mut [TriggerMath],
    composite: Option<&mut CompositeMath>,
    proposals: &[Option<i32>],
) {
    let mut next = proposals.iter().copied();
    if let Some(composite) = composite {
        composite.proposal = next.next().flatten();
    }
    for (index, trigger) in spec.triggers.iter().enumerate() {
        if trigger.resource || spec.modifiers.is_none() {
            triggers[index].proposal = next.next().flatten();
        }
    }
}

/// The composite metric in milli-units, as KEDA computes it for `composite-metric`: failed
/// triggers past the threshold become `nil` (under `behavior: scalingModifiers`) or replace
/// the formula with the fallback metric; below the threshold they leave no value.
fn composite_milli(
    spec: &ScalingSpec,
    outcomes: &[Outcome],
    current: i32,
    ready: i32,
) -> Option<i64> {
    let modifiers = spec.modifiers.as_ref()?;
    let target_milli = quantity::value_to_milli(modifiers.target);
    if outcomes.contains(&Outcome::Substitute) {
        let fb = spec.fallback.as_ref()?;
        let replicas = fallback::fallback_replicas(fb, current);
        return fallback::substitute_milli(target_milli, modifiers.metric_type, replicas, ready);
    }

    let mut inputs = Vec::with_capacity(modifiers.variables.len());
    for &index in &modifiers.variables {
        inputs.push(match outcomes[index] {
            // The formula sees the value as served: milli-units, clamped at 0.
            Outcome::Value(v) => Some(quantity::milli_to_f64(quantity::value_to_milli(v))),
            Outcome::Nil => None,
            Outcome::Error | Outcome::Substitute => return None,
        });
    }
    match modifiers.formula.evaluate(&inputs) {
        Ok(Some(value)) => Some(quantity::truncated_milli(value)),
        Ok(None) => {
            let fb = spec.fallback.as_ref()?;
            (fb.behavior == FallbackBehavior::ScalingModifiers).then(|| {
                let target = quantity::milli_to_f64(target_milli);
                quantity::truncated_milli(target * f64::from(fb.replicas))
            })
        }
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests;
