//! Field-level loading problems: values that must be strings, type errors with their path, and
//! fields a CRD does not have (with a "did you mean" from the schema).

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::load::Document;
use crate::problem::Problem;

/// String maps where YAML numbers, booleans or nulls are common mistakes: the API server
/// rejects them. Reported once each, then quoted so that the other checks still run.
pub fn quote_string_maps(document: &mut Document) -> Value {
    let mut value = document.yaml.value.clone();
    let mut paths: Vec<Vec<PathStep>> = vec![
        vec![PathStep::Key("metadata"), PathStep::Key("annotations")],
        vec![PathStep::Key("metadata"), PathStep::Key("labels")],
    ];
    match document.kind.as_str() {
        "ScaledObject" => paths.push(vec![
            PathStep::Key("spec"),
            PathStep::Key("triggers"),
            PathStep::Each,
            PathStep::Key("metadata"),
        ]),
        "Secret" => {
            paths.push(vec![PathStep::Key("data")]);
            paths.push(vec![PathStep::Key("stringData")]);
        }
        "ConfigMap" => paths.push(vec![PathStep::Key("data")]),
        "InferenceService" => {
            for map in ["annotations", "labels"] {
                paths.push(vec![
                    PathStep::Key("spec"),
                    PathStep::Key("predictor"),
                    PathStep::Key(map),
                ]);
            }
        }
        _ => {}
    }
    let spellings = document.yaml.yaml11_booleans.clone();
    for path in paths {
        quote_at(
            &mut value,
            &path,
            String::new(),
            &spellings,
            &mut document.problems,
        );
    }
    value
}

#[derive(Clone, Copy)]
enum PathStep {
    Key(&'static str),
    Each,
}

fn quote_at(
    value: &mut Value,
    path: &[PathStep],
    at: String,
    spellings: &BTreeMap<String, String>,
    problems: &mut Vec<Problem>,
) {
    let join = |at: &str, key: &str| {
        if at.is_empty() {
            key.to_string()
        } else {
            format!("{at}.{key}")
        }
    };
    match path.split_first() {
        Some((PathStep::Key(key), rest)) => {
            if let Some(child) = value.get_mut(*key) {
                quote_at(child, rest, join(&at, key), spellings, problems);
            }
        }
        Some((PathStep::Each, rest)) => {
            if let Some(items) = value.as_array_mut() {
                for (i, item) in items.iter_mut().enumerate() {
                    quote_at(item, rest, format!("{at}[{i}]"), spellings, problems);
                }
            }
        }
        None => {
            let Some(map) = value.as_object_mut() else {
                return;
            };
            for (key, item) in map.iter_mut() {
                let text = match &*item {
                    Value::String(_) => continue,
                    Value::Number(n) => n.to_string(),
                    // `yes`/`on`/`y` are booleans to kubectl; quote what was written.
                    Value::Bool(b) => spellings
                        .get(&join(&at, key))
                        .cloned()
                        .unwrap_or_else(|| b.to_string()),
                    Value::Null => String::new(),
                    Value::Array(_) | Value::Object(_) => continue,
                };
                let written = if item.is_null() {
                    "nothing".to_string()
                } else {
                    format!("`{text}`")
                };
                problems.push(Problem::error(
                    "value-not-string",
                    join(&at, key),
                    format!(
                        "values here must be strings, but YAML reads {written} as a {}; the API \
                         server rejects it. Quote it: `{key}: \"{text}\"`",
                        match item {
                            Value::Number(_) => "number",
                            Value::Bool(_) => "boolean",
                            _ => "null",
                        }
                    ),
                ));
                *item = Value::String(text);
            }
        }
    }
}

/// Deserializes `value`, reporting a type error with its field path.
pub fn deserialize<T: DeserializeOwned>(document: &mut Document, value: Value) -> Option<T> {
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(object) => Some(object),
        Err(err) => {
            let mut field = err.path().to_string();
            if field == "." {
                field.clear();
            }
            let message = err.inner().to_string();
            let (field, mut message) = explain(field, &message);
            if let Some(text) = document.yaml.yaml11_booleans.get(&field)
                && message.contains("invalid type: boolean")
            {
                let key = field.rsplit('.').next().unwrap_or(&field);
                message = format!(
                    "YAML 1.1, which kubectl uses, reads `{text}` as a boolean, but this \
                     field is a string; quote it: `{key}: \"{text}\"`"
                );
            }
            document
                .problems
                .push(Problem::error("invalid-field", field, message));
            None
        }
    }
}

/// Rewrites serde's wording into what to write instead.
fn explain(field: String, message: &str) -> (String, String) {
    if let Some(name) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        let field = if field.is_empty() {
            name.to_string()
        } else {
            format!("{field}.{name}")
        };
        return (field, "is required but missing".to_string());
    }
    let rewritten = if message.contains("expected i32") || message.contains("expected i64") {
        if message.starts_with("invalid type: string") {
            format!("must be a whole number without quotes ({message})")
        } else {
            format!("must be a whole number ({message})")
        }
    } else if message.contains("expected a boolean") {
        format!("must be `true` or `false` without quotes ({message})")
    } else if message.contains("expected a sequence") {
        format!("must be a list (items starting with `- `) ({message})")
    } else if message.contains("expected struct") || message.contains("expected a map") {
        format!("must be a mapping of fields ({message})")
    } else if message.contains("expected a string") {
        format!("must be a string; quote it ({message})")
    } else {
        message.to_string()
    };
    (field, rewritten)
}

