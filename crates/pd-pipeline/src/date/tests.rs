//! Table-driven tests of the date parser. Expectations of the numeric fallbacks were
//! checked against dateparser 1.5 with paperless-ngx's settings.

use pd_core::{Date, DateOrder};
use time::macros::date;

use super::DateParser;
use super::read::{month_number, read_date};

const TODAY: Date = date!(2024 - 06 - 15);

fn parser(order: DateOrder) -> DateParser {
    DateParser::new(order).as_of(TODAY)
}

fn check(order: DateOrder, cases: &[(&str, Option<Date>)]) {
    let parser = parser(order);
    for (text, expected) in cases {
        assert_eq!(
            parser.parse("", text),
            *expected,
            "{text:?} read in {order}"
        );
    }
}

#[test]
fn numeric_dates_day_month_year() {
    check(
        DateOrder::Dmy,
        &[
            ("13.02.2018", Some(date!(2018 - 02 - 13))),
            ("lorem 01.02.2024 ipsum", Some(date!(2024 - 02 - 01))),
            ("1/2/24", Some(date!(2024 - 02 - 01))),
            ("1.2.24", Some(date!(2024 - 02 - 01))),
            ("01-02-2024", Some(date!(2024 - 02 - 01))),
            ("2024-02-01", Some(date!(2024 - 02 - 01))),
            ("2024/2/1", Some(date!(2024 - 02 - 01))),
            ("2024-13-01", Some(date!(2024 - 01 - 13))),
            ("01/15/2024", Some(date!(2024 - 01 - 15))),
            ("12/13/2023", Some(date!(2023 - 12 - 13))),
            ("01.15.24", Some(date!(2024 - 01 - 15))),
            ("24-02-01", Some(date!(2001 - 02 - 24))),
            ("Datum:14.03.2023,", Some(date!(2023 - 03 - 14))),
            ("Scan_14.03.2023_final", Some(date!(2023 - 03 - 14))),
        ],
    );
}

#[test]
fn numeric_dates_month_day_year() {
    check(
        DateOrder::Mdy,
        &[
            ("03/14/2023", Some(date!(2023 - 03 - 14))),
            ("01/02/2023", Some(date!(2023 - 01 - 02))),
            ("3/14/23", Some(date!(2023 - 03 - 14))),
            ("15/01/2024", Some(date!(2024 - 01 - 15))),
            ("15.01.24", Some(date!(2024 - 01 - 15))),
            ("2024-02-01", Some(date!(2024 - 02 - 01))),
            ("2024.1.5", Some(date!(2024 - 01 - 05))),
        ],
    );
}

#[test]
fn numeric_dates_year_first_orders() {
    check(
        DateOrder::Ymd,
        &[
            ("2024-01-15", Some(date!(2024 - 01 - 15))),
            ("23/02/01", Some(date!(2023 - 02 - 01))),
            ("01/02/23", Some(date!(2001 - 02 - 23))),
            ("15.01.24", Some(date!(2015 - 01 - 24))),
            ("24.15.01", Some(date!(2024 - 01 - 15))),
            // Year last: dateparser reads day then month in YMD.
            ("01/02/2023", Some(date!(2023 - 02 - 01))),
            ("13.02.2018", Some(date!(2018 - 02 - 13))),
        ],
    );
    check(
        DateOrder::Ydm,
        &[
            ("2024-01-13", Some(date!(2024 - 01 - 13))),
            ("23/01/02", Some(date!(2023 - 02 - 01))),
        ],
    );
    check(
        DateOrder::Dym,
        &[("01/02/2023", Some(date!(2023 - 02 - 01)))],
    );
    check(
        DateOrder::Myd,
        &[("01/02/2023", Some(date!(2023 - 01 - 02)))],
    );
}

#[test]
fn month_names_in_english_and_german() {
    let cases = [
        ("January 15, 2024", date!(2024 - 01 - 15)),
        ("15 Jan 2024", date!(2024 - 01 - 15)),
        ("22nd March 2022", date!(2022 - 03 - 22)),
        ("21st MAR 2022", date!(2022 - 03 - 21)),
        ("Customer 22-MAR-2022 Card", date!(2022 - 03 - 22)),
        ("22/MAR/2022", date!(2022 - 03 - 22)),
        ("22.MAR.2022", date!(2022 - 03 - 22)),
        ("22.MAR 2022", date!(2022 - 03 - 22)),
        ("Sept 2023", date!(2023 - 09 - 01)),
        ("May 2020", date!(2020 - 05 - 01)),
        ("December 24, 2023", date!(2023 - 12 - 24)),
        ("lorem ipsum\nMärz 2019\nlorem ipsum", date!(2019 - 03 - 01)),
        ("14. März 2023", date!(2023 - 03 - 14)),
        ("14. MÄRZ 2023", date!(2023 - 03 - 14)),
        ("14. Mär 2023", date!(2023 - 03 - 14)),
        ("Mrz 2023", date!(2023 - 03 - 01)),
        ("Jänner 2020", date!(2020 - 01 - 01)),
        ("Jän 2019", date!(2019 - 01 - 01)),
        ("Januar 2020", date!(2020 - 01 - 01)),
        ("Feber 2020", date!(2020 - 02 - 01)),
        ("5 Dezember 2020", date!(2020 - 12 - 05)),
        ("Juni 5, 2020", date!(2020 - 06 - 05)),
        ("Mai 2020", date!(2020 - 05 - 01)),
        ("Oktober 2020", date!(2020 - 10 - 01)),
        ("Freitag, 5. März 2021", date!(2021 - 03 - 05)),
    ];
    // Month names do not depend on the order.
    for order in DateOrder::ALL {
        let parser = parser(order);
        for (text, expected) in cases {
            assert_eq!(
                parser.parse("", text),
                Some(expected),
                "{text:?} in {order}"
            );
        }
    }
    assert_eq!(month_number("SEPTEMBER"), Some(9));
    assert_eq!(month_number("Nullmonth"), None);
}

