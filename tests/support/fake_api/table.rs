//! Server-side printing (`Accept: application/json;as=Table;…`), which is what `kubectl get`
//! shows: the same columns and status words the real printers compute.

use std::sync::Arc;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::kinds::Kind;
use super::util;

fn col(name: &str, typ: &str, format: &str, priority: u32) -> Value {
    json!({"name": name, "type": typ, "format": format, "description": name, "priority": priority})
}

fn age(obj: &Value, now: Timestamp) -> String {
    obj["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(util::parse_time)
        .map(|t| util::human_duration(now.as_second() - t.as_second()))
        .unwrap_or_else(|| "<unknown>".into())
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn columns(kind: Kind) -> Vec<Value> {
    match kind {
        Kind::Pod => vec![
            col("Name", "string", "name", 0),
            col("Ready", "string", "", 0),
            col("Status", "string", "", 0),
            col("Restarts", "string", "", 0),
            col("Age", "string", "", 0),
            col("IP", "string", "", 1),
            col("Node", "string", "", 1),
            col("Nominated Node", "string", "", 1),
            col("Readiness Gates", "string", "", 1),
        ],
        Kind::Job => vec![
            col("Name", "string", "name", 0),
            col("Status", "string", "", 0),
            col("Completions", "string", "", 0),
            col("Duration", "string", "", 0),
            col("Age", "string", "", 0),
            col("Containers", "string", "", 1),
            col("Images", "string", "", 1),
            col("Selector", "string", "", 1),
        ],
        Kind::Secret => vec![
            col("Name", "string", "name", 0),
            col("Type", "string", "", 0),
            col("Data", "integer", "", 0),
            col("Age", "string", "", 0),
        ],
        Kind::Event => vec![
            col("Last Seen", "string", "", 0),
            col("Type", "string", "", 0),
            col("Reason", "string", "", 0),
            col("Object", "string", "", 0),
            col("Message", "string", "", 0),
        ],
        Kind::Namespace => vec![
            col("Name", "string", "name", 0),
            col("Status", "string", "", 0),
            col("Age", "string", "", 0),
        ],
        Kind::NetworkPolicy => vec![
            col("Name", "string", "name", 0),
            col("Pod-Selector", "string", "", 0),
            col("Age", "string", "", 0),
        ],
    }
}

/// kubectl's printPod status word and ready/restart counts.
fn pod_cells(p: &Value, now: Timestamp) -> Vec<Value> {
    let spec = &p["spec"];
    let st = &p["status"];
    let empty = vec![];
    let inits = spec["initContainers"].as_array().unwrap_or(&empty);
    let init_statuses = st["initContainerStatuses"].as_array().unwrap_or(&empty);
    let statuses = st["containerStatuses"].as_array().unwrap_or(&empty);
    let mut total = spec["containers"].as_array().map_or(0, Vec::len);
    let mut ready = 0;
    let mut restarts = 0;
    let mut reason = st["reason"]
        .as_str()
        .filter(|r| !r.is_empty())
        .or(st["phase"].as_str())
        .unwrap_or("Pending")
        .to_string();
    let sidecar = |name: &str| {
        inits
            .iter()
            .any(|c| c["name"] == name && c["restartPolicy"] == "Always")
    };
    for c in inits {
        if c["restartPolicy"] == "Always" {
            total += 1;
        }
    }
    let mut initializing = false;
    for (i, cs) in init_statuses.iter().enumerate() {
        restarts += cs["restartCount"].as_i64().unwrap_or(0);
        let name = cs["name"].as_str().unwrap_or_default();
        let is_sidecar = sidecar(name);
        let started = cs["started"].as_bool().unwrap_or(false);
        if is_sidecar && started && cs["ready"].as_bool().unwrap_or(false) {
            ready += 1;
        }
        let term = &cs["state"]["terminated"];
        let wait = &cs["state"]["waiting"];
        if term.is_object() && term["exitCode"].as_i64() == Some(0) {
            continue;
        }
        if is_sidecar && started {
            continue;
        }
        initializing = true;
        reason = if term.is_object() {
            match term["reason"].as_str().filter(|r| !r.is_empty()) {
                Some(r) => format!("Init:{r}"),
                None => format!("Init:ExitCode:{}", term["exitCode"].as_i64().unwrap_or(0)),
            }
        } else if let Some(r) = wait["reason"]
            .as_str()
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            format!("Init:{r}")
        } else {
            format!("Init:{i}/{}", inits.len())
        };
        break;
    }
    if !initializing {
        let mut has_running = false;
        for cs in statuses.iter().rev() {
            restarts += cs["restartCount"].as_i64().unwrap_or(0);
            let term = &cs["state"]["terminated"];
            let wait = &cs["state"]["waiting"];
            if let Some(r) = wait["reason"].as_str().filter(|r| !r.is_empty()) {
                reason = r.to_string();
            } else if term.is_object() {
                reason = match term["reason"].as_str().filter(|r| !r.is_empty()) {
                    Some(r) => r.to_string(),
                    None => format!("ExitCode:{}", term["exitCode"].as_i64().unwrap_or(0)),
                };
            } else if cs["ready"].as_bool() == Some(true) && cs["state"]["running"].is_object() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = st["conditions"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True");
            reason = if pod_ready {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }
    if p["metadata"]["deletionTimestamp"].is_string() {
        reason = "Terminating".into();
    }
    let or_none = |v: &Value| {
        v.as_str()
            .filter(|x| !x.is_empty())
            .unwrap_or("<none>")
            .to_string()
    };
    vec![
        json!(s(&p["metadata"]["name"])),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts.to_string()),
        json!(age(p, now)),
        json!(or_none(&st["podIP"])),
        json!(or_none(&spec["nodeName"])),
        json!(or_none(&st["nominatedNodeName"])),
        json!("<none>"),
    ]
}

fn job_cells(j: &Value, now: Timestamp) -> Vec<Value> {
    let st = &j["status"];
    let conds = st["conditions"].as_array().cloned().unwrap_or_default();
    let has = |t: &str| {
        conds
            .iter()
            .any(|c| c["type"] == t && c["status"] == "True")
    };
    let status = if has("Complete") {
        "Complete"
    } else if has("Failed") {
        "Failed"
    } else if j["metadata"]["deletionTimestamp"].is_string() {
        "Terminating"
    } else if has("FailureTarget") {
        "FailureTarget"
    } else if has("SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else if has("Suspended") {
        "Suspended"
    } else {
        "Running"
    };
    let completions = j["spec"]["completions"].as_i64().unwrap_or(1);
    let succeeded = st["succeeded"].as_i64().unwrap_or(0);
    let start = st["startTime"].as_str().and_then(util::parse_time);
    let end = st["completionTime"]
        .as_str()
        .and_then(util::parse_time)
        .unwrap_or(now);
    let duration = start
        .map(|s| util::human_duration(end.as_second() - s.as_second()))
        .unwrap_or_default();
    let containers = j["spec"]["template"]["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<String> = containers.iter().map(|c| s(&c["name"])).collect();
    let images: Vec<String> = containers.iter().map(|c| s(&c["image"])).collect();
    let selector: Vec<String> = j["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    vec![
        json!(s(&j["metadata"]["name"])),
        json!(status),
        json!(format!("{succeeded}/{completions}")),
        json!(duration),
        json!(age(j, now)),
        json!(names.join(",")),
        json!(images.join(",")),
        json!(selector.join(",")),
    ]
}

fn cells(kind: Kind, o: &Value, now: Timestamp) -> Vec<Value> {
    match kind {
        Kind::Pod => pod_cells(o, now),
        Kind::Job => job_cells(o, now),
        Kind::Secret => vec![
            json!(s(&o["metadata"]["name"])),
            json!(s(&o["type"])),
            json!(o["data"].as_object().map_or(0, |d| d.len())),
            json!(age(o, now)),
        ],
        Kind::Event => {
            let last = o["lastTimestamp"]
                .as_str()
                .or(o["eventTime"].as_str())
                .and_then(util::parse_time)
                .map(|t| util::human_duration(now.as_second() - t.as_second()))
                .unwrap_or_else(|| "<unknown>".into());
            let io = &o["involvedObject"];
            vec![
                json!(last),
                json!(s(&o["type"])),
                json!(s(&o["reason"])),
                json!(format!(
                    "{}/{}",
                    s(&io["kind"]).to_lowercase(),
                    s(&io["name"])
                )),
                json!(s(&o["message"])),
            ]
        }
        Kind::Namespace => vec![
            json!(s(&o["metadata"]["name"])),
            json!(s(&o["status"]["phase"])),
            json!(age(o, now)),
        ],
        Kind::NetworkPolicy => {
            let sel: Vec<String> = o["spec"]["podSelector"]["matchLabels"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                        .collect()
                })
                .unwrap_or_default();
            let sel = if sel.is_empty() {
                "<none>".to_string()
            } else {
                sel.join(",")
            };
            vec![
                json!(s(&o["metadata"]["name"])),
                json!(sel),
                json!(age(o, now)),
            ]
        }
    }
}

/// `include` is the `includeObject` parameter: None, Metadata (the default) or Object.
pub(super) fn table(
    kind: Kind,
    items: &[Arc<Value>],
    list_meta: Value,
    include: Option<&str>,
) -> Value {
    let now = util::now();
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let mut row = json!({"cells": cells(kind, o, now)});
            match include.unwrap_or("Metadata") {
                "None" => {}
                "Object" => row["object"] = (**o).clone(),
                _ => {
                    row["object"] = json!({
                        "kind": "PartialObjectMetadata",
                        "apiVersion": "meta.k8s.io/v1",
                        "metadata": o["metadata"].clone(),
                    })
                }
            }
            row
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
        "columnDefinitions": columns(kind),
        "rows": rows,
    })
}
