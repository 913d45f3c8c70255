//! The sRGB ICC profile of the archive's output intent, built here rather than copied
//! from anywhere: an ICC version 2.1 display profile with the sRGB primaries adapted to
//! D50 (IEC 61966-2-1, Bradford) and the sRGB tone curve as a 1024-entry table. About
//! 2.6 kB; no licence attached to it beyond pd's own.

use std::sync::OnceLock;

/// The profile's bytes, built once.
pub(super) fn srgb_profile() -> &'static [u8] {
    static PROFILE: OnceLock<Vec<u8>> = OnceLock::new();
    PROFILE.get_or_init(build)
}

/// The description the output intent carries.
pub(super) const DESCRIPTION: &str = "sRGB IEC61966-2.1";

// D50-adapted sRGB colorants and the D50 media white point, as s15Fixed16 inputs.
const RED: [f64; 3] = [0.436_065_7, 0.222_493_2, 0.013_923_7];
const GREEN: [f64; 3] = [0.385_151_5, 0.716_887_0, 0.097_081_0];
const BLUE: [f64; 3] = [0.143_078_8, 0.060_619_8, 0.714_099_5];
const WHITE_D50: [f64; 3] = [0.964_202_9, 1.0, 0.824_905_4];
const CURVE_POINTS: usize = 1024;

fn build() -> Vec<u8> {
    let desc = text_description(DESCRIPTION);
    let cprt = text("No copyright, use freely");
    let xyz = |v: [f64; 3]| {
        let mut t = b"XYZ \0\0\0\0".to_vec();
        for c in v {
            t.extend_from_slice(&s15_fixed16(c).to_be_bytes());
        }
        t
    };
    let trc = curve();
    // (signature, data); the three tone curves share one copy of the data.
    let tags: [(&[u8; 4], usize); 9] = [
        (b"desc", 0),
        (b"cprt", 1),
        (b"wtpt", 2),
        (b"rXYZ", 3),
        (b"gXYZ", 4),
        (b"bXYZ", 5),
        (b"rTRC", 6),
        (b"gTRC", 6),
        (b"bTRC", 6),
    ];
    let data = [
        desc,
        cprt,
        xyz(WHITE_D50),
        xyz(RED),
        xyz(GREEN),
        xyz(BLUE),
        trc,
    ];

    let table_len = 4 + 12 * tags.len();
    let mut offsets = Vec::with_capacity(data.len());
    let mut offset = 128 + table_len;
    for d in &data {
        offsets.push(offset);
        offset = (offset + d.len()).next_multiple_of(4);
    }
    let size = offset;

    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&(size as u32).to_be_bytes());
    out.extend_from_slice(b"\0\0\0\0"); // preferred CMM
    out.extend_from_slice(&[2, 0x10, 0, 0]); // version 2.1
    out.extend_from_slice(b"mntr");
    out.extend_from_slice(b"RGB ");
    out.extend_from_slice(b"XYZ ");
    for v in [2000u16, 1, 1, 0, 0, 0] {
        out.extend_from_slice(&v.to_be_bytes()); // creation date
    }
    out.extend_from_slice(b"acsp");
    out.extend_from_slice(&[0; 4]); // platform
    out.extend_from_slice(&[0; 4]); // flags
    out.extend_from_slice(&[0; 4]); // device manufacturer
    out.extend_from_slice(&[0; 4]); // device model
    out.extend_from_slice(&[0; 8]); // device attributes
    out.extend_from_slice(&0u32.to_be_bytes()); // rendering intent: perceptual
    for c in WHITE_D50 {
        out.extend_from_slice(&s15_fixed16(c).to_be_bytes()); // PCS illuminant
    }
    out.extend_from_slice(&[0; 4]); // creator
    out.resize(128, 0); // profile ID (unset in v2) and reserved bytes

    out.extend_from_slice(&(tags.len() as u32).to_be_bytes());
    for (signature, index) in tags {
        out.extend_from_slice(signature);
        out.extend_from_slice(&(offsets[index] as u32).to_be_bytes());
        out.extend_from_slice(&(data[index].len() as u32).to_be_bytes());
    }
    for d in &data {
        out.extend_from_slice(d);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    debug_assert_eq!(out.len(), size);
    out
}

fn s15_fixed16(v: f64) -> i32 {
    (v * 65536.0).round() as i32
}

/// `textDescriptionType` (ICC v2): ASCII, with empty Unicode and ScriptCode parts.
fn text_description(s: &str) -> Vec<u8> {
    let mut t = b"desc\0\0\0\0".to_vec();
    t.extend_from_slice(&(s.len() as u32 + 1).to_be_bytes());
    t.extend_from_slice(s.as_bytes());
    t.push(0);
    t.extend_from_slice(&[0; 8]); // Unicode language code and count
    t.extend_from_slice(&[0; 3]); // ScriptCode code and count
    t.extend_from_slice(&[0; 67]); // ScriptCode string
    t
}

/// `textType`: NUL-terminated ASCII.
fn text(s: &str) -> Vec<u8> {
    let mut t = b"text\0\0\0\0".to_vec();
    t.extend_from_slice(s.as_bytes());
    t.push(0);
    t
}

/// `curveType` with the sRGB transfer function sampled at 1024 points.
fn curve() -> Vec<u8> {
    let mut t = b"curv\0\0\0\0".to_vec();
    t.extend_from_slice(&(CURVE_POINTS as u32).to_be_bytes());
    for i in 0..CURVE_POINTS {
        let v = i as f64 / (CURVE_POINTS - 1) as f64;
        let linear = if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        };
        t.extend_from_slice(&((linear * 65535.0).round() as u16).to_be_bytes());
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_tag_table_are_consistent() {
        let p = srgb_profile();
        assert_eq!(
            u32::from_be_bytes(p[0..4].try_into().unwrap()) as usize,
            p.len()
        );
        assert_eq!(&p[12..20], b"mntrRGB ");
        assert_eq!(&p[36..40], b"acsp");
        assert_eq!(p[8], 2);
        let count = u32::from_be_bytes(p[128..132].try_into().unwrap()) as usize;
        assert_eq!(count, 9);
        for i in 0..count {
            let entry = 132 + 12 * i;
            let offset = u32::from_be_bytes(p[entry + 4..entry + 8].try_into().unwrap()) as usize;
            let len = u32::from_be_bytes(p[entry + 8..entry + 12].try_into().unwrap()) as usize;
            assert_eq!(offset % 4, 0);
            assert!(offset + len <= p.len());
        }
    }

    #[test]
    fn the_tone_curve_is_srgb() {
        let c = curve();
        let at = |i: usize| u16::from_be_bytes([c[12 + 2 * i], c[13 + 2 * i]]);
        assert_eq!(at(0), 0);
        assert_eq!(at(CURVE_POINTS - 1), 65535);
        // sRGB 0.5 is about 21.4 % linear light.
        let mid = f64::from(at(CURVE_POINTS / 2)) / 65535.0;
        assert!((0.20..0.23).contains(&mid), "{mid}");
    }
}
