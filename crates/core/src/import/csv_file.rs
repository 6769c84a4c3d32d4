//! The CSV data file of Partner Center's "Upload users" page: reading it, and writing the file the
//! partner downloads with the temporary passwords.

use tenantdesk_domain::FieldError;

/// The columns of the data file, in the seed's order.
pub const COLUMNS: [&str; 5] = ["First name", "Last name", "Display name", "Email", "Status update"];
/// The column added to the downloaded file.
pub const PASSWORD_COLUMN: &str = "Temporary password";
/// The most users one file may hold.
pub const MAX_USERS: usize = 100;

/// One user's row, as written in the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsvRow {
    /// The row number: the header is row 1, the first user row 2 (blank lines are not counted).
    pub number: usize,
    /// The values of [`COLUMNS`], in that order.
    pub values: [String; 5],
}

impl CsvRow {
    /// The value of column `index` of [`COLUMNS`].
    pub fn get(&self, index: usize) -> &str {
        &self.values[index]
    }
}

fn problem(row: usize, column: Option<&str>, message: impl Into<String>) -> FieldError {
    match column {
        Some(column) => FieldError::new(format!("row {row}, {column}"), message),
        None => FieldError::new(format!("row {row}"), message),
    }
}

/// Reads the file: a header naming the five columns (in any order and case), then one row per
/// user. A UTF-8 byte order mark and CRLF line ends are accepted; blank lines are skipped (and not
/// counted in row numbers).
pub fn read(file: &[u8]) -> Result<Vec<CsvRow>, Vec<FieldError>> {
    let file = file.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(file);
    if let Some(offset) = file.iter().position(|b| *b == 0) {
        return Err(vec![FieldError::new(
            "file",
            format!("has a NUL character (at byte {offset}); a CSV file is text"),
        )]);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(file);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(error)) => return Err(vec![problem(1, None, format!("is not valid CSV: {error}"))]),
        None => {
            return Err(vec![FieldError::new(
                "file",
                "is empty; it needs a header row and one row per user",
            )]);
        }
    };
    let mut problems = Vec::new();
    // Where each of COLUMNS is in the file.
    let mut positions: [Option<usize>; 5] = [None; 5];
    for (position, name) in header.iter().enumerate() {
        let name = String::from_utf8_lossy(name);
        let name = name.trim();
        match COLUMNS.iter().position(|column| column.eq_ignore_ascii_case(name)) {
            Some(index) if positions[index].is_none() => positions[index] = Some(position),
            Some(_) => problems.push(problem(1, None, format!("the column '{name}' appears twice"))),
            None if name.is_empty() => {
                problems.push(problem(1, None, "has an unnamed column; extra data is not allowed"))
            }
            None => problems.push(problem(
                1,
                None,
                format!("has the unexpected column '{name}'; extra data is not allowed"),
            )),
        }
    }
    for (index, position) in positions.iter().enumerate() {
        if position.is_none() {
            problems.push(problem(1, None, format!("the column '{}' is missing", COLUMNS[index])));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let width = header.len();
    let mut rows = Vec::new();
    for (index, record) in records.enumerate() {
        let number = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                problems.push(problem(number, None, format!("is not valid CSV: {error}")));
                continue;
            }
        };
        if record.iter().all(|field| field.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if record
            .iter()
            .skip(width)
            .any(|field| !field.iter().all(u8::is_ascii_whitespace))
        {
            problems.push(problem(
                number,
                None,
                format!("has data beyond the {width} columns; extra data is not allowed"),
            ));
        }
        let mut values: [String; 5] = Default::default();
        for (index, position) in positions.iter().enumerate() {
            let field = position.and_then(|p| record.get(p)).unwrap_or_default();
            match std::str::from_utf8(field) {
                Ok(text) => values[index] = text.trim().to_owned(),
                Err(_) => problems.push(problem(number, Some(COLUMNS[index]), "is not UTF-8 text")),
            }
        }
        rows.push(CsvRow { number, values });
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(FieldError::new(
            "file",
            "has no users: add one row per user below the header",
        ));
    }
    if rows.len() > MAX_USERS {
        problems.insert(
            0,
            FieldError::new(
                "file",
                format!(
                    "has {} users; at most {MAX_USERS} can be uploaded at a time (split it)",
                    rows.len()
                ),
            ),
        );
    }
    if problems.is_empty() { Ok(rows) } else { Err(problems) }
}

