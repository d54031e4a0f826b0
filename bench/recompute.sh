#!/usr/bin/env bash
# bench/recompute.sh times a month's recompute from SQLite at the SD-WAN
# shape: 10,000 series at 1/s for 30 days, 432 M records (issue 15 item
# 4: under 30 s on two cores).
#
#   bench/recompute.sh              # 10,000 series
#   SERIES=1000 bench/recompute.sh  # a tenth, 43.2 M records
#
# It runs BenchmarkRecomputeMonth (server/judge/recompute_bench_test.go),
# what the server does: judge.Start rebuilds every customer's open month
# from the store in one pass (read, filter by agent, route, judge three
# PrivateCore levels a series), CUSTOMERS customers (10) sharing the
# series; then BenchmarkReadMonthBatches (store/month_bench_test.go), the
# recompute's read alone (ReadBatchHours). READ_BY_NAME=1 adds
# BenchmarkReadMonth, the read by name (ReadMinutesOf) the recompute used
# before. Each loads its month by compacting the first hour and copying
# its chunks to the other 719. It prints wall and CPU seconds (on a busy
# machine the CPU time says more), the records a second, the machine and
# its load, and the recompute's CPU profile's top. Knobs: SERIES (10000),
# CUSTOMERS (10), COUNT (1).
set -euo pipefail
cd "$(dirname "$0")/.."
SERIES=${SERIES:-10000}
CUSTOMERS=${CUSTOMERS:-10}
COUNT=${COUNT:-1}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/slawatch-recompute.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
reads='^BenchmarkReadMonthBatches$'
if [ "${READ_BY_NAME:-}" = 1 ]; then
	reads='^BenchmarkReadMonth(Batches)?$'
fi
echo "date:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "kernel: $(uname -r)"
echo "cpu:    $(nproc) x $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "series: $SERIES, customers: $CUSTOMERS, records: $((SERIES * 43200))"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
SLAWATCH_MONTH_SERIES=$SERIES SLAWATCH_MONTH_CUSTOMERS=$CUSTOMERS go test -run '^$' -bench '^BenchmarkRecomputeMonth$' \
	-benchtime 1x -count "$COUNT" -cpuprofile "$tmp/cpu.prof" -o "$tmp/judge.test" -timeout 60m ./server/judge/ |
	grep -E '^Benchmark|digest|^ok|FAIL'
echo "load between: $(cut -d' ' -f1-3 /proc/loadavg)"
SLAWATCH_MONTH_SERIES=$SERIES go test -run '^$' -bench "$reads" -benchtime 1x -count "$COUNT" -timeout 60m ./store/ |
	grep -E '^Benchmark|^ok|FAIL'
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
go tool pprof -top -nodecount 15 "$tmp/judge.test" "$tmp/cpu.prof" 2>/dev/null | sed -n '/flat%/,$p'
