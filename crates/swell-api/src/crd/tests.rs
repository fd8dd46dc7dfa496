//! Tests of the generated CRDs: accepting every field KEDA users write, rejecting what KEDA's
//! CRDs reject, and the committed `deploy/crds/` files matching `swell crd`. Structural-schema
//! rules are in `structural`, names and printer columns in `columns`.

mod columns;
mod structural;
mod walker;

use std::path::PathBuf;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaProps,
};
use serde_json::{Value, json};

use super::*;
use crate::keda::{ScaledObject, TriggerAuthentication};

const FULL_SCALED_OBJECT: &str = include_str!("tests/full_scaled_object.yaml");
const FULL_TRIGGER_AUTHENTICATION: &str = include_str!("tests/full_trigger_authentication.yaml");
const FULL_CLUSTER_TRIGGER_AUTHENTICATION: &str =
    include_str!("tests/full_cluster_trigger_authentication.yaml");

fn schema(kind: CrdKind) -> JSONSchemaProps {
    let crd = custom_resource_definition(kind);
    let version = &crd.spec.versions[0];
    version
        .schema
        .as_ref()
        .and_then(|s| s.open_api_v3_schema.clone())
        .expect("every version has a schema")
}

fn schema_json(kind: CrdKind) -> Value {
    serde_json::to_value(schema(kind)).unwrap()
}

fn manifest(yaml: &str) -> Value {
    serde_saphyr::from_str(yaml).expect("fixture is valid YAML")
}

/// The fixtures written against `kind`'s schema (the two TriggerAuthentication kinds share one).
fn fixtures_for(kind: CrdKind) -> Vec<Value> {
    match kind {
        CrdKind::ScaledObject => vec![fixture(kind)],
        _ => vec![
            fixture(CrdKind::TriggerAuthentication),
            fixture(CrdKind::ClusterTriggerAuthentication),
        ],
    }
}

fn fixture(kind: CrdKind) -> Value {
    manifest(match kind {
        CrdKind::ScaledObject => FULL_SCALED_OBJECT,
        CrdKind::TriggerAuthentication => FULL_TRIGGER_AUTHENTICATION,
        CrdKind::ClusterTriggerAuthentication => FULL_CLUSTER_TRIGGER_AUTHENTICATION,
    })
}

#[test]
fn full_keda_manifests_validate() {
    for kind in CrdKind::ALL {
        let errors = walker::validate_object(&schema(kind), &fixture(kind));
        assert!(errors.is_empty(), "{kind}:\n{}", errors.join("\n"));
    }
}

/// Every field path the schema declares, with `[]` for array items and `*` for map values.
/// Stops at open (`x-kubernetes-preserve-unknown-fields`) objects.
fn declared_paths(schema: &Value, prefix: &str, out: &mut Vec<String>) {
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, child) in properties {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            out.push(path.clone());
            declared_paths(child, &path, out);
        }
    }
    if let Some(items) = schema.get("items") {
        declared_paths(items, &format!("{prefix}[]"), out);
    }
    if let Some(values @ Value::Object(_)) = schema.get("additionalProperties") {
        declared_paths(values, &format!("{prefix}.*"), out);
    }
}

/// Whether `value` holds something at `path` (in [`declared_paths`] notation).
fn has_path(value: &Value, path: &str) -> bool {
    let Some((head, rest)) = split_path(path) else {
        return true;
    };
    let children: Vec<&Value> = match (head, value) {
        ("[]", Value::Array(items)) => items.iter().collect(),
        ("*", Value::Object(fields)) => fields.values().collect(),
        (name, Value::Object(fields)) => fields.get(name).into_iter().collect(),
        _ => Vec::new(),
    };
    children.into_iter().any(|child| has_path(child, rest))
}

fn split_path(path: &str) -> Option<(&str, &str)> {
    let path = path.strip_prefix('.').unwrap_or(path);
    if path.is_empty() {
        return None;
    }
    if let Some(rest) = path.strip_prefix("[]") {
        return Some(("[]", rest));
    }
    let end = path.find(['.', '[']).unwrap_or(path.len());
    Some((&path[..end], &path[end..]))
}

#[test]
fn the_fixtures_use_every_field_the_schemas_declare() {
    // So that `full_keda_manifests_validate` covers each field: a field added to the types
    // must also be added to the fixture.
    for kind in CrdKind::ALL {
        let mut paths = Vec::new();
        declared_paths(&schema_json(kind), "", &mut paths);
        let objects = fixtures_for(kind);
        let missing: Vec<&String> = paths
            .iter()
            .filter(|p| !objects.iter().any(|object| has_path(object, p)))
            .collect();
        assert!(missing.is_empty(), "{kind}: fixture lacks {missing:#?}");
    }
}

#[test]
fn the_typed_objects_round_trip_within_the_schema() {
    // What swell itself writes back (status updates, `swell check` output) must stay valid.
    let so: ScaledObject = serde_json::from_value(fixture(CrdKind::ScaledObject)).unwrap();
    let so = serde_json::to_value(&so).unwrap();
    assert_eq!(so["spec"], fixture(CrdKind::ScaledObject)["spec"]);
    assert_eq!(so["status"], fixture(CrdKind::ScaledObject)["status"]);
    assert_eq!(
        walker::validate_object(&schema(CrdKind::ScaledObject), &so),
        Vec::<String>::new()
    );

    let ta: TriggerAuthentication =
        serde_json::from_value(fixture(CrdKind::TriggerAuthentication)).unwrap();
    let ta = serde_json::to_value(&ta).unwrap();
    assert_eq!(ta["spec"], fixture(CrdKind::TriggerAuthentication)["spec"]);
    let errors = walker::validate_object(&schema(CrdKind::TriggerAuthentication), &ta);
    assert_eq!(errors, Vec::<String>::new());
}

