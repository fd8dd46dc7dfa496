//! A KServe InferenceService: KServe's admission rules for autoscaling (KServe notes §1.6),
//! lints for Standard mode (scale to zero with nothing holding requests, the stop annotation
//! left on, an unset `maxReplicas`), and, for `autoscalerClass: keda`, every ScaledObject rule
//! applied to the ScaledObject KServe will create, reported on the InferenceService's fields.

use crate::check::kserve_scaled_object::{scaled_object, source_field};
use crate::check::{Inputs, scaled_object as so_check, targets};
use crate::kserve::InferenceService;
use crate::kserve::inference_service::{GATEWAY, MetricTarget, STOP};
use crate::load::Document;
use crate::problem::Problem;

const CLASSES: &[&str] = &["hpa", "keda", "external", "none"];
const PREDICTOR: &str = "spec.predictor";

/// Every problem of one InferenceService.
pub fn check(isvc: &InferenceService, document: &Document, inputs: &Inputs<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let class = isvc.autoscaler_class();
    let predictor = &isvc.spec.predictor;
    let standard = isvc.deployment_mode() == Some("Standard");

    if !CLASSES.contains(&class) {
        problems.push(Problem::error(
            "invalid-autoscaler-class",
            "metadata.annotations.serving.kserve.io/autoscalerClass",
            format!("`{class}` is not an autoscaler class KServe accepts; use one of hpa, keda, external, none"),
        ));
    }
    if class == "keda" && isvc.deployment_mode().is_none() {
        problems.push(Problem::warning(
            "deployment-mode-unset",
            "metadata.annotations",
            "autoscalerClass `keda` works in Standard mode, but no \
             `serving.kserve.io/deploymentMode` is set and KServe's shipped default is Serverless \
             (Knative); add `serving.kserve.io/deploymentMode: Standard`",
        ));
    }
    if isvc.is_stopped() {
        problems.push(Problem::warning(
            "inference-service-stopped",
            format!("metadata.annotations.{STOP}"),
            "`serving.kserve.io/stop` is \"true\": KServe has deleted the Deployment, Service and \
             autoscaler, and recreates nothing until the annotation is removed. If it was set to \
             swap autoscalers, remove it now",
        ));
    }

    let errors_before = problems.len();
    check_bounds(isvc, &mut problems);
    check_metrics(isvc, class, &mut problems);
    let admission_ok = problems.len() == errors_before;

    if class == "keda" && predictor.max_replicas.unwrap_or(0) == 0 {
        problems.push(Problem::warning(
            "max-replicas-unset",
            format!("{PREDICTOR}.maxReplicas"),
            format!(
                "without `maxReplicas` KServe sets the ScaledObject's maximum to minReplicas ({}), \
                 so the service never scales out; set `maxReplicas`",
                predictor.min_replicas.unwrap_or(1)
            ),
        ));
    }
    let has_gateway = isvc.annotation(GATEWAY).is_some_and(|v| v != "false");
    if standard
        && matches!(class, "keda" | "external")
        && predictor.min_replicas == Some(0)
        && !has_gateway
    {
        problems.push(Problem::warning(
            "scale-to-zero-without-gateway",
            format!("{PREDICTOR}.minReplicas"),
            format!(
                "Standard mode has no activator: at zero replicas requests fail until a replica \
                 is ready again (often minutes for vLLM). Put swell's gateway in front and \
                 annotate `{GATEWAY}: \"true\"`, or set `minReplicas: 1`"
            ),
        ));
    }

    if class == "keda" && standard && !isvc.is_stopped() && admission_ok {
        let generated = scaled_object(isvc);
        let label = generated.metadata.name.clone().unwrap_or_default();
        for mut problem in so_check::check_spec(&generated, document.namespace.as_deref(), inputs) {
            problem.field = source_field(isvc, &problem.field);
            problem.message = format!(
                "in the ScaledObject `{label}` KServe creates: {}",
                problem.message
            );
            problems.push(problem);
        }
    }
    if standard {
        problems.extend(targets::check_conflicts(document, inputs));
    }
    problems
}

fn check_bounds(isvc: &InferenceService, problems: &mut Vec<Problem>) {
    let predictor = &isvc.spec.predictor;
    let min = predictor.min_replicas.unwrap_or(1);
    let max = predictor.max_replicas.unwrap_or(0);
    if min < 0 || max < 0 {
        problems.push(Problem::error(
            "replica-bounds",
            format!(
                "{PREDICTOR}.{}",
                if min < 0 {
                    "minReplicas"
                } else {
                    "maxReplicas"
                }
            ),
            "replica counts cannot be negative",
        ));
    } else if max != 0 && min > max {
        problems.push(Problem::error(
            "replica-bounds",
            format!("{PREDICTOR}.minReplicas"),
            format!("minReplicas ({min}) must not exceed maxReplicas ({max})"),
        ));
    }
}

