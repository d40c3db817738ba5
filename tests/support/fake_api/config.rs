//! What a test chooses: the cluster it pretends to be, what happens to each job, and which faults
//! to inject.

use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Pod, Secret};
use k8s_openapi::api::networking::v1::NetworkPolicy;

#[derive(Clone, Debug)]
pub struct Config {
    /// The namespace of the kubeconfig's `fake` context.
    pub namespace: String,
    /// Namespaces that exist. Empty means `default`, `kube-system`, `kube-public` and `namespace`;
    /// otherwise exactly these (so a test can make the context's namespace missing).
    pub namespaces: Vec<String>,
    /// What `/version` reports. Below 1.29 native sidecars are treated as a 1.28 server with the
    /// SidecarContainers gate off would: the init container's `restartPolicy` is dropped.
    pub server_version: (u32, u32),
    /// What happens to the pod of each created job (see also `State::next_scenarios`).
    pub scenario: Scenario,
    pub faults: Faults,
    pub secrets: Vec<Secret>,
    pub jobs: Vec<Job>,
    pub pods: Vec<Pod>,
    pub events: Vec<Event>,
    pub network_policies: Vec<NetworkPolicy>,
    /// `(verb, resource)` pairs answered 403; `resource` may carry a subresource (`pods/log`) and
    /// either may be `*`. SelfSubjectAccessReviews answer `allowed: false` for them.
    pub denied: Vec<(String, String)>,
    /// When set, requests without `Authorization: Bearer <it>` get 401.
    pub bearer_token: Option<String>,
    /// The user named in 403 messages (the kubeconfig's user is `fake`).
    pub user: String,
    /// The step between two simulated controller/kubelet actions.
    pub tick: Duration,
    /// How often a watch with `allowWatchBookmarks=true` gets a BOOKMARK.
    pub bookmark_interval: Duration,
    /// The fallback some tools use on old clusters runs services as regular containers and stops
    /// them when the main one exits; a real kubelet never does that by itself, so it is opt-in.
    pub regular_sidecars_exit_with_main: bool,
    /// Seeds pod-name suffixes and uids so a test can rely on them.
    pub seed: Option<u64>,
    /// What the main container leaves in its `terminationMessagePath`; the kubelet copies it into
    /// the terminated state's `message` when the container ends.
    pub termination_message: Option<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            namespace: "sandbox".into(),
            namespaces: Vec::new(),
            server_version: (1, 33),
            scenario: Scenario::default(),
            faults: Faults::default(),
            secrets: Vec::new(),
            jobs: Vec::new(),
            pods: Vec::new(),
            events: Vec::new(),
            network_policies: Vec::new(),
            denied: Vec::new(),
            bearer_token: None,
            user: "fake".into(),
            tick: Duration::from_millis(5),
            bookmark_interval: Duration::from_secs(1),
            regular_sidecars_exit_with_main: false,
            termination_message: None,
            seed: None,
        }
    }
}

/// The main container's log.
#[derive(Clone, Debug)]
pub enum LogSource {
    Lines(Vec<String>),
    /// `count` copies of `line`, each `{n}` replaced by the 1-based line number. Emitted all at
    /// once (sharing one timestamp) when the interval is zero, without ever being materialised,
    /// so a 200 MB log costs no memory.
    Generated {
        line: String,
        count: usize,
    },
}

