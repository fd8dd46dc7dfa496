//! The builtin functions formulas may call, and the ones that only need their argument values.
//!
//! Predicate builtins (`count(xs, {# > 1})`, `all`, `filter`, ...) evaluate their `{ ... }`
//! argument once per element, so their loops live in the evaluator; this file holds the rest
//! (`abs`, `round`, `max`, `mean`, ...) with expr-lang's runtime rules: `max`/`min` return the
//! winning value unchanged (an int stays an int) and look inside nested arrays, `mean` and
//! `median` of nothing are `0.0`, `max` of nothing is `nil`.

use super::value::{OpResult, Value, go_float_to_int, nil_hint};

/// A builtin function swell supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Builtin {
    Len,
    Abs,
    Ceil,
    Floor,
    Round,
    Int,
    Float,
    Max,
    Min,
    Mean,
    Median,
    First,
    Last,
    All,
    None,
    Any,
    One,
    Filter,
    Map,
    Count,
    Sum,
    Find,
    FindIndex,
    FindLast,
    FindLastIndex,
}

/// Every supported builtin, for lookups and error messages.
pub(super) const SUPPORTED: &[Builtin] = &[
    Builtin::Len,
    Builtin::Abs,
    Builtin::Ceil,
    Builtin::Floor,
    Builtin::Round,
    Builtin::Int,
    Builtin::Float,
    Builtin::Max,
    Builtin::Min,
    Builtin::Mean,
    Builtin::Median,
    Builtin::First,
    Builtin::Last,
    Builtin::All,
    Builtin::None,
    Builtin::Any,
    Builtin::One,
    Builtin::Filter,
    Builtin::Map,
    Builtin::Count,
    Builtin::Sum,
    Builtin::Find,
    Builtin::FindIndex,
    Builtin::FindLast,
    Builtin::FindLastIndex,
];

/// expr-lang builtins swell does not implement (strings, dates, maps, bit operations...).
const UNSUPPORTED: &[&str] = &[
    "groupBy",
    "sortBy",
    "reduce",
    "type",
    "string",
    "trim",
    "trimPrefix",
    "trimSuffix",
    "upper",
    "lower",
    "split",
    "splitAfter",
    "replace",
    "repeat",
    "join",
    "indexOf",
    "lastIndexOf",
    "hasPrefix",
    "hasSuffix",
    "toJSON",
    "fromJSON",
    "toBase64",
    "fromBase64",
    "now",
    "duration",
    "date",
    "timezone",
    "get",
    "take",
    "keys",
    "values",
    "toPairs",
    "fromPairs",
    "reverse",
    "uniq",
    "concat",
    "flatten",
    "sort",
    "bitand",
    "bitor",
    "bitxor",
    "bitnand",
    "bitnot",
    "bitshl",
    "bitshr",
    "bitushr",
];

/// What a name means when it is called like a function.
pub(super) enum Lookup {
    Supported(Builtin),
    /// An expr-lang builtin swell does not implement.
    Unsupported,
    /// Not a builtin at all.
    Unknown,
}

/// Looks a called name up.
pub(super) fn lookup(name: &str) -> Lookup {
    if let Some(builtin) = SUPPORTED.iter().find(|b| b.name() == name) {
        Lookup::Supported(*builtin)
    } else if UNSUPPORTED.contains(&name) {
        Lookup::Unsupported
    } else {
        Lookup::Unknown
    }
}

/// How a predicate builtin's arguments are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PredicateArgs {
    /// `f(collection, predicate)`.
    Required,
    /// `f(collection)` or `f(collection, predicate)` (`count`, `sum`).
    Optional,
}

impl Builtin {
    /// The name formulas call it by.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Len => "len",
            Builtin::Abs => "abs",
            Builtin::Ceil => "ceil",
            Builtin::Floor => "floor",
            Builtin::Round => "round",
            Builtin::Int => "int",
            Builtin::Float => "float",
            Builtin::Max => "max",
            Builtin::Min => "min",
            Builtin::Mean => "mean",
            Builtin::Median => "median",
            Builtin::First => "first",
            Builtin::Last => "last",
            Builtin::All => "all",
            Builtin::None => "none",
            Builtin::Any => "any",
            Builtin::One => "one",
            Builtin::Filter => "filter",
            Builtin::Map => "map",
            Builtin::Count => "count",
            Builtin::Sum => "sum",
            Builtin::Find => "find",
            Builtin::FindIndex => "findIndex",
            Builtin::FindLast => "findLast",
            Builtin::FindLastIndex => "findLastIndex",
        }
    }

    /// For predicate builtins, how their arguments are laid out.
    pub fn predicate_args(self) -> Option<PredicateArgs> {
        match self {
            Builtin::All
            | Builtin::None
            | Builtin::Any
            | Builtin::One
            | Builtin::Filter
            | Builtin::Map
            | Builtin::Find
            | Builtin::FindIndex
            | Builtin::FindLast
            | Builtin::FindLastIndex => Some(PredicateArgs::Required),
            Builtin::Count | Builtin::Sum => Some(PredicateArgs::Optional),
            _ => None,
        }
    }
}

