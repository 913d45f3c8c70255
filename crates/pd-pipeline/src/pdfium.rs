//! Finding and binding PDFium, the PDF engine behind text extraction (and, later,
//! rendering for thumbnails and OCR).
//!
//! libpdfium is loaded at run time, not linked, so pd builds without it. It is
//! looked up in this order:
//!
//! 1. the configured path ([`pd_core::Config::pdfium_path`], which `PD_PDFIUM_PATH`
//!    sets): `libpdfium.so` itself or the folder holding it;
//! 2. the folder of the running executable;
//! 3. the project's dependency folder `.deps/pdfium/`, which `cargo xtask deps` fills.
//!
//! A configured path that does not hold the library is an error rather than a
//! reason to look elsewhere, so a typo never silently picks up another build.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use pdfium_render::prelude::{PdfDocument, Pdfium, PdfiumError, PdfiumInternalError};

use crate::parse::ParseError;

/// The environment variable that points at libpdfium (a file or a folder).
pub const PDFIUM_PATH_VAR: &str = "PD_PDFIUM_PATH";

/// The file name PDFium has on this platform (`libpdfium.so` on Linux).
pub fn pdfium_library_name() -> String {
    format!(
        "{}pdfium{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// The project's dependency folder that `cargo xtask deps` installs libpdfium into.
pub fn project_pdfium_dir() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    // crates/pd-pipeline -> workspace root
    let root = manifest_dir
        .parent()
        .and_then(Path::parent)
        .unwrap_or(manifest_dir);
    root.join(".deps").join("pdfium")
}

/// Finds libpdfium: `configured` (or, when it is `None`, `PD_PDFIUM_PATH`), then
/// next to the current executable, then the project's `.deps/pdfium/`.
///
/// # Errors
///
/// [`ParseError::PdfiumMissing`] with every path that was tried.
///
/// ```
/// use std::path::Path;
/// use pd_pipeline::{ParseError, locate_pdfium};
///
/// let err = locate_pdfium(Some(Path::new("/nowhere/libpdfium.so"))).unwrap_err();
/// assert!(matches!(err, ParseError::PdfiumMissing { .. }));
/// assert!(err.to_string().contains("/nowhere/libpdfium.so"));
/// ```
pub fn locate_pdfium(configured: Option<&Path>) -> Result<PathBuf, ParseError> {
    let from_env = std::env::var_os(PDFIUM_PATH_VAR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let name = pdfium_library_name();

    if let Some(configured) = configured.map(Path::to_path_buf).or(from_env) {
        let candidate = if configured.is_dir() {
            configured.join(&name)
        } else {
            configured
        };
        return if candidate.is_file() {
            Ok(candidate)
        } else {
            Err(ParseError::PdfiumMissing {
                searched: vec![candidate],
            })
        };
    }

    let mut searched = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        searched.push(dir.join(&name));
    }
    searched.push(project_pdfium_dir().join(&name));

    match searched.iter().find(|candidate| candidate.is_file()) {
        Some(found) => Ok(found.clone()),
        None => Err(ParseError::PdfiumMissing { searched }),
    }
}

/// A bound PDFium library.
///
/// PDFium can be bound once per process, so every `PdfEngine` shares one binding:
/// the first successful [`PdfEngine::new`] decides which library is used, and later
/// calls return the same engine whatever path they are given. An engine is `Copy`,
/// `Send` and `Sync`; pdfium-render serialises calls into PDFium (which is not
/// thread-safe itself), so threads may share it but PDF work does not run in parallel.
#[derive(Clone, Copy)]
pub struct PdfEngine {
    bound: &'static Bound,
}

struct Bound {
    pdfium: Pdfium,
    library: PathBuf,
}

// Holds the binding once made; a failed attempt leaves it empty so a later call
// with a better path can still succeed.
static BOUND: Mutex<Option<&'static Bound>> = Mutex::new(None);

impl PdfEngine {
    /// Binds PDFium, found with [`locate_pdfium`], or returns the engine already bound.
    ///
    /// # Errors
    ///
    /// [`ParseError::PdfiumMissing`] when the library is nowhere to be found,
    /// [`ParseError::PdfiumLoad`] when it is found but cannot be loaded.
    pub fn new(configured: Option<&Path>) -> Result<PdfEngine, ParseError> {
        let mut slot = BOUND.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(bound) = *slot {
            return Ok(PdfEngine { bound });
        }
        let library = locate_pdfium(configured)?;
        let pdfium = match Pdfium::bind_to_library(&library) {
            Ok(bindings) => Pdfium::new(bindings),
            // Another part of the process bound pdfium-render directly; share its binding.
            Err(PdfiumError::PdfiumLibraryBindingsAlreadyInitialized) => Pdfium::default(),
            Err(err) => {
                return Err(ParseError::PdfiumLoad {
                    path: library,
                    message: err.to_string(),
                });
            }
        };
        let bound: &'static Bound = Box::leak(Box::new(Bound { pdfium, library }));
        *slot = Some(bound);
        Ok(PdfEngine { bound })
    }

    /// The library file this engine was bound to.
    pub fn library_path(&self) -> &Path {
        &self.bound.library
    }

    /// Opens a PDF held in memory; `path` only names it in errors.
    pub(crate) fn open<'a>(
        &'a self,
        bytes: Vec<u8>,
        path: &Path,
    ) -> Result<PdfDocument<'a>, ParseError> {
        self.bound
            .pdfium
            .load_pdf_from_byte_vec(bytes, None)
            .map_err(|err| open_error(path, err))
    }

    /// The text of every page, pages joined with `"\n"`, and the page count.
    // The parser reads pages one by one (for OCR); this is for callers that only want
    // the text layer.
    #[allow(dead_code)]
    pub(crate) fn extract_text(
        &self,
        bytes: Vec<u8>,
        path: &Path,
    ) -> Result<(String, i32), ParseError> {
        let document = self.open(bytes, path)?;
        let pages = document.pages();
        let count = pages.len();
        let mut texts = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        for index in 0..count {
            let page_error = |err: PdfiumError| ParseError::Corrupt {
                path: path.to_path_buf(),
                message: format!("page {}: {}", index + 1, describe(&err)),
            };
            let page = pages.get(index).map_err(page_error)?;
            let text = page.text().map_err(page_error)?;
            texts.push(text.all());
        }
        Ok((texts.join("\n"), count))
    }
}

