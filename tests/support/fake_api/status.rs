//! metav1.Status error bodies, shaped like the real apiserver's so clients parse them the same way.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::kinds::Kind;

#[derive(Clone, Debug)]
pub(super) struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

fn details(name: &str, group: &str, kind: &str) -> Value {
    let mut d = serde_json::Map::new();
    if !name.is_empty() {
        d.insert("name".into(), json!(name));
    }
    if !group.is_empty() {
        d.insert("group".into(), json!(group));
    }
    d.insert("kind".into(), json!(kind));
    Value::Object(d)
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
            headers: Vec::new(),
        }
    }

    pub fn not_found(kind: Kind, name: &str) -> ApiError {
        ApiError::not_found_resource(kind.plural(), kind.group(), name)
    }

    pub fn not_found_resource(resource: &str, group: &str, name: &str) -> ApiError {
        let q = super::kinds::qualified(resource, group);
        ApiError {
            details: Some(details(name, group, resource)),
            ..ApiError::new(404, "NotFound", format!("{q} \"{name}\" not found"))
        }
    }

    pub fn namespace_not_found(ns: &str) -> ApiError {
        ApiError::not_found(Kind::Namespace, ns)
    }

    pub fn route_not_found() -> ApiError {
        ApiError {
            details: Some(json!({})),
            ..ApiError::new(
                404,
                "NotFound",
                "the server could not find the requested resource",
            )
        }
    }

    pub fn already_exists(kind: Kind, name: &str) -> ApiError {
        ApiError {
            details: Some(details(name, kind.group(), kind.plural())),
            ..ApiError::new(
                409,
                "AlreadyExists",
                format!("{} \"{name}\" already exists", kind.qualified()),
            )
        }
    }

    pub fn conflict(kind: Kind, name: &str, why: &str) -> ApiError {
        ApiError {
            details: Some(details(name, kind.group(), kind.plural())),
            ..ApiError::new(
                409,
                "Conflict",
                format!(
                    "Operation cannot be fulfilled on {} \"{name}\": {why}",
                    kind.qualified()
                ),
            )
        }
    }

    pub fn stale(kind: Kind, name: &str) -> ApiError {
        ApiError::conflict(
            kind,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// `resource` may carry a subresource (`pods/log`); the message names it the way RBAC does.
    pub fn forbidden(
        user: &str,
        verb: &str,
        resource: &str,
        group: &str,
        namespace: Option<&str>,
        name: Option<&str>,
    ) -> ApiError {
        let base = resource.split('/').next().unwrap_or(resource);
        let q = super::kinds::qualified(base, group);
        let subject = match name {
            Some(n) if !n.is_empty() => format!("{q} \"{n}\""),
            _ => q,
        };
        let scope = match namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_string(),
        };
        ApiError {
            details: Some(details(name.unwrap_or(""), group, base)),
            ..ApiError::new(
                403,
                "Forbidden",
                format!(
                    "{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" {scope}"
                ),
            )
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "BadRequest", message)
    }

    pub fn invalid(kind: Kind, name: &str, errs: &[FieldError]) -> ApiError {
        let rendered: Vec<String> = errs.iter().map(FieldError::render).collect();
        let summary = if rendered.len() == 1 {
            rendered[0].clone()
        } else {
            format!("[{}]", rendered.join(", "))
        };
        let causes: Vec<Value> = errs
            .iter()
            .map(|e| json!({"reason": e.reason(), "message": e.short(), "field": e.field}))
            .collect();
        let mut d = details(name, kind.group(), kind.kind());
        d["causes"] = Value::Array(causes);
        ApiError {
            details: Some(d),
            ..ApiError::new(
                422,
                "Invalid",
                format!("{} \"{name}\" is invalid: {summary}", kind.qualified_kind()),
            )
        }
    }

    pub fn internal(message: &str) -> ApiError {
        ApiError {
            details: Some(json!({"causes": [{"message": message}]})),
            ..ApiError::new(
                500,
                "InternalError",
                format!("Internal error occurred: {message}"),
            )
        }
    }

    pub fn unavailable(message: &str) -> ApiError {
        ApiError::new(503, "ServiceUnavailable", message)
    }

    pub fn gateway_timeout(message: &str) -> ApiError {
        ApiError::new(504, "Timeout", message)
    }

    pub fn too_many_requests(retry_after: u32) -> ApiError {
        ApiError {
            details: Some(json!({"retryAfterSeconds": retry_after})),
            headers: vec![("retry-after", retry_after.to_string())],
            ..ApiError::new(
                429,
                "TooManyRequests",
                "Too many requests, please try again later.",
            )
        }
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(401, "Unauthorized", "Unauthorized")
    }

    pub fn method_not_allowed() -> ApiError {
        ApiError {
            details: Some(json!({})),
            ..ApiError::new(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
            )
        }
    }

    pub fn expired(message: impl Into<String>) -> ApiError {
        ApiError::new(410, "Expired", message)
    }

    pub fn unsupported_media_type(content_type: &str) -> ApiError {
        ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got {content_type:?})"
            ),
        )
    }

    pub fn too_large(limit: usize) -> ApiError {
        ApiError::new(
            413,
            "RequestEntityTooLarge",
            format!("Request entity too large: limit is {limit}"),
        )
    }

    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            v["details"] = d.clone();
        }
        v
    }

    pub fn into_response(self) -> Response {
        let mut resp = json_response(self.code, &self.to_json());
        for (k, v) in &self.headers {
            if let Ok(v) = HeaderValue::from_str(v) {
                resp.headers_mut().insert(*k, v);
            }
        }
        resp
    }
}

