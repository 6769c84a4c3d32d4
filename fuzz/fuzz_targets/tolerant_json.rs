//! The tolerant JSON reader of request bodies: never panics, never overflows the stack, and what it
//! accepts holds no NUL character.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tenantdesk_wire::tolerant::from_slice;

fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(object) => object.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = from_slice::<Value>(data) {
        assert!(!has_nul(&value), "a NUL character got through");
    }
    let _ = from_slice::<tenantdesk_wire::CustomerUserRequest>(data);
    let _ = from_slice::<tenantdesk_wire::CustomerRequest>(data);
    let _ = from_slice::<tenantdesk_wire::UserFilter>(data);
    let _ = from_slice::<tenantdesk_wire::ResetPasswordRequest>(data);
});
