#!/usr/bin/env bash
# Side by side: `slawatch agent` and fping, each pinging N distinct
# loopback addresses (127.x.y.z) once a second for DURATION seconds, one
# after the other (never together: a raw ICMP socket sees every echo reply
# on the host). fping is run with each send gap of FPING_GAPS and the best
# kept (the most probes a second, then the least CPU a probe); the ratio
# of CPU per probe, slawatch over fping's best, is the figure to read:
# absolute CPU varies between machines and with the load beside the run,
# which every line states (uptime's 1-minute load average at its end).
#
# For slawatch it also says where lost probes went: the kernel's ICMP
# counters (/proc/net/snmp: InErrors, replies sent and received, rate
# limits), the softnet backlog drops (/proc/net/softnet_stat: loopback
# queues every request and reply there) and the agent's own socket's
# receive buffer drops (SO_RXQ_OVFL, logged by the agent), against what
# the agent counted lost, late and skipped. Then one memory run: 100,000
# targets at 30 s, unless SKIP_100K is set.
#
# Usage: bench/agent-vs-fping.sh [DURATION] [N...]   (as root; installs fping)
# Defaults: 65 s; N = 100 1000 10000 50000 100000 (fping is not run at
# 100,000); FPING_GAPS="auto 0.01" (auto: the gap that fits a shard's
# targets in the 1 s period); NOSTAMPS=1 adds, at every N fping runs at, a
# slawatch run with icmp_send_stamps: false (the ratio line uses the
# default, with the kernel's send stamps).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-65}
shift || true
NS=${*:-100 1000 10000 50000 100000}
FPING_GAPS=${FPING_GAPS:-auto 0.01}
OUT=${OUT:-/tmp/slawatch-bench-agent}
mkdir -p "$OUT"

command -v fping >/dev/null || { apt-get update -qq && apt-get install -y -qq fping >/dev/null; }
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
go build -o "$OUT/slawatch" ./cmd/slawatch

load() { awk '{ print $1 }' /proc/loadavg; }

# addresses N: 127.1.0.1, 127.1.0.2, ... skipping .0 and .255
addresses() {
	awk -v n="$1" 'BEGIN { c = 0; for (b = 1; c < n; b++) for (x = 0; x < 256 && c < n; x++) for (y = 1; y < 255 && c < n; y++) { print "127." b "." x "." y; c++ } }'
}

# counters prints the kernel's counters that say where a reply may be
# lost: ICMP InErrors, InEchoReps, OutEchoReps, OutRateLimitGlobal,
# OutRateLimitHost, and the softnet backlog drops summed over CPUs.
counters() {
	awk '/^Icmp:/ { if (!h) { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
		printf "%d %d %d %d %d ", $col["InErrors"], $col["InEchoReps"], $col["OutEchoReps"], $col["OutRateLimitGlobal"], $col["OutRateLimitHost"] }' /proc/net/snmp
	awk '{ d += strtonum("0x" $2) } END { print d }' /proc/net/softnet_stat
}

slawatch_run() { # n interval [stamps]
	local n=$1 iv=$2 stamps=${3:-true} dir="$OUT/slawatch-$1-$2-${3:-true}"
	rm -rf "$dir" && mkdir -p "$dir"
	{ echo "series,kind,target,interval,timeout"; addresses "$n" | awk -v iv="$iv" '{ print "t" NR ",icmp," $1 "," iv ",1s" }'; } >"$dir/targets.csv"
	printf 'agent: bench\nicmp_send_stamps: %s\ndefaults: {payload_bytes: 56}\ntargets_csv: [targets.csv]\n' "$stamps" >"$dir/agent.yaml"
	local before after
	before=$(counters)
	/usr/bin/time -f "%U %S %M" -o "$dir/time" "$OUT/slawatch" agent --config "$dir/agent.yaml" \
		--out "$dir/out.csv" --duration "${DURATION}s" 2>"$dir/log" || { tail "$dir/log"; exit 1; }
	after=$(counters)
	read -r user sys rss <"$dir/time"
	stopped=$(grep 'msg=stopped' "$dir/log")
	field() { sed -E "s/.* $1=([0-9]+).*/\1/" <<<"$stopped"; }
	sent=$(field sent) lost=$(field lost) late=$(field late) skipped=$(field skipped)
	rcvbuf=$(grep -o 'receive_buffer_drops=[0-9]*' "$dir/log" | tail -n 1 | cut -d= -f2 || true)
	stamped=$(grep -o 'send_stamped=[0-9]*' "$dir/log" | tail -n 1 | cut -d= -f2 || true)
	procs=$(grep -o ' procs=[0-9]*' "$dir/log" | head -n 1 | cut -d= -f2 || true)
	read -r -a b <<<"$before"
	read -r -a a <<<"$after"
	# the period: every target's probe count over the run (DURATION / interval
	# each, give or take the one due at the instant of the stop)
	period=$(awk -F, 'NR > 1 { s[$2] += $3 } END { lo = -1; for (k in s) { if (lo < 0 || s[k] < lo) lo = s[k]; if (s[k] > hi) hi = s[k] }; print lo "-" hi }' "$dir/out.csv")
	cpu=$(bc -l <<<"$user+$sys")
	printf 'slawatch N=%-6s interval=%-3s sent=%s probes/s=%.0f loss=%.4f%% late=%s skipped=%s cpu=%.2fs (user %s sys %s) us/probe=%.2f rss=%.1fMiB per-target probes=%s procs=%s send-stamped=%s (icmp_send_stamps: %s) load=%s\n' \
		"$n" "$iv" "$sent" "$(bc -l <<<"$sent/$DURATION")" "$(bc -l <<<"100*$lost/$sent")" "$late" "$skipped" \
		"$cpu" "$user" "$sys" "$(bc -l <<<"1000000*$cpu/$sent")" "$(bc -l <<<"$rss/1024")" "$period" "${procs:-?}" "${stamped:-?}" "$stamps" "$(load)"
	printf '         lost %s: icmp InErrors +%s, echo replies sent by the kernel +%s, received +%s, rate-limited +%s global +%s host, softnet backlog drops +%s, agent socket receive-buffer drops %s\n' \
		"$lost" $((a[0] - b[0])) $((a[2] - b[2])) $((a[1] - b[1])) $((a[3] - b[3])) $((a[4] - b[4])) $((a[5] - b[5])) "${rcvbuf:-n/a}"
	[ "$stamps" = true ] && echo "$n $(bc -l <<<"1000000*$cpu/$sent")" >>"$OUT/slawatch.us"
	return 0
}

