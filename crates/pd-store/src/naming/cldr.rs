//! Locale data for `localize_date`: the CLDR subset Babel 2.17+ ships for the locales pd
//! supports (checked against Babel's output in the tests).

use super::dates::{DAYS, MONTHS};

/// CLDR data for one locale, as Babel 2.17+ ships it.
pub(super) struct LocaleData {
    pub(super) months_wide: [&'static str; 12],
    pub(super) months_abbr: [&'static str; 12],
    pub(super) months_standalone_abbr: [&'static str; 12],
    /// Monday first.
    pub(super) days_wide: [&'static str; 7],
    pub(super) days_abbr: [&'static str; 7],
    pub(super) am: &'static str,
    pub(super) pm: &'static str,
    pub(super) utc_short: &'static str,
    pub(super) utc_long: &'static str,
    /// short, medium, long, full.
    pub(super) date: [&'static str; 4],
    pub(super) time: [&'static str; 4],
    pub(super) date_time: [&'static str; 4],
}

const EN_MONTHS: [&str; 12] = MONTHS;
const EN_MONTHS_ABBR: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const EN_DAYS_ABBR: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

const EN: LocaleData = LocaleData {
    months_wide: EN_MONTHS,
    months_abbr: EN_MONTHS_ABBR,
    months_standalone_abbr: EN_MONTHS_ABBR,
    days_wide: DAYS,
    days_abbr: EN_DAYS_ABBR,
    am: "AM",
    pm: "PM",
    utc_short: "UTC",
    utc_long: "Coordinated Universal Time",
    date: ["M/d/yy", "MMM d, y", "MMMM d, y", "EEEE, MMMM d, y"],
    time: [
        "h:mm\u{202f}a",
        "h:mm:ss\u{202f}a",
        "h:mm:ss\u{202f}a z",
        "h:mm:ss\u{202f}a zzzz",
    ],
    date_time: ["{1}, {0}"; 4],
};

const EN_GB: LocaleData = LocaleData {
    months_abbr: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec",
    ],
    months_standalone_abbr: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec",
    ],
    am: "am",
    pm: "pm",
    date: ["dd/MM/y", "d MMM y", "d MMMM y", "EEEE, d MMMM y"],
    time: ["HH:mm", "HH:mm:ss", "HH:mm:ss z", "HH:mm:ss zzzz"],
    ..EN
};

const DE: LocaleData = LocaleData {
    months_wide: [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    months_abbr: [
        "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.",
        "Dez.",
    ],
    months_standalone_abbr: [
        "Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez",
    ],
    days_wide: [
        "Montag",
        "Dienstag",
        "Mittwoch",
        "Donnerstag",
        "Freitag",
        "Samstag",
        "Sonntag",
    ],
    days_abbr: ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."],
    am: "AM",
    pm: "PM",
    utc_short: "UTC",
    utc_long: "Koordinierte Weltzeit",
    date: ["dd.MM.yy", "dd.MM.y", "d. MMMM y", "EEEE, d. MMMM y"],
    time: ["HH:mm", "HH:mm:ss", "HH:mm:ss z", "HH:mm:ss zzzz"],
    date_time: ["{1}, {0}"; 4],
};

const FR: LocaleData = LocaleData {
    months_wide: [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    months_abbr: [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ],
    months_standalone_abbr: [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ],
    days_wide: [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ],
    days_abbr: ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
    am: "AM",
    pm: "PM",
    utc_short: "TU",
    utc_long: "temps universel coordonné",
    date: ["dd/MM/y", "d MMM y", "d MMMM y", "EEEE d MMMM y"],
    time: ["HH:mm", "HH:mm:ss", "HH:mm:ss z", "HH:mm:ss zzzz"],
    date_time: ["{1} {0}", "{1}, {0}", "{1}, {0}", "{1}, {0}"],
};

const ES: LocaleData = LocaleData {
    months_wide: [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    months_abbr: [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
    ],
    months_standalone_abbr: [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
    ],
    days_wide: [
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
    ],
    days_abbr: ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"],
    am: "a.\u{202f}m.",
    pm: "p.\u{202f}m.",
    utc_short: "UTC",
    utc_long: "tiempo universal coordinado",
    date: [
        "d/M/yy",
        "d MMM y",
        "d 'de' MMMM 'de' y",
        "EEEE, d 'de' MMMM 'de' y",
    ],
    time: ["H:mm", "H:mm:ss", "H:mm:ss z", "H:mm:ss (zzzz)"],
    date_time: ["{1}, {0}"; 4],
};

/// The locales `localize_date` knows. Babel knows hundreds; pd carries these.
pub(super) fn locale_data(locale: &str) -> Option<&'static LocaleData> {
    match locale {
        "en" | "en_US" => Some(&EN),
        "en_GB" => Some(&EN_GB),
        "de" | "de_DE" => Some(&DE),
        "fr" | "fr_FR" => Some(&FR),
        "es" | "es_ES" => Some(&ES),
        _ => None,
    }
}
