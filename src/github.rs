//! GitHub's addresses for a repository: its owner and name from a clone URL, and the REST API
//! that serves it (`https://api.github.com` for github.com, `https://HOST/api/v3` for GitHub
//! Enterprise Server). The CLI uses them to say where a pull request will be opened; the pod's
//! credential holder to open it.

/// A repository on a GitHub host, as the REST API names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// `scheme://host[:port]` of the clone URL.
    pub origin: String,
    pub owner: String,
    pub name: String,
}

/// The public GitHub's host and its API.
pub const GITHUB_HOST: &str = "github.com";
pub const GITHUB_API: &str = "https://api.github.com";

/// Owner and name of an `http(s)://HOST/OWNER/NAME(.git)` URL. Anything else (a file path, a
/// deeper path, a name GitHub would not allow) is no GitHub repository: the names go into the
/// API's paths, so nothing but GitHub's own name characters is taken.
pub fn repository(url: &str) -> Option<Repository> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let (host, path) = rest.split_once('/')?;
    if host.is_empty() || host.contains('@') || !host.bytes().all(is_host_byte) {
        return None;
    }
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut parts = path.split('/');
    let (owner, name) = (parts.next()?, parts.next()?);
    if parts.next().is_some() || !is_name(owner) || !is_name(name) {
        return None;
    }
    Some(Repository {
        origin: format!("{scheme}://{host}"),
        owner: owner.to_owned(),
        name: name.to_owned(),
    })
}

/// The REST API for a repository's host: the public API for github.com, `/api/v3` on the same
/// host for any other (GitHub Enterprise Server). That host already receives the token from git.
pub fn api_base(repo: &Repository) -> String {
    if repo.origin == format!("https://{GITHUB_HOST}") {
        GITHUB_API.to_owned()
    } else {
        format!("{}/api/v3", repo.origin)
    }
}

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_and_name_come_from_a_two_part_path_only() {
        let r = repository("https://github.com/acme/shop.git").unwrap();
        assert_eq!((r.owner.as_str(), r.name.as_str()), ("acme", "shop"));
        assert_eq!(api_base(&r), "https://api.github.com");
        let ghe = repository("https://git.corp.example:8443/team/app").unwrap();
        assert_eq!(api_base(&ghe), "https://git.corp.example:8443/api/v3");
        for bad in [
            "file:///tmp/acme/shop.git",
            "https://github.com/acme",
            "https://github.com/acme/shop/extra",
            "https://github.com/../shop",
            "https://github.com/acme/sh%2fop",
            "https://github.com/acme/shop?x=1",
            "https://user@github.com/acme/shop",
            "git@github.com:acme/shop.git",
        ] {
            assert_eq!(repository(bad), None, "{bad}");
        }
    }
}
