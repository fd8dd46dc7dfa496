use super::*;

const SCALED_OBJECT: &str = r#"
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: qwen
  namespace: llm
  annotations:
    autoscaling.keda.sh/paused: "false"
spec:
  scaleTargetRef:
    name: qwen-predictor
    envSourceContainerName: kserve-container
  pollingInterval: 15
  cooldownPeriod: 600
  minReplicaCount: 1
  maxReplicaCount: 4
  fallback:
    failureThreshold: 3
    replicas: 2
    behavior: currentReplicasIfHigher
  advanced:
    restoreToOriginalReplicaCount: true
    horizontalPodAutoscalerConfig:
      name: qwen-hpa
      behavior:
        scaleDown:
          stabilizationWindowSeconds: 600
          policies:
          - type: Pods
            value: 1
            periodSeconds: 60
          tolerance: "0.05"
  triggers:
  - type: prometheus
    name: queue
    metadata:
      serverAddress: http://prometheus.monitoring.svc:9090
      query: sum(vllm:num_requests_waiting{namespace="llm"})
      threshold: "4"
    authenticationRef:
      name: prom-creds
    metricType: AverageValue
    useCachedMetrics: true
"#;

fn load_one(text: &str) -> Document {
    let mut loaded = load_str("test.yaml", text);
    assert!(loaded.syntax_error.is_none(), "{:?}", loaded.syntax_error);
    assert_eq!(loaded.documents.len(), 1);
    loaded.documents.remove(0)
}

fn codes(document: &Document) -> Vec<(&'static str, String)> {
    document
        .problems
        .iter()
        .map(|p| (p.code, p.field.clone()))
        .collect()
}

#[test]
fn a_complete_scaled_object_loads_without_problems() {
    let document = load_one(SCALED_OBJECT);
    assert_eq!(codes(&document), vec![]);
    assert_eq!(
        (document.kind.as_str(), document.name.as_str()),
        ("ScaledObject", "qwen")
    );
    let Some(Object::ScaledObject(so)) = document.object else {
        panic!("not loaded")
    };
    assert_eq!(so.spec.triggers[0].metadata["threshold"], "4");
    assert_eq!(so.spec.min_replica_count, Some(1));
}

#[test]
fn scaled_objects_round_trip_through_yaml_and_json() {
    let Some(Object::ScaledObject(so)) = load_one(SCALED_OBJECT).object else {
        panic!()
    };
    let json = serde_json::to_string(&so).unwrap();
    let back: ScaledObject = serde_json::from_str(&json).unwrap();
    assert_eq!(*so, back);
    let yaml = serde_saphyr::to_string(&*so).unwrap();
    let Some(Object::ScaledObject(again)) = load_one(&yaml).object else {
        panic!("{yaml}")
    };
    assert_eq!(so, again);
}

#[test]
fn unquoted_metadata_numbers_are_reported_with_their_line_and_quoted() {
    let text = SCALED_OBJECT.replace("threshold: \"4\"", "threshold: 4");
    let document = load_one(&text);
    assert_eq!(
        codes(&document),
        vec![(
            "value-not-string",
            "spec.triggers[0].metadata.threshold".to_string()
        )]
    );
    let problem = &document.problems[0];
    assert!(
        problem.message.contains("threshold: \"4\""),
        "{}",
        problem.message
    );
    let line = document.line_of(&problem.field).unwrap();
    assert_eq!(
        text.lines().nth(line as usize - 1).unwrap().trim(),
        "threshold: 4"
    );
    // The rest of the object still loads.
    assert!(matches!(document.object, Some(Object::ScaledObject(_))));
}

#[test]
fn unquoted_annotation_booleans_are_reported() {
    let text = SCALED_OBJECT.replace("paused: \"false\"", "paused: false");
    let document = load_one(&text);
    assert_eq!(
        codes(&document),
        vec![(
            "value-not-string",
            "metadata.annotations.autoscaling.keda.sh/paused".to_string()
        )]
    );
}

#[test]
fn unknown_fields_are_errors_with_a_suggestion() {
    let cases = [
        (
            "minReplicaCount: 1",
            "minReplicas: 1",
            "spec.minReplicas",
            "minReplicaCount",
        ),
        (
            "pollingInterval: 15",
            "pollingIntervall: 15",
            "spec.pollingIntervall",
            "pollingInterval",
        ),
        (
            "envSourceContainerName: kserve-container",
            "containerName: kserve-container",
            "spec.scaleTargetRef.containerName",
            "envSourceContainerName",
        ),
        (
            "useCachedMetrics: true",
            "useCachedMetrics: true\n    threshold: \"4\"",
            "spec.triggers[0].threshold",
            "metadata.threshold",
        ),
    ];
    for (from, to, field, hint) in cases {
        let document = load_one(&SCALED_OBJECT.replace(from, to));
        assert_eq!(
            codes(&document),
            vec![("unknown-field", field.to_string())],
            "{to}"
        );
        assert!(
            document.problems[0].message.contains(hint),
            "{}",
            document.problems[0].message
        );
    }
}

