#!/usr/bin/env bash
# Print the performance figures the issues ask for, measured side by side in one run.
#
#   benches/bench.sh [BINARY]      default: target/release/claude-sandbox (build it first:
#                                   cargo build --release)
#
# Figures: start-up (--help), detect and remote --dry-run on a generated 100k-file repository
# against `git ls-tree -r HEAD` on the same repository, and the release binary's size.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-"$here/../target/release/claude-sandbox"}
[ -x "$bin" ] || { echo "no binary at $bin: run cargo build --release first" >&2; exit 1; }
runs=${RUNS:-21}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# median of RUNS wall-clock timings of a command, in milliseconds (with two decimals). hyperfine
# (Debian's package) measures without a shell in between; the fallback includes fork+exec of
# `date`, which adds a few milliseconds to every figure.
median_ms() {
  if command -v hyperfine >/dev/null 2>&1; then
    local json="$work/h.json" cmd=""
    for a in "$@"; do cmd+="'${a//\'/}' "; done
    hyperfine -N --warmup 3 --runs "$runs" --export-json "$json" "$cmd" >/dev/null 2>&1
    sed -n 's/.*"median": *\([0-9.e-]*\).*/\1/p' "$json" | head -1 | awk '{printf "%.2f", $1*1000}'
    return
  fi
  local t=()
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
    t+=($(( (e - s) / 1000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | awk -v n="$runs" 'NR==int((n+1)/2){printf "%.2f", $1/1000}'
}

"$here/gen-repo.sh" "$work/repo" "${FILES:-100000}"
cd "$work/repo"
export KUBECONFIG=/nonexistent
help_ms=$(median_ms "$bin" --help)
lstree_ms=$(median_ms git ls-tree -r HEAD)
detect_ms=$(median_ms "$bin" detect -o json)
dry_ms=$(median_ms "$bin" remote --dry-run "bench task")
size=$(stat -c %s "$bin")

printf '%-44s %10s\n' "measure (median of $runs runs)" "value"
printf '%-44s %8s ms\n' "claude-sandbox --help (start-up)" "$help_ms"
printf '%-44s %8s ms\n' "git ls-tree -r HEAD (100k files)" "$lstree_ms"
printf '%-44s %8s ms\n' "claude-sandbox detect -o json" "$detect_ms"
printf '%-44s %8s ms\n' "claude-sandbox remote --dry-run" "$dry_ms"
awk -v d="$detect_ms" -v g="$lstree_ms" 'BEGIN{printf "%-44s %8.2f x  (target <= 1.0)\n", "detect / ls-tree", d/g}'
awk -v s="$size" 'BEGIN{printf "%-44s %8.2f MB (target < 15)\n", "release binary size", s/1048576}'
