//! Bundler's files: Gemfile (and gems.rb), *.gemspec, Gemfile.lock (and gems.locked). The
//! Gemfile says how a gem is used (groups, platforms, conditions); the lock only that it is.

use super::super::Service;
use super::super::collect::{Eco, Scan, Weight};
use super::super::graph::{self, Client, Graph, Root};
use super::super::path::parent;
use super::super::version;
use super::SRC;
use super::tokens::{Tok, ident, statements};

#[derive(Debug, Clone)]
enum Frame {
    Group(Vec<String>),
    Platforms(Vec<String>),
    /// `if`, `unless`, `case`, `install_if`, an optional group
    Cond,
    Other,
}

fn opens_block(toks: &[Tok]) -> bool {
    let Some(pos) = toks.iter().rposition(|t| ident(t) == Some("do")) else {
        return false;
    };
    // `do |x|` may follow, nothing else
    toks[pos + 1..]
        .iter()
        .all(|t| matches!(t, Tok::Punct('|') | Tok::Punct(',') | Tok::Ident(_)))
        && !toks[pos + 1..].iter().any(|t| ident(t) == Some("end"))
}

/// Updates the nesting for a statement that is not a dependency line.
fn track_nesting(toks: &[Tok], stack: &mut Vec<Frame>) {
    let first = toks.first().and_then(ident).unwrap_or("");
    let inline_end = toks.len() > 1 && toks.last().and_then(ident) == Some("end");
    match first {
        "end" => {
            stack.pop();
            return;
        }
        "if" | "unless" | "case" | "while" | "until" if !inline_end => {
            stack.push(Frame::Cond);
            return;
        }
        "begin" | "def" | "class" | "module" if !inline_end => {
            stack.push(Frame::Other);
            return;
        }
        _ => {}
    }
    if opens_block(toks) {
        let (values, optional) = block_args(&toks[1..]);
        stack.push(match first {
            "group" if optional => Frame::Cond,
            "group" => Frame::Group(values),
            "platforms" | "platform" => Frame::Platforms(values),
            "install_if" => Frame::Cond,
            _ => Frame::Other,
        });
    }
}

/// Symbols/strings of `group :a, "b", optional: true do`, and whether `optional: true`.
fn block_args(toks: &[Tok]) -> (Vec<String>, bool) {
    let mut values = Vec::new();
    let mut optional = false;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Sym(s) | Tok::Str(s) => values.push(s.clone()),
            Tok::Words(w) => values.extend(w.iter().cloned()),
            Tok::Label(l) if l == "optional" => {
                optional = toks.get(i + 1).and_then(ident) == Some("true");
            }
            Tok::Ident(d) if d == "do" => break,
            _ => {}
        }
        i += 1;
    }
    (values, optional)
}

/// Values of a hash option (`group: :test`, `groups: [:a, :b]`, `:platforms => %i[x]`).
fn option_values(toks: &[Tok], key: &str) -> Option<Vec<String>> {
    let mut i = 0;
    while i < toks.len() {
        let is_key = match &toks[i] {
            Tok::Label(l) => l == key,
            Tok::Sym(s) => s == key && toks.get(i + 1) == Some(&Tok::Arrow),
            _ => false,
        };
        if is_key {
            let mut j = i + 1;
            if toks.get(j) == Some(&Tok::Arrow) {
                j += 1;
            }
            let mut values = Vec::new();
            match toks.get(j) {
                Some(Tok::Sym(s) | Tok::Str(s)) => values.push(s.clone()),
                Some(Tok::Words(w)) => values.extend(w.iter().cloned()),
                Some(Tok::Punct('[')) => {
                    j += 1;
                    while let Some(t) = toks.get(j) {
                        match t {
                            Tok::Punct(']') => break,
                            Tok::Sym(s) | Tok::Str(s) => values.push(s.clone()),
                            _ => {}
                        }
                        j += 1;
                    }
                }
                Some(Tok::Ident(s)) => values.push(s.clone()),
                _ => {}
            }
            return Some(values);
        }
        i += 1;
    }
    None
}

