//! Spring Boot's `application.properties` / `application.yml`: which database and Redis the
//! default profile connects to. A file is a list of documents (YAML's `---`, properties'
//! `#---`), each for the default profile or for the profile it activates on.

use super::super::yaml::{self, Yaml};

/// One document's settings, keys flattened with dots (`spring.datasource.url`).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Doc {
    /// The profile the document applies to; None for the default.
    pub profile: Option<String>,
    pub entries: Vec<(String, String)>,
}

impl Doc {
    fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the document configures the database connection itself.
    pub(crate) fn sets_datasource(&self) -> bool {
        self.entries.iter().any(|(k, v)| {
            matches!(k.as_str(), "spring.datasource.url" | "spring.r2dbc.url") && !v.is_empty()
        })
    }

    /// Profiles this document turns on (`spring.profiles.active` / `include`).
    pub(crate) fn activates(&self) -> Vec<String> {
        ["spring.profiles.active", "spring.profiles.include"]
            .iter()
            .filter_map(|k| self.get(k))
            .flat_map(|v| v.split(','))
            .map(|p| placeholder_default(p.trim()).trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    }
}

/// `${NAME:default}` → `default`; anything else as it is.
fn placeholder_default(v: &str) -> &str {
    v.strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .map_or(v, |inner| inner.split_once(':').map_or("", |(_, d)| d))
}

fn profile_of(entries: &[(String, String)]) -> Option<String> {
    entries
        .iter()
        .find(|(k, _)| k == "spring.config.activate.on-profile" || k == "spring.profiles")
        .map(|(_, v)| v.trim().to_string())
}

/// A `.properties` file: `key=value`, `key: value` or `key value`, `#`/`!` comments,
/// backslash continuations, `#---` between documents.
pub(crate) fn properties(text: &str) -> Vec<Doc> {
    let mut docs = Vec::new();
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut logical = String::new();
    for raw in text.lines() {
        let line = raw.trim_start();
        if logical.is_empty() {
            if line == "#---" || line == "!---" {
                docs.push(std::mem::take(&mut entries));
                continue;
            }
            if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
                continue;
            }
        }
        let trailing = line.len() - line.trim_end_matches('\\').len();
        if trailing % 2 == 1 {
            logical.push_str(&line[..line.len() - 1]);
            continue;
        }
        logical.push_str(line);
        let (key, value) = split_property(&logical);
        entries.push((key, value));
        logical.clear();
    }
    if !logical.is_empty() {
        entries.push(split_property(&logical));
    }
    docs.push(entries);
    docs.into_iter()
        .map(|entries| Doc {
            profile: profile_of(&entries),
            entries,
        })
        .collect()
}

fn split_property(line: &str) -> (String, String) {
    let mut key = String::new();
    let mut chars = line.char_indices();
    let mut rest = "";
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, n)) = chars.next() {
                    key.push(n);
                }
            }
            '=' | ':' => {
                rest = &line[i + 1..];
                break;
            }
            c if c.is_whitespace() => {
                let after = line[i..].trim_start();
                rest = after.strip_prefix(['=', ':']).unwrap_or(after);
                break;
            }
            c => key.push(c),
        }
    }
    (key, rest.trim().to_string())
}

/// An `application.yml`: every document, flattened.
pub(crate) fn yaml_docs(text: &str) -> Result<Vec<Doc>, String> {
    let docs = yaml::parse_all(text)?;
    Ok(docs
        .iter()
        .map(|d| {
            let mut entries = Vec::new();
            flatten(d, "", &mut entries, 0);
            Doc {
                profile: profile_of(&entries),
                entries,
            }
        })
        .collect())
}

fn flatten(y: &Yaml, prefix: &str, out: &mut Vec<(String, String)>, depth: usize) {
    // no setting detection reads is this deep; a deeper document is not configuration
    if depth > 32 {
        return;
    }
    match y {
        Yaml::Map(entries) => {
            for (k, v) in entries {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(v, &key, out, depth + 1);
            }
        }
        Yaml::Seq(items) => {
            let scalars: Vec<&str> = items.iter().filter_map(Yaml::as_str).collect();
            out.push((prefix.to_string(), scalars.join(",")));
        }
        Yaml::Scalar(s) => out.push((prefix.to_string(), s.clone())),
        Yaml::Null => {}
    }
}

/// What a setting says about the services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Says {
    Postgres,
    Redis,
    /// An in-process database (H2, HSQLDB, Derby): this profile needs no server.
    Embedded,
}

/// Settings that connect to a service: (what, key, value).
pub(crate) fn findings(doc: &Doc) -> Vec<(Says, &str, &str)> {
    let mut out = Vec::new();
    for (key, value) in &doc.entries {
        let k = key.to_ascii_lowercase();
        let v = value.to_ascii_lowercase();
        let says = if k.starts_with("spring.")
            && k.ends_with(".url")
            && v.contains("postgresql")
            && (v.contains("jdbc:") || v.contains("r2dbc:"))
        {
            Some(Says::Postgres)
        } else if k == "spring.datasource.url"
            && ["jdbc:h2:", "jdbc:hsqldb:", "jdbc:derby:"]
                .iter()
                .any(|p| v.contains(p))
        {
            Some(Says::Embedded)
        } else if ["spring.data.redis.", "spring.redis."].iter().any(|p| {
            k.strip_prefix(p).is_some_and(|rest| {
                matches!(rest, "host" | "url" | "cluster.nodes" | "sentinel.nodes")
            })
        }) || (matches!(
            k.as_str(),
            "spring.session.store-type" | "spring.cache.type"
        ) && v.trim() == "redis")
        {
            Some(Says::Redis)
        } else {
            None
        };
        if let Some(s) = says {
            out.push((s, key.as_str(), value.as_str()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_forms() {
        let docs = properties(
            "# spring.datasource.url=jdbc:postgresql://x\n\
             spring.profiles.active=${ACTIVE:postgres}\n\
             spring.datasource.url = jdbc:postgresql://localhost/\\\n    app\n\
             spring.data.redis.host: localhost\n\
             key\\=with\\:colons value\n\
             #---\n\
             spring.config.activate.on-profile=test\n\
             spring.datasource.url=jdbc:h2:mem:db\n",
        );
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].profile, None);
        assert_eq!(docs[0].activates(), ["postgres"]);
        assert_eq!(
            findings(&docs[0]),
            [
                (
                    Says::Postgres,
                    "spring.datasource.url",
                    "jdbc:postgresql://localhost/app"
                ),
                (Says::Redis, "spring.data.redis.host", "localhost"),
            ]
        );
        assert_eq!(docs[0].get("key=with:colons"), Some("value"));
        assert_eq!(docs[1].profile.as_deref(), Some("test"));
        assert_eq!(findings(&docs[1])[0].0, Says::Embedded);
    }

    #[test]
    fn yaml_documents_flatten() {
        let docs = yaml_docs(
            "spring:\n  datasource:\n    url: jdbc:h2:mem:x\n  redis.host: cache\n---\nspring:\n  config.activate.on-profile: postgres\n  datasource.url: jdbc:postgresql://db/app\n",
        )
        .unwrap();
        assert_eq!(
            findings(&docs[0]),
            [
                (Says::Embedded, "spring.datasource.url", "jdbc:h2:mem:x"),
                (Says::Redis, "spring.redis.host", "cache")
            ]
        );
        assert_eq!(docs[1].profile.as_deref(), Some("postgres"));
        assert_eq!(findings(&docs[1])[0].0, Says::Postgres);
        assert!(yaml_docs("a: [").is_err());
    }
}