impl LogSource {
    pub fn len(&self) -> usize {
        match self {
            LogSource::Lines(l) => l.len(),
            LogSource::Generated { count, .. } => *count,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Line `i` (0-based).
    pub fn line(&self, i: usize) -> String {
        match self {
            LogSource::Lines(l) => l[i].clone(),
            LogSource::Generated { line, .. } => line.replace("{n}", &(i + 1).to_string()),
        }
    }
}

impl Default for LogSource {
    fn default() -> LogSource {
        LogSource::Lines(Vec::new())
    }
}

impl From<Vec<String>> for LogSource {
    fn from(v: Vec<String>) -> LogSource {
        LogSource::Lines(v)
    }
}

impl From<Vec<&str>> for LogSource {
    fn from(v: Vec<&str>) -> LogSource {
        LogSource::Lines(v.into_iter().map(String::from).collect())
    }
}

impl<const N: usize> From<[&str; N]> for LogSource {
    fn from(v: [&str; N]) -> LogSource {
        LogSource::Lines(v.into_iter().map(String::from).collect())
    }
}

#[derive(Clone, Debug)]
pub enum Scenario {
    /// Pending (ContainerCreating) → Running, emitting the log → exit 0, Job Complete.
    Succeed {
        log: LogSource,
        line_interval: Duration,
    },
    /// → exit `exit_code` (reason Error), Job Failed with BackoffLimitExceeded.
    Fail {
        log: LogSource,
        line_interval: Duration,
        exit_code: i32,
    },
    /// → terminated reason OOMKilled, exit 137, Job Failed with BackoffLimitExceeded.
    OomKilled { log: LogSource },
    /// Runs, emitting the log, until `after`; then the Job controller fails the Job with
    /// DeadlineExceeded and deletes the pod. The Job's own `activeDeadlineSeconds` also applies
    /// to every scenario.
    DeadlineExceeded { log: LogSource, after: Duration },
    /// The main container waits with ErrImagePull, then ImagePullBackOff; stays Pending.
    ImagePullBackOff,
    /// PodScheduled=False reason Unschedulable, a FailedScheduling Warning event; stays Pending.
    Unschedulable,
    /// The main container waits with CreateContainerConfigError naming its missing secret.
    CreateContainerConfigError,
    /// The first native sidecar (or, without one, the main container) keeps crashing: exit 1,
    /// restartCount growing, waiting reason CrashLoopBackOff; the main container never starts.
    CrashLoopBackOff,
    /// Admission (a ResourceQuota, a LimitRange) refuses the pod: no pod ever exists, and the Job
    /// controller reports `message` in a FailedCreate Warning event on the Job.
    AdmissionRefused { message: String },
    /// Runs forever after emitting the log (for cancel / Ctrl-C tests).
    StayRunning {
        log: LogSource,
        line_interval: Duration,
    },
}

impl Scenario {
    pub fn succeed<S: AsRef<str>>(lines: &[S]) -> Scenario {
        Scenario::Succeed {
            log: lines_of(lines),
            line_interval: Duration::from_millis(2),
        }
    }

    pub fn fail<S: AsRef<str>>(lines: &[S], exit_code: i32) -> Scenario {
        Scenario::Fail {
            log: lines_of(lines),
            line_interval: Duration::from_millis(2),
            exit_code,
        }
    }

    pub fn stay_running<S: AsRef<str>>(lines: &[S]) -> Scenario {
        Scenario::StayRunning {
            log: lines_of(lines),
            line_interval: Duration::from_millis(2),
        }
    }

    /// A log of `count` lines made from `line` (`{n}` = line number), all emitted at once.
    pub fn succeed_generated(line: &str, count: usize) -> Scenario {
        Scenario::Succeed {
            log: LogSource::Generated {
                line: line.into(),
                count,
            },
            line_interval: Duration::ZERO,
        }
    }
}

fn lines_of<S: AsRef<str>>(lines: &[S]) -> LogSource {
    LogSource::Lines(lines.iter().map(|s| s.as_ref().to_string()).collect())
}

impl Default for Scenario {
    fn default() -> Scenario {
        Scenario::succeed(&[
            r#"{"type":"system","subtype":"init","session_id":"fake-session"}"#,
            r#"{"type":"assistant","message":{"content":[{"type":"text","text":"Working on it."}]}}"#,
            r#"{"type":"result","subtype":"success","is_error":false,"result":"Done."}"#,
        ])
    }
}

/// Faults consumed as they fire; tests may change them at run time through `State::faults`.
#[derive(Clone, Debug)]
pub struct Faults {
    /// How long the pod stays Pending (ContainerCreating / PodInitializing) once scheduled.
    pub slow_start: Duration,
    /// Each entry closes one follow=true log stream after that many lines (consumed in order).
    pub drop_log_stream_after: Vec<usize>,
    /// Close dropped streams with a clean end of body instead of aborting the connection.
    pub drop_log_stream_cleanly: bool,
    /// Follow streams stay open after the container has terminated (as kwok's kubelet does).
    pub log_stream_outlives_container: bool,
    /// The first N requests answer 429 with `Retry-After` and a Status body.
    pub too_many_requests: u32,
    /// Only requests whose path contains this count toward (and get) the 429s.
    pub too_many_requests_path: Option<String>,
    pub retry_after_seconds: u32,
    /// The first N job creates answer 500 and store nothing.
    pub server_errors_on_create: u32,
    /// The first N job creates are stored, then the connection is dropped before the body: the
    /// client cannot know whether its job exists.
    pub drop_connection_on_create: u32,
    /// The first N job creates are stored, then answered 504 as a proxy in front of a slow server
    /// does. kube's client sends the create again by itself and is told the name is taken.
    pub gateway_timeout_after_create: u32,
    /// The first N GETs (get, list, watch, logs) answer 500.
    pub server_errors: u32,
    /// The first N GETs answer 503 (kube-rs retries these by itself).
    pub unavailable: u32,
    /// The first N watches that carry a resourceVersion get an ERROR 410 Expired event.
    pub expire_watches: u32,
}

impl Default for Faults {
    fn default() -> Faults {
        Faults {
            slow_start: Duration::from_millis(20),
            drop_log_stream_after: Vec::new(),
            drop_log_stream_cleanly: false,
            log_stream_outlives_container: false,
            too_many_requests: 0,
            too_many_requests_path: None,
            retry_after_seconds: 1,
            server_errors_on_create: 0,
            drop_connection_on_create: 0,
            gateway_timeout_after_create: 0,
            server_errors: 0,
            unavailable: 0,
            expire_watches: 0,
        }
    }
}
