//! `swell query --scaledobject FILE [--auth FILE]... [--replicas N] [--format text|json]`:
//! evaluates every trigger of a ScaledObject now, against its live source, and explains the
//! arithmetic that turns the values into a replica count (contract in ARCHITECTURE.md, user
//! guide in docs/query.md).
//!
//! Steps: load the first ScaledObject of FILE; resolve each trigger's `authenticationRef`
//! from the `--auth` files and FILE ([`auth`]); translate and parse the triggers with those
//! parameters (swell-api, swell-core); query every trigger concurrently ([`evaluate`]); do
//! KEDA's and the HPA's arithmetic ([`replicas`]); print ([`render`]).
//!
//! Exit codes: 0 when every trigger produced a value; 1 when some trigger failed (the output
//! is still printed, with the failure in `error`) or the ScaledObject is invalid; 2 for usage
//! errors and unreadable files.

mod auth;
mod evaluate;
mod render;
mod replicas;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use swell_api::keda::ScaledObject;
use swell_api::load::{LoadedFile, Object, load_path};
use swell_api::problem::Severity;
use swell_api::translate::translate;
use swell_core::trigger::AuthParams;

use auth::AuthSources;
use evaluate::{Prepared, evaluate_all};

/// Output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The arithmetic, explained.
    #[default]
    Text,
    /// `{"triggers": [...], "desiredReplicas"}` on one line.
    Json,
}

/// Arguments of `swell query`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
TriggerAuthentications, ClusterTriggerAuthentications, Secrets and ConfigMaps are read from the
--auth files (in order, first match wins), then from the ScaledObject's file.

Exit 0: every trigger produced a value. Exit 1: a trigger failed (output still printed, the
failure in `error`) or the ScaledObject is invalid. Exit 2: usage error or unreadable file.")]
pub struct Args {
    /// The file holding the ScaledObject (the first one in the file is used).
    #[arg(long, value_name = "FILE")]
    scaledobject: PathBuf,
    /// A file with TriggerAuthentications and the Secrets they name (repeatable).
    #[arg(long, value_name = "FILE")]
    auth: Vec<PathBuf>,
    /// The target's current replica count (all of them ready).
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(i32).range(0..))]
    replicas: i32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Runs `swell query`.
pub fn run(args: Args) -> Result<ExitCode> {
    // Warnings from the sources (e.g. `unsafeSsl`) reach standard error.
    super::init_logging("warn");

    // The --auth files come first: an explicit file beats a placeholder next to the object.
    let mut files = Vec::with_capacity(args.auth.len() + 1);
    for path in args.auth.iter().chain([&args.scaledobject]) {
        files.push(read(path)?);
    }
    let so_file = files.last().expect("the ScaledObject's file is read");
    let so = match first_scaled_object(so_file) {
        Ok(so) => so,
        Err(message) => return Ok(invalid(&message)),
    };
    if let Some(message) = files.iter().find_map(syntax_error) {
        return Ok(invalid(&message));
    }

    // Credentials: resolved per trigger; a failure there fails that trigger only.
    let sources = AuthSources::new(&files);
    let namespace = so.metadata.namespace.as_deref();
    let auth: Vec<Result<AuthParams, String>> = so
        .spec
        .triggers
        .iter()
        .enumerate()
        .map(|(index, trigger)| match &trigger.authentication_ref {
            None => Ok(AuthParams::new()),
            Some(auth_ref) => sources
                .resolve(namespace, auth_ref)
                .map_err(|e| format!("trigger {index}: {e}")),
        })
        .collect();

    let translation = translate(&so, &|index| auth[index].as_ref().ok().cloned());
    let name = so.metadata.name.as_deref().unwrap_or("(unnamed)");
    for problem in translation.problems.iter() {
        if problem.severity == Severity::Warning {
            eprintln!("warning: ScaledObject {name}: {problem}");
        }
    }
    let Some(spec) = translation.spec else {
        let errors: Vec<String> = translation
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| format!("\n  - {p}"))
            .collect();
        let message = format!(
            "{}: ScaledObject {name} is invalid:{}",
            args.scaledobject.display(),
            errors.concat()
        );
        return Ok(invalid(&message));
    };

    // Evaluate every trigger at once; those whose credentials failed are not queried.
    let prepared: Vec<Prepared<'_>> = so
        .spec
        .triggers
        .iter()
        .enumerate()
        .map(|(index, trigger)| Prepared {
            config: match (&auth[index], &translation.triggers[index]) {
                (Err(message), _) => Err(message.clone()),
                (Ok(_), Some(config)) => Ok(config),
                (Ok(_), None) => Err(format!("trigger {index}: metadata did not parse")),
            },
            auth_ref: trigger.authentication_ref.as_ref().map(|r| r.name.clone()),
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let readings = runtime.block_on(evaluate_all(&prepared));

    let values: Vec<Option<f64>> = readings.iter().map(|r| r.value.clone().ok()).collect();
    let math = replicas::compute(&spec, &values, args.replicas);
    let outcome = render::Outcome {
        name,
        namespace,
        spec: &spec,
        configs: &translation.triggers,
        readings: &readings,
        math: &math,
        formula: so
            .spec
            .advanced
            .as_ref()
            .and_then(|a| a.scaling_modifiers.as_ref())
            .and_then(|m| m.formula.as_deref()),
    };
    match args.format {
        Format::Json => println!("{}", render::json(&outcome)),
        Format::Text => print!("{}", render::text(&outcome)),
    }

    let all_evaluated = readings.iter().all(|r| r.value.is_ok());
    Ok(if all_evaluated {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Reads and loads a file; only an unreadable file is an error here (exit 2).
fn read(path: &std::path::Path) -> Result<LoadedFile> {
    load_path(path).map_err(anyhow::Error::new)
}

/// The first ScaledObject of the file, or what is wrong with it.
fn first_scaled_object(file: &LoadedFile) -> Result<ScaledObject, String> {
    if let Some(message) = syntax_error(file) {
        return Err(message);
    }
    let mut found = file.documents.iter().filter(|d| d.kind == "ScaledObject");
    let Some(document) = found.next() else {
        return Err(format!(
            "{}: no ScaledObject found (expected a document with `apiVersion: \
             keda.sh/v1alpha1` and `kind: ScaledObject`)",
            file.file
        ));
    };
    let others = found.count();
    if others > 0 {
        eprintln!(
            "note: {} holds {} ScaledObjects; using the first, `{}` (document {})",
            file.file,
            others + 1,
            document.name,
            document.index
        );
    }
    match &document.object {
        Some(Object::ScaledObject(so)) if !document.has_errors() => Ok((**so).clone()),
        _ => {
            let problems: Vec<String> = document
                .problems
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .map(|p| match document.line_of(&p.field) {
                    Some(line) => format!("\n  line {line}: {p}"),
                    None => format!("\n  {p}"),
                })
                .collect();
            Err(format!(
                "{}: document {} (ScaledObject `{}`) is invalid:{}",
                file.file,
                document.index,
                document.name,
                problems.concat()
            ))
        }
    }
}

fn syntax_error(file: &LoadedFile) -> Option<String> {
    file.syntax_error
        .as_ref()
        .map(|(problem, line)| match line {
            Some(line) => format!("{}:{line}: {}", file.file, problem.message),
            None => format!("{}: {}", file.file, problem.message),
        })
}

fn invalid(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(1)
}
