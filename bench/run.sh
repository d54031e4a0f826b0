#!/usr/bin/env bash
# bench/run.sh measures slawatch against the performance goals and writes
# BENCHMARKS.md at the repository root with the figures, the machine and
# the exact commands. Run it from anywhere in a checkout:
#
#   bench/run.sh            # about 3 minutes on 2 cores: 268 M rows end to end
#   FULL=1 bench/run.sh     # end to end at 60 probes/minute: 2.68 G rows, ~10x longer
#
# Knobs (environment): SERIES (1000), MONTH (2026-10), PER_MINUTE (6, or 60
# with FULL=1), SAMPLE_BENCHTIME (1s), SAMPLE_COUNT (3), ENGINE_BENCHTIME
# (3x; one iteration is a whole month), EXAMPLE_RUNS (5), OUT (BENCHMARKS.md).
#
# It needs only Go. Max RSS comes from GNU time (/usr/bin/time -v); when it
# is missing it is installed with apt-get if running as root, otherwise the
# memory figures are reported as n/a. Nothing is written in the checkout
# except OUT; builds, profiles and logs go to a temporary directory.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)

SERIES=${SERIES:-1000}
MONTH=${MONTH:-2026-10}
FULL=${FULL:-0}
if [[ $FULL == 1 ]]; then PER_MINUTE=${PER_MINUTE:-60}; else PER_MINUTE=${PER_MINUTE:-6}; fi
SAMPLE_BENCHTIME=${SAMPLE_BENCHTIME:-1s}
SAMPLE_COUNT=${SAMPLE_COUNT:-3}
ENGINE_BENCHTIME=${ENGINE_BENCHTIME:-3x}
EXAMPLE_RUNS=${EXAMPLE_RUNS:-5}
OUT=${OUT:-BENCHMARKS.md}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/slawatch-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cmds=$tmp/commands.txt
: >"$cmds"

log() { printf '==> %s\n' "$*" >&2; }

# run logs a shell command (with the temporary directory shown as $TMP)
# into the command list of the report, then runs it.
run() {
	printf '%s\n' "${1//$tmp/\$TMP}" >>"$cmds"
	log "${1//$tmp/\$TMP}"
	eval "$1"
}

# now prints the wall clock in seconds with microseconds.
now() { printf '%s' "$EPOCHREALTIME"; }

# calc evaluates an awk expression.
calc() { awk "BEGIN { printf \"%s\", $1 }" 2>/dev/null; }

# metric prints the values of unit (e.g. rows/s) on benchmark lines
# matching the regexp name, one per line.
metric() {
	awk -v name="$1" -v unit="$2" '$1 ~ name { for (i = 2; i <= NF; i++) if ($i == unit) print $(i-1) }' "$3"
}

# median, min and max of numbers on stdin: "median min max".
stats() {
	sort -g | awk '{ a[NR] = $1 } END {
		if (NR == 0) { print "nan nan nan"; exit }
		m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
		print m, a[1], a[NR] }'
}

# jsonint prints the first integer field $1 of the JSON file $2.
jsonint() { grep -m1 -o "\"$1\": [0-9][0-9]*" "$2" | grep -o '[0-9]*$'; }

# commas formats an integer as 267,840,000.
commas() { awk -v n="$1" 'BEGIN { s = sprintf("%d", n); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); print s }'; }

# millions formats a rate as "12.3 M".
millions() { calc "sprintf(\"%.1f M\", $1 / 1e6)"; }

# verdict prints met or MISSED for "value op goal".
verdict() { if [[ $(calc "($1) ? 1 : 0") == 1 ]]; then printf 'met'; else printf '**MISSED**'; fi; }

# --- GNU time for max RSS ----------------------------------------------
timev=/usr/bin/time
if ! [[ -x $timev ]] || ! "$timev" -v true >/dev/null 2>&1; then
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		log "installing GNU time for max RSS"
		apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y time >/dev/null 2>&1; } || true
	fi
fi
if [[ -x $timev ]] && "$timev" -v true >/dev/null 2>&1; then
	have_time=1
	tv() { printf '%s -v -o %s' "$timev" "$1"; }
else
	have_time=0
	log "GNU time not available: max RSS will be n/a"
	tv() { :; }
fi
# rss_mib prints the max RSS in MiB from a GNU time -v report, or n/a.
rss_mib() {
	if [[ $have_time == 1 && -s $1 ]]; then
		awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$1"
	else
		printf 'n/a'
	fi
}
cpu_s() {
	if [[ $have_time == 1 && -s $1 ]]; then
		awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.1f", u + s }' "$1"
	else
		printf 'n/a'
	fi
}

# --- build -------------------------------------------------------------
run "go build -o $tmp/slawatch ./cmd/slawatch"
run "go build -o $tmp/gensamples ./bench/gensamples"

