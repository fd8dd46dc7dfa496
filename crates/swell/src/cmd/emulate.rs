//! `swell emulate`: a vLLM-compatible server backed by a simulated replica. Parses the flags
//! (vLLM's names where vLLM has the flag), builds the configuration and runs
//! [`swell_emulate::Emulator`] until SIGTERM or SIGINT.

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use swell_emulate::{EmulatorConfig, MetricNames, parse_duration};
use swell_sim::{DEFAULT_PROFILE, OutputLength, Profile};

/// Arguments of `swell emulate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on (0 picks a free one; the address is logged).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Model path, shown as `root` in /v1/models.
    #[arg(long, default_value = "qwen")]
    model: String,
    /// Name clients send as `model` and the `model_name` metric label (default: --model).
    #[arg(long)]
    served_model_name: Option<String>,
    /// Performance profile: llama-8b-h100, llama-8b-a100, llama-70b-h100-tp4, test-tiny.
    #[arg(long, default_value = DEFAULT_PROFILE)]
    profile: String,
    /// Most requests in the running batch.
    #[arg(long)]
    max_num_seqs: Option<u32>,
    /// Token budget of one engine step (chunked prefill beyond it).
    #[arg(long)]
    max_num_batched_tokens: Option<u32>,
    /// KV cache capacity in blocks.
    #[arg(long)]
    num_gpu_blocks: Option<u32>,
    /// Tokens per KV block.
    #[arg(long)]
    block_size: Option<u32>,
    /// Longest prompt + output accepted.
    #[arg(long)]
    max_model_len: Option<u32>,
    /// Fixed cost of every engine step, e.g. 12ms.
    #[arg(long, value_parser = parse_duration)]
    step_base: Option<Duration>,
    /// Cost per prefill token in a step, e.g. 80us.
    #[arg(long, value_parser = parse_duration)]
    prefill_per_token: Option<Duration>,
    /// Cost per decoding sequence in a step, e.g. 80us.
    #[arg(long, value_parser = parse_duration)]
    decode_per_seq: Option<Duration>,
    /// Cost per token of context attended over in a step, e.g. 40ns.
    #[arg(long, value_parser = parse_duration)]
    context_per_token: Option<Duration>,
    /// Arrival to engine queue (tokenization, HTTP), e.g. 30ms.
    #[arg(long, value_parser = parse_duration)]
    frontend_overhead: Option<Duration>,
    /// Relative random variation of step times (log-normal sigma), e.g. 0.03.
    #[arg(long)]
    jitter: Option<f64>,
    /// End requests with `stop` after a geometric number of tokens with this mean (default:
    /// every request runs to max_tokens).
    #[arg(long)]
    eos_mean_tokens: Option<f64>,
    /// Output length of a chat request without max_tokens (when --eos-mean-tokens is unset).
    #[arg(long, default_value_t = 256)]
    default_output_tokens: u32,
    /// Model load time during which the port refuses connections: a duration, or `profile`
    /// for the profile's load time.
    #[arg(long, default_value = "0s")]
    startup_delay: String,
    /// Seed for step jitter, end-of-sequence and generated text.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Refuse new requests while this many wait.
    #[arg(long)]
    max_waiting: Option<u32>,
    /// Refuse new requests while this many wait or run (vLLM --max-num-queued-reqs).
    #[arg(long)]
    max_num_queued_reqs: Option<u32>,
    /// HTTP status of refused requests: 503 (vLLM) or 429.
    #[arg(long, default_value_t = 503, value_parser = parse_reject_status)]
    reject_status: u16,
    /// Run the engine this many times faster than real time.
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Print vLLM 0.8-era metric names (gpu_cache_usage_perc, time_per_output_token_seconds).
    #[arg(long)]
    legacy_metrics: bool,
    /// Count in-flight requests on /load.
    #[arg(long)]
    enable_server_load_tracking: bool,
    /// Kill the engine (/health 503, requests 500) this long after it loaded.
    #[arg(long, value_parser = parse_duration)]
    fail_after: Option<Duration>,
    /// How long shutdown waits for responses in progress.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    shutdown_timeout: Duration,
}

impl Args {
    fn into_config(self) -> anyhow::Result<EmulatorConfig> {
        let profile = Profile::by_name(&self.profile)?;
        let mut replica = profile.config;
        let set = |target: &mut u32, value: Option<u32>| {
            if let Some(value) = value {
                *target = value;
            }
        };
        set(&mut replica.max_num_seqs, self.max_num_seqs);
        set(
            &mut replica.max_num_batched_tokens,
            self.max_num_batched_tokens,
        );
        set(&mut replica.num_gpu_blocks, self.num_gpu_blocks);
        set(&mut replica.block_size, self.block_size);
        set(&mut replica.max_model_len, self.max_model_len);
        let latency = &mut replica.latency;
        for (target, value) in [
            (&mut latency.step_base, self.step_base),
            (&mut latency.prefill_per_token, self.prefill_per_token),
            (&mut latency.decode_per_seq, self.decode_per_seq),
            (&mut latency.context_per_token, self.context_per_token),
            (&mut latency.frontend_overhead, self.frontend_overhead),
        ] {
            if let Some(value) = value {
                *target = value;
            }
        }
        if let Some(jitter) = self.jitter {
            latency.jitter = jitter;
        }
        if let Some(mean_tokens) = self.eos_mean_tokens {
            anyhow::ensure!(
                mean_tokens >= 1.0,
                "`--eos-mean-tokens` must be at least 1, got {mean_tokens}"
            );
            replica.output_length = OutputLength::Geometric { mean_tokens };
        }
        replica.max_waiting = self.max_waiting;
        replica.max_num_queued_reqs = self.max_num_queued_reqs;
        let startup_delay = if self.startup_delay == "profile" {
            replica.startup
        } else {
            parse_duration(&self.startup_delay)
                .map_err(anyhow::Error::msg)
                .context("`--startup-delay` must be a duration or `profile`")?
        };

        Ok(EmulatorConfig {
            host: self.host,
            port: self.port,
            served_model_name: self.served_model_name.unwrap_or_else(|| self.model.clone()),
            model: self.model,
            replica,
            seed: self.seed,
            startup_delay,
            time_scale: self.time_scale,
            metric_names: if self.legacy_metrics {
                MetricNames::Legacy
            } else {
                MetricNames::Current
            },
            reject_status: axum_status(self.reject_status),
            server_load_tracking: self.enable_server_load_tracking,
            default_chat_output_tokens: self.default_output_tokens,
            fail_after: self.fail_after,
            shutdown_timeout: self.shutdown_timeout,
            ..EmulatorConfig::default()
        })
    }
}

fn parse_reject_status(text: &str) -> Result<u16, String> {
    match text {
        "503" => Ok(503),
        "429" => Ok(429),
        other => Err(format!(
            "`{other}` is not a supported reject status: use 503 or 429"
        )),
    }
}

fn axum_status(code: u16) -> swell_emulate::config::StatusCode {
    swell_emulate::config::StatusCode::from_u16(code).expect("503 and 429 are valid statuses")
}

/// Runs `swell emulate`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    super::init_logging("info");
    let config = args.into_config()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let emulator = swell_emulate::Emulator::bind(config)?;
        emulator.run_until_signal().await
    })?;
    Ok(ExitCode::SUCCESS)
}
