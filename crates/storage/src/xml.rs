//! The little XML S3 needs: escaping for responses, and reading the two request bodies clients
//! send (`<Delete>` and `<CompleteMultipartUpload>`), whose shape is flat: repeated elements
//! holding simple text children. A full XML parser would buy nothing for these.

use crate::error::{S3Error, S3Result};

pub const NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// Escapes text for element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry literally; S3 writes them as character references.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push_str(&format!("&#x{:X};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Decodes the five predefined entities and numeric character references.
pub fn unescape(s: &str) -> S3Result<String> {
    if !s.contains('&') {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').ok_or(S3Error::MalformedXML)? + i;
        let ent = &rest[i + 1..end];
        let c = match ent {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let n = if let Some(h) = ent.strip_prefix("#x").or_else(|| ent.strip_prefix("#X")) {
                    u32::from_str_radix(h, 16).ok()
                } else if let Some(d) = ent.strip_prefix('#') {
                    d.parse().ok()
                } else {
                    None
                };
                n.and_then(char::from_u32).ok_or(S3Error::MalformedXML)?
            }
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The raw inner text of every `<tag>…</tag>` (or `<tag attr…>…</tag>`) in `xml`, in order.
pub fn elements<'a>(xml: &'a str, tag: &str) -> S3Result<Vec<&'a str>> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(i) = xml[pos..].find(&open) {
        let start = pos + i + open.len();
        // `<Key>` must not match `<KeyMarker>`.
        match xml[start..].chars().next() {
            Some('>') | Some(' ') | Some('\t') | Some('\n') | Some('\r') => {}
            Some('/') => {
                // Self-closing empty element.
                out.push("");
                pos = start;
                continue;
            }
            _ => {
                pos = start;
                continue;
            }
        }
        let gt = xml[start..].find('>').ok_or(S3Error::MalformedXML)? + start + 1;
        let end = xml[gt..].find(&close).ok_or(S3Error::MalformedXML)? + gt;
        out.push(&xml[gt..end]);
        pos = end + close.len();
    }
    Ok(out)
}

/// The unescaped text of the first `<tag>` child, if any.
pub fn child(xml: &str, tag: &str) -> S3Result<Option<String>> {
    match elements(xml, tag)?.first() {
        Some(t) => Ok(Some(unescape(t.trim_matches(|c| c == '\n' || c == '\r'))?)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_delete_bodies() {
        let body = r#"<?xml version="1.0"?><Delete xmlns="x"><Quiet>false</Quiet><Object><Key>a&amp;b &lt;c&gt;</Key></Object><Object><Key>d/e</Key><VersionId>1</VersionId></Object></Delete>"#;
        let objs = elements(body, "Object").unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(child(objs[0], "Key").unwrap().as_deref(), Some("a&b <c>"));
        assert_eq!(child(objs[1], "Key").unwrap().as_deref(), Some("d/e"));
        assert_eq!(child(body, "Quiet").unwrap().as_deref(), Some("false"));
        assert!(elements("<Object><Key>x</Object>", "Key").is_err());
    }

    #[test]
    fn escapes_round_trip() {
        let s = "a&b<c>\"d'\u{1}";
        assert_eq!(unescape(&escape(s)).unwrap(), s);
        assert!(unescape("&bogus;").is_err());
    }
}
