//! Constant folding and the call rewrites expr-lang's optimizer makes after type checking.
//!
//! They matter for results, not only speed: expr-lang folds `1 % 0` into a compile error,
//! turns `x && true` into `x`, evaluates `sum([a, b, c])` as `a + (b + c)`, and replaces
//! `count(xs, p) > 0` with `any(xs, p)`, `first(filter(xs, p))` with `find(xs, p)` and so on,
//! which stop at the first match and so skip errors in later elements. We apply the same
//! rewrites in the same order so formulas give KEDA's results, down to the last bit.

use super::FormulaError;
use super::ast::{BinaryOp, CallMode, Expr, ExprKind, Pointer, UnaryOp, write_expr};
use super::builtins::Builtin;
use super::gomath;

/// Folds constants, then applies expr-lang's rewrites one pass at a time.
pub(super) fn optimize(expr: Expr, names: &[String]) -> Result<Expr, FormulaError> {
    let mut expr = fold(expr)?;
    let passes: [fn(Expr, &[String]) -> Expr; 8] = [
        filter_map,
        filter_len,
        filter_last,
        filter_first,
        predicate_combination,
        sum_array_or_map,
        count_any,
        count_threshold,
    ];
    for pass in passes {
        expr = walk(expr, names, pass);
    }
    share_zero_signs(&mut expr, &mut None);
    Ok(expr)
}

/// expr-lang's compiler keeps one constant per distinct value, and Go's `0.0 == -0.0`, so all
/// float zero literals take the sign of the first one compiled. Constant arrays (all
/// literals) are stored whole and keep their own zeros.
fn share_zero_signs(expr: &mut Expr, first_negative: &mut Option<bool>) {
    match &mut expr.kind {
        ExprKind::Float(f) if *f == 0.0 => match first_negative {
            None => *first_negative = Some(f.is_sign_negative()),
            Some(true) => *f = -0.0,
            Some(false) => *f = 0.0,
        },
        ExprKind::Array(items)
            if !items.is_empty() && items.iter().all(Expr::is_literal_constant) => {}
        _ => expr.for_each_child_mut(&mut |child| share_zero_signs(child, first_negative)),
    }
}

/// Rebuilds `expr` bottom-up, applying `rule` to every node after its children.
fn walk(expr: Expr, names: &[String], rule: fn(Expr, &[String]) -> Expr) -> Expr {
    let span = expr.span;
    let kind = map_children(expr.kind, &mut |child| walk(child, names, rule));
    rule(Expr::new(kind, span), names)
}

/// Applies `f` to each direct child of a node.
fn map_children(kind: ExprKind, f: &mut dyn FnMut(Expr) -> Expr) -> ExprKind {
    let mut boxed = |e: Box<Expr>| Box::new(f(*e));
    match kind {
        ExprKind::Array(items) => {
            ExprKind::Array(items.into_iter().map(|e| *boxed(Box::new(e))).collect())
        }
        ExprKind::Unary(op, inner) => ExprKind::Unary(op, boxed(inner)),
        ExprKind::Binary(op, l, r) => {
            let l = boxed(l);
            ExprKind::Binary(op, l, boxed(r))
        }
        ExprKind::Conditional {
            cond,
            then,
            otherwise,
            form,
        } => {
            let cond = boxed(cond);
            let then = then.map(&mut boxed);
            ExprKind::Conditional {
                cond,
                then,
                otherwise: boxed(otherwise),
                form,
            }
        }
        ExprKind::Index(a, i) => {
            let a = boxed(a);
            ExprKind::Index(a, boxed(i))
        }
        ExprKind::Call { func, args, mode } => {
            let args = args.into_iter().map(|e| *boxed(Box::new(e))).collect();
            let mode = match mode {
                CallMode::FilterMap(map) => CallMode::FilterMap(boxed(map)),
                CallMode::Find { map, throws } => CallMode::Find {
                    map: map.map(boxed),
                    throws,
                },
                other => other,
            };
            ExprKind::Call { func, args, mode }
        }
        ExprKind::Predicate(body) => ExprKind::Predicate(boxed(body)),
        leaf => leaf,
    }
}

