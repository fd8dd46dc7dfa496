//! The server's lifecycle: reserve the address, "load the model" (the port refuses connections
//! meanwhile, as vLLM's does), start the engine, serve, and shut down gracefully.
//!
//! vLLM binds its socket early but only listens once the engine is up, so a connection during the
//! load is refused at the TCP level rather than answered with a 503. [`Emulator::bind`] does the
//! same: the port is bound, with `SO_REUSEADDR` as vLLM sets it, but not listening until
//! [`Emulator::run`] has waited out the start-up delay. As with vLLM, that does not keep a
//! second server from binding the same port during the delay; whichever listens second fails.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt;
use thiserror::Error;
use tokio::net::TcpSocket;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::config::EmulatorConfig;
use crate::engine::Engine;
use crate::routes::{AppState, router};

/// Why the emulator could not start or serve. Each message includes its cause, so none is
/// also reported as a `source` (a chain printer would show it twice).
#[derive(Debug, Error)]
pub enum EmulateError {
    /// The address could not be bound.
    #[error("cannot bind {addr}: {error} (is another server on that port? pick another `--port`)")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        error: std::io::Error,
    },
    /// Listening failed after the model loaded.
    #[error("cannot listen on {addr}: {error}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        error: std::io::Error,
    },
    /// The replica configuration is invalid.
    #[error("invalid replica configuration: {0}")]
    Config(swell_sim::ConfigError),
    /// `--time-scale` is not a positive number.
    #[error("`time_scale` must be a positive number, got {0}")]
    TimeScale(f64),
    /// Serving failed.
    #[error("serving failed: {0}")]
    Serve(std::io::Error),
}

impl From<swell_sim::ConfigError> for EmulateError {
    fn from(error: swell_sim::ConfigError) -> Self {
        EmulateError::Config(error)
    }
}

/// An emulator whose address is reserved but not yet listening.
pub struct Emulator {
    socket: TcpSocket,
    addr: SocketAddr,
    config: EmulatorConfig,
}

impl Emulator {
    /// Checks the configuration and reserves the address (port 0 picks a free one).
    pub fn bind(config: EmulatorConfig) -> Result<Self, EmulateError> {
        config.replica.validate()?;
        if !(config.time_scale > 0.0 && config.time_scale.is_finite()) {
            return Err(EmulateError::TimeScale(config.time_scale));
        }
        let requested = SocketAddr::new(config.host, config.port);
        let bind_error = |error| EmulateError::Bind {
            addr: requested,
            error,
        };
        let socket = if requested.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .map_err(bind_error)?;
        socket.set_reuseaddr(true).map_err(bind_error)?;
        socket.bind(requested).map_err(bind_error)?;
        let addr = socket.local_addr().map_err(bind_error)?;
        Ok(Emulator {
            socket,
            addr,
            config,
        })
    }

    /// The reserved address (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Like [`run`](Emulator::run), shutting down on SIGTERM or SIGINT (Ctrl-C).
    pub async fn run_until_signal(self) -> Result<(), EmulateError> {
        let shutdown = CancellationToken::new();
        let trigger = shutdown.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            info!("Shutdown signal received.");
            trigger.cancel();
        });
        self.run(shutdown).await
    }

    /// Loads the model (waits the start-up delay), then serves until `shutdown` is cancelled,
    /// letting responses in progress finish for up to the shutdown timeout.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), EmulateError> {
        let Emulator {
            socket,
            addr,
            config,
        } = self;
        let model = config.served_model_name.clone();
        info!(%addr, %model, startup_delay = ?config.startup_delay, "Loading model; connections are refused until it is loaded.");
        tokio::select! {
            _ = tokio::time::sleep(config.startup_delay) => {}
            _ = shutdown.cancelled() => {
                info!(%addr, "Shut down while loading.");
                return Ok(());
            }
        }

        let listener = socket
            .listen(1024)
            .map_err(|error| EmulateError::Listen { addr, error })?;
        let engine = Engine::start(config.replica.clone(), config.seed, config.time_scale)?;
        if let Some(after) = config.fail_after {
            let engine = Arc::downgrade(&engine);
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                if let Some(engine) = engine.upgrade() {
                    engine.set_dead(true);
                }
            });
        }
        let replica = &config.replica;
        info!(
            %addr,
            %model,
            max_num_seqs = replica.max_num_seqs,
            max_num_batched_tokens = replica.max_num_batched_tokens,
            num_gpu_blocks = replica.num_gpu_blocks,
            time_scale = config.time_scale,
            "Model loaded; serving."
        );

        let timeout = config.shutdown_timeout;
        let app = router(Arc::new(AppState::new(engine, config)));
        let graceful = shutdown.clone();
        // Uvicorn, which serves vLLM, disables Nagle's algorithm; without that a reused
        // connection holds small SSE events back for tens of milliseconds.
        let listener = listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                warn!(%error, "Cannot set TCP_NODELAY on a connection.");
            }
        });
        let server = axum::serve(listener, app)
            .with_graceful_shutdown(async move { graceful.cancelled().await });
        let drain_deadline = async {
            shutdown.cancelled().await;
            tokio::time::sleep(timeout).await;
        };
        tokio::select! {
            result = server => result.map_err(EmulateError::Serve)?,
            _ = drain_deadline => warn!(%addr, ?timeout, "Responses still in progress at the shutdown deadline; stopping anyway."),
        }
        info!(%addr, "Stopped.");
        Ok(())
    }
}

/// Resolves on SIGTERM or SIGINT.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Parses a duration such as `30s`, `500ms`, `80us`, `2m`, `1.5s`, `1h` or `0`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| {
        format!("`{text}` is not a duration: write a number and a unit, e.g. 30s or 500ms")
    })?;
    let seconds = match unit {
        "ns" => value / 1e9,
        "us" | "µs" => value / 1e6,
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        "" => return Err(format!("`{text}` has no unit: add ms, s, m or h")),
        other => {
            return Err(format!(
                "`{text}` has an unknown unit `{other}`: use ns, us, ms, s, m or h"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{text}` is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        let cases = [
            ("30s", 30_000),
            ("500ms", 500),
            ("2m", 120_000),
            ("1.5s", 1_500),
            ("0", 0),
            ("1h", 3_600_000),
            ("80us", 0),
        ];
        for (text, millis) in cases {
            assert_eq!(
                parse_duration(text).map(|d| d.as_millis()),
                Ok(millis),
                "{text}"
            );
        }
        assert_eq!(parse_duration("80us"), Ok(Duration::from_micros(80)));
        for bad in ["30", "abc", "5x", "-1s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
