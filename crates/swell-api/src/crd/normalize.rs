//! Shapes the CRDs kube's derive generates into the form KEDA's CRDs have.
//!
//! kube already inlines every subschema (no `$ref`) and hoists `type` out of `anyOf`, which
//! makes the schema structural. Three differences from KEDA's CRDs remain and are fixed here:
//!
//! - Optional fields are marked `nullable: true`. KEDA's are not: the API server drops a `null`
//!   written for such a field instead of storing it, and swell does the same by not marking them.
//! - Int-or-string quantities come out as `anyOf: [{}, {}]` (the types hoisted away). The API
//!   server's own form, also KEDA's, is `anyOf: [{type: integer}, {type: string}]`.
//! - `names.listKind` is left for the API server to default; KEDA's CRDs spell it out.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaProps,
};
use serde_json::{Value, json};

/// `crd` in KEDA's form (see the module docs for what changes).
pub fn normalize(mut crd: CustomResourceDefinition) -> CustomResourceDefinition {
    let names = &mut crd.spec.names;
    if names.list_kind.is_none() {
        names.list_kind = Some(format!("{}List", names.kind));
    }

    for version in &mut crd.spec.versions {
        let Some(validation) = version.schema.as_mut() else {
            continue;
        };
        let Some(schema) = validation.open_api_v3_schema.take() else {
            continue;
        };
        validation.open_api_v3_schema = Some(normalize_schema(schema));
    }
    crd
}

fn normalize_schema(schema: JSONSchemaProps) -> JSONSchemaProps {
    // The walk is done on JSON so that it sees every keyword, including ones k8s-openapi keeps
    // in untyped fields.
    let mut value = serde_json::to_value(&schema).expect("a JSON schema serializes to JSON");
    normalize_value(&mut value);
    serde_json::from_value(value).expect("normalizing keeps the schema's shape")
}

/// Applies the rules to one schema node and everything under it.
fn normalize_value(node: &mut Value) {
    let Some(fields) = node.as_object_mut() else {
        return;
    };

    fields.remove("nullable");
    if fields.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        fields.remove("type");
        fields.insert(
            "anyOf".to_string(),
            json!([{"type": "integer"}, {"type": "string"}]),
        );
    }

    if let Some(Value::Object(properties)) = fields.get_mut("properties") {
        properties.values_mut().for_each(normalize_value);
    }
    for keyword in ["items", "additionalProperties", "not"] {
        if let Some(child) = fields.get_mut(keyword) {
            normalize_value(child);
        }
    }
    for keyword in ["anyOf", "allOf", "oneOf"] {
        if let Some(Value::Array(children)) = fields.get_mut(keyword) {
            children.iter_mut().for_each(normalize_value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_is_dropped_at_every_depth() {
        let mut schema = json!({
            "type": "object",
            "properties": {
                "a": {"type": "array", "nullable": true, "items": {
                    "type": "object", "nullable": true,
                    "additionalProperties": {"type": "string", "nullable": true}
                }}
            }
        });
        normalize_value(&mut schema);
        assert!(!schema.to_string().contains("nullable"), "{schema}");
    }

    #[test]
    fn int_or_string_gets_the_api_server_form() {
        let mut schema = json!({
            "x-kubernetes-int-or-string": true,
            "anyOf": [{}, {}],
            "nullable": true,
            "pattern": "^x$"
        });
        normalize_value(&mut schema);
        assert_eq!(
            schema,
            json!({
                "x-kubernetes-int-or-string": true,
                "anyOf": [{"type": "integer"}, {"type": "string"}],
                "pattern": "^x$"
            })
        );
    }
}
