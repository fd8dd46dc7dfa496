//! A small validator that checks a manifest against a CRD's OpenAPI schema the way the API
//! server does with strict field validation (`kubectl apply` since 1.27): types, unknown fields,
//! required fields, enums, minimums, lengths. CEL rules and patterns are not evaluated.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    JSONSchemaProps, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool,
};
use serde_json::Value;

/// Every violation of `schema` by `object` (a whole resource), as `path: what`.
pub fn validate_object(schema: &JSONSchemaProps, object: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let Some(fields) = object.as_object() else {
        return vec!["<root>: must be an object".to_string()];
    };
    // apiVersion, kind and metadata are the API server's own and never in a CRD schema.
    let mut rest = fields.clone();
    for implicit in ["apiVersion", "kind", "metadata"] {
        rest.remove(implicit);
    }
    validate(schema, &Value::Object(rest), "", &mut errors);
    errors
}

fn validate(schema: &JSONSchemaProps, value: &Value, path: &str, errors: &mut Vec<String>) {
    let here = if path.is_empty() { "<root>" } else { path };
    let int_or_string = schema.x_kubernetes_int_or_string == Some(true);

    if int_or_string {
        if !(value.is_string() || value.is_i64() || value.is_u64()) {
            errors.push(format!(
                "{here}: must be an integer or a string, got {value}"
            ));
        }
        return;
    }

    let type_ok = match schema.type_.as_deref() {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        None => true,
        Some(other) => {
            errors.push(format!("{here}: schema has unknown type `{other}`"));
            return;
        }
    };
    if !type_ok {
        let wanted = schema.type_.as_deref().unwrap_or_default();
        errors.push(format!("{here}: must be of type {wanted}, got {value}"));
        return;
    }

    if let Some(allowed) = &schema.enum_
        && !allowed.iter().any(|a| a.0 == *value)
    {
        errors.push(format!("{here}: {value} is not one of the allowed values"));
    }
    if let (Some(minimum), Some(n)) = (schema.minimum, value.as_f64())
        && n < minimum
    {
        errors.push(format!("{here}: {n} is below the minimum {minimum}"));
    }
    if let (Some(min_length), Some(s)) = (schema.min_length, value.as_str())
        && (s.chars().count() as i64) < min_length
    {
        errors.push(format!("{here}: must be at least {min_length} characters"));
    }

    match value {
        Value::Object(fields) => validate_fields(schema, fields, path, errors),
        Value::Array(items) => {
            if let Some(min_items) = schema.min_items
                && (items.len() as i64) < min_items
            {
                errors.push(format!("{here}: must have at least {min_items} items"));
            }
            match &schema.items {
                Some(JSONSchemaPropsOrArray::Schema(item_schema)) => {
                    for (i, item) in items.iter().enumerate() {
                        validate(item_schema, item, &format!("{path}[{i}]"), errors);
                    }
                }
                Some(JSONSchemaPropsOrArray::Schemas(_)) => {
                    errors.push(format!("{here}: tuple `items` are not structural"));
                }
                None => {}
            }
        }
        _ => {}
    }
}

fn validate_fields(
    schema: &JSONSchemaProps,
    fields: &serde_json::Map<String, Value>,
    path: &str,
    errors: &mut Vec<String>,
) {
    let here = if path.is_empty() { "<root>" } else { path };
    for required in schema.required.iter().flatten() {
        if !fields.contains_key(required) {
            errors.push(format!("{here}: required field `{required}` is missing"));
        }
    }

    let preserve_unknown = schema.x_kubernetes_preserve_unknown_fields == Some(true);
    for (name, child) in fields {
        let child_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        if let Some(child_schema) = schema.properties.as_ref().and_then(|p| p.get(name)) {
            validate(child_schema, child, &child_path, errors);
            continue;
        }
        match &schema.additional_properties {
            Some(JSONSchemaPropsOrBool::Schema(value_schema)) => {
                validate(value_schema, child, &child_path, errors);
            }
            Some(JSONSchemaPropsOrBool::Bool(true)) => {}
            _ if preserve_unknown => {}
            _ => errors.push(format!("{child_path}: unknown field")),
        }
    }
}
