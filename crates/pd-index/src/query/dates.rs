//! Dates in queries, as paperless-ngx accepts them after `created:`, `added:` and
//! `modified:`:
//!
//! - calendar dates: `2020`, `202003`, `20200315`, `2020-03`, `2020-03-15`, and 14-digit
//!   `20200315143000` — each meaning the whole year, month, day or second;
//! - periods: `today`, `yesterday`, `this week|month|quarter|year`,
//!   `previous week|month|quarter|year` (also `last …`), quoted when they have a space;
//! - points: `now`, `now-7d`, `now+2h` (units `s m h d w M y`), `-7 days`, `-1 week`,
//!   `+3 months`, `-999yrs` (Whoosh's unit names and abbreviations).
//!
//! A period used alone matches its whole span; a point alone matches from it to now.
//! In a range, a lower bound starts where its period starts and an upper bound ends
//! where its period ends, so `[2020 to 2021]` is the two whole years. `created` compares
//! calendar dates (midnight UTC, as indexed); `added` and `modified` are time stamps, so
//! their calendar days are local days.

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// A date expression as written, before it is resolved against "now".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateExpr(pub String);

/// A resolved span: from `start` (inclusive) to `end` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
}

/// Calendar periods resolve to day boundaries in this offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calendar {
    /// `created`: UTC midnights.
    Utc,
    /// `added`, `modified`: midnights in the offset of "now".
    Local,
}

fn add_months(date: Date, months: i64) -> Option<Date> {
    let total = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 + months;
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
    let day = date.day().min(time::util::days_in_month(month, year));
    Date::from_calendar_date(year, month, day).ok()
}

fn first_of_month(date: Date) -> Date {
    date.replace_day(1).unwrap_or(date)
}

/// A span of whole days `[from, to)` in the calendar's offset.
fn days(from: Date, to: Date, now: OffsetDateTime, cal: Calendar) -> Span {
    let at = |d: Date| {
        let midnight = PrimitiveDateTime::new(d, Time::MIDNIGHT);
        match cal {
            Calendar::Utc => midnight.assume_utc(),
            Calendar::Local => midnight.assume_offset(now.offset()),
        }
    };
    Span {
        start: at(from),
        end: at(to),
    }
}

fn number(s: &str) -> Option<i32> {
    s.parse().ok()
}

/// A calendar date in one of the numeric forms, as a span.
fn calendar(text: &str, now: OffsetDateTime, cal: Calendar) -> Option<Span> {
    let digits: String = text.chars().filter(|c| *c != '-').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let dashes = text.matches('-').count();
    let ymd = |y: i32, m: u8, d: u8| Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok();
    let ok_dashes = |n: usize| dashes == 0 || dashes == n;
    match digits.len() {
        4 if dashes == 0 => {
            let y = number(&digits)?;
            Some(days(ymd(y, 1, 1)?, ymd(y + 1, 1, 1)?, now, cal))
        }
        6 if ok_dashes(1) => {
            let from = ymd(number(&digits[..4])?, digits[4..].parse().ok()?, 1)?;
            Some(days(from, add_months(from, 1)?, now, cal))
        }
        8 if ok_dashes(2) => {
            let from = ymd(
                number(&digits[..4])?,
                digits[4..6].parse().ok()?,
                digits[6..].parse().ok()?,
            )?;
            Some(days(from, from.next_day()?, now, cal))
        }
        14 if dashes == 0 => {
            let day = ymd(
                number(&digits[..4])?,
                digits[4..6].parse().ok()?,
                digits[6..8].parse().ok()?,
            )?;
            let t = Time::from_hms(
                digits[8..10].parse().ok()?,
                digits[10..12].parse().ok()?,
                digits[12..].parse().ok()?,
            )
            .ok()?;
            let start = PrimitiveDateTime::new(day, t).assume_utc();
            Some(Span {
                start,
                end: start + Duration::SECOND,
            })
        }
        _ => None,
    }
}

