//! The formula syntax tree, and a printer that writes it back as formula source.
//!
//! The printer parenthesizes every compound operand, so what it prints parses back to the same
//! tree (the property tests rely on this), and it spells trigger names that are not plain
//! identifiers as `$env["name"]`.

use std::fmt::{self, Write};

use super::Span;
use super::builtins::Builtin;
use super::lexer::is_identifier;

/// A node of the syntax tree with the source bytes it came from.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    /// Levels of nesting below and including this node (a leaf is 1); the parser bounds it so
    /// that the recursive passes cannot overflow the stack.
    pub depth: u32,
}

/// The kinds of formula expressions swell supports.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum ExprKind {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A trigger value, by its index in the formula's variable list.
    Variable(usize),
    /// `#` (the current element), `#index` or `#acc` inside a predicate.
    Pointer(Pointer),
    Array(Vec<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `cond ? then : otherwise`, `if cond { then } else { otherwise }`, or `cond ?: otherwise`
    /// (then = None: the condition's own value).
    Conditional {
        cond: Box<Expr>,
        then: Option<Box<Expr>>,
        otherwise: Box<Expr>,
        form: ConditionalForm,
    },
    /// `array[index]`.
    Index(Box<Expr>, Box<Expr>),
    /// A builtin function call.
    Call {
        func: Builtin,
        args: Vec<Expr>,
        mode: CallMode,
    },
    /// A name that is neither a trigger nor a builtin; the checker reports it.
    Unresolved(String),
    /// The `{ ... }` body of a predicate argument (`count(xs, {# > 1})`).
    Predicate(Box<Expr>),
}

/// How the optimizer tuned a call. expr-lang's optimizer makes the same rewrites, and they
/// can change which elements get evaluated, so we reproduce them.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum CallMode {
    Plain,
    /// `count(...)` compared with a constant may stop once it has found this many matches.
    CountUntil(i64),
    /// `sum([a, b, c])` is computed as `a + (b + c)`.
    SumUnrolled,
    /// `filter(xs, p)` whose kept elements are mapped through this predicate body
    /// (from `map(filter(xs, p), q)`).
    FilterMap(Box<Expr>),
    /// `find`/`findLast` made from `filter(...)[0]`, `first(filter(...))` and the like: the
    /// found element goes through `map` if any, and no match is an error when `throws`.
    Find {
        map: Option<Box<Expr>>,
        throws: bool,
    },
}

/// What a `#` pointer refers to inside a predicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pointer {
    Element,
    Index,
    Acc,
}

/// How a conditional was written, kept only to print it back the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ConditionalForm {
    Ternary,
    If,
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum UnaryOp {
    Not,
    Neg,
    Plus,
}

/// Infix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Coalesce,
    /// `==` between two statically-int operands: expr-lang compares them as Go ints, so a
    /// non-int value at run time is an error.
    EqInt,
    /// `!=` between two statically-int operands (see `EqInt`).
    NeInt,
    /// `int in [1, 2, 3]` (integer literals): expr-lang looks the value up in a set of ints,
    /// so it must be an int at run time, and `nil` matches `0`.
    InIntSet,
}

impl BinaryOp {
    /// The operator as written in formulas.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq | BinaryOp::EqInt => "==",
            BinaryOp::Ne | BinaryOp::NeInt => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In | BinaryOp::InIntSet => "in",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "**",
            BinaryOp::Coalesce => "??",
        }
    }
}

impl UnaryOp {
    /// The operator as written in formulas.
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Not => "!",
            UnaryOp::Neg => "-",
            UnaryOp::Plus => "+",
        }
    }
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        let mut expr = Expr {
            kind,
            span,
            depth: 1,
        };
        expr.depth = 1 + expr.children().map(|child| child.depth).max().unwrap_or(0);
        expr
    }

    /// The number of nodes in this tree.
    pub fn size(&self) -> usize {
        1 + self.children().map(Expr::size).sum::<usize>()
    }

    /// The direct sub-expressions, in evaluation order.
    pub fn children(&self) -> impl Iterator<Item = &Expr> {
        let list: &[Expr] = match &self.kind {
            ExprKind::Array(items) | ExprKind::Call { args: items, .. } => items,
            _ => &[],
        };
        let fixed: [Option<&Expr>; 3] = match &self.kind {
            ExprKind::Unary(_, inner) | ExprKind::Predicate(inner) => [Some(inner), None, None],
            ExprKind::Binary(_, left, right) | ExprKind::Index(left, right) => {
                [Some(left), Some(right), None]
            }
            ExprKind::Conditional {
                cond,
                then,
                otherwise,
                ..
            } => [Some(cond), then.as_deref(), Some(otherwise)],
            ExprKind::Call {
                mode: CallMode::FilterMap(map),
                ..
            } => [Some(map), None, None],
            ExprKind::Call {
                mode: CallMode::Find { map, .. },
                ..
            } => [map.as_deref(), None, None],
            _ => [None, None, None],
        };
        list.iter().chain(fixed.into_iter().flatten())
    }

    /// Calls `f` on each direct sub-expression, in evaluation order.
    pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        match &mut self.kind {
            ExprKind::Array(items) => items.iter_mut().for_each(f),
            ExprKind::Call { args, mode, .. } => {
                args.iter_mut().for_each(&mut *f);
                match mode {
                    CallMode::FilterMap(map) | CallMode::Find { map: Some(map), .. } => f(map),
                    _ => {}
                }
            }
            ExprKind::Unary(_, inner) | ExprKind::Predicate(inner) => f(inner),
            ExprKind::Binary(_, left, right) | ExprKind::Index(left, right) => {
                f(left);
                f(right);
            }
            ExprKind::Conditional {
                cond,
                then,
                otherwise,
                ..
            } => {
                f(cond);
                if let Some(then) = then {
                    f(then);
                }
                f(otherwise);
            }
            _ => {}
        }
    }

    /// Whether this is a literal value.
    pub fn is_literal(&self) -> bool {
        matches!(
            self.kind,
            ExprKind::Nil | ExprKind::Bool(_) | ExprKind::Int(_) | ExprKind::Float(_)
        )
    }

    /// Whether the printer may write this node without parentheses as an operand.
    fn is_atom(&self) -> bool {
        match &self.kind {
            ExprKind::Nil
            | ExprKind::Bool(_)
            | ExprKind::Variable(_)
            | ExprKind::Pointer(_)
            | ExprKind::Array(_)
            | ExprKind::Call { .. }
            | ExprKind::Unresolved(_) => true,
            ExprKind::Int(i) => *i >= 0,
            ExprKind::Float(f) => f.is_finite() && f.is_sign_positive(),
            _ => false,
        }
    }
}