/// Characters that make a spreadsheet read a cell as a formula when they start it (OWASP's CSV
/// injection advice).
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// `cell` as a spreadsheet shows it as text: with a `'` before it when it starts like a formula
/// (`=cmd|'/C calc'!A0` becomes `'=cmd|'/C calc'!A0`), as OWASP advises.
pub fn spreadsheet_text(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The file the partner downloads: the uploaded columns with `Status update` filled in, and the
/// temporary password of each user. A cell that starts like a formula is written as text
/// ([`spreadsheet_text`]), so opening the file in a spreadsheet never runs a name.
pub fn write(rows: &[(CsvRow, &str, &str)]) -> Result<String, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record(COLUMNS.iter().copied().chain([PASSWORD_COLUMN]))?;
    for (row, status, password) in rows {
        let values = &row.values;
        let cells = [&values[0], &values[1], &values[2], &values[3], *status, *password];
        writer.write_record(cells.map(spreadsheet_text).iter().map(|cell| cell.as_bytes()))?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(file: &str) -> Vec<String> {
        read(file.as_bytes())
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn reads_what_spreadsheets_write() {
        let file = "\u{feff}first name,LAST NAME,Display Name,Email,Status Update\r\n\
                    Ana,Lima,Ana Lima,ana@contoso.com,\r\n\
                    \r\n\
                    \"Ben, Jr.\",,Ben,ben@contoso.com,\r\n";
        let rows = read(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].number, rows[0].get(3)), (2, "ana@contoso.com"));
        assert_eq!(
            (rows[1].number, rows[1].get(0)),
            (3, "Ben, Jr."),
            "blank lines are skipped"
        );
        // Columns in another order.
        let rows = read(b"Email,Display name,First name,Last name,Status update\nx@c.com,X,,,\n").unwrap();
        assert_eq!((rows[0].get(3), rows[0].get(2)), ("x@c.com", "X"));
        // A missing trailing empty value is fine.
        assert_eq!(
            read(b"First name,Last name,Display name,Email,Status update\nA,B,C,d@c.com\n")
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn extra_columns_or_data_fail() {
        let header = "First name,Last name,Display name,Email,Status update";
        assert!(messages(&format!("{header},Phone\nA,B,C,d@c.com,,555\n"))[0].contains("unexpected column 'Phone'"));
        assert!(messages(&format!("{header}\nA,B,C,d@c.com,,555\n"))[0].starts_with("row 2: has data beyond"));
        assert!(
            messages("First name,Display name,Email,Status update\nA,C,d@c.com,\n")[0]
                .contains("'Last name' is missing")
        );
        assert!(messages("")[0].contains("is empty"));
        assert!(messages(&format!("{header}\n"))[0].contains("has no users"));
        let many: String = (0..101).map(|i| format!("A,B,C,u{i}@c.com,\n")).collect();
        assert!(messages(&format!("{header}\n{many}"))[0].contains("has 101 users; at most 100"));
    }

    #[test]
    fn formulas_are_written_as_text() {
        let row = CsvRow {
            number: 2,
            values: [
                "=cmd|'/C calc'!A0".into(),
                "+1".into(),
                "@SUM(A1)".into(),
                "ana@c.com".into(),
                String::new(),
            ],
        };
        let text = write(&[(row, "created", "-Xy7!abc")]).unwrap();
        assert_eq!(
            text.lines().nth(1).unwrap(),
            "'=cmd|'/C calc'!A0,'+1,'@SUM(A1),ana@c.com,created,'-Xy7!abc"
        );
        for (cell, expected) in [
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("a=b", "a=b"),
            ("", ""),
            ("Ana", "Ana"),
        ] {
            assert_eq!(spreadsheet_text(cell), expected);
        }
    }

    #[test]
    fn nul_characters_are_refused() {
        let header = "First name,Last name,Display name,Email,Status update";
        assert_eq!(
            messages(&format!("{header}\nA\0,B,C,d@c.com,\n")),
            ["file: has a NUL character (at byte 55); a CSV file is text"]
        );
    }

    #[test]
    fn writes_the_download_with_passwords() {
        let row = CsvRow {
            number: 2,
            values: [
                "Ana".into(),
                "Lima".into(),
                "Ana Lima".into(),
                "ana@c.com".into(),
                String::new(),
            ],
        };
        let text = write(&[(row, "created", "Xy7!abc,def")]).unwrap();
        assert_eq!(
            text,
            "First name,Last name,Display name,Email,Status update,Temporary password\r\n\
             Ana,Lima,Ana Lima,ana@c.com,created,\"Xy7!abc,def\"\r\n"
        );
    }
}
