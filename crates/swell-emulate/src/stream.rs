//! Turning a request's engine outputs into a response: the SSE event stream (`stream: true`) or
//! one JSON body.
//!
//! Events, as vLLM sends them: for chat, the assistant-role event comes with the first token; one
//! event per token; the finish reason rides on the last token's event; a usage-only event follows
//! when `stream_options.include_usage` is set; `data: [DONE]` ends the stream. Dropping the body
//! (the client went away) drops the [`Ticket`], which aborts the request in the engine.

use std::collections::VecDeque;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::stream;

use crate::engine::{Output, Ticket};
use crate::openai::{ApiError, Endpoint};
use crate::response::{self, DONE_EVENT, ResponseHead, Usage};

/// Everything needed to render one request's response.
pub struct Reply {
    /// Id, model, timestamps.
    pub head: ResponseHead,
    /// The engine request.
    pub ticket: Ticket,
    /// Prompt tokens, for usage.
    pub prompt_tokens: u32,
    /// Send the usage-only event at the end of a stream.
    pub include_usage: bool,
    /// Text seed.
    pub seed: u64,
    /// Text serial of the request.
    pub serial: u64,
}

fn engine_dead() -> ApiError {
    ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: "the engine died while serving the request (fault injected)".to_owned(),
        kind: "InternalServerError",
        param: None,
    }
}

impl Reply {
    /// The streaming response.
    pub fn stream(self) -> Response {
        let state = (self, VecDeque::<String>::new(), false);
        let events = stream::unfold(state, |(mut reply, mut queued, mut ended)| async move {
            loop {
                if let Some(event) = queued.pop_front() {
                    return Some((
                        Ok::<_, std::convert::Infallible>(Bytes::from(event)),
                        (reply, queued, ended),
                    ));
                }
                if ended {
                    return None;
                }
                ended = reply.next_events(&mut queued).await;
            }
        });
        Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "text/event-stream; charset=utf-8")
            .body(Body::from_stream(events))
            .expect("static headers are valid")
    }

    /// Waits for the next engine output and queues its events; true when the stream is over.
    async fn next_events(&mut self, queued: &mut VecDeque<String>) -> bool {
        let head = &self.head;
        match self.ticket.next().await {
            Some(Output::Token { index, last }) => {
                if index == 0 && head.endpoint == Endpoint::Chat {
                    queued.push_back(head.role_event());
                }
                let text = response::token_text(self.seed, self.serial, index);
                if !last {
                    queued.push_back(head.token_event(&text, None));
                    return false;
                }
                match self.ticket.next().await {
                    Some(Output::Finished {
                        reason,
                        output_tokens,
                    }) => {
                        queued.push_back(head.token_event(&text, Some(reason.as_str())));
                        if self.include_usage {
                            queued.push_back(
                                head.usage_event(Usage::new(self.prompt_tokens, output_tokens)),
                            );
                        }
                    }
                    _ => queued.push_back(response::error_event(&engine_dead().body())),
                }
            }
            // Aborted without a last token: nothing more to say.
            Some(Output::Finished { .. }) => {}
            Some(Output::EngineDead) | None => {
                queued.push_back(response::error_event(&engine_dead().body()))
            }
        }
        queued.push_back(DONE_EVENT.to_owned());
        true
    }

    /// The non-streaming response, once the request has finished.
    pub async fn full(mut self) -> Response {
        loop {
            match self.ticket.next().await {
                Some(Output::Token { .. }) => {}
                Some(Output::Finished {
                    reason,
                    output_tokens,
                }) => {
                    let text = response::text(self.seed, self.serial, output_tokens);
                    let usage = Usage::new(self.prompt_tokens, output_tokens);
                    let body = self.head.full_body(&text, reason.as_str(), usage);
                    return ([("content-type", "application/json")], body).into_response();
                }
                Some(Output::EngineDead) | None => return engine_dead().into_response(),
            }
        }
    }
}
