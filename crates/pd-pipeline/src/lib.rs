//! pd-pipeline turns files into documents.
//!
//! It owns everything between "a file arrived" and "a document is stored": parsing
//! (what a file is and the text inside it), OCR of scans with Tesseract, thumbnails,
//! archive PDF/A versions, date detection, and the consumer that ties pd-store,
//! pd-match and pd-index together. PDFs are handled by PDFium, bound at run time, so
//! building pd does not need it.
//!
//! What exists now:
//!
//! - [`sniff_mime_type`]: a file's type from its content (PDF, common image formats,
//!   e-mail, text, CSV), never from its name.
//! - [`parse_document`] / [`parse_document_with`]: the text and page count of PDFs
//!   (their text layer, OCR for pages without one), images (PNG, JPEG, multi-page TIFF,
//!   WebP, GIF, BMP, through OCR), `.eml` messages (the text body), plain text and CSV,
//!   as a [`Parsed`]. Failures are a [`ParseError`] a caller can match on
//!   (unsupported, empty, corrupt, encrypted, PDFium or Tesseract missing).
//! - [`ocr`]: Tesseract, one run per core over several pages, with every word's box
//!   ([`ocr::ocr_image`], [`ocr::ocr_images`], [`ocr::OcrPage`]).
//! - [`PdfEngine`] and [`locate_pdfium`]: finding and binding libpdfium
//!   (`PD_PDFIUM_PATH`, next to the executable, or the project's `.deps/pdfium/`
//!   that `cargo xtask deps` fills).
//! - [`thumbnail`]: thumbnails as paperless-ngx makes them (first PDF page rendered by
//!   PDFium, 500 px wide WebP; text drawn on a page; a placeholder otherwise), `pd
//!   thumbnails` ([`thumbnail::regenerate_thumbnails`]) and the renderer pd-store's
//!   sanity fixer uses ([`thumbnail::Thumbnailer`]).
//! - [`archive`]: PDF/A-2B archive versions (page images with an invisible text layer;
//!   for scans, the images OCR read with Tesseract's words) and `pd archive`
//!   ([`archive::archive_documents`], [`archive::OcrPageSource`]).
//! - [`consume`]: the consumer, storing a file with its thumbnail and, per
//!   `PD_ARCHIVE_FILE_GENERATION`, its archive version; [`watch`]: the consumption
//!   folder (`pd consume --watch`).
//! - [`date`]: a document's date from its text (and file name), as paperless-ngx's
//!   date parser finds it ([`date::DateParser`]).
//! - [`sample`] (feature `sample-documents`): a text-layer PDF writer and realistic
//!   sample documents for the quickstart and tests.
//!
//! # Example
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use pd_pipeline::{ParseError, parse_document};
//!
//! let dir = tempfile::tempdir()?;
//! let receipt = dir.path().join("receipt.txt");
//! std::fs::write(&receipt, "Bakery Huber, 02.03.2024, total 7,40 EUR")?;
//!
//! // No PDF engine is needed for text; one is bound on demand for PDFs.
//! let parsed = parse_document(&receipt, None)?;
//! assert_eq!(parsed.mime_type, "text/plain");
//! assert!(parsed.content.contains("02.03.2024"));
//!
//! let empty = dir.path().join("empty.pdf");
//! std::fs::write(&empty, b"")?;
//! assert!(matches!(parse_document(&empty, None), Err(ParseError::Empty { .. })));
//! # Ok(())
//! # }
//! ```

pub mod archive;
pub mod consume;
pub mod date;
pub mod ocr;
pub mod parse;
pub mod pdfium;
#[cfg(feature = "sample-documents")]
pub mod sample;
pub mod thumbnail;
pub mod watch;

pub use parse::{
    ParseError, ParseOptions, Parsed, parse_document, parse_document_with, sniff_mime_type,
};
pub use pdfium::{PdfEngine, locate_pdfium};

/// The documents `pd archive` and `pd thumbnails` work on: `document` alone (an error
/// when it is in the trash), or every document not in the trash.
async fn selected_documents(
    store: &pd_store::Store,
    document: Option<pd_core::Id>,
) -> pd_store::Result<Vec<pd_core::Document>> {
    let mut conn = store.db().conn().await?;
    match document {
        Some(id) => {
            let doc = conn.document(id).await?;
            if doc.is_trashed() {
                return Err(pd_store::Error::Invalid(format!(
                    "document {id} is in the trash; restore it first"
                )));
            }
            Ok(vec![doc])
        }
        None => {
            conn.documents(&pd_store::db::DocumentFilter {
                trash: pd_store::db::TrashFilter::Exclude,
                ..pd_store::db::DocumentFilter::default()
            })
            .await
        }
    }
}
