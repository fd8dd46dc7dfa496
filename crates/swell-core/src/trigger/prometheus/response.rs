//! How KEDA's Prometheus scaler turns an instant-query response into one number.
//!
//! The checks run in KEDA's order:
//! 1. an HTTP status outside 200–299 is an error (swell adds Prometheus' own error text);
//! 2. the body must decode as `{status, data: {resultType, result: [{metric, value}]}}`
//!    (a scalar result `[ts, "v"]` does not, and is an error as in KEDA);
//! 3. no series: 0 with `ignoreNullValues`, else an error;
//! 4. more than one series: always an error;
//! 5. an empty `value` (a matrix result): 0 with `ignoreNullValues`, else an error; a `value`
//!    with one element is an error;
//! 6. a JSON `null` sample reads as −1 without error (KEDA's default); a string is parsed as a
//!    Go float; anything else is an error (KEDA panics there);
//! 7. NaN or ±Inf: 0 with `ignoreNullValues`, else an error.
//!
//! Decoding follows Go's `encoding/json` into typed structs: unknown fields are ignored, field
//! names match case-insensitively, `null` leaves a field at its zero value, and a field of the
//! wrong JSON type is a decode error.

use serde_json::{Map, Value};
use thiserror::Error;

/// Why a query response gave no value.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum ResponseError {
    /// HTTP status outside 200–299.
    #[error("Prometheus answered HTTP {status}{}", detail.as_ref().map(|d| format!(": {d}")).unwrap_or_default())]
    Status {
        /// The status code.
        status: u16,
        /// Prometheus' `error` field, when the body had one.
        detail: Option<String>,
    },
    /// The body is not a Prometheus query response.
    #[error(
        "the response is not a Prometheus vector result ({0}); check that serverAddress points at the Prometheus HTTP API and the query returns an instant vector"
    )]
    Decode(String),
    /// No series, with `ignoreNullValues: false`.
    #[error(
        "query `{query}` returned no series (the target may be lost); with ignoreNullValues \"false\" this is an error. Write the query so it always returns a value, e.g. `sum(...) or vector(0)`, if absence means idle"
    )]
    Empty {
        /// The query.
        query: String,
    },
    /// More than one series.
    #[error(
        "query `{query}` returned {count} series but a trigger needs exactly one; aggregate it, e.g. `sum({query})`"
    )]
    Multiple {
        /// The query.
        query: String,
        /// How many series came back.
        count: usize,
    },
    /// An empty `value` list, with `ignoreNullValues: false`.
    #[error(
        "query `{query}` returned a series with an empty value list (a range query?); use an instant vector query"
    )]
    EmptyValue {
        /// The query.
        query: String,
    },
    /// A `value` list with only one element.
    #[error("query `{query}` did not return enough values: expected [timestamp, \"value\"]")]
    ShortValue {
        /// The query.
        query: String,
    },
    /// The sample is a string that is not a float, or not a string at all.
    #[error("query `{query}` returned a sample that is not a number: {sample}")]
    NotANumber {
        /// The query.
        query: String,
        /// The sample as JSON.
        sample: String,
    },
    /// NaN or ±Inf with `ignoreNullValues: false`.
    #[error("query `{query}` returned {value}; with ignoreNullValues \"false\" this is an error")]
    NonFinite {
        /// The query.
        query: String,
        /// The value.
        value: f64,
    },
}

