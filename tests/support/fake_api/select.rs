//! Label and field selectors with the apiserver's grammar and error texts.

use std::collections::BTreeSet;

use serde_json::Value;

use super::kinds::Kind;

#[derive(Clone, Debug, PartialEq)]
enum Op {
    Eq(String),
    NotEq(String),
    In(BTreeSet<String>),
    NotIn(BTreeSet<String>),
    Exists,
    DoesNotExist,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct LabelSelector(Vec<(String, Op)>);

/// Splits on commas that are not inside `( … )`, as `a in (x,y),b` must yield two requirements.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn valid_label_key(k: &str) -> bool {
    let (prefix, name) = match k.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.".contains(c))
    });
    name_ok && prefix_ok
}

fn valid_label_value(v: &str) -> bool {
    v.is_empty()
        || (v.len() <= 63
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && v.starts_with(|c: char| c.is_ascii_alphanumeric())
            && v.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

impl LabelSelector {
    pub fn parse(s: &str) -> Result<LabelSelector, String> {
        let mut reqs = Vec::new();
        if s.trim().is_empty() {
            return Ok(LabelSelector(reqs));
        }
        for part in split_top(s) {
            let part = part.trim();
            if part.is_empty() {
                return Err(format!(
                    "unable to parse requirement: found '', expected: identifier in {s:?}"
                ));
            }
            let (key, op) = parse_requirement(part)?;
            if !valid_label_key(&key) {
                return Err(format!(
                    "unable to parse requirement: key: Invalid value: {key:?}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
                ));
            }
            let values: Vec<&String> = match &op {
                Op::Eq(v) | Op::NotEq(v) => vec![v],
                Op::In(vs) | Op::NotIn(vs) => vs.iter().collect(),
                _ => vec![],
            };
            for v in values {
                if !valid_label_value(v) {
                    return Err(format!(
                        "unable to parse requirement: values[0][{key}]: Invalid value: {v:?}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
                    ));
                }
            }
            reqs.push((key, op));
        }
        Ok(LabelSelector(reqs))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, labels: Option<&Value>) -> bool {
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.0.iter().all(|(k, op)| match op {
            Op::Eq(v) => get(k) == Some(v.as_str()),
            Op::NotEq(v) => get(k) != Some(v.as_str()),
            Op::In(vs) => get(k).is_some_and(|x| vs.contains(x)),
            Op::NotIn(vs) => get(k).is_none_or(|x| !vs.contains(x)),
            Op::Exists => get(k).is_some(),
            Op::DoesNotExist => get(k).is_none(),
        })
    }

    pub fn matches_object(&self, obj: &Value) -> bool {
        self.matches(obj.pointer("/metadata/labels"))
    }
}

fn parse_set(rest: &str, whole: &str) -> Result<BTreeSet<String>, String> {
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| {
            format!("unable to parse requirement: found '{rest}', expected: '(' in {whole:?}")
        })?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

fn parse_requirement(part: &str) -> Result<(String, Op), String> {
    if let Some(key) = part.strip_prefix('!') {
        return Ok((key.trim().to_string(), Op::DoesNotExist));
    }
    if let Some((k, v)) = part.split_once("!=") {
        return Ok((k.trim().to_string(), Op::NotEq(v.trim().to_string())));
    }
    if let Some((k, v)) = part.split_once("==") {
        return Ok((k.trim().to_string(), Op::Eq(v.trim().to_string())));
    }
    if let Some((k, v)) = part.split_once('=') {
        return Ok((k.trim().to_string(), Op::Eq(v.trim().to_string())));
    }
    let mut words = part.splitn(2, char::is_whitespace);
    let key = words.next().unwrap_or_default().trim().to_string();
    let rest = words.next().unwrap_or_default().trim();
    if rest.is_empty() {
        return Ok((key, Op::Exists));
    }
    if let Some(r) = rest.strip_prefix("notin") {
        return Ok((key, Op::NotIn(parse_set(r, part)?)));
    }
    if let Some(r) = rest.strip_prefix("in") {
        return Ok((key, Op::In(parse_set(r, part)?)));
    }
    Err(format!(
        "unable to parse requirement: found '{rest}', expected: in, notin, =, ==, !=, gt, lt"
    ))
}

#[derive(Clone, Debug, Default)]
pub(super) struct FieldSelector(Vec<(String, bool, String)>);

fn supported_fields(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Pod => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        Kind::Event => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        Kind::Secret => &["type"],
        Kind::Job => &["status.successful"],
        Kind::Namespace => &["status.phase"],
        Kind::NetworkPolicy => &[],
    }
}

fn field_value(kind: Kind, obj: &Value, field: &str) -> String {
    let as_string = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    };
    match (kind, field) {
        (Kind::Job, "status.successful") => obj
            .pointer("/status/succeeded")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            .to_string(),
        (Kind::Pod, "spec.hostNetwork") => obj
            .pointer("/spec/hostNetwork")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            .to_string(),
        (Kind::Event, "source") => as_string(obj.pointer("/source/component")),
        _ => {
            let pointer = format!("/{}", field.replace('.', "/"));
            as_string(obj.pointer(&pointer))
        }
    }
}

