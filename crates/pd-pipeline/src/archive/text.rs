//! The invisible text layer: each word set in the glyph-less font over its box, in
//! text render mode 3, stretched (`Tz`) so that it spans from its own left edge to the
//! next word's, which makes selection follow the image and puts one space between
//! words when the text is extracted.

use std::collections::HashMap;

use pdf_writer::types::TextRenderingMode;
use pdf_writer::{Content, Name, Str};

use super::ArchiveWord;
use super::font::GLYPH_WIDTH;

/// The character codes (CIDs) used so far, one per distinct character; CID 0 is never
/// handed out (it would stand for `.notdef`).
#[derive(Debug, Default)]
pub(super) struct CharCodes {
    codes: HashMap<char, u16>,
    chars: Vec<char>,
}

impl CharCodes {
    /// The code of `c`, assigned on first use; `None` once 65,535 codes are taken.
    fn code(&mut self, c: char) -> Option<u16> {
        if let Some(&code) = self.codes.get(&c) {
            return Some(code);
        }
        let code = u16::try_from(self.chars.len() + 1).ok()?;
        self.codes.insert(c, code);
        self.chars.push(c);
        Some(code)
    }

    /// The characters in code order: `chars()[i]` has code `i + 1`.
    pub(super) fn chars(&self) -> &[char] {
        &self.chars
    }
}

/// Appends the text layer of one page to `content`. `scale` turns image pixels into
/// points; `image_height` is the page image's height in pixels.
pub(super) fn write_text_layer(
    content: &mut Content,
    font: Name,
    words: &[ArchiveWord],
    scale: f32,
    image_height: u32,
    codes: &mut CharCodes,
) {
    let lines = split_lines(words);
    if lines.iter().all(|line| line.is_empty()) {
        return;
    }
    content.begin_text();
    content.set_text_rendering_mode(TextRenderingMode::Invisible);
    for line in lines {
        let Some(bottom) = line.iter().map(|w| w.top.saturating_add(w.height)).max() else {
            continue;
        };
        let line_height = line.iter().map(|w| w.height).max().unwrap_or(1).max(1);
        let size = line_height as f32 * scale;
        content.set_font(font, size);
        let baseline = image_height.saturating_sub(bottom) as f32 * scale;
        for (i, word) in line.iter().enumerate() {
            let encoded = encode(&word.text, codes);
            if encoded.is_empty() {
                continue;
            }
            let glyphs = encoded.len() / 2;
            let em = size * f32::from(GLYPH_WIDTH) / 1000.0;
            let left = word.left as f32 * scale;
            let width = word.width.max(1) as f32 * scale;
            // The word reaches to the next one but for a narrow space: text extractors
            // break words at the space and see no gap that would split the line.
            let next = line.get(i + 1).map(|next| next.left as f32 * scale);
            let (span, space) = match next {
                Some(next) if next - left > width => {
                    let space = (0.2 * size).min((next - left - width) / 2.0).max(0.01);
                    ((next - left - space).max(width), Some(space))
                }
                Some(_) => (width, Some(0.01)),
                None => (width, None),
            };
            content.set_horizontal_scaling(stretch(span, glyphs as f32 * em));
            content.set_text_matrix([1.0, 0.0, 0.0, 1.0, left, baseline]);
            content.show(Str(&encoded));
            if let Some(space) = space {
                let encoded = encode(" ", codes);
                content.set_horizontal_scaling(stretch(space, em));
                content.show(Str(&encoded));
            }
        }
    }
    content.end_text();
}

/// `Tz` (per cent) that makes glyphs of `natural` total width span `target`.
fn stretch(target: f32, natural: f32) -> f32 {
    if natural > 0.0 {
        (100.0 * target / natural).clamp(0.01, 100_000.0)
    } else {
        100.0
    }
}

/// The two-byte codes of `text`'s characters (control characters left out).
fn encode(text: &str, codes: &mut CharCodes) -> Vec<u8> {
    let mut encoded = Vec::with_capacity(2 * text.len());
    for c in text.chars().filter(|c| !c.is_control()) {
        if let Some(code) = codes.code(c).or_else(|| codes.code('\u{FFFD}')) {
            encoded.extend_from_slice(&code.to_be_bytes());
        }
    }
    encoded
}

/// Words grouped into lines: a line ends after a word with `line_end` and at the end.
fn split_lines(words: &[ArchiveWord]) -> Vec<Vec<&ArchiveWord>> {
    let mut lines = vec![Vec::new()];
    for word in words {
        if word.text.trim().is_empty() {
            continue;
        }
        if let Some(line) = lines.last_mut() {
            line.push(word);
        }
        if word.line_end {
            lines.push(Vec::new());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, left: u32, line_end: bool) -> ArchiveWord {
        ArchiveWord {
            text: text.into(),
            left,
            top: 10,
            width: 40,
            height: 20,
            line_end,
        }
    }

    #[test]
    fn codes_are_assigned_once_per_character_from_one() {
        let mut codes = CharCodes::default();
        assert_eq!(codes.code('a'), Some(1));
        assert_eq!(codes.code('ß'), Some(2));
        assert_eq!(codes.code('a'), Some(1));
        assert_eq!(codes.chars(), &['a', 'ß']);
    }

    #[test]
    fn lines_split_after_line_ends_and_skip_blank_words() {
        let words = [
            word("Hello", 0, false),
            word("world", 50, true),
            word(" ", 0, false),
            word("Next", 0, false),
        ];
        let lines = split_lines(&words);
        let texts: Vec<Vec<&str>> = lines
            .iter()
            .map(|l| l.iter().map(|w| w.text.as_str()).collect())
            .collect();
        assert_eq!(texts, vec![vec!["Hello", "world"], vec!["Next"]]);
    }

    #[test]
    fn words_are_invisible_and_stretched_to_the_next_word() {
        let mut content = Content::new();
        let mut codes = CharCodes::default();
        let words = [word("ab", 0, false), word("c", 100, true)];
        write_text_layer(&mut content, Name(b"F0"), &words, 1.0, 100, &mut codes);
        let ops = String::from_utf8_lossy(&content.finish()).into_owned();
        assert!(ops.contains("3 Tr"), "{ops}");
        // "ab" is 2 glyphs of 10 pt at size 20 spanning 100 pt less a 4 pt space: 480 %.
        assert!(ops.contains("480 Tz"), "{ops}");
        // The space is 4 pt (a fifth of the size) of a 10 pt glyph: 40 %.
        assert!(ops.contains("40 Tz"), "{ops}");
        // Baseline at the bottom of the boxes: 100 - (10 + 20).
        assert!(ops.contains("1 0 0 1 0 70 Tm"), "{ops}");
        assert_eq!(codes.chars(), &['a', 'b', ' ', 'c']);
    }
}
