//! Shared by the detection targets: one input becomes a small repository.

use claude_sandbox::detect::{self, MemTree};

/// The first byte picks one of `layouts` (a list of file paths); the rest of the input, split at
/// NUL bytes, fills those files in order. A file without a part of its own is empty. Text is
/// decoded lossily, so the parsers see valid UTF-8 whatever the mutator wrote.
pub fn detect_layout(layouts: &[&[&str]], data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let paths = layouts[usize::from(pick) % layouts.len()];
    let mut parts = rest.splitn(paths.len(), |&b| b == 0);
    let files: Vec<(&str, String)> = paths
        .iter()
        .map(|path| {
            let part = parts.next().unwrap_or_default();
            (*path, String::from_utf8_lossy(part).into_owned())
        })
        .collect();
    let found = detect::detect(&MemTree::new(files));
    // The contract: a service is needed or optional, never both.
    for s in &found.services {
        assert!(!found.is_optional(s.name), "{} is needed and optional", s.name);
    }
}
