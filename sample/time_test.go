package sample

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"testing"
	"time"

	slawatch "github.com/slawatch/slawatch"
)

// rfc3339Syntax is the strict syntax of RFC 3339 §5.6. time.Parse accepts
// a few strings outside it (see TestParseTimeStricterThanGo), so the
// reference below filters them out before asking time.Parse.
var rfc3339Syntax = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)

// referenceParse is time.Parse(time.RFC3339Nano) held to the RFC 3339
// syntax, with zone offsets below 24:00 and minutes below 60 (which
// time.Parse does not check). It returns Unix seconds.
func referenceParse(s string) (int64, bool) {
	if !rfc3339Syntax.MatchString(s) {
		return 0, false
	}
	if z := s[len(s)-1]; z != 'Z' {
		hh, _ := strconv.Atoi(s[len(s)-5 : len(s)-3])
		mm, _ := strconv.Atoi(s[len(s)-2:])
		if hh > 23 || mm > 59 {
			return 0, false
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, false
	}
	return t.Unix(), true
}

// checkAgainstReference compares parseTime and a primed timeCache with
// the reference on one string.
func checkAgainstReference(t *testing.T, prime, s string) {
	t.Helper()
	want, wantOK := referenceParse(s)
	got, err := parseTime([]byte(s))
	if (err == nil) != wantOK || (wantOK && got != want) {
		t.Fatalf("parseTime(%q) = %d, %v; time.Parse gives %d, ok %v", s, got, err, want, wantOK)
	}
	var c timeCache
	c.minute([]byte(prime))
	gotMin, err := c.minute([]byte(s))
	if (err == nil) != wantOK || (wantOK && gotMin != slawatch.FloorDiv(want, 60)) {
		t.Fatalf("after %q, minute(%q) = %d, %v; want %d, ok %v", prime, s, gotMin, err, slawatch.FloorDiv(want, 60), wantOK)
	}
}

func TestParseTimeTable(t *testing.T) {
	for _, s := range []string{
		"2026-10-01T00:00:07Z", "2026-10-01T09:00:07.250+09:00", "2026-10-01T00:00:07.123456789123Z",
		"1970-01-01T00:00:00Z", "1969-12-31T23:59:59.9Z", "1969-12-31T23:59:00Z", "0000-01-01T00:00:00Z",
		"0000-01-01T00:00:00+23:59", "0000-02-29T12:00:00Z", "9999-12-31T23:59:59-23:59", "2000-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z", "2100-02-28T00:00:00Z", "2024-02-29T23:59:59Z", "2026-02-29T00:00:00Z",
		"2026-04-31T00:00:00Z", "2026-12-31T00:00:00-00:00", "2026-00-10T00:00:00Z", "2026-10-00T00:00:00Z",
		"2026-10-01T24:00:00Z", "2026-10-01T23:60:00Z", "2026-10-01T23:59:60Z", "2026-10-01T00:00:07+24:00",
		"2026-10-01T00:00:07+23:60", "2026-10-01T00:00:07+09:0", "2026-10-01T00:00:07+09:000", "2026-10-01T00:00:07.Z",
		"2026-10-01T00:00:07,5Z", "2026-10-01T1:00:07Z", "2026-10-01t00:00:07Z", "2026-10-01T00:00:07z",
		"2026-10-01T00:00:07", "2026-10-01T00:00:07.5", "2026-10-01T00:00:07ZZ", "+2026-10-01T00:00:07Z",
		"2026-1-01T00:00:07Z", "2026-10-01T00:00:07 Z", "-026-10-01T00:00:07Z", "2026-10-01T00:00:07*09:00",
		"2026-10-01T00:00:07+09-00", "", "Z", "2026-10-01T00:00:7Z0",
	} {
		checkAgainstReference(t, "2026-10-01T00:00:07Z", s)
		checkAgainstReference(t, s, s)
	}
}

// TestParseTimeStricterThanGo pins the strings that time.Parse accepts
// and this parser rejects, because RFC 3339 does.
func TestParseTimeStricterThanGo(t *testing.T) {
	for _, s := range []string{"2026-10-01T1:00:07Z", "2026-10-01T00:00:07,5Z", "2026-10-01T00:00:07+24:00", "2026-10-01T00:00:07+23:60"} {
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			t.Errorf("time.Parse(%q) fails now (%v): the reference can drop its filter", s, err)
		}
		if _, err := parseTime([]byte(s)); err == nil {
			t.Errorf("parseTime(%q) accepted it", s)
		}
	}
}

// TestParseTimeRandom compares with the reference on random times and on
// random one-byte changes of them.
func TestParseTimeRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789-+:.TZtz ,"
	n := 200_000
	if !long() {
		n = 20_000
	}
	for range n {
		s := randomTime(rng)
		checkAgainstReference(t, "2026-10-01T00:00:07Z", s)
		b := []byte(s)
		b[rng.IntN(len(b))] = alphabet[rng.IntN(len(alphabet))]
		checkAgainstReference(t, s, string(b))
	}
}

// randomTime returns a time string whose fields are mostly, not always, in
// range, so both answers are exercised.
func randomTime(rng *rand.Rand) string {
	s := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d",
		rng.IntN(10000), rng.IntN(14), rng.IntN(33), rng.IntN(25), rng.IntN(61), rng.IntN(61))
	if rng.IntN(2) == 0 {
		s += "." + strconv.Itoa(rng.IntN(1_000_000_000))
	}
	if rng.IntN(3) == 0 {
		return s + "Z"
	}
	return s + fmt.Sprintf("%c%02d:%02d", "+-"[rng.IntN(2)], rng.IntN(25), rng.IntN(61))
}

func TestFloorDiv(t *testing.T) {
	for _, tc := range [][3]int64{{0, 60, 0}, {59, 60, 0}, {60, 60, 1}, {-1, 60, -1}, {-60, 60, -1}, {-61, 60, -2}} {
		if got := slawatch.FloorDiv(tc[0], tc[1]); got != tc[2] {
			t.Errorf("slawatch.FloorDiv(%d, %d) = %d, want %d", tc[0], tc[1], got, tc[2])
		}
	}
}
