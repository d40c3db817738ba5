//! Ruby: Gemfile, Gemfile.lock, *.gemspec, config/database.yml, config/cable.yml.
//!
//! Gemfiles are Ruby, so they are read statement by statement with a small tokenizer
//! that knows strings, symbols, `%i[]` arrays, comments and `do … end` / `if … end`
//! nesting — enough to tell a plain `gem "pg"` from one inside `group :production`,
//! `platforms :jruby`, `install_if` or `if ENV[…]`.

use super::Service;
use super::collect::{Basis, Eco, Scan, Weight};
use super::path::{file_name, parent};
use super::yaml::{self, Yaml};

const SRC: Basis = Basis::Driver(Eco::Ruby);

pub(crate) fn scan(ctx: &mut Scan<'_>, files: &[String]) {
    for f in files {
        let name = file_name(f);
        if name == "Gemfile" || name == "gems.rb" {
            gemfile(ctx, f);
        } else if name.ends_with(".gemspec") {
            gemspec(ctx, f);
        }
    }
    for f in files {
        let name = file_name(f);
        if name == "Gemfile.lock" || name == "gems.locked" {
            lockfile(ctx, f, files);
        }
    }
    for f in files.iter().filter(|f| file_name(parent(f)) == "config") {
        let name = file_name(f);
        if name == "cable.yml" {
            cable_yml(ctx, f);
        } else if name.starts_with("database.") && chosen_database_yml(f, files) {
            database_yml(ctx, f);
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Sym(String),
    Ident(String),
    /// `key:` in a hash argument
    Label(String),
    Arrow,
    /// `%i[a b]`, `%w(a b)`
    Words(Vec<String>),
    Punct(char),
}

/// Tokenizes Ruby source. Returns the tokens and whether the text ended inside an
/// open bracket (so the statement continues on the next line).
fn tokenize(src: &str) -> (Vec<Tok>, bool) {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut depth: i32 = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '#' => {
                // comment to end of line
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '"' | '\'' | '`' => {
                let (s, next) = read_quoted(&chars, i + 1, c);
                toks.push(Tok::Str(s));
                i = next;
            }
            '%' if i + 2 < chars.len() && "qQiIwW".contains(chars[i + 1]) => {
                let kind = chars[i + 1];
                let open = chars[i + 2];
                let close = match open {
                    '[' => ']',
                    '(' => ')',
                    '{' => '}',
                    '<' => '>',
                    other => other,
                };
                let mut j = i + 3;
                let mut body = String::new();
                while j < chars.len() && chars[j] != close {
                    body.push(chars[j]);
                    j += 1;
                }
                if "qQ".contains(kind) {
                    toks.push(Tok::Str(body));
                } else {
                    toks.push(Tok::Words(
                        body.split_whitespace().map(str::to_string).collect(),
                    ));
                }
                i = j + 1;
            }
            ':' if i + 1 < chars.len() && chars[i + 1] == '"' => {
                let (s, next) = read_quoted(&chars, i + 2, '"');
                toks.push(Tok::Sym(s));
                i = next;
            }
            ':' if i + 1 < chars.len() && is_ident_start(chars[i + 1]) => {
                let (s, next) = read_ident(&chars, i + 1);
                toks.push(Tok::Sym(s));
                i = next;
            }
            '=' if i + 1 < chars.len() && chars[i + 1] == '>' => {
                toks.push(Tok::Arrow);
                i += 2;
            }
            c if is_ident_start(c) => {
                let (s, next) = read_ident(&chars, i);
                // `key:` but not `Foo::Bar`
                if next < chars.len()
                    && chars[next] == ':'
                    && chars.get(next + 1).is_none_or(|n| *n != ':')
                {
                    toks.push(Tok::Label(s));
                    i = next + 1;
                } else {
                    toks.push(Tok::Ident(s));
                    i = next;
                }
            }
            c if c.is_whitespace() => i += 1,
            c => {
                match c {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' => depth -= 1,
                    _ => {}
                }
                toks.push(Tok::Punct(c));
                i += 1;
            }
        }
    }
    (toks, depth > 0)
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn read_ident(chars: &[char], mut i: usize) -> (String, usize) {
    let mut s = String::new();
    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
        s.push(chars[i]);
        i += 1;
    }
    // predicate and bang methods: `respond_to?`, `gem!`
    if i < chars.len() && (chars[i] == '?' || chars[i] == '!') {
        s.push(chars[i]);
        i += 1;
    }
    (s, i)
}

fn read_quoted(chars: &[char], mut i: usize, quote: char) -> (String, usize) {
    let mut s = String::new();
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            s.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == quote {
            return (s, i + 1);
        }
        s.push(c);
        i += 1;
    }
    (s, i)
}

