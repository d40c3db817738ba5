//! One container as one process tree: `unshare` gives it its own mount and PID namespaces, a
//! fresh tmpfs becomes its root with the host's /usr and /etc read-only and its own volumes bound
//! in, and `setpriv` drops it to its uid, gid and supplementary groups with no capabilities and
//! no_new_privs before the container's command runs with only its own environment.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A bind mount into the container's root.
#[derive(Clone, Debug)]
pub struct Bind {
    pub host: PathBuf,
    pub path: String,
    pub read_only: bool,
}

/// Everything needed to start one container.
#[derive(Clone, Debug)]
pub struct Launch {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
    pub env: Vec<(String, String)>,
    pub argv: Vec<String>,
    pub workdir: String,
    pub home: Option<String>,
    pub binds: Vec<Bind>,
    /// Files shown at /usr/local/bin/<name>.
    pub programs: Vec<(String, PathBuf)>,
    /// `git config` arguments that make up the image's /etc/gitconfig.
    pub system_git_config: Vec<Vec<String>>,
}

pub struct Running {
    pub name: String,
    child: Child,
    /// The container's PID 1 as the host sees it.
    pub pid: Option<i32>,
    pub started: Instant,
    pub exit: Option<i32>,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
    launch: Launch,
}

/// Shell words, single-quoted.
fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The root-side setup, run as PID 1 of the new namespaces before it turns into the container.
fn setup_script(l: &Launch, root: &Path) -> String {
    let r = q(&root.display().to_string());
    let mut s = String::from("set -eu\n");
    let _ = writeln!(s, "R={r}");
    s.push_str(
        r#"mount -t tmpfs -o mode=0755 tmpfs "$R"
mkdir "$R/usr"; mount --rbind /usr "$R/usr"; mount -o remount,bind,ro "$R/usr"
# /etc is a copy (root's, as in an image), with the image's system git config instead of the host's.
mkdir "$R/etc"; cp -a /etc/. "$R/etc/"; rm -f "$R/etc/gitconfig"
for d in bin sbin lib lib32 lib64 libx32; do
  if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$R/$d"
  elif [ -d "/$d" ]; then mkdir "$R/$d"; mount --rbind "/$d" "$R/$d"; mount -o remount,bind,ro "$R/$d"; fi
done
mount -t tmpfs -o mode=0755 tmpfs "$R/usr/local"
mkdir -p "$R/usr/local/bin"
mkdir "$R/proc"; mount -t proc proc "$R/proc"
mkdir "$R/dev"; mount -t tmpfs -o mode=0755 tmpfs "$R/dev"
for n in null zero full random urandom tty; do touch "$R/dev/$n"; mount --bind "/dev/$n" "$R/dev/$n"; done
ln -s /proc/self/fd "$R/dev/fd"; ln -s fd/0 "$R/dev/stdin"; ln -s fd/1 "$R/dev/stdout"; ln -s fd/2 "$R/dev/stderr"
mkdir -m 1777 "$R/dev/shm" "$R/tmp"
"#,
    );
    for args in &l.system_git_config {
        let _ = write!(s, "git config --file \"$R/etc/gitconfig\"");
        for a in args {
            let _ = write!(s, " {}", q(a));
        }
        s.push('\n');
    }
    for (name, host) in &l.programs {
        let target = q(&format!("/usr/local/bin/{name}"));
        let _ = writeln!(
            s,
            "touch \"$R\"{target}; mount --bind {} \"$R\"{target}; mount -o remount,bind,ro \"$R\"{target}",
            q(&host.display().to_string())
        );
    }
    if let Some(home) = &l.home {
        let _ = writeln!(
            s,
            "mkdir -p \"$R\"{h}; chown {}:{} \"$R\"{h}",
            l.uid,
            l.gid,
            h = q(home)
        );
    }
    for b in &l.binds {
        let target = q(&b.path);
        let host = q(&b.host.display().to_string());
        let _ = writeln!(
            s,
            "if [ -d {host} ]; then mkdir -p \"$R\"{target}; else mkdir -p \"$(dirname \"$R\"{target})\"; touch \"$R\"{target}; fi"
        );
        let _ = writeln!(s, "mount --bind {host} \"$R\"{target}");
        if b.read_only {
            let _ = writeln!(s, "mount -o remount,bind,ro \"$R\"{target}");
        }
    }
    let groups = if l.groups.is_empty() {
        "--clear-groups".to_owned()
    } else {
        format!(
            "--groups {}",
            l.groups
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",")
        )
    };
    let _ = write!(
        s,
        "exec chroot \"$R\" /usr/bin/setpriv --reuid {} --regid {} {groups} --inh-caps=-all \
         --bounding-set=-all --no-new-privs -- /usr/bin/env -i",
        l.uid, l.gid
    );
    for (k, v) in &l.env {
        let _ = write!(s, " {}", q(&format!("{k}={v}")));
    }
    let _ = write!(
        s,
        " /bin/sh -c 'cd \"$0\" && exec \"$@\"' {}",
        q(&l.workdir)
    );
    for a in &l.argv {
        let _ = write!(s, " {}", q(a));
    }
    s.push('\n');
    s
}