/// Platforms a Linux MRI image satisfies.
fn mri_platform(p: &str) -> bool {
    let p = p.to_ascii_lowercase();
    p == "ruby" || p == "mri" || p.starts_with("ruby_") || p.starts_with("mri_")
}

fn production_group(g: &str) -> bool {
    matches!(
        g.to_ascii_lowercase().as_str(),
        "production" | "prod" | "staging"
    )
}

enum GemKind {
    Service(Service, bool),
    AltSql,
    /// A test double that stands in for the server (`fakeredis`): optional at most.
    Fake(Service),
}

fn gem_kind(name: &str) -> Option<GemKind> {
    Some(match name {
        "pg" | "activerecord-jdbcpostgresql-adapter" => GemKind::Service(Service::Postgres, false),
        "activerecord-postgis-adapter" => GemKind::Service(Service::Postgres, true),
        "redis" | "redis-client" | "sidekiq" | "resque" | "kredis" => {
            GemKind::Service(Service::Redis, false)
        }
        "mysql2" | "trilogy" => GemKind::AltSql,
        "fakeredis" | "mock_redis" => GemKind::Fake(Service::Redis),
        _ => return None,
    })
}

fn report_gem(ctx: &mut Scan<'_>, file: &str, name: &str, reason: String, weight: Weight) {
    match gem_kind(name) {
        Some(GemKind::Service(service, postgis)) => {
            if postgis {
                ctx.postgres_hit(file, reason, true, weight, SRC);
            } else {
                ctx.hit(service, file, reason, weight, SRC);
            }
        }
        Some(GemKind::AltSql) if weight == Weight::Needed => ctx.alt_sql(Eco::Ruby, file, name),
        Some(GemKind::Fake(service)) if weight != Weight::Extra => {
            ctx.hit(
                service,
                file,
                format!("{reason} (a test fake)"),
                Weight::Optional,
                SRC,
            );
        }
        _ => {}
    }
}

/// Reads a Gemfile and returns every gem it declares, as roots for the lockfile's graph.
pub(super) fn gemfile(ctx: &mut Scan<'_>, file: &str) -> Vec<Root> {
    let mut roots = Vec::new();
    let Some(text) = ctx.text(file) else {
        return roots;
    };
    let mut stack: Vec<Frame> = Vec::new();
    for toks in statements(&text) {
        let first = toks.first().and_then(ident).unwrap_or("");
        if first == "ruby" {
            if let Some(Tok::Str(v)) = toks
                .get(1)
                .filter(|_| !toks.iter().any(|t| matches!(t, Tok::Label(_))))
                && ctx.ruby_version_hint.is_none()
            {
                ctx.ruby_version_hint = version::major_minor(v);
            }
            continue;
        }
        if first != "gem" {
            track_nesting(&toks, &mut stack);
            continue;
        }
        let args = match toks.get(1) {
            Some(Tok::Punct('(')) => &toks[2..],
            _ => &toks[1..],
        };
        let Some(Tok::Str(name)) = args.first() else {
            continue;
        };
        let mut groups: Vec<String> = Vec::new();
        let mut platforms: Vec<String> = Vec::new();
        let mut cond = None;
        for f in &stack {
            match f {
                Frame::Group(g) => groups.extend(g.iter().cloned()),
                Frame::Platforms(p) => platforms.extend(p.iter().cloned()),
                Frame::Cond => cond = Some("inside a condition"),
                Frame::Other => {}
            }
        }
        groups.extend(option_values(args, "group").unwrap_or_default());
        groups.extend(option_values(args, "groups").unwrap_or_default());
        platforms.extend(option_values(args, "platforms").unwrap_or_default());
        platforms.extend(option_values(args, "platform").unwrap_or_default());
        if option_values(args, "install_if").is_some() {
            cond = Some("install_if");
        }
        if args
            .iter()
            .any(|t| matches!(ident(t), Some("if" | "unless")))
        {
            cond = Some("conditional");
        }
        let note = if let Some(c) = cond {
            Some(c.to_string())
        } else if !platforms.is_empty() && !platforms.iter().any(|p| mri_platform(p)) {
            Some(format!("platforms {}", symbols(&platforms)))
        } else if !groups.is_empty() && groups.iter().all(|g| production_group(g)) {
            Some(format!("group {}", symbols(&groups)))
        } else {
            None
        };
        let base = format!("gem \"{name}\"");
        let (weight, reason) = match &note {
            Some(n) => (Weight::Optional, format!("{base} ({n})")),
            None => (Weight::Needed, base),
        };
        // What a development-only tool pulls in is not what the app or its tests run.
        let tooling = note.is_none()
            && !groups.is_empty()
            && groups.iter().all(|g| g.eq_ignore_ascii_case("development"));
        roots.push(Root {
            name: name.clone(),
            weight: if tooling { Weight::Optional } else { weight },
            note: if tooling {
                Some("group :development".to_string())
            } else {
                note
            },
        });
        report_gem(ctx, file, name, reason, weight);
    }
    // A `group … do` or `if` without its `end` is a Gemfile Bundler would refuse; everything
    // after it was read as inside the block, so say the result may be wrong.
    if !stack.is_empty() {
        ctx.warn(
            file,
            "cannot parse: a block (do/if/…) is never closed with `end`; the gems after it may be misread"
                .to_string(),
        );
    }
    roots
}

