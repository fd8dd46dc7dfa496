//! A real Prometheus server for tests: the Debian `prometheus` binary on a free loopback port,
//! a temporary config and data directory, 1 s scrape interval, optional `--web.config.file`
//! (basic auth, TLS). Killed when dropped.

// Shared by several test crates, each of which uses only a part.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running Prometheus.
pub struct PrometheusServer {
    child: Child,
    /// `http://127.0.0.1:PORT` or `https://…`.
    pub url: String,
    /// Holds the config, web config, certificates and TSDB.
    pub dir: tempfile::TempDir,
}

/// Web configuration for `--web.config.file`.
#[derive(Default)]
pub struct WebConfig {
    /// `(user, password)`; the password is stored bcrypt-hashed.
    pub basic_auth: Option<(String, String)>,
    /// Server certificate and key PEM.
    pub tls: Option<(String, String)>,
    /// CA PEM for client certificates (requires and verifies them).
    pub client_ca: Option<String>,
}

/// The Prometheus binary: on PATH or Debian's /usr/bin/prometheus.
pub fn binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("prometheus"))
        .find(|candidate| candidate.is_file());
    on_path.unwrap_or_else(|| PathBuf::from("/usr/bin/prometheus"))
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PrometheusServer {
    /// Starts Prometheus scraping `targets` (`host:port`) every second, and waits until it
    /// answers.
    pub fn start(targets: &[String], web: WebConfig) -> PrometheusServer {
        let dir = tempfile::tempdir().unwrap();
        let target_list = targets
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: vllm\n    scrape_interval: 1s\n    scrape_timeout: 900ms\n    static_configs:\n      - targets: [{target_list}]\n"
        );
        std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();

        let port = free_port();
        let mut command = Command::new(binary());
        command
            .arg(format!(
                "--config.file={}",
                dir.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("prometheus.log")).unwrap());
        let https = web.tls.is_some();
        if let Some(path) = write_web_config(dir.path(), &web) {
            command.arg(format!("--web.config.file={}", path.display()));
        }
        let child = command.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot start {}: {e}; install the Debian package `prometheus`",
                binary().display()
            )
        });
        let scheme = if https { "https" } else { "http" };
        let server = PrometheusServer {
            child,
            url: format!("{scheme}://127.0.0.1:{port}"),
            dir,
        };
        server.wait_until_listening(port);
        server
    }

    fn wait_until_listening(&self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log =
            std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default();
        panic!("Prometheus did not listen on port {port} within 30 s:\n{log}");
    }
}

impl Drop for PrometheusServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_web_config(dir: &Path, web: &WebConfig) -> Option<PathBuf> {
    if web.basic_auth.is_none() && web.tls.is_none() {
        return None;
    }
    let mut yaml = String::new();
    if let Some((cert, key)) = &web.tls {
        std::fs::write(dir.join("server.pem"), cert).unwrap();
        std::fs::write(dir.join("server.key"), key).unwrap();
        yaml.push_str(&format!(
            "tls_server_config:\n  cert_file: {}\n  key_file: {}\n",
            dir.join("server.pem").display(),
            dir.join("server.key").display()
        ));
        if let Some(ca) = &web.client_ca {
            std::fs::write(dir.join("client-ca.pem"), ca).unwrap();
            yaml.push_str(&format!(
                "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {}\n",
                dir.join("client-ca.pem").display()
            ));
        }
    }
    if let Some((user, password)) = &web.basic_auth {
        // Cost 4 is bcrypt's minimum: enough for a test, fast on two cores.
        let hash = bcrypt::hash(password, 4).unwrap();
        yaml.push_str(&format!("basic_auth_users:\n  {user}: '{hash}'\n"));
    }
    let path = dir.join("web.yml");
    std::fs::write(&path, yaml).unwrap();
    Some(path)
}
