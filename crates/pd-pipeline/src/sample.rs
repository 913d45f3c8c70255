//! Generated sample documents: a small PDF writer with a real text layer, scans (text
//! drawn into images, and image-only PDFs of them) for OCR, and a handful of realistic
//! documents for the quickstart and for tests.
//!
//! Only built with the `sample-documents` feature; [`scanned_page`] makes a page image
//! with its word boxes for archive tests and benches.

use font8x8::UnicodeFonts;
use image::{DynamicImage, GrayImage, ImageEncoder, Luma};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};

const PAGE_WIDTH: f32 = 595.0; // A4 in points
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 72.0;
const FONT_SIZE: f32 = 11.0;
const LEADING: f32 = 15.0;

/// A PDF with one page per entry of `pages`, each line (split on `'\n'`) set in
/// Helvetica with WinAnsi encoding, so PDFium reads the same lines back.
///
/// What does not survive extraction is layout: PDFium drops blank lines and turns
/// runs of spaces into one. Characters WinAnsi cannot encode are written as `?`.
/// Lines are not wrapped; about 45 lines fit on a page.
///
/// ```
/// let pdf = pd_pipeline::sample::text_pdf(&["Invoice 2024-017\nTotal: 119,00 €"]);
/// assert!(pdf.starts_with(b"%PDF-"));
/// ```
pub fn text_pdf(pages: &[&str]) -> Vec<u8> {
    let catalog_id = Ref::new(1);
    let page_tree_id = Ref::new(2);
    let font_id = Ref::new(3);
    let font_name = Name(b"F1");
    // Page i uses object ids 4 + 2i (page) and 5 + 2i (content stream).
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(4 + 2 * i as i32))
        .collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(page_tree_id);
    pdf.pages(page_tree_id)
        .kids(page_ids.iter().copied())
        .count(pages.len() as i32);
    pdf.type1_font(font_id)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));

    for (text, &page_id) in pages.iter().zip(&page_ids) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.parent(page_tree_id)
            .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .contents(content_id);
        page.resources().fonts().pair(font_name, font_id);
        page.finish();

        let mut content = Content::new();
        content
            .begin_text()
            .set_font(font_name, FONT_SIZE)
            .set_leading(LEADING)
            .next_line(MARGIN, PAGE_HEIGHT - MARGIN);
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                content.next_line_using_leading();
            }
            let encoded = win_ansi(line.trim_end_matches('\r'));
            if !encoded.is_empty() {
                content.show(Str(&encoded));
            }
        }
        content.end_text();
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

/// `text` drawn black on white with an 8 × 8 bitmap font, every font pixel drawn as a
/// `scale` × `scale` square, with a margin of two characters: a clean "scan" that
/// Tesseract reads (scale 4 or more gives letters of OCR size). Lines split on `'\n'`;
/// characters the font lacks are drawn as `?`.
///
/// ```
/// let scan = pd_pipeline::sample::text_image("Invoice 2024-017", 4);
/// assert_eq!(scan.height(), (2 * 2 * 8 + 12) * 4);
/// ```
pub fn text_image(text: &str, scale: u32) -> GrayImage {
    let lines: Vec<&str> = text.split('\n').collect();
    let columns = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u32;
    let cell = 8 * scale;
    let line_height = 12 * scale;
    let margin = 2 * cell;
    let width = 2 * margin + columns.max(1) * cell;
    let height = 2 * margin + lines.len() as u32 * line_height;
    let mut image = GrayImage::from_pixel(width, height, Luma([255]));
    draw_lines(&mut image, &lines, margin, margin, scale);
    image
}

/// An A4 page at `dpi` with `text` drawn from its top left margin (0.6 inch), letters
/// about 7.5 pt tall, longer lines wrapped at a space (about 66 characters to a line):
/// what a scanner makes of a typed letter.
pub fn scanned_page(text: &str, dpi: u32) -> GrayImage {
    let width = (8.27 * dpi as f32).round() as u32;
    let height = (11.69 * dpi as f32).round() as u32;
    let mut image = GrayImage::from_pixel(width, height, Luma([255]));
    let scale = (dpi as f32 / 75.0).round().max(1.0) as u32;
    let margin = (0.6 * dpi as f32).round() as u32;
    let columns = ((width - 2 * margin) / (8 * scale)).max(1) as usize;
    let wrapped: Vec<String> = text.split('\n').flat_map(|l| wrap(l, columns)).collect();
    let lines: Vec<&str> = wrapped.iter().map(String::as_str).collect();
    draw_lines(&mut image, &lines, margin, margin, scale);
    image
}

