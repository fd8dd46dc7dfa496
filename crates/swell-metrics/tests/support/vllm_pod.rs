//! An in-test HTTP server exposing vLLM-style `/metrics` whose values the test sets, plus
//! misbehaving modes (garbage text, hanging mid-page).

// Shared by several test crates, each of which uses only a part.
#![allow(dead_code)]

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::routing::get;

/// How the pod answers `/metrics`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    /// A well-formed vLLM page.
    Normal,
    /// Text that is not the exposition format.
    Garbage,
    /// Sends the first lines, then never finishes the body.
    HangMidPage,
}

/// What the page reports.
#[derive(Clone, Debug)]
pub struct PodState {
    /// `vllm:num_requests_running`.
    pub running: f64,
    /// `vllm:num_requests_waiting`.
    pub waiting: f64,
    /// `model_name` label.
    pub model: String,
    /// TTFT observations so far, in seconds.
    pub ttft: Vec<f64>,
    /// Answer mode.
    pub mode: Mode,
}

/// A running fake pod.
#[derive(Clone)]
pub struct FakePod {
    /// `127.0.0.1:PORT`.
    pub endpoint: String,
    state: Arc<Mutex<PodState>>,
}

const TTFT_BOUNDS: [f64; 22] = [
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
];

impl FakePod {
    /// Starts a pod on a free loopback port (inside the current tokio runtime).
    pub async fn start(model: &str) -> FakePod {
        let state = Arc::new(Mutex::new(PodState {
            running: 0.0,
            waiting: 0.0,
            model: model.to_string(),
            ttft: Vec::new(),
            mode: Mode::Normal,
        }));
        let app = Router::new()
            .route("/metrics", get(metrics))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakePod { endpoint, state }
    }

    /// Changes what the page reports.
    pub fn set(&self, change: impl FnOnce(&mut PodState)) {
        change(&mut self.state.lock().unwrap());
    }
}

/// The page for `state`, shaped like vLLM's (Python client conventions).
pub fn render(state: &PodState) -> String {
    let labels = format!("engine=\"0\",model_name=\"{}\"", state.model);
    let mut page = format!(
        "# HELP vllm:num_requests_running Number of requests in model execution batches.\n\
         # TYPE vllm:num_requests_running gauge\n\
         vllm:num_requests_running{{{labels}}} {:.1}\n\
         # HELP vllm:num_requests_waiting Number of requests waiting to be processed.\n\
         # TYPE vllm:num_requests_waiting gauge\n\
         vllm:num_requests_waiting{{{labels}}} {:.1}\n\
         # HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.\n\
         # TYPE vllm:time_to_first_token_seconds histogram\n",
        state.running, state.waiting
    );
    for bound in TTFT_BOUNDS {
        let count = state.ttft.iter().filter(|t| **t <= bound).count();
        page.push_str(&format!("vllm:time_to_first_token_seconds_bucket{{engine=\"0\",le=\"{bound:?}\",model_name=\"{}\"}} {count}.0\n", state.model));
    }
    let total = state.ttft.len();
    page.push_str(&format!(
        "vllm:time_to_first_token_seconds_bucket{{engine=\"0\",le=\"+Inf\",model_name=\"{m}\"}} {total}.0\n\
         vllm:time_to_first_token_seconds_count{{{labels}}} {total}.0\n\
         vllm:time_to_first_token_seconds_sum{{{labels}}} {}\n\
         vllm:time_to_first_token_seconds_created{{{labels}}} 1.7561052e+09\n",
        state.ttft.iter().sum::<f64>(),
        m = state.model
    ));
    page
}

async fn metrics(State(state): State<Arc<Mutex<PodState>>>) -> Body {
    let state = state.lock().unwrap().clone();
    match state.mode {
        Mode::Normal => Body::from(render(&state)),
        Mode::Garbage => Body::from("<html><body>502 Bad Gateway</body></html>\n"),
        Mode::HangMidPage => {
            let first = render(&state)
                .lines()
                .take(3)
                .collect::<Vec<_>>()
                .join("\n");
            let chunks =
                futures::stream::once(async move { Ok::<_, Infallible>(Bytes::from(first)) })
                    .chain(futures::stream::pending());
            Body::from_stream(chunks)
        }
    }
}

use futures::StreamExt as _;
