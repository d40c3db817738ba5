use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;

use super::Ctx;
use crate::cli::{Cli, CompletionsArgs};
use crate::failure::Outcome;

pub fn run(ctx: &Ctx, args: CompletionsArgs) -> Result<Outcome> {
    ctx.printer.out(&script(args.shell))?;
    Ok(Outcome::Success)
}

/// The completion script for a shell, as committed under `completions/`: clap's, from the same
/// definitions as `--help`, and for bash, zsh and fish a hook that completes job names by asking
/// the binary (`cmd::complete`) wherever a JOB goes.
pub fn script(shell: Shell) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "claude-sandbox", &mut buf);
    let generated = String::from_utf8_lossy(&buf).into_owned();
    match shell {
        Shell::Bash => generated + BASH_JOBS,
        Shell::Zsh => with_zsh_jobs(&generated),
        Shell::Fish => generated + FISH_JOBS,
        _ => generated,
    }
}

/// The dispatch at the end of clap's zsh script, which the job-name hook takes over.
const ZSH_DISPATCH: &str = "if [ \"$funcstack[1]\" = \"_claude-sandbox\" ]; then";

/// clap's zsh script ends by completing (when autoloaded from fpath) or registering its function
/// (when sourced); both must go through the hook instead, and keep doing so on later TABs.
fn with_zsh_jobs(generated: &str) -> String {
    match generated.rfind(ZSH_DISPATCH) {
        Some(at) => format!("{}{ZSH_JOBS}", &generated[..at]),
        None => generated.to_string(),
    }
}

const BASH_JOBS: &str = r#"
# Job names: where a JOB goes, claude-sandbox itself answers (the cluster's recent jobs within a
# second, else the logs kept on this machine); everywhere else, the completion above.
_claude__sandbox_jobs() {
    local program=${COMP_WORDS[0]/#\~/$HOME} names
    [[ $program == */* ]] || program=$(type -P -- "$program")
    if [[ -x $program ]] && names=$("$program" __complete-jobs "${COMP_LINE:0:COMP_POINT}" 2>/dev/null); then
        local IFS=$'\n'
        COMPREPLY=($names)
        compopt +o default +o bashdefault 2>/dev/null
        return 0
    fi
    _claude__sandbox "$@"
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _claude__sandbox_jobs -o nosort -o bashdefault -o default claude-sandbox
else
    complete -F _claude__sandbox_jobs -o bashdefault -o default claude-sandbox
fi
"#;

const ZSH_JOBS: &str = r#"# Job names: where a JOB goes, claude-sandbox itself answers (the cluster's recent jobs within a
# second, else the logs kept on this machine); everywhere else, the completion above.
(( $+functions[_claude-sandbox_jobs] )) ||
_claude-sandbox_jobs() {
    local program=${words[1]/#\~/$HOME} names
    [[ $program == */* ]] || program=${commands[$program]}
    [[ -x $program ]] || return 1
    names=$("$program" __complete-jobs "${(j: :)words[1,CURRENT]}" 2>/dev/null) || return 1
    local -a jobs
    jobs=(${(f)names})
    compadd -V jobs -- $jobs
    return 0
}

_claude-sandbox_with_jobs() {
    _claude-sandbox_jobs || _claude-sandbox "$@"
}

compdef _claude-sandbox_with_jobs claude-sandbox
if [ "$funcstack[1]" = "_claude-sandbox" ]; then
    _claude-sandbox_with_jobs "$@"
fi
"#;

const FISH_JOBS: &str = r#"
# Job names: where a JOB goes, claude-sandbox itself answers (the cluster's recent jobs within a
# second, else the logs kept on this machine).
function __fish_claude_sandbox_program
    set -l program (string replace -r '^~' $HOME -- (commandline -opc)[1])
    string match -q -- '*/*' $program; or set program (command -s -- $program)
    test -x "$program"; and echo $program
end

function __fish_claude_sandbox_at_job
    set -l program (__fish_claude_sandbox_program); or return 1
    $program __complete-jobs --check (commandline -cp) 2>/dev/null
end

function __fish_claude_sandbox_jobs
    set -l program (__fish_claude_sandbox_program); or return
    $program __complete-jobs (commandline -cp) 2>/dev/null
end

complete -c claude-sandbox -n "__fish_claude_sandbox_at_job" -f -k -a "(__fish_claude_sandbox_jobs)"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zsh_hook_replaces_clap_s_dispatch() {
        let zsh = script(Shell::Zsh);
        assert!(zsh.contains("compdef _claude-sandbox_with_jobs claude-sandbox"));
        assert!(
            !zsh.contains("compdef _claude-sandbox claude-sandbox"),
            "{zsh}"
        );
    }
}
