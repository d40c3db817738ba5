//! Which container engine runs on this machine, and the command lines we give it.
//!
//! Podman is preferred (it runs without a daemon and plays Kubernetes YAML itself), then Docker.
//! Buildah builds and pushes images but runs no containers, so it is only a choice for work on
//! images. `CLAUDE_SANDBOX_ENGINE` names one engine (or the path of its program) and then nothing
//! else is tried.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// The variable that chooses the engine, for users whose engine is not on PATH or who have two.
pub const ENGINE_VAR: &str = "CLAUDE_SANDBOX_ENGINE";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Podman,
    Docker,
    Buildah,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Podman => "podman",
            Kind::Docker => "docker",
            Kind::Buildah => "buildah",
        }
    }

    fn from_program(program: &Path) -> Option<Kind> {
        let stem = program.file_stem()?.to_str()?;
        [Kind::Podman, Kind::Docker, Kind::Buildah]
            .into_iter()
            .find(|k| stem == k.name())
    }
}

/// What the engine is needed for: some engines can do one and not the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Building and pushing images.
    Images,
    /// Running containers.
    Containers,
}

impl Purpose {
    /// The engines able to do this, best first.
    pub fn candidates(self) -> &'static [Kind] {
        match self {
            Purpose::Images => &[Kind::Podman, Kind::Docker, Kind::Buildah],
            Purpose::Containers => &[Kind::Podman, Kind::Docker],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engine {
    pub kind: Kind,
    pub program: PathBuf,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EngineError {
    #[error("no container engine found: looked for {} on PATH", list(tried))]
    NoneFound { tried: Vec<&'static str> },
    #[error("{ENGINE_VAR}={value} is not a program on PATH or an executable file")]
    ChosenMissing { value: String },
    #[error(
        "{ENGINE_VAR}={value} is not an engine claude-sandbox knows (podman, docker or buildah)"
    )]
    ChosenUnknown { value: String },
    #[error("{ENGINE_VAR} chose buildah, which builds images but cannot run containers")]
    ChosenCannotRun,
}

fn list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Find the engine for `purpose`: the one `chosen` names (the value of [`ENGINE_VAR`]), else the
/// first candidate on `path` (the value of PATH).
pub fn discover(
    purpose: Purpose,
    chosen: Option<&OsStr>,
    path: Option<&OsStr>,
) -> Result<Engine, EngineError> {
    if let Some(value) = chosen.filter(|v| !v.is_empty()) {
        return discover_chosen(purpose, value, path);
    }
    for kind in purpose.candidates() {
        if let Some(program) = on_path(OsStr::new(kind.name()), path) {
            return Ok(Engine {
                kind: *kind,
                program,
            });
        }
    }
    Err(EngineError::NoneFound {
        tried: purpose.candidates().iter().map(|k| k.name()).collect(),
    })
}

fn discover_chosen(
    purpose: Purpose,
    value: &OsStr,
    path: Option<&OsStr>,
) -> Result<Engine, EngineError> {
    let shown = value.to_string_lossy().into_owned();
    let as_path = Path::new(value);
    let program = if as_path.components().count() > 1 {
        is_executable(as_path).then(|| as_path.to_path_buf())
    } else {
        on_path(value, path)
    }
    .ok_or_else(|| EngineError::ChosenMissing {
        value: shown.clone(),
    })?;
    let kind = Kind::from_program(&program).ok_or(EngineError::ChosenUnknown { value: shown })?;
    if !purpose.candidates().contains(&kind) {
        return Err(EngineError::ChosenCannotRun);
    }
    Ok(Engine { kind, program })
}

fn on_path(name: &OsStr, path: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// What `image build` hands the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildRequest<'a> {
    pub tag: &'a str,
    pub context: &'a Path,
    pub dockerfile: &'a Path,
    pub build_args: &'a [(String, String)],
    pub quiet: bool,
}

/// The arguments of a build. The three engines take the same `build` flags.
pub fn build_args(req: &BuildRequest) -> Vec<OsString> {
    let mut argv: Vec<OsString> = vec!["build".into()];
    if req.quiet {
        argv.push("--quiet".into());
    }
    argv.push("--tag".into());
    argv.push(req.tag.into());
    argv.push("--file".into());
    argv.push(req.dockerfile.into());
    for (key, value) in req.build_args {
        argv.push("--build-arg".into());
        argv.push(format!("{key}={value}").into());
    }
    argv.push(req.context.into());
    argv
}

/// The arguments of a push of `tag` to the registry its name points at.
pub fn push_args(tag: &str, quiet: bool) -> Vec<OsString> {
    let mut argv: Vec<OsString> = vec!["push".into()];
    if quiet {
        argv.push("--quiet".into());
    }
    argv.push(tag.into());
    argv
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn program(dir: &Path, name: &str, mode: u32) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "claude-sandbox-engine-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn podman_before_docker_before_buildah() {
        let a = scratch("order-a");
        let b = scratch("order-b");
        program(&a, "docker", 0o755);
        program(&b, "podman", 0o755);
        program(&a, "buildah", 0o755);
        let path = std::env::join_paths([&a, &b]).unwrap();
        let e = discover(Purpose::Images, None, Some(&path)).unwrap();
        assert_eq!(e.kind, Kind::Podman);
        assert_eq!(e.program, b.join("podman"));
    }

    #[test]
    fn buildah_builds_but_does_not_run() {
        let d = scratch("buildah");
        program(&d, "buildah", 0o755);
        let path = d.as_os_str();
        assert_eq!(
            discover(Purpose::Images, None, Some(path)).unwrap().kind,
            Kind::Buildah
        );
        assert_eq!(
            discover(Purpose::Containers, None, Some(path)),
            Err(EngineError::NoneFound {
                tried: vec!["podman", "docker"]
            })
        );
        assert_eq!(
            discover(Purpose::Containers, Some(OsStr::new("buildah")), Some(path)),
            Err(EngineError::ChosenCannotRun)
        );
    }

    #[test]
    fn a_file_that_cannot_run_is_not_an_engine() {
        let d = scratch("noexec");
        program(&d, "podman", 0o644);
        let err = discover(Purpose::Images, None, Some(d.as_os_str())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no container engine found: looked for podman, docker and buildah on PATH"
        );
    }

    #[test]
    fn the_variable_wins_and_may_be_a_path() {
        let d = scratch("chosen");
        program(&d, "podman", 0o755);
        let docker = program(&d, "docker", 0o755);
        let e = discover(
            Purpose::Containers,
            Some(docker.as_os_str()),
            Some(OsStr::new("")),
        )
        .unwrap();
        assert_eq!(e.kind, Kind::Docker);
        let e = discover(
            Purpose::Images,
            Some(OsStr::new("docker")),
            Some(d.as_os_str()),
        )
        .unwrap();
        assert_eq!(e.program, docker);
        let odd = program(&d, "nerdctl", 0o755);
        assert!(matches!(
            discover(Purpose::Images, Some(odd.as_os_str()), None),
            Err(EngineError::ChosenUnknown { .. })
        ));
        assert!(matches!(
            discover(
                Purpose::Images,
                Some(OsStr::new("podman")),
                Some(OsStr::new("/nonexistent"))
            ),
            Err(EngineError::ChosenMissing { .. })
        ));
    }
}
