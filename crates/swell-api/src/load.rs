//! Reading manifests: multi-document YAML → typed objects, with every problem naming the file,
//! the document, the field path, the line and what to write instead.
//!
//! Steps per document: parse the YAML ([`crate::yaml`]); dispatch on `apiVersion` + `kind`;
//! report values that must be strings but are YAML numbers or booleans (and quote them, so the
//! other checks still run); deserialize into the typed object; for KEDA kinds, report fields
//! the CRD does not have (the API server rejects them under `kubectl --validate=strict`).
//! Nothing here panics on any input; the loader is fuzzed with proptest.

pub mod fields;

use std::fmt;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::k8s::{ConfigMap, Hpa, Role, Secret, Workload};
use crate::keda::{ClusterTriggerAuthentication, ScaledObject, TriggerAuthentication};
use crate::kserve::InferenceService;
use crate::problem::{Problem, Severity};
use crate::yaml::{YamlDocument, parse_documents};

/// A typed object from one document.
#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    /// `keda.sh/v1alpha1 ScaledObject`.
    ScaledObject(Box<ScaledObject>),
    /// `keda.sh/v1alpha1 TriggerAuthentication`.
    TriggerAuthentication(Box<TriggerAuthentication>),
    /// `keda.sh/v1alpha1 ClusterTriggerAuthentication`.
    ClusterTriggerAuthentication(Box<ClusterTriggerAuthentication>),
    /// `serving.kserve.io/v1beta1 InferenceService`.
    InferenceService(Box<InferenceService>),
    /// `v1 Secret`.
    Secret(Box<Secret>),
    /// `v1 ConfigMap`.
    ConfigMap(Box<ConfigMap>),
    /// `apps/v1 Deployment` or `StatefulSet`.
    Workload(Box<Workload>),
    /// `autoscaling/v2` (or v1) HorizontalPodAutoscaler.
    Hpa(Box<Hpa>),
    /// `rbac.authorization.k8s.io/v1 Role` or `ClusterRole`.
    Role(Box<Role>),
}

/// One YAML document of a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The file, as given.
    pub file: String,
    /// 1-based position among the file's non-empty documents.
    pub index: usize,
    /// `apiVersion`, empty when absent.
    pub api_version: String,
    /// `kind`, empty when absent.
    pub kind: String,
    /// `metadata.name`, empty when absent.
    pub name: String,
    /// `metadata.namespace`, when written.
    pub namespace: Option<String>,
    /// The parsed YAML with its line index.
    pub yaml: YamlDocument,
    /// The typed object, when the kind is one swell reads and it deserialized.
    pub object: Option<Object>,
    /// Problems found while loading (types, unknown fields, unknown kinds).
    pub problems: Vec<Problem>,
}

impl Document {
    /// The line of `field` (or of its closest written ancestor).
    pub fn line_of(&self, field: &str) -> Option<u32> {
        self.yaml
            .line_of(field)
            .or(Some(self.yaml.start_line))
            .filter(|l| *l > 0)
    }

    /// Whether loading found an error in this document.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}

/// All documents of one file.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedFile {
    /// The file, as given.
    pub file: String,
    /// Its documents.
    pub documents: Vec<Document>,
    /// A YAML syntax error that stopped reading, with its line.
    pub syntax_error: Option<(Problem, Option<u32>)>,
}

/// Why a manifest could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read.
    Io {
        /// The file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The YAML is malformed.
    Syntax {
        /// The file.
        file: String,
        /// The line, when known.
        line: Option<u32>,
        /// The parser's message.
        message: String,
    },
    /// The document has errors.
    Invalid {
        /// The file.
        file: String,
        /// 1-based document index.
        document: usize,
        /// The errors, each with its line.
        problems: Vec<(Problem, Option<u32>)>,
    },
    /// No document of the wanted kind.
    NotFound {
        /// The file.
        file: String,
        /// What was looked for.
        kind: &'static str,
    },
    /// More than one document of the wanted kind.
    Ambiguous {
        /// The file.
        file: String,
        /// What was looked for.
        kind: &'static str,
        /// How many were found.
        count: usize,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { file, source } => write!(f, "{file}: cannot read: {source}"),
            LoadError::Syntax {
                file,
                line,
                message,
            } => match line {
                Some(line) => write!(f, "{file}:{line}: invalid YAML: {message}"),
                None => write!(f, "{file}: invalid YAML: {message}"),
            },
            LoadError::Invalid {
                file,
                document,
                problems,
            } => {
                write!(f, "{file}: document {document} is invalid:")?;
                for (problem, line) in problems {
                    match line {
                        Some(line) => write!(f, "\n  line {line}: {problem}")?,
                        None => write!(f, "\n  {problem}")?,
                    }
                }
                Ok(())
            }
            LoadError::NotFound { file, kind } => write!(
                f,
                "{file}: no {kind} found (documents need `apiVersion` and `kind: {kind}`)"
            ),
            LoadError::Ambiguous { file, kind, count } => write!(
                f,
                "{file}: {count} {kind}s found; put the one to use in its own file"
            ),
        }
    }
}

