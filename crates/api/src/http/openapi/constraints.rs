//! What the server refuses, stated in the document wherever a JSON schema can state it: lengths,
//! patterns, UUID formats, enums, required fields. The wire types derive their schemas from their
//! Rust types, which are loose on purpose (every request field is an `Option<String>`, so that a
//! bad value gets a 400 naming the field rather than a parse error); the rules those fields are
//! checked by live in `tenantdesk-domain` and the handlers, and are written here a second time as
//! JSON schema. The tests check each pattern against the parser it stands for.
//!
//! A pattern states the canonical form: the server also trims the blanks around a value and reads
//! some values in any case, which the patterns leave out. What no schema can state is left to the
//! descriptions: whether a domain is the customer's, whether a password holds the user's name,
//! whether a continuation token was issued by this server, whether `startDate` is before
//! `endDate`, what a CSV file holds.

use serde_json::{Value, json};
use tenantdesk_domain::{DIRECTORY_ROLES, Operation};
use utoipa::openapi::path::{Operation as PathOperation, ParameterIn};
use utoipa::openapi::schema::{
    AnyOfBuilder, ArrayItems, KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{OpenApi, RefOr};

/// The labels of a domain, as a regular expression without anchors.
macro_rules! domain {
    () => {
        r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+"
    };
}

/// The characters a name refuses (`names.rs`): the control characters (Cc) and the invisible and
/// text-direction ones, as the inside of a character class.
macro_rules! refused {
    () => {
        r"\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"
    };
}

/// One character a name may hold.
macro_rules! name_char {
    () => {
        concat!("[^", refused!(), "]")
    };
}

/// A DNS domain as `DomainName::parse` reads it: labels of letters, digits and inner hyphens,
/// at least two; at most [`tenantdesk_domain::MAX_DOMAIN_CHARS`] characters (`maxLength`).
const DOMAIN: &str = concat!("^", domain!(), "$");

/// A user principal name as `UserPrincipalName::parse` reads it: a local part of at most 64 of
/// `A-Z a-z 0-9 ' . - _ ! # ^ ~` not ending with `.`, `@`, a domain.
const UPN: &str = concat!("^[A-Za-z0-9'._!#^~-]{0,63}[A-Za-z0-9'_!#^~-]@", domain!(), "$");

/// The longest user principal name: a local part of 64 characters, `@`, a domain of 48.
const UPN_MAX_CHARS: usize = tenantdesk_domain::MAX_LOCAL_CHARS + 1 + MAX_DOMAIN;

/// A first or last name: no control character, nor one that is invisible or reorders text.
const PERSON_NAME: &str = concat!("^", name_char!(), "*$");

/// A display or company name: as a person's name, and not blank.
const NAME: &str = concat!("^", name_char!(), "*[^", refused!(), r"\s]", name_char!(), "*$");

/// A password's characters (Entra's policy; the policy's other rules, three classes of four and
/// not the user's name, are not a simple pattern).
const PASSWORD: &str = r#"^[A-Za-z0-9 @#$%^&*\-_!+=\[\]{}|\\:',.?/`~"();<>]*$"#;

/// An ISO 3166-1 alpha-2 code (any case; the server also refuses the pairs that are no code).
const USAGE_LOCATION: &str = "^[A-Za-z]{2}$";

/// A string without NUL, which the body reader refuses wherever it stands.
const NO_NUL: &str = r"^[^\u0000]*$";

/// The value of a header the server reads: visible ASCII, and not blank.
const HEADER_TEXT: &str = "^[ -~]*[!-~][ -~]*$";

/// A `filter` parameter: the JSON object `{"Field": …, "Value": …, "Operator": "equals"}`, its keys
/// in that order and spelt so (the server also reads them in any order and case), with JSON's
/// blanks between its tokens.
fn filter(field: &str, value: &str) -> String {
    let blank = r"[ \t\n\r]*";
    let pair = |key: &str, value: &str| format!(r#"{blank}"{key}"{blank}:{blank}"{value}"{blank}"#);
    format!(
        r"^\{{{},{},{}\}}$",
        pair("Field", field),
        pair("Value", value),
        pair("Operator", "equals")
    )
}

/// The `filter` of the user list.
fn user_filter() -> String {
    filter("UserState", "(Active|Inactive)")
}

/// A UUID in its hyphenated form.
const UUID: &str = "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}";

/// The `filter` of the audit log: a customer by id, an operation by name, or a resource or
/// correlation id.
fn audit_filter() -> String {
    let operations: Vec<&str> = Operation::ALL.iter().map(|o| o.as_str()).collect();
    [
        filter("CustomerId", UUID),
        filter("OperationType", &format!("({})", operations.join("|"))),
        filter("(ResourceId|CorrelationId)", r#"[^"\\\u0000-\u001f]*"#),
    ]
    .join("|")
}

/// A string's constraints.
#[derive(Debug, Default)]
struct Text {
    pattern: Option<String>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    uuid: bool,
    values: Option<Vec<Value>>,
}

impl Text {
    fn pattern(pattern: impl Into<String>, min_length: usize, max_length: Option<usize>) -> Self {
        Self {
            pattern: Some(pattern.into()),
            min_length: (min_length > 0).then_some(min_length),
            max_length,
            ..Self::default()
        }
    }

    fn uuid() -> Self {
        Self {
            uuid: true,
            ..Self::default()
        }
    }

    fn one_of(values: &[&str]) -> Self {
        Self {
            values: Some(values.iter().map(|v| json!(v)).collect()),
            ..Self::default()
        }
    }

    fn apply(self, object: &mut Object) {
        if self.pattern.is_some() {
            object.pattern = self.pattern;
        }
        object.min_length = self.min_length.or(object.min_length);
        object.max_length = self.max_length.or(object.max_length);
        if self.uuid {
            object.format = Some(SchemaFormat::KnownFormat(KnownFormat::Uuid));
        }
        if let Some(mut values) = self.values {
            if matches!(&object.schema_type, SchemaType::Array(types) if types.contains(&Type::Null)) {
                values.push(Value::Null);
            }
            object.enum_values = Some(values);
        }
    }
}

const MAX_NAME: usize = tenantdesk_domain::MAX_NAME_CHARS;
const MAX_DOMAIN: usize = tenantdesk_domain::MAX_DOMAIN_CHARS;

/// Adds every constraint to the request schemas and the parameters of `document`.
pub(super) fn state(document: &mut OpenApi) {
    if let Some(components) = document.components.as_mut() {
        let schemas = &mut components.schemas;
        for (schema, property, text) in property_constraints() {
            if let Some(object) = schemas
                .get_mut(schema)
                .and_then(object)
                .and_then(|o| property_object(o, property))
            {
                text.apply(object);
            }
        }
        // A new customer needs a domain: its default one, or one of `additionalDomains` (the first
        // becomes its default). Said as "not without a domain", which the client generators leave
        // be (an `anyOf` would turn the body into a union of two models).
        if let Some(customer) = schemas.get_mut("CustomerRequest").and_then(object) {
            let no_domain = json!({
                "properties": {
                    "companyProfile": {"anyOf": [
                        {"type": "null"},
                        {"not": {"required": ["domain"]}},
                        {"properties": {"domain": {"type": "null"}}},
                    ]},
                    "additionalDomains": {"maxItems": 0},
                },
            });
            customer
                .extensions
                .get_or_insert_with(Default::default)
                .insert("not".to_owned(), no_domain);
        }
        // Ids the server needs, as strings (not null).
        for (schema, property) in [
            ("UserMemberRequest", "id"),
            ("ResetPasswordRequest", "providerInstanceId"),
        ] {
            if let Some(object) = schemas.get_mut(schema).and_then(object) {
                if !object.required.iter().any(|r| r == property) {
                    object.required.push(property.to_owned());
                }
                if let Some(id) = property_object(object, property) {
                    id.schema_type = SchemaType::Type(Type::String);
                }
            }
        }
    }
    for (path, item) in &mut document.paths.paths {
        for operation in super::operations(item) {
            constrain_parameters(path, operation);
        }
    }
}

/// `(schema, property, constraint)` for the request bodies' strings; `property/items` names the
/// items of an array.
fn property_constraints() -> Vec<(&'static str, &'static str, Text)> {
    let role_ids: Vec<String> = DIRECTORY_ROLES.iter().map(|r| r.id.to_string()).collect();
    let role_ids: Vec<&str> = role_ids.iter().map(String::as_str).collect();
    let mut constraints = vec![
        (
            "CompanyProfileRequest",
            "domain",
            Text::pattern(DOMAIN, 1, Some(MAX_DOMAIN)),
        ),
        (
            "CompanyProfileRequest",
            "companyName",
            Text::pattern(NAME, 1, Some(256)),
        ),
        (
            "CustomerRequest",
            "additionalDomains/items",
            Text::pattern(DOMAIN, 1, Some(MAX_DOMAIN)),
        ),
        ("UserMemberRequest", "id", Text::uuid()),
        ("UserMemberRequest", "roleId", Text::uuid()),
        ("UserMemberRequest", "displayName", Text::pattern(NO_NUL, 0, None)),
        ("UserMemberRequest", "userPrincipalName", Text::pattern(NO_NUL, 0, None)),
        ("ResetPasswordRequest", "providerInstanceId", Text::uuid()),
        (
            "ResetCustomerUser",
            "temporaryPassword",
            Text::pattern(PASSWORD, 8, Some(256)),
        ),
        ("PasswordProfile", "password", Text::pattern(PASSWORD, 8, Some(256))),
        ("Attributes", "objectType", Text::pattern(NO_NUL, 0, None)),
    ];
    for user in ["CustomerUserRequest", "CustomerUserCreateRequest"] {
        constraints.extend([
            (user, "userPrincipalName", Text::pattern(UPN, 1, Some(UPN_MAX_CHARS))),
            (user, "firstName", Text::pattern(PERSON_NAME, 0, Some(MAX_NAME))),
            (user, "lastName", Text::pattern(PERSON_NAME, 0, Some(MAX_NAME))),
            (user, "displayName", Text::pattern(NAME, 1, Some(MAX_NAME))),
            (user, "usageLocation", Text::pattern(USAGE_LOCATION, 2, Some(2))),
        ]);
        let mut roles = Text::one_of(&role_ids);
        roles.uuid = true;
        constraints.push((user, "directoryRoleIds/items", roles));
    }
    constraints
}

/// The constraints of the query and header parameters and the path's ids.
fn constrain_parameters(path: &str, operation: &mut PathOperation) {
    let operations: Vec<&str> = Operation::ALL.iter().map(|o| o.as_str()).collect();
    for parameter in operation.parameters.iter_mut().flatten() {
        let RefOr::T(parameter) = parameter else {
            continue;
        };
        let text = match (&parameter.parameter_in, parameter.name.as_str()) {
            // Every path parameter is an id: one that is not a UUID names nothing (404).
            (ParameterIn::Path, _) => Text::uuid(),
            (ParameterIn::Query, "sortField") => Text::one_of(&["userPrincipalName", "displayName"]),
            (ParameterIn::Query, "sortDirection") => Text::one_of(&["ascending", "descending"]),
            (ParameterIn::Query, "seekOperation") => Text::one_of(&["Next"]),
            (ParameterIn::Query, "customerId") => Text::uuid(),
            (ParameterIn::Query, "operationType") => Text::one_of(&operations),
            (ParameterIn::Query, "usageLocation") => Text::pattern(USAGE_LOCATION, 2, Some(2)),
            (ParameterIn::Query, "filter") if path == "/v1/auditrecords" => Text::pattern(audit_filter(), 0, None),
            (ParameterIn::Query, "filter") => Text::pattern(user_filter(), 0, None),
            (ParameterIn::Query, "startDate" | "endDate") => {
                // A date (2026-11-22) or an RFC 3339 time.
                let date = |format| ObjectBuilder::new().schema_type(Type::String).format(Some(format));
                parameter.schema = Some(
                    AnyOfBuilder::new()
                        .item(date(SchemaFormat::KnownFormat(KnownFormat::Date)))
                        .item(date(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
                        .into(),
                );
                continue;
            }
            (ParameterIn::Header, "X-Correlation-Id") => Text::uuid(),
            (ParameterIn::Header, "X-Tenant") => Text::pattern(HEADER_TEXT, 1, None),
            _ => continue,
        };
        if let Some(object) = parameter.schema.as_mut().and_then(object) {
            text.apply(object);
        }
    }
}

/// The object schema `schema` is, if it is one written out (not a reference).
fn object(schema: &mut RefOr<Schema>) -> Option<&mut Object> {
    match schema {
        RefOr::T(Schema::Object(object)) => Some(object),
        _ => None,
    }
}

/// The string schema of `object`'s property `name` (`name/items`: of its items).
fn property_object<'a>(object: &'a mut Object, name: &str) -> Option<&'a mut Object> {
    let (name, items) = match name.split_once('/') {
        Some((name, "items")) => (name, true),
        _ => (name, false),
    };
    let property = object.properties.get_mut(name)?;
    if !items {
        return self::object(property);
    }
    match property {
        RefOr::T(Schema::Array(array)) => match &mut array.items {
            ArrayItems::RefOrSchema(item) => self::object(item),
            ArrayItems::False => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::string::string_regex;
    use tenantdesk_domain::{
        CompanyName, CustomerId, DisplayName, DomainName, Password, PersonName, UserPrincipalName,
    };

    use super::*;

    /// Strings the pattern admits (its anchors dropped: the generator takes the inside).
    fn admitted(pattern: &str) -> impl Strategy<Value = String> {
        let inside = pattern
            .strip_prefix('^')
            .and_then(|p| p.strip_suffix('$'))
            .unwrap_or(pattern);
        string_regex(inside).unwrap_or_else(|e| panic!("{pattern}: {e}"))
    }

    proptest! {
        // Domains are drawn without a bound on their length; most are longer than allowed.
        #![proptest_config(ProptestConfig { max_global_rejects: 1 << 16, ..ProptestConfig::default() })]

        // Every value a pattern admits (within its lengths) is one the server accepts, so
        // schemathesis's positive data is not refused.

        #[test]
        fn a_domain_the_pattern_admits_is_a_domain(domain in admitted(DOMAIN)) {
            prop_assume!(domain.chars().count() <= MAX_DOMAIN);
            prop_assert!(DomainName::parse(&domain).is_ok(), "{domain:?}");
        }

        #[test]
        fn a_upn_the_pattern_admits_is_a_upn(upn in admitted(UPN)) {
            let domain = upn.rsplit_once('@').map_or("", |(_, domain)| domain);
            prop_assume!(domain.len() <= MAX_DOMAIN);
            prop_assert!(upn.chars().count() <= UPN_MAX_CHARS);
            prop_assert!(UserPrincipalName::parse(&upn).is_ok(), "{upn:?}");
        }

        #[test]
        fn names_the_patterns_admit_are_names(person in admitted(PERSON_NAME), name in admitted(NAME)) {
            prop_assume!(person.chars().count() <= MAX_NAME && name.chars().count() <= MAX_NAME);
            prop_assert!(PersonName::parse(&person).is_ok(), "{person:?}");
            prop_assert!(DisplayName::parse(&name).is_ok(), "{name:?}");
            prop_assert!(CompanyName::parse(&name).is_ok(), "{name:?}");
        }

        #[test]
        fn a_password_of_the_patterns_characters_is_refused_only_by_the_policys_other_rules(
            password in admitted(PASSWORD),
        ) {
            prop_assume!((8..=256).contains(&password.chars().count()));
            let upn = UserPrincipalName::parse("zq@contoso.com").unwrap_or_else(|e| panic!("{e}"));
            match Password::parse(&password, &upn) {
                Ok(_)
                | Err(tenantdesk_domain::PasswordError::Complexity | tenantdesk_domain::PasswordError::ContainsUserName) => {}
                Err(other) => prop_assert!(false, "{password:?}: {other}"),
            }
        }

        #[test]
        fn a_user_filter_the_pattern_admits_is_read(filter in admitted(&user_filter())) {
            let params = [("filter".to_owned(), filter.clone())];
            prop_assert!(crate::paging::user_query(b"key", CustomerId::new(), &params, None).is_ok(), "{filter:?}");
        }
    }

    #[test]
    fn the_audit_filter_pattern_names_every_operation() {
        let pattern = audit_filter();
        for operation in Operation::ALL {
            assert!(pattern.contains(operation.as_str()), "{operation:?}");
        }
    }
}
