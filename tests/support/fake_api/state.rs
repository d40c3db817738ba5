//! The object store: every object as JSON under one global resourceVersion, a bounded history of
//! changes for watches, container logs, and the records tests assert on.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Namespace, Pod, Secret};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::config::{Config, Faults, Scenario};
use super::kinds::Kind;
use super::logs::ContainerLog;
use super::util::{self, Rng};

pub(super) type Key = (Kind, String, String);

/// Enough history for any test; beyond it a watch from an older resourceVersion gets 410 Gone,
/// as it would after etcd compaction.
const HISTORY_CAP: usize = 200_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeType {
    Added,
    Modified,
    Deleted,
}

#[derive(Clone, Debug)]
pub(super) struct Change {
    pub rv: u64,
    pub kind: Kind,
    pub ns: String,
    pub typ: ChangeType,
    pub obj: Arc<Value>,
    pub prev: Option<Arc<Value>>,
}

/// One HTTP request as the fake saw it.
#[derive(Clone, Debug)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    /// The raw query string (percent-encoded), empty when there was none.
    pub query: String,
    /// The decoded query parameters, in order.
    pub params: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub accept: Option<String>,
    pub user_agent: Option<String>,
    /// The body when it was JSON.
    pub body: Option<Value>,
    /// The status answered (for streams: the status of the head), 0 while not yet answered.
    pub status: u16,
    /// True when no endpoint of the fake serves this path: the client called something unexpected.
    pub unknown: bool,
    pub at: Timestamp,
    /// Time the fake took to produce the response head (streams continue after it).
    pub handled_in: Duration,
}

impl RequestRecord {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn is_watch(&self) -> bool {
        matches!(self.param("watch"), Some("true" | "1"))
    }
}

/// One DELETE the fake honoured (dry runs included, flagged).
#[derive(Clone, Debug, PartialEq)]
pub struct DeletionRecord {
    /// Plural resource: `jobs`, `pods`, `secrets`…
    pub resource: String,
    pub namespace: String,
    pub name: String,
    /// `Background`, `Foreground`, `Orphan`, or None when the client sent none (for Jobs the
    /// apiserver's default is then to orphan the pods).
    pub propagation_policy: Option<String>,
    pub grace_period_seconds: Option<i64>,
    pub dry_run: bool,
}

pub(super) struct Settings {
    pub namespace: String,
    pub version: (u32, u32),
    pub tick: Duration,
    pub bookmark_interval: Duration,
    pub user: String,
    pub regular_sidecars_exit_with_main: bool,
    pub termination_message: Option<String>,
    pub node_name: String,
}

impl Settings {
    pub fn native_sidecars(&self) -> bool {
        self.version >= (1, 29)
    }
}

pub struct State {
    /// Faults still to fire; counters are decremented as they are consumed.
    pub faults: Faults,
    pub denied: Vec<(String, String)>,
    pub bearer_token: Option<String>,
    /// Scenarios for the next created jobs, in order; then `default_scenario`.
    pub next_scenarios: VecDeque<Scenario>,
    pub default_scenario: Scenario,
    pub requests: Vec<RequestRecord>,
    /// Jobs as stored on create (defaults applied), in order.
    pub created_jobs: Vec<Job>,
    /// Jobs validated by a `dryRun=All` create and not stored.
    pub dry_run_jobs: Vec<Job>,
    pub deletions: Vec<DeletionRecord>,
    pub(super) settings: Settings,
    pub(super) objects: BTreeMap<Key, Arc<Value>>,
    pub(super) rv: u64,
    pub(super) history: VecDeque<Change>,
    /// Watches from a resourceVersion below this get 410 Gone.
    pub(super) compacted_rv: u64,
    pub(super) logs: HashMap<(String, String, String), ContainerLog>,
    /// Server-side apply: the leaf paths each field manager set last time, per object.
    pub(super) applied: HashMap<(Kind, String, String, String), Vec<Vec<String>>>,
    pub(super) rng: Rng,
    pub(super) notify: tokio::sync::watch::Sender<u64>,
    /// Each object's list-item JSON at a resourceVersion: large paginated lists are mostly
    /// re-reads of unchanged objects, and re-serialising them dominated their cost.
    item_cache: HashMap<Key, (u64, Arc<Vec<u8>>)>,
}

