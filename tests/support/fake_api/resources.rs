//! Generic get/list/create/update/patch/delete with the per-kind rules the apiserver applies.

use std::io;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::HeaderValue;
use axum::response::Response;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

use super::gc;
use super::http::Ctx;
use super::kinds::Kind;
use super::lifecycle;
use super::patch;
use super::select::Selectors;
use super::state::{DeletionRecord, State, key_of};
use super::status::{ApiError, FieldError, json_response, success_status};
use super::table;
use super::util;
use super::validation;

/// etcd's default request limit: bigger objects are refused at storage.
const MAX_OBJECT_BYTES: usize = 1536 * 1024;

fn with_warnings(mut resp: Response, warnings: &[String]) -> Response {
    for w in warnings {
        let text = format!("299 - {}", serde_json::to_string(w).unwrap_or_default());
        if let Ok(v) = HeaderValue::from_str(&text) {
            resp.headers_mut().append("warning", v);
        }
    }
    resp
}

fn encode_continue(rv: u64, ns: &str, name: &str) -> String {
    let v = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": format!("{ns}/{name}\u{0}")});
    util::base64_encode(v.to_string().as_bytes())
}

fn decode_continue(tok: &str) -> Option<(u64, String, String)> {
    let bytes = util::base64_decode(tok)?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    let start = v["start"].as_str()?.trim_end_matches('\u{0}');
    let (ns, name) = start.split_once('/')?;
    Some((v["rv"].as_u64()?, ns.to_string(), name.to_string()))
}

pub(super) fn get(ctx: &Ctx, kind: Kind, ns: &str, name: &str) -> Result<Response, ApiError> {
    let obj = ctx
        .shared
        .lock()
        .get(kind, ns, name)
        .ok_or_else(|| ApiError::not_found(kind, name))?;
    if ctx.wants_table() {
        let md = json!({"resourceVersion": obj["metadata"]["resourceVersion"]});
        return Ok(json_response(
            200,
            &table::table(kind, &[obj], md, ctx.q.get("includeObject")),
        ));
    }
    Ok(json_response(200, &obj))
}

pub(super) fn list(ctx: &Ctx, kind: Kind, ns: Option<&str>) -> Result<Response, ApiError> {
    let q = &ctx.q;
    let sel = Selectors::parse(kind, q.get("labelSelector"), q.get("fieldSelector"))
        .map_err(ApiError::bad_request)?;
    let limit = match q.get("limit") {
        Some(l) => l.parse::<i64>().map_err(|_| {
            ApiError::bad_request(format!("strconv.ParseInt: parsing {l:?}: invalid syntax"))
        })?,
        None => 0,
    };
    let cont = q.get("continue").filter(|c| !c.is_empty());
    if cont.is_some() && q.get("resourceVersion").is_some_and(|r| !r.is_empty()) {
        return Err(ApiError::bad_request(
            "specifying resource version is not allowed when using continue",
        ));
    }
    let mut st = ctx.shared.lock();
    let (list_rv, after) = match cont {
        Some(tok) => {
            let (rv, ans, aname) = decode_continue(tok).ok_or_else(|| {
                ApiError::bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
            })?;
            if rv
                < st.compacted_rv.min(
                    st.history
                        .front()
                        .map_or(u64::MAX, |c| c.rv.saturating_sub(1)),
                )
            {
                return Err(ApiError::expired(
                    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
                ));
            }
            (rv, Some((ans, aname)))
        }
        None => (st.rv, None),
    };
    let mut items: Vec<Arc<Value>> = Vec::new();
    let mut more = false;
    let mut remaining = 0u64;
    {
        let mut iter = st.range(
            kind,
            ns,
            after.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
        );
        for (_, obj) in iter.by_ref() {
            if !sel.matches(kind, obj) {
                continue;
            }
            if limit > 0 && items.len() as i64 >= limit {
                more = true;
                if sel.is_empty() {
                    remaining = 1 + iter.count() as u64;
                }
                break;
            }
            items.push(obj.clone());
        }
    }
    let mut md = json!({"resourceVersion": list_rv.to_string()});
    if more && let Some(last) = items.last() {
        let (_, lns, lname) = key_of(kind, last);
        md["continue"] = json!(encode_continue(list_rv, &lns, &lname));
        if sel.is_empty() {
            md["remainingItemCount"] = json!(remaining);
        }
    }
    if ctx.wants_table() {
        drop(st);
        return Ok(json_response(
            200,
            &table::table(kind, &items, md, ctx.q.get("includeObject")),
        ));
    }
    let mut bytes = Vec::with_capacity(64 + items.len() * 2048);
    bytes.extend_from_slice(
        format!(
            r#"{{"kind":"{}","apiVersion":"{}","metadata":{},"items":["#,
            kind.list_kind(),
            kind.api_version(),
            md
        )
        .as_bytes(),
    );
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            bytes.push(b',');
        }
        bytes.extend_from_slice(&st.item_json(kind, item));
    }
    bytes.extend_from_slice(b"]}");
    drop(st);
    let mut resp = json_response(200, &Value::Null);
    *resp.body_mut() = Body::from(bytes);
    Ok(resp)
}