# --- Go benchmarks -----------------------------------------------------
run "go test -run '^\$' -bench . -benchmem -benchtime $SAMPLE_BENCHTIME -count $SAMPLE_COUNT ./sample | tee $tmp/sample.txt"
run "go test -run '^\$' -bench . -benchmem -benchtime $ENGINE_BENCHTIME ./engine | tee $tmp/engine.txt"
run "go test -run '^\$' -bench 'BenchmarkEvaluate/series=1000/levels=uptime\\+loss\\+jitter\$' -benchtime 1x -cpuprofile $tmp/cpu.out -o $tmp/engine.test ./engine >/dev/null"
run "go tool pprof -top -nodecount 20 $tmp/engine.test $tmp/cpu.out 2>/dev/null | tee $tmp/pprof.txt"

read -r one_med one_min one_max < <(metric '^BenchmarkReaderOneSeries' rows/s "$tmp/sample.txt" | stats)
read -r int_med int_min int_max < <(metric '^BenchmarkReaderInterleaved' rows/s "$tmp/sample.txt" | stats)
# Benchmark names end in -GOMAXPROCS when it is above 1.
three='Evaluate/.*levels=uptime[+]loss[+]jitter(-[0-9]+)?$'
one='Evaluate/.*levels=uptime(-[0-9]+)?$'
eval3=$(metric "$three" records/s "$tmp/engine.txt" | stats | cut -d' ' -f1)
eval1=$(metric "$one" records/s "$tmp/engine.txt" | stats | cut -d' ' -f1)
eval3_ns=$(metric "$three" ns/record "$tmp/engine.txt" | stats | cut -d' ' -f1)
eval1_ns=$(metric "$one" ns/record "$tmp/engine.txt" | stats | cut -d' ' -f1)
month_s=$(calc "sprintf(\"%.2f\", 2678400 / $one_med)")

# --- the generator alone ---------------------------------------------
gen="$tmp/gensamples -series $SERIES -month $MONTH -per-minute $PER_MINUTE"
t0=$(now)
run "$gen >/dev/null"
gen_s=$(calc "$(now) - $t0")

# --- end to end: generator | slawatch evaluate ---------------------------
run "$tmp/gensamples -series $SERIES -month $MONTH -contract $tmp/bench.yaml -contract-only"
t0=$(now)
run "$gen | $(tv "$tmp/e2e.time") $tmp/slawatch evaluate --contract $tmp/bench.yaml --samples - --month $MONTH --format json >$tmp/e2e.json"
e2e_s=$(calc "$(now) - $t0")
e2e_rows=$(jsonint rows "$tmp/e2e.json")
e2e_rate=$(calc "$e2e_rows / $e2e_s")
gen_rate=$(calc "$e2e_rows / $gen_s")
e2e_rss=$(rss_mib "$tmp/e2e.time")
e2e_cpu=$(cpu_s "$tmp/e2e.time")
e2e_levels=$(jsonint levels "$tmp/e2e.json")
e2e_missed=$(jsonint levels_missed "$tmp/e2e.json")
e2e_records=$(calc "$SERIES * $(jsonint month_minutes "$tmp/e2e.json")")

# --- the shipped example ---------------------------------------------
ex_times=()
for i in $(seq "$EXAMPLE_RUNS"); do
	t0=$(now)
	cmd="$(tv "$tmp/ex.time") $tmp/slawatch evaluate --contract examples/aryaka.yaml --samples examples/aryaka-2026-10.csv.gz --month 2026-10 --format json >$tmp/ex.json"
	if [[ $i == 1 ]]; then run "$cmd"; else eval "$cmd"; fi
	ex_times+=("$(calc "$(now) - $t0")")
done
read -r ex_med ex_min ex_max < <(printf '%s\n' "${ex_times[@]}" | stats)
ex_rows=$(jsonint rows "$tmp/ex.json")
ex_rss=$(rss_mib "$tmp/ex.time")

# --- the report --------------------------------------------------------
if [[ $e2e_rss == n/a ]]; then
	rss_verdict="not measured (no GNU time)"
else
	rss_verdict=$(verdict "$e2e_rss < 1024")
fi
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
mem_total=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then commit="$commit (with uncommitted changes)"; fi

