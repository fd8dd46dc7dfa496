//! KEDA's Prometheus scaler (`type: prometheus`): metadata and authentication parameters.
//!
//! Every key KEDA reads is parsed here with KEDA's rules (see [`crate::metadata`]). Credentials
//! come only from TriggerAuthentication parameters, never from metadata, as in KEDA. Settings
//! that KEDA honours but swell cannot (Azure, Google and AWS managed Prometheus) and settings
//! KEDA itself ignores are kept as [`TriggerWarning`]s instead of being dropped silently.
//!
//! - [`request`]: the instant-query URL KEDA sends.
//! - [`response`]: how KEDA turns the HTTP response into one number.

pub mod request;
pub mod response;

use std::collections::BTreeMap;
use std::time::Duration;

use crate::metadata::{AuthParams, Fields, Lookup, Metadata};
use crate::trigger::{TriggerError, TriggerWarning};

pub use crate::trigger::secret::Secret;

/// KEDA's global HTTP timeout (`KEDA_HTTP_DEFAULT_TIMEOUT`), used when `timeout` is unset or 0.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(3000);

/// A parsed Prometheus trigger.
#[derive(Clone, Debug, PartialEq)]
pub struct PrometheusTrigger {
    /// `serverAddress`: the base URL; `/api/v1/query` is appended by plain concatenation.
    pub server_address: String,
    /// `query`: a PromQL instant query that must return at most one series.
    pub query: String,
    /// `threshold`: the HPA target.
    pub threshold: f64,
    /// `activationThreshold`: active when the value is strictly above it (default 0).
    pub activation_threshold: f64,
    /// `namespace`: sent as the `namespace` query parameter (Thanos querier tenancy).
    pub namespace: Option<String>,
    /// `customHeaders`: extra request headers.
    pub custom_headers: BTreeMap<String, String>,
    /// `queryParameters`: extra URL query parameters.
    pub query_parameters: BTreeMap<String, String>,
    /// `ignoreNullValues` (default true): an empty result, NaN or ±Inf reads as 0 instead of
    /// an error.
    pub ignore_null_values: bool,
    /// `unsafeSsl`: skip TLS certificate verification.
    pub unsafe_ssl: bool,
    /// `timeout`; `None` means [`DEFAULT_TIMEOUT`].
    pub timeout: Option<Duration>,
    /// Authentication from `authModes` and the TriggerAuthentication parameters.
    pub auth: PrometheusAuth,
    /// What KEDA would do differently or ignore (reported by `swell check` and logged).
    pub warnings: Vec<TriggerWarning>,
}

impl PrometheusTrigger {
    /// The request timeout in effect.
    pub fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }
}

/// One entry of `authModes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMode {
    /// HTTP basic auth from `username`/`password`.
    Basic,
    /// A client certificate from `cert`/`key`.
    Tls,
    /// `Authorization: Bearer <bearerToken>`.
    Bearer,
    /// `<customAuthHeader>: <customAuthValue>`.
    Custom,
    /// API key (validated, but ignored by KEDA's Prometheus requests).
    ApiKey,
    /// OAuth2 client credentials (validated, but ignored by KEDA's Prometheus requests).
    OAuth,
}

impl AuthMode {
    const NAMES: [&str; 6] = ["basic", "tls", "bearer", "custom", "apiKey", "oauth"];

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "basic" => Some(AuthMode::Basic),
            "tls" => Some(AuthMode::Tls),
            "bearer" => Some(AuthMode::Bearer),
            "custom" => Some(AuthMode::Custom),
            "apiKey" => Some(AuthMode::ApiKey),
            "oauth" => Some(AuthMode::OAuth),
            _ => None,
        }
    }
}

