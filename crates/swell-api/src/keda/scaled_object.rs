//! `keda.sh/v1alpha1` ScaledObject: the spec users already have, field for field.
//!
//! Every optional field is an `Option` so that what the user wrote (including an explicit `0`
//! or an empty string) survives a round-trip, and so that fields the schema does not know can be
//! found by comparing the input with the re-serialized object (see `load`). The CRD generated
//! from these types is field-compatible with KEDA's.

use std::collections::BTreeMap;

use kube::{CustomResource, KubeSchema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::autoscaling::HpaBehavior;
use crate::keda::status::ScaledObjectStatus;

/// The spec of a ScaledObject.
#[derive(CustomResource, KubeSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[kube(
    group = "keda.sh",
    version = "v1alpha1",
    kind = "ScaledObject",
    namespaced,
    status = "ScaledObjectStatus",
    shortname = "so",
    derive = "PartialEq",
    doc = "ScaledObject: how to scale one workload from metric triggers (KEDA-compatible).",
    printcolumn = r#"{"name":"ScaleTargetKind","type":"string","jsonPath":".status.scaleTargetKind"}"#,
    printcolumn = r#"{"name":"ScaleTargetName","type":"string","jsonPath":".spec.scaleTargetRef.name"}"#,
    printcolumn = r#"{"name":"Min","type":"integer","jsonPath":".spec.minReplicaCount"}"#,
    printcolumn = r#"{"name":"Max","type":"integer","jsonPath":".spec.maxReplicaCount"}"#,
    printcolumn = r#"{"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name":"Active","type":"string","jsonPath":".status.conditions[?(@.type==\"Active\")].status"}"#,
    printcolumn = r#"{"name":"Fallback","type":"string","jsonPath":".status.conditions[?(@.type==\"Fallback\")].status"}"#,
    printcolumn = r#"{"name":"Paused","type":"string","jsonPath":".status.conditions[?(@.type==\"Paused\")].status"}"#,
    printcolumn = r#"{"name":"Triggers","type":"string","jsonPath":".status.triggersTypes"}"#,
    printcolumn = r#"{"name":"Authentications","type":"string","jsonPath":".status.authenticationsTypes"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[x_kube(validation = kube::core::Rule::new(
    "!has(self.minReplicaCount) || self.minReplicaCount <= (has(self.maxReplicaCount) ? self.maxReplicaCount : 100)"
).message("minReplicaCount must be less than or equal to maxReplicaCount"))]
#[serde(rename_all = "camelCase")]
pub struct ScaledObjectSpec {
    /// The workload to scale (same namespace).
    pub scale_target_ref: ScaleTargetRef,
    /// Seconds between activation checks (KEDA default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub polling_interval: Option<i32>,
    /// Seconds after the last active check before scaling to zero/idle (default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub cooldown_period: Option<i32>,
    /// Seconds after creation before the first scale to zero is allowed (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub initial_cooldown_period: Option<i32>,
    /// Replicas while inactive, instead of 0 (must be below min).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub idle_replica_count: Option<i32>,
    /// Lowest replica count (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub min_replica_count: Option<i32>,
    /// Highest replica count (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub max_replica_count: Option<i32>,
    /// Replicas to hold while metrics keep failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<FallbackSpec>,
    /// HPA settings, restore on delete, scaling modifiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced: Option<AdvancedSpec>,
    /// The metric sources.
    #[schemars(length(min = 1))]
    pub triggers: Vec<ScaleTrigger>,
}

/// `spec.scaleTargetRef`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScaleTargetRef {
    /// Name of the workload.
    #[schemars(length(min = 1))]
    pub name: String,
    /// API version of the workload (default `apps/v1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the workload (default `Deployment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Container whose environment feeds `...FromEnv` parameters (default: the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_source_container_name: Option<String>,
}

/// `spec.fallback`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FallbackSpec {
    /// Consecutive failures tolerated before falling back.
    #[schemars(range(min = 0))]
    pub failure_threshold: i32,
    /// Replicas while falling back.
    #[schemars(range(min = 0))]
    pub replicas: i32,
    /// `static` (default), `currentReplicas`, `currentReplicasIfHigher`,
    /// `currentReplicasIfLower` or `scalingModifiers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = [
        "static",
        "currentReplicas",
        "currentReplicasIfHigher",
        "currentReplicasIfLower",
        "scalingModifiers"
    ], "default" = "static"))]
    pub behavior: Option<String>,
}

/// `spec.advanced`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedSpec {
    /// On deletion, set the workload back to the replicas it had before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_to_original_replica_count: Option<bool>,
    /// The generated HPA's name and behavior.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizontal_pod_autoscaler_config: Option<HorizontalPodAutoscalerConfig>,
    /// One composite metric computed from the named triggers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling_modifiers: Option<ScalingModifiersSpec>,
}

/// `spec.advanced.horizontalPodAutoscalerConfig`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HorizontalPodAutoscalerConfig {
    /// HPA name (default `keda-hpa-<scaledobject>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// autoscaling/v2 behavior, copied to the HPA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavior: Option<HpaBehavior>,
}

/// `spec.advanced.scalingModifiers`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScalingModifiersSpec {
    /// Expression over trigger names, e.g. `max(queue / 4, kv / 0.8)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formula: Option<String>,
    /// HPA target for the composite metric (a number > 0, written as a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The composite metric must be above this to be active (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation_target: Option<String>,
    /// `AverageValue` (default) or `Value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["AverageValue", "Value"]))]
    pub metric_type: Option<String>,
}

/// One entry of `spec.triggers`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScaleTrigger {
    /// Scaler type, e.g. `prometheus`, `cpu`.
    #[serde(rename = "type")]
    #[schemars(length(min = 1))]
    pub trigger_type: String,
    /// Name used by `scalingModifiers.formula` (unique within the object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Scaler parameters; every value is a string.
    pub metadata: BTreeMap<String, String>,
    /// TriggerAuthentication or ClusterTriggerAuthentication supplying secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_ref: Option<AuthenticationRef>,
    /// `AverageValue` (default), `Value`, or `Utilization` (cpu/memory only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_type: Option<String>,
    /// Answer HPA queries from the last poll instead of querying the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_cached_metrics: Option<bool>,
}

/// `triggers[].authenticationRef`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationRef {
    /// Name of the (Cluster)TriggerAuthentication.
    pub name: String,
    /// `TriggerAuthentication` (default) or `ClusterTriggerAuthentication`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["TriggerAuthentication", "ClusterTriggerAuthentication"]))]
    pub kind: Option<String>,
}

impl ScaleTrigger {
    /// Whether this is a cpu or memory trigger (an HPA Resource metric).
    pub fn is_resource(&self) -> bool {
        matches!(self.trigger_type.as_str(), "cpu" | "memory")
    }
}

impl AuthenticationRef {
    /// Whether the reference names a ClusterTriggerAuthentication.
    pub fn is_cluster(&self) -> bool {
        self.kind.as_deref() == Some("ClusterTriggerAuthentication")
    }
}
