//! Read-only views of a project's files. Detection only ever sees a `Tree`, so the same
//! code runs on a commit (`GitTree`), a directory (`FsTree`) and test fixtures (`MemTree`).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};

/// A read-only view of a committed tree. Paths are '/'-separated, relative to the repo root, "" is the root.
pub trait Tree {
    /// Entries directly inside `dir`. Empty if `dir` is not a directory.
    fn list(&self, dir: &str) -> Vec<Entry>;
    /// A file's bytes, or None if there is no blob at `path`.
    fn read(&self, path: &str) -> Option<Vec<u8>>;
    /// Calls `f(name, is_dir)` for each entry directly inside `dir`, like `list`. Trees
    /// that can do it without building an `Entry` per name override it: the walk calls
    /// it for thousands of directories.
    fn visit(&self, dir: &str, f: &mut dyn FnMut(&str, bool)) {
        for e in self.list(dir) {
            f(&e.name, e.is_dir);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub name: String,
    pub is_dir: bool,
}

/// Splits a tree path into its components, refusing anything that could step outside the
/// root. Paths reach the trees from manifests (workspace globs, `-r` includes), so a
/// `../../etc/passwd` must never resolve on `FsTree`.
fn components(path: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p if p.contains('\\') || p.contains('\0') => return None,
            p => out.push(p),
        }
    }
    Some(out)
}

/// An in-memory tree, for tests.
#[derive(Debug, Clone, Default)]
pub struct MemTree {
    files: BTreeMap<String, Vec<u8>>,
}

impl MemTree {
    pub fn new<I, P, B>(files: I) -> Self
    where
        I: IntoIterator<Item = (P, B)>,
        P: AsRef<str>,
        B: AsRef<[u8]>,
    {
        let files = files
            .into_iter()
            .filter_map(|(p, b)| {
                let parts = components(p.as_ref())?;
                (!parts.is_empty()).then(|| (parts.join("/"), b.as_ref().to_vec()))
            })
            .collect();
        MemTree { files }
    }
}

impl Tree for MemTree {
    fn list(&self, dir: &str) -> Vec<Entry> {
        let Some(parts) = components(dir) else {
            return Vec::new();
        };
        let prefix = if parts.is_empty() {
            String::new()
        } else {
            format!("{}/", parts.join("/"))
        };
        let mut seen = BTreeSet::new();
        for path in self.files.keys() {
            let Some(rest) = path.strip_prefix(&prefix) else {
                continue;
            };
            match rest.split_once('/') {
                Some((d, _)) => seen.insert(Entry {
                    name: d.to_string(),
                    is_dir: true,
                }),
                None => seen.insert(Entry {
                    name: rest.to_string(),
                    is_dir: false,
                }),
            };
        }
        seen.into_iter().collect()
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        let parts = components(path)?;
        self.files.get(&parts.join("/")).cloned()
    }
}

/// A directory on disk. Symlinks are skipped like in a git tree, which also keeps reads
/// inside the root.
#[derive(Debug, Clone)]
pub struct FsTree {
    root: PathBuf,
}

impl FsTree {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FsTree { root: root.into() }
    }

    fn resolve(&self, path: &str) -> Option<PathBuf> {
        let mut p = self.root.clone();
        for part in components(path)? {
            if Path::new(part)
                .components()
                .any(|c| !matches!(c, Component::Normal(_)))
            {
                return None;
            }
            p.push(part);
        }
        Some(p)
    }
}

