//! A generated library of realistic documents with planted near-duplicates, for the
//! duplicate search's benchmarks (`benches/duplicates/main.rs`, `cargo xtask corpus`,
//! `cargo xtask bench duplicates`). Only std, seeded, the same on every machine.
//!
//! Letters, invoices, reminders, bank statements, payslips and insurance notices, in
//! English and German, from shared templates per kind and per correspondent (letterhead,
//! footer, boilerplate paragraphs), filled with names, dates, amounts, reference numbers
//! and sentences drawn at random, 1.5–3 kB each. About one document in twenty is a
//! planted near-duplicate of an earlier one: a re-scan with OCR-like character errors, a
//! copy with a dropped line, one with changed whitespace, or a combination.

#![allow(dead_code)]

/// One generated document.
pub struct CorpusDocument {
    pub id: i64,
    pub title: String,
    pub content: String,
    /// For a planted near-duplicate: the original's id and how it was changed.
    pub planted: Option<(i64, &'static str)>,
}

/// A small, fast, seeded generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0 ..= n-1.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const FIRST: &[&str] = &[
    "Anna", "Jonas", "Maria", "Lukas", "Sophie", "Felix", "Emma", "Paul", "Laura", "David",
    "Julia", "Thomas", "Sarah", "Michael", "Lena", "Peter", "Claire", "James", "Olivia", "Jürgen",
    "Käthe", "Björn", "Zoë", "Henrik", "Mehmet", "Aylin", "Giulia", "Marco",
];
const LAST: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Wilson",
    "Davies",
    "Evans",
    "Roberts",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Schwarz",
    "Zimmermann",
];
const STREETS: &[&str] = &[
    "Hauptstraße",
    "Bahnhofstraße",
    "Gartenweg",
    "Lindenallee",
    "Schillerstraße",
    "High Street",
    "Station Road",
    "Church Lane",
    "Mill Road",
    "Park Avenue",
    "Kirchplatz",
];
const CITIES: &[&str] = &[
    "10115 Berlin",
    "20095 Hamburg",
    "80331 München",
    "50667 Köln",
    "60311 Frankfurt",
    "70173 Stuttgart",
    "04109 Leipzig",
    "London SW1A 1AA",
    "Manchester M1 1AE",
    "Bristol BS1 4DJ",
    "01067 Dresden",
    "28195 Bremen",
];
const COMPANY_WORDS: &[&str] = &[
    "Stadtwerke",
    "Versicherung",
    "Telekom",
    "Bank",
    "Energie",
    "Wohnbau",
    "Autohaus",
    "Praxis",
    "Verlag",
    "Logistics",
    "Insurance",
    "Utilities",
    "Mobile",
    "Building Society",
    "Dental Care",
    "Hardware",
    "Office Supplies",
    "Internet",
    "Heating",
    "Garage",
];
const COMPANY_NAMES: &[&str] = &[
    "Nordlicht",
    "Rheinblick",
    "Alpenrot",
    "Sonnenhof",
    "Brightwater",
    "Greenfield",
    "Oakridge",
    "Silverline",
    "Havel",
    "Elbtal",
    "Westend",
    "Kingsbridge",
    "Lakeside",
    "Bergmann",
    "Feldkamp",
    "Ashford",
    "Redhill",
    "Morgenstern",
];
const PRODUCTS: &[&str] = &[
    "Druckerpapier A4 500 Blatt",
    "Toner schwarz",
    "Wartung Heizungsanlage",
    "Monatsgebühr Mobilfunk",
    "Stromverbrauch Abschlag",
    "Office chair, black",
    "Desk lamp LED",
    "USB-C cable 2 m",
    "Annual service plan",
    "Ölwechsel inkl. Filter",
    "Bremsbeläge vorne",
    "Hauptuntersuchung",
    "Consultation fee",
    "Replacement filter",
    "Internet 250 Mbit/s",
    "Router rental",
    "Kaltmiete",
    "Nebenkostenvorauszahlung",
    "Zahnreinigung",
    "Röntgenaufnahme",
    "Delivery charge",
    "Installation labour",
];