impl std::fmt::Debug for PdfEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdfEngine")
            .field("library", &self.bound.library)
            .finish()
    }
}

fn open_error(path: &Path, err: PdfiumError) -> ParseError {
    match err {
        PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::PasswordError) => {
            ParseError::Encrypted {
                path: path.to_path_buf(),
            }
        }
        err => ParseError::Corrupt {
            path: path.to_path_buf(),
            message: describe(&err),
        },
    }
}

/// PDFium's reason in words.
pub(crate) fn describe(err: &PdfiumError) -> String {
    match err {
        PdfiumError::PdfiumLibraryInternalError(internal) => match internal {
            PdfiumInternalError::FormatError => {
                "PDFium reports a format error: the file is damaged or not a PDF".into()
            }
            PdfiumInternalError::FileError => "PDFium could not read the file".into(),
            PdfiumInternalError::PasswordError => "PDFium needs a password to open it".into(),
            PdfiumInternalError::SecurityError => {
                "PDFium does not support the file's security handler".into()
            }
            PdfiumInternalError::PageError => "PDFium could not load the page".into(),
            PdfiumInternalError::Unknown => "PDFium reports an unknown error".into(),
        },
        other => format!("PDFium error: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_folder_without_library_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let err = locate_pdfium(Some(dir.path())).unwrap_err();
        match &err {
            ParseError::PdfiumMissing { searched } => {
                assert_eq!(searched, &vec![dir.path().join(pdfium_library_name())]);
            }
            other => panic!("expected PdfiumMissing, got {other:?}"),
        }
        let message = err.to_string();
        assert!(message.contains("cargo xtask deps"), "{message}");
        assert!(message.contains(PDFIUM_PATH_VAR), "{message}");
    }

    #[test]
    fn configured_file_is_taken_as_is() {
        let dir = tempfile::tempdir().unwrap();
        let library = dir.path().join("custom-pdfium.so");
        std::fs::write(&library, b"").unwrap();
        assert_eq!(locate_pdfium(Some(&library)).unwrap(), library);
    }

    #[test]
    fn project_folder_is_under_the_workspace_root() {
        let dir = project_pdfium_dir();
        assert!(dir.ends_with(".deps/pdfium"), "{}", dir.display());
        assert!(
            dir.parent()
                .unwrap()
                .parent()
                .unwrap()
                .join("Cargo.toml")
                .is_file()
        );
    }
}
