//! Fuzzing the formula compiler and evaluator with proptest: whatever the input, compiling and
//! evaluating return a value or an error and never panic, overflow the stack or run away.
//!
//! Three kinds of input: arbitrary bytes (as lossy UTF-8), soups of formula tokens (mostly
//! almost-valid formulas), and formulas generated from the grammar (mostly valid, deeply
//! nested). Compiled formulas are evaluated with awkward values (nil, NaN, infinities, -0,
//! huge numbers), printed, and the printed form must compile and give the same outcome.
//!
//! Cases per property come from `SWELL_FUZZ_CASES` (default 256, enough for CI); a long local
//! run is e.g. `SWELL_FUZZ_CASES=2000000 cargo test -p swell-core --test fuzz_formula`. Run it
//! in the debug profile so integer overflow panics.

#[path = "support/cases.rs"]
mod cases;

use proptest::prelude::*;

use swell_core::formula::Formula;

const NAMES: [&str; 4] = ["a", "b", "queue", "kv-cache"];

/// Trigger values that stress the evaluator.
fn value() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        Just(None),
        Just(Some(f64::NAN)),
        Just(Some(f64::INFINITY)),
        Just(Some(f64::NEG_INFINITY)),
        Just(Some(-0.0)),
        Just(Some(0.0)),
        Just(Some(9.223_372_036_854_776e18)),
        Just(Some(-9.223_372_036_854_776e18)),
        Just(Some(f64::MAX)),
        Just(Some(f64::MIN_POSITIVE)),
        (-100.0f64..100.0).prop_map(Some),
        any::<f64>().prop_map(Some),
        (-5i32..20).prop_map(|i| Some(f64::from(i))),
    ]
}

fn values() -> impl Strategy<Value = Vec<Option<f64>>> {
    prop::collection::vec(value(), NAMES.len())
}

/// Compiles and evaluates `source`; when it compiles, its printed form must compile too and
/// agree on every input (a result, nil, or an error).
fn exercise(source: &str, inputs: &[Vec<Option<f64>>]) -> Result<(), TestCaseError> {
    let Ok(formula) = Formula::compile(source, &NAMES) else {
        return Ok(());
    };
    let printed = formula.to_string();
    let reprinted = Formula::compile(&printed, &NAMES).map_err(|e| {
        TestCaseError::fail(format!(
            "{source:?} printed as {printed:?}, which fails: {e}"
        ))
    })?;
    let _ = formula.run_with_placeholders();
    let _ = formula.referenced_variables();
    for input in inputs {
        let ours = formula.evaluate(input);
        let again = reprinted.evaluate(input);
        let same = match (&ours, &again) {
            (Ok(Some(x)), Ok(Some(y))) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
            (Ok(None), Ok(None)) | (Err(_), Err(_)) => true,
            _ => false,
        };
        prop_assert!(
            same,
            "{source:?} gives {ours:?} but printed {printed:?} gives {again:?} for {input:?}"
        );
    }
    Ok(())
}

/// Pieces formulas are made of, glued at random.
const TOKENS: &[&str] = &[
    "a",
    "b",
    "queue",
    "$env",
    "[\"kv-cache\"]",
    "#",
    "#index",
    "0",
    "1",
    "2.5",
    ".5",
    "1e3",
    "1e309",
    "0x1F",
    "0b2",
    "1_0",
    "9223372036854775807",
    "9223372036854775808",
    "nil",
    "true",
    "false",
    "+",
    "-",
    "*",
    "/",
    "%",
    "**",
    "^",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "&&",
    "||",
    "and",
    "or",
    "not",
    "!",
    "?",
    ":",
    "?:",
    "??",
    "in",
    "|",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    "..",
    "?.",
    "let",
    "=",
    ";",
    "if",
    "else",
    "max",
    "min",
    "abs",
    "ceil",
    "floor",
    "round",
    "int",
    "float",
    "len",
    "sum",
    "mean",
    "median",
    "count",
    "all",
    "any",
    "none",
    "one",
    "filter",
    "map",
    "find",
    "findIndex",
    "findLast",
    "findLastIndex",
    "first",
    "last",
    "\"s\"",
    "'x'",
    "\"\\q\"",
    "`raw`",
    "//",
    "/*",
    "*/",
    "\n",
    " ",
    "é",
    "\u{0}",
    "\\",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|tokens| {
        let mut out = String::new();
        for token in tokens {
            out.push_str(token);
            out.push(' ');
        }
        out
    })
}

