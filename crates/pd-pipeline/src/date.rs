//! A document's date from its text, as paperless-ngx's date parser finds it.
//!
//! paperless-ngx scans the whole text (and, when `FILENAME_DATE_ORDER` is set, the file's
//! name first) with one regular expression for date-like strings — `14.03.2023`, `3/14/23`,
//! `2023-03-14`, `14. März 2023`, `March 14, 2023`, `22-MAR-2022`, `21st MAR 2022`,
//! `März 2023` — and hands each to `dateparser`. The first one that is a real date, later
//! than 1900, not after today and not one of the ignored dates is the document's date.
//!
//! pd uses the same expression ([`pattern`]) and reads each candidate itself ([`read`]):
//! numbers in the configured [`DateOrder`] with dateparser's fallbacks (a four-digit number
//! is the year; a "month" above 12 swaps with the day), two-digit years as Python reads
//! them (69–99 → 19xx, 00–68 → 20xx), English and German month names (also the Austrian
//! `Jänner`/`Jän` and `Feber`), and the first of the month when no day is given.
//!
//! ```
//! use pd_core::DateOrder;
//! use pd_pipeline::date::DateParser;
//! use time::macros::date;
//!
//! let parser = DateParser::new(DateOrder::Dmy).as_of(date!(2024 - 06 - 01));
//! let text = "Invoice 4711, due 31.02.2024 (sic), dated 14.03.2023";
//! // 31 February is no date; the next candidate is taken.
//! assert_eq!(parser.parse("scan.pdf", text), Some(date!(2023 - 03 - 14)));
//! assert_eq!(parser.parse("scan.pdf", "Rechnung vom 5. Mai 2024"), Some(date!(2024 - 05 - 05)));
//! // Dates after "today" are skipped.
//! assert_eq!(parser.parse("scan.pdf", "valid until 01.01.2030"), None);
//! ```

mod pattern;
mod read;
#[cfg(test)]
mod tests;

use pd_core::{Config, Date, DateOrder};

/// Finds the date of a document in its file name and text. Cheap to build: the regular
/// expression is compiled once per process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateParser {
    order: DateOrder,
    filename_order: Option<DateOrder>,
    ignore: Vec<Date>,
    today: Date,
}

impl DateParser {
    /// A parser reading numeric dates in `order`, looking only at the text, ignoring no
    /// date, with today's local date as the latest date it accepts.
    pub fn new(order: DateOrder) -> DateParser {
        DateParser {
            order,
            filename_order: None,
            ignore: Vec::new(),
            today: local_today(),
        }
    }

    /// The parser the configuration describes (`date_order`, `filename_date_order`,
    /// `ignore_dates`), accepting dates up to today.
    pub fn from_config(config: &Config) -> DateParser {
        DateParser::new(config.date_order)
            .with_filename_order(config.filename_date_order)
            .ignoring(config.ignore_dates.iter().copied())
    }

    /// Looks for a date in the file's name first, read in `order` (paperless-ngx's
    /// `FILENAME_DATE_ORDER`); `None` looks at the text only.
    pub fn with_filename_order(mut self, order: Option<DateOrder>) -> DateParser {
        self.filename_order = order;
        self
    }

    /// Never takes these dates (paperless-ngx's `IGNORE_DATES`).
    pub fn ignoring(mut self, dates: impl IntoIterator<Item = Date>) -> DateParser {
        self.ignore.extend(dates);
        self
    }

    /// Treats `today` as the current date: later dates are in the future and skipped.
    pub fn as_of(mut self, today: Date) -> DateParser {
        self.today = today;
        self
    }

    /// The document's date: the first acceptable date in the file name (when a file name
    /// order is set) or else in the text.
    pub fn parse(&self, file_name: &str, content: &str) -> Option<Date> {
        self.dates(file_name, content).next()
    }

    /// Every acceptable date, in the order [`DateParser::parse`] considers them.
    pub fn dates<'a>(
        &'a self,
        file_name: &'a str,
        content: &'a str,
    ) -> impl Iterator<Item = Date> + 'a {
        let in_name = self
            .filename_order
            .into_iter()
            .flat_map(move |order| self.dates_in(file_name, order));
        in_name.chain(self.dates_in(content, self.order))
    }

    fn dates_in<'a>(&'a self, text: &'a str, order: DateOrder) -> impl Iterator<Item = Date> + 'a {
        pattern::candidates(text)
            .filter_map(move |candidate| read::read_date(candidate, order))
            .filter(|date| self.accepts(*date))
    }

    /// paperless-ngx's filter: after 1900, not in the future, not ignored.
    fn accepts(&self, date: Date) -> bool {
        date.year() > 1900 && date <= self.today && !self.ignore.contains(&date)
    }
}

/// Today in the local time zone (UTC when it cannot be determined).
fn local_today() -> Date {
    let offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::now_utc().to_offset(offset).date()
}
