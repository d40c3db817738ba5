//! Where the cursor stands on a command line, read from the clap definitions: on a JOB (any
//! positional whose value name is `JOB`), on the value of an option, on a flag or on a command.
//! Pure: the words in, the answer out.

use clap::{ArgAction, CommandFactory, FromArgMatches};

use crate::cli::{Cli, GlobalArgs};

/// The value name that marks an argument as a job, in every command that takes one.
const JOB: &str = "JOB";

/// Cobra's directives, which kubectl hands on to the shell: offer no file names; keep this order.
pub const NO_FILES: u32 = 4;
pub const KEEP_ORDER: u32 = 32;

/// What may stand where the cursor is, other than a job: a closed choice for the option before
/// it, a flag, or a command; with the Cobra directive that goes with it (0: the shell's default,
/// file names, e.g. for `--kubeconfig`).
pub fn words_for(words: &[String], current: &str) -> (Vec<String>, u32) {
    let Some(line) = Line::parse(words) else {
        return (Vec::new(), 0);
    };
    let Some((leaf, leaf_matches)) = line.leaf() else {
        return (Vec::new(), 0);
    };
    let described = |name: String, help: Option<&clap::builder::StyledStr>| match help {
        Some(h) => format!("{name}\t{}", crate::text::cut(&h.to_string(), 120)),
        None => name,
    };
    let keep = |candidates: Vec<String>| -> Vec<String> {
        candidates
            .into_iter()
            .filter(|c| c.starts_with(current))
            .collect()
    };
    if let Some(arg) = line.pending_option(leaf, words) {
        let values = keep(
            arg.get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_string())
                .collect(),
        );
        let directive = if arg.get_possible_values().is_empty() {
            0
        } else {
            NO_FILES
        };
        return (values, directive);
    }
    if current.starts_with('-') && !line.after_dashes {
        let mut flags = Vec::new();
        for arg in leaf.get_arguments().filter(|a| !a.is_hide_set()) {
            let names = arg
                .get_long()
                .map(|l| format!("--{l}"))
                .into_iter()
                .chain(arg.get_short().map(|c| format!("-{c}")));
            for name in names {
                if name.starts_with(current) {
                    flags.push(described(name, arg.get_help()));
                }
            }
        }
        return (flags, NO_FILES);
    }
    if leaf.has_subcommands() && leaf_matches.subcommand().is_none() {
        let commands = leaf
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            .filter(|s| s.get_name().starts_with(current))
            .map(|s| described(s.get_name().to_string(), s.get_about()))
            .collect();
        return (commands, NO_FILES);
    }
    (Vec::new(), 0)
}

/// Where the cursor stands when it stands on a JOB: what is typed of it so far, and the global
/// flags on the line (`-n`, `--context`, `--kubeconfig`, `-C`), which choose the cluster.
pub struct JobSlot {
    pub prefix: String,
    pub global: GlobalArgs,
}

/// A command line parsed as far as it goes: the definitions and what clap made of the complete
/// words before the cursor (errors ignored: the line is unfinished by nature).
struct Line {
    cmd: clap::Command,
    matches: clap::ArgMatches,
    /// A `--` stands before the cursor: what follows is positional whatever it looks like.
    after_dashes: bool,
}

impl Line {
    fn parse(words: &[String]) -> Option<Line> {
        let mut cmd = Cli::command().ignore_errors(true);
        cmd.build();
        // The program may have been typed as a path; clap only needs a first word.
        let argv =
            std::iter::once("claude-sandbox").chain(words.iter().skip(1).map(String::as_str));
        let matches = cmd.clone().try_get_matches_from(argv).ok()?;
        Some(Line {
            cmd,
            matches,
            after_dashes: words.iter().skip(1).any(|w| w == "--"),
        })
    }

    /// The innermost command on the line and its matches (the program itself when none is).
    fn leaf(&self) -> Option<(&clap::Command, &clap::ArgMatches)> {
        let (mut leaf, mut leaf_matches) = (&self.cmd, &self.matches);
        while let Some((name, sub)) = leaf_matches.subcommand() {
            leaf = leaf.find_subcommand(name)?;
            leaf_matches = sub;
        }
        Some((leaf, leaf_matches))
    }

    /// The option whose value the cursor stands on, when the word before it is one.
    fn pending_option<'a>(
        &self,
        leaf: &'a clap::Command,
        words: &[String],
    ) -> Option<&'a clap::Arg> {
        if self.after_dashes || words.len() < 2 {
            return None;
        }
        wants_value(leaf, words.last()?)
    }
}

/// Whether the word being typed (`current`, after the complete `words`, the program first) is a
/// job, as the clap definitions say.
pub fn job_slot(words: &[String], current: &str) -> Option<JobSlot> {
    let line = Line::parse(words)?;
    if current.starts_with('-') && !line.after_dashes {
        return None;
    }
    let (leaf, leaf_matches) = line.leaf()?;
    if std::ptr::eq(leaf, &line.cmd) || line.pending_option(leaf, words).is_some() {
        return None;
    }
    let job = leaf.get_positionals().find(|a| {
        a.get_value_names()
            .is_some_and(|names| names.iter().any(|n| n.as_str() == JOB))
    })?;
    let given = |id: &clap::Id| {
        leaf_matches
            .try_get_raw(id.as_str())
            .ok()
            .flatten()
            .map_or(0, |v| v.len())
    };
    let before_missing = leaf
        .get_positionals()
        .filter(|a| a.get_index() < job.get_index())
        .any(|a| given(a.get_id()) == 0);
    let max = job.get_num_args().map_or(1, |r| r.max_values());
    let full = !matches!(job.get_action(), ArgAction::Append) && given(job.get_id()) >= max;
    if before_missing || full {
        return None;
    }
    let global = GlobalArgs::from_arg_matches(&line.matches).ok()?;
    Some(JobSlot {
        prefix: current.to_string(),
        global,
    })
}

