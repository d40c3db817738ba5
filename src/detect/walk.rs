//! Finding manifests without reading the whole tree: the root and a few levels below it,
//! plus workspace members that manifests declare explicitly (which may be deeper).

use std::collections::BTreeSet;

use super::collect::Scan;
use super::path::{MAX_SEGMENTS, file_name, join};

/// Directory levels below the root that are searched for manifests: `a/b/c/package.json`
/// is found, `a/b/c/d/package.json` only when a workspace declares it.
pub(crate) const MAX_DEPTH: usize = 3;

/// How deep a `**` in a workspace glob may reach, and how many directories one glob may
/// yield: bounds the work on huge monorepos.
const MAX_GLOB_DEPTH: usize = 8;
const MAX_GLOB_DIRS: usize = 4000;

/// Vendored code, dependencies, build output, examples and test fixtures: their manifests
/// describe other projects (or none), not what this one needs.
const SKIP_DIRS: &[&str] = &[
    "node_modules",
    "bower_components",
    "jspm_packages",
    "vendor",
    "vendored",
    "third_party",
    "third-party",
    "thirdparty",
    "external",
    "target",
    "dist",
    "build",
    "out",
    "_build",
    "deps",
    "tmp",
    "coverage",
    "examples",
    "example",
    "samples",
    "sample",
    "fixtures",
    "fixture",
    "__fixtures__",
    "test-fixtures",
    "testdata",
    "test-data",
    "test_data",
    "__pycache__",
    "venv",
    "site-packages",
    "pods",
];

