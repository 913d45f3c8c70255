//! The XMP metadata packet PDF/A requires: the PDF/A identification (part 2,
//! conformance B) and the same producer, dates and title as the Info dictionary.

use time::OffsetDateTime;

/// What the packet and the Info dictionary both say.
pub(super) struct Metadata<'a> {
    pub title: Option<&'a str>,
    pub producer: &'a str,
    pub created: OffsetDateTime,
}

/// The packet as UTF-8 bytes (written uncompressed, as PDF/A wants).
pub(super) fn xmp_packet(meta: &Metadata<'_>) -> Vec<u8> {
    let date = iso_date(meta.created);
    let title = meta.title.map_or_else(String::new, |title| {
        format!(
            "   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:title>\n",
            escape(title)
        )
    });
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
         <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
         \x20<rdf:Description rdf:about=\"\"\n\
         \x20   xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n\
         \x20   xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n\
         \x20   xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"\n\
         \x20   xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n\
         \x20  <pdfaid:part>2</pdfaid:part>\n\
         \x20  <pdfaid:conformance>B</pdfaid:conformance>\n\
         \x20  <pdf:Producer>{producer}</pdf:Producer>\n\
         \x20  <xmp:CreatorTool>{producer}</xmp:CreatorTool>\n\
         \x20  <xmp:CreateDate>{date}</xmp:CreateDate>\n\
         \x20  <xmp:ModifyDate>{date}</xmp:ModifyDate>\n\
         \x20  <xmp:MetadataDate>{date}</xmp:MetadataDate>\n\
         {title}\
         \x20</rdf:Description>\n\
         </rdf:RDF>\n\
         </x:xmpmeta>\n\
         <?xpacket end=\"w\"?>",
        producer = escape(meta.producer),
    )
    .into_bytes()
}

/// `2024-03-01T10:20:30Z`; the Info dictionary carries the same instant.
fn iso_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// XML text escaping; characters XML 1.0 forbids are dropped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_identifies_pdfa_2b_and_escapes_the_title() {
        let created = time::macros::datetime!(2024-03-01 10:20:30 UTC);
        let xml = String::from_utf8(xmp_packet(&Metadata {
            title: Some("Tom & Jerry <invoice>\u{1}"),
            producer: "pd 0.1.0",
            created,
        }))
        .unwrap();
        assert!(xml.contains("<pdfaid:part>2</pdfaid:part>"));
        assert!(xml.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
        assert!(
            xml.contains(">Tom &amp; Jerry &lt;invoice&gt;</rdf:li>"),
            "{xml}"
        );
        assert!(xml.contains("<xmp:CreateDate>2024-03-01T10:20:30Z</xmp:CreateDate>"));
    }
}
