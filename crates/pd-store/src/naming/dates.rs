//! Dates in templates: the values that stand for Python `date`/`datetime` objects, the
//! `datetime` filter (C-locale `strftime`) and the `localize_date` filter (a subset of
//! Babel's CLDR formatting).

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use minijinja::value::{DynObject, Object, ObjectRepr, Value};
use minijinja::{Error, ErrorKind};
use time::{Date, Month, PrimitiveDateTime, Time};

use super::cldr::{LocaleData, locale_data};

/// A Python `date` (no time) or an aware `datetime` in UTC, as templates see them.
///
/// Renders like Python's `str()`: `2020-06-25`, `2024-10-01 07:36:51.000153+00:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DateValue {
    pub(super) at: PrimitiveDateTime,
    /// `false` for a `date`.
    pub(super) has_time: bool,
    /// `true` for an aware (UTC) `datetime`; `false` for naive ones parsed from strings.
    pub(super) utc: bool,
}

impl DateValue {
    pub(super) fn date(date: Date) -> Self {
        Self {
            at: PrimitiveDateTime::new(date, Time::MIDNIGHT),
            has_time: false,
            utc: false,
        }
    }

    pub(super) fn utc(at: time::OffsetDateTime) -> Self {
        let at = at.to_offset(time::UtcOffset::UTC);
        Self {
            at: PrimitiveDateTime::new(at.date(), at.time()),
            has_time: true,
            utc: true,
        }
    }

    pub(super) fn into_value(self) -> Value {
        Value::from_object(self)
    }
}

impl fmt::Display for DateValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.at.date();
        write!(
            f,
            "{:04}-{:02}-{:02}",
            d.year(),
            u8::from(d.month()),
            d.day()
        )?;
        if self.has_time {
            let t = self.at.time();
            write!(f, " {:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())?;
            if t.microsecond() != 0 {
                write!(f, ".{:06}", t.microsecond())?;
            }
            if self.utc {
                f.write_str("+00:00")?;
            }
        }
        Ok(())
    }
}

impl Object for DateValue {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    // The attributes of Python's date and datetime that a file name could use.
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let (d, t) = (self.at.date(), self.at.time());
        let v = match key.as_str()? {
            "year" => i64::from(d.year()),
            "month" => i64::from(u8::from(d.month())),
            "day" => i64::from(d.day()),
            "hour" if self.has_time => i64::from(t.hour()),
            "minute" if self.has_time => i64::from(t.minute()),
            "second" if self.has_time => i64::from(t.second()),
            "microsecond" if self.has_time => i64::from(t.microsecond()),
            _ => return None,
        };
        Some(Value::from(v))
    }

    fn custom_cmp(self: &Arc<Self>, other: &DynObject) -> Option<Ordering> {
        let other = other.downcast_ref::<DateValue>()?;
        Some(self.at.cmp(&other.at))
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_ref(), f)
    }
}

fn parse_num<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn make_date(y: &str, m: &str, d: &str) -> Option<Date> {
    let month = Month::try_from(parse_num::<u8>(m)?).ok()?;
    Date::from_calendar_date(parse_num(y)?, month, parse_num(d)?).ok()
}

/// Django's `parse_date`: `YYYY-MM-DD`, `YYYYMMDD` or `YYYY-M-D`.
fn parse_date(s: &str) -> Option<Date> {
    if s.len() == 8 && !s.contains('-') {
        return make_date(&s[..4], &s[4..6], &s[6..]);
    }
    let mut parts = s.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() > 2 || d.len() > 2 {
        return None;
    }
    make_date(y, m, d)
}

/// Django's `parse_datetime`, for the forms pd supports: a date, optionally followed by
/// `T` or a space and `HH:MM[:SS[.ffffff]]`, optionally followed by `Z` or `+00:00`.
fn parse_datetime(s: &str) -> Option<DateValue> {
    let (date_part, rest) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let date = parse_date(date_part)?;
    let Some(rest) = rest else {
        return Some(DateValue {
            at: PrimitiveDateTime::new(date, Time::MIDNIGHT),
            has_time: true,
            utc: false,
        });
    };
    let (clock, utc) = if let Some(c) = rest.strip_suffix('Z') {
        (c, true)
    } else if let Some(c) = rest.strip_suffix("+00:00") {
        (c, true)
    } else {
        (rest, false)
    };
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let mut fields = hms.split(':');
    let hour = parse_num(fields.next()?)?;
    let minute = parse_num(fields.next()?)?;
    let second = match fields.next() {
        Some(s) => parse_num(s)?,
        None => 0,
    };
    if fields.next().is_some() || frac.len() > 6 {
        return None;
    }
    let micro = if frac.is_empty() {
        0
    } else {
        parse_num::<u32>(&format!("{frac:0<6}"))?
    };
    let time = Time::from_hms_micro(hour, minute, second, micro).ok()?;
    Some(DateValue {
        at: PrimitiveDateTime::new(date, time),
        has_time: true,
        utc,
    })
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

/// The `datetime(format)` filter: `strftime` on a date or datetime; strings are parsed as
/// dates (Django's `parse_date`), anything else is an error.
pub(super) fn datetime_filter(value: Value, format: String) -> Result<String, Error> {
    let date = if let Some(d) = value.downcast_object_ref::<DateValue>() {
        *d
    } else if let Some(d) = value.as_str().and_then(parse_date) {
        DateValue::date(d)
    } else {
        return Err(invalid(format!(
            "datetime: cannot format {value} as a date"
        )));
    };
    Ok(strftime(&format, &date))
}

pub(super) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub(super) const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// An English month name (C locale), 1-based month.
pub(super) fn month_name(month: Month) -> &'static str {
    MONTHS[usize::from(u8::from(month)) - 1]
}

