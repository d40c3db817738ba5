//! composer.lock: `packages` and `packages-dev`, each package with the names it `require`s.
//! Which list a package is in does not decide anything here: the roots do (composer.json's
//! `require` or `require-dev`), so a client is needed only when a needed package leads to it.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::super::graph::Graph;
use super::package_name;

/// Only names are kept; versions, dist URLs, autoload maps and descriptions (most of the
/// bytes) are skipped without being stored.
#[derive(Deserialize)]
struct Lock<'a> {
    #[serde(borrow, default)]
    packages: Option<Vec<Package<'a>>>,
    #[serde(borrow, default, rename = "packages-dev")]
    packages_dev: Option<Vec<Package<'a>>>,
}

#[derive(Deserialize)]
struct Package<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(default)]
    require: Names,
}

/// The keys of a `require` object. PHP writes an empty one as `[]`, so a list is an empty map.
#[derive(Default)]
struct Names(Vec<String>);

impl<'de> Deserialize<'de> for Names {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Names;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of package names")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Names, A::Error> {
                let mut out = Vec::new();
                while let Some((k, _)) = map.next_entry::<Cow<'de, str>, IgnoredAny>()? {
                    out.push(package_name(&k));
                }
                Ok(Names(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Names, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Names::default())
            }
            fn visit_unit<E>(self) -> Result<Names, E> {
                Ok(Names::default())
            }
        }
        d.deserialize_any(V)
    }
}

pub(crate) fn parse(text: &str) -> Result<Graph, String> {
    let lock: Lock = serde_json::from_str(text).map_err(|e| format!("cannot parse: {e}"))?;
    let mut graph = Graph::default();
    for p in [lock.packages, lock.packages_dev]
        .into_iter()
        .flatten()
        .flatten()
    {
        let Some(name) = p.name else { continue };
        let from = package_name(&name);
        graph.package(&from);
        for to in p.require.0 {
            // a PHP extension a package requires is installed with it: composer refuses
            // to install the package without it
            if to.starts_with("ext-") {
                graph.package(&to);
            }
            graph.edge(&from, &to);
        }
    }
    Ok(graph)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_requires_and_garbage() {
        assert!(parse(r#"{"packages": [{"name": "a/b", "require": []}]}"#).is_ok());
        assert!(parse(r#"{"packages": [{"require": {"x/y": "1"}}]}"#).is_ok());
        assert!(parse(r#"{"packages": "#).is_err());
        assert!(parse("1").is_err());
        assert!(parse(r#"{"packages": [{"name": 1}]}"#).is_err());
    }
}
