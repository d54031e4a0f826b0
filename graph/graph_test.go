package graph_test

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/graph"
	"github.com/slawatch/slawatch/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// node is an element of a parsed SVG document.
type node struct {
	name  string
	attr  map[string]string
	text  string
	kids  []*node
	depth int
}

// parse checks that data is well-formed XML with an <svg> root and
// returns its tree.
func parse(tb testing.TB, data []byte) *node {
	tb.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			tb.Fatalf("not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name.Local, attr: map[string]string{}, depth: len(stack)}
			for _, a := range t.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			} else if root != nil {
				tb.Fatal("two root elements")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil || root.name != "svg" || root.attr["version"] != "1.1" {
		tb.Fatalf("root: %+v", root)
	}
	return root
}

// all returns the elements under n (and n) that keep accepts, in
// document order.
func (n *node) all(keep func(*node) bool) []*node {
	var out []*node
	if keep(n) {
		out = append(out, n)
	}
	for _, k := range n.kids {
		out = append(out, k.all(keep)...)
	}
	return out
}

func class(c string) func(*node) bool {
	return func(n *node) bool { return hasWord(n.attr["class"], c) }
}

func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}

func named(name string) func(*node) bool { return func(n *node) bool { return n.name == name } }

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./graph -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (%d bytes, want %d); rerun with -update after checking the change", name, len(got), len(want))
	}
}

// accessible checks the title and desc the root is labelled by.
func accessible(t *testing.T, root *node, title string) {
	t.Helper()
	ids := strings.Fields(root.attr["aria-labelledby"])
	if root.attr["role"] != "img" || len(ids) != 2 {
		t.Fatalf("role %q, aria-labelledby %q", root.attr["role"], root.attr["aria-labelledby"])
	}
	if k := root.kids; len(k) < 2 || k[0].name != "title" || k[0].attr["id"] != ids[0] || k[0].text != title ||
		k[1].name != "desc" || k[1].attr["id"] != ids[1] || k[1].text == "" {
		t.Errorf("title and desc: %+v %+v", k[0], k[1])
	}
}

