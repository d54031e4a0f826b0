package demo

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// Listener is a TCP listener on loopback that the agent's TCP connect
// probes measure. It accepts and closes every connection; closing it
// (Down) makes every connect fail with "connection refused" until Up
// listens again on the same port: a real outage, seen by real probes.
type Listener struct {
	Name string
	Addr string // 127.0.0.1:port, fixed for the listener's life

	mu   sync.Mutex
	ln   net.Listener // nil while down
	done chan struct{}
}

// Listen starts a listener on 127.0.0.1:0.
func Listen(name string) (*Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: listener %s: %w", name, err)
	}
	l := &Listener{Name: name, Addr: ln.Addr().String()}
	l.serve(ln)
	return l, nil
}

func (l *Listener) serve(ln net.Listener) {
	l.ln, l.done = ln, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}(l.done)
}

// Down closes the listener; probes are refused until Up.
func (l *Listener) Down() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln == nil {
		return
	}
	l.ln.Close()
	<-l.done
	l.ln = nil
}

// Up listens again on the listener's port. The port was ours a moment
// ago, but another process may have taken it meanwhile: a few tries,
// then the error.
func (l *Listener) Up() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		return nil
	}
	var err error
	for range 20 {
		var ln net.Listener
		if ln, err = net.Listen("tcp", l.Addr); err == nil {
			l.serve(ln)
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("demo: listener %s: listen again on %s: %w", l.Name, l.Addr, err)
}

// IsUp reports whether the listener is listening.
func (l *Listener) IsUp() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ln != nil
}

// Close stops the listener for good.
func (l *Listener) Close() { l.Down() }

// closeAll closes every listener.
func closeAll(ls []*Listener) {
	for _, l := range ls {
		if l != nil {
			l.Close()
		}
	}
}
