#!/usr/bin/env bash
# bench/storage-size.sh measures what a steady minute record costs on disk
# in the SQLite store: it runs store's TestStorageSize on the full
# workload, 1,000 series for 30 days (43.2 M records, about 6 minutes on 2
# cores per jitter level), written through WriteMinutes by 4 agents and
# compacted every hour as the server does; then the file is checkpointed
# and vacuumed, its size divided by the records, and every record read back
# and compared with the one written.
#
#   bench/storage-size.sh                     # jitter 100 µs
#   JITTERS="20 100 500 2000" bench/storage-size.sh
#
# Knobs (environment): SERIES (1000), AGENTS (4), DAYS (30), JITTERS (100:
# the standard deviation of each probe's RTT around its 8-12 ms base, µs),
# MIX (0; 1: the realistic mix of probe rates below), UNTIMED (0; 1: replies
# without their second, as agents from before reply timing send them).
# The records: 60 probes a minute at 1 Hz, replies timed to the second;
# 2% of minutes lose a burst of 1-3 probes, 1 in 5,000 loses all; 1 probe
# in 500 is delayed by 2 ms on average; a slow daily drift of ±200 µs.
# The mix: of ten series five at 1 Hz, two every 30 s (:15 and :45), one
# every 10 s, one at 1 Hz untimed, one at 1 Hz whose first probe's second
# moves every 3 hours. See store/gen_test.go.
set -euo pipefail
cd "$(dirname "$0")/.."

SERIES=${SERIES:-1000}
AGENTS=${AGENTS:-4}
DAYS=${DAYS:-30}
JITTERS=${JITTERS:-100}
MIX=${MIX:-0}
UNTIMED=${UNTIMED:-0}

for j in $JITTERS; do
	SLAWATCH_SIZE_SERIES=$SERIES SLAWATCH_SIZE_AGENTS=$AGENTS SLAWATCH_SIZE_DAYS=$DAYS SLAWATCH_SIZE_JITTER=$j \
		SLAWATCH_SIZE_MIX=$MIX SLAWATCH_SIZE_UNTIMED=$UNTIMED \
		go test -run '^TestStorageSize$' -count=1 -v -timeout 3h ./store/ | grep -E 'size_test|FAIL|^ok'
done