fn symbols(v: &[String]) -> String {
    let mut v: Vec<String> = v.iter().map(|s| format!(":{s}")).collect();
    v.dedup();
    v.join(", ")
}

/// `spec.add_dependency "pg"`, `s.add_runtime_dependency(%q<pg>.freeze, …)`,
/// `add_development_dependency`. A gem's development dependencies are what its test
/// suite needs, so they count too. Generated gemspecs wrap everything in
/// `if s.respond_to? …`, which is version plumbing, not a condition on the platform.
pub(super) fn gemspec(ctx: &mut Scan<'_>, file: &str) {
    let Some(text) = ctx.text(file) else { return };
    let mut stack: Vec<bool> = Vec::new();
    for toks in statements(&text) {
        let first = toks.first().and_then(ident).unwrap_or("");
        let pos = toks.iter().position(|t| {
            matches!(
                ident(t),
                Some("add_dependency" | "add_runtime_dependency" | "add_development_dependency")
            )
        });
        let Some(pos) = pos else {
            let inline_end = toks.len() > 1 && toks.last().and_then(ident) == Some("end");
            match first {
                "end" => {
                    stack.pop();
                }
                "if" | "unless" | "case" if !inline_end => {
                    let real = !toks.iter().any(|t| {
                        matches!(ident(t), Some("respond_to?" | "specification_version"))
                            || matches!(t, Tok::Ident(s) if s == "Gem")
                    });
                    stack.push(real);
                }
                "begin" | "def" | "class" | "module" if !inline_end => stack.push(false),
                _ if opens_block(&toks) => stack.push(false),
                _ => {}
            }
            continue;
        };
        let Some(Tok::Str(name)) = toks[pos + 1..]
            .iter()
            .find(|t| !matches!(t, Tok::Punct('(')))
        else {
            continue;
        };
        let call = ident(&toks[pos]).unwrap_or("add_dependency");
        let base = format!("{call} \"{name}\"");
        let modifier = toks[pos..]
            .iter()
            .any(|t| matches!(ident(t), Some("if" | "unless")));
        let (weight, reason) = if modifier || stack.iter().any(|c| *c) {
            (Weight::Optional, format!("{base} (conditional)"))
        } else {
            (Weight::Needed, base)
        };
        report_gem(ctx, file, name, reason, weight);
    }
}

