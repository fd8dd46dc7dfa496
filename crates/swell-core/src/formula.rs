//! `scalingModifiers.formula`: a parser and evaluator for the part of the expr-lang language
//! that KEDA users write, with KEDA's results.
//!
//! KEDA compiles `advanced.scalingModifiers.formula` with the Go library expr-lang/expr, with
//! one `float64` variable per named trigger, and reads the result as a float. We cannot link
//! that library, and the Rust crates that come close do not fit: `evalexpr` is AGPL-licensed
//! and has neither `?:` nor `??`; `rhai` and CEL have their own syntax and typing and would
//! accept formulas KEDA rejects (and the reverse). So this module implements the language
//! itself, following expr-lang v1.17's grammar, type checker, optimizer and run-time rules
//! (checked against the real library with the differential test in `fuzz/expr-oracle`).
//!
//! # Language
//! - Numbers: `10`, `1_000`, `0x1F`, `0o17`, `0b101` are integers; `0.5`, `.5`, `1.`, `1e3`
//!   are floats; also `true`, `false`, `nil`, and `//` / `/* */` comments.
//! - Names: trigger names. A name that is not an identifier (letters, digits, `_`, `$`), such
//!   as `my-trigger`, is written `$env["my-trigger"]`: `my-trigger` means `my - trigger`.
//! - Operators, loosest first: `x | f(y)` (calls `f(x, y)`); `||` `or`; `&&` `and`;
//!   `== != < <= > >= in`; `+ -`; `* / %`; unary `! not`; unary `- +`; `** ^`
//!   (right-associative); `??` (binds tightest). Then `c ? a : b` (nests to the right),
//!   `c ?: b`, and `if c { a } else if d { b } else { e }`. `a < b < c` means
//!   `a < b && b < c`; `a ?? b + 1` is an error (write `(a ?? b) + 1`).
//! - Arrays `[a, b]`, indexing `xs[0]` (`xs[-1]` is the last element).
//! - Functions: `min`, `max`, `mean`, `median` (over arguments or arrays), `abs`, `ceil`,
//!   `floor`, `round` (half away from zero), `int`, `float`, `len`, `first`, `last`, and the
//!   predicate functions `all`, `any`, `none`, `one`, `count`, `sum`, `filter`, `map`, `find`,
//!   `findIndex`, `findLast`, `findLastIndex` with a `{ ... }` body where `#` is the element
//!   (`count([a, b], {# > 1})`) and, in `map`, `#index` its position.
//!
//! # Types and results
//! Integers and floats are distinct, as in Go: `int op int` stays an integer and wraps on
//! overflow, `/` and `**` always give floats, `%` needs integers (so `trigger % 2` is an error;
//! write `int(trigger) % 2`). Float arithmetic follows IEEE 754: `a / 0` is `+Inf`, not an
//! error. Mismatched types are compile errors when known statically (`a + true`, `!a`) and
//! evaluation errors otherwise (`nil + 1` when a trigger is nil).
//!
//! KEDA wraps the formula in `float(...)` unless it already starts with `float(`. So the
//! result must be a number: a boolean or array result is an error, and so is `nil`, except in
//! formulas that use `??` — those keep a `nil` result `nil` ([`Formula::evaluate`] returns
//! `Ok(None)`), which KEDA's `fallback.behavior: scalingModifiers` turns into
//! `fallback.replicas`. Because of the wrapping, a `//` comment at the very end of a formula
//! comments out KEDA's closing parenthesis; we reject that too.
//!
//! # Known differences from expr-lang
//! - Strings, maps, member access, slices, ranges (`1..3`), `let`, `;` sequences and the
//!   string, date and map functions are not supported: they are reported as unsupported.
//! - Nesting is limited to 64 levels (expr-lang has no limit) and one evaluation to a
//!   million steps.
//! - `**` with an exponent that has a fractional part other than ±0.5 may differ from Go in
//!   the last bit (Go uses its own assembly `exp`/`log`); integer powers are identical.
//! - Identifier characters use Rust's Unicode tables (alphabetic, numeric), which differ from
//!   Go's letter/digit classes for a few rare characters.
//! - Error messages are our own; positions are byte offsets into the formula.

mod ast;
mod builtins;
mod check;
mod eval;
mod gomath;
mod lexer;
mod optimize;
mod parser;
#[cfg(test)]
mod tests;
mod value;

use std::fmt;

use thiserror::Error;

use ast::{BinaryOp, Expr, ExprKind};
use check::Nature;
use value::Value;

pub use eval::MAX_STEPS;
pub use parser::{MAX_DEPTH, MAX_NODES};

/// The value KEDA's admission webhook gives every trigger when it test-runs a formula.
pub const KEDA_PLACEHOLDER_VALUE: f64 = -1.0;

/// A byte range of the formula source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    start: usize,
    end: usize,
}

