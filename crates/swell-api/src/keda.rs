//! KEDA's `keda.sh/v1alpha1` resources as users write them: ScaledObject (spec, status,
//! annotations) and (Cluster)TriggerAuthentication.

pub mod annotations;
pub mod scaled_object;
pub mod status;
pub mod trigger_authentication;

pub use scaled_object::{
    AdvancedSpec, AuthenticationRef, FallbackSpec, HorizontalPodAutoscalerConfig, ScaleTargetRef,
    ScaleTrigger, ScaledObject, ScaledObjectSpec, ScalingModifiersSpec,
};
pub use status::ScaledObjectStatus;
pub use trigger_authentication::{
    ClusterTriggerAuthentication, ClusterTriggerAuthenticationSpec, TriggerAuthentication,
    TriggerAuthenticationSpec,
};
