//! OCR with Tesseract: the text of page images, and where every word sits on them.
//!
//! pd reads pages with libtesseract, Tesseract's library (Debian `libtesseract5`, which
//! the `tesseract-ocr` package brings), opened at run time in pd's own process: each
//! reader thread takes an engine that has loaded the languages once and hands it page
//! after page as pixels, reading back Tesseract's TSV report (the words with their pixel
//! boxes, [`OcrWord`], and the page's text). Engines are kept for the next pages and
//! documents. Where the library cannot be opened, or with `PD_OCR_LIBRARY=false`, the
//! Debian `tesseract` program reads them as a subprocess instead: the pages go in on
//! standard input as one uncompressed multi-page TIFF and the TSV report comes back on
//! standard output; both read the same words. Either way each page is thresholded to
//! black and white first (Otsu's method, as Tesseract would; `PD_OCR_BILEVEL`),
//! Tesseract runs on one thread (`OMP_THREAD_LIMIT=1` for the program) and without its
//! inverted-text pass (`PD_OCR_INVERTED_TEXT`), and as many pages are read in parallel
//! as there are cores ([`ocr_pages`]). The `tesseract` program is needed in both cases:
//! its language list is what the configured languages are checked against
//! (one `tesseract --list-langs` per process).
//!
//! - [`Tesseract`]: the program, the library and the languages to read, checked once
//!   (a missing program or language pack is an [`OcrError`] that names the Debian
//!   package).
//! - [`ocr_image`]: one image → [`OcrText`] (text and words).
//! - [`ocr_images`]: several images read by one engine (or one run of the program) →
//!   one [`OcrText`] each.
//! - [`ocr_pages`]: many page images, OCRed in parallel → [`OcrPage`]s, each keeping its
//!   image (on request), resolution and words, ready for an archive writer.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use pd_pipeline::ocr::{Tesseract, ocr_image};
//!
//! let tesseract = Tesseract::new(None, "deu+eng")?;
//! let scan = image::open("letter.png")?;
//! let read = ocr_image(&tesseract, &scan, 300.0)?;
//! println!("{}", read.text);
//! for word in &read.words {
//!     println!("{} at ({}, {})", word.text, word.left, word.top);
//! }
//! # Ok(())
//! # }
//! ```

mod capi;
mod pack;
mod tesseract;
mod tsv;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};

use image::DynamicImage;
use serde::Serialize;

pub use tesseract::{Tesseract, debian_package};

/// Why OCR failed.
#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    /// The `tesseract` program cannot be run.
    #[error(
        "Tesseract is not installed (cannot run {}: {message}); install the Debian package \
         tesseract-ocr (`apt-get install tesseract-ocr tesseract-ocr-eng`)",
        program.display()
    )]
    TesseractMissing { program: PathBuf, message: String },
    /// A configured language has no installed language pack.
    #[error(
        "Tesseract has no language pack for `{language}`; install the Debian package \
         {package} (installed languages: {})",
        if installed.is_empty() { "none".to_owned() } else { installed.join(", ") }
    )]
    LanguageMissing {
        /// The language code as configured (`fra`).
        language: String,
        /// The Debian package that brings it (`tesseract-ocr-fra`).
        package: String,
        /// The languages Tesseract has.
        installed: Vec<String>,
    },
    /// The language setting cannot be read (`PD_OCR_LANGUAGE`, e.g. `deu+eng`).
    #[error("invalid OCR language setting `{value}`: {reason}")]
    InvalidLanguage { value: String, reason: String },
    /// Tesseract ran but failed.
    #[error("Tesseract failed: {message}")]
    Failed { message: String },
}

/// One word Tesseract found, in the pixels of the image it read (origin top left).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OcrWord {
    /// The word as read.
    pub text: String,
    /// Left edge in pixels.
    pub left: u32,
    /// Top edge in pixels.
    pub top: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Tesseract's confidence, 0 to 100.
    pub confidence: f32,
    /// Whether the line ends after this word (the last word of a page always does).
    pub line_end: bool,
}

/// What OCR read on one image: the words in reading order and the text they make
/// (words of a line joined by spaces, lines by `\n`, paragraphs by a blank line).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OcrText {
    pub text: String,
    pub words: Vec<OcrWord>,
}

/// One page that went through OCR, with what an archive writer needs: the image (when
/// it was asked to be kept), its resolution and its words.
#[derive(Clone, PartialEq)]
pub struct OcrPage {
    /// The page's index in its document, from 0.
    pub index: usize,
    /// The image that was read, when kept ([`ocr_pages`]' `keep_images`).
    pub image: Option<DynamicImage>,
    /// The image's resolution in pixels per inch.
    pub dpi: f32,
    /// The image's size in pixels (also when the image was not kept).
    pub width: u32,
    pub height: u32,
    /// The words, in reading order; [`OcrWord::line_end`] marks line breaks.
    pub words: Vec<OcrWord>,
    /// The page's text, cleaned.
    pub text: String,
    /// The JPEG the image was decoded from, when the page was one (a scanned PDF
    /// page) and the image is kept: an archive stores it as it is.
    pub jpeg: Option<Vec<u8>>,
}

// Not derived: an image's pixels would fill any assertion message.
impl std::fmt::Debug for OcrPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcrPage")
            .field("index", &self.index)
            .field("image", &self.image.as_ref().map(|_| "…"))
            .field("dpi", &self.dpi)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("words", &self.words.len())
            .field("text", &self.text)
            .field("jpeg", &self.jpeg.as_ref().map(Vec::len))
            .finish()
    }
}