const EN_SUBJECTS: &[&str] = &[
    "we",
    "our team",
    "the account holder",
    "your adviser",
    "the insurer",
    "our records",
    "the customer service department",
    "the technician",
    "this office",
    "the landlord",
];
const EN_VERBS: &[&str] = &[
    "have reviewed",
    "would like to confirm",
    "have received",
    "need to update",
    "are pleased to inform you about",
    "have adjusted",
    "will process",
    "have noted",
    "must point out",
    "are writing regarding",
    "have cancelled",
    "can offer",
];
const EN_OBJECTS: &[&str] = &[
    "your request of last month",
    "the outstanding balance",
    "the annual statement",
    "the new tariff",
    "your change of address",
    "the documents you sent",
    "the damage report",
    "the meter reading",
    "the direct debit mandate",
    "the renewal of your contract",
    "the repair appointment",
    "the premium for next year",
];
const EN_TAILS: &[&str] = &[
    "as discussed on the telephone",
    "with effect from the first of next month",
    "in accordance with our general terms",
    "without any further action on your part",
    "within fourteen days of this letter",
    "as shown in the enclosed overview",
    "and apologise for any inconvenience",
    "if you have any questions",
];
const DE_SUBJECTS: &[&str] = &[
    "wir",
    "unser Kundenservice",
    "die Sachbearbeitung",
    "Ihr Berater",
    "die Versicherung",
    "unsere Buchhaltung",
    "der Techniker",
    "die Hausverwaltung",
    "das Team",
];
const DE_VERBS: &[&str] = &[
    "haben geprüft",
    "bestätigen hiermit",
    "haben erhalten",
    "müssen anpassen",
    "informieren Sie über",
    "haben geändert",
    "werden bearbeiten",
    "haben vermerkt",
    "weisen hin auf",
    "schreiben Ihnen wegen",
    "haben gekündigt",
    "bieten Ihnen an",
];
const DE_OBJECTS: &[&str] = &[
    "Ihre Anfrage vom letzten Monat",
    "den offenen Betrag",
    "die Jahresabrechnung",
    "den neuen Tarif",
    "Ihre Adressänderung",
    "die eingereichten Unterlagen",
    "die Schadenmeldung",
    "den Zählerstand",
    "das SEPA-Lastschriftmandat",
    "die Verlängerung Ihres Vertrags",
    "den Reparaturtermin",
    "den Beitrag für das nächste Jahr",
];
const DE_TAILS: &[&str] = &[
    "wie telefonisch besprochen",
    "mit Wirkung zum Ersten des nächsten Monats",
    "gemäß unseren Allgemeinen Geschäftsbedingungen",
    "ohne dass Sie etwas tun müssen",
    "innerhalb von vierzehn Tagen nach Zugang dieses Schreibens",
    "wie in der beigefügten Übersicht dargestellt",
    "und bitten um Entschuldigung",
    "bei Rückfragen stehen wir gern zur Verfügung",
];

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Letter,
    Invoice,
    Reminder,
    Statement,
    Payslip,
    Insurance,
}

const KINDS: &[Kind] = &[
    Kind::Letter,
    Kind::Letter,
    Kind::Invoice,
    Kind::Invoice,
    Kind::Reminder,
    Kind::Statement,
    Kind::Payslip,
    Kind::Insurance,
];

/// A correspondent's shared template: letterhead, footer and fixed paragraphs.
struct Correspondent {
    name: String,
    german: bool,
    letterhead: String,
    footer: String,
    boilerplate: Vec<String>,
}

fn person(rng: &mut Rng) -> String {
    format!("{} {}", rng.pick(FIRST), rng.pick(LAST))
}

fn address(rng: &mut Rng) -> String {
    format!(
        "{} {}\n{}",
        rng.pick(STREETS),
        rng.range(1, 180),
        rng.pick(CITIES)
    )
}

fn date(rng: &mut Rng, german: bool) -> String {
    let (d, m, y) = (rng.range(1, 28), rng.range(1, 12), rng.range(2015, 2026));
    if german {
        format!("{d:02}.{m:02}.{y}")
    } else {
        format!("{y}-{m:02}-{d:02}")
    }
}

fn amount(rng: &mut Rng, german: bool) -> String {
    let cents = rng.range(100, 250_000);
    if german {
        format!("{},{:02} EUR", cents / 100, cents % 100)
    } else {
        format!("£{}.{:02}", cents / 100, cents % 100)
    }
}

