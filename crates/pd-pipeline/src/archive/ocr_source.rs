//! Archives of documents that go through OCR: images (every page of a multi-page TIFF)
//! and PDFs whose pages have no text. Each page that Tesseract reads goes into the
//! archive as the image Tesseract read, its words set invisibly over it where
//! Tesseract found them; the other pages of a PDF are rendered by PDFium with the words
//! of their text layer. The consumer hands over the pages its parse has already read
//! ([`parsed_pages`]), so a document is never read twice.

use std::collections::BTreeMap;
use std::path::Path;

use pd_core::Document;

use super::library::{PageSource, SourceInfo, pdf_has_text, read};
use super::{ArchiveError, ArchiveWord, OwnedPage};
use crate::ocr::{OcrPage, OcrWord};
use crate::parse::{ParseError, ParseOptions, Parsed, is_raster_type, parse_document_with};

/// Images and PDFs, through the parser and its OCR (`PD_OCR_*`: languages, mode,
/// resolution); PDF pages that are not OCRed (a text layer, in skip mode) are rendered
/// at `dpi` with their own words.
#[derive(Debug, Clone)]
pub struct OcrPageSource {
    /// How documents are parsed; the page images are always kept.
    pub options: ParseOptions,
    /// Rendering resolution of PDF pages that are not OCRed.
    pub dpi: f32,
}

impl From<&OcrWord> for ArchiveWord {
    fn from(word: &OcrWord) -> Self {
        ArchiveWord {
            text: word.text.clone(),
            left: word.left,
            top: word.top,
            width: word.width,
            height: word.height,
            line_end: word.line_end,
        }
    }
}

impl OcrPage {
    /// The page for an archive writer, or `None` when its image was not kept.
    pub fn into_archive_page(self) -> Option<OwnedPage> {
        let words = self.words.iter().map(ArchiveWord::from).collect();
        Some(OwnedPage {
            image: self.image?,
            dpi: self.dpi,
            words,
            jpeg: self.jpeg,
        })
    }
}

impl PageSource for OcrPageSource {
    fn inspect(&self, doc: &Document, original: &Path) -> Result<Option<SourceInfo>, ArchiveError> {
        if is_raster_type(&doc.mime_type) {
            return Ok(Some(SourceInfo {
                born_digital: false,
                words_available: true,
            }));
        }
        if doc.mime_type != "application/pdf" {
            return Ok(None);
        }
        let engine = self.options.pdf_engine()?;
        Ok(Some(SourceInfo {
            born_digital: pdf_has_text(&engine, original)?,
            words_available: true,
        }))
    }

    fn pages(
        &self,
        _doc: &Document,
        original: &Path,
        each: &mut dyn FnMut(OwnedPage) -> Result<(), ArchiveError>,
    ) -> Result<usize, ArchiveError> {
        let options = ParseOptions {
            keep_page_images: true,
            ..self.options.clone()
        };
        let parsed = parse_document_with(original, &options)?;
        parsed_pages(parsed, original, &options, self.dpi, each)
    }
}

/// Hands the archive pages of a document parsed with
/// [`ParseOptions::keep_page_images`] to `each`, in order, and returns how many there
/// were: the OCRed pages as read, a PDF's other pages rendered by PDFium at `dpi` from
/// `original` with their text-layer words (PDFium is not needed when every page was
/// OCRed).
///
/// # Errors
///
/// [`ArchiveError::Source`] for a type without pages (text, e-mail) or a PDF PDFium
/// cannot render; [`ArchiveError::InvalidPage`] when an OCRed page's image was not
/// kept; whatever `each` returns.
pub fn parsed_pages(
    parsed: Parsed,
    original: &Path,
    options: &ParseOptions,
    dpi: f32,
    each: &mut dyn FnMut(OwnedPage) -> Result<(), ArchiveError>,
) -> Result<usize, ArchiveError> {
    let count = parsed
        .page_count
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    let is_pdf = parsed.mime_type == "application/pdf";
    if count == 0 || !(is_pdf || is_raster_type(&parsed.mime_type)) {
        return Err(ArchiveError::Source(ParseError::Unsupported {
            mime_type: parsed.mime_type,
        }));
    }
    let mut ocr: BTreeMap<usize, OcrPage> =
        parsed.ocr_pages.into_iter().map(|p| (p.index, p)).collect();
    if let Some(page) = ocr.values().find(|p| p.image.is_none()) {
        return Err(ArchiveError::InvalidPage {
            page: page.index + 1,
            message: "its OCR image was not kept".into(),
        });
    }
    // Images, and PDFs whose every page was OCRed, need no PDFium.
    let all_read = (0..count).all(|i| ocr.contains_key(&i));
    let mut given = |index: usize| ocr.remove(&index).and_then(OcrPage::into_archive_page);
    if !is_pdf || all_read {
        for index in 0..count {
            let page = given(index).ok_or_else(|| ArchiveError::InvalidPage {
                page: index + 1,
                message: "OCR did not read it".into(),
            })?;
            each(page)?;
        }
        return Ok(count);
    }
    let engine = options.pdf_engine()?;
    super::source::pdf_pages_with(&engine, read(original)?, original, dpi, &mut given, each)
}