/// The names of the supported builtins, for messages.
pub(super) fn supported_names() -> String {
    SUPPORTED
        .iter()
        .map(|b| b.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `abs(x)`: an int stays an int (wrapping at MinInt like Go).
pub(super) fn abs(x: &Value) -> OpResult<Value> {
    match *x {
        Value::Int(i) => Ok(Value::Int(if i < 0 { i.wrapping_neg() } else { i })),
        // `-0.0 < 0` is false, so like Go this keeps -0.0 as is.
        Value::Float(f) => Ok(Value::Float(if f < 0.0 { -f } else { f })),
        ref other => Err(invalid_argument("abs", other)),
    }
}

/// `ceil`, `floor` and `round` (half away from zero): always a float.
pub(super) fn rounding(builtin: Builtin, x: &Value) -> OpResult<Value> {
    match *x {
        Value::Int(i) => Ok(Value::Float(i as f64)),
        Value::Float(f) => Ok(Value::Float(match builtin {
            Builtin::Ceil => f.ceil(),
            Builtin::Floor => f.floor(),
            _ => f.round(),
        })),
        ref other => Err(invalid_argument(builtin.name(), other)),
    }
}

/// `int(x)`: truncates floats toward zero (out of range and NaN give MinInt, as Go on amd64).
pub(super) fn to_int(x: &Value) -> OpResult<Value> {
    match *x {
        Value::Int(i) => Ok(Value::Int(i)),
        Value::Float(f) => Ok(Value::Int(go_float_to_int(f))),
        ref other => Err(invalid_argument("int", other)),
    }
}

/// `float(x)`.
pub(super) fn to_float(x: &Value) -> OpResult<Value> {
    match x.as_f64() {
        Some(f) => Ok(Value::Float(f)),
        None => Err(invalid_argument("float", x)),
    }
}

fn invalid_argument(name: &str, value: &Value) -> String {
    format!(
        "`{name}` needs a number, got {}{}",
        value.kind(),
        nil_hint(value)
    )
}

/// The arguments of a variadic aggregate (`max`, `min`, `mean`, `median`).
#[derive(Clone, Copy)]
pub(super) enum Args<'a> {
    /// The call's own arguments: `max(a, b)`.
    List(&'a [Value]),
    /// The elements of the single array-literal argument: `max([a, b])`, evaluated without
    /// building the array.
    Spread(&'a [Value]),
}

/// `max(...)` (`is_max`) or `min(...)`.
pub(super) fn min_max(name: &str, is_max: bool, args: Args<'_>) -> OpResult<Value> {
    let mut best: Option<Value> = None;
    match args {
        Args::Spread(items) => min_max_items(name, is_max, items, &mut best)?,
        Args::List(args) => {
            for arg in args {
                match arg {
                    Value::Array(items) => min_max_items(name, is_max, items, &mut best)?,
                    Value::Int(_) | Value::Float(_) => consider(is_max, arg, &mut best),
                    // A single non-number argument comes back as is (`max(nil)` is nil).
                    other if args.len() == 1 => return Ok(other.clone()),
                    other => return Err(invalid_element(name, other)),
                }
            }
        }
    }
    Ok(best.unwrap_or(Value::Nil))
}

fn min_max_items(
    name: &str,
    is_max: bool,
    items: &[Value],
    best: &mut Option<Value>,
) -> OpResult<()> {
    for item in items {
        match item {
            Value::Int(_) | Value::Float(_) => consider(is_max, item, best),
            Value::Array(nested) => {
                let mut nested_best = None;
                min_max_items(name, is_max, nested, &mut nested_best)?;
                if let Some(value) = nested_best {
                    consider(is_max, &value, best);
                }
            }
            other => return Err(invalid_element(name, other)),
        }
    }
    Ok(())
}

/// Replaces `best` when `candidate` beats it (NaN never beats and is never beaten, as in Go).
fn consider(is_max: bool, candidate: &Value, best: &mut Option<Value>) {
    let replace = match best {
        None => true,
        Some(current) => {
            let op = if is_max { "<" } else { ">" };
            super::value::compare(op, current, candidate).unwrap_or(false)
        }
    };
    if replace {
        *best = Some(candidate.clone());
    }
}

fn invalid_element(name: &str, value: &Value) -> String {
    format!(
        "`{name}` needs numbers or arrays of numbers, got {}{}",
        value.kind(),
        nil_hint(value)
    )
}

/// Calls `visit` with every number in the arguments, flattening nested arrays.
fn each_number(name: &str, args: Args<'_>, visit: &mut dyn FnMut(f64)) -> OpResult<()> {
    fn items(name: &str, list: &[Value], visit: &mut dyn FnMut(f64)) -> OpResult<()> {
        for item in list {
            match item {
                Value::Array(nested) => items(name, nested, visit)?,
                other => visit(other.as_f64().ok_or_else(|| invalid_element(name, other))?),
            }
        }
        Ok(())
    }
    match args {
        Args::Spread(elements) => items(name, elements, visit),
        Args::List(list) => items(name, list, visit),
    }
}

/// `mean(...)`: a float; `0.0` when there are no numbers.
pub(super) fn mean(args: Args<'_>) -> OpResult<Value> {
    let (mut total, mut count) = (0.0, 0u64);
    each_number("mean", args, &mut |x| {
        total += x;
        count += 1;
    })?;
    Ok(Value::Float(if count == 0 {
        0.0
    } else {
        total / count as f64
    }))
}

/// `median(...)`: a float; `0.0` when there are no numbers.
pub(super) fn median(args: Args<'_>) -> OpResult<Value> {
    let mut values = Vec::new();
    each_number("median", args, &mut |x| values.push(x))?;
    if values.is_empty() {
        return Ok(Value::Float(0.0));
    }
    // Go's sort.Float64s orders NaN before every number.
    values.sort_by(|a, b| match (a.is_nan(), b.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        (false, false) => a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal),
    });
    let n = values.len();
    Ok(Value::Float(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }))
}
