//! Sending one OpenAI request and timing its response as it streams in.
//!
//! Built on the hyper-util client because the timings must be those of the bytes arriving: each
//! body frame is stamped when hyper hands it over and split into SSE events, so time to first
//! token is the arrival of the first event carrying text, inter-token latency the gaps between
//! such events, and end-to-end latency the end of the body. All latencies count from the
//! *scheduled* send time, so a generator that falls behind shows up in the numbers instead of
//! hiding them. Plain HTTP only.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::schedule::Arrival;

/// Which OpenAI endpoint to call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// `/v1/chat/completions`.
    Chat,
    /// `/v1/completions`.
    Completions,
}

/// What to send.
#[derive(Clone, Debug)]
pub struct RequestTemplate {
    /// Endpoint.
    pub api: Api,
    /// `model`.
    pub model: String,
    /// Stream the response (needed for TTFT and ITL).
    pub stream: bool,
    /// Send `ignore_eos: true`.
    pub ignore_eos: bool,
    /// Give up after this long.
    pub timeout: Duration,
}

/// The measurements of one request (a line of `--out`). Times in seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestResult {
    /// Position in the schedule.
    pub index: usize,
    /// Base URL it went to.
    pub target: String,
    /// Scheduled send time, from the start of the run.
    pub scheduled: f64,
    /// How late the send actually was.
    pub send_lag: f64,
    /// HTTP status (0 when no response).
    pub status: u16,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// Time to first token.
    pub ttft: Option<f64>,
    /// Mean gap between tokens.
    pub itl_mean: Option<f64>,
    /// End to end.
    pub e2e: Option<f64>,
    /// Prompt tokens asked for (the server's count is in `usagePromptTokens`).
    pub prompt_tokens: u32,
    /// `max_tokens` sent.
    pub max_tokens: u32,
    /// Token events received (streaming) or `usage.completion_tokens`.
    pub output_tokens: u32,
    /// Prompt tokens as the server counted them (from `usage`).
    pub usage_prompt_tokens: Option<u32>,
    /// The finish reason of the last choice.
    pub finish_reason: Option<String>,
    /// Every inter-token gap (kept for the summary, not written out).
    #[serde(skip)]
    pub itls: Vec<f64>,
}

/// A pooled HTTP/1 client.
#[derive(Clone)]
pub struct Client {
    inner: HyperClient<HttpConnector, Full<Bytes>>,
}

impl Default for Client {
    fn default() -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let inner = HyperClient::builder(TokioExecutor::new())
            .pool_max_idle_per_host(1024)
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Client { inner }
    }
}

