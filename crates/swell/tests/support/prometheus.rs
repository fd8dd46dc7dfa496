//! A real Prometheus for end-to-end tests: Debian's `prometheus` on a free loopback port,
//! scraping the given targets every second, optionally behind basic auth
//! (`--web.config.file` with a bcrypt hash). Stopped when dropped.
//!
//! Requires `super::process` (include `support/process.rs` as `mod process` next to it).

// Shared by several test crates, each of which uses only a part.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use super::process::{ChildGuard, free_port, wait_until_async};

/// Where Debian installs Prometheus.
pub const DEBIAN_BINARY: &str = "/usr/bin/prometheus";

/// A running Prometheus.
pub struct Prometheus {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The basic-auth user and password, when enabled.
    pub basic_auth: Option<(String, String)>,
    process: ChildGuard,
    _dir: tempfile::TempDir,
}

/// The Prometheus binary, or `None` when it is not installed and the caller may skip:
/// without it, the test fails unless `SWELL_ALLOW_SKIP=1`, in which case it says loudly that
/// it skipped.
pub fn binary_or_skip(test: &str) -> Option<PathBuf> {
    let path = PathBuf::from(DEBIAN_BINARY);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("SWELL_ALLOW_SKIP").as_deref() == Ok("1") {
        eprintln!(
            "\n!!!!!!!! SKIPPED {test}: {DEBIAN_BINARY} is missing (apt-get install prometheus) \
             and SWELL_ALLOW_SKIP=1 !!!!!!!!\n"
        );
        return None;
    }
    panic!(
        "{test} needs a real Prometheus at {DEBIAN_BINARY}: apt-get install prometheus (or set \
         SWELL_ALLOW_SKIP=1 to skip)"
    );
}

impl Prometheus {
    /// Starts Prometheus scraping `targets` (`host:port`) every second, with basic auth when
    /// `basic_auth` is given, and waits until it is ready.
    pub async fn start(
        binary: PathBuf,
        targets: &[String],
        basic_auth: Option<(&str, &str)>,
    ) -> Prometheus {
        let dir = tempfile::tempdir().expect("temporary directory");
        let target_list = targets
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  \
             - job_name: vllm\n    scrape_interval: 1s\n    scrape_timeout: 900ms\n    \
             static_configs:\n      - targets: [{target_list}]\n"
        );
        let config_path = dir.path().join("prometheus.yml");
        std::fs::write(&config_path, config).expect("write prometheus.yml");

        let port = free_port();
        let mut command = Command::new(binary);
        command
            .arg(format!("--config.file={}", config_path.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn");
        if let Some((user, password)) = basic_auth {
            // Cost 4 is bcrypt's minimum: plenty for a test credential, fast on two cores.
            let hash = bcrypt::hash(password, 4).expect("bcrypt hash");
            let web = dir.path().join("web.yml");
            std::fs::write(&web, format!("basic_auth_users:\n  {user}: '{hash}'\n"))
                .expect("write web.yml");
            command.arg(format!("--web.config.file={}", web.display()));
        }
        let process = ChildGuard::spawn("prometheus", command, dir.path());

        let prometheus = Prometheus {
            url: format!("http://127.0.0.1:{port}"),
            basic_auth: basic_auth.map(|(u, p)| (u.to_string(), p.to_string())),
            process,
            _dir: dir,
        };
        prometheus.wait_ready().await;
        prometheus
    }

    async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        let url = format!("{}/-/ready", self.url);
        wait_until_async(
            "Prometheus to be ready",
            Duration::from_secs(30),
            || async {
                let response = self.get(&client, &url).await?;
                match response.status().as_u16() {
                    200 => Ok(()),
                    status => Err(format!("HTTP {status}; log:\n{}", self.process.log())),
                }
            },
        )
        .await;
    }

    fn get(
        &self,
        client: &reqwest::Client,
        url: &str,
    ) -> impl std::future::Future<Output = Result<reqwest::Response, String>> {
        let mut request = client.get(url).timeout(Duration::from_secs(5));
        if let Some((user, password)) = &self.basic_auth {
            request = request.basic_auth(user, Some(password));
        }
        async move { request.send().await.map_err(|e| e.to_string()) }
    }

    /// The result of an instant query as a number, `None` when the result is empty.
    pub async fn query_value(&self, query: &str) -> Result<Option<f64>, String> {
        let client = reqwest::Client::new();
        let url = format!("{}/api/v1/query?query={}", self.url, encode(query));
        let response = self.get(&client, &url).await?;
        let body = response.text().await.map_err(|e| e.to_string())?;
        let json: serde_json::Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
        match json["data"]["result"].as_array().map(Vec::as_slice) {
            Some([]) => Ok(None),
            Some([one]) => one["value"][1]
                .as_str()
                .and_then(|v| v.parse().ok())
                .map(Some)
                .ok_or_else(|| format!("unexpected answer {body}")),
            _ => Err(format!("unexpected answer {body}")),
        }
    }

    /// Fails the test if Prometheus has exited.
    pub fn assert_running(&mut self) {
        self.process.assert_running();
    }
}

/// Percent-encodes a query string value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
