//! `?watch=true`: newline-delimited `{"type","object"}` events from the change history, with
//! selectors, resourceVersion resumption, 410 Gone, bookmarks and timeouts.

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::http::Query;
use super::kinds::Kind;
use super::select::Selectors;
use super::state::{ChangeType, Shared, State};
use super::status::ApiError;

#[derive(Serialize)]
struct Ev<'a> {
    #[serde(rename = "type")]
    typ: &'a str,
    object: &'a Value,
}

struct Cursor {
    shared: Arc<Shared>,
    kind: Kind,
    ns: Option<String>,
    sel: Selectors,
    last_rv: u64,
    pending: VecDeque<(&'static str, Arc<Value>)>,
    deadline: Option<Instant>,
    bookmarks: bool,
    bookmark_every: std::time::Duration,
    next_bookmark: Instant,
    bookmark_due: bool,
    rx: tokio::sync::watch::Receiver<u64>,
    /// Set once the stream must end after `pending` drains.
    closing: bool,
}

fn gone(message: String) -> Arc<Value> {
    Arc::new(json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "Expired",
        "code": 410,
    }))
}

fn bookmark(kind: Kind, rv: u64, initial_end: bool) -> Arc<Value> {
    let mut md = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        md["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    Arc::new(json!({"kind": kind.kind(), "apiVersion": kind.api_version(), "metadata": md}))
}

impl Cursor {
    fn in_scope(&self, obj: &Value) -> bool {
        self.ns
            .as_deref()
            .is_none_or(|ns| obj["metadata"]["namespace"].as_str() == Some(ns))
    }

    fn collect(&mut self, st: &State) {
        if self.last_rv < st.compacted_rv {
            let msg = format!(
                "too old resource version: {} ({})",
                self.last_rv, st.compacted_rv
            );
            self.pending.push_back(("ERROR", gone(msg)));
            self.closing = true;
            return;
        }
        let start = st.history.partition_point(|c| c.rv <= self.last_rv);
        for c in st.history.range(start..) {
            self.last_rv = c.rv;
            if c.kind != self.kind || !self.in_scope(&c.obj) {
                continue;
            }
            let now = c.typ != ChangeType::Deleted && self.sel.matches(self.kind, &c.obj);
            let before = c
                .prev
                .as_ref()
                .is_some_and(|p| self.sel.matches(self.kind, p));
            let typ = match c.typ {
                ChangeType::Added if now => "ADDED",
                ChangeType::Modified if now && before => "MODIFIED",
                ChangeType::Modified if now => "ADDED",
                ChangeType::Modified if before => "DELETED",
                ChangeType::Deleted if before || self.sel.matches(self.kind, &c.obj) => "DELETED",
                _ => continue,
            };
            self.pending.push_back((typ, c.obj.clone()));
        }
        if self.bookmark_due {
            self.bookmark_due = false;
            self.last_rv = self.last_rv.max(st.rv);
            self.pending
                .push_back(("BOOKMARK", bookmark(self.kind, self.last_rv, false)));
        }
    }

    fn drain(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while out.len() < 64 * 1024 {
            let Some((typ, obj)) = self.pending.pop_front() else {
                break;
            };
            if serde_json::to_writer(&mut out, &Ev { typ, object: &obj }).is_ok() {
                out.push(b'\n');
            }
        }
        out
    }
}

async fn step(mut c: Cursor) -> Option<(Result<Bytes, io::Error>, Cursor)> {
    loop {
        if !c.pending.is_empty() {
            let out = c.drain();
            return Some((Ok(Bytes::from(out)), c));
        }
        if c.closing {
            return None;
        }
        c.rx.borrow_and_update();
        {
            let shared = c.shared.clone();
            let st = shared.lock();
            c.collect(&st);
        }
        if !c.pending.is_empty() {
            continue;
        }
        let far = Instant::now() + std::time::Duration::from_secs(86_400);
        let deadline = c.deadline.unwrap_or(far);
        let bookmark_at = if c.bookmarks { c.next_bookmark } else { far };
        tokio::select! {
            changed = c.rx.changed() => {
                if changed.is_err() {
                    return None;
                }
            }
            _ = tokio::time::sleep_until(deadline) => return None,
            _ = tokio::time::sleep_until(bookmark_at) => {
                c.bookmark_due = true;
                c.next_bookmark = Instant::now() + c.bookmark_every;
            }
        }
    }
}

fn flag(q: &Query, name: &str) -> bool {
    matches!(q.get(name), Some("true" | "1"))
}

pub(super) fn watch(
    shared: &Arc<Shared>,
    kind: Kind,
    ns: Option<&str>,
    sel: Selectors,
    q: &Query,
) -> Result<Response, ApiError> {
    let timeout = match q.get("timeoutSeconds") {
        Some(t) => Some(t.parse::<u64>().map_err(|_| {
            ApiError::bad_request(format!("strconv.ParseInt: parsing {t:?}: invalid syntax"))
        })?),
        None => None,
    };
    let bookmarks = flag(q, "allowWatchBookmarks");
    let send_initial = flag(q, "sendInitialEvents");
    if send_initial && !bookmarks {
        return Err(ApiError::new(
            422,
            "Invalid",
            "ListOptions.meta.k8s.io \"\" is invalid: allowWatchBookmarks: Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true",
        ));
    }
    let rv_param = q.get("resourceVersion").filter(|s| !s.is_empty());
    let mut st = shared.lock();
    let bookmark_every = st.settings.bookmark_interval;
    let mut c = Cursor {
        shared: shared.clone(),
        kind,
        ns: ns.map(String::from),
        sel,
        last_rv: st.rv,
        pending: VecDeque::new(),
        deadline: timeout.map(|t| Instant::now() + std::time::Duration::from_secs(t)),
        bookmarks,
        bookmark_every,
        next_bookmark: Instant::now() + bookmark_every,
        bookmark_due: false,
        rx: st.subscribe(),
        closing: false,
    };
    let resuming = rv_param.is_some_and(|r| r != "0");
    if resuming && st.faults.expire_watches > 0 {
        st.faults.expire_watches -= 1;
        let msg = format!(
            "too old resource version: {} ({})",
            rv_param.unwrap_or(""),
            st.rv
        );
        c.pending.push_back(("ERROR", gone(msg)));
        c.closing = true;
    } else if !resuming || send_initial {
        // No resourceVersion (or "0"): the current state as synthetic ADDED events first.
        for (_, obj) in st.range(kind, ns, None) {
            if c.sel.matches(kind, obj) {
                c.pending.push_back(("ADDED", obj.clone()));
            }
        }
        c.last_rv = st.rv;
        if send_initial {
            c.pending
                .push_back(("BOOKMARK", bookmark(kind, st.rv, true)));
        }
    } else {
        let rv = rv_param.unwrap_or("0");
        c.last_rv = rv.parse::<u64>().map_err(|_| {
            ApiError::bad_request(format!("resourceVersion: Invalid value: {rv:?}: strconv.ParseUint: parsing {rv:?}: invalid syntax"))
        })?;
        if c.last_rv < st.compacted_rv {
            let msg = format!(
                "too old resource version: {} ({})",
                c.last_rv, st.compacted_rv
            );
            c.pending.push_back(("ERROR", gone(msg)));
            c.closing = true;
        }
    }
    drop(st);
    let mut resp = Response::new(Body::from_stream(futures::stream::unfold(c, step)));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(resp)
}
