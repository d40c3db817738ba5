//! Resuming a followed pod log after the stream drops, without losing or repeating lines.
//!
//! The log is requested with `timestamps=true`, so every line carries the instant the container
//! runtime recorded it. `sinceTime` only has whole-second precision, so a reconnect asks for the
//! second the last printed line fell in and replays part of what was already printed; [`Resume`]
//! recognises that replay and drops it.

use jiff::Timestamp;

/// Splits a `timestamps=true` log line into its instant and the text after the separating space.
///
/// A line whose first word is not an RFC 3339 instant comes back whole with no instant: the server
/// should never send one, but dropping text we cannot place would be worse than printing it.
pub fn split_timestamp(line: &str) -> (Option<Timestamp>, &str) {
    let (head, rest) = match line.split_once(' ') {
        Some(parts) => parts,
        // An empty log line may arrive as the bare timestamp.
        None => (line, ""),
    };
    match head.parse::<Timestamp>() {
        Ok(ts) => (Some(ts), rest),
        Err(_) => (None, line),
    }
}

/// Remembers how far the log has been printed, across connections.
#[derive(Debug, Default, Clone)]
pub struct Resume {
    /// The latest instant printed so far.
    last: Option<Timestamp>,
    /// How many printed lines carry exactly `last`; several lines can share one instant.
    at_last: u64,
    /// True from a reconnect until the replayed part of the log has been skipped.
    replaying: bool,
    /// Lines at `last` met during the current replay.
    replayed_at_last: u64,
}

impl Resume {
    /// Call for every line of the current connection, in order; true = new, print it.
    pub fn accept(&mut self, ts: Option<Timestamp>) -> bool {
        self.judge(ts)
    }

