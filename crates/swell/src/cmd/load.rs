//! `swell load`: open-loop OpenAI load against one or more base URLs. Parses the flags, reads a
//! trace file when asked, runs [`swell_emulate::load::run`], writes per-request JSON Lines to
//! `--out` and prints the summary. Exit 0 when some request succeeded, 1 when none did, 2 for
//! bad flags or an unreadable trace.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use swell_emulate::load::{self, Api, LoadConfig, Pattern, RequestTemplate, TokenCount};
use swell_emulate::parse_duration;

/// How long a generated schedule lasts when `--duration` is not given.
const DEFAULT_DURATION: Duration = Duration::from_secs(60);

/// Arrival patterns.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum PatternKind {
    /// Poisson arrivals at --rate.
    Poisson,
    /// Evenly spaced arrivals at --rate.
    Uniform,
    /// --rate for --on, then --off-rate for --off, repeated.
    Burst,
    /// Rates changing at the times of --steps.
    Steps,
    /// Replay of --trace.
    Trace,
}

/// Output format of the summary.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Format {
    /// A short table.
    Text,
    /// One JSON object.
    Json,
}

/// Arguments of `swell load`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Base URL of a target, e.g. http://127.0.0.1:8000 (repeat for round-robin).
    #[arg(long = "url", required = true)]
    urls: Vec<String>,
    /// OpenAI endpoint.
    #[arg(long, default_value = "chat", value_parser = ["chat", "completions"])]
    endpoint: String,
    /// Model name (default: the first one the first target lists).
    #[arg(long)]
    model: Option<String>,
    /// Arrival pattern.
    #[arg(long, value_enum, default_value = "poisson")]
    pattern: PatternKind,
    /// Requests per second (poisson, uniform; burst: while on).
    #[arg(long, default_value_t = 1.0)]
    rate: f64,
    /// Burst: length of an on period.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    on: Duration,
    /// Burst: length of an off period.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    off: Duration,
    /// Burst: rate while off.
    #[arg(long, default_value_t = 0.0)]
    off_rate: f64,
    /// Steps: time=rate pairs, e.g. 0s=2,30s=10,60s=4.
    #[arg(long)]
    steps: Option<String>,
    /// Trace: JSON Lines of {"t": seconds, "promptTokens": n, "maxTokens": m}.
    #[arg(long)]
    trace: Option<PathBuf>,
    /// Length of the schedule [default: 60s; a trace: all of it]; a trace is cut there.
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Send at most this many requests.
    #[arg(long)]
    requests: Option<usize>,
    /// Prompt tokens: a number or a range like 128..512.
    #[arg(long, default_value = "256", value_parser = TokenCount::parse)]
    prompt_tokens: TokenCount,
    /// max_tokens: a number or a range like 64..256.
    #[arg(long, default_value = "128", value_parser = TokenCount::parse)]
    max_tokens: TokenCount,
    /// Send ignore_eos (always generate max_tokens).
    #[arg(long)]
    ignore_eos: bool,
    /// Do not stream (no TTFT or ITL, only e2e).
    #[arg(long)]
    no_stream: bool,
    /// Per-request timeout.
    #[arg(long, default_value = "300s", value_parser = parse_duration)]
    timeout: Duration,
    /// Seed of arrivals and sizes.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Most requests outstanding at once; later ones are counted as errors, not sent.
    #[arg(long, default_value_t = 10_000)]
    max_in_flight: usize,
    /// Write one JSON object per request to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Summary format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

impl Args {
    /// `--duration`, or 60 s; a trace is replayed whole unless told otherwise, so nothing in
    /// it is dropped silently.
    fn schedule_length(&self) -> Duration {
        self.duration.unwrap_or(match self.pattern {
            PatternKind::Trace => Duration::MAX,
            _ => DEFAULT_DURATION,
        })
    }

    fn pattern(&self) -> anyhow::Result<Pattern> {
        anyhow::ensure!(
            self.rate >= 0.0 && self.rate.is_finite(),
            "`--rate` must be a number >= 0, got {}",
            self.rate
        );
        Ok(match self.pattern {
            PatternKind::Poisson => Pattern::Poisson { rate: self.rate },
            PatternKind::Uniform => Pattern::Uniform { rate: self.rate },
            PatternKind::Burst => {
                anyhow::ensure!(
                    !(self.on + self.off).is_zero(),
                    "`--on` plus `--off` must be longer than 0"
                );
                Pattern::Burst {
                    on_rate: self.rate,
                    off_rate: self.off_rate,
                    on: self.on,
                    off: self.off,
                }
            }
            PatternKind::Steps => {
                let steps = self
                    .steps
                    .as_deref()
                    .context("`--pattern steps` needs `--steps`, e.g. 0s=2,30s=10")?;
                Pattern::Steps(load::parse_steps(steps).map_err(anyhow::Error::msg)?)
            }
            PatternKind::Trace => {
                let path = self
                    .trace
                    .as_ref()
                    .context("`--pattern trace` needs `--trace FILE`")?;
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read trace {}", path.display()))?;
                Pattern::Trace(
                    load::parse_trace(&text)
                        .with_context(|| format!("invalid trace {}", path.display()))?,
                )
            }
        })
    }
}

/// Runs `swell load`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    super::init_logging("info");
    let pattern = args.pattern()?;
    let config = LoadConfig {
        targets: args.urls.clone(),
        template: RequestTemplate {
            api: if args.endpoint == "chat" {
                Api::Chat
            } else {
                Api::Completions
            },
            model: args.model.clone().unwrap_or_default(),
            stream: !args.no_stream,
            ignore_eos: args.ignore_eos,
            timeout: args.timeout,
        },
        pattern,
        duration: args.schedule_length(),
        max_requests: args.requests,
        prompt_tokens: args.prompt_tokens,
        max_tokens: args.max_tokens,
        seed: args.seed,
        max_in_flight: args.max_in_flight,
    };
    let mut out = match &args.out {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => None,
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut write_error = None;
    let summary = runtime.block_on(load::run(config, |result| {
        if let Some(out) = out.as_mut() {
            let line = serde_json::to_string(result).expect("results serialize");
            if let Err(err) = writeln!(out, "{line}") {
                write_error.get_or_insert(err);
            }
        }
    }))?;
    if let Some(mut out) = out {
        out.flush().context("cannot write --out")?;
    }
    if let Some(err) = write_error {
        return Err(err).context("cannot write --out");
    }

    match args.format {
        Format::Text => print!("{}", summary.to_text()),
        Format::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
    }
    // A run where nothing got through measured nothing: say so to scripts.
    if summary.requests > 0 && summary.ok == 0 {
        eprintln!(
            "error: none of the {} requests succeeded (see errors by status above)",
            summary.requests
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn args(flags: &[&str]) -> Args {
        let argv = ["swell-load", "--url", "http://127.0.0.1:8000"];
        Cli::parse_from(argv.iter().chain(flags)).args
    }

    #[test]
    fn a_trace_is_replayed_whole_unless_a_duration_is_given() {
        let trace = ["--pattern", "trace", "--trace", "t.jsonl"];
        assert_eq!(args(&trace).schedule_length(), Duration::MAX);
        let cut = [&trace[..], &["--duration", "10s"]].concat();
        assert_eq!(args(&cut).schedule_length(), Duration::from_secs(10));
        assert_eq!(args(&[]).schedule_length(), DEFAULT_DURATION);
    }
}
