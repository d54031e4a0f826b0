package sample

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	slawatch "github.com/slawatch/slawatch"
)

// mapLookup returns a Lookup of the names, indexed in order.
func mapLookup(names ...string) Lookup {
	m := make(map[string]int32, len(names))
	for i, n := range names {
		m[n] = int32(i)
	}
	return func(name []byte) (int32, bool) {
		i, ok := m[string(name)]
		return i, ok
	}
}

// readAll reads every batch, copying them since a batch is reused.
func readAll(r *Reader) ([]Batch, error) {
	var out []Batch
	for {
		b, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		c := *b
		c.Records = append([]Record(nil), b.Records...)
		out = append(out, c)
	}
}

func readString(t *testing.T, text string, names ...string) ([]Batch, error) {
	t.Helper()
	return readAll(NewReader(strings.NewReader(text), "s.csv", len(names), mapLookup(names...)))
}

// reply and lost build expected minutes.
func reply(m slawatch.Minute, rtts ...uint32) slawatch.Minute {
	for _, r := range rtts {
		m.AddReply(r)
	}
	return m
}

// timed sets the reply timing of m: 1 + the seconds of its first and
// last reply.
func timed(m slawatch.Minute, first, last uint8) slawatch.Minute {
	m.FirstReply, m.LastReply = first, last
	return m
}

func lost(m slawatch.Minute, n int) slawatch.Minute {
	for range n {
		m.AddLost()
	}
	return m
}

const (
	t0 = "2026-10-01T00:00:07Z" // Unix minute 29846880
	m0 = int64(29846880)
)

