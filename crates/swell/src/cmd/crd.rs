//! `swell crd` (PLACEHOLDER: being written).

use std::process::ExitCode;

/// Arguments of `swell crd`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `swell crd`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("swell crd is not implemented yet")
}
