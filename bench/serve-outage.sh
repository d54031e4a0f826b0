#!/usr/bin/env bash
# bench/serve-outage.sh: a long server outage under real agents, in real
# time. `slawatch serve` and AGENTS `slawatch agent --server --out`
# processes (TARGETS targets each, every 500 ms: loopback pings where
# ICMP is allowed, plus TCP connects) run until every agent has
# delivered; then the server is killed (SIGKILL) and kept down for
# OUTAGE_SECONDS while the agents keep probing and spooling, restarted
# on the same data directory, and everything stops gracefully once the
# agents have caught up. The store must then hold exactly the records
# of the agents' --out files: none missing, none duplicated, none with
# other values, none unmeasured.
#
#   bench/serve-outage.sh                          # 10-minute outage, about 14 minutes
#   OUTAGE_SECONDS=90 AGENTS=2 TARGETS=1000 bench/serve-outage.sh
#
# It is TestServeE2E (cmd/slawatch/serve_e2e_test.go) with its knobs
# turned up, which builds the binary itself. Results are written to OUT
# (default bench/serve-outage.md); LABEL adds a note to the heading.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
OUTAGE_SECONDS=${OUTAGE_SECONDS:-600}
AGENTS=${AGENTS:-2}
TARGETS=${TARGETS:-1000}
OUT=${OUT:-bench/serve-outage.md}
LABEL=${LABEL:-}
if [[ -z $LABEL && $OUTAGE_SECONDS -lt 600 ]]; then LABEL="short run: OUTAGE_SECONDS=$OUTAGE_SECONDS, not the 10-minute outage"; fi
[[ $OUT == /* ]] || OUT=$root/$OUT

tmp=$(mktemp -d "${TMPDIR:-/tmp}/slawatch-serve-outage.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

timeout=$((OUTAGE_SECONDS + 900))
printf '==> %s\n' "outage ${OUTAGE_SECONDS}s, $AGENTS agents x $TARGETS targets (about $(((OUTAGE_SECONDS + 240) / 60)) minutes)" >&2
start=$(date +%s)
status=0
SLAWATCH_E2E_OUTAGE=${OUTAGE_SECONDS}s SLAWATCH_E2E_AGENTS=$AGENTS SLAWATCH_E2E_TARGETS=$TARGETS \
	go test -count=1 -run '^TestServeE2E$' -v -timeout "${timeout}s" ./cmd/slawatch 2>&1 | tee "$tmp/test.log" || status=$?
wall=$(($(date +%s) - start))

summary=$(grep -o 'summary: .*' "$tmp/test.log" | tail -1 || true)
val() { printf ' %s' "$summary" | grep -oE " $1=[^ ]*" | cut -d= -f2; }
if [[ -z $summary ]]; then
	verdict="**FAILED** before the check (see the log below)"
elif [[ $status == 0 && $(val missing) == 0 && $(val duplicated) == 0 && $(val different) == 0 && $(val unmeasured) == 0 ]]; then
	verdict="passed: nothing missing, nothing duplicated"
else
	verdict="**FAILED**"
fi
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then commit="$commit (with uncommitted changes)"; fi
{
	cat <<EOF
# Server outage under real agents${LABEL:+ ($LABEL)}

Written by \`bench/serve-outage.sh\` on $(date -u +%Y-%m-%dT%H:%M:%SZ): OUTAGE_SECONDS=$OUTAGE_SECONDS AGENTS=$AGENTS
TARGETS=$TARGETS, $wall s of wall time. Machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3).
Commit: $commit.

Result: $verdict.

| figure | value |
|---|---|
| agents × targets | $(val agents) × $(val targets) |
| server down (SIGKILL to restart) | $(val outage) |
| records measured (the agents' --out files) | $(val measured) |
| records stored | $(val stored) |
| missing | $(val missing) |
| duplicated (an agent-minute stored as two batches) | $(val duplicated) |
| stored with other values | $(val different) |
| stored but not measured | $(val unmeasured) |
| delivery catch-up after the restart | $(val catch_up) |

The catch-up time runs from the restart to the moment every minute
complete at the restart was in the store (polled once a second). It is
bounded by the agents' retry pause: after a long outage their backoff
has reached 30 s, drawn between 15 and 30 s (jitter), so an agent comes
back up to 30 s after the server; the backlog itself goes in one POST of
up to 64 minutes.

\`\`\`
$(grep -E '^\s+serve_e2e_test.go|^(--- |ok|FAIL|PASS)' "$tmp/test.log")
\`\`\`
EOF
} >"$OUT"
printf '==> wrote %s\n' "$OUT" >&2
exit "$status"
