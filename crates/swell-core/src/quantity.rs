//! How numbers cross the KEDA → HPA boundary: Kubernetes quantities in milli-units.
//!
//! The HPA never sees a float. KEDA formats each metric value and each threshold as a quantity
//! with three decimals, and the HPA controller turns every quantity into an integer number of
//! milli-units before it divides anything. Reproducing those roundings exactly is what makes
//! swell's replica counts match the real stack at the boundaries (for example a threshold of
//! `0.0625` becomes 62 milli-units, not 62.5).

/// A metric value or threshold as KEDA hands it to the HPA: formatted with three decimals
/// (round-half-to-even on the exact binary value, as Go's `%.3f` does), negative values,
/// NaN and infinities replaced by 0, then read back as milli-units.
pub fn value_to_milli(value: f64) -> i64 {
    // KEDA quirk: the exposed value is clamped to >= 0 and NaN/Inf become 0.
    if !value.is_finite() || value <= 0.0 {
        return 0;
    }
    let scaled = value * 1000.0;
    if scaled >= i64::MAX as f64 {
        return i64::MAX;
    }
    // Fast path: far from a rounding tie, rounding the product gives the same digits as
    // formatting. Near a tie the product's own rounding error could decide the wrong way, so
    // format the exact binary value instead.
    let fraction = scaled - scaled.trunc();
    if (fraction - 0.5).abs() > 1e-6 {
        return scaled.round() as i64;
    }
    formatted_milli(value)
}

/// Formats `value` with three decimals and parses the digits as an integer of milli-units.
fn formatted_milli(value: f64) -> i64 {
    let text = format!("{value:.3}");
    let digits: String = text.chars().filter(|c| *c != '.').collect();
    digits.parse::<i64>().unwrap_or(i64::MAX)
}

/// The composite metric of `scalingModifiers`: KEDA stores `int64(value * 1000)`, truncating
/// toward zero (a KEDA quirk: no rounding, unlike plain metric values).
///
/// Go leaves the conversion of NaN and out-of-range floats undefined; swell maps NaN to 0 and
/// saturates infinities, and negative results stay negative as in KEDA.
pub fn truncated_milli(value: f64) -> i64 {
    if value.is_nan() {
        return 0;
    }
    let scaled = value * 1000.0;
    if scaled >= i64::MAX as f64 {
        i64::MAX
    } else if scaled <= i64::MIN as f64 {
        i64::MIN
    } else {
        scaled.trunc() as i64
    }
}

/// Milli-units back to a plain number, for display.
pub fn milli_to_f64(milli: i64) -> f64 {
    milli as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_to_three_decimals_like_go_printf() {
        let cases = [
            (7.5, 7500),
            (0.0625, 62), // an exact tie rounds to even
            (0.0635, 64),
            (1.0005, 1000), // 1.0005 is stored slightly below the tie
            (123.4565, 123457),
            (0.00025, 0),
            (2.0, 2000),
            (1e-9, 0),
        ];
        for (value, milli) in cases {
            assert_eq!(value_to_milli(value), milli, "value {value}");
        }
    }

    #[test]
    fn negative_nan_and_infinite_values_reach_the_hpa_as_zero() {
        for value in [-1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0] {
            assert_eq!(value_to_milli(value), 0, "value {value}");
        }
    }

    #[test]
    fn huge_values_saturate() {
        assert_eq!(value_to_milli(1e300), i64::MAX);
        assert_eq!(truncated_milli(f64::INFINITY), i64::MAX);
        assert_eq!(truncated_milli(f64::NEG_INFINITY), i64::MIN);
    }

    #[test]
    fn composite_values_truncate_toward_zero() {
        assert_eq!(truncated_milli(2.9999), 2999);
        assert_eq!(truncated_milli(-1.5), -1500);
        assert_eq!(truncated_milli(f64::NAN), 0);
    }

    #[test]
    fn fast_path_agrees_with_formatting_on_many_values() {
        let mut value = 0.000_123_f64;
        while value < 1e7 {
            assert_eq!(
                value_to_milli(value),
                formatted_milli(value),
                "value {value}"
            );
            value = value * 1.000_37 + 0.000_001;
        }
    }
}
