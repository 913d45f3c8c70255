//! PDFs: PDFium's text layer, and OCR of the pages the [`OcrMode`] picks, rendered by
//! PDFium one after the other while Tesseract reads the ones before in parallel.

use std::path::Path;

use image::{DynamicImage, RgbImage};
use pd_core::OcrMode;
use pdfium_render::prelude::{
    PdfColorSpace, PdfPage, PdfPageObjectCommon, PdfPageObjectsCommon, PdfPageRenderRotation,
    PdfPages, PdfRenderConfig, PdfiumError,
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
            let page_index = usize::try_from(index).unwrap_or(0);
            // A scanned page at about the OCR resolution is read (and archived) as
            // the JPEG it is; any other page is rendered.
            if let Some((image, jpeg, scan_dpi)) = scanned_jpeg(pages, index)
                && (dpi * 0.9..=dpi * 1.1).contains(&scan_dpi)
            {
                return Ok(PageImage {
                    index: page_index,
                    image,
                    dpi: scan_dpi,
                    jpeg: Some(jpeg),
                });
            }
            render_page(pages, index, dpi, path)
                .map(|(image, dpi)| PageImage {
                    index: page_index,
                    image,
                    dpi,
                    jpeg: None,
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

/// When page `index` is nothing but one upright grey or RGB JPEG that fills it (what
/// scanners write): the image decoded, the JPEG as stored, and its resolution.
fn scanned_jpeg(pages: &PdfPages, index: i32) -> Option<(DynamicImage, Vec<u8>, f32)> {
    let page = pages.get(index).ok()?;
    if !matches!(page.rotation().ok()?, PdfPageRenderRotation::None) {
        return None;
    }
    let objects = page.objects();
    if objects.len() != 1 {
        return None;
    }
    let object = objects.get(0).ok()?;
    if object.has_transparency() {
        return None;
    }
    let matrix = object.matrix().ok()?;
    if matrix.b().abs() > 1e-3 || matrix.c().abs() > 1e-3 || matrix.a() <= 0.0 || matrix.d() <= 0.0
    {
        return None;
    }
    let bounds = object.bounds().ok()?.to_rect();
    let media = page.page_size();
    let near = |a: f32, b: f32| (a - b).abs() <= 1.0;
    if !(near(bounds.left().value, media.left().value)
        && near(bounds.right().value, media.right().value)
        && near(bounds.bottom().value, media.bottom().value)
        && near(bounds.top().value, media.top().value))
    {
        return None;
    }
    let image_object = object.as_image_object()?;
    let filters = image_object.filters();
    if filters.len() != 1 || filters.get(0).ok()?.name() != "DCTDecode" {
        return None;
    }
    let expected = match image_object.color_space().ok()? {
        PdfColorSpace::DeviceGray => image::ColorType::L8,
        PdfColorSpace::DeviceRGB => image::ColorType::Rgb8,
        _ => return None,
    };
    let jpeg = image_object.get_raw_image_data().ok()?;
    let image = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg).ok()?;
    if image.color() != expected {
        return None;
    }
    let (width_pt, height_pt) = (media.width().value, media.height().value);
    if !(width_pt.is_finite() && height_pt.is_finite() && width_pt > 0.0 && height_pt > 0.0) {
        return None;
    }
    let dpi = image.width() as f32 * 72.0 / width_pt;
    // Stretched one way more than the other, it would not keep the page's shape.
    let dpi_y = image.height() as f32 * 72.0 / height_pt;
    if (dpi - dpi_y).abs() > dpi * 0.01 {
        return None;
    }
    // Hundredths of a dpi are rounding noise of the page size in points.
    Some((image, jpeg, (dpi * 100.0).round() / 100.0))
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
    // Scans are grey: kept for an archive, they take a third of the memory so.
    Ok((crate::archive::grey_if_grey(rgb), dpi))
}
