//! `swell emulate` processes for end-to-end tests: the built binary on a free loopback port,
//! waited on until `/health` answers, killed when dropped; plus reading a metric from its own
//! `/metrics` page and holding streaming requests open so it has work running.
//!
//! Requires `super::process` (include `support/process.rs` as `mod process` next to it).

// Shared by several test crates, each of which uses only a part.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::process::{ChildGuard, free_port, wait_until_async};

/// A running `swell emulate`.
pub struct Emulator {
    /// `127.0.0.1:PORT`.
    pub endpoint: String,
    /// The served model name.
    pub model: String,
    process: ChildGuard,
}

impl Emulator {
    /// Starts `swell emulate` serving `model` with the extra `args`, logging to `dir`, and
    /// waits until `/health` answers 200 (it refuses connections during its start-up delay).
    pub async fn start(swell: &str, model: &str, args: &[&str], dir: &Path) -> Emulator {
        let port = free_port();
        let mut command = Command::new(swell);
        command
            .args(["emulate", "--port", &port.to_string(), "--model", model])
            .args(args);
        let process = ChildGuard::spawn(&format!("emulate-{port}"), command, dir);
        let emulator = Emulator {
            endpoint: format!("127.0.0.1:{port}"),
            model: model.to_string(),
            process,
        };
        let client = reqwest::Client::new();
        let url = format!("http://{}/health", emulator.endpoint);
        wait_until_async(
            "swell emulate to answer /health",
            Duration::from_secs(20),
            || {
                let request = client.get(&url).send();
                async move {
                    match request.await {
                        Ok(r) if r.status().is_success() => Ok(()),
                        Ok(r) => Err(format!("HTTP {}", r.status())),
                        Err(e) => Err(e.to_string()),
                    }
                }
            },
        )
        .await;
        emulator
    }

    /// The sum of a gauge's samples on this emulator's `/metrics` for its model.
    pub async fn gauge(&self, client: &reqwest::Client, family: &str) -> Result<f64, String> {
        let url = format!("http://{}/metrics", self.endpoint);
        let response = client.get(&url).send().await.map_err(|e| e.to_string())?;
        let page = response.text().await.map_err(|e| e.to_string())?;
        let label = format!("model_name=\"{}\"", self.model);
        let values: Vec<f64> = page
            .lines()
            .filter(|l| l.starts_with(&format!("{family}{{")) && l.contains(&label))
            .filter_map(|l| l.rsplit(' ').next()?.parse().ok())
            .collect();
        if values.is_empty() {
            return Err(format!("{family} not on {url}"));
        }
        Ok(values.iter().sum())
    }

    /// Sends a streaming chat request for `max_tokens` tokens and keeps reading it until the
    /// task is aborted, so the request stays in the emulator's running batch.
    pub fn hold_request(&self, max_tokens: u32) -> tokio::task::JoinHandle<Result<(), String>> {
        let url = format!("http://{}/v1/chat/completions", self.endpoint);
        let body = serde_json::json!({
            "model": self.model,
            "messages": [{"role": "user", "content": "Tell me a long story."}],
            "max_tokens": max_tokens,
            "stream": true,
        });
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut response = client
                .post(&url)
                .json(&body)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !response.status().is_success() {
                return Err(format!("HTTP {}", response.status()));
            }
            while response.chunk().await.map_err(|e| e.to_string())?.is_some() {}
            Ok(())
        })
    }

    /// Fails the test if the emulator has exited.
    pub fn assert_running(&mut self) {
        self.process.assert_running();
    }
}