impl Span {
    fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

/// A compiled formula: parsed, type-checked and optimized once, evaluated many times.
#[derive(Clone, Debug)]
pub struct Formula {
    variables: Vec<String>,
    /// The tree as written (for printing).
    parsed: Expr,
    /// The tree after expr-lang's optimizations (for evaluation).
    program: Expr,
    keeps_nil: bool,
}

/// What went wrong compiling or evaluating a formula.
///
/// Every message names the byte offset it refers to (see [`FormulaError::offset`]) and says
/// what to write instead; [`FormulaError::render_caret`] points at the spot in the source.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum FormulaError {
    /// The formula is not well-formed.
    #[error("formula syntax error at byte {offset}: {message}")]
    Syntax {
        /// Where in the source.
        offset: usize,
        /// What is wrong and what to write.
        message: String,
    },
    /// A name is neither a trigger nor a function.
    #[error("formula error at byte {offset}: unknown name `{name}`; {}", known_names_hint(.known))]
    UnknownName {
        /// Where in the source.
        offset: usize,
        /// The name as written.
        name: String,
        /// The trigger names the formula may use.
        known: Vec<String>,
    },
    /// Operand types do not fit an operator or function (known before evaluation).
    #[error("formula type error at byte {offset}: {message}")]
    Type {
        /// Where in the source.
        offset: usize,
        /// What is wrong and what to write.
        message: String,
    },
    /// Valid expr-lang that swell does not implement.
    #[error("formula error at byte {offset}: {message}")]
    Unsupported {
        /// Where in the source.
        offset: usize,
        /// What is not supported.
        message: String,
    },
    /// The formula nests deeper than [`MAX_DEPTH`].
    #[error("formula error at byte {offset}: nested more than {limit} levels deep; simplify it")]
    TooDeep {
        /// Where in the source.
        offset: usize,
        /// The limit.
        limit: u32,
    },
    /// The formula has more than [`MAX_NODES`] parts.
    #[error(
        "formula error at byte {offset}: longer than {limit} operations and values; simplify it"
    )]
    TooLarge {
        /// Where in the source.
        offset: usize,
        /// The limit.
        limit: usize,
    },
    /// The same trigger name was given twice to [`Formula::compile`].
    #[error("trigger name `{name}` is defined twice; trigger names must be unique")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },
    /// [`Formula::evaluate`] got a different number of values than the formula has variables.
    #[error("formula needs {expected} trigger values (one per name, in order), got {got}")]
    ValueCount {
        /// The number of variables.
        expected: usize,
        /// The number of values given.
        got: usize,
    },
    /// Evaluation failed, e.g. an operator met a `nil` trigger value.
    #[error("formula evaluation error at byte {offset}: {message}")]
    Evaluation {
        /// Where in the source.
        offset: usize,
        /// What went wrong and how to avoid it.
        message: String,
    },
    /// The formula produced `nil` but does not use `??`, so KEDA would fail on it.
    #[error(
        "formula evaluated to nil (a trigger value is missing); give it a default with `??`, \
         e.g. `trigger ?? 0`"
    )]
    NilResult,
    /// The formula produced something other than a number.
    #[error(
        "formula produced {kind}, but the composite metric must be a number; for a condition \
         write e.g. `a > 1 ? 1 : 0`"
    )]
    NotANumber {
        /// What it produced (`bool`, `array`).
        kind: &'static str,
    },
}

fn known_names_hint(known: &[String]) -> String {
    if known.is_empty() {
        return "no trigger has a `name`; name the triggers the formula uses".to_string();
    }
    let names: Vec<String> = known.iter().map(|n| format!("`{n}`")).collect();
    format!(
        "the formula can use the triggers {} (a name that is not an identifier is written \
         `$env[\"my-trigger\"]`)",
        names.join(", ")
    )
}

impl FormulaError {
    /// The byte offset in the formula source the error refers to, if it refers to one.
    pub fn offset(&self) -> Option<usize> {
        match self {
            FormulaError::Syntax { offset, .. }
            | FormulaError::UnknownName { offset, .. }
            | FormulaError::Type { offset, .. }
            | FormulaError::Unsupported { offset, .. }
            | FormulaError::TooDeep { offset, .. }
            | FormulaError::TooLarge { offset, .. }
            | FormulaError::Evaluation { offset, .. } => Some(*offset),
            FormulaError::DuplicateName { .. }
            | FormulaError::ValueCount { .. }
            | FormulaError::NilResult
            | FormulaError::NotANumber { .. } => None,
        }
    }

    /// The source line the error refers to with a `^` under the offending character, for
    /// terminal output; empty when the error has no position.
    pub fn render_caret(&self, source: &str) -> String {
        let Some(offset) = self.offset() else {
            return String::new();
        };
        let mut offset = offset.min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[offset..]
            .find('\n')
            .map_or(source.len(), |i| offset + i);
        let line = &source[line_start..line_end];
        let column = source[line_start..offset].chars().count();
        format!("  {line}\n  {}^", " ".repeat(column))
    }
}

