//! The private PostgreSQL cluster: when no `DATABASE_URL` is given, Zonekeeper keeps its own
//! cluster in `<data-dir>/postgres` (socket in `run/`, server log in `log/`), created with `initdb` on first use and started and stopped
//! with `pg_ctl`, using the system's PostgreSQL server binaries.
//!
//! The cluster listens on a Unix socket only (`listen_addresses = ''`), in a directory only
//! its owner can enter, so trust authentication is safe: nobody else can reach the socket.
//! PostgreSQL refuses to run as root; when we are root, the cluster runs as the `postgres`
//! system user and root (which may enter any directory) still connects.
//!
//! The test harness uses the same code for its throw-away clusters.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sqlx::postgres::PgConnectOptions;

/// The database the private cluster serves to Zonekeeper.
pub const DATABASE: &str = "zonekeeper";
/// The superuser created by `initdb`.
pub const USER: &str = "zonekeeper";
/// Only names the socket file (`.s.PGSQL.<port>`); nothing listens on TCP.
const PORT: u16 = 5432;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("PostgreSQL server binaries not found (looked for {0}); install them with `apt-get install postgresql`, or set DATABASE_URL")]
    NoBinaries(String),
    #[error("{0}: {1}")]
    Io(String, io::Error),
    #[error("`{cmd}` failed: {output}")]
    Command { cmd: String, output: String },
    #[error("the data directory {0} cannot be entered by the `postgres` system user; choose a data directory outside /root (ZONEKEEPER_DATA_DIR), or set DATABASE_URL")]
    NotTraversable(PathBuf),
}

/// A private cluster on disk. `start` and `stop` are idempotent.
#[derive(Debug, Clone)]
pub struct Cluster {
    bin_dir: PathBuf,
    data: PathBuf,
    socket_dir: PathBuf,
    log: PathBuf,
    /// When running as root, the system user that owns and runs the cluster.
    run_as: Option<&'static str>,
}

