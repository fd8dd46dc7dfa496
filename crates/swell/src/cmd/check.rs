//! `swell check` (PLACEHOLDER: being written).

use std::process::ExitCode;

/// Arguments of `swell check`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `swell check`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("swell check is not implemented yet")
}
