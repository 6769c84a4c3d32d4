//! What only PostgreSQL can show: readiness follows the database server.

use reqwest::Method;

use crate::helpers::send;

#[tokio::test]
async fn readiness_fails_while_the_database_refuses_connections() {
    let app = spawn_app!();
    let (status, _, _) = send(&app, Method::GET, &app.url("/readyz"), None, &[], None).await;
    assert_eq!(status, 200);

    // Close the database to new connections and end the open ones: the pool cannot reconnect.
    let name = app
        .database_url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let admin_url = std::env::var(tenantdesk_postgres::testing::TEST_DATABASE_URL).unwrap();
    let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
    let close = format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false");
    sqlx::query(sqlx::AssertSqlSafe(close)).execute(&admin).await.unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(&name)
        .execute(&admin)
        .await
        .unwrap();
    // pg_terminate_backend only signals: wait until every client's backend is gone.
    let started = std::time::Instant::now();
    loop {
        let left: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'",
        )
        .bind(&name)
        .fetch_one(&admin)
        .await
        .unwrap();
        if left == 0 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{left} backends stay"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    let (status, _, body) = send(&app, Method::GET, &app.url("/readyz"), None, &[], None).await;
    assert_eq!((status, body["status"].as_str()), (503, Some("unavailable")));
    let (status, _, _) = send(&app, Method::GET, &app.url("/healthz"), None, &[], None).await;
    assert_eq!(status, 200, "alive, though not ready");

    let open = format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS true");
    sqlx::query(sqlx::AssertSqlSafe(open)).execute(&admin).await.unwrap();
    let (status, _, _) = send(&app, Method::GET, &app.url("/readyz"), None, &[], None).await;
    assert_eq!(status, 200, "ready again");
}
