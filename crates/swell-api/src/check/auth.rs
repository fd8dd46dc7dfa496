//! TriggerAuthentications and the names that tie them together: a trigger's
//! `authenticationRef` → a (Cluster)TriggerAuthentication → the Secrets and ConfigMaps it
//! reads. A name that points at nothing is checked only when the inputs hold objects of that
//! kind (the object may exist in the cluster otherwise). Also: KEDA's admission rules for
//! TriggerAuthentications, and the credential sources swell does not resolve.

use serde_json::Value;
use swell_core::trigger::AuthParams;

use crate::check::{Inputs, same_namespace};
use crate::k8s::{ConfigMap, Secret};
use crate::keda::scaled_object::AuthenticationRef;
use crate::keda::trigger_authentication::TargetRef;
use crate::keda::{ClusterTriggerAuthentication, TriggerAuthentication, TriggerAuthenticationSpec};
use crate::load::{Document, Object};
use crate::problem::Problem;

/// Stand-in for a parameter whose value is not in the inputs (only its presence matters).
const PRESENT: &str = "value-from-trigger-authentication";

/// The TriggerAuthentication a reference points to, when the inputs hold it.
pub fn find_spec<'a>(
    reference: &AuthenticationRef,
    namespace: Option<&str>,
    inputs: &Inputs<'a>,
) -> Option<(&'a Document, &'a TriggerAuthenticationSpec)> {
    if reference.is_cluster() {
        inputs
            .objects(|o| match o {
                Object::ClusterTriggerAuthentication(c) => Some(&**c),
                _ => None,
            })
            .into_iter()
            .find(|(d, _)| d.name == reference.name)
            .map(|(d, c): (_, &ClusterTriggerAuthentication)| (d, &c.spec.0))
    } else {
        inputs
            .objects(|o| match o {
                Object::TriggerAuthentication(t) => Some(&**t),
                _ => None,
            })
            .into_iter()
            .find(|(d, _)| {
                d.name == reference.name && same_namespace(d.namespace.as_deref(), namespace)
            })
            .map(|(d, t): (_, &TriggerAuthentication)| (d, &t.spec))
    }
}

/// The parameters a referenced TriggerAuthentication provides, with the Secret values found in
/// the inputs (stand-ins otherwise); `None` when the inputs do not hold it.
pub fn resolve_params(
    reference: Option<&AuthenticationRef>,
    namespace: Option<&str>,
    inputs: &Inputs<'_>,
) -> Option<AuthParams> {
    let reference = reference?;
    let (document, spec) = find_spec(reference, namespace, inputs)?;
    let secret_namespace = if reference.is_cluster() {
        None
    } else {
        document.namespace.as_deref().or(namespace)
    };
    let mut params = AuthParams::new();
    for entry in spec.env.iter().flatten() {
        params.insert(entry.parameter.clone(), PRESENT.to_string());
    }
    for entry in spec.config_map_target_ref.iter().flatten() {
        let value = find_config_map(&entry.name, secret_namespace, inputs)
            .and_then(|c| c.data.as_ref()?.get(&entry.key).cloned());
        params.insert(
            entry.parameter.clone(),
            value.unwrap_or_else(|| PRESENT.to_string()),
        );
    }
    for entry in spec.secret_target_ref.iter().flatten() {
        let value = find_secret(&entry.name, secret_namespace, inputs)
            .and_then(|s| s.value(&entry.key))
            .and_then(Result::ok);
        params.insert(
            entry.parameter.clone(),
            value.unwrap_or_else(|| PRESENT.to_string()),
        );
    }
    let stores = [
        &spec.hashi_corp_vault,
        &spec.azure_key_vault,
        &spec.gcp_secret_manager,
        &spec.aws_secret_manager,
    ];
    for store in stores.into_iter().flatten() {
        for parameter in store.parameters() {
            params.insert(parameter, PRESENT.to_string());
        }
    }
    for token in spec.bound_service_account_token.iter().flatten() {
        params.insert(token.parameter.clone(), PRESENT.to_string());
    }
    if spec.oauth2.is_some() {
        for key in ["oauthTokenURI", "clientID", "clientSecret", "scopes"] {
            params.insert(key.to_string(), PRESENT.to_string());
        }
    }
    Some(params)
}

