//! Pages packed for Tesseract: several page images in one uncompressed multi-page
//! TIFF, which Tesseract reads from standard input in one run (its language model is
//! loaded once for all of them), each page with its own resolution. A page is either
//! grey (8 bits) or, when pd thresholds it first, black and white (1 bit), which
//! Tesseract reads with less work.

use image::{DynamicImage, GrayImage};

/// A page image ready to be packed: the part of the page with ink on it, with a white
/// margin around, and where that part sits on the page.
///
/// Tesseract's layout analysis (rule-line finding, connected components, column
/// finding) costs time for every pixel, blank or not; its recognition costs time for
/// the text lines only. Most pages of letters have wide blank margins and a blank lower
/// half, so Tesseract gets only the rectangle that holds the ink, plus a margin so that
/// nothing touches the image's edge: the same words, in less time. Word boxes are moved
/// back by [`Packed::origin`].
pub(super) struct Packed {
    pub(super) pixels: Pixels,
    /// The page coordinates of the packed pixels' top left corner.
    pub(super) origin: (u32, u32),
}

/// Packed pixels.
pub(super) enum Pixels {
    /// Eight-bit grey, black is 0.
    Grey(GrayImage),
    /// One bit per pixel, rows padded to whole bytes, a set bit is ink.
    Bilevel {
        width: u32,
        height: u32,
        bits: Vec<u8>,
    },
}

impl Packed {
    /// `image` as grey, transparent pixels on white, cropped to its ink (what Otsu's
    /// threshold counts as ink) with `margin` pixels of the page around it (a page
    /// without ink keeps a blank corner); thresholded to black and white with Otsu's
    /// method when `bilevel`.
    pub(super) fn new(image: &DynamicImage, bilevel: bool, margin: u32) -> Packed {
        let grey = if image.color().has_alpha() {
            std::borrow::Cow::Owned(crate::thumbnail::flatten_alpha(image).to_luma8())
        } else {
            match image {
                DynamicImage::ImageLuma8(grey) => std::borrow::Cow::Borrowed(grey),
                other => std::borrow::Cow::Owned(other.to_luma8()),
            }
        };
        let threshold = otsu_threshold(&grey);
        let (page_width, page_height) = grey.dimensions();
        let (left, top, right, bottom) = match ink_box(&grey, threshold) {
            Some((left, top, right, bottom)) => (
                // Whole bytes on the left, so that bilevel rows are copied as they are.
                left.saturating_sub(margin) / 8 * 8,
                top.saturating_sub(margin),
                right.saturating_add(margin).min(page_width),
                bottom.saturating_add(margin).min(page_height),
            ),
            // (An image without pixels stays without: Tesseract is not asked to read it.)
            None => (
                0,
                0,
                margin.max(1).min(page_width),
                margin.max(1).min(page_height),
            ),
        };
        let (width, height) = (right - left, bottom - top);
        let origin = (left, top);
        if !bilevel {
            let cropped = if (width, height) == (page_width, page_height) {
                grey.into_owned()
            } else {
                image::imageops::crop_imm(grey.as_ref(), left, top, width, height).to_image()
            };
            return Packed {
                pixels: Pixels::Grey(cropped),
                origin,
            };
        }
        let row_bytes = width.div_ceil(8) as usize;
        let mut bits = vec![0u8; row_bytes * height as usize];
        let raw = grey.as_raw();
        for (y, out) in (top..bottom).zip(bits.chunks_exact_mut(row_bytes.max(1))) {
            let start = y as usize * page_width as usize + left as usize;
            let row = &raw[start..start + width as usize];
            // Eight pixels a byte, without branches: the compiler vectorises this.
            for (pixels, byte) in row.chunks(8).zip(out.iter_mut()) {
                *byte = pixels
                    .iter()
                    .enumerate()
                    .fold(0u8, |b, (i, &v)| b | (u8::from(v <= threshold) << (7 - i)));
            }
        }
        Packed {
            pixels: Pixels::Bilevel {
                width,
                height,
                bits,
            },
            origin,
        }
    }

    pub(super) fn dimensions(&self) -> (u32, u32) {
        match &self.pixels {
            Pixels::Grey(grey) => grey.dimensions(),
            Pixels::Bilevel { width, height, .. } => (*width, *height),
        }
    }

    fn data(&self) -> &[u8] {
        match &self.pixels {
            Pixels::Grey(grey) => grey.as_raw(),
            Pixels::Bilevel { bits, .. } => bits,
        }
    }
}

