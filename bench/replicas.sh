#!/usr/bin/env bash
# bench/replicas.sh: three `slawatch serve` replicas on one PostgreSQL
# and AGENTS agents (each given all three URLs), in real time. The agents'
# TCP target is closed until the IIJ data-centre line is down (three
# silent minutes), the replica acting for the customer is killed with
# SIGKILL once the outage is notified, the target is opened again, and a
# survivor must take the customer over and send the recovery. It reports
# how many notices went on each channel (one each is right), how long the
# notice and the takeover took, whether the deadline was met, and whether
# the survivors give the same report.
#
#   bench/replicas.sh                 # 2 agents, about 7 minutes
#   AGENTS=10 bench/replicas.sh
#
# It is TestReplicasE2E (cmd/slawatch/replicas_e2e_test.go), which builds
# the binary itself; PostgreSQL as for the tests ($SLAWATCH_POSTGRES_URL
# or 127.0.0.1:5432 with trust). Results go to OUT (default
# bench/replicas.md).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
AGENTS=${AGENTS:-2}
OUT=${OUT:-bench/replicas.md}
[[ $OUT == /* ]] || OUT=$root/$OUT
tmp=$(mktemp -d "${TMPDIR:-/tmp}/slawatch-replicas.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

start=$(date +%s)
status=0
SLAWATCH_REQUIRE_POSTGRES=1 SLAWATCH_E2E_REPLICA_AGENTS=$AGENTS \
	go test -count=1 -run '^TestReplicasE2E$' -v -timeout 30m ./cmd/slawatch 2>&1 | tee "$tmp/test.log" || status=$?
wall=$(($(date +%s) - start))

summary=$(grep -o 'summary: .*' "$tmp/test.log" | tail -1 || true)
val() { printf ' %s' "$summary" | grep -oE " $1=[^ ]*" | cut -d= -f2; }
if [[ -z $summary ]]; then
	verdict="**FAILED** before the check (see the log below)"
elif [[ $status == 0 && $(val duplicates) == 0 && $(val outage_mails) == 2 && $(val recovery_mails) == 2 && $(val deadline_met) == true && $(val same_report) == true ]]; then
	verdict="passed: one notice per outage and channel, within the deadline, the same report from both survivors"
else
	verdict="**FAILED**"
fi
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then commit="$commit (with uncommitted changes)"; fi
cat >"$OUT" <<MD
# Three replicas, one killed during an outage

Written by \`bench/replicas.sh\` on $(date -u +%Y-%m-%dT%H:%M:%SZ): AGENTS=$AGENTS, $wall s of wall time.
Machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3), load $(cut -d' ' -f1-3 /proc/loadavg). Commit: $commit.

Result: $verdict.

| figure | value |
|---|---|
| replicas / agents | $(val replicas) / $(val agents) |
| replica killed (it held the customer's lease) | $(val killed) |
| outage notices (email + fax) | $(val outage_mails) |
| recovery notices (email + fax) | $(val recovery_mails) |
| duplicates | $(val duplicates) |
| target closed → outage notice sent | $(val notified_after) |
| SIGKILL → a survivor holds the lease | $(val takeover) |
| notice deadline (30 min after detection) met | $(val deadline_met) |
| both survivors give the same report | $(val same_report) |

The notice comes about three minutes after the target closes: the IIJ
data-centre line is down after three whole silent minutes, and the
minute is judged once both agents delivered it (or after --grace 20 s).
The takeover is bounded by --lease-ttl 6 s and a quarter.

\`\`\`
$(grep -E '^\s+replicas_e2e_test.go|^(--- |ok|FAIL|PASS)' "$tmp/test.log")
\`\`\`
MD
printf '==> wrote %s\n' "$OUT" >&2
exit "$status"
