//! Gradle's version catalog (`gradle/libs.versions.toml`): which module each alias a build
//! script writes as `libs.some.alias` stands for, and what a bundle holds.

use toml::{Table, Value};

#[derive(Debug, Default)]
pub(crate) struct Catalog {
    /// accessor (`spring.boot.starter.data.redis`) → (group, artifact)
    libraries: Vec<(String, (String, String))>,
    /// accessor → library accessors
    bundles: Vec<(String, Vec<String>)>,
}

/// An alias as the generated accessor spells it: `-`, `_` and `.` all become `.`; compared
/// without case, since `libs.springBoot` and `springboot` never both exist.
fn accessor(alias: &str) -> String {
    alias
        .split(['-', '_', '.'])
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(".")
        .to_ascii_lowercase()
}

/// `group:artifact[:version]` in a catalog string.
fn split_module(s: &str) -> Option<(String, String)> {
    let mut parts = s.split(':');
    let group = parts.next()?.trim();
    let artifact = parts.next()?.trim();
    (!group.is_empty() && !artifact.is_empty()).then(|| (group.to_string(), artifact.to_string()))
}

impl Catalog {
    pub(crate) fn from_table(t: &Table) -> Catalog {
        let mut catalog = Catalog::default();
        for (alias, spec) in t
            .get("libraries")
            .and_then(Value::as_table)
            .into_iter()
            .flatten()
        {
            let module = match spec {
                Value::String(s) => split_module(s),
                Value::Table(entry) => match entry.get("module").and_then(Value::as_str) {
                    Some(m) => split_module(m),
                    None => entry
                        .get("group")
                        .and_then(Value::as_str)
                        .zip(entry.get("name").and_then(Value::as_str))
                        .map(|(g, n)| (g.trim().to_string(), n.trim().to_string())),
                },
                _ => None,
            };
            if let Some(m) = module {
                catalog.libraries.push((accessor(alias), m));
            }
        }
        for (name, list) in t
            .get("bundles")
            .and_then(Value::as_table)
            .into_iter()
            .flatten()
        {
            let members = list
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(accessor)
                .collect();
            catalog.bundles.push((accessor(name), members));
        }
        catalog
    }

    /// The module behind `libs.<alias>`.
    pub(crate) fn library(&self, alias: &str) -> Option<&(String, String)> {
        let key = accessor(alias);
        self.libraries
            .iter()
            .find(|(a, _)| *a == key)
            .map(|(_, m)| m)
    }

    /// The modules behind `libs.bundles.<name>`, each with its alias.
    pub(crate) fn bundle(&self, name: &str) -> Vec<(&str, &(String, String))> {
        let key = accessor(name);
        self.bundles
            .iter()
            .filter(|(b, _)| *b == key)
            .flat_map(|(_, members)| members)
            .filter_map(|alias| self.library(alias).map(|m| (alias.as_str(), m)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_forms_and_bundles() {
        let t = crate::detect::collect::parse_toml(
            r#"
[versions]
pg = "42.7.3"
[libraries]
postgresql = { module = "org.postgresql:postgresql", version.ref = "pg" }
spring-boot-starter-data-redis = { group = "org.springframework.boot", name = "spring-boot-starter-data-redis" }
jedis = "redis.clients:jedis:5.1.0"
broken = 3
[bundles]
cache = ["jedis", "spring_boot-starter-data-redis", "missing"]
"#,
        )
        .unwrap();
        let c = Catalog::from_table(&t);
        let m = |g: &str, a: &str| (g.to_string(), a.to_string());
        assert_eq!(
            c.library("postgresql"),
            Some(&m("org.postgresql", "postgresql"))
        );
        assert_eq!(
            c.library("spring.boot.starter.data.redis"),
            Some(&m(
                "org.springframework.boot",
                "spring-boot-starter-data-redis"
            ))
        );
        assert_eq!(c.library("broken"), None);
        assert_eq!(c.bundle("cache").len(), 2);
        assert_eq!(
            c.bundle("cache")[0],
            ("jedis", &m("redis.clients", "jedis"))
        );
    }
}