/// A prompt of about `tokens` tokens: three-letter words and a space, 4 characters each (one
/// token for BPE tokenizers and for the emulator's 4-characters-per-token estimate).
pub fn prompt_text(tokens: u32) -> String {
    const WORDS: [&str; 8] = ["the", "and", "for", "you", "not", "are", "but", "can"];
    (0..tokens as usize)
        .map(|i| WORDS[i % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
        + " "
}

impl Client {
    /// GETs `url` and returns the body (for model discovery).
    pub async fn get(&self, url: &str) -> Result<(u16, Bytes), String> {
        let request = Request::get(url)
            .body(Full::new(Bytes::new()))
            .map_err(|err| format!("invalid URL `{url}`: {err}"))?;
        let response = self
            .inner
            .request(request)
            .await
            .map_err(|err| format!("GET {url}: {err}"))?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|err| format!("GET {url}: {err}"))?;
        Ok((status, body.to_bytes()))
    }

    /// Sends one request scheduled at `scheduled` (an instant already reached or past) and
    /// measures its response.
    pub async fn send(
        &self,
        base_url: &str,
        template: &RequestTemplate,
        arrival: &Arrival,
        scheduled: Instant,
        run_start: Instant,
    ) -> RequestResult {
        let mut result = RequestResult {
            target: base_url.to_owned(),
            scheduled: scheduled.duration_since(run_start).as_secs_f64(),
            send_lag: scheduled.elapsed().as_secs_f64(),
            prompt_tokens: arrival.prompt_tokens,
            max_tokens: arrival.max_tokens,
            ..RequestResult::default()
        };
        let exchange = self.exchange(base_url, template, arrival, scheduled, &mut result);
        match tokio::time::timeout(template.timeout, exchange).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => result.error = Some(error),
            Err(_) => result.error = Some(format!("timed out after {:?}", template.timeout)),
        }
        if !result.itls.is_empty() {
            result.itl_mean = Some(result.itls.iter().sum::<f64>() / result.itls.len() as f64);
        }
        result
    }

    async fn exchange(
        &self,
        base_url: &str,
        template: &RequestTemplate,
        arrival: &Arrival,
        scheduled: Instant,
        result: &mut RequestResult,
    ) -> Result<(), String> {
        let (path, mut body) = match template.api {
            Api::Chat => (
                "/v1/chat/completions",
                json!({"messages": [{"role": "user", "content": prompt_text(arrival.prompt_tokens)}]}),
            ),
            Api::Completions => (
                "/v1/completions",
                json!({"prompt": prompt_text(arrival.prompt_tokens)}),
            ),
        };
        body["model"] = json!(template.model);
        body["max_tokens"] = json!(arrival.max_tokens);
        body["stream"] = json!(template.stream);
        if template.stream {
            body["stream_options"] = json!({"include_usage": true});
        }
        if template.ignore_eos {
            body["ignore_eos"] = json!(true);
        }
        let url = format!("{}{path}", base_url.trim_end_matches('/'));
        let request = Request::post(&url)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .map_err(|err| format!("invalid URL `{url}`: {err}"))?;

        let response = self
            .inner
            .request(request)
            .await
            .map_err(|err| format!("request failed: {err}"))?;
        result.status = response.status().as_u16();
        let mut body = response.into_body();
        if result.status != 200 {
            let text = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            return Err(format!(
                "HTTP {}: {}",
                result.status,
                String::from_utf8_lossy(&text)
            ));
        }

        let mut events = SseSplitter::default();
        let mut last_token: Option<Instant> = None;
        let mut full = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|err| format!("response body failed: {err}"))?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            let now = Instant::now();
            if !template.stream {
                full.extend_from_slice(&data);
                continue;
            }
            for event in events.push(&data) {
                let Some(payload) = event.strip_prefix("data: ") else {
                    continue;
                };
                if payload == "[DONE]" {
                    continue;
                }
                let value: Value =
                    serde_json::from_str(payload).map_err(|err| format!("bad SSE event: {err}"))?;
                if let Some(error) = value.get("error") {
                    return Err(format!("error event: {error}"));
                }
                read_usage(&value, result);
                let Some(choice) = value["choices"].get(0) else {
                    continue;
                };
                let text = choice["delta"]["content"]
                    .as_str()
                    .or_else(|| choice["text"].as_str());
                if text.is_some_and(|t| !t.is_empty()) {
                    match last_token {
                        None => result.ttft = Some(now.duration_since(scheduled).as_secs_f64()),
                        Some(previous) => {
                            result.itls.push(now.duration_since(previous).as_secs_f64())
                        }
                    }
                    last_token = Some(now);
                    result.output_tokens += 1;
                }
                if let Some(reason) = choice["finish_reason"].as_str() {
                    result.finish_reason = Some(reason.to_owned());
                }
            }
        }
        result.e2e = Some(scheduled.elapsed().as_secs_f64());
        if !template.stream {
            let value: Value =
                serde_json::from_slice(&full).map_err(|err| format!("bad response body: {err}"))?;
            read_usage(&value, result);
            result.output_tokens = value["usage"]["completion_tokens"].as_u64().unwrap_or(0) as u32;
            result.finish_reason = value["choices"][0]["finish_reason"]
                .as_str()
                .map(str::to_owned);
        }
        Ok(())
    }
}

fn read_usage(value: &Value, result: &mut RequestResult) {
    if let Some(prompt) = value["usage"]["prompt_tokens"].as_u64() {
        result.usage_prompt_tokens = Some(prompt as u32);
    }
}

/// Splits a byte stream into SSE events (separated by a blank line), across frame boundaries.
#[derive(Default)]
pub struct SseSplitter {
    buffer: String,
}

impl SseSplitter {
    /// Adds bytes; returns the events completed by them, without the separator.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buffer.push_str(&String::from_utf8_lossy(bytes));
        let mut events = Vec::new();
        while let Some(end) = self.buffer.find("\n\n") {
            let event: String = self.buffer.drain(..end + 2).collect();
            events.push(event.trim_end_matches('\n').to_owned());
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_events_split_across_frames() {
        let mut splitter = SseSplitter::default();
        assert!(splitter.push(b"data: {\"a\"").is_empty());
        assert_eq!(
            splitter.push(b":1}\n\ndata: [DONE]\n\n"),
            vec!["data: {\"a\":1}", "data: [DONE]"]
        );
    }

    #[test]
    fn prompt_text_is_four_characters_per_token() {
        assert_eq!(prompt_text(3), "the and for ");
        assert_eq!(crate::openai::estimate_tokens(&prompt_text(256)), 256);
    }
}
