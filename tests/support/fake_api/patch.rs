//! JSON merge patch (RFC 7386), an approximation of server-side apply, and the unknown-field diff
//! behind `fieldValidation`.

use serde_json::{Map, Value};

pub(super) fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(t) = target else { return };
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// Paths to every non-object value (arrays count as one atomic value, as in a merge patch).
pub(super) fn leaf_paths(v: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                prefix.push(k.clone());
                leaf_paths(v, prefix, out);
                prefix.pop();
            }
        }
        _ => out.push(prefix.clone()),
    }
}

pub(super) fn remove_path(target: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = target;
    for p in parents {
        match cur.get_mut(p) {
            Some(next) => cur = next,
            None => return,
        }
    }
    if let Value::Object(m) = cur {
        m.remove(last);
    }
}

/// Paths in `input` that the typed round trip dropped: fields the schema does not know.
/// Nulls are skipped because a known field set to null also disappears.
pub(super) fn unknown_fields(input: &Value, typed: &Value, path: &str, out: &mut Vec<String>) {
    match (input, typed) {
        (Value::Object(i), Value::Object(t)) => {
            for (k, v) in i {
                if v.is_null() {
                    continue;
                }
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match t.get(k) {
                    Some(tv) => unknown_fields(v, tv, &p, out),
                    None => out.push(p),
                }
            }
        }
        (Value::Array(i), Value::Array(t)) => {
            for (n, (iv, tv)) in i.iter().zip(t).enumerate() {
                unknown_fields(iv, tv, &format!("{path}[{n}]"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_rfc7386() {
        let mut t = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1]});
        merge_patch(&mut t, &json!({"a": null, "b": {"c": 4}, "e": [2, 3]}));
        assert_eq!(t, json!({"b": {"c": 4, "d": 3}, "e": [2, 3]}));
    }

    #[test]
    fn unknown_fields_are_found_with_paths() {
        let input =
            json!({"spec": {"x": 1, "containers": [{"name": "a", "bogus": true}]}, "n": null});
        let typed = json!({"spec": {"containers": [{"name": "a"}]}});
        let mut out = Vec::new();
        unknown_fields(&input, &typed, "", &mut out);
        out.sort();
        assert_eq!(out, vec!["spec.containers[0].bogus", "spec.x"]);
    }
}