/// Folds operations on literals, bottom-up.
fn fold(expr: Expr) -> Result<Expr, FormulaError> {
    let span = expr.span;
    let mut error = None;
    let kind = map_children(expr.kind, &mut |child| match fold(child) {
        Ok(folded) => folded,
        Err(e) => {
            error.get_or_insert(e);
            Expr::new(ExprKind::Nil, span)
        }
    });
    if let Some(error) = error {
        return Err(error);
    }
    let folded = match kind {
        ExprKind::Unary(op, inner) => match (op, inner.kind) {
            (UnaryOp::Neg, ExprKind::Int(i)) => ExprKind::Int(i.wrapping_neg()),
            (UnaryOp::Neg, ExprKind::Float(f)) => ExprKind::Float(-f),
            (UnaryOp::Plus, literal @ (ExprKind::Int(_) | ExprKind::Float(_))) => literal,
            (UnaryOp::Not, ExprKind::Bool(b)) => ExprKind::Bool(!b),
            (op, kind) => ExprKind::Unary(op, Box::new(Expr { kind, ..*inner })),
        },
        ExprKind::Binary(op, left, right) => return fold_binary(op, *left, *right, span),
        ExprKind::Call {
            func: Builtin::Filter,
            args,
            mode: CallMode::Plain,
        } => merge_filters(args),
        other => other,
    };
    Ok(Expr::new(folded, span))
}

fn fold_binary(
    op: BinaryOp,
    left: Expr,
    right: Expr,
    span: super::Span,
) -> Result<Expr, FormulaError> {
    use ExprKind::{Bool, Float, Int};
    let literal = |kind| Ok(Expr::new(kind, span));
    match (op, &left.kind, &right.kind) {
        (BinaryOp::Add, Int(a), Int(b)) => literal(Int(a.wrapping_add(*b))),
        (BinaryOp::Sub, Int(a), Int(b)) => literal(Int(a.wrapping_sub(*b))),
        (BinaryOp::Mul, Int(a), Int(b)) => literal(Int(a.wrapping_mul(*b))),
        (BinaryOp::Mod, Int(_), Int(0)) => Err(FormulaError::Type {
            offset: span.start,
            message: "integer division by zero in `%`".to_string(),
        }),
        (BinaryOp::Mod, Int(a), Int(b)) => literal(Int(a.wrapping_rem(*b))),
        (BinaryOp::Eq | BinaryOp::EqInt, Int(a), Int(b)) => literal(Bool(a == b)),
        (BinaryOp::Eq, Bool(a), Bool(b)) => literal(Bool(a == b)),
        (BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Pow, _, _)
            if number(&left).is_some() && number(&right).is_some() =>
        {
            let (a, b) = (number(&left).unwrap_or(0.0), number(&right).unwrap_or(0.0));
            literal(Float(match op {
                BinaryOp::Add => a + b,
                BinaryOp::Sub => a - b,
                BinaryOp::Mul => a * b,
                BinaryOp::Div => a / b,
                _ => gomath::pow(a, b),
            }))
        }
        // `true && x` and `x && true` are `x`; a literal `false` makes the whole `false`.
        (BinaryOp::And, Bool(true), _) => Ok(right),
        (BinaryOp::And, _, Bool(true)) => Ok(left),
        (BinaryOp::And, Bool(false), _) | (BinaryOp::And, _, Bool(false)) => literal(Bool(false)),
        (BinaryOp::Or, Bool(false), _) => Ok(right),
        (BinaryOp::Or, _, Bool(false)) => Ok(left),
        (BinaryOp::Or, Bool(true), _) | (BinaryOp::Or, _, Bool(true)) => literal(Bool(true)),
        _ => Ok(Expr::new(
            ExprKind::Binary(op, Box::new(left), Box::new(right)),
            span,
        )),
    }
}

