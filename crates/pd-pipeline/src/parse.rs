//! Reading a document's text: what kind of file it is (from its content), and the
//! text inside it.
//!
//! | type | text | pages |
//! |---|---|---|
//! | PDF | PDFium's text layer; pages without one (or every page, per [`OcrMode`]) rendered at `PD_OCR_DPI` and read by Tesseract | the PDF's |
//! | PNG, JPEG, TIFF, WebP, GIF, BMP | Tesseract (every page of a multi-page TIFF; the first frame of an animation) | 1, a TIFF's pages |
//! | `message/rfc822` (`.eml`) | the plain-text body, else the HTML body as text ([`mail_body`]) | none |
//! | plain text, CSV | the file's text | none |
//!
//! [`parse_document`] parses with the defaults, [`parse_document_with`] with
//! [`ParseOptions`] (usually [`ParseOptions::from_config`]). Pages that went through
//! OCR come back in [`Parsed::ocr_pages`] with their words and boxes (and, when asked,
//! their images) for an archive writer.

mod mail;
mod pdf;
mod raster;
mod sniff;

use std::path::{Path, PathBuf};

#[cfg(doc)]
use pd_core::OcrMode;
use pd_core::{Config, OcrConfig};

pub use mail::mail_body;
pub use raster::{decode_first_page, image_format_name};
pub use sniff::sniff_mime_type;

use crate::ocr::{OcrError, OcrPage, Tesseract, default_jobs};
use crate::pdfium::{PDFIUM_PATH_VAR, PdfEngine};

/// Why a document could not be parsed. Every variant names the file it is about.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// No parser handles this kind of file (yet).
    #[error("Unsupported mime type {mime_type}")]
    Unsupported { mime_type: String },
    /// The file has no bytes at all.
    #[error("{} is empty", path.display())]
    Empty { path: PathBuf },
    /// PDFium cannot open the file: it is damaged, truncated or not really a PDF.
    #[error("{} cannot be opened as a PDF: {message}", path.display())]
    Corrupt { path: PathBuf, message: String },
    /// The PDF needs a password to be opened.
    #[error("{} is password-protected; remove the password and consume it again", path.display())]
    Encrypted { path: PathBuf },
    /// The image cannot be decoded: it is damaged, truncated or not really one.
    #[error("{} cannot be read as a {format} image: {message}", path.display())]
    CorruptImage {
        path: PathBuf,
        /// `PNG`, `JPEG`, `TIFF`, …
        format: &'static str,
        message: String,
    },
    /// The e-mail cannot be read: it is damaged or truncated.
    #[error("{} cannot be read as an e-mail: {message}", path.display())]
    CorruptMessage { path: PathBuf, message: String },
    /// The e-mail is encrypted (S/MIME or PGP/MIME): there is no text to read.
    #[error("{} is an encrypted e-mail ({scheme}); decrypt it and consume it again", path.display())]
    EncryptedMessage {
        path: PathBuf,
        /// `S/MIME` or `PGP/MIME`.
        scheme: &'static str,
    },
    /// OCR was needed and failed (Tesseract or a language pack missing, Tesseract failing).
    #[error("cannot OCR {}: {source}", path.display())]
    Ocr {
        path: PathBuf,
        #[source]
        source: OcrError,
    },
    /// libpdfium was found nowhere; `searched` lists every path that was tried.
    #[error(
        "libpdfium not found (looked for {}); run `cargo xtask deps` to install it, \
         or set {PDFIUM_PATH_VAR} to libpdfium.so or the folder holding it",
        display_paths(searched)
    )]
    PdfiumMissing { searched: Vec<PathBuf> },
    /// libpdfium was found but could not be loaded (wrong platform, damaged file).
    #[error("cannot load PDFium from {}: {message}", path.display())]
    PdfiumLoad { path: PathBuf, message: String },
    /// Reading the file failed.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn display_paths(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

