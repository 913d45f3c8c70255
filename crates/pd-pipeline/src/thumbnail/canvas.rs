//! Drawing thumbnails that are not rendered pages: text files and the placeholder. The
//! letters come from an 8 × 8 bitmap font (font8x8: ASCII, Latin-1, Greek, box and block
//! characters), drawn twice their size, which is plenty for a 500-pixel preview.

use font8x8::UnicodeFonts;
use image::{Rgb, RgbImage};

/// The page text files are drawn on: paperless-ngx's 500 × 700.
pub(super) const PAGE_WIDTH: u32 = 500;
pub(super) const PAGE_HEIGHT: u32 = 700;
/// paperless-ngx draws text from (5, 5).
const MARGIN: u32 = 5;
/// Glyphs are drawn at twice their 8 × 8 size; they use 7 of 8 columns, so 14 pixels
/// apart reads as normal spacing.
const TEXT_SCALE: u32 = 2;
const ADVANCE: u32 = 7 * TEXT_SCALE;
const LINE_HEIGHT: u32 = 8 * TEXT_SCALE + 4;
const TAB_WIDTH: usize = 4;

const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
const INK: Rgb<u8> = Rgb([0, 0, 0]);
const OUTLINE: Rgb<u8> = Rgb([176, 176, 176]);
const BARS: Rgb<u8> = Rgb([218, 218, 218]);
const LABEL: Rgb<u8> = Rgb([112, 112, 112]);

/// The first lines of `text` in black on a white page; long lines are cut at the edge,
/// as paperless-ngx's text thumbnails are.
pub(super) fn text_page(text: &str) -> RgbImage {
    let mut page = RgbImage::from_pixel(PAGE_WIDTH, PAGE_HEIGHT, WHITE);
    let columns = ((PAGE_WIDTH - MARGIN) / ADVANCE) as usize;
    let mut y = MARGIN;
    for line in text.lines() {
        if y + 8 * TEXT_SCALE > PAGE_HEIGHT {
            break;
        }
        let expanded = line.replace('\t', &" ".repeat(TAB_WIDTH));
        let visible: String = expanded.chars().take(columns).collect();
        draw_text(&mut page, MARGIN, y, &visible, TEXT_SCALE, INK);
        y += LINE_HEIGHT;
    }
    page
}

/// The generic thumbnail: a sheet with a folded corner, grey lines for text, and
/// `label` (a few letters naming the type) on it.
pub(super) fn placeholder(label: &str) -> RgbImage {
    let mut page = RgbImage::from_pixel(PAGE_WIDTH, PAGE_HEIGHT, WHITE);
    let (left, top, right, bottom) = (100, 110, 400, 590);
    let fold = 70;
    let stroke = 5;
    fill(&mut page, left, top, right - fold, top + stroke, OUTLINE);
    fill(&mut page, left, top, left + stroke, bottom, OUTLINE);
    fill(&mut page, left, bottom - stroke, right, bottom, OUTLINE);
    fill(
        &mut page,
        right - stroke,
        top + fold,
        right,
        bottom,
        OUTLINE,
    );
    // The folded corner: its diagonal and the fold's two edges.
    for t in 0..=fold {
        fill(
            &mut page,
            right - fold + t,
            top + t,
            right - fold + t + stroke,
            top + t + stroke,
            OUTLINE,
        );
    }
    fill(
        &mut page,
        right - fold,
        top,
        right - fold + stroke,
        top + fold,
        OUTLINE,
    );
    fill(
        &mut page,
        right - fold,
        top + fold - stroke,
        right,
        top + fold,
        OUTLINE,
    );
    for (i, width) in [150, 200, 180, 200, 120].into_iter().enumerate() {
        let y = top + 110 + i as u32 * 34;
        fill(&mut page, left + 40, y, left + 40 + width, y + 14, BARS);
    }
    let scale = 5;
    let label: String = label.chars().take(6).collect();
    let width = label.chars().count() as u32 * 8 * scale;
    let x = left + (right - left).saturating_sub(width) / 2;
    draw_text(&mut page, x, top + 320, &label, scale, LABEL);
    page
}

