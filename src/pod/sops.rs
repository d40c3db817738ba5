//! Project secrets kept in the repository as `.env.sops`, decrypted with the age key the cluster
//! mounts at `/secrets/age-key`, and handed to the setup steps and the agent as variables.

use std::path::Path;
use std::process::{Command, Stdio};

use super::env::PodEnv;
use super::log::{say, tail, warn};

pub const ENCRYPTED_FILE: &str = ".env.sops";

/// The decrypted variables, or none when the repository or the cluster has no SOPS set-up.
pub fn decrypt(env: &PodEnv, repo: &Path) -> Result<Vec<(String, String)>, String> {
    let file = repo.join(ENCRYPTED_FILE);
    if !file.is_file() || !env.age_key.is_file() {
        return Ok(Vec::new());
    }
    let output = Command::new("sops")
        .args([
            "--decrypt",
            "--input-type",
            "dotenv",
            "--output-type",
            "dotenv",
            ENCRYPTED_FILE,
        ])
        .current_dir(repo)
        .env("SOPS_AGE_KEY_FILE", &env.age_key)
        .stdin(Stdio::null())
        .output();
    let output = match output {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            warn(&format!(
                "{ENCRYPTED_FILE} and an age key are present but sops is not installed in this \
                 image; the agent runs without those variables"
            ));
            return Ok(Vec::new());
        }
        Err(e) => return Err(format!("could not run sops: {e}")),
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<String> = stderr.lines().map(str::to_owned).collect();
        tail(&lines[lines.len().saturating_sub(10)..]);
        return Err(format!(
            "sops could not decrypt {ENCRYPTED_FILE} with {}",
            env.age_key.display()
        ));
    }
    let vars = parse_dotenv(&String::from_utf8_lossy(&output.stdout));
    super::log::protect(vars.iter().map(|(_, v)| v.clone()));
    // Names only: the values are the point of encrypting them.
    say(&format!(
        "decrypted {ENCRYPTED_FILE}: {}",
        if vars.is_empty() {
            "no variables".to_owned()
        } else {
            vars.iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    ));
    Ok(vars)
}

/// `KEY=value` lines as sops writes them; comments and malformed lines are skipped.
pub fn parse_dotenv(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            if line.starts_with('#') {
                return None;
            }
            let line = line.strip_prefix("export ").unwrap_or(line);
            let (key, value) = line.split_once('=')?;
            let key = key.trim();
            if !crate::units::is_env_name(key) {
                return None;
            }
            let value = value.trim();
            let unquoted = ['"', '\'']
                .iter()
                .find_map(|q| value.strip_prefix(*q)?.strip_suffix(*q))
                .unwrap_or(value);
            Some((key.to_owned(), unquoted.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_lines_become_variables() {
        let vars = parse_dotenv(
            "# comment\nSTRIPE_KEY=sk_test_1\nexport A_B=\"quoted value\"\n\nnot a line\n1BAD=x\nC='x=y'\n",
        );
        assert_eq!(
            vars,
            [
                ("STRIPE_KEY".to_owned(), "sk_test_1".to_owned()),
                ("A_B".to_owned(), "quoted value".to_owned()),
                ("C".to_owned(), "x=y".to_owned()),
            ]
        );
    }
}
