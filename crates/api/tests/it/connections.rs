//! Slow and idle clients over real TCP: header and body timeouts, idle keep-alive connections, and
//! the bound on connections served at once. Timeouts are set short (1 s); the tests wait for each
//! condition with a generous upper bound and never assert how long anything took.

use std::time::Duration;

use tenantdesk_api::Limits;
use tenantdesk_server::Settings;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// How long a test waits for a condition before it fails: far past any timeout it configures.
const PATIENCE: Duration = Duration::from_secs(60);

/// A server on the test's database with 1-second timeouts, at most `max_connections`
/// connections and no rate limit; its address (`host:port`).
async fn server(app: &crate::helpers::TestApp, header_timeout: Duration, max_connections: usize) -> String {
    let limits = Limits {
        rate_limit_per_minute: 0,
    };
    let settings = Settings {
        header_timeout,
        body_timeout: Duration::from_secs(1),
        max_connections,
        tls: None,
    };
    let url = app.instance_with(limits, settings).await;
    url.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection (end of stream or reset); what it sent.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let read = async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    };
    tokio::time::timeout(PATIENCE, read)
        .await
        .expect("the server kept the connection open");
    received
}

/// Sends `GET /healthz` on `stream`, keeping the connection alive, and reads the whole answer.
async fn health(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: tenantdesk\r\n\r\n")
        .await
        .unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&received).ends_with(r#"{"status":"ok"}"#) {
        let n = tokio::time::timeout(PATIENCE, stream.read(&mut buffer))
            .await
            .expect("no answer")
            .unwrap();
        assert!(n > 0, "closed before answering: {}", String::from_utf8_lossy(&received));
        received.extend_from_slice(&buffer[..n]);
    }
    String::from_utf8(received).unwrap()
}

#[tokio::test]
async fn a_client_sending_half_a_header_is_disconnected() {
    let app = spawn_app!();
    let address = server(&app, Duration::from_secs(1), 16).await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: tenantdesk\r\nX-Slow: ")
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = spawn_app!();
    let address = server(&app, Duration::from_secs(1), 16).await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let answer = health(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(
        !answer.to_ascii_lowercase().contains("connection: close"),
        "kept alive: {answer}"
    );
    // Nothing more is sent: the server closes the idle connection.
    let rest = read_until_closed(&mut stream).await;
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
}

#[tokio::test]
async fn a_stalled_body_is_answered_408() {
    let app = spawn_app!();
    let address = server(&app, Duration::from_secs(30), 16).await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /v1/customers/{}/users HTTP/1.1\r\nHost: tenantdesk\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"displayName\"",
        app.cid(),
        app.admin_token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = String::from_utf8(read_until_closed(&mut stream).await).unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let body = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        (body["code"].as_u64(), body["source"].as_str()),
        (Some(408), Some("tenantdesk"))
    );
    assert_eq!(crate::helpers::user_counts(&app).await, (0, 0));
}

#[tokio::test]
async fn a_connection_past_the_limit_is_refused_until_one_closes() {
    let app = spawn_app!();
    let address = server(&app, Duration::from_secs(600), 2).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        assert!(health(&mut stream).await.starts_with("HTTP/1.1 200 OK"));
        held.push(stream);
    }

    // A third connection is closed without an answer.
    let mut third = TcpStream::connect(&address).await.unwrap();
    let _ = third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: tenantdesk\r\n\r\n")
        .await;
    let answer = read_until_closed(&mut third).await;
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));

    // The held connections still work; once one closes, a new connection is served.
    assert!(health(&mut held[1]).await.starts_with("HTTP/1.1 200 OK"));
    drop(held.remove(0));
    let served = async {
        loop {
            let mut stream = TcpStream::connect(&address).await.unwrap();
            let _ = stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: tenantdesk\r\nConnection: close\r\n\r\n")
                .await;
            let answer = read_until_closed(&mut stream).await;
            if String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200 OK") {
                break;
            }
            // The server has not yet seen the closed connection end: poll again.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(PATIENCE, served)
        .await
        .expect("no connection was served after one closed");
}

/// A self-signed certificate for `localhost` and 127.0.0.1, made for the test: (certificate PEM,
/// key PEM).
fn self_signed() -> (String, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    (certified.cert.pem(), certified.signing_key.serialize_pem())
}

/// A server on the test's database serving TLS with `cert` and `key`, with a 1-second header
/// timeout; its address (`host:port`).
async fn tls_server(app: &crate::helpers::TestApp, cert: &str, key: &str) -> String {
    let tls = tenantdesk_server::tls::server_config(cert.as_bytes(), key.as_bytes()).unwrap();
    let settings = Settings {
        header_timeout: Duration::from_secs(1),
        tls: Some(tls),
        ..Settings::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let service = tenantdesk_api::service(tenantdesk_api::router(app.second_app().await));
    tokio::spawn(tenantdesk_server::serve(
        listener,
        service,
        settings,
        std::future::pending(),
    ));
    address
}

#[tokio::test]
async fn tls_serves_the_api_with_the_given_certificate_and_refuses_plain_http() {
    let app = spawn_app!();
    let (cert, key) = self_signed();
    let address = tls_server(&app, &cert, &key).await;
    let trusting = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(cert.as_bytes()).unwrap()])
        .build()
        .unwrap();
    for host in ["127.0.0.1", "localhost"] {
        let port = address.rsplit(':').next().unwrap();
        let health = trusting
            .get(format!("https://{host}:{port}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200, "{host}");
    }
    let users = trusting
        .get(format!("https://{address}/v1/customers/{}/users", app.cid()))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(users.status(), 200);

    // A client that does not trust the certificate gets no answer.
    let (other, _) = self_signed();
    let distrusting = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(other.as_bytes()).unwrap()])
        .build()
        .unwrap();
    assert!(
        distrusting
            .get(format!("https://{address}/healthz"))
            .send()
            .await
            .is_err()
    );

    // Plain HTTP to the TLS port: no HTTP answer, the connection is closed.
    let plain = reqwest::Client::new()
        .get(format!("http://{address}/healthz"))
        .send()
        .await;
    assert!(plain.is_err(), "{plain:?}");
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: tenantdesk\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(
        !String::from_utf8_lossy(&answer).contains("HTTP/1.1"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

#[tokio::test]
async fn a_tls_handshake_that_never_comes_is_cut_off_by_the_header_timeout() {
    let app = spawn_app!();
    let (cert, key) = self_signed();
    let address = tls_server(&app, &cert, &key).await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
}

#[test]
fn tls_refuses_a_key_that_is_not_the_certificates() {
    let (cert, _) = self_signed();
    let (_, other_key) = self_signed();
    let error = tenantdesk_server::tls::server_config(cert.as_bytes(), other_key.as_bytes()).unwrap_err();
    assert!(format!("{error:#}").contains("does not match"), "{error:#}");
    let error = tenantdesk_server::tls::server_config(b"not a pem", other_key.as_bytes()).unwrap_err();
    assert!(format!("{error:#}").contains("no certificate"), "{error:#}");
}
