//! `claude-sandbox git-credential get`: a git credential helper that hands out `GITHUB_TOKEN`.
//!
//! git runs it with the request on stdin (`protocol=https`, `host=github.com`, …) and reads
//! `username=`/`password=` back. The token is read from this process's own environment, so it is
//! never in a command line or a config file. It is only given to the host of `REPO_URL`, and only
//! over https (plain http just on loopback, for tests): a redirect, a submodule on another host or
//! an `insteadOf` rewrite the agent left behind gets nothing.

use std::io::{Read, Write};

/// GitHub accepts any user name with a token; this one also names what the token is.
pub const USERNAME: &str = "x-access-token";

/// Run the helper for one git operation; `store` and `erase` have nothing to keep or forget.
pub fn run(operation: &str) -> u8 {
    if operation != "get" {
        return 0;
    }
    let mut request = String::new();
    if std::io::stdin().read_to_string(&mut request).is_err() {
        return 1;
    }
    let repo_url = std::env::var(crate::contract::env::REPO_URL).unwrap_or_default();
    let token = std::env::var(crate::contract::env::GITHUB_TOKEN).ok();
    if let Some(reply) = answer(&request, &repo_url, token.as_deref()) {
        let mut out = std::io::stdout().lock();
        if out
            .write_all(reply.as_bytes())
            .and_then(|()| out.flush())
            .is_err()
        {
            return 1;
        }
    }
    0
}

/// The helper's reply to a `get` request, or None to let git go without.
pub fn answer(request: &str, repo_url: &str, token: Option<&str>) -> Option<String> {
    let token = token.filter(|t| !t.is_empty() && !t.contains(['\n', '\r', '\0']))?;
    let field = |key: &str| {
        request
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
    };
    let (scheme, authority) = origin(repo_url)?;
    let protocol = field("protocol")?;
    let host = field("host")?;
    let plain_http_ok = scheme == "http" && is_loopback(&authority);
    if protocol != scheme || (scheme != "https" && !plain_http_ok) {
        return None;
    }
    if !host.eq_ignore_ascii_case(&authority) {
        return None;
    }
    Some(format!("username={USERNAME}\npassword={token}\n"))
}

/// Scheme and `host[:port]` of a URL, without any user info.
fn origin(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if authority.is_empty() {
        return None;
    }
    Some((scheme.to_ascii_lowercase(), authority.to_owned()))
}

fn is_loopback(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "ghp_0123456789abcdefghijklmnopqrstuvwxyz";

    #[test]
    fn the_token_goes_to_the_repository_host_only() {
        let url = "https://github.com/acme/shop.git";
        let reply = answer("protocol=https\nhost=github.com\n\n", url, Some(TOKEN)).unwrap();
        assert_eq!(
            reply,
            format!("username=x-access-token\npassword={TOKEN}\n")
        );
        for request in [
            "protocol=https\nhost=evil.example\n",
            "protocol=http\nhost=github.com\n",
            "protocol=https\nhost=github.com.evil.example\n",
            "protocol=https\n",
            "",
        ] {
            assert_eq!(answer(request, url, Some(TOKEN)), None, "{request:?}");
        }
    }

    #[test]
    fn plain_http_gets_the_token_on_loopback_only() {
        let req = |host: &str| format!("protocol=http\nhost={host}\n");
        assert!(
            answer(
                &req("127.0.0.1:8080"),
                "http://127.0.0.1:8080/shop.git",
                Some(TOKEN)
            )
            .is_some()
        );
        assert!(answer(&req("[::1]:80"), "http://[::1]:80/shop.git", Some(TOKEN)).is_some());
        assert!(
            answer(
                &req("git.internal:80"),
                "http://git.internal:80/s.git",
                Some(TOKEN)
            )
            .is_none()
        );
    }

    proptest::proptest! {
        /// Whatever git (or anything pretending to be git) sends, the token only ever goes out
        /// when the request names exactly the repository's https host.
        #[test]
        fn the_token_never_goes_to_another_host(request in "(protocol=https?\n)?(host=[a-z.:0-9\\[\\]-]{0,30}\n)?.{0,40}") {
            let url = "https://github.com/acme/shop.git";
            if let Some(reply) = answer(&request, url, Some(TOKEN)) {
                proptest::prop_assert!(request.lines().any(|l| l == "host=github.com"), "{request:?}");
                proptest::prop_assert!(request.lines().any(|l| l == "protocol=https"), "{request:?}");
                let expected = format!("password={TOKEN}\n");
                proptest::prop_assert!(reply.ends_with(&expected));
            }
        }
    }

    #[test]
    fn no_token_no_answer() {
        let req = "protocol=https\nhost=github.com\n";
        let url = "https://github.com/a/b";
        assert_eq!(answer(req, url, None), None);
        assert_eq!(answer(req, url, Some("")), None);
        assert_eq!(answer(req, url, Some("a\nprotocol=x")), None);
        assert_eq!(answer(req, "file:///srv/git/b.git", Some(TOKEN)), None);
    }
}