impl Formula {
    /// Compiles `source`, allowing exactly the identifiers in `variables` (trigger names).
    ///
    /// Syntax errors, unknown names and type errors that expr-lang reports at compile time are
    /// reported here. KEDA's admission webhook also runs the formula once with every trigger
    /// at [`KEDA_PLACEHOLDER_VALUE`]; [`Formula::run_with_placeholders`] does the same.
    pub fn compile(source: &str, variables: &[&str]) -> Result<Formula, FormulaError> {
        let names: Vec<String> = variables.iter().map(|v| v.to_string()).collect();
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                return Err(FormulaError::DuplicateName { name: name.clone() });
            }
        }

        let mut parsed = parser::parse(source, &names)?;
        let nature = check::check(&mut parsed.root, &names)?;
        let keeps_nil = uses_coalesce(&parsed.root);
        // KEDA appends `)` after the formula unless it starts with `float(`.
        let wrapped = keeps_nil || !source.starts_with("float(");
        if wrapped && parsed.ends_in_line_comment {
            return Err(FormulaError::Syntax {
                offset: source.rfind("//").unwrap_or(0),
                message: "a `//` comment at the end of the formula also comments out the `)` \
                          KEDA adds after it; end the comment with a newline or use `/* ... */`"
                    .to_string(),
            });
        }
        check_result(&nature, source)?;

        let program = optimize::optimize(parsed.root.clone(), &names)?;
        Ok(Formula {
            variables: names,
            parsed: parsed.root,
            program,
            keeps_nil,
        })
    }

    /// The variable names, in the order `evaluate` expects their values.
    pub fn variables(&self) -> &[String] {
        &self.variables
    }

    /// The variables the formula mentions, in the order of [`Formula::variables`].
    pub fn referenced_variables(&self) -> Vec<&str> {
        let mut used = vec![false; self.variables.len()];
        mark_variables(&self.parsed, &mut used);
        self.variables
            .iter()
            .zip(used)
            .filter_map(|(name, used)| used.then_some(name.as_str()))
            .collect()
    }

    /// Whether a `nil` result is returned as `None` rather than as an error (the formula uses
    /// `??`).
    pub fn keeps_nil(&self) -> bool {
        self.keeps_nil
    }

    /// Evaluates with one value per variable (`None` is expr-lang's `nil`). Returns `None` when
    /// the formula itself evaluates to `nil`.
    pub fn evaluate(&self, values: &[Option<f64>]) -> Result<Option<f64>, FormulaError> {
        if values.len() != self.variables.len() {
            return Err(FormulaError::ValueCount {
                expected: self.variables.len(),
                got: values.len(),
            });
        }
        let result =
            eval::evaluate(&self.program, values).map_err(|e| FormulaError::Evaluation {
                offset: e.offset,
                message: e.message,
            })?;
        match result {
            Value::Int(i) => Ok(Some(i as f64)),
            Value::Float(f) => Ok(Some(f)),
            Value::Nil if self.keeps_nil => Ok(None),
            Value::Nil => Err(FormulaError::NilResult),
            other => Err(FormulaError::NotANumber { kind: other.kind() }),
        }
    }

    /// Runs the formula once with every trigger at [`KEDA_PLACEHOLDER_VALUE`], as KEDA's
    /// admission webhook does before accepting a ScaledObject.
    pub fn run_with_placeholders(&self) -> Result<Option<f64>, FormulaError> {
        self.evaluate(&vec![Some(KEDA_PLACEHOLDER_VALUE); self.variables.len()])
    }
}

/// Prints the formula in a normalized form that compiles back to the same formula.
impl fmt::Display for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        ast::write_expr(f, &self.parsed, &self.variables)
    }
}

fn uses_coalesce(expr: &Expr) -> bool {
    matches!(expr.kind, ExprKind::Binary(BinaryOp::Coalesce, ..))
        || expr.children().any(uses_coalesce)
}

fn mark_variables(expr: &Expr, used: &mut [bool]) {
    if let ExprKind::Variable(index) = expr.kind {
        used[index] = true;
    }
    for child in expr.children() {
        mark_variables(child, used);
    }
}

/// The result goes through KEDA's `float(...)`: it must be a number or unknown until run time
/// (a formula that is always `nil` is rejected even with `??`).
fn check_result(nature: &Nature, source: &str) -> Result<(), FormulaError> {
    if nature.is_number() || nature.is_unknown() {
        return Ok(());
    }
    let hint = match nature {
        Nature::Bool => format!("; for a condition write `{} ? 1 : 0`", source.trim()),
        Nature::Nil => "; it is always nil".to_string(),
        _ => String::new(),
    };
    Err(FormulaError::Type {
        offset: 0,
        message: format!(
            "the formula produces {}, but the composite metric must be a number{hint}",
            nature.describe()
        ),
    })
}