/// A page image to read: its index in the document, the image and its resolution.
#[derive(Debug, Clone)]
pub struct PageImage {
    pub index: usize,
    pub image: DynamicImage,
    pub dpi: f32,
    /// The JPEG `image` was decoded from, if any (see [`OcrPage::jpeg`]).
    pub jpeg: Option<Vec<u8>>,
}

/// Reads one image. `dpi` is its resolution, which Tesseract uses to judge sizes.
///
/// # Errors
///
/// [`OcrError::Failed`] when Tesseract fails on it (the others are found by
/// [`Tesseract::new`]).
pub fn ocr_image(
    tesseract: &Tesseract,
    image: &DynamicImage,
    dpi: f32,
) -> Result<OcrText, OcrError> {
    let mut read = tesseract.read(&[(image, dpi)])?;
    Ok(read.pop().unwrap_or_default())
}

/// Reads several images with one engine (or in one run of the program; either way the
/// model is loaded once), one [`OcrText`] per image, in order.
///
/// # Errors
///
/// [`OcrError::Failed`] when Tesseract fails on them.
pub fn ocr_images(
    tesseract: &Tesseract,
    images: &[(&DynamicImage, f32)],
) -> Result<Vec<OcrText>, OcrError> {
    tesseract.read(images)
}

/// The most pages one run of the `tesseract` program reads.
const MAX_BATCH: usize = 8;

/// How many pages are read at once: one per core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// OCRs page images as they come, `jobs` at a time (at least 1), and returns the pages
/// in the order of their indexes. `pages` is pulled on the calling thread (it may
/// render or decode, work that cannot run in parallel), a few pages ahead of the
/// readers. A reader that becomes free takes the next page and reads it with its
/// library engine, whose languages stay loaded; with the program instead, it takes its
/// share of the pages waiting (up to eight) and reads them in one run, which loads the
/// language model once for all of them. With `keep_images`, every [`OcrPage`] keeps
/// its image.
///
/// The first error stops the work: one from `pages` is returned as is, an OCR error
/// converted with `From`.
pub fn ocr_pages<E, I>(
    tesseract: &Tesseract,
    pages: I,
    jobs: usize,
    keep_images: bool,
) -> Result<Vec<OcrPage>, E>
where
    I: IntoIterator<Item = Result<PageImage, E>>,
    E: From<OcrError> + Send,
{
    let jobs = jobs.max(1);
    // An engine keeps its languages loaded: page by page, the readers end together.
    let max_batch = if tesseract.uses_library() {
        1
    } else {
        MAX_BATCH
    };
    let failed = AtomicBool::new(false);
    let first_error: Mutex<Option<OcrError>> = Mutex::new(None);
    let done: Mutex<Vec<OcrPage>> = Mutex::new(Vec::new());
    let (sender, receiver) = mpsc::sync_channel::<PageImage>(jobs * MAX_BATCH / 2);
    let receiver = Mutex::new(receiver);
    // Pages sent and not yet taken by a reader.
    let waiting = AtomicUsize::new(0);

    let produced = std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let batch = {
                        let receiver = receiver.lock().unwrap_or_else(PoisonError::into_inner);
                        let Ok(first) = receiver.recv() else { break };
                        // This reader's share of what waits, so that the readers end
                        // together.
                        let share = waiting.load(Ordering::Relaxed).div_ceil(jobs);
                        let mut batch = vec![first];
                        while batch.len() < share.clamp(1, max_batch) {
                            match receiver.try_recv() {
                                Ok(page) => batch.push(page),
                                Err(_) => break,
                            }
                        }
                        waiting.fetch_sub(batch.len(), Ordering::Relaxed);
                        batch
                    };
                    if failed.load(Ordering::Relaxed) {
                        continue;
                    }
                    let images: Vec<(&DynamicImage, f32)> =
                        batch.iter().map(|p| (&p.image, p.dpi)).collect();
                    match ocr_images(tesseract, &images) {
                        Ok(read) => {
                            drop(images);
                            let mut done = done.lock().unwrap_or_else(PoisonError::into_inner);
                            for (page, read) in batch.into_iter().zip(read) {
                                let (width, height) = (page.image.width(), page.image.height());
                                let text = crate::parse::clean_text(&read.text);
                                done.push(OcrPage {
                                    index: page.index,
                                    image: keep_images.then_some(page.image),
                                    dpi: page.dpi,
                                    width,
                                    height,
                                    words: read.words,
                                    text,
                                    jpeg: page.jpeg.filter(|_| keep_images),
                                });
                            }
                        }
                        Err(err) => {
                            failed.store(true, Ordering::Relaxed);
                            first_error
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .get_or_insert(err);
                        }
                    }
                }
            });
        }
        let mut result = Ok(());
        for page in pages {
            if failed.load(Ordering::Relaxed) {
                break;
            }
            match page {
                Ok(page) => {
                    waiting.fetch_add(1, Ordering::Relaxed);
                    if sender.send(page).is_err() {
                        break;
                    }
                }
                Err(err) => {
                    failed.store(true, Ordering::Relaxed);
                    result = Err(err);
                    break;
                }
            }
        }
        drop(sender);
        result
    });
    produced?;
    if let Some(err) = first_error
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
    {
        return Err(E::from(err));
    }
    let mut pages = done.into_inner().unwrap_or_else(PoisonError::into_inner);
    pages.sort_by_key(|p| p.index);
    Ok(pages)
}
