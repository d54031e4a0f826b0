#!/usr/bin/env bash
# The six-minute outage of agent/accuracy_test.go (TestOutageSixMinutes)
# in real time rather than on the test's fake clock: a responder in a
# network namespace stops answering for six minutes; the agent's minutes
# go through the engine, which must find 6 IIJ down minutes (one outage)
# and 6 Aryaka down minutes. Takes about 11 minutes. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
SLAWATCH_OUTAGE_SCALE=1 go test -run '^TestOutageSixMinutes$' -count=1 -v -timeout 20m ./agent
