//! The real `chairside` binary: keys through its CLI, the server as a child
//! process on a free local port, and its memory read from /proc.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::database::Scratch;

/// How the server is started.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The release `chairside` binary.
    pub binary: PathBuf,
    /// `CHAIRSIDE_POOL_SIZE`, if not the default.
    pub pool_size: Option<u32>,
    /// `RUST_LOG` for the server.
    pub log_filter: String,
}

impl ServerConfig {
    fn command(&self, scratch: &Scratch) -> Command {
        let mut command = Command::new(&self.binary);
        scratch.configure(&mut command);
        // The lead's per-key rate limit would throttle a load test; 0 turns it off.
        command.env("CHAIRSIDE_RATE_LIMIT_PER_MINUTE", "0");
        command.env("RUST_LOG", &self.log_filter);
        match self.pool_size {
            Some(n) => command.env("CHAIRSIDE_POOL_SIZE", n.to_string()),
            None => command.env_remove("CHAIRSIDE_POOL_SIZE"),
        };
        command.stdin(Stdio::null());
        command
    }

    /// Runs `chairside <args>` on the database and returns its standard
    /// output (e.g. a key from `api-key create`).
    pub fn cli(&self, scratch: &Scratch, args: &[&str]) -> Result<String, String> {
        let out = self
            .command(scratch)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.binary.display()))?;
        if !out.status.success() {
            return Err(format!(
                "chairside {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Creates an API key and returns the clear token.
    pub fn create_key(
        &self,
        scratch: &Scratch,
        role: &str,
        clinic: Option<i64>,
    ) -> Result<String, String> {
        let clinic = clinic.map(|c| c.to_string());
        let mut args = vec!["api-key", "create", "--role", role, "--label", "load"];
        if let Some(c) = &clinic {
            args.extend(["--clinic", c]);
        }
        let token = self.cli(scratch, &args)?;
        if !token.starts_with("chs_") {
            return Err(format!("api-key create printed {token:?}, not a key"));
        }
        Ok(token)
    }
}

/// A running server; stopped when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Where its standard output and error go.
    pub log: PathBuf,
}

/// How long the server may take to answer `/healthz`.
const READY_WITHIN: Duration = Duration::from_secs(60);

impl Server {
    /// Starts `chairside serve` on a free port and waits until it answers.
    pub fn start(
        config: &ServerConfig,
        scratch: &Scratch,
        log_name: &str,
    ) -> Result<Server, String> {
        let mut last = String::new();
        // A port found free may be taken before the server binds it.
        for attempt in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map_err(|e| format!("no free local port: {e}"))?
                .port();
            let log = scratch.dir.join(format!("{log_name}-{attempt}.log"));
            let out = File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
            let err = out.try_clone().map_err(|e| e.to_string())?;
            let child = config
                .command(scratch)
                .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
                .stdout(Stdio::from(out))
                .stderr(Stdio::from(err))
                .spawn()
                .map_err(|e| format!("cannot start {}: {e}", config.binary.display()))?;
            let mut server = Server {
                child,
                base: format!("http://127.0.0.1:{port}"),
                log,
            };
            match server.wait_until_ready() {
                Ok(()) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(format!("chairside serve did not start: {last}"))
    }

    fn wait_until_ready(&mut self) -> Result<(), String> {
        let probe = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(2)))
            .build()
            .new_agent();
        let started = Instant::now();
        while started.elapsed() < READY_WITHIN {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited ({status}); log:\n{}", self.log_text()));
            }
            if let Ok(r) = probe.get(format!("{}/healthz", self.base)).call() {
                if r.status() == 200 {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = self.child.kill();
        Err(format!(
            "no answer on /healthz within {READY_WITHIN:?}; log:\n{}",
            self.log_text()
        ))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the server wrote so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Log lines other than the start-up banner (the server logs errors
    /// only, so anything else is worth reporting).
    pub fn log_problems(&self) -> Vec<String> {
        self.log_text()
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("Chairside listening on"))
            .map(str::to_string)
            .collect()
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits (at most `within`) until the server has used less than 5 % of
    /// a core for a whole second, so start-up work of the background
    /// workers (reminders over freshly seeded sessions) is not measured.
    pub fn wait_until_idle(&self, within: Duration) -> Duration {
        let started = Instant::now();
        let mut quiet = 0;
        let mut last = cpu_ticks(self.pid());
        while started.elapsed() < within && quiet < 2 {
            std::thread::sleep(Duration::from_millis(500));
            let now = cpu_ticks(self.pid());
            match (last, now) {
                // Clock ticks are 1/100 s: under 3 in half a second is idle.
                (Some(a), Some(b)) if b.saturating_sub(a) < 3 => quiet += 1,
                _ => quiet = 0,
            }
            last = now;
        }
        started.elapsed()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces; fields resume after its ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after ')'.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Resident memory of the server over a run.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Memory {
    /// The largest VmRSS sampled (every 100 ms), KiB.
    pub peak_rss_kib: u64,
    /// VmHWM (the kernel's own peak RSS of the process) at the end, KiB.
    pub hwm_kib: u64,
    /// How many samples were taken.
    pub samples: u64,
}

/// Samples `/proc/<pid>/status` until stopped.
pub struct MemorySampler {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Memory>,
}

impl MemorySampler {
    /// Starts sampling the process.
    pub fn start(pid: u32) -> MemorySampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            let path = PathBuf::from(format!("/proc/{pid}/status"));
            let mut memory = Memory::default();
            loop {
                if let Some((rss, hwm)) = read_status(&path) {
                    memory.peak_rss_kib = memory.peak_rss_kib.max(rss);
                    memory.hwm_kib = hwm;
                    memory.samples += 1;
                }
                if flag.load(Ordering::Relaxed) {
                    return memory;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        MemorySampler { stop, handle }
    }

    /// Stops (after one last sample) and returns what was seen.
    pub fn finish(self) -> Memory {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap_or_default()
    }
}

/// VmRSS and VmHWM in KiB.
fn read_status(path: &Path) -> Option<(u64, u64)> {
    parse_status(&std::fs::read_to_string(path).ok()?)
}

/// VmRSS and VmHWM (KiB) from the text of `/proc/<pid>/status`.
pub fn parse_status(text: &str) -> Option<(u64, u64)> {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// The `chairside` binary: the given path, else the one next to this
/// executable (both are built into the same target directory).
pub fn find_binary(given: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(path) = given {
        return path
            .canonicalize()
            .map_err(|e| format!("--server {}: {e}", path.display()));
    }
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let sibling = me.with_file_name("chairside");
    if sibling.is_file() {
        return Ok(sibling);
    }
    Err(format!(
        "no chairside binary next to {}; build it (cargo build --release -p chairside) or pass --server",
        me.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rss_and_high_water_mark() {
        let status =
            "Name:\tchairside\nVmPeak:\t  900000 kB\nVmHWM:\t   51234 kB\nVmRSS:\t   40960 kB\n";
        assert_eq!(parse_status(status), Some((40960, 51234)));
        assert_eq!(parse_status("Name:\tx\n"), None);
    }
}