    /// [`split_timestamp`] and [`Resume::accept`] in one step: the text to print when the line is
    /// new.
    pub fn accept_line<'a>(&mut self, line: &'a str) -> Option<&'a str> {
        let (ts, rest) = split_timestamp(line);
        self.accept(ts).then_some(rest)
    }

    /// Mark that a new connection starts (resets the per-connection duplicate counter).
    pub fn reconnect(&mut self) {
        self.replaying = self.last.is_some();
        self.replayed_at_last = 0;
    }

    /// sinceTime for the next connection (None before any line): last instant truncated to the
    /// second, formatted RFC3339 `2026-11-23T10:00:01Z`.
    pub fn since_time(&self) -> Option<String> {
        let last = self.last?;
        let mut second = last.as_second();
        // Before 1970 the fraction is negative, and truncating toward zero would round up: the
        // reconnect would start after the last line instead of overlapping it.
        if last.subsec_nanosecond() < 0 {
            second -= 1;
        }
        let floor = Timestamp::from_second(second).unwrap_or(last);
        Some(floor.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
    }

    fn judge(&mut self, ts: Option<Timestamp>) -> bool {
        // Without an instant a line cannot be placed against what was printed; keep it.
        let Some(ts) = ts else { return true };
        let Some(last) = self.last else {
            self.last = Some(ts);
            self.at_last = 1;
            return true;
        };
        if self.replaying {
            if ts < last {
                return false;
            }
            if ts == last && self.replayed_at_last < self.at_last {
                self.replayed_at_last += 1;
                return false;
            }
            self.replaying = false;
        }
        if ts > last {
            self.last = Some(ts);
            self.at_last = 1;
        } else if ts == last {
            self.at_last += 1;
        }
        // An earlier instant once caught up is not a replay: stdout and stderr are stamped
        // separately and may interleave slightly out of order. Printing it loses nothing; `last`
        // stays the maximum so a later replay still skips everything up to it.
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("test timestamp")
    }

    /// Formats an instant as kubelet does (Go's RFC3339Nano): trailing zeros of the fraction
    /// trimmed, and no fraction at all on a whole second.
    fn kubelet_format(t: Timestamp) -> String {
        let whole = t.strftime("%Y-%m-%dT%H:%M:%S").to_string();
        let nanos = t.subsec_nanosecond();
        if nanos == 0 {
            return format!("{whole}Z");
        }
        let fraction = format!("{nanos:09}");
        format!("{whole}.{}Z", fraction.trim_end_matches('0'))
    }

    #[test]
    fn split_timestamp_takes_the_instant_and_the_rest() {
        let (t, rest) = split_timestamp("2026-11-23T10:00:01.123456789Z hello world");
        assert_eq!(t, Some(ts("2026-11-23T10:00:01.123456789Z")));
        assert_eq!(rest, "hello world");
    }

    #[test]
    fn split_timestamp_compares_instants_not_strings() {
        let (a, _) = split_timestamp("2026-11-23T10:00:01.5Z a");
        let (b, _) = split_timestamp("2026-11-23T10:00:01.500000000Z b");
        assert_eq!(a, b);
    }

    #[test]
    fn split_timestamp_keeps_the_rest_verbatim() {
        assert_eq!(
            split_timestamp("2026-11-23T10:00:01Z  two spaces").1,
            " two spaces"
        );
        assert_eq!(split_timestamp("2026-11-23T10:00:01Z ").1, "");
        assert_eq!(
            split_timestamp("2026-11-23T10:00:01Z"),
            (Some(ts("2026-11-23T10:00:01Z")), "")
        );
    }

    #[test]
    fn a_line_without_a_timestamp_comes_back_whole() {
        for line in [
            "hello world",
            "",
            " leading",
            "2026-13-45T99:00:00Z nope",
            "{\"type\":\"x\"}",
        ] {
            assert_eq!(split_timestamp(line), (None, line));
        }
    }

    #[test]
    fn since_time_is_none_before_any_line() {
        assert_eq!(Resume::default().since_time(), None);
    }

    #[test]
    fn since_time_truncates_down_to_the_second() {
        let mut r = Resume::default();
        r.accept(Some(ts("2026-11-23T10:00:01.999999999Z")));
        assert_eq!(r.since_time().as_deref(), Some("2026-11-23T10:00:01Z"));
        r.accept(Some(ts("2026-11-23T10:00:02Z")));
        assert_eq!(r.since_time().as_deref(), Some("2026-11-23T10:00:02Z"));
    }

    #[test]
    fn since_time_rounds_down_before_the_epoch_too() {
        let mut r = Resume::default();
        r.accept(Some(ts("1969-12-31T23:59:59.5Z")));
        assert_eq!(r.since_time().as_deref(), Some("1969-12-31T23:59:59Z"));
    }

    #[test]
    fn replay_skips_as_many_lines_at_the_last_instant_as_were_printed() {
        let t1 = ts("2026-11-23T10:00:01.1Z");
        let t2 = ts("2026-11-23T10:00:01.2Z");
        let mut r = Resume::default();
        assert!(r.accept(Some(t1)));
        assert!(r.accept(Some(t2)));
        assert!(r.accept(Some(t2)));
        r.reconnect();
        assert!(!r.accept(Some(t1)));
        assert!(!r.accept(Some(t2)));
        assert!(!r.accept(Some(t2)));
        assert!(r.accept(Some(t2)), "the third line at t2 was never printed");
        assert!(r.accept(Some(t2)));
    }

    #[test]
    fn lines_without_timestamps_are_always_kept() {
        let mut r = Resume::default();
        assert!(r.accept(None));
        assert!(r.accept(Some(ts("2026-11-23T10:00:01Z"))));
        r.reconnect();
        assert!(r.accept(None));
        assert!(!r.accept(Some(ts("2026-11-23T10:00:01Z"))));
    }

    #[test]
    fn an_out_of_order_line_within_a_connection_is_kept() {
        let mut r = Resume::default();
        assert!(r.accept(Some(ts("2026-11-23T10:00:01.2Z"))));
        assert!(r.accept(Some(ts("2026-11-23T10:00:01.1Z"))));
        r.reconnect();
        assert!(!r.accept(Some(ts("2026-11-23T10:00:01.2Z"))));
        assert!(!r.accept(Some(ts("2026-11-23T10:00:01.1Z"))));
        assert!(r.accept(Some(ts("2026-11-23T10:00:01.3Z"))));
    }

    #[test]
    fn reconnecting_twice_without_new_lines_still_skips_the_replay() {
        let t = ts("2026-11-23T10:00:01.1Z");
        let mut r = Resume::default();
        assert!(r.accept(Some(t)));
        r.reconnect();
        r.reconnect();
        assert!(!r.accept(Some(t)));
        assert!(r.accept(Some(t)));
    }

    #[test]
    fn accept_line_returns_the_text_once() {
        let mut r = Resume::default();
        let line = "2026-11-23T10:00:01.1Z hello";
        assert_eq!(r.accept_line(line), Some("hello"));
        r.reconnect();
        assert_eq!(r.accept_line(line), None);
    }

    /// What the API server sends for `sinceTime=S`: every line of the log stamped at or after S,
    /// in log order, from the first such line up to where the connection drops.
    fn serve<'a>(
        log: &'a [String],
        stamps: &[Timestamp],
        since: Option<&str>,
    ) -> Vec<(usize, &'a str)> {
        let since = since.map(ts);
        log.iter()
            .enumerate()
            .filter(|(i, _)| since.is_none_or(|s| stamps[*i] >= s))
            .map(|(i, line)| (i, line.as_str()))
            .collect()
    }

    /// Steps between successive lines: same nanosecond, a nanosecond, sub-second, across a
    /// second boundary, whole seconds.
    fn step() -> impl Strategy<Value = i64> {
        prop_oneof![
            4 => Just(0i64),
            1 => Just(1i64),
            1 => 1i64..1_000_000_000,
            1 => Just(999_999_999i64),
            1 => Just(1_000_000_000i64),
            1 => 1_000_000_000i64..5_000_000_000,
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn reconnects_neither_lose_nor_repeat_lines(
            steps in prop::collection::vec(step(), 1..60),
            start_nanos in 0i64..1_000_000_000,
            drops in prop::collection::vec(0usize..=60, 0..4),
        ) {
            let base = ts("2026-11-23T10:00:00Z").as_nanosecond() + i128::from(start_nanos);
            let mut at = base;
            let mut stamps = Vec::new();
            for s in &steps {
                at += i128::from(*s);
                stamps.push(Timestamp::from_nanosecond(at).expect("in range"));
            }
            let log: Vec<String> = stamps
                .iter()
                .enumerate()
                .map(|(i, t)| format!("{} line {i}", kubelet_format(*t)))
                .collect();
            let n = log.len();
            let mut drops: Vec<usize> = drops.into_iter().map(|d| d.min(n)).collect();
            drops.sort_unstable();
            drops.push(n);

            let mut r = Resume::default();
            let mut printed: Vec<String> = Vec::new();
            for (conn, drop_at) in drops.iter().enumerate() {
                if conn > 0 {
                    r.reconnect();
                }
                let since = r.since_time();
                for (i, line) in serve(&log, &stamps, since.as_deref()) {
                    // The connection breaks before line `drop_at` of the log; the last one always
                    // runs to the end.
                    if i >= *drop_at {
                        break;
                    }
                    if let Some(rest) = r.accept_line(line) {
                        printed.push(rest.to_owned());
                    }
                }
            }
            let expected: Vec<String> = (0..n).map(|i| format!("line {i}")).collect();
            prop_assert_eq!(printed, expected);
        }
    }
}