/// Joins physical lines into statements: a statement goes on while a bracket is open or
/// the line ends with `,` or `\` (`gem "pg",\n  "~> 1.5"`).
fn statements(text: &str) -> Vec<Vec<Tok>> {
    let mut out = Vec::new();
    let mut pending = String::new();
    let mut lines_in_pending = 0;
    for line in text.lines() {
        pending.push_str(line);
        pending.push('\n');
        lines_in_pending += 1;
        let (toks, open) = tokenize(&pending);
        let trailing = line.trim_end();
        let continues = open
            || trailing.ends_with('\\')
            || matches!(toks.last(), Some(Tok::Punct(',')) | Some(Tok::Arrow));
        if continues && lines_in_pending < 30 {
            continue;
        }
        if !toks.is_empty() {
            out.push(toks);
        }
        pending.clear();
        lines_in_pending = 0;
    }
    if !pending.is_empty() {
        let (toks, _) = tokenize(&pending);
        if !toks.is_empty() {
            out.push(toks);
        }
    }
    out
}

#[derive(Debug, Clone)]
enum Frame {
    Group(Vec<String>),
    Platforms(Vec<String>),
    /// `if`, `unless`, `case`, `install_if`, an optional group
    Cond,
    Other,
}

fn ident(t: &Tok) -> Option<&str> {
    match t {
        Tok::Ident(s) => Some(s),
        _ => None,
    }
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

fn gemfile(ctx: &mut Scan<'_>, file: &str) {
    let Some(text) = ctx.text(file) else { return };
    let mut stack: Vec<Frame> = Vec::new();
    for toks in statements(&text) {
        let first = toks.first().and_then(ident).unwrap_or("");
        if first == "ruby" {
            if let Some(Tok::Str(v)) = toks
                .get(1)
                .filter(|_| !toks.iter().any(|t| matches!(t, Tok::Label(_))))
                && ctx.ruby_version_hint.is_none()
            {
                ctx.ruby_version_hint = super::version::major_minor(v);
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
        if gem_kind(name).is_none() {
            continue;
        }
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
        let base = format!("gem \"{name}\"");
        let (weight, reason) = if let Some(c) = cond {
            (Weight::Optional, format!("{base} ({c})"))
        } else if !platforms.is_empty() && !platforms.iter().any(|p| mri_platform(p)) {
            (
                Weight::Optional,
                format!("{base} (platforms {})", symbols(&platforms)),
            )
        } else if !groups.is_empty() && groups.iter().all(|g| production_group(g)) {
            (
                Weight::Optional,
                format!("{base} (group {})", symbols(&groups)),
            )
        } else {
            (Weight::Needed, base)
        };
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
fn gemspec(ctx: &mut Scan<'_>, file: &str) {
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
fn lockfile(ctx: &mut Scan<'_>, file: &str, files: &[String]) {
    let Some(text) = ctx.text(file) else { return };
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

const DATABASE_YML_NAMES: &[&str] = &[
    "database.yml",
    "database.yaml",
    "database.yml.example",
    "database.example.yml",
    "database.yml.sample",
    "database.sample.yml",
    "database.yml.dist",
    "database.yml.template",
    "database.yml.tmpl",
];

/// The first of database.yml and its checked-in templates that exists in that config
/// directory: the template stands in for the real file only when that is not committed.
fn chosen_database_yml(file: &str, files: &[String]) -> bool {
    let dir = parent(file);
    let name = file_name(file);
    if !DATABASE_YML_NAMES.contains(&name) {
        return false;
    }
    DATABASE_YML_NAMES
        .iter()
        .map(|n| format!("{dir}/{n}"))
        .find(|p| files.contains(p))
        .is_some_and(|p| p == file)
}

enum EnvKind {
    DevTest,
    Other,
    /// shared blocks merged into real environments (`default: &default`)
    Template,
}

fn env_kind(env: &str) -> EnvKind {
    match env.to_ascii_lowercase().as_str() {
        "development" | "dev" | "test" | "testing" | "ci" | "cucumber" => EnvKind::DevTest,
        "default" | "defaults" | "common" | "base" | "shared" | "global" => EnvKind::Template,
        e if e.starts_with("x-") || e.starts_with('.') || e.starts_with('<') => EnvKind::Template,
        _ => EnvKind::Other,
    }
}

/// The adapters an environment uses: `adapter:`, or the scheme of `url:`, on the
/// environment itself or on each database of a multi-database (three-tier) config.
fn adapters(env: &Yaml) -> Vec<String> {
    let mut out = Vec::new();
    let mut one = |cfg: &Yaml| {
        if let Some(a) = cfg.get("adapter").and_then(Yaml::as_str) {
            out.push(a.trim().to_ascii_lowercase());
        } else if let Some(u) = cfg.get("url").and_then(Yaml::as_str)
            && let Some((scheme, _)) = u.split_once("://")
        {
            out.push(scheme.trim().to_ascii_lowercase());
        }
    };
    one(env);
    if env.get("adapter").is_none() && env.get("url").is_none() {
        for (_, db) in env.entries() {
            if matches!(db, Yaml::Map(_)) {
                one(db);
            }
        }
    }
    out
}

/// Runs over the environments of a Rails YAML config, grouping the ones whose
/// adapter matches into (dev/test envs, other envs).
fn envs_using(doc: &Yaml, matches: impl Fn(&str) -> bool) -> (Vec<String>, Vec<String>, bool) {
    let (mut devtest, mut other, mut postgis) = (Vec::new(), Vec::new(), false);
    for (env, cfg) in doc.entries() {
        let hits: Vec<String> = adapters(cfg).into_iter().filter(|a| matches(a)).collect();
        if hits.is_empty() {
            continue;
        }
        postgis |= hits.iter().any(|a| a.contains("postgis"));
        match env_kind(env) {
            EnvKind::DevTest => devtest.push(env.clone()),
            EnvKind::Other => other.push(env.clone()),
            EnvKind::Template => {}
        }
    }
    (devtest, other, postgis)
}

fn is_pg_adapter(a: &str) -> bool {
    matches!(
        a,
        "postgresql"
            | "postgres"
            | "postgis"
            | "jdbcpostgresql"
            | "postgresql_makara"
            | "postgis_makara"
    ) || a.starts_with("postgresql")
        || a.starts_with("postgis")
}

fn database_yml(ctx: &mut Scan<'_>, file: &str) {
    let Some(text) = ctx.text(file) else { return };
    let doc = match yaml::parse_erb(&text) {
        Ok(d) => d,
        Err(e) => return ctx.warn(file, format!("cannot parse: {e}")),
    };
    let (devtest, other, postgis) = envs_using(&doc, is_pg_adapter);
    let adapter = if postgis { "postgis" } else { "postgresql" };
    if !devtest.is_empty() {
        let reason = format!("adapter: {adapter} ({})", devtest.join(", "));
        ctx.postgres_hit(file, reason, postgis, Weight::Needed, Basis::Setup);
    }
    if !other.is_empty() {
        let reason = format!("adapter: {adapter} ({})", other.join(", "));
        ctx.hit(
            Service::Postgres,
            file,
            reason,
            Weight::Optional,
            Basis::Setup,
        );
    }
}

/// Action Cable on Redis in development/test needs a Redis server; on Redis only in
/// production it does not (the dev setup runs the `async` adapter), so that is shown as
/// corroborating evidence only.
fn cable_yml(ctx: &mut Scan<'_>, file: &str) {
    let Some(text) = ctx.text(file) else { return };
    let doc = match yaml::parse_erb(&text) {
        Ok(d) => d,
        Err(e) => return ctx.warn(file, format!("cannot parse: {e}")),
    };
    let (devtest, other, _) = envs_using(&doc, |a| a == "redis");
    if !devtest.is_empty() {
        let reason = format!("cable adapter: redis ({})", devtest.join(", "));
        ctx.hit(Service::Redis, file, reason, Weight::Needed, Basis::Setup);
    }
    if !other.is_empty() {
        let reason = format!("cable adapter: redis ({} only)", other.join(", "));
        ctx.hit(Service::Redis, file, reason, Weight::Extra, Basis::Setup);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizer_handles_ruby_forms() {
        let (t, open) = tokenize("gem 'pg', \"~> 1\", platforms: %i[mri windows] # c \"x\"");
        assert!(!open);
        assert_eq!(t[0], Tok::Ident("gem".into()));
        assert_eq!(t[1], Tok::Str("pg".into()));
        assert!(t.contains(&Tok::Label("platforms".into())));
        assert!(t.contains(&Tok::Words(vec!["mri".into(), "windows".into()])));
        assert!(!t.contains(&Tok::Str("x".into())));
        let (_, open) = tokenize("gem('pg',");
        assert!(open);
    }
}