/// The authentication a Prometheus trigger uses. `Debug` redacts every credential.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PrometheusAuth {
    /// `authModes`, in the order written.
    pub modes: Vec<AuthMode>,
    /// `bearerToken` (alias `token`), for `bearer`.
    pub bearer_token: Option<Secret>,
    /// `username`, for `basic`.
    pub username: Option<String>,
    /// `password`, for `basic` (optional).
    pub password: Option<Secret>,
    /// `cert`: PEM client certificate, for `tls`.
    pub cert: Option<String>,
    /// `key`: PEM private key, for `tls`.
    pub key: Option<Secret>,
    /// `ca`: PEM CA bundle to trust; honoured whenever some auth mode is set.
    pub ca: Option<String>,
    /// `customAuthHeader`, for `custom`.
    pub custom_auth_header: Option<String>,
    /// `customAuthValue`, for `custom`.
    pub custom_auth_value: Option<Secret>,
}

/// The one authorization header KEDA sends, chosen as KEDA does.
#[derive(Clone, Debug, PartialEq)]
pub enum AuthHeader<'a> {
    /// `Authorization: Bearer <token>`.
    Bearer(&'a Secret),
    /// HTTP basic auth.
    Basic {
        /// The user name.
        username: &'a str,
        /// The password, possibly absent.
        password: Option<&'a Secret>,
    },
    /// A custom header.
    Custom {
        /// The header name.
        header: &'a str,
        /// The header value.
        value: &'a Secret,
    },
}

impl PrometheusAuth {
    /// Whether `mode` is in `authModes`.
    pub fn has(&self, mode: AuthMode) -> bool {
        self.modes.contains(&mode)
    }

    /// The authorization header to send: bearer, else basic, else custom.
    pub fn header(&self) -> Option<AuthHeader<'_>> {
        // KEDA's quirk: a `switch` picks one, so `basic,custom` never sends the custom header.
        if let (true, Some(token)) = (self.has(AuthMode::Bearer), &self.bearer_token) {
            return Some(AuthHeader::Bearer(token));
        }
        if let (true, Some(username)) = (self.has(AuthMode::Basic), &self.username) {
            return Some(AuthHeader::Basic {
                username,
                password: self.password.as_ref(),
            });
        }
        match (
            self.has(AuthMode::Custom),
            &self.custom_auth_header,
            &self.custom_auth_value,
        ) {
            (true, Some(header), Some(value)) => Some(AuthHeader::Custom { header, value }),
            _ => None,
        }
    }

    /// The CA bundle to trust: KEDA ignores `ca` unless some auth mode is set.
    pub fn effective_ca(&self) -> Option<&str> {
        self.ca.as_deref().filter(|_| !self.modes.is_empty())
    }

    /// The client certificate and key, when `tls` is enabled.
    pub fn client_identity(&self) -> Option<(&str, &Secret)> {
        match (self.has(AuthMode::Tls), &self.cert, &self.key) {
            (true, Some(cert), Some(key)) => Some((cert, key)),
            _ => None,
        }
    }
}

/// Credential parameter names: read from TriggerAuthentication only.
const CREDENTIAL_KEYS: &[&str] = &[
    "bearerToken",
    "token",
    "username",
    "password",
    "cert",
    "key",
    "ca",
    "customAuthHeader",
    "customAuthValue",
    "apiKey",
    "clientSecret",
];

/// Managed-Prometheus settings KEDA honours and swell cannot yet, with what they would do.
const CLOUD_KEYS: &[(&str, Lookup, &str)] = &[
    (
        "awsRegion",
        Lookup::MetadataThenAuth,
        "Amazon Managed Prometheus SigV4 signing",
    ),
    (
        "identityOwner",
        Lookup::Metadata,
        "the AWS identity owner for SigV4 signing",
    ),
    (
        "cloud",
        Lookup::Metadata,
        "Azure Monitor managed Prometheus authentication",
    ),
    (
        "azureManagedPrometheusResourceURL",
        Lookup::Metadata,
        "Azure Monitor token audience",
    ),
    (
        "credentialsFromEnv",
        Lookup::Metadata,
        "Google Managed Prometheus OAuth2",
    ),
    (
        "credentialsFromEnvFile",
        Lookup::Metadata,
        "Google Managed Prometheus OAuth2",
    ),
    (
        "GoogleApplicationCredentials",
        Lookup::Auth,
        "Google Managed Prometheus OAuth2",
    ),
];

