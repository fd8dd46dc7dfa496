//! The HTTP surface of a vLLM OpenAI-compatible server: generation routes (also under
//! `/openai/v1`, as KServe's Hugging Face runtime serves them), model listing, health, version,
//! load, metrics, and the emulator's own fault-injection endpoint.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;
use swell_sim::{RequestSpec, SubmitError};
use tracing::{info, trace};

use crate::config::EmulatorConfig;
use crate::engine::{Engine, EngineError};
use crate::exposition::{self, ExpositionContext};
use crate::openai::{self, ApiError, Generation};
use crate::response::{ResponseHead, response_id};
use crate::stream::Reply;

/// What every handler shares.
pub struct AppState {
    /// The running engine.
    pub engine: Arc<Engine>,
    /// The configuration.
    pub config: EmulatorConfig,
    /// Unix time the server started (for `created` and `_created`).
    pub started_unix: f64,
    serial: AtomicU64,
}

impl AppState {
    /// State for a server whose engine is running.
    pub fn new(engine: Arc<Engine>, config: EmulatorConfig) -> Self {
        AppState {
            engine,
            config,
            started_unix: unix_now(),
            serial: AtomicU64::new(0),
        }
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The router.
pub fn router(state: Arc<AppState>) -> Router {
    let openai = Router::new()
        .route("/models", get(models))
        .route("/completions", post(completions))
        .route("/chat/completions", post(chat_completions));
    Router::new()
        .nest("/v1", openai.clone())
        .nest("/openai/v1", openai)
        .route("/health", get(health))
        .route("/ping", get(health).post(health))
        .route("/version", get(version))
        .route("/load", get(load))
        .route("/metrics", get(metrics))
        .route("/admin/fault", get(get_fault).post(set_fault))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [("content-type", "application/json")],
        r#"{"detail":"Not Found"}"#,
    )
        .into_response()
}

async fn method_not_allowed() -> Response {
    let body = r#"{"detail":"Method Not Allowed"}"#;
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [("content-type", "application/json")],
        body,
    )
        .into_response()
}

async fn health(State(app): State<Arc<AppState>>) -> StatusCode {
    if app.engine.is_dead() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    }
}

async fn version(State(app): State<Arc<AppState>>) -> Response {
    axum::Json(json!({ "version": app.config.vllm_version })).into_response()
}

async fn load(State(app): State<Arc<AppState>>) -> Response {
    let load = if app.config.server_load_tracking {
        app.engine.in_flight()
    } else {
        0
    };
    axum::Json(json!({ "server_load": load })).into_response()
}

async fn metrics(State(app): State<Arc<AppState>>) -> Response {
    let (gauges, metrics, replica) = app.engine.snapshot();
    let context = ExpositionContext {
        model_name: app.config.served_model_name.clone(),
        created_unix: app.started_unix,
        names: app.config.metric_names,
    };
    let page = exposition::render(&gauges, &metrics, &replica, &context);
    ([("content-type", exposition::CONTENT_TYPE)], page).into_response()
}

async fn models(State(app): State<Arc<AppState>>) -> Response {
    #[derive(Serialize)]
    struct Permission {
        id: String,
        object: &'static str,
        created: u64,
        allow_create_engine: bool,
        allow_sampling: bool,
        allow_logprobs: bool,
        allow_search_indices: bool,
        allow_view: bool,
        allow_fine_tuning: bool,
        organization: &'static str,
        group: Option<()>,
        is_blocking: bool,
    }
    #[derive(Serialize)]
    struct Model<'a> {
        id: &'a str,
        object: &'static str,
        created: u64,
        owned_by: &'static str,
        root: &'a str,
        parent: Option<()>,
        max_model_len: u32,
        permission: [Permission; 1],
    }
    #[derive(Serialize)]
    struct List<'a> {
        object: &'static str,
        data: [Model<'a>; 1],
    }
    let created = unix_now() as u64;
    let serial = app.serial.load(Ordering::Relaxed);
    let permission = Permission {
        id: format!(
            "modelperm-{}",
            &response_id(openai::Endpoint::Completions, app.config.seed, serial)[5..]
        ),
        object: "model_permission",
        created,
        allow_create_engine: false,
        allow_sampling: true,
        allow_logprobs: true,
        allow_search_indices: false,
        allow_view: true,
        allow_fine_tuning: false,
        organization: "*",
        group: None,
        is_blocking: false,
    };
    let model = Model {
        id: &app.config.served_model_name,
        object: "model",
        created,
        owned_by: "vllm",
        root: &app.config.model,
        parent: None,
        max_model_len: app.config.replica.max_model_len,
        permission: [permission],
    };
    axum::Json(List {
        object: "list",
        data: [model],
    })
    .into_response()
}