fn decode(ctx: &Ctx, kind: Kind) -> Result<Value, ApiError> {
    let v: Value = serde_json::from_slice(&ctx.body).map_err(|e| {
        ApiError::bad_request(format!(
            "{k} in version \"v1\" cannot be handled as a {k}: json: {e}",
            k = kind.kind()
        ))
    })?;
    if !v.is_object() {
        return Err(ApiError::bad_request(format!(
            "{k} in version \"v1\" cannot be handled as a {k}: json: cannot unmarshal {} into Go value of type struct",
            if v.is_array() { "array" } else { "scalar" },
            k = kind.kind()
        )));
    }
    if let Some(av) = v["apiVersion"].as_str()
        && av != kind.api_version()
    {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({av}) does not match the expected API version ({})",
            kind.api_version()
        )));
    }
    if let Some(k) = v["kind"].as_str()
        && k != kind.kind()
    {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({k}) does not match the expected kind ({})",
            kind.kind()
        )));
    }
    Ok(v)
}

/// Typed decode, plus `fieldValidation` for fields the schema does not know.
fn typed(ctx: &Ctx, kind: Kind, v: &Value, warnings: &mut Vec<String>) -> Result<Value, ApiError> {
    let k = kind.kind();
    let t = validation::roundtrip(kind, v).map_err(|e| {
        ApiError::bad_request(format!(
            "{k} in version \"v1\" cannot be handled as a {k}: {e}"
        ))
    })?;
    let mut unknown = Vec::new();
    patch::unknown_fields(v, &t, "", &mut unknown);
    match ctx.q.get("fieldValidation").unwrap_or("Warn") {
        "Strict" if !unknown.is_empty() => {
            let list: Vec<String> = unknown
                .iter()
                .map(|p| format!("unknown field \"{p}\""))
                .collect();
            return Err(ApiError::bad_request(format!(
                "{k} in version \"v1\" cannot be handled as a {k}: strict decoding error: {}",
                list.join(", ")
            )));
        }
        "Strict" | "Ignore" => {}
        "Warn" | "" => warnings.extend(unknown.iter().map(|p| format!("unknown field \"{p}\""))),
        other => {
            return Err(ApiError::bad_request(format!(
                "fieldValidation: Unsupported value: \"{other}\": supported values: \"Ignore\", \"Strict\", \"Warn\""
            )));
        }
    }
    Ok(t)
}

fn dry_run(ctx: &Ctx, body_dry_run: bool) -> Result<bool, ApiError> {
    match ctx.q.get("dryRun") {
        None | Some("") => Ok(body_dry_run),
        Some("All") => Ok(true),
        Some(other) => Err(ApiError::bad_request(format!(
            "dryRun: Unsupported value: \"{other}\": supported values: \"All\""
        ))),
    }
}

