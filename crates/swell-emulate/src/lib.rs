//! A vLLM-compatible server driven by the swell-sim replica model, and an open-loop load generator.
