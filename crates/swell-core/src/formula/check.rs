//! Static type checking, with expr-lang's rules, so that KEDA-invalid formulas fail to compile.
//!
//! KEDA compiles formulas against a map of trigger names to `float64`, so every trigger is a
//! float here. Each node gets a *nature* (expr-lang's word): a known type, `nil`, or unknown
//! (a value whose type only shows at run time, such as the result of `a ?? 1` or `max([a])`).
//! Operations on known, mismatched types are compile errors (`a % 2`, `a && b`, `!a`,
//! `a > 1 ? 1 : 0 + true`); anything involving an unknown is left to run time.

use super::ast::{BinaryOp, Expr, ExprKind, Pointer, UnaryOp};
use super::builtins::Builtin;
use super::{FormulaError, Span};

/// What the checker knows about a value's type.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Nature {
    /// Nothing is known (expr-lang: no type).
    Unknown,
    /// Go's `interface{}`: also unknown, but assignable-to rules differ.
    Any,
    Nil,
    Bool,
    Int,
    Float,
    /// An array with its element nature (`Any` when elements differ).
    Array(Box<Nature>),
}

/// Go reflect kinds, to compare natures the way expr-lang does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Invalid,
    Interface,
    Bool,
    Int,
    Float,
    Slice,
}

impl Nature {
    fn kind(&self) -> Kind {
        match self {
            Nature::Unknown | Nature::Nil => Kind::Invalid,
            Nature::Any => Kind::Interface,
            Nature::Bool => Kind::Bool,
            Nature::Int => Kind::Int,
            Nature::Float => Kind::Float,
            Nature::Array(_) => Kind::Slice,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Nature::Unknown | Nature::Any)
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Nature::Int | Nature::Float)
    }

    fn is_bool(&self) -> bool {
        matches!(self, Nature::Bool)
    }

    fn is_array(&self) -> bool {
        matches!(self, Nature::Array(_))
    }

    /// The element nature of an array.
    fn elem(&self) -> Nature {
        match self {
            Nature::Array(elem) => (**elem).clone(),
            _ => Nature::Unknown,
        }
    }

    /// Go's assignability, as far as formula types go.
    fn assignable_to(&self, target: &Nature) -> bool {
        if *self == Nature::Nil && matches!(target.kind(), Kind::Slice | Kind::Interface) {
            return true;
        }
        if matches!(self, Nature::Unknown | Nature::Nil)
            || matches!(target, Nature::Unknown | Nature::Nil)
        {
            return false;
        }
        *target == Nature::Any || self.kind() == target.kind()
    }

    fn comparable_to(&self, other: &Nature) -> bool {
        self.is_unknown()
            || other.is_unknown()
            || *self == Nature::Nil
            || *other == Nature::Nil
            || (self.is_number() && other.is_number())
            || (self.is_array() && other.is_array())
            || self.assignable_to(other)
    }

    /// Whether at least one side is unknown and the other could still be acceptable.
    fn maybe_compatible(&self, other: &Nature, acceptable: fn(&Nature) -> bool) -> bool {
        let (l, r) = (self.is_unknown(), other.is_unknown());
        (l && (r || acceptable(other))) || (r && acceptable(self))
    }

    /// The nature of `a op b` for `+ - *`.
    fn promote(&self, other: &Nature) -> Nature {
        if *self == Nature::Float || *other == Nature::Float {
            Nature::Float
        } else {
            Nature::Int
        }
    }

    /// How the type reads in messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Nature::Unknown | Nature::Any => "a value of unknown type",
            Nature::Nil => "nil",
            Nature::Bool => "bool",
            Nature::Int => "int",
            Nature::Float => "float",
            Nature::Array(_) => "array",
        }
    }
}

/// Checks `expr` with every trigger typed as a float; `names` is only used in messages.
///
/// Like expr-lang's compiler, it also picks the integer-only forms of `==`, `!=` and `in`
/// where both sides are statically integers (see [`BinaryOp::EqInt`]).
pub(super) fn check(expr: &mut Expr, names: &[String]) -> Result<Nature, FormulaError> {
    Checker {
        names,
        scopes: Vec::new(),
    }
    .visit(expr)
}

/// One enclosing predicate: the collection it iterates, and whether `#index` is defined.
struct Scope {
    collection: Nature,
    has_index: bool,
}

struct Checker<'a> {
    names: &'a [String],
    scopes: Vec<Scope>,
}

fn type_error(span: Span, message: String) -> FormulaError {
    FormulaError::Type {
        offset: span.start,
        message,
    }
}

