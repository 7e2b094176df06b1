//! The admin command line, run as a real process against the test's database.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::harness::TestApp;

fn zonekeeper(app: &TestApp, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zonekeeper"))
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zonekeeper");
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn user_and_token_commands_work_while_serving() {
    let app = TestApp::start().await;
    // Password from stdin.
    let (ok, out, err) = zonekeeper(
        &app,
        &[
            "user",
            "create",
            "--email",
            "ivan@example.com",
            "--role",
            "customer",
        ],
        Some("ivan's password 123\n"),
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("ivan@example.com"), "{out}");
    app.login("ivan@example.com", "ivan's password 123").await;

    // No password on stdin: one is generated and printed.
    let (ok, out, err) = zonekeeper(
        &app,
        &[
            "user",
            "create",
            "--email",
            "judy@example.com",
            "--role",
            "admin",
        ],
        Some(""),
    );
    assert!(ok, "{out}{err}");
    let pw = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("printed password")
        .trim()
        .to_owned();
    let mut judy = app.login("judy@example.com", &pw).await;
    assert_eq!(judy.get("/api/v1/me").await.json()["role"], "admin");

    // A too-short password is refused with the rule, and nothing is created.
    let (ok, _, err) = zonekeeper(
        &app,
        &[
            "user",
            "create",
            "--email",
            "ken@example.com",
            "--role",
            "customer",
        ],
        Some("short\n"),
    );
    assert!(!ok);
    assert!(err.contains("password"), "{err}");
    assert_eq!(
        app.count("account where email = 'ken@example.com'").await,
        0
    );

    // Tokens: printed once, read-only honoured.
    let (ok, out, err) = zonekeeper(
        &app,
        &[
            "token",
            "create",
            "--email",
            "ivan@example.com",
            "--name",
            "cli",
            "--read-only",
        ],
        None,
    );
    assert!(ok, "{out}{err}");
    let secret = out.trim().to_owned();
    assert!(secret.starts_with("zk_"), "{out}");
    let mut api = app.with_token(&secret);
    assert_eq!(
        api.get("/api/v1/me").await.json()["email"],
        "ivan@example.com"
    );
    api.post("/api/v1/tokens", serde_json::json!({"name": "x"}))
        .await
        .problem(StatusCode::FORBIDDEN);
    let (ok, _, err) = zonekeeper(
        &app,
        &[
            "token",
            "create",
            "--email",
            "nobody@example.com",
            "--name",
            "x",
        ],
        None,
    );
    assert!(!ok);
    assert!(err.contains("no account"), "{err}");
    app.stop().await;
}

/// `zonekeeper serve` with its private PostgreSQL: when the cluster stops under it (here a
/// `pg_ctl stop`; in life a crash or the OOM killer), it is restarted and the API recovers,
/// instead of answering 503 until someone restarts Zonekeeper. SIGTERM still stops both.
#[tokio::test]
async fn serve_restarts_its_private_postgresql_when_it_stops() {
    use std::io::{BufRead, BufReader};
    use std::time::{Duration, Instant};

    let dir = std::env::temp_dir().join(format!("zk-watchdog-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_zonekeeper"))
        .args([
            "serve",
            "--http-addr",
            "127.0.0.1:0",
            "--dns-addr",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(&dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "info")
        .env("ZONEKEEPER_ADMIN_PASSWORD", "watchdog admin password 1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zonekeeper serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("console and API on ").nth(1) {
                let _ = tx.send(rest.split(',').next().unwrap_or_default().to_owned());
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(90))
        .expect("zonekeeper serve printed its address");
    let http = reqwest::Client::new();
    let health = |http: reqwest::Client, base: String| async move {
        match http
            .get(format!("{base}/healthz"))
            .timeout(Duration::from_secs(5))
            .send()
            .await
        {
            Ok(r) => r
                .json::<serde_json::Value>()
                .await
                .ok()
                .map(|v| v["database"] == "ok"),
            Err(_) => None,
        }
    };
    assert_eq!(health(http.clone(), base.clone()).await, Some(true));

    // The postmaster's PID (the first line of postmaster.pid): a new one proves a restart.
    let postmaster = |dir: &std::path::Path| {
        std::fs::read_to_string(dir.join("postgres/postmaster.pid"))
            .ok()
            .and_then(|text| text.lines().next().map(str::to_owned))
    };
    let before = postmaster(&dir).expect("the private cluster runs");
    let cluster = zonekeeper::pg::Cluster::in_data_dir(&dir).unwrap();
    tokio::task::spawn_blocking(move || cluster.stop().unwrap())
        .await
        .unwrap();
    // Down, then back: the watchdog checks every 2 s; 60 s is this test's own bound.
    let started = Instant::now();
    let mut saw_down = false;
    loop {
        match health(http.clone(), base.clone()).await {
            Some(true) if saw_down => break,
            Some(true) => {}
            _ => saw_down = true,
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the API did not recover after the cluster stopped"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(saw_down, "the stop was not noticed");
    let after = postmaster(&dir).expect("the cluster runs again");
    assert_ne!(after, before, "the watchdog started a new postmaster");

    // SIGTERM: a clean exit, and the cluster is stopped with it.
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // (The "restarted" log line may not be written yet when SIGTERM comes: the API answers as
    // soon as PostgreSQL accepts connections, a moment before `pg_ctl start` returns.)
    assert!(
        stderr.contains("the private PostgreSQL cluster is not running; restarting it"),
        "{stderr}"
    );
    assert!(!dir.join("postgres/postmaster.pid").exists(), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