/// Hidden directories are tool state (`.git`, `.venv`, `.cache`), except the dev container
/// definition, which is where a project says what its development setup runs.
pub(crate) fn skip_dir(name: &str) -> bool {
    if name.starts_with('.') {
        return name != ".devcontainer";
    }
    SKIP_DIRS.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// `docker-compose.yml`, `docker-compose.dev.yaml`, `compose.yml`, `compose-test.yaml`…
pub(crate) fn is_compose_name(lower: &str) -> bool {
    let Some(stem) = lower
        .strip_suffix(".yml")
        .or_else(|| lower.strip_suffix(".yaml"))
    else {
        return false;
    };
    let rest = stem
        .strip_prefix("docker-compose")
        .or_else(|| stem.strip_prefix("compose"));
    rest.is_some_and(|r| r.is_empty() || r.starts_with(['.', '-', '_']))
}

/// Is this file one any scanner reads? Called for every file the walk sees, so it
/// decides on the extension first and rejects the common case (a source file) without
/// allocating.
fn is_candidate(in_config: bool, in_requirements: bool, name: &str) -> bool {
    let ext = name
        .bytes()
        .rposition(|b| b == b'.')
        .map_or("", |i| &name[i + 1..]);
    if ext.eq_ignore_ascii_case("txt") {
        return in_requirements || name.to_ascii_lowercase().contains("requirements");
    }
    if in_config
        && (name.starts_with("database.")
            || matches!(
                name,
                "cable.yml" | "cache.php" | "queue.php" | "session.php" | "broadcasting.php"
            ))
    {
        return true;
    }
    if ext.eq_ignore_ascii_case("yml") || ext.eq_ignore_ascii_case("yaml") {
        return matches!(name, "pnpm-workspace.yaml" | "pnpm-lock.yaml")
            || is_compose_name(&name.to_ascii_lowercase());
    }
    match ext {
        "" => matches!(name, "Gemfile" | "Pipfile"),
        "rb" => name == "gems.rb",
        "lock" => matches!(
            name,
            "Gemfile.lock"
                | "Cargo.lock"
                | "yarn.lock"
                | "poetry.lock"
                | "uv.lock"
                | "Pipfile.lock"
                | "composer.lock"
        ),
        "locked" => name == "gems.locked",
        "json" => {
            matches!(
                name,
                "package.json"
                    | "package-lock.json"
                    | "composer.json"
                    | "devcontainer.json"
                    | ".devcontainer.json"
            ) || super::dotnet::is_appsettings(name)
        }
        "csproj" | "fsproj" | "vbproj" => true,
        "props" => matches!(name, "Directory.Build.props" | "Directory.Packages.props"),
        "toml" => matches!(name, "pyproject.toml" | "Cargo.toml"),
        "mod" => name == "go.mod",
        "work" => name == "go.work",
        "exs" => name == "mix.exs",
        "xml" => name == "pom.xml",
        "gradle" => matches!(name, "build.gradle" | "settings.gradle"),
        "kts" => matches!(name, "build.gradle.kts" | "settings.gradle.kts"),
        "gemspec" | "prisma" => true,
        // `.ruby-version`, `.tool-versions`: the whole name is the "extension"
        "ruby-version" | "tool-versions" | "env" => name.len() == ext.len() + 1,
        // a PHP app's committed env template
        "example" | "dist" => matches!(name, ".env.example" | ".env.dist"),
        _ => false,
    }
}

/// Manifest candidates in breadth-first order (root first, then each directory in the
/// tree's listing order), which is also the order evidence is reported in.
pub(crate) fn walk(ctx: &Scan<'_>) -> Vec<String> {
    let mut files = Vec::new();
    let mut level = vec![String::new()];
    for depth in 0..=MAX_DEPTH {
        let mut next = Vec::new();
        for dir in &level {
            let join = |name: &str| {
                if dir.is_empty() {
                    name.to_string()
                } else {
                    format!("{dir}/{name}")
                }
            };
            let dir_name = file_name(dir);
            let (in_config, in_requirements) = (dir_name == "config", dir_name == "requirements");
            let mut visit = |name: &str, is_dir: bool| {
                if is_dir {
                    if depth < MAX_DEPTH && !skip_dir(name) {
                        next.push(join(name));
                    }
                } else if is_candidate(in_config, in_requirements, name) {
                    files.push(join(name));
                }
            };
            // The deepest level is only scanned for file names and is most of the
            // listings, so it is visited without building or caching entries (a glob
            // that needs it lists it again). Every Tree lists in a fixed order, so no
            // sorting is needed.
            if depth == MAX_DEPTH {
                ctx.visit_uncached(dir, &mut visit);
            } else {
                for e in ctx.list(dir).iter() {
                    visit(&e.name, e.is_dir);
                }
            }
        }
        level = next;
    }
    files
}

/// Shell-style match of one path segment: `*` any run, `?` one character.
pub(crate) fn wildcard(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Directories matching a workspace glob (`apps/*`, `packages/**`, `crates/x`) relative
/// to `base`. Literal segments are followed as written — the manifest names them — but
/// wildcards never descend into skipped directories.
pub(crate) fn glob_dirs(ctx: &Scan<'_>, base: &str, pattern: &str) -> Vec<String> {
    let pattern = pattern
        .trim()
        .trim_start_matches("./")
        .trim_end_matches('/');
    let Some(start) = (if has_wildcard(pattern) {
        // Wildcards are matched segment by segment from the literal prefix.
        let literal: Vec<&str> = pattern
            .split('/')
            .take_while(|s| !has_wildcard(s))
            .collect();
        join(base, &literal.join("/"))
    } else {
        return join(base, pattern)
            .filter(|d| d.is_empty() || ctx.is_dir(d))
            .into_iter()
            .collect();
    }) else {
        return Vec::new();
    };
    let mut segments: Vec<&str> = pattern
        .split('/')
        .skip_while(|s| !has_wildcard(s))
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    // `**/**` matches what `**` does
    segments.dedup_by(|a, b| *a == "**" && *b == "**");
    if segments.contains(&"..") || segments.len() > MAX_SEGMENTS {
        return Vec::new();
    }
    let mut out = BTreeSet::new();
    match_segments(ctx, &start, &segments, 0, &mut out);
    out.into_iter().collect()
}

fn match_segments(
    ctx: &Scan<'_>,
    dir: &str,
    segments: &[&str],
    depth: usize,
    out: &mut BTreeSet<String>,
) {
    if out.len() >= MAX_GLOB_DIRS || depth > MAX_GLOB_DEPTH {
        return;
    }
    let Some((seg, rest)) = segments.split_first() else {
        out.insert(dir.to_string());
        return;
    };
    let children: Vec<String> = ctx
        .list(dir)
        .iter()
        .filter(|e| e.is_dir && !skip_dir(&e.name))
        .map(|e| e.name.clone())
        .collect();
    let child = |name: &str| {
        if dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        }
    };
    if *seg == "**" {
        // zero directories…
        match_segments(ctx, dir, rest, depth, out);
        // …or one more, keeping the `**`
        for name in &children {
            match_segments(ctx, &child(name), segments, depth + 1, out);
        }
    } else {
        for name in children.iter().filter(|n| wildcard(seg, n)) {
            match_segments(ctx, &child(name), rest, depth + 1, out);
        }
    }
}

/// Whole-path glob match where `**` spans any number of segments.
pub(crate) fn path_glob(pattern: &str, path: &str) -> bool {
    fn go(p: &[&str], s: &[&str]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some((&"**", rest)) => (0..=s.len()).any(|i| go(rest, &s[i..])),
            Some((seg, rest)) => s
                .split_first()
                .is_some_and(|(name, srest)| wildcard(seg, name) && go(rest, srest)),
        }
    }
    let mut p: Vec<&str> = pattern.split('/').filter(|x| !x.is_empty()).collect();
    p.dedup_by(|a, b| *a == "**" && *b == "**");
    let s: Vec<&str> = path.split('/').filter(|x| !x.is_empty()).collect();
    // a bound on the backtracking that several `**` can cause
    p.len() <= 16 && s.len() <= MAX_SEGMENTS && go(&p, &s)
}

