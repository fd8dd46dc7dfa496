//! The Prometheus trigger against a real Prometheus server (Debian's `prometheus`), scraping
//! in-test vLLM pods: every auth mode (basic and mutual TLS through Prometheus' own web config,
//! bearer and custom headers through an authenticating proxy in front of it) and the faults a
//! user meets (wrong password, unknown CA, server down, server too slow, several series, no
//! series).

#[path = "support/pki.rs"]
mod pki;
#[path = "support/prometheus_server.rs"]
mod prometheus_server;
#[path = "support/vllm_pod.rs"]
mod vllm_pod;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prometheus_server::{PrometheusServer, WebConfig};
use swell_core::trigger::prometheus::response::ResponseError;
use swell_core::trigger::prometheus::{PrometheusTrigger, parse};
use swell_metrics::prometheus::{PrometheusError, PrometheusSource};
use vllm_pod::FakePod;

const SEED_QUERY: &str = r#"sum(vllm:num_requests_running{model_name="qwen"})"#;

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn trigger(
    server: &str,
    query: &str,
    extra: &[(&str, &str)],
    auth: &[(&str, &str)],
) -> PrometheusTrigger {
    let mut metadata = map(&[
        ("serverAddress", server),
        ("query", query),
        ("threshold", "1"),
    ]);
    metadata.extend(map(extra));
    parse(&metadata, &map(auth)).unwrap()
}

fn source(trigger: PrometheusTrigger) -> PrometheusSource {
    PrometheusSource::new(trigger, Some("prom-auth".to_string())).unwrap()
}

/// Two pods of model qwen running 3 and 4 requests.
async fn two_pods() -> Vec<FakePod> {
    let pods = vec![FakePod::start("qwen").await, FakePod::start("qwen").await];
    pods[0].set(|s| s.running = 3.0);
    pods[1].set(|s| s.running = 4.0);
    pods
}

fn endpoints(pods: &[FakePod]) -> Vec<String> {
    pods.iter().map(|p| p.endpoint.clone()).collect()
}

