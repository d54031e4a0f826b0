#!/usr/bin/env bash
# bench/recompute.sh times a month's read of minute records from SQLite,
# what the server's recompute of a month reads (store.ReadMinutesOf),
# at the SD-WAN shape: 10,000 series at 1/s for 30 days, 432 M records
# (issue 15 item 4: under 30 s on two cores).
#
#   bench/recompute.sh              # 10,000 series
#   SERIES=1000 bench/recompute.sh  # a tenth, 43.2 M records
#
# It runs BenchmarkReadMonth (store/month_bench_test.go), which loads the
# month by compacting its first hour and copying the chunks to the other
# 719, and prints wall and CPU seconds (on a busy machine the CPU time
# says more), the records a second, the machine and its load, and a CPU
# profile's top. Knobs: SERIES (10000), COUNT (1).
set -euo pipefail
cd "$(dirname "$0")/.."
SERIES=${SERIES:-10000}
COUNT=${COUNT:-1}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/slawatch-recompute.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "date:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "kernel: $(uname -r)"
echo "cpu:    $(nproc) x $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
SLAWATCH_MONTH_SERIES=$SERIES go test -run '^$' -bench '^BenchmarkReadMonth$' -benchtime 1x -count "$COUNT" \
	-cpuprofile "$tmp/cpu.prof" -o "$tmp/store.test" -timeout 60m ./store/ | grep -E '^Benchmark|^ok|FAIL'
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo "series: $SERIES, records: $((SERIES * 43200))"
go tool pprof -top -nodecount 15 "$tmp/store.test" "$tmp/cpu.prof" 2>/dev/null | sed -n '/flat%/,$p'
