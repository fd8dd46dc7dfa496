//! The Prometheus HTTP API client behind `type: prometheus` triggers.
//!
//! It sends exactly what KEDA's Prometheus scaler sends: `GET {serverAddress}/api/v1/query`
//! with `query`, `time` (now, whole seconds), the optional `namespace` and `queryParameters`,
//! the `customHeaders`, then one authorization header (bearer, else basic, else custom), with a
//! per-trigger timeout (KEDA's 3000 ms by default). TLS: `cert`/`key` for a client
//! certificate, `ca` added to the system roots when some auth mode is set, `unsafeSsl` to skip
//! verification (logged loudly). The answer is read by KEDA's rules in
//! `swell_core::trigger::prometheus::response`.
//!
//! Not supported (parsed, reported as warnings): Azure/Google/AWS managed-Prometheus auth,
//! and the `apiKey`/`oauth` modes that KEDA accepts but never sends.

mod error;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use swell_core::trigger::prometheus::response::interpret;
use swell_core::trigger::prometheus::{AuthHeader, AuthMode, PrometheusTrigger, request};
use tracing::{debug, warn};

pub use error::PrometheusError;
pub(crate) use error::chain as error_chain;

/// A ready-to-query Prometheus trigger: one HTTP client per trigger, as in KEDA.
#[derive(Debug)]
pub struct PrometheusSource {
    trigger: PrometheusTrigger,
    client: reqwest::Client,
    auth_ref: Option<String>,
}

/// Which credentials a 401/403 is about.
fn credentials_name(trigger: &PrometheusTrigger) -> &'static str {
    match trigger.auth.header() {
        Some(AuthHeader::Bearer(_)) => "bearer token (`bearerToken`)",
        Some(AuthHeader::Basic { .. }) => "username/password",
        Some(AuthHeader::Custom { .. }) => {
            "custom auth header (`customAuthHeader`/`customAuthValue`)"
        }
        None if trigger.auth.has(AuthMode::Tls) => "client certificate (`cert`/`key`)",
        None => "credentials (no authModes is set, so none were sent)",
    }
}

impl PrometheusSource {
    /// Builds the client for `trigger`. `auth_ref` names the TriggerAuthentication the
    /// credentials came from, for error messages.
    pub fn new(
        trigger: PrometheusTrigger,
        auth_ref: Option<String>,
    ) -> Result<Self, PrometheusError> {
        crate::tls::install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .timeout(trigger.timeout())
            .default_headers(default_headers(&trigger)?);

        let tls_material = |what: &'static str, detail: String| PrometheusError::TlsMaterial {
            what,
            auth_ref: auth_ref.clone(),
            detail,
        };
        if let Some(ca) = trigger.auth.effective_ca() {
            let roots = reqwest::Certificate::from_pem_bundle(ca.as_bytes())
                .map_err(|e| tls_material("ca", error::chain(&e)))?;
            if roots.is_empty() {
                return Err(tls_material("ca", "no PEM certificate found".to_string()));
            }
            builder = builder.tls_certs_merge(roots);
        }
        if let Some((cert, key)) = trigger.auth.client_identity() {
            let pem = format!("{}\n{}\n", key.expose(), cert);
            let identity = reqwest::Identity::from_pem(pem.as_bytes())
                .map_err(|e| tls_material("cert/key", error::chain(&e)))?;
            builder = builder.identity(identity);
        }
        let verifying_transport =
            trigger.auth.effective_ca().is_some() || trigger.auth.has(AuthMode::Tls);
        // KEDA's quirk: unsafeSsl is ignored when a custom TLS transport is built for ca/tls.
        if trigger.unsafe_ssl && !verifying_transport {
            warn!(
                server = %trigger.server_address,
                "unsafeSsl is on: the Prometheus server certificate is NOT verified; anyone on the path can read the credentials and forge metric values."
            );
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        for warning in &trigger.warnings {
            warn!(key = %warning.key, message = %warning.message, "Prometheus trigger setting not honoured.");
        }

        let client = builder.build().map_err(|e| PrometheusError::Transport {
            server: trigger.server_address.clone(),
            detail: error::chain(&e),
        })?;
        Ok(PrometheusSource {
            trigger,
            client,
            auth_ref,
        })
    }

    /// The trigger this source runs.
    pub fn trigger(&self) -> &PrometheusTrigger {
        &self.trigger
    }

    /// Runs the query now.
    pub async fn query(&self) -> Result<f64, PrometheusError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        self.query_at(now.as_secs() as i64).await
    }

    /// Runs the query with `time` set to `unix_secs`.
    pub async fn query_at(&self, unix_secs: i64) -> Result<f64, PrometheusError> {
        let server = &self.trigger.server_address;
        let url = request::query_url(&self.trigger, unix_secs);
        let url = reqwest::Url::parse(&url).map_err(|e| PrometheusError::InvalidUrl {
            server: server.clone(),
            detail: e.to_string(),
        })?;

        let mut request = self.client.get(url);
        request = match self.trigger.auth.header() {
            Some(AuthHeader::Bearer(token)) => request.bearer_auth(token.expose()),
            Some(AuthHeader::Basic { username, password }) => {
                request.basic_auth(username, password.map(|p| p.expose()))
            }
            // Custom auth values arrive from Secrets often with a trailing newline (keda#4960).
            Some(AuthHeader::Custom { header, value }) => {
                request.header(header.trim(), value.expose().trim())
            }
            None => request,
        };

        let classify =
            |e: reqwest::Error| error::classify(&e, server, self.trigger.timeout(), &self.auth_ref);
        let response = request.send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(classify)?;
        debug!(server = %server, status, bytes = body.len(), "Prometheus answered.");

        if status == 401 || status == 403 {
            return Err(PrometheusError::Unauthorized {
                status,
                server: server.clone(),
                credentials: credentials_name(&self.trigger),
                auth_ref: self.auth_ref.clone(),
            });
        }
        interpret(
            status,
            &body,
            &self.trigger.query,
            self.trigger.ignore_null_values,
        )
        .map_err(|error| PrometheusError::Response {
            server: server.clone(),
            error,
        })
    }
}

fn default_headers(trigger: &PrometheusTrigger) -> Result<HeaderMap, PrometheusError> {
    let mut headers = HeaderMap::new();
    for (name, value) in &trigger.custom_headers {
        let invalid = |detail: String| PrometheusError::InvalidHeader {
            name: name.clone(),
            detail,
        };
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|e| invalid(e.to_string()))?;
        let value = HeaderValue::from_str(value).map_err(|e| invalid(e.to_string()))?;
        headers.insert(header, value);
    }
    Ok(headers)
}
