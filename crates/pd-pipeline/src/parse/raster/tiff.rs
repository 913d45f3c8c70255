//! Multi-page TIFF: the image file directories (IFDs, one per page) found by walking
//! their chain, and each page decoded by the `image` crate from the same bytes with the
//! header's first-IFD offset pointing at that page.

use std::io::{BufRead, Read, Seek, SeekFrom};

use image::{DynamicImage, ImageFormat};

/// More pages than this is a broken or hostile file, not a scan.
const MAX_PAGES: usize = 10_000;

/// A classic TIFF's byte order and page directory offsets.
pub(crate) struct TiffPages<'a> {
    bytes: &'a [u8],
    little_endian: bool,
    ifds: Vec<u32>,
    next: usize,
}

impl<'a> TiffPages<'a> {
    /// Reads the header and walks the IFD chain.
    pub(crate) fn open(bytes: &'a [u8]) -> Result<TiffPages<'a>, String> {
        let little_endian = match bytes.get(..4) {
            Some(b"II*\0") => true,
            Some(b"MM\0*") => false,
            _ => return Err("not a TIFF file (no TIFF header)".into()),
        };
        let reader = Reader {
            bytes,
            little_endian,
        };
        let mut ifds = Vec::new();
        let mut offset = reader.u32(4).ok_or("the file ends inside its header")?;
        while offset != 0 {
            if ifds.len() >= MAX_PAGES {
                return Err(format!("more than {MAX_PAGES} pages"));
            }
            if ifds.contains(&offset) {
                return Err("its page directories form a loop".into());
            }
            let entries = reader.u16(offset).ok_or_else(|| truncated(ifds.len()))?;
            let next_at = offset as u64 + 2 + u64::from(entries) * 12;
            let next = u32::try_from(next_at)
                .ok()
                .and_then(|at| reader.u32(at))
                .ok_or_else(|| truncated(ifds.len()))?;
            ifds.push(offset);
            offset = next;
        }
        if ifds.is_empty() {
            return Err("it has no pages".into());
        }
        Ok(TiffPages {
            bytes,
            little_endian,
            ifds,
            next: 0,
        })
    }

    /// The resolution page 1 states in dots per inch, if it states one.
    pub(crate) fn dpi(&self) -> Option<f32> {
        let reader = Reader {
            bytes: self.bytes,
            little_endian: self.little_endian,
        };
        let ifd = *self.ifds.first()?;
        let entries = reader.u16(ifd)?;
        let mut x_resolution = None;
        let mut unit = 2; // inches, TIFF's default
        for i in 0..u32::from(entries) {
            let entry = ifd.checked_add(2 + i * 12)?;
            let tag = reader.u16(entry)?;
            let kind = reader.u16(entry + 2)?;
            match (tag, kind) {
                // XResolution, RATIONAL: the value is at the offset in the entry.
                (282, 5) => {
                    let at = reader.u32(entry + 8)?;
                    let (num, den) = (reader.u32(at)?, reader.u32(at.checked_add(4)?)?);
                    if den != 0 {
                        x_resolution = Some(num as f32 / den as f32);
                    }
                }
                // ResolutionUnit, SHORT: 1 none, 2 inch, 3 centimetre.
                (296, 3) => unit = reader.u16(entry + 8)?,
                _ => {}
            }
        }
        match unit {
            2 => x_resolution,
            3 => x_resolution.map(|r| r * 2.54),
            _ => None,
        }
    }

    fn decode(&self, ifd: u32) -> Result<DynamicImage, String> {
        let mut header = [0u8; 8];
        header[..4].copy_from_slice(&self.bytes[..4]);
        header[4..].copy_from_slice(&if self.little_endian {
            ifd.to_le_bytes()
        } else {
            ifd.to_be_bytes()
        });
        let reader = PatchedHeader {
            bytes: self.bytes,
            header,
            position: 0,
        };
        super::decode(reader, ImageFormat::Tiff)
    }
}

impl Iterator for TiffPages<'_> {
    type Item = Result<DynamicImage, String>;

