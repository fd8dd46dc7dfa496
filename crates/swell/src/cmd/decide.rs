//! `swell decide` (PLACEHOLDER: being written).

use std::process::ExitCode;

/// Arguments of `swell decide`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `swell decide`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("swell decide is not implemented yet")
}