/// C-locale `strftime` as glibc implements it, including the `-`, `_`, `0` and `^` flags and
/// Python's `%f`. Unknown conversions are copied unchanged, as glibc does.
pub(super) fn strftime(format: &str, v: &DateValue) -> String {
    let (d, t) = (v.at.date(), v.at.time());
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let flag = match chars.peek() {
            Some(&f @ ('-' | '_' | '0' | '^')) => {
                chars.next();
                Some(f)
            }
            _ => None,
        };
        let Some(conv) = chars.next() else {
            out.push('%');
            if let Some(f) = flag {
                out.push(f);
            }
            break;
        };
        let num = |n: i64, width: usize, pad: char| -> String {
            let (width, pad) = match flag {
                Some('-') => (0, pad),
                Some('_') => (width, ' '),
                Some('0') => (width, '0'),
                _ => (width, pad),
            };
            let digits = n.abs().to_string();
            let sign = if n < 0 { "-" } else { "" };
            let fill: String =
                std::iter::repeat_n(pad, width.saturating_sub(digits.len() + sign.len())).collect();
            format!("{sign}{fill}{digits}")
        };
        let month = usize::from(u8::from(d.month()));
        let hour12 = match t.hour() % 12 {
            0 => 12,
            h => h,
        };
        let yday = i64::from(d.ordinal());
        let wday_sun0 = i64::from(d.weekday().number_days_from_sunday());
        let wday_mon0 = i64::from(d.weekday().number_days_from_monday());
        let text = match conv {
            'a' => DAYS[wday_mon0 as usize][..3].to_owned(),
            'A' => DAYS[wday_mon0 as usize].to_owned(),
            'b' | 'h' => MONTHS[month - 1][..3].to_owned(),
            'B' => MONTHS[month - 1].to_owned(),
            'c' => strftime("%a %b %e %H:%M:%S %Y", v),
            'C' => num(i64::from(d.year()) / 100, 2, '0'),
            'd' => num(i64::from(d.day()), 2, '0'),
            'D' | 'x' => strftime("%m/%d/%y", v),
            'e' => num(i64::from(d.day()), 2, ' '),
            'f' => num(i64::from(t.microsecond()), 6, '0'),
            'F' => strftime("%Y-%m-%d", v),
            'G' => num(i64::from(d.to_iso_week_date().0), 1, '0'),
            'g' => num(i64::from(d.to_iso_week_date().0).rem_euclid(100), 2, '0'),
            'H' => num(i64::from(t.hour()), 2, '0'),
            'I' => num(i64::from(hour12), 2, '0'),
            'j' => num(yday, 3, '0'),
            'k' => num(i64::from(t.hour()), 2, ' '),
            'l' => num(i64::from(hour12), 2, ' '),
            'm' => num(month as i64, 2, '0'),
            'M' => num(i64::from(t.minute()), 2, '0'),
            'n' => "\n".to_owned(),
            'p' => if t.hour() < 12 { "AM" } else { "PM" }.to_owned(),
            'P' => if t.hour() < 12 { "am" } else { "pm" }.to_owned(),
            'r' => strftime("%I:%M:%S %p", v),
            'R' => strftime("%H:%M", v),
            'S' => num(i64::from(t.second()), 2, '0'),
            't' => "\t".to_owned(),
            'T' | 'X' => strftime("%H:%M:%S", v),
            'u' => num(wday_mon0 + 1, 1, '0'),
            'U' => num((yday - 1 + 7 - wday_sun0) / 7, 2, '0'),
            'V' => num(i64::from(d.iso_week()), 2, '0'),
            'w' => num(wday_sun0, 1, '0'),
            'W' => num((yday - 1 + 7 - wday_mon0) / 7, 2, '0'),
            'y' => num(i64::from(d.year()).rem_euclid(100), 2, '0'),
            'Y' => num(i64::from(d.year()), 1, '0'),
            'z' => if v.utc { "+0000" } else { "" }.to_owned(),
            'Z' => if v.utc { "UTC" } else { "" }.to_owned(),
            '%' => "%".to_owned(),
            other => {
                out.push('%');
                if let Some(f) = flag {
                    out.push(f);
                }
                out.push(other);
                continue;
            }
        };
        if flag == Some('^') {
            out.push_str(&text.to_uppercase());
        } else {
            out.push_str(&text);
        }
    }
    out
}

