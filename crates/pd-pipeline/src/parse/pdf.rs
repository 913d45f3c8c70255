//! PDFs: PDFium's text layer, and OCR of the pages the [`OcrMode`] picks, rendered by
//! PDFium one after the other while Tesseract reads the ones before in parallel.

use std::path::Path;

use image::{DynamicImage, RgbImage};
use pd_core::OcrMode;
use pdfium_render::prelude::{
    PdfPage, PdfPageObjectsCommon, PdfPages, PdfRenderConfig, PdfiumError,
};

use super::{ParseError, ParseOptions};
use crate::ocr::{OcrError, OcrPage, PageImage, ocr_pages};

/// The most pixels a page is rendered with (about A0 at 300 dpi); larger pages are
/// rendered at a lower resolution.
const MAX_PAGE_PIXELS: f32 = 150_000_000.0;
/// The longest side a rendered page may have (PDFium bitmaps are `i32`-sized).
const MAX_PAGE_SIDE: f32 = 30_000.0;

/// What a PDF gave.
pub(super) struct PdfText {
    /// Every page's text (from PDFium or OCR), joined with `"\n"`.
    pub text: String,
    pub page_count: i32,
    pub ocr_pages: Vec<OcrPage>,
}

/// Errors while pages flow to the OCR workers: PDFium's, or Tesseract's.
enum PageError {
    Parse(ParseError),
    Ocr(OcrError),
}

impl From<OcrError> for PageError {
    fn from(err: OcrError) -> Self {
        PageError::Ocr(err)
    }
}

pub(super) fn parse_pdf(
    bytes: Vec<u8>,
    path: &Path,
    options: &ParseOptions,
) -> Result<PdfText, ParseError> {
    let engine = options.pdf_engine()?;
    let document = engine.open(bytes, path)?;
    let pages = document.pages();
    let count = pages.len();
    let mut texts = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let mut to_ocr = Vec::new();
    for index in 0..count {
        let page = pages.get(index).map_err(|e| page_error(path, index, &e))?;
        let text = page.text().map_err(|e| page_error(path, index, &e))?.all();
        let needs_ocr = match options.ocr.mode {
            OcrMode::Skip => text.trim().is_empty(),
            // An earlier OCR layer is invisible text: read the page again.
            OcrMode::Redo => !has_visible_text(&page),
            OcrMode::Force => true,
        };
        if needs_ocr {
            to_ocr.push(index);
        }
        texts.push(text);
    }

    let mut ocr = Vec::new();
    if !to_ocr.is_empty() {
        let tesseract = options.tesseract(path)?;
        let dpi = options.ocr.dpi.max(1) as f32;
        let rendered = to_ocr.iter().map(|&index| {
            render_page(pages, index, dpi, path)
                .map(|(image, dpi)| PageImage {
                    index: usize::try_from(index).unwrap_or(0),
                    image,
                    dpi,
                })
                .map_err(PageError::Parse)
        });
        ocr = ocr_pages(&tesseract, rendered, options.jobs, options.keep_page_images).map_err(
            |e| match e {
                PageError::Parse(e) => e,
                PageError::Ocr(e) => ParseError::ocr(path, e),
            },
        )?;
        for page in &ocr {
            texts[page.index] = page.text.clone();
        }
    }
    Ok(PdfText {
        text: texts.join("\n"),
        page_count: count,
        ocr_pages: ocr,
    })
}

fn page_error(path: &Path, index: i32, err: &PdfiumError) -> ParseError {
    ParseError::Corrupt {
        path: path.to_path_buf(),
        message: format!("page {}: {}", index + 1, crate::pdfium::describe(err)),
    }
}

/// Whether any text on the page is drawn (not the invisible text of an OCR layer).
fn has_visible_text(page: &PdfPage) -> bool {
    page.objects().iter().any(|object| {
        object
            .as_text_object()
            .is_some_and(|text| text.is_visible() && !text.text().trim().is_empty())
    })
}

/// Page `index` rendered at `dpi` (less for huge pages), flattened on white; with the
/// resolution it was rendered at.
fn render_page(
    pages: &PdfPages,
    index: i32,
    dpi: f32,
    path: &Path,
) -> Result<(DynamicImage, f32), ParseError> {
    let corrupt = |message: String| ParseError::Corrupt {
        path: path.to_path_buf(),
        message: format!("page {}: {message}", index + 1),
    };
    let page = pages.get(index).map_err(|e| page_error(path, index, &e))?;
    let (width, height) = (page.width().value, page.height().value);
    if !(width.is_finite() && height.is_finite() && width > 0.0 && height > 0.0) {
        return Err(corrupt("the page has no area".into()));
    }
    let mut dpi = dpi;
    let pixels = |dpi: f32| (width * dpi / 72.0, height * dpi / 72.0);
    let (w, h) = pixels(dpi);
    if w * h > MAX_PAGE_PIXELS {
        dpi *= (MAX_PAGE_PIXELS / (w * h)).sqrt();
    }
    let (w, h) = pixels(dpi);
    if w.max(h) > MAX_PAGE_SIDE {
        dpi *= MAX_PAGE_SIDE / w.max(h);
    }
    let (w, h) = pixels(dpi);
    let (w, h) = ((w.round() as i32).max(1), (h.round() as i32).max(1));
    let config = PdfRenderConfig::new().set_fixed_size(w, h);
    let bitmap = page
        .render_with_config(&config)
        .map_err(|e| corrupt(format!("cannot be rendered: {e}")))?;
    let rgba = bitmap.as_rgba_bytes();
    let rgb: RgbImage = crate::thumbnail::flatten_on_white(&rgba, w as u32, h as u32)
        .ok_or_else(|| corrupt("PDFium returned a bitmap of the wrong size".into()))?;
    Ok((DynamicImage::ImageRgb8(rgb), dpi))
}
