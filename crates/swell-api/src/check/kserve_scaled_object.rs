//! The ScaledObject KServe's KEDA reconciler creates for an InferenceService in Standard mode
//! with `serving.kserve.io/autoscalerClass: keda` (KServe notes §2), and the way back from a
//! field of that ScaledObject to the InferenceService field it came from, so that `swell check`
//! can report KEDA's rules on the manifest the user actually wrote.
//!
//! Mapping (per `spec.predictor`): name `<isvc>-predictor`; `minReplicaCount` = `minReplicas`
//! or 1; `maxReplicaCount` = max(`maxReplicas`, min); one trigger per `autoScaling.metrics`
//! entry in order, without `metricType` for External metrics (so KEDA's `AverageValue`);
//! only the stabilization windows of `autoScaling.behavior` (defaults 0 s up, 300 s down).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::autoscaling::{HpaBehavior, HpaScalingRules};
use crate::keda::{
    AdvancedSpec, AuthenticationRef, HorizontalPodAutoscalerConfig, ScaleTargetRef, ScaleTrigger,
    ScaledObject, ScaledObjectSpec,
};
use crate::kserve::InferenceService;
use crate::kserve::inference_service::MetricsSpec;

/// KServe's shipped default scale-up stabilization window (`inferenceservice-config`).
const DEFAULT_SCALE_UP_WINDOW: i32 = 0;
/// KServe's shipped default scale-down stabilization window.
const DEFAULT_SCALE_DOWN_WINDOW: i32 = 300;
/// KServe's default CPU utilization target.
const DEFAULT_CPU_UTILIZATION: i32 = 80;

/// The ScaledObject KServe would create for `isvc`.
pub fn scaled_object(isvc: &InferenceService) -> ScaledObject {
    let predictor = &isvc.spec.predictor;
    let name = isvc.predictor_name();
    let min = predictor.min_replicas.unwrap_or(1);
    let max = predictor.max_replicas.unwrap_or(0).max(min);

    let mut annotations = isvc.metadata.annotations.clone().unwrap_or_default();
    annotations.extend(predictor.annotations.clone().unwrap_or_default());
    let metadata = ObjectMeta {
        name: Some(name.clone()),
        namespace: isvc.metadata.namespace.clone(),
        annotations: Some(annotations),
        ..ObjectMeta::default()
    };

    let metrics = predictor
        .auto_scaling
        .as_ref()
        .and_then(|a| a.metrics.clone())
        .unwrap_or_default();
    let behavior = predictor
        .auto_scaling
        .as_ref()
        .and_then(|a| a.behavior.as_ref());
    let window = |rules: Option<&HpaScalingRules>, default: i32| HpaScalingRules {
        stabilization_window_seconds: Some(
            rules
                .and_then(|r| r.stabilization_window_seconds)
                .unwrap_or(default),
        ),
        ..HpaScalingRules::default()
    };
    let behavior = HpaBehavior {
        scale_up: Some(window(
            behavior.and_then(|b| b.scale_up.as_ref()),
            DEFAULT_SCALE_UP_WINDOW,
        )),
        scale_down: Some(window(
            behavior.and_then(|b| b.scale_down.as_ref()),
            DEFAULT_SCALE_DOWN_WINDOW,
        )),
    };

    let spec = ScaledObjectSpec {
        scale_target_ref: ScaleTargetRef {
            name,
            ..ScaleTargetRef::default()
        },
        min_replica_count: Some(min),
        max_replica_count: Some(max),
        advanced: Some(AdvancedSpec {
            horizontal_pod_autoscaler_config: Some(HorizontalPodAutoscalerConfig {
                name: None,
                behavior: Some(behavior),
            }),
            ..AdvancedSpec::default()
        }),
        triggers: metrics
            .iter()
            .map(|m| trigger(m, isvc.metadata.namespace.as_deref(), isvc))
            .collect(),
        ..ScaledObjectSpec::default()
    };
    ScaledObject {
        metadata,
        spec,
        status: None,
    }
}

