//! The built-in Kubernetes objects `swell check` looks at next to the autoscaling manifests:
//! Secrets and ConfigMaps (TriggerAuthentication references), Deployments and StatefulSets
//! (scale targets, their resource requests and environment), HPAs (conflicts), and RBAC roles.
//!
//! These are minimal mirrors holding only the fields the checks read, so that a partial or
//! slightly unusual manifest still loads; unknown fields are ignored, as kubectl would not be
//! the judge of them here.

use std::collections::BTreeMap;

use base64::Engine;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

/// `v1 Secret`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    /// Name, namespace, labels, annotations.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Base64-encoded values.
    #[serde(default)]
    pub data: Option<BTreeMap<String, String>>,
    /// Plain values (merged into `data` by the API server, winning over it).
    #[serde(default)]
    pub string_data: Option<BTreeMap<String, String>>,
}

impl Secret {
    /// The decoded value of `key`: `stringData` wins, then base64-decoded `data`. `Err` holds a
    /// message when `data[key]` is not valid base64 or not UTF-8.
    pub fn value(&self, key: &str) -> Option<Result<String, String>> {
        if let Some(value) = self.string_data.as_ref().and_then(|d| d.get(key)) {
            return Some(Ok(value.clone()));
        }
        let encoded = self.data.as_ref()?.get(key)?;
        Some(decode_base64(encoded))
    }

    /// Whether `key` exists in `data` or `stringData`.
    pub fn has_key(&self, key: &str) -> bool {
        [&self.data, &self.string_data]
            .iter()
            .any(|m| m.as_ref().is_some_and(|m| m.contains_key(key)))
    }
}

fn decode_base64(encoded: &str) -> Result<String, String> {
    let cleaned: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .map_err(|e| format!("is not valid base64 ({e}); put plain text under `stringData`"))?;
    String::from_utf8(bytes).map_err(|_| "does not decode to UTF-8 text".to_string())
}

/// `v1 ConfigMap`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigMap {
    /// Name, namespace, labels, annotations.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Plain values.
    #[serde(default)]
    pub data: Option<BTreeMap<String, String>>,
}

/// `apps/v1 Deployment` or `StatefulSet`: the scale target.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Workload {
    /// `Deployment` or `StatefulSet`.
    #[serde(default)]
    pub kind: String,
    /// Name, namespace, labels, annotations.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The parts of the spec the checks read.
    #[serde(default)]
    pub spec: WorkloadSpec,
}

/// The parts of a Deployment/StatefulSet spec the checks read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkloadSpec {
    /// `spec.replicas`.
    #[serde(default)]
    pub replicas: Option<i32>,
    /// `spec.template`.
    #[serde(default)]
    pub template: PodTemplate,
}

/// `spec.template`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PodTemplate {
    /// `spec.template.spec`.
    #[serde(default)]
    pub spec: PodSpec,
}

/// A pod spec, reduced to its containers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PodSpec {
    /// The containers.
    #[serde(default)]
    pub containers: Vec<Container>,
}

/// One container.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    /// Container name.
    #[serde(default)]
    pub name: String,
    /// Requests and limits.
    #[serde(default)]
    pub resources: Option<Resources>,
    /// `env`.
    #[serde(default)]
    pub env: Option<Vec<EnvVar>>,
    /// `envFrom`.
    #[serde(default)]
    pub env_from: Option<Vec<EnvFromSource>>,
}

/// `resources`: quantities kept as text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Resources {
    /// `requests`.
    #[serde(default)]
    pub requests: Option<BTreeMap<String, crate::quantity::Quantity>>,
    /// `limits`.
    #[serde(default)]
    pub limits: Option<BTreeMap<String, crate::quantity::Quantity>>,
}

impl Container {
    /// Whether the container requests (or limits, which default the request) more than zero of
    /// `resource` (`cpu` or `memory`).
    pub fn has_resource(&self, resource: &str) -> bool {
        let Some(resources) = &self.resources else {
            return false;
        };
        [&resources.requests, &resources.limits].iter().any(|m| {
            m.as_ref()
                .and_then(|m| m.get(resource))
                .and_then(|q| q.to_f64())
                .is_some_and(|v| v > 0.0)
        })
    }
}

