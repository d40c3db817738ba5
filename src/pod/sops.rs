//! Project secrets kept in the repository as `.env.sops`, decrypted with the age key the cluster
//! mounts at `/secrets/age-key`, and handed to the setup steps and the agent as variables.

use std::process::{Command, Stdio};

use super::env::PodEnv;
use super::log::{say, tail, warn};

pub const ENCRYPTED_FILE: &str = ".env.sops";

/// The decrypted variables of `.env.sops` at the start commit, or none when the repository or
/// the cluster has no SOPS set-up. Runs in the holder: the file is read from the seed repository
/// (not from any work tree) and decrypted in the holder's private directory.
pub fn decrypt(env: &PodEnv, base: &str) -> Result<Vec<(String, String)>, String> {
    if !env.age_key.is_file() {
        return Ok(Vec::new());
    }
    let Some(text) = file_at(env, base) else {
        return Ok(Vec::new());
    };
    let dir = env.holder_dir.join("sops");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    std::fs::write(dir.join(ENCRYPTED_FILE), text)
        .map_err(|e| format!("cannot write {ENCRYPTED_FILE}: {e}"))?;
    let repo = dir.as_path();
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

/// `.env.sops` as committed at `base` in the seed repository.
fn file_at(env: &PodEnv, base: &str) -> Option<Vec<u8>> {
    let repo =
        git2::Repository::open_bare(env.seed_dir.join(crate::contract::files::SEED_REPO)).ok()?;
    let commit = repo.find_commit(git2::Oid::from_str(base).ok()?).ok()?;
    let entry = commit
        .tree()
        .ok()?
        .get_name(ENCRYPTED_FILE)?
        .to_object(&repo)
        .ok()?;
    Some(entry.as_blob()?.content().to_vec())
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