fn trigger(metric: &MetricsSpec, namespace: Option<&str>, isvc: &InferenceService) -> ScaleTrigger {
    let mut metadata = BTreeMap::new();
    let text = |q: &Option<crate::quantity::Quantity>| q.as_ref().map(|q| q.as_str().to_string());
    match metric.metric_type.as_str() {
        "Resource" => {
            let resource = metric.resource.clone().unwrap_or_default();
            let target = &resource.target;
            let target_type = target.target_type.clone();
            let value = match target_type.as_deref() {
                Some("Utilization") => target
                    .average_utilization
                    .or((resource.name == "cpu").then_some(DEFAULT_CPU_UTILIZATION))
                    .map(|v| v.to_string()),
                Some("AverageValue") => text(&target.average_value),
                _ => text(&target.value),
            };
            metadata.insert(
                "value".to_string(),
                value.unwrap_or_else(|| "0".to_string()),
            );
            ScaleTrigger {
                trigger_type: resource.name,
                metadata,
                metric_type: target_type,
                ..ScaleTrigger::default()
            }
        }
        "PodMetric" => {
            let source = metric.podmetric.clone().unwrap_or_default();
            let address = source.metric.server_address.clone().unwrap_or_default();
            let query = source.metric.query.clone().unwrap_or_default();
            metadata.insert("scalerAddress".to_string(), address);
            metadata.insert(
                "metricQuery".to_string(),
                format!(
                    "sum({query}{{namespace=\"{}\", deployment=\"{}\"}})",
                    namespace.unwrap_or(""),
                    isvc.predictor_name()
                ),
            );
            metadata.insert(
                "targetValue".to_string(),
                text(&source.target.value).unwrap_or_else(|| "0".to_string()),
            );
            if let Some(operation) = source.metric.operation_over_time.clone() {
                metadata.insert("operationOverTime".to_string(), operation);
            }
            ScaleTrigger {
                trigger_type: "external".to_string(),
                metadata,
                ..ScaleTrigger::default()
            }
        }
        _ => {
            let source = metric.external.clone().unwrap_or_default();
            let backend = source.metric.backend.clone().unwrap_or_default();
            let non_empty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
            metadata.insert(
                "serverAddress".to_string(),
                source.metric.server_address.clone().unwrap_or_default(),
            );
            metadata.insert(
                "query".to_string(),
                source.metric.query.clone().unwrap_or_default(),
            );
            metadata.insert(
                "threshold".to_string(),
                text(&source.target.value).unwrap_or_else(|| "0".to_string()),
            );
            if backend == "prometheus"
                && let Some(ns) = non_empty(&source.metric.namespace)
            {
                metadata.insert("namespace".to_string(), ns);
            }
            let auth = source.authentication_ref.as_ref();
            if let Some(modes) = auth.and_then(|a| non_empty(&a.auth_modes)) {
                metadata.insert("authModes".to_string(), modes);
            }
            let authentication_ref = auth
                .and_then(|a| a.authentication_ref.as_ref())
                .filter(|r| !r.name.is_empty())
                .map(|r| AuthenticationRef {
                    name: r.name.clone(),
                    kind: None,
                });
            ScaleTrigger {
                trigger_type: backend,
                metadata,
                authentication_ref,
                ..ScaleTrigger::default()
            }
        }
    }
}

/// The InferenceService field that a field of the generated ScaledObject comes from.
pub fn source_field(isvc: &InferenceService, field: &str) -> String {
    const PREDICTOR: &str = "spec.predictor";
    const METRICS: &str = "spec.predictor.autoScaling.metrics";
    const BEHAVIOR: &str = "spec.advanced.horizontalPodAutoscalerConfig.behavior";

    if let Some(rest) = field.strip_prefix("spec.triggers[") {
        let Some((index, rest)) = rest.split_once(']') else {
            return METRICS.to_string();
        };
        let base = format!("{METRICS}[{index}]");
        let metric_type = index
            .parse::<usize>()
            .ok()
            .and_then(|i| {
                isvc.spec
                    .predictor
                    .auto_scaling
                    .as_ref()?
                    .metrics
                    .as_ref()?
                    .get(i)
                    .cloned()
            })
            .map(|m| m.metric_type)
            .unwrap_or_default();
        return format!("{base}{}", trigger_field(&metric_type, rest));
    }
    if field == "spec.triggers" {
        return METRICS.to_string();
    }
    if let Some(rest) = field.strip_prefix(BEHAVIOR) {
        return format!("{PREDICTOR}.autoScaling.behavior{rest}");
    }
    match field {
        "spec.minReplicaCount" => format!("{PREDICTOR}.minReplicas"),
        "spec.maxReplicaCount" => format!("{PREDICTOR}.maxReplicas"),
        "metadata.name" | "spec.advanced.horizontalPodAutoscalerConfig.name" => {
            "metadata.name".to_string()
        }
        other if other.starts_with("metadata.annotations") => other.to_string(),
        _ => PREDICTOR.to_string(),
    }
}

