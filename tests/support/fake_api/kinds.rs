//! The resource types the fake serves, with the naming facts the apiserver derives from them.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Namespace,
    Pod,
    Secret,
    Event,
    Job,
    NetworkPolicy,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Namespace,
        Kind::Pod,
        Kind::Secret,
        Kind::Event,
        Kind::Job,
        Kind::NetworkPolicy,
    ];

    pub fn group(self) -> &'static str {
        match self {
            Kind::Job => "batch",
            Kind::NetworkPolicy => "networking.k8s.io",
            _ => "",
        }
    }

    pub fn version(self) -> &'static str {
        "v1"
    }

    pub fn api_version(self) -> &'static str {
        match self {
            Kind::Job => "batch/v1",
            Kind::NetworkPolicy => "networking.k8s.io/v1",
            _ => "v1",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            Kind::Namespace => "namespaces",
            Kind::Pod => "pods",
            Kind::Secret => "secrets",
            Kind::Event => "events",
            Kind::Job => "jobs",
            Kind::NetworkPolicy => "networkpolicies",
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Kind::Namespace => "Namespace",
            Kind::Pod => "Pod",
            Kind::Secret => "Secret",
            Kind::Event => "Event",
            Kind::Job => "Job",
            Kind::NetworkPolicy => "NetworkPolicy",
        }
    }

    pub fn list_kind(self) -> String {
        format!("{}List", self.kind())
    }

    pub fn namespaced(self) -> bool {
        self != Kind::Namespace
    }

    /// `jobs.batch`, `pods`: the form error messages use.
    pub fn qualified(self) -> String {
        qualified(self.plural(), self.group())
    }

    /// `Job.batch`, `Pod`: the form 422 messages use.
    pub fn qualified_kind(self) -> String {
        if self.group().is_empty() {
            self.kind().to_string()
        } else {
            format!("{}.{}", self.kind(), self.group())
        }
    }

    pub fn from_path(group: &str, version: &str, plural: &str) -> Option<Kind> {
        if version != "v1" {
            return None;
        }
        Kind::ALL
            .into_iter()
            .find(|k| k.group() == group && k.plural() == plural)
    }
}

pub(super) fn qualified(resource: &str, group: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    }
}
