#!/usr/bin/env bash
# How close `slawatch agent` keeps to its schedule, and how exact its
# round trips are, at scale: agent/scale_test.go's TestAccuracyAtScale
# probes N targets once a second for SECONDS across a veth pair to the
# project's responder, which delays every reply by 10 ms, and logs p50,
# p99 and max of the send-time error (the responder's reading of each
# request less its slot) and of the RTT error (round trip less 10 ms).
# Run as root (network namespaces). Prints the load beside each run: the
# figures include the responder's own lateness, which grows with load.
#
# Usage: bench/agent-accuracy.sh [SECONDS] [N...]   (defaults: 30; 1000 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_=${1:-30}
shift || true
echo "# $(date -u +%FT%TZ) $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), Linux $(uname -r), $(go version | awk '{print $3}')"
for n in ${*:-1000 10000}; do
	echo "## N=$n, load at start $(awk '{ print $1 }' /proc/loadavg)"
	SLAWATCH_ACCURACY_TARGETS=$n SLAWATCH_ACCURACY_SECONDS=$SECONDS_ go test -count=1 -run '^TestAccuracyAtScale$' -v -timeout 20m ./agent |
		grep -E 'scale_test.go|^(ok|FAIL|---)'
	echo "load at end $(awk '{ print $1 }' /proc/loadavg)"
done
