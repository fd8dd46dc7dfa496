//! The checks behind `swell check`: every document of every file in, a list of findings out.
//!
//! A finding names the file, the document (1-based among the file's non-empty documents; 0 for
//! a problem with the whole file, such as broken YAML), the object, a stable kebab-case code,
//! the field and a message saying what to write instead. Errors are what KEDA, KServe or the
//! API server would reject, or what cannot work at all; warnings are common mistakes.
//!
//! Steps: loading problems (types, unknown fields) come from [`crate::load`]; then each object
//! is checked on its own ([`scaled_object`], [`inference_service`], [`auth`], [`rbac`],
//! [`placeholders`]); then the rules that need several objects run ([`targets`], and the
//! references in [`auth`]). Every code is documented in `docs/check.md`.

pub mod auth;
pub mod inference_service;
pub mod kserve_scaled_object;
pub mod placeholders;
pub mod promql;
pub mod rbac;
pub mod scaled_object;
pub mod targets;

use crate::load::{Document, LoadedFile, Object};
use crate::problem::{Problem, Severity};

/// One problem in one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The file, as given.
    pub file: String,
    /// 1-based document index within the file; 0 when the problem is with the whole file.
    pub document: usize,
    /// 1-based line of the field (or of the closest written ancestor), when known.
    pub line: Option<u32>,
    /// The object's `kind`, empty when absent.
    pub kind: String,
    /// The object's `metadata.name`, empty when absent.
    pub name: String,
    /// Error or warning.
    pub severity: Severity,
    /// Stable kebab-case code (see `docs/check.md`).
    pub code: &'static str,
    /// Field path, e.g. `spec.triggers[0].metadata.threshold`; empty for the whole object.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Every document of every input file, for the rules that look across objects.
pub struct Inputs<'a> {
    /// All documents, in file order then document order.
    pub documents: Vec<&'a Document>,
}

impl<'a> Inputs<'a> {
    /// Indexes the documents of `files`.
    pub fn new(files: &'a [LoadedFile]) -> Self {
        Inputs {
            documents: files.iter().flat_map(|f| f.documents.iter()).collect(),
        }
    }

