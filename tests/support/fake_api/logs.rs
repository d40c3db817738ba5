//! Container logs and the `pods/{name}/log` endpoint, with the kubelet's option semantics and
//! error texts.

use std::io;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::response::Response;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

use super::http::Query;
use super::kinds::Kind;
use super::state::Shared;
use super::status::{ApiError, FieldError, text_response};
use super::util;

/// Lines `0..bulk.count` are virtual (rendered on demand, one shared timestamp); explicit lines
/// follow them.
#[derive(Default, Debug)]
pub(super) struct ContainerLog {
    pub bulk: Option<Bulk>,
    pub lines: Vec<(Timestamp, Arc<str>)>,
    /// The container has terminated: follow streams end once they have sent everything.
    pub finished: bool,
}

#[derive(Clone, Debug)]
pub(super) struct Bulk {
    /// The template split at each `{n}`.
    pub pieces: Arc<Vec<String>>,
    pub count: usize,
    pub at: Timestamp,
}

impl Bulk {
    fn render_into(&self, i: usize, out: &mut Vec<u8>) {
        let n = (i + 1).to_string();
        for (k, p) in self.pieces.iter().enumerate() {
            if k > 0 {
                out.extend_from_slice(n.as_bytes());
            }
            out.extend_from_slice(p.as_bytes());
        }
    }
}

impl ContainerLog {
    pub fn len(&self) -> usize {
        self.bulk.as_ref().map_or(0, |b| b.count) + self.lines.len()
    }

    fn bulk_count(&self) -> usize {
        self.bulk.as_ref().map_or(0, |b| b.count)
    }

    /// Timestamps never go backwards, even when the clock does or lines come faster than it ticks.
    pub fn push(&mut self, line: String) {
        let mut ts = util::now();
        let last = self
            .lines
            .last()
            .map(|l| l.0)
            .or(self.bulk.as_ref().map(|b| b.at));
        if let Some(last) = last
            && ts < last
        {
            ts = last;
        }
        self.lines.push((ts, line.into()));
    }

    pub fn set_bulk(&mut self, template: &str, count: usize) {
        self.bulk = Some(Bulk {
            pieces: Arc::new(template.split("{n}").map(String::from).collect()),
            count,
            at: util::now(),
        });
    }

    pub fn ts(&self, i: usize) -> Timestamp {
        let bc = self.bulk_count();
        if i < bc {
            self.bulk.as_ref().map(|b| b.at).unwrap_or_default()
        } else {
            self.lines[i - bc].0
        }
    }

    pub fn line(&self, i: usize) -> (Timestamp, String) {
        let bc = self.bulk_count();
        match &self.bulk {
            Some(b) if i < bc => {
                let mut out = Vec::new();
                b.render_into(i, &mut out);
                (b.at, String::from_utf8_lossy(&out).into_owned())
            }
            _ => {
                let (t, l) = &self.lines[i - bc];
                (*t, l.to_string())
            }
        }
    }

    fn first_at_or_after(&self, since: Timestamp) -> usize {
        let bc = self.bulk_count();
        if let Some(b) = &self.bulk
            && b.at >= since
        {
            return 0;
        }
        bc + self.lines.partition_point(|(t, _)| *t < since)
    }
}

const CHUNK: usize = 256 * 1024;

struct Cursor {
    shared: Arc<Shared>,
    key: (String, String, String),
    next: usize,
    since: Option<Timestamp>,
    timestamps: bool,
    follow: bool,
    bytes_left: Option<u64>,
    drop_after: Option<usize>,
    drop_cleanly: bool,
    outlives_container: bool,
    sent: usize,
    rx: tokio::sync::watch::Receiver<u64>,
    done: bool,
}

enum Read {
    Data(Vec<u8>),
    Drop,
    End,
    Wait,
}

