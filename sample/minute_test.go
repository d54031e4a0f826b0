package sample

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	slawatch "github.com/slawatch/slawatch"
)

const (
	mh = MinuteHeaderUntimed + "\n"
	// m5 is 2026-10-01T00:05Z, the minute of most rows below.
	m5 = m0 + 5
	// ok59 is a possible minute: 59 replies of 60 probes, 57 of them
	// after 12 ms, one after 11 ms and one after 13 ms. Sum 11,000 +
	// 13,000 + 57 × 12,000 = 708,000 µs; sum of squares 121e6 + 169e6 +
	// 57 × 144e6 = 8,498,000,000 µs².
	ok59 = "60,59,708000,8498000000,11000,13000"
)

// record is one minute-record row of web at 2026-10-01T00:05Z.
func record(numbers string) string {
	return mh + "2026-10-01T00:05:00Z,web," + numbers + "\n"
}

func TestMinuteRecords(t *testing.T) {
	text := "\xEF\xBB\xBF" + MinuteHeaderUntimed + "\r\n" +
		"2026-10-01T00:05:00Z,web," + ok59 + "\r\n" +
		"2026-10-01T00:05:00.000Z,\"a,\"\"b\"\"\",2,0,0,0,0,0\r\n" +
		"2026-10-01T09:05:00+09:00,db,1,1,34,1156,34,34\r\n" + // same minute, other zone
		"2026-10-01T00:07:00-00:00,web,60,60,3600000000,216000000000000000,60000000,60000000\r\n" +
		"\r\n"
	got, err := readString(t, text, "web", "db", `a,"b"`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Batch{
		{Minute: m5, Rows: 3, Records: []Record{
			{Series: 0, Minute: slawatch.Minute{Sent: 60, Received: 59, RTTSum: 708000, RTTSumSq: 8498000000, RTTMin: 11000, RTTMax: 13000}},
			{Series: 1, Minute: slawatch.Minute{Sent: 1, Received: 1, RTTSum: 34, RTTSumSq: 1156, RTTMin: 34, RTTMax: 34}},
			{Series: 2, Minute: slawatch.Minute{Sent: 2}},
		}},
		{Minute: m0 + 7, Rows: 1, Records: []Record{
			{Series: 0, Minute: slawatch.Minute{Sent: 60, Received: 60, RTTSum: 3_600_000_000, RTTSumSq: 216_000_000_000_000_000, RTTMin: 60_000_000, RTTMax: 60_000_000}},
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// TestMinuteRecordsLimits reads the largest values each column allows.
func TestMinuteRecordsLimits(t *testing.T) {
	for _, numbers := range []string{
		"4294967295,0,0,0,0,0",
		"4294967295,4294967295,0,0,0,0",
		// 2e9 replies of 70 ms each: the sum of squares, 9.8e18, is near
		// the top of uint64.
		"2000000000,2000000000,140000000000000,9800000000000000000,70000,70000",
		// sum² is 1e28, beyond 64 bits; received × sumsq equals it.
		"4000000000,4000000000,100000000000000,2500000000000000000,0,60000000",
		"0060,0059,0708000,08498000000,011000,013000", // leading zeros are plain digits
	} {
		if _, err := readString(t, record(numbers), "web"); err != nil {
			t.Errorf("%s: %v", numbers, err)
		}
	}
}

func TestMinuteRecordErrors(t *testing.T) {
	const row2 = "2026-10-01T00:05:00Z,web,"
	for _, tc := range []struct {
		name, text string
		kind       error
		want       string
	}{
		{"header typo", "minute,series,sent\n", ErrMalformed, `s.csv:1: header is "minute,series,sent", want "minute,series,sent,received,rtt_sum_us,rtt_sumsq_us2,rtt_min_us,rtt_max_us,first_reply_s,last_reply_s"`},
		{"probe row", mh + "2026-10-01T00:05:07Z,web,12.5\n", ErrMalformed, `s.csv:2: 3 fields, want 8 (minute,series,sent,received,rtt_sum_us,rtt_sumsq_us2,rtt_min_us,rtt_max_us)`},
		{"seven fields", record("60,59,708000,8498000000,11000"), ErrMalformed, `s.csv:2: 7 fields, want 8 (minute,series,sent,received,rtt_sum_us,rtt_sumsq_us2,rtt_min_us,rtt_max_us)`},
		{"nine fields", record(ok59 + ",1"), ErrMalformed, `s.csv:2: 9 fields, want 8 (minute,series,sent,received,rtt_sum_us,rtt_sumsq_us2,rtt_min_us,rtt_max_us)`},
		{"nine fields quoted", mh + `2026-10-01T00:05:00Z,"web",` + ok59 + ",\n", ErrMalformed, `s.csv:2: 9 fields, want 8 (minute,series,sent,received,rtt_sum_us,rtt_sumsq_us2,rtt_min_us,rtt_max_us)`},
		{"bare quote", record(`6"0,59,708000,8498000000,11000,13000`), ErrMalformed, `s.csv:2: field sent: bare " in an unquoted field; quote the field and double the "`},
		{"blank line", record(ok59) + "\n" + row2 + ok59 + "\n", ErrMalformed, `s.csv:3: blank line; only the end of the file may be blank`},
		{"long line", mh + row2 + strings.Repeat("1", MaxLineLen) + "\n", ErrMalformed, `s.csv:2: line longer than 65536 bytes`},
		{"minute layout", mh + "2026-10-01 00:05:00Z,web," + ok59 + "\n", ErrMalformed, `s.csv:2: field minute: "2026-10-01 00:05:00Z" is not an RFC 3339 time: want the layout 2006-01-02T15:04:05Z, with optional .fraction and Z or ±hh:mm`},
		{"minute no zone", mh + "2026-10-01T00:05:00,web," + ok59 + "\n", ErrMalformed, `s.csv:2: field minute: "2026-10-01T00:05:00" is not an RFC 3339 time: want the layout 2006-01-02T15:04:05Z, with optional .fraction and Z or ±hh:mm`},
		{"minute seconds", mh + "2026-10-01T00:05:30Z,web," + ok59 + "\n", ErrMalformed, `s.csv:2: field minute: "2026-10-01T00:05:30Z" is not the start of a minute; want seconds 00 and no fraction other than zeros`},
		{"minute fraction", mh + "2026-10-01T00:05:00.0001Z,web," + ok59 + "\n", ErrMalformed, `s.csv:2: field minute: "2026-10-01T00:05:00.0001Z" is not the start of a minute; want seconds 00 and no fraction other than zeros`},
		{"minute fraction offset", mh + "2026-10-01T09:05:00.5+09:00,web," + ok59 + "\n", ErrMalformed, `s.csv:2: field minute: "2026-10-01T09:05:00.5+09:00" is not the start of a minute; want seconds 00 and no fraction other than zeros`},
		{"empty series", mh + "2026-10-01T00:05:00Z,," + ok59 + "\n", ErrMalformed, `s.csv:2: field series: empty series name`},
		{"unknown series", mh + "2026-10-01T00:05:00Z,db-9," + ok59 + "\n", ErrUnknownSeries, `s.csv:2: field series: unknown series "db-9"`},
		{"sent empty", record(",0,0,0,0,0"), ErrMalformed, `s.csv:2: field sent: "" is not a decimal integer`},
		{"sent plus", record("+60,59,708000,8498000000,11000,13000"), ErrMalformed, `s.csv:2: field sent: "+60" is not a decimal integer`},
		{"sent negative", record("-1,0,0,0,0,0"), ErrMalformed, `s.csv:2: field sent: "-1" is not a decimal integer`},
		{"sent space", record(" 60,59,708000,8498000000,11000,13000"), ErrMalformed, `s.csv:2: field sent: " 60" is not a decimal integer`},
		{"sent decimal", record("60.0,59,708000,8498000000,11000,13000"), ErrMalformed, `s.csv:2: field sent: "60.0" is not a decimal integer`},
		{"sent exponent", record("6e1,59,708000,8498000000,11000,13000"), ErrMalformed, `s.csv:2: field sent: "6e1" is not a decimal integer`},
		{"sent overflow", record("4294967296,0,0,0,0,0"), ErrMalformed, `s.csv:2: field sent: "4294967296" is above the limit of 4294967295`},
		{"sent long", record("99999999999999999999999,0,0,0,0,0"), ErrMalformed, `s.csv:2: field sent: "99999999999999999999999" is above the limit of 4294967295`},
		{"sent long then letter", record("99999999999999999999999x,0,0,0,0,0"), ErrMalformed, `s.csv:2: field sent: "99999999999999999999999x" is not a decimal integer`},
		{"received overflow", record("60,4294967296,0,0,0,0"), ErrMalformed, `s.csv:2: field received: "4294967296" is above the limit of 4294967295`},
		{"received hex", record("60,0x3b,708000,8498000000,11000,13000"), ErrMalformed, `s.csv:2: field received: "0x3b" is not a decimal integer`},
		{"sum overflow", record("60,59,18446744073709551616,8498000000,11000,13000"), ErrMalformed, `s.csv:2: field rtt_sum_us: "18446744073709551616" is above the limit of 18446744073709551615`},
		{"sumsq overflow", record("60,59,708000,18446744073709551616,11000,13000"), ErrMalformed, `s.csv:2: field rtt_sumsq_us2: "18446744073709551616" is above the limit of 18446744073709551615`},
		{"sumsq empty", record("60,59,708000,,11000,13000"), ErrMalformed, `s.csv:2: field rtt_sumsq_us2: "" is not a decimal integer`},
		{"min overflow", record("60,59,708000,8498000000,4294967296,13000"), ErrMalformed, `s.csv:2: field rtt_min_us: "4294967296" is above the limit of 4294967295`},
		{"max overflow", record("60,59,708000,8498000000,11000,4294967296"), ErrMalformed, `s.csv:2: field rtt_max_us: "4294967296" is above the limit of 4294967295`},
		{"max fraction", record("60,59,708000,8498000000,11000,13000.5"), ErrMalformed, `s.csv:2: field rtt_max_us: "13000.5" is not a decimal integer`},
		{"sent zero", record("0,0,0,0,0,0"), ErrMalformed, `s.csv:2: field sent: 0 probes sent; a minute with no probe sent is left out (it is unknown)`},
		{"sent zero received", record("0,1,5,25,5,5"), ErrMalformed, `s.csv:2: field sent: 0 probes sent; a minute with no probe sent is left out (it is unknown)`},
		{"received above sent", record("60,61,708000,8498000000,11000,13000"), ErrMalformed, `s.csv:2: field received: 61 is more than sent (60)`},
		{"no replies sum", record("2,0,5,0,0,0"), ErrMalformed, `s.csv:2: field rtt_sum_us: 5 with 0 replies received; a minute without replies has no round-trip times`},
		{"no replies sumsq", record("2,0,0,25,0,0"), ErrMalformed, `s.csv:2: field rtt_sumsq_us2: 25 with 0 replies received; a minute without replies has no round-trip times`},
		{"no replies min", record("2,0,0,0,5,0"), ErrMalformed, `s.csv:2: field rtt_min_us: 5 with 0 replies received; a minute without replies has no round-trip times`},
		{"no replies max", record("2,0,0,0,0,5"), ErrMalformed, `s.csv:2: field rtt_max_us: 5 with 0 replies received; a minute without replies has no round-trip times`},
		{"max above limit", record("1,1,60000001,3600000120000001,60000001,60000001"), ErrMalformed, `s.csv:2: field rtt_max_us: 60000001 is above the limit of 60000000 µs`},
		{"min above max", record("60,59,708000,8498000000,13000,11000"), ErrMalformed, `s.csv:2: field rtt_min_us: 13000 is above rtt_max_us 11000`},
		{"sum below", record("60,59,648999,8498000000,11000,13000"), ErrMalformed, `s.csv:2: field rtt_sum_us: 648999 is outside received × rtt_min_us to received × rtt_max_us (649000 to 767000)`},
		{"sum above", record("60,59,767001,8498000000,11000,13000"), ErrMalformed, `s.csv:2: field rtt_sum_us: 767001 is outside received × rtt_min_us to received × rtt_max_us (649000 to 767000)`},
		{"sumsq below min", record("60,59,708000,7138999999,11000,13000"), ErrMalformed, `s.csv:2: field rtt_sumsq_us2: 7138999999 is below received × rtt_min_us² (7139000000)`},
		{"sumsq above max", record("60,59,708000,9971000001,11000,13000"), ErrMalformed, `s.csv:2: field rtt_sumsq_us2: 9971000001 is above received × rtt_max_us² (9971000000)`},
		{"sumsq negative variance", record("60,59,708000,8495999999,11000,13000"), ErrMalformed, `s.csv:2: field rtt_sumsq_us2: 8495999999 is below rtt_sum_us² / received (501264000000 / 59); the variance would be negative`},
		// received × min² is about 1.5e25, beyond 64 bits.
		{"sumsq below min 128-bit", record("4294967295,4294967295,257698037700000000,18446744073709551615,60000000,60000000"), ErrMalformed,
			`s.csv:2: field rtt_sumsq_us2: 18446744073709551615 is below received × rtt_min_us² (15461882262000000000000000)`},
		// sum² is 1e28, beyond 64 bits; TestMinuteRecordsLimits accepts
		// one more µs².
		{"sumsq negative variance 128-bit", record("4000000000,4000000000,100000000000000,2499999999999999999,0,60000000"), ErrMalformed,
			`s.csv:2: field rtt_sumsq_us2: 2499999999999999999 is below rtt_sum_us² / received (10000000000000000000000000000 / 4000000000); the variance would be negative`},
		{"duplicate", record(ok59) + "2026-10-01T00:05:00Z,db,1,0,0,0,0,0\n" + row2 + "1,0,0,0,0,0\n", ErrMalformed,
			`s.csv:4: field series: series "web" already has a record for minute 2026-10-01T00:05Z on line 2; a file may hold one record per series and minute`},
		{"duplicate other zone", record(ok59) + "2026-10-01T00:05:00Z,db,1,0,0,0,0,0\n" + "2026-10-01T09:05:00+09:00,db,1,0,0,0,0,0\n", ErrMalformed,
			`s.csv:4: field series: series "db" already has a record for minute 2026-10-01T00:05Z on line 3; a file may hold one record per series and minute`},
		{"unsorted", record(ok59) + "2026-10-01T00:06:00Z,web,1,0,0,0,0,0\n2026-10-01T00:04:00Z,db,1,0,0,0,0,0\n", ErrUnsorted,
			`s.csv:4: field minute: 2026-10-01T00:04:00Z is in an earlier minute than 2026-10-01T00:06:00Z on line 3; the rows of a file must be sorted by time (any order within a minute)`},
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

// TestMinuteRecordDuplicateAcrossMinutes checks that a series may have one
// record in each minute.
func TestMinuteRecordDuplicateAcrossMinutes(t *testing.T) {
	text := record(ok59) + "2026-10-01T00:06:00Z,web," + ok59 + "\n"
	if got, err := readString(t, text, "web"); err != nil || len(got) != 2 {
		t.Errorf("got %+v, %v; want two batches", got, err)
	}
}

func TestParseUint(t *testing.T) {
	const max32, max64 = 1<<32 - 1, 1<<64 - 1
	for _, tc := range []struct {
		in    string
		limit uint64
		n     uint64
		err   error
	}{
		{"0", max32, 0, nil},
		{"007", max32, 7, nil},
		{"4294967295", max32, max32, nil},
		{"4294967296", max32, 0, errIntOverflow},
		{"42949672950", max32, 0, errIntOverflow},
		{"18446744073709551615", max64, max64, nil},
		{"18446744073709551616", max64, 0, errIntOverflow},
		{"18446744073709551620", max64, 0, errIntOverflow},
		{"99999999999999999999", max64, 0, errIntOverflow},
		{"", max32, 0, errIntSyntax},
		{"-0", max32, 0, errIntSyntax},
		{"+1", max32, 0, errIntSyntax},
		{"1 ", max32, 0, errIntSyntax},
		{"1_000", max32, 0, errIntSyntax},
		{"9999999999999999999999a", max32, 0, errIntSyntax},
	} {
		n, err := parseUint([]byte(tc.in), tc.limit)
		if n != tc.n || err != tc.err {
			t.Errorf("parseUint(%q, %d) = %d, %v; want %d, %v", tc.in, tc.limit, n, err, tc.n, tc.err)
		}
	}
}

// referenceValid is checkMinute written plainly with big integers, to
// test the 128-bit arithmetic against.
func referenceValid(m slawatch.Minute) bool {
	if m.Sent == 0 || m.Received > m.Sent {
		return false
	}
	if m.Received == 0 {
		return m.RTTSum == 0 && m.RTTSumSq == 0 && m.RTTMin == 0 && m.RTTMax == 0 &&
			m.FirstReply == 0 && m.LastReply == 0
	}
	if m.RTTMax > slawatch.MaxRTTMicros || m.RTTMin > m.RTTMax {
		return false
	}
	timed := m.FirstReply != 0 && m.LastReply != 0 && m.FirstReply <= m.LastReply && m.LastReply <= 60 &&
		(m.Received > 1 || m.FirstReply == m.LastReply)
	if !timed && (m.FirstReply != 0 || m.LastReply != 0) {
		return false
	}
	u := func(v uint64) *big.Int { return new(big.Int).SetUint64(v) }
	mul := func(a, b *big.Int) *big.Int { return new(big.Int).Mul(a, b) }
	n, sum, sq := u(uint64(m.Received)), u(m.RTTSum), u(m.RTTSumSq)
	lo, hi := u(uint64(m.RTTMin)), u(uint64(m.RTTMax))
	return sum.Cmp(mul(n, lo)) >= 0 && sum.Cmp(mul(n, hi)) <= 0 &&
		sq.Cmp(mul(n, mul(lo, lo))) >= 0 && sq.Cmp(mul(n, mul(hi, hi))) <= 0 &&
		mul(sq, n).Cmp(mul(sum, sum)) >= 0
}

// TestCheckMinuteOfProbes checks that every minute built from probes
// passes, whatever its RTTs.
func TestCheckMinuteOfProbes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		var m slawatch.Minute
		for range 1 + rng.IntN(100) {
			if rng.IntN(5) == 0 {
				m.AddLost()
				continue
			}
			rtt := rng.Uint32N(slawatch.MaxRTTMicros + 1)
			if rng.IntN(2) == 0 {
				rtt = rng.Uint32N(100) // close values, variance near 0
			}
			m.AddReply(rtt)
		}
		if field, err := checkMinute(&m); err != nil || !referenceValid(m) {
			t.Fatalf("%+v: field %s: %v; reference says %v", m, field, err, referenceValid(m))
		}
	}
}
