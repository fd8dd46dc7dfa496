//! Triggers as KEDA parses them: `type` + `metadata` + resolved TriggerAuthentication
//! parameters → a typed configuration, or an error naming the key to fix.
//!
//! Parsing is pure (no IO). Running a trigger against its source lives in `swell-metrics`.
//!
//! - [`prometheus`]: KEDA's Prometheus scaler, every metadata key and the query
//!   request/response rules.
//! - [`vllm`]: swell's own `type: vllm` trigger, scraping vLLM pods directly.
//! - [`resource`]: KEDA's `cpu` and `memory` triggers (HPA Resource metrics).
//! - [`types`]: every scaler type KEDA 2.x knows.

pub mod prometheus;
pub mod resource;
pub mod secret;
pub mod types;
pub mod vllm;

use thiserror::Error;

pub use crate::metadata::{AuthParams, Metadata};
pub use resource::{Resource, ResourceTrigger};
pub use types::KEDA_TRIGGER_TYPES;

/// A trigger's parsed configuration.
#[derive(Clone, Debug, PartialEq)]
pub enum TriggerConfig {
    /// KEDA's `prometheus` scaler.
    Prometheus(prometheus::PrometheusTrigger),
    /// swell's `vllm` trigger (an extension to KEDA's API).
    Vllm(vllm::VllmTrigger),
    /// KEDA's `cpu` or `memory` trigger.
    Resource(ResourceTrigger),
    /// A trigger type KEDA knows but swell does not run.
    Unsupported {
        /// The `type` as written.
        trigger_type: String,
    },
}

/// Why a trigger's metadata is invalid.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("`{key}` {message}")]
pub struct TriggerError {
    /// The metadata or auth parameter key at fault (`type` for an unknown trigger type).
    pub key: String,
    /// What is wrong and what to write instead.
    pub message: String,
}

impl TriggerError {
    /// An error about `key`.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        TriggerError {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Something KEDA would accept that swell parses but cannot honour (yet), or that KEDA itself
/// silently ignores. `swell check` reports these as warnings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TriggerWarning {
    /// The metadata or auth parameter key concerned.
    pub key: String,
    /// What happens and what to do.
    pub message: String,
}

/// The type name of swell's direct vLLM trigger.
pub const VLLM_TRIGGER_TYPE: &str = "vllm";

/// Parses one trigger: its `type`, `metadata` and resolved TriggerAuthentication parameters.
pub fn parse_trigger(
    trigger_type: &str,
    metadata: &Metadata,
    auth: &AuthParams,
) -> Result<TriggerConfig, TriggerError> {
    match trigger_type {
        "prometheus" => prometheus::parse(metadata, auth).map(TriggerConfig::Prometheus),
        VLLM_TRIGGER_TYPE => vllm::parse(metadata, auth).map(TriggerConfig::Vllm),
        "cpu" => resource::parse(Resource::Cpu, metadata).map(TriggerConfig::Resource),
        "memory" => resource::parse(Resource::Memory, metadata).map(TriggerConfig::Resource),
        known if KEDA_TRIGGER_TYPES.contains(&known) => Ok(TriggerConfig::Unsupported {
            trigger_type: known.to_string(),
        }),
        unknown => Err(TriggerError::new(
            "type",
            format!(
                "`{unknown}`: no scaler exists for this type. swell runs prometheus, vllm, cpu \
                 and memory; KEDA also knows {}",
                KEDA_TRIGGER_TYPES.join(", ")
            ),
        )),
    }
}

impl TriggerConfig {
    /// The trigger type as written in manifests.
    pub fn trigger_type(&self) -> &str {
        match self {
            TriggerConfig::Prometheus(_) => "prometheus",
            TriggerConfig::Vllm(_) => VLLM_TRIGGER_TYPE,
            TriggerConfig::Resource(r) => r.resource.as_str(),
            TriggerConfig::Unsupported { trigger_type } => trigger_type,
        }
    }

