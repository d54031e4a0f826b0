#!/usr/bin/env bash
# Side by side: `slawatch agent` and fping, each pinging N distinct
# loopback addresses (127.x.y.z) once a second for DURATION seconds, one
# after the other (never together: a raw ICMP socket sees every echo reply
# on the host). Reports probes/s, loss, CPU seconds, peak RSS, and for
# slawatch whether every target kept its 1-second period (60 probes in
# every full minute). Then one memory run: 100,000 targets at 30 s.
#
# Usage: bench/agent-vs-fping.sh [DURATION] [N...]   (as root; installs fping)
# Defaults: 65 s; N = 1000 10000 50000.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-65}
shift || true
NS=${*:-1000 10000 50000}
OUT=${OUT:-/tmp/slawatch-bench-agent}
mkdir -p "$OUT"

command -v fping >/dev/null || { apt-get update -qq && apt-get install -y -qq fping >/dev/null; }
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
go build -o "$OUT/slawatch" ./cmd/slawatch

# addresses N: 127.1.0.1, 127.1.0.2, ... skipping .0 and .255
addresses() {
	awk -v n="$1" 'BEGIN { c = 0; for (b = 1; c < n; b++) for (x = 0; x < 256 && c < n; x++) for (y = 1; y < 255 && c < n; y++) { print "127." b "." x "." y; c++ } }'
}

slawatch_run() { # n interval
	local n=$1 iv=$2 dir="$OUT/slawatch-$1-$2"
	rm -rf "$dir" && mkdir -p "$dir"
	{ echo "series,kind,target,interval,timeout"; addresses "$n" | awk -v iv="$iv" '{ print "t" NR ",icmp," $1 "," iv ",1s" }'; } >"$dir/targets.csv"
	printf 'agent: bench\ndefaults: {payload_bytes: 56}\ntargets_csv: [targets.csv]\n' >"$dir/agent.yaml"
	/usr/bin/time -f "%U %S %M" -o "$dir/time" "$OUT/slawatch" agent --config "$dir/agent.yaml" \
		--out "$dir/out.csv" --duration "${DURATION}s" 2>"$dir/log" || { tail "$dir/log"; exit 1; }
	read -r user sys rss <"$dir/time"
	stopped=$(grep 'msg=stopped' "$dir/log")
	sent=$(sed -E 's/.* sent=([0-9]+).*/\1/' <<<"$stopped")
	lost=$(sed -E 's/.* lost=([0-9]+).*/\1/' <<<"$stopped")
	skipped=$(sed -E 's/.* skipped=([0-9]+).*/\1/' <<<"$stopped")
	# the period: every target's probe count over the run (DURATION / interval
	# each, give or take the one due at the instant of the stop)
	period=$(awk -F, 'NR > 1 { s[$2] += $3 } END { lo = -1; for (k in s) { if (lo < 0 || s[k] < lo) lo = s[k]; if (s[k] > hi) hi = s[k] }; print lo "-" hi }' "$dir/out.csv")
	printf 'slawatch N=%-6s interval=%-3s sent=%s probes/s=%.0f loss=%.4f%% skipped=%s cpu=%.2fs (user %s sys %s) rss=%.1fMiB per-target probes=%s\n' \
		"$n" "$iv" "$sent" "$(bc -l <<<"$sent/$DURATION")" "$(bc -l <<<"100*$lost/$sent")" "$skipped" \
		"$(bc -l <<<"$user+$sys")" "$user" "$sys" "$(bc -l <<<"$rss/1024")" "$period"
}

# fping keeps a map of 65,535 sequence numbers that expire after 10 s,
# so one process cannot keep more than about 6,500 probes a second in
# flight (at N = 50,000 it exits: "not enough sequence numbers
# available"). The peer is therefore fping sharded: one process per 5,000
# targets (SHARD), all at once, CPU summed over them; RSS is the largest
# process's, times the number of processes.
SHARD=${SHARD:-5000}
fping_run() { # n
	local n=$1 dir="$OUT/fping-$1"
	rm -rf "$dir" && mkdir -p "$dir"
	addresses "$n" | split -l "$SHARD" -d -a 3 - "$dir/targets."
	local shards gap
	shards=$(ls "$dir"/targets.* | wc -l)
	gap=$(bc -l <<<"scale=4; 1000/($n/$shards)") # the gap between sends, so that a shard's targets fit in 1 s
	/usr/bin/time -f "%U %S %M" -o "$dir/time" bash -c '
		for f in "$1"/targets.*; do
			timeout -s INT "$2" fping -l -q -p 1000 -t 1000 -i "$3" -f "$f" >/dev/null 2>"$f.summary" &
		done
		wait' _ "$dir" "$DURATION" "$gap" || true
	read -r user sys rss < <(tail -n 1 "$dir/time")
	read -r xmt rcv < <(cat "$dir"/*.summary | awk -F'[ /=,]+' '/xmt\/rcv/ { for (i = 1; i <= NF; i++) if ($i == "%loss") { x += $(i + 1); r += $(i + 2) } } END { print x + 0, r + 0 }')
	if [ "$xmt" = 0 ]; then
		echo "fping    N=$n: failed: $(cat "$dir"/*.summary | grep -v xmt | head -n 2)"
		return
	fi
	printf 'fping    N=%-6s interval=1s  sent=%s probes/s=%.0f loss=%.4f%% cpu=%.2fs (user %s sys %s) rss=%.1fMiB x %s processes (-i %s ms)\n' \
		"$n" "$xmt" "$(bc -l <<<"$xmt/$DURATION")" "$(bc -l <<<"100*($xmt-$rcv)/$xmt")" \
		"$(bc -l <<<"$user+$sys")" "$user" "$sys" "$(bc -l <<<"$rss/1024")" "$shards" "$gap"
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(uname -r), fping $(fping --version 2>&1 | awk '{print $NF}'), $(go version | awk '{print $3}'), ${DURATION}s per run"
for n in $NS; do
	slawatch_run "$n" 1s
	fping_run "$n"
done
# memory: 100,000 targets every 30 s (the regional-ISP shape)
[ "${SKIP_100K:-}" ] || slawatch_run 100000 30s
