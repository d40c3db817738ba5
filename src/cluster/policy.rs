//! The egress policy `setup --network-policy` applies to sandbox pods.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::Api;
use kube::api::PostParams;

use super::{Cluster, retry};
use crate::failure::Failure;
use crate::job::keys;

pub const NETWORK_POLICY: &str = "claude-sandbox-egress";

/// Egress for sandbox pods: DNS, HTTPS (APIs, registries, GitHub) and SSH (git), nothing else;
/// in particular not the cluster's internal services.
pub fn network_policy(namespace: Option<&str>) -> NetworkPolicy {
    let port = |protocol: &str, port: i32| NetworkPolicyPort {
        protocol: Some(protocol.into()),
        port: Some(IntOrString::Int(port)),
        ..Default::default()
    };
    NetworkPolicy {
        metadata: ObjectMeta {
            name: Some(NETWORK_POLICY.into()),
            namespace: namespace.map(String::from),
            labels: Some(BTreeMap::from([(
                keys::MANAGED_BY.into(),
                keys::MANAGED_BY_VALUE.into(),
            )])),
            ..Default::default()
        },
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(BTreeMap::from([("app".into(), "claude-sandbox".into())])),
                ..Default::default()
            }),
            policy_types: Some(vec!["Egress".into()]),
            egress: Some(vec![
                NetworkPolicyEgressRule {
                    ports: Some(vec![port("UDP", 53), port("TCP", 53)]),
                    ..Default::default()
                },
                NetworkPolicyEgressRule {
                    ports: Some(vec![port("TCP", 443), port("TCP", 22)]),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        }),
    }
}

/// Create the egress policy, or replace the one there.
pub async fn apply(cluster: &Cluster) -> Result<(), Failure> {
    let ns = &cluster.namespace;
    let api: Api<NetworkPolicy> = cluster.api();
    let mut policy = network_policy(Some(ns));
    let params = PostParams {
        field_manager: Some("claude-sandbox".into()),
        ..Default::default()
    };
    let failed = |e| cluster.failure(e, "apply", "networkpolicies", Some(NETWORK_POLICY));
    match retry::idempotent(|| api.get_opt(NETWORK_POLICY)).await {
        Ok(Some(current)) => {
            policy.metadata.resource_version = current.metadata.resource_version;
            api.replace(NETWORK_POLICY, &params, &policy)
                .await
                .map_err(failed)?;
        }
        Ok(None) => {
            api.create(&params, &policy).await.map_err(failed)?;
        }
        Err(e) => return Err(failed(e)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_egress_policy_allows_only_dns_https_and_ssh() {
        let p = network_policy(Some("ns"));
        let spec = p.spec.unwrap();
        assert_eq!(
            spec.policy_types.as_deref(),
            Some(&["Egress".to_string()][..])
        );
        let ports: Vec<(String, i32)> = spec
            .egress
            .unwrap()
            .iter()
            .flat_map(|r| r.ports.clone().unwrap_or_default())
            .map(|p| match p.port {
                Some(IntOrString::Int(n)) => (p.protocol.unwrap_or_default(), n),
                _ => (String::new(), 0),
            })
            .collect();
        assert_eq!(
            ports,
            [
                ("UDP".into(), 53),
                ("TCP".into(), 53),
                ("TCP".into(), 443),
                ("TCP".into(), 22)
            ]
        );
    }
}