fn sentence(rng: &mut Rng, german: bool) -> String {
    let (s, v, o, t) = if german {
        (DE_SUBJECTS, DE_VERBS, DE_OBJECTS, DE_TAILS)
    } else {
        (EN_SUBJECTS, EN_VERBS, EN_OBJECTS, EN_TAILS)
    };
    let mut text = format!("{} {} {}", rng.pick(s), rng.pick(v), rng.pick(o));
    if rng.chance(60) {
        text.push(' ');
        text.push_str(rng.pick::<&str>(t));
    }
    let mut chars = text.chars();
    let first: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    format!("{first}{}.", chars.as_str())
}

fn paragraph(rng: &mut Rng, german: bool, sentences: usize) -> String {
    (0..sentences)
        .map(|_| sentence(rng, german))
        .collect::<Vec<_>>()
        .join(" ")
}

fn correspondent(rng: &mut Rng) -> Correspondent {
    let german = rng.chance(60);
    let name = format!("{} {}", rng.pick(COMPANY_NAMES), rng.pick(COMPANY_WORDS));
    let letterhead = format!(
        "{name}\n{}\n{} {}-{}\n{} www.{}.example",
        address(rng),
        if german { "Telefon" } else { "Phone" },
        rng.range(100, 999),
        rng.range(10_000, 99_999),
        "Web:",
        name.split(' ').next().unwrap_or("firm").to_lowercase()
    );
    let footer = format!(
        "{name} · {} · IBAN DE{:02} {:04} {:04} {:04} {:04} {:02} · {} {}",
        if german {
            "Geschäftsführung"
        } else {
            "Managing director"
        },
        rng.below(100),
        rng.below(10_000),
        rng.below(10_000),
        rng.below(10_000),
        rng.below(10_000),
        rng.below(100),
        if german {
            "Amtsgericht"
        } else {
            "Registered in"
        },
        rng.pick(CITIES)
    );
    let boilerplate = (0..3).map(|_| paragraph(rng, german, 3)).collect();
    Correspondent {
        name,
        german,
        letterhead,
        footer,
        boilerplate,
    }
}

fn body(rng: &mut Rng, kind: Kind, c: &Correspondent, target: usize) -> String {
    let g = c.german;
    let recipient = format!("{}\n{}", person(rng), address(rng));
    let reference = format!(
        "{} {}-{}",
        if g { "Unser Zeichen" } else { "Our reference" },
        rng.range(100_000, 999_999),
        rng.range(10, 99)
    );
    let title = match (kind, g) {
        (Kind::Letter, true) => "Ihr Schreiben",
        (Kind::Letter, false) => "Your letter",
        (Kind::Invoice, true) => "Rechnung",
        (Kind::Invoice, false) => "Invoice",
        (Kind::Reminder, true) => "Zahlungserinnerung",
        (Kind::Reminder, false) => "Payment reminder",
        (Kind::Statement, true) => "Kontoauszug",
        (Kind::Statement, false) => "Account statement",
        (Kind::Payslip, true) => "Entgeltabrechnung",
        (Kind::Payslip, false) => "Payslip",
        (Kind::Insurance, true) => "Beitragsrechnung",
        (Kind::Insurance, false) => "Premium notice",
    };
    let mut text = format!(
        "{}\n\n{recipient}\n\n{}\n{reference}\n\n{title} {}\n\n{} {},\n\n",
        c.letterhead,
        date(rng, g),
        rng.range(1000, 99_999),
        if g { "Sehr geehrte(r)" } else { "Dear" },
        person(rng)
    );
    text.push_str(rng.pick::<String>(&c.boilerplate));
    text.push_str("\n\n");
    let footer = format!(
        "\n{}\n{}\n\n{}\n",
        if g {
            "Mit freundlichen Grüßen"
        } else {
            "Kind regards"
        },
        person(rng),
        c.footer
    );
    while text.len() + footer.len() < target {
        let line = match kind {
            Kind::Invoice | Kind::Reminder => format!(
                "{:>3} x {:<32} {}\n",
                rng.range(1, 12),
                rng.pick(PRODUCTS),
                amount(rng, g)
            ),
            Kind::Statement => format!(
                "{}  {:<40} {}\n",
                date(rng, g),
                format!("{} {}", rng.pick(PRODUCTS), rng.range(1000, 9999)),
                amount(rng, g)
            ),
            Kind::Payslip => format!(
                "{:<36} {}\n",
                rng.pick(&[
                    "Grundgehalt",
                    "Zulage",
                    "Lohnsteuer",
                    "Krankenversicherung",
                    "Basic salary",
                    "Overtime",
                    "Income tax",
                    "National Insurance"
                ]),
                amount(rng, g)
            ),
            Kind::Letter | Kind::Insurance => {
                let sentences = rng.range(1, 3);
                format!("{}\n\n", paragraph(rng, g, sentences))
            }
        };
        text.push_str(&line);
        if rng.chance(12) {
            text.push_str(&format!("\n{}\n\n", sentence(rng, g)));
        }
    }
    if matches!(kind, Kind::Invoice | Kind::Reminder) {
        text.push_str(&format!(
            "\n{} {}\n",
            if g { "Gesamtbetrag" } else { "Total" },
            amount(rng, g)
        ));
    }
    text.push_str(rng.pick::<String>(&c.boilerplate));
    text.push_str(&footer);
    text
}