pub(super) fn success_status(kind: Kind, name: &str, uid: &str) -> Value {
    let mut d = details(name, kind.group(), kind.plural());
    d["uid"] = json!(uid);
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": d,
    })
}

pub(super) fn json_response(code: u16, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

pub(super) fn text_response(code: u16, body: impl Into<Body>) -> Response {
    let mut resp = Response::new(body.into());
    *resp.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    resp
}

/// One field error of a 422, rendered like apimachinery's field.Error.
#[derive(Clone, Debug)]
pub(super) struct FieldError {
    pub field: String,
    pub kind: FieldErrorKind,
}

#[derive(Clone, Debug)]
pub(super) enum FieldErrorKind {
    Required(String),
    Invalid(Value, String),
    NotSupported(Value, Vec<&'static str>),
    Duplicate(Value),
    NotFound(Value),
    TooLong(String),
    Forbidden(String),
}

impl FieldError {
    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::Required(detail.into()),
        }
    }
    pub fn invalid(
        field: impl Into<String>,
        value: Value,
        detail: impl Into<String>,
    ) -> FieldError {
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::Invalid(value, detail.into()),
        }
    }
    pub fn not_supported(
        field: impl Into<String>,
        value: Value,
        supported: &[&'static str],
    ) -> FieldError {
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::NotSupported(value, supported.to_vec()),
        }
    }
    pub fn duplicate(field: impl Into<String>, value: Value) -> FieldError {
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::Duplicate(value),
        }
    }
    pub fn not_found(field: impl Into<String>, value: Value) -> FieldError {
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::NotFound(value),
        }
    }
    pub fn too_long(field: impl Into<String>, detail: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::TooLong(detail.into()),
        }
    }
    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::Forbidden(detail.into()),
        }
    }

    fn reason(&self) -> &'static str {
        match self.kind {
            FieldErrorKind::Required(_) => "FieldValueRequired",
            FieldErrorKind::Invalid(..) => "FieldValueInvalid",
            FieldErrorKind::NotSupported(..) => "FieldValueNotSupported",
            FieldErrorKind::Duplicate(_) => "FieldValueDuplicate",
            FieldErrorKind::NotFound(_) => "FieldValueNotFound",
            FieldErrorKind::TooLong(_) => "FieldValueTooLong",
            FieldErrorKind::Forbidden(_) => "FieldValueForbidden",
        }
    }

    fn short(&self) -> String {
        fn with(detail: &str, head: String) -> String {
            if detail.is_empty() {
                head
            } else {
                format!("{head}: {detail}")
            }
        }
        match &self.kind {
            FieldErrorKind::Required(d) => with(d, "Required value".into()),
            FieldErrorKind::Invalid(v, d) => with(d, format!("Invalid value: {v}")),
            FieldErrorKind::NotSupported(v, s) => {
                let list: Vec<String> = s.iter().map(|x| format!("\"{x}\"")).collect();
                format!(
                    "Unsupported value: {v}: supported values: {}",
                    list.join(", ")
                )
            }
            FieldErrorKind::Duplicate(v) => format!("Duplicate value: {v}"),
            FieldErrorKind::NotFound(v) => format!("Not found: {v}"),
            FieldErrorKind::TooLong(d) => with(d, "Too long".into()),
            FieldErrorKind::Forbidden(d) => with(d, "Forbidden".into()),
        }
    }

    pub fn render(&self) -> String {
        format!("{}: {}", self.field, self.short())
    }
}
