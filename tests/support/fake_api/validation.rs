//! Decoding, defaulting and validation as the apiserver does them on write, with its messages.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Container, Event, Namespace, Pod, PodSpec, Probe, Secret};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::kinds::Kind;
use super::status::FieldError;
use super::util;

fn roundtrip_as<T: DeserializeOwned + Serialize>(v: &Value) -> Result<Value, String> {
    let t: T = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&t).map_err(|e| e.to_string())
}

/// Decodes through the typed object and back: the result has unknown fields pruned.
pub(super) fn roundtrip(kind: Kind, v: &Value) -> Result<Value, String> {
    match kind {
        Kind::Job => roundtrip_as::<Job>(v),
        Kind::Pod => roundtrip_as::<Pod>(v),
        Kind::Secret => roundtrip_as::<Secret>(v),
        Kind::Event => roundtrip_as::<Event>(v),
        Kind::NetworkPolicy => roundtrip_as::<NetworkPolicy>(v),
        Kind::Namespace => roundtrip_as::<Namespace>(v),
    }
}

const LABEL_FMT: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_FMT: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_VALUE_FMT: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QNAME_FMT: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

fn is_label(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

pub(super) fn dns_label_errors(s: &str) -> Vec<String> {
    let mut e = Vec::new();
    if s.len() > 63 {
        e.push("must be no more than 63 characters".to_string());
    }
    if !is_label(s) {
        e.push(LABEL_FMT.to_string());
    }
    e
}

pub(super) fn dns_subdomain_errors(s: &str) -> Vec<String> {
    let mut e = Vec::new();
    if s.len() > 253 {
        e.push("must be no more than 253 characters".to_string());
    }
    let ok = !s.is_empty()
        && s.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        });
    if !ok {
        e.push(SUBDOMAIN_FMT.to_string());
    }
    e
}

