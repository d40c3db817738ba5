//! The network policy `setup --network-policy` applies to sandbox pods: no ingress, and egress
//! only to the cluster's DNS and to public HTTPS.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::Api;
use kube::api::PostParams;

use super::{Cluster, retry};
use crate::failure::Failure;
use crate::job::keys;

pub const NETWORK_POLICY: &str = "claude-sandbox-egress";

/// Addresses a sandbox pod must not reach even on 443: private ranges (other pods, the API
/// server, internal services), carrier-grade NAT, loopback and link-local (the cloud metadata
/// service at 169.254.169.254).
pub const BLOCKED_V4: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
];
/// The IPv6 equivalents: loopback, IPv4-mapped addresses (a way back into the ranges above),
/// unique-local and link-local.
pub const BLOCKED_V6: &[&str] = &["::1/128", "::ffff:0:0/96", "fc00::/7", "fe80::/10"];

/// Sandbox pods accept no connection, and may open only DNS to the cluster's DNS pods and HTTPS to
/// public addresses (the Claude API, GitHub, package registries). The agent runs arbitrary code,
/// so anything inside the cluster or its cloud stays out of its reach. SSH is not allowed: the
/// pod clones and pushes over HTTPS, and the image has no SSH client.
pub fn network_policy(namespace: Option<&str>) -> NetworkPolicy {
    let port = |protocol: &str, port: i32| NetworkPolicyPort {
        protocol: Some(protocol.into()),
        port: Some(IntOrString::Int(port)),
        ..Default::default()
    };
    let public = |cidr: &str, except: &[&str]| NetworkPolicyPeer {
        ip_block: Some(IPBlock {
            cidr: cidr.into(),
            except: Some(except.iter().map(|c| c.to_string()).collect()),
        }),
        ..Default::default()
    };
    let cluster_dns = NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([(
                "kubernetes.io/metadata.name".into(),
                "kube-system".into(),
            )])),
            ..Default::default()
        }),
        pod_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([("k8s-app".into(), "kube-dns".into())])),
            ..Default::default()
        }),
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
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            // Listed as a policy type with no rule: every incoming connection is refused.
            ingress: Some(vec![]),
            egress: Some(vec![
                NetworkPolicyEgressRule {
                    to: Some(vec![cluster_dns]),
                    ports: Some(vec![port("UDP", 53), port("TCP", 53)]),
                },
                NetworkPolicyEgressRule {
                    to: Some(vec![
                        public("0.0.0.0/0", BLOCKED_V4),
                        public("::/0", BLOCKED_V6),
                    ]),
                    ports: Some(vec![port("TCP", 443)]),
                },
            ]),
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
    fn the_policy_denies_ingress_and_allows_only_cluster_dns_and_public_https() {
        let spec = network_policy(Some("ns")).spec.unwrap();
        assert_eq!(
            spec.policy_types.as_deref(),
            Some(&["Ingress".to_string(), "Egress".to_string()][..])
        );
        assert_eq!(
            spec.ingress.as_deref(),
            Some(&[][..]),
            "no ingress rule at all"
        );
        let egress = spec.egress.unwrap();
        assert_eq!(egress.len(), 2);
        let ports = |r: &NetworkPolicyEgressRule| -> Vec<(String, i32)> {
            r.ports
                .clone()
                .unwrap_or_default()
                .into_iter()
                .map(|p| match p.port {
                    Some(IntOrString::Int(n)) => (p.protocol.unwrap_or_default(), n),
                    _ => (String::new(), 0),
                })
                .collect()
        };

        let dns = &egress[0];
        assert_eq!(ports(dns), [("UDP".into(), 53), ("TCP".into(), 53)]);
        let to = dns.to.clone().unwrap();
        assert_eq!(to.len(), 1);
        assert!(
            to[0].ip_block.is_none(),
            "DNS goes to the DNS pods, not anywhere"
        );
        assert_eq!(
            to[0].pod_selector.clone().unwrap().match_labels.unwrap()["k8s-app"],
            "kube-dns"
        );
        assert_eq!(
            to[0]
                .namespace_selector
                .clone()
                .unwrap()
                .match_labels
                .unwrap()["kubernetes.io/metadata.name"],
            "kube-system"
        );

        let https = &egress[1];
        assert_eq!(ports(https), [("TCP".into(), 443)]);
        let blocks: Vec<IPBlock> = https
            .to
            .clone()
            .unwrap()
            .into_iter()
            .map(|p| p.ip_block.expect("HTTPS goes to address blocks only"))
            .collect();
        assert_eq!(blocks[0].cidr, "0.0.0.0/0");
        assert_eq!(blocks[1].cidr, "::/0");
        let v4 = blocks[0].except.clone().unwrap();
        for private in [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "100.64.0.0/10",
            "169.254.0.0/16",
        ] {
            assert!(v4.iter().any(|c| c == private), "{private} is not excluded");
        }
        let v6 = blocks[1].except.clone().unwrap();
        for private in ["fc00::/7", "fe80::/10", "::1/128", "::ffff:0:0/96"] {
            assert!(v6.iter().any(|c| c == private), "{private} is not excluded");
        }
    }
}
