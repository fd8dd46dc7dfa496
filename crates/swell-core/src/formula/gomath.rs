//! `x ** y` computed the way Go's `math.Pow` computes it, which is what expr-lang calls.
//!
//! Go does not call the C library: it handles the IEEE special cases itself, multiplies out the
//! integer part of `y` by repeated squaring on the mantissa, and only uses `exp(f * ln x)` for
//! the fractional part. Following the same steps gives bit-identical results for integer
//! exponents (the common `x ** 2`) and for `** 0.5`.
//!
//! TODO: Go's `Exp` and `Log` are amd64 assembly with their own rounding; we use Rust's, so for
//! exponents with a fractional part other than ±0.5 the result can differ from KEDA's in the
//! last bit or two.

/// Go's `math.Pow(x, y)`.
pub(super) fn pow(x: f64, y: f64) -> f64 {
    if y == 0.0 || x == 1.0 {
        return 1.0;
    }
    if y == 1.0 {
        return x;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 {
        let odd = x.is_sign_negative() && is_odd_int(y);
        return match (y < 0.0, odd) {
            (true, true) => f64::NEG_INFINITY,
            (true, false) => f64::INFINITY,
            (false, true) => x,
            (false, false) => 0.0,
        };
    }
    if y.is_infinite() {
        return if x == -1.0 {
            1.0
        } else if (x.abs() < 1.0) == (y > 0.0) {
            0.0
        } else {
            f64::INFINITY
        };
    }
    if x.is_infinite() {
        if x < 0.0 {
            return pow(1.0 / x, -y);
        }
        return if y < 0.0 { 0.0 } else { f64::INFINITY };
    }
    if y == 0.5 {
        return x.sqrt();
    }
    if y == -0.5 {
        return 1.0 / x.sqrt();
    }

    let mut yi = y.abs().trunc();
    let mut yf = y.abs() - yi;
    if yf != 0.0 && x < 0.0 {
        return f64::NAN;
    }
    if yi >= 9_223_372_036_854_775_808.0 {
        // A huge even exponent: overflow or underflow for every x but -1.
        return if x == -1.0 {
            1.0
        } else if (x.abs() < 1.0) == (y > 0.0) {
            0.0
        } else {
            f64::INFINITY
        };
    }

    // The answer is a1 * 2^ae.
    let mut a1 = 1.0;
    let mut ae: i64 = 0;
    if yf != 0.0 {
        if yf > 0.5 {
            yf -= 1.0;
            yi += 1.0;
        }
        a1 = (yf * x.ln()).exp();
    }

    // Multiply in x^yi by squaring the mantissa and tracking the exponent separately.
    let (mut x1, mut xe) = frexp(x);
    let mut i = yi as i64;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            // The exponent already overflows a float; ldexp below saturates.
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }

    if y < 0.0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    ldexp(a1, ae)
}

fn is_odd_int(x: f64) -> bool {
    if x.abs() >= (1u64 << 53) as f64 {
        return false;
    }
    x.fract() == 0.0 && (x.trunc() as i64) & 1 == 1
}

const SHIFT: u32 = 52;
const MASK: u64 = 0x7ff;
const BIAS: i64 = 1023;

/// Scales subnormals up so their exponent bits are meaningful.
fn normalize(x: f64) -> (f64, i64) {
    if x.abs() < f64::MIN_POSITIVE {
        (x * (1u64 << 52) as f64, -52)
    } else {
        (x, 0)
    }
}

/// Splits `f` into a mantissa in [0.5, 1) and a power of two.
fn frexp(f: f64) -> (f64, i64) {
    if f == 0.0 || !f.is_finite() {
        return (f, 0);
    }
    let (f, mut exp) = normalize(f);
    let mut bits = f.to_bits();
    exp += ((bits >> SHIFT) & MASK) as i64 - BIAS + 1;
    bits &= !(MASK << SHIFT);
    bits |= ((BIAS - 1) as u64) << SHIFT;
    (f64::from_bits(bits), exp)
}

/// `frac * 2^exp`, rounding once when the result is subnormal, as Go does.
fn ldexp(frac: f64, exp: i64) -> f64 {
    if frac == 0.0 || !frac.is_finite() {
        return frac;
    }
    let (frac, e) = normalize(frac);
    let mut bits = frac.to_bits();
    let mut exp = exp + e + ((bits >> SHIFT) & MASK) as i64 - BIAS;
    if exp < -1075 {
        return 0.0_f64.copysign(frac);
    }
    if exp > 1023 {
        return if frac < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let mut scale = 1.0;
    if exp < -1022 {
        exp += 53;
        scale = 1.0 / (1u64 << 53) as f64;
    }
    bits &= !(MASK << SHIFT);
    bits |= ((exp + BIAS) as u64) << SHIFT;
    scale * f64::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::pow;

    #[test]
    fn pow_follows_go_special_cases() {
        let cases = [
            (2.0, 3.0, 8.0),
            (-2.0, 3.0, -8.0),
            (2.0, -1.0, 0.5),
            (0.0, -1.0, f64::INFINITY),
            (-0.0, -3.0, f64::NEG_INFINITY),
            (-1.0, f64::INFINITY, 1.0),
            (0.5, f64::INFINITY, 0.0),
            (f64::NEG_INFINITY, 3.0, f64::NEG_INFINITY),
            (4.0, 0.5, 2.0),
            (10.0, 400.0, f64::INFINITY),
            (10.0, -400.0, 0.0),
        ];
        for (x, y, want) in cases {
            assert_eq!(pow(x, y), want, "pow({x}, {y})");
        }
        assert!(pow(-8.0, 1.0 / 3.0).is_nan());
        assert!(pow(f64::NAN, 2.0).is_nan());
    }

    #[test]
    fn pow_with_integer_exponent_matches_repeated_multiplication() {
        for x in [1.1_f64, 3.7, 123.456, 1e-3] {
            assert_eq!(pow(x, 2.0), x * x, "x = {x}");
        }
    }
}
