//! The directory an image build reads: exactly what `image/Dockerfile` copies from a claude-sandbox
//! source tree, and, when asked, the user's own Claude Code agents and commands.
//!
//! The build compiles the binary from source, so it needs the source, not only the Dockerfile. The
//! context is a fresh directory holding only the files the Dockerfile names: a checkout's `target/`
//! (gigabytes) or a stray `.env` never reaches the engine, whatever the checkout holds.

use std::io;
use std::path::{Path, PathBuf};

/// What the Dockerfile's build stage copies from the source tree; tests/image.rs keeps this list
/// and the Dockerfile's COPY lines in step.
pub const SOURCE_ITEMS: [&str; 4] = ["Cargo.toml", "Cargo.lock", "src", "templates"];

/// The Dockerfile inside a source tree.
pub const DOCKERFILE: &str = "image/Dockerfile";

/// Where in the context the user's `~/.claude` directories go, and which ones.
pub const CLAUDE_HOME_DIR: &str = "claude-home";
pub const CLAUDE_HOME_ITEMS: [&str; 2] = ["agents", "commands"];

/// Where Claude Code looks for them in the image: the agent user's home.
const IMAGE_CLAUDE_HOME: &str = "/home/agent/.claude/";

/// The build arguments for a Ruby and a Node.js version. The Ruby images of 3.1 and older exist
/// only for Debian 12, so those builds name it; the Dockerfile's default release is newer.
pub fn build_args(ruby: Option<&str>, node: Option<&str>) -> Vec<(String, String)> {
    let mut args = Vec::new();
    if let Some(ruby) = ruby {
        args.push(("RUBY_VERSION".to_string(), ruby.to_string()));
        let mut parts = ruby.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        if (major, minor) < (3, 2) {
            args.push(("DEBIAN_RELEASE".to_string(), "bookworm".to_string()));
        }
    }
    if let Some(node) = node {
        args.push(("NODE_MAJOR".to_string(), node.to_string()));
    }
    args
}

/// Directories deeper than this are refused: only a symlink loop nests that far.
const MAX_DEPTH: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("{dir} is not a claude-sandbox source tree: it has no {missing}")]
    NotSource { dir: PathBuf, missing: String },
    #[error("--with-agents found neither {home}/.claude/agents nor {home}/.claude/commands")]
    NoAgents { home: String },
    #[error("{path} nests deeper than {MAX_DEPTH} directories (a symlink loop?)")]
    TooDeep { path: PathBuf },
    #[error("cannot prepare the build context from {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> ContextError + '_ {
    move |source| ContextError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A build context on disk; removed when dropped.
#[derive(Debug)]
pub struct Context {
    dir: PathBuf,
    /// Which of the user's `~/.claude` directories were baked in.
    pub claude_items: Vec<&'static str>,
}

impl Context {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn dockerfile(&self) -> PathBuf {
        self.dir.join("Dockerfile")
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Lay out a context in a new directory under `parent` from the source tree at `source`, with the
/// `agents` and `commands` directories of `claude_home` (the user's `~/.claude`) when given.
pub fn prepare(
    source: &Path,
    claude_home: Option<&Path>,
    parent: &Path,
) -> Result<Context, ContextError> {
    for item in SOURCE_ITEMS.iter().copied().chain([DOCKERFILE]) {
        if !source.join(item).exists() {
            return Err(ContextError::NotSource {
                dir: source.to_path_buf(),
                missing: item.to_string(),
            });
        }
    }
    let mut context = Context {
        dir: fresh_dir(parent)?,
        claude_items: Vec::new(),
    };
    for item in SOURCE_ITEMS {
        copy_tree(&source.join(item), &context.dir.join(item), 0)?;
    }
    let dockerfile_path = source.join(DOCKERFILE);
    let mut dockerfile =
        std::fs::read_to_string(&dockerfile_path).map_err(io_at(&dockerfile_path))?;
    if let Some(home) = claude_home {
        for item in CLAUDE_HOME_ITEMS {
            let from = home.join(item);
            if from.is_dir() {
                copy_tree(&from, &context.dir.join(CLAUDE_HOME_DIR).join(item), 0)?;
                context.claude_items.push(item);
            }
        }
        if context.claude_items.is_empty() {
            let home = home
                .parent()
                .map_or_else(|| home.display().to_string(), |h| h.display().to_string());
            return Err(ContextError::NoAgents { home });
        }
        if !dockerfile.ends_with('\n') {
            dockerfile.push('\n');
        }
        dockerfile.push_str(&format!(
            "\n# Added by `claude-sandbox image build --with-agents`: the user's own agents and commands.\n\
             COPY --chown=1000:1000 {CLAUDE_HOME_DIR}/ {IMAGE_CLAUDE_HOME}\n"
        ));
    }
    let target = context.dockerfile();
    std::fs::write(&target, dockerfile).map_err(io_at(&target))?;
    Ok(context)
}

/// A directory no one else has: created, not reused, so nothing planted there beforehand ends up
/// in the image.
fn fresh_dir(parent: &Path) -> Result<PathBuf, ContextError> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut last = None;
    for attempt in 0..16u32 {
        let dir = parent.join(format!(
            "claude-sandbox-build-{}-{stamp}-{attempt}",
            std::process::id()
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some((dir, e)),
            Err(e) => return Err(io_at(&dir)(e)),
        }
    }
    let (dir, e) = last.unwrap_or_else(|| (parent.to_path_buf(), io::ErrorKind::Other.into()));
    Err(io_at(&dir)(e))
}

/// Copy files and directories, following symlinks to what they point at.
fn copy_tree(from: &Path, to: &Path, depth: usize) -> Result<(), ContextError> {
    if depth > MAX_DEPTH {
        return Err(ContextError::TooDeep {
            path: from.to_path_buf(),
        });
    }
    let meta = std::fs::metadata(from).map_err(io_at(from))?;
    if meta.is_dir() {
        std::fs::create_dir_all(to).map_err(io_at(to))?;
        let mut entries = std::fs::read_dir(from)
            .map_err(io_at(from))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(io_at(from))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            copy_tree(&entry.path(), &to.join(entry.file_name()), depth + 1)?;
        }
    } else if meta.is_file() {
        std::fs::copy(from, to).map_err(io_at(from))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(args: &[(String, String)]) -> Vec<String> {
        args.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    #[test]
    fn old_rubies_build_on_the_release_that_has_them() {
        assert_eq!(
            pairs(&build_args(Some("3.1"), None)),
            ["RUBY_VERSION=3.1", "DEBIAN_RELEASE=bookworm"]
        );
        assert_eq!(
            pairs(&build_args(Some("2.7"), Some("22"))),
            [
                "RUBY_VERSION=2.7",
                "DEBIAN_RELEASE=bookworm",
                "NODE_MAJOR=22"
            ]
        );
        assert_eq!(pairs(&build_args(Some("3.2"), None)), ["RUBY_VERSION=3.2"]);
        assert_eq!(pairs(&build_args(Some("4"), None)), ["RUBY_VERSION=4"]);
        assert!(build_args(None, None).is_empty());
    }
}