/// The smallest rectangle holding every pixel at or below `threshold`:
/// `(left, top, right, bottom)`, right and bottom exclusive; `None` for a page without
/// ink.
fn ink_box(grey: &GrayImage, threshold: u8) -> Option<(u32, u32, u32, u32)> {
    let width = grey.width() as usize;
    if width == 0 {
        return None;
    }
    let mut found: Option<(usize, usize, usize, usize)> = None;
    for (y, row) in grey.as_raw().chunks_exact(width).enumerate() {
        let Some(first) = row.iter().position(|&v| v <= threshold) else {
            continue;
        };
        // Only what lies beyond the columns already known needs looking at.
        let (left, right) = match found {
            Some((left, _, right, _)) => (left.min(first), right),
            None => (first, first + 1),
        };
        let last = row[right..]
            .iter()
            .rposition(|&v| v <= threshold)
            .map_or(right, |i| right + i + 1);
        let top = found.map_or(y, |(_, top, _, _)| top);
        found = Some((left, top, last, y + 1));
    }
    found.map(|(left, top, right, bottom)| (left as u32, top as u32, right as u32, bottom as u32))
}

/// The grey level at or below which a pixel is ink: Otsu's threshold, the one that
/// best separates the histogram into two classes (what Tesseract uses by default).
pub(super) fn otsu_threshold(grey: &GrayImage) -> u8 {
    let mut histogram = [0u64; 256];
    for &value in grey.as_raw() {
        histogram[usize::from(value)] += 1;
    }
    let total: u64 = histogram.iter().sum();
    if total == 0 {
        return 127;
    }
    let sum_all: f64 = histogram
        .iter()
        .enumerate()
        .map(|(value, &n)| value as f64 * n as f64)
        .sum();
    let (mut below, mut sum_below) = (0u64, 0f64);
    let (mut best, mut best_variance) = (127u8, -1f64);
    for (value, &n) in histogram.iter().enumerate() {
        below += n;
        if below == 0 {
            continue;
        }
        let above = total - below;
        if above == 0 {
            break;
        }
        sum_below += value as f64 * n as f64;
        let mean_below = sum_below / below as f64;
        let mean_above = (sum_all - sum_below) / above as f64;
        let variance = below as f64 * above as f64 * (mean_below - mean_above).powi(2);
        if variance > best_variance {
            best_variance = variance;
            best = value as u8;
        }
    }
    best
}

