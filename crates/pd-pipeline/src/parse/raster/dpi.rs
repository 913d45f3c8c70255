//! The resolution an image file states: PNG's `pHYs`, JPEG's JFIF density, TIFF's
//! `XResolution`, BMP's pixels per metre. GIF and WebP state none.

/// Resolutions outside this range are taken for unset or wrong.
const PLAUSIBLE: std::ops::RangeInclusive<f32> = 10.0..=10_000.0;

const INCHES_PER_METRE: f32 = 39.370_08;

/// The horizontal resolution `bytes` states, in dots per inch.
pub(super) fn stated(bytes: &[u8], mime_type: &str) -> Option<f32> {
    let dpi = match mime_type {
        "image/png" => png(bytes),
        "image/jpeg" => jpeg(bytes),
        "image/tiff" => super::tiff::TiffPages::open(bytes).ok()?.dpi(),
        "image/bmp" => bmp(bytes),
        _ => None,
    }?;
    PLAUSIBLE.contains(&dpi).then_some(dpi)
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

/// The `pHYs` chunk, in pixels per metre when its unit is 1.
fn png(bytes: &[u8]) -> Option<f32> {
    let mut at = 8; // the signature
    loop {
        let length = be32(bytes, at)? as usize;
        let kind = bytes.get(at + 4..at + 8)?;
        match kind {
            b"pHYs" => {
                let data = at + 8;
                let per_unit = be32(bytes, data)?;
                let unit = *bytes.get(data + 8)?;
                return (unit == 1).then(|| per_unit as f32 / INCHES_PER_METRE);
            }
            b"IDAT" | b"IEND" => return None,
            _ => at = at.checked_add(12)?.checked_add(length)?,
        }
    }
}

/// The JFIF APP0 segment's density, when its unit is dots per inch (1) or per
/// centimetre (2).
fn jpeg(bytes: &[u8]) -> Option<f32> {
    let mut at = 2; // SOI
    loop {
        if *bytes.get(at)? != 0xff {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        let length = be16(bytes, at + 2)? as usize;
        if marker == 0xe0 && bytes.get(at + 4..at + 9)? == b"JFIF\0" {
            let unit = *bytes.get(at + 11)?;
            let density = f32::from(be16(bytes, at + 12)?);
            return match unit {
                1 => Some(density),
                2 => Some(density * 2.54),
                _ => None,
            };
        }
        // The image data starts: no JFIF header came before it.
        if marker == 0xda {
            return None;
        }
        at = at.checked_add(2)?.checked_add(length)?;
    }
}

/// `biXPelsPerMeter` of a BITMAPINFOHEADER (or a later version of it).
fn bmp(bytes: &[u8]) -> Option<f32> {
    let header_size = u32::from_le_bytes(bytes.get(14..18)?.try_into().ok()?);
    if header_size < 40 {
        return None;
    }
    let per_metre = i32::from_le_bytes(bytes.get(38..42)?.try_into().ok()?);
    (per_metre > 0).then(|| per_metre as f32 / INCHES_PER_METRE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_phys_chunk() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&[0; 13 + 4]);
        png.extend_from_slice(&9u32.to_be_bytes());
        png.extend_from_slice(b"pHYs");
        png.extend_from_slice(&11811u32.to_be_bytes()); // 300 dpi
        png.extend_from_slice(&11811u32.to_be_bytes());
        png.push(1);
        png.extend_from_slice(&[0; 4]);
        let dpi = stated(&png, "image/png").unwrap();
        assert!((dpi - 300.0).abs() < 0.1, "{dpi}");
        assert_eq!(stated(&png[..40], "image/png"), None);
    }

    #[test]
    fn jpeg_jfif_density() {
        let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe0, 0, 16];
        jpeg.extend_from_slice(b"JFIF\0\x01\x02");
        jpeg.push(1);
        jpeg.extend_from_slice(&200u16.to_be_bytes());
        jpeg.extend_from_slice(&200u16.to_be_bytes());
        jpeg.extend_from_slice(&[0, 0]);
        assert_eq!(stated(&jpeg, "image/jpeg"), Some(200.0));
        jpeg[13] = 0; // aspect ratio only
        assert_eq!(stated(&jpeg, "image/jpeg"), None);
        assert_eq!(stated(&[0xff, 0xd8], "image/jpeg"), None);
    }

    #[test]
    fn bmp_pixels_per_metre() {
        let mut bmp = vec![0u8; 54];
        bmp[..2].copy_from_slice(b"BM");
        bmp[14..18].copy_from_slice(&40u32.to_le_bytes());
        bmp[38..42].copy_from_slice(&5906i32.to_le_bytes()); // 150 dpi
        let dpi = stated(&bmp, "image/bmp").unwrap();
        assert!((dpi - 150.0).abs() < 0.1, "{dpi}");
        bmp[38..42].copy_from_slice(&0i32.to_le_bytes());
        assert_eq!(stated(&bmp, "image/bmp"), None);
    }
}
