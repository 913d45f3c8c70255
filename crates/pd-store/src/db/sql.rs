//! The few conversions every query needs: placeholders, and the text, integer and
//! boolean encodings of time stamps, dates and flags.

use pd_core::{Date, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::format_description::FormatItem;
use time::macros::format_description;

use super::Backend;
use crate::{Error, Result};

/// `2024-05-01T12:30:00.123456Z`: fixed width, so text order is time order.
const TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
const DATE: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// Rewrites `?` placeholders to `$1, $2, …` for PostgreSQL; other backends take `?`.
///
/// Question marks inside single-quoted literals are left alone.
pub(crate) fn placeholders(backend: Backend, sql: &str) -> String {
    if backend != Backend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut in_literal = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                in_literal = !in_literal;
                out.push(c);
            }
            '?' if !in_literal => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

/// A time stamp as stored: UTC, six fractional digits, `Z`.
pub(crate) fn ts(t: Timestamp) -> String {
    let utc = t.to_offset(time::UtcOffset::UTC);
    // Formatting a four-digit-year UTC time with this description cannot fail;
    // fall back to RFC 3339 rather than panic on an out-of-range year.
    utc.format(TIMESTAMP).unwrap_or_else(|_| {
        utc.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    })
}

pub(crate) fn opt_ts(t: Option<Timestamp>) -> Option<String> {
    t.map(ts)
}

/// A date as stored: `YYYY-MM-DD`.
pub(crate) fn date(d: Date) -> String {
    d.format(DATE).unwrap_or_else(|_| d.to_string())
}

fn parse_ts(text: &str, column: &str) -> Result<Timestamp> {
    time::PrimitiveDateTime::parse(text, TIMESTAMP)
        .map(|t| t.assume_utc())
        .or_else(|_| {
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        })
        .map_err(|e| Error::Invalid(format!("bad time stamp {text:?} in column {column}: {e}")))
}

fn parse_date(text: &str, column: &str) -> Result<Date> {
    Date::parse(text, DATE)
        .map_err(|e| Error::Invalid(format!("bad date {text:?} in column {column}: {e}")))
}

/// A flag as stored.
pub(crate) fn flag(b: bool) -> i16 {
    i16::from(b)
}

/// Typed column reads that hide what each backend's driver returns (SMALLINT, INTEGER
/// and BIGINT all arrive as some integer; time stamps and dates as text).
pub(crate) trait RowExt {
    fn text(&self, column: &str) -> Result<String>;
    fn opt_text(&self, column: &str) -> Result<Option<String>>;
    fn int(&self, column: &str) -> Result<i64>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>>;
    fn int32(&self, column: &str) -> Result<i32>;
    fn opt_int32(&self, column: &str) -> Result<Option<i32>>;
    fn int16(&self, column: &str) -> Result<i16>;
    fn opt_float(&self, column: &str) -> Result<Option<f64>>;
    fn flag(&self, column: &str) -> Result<bool>;
    fn opt_flag(&self, column: &str) -> Result<Option<bool>>;
    fn ts(&self, column: &str) -> Result<Timestamp>;
    fn opt_ts(&self, column: &str) -> Result<Option<Timestamp>>;
    fn date(&self, column: &str) -> Result<Date>;
    fn opt_date(&self, column: &str) -> Result<Option<Date>>;
}

fn narrow<T: TryFrom<i64>>(v: i64, column: &str) -> Result<T> {
    T::try_from(v).map_err(|_| Error::Invalid(format!("value {v} out of range in column {column}")))
}

impl RowExt for AnyRow {
    fn text(&self, column: &str) -> Result<String> {
        Ok(self.try_get::<String, _>(column)?)
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        Ok(self.try_get::<Option<String>, _>(column)?)
    }
    fn int(&self, column: &str) -> Result<i64> {
        Ok(self.try_get::<i64, _>(column)?)
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>> {
        Ok(self.try_get::<Option<i64>, _>(column)?)
    }
    fn int32(&self, column: &str) -> Result<i32> {
        narrow(self.int(column)?, column)
    }
    fn opt_int32(&self, column: &str) -> Result<Option<i32>> {
        self.opt_int(column)?.map(|v| narrow(v, column)).transpose()
    }
    fn int16(&self, column: &str) -> Result<i16> {
        narrow(self.int(column)?, column)
    }
    fn opt_float(&self, column: &str) -> Result<Option<f64>> {
        Ok(self.try_get::<Option<f64>, _>(column)?)
    }
    fn flag(&self, column: &str) -> Result<bool> {
        Ok(self.int(column)? != 0)
    }
    fn opt_flag(&self, column: &str) -> Result<Option<bool>> {
        Ok(self.opt_int(column)?.map(|v| v != 0))
    }
    fn ts(&self, column: &str) -> Result<Timestamp> {
        parse_ts(&self.text(column)?, column)
    }
    fn opt_ts(&self, column: &str) -> Result<Option<Timestamp>> {
        self.opt_text(column)?
            .map(|t| parse_ts(&t, column))
            .transpose()
    }
    fn date(&self, column: &str) -> Result<Date> {
        parse_date(&self.text(column)?, column)
    }
    fn opt_date(&self, column: &str) -> Result<Option<Date>> {
        self.opt_text(column)?
            .map(|t| parse_date(&t, column))
            .transpose()
    }
}

/// Maps a unique-constraint violation to the error `conflict` makes; other errors pass
/// through.
pub(crate) fn conflict_on_unique(e: sqlx::Error, conflict: impl FnOnce() -> Error) -> Error {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => conflict(),
        _ => Error::Database(e),
    }
}

/// `?, ?, ?` for `n` values.
pub(crate) fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn postgres_placeholders_are_numbered() {
        let sql = "SELECT a FROM t WHERE b = ? AND c = '?' AND d IN (?, ?)";
        assert_eq!(
            placeholders(Backend::Postgres, sql),
            "SELECT a FROM t WHERE b = $1 AND c = '?' AND d IN ($2, $3)"
        );
        assert_eq!(placeholders(Backend::Sqlite, sql), sql);
        assert_eq!(placeholders(Backend::MySql, sql), sql);
    }

    #[test]
    fn timestamps_sort_as_text() {
        let a = ts(datetime!(2024-01-02 03:04:05.000007 UTC));
        assert_eq!(a, "2024-01-02T03:04:05.000007Z");
        let b = ts(datetime!(2024-01-02 03:04:05.1 +02:00));
        assert_eq!(b, "2024-01-02T01:04:05.100000Z");
        assert!(b < a);
        assert_eq!(
            parse_ts(&a, "x").unwrap(),
            datetime!(2024-01-02 03:04:05.000007 UTC)
        );
        assert_eq!(date(date!(2020 - 02 - 29)), "2020-02-29");
        assert_eq!(
            parse_date("2020-02-29", "x").unwrap(),
            date!(2020 - 02 - 29)
        );
        assert!(parse_ts("yesterday", "x").is_err());
    }
}
