//! Pipfile.lock: JSON whose `default` and `develop` maps hold every package pipenv
//! installs for the Pipfile's `[packages]` and `[dev-packages]`, dependencies included, but
//! not which package pulled which in. So there is no path to show, only the section.

use serde_json::Value;

/// A locked package: normalised name, section (`default` or `develop`) and its marker.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Locked {
    pub name: String,
    pub develop: bool,
    pub marker: String,
}

pub(crate) fn parse(text: &str) -> Result<Vec<Locked>, String> {
    let lock: Value = serde_json::from_str(text).map_err(|e| format!("cannot parse: {e}"))?;
    let mut out = Vec::new();
    for (section, develop) in [("default", false), ("develop", true)] {
        let Some(packages) = lock.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (name, entry) in packages {
            out.push(Locked {
                name: super::normalize(name),
                develop,
                marker: entry
                    .get("markers")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_garbage() {
        let l = parse(r#"{"default": {"Redis": {"version": "==5.0.1"}}, "develop": {"x": 1}}"#)
            .unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].name, "redis");
        assert!(l[1].develop);
        assert!(parse("{").is_err());
        assert_eq!(parse("[]"), Ok(Vec::new()));
    }
}
