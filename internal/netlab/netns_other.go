//go:build !linux

package netlab

import "errors"

// Network namespaces are Linux's; New skips elsewhere, so these only keep
// the package building for the tests that import it.

func (l *Lab) inNamespace(fn func() error) error {
	return errors.New("netlab: network namespaces are Linux-only")
}

func processGone(pid int) bool { return false }
