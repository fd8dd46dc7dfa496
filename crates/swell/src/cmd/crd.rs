//! `swell crd`: prints the CustomResourceDefinitions swell serves (KEDA's `keda.sh` CRDs,
//! generated from the swell-api types) as a multi-document YAML stream, or writes one file per
//! CRD with `--out-dir` (how `deploy/crds/` is regenerated).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use swell_api::crd::{self, CrdKind};

/// Arguments of `swell crd`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this CRD (repeatable): scaledobject (so), triggerauthentication (ta) or
    /// clustertriggerauthentication (cta). Default: all three.
    #[arg(long = "kind", value_name = "KIND", value_parser = parse_kind)]
    kinds: Vec<CrdKind>,
    /// Write each CRD to DIR/keda.sh_<plural>.yaml instead of printing the stream.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

fn parse_kind(given: &str) -> Result<CrdKind, String> {
    given.parse().map_err(|e: crd::CrdError| e.to_string())
}

/// The CRDs asked for, in the order `swell crd` always prints them, without repeats.
fn selected(kinds: &[CrdKind]) -> Vec<CrdKind> {
    CrdKind::ALL
        .into_iter()
        .filter(|kind| kinds.is_empty() || kinds.contains(kind))
        .collect()
}

/// Runs `swell crd`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let kinds = selected(&args.kinds);

    let Some(dir) = args.out_dir else {
        let stream = crd::to_yaml(&kinds)?;
        std::io::stdout()
            .lock()
            .write_all(stream.as_bytes())
            .context("cannot write the CRDs to standard output")?;
        return Ok(ExitCode::SUCCESS);
    };

    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    for kind in kinds {
        let path = dir.join(kind.file_name());
        let yaml = crd::to_yaml(&[kind])?;
        std::fs::write(&path, yaml).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_print_in_a_fixed_order_without_repeats() {
        let asked = [
            CrdKind::ClusterTriggerAuthentication,
            CrdKind::ScaledObject,
            CrdKind::ScaledObject,
        ];
        assert_eq!(
            selected(&asked),
            [CrdKind::ScaledObject, CrdKind::ClusterTriggerAuthentication]
        );
        assert_eq!(selected(&[]), CrdKind::ALL);
    }

    #[test]
    fn an_unknown_kind_is_a_usage_error_naming_the_choices() {
        let err = parse_kind("scaledjob").unwrap_err();
        assert!(err.contains("scaledobject (so)"), "{err}");
    }
}
