//! A local copy of every log the tool follows, so `logs JOB` still works after the cluster has
//! deleted the job (the TTL is an hour). One file per job under the data directory, capped in
//! size, with old files pruned.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A file stops growing here; an agent's session is rarely a tenth of it.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// How many job logs are kept, newest first.
pub const KEEP_FILES: usize = 200;
/// Logs older than this are removed whatever their number.
pub const MAX_AGE: Duration = Duration::from_secs(30 * 86400);

#[derive(Debug, Clone)]
pub struct Archive {
    root: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub namespace: String,
    pub job: String,
    pub path: PathBuf,
    pub bytes: u64,
    pub saved: SystemTime,
}

impl Archive {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Archive { root: root.into() }
    }

    /// `<data dir>/claude-sandbox/logs`, e.g. ~/.local/share/claude-sandbox/logs on Linux.
    pub fn default_location() -> Option<Self> {
        directories::ProjectDirs::from("", "", "claude-sandbox")
            .map(|d| Archive::new(d.data_dir().join("logs")))
    }

    pub fn path_for(&self, namespace: &str, job: &str) -> PathBuf {
        // Both are DNS labels in practice; anything else is flattened so it cannot escape the root.
        self.root
            .join(safe(namespace))
            .join(format!("{}.log", safe(job)))
    }

    /// Start a fresh copy: following always begins at the log's first line, so the old copy is
    /// replaced rather than appended to.
    pub fn writer(&self, namespace: &str, job: &str) -> io::Result<Writer> {
        let path = self.path_for(namespace, job);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let file = File::create(&path)?;
        let _ = self.prune(&path);
        Ok(Writer {
            out: BufWriter::with_capacity(64 * 1024, file),
            written: 0,
            cut: false,
        })
    }

    /// Where a job's receipt is kept, next to its log.
    fn receipt_path(&self, namespace: &str, job: &str) -> PathBuf {
        self.path_for(namespace, job).with_extension("receipt.json")
    }

    /// Keep the job's receipt, so it outlives the Job like its log does.
    pub fn save_receipt(
        &self,
        namespace: &str,
        job: &str,
        receipt: &crate::contract::Receipt,
    ) -> io::Result<()> {
        let path = self.receipt_path(namespace, job);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(path, receipt.to_bytes())
    }

    pub fn receipt(&self, namespace: &str, job: &str) -> Option<crate::contract::Receipt> {
        let text = fs::read_to_string(self.receipt_path(namespace, job)).ok()?;
        crate::contract::Receipt::parse(&text)
    }

    pub fn read(&self, namespace: &str, job: &str) -> Option<(String, Entry)> {
        let path = self.path_for(namespace, job);
        let text = fs::read_to_string(&path).ok()?;
        let meta = fs::metadata(&path).ok()?;
        Some((
            text,
            Entry {
                namespace: namespace.to_string(),
                job: job.to_string(),
                bytes: meta.len(),
                saved: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                path,
            },
        ))
    }

    /// Every archived log, newest first.
    pub fn list(&self) -> Vec<Entry> {
        let mut out = Vec::new();
        let Ok(namespaces) = fs::read_dir(&self.root) else {
            return out;
        };
        for ns in namespaces.flatten().filter(|e| e.path().is_dir()) {
            let Ok(files) = fs::read_dir(ns.path()) else {
                continue;
            };
            for f in files.flatten() {
                let path = f.path();
                let Some(job) = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_suffix(".log"))
                else {
                    continue;
                };
                let Ok(meta) = f.metadata() else { continue };
                out.push(Entry {
                    namespace: ns.file_name().to_string_lossy().into_owned(),
                    job: job.to_string(),
                    bytes: meta.len(),
                    saved: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                    path,
                });
            }
        }
        out.sort_by(|a, b| b.saved.cmp(&a.saved).then_with(|| a.job.cmp(&b.job)));
        out
    }

    /// Keep the newest [`KEEP_FILES`] logs younger than [`MAX_AGE`]; never the one being written.
    fn prune(&self, current: &Path) -> io::Result<()> {
        let now = SystemTime::now();
        for (i, e) in self.list().into_iter().enumerate() {
            let too_old = now.duration_since(e.saved).is_ok_and(|age| age > MAX_AGE);
            if e.path != current && (i >= KEEP_FILES || too_old) {
                let _ = fs::remove_file(e.path.with_extension("receipt.json"));
                fs::remove_file(&e.path)?;
            }
        }
        Ok(())
    }
}

fn safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    match s.trim_start_matches('.') {
        "" => "_".to_string(),
        rest => rest.to_string(),
    }
}

pub struct Writer {
    out: BufWriter<File>,
    written: u64,
    cut: bool,
}

impl Writer {
    /// Save one raw line. Failing to save is not worth failing the follow for; the first error
    /// stops the copy.
    pub fn line(&mut self, text: &str) {
        if self.cut {
            return;
        }
        let len = text.len() as u64 + 1;
        if self.written + len > MAX_FILE_BYTES {
            let _ = writeln!(
                self.out,
                "[claude-sandbox: the local copy stops here, at {} MiB]",
                MAX_FILE_BYTES >> 20
            );
            self.cut = true;
            return;
        }
        if writeln!(self.out, "{text}").is_err() {
            self.cut = true;
        }
        self.written += len;
    }

    pub fn flush(&mut self) {
        let _ = self.out.flush();
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_written_read_and_listed() {
        let dir = tempfile::tempdir().unwrap();
        let a = Archive::new(dir.path());
        {
            let mut w = a.writer("sandbox", "job-1").unwrap();
            w.line("one");
            w.line("two");
        }
        let (text, entry) = a.read("sandbox", "job-1").unwrap();
        assert_eq!(text, "one\ntwo\n");
        assert_eq!(entry.bytes, 8);
        assert_eq!(a.list().len(), 1);
        // Following again replaces the copy instead of doubling it.
        a.writer("sandbox", "job-1").unwrap().line("one");
        assert_eq!(a.read("sandbox", "job-1").unwrap().0, "one\n");
    }

    #[test]
    fn names_cannot_escape_the_archive() {
        let a = Archive::new("/archive");
        assert_eq!(
            a.path_for("../..", "../../etc/passwd"),
            PathBuf::from("/archive/_../_.._etc_passwd.log")
        );
    }

    #[test]
    fn old_copies_are_pruned_beyond_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let a = Archive::new(dir.path());
        for i in 0..(KEEP_FILES + 5) {
            let path = a.path_for("ns", &format!("job-{i:04}"));
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, "x\n").unwrap();
            let when = SystemTime::now() - Duration::from_secs((KEEP_FILES + 5 - i) as u64 * 60);
            File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(when)
                .unwrap();
        }
        a.writer("ns", "newest").unwrap();
        let left = a.list();
        assert_eq!(left.len(), KEEP_FILES);
        assert_eq!(left[0].job, "newest");
        assert!(
            !left.iter().any(|e| e.job == "job-0000"),
            "the oldest went first"
        );
    }
}