/// The value of an int or float literal.
fn number(expr: &Expr) -> Option<f64> {
    match expr.kind {
        ExprKind::Int(i) => Some(i as f64),
        ExprKind::Float(f) => Some(f),
        _ => None,
    }
}

/// `filter(filter(xs, p), q)` is `filter(xs, p && q)`.
fn merge_filters(mut args: Vec<Expr>) -> ExprKind {
    let is_inner_filter = matches!(
        args.first().map(|a| &a.kind),
        Some(ExprKind::Call { func: Builtin::Filter, args: inner, mode: CallMode::Plain }) if inner.len() == 2
    );
    if args.len() != 2 || !is_inner_filter {
        return ExprKind::Call {
            func: Builtin::Filter,
            args,
            mode: CallMode::Plain,
        };
    }
    let outer_predicate = args.pop().map(predicate_body);
    let inner = args.pop().map(|e| e.kind);
    match (inner, outer_predicate) {
        (
            Some(ExprKind::Call {
                args: mut inner_args,
                ..
            }),
            Some(q),
        ) => {
            let p = inner_args.pop().map(predicate_body);
            let collection = inner_args.pop();
            match (collection, p) {
                (Some(collection), Some(p)) => {
                    let span = p.span;
                    let both = Expr::new(
                        ExprKind::Binary(BinaryOp::And, Box::new(p), Box::new(q)),
                        span,
                    );
                    // expr-lang folds until nothing changes, so `p && false` folds again.
                    let both = fold(both).unwrap_or_else(|_| Expr::new(ExprKind::Nil, span));
                    let predicate = Expr::new(ExprKind::Predicate(Box::new(both)), span);
                    ExprKind::Call {
                        func: Builtin::Filter,
                        args: vec![collection, predicate],
                        mode: CallMode::Plain,
                    }
                }
                _ => ExprKind::Nil,
            }
        }
        _ => ExprKind::Nil,
    }
}

/// The body of a `{ ... }` predicate argument.
fn predicate_body(expr: Expr) -> Expr {
    match expr.kind {
        ExprKind::Predicate(body) => *body,
        kind => Expr { kind, ..expr },
    }
}

/// Whether the tree uses `#index` anywhere.
fn uses_index(expr: &Expr) -> bool {
    matches!(expr.kind, ExprKind::Pointer(Pointer::Index)) || expr.children().any(uses_index)
}

fn is_call(expr: &Expr, func: Builtin, arity: usize) -> bool {
    matches!(&expr.kind, ExprKind::Call { func: f, args, .. } if *f == func && args.len() == arity)
}

/// Splits a call node into its parts.
fn call_parts(expr: Expr) -> (Vec<Expr>, CallMode) {
    match expr.kind {
        ExprKind::Call { args, mode, .. } => (args, mode),
        _ => (Vec::new(), CallMode::Plain),
    }
}

/// `map(filter(xs, p), q)` becomes one loop: a filter whose kept elements are mapped.
fn filter_map(expr: Expr, _: &[String]) -> Expr {
    let ExprKind::Call {
        func: Builtin::Map,
        args,
        ..
    } = &expr.kind
    else {
        return expr;
    };
    let candidate = args.len() == 2
        && !uses_index(&args[1])
        && matches!(
            &args[0].kind,
            ExprKind::Call {
                func: Builtin::Filter,
                mode: CallMode::Plain,
                ..
            }
        );
    if !candidate {
        return expr;
    }
    let span = expr.span;
    let (mut args, _) = call_parts(expr);
    let q = args.pop().map(predicate_body);
    let (filter_args, _) = call_parts(args.pop().unwrap_or_else(|| Expr::new(ExprKind::Nil, span)));
    match q {
        Some(q) => Expr::new(
            ExprKind::Call {
                func: Builtin::Filter,
                args: filter_args,
                mode: CallMode::FilterMap(Box::new(q)),
            },
            span,
        ),
        None => Expr::new(ExprKind::Nil, span),
    }
}

