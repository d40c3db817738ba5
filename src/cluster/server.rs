//! The API server itself: its version (native sidecars need 1.29) and what the user may do there.

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::Api;
use kube::api::PostParams;

use super::{Cluster, errors, retry};
use crate::failure::Failure;

/// The server's version as (major, minor), and the text it gives (`v1.30.2`).
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub text: String,
}

impl Version {
    /// Native sidecars (init containers with restartPolicy Always) arrived in Kubernetes 1.29.
    /// On an older server the sidecars would run forever and the Job would never complete.
    pub fn has_native_sidecars(&self) -> bool {
        (self.major, self.minor) >= (1, 29)
    }
}

pub async fn version(cluster: &Cluster) -> Result<Version, kube::Error> {
    let info = retry::idempotent(|| cluster.client.apiserver_version()).await?;
    Ok(Version {
        major: digits(&info.major),
        minor: digits(&info.minor),
        text: info.git_version,
    })
}

/// Refuse a job with services on a server without native sidecars.
pub async fn require_native_sidecars(cluster: &Cluster) -> Result<(), Failure> {
    let v = version(cluster)
        .await
        .map_err(|e| cluster.failure(e, "read", "version", None))?;
    if v.has_native_sidecars() {
        return Ok(());
    }
    Err(Failure::new(format!(
        "the cluster runs Kubernetes {}.{}, which has no native sidecars (1.29 or newer is needed: the credential holder and the postgres/redis services run as sidecars)",
        v.major, v.minor
    ))
    .hint("use a cluster on Kubernetes 1.29 or newer"))
}

fn digits(s: &str) -> u32 {
    // Managed clusters report minors like "29+".
    s.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(0)
}

/// Whether the user may `verb` the resource (and subresource, when not empty) in the namespace,
/// as the server answers a SelfSubjectAccessReview; the error is a short reason.
pub async fn may(
    cluster: &Cluster,
    verb: &str,
    group: &str,
    resource: &str,
    sub: &str,
) -> Result<bool, String> {
    let api: Api<SelfSubjectAccessReview> = Api::all(cluster.client.clone());
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: Some(cluster.namespace.clone()),
                verb: Some(verb.into()),
                group: Some(group.into()),
                resource: Some(resource.into()),
                subresource: (!sub.is_empty()).then(|| sub.to_string()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    api.create(&PostParams::default(), &review)
        .await
        .map(|r| r.status.is_some_and(|s| s.allowed))
        .map_err(|e| errors::short(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_minors_with_a_plus_still_count() {
        assert_eq!(digits("29+"), 29);
        assert_eq!(digits(""), 0);
        let v = Version {
            major: 1,
            minor: 28,
            text: String::new(),
        };
        assert!(!v.has_native_sidecars());
    }
}
