//! Table-driven tests of the query language, dates resolved at a fixed "now".

use time::OffsetDateTime;
use time::macros::{datetime, offset};

use super::dates::{Calendar, Resolved};
use super::*;

/// Wednesday 2024-05-15 14:30 at UTC+2.
const NOW: OffsetDateTime = datetime!(2024-05-15 14:30 +2);

fn span(expr: &str, cal: Calendar) -> (OffsetDateTime, OffsetDateTime) {
    let r = DateExpr(expr.into())
        .resolve(NOW, cal)
        .unwrap_or_else(|| panic!("{expr} did not resolve"));
    let s = r.alone(NOW);
    (
        s.start.to_offset(offset!(UTC)),
        s.end.to_offset(offset!(UTC)),
    )
}

#[test]
fn calendar_dates_and_periods() {
    use Calendar::Utc;
    let cases: &[(&str, OffsetDateTime, OffsetDateTime)] = &[
        (
            "2020",
            datetime!(2020-01-01 0:00 UTC),
            datetime!(2021-01-01 0:00 UTC),
        ),
        (
            "202002",
            datetime!(2020-02-01 0:00 UTC),
            datetime!(2020-03-01 0:00 UTC),
        ),
        (
            "2020-12",
            datetime!(2020-12-01 0:00 UTC),
            datetime!(2021-01-01 0:00 UTC),
        ),
        (
            "20200229",
            datetime!(2020-02-29 0:00 UTC),
            datetime!(2020-03-01 0:00 UTC),
        ),
        (
            "2020-02-29",
            datetime!(2020-02-29 0:00 UTC),
            datetime!(2020-03-01 0:00 UTC),
        ),
        (
            "20200315143000",
            datetime!(2020-03-15 14:30 UTC),
            datetime!(2020-03-15 14:30:01 UTC),
        ),
        (
            "today",
            datetime!(2024-05-15 0:00 UTC),
            datetime!(2024-05-16 0:00 UTC),
        ),
        (
            "yesterday",
            datetime!(2024-05-14 0:00 UTC),
            datetime!(2024-05-15 0:00 UTC),
        ),
        (
            "this week",
            datetime!(2024-05-13 0:00 UTC),
            datetime!(2024-05-20 0:00 UTC),
        ),
        (
            "previous week",
            datetime!(2024-05-06 0:00 UTC),
            datetime!(2024-05-13 0:00 UTC),
        ),
        (
            "this month",
            datetime!(2024-05-01 0:00 UTC),
            datetime!(2024-06-01 0:00 UTC),
        ),
        (
            "last month",
            datetime!(2024-04-01 0:00 UTC),
            datetime!(2024-05-01 0:00 UTC),
        ),
        (
            "Previous  Month",
            datetime!(2024-04-01 0:00 UTC),
            datetime!(2024-05-01 0:00 UTC),
        ),
        (
            "previous quarter",
            datetime!(2024-01-01 0:00 UTC),
            datetime!(2024-04-01 0:00 UTC),
        ),
        (
            "this quarter",
            datetime!(2024-04-01 0:00 UTC),
            datetime!(2024-07-01 0:00 UTC),
        ),
        (
            "this year",
            datetime!(2024-01-01 0:00 UTC),
            datetime!(2025-01-01 0:00 UTC),
        ),
        (
            "previous year",
            datetime!(2023-01-01 0:00 UTC),
            datetime!(2024-01-01 0:00 UTC),
        ),
    ];
    for (expr, start, end) in cases {
        assert_eq!(span(expr, Utc), (*start, *end), "{expr}");
    }
}

#[test]
fn local_calendars_use_the_offset_of_now() {
    // Midnight at UTC+2 is 22:00 UTC the day before.
    assert_eq!(
        span("today", Calendar::Local),
        (
            datetime!(2024-05-14 22:00 UTC),
            datetime!(2024-05-15 22:00 UTC)
        )
    );
}

#[test]
fn points_relative_to_now() {
    let at = |e: &str| match DateExpr(e.into()).resolve(NOW, Calendar::Local) {
        Some(Resolved::Point(p)) => p,
        other => panic!("{e}: {other:?}"),
    };
    assert_eq!(at("now"), NOW);
    assert_eq!(at("now-7d"), datetime!(2024-05-08 14:30 +2));
    assert_eq!(at("now+2h"), datetime!(2024-05-15 16:30 +2));
    assert_eq!(at("now-1M"), datetime!(2024-04-15 14:30 +2));
    assert_eq!(at("-7 days"), datetime!(2024-05-08 14:30 +2));
    assert_eq!(at("-1 week"), datetime!(2024-05-08 14:30 +2));
    assert_eq!(at("-2yrs"), datetime!(2022-05-15 14:30 +2));
    assert_eq!(at("+3 months"), datetime!(2024-08-15 14:30 +2));
    // Alone, a past point matches from it up to now.
    let (start, end) = span("-7 days", Calendar::Local);
    assert_eq!(start, datetime!(2024-05-08 12:30 UTC));
    assert_eq!(end, datetime!(2024-05-15 12:30:01 UTC));
}

