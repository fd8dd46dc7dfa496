//! Helpers for tests that talk to real processes: a child that is killed when dropped, a free
//! loopback port, and waiting on a condition with a deadline instead of sleeping.

// Shared by several test crates, each of which uses only a part.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How often [`wait_until`] checks its condition.
pub const POLL_EVERY: Duration = Duration::from_millis(150);

/// A child process that is killed (and reaped) when the guard is dropped, so a failing test
/// leaves nothing running. Its standard error goes to a file, shown by [`ChildGuard::log`].
pub struct ChildGuard {
    child: Child,
    /// What the process is, for messages.
    pub name: String,
    log: PathBuf,
}

impl ChildGuard {
    /// Spawns `command` with standard output discarded and standard error logged to
    /// `dir/<name>.log`.
    pub fn spawn(name: &str, mut command: Command, dir: &Path) -> ChildGuard {
        let log = dir.join(format!("{name}.log"));
        let stderr = std::fs::File::create(&log).expect("create the log file");
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({command:?}): {e}"));
        ChildGuard {
            child,
            name: name.to_string(),
            log,
        }
    }

    /// What the process wrote to standard error so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Fails the test (with the log) if the process has exited.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited with {status}:\n{}", self.name, self.log());
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind a loopback port")
}

/// Polls `condition` every [`POLL_EVERY`] until it returns `Some`, or panics after
/// `deadline` with `what` and the last value `describe` reported.
pub fn wait_until<T>(
    what: &str,
    deadline: Duration,
    mut condition: impl FnMut() -> Result<T, String>,
) -> T {
    let start = Instant::now();
    loop {
        let last = match condition() {
            Ok(value) => return value,
            Err(why) => why,
        };
        if start.elapsed() >= deadline {
            panic!("timed out after {deadline:?} waiting for {what}; last: {last}");
        }
        std::thread::sleep(POLL_EVERY);
    }
}

/// The async twin of [`wait_until`], for tests on a tokio runtime.
pub async fn wait_until_async<T, F, Fut>(what: &str, deadline: Duration, mut condition: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let start = Instant::now();
    loop {
        let last = match condition().await {
            Ok(value) => return value,
            Err(why) => why,
        };
        if start.elapsed() >= deadline {
            panic!("timed out after {deadline:?} waiting for {what}; last: {last}");
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}
