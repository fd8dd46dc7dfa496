//! Properties of the whole engine (KEDA poll + HPA sync) over random timelines.
//!
//! Each property states a guarantee users rely on and checks it on every decision of randomly
//! generated ScaledObjects and metric timelines, each decision fed back as the next current
//! replica count, as KEDA and the HPA controller would:
//!
//! - settled replicas stay in `[min, max]` (or at 0 / `idleReplicaCount` when inactive);
//! - no scale-down below the highest HPA recommendation inside the stabilization window;
//! - a failing trigger never sends a running target to zero.
//!
//! Cases per property come from `SWELL_FUZZ_CASES` (default 256).

#[path = "support/cases.rs"]
mod cases;

use std::time::Duration;

use proptest::prelude::*;

use swell_core::Time;
use swell_core::engine::{Engine, Observation};
use swell_core::spec::{
    Behavior, ControllerSettings, Fallback, FallbackBehavior, MetricType, Pause, PolicyKind,
    ScalingPolicy, ScalingRules, ScalingSpec, SelectPolicy, TriggerSpec,
};

fn trigger(index: usize, metric_type: MetricType, target: f64, activation: f64) -> TriggerSpec {
    TriggerSpec {
        name: Some(format!("t{index}")),
        trigger_type: "prometheus".to_string(),
        metric_name: format!("s{index}-prometheus"),
        metric_type,
        target,
        activation_target: activation,
        use_cached_metrics: false,
        resource: false,
    }
}

fn policy() -> impl Strategy<Value = ScalingPolicy> {
    (
        prop_oneof![Just(PolicyKind::Pods), Just(PolicyKind::Percent)],
        1..200i32,
        1..120u64,
    )
        .prop_map(|(kind, value, period)| ScalingPolicy {
            kind,
            value,
            period: Duration::from_secs(period),
        })
}

fn rules() -> impl Strategy<Value = ScalingRules> {
    (
        prop::option::of(0..600u64),
        prop_oneof![
            4 => Just(SelectPolicy::Max),
            2 => Just(SelectPolicy::Min),
            1 => Just(SelectPolicy::Disabled),
        ],
        prop::collection::vec(policy(), 1..3),
        prop::option::of(0.0..0.5f64),
    )
        .prop_map(
            |(window, select_policy, policies, tolerance)| ScalingRules {
                stabilization_window: window.map(Duration::from_secs),
                select_policy,
                policies,
                tolerance,
            },
        )
}

fn behavior() -> impl Strategy<Value = Option<Behavior>> {
    prop::option::of(
        (rules(), rules()).prop_map(|(scale_up, scale_down)| Behavior {
            scale_up,
            scale_down,
        }),
    )
}

fn fallback(max: i32) -> impl Strategy<Value = Option<Fallback>> {
    let behavior = prop_oneof![
        Just(FallbackBehavior::Static),
        Just(FallbackBehavior::CurrentReplicas),
        Just(FallbackBehavior::CurrentReplicasIfHigher),
        Just(FallbackBehavior::CurrentReplicasIfLower),
    ];
    prop::option::of((1..5i32, 1..=max, behavior).prop_map(
        |(failure_threshold, replicas, behavior)| Fallback {
            failure_threshold,
            replicas,
            behavior,
        },
    ))
}

/// A ScaledObject without pause annotations or formula: 1-3 triggers, any behavior, maybe
/// a fallback and an idle count.
fn scaled_object(min_floor: i32) -> impl Strategy<Value = ScalingSpec> {
    (min_floor..4i32, 1..30i32)
        .prop_flat_map(|(min, extra)| {
            let max = min.max(1) + extra;
            let triggers = prop::collection::vec(
                (
                    prop_oneof![Just(MetricType::AverageValue), Just(MetricType::Value)],
                    1..20u32,
                    0..5u32,
                ),
                1..4,
            );
            let idle = if min > 0 {
                prop::option::of(0..min).boxed()
            } else {
                Just(None).boxed()
            };
            (
                Just(min),
                Just(max),
                idle,
                triggers,
                behavior(),
                fallback(max),
                0..400u64,
            )
        })
        .prop_map(
            |(min, max, idle, triggers, behavior, fallback, cooldown)| ScalingSpec {
                min_replicas: min,
                max_replicas: max,
                idle_replicas: idle,
                polling_interval: Duration::from_secs(30),
                cooldown_period: Duration::from_secs(cooldown),
                initial_cooldown_period: Duration::ZERO,
                fallback,
                behavior,
                triggers: triggers
                    .into_iter()
                    .enumerate()
                    .map(|(i, (kind, target, activation))| {
                        trigger(i, kind, f64::from(target), f64::from(activation))
                    })
                    .collect(),
                modifiers: None,
                pause: Pause::default(),
                controller: ControllerSettings::default(),
            },
        )
}

/// One evaluation: seconds since the previous one, ready pods missing, and readings (`None` is
/// a failed query). Integer readings keep the HPA's quantity rounding out of the picture.
type Step = (u64, u32, Vec<Option<u32>>);

fn steps(errors: bool) -> impl Strategy<Value = Vec<Step>> {
    let reading = if errors {
        prop_oneof![4 => (0..300u32).prop_map(Some), 1 => Just(None)].boxed()
    } else {
        (0..300u32).prop_map(Some).boxed()
    };
    prop::collection::vec(
        (
            1..90u64,
            prop_oneof![3 => Just(0u32), 1 => 0..3u32],
            prop::collection::vec(reading, 3),
        ),
        1..60,
    )
}

