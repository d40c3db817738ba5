//! A job's pods: finding them, reading one, its log stream, and the events about it.

use k8s_openapi::api::core::v1::{Event, Pod};
use kube::Api;
use kube::api::{ListParams, LogParams};

use super::{Cluster, retry};
use crate::failure::Failure;

/// The pods of a job, newest first (a job here has one, but a retried or replaced pod may linger).
pub async fn of_job(cluster: &Cluster, job: &str) -> Result<Vec<Pod>, Failure> {
    let api: Api<Pod> = cluster.api();
    let lp = ListParams::default().labels(&format!("job-name={job}"));
    let mut pods = retry::idempotent(|| api.list(&lp))
        .await
        .map_err(|e| cluster.failure(e, "list", "pods", None))?
        .items;
    pods.sort_by(|a, b| {
        let ta = a.metadata.creation_timestamp.as_ref().map(|t| t.0);
        let tb = b.metadata.creation_timestamp.as_ref().map(|t| t.0);
        tb.cmp(&ta)
    });
    Ok(pods)
}

/// The pods of every job this tool made in the namespace, in one request: `list` reads each job's
/// receipt from them.
pub async fn of_managed_jobs(cluster: &Cluster) -> Result<Vec<Pod>, Failure> {
    let api: Api<Pod> = cluster.api();
    let lp = ListParams::default().labels(crate::job::keys::SELECTOR);
    retry::idempotent(|| api.list(&lp))
        .await
        .map(|l| l.items)
        .map_err(|e| cluster.failure(e, "list", "pods", None))
}

/// One pod by name, or None when it is gone.
pub async fn find(cluster: &Cluster, name: &str) -> Result<Option<Pod>, Failure> {
    let api: Api<Pod> = cluster.api();
    retry::idempotent(|| api.get_opt(name))
        .await
        .map_err(|e| cluster.failure(e, "get", "pods", Some(name)))
}

/// A container's log as a byte stream. The error is kube's own: the follower tells a dropped
/// connection from a container that has not started, and retries accordingly. The client has no
/// read timeout: a follow stays quiet for as long as the agent prints nothing.
pub async fn log(
    cluster: &Cluster,
    pod: &str,
    params: &LogParams,
) -> Result<impl futures::AsyncBufRead + use<>, kube::Error> {
    let api: Api<Pod> = Api::namespaced(cluster.streams.clone(), &cluster.namespace);
    api.log_stream(pod, params).await
}

/// Every event about an object, oldest first (for `status`).
pub async fn events_about(cluster: &Cluster, name: &str) -> Result<Vec<Event>, kube::Error> {
    let events: Api<Event> = cluster.api();
    let lp = ListParams::default().fields(&format!("involvedObject.name={name}"));
    let list = retry::idempotent(|| events.list(&lp)).await?;
    let mut items: Vec<Event> = list.items;
    items.sort_by_key(|e| {
        e.last_timestamp
            .as_ref()
            .map(|t| t.0)
            .or_else(|| e.event_time.as_ref().map(|t| t.0))
    });
    Ok(items)
}

/// Why the scheduler cannot place a pod: it says so in an event, not on the pod.
pub async fn scheduling_message(cluster: &Cluster, pod: &str) -> Option<String> {
    let events: Api<Event> = cluster.api();
    let lp = ListParams::default().fields(&format!("involvedObject.name={pod}"));
    let list = events.list(&lp).await.ok()?;
    list.items
        .into_iter()
        .filter(|e| e.reason.as_deref() == Some("FailedScheduling"))
        .filter_map(|e| e.message)
        .next_back()
}

/// Why admission (a ResourceQuota, a LimitRange, Pod Security) refused a job's pod. The Job
/// controller says so in a FailedCreate event on the Job and keeps retrying, so a follower that
/// only looked for the pod would wait until the deadline.
pub async fn refused(cluster: &Cluster, job: &str) -> Option<String> {
    let events: Api<Event> = cluster.api();
    let lp =
        ListParams::default().fields(&format!("involvedObject.name={job},reason=FailedCreate"));
    let list = events.list(&lp).await.ok()?;
    list.items
        .into_iter()
        .filter(|e| e.involved_object.kind.as_deref() == Some("Job"))
        .filter(|e| e.reason.as_deref() == Some("FailedCreate"))
        .filter(|e| e.type_.as_deref() == Some("Warning"))
        .filter_map(|e| e.message)
        .next_back()
}
