//! libtesseract through its C API (`capi.h`), opened at run time: the library of
//! Debian's `libtesseract5`, which the `tesseract-ocr` package depends on. pd is not
//! linked against it, so it builds and runs without it (the `tesseract` program reads
//! the pages then).
//!
//! An [`Engine`] is one `TessBaseAPI` with its languages loaded. Loading them is what
//! a `tesseract` run spends its first fraction of a second on; an engine does it once
//! and then reads page after page, handed the pixels directly (no image file, no
//! process). Engines are kept in a pool when put back ([`Engine::release`]), so the
//! pages of the next document reuse them.

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::{Mutex, OnceLock, PoisonError};

use super::OcrError;
use super::pack::{Packed, Pixels};

/// The file name the dynamic loader finds libtesseract 5 under (Debian
/// `libtesseract5`).
pub const DEFAULT_LIBRARY: &str = "libtesseract.so.5";

/// `TessOcrEngineMode::OEM_DEFAULT`: LSTM with the models Debian ships.
const OEM_DEFAULT: c_int = 3;
/// `TessPageSegMode::PSM_AUTO`: the `tesseract` program's default (the API's own
/// default is a single block).
const PSM_AUTO: c_int = 3;

type Api = c_void;

/// The functions pd calls, resolved once.
struct Functions {
    create: unsafe extern "C" fn() -> *mut Api,
    delete: unsafe extern "C" fn(*mut Api),
    end: unsafe extern "C" fn(*mut Api),
    init2: unsafe extern "C" fn(*mut Api, *const c_char, *const c_char, c_int) -> c_int,
    set_variable: unsafe extern "C" fn(*mut Api, *const c_char, *const c_char) -> c_int,
    set_page_seg_mode: unsafe extern "C" fn(*mut Api, c_int),
    set_image: unsafe extern "C" fn(*mut Api, *const u8, c_int, c_int, c_int, c_int),
    set_source_resolution: unsafe extern "C" fn(*mut Api, c_int),
    recognize: unsafe extern "C" fn(*mut Api, *mut c_void) -> c_int,
    get_tsv_text: unsafe extern "C" fn(*mut Api, c_int) -> *mut c_char,
    delete_text: unsafe extern "C" fn(*const c_char),
    clear: unsafe extern "C" fn(*mut Api),
    /// OpenMP's `omp_set_max_active_levels`, when the library is built with OpenMP
    /// (Debian's is).
    omp_set_max_active_levels: Option<unsafe extern "C" fn(c_int)>,
}

/// An opened libtesseract: its functions and its version.
pub(super) struct Library {
    path: PathBuf,
    version: String,
    functions: Functions,
    // Keeps the functions above valid; never unloaded.
    _library: libloading::Library,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library")
            .field("path", &self.path)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// Every library asked for, opened or not, per path; opened once per process.
static OPENED: Mutex<Vec<(PathBuf, Result<&'static Library, String>)>> = Mutex::new(Vec::new());

impl Library {
    /// The library at `path` (a file name the dynamic loader looks up, or a path),
    /// opened once per process; the reason when it cannot be used.
    pub(super) fn get(path: &Path) -> Result<&'static Library, String> {
        let mut opened = OPENED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, found)) = opened.iter().find(|(p, _)| p == path) {
            return found.clone();
        }
        // Opened for good: engines and the pool hold its functions for the process.
        let found = Library::open(path).map(|library| &*Box::leak(Box::new(library)));
        opened.push((path.to_owned(), found.clone()));
        found
    }

    fn open(path: &Path) -> Result<Library, String> {
        // SAFETY: libtesseract's initialisers only set up its own state.
        let library = unsafe { libloading::Library::new(path) }
            .map_err(|e| format!("cannot open {}: {}", path.display(), describe(&e)))?;
        let functions = {
            macro_rules! function {
                ($name:literal) => {
                    // SAFETY: the type is the function's signature in capi.h.
                    *unsafe { library.get(concat!($name, "\0").as_bytes()) }.map_err(|e| {
                        format!("{} has no {}: {}", path.display(), $name, describe(&e))
                    })?
                };
            }
            Functions {
                create: function!("TessBaseAPICreate"),
                delete: function!("TessBaseAPIDelete"),
                end: function!("TessBaseAPIEnd"),
                init2: function!("TessBaseAPIInit2"),
                set_variable: function!("TessBaseAPISetVariable"),
                set_page_seg_mode: function!("TessBaseAPISetPageSegMode"),
                set_image: function!("TessBaseAPISetImage"),
                set_source_resolution: function!("TessBaseAPISetSourceResolution"),
                recognize: function!("TessBaseAPIRecognize"),
                get_tsv_text: function!("TessBaseAPIGetTsvText"),
                delete_text: function!("TessDeleteText"),
                clear: function!("TessBaseAPIClear"),
                // SAFETY: `void omp_set_max_active_levels(int)`, found in the
                // library's dependencies (libgomp).
                omp_set_max_active_levels: unsafe { library.get(b"omp_set_max_active_levels\0") }
                    .ok()
                    .map(|f| *f),
            }
        };
        let version_fn: unsafe extern "C" fn() -> *const c_char = *unsafe {
            // SAFETY: `const char *TessVersion()`.
            library.get(b"TessVersion\0")
        }
        .map_err(|e| format!("{} has no TessVersion: {}", path.display(), describe(&e)))?;
        // SAFETY: no arguments; the result is null or a static string of the library.
        let version = NonNull::new(unsafe { version_fn() }.cast_mut())
            .map(|v| {
                unsafe { CStr::from_ptr(v.as_ptr()) }
                    .to_string_lossy()
                    .into_owned()
            })
            .unwrap_or_default();
        // The C API pd uses is the one of Tesseract 4 and 5.
        if !(version.starts_with("4.") || version.starts_with("5.")) {
            return Err(format!(
                "{} is Tesseract {version}; pd reads with Tesseract 4 or 5",
                path.display()
            ));
        }
        Ok(Library {
            path: path.to_owned(),
            version,
            functions,
            _library: library,
        })
    }

    /// Tesseract's version, `5.3.0`.
    pub(super) fn version(&self) -> &str {
        &self.version
    }
}

