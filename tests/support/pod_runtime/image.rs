//! What the harness takes from image/Dockerfile: the entrypoint a container without `command`
//! runs, the environment the image sets, its user and working directory. The image itself is not
//! built here; its programs are the host's, plus the files the test puts on its PATH.

use std::path::{Path, PathBuf};

/// The default PATH of a Debian-based image before its Dockerfile changes it.
const BASE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

#[derive(Clone, Debug)]
pub struct Image {
    pub entrypoint: Vec<String>,
    pub env: Vec<(String, String)>,
    /// `USER uid[:gid]`, numeric.
    pub user: Option<(u32, Option<u32>)>,
    pub workdir: Option<String>,
    /// Files shown at /usr/local/bin/<name> inside every container: the compiled binary, the
    /// hostile agent.
    pub programs: Vec<(String, PathBuf)>,
    /// The arguments of each `git config --system …` the image's build runs, after `--system`:
    /// replayed into the container's /etc/gitconfig.
    pub system_git_config: Vec<Vec<String>>,
}

impl Image {
    /// The final stage of the Dockerfile at `path`.
    pub fn from_dockerfile(path: &Path) -> Image {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let mut image = Image {
            entrypoint: vec![],
            env: vec![("PATH".into(), BASE_PATH.into())],
            user: None,
            workdir: None,
            programs: vec![],
            system_git_config: vec![],
        };
        for instruction in instructions(&text) {
            let (word, rest) = instruction
                .split_once(char::is_whitespace)
                .unwrap_or((instruction.as_str(), ""));
            let rest = rest.trim();
            match word.to_ascii_uppercase().as_str() {
                // A new stage starts from another image: only the last one is the runtime.
                "FROM" => {
                    image.env = vec![("PATH".into(), BASE_PATH.into())];
                    image.entrypoint.clear();
                    image.user = None;
                    image.workdir = None;
                    image.system_git_config.clear();
                }
                "RUN" => {
                    for command in rest.split("&&").flat_map(|c| c.split(';')) {
                        let words = shell_words(command);
                        if let ["git", "config", "--system", args @ ..] = words
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                            .as_slice()
                        {
                            image
                                .system_git_config
                                .push(args.iter().map(|a| a.to_string()).collect());
                        }
                    }
                }
                "ENV" => {
                    for pair in rest.split_whitespace() {
                        let (k, v) = pair.split_once('=').unwrap_or_else(|| {
                            panic!("ENV without `=` in {}: {pair}", path.display())
                        });
                        let v = expand(v, &image.env);
                        image.env.retain(|(name, _)| name != k);
                        image.env.push((k.to_owned(), v));
                    }
                }
                "ENTRYPOINT" => {
                    image.entrypoint = serde_json::from_str(rest).unwrap_or_else(|e| {
                        panic!("ENTRYPOINT in {} is not a JSON array: {e}", path.display())
                    });
                }
                "USER" => {
                    let (u, g) = rest
                        .split_once(':')
                        .map_or((rest, None), |(u, g)| (u, Some(g)));
                    let uid = u.parse().expect("USER is numeric");
                    image.user = Some((uid, g.map(|g| g.parse().expect("USER gid is numeric"))));
                }
                "WORKDIR" => image.workdir = Some(rest.to_owned()),
                _ => {}
            }
        }
        assert!(
            !image.entrypoint.is_empty(),
            "{} has no ENTRYPOINT",
            path.display()
        );
        image
    }

    pub fn with_program(mut self, name: &str, host_path: &Path) -> Image {
        self.programs.push((name.to_owned(), host_path.to_owned()));
        self
    }

    pub fn home(&self) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == "HOME")
            .map(|(_, v)| v.as_str())
    }
}

/// Dockerfile instructions, continuation lines joined, comments dropped.
fn instructions(text: &str) -> Vec<String> {
    let mut out = vec![];
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        if !current.trim().is_empty() {
            out.push(current.trim().to_owned());
        }
        current.clear();
    }
    out
}

/// Words as sh splits them, for the simple commands a Dockerfile's RUN holds: blanks separate,
/// single and double quotes group.
fn shell_words(text: &str) -> Vec<String> {
    let mut words = vec![];
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

/// `$NAME` and `${NAME}` from what the image has set so far.
fn expand(value: &str, env: &[(String, String)]) -> String {
    let mut out = value.to_owned();
    for (k, v) in env {
        out = out
            .replace(&format!("${{{k}}}"), v)
            .replace(&format!("${k}"), v);
    }
    out
}
