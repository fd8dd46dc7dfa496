//! `swell emulate`: a vLLM-compatible HTTP server whose behaviour comes from the swell-sim
//! replica model running in real time, so every test and demo of swell can run without a GPU;
//! and `swell load`, an open-loop load generator that measures what autoscaling cares about.
//!
//! - [`server`]: lifecycle (refused connections while the model loads, graceful shutdown).
//! - [`engine`]: the model driven in real time, tokens delivered to handlers.
//! - [`routes`], [`openai`], [`response`], [`stream`]: vLLM's HTTP surface, bodies and SSE.
//! - [`exposition`] and [`pyfloat`]: `/metrics` exactly as vLLM prints it.
//! - [`config`]: what the emulator is told.
//! - [`load`]: the open-loop load generator behind `swell load`.

pub mod config;
pub mod engine;
pub mod exposition;
pub mod load;
pub mod openai;
pub mod pyfloat;
pub mod response;
pub mod routes;
pub mod server;
pub mod stream;

pub use config::EmulatorConfig;
pub use exposition::MetricNames;
pub use server::{EmulateError, Emulator, parse_duration};