/// What an engine was set up for: engines are only reused for the same.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Setup {
    library: PathBuf,
    languages: String,
    detect_inverted: bool,
}

/// One `TessBaseAPI` with its languages loaded, used by one thread at a time.
pub(super) struct Engine {
    library: &'static Library,
    api: NonNull<Api>,
    setup: Setup,
}

// SAFETY: a TessBaseAPI is not tied to the thread that made it; `Engine` is used by one
// thread at a time (`&mut self`) and never shared.
unsafe impl Send for Engine {}

/// Engines put back, for the next pages to reuse.
static POOL: Mutex<Vec<Engine>> = Mutex::new(Vec::new());

impl Engine {
    /// An engine for `languages` (`+`-joined, checked by the caller): one from the pool
    /// when one fits, else a new one.
    ///
    /// # Errors
    ///
    /// [`OcrError::Failed`] when Tesseract cannot load the languages.
    pub(super) fn take(
        library: &'static Library,
        languages: &str,
        detect_inverted: bool,
    ) -> Result<Engine, OcrError> {
        let setup = Setup {
            library: library.path.clone(),
            languages: languages.to_owned(),
            detect_inverted,
        };
        {
            let mut pool = POOL.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(at) = pool.iter().position(|e| e.setup == setup) {
                return Ok(pool.swap_remove(at));
            }
        }
        Engine::new(library, setup)
    }

    fn new(library: &'static Library, setup: Setup) -> Result<Engine, OcrError> {
        let f = &library.functions;
        let failed = |message: String| OcrError::Failed { message };
        let languages = CString::new(setup.languages.as_str())
            .map_err(|_| failed(format!("invalid languages `{}`", setup.languages)))?;
        // SAFETY: creating an API has no preconditions.
        let api = NonNull::new(unsafe { (f.create)() })
            .ok_or_else(|| failed("libtesseract could not create an engine".into()))?;
        // From here on, dropping `engine` frees the API.
        let engine = Engine {
            library,
            api,
            setup,
        };
        // Tesseract's messages ("Estimating resolution", …) would mix into pd's
        // output: the program's go to its captured error output, these nowhere.
        engine.set("debug_file", "/dev/null")?;
        // SAFETY: a live API and NUL-terminated strings; a null data path is
        // Tesseract's default (TESSDATA_PREFIX or its built-in folder), as for the
        // program.
        let status = unsafe {
            (f.init2)(
                engine.api.as_ptr(),
                std::ptr::null(),
                languages.as_ptr(),
                OEM_DEFAULT,
            )
        };
        if status != 0 {
            return Err(failed(format!(
                "libtesseract {} cannot load the languages {}",
                library.version, engine.setup.languages
            )));
        }
        // SAFETY: a live, initialised API.
        unsafe { (f.set_page_seg_mode)(engine.api.as_ptr(), PSM_AUTO) };
        if !engine.setup.detect_inverted {
            engine.set("tessedit_do_invert", "0")?;
        }
        Ok(engine)
    }