impl ParseError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> ParseError {
        ParseError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn ocr(path: &Path, source: OcrError) -> ParseError {
        ParseError::Ocr {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// How documents are parsed: the PDF engine, OCR settings, and whether OCRed page
/// images are kept for an archive writer.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// The PDFium binding; `None` binds one on demand (for PDFs only).
    pub engine: Option<PdfEngine>,
    /// Languages, mode and resolutions (`PD_OCR_*`).
    pub ocr: OcrConfig,
    /// The Tesseract program; `None` is `tesseract` on `PATH`.
    pub tesseract: Option<PathBuf>,
    /// Pages OCRed at once (one Tesseract each); default one per core.
    pub jobs: usize,
    /// Keep every OCRed page's image in [`OcrPage::image`].
    pub keep_page_images: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            engine: None,
            ocr: OcrConfig::default(),
            tesseract: None,
            jobs: default_jobs(),
            keep_page_images: false,
        }
    }
}

impl ParseOptions {
    /// The options a library's configuration gives, with `engine` for PDFs.
    pub fn from_config(config: &Config, engine: Option<PdfEngine>) -> ParseOptions {
        ParseOptions {
            engine,
            ocr: config.ocr.clone(),
            ..ParseOptions::default()
        }
    }

    /// Tesseract for the configured languages, checked.
    pub(crate) fn tesseract(&self, path: &Path) -> Result<Tesseract, ParseError> {
        Tesseract::new(self.tesseract.as_deref(), &self.ocr.language)
            .map(|t| {
                let t = t
                    .bilevel(self.ocr.bilevel)
                    .detect_inverted(self.ocr.inverted_text);
                if self.ocr.library {
                    t
                } else {
                    t.library(false)
                }
            })
            .map_err(|e| ParseError::ocr(path, e))
    }

    /// The bound PDF engine, binding one when none was given.
    pub(crate) fn pdf_engine(&self) -> Result<PdfEngine, ParseError> {
        match self.engine {
            Some(engine) => Ok(engine),
            None => PdfEngine::new(None),
        }
    }
}

/// What parsing found in a document.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Parsed {
    /// The mime type sniffed from the content, e.g. `application/pdf`.
    pub mime_type: String,
    /// The document's text, cleaned (see [`clean_text`]).
    pub content: String,
    /// Pages, for paged formats (PDF, images); `None` for text and e-mail.
    pub page_count: Option<i32>,
    /// The pages that went through OCR, in page order, with their words (and images,
    /// with [`ParseOptions::keep_page_images`]); empty when nothing was OCRed.
    #[serde(skip)]
    pub ocr_pages: Vec<OcrPage>,
}

/// Parses the document at `path` with the default [`ParseOptions`] (English OCR, skip
/// mode, 300 dpi) and `engine` for PDFs; see [`parse_document_with`].
///
/// # Errors
///
/// See [`ParseError`]; bad input is an error, never a panic.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let note = dir.path().join("note.txt");
/// std::fs::write(&note, "Call the landlord on 3 May 2024.\n")?;
///
/// let parsed = pd_pipeline::parse_document(&note, None)?;
/// assert_eq!(parsed.mime_type, "text/plain");
/// assert_eq!(parsed.content, "Call the landlord on 3 May 2024.\n");
/// assert_eq!(parsed.page_count, None);
/// # Ok(())
/// # }
/// ```
pub fn parse_document(path: &Path, engine: Option<&PdfEngine>) -> Result<Parsed, ParseError> {
    let options = ParseOptions {
        engine: engine.copied(),
        ..ParseOptions::default()
    };
    parse_document_with(path, &options)
}

