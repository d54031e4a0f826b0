package deliver

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/sample"
)

var rec = slawatch.SeriesMinute{Series: "p1", M: slawatch.Minute{Sent: 2, Received: 1, RTTSum: 500, RTTSumSq: 250000, RTTMin: 500, RTTMax: 500, FirstReply: 4, LastReply: 4}}

// writeMinutes opens path as --out does, writes the minutes given
// through Outputs and closes it, returning what the file then holds.
func writeMinutes(t *testing.T, path string, minutes ...int64) string {
	t.Helper()
	f, err := OpenFile(path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	o := &Outputs{Log: slog.New(slog.DiscardHandler), File: f}
	for _, m := range minutes {
		if err := o.Write(m, []slawatch.SeriesMinute{rec}); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// A file is continued where its last complete line ends: a torn line is
// cut off, and minutes it holds are not written again.
func TestFileContinues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.csv")
	first := writeMinutes(t, path, 29_000_000, 29_000_001)
	if err := os.WriteFile(path, []byte(first+"2025-02-19T21:22:00Z,p1,2,"), 0o644); err != nil { // torn
		t.Fatal(err)
	}
	got := writeMinutes(t, path, 29_000_001, 29_000_002)
	want := sample.MinuteHeader + "\n" +
		"2025-02-19T21:20:00Z,p1,2,1,500,250000,500,500,3,3\n" +
		"2025-02-19T21:21:00Z,p1,2,1,500,250000,500,500,3,3\n" +
		"2025-02-19T21:22:00Z,p1,2,1,500,250000,500,500,3,3\n"
	if got != want {
		t.Errorf("file:\n%s\nwant:\n%s", got, want)
	}
}

// A file with the header of minutes before reply timing goes on untimed.
func TestFileContinuesUntimed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.csv")
	old := sample.MinuteHeaderUntimed + "\n2025-02-19T21:20:00Z,p1,2,1,500,250000,500,500\n"
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	got := writeMinutes(t, path, 29_000_001)
	if want := old + "2025-02-19T21:21:00Z,p1,2,1,500,250000,500,500\n"; got != want {
		t.Errorf("file:\n%s\nwant:\n%s", got, want)
	}
}

func TestFileRefusesOtherFiles(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"probe rows", sample.Header + "\n2026-10-01T00:00:07Z,web,12.5\n", `:1: header "time,series,rtt_ms" is of probe rows; want minute records`},
		{"not a minute", sample.MinuteHeader + "\nnow,p1,1,0,0,0,0,0,,\n", `:2: field minute: "now" is not an RFC 3339 time`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.csv")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := OpenFile(path, slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), path+tc.want) || !strings.Contains(err.Error(), "--out continues only a minute-records file it wrote") {
				t.Errorf("got %v, want %q", err, tc.want)
			}
			if data, _ := os.ReadFile(path); string(data) != tc.text {
				t.Errorf("the file was changed to %q", data)
			}
		})
	}
}