/// Writes `expr` as formula source, naming variables from `names`.
pub(super) fn write_expr(out: &mut dyn Write, expr: &Expr, names: &[String]) -> fmt::Result {
    match &expr.kind {
        ExprKind::Nil => out.write_str("nil"),
        ExprKind::Bool(b) => write!(out, "{b}"),
        ExprKind::Int(i) if *i == i64::MIN => write!(out, "(-{} - 1)", i64::MAX),
        ExprKind::Int(i) if *i < 0 => write!(out, "(-{})", i.unsigned_abs()),
        ExprKind::Int(i) => write!(out, "{i}"),
        ExprKind::Float(f) => write_float(out, *f),
        ExprKind::Variable(index) => write_name(out, &names[*index]),
        ExprKind::Unresolved(name) => out.write_str(name),
        ExprKind::Pointer(Pointer::Element) => out.write_str("#"),
        ExprKind::Pointer(Pointer::Index) => out.write_str("#index"),
        ExprKind::Pointer(Pointer::Acc) => out.write_str("#acc"),
        ExprKind::Array(items) => {
            out.write_char('[')?;
            write_list(out, items, names)?;
            out.write_char(']')
        }
        ExprKind::Unary(op, inner) => {
            out.write_str(op.symbol())?;
            write_operand(out, inner, names)
        }
        ExprKind::Binary(op, left, right) => {
            write_operand(out, left, names)?;
            write!(out, " {} ", op.symbol())?;
            write_operand(out, right, names)
        }
        ExprKind::Conditional {
            cond,
            then,
            otherwise,
            form,
        } => match (form, then) {
            (ConditionalForm::If, Some(then)) => {
                out.write_str("if ")?;
                write_operand(out, cond, names)?;
                out.write_str(" { ")?;
                write_expr(out, then, names)?;
                out.write_str(" } else { ")?;
                write_expr(out, otherwise, names)?;
                out.write_str(" }")
            }
            (_, Some(then)) => {
                write_operand(out, cond, names)?;
                out.write_str(" ? ")?;
                write_operand(out, then, names)?;
                out.write_str(" : ")?;
                write_operand(out, otherwise, names)
            }
            (_, None) => {
                write_operand(out, cond, names)?;
                out.write_str(" ?: ")?;
                write_operand(out, otherwise, names)
            }
        },
        ExprKind::Index(array, index) => {
            // Literals take no postfix `[...]` in expr-lang, so they need parentheses here.
            if array.is_atom() && !array.is_literal() {
                write_expr(out, array, names)?;
            } else {
                out.write_char('(')?;
                write_expr(out, array, names)?;
                out.write_char(')')?;
            }
            out.write_char('[')?;
            write_expr(out, index, names)?;
            out.write_char(']')
        }
        ExprKind::Call { func, args, .. } => {
            out.write_str(func.name())?;
            out.write_char('(')?;
            write_list(out, args, names)?;
            out.write_char(')')
        }
        ExprKind::Predicate(body) => {
            out.write_str("{ ")?;
            write_expr(out, body, names)?;
            out.write_str(" }")
        }
    }
}

fn write_operand(out: &mut dyn Write, expr: &Expr, names: &[String]) -> fmt::Result {
    if expr.is_atom() {
        write_expr(out, expr, names)
    } else {
        out.write_char('(')?;
        write_expr(out, expr, names)?;
        out.write_char(')')
    }
}

fn write_list(out: &mut dyn Write, items: &[Expr], names: &[String]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write_expr(out, item, names)?;
    }
    Ok(())
}

/// Writes a float so that it lexes back as the same float (non-finite values as divisions).
fn write_float(out: &mut dyn Write, f: f64) -> fmt::Result {
    if f.is_nan() {
        out.write_str("(0.0 / 0.0)")
    } else if f.is_infinite() {
        out.write_str(if f > 0.0 {
            "(1.0 / 0.0)"
        } else {
            "(-1.0 / 0.0)"
        })
    } else if f.is_sign_negative() {
        // `{:?}` always includes a `.` or an exponent, so the literal stays a float.
        write!(out, "(-{:?})", -f)
    } else {
        write!(out, "{f:?}")
    }
}

/// Writes a trigger name, as `$env["..."]` when it is not a plain identifier.
fn write_name(out: &mut dyn Write, name: &str) -> fmt::Result {
    if is_identifier(name) {
        return out.write_str(name);
    }
    out.write_str("$env[\"")?;
    for c in name.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c => out.write_char(c)?,
        }
    }
    out.write_str("\"]")
}