/// Parses the document at `path`: sniffs its type and extracts its text.
///
/// - PDF: the text layer of every page through PDFium, pages joined with `"\n"`. Pages
///   that need OCR by the [`OcrMode`] (skip: pages without text; redo: pages without
///   visible text, so an old OCR layer is replaced; force: every page) are rendered at
///   `options.ocr.dpi` and read by Tesseract instead. Tesseract is only needed when a
///   page needs OCR.
/// - Images: every page (a TIFF's pages, else the first frame) read by Tesseract at
///   the image's own resolution, else `options.ocr.image_dpi`, else the resolution
///   that makes the image as wide as an A4 page (as paperless-ngx does).
/// - `message/rfc822`: the text body ([`mail_body`]).
/// - `text/plain` and `text/csv`: the file's text. UTF-8 is read as such (a byte-order
///   mark is dropped); anything else is read as ISO-8859-1 (Latin-1), which maps every
///   byte to one character, so Latin-1 files come out right and other legacy encodings
///   come out readable but with wrong accented letters.
/// - Everything else: [`ParseError::Unsupported`].
///
/// The content is cleaned with [`clean_text`].
///
/// # Errors
///
/// See [`ParseError`]; bad input is an error, never a panic.
pub fn parse_document_with(path: &Path, options: &ParseOptions) -> Result<Parsed, ParseError> {
    let mime_type = sniff_mime_type(path)?;
    let read = || std::fs::read(path).map_err(|e| ParseError::io(path, e));
    let parsed = match mime_type {
        "application/pdf" => {
            let pdf = pdf::parse_pdf(read()?, path, options)?;
            Parsed {
                mime_type: mime_type.to_owned(),
                content: clean_text(&pdf.text),
                page_count: Some(pdf.page_count),
                ocr_pages: pdf.ocr_pages,
            }
        }
        "text/plain" | "text/csv" => Parsed {
            mime_type: mime_type.to_owned(),
            content: decode_text(read()?),
            page_count: None,
            ocr_pages: Vec::new(),
        },
        "message/rfc822" => Parsed {
            mime_type: mime_type.to_owned(),
            content: clean_text(&mail_body(&read()?, path)?),
            page_count: None,
            ocr_pages: Vec::new(),
        },
        image if raster::is_supported(image) => {
            let pages = raster::ocr_image_file(&read()?, image, path, options)?;
            let text: Vec<&str> = pages.iter().map(|p| p.text.as_str()).collect();
            Parsed {
                mime_type: mime_type.to_owned(),
                content: clean_text(&text.join("\n")),
                page_count: Some(i32::try_from(pages.len()).unwrap_or(i32::MAX)),
                ocr_pages: pages,
            }
        }
        other => {
            return Err(ParseError::Unsupported {
                mime_type: other.to_owned(),
            });
        }
    };
    Ok(parsed)
}

/// Whether `mime_type` is an image type pd reads (through OCR).
pub(crate) fn is_raster_type(mime_type: &str) -> bool {
    raster::is_supported(mime_type)
}

/// UTF-8 (without its byte-order mark) if it is UTF-8, else ISO-8859-1.
pub(crate) fn decode_text(bytes: Vec<u8>) -> String {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => err.into_bytes().iter().map(|&b| char::from(b)).collect(),
    };
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    // NUL bytes cannot be stored in PostgreSQL text columns.
    if text.contains('\0') {
        text.replace('\0', " ")
    } else {
        text
    }
}

/// Cleans extracted text the way paperless-ngx does before storing it: line endings
/// become `\n`, NULs become spaces, trailing whitespace of every line goes, runs of
/// more than two blank lines shrink to two, and the whole text is trimmed.
///
/// ```
/// use pd_pipeline::parse::clean_text;
///
/// let raw = "  Invoice 2024-017  \r\n\r\n\r\n\r\n\r\nTotal: 12.00 EUR \n";
/// assert_eq!(clean_text(raw), "Invoice 2024-017\n\n\nTotal: 12.00 EUR");
/// ```
pub fn clean_text(raw: &str) -> String {
    let normalised = raw.replace("\r\n", "\n").replace(['\r', '\0'], " ");
    let mut out = String::with_capacity(normalised.len());
    let mut blank_run = 0;
    for line in normalised.split('\n') {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 2 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_trims_lines_and_collapses_blank_runs() {
        assert_eq!(clean_text("a  \n\n\n\n\nb\t\n"), "a\n\n\nb");
        assert_eq!(clean_text("a\n\nb"), "a\n\nb");
        assert_eq!(clean_text("\n\n  x \r\ny\0z"), "x\ny z");
        assert_eq!(clean_text("   \n \n"), "");
    }

    #[test]
    fn latin1_text_is_decoded_byte_for_byte() {
        assert_eq!(decode_text(b"Gr\xfc\xdfe".to_vec()), "Grüße");
        assert_eq!(decode_text("\u{feff}Grüße".as_bytes().to_vec()), "Grüße");
    }
}
