//! Images: decoding every page (a TIFF's pages, the first frame of anything
//! animated), with its resolution, for OCR and thumbnails.
//!
//! The `image` crate decodes; a multi-page TIFF is decoded page by page by handing the
//! decoder the same bytes with the header pointing at the page wanted
//! ([`tiff::TiffPages`]), so no page is read twice and no bytes are copied.

mod dpi;
mod tiff;

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

use super::{ParseError, ParseOptions};
use crate::ocr::{OcrError, OcrPage, PageImage, ocr_pages};

/// Width of an A4 page in inches: an image without a resolution is taken to be one.
const A4_WIDTH_INCHES: f32 = 8.27;
/// Images larger than this many bytes decoded are refused (a decompression bomb, or a
/// poster nobody OCRs): about 40,000 × 40,000 pixels of grey.
const MAX_DECODED_BYTES: u64 = 1600 * 1024 * 1024;

/// Whether this module decodes `mime_type`.
pub(super) fn is_supported(mime_type: &str) -> bool {
    format_of(mime_type).is_some()
}

fn format_of(mime_type: &str) -> Option<ImageFormat> {
    Some(match mime_type {
        "image/png" => ImageFormat::Png,
        "image/jpeg" => ImageFormat::Jpeg,
        "image/tiff" => ImageFormat::Tiff,
        "image/webp" => ImageFormat::WebP,
        "image/gif" => ImageFormat::Gif,
        "image/bmp" => ImageFormat::Bmp,
        _ => return None,
    })
}

/// The short name of an image type for messages (`PNG`, `JPEG`, …), `image` for others.
pub fn image_format_name(mime_type: &str) -> &'static str {
    match mime_type {
        "image/png" => "PNG",
        "image/jpeg" => "JPEG",
        "image/tiff" => "TIFF",
        "image/webp" => "WebP",
        "image/gif" => "GIF",
        "image/bmp" => "BMP",
        _ => "image",
    }
}

/// Every page of the image in `bytes` OCRed, in order.
pub(super) fn ocr_image_file(
    bytes: &[u8],
    mime_type: &str,
    path: &Path,
    options: &ParseOptions,
) -> Result<Vec<OcrPage>, ParseError> {
    let corrupt = corrupt_for(path, mime_type);
    // Check the whole file before Tesseract is looked for, so a damaged image is
    // reported as such on any machine.
    let pages = Pages::open(bytes, mime_type).map_err(&corrupt)?;
    let stated_dpi = dpi::stated(bytes, mime_type);
    let tesseract = options.tesseract(path)?;
    let images = pages.enumerate().map(|(index, page)| {
        let image = page.map_err(|m| PageError::Parse(corrupt(m)))?;
        let dpi = stated_dpi
            .or(options.ocr.image_dpi.map(|d| d as f32))
            .unwrap_or_else(|| a4_dpi(image.width()));
        Ok(PageImage {
            index,
            image,
            dpi,
            jpeg: None,
        })
    });
    ocr_pages(&tesseract, images, options.jobs, options.keep_page_images).map_err(|e| match e {
        PageError::Parse(e) => e,
        PageError::Ocr(e) => ParseError::ocr(path, e),
    })
}

/// The first page (or frame) of an image, oriented as it is meant to be seen, for
/// thumbnails.
///
/// # Errors
///
/// [`ParseError::CorruptImage`] when it cannot be decoded, [`ParseError::Unsupported`]
/// for a type that is no image pd reads.
pub fn decode_first_page(
    bytes: &[u8],
    mime_type: &str,
    path: &Path,
) -> Result<DynamicImage, ParseError> {
    let corrupt = corrupt_for(path, mime_type);
    if !is_supported(mime_type) {
        return Err(ParseError::Unsupported {
            mime_type: mime_type.to_owned(),
        });
    }
    let mut pages = Pages::open(bytes, mime_type).map_err(&corrupt)?;
    match pages.next() {
        Some(page) => page.map_err(corrupt),
        None => Err(corrupt("it has no pages".into())),
    }
}

fn corrupt_for<'a>(path: &'a Path, mime_type: &str) -> impl Fn(String) -> ParseError + 'a {
    let format = image_format_name(mime_type);
    move |message| ParseError::CorruptImage {
        path: path.to_path_buf(),
        format,
        message,
    }
}

/// The resolution that makes an image `width` pixels wide as wide as A4
/// (paperless-ngx's fallback for images without one).
fn a4_dpi(width: u32) -> f32 {
    (width as f32 / A4_WIDTH_INCHES).round().max(1.0)
}

enum PageError {
    Parse(ParseError),
    Ocr(OcrError),
}

