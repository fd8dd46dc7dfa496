//! `swell check [--format text|json] PATH...`: reads every YAML document of the given files
//! (directories: every `*.yaml`/`*.yml` below, in sorted order), runs the checks of
//! [`swell_api::check`] and prints the findings.
//!
//! Exit codes: 0 no errors (warnings allowed), 1 at least one error, 2 a usage error or a file
//! that cannot be read.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use swell_api::Severity;
use swell_api::check::{Finding, check_files};
use swell_api::load::{LoadError, LoadedFile, load_path};

/// Arguments of `swell check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format: `text` (one line per finding and a summary) or `json` (an array of
    /// findings).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Files or directories to check; directories are searched for `*.yaml` and `*.yml`.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable lines.
    Text,
    /// A JSON array of findings.
    Json,
}

/// Runs `swell check`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let files = collect_files(&args.paths)?;
    let mut loaded = Vec::with_capacity(files.len());
    for file in &files {
        loaded.push(load_path(file).map_err(|err| match err {
            LoadError::Io { file, source } => anyhow::anyhow!("{file}: cannot be read: {source}"),
            other => anyhow::anyhow!("{other}"),
        })?);
    }

    let findings = check_files(&loaded);
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Text => print_text(&mut out, &findings, &loaded)?,
        Format::Json => print_json(&mut out, &findings)?,
    }
    out.flush()?;

    let has_errors = findings.iter().any(|f| f.severity == Severity::Error);
    Ok(if has_errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The files to read: each file as given, and every `*.yaml`/`*.yml` below each directory,
/// sorted; each file once.
fn collect_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut seen = BTreeSet::new();
    for path in paths {
        let metadata = std::fs::metadata(path)
            .with_context(|| format!("{}: cannot be read", path.display()))?;
        let mut found = Vec::new();
        if metadata.is_dir() {
            walk(path, &mut found)?;
            found.sort();
            if found.is_empty() {
                bail!(
                    "{}: no *.yaml or *.yml files in this directory",
                    path.display()
                );
            }
        } else {
            found.push(path.clone());
        }
        for file in found {
            if seen.insert(file.clone()) {
                files.push(file);
            }
        }
    }
    Ok(files)
}

/// Every YAML file below `dir`. Symbolic links to directories are not followed (no loops).
fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("{}: cannot be read", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("{}: cannot be read", dir.display()))?;
        let path = entry.path();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            walk(&path, found)?;
        } else if is_yaml(&path) && (file_type.is_file() || path.is_file()) {
            found.push(path);
        }
    }
    Ok(())
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// `file:line: severity[code] Kind/name field: message`, then a summary line.
fn print_text(
    out: &mut impl Write,
    findings: &[Finding],
    files: &[LoadedFile],
) -> std::io::Result<()> {
    for finding in findings {
        let place = match finding.line {
            Some(line) => format!("{}:{line}", finding.file),
            None => finding.file.clone(),
        };
        let object = match (finding.kind.as_str(), finding.name.as_str()) {
            ("", _) => String::new(),
            (kind, "") => format!(" {kind}"),
            (kind, name) => format!(" {kind}/{name}"),
        };
        let field = if finding.field.is_empty() {
            String::new()
        } else {
            format!(" {}", finding.field)
        };
        writeln!(
            out,
            "{place}: {}[{}]{object}{field}: {}",
            finding.severity.as_str(),
            finding.code,
            finding.message
        )?;
    }

    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    let documents: usize = files.iter().map(|f| f.documents.len()).sum();
    writeln!(
        out,
        "{} {}, {} {} in {} {} ({} {})",
        errors,
        plural(errors, "error"),
        warnings,
        plural(warnings, "warning"),
        files.len(),
        plural(files.len(), "file"),
        documents,
        plural(documents, "document"),
    )
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// One finding in the contract's JSON shape, fields in the contract's order.
#[derive(serde::Serialize)]
struct JsonFinding<'a> {
    file: &'a str,
    document: usize,
    kind: &'a str,
    name: &'a str,
    severity: &'a str,
    code: &'a str,
    field: &'a str,
    message: &'a str,
}

/// The contract's JSON: an array of `{file, document, kind, name, severity, code, field,
/// message}`.
fn print_json(out: &mut impl Write, findings: &[Finding]) -> anyhow::Result<()> {
    let array: Vec<JsonFinding<'_>> = findings
        .iter()
        .map(|f| JsonFinding {
            file: &f.file,
            document: f.document,
            kind: &f.kind,
            name: &f.name,
            severity: f.severity.as_str(),
            code: f.code,
            field: &f.field,
            message: &f.message,
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &array)?;
    writeln!(out)?;
    Ok(())
}