/// Parses a Prometheus trigger's metadata and auth parameters.
pub fn parse(metadata: &Metadata, auth: &AuthParams) -> Result<PrometheusTrigger, TriggerError> {
    let fields = Fields::new(metadata, auth);
    let mut warnings = Vec::new();
    let warn = |warnings: &mut Vec<TriggerWarning>, key: &str, message: String| {
        warnings.push(TriggerWarning {
            key: key.to_string(),
            message,
        });
    };

    let server_address = fields
        .required(
            "serverAddress",
            Lookup::Metadata,
            "the Prometheus base URL, e.g. http://prometheus:9090",
        )?
        .to_string();
    if !server_address.starts_with("http://") && !server_address.starts_with("https://") {
        warn(
            &mut warnings,
            "serverAddress",
            format!(
                "`{server_address}` has no http:// or https:// scheme; requests will fail. \
                 Write `http://{server_address}` (or `https://` when Prometheus serves TLS)"
            ),
        );
    }
    let query = fields
        .required(
            "query",
            Lookup::Metadata,
            "a PromQL query returning one series, e.g. sum(vllm:num_requests_running)",
        )?
        .to_string();
    // KEDA requires `threshold` even when scalingModifiers replace the per-trigger target.
    let threshold = fields
        .float("threshold", Lookup::Metadata)?
        .ok_or_else(|| {
            TriggerError::new(
                "threshold",
                "is required: the per-replica target value, e.g. threshold: \"10\"",
            )
        })?;
    let activation_threshold = fields
        .float("activationThreshold", Lookup::Metadata)?
        .unwrap_or(0.0);

    let trigger = PrometheusTrigger {
        server_address,
        query,
        threshold,
        activation_threshold,
        namespace: fields
            .string("namespace", Lookup::Metadata)
            .map(str::to_string),
        custom_headers: fields.map("customHeaders", Lookup::Metadata)?,
        query_parameters: fields.map("queryParameters", Lookup::Metadata)?,
        ignore_null_values: fields.bool("ignoreNullValues", Lookup::Metadata, true)?,
        unsafe_ssl: fields.bool("unsafeSsl", Lookup::Metadata, false)?,
        timeout: fields.duration("timeout", Lookup::Metadata)?,
        auth: parse_auth(&fields, &mut warnings)?,
        warnings: Vec::new(),
    };

    for key in CREDENTIAL_KEYS {
        if fields.in_metadata(key) {
            warn(&mut warnings, key, "is ignored in trigger metadata: credentials are read only from a TriggerAuthentication (authenticationRef)".to_string());
        }
    }
    for (key, lookup, purpose) in CLOUD_KEYS {
        if fields.string(key, *lookup).is_some() {
            warn(
                &mut warnings,
                key,
                format!(
                    "selects {purpose}, which swell does not support yet; requests are sent without it"
                ),
            );
        }
    }
    if fields.in_metadata("metricName") {
        warn(&mut warnings, "metricName", "was removed from KEDA and is ignored (the metric is named `s<index>-prometheus`); delete it".to_string());
    }
    if fields.in_metadata("cortexOrgID") {
        warn(
            &mut warnings,
            "cortexOrgID",
            "was removed from KEDA and is ignored; use `customHeaders: X-Scope-OrgID=<id>`"
                .to_string(),
        );
    }
    if trigger.auth.ca.is_some() && trigger.auth.modes.is_empty() {
        // KEDA's quirk (docs say otherwise): `ca` only applies when some authModes is set.
        warn(&mut warnings, "ca", "is ignored because no authModes is set (KEDA behaves the same); add authModes, e.g. `tls` or `basic`".to_string());
    }
    if trigger.unsafe_ssl
        && (trigger.auth.effective_ca().is_some() || trigger.auth.has(AuthMode::Tls))
    {
        warn(
            &mut warnings,
            "unsafeSsl",
            "is ignored when `ca` or tls auth is configured (KEDA builds a verifying transport)"
                .to_string(),
        );
    }
    Ok(PrometheusTrigger {
        warnings,
        ..trigger
    })
}

