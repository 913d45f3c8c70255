//! The glyph-less TrueType font the invisible text layer is set in.
//!
//! Text in render mode 3 is never drawn, but PDF/A still wants its font embedded and
//! its widths consistent with the font program. This font has two glyphs: `.notdef`
//! (a box, never referenced) and one empty glyph half an em wide that every character
//! maps to. It is generated here, byte by byte, so it carries no third-party licence;
//! the whole file is about 700 bytes.

use std::sync::OnceLock;

/// Font units per em; the PDF's glyph space is 1000 per em, so widths carry over.
pub(super) const UNITS_PER_EM: u16 = 1000;
/// The advance width of the one visible-less glyph, in font units (= PDF `/DW`).
pub(super) const GLYPH_WIDTH: u16 = 500;
/// The glyph every character maps to.
pub(super) const GLYPH_ID: u16 = 1;
/// The PostScript name of the font.
pub(super) const FONT_NAME: &str = "PdGlyphLessFont";

/// The TrueType file, built once.
pub(super) fn glyphless_font() -> &'static [u8] {
    static FONT: OnceLock<Vec<u8>> = OnceLock::new();
    FONT.get_or_init(build)
}

fn build() -> Vec<u8> {
    // Tables in the order of their tags' bytes, as the directory must list them.
    let tables: [(&[u8; 4], Vec<u8>); 10] = [
        (b"OS/2", os2()),
        (b"cmap", cmap()),
        (b"glyf", glyf()),
        (b"head", head()),
        (b"hhea", hhea()),
        (b"hmtx", hmtx()),
        (b"loca", loca()),
        (b"maxp", maxp()),
        (b"name", name()),
        (b"post", post()),
    ];
    let count = tables.len() as u16;
    let entry_selector = 15 - count.leading_zeros() as u16; // floor(log2(count))
    let search_range = (1u16 << entry_selector) * 16;

    let mut out = Vec::new();
    put_u32(&mut out, 0x0001_0000);
    put_u16(&mut out, count);
    put_u16(&mut out, search_range);
    put_u16(&mut out, entry_selector);
    put_u16(&mut out, count * 16 - search_range);
    let mut offset = 12 + 16 * tables.len();
    let mut head_offset = 0;
    for (tag, data) in &tables {
        out.extend_from_slice(*tag);
        put_u32(&mut out, checksum(data));
        put_u32(&mut out, offset as u32);
        put_u32(&mut out, data.len() as u32);
        if *tag == b"head" {
            head_offset = offset;
        }
        offset += data.len().next_multiple_of(4);
    }
    for (_, data) in &tables {
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    // head.checkSumAdjustment makes the whole file sum to 0xB1B0AFBA.
    let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
    out[head_offset + 8..head_offset + 12].copy_from_slice(&adjustment.to_be_bytes());
    out
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_i16(out: &mut Vec<u8>, v: i16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

const ASCENT: i16 = 1000;

fn head() -> Vec<u8> {
    let mut t = Vec::with_capacity(54);
    put_u32(&mut t, 0x0001_0000); // version
    put_u32(&mut t, 0x0001_0000); // fontRevision
    put_u32(&mut t, 0); // checkSumAdjustment, set last
    put_u32(&mut t, 0x5F0F_3CF5); // magic
    put_u16(&mut t, 0b1011); // baseline and lsb at 0, integer scaling
    put_u16(&mut t, UNITS_PER_EM);
    t.extend_from_slice(&[0; 16]); // created, modified
    put_i16(&mut t, 0); // xMin
    put_i16(&mut t, 0); // yMin
    put_i16(&mut t, GLYPH_WIDTH as i16); // xMax
    put_i16(&mut t, ASCENT); // yMax
    put_u16(&mut t, 0); // macStyle
    put_u16(&mut t, 8); // lowestRecPPEM
    put_i16(&mut t, 2); // fontDirectionHint
    put_i16(&mut t, 0); // indexToLocFormat: short offsets
    put_i16(&mut t, 0); // glyphDataFormat
    t
}

fn hhea() -> Vec<u8> {
    let mut t = Vec::with_capacity(36);
    put_u32(&mut t, 0x0001_0000);
    put_i16(&mut t, ASCENT); // ascender
    put_i16(&mut t, 0); // descender
    put_i16(&mut t, 0); // lineGap
    put_u16(&mut t, GLYPH_WIDTH); // advanceWidthMax
    put_i16(&mut t, 0); // minLeftSideBearing
    put_i16(&mut t, 0); // minRightSideBearing
    put_i16(&mut t, GLYPH_WIDTH as i16); // xMaxExtent
    put_i16(&mut t, 1); // caretSlopeRise
    put_i16(&mut t, 0); // caretSlopeRun
    put_i16(&mut t, 0); // caretOffset
    t.extend_from_slice(&[0; 8]); // reserved
    put_i16(&mut t, 0); // metricDataFormat
    put_u16(&mut t, 2); // numberOfHMetrics
    t
}

fn hmtx() -> Vec<u8> {
    let mut t = Vec::new();
    for _ in 0..2 {
        put_u16(&mut t, GLYPH_WIDTH);
        put_i16(&mut t, 0);
    }
    t
}

fn maxp() -> Vec<u8> {
    let mut t = Vec::with_capacity(32);
    put_u32(&mut t, 0x0001_0000);
    put_u16(&mut t, 2); // numGlyphs
    put_u16(&mut t, 4); // maxPoints
    put_u16(&mut t, 1); // maxContours
    put_u16(&mut t, 0); // maxCompositePoints
    put_u16(&mut t, 0); // maxCompositeContours
    put_u16(&mut t, 2); // maxZones
    t.extend_from_slice(&[0; 16]); // twilight points … component depth
    t
}

/// `.notdef` is a box (so the font is well formed); glyph 1 has no outline.
fn glyf() -> Vec<u8> {
    let mut t = Vec::new();
    put_i16(&mut t, 1); // numberOfContours
    for v in [50, 0, 450, 750] {
        put_i16(&mut t, v); // xMin, yMin, xMax, yMax
    }
    put_u16(&mut t, 3); // endPtsOfContours
    put_u16(&mut t, 0); // instructionLength
    t.extend_from_slice(&[1; 4]); // flags: on curve, 16-bit deltas
    for dx in [50, 400, 0, -400] {
        put_i16(&mut t, dx);
    }
    for dy in [0, 0, 750, 0] {
        put_i16(&mut t, dy);
    }
    t.resize(t.len().next_multiple_of(4), 0);
    t
}

fn loca() -> Vec<u8> {
    let notdef_len = glyf().len() as u16;
    let mut t = Vec::new();
    for offset in [0, notdef_len / 2, notdef_len / 2] {
        put_u16(&mut t, offset);
    }
    t
}

/// A Windows Unicode cmap that maps nothing: the PDF maps CIDs to the glyph itself.
fn cmap() -> Vec<u8> {
    let mut t = Vec::new();
    put_u16(&mut t, 0); // version
    put_u16(&mut t, 1); // numTables
    put_u16(&mut t, 3); // platform: Windows
    put_u16(&mut t, 1); // encoding: Unicode BMP
    put_u32(&mut t, 12); // offset of the subtable
    // Format 4 with the single closing segment.
    put_u16(&mut t, 4);
    put_u16(&mut t, 24); // length
    put_u16(&mut t, 0); // language
    put_u16(&mut t, 2); // segCountX2
    put_u16(&mut t, 2); // searchRange
    put_u16(&mut t, 0); // entrySelector
    put_u16(&mut t, 0); // rangeShift
    put_u16(&mut t, 0xFFFF); // endCode
    put_u16(&mut t, 0); // reservedPad
    put_u16(&mut t, 0xFFFF); // startCode
    put_i16(&mut t, 1); // idDelta
    put_u16(&mut t, 0); // idRangeOffset
    t
}

fn name() -> Vec<u8> {
    let records: [(u16, &str); 5] = [
        (1, "PdGlyphLessFont"),
        (2, "Regular"),
        (4, "PdGlyphLessFont"),
        (5, "Version 1.0"),
        (6, FONT_NAME),
    ];
    let mut strings = Vec::new();
    let mut t = Vec::new();
    put_u16(&mut t, 0); // format
    put_u16(&mut t, records.len() as u16);
    put_u16(&mut t, 6 + 12 * records.len() as u16); // stringOffset
    for (name_id, text) in records {
        let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        put_u16(&mut t, 3); // platform: Windows
        put_u16(&mut t, 1); // encoding: Unicode BMP
        put_u16(&mut t, 0x0409); // language: en-US
        put_u16(&mut t, name_id);
        put_u16(&mut t, utf16.len() as u16);
        put_u16(&mut t, strings.len() as u16);
        strings.extend_from_slice(&utf16);
    }
    t.extend_from_slice(&strings);
    t
}

fn os2() -> Vec<u8> {
    let mut t = Vec::with_capacity(86);
    put_u16(&mut t, 1); // version
    put_i16(&mut t, GLYPH_WIDTH as i16); // xAvgCharWidth
    put_u16(&mut t, 400); // usWeightClass
    put_u16(&mut t, 5); // usWidthClass
    put_u16(&mut t, 0); // fsType: installable, so embedding is allowed
    for v in [650, 600, 0, 75, 650, 600, 0, 350, 50, 300] {
        put_i16(&mut t, v); // sub- and superscript sizes and offsets, strikeout
    }
    put_i16(&mut t, 0); // sFamilyClass
    t.extend_from_slice(&[0; 10]); // panose
    t.extend_from_slice(&[0; 16]); // ulUnicodeRange1-4
    t.extend_from_slice(b"PD  "); // achVendID
    put_u16(&mut t, 0x0040); // fsSelection: regular
    put_u16(&mut t, 0x0020); // usFirstCharIndex
    put_u16(&mut t, 0xFFFF); // usLastCharIndex
    put_i16(&mut t, ASCENT); // sTypoAscender
    put_i16(&mut t, 0); // sTypoDescender
    put_i16(&mut t, 0); // sTypoLineGap
    put_u16(&mut t, ASCENT as u16); // usWinAscent
    put_u16(&mut t, 0); // usWinDescent
    put_u32(&mut t, 1); // ulCodePageRange1: Latin 1
    put_u32(&mut t, 0); // ulCodePageRange2
    t
}

fn post() -> Vec<u8> {
    let mut t = Vec::with_capacity(32);
    put_u32(&mut t, 0x0003_0000); // version 3: no glyph names
    put_u32(&mut t, 0); // italicAngle
    put_i16(&mut t, -100); // underlinePosition
    put_i16(&mut t, 50); // underlineThickness
    put_u32(&mut t, 1); // isFixedPitch
    t.extend_from_slice(&[0; 16]); // memory hints
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_u32(data: &[u8], at: usize) -> u32 {
        u32::from_be_bytes(data[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn tables_are_listed_with_correct_checksums_and_the_file_sums_to_the_magic() {
        let font = glyphless_font();
        assert_eq!(read_u32(font, 0), 0x0001_0000);
        let count = u16::from_be_bytes([font[4], font[5]]) as usize;
        assert_eq!(count, 10);
        let mut tags = Vec::new();
        for i in 0..count {
            let entry = 12 + 16 * i;
            let tag = &font[entry..entry + 4];
            let offset = read_u32(font, entry + 8) as usize;
            let length = read_u32(font, entry + 12) as usize;
            let data = &font[offset..offset + length];
            if tag != b"head" {
                assert_eq!(read_u32(font, entry + 4), checksum(data), "{tag:?}");
            }
            tags.push(tag.to_vec());
        }
        let mut sorted = tags.clone();
        sorted.sort();
        assert_eq!(tags, sorted);
        assert_eq!(checksum(font), 0xB1B0_AFBA);
    }

    #[test]
    fn tables_have_their_fixed_sizes() {
        assert_eq!(head().len(), 54);
        assert_eq!(hhea().len(), 36);
        assert_eq!(maxp().len(), 32);
        assert_eq!(os2().len(), 86);
        assert_eq!(post().len(), 32);
        assert_eq!(hmtx().len(), 8);
    }
}
