//! Archives of existing PDFs: every page rendered by PDFium at a chosen resolution, its
//! words and their positions taken from PDFium's text layer (for born-digital PDFs;
//! scanned ones have none until OCR supplies the words).

use std::path::Path;

use image::{DynamicImage, RgbaImage};
use pdfium_render::prelude::{PdfPage, PdfRenderConfig, PdfiumError};

use super::{ArchiveError, ArchiveOptions, ArchiveOutput, ArchiveWord, ArchiveWriter, OwnedPage};
use crate::parse::ParseError;
use crate::pdfium::PdfEngine;

/// The longest page side rendered, in pixels, whatever the resolution asks for.
const MAX_SIDE_PIXELS: f32 = 20_000.0;

/// Renders every page of the PDF in `bytes` at `dpi` and hands it, with its words, to
/// `each`, one page at a time (so a long document never sits in memory rendered).
/// `path` only names the file in errors. Returns the page count.
///
/// # Errors
///
/// [`ArchiveError::Source`] when PDFium cannot open the file (damaged, encrypted: see
/// [`ParseError::Encrypted`]), a page cannot be rendered, or the PDF has no pages; and
/// whatever `each` returns.
pub fn pdf_pages(
    engine: &PdfEngine,
    bytes: Vec<u8>,
    path: &Path,
    dpi: f32,
    each: &mut dyn FnMut(OwnedPage) -> Result<(), ArchiveError>,
) -> Result<usize, ArchiveError> {
    pdf_pages_with(engine, bytes, path, dpi, &mut |_| None, each)
}

/// [`pdf_pages`], but page `i` (from 0) is what `given(i)` returns when it returns a
/// page (one OCR has read already), and is rendered only when it returns `None`.
pub(crate) fn pdf_pages_with(
    engine: &PdfEngine,
    bytes: Vec<u8>,
    path: &Path,
    dpi: f32,
    given: &mut dyn FnMut(usize) -> Option<OwnedPage>,
    each: &mut dyn FnMut(OwnedPage) -> Result<(), ArchiveError>,
) -> Result<usize, ArchiveError> {
    let corrupt = |message: String| {
        ArchiveError::Source(ParseError::Corrupt {
            path: path.to_owned(),
            message,
        })
    };
    if bytes.is_empty() {
        return Err(ArchiveError::Source(ParseError::Empty {
            path: path.to_owned(),
        }));
    }
    if !(dpi.is_finite() && dpi > 0.0) {
        return Err(ArchiveError::InvalidPage {
            page: 1,
            message: format!("resolution {dpi} dpi is not positive"),
        });
    }
    let document = engine.open(bytes, path)?;
    let pages = document.pages();
    let count = pages.len();
    if count == 0 {
        return Err(corrupt("it has no pages".into()));
    }
    for index in 0..count {
        let number = index as usize + 1;
        if let Some(page) = given(index as usize) {
            each(page)?;
            continue;
        }
        let page = pages
            .get(index)
            .map_err(|e: PdfiumError| corrupt(format!("page {number}: {e}")))?;
        let rendered = render_page(&page, dpi)
            .map_err(|message| corrupt(format!("page {number} cannot be rendered: {message}")))?;
        each(rendered)?;
    }
    Ok(count as usize)
}

/// Renders `src` and its text layer into a PDF/A-2B archive at `dest` (temporary name,
/// then rename); nothing is written when anything fails.
///
/// # Errors
///
/// [`ArchiveError::Read`] when `src` cannot be read, [`ArchiveError::Source`] when it
/// is empty, damaged, encrypted or has no pages, [`ArchiveError::Store`] when `dest`
/// cannot be written.
pub fn archive_from_pdf(
    engine: &PdfEngine,
    src: &Path,
    dpi: f32,
    options: &ArchiveOptions,
    dest: &Path,
) -> Result<ArchiveOutput, ArchiveError> {
    let bytes = std::fs::read(src).map_err(|source| ArchiveError::Read {
        path: src.to_owned(),
        source,
    })?;
    let mut writer = ArchiveWriter::new(options.clone());
    let pages = pdf_pages(engine, bytes, src, dpi, &mut |page| {
        writer.add_owned_page(&page)
    })?;
    let bytes = writer.finish()?;
    super::store_archive(&bytes, pages, dest)
}

