package netlab

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"testing"
)

func TestOrphaned(t *testing.T) {
	dead := deadPID(t)
	tests := []struct {
		name string
		want bool
	}{
		{fmt.Sprintf("netlab-%d-3", dead), true},
		{fmt.Sprintf("netlab-%d-3", os.Getpid()), false},
		{fmt.Sprintf("netlab-%d", dead), false},
		{fmt.Sprintf("netlab-%d-x", dead), false},
		{"netlab--3", false},
		{fmt.Sprintf("other-%d-3", dead), false},
	}
	for _, tt := range tests {
		if got := orphaned(tt.name, nsPrefix); got != tt.want {
			t.Errorf("orphaned(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestSweepRemovesLeftovers plays a test binary killed before its
// cleanups ran: its namespace and veth are still there, its pid is gone.
func TestSweepRemovesLeftovers(t *testing.T) {
	l := New(t) // skips unless labs can be made
	dead := deadPID(t)
	ns := fmt.Sprintf("%s%d-1", nsPrefix, dead)
	link := fmt.Sprintf("%s%d-1", linkPrefix, dead)
	if err := ip("netns", "add", ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ip("netns", "del", ns) })
	if err := ip("link", "add", link, "type", "veth", "peer", "name", "x0", "netns", ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ip("link", "del", link) })
	sweep()
	if names, _ := namespaces(); slices.Contains(names, ns) {
		t.Errorf("namespace %s survived the sweep", ns)
	}
	if linkExists(link) {
		t.Errorf("link %s survived the sweep", link)
	}
	if names, _ := namespaces(); !slices.Contains(names, l.Name()) {
		t.Errorf("the sweep removed the live lab %s", l.Name())
	}
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run true: %v", err)
	}
	return cmd.Process.Pid
}
