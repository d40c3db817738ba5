//! Deletion as the apiserver, kubelet and garbage collector carry it out: graceful pod deletion
//! and the three propagation policies of a Job delete.

use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

use super::events::{emit_event, kubelet_ev};
use super::kinds::Kind;
use super::pod_status::{cond, main_container, terminated};
use super::state::{Shared, State};
use super::util;

/// Graceful pod deletion: deletionTimestamp now, containers killed a tick later, gone a tick after.
/// Unscheduled pods and a zero grace period go at once. Returns the object the DELETE answers with.
pub(super) fn delete_pod(
    shared: &Arc<Shared>,
    st: &mut State,
    ns: &str,
    name: &str,
    grace: Option<i64>,
) -> Option<Value> {
    let cur = st.get(Kind::Pod, ns, name)?;
    if cur["metadata"]["deletionTimestamp"].is_string() {
        return Some((*cur).clone());
    }
    let scheduled = cur["spec"]["nodeName"]
        .as_str()
        .is_some_and(|n| !n.is_empty());
    let grace = grace
        .or(cur["spec"]["terminationGracePeriodSeconds"].as_i64())
        .unwrap_or(30);
    if !scheduled || grace == 0 {
        return st.remove(Kind::Pod, ns, name).map(|v| (*v).clone());
    }
    let at = util::now()
        .checked_add(jiff::SignedDuration::from_secs(grace))
        .unwrap_or_else(|_| util::now());
    let mut obj = (*cur).clone();
    obj["metadata"]["deletionTimestamp"] = json!(util::k8s_time(at));
    obj["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
    let stored = st.put(Kind::Pod, obj);
    let tick = st.settings.tick;
    let (shared, ns, name) = (shared.clone(), ns.to_string(), name.to_string());
    tokio::spawn(async move {
        tokio::time::sleep(tick).await;
        {
            let mut st = shared.lock();
            let Some(mut p) = st.pod(&ns, &name) else {
                return;
            };
            let main = main_container(&p);
            let mut killed = Vec::new();
            let s = p.status.get_or_insert_with(Default::default);
            let mut main_ok = false;
            for (init, cs) in s
                .init_container_statuses
                .iter_mut()
                .flatten()
                .map(|c| (true, c))
                .chain(
                    s.container_statuses
                        .iter_mut()
                        .flatten()
                        .map(|c| (false, c)),
                )
            {
                if cs.state.as_ref().is_some_and(|x| x.running.is_some()) {
                    cs.state = Some(terminated(cs, 143, "Error"));
                    cs.ready = false;
                    cs.started = Some(false);
                    killed.push((cs.name.clone(), init));
                } else if cs.name == main
                    && cs
                        .state
                        .as_ref()
                        .and_then(|x| x.terminated.as_ref())
                        .is_some_and(|t| t.exit_code == 0)
                {
                    main_ok = true;
                }
            }
            if s.phase.as_deref() != Some("Succeeded") && s.phase.as_deref() != Some("Failed") {
                s.phase = Some(if main_ok { "Succeeded" } else { "Failed" }.into());
            }
            let conds = s.conditions.get_or_insert_with(Vec::new);
            cond(conds, "Ready", false, Some("PodCompleted"), None);
            cond(conds, "ContainersReady", false, Some("PodCompleted"), None);
            let stored = st.put(Kind::Pod, serde_json::to_value(&p).unwrap_or_default());
            for (c, init) in killed {
                emit_event(
                    &mut st,
                    &stored,
                    kubelet_ev(
                        "Normal",
                        "Killing",
                        format!("Stopping container {c}"),
                        &c,
                        init,
                    ),
                );
            }
            for ((lns, lpod, _), log) in st.logs.iter_mut() {
                if *lns == ns && *lpod == name {
                    log.finished = true;
                }
            }
            st.notify();
        }
        tokio::time::sleep(tick).await;
        shared.lock().remove(Kind::Pod, &ns, &name);
    });
    Some((*stored).clone())
}

fn owned_pods(st: &State, ns: &str, uid: &str) -> Vec<String> {
    st.range(Kind::Pod, Some(ns), None)
        .filter(|(_, p)| {
            p["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid))
        })
        .map(|((_, _, n), _)| n.clone())
        .collect()
}

/// Deletes a Job the way the apiserver and garbage collector do for each propagation policy.
/// Returns what the DELETE answers with: the object while finalizers hold it, else None.
pub(super) fn delete_job(
    shared: &Arc<Shared>,
    st: &mut State,
    ns: &str,
    name: &str,
    policy: &str,
) -> Option<Value> {
    let cur = st.get(Kind::Job, ns, name)?;
    let uid = cur["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let tick = st.settings.tick;
    let (shared, ns_s, name_s) = (shared.clone(), ns.to_string(), name.to_string());
    if policy == "Background" {
        st.remove(Kind::Job, ns, name);
        tokio::spawn(async move {
            tokio::time::sleep(tick).await;
            let mut st = shared.lock();
            for p in owned_pods(&st, &ns_s, &uid) {
                delete_pod(&shared, &mut st, &ns_s, &p, None);
            }
        });
        return None;
    }
    if cur["metadata"]["deletionTimestamp"].is_string() {
        return Some((*cur).clone());
    }
    let finalizer = if policy == "Foreground" {
        "foregroundDeletion"
    } else {
        "orphan"
    };
    let mut obj = (*cur).clone();
    obj["metadata"]["deletionTimestamp"] = json!(util::k8s_time(util::now()));
    obj["metadata"]["deletionGracePeriodSeconds"] = json!(0);
    let mut fins: Vec<Value> = obj["metadata"]["finalizers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    fins.push(json!(finalizer));
    obj["metadata"]["finalizers"] = json!(fins);
    let stored = st.put(Kind::Job, obj);
    let foreground = policy == "Foreground";
    tokio::spawn(async move {
        tokio::time::sleep(tick).await;
        let pods = {
            let mut st = shared.lock();
            let pods = owned_pods(&st, &ns_s, &uid);
            for p in &pods {
                if foreground {
                    delete_pod(&shared, &mut st, &ns_s, p, None);
                } else {
                    st.modify::<Pod, _>(Kind::Pod, &ns_s, p, |pod| {
                        if let Some(refs) = pod.metadata.owner_references.as_mut() {
                            refs.retain(|r| r.uid != uid);
                        }
                        if pod
                            .metadata
                            .owner_references
                            .as_ref()
                            .is_some_and(Vec::is_empty)
                        {
                            pod.metadata.owner_references = None;
                        }
                    });
                }
            }
            pods
        };
        if foreground {
            let mut rx = shared.lock().subscribe();
            loop {
                rx.borrow_and_update();
                let left = {
                    let st = shared.lock();
                    pods.iter().any(|p| st.get(Kind::Pod, &ns_s, p).is_some())
                };
                if !left || rx.changed().await.is_err() {
                    break;
                }
            }
        }
        let mut st = shared.lock();
        if st
            .get(Kind::Job, &ns_s, &name_s)
            .is_some_and(|j| j["metadata"]["uid"] == uid.as_str())
        {
            st.remove(Kind::Job, &ns_s, &name_s);
        }
    });
    Some((*stored).clone())
}
