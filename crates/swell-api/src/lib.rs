//! Kubernetes-facing types (KEDA ScaledObject, TriggerAuthentication, KServe InferenceService),
//! translation to the core spec, and the checks behind `swell check`.
//!
//! - [`load`]: multi-document YAML → typed objects, with file, document, field and line.
//! - [`translate`]: ScaledObject → the engine's [`swell_core::spec::ScalingSpec`].
//! - [`keda`], [`kserve`], [`k8s`], [`autoscaling`]: the manifest types.

pub mod autoscaling;
pub mod check;
pub mod crd;
pub mod k8s;
pub mod keda;
pub mod kserve;
pub mod load;
pub mod problem;
pub mod quantity;
pub mod translate;
pub mod yaml;

pub use load::{LoadError, scaled_object_from_path, scaled_object_from_str};
pub use problem::{Problem, Severity};
pub use translate::{TranslateError, scaled_object};