#[test]
fn mistakes_keda_rejects_are_rejected() {
    // (JSON pointer, new value or None to remove it, path expected in the error)
    let cases: [(&str, Option<Value>, &str); 10] = [
        (
            "/spec/pollingIntervall",
            Some(json!(30)),
            "spec.pollingIntervall: unknown",
        ),
        (
            "/spec/triggers/0/metadata/threshold",
            Some(json!(4)),
            "spec.triggers[0].metadata",
        ),
        (
            "/spec/minReplicaCount",
            Some(json!(-1)),
            "spec.minReplicaCount",
        ),
        (
            "/spec/pollingInterval",
            Some(json!(0)),
            "spec.pollingInterval",
        ),
        ("/spec/triggers", Some(json!([])), "spec.triggers"),
        (
            "/spec/fallback/replicas",
            None,
            "spec.fallback: required field `replicas`",
        ),
        (
            "/spec/triggers/1/authenticationRef/kind",
            Some(json!("Secret")),
            "authenticationRef.kind",
        ),
        (
            "/spec/fallback/behavior",
            Some(json!("sometimes")),
            "spec.fallback.behavior",
        ),
        (
            "/spec/scaleTargetRef/name",
            Some(json!("")),
            "spec.scaleTargetRef.name",
        ),
        (
            "/spec/advanced/horizontalPodAutoscalerConfig/behavior/scaleUp/tolerance",
            Some(json!(true)),
            "scaleUp.tolerance",
        ),
    ];
    let schema = schema(CrdKind::ScaledObject);
    for (pointer, value, expected) in cases {
        let mut object = fixture(CrdKind::ScaledObject);
        let (parent, field) = pointer.rsplit_once('/').unwrap();
        let parent = object
            .pointer_mut(parent)
            .expect("parent exists in the fixture");
        match value {
            Some(value) => parent[field] = value,
            None => {
                parent.as_object_mut().unwrap().remove(field);
            }
        }
        let errors = walker::validate_object(&schema, &object);
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{pointer}: expected an error about `{expected}`, got {errors:#?}"
        );
    }
}

#[test]
fn quantities_accept_integers_and_strings() {
    let schema = schema(CrdKind::ScaledObject);
    for tolerance in [json!(1), json!("0.05"), json!("100m")] {
        let mut object = fixture(CrdKind::ScaledObject);
        object["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"]["tolerance"] =
            tolerance.clone();
        let errors = walker::validate_object(&schema, &object);
        assert_eq!(errors, Vec::<String>::new(), "tolerance {tolerance}");
    }
}

#[test]
fn trigger_authentication_providers_swell_does_not_read_stay_open() {
    let schema = schema(CrdKind::TriggerAuthentication);
    let mut object = fixture(CrdKind::TriggerAuthentication);
    object["spec"]["hashiCorpVault"]["someFutureField"] = json!({"nested": [1, 2]});
    assert_eq!(
        walker::validate_object(&schema, &object),
        Vec::<String>::new()
    );

    object["spec"]["secretTargetRef"][0]["optional"] = json!(true);
    let errors = walker::validate_object(&schema, &object);
    assert_eq!(
        errors,
        vec!["spec.secretTargetRef[0].optional: unknown field".to_string()]
    );
}

#[test]
fn kinds_are_named_as_kubectl_names_them() {
    let cases = [
        ("scaledobject", CrdKind::ScaledObject),
        ("ScaledObjects", CrdKind::ScaledObject),
        ("so", CrdKind::ScaledObject),
        ("scaledobjects.keda.sh", CrdKind::ScaledObject),
        ("ta", CrdKind::TriggerAuthentication),
        ("triggerauth", CrdKind::TriggerAuthentication),
        ("TriggerAuthentication", CrdKind::TriggerAuthentication),
        ("cta", CrdKind::ClusterTriggerAuthentication),
        (
            "clustertriggerauthentication",
            CrdKind::ClusterTriggerAuthentication,
        ),
    ];
    for (given, kind) in cases {
        assert_eq!(given.parse::<CrdKind>().unwrap(), kind, "{given}");
    }
    let err = "scaledjob".parse::<CrdKind>().unwrap_err().to_string();
    assert!(
        err.contains("`scaledjob`") && err.contains("scaledobject (so)"),
        "{err}"
    );
}

#[test]
fn the_stream_holds_one_document_per_kind_and_parses_back() {
    let yaml = to_yaml(&CrdKind::ALL).unwrap();
    assert!(yaml.starts_with("# Generated by `swell crd`"));
    assert_eq!(
        yaml.matches("\n---\n").count() + usize::from(yaml.starts_with("---")),
        3
    );
    for (document, kind) in yaml.split("---\n").skip(1).zip(CrdKind::ALL) {
        let parsed: CustomResourceDefinition = serde_saphyr::from_str(document).unwrap();
        assert_eq!(parsed, custom_resource_definition(kind));
    }
}

#[test]
fn committed_crds_match_swell_crd_output() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/crds");
    for kind in CrdKind::ALL {
        let path = dir.join(kind.file_name());
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        let generated = to_yaml(&[kind]).unwrap();
        if std::env::var_os("SWELL_UPDATE_CRDS").is_some() && committed != generated {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &generated).unwrap();
            continue;
        }
        assert!(
            committed == generated,
            "deploy/crds/{} differs from `swell crd --kind {}` (the swell-api types changed). \
             Regenerate with `cargo run -p swell -- crd --out-dir deploy/crds` \
             (or `SWELL_UPDATE_CRDS=1 cargo test -p swell-api --lib crd`)",
            kind.file_name(),
            kind.kind().to_ascii_lowercase(),
        );
    }
}
