//! `swell query` end to end on the seed set-up of USE-CASE.md: three `swell emulate` replicas
//! with requests in flight, a real Prometheus (Debian's) behind basic auth scraping them every
//! second, and a ScaledObject with the KServe-style Prometheus trigger
//! (`sum(vllm:num_requests_running{model_name=...})`, authModes basic, TriggerAuthentication +
//! Secret in a separate `--auth` file) next to swell's direct `type: vllm` trigger.
//!
//! It checks that both triggers read what the replicas themselves report, that the replica
//! count follows from the values, that a wrong password is a clear 401 in `error` with exit
//! code 1, and measures how much sooner the direct trigger sees the load than Prometheus.

#[path = "support/emulator.rs"]
mod emulator;
#[path = "support/process.rs"]
mod process;
#[path = "support/prometheus.rs"]
mod prometheus;

use std::path::Path;
use std::time::{Duration, Instant};

use emulator::Emulator;
use process::wait_until_async;
use prometheus::Prometheus;
use serde_json::Value;

const SWELL: &str = env!("CARGO_BIN_EXE_swell");
const MODEL: &str = "qwen";
const RUNNING: &str = "vllm:num_requests_running";
/// A test credential, hashed with bcrypt into Prometheus' web config.
const USER: &str = "prom";
const PASSWORD: &str = "swell-test-password";
/// The per-replica target of both triggers, as in the use case.
const THRESHOLD: f64 = 1.0;
const MAX_REPLICAS: i32 = 20;

/// The ScaledObject: the Prometheus trigger at index 0, the direct trigger at index 1.
fn scaled_object(prometheus_url: &str, endpoints: &[String]) -> String {
    format!(
        r#"apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {{name: {MODEL}, namespace: serving}}
spec:
  scaleTargetRef: {{name: {MODEL}-predictor}}
  maxReplicaCount: {MAX_REPLICAS}
  triggers:
  - type: prometheus
    metadata:
      serverAddress: {prometheus_url}
      query: sum({RUNNING}{{model_name="{MODEL}"}})
      threshold: "{THRESHOLD}"
      authModes: basic
    authenticationRef: {{name: prom-basic-auth}}
  - type: vllm
    name: direct
    metadata:
      metric: num_requests_running
      modelName: {MODEL}
      endpoints: {}
      threshold: "{THRESHOLD}"
"#,
        endpoints.join(",")
    )
}

/// The TriggerAuthentication and its Secret (username as base64 `data`, password as
/// `stringData`), as step 3-4 of the use case create them.
fn auth(password: &str) -> String {
    format!(
        r#"apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata: {{name: prom-basic-auth, namespace: serving}}
spec:
  secretTargetRef:
  - {{parameter: username, name: prom-basic-auth-secret, key: username}}
  - {{parameter: password, name: prom-basic-auth-secret, key: password}}
---
apiVersion: v1
kind: Secret
metadata: {{name: prom-basic-auth-secret, namespace: serving}}
data:
  username: cHJvbQ==
stringData:
  password: {password}
"#
    )
}

/// One `swell query` run: exit code, parsed JSON (when printed) and standard error.
struct QueryRun {
    code: i32,
    json: Option<Value>,
    stdout: String,
    stderr: String,
}

async fn swell_query(so: &Path, auth: &Path, format: &str) -> QueryRun {
    let (so, auth, format) = (so.to_owned(), auth.to_owned(), format.to_string());
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(SWELL)
            .arg("query")
            .arg("--scaledobject")
            .arg(&so)
            .arg("--auth")
            .arg(&auth)
            .args(["--format", &format])
            .output()
            .expect("run swell query")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    QueryRun {
        code: output.status.code().unwrap_or(-1),
        json: serde_json::from_str(stdout.trim()).ok(),
        stdout,
        stderr: String::from_utf8_lossy(&output.stderr).to_string(),
    }
}

/// The sum of `vllm:num_requests_running` over the replicas' own `/metrics`.
async fn live_sum(client: &reqwest::Client, emulators: &[Emulator]) -> Result<f64, String> {
    let mut sum = 0.0;
    for emulator in emulators {
        sum += emulator.gauge(client, RUNNING).await?;
    }
    Ok(sum)
}

