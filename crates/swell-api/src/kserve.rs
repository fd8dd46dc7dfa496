//! KServe's InferenceService, as far as autoscaling goes: the types, and the ScaledObject
//! KServe's own KEDA reconciler would create from them.

pub mod inference_service;

pub use inference_service::InferenceService;
