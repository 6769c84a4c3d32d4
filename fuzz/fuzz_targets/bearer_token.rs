//! Bearer tokens, forged and validly signed (see `tenantdesk_api::fuzzing::bearer_token`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tenantdesk_api::fuzzing::bearer_token(data));