/// What a kind adds on write; returns sidecars a pre-1.29 server demoted (Jobs only).
fn prepare(
    st: &mut State,
    kind: Kind,
    obj: &mut Value,
    old: Option<&Value>,
) -> Result<Vec<String>, ApiError> {
    let name = obj["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let native = st.settings.native_sidecars();
    let invalid = |errs: Vec<FieldError>| -> Result<(), ApiError> {
        if errs.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid(kind, &name, &errs))
        }
    };
    let mut demoted = Vec::new();
    match kind {
        Kind::Job => {
            let mut job: Job = serde_json::from_value(obj.clone())
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
            let uid = job.metadata.uid.clone().unwrap_or_default();
            if old.is_none() {
                if let Some(ps) = job.spec.as_mut().and_then(|s| s.template.spec.as_mut())
                    && !native
                {
                    demoted = ps
                        .init_containers
                        .iter()
                        .flatten()
                        .filter(|c| c.restart_policy.as_deref() == Some("Always"))
                        .map(|c| c.name.clone())
                        .collect();
                    validation::drop_native_sidecars(ps);
                }
                validation::default_job(&mut job, &uid);
                job.status = None;
                job.metadata.generation = Some(1);
            }
            let mut errs = validation::validate_job(&job, native);
            if let Some(old) = old {
                let old_job: Job = serde_json::from_value(old.clone()).unwrap_or_default();
                let old_spec = old_job.spec.clone().unwrap_or_default();
                let new_spec = job.spec.clone().unwrap_or_default();
                if old_spec.template != new_spec.template && old_spec.suspend != Some(true) {
                    errs.push(FieldError::invalid(
                        "spec.template",
                        serde_json::to_value(&new_spec.template).unwrap_or_default(),
                        "field is immutable",
                    ));
                }
                if old_spec.selector != new_spec.selector {
                    errs.push(FieldError::invalid(
                        "spec.selector",
                        serde_json::to_value(&new_spec.selector).unwrap_or_default(),
                        "field is immutable",
                    ));
                }
                if old_spec != new_spec {
                    job.metadata.generation = Some(old_job.metadata.generation.unwrap_or(1) + 1);
                }
            }
            invalid(errs)?;
            *obj = serde_json::to_value(&job).unwrap_or_default();
        }
        Kind::Pod => {
            let mut pod: Pod = serde_json::from_value(obj.clone())
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
            if old.is_none() {
                if let Some(ps) = pod.spec.as_mut() {
                    if !native {
                        validation::drop_native_sidecars(ps);
                    }
                    validation::default_pod_spec(ps);
                    ps.service_account_name
                        .get_or_insert_with(|| "default".into());
                }
                pod.status = Some(k8s_openapi::api::core::v1::PodStatus {
                    phase: Some("Pending".into()),
                    ..Default::default()
                });
            }
            invalid(validation::validate_pod(&pod, native))?;
            *obj = serde_json::to_value(&pod).unwrap_or_default();
        }
        Kind::Secret => {
            let mut errs = Vec::new();
            if let Ok(s) = serde_json::from_value::<k8s_openapi::api::core::v1::Secret>(obj.clone())
            {
                validation::validate_meta(kind, &s.metadata, &mut errs);
            }
            errs.extend(validation::prepare_secret(obj));
            if let Some(old) = old
                && old["type"] != obj["type"]
            {
                errs.push(FieldError::invalid(
                    "type",
                    obj["type"].clone(),
                    "field is immutable",
                ));
            }
            invalid(errs)?;
        }
        _ => {
            let md: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta =
                serde_json::from_value(obj["metadata"].clone()).unwrap_or_default();
            let mut errs = Vec::new();
            validation::validate_meta(kind, &md, &mut errs);
            invalid(errs)?;
        }
    }
    Ok(demoted)
}

fn check_size(kind: Kind, obj: &Value) -> Result<(), ApiError> {
    let _ = kind;
    if serde_json::to_vec(obj).map_or(0, |b| b.len()) > MAX_OBJECT_BYTES {
        return Err(ApiError::new(
            500,
            "InternalError",
            "etcdserver: request is too large",
        ));
    }
    Ok(())
}

