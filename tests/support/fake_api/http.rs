//! The single axum handler: records the request, applies authentication, throttling,
//! authorization and injected faults in the order the apiserver's filters run, then routes.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use serde_json::Value;

use super::discovery;
use super::kinds::Kind;
use super::logs;
use super::resources;
use super::select::Selectors;
use super::state::{RequestRecord, Shared};
use super::status::{ApiError, json_response, text_response};
use super::util;
use super::watch;

/// Decoded query parameters, in order.
#[derive(Clone, Debug, Default)]
pub(super) struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone)]
pub(super) struct Ctx {
    pub shared: Arc<Shared>,
    pub method: Method,
    pub q: Query,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub server: String,
}

impl Ctx {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// kubectl's `get` asks for server-side printing.
    pub fn wants_table(&self) -> bool {
        self.header("accept")
            .is_some_and(|a| a.contains("as=Table"))
    }
}

#[derive(Debug, PartialEq)]
enum Route {
    Version,
    Health,
    Api,
    Apis,
    Group(String),
    GroupVersion(String, String),
    Ssar,
    Resource {
        kind: Kind,
        ns: Option<String>,
        name: Option<String>,
        sub: Option<String>,
    },
    Unknown,
}

fn parse_route(path: &str) -> Route {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (group, version, rest) = match segs.as_slice() {
        ["version"] => return Route::Version,
        ["healthz" | "livez" | "readyz"] => return Route::Health,
        ["api"] => return Route::Api,
        ["apis"] => return Route::Apis,
        ["api", "v1"] => return Route::GroupVersion(String::new(), "v1".into()),
        ["apis", g] => return Route::Group((*g).into()),
        ["apis", g, v] => return Route::GroupVersion((*g).into(), (*v).into()),
        [
            "apis",
            "authorization.k8s.io",
            "v1",
            "selfsubjectaccessreviews",
        ] => return Route::Ssar,
        ["api", "v1", rest @ ..] => ("", "v1", rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return Route::Unknown,
    };
    let (ns, plural, name, sub) = match rest {
        ["namespaces", ns, plural] => (Some(*ns), *plural, None, None),
        ["namespaces", ns, plural, name] => (Some(*ns), *plural, Some(*name), None),
        ["namespaces", ns, plural, name, sub] => (Some(*ns), *plural, Some(*name), Some(*sub)),
        [plural] => (None, *plural, None, None),
        [plural, name] => (None, *plural, Some(*name), None),
        [plural, name, sub] => (None, *plural, Some(*name), Some(*sub)),
        _ => return Route::Unknown,
    };
    let Some(kind) = Kind::from_path(group, version, plural) else {
        return Route::Unknown;
    };
    if ns.is_some() && !kind.namespaced() {
        return Route::Unknown;
    }
    let sub_ok = matches!(
        (kind, sub),
        (_, None) | (Kind::Pod, Some("log" | "status")) | (Kind::Job, Some("status"))
    );
    if !sub_ok || (sub.is_some() && name.is_none()) {
        return Route::Unknown;
    }
    Route::Resource {
        kind,
        ns: ns.map(String::from),
        name: name.map(String::from),
        sub: sub.map(String::from),
    }
}

fn verb_of(method: &Method, has_name: bool, watch: bool) -> &'static str {
    match (method.as_str(), has_name) {
        ("GET", true) => "get",
        ("GET", false) if watch => "watch",
        ("GET", false) => "list",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => "get",
    }
}

fn parse_query(raw: &str) -> Query {
    let uri: axum::http::Uri = match format!("/?{raw}").parse() {
        Ok(u) => u,
        Err(_) => return Query::default(),
    };
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|q| Query(q.0))
        .unwrap_or_default()
}

