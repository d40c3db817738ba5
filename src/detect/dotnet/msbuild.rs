//! MSBuild project files (`*.csproj`, `*.fsproj`, `Directory.Build.props`,
//! `Directory.Packages.props`) read as XML: the packages they reference, under which
//! condition, and whether the project is a test project. Versions are never read:
//! `PackageVersion` (central package management) only pins a version, it references nothing.

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    pub name: String,
    /// The condition it is under (its own, or its `ItemGroup`'s / `When`'s), if any.
    pub condition: Option<String>,
    /// A `GlobalPackageReference`: every project below gets it.
    pub global: bool,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Project {
    pub references: Vec<Reference>,
    /// `<IsTestProject>true</IsTestProject>`, or the MSTest SDK.
    pub is_test: bool,
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref().eq_ignore_ascii_case(name))
        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Conditions on the target framework pick a build of the same project, which every
/// default build makes; they do not make a reference optional.
fn relevant(condition: &str) -> bool {
    !condition.to_ascii_lowercase().contains("targetframework")
}

/// Line of a byte offset, for error messages.
fn line_of(text: &str, pos: u64) -> usize {
    let end = usize::try_from(pos).unwrap_or(usize::MAX).min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

pub(crate) fn parse(text: &str) -> Result<Project, String> {
    let mut reader = Reader::from_str(text);
    let mut project = Project::default();
    // open elements: (local name, the condition on it)
    let mut open: Vec<(String, Option<String>)> = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| {
            format!(
                "cannot parse: line {}: {e}",
                line_of(text, reader.error_position())
            )
        })?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = e.local_name().as_ref().to_string();
                let condition = attr(e, "Condition").filter(|c| relevant(c));
                match name.as_str() {
                    "Project" if attr(e, "Sdk").is_some_and(|s| s.starts_with("MSTest.Sdk")) => {
                        project.is_test = true;
                    }
                    "PackageReference" | "GlobalPackageReference" => {
                        let condition = condition
                            .clone()
                            .or_else(|| open.iter().rev().find_map(|(_, c)| c.clone()));
                        for include in attr(e, "Include").iter().flat_map(|i| i.split(';')) {
                            let include = include.trim();
                            if !include.is_empty() && !include.starts_with('$') {
                                project.references.push(Reference {
                                    name: include.to_string(),
                                    condition: condition.clone(),
                                    global: name == "GlobalPackageReference",
                                });
                            }
                        }
                    }
                    _ => {}
                }
                if matches!(event, Event::Start(_)) {
                    open.push((name, condition));
                }
            }
            Event::End(_) => {
                open.pop();
            }
            Event::Text(t) => {
                let inside = open.last().map(|(n, _)| n.as_str());
                if inside == Some("IsTestProject") && t.trim().eq_ignore_ascii_case("true") {
                    project.is_test = true;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(project)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(p: &Project) -> Vec<(&str, Option<&str>)> {
        p.references
            .iter()
            .map(|r| (r.name.as_str(), r.condition.as_deref()))
            .collect()
    }

    #[test]
    fn references_conditions_and_test_projects() {
        let p = parse(
            r#"<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><IsTestProject> true </IsTestProject></PropertyGroup>
  <!-- <PackageReference Include="Commented.Out" /> -->
  <ItemGroup>
    <PackageReference Include="Npgsql" Version="8.0.3" />
    <PackageReference Include="A;B" />
    <PackageReference Update="Updated.Only" />
    <PackageReference Include="Tfm" Condition="'$(TargetFramework)' == 'net8.0'" />
  </ItemGroup>
  <ItemGroup Condition="'$(Configuration)' == 'Release'">
    <PackageReference Include="Release.Only">
      <Version>1.0</Version>
    </PackageReference>
  </ItemGroup>
  <ItemGroup><PackageVersion Include="Pinned.Only" Version="1" /></ItemGroup>
</Project>"#,
        )
        .unwrap();
        assert!(p.is_test);
        assert_eq!(
            names(&p),
            [
                ("Npgsql", None),
                ("A", None),
                ("B", None),
                ("Tfm", None),
                ("Release.Only", Some("'$(Configuration)' == 'Release'")),
            ]
        );
        assert!(!parse("<Project />").unwrap().is_test);
        assert!(
            parse(r#"<Project Sdk="MSTest.Sdk/3.6.1"></Project>"#)
                .unwrap()
                .is_test
        );
    }

    #[test]
    fn broken_xml_is_an_error_with_a_line() {
        let e = parse("<Project>\n<ItemGroup>\n</Project>").unwrap_err();
        assert!(e.starts_with("cannot parse: line 3"), "{e}");
        assert!(parse("").is_ok());
    }
}
