//! The date-like strings of a text: paperless-ngx's `DATE_REGEX`, rewritten for a regex
//! engine without look-around.
//!
//! paperless-ngx's expression starts each alternative with `(\b|(?!=([_-])))`, whose second
//! branch (a negative look-ahead for `=` and `_`/`-`) matches nearly everywhere, so a date
//! may start anywhere; and it ends each with `(\b|(?=([_-])))`, a word boundary or a `_`
//! or `-` ahead. `-` is never a word character, so the ending is "a word boundary or a `_`
//! ahead"; here the `_` is matched and dropped from the candidate, which moves the next
//! search one character on, past a character no date begins with.

use std::sync::LazyLock;

use regex::Regex;

/// Letters paperless-ngx accepts in month names of the `14. März 2023` forms.
const LETTERS: &str = "[a-zéûäëčžúřěáíóńźçŞğü]";

static DATE_REGEX: LazyLock<Regex> = LazyLock::new(|| {
    let l = LETTERS;
    let alternatives = [
        // 14.03.2023, 3/14/23
        r"\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})".to_owned(),
        // 2023-03-14, 23.03.14
        r"(?:\d{4}|\d{2})[./-]\d{1,2}[./-]\d{1,2}".to_owned(),
        // 14. März 2023, March 14, 2023
        format!(r"\d{{1,2}}[. ]+{l}{{3,9}} \d{{4}}|{l}{{3,9}} \d{{1,2}}, \d{{4}}"),
        // any word, day, comma, year
        r"[^\W\d_]{3,9} \d{1,2}, \d{4}".to_owned(),
        // März 2023
        r"[^\W\d_]{3,9} \d{4}".to_owned(),
        // 21st MAR 2022, 22nd March 2022
        r"\d{1,2}[^ 0-9]{2}[. ]+[^ ]{3,9}[ ./-]\d{4}".to_owned(),
        // 22-MAR-2022, 22/MAR/2022, 22.MAR 2022
        format!(r"\b\d{{1,2}}[ ./-]{l}{{3}}[ ./-]\d{{4}}"),
    ];
    let body = alternatives
        .iter()
        .map(|a| format!("(?:{a})(?:\\b|_)"))
        .collect::<Vec<_>>()
        .join("|");
    Regex::new(&format!("(?i){body}")).expect("the date expression is valid")
});

/// The date-like strings of `text`, left to right, not overlapping.
pub(super) fn candidates(text: &str) -> impl Iterator<Item = &str> {
    DATE_REGEX
        .find_iter(text)
        .map(|m| m.as_str().strip_suffix('_').unwrap_or(m.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<&str> {
        candidates(text).collect()
    }

    #[test]
    fn finds_what_paperless_finds() {
        assert_eq!(all("lorem 13.02.2018 ipsum"), ["13.02.2018"]);
        assert_eq!(all("Scan_2022-04-01_x.pdf"), ["2022-04-01"]);
        assert_eq!(
            all("lorem ipsum 130218, 2018, 20180213"),
            Vec::<&str>::new()
        );
        assert_eq!(all("Currency 22-MAR-2022 Card"), ["22-MAR-2022"]);
        assert_eq!(all("Currency 21st MAR 2022 Card"), ["21st MAR 2022"]);
        assert_eq!(all("lorem\nMärz 2019\nipsum"), ["März 2019"]);
        assert_eq!(all("on January 15, 2024."), ["January 15, 2024"]);
        assert_eq!(all("x 01.02.20245 y"), Vec::<&str>::new());
        assert_eq!(all("x 22.MAR,22 y 22,MAR,2022"), Vec::<&str>::new());
    }

    #[test]
    fn a_date_may_start_inside_a_word() {
        // paperless-ngx's leading boundary matches anywhere.
        assert_eq!(all("Nr123.04.2024"), ["23.04.2024"]);
    }
}