/// KServe's webhook rules on `autoScaling.metrics` for the `keda` and `hpa` classes.
fn check_metrics(isvc: &InferenceService, class: &str, problems: &mut Vec<Problem>) {
    let predictor = &isvc.spec.predictor;
    let metrics = predictor
        .auto_scaling
        .as_ref()
        .and_then(|a| a.metrics.clone())
        .unwrap_or_default();
    let mut error = |field: String, message: String| {
        problems.push(Problem::error("invalid-autoscaling-metric", field, message));
    };
    if class == "keda" && predictor.scale_metric.is_some() {
        error(
            format!("{PREDICTOR}.scaleMetric"),
            "`scaleMetric` is not supported with autoscalerClass `keda`; describe the metric \
             under `autoScaling.metrics`"
                .to_string(),
        );
    }
    if !matches!(class, "keda" | "hpa") {
        return;
    }
    for (i, metric) in metrics.iter().enumerate() {
        let at = format!("{PREDICTOR}.autoScaling.metrics[{i}]");
        if class == "hpa" && metric.metric_type != "Resource" {
            error(
                format!("{at}.type"),
                format!(
                    "autoscalerClass `hpa` takes only Resource metrics, got `{}`; set \
                     `serving.kserve.io/autoscalerClass: keda` for External metrics",
                    metric.metric_type
                ),
            );
            continue;
        }
        match metric.metric_type.as_str() {
            "Resource" => match &metric.resource {
                None => error(
                    format!("{at}.resource"),
                    "is required for type Resource".to_string(),
                ),
                Some(resource) => {
                    let target = &resource.target;
                    let kind = target.target_type.as_deref().unwrap_or("");
                    let allowed: &[&str] = match resource.name.as_str() {
                        "cpu" => &["Utilization"],
                        "memory" => &["Utilization", "AverageValue"],
                        other => {
                            error(
                                format!("{at}.resource.name"),
                                format!("must be `cpu` or `memory`, got `{other}`"),
                            );
                            continue;
                        }
                    };
                    if !allowed.contains(&kind) {
                        error(
                            format!("{at}.resource.target.type"),
                            format!(
                                "{} targets take {}, got `{kind}`",
                                resource.name,
                                allowed.join(" or ")
                            ),
                        );
                    }
                    check_target(target, &format!("{at}.resource.target"), &mut error);
                }
            },
            "External" => match &metric.external {
                None => error(
                    format!("{at}.external"),
                    "is required for type External".to_string(),
                ),
                Some(external) => {
                    let backend = external.metric.backend.as_deref().unwrap_or("");
                    if !matches!(backend, "prometheus" | "graphite") {
                        error(
                            format!("{at}.external.metric.backend"),
                            format!("must be `prometheus` or `graphite`, got `{backend}`"),
                        );
                    }
                    if external
                        .metric
                        .query
                        .as_deref()
                        .unwrap_or("")
                        .trim()
                        .is_empty()
                    {
                        error(
                            format!("{at}.external.metric.query"),
                            "is required".to_string(),
                        );
                    }
                    if external.target.value.is_none() {
                        error(
                            format!("{at}.external.target.value"),
                            "is required: KServe forwards only `target.value` to KEDA as the \
                             threshold, e.g. `value: \"4\"`"
                                .to_string(),
                        );
                    }
                }
            },
            "PodMetric" => match &metric.podmetric {
                None => error(
                    format!("{at}.podmetric"),
                    "is required for type PodMetric".to_string(),
                ),
                Some(pod) => {
                    if pod.metric.query.as_deref().unwrap_or("").trim().is_empty() {
                        error(
                            format!("{at}.podmetric.metric.query"),
                            "is required".to_string(),
                        );
                    }
                    if pod.target.value.is_none() {
                        error(
                            format!("{at}.podmetric.target.value"),
                            "is required".to_string(),
                        );
                    }
                }
            },
            other => error(
                format!("{at}.type"),
                format!("must be Resource, External or PodMetric, got `{other}`"),
            ),
        }
    }
}

