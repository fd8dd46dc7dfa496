use std::time::Duration;

use swell_core::spec::{FallbackBehavior, MetricType};

use super::*;
use crate::load::scaled_object_from_str;

/// A minimal valid ScaledObject with one Prometheus trigger; `extra_spec` is appended to the
/// spec and `triggers` replaces the trigger list when given.
fn so(extra_spec: &str, triggers: Option<&str>) -> ScaledObject {
    let prometheus = r#"
  - type: prometheus
    name: queue
    metadata:
      serverAddress: http://prometheus:9090
      query: sum(vllm:num_requests_waiting)
      threshold: "4""#;
    let text = format!(
        "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: qwen\nspec:\n  \
         scaleTargetRef:\n    name: qwen-predictor\n{extra_spec}\n  triggers:{}\n",
        triggers.unwrap_or(prometheus)
    );
    scaled_object_from_str("test.yaml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn error_codes(so: &ScaledObject) -> Vec<(&'static str, String)> {
    match scaled_object(so) {
        Ok(_) => Vec::new(),
        Err(err) => err
            .problems
            .iter()
            .map(|p| (p.code, p.field.clone()))
            .collect(),
    }
}

#[test]
fn defaults_follow_keda() {
    let spec = scaled_object(&so("", None)).unwrap();
    assert_eq!(spec.min_replicas, 0);
    assert_eq!(spec.max_replicas, 100);
    assert_eq!(spec.idle_replicas, None);
    assert_eq!(spec.polling_interval, Duration::from_secs(30));
    assert_eq!(spec.cooldown_period, Duration::from_secs(300));
    assert_eq!(spec.initial_cooldown_period, Duration::ZERO);
    assert!(spec.fallback.is_none() && spec.behavior.is_none() && spec.modifiers.is_none());
    let trigger = &spec.triggers[0];
    assert_eq!(trigger.metric_name, "s0-prometheus");
    assert_eq!(trigger.metric_type, MetricType::AverageValue);
    assert_eq!((trigger.target, trigger.activation_target), (4.0, 0.0));
    assert_eq!(trigger.name.as_deref(), Some("queue"));
    assert!(!trigger.resource && !trigger.use_cached_metrics);
}

#[test]
fn written_values_are_kept() {
    let spec = scaled_object(&so(
        "  pollingInterval: 5\n  cooldownPeriod: 60\n  initialCooldownPeriod: 120\n  \
         minReplicaCount: 2\n  maxReplicaCount: 8\n  idleReplicaCount: 0\n  fallback:\n    \
         failureThreshold: 3\n    replicas: 6\n    behavior: currentReplicasIfHigher\n  \
         advanced:\n    horizontalPodAutoscalerConfig:\n      behavior: {}",
        None,
    ))
    .unwrap();
    assert_eq!(
        (spec.min_replicas, spec.max_replicas, spec.idle_replicas),
        (2, 8, Some(0))
    );
    assert_eq!(spec.polling_interval, Duration::from_secs(5));
    assert_eq!(spec.cooldown_period, Duration::from_secs(60));
    assert_eq!(spec.initial_cooldown_period, Duration::from_secs(120));
    let fallback = spec.fallback.unwrap();
    assert_eq!(
        (
            fallback.failure_threshold,
            fallback.replicas,
            fallback.behavior
        ),
        (3, 6, FallbackBehavior::CurrentReplicasIfHigher)
    );
    assert_eq!(spec.behavior, Some(swell_core::spec::Behavior::default()));
}

#[test]
fn admission_rules_reject_what_keda_rejects() {
    let cases: Vec<(&str, &str, &str)> = vec![
        (
            "  minReplicaCount: 5\n  maxReplicaCount: 2",
            "replica-bounds",
            "spec.minReplicaCount",
        ),
        (
            "  minReplicaCount: 101",
            "replica-bounds",
            "spec.minReplicaCount",
        ),
        (
            "  minReplicaCount: 2\n  idleReplicaCount: 2",
            "idle-replicas",
            "spec.idleReplicaCount",
        ),
        // KEDA quirk: idle 0 with min unset fails (effective min is 0).
        (
            "  idleReplicaCount: 0",
            "idle-replicas",
            "spec.idleReplicaCount",
        ),
        (
            "  pollingInterval: 0",
            "value-out-of-range",
            "spec.pollingInterval",
        ),
        (
            "  cooldownPeriod: -1",
            "value-out-of-range",
            "spec.cooldownPeriod",
        ),
        (
            "  maxReplicaCount: 0",
            "value-out-of-range",
            "spec.maxReplicaCount",
        ),
        (
            "  fallback:\n    failureThreshold: -1\n    replicas: 2",
            "fallback-invalid",
            "spec.fallback",
        ),
        (
            "  fallback:\n    failureThreshold: 1\n    replicas: 2\n    behavior: sometimes",
            "fallback-invalid",
            "spec.fallback.behavior",
        ),
        (
            "  fallback:\n    failureThreshold: 1\n    replicas: 2\n    behavior: scalingModifiers",
            "fallback-invalid",
            "spec.fallback.behavior",
        ),
        (
            "  advanced:\n    scalingModifiers:\n      target: \"2\"",
            "modifiers-invalid",
            "spec.advanced.scalingModifiers.formula",
        ),
        (
            "  advanced:\n    scalingModifiers:\n      formula: queue",
            "modifiers-invalid",
            "spec.advanced.scalingModifiers.target",
        ),
        (
            "  advanced:\n    scalingModifiers:\n      formula: queue\n      target: \"0\"",
            "modifiers-invalid",
            "spec.advanced.scalingModifiers.target",
        ),
        (
            "  advanced:\n    scalingModifiers:\n      formula: queue\n      target: \"1\"\n      metricType: Utilization",
            "modifiers-invalid",
            "spec.advanced.scalingModifiers.metricType",
        ),
        (
            "  advanced:\n    scalingModifiers:\n      formula: queue\n      target: \"1\"\n      activationTarget: lots",
            "modifiers-invalid",
            "spec.advanced.scalingModifiers.activationTarget",
        ),
        (
            "  advanced:\n    horizontalPodAutoscalerConfig:\n      behavior:\n        scaleDown:\n          stabilizationWindowSeconds: 7200",
            "behavior-invalid",
            "spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds",
        ),
    ];
    for (extra, code, field) in cases {
        assert_eq!(
            error_codes(&so(extra, None)),
            vec![(code, field.to_string())],
            "{extra}"
        );
    }
}

#[test]
fn explicit_min_zero_with_idle_zero_passes_as_in_keda() {
    // KEDA quirk: an explicit minReplicaCount 0 counts as 1 in the idle check.
    assert_eq!(
        error_codes(&so("  minReplicaCount: 0\n  idleReplicaCount: 0", None)),
        vec![]
    );
}

#[test]
fn trigger_rules_reject_what_keda_rejects() {
    let cpu = |extra: &str| format!("\n  - type: cpu\n    metadata:\n      value: \"60\"{extra}");
    let prom = |name: &str, extra: &str| {
        format!(
            "\n  - type: prometheus\n    name: {name}\n    metadata:\n      serverAddress: \
             http://p:9090\n      query: up\n      threshold: \"1\"{extra}"
        )
    };
    let cases: Vec<(String, &str, &str)> = vec![
        (format!("{}{}", prom("a", ""), prom("a", "")), "duplicate-trigger-name", "spec.triggers[1].name"),
        (cpu("\n    metricType: Utilization\n    useCachedMetrics: true"), "cached-metrics-unsupported", "spec.triggers[0].useCachedMetrics"),
        (prom("a", "\n    metricType: Utilization"), "invalid-metric-type", "spec.triggers[0].metricType"),
        (prom("a", "\n    metricType: Average"), "invalid-metric-type", "spec.triggers[0].metricType"),
        (cpu(""), "invalid-metric-type", "spec.triggers[0].metricType"),
        (cpu("\n      type: Utilization\n    metricType: Utilization"), "invalid-metric-type", "spec.triggers[0].metricType"),
        (cpu("\n    metricType: Value"), "invalid-metric-type", "spec.triggers[0].metricType"),
        ("\n  - type: cpu\n    metricType: Utilization\n    metadata:\n      value: \"0.5\"".to_string(), "invalid-trigger-metadata", "spec.triggers[0].metadata.value"),
        ("\n  - type: prometheus\n    metadata:\n      query: up\n      threshold: \"1\"".to_string(), "invalid-trigger-metadata", "spec.triggers[0].metadata.serverAddress"),
        ("\n  - type: prometheus\n    metadata:\n      serverAddress: http://p\n      query: up\n      threshold: abc".to_string(), "invalid-trigger-metadata", "spec.triggers[0].metadata.threshold"),
        ("\n  - type: prometheu\n    metadata: {}".to_string(), "unknown-trigger-type", "spec.triggers[0].type"),
        ("\n  - type: kafka\n    metadata: {}".to_string(), "unsupported-trigger", "spec.triggers[0].type"),
        ("\n  - type: cpu\n    metricType: Utilization\n    metadata:\n      value: \"60\"".to_string(), "cpu-memory-scale-to-zero", "spec.minReplicaCount"),
        (" []".to_string(), "no-triggers", "spec.triggers"),
    ];
    for (triggers, code, field) in cases {
        let extra = if code == "cpu-memory-scale-to-zero" {
            ""
        } else {
            "  minReplicaCount: 1"
        };
        let got = error_codes(&so(extra, Some(&triggers)));
        assert_eq!(got, vec![(code, field.to_string())], "{triggers}");
    }
}

#[test]
fn cpu_and_memory_triggers_become_resource_metrics() {
    let triggers = "\n  - type: memory\n    metricType: AverageValue\n    metadata:\n      value: 8Gi\n  \
                    - type: cpu\n    metadata:\n      type: Utilization\n      value: \"70\"";
    let spec = scaled_object(&so("  minReplicaCount: 1", Some(triggers))).unwrap();
    let summary: Vec<(&str, MetricType, f64, bool)> = spec
        .triggers
        .iter()
        .map(|t| (t.metric_name.as_str(), t.metric_type, t.target, t.resource))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "memory",
                MetricType::AverageValue,
                8.0 * 1024.0 * 1024.0 * 1024.0,
                true
            ),
            ("cpu", MetricType::Utilization, 70.0, true),
        ]
    );
}