impl Cursor {
    fn read(&mut self) -> Read {
        let st = self.shared.lock();
        let pod_exists = st.get(Kind::Pod, &self.key.0, &self.key.1).is_some();
        let Some(log) = st.logs.get(&self.key) else {
            return if self.follow && pod_exists {
                Read::Wait
            } else {
                Read::End
            };
        };
        if self.drop_after.is_some_and(|d| self.sent >= d) {
            return Read::Drop;
        }
        let total = log.len();
        if self.next >= total {
            let finished = log.finished && !self.outlives_container;
            return if finished || !self.follow || !pod_exists {
                Read::End
            } else {
                Read::Wait
            };
        }
        let mut end = total;
        if let Some(d) = self.drop_after {
            end = end.min(self.next + (d - self.sent));
        }
        let mut out = Vec::with_capacity(CHUNK.min(64 * 1024));
        let mut prefix_cache: Option<(Timestamp, String)> = None;
        while self.next < end && out.len() < CHUNK {
            let i = self.next;
            self.next += 1;
            let ts = log.ts(i);
            if self.since.is_some_and(|s| ts < s) {
                continue;
            }
            if self.timestamps {
                if prefix_cache.as_ref().is_none_or(|(t, _)| *t != ts) {
                    prefix_cache = Some((ts, format!("{} ", util::nano_time(ts))));
                }
                if let Some((_, p)) = &prefix_cache {
                    out.extend_from_slice(p.as_bytes());
                }
            }
            match &log.bulk {
                Some(b) if i < b.count => b.render_into(i, &mut out),
                _ => out.extend_from_slice(log.lines[i - log.bulk_count()].1.as_bytes()),
            }
            out.push(b'\n');
            self.sent += 1;
        }
        if let Some(left) = self.bytes_left {
            if out.len() as u64 >= left {
                out.truncate(left as usize);
                self.done = true;
            }
            self.bytes_left = Some(left.saturating_sub(out.len() as u64));
        }
        if out.is_empty() {
            // Everything in range was filtered out by sinceTime; look again.
            return if self.done {
                Read::End
            } else {
                Read::Data(out)
            };
        }
        Read::Data(out)
    }
}

async fn step(mut c: Cursor) -> Option<(Result<Bytes, io::Error>, Cursor)> {
    loop {
        if c.done {
            return None;
        }
        c.rx.borrow_and_update();
        match c.read() {
            Read::Data(d) if d.is_empty() => continue,
            Read::Data(d) => return Some((Ok(Bytes::from(d)), c)),
            Read::Drop => {
                c.done = true;
                if c.drop_cleanly {
                    return None;
                }
                // Let hyper flush the lines already yielded: an abort discards its write buffer.
                tokio::time::sleep(std::time::Duration::from_millis(30)).await;
                let err =
                    io::Error::new(io::ErrorKind::ConnectionAborted, "fake: log stream dropped");
                return Some((Err(err), c));
            }
            Read::End => return None,
            Read::Wait => {
                if c.rx.changed().await.is_err() {
                    return None;
                }
            }
        }
    }
}

fn find_status<'a>(pod: &'a Pod, container: &str) -> Option<&'a ContainerStatus> {
    let status = pod.status.as_ref()?;
    status
        .container_statuses
        .iter()
        .flatten()
        .chain(status.init_container_statuses.iter().flatten())
        .find(|s| s.name == container)
}

fn parse_bool(q: &Query, name: &str) -> Result<bool, ApiError> {
    match q.get(name) {
        None | Some("") => Ok(false),
        Some("true" | "1" | "True") => Ok(true),
        Some("false" | "0" | "False") => Ok(false),
        Some(v) => Err(ApiError::bad_request(format!(
            "strconv.ParseBool: parsing {v:?}: invalid syntax"
        ))),
    }
}

fn parse_int(q: &Query, name: &str) -> Result<Option<i64>, ApiError> {
    q.get(name)
        .map(|v| {
            v.parse::<i64>().map_err(|_| {
                ApiError::bad_request(format!("strconv.ParseInt: parsing {v:?}: invalid syntax"))
            })
        })
        .transpose()
}

