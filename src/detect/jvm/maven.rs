//! Maven's pom.xml: the dependencies a module declares and the modules it aggregates, read
//! with a streaming XML reader so that comments, CDATA and odd formatting are the reader's
//! business, not ours.

use quick_xml::Reader;
use quick_xml::events::Event;

/// Where in the pom a dependency is declared; it decides how much the dependency counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    /// `<project><dependencies>`: on the module's classpath.
    Main,
    /// A profile's `<dependencies>`: only when that profile is active.
    Profile { id: String, by_default: bool },
    /// A build plugin's own classpath (a migration or code-generation plugin's driver).
    Plugin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dependency {
    pub group: String,
    pub artifact: String,
    /// `compile` when the pom says nothing.
    pub scope: String,
    pub optional: bool,
    pub place: Place,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Pom {
    pub dependencies: Vec<Dependency>,
    /// Module directories relative to the pom, with the profile that lists them (if any)
    /// and whether that profile is active by default.
    pub modules: Vec<(String, Option<(String, bool)>)>,
}

/// Nesting deeper than any real pom: an input that goes further is garbage, and the stack of
/// open element names must stay small whatever it holds.
const MAX_DEPTH: usize = 64;

/// Reads a pom.xml, or says why it is not one: `line 12: …`.
pub(crate) fn parse(text: &str) -> Result<Pom, String> {
    let mut reader = Reader::from_str(text);
    let mut pom = Pom::default();
    let mut stack: Vec<String> = Vec::new();
    let mut text_buf = String::new();
    let mut dep: Option<Dependency> = None;
    // the profile being read: id, active by default, where its dependencies start
    let mut profile: Option<(String, bool, usize, usize)> = None;
    loop {
        let event = reader.read_event().map_err(|e| {
            let pos = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
            let line = text.get(..pos).map_or(0, |t| t.matches('\n').count()) + 1;
            format!("cannot parse: line {line}: {e}")
        })?;
        match event {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err("cannot parse: elements nested too deeply".to_string());
                }
                let name = e.local_name().into_inner().to_string();
                text_buf.clear();
                stack.push(name);
                let path: Vec<&str> = stack.iter().map(String::as_str).collect();
                if path == ["project", "profiles", "profile"] {
                    profile = Some((
                        String::new(),
                        false,
                        pom.dependencies.len(),
                        pom.modules.len(),
                    ));
                }
                if path.last() == Some(&"dependency")
                    && path.get(path.len().wrapping_sub(2)) == Some(&"dependencies")
                {
                    dep = place(&path).map(|place| Dependency {
                        group: String::new(),
                        artifact: String::new(),
                        scope: "compile".to_string(),
                        optional: false,
                        place,
                    });
                }
            }
            Event::Text(t) => text_buf.push_str(&t.xml10_content()),
            Event::CData(t) => text_buf.push_str(&t.xml10_content()),
            Event::End(_) => {
                let value = text_buf.trim().to_string();
                text_buf.clear();
                let path: Vec<&str> = stack.iter().map(String::as_str).collect();
                let n = path.len();
                let parent = n.checked_sub(2).and_then(|i| path.get(i)).copied();
                match (parent, path.last().copied()) {
                    (Some("dependency"), Some(field)) => {
                        if let Some(d) = dep.as_mut() {
                            match field {
                                "groupId" => d.group.clone_from(&value),
                                "artifactId" => d.artifact.clone_from(&value),
                                "scope" => d.scope = value.to_ascii_lowercase(),
                                "optional" => d.optional = value.eq_ignore_ascii_case("true"),
                                _ => {}
                            }
                        }
                    }
                    (Some("dependencies"), Some("dependency")) => {
                        if let Some(d) = dep.take().filter(|d| !d.artifact.is_empty()) {
                            pom.dependencies.push(d);
                        }
                    }
                    (Some("modules"), Some("module")) if !value.is_empty() => {
                        pom.modules.push((value.clone(), None));
                    }
                    _ => {}
                }
                if path == ["project", "profiles", "profile", "id"]
                    && let Some(p) = profile.as_mut()
                {
                    p.0 = value;
                } else if path
                    == [
                        "project",
                        "profiles",
                        "profile",
                        "activation",
                        "activeByDefault",
                    ]
                    && let Some(p) = profile.as_mut()
                {
                    p.1 = value.eq_ignore_ascii_case("true");
                } else if path == ["project", "profiles", "profile"]
                    && let Some((id, by_default, deps_from, modules_from)) = profile.take()
                {
                    // the id may come after the dependencies: name them when the profile ends
                    for d in &mut pom.dependencies[deps_from..] {
                        if let Place::Profile {
                            id: i,
                            by_default: b,
                        } = &mut d.place
                        {
                            i.clone_from(&id);
                            *b = by_default;
                        }
                    }
                    for m in &mut pom.modules[modules_from..] {
                        m.1 = Some((id.clone(), by_default));
                    }
                }
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(pom)
}

/// The place of a `<dependency>` at `path` (ending in `dependencies/dependency`), or None for
/// one that declares nothing: `dependencyManagement` only pins versions, and a dependency
/// anywhere else (an extension's configuration) is not on the project's classpath.
fn place(path: &[&str]) -> Option<Place> {
    if path.contains(&"dependencyManagement") {
        return None;
    }
    let outer = &path[..path.len() - 2];
    match outer {
        ["project"] => Some(Place::Main),
        ["project", "profiles", "profile"] => Some(Place::Profile {
            id: String::new(),
            by_default: false,
        }),
        _ if outer.last() == Some(&"plugin") => Some(Place::Plugin),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_modules_and_profiles() {
        let pom = parse(
            r#"<?xml version="1.0"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modules><module>api</module><module> worker </module></modules>
  <dependencyManagement><dependencies><dependency>
    <groupId>org.postgresql</groupId><artifactId>pinned</artifactId>
  </dependency></dependencies></dependencyManagement>
  <dependencies>
    <!-- <dependency><groupId>redis.clients</groupId><artifactId>jedis</artifactId></dependency> -->
    <dependency>
      <groupId>org.postgresql</groupId>
      <artifactId><![CDATA[postgresql]]></artifactId>
      <scope>Runtime</scope>
      <exclusions><exclusion><groupId>x</groupId><artifactId>y</artifactId></exclusion></exclusions>
    </dependency>
    <dependency><groupId>io.lettuce</groupId><artifactId>lettuce-core</artifactId><optional>true</optional></dependency>
  </dependencies>
  <build><plugins><plugin><artifactId>flyway-maven-plugin</artifactId><dependencies>
    <dependency><groupId>org.postgresql</groupId><artifactId>postgresql</artifactId></dependency>
  </dependencies></plugin></plugins></build>
  <profiles><profile>
    <modules><module>extra</module></modules>
    <dependencies><dependency><groupId>redis.clients</groupId><artifactId>jedis</artifactId></dependency></dependencies>
    <id>redis</id>
  </profile></profiles>
</project>"#,
        )
        .unwrap();
        let got: Vec<(&str, &str, &str, bool, &Place)> = pom
            .dependencies
            .iter()
            .map(|d| {
                (
                    d.group.as_str(),
                    d.artifact.as_str(),
                    d.scope.as_str(),
                    d.optional,
                    &d.place,
                )
            })
            .collect();
        let profile = Place::Profile {
            id: "redis".to_string(),
            by_default: false,
        };
        assert_eq!(
            got,
            [
                (
                    "org.postgresql",
                    "postgresql",
                    "runtime",
                    false,
                    &Place::Main
                ),
                ("io.lettuce", "lettuce-core", "compile", true, &Place::Main),
                (
                    "org.postgresql",
                    "postgresql",
                    "compile",
                    false,
                    &Place::Plugin
                ),
                ("redis.clients", "jedis", "compile", false, &profile),
            ]
        );
        assert_eq!(
            pom.modules,
            [
                ("api".to_string(), None),
                ("worker".to_string(), None),
                ("extra".to_string(), Some(("redis".to_string(), false)))
            ]
        );
    }

    #[test]
    fn broken_xml_is_an_error_with_a_line() {
        let e = parse("<project>\n<dependencies>\n</project>").unwrap_err();
        assert!(e.starts_with("cannot parse: line 3"), "{e}");
        assert!(parse(&"<a>".repeat(100)).is_err());
    }
}
