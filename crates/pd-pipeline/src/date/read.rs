//! Reading one date-like string as a calendar date, the way `dateparser` reads what
//! paperless-ngx's expression found (`PREFER_DAY_OF_MONTH = "first"`).

use pd_core::{Date, DateOrder, DatePart};
use time::Month;

/// Month names and abbreviations, English and German (with Austrian `Jänner`, `Feber`),
/// lower case: dateparser's `en` and `de` lists.
const MONTHS: &[(&str, u8)] = &[
    ("jan", 1),
    ("january", 1),
    ("januar", 1),
    ("jänner", 1),
    ("jän", 1),
    ("feb", 2),
    ("february", 2),
    ("februar", 2),
    ("feber", 2),
    ("mar", 3),
    ("march", 3),
    ("mär", 3),
    ("märz", 3),
    ("mrz", 3),
    ("apr", 4),
    ("april", 4),
    ("may", 5),
    ("mai", 5),
    ("jun", 6),
    ("june", 6),
    ("juni", 6),
    ("jul", 7),
    ("july", 7),
    ("juli", 7),
    ("aug", 8),
    ("august", 8),
    ("sep", 9),
    ("sept", 9),
    ("september", 9),
    ("oct", 10),
    ("october", 10),
    ("okt", 10),
    ("oktober", 10),
    ("nov", 11),
    ("november", 11),
    ("dec", 12),
    ("december", 12),
    ("dez", 12),
    ("dezember", 12),
];

/// English ordinal endings after a day number (`21st`, `22nd`, `23rd`, `24th`).
const ORDINALS: [&str; 4] = ["st", "nd", "rd", "th"];

/// The month a name stands for, any case.
pub(super) fn month_number(name: &str) -> Option<u8> {
    let name = name.to_lowercase();
    MONTHS.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)
}

/// The date `candidate` names, or `None` when it is no real date (`31.02.2024`, an
/// unknown month name, a zero day).
pub(super) fn read_date(candidate: &str, order: DateOrder) -> Option<Date> {
    let mut numbers: Vec<&str> = Vec::with_capacity(3);
    let mut month = None;
    for token in candidate
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
    {
        let digits = token
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(token.len());
        let (number, rest) = token.split_at(digits);
        if number.is_empty() {
            // A word: the one month name the candidate may hold.
            if month.is_some() {
                return None;
            }
            month = Some(month_number(rest)?);
        } else if rest.is_empty() || ORDINALS.iter().any(|o| rest.eq_ignore_ascii_case(o)) {
            numbers.push(number);
        } else {
            return None;
        }
    }
    match (month, numbers.as_slice()) {
        (None, [a, b, c]) => numeric(a, b, c, order),
        (Some(month), [year]) if year.len() == 4 => calendar(year.parse().ok()?, month, 1),
        (Some(month), [a, b]) => {
            let (day, year) = if b.len() == 4 { (a, b) } else { (b, a) };
            if year.len() != 4 || day.len() > 2 {
                return None;
            }
            calendar(year.parse().ok()?, month, day.parse().ok()?)
        }
        _ => None,
    }
}

/// Three numbers read in `order`, with dateparser's fallbacks: a four-digit number is the
/// year wherever it stands (year first means year, month, day); with the year last and an
/// order that starts with the year, dateparser reads the other two the other way round
/// (`01/02/2023` in `YMD` is 1 February); a month above 12 swaps with the day.
fn numeric(a: &str, b: &str, c: &str, order: DateOrder) -> Option<Date> {
    let (year, first, second, first_is_day) = if a.len() == 4 {
        (a, b, c, false)
    } else if c.len() == 4 {
        let mut rest = order.parts().into_iter().filter(|p| *p != DatePart::Year);
        let day_first = rest.next() == Some(DatePart::Day);
        let year_first = order.parts()[0] == DatePart::Year;
        (c, a, b, day_first != year_first)
    } else {
        let parts = order.parts();
        let tokens = [a, b, c];
        let at = |part| tokens[parts.iter().position(|p| *p == part).unwrap_or(0)];
        let year = at(DatePart::Year);
        if year.len() != 2 {
            return None;
        }
        (year, at(DatePart::Day), at(DatePart::Month), true)
    };
    let (mut day, mut month): (u8, u8) = if first_is_day {
        (first.parse().ok()?, second.parse().ok()?)
    } else {
        (second.parse().ok()?, first.parse().ok()?)
    };
    if month > 12 && day <= 12 {
        std::mem::swap(&mut day, &mut month);
    }
    calendar(full_year(year)?, month, day)
}

/// A two-digit year as Python's `%y` reads it: 69–99 → 19xx, 00–68 → 20xx.
fn full_year(year: &str) -> Option<i32> {
    let value: i32 = year.parse().ok()?;
    Some(match year.len() {
        2 if value >= 69 => 1900 + value,
        2 => 2000 + value,
        _ => value,
    })
}

fn calendar(year: i32, month: u8, day: u8) -> Option<Date> {
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}
