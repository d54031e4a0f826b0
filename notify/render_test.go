package notify

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestRenderGolden(t *testing.T) {
	aryaka := Notice{
		ID: "inc-7/outage", Kind: KindOutage, Customer: "acme", Incident: "inc-7",
		Sites:    []Site{{Service: "privatecore", Site: "fra1", Level: "aryaka/privatecore-uptime"}},
		Start:    at(t, "2026-10-03T22:58:00Z"),
		Detected: at(t, "2026-10-03T23:01:00Z"),
	}
	for _, tc := range []struct {
		name string
		n    Notice
	}{
		{"iij-outage", iijOutage(t)},
		{"iij-recovery", iijRecovery(t)},
		{"aryaka-outage-utc", aryaka}, // no name, no zone, a site without its own start
	} {
		t.Run(tc.name, func(t *testing.T) {
			subject, body, err := Render(tc.n)
			if err != nil {
				t.Fatal(err)
			}
			got := "Subject: " + subject + "\n\n" + body
			golden(t, filepath.Join("testdata", "render", tc.name+".golden"), got)
			if s2, b2, _ := Render(tc.n); s2 != subject || b2 != body {
				t.Error("a second rendering differs")
			}
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./notify -run %s -update)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestRenderSitesOrder: the server's order of sites does not change the text.
func TestRenderSitesOrder(t *testing.T) {
	a, b := iijOutage(t), iijOutage(t)
	b.Sites[0], b.Sites[1] = b.Sites[1], b.Sites[0]
	_, ba, _ := Render(a)
	_, bb, _ := Render(b)
	if ba != bb {
		t.Error("the order of sites changes the body")
	}
}

func TestRenderErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Notice)
		want string
	}{
		{"no id", func(n *Notice) { n.ID = "" }, "notice has no id"},
		{"space in id", func(n *Notice) { n.ID = "inc 42" }, `notice id "inc 42": only printable ASCII without spaces`},
		{"kind", func(n *Notice) { n.Kind = "down" }, `notice inc-42/outage: kind "down" is not "outage", "recovery" or "test"`},
		{"recovery without end", func(n *Notice) { n.Kind = KindRecovery }, "notice inc-42/outage: recovery without an end"},
		{"end before start", func(n *Notice) {
			n.Kind, n.End = KindRecovery, ptr(n.Start.Add(-time.Minute))
		}, "notice inc-42/outage: ends before it starts"},
		{"no start", func(n *Notice) { n.Start = time.Time{} }, "notice inc-42/outage: no start time"},
		{"zone", func(n *Notice) { n.Timezone = "Asia/Nowhere" }, "notice inc-42/outage: timezone: unknown time zone Asia/Nowhere"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := iijOutage(t)
			tc.edit(&n)
			_, _, err := Render(n)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                               "0 s",
		45 * time.Second:                "45 s",
		time.Minute:                     "1 min",
		83*time.Minute + 59*time.Second: "1 h 23 min",
		2 * time.Hour:                   "2 h",
		26*time.Hour + 5*time.Minute:    "1 d 2 h 5 min",
		48 * time.Hour:                  "2 d",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%s) = %q, want %q", d, got, want)
		}
	}
}

// A test notice says it is one and tells of no outage.
func TestRenderTest(t *testing.T) {
	at := time.Date(2026, 10, 20, 3, 0, 0, 0, time.UTC)
	subj, body, err := Render(Notice{ID: "kaisha/test/1", Kind: KindTest, Customer: "kaisha", CustomerName: "Kaisha K.K.", Start: at, Timezone: "Asia/Tokyo"})
	if err != nil {
		t.Fatal(err)
	}
	if subj != "[slawatch] Test notice: Kaisha K.K. [kaisha/test/1]" {
		t.Errorf("subject %q", subj)
	}
	for _, want := range []string{"TEST NOTICE: Kaisha K.K. (kaisha)", "There is no outage.", "Requested:", "Tue 20 Oct 2026 12:00 JST (2026-10-20T12:00:00+09:00)"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
}
