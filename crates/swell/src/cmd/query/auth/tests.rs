//! Resolving `authenticationRef` from manifests: found, missing, wrong namespace, unsupported.

use swell_api::keda::AuthenticationRef;
use swell_api::load::load_str;

use super::*;

const AUTH: &str = r#"
apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata: {name: prom-basic-auth, namespace: serving}
spec:
  secretTargetRef:
  - {parameter: username, name: prom-basic-auth-secret, key: username}
  - {parameter: password, name: prom-basic-auth-secret, key: password}
---
apiVersion: v1
kind: Secret
metadata: {name: prom-basic-auth-secret, namespace: serving}
data:
  username: cHJvbQ==
stringData:
  password: s3cret
"#;

fn reference(name: &str) -> AuthenticationRef {
    AuthenticationRef {
        name: name.to_string(),
        kind: None,
    }
}

fn resolve(
    files: &[(&str, &str)],
    namespace: Option<&str>,
    auth_ref: &AuthenticationRef,
) -> Result<AuthParams, AuthError> {
    let loaded: Vec<_> = files
        .iter()
        .map(|(file, text)| load_str(file, text))
        .collect();
    AuthSources::new(&loaded).resolve(namespace, auth_ref)
}

#[test]
fn secret_target_refs_read_base64_data_and_string_data() {
    let params = resolve(
        &[("auth.yaml", AUTH)],
        Some("serving"),
        &reference("prom-basic-auth"),
    )
    .unwrap();
    assert_eq!(params.get("username").map(String::as_str), Some("prom"));
    assert_eq!(params.get("password").map(String::as_str), Some("s3cret"));
}

#[test]
fn a_missing_trigger_authentication_names_the_files_searched() {
    let err = resolve(&[("auth.yaml", AUTH)], Some("serving"), &reference("other")).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("TriggerAuthentication `other` in namespace `serving` not found"),
        "{message}"
    );
    assert!(
        message.contains("--auth (searched: auth.yaml)"),
        "{message}"
    );
}

#[test]
fn a_trigger_authentication_in_another_namespace_is_not_used() {
    let err = resolve(
        &[("auth.yaml", AUTH)],
        Some("prod"),
        &reference("prom-basic-auth"),
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("in namespace `serving` only"), "{message}");
}

#[test]
fn a_missing_secret_key_lists_the_keys_present_but_no_values() {
    let text = AUTH.replace("key: password}", "key: passwd}");
    let err = resolve(&[("auth.yaml", &text)], None, &reference("prom-basic-auth")).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("names key `passwd` of Secret `prom-basic-auth-secret`"),
        "{message}"
    );
    assert!(message.contains("only `password`, `username`"), "{message}");
    assert!(!message.contains("s3cret"), "{message}");
}

#[test]
fn a_missing_secret_says_to_pass_its_file() {
    let only_auth = AUTH.split("---").next().unwrap();
    let err = resolve(
        &[("auth.yaml", only_auth)],
        None,
        &reference("prom-basic-auth"),
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("`secretTargetRef[0]`: Secret `prom-basic-auth-secret`"),
        "{message}"
    );
    assert!(message.contains("with --auth"), "{message}");
}

#[test]
fn earlier_files_win() {
    let second = AUTH.replace("password: s3cret", "password: other");
    let params = resolve(
        &[("a.yaml", AUTH), ("b.yaml", &second)],
        None,
        &reference("prom-basic-auth"),
    )
    .unwrap();
    assert_eq!(params.get("password").map(String::as_str), Some("s3cret"));
}

#[test]
fn env_sources_are_explained_as_cluster_only() {
    let text = r#"
apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata: {name: from-env}
spec:
  env:
  - {parameter: password, name: PROM_PASSWORD}
"#;
    let err = resolve(&[("auth.yaml", text)], None, &reference("from-env")).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("`password` from the scale target's container environment"),
        "{message}"
    );
    assert!(message.contains("secretTargetRef"), "{message}");
}

#[test]
fn config_maps_in_the_files_are_read() {
    let text = r#"
apiVersion: keda.sh/v1alpha1
kind: ClusterTriggerAuthentication
metadata: {name: cluster-auth}
spec:
  configMapTargetRef:
  - {parameter: customAuthHeader, name: prom-settings, key: header}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: prom-settings, namespace: keda}
data: {header: X-Scope}
"#;
    let auth_ref = AuthenticationRef {
        name: "cluster-auth".to_string(),
        kind: Some("ClusterTriggerAuthentication".to_string()),
    };
    let params = resolve(&[("auth.yaml", text)], Some("serving"), &auth_ref).unwrap();
    assert_eq!(
        params.get("customAuthHeader").map(String::as_str),
        Some("X-Scope")
    );
}

#[test]
fn cloud_stores_are_unsupported() {
    let text = r#"
apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata: {name: vault}
spec:
  hashiCorpVault:
    address: https://vault
    authentication: token
    secrets: [{parameter: password, path: secret/prom, key: password}]
"#;
    let err = resolve(&[("auth.yaml", text)], None, &reference("vault")).unwrap_err();
    assert!(
        err.to_string()
            .contains("`hashiCorpVault`, which swell does not resolve"),
        "{err}"
    );
}
