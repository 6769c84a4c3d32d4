//! The parts of the OpenAPI document that are not routes: title, security scheme, tags.

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tenantdesk",
        description = "Microsoft Partner Center-compatible customer-user API: create, update, reset \
                       the password of, delete and restore the users of a CSP partner's customers."
    ),
    modifiers(&BearerToken),
    tags(
        (name = "customers", description = "The calling partner's customer tenants"),
        (name = "users", description = "The user accounts of a customer tenant"),
        (name = "roles", description = "Directory roles of a customer tenant and their members"),
        (name = "audit", description = "The partner's audit log"),
    )
)]
struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document the routes are added to.
pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