fn is_label_value_chars(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

pub(super) fn label_value_errors(s: &str) -> Vec<String> {
    let mut e = Vec::new();
    if s.is_empty() {
        return e;
    }
    if s.len() > 63 {
        e.push("must be no more than 63 characters".to_string());
    }
    if !is_label_value_chars(s) {
        e.push(LABEL_VALUE_FMT.to_string());
    }
    e
}

pub(super) fn qualified_name_errors(s: &str) -> Vec<String> {
    let mut e = Vec::new();
    let parts: Vec<&str> = s.split('/').collect();
    let name = match parts.as_slice() {
        [n] => *n,
        [prefix, n] => {
            if prefix.is_empty() {
                e.push("prefix part must be non-empty".to_string());
            } else {
                e.extend(
                    dns_subdomain_errors(prefix)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            n
        }
        _ => {
            e.push("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')".to_string());
            return e;
        }
    };
    if name.is_empty() {
        e.push("name part must be non-empty".to_string());
    } else {
        if name.len() > 63 {
            e.push("name part must be no more than 63 characters".to_string());
        }
        if !is_label_value_chars(name) {
            e.push(QNAME_FMT.to_string());
        }
    }
    e
}

pub(super) fn validate_labels(
    labels: Option<&BTreeMap<String, String>>,
    field: &str,
    errs: &mut Vec<FieldError>,
) {
    for (k, v) in labels.into_iter().flatten() {
        for m in qualified_name_errors(k) {
            errs.push(FieldError::invalid(field, json!(k), m));
        }
        for m in label_value_errors(v) {
            errs.push(FieldError::invalid(field, json!(v), m));
        }
    }
}

/// What ValidateObjectMeta checks: name, labels, annotations.
pub(super) fn validate_meta(kind: Kind, md: &ObjectMeta, errs: &mut Vec<FieldError>) {
    let name = md.name.as_deref().unwrap_or("");
    if name.is_empty() {
        errs.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else {
        let msgs = match kind {
            Kind::Namespace => dns_label_errors(name),
            Kind::Event => Vec::new(),
            _ => dns_subdomain_errors(name),
        };
        for m in msgs {
            errs.push(FieldError::invalid("metadata.name", json!(name), m));
        }
    }
    validate_labels(md.labels.as_ref(), "metadata.labels", errs);
    let mut total = 0;
    for (k, v) in md.annotations.iter().flatten() {
        total += k.len() + v.len();
        for m in qualified_name_errors(k) {
            errs.push(FieldError::invalid("metadata.annotations", json!(k), m));
        }
    }
    if total > 256 * 1024 {
        errs.push(FieldError::too_long(
            "metadata.annotations",
            "must have at most 262144 bytes",
        ));
    }
}

fn image_pull_policy(image: &str) -> &'static str {
    let last = image.rsplit('/').next().unwrap_or(image);
    if image.contains('@') {
        return "IfNotPresent";
    }
    match last.split_once(':') {
        Some((_, "latest")) | None => "Always",
        Some(_) => "IfNotPresent",
    }
}

fn default_probe(p: &mut Option<Probe>) {
    if let Some(p) = p {
        p.timeout_seconds.get_or_insert(1);
        p.period_seconds.get_or_insert(10);
        p.success_threshold.get_or_insert(1);
        p.failure_threshold.get_or_insert(3);
    }
}

fn default_container(c: &mut Container) {
    c.termination_message_path
        .get_or_insert_with(|| "/dev/termination-log".into());
    c.termination_message_policy
        .get_or_insert_with(|| "File".into());
    if let Some(image) = &c.image {
        let p = image_pull_policy(image);
        c.image_pull_policy.get_or_insert_with(|| p.into());
    }
    c.resources.get_or_insert_with(Default::default);
    default_probe(&mut c.startup_probe);
    default_probe(&mut c.liveness_probe);
    default_probe(&mut c.readiness_probe);
    for p in c.ports.iter_mut().flatten() {
        p.protocol.get_or_insert_with(|| "TCP".into());
    }
    for e in c.env.iter_mut().flatten() {
        if let Some(f) = e.value_from.as_mut().and_then(|v| v.field_ref.as_mut()) {
            f.api_version.get_or_insert_with(|| "v1".into());
        }
    }
}

/// SetDefaults_PodSpec and friends, the parts a reader of the stored object would notice.
pub(super) fn default_pod_spec(spec: &mut PodSpec) {
    spec.dns_policy.get_or_insert_with(|| "ClusterFirst".into());
    spec.scheduler_name
        .get_or_insert_with(|| "default-scheduler".into());
    spec.security_context.get_or_insert_with(Default::default);
    spec.termination_grace_period_seconds.get_or_insert(30);
    spec.restart_policy.get_or_insert_with(|| "Always".into());
    for c in spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
    {
        default_container(c);
    }
    for v in spec.volumes.iter_mut().flatten() {
        if let Some(s) = v.secret.as_mut() {
            s.default_mode.get_or_insert(420);
        }
        if let Some(s) = v.config_map.as_mut() {
            s.default_mode.get_or_insert(420);
        }
    }
}

/// A 1.28 apiserver with the SidecarContainers gate off drops the field on write.
pub(super) fn drop_native_sidecars(spec: &mut PodSpec) {
    for c in spec.init_containers.iter_mut().flatten() {
        c.restart_policy = None;
    }
}

pub(super) fn default_job(job: &mut Job, uid: &str) {
    let name = job.metadata.name.clone().unwrap_or_default();
    let spec = job.spec.get_or_insert_with(Default::default);
    spec.parallelism.get_or_insert(1);
    spec.completions.get_or_insert(1);
    spec.backoff_limit.get_or_insert(6);
    spec.completion_mode
        .get_or_insert_with(|| "NonIndexed".into());
    spec.suspend.get_or_insert(false);
    spec.pod_replacement_policy
        .get_or_insert_with(|| "TerminatingOrFailed".into());
    if spec.manual_selector != Some(true) && spec.selector.is_none() {
        spec.selector = Some(LabelSelector {
            match_labels: Some(BTreeMap::from([(
                "batch.kubernetes.io/controller-uid".to_string(),
                uid.to_string(),
            )])),
            ..Default::default()
        });
    }
    let tmd = spec.template.metadata.get_or_insert_with(Default::default);
    let labels = tmd.labels.get_or_insert_with(Default::default);
    for (k, v) in [
        ("batch.kubernetes.io/controller-uid", uid),
        ("batch.kubernetes.io/job-name", name.as_str()),
        ("controller-uid", uid),
        ("job-name", name.as_str()),
    ] {
        labels.insert(k.to_string(), v.to_string());
    }
    if let Some(ps) = spec.template.spec.as_mut() {
        let rp = ps.restart_policy.clone();
        default_pod_spec(ps);
        // A Job's template has no default restartPolicy: a missing one must fail validation.
        ps.restart_policy = rp;
    }
}

fn nonneg(field: &str, v: Option<i64>, errs: &mut Vec<FieldError>) {
    if let Some(v) = v
        && v < 0
    {
        errs.push(FieldError::invalid(
            field,
            json!(v),
            "must be greater than or equal to 0",
        ));
    }
}

pub(super) fn validate_pod_spec(
    spec: &PodSpec,
    base: &str,
    job: bool,
    native_sidecars: bool,
    errs: &mut Vec<FieldError>,
) {
    let f = |s: &str| format!("{base}.{s}");
    if job {
        match spec.restart_policy.as_deref() {
            None | Some("") => errs.push(FieldError::required(
                f("restartPolicy"),
                "valid values: \"OnFailure\", \"Never\"",
            )),
            Some("OnFailure" | "Never") => {}
            Some(other) => errs.push(FieldError::not_supported(
                f("restartPolicy"),
                json!(other),
                &["OnFailure", "Never"],
            )),
        }
    }
    let volumes: BTreeSet<&str> = spec
        .volumes
        .iter()
        .flatten()
        .map(|v| v.name.as_str())
        .collect();
    let mut vol_seen = BTreeSet::new();
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        for m in dns_label_errors(&v.name) {
            errs.push(FieldError::invalid(
                f(&format!("volumes[{i}].name")),
                json!(v.name),
                m,
            ));
        }
        if !vol_seen.insert(v.name.as_str()) {
            errs.push(FieldError::duplicate(
                f(&format!("volumes[{i}].name")),
                json!(v.name),
            ));
        }
    }
    if spec.containers.is_empty() {
        errs.push(FieldError::required(f("containers"), ""));
    }
    let mut names = BTreeSet::new();
    let groups = [
        (
            "initContainers",
            spec.init_containers.as_deref().unwrap_or_default(),
            true,
        ),
        ("containers", spec.containers.as_slice(), false),
    ];
    for (group, containers, init) in groups {
        for (i, c) in containers.iter().enumerate() {
            let cf = |s: &str| f(&format!("{group}[{i}].{s}"));
            if c.name.is_empty() {
                errs.push(FieldError::required(cf("name"), ""));
            } else {
                for m in dns_label_errors(&c.name) {
                    errs.push(FieldError::invalid(cf("name"), json!(c.name), m));
                }
                if !names.insert(c.name.clone()) {
                    errs.push(FieldError::duplicate(cf("name"), json!(c.name)));
                }
            }
            if c.image.as_deref().is_none_or(|s| s.trim().is_empty()) {
                errs.push(FieldError::required(cf("image"), ""));
            }
            let sidecar = init && c.restart_policy.as_deref() == Some("Always");
            if init {
                if let Some(rp) = c.restart_policy.as_deref()
                    && rp != "Always"
                {
                    errs.push(FieldError::not_supported(
                        cf("restartPolicy"),
                        json!(rp),
                        &["Always"],
                    ));
                }
                if !sidecar {
                    let suffix = if native_sidecars {
                        " without restartPolicy=Always"
                    } else {
                        ""
                    };
                    let msg = format!("may not be set for init containers{suffix}");
                    if c.lifecycle.is_some() {
                        errs.push(FieldError::forbidden(cf("lifecycle"), msg.clone()));
                    }
                    if c.liveness_probe.is_some() {
                        errs.push(FieldError::forbidden(cf("livenessProbe"), msg.clone()));
                    }
                    if c.readiness_probe.is_some() {
                        errs.push(FieldError::forbidden(cf("readinessProbe"), msg.clone()));
                    }
                    if c.startup_probe.is_some() {
                        errs.push(FieldError::forbidden(cf("startupProbe"), msg));
                    }
                }
            } else if c.restart_policy.is_some() {
                errs.push(FieldError::forbidden(
                    cf("restartPolicy"),
                    "may not be set for non-init containers",
                ));
            }
            for (j, m) in c.volume_mounts.iter().flatten().enumerate() {
                if !volumes.contains(m.name.as_str()) {
                    errs.push(FieldError::not_found(
                        cf(&format!("volumeMounts[{j}].name")),
                        json!(m.name),
                    ));
                }
                if m.mount_path.is_empty() {
                    errs.push(FieldError::required(
                        cf(&format!("volumeMounts[{j}].mountPath")),
                        "",
                    ));
                }
            }
            for (j, e) in c.env.iter().flatten().enumerate() {
                if e.name.is_empty() {
                    errs.push(FieldError::required(cf(&format!("env[{j}].name")), ""));
                } else if e.name.contains('=') || !e.name.bytes().all(|b| (32..127).contains(&b)) {
                    errs.push(FieldError::invalid(
                        cf(&format!("env[{j}].name")),
                        json!(e.name),
                        "a valid environment variable name must consist only of printable ASCII characters other than '='",
                    ));
                }
            }
            if let Some(res) = &c.resources {
                let limits = res.limits.clone().unwrap_or_default();
                for (r, q) in res.requests.iter().flatten() {
                    let (Some(req), Some(lim)) = (
                        util::parse_quantity(&q.0),
                        limits.get(r).and_then(|l| util::parse_quantity(&l.0)),
                    ) else {
                        continue;
                    };
                    if req > lim {
                        errs.push(FieldError::invalid(
                            cf(&format!("resources.requests[{r}]")),
                            json!(q.0),
                            format!("must be less than or equal to {r} limit of {}", limits[r].0),
                        ));
                    }
                }
                for (r, q) in res
                    .requests
                    .iter()
                    .flatten()
                    .chain(res.limits.iter().flatten())
                {
                    if util::parse_quantity(&q.0).is_none() {
                        errs.push(FieldError::invalid(
                            cf(&format!("resources[{r}]")),
                            json!(q.0),
                            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
                        ));
                    }
                }
            }
        }
    }
}

pub(super) fn validate_job(job: &Job, native_sidecars: bool) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_meta(Kind::Job, &job.metadata, &mut errs);
    let Some(spec) = &job.spec else {
        errs.push(FieldError::required("spec", ""));
        return errs;
    };
    nonneg(
        "spec.backoffLimit",
        spec.backoff_limit.map(i64::from),
        &mut errs,
    );
    nonneg(
        "spec.activeDeadlineSeconds",
        spec.active_deadline_seconds,
        &mut errs,
    );
    nonneg(
        "spec.ttlSecondsAfterFinished",
        spec.ttl_seconds_after_finished.map(i64::from),
        &mut errs,
    );
    nonneg(
        "spec.parallelism",
        spec.parallelism.map(i64::from),
        &mut errs,
    );
    nonneg(
        "spec.completions",
        spec.completions.map(i64::from),
        &mut errs,
    );
    if spec.manual_selector != Some(true)
        && let Some(sel) = &spec.selector
    {
        let uid_only = sel
            .match_labels
            .as_ref()
            .is_some_and(|m| m.len() == 1 && m.contains_key("batch.kubernetes.io/controller-uid"));
        if !uid_only {
            errs.push(FieldError::invalid(
                "spec.selector",
                serde_json::to_value(sel).unwrap_or_default(),
                "`selector` will be auto-generated",
            ));
        }
    }
    let tmd = spec.template.metadata.clone().unwrap_or_default();
    validate_labels(tmd.labels.as_ref(), "spec.template.labels", &mut errs);
    match &spec.template.spec {
        Some(ps) => validate_pod_spec(ps, "spec.template.spec", true, native_sidecars, &mut errs),
        None => errs.push(FieldError::required("spec.template.spec.containers", "")),
    }
    errs
}

pub(super) fn validate_pod(pod: &Pod, native_sidecars: bool) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_meta(Kind::Pod, &pod.metadata, &mut errs);
    match &pod.spec {
        Some(ps) => validate_pod_spec(ps, "spec", false, native_sidecars, &mut errs),
        None => errs.push(FieldError::required("spec.containers", "")),
    }
    errs
}

