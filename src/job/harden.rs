//! Pod Security `restricted` for every container of the pod, the tool's own and any a template
//! adds: the admission controller would refuse the whole pod for one loose container, and a loose
//! container is a way out of the sandbox.

use k8s_openapi::api::core::v1::{
    Capabilities, Container, PodSecurityContext, PodSpec, SeccompProfile, SecurityContext,
};

use crate::contract::{AGENT_UID, POD_GID};

/// The pod-wide settings, then each container's.
pub fn harden(pod: &mut PodSpec) {
    harden_pod(pod.security_context.get_or_insert_with(Default::default));
    pod.host_network = None;
    pod.host_pid = None;
    pod.host_ipc = None;
    pod.host_users = None;
    // The agent must not see the holder's processes (and their environment).
    pod.share_process_namespace = Some(false);
    // Restricted allows no host paths; a mount of a dropped volume would make the pod invalid.
    if let Some(volumes) = &mut pod.volumes {
        let host: Vec<String> = volumes
            .iter()
            .filter(|v| v.host_path.is_some())
            .map(|v| v.name.clone())
            .collect();
        volumes.retain(|v| v.host_path.is_none());
        for c in pod
            .containers
            .iter_mut()
            .chain(pod.init_containers.iter_mut().flatten())
        {
            if let Some(mounts) = &mut c.volume_mounts {
                mounts.retain(|m| !host.contains(&m.name));
            }
        }
    }
    for c in pod
        .containers
        .iter_mut()
        .chain(pod.init_containers.iter_mut().flatten())
    {
        harden_container(c);
    }
    // Added by `kubectl debug` to a running pod, never part of a Job's template.
    pod.ephemeral_containers = None;
}

fn harden_pod(sc: &mut PodSecurityContext) {
    sc.run_as_non_root = Some(true);
    sc.run_as_user = Some(AGENT_UID);
    sc.run_as_group = Some(POD_GID);
    sc.fs_group = Some(POD_GID);
    sc.seccomp_profile = Some(SeccompProfile {
        type_: "RuntimeDefault".into(),
        ..Default::default()
    });
    // Unsafe sysctls need a privileged kubelet setting; restricted allows none of them.
    sc.sysctls = None;
}

/// One container: no privilege, no capability, no root, no way to gain either. A uid the tool
/// chose (the holder's) stays; any other falls back to the pod's.
pub fn harden_container(c: &mut Container) {
    let sc = c.security_context.get_or_insert_with(Default::default);
    sc.allow_privilege_escalation = Some(false);
    sc.privileged = Some(false);
    sc.capabilities = Some(Capabilities {
        drop: Some(vec!["ALL".into()]),
        add: None,
    });
    sc.run_as_non_root = Some(true);
    if sc.run_as_user.is_some_and(|uid| uid == 0) {
        sc.run_as_user = None;
    }
    if sc.run_as_group.is_some_and(|gid| gid == 0) {
        sc.run_as_group = None;
    }
    sc.proc_mount = None;
    if sc
        .seccomp_profile
        .as_ref()
        .is_some_and(|p| p.type_ != "RuntimeDefault" && p.type_ != "Localhost")
    {
        sc.seccomp_profile = None;
    }
    sc.windows_options = None;
    sc.se_linux_options = None;
    c.ports
        .iter_mut()
        .flatten()
        .for_each(|p| p.host_port = None);
}

/// A security context for a container the tool makes, before [`harden`] runs over the pod.
pub fn hardened(run_as_user: Option<i64>) -> SecurityContext {
    let mut c = Container::default();
    harden_container(&mut c);
    let mut sc = c.security_context.unwrap_or_default();
    sc.run_as_user = run_as_user;
    sc
}
