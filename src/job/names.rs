//! Kubernetes names: the job's own name and label values, always valid whatever text they come
//! from.

/// The `claude-sandbox/repo` label for a normalised URL: `owner.repo`, so `list --repo` can select
/// server-side; the exact URL is in an annotation for the final check.
pub fn repo_label(url: &str) -> String {
    label_value(&crate::repo::repo_slug(url).replace('/', "."))
}

/// `claude-sandbox-<repo>-<yyyymmdd-hhmmss>-<rand4>`: a DNS-1123 label of at most 63 characters.
pub fn job_name(repo: &str, now: jiff::Timestamp, suffix: &str) -> String {
    const PREFIX: &str = "claude-sandbox-";
    // prefix + "-yyyymmdd-hhmmss" (16) + "-xxxx" (5) leaves this much for the repository.
    const REPO_ROOM: usize = 63 - 15 - 16 - 5;
    let mut slug = dns_label_part(repo);
    if slug.len() > REPO_ROOM {
        slug.truncate(REPO_ROOM);
        slug = slug.trim_end_matches('-').to_string();
    }
    if slug.is_empty() {
        slug = "repo".into();
    }
    let stamp = now.strftime("%Y%m%d-%H%M%S");
    format!("{PREFIX}{slug}-{stamp}-{suffix}")
}

/// Four random characters of [a-z0-9], from the standard library's randomly seeded hasher (a name
/// suffix needs uniqueness between two submits in the same second, not cryptographic strength).
pub fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    let mut n = h.finish();
    (0..4)
        .map(|_| {
            let c = ALPHABET[(n % 36) as usize] as char;
            n /= 36;
            c
        })
        .collect()
}

fn dns_label_part(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Any text as a valid label value: at most 63 of `[A-Za-z0-9._-]`, starting and ending with an
/// alphanumeric. Long values keep a hash of the whole so two long branch names stay distinct.
pub fn label_value(s: &str) -> String {
    let mapped: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = mapped.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if trimmed.len() <= 63 && trimmed == mapped {
        return trimmed.to_string();
    }
    if trimmed.len() <= 63 && mapped.len() <= 63 {
        return trimmed.to_string();
    }
    let hash = format!("{:08x}", fnv1a32(s.as_bytes()));
    let head: String = trimmed.chars().take(54).collect();
    let head = head.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    if head.is_empty() {
        hash
    } else {
        format!("{head}-{hash}")
    }
}

/// FNV-1a: tiny, stable across versions and platforms, which label values need.
fn fnv1a32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x01000193);
    }
    h
}

pub fn is_label_value(s: &str) -> bool {
    s.is_empty()
        || (s.len() <= 63
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
}

pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The label Kueue reads to put a Job in a LocalQueue.
pub const QUEUE_LABEL: &str = "kueue.x-k8s.io/queue-name";

/// A queue is a LocalQueue's name, so a DNS label; the empty name means no queue.
pub fn check_queue_name(name: &str) -> Result<(), String> {
    if name.is_empty() || is_dns_label(name) {
        Ok(())
    } else {
        Err(format!(
            "'{name}' is not a queue name: a LocalQueue's name is up to 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn job_names_are_dns_labels_within_63() {
        let t = at("2026-11-23T10:05:09Z");
        assert_eq!(
            job_name("my_App", t, "ab12"),
            "claude-sandbox-my-app-20261123-100509-ab12"
        );
        let long = job_name(&"x".repeat(200), t, "zz99");
        assert!(long.len() <= 63 && is_dns_label(&long), "{long}");
        assert_eq!(
            job_name("___", t, "a1b2"),
            "claude-sandbox-repo-20261123-100509-a1b2"
        );
        let cut = job_name("abcdefghijklmnopqrstuvwxy-z", t, "q1w2");
        assert!(is_dns_label(&cut), "{cut}");
    }

    #[test]
    fn random_suffixes_are_four_lowercase_alphanumerics() {
        let s = random_suffix();
        assert_eq!(s.len(), 4);
        assert!(
            s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
    }

    #[test]
    fn label_values_are_always_valid() {
        assert_eq!(label_value("feature/login-fix"), "feature-login-fix");
        assert_eq!(label_value("-weird-"), "weird");
        assert_eq!(label_value("ünïcode"), "n-code");
        let a = label_value(&format!("{}a", "b".repeat(100)));
        let b = label_value(&format!("{}c", "b".repeat(100)));
        assert!(is_label_value(&a) && is_label_value(&b));
        assert_ne!(a, b, "long values must not collide");
        assert!(is_label_value(&label_value("////")));
    }
}
