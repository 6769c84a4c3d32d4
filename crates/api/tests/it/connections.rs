//! Slow and idle clients over real TCP: header and body timeouts, idle keep-alive connections, and
//! the bound on connections served at once. Timeouts are set short (1 s); the tests wait for each
//! condition with a generous upper bound and never assert how long anything took.

use std::time::Duration;

use tenantdesk_api::Limits;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// How long a test waits for a condition before it fails: far past any timeout it configures.
const PATIENCE: Duration = Duration::from_secs(60);

/// A server on the test's database with 1-second timeouts, at most `max_connections`
/// connections and no rate limit; its address (`host:port`).
async fn server(app: &crate::helpers::TestApp, header_timeout: Duration, max_connections: usize) -> String {
    let limits = Limits {
        header_timeout,
        body_timeout: Duration::from_secs(1),
        max_connections,
        rate_limit_per_minute: 0,
    };
    let url = app.instance_with(limits).await;
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
