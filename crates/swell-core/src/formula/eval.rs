//! Evaluates a checked, optimized syntax tree against one set of trigger values.
//!
//! Evaluation walks the tree directly. It does not allocate for scalar formulas, nor for
//! array literals passed straight to a builtin (`max([a, b])`, `count([a, b], {# > 1})`):
//! their elements go into a small buffer on the stack. Work is bounded by [`MAX_STEPS`] so a
//! formula nesting predicates over long arrays cannot stall the caller.

use super::ast::{BinaryOp, CallMode, Expr, ExprKind, Pointer, UnaryOp};
use super::builtins::{self, Args, Builtin};
use super::value::{self, Value, nil_hint};

/// The most expression nodes one evaluation may visit.
pub const MAX_STEPS: u32 = 1_000_000;

/// A run-time failure at a byte offset of the source.
#[derive(Debug)]
pub(super) struct EvalError {
    pub offset: usize,
    pub message: String,
}

/// Evaluates `expr` with `values[i]` as the value of variable `i` (`None` is nil).
pub(super) fn evaluate(expr: &Expr, values: &[Option<f64>]) -> Result<Value, EvalError> {
    Evaluator { values, steps: 0 }.eval(expr, None)
}

/// The predicate iteration a `#` refers to.
#[derive(Clone, Copy)]
struct Scope<'s> {
    items: &'s [Value],
    index: usize,
}

struct Evaluator<'v> {
    values: &'v [Option<f64>],
    steps: u32,
}

/// Values kept on the stack while there are few of them.
struct SmallValues {
    inline: [Value; 8],
    len: usize,
    spilled: Vec<Value>,
}

impl SmallValues {
    fn new() -> SmallValues {
        SmallValues {
            inline: [const { Value::Nil }; 8],
            len: 0,
            spilled: Vec::new(),
        }
    }

    fn push(&mut self, value: Value) {
        if self.spilled.is_empty() && self.len < self.inline.len() {
            self.inline[self.len] = value;
            self.len += 1;
            return;
        }
        if self.spilled.is_empty() {
            self.spilled
                .extend(self.inline[..self.len].iter_mut().map(std::mem::take));
        }
        self.spilled.push(value);
    }

    fn as_slice(&self) -> &[Value] {
        if self.spilled.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.spilled
        }
    }

    fn into_vec(mut self) -> Vec<Value> {
        if self.spilled.is_empty() {
            self.inline[..self.len]
                .iter_mut()
                .map(std::mem::take)
                .collect()
        } else {
            self.spilled
        }
    }
}

/// The elements of a collection argument: evaluated in place from an array literal, or taken
/// from an array value.
enum Items {
    Literal(SmallValues),
    Owned(Vec<Value>),
}

impl Items {
    fn as_slice(&self) -> &[Value] {
        match self {
            Items::Literal(values) => values.as_slice(),
            Items::Owned(values) => values,
        }
    }
}

fn fail(expr: &Expr, message: String) -> EvalError {
    EvalError {
        offset: expr.span.start,
        message,
    }
}

