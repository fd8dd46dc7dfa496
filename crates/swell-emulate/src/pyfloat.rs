//! Numbers printed the way vLLM's `/metrics` prints them.
//!
//! vLLM exposes metrics through the Python `prometheus_client`, which formats every sample value
//! and `le` bound with Python's `repr(float)` (shortest round-trip digits, always a decimal point:
//! `12.0`, `0.4187`) and then switches to an exponent earlier than Python does for values with
//! more than six integer digits (`1.7561052e+09`, `1e+06`). Scrapers do not care, but diffing a
//! real vLLM scrape against ours does, so both rules are reproduced here.

/// `repr(x)` of a Python float.
pub fn python_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }

    // Rust's `{:e}` gives the shortest round-trip digits, like Python's repr.
    let scientific = format!("{:e}", x.abs());
    let (mantissa, exponent) = scientific.split_once('e').expect("`{:e}` has an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` exponent is an integer");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if x < 0.0 { "-" } else { "" };

    if (-4..16).contains(&exponent) {
        let (int, frac) = if exponent >= 0 {
            let int_len = exponent as usize + 1;
            if digits.len() <= int_len {
                (format!("{digits:0<int_len$}"), "0".to_owned())
            } else {
                (digits[..int_len].to_owned(), digits[int_len..].to_owned())
            }
        } else {
            let zeros = "0".repeat((-exponent - 1) as usize);
            ("0".to_owned(), format!("{zeros}{digits}"))
        };
        format!("{sign}{int}.{frac}")
    } else {
        let (first, rest) = digits.split_at(1);
        let mantissa = if rest.is_empty() {
            first.to_owned()
        } else {
            format!("{first}.{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exponent.abs())
    }
}

/// `prometheus_client`'s `floatToGoString(x)`: the text used for sample values and `le` bounds.
pub fn go_string(x: f64) -> String {
    if x == f64::INFINITY {
        return "+Inf".to_owned();
    }
    if x == f64::NEG_INFINITY {
        return "-Inf".to_owned();
    }
    if x.is_nan() {
        return "NaN".to_owned();
    }
    let repr = python_repr(x);
    match repr.find('.') {
        Some(dot) if x > 0.0 && dot > 6 => {
            let joined = format!("{}.{}{}", &repr[..1], &repr[1..dot], &repr[dot + 1..]);
            let mantissa = joined.trim_end_matches(['0', '.']);
            // The exponent is written as "+0" then the digit count minus one, so 10 digits
            // become "e+010": a quirk of the Python library, reproduced.
            format!("{mantissa}e+0{}", dot - 1)
        }
        _ => repr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_repr_matches_python() {
        let cases = [
            (12.0, "12.0"),
            (0.4187, "0.4187"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e16, "1e+16"),
            (123456789012345.6, "123456789012345.6"),
            (-2.5, "-2.5"),
            (0.0, "0.0"),
            (1756105200.0, "1756105200.0"),
        ];
        for (value, expected) in cases {
            assert_eq!(python_repr(value), expected, "repr({value})");
        }
    }

    #[test]
    fn go_string_switches_to_an_exponent_after_six_integer_digits() {
        let cases = [
            (f64::INFINITY, "+Inf"),
            (12.0, "12.0"),
            (100000.0, "100000.0"),
            (1000000.0, "1e+06"),
            (1756105200.0, "1.7561052e+09"),
            (1756105200.123, "1.756105200123e+09"),
            (12345678901.0, "1.2345678901e+010"),
            (0.001, "0.001"),
            (2560.0, "2560.0"),
        ];
        for (value, expected) in cases {
            assert_eq!(go_string(value), expected, "floatToGoString({value})");
        }
    }
}