/// `len(filter(xs, p))` is `count(xs, p)`.
fn filter_len(expr: Expr, _: &[String]) -> Expr {
    let candidate = matches!(&expr.kind, ExprKind::Call { func: Builtin::Len, args, .. }
        if args.len() == 1 && is_call(&args[0], Builtin::Filter, 2));
    if !candidate {
        return expr;
    }
    let span = expr.span;
    let (mut args, _) = call_parts(expr);
    let (filter_args, _) = call_parts(args.pop().unwrap_or_else(|| Expr::new(ExprKind::Nil, span)));
    Expr::new(
        ExprKind::Call {
            func: Builtin::Count,
            args: filter_args,
            mode: CallMode::Plain,
        },
        span,
    )
}

/// `filter(xs, p)[-1]` and `last(filter(xs, p))` are `findLast(xs, p)`.
fn filter_last(expr: Expr, _: &[String]) -> Expr {
    filter_to_find(expr, -1, Builtin::Last, Builtin::FindLast)
}

/// `filter(xs, p)[0]` and `first(filter(xs, p))` are `find(xs, p)`.
fn filter_first(expr: Expr, _: &[String]) -> Expr {
    filter_to_find(expr, 0, Builtin::First, Builtin::Find)
}

fn filter_to_find(expr: Expr, index: i64, accessor: Builtin, find: Builtin) -> Expr {
    let span = expr.span;
    let (filter, throws) = match expr.kind {
        ExprKind::Index(base, i)
            if i.kind == ExprKind::Int(index) && is_call(&base, Builtin::Filter, 2) =>
        {
            (*base, true)
        }
        ExprKind::Call {
            func,
            mut args,
            mode: CallMode::Plain,
        } if func == accessor && args.len() == 1 && is_call(&args[0], Builtin::Filter, 2) => {
            (args.remove(0), false)
        }
        kind => return Expr { kind, ..expr },
    };
    let (args, mode) = call_parts(filter);
    let map = match mode {
        CallMode::FilterMap(map) => Some(map),
        _ => None,
    };
    Expr::new(
        ExprKind::Call {
            func: find,
            args,
            mode: CallMode::Find { map, throws },
        },
        span,
    )
}

/// `all(xs, p) && all(xs, q)` is `all(xs, p && q)`; likewise `any ... ||` and `none ... &&`
/// (which becomes `none(xs, p || q)`).
fn predicate_combination(expr: Expr, names: &[String]) -> Expr {
    let ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), left, right) = &expr.kind else {
        return expr;
    };
    let (
        ExprKind::Call {
            func: lf, args: la, ..
        },
        ExprKind::Call {
            func: rf, args: ra, ..
        },
    ) = (&left.kind, &right.kind)
    else {
        return expr;
    };
    let combined = match (lf, op) {
        (Builtin::All, BinaryOp::And) | (Builtin::Any, BinaryOp::Or) => *op,
        (Builtin::None, BinaryOp::And) => BinaryOp::Or,
        _ => return expr,
    };
    if lf != rf || la.len() != 2 || ra.len() != 2 || !same_source(&la[0], &ra[0], names) {
        return expr;
    }
    let span = expr.span;
    let func = *lf;
    let ExprKind::Binary(_, left, right) = expr.kind else {
        return Expr::new(ExprKind::Nil, span);
    };
    let (mut la, _) = call_parts(*left);
    let (mut ra, _) = call_parts(*right);
    let (Some(q), Some(p), Some(collection)) = (
        ra.pop().map(predicate_body),
        la.pop().map(predicate_body),
        la.pop(),
    ) else {
        return Expr::new(ExprKind::Nil, span);
    };
    let body = Expr::new(ExprKind::Binary(combined, Box::new(p), Box::new(q)), span);
    // The merged body may itself combine (`all(...) && all(...)` inside a predicate).
    let body = predicate_combination(body, names);
    let predicate = Expr::new(ExprKind::Predicate(Box::new(body)), span);
    Expr::new(
        ExprKind::Call {
            func,
            args: vec![collection, predicate],
            mode: CallMode::Plain,
        },
        span,
    )
}

