//! Table-driven tests of KEDA's response interpretation, plus a never-panics property.

use proptest::prelude::*;

use super::*;

const Q: &str = "sum(up)";

fn vector(samples: &[&str]) -> String {
    let result: Vec<String> = samples
        .iter()
        .map(|s| format!(r#"{{"metric":{{}},"value":[1700000000.123,{s}]}}"#))
        .collect();
    format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
        result.join(",")
    )
}

#[test]
fn follows_keda_order_and_outcomes() {
    enum Want {
        Value(f64),
        Err(fn(&ResponseError) -> bool),
    }
    let one = vector(&[r#""7.5""#]);
    let two = vector(&[r#""1""#, r#""2""#]);
    let empty = vector(&[]);
    let cases: Vec<(&str, u16, String, bool, Want)> = vec![
        ("one series", 200, one.clone(), true, Want::Value(7.5)),
        (
            "negative passes through",
            200,
            vector(&[r#""-3""#]),
            true,
            Want::Value(-3.0),
        ),
        (
            "exponent",
            200,
            vector(&[r#""1e3""#]),
            true,
            Want::Value(1000.0),
        ),
        (
            "status first, even with a valid body",
            500,
            one.clone(),
            true,
            Want::Err(|e| matches!(e, ResponseError::Status { status: 500, .. })),
        ),
        ("204 is success", 204, one.clone(), true, Want::Value(7.5)),
        (
            "invalid JSON",
            200,
            "not json".into(),
            true,
            Want::Err(|e| matches!(e, ResponseError::Decode(_))),
        ),
        (
            "scalar result",
            200,
            r#"{"data":{"resultType":"scalar","result":[1,"5"]}}"#.into(),
            true,
            Want::Err(|e| matches!(e, ResponseError::Decode(_))),
        ),
        ("empty object", 200, "{}".into(), true, Want::Value(0.0)),
        (
            "empty object, strict",
            200,
            "{}".into(),
            false,
            Want::Err(|e| matches!(e, ResponseError::Empty { .. })),
        ),
        ("empty result", 200, empty.clone(), true, Want::Value(0.0)),
        (
            "empty result, strict",
            200,
            empty,
            false,
            Want::Err(|e| matches!(e, ResponseError::Empty { .. })),
        ),
        (
            "two series, lenient",
            200,
            two.clone(),
            true,
            Want::Err(|e| matches!(e, ResponseError::Multiple { count: 2, .. })),
        ),
        (
            "two series, strict",
            200,
            two,
            false,
            Want::Err(|e| matches!(e, ResponseError::Multiple { count: 2, .. })),
        ),
        (
            "matrix values",
            200,
            r#"{"data":{"result":[{"metric":{},"values":[[1,"2"]]}]}}"#.into(),
            true,
            Want::Value(0.0),
        ),
        (
            "matrix values, strict",
            200,
            r#"{"data":{"result":[{"values":[[1,"2"]]}]}}"#.into(),
            false,
            Want::Err(|e| matches!(e, ResponseError::EmptyValue { .. })),
        ),
        (
            "one-element value",
            200,
            r#"{"data":{"result":[{"value":[1]}]}}"#.into(),
            true,
            Want::Err(|e| matches!(e, ResponseError::ShortValue { .. })),
        ),
        (
            "null sample is -1",
            200,
            vector(&["null"]),
            false,
            Want::Value(-1.0),
        ),
        (
            "numeric sample",
            200,
            vector(&["5"]),
            true,
            Want::Err(|e| matches!(e, ResponseError::NotANumber { .. })),
        ),
        (
            "garbage sample",
            200,
            vector(&[r#""five""#]),
            true,
            Want::Err(|e| matches!(e, ResponseError::NotANumber { .. })),
        ),
        (
            "NaN lenient",
            200,
            vector(&[r#""NaN""#]),
            true,
            Want::Value(0.0),
        ),
        (
            "+Inf lenient",
            200,
            vector(&[r#""+Inf""#]),
            true,
            Want::Value(0.0),
        ),
        (
            "NaN strict",
            200,
            vector(&[r#""NaN""#]),
            false,
            Want::Err(|e| matches!(e, ResponseError::NonFinite { .. })),
        ),
        (
            "-Inf strict",
            200,
            vector(&[r#""-Inf""#]),
            false,
            Want::Err(|e| matches!(e, ResponseError::NonFinite { .. })),
        ),
        (
            "case-insensitive keys",
            200,
            r#"{"Data":{"Result":[{"Value":[1,"4"]}]}}"#.into(),
            true,
            Want::Value(4.0),
        ),
        (
            "wrong type for status",
            200,
            r#"{"status":1,"data":{}}"#.into(),
            true,
            Want::Err(|e| matches!(e, ResponseError::Decode(_))),
        ),
        (
            "null data",
            200,
            r#"{"data":null}"#.into(),
            false,
            Want::Err(|e| matches!(e, ResponseError::Empty { .. })),
        ),
    ];
    for (name, status, body, ignore_null, want) in cases {
        let got = interpret(status, body.as_bytes(), Q, ignore_null);
        match (want, &got) {
            (Want::Value(v), Ok(g)) => assert_eq!(*g, v, "{name}"),
            (Want::Err(check), Err(e)) => assert!(check(e), "{name}: unexpected error {e}"),
            (_, other) => panic!("{name}: unexpected outcome {other:?}"),
        }
    }
}

#[test]
fn error_messages_tell_the_user_what_to_do() {
    let err = interpret(200, vector(&[r#""1""#, r#""2""#]).as_bytes(), Q, true).unwrap_err();
    assert!(err.to_string().contains("sum(sum(up))"), "{err}");
    let body = br#"{"status":"error","errorType":"bad_data","error":"parse error at char 4"}"#;
    let err = interpret(400, body, Q, true).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Prometheus answered HTTP 400: parse error at char 4"
    );
}

#[test]
fn go_float_parsing() {
    for (input, expected) in [
        ("1", Some(1.0)),
        ("-0.25", Some(-0.25)),
        (".5", Some(0.5)),
        ("1E2", Some(100.0)),
        ("+Inf", Some(f64::INFINITY)),
        ("-inf", Some(f64::NEG_INFINITY)),
        ("Infinity", Some(f64::INFINITY)),
        ("1e999", None),
        ("1_000", None),
        ("", None),
        ("abc", None),
    ] {
        assert_eq!(parse_go_float(input), expected, "input {input:?}");
    }
    assert!(parse_go_float("NaN").unwrap().is_nan());
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        prop_oneof![
            Just("NaN".to_string()),
            Just("+Inf".to_string()),
            "[0-9.e+-]{0,8}",
            ".{0,6}"
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        let keys = prop_oneof![
            Just("status".to_string()),
            Just("data".to_string()),
            Just("result".to_string()),
            Just("value".to_string()),
            Just("metric".to_string()),
            Just("DATA".to_string()),
            "[a-z]{1,4}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(keys, inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("SWELL_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2048)
    ))]

    #[test]
    fn never_panics_on_structured_json(value in json_value(), status in 100u16..600, lenient: bool) {
        let body = serde_json::to_vec(&value).unwrap();
        let _ = interpret(status, &body, Q, lenient);
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..256), lenient: bool) {
        let _ = interpret(200, &body, Q, lenient);
    }

    #[test]
    fn single_finite_samples_round_trip(v in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let body = vector(&[&format!("\"{v}\"")]);
        prop_assert_eq!(interpret(200, body.as_bytes(), Q, false).unwrap(), v);
    }
}