#[test]
fn fallback_needs_a_trigger_that_is_not_cpu_or_memory() {
    let triggers =
        "\n  - type: cpu\n    metricType: Utilization\n    metadata:\n      value: \"60\"";
    let extra = "  minReplicaCount: 1\n  fallback:\n    failureThreshold: 3\n    replicas: 2";
    assert_eq!(
        error_codes(&so(extra, Some(triggers))),
        vec![("fallback-invalid", "spec.fallback".to_string())]
    );
}

#[test]
fn triggers_naming_a_trigger_authentication_are_assumed_to_get_their_credentials() {
    let triggers = "\n  - type: prometheus\n    authenticationRef: {name: prom-creds}\n    metadata:\n      \
                    serverAddress: http://p\n      query: up\n      threshold: \"1\"\n      authModes: basic";
    assert!(scaled_object(&so("", Some(triggers))).is_ok());

    // With resolved parameters the exact set is checked.
    let err =
        scaled_object_with_auth(&so("", Some(triggers)), &|_| Some(AuthParams::new())).unwrap_err();
    assert_eq!(err.problems[0].code, "invalid-trigger-metadata");
    assert_eq!(err.problems[0].field, "spec.triggers[0].authenticationRef");
    assert!(err.to_string().contains("username"), "{err}");

    // Without an authenticationRef nothing can supply them.
    let bare = triggers.replace("    authenticationRef: {name: prom-creds}\n", "");
    assert_eq!(
        error_codes(&so("", Some(&bare)))[0].0,
        "invalid-trigger-metadata"
    );
}

