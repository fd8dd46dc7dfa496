//! The OpenAI-compatible request bodies vLLM accepts on `/v1/completions` and
//! `/v1/chat/completions`, parsed into one [`Generation`], and vLLM's error body.
//!
//! Prompt length: token-id prompts count exactly; text is estimated at one token per 4
//! characters (rounded up, at least 1), the usual rule of thumb for English with BPE tokenizers.
//! A chat adds a template overhead of 4 tokens per message plus 3 for the assistant header,
//! roughly what Llama 3 and Qwen chat templates add.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// Which endpoint a generation came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `/v1/completions`.
    Completions,
    /// `/v1/chat/completions`.
    Chat,
}

/// A parsed generation request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generation {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// The `model` field, if sent.
    pub model: Option<String>,
    /// Prompt length in tokens (exact for token ids, estimated for text).
    pub prompt_tokens: u32,
    /// `max_tokens` (or `max_completion_tokens`), if sent.
    pub max_tokens: Option<u32>,
    /// `stream`.
    pub stream: bool,
    /// `stream_options.include_usage`.
    pub include_usage: bool,
    /// `ignore_eos` (a vLLM extension).
    pub ignore_eos: bool,
}

/// vLLM's completions default for `max_tokens` (the OpenAI default).
pub const COMPLETIONS_DEFAULT_MAX_TOKENS: u32 = 16;

/// A string, a list of strings, token ids, or lists of token ids.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Prompt {
    Text(String),
    Tokens(Vec<u32>),
    Texts(Vec<String>),
    TokenLists(Vec<Vec<u32>>),
}

#[derive(Debug, Default, Deserialize)]
struct StreamOptions {
    #[serde(default)]
    include_usage: bool,
}

#[derive(Debug, Deserialize)]
struct CompletionBody {
    model: Option<String>,
    prompt: Option<Prompt>,
    max_tokens: Option<i64>,
    #[serde(default)]
    stream: bool,
    stream_options: Option<StreamOptions>,
    n: Option<i64>,
    #[serde(default)]
    ignore_eos: bool,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Parts(Vec<ContentPart>),
}

#[derive(Debug, Deserialize)]
struct ContentPart {
    text: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Message {
    content: Option<Content>,
}

#[derive(Debug, Deserialize)]
struct ChatBody {
    model: Option<String>,
    messages: Option<Vec<Message>>,
    max_tokens: Option<i64>,
    max_completion_tokens: Option<i64>,
    #[serde(default)]
    stream: bool,
    stream_options: Option<StreamOptions>,
    n: Option<i64>,
    #[serde(default)]
    ignore_eos: bool,
}

/// Estimated tokens of a text: one per 4 characters, rounded up, at least 1.
pub fn estimate_tokens(text: &str) -> u32 {
    let chars = text.chars().count() as u32;
    chars.div_ceil(4).max(1)
}

/// Parses a `/v1/completions` body.
pub fn parse_completion(body: &[u8]) -> Result<Generation, ApiError> {
    let body: CompletionBody = parse_json(body)?;
    check_n(body.n)?;
    let prompt_tokens = match body.prompt {
        None => {
            return Err(ApiError::bad_request(
                "`prompt` is required",
                Some("prompt"),
            ));
        }
        Some(Prompt::Text(text)) => estimate_tokens(&text),
        Some(Prompt::Tokens(ids)) => ids.len() as u32,
        Some(Prompt::Texts(texts)) if texts.len() == 1 => estimate_tokens(&texts[0]),
        Some(Prompt::TokenLists(lists)) if lists.len() == 1 => lists[0].len() as u32,
        Some(_) => {
            return Err(ApiError::bad_request(
                "batched prompts are not supported by swell emulate: send one prompt per request",
                Some("prompt"),
            ));
        }
    };
    Ok(Generation {
        endpoint: Endpoint::Completions,
        model: body.model,
        prompt_tokens,
        max_tokens: Some(
            max_tokens(body.max_tokens, "max_tokens")?.unwrap_or(COMPLETIONS_DEFAULT_MAX_TOKENS),
        ),
        stream: body.stream,
        include_usage: body.stream_options.is_some_and(|o| o.include_usage),
        ignore_eos: body.ignore_eos,
    })
}

/// Parses a `/v1/chat/completions` body.
pub fn parse_chat(body: &[u8]) -> Result<Generation, ApiError> {
    let body: ChatBody = parse_json(body)?;
    check_n(body.n)?;
    let Some(messages) = body.messages.filter(|m| !m.is_empty()) else {
        return Err(ApiError::bad_request(
            "`messages` must be a non-empty list",
            Some("messages"),
        ));
    };
    let mut prompt_tokens = 3u32;
    for message in &messages {
        let content_tokens = match &message.content {
            None => 0,
            Some(Content::Text(text)) => estimate_tokens(text),
            Some(Content::Parts(parts)) => parts
                .iter()
                .filter_map(|p| p.text.as_deref())
                .map(estimate_tokens)
                .sum(),
        };
        prompt_tokens += 4 + content_tokens;
    }
    let max_tokens = match max_tokens(body.max_completion_tokens, "max_completion_tokens")? {
        Some(n) => Some(n),
        None => max_tokens(body.max_tokens, "max_tokens")?,
    };
    Ok(Generation {
        endpoint: Endpoint::Chat,
        model: body.model,
        prompt_tokens,
        max_tokens,
        stream: body.stream,
        include_usage: body.stream_options.is_some_and(|o| o.include_usage),
        ignore_eos: body.ignore_eos,
    })
}

fn parse_json<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|err| ApiError::bad_request(&format!("invalid request body: {err}"), None))
}

