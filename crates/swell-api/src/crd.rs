//! The CustomResourceDefinitions swell installs in place of KEDA's: `scaledobjects.keda.sh`,
//! `triggerauthentications.keda.sh` and `clustertriggerauthentications.keda.sh`.
//!
//! They are generated from the manifest types in [`crate::keda`] (kube's `CustomResource` derive
//! with schemars schemas), then shaped by [`normalize`] into the form KEDA's own CRDs have, so
//! that manifests written for KEDA apply unchanged. [`to_yaml`] renders them as the YAML that
//! `swell crd` prints and that `deploy/crds/` holds.

mod normalize;
mod yaml;

#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;

use crate::keda::{ClusterTriggerAuthentication, ScaledObject, TriggerAuthentication};

pub use normalize::normalize;

/// What can go wrong turning the CRDs into YAML, or naming one.
#[derive(Debug, thiserror::Error)]
pub enum CrdError {
    /// A name given on the command line that is none of the CRDs.
    #[error(
        "unknown CRD `{given}`: write one of scaledobject (so), triggerauthentication (ta) or \
         clustertriggerauthentication (cta)"
    )]
    UnknownKind {
        /// What was given.
        given: String,
    },
    /// The CRD could not be converted to JSON or YAML (a bug in the generated types).
    #[error("cannot render the {crd} CRD as YAML: {message}")]
    Render {
        /// `scaledobjects.keda.sh`, ...
        crd: &'static str,
        /// The serializer's message.
        message: String,
    },
}

/// One of the CRDs swell serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CrdKind {
    /// `scaledobjects.keda.sh`.
    ScaledObject,
    /// `triggerauthentications.keda.sh`.
    TriggerAuthentication,
    /// `clustertriggerauthentications.keda.sh`.
    ClusterTriggerAuthentication,
}

impl CrdKind {
    /// Every CRD, in the order `swell crd` prints them.
    pub const ALL: [CrdKind; 3] = [
        CrdKind::ScaledObject,
        CrdKind::TriggerAuthentication,
        CrdKind::ClusterTriggerAuthentication,
    ];

    /// The resource kind, e.g. `ScaledObject`.
    pub fn kind(self) -> &'static str {
        match self {
            CrdKind::ScaledObject => "ScaledObject",
            CrdKind::TriggerAuthentication => "TriggerAuthentication",
            CrdKind::ClusterTriggerAuthentication => "ClusterTriggerAuthentication",
        }
    }

    /// The CRD's name, `<plural>.keda.sh`.
    pub fn crd_name(self) -> &'static str {
        match self {
            CrdKind::ScaledObject => "scaledobjects.keda.sh",
            CrdKind::TriggerAuthentication => "triggerauthentications.keda.sh",
            CrdKind::ClusterTriggerAuthentication => "clustertriggerauthentications.keda.sh",
        }
    }

    /// The file name under `deploy/crds/`, named as KEDA names its CRD files
    /// (`keda.sh_scaledobjects.yaml`).
    pub fn file_name(self) -> String {
        let plural = self.crd_name().trim_end_matches(".keda.sh");
        format!("keda.sh_{plural}.yaml")
    }
}

impl fmt::Display for CrdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.crd_name())
    }
}

impl FromStr for CrdKind {
    type Err = CrdError;

    /// Accepts the kind, its plural, its short name or the full CRD name, in any case:
    /// `ScaledObject`, `scaledobjects`, `so`, `scaledobjects.keda.sh`.
    fn from_str(given: &str) -> Result<Self, Self::Err> {
        let wanted = given.trim().to_ascii_lowercase();
        let wanted = wanted.trim_end_matches(".keda.sh");
        let kind = match wanted {
            "scaledobject" | "scaledobjects" | "so" => CrdKind::ScaledObject,
            "triggerauthentication" | "triggerauthentications" | "ta" | "triggerauth" => {
                CrdKind::TriggerAuthentication
            }
            "clustertriggerauthentication"
            | "clustertriggerauthentications"
            | "cta"
            | "clustertriggerauth" => CrdKind::ClusterTriggerAuthentication,
            _ => {
                return Err(CrdError::UnknownKind {
                    given: given.to_string(),
                });
            }
        };
        Ok(kind)
    }
}

/// The CRD for `kind`, as swell installs it.
pub fn custom_resource_definition(kind: CrdKind) -> CustomResourceDefinition {
    let generated = match kind {
        CrdKind::ScaledObject => ScaledObject::crd(),
        CrdKind::TriggerAuthentication => TriggerAuthentication::crd(),
        CrdKind::ClusterTriggerAuthentication => ClusterTriggerAuthentication::crd(),
    };
    normalize(generated)
}

/// Every CRD swell installs, in [`CrdKind::ALL`] order.
pub fn custom_resource_definitions() -> Vec<CustomResourceDefinition> {
    CrdKind::ALL
        .into_iter()
        .map(custom_resource_definition)
        .collect()
}

/// The CRDs for `kinds` as one multi-document YAML stream, opened by a comment saying where it
/// comes from. This is exactly what `swell crd` prints and what `deploy/crds/` holds (one kind
/// per file).
pub fn to_yaml(kinds: &[CrdKind]) -> Result<String, CrdError> {
    let mut out = String::from(yaml::HEADER);
    for &kind in kinds {
        let crd = custom_resource_definition(kind);
        let document = yaml::render(&crd).map_err(|message| CrdError::Render {
            crd: kind.crd_name(),
            message,
        })?;
        out.push_str("---\n");
        out.push_str(&document);
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}
