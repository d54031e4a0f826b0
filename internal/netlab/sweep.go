package netlab

import (
	"strconv"
	"strings"
)

// Names of labs carry the creating process's id, so that a lab left
// behind by a test binary that was killed (a timeout does not run
// cleanups) can be recognised and removed by the next one.
const (
	nsPrefix   = "netlab-" // netlab-<pid>-<seq>
	linkPrefix = "nl"      // nl<pid>-<seq>
)

// sweep removes labs whose process is gone. It is best effort: another
// test binary may be sweeping the same leftovers at the same moment.
func sweep() {
	if names, err := namespaces(); err == nil {
		for _, name := range names {
			if orphaned(name, nsPrefix) {
				_ = ip("netns", "del", name)
			}
		}
	}
	if names, err := links(); err == nil {
		for _, name := range names {
			if orphaned(name, linkPrefix) {
				_ = ip("link", "del", name)
			}
		}
	}
}

// orphaned reports whether name is prefix<pid>-<seq> and no process pid
// exists.
func orphaned(name, prefix string) bool {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return false
	}
	pidText, seqText, ok := strings.Cut(rest, "-")
	if !ok {
		return false
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return false
	}
	if _, err := strconv.Atoi(seqText); err != nil {
		return false
	}
	return processGone(pid)
}