impl Tree for FsTree {
    fn list(&self, dir: &str) -> Vec<Entry> {
        let Some(path) = self.resolve(dir) else {
            return Vec::new();
        };
        let Ok(rd) = std::fs::read_dir(path) else {
            return Vec::new();
        };
        let mut out: Vec<Entry> = rd
            .filter_map(Result::ok)
            .filter_map(|e| {
                let ft = e.file_type().ok()?;
                if ft.is_symlink() || !(ft.is_dir() || ft.is_file()) {
                    return None;
                }
                Some(Entry {
                    name: e.file_name().into_string().ok()?,
                    is_dir: ft.is_dir(),
                })
            })
            .collect();
        out.sort();
        out
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        let p = self.resolve(path)?;
        if components(path)?.is_empty() {
            return None;
        }
        let meta = std::fs::symlink_metadata(&p).ok()?;
        if !meta.file_type().is_file() {
            return None;
        }
        std::fs::read(p).ok()
    }
}

/// The tree of one commit. Sub-trees are looked up lazily and cached by path, so a
/// bounded walk touches only the trees it needs and never the same one twice.
pub struct GitTree<'r> {
    repo: &'r git2::Repository,
    trees: RefCell<FnvMap<String, Option<git2::Tree<'r>>>>,
}

const GIT_MODE_LINK: i32 = 0o120000;

/// Some(true) for a directory, Some(false) for a regular file, None for what is neither
/// here: gitlinks (submodules) and symlinks are not files of this repository.
fn git_kind(e: &git2::TreeEntry<'_>) -> Option<bool> {
    match e.kind()? {
        git2::ObjectType::Tree => Some(true),
        git2::ObjectType::Blob if e.filemode() != GIT_MODE_LINK => Some(false),
        _ => None,
    }
}

impl<'r> GitTree<'r> {
    /// The tree of HEAD's commit.
    pub fn head(repo: &'r git2::Repository) -> Result<Self, git2::Error> {
        let tree = repo.head()?.peel_to_tree()?;
        Ok(Self::new(repo, tree))
    }

    pub fn new(repo: &'r git2::Repository, tree: git2::Tree<'r>) -> Self {
        let mut map = FnvMap::default();
        map.insert(String::new(), Some(tree));
        GitTree {
            repo,
            trees: RefCell::new(map),
        }
    }

    /// The tree at a normalised path ("" is the root), looked up through its parent and
    /// cached, so each tree object is read at most once.
    fn subtree(&self, path: &str) -> Option<git2::Tree<'r>> {
        self.lookup(path, true)
    }

    /// `subtree`, optionally without caching the last level: the walk's deepest
    /// directories are visited once and would only grow the cache.
    fn lookup(&self, path: &str, cache_last: bool) -> Option<git2::Tree<'r>> {
        if let Some(t) = self.trees.borrow().get(path) {
            return t.clone();
        }
        // Down from the deepest cached ancestor, caching each level (a loop, not
        // recursion: paths come from manifests and may be absurdly deep).
        let mut start = 0;
        let mut tree = None;
        for (i, _) in path.match_indices('/').rev() {
            if let Some(t) = self.trees.borrow().get(&path[..i]) {
                start = i + 1;
                tree = Some(t.clone()?);
                break;
            }
        }
        let mut tree = match tree {
            Some(t) => t,
            None => self.trees.borrow().get("")?.clone()?,
        };
        let mut end = start;
        for name in path[start..].split('/') {
            end += name.len();
            let next = tree.get_name(name).and_then(|entry| {
                if git_kind(&entry) != Some(true) {
                    return None;
                }
                self.repo.find_tree(entry.id()).ok()
            });
            if cache_last || end < path.len() {
                self.trees
                    .borrow_mut()
                    .insert(path[..end].to_string(), next.clone());
            }
            tree = next?;
            end += 1;
        }
        Some(tree)
    }
}

