//! Lists an export keeps on disk rather than in memory — the files it will copy, the
//! files it staged — so its memory does not grow with the library.
//!
//! A spool is an unnamed temporary file (gone when dropped, or when the process dies)
//! holding records of byte fields, each field written as its length (`u32`, little
//! endian) and its bytes. Records are read back in the order they were written.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::{Error, Result};

/// Records of `N` byte fields, written then read back once.
pub(crate) struct Spool<const N: usize> {
    out: BufWriter<File>,
    /// Records written.
    pub len: usize,
}

impl<const N: usize> Spool<N> {
    /// A new, empty spool in `dir`.
    pub fn new_in(dir: &Path) -> Result<Spool<N>> {
        let file = tempfile::tempfile_in(dir)
            .map_err(|e| Error::io("cannot create a temporary file in", dir, e))?;
        Ok(Spool {
            out: BufWriter::with_capacity(64 * 1024, file),
            len: 0,
        })
    }

    /// Appends one record.
    pub fn push(&mut self, fields: [&[u8]; N]) -> Result<()> {
        let write = |out: &mut BufWriter<File>| -> io::Result<()> {
            for field in fields {
                let len = u32::try_from(field.len())
                    .map_err(|_| io::Error::other("a spooled field is over 4 GiB"))?;
                out.write_all(&len.to_le_bytes())?;
                out.write_all(field)?;
            }
            Ok(())
        };
        write(&mut self.out).map_err(spool_err)?;
        self.len += 1;
        Ok(())
    }

    /// The records, from the first.
    pub fn read(self) -> Result<SpoolReader<N>> {
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| spool_err(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(spool_err)?;
        Ok(SpoolReader {
            input: BufReader::with_capacity(64 * 1024, file),
            left: self.len,
            len: self.len,
        })
    }
}

/// Reads a [`Spool`]'s records back.
pub(crate) struct SpoolReader<const N: usize> {
    input: BufReader<File>,
    left: usize,
    len: usize,
}

impl<const N: usize> SpoolReader<N> {
    /// How many records there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Back to the first record.
    pub fn rewind(&mut self) -> Result<()> {
        self.input.seek(SeekFrom::Start(0)).map_err(spool_err)?;
        self.left = self.len;
        Ok(())
    }

    /// The next record, or `None` after the last.
    pub fn next_record(&mut self) -> Result<Option<[Vec<u8>; N]>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let mut fields: [Vec<u8>; N] = std::array::from_fn(|_| Vec::new());
        for field in &mut fields {
            let mut len = [0u8; 4];
            self.input.read_exact(&mut len).map_err(spool_err)?;
            field.resize(u32::from_le_bytes(len) as usize, 0);
            self.input.read_exact(field).map_err(spool_err)?;
        }
        Ok(Some(fields))
    }
}

fn spool_err(e: io::Error) -> Error {
    Error::io(
        "cannot use a temporary list",
        Path::new("(unnamed temporary file)"),
        e,
    )
}

/// A path as bytes, and back (Unix paths are bytes; elsewhere, UTF-8).
pub(crate) fn path_bytes(path: &Path) -> &[u8] {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes()
    }
    #[cfg(not(unix))]
    {
        path.to_str().unwrap_or_default().as_bytes()
    }
}

/// The path [`path_bytes`] gave.
pub(crate) fn bytes_path(bytes: Vec<u8>) -> std::path::PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        std::ffi::OsString::from_vec(bytes).into()
    }
    #[cfg(not(unix))]
    {
        String::from_utf8_lossy(&bytes).into_owned().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_in_order_with_every_byte() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::<2>::new_in(dir.path()).unwrap();
        let long = vec![0xffu8; 200_000];
        spool.push([b"a", b""]).unwrap();
        spool.push([&long, b"\n\0x"]).unwrap();
        spool.push([b"", b"last"]).unwrap();
        assert_eq!(spool.len, 3);
        let mut reader = spool.read().unwrap();
        assert_eq!(
            reader.next_record().unwrap(),
            Some([b"a".to_vec(), Vec::new()])
        );
        assert_eq!(
            reader.next_record().unwrap(),
            Some([long, b"\n\0x".to_vec()])
        );
        assert_eq!(
            reader.next_record().unwrap(),
            Some([Vec::new(), b"last".to_vec()])
        );
        assert_eq!(reader.next_record().unwrap(), None);
        reader.rewind().unwrap();
        assert_eq!(
            reader.next_record().unwrap(),
            Some([b"a".to_vec(), Vec::new()])
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "the spool has no name"
        );
    }

    #[test]
    fn paths_survive_the_round_trip() {
        let p = Path::new("/a/b c/ä.pdf");
        assert_eq!(bytes_path(path_bytes(p).to_vec()), p);
    }
}