/// `rest` is what follows `spec.triggers[i]` (e.g. `.metadata.query`).
fn trigger_field(metric_type: &str, rest: &str) -> String {
    let mapped = match (metric_type, rest) {
        ("Resource", ".type") => ".resource.name",
        ("Resource", ".metricType") => ".resource.target.type",
        ("Resource", ".metadata.value") => ".resource.target",
        ("Resource", _) => ".resource",
        ("PodMetric", ".metadata.metricQuery") => ".podmetric.metric.query",
        ("PodMetric", ".metadata.scalerAddress") => ".podmetric.metric.serverAddress",
        ("PodMetric", ".metadata.targetValue") => ".podmetric.target.value",
        ("PodMetric", _) => ".podmetric",
        (_, ".type") => ".external.metric.backend",
        (_, ".metadata.query") => ".external.metric.query",
        (_, ".metadata.serverAddress") => ".external.metric.serverAddress",
        (_, ".metadata.namespace") => ".external.metric.namespace",
        (_, ".metadata.threshold") => ".external.target.value",
        (_, ".metadata.authModes") => ".external.authenticationRef.authModes",
        (_, r) if r.starts_with(".authenticationRef") => {
            // KServe nests the reference one level deeper: `authenticationRef.authenticationRef`.
            return format!(".external.authenticationRef{r}");
        }
        _ => ".external",
    };
    mapped.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Object, load_str};

    const ISVC: &str = r#"
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: qwen
  namespace: llm
  annotations:
    serving.kserve.io/deploymentMode: Standard
    serving.kserve.io/autoscalerClass: keda
spec:
  predictor:
    minReplicas: 1
    maxReplicas: 4
    autoScaling:
      behavior:
        scaleDown: {stabilizationWindowSeconds: 600}
      metrics:
      - type: External
        external:
          metric:
            backend: prometheus
            serverAddress: http://prometheus.monitoring.svc:9090
            query: sum(vllm:num_requests_waiting{namespace="llm"})
            namespace: llm
          authenticationRef:
            authModes: bearer
            authenticationRef: {name: prom-creds}
          target: {type: Value, value: "4"}
      - type: Resource
        resource:
          name: cpu
          target: {type: Utilization}
"#;

    fn isvc() -> InferenceService {
        let loaded = load_str("isvc.yaml", ISVC);
        match loaded.documents[0].object.clone() {
            Some(Object::InferenceService(isvc)) => *isvc,
            other => panic!("{other:?} {:?}", loaded.documents[0].problems),
        }
    }

    #[test]
    fn the_generated_scaled_object_follows_kserve() {
        let so = scaled_object(&isvc());
        assert_eq!(so.metadata.name.as_deref(), Some("qwen-predictor"));
        assert_eq!(so.spec.scale_target_ref.name, "qwen-predictor");
        assert_eq!(
            (so.spec.min_replica_count, so.spec.max_replica_count),
            (Some(1), Some(4))
        );
        let prometheus = &so.spec.triggers[0];
        assert_eq!(prometheus.trigger_type, "prometheus");
        assert_eq!(prometheus.metadata["threshold"], "4");
        assert_eq!(prometheus.metadata["namespace"], "llm");
        assert_eq!(prometheus.metadata["authModes"], "bearer");
        assert_eq!(
            prometheus.metric_type, None,
            "External triggers get KEDA's default"
        );
        assert_eq!(
            prometheus.authentication_ref.as_ref().unwrap().name,
            "prom-creds"
        );
        let cpu = &so.spec.triggers[1];
        assert_eq!(
            (cpu.trigger_type.as_str(), cpu.metadata["value"].as_str()),
            ("cpu", "80")
        );
        let behavior = so
            .spec
            .advanced
            .unwrap()
            .horizontal_pod_autoscaler_config
            .unwrap()
            .behavior
            .unwrap();
        assert_eq!(
            behavior.scale_down.unwrap().stabilization_window_seconds,
            Some(600)
        );
        assert_eq!(
            behavior.scale_up.unwrap().stabilization_window_seconds,
            Some(0)
        );
    }

    #[test]
    fn max_below_min_is_raised_to_min() {
        let mut isvc = isvc();
        isvc.spec.predictor.max_replicas = None;
        isvc.spec.predictor.min_replicas = Some(3);
        let so = scaled_object(&isvc);
        assert_eq!(so.spec.max_replica_count, Some(3));
    }

    #[test]
    fn fields_map_back_to_the_inference_service() {
        let isvc = isvc();
        let m = "spec.predictor.autoScaling.metrics";
        let cases = [
            (
                "spec.triggers[0].metadata.query",
                format!("{m}[0].external.metric.query"),
            ),
            (
                "spec.triggers[0].metadata.threshold",
                format!("{m}[0].external.target.value"),
            ),
            (
                "spec.triggers[0].authenticationRef.name",
                format!("{m}[0].external.authenticationRef.authenticationRef.name"),
            ),
            (
                "spec.triggers[0].metadata.username",
                format!("{m}[0].external"),
            ),
            (
                "spec.triggers[1].metricType",
                format!("{m}[1].resource.target.type"),
            ),
            (
                "spec.maxReplicaCount",
                "spec.predictor.maxReplicas".to_string(),
            ),
            (
                "spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds",
                "spec.predictor.autoScaling.behavior.scaleDown.stabilizationWindowSeconds"
                    .to_string(),
            ),
            ("spec.triggers", m.to_string()),
        ];
        for (field, want) in cases {
            assert_eq!(source_field(&isvc, field), want, "{field}");
        }
    }
}
