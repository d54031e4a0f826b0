package progress

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		rows, minutes, total int64
		elapsed              time.Duration
		want                 string
	}{
		{0, 0, 44640, 0, "evaluate: 0 rows, 0 of 44,640 minutes (0%)"},
		// a month of 1/s data, 100 series: 60 × 100 rows a minute; a quarter in 10 s
		{66_960_000, 11_160, 44640, 10 * time.Second, "evaluate: 66,960,000 rows, 11,160 of 44,640 minutes (25%), 6,696,000 rows/s, 0:30 left"},
		{1_234_567, 40_000, 44640, 95 * time.Second, "evaluate: 1,234,567 rows, 40,000 of 44,640 minutes (89%), 12,995 rows/s, 0:12 left"},
		// over an hour left: h:mm:ss
		{999, 1, 44640, time.Second, "evaluate: 999 rows, 1 of 44,640 minutes (0%), 999 rows/s, 12:23:59 left"},
		// done: no time left; minutes past the total (context after the month) are the total
		{5000, 44700, 44640, 2 * time.Second, "evaluate: 5,000 rows, 44,640 of 44,640 minutes (100%), 2,500 rows/s"},
		// minutes before the month (context) count as none judged yet
		{10, -30, 44640, time.Second, "evaluate: 10 rows, 0 of 44,640 minutes (0%), 10 rows/s"},
		{7, 0, 0, time.Second, "evaluate: 7 rows, 0 of 0 minutes, 7 rows/s"},
	} {
		if got := Format("evaluate", tc.rows, tc.minutes, tc.total, tc.elapsed); got != tc.want {
			t.Errorf("Format(%d, %d, %d, %s)\n got %q\nwant %q", tc.rows, tc.minutes, tc.total, tc.elapsed, got, tc.want)
		}
	}
}

func TestGroup(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234", 100000: "100,000"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
}

// The meter redraws at most every 250 ms on its clock, over the longest
// line yet, and Done blanks it.
func TestMeter(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var b bytes.Buffer
	m := NewOn(&b, "evaluate", 100, clock)
	m.Update(10, 0) // at 0: drawn (nothing drawn before)
	now = now.Add(100 * time.Millisecond)
	m.Update(20, 1) // too soon
	now = now.Add(200 * time.Millisecond)
	m.Update(30, 50)
	m.Done()
	last := "evaluate: 30 rows, 50 of 100 minutes (50%), 100 rows/s, 0:01 left"
	want := "\revaluate: 10 rows, 0 of 100 minutes (0%)" + "\r" + last + "\r" + strings.Repeat(" ", len(last)) + "\r"
	if got := b.String(); got != want {
		t.Errorf("drew %q\nwant %q", got, want)
	}
}

// Off a terminal nothing is written: a buffer, a pipe, a file.
func TestSilentOffTerminal(t *testing.T) {
	var b bytes.Buffer
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f, err := os.Create(t.TempDir() + "/log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, out := range []io.Writer{&b, w, f} {
		m := New(out, "evaluate", 100)
		for i := range int64(100) {
			m.Update(i*1000, i)
		}
		m.Done()
	}
	w.Close()
	var piped bytes.Buffer
	piped.ReadFrom(r)
	st, _ := f.Stat()
	if b.Len() != 0 || piped.Len() != 0 || st.Size() != 0 {
		t.Errorf("wrote %q to a buffer, %q to a pipe, %d bytes to a file", b.String(), piped.String(), st.Size())
	}
}