async fn completions(State(app): State<Arc<AppState>>, body: Bytes) -> Response {
    match openai::parse_completion(&body) {
        Ok(generation) => generate(app, generation).await,
        Err(err) => err.into_response(),
    }
}

async fn chat_completions(State(app): State<Arc<AppState>>, body: Bytes) -> Response {
    match openai::parse_chat(&body) {
        Ok(generation) => generate(app, generation).await,
        Err(err) => err.into_response(),
    }
}

/// Validates, submits to the engine and answers (streaming or not).
async fn generate(app: Arc<AppState>, generation: Generation) -> Response {
    let config = &app.config;
    if let Some(model) = generation
        .model
        .as_deref()
        .filter(|m| *m != config.served_model_name)
    {
        return ApiError::model_not_found(model).into_response();
    }

    let spec = request_spec(&generation, config);
    let ticket = match app.engine.submit(spec) {
        Ok(ticket) => ticket,
        Err(err) => return submit_error(err, config).into_response(),
    };
    let serial = app.serial.fetch_add(1, Ordering::Relaxed);
    trace!(request = %ticket.id(), prompt_tokens = spec.prompt_tokens, max_tokens = spec.max_tokens, stream = generation.stream, "Accepted request.");

    let reply = Reply {
        head: ResponseHead {
            endpoint: generation.endpoint,
            id: response_id(generation.endpoint, config.seed, serial),
            created: unix_now() as u64,
            model: config.served_model_name.clone(),
        },
        ticket,
        prompt_tokens: generation.prompt_tokens,
        include_usage: generation.include_usage,
        seed: config.seed,
        serial,
    };
    if generation.stream {
        reply.stream()
    } else {
        reply.full().await
    }
}

/// The engine request: `max_tokens` defaults to the rest of the context window (as vLLM does),
/// and a chat without `max_tokens` stops on its own after `default_chat_output_tokens`.
fn request_spec(generation: &Generation, config: &EmulatorConfig) -> RequestSpec {
    let context_left = config
        .replica
        .max_model_len
        .saturating_sub(generation.prompt_tokens)
        .max(1);
    let eos_after = match (generation.max_tokens, config.replica.output_length) {
        (None, swell_sim::OutputLength::UntilMaxTokens) => Some(config.default_chat_output_tokens),
        _ => None,
    };
    RequestSpec {
        prompt_tokens: generation.prompt_tokens,
        max_tokens: generation.max_tokens.unwrap_or(context_left),
        ignore_eos: generation.ignore_eos,
        eos_after,
    }
}

fn submit_error(err: EngineError, config: &EmulatorConfig) -> ApiError {
    match err {
        EngineError::Dead => ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: err.to_string(),
            kind: "InternalServerError",
            param: None,
        },
        EngineError::Rejected(SubmitError::QueueFull { .. }) => ApiError {
            status: config.reject_status,
            message: err.to_string(),
            kind: if config.reject_status == StatusCode::TOO_MANY_REQUESTS {
                "RateLimitError"
            } else {
                "ServiceUnavailableError"
            },
            param: None,
        },
        EngineError::Rejected(SubmitError::NotReady { .. }) => ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: err.to_string(),
            kind: "ServiceUnavailableError",
            param: None,
        },
        EngineError::Rejected(SubmitError::ZeroMaxTokens | SubmitError::ContextTooLong { .. }) => {
            ApiError::bad_request(&err.to_string(), Some("max_tokens"))
        }
        EngineError::Rejected(_) => ApiError::bad_request(&err.to_string(), Some("prompt")),
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fault {
    engine_dead: bool,
}

async fn get_fault(State(app): State<Arc<AppState>>) -> Response {
    axum::Json(Fault {
        engine_dead: app.engine.is_dead(),
    })
    .into_response()
}

async fn set_fault(State(app): State<Arc<AppState>>, body: Bytes) -> Response {
    let fault: Fault = match serde_json::from_slice(&body) {
        Ok(fault) => fault,
        Err(err) => {
            let message = format!("expected {{\"engineDead\": true|false}}: {err}");
            return ApiError::bad_request(&message, None).into_response();
        }
    };
    info!(
        engine_dead = fault.engine_dead,
        "Fault set through the admin endpoint."
    );
    app.engine.set_dead(fault.engine_dead);
    axum::Json(fault).into_response()
}