/// Reports every field under `spec` of the input that the typed object does not keep, i.e.
/// fields the CRD's schema does not have. `schema` is the spec's JSON schema, for suggestions.
pub fn report_unknown_fields<T: Serialize>(
    document: &mut Document,
    input: &Value,
    object: &T,
    schema: &Value,
) {
    let Ok(typed) = serde_json::to_value(object) else {
        return;
    };
    let (Some(input_spec), Some(typed_spec)) = (input.get("spec"), typed.get("spec")) else {
        return;
    };
    let mut unknown = Vec::new();
    collect_unknown(
        input_spec,
        typed_spec,
        "spec".to_string(),
        Some(schema),
        &mut unknown,
    );
    for (field, key, known) in unknown {
        let hint = suggestion(&field, &key, &known);
        document.problems.push(Problem::error(
            "unknown-field",
            field,
            format!(
                "{} has no field `{key}`: the API server rejects unknown fields (kubectl \
                 --validate=strict, the default) or silently drops them{hint}",
                document.kind
            ),
        ));
    }
}

type Unknown = (String, String, Vec<String>);

fn collect_unknown(
    input: &Value,
    typed: &Value,
    at: String,
    schema: Option<&Value>,
    unknown: &mut Vec<Unknown>,
) {
    match (input, typed) {
        (Value::Object(input), Value::Object(typed)) => {
            let properties = schema.and_then(properties_of);
            for (key, item) in input {
                if item.is_null() {
                    continue;
                }
                let child_at = format!("{at}.{key}");
                match typed.get(key) {
                    None => {
                        let known = properties
                            .map(|p| p.keys().cloned().collect())
                            .unwrap_or_default();
                        unknown.push((child_at, key.clone(), known));
                    }
                    Some(typed_item) => {
                        let child_schema = properties.and_then(|p| p.get(key));
                        collect_unknown(item, typed_item, child_at, child_schema, unknown);
                    }
                }
            }
        }
        (Value::Array(input), Value::Array(typed)) => {
            let items = schema.and_then(|s| find_in_schema(s, "items"));
            for (i, (item, typed_item)) in input.iter().zip(typed).enumerate() {
                collect_unknown(item, typed_item, format!("{at}[{i}]"), items, unknown);
            }
        }
        _ => {}
    }
}

fn properties_of(schema: &Value) -> Option<&Map<String, Value>> {
    find_in_schema(schema, "properties").and_then(Value::as_object)
}

/// Finds `key` in a schema node or in one of its `anyOf`/`oneOf`/`allOf` branches.
fn find_in_schema<'a>(schema: &'a Value, key: &str) -> Option<&'a Value> {
    if let Some(found) = schema.get(key) {
        return Some(found);
    }
    ["anyOf", "oneOf", "allOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
        .find_map(|branch| find_in_schema(branch, key))
}

/// Field names people write for KEDA fields that are spelled differently.
const KNOWN_CONFUSIONS: &[(&str, &str)] = &[
    ("minReplicas", "`minReplicaCount`"),
    ("maxReplicas", "`maxReplicaCount`"),
    ("idleReplicas", "`idleReplicaCount`"),
    ("containerName", "`envSourceContainerName`"),
    (
        "behavior",
        "`advanced.horizontalPodAutoscalerConfig.behavior`",
    ),
    ("scalingModifiers", "`advanced.scalingModifiers`"),
    (
        "horizontalPodAutoscalerConfig",
        "`advanced.horizontalPodAutoscalerConfig`",
    ),
    (
        "restoreToOriginalReplicaCount",
        "`advanced.restoreToOriginalReplicaCount`",
    ),
    ("authModes", "`metadata.authModes`"),
    ("threshold", "`metadata.threshold`"),
    ("activationThreshold", "`metadata.activationThreshold`"),
    ("query", "`metadata.query`"),
    ("serverAddress", "`metadata.serverAddress`"),
    ("value", "`metadata.value`"),
];

fn suggestion(field: &str, key: &str, known: &[String]) -> String {
    if let Some((_, instead)) = KNOWN_CONFUSIONS.iter().find(|(k, _)| *k == key) {
        // Only suggest a nested place when the unknown key is not already nested there.
        if !field.ends_with(&format!("advanced.{key}")) {
            return format!("; did you mean {instead}?");
        }
    }
    let close = known.iter().find(|k| {
        k.eq_ignore_ascii_case(key) || edit_distance(&k.to_lowercase(), &key.to_lowercase()) <= 2
    });
    match close {
        Some(k) => format!("; did you mean `{k}`?"),
        None if !known.is_empty() => format!(" (fields here: {})", known.join(", ")),
        None => String::new(),
    }
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("pollinginterval", "pollinginterval"), 0);
        assert_eq!(edit_distance("pollingintervall", "pollinginterval"), 1);
        assert_eq!(edit_distance("cooldown", "cooldownperiod"), 6);
    }

    #[test]
    fn confusions_and_near_misses_get_a_suggestion() {
        let known = vec!["pollingInterval".to_string(), "cooldownPeriod".to_string()];
        assert!(suggestion("spec.minReplicas", "minReplicas", &known).contains("minReplicaCount"));
        assert!(
            suggestion("spec.pollinginterval", "pollinginterval", &known)
                .contains("`pollingInterval`")
        );
        assert!(suggestion("spec.zzz", "zzz", &known).contains("fields here"));
    }
}
