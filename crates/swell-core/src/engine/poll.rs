//! The metric values KEDA serves: per trigger, or one `composite-metric` when
//! `scalingModifiers` is set, with fallback substitutes in place of failed reads.

use crate::fallback::{self, Health, Outcome};
use crate::hpa::proposal::MetricSample;
use crate::quantity;
use crate::spec::{FallbackBehavior, MetricType, ScalingSpec};

use super::Observation;

/// The composite metric in milli-units from this round's trigger outcomes, or `None` when it
/// cannot be computed (a trigger error below the fallback threshold, a formula error, a `nil`
/// result with no fallback to stand in, a Value fallback with no ready pods).
pub(super) fn composite_milli(
    spec: &ScalingSpec,
    outcomes: &[Outcome],
    inputs: &mut Vec<Option<f64>>,
    current: i32,
    ready: i32,
) -> Option<i64> {
    let modifiers = spec.modifiers.as_ref()?;
    let target_milli = quantity::value_to_milli(modifiers.target);

    // A regular fallback replaces the whole formula with the fallback metric.
    if outcomes.contains(&Outcome::Substitute) {
        let fb = spec.fallback.as_ref()?;
        let replicas = fallback::fallback_replicas(fb, current);
        return fallback::substitute_milli(target_milli, modifiers.metric_type, replicas, ready);
    }

    inputs.clear();
    for &index in &modifiers.variables {
        let value = match outcomes[index] {
            // The formula sees the value as served: rounded to milli-units, clamped at 0.
            Outcome::Value(v) => Some(quantity::milli_to_f64(quantity::value_to_milli(v))),
            Outcome::Nil => None,
            Outcome::Error | Outcome::Substitute => return None,
        };
        inputs.push(value);
    }
    match modifiers.formula.evaluate(inputs) {
        Ok(Some(value)) => Some(quantity::truncated_milli(value)),
        // A nil result under `behavior: scalingModifiers` means "use fallback.replicas".
        Ok(None) => {
            let fb = spec.fallback.as_ref()?;
            if fb.behavior != FallbackBehavior::ScalingModifiers {
                return None;
            }
            let target = quantity::milli_to_f64(target_milli);
            Some(quantity::truncated_milli(target * f64::from(fb.replicas)))
        }
        Err(_) => None,
    }
}

/// The samples the HPA receives for its metrics, reading every external trigger once more as
/// KEDA's metrics server does for each HPA request (failures count again).
pub(super) fn hpa_samples(
    spec: &ScalingSpec,
    health: &mut Health,
    outcomes: &mut [Outcome],
    inputs: &mut Vec<Option<f64>>,
    obs: &Observation<'_>,
    current: i32,
    samples: &mut Vec<MetricSample>,
) {
    let fallback = spec.fallback.as_ref();
    for (index, trigger) in spec.triggers.iter().enumerate() {
        if !trigger.resource {
            outcomes[index] = health.observe(fallback, index, obs.readings[index]);
        }
    }

    if let Some(modifiers) = &spec.modifiers {
        samples.push(MetricSample {
            metric_type: modifiers.metric_type,
            target_milli: quantity::value_to_milli(modifiers.target),
            usage_milli: composite_milli(spec, outcomes, inputs, current, obs.ready_replicas),
        });
    }

    for (index, trigger) in spec.triggers.iter().enumerate() {
        let target_milli = quantity::value_to_milli(trigger.target);
        if trigger.resource {
            // TODO: Resource metrics are modelled as one average per pod times ready pods; the
            // HPA's missing/unready pod adjustments need per-pod samples swell does not take.
            samples.push(MetricSample {
                metric_type: MetricType::Utilization,
                target_milli,
                usage_milli: obs.readings[index].map(quantity::value_to_milli),
            });
            continue;
        }
        if spec.modifiers.is_some() {
            continue;
        }
        let usage_milli = match outcomes[index] {
            Outcome::Value(value) => Some(quantity::value_to_milli(value)),
            Outcome::Substitute => fallback.and_then(|fb| {
                let replicas = fallback::fallback_replicas(fb, current);
                fallback::substitute_milli(
                    target_milli,
                    trigger.metric_type,
                    replicas,
                    obs.ready_replicas,
                )
            }),
            Outcome::Error | Outcome::Nil => None,
        };
        samples.push(MetricSample {
            metric_type: trigger.metric_type,
            target_milli,
            usage_milli,
        });
    }
}