/// The option of `cmd` that takes its value from the word after `word` (`-c`, `--color`, `-qc`),
/// if `word` is one.
fn wants_value<'a>(cmd: &'a clap::Command, word: &str) -> Option<&'a clap::Arg> {
    let takes_value = |a: &&clap::Arg| a.get_action().takes_values();
    if let Some(long) = word.strip_prefix("--") {
        if long.contains('=') {
            return None;
        }
        return cmd
            .get_arguments()
            .filter(takes_value)
            .find(|a| a.get_long() == Some(long));
    }
    let shorts = word.strip_prefix('-')?;
    // In a cluster like -qc the first short that takes a value takes the rest as its value; the
    // next word is a value only when that short is the last character.
    for (i, c) in shorts.char_indices() {
        if let Some(arg) = cmd
            .get_arguments()
            .filter(takes_value)
            .find(|a| a.get_short() == Some(c))
        {
            return (i + c.len_utf8() == shorts.len()).then_some(arg);
        }
    }
    None
}

/// The words of a command line as a POSIX shell would split it (quotes and backslashes), and the
/// word under the cursor at its end (empty after a space).
pub fn split_line(line: &str) -> (Vec<String>, String) {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => word.push(e),
                            Some(e) => {
                                word.push('\\');
                                word.push(e);
                            }
                            None => {}
                        },
                        q => word.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(e) = chars.next() {
                    word.push(e);
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    (words, word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(line: &str) -> Option<JobSlot> {
        let (words, current) = split_line(line);
        job_slot(&words, &current)
    }

    fn prefix(line: &str) -> Option<String> {
        slot(line).map(|s| s.prefix)
    }

    #[test]
    fn lines_split_as_a_shell_splits_them() {
        let (w, c) = split_line("claude-sandbox  -n 'my ns' \"a\\\"b\" c\\ d lo");
        assert_eq!(w, ["claude-sandbox", "-n", "my ns", "a\"b", "c d"]);
        assert_eq!(c, "lo");
        let (w, c) = split_line("claude-sandbox logs ");
        assert_eq!(w, ["claude-sandbox", "logs"]);
        assert_eq!(c, "");
        assert_eq!(split_line("x 'unfinished").1, "unfinished");
    }

    #[test]
    fn every_command_taking_a_job_is_a_job_slot() {
        for cmd in ["logs", "status", "cancel", "diff", "checkout"] {
            assert_eq!(
                prefix(&format!("claude-sandbox {cmd} jo")).as_deref(),
                Some("jo"),
                "{cmd}"
            );
        }
        assert_eq!(prefix("claude-sandbox logs ").as_deref(), Some(""));
        assert_eq!(
            prefix("./target/debug/claude-sandbox -v logs --raw ").as_deref(),
            Some("")
        );
    }

    #[test]
    fn other_places_on_the_line_are_not() {
        for line in [
            "claude-sandbox ",
            "claude-sandbox lo",
            "claude-sandbox list ",
            "claude-sandbox remote ",
            "claude-sandbox logs --r",
            "claude-sandbox logs -c ",
            "claude-sandbox logs --container ",
            "claude-sandbox logs -n ",
            "claude-sandbox logs --color ",
            "claude-sandbox status job-a ",
            "claude-sandbox checkout --worktree ",
            "claude-sandbox config show ",
        ] {
            assert!(slot(line).is_none(), "{line:?}");
        }
    }

    #[test]
    fn values_attached_to_options_leave_the_next_word_free() {
        assert!(slot("claude-sandbox logs --container=postgres ").is_some());
        assert!(slot("claude-sandbox logs -cpostgres ").is_some());
        assert!(slot("claude-sandbox logs -vc ").is_none());
        assert!(slot("claude-sandbox logs -- ").is_some());
    }

    #[test]
    fn kubectl_gets_commands_flags_and_closed_values_from_the_definitions() {
        let at = |line: &str| {
            let (words, current) = split_line(line);
            let (items, directive) = words_for(&words, &current);
            let names: Vec<String> = items
                .iter()
                .map(|i| i.split('\t').next().unwrap_or("").to_string())
                .collect();
            (names, directive)
        };
        let (commands, directive) = at("claude-sandbox l");
        assert_eq!(commands, ["logs", "list", "local"]);
        assert_eq!(directive, NO_FILES);
        assert_eq!(at("claude-sandbox image ").0, ["build", "push"]);
        assert_eq!(at("claude-sandbox logs --no").0, ["--no-follow"]);
        assert_eq!(
            at("claude-sandbox list -o ").0,
            ["table", "wide", "json", "name"]
        );
        assert_eq!(at("claude-sandbox list --color a").0, ["auto", "always"]);
        // A value without closed choices: the shell's own completion (file names).
        assert_eq!(at("claude-sandbox logs --kubeconfig "), (vec![], 0));
    }

    #[test]
    fn cancel_takes_many_jobs() {
        assert_eq!(
            prefix("claude-sandbox cancel job-a job-b j").as_deref(),
            Some("j")
        );
    }

    #[test]
    fn the_cluster_flags_on_the_line_are_kept() {
        let s = slot("claude-sandbox --context other logs -n elsewhere --kubeconfig /k ").unwrap();
        assert_eq!(s.global.context.as_deref(), Some("other"));
        assert_eq!(s.global.namespace.as_deref(), Some("elsewhere"));
        assert_eq!(
            s.global.kubeconfig.as_deref(),
            Some(std::path::Path::new("/k"))
        );
    }
}