/// The I/O error is part of the message, so it is not also a `source` (a chain printer would
/// show it twice).
impl std::error::Error for LoadError {}

/// Reads and loads a file.
pub fn load_path(path: &Path) -> Result<LoadedFile, LoadError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        file: file.clone(),
        source,
    })?;
    Ok(load_str(&file, &text))
}

/// Loads every document of `text` (named `file` in messages). Never fails: problems are
/// recorded on the documents, a syntax error on the file.
pub fn load_str(file: &str, text: &str) -> LoadedFile {
    let parsed = match parse_documents(text) {
        Ok(parsed) => parsed,
        Err(err) => {
            let problem = Problem::error(
                "invalid-yaml",
                "",
                format!("the YAML cannot be parsed: {}", err.message),
            );
            return LoadedFile {
                file: file.to_string(),
                documents: Vec::new(),
                syntax_error: Some((problem, err.line)),
            };
        }
    };
    let documents = parsed
        .into_iter()
        .enumerate()
        .map(|(i, yaml)| load_document(file, i + 1, yaml))
        .collect();
    LoadedFile {
        file: file.to_string(),
        documents,
        syntax_error: None,
    }
}

/// Loads the one ScaledObject of a file; other documents are ignored.
pub fn scaled_object_from_path(path: &Path) -> Result<ScaledObject, LoadError> {
    let loaded = load_path(path)?;
    scaled_object_from_loaded(loaded)
}

/// Loads the one ScaledObject of `text`; other documents are ignored.
pub fn scaled_object_from_str(file: &str, text: &str) -> Result<ScaledObject, LoadError> {
    scaled_object_from_loaded(load_str(file, text))
}

fn scaled_object_from_loaded(loaded: LoadedFile) -> Result<ScaledObject, LoadError> {
    if let Some((problem, line)) = loaded.syntax_error {
        return Err(LoadError::Syntax {
            file: loaded.file,
            line,
            message: problem.message,
        });
    }
    let mut found: Vec<Document> = loaded
        .documents
        .into_iter()
        .filter(|d| d.kind == "ScaledObject")
        .collect();
    if found.len() > 1 {
        return Err(LoadError::Ambiguous {
            file: loaded.file,
            kind: "ScaledObject",
            count: found.len(),
        });
    }
    let Some(document) = found.pop() else {
        return Err(LoadError::NotFound {
            file: loaded.file,
            kind: "ScaledObject",
        });
    };
    match document.object.clone() {
        Some(Object::ScaledObject(so)) if !document.has_errors() => Ok(*so),
        _ => Err(LoadError::Invalid {
            file: loaded.file,
            document: document.index,
            problems: document
                .problems
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .map(|p| (p.clone(), document.line_of(&p.field)))
                .collect(),
        }),
    }
}

/// KServe kinds that do not affect autoscaling; read past silently.
const OTHER_KSERVE_KINDS: &[&str] = &[
    "ServingRuntime",
    "ClusterServingRuntime",
    "InferenceGraph",
    "TrainedModel",
    "ClusterStorageContainer",
    "LocalModelCache",
    "LocalModelNode",
    "LocalModelNodeGroup",
    "LLMInferenceService",
    "LLMInferenceServiceConfig",
];

/// KEDA kinds that swell does not handle.
const OTHER_KEDA_KINDS: &[&str] = &["ScaledJob", "CloudEventSource", "ClusterCloudEventSource"];