/// `line` broken at spaces into lines of at most `columns` characters (a longer word
/// is cut).
fn wrap(line: &str, columns: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            let needed = current.chars().count() + 1 + word.chars().count();
            if needed > columns && !current.trim().is_empty() {
                lines.push(std::mem::take(&mut current));
            } else {
                current.push(' ');
            }
        }
        current.push_str(word);
        while current.chars().count() > columns {
            let head: String = current.chars().take(columns).collect();
            current = current.chars().skip(columns).collect();
            lines.push(head);
        }
    }
    lines.push(current);
    lines
}

fn draw_lines(image: &mut GrayImage, lines: &[&str], x: u32, y: u32, scale: u32) {
    let cell = 8 * scale;
    for (row, line) in lines.iter().enumerate() {
        let top = y + row as u32 * 12 * scale;
        for (column, ch) in line.chars().enumerate() {
            let Some(rows) = glyph(ch) else { continue };
            let left = x + column as u32 * cell;
            for (gy, bits) in rows.iter().enumerate() {
                for gx in 0..8 {
                    if bits & (1 << gx) == 0 {
                        continue;
                    }
                    for dy in 0..scale {
                        for dx in 0..scale {
                            let (px, py) = (left + gx * scale + dx, top + gy as u32 * scale + dy);
                            if px < image.width() && py < image.height() {
                                image.put_pixel(px, py, Luma([0]));
                            }
                        }
                    }
                }
            }
        }
    }
}

fn glyph(ch: char) -> Option<[u8; 8]> {
    if ch.is_whitespace() {
        return None;
    }
    // The font's zero is slashed, which Tesseract takes for a 6: an open one instead.
    if ch == '0' {
        return Some([0x3e, 0x63, 0x63, 0x63, 0x63, 0x63, 0x3e, 0x00]);
    }
    let ch = match ch {
        '€' => 'E',
        '–' | '—' => '-',
        other => other,
    };
    font8x8::BASIC_FONTS
        .get(ch)
        .or_else(|| font8x8::LATIN_FONTS.get(ch))
        .or_else(|| font8x8::BASIC_FONTS.get('?'))
}

/// A PDF with no text layer: one page per image, each as large as the image is at its
/// resolution (`dpi`), the image JPEG-compressed as scanners store pages.
///
/// ```
/// let scan = image::DynamicImage::ImageLuma8(pd_pipeline::sample::text_image("Total", 4));
/// let pdf = pd_pipeline::sample::image_pdf(&[(&scan, 300.0)]);
/// assert!(pdf.starts_with(b"%PDF-"));
/// ```
pub fn image_pdf(pages: &[(&DynamicImage, f32)]) -> Vec<u8> {
    let catalog_id = Ref::new(1);
    let page_tree_id = Ref::new(2);
    let image_name = Name(b"Im1");
    // Page i uses object ids 3 + 3i (page), 4 + 3i (content), 5 + 3i (image).
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(3 + 3 * i as i32))
        .collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(page_tree_id);
    pdf.pages(page_tree_id)
        .kids(page_ids.iter().copied())
        .count(pages.len() as i32);
    for (&(image, dpi), &page_id) in pages.iter().zip(&page_ids) {
        let content_id = Ref::new(page_id.get() + 1);
        let image_id = Ref::new(page_id.get() + 2);
        let (width, height) = (image.width(), image.height());
        let points = |pixels: u32| pixels as f32 * 72.0 / dpi;
        let (page_width, page_height) = (points(width), points(height));

        let grey = image.color().channel_count() < 3;
        let mut jpeg = Vec::new();
        let encoded = if grey {
            let pixels = image.to_luma8();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).write_image(
                pixels.as_raw(),
                width,
                height,
                image::ExtendedColorType::L8,
            )
        } else {
            let pixels = image.to_rgb8();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).write_image(
                pixels.as_raw(),
                width,
                height,
                image::ExtendedColorType::Rgb8,
            )
        };
        encoded.expect("JPEG encoding of an in-memory image cannot fail");
        let mut xobject = pdf.image_xobject(image_id, &jpeg);
        xobject.filter(Filter::DctDecode);
        xobject.width(width as i32);
        xobject.height(height as i32);
        if grey {
            xobject.color_space().device_gray();
        } else {
            xobject.color_space().device_rgb();
        }
        xobject.bits_per_component(8);
        xobject.finish();

        let mut page = pdf.page(page_id);
        page.parent(page_tree_id)
            .media_box(Rect::new(0.0, 0.0, page_width, page_height))
            .contents(content_id);
        page.resources().x_objects().pair(image_name, image_id);
        page.finish();

        let mut content = Content::new();
        content
            .save_state()
            .transform([page_width, 0.0, 0.0, page_height, 0.0, 0.0])
            .x_object(image_name)
            .restore_state();
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