impl Evaluator<'_> {
    fn eval(&mut self, expr: &Expr, scope: Option<Scope<'_>>) -> Result<Value, EvalError> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(fail(
                expr,
                format!("the formula needs more than {MAX_STEPS} steps to evaluate; simplify it"),
            ));
        }
        let at = |message: String| fail(expr, message);
        match &expr.kind {
            ExprKind::Nil => Ok(Value::Nil),
            ExprKind::Bool(b) => Ok(Value::Bool(*b)),
            ExprKind::Int(i) => Ok(Value::Int(*i)),
            ExprKind::Float(f) => Ok(Value::Float(*f)),
            ExprKind::Variable(index) => Ok(match self.values.get(*index).copied().flatten() {
                Some(f) => Value::Float(f),
                None => Value::Nil,
            }),
            ExprKind::Pointer(pointer) => match (scope, pointer) {
                (Some(scope), Pointer::Element) => Ok(scope.items[scope.index].clone()),
                (Some(scope), Pointer::Index) => Ok(Value::Int(scope.index as i64)),
                _ => Err(at("`#` is not available here".to_string())),
            },
            ExprKind::Array(items) => {
                let mut values = SmallValues::new();
                for item in items {
                    values.push(self.eval(item, scope)?);
                }
                Ok(Value::Array(values.into_vec()))
            }
            ExprKind::Unary(op, inner) => {
                let value = self.eval(inner, scope)?;
                match op {
                    UnaryOp::Not => Ok(Value::Bool(!value.as_condition("`!`").map_err(at)?)),
                    UnaryOp::Neg => value::negate(&value).map_err(at),
                    UnaryOp::Plus => Ok(value),
                }
            }
            ExprKind::Binary(op, left, right) => self.binary(expr, *op, left, right, scope),
            ExprKind::Conditional {
                cond,
                then,
                otherwise,
                ..
            } => {
                let condition = self.eval(cond, scope)?;
                if condition
                    .as_condition("a condition")
                    .map_err(|m| fail(cond, m))?
                {
                    match then {
                        Some(then) => self.eval(then, scope),
                        None => Ok(condition),
                    }
                } else {
                    self.eval(otherwise, scope)
                }
            }
            ExprKind::Index(base, index) => {
                let items = self.collection(base, scope)?;
                let position = self.eval(index, scope)?;
                match items {
                    Ok(items) => value::fetch_item(items.as_slice(), &position).map_err(at),
                    Err(other) => value::fetch(&other, &position).map_err(at),
                }
            }
            ExprKind::Call { func, args, mode } => self.call(expr, *func, args, mode, scope),
            ExprKind::Predicate(body) => self.eval(body, scope),
            ExprKind::Unresolved(name) => Err(at(format!("unknown name `{name}`"))),
        }
    }

    fn binary(
        &mut self,
        expr: &Expr,
        op: BinaryOp,
        left: &Expr,
        right: &Expr,
        scope: Option<Scope<'_>>,
    ) -> Result<Value, EvalError> {
        let at = |message: String| fail(expr, message);
        let l = self.eval(left, scope)?;
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let context = if op == BinaryOp::And { "`&&`" } else { "`||`" };
                let b = l.as_condition(context).map_err(|m| fail(left, m))?;
                // The right side is returned as is, without checking it is a boolean.
                return match (op, b) {
                    (BinaryOp::And, false) => Ok(Value::Bool(false)),
                    (BinaryOp::Or, true) => Ok(Value::Bool(true)),
                    _ => self.eval(right, scope),
                };
            }
            BinaryOp::Coalesce => {
                return if l == Value::Nil {
                    self.eval(right, scope)
                } else {
                    Ok(l)
                };
            }
            BinaryOp::InIntSet => {
                let items = self.collection(right, scope)?;
                let needle = match l {
                    Value::Int(i) => i,
                    Value::Nil => 0,
                    other => {
                        return Err(at(format!(
                            "`in` looks up an integer here, got {}; wrap it in `int(...)`",
                            other.kind()
                        )));
                    }
                };
                let found = match &items {
                    Ok(items) => items.as_slice().contains(&Value::Int(needle)),
                    Err(_) => false,
                };
                return Ok(Value::Bool(found));
            }
            BinaryOp::In => {
                return match self.collection(right, scope)? {
                    Ok(items) => Ok(Value::Bool(
                        items.as_slice().iter().any(|item| value::equal(item, &l)),
                    )),
                    Err(other) => value::contains(&l, &other).map(Value::Bool).map_err(at),
                };
            }
            _ => {}
        }
        let r = self.eval(right, scope)?;
        match op {
            BinaryOp::Eq => Ok(Value::Bool(value::equal(&l, &r))),
            BinaryOp::Ne => Ok(Value::Bool(!value::equal(&l, &r))),
            BinaryOp::EqInt | BinaryOp::NeInt => match (&l, &r) {
                (Value::Int(x), Value::Int(y)) => {
                    Ok(Value::Bool((x == y) == (op == BinaryOp::EqInt)))
                }
                _ => Err(at(format!(
                    "`{}` compares integers here (both sides are typed int), got {} and {};                      convert with `float(...)` to compare other numbers",
                    op.symbol(),
                    l.kind(),
                    r.kind()
                ))),
            },
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                value::compare(op.symbol(), &l, &r)
                    .map(Value::Bool)
                    .map_err(at)
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul => {
                value::arithmetic(op.symbol(), &l, &r).map_err(at)
            }
            BinaryOp::Div => value::divide(&l, &r).map_err(at),
            BinaryOp::Mod => value::modulo(&l, &r).map_err(at),
            _ => value::power(&l, &r).map_err(at),
        }
    }

    /// Evaluates a collection argument: an array literal's elements without building the
    /// array, or any other expression's value (`Err` when it is not an array).
    fn collection(
        &mut self,
        expr: &Expr,
        scope: Option<Scope<'_>>,
    ) -> Result<Result<Items, Value>, EvalError> {
        if let ExprKind::Array(items) = &expr.kind {
            self.steps += 1;
            let mut values = SmallValues::new();
            for item in items {
                values.push(self.eval(item, scope)?);
            }
            return Ok(Ok(Items::Literal(values)));
        }
        Ok(match self.eval(expr, scope)? {
            Value::Array(items) => Ok(Items::Owned(items)),
            other => Err(other),
        })
    }

    fn call(
        &mut self,
        expr: &Expr,
        func: Builtin,
        args: &[Expr],
        mode: &CallMode,
        scope: Option<Scope<'_>>,
    ) -> Result<Value, EvalError> {
        let at = |message: String| fail(expr, message);
        if func.predicate_args().is_some() {
            return self.predicate_call(expr, func, args, mode, scope);
        }
        match func {
            Builtin::Max | Builtin::Min | Builtin::Mean | Builtin::Median => {
                let mut list = SmallValues::new();
                let spread = match args {
                    [
                        Expr {
                            kind: ExprKind::Array(items),
                            ..
                        },
                    ] => {
                        for item in items {
                            list.push(self.eval(item, scope)?);
                        }
                        true
                    }
                    _ => {
                        for arg in args {
                            list.push(self.eval(arg, scope)?);
                        }
                        false
                    }
                };
                let args = if spread {
                    Args::Spread(list.as_slice())
                } else {
                    Args::List(list.as_slice())
                };
                match func {
                    Builtin::Max => builtins::min_max("max", true, args),
                    Builtin::Min => builtins::min_max("min", false, args),
                    Builtin::Mean => builtins::mean(args),
                    _ => builtins::median(args),
                }
                .map_err(at)
            }
            Builtin::Len | Builtin::First | Builtin::Last => {
                let Some(arg) = args.first() else {
                    return Err(at(format!("`{}` needs one argument", func.name())));
                };
                let items = self.collection(arg, scope)?;
                let items = match (&items, func) {
                    (Ok(items), _) => items.as_slice(),
                    (Err(other), Builtin::Len) => {
                        return Err(at(format!(
                            "`len` needs an array, got {}{}",
                            other.kind(),
                            nil_hint(other)
                        )));
                    }
                    // `first`/`last` of anything that is not an array is nil, as in expr-lang.
                    (Err(_), _) => return Ok(Value::Nil),
                };
                Ok(match func {
                    Builtin::Len => Value::Int(items.len() as i64),
                    Builtin::First => items.first().cloned().unwrap_or(Value::Nil),
                    _ => items.last().cloned().unwrap_or(Value::Nil),
                })
            }
            _ => {
                let Some(arg) = args.first() else {
                    return Err(at(format!("`{}` needs one argument", func.name())));
                };
                let value = self.eval(arg, scope)?;
                match func {
                    Builtin::Abs => builtins::abs(&value),
                    Builtin::Int => builtins::to_int(&value),
                    Builtin::Float => builtins::to_float(&value),
                    _ => builtins::rounding(func, &value),
                }
                .map_err(at)
            }
        }
    }

    fn predicate_call(
        &mut self,
        expr: &Expr,
        func: Builtin,
        args: &[Expr],
        mode: &CallMode,
        scope: Option<Scope<'_>>,
    ) -> Result<Value, EvalError> {
        let at = |message: String| fail(expr, message);
        if *mode == CallMode::SumUnrolled {
            return self.sum_unrolled(expr, args, scope);
        }
        let Some(collection) = args.first() else {
            return Err(at(format!("`{}` needs an array", func.name())));
        };
        let items = match self.collection(collection, scope)? {
            Ok(items) => items,
            Err(other) => {
                return Err(fail(
                    collection,
                    format!(
                        "`{}` needs an array, got {}{}",
                        func.name(),
                        other.kind(),
                        nil_hint(&other)
                    ),
                ));
            }
        };
        let items = items.as_slice();
        let predicate = args.get(1);
        let mut matches = 0i64;
        let mut kept = Vec::new();
        let mut sum = Value::Int(0);

        let backwards = matches!(func, Builtin::FindLast | Builtin::FindLastIndex);
        let tested = predicate.unwrap_or(collection);
        for step in 0..items.len() {
            let index = if backwards {
                items.len() - 1 - step
            } else {
                step
            };
            let inner = Some(Scope { items, index });
            let result = match predicate {
                Some(predicate) => self.eval(predicate, inner)?,
                None => items[index].clone(),
            };
            match func {
                Builtin::Map => {
                    kept.push(result);
                    continue;
                }
                Builtin::Sum => {
                    sum = value::arithmetic("+", &result, &sum).map_err(at)?;
                    continue;
                }
                _ => {}
            }
            let passed = result
                .as_condition("the predicate")
                .map_err(|m| fail(tested, format!("in `{}`: {m}", func.name())))?;
            match func {
                Builtin::All if !passed => return Ok(Value::Bool(false)),
                Builtin::None | Builtin::Any if passed => {
                    return Ok(Value::Bool(func == Builtin::Any));
                }
                Builtin::One | Builtin::Count if passed => {
                    matches += 1;
                    if let CallMode::CountUntil(threshold) = mode
                        && matches >= *threshold
                    {
                        return Ok(Value::Int(matches));
                    }
                }
                Builtin::Filter if passed => match mode {
                    CallMode::FilterMap(map) => kept.push(self.eval(map, inner)?),
                    _ => kept.push(items[index].clone()),
                },
                Builtin::Find | Builtin::FindLast if passed => {
                    return match mode {
                        CallMode::Find { map: Some(map), .. } => self.eval(map, inner),
                        _ => Ok(items[index].clone()),
                    };
                }
                Builtin::FindIndex | Builtin::FindLastIndex if passed => {
                    return Ok(Value::Int(index as i64));
                }
                _ => {}
            }
        }
        Ok(match func {
            Builtin::All | Builtin::None => Value::Bool(true),
            Builtin::Any => Value::Bool(false),
            Builtin::One => Value::Bool(matches == 1),
            Builtin::Count => Value::Int(matches),
            Builtin::Sum => sum,
            Builtin::Map | Builtin::Filter => Value::Array(kept),
            _ => match mode {
                CallMode::Find { throws: true, .. } => {
                    return Err(at(
                        "no element matched, so `[0]`/`[-1]` is out of range".to_string()
                    ));
                }
                _ => Value::Nil,
            },
        })
    }

    /// `sum([a, b, c])` as expr-lang computes it: `a + (b + c)`, after evaluating every element.
    fn sum_unrolled(
        &mut self,
        expr: &Expr,
        args: &[Expr],
        scope: Option<Scope<'_>>,
    ) -> Result<Value, EvalError> {
        let Some(Expr {
            kind: ExprKind::Array(items),
            ..
        }) = args.first()
        else {
            return Err(fail(expr, "`sum` needs an array".to_string()));
        };
        let mut values = SmallValues::new();
        for item in items {
            values.push(self.eval(item, scope)?);
        }
        let values = values.as_slice();
        let Some((last, rest)) = values.split_last() else {
            return Ok(Value::Int(0));
        };
        let mut total = last.clone();
        for value in rest.iter().rev() {
            total = value::arithmetic("+", value, &total).map_err(|m| fail(expr, m))?;
        }
        Ok(total)
    }
}
