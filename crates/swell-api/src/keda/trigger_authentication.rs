//! `keda.sh/v1alpha1` TriggerAuthentication and ClusterTriggerAuthentication (`keda.md` b).
//!
//! Every source KEDA accepts is parsed. swell resolves the Kubernetes-native ones (Secrets,
//! ConfigMaps, the target's environment, bound service account tokens are left to the operator);
//! the cloud secret stores are parsed so that `swell check` can say they are unsupported
//! instead of silently ignoring them.

use std::collections::BTreeMap;

use std::borrow::Cow;

use kube::CustomResource;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

/// The spec shared by TriggerAuthentication and ClusterTriggerAuthentication.
#[derive(CustomResource, JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[kube(
    group = "keda.sh",
    version = "v1alpha1",
    kind = "TriggerAuthentication",
    namespaced,
    status = "TriggerAuthenticationStatus",
    shortname = "ta",
    shortname = "triggerauth",
    derive = "PartialEq",
    doc = "TriggerAuthentication: where a trigger's credentials come from (KEDA-compatible).",
    printcolumn = r#"{"name":"PodIdentity","type":"string","jsonPath":".spec.podIdentity.provider"}"#,
    printcolumn = r#"{"name":"Secret","type":"string","jsonPath":".spec.secretTargetRef[*].name"}"#,
    printcolumn = r#"{"name":"Env","type":"string","jsonPath":".spec.env[*].name"}"#,
    printcolumn = r#"{"name":"VaultAddress","type":"string","jsonPath":".spec.hashiCorpVault.address"}"#,
    printcolumn = r#"{"name":"ScaledObjects","type":"string","jsonPath":".status.scaledobjects","priority":1}"#,
    printcolumn = r#"{"name":"ScaledJobs","type":"string","jsonPath":".status.scaledjobs","priority":1}"#
)]
#[serde(rename_all = "camelCase")]
pub struct TriggerAuthenticationSpec {
    /// Platform identity (Azure workload identity, GCP, AWS); not a parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_identity: Option<PodIdentity>,
    /// Parameters read from Secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_target_ref: Option<Vec<TargetRef>>,
    /// Parameters read from ConfigMaps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_target_ref: Option<Vec<TargetRef>>,
    /// Parameters read from the scale target's container environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<EnvRef>>,
    /// HashiCorp Vault secrets (not resolved by swell).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashi_corp_vault: Option<ExternalStore>,
    /// Azure Key Vault secrets (not resolved by swell).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure_key_vault: Option<ExternalStore>,
    /// GCP Secret Manager secrets (not resolved by swell).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcp_secret_manager: Option<ExternalStore>,
    /// AWS Secrets Manager secrets (not resolved by swell).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_secret_manager: Option<ExternalStore>,
    /// Parameters holding tokens minted for a service account (not resolved by swell).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound_service_account_token: Option<Vec<BoundServiceAccountToken>>,
    /// OAuth2 client credentials (not resolved by swell).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2: Option<ExternalStore>,
    /// ClusterTriggerAuthentication only: a JSON file of parameters under the operator's root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_path: Option<String>,
}

/// The ClusterTriggerAuthentication resource: the same spec, cluster-scoped.
#[derive(CustomResource, JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[kube(
    group = "keda.sh",
    version = "v1alpha1",
    kind = "ClusterTriggerAuthentication",
    status = "TriggerAuthenticationStatus",
    shortname = "cta",
    shortname = "clustertriggerauth",
    derive = "PartialEq",
    doc = "ClusterTriggerAuthentication: cluster-wide trigger credentials (KEDA-compatible).",
    printcolumn = r#"{"name":"PodIdentity","type":"string","jsonPath":".spec.podIdentity.provider"}"#,
    printcolumn = r#"{"name":"Secret","type":"string","jsonPath":".spec.secretTargetRef[*].name"}"#,
    printcolumn = r#"{"name":"Env","type":"string","jsonPath":".spec.env[*].name"}"#,
    printcolumn = r#"{"name":"VaultAddress","type":"string","jsonPath":".spec.hashiCorpVault.address"}"#,
    printcolumn = r#"{"name":"ScaledObjects","type":"string","jsonPath":".status.scaledobjects","priority":1}"#,
    printcolumn = r#"{"name":"ScaledJobs","type":"string","jsonPath":".status.scaledjobs","priority":1}"#
)]
#[serde(transparent)]
pub struct ClusterTriggerAuthenticationSpec(pub TriggerAuthenticationSpec);

