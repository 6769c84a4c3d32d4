//! The tolerant JSON reader: accept what Partner Center's Newtonsoft-based parser accepts.
//!
//! Three layers, each doing one thing:
//! 1. [`json5`] (a maintained JSON5 parser) reads the text. JSON5 is a superset of JSON that
//!    allows unquoted property names, single-quoted strings, trailing commas and comments, which
//!    covers the seed documents' own examples (`password: "Renew456*"`).
//! 2. [`Tolerant`] wraps the parsed [`Value`] as a serde `Deserializer` that matches struct fields
//!    and unit enum variants case-insensitively, using the names serde's derive passes in, so
//!    `State`, `PasswordProfile` and `ObjectType` from the .NET SDK land in camelCase fields and
//!    `"Active"` in an enum whose variant is `active`. No type needs an alias list.
//! 3. [`serde_path_to_error`] names the field a type error happened at.
//!
//! No field of the API is a number, so JSON5's `Infinity`, `NaN` and numbers out of `f64`'s range
//! (which [`Value`] can only hold as `null`) read as `null`: the field is left as it is.
//!
//! Nesting is bounded before parsing, so a hostile body of a million `[` cannot exhaust the stack.
//! A NUL character (`\u0000`) in any string or property name is refused: no value of the API has
//! one, and PostgreSQL can neither store nor compare it.

use std::fmt;

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{DeserializeOwned, Deserializer, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Value};

/// The deepest nesting of arrays and objects accepted in a request body.
pub const MAX_DEPTH: usize = 32;

/// Why a body could not be read, as a sentence for the error's `data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError(String);

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadError {}

/// Reads `T` from a request body, tolerantly (see the module documentation).
pub fn from_slice<T: DeserializeOwned>(body: &[u8]) -> Result<T, ReadError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = std::str::from_utf8(body).map_err(|e| {
        ReadError(format!(
            "the body is not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    if text.trim().is_empty() {
        return Err(ReadError("the body is empty; a JSON object was expected".to_owned()));
    }
    if exceeds_depth(text, MAX_DEPTH) {
        return Err(ReadError(format!(
            "the JSON is nested more than {MAX_DEPTH} levels deep"
        )));
    }
    let value: Value = json5::from_str(text).map_err(|e| ReadError(format!("malformed JSON: {e}")))?;
    if let Some(path) = nul_path(&value) {
        let at = if path.is_empty() {
            String::new()
        } else {
            format!("{path}: ")
        };
        return Err(ReadError(format!("{at}a NUL character (\\u0000) is not allowed")));
    }
    serde_path_to_error::deserialize(Tolerant(value)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            ReadError(inner.to_string())
        } else {
            ReadError(format!("{path}: {inner}"))
        }
    })
}

/// The path (`a.b[2]`) of the first string or property name of `value` with a NUL character.
fn nul_path(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => s.contains('\0').then(String::new),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| nul_path(item).map(|path| format!("[{index}]{}", dotted(&path)))),
        Value::Object(object) => object.iter().find_map(|(key, item)| {
            let key_shown = key.replace('\0', "\\u0000");
            if key.contains('\0') {
                return Some(key_shown);
            }
            nul_path(item).map(|path| format!("{key_shown}{}", dotted(&path)))
        }),
        _ => None,
    }
}

/// `rest` appended to a parent's path: `.name` for a property, `[i]` as is.
fn dotted(rest: &str) -> String {
    if rest.is_empty() || rest.starts_with('[') {
        rest.to_owned()
    } else {
        format!(".{rest}")
    }
}

/// Whether arrays and objects nest deeper than `max`, outside strings and comments.
fn exceeds_depth(text: &str, max: usize) -> bool {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'[' | b'{' => {
                    depth += 1;
                    if depth > max {
                        return true;
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    i += 2;
                    while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                        i += 1;
                    }
                    i += 1;
                }
                _ => {}
            },
        }
        i += 1;
    }
    false
}

/// A parsed JSON value that deserializes with case-insensitive field and variant names.
#[derive(Debug)]
pub struct Tolerant(pub Value);

fn visit_object<'de, V: Visitor<'de>>(
    object: Map<String, Value>,
    fields: &'static [&'static str],
    visitor: V,
) -> Result<V::Value, serde_json::Error> {
    // Re-key to the canonical field names; on duplicates (`state` and `State`) the last wins,
    // as with Newtonsoft.
    let mut canonical = Map::new();
    for (key, value) in object {
        let name = fields
            .iter()
            .find(|field| field.eq_ignore_ascii_case(&key))
            .map_or(key, |field| (*field).to_owned());
        canonical.insert(name, value);
    }
    let mut map = MapDeserializer::new(canonical.into_iter().map(|(k, v)| (k, Tolerant(v))));
    let value = visitor.visit_map(&mut map)?;
    map.end()?;
    Ok(value)
}