/// Whether `expr` is a non-empty array literal of integer literals (as written, before
/// folding: `-1` is not a literal), which expr-lang turns into a set for `in`.
fn is_int_literal_list(expr: &Expr) -> bool {
    matches!(&expr.kind, ExprKind::Array(items)
        if !items.is_empty() && items.iter().all(|i| matches!(i.kind, ExprKind::Int(_))))
}

impl Checker<'_> {
    fn visit(&mut self, expr: &mut Expr) -> Result<Nature, FormulaError> {
        let span = expr.span;
        match &mut expr.kind {
            ExprKind::Nil => Ok(Nature::Nil),
            ExprKind::Bool(_) => Ok(Nature::Bool),
            ExprKind::Int(_) => Ok(Nature::Int),
            ExprKind::Float(_) | ExprKind::Variable(_) => Ok(Nature::Float),
            ExprKind::Unresolved(name) => Err(FormulaError::UnknownName {
                offset: span.start,
                name: name.clone(),
                known: self.names.to_vec(),
            }),
            ExprKind::Pointer(pointer) => self.pointer(span, *pointer),
            ExprKind::Array(items) => {
                let mut last = Nature::Unknown;
                let mut same_kind = true;
                for (i, item) in items.iter_mut().enumerate() {
                    let nature = self.visit(item)?;
                    if i > 0 && nature.kind() != last.kind() {
                        same_kind = false;
                    }
                    last = nature;
                }
                Ok(Nature::Array(Box::new(if same_kind {
                    last
                } else {
                    Nature::Any
                })))
            }
            ExprKind::Unary(op, inner) => {
                let nature = self.visit(inner)?;
                match op {
                    UnaryOp::Not if nature.is_bool() || nature.is_unknown() => Ok(Nature::Bool),
                    UnaryOp::Not => Err(type_error(
                        span,
                        format!(
                            "`!` (not) needs a boolean, got {}; compare first, e.g. `!(a > 1)`",
                            nature.describe()
                        ),
                    )),
                    _ if nature.is_number() => Ok(nature),
                    _ if nature.is_unknown() => Ok(Nature::Unknown),
                    _ => Err(type_error(
                        span,
                        format!(
                            "unary `{}` needs a number, got {}",
                            op.symbol(),
                            nature.describe()
                        ),
                    )),
                }
            }
            ExprKind::Binary(op, left, right) => {
                let l = self.visit(left)?;
                let r = self.visit(right)?;
                let nature = binary(span, *op, &l, &r)?;
                // Integer-only comparisons, as expr-lang compiles them (they fail at run time if
                // a value that was typed int turns out not to be, e.g. `max(1, a) == 1`).
                *op = match *op {
                    BinaryOp::Eq if l == Nature::Int && r == Nature::Int => BinaryOp::EqInt,
                    BinaryOp::Ne if l == Nature::Int && r == Nature::Int => BinaryOp::NeInt,
                    BinaryOp::In if l == Nature::Int && is_int_literal_list(right) => {
                        BinaryOp::InIntSet
                    }
                    other => other,
                };
                Ok(nature)
            }
            ExprKind::Conditional {
                cond,
                then,
                otherwise,
                ..
            } => {
                let c = self.visit(cond)?;
                if !c.is_bool() && !c.is_unknown() {
                    return Err(type_error(
                        cond.span,
                        format!(
                            "a condition must be a boolean, got {}; compare it, e.g. \
                             `a > 0 ? a : 0`",
                            c.describe()
                        ),
                    ));
                }
                let t1 = match then.as_deref_mut() {
                    Some(then) => self.visit(then)?,
                    None => c,
                };
                let t2 = self.visit(otherwise)?;
                Ok(conditional(t1, t2))
            }
            ExprKind::Index(base, index) => {
                let b = self.visit(base)?;
                let i = self.visit(index)?;
                if b.is_unknown() {
                    return Ok(Nature::Unknown);
                }
                match b {
                    Nature::Array(elem) if i == Nature::Int || i.is_unknown() => Ok(*elem),
                    Nature::Array(_) => Err(type_error(
                        index.span,
                        format!(
                            "array elements are selected with an integer, got {}",
                            i.describe()
                        ),
                    )),
                    other => Err(type_error(
                        span,
                        format!(
                            "cannot index {} with `[...]`; only arrays can be indexed",
                            other.describe()
                        ),
                    )),
                }
            }
            ExprKind::Call { func, args, .. } => match func.predicate_args() {
                Some(_) => self.predicate_call(*func, args),
                None => self.plain_call(span, *func, args),
            },
            // Predicates are checked by the call that owns them.
            ExprKind::Predicate(body) => self.visit(body),
        }
    }

    fn pointer(&self, span: Span, pointer: Pointer) -> Result<Nature, FormulaError> {
        let Some(scope) = self.scopes.last() else {
            return Err(type_error(
                span,
                "`#` can only be used inside `{ ... }`".to_string(),
            ));
        };
        match pointer {
            Pointer::Element if scope.collection.is_unknown() => Ok(Nature::Unknown),
            Pointer::Element => Ok(scope.collection.elem()),
            Pointer::Index if scope.has_index => Ok(Nature::Int),
            Pointer::Index => Err(type_error(
                span,
                "`#index` is only available inside `map(...)`".to_string(),
            )),
            Pointer::Acc => Err(type_error(
                span,
                "`#acc` needs `reduce`, which formulas do not support".to_string(),
            )),
        }
    }

    fn predicate_call(&mut self, func: Builtin, args: &mut [Expr]) -> Result<Nature, FormulaError> {
        let Some((first, rest)) = args.split_first_mut() else {
            return Ok(Nature::Unknown);
        };
        let collection = self.visit(first)?;
        if !collection.is_array() && !collection.is_unknown() {
            return Err(type_error(
                first.span,
                format!(
                    "`{}` takes an array, got {}; write e.g. `{}([a, b], {{# > 1}})`",
                    func.name(),
                    collection.describe(),
                    func.name()
                ),
            ));
        }
        let Some(predicate) = rest.first_mut() else {
            return Ok(match func {
                Builtin::Sum if collection.is_unknown() => Nature::Unknown,
                Builtin::Sum => collection.elem(),
                _ => Nature::Int,
            });
        };
        let predicate_span = predicate.span;
        let ExprKind::Predicate(body) = &mut predicate.kind else {
            return Err(type_error(
                predicate_span,
                "expected a predicate `{ ... }`".to_string(),
            ));
        };
        self.scopes.push(Scope {
            collection: collection.clone(),
            has_index: func == Builtin::Map,
        });
        let out = self.visit(body);
        self.scopes.pop();
        let out = out?;
        if out == Nature::Nil {
            return Err(type_error(
                predicate_span,
                format!(
                    "the predicate of `{}` must produce a value, not nil",
                    func.name()
                ),
            ));
        }
        let needs_bool = !matches!(func, Builtin::Map | Builtin::Sum);
        if needs_bool && !out.is_bool() && !out.is_unknown() {
            return Err(type_error(
                predicate_span,
                format!(
                    "the predicate of `{}` must be a boolean, got {}; e.g. `{{# > 1}}`",
                    func.name(),
                    out.describe()
                ),
            ));
        }
        Ok(match func {
            Builtin::All | Builtin::None | Builtin::Any | Builtin::One => Nature::Bool,
            Builtin::Filter if collection.is_unknown() => Nature::Array(Box::new(Nature::Any)),
            Builtin::Filter => Nature::Array(Box::new(collection.elem())),
            Builtin::Map => Nature::Array(Box::new(out)),
            // The predicate's declared result type: unknown becomes `interface{}`.
            Builtin::Sum if out.is_unknown() => Nature::Any,
            Builtin::Sum => out,
            Builtin::Find | Builtin::FindLast if collection.is_unknown() => Nature::Unknown,
            Builtin::Find | Builtin::FindLast => collection.elem(),
            _ => Nature::Int,
        })
    }

    fn plain_call(
        &mut self,
        span: Span,
        func: Builtin,
        args: &mut [Expr],
    ) -> Result<Nature, FormulaError> {
        let mut natures = Vec::with_capacity(args.len());
        for arg in args.iter_mut() {
            let nature = self.visit(arg)?;
            // Validation sees unknown arguments as `interface{}`.
            natures.push(if nature.is_unknown() {
                Nature::Any
            } else {
                nature
            });
        }
        let name = func.name();
        let invalid = |nature: &Nature| {
            type_error(
                span,
                format!("`{name}` cannot take {} as its argument", nature.describe()),
            )
        };
        if matches!(
            func,
            Builtin::Max | Builtin::Min | Builtin::Mean | Builtin::Median
        ) {
            if natures.is_empty() {
                return Err(type_error(
                    span,
                    format!(
                        "`{name}` needs at least one argument, e.g. `{name}(a, b)` or `{name}([a, b])`"
                    ),
                ));
            }
            for nature in &natures {
                match nature {
                    Nature::Any | Nature::Array(_) => return Ok(Nature::Any),
                    Nature::Int | Nature::Float => {}
                    other => return Err(invalid(other)),
                }
            }
            return Ok(natures[0].clone());
        }
        if natures.len() != 1 {
            return Err(type_error(
                span,
                format!("`{name}` takes exactly one argument, got {}", natures.len()),
            ));
        }
        let arg = &natures[0];
        let numeric = arg.is_number() || *arg == Nature::Any;
        match func {
            Builtin::Len if arg.is_array() || *arg == Nature::Any => Ok(Nature::Int),
            Builtin::Abs if numeric => Ok(arg.clone()),
            Builtin::Ceil | Builtin::Floor | Builtin::Round | Builtin::Float if numeric => {
                Ok(Nature::Float)
            }
            Builtin::Int if numeric => Ok(Nature::Int),
            Builtin::First | Builtin::Last if arg.is_array() || *arg == Nature::Any => {
                Ok(Nature::Any)
            }
            _ => Err(invalid(arg)),
        }
    }
}

