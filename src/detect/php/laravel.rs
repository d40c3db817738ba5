//! What a PHP app's development setup runs, from its config: Laravel's `config/database.php`
//! (the default connection), `config/cache.php`, `config/queue.php`, `config/session.php`, and
//! the committed environment template (`.env.example`, else `.env.dist` or a committed `.env`).
//!
//! The rule: a developer copies the template to `.env`, so a value the template sets wins; a
//! setting it leaves out takes the `env('NAME', 'fallback')` fallback of the config file.
//! What that gives is needed; a config fallback the template overrides is a supported
//! alternative, so optional. Every Laravel skeleton lists all connections and a `redis`
//! block with `REDIS_HOST`, so those alone only corroborate.

use super::super::Service;
use super::super::collect::{Basis, Eco, Scan, Weight};
use super::super::path::join;
use super::array::{Php, returned_array};

const ENV_TEMPLATES: &[&str] = &[".env.example", ".env.dist", ".env"];

/// Settings that pick a Redis-backed store, and the config file and key that read each.
const REDIS_SETTINGS: &[(&str, &str, &[&str])] = &[
    ("cache.php", "default", &["CACHE_STORE", "CACHE_DRIVER"]),
    (
        "queue.php",
        "default",
        &["QUEUE_CONNECTION", "QUEUE_DRIVER"],
    ),
    ("session.php", "driver", &["SESSION_DRIVER"]),
    (
        "broadcasting.php",
        "default",
        &["BROADCAST_CONNECTION", "BROADCAST_DRIVER"],
    ),
];

/// `KEY=value` lines of an env file, in order; comments and blank lines dropped, quotes and
/// trailing comments removed.
pub(crate) fn parse_env(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let value = value.trim();
        let value = match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
            _ => value.split(" #").next().unwrap_or("").trim(),
        };
        out.push((key.to_string(), value.to_string()));
    }
    out
}

struct Env {
    file: String,
    vars: Vec<(String, String)>,
}

