//! Tests of the exposition parser: vLLM pages, edge cases, fuzzing and a round trip through
//! prometheus-client's encoder.

use proptest::prelude::*;

use super::*;

const VLLM_PAGE: &str = r#"# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="qwen"} 12.0
# HELP vllm:num_preemptions_total Cumulative number of preemption from the engine.
# TYPE vllm:num_preemptions_total counter
vllm:num_preemptions_total{engine="0",model_name="qwen"} 2.0
vllm:num_preemptions_created{engine="0",model_name="qwen"} 1.7561052e+09
# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.04",model_name="qwen"} 18.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="qwen"} 132.0
vllm:time_to_first_token_seconds_count{engine="0",model_name="qwen"} 132.0
vllm:time_to_first_token_seconds_sum{engine="0",model_name="qwen"} 9.87
vllm:time_to_first_token_seconds_created{engine="0",model_name="qwen"} 1.7561052e+09
process_open_fds 42 1700000000000
"#;

#[test]
fn vllm_families_keep_their_colon_names_and_group_by_suffix() {
    let page = parse(VLLM_PAGE).unwrap();
    let names: Vec<&str> = page.families.iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [
            "vllm:num_requests_running",
            "vllm:num_preemptions_total",
            "vllm:time_to_first_token_seconds",
            "process_open_fds"
        ]
    );

    let running = page.family("vllm:num_requests_running").unwrap();
    assert_eq!(running.metric_type, MetricType::Gauge);
    assert_eq!(running.samples[0].value, 12.0);
    assert!(
        running.samples[0]
            .labels
            .get("model_name")
            .unwrap()
            .is("qwen")
    );

    let preemptions = page.family("vllm:num_preemptions_total").unwrap();
    assert_eq!(
        preemptions.samples.len(),
        2,
        "the _created sample joins the _total family"
    );

    let ttft = page.family("vllm:time_to_first_token_seconds").unwrap();
    assert_eq!(ttft.metric_type, MetricType::Histogram);
    assert_eq!(ttft.samples_with_suffix("_bucket").count(), 2);
    assert_eq!(ttft.samples_with_suffix("_sum").next().unwrap().value, 9.87);
    assert_eq!(
        ttft.help_text().unwrap(),
        "Histogram of time to first token in seconds."
    );

    let fds = page.family("process_open_fds").unwrap();
    assert_eq!(fds.metric_type, MetricType::Untyped);
    assert_eq!(fds.samples[0].timestamp, Some(1_700_000_000_000.0));
}

