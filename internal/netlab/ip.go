package netlab

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// ip runs the ip command of iproute2 and returns its message on failure.
func ip(args ...string) error {
	_, err := ipOutput(args...)
	return err
}

// ipOutput runs ip and returns its standard output.
func ipOutput(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("ip", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return "", fmt.Errorf("ip %s: %w", strings.Join(args, " "), err)
		}
		return "", fmt.Errorf("ip %s: %s", strings.Join(args, " "), msg)
	}
	return stdout.String(), nil
}

// checkIP reports whether the ip command is there and knows namespaces.
func checkIP() error {
	if _, err := exec.LookPath("ip"); err != nil {
		return errors.New("the ip command (iproute2) is not installed")
	}
	if _, err := ipOutput("netns", "list"); err != nil {
		return err
	}
	return nil
}

// linkExists reports whether the root namespace has a link of that name.
func linkExists(name string) bool {
	return ip("link", "show", "dev", name) == nil
}

// namespaces returns the names in `ip netns list`, whose lines read
// "name" or "name (id: 3)".
func namespaces() ([]string, error) {
	out, err := ipOutput("netns", "list")
	if err != nil {
		return nil, err
	}
	var names []string
	for line := range strings.Lines(out) {
		if f := strings.Fields(line); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return names, nil
}

// links returns the names of the root namespace's links. `ip -o link`
// prints "7: name@peer: <FLAGS> ..." on one line per link.
func links() ([]string, error) {
	out, err := ipOutput("-o", "link", "show")
	if err != nil {
		return nil, err
	}
	var names []string
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
		names = append(names, name)
	}
	return names, nil
}
