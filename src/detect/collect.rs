//! What the ecosystem scanners report, before it is decided which services are needed.

use std::cell::RefCell;
use std::rc::Rc;

use super::graph::Root;
use super::tree::{Entry, FnvMap, Tree};
use super::{Service, Warning};

/// How much a single hit says about the default development/test setup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    /// The default setup uses it.
    Needed,
    /// Only behind a condition: a feature, an extra, a production group, `if ENV[…]`.
    Optional,
    /// Corroboration only (lockfiles, production-only config): shown next to other
    /// evidence, never enough on its own.
    Extra,
    /// A compose file for self-hosting/deployment (`docker/`, `deploy/`): supports a
    /// service the manifests need, otherwise makes it optional at most.
    Deploy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Eco {
    Ruby,
    Node,
    Python,
    Go,
    Rust,
    Elixir,
    Php,
    Dotnet,
    Jvm,
}

/// Where a hit comes from. A language driver says "the code can talk to X"; a setup file
/// (database.yml, prisma datasource, a dev compose file) says "the dev setup runs X".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Basis {
    Driver(Eco),
    Setup,
}

#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub service: Service,
    pub file: String,
    pub reason: String,
    pub weight: Weight,
    pub basis: Basis,
    pub postgis: bool,
}

/// A driver for another SQL database (MySQL/MariaDB) next to a Postgres driver.
#[derive(Debug, Clone)]
pub(crate) struct AltSql {
    pub eco: Eco,
    pub file: String,
    pub name: String,
}

/// Files above this size are not manifests anyone writes by hand; skip them rather than
/// spend memory and time on a generated blob.
const MAX_FILE: usize = 8 << 20;

/// Shared state of one detection run: the tree with read/list caches (nothing is read
/// twice), and everything found so far.
pub(crate) struct Scan<'t> {
    tree: &'t dyn Tree,
    texts: RefCell<FnvMap<String, Option<Rc<str>>>>,
    dirs: RefCell<FnvMap<String, Rc<Vec<Entry>>>>,
    pub hits: Vec<Hit>,
    pub alt_sql: Vec<AltSql>,
    /// Every dependency a manifest declares (not only drivers), with the file that declares
    /// it: the roots of the lockfile graphs next to or above that file.
    pub declared: Vec<(Eco, String, Root)>,
    pub warnings: Vec<Warning>,
    pub ruby_version_hint: Option<String>,
}

impl<'t> Scan<'t> {
    pub(crate) fn new(tree: &'t dyn Tree) -> Self {
        Scan {
            tree,
            texts: RefCell::default(),
            dirs: RefCell::default(),
            hits: Vec::new(),
            alt_sql: Vec::new(),
            declared: Vec::new(),
            warnings: Vec::new(),
            ruby_version_hint: None,
        }
    }

    pub(crate) fn list(&self, dir: &str) -> Rc<Vec<Entry>> {
        if let Some(e) = self.dirs.borrow().get(dir) {
            return e.clone();
        }
        let entries = Rc::new(self.tree.list(dir));
        self.dirs
            .borrow_mut()
            .insert(dir.to_string(), entries.clone());
        entries
    }

    pub(crate) fn visit_uncached(&self, dir: &str, f: &mut dyn FnMut(&str, bool)) {
        if let Some(entries) = self.dirs.borrow().get(dir) {
            for e in entries.iter() {
                f(&e.name, e.is_dir);
            }
            return;
        }
        self.tree.visit(dir, f);
    }

    pub(crate) fn is_dir(&self, path: &str) -> bool {
        let (parent, name) = super::path::split(path);
        self.list(parent).iter().any(|e| e.is_dir && e.name == name)
    }