impl Running {
    /// Starts the container; its root is built under `dir`, its output goes to files there.
    pub fn start(l: Launch, dir: &Path) -> Running {
        let root = dir.join("root");
        std::fs::create_dir_all(&root).expect("container root");
        let stdout = dir.join("stdout");
        let stderr = dir.join("stderr");
        let script = setup_script(&l, &root);
        std::fs::write(dir.join("setup.sh"), &script).expect("write setup script");
        let child = Command::new("unshare")
            .args([
                "--mount",
                "--pid",
                "--fork",
                "--mount-proc",
                "--propagation",
                "private",
            ])
            .args(["--", "/bin/sh", "-c", &script])
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("start unshare");
        let mut running = Running {
            name: l.name.clone(),
            child,
            pid: None,
            started: Instant::now(),
            exit: None,
            stdout,
            stderr,
            launch: l,
        };
        running.pid = running.find_pid();
        running
    }

    /// unshare's one child: PID 1 of the container's namespace.
    fn find_pid(&mut self) -> Option<i32> {
        let me = self.child.id();
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            let path = format!("/proc/{me}/task/{me}/children");
            if let Ok(text) = std::fs::read_to_string(&path)
                && let Some(pid) = text.split_whitespace().next().and_then(|p| p.parse().ok())
            {
                return Some(pid);
            }
            if self.poll().is_some() {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    /// The exit code once the container has ended (128+signal when a signal ended it).
    pub fn poll(&mut self) -> Option<i32> {
        if self.exit.is_none()
            && let Ok(Some(status)) = self.child.try_wait()
        {
            use std::os::unix::process::ExitStatusExt;
            self.exit = Some(
                status
                    .code()
                    .or_else(|| status.signal().map(|s| 128 + s))
                    .unwrap_or(-1),
            );
        }
        self.exit
    }

    pub fn signal(&self, sig: i32) {
        if self.exit.is_none()
            && let Some(pid) = self.pid
        {
            // SAFETY: kill(2) on a pid this harness started; it cannot touch memory.
            unsafe {
                libc::kill(pid, sig);
            }
        }
    }

    /// Waits until `until` for the container to end.
    pub fn wait_until(&mut self, until: Instant) -> Option<i32> {
        while self.poll().is_none() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.exit
    }

    /// SIGTERM, then SIGKILL once `grace` has passed; returns the exit code.
    pub fn terminate(&mut self, grace: Duration) -> i32 {
        self.signal(libc::SIGTERM);
        if let Some(code) = self.wait_until(Instant::now() + grace) {
            return code;
        }
        self.signal(libc::SIGKILL);
        self.wait_until(Instant::now() + Duration::from_secs(10))
            .expect("a container survived SIGKILL")
    }

    /// Runs `argv` inside this container's namespaces and root, as its user, with its
    /// environment (an exec probe); true when it exits 0.
    pub fn exec_ok(&self, argv: &[String]) -> bool {
        let Some(pid) = self.pid else { return false };
        let l = &self.launch;
        let groups: Vec<String> = l.groups.iter().map(u32::to_string).collect();
        let mut cmd = Command::new("nsenter");
        cmd.args(["-t", &pid.to_string(), "--mount", "--pid", "--root", "--wd"])
            .arg("--")
            .args(["/usr/bin/setpriv", "--reuid", &l.uid.to_string()])
            .args(["--regid", &l.gid.to_string()]);
        if groups.is_empty() {
            cmd.arg("--clear-groups");
        } else {
            cmd.args(["--groups", &groups.join(",")]);
        }
        cmd.args([
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
        ])
        .args(["/usr/bin/env", "-i"])
        .args(l.env.iter().map(|(k, v)| format!("{k}={v}")))
        .args(argv)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        cmd.status().is_ok_and(|s| s.success())
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.stdout).unwrap_or_default()).into_owned()
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.stderr).unwrap_or_default()).into_owned()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.poll().is_none() {
            self.signal(libc::SIGKILL);
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