    /// The documents whose typed object matches `pick`, with that object.
    pub fn objects<T>(
        &self,
        pick: impl Fn(&'a Object) -> Option<&'a T>,
    ) -> Vec<(&'a Document, &'a T)> {
        self.documents
            .iter()
            .filter_map(|d| d.object.as_ref().and_then(&pick).map(|o| (*d, o)))
            .collect()
    }
}

/// Whether two objects can be in the same namespace: an unset namespace is the one `kubectl`
/// applies to, so it matches any.
pub fn same_namespace(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Runs every check on the loaded files. Findings come in file, document and line order.
pub fn check_files(files: &[LoadedFile]) -> Vec<Finding> {
    let inputs = Inputs::new(files);
    let mut findings = Vec::new();

    for file in files {
        if let Some((problem, line)) = &file.syntax_error {
            findings.push(Finding {
                file: file.file.clone(),
                document: 0,
                line: *line,
                kind: String::new(),
                name: String::new(),
                severity: problem.severity,
                code: problem.code,
                field: problem.field.clone(),
                message: problem.message.clone(),
            });
        }
        for document in &file.documents {
            let problems = check_document(document, &inputs);
            findings.extend(problems.into_iter().map(|p| finding(document, p)));
        }
    }

    findings.sort_by(|a, b| {
        let order = |f: &Finding| (f.document, f.line.unwrap_or(0), f.severity);
        let file_position = |f: &Finding| files.iter().position(|x| x.file == f.file);
        (file_position(a), order(a)).cmp(&(file_position(b), order(b)))
    });
    findings.dedup();
    findings
}

/// Every problem of one document: loading, its own rules, and the cross-object rules.
fn check_document(document: &Document, inputs: &Inputs<'_>) -> Vec<Problem> {
    let mut problems = document.problems.clone();
    if document.kind.is_empty() || document.api_version.is_empty() {
        problems.push(Problem::warning(
            "not-a-manifest",
            if document.kind.is_empty() {
                "kind"
            } else {
                "apiVersion"
            },
            "this document has no `apiVersion` and `kind`, so it is not a Kubernetes object; \
             it is skipped (kubectl would reject it)",
        ));
    }
    problems.extend(placeholders::check(document));

    match &document.object {
        Some(Object::ScaledObject(so)) => {
            problems.extend(scaled_object::check(so, document, inputs));
            problems.extend(targets::check(so, document, inputs));
        }
        Some(Object::TriggerAuthentication(ta)) => {
            problems.extend(auth::check_trigger_authentication(
                &ta.spec, false, document, inputs,
            ));
        }
        Some(Object::ClusterTriggerAuthentication(cta)) => {
            problems.extend(auth::check_trigger_authentication(
                &cta.spec.0,
                true,
                document,
                inputs,
            ));
        }
        Some(Object::InferenceService(isvc)) => {
            problems.extend(inference_service::check(isvc, document, inputs));
        }
        Some(Object::Role(role)) => problems.extend(rbac::check(role)),
        _ => {}
    }
    problems
}

fn finding(document: &Document, problem: Problem) -> Finding {
    Finding {
        file: document.file.clone(),
        document: document.index,
        line: document.line_of(&problem.field),
        kind: document.kind.clone(),
        name: document.name.clone(),
        severity: problem.severity,
        code: problem.code,
        field: problem.field,
        message: problem.message,
    }
}

/// Test helpers: check YAML text and look at codes.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::load::load_str;

    /// Checks several files given as `(name, text)`.
    pub fn check_texts(files: &[(&str, &str)]) -> Vec<Finding> {
        let loaded: Vec<LoadedFile> = files.iter().map(|(f, t)| load_str(f, t)).collect();
        check_files(&loaded)
    }

    /// `(severity, code, field)` of every finding of one file.
    pub fn codes(text: &str) -> Vec<(Severity, &'static str, String)> {
        check_texts(&[("test.yaml", text)])
            .into_iter()
            .map(|f| (f.severity, f.code, f.field))
            .collect()
    }

    /// Whether a finding with `code` at `field` and `severity` exists.
    pub fn has(text: &str, severity: Severity, code: &str, field: &str) -> bool {
        codes(text)
            .iter()
            .any(|(s, c, f)| *s == severity && *c == code && f == field)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn broken_yaml_is_one_file_level_error() {
        let findings = check_texts(&[("a.yaml", "a: [1, 2\nb: 3\n")]);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            (findings[0].document, findings[0].code),
            (0, "invalid-yaml")
        );
        assert_eq!(findings[0].severity, Severity::Error);
    }

    #[test]
    fn documents_without_kind_are_reported_and_unrelated_kinds_ignored() {
        assert!(has(
            "foo: bar\n",
            Severity::Warning,
            "not-a-manifest",
            "kind"
        ));
        assert_eq!(
            codes("apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"),
            vec![]
        );
    }

    #[test]
    fn findings_are_ordered_by_file_then_document_then_line() {
        let findings = check_texts(&[
            ("b.yaml", "x: 1\n---\ny: <your-value>\n"),
            ("a.yaml", "z: 1\n"),
        ]);
        let order: Vec<(&str, usize)> = findings
            .iter()
            .map(|f| (f.file.as_str(), f.document))
            .collect();
        assert_eq!(
            order,
            vec![("b.yaml", 1), ("b.yaml", 2), ("b.yaml", 2), ("a.yaml", 1)]
        );
    }

    #[test]
    fn namespaces_match_when_either_is_unset() {
        assert!(same_namespace(None, Some("llm")));
        assert!(same_namespace(Some("llm"), Some("llm")));
        assert!(!same_namespace(Some("llm"), Some("other")));
    }
}