#[test]
fn label_escapes_are_resolved_on_read() {
    let page = parse(r#"m{path="C:\\dir",quote="say \"hi\"",nl="a\nb",} 1"#).unwrap();
    let labels = page.families[0].samples[0].labels;
    assert_eq!(labels.get("path").unwrap().unescaped(), "C:\\dir");
    assert_eq!(labels.get("quote").unwrap().unescaped(), "say \"hi\"");
    assert_eq!(labels.get("nl").unwrap().unescaped(), "a\nb");
    assert_eq!(labels.iter().count(), 3);
    assert!(labels.get("quote").unwrap().is("say \"hi\""));
}

#[test]
fn special_values_timestamps_and_openmetrics_extras() {
    let text = "# TYPE a gauge\n# UNIT a seconds\na NaN\nb +Inf 123\nc -Inf\n\
                d_total{x=\"1\"} 5 1.5 # {trace_id=\"abc\"} 1.0 1.2\n# EOF\nthis is ignored\n";
    let page = parse(text).unwrap();
    let values: Vec<f64> = page.samples().map(|s| s.value).collect();
    assert!(values[0].is_nan());
    assert_eq!(&values[1..], [f64::INFINITY, f64::NEG_INFINITY, 5.0]);
    assert_eq!(page.family("a").unwrap().unit, Some("seconds"));
    assert_eq!(
        page.family("d_total").unwrap().samples[0].timestamp,
        Some(1.5)
    );
    assert_eq!(page.families.len(), 4, "nothing after # EOF is read");
}

#[test]
fn crlf_blank_lines_and_plain_comments_are_tolerated() {
    let page = parse("# just a comment\r\n\r\n#no-space comment\r\nm{a=\"b\"} 1\r\n").unwrap();
    assert_eq!(page.samples().count(), 1);
}

#[test]
fn malformed_lines_are_errors_with_line_numbers() {
    for (text, line, fragment) in [
        ("ok 1\n9bad 1", 2, "metric name"),
        ("m{a=\"b\" 1", 1, "expected `,`"),
        ("m{a=\"b} 1", 1, "unterminated"),
        ("m{a=b} 1", 1, "quoted"),
        ("m{1a=\"b\"} 1", 1, "label name"),
        ("m{a=\"\\x\"} 1", 1, "escape"),
        ("m", 1, "no value"),
        ("m abc", 1, "invalid value"),
        ("m 1 2 3", 1, "after the timestamp"),
        ("m 1 ts", 1, "timestamp"),
        ("# TYPE m bogus", 1, "unknown metric type"),
        ("# TYPE 1m gauge", 1, "metric name"),
        ("<html>", 1, "metric name"),
    ] {
        let err = parse(text).unwrap_err();
        assert_eq!(err.line, line, "{text:?}: {err}");
        assert!(err.message.contains(fragment), "{text:?}: {err}");
    }
}

#[test]
fn samples_split_from_their_family_rejoin_it() {
    let page = parse("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nother 3\nh_count 1\n").unwrap();
    assert_eq!(page.family("h").unwrap().samples.len(), 2);
}

fn cases() -> u32 {
    std::env::var("SWELL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024)
}

/// Lines built from the format's own tokens, so the fuzzer reaches deep parser states.
fn line_strategy() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("# TYPE ".to_string()),
        Just("# HELP ".to_string()),
        Just("# EOF".to_string()),
        Just("vllm:m".to_string()),
        Just("_bucket".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("le=\"".to_string()),
        Just("\"".to_string()),
        Just("\\".to_string()),
        Just(",".to_string()),
        Just(" ".to_string()),
        Just("=".to_string()),
        Just("#".to_string()),
        Just("NaN".to_string()),
        Just("+Inf".to_string()),
        Just("histogram".to_string()),
        "[0-9.e+-]{1,6}",
        ".{0,3}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = parse(&text);
    }

    #[test]
    fn never_panics_on_token_soup(lines in prop::collection::vec(line_strategy(), 0..16)) {
        let text = lines.join("\n");
        if let Ok(page) = parse(&text) {
            for sample in page.samples() {
                for (_, value) in sample.labels.iter() {
                    let _ = value.unescaped();
                }
            }
        }
    }

    #[test]
    fn round_trips_prometheus_client_output(
        gauges in prop::collection::vec((any::<i64>(), "\\PC{0,12}"), 1..5),
        observations in prop::collection::vec(0.0f64..100.0, 0..20),
        counter in 0u64..1_000_000,
    ) {
        use prometheus_client::encoding::text::encode;
        use prometheus_client::metrics::counter::Counter;
        use prometheus_client::metrics::family::Family as ClientFamily;
        use prometheus_client::metrics::gauge::Gauge;
        use prometheus_client::metrics::histogram::Histogram;
        use prometheus_client::registry::Registry;

        let mut registry = Registry::default();
        let gauge_family = ClientFamily::<Vec<(String, String)>, Gauge>::default();
        registry.register("vllm:num_requests_running", "running", gauge_family.clone());
        for (value, model) in &gauges {
            gauge_family.get_or_create(&vec![("model_name".to_string(), model.clone())]).set(*value);
        }
        let requests = Counter::<u64>::default();
        requests.inc_by(counter);
        registry.register("vllm:request_success", "finished", requests);
        let histogram = Histogram::new([0.1, 1.0, 10.0]);
        for o in &observations {
            histogram.observe(*o);
        }
        registry.register("vllm:time_to_first_token_seconds", "ttft", histogram);

        let mut text = String::new();
        encode(&mut text, &registry).unwrap();
        let page = parse(&text).unwrap();

        let running = page.family("vllm:num_requests_running").unwrap();
        prop_assert_eq!(running.metric_type, MetricType::Gauge);
        for (value, model) in &gauges {
            let sample = running
                .samples
                .iter()
                .find(|s| s.labels.get("model_name").unwrap().unescaped() == model.as_str());
            // Later duplicates of a label set overwrite earlier ones in the registry.
            let last = gauges.iter().rev().find(|(_, m)| m == model).unwrap().0;
            prop_assert_eq!(sample.unwrap().value, last as f64, "value {}", value);
        }
        let success = page.family("vllm:request_success").unwrap();
        prop_assert_eq!(success.metric_type, MetricType::Counter);
        prop_assert_eq!(success.samples_with_suffix("_total").next().unwrap().value, counter as f64);
        let ttft = page.family("vllm:time_to_first_token_seconds").unwrap();
        let count = ttft.samples_with_suffix("_count").next().unwrap().value;
        prop_assert_eq!(count, observations.len() as f64);
        let inf = ttft
            .samples_with_suffix("_bucket")
            .find(|s| s.labels.get("le").unwrap().is("+Inf"))
            .unwrap();
        prop_assert_eq!(inf.value, observations.len() as f64);
    }
}