    /// A text file, or None when it is missing. A file that is not UTF-8 or is huge is
    /// reported as a warning (once) and treated as missing.
    pub(crate) fn text(&mut self, path: &str) -> Option<Rc<str>> {
        if let Some(t) = self.texts.borrow().get(path) {
            return t.clone();
        }
        let text = match self.tree.read(path) {
            None => None,
            Some(bytes) if bytes.len() > MAX_FILE => {
                self.warn(path, format!("skipped: larger than {} MiB", MAX_FILE >> 20));
                None
            }
            Some(bytes) => match String::from_utf8(bytes) {
                Ok(s) => Some(Rc::from(s.strip_prefix('\u{feff}').unwrap_or(&s))),
                Err(_) => {
                    self.warn(path, "skipped: not UTF-8 text".to_string());
                    None
                }
            },
        };
        self.texts
            .borrow_mut()
            .insert(path.to_string(), text.clone());
        text
    }

    /// A TOML file's table, or None when it is missing or broken (a broken one is a warning).
    pub(crate) fn toml(&mut self, path: &str) -> Option<toml::Table> {
        let text = self.text(path)?;
        match parse_toml(&text) {
            Ok(t) => Some(t),
            Err(message) => {
                self.warn(path, message);
                None
            }
        }
    }

    /// A JSON manifest's top-level object (package.json, composer.json), or None when it is
    /// missing, broken or not an object (a warning, except when missing).
    pub(crate) fn json_object(&mut self, path: &str) -> Option<serde_json::Value> {
        let text = self.text(path)?;
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v @ serde_json::Value::Object(_)) => Some(v),
            Ok(_) => {
                self.warn(path, "not a JSON object".to_string());
                None
            }
            Err(e) => {
                self.warn(path, format!("cannot parse: {e}"));
                None
            }
        }
    }

    pub(crate) fn warn(&mut self, file: &str, message: String) {
        let w = Warning {
            file: file.to_string(),
            message,
        };
        // a handful at most, except on hostile input: keep it bounded
        if self.warnings.len() < 100 && !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }

    pub(crate) fn hit(
        &mut self,
        service: Service,
        file: &str,
        reason: impl Into<String>,
        weight: Weight,
        basis: Basis,
    ) {
        self.hits.push(Hit {
            service,
            file: file.to_string(),
            reason: reason.into(),
            weight,
            basis,
            postgis: false,
        });
    }

    /// A PostgreSQL hit, which needs the PostGIS image when `postgis` is set.
    pub(crate) fn postgres_hit(
        &mut self,
        file: &str,
        reason: impl Into<String>,
        postgis: bool,
        weight: Weight,
        basis: Basis,
    ) {
        self.hit(Service::Postgres, file, reason, weight, basis);
        if let Some(h) = self.hits.last_mut() {
            h.postgis = postgis;
        }
    }

    /// The roots a lockfile in `dir` covers: what the manifests at or below it declare.
    pub(crate) fn declared_below(&self, eco: Eco, dir: &str) -> Vec<Root> {
        self.declared
            .iter()
            .filter(|(e, file, _)| *e == eco && super::path::is_within(file, dir))
            .map(|(_, _, root)| root.clone())
            .collect()
    }

    pub(crate) fn alt_sql(&mut self, eco: Eco, file: &str, name: &str) {
        self.alt_sql.push(AltSql {
            eco,
            file: file.to_string(),
            name: name.to_string(),
        });
    }
}

/// A TOML document's table, or why it is not one: `cannot parse: line 3, column 14: …`.
pub(crate) fn parse_toml(text: &str) -> Result<toml::Table, String> {
    text.parse::<toml::Table>()
        .map_err(|e| format!("cannot parse: {}", toml_error(text, &e)))
}

/// A TOML syntax error as one line with its reason: `line 3, column 14: invalid table header`.
/// The error's Display is a multi-line snippet whose first line ("TOML parse error at line 3,
/// column 14") never says what is wrong.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let reason = e
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    // `get`, not slicing: a span that is not on a char boundary must not panic on hostile input.
    match e.span().and_then(|span| text.get(..span.start)) {
        Some(before) => {
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {reason}")
        }
        None => reason,
    }
}