/// Folds `stringData` into `data` as the apiserver does on every write, then validates.
pub(super) fn prepare_secret(obj: &mut Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(Value::Object(sd)) = obj.get("stringData").cloned() {
        if !obj["data"].is_object() {
            obj["data"] = json!({});
        }
        for (k, v) in sd {
            let s = v.as_str().unwrap_or_default();
            obj["data"][k] = json!(util::base64_encode(s.as_bytes()));
        }
    }
    if let Some(m) = obj.as_object_mut() {
        m.remove("stringData");
    }
    if obj["type"].as_str().is_none_or(str::is_empty) {
        obj["type"] = json!("Opaque");
    }
    let mut total = 0;
    if let Some(Value::Object(data)) = obj.get("data") {
        for (k, v) in data {
            let ok = !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
            if !ok {
                errs.push(FieldError::invalid(
                    format!("data[{k}]"),
                    json!(k),
                    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
                ));
            }
            total += v
                .as_str()
                .and_then(util::base64_decode)
                .map_or(0, |b| b.len());
        }
    }
    if total > 1024 * 1024 {
        errs.push(FieldError::too_long(
            "data",
            "must have at most 1048576 bytes",
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(dns_label_errors("claude-sandbox-x-20240101-120000-ab12").is_empty());
        assert!(!dns_label_errors("Bad_Name").is_empty());
        assert_eq!(
            dns_label_errors(&"a".repeat(64)),
            vec!["must be no more than 63 characters"]
        );
        assert!(dns_subdomain_errors("a.b-c").is_empty());
        assert!(!dns_subdomain_errors("a..b").is_empty());
        assert!(label_value_errors("feature_x.y-1").is_empty());
        assert!(!label_value_errors("feature/x").is_empty());
        assert!(qualified_name_errors("claude-sandbox/repo").is_empty());
        assert!(!qualified_name_errors("a/b/c").is_empty());
    }

    #[test]
    fn pull_policy_follows_the_tag() {
        assert_eq!(image_pull_policy("x/y:latest"), "Always");
        assert_eq!(image_pull_policy("x/y"), "Always");
        assert_eq!(image_pull_policy("localhost:5000/y"), "Always");
        assert_eq!(image_pull_policy("postgres:17-alpine"), "IfNotPresent");
    }
}
