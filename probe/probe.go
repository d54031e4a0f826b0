// Package probe measures paths: ICMP echo, TCP connect, HTTP(S) and DNS.
//
// Every kind has one file (icmp.go, tcp.go, http.go, dns.go) holding a Spec,
// the target's configuration as it appears in agent.yaml, and what probes
// it. TCP, HTTP and DNS probes are Checkers: one call, one probe, the
// deadline in the context, run on a goroutine of their own by the agent's
// scheduler. ICMP is different because it must scale to 100,000 targets at
// one probe a second: one Pinger per address family shares one socket among
// all ICMP targets, and the scheduler drives it directly.
//
// The round-trip time of a probe is measured by the caller, around Check
// (or from send to matched reply for ICMP), on the monotonic clock.
package probe

import (
	"context"
	"errors"
)

// A Checker performs one probe of one target. It returns nil when the probe
// succeeded and an error saying why not otherwise; a probe that ran out of
// time returns an error wrapping ErrTimeout. Check must honour ctx's
// deadline and must be safe to call from several goroutines at once (a
// slow target may still be answering the previous probe).
type Checker interface {
	Check(ctx context.Context) error
}

// ErrTimeout is wrapped by the error of a probe that got no answer in time.
var ErrTimeout = errors.New("timeout")