    fn next(&mut self) -> Option<Self::Item> {
        let ifd = *self.ifds.get(self.next)?;
        let page = self.next + 1;
        self.next += 1;
        Some(self.decode(ifd).map_err(|e| format!("page {page}: {e}")))
    }
}

fn truncated(pages_found: usize) -> String {
    format!(
        "the file is truncated: page {} has no complete directory",
        pages_found + 1
    )
}

/// Reads numbers in the file's byte order; `None` past the end.
struct Reader<'a> {
    bytes: &'a [u8],
    little_endian: bool,
}

impl Reader<'_> {
    fn u16(&self, at: u32) -> Option<u16> {
        let at = at as usize;
        let b: [u8; 2] = self.bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.little_endian {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn u32(&self, at: u32) -> Option<u32> {
        let at = at as usize;
        let b: [u8; 4] = self.bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.little_endian {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }
}

/// The file's bytes with the first eight (the header) replaced.
struct PatchedHeader<'a> {
    bytes: &'a [u8],
    header: [u8; 8],
    position: u64,
}

impl BufRead for PatchedHeader<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        let at = usize::try_from(self.position).unwrap_or(usize::MAX);
        Ok(if at < self.header.len() {
            &self.header[at..]
        } else {
            self.bytes.get(at..).unwrap_or(&[])
        })
    }

    fn consume(&mut self, amount: usize) {
        self.position += amount as u64;
    }
}

impl Read for PatchedHeader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl Seek for PatchedHeader<'_> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let len = self.bytes.len() as i128;
        let target = match to {
            SeekFrom::Start(at) => i128::from(at),
            SeekFrom::End(delta) => len + i128::from(delta),
            SeekFrom::Current(delta) => i128::from(self.position) + i128::from(delta),
        };
        if target < 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            ));
        }
        self.position = u64::try_from(target).unwrap_or(u64::MAX);
        Ok(self.position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian TIFF with one IFD of `entries` entries per page, no pixel data.
    fn skeleton(pages: usize) -> Vec<u8> {
        let mut out = b"II*\0".to_vec();
        out.extend_from_slice(&8u32.to_le_bytes());
        for page in 0..pages {
            let ifd_start = out.len() as u32;
            out.extend_from_slice(&0u16.to_le_bytes());
            let next = if page + 1 < pages { ifd_start + 6 } else { 0 };
            out.extend_from_slice(&next.to_le_bytes());
        }
        out
    }

    #[test]
    fn page_directories_are_found_and_checked() {
        let three = skeleton(3);
        assert_eq!(TiffPages::open(&three).unwrap().ifds, [8, 14, 20]);
        let err = TiffPages::open(&three[..16]).err().unwrap();
        assert!(err.contains("truncated"), "{err}");
        let mut looping = skeleton(2);
        let len = looping.len();
        looping[len - 4..].copy_from_slice(&8u32.to_le_bytes());
        let err = TiffPages::open(&looping).err().unwrap();
        assert!(err.contains("loop"), "{err}");
        assert!(TiffPages::open(b"II*\0\0\0\0\0").is_err());
        assert!(TiffPages::open(b"II*").is_err());
    }

    #[test]
    fn patched_reader_serves_the_new_header_then_the_file() {
        let bytes = b"II*\0\x08\0\0\0rest";
        let mut reader = PatchedHeader {
            bytes,
            header: *b"II*\0\x10\0\0\0",
            position: 0,
        };
        let mut all = Vec::new();
        reader.read_to_end(&mut all).unwrap();
        assert_eq!(all, b"II*\0\x10\0\0\0rest");
        reader.seek(SeekFrom::Start(6)).unwrap();
        let mut two = [0u8; 4];
        reader.read_exact(&mut two).unwrap();
        assert_eq!(&two, b"\0\0re");
        assert_eq!(reader.seek(SeekFrom::End(-1)).unwrap(), 11);
    }
}
