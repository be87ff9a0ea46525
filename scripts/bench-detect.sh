#!/usr/bin/env bash
# wrk benchmark of the verifier's synchronous detection endpoint (POST /api/detect) on loopback.
#
# Starts `provmark serve` on a throw-away data directory (fresh keyset, SQLite) with a generous
# detect rate limit, creates a researcher token and a red-green profile, then runs
#   wrk -t2 -c16 -d30s --latency -s post.lua
# against POST /api/detect with a body of 200 token ids, after a 10 s warm-up run (JIT). Fails when
# wrk saw socket errors or non-2xx responses. Everything it created is removed at exit.
#
# Needs: wrk (Debian: apt-get install -y wrk), curl, jq, java 17; builds cli/target/provmark.jar when
# missing (through ./provmark). Environment: BENCH_PORT (default 18470), BENCH_DURATION (default 30s),
# BENCH_THREADS (2), BENCH_CONNECTIONS (16), BENCH_TOKENS (200, tokens per request).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
port="${BENCH_PORT:-18470}"
duration="${BENCH_DURATION:-30s}"
threads="${BENCH_THREADS:-2}"
conns="${BENCH_CONNECTIONS:-16}"
ntok="${BENCH_TOKENS:-200}"
base="http://127.0.0.1:$port"

for tool in wrk curl jq java; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench-detect: $tool is not installed (Debian: apt-get install -y $tool)" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/provmark-bench.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# a throw-away keyset passphrase: this data directory is deleted at exit
export PROVMARK_KEYSET_PASSPHRASE="bench-only-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

"$root/provmark" --version >/dev/null # builds the jar first if needed, outside the measured part
"$root/provmark" serve --data-dir "$work/data" --port "$port" --workers 0 --detect-per-minute 1000000000 \
  >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  curl -fs "$base/api/health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; echo "bench-detect: the server did not start" >&2; exit 1; }
  sleep 0.5
done
curl -fs "$base/api/health" >/dev/null || { cat "$work/serve.log" >&2; echo "bench-detect: no answer on $base" >&2; exit 1; }

admin="$(cat "$work/data/bootstrap-admin-token")"
researcher="$(curl -fs -H "Authorization: Bearer $admin" -d '{"name":"bench","role":"researcher"}' "$base/api/tokens" | jq -r .token)"
"$root/provmark" profile create --scheme red-green --keyset "$work/data/keyset.pmk" --tokenizer cl100k_base \
  --out "$work/profile.json" >/dev/null
profile_id="$(jq -n --slurpfile p "$work/profile.json" '{name:"bench-rg", profile:$p[0]}' \
  | curl -fs -H "Authorization: Bearer $admin" -d @- "$base/api/profiles" | jq -r .id)"

# 200 fixed pseudo-random token ids below cl100k_base's vocabulary (detection cost does not depend on the ids)
awk -v n="$ntok" -v pid="$profile_id" 'BEGIN { srand(1); printf "{\"profileId\":\"%s\",\"tokens\":[", pid;
  for (i = 0; i < n; i++) printf "%s%d", (i ? "," : ""), int(rand() * 100000); printf "]}" }' >"$work/body.json"
body_bytes=$(wc -c <"$work/body.json")

# one call by hand: it must score
check="$(curl -fs -H "Authorization: Bearer $researcher" -H 'Content-Type: application/json' \
  --data-binary @"$work/body.json" "$base/api/detect")"
echo "$check" | jq -e '.num_tokens == '"$ntok"' and (.log10_p_value | type == "number")' >/dev/null \
  || { echo "bench-detect: unexpected detect answer: $check" >&2; exit 1; }
echo "== one answer: $check"

# the token reaches wrk through the environment, never a file
cat >"$work/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
LUA

run_wrk() {
  BENCH_BODY_FILE="$work/body.json" BENCH_TOKEN="$researcher" \
    wrk -t"$threads" -c"$conns" -d"$1" --latency -s "$work/post.lua" "$base/api/detect"
}

echo "== warm-up (10s, not recorded)"
run_wrk 10s >/dev/null
echo "== machine: $(nproc) CPUs, $(uname -srm); $(java -version 2>&1 | sed -n 1p); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) wrk -t$threads -c$conns -d$duration --latency, body $body_bytes bytes ($ntok token ids)"
out="$(run_wrk "$duration")"
echo "$out"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== server-side counters (GET /metrics):"
curl -fs -H "Authorization: Bearer $admin" "$base/metrics" \
  | grep -E '^provmark_(detect_calls_total|rate_limit_denials_total\{limiter="detect"\}|http_requests_total\{endpoint="/api/detect")' || true
if grep -qE 'Non-2xx or 3xx responses|Socket errors' <<<"$out"; then
  echo "bench-detect: FAILED: wrk saw errors or non-2xx responses (see above)" >&2
  exit 1
fi
echo "bench-detect: ok (no socket errors, every response 2xx)"