fn conditional(t1: Nature, t2: Nature) -> Nature {
    match (&t1, &t2) {
        (Nature::Nil, Nature::Nil) => Nature::Nil,
        (Nature::Nil, _) => t2,
        (_, Nature::Nil) => t1,
        _ if t1.assignable_to(&t2) => {
            if let (Nature::Array(e1), Nature::Array(e2)) = (&t1, &t2)
                && (!e1.assignable_to(e2) || !e2.assignable_to(e1))
            {
                return Nature::Array(Box::new(Nature::Any));
            }
            t1
        }
        _ => Nature::Unknown,
    }
}

fn binary(span: Span, op: BinaryOp, l: &Nature, r: &Nature) -> Result<Nature, FormulaError> {
    let numbers = l.is_number() && r.is_number();
    let number_or_unknown = l.maybe_compatible(r, Nature::is_number);
    let result = match op {
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::EqInt | BinaryOp::NeInt if l.comparable_to(r) => {
            Some(Nature::Bool)
        }
        BinaryOp::Or | BinaryOp::And
            if (l.is_bool() && r.is_bool()) || l.maybe_compatible(r, Nature::is_bool) =>
        {
            Some(Nature::Bool)
        }
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
            if numbers || number_or_unknown =>
        {
            Some(Nature::Bool)
        }
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul if numbers => Some(l.promote(r)),
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul if number_or_unknown => Some(Nature::Unknown),
        BinaryOp::Div | BinaryOp::Pow if numbers || number_or_unknown => Some(Nature::Float),
        BinaryOp::Mod
            if (*l == Nature::Int && *r == Nature::Int)
                || l.maybe_compatible(r, |n| *n == Nature::Int) =>
        {
            Some(Nature::Int)
        }
        BinaryOp::In | BinaryOp::InIntSet => return in_array(span, l, r),
        BinaryOp::Coalesce => Some(match (l, r) {
            (Nature::Nil, Nature::Nil) => Nature::Nil,
            (Nature::Nil, _) => r.clone(),
            (_, Nature::Nil) => l.clone(),
            _ if r.assignable_to(l) => l.clone(),
            _ => Nature::Unknown,
        }),
        _ => None,
    };
    result.ok_or_else(|| type_error(span, binary_mismatch(op, l, r)))
}