fn parse_auth(
    fields: &Fields<'_>,
    warnings: &mut Vec<TriggerWarning>,
) -> Result<PrometheusAuth, TriggerError> {
    let (modes_key, _) = fields
        .string_any(&["authModes", "authMode"], Lookup::MetadataThenAuth)
        .unwrap_or(("authModes", ""));
    let modes: Vec<AuthMode> = fields
        .enum_list(modes_key, Lookup::MetadataThenAuth, &AuthMode::NAMES)?
        .iter()
        .filter_map(|name| AuthMode::from_name(name))
        .collect();
    let exclusive = [AuthMode::Bearer, AuthMode::Basic, AuthMode::OAuth];
    if modes.iter().filter(|m| exclusive.contains(m)).count() > 1 {
        return Err(TriggerError::new(
            modes_key,
            "may enable at most one of bearer, basic and oauth; keep the one your Prometheus expects",
        ));
    }

    let secret = |key: &str| fields.string(key, Lookup::Auth).map(Secret::new);
    let text = |key: &str| fields.string(key, Lookup::Auth).map(str::to_string);
    let auth = PrometheusAuth {
        bearer_token: fields
            .string_any(&["bearerToken", "token"], Lookup::Auth)
            .map(|(_, v)| Secret::new(v)),
        username: text("username"),
        password: secret("password"),
        cert: text("cert"),
        key: secret("key"),
        ca: text("ca"),
        custom_auth_header: text("customAuthHeader"),
        custom_auth_value: secret("customAuthValue"),
        modes,
    };

    let missing = |key: &str, mode: &str, what: &str| {
        TriggerError::new(
            key,
            format!(
                "is required when {mode} auth is enabled: add parameter `{key}` ({what}) to the TriggerAuthentication"
            ),
        )
    };
    if auth.has(AuthMode::Bearer) && auth.bearer_token.is_none() {
        return Err(missing("bearerToken", "bearer", "the token"));
    }
    if auth.has(AuthMode::Basic) && auth.username.is_none() {
        return Err(missing("username", "basic", "the user name"));
    }
    if auth.has(AuthMode::Tls) {
        if auth.cert.is_none() {
            return Err(missing("cert", "tls", "the PEM client certificate"));
        }
        if auth.key.is_none() {
            return Err(missing("key", "tls", "the PEM private key"));
        }
    }
    if auth.has(AuthMode::Custom) {
        if auth.custom_auth_header.is_none() {
            return Err(missing("customAuthHeader", "custom", "the header name"));
        }
        if auth.custom_auth_value.is_none() {
            return Err(missing("customAuthValue", "custom", "the header value"));
        }
    }
    if auth.has(AuthMode::ApiKey) {
        if fields.string("apiKey", Lookup::Auth).is_none() {
            return Err(missing("apiKey", "apiKey", "the API key"));
        }
        warnings.push(TriggerWarning {
            key: modes_key.to_string(),
            message: "apiKey auth is accepted but KEDA's Prometheus scaler never sends the key; use bearer or custom instead".to_string(),
        });
    }
    if auth.has(AuthMode::OAuth) {
        for key in ["oauthTokenURI", "clientID", "clientSecret"] {
            if fields.string(key, Lookup::Auth).is_none() {
                return Err(missing(
                    key,
                    "oauth",
                    "for the OAuth2 client-credentials flow",
                ));
            }
        }
        warnings.push(TriggerWarning {
            key: modes_key.to_string(),
            message: "oauth auth is accepted but KEDA's Prometheus scaler never fetches a token; use bearer instead".to_string(),
        });
    }
    Ok(auth)
}

/// The value KEDA hands the HPA: negative, NaN and ±Inf become 0.
pub fn hpa_value(value: f64) -> f64 {
    if value.is_finite() && value > 0.0 {
        value
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests;
