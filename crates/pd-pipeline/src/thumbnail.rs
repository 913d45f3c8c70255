//! Thumbnails of documents' originals, made as paperless-ngx makes them and stored where
//! it stores them (`documents/thumbnails/<id:07>.webp`).
//!
//! - PDF: the first page rendered by PDFium (its crop box, with the page's rotation),
//!   at 300 dpi but shrunk to fit 500 × 5000 pixels (ImageMagick's `500x5000>`: never
//!   enlarged), flattened on white.
//! - Images (PNG, JPEG, TIFF, WebP, GIF, BMP): the first page or frame, turned as its
//!   orientation says, shrunk the same way, flattened on white.
//! - Plain text and CSV: the first lines drawn on a white 500 × 700 page.
//! - A password-protected or damaged PDF, or a type nothing renders: a generic
//!   placeholder drawn by code, with a warning saying why.
//!
//! Thumbnails are lossless WebP (the pure-Rust encoder of the `image` crate has no lossy
//! mode); a rendered A4 page of text is some tens of kilobytes.
//!
//! [`render_thumbnail`] makes one in memory, [`write_thumbnail`] stores it atomically,
//! [`regenerate_thumbnails`] is `pd thumbnails`, and [`Thumbnailer`] lends all this to
//! pd-store's sanity fixer.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use pd_pipeline::thumbnail::{ThumbnailKind, render_thumbnail};
//!
//! let dir = tempfile::tempdir()?;
//! let note = dir.path().join("note.txt");
//! std::fs::write(&note, "Call the landlord on 3 May 2024.\n")?;
//!
//! let thumb = render_thumbnail(&note, "text/plain", None)?;
//! assert_eq!(thumb.kind, ThumbnailKind::Text);
//! assert_eq!((thumb.width, thumb.height), (500, 700));
//! assert!(thumb.webp.starts_with(b"RIFF"));
//! # Ok(())
//! # }
//! ```

mod canvas;
mod regenerate;

use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageEncoder, RgbImage};
use pdfium_render::prelude::{PdfRenderConfig, PdfiumError};
use serde::Serialize;

pub use regenerate::{
    ThumbnailFailure, ThumbnailOptions, ThumbnailProgress, ThumbnailReport, ThumbnailWarning,
    Thumbnailer, default_processes, regenerate_thumbnails,
};

use crate::parse::{ParseError, decode_first_page, decode_text, image_format_name};
use crate::pdfium::PdfEngine;

/// The widest a thumbnail gets, in pixels (paperless-ngx's `500x5000>`).
pub const MAX_WIDTH: u32 = 500;
/// The tallest a thumbnail gets, in pixels.
pub const MAX_HEIGHT: u32 = 5000;
/// The resolution pages are rendered at before they are shrunk to fit (paperless-ngx's
/// ImageMagick density), so small pages come out as large as theirs.
pub const RENDER_DPI: f32 = 300.0;

/// How a thumbnail was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThumbnailKind {
    /// The first page of a PDF or an image, rendered.
    Page,
    /// The first lines of a text file, drawn.
    Text,
    /// The generic placeholder (see [`Thumbnail::warning`] for why).
    Placeholder,
}

/// A thumbnail in memory, ready to be stored.
#[derive(Debug, Clone)]
pub struct Thumbnail {
    /// The WebP file.
    pub webp: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// How it was made.
    pub kind: ThumbnailKind,
    /// Why the placeholder stands in for the real thing, when it does.
    pub warning: Option<String>,
}