pub(super) async fn handle(AxumState(shared): AxumState<Arc<Shared>>, req: Request) -> Response {
    let started = std::time::Instant::now();
    let (parts, body) = req.into_parts();
    // The apiserver refuses bodies over 3 MiB before decoding them.
    const BODY_LIMIT: usize = 3 * 1024 * 1024;
    let body = match axum::body::to_bytes(body, BODY_LIMIT + 1).await {
        Ok(b) if b.len() <= BODY_LIMIT => b,
        _ => return ApiError::too_large(BODY_LIMIT).into_response(),
    };
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or_default().to_string();
    let q = parse_query(&raw_query);
    let header = |h: &str| {
        parts
            .headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let route = parse_route(&path);
    let record = RequestRecord {
        method: parts.method.to_string(),
        path: path.clone(),
        query: raw_query,
        params: q.0.clone(),
        content_type: header("content-type"),
        accept: header("accept"),
        user_agent: header("user-agent"),
        body: serde_json::from_slice::<Value>(&body).ok(),
        status: 0,
        unknown: route == Route::Unknown,
        at: util::now(),
        handled_in: std::time::Duration::ZERO,
    };
    let idx = {
        let mut st = shared.lock();
        st.requests.push(record);
        st.requests.len() - 1
    };
    let server = header("host").unwrap_or_default();
    let ctx = Ctx {
        shared: shared.clone(),
        method: parts.method,
        q,
        headers: parts.headers,
        body,
        server,
    };
    let resp = match dispatch(&ctx, &path, route) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    if let Some(r) = shared.lock().requests.get_mut(idx) {
        r.status = resp.status().as_u16();
        r.handled_in = started.elapsed();
    }
    resp
}

fn dispatch(ctx: &Ctx, path: &str, route: Route) -> Result<Response, ApiError> {
    {
        let mut st = ctx.shared.lock();
        if let Some(token) = st.bearer_token.clone() {
            let expected = format!("Bearer {token}");
            if ctx.header("authorization") != Some(expected.as_str()) {
                return Err(ApiError::unauthorized());
            }
        }
        let throttled = st
            .faults
            .too_many_requests_path
            .as_deref()
            .is_none_or(|p| path.contains(p));
        if throttled && st.faults.too_many_requests > 0 {
            st.faults.too_many_requests -= 1;
            return Err(ApiError::too_many_requests(st.faults.retry_after_seconds));
        }
        if let Route::Resource {
            kind,
            ns,
            name,
            sub,
        } = &route
        {
            let watch = matches!(ctx.q.get("watch"), Some("true" | "1"));
            let verb = verb_of(&ctx.method, name.is_some(), watch);
            let resource = match sub {
                Some(s) => format!("{}/{s}", kind.plural()),
                None => kind.plural().to_string(),
            };
            if discovery::is_denied(&st, verb, &resource) {
                return Err(ApiError::forbidden(
                    &st.settings.user,
                    verb,
                    &resource,
                    kind.group(),
                    ns.as_deref(),
                    name.as_deref(),
                ));
            }
        }
        if ctx.method == Method::GET {
            if st.faults.server_errors > 0 {
                st.faults.server_errors -= 1;
                return Err(ApiError::internal("fake: injected server error"));
            }
            if st.faults.unavailable > 0 {
                st.faults.unavailable -= 1;
                return Err(ApiError::unavailable("fake: injected unavailability"));
            }
        }
    }
    let get_only = |r: Response| {
        if ctx.method == Method::GET {
            Ok(r)
        } else {
            Err(ApiError::method_not_allowed())
        }
    };
    match route {
        Route::Version => {
            let (major, minor) = ctx.shared.lock().settings.version;
            get_only(json_response(200, &discovery::version(major, minor)))
        }
        Route::Health => get_only(text_response(200, "ok")),
        Route::Api => get_only(json_response(200, &discovery::api_versions(&ctx.server))),
        Route::Apis => get_only(json_response(200, &discovery::api_group_list())),
        Route::Group(g) => match discovery::api_group(&g) {
            Some(v) => get_only(json_response(200, &v)),
            None => Err(ApiError::route_not_found()),
        },
        Route::GroupVersion(g, v) => match discovery::resource_list(&g, &v) {
            Some(v) => get_only(json_response(200, &v)),
            None => Err(ApiError::route_not_found()),
        },
        Route::Ssar => {
            if ctx.method != Method::POST {
                return Err(ApiError::method_not_allowed());
            }
            let body: Value = serde_json::from_slice(&ctx.body)
                .map_err(|e| ApiError::bad_request(format!("SelfSubjectAccessReview in version \"v1\" cannot be handled as a SelfSubjectAccessReview: {e}")))?;
            let st = ctx.shared.lock();
            Ok(json_response(
                201,
                &discovery::self_subject_access_review(&st, &body),
            ))
        }
        Route::Unknown => Err(ApiError::route_not_found()),
        Route::Resource {
            kind,
            ns,
            name,
            sub,
        } => resource(ctx, kind, ns.as_deref(), name.as_deref(), sub.as_deref()),
    }
}

fn resource(
    ctx: &Ctx,
    kind: Kind,
    ns: Option<&str>,
    name: Option<&str>,
    sub: Option<&str>,
) -> Result<Response, ApiError> {
    let m = &ctx.method;
    match (name, sub) {
        (None, _) => {
            if !kind.namespaced() || ns.is_some() || *m == Method::GET {
                match *m {
                    Method::GET if matches!(ctx.q.get("watch"), Some("true" | "1")) => {
                        let sel = Selectors::parse(
                            kind,
                            ctx.q.get("labelSelector"),
                            ctx.q.get("fieldSelector"),
                        )
                        .map_err(ApiError::bad_request)?;
                        watch::watch(&ctx.shared, kind, ns, sel, &ctx.q)
                    }
                    Method::GET => resources::list(ctx, kind, ns),
                    Method::POST => resources::create(ctx, kind, ns),
                    _ => Err(ApiError::method_not_allowed()),
                }
            } else {
                Err(ApiError::method_not_allowed())
            }
        }
        (Some(name), None) => match *m {
            Method::GET => resources::get(ctx, kind, ns.unwrap_or_default(), name),
            Method::PUT => resources::update(ctx, kind, ns, name, false),
            Method::PATCH => resources::patch(ctx, kind, ns, name, false),
            Method::DELETE => resources::delete(ctx, kind, ns, name),
            _ => Err(ApiError::method_not_allowed()),
        },
        (Some(name), Some("log")) => match *m {
            Method::GET => logs::get_log(&ctx.shared, ns.unwrap_or_default(), name, &ctx.q),
            _ => Err(ApiError::method_not_allowed()),
        },
        (Some(name), Some(_status)) => match *m {
            Method::GET => resources::get(ctx, kind, ns.unwrap_or_default(), name),
            Method::PUT => resources::update(ctx, kind, ns, name, true),
            Method::PATCH => resources::patch(ctx, kind, ns, name, true),
            _ => Err(ApiError::method_not_allowed()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(parse_route("/version"), Route::Version);
        assert_eq!(
            parse_route("/apis/batch/v1/namespaces/s/jobs"),
            Route::Resource {
                kind: Kind::Job,
                ns: Some("s".into()),
                name: None,
                sub: None
            }
        );
        assert_eq!(
            parse_route("/api/v1/namespaces/s/pods/p/log"),
            Route::Resource {
                kind: Kind::Pod,
                ns: Some("s".into()),
                name: Some("p".into()),
                sub: Some("log".into())
            }
        );
        assert_eq!(
            parse_route("/api/v1/namespaces/s"),
            Route::Resource {
                kind: Kind::Namespace,
                ns: None,
                name: Some("s".into()),
                sub: None
            }
        );
        assert_eq!(
            parse_route("/apis/batch/v1/jobs"),
            Route::Resource {
                kind: Kind::Job,
                ns: None,
                name: None,
                sub: None
            }
        );
        assert_eq!(
            parse_route("/api/v1/namespaces/s/configmaps"),
            Route::Unknown
        );
        assert_eq!(
            parse_route("/apis/apps/v1/namespaces/s/deployments"),
            Route::Unknown
        );
        assert_eq!(
            parse_route("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"),
            Route::Ssar
        );
    }
}
