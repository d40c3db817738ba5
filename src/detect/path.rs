//! Paths inside a tree (`dir/sub/file`, `/`-separated, no leading slash). Pure string work that
//! every scanner and the walk share; it depends on nothing else in detection.

/// No real manifest path or workspace glob is this deep; a longer one is garbage and is
/// refused rather than followed (it would only cost stack and time).
pub(crate) const MAX_SEGMENTS: usize = 64;

/// (parent, name) of a tree path; the parent of a top-level name is "".
pub(crate) fn split(path: &str) -> (&str, &str) {
    match path.rsplit_once('/') {
        Some((p, n)) => (p, n),
        None => ("", path),
    }
}

pub(crate) fn parent(path: &str) -> &str {
    split(path).0
}

pub(crate) fn file_name(path: &str) -> &str {
    split(path).1
}

/// `dir` joined with a relative path from a manifest, normalised. None when it is
/// absolute or climbs above the root.
pub(crate) fn join(dir: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') || rel.contains('\\') || rel.split('/').count() > MAX_SEGMENTS {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Is `path` in `dir` or below it (`""` is the root, which holds everything)?
pub(crate) fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}
