#!/usr/bin/env bash
# Log-following throughput and memory, and `list` of 5,000 jobs, against the fake API server,
# side by side with kubectl where it is installed.
#
#   cargo build --release && cargo build --release --example fake_api_server && benches/logs.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root="$here/.."
target=${CARGO_TARGET_DIR:-"$root/target"}
bin=${BIN:-"$target/release/claude-sandbox"}
server=${SERVER:-"$target/release/examples/fake_api_server"}
mb=${LOG_MB:-200}
for f in "$bin" "$server"; do [ -x "$f" ] || { echo "missing $f: build it first (see the header)" >&2; exit 1; }; done
work=$(mktemp -d)
fifo="$work/stdin"; mkfifo "$fifo"
"$server" --log-mb "$mb" --jobs "${JOBS:-5000}" < "$fifo" > "$work/kubeconfig-path" 2>/dev/null &
server_pid=$!
exec 4> "$fifo"            # keeps the server alive until the script ends
trap 'exec 4>&-; wait "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/kubeconfig-path" ] && break; sleep 0.1; done
export KUBECONFIG=$(head -1 "$work/kubeconfig-path")

"$here/gen-repo.sh" "$work/repo" 10 2>/dev/null
cd "$work/repo"
job=$("$bin" remote -o name --services none "bench")
sleep 1
pod=$(kubectl get pods -l "job-name=$job" -o name 2>/dev/null | head -1 || true)

measure() { # label, command...: wall seconds and max RSS
  local out="$work/time.txt"
  /usr/bin/time -f "%e %M" -o "$out" "${@:2}" > "$work/out.log" 2>/dev/null || true
  read -r secs kb < "$out"
  local bytes; bytes=$(stat -c %s "$work/out.log")
  awk -v l="$1" -v s="$secs" -v k="$kb" -v b="$bytes" 'BEGIN{printf "%-34s %7.2f s %8.1f MB/s %8.1f MB RSS  (%d MB out)\n", l, s, b/1048576/(s>0?s:0.001), k/1024, b/1048576}'
}

printf '%s\n' "log of ${mb} MB, streamed with follow from the fake API server:"
measure "claude-sandbox logs --raw" "$bin" logs "$job" --raw
if command -v kubectl >/dev/null 2>&1 && [ -n "$pod" ]; then
  measure "kubectl logs -f -c claude" kubectl logs -f "$pod" -c claude
else
  echo "kubectl not installed: no side-by-side figure"
fi

echo
printf '%s\n' "list of ${JOBS:-5000} jobs (pages of 500) from the fake API server:"
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine -N --warmup 2 --runs 10 --export-json "$work/list.json" "$bin list -o name" >/dev/null 2>&1
  sed -n 's/.*"median": *\([0-9.e-]*\).*/\1/p' "$work/list.json" | head -1 | awk '{printf "claude-sandbox list -o name            median %.0f ms (target < 300)\n", $1*1000}'
else
  measure "claude-sandbox list -o name" "$bin" list -o name
fi
