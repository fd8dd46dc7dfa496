//! One ScaledObject over time: a KEDA poll followed by an HPA sync, with the state both keep.
//!
//! [`Engine::evaluate`] is the unit every swell front end runs: `swell decide` replays a
//! timeline through it, the operator calls it on each tick, the simulator on each simulated
//! tick. It takes the target's replica counts and one reading per trigger, and returns the
//! replica count the target ends up with and why. It allocates nothing per call once warm.

mod poll;
mod reason;

use crate::fallback::{Health, Outcome};
use crate::hpa::proposal::{MetricSample, Replicas};
use crate::hpa::{Hpa, HpaConfig, HpaOutcome};
use crate::keda::{self, Activity, KedaState, PollResult};
use crate::quantity;
use crate::spec::{Behavior, ScalingSpec, SelectPolicy};
use crate::time::Time;

pub use reason::{PauseState, Reason};

/// What is known about the target and its triggers at one evaluation.
#[derive(Clone, Copy, Debug)]
pub struct Observation<'a> {
    /// The target's `spec.replicas` before this evaluation.
    pub replicas: i32,
    /// Pods Running and Ready (used by `Value` targets and Value fallbacks).
    pub ready_replicas: i32,
    /// One reading per trigger, in `spec.triggers` order; `None` when the source failed.
    /// For cpu/memory triggers the reading is the average utilization (or value) per pod.
    pub readings: &'a [Option<f64>],
}

/// The outcome of one evaluation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision {
    /// The target's `spec.replicas` after KEDA and the HPA acted.
    pub desired_replicas: i32,
    /// The Active condition: some trigger is active (or activation is forced).
    pub active: bool,
    /// The Fallback condition: some trigger failed past `failureThreshold`.
    pub fallback: bool,
    /// The Paused condition: any pause annotation is set.
    pub paused: bool,
    /// Why.
    pub reason: Reason,
}

/// The decision engine for one ScaledObject.
#[derive(Clone, Debug)]
pub struct Engine {
    spec: ScalingSpec,
    hpa_config: HpaConfig,
    hpa: Option<Hpa>,
    keda: KedaState,
    health: Health,
    outcomes: Vec<Outcome>,
    samples: Vec<MetricSample>,
    formula_inputs: Vec<Option<f64>>,
}

/// Why an evaluation could not run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The observation does not carry one reading per trigger.
    #[error("expected one reading per trigger ({expected}), got {actual}")]
    ReadingCount {
        /// Triggers in the spec.
        expected: usize,
        /// Readings given.
        actual: usize,
    },
}

impl Engine {
    /// An engine for a ScaledObject (and its HPA) created at `created`.
    pub fn new(spec: ScalingSpec, created: Time) -> Self {
        let hpa_config = hpa_config(&spec);
        let triggers = spec.triggers.len();
        let variables = spec.modifiers.as_ref().map_or(0, |m| m.variables.len());
        Engine {
            spec,
            hpa_config,
            hpa: None,
            keda: KedaState::new(created),
            health: Health::new(triggers),
            outcomes: vec![Outcome::Error; triggers],
            samples: Vec::with_capacity(triggers),
            formula_inputs: Vec::with_capacity(variables),
        }
    }

    /// The spec this engine runs.
    pub fn spec(&self) -> &ScalingSpec {
        &self.spec
    }

    /// The HPA as KEDA would create it from this spec.
    pub fn hpa_config(&self) -> &HpaConfig {
        &self.hpa_config
    }

    /// `status.lastActiveTime`.
    pub fn last_active(&self) -> Option<Time> {
        self.keda.last_active
    }

    /// Consecutive failures of trigger `index` (`status.health`).
    pub fn failures(&self, index: usize) -> i32 {
        self.health.failures(index)
    }

