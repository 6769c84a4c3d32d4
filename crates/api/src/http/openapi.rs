//! The parts of the OpenAPI document that are not routes: title, version, licence, security
//! scheme, tags, and the responses every `/v1` operation shares (401, 413, 429).

use std::collections::BTreeSet;

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::schema::{ArrayItems, KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, ResponseBuilder};

use crate::extract::MAX_BODY_BYTES;

mod constraints;

#[derive(OpenApi)]
#[openapi(
    servers((url = "/", description = "The tenantdesk serving this document")),
    info(
        title = "tenantdesk",
        description = "tenantdesk is a self-hostable service that speaks Microsoft Partner Center's REST \
                       API for the users of a CSP partner's customers: create them, update them, reset \
                       their passwords, delete and restore them, and upload them from a CSV file, on \
                       SQLite or PostgreSQL. Clients written for Partner Center (its .NET SDK, its \
                       PowerShell module, code generated from its swagger) work against it by pointing \
                       their base URL at tenantdesk.\n\nEvery `/v1` operation needs a bearer JWT \
                       (`tenantdesk token issue`); errors have Partner Center's shape \
                       `{code, description, data, source}`.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
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

/// The name of the security scheme of every `/v1` operation.
const BEARER: &str = "bearer";

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A token from `tenantdesk token issue` (or `serve --demo`), signed by the \
                         service, naming the partner, the agent and its role.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document the routes are added to, with the binary's version.
pub fn base() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    env!("CARGO_PKG_VERSION").clone_into(&mut document.info.version);
    document
}

/// Adds what every `/v1` operation shares, which the routes' annotations leave out: the bearer
/// security requirement, 401 and 429 (with `Retry-After`), and 413 where there is a body; makes
/// the pages of a collection refer to their item's schema; and states what the server refuses
/// ([`constraints`]).
pub fn complete(document: &mut utoipa::openapi::OpenApi) {
    refer_to_collection_items(document);
    for (path, item) in &mut document.paths.paths {
        if !path.starts_with("/v1/") {
            continue;
        }
        // The CloudCockpit route answers every error in CloudCockpit's shape.
        let error = if path.ends_with("/reset-password") {
            "CloudCockpitError"
        } else {
            "ErrorBody"
        };
        for operation in operations(item) {
            allow_empty_optional_query_values(operation);
            if operation.security.is_none() {
                operation.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
            }
            let responses = &mut operation.responses.responses;
            responses.entry("401".to_owned()).or_insert_with(|| {
                error_response(
                    "The bearer token is missing (800001), malformed, expired or badly signed",
                    error,
                )
                .into()
            });
            if operation.request_body.is_some() {
                responses.entry("413".to_owned()).or_insert_with(|| {
                    error_response(&format!("The body is larger than {MAX_BODY_BYTES} bytes"), error).into()
                });
            }
            responses.entry("429".to_owned()).or_insert_with(|| {
                let retry_after = HeaderBuilder::new()
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                            .minimum(Some(0)),
                    ))
                    .description(Some("Seconds to wait before trying again"))
                    .build();
                ResponseBuilder::from(error_response(
                    "Too many requests; retry after `Retry-After` seconds",
                    error,
                ))
                .header("Retry-After", retry_after)
                .build()
                .into()
            });
        }
    }
    constraints::state(document);
}

/// The server reads an optional text query parameter sent empty (`filter=`) as absent, as
/// ASP.NET's binding does: `allowEmptyValue: true` says so. A number or a boolean sent empty
/// (`size=`, `validateOnly=`) is not one, and is refused: `allowEmptyValue: false` says so (tools
/// such as schemathesis take an optional parameter that does not say for one that may be empty).
/// utoipa's `Parameter` has no field for it, so it goes in the map its other fields are flattened
/// from, under its OpenAPI name.
fn allow_empty_optional_query_values(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        if let RefOr::T(parameter) = parameter
            && parameter.parameter_in == ParameterIn::Query
            && parameter.required == Required::False
        {
            let text = !matches!(
                &parameter.schema,
                Some(RefOr::T(Schema::Object(object)))
                    if matches!(object.schema_type, SchemaType::Type(Type::Integer | Type::Boolean))
            );
            parameter
                .extensions
                .get_or_insert_with(Default::default)
                .insert("allowEmptyValue".to_owned(), serde_json::Value::Bool(text));
        }
    }
}

/// utoipa inlines a generic's argument, so `Collection_CustomerUser` would carry a copy of
/// `CustomerUser` (and generated clients an anonymous class per page type); refer to the
/// component instead.
fn refer_to_collection_items(document: &mut utoipa::openapi::OpenApi) {
    let Some(components) = document.components.as_mut() else {
        return;
    };
    let names: BTreeSet<String> = components.schemas.keys().cloned().collect();
    for (name, schema) in &mut components.schemas {
        let Some(item) = name.strip_prefix("Collection_").filter(|item| names.contains(*item)) else {
            continue;
        };
        if let RefOr::T(Schema::Object(page)) = schema
            && let Some(RefOr::T(Schema::Array(items))) = page.properties.get_mut("items")
        {
            items.items = ArrayItems::RefOrSchema(Box::new(Ref::from_schema_name(item).into()));
        }
    }
}

/// A response with `description` whose JSON body is the schema component `schema`.
fn error_response(description: &str, schema: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(schema)))
                .build(),
        )
        .build()
}

/// The operations of a path.
fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}