/// A warning when a trigger names a TriggerAuthentication that the inputs do not hold, while
/// they hold others of that kind (a typo, or a name changed in one place only).
pub fn check_reference(
    reference: &AuthenticationRef,
    field: &str,
    namespace: Option<&str>,
    inputs: &Inputs<'_>,
) -> Option<Problem> {
    if find_spec(reference, namespace, inputs).is_some() {
        return None;
    }
    let kind = if reference.is_cluster() {
        "ClusterTriggerAuthentication"
    } else {
        "TriggerAuthentication"
    };
    let present: Vec<&str> = inputs
        .documents
        .iter()
        .filter(|d| d.kind == kind)
        .filter(|d| reference.is_cluster() || same_namespace(d.namespace.as_deref(), namespace))
        .map(|d| d.name.as_str())
        .collect();
    if present.is_empty() {
        return None;
    }
    Some(Problem::warning(
        "missing-trigger-authentication",
        format!("{field}.name"),
        format!(
            "{kind} `{}` is not among the inputs, which hold {kind} {}; KEDA would find no \
             credentials and the trigger would fail. Make the names match",
            reference.name,
            quoted_list(&present)
        ),
    ))
}

/// KEDA's admission rules for a (Cluster)TriggerAuthentication, the sources swell cannot
/// resolve, and the Secrets and ConfigMaps it names.
pub fn check_trigger_authentication(
    spec: &TriggerAuthenticationSpec,
    cluster: bool,
    document: &Document,
    inputs: &Inputs<'_>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let raw = document
        .yaml
        .value
        .get("spec")
        .cloned()
        .unwrap_or(Value::Null);
    let written = |key: &str| match raw.get(key) {
        None | Some(Value::Null) => false,
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Object(map)) => !map.is_empty(),
        Some(Value::String(text)) => !text.is_empty(),
        Some(_) => true,
    };
    if ![
        "podIdentity",
        "secretTargetRef",
        "configMapTargetRef",
        "env",
        "hashiCorpVault",
        "azureKeyVault",
        "gcpSecretManager",
        "awsSecretManager",
        "boundServiceAccountToken",
        "oauth2",
        "filePath",
    ]
    .iter()
    .any(|k| written(k))
    {
        problems.push(Problem::warning(
            "empty-trigger-authentication",
            "spec",
            "provides no parameters; add `secretTargetRef` entries mapping Secret keys to \
             parameters such as `username` and `password`",
        ));
    }

    if spec.file_path.is_some() && !cluster {
        problems.push(Problem::error(
            "invalid-trigger-authentication",
            "spec.filePath",
            "`filePath` is only allowed in a ClusterTriggerAuthentication",
        ));
    }
    for source in spec.unsupported_sources() {
        problems.push(Problem::warning(
            "unsupported-auth-source",
            format!("spec.{source}"),
            format!(
                "swell does not resolve `{source}` yet (KEDA does); triggers using these \
                 parameters will report them missing. Use `secretTargetRef` with a Secret"
            ),
        ));
    }
    check_pod_identity(spec, &mut problems);
    check_oauth2(&raw, &mut problems);

    let namespace = if cluster {
        None
    } else {
        document.namespace.as_deref()
    };
    for (i, entry) in spec.secret_target_ref.iter().flatten().enumerate() {
        let field = format!("spec.secretTargetRef[{i}]");
        check_secret_ref(entry, &field, namespace, cluster, inputs, &mut problems);
    }
    for (i, entry) in spec.config_map_target_ref.iter().flatten().enumerate() {
        let field = format!("spec.configMapTargetRef[{i}]");
        check_config_map_ref(entry, &field, namespace, cluster, inputs, &mut problems);
    }
    problems
}

