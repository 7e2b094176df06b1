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