/// The `localize_date(format, locale)` filter: Babel's `format_date` for dates and
/// `format_datetime` for datetimes and strings (parsed like Django's `parse_datetime`).
/// `format` is `short`, `medium`, `long`, `full` or a CLDR pattern.
pub(super) fn localize_date_filter(
    value: Value,
    format: String,
    locale: String,
) -> Result<String, Error> {
    let date = if let Some(d) = value.downcast_object_ref::<DateValue>() {
        *d
    } else if let Some(d) = value.as_str().and_then(parse_datetime) {
        d
    } else {
        return Err(invalid(format!("localize_date: unsupported value {value}")));
    };
    let data = locale_data(&locale).ok_or_else(|| {
        invalid(format!(
            "localize_date: locale {locale:?} is not supported (pd knows en, en_US, en_GB, de, \
             de_DE, fr, fr_FR, es, es_ES)"
        ))
    })?;
    let preset = match format.as_str() {
        "short" => Some(0),
        "medium" => Some(1),
        "long" => Some(2),
        "full" => Some(3),
        _ => None,
    };
    match preset {
        Some(i) if date.has_time => {
            let date_part = format_pattern(data.date[i], &date, data)?;
            let time_part = format_pattern(data.time[i], &date, data)?;
            Ok(data.date_time[i]
                .replace("{1}", &date_part)
                .replace("{0}", &time_part))
        }
        Some(i) => format_pattern(data.date[i], &date, data),
        None => format_pattern(&format, &date, data),
    }
}

fn pad(n: i64, width: usize) -> String {
    format!("{n:0width$}")
}

/// Formats a CLDR date pattern (letters repeat to choose the width, `'…'` quotes text).
fn format_pattern(pattern: &str, v: &DateValue, data: &LocaleData) -> Result<String, Error> {
    let (d, t) = (v.at.date(), v.at.time());
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // '' is a literal quote; otherwise copy up to the closing quote.
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        out.push('\'');
                        i += 2;
                        continue;
                    }
                    break;
                }
                out.push(chars[i]);
                i += 1;
            }
            i += 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let mut n = 1;
        while chars.get(i + n) == Some(&c) {
            n += 1;
        }
        i += n;
        // Babel cannot take time fields from a date either.
        if !v.has_time && matches!(c, 'a' | 'h' | 'H' | 'K' | 'k' | 'm' | 's' | 'S' | 'z') {
            return Err(invalid(format!(
                "localize_date: pattern field {c:?} needs a time, the value is a date"
            )));
        }
        let month = usize::from(u8::from(d.month())) - 1;
        let wday = usize::from(d.weekday().number_days_from_monday());
        let hour = i64::from(t.hour());
        let text = match (c, n) {
            ('y', 2) => pad(i64::from(d.year()).rem_euclid(100), 2),
            ('y', _) => pad(i64::from(d.year()), n),
            ('M' | 'L', 1 | 2) => pad(month as i64 + 1, n),
            ('M', 3) => data.months_abbr[month].to_owned(),
            ('L', 3) => data.months_standalone_abbr[month].to_owned(),
            ('M' | 'L', 4) => data.months_wide[month].to_owned(),
            ('d', 1 | 2) => pad(i64::from(d.day()), n),
            ('D', 1..=3) => pad(i64::from(d.ordinal()), n),
            ('E', 1..=3) => data.days_abbr[wday].to_owned(),
            ('E', 4) => data.days_wide[wday].to_owned(),
            ('a', 1..=3) => if hour < 12 { data.am } else { data.pm }.to_owned(),
            ('h', 1 | 2) => pad(if hour % 12 == 0 { 12 } else { hour % 12 }, n),
            ('H', 1 | 2) => pad(hour, n),
            ('K', 1 | 2) => pad(hour % 12, n),
            ('k', 1 | 2) => pad(if hour == 0 { 24 } else { hour }, n),
            ('m', 1 | 2) => pad(i64::from(t.minute()), n),
            ('s', 1 | 2) => pad(i64::from(t.second()), n),
            ('S', _) => {
                let micros = format!("{:06}", t.microsecond());
                let mut digits: String = micros.chars().take(n).collect();
                while digits.len() < n {
                    digits.push('0');
                }
                digits
            }
            ('z', 1..=3) => data.utc_short.to_owned(),
            ('z', 4) => data.utc_long.to_owned(),
            _ => {
                return Err(invalid(format!(
                    "localize_date: pattern field {:?} is not supported",
                    c.to_string().repeat(n)
                )));
            }
        };
        out.push_str(&text);
    }
    Ok(out)
}