/// The texts of the sample letters' pages: four letters and a three-page contract.
pub fn sample_scan_texts() -> Vec<&'static str> {
    [INVOICE_EN, RECHNUNG_DE, LETTER_EN, BRIEF_DE]
        .into_iter()
        .chain(CONTRACT_EN)
        .collect()
}

/// The sample letters as they would come out of a scanner: one A4 page image at `dpi`
/// per page of text (for OCR tests and benchmarks).
pub fn sample_scans(dpi: u32) -> Vec<GrayImage> {
    sample_scan_texts()
        .into_iter()
        .map(|text| scanned_page(text, dpi))
        .collect()
}

/// An image-only PDF of `pages`, each text drawn on an A4 page scanned at `dpi`
/// ([`scanned_page`], [`image_pdf`]).
pub fn scanned_pdf(pages: &[&str], dpi: u32) -> Vec<u8> {
    let scans: Vec<DynamicImage> = pages
        .iter()
        .map(|text| DynamicImage::ImageLuma8(scanned_page(text, dpi)))
        .collect();
    let with_dpi: Vec<(&DynamicImage, f32)> = scans.iter().map(|s| (s, dpi as f32)).collect();
    image_pdf(&with_dpi)
}

/// Encodes `text` in WinAnsiEncoding (Windows-1252); unmappable characters become `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}' => c as u8,
            '€' => 0x80,
            '‚' => 0x82,
            '„' => 0x84,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '™' => 0x99,
            '\t' => b' ',
            _ => b'?',
        })
        .collect()
}

/// A PDF written object by object, with the cross-reference table computed: for
/// structures the text writer does not produce (page boxes, encryption dictionaries,
/// broken references). `objects[0]` is object 1, the catalog; `trailer` is added to the
/// trailer dictionary.
pub fn raw_pdf(objects: &[&str], trailer: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {trailer} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Six realistic documents from fictional senders, as `(file name, bytes)`: English
/// and German invoices and letters, a three-page contract, and a plain-text note.
/// Every one carries dates in its text.
pub fn sample_documents() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "2024-03-12 Brightwater Office Supplies invoice INV-2024-0317.pdf",
            text_pdf(&[INVOICE_EN]),
        ),
        (
            "2024-01-15 Elektro Sonnenberg Rechnung RE-24-0042.pdf",
            text_pdf(&[RECHNUNG_DE]),
        ),
        (
            "2023-11-02 Harbor Mutual Insurance policy renewal.pdf",
            text_pdf(&[LETTER_EN]),
        ),
        (
            "2024-02-28 Hausverwaltung Lindenhof Nebenkostenabrechnung.pdf",
            text_pdf(&[BRIEF_DE]),
        ),
        (
            "2024-05-20 Greenfield Logistics service agreement.pdf",
            text_pdf(&CONTRACT_EN),
        ),
        (
            "2024-04-12 note dentist and tax return.txt",
            NOTE.as_bytes().to_vec(),
        ),
    ]
}

const INVOICE_EN: &str = "\
Brightwater Office Supplies Ltd.
14 Canal Street, Manchester M1 3HE, United Kingdom
VAT No. GB 318 4471 09

INVOICE

Invoice number: INV-2024-0317
Invoice date: 12 March 2024
Customer number: C-20871
Due date: 11 April 2024