    fn set(&self, name: &str, value: &str) -> Result<(), OcrError> {
        let (Ok(c_name), Ok(c_value)) = (CString::new(name), CString::new(value)) else {
            return Err(OcrError::Failed {
                message: format!("invalid Tesseract setting {name}={value}"),
            });
        };
        // SAFETY: a live API and NUL-terminated strings, which Tesseract copies.
        let set = unsafe {
            (self.library.functions.set_variable)(
                self.api.as_ptr(),
                c_name.as_ptr(),
                c_value.as_ptr(),
            )
        };
        if set == 0 {
            return Err(OcrError::Failed {
                message: format!(
                    "libtesseract {} has no setting {name}",
                    self.library.version
                ),
            });
        }
        Ok(())
    }

    /// Tesseract's TSV report of one page (numbered 1), as the program writes it.
    ///
    /// # Errors
    ///
    /// [`OcrError::Failed`] when the page is too large or Tesseract fails on it.
    pub(super) fn read_tsv(&mut self, page: &Packed, dpi: u32) -> Result<String, OcrError> {
        let f = &self.library.functions;
        let failed = |message: String| OcrError::Failed { message };
        let (width, height) = page.dimensions();
        let (Ok(c_width), Ok(c_height)) = (c_int::try_from(width), c_int::try_from(height)) else {
            return Err(failed(format!("a {width}×{height} page is too large")));
        };
        if width == 0 || height == 0 {
            return Err(failed("the page has no pixels".into()));
        }
        // Tesseract takes one-bit pages with a set bit as paper, pd packs ink.
        let flipped: Vec<u8>;
        let (data, bytes_per_pixel, row_bytes) = match &page.pixels {
            Pixels::Grey(grey) => (grey.as_raw().as_slice(), 1, width as usize),
            Pixels::Bilevel { bits, .. } => {
                flipped = bits.iter().map(|b| !b).collect();
                (flipped.as_slice(), 0, width.div_ceil(8) as usize)
            }
        };
        let Ok(c_row_bytes) = c_int::try_from(row_bytes) else {
            return Err(failed(format!("a {width}×{height} page is too large")));
        };
        if data.len() < row_bytes * height as usize {
            return Err(failed("the page's pixels are incomplete".into()));
        }
        let api = self.api.as_ptr();
        if let Some(set_max_active_levels) = f.omp_set_max_active_levels {
            // One thread per page, as `OMP_THREAD_LIMIT=1` gives the program: pd reads
            // as many pages at once as there are cores, and OpenMP's extra threads
            // would only wait for each other. With no active level, every parallel
            // region of Tesseract runs on the calling thread; the setting is the
            // calling thread's (and, with older OpenMP runtimes, the process's, which
            // uses OpenMP for nothing else).
            // SAFETY: takes any level count.
            unsafe { set_max_active_levels(0) };
        }
        // SAFETY: `data` holds `height` rows of `row_bytes` bytes and outlives the
        // calls (Tesseract copies the pixels in SetImage); the API is live and only
        // used here.
        let tsv = unsafe {
            (f.set_image)(
                api,
                data.as_ptr(),
                c_width,
                c_height,
                bytes_per_pixel,
                c_row_bytes,
            );
            (f.set_source_resolution)(api, dpi as c_int);
            let status = (f.recognize)(api, std::ptr::null_mut());
            let text = if status == 0 {
                (f.get_tsv_text)(api, 0)
            } else {
                std::ptr::null_mut()
            };
            let tsv = NonNull::new(text).map(|text| {
                let tsv = CStr::from_ptr(text.as_ptr()).to_string_lossy().into_owned();
                (f.delete_text)(text.as_ptr());
                tsv
            });
            (f.clear)(api);
            tsv
        };
        tsv.ok_or_else(|| {
            failed(format!(
                "libtesseract {} could not read a {width}×{height} page",
                self.library.version
            ))
        })
    }

    /// Puts the engine back into the pool for the next pages.
    pub(super) fn release(self) {
        let mut pool = POOL.lock().unwrap_or_else(PoisonError::into_inner);
        // Bounded: a long-running consumer that changed its languages drops the
        // engines of the old ones first.
        let most = 2 * super::default_jobs();
        if pool.len() >= most {
            let excess = pool.len() + 1 - most;
            pool.drain(..excess);
        }
        pool.push(self);
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        let f = &self.library.functions;
        // SAFETY: the API is live and owned by this engine alone.
        unsafe {
            (f.end)(self.api.as_ptr());
            (f.delete)(self.api.as_ptr());
        }
    }
}

/// A loader error with its cause (`dlopen failed: …: cannot open shared object file`).
fn describe(err: &libloading::Error) -> String {
    match std::error::Error::source(err) {
        Some(cause) => format!("{err}: {cause}"),
        None => err.to_string(),
    }
}

/// The default library, when it can be used.
pub(super) fn default_library() -> Result<&'static Library, String> {
    static DEFAULT: OnceLock<Result<&'static Library, String>> = OnceLock::new();
    DEFAULT
        .get_or_init(|| Library::get(Path::new(DEFAULT_LIBRARY)))
        .clone()
}