pub(super) struct Shared {
    state: Mutex<State>,
}

impl Shared {
    pub fn new(state: State) -> Shared {
        Shared {
            state: Mutex::new(state),
        }
    }

    /// A panicking test thread must not wedge the server for the others.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn to_value<T: Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

impl State {
    pub(super) fn new(cfg: &Config) -> State {
        let (notify, _) = tokio::sync::watch::channel(0u64);
        let mut st = State {
            faults: cfg.faults.clone(),
            denied: cfg.denied.clone(),
            bearer_token: cfg.bearer_token.clone(),
            next_scenarios: VecDeque::new(),
            default_scenario: cfg.scenario.clone(),
            requests: Vec::new(),
            created_jobs: Vec::new(),
            dry_run_jobs: Vec::new(),
            deletions: Vec::new(),
            settings: Settings {
                namespace: cfg.namespace.clone(),
                version: cfg.server_version,
                tick: cfg.tick,
                bookmark_interval: cfg.bookmark_interval,
                user: cfg.user.clone(),
                regular_sidecars_exit_with_main: cfg.regular_sidecars_exit_with_main,
                termination_message: cfg.termination_message.clone(),
                node_name: "fake-node-1".into(),
            },
            objects: BTreeMap::new(),
            rv: 1000,
            history: VecDeque::new(),
            compacted_rv: 0,
            logs: HashMap::new(),
            applied: HashMap::new(),
            rng: Rng::new(cfg.seed),
            notify,
            item_cache: HashMap::new(),
        };
        let namespaces = if cfg.namespaces.is_empty() {
            let mut v: Vec<String> = ["default", "kube-system", "kube-public"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            if !v.contains(&cfg.namespace) {
                v.push(cfg.namespace.clone());
            }
            v
        } else {
            cfg.namespaces.clone()
        };
        for ns in namespaces {
            let obj = json!({
                "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            });
            st.seed(Kind::Namespace, obj);
        }
        for o in &cfg.secrets {
            st.seed(Kind::Secret, to_value(o));
        }
        for o in &cfg.network_policies {
            st.seed(Kind::NetworkPolicy, to_value(o));
        }
        for o in &cfg.jobs {
            st.seed(Kind::Job, to_value(o));
        }
        for o in &cfg.pods {
            st.seed(Kind::Pod, to_value(o));
        }
        for o in &cfg.events {
            st.seed(Kind::Event, to_value(o));
        }
        // Seeds are "old": history starts after them.
        st.compacted_rv = st.rv;
        st
    }

    /// Fills what the apiserver always sets, keeping what the seed already has.
    fn normalise(&mut self, kind: Kind, obj: &mut Value) {
        if !obj.is_object() {
            *obj = json!({});
        }
        obj["apiVersion"] = json!(kind.api_version());
        obj["kind"] = json!(kind.kind());
        if !obj["metadata"].is_object() {
            obj["metadata"] = json!({});
        }
        let md = &mut obj["metadata"];
        if kind.namespaced() {
            if md["namespace"].as_str().is_none_or(str::is_empty) {
                md["namespace"] = json!(self.settings.namespace);
            }
        } else if let Some(m) = md.as_object_mut() {
            m.remove("namespace");
        }
        if md["uid"].as_str().is_none_or(str::is_empty) {
            md["uid"] = json!(self.rng.uid());
        }
        if md["creationTimestamp"].as_str().is_none() {
            md["creationTimestamp"] = json!(util::k8s_time(util::now()));
        }
    }

    fn seed(&mut self, kind: Kind, mut obj: Value) {
        self.normalise(kind, &mut obj);
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        let key = key_of(kind, &obj);
        let obj = Arc::new(obj);
        // Serialised now so that a test timing a big list measures the list, not a warm-up.
        self.item_json(kind, &obj);
        self.objects.insert(key, obj);
    }

    pub(super) fn notify(&self) {
        self.notify.send_modify(|v| *v = v.wrapping_add(1));
    }

    pub(super) fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.notify.subscribe()
    }

    fn record(&mut self, kind: Kind, typ: ChangeType, obj: Arc<Value>, prev: Option<Arc<Value>>) {
        let ns = obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or("")
            .to_string();
        self.history.push_back(Change {
            rv: self.rv,
            kind,
            ns,
            typ,
            obj,
            prev,
        });
        while self.history.len() > HISTORY_CAP {
            if let Some(c) = self.history.pop_front() {
                self.compacted_rv = c.rv;
            }
        }
        self.notify();
    }

    pub(super) fn get(&self, kind: Kind, ns: &str, name: &str) -> Option<Arc<Value>> {
        let ns = if kind.namespaced() { ns } else { "" };
        self.objects
            .get(&(kind, ns.to_string(), name.to_string()))
            .cloned()
    }

    pub(super) fn exists_namespace(&self, ns: &str) -> bool {
        self.get(Kind::Namespace, "", ns).is_some()
    }

    /// Stores a new object (ADDED). The caller has checked it does not exist.
    pub(super) fn create(&mut self, kind: Kind, mut obj: Value) -> Arc<Value> {
        self.normalise(kind, &mut obj);
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        let key = key_of(kind, &obj);
        let obj = Arc::new(obj);
        self.objects.insert(key, obj.clone());
        self.record(kind, ChangeType::Added, obj.clone(), None);
        obj
    }

    /// Replaces an existing object (MODIFIED), or creates it when it is gone.
    pub(super) fn put(&mut self, kind: Kind, mut obj: Value) -> Arc<Value> {
        self.normalise(kind, &mut obj);
        let key = key_of(kind, &obj);
        let Some(prev) = self.objects.get(&key).cloned() else {
            return self.create(kind, obj);
        };
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        let obj = Arc::new(obj);
        self.objects.insert(key, obj.clone());
        self.record(kind, ChangeType::Modified, obj.clone(), Some(prev));
        obj
    }

    /// Removes an object now (DELETED), as the store does once no finalizer is left.
    pub(super) fn remove(&mut self, kind: Kind, ns: &str, name: &str) -> Option<Arc<Value>> {
        let ns = if kind.namespaced() { ns } else { "" };
        let prev = self
            .objects
            .remove(&(kind, ns.to_string(), name.to_string()))?;
        self.rv += 1;
        let mut gone = (*prev).clone();
        gone["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        let gone = Arc::new(gone);
        self.record(kind, ChangeType::Deleted, gone.clone(), Some(prev));
        self.item_cache
            .remove(&(kind, ns.to_string(), name.to_string()));
        if kind == Kind::Pod {
            self.logs
                .retain(|(lns, pod, _), _| !(lns == ns && pod == name));
        }
        self.applied
            .retain(|(k, n, o, _), _| !(*k == kind && n == ns && o == name));
        Some(gone)
    }

    /// Read-modify-write through the typed object; None when it does not exist.
    pub(super) fn modify<T, F>(&mut self, kind: Kind, ns: &str, name: &str, f: F) -> Option<T>
    where
        T: DeserializeOwned + Serialize + Clone,
        F: FnOnce(&mut T),
    {
        let cur = self.get(kind, ns, name)?;
        let mut typed: T = serde_json::from_value((*cur).clone()).ok()?;
        f(&mut typed);
        let v = to_value(&typed);
        if v == *cur {
            return Some(typed);
        }
        self.put(kind, v);
        Some(typed)
    }

    /// Objects of a kind, in key order, optionally in one namespace.
    pub(super) fn range(
        &self,
        kind: Kind,
        ns: Option<&str>,
        after: Option<(&str, &str)>,
    ) -> impl Iterator<Item = (&Key, &Arc<Value>)> {
        let start = match after {
            Some((ans, aname)) => Bound::Excluded((kind, ans.to_string(), aname.to_string())),
            None => Bound::Included((kind, ns.unwrap_or("").to_string(), String::new())),
        };
        let ns = ns.map(str::to_string);
        self.objects
            .range((start, Bound::Unbounded))
            .take_while(move |((k, n, _), _)| *k == kind && ns.as_ref().is_none_or(|ns| ns == n))
    }

    fn typed<T: DeserializeOwned>(&self, kind: Kind, ns: Option<&str>) -> Vec<T> {
        self.range(kind, ns, None)
            .filter_map(|(_, v)| serde_json::from_value((**v).clone()).ok())
            .collect()
    }

    fn typed_one<T: DeserializeOwned>(&self, kind: Kind, ns: &str, name: &str) -> Option<T> {
        self.get(kind, ns, name)
            .and_then(|v| serde_json::from_value((*v).clone()).ok())
    }

    /// The object as a list item (no `kind`/`apiVersion`, as the apiserver writes items).
    pub(super) fn item_json(&mut self, kind: Kind, obj: &Arc<Value>) -> Arc<Vec<u8>> {
        let key = key_of(kind, obj);
        let rv: u64 = obj["metadata"]["resourceVersion"]
            .as_str()
            .and_then(|r| r.parse().ok())
            .unwrap_or(0);
        if let Some((crv, bytes)) = self.item_cache.get(&key)
            && *crv == rv
        {
            return bytes.clone();
        }
        let bytes = Arc::new(serde_json::to_vec(&WithoutType(obj)).unwrap_or_default());
        self.item_cache.insert(key, (rv, bytes.clone()));
        bytes
    }

    pub(super) fn next_name_suffix(&mut self) -> String {
        self.rng.suffix(5)
    }

    pub(super) fn new_uid(&mut self) -> String {
        self.rng.uid()
    }

    // ---- for tests -------------------------------------------------------------------------

    /// The current (global) resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    /// The raw stored JSON of one object.
    pub fn object(&self, kind: Kind, namespace: &str, name: &str) -> Option<Value> {
        self.get(kind, namespace, name).map(|v| (*v).clone())
    }

    pub fn jobs(&self) -> Vec<Job> {
        self.typed(Kind::Job, None)
    }

    pub fn job(&self, namespace: &str, name: &str) -> Option<Job> {
        self.typed_one(Kind::Job, namespace, name)
    }

    pub fn pods(&self) -> Vec<Pod> {
        self.typed(Kind::Pod, None)
    }

    pub fn pod(&self, namespace: &str, name: &str) -> Option<Pod> {
        self.typed_one(Kind::Pod, namespace, name)
    }

    /// Pods carrying the job's `job-name` label.
    pub fn pods_of_job(&self, namespace: &str, job: &str) -> Vec<Pod> {
        self.typed::<Pod>(Kind::Pod, Some(namespace))
            .into_iter()
            .filter(|p| {
                p.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("batch.kubernetes.io/job-name").or(l.get("job-name")))
                    .is_some_and(|n| n == job)
            })
            .collect()
    }

    /// Pods whose owning Job no longer exists (left behind by an orphaning delete).
    pub fn orphaned_pods(&self) -> Vec<Pod> {
        let live: Vec<String> = self
            .range(Kind::Job, None, None)
            .filter_map(|(_, v)| v["metadata"]["uid"].as_str().map(String::from))
            .collect();
        self.pods()
            .into_iter()
            .filter(|p| {
                let labels = p.metadata.labels.clone().unwrap_or_default();
                let Some(owner) = labels
                    .get("batch.kubernetes.io/controller-uid")
                    .or(labels.get("controller-uid"))
                else {
                    return false;
                };
                !live.contains(owner)
            })
            .collect()
    }

    pub fn secrets(&self) -> Vec<Secret> {
        self.typed(Kind::Secret, None)
    }

    pub fn secret(&self, namespace: &str, name: &str) -> Option<Secret> {
        self.typed_one(Kind::Secret, namespace, name)
    }

    pub fn network_policies(&self) -> Vec<NetworkPolicy> {
        self.typed(Kind::NetworkPolicy, None)
    }

    pub fn namespaces(&self) -> Vec<Namespace> {
        self.typed(Kind::Namespace, None)
    }

    pub fn events(&self) -> Vec<Event> {
        self.typed(Kind::Event, None)
    }

    /// Events about one object, oldest first.
    pub fn events_for(&self, namespace: &str, involved_name: &str) -> Vec<Event> {
        self.typed::<Event>(Kind::Event, Some(namespace))
            .into_iter()
            .filter(|e| e.involved_object.name.as_deref() == Some(involved_name))
            .collect()
    }

    /// Adds (or replaces) an object after start, emitting a watch event. No lifecycle runs for it.
    pub fn insert<T: Serialize>(&mut self, kind: Kind, obj: &T) -> Value {
        let v = to_value(obj);
        (*self.put(kind, v)).clone()
    }

    pub fn delete(&mut self, kind: Kind, namespace: &str, name: &str) -> bool {
        self.remove(kind, namespace, name).is_some()
    }

    /// Replaces a container's log; `finished` ends follow streams once drained.
    pub fn set_log(
        &mut self,
        namespace: &str,
        pod: &str,
        container: &str,
        lines: Vec<String>,
        finished: bool,
    ) {
        let log = self.log_mut(namespace, pod, container);
        *log = ContainerLog::default();
        for l in lines {
            log.push(l);
        }
        log.finished = finished;
        self.notify();
    }

    pub fn append_log(
        &mut self,
        namespace: &str,
        pod: &str,
        container: &str,
        line: impl Into<String>,
    ) {
        self.log_mut(namespace, pod, container).push(line.into());
        self.notify();
    }

    /// Lines emitted so far by a container.
    pub fn log_lines(&self, namespace: &str, pod: &str, container: &str) -> Vec<String> {
        self.logs
            .get(&(
                namespace.to_string(),
                pod.to_string(),
                container.to_string(),
            ))
            .map(|l| (0..l.len()).map(|i| l.line(i).1).collect())
            .unwrap_or_default()
    }

    pub(super) fn log_mut(&mut self, ns: &str, pod: &str, container: &str) -> &mut ContainerLog {
        self.logs
            .entry((ns.to_string(), pod.to_string(), container.to_string()))
            .or_default()
    }

    /// Forgets the watch history, as etcd compaction does: watches from any older
    /// resourceVersion then get 410 Gone and informers must re-list.
    pub fn compact(&mut self) {
        self.history.clear();
        self.compacted_rv = self.rv;
    }

    /// Requests whose method matches and whose path contains `path_part`.
    pub fn requests_to(&self, method: &str, path_part: &str) -> Vec<RequestRecord> {
        self.requests
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.contains(path_part))
            .cloned()
            .collect()
    }

    /// Requests to paths the fake does not serve.
    pub fn unexpected_requests(&self) -> Vec<RequestRecord> {
        self.requests
            .iter()
            .filter(|r| r.unknown)
            .cloned()
            .collect()
    }
}

/// Serialises an object minus `kind`/`apiVersion` without cloning it.
struct WithoutType<'a>(&'a Value);

impl Serialize for WithoutType<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Value::Object(m) = self.0 else {
            return self.0.serialize(s);
        };
        let mut map = s.serialize_map(None)?;
        for (k, v) in m {
            if k != "kind" && k != "apiVersion" {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

pub(super) fn key_of(kind: Kind, obj: &Value) -> Key {
    let md = &obj["metadata"];
    let ns = if kind.namespaced() {
        md["namespace"].as_str().unwrap_or("")
    } else {
        ""
    };
    (
        kind,
        ns.to_string(),
        md["name"].as_str().unwrap_or("").to_string(),
    )
}
