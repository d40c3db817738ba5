//! A loose YAML value for the few YAML files detection reads (compose, database.yml,
//! cable.yml, pnpm-workspace.yaml). Our own type instead of `serde_json::Value` because
//! YAML keys may be numbers, booleans or null, which a JSON map would reject.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Yaml {
    Null,
    /// Every scalar other than null, as text: detection never does arithmetic.
    Scalar(String),
    Seq(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
}

impl Yaml {
    pub(crate) fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Yaml::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn entries(&self) -> &[(String, Yaml)] {
        match self {
            Yaml::Map(entries) => entries,
            _ => &[],
        }
    }

    pub(crate) fn items(&self) -> &[Yaml] {
        match self {
            Yaml::Seq(items) => items,
            _ => &[],
        }
    }

    fn key_text(self) -> String {
        match self {
            Yaml::Null => String::new(),
            Yaml::Scalar(s) => s,
            // Complex keys never name anything detection looks for.
            other => format!("{other:?}"),
        }
    }
}

struct YamlVisitor;

impl<'de> Visitor<'de> for YamlVisitor {
    type Value = Yaml;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Yaml, E> {
        Ok(Yaml::Scalar(v.to_string()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Yaml, E> {
        Ok(Yaml::Scalar(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Yaml, E> {
        Ok(Yaml::Scalar(v.to_string()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Yaml, E> {
        Ok(Yaml::Scalar(v.to_string()))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Yaml, E> {
        Ok(Yaml::Scalar(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Yaml, E> {
        Ok(Yaml::Scalar(v.to_string()))
    }
    fn visit_char<E>(self, v: char) -> Result<Yaml, E> {
        Ok(Yaml::Scalar(v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Yaml, E> {
        Ok(Yaml::Scalar(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Yaml, E> {
        Ok(Yaml::Scalar(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Yaml, E> {
        Ok(Yaml::Scalar(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }
    fn visit_none<E>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Yaml, D::Error> {
        Yaml::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Yaml, D::Error> {
        Yaml::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Yaml, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<Yaml>()? {
            out.push(v);
        }
        Ok(Yaml::Seq(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Yaml, A::Error> {
        let mut out = Vec::new();
        while let Some((k, v)) = map.next_entry::<Yaml, Yaml>()? {
            out.push((k.key_text(), v));
        }
        Ok(Yaml::Map(out))
    }
}

impl<'de> Deserialize<'de> for Yaml {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(YamlVisitor)
    }
}

/// Parses one YAML document. Merge keys (`<<: *default`) are expanded by the parser;
/// repeated keys keep the last value, as Ruby's and most YAML loaders do.
pub(crate) fn parse(text: &str) -> Result<Yaml, String> {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
    };
    // saphyr's messages begin with their own "error: ", which inside our
    // "warning: FILE: cannot parse: …" line read as a second, contradictory label.
    serde_saphyr::from_str_with_options::<Yaml>(text, options).map_err(|e| {
        let line = first_line(&e.to_string());
        line.strip_prefix("error: ")
            .map_or(line.clone(), str::to_string)
    })
}

/// Parses every document of a multi-document stream (`---` between documents).
pub(crate) fn parse_all(text: &str) -> Result<Vec<Yaml>, String> {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
    };
    serde_saphyr::from_multiple_with_options::<Yaml>(text, options).map_err(|e| {
        let line = first_line(&e.to_string());
        line.strip_prefix("error: ")
            .map_or(line.clone(), str::to_string)
    })
}

/// Parses a Rails-style YAML file that may contain ERB.
pub(crate) fn parse_erb(text: &str) -> Result<Yaml, String> {
    parse(&strip_erb(text))
}

pub(crate) fn first_line(s: &str) -> String {
    let line = s
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut out: String = line.chars().take(200).collect();
    if out.is_empty() {
        out.push_str("parse error");
    }
    out
}

/// Replaces ERB tags so the rest of the file parses as YAML. Output tags become the last
/// string literal inside them (`<%= ENV.fetch("DB_ADAPTER") { "postgresql" } %>` is
/// `postgresql`, which is what the default setup gets), reduced to characters that are
/// safe in a plain scalar; control and comment tags disappear.
pub(crate) fn strip_erb(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<%") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("%>") else {
            // An unclosed tag: drop it to the end of its line and go on.
            match after.find('\n') {
                Some(nl) => {
                    rest = &after[nl..];
                    continue;
                }
                None => {
                    rest = "";
                    break;
                }
            }
        };
        let inner = &after[..end];
        rest = &after[end + 2..];
        let inner = inner.trim_start_matches('-');
        if let Some(expr) = inner.strip_prefix('=') {
            out.push_str(&erb_value(expr));
        }
    }
    out.push_str(rest);
    out
}

fn erb_value(expr: &str) -> String {
    let literal = last_string_literal(expr).unwrap_or_default();
    let safe: String = literal
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "_.:/@%+-".contains(*c))
        .collect();
    let safe = safe.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
    if safe.is_empty() {
        "erb".to_string()
    } else {
        safe.to_string()
    }
}

fn last_string_literal(expr: &str) -> Option<String> {
    let mut last = None;
    let mut chars = expr.chars();
    while let Some(c) = chars.next() {
        if c == '"' || c == '\'' {
            let mut lit = String::new();
            let mut closed = false;
            let mut escaped = false;
            for d in chars.by_ref() {
                if escaped {
                    lit.push(d);
                    escaped = false;
                } else if d == '\\' {
                    escaped = true;
                } else if d == c {
                    closed = true;
                    break;
                } else {
                    lit.push(d);
                }
            }
            if closed {
                last = Some(lit);
            }
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keys_and_erb() {
        let y = parse_erb(
            "default: &default\n  adapter: postgresql\n  pool: <%= ENV.fetch(\"MAX\") { 5 } %>\n\
             <% if true %>\ndevelopment:\n  <<: *default\n  host: <%= ENV.fetch(\"H\") { \"127.0.0.1\" } %>\n<% end %>\n",
        )
        .unwrap();
        let dev = y.get("development").unwrap();
        assert_eq!(
            dev.get("adapter").and_then(Yaml::as_str),
            Some("postgresql")
        );
        assert_eq!(dev.get("host").and_then(Yaml::as_str), Some("127.0.0.1"));
    }

    #[test]
    fn erb_adapter_default() {
        let y = parse_erb("test:\n  adapter: <%= ENV['DB'] || 'postgis' %>\n").unwrap();
        assert_eq!(
            y.get("test")
                .and_then(|t| t.get("adapter"))
                .and_then(Yaml::as_str),
            Some("postgis")
        );
    }

    #[test]
    fn odd_keys_and_duplicates() {
        let y = parse("1: a\ntrue: b\n~: c\nx: 1\nx: 2\n").unwrap();
        assert_eq!(y.get("1").and_then(Yaml::as_str), Some("a"));
        assert_eq!(y.get("x").and_then(Yaml::as_str), Some("2"));
    }

    #[test]
    fn several_documents() {
        let docs = parse_all("a: 1\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].get("b").and_then(Yaml::as_str), Some("2"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse("a: [unclosed\n  - : :").is_err());
        assert!(parse_erb("<%= unclosed").is_ok());
    }
}