impl FieldSelector {
    pub fn parse(kind: Kind, s: &str) -> Result<FieldSelector, String> {
        let mut reqs = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, eq, value) = if let Some((f, v)) = part.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, true, v)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, true, v)
            } else {
                return Err(format!(
                    "invalid selector: '{s}'; can't understand '{part}'"
                ));
            };
            let field = field.trim();
            let known = field == "metadata.name"
                || field == "metadata.namespace"
                || supported_fields(kind).contains(&field);
            if !known {
                return Err(format!("field label not supported: {field}"));
            }
            reqs.push((field.to_string(), eq, value.trim().to_string()));
        }
        Ok(FieldSelector(reqs))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, kind: Kind, obj: &Value) -> bool {
        self.0
            .iter()
            .all(|(f, eq, v)| (field_value(kind, obj, f) == *v) == *eq)
    }
}

/// Both selectors of a list or watch request.
#[derive(Clone, Debug, Default)]
pub(super) struct Selectors {
    pub labels: LabelSelector,
    pub fields: FieldSelector,
}

impl Selectors {
    pub fn parse(
        kind: Kind,
        labels: Option<&str>,
        fields: Option<&str>,
    ) -> Result<Selectors, String> {
        Ok(Selectors {
            labels: LabelSelector::parse(labels.unwrap_or(""))?,
            fields: FieldSelector::parse(kind, fields.unwrap_or(""))?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.fields.is_empty()
    }

    pub fn matches(&self, kind: Kind, obj: &Value) -> bool {
        self.is_empty() || (self.labels.matches_object(obj) && self.fields.matches(kind, obj))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_grammar() {
        let obj = json!({"metadata": {"labels": {"app": "claude-sandbox", "tier": "x"}}});
        let m = |s: &str| LabelSelector::parse(s).unwrap().matches_object(&obj);
        assert!(m("app=claude-sandbox"));
        assert!(m("app==claude-sandbox,tier"));
        assert!(m("app in (a, claude-sandbox),!missing"));
        assert!(!m("app notin (claude-sandbox)"));
        assert!(m("missing notin (x)"));
        assert!(!m("app!=claude-sandbox"));
        assert!(m("missing!=x"));
        assert!(LabelSelector::parse("app in x").is_err());
        assert!(LabelSelector::parse("a b c").is_err());
    }

    #[test]
    fn field_grammar() {
        let obj = json!({"metadata": {"name": "x"}, "involvedObject": {"name": "p", "kind": "Pod"}, "type": "Warning"});
        let s = FieldSelector::parse(Kind::Event, "involvedObject.name=p,type==Warning").unwrap();
        assert!(s.matches(Kind::Event, &obj));
        let s = FieldSelector::parse(Kind::Event, "metadata.name!=x").unwrap();
        assert!(!s.matches(Kind::Event, &obj));
        assert_eq!(
            FieldSelector::parse(Kind::Job, "spec.foo=1").unwrap_err(),
            "field label not supported: spec.foo"
        );
    }
}