func mustLoc(t testing.TB, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// minute returns a deterministic minute of 60 probes: RTTs about 10 ms
// plus a slow daily swing, with lost of them lost.
func minute(m int64, lost int) slawatch.Minute {
	var x slawatch.Minute
	for i := range 60 {
		if i < lost {
			x.AddLost()
			continue
		}
		x.AddReply(uint32(10_000 + (m*7919+int64(i)*104729)%3000 + 2000*(m%1440)/1440))
	}
	return x
}

// dayPoints is 3 Oct 2026 in Tokyo: 10:00-11:00 unmeasured, 14:00-14:10
// every probe lost, 18:00-19:00 3 of 60 lost a minute (5%).
func dayPoints(loc *time.Location) (from, to time.Time, pts []graph.Point) {
	from = time.Date(2026, 10, 3, 0, 0, 0, 0, loc)
	to = from.AddDate(0, 0, 1)
	for m := slawatch.UnixMinute(from); m < slawatch.UnixMinute(to); m++ {
		h := (m - slawatch.UnixMinute(from)) / 60
		switch {
		case h == 10:
			continue
		case h == 14 && (m-slawatch.UnixMinute(from))%60 < 10:
			pts = append(pts, graph.Point{Minute: m, M: minute(m, 60)})
		case h == 18:
			pts = append(pts, graph.Point{Minute: m, M: minute(m, 3)})
		default:
			pts = append(pts, graph.Point{Minute: m, M: minute(m, 0)})
		}
	}
	return from, to, pts
}

func TestLatencyDay(t *testing.T) {
	loc := mustLoc(t, "Asia/Tokyo")
	from, to, pts := dayPoints(loc)
	var b bytes.Buffer
	opts := graph.LatencyOptions{Title: `tokyo-r1 <"backbone" & more>`, From: from, To: to, Location: loc,
		Threshold: 35 * time.Millisecond}
	if err := graph.Latency(&b, opts, pts); err != nil {
		t.Fatal(err)
	}
	golden(t, "latency-day.svg", b.Bytes())
	root := parse(t, b.Bytes())
	accessible(t, root, opts.Title)
	// 1,440 minutes into the plot's 720 pixels: 2-minute buckets, 720 of
	// them; the unmeasured hour is 30 buckets, drawn as one gap of 30 px
	// starting at 64 + 10 h × 30 px = 364.
	buckets := root.all(class("bucket"))
	if len(buckets) != 720-30 {
		t.Errorf("buckets: got %d, want 690", len(buckets))
	}
	gaps := root.all(class("gap"))
	if len(gaps) != 1 || gaps[0].attr["x"] != "364" || gaps[0].attr["width"] != "30" {
		t.Errorf("gaps: %+v", gaps)
	}
	// The 10 minutes all lost: 5 buckets of one pink column each.
	lost := 0
	for _, g := range buckets {
		if len(g.kids) == 2 && g.kids[1].attr["fill-opacity"] == "0.2" {
			lost++
		}
	}
	if lost != 5 {
		t.Errorf("all-lost buckets: got %d, want 5", lost)
	}
	// The scale: the largest input is 1.2 × 35 ms = 42 ms (the RTTs stay
	// under 15 ms), a step of 20 ms, top 60 ms. The plot runs from y = 32
	// (60 ms) to y = 202 (0 ms): 35 ms is at 202 - 170 × 35/60 = 102.83.
	th := root.all(class("threshold"))
	if len(th) != 1 || th[0].attr["y1"] != "102.83" || th[0].attr["y2"] != "102.83" {
		t.Errorf("threshold line: %+v", th)
	}
	// The 5% hour: 3 of 60 probes lost is not below 5%: the <10% colour.
	colours := map[string]int{}
	for _, g := range buckets {
		if len(g.kids) == 3 {
			colours[g.kids[2].attr["fill"]]++
		}
	}
	if colours["#0059ff"] != 30 || colours["#26ff00"] != 720-30-30-5 {
		t.Errorf("mean line colours: %v", colours)
	}
}

// A month in Berlin with the autumn change: 31 days and an hour, 44,700
// minutes; in 416 pixels (width 496), 108-minute buckets, 414 of them.
func TestLatencyMonthDST(t *testing.T) {
	loc := mustLoc(t, "Europe/Berlin")
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, loc)
	to := from.AddDate(0, 1, 0)
	var pts []graph.Point
	for m := slawatch.UnixMinute(from); m < slawatch.UnixMinute(to); m++ {
		pts = append(pts, graph.Point{Minute: m, M: minute(m, int(m%97/90))})
	}
	var b bytes.Buffer
	if err := graph.Latency(&b, graph.LatencyOptions{Title: "fra-ams", From: from, To: to, Location: loc, Width: 496}, pts); err != nil {
		t.Fatal(err)
	}
	golden(t, "latency-month-berlin.svg", b.Bytes())
	root := parse(t, b.Bytes())
	if n := len(root.all(class("bucket"))); n != 414 {
		t.Errorf("buckets: got %d, want 414 (ceil(44700/108))", n)
	}
	if n := len(root.all(class("gap"))); n != 0 {
		t.Errorf("gaps: got %d, want none", n)
	}
	if !strings.Contains(root.kids[1].text, "44,700 of 44,700 minutes measured") {
		t.Errorf("desc: %s", root.kids[1].text)
	}
}

// Points out of order, twice over and outside the span draw as the
// sorted, once-given points in it do.
func TestLatencyOrderAndDuplicates(t *testing.T) {
	loc := mustLoc(t, "Asia/Tokyo")
	from, to, pts := dayPoints(loc)
	var want, got bytes.Buffer
	opts := graph.LatencyOptions{From: from, To: to, Location: loc}
	if err := graph.Latency(&want, opts, pts); err != nil {
		t.Fatal(err)
	}
	mixed := append([]graph.Point{{Minute: slawatch.UnixMinute(to), M: minute(0, 0)}}, pts...)
	for i, j := 0, len(mixed)-1; i < j; i, j = i+1, j-1 {
		mixed[i], mixed[j] = mixed[j], mixed[i]
	}
	mixed = append(mixed, graph.Point{Minute: slawatch.UnixMinute(from) - 1, M: minute(0, 0)})
	if err := graph.Latency(&got, opts, mixed); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Error("reversed points with points outside the span draw differently")
	}
}