#[test]
fn invalid_dates_do_not_resolve() {
    for bad in [
        "2020-13",
        "20201301",
        "soon",
        "last decade",
        "now-7",
        "2020-1-1-1",
        "12345",
    ] {
        assert_eq!(
            DateExpr(bad.into()).resolve(NOW, Calendar::Utc),
            None,
            "{bad}"
        );
    }
}

fn word(target: Target, text: &str) -> Query {
    Query::Word {
        target,
        text: text.into(),
        fuzzy: None,
        prefix: false,
    }
}

#[test]
fn parses_the_query_forms() {
    use Target::Default as D;
    let date = |field, lo: &str, hi: &str| Query::Dates {
        field,
        lo: (!lo.is_empty()).then(|| DateExpr(lo.into())),
        hi: (!hi.is_empty()).then(|| DateExpr(hi.into())),
        exclusive: false,
    };
    let cases: Vec<(&str, Query)> = vec![
        ("invoice", word(D, "invoice")),
        ("a b", Query::And(vec![word(D, "a"), word(D, "b")])),
        ("a AND b", Query::And(vec![word(D, "a"), word(D, "b")])),
        (
            "a OR b c",
            Query::Or(vec![
                word(D, "a"),
                Query::And(vec![word(D, "b"), word(D, "c")]),
            ]),
        ),
        ("NOT a", Query::Not(Box::new(word(D, "a")))),
        (
            "a -b",
            Query::And(vec![word(D, "a"), Query::Not(Box::new(word(D, "b")))]),
        ),
        ("+a", word(D, "a")),
        (
            "\"a b\"~1",
            Query::Phrase {
                target: D,
                text: "a b".into(),
                slop: 1,
            },
        ),
        ("title:bill", word(Target::Text(TextField::Title), "bill")),
        (
            "type:letter",
            word(Target::Text(TextField::DocumentType), "letter"),
        ),
        (
            "path:archive",
            word(Target::Text(TextField::StoragePath), "archive"),
        ),
        ("notes:call", word(Target::Text(TextField::Notes), "call")),
        ("custom_fields.Invoice Number:x", word(D, "x")), // the space ends the field name
        (
            "custom_fields.invoice_number:7",
            word(Target::CustomField("invoice_number".into()), "7"),
        ),
        (
            "tag:a,b",
            Query::And(vec![
                word(Target::Text(TextField::Tag), "a"),
                word(Target::Text(TextField::Tag), "b"),
            ]),
        ),
        (
            "title:(a OR b)",
            Query::Or(vec![
                word(Target::Text(TextField::Title), "a"),
                word(Target::Text(TextField::Title), "b"),
            ]),
        ),
        (
            "asn:42",
            Query::Numbers {
                field: NumberField::Asn,
                lo: Some(42),
                hi: Some(42),
            },
        ),
        (
            "asn:{10 to 20}",
            Query::Numbers {
                field: NumberField::Asn,
                lo: Some(11),
                hi: Some(19),
            },
        ),
        (
            "created:[2020 to 2021]",
            date(DateField::Created, "2020", "2021"),
        ),
        ("created:[2020 TO]", date(DateField::Created, "2020", "")),
        (
            "added:yesterday",
            date(DateField::Added, "yesterday", "yesterday"),
        ),
        (
            "created:\"last month\"",
            date(DateField::Created, "last month", "last month"),
        ),
        (
            "modified:[-1 week to now]",
            date(DateField::Modified, "-1 week", "now"),
        ),
        (
            "invoce~",
            Query::Word {
                target: D,
                text: "invoce".into(),
                fuzzy: Some(1),
                prefix: false,
            },
        ),
        (
            "invoce~2",
            Query::Word {
                target: D,
                text: "invoce".into(),
                fuzzy: Some(2),
                prefix: false,
            },
        ),
        (
            "inv*",
            Query::Word {
                target: D,
                text: "inv".into(),
                fuzzy: None,
                prefix: true,
            },
        ),
    ];
    for (text, expected) in cases {
        if text.starts_with("custom_fields.Invoice Number") {
            assert!(parse(text).is_err(), "{text}");
            continue;
        }
        assert_eq!(
            parse(text).unwrap_or_else(|e| panic!("{text}: {e}")),
            expected,
            "{text}"
        );
    }
}

#[test]
fn malformed_queries_say_where_and_why() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 0, "empty"),
        ("title:(bill", 6, "never closed"),
        ("bill)", 4, "closes nothing"),
        ("\"unfinished phrase", 0, "quote"),
        ("foo:bar", 0, "unknown field \"foo\""),
        ("a AND", 5, "ends where a word was expected"),
        ("OR a", 0, "between two clauses"),
        ("asn:abc", 4, "not a number"),
        ("title:[a to b]", 6, "ranges work on dates"),
        ("created:[2020 2021]", 8, "\"to\""),
        ("word~5", 0, "fuzzy"),
        ("title:", 0, "no value"),
    ];
    for (text, position, needle) in cases {
        let e = parse(text).unwrap_err();
        assert!(e.message.contains(needle), "{text}: {e}");
        assert_eq!(e.position, *position, "{text}: {e}");
    }
}
