//! What a rule means on the server and for each attachment: the IMAP SEARCH, the
//! file-name patterns, the action's flags.

use globset::{GlobBuilder, GlobMatcher};
use pd_core::{MailAction, MailRule};
use time::{Date, Duration};

use crate::error::{MailError, Result};

/// Apple Mail's flag colours and the `$MailFlagBit` numbers that encode them.
const APPLE_COLOURS: [(&str, &[u8]); 7] = [
    ("red", &[]),
    ("orange", &[0]),
    ("yellow", &[1]),
    ("blue", &[2]),
    ("green", &[0, 1]),
    ("violet", &[0, 2]),
    ("grey", &[1, 2]),
];

/// The keyword action as the server sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagAction {
    /// An IMAP keyword (or a Gmail label on Gmail).
    Keyword(String),
    /// Apple Mail colour: these `$MailFlagBit`s and `\Flagged`.
    Apple(Vec<u8>),
}

/// Reads the tag action's parameter (`apple:<colour>` or a keyword).
pub fn tag_action(rule: &MailRule) -> Result<TagAction> {
    let param = action_parameter(rule)?;
    match param.strip_prefix("apple:") {
        Some(colour) => APPLE_COLOURS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(colour.trim()))
            .map(|(_, bits)| TagAction::Apple(bits.to_vec()))
            .ok_or_else(|| MailError::InvalidRule {
                rule: rule.name.clone(),
                message: format!(
                    "Not a valid AppleMail tag color: {colour:?} (one of red, orange, \
                     yellow, blue, green, violet, grey)"
                ),
            }),
        None => {
            if param
                .chars()
                .any(|c| c.is_whitespace() || "(){%*\"\\]".contains(c))
            {
                return Err(MailError::InvalidRule {
                    rule: rule.name.clone(),
                    message: format!("{param:?} is not a valid IMAP keyword"),
                });
            }
            Ok(TagAction::Keyword(param.to_owned()))
        }
    }
}

/// The action's parameter, required for move and tag.
pub fn action_parameter(rule: &MailRule) -> Result<&str> {
    rule.action_parameter
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| MailError::InvalidRule {
            rule: rule.name.clone(),
            message: "the action needs a parameter (a folder to move to, a tag to set)".into(),
        })
}

/// An IMAP quoted string.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The IMAP SEARCH for a rule, as paperless-ngx builds it: age, the text filters, and
/// the criterion that leaves out mail the action already marked.
pub fn search_query(rule: &MailRule, charset: &str, gmail: bool, today: Date) -> Result<String> {
    let mut keys: Vec<String> = Vec::new();
    let mut strings = false;
    if rule.maximum_age > 0 {
        let since = today - Duration::days(i64::from(rule.maximum_age));
        keys.push(format!("SINCE {}", imap_date(since)));
    }
    for (key, value) in [
        ("FROM", &rule.filter_from),
        ("TO", &rule.filter_to),
        ("SUBJECT", &rule.filter_subject),
        ("BODY", &rule.filter_body),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            keys.push(format!("{key} {}", quote(v)));
            strings = true;
        }
    }
    match rule.action {
        MailAction::MarkRead => keys.push("UNSEEN".into()),
        MailAction::Flag => keys.push("UNFLAGGED".into()),
        MailAction::Tag => match tag_action(rule)? {
            TagAction::Apple(_) => keys.push("UNFLAGGED".into()),
            TagAction::Keyword(k) => {
                keys.push(format!("NOT KEYWORD {k}"));
                if gmail {
                    keys.push(format!("NOT X-GM-LABELS {}", quote(&k)));
                }
            }
        },
        MailAction::Delete | MailAction::Move => {}
    }
    if keys.is_empty() {
        keys.push("ALL".into());
    }
    let charset = charset.trim();
    Ok(if strings && !charset.is_empty() {
        format!("CHARSET {charset} {}", keys.join(" "))
    } else {
        keys.join(" ")
    })
}

fn imap_date(d: Date) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}-{}-{}",
        d.day(),
        MONTHS[usize::from(u8::from(d.month())) - 1],
        d.year()
    )
}

/// The include and exclude file-name patterns of a rule: comma-separated, fnmatch,
/// case-insensitive.
#[derive(Debug, Default)]
pub struct FilenameFilter {
    include: Vec<GlobMatcher>,
    exclude: Vec<GlobMatcher>,
}