#[test]
fn names_longer_than_63_characters_are_rejected() {
    let mut object = so("", None);
    object.metadata.name = Some("x".repeat(60));
    // keda-hpa-<60 x> is 69 characters: the ScaledObject's name is what to shorten.
    assert_eq!(
        error_codes(&object),
        vec![("name-too-long", "metadata.name".to_string())]
    );
    object.metadata.name = Some("x".repeat(64));
    assert_eq!(error_codes(&object).len(), 2);

    // A configured HPA name that is too long is reported where it is written.
    let hpa_name = format!(
        "  advanced:\n    horizontalPodAutoscalerConfig:\n      name: {}",
        "h".repeat(64)
    );
    assert_eq!(
        error_codes(&so(&hpa_name, None)),
        vec![(
            "name-too-long",
            "spec.advanced.horizontalPodAutoscalerConfig.name".to_string()
        )]
    );
}

#[test]
fn pause_annotations_are_read() {
    let mut object = so("", None);
    object.metadata.annotations = Some(
        [(
            "autoscaling.keda.sh/paused-replicas".to_string(),
            "2".to_string(),
        )]
        .into(),
    );
    assert_eq!(
        scaled_object(&object).unwrap().pause.paused_replicas,
        Some(2)
    );
    object.metadata.annotations = Some(
        [(
            "autoscaling.keda.sh/paused-replicas".to_string(),
            "two".to_string(),
        )]
        .into(),
    );
    assert_eq!(error_codes(&object)[0].0, "invalid-annotation");
}

#[test]
fn errors_display_every_field_and_fix() {
    let err = scaled_object(&so(
        "  minReplicaCount: 5\n  maxReplicaCount: 2\n  pollingInterval: 0",
        None,
    ))
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("ScaledObject qwen has 2 problems:"),
        "{text}"
    );
    assert!(
        text.contains(
            "spec.pollingInterval: must be at least 1 (seconds between polls), got 0; remove it \
             for KEDA's default (30) or write a value of 1 or more [value-out-of-range]"
        ),
        "{text}"
    );
}