impl From<OcrError> for PageError {
    fn from(err: OcrError) -> Self {
        PageError::Ocr(err)
    }
}

/// The pages of an image file, decoded one at a time.
enum Pages<'a> {
    /// A TIFF's pages.
    Tiff(tiff::TiffPages<'a>),
    /// One image, decoded already (formats with one page, or only the first frame read).
    Single(Option<DynamicImage>),
}

impl<'a> Pages<'a> {
    /// Opens the image; single-page formats are decoded right away, and a TIFF's pages
    /// are found (and each decoded as it is asked for).
    fn open(bytes: &'a [u8], mime_type: &str) -> Result<Pages<'a>, String> {
        let format = format_of(mime_type).ok_or_else(|| format!("unsupported type {mime_type}"))?;
        // The JPEG decoder makes do with what it gets, grey where data is missing; a
        // cut-off scan must not pass for a whole one.
        if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
            return Err("the file is truncated (the JPEG data never ends)".into());
        }
        if format == ImageFormat::Tiff {
            // The page directory is read (and checked) now; a page whose pixels are
            // damaged fails when it is decoded, and with it the whole parse.
            return tiff::TiffPages::open(bytes).map(Pages::Tiff);
        }
        decode(Cursor::new(bytes), format).map(|image| Pages::Single(Some(image)))
    }
}

impl Iterator for Pages<'_> {
    type Item = Result<DynamicImage, String>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Pages::Tiff(pages) => pages.next(),
            Pages::Single(image) => image.take().map(Ok),
        }
    }
}

/// Whether the JPEG's segments, walked marker by marker, reach the end-of-image marker.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let length = |at: usize| -> Option<usize> {
        Some(usize::from(u16::from_be_bytes(
            bytes.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    let mut at = 2; // SOI
    loop {
        // Markers may be padded with any number of 0xFF fill bytes.
        while bytes.get(at) == Some(&0xff) && bytes.get(at + 1) == Some(&0xff) {
            at += 1;
        }
        if bytes.get(at) != Some(&0xff) {
            return false;
        }
        let Some(&marker) = bytes.get(at + 1) else {
            return false;
        };
        match marker {
            0xd9 => return true,
            0x01 | 0xd0..=0xd8 => at += 2,
            _ => {
                let Some(segment) = length(at + 2) else {
                    return false;
                };
                at += 2 + segment;
                if at > bytes.len() {
                    return false;
                }
                if marker == 0xda {
                    // Entropy-coded data runs to the next marker that is neither a
                    // stuffed 0xFF00 nor a restart marker.
                    loop {
                        match bytes.get(at..at + 2) {
                            None => return false,
                            Some([0xff, next]) if *next != 0 && !(0xd0..=0xd7).contains(next) => {
                                break;
                            }
                            _ => at += 1,
                        }
                    }
                }
            }
        }
    }
}

/// Decodes one image of `format` from `reader`, applies its orientation, and checks
/// that it has pixels.
fn decode<R: std::io::BufRead + std::io::Seek>(
    reader: R,
    format: ImageFormat,
) -> Result<DynamicImage, String> {
    let mut reader = ImageReader::with_format(reader, format);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let orientation = decoder.orientation().ok();
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err("the image has no pixels".into());
    }
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a4_resolution_from_width() {
        assert_eq!(a4_dpi(2480), 300.0);
        assert_eq!(a4_dpi(1654), 200.0);
        assert_eq!(a4_dpi(1), 1.0);
    }

    #[test]
    fn jpeg_completeness() {
        let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe0, 0, 4, 1, 2, 0xff, 0xda, 0, 2];
        jpeg.extend_from_slice(&[1, 2, 0xff, 0, 3, 0xff, 0xd3, 4]);
        assert!(!jpeg_is_complete(&jpeg));
        jpeg.extend_from_slice(&[0xff, 0xd9]);
        assert!(jpeg_is_complete(&jpeg));
        assert!(!jpeg_is_complete(&jpeg[..7]));
        assert!(!jpeg_is_complete(&[0xff, 0xd8]));
    }

    #[test]
    fn garbage_is_a_clear_error_for_every_format() {
        for mime in [
            "image/png",
            "image/jpeg",
            "image/tiff",
            "image/webp",
            "image/gif",
            "image/bmp",
        ] {
            let err = decode_first_page(b"not an image at all", mime, Path::new("x")).unwrap_err();
            assert!(
                matches!(err, ParseError::CorruptImage { .. }),
                "{mime}: {err}"
            );
            assert!(err.to_string().contains(image_format_name(mime)), "{err}");
        }
    }
}
