//! CRD names, scope, subresources, the CEL rule, and printer columns that point at real fields.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaProps, JSONSchemaPropsOrArray,
};

use super::*;

#[test]
fn names_scope_and_subresources_match_keda() {
    // (kind, CRD name, scope, short names)
    let expected = [
        (
            CrdKind::ScaledObject,
            "scaledobjects.keda.sh",
            "Namespaced",
            vec!["so"],
        ),
        (
            CrdKind::TriggerAuthentication,
            "triggerauthentications.keda.sh",
            "Namespaced",
            vec!["ta", "triggerauth"],
        ),
        (
            CrdKind::ClusterTriggerAuthentication,
            "clustertriggerauthentications.keda.sh",
            "Cluster",
            vec!["cta", "clustertriggerauth"],
        ),
    ];
    for (kind, name, scope, short_names) in expected {
        let crd = custom_resource_definition(kind);
        assert_eq!(crd.metadata.name.as_deref(), Some(name));
        assert_eq!(crd.spec.group, "keda.sh");
        assert_eq!(crd.spec.scope, scope);
        assert_eq!(crd.spec.names.kind, kind.kind());
        assert_eq!(
            crd.spec.names.list_kind,
            Some(format!("{}List", kind.kind()))
        );
        assert_eq!(
            crd.spec.names.short_names,
            Some(short_names.iter().map(|s| s.to_string()).collect())
        );

        assert_eq!(crd.spec.versions.len(), 1);
        let version = &crd.spec.versions[0];
        assert_eq!(
            (version.name.as_str(), version.served, version.storage),
            ("v1alpha1", true, true)
        );
        let subresources = version.subresources.as_ref().unwrap();
        assert!(
            subresources.status.is_some(),
            "{kind} has a status subresource"
        );
        assert!(
            subresources.scale.is_none(),
            "{kind}: KEDA's CRDs have no scale subresource"
        );
    }
}

#[test]
fn scaled_object_keeps_keda_min_max_rule() {
    let schema = schema(CrdKind::ScaledObject);
    let spec = &schema.properties.as_ref().unwrap()["spec"];
    let rules = spec
        .x_kubernetes_validations
        .as_ref()
        .expect("spec has a CEL rule");
    assert_eq!(rules.len(), 1);
    assert!(
        rules[0].rule.contains("self.minReplicaCount <="),
        "{}",
        rules[0].rule
    );
    assert_eq!(
        rules[0].message.as_deref(),
        Some("minReplicaCount must be less than or equal to maxReplicaCount")
    );
}

/// The schema a printer column's JSONPath points at, or why it points nowhere. Understands
/// `.field`, `[*]` and `[?(@.field=="value")]`; `.metadata.*` is the API server's ObjectMeta.
fn column_target<'a>(
    schema: &'a JSONSchemaProps,
    json_path: &str,
) -> Result<Option<&'a JSONSchemaProps>, String> {
    if let Some(field) = json_path.strip_prefix(".metadata.") {
        return match field {
            "creationTimestamp" | "name" | "namespace" | "generation" => Ok(None),
            other => Err(format!("metadata has no `{other}` column support")),
        };
    }
    let mut node = schema;
    let mut rest = json_path;
    while !rest.is_empty() {
        if node.x_kubernetes_preserve_unknown_fields == Some(true) && node.properties.is_none() {
            // An open object (a secret store swell passes through): any path may exist.
            return Ok(None);
        }
        if let Some(after) = rest.strip_prefix("[*]") {
            node = items_of(node, json_path)?;
            rest = after;
        } else if let Some(after) = rest.strip_prefix("[?(@.") {
            let (filter, after) = after.split_once(")]").ok_or("unclosed filter")?;
            let (field, _) = filter.split_once("==").ok_or("filter without ==")?;
            node = items_of(node, json_path)?;
            property(node, field)?;
            rest = after;
        } else if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            node = property(node, &after[..end])?;
            rest = &after[end..];
        } else {
            return Err(format!("cannot read `{rest}`"));
        }
    }
    Ok(Some(node))
}

fn items_of<'a>(node: &'a JSONSchemaProps, json_path: &str) -> Result<&'a JSONSchemaProps, String> {
    match &node.items {
        Some(JSONSchemaPropsOrArray::Schema(items)) => Ok(items),
        _ => Err(format!("{json_path}: not an array")),
    }
}

fn property<'a>(node: &'a JSONSchemaProps, name: &str) -> Result<&'a JSONSchemaProps, String> {
    node.properties
        .as_ref()
        .and_then(|p| p.get(name))
        .ok_or_else(|| format!("no field `{name}`"))
}

#[test]
fn printer_columns_point_at_fields_of_the_right_type() {
    for kind in CrdKind::ALL {
        let crd: CustomResourceDefinition = custom_resource_definition(kind);
        let schema = schema(kind);
        let columns = crd.spec.versions[0]
            .additional_printer_columns
            .clone()
            .unwrap_or_default();
        assert!(!columns.is_empty(), "{kind} has printer columns");
        for column in columns {
            let target = column_target(&schema, &column.json_path)
                .unwrap_or_else(|e| panic!("{kind} column {}: {e}", column.name));
            let field_type = target.map(|t| t.type_.as_deref());
            match (column.type_.as_str(), field_type) {
                ("date", _) => assert_eq!(column.json_path, ".metadata.creationTimestamp"),
                // Inside metadata or an open object: nothing more to check.
                ("string", None) => {}
                ("integer", Some(Some("integer"))) | ("string", Some(Some("string"))) => {}
                (wanted, got) => panic!("{kind} column {}: {wanted} over {got:?}", column.name),
            }
        }
    }
}

#[test]
fn scaled_object_columns_are_keda_columns_in_keda_order() {
    let crd = custom_resource_definition(CrdKind::ScaledObject);
    let names: Vec<String> = crd.spec.versions[0]
        .additional_printer_columns
        .iter()
        .flatten()
        .map(|c| c.name.clone())
        .collect();
    let expected = [
        "ScaleTargetKind",
        "ScaleTargetName",
        "Min",
        "Max",
        "Ready",
        "Active",
        "Fallback",
        "Paused",
        "Triggers",
        "Authentications",
        "Age",
    ];
    assert_eq!(names, expected);
}

#[test]
fn column_paths_that_point_nowhere_are_caught() {
    let schema = schema(CrdKind::ScaledObject);
    for bad in [
        ".status.triggerTypes",
        ".spec.triggers[*].kind",
        ".status.conditions[?(@.kind==\"Ready\")].status",
    ] {
        assert!(
            column_target(&schema, bad).is_err(),
            "{bad} should not resolve"
        );
    }
}