fn check_pod_identity(spec: &TriggerAuthenticationSpec, problems: &mut Vec<Problem>) {
    let Some(identity) = &spec.pod_identity else {
        return;
    };
    let at = "spec.podIdentity";
    match identity.provider.as_str() {
        "" | "none" => {}
        "azure-workload" | "gcp" | "aws" | "aws-eks" => problems.push(Problem::warning(
            "unsupported-auth-source",
            format!("{at}.provider"),
            format!(
                "swell does not support pod identity `{}` yet (KEDA does); requests are sent \
                 without it",
                identity.provider
            ),
        )),
        other => problems.push(Problem::error(
            "invalid-trigger-authentication",
            format!("{at}.provider"),
            format!("must be one of none, azure-workload, gcp, aws, aws-eks; got `{other}`"),
        )),
    }
    let mut error = |field: &str, message: &str| {
        problems.push(Problem::error(
            "invalid-trigger-authentication",
            format!("{at}.{field}"),
            message,
        ));
    };
    if identity.provider == "azure-workload" && identity.identity_id.as_deref() == Some("") {
        error(
            "identityId",
            "must not be empty when written; remove it or set the client id",
        );
    }
    if identity.identity_authority_host.is_some()
        && identity
            .identity_tenant_id
            .as_deref()
            .unwrap_or("")
            .is_empty()
    {
        error(
            "identityTenantId",
            "is required when `identityAuthorityHost` is set",
        );
    }
    if identity.role_arn.is_some() && identity.identity_owner.as_deref() == Some("workload") {
        error("roleArn", "is not allowed with `identityOwner: workload`");
    }
    if identity.external_id.is_some() && identity.role_arn.as_deref().unwrap_or("").is_empty() {
        error("externalID", "needs `roleArn`");
    }
}

fn check_oauth2(raw_spec: &Value, problems: &mut Vec<Problem>) {
    let Some(oauth2) = raw_spec.get("oauth2").filter(|v| !v.is_null()) else {
        return;
    };
    let text = |key: &str| oauth2.get(key).and_then(Value::as_str).unwrap_or("");
    let mut error = |field: &str, message: String| {
        problems.push(Problem::error(
            "invalid-trigger-authentication",
            format!("spec.oauth2.{field}"),
            message,
        ));
    };
    if text("type") != "clientCredentials" {
        error(
            "type",
            format!("must be `clientCredentials`, got `{}`", text("type")),
        );
    }
    if text("clientId").is_empty() {
        error("clientId", "is required".to_string());
    }
    let url = text("tokenUrl");
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .map(|rest| rest.split(['/', '?']).next().unwrap_or(""));
    if host.is_none_or(str::is_empty) {
        error(
            "tokenUrl",
            format!("must be an http(s) URL with a host, got `{url}`"),
        );
    }
}

fn check_secret_ref(
    entry: &TargetRef,
    field: &str,
    namespace: Option<&str>,
    cluster: bool,
    inputs: &Inputs<'_>,
    problems: &mut Vec<Problem>,
) {
    match find_secret(&entry.name, namespace, inputs) {
        Some(secret) => match secret.value(&entry.key) {
            None => problems.push(Problem::error(
                "missing-secret-key",
                format!("{field}.key"),
                format!(
                    "Secret `{}` has no key `{}` (it has {}); KEDA would read an empty `{}` \
                     parameter",
                    entry.name,
                    entry.key,
                    quoted_list(&secret_keys(secret)),
                    entry.parameter
                ),
            )),
            Some(Err(why)) => problems.push(Problem::error(
                "invalid-secret-value",
                format!("{field}.key"),
                format!("Secret `{}` key `{}` {why}", entry.name, entry.key),
            )),
            Some(Ok(_)) => {}
        },
        None => problems.extend(missing_object(
            "Secret",
            "missing-secret",
            &entry.name,
            &format!("{field}.name"),
            namespace,
            cluster,
            inputs,
        )),
    }
}

fn check_config_map_ref(
    entry: &TargetRef,
    field: &str,
    namespace: Option<&str>,
    cluster: bool,
    inputs: &Inputs<'_>,
    problems: &mut Vec<Problem>,
) {
    match find_config_map(&entry.name, namespace, inputs) {
        // KEDA reads `data` only: a key under `binaryData` is as absent as a missing one.
        Some(config_map) => {
            let keys: Vec<&str> = config_map
                .data
                .iter()
                .flat_map(|d| d.keys().map(String::as_str))
                .collect();
            if !keys.contains(&entry.key.as_str()) {
                problems.push(Problem::error(
                    "missing-config-map-key",
                    format!("{field}.key"),
                    format!(
                        "ConfigMap `{}` has no key `{}` under `data` (it has {}); KEDA would \
                         read an empty `{}` parameter",
                        entry.name,
                        entry.key,
                        quoted_list(&keys),
                        entry.parameter
                    ),
                ));
            }
        }
        None => problems.extend(missing_object(
            "ConfigMap",
            "missing-config-map",
            &entry.name,
            &format!("{field}.name"),
            namespace,
            cluster,
            inputs,
        )),
    }
}

