//! The log follower's text path: a `timestamps=true` line is split from its instant and the rest
//! rendered from Claude Code's stream-json. Nothing from a pod may panic the CLI or reach the
//! terminal as a control sequence.
#![no_main]

use claude_sandbox::follow::render::{Renderer, Style};
use claude_sandbox::follow::resume::split_timestamp;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let style = Style {
        color: flags & 1 != 0,
        verbose: flags & 2 != 0,
    };
    let text = String::from_utf8_lossy(rest);
    let mut renderer = Renderer::new(style);
    for line in text.split('\n') {
        let (_, body) = split_timestamp(line);
        let out = renderer.line(body);
        if !style.color {
            let out = out.unwrap_or_default();
            assert!(
                !out.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
                "control character in {out:?}"
            );
        }
    }
});