/// `status` of a (Cluster)TriggerAuthentication.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TriggerAuthenticationStatus {
    /// Comma-joined names of the ScaledObjects using it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaledobjects: Option<String>,
    /// Comma-joined names of the ScaledJobs using it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaledjobs: Option<String>,
}

/// `podIdentity`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PodIdentity {
    /// `none`, `azure-workload`, `gcp`, `aws` or `aws-eks`.
    #[schemars(extend("enum" = ["azure-workload", "gcp", "aws", "aws-eks", "none"]))]
    pub provider: String,
    /// Azure: client id of the identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_id: Option<String>,
    /// Azure: tenant override (requires `identityId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_tenant_id: Option<String>,
    /// Azure: authority host override (requires `identityTenantId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_authority_host: Option<String>,
    /// AWS: role to assume (not with `identityOwner: workload`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// AWS: external id (requires `roleArn`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        rename = "externalID"
    )]
    pub external_id: Option<String>,
    /// AWS: `keda` or `workload`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["keda", "workload"]))]
    pub identity_owner: Option<String>,
}

/// `secretTargetRef[]` / `configMapTargetRef[]`: parameter ← `name[key]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TargetRef {
    /// The trigger parameter to fill, e.g. `username`.
    pub parameter: String,
    /// The Secret or ConfigMap.
    pub name: String,
    /// The key inside it.
    pub key: String,
}

/// `env[]`: parameter ← an environment variable of the scale target's container.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvRef {
    /// The trigger parameter to fill.
    pub parameter: String,
    /// The environment variable.
    pub name: String,
    /// The container (default: `envSourceContainerName`, else the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
}

/// `boundServiceAccountToken[]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BoundServiceAccountToken {
    /// The trigger parameter to fill with the token.
    pub parameter: String,
    /// The service account the token is minted for.
    pub service_account_name: String,
}

/// A secret store swell does not read (Vault, cloud secret managers, OAuth2): kept as written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExternalStore(pub BTreeMap<String, serde_json::Value>);

impl JsonSchema for ExternalStore {
    fn schema_name() -> Cow<'static, str> {
        "ExternalStore".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        // Kept open: swell passes these through without reading them.
        json_schema!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
    }

    fn inline_schema() -> bool {
        true
    }
}

impl ExternalStore {
    /// The parameters the store would fill (`secrets[].parameter`), for reference checks.
    pub fn parameters(&self) -> Vec<String> {
        self.0
            .get("secrets")
            .and_then(|s| s.as_array())
            .map(|secrets| {
                secrets
                    .iter()
                    .filter_map(|s| s.get("parameter").and_then(|p| p.as_str()))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl TriggerAuthenticationSpec {
    /// The sources swell cannot resolve, by field name.
    pub fn unsupported_sources(&self) -> Vec<&'static str> {
        let mut sources = Vec::new();
        let present = [
            ("hashiCorpVault", self.hashi_corp_vault.is_some()),
            ("azureKeyVault", self.azure_key_vault.is_some()),
            ("gcpSecretManager", self.gcp_secret_manager.is_some()),
            ("awsSecretManager", self.aws_secret_manager.is_some()),
            (
                "boundServiceAccountToken",
                self.bound_service_account_token.is_some(),
            ),
            ("oauth2", self.oauth2.is_some()),
            ("filePath", self.file_path.is_some()),
        ];
        for (name, is_present) in present {
            if is_present {
                sources.push(name);
            }
        }
        sources
    }
}