/// What `value` is, for a type error's message.
fn unexpected(value: &Value) -> serde::de::Unexpected<'_> {
    use serde::de::Unexpected;
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => n.as_f64().map_or(Unexpected::Other("a number"), Unexpected::Float),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

impl<'de> Deserializer<'de> for Tolerant {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Object(object) => visit_object(object, &[], visitor),
            Value::Array(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter().map(Tolerant));
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            scalar => scalar.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        // serde_json would read a struct from an array of its fields (`[]` as "nothing changed");
        // Newtonsoft, and this API, expect an object.
        match self.0 {
            Value::Object(object) => visit_object(object, fields, visitor),
            other => Err(serde::de::Error::invalid_type(unexpected(&other), &"a JSON object")),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::String(s) => {
                let variant = variants.iter().find(|v| v.eq_ignore_ascii_case(&s));
                let s = variant.map_or(s, |v| (*v).to_owned());
                Value::String(s).deserialize_enum(name, variants, visitor)
            }
            other => other.deserialize_enum(name, variants, visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, serde_json::Error> for Tolerant {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Body {
        usage_location: Option<String>,
        password_profile: Option<Profile>,
        state: Option<State>,
        tags: Option<Vec<Tag>>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Profile {
        password: Option<String>,
        force_change_password: Option<bool>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Tag {
        object_type: String,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum State {
        Active,
        Inactive,
    }

    #[test]
    fn reads_the_seed_style_bodies() {
        let body: Body = from_slice(
            br#"{
     "passwordProfile":{
        password: "Renew456*",
        forceChangePassword: true
      },


      "attributes": {
        "objectType": "CustomerUser"
      }
}"#,
        )
        .unwrap();
        let profile = body.password_profile.unwrap();
        assert_eq!(profile.password.as_deref(), Some("Renew456*"));
        assert_eq!(profile.force_change_password, Some(true));
    }

    #[test]
    fn any_case_names_single_quotes_trailing_commas_and_bom() {
        let body: Body = from_slice(
            "\u{feff}{ 'USAGELOCATION': 'US', State: 'Active', Tags: [{ObjectType: 'x',},], Unknown: 1, }".as_bytes(),
        )
        .unwrap();
        assert_eq!(body.usage_location.as_deref(), Some("US"));
        assert_eq!(body.state, Some(State::Active));
        assert_eq!(body.tags.unwrap()[0].object_type, "x");
    }

    #[test]
    fn errors_name_the_field() {
        let err = from_slice::<Body>(br#"{"passwordProfile": {"forceChangePassword": "yes"}}"#).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("passwordProfile.forceChangePassword: invalid type"),
            "{err}"
        );
        let err = from_slice::<Body>(br#"{"state": "gone"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown variant `gone`"), "{err}");
    }

    #[test]
    fn nul_characters_are_refused_where_they_are() {
        let check = |body: &str, expected: &str| {
            let err = from_slice::<serde_json::Value>(body.as_bytes()).unwrap_err();
            assert_eq!(err.to_string(), expected, "{body}");
        };
        check(
            r#"{"displayName": "A\u0000"}"#,
            "displayName: a NUL character (\\u0000) is not allowed",
        );
        check(
            r#"{"a": {"b": ["x", "y\u0000"]}}"#,
            "a.b[1]: a NUL character (\\u0000) is not allowed",
        );
        check(
            r#"{"ke\u0000y": 1}"#,
            "ke\\u0000y: a NUL character (\\u0000) is not allowed",
        );
        check(r#""\u0000""#, "a NUL character (\\u0000) is not allowed");
        assert!(
            from_slice::<serde_json::Value>(br#"{"a": "\\u0000"}"#).is_ok(),
            "an escaped backslash is fine"
        );
    }

    #[test]
    fn hostile_bodies_are_errors() {
        let deep = "[".repeat(100_000);
        for body in [
            &b""[..],
            b"   ",
            b"\xff\xfe\x00",
            b"{\"usageLocation\": ",
            b"[1, 2]",
            b"[]",
            b"\"text\"",
            b"42",
            b"true",
            b"{\"passwordProfile\": []}",
            b"null",
            b"{\"a\": \"unterminated}",
            deep.as_bytes(),
        ] {
            assert!(from_slice::<Body>(body).is_err(), "{:?}", String::from_utf8_lossy(body));
        }
        // Brackets inside strings and comments do not count toward the depth.
        let nested_text = format!("{{ usageLocation: '{}' /* {} */ }}", "[".repeat(100), "{".repeat(100));
        assert!(from_slice::<Body>(nested_text.as_bytes()).is_ok());
    }
}
