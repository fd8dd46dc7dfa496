//! The `swell` command line: parses arguments and hands each subcommand to its module in
//! [`cmd`]. Logic lives in the library crates; this file only wires them together.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// swell: an autoscaler for LLM inference services.
#[derive(Debug, Parser)]
#[command(name = "swell", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate ScaledObjects, TriggerAuthentications and InferenceServices, and lint for
    /// common mistakes.
    Check(cmd::check::Args),
    /// Replay a timeline of metric values through the decision engine.
    Decide(cmd::decide::Args),
    /// Print the CustomResourceDefinitions swell serves.
    Crd(cmd::crd::Args),
    /// Evaluate every trigger of a ScaledObject now and explain the arithmetic.
    Query(cmd::query::Args),
    /// Run a vLLM-compatible server backed by a simulated replica.
    Emulate(cmd::emulate::Args),
    /// Send open-loop OpenAI-style load and measure time to first token.
    Load(cmd::load::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => cmd::check::run(args),
        Command::Decide(args) => cmd::decide::run(args),
        Command::Crd(args) => cmd::crd::run(args),
        Command::Query(args) => cmd::query::run(args),
        Command::Emulate(args) => cmd::emulate::run(args),
        Command::Load(args) => cmd::load::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
