//! Trigger metadata read by KEDA's generic typed-config rules.
//!
//! KEDA scalers declare each setting as a typed field with a lookup order (trigger metadata,
//! then TriggerAuthentication parameters, or only one of them). Values are strings in both
//! maps, and KEDA converts them the same way for every scaler:
//!
//! - strings are whitespace-trimmed, and an empty value counts as missing;
//! - booleans follow Go's `strconv.ParseBool` (`1 t T TRUE true True 0 f F FALSE false False`);
//! - numbers follow JSON number syntax (`1e3` yes, `+1`, `.5`, `0x10`, `NaN` no);
//! - maps are `k=v,k2=v2`, each element splitting on `=` into exactly two parts;
//! - lists are comma-separated, each element trimmed;
//! - durations are Go duration strings (`30s`, `1m30s`, `500ms`) or integer milliseconds;
//!   negative values are rejected and `0` means "the default".
//!
//! [`Fields`] applies these rules to one trigger's two maps; the free functions apply them to a
//! single value so `swell check` and the trigger parsers share one definition.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::trigger::TriggerError;

/// Trigger metadata: `triggers[].metadata`.
pub type Metadata = BTreeMap<String, String>;
/// Parameters resolved from a TriggerAuthentication (`parameter` → value).
pub type AuthParams = BTreeMap<String, String>;

/// Where a field may be read from, in KEDA's `order=` terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Only `triggers[].metadata`.
    Metadata,
    /// Only the TriggerAuthentication parameters (credentials).
    Auth,
    /// Trigger metadata first, then the TriggerAuthentication parameters.
    MetadataThenAuth,
}

/// One trigger's metadata and auth parameters, read with KEDA's conversion rules.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a> {
    metadata: &'a Metadata,
    auth: &'a AuthParams,
}

impl<'a> Fields<'a> {
    /// Reads from `metadata` and `auth`.
    pub fn new(metadata: &'a Metadata, auth: &'a AuthParams) -> Self {
        Fields { metadata, auth }
    }

