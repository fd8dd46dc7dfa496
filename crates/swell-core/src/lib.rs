//! swell's decision engine.
//!
//! Everything that decides how many replicas a service should have lives here, free of IO: no
//! network, no files, no wall clock. The Kubernetes operator, `swell decide`, the single-machine
//! mode and the simulator all call the same functions, with time passed in as [`Time`].
//!
//! - [`spec`]: the normalized scaling spec every manifest format translates into.
//! - [`hpa`] and [`behavior`]: the Kubernetes HPA replica decision, legacy path and `behavior`.
//! - [`keda`] and [`fallback`]: KEDA's activation, cooldown, idle, pause and fallback rules.
//! - [`formula`]: the `scalingModifiers` expression language.
//! - [`metadata`] and [`trigger`]: trigger metadata parsed exactly as KEDA parses it.
//! - [`engine`]: one ScaledObject's state over time, combining all of the above.

pub mod behavior;
pub mod engine;
pub mod fallback;
pub mod formula;
pub mod hpa;
pub mod keda;
pub mod metadata;
pub mod quantity;
pub mod spec;
pub mod time;
pub mod trigger;

pub use time::Time;
