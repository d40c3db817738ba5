//! Kueue, the cluster's own queueing: whether it is installed, and why a queued job waits, read
//! from the Workload object Kueue keeps for each job. Everything here is best effort: a cluster
//! without Kueue, or a user who may not read Workloads, gets no reason and the job is simply
//! queued.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::Job;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams};
use serde::Deserialize;

use super::{Cluster, retry};
use crate::text;

pub const GROUP: &str = "kueue.x-k8s.io";
/// The label Kueue puts on a job's Workload, holding the job's uid.
const JOB_UID_LABEL: &str = "kueue.x-k8s.io/job-uid";

/// Whether the API server serves Kueue's API group: Some(version it prefers), None when it does
/// not, or Err when discovery itself failed (then nothing is known either way).
pub async fn served_version(cluster: &Cluster) -> Result<Option<String>, kube::Error> {
    let groups = retry::idempotent(|| cluster.client.list_api_groups()).await?;
    Ok(groups
        .groups
        .into_iter()
        .find(|g| g.name == GROUP)
        .and_then(|g| {
            g.preferred_version
                .map(|v| v.version)
                .or_else(|| g.versions.first().map(|v| v.version.clone()))
        }))
}

/// Why Kueue holds each job back, by the job's uid: one job's when `job_uid` is given, else every
/// job's in the namespace (one request either way). Empty when the Workloads cannot be read.
pub async fn reasons(
    cluster: &Cluster,
    version: &str,
    job_uid: Option<&str>,
) -> BTreeMap<String, String> {
    let gvk = GroupVersionKind::gvk(GROUP, version, "Workload");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "workloads");
    let api: kube::Api<DynamicObject> =
        kube::Api::namespaced_with(cluster.client.clone(), &cluster.namespace, &resource);
    let selector = match job_uid {
        Some(uid) => format!("{JOB_UID_LABEL}={uid}"),
        None => JOB_UID_LABEL.to_string(),
    };
    let params = ListParams::default().labels(&selector);
    let Ok(list) = retry::idempotent(|| api.list(&params)).await else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    for item in list.items {
        // The label is only Kueue's habit; the owner reference is what ties a Workload to a job.
        let Some(owner) = item
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find(|o| o.kind == "Job" && job_uid.is_none_or(|u| o.uid == u))
            .map(|o| o.uid.clone())
        else {
            continue;
        };
        if let Some(reason) = serde_json::from_value::<Workload>(item.data)
            .ok()
            .and_then(|w| w.reason())
        {
            out.insert(owner, reason);
        }
    }
    out
}

/// Why Kueue holds this job back, when that can be found out.
pub async fn reason_for(cluster: &Cluster, job: &Job) -> Option<String> {
    let uid = job.metadata.uid.as_deref()?;
    let version = served_version(cluster).await.ok()??;
    reasons(cluster, &version, Some(uid)).await.remove(uid)
}

/// Words for a queued job while it is followed: Kueue's reason, looked up at most every few
/// seconds, with its API group discovered once.
#[derive(Default)]
pub struct Watch {
    version: Option<Option<String>>,
    checked: Option<std::time::Instant>,
    last: Option<String>,
}

impl Watch {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(3);

    /// `queued`, or `queued: <why>` when Kueue says why.
    pub async fn describe(&mut self, cluster: &Cluster, job: &Job) -> String {
        if self.checked.is_none_or(|t| t.elapsed() >= Self::EVERY) {
            self.checked = Some(std::time::Instant::now());
            if self.version.is_none() {
                self.version = Some(served_version(cluster).await.ok().flatten());
            }
            if let (Some(Some(version)), Some(uid)) = (&self.version, job.metadata.uid.as_deref()) {
                self.last = reasons(cluster, version, Some(uid)).await.remove(uid);
            }
        }
        match &self.last {
            Some(why) => format!("queued: {why}"),
            None => "queued".into(),
        }
    }
}

/// The parts of a Workload this tool reads; the rest of Kueue's schema is ignored.
#[derive(Debug, Default, Deserialize)]
pub struct Workload {
    #[serde(default)]
    spec: WorkloadSpec,
    #[serde(default)]
    status: WorkloadStatus,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WorkloadSpec {
    queue_name: Option<String>,
    active: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct WorkloadStatus {
    #[serde(default)]
    conditions: Vec<Condition>,
}

#[derive(Debug, Deserialize)]
struct Condition {
    #[serde(rename = "type")]
    kind: String,
    status: String,
    reason: Option<String>,
    message: Option<String>,
}

impl Workload {
    fn condition(&self, kind: &str) -> Option<&Condition> {
        self.status.conditions.iter().find(|c| c.kind == kind)
    }

    /// The reason, or None when the Workload says nothing useful. Kueue's words are the cluster's,
    /// so they are made safe for a terminal and cut short.
    pub fn reason(&self) -> Option<String> {
        let said = |c: &Condition| {
            c.message
                .as_deref()
                .filter(|m| !m.trim().is_empty())
                .or(c.reason.as_deref())
                .map(|m| text::cut(m, 300))
        };
        let queue = self
            .spec
            .queue_name
            .as_deref()
            .map(|q| format!(" {}", text::cut(q, 63)))
            .unwrap_or_default();
        if self.spec.active == Some(false) {
            return Some("deactivated in Kueue (spec.active is false)".into());
        }
        if let Some(c) = self.condition("Evicted").filter(|c| c.status == "True") {
            let why = said(c).map(|m| format!(": {m}")).unwrap_or_default();
            return Some(format!("evicted, waiting in queue{queue} again{why}"));
        }
        let reserved = self.condition("QuotaReserved");
        if reserved.is_none_or(|c| c.status != "True") {
            let why = reserved
                .and_then(said)
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            return Some(format!("waiting for quota in queue{queue}{why}"));
        }
        match self.condition("Admitted") {
            Some(c) if c.status == "True" => Some("admitted, starting".into()),
            other => {
                let why = other
                    .and_then(said)
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default();
                Some(format!("quota reserved, waiting for admission checks{why}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workload(json: serde_json::Value) -> Workload {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn pending_workloads_say_why() {
        let w = workload(serde_json::json!({
            "spec": {"queueName": "team-a"},
            "status": {"conditions": [{"type": "QuotaReserved", "status": "False", "reason": "Pending",
                "message": "insufficient quota for cpu in flavor default\u{1b}[31m"}]}
        }));
        let r = w.reason().unwrap();
        assert!(
            r.starts_with("waiting for quota in queue team-a: insufficient quota for cpu"),
            "{r}"
        );
        assert!(!r.contains('\u{1b}'), "{r}");
        let fresh = workload(serde_json::json!({"spec": {"queueName": "q"}}));
        assert_eq!(fresh.reason().unwrap(), "waiting for quota in queue q");
    }

    #[test]
    fn evicted_and_admitted_workloads() {
        let evicted = workload(serde_json::json!({
            "status": {"conditions": [
                {"type": "QuotaReserved", "status": "False", "reason": "Pending"},
                {"type": "Evicted", "status": "True", "reason": "Preempted", "message": "preempted by a higher priority"}]}
        }));
        assert_eq!(
            evicted.reason().unwrap(),
            "evicted, waiting in queue again: preempted by a higher priority"
        );
        let admitted = workload(serde_json::json!({
            "status": {"conditions": [
                {"type": "QuotaReserved", "status": "True", "reason": "QuotaReserved"},
                {"type": "Admitted", "status": "True", "reason": "Admitted"}]}
        }));
        assert_eq!(admitted.reason().unwrap(), "admitted, starting");
    }
}
