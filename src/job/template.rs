//! The base template: the embedded one, or a user's copy, parsed and checked field by field.

use k8s_openapi::api::batch::v1::Job;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum TemplateError {
    #[error("{source_name} is not a valid Job: {message}")]
    Invalid {
        source_name: String,
        message: String,
    },
    #[error("{source_name} is a {kind}, not a batch/v1 Job")]
    WrongKind { source_name: String, kind: String },
}

const EMBEDDED_TEMPLATE: &str = include_str!("../../templates/job.yaml");

/// The built-in template. It is part of the binary and covered by tests, so it always parses.
pub fn embedded_template() -> Job {
    parse_template(EMBEDDED_TEMPLATE, "the built-in job template")
        .unwrap_or_else(|e| unreachable!("built-in template is broken: {e}"))
}

pub fn parse_template(text: &str, source_name: &str) -> Result<Job, TemplateError> {
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "apiVersion")]
        api_version: Option<String>,
        kind: Option<String>,
    }
    let invalid = |message: String| TemplateError::Invalid {
        source_name: source_name.into(),
        message,
    };
    let head: Head = serde_saphyr::from_str(text).map_err(|e| invalid(yaml_error(&e)))?;
    let kind = head.kind.unwrap_or_default();
    if kind != "Job" || head.api_version.as_deref() != Some("batch/v1") {
        return Err(TemplateError::WrongKind {
            source_name: source_name.into(),
            kind: if kind.is_empty() {
                "document without a kind".into()
            } else {
                kind
            },
        });
    }
    let job: Job = serde_saphyr::from_str(text).map_err(|e| invalid(yaml_error(&e)))?;
    // Kubernetes types ignore keys they do not know, so a misspelt field would silently do
    // nothing; compare what was written with what the typed Job kept.
    let written: serde_json::Value =
        serde_saphyr::from_str(text).map_err(|e| invalid(yaml_error(&e)))?;
    let kept = serde_json::to_value(&job).unwrap_or_default();
    if let Some(path) = first_unknown(&written, &kept, String::new()) {
        let key = path.rsplit(['.', ']']).next().unwrap_or(&path).to_string();
        let line = text
            .lines()
            .position(|l| {
                l.trim_start()
                    .trim_start_matches("- ")
                    .starts_with(&format!("{key}:"))
            })
            .map_or(String::new(), |i| format!("line {}: ", i + 1));
        return Err(invalid(format!("{line}{path} is not a field of a Job")));
    }
    Ok(job)
}

/// The first line of a YAML error says where and what; the rest is a source excerpt.
fn yaml_error(e: &serde_saphyr::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // serde-saphyr appends advice for Rust programmers ("…; use Option<String>"); a user editing
    // a YAML template can do nothing with it.
    first
        .split_once("; use Option<")
        .map_or(first, |(head, _)| head)
        .to_string()
}

fn first_unknown(
    written: &serde_json::Value,
    kept: &serde_json::Value,
    path: String,
) -> Option<String> {
    use serde_json::Value;
    match (written, kept) {
        (Value::Object(w), Value::Object(k)) => w.iter().find_map(|(key, value)| {
            let here = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            match k.get(key) {
                None if !value.is_null() => Some(here),
                None => None,
                Some(kv) => first_unknown(value, kv, here),
            }
        }),
        (Value::Array(w), Value::Array(k)) => w
            .iter()
            .zip(k)
            .enumerate()
            .find_map(|(i, (wv, kv))| first_unknown(wv, kv, format!("{path}[{i}]"))),
        _ => None,
    }
}

pub fn to_yaml(job: &Job) -> Result<String, serde_saphyr::SerializeError> {
    serde_saphyr::to_string(job)
}

/// Any Kubernetes object as YAML, the same way the Job is written.
pub fn to_yaml_value<T: serde::Serialize>(obj: &T) -> Result<String, serde_saphyr::SerializeError> {
    serde_saphyr::to_string(obj)
}

pub fn to_json(job: &Job) -> String {
    // Serialising a typed Job cannot fail: every field is a plain string, number or map.
    serde_json::to_string_pretty(job).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_template_parses() {
        let job = embedded_template();
        assert_eq!(job.spec.unwrap().backoff_limit, Some(0));
    }

    #[test]
    fn misspelt_template_fields_are_named_with_their_line() {
        let text = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      tolerashuns: []\n      containers:\n        - name: claude\n          imagee: foo\n";
        let err = parse_template(text, "t.yaml").unwrap_err().to_string();
        assert!(
            err.contains("line 10") && err.contains("spec.template.spec.containers[0].imagee"),
            "{err}"
        );
        let text = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      tolerashuns: []\n      containers: []\n";
        let err = parse_template(text, "t.yaml").unwrap_err().to_string();
        assert!(
            err.contains("line 7") && err.contains("spec.template.spec.tolerashuns"),
            "{err}"
        );
        let broken = parse_template(
            "apiVersion: batch/v1\nkind: Job\nspec: [unclosed\n",
            "t.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            broken.contains("line 3") && !broken.contains('\n'),
            "{broken}"
        );
    }

    #[test]
    fn templates_of_another_kind_are_refused() {
        let err = parse_template("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", "t.yaml")
            .unwrap_err();
        assert!(err.to_string().contains("Pod"), "{err}");
        assert!(parse_template("::: not yaml", "t.yaml").is_err());
    }
}
