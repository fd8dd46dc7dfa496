//! Reading "the one ScaledObject in this file" for commands that run a single object
//! (`swell decide`, `swell query`), on top of `swell_api::load`.

use std::path::Path;

use anyhow::Result;
use swell_api::LoadError;
use swell_core::spec::ScalingSpec;

/// Reads `path` and translates its ScaledObject. The outer error is an unreadable file (exit
/// 2); the inner one is a file without exactly one valid ScaledObject (exit 1), worded for
/// the user with file, document, line and field.
pub fn load_scaled_object_spec(path: &Path) -> Result<Result<ScalingSpec, String>> {
    let so = match swell_api::scaled_object_from_path(path) {
        Ok(so) => so,
        Err(err @ LoadError::Io { .. }) => return Err(err.into()),
        Err(err) => return Ok(Err(err.to_string())),
    };
    Ok(swell_api::translate::scaled_object(&so).map_err(|e| format!("{}: {e}", path.display())))
}
