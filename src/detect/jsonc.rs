//! JSON with comments and trailing commas (JSONC), as dev container and editor settings files
//! are written: reduced to plain JSON for serde_json, keeping every line where it was so that
//! serde_json's error positions still point into the original file.

/// Plain JSON from JSONC: `//` and `/* */` comments become spaces (newlines kept), and a comma
/// followed only by whitespace and comments before `}` or `]` is dropped. Strings are copied
/// as they are, escapes included.
pub(crate) fn to_json(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    // where in `out` the last comma outside a string is, while only blanks follow it
    let mut pending_comma: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' => {
                pending_comma = None;
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let end = (i + 1).min(bytes.len());
                out.extend_from_slice(&bytes[start..end]);
                i = end;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    out.push(b' ');
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                out.extend_from_slice(b"  ");
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    out.push(if bytes[i] == b'\n' { b'\n' } else { b' ' });
                    i += 1;
                }
                if i < bytes.len() {
                    out.extend_from_slice(b"  ");
                    i += 2;
                }
                continue;
            }
            b',' => pending_comma = Some(out.len()),
            b'}' | b']' => {
                if let Some(at) = pending_comma.take() {
                    out[at] = b' ';
                }
            }
            b if b.is_ascii_whitespace() => {}
            _ => pending_comma = None,
        }
        out.push(b);
        i += 1;
    }
    // only ASCII bytes were replaced by ASCII, and whole strings and runs copied, so the
    // text is still UTF-8; the lossy conversion is for an unterminated escape at the end
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A JSONC document as a JSON value, or why not: `line 3, column 5: …`.
pub(crate) fn parse(text: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(&to_json(text)).map_err(|e| format!("cannot parse: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_trailing_commas() {
        let v = parse(
            "// top\n{\n  \"a\": \"http://x/*y*/\", /* inline, */\n  \"b\": [1, 2, // two\n  ],\n  \"c\": \"q\\\"//\",\n}\n",
        )
        .unwrap();
        assert_eq!(v["a"], "http://x/*y*/");
        assert_eq!(v["b"], serde_json::json!([1, 2]));
        assert_eq!(v["c"], "q\"//");
    }

    #[test]
    fn errors_keep_their_line() {
        let e = parse("// one\n/* two\n three */\n{\"a\": }").unwrap_err();
        assert!(e.contains("line 4"), "{e}");
        // a comma between values stays, so a missing value is still an error
        assert!(parse("[1,,]").is_err());
        assert!(parse("\"unterminated \\").is_err());
        assert!(parse("/* open").is_err());
    }
}