impl FilenameFilter {
    pub fn new(rule: &MailRule) -> Result<FilenameFilter> {
        let compile = |list: &Option<String>| -> Result<Vec<GlobMatcher>> {
            list.as_deref()
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| {
                    GlobBuilder::new(&p.to_lowercase())
                        .literal_separator(false)
                        .backslash_escape(false)
                        .build()
                        .map(|g| g.compile_matcher())
                        .map_err(|e| MailError::InvalidRule {
                            rule: rule.name.clone(),
                            message: format!("bad file name pattern {p:?}: {e}"),
                        })
                })
                .collect()
        };
        Ok(FilenameFilter {
            include: compile(&rule.filter_attachment_filename_include)?,
            exclude: compile(&rule.filter_attachment_filename_exclude)?,
        })
    }

    /// Whether an attachment of this name is consumed.
    pub fn accepts(&self, filename: &str) -> bool {
        let name = filename.to_lowercase();
        (self.include.is_empty() || self.include.iter().any(|g| g.is_match(&name)))
            && !self.exclude.iter().any(|g| g.is_match(&name))
    }

    /// Whether a name from BODYSTRUCTURE may be consumed; encoded names are decided only
    /// once the mail is read.
    pub fn may_accept(&self, raw_filename: &str) -> bool {
        raw_filename.contains("=?") || raw_filename.contains('\'') || self.accepts(raw_filename)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn rule() -> MailRule {
        MailRule {
            id: 1,
            name: "r".into(),
            account: 1,
            order: 0,
            enabled: true,
            folder: "INBOX".into(),
            filter_from: None,
            filter_to: None,
            filter_subject: None,
            filter_body: None,
            filter_attachment_filename_include: None,
            filter_attachment_filename_exclude: None,
            maximum_age: 30,
            attachment_type: Default::default(),
            consumption_scope: Default::default(),
            pdf_layout: 0,
            action: MailAction::MarkRead,
            action_parameter: None,
            assign_title_from: Default::default(),
            assign_tags: vec![],
            assign_document_type: None,
            assign_correspondent_from: Default::default(),
            assign_correspondent: None,
            assign_owner_from_rule: true,
            stop_processing: false,
            owner: None,
        }
    }

    #[test]
    fn search_follows_the_rule() {
        let today = date!(2024 - 03 - 31);
        assert_eq!(
            search_query(&rule(), "UTF-8", false, today).unwrap(),
            "SINCE 1-Mar-2024 UNSEEN"
        );
        let r = MailRule {
            maximum_age: 0,
            filter_subject: Some("Invoice \"A\"".into()),
            action: MailAction::Tag,
            action_parameter: Some("done".into()),
            ..rule()
        };
        assert_eq!(
            search_query(&r, "UTF-8", true, today).unwrap(),
            "CHARSET UTF-8 SUBJECT \"Invoice \\\"A\\\"\" NOT KEYWORD done NOT X-GM-LABELS \"done\""
        );
        let r = MailRule {
            maximum_age: 0,
            action: MailAction::Delete,
            ..rule()
        };
        assert_eq!(search_query(&r, "UTF-8", false, today).unwrap(), "ALL");
    }

    #[test]
    fn apple_colours() {
        let r = |p: &str| MailRule {
            action: MailAction::Tag,
            action_parameter: Some(p.into()),
            ..rule()
        };
        assert_eq!(
            tag_action(&r("apple:green")).unwrap(),
            TagAction::Apple(vec![0, 1])
        );
        assert_eq!(
            tag_action(&r("apple:red")).unwrap(),
            TagAction::Apple(vec![])
        );
        let e = tag_action(&r("apple:pink")).unwrap_err().to_string();
        assert!(e.contains("Not a valid AppleMail tag color"), "{e}");
    }

    #[test]
    fn filename_patterns() {
        let f = FilenameFilter::new(&MailRule {
            filter_attachment_filename_include: Some("*.pdf, invoice*".into()),
            filter_attachment_filename_exclude: Some("*draft*".into()),
            ..rule()
        })
        .unwrap();
        assert!(f.accepts("Scan.PDF"));
        assert!(f.accepts("invoice.txt"));
        assert!(!f.accepts("notes.txt"));
        assert!(!f.accepts("draft-scan.pdf"));
        assert!(FilenameFilter::default().accepts("anything"));
    }
}