/// One `env` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVar {
    /// Variable name.
    pub name: String,
    /// Literal value.
    #[serde(default)]
    pub value: Option<String>,
    /// Value from a Secret or ConfigMap key.
    #[serde(default)]
    pub value_from: Option<EnvVarSource>,
}

/// `env[].valueFrom`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVarSource {
    /// `secretKeyRef`.
    #[serde(default)]
    pub secret_key_ref: Option<KeyRef>,
    /// `configMapKeyRef`.
    #[serde(default)]
    pub config_map_key_ref: Option<KeyRef>,
}

/// A `{name, key}` reference.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyRef {
    /// Object name.
    #[serde(default)]
    pub name: String,
    /// Key inside it.
    #[serde(default)]
    pub key: String,
}

/// One `envFrom` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvFromSource {
    /// Prepended to every key.
    #[serde(default)]
    pub prefix: Option<String>,
    /// `secretRef`.
    #[serde(default)]
    pub secret_ref: Option<NameRef>,
    /// `configMapRef`.
    #[serde(default)]
    pub config_map_ref: Option<NameRef>,
}

/// A `{name}` reference.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NameRef {
    /// Object name.
    #[serde(default)]
    pub name: String,
}

/// `autoscaling/v2` (or v1) HorizontalPodAutoscaler, reduced to its target.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hpa {
    /// Name, namespace, owner references, annotations.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// `spec`.
    #[serde(default)]
    pub spec: HpaSpec,
}

/// The HPA spec, reduced to its target.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HpaSpec {
    /// `scaleTargetRef`.
    #[serde(default)]
    pub scale_target_ref: CrossVersionObjectReference,
}

/// `scaleTargetRef` of an HPA.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrossVersionObjectReference {
    /// API version, e.g. `apps/v1`.
    #[serde(default)]
    pub api_version: Option<String>,
    /// Kind, e.g. `Deployment`.
    #[serde(default)]
    pub kind: String,
    /// Name.
    #[serde(default)]
    pub name: String,
}

/// `Role` or `ClusterRole`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Role {
    /// `Role` or `ClusterRole`.
    #[serde(default)]
    pub kind: String,
    /// Name (and namespace for a Role).
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The rules.
    #[serde(default)]
    pub rules: Option<Vec<PolicyRule>>,
}

/// One RBAC rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    /// API groups; `*` is every group.
    #[serde(default)]
    pub api_groups: Option<Vec<String>>,
    /// Resources; `*` is every resource.
    #[serde(default)]
    pub resources: Option<Vec<String>>,
    /// Verbs; `*` is every verb.
    #[serde(default)]
    pub verbs: Vec<String>,
    /// Restricts the rule to these object names.
    #[serde(default)]
    pub resource_names: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_prefer_string_data_and_decode_base64() {
        let secret = Secret {
            data: Some(BTreeMap::from([
                ("username".to_string(), "YWRtaW4=".to_string()),
                ("password".to_string(), "not base64!".to_string()),
                ("both".to_string(), "b2xk".to_string()),
            ])),
            string_data: Some(BTreeMap::from([("both".to_string(), "new".to_string())])),
            ..Default::default()
        };
        assert_eq!(secret.value("username"), Some(Ok("admin".to_string())));
        assert!(matches!(secret.value("password"), Some(Err(_))));
        assert_eq!(secret.value("both"), Some(Ok("new".to_string())));
        assert_eq!(secret.value("missing"), None);
        assert!(secret.has_key("both"));
    }

    #[test]
    fn resource_requests_or_limits_count() {
        let container: Container = serde_json::from_value(serde_json::json!({
            "name": "vllm",
            "resources": {"requests": {"memory": "8Gi"}, "limits": {"cpu": 4, "memory": "0"}}
        }))
        .unwrap();
        assert!(container.has_resource("cpu"));
        assert!(container.has_resource("memory"));
        assert!(!Container::default().has_resource("cpu"));
    }
}