fn render_page(page: &PdfPage<'_>, dpi: f32) -> Result<OwnedPage, String> {
    let (width_pt, height_pt) = (page.width().value, page.height().value);
    if !(width_pt.is_finite() && height_pt.is_finite() && width_pt > 0.0 && height_pt > 0.0) {
        return Err("the page has no area".into());
    }
    // A huge page is rendered at a lower resolution rather than not at all.
    let dpi = dpi.min(MAX_SIDE_PIXELS * 72.0 / width_pt.max(height_pt));
    let scale = dpi / 72.0;
    let width = ((width_pt * scale).round() as u32).max(1);
    let height = ((height_pt * scale).round() as u32).max(1);
    // Both sides are at most MAX_SIDE_PIXELS, well inside i32.
    let config = PdfRenderConfig::new()
        .set_fixed_size(width as i32, height as i32)
        .render_form_data(true);
    let bitmap = page
        .render_with_config(&config)
        .map_err(|e| e.to_string())?;
    let rgba = bitmap.as_rgba_bytes();
    let pixels = width as usize * height as usize * 4;
    if rgba.len() < pixels {
        return Err("PDFium returned a bitmap of the wrong size".into());
    }
    let image = RgbaImage::from_raw(width, height, rgba[..pixels].to_vec())
        .ok_or("PDFium returned a bitmap of the wrong size")?;
    let words = page_words(page, scale, height_pt)?;
    Ok(OwnedPage {
        image: DynamicImage::ImageRgba8(image),
        // The real resolution after rounding, so the page keeps its size in points.
        dpi: width as f32 * 72.0 / width_pt,
        words,
        jpeg: None,
    })
}

/// A word being collected: its text and its box in points (left, bottom, right, top).
struct Pending {
    text: String,
    left: f32,
    bottom: f32,
    right: f32,
    top: f32,
}

/// The page's words from PDFium's characters: split at white space, a line ends at a
/// line break PDFium reports or where the next character leaves the word's line.
fn page_words(page: &PdfPage<'_>, scale: f32, height_pt: f32) -> Result<Vec<ArchiveWord>, String> {
    let text = page.text().map_err(|e| e.to_string())?;
    let mut words: Vec<ArchiveWord> = Vec::new();
    let mut pending: Option<Pending> = None;
    let to_word = |p: Pending, line_end: bool| {
        let px = |v: f32| (v.max(0.0) * scale).round() as u32;
        let left = px(p.left);
        let top = px(height_pt - p.top);
        ArchiveWord {
            text: p.text,
            left,
            top,
            width: px(p.right).saturating_sub(left).max(1),
            height: px(height_pt - p.bottom).saturating_sub(top).max(1),
            line_end,
        }
    };
    for ch in text.chars().iter() {
        let c = ch.unicode_char().unwrap_or('\u{FFFD}');
        if c == '\r' || c == '\n' {
            if let Some(p) = pending.take() {
                words.push(to_word(p, true));
            } else if let Some(last) = words.last_mut() {
                last.line_end = true;
            }
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            if let Some(p) = pending.take() {
                words.push(to_word(p, false));
            }
            continue;
        }
        let Ok(bounds) = ch.loose_bounds() else {
            continue;
        };
        let (l, b, r, t) = (
            bounds.left().value,
            bounds.bottom().value,
            bounds.right().value,
            bounds.top().value,
        );
        match &mut pending {
            Some(p) => {
                let middle = (b + t) / 2.0;
                if middle < p.bottom || middle > p.top || l + 0.5 < p.left {
                    // The character starts a new line without a reported break.
                    let done = pending.take().map(|p| to_word(p, true));
                    words.extend(done);
                    pending = Some(Pending {
                        text: c.to_string(),
                        left: l,
                        bottom: b,
                        right: r,
                        top: t,
                    });
                } else {
                    p.text.push(c);
                    p.left = p.left.min(l);
                    p.bottom = p.bottom.min(b);
                    p.right = p.right.max(r);
                    p.top = p.top.max(t);
                }
            }
            None => {
                pending = Some(Pending {
                    text: c.to_string(),
                    left: l,
                    bottom: b,
                    right: r,
                    top: t,
                });
            }
        }
    }
    if let Some(p) = pending.take() {
        words.push(to_word(p, true));
    }
    if let Some(last) = words.last_mut() {
        last.line_end = true;
    }
    Ok(words)
}
