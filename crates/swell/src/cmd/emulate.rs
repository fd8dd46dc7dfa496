//! `swell emulate` (PLACEHOLDER: being written).

use std::process::ExitCode;

/// Arguments of `swell emulate`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `swell emulate`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("swell emulate is not implemented yet")
}