fn check_target(target: &MetricTarget, at: &str, error: &mut impl FnMut(String, String)) {
    match target.target_type.as_deref() {
        Some("Utilization") => {
            if let Some(percent) = target
                .average_utilization
                .filter(|p| !(1..=100).contains(p))
            {
                error(
                    format!("{at}.averageUtilization"),
                    format!("must be between 1 and 100 percent, got {percent}"),
                );
            }
        }
        Some("AverageValue") if target.average_value.is_none() => error(
            format!("{at}.averageValue"),
            "is required with type AverageValue".to_string(),
        ),
        Some("Value") if target.value.is_none() => error(
            format!("{at}.value"),
            "is required with type Value".to_string(),
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{codes, has};
    use crate::problem::Severity;

    fn isvc(annotations: &str, predictor: &str) -> String {
        format!(
            "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata:\n  name: qwen\n  \
             namespace: llm\n  annotations:\n    serving.kserve.io/deploymentMode: Standard\n{annotations}\
             spec:\n  predictor:\n{predictor}    model:\n      modelFormat: {{name: vLLM}}\n"
        )
    }

    const KEDA: &str = "    serving.kserve.io/autoscalerClass: keda\n";

    fn external(query: &str, extra: &str) -> String {
        format!(
            "    autoScaling:\n      metrics:\n      - type: External\n        external:\n          \
             metric:\n            backend: prometheus\n            serverAddress: http://prom:9090\n            \
             query: {query}\n          target: {{type: Value, value: \"1\"}}\n{extra}"
        )
    }

    #[test]
    fn a_valid_keda_inference_service_is_clean() {
        let text = isvc(
            KEDA,
            &format!(
                "    minReplicas: 1\n    maxReplicas: 4\n{}",
                external("sum(x)", "")
            ),
        );
        assert_eq!(codes(&text), vec![]);
    }

    #[test]
    fn inference_service_rules() {
        let bounded = "    minReplicas: 1\n    maxReplicas: 4\n";
        let m0 = "spec.predictor.autoScaling.metrics[0]";
        let cases: Vec<(String, Severity, &str, String)> = vec![
            (
                isvc("    serving.kserve.io/autoscalerClass: kpa\n", bounded),
                Severity::Error,
                "invalid-autoscaler-class",
                "metadata.annotations.serving.kserve.io/autoscalerClass".into(),
            ),
            (
                isvc(
                    &format!("{KEDA}    serving.kserve.io/stop: \"true\"\n"),
                    bounded,
                ),
                Severity::Warning,
                "inference-service-stopped",
                "metadata.annotations.serving.kserve.io/stop".into(),
            ),
            (
                isvc(
                    KEDA,
                    &format!(
                        "    minReplicas: 0\n    maxReplicas: 2\n{}",
                        external("sum(x)", "")
                    ),
                ),
                Severity::Warning,
                "scale-to-zero-without-gateway",
                "spec.predictor.minReplicas".into(),
            ),
            (
                isvc(
                    KEDA,
                    &format!("    minReplicas: 1\n{}", external("sum(x)", "")),
                ),
                Severity::Warning,
                "max-replicas-unset",
                "spec.predictor.maxReplicas".into(),
            ),
            (
                isvc(
                    KEDA,
                    &format!(
                        "    minReplicas: 5\n    maxReplicas: 2\n{}",
                        external("sum(x)", "")
                    ),
                ),
                Severity::Error,
                "replica-bounds",
                "spec.predictor.minReplicas".into(),
            ),
            (
                isvc(
                    KEDA,
                    &format!("{bounded}{}", external("vllm:num_requests_running", "")),
                ),
                Severity::Warning,
                "query-multiple-series",
                format!("{m0}.external.metric.query"),
            ),
            (
                isvc(
                    KEDA,
                    &format!(
                        "{bounded}{}",
                        external("sum(x)", "").replace("type: Value, value: \"1\"", "type: Value")
                    ),
                ),
                Severity::Error,
                "invalid-autoscaling-metric",
                format!("{m0}.external.target.value"),
            ),
            (
                isvc(
                    KEDA,
                    &format!(
                        "{bounded}{}",
                        external(
                            "sum(x)",
                            "          authenticationRef:\n            authModes: basic\n"
                        )
                    ),
                ),
                Severity::Error,
                "invalid-trigger-metadata",
                format!("{m0}.external"),
            ),
            (
                isvc("", &format!("{bounded}{}", external("sum(x)", ""))),
                Severity::Error,
                "invalid-autoscaling-metric",
                format!("{m0}.type"),
            ),
        ];
        for (text, severity, code, field) in cases {
            assert!(
                has(&text, severity, code, &field),
                "want {code} at {field} in\n{text}\ngot {:?}",
                codes(&text)
            );
        }
    }

    #[test]
    fn a_gateway_annotation_allows_scale_to_zero() {
        let text = isvc(
            &format!("{KEDA}    swell.dev/gateway: \"true\"\n"),
            &format!(
                "    minReplicas: 0\n    maxReplicas: 2\n{}",
                external("sum(x)", "")
            ),
        );
        assert_eq!(codes(&text), vec![]);
    }

    #[test]
    fn a_scaled_object_on_a_keda_inference_service_predictor_conflicts() {
        let so = "---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: extra\n  \
                  namespace: llm\nspec:\n  scaleTargetRef: {name: qwen-predictor}\n  triggers:\n  \
                  - type: prometheus\n    metadata: {serverAddress: \"http://p:9090\", query: sum(x), threshold: \"1\"}\n";
        let text = format!(
            "{}{so}",
            isvc(
                KEDA,
                &format!(
                    "    minReplicas: 1\n    maxReplicas: 4\n{}",
                    external("sum(x)", "")
                )
            )
        );
        assert!(
            has(
                &text,
                Severity::Error,
                "target-already-scaled",
                "spec.scaleTargetRef.name"
            ),
            "{:?}",
            codes(&text)
        );
    }
}
