//! Response bodies in vLLM's exact shape: full completions, SSE chunks, usage, and the filler
//! text the emulated model "generates".
//!
//! Field order follows vLLM's response classes, since clients that diff raw bodies see it. The
//! text is English filler words, one per token, chosen by a hash of the seed, the request and the
//! token position: the same seed gives the same text.

use serde::Serialize;

use crate::openai::Endpoint;

const WORDS: &[&str] = &[
    "the", "model", "is", "a", "small", "river", "of", "tokens", "that", "flows", "through",
    "every", "layer", "and", "we", "measure", "how", "fast", "it", "arrives", "at", "your", "door",
    "while", "queues", "grow", "and", "shrink", "with", "load", "so", "scale", "out", "before",
    "latency", "climbs", "then", "back", "in", "when", "traffic", "fades", "quietly", "under",
    "night", "sky", "each", "request", "waits", "its", "turn", "in", "line", "for", "one", "more",
    "step", "on", "this", "long", "road", "home", "again", "today",
];

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The text of output token `index` of request `serial`: a word, with a leading space except on
/// the first token.
pub fn token_text(seed: u64, serial: u64, index: u32) -> String {
    let hash = splitmix(seed ^ splitmix(serial ^ splitmix(u64::from(index))));
    let word = WORDS[(hash % WORDS.len() as u64) as usize];
    if index == 0 {
        word.to_owned()
    } else {
        format!(" {word}")
    }
}

/// The full text of the first `tokens` output tokens.
pub fn text(seed: u64, serial: u64, tokens: u32) -> String {
    (0..tokens)
        .map(|index| token_text(seed, serial, index))
        .collect()
}

/// A response id: `chatcmpl-` or `cmpl-` and 32 hex digits, derived from the seed and serial.
pub fn response_id(endpoint: Endpoint, seed: u64, serial: u64) -> String {
    let high = splitmix(seed ^ splitmix(serial));
    let low = splitmix(high ^ serial);
    let prefix = match endpoint {
        Endpoint::Chat => "chatcmpl",
        Endpoint::Completions => "cmpl",
    };
    format!("{prefix}-{high:016x}{low:016x}")
}

/// Token counts, in vLLM's `UsageInfo` field order.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub struct Usage {
    /// Prompt tokens.
    pub prompt_tokens: u32,
    /// Prompt plus completion.
    pub total_tokens: u32,
    /// Generated tokens.
    pub completion_tokens: u32,
}

impl Usage {
    /// Usage of a request.
    pub fn new(prompt_tokens: u32, completion_tokens: u32) -> Self {
        Usage {
            prompt_tokens,
            total_tokens: prompt_tokens + completion_tokens,
            completion_tokens,
        }
    }
}

/// What every body of one response shares.
#[derive(Clone, Debug)]
pub struct ResponseHead {
    /// Which endpoint.
    pub endpoint: Endpoint,
    /// `chatcmpl-…` / `cmpl-…`.
    pub id: String,
    /// Unix seconds at arrival.
    pub created: u64,
    /// The served model name.
    pub model: String,
}

#[derive(Serialize)]
struct Delta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    content: &'a str,
}

#[derive(Serialize)]
struct ChatChunkChoice<'a> {
    index: u32,
    delta: Delta<'a>,
    logprobs: Option<()>,
    finish_reason: Option<&'a str>,
    /// Present (as null) only on the chunk that carries the finish reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    stop_reason: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct TextChunkChoice<'a> {
    index: u32,
    text: &'a str,
    logprobs: Option<()>,
    finish_reason: Option<&'a str>,
    stop_reason: Option<()>,
}

#[derive(Serialize)]
struct Chunk<'a, C> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: Vec<C>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<Usage>,
}

fn sse(json: String) -> String {
    format!("data: {json}\n\n")
}

impl ResponseHead {
    fn chunk<C: Serialize>(
        &self,
        object: &'static str,
        choices: Vec<C>,
        usage: Option<Usage>,
    ) -> String {
        let chunk = Chunk {
            id: &self.id,
            object,
            created: self.created,
            model: &self.model,
            choices,
            usage,
        };
        sse(serde_json::to_string(&chunk).expect("chunks serialize"))
    }

    /// The chat stream's first event: the assistant role with empty content.
    pub fn role_event(&self) -> String {
        let choice = ChatChunkChoice {
            index: 0,
            delta: Delta {
                role: Some("assistant"),
                content: "",
            },
            logprobs: None,
            finish_reason: None,
            stop_reason: None,
        };
        self.chunk("chat.completion.chunk", vec![choice], None)
    }

    /// One token's event; the last one carries the finish reason.
    pub fn token_event(&self, text: &str, finish_reason: Option<&str>) -> String {
        match self.endpoint {
            Endpoint::Chat => {
                let choice = ChatChunkChoice {
                    index: 0,
                    delta: Delta {
                        role: None,
                        content: text,
                    },
                    logprobs: None,
                    finish_reason,
                    stop_reason: finish_reason.map(|_| serde_json::Value::Null),
                };
                self.chunk("chat.completion.chunk", vec![choice], None)
            }
            Endpoint::Completions => {
                let choice = TextChunkChoice {
                    index: 0,
                    text,
                    logprobs: None,
                    finish_reason,
                    stop_reason: None,
                };
                self.chunk("text_completion", vec![choice], None)
            }
        }
    }