impl Cluster {
    /// The cluster below `data_dir` (`postgres/` for the data, `run/` for the socket).
    pub fn in_data_dir(data_dir: &Path) -> Result<Cluster, ClusterError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| ClusterError::Io(format!("creating {}", data_dir.display()), e))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(|e| ClusterError::Io(format!("resolving {}", data_dir.display()), e))?;
        Ok(Cluster {
            bin_dir: find_bin_dir()?,
            data: data_dir.join("postgres"),
            socket_dir: data_dir.join("run"),
            log: data_dir.join("log").join("postgres.log"),
            run_as: running_as_root().then_some("postgres"),
        })
    }

    /// The cluster's server log.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// Connection options for `database` on this cluster.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(PORT)
            .username(USER)
            .database(database)
    }

    /// The same as a URL, for tools such as `psql` and `sqlx prepare`.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{USER}@localhost/{database}?host={}&port={PORT}",
            self.socket_dir.display()
        )
    }

    fn initialized(&self) -> bool {
        self.data.join("PG_VERSION").exists()
    }

    /// Create the cluster if it does not exist yet. Returns true when it was created.
    pub fn init(&self) -> Result<bool, ClusterError> {
        if self.initialized() {
            return Ok(false);
        }
        let log_dir = self.log.parent().unwrap_or(&self.socket_dir).to_path_buf();
        for dir in [&self.data, &self.socket_dir, &log_dir] {
            std::fs::create_dir_all(dir)
                .map_err(|e| ClusterError::Io(format!("creating {}", dir.display()), e))?;
            self.chown(dir)?;
        }
        if let Some(user) = self.run_as {
            // The postgres user must be able to reach its directories through every parent.
            let probe = Command::new("runuser")
                .args(["-u", user, "--", "test", "-x"])
                .arg(&self.data)
                .status()
                .map_err(|e| ClusterError::Io("running runuser".into(), e))?;
            if !probe.success() {
                return Err(ClusterError::NotTraversable(self.data.clone()));
            }
        }
        self.run(
            "initdb",
            &[
                "-D".as_ref(),
                self.data.as_os_str(),
                "--auth=trust".as_ref(),
                "-U".as_ref(),
                USER.as_ref(),
                "--encoding=UTF8".as_ref(),
                "--locale=C".as_ref(),
            ],
        )?;
        Ok(true)
    }

    /// Create this cluster as a streaming replica (hot standby) of `primary`, which must be
    /// running: a base backup with `-R`, which writes `standby.signal` and the connection to
    /// the primary (`primary_conninfo`). Returns false when it existed already.
    pub fn init_standby_of(&self, primary: &Cluster) -> Result<bool, ClusterError> {
        if self.initialized() {
            return Ok(false);
        }
        let log_dir = self.log.parent().unwrap_or(&self.socket_dir).to_path_buf();
        for dir in [&self.socket_dir, &log_dir] {
            std::fs::create_dir_all(dir)
                .map_err(|e| ClusterError::Io(format!("creating {}", dir.display()), e))?;
            self.chown(dir)?;
        }
        // pg_basebackup creates the data directory itself (mode 0700, owned by its user).
        if let Some(parent) = self.data.parent() {
            self.chown(parent)?;
        }
        let port = PORT.to_string();
        self.run(
            "pg_basebackup",
            &[
                "-D".as_ref(),
                self.data.as_os_str(),
                "-h".as_ref(),
                primary.socket_dir.as_os_str(),
                "-p".as_ref(),
                port.as_ref(),
                "-U".as_ref(),
                USER.as_ref(),
                "-X".as_ref(),
                "stream".as_ref(),
                "-R".as_ref(),
            ],
        )?;
        Ok(true)
    }

    /// Whether a postmaster is running on this cluster.
    pub fn is_running(&self) -> bool {
        // Without its lock file no postmaster runs (pg_ctl would say the same, slower).
        self.initialized()
            && self.data.join("postmaster.pid").exists()
            && self
                .command(
                    "pg_ctl",
                    &["status".as_ref(), "-D".as_ref(), self.data.as_os_str()],
                )
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
    }

    /// Start the cluster (and wait until it accepts connections). Returns false when it was
    /// already running.
    ///
    /// `pg_ctl start -w` reports a server that fails to start, but looks whether it is up
    /// only ten times a second (PostgreSQL 15): its answer comes up to 100 ms after the server
    /// accepts connections, which a starting `serve` waits for before it loads the zones. So
    /// the server's own status line in `postmaster.pid` (the one `pg_ctl` reads) is read
    /// meanwhile, every few milliseconds, and whichever says so first ends the wait.
    pub fn start(&self) -> Result<bool, ClusterError> {
        if self.is_running() {
            return Ok(false);
        }
        let opts = format!(
            "-c listen_addresses='' -k {} -p {PORT} -c unix_socket_permissions=0700",
            self.socket_dir.display()
        );
        // A postmaster.pid left by a server that died says `ready` too: only one written since
        // this start counts (its start time, line 3, as pg_ctl checks it, with pg_ctl's two
        // seconds of slack).
        let since = unix_seconds().saturating_sub(2);
        let mut pg_ctl = self
            .command(
                "pg_ctl",
                &[
                    "start".as_ref(),
                    "-w".as_ref(),
                    "-t".as_ref(),
                    "60".as_ref(),
                    "-D".as_ref(),
                    self.data.as_os_str(),
                    "-l".as_ref(),
                    self.log.as_os_str(),
                    "-o".as_ref(),
                    opts.as_ref(),
                ],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| ClusterError::Io("running pg_ctl".into(), e))?;
        loop {
            match pg_ctl.try_wait() {
                Ok(Some(_)) | Err(_) => {
                    let out = pg_ctl
                        .wait_with_output()
                        .map_err(|e| ClusterError::Io("running pg_ctl".into(), e))?;
                    return self.outcome("pg_ctl", &out).map(|()| true);
                }
                Ok(None) if self.accepting(since) => {
                    // pg_ctl ends by itself within its next look; it is reaped then.
                    std::thread::spawn(move || pg_ctl.wait_with_output());
                    return Ok(true);
                }
                Ok(None) => std::thread::sleep(std::time::Duration::from_millis(5)),
            }
        }
    }

    /// Whether a postmaster started at `since` (Unix seconds) or later says it accepts
    /// connections.
    fn accepting(&self, since: u64) -> bool {
        std::fs::read_to_string(self.data.join("postmaster.pid"))
            .is_ok_and(|pid| lock_file_accepting(&pid, since))
    }

    /// Stop the cluster (fast shutdown: open transactions are rolled back).
    pub fn stop(&self) -> Result<(), ClusterError> {
        if !self.is_running() {
            return Ok(());
        }
        self.run(
            "pg_ctl",
            &[
                "stop".as_ref(),
                "-w".as_ref(),
                "-m".as_ref(),
                "fast".as_ref(),
                "-D".as_ref(),
                self.data.as_os_str(),
            ],
        )
    }

    /// Create the application database if it does not exist.
    pub async fn ensure_database(&self, name: &str) -> Result<(), sqlx::Error> {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect_with(&self.connect_options("postgres")).await?;
        let exists: bool =
            sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
                .bind(name)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            // Identifiers cannot be bound; `name` is one of ours, quoted anyway.
            sqlx::query(&format!(
                "create database \"{}\"",
                name.replace('"', "\"\"")
            ))
            .execute(&mut conn)
            .await?;
        }
        conn.close().await
    }

    fn chown(&self, path: &Path) -> Result<(), ClusterError> {
        if let Some(user) = self.run_as {
            let status = Command::new("chown")
                .arg(user)
                .arg(path)
                .status()
                .map_err(|e| ClusterError::Io("running chown".into(), e))?;
            if !status.success() {
                return Err(ClusterError::Command {
                    cmd: format!("chown {user} {}", path.display()),
                    output: status.to_string(),
                });
            }
        }
        Ok(())
    }

    fn command(&self, program: &str, args: &[&std::ffi::OsStr]) -> Command {
        let exe = self.bin_dir.join(program);
        let mut cmd = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(exe);
                c
            }
            None => Command::new(exe),
        };
        cmd.args(args).stdin(Stdio::null());
        // Start from a neutral directory: the postgres user may not be allowed into ours.
        cmd.current_dir("/");
        cmd
    }

    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Result<(), ClusterError> {
        let out = self
            .command(program, args)
            .output()
            .map_err(|e| ClusterError::Io(format!("running {program}"), e))?;
        self.outcome(program, &out)
    }

    /// `Ok` if `program` succeeded, else its output and the tail of the server log.
    fn outcome(&self, program: &str, out: &std::process::Output) -> Result<(), ClusterError> {
        if out.status.success() {
            Ok(())
        } else {
            let mut output = String::from_utf8_lossy(&out.stderr).into_owned();
            output.push_str(&String::from_utf8_lossy(&out.stdout));
            if let Ok(log) = std::fs::read_to_string(&self.log) {
                let tail: Vec<&str> = log.lines().rev().take(10).collect();
                output.push_str("\nlog: ");
                output.push_str(&tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
            }
            Err(ClusterError::Command {
                cmd: program.to_owned(),
                output,
            })
        }
    }
}