/// GET /api/v1/namespaces/{ns}/pods/{name}/log
pub(super) fn get_log(
    shared: &Arc<Shared>,
    ns: &str,
    pod_name: &str,
    q: &Query,
) -> Result<Response, ApiError> {
    let follow = parse_bool(q, "follow")?;
    let timestamps = parse_bool(q, "timestamps")?;
    let previous = parse_bool(q, "previous")?;
    let since_seconds = parse_int(q, "sinceSeconds")?;
    let tail_lines = parse_int(q, "tailLines")?;
    let limit_bytes = parse_int(q, "limitBytes")?;
    let since_time = match q.get("sinceTime") {
        Some(s) => Some(util::parse_time(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "parsing time {s:?} as \"2006-01-02T15:04:05Z07:00\": cannot parse {s:?} as RFC3339"
            ))
        })?),
        None => None,
    };
    let mut errs = Vec::new();
    if since_seconds.is_some() && since_time.is_some() {
        errs.push(FieldError::forbidden(
            "",
            "at most one of `sinceTime` or `sinceSeconds` may be specified",
        ));
    }
    if let Some(s) = since_seconds
        && s < 1
    {
        errs.push(FieldError::invalid(
            "sinceSeconds",
            s.into(),
            "must be greater than 0",
        ));
    }
    if let Some(t) = tail_lines
        && t < 0
    {
        errs.push(FieldError::invalid(
            "tailLines",
            t.into(),
            "must be greater than or equal to 0",
        ));
    }
    if let Some(l) = limit_bytes
        && l < 1
    {
        errs.push(FieldError::invalid(
            "limitBytes",
            l.into(),
            "must be greater than 0",
        ));
    }
    if !errs.is_empty() {
        let mut e = ApiError::invalid(Kind::Pod, pod_name, &errs);
        e.message = format!(
            "PodLogOptions.meta.k8s.io \"{pod_name}\" is invalid: {}",
            errs.iter()
                .map(FieldError::render)
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Err(e);
    }

    let mut st = shared.lock();
    let pod: Pod = st
        .get(Kind::Pod, ns, pod_name)
        .and_then(|v| serde_json::from_value((*v).clone()).ok())
        .ok_or_else(|| ApiError::not_found(Kind::Pod, pod_name))?;
    let spec = pod.spec.clone().unwrap_or_default();
    let container = match q.get("container").filter(|c| !c.is_empty()) {
        Some(c) => {
            let known = spec
                .containers
                .iter()
                .chain(spec.init_containers.iter().flatten())
                .any(|x| x.name == c);
            if !known {
                return Err(ApiError::bad_request(format!(
                    "container {c} is not valid for pod {pod_name}"
                )));
            }
            c.to_string()
        }
        None => match spec.containers.len() {
            1 => spec.containers[0].name.clone(),
            0 => {
                return Err(ApiError::bad_request(format!(
                    "a container name must be specified for pod {pod_name}"
                )));
            }
            _ => {
                let names: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
                let inits: Vec<&str> = spec
                    .init_containers
                    .iter()
                    .flatten()
                    .map(|c| c.name.as_str())
                    .collect();
                let mut msg = format!(
                    "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                    names.join(" ")
                );
                if !inits.is_empty() {
                    msg.push_str(&format!(
                        " or one of the init containers: [{}]",
                        inits.join(" ")
                    ));
                }
                return Err(ApiError::bad_request(msg));
            }
        },
    };
    // An unscheduled pod has no kubelet to ask: the apiserver answers an empty 200.
    if spec.node_name.as_deref().is_none_or(str::is_empty) {
        return Ok(text_response(200, Body::empty()));
    }
    let cs = find_status(&pod, &container).ok_or_else(|| {
        ApiError::bad_request(format!(
            "container {container:?} in pod {pod_name:?} is not available"
        ))
    })?;
    let state = cs.state.clone().unwrap_or_default();
    let last_terminated = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref());
    if previous {
        if last_terminated.is_none() {
            return Err(ApiError::bad_request(format!(
                "previous terminated container {container:?} in pod {pod_name:?} not found"
            )));
        }
    } else if state.running.is_none() && state.terminated.is_none() && last_terminated.is_none() {
        let msg = match state.waiting.as_ref().and_then(|w| w.reason.as_deref()) {
            Some("ErrImagePull") => "is waiting to start: image can't be pulled".to_string(),
            Some("ImagePullBackOff") => {
                "is waiting to start: trying and failing to pull image".to_string()
            }
            Some(r) if state.waiting.is_some() => format!("is waiting to start: {r}"),
            _ => "is waiting to start - no logs yet".to_string(),
        };
        return Err(ApiError::bad_request(format!(
            "container {container:?} in pod {pod_name:?} {msg}"
        )));
    }

    let key = (ns.to_string(), pod_name.to_string(), container);
    let drop_after = if follow && !st.faults.drop_log_stream_after.is_empty() {
        Some(st.faults.drop_log_stream_after.remove(0))
    } else {
        None
    };
    let drop_cleanly = st.faults.drop_log_stream_cleanly;
    let outlives_container = st.faults.log_stream_outlives_container;
    let since = match (since_time, since_seconds) {
        (Some(t), _) => Some(t),
        (None, Some(s)) => util::now()
            .checked_sub(jiff::SignedDuration::from_secs(s))
            .ok(),
        _ => None,
    };
    let mut next = 0;
    let log = st.log_mut(&key.0, &key.1, &key.2);
    if let Some(s) = since {
        next = log.first_at_or_after(s);
    }
    if let Some(t) = tail_lines {
        next = next.max(log.len().saturating_sub(t as usize));
    }
    let cursor = Cursor {
        shared: shared.clone(),
        key,
        next,
        since,
        timestamps,
        follow: follow && !previous,
        bytes_left: limit_bytes.map(|l| l as u64),
        drop_after,
        drop_cleanly,
        outlives_container,
        sent: 0,
        rx: st.subscribe(),
        done: false,
    };
    drop(st);
    let stream = futures::stream::unfold(cursor, step);
    Ok(text_response(200, Body::from_stream(stream)))
}