    /// The usage-only event sent with `stream_options.include_usage`.
    pub fn usage_event(&self, usage: Usage) -> String {
        let object = match self.endpoint {
            Endpoint::Chat => "chat.completion.chunk",
            Endpoint::Completions => "text_completion",
        };
        self.chunk::<()>(object, Vec::new(), Some(usage))
    }

    /// The non-streaming body.
    pub fn full_body(&self, text: &str, finish_reason: &str, usage: Usage) -> String {
        #[derive(Serialize)]
        struct Message<'a> {
            role: &'static str,
            reasoning_content: Option<()>,
            content: &'a str,
            tool_calls: [(); 0],
        }
        #[derive(Serialize)]
        struct ChatChoice<'a> {
            index: u32,
            message: Message<'a>,
            logprobs: Option<()>,
            finish_reason: &'a str,
            stop_reason: Option<()>,
        }
        #[derive(Serialize)]
        struct TextChoice<'a> {
            index: u32,
            text: &'a str,
            logprobs: Option<()>,
            finish_reason: &'a str,
            stop_reason: Option<()>,
            prompt_logprobs: Option<()>,
        }
        #[derive(Serialize)]
        struct Body<'a, C> {
            id: &'a str,
            object: &'static str,
            created: u64,
            model: &'a str,
            choices: [C; 1],
            usage: Usage,
            #[serde(skip_serializing_if = "Option::is_none")]
            prompt_logprobs: Option<Option<()>>,
            kv_transfer_params: Option<()>,
        }
        let json = match self.endpoint {
            Endpoint::Chat => serde_json::to_string(&Body {
                id: &self.id,
                object: "chat.completion",
                created: self.created,
                model: &self.model,
                choices: [ChatChoice {
                    index: 0,
                    message: Message {
                        role: "assistant",
                        reasoning_content: None,
                        content: text,
                        tool_calls: [],
                    },
                    logprobs: None,
                    finish_reason,
                    stop_reason: None,
                }],
                usage,
                prompt_logprobs: Some(None),
                kv_transfer_params: None,
            }),
            Endpoint::Completions => serde_json::to_string(&Body {
                id: &self.id,
                object: "text_completion",
                created: self.created,
                model: &self.model,
                choices: [TextChoice {
                    index: 0,
                    text,
                    logprobs: None,
                    finish_reason,
                    stop_reason: None,
                    prompt_logprobs: None,
                }],
                usage,
                prompt_logprobs: None,
                kv_transfer_params: None,
            }),
        };
        json.expect("bodies serialize")
    }
}

/// The stream terminator.
pub const DONE_EVENT: &str = "data: [DONE]\n\n";

/// An error event sent mid-stream (then [`DONE_EVENT`]).
pub fn error_event(error_body: &str) -> String {
    sse(error_body.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(endpoint: Endpoint) -> ResponseHead {
        ResponseHead {
            endpoint,
            id: "chatcmpl-7f3c".into(),
            created: 1756105200,
            model: "qwen".into(),
        }
    }

    #[test]
    fn chat_events_have_vllm_shape() {
        let head = head(Endpoint::Chat);
        assert_eq!(
            head.role_event(),
            "data: {\"id\":\"chatcmpl-7f3c\",\"object\":\"chat.completion.chunk\",\"created\":1756105200,\"model\":\"qwen\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
        );
        assert_eq!(
            head.token_event("!", Some("stop")),
            "data: {\"id\":\"chatcmpl-7f3c\",\"object\":\"chat.completion.chunk\",\"created\":1756105200,\"model\":\"qwen\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"},\"logprobs\":null,\"finish_reason\":\"stop\",\"stop_reason\":null}]}\n\n"
        );
        assert_eq!(
            head.usage_event(Usage::new(9, 2)),
            "data: {\"id\":\"chatcmpl-7f3c\",\"object\":\"chat.completion.chunk\",\"created\":1756105200,\"model\":\"qwen\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"total_tokens\":11,\"completion_tokens\":2}}\n\n"
        );
    }

    #[test]
    fn text_is_deterministic_per_seed_and_request() {
        assert_eq!(text(1, 5, 20), text(1, 5, 20));
        assert_ne!(text(1, 5, 20), text(2, 5, 20));
        assert!(!text(1, 5, 3).starts_with(' '));
        assert_eq!(text(1, 5, 3).split(' ').count(), 3);
    }

    #[test]
    fn ids_have_the_openai_prefix_and_32_hex_digits() {
        let id = response_id(Endpoint::Completions, 1, 2);
        let hex = id.strip_prefix("cmpl-").unwrap();
        assert_eq!(hex.len(), 32);
        assert!(hex.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
