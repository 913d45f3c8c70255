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
//! standard output; both read the same words. Either way Tesseract gets only the part
//! of each page with ink on it, with a quarter inch of white around (its layout analysis
//! costs time for every pixel, blank ones too; word boxes are moved back onto the
//! page), grey as it is or, with `PD_OCR_BILEVEL`, thresholded to black and white first
//! (Otsu's method, as Tesseract would: a little faster, fewer words); it runs on one
//! thread (`OMP_THREAD_LIMIT=1` for the program) and without its inverted-text pass
//! (`PD_OCR_INVERTED_TEXT`), and as many pages are read in parallel as there are cores,
//! the heaviest waiting page first ([`ocr_pages`]). The `tesseract` program is needed in
//! both cases: its language list is what the configured languages are checked against
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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

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

impl OcrText {
    /// The same words with their boxes moved right by `left` and down by `top` pixels:
    /// from the cropped image Tesseract read to the page it was cut from.
    fn moved_by(mut self, (left, top): (u32, u32)) -> OcrText {
        for word in &mut self.words {
            word.left += left;
            word.top += top;
        }
        self
    }
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
/// readers. A reader that becomes free takes the heaviest page waiting (the one with
/// the most dark pixels, so that no long page is left for the end while the other
/// readers idle) and reads it with its library engine, whose languages stay loaded;
/// with the program instead, it takes its share of the pages waiting (up to eight,
/// heaviest first) and reads them in one run, which loads the language model once for
/// all of them. With `keep_images`, every [`OcrPage`] keeps its image.
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
    let waiting = Waiting::new(jobs * MAX_BATCH / 2);

    let produced = std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                while let Some(batch) = waiting.take(jobs, max_batch) {
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
                Ok(page) => waiting.push(page),
                Err(err) => {
                    failed.store(true, Ordering::Relaxed);
                    result = Err(err);
                    break;
                }
            }
        }
        waiting.close();
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

/// Pages decoded and waiting for a reader, at most `capacity` of them; the heaviest is
/// read first. Pages take Tesseract very different times (a full page of small print,
/// a short letter), and the readers end together only if the long ones do not come
/// last: heaviest first, as far as the pages decoded ahead allow.
struct Waiting {
    state: Mutex<WaitingPages>,
    changed: Condvar,
    capacity: usize,
}

struct WaitingPages {
    /// Each page with its weight ([`weight`]).
    pages: Vec<(u64, PageImage)>,
    /// No more pages come.
    closed: bool,
}

impl Waiting {
    fn new(capacity: usize) -> Waiting {
        Waiting {
            state: Mutex::new(WaitingPages {
                pages: Vec::new(),
                closed: false,
            }),
            changed: Condvar::new(),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, WaitingPages> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, WaitingPages>) -> MutexGuard<'a, WaitingPages> {
        self.changed
            .wait(guard)
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a page, once there is room.
    fn push(&self, page: PageImage) {
        let weight = weight(&page.image);
        let mut state = self.lock();
        while state.pages.len() >= self.capacity {
            state = self.wait(state);
        }
        state.pages.push((weight, page));
        drop(state);
        self.changed.notify_all();
    }

    /// No more pages: the readers end once the waiting ones are taken.
    fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }

    /// The heaviest waiting page and, with `most` above 1, more of the heaviest up to a
    /// reader's share (of `readers`) of what waits, so that the readers end together;
    /// `None` once the pages are closed and all taken.
    fn take(&self, readers: usize, most: usize) -> Option<Vec<PageImage>> {
        let mut state = self.lock();
        while state.pages.is_empty() {
            if state.closed {
                return None;
            }
            state = self.wait(state);
        }
        let share = state
            .pages
            .len()
            .div_ceil(readers.max(1))
            .clamp(1, most.max(1));
        let mut batch = Vec::with_capacity(share);
        for _ in 0..share {
            let Some(heaviest) = (0..state.pages.len()).max_by_key(|&i| state.pages[i].0) else {
                break;
            };
            batch.push(state.pages.swap_remove(heaviest).1);
        }
        drop(state);
        self.changed.notify_all();
        Some(batch)
    }
}

/// How much work a page is likely to be for Tesseract: its dark pixels (on every
/// fourth row), which grow with the text on it.
fn weight(image: &DynamicImage) -> u64 {
    const STEP: usize = 4;
    match image {
        DynamicImage::ImageLuma8(grey) => grey
            .as_raw()
            .chunks((grey.width() as usize).max(1))
            .step_by(STEP)
            .map(|row| row.iter().filter(|&&v| v < 128).count() as u64)
            .sum(),
        DynamicImage::ImageRgb8(rgb) => rgb
            .as_raw()
            .chunks((3 * rgb.width() as usize).max(1))
            .step_by(STEP)
            .map(|row| {
                row.chunks_exact(3)
                    .filter(|p| u16::from(p[0]) + u16::from(p[1]) + u16::from(p[2]) < 384)
                    .count() as u64
            })
            .sum(),
        // Other kinds are rare in scans: weighed by their size.
        other => u64::from(other.width()) * u64::from(other.height()) / 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma};

    /// A page with `dark` dark rows of 10 pixels (every row is looked at when `dark`
    /// rows are 4 apart).
    fn page(index: usize, dark: u32) -> PageImage {
        let image = GrayImage::from_fn(10, 40, |_, y| {
            Luma([if y % 4 == 0 && y / 4 < dark { 0 } else { 255 }])
        });
        PageImage {
            index,
            image: DynamicImage::ImageLuma8(image),
            dpi: 300.0,
            jpeg: None,
        }
    }

    #[test]
    fn pages_are_weighed_by_their_dark_pixels() {
        assert_eq!(weight(&page(0, 0).image), 0);
        assert_eq!(weight(&page(0, 3).image), 30);
        let rgb = DynamicImage::ImageRgb8(page(0, 3).image.to_rgb8());
        assert_eq!(weight(&rgb), 30);
    }

    #[test]
    fn the_heaviest_waiting_page_is_read_first() {
        let waiting = Waiting::new(8);
        for (index, dark) in [(0, 2), (1, 9), (2, 5), (3, 7)] {
            waiting.push(page(index, dark));
        }
        let taken = |batch: Option<Vec<PageImage>>| -> Vec<usize> {
            batch.unwrap().iter().map(|p| p.index).collect()
        };
        assert_eq!(taken(waiting.take(2, 1)), [1]);
        // The program's readers take their share: half of the three left, rounded up.
        assert_eq!(taken(waiting.take(2, 8)), [3, 2]);
        waiting.close();
        assert_eq!(taken(waiting.take(2, 8)), [0]);
        assert!(waiting.take(2, 8).is_none());
    }

    #[test]
    fn a_full_queue_waits_for_a_reader() {
        let waiting = Waiting::new(1);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for index in 0..5 {
                    waiting.push(page(index, 1));
                }
                waiting.close();
            });
            let mut read = Vec::new();
            while let Some(batch) = waiting.take(1, 8) {
                assert_eq!(
                    batch.len(),
                    1,
                    "never more than the one page there is room for"
                );
                read.extend(batch.into_iter().map(|p| p.index));
            }
            assert_eq!(read, [0, 1, 2, 3, 4]);
        });
    }
}
