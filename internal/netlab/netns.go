package netlab

import (
	"fmt"
	"os"
	"strings"
)

// Do runs fn on an OS thread switched into the lab's namespace and returns
// fn's error. Sockets fn opens stay in the namespace for their lifetime,
// wherever they are used afterwards; that is how a test puts a server
// inside the lab.
//
// fn runs on a goroutine of its own, locked to its thread: it must not
// call t.Fatal (return an error instead), and goroutines it starts run in
// the root namespace. A panic in fn is re-raised in the caller.
func (l *Lab) Do(fn func() error) error {
	type result struct {
		err   error
		panic any
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			r.panic = recover()
			done <- r
		}()
		r.err = l.inNamespace(fn)
	}()
	r := <-done
	if r.panic != nil {
		panic(r.panic)
	}
	return r.err
}

// Sysctl sets a sysctl inside the lab's namespace, the key written as for
// sysctl(8): Sysctl("net.ipv4.icmp_echo_ignore_all", "1"). Only
// per-namespace keys (net.*) make sense; others would change the machine.
func (l *Lab) Sysctl(key, value string) error {
	err := l.Do(func() error {
		return os.WriteFile(sysctlPath(key), []byte(value), 0)
	})
	if err != nil {
		return fmt.Errorf("sysctl %s=%s in %s: %w", key, value, l.name, err)
	}
	return nil
}

// ReadSysctl returns a sysctl's value inside the lab's namespace, without
// the trailing newline. Fields of multi-valued keys are tab-separated, as
// the kernel prints them.
func (l *Lab) ReadSysctl(key string) (string, error) {
	var value string
	err := l.Do(func() error {
		b, err := os.ReadFile(sysctlPath(key))
		value = strings.TrimSuffix(string(b), "\n")
		return err
	})
	if err != nil {
		return "", fmt.Errorf("sysctl %s in %s: %w", key, l.name, err)
	}
	return value, nil
}

// sysctlPath maps net.ipv4.ping_group_range to its /proc/sys file.
func sysctlPath(key string) string {
	return "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
}