fn load_document(file: &str, index: usize, yaml: YamlDocument) -> Document {
    let text = |pointer: &str| {
        yaml.value
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let mut document = Document {
        file: file.to_string(),
        index,
        api_version: text("/apiVersion").unwrap_or_default(),
        kind: text("/kind").unwrap_or_default(),
        name: text("/metadata/name").unwrap_or_default(),
        namespace: text("/metadata/namespace"),
        object: None,
        problems: Vec::new(),
        yaml,
    };
    let (group, version) = match document.api_version.split_once('/') {
        Some((group, version)) => (group.to_string(), version.to_string()),
        None => (String::new(), document.api_version.clone()),
    };
    let kind = document.kind.clone();

    match (group.as_str(), kind.as_str()) {
        ("keda.sh", "ScaledObject" | "TriggerAuthentication" | "ClusterTriggerAuthentication") => {
            if version != "v1alpha1" {
                return wrong_version(document, "keda.sh/v1alpha1");
            }
            match kind.as_str() {
                "ScaledObject" => decode_keda(&mut document, schemas::scaled_object(), |o| {
                    Object::ScaledObject(Box::new(o))
                }),
                "TriggerAuthentication" => {
                    decode_keda(&mut document, schemas::trigger_authentication(), |o| {
                        Object::TriggerAuthentication(Box::new(o))
                    })
                }
                _ => decode_keda(&mut document, schemas::trigger_authentication(), |o| {
                    Object::ClusterTriggerAuthentication(Box::new(o))
                }),
            }
        }
        ("keda.sh" | "eventing.keda.sh", k) if OTHER_KEDA_KINDS.contains(&k) => {
            document.problems.push(Problem::warning(
                "unsupported-kind",
                "kind",
                format!("swell does not handle `{k}` (KEDA does); it is not checked"),
            ));
        }
        ("keda.sh", _) => unknown_kind(
            &mut document,
            "ScaledObject, TriggerAuthentication, ClusterTriggerAuthentication, ScaledJob",
        ),
        ("serving.kserve.io", "InferenceService") => {
            if version != "v1beta1" {
                return wrong_version(document, "serving.kserve.io/v1beta1");
            }
            decode(&mut document, |o| Object::InferenceService(Box::new(o)));
        }
        ("serving.kserve.io", k) if OTHER_KSERVE_KINDS.contains(&k) => {}
        ("serving.kserve.io", _) => unknown_kind(
            &mut document,
            "InferenceService, ServingRuntime, ClusterServingRuntime, InferenceGraph, TrainedModel, LLMInferenceService",
        ),
        ("", "Secret") if version == "v1" => decode(&mut document, |o| Object::Secret(Box::new(o))),
        ("", "ConfigMap") if version == "v1" => {
            decode(&mut document, |o| Object::ConfigMap(Box::new(o)))
        }
        ("apps", "Deployment" | "StatefulSet") if version == "v1" => {
            decode(&mut document, |o| Object::Workload(Box::new(o)))
        }
        ("autoscaling", "HorizontalPodAutoscaler") => {
            decode(&mut document, |o| Object::Hpa(Box::new(o)))
        }
        ("rbac.authorization.k8s.io", "Role" | "ClusterRole") => {
            decode(&mut document, |o| Object::Role(Box::new(o)))
        }
        // Every other kind is someone else's business.
        _ => {}
    }
    document
}

fn wrong_version(mut document: Document, expected: &str) -> Document {
    document.problems.push(Problem::error(
        "unknown-api-version",
        "apiVersion",
        format!(
            "`{}` has no `{}`; write `apiVersion: {expected}`",
            document.api_version, document.kind
        ),
    ));
    document
}

fn unknown_kind(document: &mut Document, known: &str) {
    document.problems.push(Problem::error(
        "unknown-kind",
        "kind",
        format!(
            "`{}` has no kind `{}`; known kinds are {known}",
            document.api_version, document.kind
        ),
    ));
}

/// Deserializes a built-in or KServe object (string maps quoted first).
fn decode<T: DeserializeOwned>(document: &mut Document, wrap: impl FnOnce(T) -> Object) {
    let value = fields::quote_string_maps(document);
    if let Some(object) = fields::deserialize::<T>(document, value) {
        document.object = Some(wrap(object));
    }
}

/// Deserializes a KEDA object and reports fields its CRD does not have.
fn decode_keda<T: DeserializeOwned + serde::Serialize>(
    document: &mut Document,
    spec_schema: &Value,
    wrap: impl FnOnce(T) -> Object,
) {
    let value = fields::quote_string_maps(document);
    let Some(object) = fields::deserialize::<T>(document, value.clone()) else {
        return;
    };
    fields::report_unknown_fields(document, &value, &object, spec_schema);
    document.object = Some(wrap(object));
}

/// The specs' JSON schemas, fully inlined, for "did you mean" suggestions.
mod schemas {
    use std::sync::OnceLock;

    use schemars::JsonSchema;
    use schemars::generate::SchemaSettings;
    use serde_json::Value;

    use crate::keda::{ScaledObjectSpec, TriggerAuthenticationSpec};

    fn inline<S: JsonSchema>() -> Value {
        let settings = SchemaSettings::openapi3().with(|s| s.inline_subschemas = true);
        settings
            .into_generator()
            .into_root_schema_for::<S>()
            .to_value()
    }

    pub fn scaled_object() -> &'static Value {
        static SCHEMA: OnceLock<Value> = OnceLock::new();
        SCHEMA.get_or_init(inline::<ScaledObjectSpec>)
    }

    pub fn trigger_authentication() -> &'static Value {
        static SCHEMA: OnceLock<Value> = OnceLock::new();
        SCHEMA.get_or_init(inline::<TriggerAuthenticationSpec>)
    }
}

#[cfg(test)]
mod tests;
