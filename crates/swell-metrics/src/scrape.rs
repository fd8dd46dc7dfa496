//! Scraping `/metrics` from many pods at once.
//!
//! Every endpoint is fetched concurrently, each under its own deadline covering the whole
//! exchange (connect, headers and body), so a pod that accepts the connection and then hangs
//! mid-page costs one timeout, not a stalled evaluation. Failures are per endpoint; the caller
//! decides whether a partial fleet is good enough.

use std::time::Duration;

use thiserror::Error;
use tokio::time::Instant;

/// A page fetched from one endpoint.
#[derive(Clone, Debug)]
pub struct Page {
    /// The endpoint as configured (`host:port`).
    pub endpoint: String,
    /// The exposition text.
    pub body: String,
    /// When the page arrived (tokio time, so tests can pause it).
    pub scraped_at: Instant,
}

/// Why one endpoint gave no page.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ScrapeError {
    /// No complete answer within the deadline.
    #[error(
        "{endpoint}: no complete /metrics answer within {timeout_ms} ms (pod hung or overloaded)"
    )]
    Timeout {
        /// The endpoint.
        endpoint: String,
        /// The deadline.
        timeout_ms: u128,
    },
    /// Connecting or reading failed.
    #[error("{endpoint}: {detail}")]
    Transport {
        /// The endpoint.
        endpoint: String,
        /// What failed.
        detail: String,
    },
    /// A non-2xx status.
    #[error("{endpoint}: HTTP {status} from the metrics path; check the trigger's `path`")]
    Status {
        /// The endpoint.
        endpoint: String,
        /// The status code.
        status: u16,
    },
    /// The page is not valid exposition text.
    #[error("{endpoint}: not Prometheus text format ({detail})")]
    Parse {
        /// The endpoint.
        endpoint: String,
        /// The parser's message.
        detail: String,
    },
}

impl ScrapeError {
    /// The endpoint concerned.
    pub fn endpoint(&self) -> &str {
        match self {
            ScrapeError::Timeout { endpoint, .. }
            | ScrapeError::Transport { endpoint, .. }
            | ScrapeError::Status { endpoint, .. }
            | ScrapeError::Parse { endpoint, .. } => endpoint,
        }
    }
}

/// Fetches metric pages; cheap to clone (one shared connection pool).
#[derive(Clone, Debug)]
pub struct Scraper {
    client: reqwest::Client,
}

impl Default for Scraper {
    fn default() -> Self {
        Scraper::new()
    }
}

impl Scraper {
    /// A scraper with its own connection pool.
    pub fn new() -> Self {
        crate::tls::install_crypto_provider();
        // Builder defaults cannot fail without custom TLS settings.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(4)
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Scraper { client }
    }

    /// The URL of `path` on `endpoint` (`host:port`, or a URL with scheme).
    pub fn url(endpoint: &str, path: &str) -> String {
        if endpoint.starts_with("http://") || endpoint.starts_with("https://") {
            format!("{}{path}", endpoint.trim_end_matches('/'))
        } else {
            format!("http://{endpoint}{path}")
        }
    }

    /// Fetches `path` from every endpoint concurrently, each within `timeout`.
    pub async fn scrape_all(
        &self,
        endpoints: &[String],
        path: &str,
        timeout: Duration,
    ) -> Vec<Result<Page, ScrapeError>> {
        let fetches = endpoints
            .iter()
            .map(|endpoint| self.scrape(endpoint, path, timeout));
        futures::future::join_all(fetches).await
    }

    /// Fetches `path` from one endpoint within `timeout`.
    pub async fn scrape(
        &self,
        endpoint: &str,
        path: &str,
        timeout: Duration,
    ) -> Result<Page, ScrapeError> {
        let exchange = async {
            let transport = |e: reqwest::Error| ScrapeError::Transport {
                endpoint: endpoint.to_string(),
                detail: crate::prometheus::error_chain(&e),
            };
            let response = self
                .client
                .get(Scraper::url(endpoint, path))
                .send()
                .await
                .map_err(transport)?;
            let status = response.status().as_u16();
            if !(200..300).contains(&status) {
                return Err(ScrapeError::Status {
                    endpoint: endpoint.to_string(),
                    status,
                });
            }
            let body = response.text().await.map_err(transport)?;
            Ok(Page {
                endpoint: endpoint.to_string(),
                body,
                scraped_at: Instant::now(),
            })
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(ScrapeError::Timeout {
                    endpoint: endpoint.to_string(),
                    timeout_ms: timeout.as_millis(),
                })
            })
    }
}