#[test]
fn type_errors_name_the_field_and_the_fix() {
    let document = load_one(&SCALED_OBJECT.replace("minReplicaCount: 1", "minReplicaCount: \"1\""));
    assert_eq!(
        codes(&document),
        vec![("invalid-field", "spec.minReplicaCount".to_string())]
    );
    assert!(document.problems[0].message.contains("without quotes"));
    assert!(document.object.is_none());

    let document = load_one(&SCALED_OBJECT.replace(
        "  scaleTargetRef:\n    name: qwen-predictor\n",
        "  scaleTargetRef:\n",
    ));
    assert_eq!(codes(&document)[0].1, "spec.scaleTargetRef.name");
}

#[test]
fn missing_required_fields_point_at_the_field() {
    let text = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: x}\nspec:\n  scaleTargetRef: {name: web}\n";
    let document = load_one(text);
    assert_eq!(
        codes(&document),
        vec![("invalid-field", "spec.triggers".to_string())]
    );
    assert_eq!(document.problems[0].message, "is required but missing");
}

#[test]
fn kinds_are_dispatched_by_group_and_version() {
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "apiVersion: keda.sh/v1\nkind: ScaledObject\n",
            vec!["unknown-api-version"],
        ),
        (
            "apiVersion: keda.sh/v1alpha1\nkind: ScaledObjekt\n",
            vec!["unknown-kind"],
        ),
        (
            "apiVersion: keda.sh/v1alpha1\nkind: ScaledJob\n",
            vec!["unsupported-kind"],
        ),
        (
            "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceSevice\n",
            vec!["unknown-kind"],
        ),
        (
            "apiVersion: serving.kserve.io/v1alpha1\nkind: ServingRuntime\n",
            vec![],
        ),
        (
            "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n",
            vec![],
        ),
        ("just: a values file\n", vec![]),
    ];
    for (text, want) in cases {
        let document = load_one(text);
        let got: Vec<&str> = document.problems.iter().map(|p| p.code).collect();
        assert_eq!(got, want, "{text}");
    }
}

#[test]
fn built_in_objects_load_into_their_types() {
    let text = r#"
apiVersion: v1
kind: Secret
metadata: {name: prom-basic-auth-secret}
stringData: {username: admin}
data: {password: c2VjcmV0}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        resources: {requests: {cpu: 500m}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
"#;
    let loaded = load_str("x.yaml", text);
    let kinds: Vec<bool> = loaded
        .documents
        .iter()
        .map(|d| match &d.object {
            Some(Object::Secret(s)) => s.value("password") == Some(Ok("secret".into())),
            Some(Object::Workload(w)) => w.spec.template.spec.containers[0].has_resource("cpu"),
            Some(Object::Hpa(h)) => h.spec.scale_target_ref.name == "web",
            _ => false,
        })
        .collect();
    assert_eq!(kinds, vec![true, true, true]);
    assert_eq!(loaded.documents[2].index, 3);
}

#[test]
fn the_one_scaled_object_of_a_file_is_found() {
    let text = format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\n---\n{SCALED_OBJECT}");
    let so = scaled_object_from_str("x.yaml", &text).unwrap();
    assert_eq!(so.metadata.name.as_deref(), Some("qwen"));

    let err = scaled_object_from_str("x.yaml", "apiVersion: v1\nkind: Secret\n").unwrap_err();
    assert!(matches!(err, LoadError::NotFound { .. }), "{err}");

    let two = format!("{SCALED_OBJECT}\n---\n{SCALED_OBJECT}");
    assert!(matches!(
        scaled_object_from_str("x.yaml", &two),
        Err(LoadError::Ambiguous { count: 2, .. })
    ));

    let broken = SCALED_OBJECT.replace("minReplicaCount: 1", "minReplicas: 1");
    let err = scaled_object_from_str("x.yaml", &broken)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 15") && err.contains("spec.minReplicas"),
        "{err}"
    );
}

#[test]
fn syntax_errors_are_reported_on_the_file() {
    let loaded = load_str("x.yaml", "a: [1,\nb: 2\n");
    let (problem, line) = loaded.syntax_error.unwrap();
    assert_eq!(problem.code, "invalid-yaml");
    assert!(line.is_some());
}