/// Polls until the query returns `expected` (Prometheus needs a scrape or two first).
async fn eventually(source: &PrometheusSource, expected: f64) {
    let mut last = None;
    for _ in 0..150 {
        match source.query().await {
            Ok(v) if v == expected => return,
            other => last = Some(other),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("query never returned {expected}; last outcome {last:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_auth_runs_the_seed_query_and_a_wrong_password_says_what_to_check() {
    let pods = two_pods().await;
    let web = WebConfig {
        basic_auth: Some(("prom".into(), "s3cret".into())),
        ..Default::default()
    };
    let prometheus = PrometheusServer::start(&endpoints(&pods), web);

    let good = source(trigger(
        &prometheus.url,
        SEED_QUERY,
        &[("authModes", "basic")],
        &[("username", "prom"), ("password", "s3cret")],
    ));
    eventually(&good, 7.0).await;

    let wrong = source(trigger(
        &prometheus.url,
        SEED_QUERY,
        &[("authModes", "basic")],
        &[("username", "prom"), ("password", "nope")],
    ));
    let err = wrong.query().await.unwrap_err();
    assert!(
        matches!(err, PrometheusError::Unauthorized { status: 401, .. }),
        "{err}"
    );
    let message = err.to_string();
    assert!(
        message.contains("HTTP 401 from http://127.0.0.1"),
        "{message}"
    );
    assert!(
        message.contains("check the username/password in TriggerAuthentication `prom-auth`"),
        "{message}"
    );

    let anonymous = source(trigger(&prometheus.url, SEED_QUERY, &[], &[]));
    let err = anonymous.query().await.unwrap_err();
    assert!(err.to_string().contains("no authModes is set"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_uses_the_client_certificate_and_the_ca() {
    let pki = pki::generate();
    let pods = two_pods().await;
    let web = WebConfig {
        tls: Some((pki.server_cert.clone(), pki.server_key.clone())),
        client_ca: Some(pki.ca.clone()),
        ..Default::default()
    };
    let prometheus = PrometheusServer::start(&endpoints(&pods), web);

    let tls_auth = [
        ("cert", pki.client_cert.as_str()),
        ("key", pki.client_key.as_str()),
        ("ca", pki.ca.as_str()),
    ];
    let good = source(trigger(
        &prometheus.url,
        SEED_QUERY,
        &[("authModes", "tls")],
        &tls_auth,
    ));
    eventually(&good, 7.0).await;

    // Trusting the server but presenting no client certificate: the handshake is refused.
    let no_cert = source(trigger(
        &prometheus.url,
        SEED_QUERY,
        &[("authModes", "bearer")],
        &[("bearerToken", "t"), ("ca", pki.ca.as_str())],
    ));
    let err = no_cert.query().await.unwrap_err();
    assert!(
        matches!(
            err,
            PrometheusError::Tls { .. } | PrometheusError::Transport { .. }
        ),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_certificates_are_verified_unless_unsafe_ssl() {
    let pki = pki::generate();
    let pods = two_pods().await;
    let web = WebConfig {
        tls: Some((pki.server_cert.clone(), pki.server_key.clone())),
        ..Default::default()
    };
    let prometheus = PrometheusServer::start(&endpoints(&pods), web);
    let custom = [("customAuthHeader", "X-Unused"), ("customAuthValue", "v")];

    // The right CA (honoured because an auth mode is set).
    let with_ca: Vec<(&str, &str)> = custom
        .iter()
        .copied()
        .chain([("ca", pki.ca.as_str())])
        .collect();
    let trusted = source(trigger(
        &prometheus.url,
        SEED_QUERY,
        &[("authModes", "custom")],
        &with_ca,
    ));
    eventually(&trusted, 7.0).await;

    // A CA that did not sign the server certificate, and the system roots alone.
    let other: Vec<(&str, &str)> = custom
        .iter()
        .copied()
        .chain([("ca", pki.other_ca.as_str())])
        .collect();
    for auth in [other, custom.to_vec()] {
        let untrusted = source(trigger(
            &prometheus.url,
            SEED_QUERY,
            &[("authModes", "custom")],
            &auth,
        ));
        let err = untrusted.query().await.unwrap_err();
        assert!(matches!(err, PrometheusError::UnknownCa { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("put the CA certificate in parameter `ca`"),
            "{err}"
        );
    }

    let unsafe_ssl = source(trigger(
        &prometheus.url,
        SEED_QUERY,
        &[("unsafeSsl", "true")],
        &[],
    ));
    eventually(&unsafe_ssl, 7.0).await;
}

/// What the authenticating proxy saw of the last request.
#[derive(Clone, Debug, Default)]
struct Seen {
    uri: String,
    headers: Vec<(String, String)>,
}

/// An authenticating reverse proxy (as kube-rbac-proxy or an API gateway would sit in front
/// of Prometheus): accepts `Authorization: Bearer good-token` or `X-Api-Key: good-key`.
async fn auth_proxy(upstream: String) -> (String, Arc<Mutex<Seen>>) {
    use axum::extract::{Request, State};
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};

    let seen = Arc::new(Mutex::new(Seen::default()));
    async fn forward(
        State((upstream, seen)): State<(String, Arc<Mutex<Seen>>)>,
        request: Request,
    ) -> Response {
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        *seen.lock().unwrap() = Seen {
            uri: request.uri().to_string(),
            headers: headers.clone(),
        };
        let authorized = header("authorization").as_deref() == Some("Bearer good-token")
            || header("x-api-key").as_deref() == Some("good-key");
        if !authorized {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        let url = format!("{upstream}{}", request.uri().path_and_query().unwrap());
        let answer = reqwest::get(url).await.unwrap();
        (
            StatusCode::from_u16(answer.status().as_u16()).unwrap(),
            answer.bytes().await.unwrap(),
        )
            .into_response()
    }
    let app = axum::Router::new()
        .fallback(forward)
        .with_state((upstream, seen.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_custom_headers_and_query_parameters_reach_the_server() {
    let pods = two_pods().await;
    let prometheus = PrometheusServer::start(&endpoints(&pods), WebConfig::default());
    let (proxy, seen) = auth_proxy(prometheus.url.clone()).await;

    let bearer = source(trigger(
        &proxy,
        SEED_QUERY,
        &[("authModes", "bearer")],
        &[("bearerToken", "good-token")],
    ));
    eventually(&bearer, 7.0).await;

    let wrong = source(trigger(
        &proxy,
        SEED_QUERY,
        &[("authModes", "bearer")],
        &[("bearerToken", "bad")],
    ));
    let err = wrong.query().await.unwrap_err();
    assert!(err.to_string().contains("check the bearer token"), "{err}");

    // A secret value with the trailing newline `kubectl create secret --from-file` leaves.
    let extra = [
        ("authModes", "custom"),
        ("customHeaders", "X-Scope-OrgID=team-a"),
        ("namespace", "tenant-a"),
        ("queryParameters", "dedup=true"),
    ];
    let custom = source(trigger(
        &proxy,
        SEED_QUERY,
        &extra,
        &[
            ("customAuthHeader", "X-Api-Key"),
            ("customAuthValue", "good-key\n"),
        ],
    ));
    assert_eq!(custom.query().await.unwrap(), 7.0);
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.uri
            .starts_with("/api/v1/query?query=sum%28vllm%3Anum_requests_running"),
        "{}",
        seen.uri
    );
    assert!(
        seen.uri.contains("&time=20") && seen.uri.ends_with("&namespace=tenant-a&dedup=true"),
        "{}",
        seen.uri
    );
    assert!(
        seen.headers
            .contains(&("x-scope-orgid".to_string(), "team-a".to_string())),
        "{:?}",
        seen.headers
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_give_the_error_keda_would_give_or_a_clearer_one() {
    let pods = two_pods().await;
    let prometheus = PrometheusServer::start(&endpoints(&pods), WebConfig::default());
    let url = &prometheus.url;
    eventually(&source(trigger(url, SEED_QUERY, &[], &[])), 7.0).await;

    // One series per pod: KEDA refuses, swell says how to aggregate.
    let per_pod = "vllm:num_requests_running";
    let err = source(trigger(url, per_pod, &[], &[]))
        .query()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            PrometheusError::Response {
                error: ResponseError::Multiple { count: 2, .. },
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("sum(vllm:num_requests_running)"),
        "{err}"
    );

    // No series: 0 by default, an error with ignoreNullValues false.
    let absent = r#"sum(vllm:num_requests_running{model_name="absent"})"#;
    assert_eq!(
        source(trigger(url, absent, &[], &[]))
            .query()
            .await
            .unwrap(),
        0.0
    );
    let err = source(trigger(url, absent, &[("ignoreNullValues", "false")], &[]))
        .query()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            PrometheusError::Response {
                error: ResponseError::Empty { .. },
                ..
            }
        ),
        "{err}"
    );

    // A scalar result does not decode as a vector (as in KEDA).
    let err = source(trigger(
        url,
        "scalar(sum(vllm:num_requests_running))",
        &[],
        &[],
    ))
    .query()
    .await
    .unwrap_err();
    assert!(
        matches!(
            &err,
            PrometheusError::Response {
                error: ResponseError::Decode(_),
                ..
            }
        ),
        "{err}"
    );

    // Invalid PromQL: Prometheus' own message comes through.
    let err = source(trigger(url, "sum(", &[], &[]))
        .query()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("HTTP 400"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_or_slow_server_fails_within_the_timeout() {
    let down = format!("http://127.0.0.1:{}", prometheus_server::free_port());
    let err = source(trigger(&down, SEED_QUERY, &[], &[]))
        .query()
        .await
        .unwrap_err();
    assert!(
        matches!(err, PrometheusError::ConnectionRefused { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("is Prometheus running there"),
        "{err}"
    );

    // A server that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let slow = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let source = source(trigger(&slow, SEED_QUERY, &[("timeout", "300ms")], &[]));
    let outcome = tokio::time::timeout(Duration::from_secs(10), source.query()).await;
    let err = outcome
        .expect("the trigger's own timeout must fire first")
        .unwrap_err();
    assert!(
        matches!(
            err,
            PrometheusError::Timeout {
                timeout_ms: 300,
                ..
            }
        ),
        "{err}"
    );
}