Bill to:
Tinkerbyte Consulting
Attn. Accounts Payable
7 Mill Lane, Leeds LS2 7EW

Item                                  Qty    Unit price    Amount
A4 copy paper, 80 g/m2, box of 5       4       24.50        98.00
Toner cartridge TN-2420, black         2       61.90       123.80
Ring binders, A4, pack of 10           3        8.75        26.25

Subtotal                                                   248.05
VAT 20%                                                     49.61
Total due (GBP)                                            297.66

Please pay by bank transfer to Brightwater Office Supplies Ltd.
Sort code 20-45-77, account 41296638, reference INV-2024-0317.
Thank you for your order.";

const RECHNUNG_DE: &str = "\
Elektro Sonnenberg GmbH
Hauptstraße 27, 79098 Freiburg im Breisgau
USt-IdNr. DE 284 551 906

RECHNUNG

Rechnungsnummer: RE-24-0042
Rechnungsdatum: 15.01.2024
Leistungsdatum: 09.01.2024
Kundennummer: 10553

An:
Familie Weißmüller
Schwarzwaldstraße 112
79117 Freiburg

Pos.  Leistung                                   Menge    Betrag
1     Austausch Sicherungskasten, Material        1     412,00 €
2     Arbeitszeit Elektromeister (Std.)            3,5   245,00 €
3     Anfahrtspauschale                            1      35,00 €

Nettobetrag                                             692,00 €
zzgl. 19 % USt.                                         131,48 €
Gesamtbetrag                                            823,48 €

Zahlbar innerhalb von 14 Tagen bis zum 29.01.2024 ohne Abzug.
Bankverbindung: Sparkasse Freiburg, IBAN DE12 6805 0101 0012 3456 78
Vielen Dank für Ihren Auftrag!";

const LETTER_EN: &str = "\
Harbor Mutual Insurance Company
Customer Service, PO Box 4410, Portland, ME 04101

Ms. Jane Holloway
22 Elm Court
Burlington, VT 05401

November 2, 2023

Policy number: HM-HO-5528-3391
Subject: Renewal of your homeowners policy

Dear Ms. Holloway,

your homeowners policy HM-HO-5528-3391 expires on December 31, 2023. We are
pleased to offer you a renewal for the period January 1, 2024 to December 31, 2024.

Your new annual premium is $1,284.00, an increase of $62.00 over last year,
mainly due to higher rebuilding costs in your area. Your deductible stays at
$1,000 and your coverage limits are unchanged.

If you wish to pay in monthly installments, please return the enclosed form
by December 1, 2023. No action is needed if you want to renew as before.

Sincerely,

Daniel Ortega
Policy Services";

const BRIEF_DE: &str = "\
Hausverwaltung Lindenhof GmbH & Co. KG
Lindenallee 5, 04109 Leipzig

Herrn
Tobias Krüger
Gohliser Straße 18, Whg. 3
04155 Leipzig

Leipzig, 28. Februar 2024

Nebenkostenabrechnung für den Zeitraum 01.01.2023 bis 31.12.2023

Sehr geehrter Herr Krüger,

anbei erhalten Sie die Betriebskostenabrechnung für Ihre Wohnung im
Objekt Gohliser Straße 18. Die Gesamtkosten Ihres Anteils betragen 2.146,30 €.
Ihre Vorauszahlungen beliefen sich auf 1.980,00 €.

Daraus ergibt sich eine Nachzahlung von 166,30 €, die wir bis zum
31. März 2024 auf unser Konto zu überweisen bitten.

Ab dem 1. April 2024 erhöht sich Ihre monatliche Vorauszahlung von
165,00 € auf 180,00 €.

Für Rückfragen stehen wir Ihnen gerne zur Verfügung.

Mit freundlichen Grüßen

Sabine Vogt
Hausverwaltung Lindenhof";

