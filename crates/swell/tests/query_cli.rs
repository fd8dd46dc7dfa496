//! `swell query`'s command-line contract without Prometheus: exit codes for unreadable files,
//! invalid objects and failed triggers, credentials that cannot be found, and the direct
//! `type: vllm` trigger against one `swell emulate` replica with `metricType: Value`.

#[path = "support/emulator.rs"]
mod emulator;
#[path = "support/process.rs"]
mod process;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use emulator::Emulator;
use process::wait_until_async;
use serde_json::Value;

const SWELL: &str = env!("CARGO_BIN_EXE_swell");

fn query(dir: &Path, so: &str, args: &[&str]) -> Output {
    let path = dir.join("so.yaml");
    std::fs::write(&path, so).unwrap();
    Command::new(SWELL)
        .arg("query")
        .arg("--scaledobject")
        .arg(&path)
        .args(args)
        .output()
        .unwrap()
}

fn scaled_object(triggers: &str) -> String {
    format!(
        "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {{name: chat, namespace: llm}}\nspec:\n  scaleTargetRef: {{name: chat-predictor}}\n  triggers:\n{triggers}"
    )
}

#[test]
fn an_unreadable_file_exits_2() {
    let output = Command::new(SWELL)
        .args(["query", "--scaledobject", "/nonexistent/so.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/nonexistent/so.yaml"), "{stderr}");
}

#[test]
fn an_invalid_scaled_object_exits_1_and_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let so = scaled_object(
        "  - type: prometheus\n    metadata: {serverAddress: 'http://127.0.0.1:1', query: up}\n",
    );
    let output = query(dir.path(), &so, &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "no JSON for an invalid object");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("threshold"), "{stderr}");
}

#[test]
fn a_file_without_a_scaled_object_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let output = query(
        dir.path(),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no ScaledObject found"));
}

#[test]
fn a_missing_trigger_authentication_fails_that_trigger_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let so = scaled_object(
        "  - type: prometheus\n    metadata: {serverAddress: 'http://127.0.0.1:1', query: up, threshold: '1', authModes: basic}\n    authenticationRef: {name: prom-auth}\n",
    );
    let output = query(dir.path(), &so, &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON is printed");
    let trigger = &json["triggers"][0];
    assert_eq!(trigger["value"], Value::Null);
    let error = trigger["error"].as_str().unwrap();
    assert!(
        error.contains("TriggerAuthentication `prom-auth` in namespace `llm` not found"),
        "{error}"
    );
    assert!(error.contains("--auth"), "{error}");
    // The failure holds the count (KEDA never scales in on errors).
    assert_eq!(json["desiredReplicas"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vllm_trigger_with_value_targets_scales_by_the_current_replicas() {
    swell_metrics::tls::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let emulator = Emulator::start(SWELL, "qwen", &["--time-scale", "0.1"], dir.path()).await;
    let requests: Vec<_> = (0..3).map(|_| emulator.hold_request(1500)).collect();
    let client = reqwest::Client::new();
    let running = wait_until_async("3 requests running", Duration::from_secs(20), || async {
        match emulator.gauge(&client, "vllm:num_requests_running").await? {
            v if v == 3.0 => Ok(v),
            other => Err(format!("{other} running")),
        }
    })
    .await;

    let so = scaled_object(&format!(
        "  - type: vllm\n    metricType: Value\n    metadata: {{metric: vllm:num_requests_running, endpoints: '{}', threshold: '2'}}\n",
        emulator.endpoint
    ));
    let dir_path = dir.path().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        query(&dir_path, &so, &["--format", "json", "--replicas", "4"])
    })
    .await
    .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["triggers"][0]["value"], running);
    assert_eq!(json["triggers"][0]["metricName"], "s0-vllm");
    // Value: ceil(current x value / threshold).
    let expected = (4.0 * running / 2.0_f64).ceil() as i32;
    assert_eq!(json["desiredReplicas"], expected, "{json}");

    for request in requests {
        request.abort();
    }
}
