//! The Ruby version the job image should carry (`ruby-3.3`), from the root's version files.

use super::collect::Scan;

/// `.ruby-version` first, then `.tool-versions`, then a `ruby "x.y.z"` line in the Gemfile.
pub(crate) fn ruby_version(ctx: &mut Scan<'_>) -> Option<String> {
    if let Some(text) = ctx.text(".ruby-version") {
        let first = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'));
        if let Some(v) = first.and_then(major_minor) {
            return Some(v);
        }
    }
    if let Some(text) = ctx.text(".tool-versions") {
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_whitespace();
            if words.next() == Some("ruby")
                && let Some(v) = words.next().and_then(major_minor)
            {
                return Some(v);
            }
        }
    }
    ctx.ruby_version_hint.clone()
}

/// "3.3.5", "ruby-3.3.5", "3.3.5p100", "3.3" → "3.3". Other engines (jruby-9.4,
/// truffleruby) have no matching MRI image, so they give None.
pub(crate) fn major_minor(v: &str) -> Option<String> {
    let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
    let v = v.strip_prefix("ruby-").unwrap_or(v);
    let mut parts = v.split(['.', '-', 'p']);
    let major = parts.next().filter(|s| is_number(s))?;
    let minor = parts.next().filter(|s| is_number(s))?;
    Some(format!("{major}.{minor}"))
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(major_minor("3.3.5").as_deref(), Some("3.3"));
        assert_eq!(major_minor("ruby-3.3.5").as_deref(), Some("3.3"));
        assert_eq!(major_minor("3.4.0-preview1").as_deref(), Some("3.4"));
        assert_eq!(major_minor("2.7.8p225").as_deref(), Some("2.7"));
        assert_eq!(major_minor("4.0").as_deref(), Some("4.0"));
        assert_eq!(major_minor("jruby-9.4.5.0"), None);
        assert_eq!(major_minor("3"), None);
        assert_eq!(major_minor("latest"), None);
    }
}
