//! `/version`, legacy (unaggregated) discovery, and SelfSubjectAccessReview.
//!
//! kubectl asks for aggregated discovery first; answering plain `application/json` with an
//! APIGroupList / APIVersions makes it fall back to the per-group-version documents below.

use serde_json::{Value, json};

use super::state::State;

pub(super) const GROUPS: [&str; 3] = ["batch", "authorization.k8s.io", "networking.k8s.io"];

const RW: [&str; 8] = [
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

pub(super) fn version(major: u32, minor: u32) -> Value {
    json!({
        "major": major.to_string(),
        "minor": minor.to_string(),
        "gitVersion": format!("v{major}.{minor}.0"),
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-01-01T00:00:00Z",
        "goVersion": "go1.24.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

pub(super) fn api_versions(server: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server}],
    })
}

fn group(name: &str) -> Value {
    let gv = format!("{name}/v1");
    json!({
        "name": name,
        "versions": [{"groupVersion": gv, "version": "v1"}],
        "preferredVersion": {"groupVersion": gv, "version": "v1"},
    })
}

pub(super) fn api_group(name: &str) -> Option<Value> {
    GROUPS.contains(&name).then(|| {
        let mut g = group(name);
        g["kind"] = json!("APIGroup");
        g["apiVersion"] = json!("v1");
        g
    })
}

pub(super) fn api_group_list() -> Value {
    json!({
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": GROUPS.iter().map(|g| group(g)).collect::<Vec<_>>(),
    })
}

fn res(
    name: &str,
    singular: &str,
    namespaced: bool,
    kind: &str,
    verbs: &[&str],
    short: &[&str],
    categories: &[&str],
) -> Value {
    let mut r = json!({
        "name": name,
        "singularName": singular,
        "namespaced": namespaced,
        "kind": kind,
        "verbs": verbs,
    });
    if !short.is_empty() {
        r["shortNames"] = json!(short);
    }
    if !categories.is_empty() {
        r["categories"] = json!(categories);
    }
    r
}

pub(super) fn resource_list(group: &str, version: &str) -> Option<Value> {
    if version != "v1" {
        return None;
    }
    let (gv, resources) = match group {
        "" => (
            "v1".to_string(),
            vec![
                res("events", "event", true, "Event", &RW, &["ev"], &[]),
                res(
                    "namespaces",
                    "namespace",
                    false,
                    "Namespace",
                    &[
                        "create", "delete", "get", "list", "patch", "update", "watch",
                    ],
                    &["ns"],
                    &[],
                ),
                res("pods", "pod", true, "Pod", &RW, &["po"], &["all"]),
                res("pods/log", "", true, "Pod", &["get"], &[], &[]),
                res(
                    "pods/status",
                    "",
                    true,
                    "Pod",
                    &["get", "patch", "update"],
                    &[],
                    &[],
                ),
                res("secrets", "secret", true, "Secret", &RW, &[], &[]),
            ],
        ),
        "batch" => (
            "batch/v1".to_string(),
            vec![
                res("jobs", "job", true, "Job", &RW, &[], &["all"]),
                res(
                    "jobs/status",
                    "",
                    true,
                    "Job",
                    &["get", "patch", "update"],
                    &[],
                    &[],
                ),
            ],
        ),
        "authorization.k8s.io" => (
            "authorization.k8s.io/v1".to_string(),
            vec![res(
                "selfsubjectaccessreviews",
                "selfsubjectaccessreview",
                false,
                "SelfSubjectAccessReview",
                &["create"],
                &[],
                &[],
            )],
        ),
        "networking.k8s.io" => (
            "networking.k8s.io/v1".to_string(),
            vec![res(
                "networkpolicies",
                "networkpolicy",
                true,
                "NetworkPolicy",
                &RW,
                &["netpol"],
                &[],
            )],
        ),
        _ => return None,
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": resources,
    }))
}

pub(super) fn is_denied(st: &State, verb: &str, resource: &str) -> bool {
    st.denied
        .iter()
        .any(|(v, r)| (v == "*" || v == verb) && (r == "*" || r == resource))
}

/// POST selfsubjectaccessreviews: the request echoed back with a status, as the server does.
pub(super) fn self_subject_access_review(st: &State, body: &Value) -> Value {
    let attrs = &body["spec"]["resourceAttributes"];
    let allowed = if attrs.is_object() {
        let mut resource = attrs["resource"].as_str().unwrap_or_default().to_string();
        if let Some(sub) = attrs["subresource"].as_str().filter(|s| !s.is_empty()) {
            resource = format!("{resource}/{sub}");
        }
        let verb = attrs["verb"].as_str().unwrap_or_default();
        !is_denied(st, verb, &resource)
    } else {
        true
    };
    let mut out = json!({
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": null},
        "spec": body.get("spec").cloned().unwrap_or(json!({})),
        "status": {"allowed": allowed},
    });
    if allowed {
        out["status"]["reason"] = json!(format!(
            "RBAC: allowed by RoleBinding \"claude-sandbox/{}\" of Role \"claude-sandbox\" to User \"{}\"",
            st.settings.namespace, st.settings.user
        ));
    }
    out
}
