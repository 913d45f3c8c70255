//! How a page image goes into the PDF: JPEG for photographs, lossless Flate for
//! scans of paper (bilevel as one bit per pixel, grey as one byte), chosen from the
//! pixels themselves.

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use image::{DynamicImage, GrayImage, ImageDecoder, ImageEncoder, RgbImage};
use pdf_writer::Filter;

/// How page images are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImageCompression {
    /// Decide per page: bilevel and paper-like grey pages lossless (Flate), colour
    /// and photographic grey pages JPEG at quality 85.
    #[default]
    Auto,
    /// Always JPEG at this quality (1–100).
    Jpeg(u8),
    /// Always lossless (Flate).
    Lossless,
}

/// The colour space of an encoded image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Colour {
    Gray,
    Rgb,
}

/// A page image ready to be written as an image XObject.
#[derive(Debug)]
pub(super) struct EncodedImage {
    pub data: Vec<u8>,
    pub filter: Filter,
    pub width: u32,
    pub height: u32,
    pub colour: Colour,
    pub bits_per_component: i32,
}

const JPEG_QUALITY: u8 = 85;
/// A channel spread at most this large counts as grey.
const GREY_TOLERANCE: u8 = 8;
/// Luma at least this bright is paper.
const PAPER: u8 = 224;
/// Pages with at least this share of paper are scans of documents.
const PAPER_SHARE: f64 = 0.6;

/// Encodes `image` (alpha flattened onto white) as `mode` says.
pub(super) fn encode_image(
    image: &DynamicImage,
    mode: ImageCompression,
) -> Result<EncodedImage, String> {
    // Grey scans, the common case, never take the detour through RGB.
    let luma = match image {
        DynamicImage::ImageLuma8(luma) => std::borrow::Cow::Borrowed(luma),
        _ => {
            let rgb = flatten(image);
            if !is_grey(&rgb) {
                return match mode {
                    ImageCompression::Jpeg(quality) => jpeg_rgb(&rgb, quality.clamp(1, 100)),
                    ImageCompression::Lossless => Ok(flate_rgb(&rgb)),
                    ImageCompression::Auto => jpeg_rgb(&rgb, JPEG_QUALITY),
                };
            }
            std::borrow::Cow::Owned(to_grey(&rgb))
        }
    };
    match mode {
        ImageCompression::Jpeg(quality) => jpeg_grey(&luma, quality.clamp(1, 100)),
        ImageCompression::Lossless => Ok(flate_grey(&luma)),
        ImageCompression::Auto => {
            let raw = luma.as_raw();
            let paper = raw.iter().filter(|&&v| v >= PAPER).count();
            if raw.is_empty() || paper as f64 / raw.len() as f64 >= PAPER_SHARE {
                Ok(flate_grey(&luma))
            } else {
                jpeg_grey(&luma, JPEG_QUALITY)
            }
        }
    }
}

/// `jpeg` as it is, when it is the JPEG `image` was decoded from: a JFIF/baseline
/// stream whose size and colour (grey or RGB) match the image.
pub(super) fn jpeg_as_is(jpeg: &[u8], image: &DynamicImage) -> Option<EncodedImage> {
    let colour = match image {
        DynamicImage::ImageLuma8(_) => Colour::Gray,
        DynamicImage::ImageRgb8(_) => Colour::Rgb,
        _ => return None,
    };
    let mut decoder = image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(jpeg)).ok()?;
    let (width, height) = decoder.dimensions();
    let expected = match colour {
        Colour::Gray => image::ColorType::L8,
        Colour::Rgb => image::ColorType::Rgb8,
    };
    if (width, height) != (image.width(), image.height()) || decoder.color_type() != expected {
        return None;
    }
    // An orientation tag would turn the page in some readers and not in others.
    if decoder.orientation().ok()? != image::metadata::Orientation::NoTransforms {
        return None;
    }
    Some(EncodedImage {
        data: jpeg.to_vec(),
        filter: Filter::DctDecode,
        width,
        height,
        colour,
        bits_per_component: 8,
    })
}

/// RGB with any alpha composited onto white (PDF/A needs no transparency then).
fn flatten(image: &DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.to_rgb8();
    }
    let rgba = image.to_rgba8();
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (out, px) in rgb.pixels_mut().zip(rgba.pixels()) {
        let alpha = u32::from(px[3]);
        for c in 0..3 {
            out[c] = ((u32::from(px[c]) * alpha + 255 * (255 - alpha) + 127) / 255) as u8;
        }
    }
    rgb
}

/// The image as grey when every pixel is (near) grey, else as it is: a third of the
/// memory for scans rendered in RGB, and what [`encode_image`] would find anyway.
pub(crate) fn grey_if_grey(rgb: RgbImage) -> DynamicImage {
    if is_grey(&rgb) {
        DynamicImage::ImageLuma8(to_grey(&rgb))
    } else {
        DynamicImage::ImageRgb8(rgb)
    }
}

fn is_grey(rgb: &RgbImage) -> bool {
    rgb.pixels().all(|p| {
        let max = p[0].max(p[1]).max(p[2]);
        let min = p[0].min(p[1]).min(p[2]);
        max - min <= GREY_TOLERANCE
    })
}

