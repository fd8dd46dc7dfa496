//! One entry point to evaluate any trigger swell runs against its live source.

use swell_core::trigger::TriggerConfig;
use thiserror::Error;

use crate::prometheus::{PrometheusError, PrometheusSource};
use crate::scrape::Scraper;
use crate::vllm::{VllmError, VllmSource};

/// A trigger bound to its live source.
#[derive(Debug)]
pub enum TriggerSource {
    /// `type: prometheus`.
    Prometheus(PrometheusSource),
    /// `type: vllm`.
    Vllm(VllmSource),
}

/// Why a trigger could not be evaluated.
#[derive(Debug, Error)]
pub enum SourceError {
    /// The Prometheus query failed.
    #[error(transparent)]
    Prometheus(#[from] PrometheusError),
    /// Scraping the vLLM pods failed.
    #[error(transparent)]
    Vllm(#[from] VllmError),
    /// cpu/memory need the Kubernetes metrics API.
    #[error(
        "`{0}` triggers read pod usage from the Kubernetes metrics API, which needs the operator; swell query cannot evaluate them"
    )]
    NeedsCluster(String),
    /// A KEDA type swell does not run.
    #[error("swell does not run `{0}` triggers yet")]
    Unsupported(String),
}

impl TriggerSource {
    /// Binds `config` to its source. `auth_ref` names the TriggerAuthentication (for messages).
    pub fn new(
        config: &TriggerConfig,
        auth_ref: Option<String>,
        scraper: &Scraper,
    ) -> Result<Self, SourceError> {
        match config {
            TriggerConfig::Prometheus(p) => Ok(TriggerSource::Prometheus(PrometheusSource::new(
                p.clone(),
                auth_ref,
            )?)),
            TriggerConfig::Vllm(v) => Ok(TriggerSource::Vllm(VllmSource::new(
                v.clone(),
                scraper.clone(),
            ))),
            TriggerConfig::Resource(r) => {
                Err(SourceError::NeedsCluster(r.resource.as_str().to_string()))
            }
            TriggerConfig::Unsupported { trigger_type } => {
                Err(SourceError::Unsupported(trigger_type.clone()))
            }
        }
    }

    /// The trigger's current value (as KEDA reads it, before the HPA's clamp to ≥ 0).
    pub async fn evaluate(&mut self) -> Result<f64, SourceError> {
        match self {
            TriggerSource::Prometheus(source) => Ok(source.query().await?),
            TriggerSource::Vllm(source) => Ok(source.evaluate().await?.value),
        }
    }
}
