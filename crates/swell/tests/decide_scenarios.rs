//! Scenario tests of `swell decide`: timelines replayed through the real binary, with the
//! expected decisions derived from KEDA's and the HPA's documented semantics (see the
//! comment on each step), and the command's contract for bad input and exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const SWELL: &str = env!("CARGO_BIN_EXE_swell");

/// A ScaledObject with one Prometheus trigger; `extra` is spliced into `spec`.
fn scaled_object(extra: &str, trigger_extra: &str) -> String {
    format!(
        "apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {{name: chat, namespace: llm}}
spec:
  scaleTargetRef: {{name: chat-predictor}}
{extra}
  triggers:
  - type: prometheus
    metadata:
      serverAddress: http://prometheus.monitoring:9090
      query: sum(vllm:num_requests_running)
      threshold: \"10\"
{trigger_extra}
"
    )
}

/// Runs `swell decide` with the ScaledObject in a file and the timeline on standard input.
fn decide(so: &str, timeline: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("so.yaml");
    std::fs::write(&path, so).unwrap();
    let mut child = Command::new(SWELL)
        .arg("decide")
        .arg("--scaledobject")
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for line in timeline {
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    child.wait_with_output().unwrap()
}

/// (desiredReplicas, active, fallback) per output line, after checking every contract field.
fn decisions(output: &Output) -> Vec<(i64, bool, bool)> {
    assert!(
        output.status.success(),
        "decide failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            let fields = [
                "t",
                "desiredReplicas",
                "active",
                "fallback",
                "paused",
                "reason",
            ];
            assert_eq!(record.as_object().unwrap().len(), fields.len(), "{line}");
            let positions: Vec<usize> = fields
                .iter()
                .map(|f| line.find(&format!("\"{f}\":")).expect(f))
                .collect();
            assert!(
                positions.is_sorted(),
                "fields out of contract order: {line}"
            );
            assert!(!record["reason"].as_str().unwrap().is_empty());
            (
                record["desiredReplicas"].as_i64().unwrap(),
                record["active"].as_bool().unwrap(),
                record["fallback"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn scales_up_by_ratio_and_holds_scale_down_for_the_default_window() {
    let so = scaled_object("  minReplicaCount: 1\n  maxReplicaCount: 10", "");
    let out = decide(
        &so,
        &[
            // 35 / 10 per replica -> ceil(3.5) = 4; the no-behavior limit max(2 x 1, 4) allows it.
            r#"{"t": 0, "replicas": 1, "metrics": {"s0-prometheus": 35}}"#,
            r#"{"t": 15, "metrics": {"s0-prometheus": 35}}"#,
            // The metric drops: the proposal is 1, but the 300 s window still holds a 4.
            r#"{"t": 30, "metrics": {"s0-prometheus": 5}}"#,
            r#"{"t": 200, "metrics": {"s0-prometheus": 5}}"#,
            // 330 s: the last 4 (t = 15) has left the window; only 1s remain.
            r#"{"t": 330, "metrics": {"s0-prometheus": 5}}"#,
        ],
    );
    assert_eq!(
        decisions(&out),
        [
            (4, true, false),
            (4, true, false),
            (4, true, false),
            (4, true, false),
            (1, true, false)
        ]
    );
}

#[test]
fn respects_max_replicas_and_the_scale_up_rate_limit() {
    let so = scaled_object("  minReplicaCount: 1\n  maxReplicaCount: 6", "");
    let out = decide(
        &so,
        &[
            // 500 / 10 = 50 replicas wanted; the no-behavior limit is max(2 x 1, 4) = 4.
            r#"{"t": 0, "replicas": 1, "metrics": {"s0-prometheus": 500}}"#,
            // From 4: limit max(8, 4) = 8, clamped to maxReplicaCount 6.
            r#"{"t": 15, "metrics": {"s0-prometheus": 500}}"#,
        ],
    );
    assert_eq!(decisions(&out), [(4, true, false), (6, true, false)]);
}

#[test]
fn deactivates_after_cooldown_and_reactivates_from_zero() {
    let so = scaled_object(
        "  minReplicaCount: 0\n  maxReplicaCount: 5\n  cooldownPeriod: 60",
        "      activationThreshold: \"2\"",
    );
    let out = decide(
        &so,
        &[
            r#"{"t": 0, "replicas": 1, "metrics": {"s0-prometheus": 12}}"#,
            // 1 is not above the activation threshold 2: inactive, but cooling down.
            r#"{"t": 10, "metrics": {"s0-prometheus": 1}}"#,
            r#"{"t": 59, "metrics": {"s0-prometheus": 1}}"#,
            // 61 s after the last active poll: KEDA scales the target to zero.
            r#"{"t": 61, "metrics": {"s0-prometheus": 1}}"#,
            // Exactly at the threshold is still inactive (strictly above is required).
            r#"{"t": 80, "metrics": {"s0-prometheus": 2}}"#,
            // Active again: KEDA brings 0 to 1, then the HPA (whose 300 s window still holds
            // the 2 proposed at t = 0) keeps 2.
            r#"{"t": 90, "metrics": {"s0-prometheus": 5}}"#,
        ],
    );
    assert_eq!(
        decisions(&out),
        [
            (2, true, false),
            (2, false, false),
            (2, false, false),
            (0, false, false),
            (0, false, false),
            (2, true, false)
        ]
    );
}

#[test]
fn failing_metric_holds_then_falls_back_and_never_scales_to_zero() {
    let so = scaled_object(
        "  minReplicaCount: 0\n  maxReplicaCount: 5\n  cooldownPeriod: 10\n  \
         fallback: {failureThreshold: 3, replicas: 4}",
        "",
    );
    let error = r#"{"error": "connection refused"}"#;
    let failing = |t: u32| format!(r#"{{"t": {t}, "metrics": {{"s0-prometheus": {error}}}}}"#);
    let lines = [
        r#"{"t": 0, "replicas": 2, "metrics": {"s0-prometheus": 15}}"#.to_string(),
        // Each line is a KEDA poll and an HPA read, and both count a failure: 2, then 4 > 3.
        failing(30),
        failing(60),
        failing(90),
        r#"{"t": 120, "metrics": {"s0-prometheus": 15}}"#.to_string(),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let got = decisions(&decide(&so, &lines));
    assert_eq!(got[0], (2, true, false));
    // Before the threshold: no scale-in (not even to zero after the cooldown), no fallback.
    assert_eq!(got[1], (2, false, false));
    // Past the threshold: fallback replicas.
    assert_eq!((got[2].0, got[2].2), (4, true));
    assert_eq!((got[3].0, got[3].2), (4, true));
    // A good reading ends fallback; the scale-down window keeps the 4.
    assert_eq!(got[4], (4, true, false));
}

#[test]
fn behavior_policy_limits_scale_down_per_period() {
    let so = scaled_object(
        "  minReplicaCount: 1\n  maxReplicaCount: 10\n  advanced:\n    \
         horizontalPodAutoscalerConfig:\n      behavior:\n        scaleDown:\n          \
         stabilizationWindowSeconds: 0\n          \
         policies: [{type: Pods, value: 1, periodSeconds: 60}]",
        "",
    );
    let out = decide(
        &so,
        &[
            // The metric wants 1 replica; the policy removes at most 1 pod per 60 s.
            r#"{"t": 0, "replicas": 5, "metrics": {"s0-prometheus": 10}}"#,
            // The 5 -> 4 event at t = 0 is still inside the period: no further step.
            r#"{"t": 15, "metrics": {"s0-prometheus": 10}}"#,
            r#"{"t": 59, "metrics": {"s0-prometheus": 10}}"#,
            // It has left the period: one more pod may go.
            r#"{"t": 61, "metrics": {"s0-prometheus": 10}}"#,
        ],
    );
    assert_eq!(
        decisions(&out),
        [
            (4, true, false),
            (4, true, false),
            (4, true, false),
            (3, true, false)
        ]
    );
}

#[test]
fn paused_replicas_annotation_pins_the_target() {
    let so = scaled_object("  minReplicaCount: 1\n  maxReplicaCount: 10", "").replace(
        "metadata: {name: chat, namespace: llm}",
        "metadata:\n  name: chat\n  namespace: llm\n  annotations:\n    \
         autoscaling.keda.sh/paused-replicas: \"3\"",
    );
    let out = decide(
        &so,
        &[r#"{"t": 0, "replicas": 1, "metrics": {"s0-prometheus": 95}}"#],
    );
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let record: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(record["desiredReplicas"], 3);
    assert_eq!(record["paused"], true);
}

#[test]
fn value_metric_type_divides_by_ready_pods() {
    let so = scaled_object("  minReplicaCount: 1\n  maxReplicaCount: 20", "").replace(
        "  - type: prometheus\n",
        "  - type: prometheus\n    metricType: Value\n",
    );
    let out = decide(
        &so,
        &[
            // Value: ratio 30 / 10 = 3 times 2 ready pods (not 4 replicas) -> 6, within the
            // no-behavior scale-up limit max(2 x 4, 4) = 8. AverageValue would give 3.
            r#"{"t": 0, "replicas": 4, "readyReplicas": 2, "metrics": {"s0-prometheus": 30}}"#,
        ],
    );
    assert_eq!(decisions(&out), [(6, true, false)]);
}

#[test]
fn a_bad_timeline_line_exits_1_naming_the_line() {
    let so = scaled_object("  minReplicaCount: 1\n  maxReplicaCount: 10", "");
    let out = decide(
        &so,
        &[
            r#"{"t": 0, "replicas": 1, "metrics": {"s0-prometheus": 5}}"#,
            r#"{"t": 10, "metrics": {"s0-prometheus": "five"}}"#,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("<stdin>:2:"), "stderr: {stderr}");
    assert!(stderr.contains("s0-prometheus"), "stderr: {stderr}");
}

#[test]
fn an_unknown_metric_name_is_refused_with_the_known_ones() {
    let so = scaled_object("  minReplicaCount: 1\n  maxReplicaCount: 10", "");
    let out = decide(
        &so,
        &[r#"{"t": 0, "replicas": 1, "metrics": {"s1-prometheus": 5}}"#],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("s0-prometheus"), "stderr: {stderr}");
}

#[test]
fn time_going_backwards_is_refused() {
    let so = scaled_object("  minReplicaCount: 1\n  maxReplicaCount: 10", "");
    let out = decide(
        &so,
        &[
            r#"{"t": 10, "replicas": 1, "metrics": {"s0-prometheus": 5}}"#,
            r#"{"t": 5, "metrics": {"s0-prometheus": 5}}"#,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn an_invalid_scaled_object_exits_1_naming_the_field() {
    let so = scaled_object("  minReplicaCount: 5\n  maxReplicaCount: 2", "");
    let out = decide(
        &so,
        &[r#"{"t": 0, "replicas": 1, "metrics": {"s0-prometheus": 5}}"#],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("so.yaml"), "stderr: {stderr}");
    assert!(stderr.contains("minReplicaCount"), "stderr: {stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn an_unreadable_file_exits_2() {
    let out = Command::new(SWELL)
        .args(["decide", "--scaledobject", "/nonexistent/so.yaml"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/so.yaml"));
}
