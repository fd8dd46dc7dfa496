//! Trigger metadata parsed by KEDA's rules (PLACEHOLDER: being written).
