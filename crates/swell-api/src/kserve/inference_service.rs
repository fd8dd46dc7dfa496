//! The subset of KServe's `serving.kserve.io/v1beta1` InferenceService that drives
//! autoscaling (KServe notes §1): annotations, and the predictor's replica bounds and
//! `autoScaling` metrics. Everything else (model, runtime, containers) is ignored.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

use crate::autoscaling::HpaBehavior;
use crate::quantity::Quantity;

/// `serving.kserve.io/deploymentMode`.
pub const DEPLOYMENT_MODE: &str = "serving.kserve.io/deploymentMode";
/// `serving.kserve.io/autoscalerClass`.
pub const AUTOSCALER_CLASS: &str = "serving.kserve.io/autoscalerClass";
/// `serving.kserve.io/stop`.
pub const STOP: &str = "serving.kserve.io/stop";
/// swell's own annotation: a request-holding gateway (swell's) sits in front of the service,
/// so scaling to zero does not lose requests.
pub const GATEWAY: &str = "swell.dev/gateway";

/// An InferenceService, reduced to what autoscaling reads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InferenceService {
    /// Name, namespace, labels, annotations.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// `spec`.
    #[serde(default)]
    pub spec: InferenceServiceSpec,
}

/// `spec`, reduced to the predictor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InferenceServiceSpec {
    /// `spec.predictor`.
    #[serde(default)]
    pub predictor: Predictor,
}

/// `spec.predictor`: the scaling fields of KServe's `ComponentExtensionSpec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Predictor {
    /// Lowest replica count (KServe default 1; 0 passes through to KEDA).
    #[serde(default)]
    pub min_replicas: Option<i32>,
    /// Highest replica count; 0 or absent means "unset", which pins the service at min.
    #[serde(default)]
    pub max_replicas: Option<i32>,
    /// HPA path only: utilization target percent.
    #[serde(default)]
    pub scale_target: Option<i32>,
    /// HPA path only: `cpu` or `memory` (must be unset with KEDA).
    #[serde(default)]
    pub scale_metric: Option<String>,
    /// In the CRD but read by no reconciler.
    #[serde(default)]
    pub scale_metric_type: Option<String>,
    /// `autoScaling`: metrics and behavior.
    #[serde(default)]
    pub auto_scaling: Option<AutoScalingSpec>,
    /// Labels merged onto the component's objects.
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
    /// Annotations merged onto the component's objects.
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// `spec.predictor.autoScaling`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AutoScalingSpec {
    /// One KEDA trigger per entry.
    #[serde(default)]
    pub metrics: Option<Vec<MetricsSpec>>,
    /// Only the stabilization windows are used (KEDA path).
    #[serde(default)]
    pub behavior: Option<HpaBehavior>,
}

/// One `autoScaling.metrics[]` entry: a `type` and the matching source.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricsSpec {
    /// `Resource`, `External` or `PodMetric`.
    #[serde(rename = "type", default)]
    pub metric_type: String,
    /// `resource` (for `Resource`).
    #[serde(default)]
    pub resource: Option<ResourceMetricSource>,
    /// `external` (for `External`).
    #[serde(default)]
    pub external: Option<ExternalMetricSource>,
    /// `podmetric` (all lower case, for `PodMetric`).
    #[serde(default)]
    pub podmetric: Option<PodMetricSource>,
}

/// `resource`: cpu or memory.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceMetricSource {
    /// `cpu` or `memory`.
    #[serde(default)]
    pub name: String,
    /// The target.
    #[serde(default)]
    pub target: MetricTarget,
}

/// `external`: a Prometheus (or Graphite) query.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalMetricSource {
    /// The query.
    #[serde(default)]
    pub metric: ExternalMetrics,
    /// Credentials: note the doubled name, `authenticationRef.authenticationRef.name`.
    #[serde(default)]
    pub authentication_ref: Option<ExtMetricAuthentication>,
    /// The target; only `value` is forwarded.
    #[serde(default)]
    pub target: MetricTarget,
}

/// `external.metric`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalMetrics {
    /// `prometheus` or `graphite`.
    #[serde(default)]
    pub backend: Option<String>,
    /// Prometheus base URL.
    #[serde(default)]
    pub server_address: Option<String>,
    /// The PromQL query.
    #[serde(default)]
    pub query: Option<String>,
    /// Thanos tenancy namespace (prometheus only).
    #[serde(default)]
    pub namespace: Option<String>,
}

/// `external.authenticationRef`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtMetricAuthentication {
    /// The TriggerAuthentication, one level further down.
    #[serde(default)]
    pub authentication_ref: Option<NamedRef>,
    /// `basic`, `bearer`, `tls`, …
    #[serde(default)]
    pub auth_modes: Option<String>,
}

/// `{name}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedRef {
    /// The name.
    #[serde(default)]
    pub name: String,
}

/// `podmetric`: the OpenTelemetry path.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PodMetricSource {
    /// The metric.
    #[serde(default)]
    pub metric: PodMetrics,
    /// The target.
    #[serde(default)]
    pub target: MetricTarget,
}

/// `podmetric.metric`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodMetrics {
    /// `opentelemetry`.
    #[serde(default)]
    pub backend: Option<String>,
    /// Overrides the scaler address.
    #[serde(default)]
    pub server_address: Option<String>,
    /// Metrics the collector keeps.
    #[serde(default)]
    pub metric_names: Option<Vec<String>>,
    /// A bare metric name (KServe wraps it in `sum(...)`).
    #[serde(default)]
    pub query: Option<String>,
    /// `last_one` (default), `avg`, `max`, `min`, `rate`, `count`.
    #[serde(default)]
    pub operation_over_time: Option<String>,
}

/// `target`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricTarget {
    /// `Utilization`, `Value` or `AverageValue`.
    #[serde(rename = "type", default)]
    pub target_type: Option<String>,
    /// The value, as written.
    #[serde(default)]
    pub value: Option<Quantity>,
    /// Ignored by KServe's KEDA path.
    #[serde(default)]
    pub average_value: Option<Quantity>,
    /// Percent, Resource only.
    #[serde(default)]
    pub average_utilization: Option<i32>,
}

impl InferenceService {
    /// An annotation's value.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata
            .annotations
            .as_ref()?
            .get(key)
            .map(String::as_str)
    }

    /// The deployment mode with legacy names normalised (`RawDeployment` → `Standard`,
    /// `Serverless` → `Knative`), as KServe's defaulting webhook does.
    pub fn deployment_mode(&self) -> Option<&str> {
        self.annotation(DEPLOYMENT_MODE).map(|mode| match mode {
            "RawDeployment" => "Standard",
            "Serverless" => "Knative",
            other => other,
        })
    }

    /// The autoscaler class (`hpa` when absent).
    pub fn autoscaler_class(&self) -> &str {
        self.annotation(AUTOSCALER_CLASS).unwrap_or("hpa")
    }

    /// Whether the stop annotation is on (`true`, any case).
    pub fn is_stopped(&self) -> bool {
        self.annotation(STOP)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// The name of the predictor's Deployment, HPA and ScaledObject: `<isvc>-predictor`.
    pub fn predictor_name(&self) -> String {
        format!("{}-predictor", self.metadata.name.as_deref().unwrap_or(""))
    }
}
