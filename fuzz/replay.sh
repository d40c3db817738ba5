#!/usr/bin/env bash
# Replays every fuzz target over its seed corpus (fuzz/seed.sh) and over any saved inputs under
# fuzz/regressions/<target>/, as plain binaries: no nightly flags, no sanitizer, no new inputs.
# It proves two things CI can afford on every run: each target still compiles against the
# library, and no input that once mattered panics or hangs it. Finding new inputs stays a job for
# `cargo fuzz run` (docs/testing.md, "Fuzzing").
set -euo pipefail
cd "$(dirname "$0")"

./seed.sh >/dev/null
cargo build --quiet --bins
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^claude-sandbox-fuzz$')
total=0
for target in $targets; do
  inputs=()
  for dir in "corpus/$target" "regressions/$target"; do
    [ -d "$dir" ] || continue
    while IFS= read -r -d '' f; do inputs+=("$f"); done < <(find "$dir" -type f -print0)
  done
  if [ "${#inputs[@]}" -eq 0 ]; then
    echo "error: no inputs to replay for $target (fuzz/seed.sh should make some)" >&2
    exit 1
  fi
  # Given files rather than a directory, libFuzzer runs each input once and exits non-zero on the
  # first crash, timeout or leak-free panic; -timeout bounds a hang.
  if ! "target/debug/$target" -timeout=30 "${inputs[@]}" >"target/replay-$target.log" 2>&1; then
    tail -n 30 "target/replay-$target.log" >&2
    echo "error: fuzz target $target failed on a saved input" >&2
    exit 1
  fi
  total=$((total + ${#inputs[@]}))
done
echo "fuzz replay: $(echo "$targets" | wc -w) targets, $total inputs, 0 failed"
