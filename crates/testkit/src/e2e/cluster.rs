//! A private PostgreSQL cluster for one test, on a port of its own, which
//! the test may crash and start again without disturbing the shared server
//! other tests use. Stopped and removed when dropped, also on panic.

use std::path::PathBuf;
use std::process::Command;

use crate::unique::unique_suffix;

/// A running PostgreSQL cluster in a temporary directory.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    /// PostgreSQL refuses to run as root: then every command runs as the
    /// `postgres` user.
    as_postgres: bool,
}

/// The newest installed PostgreSQL server binaries (`initdb`, `pg_ctl`).
fn server_binaries() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

impl Cluster {
    /// Initialises and starts a cluster (trust authentication, `fsync` on,
    /// listening on 127.0.0.1 and a socket in its own directory), or `None`
    /// when the PostgreSQL server binaries are not installed.
    pub fn start() -> Option<Cluster> {
        let bin = server_binaries()?;
        let dir = std::env::temp_dir().join(format!("chairside_pg_{}", unique_suffix()));
        std::fs::create_dir_all(&dir).expect("create the cluster directory");
        let as_postgres = running_as_root();
        let cluster = Cluster {
            bin,
            dir,
            port: super::server::free_port(),
            as_postgres,
        };
        if as_postgres {
            let chown = Command::new("chown")
                .arg("-R")
                .arg("postgres:")
                .arg(&cluster.dir)
                .status()
                .expect("run chown");
            assert!(chown.success(), "chown the cluster directory to postgres");
        }
        // --no-sync only skips initdb's final flush of the fresh files; the
        // server itself runs with fsync on.
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data().display().to_string(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        cluster.up();
        Some(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// `postgres://postgres@127.0.0.1:<port>/postgres`.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Runs one of the server programs, as `postgres` when we are root;
    /// panics with its output if it fails.
    fn run(&self, program: &str, args: &[&str]) {
        let output = self
            .command(program, args)
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"));
        assert!(
            output.status.success(),
            "{program} {args:?} failed: {}\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command.args(args).current_dir(&self.dir);
        command
    }

    /// Starts the cluster (after [`Cluster::crash`], it recovers from its
    /// write-ahead log first) and waits until it accepts connections.
    pub fn up(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=on",
            self.port,
            self.dir.display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-l",
                &self.log().display().to_string(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    /// Stops the cluster abruptly: `pg_ctl stop -m immediate`, every
    /// process quits at once, without a checkpoint (a crash, as far as the
    /// data is concerned).
    pub fn crash(&self) {
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }

    fn log(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// What the cluster logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log()).unwrap_or_default()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command(
                "pg_ctl",
                &[
                    "-D",
                    &self.data().display().to_string(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
            )
            .output();
        if std::thread::panicking() {
            eprintln!("--- last lines of the private PostgreSQL log ---");
            let log = self.log_text();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