fn check_n(n: Option<i64>) -> Result<(), ApiError> {
    match n {
        None | Some(1) => Ok(()),
        Some(n) => Err(ApiError::bad_request(
            &format!("`n` = {n} is not supported by swell emulate: only n = 1 is"),
            Some("n"),
        )),
    }
}

fn max_tokens(value: Option<i64>, field: &'static str) -> Result<Option<u32>, ApiError> {
    match value {
        None => Ok(None),
        Some(n) if n >= 1 => Ok(Some(u32::try_from(n).unwrap_or(u32::MAX))),
        Some(n) => Err(ApiError::bad_request(
            &format!("`{field}` must be at least 1, got {n}"),
            Some(field),
        )),
    }
}

/// An error answered with vLLM's body: `{"error": {"message", "type", "param", "code"}}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// What was wrong.
    pub message: String,
    /// The error type name (`BadRequestError`, `NotFoundError`, ...).
    pub kind: &'static str,
    /// The offending parameter.
    pub param: Option<&'static str>,
}

impl ApiError {
    /// 400 `BadRequestError`.
    pub fn bad_request(message: &str, param: Option<&'static str>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.to_owned(),
            kind: "BadRequestError",
            param,
        }
    }

    /// 404 `NotFoundError` for a model that is not served.
    pub fn model_not_found(model: &str) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: format!("The model `{model}` does not exist."),
            kind: "NotFoundError",
            param: Some("model"),
        }
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        #[derive(Serialize)]
        struct Inner<'a> {
            message: &'a str,
            #[serde(rename = "type")]
            kind: &'a str,
            param: Option<&'a str>,
            code: u16,
        }
        #[derive(Serialize)]
        struct Outer<'a> {
            error: Inner<'a>,
        }
        let inner = Inner {
            message: &self.message,
            kind: self.kind,
            param: self.param,
            code: self.status.as_u16(),
        };
        serde_json::to_string(&Outer { error: inner }).expect("error bodies serialize")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            [("content-type", "application/json")],
            self.body(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_prompts_count_exactly_and_text_is_estimated() {
        let ids = parse_completion(br#"{"prompt": [1, 2, 3, 4, 5]}"#).unwrap();
        assert_eq!(ids.prompt_tokens, 5);
        let text = parse_completion(br#"{"prompt": "abcdefghi"}"#).unwrap();
        assert_eq!(text.prompt_tokens, 3);
        assert_eq!(text.max_tokens, Some(COMPLETIONS_DEFAULT_MAX_TOKENS));
    }

    #[test]
    fn chat_adds_template_tokens_and_prefers_max_completion_tokens() {
        let chat = parse_chat(
            br#"{"messages": [{"role": "user", "content": "abcd"}], "max_tokens": 5,
                "max_completion_tokens": 7, "stream": true,
                "stream_options": {"include_usage": true}}"#,
        )
        .unwrap();
        assert_eq!(chat.prompt_tokens, 3 + 4 + 1);
        assert_eq!(chat.max_tokens, Some(7));
        assert!(chat.stream && chat.include_usage);
    }

    #[test]
    fn invalid_requests_are_400_with_the_parameter_named() {
        let cases: [(&[u8], bool, Option<&str>); 5] = [
            (b"not json", false, None),
            (br#"{"messages": []}"#, true, Some("messages")),
            (
                br#"{"prompt": "x", "max_tokens": 0}"#,
                false,
                Some("max_tokens"),
            ),
            (br#"{"prompt": "x", "n": 2}"#, false, Some("n")),
            (br#"{"prompt": ["a", "b"]}"#, false, Some("prompt")),
        ];
        for (body, chat, param) in cases {
            let err = if chat {
                parse_chat(body)
            } else {
                parse_completion(body)
            }
            .unwrap_err();
            assert_eq!(err.status, StatusCode::BAD_REQUEST);
            assert_eq!(err.param, param, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn error_body_has_vllm_shape() {
        let body = ApiError::model_not_found("gpt").body();
        assert_eq!(
            body,
            r#"{"error":{"message":"The model `gpt` does not exist.","type":"NotFoundError","param":"model","code":404}}"#
        );
    }
}
