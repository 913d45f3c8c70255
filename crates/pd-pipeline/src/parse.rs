//! Reading a document's text: what kind of file it is (from its content), and the
//! text inside it.
//!
//! Supported now: PDFs with a text layer (through [`PdfEngine`]) and plain text or CSV.
//! Images, scanned PDFs and e-mails are recognised by [`sniff_mime_type`] but not
//! parsed yet; [`parse_document`] answers [`ParseError::Unsupported`] for them.

mod sniff;

use std::path::{Path, PathBuf};

pub use sniff::sniff_mime_type;

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
}

/// What parsing found in a document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Parsed {
    /// The mime type sniffed from the content, e.g. `application/pdf`.
    pub mime_type: String,
    /// The document's text, cleaned (see [`clean_text`]).
    pub content: String,
    /// Pages, for paged formats (PDF); `None` for text.
    pub page_count: Option<i32>,
}

/// Parses the document at `path`: sniffs its type and extracts its text.
///
/// - PDF: the text layer of every page through PDFium, pages joined with `"\n"`,
///   cleaned with [`clean_text`], plus the page count. `engine` is the PDFium binding
///   to use; with `None` one is bound on demand through the default lookup
///   ([`PdfEngine::new`]`(None)`), which only happens when the file is a PDF.
/// - `text/plain` and `text/csv`: the file's text. UTF-8 is read as such (a byte-order
///   mark is dropped); anything else is read as ISO-8859-1 (Latin-1), which maps every
///   byte to one character, so Latin-1 files come out right and other legacy encodings
///   come out readable but with wrong accented letters.
/// - Everything else: [`ParseError::Unsupported`].
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
    let mime_type = sniff_mime_type(path)?;
    match mime_type {
        "application/pdf" => {
            let bytes = std::fs::read(path).map_err(|e| ParseError::io(path, e))?;
            let bound;
            let engine = match engine {
                Some(engine) => engine,
                None => {
                    bound = PdfEngine::new(None)?;
                    &bound
                }
            };
            let (text, pages) = engine.extract_text(bytes, path)?;
            Ok(Parsed {
                mime_type: mime_type.to_owned(),
                content: clean_text(&text),
                page_count: Some(pages),
            })
        }
        "text/plain" | "text/csv" => {
            let bytes = std::fs::read(path).map_err(|e| ParseError::io(path, e))?;
            Ok(Parsed {
                mime_type: mime_type.to_owned(),
                content: decode_text(bytes),
                page_count: None,
            })
        }
        other => Err(ParseError::Unsupported {
            mime_type: other.to_owned(),
        }),
    }
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