impl Env {
    fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn env_template(ctx: &mut Scan<'_>, dir: &str, files: &[String]) -> Option<Env> {
    let file = ENV_TEMPLATES
        .iter()
        .filter_map(|n| join(dir, n))
        .find(|p| files.contains(p))?;
    let text = ctx.text(&file)?;
    Some(Env {
        vars: parse_env(&text),
        file,
    })
}

fn config(ctx: &mut Scan<'_>, dir: &str, name: &str, files: &[String]) -> Option<(String, Php)> {
    let file = join(dir, &format!("config/{name}")).filter(|f| files.contains(f))?;
    let text = ctx.text(&file)?;
    returned_array(&text).map(|a| (file, a))
}

/// Where a setting's value comes from.
enum Source<'a> {
    /// The env template sets it.
    Template(&'a str, String),
    /// The config file's own value or fallback, and whether the template overrides it.
    Config(String, Option<(&'a str, String)>),
}

/// A config setting's values: the one the development setup sees first, then a fallback the
/// template overrides, if any.
fn resolve<'a>(setting: &Php, env: Option<&'a Env>) -> Vec<(String, Source<'a>)> {
    match setting {
        Php::Str(s) => vec![(s.clone(), Source::Config(format!("'{s}'"), None))],
        Php::Env { var, fallback } => {
            let shown = match fallback {
                Some(f) => format!("env('{var}', '{f}')"),
                None => format!("env('{var}')"),
            };
            let set = env
                .and_then(|e| e.get(var).map(|v| (e.file.as_str(), v.to_string())))
                .filter(|(_, v)| !v.is_empty());
            match (set, fallback) {
                (Some((file, v)), fallback) => {
                    let mut out = vec![(v.clone(), Source::Template(file, format!("{var}={v}")))];
                    if let Some(f) = fallback.as_ref().filter(|f| **f != v) {
                        out.push((f.clone(), Source::Config(shown, Some((file, v)))));
                    }
                    out
                }
                (None, Some(f)) => vec![(f.clone(), Source::Config(shown, None))],
                (None, None) => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// A hit for a setting whose value selects the service: needed as the template or the
/// config's fallback gives it; optional when the template picks something else.
fn setting_hit(
    ctx: &mut Scan<'_>,
    service: Service,
    config_file: &str,
    what: &str,
    source: Source<'_>,
) {
    match source {
        Source::Template(file, text) => {
            ctx.hit(service, file, text, Weight::Needed, Basis::Setup);
        }
        Source::Config(shown, None) => ctx.hit(
            service,
            config_file,
            format!("{what} {shown}"),
            Weight::Needed,
            Basis::Setup,
        ),
        Source::Config(shown, Some((file, set))) => ctx.hit(
            service,
            config_file,
            format!("{what} {shown} (but {file} sets {set})"),
            Weight::Optional,
            Basis::Setup,
        ),
    }
}

/// Reads the setup of the PHP app rooted at `dir` (where its composer.json is).
pub(super) fn scan(ctx: &mut Scan<'_>, dir: &str, files: &[String]) {
    let env = env_template(ctx, dir, files);
    let env = env.as_ref();
    // shown after what decides, and only when something does
    let mut corroborating: Vec<(String, String)> = Vec::new();

    // the database: config/database.php's default connection, else the template's
    let mut db_decided = false;
    if let Some((file, db)) = config(ctx, dir, "database.php", files) {
        let values = db
            .get("default")
            .map(|d| resolve(d, env))
            .unwrap_or_default();
        db_decided = !values.is_empty();
        for (name, source) in values {
            let driver = match db
                .get("connections")
                .and_then(|c| c.get(&name))
                .and_then(|conn| conn.get("driver"))
            {
                Some(Php::Str(d)) => d.clone(),
                _ => name.clone(),
            };
            let source = match source {
                Source::Template(f, text) if name != driver => {
                    Source::Template(f, format!("{text} (driver '{driver}')"))
                }
                s => s,
            };
            let overridden = matches!(source, Source::Config(_, Some(_)));
            if driver == "pgsql" {
                setting_hit(ctx, Service::Postgres, &file, "default connection", source);
            } else if matches!(driver.as_str(), "mysql" | "mariadb") && !overridden {
                ctx.alt_sql(Eco::Php, &file, &driver);
            }
        }
        if let Some(redis) = db.get("redis") {
            let client = match redis.get("client") {
                Some(Php::Str(c)) => Some(c.clone()),
                Some(Php::Env { var, fallback }) => env
                    .and_then(|e| e.get(var).map(str::to_string))
                    .or_else(|| fallback.clone()),
                _ => None,
            };
            let reason = match client {
                Some(c) => format!("'redis' connections (client {c})"),
                None => "'redis' connections".to_string(),
            };
            corroborating.push((file.clone(), reason));
        }
    }
    if !db_decided && let Some(env) = env {
        match env.get("DB_CONNECTION") {
            Some("pgsql") => ctx.hit(
                Service::Postgres,
                &env.file,
                "DB_CONNECTION=pgsql",
                Weight::Needed,
                Basis::Setup,
            ),
            Some(d @ ("mysql" | "mariadb")) => {
                let (file, d) = (env.file.clone(), d.to_string());
                ctx.alt_sql(Eco::Php, &file, &d);
            }
            _ => {}
        }
    }
    if let Some(env) = env {
        for key in ["DATABASE_URL", "DB_URL"] {
            let Some(url) = env.get(key) else { continue };
            let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
            if matches!(scheme.as_deref(), Some("postgres" | "postgresql" | "pgsql")) {
                let reason = format!("{key}={}://…", scheme.unwrap_or_default());
                ctx.hit(
                    Service::Postgres,
                    &env.file,
                    reason,
                    Weight::Needed,
                    Basis::Setup,
                );
            }
        }
    }

    // cache, queue, session and broadcasting stores
    for (name, key, vars) in REDIS_SETTINGS {
        let from_config = config(ctx, dir, name, files);
        let setting = from_config.as_ref().and_then(|(_, a)| a.get(key));
        match (&from_config, setting) {
            (Some((file, _)), Some(setting)) => {
                for (value, source) in resolve(setting, env) {
                    if value == "redis" {
                        let what = format!("{} store", name.trim_end_matches(".php"));
                        setting_hit(ctx, Service::Redis, file, &what, source);
                    }
                }
            }
            _ => {
                // no config file of its own: the framework's reads the template
                let Some(env) = env else { continue };
                if let Some(var) = vars.iter().find(|v| env.get(v) == Some("redis")) {
                    let reason = format!("{var}=redis");
                    ctx.hit(
                        Service::Redis,
                        &env.file,
                        reason,
                        Weight::Needed,
                        Basis::Setup,
                    );
                }
            }
        }
    }
    // the skeleton's REDIS_* lines: corroboration, shown after what decides. A value is
    // shown only for keys that hold no secret.
    if let Some(env) = env
        && let Some(reason) = ["REDIS_HOST", "REDIS_CLIENT", "REDIS_PORT"]
            .iter()
            .find_map(|k| env.get(k).map(|v| format!("{k}={v}")))
            .or_else(|| {
                let (k, _) = env.vars.iter().find(|(k, _)| k.starts_with("REDIS_"))?;
                Some(format!("{k} is set"))
            })
    {
        corroborating.push((env.file.clone(), reason));
    }
    for (file, reason) in corroborating {
        ctx.hit(Service::Redis, &file, reason, Weight::Extra, Basis::Setup);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lines() {
        let vars = parse_env(
            "# comment\nAPP_NAME=\"My App\"\n\nDB_CONNECTION=pgsql # local\n# DB_HOST=x\nexport REDIS_HOST='127.0.0.1'\nBAD KEY=1\nEMPTY=\n",
        );
        assert_eq!(
            vars,
            [
                ("APP_NAME".to_string(), "My App".to_string()),
                ("DB_CONNECTION".into(), "pgsql".into()),
                ("REDIS_HOST".into(), "127.0.0.1".into()),
                ("EMPTY".into(), "".into()),
            ]
        );
    }
}
