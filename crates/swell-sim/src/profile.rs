//! How a replica performs: the engine limits (`max_num_seqs`, token budget, KV blocks), the step
//! time model, the output-length model, and named profiles for common model/GPU pairs.
//!
//! The step time of one continuous-batching iteration is
//!
//! ```text
//! step = step_base
//!      + prefill_per_token × prefill tokens scheduled in the step
//!      + decode_per_seq    × sequences decoding one token in the step
//!      + context_per_token × tokens of context those sequences attend over
//! ```
//!
//! `step_base` is the weight-read floor of a forward pass, the prefill term is compute-bound
//! prompt work, the decode term is per-sequence sampling and bookkeeping, and the context term is
//! the KV-cache read of attention. A fixed `frontend_overhead` (tokenization, HTTP, IPC) comes
//! before a request reaches the engine queue. The profiles are calibrated to published reference
//! numbers: a 7-8B model on one H100 has TTFT 60-120 ms for a 256-token prompt at light load and
//! 10-15 ms inter-token latency; 70B on 4×H100 has 250-400 ms TTFT and 25-40 ms ITL; KV block
//! counts follow from the weights and `gpu_memory_utilization` 0.9.

use std::time::Duration;

use thiserror::Error;

/// An invalid replica configuration.
#[derive(Debug, Error, PartialEq)]
pub enum ConfigError {
    /// A limit that must be positive is zero.
    #[error("`{field}` must be at least 1, got 0")]
    Zero {
        /// The offending field.
        field: &'static str,
    },
    /// The KV cache cannot hold one sequence of `max_model_len` tokens.
    #[error(
        "the KV cache ({blocks} blocks of {block_size} tokens = {tokens} tokens) cannot hold one \
         sequence of max_model_len {max_model_len} tokens: raise `num_gpu_blocks` or lower \
         `max_model_len`"
    )]
    KvTooSmall {
        /// KV blocks configured.
        blocks: u32,
        /// Tokens per block.
        block_size: u32,
        /// `blocks × block_size`.
        tokens: u64,
        /// The configured maximum sequence length.
        max_model_len: u32,
    },
    /// `jitter` is negative or not a number.
    #[error("`jitter` must be a number >= 0, got {0}")]
    Jitter(f64),
    /// No profile by that name.
    #[error("unknown profile `{name}`; known profiles: {known}")]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// The names that exist, comma-separated.
        known: String,
    },
}

/// The step-time model (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatencyModel {
    /// Arrival at the server to arrival in the engine's waiting queue.
    pub frontend_overhead: Duration,
    /// Fixed cost of every engine step.
    pub step_base: Duration,
    /// Cost per prompt (prefill) token scheduled in a step.
    pub prefill_per_token: Duration,
    /// Cost per sequence decoding one token in a step.
    pub decode_per_seq: Duration,
    /// Cost per token of context attended over by the step's sequences.
    pub context_per_token: Duration,
    /// Relative random variation of each step time (log-normal sigma), e.g. 0.03.
    pub jitter: f64,
}

/// How many tokens a request generates when it does not ignore end-of-sequence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OutputLength {
    /// The model never emits end-of-sequence: every request runs to `max_tokens`.
    UntilMaxTokens,
    /// End-of-sequence arrives after a geometric number of tokens with this mean (a constant
    /// per-token stop probability), capped by `max_tokens`.
    Geometric {
        /// Mean natural output length, in tokens.
        mean_tokens: f64,
    },
}

/// Everything that determines how one replica behaves.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaConfig {
    /// Most requests in the running batch (`--max-num-seqs`).
    pub max_num_seqs: u32,
    /// Token budget of one engine step (`--max-num-batched-tokens`); longer prompts are
    /// prefilled in chunks.
    pub max_num_batched_tokens: u32,
    /// KV cache capacity in blocks (`num_gpu_blocks`).
    pub num_gpu_blocks: u32,
    /// Tokens per KV block (vLLM default 16).
    pub block_size: u32,
    /// Longest sequence (prompt + output) accepted.
    pub max_model_len: u32,
    /// Reject new requests while this many are waiting (`None`: unbounded, vLLM's default).
    pub max_waiting: Option<u32>,
    /// Reject new requests while this many are waiting or running (vLLM's
    /// `--max-num-queued-reqs`; `None`: unbounded).
    pub max_num_queued_reqs: Option<u32>,
    /// Step-time model.
    pub latency: LatencyModel,
    /// Model load time: the replica serves nothing until `created_at + startup`.
    pub startup: Duration,
    /// End-of-sequence model.
    pub output_length: OutputLength,
    /// Keep every token time in the [`RequestRecord`](crate::RequestRecord) (costs memory).
    pub record_token_times: bool,
}

impl ReplicaConfig {
    /// Checks the limits fit together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (field, value) in [
            ("max_num_seqs", self.max_num_seqs),
            ("max_num_batched_tokens", self.max_num_batched_tokens),
            ("num_gpu_blocks", self.num_gpu_blocks),
            ("block_size", self.block_size),
            ("max_model_len", self.max_model_len),
        ] {
            if value == 0 {
                return Err(ConfigError::Zero { field });
            }
        }
        let tokens = u64::from(self.num_gpu_blocks) * u64::from(self.block_size);
        if tokens < u64::from(self.max_model_len) {
            return Err(ConfigError::KvTooSmall {
                blocks: self.num_gpu_blocks,
                block_size: self.block_size,
                tokens,
                max_model_len: self.max_model_len,
            });
        }
        if self.latency.jitter.is_nan() || self.latency.jitter < 0.0 {
            return Err(ConfigError::Jitter(self.latency.jitter));
        }
        Ok(())
    }
}