pub(super) fn create(ctx: &Ctx, kind: Kind, ns: Option<&str>) -> Result<Response, ApiError> {
    let raw = decode(ctx, kind)?;
    let mut warnings = Vec::new();
    let mut obj = typed(ctx, kind, &raw, &mut warnings)?;
    let dry = dry_run(ctx, false)?;
    let mut st = ctx.shared.lock();
    if kind == Kind::Job && st.faults.server_errors_on_create > 0 {
        st.faults.server_errors_on_create -= 1;
        return Err(ApiError::internal("fake: injected failure on create"));
    }
    if let Some(ns) = ns {
        let body_ns = obj["metadata"]["namespace"].as_str().unwrap_or_default();
        if !body_ns.is_empty() && body_ns != ns {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        if !st.exists_namespace(ns) {
            return Err(ApiError::namespace_not_found(ns));
        }
        obj["metadata"]["namespace"] = json!(ns);
    }
    if obj["metadata"]["resourceVersion"]
        .as_str()
        .is_some_and(|r| !r.is_empty())
    {
        return Err(ApiError::bad_request(
            "resourceVersion should not be set on objects to be created",
        ));
    }
    let mut name = obj["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if name.is_empty()
        && let Some(g) = obj["metadata"]["generateName"]
            .as_str()
            .filter(|g| !g.is_empty())
    {
        let mut g = g.to_string();
        g.truncate(58);
        name = format!("{g}{}", st.next_name_suffix());
        obj["metadata"]["name"] = json!(name);
    }
    let md = obj["metadata"]
        .as_object_mut()
        .expect("typed objects have metadata");
    for k in [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
        "managedFields",
    ] {
        md.remove(k);
    }
    md.insert("uid".into(), json!(st.new_uid()));
    md.insert(
        "creationTimestamp".into(),
        json!(util::k8s_time(util::now())),
    );
    if kind == Kind::NetworkPolicy {
        md.insert("generation".into(), json!(1));
    }
    let demoted = prepare(&mut st, kind, &mut obj, None)?;
    if st.get(kind, ns.unwrap_or(""), &name).is_some() {
        return Err(ApiError::already_exists(kind, &name));
    }
    check_size(kind, &obj)?;
    if dry {
        if kind == Kind::Job
            && let Ok(job) = serde_json::from_value::<Job>(obj.clone())
        {
            st.dry_run_jobs.push(job);
        }
        return Ok(with_warnings(
            json_response(201, &{
                let mut o = obj;
                o["apiVersion"] = json!(kind.api_version());
                o["kind"] = json!(kind.kind());
                o
            }),
            &warnings,
        ));
    }
    let stored = st.create(kind, obj);
    let mut drop_connection = false;
    if kind == Kind::Job {
        if let Ok(job) = serde_json::from_value::<Job>((*stored).clone()) {
            st.created_jobs.push(job);
        }
        let scenario = st
            .next_scenarios
            .pop_front()
            .unwrap_or_else(|| st.default_scenario.clone());
        let uid = stored["metadata"]["uid"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let tick = st.settings.tick;
        lifecycle::spawn_job(
            ctx.shared.clone(),
            tick,
            ns.unwrap_or_default().to_string(),
            name.clone(),
            uid,
            scenario,
            demoted,
        );
        if st.faults.drop_connection_on_create > 0 {
            st.faults.drop_connection_on_create -= 1;
            drop_connection = true;
        } else if st.faults.gateway_timeout_after_create > 0 {
            st.faults.gateway_timeout_after_create -= 1;
            return Err(ApiError::gateway_timeout(
                "fake: the job was stored but the answer timed out",
            ));
        }
    }
    drop(st);
    if drop_connection {
        let body = Body::from_stream(futures::stream::once(async {
            Err::<Bytes, io::Error>(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "fake: connection dropped",
            ))
        }));
        let mut resp = json_response(201, &Value::Null);
        *resp.body_mut() = body;
        return Ok(resp);
    }
    Ok(with_warnings(json_response(201, &stored), &warnings))
}

/// Carries over what the server owns from the stored object.
fn keep_server_fields(new: &mut Value, cur: &Value, status_only: bool) -> Value {
    let mut out = if status_only {
        let mut o = cur.clone();
        o["status"] = new["status"].clone();
        o
    } else {
        let mut o = new.clone();
        if let Some(s) = cur.get("status") {
            o["status"] = s.clone();
        }
        o
    };
    for k in [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
        "namespace",
    ] {
        match cur["metadata"].get(k) {
            Some(v) => out["metadata"][k] = v.clone(),
            None => {
                if let Some(m) = out["metadata"].as_object_mut() {
                    m.remove(k);
                }
            }
        }
    }
    out
}

fn check_identity(obj: &Value, ns: Option<&str>, name: &str) -> Result<(), ApiError> {
    let body_name = obj["metadata"]["name"].as_str().unwrap_or_default();
    if body_name != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    if let Some(ns) = ns {
        let body_ns = obj["metadata"]["namespace"].as_str().unwrap_or_default();
        if !body_ns.is_empty() && body_ns != ns {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
    }
    Ok(())
}

pub(super) fn update(
    ctx: &Ctx,
    kind: Kind,
    ns: Option<&str>,
    name: &str,
    status_only: bool,
) -> Result<Response, ApiError> {
    let raw = decode(ctx, kind)?;
    let mut warnings = Vec::new();
    let mut obj = typed(ctx, kind, &raw, &mut warnings)?;
    check_identity(&obj, ns, name)?;
    let dry = dry_run(ctx, false)?;
    let mut st = ctx.shared.lock();
    let cur = st
        .get(kind, ns.unwrap_or(""), name)
        .ok_or_else(|| ApiError::not_found(kind, name))?;
    if let Some(rv) = obj["metadata"]["resourceVersion"]
        .as_str()
        .filter(|r| !r.is_empty())
        && cur["metadata"]["resourceVersion"].as_str() != Some(rv)
    {
        return Err(ApiError::stale(kind, name));
    }
    let mut out = keep_server_fields(&mut obj, &cur, status_only);
    if let Some(ns) = ns {
        out["metadata"]["namespace"] = json!(ns);
    }
    if !status_only {
        prepare(&mut st, kind, &mut out, Some(&cur))?;
    }
    check_size(kind, &out)?;
    if dry {
        return Ok(with_warnings(json_response(200, &out), &warnings));
    }
    let stored = st.put(kind, out);
    Ok(with_warnings(json_response(200, &stored), &warnings))
}

fn json_patch(target: &mut Value, ops: &Value) -> Result<(), String> {
    fn split(path: &str) -> Vec<String> {
        path.split('/')
            .skip(1)
            .map(|p| p.replace("~1", "/").replace("~0", "~"))
            .collect()
    }
    fn parent<'a>(t: &'a mut Value, parts: &[String]) -> Option<&'a mut Value> {
        let mut cur = t;
        for p in parts {
            cur = match cur {
                Value::Object(m) => m.get_mut(p)?,
                Value::Array(a) => a.get_mut(p.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(cur)
    }
    for op in ops.as_array().ok_or("json patch must be an array")? {
        let path = split(op["path"].as_str().ok_or("missing path")?);
        let Some((last, parents)) = path.split_last() else {
            return Err("the root cannot be patched".into());
        };
        let p = parent(target, parents)
            .ok_or_else(|| format!("doc is missing path: {:?}", op["path"]))?;
        match op["op"].as_str().unwrap_or_default() {
            "add" | "replace" => {
                let v = op["value"].clone();
                match p {
                    Value::Object(m) => {
                        m.insert(last.clone(), v);
                    }
                    Value::Array(a) if last == "-" => a.push(v),
                    Value::Array(a) => {
                        let i: usize = last.parse().map_err(|_| "bad index")?;
                        if op["op"] == "add" && i <= a.len() {
                            a.insert(i, v);
                        } else if i < a.len() {
                            a[i] = v;
                        } else {
                            return Err("index out of range".into());
                        }
                    }
                    _ => return Err("cannot add to a scalar".into()),
                }
            }
            "remove" => match p {
                Value::Object(m) => {
                    m.remove(last).ok_or("path not found")?;
                }
                Value::Array(a) => {
                    let i: usize = last.parse().map_err(|_| "bad index")?;
                    if i >= a.len() {
                        return Err("index out of range".into());
                    }
                    a.remove(i);
                }
                _ => return Err("cannot remove from a scalar".into()),
            },
            "test" => {
                let cur = match p {
                    Value::Object(m) => m.get(last),
                    Value::Array(a) => last.parse::<usize>().ok().and_then(|i| a.get(i)),
                    _ => None,
                };
                if cur != Some(&op["value"]) {
                    return Err(format!("testing value {:?} failed", op["path"]));
                }
            }
            other => return Err(format!("unsupported json patch operation {other:?}")),
        }
    }
    Ok(())
}

pub(super) fn patch(
    ctx: &Ctx,
    kind: Kind,
    ns: Option<&str>,
    name: &str,
    status_only: bool,
) -> Result<Response, ApiError> {
    let ct = ctx.header("content-type").unwrap_or_default();
    let ct = ct.split(';').next().unwrap_or_default().trim().to_string();
    let mode = match ct.as_str() {
        "application/merge-patch+json" | "application/strategic-merge-patch+json" => "merge",
        "application/apply-patch+yaml" | "application/apply-patch+json" => "apply",
        "application/json-patch+json" => "json",
        other => return Err(ApiError::unsupported_media_type(other)),
    };
    let body: Value = serde_json::from_slice(&ctx.body).map_err(|e| {
        if mode == "apply" {
            ApiError::bad_request(format!(
                "error decoding YAML: the fake accepts JSON apply bodies only: {e}"
            ))
        } else {
            ApiError::bad_request(format!("error decoding patch: {e}"))
        }
    })?;
    let dry = dry_run(ctx, false)?;
    let manager = ctx.q.get("fieldManager").unwrap_or_default().to_string();
    if mode == "apply" {
        if manager.is_empty() {
            return Err(ApiError::new(
                422,
                "Invalid",
                "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
            ));
        }
        if body["apiVersion"].as_str().is_none_or(str::is_empty)
            || body["kind"].as_str().is_none_or(str::is_empty)
        {
            return Err(ApiError::bad_request(
                "invalid object type: /, Kind=: apiVersion and kind must be set in an apply patch",
            ));
        }
        check_identity(&body, ns, name)?;
    }
    let mut st = ctx.shared.lock();
    let cur = st.get(kind, ns.unwrap_or(""), name);
    let creating = cur.is_none();
    let Some(cur) =
        cur.or_else(|| (mode == "apply").then(|| Arc::new(json!({"metadata": {"name": name}}))))
    else {
        return Err(ApiError::not_found(kind, name));
    };
    let mut new = (*cur).clone();
    let akey = (
        kind,
        ns.unwrap_or("").to_string(),
        name.to_string(),
        manager.clone(),
    );
    let mut applied_paths = Vec::new();
    match mode {
        "merge" => patch::merge_patch(&mut new, &body),
        "json" => json_patch(&mut new, &body).map_err(|e| ApiError::new(422, "Invalid", e))?,
        _ => {
            let mut tracked = body.clone();
            if let Some(m) = tracked.as_object_mut() {
                m.remove("apiVersion");
                m.remove("kind");
            }
            if let Some(md) = tracked.get_mut("metadata").and_then(Value::as_object_mut) {
                md.retain(|k, _| k == "labels" || k == "annotations");
            }
            patch::leaf_paths(&tracked, &mut Vec::new(), &mut applied_paths);
            // Fields this manager applied before and no longer mentions are removed.
            if let Some(before) = st.applied.get(&akey) {
                for p in before {
                    if !applied_paths.contains(p) {
                        patch::remove_path(&mut new, p);
                    }
                }
            }
            patch::merge_patch(&mut new, &body);
        }
    }
    if let Some(rv) = body["metadata"]["resourceVersion"]
        .as_str()
        .filter(|r| !r.is_empty())
        && cur["metadata"]["resourceVersion"].as_str() != Some(rv)
    {
        return Err(ApiError::stale(kind, name));
    }
    let mut warnings = Vec::new();
    let mut typed_new = typed(ctx, kind, &new, &mut warnings)?;
    check_identity(&typed_new, ns, name)?;
    if creating {
        drop(st);
        let mut sub = Ctx {
            body: Bytes::from(serde_json::to_vec(&typed_new).unwrap_or_default()),
            ..ctx.clone()
        };
        sub.q.0.retain(|(k, _)| k != "fieldValidation");
        let resp = create(&sub, kind, ns)?;
        if resp.status().is_success() && !dry {
            ctx.shared.lock().applied.insert(akey, applied_paths);
        }
        return Ok(resp);
    }
    let mut out = keep_server_fields(&mut typed_new, &cur, status_only);
    if let Some(ns) = ns {
        out["metadata"]["namespace"] = json!(ns);
    }
    if !status_only {
        prepare(&mut st, kind, &mut out, Some(&cur))?;
    }
    check_size(kind, &out)?;
    if dry {
        return Ok(with_warnings(json_response(200, &out), &warnings));
    }
    if mode == "apply" {
        st.applied.insert(akey, applied_paths);
    }
    let stored = st.put(kind, out);
    Ok(with_warnings(json_response(200, &stored), &warnings))
}

pub(super) fn delete(
    ctx: &Ctx,
    kind: Kind,
    ns: Option<&str>,
    name: &str,
) -> Result<Response, ApiError> {
    let opts: Value = if ctx.body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(&ctx.body).map_err(|e| {
            ApiError::bad_request(format!(
                "DeleteOptions in version \"v1\" cannot be handled as a DeleteOptions: {e}"
            ))
        })?
    };
    let q = &ctx.q;
    let mut policy = opts["propagationPolicy"]
        .as_str()
        .map(String::from)
        .or_else(|| q.get("propagationPolicy").map(String::from));
    if policy.is_none() {
        let orphan = opts["orphanDependents"]
            .as_bool()
            .or(match q.get("orphanDependents") {
                Some("true") => Some(true),
                Some("false") => Some(false),
                _ => None,
            });
        policy = orphan.map(|o| {
            if o {
                "Orphan".to_string()
            } else {
                "Background".to_string()
            }
        });
    }
    if let Some(p) = &policy
        && !["Foreground", "Background", "Orphan"].contains(&p.as_str())
    {
        return Err(ApiError::new(
            422,
            "Invalid",
            format!(
                "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{p}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
            ),
        ));
    }
    let grace = opts["gracePeriodSeconds"]
        .as_i64()
        .or_else(|| q.get("gracePeriodSeconds").and_then(|g| g.parse().ok()));
    let body_dry = opts["dryRun"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x == "All"));
    let dry = dry_run(ctx, body_dry)?;
    let mut st = ctx.shared.lock();
    let cur = st
        .get(kind, ns.unwrap_or(""), name)
        .ok_or_else(|| ApiError::not_found(kind, name))?;
    let pre = &opts["preconditions"];
    if let Some(uid) = pre["uid"].as_str()
        && cur["metadata"]["uid"].as_str() != Some(uid)
    {
        return Err(ApiError::conflict(
            kind,
            name,
            &format!(
                "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                cur["metadata"]["uid"].as_str().unwrap_or_default()
            ),
        ));
    }
    if let Some(rv) = pre["resourceVersion"].as_str()
        && cur["metadata"]["resourceVersion"].as_str() != Some(rv)
    {
        return Err(ApiError::conflict(
            kind,
            name,
            &format!(
                "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                cur["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or_default()
            ),
        ));
    }
    st.deletions.push(DeletionRecord {
        resource: kind.plural().to_string(),
        namespace: ns.unwrap_or_default().to_string(),
        name: name.to_string(),
        propagation_policy: policy.clone(),
        grace_period_seconds: grace,
        dry_run: dry,
    });
    let uid = cur["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if dry {
        return Ok(match kind {
            Kind::Pod => json_response(200, &cur),
            Kind::Job if policy.as_deref() != Some("Background") => json_response(200, &cur),
            _ => json_response(200, &success_status(kind, name, &uid)),
        });
    }
    let ns_s = ns.unwrap_or_default();
    let answer = match kind {
        // batch/v1 Jobs still default to orphaning their pods when the client says nothing.
        Kind::Job => gc::delete_job(
            &ctx.shared,
            &mut st,
            ns_s,
            name,
            policy.as_deref().unwrap_or("Orphan"),
        ),
        Kind::Pod => gc::delete_pod(&ctx.shared, &mut st, ns_s, name, grace),
        _ => {
            st.remove(kind, ns_s, name);
            None
        }
    };
    Ok(match answer {
        Some(obj) => json_response(200, &obj),
        None => json_response(200, &success_status(kind, name, &uid)),
    })
}
