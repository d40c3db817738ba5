//! Every `claude-sandbox …` command shown in README.md and docs/*.md must be one the CLI accepts,
//! so the documentation cannot drift from the flags. (The behaviour behind each command is tested
//! in cli_core.rs, cluster.rs and config.rs.)

use clap::Parser;
use claude_sandbox::cli::Cli;

/// Split a shell command line the way sh would for the simple forms the docs use.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The command lines of a markdown file: inside code, starting (after a prompt, a variable
/// assignment or `$(`) with `claude-sandbox`, up to a pipe, `&&`, `||`, a redirect or a comment.
fn commands(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for raw in markdown.lines() {
        if raw.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let in_code = fenced || raw.starts_with("    ");
        if !in_code {
            continue;
        }
        let Some(start) = raw.find("claude-sandbox ") else {
            continue;
        };
        let before = &raw[..start];
        let plausible = before.trim().is_empty()
            || before.trim_end().ends_with("$(")
            || before.trim() == "$"
            || before.trim_end().ends_with("&&")
            || before
                .split_whitespace()
                .all(|w| w.contains('=') || w == "$");
        if !plausible {
            continue;
        }
        let mut cmd = raw[start..].to_string();
        for stop in [" |", " &&", " ||", " >", " #", ")", "   "] {
            if let Some(i) = cmd.find(stop) {
                cmd.truncate(i);
            }
        }
        out.push(cmd.trim().to_string());
    }
    out
}

#[test]
fn every_documented_command_parses() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut files = vec![format!("{root}/README.md")];
    for entry in std::fs::read_dir(format!("{root}/docs")).unwrap().flatten() {
        if entry.path().extension().is_some_and(|e| e == "md") {
            files.push(entry.path().display().to_string());
        }
    }
    let mut checked = 0;
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for cmd in commands(&text) {
            // Placeholders stand for values the reader fills in.
            let argv: Vec<String> = words(&cmd)
                .into_iter()
                .map(|w| w.replace('…', "x"))
                .collect();
            if argv.len() < 2 {
                continue;
            }
            checked += 1;
            if let Err(e) = Cli::try_parse_from(&argv)
                && !matches!(
                    e.kind(),
                    clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
                )
            {
                let first = e.to_string().lines().next().unwrap_or_default().to_string();
                broken.push(format!("{file}: `{cmd}`: {first}"));
            }
        }
    }
    assert!(
        checked >= 15,
        "only {checked} commands found: is the extraction still right?"
    );
    assert!(
        broken.is_empty(),
        "documented commands the CLI refuses:\n{}",
        broken.join("\n")
    );
}

/// The examples in `--help` are documentation too.
#[test]
fn every_help_example_parses() {
    use clap::CommandFactory;
    let root = Cli::command();
    let mut helps = vec![
        root.get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default(),
    ];
    for sub in root.get_subcommands() {
        helps.push(
            sub.get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default(),
        );
    }
    let mut checked = 0;
    for help in helps {
        for line in help
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("claude-sandbox "))
        {
            let mut cmd = line.to_string();
            for stop in [" |", " >", "   "] {
                if let Some(i) = cmd.find(stop) {
                    cmd.truncate(i);
                }
            }
            let argv: Vec<String> = words(&cmd)
                .into_iter()
                .map(|w| w.replace('…', "x"))
                .collect();
            checked += 1;
            if let Err(e) = Cli::try_parse_from(&argv) {
                assert!(
                    matches!(e.kind(), clap::error::ErrorKind::DisplayHelp),
                    "help example `{cmd}` is refused: {e}"
                );
            }
        }
    }
    assert!(checked >= 20, "only {checked} help examples found");
}

#[test]
fn the_extraction_finds_commands_in_their_usual_forms() {
    let md = "```sh\n$ claude-sandbox list -o json | jq .\nJOB=$(claude-sandbox remote -o name \"x y\")\nGITHUB_TOKEN=… claude-sandbox setup --from-env\n```\nprose claude-sandbox nope\n";
    assert_eq!(
        commands(md),
        [
            "claude-sandbox list -o json",
            "claude-sandbox remote -o name \"x y\"",
            "claude-sandbox setup --from-env"
        ]
    );
    assert_eq!(words("a \"b c\" 'd'"), ["a", "b c", "d"]);
}