/// A formula from the grammar: numbers, names, operators, conditionals, calls, arrays,
/// predicates, with `#` available inside predicate bodies.
fn grammar() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        prop::sample::select(&["a", "b", "queue", "$env[\"kv-cache\"]", "nil", "true", "#"][..])
            .prop_map(str::to_string),
        any::<i64>().prop_map(|i| i.to_string()),
        (0u32..1000).prop_map(|i| i.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:?}")),
        prop::sample::select(&["0.5", "1e-3", "2.", ".25", "1_000", "0x10", "0o17", "0b101"][..])
            .prop_map(str::to_string),
    ];
    leaf.prop_recursive(8, 128, 4, |inner| {
        let op = prop::sample::select(
            &[
                "+", "-", "*", "/", "%", "**", "^", "==", "!=", "<", "<=", ">", ">=", "&&", "||",
                "and", "or", "??", "in",
            ][..],
        );
        let unary = prop::sample::select(&["-", "+", "!", "not "][..]);
        let function = prop::sample::select(
            &[
                "max", "min", "abs", "ceil", "floor", "round", "int", "float", "len", "sum",
                "mean", "median", "first", "last",
            ][..],
        );
        let predicate = prop::sample::select(
            &[
                "all",
                "any",
                "none",
                "one",
                "count",
                "sum",
                "filter",
                "map",
                "find",
                "findIndex",
                "findLast",
                "findLastIndex",
            ][..],
        );
        prop_oneof![
            (inner.clone(), op.clone(), inner.clone())
                .prop_map(|(l, op, r)| format!("({l} {op} {r})")),
            (inner.clone(), op, inner.clone()).prop_map(|(l, op, r)| format!("{l} {op} {r}")),
            (unary, inner.clone()).prop_map(|(u, e)| format!("{u}{e}")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, t, e)| format!("{c} ? {t} : {e}")),
            (inner.clone(), inner.clone()).prop_map(|(c, e)| format!("{c} ?: {e}")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, t, e)| format!("if {c} {{ {t} }} else {{ {e} }}")),
            (function, prop::collection::vec(inner.clone(), 0..4))
                .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(", "))),
            (prop::collection::vec(inner.clone(), 0..4), inner.clone())
                .prop_map(|(items, i)| format!("[{}][{i}]", items.join(", "))),
            (
                predicate,
                prop::collection::vec(inner.clone(), 0..4),
                inner.clone()
            )
                .prop_map(|(f, items, body)| format!("{f}([{}], {{{body}}})", items.join(", "))),
            (
                inner.clone(),
                prop::sample::select(&["max", "min", "mean"][..]),
                inner
            )
                .prop_map(|(x, f, y)| format!("{x} | {f}({y})")),
        ]
    })
}

proptest! {
    #![proptest_config(cases::config())]

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        inputs in prop::collection::vec(values(), 1..3),
    ) {
        exercise(&String::from_utf8_lossy(&bytes), &inputs)?;
    }

    #[test]
    fn arbitrary_strings_never_panic(
        source in any::<String>(),
        inputs in prop::collection::vec(values(), 1..3),
    ) {
        exercise(&source, &inputs)?;
    }

    #[test]
    fn token_soups_never_panic(
        source in token_soup(),
        inputs in prop::collection::vec(values(), 1..3),
    ) {
        exercise(&source, &inputs)?;
    }

    #[test]
    fn grammar_formulas_never_panic(
        source in grammar(),
        inputs in prop::collection::vec(values(), 1..4),
    ) {
        exercise(&source, &inputs)?;
    }
}

/// Inputs that are hard for a recursive-descent parser, checked every run.
#[test]
fn pathological_nesting_is_rejected_without_overflow() {
    let deep = [
        format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000)),
        "-".repeat(100_000) + "a",
        "!".repeat(100_000) + "true",
        format!("{}a", "[".repeat(100_000)),
        "a ** ".repeat(50_000) + "a",
        "a ? a : ".repeat(50_000) + "a",
        "max(".repeat(50_000) + "a",
        "a + ".repeat(100_000) + "a",
    ];
    for (i, source) in deep.into_iter().enumerate() {
        eprintln!("case {i}");
        assert!(
            Formula::compile(&source, &NAMES).is_err(),
            "{}... compiled",
            &source[..20]
        );
    }
}