const CONTRACT_EN: [&str; 3] = [
    "\
SERVICE AGREEMENT

This Service Agreement (the \"Agreement\") is made on 20 May 2024 between

Greenfield Logistics Ltd., 88 Dock Road, Liverpool L3 4BB (the \"Client\")
and
Tinkerbyte Consulting, 7 Mill Lane, Leeds LS2 7EW (the \"Provider\").

1. Services
1.1 The Provider shall maintain the Client's fleet tracking software and
    answer support requests on business days from 8:00 to 18:00.
1.2 Urgent faults shall be answered within four hours.

2. Term
2.1 This Agreement starts on 1 June 2024 and runs until 31 May 2025.
2.2 It renews for twelve months at a time unless either party gives
    written notice no later than 28 February of the renewal year.",
    "\
3. Fees and payment
3.1 The Client pays a monthly fee of GBP 2,400.00 plus VAT.
3.2 Invoices are issued on the first business day of each month and are
    due within 30 days.
3.3 Work beyond the scope of clause 1 is billed at GBP 95.00 per hour.

4. Confidentiality
4.1 Each party keeps the other party's business information confidential
    during the term and for three years after it ends.

5. Liability
5.1 The Provider's total liability in any contract year is limited to the
    fees paid in that year.",
    "\
6. Termination
6.1 Either party may terminate this Agreement with immediate effect if the
    other party materially breaches it and fails to remedy the breach
    within 30 days of written notice.

7. Governing law
7.1 This Agreement is governed by the laws of England and Wales.

Signed on 20 May 2024

For Greenfield Logistics Ltd.          For Tinkerbyte Consulting
Margaret Ellis, Operations Director    Samuel Okafor, Managing Partner",
];

const NOTE: &str = "\
Note, 12 April 2024

- Dentist appointment moved to 7 May 2024, 9:30 (Dr. Hartmann).
- Tax return 2023 due 31 July 2024; receipts are in the blue folder.
- Renew passport before the trip on 15 August 2024.
";

/// A generated scan: an A4 page at 300 dpi, black text drawn with an 8 × 8 bitmap font
/// (32 pixels high, 8 points) on white, one entry of `lines` per line, plus the box of
/// every word as OCR would report it (line ends marked). For archive tests and benches.
///
/// ```
/// let (page, words) = pd_pipeline::sample::scanned_page_with_words(&["INVOICE 17", "TOTAL 12 EUR"]);
/// assert_eq!((page.width(), page.height()), (2480, 3508));
/// assert_eq!(words.len(), 5);
/// assert!(words[1].line_end && !words[2].line_end);
/// ```
pub fn scanned_page_with_words(
    lines: &[&str],
) -> (image::GrayImage, Vec<crate::archive::ArchiveWord>) {
    const SCALE: u32 = 4;
    const ADVANCE: u32 = 8 * SCALE;
    const LINE_PITCH: u32 = 56;
    let mut page = image::GrayImage::from_pixel(2480, 3508, image::Luma([255]));
    let mut words = Vec::new();
    for (row, line) in lines.iter().enumerate() {
        let top = 200 + row as u32 * LINE_PITCH;
        if top + ADVANCE > page.height() {
            break;
        }
        let mut line_words = Vec::new();
        let mut column = 0u32;
        for word in line.split(' ') {
            let len = word.chars().count() as u32;
            let left = 200 + column * ADVANCE;
            if !word.is_empty() && left + len * ADVANCE <= page.width() {
                draw_lines(&mut page, &[word], left, top, SCALE);
                line_words.push(crate::archive::ArchiveWord::new(
                    word,
                    left,
                    top,
                    len * ADVANCE,
                    ADVANCE,
                ));
            }
            column += len + 1;
        }
        if let Some(last) = line_words.last_mut() {
            last.line_end = true;
        }
        words.extend(line_words);
    }
    (page, words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_at_spaces() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
        assert_eq!(wrap("a  b", 10), ["a  b"]);
    }

    #[test]
    fn win_ansi_maps_german_and_euro() {
        assert_eq!(win_ansi("Grüße €5 – ok"), b"Gr\xfc\xdfe \x805 \x96 ok");
        assert_eq!(win_ansi("日本"), b"??");
    }

    #[test]
    fn samples_have_unique_names_and_content() {
        let samples = sample_documents();
        assert!((5..=6).contains(&samples.len()));
        let mut names: Vec<_> = samples.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), samples.len());
        assert!(samples.iter().all(|(_, bytes)| !bytes.is_empty()));
        assert!(samples.iter().any(|(name, _)| name.ends_with(".txt")));
    }
}
