//! Fuzzing trigger metadata parsing with proptest: any map of keys and values, for any trigger
//! type, parses to a trigger or to an error naming a key, and never panics. What a parsed
//! trigger is used for next (its URL, metric name, warnings, response parsing) must not panic
//! either, and the single-value parsers (`parse_float`, durations, maps, booleans) are fed
//! arbitrary strings.
//!
//! Keys are drawn mostly from the keys the prometheus, vllm, cpu and memory parsers read, and
//! values mostly from tricky spellings of the values they expect, so that most cases get past
//! the first field. Cases per property come from `SWELL_FUZZ_CASES` (default 256).

#[path = "support/cases.rs"]
mod cases;

use proptest::prelude::*;

use swell_core::metadata::{self, AuthParams, Metadata};
use swell_core::trigger::prometheus::{request, response};
use swell_core::trigger::{TriggerConfig, parse_trigger};

const KEYS: &[&str] = &[
    "serverAddress",
    "query",
    "threshold",
    "activationThreshold",
    "namespace",
    "customHeaders",
    "queryParameters",
    "ignoreNullValues",
    "unsafeSsl",
    "timeout",
    "metricName",
    "cortexOrgID",
    "authModes",
    "authMode",
    "bearerToken",
    "token",
    "username",
    "password",
    "cert",
    "key",
    "ca",
    "customAuthHeader",
    "customAuthValue",
    "apiKey",
    "oauthTokenURI",
    "clientID",
    "clientSecret",
    "scopes",
    "endpointParams",
    "awsRegion",
    "identityOwner",
    "cloud",
    "azureManagedPrometheusResourceURL",
    "credentialsFromEnv",
    "credentialsFromEnvFile",
    "GoogleApplicationCredentials",
    "metric",
    "quantile",
    "aggregation",
    "endpoints",
    "podSelector",
    "port",
    "path",
    "modelName",
    "requireAllEndpoints",
    "value",
    "type",
    "containerName",
    "",
    " ",
    "threshold ",
];