/// The value KEDA reads from an instant-query response (may be negative; −1 for a `null`
/// sample), or why there is none.
pub fn interpret(
    status: u16,
    body: &[u8],
    query: &str,
    ignore_null_values: bool,
) -> Result<f64, ResponseError> {
    if !(200..300).contains(&status) {
        let detail = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string));
        return Err(ResponseError::Status { status, detail });
    }

    let series = decode(body).map_err(ResponseError::Decode)?;
    let owned = || query.to_string();
    let value = match series.as_slice() {
        [] if ignore_null_values => return Ok(0.0),
        [] => return Err(ResponseError::Empty { query: owned() }),
        [only] => only,
        many => {
            return Err(ResponseError::Multiple {
                query: owned(),
                count: many.len(),
            });
        }
    };
    let sample = match value.as_slice() {
        [] if ignore_null_values => return Ok(0.0),
        [] => return Err(ResponseError::EmptyValue { query: owned() }),
        [_] => return Err(ResponseError::ShortValue { query: owned() }),
        [_, sample, ..] => sample,
    };

    let parsed = match sample {
        // KEDA's quirk: a null sample leaves the default −1 in place and is not an error.
        Value::Null => return Ok(-1.0),
        Value::String(text) => parse_go_float(text),
        // KEDA panics on a non-string sample; swell reports it.
        _ => None,
    };
    let parsed = parsed.ok_or_else(|| ResponseError::NotANumber {
        query: owned(),
        sample: sample.to_string(),
    })?;
    match (parsed.is_finite(), ignore_null_values) {
        (true, _) => Ok(parsed),
        (false, true) => Ok(0.0),
        (false, false) => Err(ResponseError::NonFinite {
            query: owned(),
            value: parsed,
        }),
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the forms Prometheus emits and a little more:
/// decimal and exponent forms, `NaN`, `Inf`/`Infinity` with optional sign, any case.
pub fn parse_go_float(text: &str) -> Option<f64> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let special = unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity");
    if special || unsigned.eq_ignore_ascii_case("nan") {
        return text
            .to_ascii_lowercase()
            .replace("infinity", "inf")
            .parse()
            .ok();
    }
    let plain = unsigned
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-' | b'_'));
    // Go accepts underscores only in base-prefixed literals; reject them here.
    (plain && !unsigned.contains('_'))
        .then(|| text.parse().ok())
        .flatten()
        .filter(|v: &f64| !v.is_infinite())
}

/// The `value` arrays of `data.result`, decoded the way Go's `encoding/json` would.
fn decode(body: &[u8]) -> Result<Vec<Vec<Value>>, String> {
    let root: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let Some(root) = object_or_zero(&root, "the body")? else {
        return Ok(Vec::new());
    };
    if let Some(status) = field(root, "status") {
        expect_string_or_null(status, "status")?;
    }
    let Some(data) = field(root, "data") else {
        return Ok(Vec::new());
    };
    let Some(data) = object_or_zero(data, "data")? else {
        return Ok(Vec::new());
    };
    if let Some(result_type) = field(data, "resultType") {
        expect_string_or_null(result_type, "data.resultType")?;
    }
    let result = match field(data, "result") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(format!(
                "data.result is {}, not a list of series",
                kind(other)
            ));
        }
    };
    result
        .iter()
        .map(|item| {
            let Some(item) = object_or_zero(item, "a data.result element")? else {
                return Ok(Vec::new());
            };
            if let Some(metric) = field(item, "metric") {
                object_or_zero(metric, "metric")?;
            }
            match field(item, "value") {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(value)) => Ok(value.clone()),
                Some(other) => Err(format!(
                    "value is {}, not [timestamp, \"value\"]",
                    kind(other)
                )),
            }
        })
        .collect()
}

/// Go matches JSON keys to struct fields exactly first, then case-insensitively.
fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn object_or_zero<'a>(
    value: &'a Value,
    what: &str,
) -> Result<Option<&'a Map<String, Value>>, String> {
    match value {
        Value::Object(map) => Ok(Some(map)),
        Value::Null => Ok(None),
        other => Err(format!("{what} is {}, not an object", kind(other))),
    }
}

fn expect_string_or_null(value: &Value, what: &str) -> Result<(), String> {
    match value {
        Value::String(_) | Value::Null => Ok(()),
        other => Err(format!("{what} is {}, not a string", kind(other))),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests;