    /// One KEDA poll immediately followed by one HPA sync at `now`.
    pub fn evaluate(&mut self, now: Time, obs: &Observation<'_>) -> Result<Decision, EngineError> {
        if obs.readings.len() != self.spec.triggers.len() {
            return Err(EngineError::ReadingCount {
                expected: self.spec.triggers.len(),
                actual: obs.readings.len(),
            });
        }

        // A full pause stops the loop and deletes the HPA (it is recreated, with an empty
        // history, when the pause ends).
        let pause = self.spec.pause;
        if pause.paused_replicas.is_some() || pause.paused {
            self.hpa = None;
            let desired_replicas = pause.paused_replicas.unwrap_or(obs.replicas);
            return Ok(Decision {
                desired_replicas,
                active: false,
                fallback: self.health.any_falling_back(self.spec.fallback.as_ref()),
                paused: true,
                reason: Reason::paused(PauseState::of(&pause), desired_replicas),
            });
        }

        let poll = self.poll(obs);
        let request = keda::request_scale(&self.spec, &mut self.keda, now, obs.replicas, poll);
        let current = request.set_replicas.unwrap_or(obs.replicas);
        let outcome = self.sync_hpa(now, current, obs);

        Ok(Decision {
            desired_replicas: outcome.replicas,
            active: request.activity == Activity::Active,
            fallback: self.health.any_falling_back(self.spec.fallback.as_ref()),
            paused: pause.paused_scale_in || pause.paused_scale_out,
            reason: Reason::scaled(PauseState::of(&pause), request.step, outcome.reason),
        })
    }

    /// The poll loop: reads every trigger (counting failures) and decides activity.
    fn poll(&mut self, obs: &Observation<'_>) -> PollResult {
        let fallback = self.spec.fallback.as_ref();
        let mut active = false;
        let mut error = false;
        let mut external = 0;
        for (index, trigger) in self.spec.triggers.iter().enumerate() {
            if trigger.resource {
                continue;
            }
            external += 1;
            let outcome = self.health.observe(fallback, index, obs.readings[index]);
            self.outcomes[index] = outcome;
            match outcome {
                // Activation compares the raw value, before any clamping (strictly above).
                Outcome::Value(value) => active |= value > trigger.activation_target,
                Outcome::Error => error = true,
                // A trigger in fallback counts as active, so a target at zero comes back up.
                Outcome::Substitute => active = true,
                Outcome::Nil => {}
            }
        }

        if let Some(modifiers) = &self.spec.modifiers {
            // With a formula, activity is the composite value against activationTarget, and
            // any trigger error makes the object inactive.
            let falling_back = self.outcomes.contains(&Outcome::Substitute);
            active = !error
                && (falling_back
                    || poll::composite_milli(
                        &self.spec,
                        &self.outcomes,
                        &mut self.formula_inputs,
                        obs.replicas,
                        obs.ready_replicas,
                    )
                    .is_some_and(|milli| {
                        quantity::milli_to_f64(milli) > modifiers.activation_target
                    }));
        }
        // Only cpu/memory triggers: KEDA keeps the object active unless something failed.
        if external == 0 && !error {
            active = true;
        }
        active |= self.spec.pause.force_activation;
        PollResult { active, error }
    }

    /// The HPA sync, reading metrics again (and counting failures again) only when the HPA
    /// would compute from metrics.
    fn sync_hpa(&mut self, now: Time, current: i32, obs: &Observation<'_>) -> HpaOutcome {
        let replicas = Replicas {
            current,
            status: current,
            ready: obs.ready_replicas,
        };
        let hpa = self
            .hpa
            .get_or_insert_with(|| Hpa::new(self.hpa_config.clone()));
        let config = hpa.config();
        let reads_metrics = !(current == 0 && config.min_replicas != 0)
            && current <= config.max_replicas
            && current >= config.min_replicas;

        let mut samples = std::mem::take(&mut self.samples);
        samples.clear();
        if reads_metrics {
            poll::hpa_samples(
                &self.spec,
                &mut self.health,
                &mut self.outcomes,
                &mut self.formula_inputs,
                obs,
                current,
                &mut samples,
            );
        }
        let hpa = self.hpa.as_mut().expect("created above");
        let outcome = hpa.sync(now, replicas, &samples);
        self.samples = samples;
        outcome
    }
}

/// The HPA KEDA generates: min at least 1, and `behavior` with a direction disabled when a
/// `paused-scale-in`/`paused-scale-out` annotation is set (API defaults fill the rest).
fn hpa_config(spec: &ScalingSpec) -> HpaConfig {
    let mut behavior = spec.behavior.clone();
    if spec.pause.paused_scale_in || spec.pause.paused_scale_out {
        let b = behavior.get_or_insert_with(Behavior::default);
        if spec.pause.paused_scale_in {
            b.scale_down.select_policy = SelectPolicy::Disabled;
        }
        if spec.pause.paused_scale_out {
            b.scale_up.select_policy = SelectPolicy::Disabled;
        }
    }
    HpaConfig {
        min_replicas: spec.hpa_min_replicas(),
        max_replicas: spec.max_replicas,
        behavior,
        default_tolerance: spec.controller.tolerance,
        downscale_stabilization: spec.controller.downscale_stabilization,
    }
}

#[cfg(test)]
mod tests;