/// Why no thumbnail could be made at all (a document that only cannot be rendered gets
/// the placeholder instead).
#[derive(Debug, thiserror::Error)]
pub enum ThumbnailError {
    /// The original could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The original.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// PDFium is missing or cannot be loaded, so no PDF can be rendered (placeholders
    /// would silently replace good thumbnails).
    #[error("{0}")]
    Engine(ParseError),
    /// The WebP encoder refused the image.
    #[error("cannot encode the thumbnail as WebP: {0}")]
    Encode(String),
    /// Storing the thumbnail or reading the library failed.
    #[error(transparent)]
    Store(#[from] pd_store::Error),
}

/// Makes the thumbnail of the original at `path`, whose type is `mime_type` (as stored
/// with the document; it is sniffed from the content when empty). `engine` is the PDFium
/// binding; with `None` one is bound on demand, for PDFs only.
///
/// A PDF that PDFium cannot open or render (damaged, password-protected, no pages), and
/// any type without a renderer, gets the placeholder and a warning.
///
/// # Errors
///
/// [`ThumbnailError::Read`] when the original cannot be read, [`ThumbnailError::Engine`]
/// when a PDF needs PDFium and it cannot be bound.
pub fn render_thumbnail(
    path: &Path,
    mime_type: &str,
    engine: Option<&PdfEngine>,
) -> Result<Thumbnail, ThumbnailError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| ThumbnailError::Read {
            path: path.to_owned(),
            source,
        })
    };
    let sniffed;
    let mime_type = if mime_type.is_empty() {
        sniffed = crate::parse::sniff_mime_type(path).unwrap_or("application/octet-stream");
        sniffed
    } else {
        mime_type
    };
    match mime_type {
        "application/pdf" => {
            let bytes = read(path)?;
            let bound;
            let engine = match engine {
                Some(engine) => engine,
                None => {
                    bound = PdfEngine::new(None).map_err(ThumbnailError::Engine)?;
                    &bound
                }
            };
            match render_first_page(engine, bytes, path) {
                Ok(page) => encode(&page, ThumbnailKind::Page, None),
                Err(err @ (ParseError::PdfiumMissing { .. } | ParseError::PdfiumLoad { .. })) => {
                    Err(ThumbnailError::Engine(err))
                }
                Err(err) => placeholder("PDF", Some(format!("{err}; using the generic thumbnail"))),
            }
        }
        "text/plain" | "text/csv" => {
            let text = decode_text(read(path)?);
            encode(&canvas::text_page(&text), ThumbnailKind::Text, None)
        }
        image if image_format_name(image) != "image" => {
            match decode_first_page(&read(path)?, image, path) {
                Ok(first) => encode(&fit_image(&first), ThumbnailKind::Page, None),
                Err(err) => {
                    placeholder("IMAGE", Some(format!("{err}; using the generic thumbnail")))
                }
            }
        }
        other => placeholder(
            label_for(other),
            Some(format!(
                "{}: no thumbnail renderer for mime type {other}; using the generic thumbnail",
                path.display()
            )),
        ),
    }
}

/// The generic placeholder, labelled with `label` (a few letters, e.g. `PDF`), carrying
/// `warning`.
///
/// # Errors
///
/// [`ThumbnailError::Encode`] only if the WebP encoder fails, which it does not for
/// images this size.
pub fn placeholder(label: &str, warning: Option<String>) -> Result<Thumbnail, ThumbnailError> {
    encode(
        &canvas::placeholder(label),
        ThumbnailKind::Placeholder,
        warning,
    )
}

/// Stores a thumbnail at `dest` through a temporary file and a rename, replacing what is
/// there. The caller holds the media lock.
///
/// # Errors
///
/// [`ThumbnailError::Store`] when the folder or file cannot be written.
pub fn write_thumbnail(thumbnail: &Thumbnail, dest: &Path) -> Result<(), ThumbnailError> {
    pd_store::media::write_atomic(dest, &thumbnail.webp)?;
    Ok(())
}

/// The pixel size a page of `width` × `height` points is rendered at: 300 dpi, shrunk
/// to fit 500 × 5000 with its aspect ratio kept, never enlarged.
///
/// ```
/// use pd_pipeline::thumbnail::page_pixels;
///
/// assert_eq!(page_pixels(595.0, 842.0), Some((500, 708))); // A4
/// assert_eq!(page_pixels(72.0, 36.0), Some((300, 150))); // small: as at 300 dpi
/// assert_eq!(page_pixels(100.0, 20000.0), Some((25, 5000))); // a long strip
/// assert_eq!(page_pixels(0.0, 842.0), None);
/// ```
pub fn page_pixels(width: f32, height: f32) -> Option<(u32, u32)> {
    if !(width.is_finite() && height.is_finite() && width > 0.0 && height > 0.0) {
        return None;
    }
    let scale = (RENDER_DPI / 72.0)
        .min(MAX_WIDTH as f32 / width)
        .min(MAX_HEIGHT as f32 / height);
    let px = |points: f32, max: u32| ((points * scale).round() as u32).clamp(1, max);
    Some((px(width, MAX_WIDTH), px(height, MAX_HEIGHT)))
}

/// An image shrunk to fit 500 × 5000 pixels with its aspect ratio kept (never
/// enlarged), flattened on white.
fn fit_image(image: &DynamicImage) -> RgbImage {
    let (width, height) = (image.width(), image.height());
    let scale = (MAX_WIDTH as f32 / width as f32)
        .min(MAX_HEIGHT as f32 / height as f32)
        .min(1.0);
    let flat = flatten_alpha(image);
    if scale >= 1.0 {
        return flat.to_rgb8();
    }
    let w = ((width as f32 * scale).round() as u32).clamp(1, MAX_WIDTH);
    let h = ((height as f32 * scale).round() as u32).clamp(1, MAX_HEIGHT);
    flat.resize_exact(w, h, image::imageops::FilterType::Triangle)
        .to_rgb8()
}