fn to_grey(rgb: &RgbImage) -> GrayImage {
    let mut grey = GrayImage::new(rgb.width(), rgb.height());
    for (out, p) in grey.pixels_mut().zip(rgb.pixels()) {
        let l =
            (299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2]) + 500) / 1000;
        out[0] = l as u8;
    }
    grey
}

fn jpeg_rgb(rgb: &RgbImage, quality: u8) -> Result<EncodedImage, String> {
    jpeg(
        rgb.as_raw(),
        rgb.width(),
        rgb.height(),
        image::ExtendedColorType::Rgb8,
        quality,
    )
}

fn jpeg_grey(luma: &GrayImage, quality: u8) -> Result<EncodedImage, String> {
    jpeg(
        luma.as_raw(),
        luma.width(),
        luma.height(),
        image::ExtendedColorType::L8,
        quality,
    )
}

fn jpeg(
    pixels: &[u8],
    width: u32,
    height: u32,
    colour: image::ExtendedColorType,
    quality: u8,
) -> Result<EncodedImage, String> {
    let mut data = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut data, quality)
        .write_image(pixels, width, height, colour)
        .map_err(|e| format!("cannot encode the page as JPEG: {e}"))?;
    Ok(EncodedImage {
        data,
        filter: Filter::DctDecode,
        width,
        height,
        colour: if colour == image::ExtendedColorType::L8 {
            Colour::Gray
        } else {
            Colour::Rgb
        },
        bits_per_component: 8,
    })
}

/// Grey as one bit per pixel when it holds only black and white, else one byte.
fn flate_grey(luma: &GrayImage) -> EncodedImage {
    let bilevel = luma.as_raw().iter().all(|&v| v == 0 || v == 255);
    let (raw, bits) = if bilevel {
        let row_bytes = (luma.width() as usize).div_ceil(8);
        let mut packed = vec![0u8; row_bytes * luma.height() as usize];
        for (y, row) in luma
            .as_raw()
            .chunks(luma.width().max(1) as usize)
            .enumerate()
        {
            for (x, &v) in row.iter().enumerate() {
                if v == 255 {
                    packed[y * row_bytes + x / 8] |= 0x80 >> (x % 8);
                }
            }
        }
        (packed, 1)
    } else {
        (luma.as_raw().clone(), 8)
    };
    EncodedImage {
        data: deflate(&raw),
        filter: Filter::FlateDecode,
        width: luma.width(),
        height: luma.height(),
        colour: Colour::Gray,
        bits_per_component: bits,
    }
}

fn flate_rgb(rgb: &RgbImage) -> EncodedImage {
    EncodedImage {
        data: deflate(rgb.as_raw()),
        filter: Filter::FlateDecode,
        width: rgb.width(),
        height: rgb.height(),
        colour: Colour::Rgb,
        bits_per_component: 8,
    }
}

/// zlib-compressed bytes, as `FlateDecode` reads them.
pub(super) fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::new(6));
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Luma, Rgb, Rgba, RgbaImage};

    #[test]
    fn black_on_white_is_one_bit_flate() {
        let mut page = GrayImage::from_pixel(20, 4, Luma([255]));
        page.put_pixel(3, 1, Luma([0]));
        let out = encode_image(&DynamicImage::ImageLuma8(page), ImageCompression::Auto).unwrap();
        assert_eq!(out.filter, Filter::FlateDecode);
        assert_eq!((out.colour, out.bits_per_component), (Colour::Gray, 1));
        let mut raw = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(&out.data[..]), &mut raw)
            .unwrap();
        assert_eq!(raw.len(), 3 * 4);
        assert_eq!(raw[3], 0b1110_1111);
        assert_eq!(raw[0], 0xFF);
    }

    #[test]
    fn colour_photographs_are_jpeg_and_grey_paper_is_lossless() {
        let photo = RgbImage::from_fn(16, 16, |x, y| Rgb([(x * 16) as u8, (y * 16) as u8, 90]));
        let out = encode_image(&DynamicImage::ImageRgb8(photo), ImageCompression::Auto).unwrap();
        assert_eq!((out.filter, out.colour), (Filter::DctDecode, Colour::Rgb));
        assert!(out.data.starts_with(&[0xFF, 0xD8]));

        let scan = GrayImage::from_fn(16, 16, |x, _| Luma([if x == 3 { 90 } else { 250 }]));
        let out = encode_image(&DynamicImage::ImageLuma8(scan), ImageCompression::Auto).unwrap();
        assert_eq!(
            (out.filter, out.bits_per_component),
            (Filter::FlateDecode, 8)
        );

        let dark = GrayImage::from_fn(16, 16, |x, y| Luma([(x * 8 + y) as u8]));
        let out = encode_image(&DynamicImage::ImageLuma8(dark), ImageCompression::Auto).unwrap();
        assert_eq!((out.filter, out.colour), (Filter::DctDecode, Colour::Gray));
    }

    #[test]
    fn alpha_is_flattened_onto_white() {
        let img = RgbaImage::from_pixel(2, 2, Rgba([0, 0, 0, 0]));
        let out = encode_image(&DynamicImage::ImageRgba8(img), ImageCompression::Lossless).unwrap();
        assert_eq!((out.colour, out.bits_per_component), (Colour::Gray, 1));
    }
}
