//! A problem found in a manifest: a stable code, the field at fault, and a message that says
//! what to write instead. Translation returns errors as problems; `swell check` turns problems
//! into findings with a file, a document and a severity.

use std::fmt;

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// What KEDA or the API server would reject, or what cannot work at all.
    Error,
    /// Valid, but commonly a mistake.
    Warning,
}

impl Severity {
    /// `error` or `warning`, as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem in one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// Stable kebab-case identifier (documented in `docs/check.md`).
    pub code: &'static str,
    /// Field path, e.g. `spec.triggers[0].metadata.threshold`; empty for the whole object.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Problem {
    /// An error.
    pub fn error(code: &'static str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Error,
            code,
            field: field.into(),
            message: message.into(),
        }
    }

    /// A warning.
    pub fn warning(
        code: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            severity: Severity::Warning,
            code,
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{} [{}]", self.message, self.code)
        } else {
            write!(f, "{}: {} [{}]", self.field, self.message, self.code)
        }
    }
}
