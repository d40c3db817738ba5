//! The files the two roles hand each other on the shared volumes (names in
//! [`crate::contract::files`]). Whatever the agent's side wrote is untrusted: read only regular
//! files, never through a symlink, and never more than a bound.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The largest marker either side writes is a few hundred bytes.
pub const MAX_MARKER_BYTES: u64 = 64 * 1024;
const POLL: Duration = Duration::from_millis(200);

/// Write `value` as JSON so the reader sees all of it or nothing: a temporary file renamed.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), String> {
    let text = serde_json::to_vec(value).map_err(|e| e.to_string())?;
    write(path, &text)
}

pub fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| format!("could not write {}: {e}", path.display()))
}

/// A regular file's bytes, opened without following a symlink, at most `max` of them.
pub fn read_bounded(path: &Path, max: u64) -> Option<Vec<u8>> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_file() || meta.len() > max {
        return None;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= max).then_some(bytes)
}

pub fn read_json<T: DeserializeOwned>(path: &Path) -> Option<T> {
    serde_json::from_slice(&read_bounded(path, MAX_MARKER_BYTES)?).ok()
}

pub fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// Poll `check` until it gives a value, `stop` says to give up, or `timeout` passes.
pub fn wait_for<T>(
    timeout: Duration,
    mut stop: impl FnMut() -> bool,
    mut check: impl FnMut() -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        if stop() || Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_read_only_from_small_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("done.json");
        write_json(
            &good,
            &crate::contract::HandOff {
                exit_code: 3,
                publish: true,
                ..Default::default()
            },
        )
        .unwrap();
        let read: crate::contract::HandOff = read_json(&good).unwrap();
        assert_eq!(read.exit_code, 3);

        let secret = dir.path().join("secret");
        std::fs::write(&secret, br#"{"exit_code":0}"#).unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        assert!(read_bounded(&link, MAX_MARKER_BYTES).is_none());
        assert!(!exists(&link));

        let big = dir.path().join("big.json");
        std::fs::write(&big, vec![b' '; 70 * 1024]).unwrap();
        assert!(read_bounded(&big, MAX_MARKER_BYTES).is_none());
        let fifo = dir.path().join("fifo");
        assert!(read_bounded(&fifo, MAX_MARKER_BYTES).is_none());
    }
}
