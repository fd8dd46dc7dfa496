//! Resolving a trigger's `authenticationRef` to its parameters from the manifests given on the
//! command line, the way KEDA resolves it from the cluster (`keda.md` b).
//!
//! Sources are the `--auth` files, in the order given, then the ScaledObject's own file; the
//! first matching document wins. A TriggerAuthentication is looked up in the ScaledObject's
//! namespace and reads its Secrets and ConfigMaps there; a ClusterTriggerAuthentication reads
//! them from KEDA's namespace (`keda`). A document without `metadata.namespace` matches any
//! namespace, as `kubectl apply -n` would place it.
//!
//! Unlike KEDA, which logs a missing TriggerAuthentication, Secret or key and lets the scaler
//! fail on an empty parameter, every missing piece is an error naming the document to add.
//! Sources that need the cluster or a cloud (`env`, `podIdentity`, Vault, secret managers,
//! OAuth2, bound service account tokens) are errors that say so. Parameter values are
//! credentials: they are never printed, and errors only name keys.

use std::fmt;

use swell_api::k8s::{ConfigMap, Secret};
use swell_api::keda::trigger_authentication::TargetRef;
use swell_api::keda::{AuthenticationRef, TriggerAuthenticationSpec};
use swell_api::load::{Document, LoadedFile, Object};
use swell_api::problem::Severity;
use swell_core::trigger::AuthParams;

/// The namespace KEDA reads a ClusterTriggerAuthentication's Secrets from by default
/// (`KEDA_CLUSTER_OBJECT_NAMESPACE`, else the operator's namespace).
pub const KEDA_NAMESPACE: &str = "keda";

/// Why a trigger's parameters could not be resolved. The message says what to pass or change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthError(String);

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AuthError {}

/// Every document that can feed a trigger's parameters, in lookup order.
#[derive(Debug, Default)]
pub struct AuthSources<'a> {
    documents: Vec<&'a Document>,
    /// The files searched, for messages.
    files: Vec<String>,
}

impl<'a> AuthSources<'a> {
    /// Searches `files` in order (the `--auth` files first, then the ScaledObject's file).
    pub fn new(files: &'a [LoadedFile]) -> Self {
        AuthSources {
            documents: files.iter().flat_map(|f| f.documents.iter()).collect(),
            files: files.iter().map(|f| f.file.clone()).collect(),
        }
    }

    /// The parameters `auth_ref` provides to a trigger of a ScaledObject in `namespace`.
    pub fn resolve(
        &self,
        namespace: Option<&str>,
        auth_ref: &AuthenticationRef,
    ) -> Result<AuthParams, AuthError> {
        let cluster = auth_ref.is_cluster();
        let kind = if cluster {
            "ClusterTriggerAuthentication"
        } else {
            "TriggerAuthentication"
        };
        let wanted_namespace = if cluster { None } else { namespace };
        let document = self.find(kind, &auth_ref.name, wanted_namespace)?;
        let spec = match &document.object {
            Some(Object::TriggerAuthentication(ta)) => &ta.spec,
            Some(Object::ClusterTriggerAuthentication(cta)) => &cta.spec.0,
            _ => return Err(invalid_document(document)),
        };
        let label = format!("{kind} `{}`", auth_ref.name);

        // Secrets of a TriggerAuthentication live in its own namespace; those of a
        // ClusterTriggerAuthentication in KEDA's.
        let secret_namespace = if cluster {
            Some(KEDA_NAMESPACE)
        } else {
            document.namespace.as_deref().or(namespace)
        };
        self.parameters(spec, &label, secret_namespace)
    }

    /// Applies the sources of `spec` in KEDA's order (env, ConfigMaps, Secrets, the rest);
    /// later sources win for the same parameter.
    fn parameters(
        &self,
        spec: &TriggerAuthenticationSpec,
        label: &str,
        namespace: Option<&str>,
    ) -> Result<AuthParams, AuthError> {
        if let Some(env) = spec.env.as_ref().filter(|e| !e.is_empty()) {
            let parameters: Vec<&str> = env.iter().map(|e| e.parameter.as_str()).collect();
            return Err(AuthError(format!(
                "{label} reads parameter(s) {} from the scale target's container environment \
                 (`env`), which only exists in the cluster; to run swell query locally, put \
                 the values in a Secret, reference it with `secretTargetRef`, and pass the \
                 Secret's file with --auth",
                quoted(&parameters)
            )));
        }
        if let Some(identity) = &spec.pod_identity
            && !matches!(identity.provider.as_str(), "" | "none")
        {
            return Err(AuthError(format!(
                "{label} uses `podIdentity` provider `{}`, which needs the cloud's workload \
                 identity inside the cluster; swell query cannot use it locally",
                identity.provider
            )));
        }
        if let Some(source) = spec.unsupported_sources().first() {
            return Err(AuthError(format!(
                "{label} reads parameters from `{source}`, which swell does not resolve; copy \
                 the values into a Secret, reference it with `secretTargetRef`, and pass the \
                 Secret's file with --auth"
            )));
        }

        let mut params = AuthParams::new();
        for (index, target) in spec.config_map_target_ref.iter().flatten().enumerate() {
            let field = format!("configMapTargetRef[{index}]");
            let value = self.config_map_value(target, label, &field, namespace)?;
            params.insert(target.parameter.clone(), value);
        }
        for (index, target) in spec.secret_target_ref.iter().flatten().enumerate() {
            let field = format!("secretTargetRef[{index}]");
            let value = self.secret_value(target, label, &field, namespace)?;
            params.insert(target.parameter.clone(), value);
        }
        Ok(params)
    }

