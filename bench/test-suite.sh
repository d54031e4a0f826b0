#!/usr/bin/env bash
# bench/test-suite.sh runs the README's test command, go test -race ./...,
# RUNS times in a row beside stress-ng --cpu CPUS, as issue 13 item 7
# measures it (goal: under 4 minutes a run on 2 cores, no failure in 5
# runs), and reports each run's wall time, CPU time and failures, the load
# average, and where the time went (bench/testtimes: the longest packages
# and tests). Run it from anywhere in a checkout:
#
#   bench/test-suite.sh                  # 5 runs beside stress-ng --cpu 2
#   RUNS=1 CPUS=0 bench/test-suite.sh    # one run on a quiet machine
#   SLAWATCH_LONG=1 RUNS=1 bench/test-suite.sh   # the long versions too
#
# Knobs (environment): RUNS (5), CPUS (2; 0: no stress-ng), TOP (10),
# OUT (a temporary directory: each run's go test -json output and times).
# The environment reaches go test, so SLAWATCH_LONG, SLAWATCH_REQUIRE_POSTGRES
# and the like apply. The build is warmed first (go test -race -run '^$'),
# so the times are of testing, not compiling; -count=1 keeps go test from
# answering from its cache. Needs stress-ng (apt-get install stress-ng)
# unless CPUS=0, and GNU time for the CPU figures.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
CPUS=${CPUS:-2}
TOP=${TOP:-10}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/slawatch-test-suite.XXXXXX")}
mkdir -p "$OUT"

go build -o "$OUT/testtimes" ./bench/testtimes
echo "bench: warming the build cache" >&2
go test -race -count=1 -run '^$' ./... >/dev/null

stress=
if [[ $CPUS != 0 ]]; then
	command -v stress-ng >/dev/null || { echo "bench: stress-ng not found (apt-get install stress-ng)" >&2; exit 1; }
	stress-ng --cpu "$CPUS" --quiet &
	stress=$!
	trap 'kill "$stress" 2>/dev/null || true' EXIT
fi
timer=()
if [[ -x /usr/bin/time ]]; then
	timer=(/usr/bin/time -f '%U %S')
fi

echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) CPUs, stress-ng --cpu $CPUS, SLAWATCH_LONG=${SLAWATCH_LONG:-}"
fails=0
for i in $(seq "$RUNS"); do
	before=$(cut -d' ' -f1-3 /proc/loadavg)
	start=$(date +%s.%N)
	status=0
	"${timer[@]}" go test -race -count=1 -json ./... >"$OUT/run$i.json" 2>"$OUT/run$i.err" || status=$?
	end=$(date +%s.%N)
	cpu=n/a
	if [[ ${#timer[@]} -gt 0 ]]; then
		cpu=$(tail -n 1 "$OUT/run$i.err" | awk '{printf "%.0f s", $1 + $2}')
	fi
	[[ $status == 0 ]] || fails=$((fails + 1))
	printf 'run %d: %.0f s wall, CPU %s, exit %d, load average %s before, %s after\n' \
		"$i" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$cpu" "$status" "$before" "$(cut -d' ' -f1-3 /proc/loadavg)"
done
echo "$fails of $RUNS runs failed"
"$OUT/testtimes" -top "$TOP" "$OUT"/run*.json
echo "(go test -json output in $OUT)"
