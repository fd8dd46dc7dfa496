//! `swell load` (PLACEHOLDER: being written).

use std::process::ExitCode;

/// Arguments of `swell load`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `swell load`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("swell load is not implemented yet")
}
