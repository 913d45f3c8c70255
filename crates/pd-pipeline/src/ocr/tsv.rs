//! Tesseract's TSV report: one row per page, block, paragraph, line and word
//! (`level` 1–5), with the word's box and confidence.

use super::{OcrText, OcrWord};

/// Where a word sits in Tesseract's layout: (page, block, paragraph, line).
type LineKey = (u32, u32, u32, u32);

/// The report of a run over `pages` pages, split into one [`OcrText`] per page (a page
/// Tesseract found nothing on has no words).
pub(super) fn read_pages(tsv: &str, pages: usize) -> Vec<OcrText> {
    let mut rows = vec![String::new(); pages];
    for line in tsv.lines() {
        let page = line
            .split('\t')
            .nth(1)
            .and_then(|p| p.trim().parse::<usize>().ok());
        if let Some(page) = page.filter(|p| (1..=pages).contains(p)) {
            rows[page - 1].push_str(line);
            rows[page - 1].push('\n');
        }
    }
    rows.iter().map(|rows| read(rows)).collect()
}

/// The words of a TSV report in reading order, and the text: words of a line joined by
/// a space, lines by `\n`, paragraphs and blocks by a blank line.
pub(super) fn read(tsv: &str) -> OcrText {
    let mut rows: Vec<(LineKey, OcrWord)> = Vec::new();
    for line in tsv.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() < 12 || fields[0] != "5" {
            continue;
        }
        let text = fields[11..].join("\t");
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let number = |i: usize| fields[i].trim().parse::<u32>().ok();
        let (Some(page), Some(block), Some(par), Some(line_no)) =
            (number(1), number(2), number(3), number(4))
        else {
            continue;
        };
        let (Some(left), Some(top), Some(width), Some(height)) =
            (number(6), number(7), number(8), number(9))
        else {
            continue;
        };
        let confidence = fields[10].trim().parse::<f32>().unwrap_or(0.0).max(0.0);
        rows.push((
            (page, block, par, line_no),
            OcrWord {
                text: text.to_owned(),
                left,
                top,
                width,
                height,
                confidence,
                line_end: false,
            },
        ));
    }

    let mut text = String::new();
    let mut words = Vec::with_capacity(rows.len());
    for i in 0..rows.len() {
        let (key, word) = &rows[i];
        if i > 0 {
            let previous = rows[i - 1].0;
            text.push_str(if previous == *key {
                " "
            } else if (previous.0, previous.1, previous.2) == (key.0, key.1, key.2) {
                "\n"
            } else {
                "\n\n"
            });
        }
        text.push_str(&word.text);
        let line_end = rows.get(i + 1).is_none_or(|(next, _)| next != key);
        words.push(OcrWord {
            line_end,
            ..word.clone()
        });
    }
    OcrText { text, words }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext";

    fn tsv(rows: &[&str]) -> String {
        let mut out = String::from(HEADER);
        for row in rows {
            out.push('\n');
            out.push_str(row);
        }
        out
    }

    #[test]
    fn words_lines_and_paragraphs() {
        let report = tsv(&[
            "1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t",
            "2\t1\t1\t0\t0\t0\t100\t100\t900\t200\t-1\t",
            "4\t1\t1\t1\t1\t0\t100\t100\t900\t40\t-1\t",
            "5\t1\t1\t1\t1\t1\t100\t100\t300\t40\t96.5\tInvoice",
            "5\t1\t1\t1\t1\t2\t420\t100\t200\t40\t91\t2024-017",
            "5\t1\t1\t1\t2\t1\t100\t160\t250\t40\t88\tTotal:",
            "5\t1\t1\t1\t2\t2\t360\t160\t120\t40\t-1\t ",
            "5\t1\t2\t1\t1\t1\t100\t400\t200\t40\t90\tThanks",
        ]);
        let read = read(&report);
        assert_eq!(read.text, "Invoice 2024-017\nTotal:\n\nThanks");
        let ends: Vec<(&str, bool)> = read
            .words
            .iter()
            .map(|w| (w.text.as_str(), w.line_end))
            .collect();
        assert_eq!(
            ends,
            [
                ("Invoice", false),
                ("2024-017", true),
                ("Total:", true),
                ("Thanks", true)
            ]
        );
        let first = &read.words[0];
        assert_eq!(
            (first.left, first.top, first.width, first.height),
            (100, 100, 300, 40)
        );
        assert!((first.confidence - 96.5).abs() < 1e-6);
    }

    #[test]
    fn empty_and_malformed_reports_give_no_words() {
        assert_eq!(read(""), OcrText::default());
        assert_eq!(read(HEADER), OcrText::default());
        assert_eq!(
            read(&tsv(&["5\tx\t1\t1\t1\t1\t0\t0\t1\t1\t90\tword"])).words,
            []
        );
    }
}