fn trigger_value(json: &Value, index: usize) -> Option<f64> {
    json["triggers"][index]["value"].as_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_reads_prometheus_behind_basic_auth_and_the_replicas_directly() {
    let Some(prometheus_binary) = prometheus::binary_or_skip("query_e2e") else {
        return;
    };
    swell_metrics::tls::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();

    // Three replicas, slowed tenfold so that every request outlives the test, with a short
    // model-load delay during which they refuse connections.
    let replica_args = ["--startup-delay", "300ms", "--time-scale", "0.1"];
    let mut emulators = Vec::new();
    for _ in 0..3 {
        emulators.push(Emulator::start(SWELL, MODEL, &replica_args, dir.path()).await);
    }
    let endpoints: Vec<String> = emulators.iter().map(|e| e.endpoint.clone()).collect();
    let mut prometheus =
        Prometheus::start(prometheus_binary, &endpoints, Some((USER, PASSWORD))).await;

    let so_path = dir.path().join("scaledobject.yaml");
    std::fs::write(&so_path, scaled_object(&prometheus.url, &endpoints)).unwrap();
    let auth_path = dir.path().join("auth.yaml");
    std::fs::write(&auth_path, auth(PASSWORD)).unwrap();

    // Prometheus hands new targets to its scrapers only every 5 s; wait for the first scrapes
    // so the measurement below is the steady-state lag, not Prometheus' start-up.
    wait_until_async(
        "Prometheus to scrape every replica",
        Duration::from_secs(30),
        || async {
            match prometheus.query_value("count(up == 1)").await? {
                Some(n) if n == endpoints.len() as f64 => Ok(()),
                other => Err(format!("{other:?} targets up")),
            }
        },
    )
    .await;

    // Load: 2, 3 and 4 streaming requests held open on the three replicas.
    let load_started = Instant::now();
    let mut requests = Vec::new();
    for (emulator, count) in emulators.iter().zip([2, 3, 4]) {
        for _ in 0..count {
            requests.push(emulator.hold_request(1500));
        }
    }
    let sent = requests.len() as f64;
    let client = reqwest::Client::new();
    let full = wait_until_async(
        "the replicas to run every request",
        Duration::from_secs(20),
        || async {
            match live_sum(&client, &emulators).await? {
                sum if sum == sent => Ok(sum),
                sum => Err(format!("{sum} running of {sent}")),
            }
        },
    )
    .await;
    let replicas_full = load_started.elapsed();

    // Query until both triggers report the full load; note when each first did.
    let mut direct_full = None;
    let mut prometheus_full = None;
    let deadline = Instant::now() + Duration::from_secs(30);
    let last = loop {
        let run = swell_query(&so_path, &auth_path, "json").await;
        let at = load_started.elapsed();
        let json = run.json.clone().unwrap_or(Value::Null);
        if trigger_value(&json, 1) == Some(full) {
            direct_full.get_or_insert(at);
        }
        if trigger_value(&json, 0) == Some(full) {
            prometheus_full.get_or_insert(at);
        }
        if direct_full.is_some() && prometheus_full.is_some() {
            break run;
        }
        assert!(
            Instant::now() < deadline,
            "both triggers never reported {full}; last run exit {}: {} {}",
            run.code,
            run.stdout,
            run.stderr
        );
        tokio::time::sleep(process::POLL_EVERY).await;
    };
    let (direct_full, prometheus_full) = (direct_full.unwrap(), prometheus_full.unwrap());

    // The values equal what the replicas report, before and after the query.
    let after = live_sum(&client, &emulators).await.unwrap();
    assert_eq!(after, full, "the load changed during the test");
    let json = last.json.as_ref().unwrap();
    assert_eq!(last.code, 0, "every trigger evaluated: {}", last.stderr);
    assert_eq!(trigger_value(json, 0), Some(full), "{json}");
    assert_eq!(trigger_value(json, 1), Some(full), "{json}");
    assert_eq!(
        prometheus
            .query_value(&format!("sum({RUNNING}{{model_name=\"{MODEL}\"}})"))
            .await,
        Ok(Some(full)),
        "Prometheus itself agrees"
    );
    for (index, metric_name, trigger_type) in
        [(0, "s0-prometheus", "prometheus"), (1, "s1-vllm", "vllm")]
    {
        let trigger = &json["triggers"][index];
        assert_eq!(trigger["index"], index);
        assert_eq!(trigger["metricName"], metric_name);
        assert_eq!(trigger["type"], trigger_type);
        assert_eq!(trigger["error"], Value::Null);
        assert_eq!(trigger["target"], THRESHOLD);
        assert_eq!(trigger["activationTarget"], 0.0);
        assert_eq!(trigger["active"], true);
    }
    assert_eq!(json["triggers"][1]["name"], "direct");
    // AverageValue: ceil(total / threshold), bounded by maxReplicaCount.
    let expected = ((full / THRESHOLD).ceil() as i32).min(MAX_REPLICAS);
    assert_eq!(json["desiredReplicas"], expected, "{json}");

    // The text form explains the same arithmetic.
    let text = swell_query(&so_path, &auth_path, "text").await;
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout
            .contains(&format!("ceil({full} / {THRESHOLD}) = {expected} replicas")),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains(&format!("desiredReplicas: {expected}")),
        "{}",
        text.stdout
    );
    assert!(
        !text.stdout.contains(PASSWORD) && !text.stderr.contains(PASSWORD),
        "the password leaked"
    );

    // A wrong password: a clear 401 for the Prometheus trigger, the direct one unaffected.
    let wrong_auth = dir.path().join("wrong-auth.yaml");
    std::fs::write(&wrong_auth, auth("not-the-password")).unwrap();
    let wrong = swell_query(&so_path, &wrong_auth, "json").await;
    assert_eq!(wrong.code, 1, "a failed trigger exits 1: {}", wrong.stderr);
    let json = wrong
        .json
        .expect("JSON is printed even when a trigger fails");
    let error = json["triggers"][0]["error"].as_str().unwrap_or_default();
    assert_eq!(json["triggers"][0]["value"], Value::Null);
    assert!(
        error.contains(&format!("HTTP 401 from {}", prometheus.url)),
        "{error}"
    );
    assert!(
        error.contains("username/password in TriggerAuthentication `prom-basic-auth`"),
        "{error}"
    );
    assert!(!error.contains("not-the-password"), "{error}");
    assert_eq!(trigger_value(&json, 1), Some(full));
    assert_eq!(json["triggers"][1]["error"], Value::Null);

    for emulator in &mut emulators {
        emulator.assert_running();
    }
    prometheus.assert_running();
    for request in &requests {
        assert!(
            !request.is_finished(),
            "a held request ended early: the load was not steady"
        );
        request.abort();
    }
    eprintln!(
        "freshness: replicas ran all {sent} requests after {:.2} s; the direct vllm trigger \
         reported them after {:.2} s, the Prometheus trigger after {:.2} s ({:.2} s later)",
        replicas_full.as_secs_f64(),
        direct_full.as_secs_f64(),
        prometheus_full.as_secs_f64(),
        prometheus_full.as_secs_f64() - direct_full.as_secs_f64()
    );
}
