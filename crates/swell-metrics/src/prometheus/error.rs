//! What can go wrong querying Prometheus, worded so the user knows what to fix.

use std::error::Error as StdError;
use std::time::Duration;

use swell_core::trigger::prometheus::response::ResponseError;
use thiserror::Error;

/// Why a Prometheus trigger produced no value.
#[derive(Debug, Error)]
pub enum PrometheusError {
    /// The TLS material in the TriggerAuthentication is unusable.
    #[error("invalid {what} in TriggerAuthentication{}: {detail}", auth_suffix(.auth_ref))]
    TlsMaterial {
        /// `cert`, `key` or `ca`.
        what: &'static str,
        /// The TriggerAuthentication name.
        auth_ref: Option<String>,
        /// What the parser said.
        detail: String,
    },
    /// `serverAddress` + path is not a URL.
    #[error(
        "serverAddress `{server}` does not form a valid URL ({detail}); write it as http://host:port"
    )]
    InvalidUrl {
        /// `serverAddress`.
        server: String,
        /// What the URL parser said.
        detail: String,
    },
    /// A custom header name or value cannot be sent.
    #[error("header `{name}` cannot be sent: {detail}")]
    InvalidHeader {
        /// The header name.
        name: String,
        /// Why.
        detail: String,
    },
    /// Nothing listens at the address.
    #[error(
        "connection refused by {server}: is Prometheus running there, and is serverAddress right?"
    )]
    ConnectionRefused {
        /// `serverAddress`.
        server: String,
    },
    /// No answer in time.
    #[error(
        "no answer from {server} within {timeout_ms} ms; raise the trigger's `timeout` or check Prometheus' load"
    )]
    Timeout {
        /// `serverAddress`.
        server: String,
        /// The timeout in milliseconds.
        timeout_ms: u128,
    },
    /// The server certificate is not signed by a trusted CA.
    #[error("TLS to {server} failed: the server certificate is not signed by a trusted CA ({detail}); put the CA certificate in parameter `ca` of TriggerAuthentication{} (with authModes set), or set unsafeSsl: \"true\" for testing only", auth_suffix(.auth_ref))]
    UnknownCa {
        /// `serverAddress`.
        server: String,
        /// The TriggerAuthentication name.
        auth_ref: Option<String>,
        /// The TLS library's words.
        detail: String,
    },
    /// Some other TLS failure (handshake refused, client certificate rejected, name mismatch).
    #[error("TLS to {server} failed: {detail}; check `cert`, `key` and `ca` in TriggerAuthentication{}", auth_suffix(.auth_ref))]
    Tls {
        /// `serverAddress`.
        server: String,
        /// The TriggerAuthentication name.
        auth_ref: Option<String>,
        /// The TLS library's words.
        detail: String,
    },
    /// 401 or 403.
    #[error("HTTP {status} from {server}: check the {credentials} in TriggerAuthentication{}", auth_suffix(.auth_ref))]
    Unauthorized {
        /// 401 or 403.
        status: u16,
        /// `serverAddress`.
        server: String,
        /// Which credentials were sent (username/password, bearer token, ...).
        credentials: &'static str,
        /// The TriggerAuthentication name.
        auth_ref: Option<String>,
    },
    /// Any other transport failure.
    #[error("request to {server} failed: {detail}")]
    Transport {
        /// `serverAddress`.
        server: String,
        /// What failed.
        detail: String,
    },
    /// Prometheus answered, but not with one usable value.
    #[error("{server}: {error}")]
    Response {
        /// `serverAddress`.
        server: String,
        /// KEDA's interpretation of the answer (in the message, so not also a `source`).
        error: ResponseError,
    },
}

fn auth_suffix(auth_ref: &Option<String>) -> String {
    match auth_ref {
        Some(name) => format!(" `{name}`"),
        None => " (none is referenced: add authenticationRef to the trigger)".to_string(),
    }
}

/// Classifies a reqwest failure into the error a user can act on.
pub(crate) fn classify(
    err: &reqwest::Error,
    server: &str,
    timeout: Duration,
    auth_ref: &Option<String>,
) -> PrometheusError {
    let server = server.to_string();
    if err.is_timeout() {
        return PrometheusError::Timeout {
            server,
            timeout_ms: timeout.as_millis(),
        };
    }
    if let Some(tls) = find_cause::<rustls::Error>(err) {
        let detail = tls.to_string();
        return match tls {
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer) => {
                PrometheusError::UnknownCa {
                    server,
                    auth_ref: auth_ref.clone(),
                    detail,
                }
            }
            _ => PrometheusError::Tls {
                server,
                auth_ref: auth_ref.clone(),
                detail,
            },
        };
    }
    // The TLS error can arrive boxed behind connector layers that hide its type; its text is
    // stable ("invalid peer certificate: UnknownIssuer").
    let detail = chain(err);
    if detail.contains("UnknownIssuer") {
        return PrometheusError::UnknownCa {
            server,
            auth_ref: auth_ref.clone(),
            detail,
        };
    }
    if detail.contains("invalid peer certificate") || detail.contains("certificate required") {
        return PrometheusError::Tls {
            server,
            auth_ref: auth_ref.clone(),
            detail,
        };
    }
    if find_io_kind(err) == Some(std::io::ErrorKind::ConnectionRefused) {
        return PrometheusError::ConnectionRefused { server };
    }
    PrometheusError::Transport {
        server,
        detail: chain(err),
    }
}

/// The first error of type `T` in the cause chain, looking inside `io::Error`s too.
fn find_cause<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        let inner = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref());
        if let Some(found) = inner.and_then(|inner| inner.downcast_ref::<T>()) {
            return Some(found);
        }
        current = e.source();
    }
    None
}

fn find_io_kind(err: &(dyn StdError + 'static)) -> Option<std::io::ErrorKind> {
    find_cause::<std::io::Error>(err).map(std::io::Error::kind)
}

/// The error and its causes, joined: reqwest's top-level message alone is vague.
pub(crate) fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut current = err.source();
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}