    /// The trimmed value of `key`, `None` when absent or blank in every allowed map.
    pub fn string(&self, key: &str, lookup: Lookup) -> Option<&'a str> {
        let from = |map: &'a BTreeMap<String, String>| {
            map.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
        };
        match lookup {
            Lookup::Metadata => from(self.metadata),
            Lookup::Auth => from(self.auth),
            Lookup::MetadataThenAuth => from(self.metadata).or_else(|| from(self.auth)),
        }
    }

    /// The first of `keys` that has a value (KEDA's `name=a;b` aliases), with the key it came
    /// from.
    pub fn string_any(&self, keys: &[&'a str], lookup: Lookup) -> Option<(&'a str, &'a str)> {
        keys.iter()
            .find_map(|key| self.string(key, lookup).map(|v| (*key, v)))
    }

    /// Whether `key` is present in trigger metadata at all, even blank.
    pub fn in_metadata(&self, key: &str) -> bool {
        self.metadata.contains_key(key)
    }

    /// A required string; `hint` tells the user what to write.
    pub fn required(&self, key: &str, lookup: Lookup, hint: &str) -> Result<&'a str, TriggerError> {
        self.string(key, lookup)
            .ok_or_else(|| TriggerError::new(key, format!("is required: {hint}")))
    }

    /// A float (JSON number syntax), `None` when missing.
    pub fn float(&self, key: &str, lookup: Lookup) -> Result<Option<f64>, TriggerError> {
        self.string(key, lookup)
            .map(|v| parse_float(v).map_err(|m| TriggerError::new(key, m)))
            .transpose()
    }

    /// An integer (JSON number syntax without fraction or exponent), `None` when missing.
    pub fn int(&self, key: &str, lookup: Lookup) -> Result<Option<i64>, TriggerError> {
        self.string(key, lookup)
            .map(|v| parse_int(v).map_err(|m| TriggerError::new(key, m)))
            .transpose()
    }

    /// A boolean (Go `ParseBool`), `default` when missing.
    pub fn bool(&self, key: &str, lookup: Lookup, default: bool) -> Result<bool, TriggerError> {
        match self.string(key, lookup) {
            None => Ok(default),
            Some(v) => parse_bool(v).map_err(|m| TriggerError::new(key, m)),
        }
    }

    /// A `k=v,k2=v2` map, empty when missing.
    pub fn map(&self, key: &str, lookup: Lookup) -> Result<BTreeMap<String, String>, TriggerError> {
        match self.string(key, lookup) {
            None => Ok(BTreeMap::new()),
            Some(v) => parse_map(v).map_err(|m| TriggerError::new(key, m)),
        }
    }

    /// A comma list, empty when missing.
    pub fn list(&self, key: &str, lookup: Lookup) -> Vec<String> {
        self.string(key, lookup).map(parse_list).unwrap_or_default()
    }

    /// A duration (Go syntax or integer milliseconds); `None` when missing or `0` (the default).
    pub fn duration(&self, key: &str, lookup: Lookup) -> Result<Option<Duration>, TriggerError> {
        match self.string(key, lookup) {
            None => Ok(None),
            Some(v) => parse_duration(v)
                .map(|d| Some(d).filter(|d| !d.is_zero()))
                .map_err(|m| TriggerError::new(key, m)),
        }
    }

    /// A comma list whose every element must be one of `allowed`.
    pub fn enum_list(
        &self,
        key: &str,
        lookup: Lookup,
        allowed: &[&str],
    ) -> Result<Vec<String>, TriggerError> {
        let Some(raw) = self.string(key, lookup) else {
            return Ok(Vec::new());
        };
        let elements: Vec<String> = raw.split(',').map(|e| e.trim().to_string()).collect();
        for element in &elements {
            if !allowed.contains(&element.as_str()) {
                return Err(TriggerError::new(
                    key,
                    format!(
                        "`{element}` is not allowed; use one of {}",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(elements)
    }
}

/// Go's `strconv.ParseBool`.
pub fn parse_bool(value: &str) -> Result<bool, String> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!("must be a boolean (true or false), got `{value}`")),
    }
}

/// Whether `value` matches the JSON number grammar (RFC 8259 §6).
fn is_json_number(value: &str) -> bool {
    let b = value.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.first() == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(c) if c.is_ascii_digit() => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A float in JSON number syntax (KEDA decodes numbers with `encoding/json`).
pub fn parse_float(value: &str) -> Result<f64, String> {
    let parsed = is_json_number(value)
        .then(|| value.parse::<f64>().ok())
        .flatten();
    match parsed {
        Some(v) if v.is_finite() => Ok(v),
        _ => Err(format!(
            "must be a number like `10` or `0.5`, got `{value}`"
        )),
    }
}

/// An integer in JSON number syntax: no fraction, no exponent.
pub fn parse_int(value: &str) -> Result<i64, String> {
    let plain = is_json_number(value) && !value.contains(['.', 'e', 'E']);
    plain
        .then(|| value.parse::<i64>().ok())
        .flatten()
        .ok_or_else(|| format!("must be a whole number like `5`, got `{value}`"))
}

/// A `k=v,k2=v2` map. Every element must split on `=` into exactly two parts, so values
/// cannot contain `=` or `,` (a KEDA limitation we keep: a header value with `=` is rejected).
pub fn parse_map(value: &str) -> Result<BTreeMap<String, String>, String> {
    let mut map = BTreeMap::new();
    for element in value.split(',') {
        let parts: Vec<&str> = element.split('=').collect();
        if parts.len() != 2 {
            return Err(format!(
                "must be a list of key=value pairs separated by commas (values cannot contain \
                 `=` or `,`), got element `{element}`"
            ));
        }
        map.insert(parts[0].trim().to_string(), parts[1].trim().to_string());
    }
    Ok(map)
}

/// A comma list, each element trimmed.
pub fn parse_list(value: &str) -> Vec<String> {
    value.split(',').map(|e| e.trim().to_string()).collect()
}

/// A duration: integer milliseconds (`3000`) or a Go duration string (`3s`, `1m30s`, `1.5s`).
/// Negative durations are rejected.
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let negative = || format!("must not be negative, got `{value}`");
    if let Ok(ms) = parse_int(value) {
        return u64::try_from(ms)
            .map(Duration::from_millis)
            .map_err(|_| negative());
    }
    let nanos = parse_go_duration(value).ok_or_else(|| {
        format!(
            "must be a duration like `3s`, `1m30s` or `500ms`, or a number of milliseconds, \
             got `{value}`"
        )
    })?;
    u64::try_from(nanos)
        .map(Duration::from_nanos)
        .map_err(|_| negative())
}

/// Go's `time.ParseDuration`, in nanoseconds. `None` on a syntax error or overflow.
pub fn parse_go_duration(value: &str) -> Option<i128> {
    let (sign, mut rest) = match value.as_bytes().first()? {
        b'-' => (-1, &value[1..]),
        b'+' => (1, &value[1..]),
        _ => (1, value),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let nanos_per_unit = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number.parse::<f64>().ok()? * nanos_per_unit;
    }
    // Go rejects durations beyond ~292 years (int64 nanoseconds).
    (total <= i64::MAX as f64).then_some(sign * total.round() as i128)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn maps(pairs: &[(&str, &str)]) -> Metadata {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn bool_accepts_exactly_go_parse_bool_spellings() {
        for (input, expected) in [
            ("1", Some(true)),
            ("t", Some(true)),
            ("T", Some(true)),
            ("TRUE", Some(true)),
            ("true", Some(true)),
            ("True", Some(true)),
            ("0", Some(false)),
            ("f", Some(false)),
            ("FALSE", Some(false)),
            ("False", Some(false)),
            ("yes", None),
            ("tRUE", None),
            ("on", None),
            ("2", None),
        ] {
            assert_eq!(parse_bool(input).ok(), expected, "input {input:?}");
        }
    }

    #[test]
    fn floats_follow_json_number_syntax() {
        for (input, expected) in [
            ("10", Some(10.0)),
            ("-2.5", Some(-2.5)),
            ("1e3", Some(1000.0)),
            ("1E-2", Some(0.01)),
            ("0", Some(0.0)),
            ("0.5", Some(0.5)),
            ("+1", None),
            (".5", None),
            ("1.", None),
            ("01", None),
            ("0x10", None),
            ("NaN", None),
            ("Inf", None),
            ("1e999", None),
            ("10 ", None),
            ("abc", None),
        ] {
            assert_eq!(parse_float(input).ok(), expected, "input {input:?}");
        }
    }

    #[test]
    fn ints_reject_fractions_and_exponents() {
        for (input, expected) in [
            ("5", Some(5)),
            ("-3", Some(-3)),
            ("1.0", None),
            ("1e3", None),
            ("99999999999999999999", None),
        ] {
            assert_eq!(parse_int(input).ok(), expected, "input {input:?}");
        }
    }

    #[test]
    fn maps_need_exactly_one_equals_per_element() {
        let ok = parse_map("X-Org = a, X-Team=b").unwrap();
        assert_eq!(ok, maps(&[("X-Org", "a"), ("X-Team", "b")]));
        for bad in ["a=b=c", "a", "a=1,", "a=1,,b=2"] {
            assert!(parse_map(bad).is_err(), "input {bad:?}");
        }
        // An empty value is allowed: "a=" splits into ["a", ""].
        assert_eq!(parse_map("a=").unwrap(), maps(&[("a", "")]));
    }

    #[test]
    fn durations_are_go_strings_or_integer_milliseconds() {
        for (input, expected) in [
            ("3000", Some(Duration::from_millis(3000))),
            ("0", Some(Duration::ZERO)),
            ("30s", Some(Duration::from_secs(30))),
            ("1m30s", Some(Duration::from_secs(90))),
            ("500ms", Some(Duration::from_millis(500))),
            ("1.5s", Some(Duration::from_millis(1500))),
            ("2h", Some(Duration::from_secs(7200))),
            ("10us", Some(Duration::from_micros(10))),
            ("-1", None),
            ("-5s", None),
            ("5", Some(Duration::from_millis(5))),
            ("5x", None),
            ("s", None),
            ("1.2.3s", None),
            ("", None),
            ("1.5", None),
        ] {
            assert_eq!(parse_duration(input).ok(), expected, "input {input:?}");
        }
    }

    #[test]
    fn lookup_order_prefers_metadata_then_auth_and_trims() {
        let metadata = maps(&[("a", "  from-metadata "), ("blank", "   ")]);
        let auth = maps(&[
            ("a", "from-auth"),
            ("blank", "auth-value"),
            ("secret", "s3"),
        ]);
        let fields = Fields::new(&metadata, &auth);
        assert_eq!(
            fields.string("a", Lookup::MetadataThenAuth),
            Some("from-metadata")
        );
        assert_eq!(fields.string("a", Lookup::Auth), Some("from-auth"));
        // A blank metadata value counts as missing, so the auth value wins.
        assert_eq!(
            fields.string("blank", Lookup::MetadataThenAuth),
            Some("auth-value")
        );
        assert_eq!(fields.string("blank", Lookup::Metadata), None);
        // Credentials are never read from metadata when the field says auth only.
        assert_eq!(fields.string("secret", Lookup::Metadata), None);
    }

    #[test]
    fn zero_duration_means_default_and_enums_are_checked_per_element() {
        let metadata = maps(&[
            ("timeout", "0"),
            ("modes", "basic, tls"),
            ("bad", "basic,,tls"),
        ]);
        let auth = AuthParams::new();
        let fields = Fields::new(&metadata, &auth);
        assert_eq!(fields.duration("timeout", Lookup::Metadata).unwrap(), None);
        let allowed = ["basic", "tls"];
        assert_eq!(
            fields
                .enum_list("modes", Lookup::Metadata, &allowed)
                .unwrap(),
            ["basic", "tls"]
        );
        let err = fields
            .enum_list("bad", Lookup::Metadata, &allowed)
            .unwrap_err();
        assert_eq!(err.key, "bad");
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        fn cases() -> u32 {
            std::env::var("SWELL_FUZZ_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(2048)
        }

        /// Strings biased towards the characters the parsers care about.
        fn tricky() -> impl Strategy<Value = String> {
            prop_oneof![
                "[0-9.eE+\\-=, a-zµμnsuh]{0,16}",
                any::<String>(),
                "[0-9]{1,25}(ms|s|m|h|ns|us)?",
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(cases()))]

            #[test]
            fn parsers_never_panic(value in tricky()) {
                let _ = parse_bool(&value);
                let _ = parse_float(&value);
                let _ = parse_int(&value);
                let _ = parse_map(&value);
                let _ = parse_list(&value);
                let _ = parse_duration(&value);
                let _ = parse_go_duration(&value);
            }

            #[test]
            fn fields_never_panic(key in "[a-zA-Z]{1,4}", value in tricky(), auth_value in tricky()) {
                let metadata: Metadata = [(key.clone(), value)].into_iter().collect();
                let auth: AuthParams = [(key.clone(), auth_value)].into_iter().collect();
                let fields = Fields::new(&metadata, &auth);
                for lookup in [Lookup::Metadata, Lookup::Auth, Lookup::MetadataThenAuth] {
                    let _ = fields.float(&key, lookup);
                    let _ = fields.int(&key, lookup);
                    let _ = fields.bool(&key, lookup, true);
                    let _ = fields.map(&key, lookup);
                    let _ = fields.duration(&key, lookup);
                    let _ = fields.enum_list(&key, lookup, &["a", "b"]);
                    let _ = crate::trigger::parse_trigger("prometheus", &metadata, &auth);
                    let _ = crate::trigger::parse_trigger("vllm", &metadata, &auth);
                }
            }

            #[test]
            fn integer_milliseconds_round_trip(ms in 0u64..10_000_000_000) {
                prop_assert_eq!(parse_duration(&ms.to_string()), Ok(Duration::from_millis(ms)));
            }

            #[test]
            fn go_durations_compose(h in 0u64..100, m in 0u64..60, s in 0u64..60, ms in 0u64..1000) {
                let text = format!("{h}h{m}m{s}s{ms}ms");
                let expected = Duration::from_millis(((h * 60 + m) * 60 + s) * 1000 + ms);
                prop_assert_eq!(parse_duration(&text), Ok(expected));
            }
        }
    }
}