/// A named, calibrated configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// The name used on the command line (`--profile`).
    pub name: &'static str,
    /// One line on what it models.
    pub description: &'static str,
    /// The configuration.
    pub config: ReplicaConfig,
}

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "llama-8b-h100";

const fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

const fn us(v: u64) -> Duration {
    Duration::from_micros(v)
}

const fn ns(v: u64) -> Duration {
    Duration::from_nanos(v)
}

fn config(
    seqs: u32,
    batched: u32,
    blocks: u32,
    latency: LatencyModel,
    startup: Duration,
) -> ReplicaConfig {
    ReplicaConfig {
        max_num_seqs: seqs,
        max_num_batched_tokens: batched,
        num_gpu_blocks: blocks,
        block_size: 16,
        max_model_len: 32768,
        max_waiting: None,
        max_num_queued_reqs: None,
        latency,
        startup,
        output_length: OutputLength::UntilMaxTokens,
        record_token_times: false,
    }
}

impl Profile {
    /// Every built-in profile.
    pub fn all() -> Vec<Profile> {
        // KV per token: 8B (32 layers, 8 KV heads × 128, bf16) 128 KiB; 70B (80 layers) 320 KiB.
        // 8B on 80 GB at 0.9 utilization leaves ~54 GB → ~27.9k blocks of 16 tokens.
        let llama_8b_h100 = LatencyModel {
            frontend_overhead: ms(30),
            step_base: ms(12),
            prefill_per_token: us(80),
            decode_per_seq: us(80),
            context_per_token: ns(40),
            jitter: 0.03,
        };
        let llama_8b_a100 = LatencyModel {
            frontend_overhead: ms(30),
            step_base: ms(18),
            prefill_per_token: us(150),
            decode_per_seq: us(110),
            context_per_token: ns(60),
            jitter: 0.03,
        };
        let llama_70b_h100_tp4 = LatencyModel {
            frontend_overhead: ms(40),
            step_base: ms(28),
            prefill_per_token: us(750),
            decode_per_seq: us(150),
            context_per_token: ns(25),
            jitter: 0.03,
        };
        let test_tiny = LatencyModel {
            frontend_overhead: ms(1),
            step_base: ms(2),
            prefill_per_token: us(10),
            decode_per_seq: us(20),
            context_per_token: ns(0),
            jitter: 0.0,
        };
        vec![
            Profile {
                name: "llama-8b-h100",
                description: "Llama-3.1-8B bf16 on one H100 80GB (vLLM H100 defaults: 1024 seqs, \
                              8192-token steps); 45 s model load",
                config: config(1024, 8192, 27910, llama_8b_h100, ms(45_000)),
            },
            Profile {
                name: "llama-8b-a100",
                description: "Llama-3.1-8B bf16 on one A100 80GB (vLLM A100 defaults: 256 seqs, \
                              2048-token steps); 60 s model load",
                config: config(256, 2048, 26000, llama_8b_a100, ms(60_000)),
            },
            Profile {
                name: "llama-70b-h100-tp4",
                description: "Llama-3.1-70B bf16 on 4×H100 80GB, tensor parallel 4; 240 s model load",
                config: config(1024, 8192, 25000, llama_70b_h100_tp4, ms(240_000)),
            },
            Profile {
                name: "test-tiny",
                description: "a small fast replica for tests and demos: 8 seqs, 512-token steps, \
                              4096 KV tokens, 2 ms steps, no load time",
                config: ReplicaConfig {
                    max_model_len: 2048,
                    ..config(8, 512, 256, test_tiny, Duration::ZERO)
                },
            },
        ]
    }

    /// The profile named `name`.
    pub fn by_name(name: &str) -> Result<Profile, ConfigError> {
        let all = Profile::all();
        let known = all.iter().map(|p| p.name).collect::<Vec<_>>().join(", ");
        all.into_iter()
            .find(|p| p.name == name)
            .ok_or_else(|| ConfigError::UnknownProfile {
                name: name.to_owned(),
                known,
            })
    }
}

impl Default for ReplicaConfig {
    fn default() -> Self {
        Profile::by_name(DEFAULT_PROFILE)
            .expect("the default profile is built in")
            .config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_profile_is_valid() {
        for profile in Profile::all() {
            assert_eq!(profile.config.validate(), Ok(()), "{}", profile.name);
        }
    }

    #[test]
    fn unknown_profile_names_the_known_ones() {
        let err = Profile::by_name("gpt-5").unwrap_err().to_string();
        assert!(err.contains("llama-8b-h100"), "{err}");
    }

    #[test]
    fn kv_cache_smaller_than_one_sequence_is_rejected() {
        let config = ReplicaConfig {
            num_gpu_blocks: 10,
            ..ReplicaConfig::default()
        };
        assert!(matches!(
            config.validate(),
            Err(ConfigError::KvTooSmall { .. })
        ));
    }

    #[test]
    fn zero_limits_are_rejected_by_name() {
        let config = ReplicaConfig {
            max_num_seqs: 0,
            ..ReplicaConfig::default()
        };
        assert_eq!(
            config.validate(),
            Err(ConfigError::Zero {
                field: "max_num_seqs"
            })
        );
    }
}
