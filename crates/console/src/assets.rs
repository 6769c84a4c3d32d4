//! The console's stylesheet and script, embedded in the binary and served under names that carry
//! a digest of their content, so they can be cached for a year and a new build is never served a
//! stale copy.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The route assets are served under.
pub const ROUTE: &str = "/assets/{name}";

const CSS: &str = include_str!("../assets/console.css");
const JS: &str = include_str!("../assets/console.js");

static CSS_PATH: LazyLock<String> = LazyLock::new(|| versioned("console", "css", CSS));
static JS_PATH: LazyLock<String> = LazyLock::new(|| versioned("console", "js", JS));

fn versioned(stem: &str, extension: &str, content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    let short: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("/assets/{stem}.{short}.{extension}")
}

/// The stylesheet's versioned path.
pub fn css_path() -> &'static str {
    &CSS_PATH
}

/// The script's versioned path.
pub fn js_path() -> &'static str {
    &JS_PATH
}

/// Serves an asset by its versioned name.
pub async fn serve(Path(name): Path<String>) -> Response {
    let path = format!("/assets/{name}");
    let (content, kind) = if path == *CSS_PATH {
        (CSS, "text/css; charset=utf-8")
    } else if path == *JS_PATH {
        (JS, "text/javascript; charset=utf-8")
    } else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        content,
    )
        .into_response()
}