func TestLatencyOptionErrors(t *testing.T) {
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for _, o := range []graph.LatencyOptions{
		{From: from, To: from},
		{From: from, To: from.Add(-time.Hour)},
		{From: from, To: from.Add(time.Hour), Width: 100},
		{From: from, To: from.Add(time.Hour), Height: 5000},
		{From: from, To: from.Add(time.Hour), Threshold: -1},
	} {
		err := graph.Latency(&bytes.Buffer{}, o, nil)
		if slawatch.ErrorCode(err) != slawatch.EINVALID {
			t.Errorf("%+v: got %v, want an EINVALID error", o, err)
		}
	}
}

// monthStates is an hour-cell month of a level in Tokyo: October 2026,
// 44,640 minutes, with a 7-minute outage, a 2-hour gap and an excluded
// maintenance window.
func monthStates() []engine.State {
	st := make([]engine.State, 44640)
	for j := range st {
		st[j] = engine.StateUp
	}
	fill := func(a, b int, s engine.State) {
		for j := a; j < b; j++ {
			st[j] = s
		}
	}
	day := 1440
	fill(2*day+14*60+2, 2*day+14*60+9, engine.StateDown) // 3 Oct 14:02-14:09
	fill(9*day, 9*day+120, engine.StateUnknown)          // 10 Oct 00:00-02:00
	fill(20*day+60, 20*day+240, engine.StateExcluded)    // 21 Oct 01:00-04:00
	fill(20*day+240, 20*day+250, engine.StateUnknown)    // 21 Oct 04:00-04:10
	return st
}

func TestStripMonthHours(t *testing.T) {
	loc := mustLoc(t, "Asia/Tokyo")
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, loc)
	out := graph.Span{Start: from.Add(2*24*time.Hour + 14*time.Hour + 2*time.Minute), End: from.Add(2*24*time.Hour + 14*time.Hour + 9*time.Minute)}
	var b bytes.Buffer
	err := graph.Strip(&b, graph.StripOptions{Title: "Internet availability", From: from, Location: loc,
		CellMinutes: 60, Outages: []graph.Span{out}}, monthStates())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "strip-month-hours.svg", b.Bytes())
	root := parse(t, b.Bytes())
	accessible(t, root, "Internet availability")
	// Hour cells; pure runs merge: up to 3 Oct 14:00, the down hour
	// (7 down, 53 up), up to 10 Oct 00:00, 2 unknown hours, up to 21 Oct
	// 01:00, 3 excluded hours, the mixed 04:00 hour (10 unknown, 50 up:
	// unknown), up to the end: 9 elements.
	cells := root.all(class("cell"))
	var kinds []string
	for _, c := range cells {
		kinds = append(kinds, strings.Fields(c.attr["class"])[1])
	}
	want := "up down up unknown up excluded unknown up"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("cells: got %q, want %q", got, want)
	}
	if tip := cells[1].kids[0].text; tip != "2026-10-03 14:00–15:00: down (7 down, 53 up)" {
		t.Errorf("down cell tooltip %q", tip)
	}
	// 44,640 minutes over 768 px: the down hour starts at
	// 16 + 768 × (2×1440 + 14×60)/44640 = 16 + 64 = 80 and is 768/744 = 1.03 px.
	if c := cells[1]; c.attr["x"] != "80" || c.attr["width"] != "1.03" {
		t.Errorf("down cell at x %s width %s", c.attr["x"], c.attr["width"])
	}
	outs := root.all(class("outage"))
	if len(outs) != 1 || outs[0].kids[0].text != "outage 2026-10-03 14:02–14:09 (7 min)" {
		t.Errorf("outages: %+v", outs)
	}
}

