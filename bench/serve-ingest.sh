#!/usr/bin/env bash
# bench/serve-ingest.sh measures how fast `slawatch serve` takes minute
# records from agents, into SQLite and into PostgreSQL, and writes
# bench/serve.md with the figures:
#
#   bench/serve-ingest.sh
#   AGENTS=8 SERIES=10000 DURATION=60s bench/serve-ingest.sh
#
# AGENTS simulated agents (bench/ingestload), each with its own agent
# token and SERIES series of its own ("pop-tyo1-cust-000123", 60 probes a
# minute, RTTs of 8 to 28 ms), POST minute after minute of historic
# records for DURATION, each POST one minute (BODY_MINUTES, as an agent
# sends in steady state). Reported: records a second acknowledged (each
# acknowledged only once durably stored), request latency p50/p99, and
# the server's evaluation lag (slawatch_evaluation_lag_seconds), since
# the server judges each minute as soon as every agent has delivered it.
#
# The server judges only minutes after those the agents had delivered
# when it started, so each run seeds one record per agent a day back and
# restarts the server before the load.
#
# PostgreSQL: PG_URL (default postgres://127.0.0.1:5432/test?sslmode=disable);
# a fresh schema is made for the run and dropped after; PG=0 skips it.
# PROFILE=1 (default) also runs each load against the same server built
# with net/http/pprof (ingestload serve) and records a CPU profile.
# The server takes only assigned series: each run assigns every agent
# its series (ingestload assign, with an operator token) first.
# EVERY (default empty: as fast as answered) paces each agent at one POST
# every EVERY, spread evenly: EVERY=60s is agents in steady state,
# EVERY=1s sixty times their rate:
#
#   AGENTS=100 SERIES=1000 EVERY=1s DURATION=60s bench/serve-ingest.sh
#
# Knobs: AGENTS (4), SERIES (10000), DURATION (30s), BODY_MINUTES (1),
# EVERY (), PORT (18480), OUT (bench/serve.md).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
AGENTS=${AGENTS:-4}
SERIES=${SERIES:-10000}
DURATION=${DURATION:-30s}
BODY_MINUTES=${BODY_MINUTES:-1}
EVERY=${EVERY:-}
PORT=${PORT:-18480}
PG=${PG:-1}
PG_URL=${PG_URL:-postgres://127.0.0.1:5432/test?sslmode=disable}
PROFILE=${PROFILE:-1}
OUT=${OUT:-bench/serve.md}
[[ $OUT == /* ]] || OUT=$root/$OUT

tmp=$(mktemp -d "${TMPDIR:-/tmp}/slawatch-serve-ingest.XXXXXX")
server_pid=
pg_schema_url=
cleanup() {
	[[ -n $server_pid ]] && kill -KILL "$server_pid" 2>/dev/null || true
	[[ -n $pg_schema_url ]] && "$tmp/ingestload" pg drop "$pg_schema_url" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
log() { printf '==> %s\n' "$*" >&2; }

log "building"
go build -o "$tmp/slawatch" ./cmd/slawatch
go build -o "$tmp/ingestload" ./bench/ingestload
url=http://127.0.0.1:$PORT

# start_server CMD... starts a server in the background and waits for it.
start_server() {
	"$@" >>"$tmp/server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 300); do
		if curl -fsS "$url/healthz" >/dev/null 2>&1; then return 0; fi
		if ! kill -0 "$server_pid" 2>/dev/null; then
			tail -20 "$tmp/server.log" >&2
			return 1
		fi
		sleep 0.1
	done
	log "the server did not come up"
	return 1
}

stop_server() {
	kill -TERM "$server_pid"
	wait "$server_pid" || true
	server_pid=
}

# tokens DBFLAGS... makes an agent token per agent into $tmp/tokens.
tokens() {
	: >"$tmp/tokens"
	local pops=(tyo fra sin ams nyc sjc lon syd gru jnb bom icn)
	for i in $(seq 0 $((AGENTS - 1))); do
		"$tmp/slawatch" token "$@" --role agent --agent "pop-${pops[i % 12]}$((i / 12 + 1))" >>"$tmp/tokens"
	done
	"$tmp/slawatch" token "$@" --role operator --name bench >"$tmp/optoken"
}

# load NAME KIND DBFLAGS...: KIND is slawatch (the real binary) or pprof
# (ingestload serve); prints the figures into $tmp/NAME.txt.
load() {
	local name=$1 kind=$2
	shift 2
	local cmd
	if [[ $kind == pprof ]]; then
		cmd=("$tmp/ingestload" serve "$@" -listen "127.0.0.1:$PORT" -pprof "127.0.0.1:$((PORT + 1))")
	else
		cmd=("$tmp/slawatch" serve "$@" --listen "127.0.0.1:$PORT" --log-level warn --ingest-rate 1000000) # the store is measured, not the per-agent limit
	fi
	tokens "$@"
	local seed=$(($(date +%s) / 60 - 23 * 60))
	log "$name: seeding minute $seed and restarting the server"
	start_server "${cmd[@]}"
	"$tmp/ingestload" assign -url "$url" -token "$(cat "$tmp/optoken")" -tokens "$tmp/tokens" -series "$SERIES"
	"$tmp/ingestload" seed -url "$url" -tokens "$tmp/tokens" -minute "$seed"
	stop_server
	start_server "${cmd[@]}"
	log "$name: $AGENTS agents x $SERIES series for $DURATION"
	local prof=
	if [[ $kind == pprof ]]; then
		local secs=${DURATION%s}
		(sleep 3 && curl -fsS -o "$tmp/$name.pprof" "http://127.0.0.1:$((PORT + 1))/debug/pprof/profile?seconds=$((secs - 6))") &
		prof=$!
	fi
	"$tmp/ingestload" run -url "$url" -tokens "$tmp/tokens" -from $((seed + 1)) -series "$SERIES" \
		-duration "$DURATION" -body-minutes "$BODY_MINUTES" ${EVERY:+-every "$EVERY"} | tee "$tmp/$name.txt"
	[[ -z $prof ]] || wait "$prof"
	stop_server
	if [[ $kind == pprof ]]; then
		go tool pprof -top -nodecount 35 "$tmp/ingestload" "$tmp/$name.pprof" 2>/dev/null | sed -n '/^Showing\|flat%/,$p' >"$tmp/$name.top"
		go tool pprof -top -cum -nodecount 45 "$tmp/ingestload" "$tmp/$name.pprof" 2>/dev/null | sed -n '/flat%/,$p' >"$tmp/$name.cum"
	fi
}

fig() { awk -v k="$1" 'index($0, k) == 1 { sub(k "[ ]*", ""); print; exit }' "$2"; }

load sqlite slawatch --data "$tmp/sqlite-data"
if [[ $PROFILE == 1 ]]; then load sqlite-pprof pprof -data "$tmp/sqlite-pprof-data"; fi
backends=(sqlite)
if [[ $PG == 1 ]]; then
	if pg_schema_url=$("$tmp/ingestload" pg create "$PG_URL"); then
		load postgres slawatch --db "$pg_schema_url"
		"$tmp/ingestload" pg drop "$pg_schema_url"
		backends+=(postgres)
		if [[ $PROFILE == 1 ]]; then
			pg_schema_url=$("$tmp/ingestload" pg create "$PG_URL")
			load postgres-pprof pprof -db "$pg_schema_url"
			"$tmp/ingestload" pg drop "$pg_schema_url"
		fi
		pg_schema_url=
	else
		log "PostgreSQL at $PG_URL not reachable: skipped"
	fi
fi

goal() { case $1 in sqlite) echo 200000 ;; postgres) echo 100000 ;; esac; }
verdict() { if awk "BEGIN { exit !($1) }"; then printf 'met'; else printf '**missed**'; fi; }
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then commit="$commit (with uncommitted changes)"; fi
{
	cat <<EOF
# Server ingest throughput

Written by \`bench/serve-ingest.sh\` on $(date -u +%Y-%m-%dT%H:%M:%SZ) (AGENTS=$AGENTS SERIES=$SERIES
DURATION=$DURATION BODY_MINUTES=$BODY_MINUTES EVERY=${EVERY:-none}); rerun it to refresh.
Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg).
Machine: $(nproc) cores ($cpu_model), $(uname -sr), $(go version | cut -d' ' -f3).
Commit: $commit. The load generator runs on the same machine and shares its cores.

$AGENTS simulated agents (\`bench/ingestload\`), each with its own agent token and
$SERIES series of its own, POST to \`slawatch serve\` minute after minute of historic
records, $BODY_MINUTES minute a POST (about $((SERIES * 19 / 1024)) KiB), each answered only once durably
stored. The server judges each minute as soon as every agent has delivered it
(no contract is loaded, so judging is the server's own bookkeeping).

| backend | goal | records/s acknowledged | | latency p50 / p99 | evaluation lag (p50 / p99 / max, bucket bounds) | server CPU |
|---|---|---|---|---|---|---|
EOF
	for b in "${backends[@]}"; do
		f=$tmp/$b.txt
		rate=$(fig "records/s" "$f")
		lag=$(fig "evaluation lag " "$f")
		printf '| %s | >= %s/s | %s | %s | %s / %s | %s | %s |\n' "$b" "$(goal "$b")" "$rate" \
			"$(verdict "$rate >= $(goal "$b")")" "$(fig "latency p50" "$f")" "$(fig "latency p99" "$f")" \
			"$(echo "$lag" | sed 's/.*p50 <= \([^,]*\), p99 <= \([^,]*\), max <= \(.*\)/\1 \/ \2 \/ \3/')" \
			"$(fig "server CPU" "$f" | cut -d' ' -f1) s"
	done
	echo
	echo "Evaluation lag goal: < 1 s."
	for b in "${backends[@]}"; do
		printf '\n## %s\n\n```\n' "$b"
		cat "$tmp/$b.txt"
		printf '```\n'
		if [[ -s $tmp/$b-pprof.top ]]; then
			printf '\nThe same load against the same server with net/http/pprof (`ingestload serve`):\n\n```\n'
			cat "$tmp/$b-pprof.txt"
			printf '```\n\nCPU profile of the server under that load, flat:\n\n```\n'
			cat "$tmp/$b-pprof.top"
			printf '```\n\nCumulative:\n\n```\n'
			cat "$tmp/$b-pprof.cum"
			printf '```\n'
		fi
	done
} >"$tmp/report.md"
mv "$tmp/report.md" "$OUT"
log "wrote $OUT"
