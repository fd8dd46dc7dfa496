//! Trigger metadata as KEDA parses it (PLACEHOLDER: the interface is fixed, the body is being
//! written).

use std::collections::BTreeMap;

use thiserror::Error;

/// Trigger metadata: `triggers[].metadata`.
pub type Metadata = BTreeMap<String, String>;
/// Parameters resolved from a TriggerAuthentication (`parameter` → value).
pub type AuthParams = BTreeMap<String, String>;

/// A trigger's parsed configuration.
#[derive(Clone, Debug, PartialEq)]
pub enum TriggerConfig {
    /// A trigger type KEDA knows but swell does not run.
    Unsupported {
        /// The `type` as written.
        trigger_type: String,
    },
}

/// Why a trigger's metadata is invalid.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("`{key}`: {message}")]
pub struct TriggerError {
    /// The metadata or auth parameter key at fault.
    pub key: String,
    /// What is wrong and what to write instead.
    pub message: String,
}

/// Parses one trigger.
pub fn parse_trigger(
    trigger_type: &str,
    metadata: &Metadata,
    auth: &AuthParams,
) -> Result<TriggerConfig, TriggerError> {
    let _ = (metadata, auth);
    Ok(TriggerConfig::Unsupported { trigger_type: trigger_type.to_string() })
}