/// `path` in the form the caches use: no empty, `.` or `..` segments. Paths built by
/// the walk already are, so they are borrowed as they are (checked bytewise: this runs
/// once per directory listed).
fn normalized(path: &str) -> Option<std::borrow::Cow<'_, str>> {
    let b = path.as_bytes();
    let mut clean = b.first() != Some(&b'/') && b.last() != Some(&b'/');
    let mut seg_start = 0;
    for i in 0..=b.len() {
        if !clean {
            break;
        }
        if i == b.len() || b[i] == b'/' {
            let seg = &b[seg_start..i];
            clean = (b.is_empty() || !seg.is_empty()) && seg != b"." && seg != b"..";
            seg_start = i + 1;
        } else if b[i] == b'\\' || b[i] == 0 {
            clean = false;
        }
    }
    if clean {
        Some(std::borrow::Cow::Borrowed(path))
    } else {
        components(path).map(|c| std::borrow::Cow::Owned(c.join("/")))
    }
}

/// FNV-1a: the tree cache is keyed by short paths, and SipHash's DoS resistance buys
/// nothing for paths we made ourselves.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(crate) type FnvMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

impl Tree for GitTree<'_> {
    fn list(&self, dir: &str) -> Vec<Entry> {
        let Some(dir) = normalized(dir) else {
            return Vec::new();
        };
        let Some(tree) = self.subtree(&dir) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(tree.len());
        for e in tree.iter() {
            let (Some(is_dir), Ok(name)) = (git_kind(&e), e.name()) else {
                continue;
            };
            out.push(Entry {
                name: name.to_string(),
                is_dir,
            });
        }
        out
    }

    fn visit(&self, dir: &str, f: &mut dyn FnMut(&str, bool)) {
        let Some(dir) = normalized(dir) else { return };
        let Some(tree) = self.lookup(&dir, false) else {
            return;
        };
        for e in tree.iter() {
            if let (Some(is_dir), Ok(name)) = (git_kind(&e), e.name()) {
                f(name, is_dir);
            }
        }
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        let path = normalized(path)?;
        let (dir, name) = match path.rsplit_once('/') {
            Some((d, n)) => (d, n),
            None => ("", path.as_ref()),
        };
        if name.is_empty() {
            return None;
        }
        let tree = self.subtree(dir)?;
        let entry = tree.get_name(name)?;
        if git_kind(&entry) != Some(false) {
            return None;
        }
        let blob = self.repo.find_blob(entry.id()).ok()?;
        Some(blob.content().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memtree_lists_and_reads() {
        let t = MemTree::new([("a/b.txt", "x"), ("a/c/d.txt", "y"), ("e", "z")]);
        assert_eq!(
            t.list(""),
            vec![
                Entry {
                    name: "a".into(),
                    is_dir: true
                },
                Entry {
                    name: "e".into(),
                    is_dir: false
                }
            ]
        );
        assert_eq!(t.list("a").len(), 2);
        assert_eq!(t.read("a/c/d.txt").as_deref(), Some(&b"y"[..]));
        assert_eq!(t.read("a"), None);
        assert!(t.list("nope").is_empty());
    }

    #[test]
    fn normalized_paths() {
        assert!(matches!(
            normalized("a/b"),
            Some(std::borrow::Cow::Borrowed("a/b"))
        ));
        assert!(matches!(
            normalized(""),
            Some(std::borrow::Cow::Borrowed(""))
        ));
        assert_eq!(normalized("./a//b/").as_deref(), Some("a/b"));
        assert_eq!(normalized("a/./b").as_deref(), Some("a/b"));
        assert_eq!(normalized("a/../b"), None);
        assert_eq!(normalized(".."), None);
        assert_eq!(normalized("a\\b"), None);
    }

    #[test]
    fn paths_cannot_escape_the_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("inner")).unwrap();
        std::fs::write(dir.path().join("secret"), "s").unwrap();
        let t = FsTree::new(dir.path().join("inner"));
        assert_eq!(t.read("../secret"), None);
        assert!(t.list("..").is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn fstree_skips_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real"), "r").unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
        let t = FsTree::new(dir.path());
        assert_eq!(t.read("link"), None);
        assert_eq!(t.read("real").as_deref(), Some(&b"r"[..]));
        assert_eq!(t.list("").len(), 1);
    }
}