/// The warning for a Secret or ConfigMap named `name` that the inputs do not hold in
/// `namespace`: one of that name is in another namespace (a TriggerAuthentication reads only
/// its own), or the inputs hold others of that kind. Nothing when they hold none at all, as
/// the object may well exist in the cluster.
fn missing_object(
    kind: &str,
    code: &'static str,
    name: &str,
    field: &str,
    namespace: Option<&str>,
    cluster: bool,
    inputs: &Inputs<'_>,
) -> Option<Problem> {
    let elsewhere = inputs
        .documents
        .iter()
        .find(|d| d.kind == kind && d.name == name && d.namespace.as_deref() != namespace);
    if let (Some(other), false) = (elsewhere, cluster) {
        return Some(Problem::warning(
            code,
            field,
            format!(
                "{kind} `{name}` is in namespace `{}`, but a TriggerAuthentication reads \
                 {kind}s from its own namespace (`{}`); copy the {kind} there",
                other.namespace.as_deref().unwrap_or("default"),
                namespace.unwrap_or("default")
            ),
        ));
    }

    let present = names_of(inputs, kind, namespace);
    if present.is_empty() {
        return None;
    }
    let where_ = if cluster {
        format!(" (a ClusterTriggerAuthentication reads {kind}s from KEDA's own namespace)")
    } else {
        String::new()
    };
    Some(Problem::warning(
        code,
        field,
        format!(
            "{kind} `{name}` is not among the inputs, which hold {kind} {}{where_}; make the \
             names match or create the {kind}",
            quoted_list(&present)
        ),
    ))
}

fn find_secret<'a>(name: &str, namespace: Option<&str>, inputs: &Inputs<'a>) -> Option<&'a Secret> {
    inputs
        .objects(|o| match o {
            Object::Secret(s) => Some(&**s),
            _ => None,
        })
        .into_iter()
        .find(|(d, _)| d.name == name && same_namespace(d.namespace.as_deref(), namespace))
        .map(|(_, s)| s)
}

fn find_config_map<'a>(
    name: &str,
    namespace: Option<&str>,
    inputs: &Inputs<'a>,
) -> Option<&'a ConfigMap> {
    inputs
        .objects(|o| match o {
            Object::ConfigMap(c) => Some(&**c),
            _ => None,
        })
        .into_iter()
        .find(|(d, _)| d.name == name && same_namespace(d.namespace.as_deref(), namespace))
        .map(|(_, c)| c)
}

fn names_of<'a>(inputs: &Inputs<'a>, kind: &str, namespace: Option<&str>) -> Vec<&'a str> {
    inputs
        .documents
        .iter()
        .filter(|d| d.kind == kind && same_namespace(d.namespace.as_deref(), namespace))
        .map(|d| d.name.as_str())
        .collect()
}

