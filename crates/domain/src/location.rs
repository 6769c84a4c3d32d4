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

/// Where a user uses its services: an ISO 3166-1 alpha-2 code, stored in uppercase.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct UsageLocation(&'static str);

impl UsageLocation {
    /// Parses a country code in any case (`us`, `US`).
    pub fn parse(value: &str) -> Result<Self, String> {
        let code = value.trim().as_bytes();
        // Two letters, compared uppercase without allocating: every stored user is read through here.
        let found = match code {
            [a, b] => ISO_3166_ALPHA2
                .binary_search_by(|known| {
                    known
                        .as_bytes()
                        .cmp(&[a.to_ascii_uppercase(), b.to_ascii_uppercase()][..])
                })
                .ok(),
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
    fn parses_codes_in_any_case() {
        assert_eq!(UsageLocation::parse("us").unwrap().as_str(), "US");
        assert_eq!(UsageLocation::parse("AX").unwrap().as_str(), "AX");
        for bad in ["", "USA", "XX", "country/region code", "u"] {
            assert!(UsageLocation::parse(bad).is_err(), "{bad}");
        }
    }
}
