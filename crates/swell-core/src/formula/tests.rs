//! Unit tests for the formula language: the results of the formulas KEDA users write, Go's
//! int/float rules, `nil` handling, and compile errors that point at the right spot.
//!
//! Expected values were checked against expr-lang v1.17.8 with `fuzz/expr-oracle`.

use super::{Formula, FormulaError, MAX_DEPTH};

const NAMES: [&str; 3] = ["a", "b", "c"];

fn eval(source: &str, values: [Option<f64>; 3]) -> Result<Option<f64>, FormulaError> {
    Formula::compile(source, &NAMES)?.evaluate(&values)
}

fn number(source: &str, a: f64, b: f64, c: f64) -> f64 {
    match eval(source, [Some(a), Some(b), Some(c)]) {
        Ok(Some(value)) => value,
        other => panic!("{source}: expected a number, got {other:?}"),
    }
}

fn compile_error(source: &str) -> FormulaError {
    match Formula::compile(source, &NAMES) {
        Ok(_) => panic!("{source}: expected a compile error"),
        Err(e) => e,
    }
}

#[test]
fn formulas_from_keda_users_evaluate_like_expr_lang() {
    let cases: &[(&str, f64)] = &[
        ("(a + b) / 2", 3.5),
        ("a + b * c", 23.0),
        ("max(a, b) / c", 0.8),
        ("max([a, b, c])", 5.0),
        ("min(a, b, c)", 3.0),
        ("a > 2 ? a : 0", 3.0),
        ("a <= 0 ? 0 : a >= 20 ? 4 : 2", 2.0),
        ("a > 1 && b > 1 ? 10 : 1", 10.0),
        ("a > 5 || b > 5 ? 10 : 1", 1.0),
        ("a > 5 or not (b > 5) ? 10 : 1", 10.0),
        ("!(a == 3) ? 1 : 2", 2.0),
        ("if a > 1 { 2 } else { 3 }", 2.0),
        ("sum([a, b, c])", 12.0),
        ("count([a, b, c], {# > 3.5})", 2.0),
        ("int(a) % 2", 1.0),
        ("a ** 2", 9.0),
        ("a ^ 2", 9.0),
        ("2 ** 3 ** 2", 512.0),
        ("-2 ** 2", -4.0),
        ("abs(a - b * 2)", 5.0),
        ("ceil(a / 2)", 2.0),
        ("floor(a / 2)", 1.0),
        ("round(2.5)", 3.0),
        ("round(-2.5)", -3.0),
        ("mean(a, b, c)", 4.0),
        ("median([c, a, b])", 4.0),
        ("[a, b][1]", 4.0),
        ("[a, b, c][-1]", 5.0),
        ("a | max(c)", 5.0),
        ("$env[\"a\"] + 1", 4.0),
        ("1_000 + 0x10", 1016.0),
    ];
    for &(source, expected) in cases {
        assert_eq!(number(source, 3.0, 4.0, 5.0), expected, "{source}");
    }
}

#[test]
fn integers_and_floats_follow_go() {
    // Integer division does not truncate: `/` always gives a float.
    assert_eq!(number("7 / 2", 0.0, 0.0, 0.0), 3.5);
    // Integer arithmetic wraps on overflow like Go's int64.
    assert_eq!(
        number("9223372036854775807 + 1", 0.0, 0.0, 0.0),
        i64::MIN as f64
    );
    // Float division by zero is IEEE 754, not an error.
    assert_eq!(number("a / 0", 1.0, 0.0, 0.0), f64::INFINITY);
    assert!(number("a / b", 0.0, 0.0, 0.0).is_nan());
    // int() truncates toward zero.
    assert_eq!(number("int(a)", -2.7, 0.0, 0.0), -2.0);
}

#[test]
fn integer_modulo_by_zero_is_an_evaluation_error() {
    let err = eval("int(a) % int(b)", [Some(3.0), Some(0.0), Some(0.0)]).unwrap_err();
    assert!(
        matches!(err, FormulaError::Evaluation { offset: 7, .. }),
        "{err:?}"
    );
}

#[test]
fn coalesce_keeps_a_nil_result_and_otherwise_substitutes() {
    assert_eq!(eval("a ?? b", [None, Some(4.0), None]), Ok(Some(4.0)));
    assert_eq!(eval("a ?? b", [Some(1.0), Some(4.0), None]), Ok(Some(1.0)));
    assert_eq!(eval("a ?? b", [None, None, None]), Ok(None));
    assert_eq!(eval("(a ?? 0) + b", [None, Some(2.0), None]), Ok(Some(2.0)));
}