fn secret_keys(secret: &Secret) -> Vec<&str> {
    let mut keys: Vec<&str> = [&secret.data, &secret.string_data]
        .into_iter()
        .flatten()
        .flat_map(|m| m.keys().map(String::as_str))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

fn quoted_list(names: &[&str]) -> String {
    if names.is_empty() {
        return "no keys".to_string();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{check_texts, codes};
    use crate::problem::Severity;

    const TA: &str = "apiVersion: keda.sh/v1alpha1\nkind: TriggerAuthentication\nmetadata:\n  \
                      name: prom-auth\n  namespace: llm\nspec:\n";

    fn secret(name: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: llm\n\
             stringData:\n  username: u\n  password: p\n"
        )
    }

    fn config_map(name: &str, namespace: &str) -> String {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: \
             {namespace}\ndata:\n  service-ca.crt: pem\n"
        )
    }

    #[test]
    fn trigger_authentication_rules() {
        let secret_ref = "  secretTargetRef:\n  - {parameter: username, name: prom-secret, key: ";
        let config_map_ref = "  configMapTargetRef:\n  - {parameter: ca, name: prom-ca, key: ";
        let cases: Vec<(String, Severity, &str, &str)> = vec![
            (
                format!("{TA}  secretTargetRef: []\n"),
                Severity::Warning,
                "empty-trigger-authentication",
                "spec",
            ),
            (
                format!("{TA}  filePath: creds.json\n"),
                Severity::Error,
                "invalid-trigger-authentication",
                "spec.filePath",
            ),
            (
                format!("{TA}  hashiCorpVault:\n    address: http://vault:8200\n"),
                Severity::Warning,
                "unsupported-auth-source",
                "spec.hashiCorpVault",
            ),
            (
                format!("{TA}  podIdentity:\n    provider: aws\n"),
                Severity::Warning,
                "unsupported-auth-source",
                "spec.podIdentity.provider",
            ),
            (
                format!("{TA}  podIdentity:\n    provider: aws\n    externalID: x\n"),
                Severity::Error,
                "invalid-trigger-authentication",
                "spec.podIdentity.externalID",
            ),
            (
                format!(
                    "{TA}  oauth2:\n    type: password\n    clientId: c\n    tokenUrl: https://idp/token\n"
                ),
                Severity::Error,
                "invalid-trigger-authentication",
                "spec.oauth2.type",
            ),
            (
                format!("{TA}{secret_ref}user}}\n---\n{}", secret("prom-secret")),
                Severity::Error,
                "missing-secret-key",
                "spec.secretTargetRef[0].key",
            ),
            (
                format!(
                    "{TA}{secret_ref}username}}\n---\n{}",
                    secret("prom-basic-auth")
                ),
                Severity::Warning,
                "missing-secret",
                "spec.secretTargetRef[0].name",
            ),
            (
                format!(
                    "{TA}{secret_ref}username}}\n---\n{}",
                    secret("prom-secret").replace(
                        "stringData:\n  username: u",
                        "data:\n  username: keda-reader"
                    )
                ),
                Severity::Error,
                "invalid-secret-value",
                "spec.secretTargetRef[0].key",
            ),
            (
                format!(
                    "{TA}{config_map_ref}ca.crt}}\n---\n{}",
                    config_map("prom-ca", "llm")
                ),
                Severity::Error,
                "missing-config-map-key",
                "spec.configMapTargetRef[0].key",
            ),
            (
                format!(
                    "{TA}{config_map_ref}service-ca.crt}}\n---\n{}",
                    config_map("prom-ca-bundle", "llm")
                ),
                Severity::Warning,
                "missing-config-map",
                "spec.configMapTargetRef[0].name",
            ),
            (
                format!(
                    "{TA}{config_map_ref}service-ca.crt}}\n---\n{}",
                    config_map("prom-ca", "monitoring")
                ),
                Severity::Warning,
                "missing-config-map",
                "spec.configMapTargetRef[0].name",
            ),
        ];
        for (text, severity, code, field) in cases {
            let found = codes(&text);
            assert!(
                found
                    .iter()
                    .any(|(s, c, f)| *s == severity && *c == code && f == field),
                "want {code} at {field} in\n{text}\ngot {found:?}"
            );
        }
    }

    #[test]
    fn matching_names_and_absent_kinds_are_quiet() {
        let ok = format!(
            "{TA}  secretTargetRef:\n  - {{parameter: username, name: prom-secret, key: username}}\n---\n{}",
            secret("prom-secret")
        );
        assert_eq!(codes(&ok), vec![]);
        // No Secret in the inputs at all: it may exist in the cluster.
        let alone = format!(
            "{TA}  secretTargetRef:\n  - {{parameter: username, name: prom-secret, key: username}}\n"
        );
        assert_eq!(codes(&alone), vec![]);
    }

    #[test]
    fn a_missing_config_map_key_lists_the_keys_it_has() {
        let text = format!(
            "{TA}  configMapTargetRef:\n  - {{parameter: ca, name: prom-ca, key: ca.crt}}\n---\n{}",
            config_map("prom-ca", "llm")
        );
        let findings = check_texts(&[("t.yaml", &text)]);
        assert!(
            findings[0].message.contains("(it has `service-ca.crt`)"),
            "{findings:?}"
        );
    }

    #[test]
    fn secrets_in_another_namespace_do_not_match() {
        let text = format!(
            "{TA}  secretTargetRef:\n  - {{parameter: username, name: prom-secret, key: username}}\n---\n{}",
            secret("prom-secret").replace("namespace: llm", "namespace: monitoring")
        );
        let findings = check_texts(&[("t.yaml", &text)]);
        assert!(
            findings.iter().any(|f| f.code == "missing-secret"),
            "{findings:?}"
        );
    }
}
