//! The real `chairside` binary as a child process on a free local port.

use std::fs::File;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::http::Call;
use super::Binary;
use crate::unique::unique_suffix;
use crate::TestDb;

/// How long a server may take to answer `/healthz`.
const READY_WITHIN: Duration = Duration::from_secs(30);

/// A running server; killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    log: PathBuf,
    agent: ureq::Agent,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free local port")
        .port()
}

/// An HTTP client that hands back 4xx and 5xx instead of failing, follows
/// no redirects and never waits forever.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .new_agent()
}

impl Server {
    /// Starts the binary serving `db`, with these environment variables on
    /// top of the database's, and waits until it answers.
    pub(crate) fn start(binary: Binary, db: &TestDb, env: &[(&str, &str)]) -> Server {
        // A port picked free may be taken before the server binds it; try
        // another then.
        let mut last_log = String::new();
        for _ in 0..5 {
            let port = free_port();
            let log = db
                .scratch
                .join(format!("server-{port}-{}.log", unique_suffix()));
            let out = File::create(&log).expect("create the server log");
            let err = out.try_clone().expect("share the server log");
            let child = binary
                .command(db)
                .envs(env.iter().copied())
                .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
                .stdin(Stdio::null())
                .stdout(Stdio::from(out))
                .stderr(Stdio::from(err))
                .spawn()
                .expect("start chairside serve");
            let mut server = Server {
                child,
                base: format!("http://127.0.0.1:{port}"),
                log,
                agent: agent(),
            };
            match server.wait_until_ready() {
                Ok(()) => return server,
                Err(log) => last_log = log,
            }
        }
        panic!("chairside serve did not start; its last log:\n{last_log}");
    }

    fn wait_until_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        let probe = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(2)))
            .build()
            .new_agent();
        while started.elapsed() < READY_WITHIN {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Err(self.log_text());
            }
            if let Ok(response) = probe.get(format!("{}/healthz", self.base)).call() {
                if response.status() == 200 {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!(
            "chairside serve did not answer /healthz within {READY_WITHIN:?}; log:\n{}",
            self.log_text()
        );
    }

    /// Kills the process at once (SIGKILL on Unix: no shutdown, no flush)
    /// and reaps it; its log stays readable.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The most memory the process has held so far (its peak resident set,
    /// `VmHWM`), in KiB; `None` where `/proc` does not tell.
    pub fn peak_memory_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// What the server wrote so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A request to `path` (absolute, e.g. `/v1/clinics`).
    pub fn call(&self, method: &str, path: &str) -> Call {
        Call::new(self.agent.clone(), method, format!("{}{path}", self.base))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = self.log_text();
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            eprintln!(
                "--- last lines of the log of the server at {} ---",
                self.base
            );
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}