    fn secret_value(
        &self,
        target: &TargetRef,
        label: &str,
        field: &str,
        namespace: Option<&str>,
    ) -> Result<String, AuthError> {
        let document = self
            .find("Secret", &target.name, namespace)
            .map_err(|e| AuthError(format!("{label} `{field}`: {e}")))?;
        let Some(Object::Secret(secret)) = &document.object else {
            return Err(invalid_document(document));
        };
        let secret: &Secret = secret;
        match secret.value(&target.key) {
            Some(Ok(value)) => Ok(value),
            Some(Err(why)) => Err(AuthError(format!(
                "Secret `{}` key `{}` ({}, document {}) {why}",
                target.name, target.key, document.file, document.index
            ))),
            None => Err(AuthError(format!(
                "{label} `{field}` names key `{}` of Secret `{}`, but the Secret has {}; fix \
                 the key in the TriggerAuthentication or add it to the Secret",
                target.key,
                target.name,
                keys_phrase(secret_keys(secret))
            ))),
        }
    }

    fn config_map_value(
        &self,
        target: &TargetRef,
        label: &str,
        field: &str,
        namespace: Option<&str>,
    ) -> Result<String, AuthError> {
        let document = self
            .find("ConfigMap", &target.name, namespace)
            .map_err(|e| AuthError(format!("{label} `{field}`: {e}")))?;
        let Some(Object::ConfigMap(config_map)) = &document.object else {
            return Err(invalid_document(document));
        };
        let config_map: &ConfigMap = config_map;
        let data = config_map.data.as_ref();
        match data.and_then(|d| d.get(&target.key)) {
            Some(value) => Ok(value.clone()),
            None => Err(AuthError(format!(
                "{label} `{field}` names key `{}` of ConfigMap `{}`, but the ConfigMap has {}",
                target.key,
                target.name,
                keys_phrase(
                    data.map(|d| d.keys().cloned().collect())
                        .unwrap_or_default()
                )
            ))),
        }
    }

    /// The first document of `kind` named `name` whose namespace is compatible.
    fn find(
        &self,
        kind: &str,
        name: &str,
        namespace: Option<&str>,
    ) -> Result<&'a Document, AuthError> {
        let named: Vec<&'a Document> = self
            .documents
            .iter()
            .copied()
            .filter(|d| d.kind == kind && d.name == name)
            .collect();
        let compatible = |d: &Document| match (d.namespace.as_deref(), namespace) {
            (Some(have), Some(want)) => have == want,
            _ => true,
        };
        if let Some(found) = named.iter().find(|d| compatible(d)) {
            return Ok(*found);
        }
        let searched = self.files.join(", ");
        let elsewhere: Vec<String> = named
            .iter()
            .filter_map(|d| d.namespace.clone())
            .map(|ns| format!("`{ns}`"))
            .collect();
        let in_namespace = namespace
            .map(|ns| format!(" in namespace `{ns}`"))
            .unwrap_or_default();
        let hint = if elsewhere.is_empty() {
            format!("pass the file that holds it with --auth (searched: {searched})")
        } else {
            format!(
                "the files hold one in namespace {} only; fix `metadata.namespace`",
                elsewhere.join(", ")
            )
        };
        Err(AuthError(format!(
            "{kind} `{name}`{in_namespace} not found: {hint}"
        )))
    }
}

fn invalid_document(document: &Document) -> AuthError {
    let problems: Vec<String> = document
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| match document.line_of(&p.field) {
            Some(line) => format!("line {line}: {p}"),
            None => p.to_string(),
        })
        .collect();
    AuthError(format!(
        "{} `{}` ({}, document {}) is invalid: {}",
        document.kind,
        document.name,
        document.file,
        document.index,
        problems.join("; ")
    ))
}

fn secret_keys(secret: &Secret) -> Vec<String> {
    let mut keys: Vec<String> = [&secret.data, &secret.string_data]
        .into_iter()
        .flatten()
        .flat_map(|m| m.keys().cloned())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn keys_phrase(keys: Vec<String>) -> String {
    if keys.is_empty() {
        "no keys".to_string()
    } else {
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        format!("only {}", quoted(&keys))
    }
}

fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