/// The pages as one little-endian, uncompressed, multi-page TIFF; each page states its
/// resolution in pixels per inch.
pub(super) fn multipage_tiff(pages: &[(Packed, u32)]) -> Vec<u8> {
    const ENTRIES: u16 = 12;
    let size: usize = pages
        .iter()
        .map(|(page, _)| page.data().len() + 2 + 16 + 2 + 12 * usize::from(ENTRIES) + 4)
        .sum();
    let mut out = Vec::with_capacity(8 + size);
    out.extend_from_slice(b"II");
    out.extend_from_slice(&42u16.to_le_bytes());
    // Where the first directory's offset goes; patched below, as every next one.
    let mut link_at = out.len();
    out.extend_from_slice(&0u32.to_le_bytes());
    for (page, dpi) in pages {
        let (width, height) = page.dimensions();
        let strip_at = out.len() as u32;
        out.extend_from_slice(page.data());
        if !out.len().is_multiple_of(2) {
            out.push(0);
        }
        let resolution_at = out.len() as u32;
        for _ in 0..2 {
            out.extend_from_slice(&dpi.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
        }
        let directory_at = out.len() as u32;
        out[link_at..link_at + 4].copy_from_slice(&directory_at.to_le_bytes());
        let (bits, photometric) = match page.pixels {
            // Grey: black is zero. Bilevel: a set bit is black (white is zero).
            Pixels::Grey(_) => (8, 1),
            Pixels::Bilevel { .. } => (1, 0),
        };
        let entries: [(u16, u16, u32); ENTRIES as usize] = [
            (256, 4, width),
            (257, 4, height),
            (258, 3, bits),
            (259, 3, 1), // no compression
            (262, 3, photometric),
            (273, 4, strip_at),
            (277, 3, 1), // samples per pixel
            (278, 4, height),
            (279, 4, page.data().len() as u32),
            (282, 5, resolution_at),
            (283, 5, resolution_at + 8),
            (296, 3, 2), // resolution in inches
        ];
        out.extend_from_slice(&ENTRIES.to_le_bytes());
        for (tag, kind, value) in entries {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
            if kind == 3 {
                // A SHORT sits in the first two bytes of the value field.
                out.extend_from_slice(&(value as u16).to_le_bytes());
                out.extend_from_slice(&[0, 0]);
            } else {
                out.extend_from_slice(&value.to_le_bytes());
            }
        }
        link_at = out.len();
        out.extend_from_slice(&0u32.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    #[test]
    fn otsu_splits_ink_from_paper() {
        let mut grey = GrayImage::from_pixel(10, 10, Luma([230]));
        for x in 0..10 {
            grey.put_pixel(x, 0, Luma([20]));
            grey.put_pixel(x, 1, Luma([40]));
        }
        let threshold = otsu_threshold(&grey);
        assert!((40..230).contains(&threshold), "{threshold}");
    }

    #[test]
    fn pages_are_cropped_to_their_ink_with_a_margin() {
        let mut page = GrayImage::from_pixel(200, 100, Luma([250]));
        for x in 50..70 {
            page.put_pixel(x, 40, Luma([10]));
        }
        page.put_pixel(60, 45, Luma([10]));
        let image = DynamicImage::ImageLuma8(page.clone());

        // Ink spans x 50..70, y 40..46; 10 pixels of margin, the left edge on a byte.
        let packed = Packed::new(&image, true, 10);
        assert_eq!(packed.origin, (40, 30));
        assert_eq!(packed.dimensions(), (40, 26));
        let Pixels::Bilevel { bits, .. } = &packed.pixels else {
            panic!("bilevel asked for");
        };
        let ink = |x: u32, y: u32| bits[(y * 5 + x / 8) as usize] & (0x80 >> (x % 8)) != 0;
        let inked: Vec<(u32, u32)> = (0..26)
            .flat_map(|y| (0..40).map(move |x| (x, y)))
            .filter(|&(x, y)| ink(x, y))
            .collect();
        let expected: Vec<(u32, u32)> = (10..30)
            .map(|x| (x, 10))
            .chain(std::iter::once((20, 15)))
            .collect();
        assert_eq!(inked, expected);

        // Grey pages are cropped the same way, pixels unchanged.
        let grey = Packed::new(&image, false, 10);
        assert_eq!(grey.origin, (40, 30));
        let Pixels::Grey(cropped) = &grey.pixels else {
            panic!("grey asked for");
        };
        assert_eq!(cropped.dimensions(), (40, 26));
        assert_eq!(cropped.get_pixel(20, 15), page.get_pixel(60, 45));

        // The margin stops at the page's edges.
        let wide = Packed::new(&image, true, 100);
        assert_eq!((wide.origin, wide.dimensions()), ((0, 0), (170, 100)));

        // A blank page keeps a blank corner, nothing for Tesseract to look at.
        let blank = DynamicImage::ImageLuma8(GrayImage::from_pixel(200, 100, Luma([255])));
        let packed = Packed::new(&blank, true, 10);
        assert_eq!((packed.origin, packed.dimensions()), ((0, 0), (10, 10)));
        let Pixels::Bilevel { bits, .. } = &packed.pixels else {
            panic!("bilevel asked for");
        };
        assert!(bits.iter().all(|&b| b == 0));

        // An image without pixels stays without.
        for (width, height) in [(0, 0), (0, 5), (5, 0)] {
            let empty = DynamicImage::ImageLuma8(GrayImage::new(width, height));
            for bilevel in [true, false] {
                let packed = Packed::new(&empty, bilevel, 10);
                assert_eq!(packed.dimensions(), (width.min(10), height.min(10)));
                assert!(packed.data().is_empty());
            }
        }
    }

    #[test]
    fn pages_read_back_with_their_pixels_and_resolution() {
        let mut first = GrayImage::from_pixel(13, 3, Luma([255]));
        first.put_pixel(0, 0, Luma([0]));
        first.put_pixel(12, 2, Luma([10]));
        let second = GrayImage::from_fn(5, 4, |x, y| Luma([(x * 40 + y) as u8]));
        let tiff = multipage_tiff(&[
            (Packed::new(&DynamicImage::ImageLuma8(first), true, 16), 300),
            (
                Packed::new(&DynamicImage::ImageLuma8(second.clone()), false, 16),
                150,
            ),
        ]);

        let mut decoder = tiff::decoder::Decoder::new(std::io::Cursor::new(tiff)).unwrap();
        assert_eq!(decoder.dimensions().unwrap(), (13, 3));
        let resolution = decoder
            .get_tag_u32_vec(tiff::tags::Tag::XResolution)
            .unwrap();
        assert_eq!(resolution, [300, 1]);
        let tiff::decoder::DecodingResult::U8(bits) = decoder.read_image().unwrap() else {
            panic!("one-bit pages decode to bytes");
        };
        // Two bytes a row; stored with white as zero, the decoder hands them back
        // with black as zero: the two ink pixels are the only clear bits.
        assert_eq!(bits.len(), 6);
        assert_eq!(bits[0], 0x7f);
        assert_eq!(bits[5], 0xf7);
        assert!(bits[1..5].iter().all(|&b| b == 0xff), "{bits:?}");
        assert!(decoder.more_images());
        decoder.next_image().unwrap();
        assert_eq!(decoder.dimensions().unwrap(), (5, 4));
        let tiff::decoder::DecodingResult::U8(grey) = decoder.read_image().unwrap() else {
            panic!("grey pages decode to bytes");
        };
        assert_eq!(grey, second.into_raw());
        assert!(!decoder.more_images());
    }
}