/// Whether two expressions read the same (expr-lang compares their printed form).
fn same_source(a: &Expr, b: &Expr, names: &[String]) -> bool {
    let (mut x, mut y) = (String::new(), String::new());
    write_expr(&mut x, a, names).is_ok() && write_expr(&mut y, b, names).is_ok() && x == y
}

/// `sum([a, b, ...])` over a non-constant array adds the elements as `a + (b + ...)`, and
/// `sum(map(xs, p))` is `sum(xs, p)`.
fn sum_array_or_map(expr: Expr, _: &[String]) -> Expr {
    let ExprKind::Call {
        func: Builtin::Sum,
        args,
        mode: CallMode::Plain,
    } = &expr.kind
    else {
        return expr;
    };
    if args.len() != 1 {
        return expr;
    }
    let span = expr.span;
    match &args[0].kind {
        ExprKind::Array(items)
            if items.len() >= 2 && !items.iter().all(Expr::is_literal_constant) =>
        {
            let ExprKind::Call { func, args, .. } = expr.kind else {
                return Expr::new(ExprKind::Nil, span);
            };
            Expr::new(
                ExprKind::Call {
                    func,
                    args,
                    mode: CallMode::SumUnrolled,
                },
                span,
            )
        }
        ExprKind::Call {
            func: Builtin::Map,
            args: map_args,
            ..
        } if map_args.len() == 2 => {
            let (mut args, _) = call_parts(expr);
            let (map_args, _) =
                call_parts(args.pop().unwrap_or_else(|| Expr::new(ExprKind::Nil, span)));
            Expr::new(
                ExprKind::Call {
                    func: Builtin::Sum,
                    args: map_args,
                    mode: CallMode::Plain,
                },
                span,
            )
        }
        _ => expr,
    }
}

/// `count(xs, p) > 0` and `count(xs, p) >= 1` are `any(xs, p)`.
fn count_any(expr: Expr, _: &[String]) -> Expr {
    let candidate = matches!(&expr.kind,
        ExprKind::Binary(BinaryOp::Gt, l, r) if is_call(l, Builtin::Count, 2) && r.kind == ExprKind::Int(0))
        || matches!(&expr.kind,
        ExprKind::Binary(BinaryOp::Ge, l, r) if is_call(l, Builtin::Count, 2) && r.kind == ExprKind::Int(1));
    if !candidate {
        return expr;
    }
    let span = expr.span;
    let ExprKind::Binary(_, count, _) = expr.kind else {
        return Expr::new(ExprKind::Nil, span);
    };
    let (args, _) = call_parts(*count);
    Expr::new(
        ExprKind::Call {
            func: Builtin::Any,
            args,
            mode: CallMode::Plain,
        },
        span,
    )
}

/// `count(xs, p)` compared with a constant stops counting once the answer is known.
fn count_threshold(mut expr: Expr, _: &[String]) -> Expr {
    if let ExprKind::Binary(op, left, right) = &mut expr.kind
        && let ExprKind::Int(n) = right.kind
        && n >= 0
        && is_call(left, Builtin::Count, 2)
    {
        let threshold = match op {
            BinaryOp::Gt | BinaryOp::Le => n.saturating_add(1),
            BinaryOp::Ge | BinaryOp::Lt => n,
            _ => return expr,
        };
        if threshold > 1
            && let ExprKind::Call { mode, .. } = &mut left.kind
        {
            *mode = CallMode::CountUntil(threshold);
        }
    }
    expr
}

impl Expr {
    /// Whether expr-lang would fold this array element into a constant array.
    fn is_literal_constant(&self) -> bool {
        matches!(
            self.kind,
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Bool(_)
        )
    }
}
