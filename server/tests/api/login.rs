//! Logging in and out with a browser session.

use reqwest::StatusCode;
use serde_json::json;

use zonekeeper::state::WebConfig;

use crate::harness::{TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

#[tokio::test]
async fn login_success_and_generic_failure() {
    let app = TestApp::start().await;
    let mut c = app.browser();
    let r = c
        .post(
            "/api/v1/auth/login",
            json!({"email": "ADMIN@example.com", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["email"], ADMIN_EMAIL);
    assert_eq!(r.json()["role"], "admin");
    assert!(r.json().get("password_hash").is_none());
    let set_cookie = r
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    assert!(
        !set_cookie.contains("Secure"),
        "plain http: no Secure flag: {set_cookie}"
    );
    assert_eq!(c.get("/api/v1/me").await.json()["email"], ADMIN_EMAIL);

    // Wrong password and unknown account: the same answer, word for word.
    let mut other = app.browser();
    let wrong = other
        .post(
            "/api/v1/auth/login",
            json!({"email": ADMIN_EMAIL, "password": "wrong password 123"}),
        )
        .await
        .problem(StatusCode::UNAUTHORIZED);
    let unknown = other
        .post(
            "/api/v1/auth/login",
            json!({"email": "nobody@example.com", "password": "wrong password 123"}),
        )
        .await
        .problem(StatusCode::UNAUTHORIZED);
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["detail"], "invalid email or password");
    assert!(other.cookie.is_none(), "no session for a failed login");
    assert_eq!(
        other.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

#[tokio::test]
async fn disabled_account_cannot_log_in_and_loses_its_session() {
    let app = TestApp::start().await;
    let mut cust = app.customer("carol@example.com").await;
    let id = cust.get("/api/v1/me").await.json()["id"].as_i64().unwrap();
    let mut admin = app.admin().await;
    let r = admin
        .patch(&format!("/api/v1/users/{id}"), json!({"disabled": true}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        cust.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let p = app
        .browser()
        .post(
            "/api/v1/auth/login",
            json!({"email": "carol@example.com", "password": "customer password 1234"}),
        )
        .await
        .problem(StatusCode::UNAUTHORIZED);
    assert_eq!(p["detail"], "invalid email or password");
    app.stop().await;
}

#[tokio::test]
async fn login_is_rate_limited_per_account() {
    let app = TestApp::start().await;
    let mut c = app.browser();
    for _ in 0..5 {
        c.post(
            "/api/v1/auth/login",
            json!({"email": ADMIN_EMAIL, "password": "not the password"}),
        )
        .await
        .problem(StatusCode::UNAUTHORIZED);
    }
    // Now even the right password is refused until the window has passed.
    c.post(
        "/api/v1/auth/login",
        json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
    )
    .await
    .problem(StatusCode::TOO_MANY_REQUESTS);
    assert!(c.cookie.is_none());
    // Once the failures are older than the window, the account may log in again.
    sqlx::query("update login_failure set created_at = now() - interval '16 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    app.stop().await;
}

#[tokio::test]
async fn login_is_rate_limited_per_source_address() {
    let app = TestApp::start().await;
    let mut c = app.browser();
    // Spread over many accounts so the per-account limit never triggers.
    for i in 0..20 {
        c.post(
            "/api/v1/auth/login",
            json!({"email": format!("user{i}@example.com"), "password": "guess guess guess"}),
        )
        .await
        .problem(StatusCode::UNAUTHORIZED);
    }
    c.post(
        "/api/v1/auth/login",
        json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
    )
    .await
    .problem(StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

/// 40 guesses at once for one account: the attempt is counted before the password is checked,
/// under a lock, so no more than the 5 of the policy get a verdict; the rest are throttled.
#[tokio::test]
async fn concurrent_guesses_are_admitted_only_up_to_the_limit() {
    let app = TestApp::start().await;
    let guesses = (0..40).map(|i| {
        let mut c = app.browser();
        async move {
            c.post(
                "/api/v1/auth/login",
                json!({"email": ADMIN_EMAIL, "password": format!("wrong guess {i}")}),
            )
            .await
            .status
        }
    });
    let statuses = futures::future::join_all(guesses).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(checked <= 5, "{checked} guesses were checked: {statuses:?}");
    assert_eq!(checked + throttled, 40, "{statuses:?}");
    app.stop().await;
}

/// The process's resident memory, in MiB (Linux).
fn rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap()
        / 1024
}

/// 500 wrong logins at once from 250 loopback addresses (so that the per-address throttle
/// does not stop them): password checks are bounded (`--login-concurrency`, 4 here), the rest
/// are told the server is busy, the process's memory stays bounded, and a good login still
/// works afterwards.
#[tokio::test]
async fn a_login_flood_keeps_memory_bounded() {
    let app = TestApp::start().await;
    let before = rss_mib();
    let flood = (0..500u32).map(|i| {
        let address = std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 1, 1 + (i % 250) as u8));
        let http = reqwest::Client::builder().local_address(address).build().unwrap();
        let url = format!("{}/api/v1/auth/login", app.base);
        async move {
            http.post(url)
                .json(&json!({"email": format!("nobody{i}@example.com"), "password": "flood flood flood"}))
                .send()
                .await
                .map(|r| r.status())
        }
    });
    let statuses = futures::future::join_all(flood).await;
    let after = rss_mib();
    for status in &statuses {
        let status = status.as_ref().expect("a reply");
        assert!(
            [
                StatusCode::UNAUTHORIZED,
                StatusCode::SERVICE_UNAVAILABLE,
                StatusCode::TOO_MANY_REQUESTS
            ]
            .contains(status),
            "{status}"
        );
    }
    let busy = statuses
        .iter()
        .filter(|s| matches!(s, Ok(StatusCode::SERVICE_UNAVAILABLE)))
        .count();
    println!("login flood: 500 attempts, {busy} told busy, RSS {before} MiB -> {after} MiB");
    // Unbounded, 500 concurrent argon2id checks would take 500 × 19 MiB ≈ 9.5 GiB.
    assert!(
        after < before + 512,
        "RSS grew from {before} to {after} MiB"
    );
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    app.stop().await;
}

#[tokio::test]
async fn session_id_rotates_on_login_and_logout_destroys_it() {
    let app = TestApp::start().await;
    let mut c = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let first = c.cookie.clone().unwrap();
    // Logging in again with the old cookie yields a new id, and the old one is dead.
    let r = c
        .post(
            "/api/v1/auth/login",
            json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let second = c.cookie.clone().unwrap();
    assert_ne!(first, second);
    let mut replay = app.browser();
    replay.cookie = Some(first);
    assert_eq!(
        replay.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Logout deletes the session server-side: replaying the cookie does not work.
    let r = c.post("/api/v1/auth/logout", json!({})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let mut replay = app.browser();
    replay.cookie = Some(second);
    assert_eq!(
        replay.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let sessions: i64 = sqlx::query_scalar("select count(*) from tower_sessions.session")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    app.stop().await;
}

#[tokio::test]
async fn absolute_and_idle_session_timeouts() {
    // Absolute: two seconds after login the session ends, however busy it is.
    let mut web = WebConfig::from_public_url(None, 30, 12);
    web.session_max = time::Duration::seconds(2);
    let app = TestApp::start_with(web).await;
    let mut c = app.admin().await;
    for _ in 0..6 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        if c.get("/api/v1/me").await.status == StatusCode::UNAUTHORIZED {
            break;
        }
    }
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    app.stop().await;

    // Idle: a session in use stays alive past the idle timeout; one left alone for longer
    // than the idle timeout is gone.
    let mut web = WebConfig::from_public_url(None, 30, 12);
    web.session_idle = time::Duration::seconds(2);
    let app = TestApp::start_with(web).await;
    let mut c = app.admin().await;
    for _ in 0..5 {
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        assert_eq!(
            c.get("/api/v1/me").await.status,
            StatusCode::OK,
            "active session expired"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn html_form_login_redirects() {
    let app = TestApp::start().await;
    let mut c = app.browser();
    let body = format!(
        "email={}&password={}",
        "admin%40example.com",
        ADMIN_PASSWORD.replace(' ', "+")
    );
    let r = c
        .send(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers["location"], "/");
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::OK);
    let mut bad = app.browser();
    let r = bad
        .send(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            Some("application/x-www-form-urlencoded"),
            b"email=admin%40example.com&password=nope".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers["location"], "/login?error=invalid");
    let r = c
        .send(
            reqwest::Method::POST,
            "/api/v1/auth/logout",
            Some("application/x-www-form-urlencoded"),
            vec![],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers["location"], "/login");
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn password_change_and_rehash_on_login() {
    let app = TestApp::start().await;
    let mut c = app.admin().await;
    let p = c
        .post(
            "/api/v1/me/password",
            json!({"current_password": "wrong one", "new_password": "a brand new password"}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "current_password");
    let p = c
        .post(
            "/api/v1/me/password",
            json!({"current_password": ADMIN_PASSWORD, "new_password": "short"}),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "new_password");
    let long = "x".repeat(64);
    let r = c
        .post(
            "/api/v1/me/password",
            json!({"current_password": ADMIN_PASSWORD, "new_password": long}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    app.browser()
        .post(
            "/api/v1/auth/login",
            json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .await
        .problem(StatusCode::UNAUTHORIZED);
    app.login(ADMIN_EMAIL, &long).await;

    // A hash made with weaker parameters is replaced on the next successful login.
    let weak = "$argon2id$v=19$m=8192,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$9p0gzrj1qkYHe7NIZXi+9UQC6q0ZIx4YOWl/d6ZUbJY";
    let verified = zonekeeper::auth::password::Memory::new().verify("password", weak);
    if verified != zonekeeper::auth::password::Verified::No {
        panic!("fixture hash is for another password");
    }
    let h = tokio::task::spawn_blocking(|| {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let params = argon2::Params::new(8192, 1, 1, None).unwrap();
        let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        a.hash_password(b"weakly hashed password", &salt)
            .unwrap()
            .to_string()
    })
    .await
    .unwrap();
    sqlx::query("update account set password_hash = $1 where email = $2")
        .bind(&h)
        .bind(ADMIN_EMAIL)
        .execute(&app.pool)
        .await
        .unwrap();
    app.login(ADMIN_EMAIL, "weakly hashed password").await;
    let stored: String = sqlx::query_scalar("select password_hash from account where email = $1")
        .bind(ADMIN_EMAIL)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    app.stop().await;
}

/// A password change ends every other browser session (a stolen session does not outlive a
/// reset) but not the one that made it; with `revoke_tokens` the account's API tokens go too.
#[tokio::test]
async fn a_password_change_ends_the_other_sessions() {
    let app = TestApp::start().await;
    let mut other = app.admin().await;
    let mut me = app.admin().await;
    let r = me.post("/api/v1/tokens", json!({"name": "deploy"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let secret = r.json()["secret"].as_str().unwrap().to_owned();
    // Sessions are stamped to the second: let the change come in a later one.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let new = "a new password for all";
    let r = me
        .post(
            "/api/v1/me/password",
            json!({"current_password": ADMIN_PASSWORD, "new_password": new}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        me.get("/api/v1/me").await.status,
        StatusCode::OK,
        "the changing session goes on"
    );
    assert_eq!(
        other.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED,
        "the other one ends"
    );
    let mut api = app.with_token(&secret);
    assert_eq!(
        api.get("/api/v1/me").await.status,
        StatusCode::OK,
        "tokens stay unless asked"
    );
    let r = me
        .post(
            "/api/v1/me/password",
            json!({"current_password": new, "new_password": "and yet another one", "revoke_tokens": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        api.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED,
        "tokens revoked"
    );
    assert_eq!(me.get("/api/v1/me").await.status, StatusCode::OK);
    app.stop().await;
}
