//! The vLLM replica performance model and the simulator. No IO.