fn render_first_page(
    engine: &PdfEngine,
    bytes: Vec<u8>,
    path: &Path,
) -> Result<RgbImage, ParseError> {
    let corrupt = |message: String| ParseError::Corrupt {
        path: path.to_owned(),
        message,
    };
    let document = engine.open(bytes, path)?;
    let pages = document.pages();
    if pages.is_empty() {
        return Err(corrupt("it has no pages".into()));
    }
    let page = pages
        .get(0)
        .map_err(|e: PdfiumError| corrupt(format!("page 1: {e}")))?;
    let (width, height) = page_pixels(page.width().value, page.height().value)
        .ok_or_else(|| corrupt("page 1 has no area".into()))?;
    // Pixels are i32 in pdfium-render; both are at most 5000.
    let config = PdfRenderConfig::new().set_fixed_size(width as i32, height as i32);
    let bitmap = page
        .render_with_config(&config)
        .map_err(|e| corrupt(format!("page 1 cannot be rendered: {e}")))?;
    let rgba = bitmap.as_rgba_bytes();
    flatten_on_white(&rgba, width, height)
        .ok_or_else(|| corrupt("PDFium returned a bitmap of the wrong size".into()))
}

/// `image` without its alpha channel, composited onto white (unchanged without one).
pub(crate) fn flatten_alpha(image: &DynamicImage) -> DynamicImage {
    if !image.color().has_alpha() {
        return image.clone();
    }
    let rgba = image.to_rgba8();
    match flatten_on_white(rgba.as_raw(), rgba.width(), rgba.height()) {
        Some(rgb) => DynamicImage::ImageRgb8(rgb),
        None => DynamicImage::ImageRgb8(image.to_rgb8()),
    }
}

/// RGBA (as PDFium hands it over, byte order reversed to RGB) composited onto white.
pub(crate) fn flatten_on_white(rgba: &[u8], width: u32, height: u32) -> Option<RgbImage> {
    let pixels = width as usize * height as usize;
    if rgba.len() < pixels * 4 {
        return None;
    }
    let mut rgb = Vec::with_capacity(pixels * 3);
    for px in rgba[..pixels * 4].chunks_exact(4) {
        let alpha = u32::from(px[3]);
        for &channel in &px[..3] {
            let c = if alpha == 255 {
                channel
            } else {
                ((u32::from(channel) * alpha + 255 * (255 - alpha) + 127) / 255) as u8
            };
            rgb.push(c);
        }
    }
    RgbImage::from_raw(width, height, rgb)
}

fn encode(
    image: &RgbImage,
    kind: ThumbnailKind,
    warning: Option<String>,
) -> Result<Thumbnail, ThumbnailError> {
    let mut webp = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| ThumbnailError::Encode(e.to_string()))?;
    Ok(Thumbnail {
        webp,
        width: image.width(),
        height: image.height(),
        kind,
        warning,
    })
}

/// A few letters for the placeholder, from the mime type.
fn label_for(mime_type: &str) -> &str {
    match mime_type {
        "application/pdf" => "PDF",
        "message/rfc822" => "MAIL",
        m if m.starts_with("image/") => "IMAGE",
        m if m.starts_with("text/") => "TEXT",
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transparent_pixels_become_white() {
        let rgba = [0, 0, 0, 0, 0, 0, 0, 255, 200, 100, 0, 128];
        let rgb = flatten_on_white(&rgba, 3, 1).unwrap();
        assert_eq!(rgb.as_raw(), &[255, 255, 255, 0, 0, 0, 227, 177, 127]);
        assert!(flatten_on_white(&rgba, 4, 1).is_none());
    }

    #[test]
    fn unknown_types_get_the_placeholder_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.bin");
        std::fs::write(&path, [0u8, 1, 2]).unwrap();
        let thumb = render_thumbnail(&path, "application/octet-stream", None).unwrap();
        assert_eq!(thumb.kind, ThumbnailKind::Placeholder);
        assert!(thumb.warning.unwrap().contains("no thumbnail renderer"));
        let err = render_thumbnail(&dir.path().join("gone.txt"), "text/plain", None).unwrap_err();
        assert!(matches!(err, ThumbnailError::Read { .. }), "{err}");
    }
}
