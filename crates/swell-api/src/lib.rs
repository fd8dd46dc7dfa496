//! Kubernetes-facing types (KEDA ScaledObject, TriggerAuthentication, KServe InferenceService), translation to the core spec, and the checks behind `swell check`.