/// Expands a list of workspace globs with `!negations` (npm, pnpm, Cargo `exclude`).
pub(crate) fn expand_members(
    ctx: &Scan<'_>,
    base: &str,
    include: &[String],
    exclude: &[String],
) -> Vec<String> {
    let mut dirs: Vec<String> = Vec::new();
    let mut negated: Vec<String> = exclude.to_vec();
    for pat in include {
        if let Some(neg) = pat.strip_prefix('!') {
            negated.push(neg.to_string());
            continue;
        }
        for d in glob_dirs(ctx, base, pat) {
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        }
    }
    let negated: Vec<String> = negated
        .iter()
        .filter_map(|n| join(base, n.trim_start_matches("./").trim_end_matches('/')))
        .collect();
    dirs.retain(|d| {
        !negated
            .iter()
            .any(|n| d == n || d.starts_with(&format!("{n}/")) || path_glob(n, d))
    });
    dirs
}

#[cfg(test)]
mod tests {
    use super::super::tree::MemTree;
    use super::*;

    #[test]
    fn wildcards() {
        assert!(path_glob("**/test/**", "a/test/b"));
        assert!(path_glob("**/test/**", "test"));
        assert!(!path_glob("apps/*", "apps/a/b"));
        assert!(wildcard("*", "abc"));
        assert!(wildcard("a*c", "abbbc"));
        assert!(wildcard("a?c", "abc"));
        assert!(!wildcard("a*d", "abc"));
        assert!(wildcard("*-api", "x-api"));
    }

    #[test]
    fn joins_and_refuses_escape() {
        assert_eq!(join("a/b", "../c").as_deref(), Some("a/c"));
        assert_eq!(join("", "./x/").as_deref(), Some("x"));
        assert_eq!(join("a", "../../x"), None);
        assert_eq!(join("a", "/etc"), None);
    }

    #[test]
    fn globs_skip_vendored_but_follow_literals() {
        let t = MemTree::new([
            ("packages/a/package.json", "{}"),
            ("packages/b/deep/package.json", "{}"),
            ("packages/node_modules/x/package.json", "{}"),
            ("examples/demo/package.json", "{}"),
        ]);
        let ctx = Scan::new(&t);
        assert_eq!(
            glob_dirs(&ctx, "", "packages/*"),
            vec!["packages/a", "packages/b"]
        );
        assert_eq!(
            glob_dirs(&ctx, "", "packages/**"),
            vec!["packages", "packages/a", "packages/b", "packages/b/deep"]
        );
        assert_eq!(glob_dirs(&ctx, "", "examples/demo"), vec!["examples/demo"]);
        assert!(glob_dirs(&ctx, "", "*/demo").is_empty());
        assert!(glob_dirs(&ctx, "", "../x").is_empty());
        let m = expand_members(&ctx, "", &["packages/*".into(), "!packages/b".into()], &[]);
        assert_eq!(m, vec!["packages/a"]);
        let m = expand_members(&ctx, "", &["packages/**".into(), "!**/deep/**".into()], &[]);
        assert_eq!(m, vec!["packages", "packages/a", "packages/b"]);
    }

    #[test]
    fn walk_is_bounded_and_skips() {
        let t = MemTree::new([
            ("package.json", "{}"),
            ("a/b/c/package.json", "{}"),
            ("a/b/c/d/package.json", "{}"),
            ("node_modules/pg/package.json", "{}"),
            (".hidden/package.json", "{}"),
            (".devcontainer/docker-compose.yml", ""),
            ("src/main.rs", ""),
        ]);
        let ctx = Scan::new(&t);
        assert_eq!(
            walk(&ctx),
            vec![
                "package.json",
                ".devcontainer/docker-compose.yml",
                "a/b/c/package.json"
            ]
        );
    }
}