fn running_as_root() -> bool {
    // SAFETY-free check: the effective uid of this process, as the kernel reports it.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`: `$ZONEKEEPER_PG_BIN`, else the
/// newest `/usr/lib/postgresql/<version>/bin` (Debian/Ubuntu), else whatever is on `PATH`.
fn find_bin_dir() -> Result<PathBuf, ClusterError> {
    if let Some(dir) = std::env::var_os("ZONEKEEPER_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .find(|d| d.join("initdb").exists() && d.join("pg_ctl").exists())
        .ok_or_else(|| ClusterError::NoBinaries("/usr/lib/postgresql/*/bin and PATH".into()))
}

/// Whether the text of a `postmaster.pid` says that a postmaster started at `since` (Unix
/// seconds) or later accepts connections: line 3 holds its start time, line 8 its status,
/// `ready`, or `standby` for a hot standby (PostgreSQL's `LOCK_FILE_LINE_START_TIME` and
/// `LOCK_FILE_LINE_PM_STATUS`, the lines `pg_ctl -w` reads).
fn lock_file_accepting(pid_file: &str, since: u64) -> bool {
    let lines: Vec<&str> = pid_file.lines().collect();
    let started = lines.get(2).and_then(|t| t.trim().parse::<u64>().ok());
    let status = lines.get(7).map(|s| s.trim());
    started.is_some_and(|t| t >= since) && matches!(status, Some("ready" | "standby"))
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::lock_file_accepting;

    fn lock_file(started: u64, status: &str) -> String {
        format!("4242\n/var/lib/zk/postgres\n{started}\n5432\n/run/zk\n\n  1234567     42\n{status:<8}\n")
    }

    #[test]
    fn only_a_postmaster_started_since_counts_as_accepting() {
        assert!(lock_file_accepting(&lock_file(1_000, "ready"), 1_000));
        assert!(lock_file_accepting(&lock_file(1_001, "standby"), 1_000));
        // Left behind by a server that died before this start.
        assert!(!lock_file_accepting(&lock_file(999, "ready"), 1_000));
        // Still starting, or stopping.
        assert!(!lock_file_accepting(&lock_file(1_000, "starting"), 1_000));
        assert!(!lock_file_accepting(&lock_file(1_000, "stopping"), 1_000));
        // Written only in part.
        assert!(!lock_file_accepting(
            "4242\n/var/lib/zk/postgres\n1000\n",
            1_000
        ));
        assert!(!lock_file_accepting("", 0));
    }
}