    /// The HPA target: `threshold` for Prometheus and vLLM, `value` for cpu/memory, `None` for
    /// unsupported types.
    pub fn threshold(&self) -> Option<f64> {
        match self {
            TriggerConfig::Prometheus(p) => Some(p.threshold),
            TriggerConfig::Vllm(v) => Some(v.threshold),
            TriggerConfig::Resource(r) => Some(r.value),
            TriggerConfig::Unsupported { .. } => None,
        }
    }

    /// The activation threshold: active when the value is strictly above it (default 0).
    pub fn activation_threshold(&self) -> f64 {
        match self {
            TriggerConfig::Prometheus(p) => p.activation_threshold,
            TriggerConfig::Vllm(v) => v.activation_threshold,
            TriggerConfig::Resource(_) | TriggerConfig::Unsupported { .. } => 0.0,
        }
    }

    /// KEDA's HPA metric name for the trigger at `index` in `spec.triggers`: `s0-prometheus`,
    /// `s0-vllm`, or `cpu`/`memory` for resource triggers. For unsupported types this is
    /// `s<index>-<type>`, which matches KEDA only for scalers that name their metric after the
    /// type (most name it after the queue or query, which swell does not compute).
    pub fn metric_name(&self, index: usize) -> String {
        match self {
            TriggerConfig::Resource(r) => r.resource.as_str().to_string(),
            other => format!("s{index}-{}", other.trigger_type()),
        }
    }

    /// Settings that KEDA accepts but swell cannot honour, or that KEDA silently ignores.
    pub fn warnings(&self) -> Vec<TriggerWarning> {
        match self {
            TriggerConfig::Prometheus(p) => p.warnings.clone(),
            TriggerConfig::Vllm(_) | TriggerConfig::Resource(_) => Vec::new(),
            TriggerConfig::Unsupported { trigger_type } => vec![TriggerWarning {
                key: "type".to_string(),
                message: format!(
                    "swell does not run `{trigger_type}` triggers yet; KEDA accepts the \
                     manifest, but swell will report this trigger as failing"
                ),
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(pairs: &[(&str, &str)]) -> Metadata {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn unknown_types_are_errors_that_list_the_known_types() {
        let err = parse_trigger("prometheu", &Metadata::new(), &AuthParams::new()).unwrap_err();
        assert_eq!(err.key, "type");
        assert!(err.message.contains("no scaler exists"), "{}", err.message);
        assert!(err.message.contains("rabbitmq"), "{}", err.message);
    }

    #[test]
    fn known_keda_types_swell_does_not_run_are_unsupported_not_errors() {
        let parsed = parse_trigger("kafka", &Metadata::new(), &AuthParams::new()).unwrap();
        assert_eq!(
            parsed,
            TriggerConfig::Unsupported {
                trigger_type: "kafka".into()
            }
        );
        assert_eq!(parsed.threshold(), None);
        assert_eq!(parsed.metric_name(2), "s2-kafka");
        assert_eq!(parsed.warnings().len(), 1);
    }

    #[test]
    fn metric_names_follow_keda() {
        let prom = parse_trigger(
            "prometheus",
            &metadata(&[
                ("serverAddress", "http://p:9090"),
                ("query", "up"),
                ("threshold", "2"),
            ]),
            &AuthParams::new(),
        )
        .unwrap();
        assert_eq!(prom.metric_name(0), "s0-prometheus");
        assert_eq!(prom.metric_name(3), "s3-prometheus");
        assert_eq!(prom.threshold(), Some(2.0));
        assert_eq!(prom.activation_threshold(), 0.0);

        let cpu = parse_trigger("cpu", &metadata(&[("value", "60")]), &AuthParams::new()).unwrap();
        assert_eq!(cpu.metric_name(1), "cpu");

        let vllm = parse_trigger(
            "vllm",
            &metadata(&[
                ("metric", "num_requests_waiting"),
                ("endpoints", "127.0.0.1:8000"),
                ("threshold", "5"),
            ]),
            &AuthParams::new(),
        )
        .unwrap();
        assert_eq!(vllm.metric_name(1), "s1-vllm");
    }
}
