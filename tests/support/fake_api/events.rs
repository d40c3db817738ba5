//! core/v1 Events as the scheduler, kubelet and Job controller record them.

use serde_json::{Value, json};

use super::kinds::Kind;
use super::state::State;
use super::util;

pub(super) struct EventSpec {
    pub typ: &'static str,
    pub reason: &'static str,
    pub message: String,
    pub component: &'static str,
    pub field_path: Option<String>,
}

pub(super) fn ev(
    typ: &'static str,
    reason: &'static str,
    message: String,
    component: &'static str,
) -> EventSpec {
    EventSpec {
        typ,
        reason,
        message,
        component,
        field_path: None,
    }
}

pub(super) fn kubelet_ev(
    typ: &'static str,
    reason: &'static str,
    message: String,
    container: &str,
    init: bool,
) -> EventSpec {
    let group = if init { "initContainers" } else { "containers" };
    EventSpec {
        field_path: Some(format!("spec.{group}{{{container}}}")),
        ..ev(typ, reason, message, "kubelet")
    }
}

/// Records a core/v1 Event about `obj` (a stored object's JSON).
pub(super) fn emit_event(st: &mut State, obj: &Value, e: EventSpec) {
    let md = &obj["metadata"];
    let name = md["name"].as_str().unwrap_or_default();
    let ns = md["namespace"].as_str().unwrap_or_default().to_string();
    let now = util::k8s_time(util::now());
    let host = if e.component == "kubelet" {
        st.settings.node_name.clone()
    } else {
        String::new()
    };
    let mut involved = json!({
        "kind": obj["kind"],
        "namespace": ns,
        "name": name,
        "uid": md["uid"],
        "apiVersion": obj["apiVersion"],
        "resourceVersion": md["resourceVersion"],
    });
    if let Some(fp) = e.field_path {
        involved["fieldPath"] = json!(fp);
    }
    let mut source = json!({"component": e.component});
    if !host.is_empty() {
        source["host"] = json!(host);
    }
    let suffix = st.rng.hex(16);
    let event = json!({
        "metadata": {"name": format!("{name}.{suffix}"), "namespace": ns},
        "involvedObject": involved,
        "reason": e.reason,
        "message": e.message,
        "source": source,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
        "type": e.typ,
        "eventTime": null,
        "reportingComponent": e.component,
        "reportingInstance": host,
    });
    st.create(Kind::Event, event);
}