#[test]
fn nil_without_coalesce_is_an_error() {
    assert_eq!(
        eval("a", [None, Some(1.0), Some(1.0)]),
        Err(FormulaError::NilResult)
    );
    let err = eval("a + b", [None, Some(1.0), Some(1.0)]).unwrap_err();
    assert!(
        matches!(err, FormulaError::Evaluation { offset: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn compile_errors_name_the_position_and_what_to_write() {
    let cases: &[(&str, usize, &str)] = &[
        ("a % 2", 2, "int(trigger) % 2"),
        ("a ?? b + 1", 7, "(x ?? y) + z"),
        ("a +", 3, ""),
        ("(a + b", 6, ""),
        ("a + queue", 4, "`a`, `b`, `c`"),
        ("a + true", 2, ""),
        ("1 // note", 2, "/* ... */"),
        ("a > 1", 0, "a > 1 ? 1 : 0"),
    ];
    for &(source, offset, hint) in cases {
        let err = compile_error(source);
        assert_eq!(err.offset(), Some(offset), "{source}: {err}");
        assert!(err.to_string().contains(hint), "{source}: {err}");
    }
}

#[test]
fn unknown_names_list_the_trigger_names() {
    let err = compile_error("queue_len / 2");
    assert!(matches!(&err, FormulaError::UnknownName { name, .. } if name == "queue_len"));
    assert!(err.to_string().contains("$env[\"my-trigger\"]"), "{err}");
}

#[test]
fn a_leading_float_call_lets_a_line_comment_end_the_formula() {
    assert_eq!(number("float(a) // scaled", 3.0, 0.0, 0.0), 3.0);
}

#[test]
fn hyphenated_trigger_names_need_env_lookup() {
    let formula = Formula::compile("$env[\"kv-cache\"] * 2", &["kv-cache"]).unwrap();
    assert_eq!(formula.evaluate(&[Some(0.5)]), Ok(Some(1.0)));
    // Written bare, `kv-cache` is `kv - cache`: two unknown names.
    assert!(matches!(
        Formula::compile("kv-cache * 2", &["kv-cache"]),
        Err(FormulaError::UnknownName { .. })
    ));
}

#[test]
fn duplicate_names_and_wrong_value_counts_are_rejected() {
    assert!(matches!(
        Formula::compile("a", &["a", "a"]),
        Err(FormulaError::DuplicateName { .. })
    ));
    let formula = Formula::compile("a + b", &["a", "b"]).unwrap();
    assert_eq!(
        formula.evaluate(&[Some(1.0)]),
        Err(FormulaError::ValueCount {
            expected: 2,
            got: 1
        })
    );
}

#[test]
fn boolean_and_array_results_are_not_numbers() {
    let err = eval("a > 1 ? true : 0", [Some(2.0), None, None]).unwrap_err();
    assert_eq!(err, FormulaError::NotANumber { kind: "bool" });
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let source = format!("{}a{}", "(".repeat(5000), ")".repeat(5000));
    assert!(matches!(
        compile_error(&source),
        FormulaError::TooDeep { .. }
    ));
}

/// Formulas at the depth limit compile and evaluate on a thread with a 2 MiB stack (tokio's
/// worker size, Rust's default for spawned threads), whatever construct does the nesting.
#[test]
fn formulas_at_the_depth_limit_run_on_a_small_stack() {
    let depth = (MAX_DEPTH - 2) as usize;
    let sources = [
        format!("{}a{}", "(".repeat(depth), ")".repeat(depth)),
        format!("{}a{}", "max(".repeat(depth), ")".repeat(depth)),
        format!("{}a{}", "max([".repeat(depth / 2), "])".repeat(depth / 2)),
        format!("{}a", "-".repeat(depth)),
        format!("{}a", "a > 0 ? a : ".repeat(depth / 2)),
    ];
    for source in sources {
        let outcome = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let formula = Formula::compile(&source, &NAMES);
                // An array is not a number: evaluating may fail, but must return.
                if let Ok(formula) = &formula {
                    let _ = formula.evaluate(&[Some(2.0), None, None]);
                }
                formula.map(|_| ())
            })
            .expect("a thread")
            .join()
            .expect("no stack overflow");
        assert_eq!(outcome, Ok(()), "a formula nested {depth} deep compiles");
    }
}

#[test]
fn referenced_variables_lists_only_used_names() {
    let formula = Formula::compile("c * 2 + a", &NAMES).unwrap();
    assert_eq!(formula.referenced_variables(), vec!["a", "c"]);
}

#[test]
fn printing_gives_a_formula_that_compiles_to_the_same_results() {
    for source in ["a+b*c", "a > 1 ? b : c ?? 0", "max([a,b]) ** 2", "-(a - b)"] {
        let printed = Formula::compile(source, &NAMES).unwrap().to_string();
        for values in [
            [Some(3.0), Some(4.0), Some(5.0)],
            [Some(3.0), Some(4.0), None],
        ] {
            // Error offsets differ between the two spellings; the outcome must not.
            let (ours, theirs) = (eval(&printed, values), eval(source, values));
            assert_eq!(ours.ok(), theirs.ok(), "{source} -> {printed}");
        }
    }
}

#[test]
fn the_admission_test_run_uses_minus_one() {
    let formula = Formula::compile("a * 2", &["a"]).unwrap();
    assert_eq!(formula.run_with_placeholders(), Ok(Some(-2.0)));
}
