//! `swell decide --scaledobject FILE [--timeline FILE]`: replays a timeline of metric readings
//! through the decision engine and prints one decision per line (contract in
//! ARCHITECTURE.md). Each line is one KEDA poll immediately followed by one HPA sync.

mod timeline;

use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use serde::Serialize;
use serde_json::Number;
use swell_core::Time;
use swell_core::engine::{Engine, Observation};

use super::scaled_object::load_scaled_object_spec;
use timeline::{MetricNames, parse_line};

/// Arguments of `swell decide`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Timeline lines (JSON Lines, in time order):
  {\"t\": 0, \"replicas\": 2, \"metrics\": {\"s0-prometheus\": 7.5}}
  {\"t\": 30, \"metrics\": {\"s0-prometheus\": {\"error\": \"connection refused\"}}, \"readyReplicas\": 2}
Metric names are KEDA's: s<trigger index>-<trigger type>. `replicas` is required on the first
line and defaults to the previous decision afterwards; `readyReplicas` defaults to `replicas`.

Output: one JSON object per line: {\"t\", \"desiredReplicas\", \"active\", \"fallback\",
\"paused\", \"reason\"}. Exit 1 for an invalid ScaledObject or timeline line, 2 for usage errors
or unreadable files.")]
pub struct Args {
    /// The file holding the ScaledObject (other documents are ignored).
    #[arg(long, value_name = "FILE")]
    scaledobject: PathBuf,
    /// JSON Lines timeline; standard input when omitted.
    #[arg(long, value_name = "FILE")]
    timeline: Option<PathBuf>,
}

/// One output line, fields in the contract's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    t: Number,
    desired_replicas: i32,
    active: bool,
    fallback: bool,
    paused: bool,
    reason: String,
}

/// Runs `swell decide`.
pub fn run(args: Args) -> Result<ExitCode> {
    let spec = match load_scaled_object_spec(&args.scaledobject)? {
        Ok(spec) => spec,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(ExitCode::from(1));
        }
    };

    let (input, source): (Box<dyn BufRead>, String) = match &args.timeline {
        Some(path) => {
            let file = fs::File::open(path)
                .with_context(|| format!("cannot read timeline {}", path.display()))?;
            (Box::new(BufReader::new(file)), path.display().to_string())
        }
        None => (Box::new(BufReader::new(io::stdin())), "<stdin>".to_string()),
    };

    let names = MetricNames::new(&spec.triggers);
    let mut engine: Option<Engine> = None;
    let mut spec = Some(spec);
    let mut previous_t = None;
    let mut replicas: Option<i32> = None;
    let stdout = io::stdout();
    let mut out = stdout.lock();

    for (number, line) in input.lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {source}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let step = match parse_line(&line, &names, previous_t) {
            Ok(step) => step,
            Err(message) => {
                out.flush()?;
                eprintln!("error: {source}:{}: {message}", number + 1);
                return Ok(ExitCode::from(1));
            }
        };
        previous_t = Some(step.seconds);

        let current = match step.replicas.or(replicas) {
            Some(current) => current,
            None => {
                eprintln!(
                    "error: {source}:{}: the first line needs `replicas`: the target's replica \
                     count before the first evaluation",
                    number + 1
                );
                return Ok(ExitCode::from(1));
            }
        };
        let now = Time::from_secs_f64(step.seconds);
        let engine =
            engine.get_or_insert_with(|| Engine::new(spec.take().expect("spec used once"), now));
        let observation = Observation {
            replicas: current,
            ready_replicas: step.ready_replicas.unwrap_or(current),
            readings: &step.readings,
        };
        let decision = engine
            .evaluate(now, &observation)
            .map_err(|err| anyhow!("{source}:{}: {err}", number + 1))?;
        replicas = Some(decision.desired_replicas);

        let record = Record {
            t: step.t,
            desired_replicas: decision.desired_replicas,
            active: decision.active,
            fallback: decision.fallback,
            paused: decision.paused,
            reason: decision.reason.to_string(),
        };
        serde_json::to_writer(&mut out, &record)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
