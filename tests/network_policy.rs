//! `setup --network-policy`, seen through the binary a user runs: the policy it would apply, read
//! back as a typed NetworkPolicy from `--dry-run`, denies all ingress and lets sandbox pods reach
//! only the cluster's DNS pods and HTTPS outside private ranges.

mod support;

use k8s_openapi::api::networking::v1::NetworkPolicy;
use support::{stderr_of, stdout_of};

/// The policy `setup --dry-run --network-policy` prints after the redacted secret.
fn dry_run_policy() -> NetworkPolicy {
    let repo = support::TestRepo::committed(&[("README.md", "hi\n")]);
    let out = repo
        .cmd()
        .env("GITHUB_TOKEN", "ghp_NetworkPolicyTestToken")
        .args(["setup", "--dry-run", "--from-env", "--network-policy"])
        .output()
        .expect("run setup");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(!text.contains("NetworkPolicyTestToken"), "{text}");
    let policy = text
        .split("\n---\n")
        .find(|doc| doc.contains("kind: NetworkPolicy"))
        .unwrap_or_else(|| panic!("no NetworkPolicy in:\n{text}"));
    serde_saphyr::from_str(policy).expect("the printed policy parses as a NetworkPolicy")
}

#[test]
fn the_dry_run_policy_refuses_ingress_and_private_egress() {
    let p = dry_run_policy();
    let spec = p.spec.expect("spec");
    assert_eq!(
        spec.pod_selector.unwrap().match_labels.unwrap()["app"],
        "claude-sandbox"
    );
    assert_eq!(
        spec.policy_types.unwrap_or_default(),
        ["Ingress", "Egress"],
        "both directions are governed"
    );
    assert!(
        spec.ingress.unwrap_or_default().is_empty(),
        "no ingress rule means nothing may connect to a sandbox pod"
    );

    let egress = spec.egress.expect("egress rules");
    let mut saw_dns = false;
    let mut saw_https = false;
    for rule in &egress {
        let ports: Vec<(String, String)> = rule
            .ports
            .iter()
            .flatten()
            .map(|p| {
                (
                    p.protocol.clone().unwrap_or_default(),
                    format!("{:?}", p.port),
                )
            })
            .collect();
        let peers = rule.to.clone().expect("every egress rule names its peers");
        assert!(
            !peers.is_empty(),
            "an egress rule without peers allows everywhere"
        );
        if ports.iter().all(|(_, port)| port.contains("53")) {
            saw_dns = true;
            for peer in &peers {
                assert!(peer.ip_block.is_none(), "DNS only to the DNS pods");
                let pods = peer.pod_selector.clone().unwrap().match_labels.unwrap();
                assert_eq!(pods["k8s-app"], "kube-dns");
            }
        } else {
            assert_eq!(ports, [("TCP".to_string(), "Some(Int(443))".to_string())]);
            saw_https = true;
            let blocks: Vec<_> = peers
                .iter()
                .map(|p| p.ip_block.clone().expect("HTTPS only to address blocks"))
                .collect();
            let except = |cidr: &str| {
                blocks
                    .iter()
                    .find(|b| b.cidr == cidr)
                    .unwrap_or_else(|| panic!("no block for {cidr}"))
                    .except
                    .clone()
                    .unwrap_or_default()
            };
            let v4 = except("0.0.0.0/0");
            for private in [
                "10.0.0.0/8",
                "172.16.0.0/12",
                "192.168.0.0/16",
                "100.64.0.0/10",
                "169.254.0.0/16",
            ] {
                assert!(v4.iter().any(|c| c == private), "{private} reachable");
            }
            let v6 = except("::/0");
            for private in ["fc00::/7", "fe80::/10", "::1/128"] {
                assert!(v6.iter().any(|c| c == private), "{private} reachable");
            }
        }
    }
    assert!(saw_dns && saw_https, "{egress:?}");
}
