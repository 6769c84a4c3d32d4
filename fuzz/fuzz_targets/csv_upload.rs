//! The upload's CSV reader and the file written back for it (see `tenantdesk_api::fuzzing::csv_upload`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tenantdesk_api::fuzzing::csv_upload(data));