const VALUES: &[&str] = &[
    "",
    " ",
    "0",
    "1",
    "-1",
    "10",
    "0.5",
    "1e3",
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "Inf",
    "+Inf",
    "-inf",
    "0x10",
    "1_000",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "true",
    "false",
    "TRUE",
    "t",
    "F",
    "yes",
    "1s",
    "1.5s",
    "100ms",
    "1h2m3.5s",
    "-1s",
    "0",
    "9999999999h",
    "5",
    "300",
    "2562047h47m16.854775807s",
    "2562047h47m16.854775808s",
    "http://prom:9090",
    "http://prom:9090/",
    "https://[::1]:9090",
    "prom:9090",
    "://",
    "sum(rate(x[1m]))",
    "vllm:num_requests_waiting",
    "{",
    "a=b,c=d",
    "a=b,,=c",
    "=",
    "a==b",
    "basic",
    "bearer,basic",
    "tls",
    "custom",
    "apiKey",
    "oauth",
    "basic,tls,bearer,custom",
    "num_requests_waiting",
    "vllm:num_requests_running",
    "time_to_first_token_seconds",
    "e2e_request_latency_seconds",
    "gpu_cache_usage_perc",
    "kv_cache_usage_perc",
    "generation_tokens_total",
    "sum",
    "avg",
    "max",
    "min",
    "sum,avg",
    "10.0.0.5:8000",
    "10.0.0.5:8000,10.0.0.6:8000",
    "[::1]:8000",
    "host:",
    ":8000",
    "host:99999",
    "app=qwen",
    "/metrics",
    "metrics",
    "65535",
    "65536",
    "0.95",
    "1.5",
    "-0.1",
    "é",
    "\u{0}",
    "a\nb",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(VALUES).prop_map(str::to_string),
        1 => any::<String>(),
        1 => "[ -~]{0,30}",
        1 => (prop::sample::select(VALUES), prop::sample::select(VALUES))
            .prop_map(|(a, b)| format!("{a},{b}")),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(KEYS).prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

fn map() -> impl Strategy<Value = Metadata> {
    prop::collection::btree_map(key(), text(), 0..14)
}

/// A trigger type: mostly the ones swell parses, sometimes any.
fn trigger_type() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(&["prometheus", "vllm", "cpu", "memory"][..])
            .prop_map(str::to_string),
        1 => prop::sample::select(&["kafka", "cron", "Prometheus", ""][..]).prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

/// Uses a parsed trigger the way the rest of swell does.
fn use_trigger(config: &TriggerConfig, now_unix_secs: i64, body: &[u8]) {
    let _ = config.trigger_type();
    let _ = config.threshold();
    let _ = config.activation_threshold();
    let _ = config.metric_name(7);
    for warning in config.warnings() {
        assert!(!warning.message.is_empty(), "a warning without a message");
    }
    let _ = format!("{config:?}");
    match config {
        TriggerConfig::Prometheus(p) => {
            let _ = request::query_url(p, now_unix_secs);
            let _ = p.timeout();
            let _ = p.auth.header();
            let _ = p.auth.effective_ca();
            let _ = p.auth.client_identity();
            let _ = response::interpret(200, body, &p.query, p.ignore_null_values);
        }
        TriggerConfig::Vllm(v) => {
            let _ = v.timeout();
            let _ = v.metric.family();
            let _ = v.metric.families();
        }
        TriggerConfig::Resource(_) | TriggerConfig::Unsupported { .. } => {}
    }
}

/// Prometheus answers, well-formed and not.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let sample = prop_oneof![
        Just("\"1\"".to_string()),
        Just("\"NaN\"".to_string()),
        Just("\"+Inf\"".to_string()),
        Just("\"1e400\"".to_string()),
        Just("null".to_string()),
        Just("1".to_string()),
        "\"[ -~]{0,8}\"".prop_map(|s| s),
    ];
    let vector = prop::collection::vec(sample.clone(), 0..3).prop_map(|samples| {
        let results: Vec<String> = samples
            .iter()
            .map(|s| format!("{{\"metric\":{{}},\"value\":[1700000000.5,{s}]}}"))
            .collect();
        format!(
            "{{\"status\":\"success\",\"data\":{{\"resultType\":\"vector\",\"result\":[{}]}}}}",
            results.join(",")
        )
    });
    prop_oneof![
        4 => vector.prop_map(String::into_bytes),
        1 => sample.prop_map(|s| format!(
            "{{\"status\":\"success\",\"data\":{{\"resultType\":\"scalar\",\"result\":[1,{s}]}}}}"
        ).into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

proptest! {
    #![proptest_config(cases::config())]

    #[test]
    fn any_metadata_parses_or_names_a_key(
        trigger_type in trigger_type(),
        metadata in map(),
        auth in map(),
        now in any::<i64>(),
        body in body(),
    ) {
        let auth: AuthParams = auth;
        match parse_trigger(&trigger_type, &metadata, &auth) {
            Ok(config) => use_trigger(&config, now, &body),
            Err(error) => {
                prop_assert!(!error.to_string().is_empty(), "an error without a message");
            }
        }
    }

    #[test]
    fn single_value_parsers_never_panic(value in text()) {
        let _ = metadata::parse_bool(&value);
        let _ = metadata::parse_float(&value);
        let _ = metadata::parse_int(&value);
        let _ = metadata::parse_map(&value);
        let _ = metadata::parse_list(&value);
        let _ = metadata::parse_duration(&value);
        let _ = metadata::parse_go_duration(&value);
        let _ = response::parse_go_float(&value);
        let _ = request::query_escape(&value);
    }

    #[test]
    fn any_response_is_interpreted_without_panic(
        status in prop_oneof![Just(200u16), Just(400u16), Just(503u16), any::<u16>()],
        body in body(),
        ignore_null in any::<bool>(),
    ) {
        let _ = response::interpret(status, &body, "q", ignore_null);
    }

    #[test]
    fn any_time_formats_as_rfc3339(now in any::<i64>()) {
        let _ = request::rfc3339_utc(now);
    }
}
