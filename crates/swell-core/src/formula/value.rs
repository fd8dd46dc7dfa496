//! Runtime values and the operators on them, with expr-lang's dynamic semantics.
//!
//! expr-lang keeps Go's `int` and `float64` apart: `int op int` stays an integer and wraps on
//! overflow, any float operand makes the result a float, `/` and `**` always give a float, and
//! `%` only takes integers. Float arithmetic follows IEEE 754, so dividing by zero gives an
//! infinity or NaN instead of an error. Operators given a value of the wrong kind (a `nil` from
//! a failing trigger, a boolean, an array) are errors.

use std::cmp::Ordering;

/// A value produced while evaluating a formula.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) enum Value {
    #[default]
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Array(Vec<Value>),
}

/// A runtime failure; the evaluator adds the source position.
pub(super) type OpResult<T> = Result<T, String>;

impl Value {
    /// The kind of value, as error messages name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Array(_) => "array",
        }
    }

    /// The value as a float if it is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }

    /// The boolean a condition needs; anything else is an error.
    pub fn as_condition(&self, context: &str) -> OpResult<bool> {
        match self {
            Value::Bool(b) => Ok(*b),
            other => Err(format!(
                "{context} needs a boolean (true/false), got {}{}",
                other.kind(),
                nil_hint(other)
            )),
        }
    }
}

/// Extra advice when a `nil` shows up where a value was needed.
pub(super) fn nil_hint(value: &Value) -> &'static str {
    if matches!(value, Value::Nil) {
        " (a failing trigger is nil; give it a default with `??`, e.g. `(trigger ?? 0)`)"
    } else {
        ""
    }
}

fn mismatch(op: &str, a: &Value, b: &Value) -> String {
    let hint = if matches!(a, Value::Nil) {
        nil_hint(a)
    } else {
        nil_hint(b)
    };
    format!("cannot apply `{op}` to {} and {}{hint}", a.kind(), b.kind())
}

/// `a + b`, `a - b`, `a * b`: integers stay integers (wrapping like Go), otherwise floats.
pub(super) fn arithmetic(op: &str, a: &Value, b: &Value) -> OpResult<Value> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(Value::Int(match op {
            "+" => x.wrapping_add(*y),
            "-" => x.wrapping_sub(*y),
            _ => x.wrapping_mul(*y),
        })),
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => Ok(Value::Float(match op {
                "+" => x + y,
                "-" => x - y,
                _ => x * y,
            })),
            _ => Err(mismatch(op, a, b)),
        },
    }
}

/// `a / b`: always a float; division by zero gives ±Inf or NaN as in Go.
pub(super) fn divide(a: &Value, b: &Value) -> OpResult<Value> {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => Ok(Value::Float(x / y)),
        _ => Err(mismatch("/", a, b)),
    }
}

/// `a % b`: integers only; a zero divisor is an error, as Go's integer division panics.
pub(super) fn modulo(a: &Value, b: &Value) -> OpResult<Value> {
    match (a, b) {
        (Value::Int(_), Value::Int(0)) => Err("integer division by zero in `%`".to_string()),
        // Go defines MinInt % -1 as 0; wrapping_rem agrees.
        (Value::Int(x), Value::Int(y)) => Ok(Value::Int(x.wrapping_rem(*y))),
        _ => Err(format!(
            "`%` needs two integers, got {} and {}; trigger values are floats, so convert \
             them with `int(...)`, e.g. `int(trigger) % 2`{}",
            a.kind(),
            b.kind(),
            if matches!(a, Value::Nil) {
                nil_hint(a)
            } else {
                nil_hint(b)
            }
        )),
    }
}

/// `a ** b` and `a ^ b`: always a float.
pub(super) fn power(a: &Value, b: &Value) -> OpResult<Value> {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => Ok(Value::Float(super::gomath::pow(x, y))),
        _ => Err(mismatch("**", a, b)),
    }
}

/// Unary minus; integers wrap like Go (`-MinInt == MinInt`).
pub(super) fn negate(a: &Value) -> OpResult<Value> {
    match a {
        Value::Int(i) => Ok(Value::Int(i.wrapping_neg())),
        Value::Float(f) => Ok(Value::Float(-f)),
        other => Err(format!("cannot negate {}{}", other.kind(), nil_hint(other))),
    }
}

/// `a < b` and friends: numbers only (integers compared exactly, mixed pairs as floats).
pub(super) fn compare(op: &str, a: &Value, b: &Value) -> OpResult<bool> {
    let ordering = match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x.partial_cmp(&y),
            _ => return Err(mismatch(op, a, b)),
        },
    };
    // A NaN operand makes every ordering comparison false, as in Go.
    Ok(match (op, ordering) {
        (_, None) => false,
        ("<", Some(o)) => o == Ordering::Less,
        ("<=", Some(o)) => o != Ordering::Greater,
        (">", Some(o)) => o == Ordering::Greater,
        (_, Some(o)) => o != Ordering::Less,
    })
}

/// `a == b`: numbers compare by value across int and float, `nil == nil`, arrays element by
/// element; values of different kinds are never equal.
pub(super) fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Nil, Value::Nil) => true,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

/// `needle in haystack`: true when an element equals the needle; `x in nil` is false.
pub(super) fn contains(needle: &Value, haystack: &Value) -> OpResult<bool> {
    match haystack {
        Value::Nil => Ok(false),
        Value::Array(items) => Ok(items.iter().any(|item| equal(item, needle))),
        other => Err(format!(
            "`in` needs an array on its right, got {}",
            other.kind()
        )),
    }
}

/// `array[index]`: negative indexes count from the end; a float index is truncated.
pub(super) fn fetch(array: &Value, index: &Value) -> OpResult<Value> {
    match array {
        Value::Array(items) => fetch_item(items, index),
        other => Err(format!(
            "cannot index {} with `[...]`{}",
            other.kind(),
            nil_hint(other)
        )),
    }
}

/// `items[index]` for the elements of an array.
pub(super) fn fetch_item(items: &[Value], index: &Value) -> OpResult<Value> {
    let i = match *index {
        Value::Int(i) => i,
        Value::Float(f) => go_float_to_int(f),
        ref other => {
            return Err(format!(
                "an array index must be a number, got {}",
                other.kind()
            ));
        }
    };
    let len = items.len() as i64;
    let position = if i < 0 { i.wrapping_add(len) } else { i };
    if position < 0 || position >= len {
        return Err(format!(
            "index {position} is out of range (the array has {len} elements)"
        ));
    }
    Ok(items[position as usize].clone())
}

/// Go's `int(f)` on amd64: truncates toward zero; NaN and out-of-range values become MinInt.
pub(super) fn go_float_to_int(f: f64) -> i64 {
    // 2^63 is the first float that does not fit; -2^63 itself fits.
    if f.is_nan() || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}
