//! The vLLM replica performance model, shared by `swell emulate` (run in real time) and the
//! discrete-event simulator (run in simulated time). No IO: no network, no files, no wall clock;
//! time is passed in and randomness comes from a seeded generator.
//!
//! - [`profile`]: engine limits, the step-time model and named calibrated profiles.
//! - [`replica`]: one replica as a state machine — vLLM V1 continuous batching, chunked
//!   prefill, KV blocks, preemption, the waiting queue, model load.
//! - [`request`]: what is submitted, the events reported, the per-request record.
//! - [`metrics`] and [`histogram`]: the state behind vLLM's Prometheus metrics, with vLLM's
//!   bucket boundaries, observed at the moments vLLM observes them.

pub mod histogram;
pub mod metrics;
pub mod profile;
pub mod replica;
pub mod request;

pub use histogram::Histogram;
pub use metrics::{EngineMetrics, Gauges};
pub use profile::{
    ConfigError, DEFAULT_PROFILE, LatencyModel, OutputLength, Profile, ReplicaConfig,
};
pub use replica::{Replica, SubmitError};
pub use request::{Event, FinishReason, RequestId, RequestRecord, RequestSpec};