/// One decision of a replay, with what went into it.
struct Evaluated {
    t: Time,
    current: i32,
    readings: Vec<Option<f64>>,
    desired: i32,
}

/// Runs a timeline through a fresh engine, feeding each decision back as the current count.
fn replay(spec: &ScalingSpec, start: i32, steps: &[Step]) -> Vec<Evaluated> {
    let mut engine = Engine::new(spec.clone(), Time::from_millis(0));
    let mut t = Time::from_millis(0);
    let mut current = start;
    let mut out = Vec::with_capacity(steps.len());
    for (gap, not_ready, raw) in steps {
        t = Time::from_millis(t.as_millis() + *gap as i64 * 1000);
        let readings: Vec<Option<f64>> = raw[..spec.triggers.len()]
            .iter()
            .map(|r| r.map(f64::from))
            .collect();
        let obs = Observation {
            replicas: current,
            ready_replicas: (current - *not_ready as i32).max(0),
            readings: &readings,
        };
        let decision = engine.evaluate(t, &obs).expect("one reading per trigger");
        out.push(Evaluated {
            t,
            current,
            readings,
            desired: decision.desired_replicas,
        });
        current = decision.desired_replicas;
    }
    out
}

proptest! {
    #![proptest_config(cases::config())]

    /// Starting anywhere in range, every decision is in `[max(min, 1), max]`, or 0 /
    /// `idleReplicaCount` for an inactive object, whatever the readings, errors and fallback.
    #[test]
    fn settled_replicas_stay_within_min_and_max(
        (spec, start) in scaled_object(0).prop_flat_map(|s| {
            let range = s.min_replicas..=s.max_replicas;
            (Just(s), range)
        }),
        steps in steps(true),
    ) {
        let floor = spec.min_replicas.max(1);
        for e in replay(&spec, start, &steps) {
            let idle = e.desired == spec.idle_replicas.unwrap_or(0)
                && (spec.min_replicas == 0 || spec.idle_replicas.is_some());
            prop_assert!(
                e.desired <= spec.max_replicas && (e.desired >= floor || idle),
                "t={:?} from {} to {} outside [{floor}, {}] (idle {:?})",
                e.t, e.current, e.desired, spec.max_replicas, spec.idle_replicas
            );
        }
    }

    /// With `behavior`, no decision goes below the highest recommendation the HPA made within
    /// the scale-down stabilization window (nor below the current count when that is lower).
    #[test]
    fn no_scale_down_inside_the_stabilization_window(
        (spec, start) in scaled_object(1)
            .prop_filter("behavior set, one AverageValue trigger, no fallback", |s| {
                s.behavior.is_some() && s.fallback.is_none()
            })
            .prop_map(|mut s| {
                // Idle mode is KEDA scaling in past the HPA, outside its windows.
                s.idle_replicas = None;
                s.triggers.truncate(1);
                s.triggers[0].metric_type = MetricType::AverageValue;
                s
            })
            .prop_flat_map(|s| {
                let range = s.min_replicas..=s.max_replicas;
                (Just(s), range)
            }),
        steps in steps(false),
    ) {
        let behavior = spec.behavior.as_ref().expect("filtered");
        let window = behavior
            .scale_down
            .stabilization_window
            .unwrap_or(spec.controller.downscale_stabilization);
        let tolerance = behavior.scale_down.tolerance.unwrap_or(spec.controller.tolerance)
            .min(behavior.scale_up.tolerance.unwrap_or(spec.controller.tolerance));
        let target = spec.triggers[0].target;

        // The lowest the HPA can have recommended at each earlier evaluation in the
        // window: ceil(value / target) for AverageValue, or the current count when the
        // ratio may have been within tolerance.
        let lowest_recommendation = |s: &Evaluated| {
            let value = s.readings[0].expect("no errors generated");
            let proposal = (value / target).ceil() as i32;
            let ratio = value / (target * f64::from(s.current));
            if (1.0 - ratio).abs() <= tolerance + 1e-9 {
                proposal.min(s.current)
            } else {
                proposal
            }
        };

        let evaluated = replay(&spec, start, &steps);
        for (i, e) in evaluated.iter().enumerate() {
            // The current recommendation always counts; earlier ones while strictly
            // inside the window.
            let held = evaluated[..=i]
                .iter()
                .filter(|s| std::ptr::eq(*s, e) || e.t.since(s.t) < window)
                .map(lowest_recommendation)
                .max()
                .expect("the evaluation itself is in its window");
            let bound = held.min(e.current).min(spec.max_replicas);
            prop_assert!(
                e.desired >= bound,
                "t={:?}: scaled {} -> {} below {bound} held by the {:?} window",
                e.t, e.current, e.desired, window
            );
        }
    }

    /// A failing trigger never takes a running target to zero: KEDA leaves an erroring
    /// inactive object alone and the HPA never goes below 1.
    #[test]
    fn no_scale_to_zero_on_errors(
        (spec, start) in scaled_object(0)
            .prop_map(|mut s| { s.min_replicas = 0; s.idle_replicas = None; s })
            .prop_flat_map(|s| {
                let range = 1..=s.max_replicas;
                (Just(s), range)
            }),
        steps in steps(true),
    ) {
        for e in replay(&spec, start, &steps) {
            if e.current > 0 && e.readings.iter().any(Option::is_none) {
                prop_assert!(
                    e.desired > 0,
                    "t={:?}: a failed reading took {} replicas to zero ({:?})",
                    e.t, e.current, e.readings
                );
            }
        }
    }
}
