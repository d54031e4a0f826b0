package demo

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/store"
)

func testHistory(seed uint64) History {
	loc := demoLocation()
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, loc).Unix() / 60
	to := time.Date(2026, 12, 7, 21, 10, 0, 0, loc).Unix() / 60
	return History{From: from, To: to, Seed: seed, Loc: loc}
}

// The history depends on the seed only: the same seed gives the same
// outages and minutes, whatever the range; another seed, others.
func TestHistoryDeterministic(t *testing.T) {
	h := testHistory(7)
	os1, os2 := h.Outages(), testHistory(7).Outages()
	if !reflect.DeepEqual(os1, os2) {
		t.Fatalf("outages differ for one seed:\n%v\n%v", os1, os2)
	}
	// November and December (7 days in: more than two) get one of each kind
	if len(os1) != 2*len(outageKinds) {
		t.Errorf("%d outages, want %d: %v", len(os1), 2*len(outageKinds), os1)
	}
	for _, o := range os1 {
		if o.Start < h.From+60 || o.End > h.To-120 || o.End <= o.Start {
			t.Errorf("outage %+v outside the range [%d, %d) less its margins", o, h.From, h.To)
		}
	}
	m := h.From + 12345
	a := h.Minute(m, os1, nil)
	shorter := History{From: m - 10, To: m + 10, Seed: 7, Loc: h.Loc}
	if b := shorter.Minute(m, os1, nil); !reflect.DeepEqual(a, b) {
		t.Errorf("minute %d depends on the range:\n%v\n%v", m, a, b)
	}
	if c := testHistory(8).Minute(m, os1, nil); reflect.DeepEqual(a, c) {
		t.Errorf("seeds 7 and 8 made the same minute %v", a)
	}
	if reflect.DeepEqual(os1, testHistory(8).Outages()) {
		t.Error("seeds 7 and 8 made the same outages")
	}
}

// The minutes are plausible: 60 probes, every one lost in an outage,
// round trips higher in office hours than at night.
func TestHistoryMinutes(t *testing.T) {
	h := testHistory(1)
	outages := h.Outages()
	o := outages[0]
	for _, r := range h.Minute(o.Start, outages, nil) {
		s := seriesByName(t, r.Series)
		wantDown := strings.Contains(strings.Join(o.Listeners, ","), s.Listener)
		if r.M.Sent != 60 || (r.M.Received == 0) != wantDown {
			t.Errorf("outage %v: %s: %+v", o, r.Series, r.M)
		}
	}
	// Wednesday 2 December 2026: 03:00 and 14:30 Tokyo time, averaged over an hour
	night, day := meanRTT(h, outages, time.Date(2026, 12, 2, 3, 0, 0, 0, h.Loc)), meanRTT(h, outages, time.Date(2026, 12, 2, 14, 0, 0, 0, h.Loc))
	for i, s := range allSeries {
		if day[i] < night[i]+s.DayRTT/2 || night[i] < s.BaseRTT*0.9 || night[i] > s.BaseRTT*1.2 {
			t.Errorf("%s: mean RTT %.0f µs at night, %.0f by day; base %.0f, day adds %.0f", s.Name, night[i], day[i], s.BaseRTT, s.DayRTT)
		}
	}
}

func seriesByName(t *testing.T, name string) series {
	for _, s := range allSeries {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no series %s", name)
	return series{}
}

func meanRTT(h History, outages []PastOutage, at time.Time) []float64 {
	sum := make([]float64, len(allSeries))
	n := make([]float64, len(allSeries))
	for m := at.Unix() / 60; m < at.Unix()/60+60; m++ {
		for i, r := range h.Minute(m, outages, nil) {
			sum[i] += float64(r.M.RTTSum)
			n[i] += float64(r.M.Received)
		}
	}
	for i := range sum {
		sum[i] /= n[i]
	}
	return sum
}

// The history goes through the store, which checks every record, and
// reads back as written.
func TestHistoryWrite(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), store.DefaultFile), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := testHistory(3)
	h.From = h.To - 3*24*60
	n, err := h.Write(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3*24*60*len(allSeries) {
		t.Errorf("wrote %d records, want %d", n, 3*24*60*len(allSeries))
	}
	outages := h.Outages()
	read := 0
	err = st.ReadMinutes(ctx, h.From, h.To, func(m int64, recs []slawatch.SeriesMinute) error {
		read += len(recs)
		if want := sortedMinute(h.Minute(m, outages, nil)); !reflect.DeepEqual(recs, want) {
			t.Fatalf("minute %d read back:\n%v\nwant\n%v", m, recs, want)
		}
		return nil
	})
	if err != nil || read != n {
		t.Errorf("read %d records of %d: %v", read, n, err)
	}
}