/// `today`, `this month`, `previous quarter`…
fn period(text: &str, now: OffsetDateTime, cal: Calendar) -> Option<Span> {
    let today = now.date();
    let words: Vec<&str> = text.split_whitespace().collect();
    let (back, unit) = match words.as_slice() {
        ["today"] => return Some(days(today, today.next_day()?, now, cal)),
        ["yesterday"] => return Some(days(today.previous_day()?, today, now, cal)),
        ["this", unit] => (0, *unit),
        ["previous" | "last", unit] => (1, *unit),
        _ => return None,
    };
    match unit {
        "day" => {
            let d = today - Duration::days(back);
            Some(days(d, d.next_day()?, now, cal))
        }
        "week" => {
            let monday =
                today - Duration::days(i64::from(today.weekday().number_days_from_monday()));
            let from = monday - Duration::weeks(back);
            Some(days(from, from + Duration::weeks(1), now, cal))
        }
        "month" => {
            let from = add_months(first_of_month(today), -back)?;
            Some(days(from, add_months(from, 1)?, now, cal))
        }
        "quarter" => {
            let q = (u8::from(today.month()) - 1) / 3;
            let start =
                Date::from_calendar_date(today.year(), Month::try_from(q * 3 + 1).ok()?, 1).ok()?;
            let from = add_months(start, -3 * back)?;
            Some(days(from, add_months(from, 3)?, now, cal))
        }
        "year" => {
            let y = today.year() - back as i32;
            Some(days(
                Date::from_calendar_date(y, Month::January, 1).ok()?,
                Date::from_calendar_date(y + 1, Month::January, 1).ok()?,
                now,
                cal,
            ))
        }
        _ => None,
    }
}

/// Moves `now` by `n` of `unit` (Whoosh's names and abbreviations).
fn shift(now: OffsetDateTime, n: i64, unit: &str) -> Option<OffsetDateTime> {
    let months = |m: i64| {
        let date = add_months(now.date(), m)?;
        Some(now.replace_date(date))
    };
    match unit {
        "s" | "sec" | "secs" | "second" | "seconds" => Some(now + Duration::seconds(n)),
        "m" | "min" | "mins" | "minute" | "minutes" => Some(now + Duration::minutes(n)),
        "h" | "hr" | "hrs" | "hour" | "hours" => Some(now + Duration::hours(n)),
        "d" | "day" | "days" => Some(now + Duration::days(n)),
        "w" | "wk" | "wks" | "week" | "weeks" => Some(now + Duration::weeks(n)),
        "mo" | "mon" | "mons" | "month" | "months" | "M" => months(n),
        "y" | "yr" | "yrs" | "year" | "years" => months(n.checked_mul(12)?),
        _ => None,
    }
}

/// `now`, `now-7d`, `-7 days`, `+1 week`, `-999yrs`.
fn point(text: &str, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let rest = match text.strip_prefix("now") {
        Some("") => return Some(now),
        Some(rest) => rest,
        None => text,
    };
    let (sign, rest) = match rest.as_bytes().first()? {
        b'-' => (-1, &rest[1..]),
        b'+' => (1, &rest[1..]),
        _ => return None,
    };
    let rest = rest.trim_start();
    let split = rest.find(|c: char| !c.is_ascii_digit())?;
    let n: i64 = rest[..split].parse().ok()?;
    let unit = rest[split..].trim();
    // `M` is months only in the compact `now+1M` form; otherwise units are lower case.
    let unit_key = if unit == "M" {
        unit.to_owned()
    } else {
        unit.to_ascii_lowercase()
    };
    shift(now, sign * n, &unit_key)
}

/// What a date expression means: a span, or a point in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    Span(Span),
    Point(OffsetDateTime),
}

impl DateExpr {
    /// Resolves the expression at `now`; `None` when it is no date pd understands.
    pub fn resolve(&self, now: OffsetDateTime, cal: Calendar) -> Option<Resolved> {
        let text = self.0.trim();
        let lower = text.to_ascii_lowercase();
        let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(span) = calendar(&lower, now, cal).or_else(|| period(&lower, now, cal)) {
            return Some(Resolved::Span(span));
        }
        let compact = if text.starts_with("now") {
            text.to_owned()
        } else {
            lower
        };
        point(&compact, now).map(Resolved::Point)
    }
}

impl Resolved {
    /// Where the expression starts, as a lower bound.
    pub fn start(self) -> OffsetDateTime {
        match self {
            Resolved::Span(s) => s.start,
            Resolved::Point(p) => p,
        }
    }

    /// Where it ends (exclusive), as an upper bound: a point is included.
    pub fn end(self) -> OffsetDateTime {
        match self {
            Resolved::Span(s) => s.end,
            Resolved::Point(p) => p + Duration::SECOND,
        }
    }

    /// The span an expression used alone matches: a period's, or from a point to now.
    pub fn alone(self, now: OffsetDateTime) -> Span {
        match self {
            Resolved::Span(s) => s,
            Resolved::Point(p) if p <= now => Span {
                start: p,
                end: now + Duration::SECOND,
            },
            Resolved::Point(p) => Span {
                start: now,
                end: p + Duration::SECOND,
            },
        }
    }
}