fn in_array(span: Span, l: &Nature, r: &Nature) -> Result<Nature, FormulaError> {
    if let Nature::Array(elem) = r {
        if !l.comparable_to(elem) {
            return Err(type_error(
                span,
                format!(
                    "cannot look for {} in an array of {}",
                    l.describe(),
                    elem.describe()
                ),
            ));
        }
        return Ok(Nature::Bool);
    }
    if r.is_unknown() {
        return Ok(Nature::Bool);
    }
    Err(type_error(
        span,
        format!(
            "`in` needs an array on its right, e.g. `a in [1, 2]`; got {}",
            r.describe()
        ),
    ))
}

fn binary_mismatch(op: BinaryOp, l: &Nature, r: &Nature) -> String {
    let symbol = op.symbol();
    let (l, r) = (l.describe(), r.describe());
    match op {
        BinaryOp::Mod => format!(
            "`%` needs two integers, got {l} and {r}; trigger values are floats, so convert them \
             with `int(...)`, e.g. `int(trigger) % 2`"
        ),
        BinaryOp::And | BinaryOp::Or => format!(
            "`{symbol}` needs two booleans, got {l} and {r}; compare numbers first, e.g. \
             `a > 1 {symbol} b > 1`"
        ),
        _ => format!("`{symbol}` cannot combine {l} and {r}"),
    }
}
