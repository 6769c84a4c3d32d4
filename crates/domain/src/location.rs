//! Usage locations: ISO 3166-1 alpha-2 country codes.

use std::fmt;

/// Every officially assigned ISO 3166-1 alpha-2 code, sorted (a static: a const would be copied
/// whole at every lookup).
static ISO_3166_ALPHA2: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD",
    "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA",
    "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE",
    "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA",
    "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK",
    "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP",
    "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT",
    "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
    "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
    "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS",
    "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST",
    "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW",
    "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA",
    "ZM", "ZW",
];

/// For each pair of letters `AA`..`ZZ` (at `26 × first + second`), its place in
/// [`ISO_3166_ALPHA2`] plus one, or 0 when it is no code: a parse is one lookup (every stored user
/// is read through here, a hundred to a page).
static INDEX: [u8; 26 * 26] = index(&ISO_3166_ALPHA2);

const fn index(codes: &[&str; 249]) -> [u8; 26 * 26] {
    let mut index = [0; 26 * 26];
    let mut place = 0;
    while place < codes.len() {
        let code = codes[place].as_bytes();
        // Places fit a u8: there are 249 codes.
        index[slot(code[0], code[1])] = place as u8 + 1;
        place += 1;
    }
    index
}

/// The place of the uppercase letters `a` and `b` in [`INDEX`].
const fn slot(a: u8, b: u8) -> usize {
    (a - b'A') as usize * 26 + (b - b'A') as usize
}

/// Where a user uses its services: an ISO 3166-1 alpha-2 code, stored in uppercase.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct UsageLocation(&'static str);

impl UsageLocation {
    /// Parses a country code in any case (`us`, `US`).
    pub fn parse(value: &str) -> Result<Self, String> {
        let code = value.trim().as_bytes();
        let found = match code {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                let place = INDEX[slot(a.to_ascii_uppercase(), b.to_ascii_uppercase())];
                usize::from(place).checked_sub(1)
            }
            _ => None,
        };
        found
            .map(|i| Self(ISO_3166_ALPHA2[i]))
            .ok_or_else(|| format!("'{value}' is not an ISO 3166-1 alpha-2 country code"))
    }

    /// Every code, sorted (for a form's choice of location).
    pub fn codes() -> &'static [&'static str] {
        &ISO_3166_ALPHA2
    }

    /// The code, uppercase.
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl fmt::Display for UsageLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(ISO_3166_ALPHA2.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn every_pair_of_letters_is_a_code_exactly_when_the_table_has_it() {
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                let pair = String::from_utf8(vec![a, b]).unwrap();
                let listed = ISO_3166_ALPHA2.contains(&pair.as_str());
                assert_eq!(
                    UsageLocation::parse(&pair).ok().map(|l| l.as_str()),
                    listed.then_some(pair.as_str())
                );
                let lower = pair.to_ascii_lowercase();
                assert_eq!(
                    UsageLocation::parse(&lower).ok().map(|l| l.as_str()),
                    listed.then_some(pair.as_str())
                );
            }
        }
    }

    #[test]
    fn parses_codes_in_any_case() {
        assert_eq!(UsageLocation::parse("us").unwrap().as_str(), "US");
        assert_eq!(UsageLocation::parse("AX").unwrap().as_str(), "AX");
        for bad in ["", "USA", "XX", "country/region code", "u", "U1", "@A", "[A", "é", "Ü"] {
            assert!(UsageLocation::parse(bad).is_err(), "{bad}");
        }
    }
}