func sortedMinute(recs []slawatch.SeriesMinute) []slawatch.SeriesMinute {
	out := append([]slawatch.SeriesMinute(nil), recs...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Series < out[j-1].Series; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func TestScheduleAt(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 30, 0, time.UTC)
	s := Schedule{Start: t0, Lead: time.Minute, Every: 10 * time.Minute, For: 6 * time.Minute}
	for _, c := range []struct {
		after    time.Duration
		k        int
		down, up time.Duration // after t0
	}{
		{0, 0, time.Minute, 7 * time.Minute},
		{time.Minute, 0, time.Minute, 7 * time.Minute},
		{6 * time.Minute, 0, time.Minute, 7 * time.Minute},
		{7 * time.Minute, 1, 11 * time.Minute, 17 * time.Minute}, // up again: the next one
		{12 * time.Minute, 1, 11 * time.Minute, 17 * time.Minute},
		{96 * time.Minute, 9, 91 * time.Minute, 97 * time.Minute},
		{100 * time.Minute, 10, 101 * time.Minute, 107 * time.Minute},
		{101 * time.Minute, 10, 101 * time.Minute, 107 * time.Minute},
	} {
		k, down, up := s.At(t0.Add(c.after))
		if k != c.k || !down.Equal(t0.Add(c.down)) || !up.Equal(t0.Add(c.up)) {
			t.Errorf("At(+%s) = %d, +%s, +%s; want %d, +%s, +%s", c.after, k, down.Sub(t0), up.Sub(t0), c.k, c.down, c.up)
		}
	}
}

// A listener refuses connections while down and takes them on the same
// address once up.
func TestListenerDownUp(t *testing.T) {
	l, err := Listen("x")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dial := func() error {
		c, err := net.DialTimeout("tcp", l.Addr, 2*time.Second)
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial(); err != nil {
		t.Fatalf("up: %v", err)
	}
	l.Down()
	if err := dial(); err == nil || l.IsUp() {
		t.Fatal("down: a connection was taken")
	}
	if err := l.Up(); err != nil {
		t.Fatal(err)
	}
	if err := dial(); err != nil {
		t.Fatalf("up again: %v", err)
	}
}

// The mailbox takes a message over real SMTP and shows it, newest first,
// at /demo/mail.json and /demo/mail; anything else goes to the server.
func TestMailbox(t *testing.T) {
	mb, err := StartMailbox(testLogger(t), time.Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	for i, subj := range []string{"first", "=?utf-8?q?second_=E2=80=94_outage?="} {
		msg := "From: a@x.invalid\r\nTo: b@y.invalid\r\nSubject: " + subj + "\r\nX-Slawatch-Notice-Id: n" + string(rune('0'+i)) + "\r\n\r\nbody <b>\r\n"
		if err := smtp.SendMail(mb.Addr, nil, "a@x.invalid", []string{"b@y.invalid"}, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	hs := httptest.NewServer(mb.Handler(next))
	defer hs.Close()
	code, body := get(t, hs.URL+"/demo/mail.json", "")
	var v struct{ Mails []Mail }
	if err := json.Unmarshal([]byte(body), &v); code != 200 || err != nil || len(v.Mails) != 2 {
		t.Fatalf("mail.json: %d %v %s", code, err, body)
	}
	if m := v.Mails[0]; m.Subject != "second — outage" || m.Header["X-Slawatch-Notice-Id"] != "n1" || m.To[0] != "b@y.invalid" || !strings.Contains(m.Body, "body <b>") {
		t.Errorf("newest mail: %+v", m)
	}
	if code, page := get(t, hs.URL+"/demo/mail", ""); code != 200 || !strings.Contains(page, "second — outage") || !strings.Contains(page, "body &lt;b&gt;") ||
		strings.Index(page, "<h2>second") > strings.Index(page, "<h2>first") {
		t.Errorf("mail page: %d\n%s", code, page)
	}
	if code, _ := get(t, hs.URL+"/api/customers", ""); code != http.StatusTeapot {
		t.Errorf("/api/customers: %d, want the server's answer", code)
	}
}

// A taken --addr falls back to a free port on the same host.
func TestListenAddrTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	ln, err := listenAddr(taken.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if ln.Addr().String() == taken.Addr().String() || !strings.HasPrefix(ln.Addr().String(), "127.0.0.1:") {
		t.Errorf("listening on %s beside %s", ln.Addr(), taken.Addr())
	}
	if _, err := listenAddr("nonsense"); err == nil || !strings.Contains(err.Error(), `--addr "nonsense"`) {
		t.Errorf("listenAddr(nonsense): %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, ""},
		{Config{OutageEvery: 5 * time.Minute, OutageFor: 5 * time.Minute}, "outage-for 5m0s: want less than outage-every 5m0s"},
		{Config{OutageFor: 20 * time.Minute}, "outage-for 20m0s: want less than outage-every 10m0s"},
		{Config{OutageEvery: -time.Second}, "want positive durations"},
	} {
		err := c.cfg.Validate()
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
}
