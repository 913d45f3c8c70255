//! The date settings of the consumer's date parser: the order numeric dates are read in
//! (paperless-ngx's `DATE_ORDER`) and dates it never takes (`IGNORE_DATES`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The order of day, month and year in numeric dates such as `01.02.03`, as
/// paperless-ngx's `DATE_ORDER`: any of the six orders, written `DMY`, `MDY`, `YMD`, …
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum DateOrder {
    /// Day, month, year: `14.03.2023` (paperless-ngx's default).
    #[default]
    #[serde(rename = "DMY")]
    Dmy,
    /// Month, day, year: `03/14/2023`.
    #[serde(rename = "MDY")]
    Mdy,
    /// Year, month, day: `2023-03-14`.
    #[serde(rename = "YMD")]
    Ymd,
    /// Year, day, month.
    #[serde(rename = "YDM")]
    Ydm,
    /// Day, year, month.
    #[serde(rename = "DYM")]
    Dym,
    /// Month, year, day.
    #[serde(rename = "MYD")]
    Myd,
}

/// One part of a date, as a [`DateOrder`] lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatePart {
    /// The day of the month.
    Day,
    /// The month.
    Month,
    /// The year.
    Year,
}

impl DateOrder {
    /// Every order, in the order `DMY`, `MDY`, `YMD`, `YDM`, `DYM`, `MYD`.
    pub const ALL: [DateOrder; 6] = [
        DateOrder::Dmy,
        DateOrder::Mdy,
        DateOrder::Ymd,
        DateOrder::Ydm,
        DateOrder::Dym,
        DateOrder::Myd,
    ];

    /// The three parts in this order.
    ///
    /// ```
    /// use pd_core::{DateOrder, DatePart};
    /// assert_eq!(DateOrder::Mdy.parts(), [DatePart::Month, DatePart::Day, DatePart::Year]);
    /// ```
    pub fn parts(self) -> [DatePart; 3] {
        use DatePart::{Day as D, Month as M, Year as Y};
        match self {
            DateOrder::Dmy => [D, M, Y],
            DateOrder::Mdy => [M, D, Y],
            DateOrder::Ymd => [Y, M, D],
            DateOrder::Ydm => [Y, D, M],
            DateOrder::Dym => [D, Y, M],
            DateOrder::Myd => [M, Y, D],
        }
    }

    /// The three letters, `DMY` and so on.
    pub fn as_str(self) -> &'static str {
        match self {
            DateOrder::Dmy => "DMY",
            DateOrder::Mdy => "MDY",
            DateOrder::Ymd => "YMD",
            DateOrder::Ydm => "YDM",
            DateOrder::Dym => "DYM",
            DateOrder::Myd => "MYD",
        }
    }

    /// Reads `DMY`, `mdy`, … (case-insensitive, surrounding blanks ignored).
    ///
    /// ```
    /// use pd_core::DateOrder;
    /// assert_eq!(DateOrder::parse(" ymd "), Some(DateOrder::Ymd));
    /// assert_eq!(DateOrder::parse("DDM"), None);
    /// ```
    pub fn parse(value: &str) -> Option<DateOrder> {
        let value = value.trim();
        Self::ALL
            .into_iter()
            .find(|o| o.as_str().eq_ignore_ascii_case(value))
    }
}

impl fmt::Display for DateOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reads one ISO date, `2024-01-31`.
pub(crate) fn parse_iso_date(value: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(value.trim(), format).ok()
}

/// Reads a list of ISO dates; the first item that is not one is the error.
pub(crate) fn parse_iso_dates<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<time::Date>, String> {
    values
        .into_iter()
        .map(|v| parse_iso_date(v).ok_or_else(|| format!("`{v}` is not a date like 2024-01-31")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn every_order_round_trips() {
        for order in DateOrder::ALL {
            assert_eq!(DateOrder::parse(order.as_str()), Some(order));
            assert_eq!(
                DateOrder::parse(&order.to_string().to_lowercase()),
                Some(order)
            );
            let json = serde_json::to_string(&order).unwrap();
            assert_eq!(json, format!("\"{order}\""));
            assert_eq!(serde_json::from_str::<DateOrder>(&json).unwrap(), order);
        }
        assert_eq!(DateOrder::default(), DateOrder::Dmy);
        assert_eq!(DateOrder::parse(""), None);
    }

    #[test]
    fn iso_dates() {
        assert_eq!(
            parse_iso_dates(["2024-01-01", " 2023-12-25"]),
            Ok(vec![date!(2024 - 01 - 01), date!(2023 - 12 - 25)])
        );
        let err = parse_iso_dates(["2024-01-01", "01.02.2024"]).unwrap_err();
        assert!(err.contains("01.02.2024"), "{err}");
        assert_eq!(parse_iso_date("2024-02-30"), None);
    }
}
