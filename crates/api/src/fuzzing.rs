//! Entry points of the fuzz targets in `fuzz/` (not an API): each feeds untrusted bytes to one
//! parser of the server, and checks what must hold of its answer.

use tenantdesk_domain::CustomerId;

use crate::auth::TokenKeys;
use crate::paging;
use tenantdesk_core::import::csv_file;

/// The key the fuzz targets sign and seal with.
const KEY: &[u8] = b"the fuzz targets' key, 32 bytes.";

/// The upload's CSV reader, and the writer of the file it answers with: whatever is read, the file
/// written for it is valid CSV and no cell of it starts like a spreadsheet formula.
pub fn csv_upload(data: &[u8]) {
    let Ok(rows) = csv_file::read(data) else { return };
    let rows: Vec<_> = rows
        .into_iter()
        .map(|row| (row, "created", "Xy7!abcdEFGH2345"))
        .collect();
    let Ok(written) = csv_file::write(&rows) else { return };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(written.as_bytes());
    let mut count = 0;
    for record in reader.records() {
        let record = record.unwrap_or_else(|e| panic!("the written file is not CSV: {e}"));
        assert_eq!(record.len(), csv_file::COLUMNS.len() + 1, "{written}");
        for cell in &record {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell starts like a formula: {cell:?}"
            );
        }
        count += 1;
    }
    assert_eq!(count, rows.len(), "{written}");
}

/// The continuation token of a user list: as sent (forged), and as a payload sealed with the key
/// (what a valid signature protects).
pub fn continuation_token(data: &[u8]) {
    let customer = CustomerId::from_uuid(uuid::Uuid::from_u128(1));
    let params = [("seekOperation".to_owned(), "Next".to_owned())];
    if let Ok(token) = std::str::from_utf8(data) {
        assert!(
            paging::user_query(KEY, customer, &params, Some(token)).is_err(),
            "an unsigned token was accepted: {token:?}"
        );
    }
    if let Ok(payload) = serde_json::from_slice::<serde_json::Value>(data)
        && let Ok(token) = paging::seal(KEY, &payload)
    {
        let _ = paging::user_query(KEY, customer, &params, Some(&token));
    }
}

/// The bearer token: as sent (forged), and as claims signed with the key (what a valid signature
/// protects).
pub fn bearer_token(data: &[u8]) {
    let keys = TokenKeys::from_secret(KEY.to_vec());
    if let Ok(token) = std::str::from_utf8(data) {
        assert!(keys.verify(token).is_err(), "an unsigned token was accepted: {token:?}");
    }
    if let Ok(claims) = serde_json::from_slice::<serde_json::Value>(data)
        && let Ok(token) = keys.sign_claims(&claims)
    {
        let _ = keys.verify(&token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every committed seed of the fuzz targets (and every regression input added there) passes
    /// through its target in the normal test suite too.
    #[test]
    fn the_seed_inputs_pass() {
        let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds");
        type Target = fn(&[u8]);
        let targets: [(&str, Target); 3] = [
            ("csv_upload", csv_upload),
            ("continuation_token", continuation_token),
            ("bearer_token", bearer_token),
        ];
        for (target, run) in targets {
            let mut count = 0;
            for entry in std::fs::read_dir(seeds.join(target)).unwrap() {
                run(&std::fs::read(entry.unwrap().path()).unwrap());
                count += 1;
            }
            assert!(count > 0, "{target} has no seeds");
        }
    }
}
