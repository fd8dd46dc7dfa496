//! autoscaling/v2 `HorizontalPodAutoscalerBehavior` as written in manifests (inside a
//! ScaledObject's `advanced.horizontalPodAutoscalerConfig` and a KServe predictor's
//! `autoScaling`).
//!
//! These are our own mirror types rather than k8s-openapi's so that the CRD schema is ours to
//! shape and the 1.33+ `tolerance` quantity keeps the text the user wrote.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::quantity::Quantity;

/// `behavior`: scaling rules for each direction.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HpaBehavior {
    /// Rules for scaling up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_up: Option<HpaScalingRules>,
    /// Rules for scaling down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down: Option<HpaScalingRules>,
}

/// `HPAScalingRules`: one direction's policies and stabilization window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HpaScalingRules {
    /// Seconds of past recommendations considered (0..=3600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stabilization_window_seconds: Option<i32>,
    /// `Max`, `Min` or `Disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_policy: Option<String>,
    /// Rate limits; replaced as a whole list when defaulting, never merged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<Vec<HpaScalingPolicy>>,
    /// Tolerance on the metric ratio (Kubernetes 1.33+), e.g. `"0.05"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Quantity>,
}

/// `HPAScalingPolicy`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HpaScalingPolicy {
    /// `Pods` or `Percent`.
    #[serde(rename = "type")]
    pub policy_type: String,
    /// Pods or percent allowed to change per period (> 0).
    pub value: i32,
    /// Length of the period in seconds (1..=1800).
    pub period_seconds: i32,
}
