//! The API reference page, `/docs`: Swagger UI rendering `/openapi.json`, from assets embedded in
//! the binary (vendored from npm, see `crates/api/assets/swagger-ui-*/VENDORED.md`).
//!
//! The assets are served under versioned or content-hashed names with a one-year immutable cache
//! lifetime; the page itself is never cached, so a new binary's page names the new assets. The
//! Content-Security-Policy allows no inline script and nothing from another origin.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::AppError;

/// The vendored Swagger UI's directory name (and the version in its assets' URLs).
const SWAGGER_UI: &str = "swagger-ui-5.35.0";

/// The policy of the page: scripts, styles, images and fetches from this origin only (images
/// also as `data:` URIs, which Swagger UI's stylesheet uses for its icons), not framed by anyone.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// A year: how long a browser may keep an asset, whose name changes with its content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

struct Asset {
    name: String,
    body: &'static [u8],
    content_type: &'static str,
}

/// The assets, by name under `/docs/assets/`.
static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    let init: &'static [u8] = include_bytes!("../../assets/docs.js");
    let hash = Sha256::digest(init);
    let short: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
    let vendored = |file: &str, body: &'static [u8], content_type| Asset {
        name: format!("{SWAGGER_UI}/{file}"),
        body,
        content_type,
    };
    vec![
        Asset {
            name: format!("docs-{short}.js"),
            body: init,
            content_type: "text/javascript; charset=utf-8",
        },
        vendored(
            "swagger-ui-bundle.js",
            include_bytes!("../../assets/swagger-ui-5.35.0/swagger-ui-bundle.js"),
            "text/javascript; charset=utf-8",
        ),
        vendored(
            "swagger-ui.css",
            include_bytes!("../../assets/swagger-ui-5.35.0/swagger-ui.css"),
            "text/css; charset=utf-8",
        ),
        vendored(
            "LICENSE",
            include_bytes!("../../assets/swagger-ui-5.35.0/LICENSE"),
            "text/plain; charset=utf-8",
        ),
        vendored(
            "NOTICE",
            include_bytes!("../../assets/swagger-ui-5.35.0/NOTICE"),
            "text/plain; charset=utf-8",
        ),
        vendored(
            "swagger-ui-bundle.js.LICENSE.txt",
            include_bytes!("../../assets/swagger-ui-5.35.0/swagger-ui-bundle.js.LICENSE.txt"),
            "text/plain; charset=utf-8",
        ),
    ]
});

/// The page, naming the assets by their current names.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    let init = ASSETS.first().map_or("", |asset| asset.name.as_str());
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tenantdesk API reference</title>
<link rel="stylesheet" href="/docs/assets/{SWAGGER_UI}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/{SWAGGER_UI}/swagger-ui-bundle.js"></script>
<script src="/docs/assets/{init}"></script>
<noscript>The API reference needs JavaScript; the document itself is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<footer><a href="/docs/assets/{SWAGGER_UI}/LICENSE">Swagger UI licence</a></footer>
</body>
</html>
"#
    )
});

/// `GET /docs`.
pub async fn page() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        PAGE.as_str(),
    )
        .into_response()
}

/// `GET /docs/assets/{*name}`.
pub async fn asset(Path(name): Path<String>) -> Result<Response, AppError> {
    let asset = ASSETS
        .iter()
        .find(|asset| asset.name == name)
        .ok_or(AppError::RouteNotFound)?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        asset.body,
    )
        .into_response())
}