func TestReaderBatches(t *testing.T) {
	text := "\xEF\xBB\xBFtime,series,rtt_ms\r\n" +
		"2026-10-01T00:00:07Z,db,1\r\n" +
		"2026-10-01T00:00:59.999Z,web,12.5\r\n" +
		"2026-10-01T09:00:01+09:00,db,\r\n" + // same minute, other zone
		"2026-10-01T00:00:00.5Z,db,0.0345\r\n" + // earlier second, same minute
		"2026-10-01T00:01:00Z,\"a,\"\"b\"\"\",60000\r\n" +
		"2026-10-01T00:03:00-00:00,web,\r\n" +
		"\r\n\n"
	got, err := readString(t, text, "web", "db", `a,"b"`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Batch{
		{Minute: m0, Rows: 4, Records: []Record{
			// Replies sent at :59 (web), :07 and :00 (db): stored 60, 8 and 1.
			{Series: 0, Minute: timed(reply(slawatch.Minute{}, 12500), 60, 60)},
			{Series: 1, Minute: timed(lost(reply(slawatch.Minute{}, 1000, 35), 1), 1, 8)},
		}},
		{Minute: m0 + 1, Rows: 1, Records: []Record{{Series: 2, Minute: timed(reply(slawatch.Minute{}, 60_000_000), 1, 1)}}},
		{Minute: m0 + 3, Rows: 1, Records: []Record{{Series: 0, Minute: lost(slawatch.Minute{}, 1)}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestReaderEmpty(t *testing.T) {
	for _, text := range []string{"time,series,rtt_ms", "time,series,rtt_ms\n", "time,series,rtt_ms\r\n\r\n\n"} {
		got, err := readString(t, text, "web")
		if err != nil || len(got) != 0 {
			t.Errorf("%q: got %v, %v; want no batch", text, got, err)
		}
	}
}

func TestReaderNoFinalNewline(t *testing.T) {
	got, err := readString(t, "time,series,rtt_ms\n"+t0+",web,2", "web")
	if err != nil || len(got) != 1 || got[0].Rows != 1 || got[0].Records[0].Minute.RTTSum != 2000 {
		t.Errorf("got %+v, %v", got, err)
	}
}

// TestReaderStickyError checks that Next keeps failing after an error.
func TestReaderStickyError(t *testing.T) {
	r := NewReader(strings.NewReader("nope\n"), "s.csv", 1, mapLookup("web"))
	_, err1 := r.Next()
	_, err2 := r.Next()
	if err1 == nil || err1 != err2 {
		t.Errorf("got %v then %v, want the same error twice", err1, err2)
	}
}

func TestReaderErrors(t *testing.T) {
	const h = "time,series,rtt_ms\n"
	long := h + t0 + ",web," + strings.Repeat("1", MaxLineLen) + "\n"
	veryLong := h + strings.Repeat("x", bufSize+10) + "\n"
	overflow := h + strings.Repeat(t0+",web,60000\n", 5125)
	for _, tc := range []struct {
		name, text string
		kind       error
		want       string
	}{
		{"empty", "", ErrMalformed, `s.csv:1: empty file, want the header "time,series,rtt_ms" (probe rows) or "minute,series,sent,received,rtt_sum_us,rtt_sumsq_us2,rtt_min_us,rtt_max_us,first_reply_s,last_reply_s" (minute records)`},
		{"wrong header", "time,series,rtt\n", ErrMalformed, `s.csv:1: header is "time,series,rtt", want "time,series,rtt_ms"`},
		{"missing header", t0 + ",web,1\n", ErrMalformed, `s.csv:1: header is "2026-10-01T00:00:07Z,web,1", want "time,series,rtt_ms" (probe rows) or "minute,series,sent,received,rtt_sum_us,rtt_sumsq_us2,rtt_min_us,rtt_max_us,first_reply_s,last_reply_s" (minute records)`},
		{"blank header", "\n" + h, ErrMalformed, `s.csv:1: header is "", want "time,series,rtt_ms" (probe rows) or "minute,series,sent,received,rtt_sum_us,rtt_sumsq_us2,rtt_min_us,rtt_max_us,first_reply_s,last_reply_s" (minute records)`},
		{"two fields", h + t0 + ",web\n", ErrMalformed, `s.csv:2: 2 fields, want 3 (time,series,rtt_ms)`},
		{"one field", h + t0 + "\n", ErrMalformed, `s.csv:2: 1 fields, want 3 (time,series,rtt_ms)`},
		{"four fields", h + t0 + ",web,1,2\n", ErrMalformed, `s.csv:2: 4 fields, want 3 (time,series,rtt_ms)`},
		{"four fields quoted", h + t0 + `,"web",1,` + "\n", ErrMalformed, `s.csv:2: 4 fields, want 3 (time,series,rtt_ms)`},
		{"two fields quoted", h + t0 + `,"web,1"` + "\n", ErrMalformed, `s.csv:2: 2 fields, want 3 (time,series,rtt_ms)`},
		{"bare quote", h + t0 + `,we"b,1` + "\n", ErrMalformed, `s.csv:2: field series: bare " in an unquoted field; quote the field and double the "`},
		{"open quote", h + t0 + `,"web,1` + "\n", ErrMalformed, `s.csv:2: field series: quoted field does not end on its line`},
		{"after quote", h + t0 + `,"web"x,1` + "\n", ErrMalformed, `s.csv:2: field series: text after the closing quote of a quoted field`},
		{"blank line", h + t0 + ",web,1\n\n" + t0 + ",web,1\n", ErrMalformed, `s.csv:3: blank line; only the end of the file may be blank`},
		{"long line", long, ErrMalformed, `s.csv:2: line longer than 65536 bytes`},
		{"very long line", veryLong, ErrMalformed, `s.csv:2: line longer than 65536 bytes`},
		{"time layout", h + "2026-10-01 00:00:07Z,web,1\n", ErrMalformed, `s.csv:2: field time: "2026-10-01 00:00:07Z" is not an RFC 3339 time: want the layout 2006-01-02T15:04:05Z, with optional .fraction and Z or ±hh:mm`},
		{"time lower t", h + "2026-10-01t00:00:07Z,web,1\n", ErrMalformed, `s.csv:2: field time: "2026-10-01t00:00:07Z" is not an RFC 3339 time: want the layout 2006-01-02T15:04:05Z, with optional .fraction and Z or ±hh:mm`},
		{"time month", h + "2026-13-01T00:00:07Z,web,1\n", ErrMalformed, `s.csv:2: field time: "2026-13-01T00:00:07Z" is not an RFC 3339 time: month out of range`},
		{"time day", h + "2026-02-29T00:00:07Z,web,1\n", ErrMalformed, `s.csv:2: field time: "2026-02-29T00:00:07Z" is not an RFC 3339 time: day out of range`},
		{"time hour", h + "2026-10-01T24:00:00Z,web,1\n", ErrMalformed, `s.csv:2: field time: "2026-10-01T24:00:00Z" is not an RFC 3339 time: hour out of range`},
		{"time minute", h + "2026-10-01T00:60:00Z,web,1\n", ErrMalformed, `s.csv:2: field time: "2026-10-01T00:60:00Z" is not an RFC 3339 time: minute out of range`},
		{"leap second", h + "2016-12-31T23:59:60Z,web,1\n", ErrMalformed, `s.csv:2: field time: "2016-12-31T23:59:60Z" is not an RFC 3339 time: second out of range (leap seconds are not accepted)`},
		{"time fraction", h + "2026-10-01T00:00:07.Z,web,1\n", ErrMalformed, `s.csv:2: field time: "2026-10-01T00:00:07.Z" is not an RFC 3339 time: fractional seconds need a digit after the dot`},
		{"time zone", h + "2026-10-01T00:00:07+0900,web,1\n", ErrMalformed, `s.csv:2: field time: "2026-10-01T00:00:07+0900" is not an RFC 3339 time: zone must be Z or ±hh:mm`},
		{"time no zone", h + "2026-10-01T00:00:07,web,1\n", ErrMalformed, `s.csv:2: field time: "2026-10-01T00:00:07" is not an RFC 3339 time: want the layout 2006-01-02T15:04:05Z, with optional .fraction and Z or ±hh:mm`},
		{"time zone range", h + "2026-10-01T00:00:07+24:00,web,1\n", ErrMalformed, `s.csv:2: field time: "2026-10-01T00:00:07+24:00" is not an RFC 3339 time: zone offset out of range`},
		{"empty series", h + t0 + ",,1\n", ErrMalformed, `s.csv:2: field series: empty series name`},
		{"unknown series", h + t0 + ",db-9,1\n", ErrUnknownSeries, `s.csv:2: field series: unknown series "db-9"`},
		{"rtt comma", h + t0 + `,web,"12,5"` + "\n", ErrMalformed, `s.csv:2: field rtt_ms: "12,5" is not a decimal number of milliseconds`},
		{"rtt exponent", h + t0 + ",web,1e3\n", ErrMalformed, `s.csv:2: field rtt_ms: "1e3" is not a decimal number of milliseconds`},
		{"rtt space", h + t0 + ",web, 12\n", ErrMalformed, `s.csv:2: field rtt_ms: " 12" is not a decimal number of milliseconds`},
		{"rtt plus", h + t0 + ",web,+12\n", ErrMalformed, `s.csv:2: field rtt_ms: "+12" is not a decimal number of milliseconds`},
		{"rtt dot", h + t0 + ",web,12.\n", ErrMalformed, `s.csv:2: field rtt_ms: "12." is not a decimal number of milliseconds`},
		{"rtt leading dot", h + t0 + ",web,.5\n", ErrMalformed, `s.csv:2: field rtt_ms: ".5" is not a decimal number of milliseconds`},
		{"rtt minus", h + t0 + ",web,-\n", ErrMalformed, `s.csv:2: field rtt_ms: "-" is not a decimal number of milliseconds`},
		{"rtt negative", h + t0 + ",web,-3\n", ErrMalformed, `s.csv:2: field rtt_ms: "-3" is negative`},
		{"rtt negative fraction", h + t0 + ",web,-0.5\n", ErrMalformed, `s.csv:2: field rtt_ms: "-0.5" is negative`},
		{"rtt too large", h + t0 + ",web,60000.001\n", ErrMalformed, `s.csv:2: field rtt_ms: "60000.001" is above the limit of 60000 ms`},
		{"rtt rounds too large", h + t0 + ",web,60000.0005\n", ErrMalformed, `s.csv:2: field rtt_ms: "60000.0005" is above the limit of 60000 ms`},
		{"rtt huge", h + t0 + ",web,99999999999999999999999\n", ErrMalformed, `s.csv:2: field rtt_ms: "99999999999999999999999" is above the limit of 60000 ms`},
		{"unsorted", h + "2026-10-01T00:07:30Z,web,1\n2026-10-01T00:07:10Z,web,1\n2026-10-01T00:05:59.9Z,web,1\n", ErrUnsorted,
			`s.csv:4: field time: 2026-10-01T00:05:59.9Z is in an earlier minute than 2026-10-01T00:07:30Z on line 2; the rows of a file must be sorted by time (any order within a minute)`},
		{"unsorted by zone", h + "2026-10-01T00:07:30Z,web,1\n2026-10-01T09:06:30+09:00,web,1\n", ErrUnsorted,
			`s.csv:3: field time: 2026-10-01T09:06:30+09:00 is in an earlier minute than 2026-10-01T00:07:30Z on line 2; the rows of a file must be sorted by time (any order within a minute)`},
		{"overflow", overflow, ErrOverflow, `s.csv:5126: field rtt_ms: series "web" overflows the round-trip time sums of minute 2026-10-01T00:00Z`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readString(t, tc.text, "web", "db")
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got error\n%v\nwant\n%s", err, tc.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, tc.kind) {
				t.Errorf("%v: not a *ParseError of kind %v", err, tc.kind)
			}
		})
	}
}

func TestReaderBadLookup(t *testing.T) {
	text := "time,series,rtt_ms\n" + t0 + ",web,1\n"
	for _, tc := range []struct {
		name   string
		lookup Lookup
		want   string
	}{
		{"nil", nil, `s.csv:2: field series: unknown series "web" (no series are configured)`},
		{"out of range", func([]byte) (int32, bool) { return 5, true }, `s.csv:2: field series: lookup returned index 5 for series "web", want 0 to 1`},
		{"negative", func([]byte) (int32, bool) { return -1, true }, `s.csv:2: field series: lookup returned index -1 for series "web", want 0 to 1`},
	} {
		_, err := readAll(NewReader(strings.NewReader(text), "s.csv", 2, tc.lookup))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.want)
		}
	}
}

// errReader fails after its data.
type errReader struct{ data string }

func (e *errReader) Read(p []byte) (int, error) {
	if e.data == "" {
		return 0, errors.New("disk on fire")
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

func TestReaderReadError(t *testing.T) {
	r := NewReader(&errReader{"time,series,rtt_ms\n" + t0 + ",web,1\n"}, "s.csv", 1, mapLookup("web"))
	_, err := readAll(r)
	if err == nil || err.Error() != "read s.csv after line 2: disk on fire" {
		t.Errorf("got %v", err)
	}
}