/// Gemfile.lock: what the Gemfile asked for (DEPENDENCIES) and everything resolved
/// (specs). Next to a Gemfile it only corroborates: the Gemfile says *how* (groups,
/// conditions), the lock only *that*. Without a Gemfile, DEPENDENCIES is the best record
/// of what the project asked for.
///
/// The specs also record what each gem depends on: from the Gemfile's gems (`roots`, or
/// DEPENDENCIES without a Gemfile) the resolved graph leads to clients the Gemfile never
/// names (`redis-namespace → redis`).
pub(super) fn lockfile(ctx: &mut Scan<'_>, file: &str, files: &[String], roots: Option<&[Root]>) {
    let Some(text) = ctx.text(file) else { return };
    let (graph, declared) = lock_graph(&text);
    let roots = match roots {
        Some(r) => r.to_vec(),
        None => declared
            .into_iter()
            .map(|name| Root {
                name,
                weight: Weight::Needed,
                note: None,
            })
            .collect(),
    };
    let client = |name: &str| match gem_kind(name) {
        Some(GemKind::Service(service, postgis)) => Some(Client { service, postgis }),
        _ => None,
    };
    let reaches = graph::reach(&graph, &roots, &client);
    graph::report(ctx, file, reaches, SRC);
    let dir = parent(file);
    let has_gemfile = ["Gemfile", "gems.rb"].iter().any(|g| {
        let p = if dir.is_empty() {
            (*g).to_string()
        } else {
            format!("{dir}/{g}")
        };
        files.contains(&p)
    });
    let mut section = "";
    let mut seen: Vec<String> = Vec::new();
    for line in text.lines() {
        if !line.starts_with(' ') {
            section = line.trim();
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let entry = line.trim();
        let name = entry.split([' ', '!', '(']).next().unwrap_or("").trim();
        // platform-specific specs: `pg (1.5.9-x86_64-linux)` has the same name
        let version = entry
            .split_once('(')
            .map(|(_, v)| v.trim_end_matches(')').to_string());
        let (is_spec, is_dep) = match section {
            "GEM" | "GIT" | "PATH" => (indent == 4, false),
            "DEPENDENCIES" => (false, indent == 2),
            _ => (false, false),
        };
        // next to a Gemfile, DEPENDENCIES only repeats it
        if (!is_spec && !is_dep) || (is_dep && has_gemfile) || gem_kind(name).is_none() {
            continue;
        }
        // one line per gem: platform variants (`pg (1.5.9-x86_64-linux)`) repeat the name
        let key = format!("{is_dep}{name}");
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let reason = match &version {
            Some(v) if is_spec => format!("{name} ({v})"),
            _ => format!("{name} (in DEPENDENCIES)"),
        };
        let weight = if is_dep && !has_gemfile {
            Weight::Needed
        } else {
            Weight::Extra
        };
        report_gem(ctx, file, name, reason, weight);
    }
}

/// The resolved graph of a Gemfile.lock (specs at four spaces, their dependencies at six, in
/// GEM, GIT and PATH) and the names under DEPENDENCIES.
fn lock_graph(text: &str) -> (Graph, Vec<String>) {
    let mut graph = Graph::default();
    let mut declared = Vec::new();
    let mut section = "";
    let mut spec: Option<&str> = None;
    for line in text.lines() {
        if !line.starts_with(' ') {
            section = line.trim();
            spec = None;
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let name = line
            .trim()
            .split([' ', '!', '('])
            .next()
            .unwrap_or("")
            .trim();
        if name.is_empty() {
            continue;
        }
        match (section, indent) {
            ("GEM" | "GIT" | "PATH", 4) => {
                graph.package(name);
                spec = Some(name);
            }
            ("GEM" | "GIT" | "PATH", 6) => {
                if let Some(from) = spec {
                    graph.edge(from, name);
                }
            }
            ("DEPENDENCIES", 2) if !declared.iter().any(|d| d == name) => {
                declared.push(name.to_string());
            }
            _ => {}
        }
    }
    (graph, declared)
}
