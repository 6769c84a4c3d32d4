//! Continuation tokens of user lists, forged and validly sealed (see `tenantdesk_api::fuzzing::continuation_token`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tenantdesk_api::fuzzing::continuation_token(data));
