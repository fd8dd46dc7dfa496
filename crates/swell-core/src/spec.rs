//! The normalized scaling spec: what every manifest format (KEDA ScaledObject, KServe
//! InferenceService, swell's own config) is translated into before the engine sees it.
//!
//! Defaults are already applied and references already resolved here, so the engine never
//! has to know which manifest a number came from. Translation and validation live in
//! `swell-api`; this module only holds the shape and the documented defaults.

use std::time::Duration;

use crate::formula::Formula;

/// KEDA's default `pollingInterval`.
pub const DEFAULT_POLLING_INTERVAL: Duration = Duration::from_secs(30);
/// KEDA's default `cooldownPeriod`.
pub const DEFAULT_COOLDOWN_PERIOD: Duration = Duration::from_secs(300);
/// KEDA's default `maxReplicaCount`.
pub const DEFAULT_MAX_REPLICAS: i32 = 100;
/// kube-controller-manager's `--horizontal-pod-autoscaler-tolerance`.
pub const DEFAULT_TOLERANCE: f64 = 0.1;
/// kube-controller-manager's `--horizontal-pod-autoscaler-downscale-stabilization`.
pub const DEFAULT_DOWNSCALE_STABILIZATION: Duration = Duration::from_secs(300);
/// kube-controller-manager's `--horizontal-pod-autoscaler-sync-period`.
pub const DEFAULT_HPA_SYNC_PERIOD: Duration = Duration::from_secs(15);

/// Everything the engine needs to decide replicas for one scale target.
#[derive(Clone, Debug)]
pub struct ScalingSpec {
    /// `minReplicaCount` (KEDA default 0). The HPA itself never goes below `max(min, 1)`.
    pub min_replicas: i32,
    /// `maxReplicaCount` (KEDA default 100).
    pub max_replicas: i32,
    /// `idleReplicaCount`: replicas while inactive, instead of 0. `None` turns idle mode off.
    pub idle_replicas: Option<i32>,
    /// `pollingInterval`: how often KEDA checks activation.
    pub polling_interval: Duration,
    /// `cooldownPeriod`: how long after the last active poll KEDA waits before going idle.
    pub cooldown_period: Duration,
    /// `initialCooldownPeriod`: until the first active poll, how long after creation KEDA waits.
    pub initial_cooldown_period: Duration,
    /// `fallback`, when configured and valid.
    pub fallback: Option<Fallback>,
    /// `advanced.horizontalPodAutoscalerConfig.behavior`, API defaults applied; `None` selects
    /// the HPA's legacy path.
    pub behavior: Option<Behavior>,
    /// The triggers, in `spec.triggers` order.
    pub triggers: Vec<TriggerSpec>,
    /// `advanced.scalingModifiers`, when a formula is set.
    pub modifiers: Option<Modifiers>,
    /// Pause and activation annotations.
    pub pause: Pause,
    /// The HPA controller's cluster-wide settings in effect for this target.
    pub controller: ControllerSettings,
}

impl ScalingSpec {
    /// The HPA's `minReplicas`: KEDA never gives the HPA 0 (0 maps to 1).
    pub fn hpa_min_replicas(&self) -> i32 {
        self.min_replicas.max(1)
    }
}

/// kube-controller-manager flags that shape every HPA decision.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ControllerSettings {
    /// `--horizontal-pod-autoscaler-tolerance`, used where `behavior` sets none.
    pub tolerance: f64,
    /// `--horizontal-pod-autoscaler-downscale-stabilization`.
    pub downscale_stabilization: Duration,
}

impl Default for ControllerSettings {
    fn default() -> Self {
        ControllerSettings {
            tolerance: DEFAULT_TOLERANCE,
            downscale_stabilization: DEFAULT_DOWNSCALE_STABILIZATION,
        }
    }
}

/// One trigger as the engine sees it: a metric with a target.
#[derive(Clone, Debug, PartialEq)]
pub struct TriggerSpec {
    /// `triggers[].name`, the variable name used by `scalingModifiers.formula`.
    pub name: Option<String>,
    /// `triggers[].type`, for example `prometheus`.
    pub trigger_type: String,
    /// The HPA metric name, `s<index>-<type>` for external metrics, `cpu`/`memory` for resources.
    pub metric_name: String,
    /// How the HPA compares the value with the target.
    pub metric_type: MetricType,
    /// The HPA target (`threshold` for Prometheus).
    pub target: f64,
    /// Activation threshold: the trigger is active when its value is strictly above this.
    pub activation_target: f64,
    /// `useCachedMetrics`.
    pub use_cached_metrics: bool,
    /// Whether this is a cpu/memory trigger (an HPA Resource metric, never part of activation).
    pub resource: bool,
}

/// The HPA target type of a metric.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MetricType {
    /// The metric is divided among the replicas (KEDA's default).
    #[default]
    AverageValue,
    /// The metric is compared whole, scaled by the ready pods.
    Value,
    /// Percent of resource requests (cpu/memory triggers only).
    Utilization,
}

