//! `swell query` (PLACEHOLDER: being written).

use std::process::ExitCode;

/// Arguments of `swell query`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `swell query`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("swell query is not implemented yet")
}