# fping keeps a map of 65,535 sequence numbers that expire after 10 s,
# so one process cannot keep more than about 6,500 probes a second in
# flight (at N = 50,000 it exits: "not enough sequence numbers
# available"). The peer is therefore fping sharded: one process per 5,000
# targets (SHARD), all at once, CPU summed over them; RSS is the largest
# process's, times the number of processes.
SHARD=${SHARD:-5000}
fping_run() { # n gap
	local n=$1 gap=$2 dir="$OUT/fping-$1-$2"
	rm -rf "$dir" && mkdir -p "$dir"
	addresses "$n" | split -l "$SHARD" -d -a 3 - "$dir/targets."
	local shards
	shards=$(ls "$dir"/targets.* | wc -l)
	[ "$gap" = auto ] && gap=$(bc -l <<<"scale=4; 1000/($n/$shards)")
	/usr/bin/time -f "%U %S %M" -o "$dir/time" bash -c '
		for f in "$1"/targets.*; do
			timeout -s INT "$2" fping -l -q -p 1000 -t 1000 -i "$3" -f "$f" >/dev/null 2>"$f.summary" &
		done
		wait' _ "$dir" "$DURATION" "$gap" || true
	read -r user sys rss < <(tail -n 1 "$dir/time")
	read -r xmt rcv < <(cat "$dir"/*.summary | awk -F'[ /=,]+' '/xmt\/rcv/ { for (i = 1; i <= NF; i++) if ($i == "%loss") { x += $(i + 1); r += $(i + 2) } } END { print x + 0, r + 0 }')
	if [ "$xmt" = 0 ]; then
		echo "fping    N=$n -i $gap: failed: $(cat "$dir"/*.summary | grep -v xmt | head -n 2)"
		return
	fi
	cpu=$(bc -l <<<"$user+$sys")
	printf 'fping    N=%-6s interval=1s  sent=%s probes/s=%.0f loss=%.4f%% cpu=%.2fs (user %s sys %s) us/probe=%.2f rss=%.1fMiB x %s processes (-i %s ms) load=%s\n' \
		"$n" "$xmt" "$(bc -l <<<"$xmt/$DURATION")" "$(bc -l <<<"100*($xmt-$rcv)/$xmt")" \
		"$cpu" "$user" "$sys" "$(bc -l <<<"1000000*$cpu/$xmt")" "$(bc -l <<<"$rss/1024")" "$shards" "$gap" "$(load)"
	echo "$n $xmt $(bc -l <<<"1000000*$cpu/$xmt") $gap" >>"$OUT/fping.us"
}

# best prints fping's best run at n: the most probes, then the least CPU
# a probe; and the ratio of slawatch's CPU a probe to it.
best() { # n
	local n=$1
	awk -v n="$n" '$1 == n { if ($2 > x * 1.01 || ($2 >= x * 0.99 && $3 < us)) { x = $2; us = $3; gap = $4 } }
		END { if (x) printf "%s %s %s\n", us, gap, x }' "$OUT/fping.us" |
		while read -r us gap _; do
			s=$(awk -v n="$n" '$1 == n { print $2 }' "$OUT/slawatch.us" | tail -n 1)
			printf 'ratio    N=%-6s slawatch %.2f us/probe, fping best (-i %s ms) %.2f us/probe: slawatch/fping = %.2f\n' "$n" "$s" "$gap" "$us" "$(bc -l <<<"$s/$us")"
		done
}

rm -f "$OUT/slawatch.us" "$OUT/fping.us"
echo "# $(date -u +%FT%TZ) $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), Linux $(uname -r), fping $(fping --version 2>&1 | awk '{print $NF}'), $(go version | awk '{print $3}'), ${DURATION}s per run, load at start $(load)"
for n in $NS; do
	slawatch_run "$n" 1s
	[ "$n" -gt 50000 ] && continue
	[ "${NOSTAMPS:-}" ] && slawatch_run "$n" 1s false
	for gap in $FPING_GAPS; do
		fping_run "$n" "$gap"
	done
	best "$n"
done
# memory: 100,000 targets every 30 s (the regional-ISP shape)
[ "${SKIP_100K:-}" ] || slawatch_run 100000 30s