impl MetricType {
    /// The name as written in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::AverageValue => "AverageValue",
            MetricType::Value => "Value",
            MetricType::Utilization => "Utilization",
        }
    }
}

/// `spec.fallback`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fallback {
    /// Consecutive failures tolerated before falling back (fallback when failures exceed it).
    pub failure_threshold: i32,
    /// Replicas to run while falling back.
    pub replicas: i32,
    /// How the fallback replica count is chosen.
    pub behavior: FallbackBehavior,
}

/// `spec.fallback.behavior`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FallbackBehavior {
    /// Always `fallback.replicas`.
    #[default]
    Static,
    /// Keep the current replica count.
    CurrentReplicas,
    /// `max(current, fallback.replicas)`.
    CurrentReplicasIfHigher,
    /// `min(current, fallback.replicas)`.
    CurrentReplicasIfLower,
    /// Feed failing triggers to the formula as `nil`.
    ScalingModifiers,
}

/// `advanced.scalingModifiers` with a compiled formula.
#[derive(Clone, Debug)]
pub struct Modifiers {
    /// The compiled formula; its variables are `variables`, in order.
    pub formula: Formula,
    /// Trigger indexes feeding the formula's variables, in the formula's variable order.
    pub variables: Vec<usize>,
    /// `scalingModifiers.target`.
    pub target: f64,
    /// `scalingModifiers.activationTarget` (default 0).
    pub activation_target: f64,
    /// `scalingModifiers.metricType` (default AverageValue).
    pub metric_type: MetricType,
}

/// Pause and activation annotations on the ScaledObject.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pause {
    /// `autoscaling.keda.sh/paused`: freeze replicas where they are.
    pub paused: bool,
    /// `autoscaling.keda.sh/paused-replicas`: freeze at this count (wins over `paused`).
    pub paused_replicas: Option<i32>,
    /// `autoscaling.keda.sh/paused-scale-in`: never scale in.
    pub paused_scale_in: bool,
    /// `autoscaling.keda.sh/paused-scale-out`: never scale out.
    pub paused_scale_out: bool,
    /// `autoscaling.keda.sh/force-activation`: treat the object as active.
    pub force_activation: bool,
}

/// autoscaling/v2 `HorizontalPodAutoscalerBehavior` after the API server's defaulting.
#[derive(Clone, Debug, PartialEq)]
pub struct Behavior {
    /// Rules for growing.
    pub scale_up: ScalingRules,
    /// Rules for shrinking.
    pub scale_down: ScalingRules,
}

impl Default for Behavior {
    /// The API server's defaults for a `behavior: {}`.
    fn default() -> Self {
        Behavior {
            scale_up: ScalingRules::default_scale_up(),
            scale_down: ScalingRules::default_scale_down(),
        }
    }
}

/// autoscaling/v2 `HPAScalingRules` for one direction.
#[derive(Clone, Debug, PartialEq)]
pub struct ScalingRules {
    /// `stabilizationWindowSeconds`; `None` on scale-down means the controller flag (300 s).
    pub stabilization_window: Option<Duration>,
    /// `selectPolicy`.
    pub select_policy: SelectPolicy,
    /// `policies`.
    pub policies: Vec<ScalingPolicy>,
    /// `tolerance` (Kubernetes 1.33+), `None` for the controller flag.
    pub tolerance: Option<f64>,
}

impl ScalingRules {
    /// The API defaults for `scaleUp`: no window, Max of 4 pods or 100% per 15 s.
    pub fn default_scale_up() -> Self {
        ScalingRules {
            stabilization_window: Some(Duration::ZERO),
            select_policy: SelectPolicy::Max,
            policies: vec![
                ScalingPolicy {
                    kind: PolicyKind::Pods,
                    value: 4,
                    period: Duration::from_secs(15),
                },
                ScalingPolicy {
                    kind: PolicyKind::Percent,
                    value: 100,
                    period: Duration::from_secs(15),
                },
            ],
            tolerance: None,
        }
    }

    /// The API defaults for `scaleDown`: window from the controller flag, 100% per 15 s.
    pub fn default_scale_down() -> Self {
        ScalingRules {
            stabilization_window: None,
            select_policy: SelectPolicy::Max,
            policies: vec![ScalingPolicy {
                kind: PolicyKind::Percent,
                value: 100,
                period: Duration::from_secs(15),
            }],
            tolerance: None,
        }
    }
}

/// `selectPolicy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SelectPolicy {
    /// The policy allowing the most change.
    #[default]
    Max,
    /// The policy allowing the least change.
    Min,
    /// No scaling in this direction.
    Disabled,
}

/// One `HPAScalingPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScalingPolicy {
    /// `type`: Pods or Percent.
    pub kind: PolicyKind,
    /// `value`.
    pub value: i32,
    /// `periodSeconds`.
    pub period: Duration,
}

/// `HPAScalingPolicy.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// An absolute number of pods.
    Pods,
    /// A percentage of the replicas at the start of the period.
    Percent,
}
