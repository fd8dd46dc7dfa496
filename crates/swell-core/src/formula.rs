//! `scalingModifiers.formula`: a parser and evaluator for the subset of the expr-lang
//! language that KEDA users write.
//!
//! PLACEHOLDER: the interface below is fixed; the implementation is being written.

use thiserror::Error;

/// A compiled formula.
#[derive(Clone, Debug)]
pub struct Formula {
    variables: Vec<String>,
}

/// What went wrong compiling or evaluating a formula.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum FormulaError {
    /// Not implemented yet.
    #[error("formula support is not implemented yet")]
    Unimplemented,
}

impl Formula {
    /// Compiles `source`, allowing exactly the identifiers in `variables` (trigger names).
    pub fn compile(source: &str, variables: &[&str]) -> Result<Formula, FormulaError> {
        let _ = source;
        let _ = Formula { variables: variables.iter().map(|v| v.to_string()).collect() };
        Err(FormulaError::Unimplemented)
    }

    /// The variable names, in the order `evaluate` expects their values.
    pub fn variables(&self) -> &[String] {
        &self.variables
    }

    /// Evaluates with one value per variable (`None` is expr-lang's `nil`). Returns `None` when
    /// the formula itself evaluates to `nil`.
    pub fn evaluate(&self, values: &[Option<f64>]) -> Result<Option<f64>, FormulaError> {
        let _ = values;
        Err(FormulaError::Unimplemented)
    }
}