{
	cat <<EOF
# Benchmarks

Written by \`bench/run.sh\` on $(date -u +%Y-%m-%dT%H:%M:%SZ); rerun it to refresh
(\`FULL=1 bench/run.sh\` for the end-to-end run at 60 probes a minute).

Machine: $(nproc) cores ($cpu_model), $mem_total RAM, $(uname -sr), $(go version | cut -d' ' -f3-).
Commit: $commit. The machine is shared and noisy: rates vary by tens of percent
between runs, so the Go benchmarks are repeated and the median is reported
(with the range). Go benchmarks run with GOMAXPROCS=$(nproc) but the reader and the
evaluator are single-goroutine: their rates are one core's.

## Goals

| goal | target | measured | |
|---|---|---|---|
| parse samples, one series (\`BenchmarkReaderOneSeries\`) | >= 5 M rows/s on one core | $(millions "$one_med") rows/s (range $(millions "$one_min")–$(millions "$one_max")) | $(verdict "$one_med >= 5e6") |
| parse samples, 1,000 interleaved series (\`BenchmarkReaderInterleaved\`) | >= 5 M rows/s on one core | $(millions "$int_med") rows/s (range $(millions "$int_min")–$(millions "$int_max")) | $(verdict "$int_med >= 5e6") |
| a month of one series at 1/s (2,678,400 rows) | about 0.5 s (0.54 s at 5 M rows/s) | $month_s s (at the median rate above) | $(verdict "$month_s <= 0.54") |
| evaluate, 1,000 series × uptime+loss+jitter (\`BenchmarkEvaluate\`) | >= 50 M minute-records/s | $(millions "$eval3") records/s ($eval3_ns ns/record) | $(verdict "$eval3 >= 5e7") |
| evaluate, 1,000 series × uptime only (\`BenchmarkEvaluate\`) | >= 50 M minute-records/s | $(millions "$eval1") records/s ($eval1_ns ns/record) | $(verdict "$eval1 >= 5e7") |
| evaluate a month of $SERIES series from CSV, max RSS | < 1 GiB | $e2e_rss MiB | $rss_verdict |

A minute record is one series' minute; the evaluation benchmarks feed
1,000 series × 44,640 minutes (October 2026, no context needed by these
levels) = 44.64 M records per iteration, each record standing for 60 pings.
With three levels on every series each record is judged three times: the
three-level rate times 3 is the number of level-minutes judged per second.
The 50 M goal is met for one level per series and missed, read per record,
for three; single-series rules and values are judged as each record arrives,
and what remains is the three levels' own arithmetic.

## End to end

\`gensamples -series $SERIES -month $MONTH -per-minute $PER_MINUTE | slawatch evaluate --samples -\`:
$SERIES PrivateCore links (uptime, loss, jitter: $e2e_levels levels, $e2e_missed missed),
probes per series per minute: $PER_MINUTE. The generator and slawatch run on separate cores.

| figure | value |
|---|---|
| rows | $(commas "$e2e_rows") ($(commas "$e2e_records") minute records) |
| wall time | $(calc "sprintf(\"%.1f\", $e2e_s)") s |
| rows/s (wall) | $(millions "$e2e_rate") |
| slawatch CPU time (user+sys) | $e2e_cpu s |
| rows per slawatch CPU second | $( [[ $e2e_cpu == n/a ]] && echo n/a || millions "$(calc "$e2e_rows / $e2e_cpu")") |
| slawatch max RSS | $e2e_rss MiB |
| generator alone to /dev/null | $(calc "sprintf(\"%.1f\", $gen_s)") s, $(millions "$gen_rate") rows/s |

## The shipped example

\`slawatch evaluate\` on \`examples/aryaka.yaml\` with \`examples/aryaka-2026-10.csv.gz\`
($(commas "$ex_rows") rows, gzip), $EXAMPLE_RUNS runs: median $(calc "sprintf(\"%.3f\", $ex_med)") s
(range $(calc "sprintf(\"%.3f\", $ex_min)")–$(calc "sprintf(\"%.3f\", $ex_max)") s), max RSS $ex_rss MiB.

## Where the evaluation time goes

CPU profile of one iteration of \`BenchmarkEvaluate/series=1000/levels=uptime+loss+jitter\`
(\`go tool pprof -top\`):

\`\`\`
$(sed -n '/flat%/,$p' "$tmp/pprof.txt")
\`\`\`

## Raw benchmark output

\`\`\`
$(grep -hE '^(Benchmark|ok|goos|goarch|cpu|pkg)' "$tmp/sample.txt" "$tmp/engine.txt")
\`\`\`

## Commands

\$TMP is a temporary directory.

\`\`\`sh
$(cat "$cmds")
\`\`\`
EOF
	[ -f "$root/bench/agent.md" ] && { echo; cat "$root/bench/agent.md"; }
	[ -f "$root/bench/storage.md" ] && { echo; cat "$root/bench/storage.md"; }
	for f in serve.md serve-outage.md notify.md; do
		[ -f "$root/bench/$f" ] && { echo; sed 's/^# /## /' "$root/bench/$f"; }
	done
} >"$tmp/report.md"
[[ $OUT == /* ]] || OUT=$root/$OUT
mv "$tmp/report.md" "$OUT"
log "wrote $OUT"