/// Draws `text` with its top left corner at (`x`, `y`); what falls outside is dropped.
fn draw_text(page: &mut RgbImage, x: u32, y: u32, text: &str, scale: u32, color: Rgb<u8>) {
    let advance = if scale == TEXT_SCALE {
        ADVANCE
    } else {
        8 * scale
    };
    for (i, ch) in text.chars().enumerate() {
        let Some(rows) = glyph(ch) else { continue };
        let gx = x + i as u32 * advance;
        for (row, bits) in rows.iter().enumerate() {
            for col in 0..8 {
                if bits & (1 << col) != 0 {
                    let px = gx + col * scale;
                    let py = y + row as u32 * scale;
                    fill(page, px, py, px + scale, py + scale, color);
                }
            }
        }
    }
}

/// The 8 rows of `ch` (bit 0 is the leftmost pixel); `None` for blanks, `?` for
/// characters the font lacks.
fn glyph(ch: char) -> Option<[u8; 8]> {
    if ch.is_whitespace() || ch.is_control() {
        return None;
    }
    // Typographic punctuation the font lacks, as its plain look-alike.
    let ch = match ch {
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{2032}' => '\'',
        '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{2033}' => '"',
        '\u{2022}' => '\u{b7}',
        other => other,
    };
    font8x8::BASIC_FONTS
        .get(ch)
        .or_else(|| font8x8::LATIN_FONTS.get(ch))
        .or_else(|| font8x8::GREEK_FONTS.get(ch))
        .or_else(|| font8x8::BOX_FONTS.get(ch))
        .or_else(|| font8x8::BLOCK_FONTS.get(ch))
        .or_else(|| font8x8::MISC_FONTS.get(ch))
        .or_else(|| font8x8::BASIC_FONTS.get('?'))
}

/// Fills the rectangle [x0, x1) × [y0, y1), clipped to the page.
fn fill(page: &mut RgbImage, x0: u32, y0: u32, x1: u32, y1: u32, color: Rgb<u8>) {
    for y in y0..y1.min(page.height()) {
        for x in x0..x1.min(page.width()) {
            page.put_pixel(x, y, color);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dark_pixels(page: &RgbImage, rows: std::ops::Range<u32>) -> usize {
        rows.flat_map(|y| (0..page.width()).map(move |x| (x, y)))
            .filter(|&(x, y)| page.get_pixel(x, y).0[0] < 128)
            .count()
    }

    #[test]
    fn text_is_drawn_line_by_line_from_the_top() {
        let page = text_page("Invoice\n\nTotal: 12,00 €\tpaid");
        assert_eq!(page.dimensions(), (PAGE_WIDTH, PAGE_HEIGHT));
        let first = MARGIN..MARGIN + 16;
        let second = MARGIN + LINE_HEIGHT..MARGIN + LINE_HEIGHT + 16;
        let third = MARGIN + 2 * LINE_HEIGHT..MARGIN + 2 * LINE_HEIGHT + 16;
        assert!(dark_pixels(&page, first) > 100);
        assert_eq!(dark_pixels(&page, second), 0);
        assert!(dark_pixels(&page, third) > 100);
        assert_eq!(dark_pixels(&page, 100..PAGE_HEIGHT), 0);
    }

    #[test]
    fn long_text_is_clipped_not_wrapped() {
        let long = "W".repeat(400) + "\n" + &"line\n".repeat(100);
        let page = text_page(&long);
        // The last row that can hold a line is used, nothing spills past the page.
        assert!(dark_pixels(&page, PAGE_HEIGHT - 40..PAGE_HEIGHT) > 0);
    }

    #[test]
    fn every_character_has_a_glyph_or_is_blank() {
        for ch in ['a', 'Z', 'ß', 'é', 'Ω', '─', '█', '漢'] {
            assert!(glyph(ch).is_some(), "{ch}");
        }
        assert!(glyph(' ').is_none());
        assert_eq!(glyph('漢'), glyph('?'));
        assert_eq!(glyph('—'), glyph('-'));
        assert_eq!(glyph('„'), glyph('"'));
    }

    #[test]
    fn the_placeholder_is_a_sheet_with_a_label() {
        let page = placeholder("PDF");
        assert_eq!(page.dimensions(), (PAGE_WIDTH, PAGE_HEIGHT));
        assert_eq!(*page.get_pixel(0, 0), WHITE);
        assert_eq!(*page.get_pixel(102, 300), OUTLINE);
        assert_ne!(placeholder("PDF"), placeholder("TEXT"));
    }
}