/// OCR-like character confusions.
const OCR: &[(&str, &str)] = &[
    ("rn", "m"),
    ("m", "rn"),
    ("l", "1"),
    ("1", "l"),
    ("O", "0"),
    ("0", "O"),
    ("e", "c"),
    ("ü", "u"),
    ("ä", "a"),
    ("ß", "B"),
    ("cl", "d"),
    ("i", "í"),
    ("5", "S"),
    (",", "."),
];

fn ocr_edits(rng: &mut Rng, text: &str) -> String {
    let mut out = text.to_owned();
    for _ in 0..rng.range(3, 25) {
        let (from, to) = *rng.pick(OCR);
        let hits: Vec<usize> = out.match_indices(from).map(|(i, _)| i).collect();
        if hits.is_empty() {
            continue;
        }
        let at = *rng.pick(&hits);
        out.replace_range(at..at + from.len(), to);
    }
    out
}

fn drop_lines(rng: &mut Rng, text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    for _ in 0..rng.range(1, 2) {
        if lines.len() > 4 {
            let at = rng.range(1, lines.len() - 2);
            lines.remove(at);
        }
    }
    lines.join("\n")
}

fn whitespace(rng: &mut Rng, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for c in text.chars() {
        match c {
            ' ' if rng.chance(4) => out.push_str("  "),
            '\n' if rng.chance(20) => out.push_str(" \n\n"),
            _ => out.push(c),
        }
    }
    out
}

/// `n` documents, ids 1 ..= n, the same for the same seed.
pub fn generate(n: usize, seed: u64) -> Vec<CorpusDocument> {
    let mut rng = Rng::new(seed);
    let correspondents: Vec<Correspondent> = (0..(n / 25).clamp(8, 400))
        .map(|_| correspondent(&mut rng))
        .collect();
    let mut docs: Vec<CorpusDocument> = Vec::with_capacity(n);
    for id in 1..=n as i64 {
        if docs.len() > 10 && rng.chance(5) {
            let original = &docs[rng.below(docs.len())];
            let how = *rng.pick(&["ocr_chars", "drop_line", "whitespace", "combo"]);
            let content = match how {
                "ocr_chars" => ocr_edits(&mut rng, &original.content),
                "drop_line" => drop_lines(&mut rng, &original.content),
                "whitespace" => whitespace(&mut rng, &original.content),
                _ => {
                    let t = ocr_edits(&mut rng, &original.content);
                    let t = drop_lines(&mut rng, &t);
                    whitespace(&mut rng, &t)
                }
            };
            docs.push(CorpusDocument {
                id,
                title: format!("{} (scan {id})", original.title),
                content,
                planted: Some((original.id, how)),
            });
            continue;
        }
        let c = rng.pick(&correspondents);
        let kind = *rng.pick(KINDS);
        let target = rng.range(1500, 3000);
        let content = body(&mut rng, kind, c, target);
        docs.push(CorpusDocument {
            id,
            title: format!("{} {id}", c.name),
            content,
            planted: None,
        });
    }
    docs
}