func TestStripDayMinutes(t *testing.T) {
	st := monthStates()[2*1440 : 3*1440]
	from := time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	if err := graph.Strip(&b, graph.StripOptions{From: from, Width: 1472}, st); err != nil {
		t.Fatal(err)
	}
	golden(t, "strip-day-minutes.svg", b.Bytes())
	root := parse(t, b.Bytes())
	// 1,440 minutes fit in 1,440 px: minute cells, so up, down, up.
	cells := root.all(class("cell"))
	if len(cells) != 3 || cells[1].attr["width"] != "7" || cells[1].kids[0].text != "2026-10-03 14:02–14:09: down (7 min)" {
		t.Errorf("cells: %d, %+v", len(cells), cells[1])
	}
	if root.kids[0].text != "Availability" {
		t.Errorf("default title %q", root.kids[0].text)
	}
}

func TestStripErrors(t *testing.T) {
	for _, c := range []struct {
		o  graph.StripOptions
		st []engine.State
	}{
		{graph.StripOptions{}, nil},
		{graph.StripOptions{CellMinutes: -1}, []engine.State{1}},
		{graph.StripOptions{Width: 10}, []engine.State{1}},
	} {
		if err := graph.Strip(&bytes.Buffer{}, c.o, c.st); slawatch.ErrorCode(err) != slawatch.EINVALID {
			t.Errorf("%+v: got %v, want EINVALID", c.o, err)
		}
	}
}

func TestBadge(t *testing.T) {
	var b bytes.Buffer
	if err := graph.Badge(&b, "availability", "99.987%", graph.Green); err != nil {
		t.Fatal(err)
	}
	golden(t, "badge-availability.svg", b.Bytes())
	root := parse(t, b.Bytes())
	// Verdana 11 px: "availability" is a×3, v, i×3, l×2, b, t, y:
	// (3×1229 + 1194 + 3×559 + 2×559 + 1270 + 807 + 1194)/2048 × 11 =
	// 10,947/2048 × 11 = 58.80 px, rounded up plus 10: 69; "99.987%" is
	// (5×1302 + 745 + 2277)/2048 × 11 = 51.20, so 62. 131 in all.
	if root.attr["width"] != "131" {
		t.Errorf("width %s, want 131", root.attr["width"])
	}
	if root.attr["aria-label"] != "availability: 99.987%" || root.kids[0].text != "availability: 99.987%" {
		t.Errorf("label %q", root.attr["aria-label"])
	}
	b.Reset()
	if err := graph.Badge(&b, `a<b & "c"`, "\x00é\xff", "#123"); err != nil {
		t.Fatal(err)
	}
	golden(t, "badge-escaped.svg", b.Bytes())
	parse(t, b.Bytes())
	if err := graph.Badge(&b, "x", "y", "red"); slawatch.ErrorCode(err) != slawatch.EINVALID {
		t.Errorf("colour red: %v", err)
	}
}

func TestLevelBadge(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		l    report.LevelReport
		want string // aria-label and fill of the value
	}{
		{report.LevelReport{Availability: "99.987654", Met: &yes}, "availability: 99.987% #4c1"},
		{report.LevelReport{Availability: "99.9999", Met: &yes, Budget: &report.BudgetJSON{Allowed: 4, Left: 1}}, "availability: 99.999% #dfb317"},
		{report.LevelReport{Availability: "100", Met: &yes}, "availability: 100% #4c1"},
		{report.LevelReport{Availability: "98.5", Met: &no}, "availability: 98.5% #e05d44"},
		{report.LevelReport{LatencyMs: "35.1235"}, "latency: 35.123 ms #9f9f9f"},
		{report.LevelReport{}, "availability: n/a #9f9f9f"},
	} {
		var b bytes.Buffer
		if err := graph.LevelBadge(&b, &c.l); err != nil {
			t.Fatal(err)
		}
		root := parse(t, b.Bytes())
		fill := root.kids[3].kids[1].attr["fill"]
		if got := root.attr["aria-label"] + " " + fill; got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

func TestCollect(t *testing.T) {
	var pts []graph.Point
	fn := graph.Collect("b", &pts)
	recs := []slawatch.SeriesMinute{{Series: "a"}, {Series: "b", M: slawatch.Minute{Sent: 2}}, {Series: "c"}}
	fn(7, recs)
	fn(8, recs[:1])
	if len(pts) != 1 || pts[0].Minute != 7 || pts[0].M.Sent != 2 {
		t.Errorf("got %+v", pts)
	}
}