#[test]
fn strings_that_are_no_date() {
    check(
        DateOrder::Dmy,
        &[
            ("lorem ipsum 130218 lorem ipsum", None),
            ("lorem ipsum 2018 lorem ipsum", None),
            ("lorem ipsum 20180213 lorem ipsum", None),
            ("Wohnort\n3100\nIBAN\nAT87 4534\n1234\n1234 5678\nBIC", None),
            ("Currency 22.MAR.22 Card", None),
            ("Currency 22,MAR,2022 Card", None),
            ("Currency 22 MAR,2022 Card", None),
            ("32/13/2024", None),
            ("99/99/9999", None),
            ("00.02.2023", None),
            ("Rechnung 2019", None),
            ("Dienstag 2020", None),
            ("5th of 2021", None),
            ("", None),
            ("no dates whatsoever", None),
        ],
    );
}

#[test]
fn invalid_dates_are_skipped_for_the_next() {
    check(
        DateOrder::Dmy,
        &[
            (
                "due 31.02.2024, issued 14.03.2023",
                Some(date!(2023 - 03 - 14)),
            ),
            ("29.02.2023 or 29.02.2024", Some(date!(2024 - 02 - 29))),
            ("27. Nullmonth 2020\nMärz 2020", Some(date!(2020 - 03 - 01))),
            ("bad 99/99/9999 and 25/12/2022", Some(date!(2022 - 12 - 25))),
        ],
    );
}

#[test]
fn future_old_and_ignored_dates_are_skipped() {
    check(
        DateOrder::Dmy,
        &[
            (
                "until 16.06.2024, from 15.06.2024",
                Some(date!(2024 - 06 - 15)),
            ),
            ("01-07-2350 00:00:00", None),
            ("01-07-0590 00:00:00", None),
            (
                "01.01.1900, 31.12.1899, 01.01.1901",
                Some(date!(1901 - 01 - 01)),
            ),
            ("01.02.68 then 01.02.69", Some(date!(1969 - 02 - 01))),
            ("24-12-9999 and 02.02.2018", Some(date!(2018 - 02 - 02))),
        ],
    );
    let parser = parser(DateOrder::Dmy).ignoring([date!(2019 - 11 - 03), date!(2020 - 01 - 17)]);
    assert_eq!(
        parser.parse(
            "",
            "lorem 03.11.2019, 17.01.2020 and lorem 13.02.2018 ipsum"
        ),
        Some(date!(2018 - 02 - 13))
    );
    assert_eq!(parser.parse("", "only 3 Nov 2019"), None);
}

#[test]
fn all_dates_in_order() {
    let parser = parser(DateOrder::Dmy);
    let text = "This text has multiple dates.\nFor example 02.02.2018, 22 July 2022 and \
                Dezember 2021.\nBut not 24-12-9999 because it is in the future...";
    let dates: Vec<_> = parser.dates("", text).collect();
    assert_eq!(
        dates,
        [
            date!(2018 - 02 - 02),
            date!(2022 - 07 - 22),
            date!(2021 - 12 - 01)
        ]
    );
}

#[test]
fn file_names_first_when_configured() {
    let parser = parser(DateOrder::Dmy);
    assert_eq!(
        parser.parse("Scan-2022-04-01.pdf", "No date in here"),
        None,
        "file names are ignored by default"
    );
    let parser = parser.with_filename_order(Some(DateOrder::Ymd));
    assert_eq!(
        parser.parse("Scan-2022-04-01.pdf", "No date in here"),
        Some(date!(2022 - 04 - 01))
    );
    assert_eq!(
        parser.parse("report-2023-12-25.txt", "Recorded on 25/12/2022."),
        Some(date!(2023 - 12 - 25))
    );
    let parser = parser.ignoring([date!(2022 - 04 - 01)]);
    assert_eq!(
        parser.parse("Scan-2022-04-01.pdf", "The matching date is 24.03.2022"),
        Some(date!(2022 - 03 - 24))
    );
    let dmy_names = parser.with_filename_order(Some(DateOrder::Dmy));
    assert_eq!(
        dmy_names.parse("Scan-10.01.2021.pdf", "nothing"),
        Some(date!(2021 - 01 - 10))
    );
}

#[test]
fn configuration_builds_the_parser() {
    let mut config = pd_core::Config::for_data_dir("/nonexistent");
    config.date_order = DateOrder::Mdy;
    config.ignore_dates = vec![date!(2023 - 01 - 02)];
    let parser = DateParser::from_config(&config).as_of(TODAY);
    assert_eq!(
        parser.parse("", "01/02/2023 or 01/03/2023"),
        Some(date!(2023 - 01 - 03))
    );
}

#[test]
fn reading_single_candidates() {
    assert_eq!(
        read_date("31.02.2024", DateOrder::Dmy),
        None,
        "no 31 February"
    );
    assert_eq!(
        read_date("2 Mar 2022", DateOrder::Mdy),
        Some(date!(2022 - 03 - 02))
    );
    assert_eq!(read_date("1.2.24", DateOrder::Ymd), None);
}
